"""AIM (McKenna, Mullins, Sheldon & Miklau, "AIM: An Adaptive and Iterative Mechanism for
Differentially Private Synthetic Data", PVLDB 2022, arXiv 2201.12677, Algorithm 2), the data-touching
loop, as the numpy-era private-pgm mechanisms/aim.py, in rho-zCDP.

Start (T = `rounds`): sigma^2 = T / (2 * 0.9 rho), eps = sqrt(8 * 0.1 rho / T). Measure every 1-way
marginal with sigma^2 (cost d / (2 sigma^2)); compress as MST does (post-processing).
Each round t:
  - if the budget left is < 2 (1/(2 sigma^2) + eps^2/8), this is the last round: eps = sqrt(8 * 0.1 r),
    sigma^2 = 1 / (2 (r - eps^2/8)) with r the budget left, so the rounds spend rho exactly;
  - candidates: the workload's cliques whose junction tree stays <= max_cells * rho_used / rho cells;
  - select (exponential mechanism, eps^2/8 zCDP by bounded range, Cesar & Rogers 2021) with score
    q_C = w_C (||M_C(D) - M_C(p_hat)||_1 - sqrt(2/pi) sigma n_C), n_C the cells of C. Adding or
    removing a row moves M_C(D) by one in one cell, so |dq_C| <= w_C; the scores are divided by
    max w_C, which makes their sensitivity <= 1 as exponential_mechanism assumes;
  - measure M_C(D) + N_Z(0, sigma^2) (L2 sensitivity 1: cost 1/(2 sigma^2));
  - re-estimate (warm start); if the model's C moved less than sqrt(2/pi) sigma n_C in L1,
    anneal: sigma /= 2 and eps *= 2 (sigma^2 /= 4).
Workload: all 2- and 3-way marginals, weight 1 each; a candidate C's weight is
w_C = sum_W |C & W| over the workload (AIM's compile_workload). Sizes count compressed cells.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

import numpy as np

from . import junction
from .measure import Sensitive
from .mechanisms import round_up_sigma2

MAX_CELLS = 400_000  # the junction tree's cells at the end (memory: a few MB of float64)
MAX_CLIQUE = 20_000  # cells of one measured marginal (exact noise costs about 0.15 ms a cell)


def _floor_eps(bound: Fraction) -> Fraction:
    """The largest float eps (as an exact rational) with eps^2/8 <= bound."""
    e = math.sqrt(float(8 * bound))
    while Fraction(e) ** 2 / 8 > bound:
        e = math.nextafter(e, 0.0)
    return Fraction(e)


def start(rho: Fraction, rounds: int) -> tuple[Fraction, Fraction]:
    """(sigma^2, eps) of the first rounds: 90% of a round's share to measuring, 10% to selecting."""
    return round_up_sigma2(Fraction(rounds) / (2 * Fraction(9, 10) * rho)), _floor_eps(Fraction(1, 10) * rho / rounds)


def workload(cols: list[str], sizes: dict[str, int]) -> dict[tuple[str, ...], float]:
    """Candidates (2- and 3-way cliques under MAX_CLIQUE cells) with AIM's weights."""
    W = list(combinations(cols, 2)) + list(combinations(cols, 3))
    cand = {}
    for k in (2, 3):
        for cl in combinations(cols, k):
            if int(np.prod([sizes[c] for c in cl])) <= MAX_CLIQUE:
                cand[cl] = float(sum(len(set(cl) & set(w)) for w in W))
    return cand


def score(counts: np.ndarray, model: np.ndarray, weight: float, wmax: float, sd: float) -> float:
    """AIM's quality of a candidate, scaled to sensitivity <= 1: w/wmax (||counts - model||_1 - sqrt(2/pi) sd n)."""
    bias = math.sqrt(2 / math.pi) * sd * counts.size
    return weight / wmax * (float(np.abs(counts - model).sum()) - bias)


def run(sens: Sensitive, cols: list[str], rho: Fraction, y1c: dict, k1: dict, maps: dict, sigma2: Fraction,
        eps: Fraction, n_hat: float, iters: int = 100, log=None) -> tuple[junction.JunctionTree, dict, list, dict]:
    """The rounds after the 1-way measurements (already charged at sigma2). Returns the junction tree,
    the fitted theta, the measurements [(clique, y, variance)] and a record of the rounds."""
    sizes = {c: len(y1c[c]) for c in cols}
    meas = [((c,), np.asarray(y1c[c], dtype=float), k1[c] * float(sigma2)) for c in cols]
    cand = workload(cols, sizes)
    wmax = max(cand.values()) if cand else 1.0
    jt = junction.JunctionTree(sizes, [(c,) for c in cols])
    theta, marg = junction.fit(jt, {}, meas, n_hat, iters)
    odo = sens.odometer
    rounds = []
    last = not cand
    t = 0
    while not last:
        t += 1
        left = odo.remaining
        if left < 2 * (1 / (2 * sigma2) + eps * eps / 8):
            eps = _floor_eps(left / 10)
            sigma2 = 1 / (2 * (left - eps * eps / 8))
            last = True
        limit = MAX_CELLS * float((odo.spent + 1 / (2 * sigma2) + eps * eps / 8) / rho)
        cliques = [tuple(m[0]) for m in meas]
        ok = [cl for cl in cand if jt.home(cl) is not None
              or (jt.cells(cl) <= limit  # necessary: the new tree has a clique holding cl
                  and junction.JunctionTree.size_of(sizes, [*cliques, cl]) <= limit)]
        if not ok:
            ok = [cl for cl in cand if jt.home(cl) is not None] or [min(cand, key=lambda c: jt.cells(c))]
        sd = float(sigma2) ** 0.5

        def q(cl, counts, sd=sd, jt=jt, marg=marg):
            return score(counts, jt.project(marg, cl), cand[cl], wmax, sd)

        cl = ok[sens.select(ok, q, eps, maps, f"select:{t}")]
        y = sens.measure(cl, sigma2, maps, f"measure:{t}:{'|'.join(cl)}").astype(float)
        before = jt.project(marg, cl)
        meas.append((cl, y, np.full(y.shape, float(sigma2))))
        jt = junction.JunctionTree(sizes, [tuple(m[0]) for m in meas])
        theta, marg = junction.fit(jt, theta, meas, n_hat, iters)
        moved = float(np.abs(jt.project(marg, cl) - before).sum())
        rounds.append({"clique": list(cl), "sigma": sd, "epsilon": float(eps), "cells": int(y.size)})
        if log:
            log(t, cl, sd, float(eps), jt.size())
        if moved <= math.sqrt(2 / math.pi) * sd * y.size:
            sigma2, eps = sigma2 / 4, eps * 2
    return jt, theta, meas, {"rounds": rounds}
