"""Time the phases of the two-way logistic S_pMSE (utility.spmse_logit) on Adult with CART synthetic data.

    .venv/bin/python benchmarks/logit_phases.py
    node benchmarks/pyodide_run.mjs dist/site/pyodide . benchmarks/logit_phases.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_engine.evaluation import logit  # noqa: E402
from py_engine.evaluation.baselines import load_csv  # noqa: E402
from py_engine.holdout import split  # noqa: E402
from py_engine.synthesis import syn  # noqa: E402

data = load_csv((ROOT / "tests" / "data" / "real" / "adult.csv").read_bytes(), "adult.csv")
train, hold, _ = split(data, 0.2, seed=1)
synthetic = syn(train, {"method": "cart", "seed": 1}).synthetic
t = {}
t0 = time.perf_counter()
vs = logit.variables([train, synthetic], train.columns)
n = train.n_rows + synthetic.n_rows
bl = logit.blocks(vs, n, True)
t["variables+blocks"] = time.perf_counter() - t0
t0 = time.perf_counter()
g = logit.gram(bl)
t["gram"] = time.perf_counter() - t0
t0 = time.perf_counter()
sel, scale, r = logit.independent_columns(g)
t["pivoted_cholesky"] = time.perf_counter() - t0
t0 = time.perf_counter()
y = np.r_[np.zeros(train.n_rows), np.ones(synthetic.n_rows)]
fixed = logit.separated_rows(vs, y, True)
x = logit.design(bl, n)[:, sel]
t["separation+design"] = time.perf_counter() - t0
t0 = time.perf_counter()
p, info = logit.fit_propensity(x, scale, r, y, fixed=fixed)
t["fit"] = time.perf_counter() - t0
for k, v in t.items():
    print(f"{k:>20} {v:6.2f} s")
print("p", g.shape[0], "k", len(sel), info)
