"""Gaussian copula (Nelsen 2006, An Introduction to Copulas; as used for synthetic data by Patki,
Wedge & Veeramachaneni 2016, "The Synthetic Data Vault").

Each column j gets a marginal F_j; a real value x becomes a normal score z = Phi^-1(u) with u a
uniform draw inside F_j's step at x; the correlation matrix R of the scores is estimated; synthetic
scores are drawn from N(0, R) and mapped back through each marginal: x = F_j^-1(Phi(z)).

Marginals here:
- a number: its empirical distribution (synthetic values are real values of the column, so integers,
  decimals and the range are kept exactly), with each missing token as a step of its own below the
  observed values, so the share of missing cells is kept and may depend on the other columns;
- a category: each level (missing tokens included) an interval of [0, 1] as wide as its frequency,
  levels ordered by the mean normal score of the table's other columns' first principal component,
  so that the order carries the category's association with the rest (frequencies are kept either way).

Mapping back compares z with thresholds Phi^-1(cumulative share) computed once and rounded, so no
transcendental function is evaluated while sampling (the same bytes on every platform).
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np

from ..progress import Step
from .common import Encoded, bincount, round_sig, std_normal


class Marginal:
    """The steps of one column's distribution: `values[k]` (a code, or an index into the sorted real
    values) has share `prob[k]`; thresholds z_k = Phi^-1(cumulative share)."""

    def __init__(self, enc: Encoded, rng: np.random.Generator, level_order: np.ndarray | None = None):
        from scipy.special import ndtri

        self.enc = enc
        n = len(enc.tok)
        if enc.is_number:
            # steps: missing tokens first (code -(k+1)), then the distinct observed values ascending
            obs = enc.x[enc.tok < 0]
            vals, counts = np.unique(obs, return_counts=True)
            tcounts = bincount(enc.tok[enc.tok >= 0], minlength=len(enc.tokens)) if enc.has_missing \
                else np.zeros(0, dtype=int)
            self.step_counts = np.concatenate([tcounts, counts]).astype(np.int64)
            self.vals = vals
            self.n_tok = len(enc.tokens)
            # step of each real row
            step = np.empty(n, dtype=np.int64)
            miss = enc.tok >= 0
            step[miss] = enc.tok[miss]
            step[~miss] = self.n_tok + np.searchsorted(vals, enc.x[~miss])
        else:
            L = enc.n_levels
            order = level_order if level_order is not None else np.arange(L)
            pos = np.empty(L, dtype=np.int64)
            pos[order] = np.arange(L)
            counts = bincount(enc.codes, minlength=L)
            self.step_counts = counts[order].astype(np.int64)
            self.order = order
            self.pos = pos
            step = pos[enc.codes]
        cum = np.cumsum(self.step_counts)
        self.cum = cum
        # thresholds between steps (rounded: the same on every platform)
        inner = cum[:-1] / n
        self.thresholds = np.array([round_sig(v, 10) for v in ndtri(inner)]) if len(inner) else np.zeros(0)
        # normal scores of the real rows: a uniform draw inside the row's step
        lo = np.concatenate([[0], cum[:-1]])[step]
        u = (lo + rng.random(n) * (self.step_counts[step])) / n
        u = np.clip(u, 0.5 / n, 1 - 0.5 / n)
        self.z = ndtri(u)

    def score(self, syn: Encoded, rng: np.random.Generator) -> np.ndarray:
        """Normal scores of given (synthetic) values: a uniform draw inside each value's step, as for
        the real rows (a value between two real values counts in the step above it)."""
        from scipy.special import ndtri

        n_all = int(self.cum[-1])
        if syn.is_number:
            miss = syn.tok >= 0
            step = np.empty(len(syn.tok), dtype=np.int64)
            step[miss] = np.minimum(syn.tok[miss], max(self.n_tok - 1, 0))
            obs = ~miss
            step[obs] = self.n_tok + np.minimum(np.searchsorted(self.vals, syn.x[obs]), len(self.vals) - 1)
        else:
            step = self.pos[syn.codes.astype(np.intp)]
        step = step.astype(np.intp)
        lo = np.concatenate([[0], self.cum[:-1]])[step]
        u = (lo + rng.random(len(step)) * self.step_counts[step]) / n_all
        return ndtri(np.clip(u, 0.5 / n_all, 1 - 0.5 / n_all))

    def attenuation(self, rng: np.random.Generator, m: int = 100_000) -> float:
        """corr(score, latent z) for this marginal: a column with few steps scores the latent normal
        coarsely, which shrinks correlations; dividing an observed correlation by the two columns'
        factors undoes that (the classical correction for attenuation, as behind polyserial
        correlations). 1 for a column with many small steps. Rounded to 4 digits."""
        n = int(self.cum[-1])
        if len(self.step_counts) > 50 and self.step_counts.max() / n < 0.02:
            return 1.0
        from scipy.special import ndtri

        z = std_normal(rng, m)
        step = np.searchsorted(self.thresholds, z, side="right")
        lo = np.concatenate([[0], self.cum[:-1]])[step]
        u = np.clip((lo + rng.random(m) * self.step_counts[step]) / n, 0.5 / n, 1 - 0.5 / n)
        sc = ndtri(u)
        a = float(np.mean(sc * z)) / math.sqrt(float(np.mean(sc * sc)) * float(np.mean(z * z)))
        return max(0.05, round(a, 4))

    def sample(self, z: np.ndarray) -> Encoded:
        step = np.searchsorted(self.thresholds, z, side="right")
        e = self.enc
        n = len(z)
        if e.is_number:
            tok = np.where(step < self.n_tok, step, -1).astype(np.int32)
            x = np.full(n, np.nan)
            obs = step >= self.n_tok
            x[obs] = self.vals[step[obs] - self.n_tok]
            return Encoded(e.name, e.type, e.tokens, tok, x=x, decimals=e.decimals)
        codes = self.order[step].astype(np.int32)
        L = len(e.labels)
        tok = np.where(codes >= L, codes - L, -1).astype(np.int32)
        return Encoded(e.name, e.type, e.tokens, tok, codes=codes, labels=e.labels)


def cholesky(corr: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor in plain Python floats (deterministic on every platform); the matrix is
    shrunk towards the identity until it is positive definite."""
    p = corr.shape[0]
    a = [[float(corr[i, j]) for j in range(p)] for i in range(p)]
    for shrink in (0.0, 1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.3, 1.0):
        m = [[a[i][j] * (1 - shrink) + (shrink if i == j else 0.0) for j in range(p)] for i in range(p)]
        L = [[0.0] * p for _ in range(p)]
        ok = True
        for i in range(p):
            for j in range(i + 1):
                s = m[i][j] - sum(L[i][k] * L[j][k] for k in range(j))
                if i == j:
                    if s <= 1e-12:
                        ok = False
                        break
                    L[i][j] = math.sqrt(s)
                else:
                    L[i][j] = s / L[j][j]
            if not ok:
                break
        if ok:
            return np.array(L)
    return np.eye(p)


def category_order(enc: Encoded, score: np.ndarray) -> np.ndarray:
    """Levels ordered by the mean of `score` over their rows (rounded; ties by level number)."""
    L = enc.n_levels
    counts = bincount(enc.codes, minlength=L).astype(float)
    sums = bincount(enc.codes, weights=score, minlength=L)
    mean = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    mean = np.array([round_sig(v, 8) for v in mean])
    return np.lexsort((np.arange(L), mean))


def copula_steps(encs: dict[str, Encoded], order: list[str], n_out: int, rng: np.random.Generator,
                 notes: list[dict], step0: int = 0, total: int | None = None,
                 given: dict[str, Encoded] | None = None) -> Generator[Step, None, tuple[dict[str, Encoded], dict]]:
    """Fit and sample. Columns in `given` (which come first in `order`) keep their synthetic values:
    their normal scores are fixed and the independent normals behind them solved from the Cholesky
    factor (forward substitution), so the columns after them follow the conditional normal."""
    total = total or len(order)
    p = len(order)
    n = len(encs[order[0]].tok)
    # 1. a first pass with frequency-ordered categories, to find a common score for ordering levels
    margs: dict[str, Marginal] = {}
    numeric = [name for name in order if encs[name].is_number]
    cats = [name for name in order if not encs[name].is_number]
    fitted = 0
    for name in numeric:
        margs[name] = Marginal(encs[name], rng)
        fitted += 1
        yield Step("fit", fitted, p, "progress.fit_column", {"column": name})
    score, own = _common_score(margs, numeric, cats, encs, n, rng)
    for name in cats:
        e = encs[name]
        if score is not None:
            w, z_own = own.pop(name)
            lev = category_order(e, score - w * z_own)  # the others' score, not the column's own part
            del z_own
        else:
            lev = np.lexsort((np.arange(e.n_levels), -bincount(e.codes, minlength=e.n_levels)))
        margs[name] = Marginal(e, rng, lev)
        fitted += 1
        yield Step("fit", fitted, p, "progress.fit_column", {"column": name})
    # 2. correlation of the normal scores (rounded)
    Z = [margs[name].z for name in order]  # no stacked copy: memory matters for a million rows
    att = [margs[name].attenuation(rng) for name in order]
    sq = [float(np.mean(z * z)) for z in Z]
    corr = np.eye(p)
    for i in range(p):
        for j in range(i):
            r = float(np.mean(Z[i] * Z[j])) / math.sqrt(sq[i] * sq[j])
            r = max(-0.995, min(0.995, r / (att[i] * att[j])))
            corr[i, j] = corr[j, i] = round(r, 6)
    del Z
    for m in margs.values():
        m.z = None
    L = cholesky(corr)
    # 3. sample: z = L e, elementwise (no BLAS, the same bytes everywhere)
    e: list[np.ndarray] = []  # one column of independent normals at a time (memory)
    syn: dict[str, Encoded] = {}
    for i, name in enumerate(order):
        if given is not None and name in given:
            z = margs[name].score(given[name], rng)
            for k in range(i):
                if L[i, k] != 0.0:
                    z = z - L[i, k] * e[k]
            ek = z / L[i, i]
            # under the model ek is a standard normal; given values that the fitted correlation does not
            # expect (group columns synthesised at group level, near-collinear at row level: exam's vr,
            # L[i, i] = 0.11, sd of ek 5.8) give |ek| of 20 and more, which the columns after them
            # inherit (normexam's sd 1.7 in place of 1.0). A root mean square above GIVEN_SD_CAP cannot
            # be chance: scaled back to unit variance (never up; hsb's given columns, 1.0-1.7, are kept).
            sd = round_sig(math.sqrt(float(np.mean(ek * ek))), 10) if len(ek) else 0.0
            if sd > GIVEN_SD_CAP:
                ek = ek / sd
            e.append(ek)
            syn[name] = given[name]
            yield Step("synthesise", step0 + i + 1, total, "progress.column", {"column": name})
            continue
        e.append(std_normal(rng, n_out))
        z = np.zeros(n_out)
        for k in range(i + 1):
            if L[i, k] != 0.0:
                z = z + L[i, k] * e[k]
        syn[name] = margs[name].sample(z)
        yield Step("synthesise", step0 + i + 1, total, "progress.column", {"column": name})
    model = {"correlation": [[float(v) for v in row] for row in corr], "columns": list(order)}
    return syn, model


GIVEN_SD_CAP = 3.0  # see copula_steps: given columns whose solved normals are this far off are scaled


def _common_score(margs, numeric, cats, encs, n, rng) -> tuple[np.ndarray | None, dict]:
    """A score per real row that summarises the table: the first principal component of the numbers'
    normal scores and the categories' frequency-ordered scores (power iteration, rounded)."""
    cols = [margs[name].z for name in numeric]
    for name in cats:
        e = encs[name]
        m = Marginal(e, rng, np.lexsort((np.arange(e.n_levels), -bincount(e.codes, minlength=e.n_levels))))
        cols.append(m.z)
        del m
    if len(cols) < 2:
        return None, {}
    p = len(cols)
    c = np.array([[round(float(np.mean(cols[i] * cols[j])), 6) for j in range(p)] for i in range(p)])
    v = np.ones(p) / math.sqrt(p)
    for _ in range(100):
        w = np.array([sum(float(c[i, j]) * float(v[j]) for j in range(p)) for i in range(p)])
        norm = math.sqrt(sum(float(a) * float(a) for a in w))
        if norm == 0:
            return None, {}
        v = np.array([round_sig(a / norm, 10) for a in w])
    score = np.zeros(n)
    for j in range(p):
        score += float(v[j]) * cols[j]
    own = {name: (float(v[len(numeric) + k]), cols[len(numeric) + k]) for k, name in enumerate(cats)}
    return score, own
