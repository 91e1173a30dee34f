"""Shared preparation of real and synthetic columns for the metrics: one place for each conversion.

- `is_number`: numeric, integer, date and datetime columns are numbers (dates as days, datetimes as
  seconds since 1970, `Dataset.numeric`); categorical, boolean, identifier and text are categories.
- `missing_mask` / `missing_token`: a cell is missing when the Dataset says so or its value is NaN/NaT;
  the token ('' for an empty cell, 'NA', a code such as -8) is kept, so each missing code is its own
  level, as synthpop does with `cont.na`.
- `factor`: joint integer codes of one column over several datasets (real, synthetic, holdout): one
  level per label, one per missing token; numbers optionally in quantile bins (synthpop's
  `group_num`); high-cardinality categoricals grouped ("other") above `max_levels`.

Codes are `np.intp` (32-bit under Pyodide's wasm32): numpy's bincount and take need that type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..schema import DATE, DATETIME, INTEGER, NUMERIC

NUMBER_TYPES = (NUMERIC, INTEGER, DATE, DATETIME)
MAX_LEVELS = 60  # synthpop's maxfaclevels: above this, the rarest levels are grouped as "other"
OTHER = "\x00other"
MISSING_PREFIX = "\x00missing:"


def is_number(ds: Dataset, name: str) -> bool:
    return ds.schema[name].type in NUMBER_TYPES


def _isna(s: pd.Series) -> np.ndarray:
    """s.isna() as a numpy array: pd.isna of the Series' array (no Series built)."""
    return pd.isna(s.array)


def missing_mask(ds: Dataset, name: str) -> np.ndarray:
    miss = ~_isna(ds.missing[name]) if name in ds.missing else np.zeros(ds.n_rows, bool)
    return miss | _isna(ds.values[name])


def missing_token(ds: Dataset, name: str) -> np.ndarray:
    """Object array: the missing token of each missing cell ('' when unknown), None where observed."""
    return _missing_token(ds, name, missing_mask(ds, name))


def _missing_token(ds: Dataset, name: str, miss: np.ndarray) -> np.ndarray:
    out = np.full(ds.n_rows, None, dtype=object)
    if miss.any():
        sel = np.flatnonzero(miss)
        out[sel] = _text_of(_token_text, ds.missing[name], sel) if name in ds.missing else _token_text(None)
    return out


def _token_text(t) -> str:
    return "" if (t is None or (isinstance(t, float) and np.isnan(t))) else str(t)


def _text_of(fn, s: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Object array [fn(x) for x in s.astype(object)[rows]]. For a categorical, fn is called once per
    category present (the cells of one code hold one value, taken by the same astype)."""
    arr = s.array
    if isinstance(arr, pd.Categorical) and len(rows):
        codes = arr.codes[rows].astype(np.intp)  # int8 codes + 1 could wrap
        uniq, first = np.unique(codes, return_index=True)
        table = np.empty(int(uniq[-1]) + 2, dtype=object)  # at code + 1: -1 (missing) is slot 0
        table[uniq + 1] = [fn(x) for x in np.asarray(arr[rows[first]].astype(object), dtype=object)]
        return table[codes + 1]
    out = np.empty(len(rows), dtype=object)
    out[:] = [fn(x) for x in s.astype(object).to_numpy(dtype=object)[rows]]
    return out


def numbers(ds: Dataset, name: str) -> np.ndarray:
    """Float values of a number/date column, NaN where missing."""
    x = ds.numeric(name).astype(float, copy=True)
    x[missing_mask(ds, name)] = np.nan
    return x


def labels(ds: Dataset, name: str) -> np.ndarray:
    """Object array of text labels of a column, with missing cells as MISSING_PREFIX + token."""
    miss = missing_mask(ds, name)
    v = ds.values[name]
    if is_number(ds, name):
        out = pd.Series(ds.numeric(name)).map(repr).to_numpy(dtype=object)
    else:  # every cell is set below: observed ones to str of the value, missing ones to their token
        out = np.full(ds.n_rows, None, dtype=object)
        obs = np.flatnonzero(~miss)
        if obs.size:
            # a categorical: str once per category; text (identifier) columns cell by cell (factorizing
            # would merge 1, 1.0 and True, and pandas' text table strings that differ only after a NUL)
            out[obs] = _text_of(str, v, obs)
    if miss.any():
        out[miss] = MISSING_PREFIX + _missing_token(ds, name, miss)[miss]  # object arrays: str + str per cell
    return out


@dataclass
class Factor:
    """A column coded jointly over several datasets."""

    name: str
    codes: list[np.ndarray]  # one intp array per dataset
    levels: list[dict]  # per code: {"label": str} | {"missing": token} | {"other": n_levels} | {"bin": [lo, hi]}
    n_levels: int = 0
    grouped: int = 0  # how many levels were grouped into "other"
    edges: list[float] = field(default_factory=list)  # quantile bins: the breaks

    def counts(self, i: int) -> np.ndarray:
        return np.bincount(self.codes[i], minlength=self.n_levels)


def _level_info(key: str) -> dict:
    if key == OTHER:
        return {"other": True}
    if key.startswith(MISSING_PREFIX):
        return {"missing": key[len(MISSING_PREFIX):]}
    return {"label": key}


def factor(datasets: list[Dataset], name: str, *, bins: int | None = None,
           max_levels: int | None = MAX_LEVELS) -> Factor:
    """Joint codes of column `name` over `datasets`.

    Categories: levels ordered by frequency over all datasets (ties by label); above `max_levels`
    the least frequent are grouped into one "other" level (missing tokens are never grouped).
    Numbers with `bins`: synthpop's group_num -- breaks at the quantiles (R type 7) of the observed
    values of all datasets, duplicates dropped, intervals [a, b) with the last closed; each missing
    token its own level. Numbers without `bins` are coded by distinct value.
    """
    sizes = [d.n_rows for d in datasets]
    if bins and is_number(datasets[0], name):
        xs = np.concatenate([numbers(d, name) for d in datasets])
        obs = ~np.isnan(xs)
        levels: list[dict] = []
        codes = np.zeros(len(xs), dtype=np.intp)
        edges: list[float] = []
        n_bins = 0
        if obs.any():
            brk = np.unique(np.quantile(xs[obs], np.linspace(0, 1, bins + 1)))
            edges = [float(b) for b in brk]
            if len(brk) == 1:
                idx = np.zeros(int(obs.sum()), dtype=np.intp)
                levels.append({"bin": [edges[0], edges[0]]})
                n_bins = 1
            else:
                idx = np.searchsorted(brk, xs[obs], side="right") - 1
                idx = np.clip(idx, 0, len(brk) - 2).astype(np.intp)
                n_bins = len(brk) - 1
                levels.extend({"bin": [edges[i], edges[i + 1]]} for i in range(n_bins))
            codes[obs] = idx
        if (~obs).any():
            toks = np.concatenate([missing_token(d, name) for d in datasets])[~obs]
            mcodes, uniq = pd.factorize(pd.Series(toks, dtype=object), sort=True)
            codes[~obs] = n_bins + mcodes
            levels.extend({"missing": str(t)} for t in uniq)
        used = np.bincount(codes, minlength=len(levels)) > 0
        if not used.all():  # drop empty bins (cannot happen for quantile breaks, but keep codes dense)
            remap = np.cumsum(used) - 1
            codes = remap[codes].astype(np.intp)
            levels = [lv for lv, u in zip(levels, used, strict=True) if u]
        return Factor(name, _split(codes, sizes), levels, len(levels), 0, edges)

    lab = np.concatenate([labels(d, name) for d in datasets])
    codes, uniq = pd.factorize(pd.Series(lab, dtype=object), sort=False)
    counts = np.bincount(codes, minlength=len(uniq))
    uniq = np.asarray(uniq, dtype=object)
    order = np.lexsort((uniq.astype(str), -counts))  # most frequent first, ties by label
    rank = np.empty(len(uniq), dtype=np.intp)
    rank[order] = np.arange(len(uniq))
    codes = rank[codes]
    uniq = uniq[order]
    grouped = 0
    if max_levels and len(uniq) > max_levels:
        is_miss = np.array([str(u).startswith(MISSING_PREFIX) for u in uniq])
        n_keep_values = max(1, max_levels - 1 - int(is_miss.sum()))
        value_rank = np.cumsum(~is_miss) - 1
        keep = is_miss | (value_rank < n_keep_values)
        grouped = int((~keep).sum())
        new_index = np.where(keep, np.cumsum(keep) - 1, keep.sum())
        codes = new_index[codes].astype(np.intp)
        uniq = list(uniq[keep]) + [OTHER]
    levels = [_level_info(str(u)) for u in uniq]
    if grouped:
        levels[-1] = {"other": grouped}
    return Factor(name, _split(codes.astype(np.intp), sizes), levels, len(levels), grouped)


def _split(codes: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    out, start = [], 0
    for s in sizes:
        out.append(np.ascontiguousarray(codes[start:start + s]))
        start += s
    return out


def common_columns(*datasets: Dataset | None) -> list[str]:
    """Columns present in every dataset given, in the first one's order."""
    ds = [d for d in datasets if d is not None]
    names = ds[0].columns
    return [c for c in names if all(c in d.values.columns for d in ds[1:])]


def clean(obj):
    """A JSON-able copy: numpy scalars to Python, NaN/inf to None, tuples to lists."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [clean(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if np.isfinite(f) else None
    return obj


def sample_rows(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Up to k distinct row numbers of n, sorted (all rows when n <= k)."""
    if n <= k:
        return np.arange(n, dtype=np.intp)
    return np.sort(rng.choice(n, size=k, replace=False)).astype(np.intp)
