"""The logistic propensity model of synthpop's `utility.gen(method = "logit")`, fitted fast.

Design (as synthpop builds it, Snoke et al. 2018; Raab, Nowok & Dibben 2021): real and synthetic rows
stacked, t = 1 for synthetic; numbers standardised (mean 0, sd 1 over the stacked observed values),
0 where missing, plus a missing indicator per missing token (synthpop's `x_NA` and `cont.na`
indicators); categories one-hot with the most frequent level as reference, each missing token a level;
with `interactions`, every product of two main-effect columns of different variables (R's
`t ~ .^2`, synthpop's default maxorder = 1).

glm reports NA for aliased columns and synthpop counts only the estimable ones, so k is the rank of
the design. Here: the design is built block by block (one block per variable or pair of variables,
each with at most one non-zero per row), its Gram matrix G = X'X is accumulated block pair by block
pair with `bincount` (no dense n x p matrix is ever made), scaled to unit diagonal, and factorised
by pivoted Cholesky (LAPACK dpstrf, tolerance `RANK_TOL` on the squared residual norm): the pivots
give k and a set of independent columns S with G_SS = R'R. The model is then fitted by L-BFGS in the
whitened coordinates Z = sqrt(N) X_S R^-1 (Z'Z = N I), where the Hessian is close to c(1-c) I, so
the unpenalised maximum-likelihood fit converges in tens of iterations; the fitted propensities are
those of glm (they do not depend on which independent columns are kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.optimize import minimize

from ..dataset import Dataset
from .encoding import MAX_LEVELS, factor, is_number, numbers

RANK_TOL = 1e-9  # pivoted Cholesky: a column is aliased when its squared residual norm is below this share


@dataclass
class Var:
    name: str
    kind: str  # "num" | "cat"
    x: np.ndarray | None = None  # num: standardised, 0 where missing
    codes: np.ndarray | None = None  # cat: 0 = reference level
    n_levels: int = 0
    grouped: int = 0  # levels grouped into "other"


@dataclass
class Block:
    """Columns of one main effect or one interaction: row i has its entry in column idx[i] (== size: none)."""

    name: str
    idx: np.ndarray  # intp, values 0..size (size = no entry in this row)
    w: np.ndarray | None  # the entries' values (None: 1)
    size: int


def variables(datasets: list[Dataset], columns: list[str], max_levels: int | None = MAX_LEVELS) -> list[Var]:
    """The propensity model's variables for the stacked datasets (constant ones dropped)."""
    out: list[Var] = []
    for name in columns:
        if is_number(datasets[0], name):
            x = np.concatenate([numbers(d, name) for d in datasets])
            miss = np.isnan(x)
            obs = x[~miss]
            if obs.size and obs.std() > 0:
                z = np.zeros_like(x)
                z[~miss] = (obs - obs.mean()) / obs.std()
                out.append(Var(name, "num", x=z))
            if miss.any():
                f = factor(datasets, name, bins=1)  # one bin for observed values, one level per missing token
                codes = np.concatenate(f.codes)
                if f.n_levels > 1:
                    obs_level = [i for i, lv in enumerate(f.levels) if "bin" in lv]
                    ref = obs_level[0] if obs_level else 0
                    codes = _reference_first(codes, ref)
                    out.append(Var(name + ":missing", "cat", codes=codes, n_levels=f.n_levels))
        else:
            f = factor(datasets, name, max_levels=max_levels)
            if f.n_levels > 1:
                out.append(Var(name, "cat", codes=np.concatenate(f.codes), n_levels=f.n_levels,
                               grouped=f.grouped))
    return out


def _reference_first(codes: np.ndarray, ref: int) -> np.ndarray:
    """Renumber codes so level `ref` becomes 0 (the reference level)."""
    if ref == 0:
        return codes
    out = codes.copy()
    out[codes == ref] = 0
    out[codes == 0] = ref
    return out


def _main_block(v: Var, n: int) -> Block:
    if v.kind == "num":
        return Block(v.name, np.zeros(n, dtype=np.intp), v.x, 1)
    size = v.n_levels - 1
    idx = np.where(v.codes == 0, size, v.codes - 1).astype(np.intp)
    return Block(v.name, idx, None, size)


def blocks(vs: list[Var], n: int, interactions: bool) -> list[Block]:
    """Intercept, main effects and (optionally) all two-way interactions, as column blocks."""
    out = [Block("(intercept)", np.zeros(n, dtype=np.intp), None, 1)]
    mains = [_main_block(v, n) for v in vs]
    out.extend(mains)
    if interactions:
        for i in range(len(vs)):
            for j in range(i + 1, len(vs)):
                a, b = mains[i], mains[j]
                name = f"{vs[i].name}:{vs[j].name}"
                none_a, none_b = a.idx == a.size, b.idx == b.size
                size = a.size * b.size
                idx = np.where(none_a | none_b, size, a.idx * b.size + b.idx).astype(np.intp)
                out.append(Block(name, idx, _times(a.w, b.w), size))
    return out


def _times(wa: np.ndarray | None, wb: np.ndarray | None) -> np.ndarray | None:
    """The product of two blocks' row weights, where None stands for all ones."""
    if wa is None:
        return wb
    if wb is None:
        return wa
    return wa * wb


def n_columns(vs: list[Var], interactions: bool) -> int:
    """Design columns before empty and aliased ones are dropped (synthpop's `nparams`)."""
    sizes = [1 if v.kind == "num" else v.n_levels - 1 for v in vs]
    total = 1 + sum(sizes)
    if interactions:
        s = np.array(sizes, dtype=float)
        total += int((s.sum() ** 2 - (s ** 2).sum()) / 2)
    return total


def gram(bl: list[Block]) -> np.ndarray:
    """G = X'X of the design, block pair by block pair (each a weighted contingency table)."""
    offs = np.concatenate([[0], np.cumsum([b.size for b in bl])]).astype(int)
    p = int(offs[-1])
    g = np.zeros((p, p))
    for j, bj in enumerate(bl):
        for k in range(j, len(bl)):
            bk = bl[k]
            width = bk.size + 1
            base = bj.idx * width + bk.idx
            t = np.bincount(base, weights=_times(bj.w, bk.w), minlength=(bj.size + 1) * width)
            t = t.reshape(bj.size + 1, width)[: bj.size, : bk.size]
            g[offs[j]:offs[j + 1], offs[k]:offs[k + 1]] = t
            if k != j:
                g[offs[k]:offs[k + 1], offs[j]:offs[j + 1]] = t.T
    return g


def design(bl: list[Block], n: int) -> sp.csc_matrix:
    """The design matrix X (n x p, sparse CSC), columns in block order."""
    indptr, indices, data = [np.zeros(1, dtype=np.int64)], [], []
    nnz = 0
    for b in bl:
        order = np.argsort(b.idx, kind="stable")
        counts = np.bincount(b.idx, minlength=b.size + 1)[: b.size]
        k = int(counts.sum())
        rows = order[:k]
        indices.append(rows.astype(np.int32))
        data.append(np.ones(k) if b.w is None else b.w[rows])
        indptr.append(nnz + np.cumsum(counts))
        nnz += k
    return sp.csc_matrix((np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
                         shape=(n, int(sum(b.size for b in bl))))


def independent_columns(g: np.ndarray, tol: float = RANK_TOL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(columns kept, their scale 1/||x_j||, R) with R'R = G_SS scaled to unit diagonal; len(kept) = rank.

    Columns that are all zero are never kept. Pivoted Cholesky (dpstrf) picks the columns in order of
    largest remaining residual and stops when no residual exceeds `tol`.
    """
    d = np.diag(g).copy()
    used = np.flatnonzero(d > 0)
    if used.size == 0:
        return used, np.zeros(0), np.zeros((0, 0))
    s = 1 / np.sqrt(d[used])
    gs = g[np.ix_(used, used)]
    gs *= s[:, None]
    gs *= s[None, :]
    c, piv, rank, info = la.lapack.dpstrf(gs, lower=0, tol=tol, overwrite_a=1)
    del gs
    if info < 0:
        raise RuntimeError(f"dpstrf failed: {info}")
    sel = piv[:rank] - 1
    r = np.triu(c[:rank, :rank])
    return used[sel], s[sel], r


def separated_rows(vs: list[Var], y: np.ndarray, interactions: bool, max_rounds: int = 10) -> np.ndarray:
    """Fitted value of rows in the model's separated cells: 1 or 0 there, NaN elsewhere.

    A cell of one categorical variable, or (with interactions) of a pair of them, is in the span of
    the design (intercept + main effects + interaction). If it holds only synthetic rows the
    maximum-likelihood fit gives them p = 1 in the limit (glm reports p within 1e-8 or so of 1 and
    a warning that fitted probabilities 0 or 1 occurred); only real rows: p = 0. Cells that become
    pure once such rows are set aside are separated too (a combination of the directions), so this
    repeats until nothing changes. The remaining rows are then fitted as usual.
    """
    cats = [v for v in vs if v.kind == "cat"]
    groups = [(v.codes, v.n_levels) for v in cats]
    if interactions:
        for i in range(len(cats)):
            for j in range(i + 1, len(cats)):
                a, b = cats[i], cats[j]
                groups.append((a.codes * b.n_levels + b.codes, a.n_levels * b.n_levels))
    fixed = np.full(len(y), np.nan)
    free = np.ones(len(y), dtype=bool)
    yi = y.astype(bool)
    for _ in range(max_rounds):
        changed = False
        for codes, size in groups:
            ones = np.bincount(codes[free & yi], minlength=size)
            zeros = np.bincount(codes[free & ~yi], minlength=size)
            pure1, pure0 = (ones > 0) & (zeros == 0), (zeros > 0) & (ones == 0)
            if not (pure1.any() or pure0.any()):
                continue
            hit1 = free & pure1[codes]
            hit0 = free & pure0[codes]
            fixed[hit1], fixed[hit0] = 1.0, 0.0
            free &= ~(hit1 | hit0)
            changed = True
        if not changed:
            break
    return fixed


def fit_propensity(x: sp.csc_matrix, scale: np.ndarray, r: np.ndarray, y: np.ndarray, *,
                   fixed: np.ndarray | None = None, c: float | None = None, max_iter: int = 500,
                   rel_tol: float = 1e-4) -> tuple[np.ndarray, dict]:
    """Maximum-likelihood logistic fit on the independent columns; returns (fitted p, info).

    x: the kept columns (n x k); scale: their 1/norm; r: the Cholesky factor of their scaled Gram
    matrix (computed on all rows). fixed: the separated rows' fitted values (NaN for rows to fit).
    L-BFGS stops when the likelihood has converged or when the pMSE (the quantity reported) changed
    by less than `rel_tol` (relative) over the last 10 iterations.
    """
    n_all = x.shape[0]
    if fixed is None:
        fixed = np.full(n_all, np.nan)
    free = np.isnan(fixed)
    c = float(y.mean()) if c is None else c
    a = sp.csr_matrix(x.multiply(scale[None, :]))[free]
    at = a.T.tocsr()
    yf = y[free]
    n = a.shape[0]
    sq = np.sqrt(max(n, 1))
    k = r.shape[0]
    fixed_sum = float(np.sum((fixed[~free] - c) ** 2))
    cache: dict = {}

    def prob(eta):
        return 0.5 * (1 + np.tanh(0.5 * eta))  # the logistic function, without overflow

    def eta_of(beta):
        u = la.solve_triangular(r, beta, lower=False, check_finite=False)
        return sq * (a @ u)

    def fun(beta):
        eta = eta_of(beta)
        p = prob(eta)
        cache["beta"], cache["p"] = beta.copy(), p
        f = np.logaddexp(0, eta).sum() - yf @ eta
        g = la.solve_triangular(r, at @ (p - yf), lower=False, trans="T", check_finite=False) / sq
        return f / n, g

    trace: list[float] = []

    def pmse(p):
        return (float(np.sum((p - c) ** 2)) + fixed_sum) / n_all

    def callback(intermediate_result):
        beta = intermediate_result.x
        p = cache["p"] if np.array_equal(cache.get("beta"), beta) else prob(eta_of(beta))
        trace.append(pmse(p))
        if len(trace) > 20 and abs(trace[-1] - trace[-11]) <= rel_tol * abs(trace[-1]):
            raise StopIteration

    if n == 0 or k == 0:
        p = np.full(n, c)
        info = {"iterations": 0, "converged": True}
    else:
        res = minimize(fun, np.zeros(k), jac=True, method="L-BFGS-B", callback=callback,
                       options={"maxiter": max_iter, "ftol": 1e-12, "gtol": 1e-8, "maxcor": 30})
        p = prob(eta_of(res.x))
        stopped = len(trace) > 20 and abs(trace[-1] - trace[-11]) <= rel_tol * abs(trace[-1])
        info = {"iterations": int(res.nit), "converged": bool(res.success or stopped)}
    out = fixed.copy()
    out[free] = p
    return out, info
