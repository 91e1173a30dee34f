"""How long the evaluation takes for a table's shape: a time model fitted on measured runs (issue 14:
the page said "up to about a minute"; an 11,598 x 47 table took 98 s).

    .venv/bin/python benchmarks/evaluation_shape.py [--rows 1000,4000,12000] [--columns 8,16,32,48]

Tables of the given rows x columns are made from Adult (tests/data/real/adult.csv): its first rows,
its 15 columns cycled, each further copy of a column with its rows shuffled (seeded) so that no column
copies another; one small evaluation runs first, untimed (imports). Each table is split 80/20
(train / holdout, seed 1), the synthetic data are the
training columns resampled independently (baselines.independent_columns, as many rows as train), and
py_engine.evaluation.evaluate runs with its defaults. The model is a power law fitted by least squares
on the logarithms,

    seconds = exp(b0) * rows^b1 * columns^b2,

(rows: the table's rows before the split). The figures and the fit are written to
benchmarks/results/evaluation_shape.json; py_engine/evaluation/estimate.py holds the fitted
coefficients the page uses (copied from that file by hand after a run).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_engine.evaluation import evaluate  # noqa: E402
from py_engine.evaluation.baselines import independent_columns, load_csv  # noqa: E402
from py_engine.holdout import split  # noqa: E402


def shaped_table(base: pd.DataFrame, rows: int, columns: int, seed: int = 1) -> bytes:
    """A CSV of `rows` x `columns` built from `base` (see the module doc)."""
    rng = np.random.default_rng(seed)
    part = base.iloc[:rows].reset_index(drop=True)
    out = {}
    for j in range(columns):
        name = part.columns[j % part.shape[1]]
        copy = j // part.shape[1]
        col = part[name]
        if copy:
            col = col.iloc[rng.permutation(rows)].reset_index(drop=True)
        out[f"{name}_{copy}" if copy else name] = col
    buf = io.StringIO()
    pd.DataFrame(out).to_csv(buf, index=False)
    return buf.getvalue().encode()


def fit(points: list[dict]) -> dict:
    """Least squares of log(seconds) on 1, log(rows), log(columns); with the largest relative error."""
    X = np.array([[1.0, np.log(p["rows"]), np.log(p["columns"])] for p in points])
    y = np.log([p["seconds"] for p in points])
    b, *_ = np.linalg.lstsq(X, y, rcond=None)
    pred = np.exp(X @ b)
    rel = np.abs(pred / np.exp(y) - 1)
    return {"b0": float(b[0]), "b_rows": float(b[1]), "b_columns": float(b[2]),
            "max_relative_error": float(rel.max()), "predicted": [float(v) for v in pred]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1000,4000,12000")
    ap.add_argument("--columns", default="8,16,32,48")
    args = ap.parse_args(argv)
    base = pd.read_csv(ROOT / "tests" / "data" / "real" / "adult.csv", dtype=str, keep_default_na=False)
    warm = load_csv(shaped_table(base, 300, 4), "warm.csv")  # imports and first calls, not timed
    tr, ho, _ = split(warm, 0.2, seed=1)
    evaluate(tr, independent_columns(tr, 1), ho, {})
    points = []
    for rows in [int(v) for v in args.rows.split(",")]:
        for columns in [int(v) for v in args.columns.split(",")]:
            data = load_csv(shaped_table(base, rows, columns), "shape.csv")
            train, hold, _ = split(data, 0.2, seed=1)
            synthetic = independent_columns(train, 1)
            t0 = time.perf_counter()
            evaluate(train, synthetic, hold, {}, context={"file_name": "shape.csv", "seed": 1})
            sec = time.perf_counter() - t0
            points.append({"rows": rows, "columns": len(data.columns), "seconds": round(sec, 3)})
            print(f"{rows:>7} rows {len(data.columns):>4} columns {sec:8.2f} s", flush=True)
    model = fit(points)
    out = {"platform": "pyodide" if platform.system() == "Emscripten" else "cpython",
           "python": platform.python_version(), "points": points, "model": model,
           "formula": "seconds = exp(b0) * rows^b_rows * columns^b_columns"}
    path = ROOT / "benchmarks" / "results" / "evaluation_shape.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("fit", {k: round(v, 4) for k, v in model.items() if k != "predicted"})
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
