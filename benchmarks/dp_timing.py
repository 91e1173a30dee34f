#!/usr/bin/env python3
"""Fit+sample time of method dp on Adult, MST and AIM, in CPython or inside Pyodide (the page's runtime):

    .venv/bin/python benchmarks/dp_timing.py
    node benchmarks/pyodide_run.mjs dist/site/pyodide . benchmarks/dp_timing.py
    node benchmarks/pyodide_run.mjs dist/site/pyodide . benchmarks/dp_timing.py mst:1 mst:10

Table tests/data/real/adult.csv, epsilon 1 (MST) and 10 (AIM), delta 1e-9, domain from the data (for
timing only). Prints and writes benchmarks/results/dp_timing_<runtime>.json: wall and process CPU seconds.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_engine.dataset import from_raw  # noqa: E402
from py_engine.reading import read_table  # noqa: E402
from py_engine.schema import infer_schema  # noqa: E402
from py_engine.synthesis import syn  # noqa: E402


def main() -> int:
    runtime = "pyodide" if sys.platform == "emscripten" else "cpython"
    raw = read_table((ROOT / "tests/data/real/adult.csv").read_bytes(), "adult.csv")
    data = from_raw(raw, infer_schema(raw))
    out = {"runtime": runtime, "python": platform.python_version(), "rows": data.n_rows, "runs": []}
    # argv: runs as mechanism:epsilon (default mst:1 aim:10)
    todo = [(a.split(":")[0], float(a.split(":")[1])) for a in sys.argv[1:]] or [("mst", 1.0), ("aim", 10.0)]
    for mech, eps in todo:
        w, c = time.perf_counter(), time.process_time()
        syn(data, {"method": "dp", "epsilon": eps, "domain_from_data": True, "dp_mechanism": mech, "seed": 1})
        run = {"mechanism": mech, "epsilon": eps, "wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - c}
        print(run, flush=True)
        out["runs"].append(run)
        (ROOT / "benchmarks/results" / f"dp_timing_{runtime}.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
