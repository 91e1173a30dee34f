"""Benchmark of the whole evaluation (py_engine.evaluation.evaluate), per metric.

    .venv/bin/python benchmarks/evaluation.py [--table adult] [--generator bootstrap|independent|cart]
    node benchmarks/pyodide_run.mjs dist/site/pyodide . benchmarks/evaluation.py --table adult

Protocol as shared/data/README.md: the table is split 80/20 (train / holdout, seed 1), the generator
makes as many rows as train has, the evaluation compares them. Prints the per-metric seconds and the
headline figures, and writes benchmarks/results/evaluation_<table>_<generator>_<platform>.json.
Generators: "bootstrap" (rows of train with replacement) and "independent" (each column resampled on
its own) bracket every table; "cart" uses py_engine.synthesis.syn when the engine has it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_engine.evaluation import evaluate  # noqa: E402
from py_engine.evaluation.baselines import bootstrap_copy, independent_columns, load_csv  # noqa: E402
from py_engine.holdout import split  # noqa: E402


def make_synthetic(train, generator: str, seed: int):
    if generator == "bootstrap":
        return bootstrap_copy(train, seed)
    if generator == "independent":
        return independent_columns(train, seed)
    from py_engine.synthesis import syn

    return syn(train, {"method": generator, "seed": seed}).synthetic


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", default="adult")
    ap.add_argument("--generator", default="bootstrap")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cart-permutations", type=int, default=None)
    args = ap.parse_args(argv)
    where = "pyodide" if platform.system() == "Emscripten" else "cpython"
    t0 = time.perf_counter()
    data = load_csv((ROOT / "tests" / "data" / "real" / f"{args.table}.csv").read_bytes(), f"{args.table}.csv")
    train, hold, _ = split(data, 0.2, seed=args.seed)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    synthetic = make_synthetic(train, args.generator, args.seed)
    t_syn = time.perf_counter() - t0
    options = {} if args.cart_permutations is None else {"cart_permutations": args.cart_permutations}
    t0 = time.perf_counter()
    report = evaluate(train, synthetic, hold, options, context={"file_name": f"{args.table}.csv", "seed": args.seed})
    wall = time.perf_counter() - t0
    u, p, d, a = report["utility"], report["pairs"], report["disclosure"], report["analysis"]
    figures = {
        "s_pmse_logit_main": u["logit"].get("s_pmse"),
        "s_pmse_logit_2way": u["logit_interactions"].get("s_pmse"),
        "k_logit_2way": u["logit_interactions"].get("k"),
        "pmse_cart": u["cart"].get("pmse"), "s_pmse_cart": u["cart"].get("s_pmse"),
        "cart_p_value": u["cart"].get("p_value"),
        "two_way_s_pmse_mean": p["two_way"].get("mean"),
        "exact_copies": d["copies"].get("share"), "natural_copies": d["copies"].get("natural"),
        "membership_auc": d["membership"].get("auc"),
        "membership_ci": [d["membership"].get("ci_low"), d["membership"].get("ci_high")],
        "ml_ratio": a["ml"].get("ratio"), "inference_risk": d["inference"].get("risk"),
        "rep_u_qi": (d["rep_u"].get("quasi_identifiers") or {}).get("rep_u"),
        "disco_train": ((d["disco"].get("train") or {}).get("disco")),
        "dcr_ratio": d["dcr"].get("ratio"),
    }
    out = {"table": args.table, "generator": args.generator, "platform": where,
           "python": platform.python_version(), "n_train": train.n_rows, "n_synthetic": synthetic.n_rows,
           "n_holdout": hold.n_rows, "seconds": {"load": t_load, "synthesise": t_syn, "evaluate": wall,
                                                 **report["timings"]},
           "figures": figures, "verdicts": {v["aspect"]: v["level"] for v in report["summary"]},
           "report_bytes": len(json.dumps(report, allow_nan=False))}
    for name, sec in out["seconds"].items():
        print(f"{name:>20} {sec:8.2f} s")
    for name, val in figures.items():
        print(f"{name:>20} {val}")
    print("verdicts", out["verdicts"])
    path = ROOT / "benchmarks" / "results" / f"evaluation_{args.table}_{args.generator}_{where}.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
