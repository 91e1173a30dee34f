#!/usr/bin/env python3
"""What a DP point of the settings search (issue 13) costs relative to a CART run, in the search's
own terms, to set py_engine.optimise.DP_WEIGHT:

    nice .venv/bin/python benchmarks/optimise_weights.py                  # adult, wage, credit, cps1988
    nice .venv/bin/python benchmarks/optimise_weights.py --tables wage --reps 3

Per table: split 80/20 (py_engine.holdout.split, seed 1) as benchmarks/optimise.py; a `Search` with
the default options on the train part; on the rows the DP points are fitted on after a search that
reached the whole internal train part (`Search.train_idx`) and against its internal validation rows:
  - a CART run as the search makes it (`Search._run_once` on the defaults: fit, sample, `score`),
  - a DP point as `Search.dp_points` makes it (`_dp_run` at each of DP_EPSILONS, then `score`),
each `--reps` times, CPU seconds by time.process_time (the median is reported). The cost model
prices a run at rows x columns x (weight + SCORE_WEIGHT) units, CART's weight being 1, so the weight
that prices a DP point at its measured share of a CART run is

    DP weight = (DP seconds / CART seconds) x (1 + SCORE_WEIGHT) - SCORE_WEIGHT.

Prints and writes benchmarks/results/optimise_weights.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from quality import RESULTS, load  # noqa: E402

from py_engine.holdout import split  # noqa: E402
from py_engine.optimise import DP_EPSILONS, SCORE_WEIGHT, OptimiseOptions, Search, _dp_run, score  # noqa: E402
from py_engine.progress import drive  # noqa: E402


def cpu(fn) -> float:
    c = time.process_time()
    fn()
    return time.process_time() - c


def measure(table: str, reps: int) -> dict:
    train, _, _ = split(load(table), 0.2, max_rows=10**9, seed=1)
    s = Search(train, {"seed": 1}, OptimiseOptions(), 1)
    rows = s.train_idx
    fit_rows = s.data.take(rows)
    default = s.records["default"]

    def cart():
        drive(s._run_once(default, fit_rows, len(rows), [92], s.seed))

    def dp(i, eps):
        import numpy as np

        syn = _dp_run(fit_rows, eps, np.random.default_rng([s.seed, 95, i]))
        score(fit_rows, syn, s.validation, s.opts.utility, s.seed)

    t_cart = [cpu(cart) for _ in range(reps)]
    t_dp = {eps: [cpu(lambda i=i, e=eps: dp(i, e)) for _ in range(reps)] for i, eps in enumerate(DP_EPSILONS)}
    m_cart = statistics.median(t_cart)
    m_dp = {eps: statistics.median(v) for eps, v in t_dp.items()}
    ratio = statistics.fmean(m_dp.values()) / m_cart
    out = {"table": table, "rows": int(len(rows)), "columns": s.n_cols, "cells": int(len(rows)) * s.n_cols,
           "cart_cpu_s": t_cart, "dp_cpu_s": {str(k): v for k, v in t_dp.items()},
           "cart_median_s": m_cart, "dp_median_s": {str(k): v for k, v in m_dp.items()},
           "dp_over_cart": ratio, "dp_weight": ratio * (1 + SCORE_WEIGHT) - SCORE_WEIGHT}
    print(json.dumps({k: out[k] for k in ("table", "rows", "columns", "cart_median_s", "dp_median_s",
                                          "dp_over_cart", "dp_weight")}), flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", default="adult,wage,credit,cps1988")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    res = {"command": "python benchmarks/optimise_weights.py " + " ".join(sys.argv[1:]),
           "python": platform.python_version(), "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "tables": [measure(t, a.reps) for t in a.tables.split(",")]}
    (RESULTS / "optimise_weights.json").write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
