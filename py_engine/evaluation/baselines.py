"""The two baselines that bracket every evaluation (shared/data/README.md), and a small loader.

- `bootstrap_copy`: rows of the real data drawn with replacement -- perfect utility, maximal risk
  (S_pMSE about 1, about 100% copies, membership AUC well above 0.5).
- `independent_columns`: each column drawn with replacement on its own -- the marginals are kept, every
  relation between columns is lost (large two-way S_pMSE, membership AUC about 0.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset, from_raw
from ..reading import read_table
from ..schema import infer_schema


def bootstrap_copy(data: Dataset, seed: int = 0, n: int | None = None) -> Dataset:
    rng = np.random.default_rng([seed, 31])
    return data.take(rng.integers(0, data.n_rows, n or data.n_rows))


def independent_columns(data: Dataset, seed: int = 0, n: int | None = None) -> Dataset:
    rng = np.random.default_rng([seed, 37])
    n = n or data.n_rows
    values, missing = {}, {}
    for name in data.columns:
        idx = rng.integers(0, data.n_rows, n)
        values[name] = data.values[name].iloc[idx].reset_index(drop=True)
        missing[name] = data.missing[name].iloc[idx].reset_index(drop=True)
    return Dataset(data.schema, pd.DataFrame(values), pd.DataFrame(missing))


def load_csv(data: bytes | str, name: str = "data.csv", overrides: dict | None = None) -> Dataset:
    """Bytes (or text) of a CSV file -> Dataset, with detected types (for tests and benchmarks)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    raw = read_table(data, name)
    return from_raw(raw, infer_schema(raw, overrides))
