#!/usr/bin/env python3
"""Time of the settings search (issue 13) on Adult with the default options, in CPython or inside
Pyodide (the page's runtime):

    .venv/bin/python benchmarks/optimise_time.py [SEED] [--workers N]
    node benchmarks/pyodide_run.mjs dist/site/pyodide . benchmarks/optimise_time.py

Table tests/data/real/adult.csv (the same file as ../shared/data/adult.csv), split 80/20 as
benchmarks/optimise.py (seed 1); `syn_optimised` on the train part with the default budget. One run:
wall seconds of the search up to the choice (its last step before the DP points), of the whole
search (until the first step of the final synthesis: the DP points included) and of search + final
synthesis, process CPU seconds (this process only: not its workers), the work units spent and the
choice. `--workers N` runs the search's runs in N processes (CPython; default 1, the browser's way).
Prints and writes benchmarks/results/optimise_time_<runtime>.json (with N workers:
optimise_time_<runtime>_<N>w.json).
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
from py_engine.holdout import split  # noqa: E402
from py_engine.optimise import syn_optimised_steps  # noqa: E402
from py_engine.progress import drive  # noqa: E402
from py_engine.reading import read_table  # noqa: E402
from py_engine.schema import infer_schema  # noqa: E402


def main() -> int:
    runtime = "pyodide" if sys.platform == "emscripten" else "cpython"
    args = sys.argv[1:]
    workers = 1
    if "--workers" in args:
        i = args.index("--workers")
        workers = int(args[i + 1])
        del args[i:i + 2]
    seed = int(args[0]) if args else 1
    raw = read_table((ROOT / "tests/data/real/adult.csv").read_bytes(), "adult.csv")
    data = from_raw(raw, infer_schema(raw))
    train, _, _ = split(data, 0.2, max_rows=10**9, seed=seed)
    marks = {}
    w, c = time.perf_counter(), time.process_time()

    def progress(step):
        now = time.perf_counter() - w
        if step.key == "progress.optimise_dp" and "choice" not in marks:
            marks["choice"] = marks.get("last", now)  # the search's last step before the first DP point
        if step.stage != "optimise" and "search" not in marks:
            marks["search"] = now
        marks["last"] = now

    res = drive(syn_optimised_steps(train, {"seed": seed}, {}, workers=workers), progress)
    o = res.optimisation
    out = {"runtime": runtime, "python": platform.python_version(), "workers": workers, "table": "adult", "seed": seed,
           "rows": train.n_rows, "choice_wall_s": marks.get("choice"), "search_wall_s": marks.get("search"), "total_wall_s": time.perf_counter() - w,
           "cpu_s": time.process_time() - c, "budget": o["budget"], "spent": o["spent"], "rounds": o["rounds"],
           "chosen": o["chosen"], "reason": o["reason"], "dp": o.get("dp")}
    print(out, flush=True)
    name = f"optimise_time_{runtime}" + (f"_{workers}w" if workers > 1 else "")
    (ROOT / "benchmarks/results" / f"{name}.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
