"""Shared helpers for the engine tests: load a real table as a Dataset, check a synthetic one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from py_engine.dataset import Dataset, from_raw, to_csv_bytes
from py_engine.reading import read_table
from py_engine.schema import BOOLEAN, CATEGORICAL, DATE, DATETIME, IDENTIFIER, INTEGER, NUMERIC, infer_schema

REAL = Path(__file__).resolve().parent / "data" / "real"
REAL_TABLES = sorted(p.name for p in REAL.glob("*.csv"))


def load_bytes(data: bytes, overrides: dict | None = None, name: str = "data.csv") -> Dataset:
    raw = read_table(data, name)
    return from_raw(raw, infer_schema(raw, overrides))


def load(name: str, overrides: dict | None = None, rows: int | None = None) -> Dataset:
    ds = load_bytes((REAL / name).read_bytes(), overrides, name)
    if rows is not None and rows < ds.n_rows:
        ds = ds.take(np.sort(np.random.default_rng(0).choice(ds.n_rows, rows, replace=False)))
    return ds


def assert_valid(real: Dataset, syn: Dataset, n_rows: int) -> None:
    """The synthetic Dataset is shaped and typed like the real one: same columns in the same order,
    n_rows rows, categories from the real ones, numbers within the real range with the real decimals,
    integers whole, the same missing tokens only; and it writes and reads back as CSV."""
    assert syn.columns == real.columns
    assert syn.n_rows == n_rows
    for name in real.columns:
        col = real.schema[name]
        rv, sv = real.values[name], syn.values[name]
        rm = set(real.missing[name].dropna().astype(str))
        sm = set(syn.missing[name].dropna().astype(str))
        assert sm <= rm, (name, sm - rm)
        s_obs = syn.missing[name].isna().to_numpy()
        if col.type in (NUMERIC, INTEGER):
            x = sv.to_numpy(dtype=float)[s_obs]
            assert np.isfinite(x).all(), name
            r = rv.to_numpy(dtype=float)
            assert len(x) == 0 or x.min() >= np.nanmin(r) - 1e-9 and x.max() <= np.nanmax(r) + 1e-9, name
            if col.decimals is not None and len(x):
                assert np.allclose(x, np.round(x, col.decimals)), name
        elif col.type in (DATE, DATETIME):
            x = sv.to_numpy()[s_obs]
            assert not np.isnat(x).any(), name
            assert len(x) == 0 or x.min() >= rv.min() and x.max() <= rv.max(), name
        elif col.type in (CATEGORICAL, BOOLEAN):
            labels = set(sv[s_obs].astype(str))
            assert labels <= set(rv.dropna().astype(str)), (name, labels - set(rv.dropna().astype(str)))
            assert sv[s_obs].notna().all(), name
        elif col.type == IDENTIFIER:
            ids = sv.astype(str)
            assert ids.is_unique, name
            assert not (set(ids) & set(rv.dropna().astype(str))), name
    back = load_bytes(to_csv_bytes(syn))
    assert back.schema.names == real.columns
    assert back.n_rows == n_rows
