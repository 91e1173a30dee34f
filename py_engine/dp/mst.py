"""MST (McKenna, Miklau & Sheldon 2021, arXiv 2108.04978), the data-touching part.

Budget rho split by shares that depend only on the public epsilon (budget_shares; the paper uses
thirds), in exact rationals: rho1 over the d 1-way measurements (sigma1^2 = d/(2 rho1)),
rho2 over the d-1 selection steps (eps_em = sqrt(8 rho2/(d-1)), eps_em^2/8 each), rho3 over the d-1
2-way measurements (sigma2^2 = (d-1)/(2 rho3)). sigma^2 is rounded up and eps_em down, so the
odometer total never exceeds rho.
Compression (post-processing of the 1-way answers): categorical cells with noisy count < 3 sigma1
merge into one cell; ordered numeric bins merge with their neighbours until each merged bin's noisy
sum >= ORDERED_MERGE (4) sigma1 sqrt(k).
Selection: Kruskal; each step picks among pairs joining two components with the exponential
mechanism on q_ab = ||M_ab(D) - mu_a mu_b^T / n||_1 (sensitivity 1), mu from the noisy 1-way answers.
2-way measurement: on the compressed cells, or, where those cells would hold on average fewer than
PAIR_SNR sigma2 rows (n_hat / cells, from the noisy answers only), on runs of adjacent ordered cells
of about equal noisy mass (pair_groups, group_ordered); each row is in one measured cell, so the
sensitivity stays 1 and the charge is the same. The estimation fits such an edge's runs.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .domain import ColumnDomain
from .measure import Sensitive
from .mechanisms import round_up_sigma2

MAX_PAIR_CELLS = 10**6
THIRDS = (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3))
# ordered bins merge until the noisy sum of k bins >= ORDERED_MERGE sigma1 sqrt(k) (the notes: 3). 4 measured
# better on Adult with the same noise streams (6 runs; mean 2-way S_pMSE / logit S_pMSE: eps 0.1
# 88 / 116 -> 84 / 109, eps 1 30.8 / 15.8 -> 29.9 / 15.7; 2 was worse, 6 the same as 4, 9 worse)
ORDERED_MERGE = 4
# a 2-way measurement's cells hold on average >= PAIR_SNR sigma2 rows (pair_groups). Measured on Adult
# (seeds 1-3 x 2 noise streams, the same streams with and without; mean 2-way S_pMSE / logit S_pMSE):
# eps 0.1 99.1 / 24.9 -> 94.8 / 27.8, eps 1 32.8 / 11.1 -> 31.9 / 11.2, eps 10 29.6 / 11.0 -> 29.2 / 10.9;
# 8 at eps 1: 31.8 / 13.2 (logit worse), 2: 32.7 / 11.1
PAIR_SNR = 4.0


def budget_shares(epsilon: float) -> tuple[Fraction, Fraction, Fraction]:
    """Shares of rho for (1-way, selection, 2-way): a pure function of the public epsilon.

    The MST paper spends rho/3 on each. Measured on Adult (benchmarks/results/dp-curve.md), the
    1-way answers limit fidelity at low epsilon (they fix the compression, the decoding within merged
    cells and every 1-way margin) and the 2-way answers at higher epsilon, so the 1-way share goes
    from 3/4 at epsilon <= 0.1 to 1/3 at epsilon >= 3, linearly in log(epsilon); selection gets
    1/10 (the exponential mechanism's pick was as good at 1/16 as at 1/3); the 2-way measurements
    the rest. Any shares summing to 1 keep the accounting exact (split_budget).
    """
    t = math.log(float(epsilon) / 0.1) / math.log(3 / 0.1)
    t = min(max(t, 0.0), 1.0)
    one = Fraction(3, 4) - Fraction(5, 12) * Fraction(t).limit_denominator(1000)
    sel = Fraction(1, 10)
    return one, sel, 1 - one - sel


def split_budget(rho: Fraction, d: int, shares=THIRDS) -> dict:
    """sigma1^2, eps_em and sigma2^2 for rho split by `shares` (1-way, selection, 2-way; exact
    rationals summing to 1). With one column, or shares (1, 0, 0), all of rho goes to the 1-way
    answers (eps_em 0 and sigma2^2 None: nothing else is measured)."""
    rho = Fraction(rho)
    f1, f2, f3 = (Fraction(x) for x in shares)
    if f1 <= 0 or f2 < 0 or f3 < 0 or f1 + f2 + f3 != 1:
        raise ValueError(f"budget shares must be >= 0 (1-way > 0) and sum to 1: {shares}")
    r1 = rho * f1 if d > 1 else rho
    r2 = rho * f2 if d > 1 else Fraction(0)
    r3 = rho - r1 - r2
    s1 = round_up_sigma2(Fraction(d) / (2 * r1))
    out = {"sigma1_sq": s1, "eps_em": Fraction(0), "sigma2_sq": None}
    if d > 1 and r2 > 0:
        e = math.sqrt(float(8 * r2 / (d - 1)))
        while (d - 1) * Fraction(e) ** 2 / 8 > r2:
            e = math.nextafter(e, 0.0)
        out["eps_em"] = Fraction(e)
    if d > 1 and r3 > 0:
        out["sigma2_sq"] = round_up_sigma2(Fraction(d - 1) / (2 * r3))
    return out


def compress(y: np.ndarray, dom: ColumnDomain, sigma1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(map fine -> compressed cell, compressed noisy counts, cells merged in each)."""
    K = len(y)
    cmap = np.full(K, -1, dtype=np.intp)
    nxt = 0
    ordered = dom.ordered_cells
    if ordered:
        start, acc = 0, 0.0
        groups = []
        for i in range(ordered):
            acc += y[i]
            k = i - start + 1
            if acc >= ORDERED_MERGE * sigma1 * math.sqrt(k):
                groups.append((start, i + 1))
                start, acc = i + 1, 0.0
        if start < ordered:
            if groups:
                groups[-1] = (groups[-1][0], ordered)
            else:
                groups.append((0, ordered))
        for a, b in groups:
            cmap[a:b] = nxt
            nxt += 1
    rare = [i for i in range(ordered, K) if y[i] < 3 * sigma1]
    for i in range(ordered, K):
        if i not in rare or len(rare) == 1:
            cmap[i] = nxt
            nxt += 1
    if len(rare) > 1:
        cmap[rare] = nxt
        nxt += 1
    yc = np.bincount(cmap, weights=y.astype(float), minlength=nxt)
    k = np.bincount(cmap, minlength=nxt).astype(float)
    return cmap, yc, k


def measure_one_way(sens: Sensitive, domains: dict[str, ColumnDomain], s1: Fraction) -> dict[str, np.ndarray]:
    return {c: sens.measure((c,), s1, {}, f"1-way:{c}") for c in domains}


def estimate_total(y1c: dict[str, np.ndarray], k1: dict[str, np.ndarray]) -> float:
    """Inverse-variance mean of the columns' noisy totals (variance K_j sigma1^2)."""
    tot = np.array([v.sum() for v in y1c.values()], dtype=float)
    w = np.array([1.0 / k.sum() for k in k1.values()])
    return max(float((tot * w).sum() / w.sum()), 1.0)


def pair_score(counts: np.ndarray, mu_a: np.ndarray, mu_b: np.ndarray, n_hat: float) -> float:
    """q_ab = ||M_ab(D) - mu_a mu_b^T / n_hat||_1, mu from the noisy 1-way answers: adding or removing
    a row moves one cell of M_ab(D) by one, so q_ab moves by at most 1 (sensitivity 1)."""
    return float(np.abs(counts - np.outer(mu_a, mu_b) / n_hat).sum())


def select_tree(sens: Sensitive, cols: list[str], maps: dict, y1c: dict, n_hat: float, eps_em: Fraction
                ) -> list[tuple[str, str]]:
    mu = {c: np.maximum(y1c[c], 0) / max(np.maximum(y1c[c], 0).sum(), 1e-12) * n_hat for c in cols}
    pairs = [(a, b) for i, a in enumerate(cols) for b in cols[i + 1:]
             if len(y1c[a]) * len(y1c[b]) <= MAX_PAIR_CELLS]

    def score(p, counts):
        return pair_score(counts, mu[p[0]], mu[p[1]], n_hat)

    comp = {c: c for c in cols}

    def find(c):
        while comp[c] != c:
            c = comp[c]
        return c

    tree: list[tuple[str, str]] = []
    for step in range(len(cols) - 1):
        cand = [p for p in pairs if find(p[0]) != find(p[1])]
        if not cand:
            break
        i = sens.select(cand, score, eps_em, maps, f"select:{step}")
        a, b = cand[i]
        tree.append((a, b))
        comp[find(a)] = find(b)
    return tree


def ordered_compressed(cmap: np.ndarray, dom: ColumnDomain) -> int:
    """How many of the compressed cells are ordered bins (compress puts them first, in order)."""
    return int(cmap[dom.ordered_cells - 1]) + 1 if dom.ordered_cells else 0


def group_ordered(yc: np.ndarray, m: int, groups: int) -> np.ndarray:
    """Map compressed cell -> group: the first m cells (ordered bins) into at most `groups` runs of
    adjacent cells of about equal noisy mass (max(yc, 0)); every other cell its own group."""
    K = len(yc)
    g = np.arange(K, dtype=np.intp)
    if m <= groups or groups < 1:
        return g
    w = np.maximum(yc[:m], 0) + 1e-9
    mid = np.cumsum(w) - w / 2  # a cell goes to the run its mass's midpoint falls in
    run = np.minimum((groups * mid / w.sum()).astype(np.intp), groups - 1)
    run = np.unique(run, return_inverse=True)[1]  # runs 0..r-1, in order
    g[:m] = run
    g[m:] = run.max() + 1 + np.arange(K - m)
    return g


def pair_groups(sizes: tuple[int, int], ordered: tuple[int, int], n_hat: float, sigma: float) -> tuple[int, int]:
    """Groups per side of one 2-way measurement. A table of Ka x Kb compressed cells whose cells
    would hold on average fewer than PAIR_SNR sigma rows (n_hat / cells < PAIR_SNR sigma, sigma the
    2-way noise's sd) is measured on coarser runs of its ordered sides, so that its cells rise above
    the noise (at epsilon 1 on Adult, age x fnlwgt had 53 x 16 cells of 46 rows each under noise of
    sd 33). Categorical sides keep their cells. `ordered`: the ordered cells per side (0: none). A
    pure function of public and noisy quantities: post-processing."""
    cap = max(n_hat / (PAIR_SNR * sigma), 4.0)
    (ka, kb), (ma, mb) = sizes, ordered
    if ka * kb <= cap or (ma < 2 and mb < 2):
        return ka, kb
    fixed_a, fixed_b = ka - ma, kb - mb  # cells that are not ordered bins stay
    if ma >= 2 and mb >= 2:
        f = math.sqrt(cap / (ka * kb))
        ga, gb = max(2, math.floor(ma * f)), max(2, math.floor(mb * f))
    elif ma >= 2:
        ga, gb = max(2, math.floor(cap / kb) - fixed_a), mb
    else:
        ga, gb = ma, max(2, math.floor(cap / ka) - fixed_b)
    return min(ga, ma), min(gb, mb)


def edge_groups(tree, maps: dict, y1c: dict, doms: dict, n_hat: float, sigma: float) -> dict:
    """{edge: (group map a, group map b)} for the tree's edges whose 2-way answer is measured on runs
    of ordered cells (pair_groups); edges measured on their compressed cells are not listed."""
    out = {}
    for a, b in tree:
        m = (ordered_compressed(maps[a], doms[a]), ordered_compressed(maps[b], doms[b]))
        ga, gb = pair_groups((len(y1c[a]), len(y1c[b])), m, n_hat, sigma)
        if ga < m[0] or gb < m[1]:
            out[(a, b)] = (group_ordered(y1c[a], m[0], ga), group_ordered(y1c[b], m[1], gb))
    return out


def measure_two_way(sens: Sensitive, tree, maps, s2: Fraction, groups: dict | None = None
                    ) -> dict[tuple[str, str], np.ndarray]:
    """The tree's 2-way marginals, each on its edge's cells: compressed cells, or with `groups`
    {edge: (map a, map b)} (compressed cell -> group) runs of them. One noise draw per measured cell;
    each row is in one cell, so L2 sensitivity 1 whatever the cells."""
    out = {}
    for a, b in tree:
        g = (groups or {}).get((a, b))
        m = maps if g is None else {a: g[0][maps[a]], b: g[1][maps[b]]}
        out[(a, b)] = sens.measure((a, b), s2, m, f"2-way:{a}|{b}")
    return out
