"""Writes the fixtures of tests/test_inference_r.py: 300 real rows of tests/data/real/wage.csv (five
columns) and m = 5 synthetic sets of 250 rows each made by LocalSynth's engine (CART, seeds 14..18).

    PYTHONPATH=. .venv/bin/python tests/data/synthpop_fit/make_fixtures.py

compare_fit.R then fits the same models in R with synthpop's own code on these files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from py_engine.dataset import from_raw, to_csv_bytes
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.synthesis import syn

HERE = Path(__file__).resolve().parent
COLUMNS = ["age", "education", "jobclass", "health_ins", "wage"]


def main() -> None:
    import pandas as pd

    wage = pd.read_csv(HERE.parent / "real" / "wage.csv", dtype=str, keep_default_na=False)
    rows = np.sort(np.random.default_rng(14).choice(len(wage), 300, replace=False))
    (HERE / "real.csv").write_bytes(wage.iloc[rows][COLUMNS].to_csv(index=False, lineterminator="\n").encode())
    raw = read_table((HERE / "real.csv").read_bytes(), "real.csv")
    real = from_raw(raw, infer_schema(raw))
    res = syn(real, {"seed": 14, "m": 5, "n_rows": 250})
    for i, copy in enumerate(res.copies, 1):
        (HERE / f"syn_{i}.csv").write_bytes(to_csv_bytes(copy, "standard"))
    print("seeds", res.seeds)


if __name__ == "__main__":
    main()
