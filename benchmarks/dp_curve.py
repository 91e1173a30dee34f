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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from quality import load, run_one  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
EPS = (0.1, 0.3, 1.0, 3.0, 10.0)
COLS = (("two_way", "mean 2-way S_pMSE", "{:.1f}"), ("s_pmse", "S_pMSE logit", "{:.1f}"),
        ("copies", "exact copies %", "{:.2f}"), ("auc", "MIA AUC", "{:.3f}"), ("seconds", "fit+sample s", "{:.0f}"))


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
    out = {c[0]: statistics.fmean(r[c[0]] for r in rs) for c in COLS}
    out["seeds"] = ",".join(str(r["seed"]) for r in rs)
    out["commit"] = ",".join(sorted({r.get("commit", "32dc7f9") for r in rs}))
    return out


def write_md(runs: dict) -> None:
    lines = ["# Privacy-utility curve of method dp on Adult", "",
             "Made by `benchmarks/dp_curve.py` (CPython, shared 2-core machine; seconds are wall time and noisy).",
             "80/20 split per seed, delta 1e-9, domain from the data (standing in for a public codebook; NOT",
             "covered by the guarantee). Figures are means over the seeds listed; lower S_pMSE is better. The",
             "noise is fresh from the CSPRNG in every run, so a rerun differs by a few points at low epsilon.",
             "\"commit\" is the engine that measured the row (rows without one were measured at 32dc7f9).", "",
             "| mechanism | epsilon | seeds | " + " | ".join(c[1] for c in COLS) + " | commit |",
             "|---|---:|---|" + "---:|" * len(COLS) + "---|"]
    mechs = sorted({k.split("/")[0] for k in runs}, key=lambda m: (list(LABELS).index(m) if m in LABELS else 9, m))
    eps = sorted({float(k.split("/")[1]) for k in runs})
    for mech in mechs:
        for e in eps:
            m = means(runs, mech, e)
            if m is None:
                continue
            cells = [c[2].format(m[c[0]]) for c in COLS]
            lines.append(f"| {LABELS.get(mech, mech)} | {e:g} | {m['seeds']} | " + " | ".join(cells)
                         + f" | {m['commit']} |")
    lines += ["", "Issue 12's targets (mean 2-way S_pMSE / S_pMSE logit): epsilon 0.1 <= 120 / 40; epsilon 1 <= 32 / 20;",
              "epsilon 10 MST <= 33 / 20, AIM <= 10 / 8. Per-run figures: dp-curve.json.", "",
              "What \"S_pMSE logit\" is here: on Adult the two-way-interaction design is too large (more than",
              "4,500 columns), so `spmse_logit(..., interactions=True)` falls back to main effects only (it",
              "returns interactions: false, note too_many_columns; 118 columns). It then measures the 1-way",
              "margins only. The notes' logit targets (40 / 20) come from a logit with interactions (their",
              "main-effects column read 71 / 6.7 / 2.3 at epsilon 0.1 / 1 / 10), so the logit column is not",
              "comparable with them, and a baseline that spends all of rho on the 1-way answers is expected to win on it.", "",
              "Better than DP independent marginals on both S_pMSE figures at every epsilon >= 0.5 (issue 12;",
              "the baseline is `--mechanism independent`: all of rho on the same 1-way measurements, compression",
              "and decoding as MST, no tree):", ""]
    for mech in ("mst", "aim"):
        for e in [e for e in eps if e >= 0.5]:
            m, b = means(runs, mech, e), means(runs, "independent", e)
            if m is None or b is None:
                continue
            ok = m["two_way"] < b["two_way"] and m["s_pmse"] < b["s_pmse"]
            lines.append(f"- {mech}, epsilon {e:g}: 2-way {m['two_way']:.1f} vs {b['two_way']:.1f}, logit "
                         f"{m['s_pmse']:.1f} vs {b['s_pmse']:.1f}: {'better on both' if ok else 'NOT better on both'}")
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
