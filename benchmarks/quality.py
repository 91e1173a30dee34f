#!/usr/bin/env python3
"""Quality of the synthetic data against R synthpop and SDV, by the protocol of ../shared/data/README.md.

    .venv/bin/python benchmarks/quality.py                       # CART and GC, defaults, 3 seeds, 4 tables
    .venv/bin/python benchmarks/quality.py --grid                # CART: minbucket x smoothing trade-off curve
    .venv/bin/python benchmarks/quality.py --tables wage --seeds 1,2
    .venv/bin/python benchmarks/quality.py --tables hsb,exam --methods cart,gc,marginal,cart-flat,gc-flat

hsb and exam (pupils in schools, issue 10) have no R synthpop / SDV reference figures; "cart-flat" and
"gc-flat" are the same methods with the table's structure switched off (settings structure=False, the
free synthesis of main before issue 10), the comparison the issue asks for. With the structure kept,
the row-level S_pMSE of columns constant within a school is bounded below by the sampling of schools,
not of rows: see py_engine/evaluation/REPORT.md ("Two-way S_pMSE on grouped tables") and
benchmarks/results/structure.md for the clustered reference.

Protocol: each table is split 80/20 at random (train/holdout, py_engine.holdout.split with the run's
seed, no row cap); the method is fitted on train with default settings and makes as many rows as
train; the scores compare synthetic with train and use the holdout where stated:
- S_pMSE, logistic propensity model with two-way interactions (Snoke et al. 2018),
- mean two-way S_pMSE over all column pairs (synthpop's utility.tables),
- exact copies of train rows and the natural rate (holdout rows that equal a train row),
- membership AUC (distance to the closest synthetic row; train rows vs holdout rows).
The metric functions are the engine's own (py_engine.evaluation), one place for each computation.
Targets (issue 3): CART within 1.1x of R synthpop on both S_pMSE figures, copies at most 1 point
above natural, membership AUC below R synthpop's; GC below SDV's GC on both S_pMSE figures.
Results: benchmarks/results/quality.{json,md} and grid.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_engine.dataset import from_raw  # noqa: E402
from py_engine.holdout import split  # noqa: E402
from py_engine.reading import read_table  # noqa: E402
from py_engine.schema import infer_schema  # noqa: E402
from py_engine.synthesis import syn  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
RESULTS = ROOT / "benchmarks" / "results"
TABLES = ["wage", "credit", "cps1988", "adult"]
METHODS = {"cart": {"method": "cart"}, "gc": {"method": "gc"}, "marginal": {"method": "marginal"},
           "cart-flat": {"method": "cart", "structure": False}, "gc-flat": {"method": "gc", "structure": False}}
NAMES = {"cart": "LocalSynth CART", "gc": "LocalSynth Gaussian copula", "marginal": "LocalSynth marginals",
         "cart-flat": "LocalSynth CART, structure off", "gc-flat": "LocalSynth Gaussian copula, structure off"}

# ../shared/data/README.md: seed 1, default settings (R synthpop 1.8, SDV GaussianCopulaSynthesizer)
REFERENCE = {
    "wage": {"synthpop": {"s_pmse": 1.54, "two_way": 1.18, "copies": 4.6, "natural": 0.2, "auc": 0.591},
             "sdv_gc": {"s_pmse": 9.97, "two_way": 7.90, "copies": 0.0, "natural": 0.2, "auc": 0.502}},
    "credit": {"synthpop": {"s_pmse": 1.91, "two_way": 1.43, "copies": 0.0, "natural": 0.0, "auc": 0.550},
               "sdv_gc": {"s_pmse": 17.2, "two_way": 53.7, "copies": 0.0, "natural": 0.0, "auc": 0.501}},
    "cps1988": {"synthpop": {"s_pmse": 1.38, "two_way": 1.41, "copies": 25.1, "natural": 11.8, "auc": 0.595},
                "sdv_gc": {"s_pmse": 57.2, "two_way": 166, "copies": 0.0, "natural": 11.8, "auc": 0.515}},
    "adult": {"synthpop": {"s_pmse": 2.80, "two_way": 3.24, "copies": 0.9, "natural": 0.1, "auc": 0.572},
              "sdv_gc": {"s_pmse": 99.3, "two_way": 1552, "copies": 0.0, "natural": 0.1, "auc": 0.517}},
}
FIGURES = ["s_pmse", "two_way", "copies", "natural", "auc", "seconds"]


def load(name: str):
    raw = read_table((SHARED / f"{name}.csv").read_bytes(), f"{name}.csv")
    return from_raw(raw, infer_schema(raw))


def score(train, holdout, synthetic) -> dict:
    from py_engine.evaluation.disclosure import exact_copies, membership_auc
    from py_engine.evaluation.utility import spmse_logit, two_way_spmse

    cp = exact_copies(train, synthetic, holdout)
    return {"s_pmse": float(spmse_logit(train, synthetic, interactions=True)["s_pmse"]),
            "two_way": float(two_way_spmse(train, synthetic, bins=5)["mean"]),
            "copies": 100 * float(cp["share"]), "natural": 100 * float(cp["natural"]),
            "auc": float(membership_auc(train, holdout, synthetic, max_rows=2000, seed=0)["auc"])}


def run_one(data, settings: dict, seed: int) -> dict:
    train, holdout, _ = split(data, 0.2, max_rows=10**9, seed=seed)
    t0 = time.perf_counter()
    res = syn(train, {**settings, "seed": seed})
    secs = time.perf_counter() - t0
    out = score(train, holdout, res.synthetic)
    out["seconds"] = secs
    return out


def summarise(runs: list[dict]) -> dict:
    out = {}
    for f in FIGURES:
        vals = [r[f] for r in runs]
        out[f] = {"mean": statistics.fmean(vals), "sd": statistics.stdev(vals) if len(vals) > 1 else 0.0,
                  "min": min(vals), "max": max(vals)}
    return out


def checks(table: str, method: str, s: dict) -> dict:
    ref = REFERENCE.get(table)
    if ref is None:
        return {}
    m = {f: s[f]["mean"] for f in FIGURES}
    if method == "cart":
        sp = ref["synthpop"]
        return {"s_pmse<=1.1x synthpop": m["s_pmse"] <= 1.1 * sp["s_pmse"],
                "two_way<=1.1x synthpop": m["two_way"] <= 1.1 * sp["two_way"],
                "copies<=natural+1": m["copies"] <= m["natural"] + 1.0,
                "auc<synthpop": m["auc"] < sp["auc"]}
    if method != "gc":
        return {}  # independent marginals: the privacy-first baseline, no utility target
    gc = ref["sdv_gc"]
    return {"s_pmse<sdv_gc": m["s_pmse"] < gc["s_pmse"], "two_way<sdv_gc": m["two_way"] < gc["two_way"]}


def meta(command: str, seeds: list[int]) -> dict:
    import numpy
    import sklearn

    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "command": command, "seeds": seeds,
            "machine": {"platform": platform.platform(), "python": platform.python_version(),
                        "numpy": numpy.__version__, "scikit_learn": sklearn.__version__,
                        "note": "2 cores shared with other developers; seconds are noisy"}}


def fmt(s: dict, f: str, digits: int = 2) -> str:
    return f"{s[f]['mean']:.{digits}f} ± {s[f]['sd']:.{digits}f}"


def main_quality(tables, seeds, methods, command, out: str = "quality") -> None:
    rows = []
    for t in tables:
        data = load(t)
        for method in methods:
            runs = [run_one(data, METHODS[method], seed) for seed in seeds]
            s = summarise(runs)
            rows.append({"table": t, "method": method, "runs": runs, "summary": s, "checks": checks(t, method, s)})
            print(t, method, {f: round(s[f]["mean"], 3) for f in FIGURES}, rows[-1]["checks"], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{out}.json").write_text(json.dumps({**meta(command, seeds), "results": rows,
                                                      "reference": REFERENCE}, indent=1) + "\n")
    lines = ["# Quality: LocalSynth vs R synthpop and SDV's Gaussian copula\n",
             f"Date: {meta(command, seeds)['date']}  ", f"Command: `{command}`  ",
             f"Seeds: {', '.join(map(str, seeds))} (each: its own 80/20 split and synthesis); LocalSynth "
             "figures are mean ± sd over the seeds. Reference figures: ../shared/data/README.md (seed 1).\n",
             "| table | generator | S_pMSE logit | 2-way S_pMSE | exact copies % | natural % | membership AUC | s | targets met |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for t in tables:
        ref = REFERENCE.get(t, {})
        for r in [r for r in rows if r["table"] == t]:
            s = r["summary"]
            ok = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in r["checks"].items()) or (
                "(baseline)" if r["method"] == "marginal" or t in REFERENCE else "(no reference)")
            name = NAMES[r["method"]]
            lines.append(f"| {t} | {name} | {fmt(s, 's_pmse')} | {fmt(s, 'two_way')} | {fmt(s, 'copies', 1)} | "
                         f"{fmt(s, 'natural', 1)} | {fmt(s, 'auc', 3)} | {s['seconds']['mean']:.1f} | {ok} |")
        for key, name in (("synthpop", "R synthpop CART"), ("sdv_gc", "SDV Gaussian copula")):
            if key not in ref:
                continue
            f = ref[key]
            lines.append(f"| {t} | {name} | {f['s_pmse']} | {f['two_way']} | {f['copies']} | {f['natural']} | "
                         f"{f['auc']} | | reference |")
    (RESULTS / f"{out}.md").write_text("\n".join(lines) + "\n")


def main_grid(tables, seeds, command, minbuckets, smoothings, replicated) -> None:
    rows = []
    for t in tables:
        data = load(t)
        for rr in replicated:
            for mb in minbuckets:
                for sm in smoothings:
                    settings = {"method": "cart", "minbucket": None if mb == "auto" else int(mb), "smoothing": sm,
                                "remove_replicated": rr}
                    runs = [run_one(data, settings, seed) for seed in seeds]
                    s = summarise(runs)
                    rows.append({"table": t, "minbucket": mb, "smoothing": sm, "remove_replicated": rr,
                                 "summary": s, "runs": runs})
                    print(t, mb, sm, rr, {f: round(s[f]["mean"], 3) for f in FIGURES}, flush=True)
                    _write_grid(rows, command, seeds)


def _write_grid(rows, command, seeds) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "grid.json").write_text(json.dumps({**meta(command, seeds), "results": rows,
                                                   "reference": REFERENCE}, indent=1) + "\n")
    lines = ["# CART: the utility / disclosure trade-off over minbucket x smoothing\n",
             f"Date: {meta(command, seeds)['date']}  ", f"Command: `{command}`  ",
             f"Seeds: {', '.join(map(str, seeds))}; mean ± sd. Lower S_pMSE is better utility; copies above the "
             "natural rate and membership AUC above 0.5 are disclosure.\n",
             "| table | minbucket | smoothing | replicated rare rows | S_pMSE logit | 2-way S_pMSE | copies % | natural % | membership AUC | R synthpop S_pMSE / 2-way / AUC |",
             "|---|---:|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        s, ref = r["summary"], REFERENCE[r["table"]]["synthpop"]
        rr = "removed" if r["remove_replicated"] else "kept"
        lines.append(f"| {r['table']} | {r['minbucket']} | {r['smoothing']} | {rr} | {fmt(s, 's_pmse')} | {fmt(s, 'two_way')} | "
                     f"{fmt(s, 'copies', 1)} | {fmt(s, 'natural', 1)} | {fmt(s, 'auc', 3)} | "
                     f"{ref['s_pmse']} / {ref['two_way']} / {ref['auc']} |")
    (RESULTS / "grid.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tables", default=",".join(TABLES))
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--methods", default="cart,gc", help="of " + ", ".join(METHODS))
    ap.add_argument("--out", default="quality", help="results file name (benchmarks/results/<out>.md, .json)")
    ap.add_argument("--grid", action="store_true", help="CART over minbucket x smoothing")
    ap.add_argument("--minbuckets", default="auto,5,10,20,50", help="'auto': the engine's default rule")
    ap.add_argument("--smoothings", default="none,density")
    ap.add_argument("--replicated", default="remove,keep", help="remove_replicated values in the grid")
    args = ap.parse_args(argv)
    command = "python benchmarks/quality.py " + " ".join(argv if argv is not None else sys.argv[1:])
    tables = args.tables.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.grid:
        main_grid(tables, seeds, command, [m if m == "auto" else int(m) for m in args.minbuckets.split(",")], args.smoothings.split(","),
                  [r == "remove" for r in args.replicated.split(",")])
    else:
        main_quality(tables, seeds, args.methods.split(","), command, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
