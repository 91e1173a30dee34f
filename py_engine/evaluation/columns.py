"""Per-column comparison of real and synthetic data: shape scores, missing share, range, plot data.

- KS complement (numbers, dates): 1 - D, D the two-sample Kolmogorov-Smirnov statistic of the
  observed values (SDMetrics' KSComplement; Massey 1951).
- TV complement (categories): 1 - (1/2) sum_k |R_k - S_k| over the levels (missing tokens are
  levels), R_k and S_k the shares in real and synthetic data (SDMetrics' TVComplement).
Both are 1 for identical distributions and 0 for distributions with nothing in common.
"""

from __future__ import annotations

import numpy as np

from ..dataset import EPOCH, Dataset
from ..schema import DATE, DATETIME, INTEGER
from .encoding import factor, is_number, missing_mask, numbers

HIST_BINS = 20
MAX_BARS = 20  # categories: the most frequent levels (real data first), the rest summed as "other"


def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """1 - sup_x |F_real(x) - F_syn(x)| over the observed (non-NaN) values."""
    a, b = np.sort(real[~np.isnan(real)]), np.sort(synthetic[~np.isnan(synthetic)])
    if a.size == 0 or b.size == 0:
        return None
    grid = np.concatenate([a, b])
    d = np.abs(np.searchsorted(a, grid, side="right") / a.size - np.searchsorted(b, grid, side="right") / b.size)
    return float(1 - d.max())


def tv_complement(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float | None:
    """1 - (1/2) sum_k |R_k - S_k| of two count vectors over the same levels (rounded to 12 decimals:
    disjoint levels, as relabelled group keys have, give 0, not the rounding error 1.1e-16)."""
    r, s = real_counts.sum(), synthetic_counts.sum()
    if r == 0 or s == 0:
        return None
    return float(max(0.0, round(1 - 0.5 * np.abs(real_counts / r - synthetic_counts / s).sum(), 12)))


def _time_label(x: float, col_type: str) -> str:
    unit = "D" if col_type == DATE else "s"
    t = EPOCH + np.timedelta64(int(round(x)), unit)
    return str(np.datetime_as_string(t, unit="D" if col_type == DATE else "s"))


def _summary(x: np.ndarray) -> dict:
    x = x[~np.isnan(x)]
    if x.size == 0:
        return {"min": None, "max": None, "mean": None, "median": None, "sd": None}
    return {"min": float(x.min()), "max": float(x.max()), "mean": float(x.mean()),
            "median": float(np.median(x)), "sd": float(x.std())}


def _missing_counts(real: Dataset, synthetic: Dataset, name: str) -> dict:
    mr, ms = missing_mask(real, name), missing_mask(synthetic, name)
    return {"real": int(mr.sum()), "synthetic": int(ms.sum()),
            "real_share": float(mr.mean()) if len(mr) else None,
            "synthetic_share": float(ms.mean()) if len(ms) else None}


def number_column(real: Dataset, synthetic: Dataset, name: str, bins: int = HIST_BINS) -> dict:
    """Shape, missing share, range and histogram of a number or date column."""
    col_type = real.schema[name].type
    xr, xs = numbers(real, name), numbers(synthetic, name)
    both = np.concatenate([xr[~np.isnan(xr)], xs[~np.isnan(xs)]])
    plot: dict = {"kind": "histogram", "edges": [], "real": [], "synthetic": []}
    if both.size:
        lo, hi = float(both.min()), float(both.max())
        distinct = np.unique(both)
        if col_type == INTEGER and distinct.size <= bins:
            plot["kind"] = "values"  # few whole numbers: one bar per value
            plot["values"] = [float(v) for v in distinct]
            plot["real"] = np.searchsorted(distinct, xr[~np.isnan(xr)]).tolist()
            plot["real"] = np.bincount(plot["real"], minlength=distinct.size).tolist()
            plot["synthetic"] = np.bincount(np.searchsorted(distinct, xs[~np.isnan(xs)]),
                                            minlength=distinct.size).tolist()
        else:
            edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo - 0.5, hi + 0.5])
            plot["edges"] = [float(e) for e in edges]
            plot["real"] = np.histogram(xr[~np.isnan(xr)], edges)[0].tolist()
            plot["synthetic"] = np.histogram(xs[~np.isnan(xs)], edges)[0].tolist()
            if col_type in (DATE, DATETIME):
                plot["edge_labels"] = [_time_label(e, col_type) for e in edges]
    if col_type in (DATE, DATETIME):
        plot["unit"] = "days since 1970-01-01" if col_type == DATE else "seconds since 1970-01-01T00:00:00"
    out = {"name": name, "type": col_type, "kind": "number", "score": ks_complement(xr, xs),
           "metric": "ks_complement", "missing": _missing_counts(real, synthetic, name),
           "real": _summary(xr), "synthetic": _summary(xs), "plot": plot}
    if col_type in (DATE, DATETIME):
        for side in ("real", "synthetic"):
            s = out[side]
            s["min_label"] = None if s["min"] is None else _time_label(s["min"], col_type)
            s["max_label"] = None if s["max"] is None else _time_label(s["max"], col_type)
    if out["real"]["min"] is not None and out["synthetic"]["min"] is not None:
        out["outside_real_range"] = float(np.mean((xs[~np.isnan(xs)] < out["real"]["min"]) |
                                                  (xs[~np.isnan(xs)] > out["real"]["max"])))
    return out


RANK_POINTS = 200  # points of a rank-frequency curve (ranks sampled evenly on a log scale beyond that)


def rank_frequency(real_counts: np.ndarray, syn_counts: np.ndarray, points: int = RANK_POINTS) -> dict:
    """The rank-frequency curves of a many-level categorical (Zipf's plot): per side, the shares of the
    levels it holds, sorted from the most frequent down, at ranks 1..L (at most `points` ranks, spread
    evenly on a log scale, the first and last kept). Readable where 2,410 bars are not: it shows
    whether the synthetic data keep how the rows spread over the levels (a few large schools, a long
    tail of small ones), not which level is which (new labels have their own curve).
    {"real": {"ranks", "shares"}, "synthetic": {"ranks", "shares"}, "n_real", "n_synthetic"}."""
    def side(counts):
        c = np.sort(np.asarray(counts, float))[::-1]
        c = c[c > 0]
        n = len(c)
        if n == 0:
            return {"ranks": [], "shares": []}, 0
        c = c / c.sum()
        ranks = np.arange(1, n + 1) if n <= points else np.unique(np.round(np.geomspace(1, n, points)).astype(int))
        return {"ranks": ranks.tolist(), "shares": [float(c[k - 1]) for k in ranks]}, n

    (r, nr), (s_, ns) = side(real_counts), side(syn_counts)
    return {"real": r, "synthetic": s_, "n_real": nr, "n_synthetic": ns}


def category_column(real: Dataset, synthetic: Dataset, name: str, max_bars: int = MAX_BARS) -> dict:
    """Shape, missing share, levels and bar counts of a categorical column."""
    f = factor([real, synthetic], name, max_levels=None)
    cr, cs = f.counts(0), f.counts(1)
    is_missing = np.array(["missing" in lv for lv in f.levels], dtype=bool)
    value_idx = np.flatnonzero(~is_missing)
    order = value_idx[np.lexsort((-cs[value_idx], -cr[value_idx]))]
    shown, rest = order[:max_bars], order[max_bars:]
    plot = {"kind": "bars", "labels": [f.levels[i]["label"] for i in shown],
            "real": cr[shown].tolist(), "synthetic": cs[shown].tolist(),
            "other": None if rest.size == 0 else {"n_levels": int(rest.size), "real": int(cr[rest].sum()),
                                                   "synthetic": int(cs[rest].sum())}}
    if rest.size:
        plot["rank"] = rank_frequency(cr[value_idx], cs[value_idx])
    real_levels, syn_levels = (cr[value_idx] > 0), (cs[value_idx] > 0)
    return {"name": name, "type": real.schema[name].type, "kind": "category",
            "score": tv_complement(cr, cs), "metric": "tv_complement",
            "missing": _missing_counts(real, synthetic, name),
            "levels": {"real": int(real_levels.sum()), "synthetic": int(syn_levels.sum()),
                       "only_synthetic": int((syn_levels & ~real_levels).sum()),
                       "only_real": int((real_levels & ~syn_levels).sum())},
            "plot": plot}


def column_report(real: Dataset, synthetic: Dataset, name: str) -> dict:
    if is_number(real, name):
        return number_column(real, synthetic, name)
    return category_column(real, synthetic, name)
