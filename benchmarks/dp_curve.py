#!/usr/bin/env python3
"""The privacy-utility curve of method dp on Adult (issue 12): epsilon 0.1, 0.3, 1, 3, 10.

    .venv/bin/python benchmarks/dp_curve.py                          # MST, seeds 1-3
    .venv/bin/python benchmarks/dp_curve.py --mechanism aim --eps 3,10
    .venv/bin/python benchmarks/dp_curve.py --mechanism independent  # the DP independent-marginals baseline
    .venv/bin/python benchmarks/dp_curve.py --write                  # only rewrite dp-curve.md

Protocol of ../shared/data/README.md (80/20 split with the run's seed, as many rows as n_hat), delta
1e-9, the domain from the data (`domain_from_data`, standing in for a public codebook: NOT covered by
the guarantee). Each run is added to benchmarks/results/dp-curve.json (keyed by mechanism, epsilon,
seed), and dp-curve.md is written from all runs there: the mean over seeds of the mean 2-way
S_pMSE (the curve), the logit S_pMSE, exact copies, membership AUC and fit+sample seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from quality import load  # noqa: E402

from py_engine.evaluation.analysis import ml_utility  # noqa: E402
from py_engine.evaluation.disclosure import exact_copies, membership_auc  # noqa: E402
from py_engine.evaluation.utility import spmse_logit, two_way_spmse  # noqa: E402
from py_engine.holdout import split  # noqa: E402
from py_engine.synthesis import syn  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
EPS = (0.1, 0.3, 1.0, 3.0, 10.0)
COLS = (("two_way", "mean 2-way S_pMSE", "{:.1f}"), ("s_pmse", "S_pMSE logit", "{:.1f}"),
        ("ml_ratio", "ML ratio", "{:.3f}"), ("copies", "exact copies %", "{:.2f}"), ("auc", "MIA AUC", "{:.3f}"),
        ("seconds", "fit+sample s", "{:.0f}"))
TARGET = "income"  # the ML ratio's target (the report's ml_utility: trained on synthetic vs on train)


def run_one(data, settings: dict, seed: int) -> dict:
    """One synthesis of the 80/20 split with `seed`, scored as quality.score does, plus the logit's
    design (interactions or not, columns, synthetic rows left out) and the ML ratio."""
    train, holdout, _ = split(data, 0.2, max_rows=10**9, seed=seed)
    t0 = time.perf_counter()
    res = syn(train, {**settings, "seed": seed})
    secs = time.perf_counter() - t0
    s = res.synthetic
    lg = spmse_logit(train, s, interactions=True)
    cp = exact_copies(train, s, holdout)
    ml = ml_utility(train, s, holdout, TARGET, seed=seed)
    return {"s_pmse": float(lg["s_pmse"]), "logit_interactions": bool(lg["interactions"]),
            "logit_columns": int(lg["n_columns"]), "logit_k": int(lg["k"]), "logit_dropped": int(lg["n_dropped"]),
            "two_way": float(two_way_spmse(train, s, bins=5)["mean"]),
            "copies": 100 * float(cp["share"]), "natural": 100 * float(cp["natural"]),
            "auc": float(membership_auc(train, holdout, s, max_rows=2000, seed=0)["auc"]),
            "ml_ratio": float(ml["ratio"]), "ml_real": float(ml["real_score"]),
            "ml_synthetic": float(ml["synthetic_score"]), "seconds": secs}


LABELS = {"mst": "mst", "aim": "aim", "independent": "independent (baseline)",
          "mst@32dc7f9": "mst at 32dc7f9 (before: thirds, 3 sigma merging)"}


def commit() -> str:
    """The commit whose engine measured a run (+dirty when the worktree had uncommitted changes)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "py_engine"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def means(runs: dict, mech: str, e: float) -> dict | None:
    rs = [v for k, v in sorted(runs.items()) if k.split("/")[0] == mech and float(k.split("/")[1]) == e]
    if not rs:
        return None
    out = {}
    for c in COLS:
        vals = [r[c[0]] for r in rs if r.get(c[0]) is not None]
        out[c[0]] = statistics.fmean(vals) if len(vals) == len(rs) else None
    out["seeds"] = ",".join(str(r["seed"]) for r in rs)
    out["commit"] = ",".join(sorted({r.get("commit", "32dc7f9") for r in rs}))
    # runs before the logit had the design of synthpop did not record it: they were main effects only
    kinds = {"2-way int." if r.get("logit_interactions") else "main effects" for r in rs}
    out["logit"] = kinds.pop() if len(kinds) == 1 else "mixed"
    cols = [r["logit_columns"] for r in rs if "logit_columns" in r]
    out["logit_columns"] = f"{min(cols)}-{max(cols)}" if cols and min(cols) != max(cols) else (
        str(cols[0]) if cols else "-")
    out["logit_dropped"] = statistics.fmean(r["logit_dropped"] for r in rs) if all(
        "logit_dropped" in r for r in rs) else None
    return out


TARGETS = {  # issue 12 / notes section 4: (epsilon, mechanism): (logit, 2-way, ML ratio, MIA AUC)
    (0.1, "mst"): (40, 120, 0.80, 0.53), (1.0, "mst"): (20, 32, 0.87, 0.53),
    (10.0, "mst"): (20, 33, 0.89, 0.53), (10.0, "aim"): (8, 10, 0.93, 0.55)}


def _f(v, spec: str) -> str:
    return "-" if v is None else spec.format(v)


def write_md(runs: dict) -> None:
    lines = ["# Privacy-utility curve of method dp on Adult", "",
             "Made by `benchmarks/dp_curve.py` (CPython, shared 2-core machine; seconds are wall time and noisy).",
             "80/20 split per seed, delta 1e-9, domain from the data (standing in for a public codebook; NOT",
             "covered by the guarantee). Figures are means over the seeds listed; lower S_pMSE is better. The",
             "noise is fresh from the CSPRNG in every run, so a rerun differs by a few points at low epsilon.",
             "\"commit\" is the engine that measured the row (rows without one were measured at 32dc7f9).",
             f"ML ratio: the report's `ml_utility` (gradient boosting predicts {TARGET}, trained on the synthetic",
             "rows and on train, both tested on the holdout; ratio of the ROC-AUCs); \"-\" where not measured.",
             "\"logit\" says which S_pMSE logit the row has: \"2-way int.\" is synthpop's default (t ~ .^2), the",
             "one the targets refer to; \"main effects\" is the fallback above 5,000 design columns (it measures",
             "the 1-way margins only). \"dropped\": synthetic rows left out of the logit (missing where the real",
             "column never is; synthpop's glm does the same, na.omit). Before 5d75e83 the domain suggested",
             "from the data declared the missing token \"\" in every column, so MST had a missing cell for age",
             "too and wrote missing ages (up to 4% of the rows at epsilon 0.1, 0.1-0.4% at epsilon 10, all",
             "dropped from the logit); since 5d75e83 a column without missing values gets none, and 0 rows are",
             "dropped. That raised MST's mean 2-way S_pMSE at epsilon 1-10 (29.4-31.6 -> 32.5 at 1, 26.0 ->",
             "29.0 at 3, 26.5 -> 29.9 at 10) and lowered it at 0.1 (91-106 -> 86): the spurious missing cells",
             "had filled extra cells of every pair with a number column, and S_pMSE divides by their count",
             "(df); the synthetic rows themselves are closer to the data without them.",
             "Design columns: 4,077 for real vs real; a DP output has up to one more level per categorical (its",
             "noisy \"other\" cell), hence the cap of 5,000 (py_engine/evaluation/utility.py).",
             "From commit 029f3dd MST's estimation runs until 100 iterations lower its loss by less than 0.1%,",
             "at most 4,000 iterations (1,000 before). With the same noise (epsilon 10, seed 1) the 1-way",
             "S_pMSE of every column is lower at 4,000 than at 1,000 iterations, the interaction logit does not",
             "move (the tree is the limit: 11.0 / 11.0) and the mean 2-way S_pMSE of MST goes 29.4 -> 27.2. The",
             "independent baseline's mean 2-way S_pMSE rises with the same change (99 -> 111 at epsilon 10,",
             "same noise): its better-fitted 1-way margins leave fewer spurious cells (missing, \"other\")",
             "filled, so its pair tables have fewer non-empty cells and the same misfit is divided by a",
             "smaller df (S_pMSE = pMSE / E0, E0 proportional to df). The ML ratio varies by up to 0.15",
             "between seeds at the same epsilon (MST's tree decides how income is joined to the rest).",
             "How much a rerun moves (fresh noise): the same seeds scored the same way at 214f12a (1,000",
             "iterations) gave MST at epsilon 0.1 / 0.3 / 0.5 / 1 / 3 / 10: 2-way 91.2 / 45.6 / 39.9 / 29.4 /",
             "28.0 / 28.7, logit 21.7 / 14.2 / 12.8 / 11.1 / 10.3 / 11.0, ML ratio 0.818 / 0.851 / 0.867 / 0.863 /",
             "0.889 / 0.865; the baseline at 0.5 / 1 / 3 / 10: 2-way 105.7 / 105.0 / 98.2 / 98.8, logit 34.2 /",
             "35.0 / 34.9 / 34.4. So the ML ratio targets at epsilon 1 (0.87) and 10 (0.89) are at the edge of",
             "what MST reaches: over the four sets measured today met in three at epsilon 1 (0.863 / 0.873 /",
             "0.896 / 0.876), in none at epsilon 10 (0.865 / 0.842 / 0.877 / 0.869). AIM at epsilon 10: 0.977",
             "at 029f3dd, 0.936 at 5d75e83 (target 0.93).",
             "Grid by epsilon (py_engine/dp/domain.py grid_for_epsilon, MST and the baseline, from 3b45afc):",
             "the declared bins of the non-integer grids (fnlwgt 64, capital gain/loss 40) doubled at epsilon",
             "10 (x 2^log10 epsilon above 1). Against the 029f3dd set: 2-way 26.0 vs 27.0 at epsilon 3, 26.5 vs",
             "27.4 at 10, logit 10.0 / 10.9 vs 10.1 / 11.0. Tried and not kept: the grid coarser below epsilon",
             "1 (half at 0.1): MST 2-way 101.4 / 54.9 / 41.7 and logit 24.3 / 15.7 / 13.2 at epsilon 0.1 / 0.3",
             "/ 0.5, against 105.9 / 46.8 / 40.2 and 23.1 / 15.3 / 13.6 with the declared grid (029f3dd).",
             "From a2c7071 the ML ratio leaves out of the synthetic training the rows whose income is a class",
             "the real rows lack (MST's noisy \"other\" cell, a few rows in 39,000): kept, they made the",
             "gradient boosting a 3-class model whose holdout AUC moved between 0.70 and 0.84 from one",
             "sampling seed of the same MST model to the next (epsilon 10, seed 1); left out, 0.836-0.839.",
             "That, not the tree, was why MST's ML ratio at epsilon 10 missed 0.89 (0.869 at 5d75e83).",
             "From 2136982 a 2-way answer whose compressed cells would hold on average fewer than 4 sigma2",
             "rows is measured on runs of adjacent ordered cells (py_engine/dp/mst.py pair_groups), and from",
             "eda9daa the estimation grows its step only after an iteration that did not backtrack (faster;",
             "at epsilon 10 a lower loss at the 4,000-iteration cap). Paired on the same noise streams (seeds",
             "1-3 x 2 streams): 2-way 99.1 -> 94.8 at epsilon 0.1, 32.8 -> 31.9 at 1, 29.6 -> 29.8 at 10.",
             "From af1db29 MST's estimation starts from the noisy answers (estimation.start_from_answers) and",
             "stops at 2,000 iterations (4,000 before): paired on the same streams, 2-way 31.9 -> 31.5 at",
             "epsilon 1 and 29.8 -> 28.6 at 10, logit unchanged; Pyodide fit+sample 13.8 -> 5.9 s (epsilon 1),",
             "19.0 -> 10.6 s (epsilon 10). The MST rows below are at af1db29, fresh noise; at epsilon 0.1 a",
             "rerun moves the 2-way figure by 10-15 (86.7 at eda9daa, 98.5 at af1db29) and the ML ratio by 0.04.",
             "Rows with commit 5d75e83 are from before these changes; the others say their commit.", "",
             "| mechanism | epsilon | seeds | " + " | ".join(c[1] for c in COLS)
             + " | logit | design columns | dropped | commit |",
             "|---|---:|---|" + "---:|" * len(COLS) + "---|---:|---:|---|"]
    mechs = sorted({k.split("/")[0] for k in runs}, key=lambda m: (list(LABELS).index(m) if m in LABELS else 9, m))
    eps = sorted({float(k.split("/")[1]) for k in runs})
    for mech in mechs:
        for e in eps:
            m = means(runs, mech, e)
            if m is None:
                continue
            cells = [_f(m[c[0]], c[2]) for c in COLS]
            lines.append(f"| {LABELS.get(mech, mech)} | {e:g} | {m['seeds']} | " + " | ".join(cells)
                         + f" | {m['logit']} | {m['logit_columns']} | {_f(m['logit_dropped'], '{:.0f}')}"
                         + f" | {m['commit']} |")
    lines += ["", "## Targets (issue 12), per epsilon", "",
              "| mechanism | epsilon | S_pMSE logit | mean 2-way S_pMSE | ML ratio | MIA AUC | exact copies |",
              "|---|---:|---|---|---|---|---|"]

    def verdict(v, t, upper=True, spec="{:.1f}"):
        if v is None:
            return "not measured"
        ok = v <= t if upper else v >= t
        return f"{spec.format(v)} ({'<=' if upper else '>='} {t:g}: {'met' if ok else 'NOT met'})"

    for (e, mech), (tl, tw, tml, tauc) in TARGETS.items():
        m = means(runs, mech, e)
        if m is None:
            continue
        lg = verdict(m["s_pmse"], tl) + ("" if m["logit"] == "2-way int." else f", {m['logit']}: not comparable")
        lines.append(f"| {mech} | {e:g} | {lg} | {verdict(m['two_way'], tw)} | "
                     f"{verdict(m['ml_ratio'], tml, upper=False, spec='{:.3f}')} | "
                     f"{verdict(m['auc'], tauc, spec='{:.3f}')} | {_f(m['copies'], '{:.2f}')} % |")
    lines += ["", "Better than DP independent marginals on both S_pMSE figures at every epsilon >= 0.5 (issue 12;",
              "the baseline is `--mechanism independent`: all of rho on the same 1-way measurements, compression",
              "and decoding as MST, no tree):", ""]
    for mech in ("mst", "aim"):
        for e in [e for e in eps if e >= 0.5]:
            m, b = means(runs, mech, e), means(runs, "independent", e)
            if m is None or b is None:
                continue
            ok = m["two_way"] < b["two_way"] and m["s_pmse"] < b["s_pmse"]
            same = m["logit"] == b["logit"]
            lines.append(f"- {mech}, epsilon {e:g}: 2-way {m['two_way']:.1f} vs {b['two_way']:.1f}, logit "
                         f"({m['logit']} vs {b['logit']}) {m['s_pmse']:.1f} vs {b['s_pmse']:.1f}: "
                         + ("better on both" if ok else "NOT better on both")
                         + ("" if same else " (the two logits are not the same model: not comparable)"))
    lines.append("")
    (RESULTS / "dp-curve.md").write_text("\n".join(lines))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mechanism", default="mst", choices=["mst", "aim", "independent"],
                    help="independent: the DP independent-marginals baseline (all of rho on the 1-way answers)")
    ap.add_argument("--eps", default=",".join(f"{e:g}" for e in EPS), help="comma-separated epsilons")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--write", action="store_true", help="only write dp-curve.md from dp-curve.json")
    a = ap.parse_args(argv)
    path = RESULTS / "dp-curve.json"
    runs = json.loads(path.read_text()) if path.exists() else {}
    if not a.write:
        data = load("adult")
        for e in [float(x) for x in a.eps.split(",")]:
            for seed in [int(x) for x in a.seeds.split(",")]:
                r = run_one(data, {"method": "dp", "epsilon": e, "delta": 1e-9, "domain_from_data": True,
                                   "dp_mechanism": a.mechanism}, seed)
                r.update(seed=seed, epsilon=e, mechanism=a.mechanism, date=dt.date.today().isoformat(),
                         commit=commit())
                print(f"{a.mechanism} eps {e:g} seed {seed}: " + ", ".join(
                    f"{k} {v:.3f}" for k, v in r.items() if isinstance(v, float)), flush=True)
                runs = json.loads(path.read_text()) if path.exists() else {}  # other runs may have written
                runs[f"{a.mechanism}/{e}/{seed}"] = r
                path.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
                write_md(runs)
    write_md(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
