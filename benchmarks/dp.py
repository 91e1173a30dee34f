#!/usr/bin/env python3
"""Method dp (MST) on Adult by the protocol of ../shared/data/README.md (80/20 split, seeds 1-3).

    .venv/bin/python benchmarks/dp.py                 # epsilon 1 and 10, seeds 1,2,3
    .venv/bin/python benchmarks/dp.py --eps 0.1,1 --seeds 1

The domain is taken from the data (--domain-from-data: levels stand in for a public codebook, as
in the notes' harness); delta 1e-9. Scores: quality.score (S_pMSE logit with interactions, mean
2-way S_pMSE, exact copies, membership AUC). Writes benchmarks/results/dp.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from quality import load, run_one  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eps", default="1,10")
    ap.add_argument("--seeds", default="1,2,3")
    a = ap.parse_args(argv)
    data = load("adult")
    out = {}
    for e in [float(x) for x in a.eps.split(",")]:
        runs = []
        for seed in [int(x) for x in a.seeds.split(",")]:
            r = run_one(data, {"method": "dp", "epsilon": e, "delta": 1e-9, "domain_from_data": True}, seed)
            print(f"eps {e} seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()), flush=True)
            runs.append(r)
        out[str(e)] = {"runs": runs, "mean": {k: statistics.fmean(r[k] for r in runs) for k in runs[0]}}
    (ROOT / "benchmarks" / "results" / "dp.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
