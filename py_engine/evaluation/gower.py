"""Nearest-neighbour search under Gower's distance, exact and vectorised.

Gower (1971, Biometrics 27): d(x, y) = (1/m) sum_j delta_j over the m columns compared, with
delta_j = |x_j - y_j| / R_j for numbers (R_j the column's range over all rows given, capped at 1),
delta_j = [x_j != y_j] for categories. Missing values: a missing token is one more category value;
a number missing in one row and not the other gives delta = 1, missing in both gives 0.

Search: candidates with the same categorical values as the query (found by numbering the categorical
part) are scanned first, the (query, candidate) pairs of many queries at once in flat arrays; since
every differing category adds 1/m, a query whose best numeric sum there is below 1 cannot do better
elsewhere, and is done. The other queries are compared with every candidate in chunks (float32
accumulators, one pass per column), so memory stays at about chunk x candidates x 4 bytes; with
finite numbers, only the candidates whose count of differing categories is within a bound on the
least sum get their sums computed (`_pruned_scan`), with the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .encoding import factor, is_number, numbers

MISSING_NUM = 8.0  # scaled numbers lie in [0, 1]; a missing one is placed far away (delta capped at 1)
CHUNK_CELLS = 4_000_000  # query rows x candidate rows per chunk
PAIR_CELLS = 1_000_000  # (query, candidate) pairs per group of same-pattern queries


@dataclass
class GowerSpace:
    """Rows of several datasets encoded for Gower distances: numbers scaled by range, categories coded."""

    num: list[np.ndarray]  # per dataset: (n_i, a) float32, MISSING_NUM where missing
    cat: list[np.ndarray]  # per dataset: (n_i, b) intp codes, missing tokens as codes
    num_has_missing: np.ndarray  # (a,) bool
    m: int  # number of columns

    def part(self, i: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if rows is None:
            return self.num[i], self.cat[i]
        return self.num[i][rows], self.cat[i][rows]


def encode(datasets: list[Dataset], columns: list[str]) -> GowerSpace:
    """Encode `columns` of `datasets` jointly (ranges and category codes over all of them)."""
    nums, cats, has_missing = [], [], []
    sizes = [d.n_rows for d in datasets]
    for name in columns:
        if is_number(datasets[0], name):
            xs = [numbers(d, name) for d in datasets]
            allx = np.concatenate(xs)
            obs = ~np.isnan(allx)
            lo = float(allx[obs].min()) if obs.any() else 0.0
            rng = float(allx[obs].max()) - lo if obs.any() else 0.0
            scaled = [np.where(np.isnan(x), MISSING_NUM, (x - lo) / rng if rng > 0 else 0.0) for x in xs]
            nums.append(scaled)
            has_missing.append(not obs.all())
        else:
            f = factor(datasets, name, max_levels=None)
            cats.append(f.codes)
    num = [np.column_stack([c[i] for c in nums]).astype(np.float32) if nums else
           np.zeros((sizes[i], 0), np.float32) for i in range(len(datasets))]
    cat = [np.column_stack([c[i] for c in cats]).astype(np.intp) if cats else
           np.zeros((sizes[i], 0), np.intp) for i in range(len(datasets))]
    return GowerSpace(num, cat, np.array(has_missing, dtype=bool), len(columns))


def _pattern_ids(*cat_parts: np.ndarray) -> list[np.ndarray]:
    """One integer per distinct row of categorical codes, consistent across the parts (the codes read
    as the digits of a mixed-radix number when that fits in 62 bits; else factorized)."""
    allc = np.concatenate(cat_parts)
    radix = [int(allc[:, j].max()) + 1 for j in range(allc.shape[1])] if len(allc) else []
    if allc.shape[1] == 0 or not len(allc):
        ids = np.zeros(len(allc), dtype=np.intp)
    elif allc.min() >= 0 and math.prod(radix) < 2 ** 62:
        ids = np.zeros(len(allc), dtype=np.int64)
        for j, r in enumerate(radix):
            ids *= r
            ids += allc[:, j]
    else:
        ids = pd.MultiIndex.from_arrays([allc[:, j] for j in range(allc.shape[1])]).factorize()[0]
        ids = ids.astype(np.intp)
    out, start = [], 0
    for c in cat_parts:
        out.append(ids[start:start + len(c)])
        start += len(c)
    return out


def _numeric_sum(qn: np.ndarray, cn: np.ndarray, has_missing: np.ndarray) -> np.ndarray:
    """(len(qn), len(cn)) float32: sum over numeric columns of min(|q - c|, 1)."""
    acc = np.zeros((len(qn), len(cn)), dtype=np.float32)
    tmp = np.empty_like(acc)
    for j in range(qn.shape[1]):
        np.subtract(qn[:, j, None], cn[None, :, j], out=tmp)
        np.abs(tmp, out=tmp)
        if has_missing[j]:
            np.minimum(tmp, 1.0, out=tmp)
        acc += tmp
    return acc


def nearest(space: GowerSpace, query: int, candidates: int, query_rows: np.ndarray | None = None,
            exclude_self: bool = False, return_index: bool = False):
    """Gower distance from each query row (dataset `query`, rows `query_rows`) to its nearest row of
    dataset `candidates` (and, with return_index, that row's number: the first of equally near rows).
    exclude_self: query and candidates are the same rows (skip i == i)."""
    qn, qc = space.part(query, query_rows)
    cn, cc = space.part(candidates)
    nq, m = len(qn), space.m
    best = np.full(nq, np.inf)
    arg = np.full(nq, -1, dtype=np.intp)
    if nq == 0 or len(cn) == 0 or m == 0:
        dist = np.full(nq, np.nan if len(cn) == 0 or m == 0 else np.inf)
        return (dist, arg) if return_index else dist
    todo = np.ones(nq, dtype=bool)
    finite = bool(np.isfinite(qn).all() and np.isfinite(cn).all())
    if qc.shape[1] and not exclude_self:
        qid, cid = _pattern_ids(qc, cc)
        order = np.argsort(cid, kind="stable")
        sorted_ids = cid[order]
        starts = np.searchsorted(sorted_ids, qid, side="left")
        ends = np.searchsorted(sorted_ids, qid, side="right")
        has = ends > starts
        if finite:
            _block_nearest(qn, cn, space.num_has_missing, order, starts, ends, np.flatnonzero(has), best, arg)
        else:  # NaN sums: kept the chunked scan's exact behaviour
            _block_nearest_chunked(qn, cn, space.num_has_missing, order, starts, ends, qid, has, best, arg)
        todo = ~(best < 1.0)
    rest = np.flatnonzero(todo)
    if rest.size:
        step = max(1, CHUNK_CELLS // len(cn))
        prune = finite and not exclude_self and 0 < qc.shape[1] < 255
        if prune:  # the codes by column, contiguous and narrow, for counting differing categories
            small = np.int16 if max(int(qc.max()), int(cc.max())) < 2 ** 15 else np.intp
            qt, ct = np.ascontiguousarray(qc.T, dtype=small), np.ascontiguousarray(cc.T, dtype=small)
        for s in range(0, rest.size, step):
            qi = rest[s:s + step]
            if prune and _pruned_scan(qn, qc, cn, cc, space.num_has_missing, qi, best, arg, qt, ct):
                continue
            acc = _numeric_sum(qn[qi], cn, space.num_has_missing) if qn.shape[1] else \
                np.zeros((len(qi), len(cn)), dtype=np.float32)
            for j in range(qc.shape[1]):
                acc += qc[qi, j, None] != cc[None, :, j]
            if exclude_self:
                rows = query_rows[qi] if query_rows is not None else qi
                acc[np.arange(len(qi)), rows] = np.inf
            j = acc.argmin(axis=1)
            d = acc[np.arange(len(qi)), j]
            better = d < best[qi]
            best[qi[better]] = d[better]
            arg[qi[better]] = j[better]
    return (best / m, arg) if return_index else best / m


def _pair_sums(qn, qc, cn, cc, has_missing, qrows: np.ndarray, crows: np.ndarray) -> np.ndarray:
    """float32 Gower sums of the pairs (qrows[i], crows[i]), accumulated as the full scan of `nearest`
    does: the numeric columns in order (as `_numeric_sum`), then each differing category adds 1."""
    acc = np.zeros(len(qrows), dtype=np.float32)
    tmp = np.empty_like(acc)
    for j in range(qn.shape[1]):
        np.subtract(qn[qrows, j], cn[crows, j], out=tmp)
        np.abs(tmp, out=tmp)
        if has_missing[j]:
            np.minimum(tmp, 1.0, out=tmp)
        acc += tmp
    for j in range(qc.shape[1]):
        acc += qc[qrows, j] != cc[crows, j]
    return acc


def _pruned_scan(qn, qc, cn, cc, has_missing, qi: np.ndarray, best: np.ndarray, arg: np.ndarray,
                 qt: np.ndarray, ct: np.ndarray) -> bool:
    """The full scan of `nearest` for queries `qi`, with the same result, computing the sums only of
    the candidates that can be nearest. A pair's float32 sum is at least its number of differing
    categories k (the numeric part is >= 0 and rounding is monotone), so the nearest rows, all of
    them, have k <= u for any u at least the least sum: u = the least of best (a candidate's sum) and
    the sum of the first row with the fewest differing categories. Those candidates are reduced in
    row order (the first of equally near rows), and replace best only if strictly nearer, as the full
    scan. Finite numbers only, fewer than 255 categorical columns (qt, ct: the codes of qc, cc by
    column). False (nothing done) when more than PAIR_CELLS pairs remain."""
    k = np.zeros((len(qi), len(cn)), dtype=np.uint8)
    differ = np.empty(k.shape, dtype=bool)
    for j in range(qc.shape[1]):
        np.not_equal(qt[j][qi, None], ct[j][None, :], out=differ)
        k += differ.view(np.uint8)
    u = np.minimum(best[qi], _pair_sums(qn, qc, cn, cc, has_missing, qi, k.argmin(axis=1)))
    rows, cols = np.nonzero(k <= u[:, None])  # by query, then candidate row
    if len(rows) > PAIR_CELLS:
        return False
    acc = _pair_sums(qn, qc, cn, cc, has_missing, qi[rows], cols)
    queries = np.arange(len(qi))
    offs = np.searchsorted(rows, queries)  # each query has at least its first fewest-differing row
    d = np.minimum.reduceat(acc, offs)
    hit = np.flatnonzero(acc == d[rows])
    j = cols[hit[np.searchsorted(rows[hit], queries)]]  # the first row reaching the least sum
    better = d < best[qi]
    best[qi[better]] = d[better]
    arg[qi[better]] = j[better]
    return True


def _block_nearest(qn: np.ndarray, cn: np.ndarray, has_missing: np.ndarray, order: np.ndarray,
                   starts: np.ndarray, ends: np.ndarray, qi: np.ndarray, best: np.ndarray,
                   arg: np.ndarray) -> None:
    """For each query q of `qi`: best[q] = the least numeric sum over its pattern's block of candidates
    (order[starts[q]:ends[q]], in row order) and arg[q] = the first row of the block reaching it.

    All (query, candidate) pairs of a group of queries are laid out in one flat array (about
    PAIR_CELLS per group) and reduced per query segment. Each pair's float32 sum is accumulated
    column by column in the order of `_numeric_sum`, so the sums equal its entries bit for bit.
    Needs finite numbers (no NaN sums)."""
    lens = ends[qi] - starts[qi]
    cum = np.cumsum(lens)
    qt = np.ascontiguousarray(qn.T)
    ct = np.ascontiguousarray(cn.T)
    lo = 0
    while lo < len(qi):
        hi = max(lo + 1, int(np.searchsorted(cum, (cum[lo - 1] if lo else 0) + PAIR_CELLS, side="right")))
        g, n = qi[lo:hi], lens[lo:hi]
        offs = np.cumsum(n) - n  # each query's segment in the flat pair array
        seg = np.repeat(np.arange(len(g), dtype=np.intp), n)
        pos = np.arange(int(n.sum()), dtype=np.intp) + np.repeat(starts[g] - offs, n)
        c = order[pos]
        if qt.shape[0]:
            qrows = g[seg]
            acc = np.zeros(len(c), dtype=np.float32)
            tmp = np.empty_like(acc)
            for j in range(qt.shape[0]):
                np.subtract(qt[j][qrows], ct[j][c], out=tmp)
                np.abs(tmp, out=tmp)
                if has_missing[j]:
                    np.minimum(tmp, 1.0, out=tmp)
                acc += tmp
            d = np.minimum.reduceat(acc, offs)
            hit = np.flatnonzero(acc == d[seg])
            first = hit[np.searchsorted(seg[hit], np.arange(len(g)))]  # the first hit of each segment
        else:
            d, first = np.zeros(len(g), dtype=np.float32), offs
        best[g] = d
        arg[g] = c[first]
        lo = hi


def _block_nearest_chunked(qn, cn, has_missing, order, starts, ends, qid, has, best, arg) -> None:
    """`_block_nearest` pattern by pattern in chunks (the form that also defines the result with NaN sums)."""
    # queries with the same pattern share their candidate block
    for pid in np.unique(qid[has]):
        qi = np.flatnonzero(qid == pid)
        block = order[starts[qi[0]]:ends[qi[0]]]
        for s in range(0, len(block), max(1, CHUNK_CELLS // max(len(qi), 1))):
            part = block[s:s + max(1, CHUNK_CELLS // max(len(qi), 1))]
            if qn.shape[1]:
                acc = _numeric_sum(qn[qi], cn[part], has_missing)
                j = acc.argmin(axis=1)
                d = acc[np.arange(len(qi)), j]
            else:
                j = np.zeros(len(qi), dtype=np.intp)
                d = np.zeros(len(qi), dtype=np.float32)
            better = d < best[qi]
            best[qi[better]] = d[better]
            arg[qi[better]] = part[j[better]]
