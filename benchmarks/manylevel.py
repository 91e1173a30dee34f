#!/usr/bin/env python3
"""Many-level categorical predictors: speed, memory and the school -> authority dependency, today's main
against this branch, on CPython and in Pyodide (under Node 20, the runtime the page uses).

    .venv/bin/python build_wheel.py                 # dist/site/pyodide: the Pyodide runtime
    .venv/bin/python benchmarks/manylevel.py --main /work/main

Table: benchmarks/schools.make_schools(31_000 pupils, 2,400 schools, 131 authorities, seed 2026), written
to benchmarks/work/schools_31k.csv (not in git); school, authority and sector are categoricals (school
determines authority and sector), then gender, age, ses, track, score. Each case runs `syn` with defaults
(CART, seed 1) in a fresh process:
- cpython: `python -c` with the engine's folder first on sys.path; wall and CPU seconds of `syn`, peak RSS;
- pyodide: benchmarks/manylevel_bench.mjs (the engine's py_engine/ copied into Pyodide's file system);
  wall and CPU seconds of `syn`, the WebAssembly memory after the run (= its peak).
The sha256 of the synthetic CSV shows whether CPython and Pyodide give the same bytes for the same seed.
"in real authority": the share of synthetic rows whose authority is the real authority of their school.
Results: benchmarks/results/manylevel.json and manylevel.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.schools import make_schools  # noqa: E402

WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results"
TABLE = WORK / "schools_31k.csv"

CPYTHON = """
import hashlib, io, json, resource, sys, time
sys.path.insert(0, {engine!r}); sys.path.insert(1, {root!r})
import pandas as pd
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.dataset import from_raw, to_csv_bytes
from py_engine.synthesis import syn
from benchmarks.schools import in_real_authority
data = open({table!r}, "rb").read()
t0 = time.perf_counter()
raw = read_table(data)
ds = from_raw(raw, infer_schema(raw))
del raw
t1 = time.perf_counter(); c1 = time.process_time()
res = syn(ds, {{"method": "cart", "seed": {seed}}})
t2 = time.perf_counter(); c2 = time.process_time()
real = pd.read_csv(io.BytesIO(data))
out = to_csv_bytes(res.synthetic)
s = pd.read_csv(io.BytesIO(out))
print(json.dumps({{"sha256": hashlib.sha256(out).hexdigest(), "read_s": t1 - t0, "synth_s": t2 - t1, "synth_cpu_s": c2 - c1, "rows": ds.n_rows,
                  "in_real_authority": in_real_authority(real, s),
                  "notes": sorted({{n["code"] for n in res.notes}}),
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""


def run_cpython(engine: Path, seed: int) -> dict:
    code = CPYTHON.format(engine=str(engine), root=str(ROOT), table=str(TABLE), seed=seed)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/tmp")
    if p.returncode:
        return {"error": p.stderr[-2000:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_pyodide(engine: Path, seed: int) -> dict:
    p = subprocess.run(["node", str(ROOT / "benchmarks" / "manylevel_bench.mjs"), str(ROOT / "dist" / "site" / "pyodide"),
                        str(engine), str(TABLE), str(seed)], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        return {"error": (p.stderr or p.stdout)[-2000:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def git_head(path: Path) -> str:
    p = subprocess.run(["git", "-C", str(path), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    return p.stdout.strip()[:90]


def write(runs: list[dict], command: str, names: tuple[str, str] = ("main", "branch")) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"date": dt.datetime.now().isoformat(timespec="seconds"), "command": command}
    (RESULTS / "manylevel.json").write_text(json.dumps({**meta, "runs": runs}, indent=1) + "\n")
    first, second = names
    lines = [f"# Many-level categorical predictors: {first} vs {second}\n",
             f"Command: `{command}` on {meta['date']} (after `python build_wheel.py`).  ",
             "Table: 31,000 pupils in 2,400 schools in 131 authorities (benchmarks/schools.py, seed 2026); "
             "CART with defaults, seed 1. Machine: 2 cores shared with up to 8 engineers (load average "
             "often above 10), so wall seconds are noisy; CPU seconds of the synthesis process are the "
             "fairer figure.\n",
             "| engine | target | fit+sample s (wall) | fit+sample s (CPU) | memory MB | in real authority | "
             "synthetic CSV sha256 |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in runs:
        if "error" in r:
            lines.append(f"| {r['engine']} | {r['target']} | error: {r['error'][-120:]!r} | | | | |")
            continue
        mem = r.get("peak_rss_bytes") or r.get("wasm_memory_bytes")
        lines.append(f"| {r['engine']} | {r['target']} | {r['synth_s']:.1f} | {r['synth_cpu_s']:.1f} | "
                     f"{mem / 2**20:,.0f} | {100 * r['in_real_authority']:.1f}% | {r.get('sha256', '')[:16]} |")
    by = {(r["engine"], r["target"]): r for r in runs if "error" not in r}
    lines.append("")
    for target in ("cpython", "pyodide"):
        m, b = by.get((first, target)), by.get((second, target))
        if m and b:
            mem_m = m.get("peak_rss_bytes") or m.get("wasm_memory_bytes")
            mem_b = b.get("peak_rss_bytes") or b.get("wasm_memory_bytes")
            lines.append(f"- {target}: {second} / {first} = {b['synth_s'] / m['synth_s']:.2f}x wall, "
                         f"{b['synth_cpu_s'] / m['synth_cpu_s']:.2f}x CPU, {mem_b / mem_m:.2f}x memory.")
    lines.append("")
    lines.append("Engines: " + "; ".join(f"{r['engine']} = {r['engine_path']} ({r['commit']})"
                                         for r in runs if r["target"] == "cpython"))
    path = RESULTS / "manylevel.md"
    old = path.read_text() if path.exists() else ""
    kept = old[old.index("\n## "):] if "\n## " in old else ""  # the hand-written sections stay
    path.write_text("\n".join(lines) + "\n" + kept)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--main", default="/work/main", help="folder of today's main (its py_engine/ is run)")
    ap.add_argument("--targets", default="cpython,pyodide")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--names", default="main,branch",
                    help="what to call the two engines in the results (e.g. baseline,main)")
    args = ap.parse_args(argv)
    command = "python benchmarks/manylevel.py " + " ".join(argv if argv is not None else sys.argv[1:])
    WORK.mkdir(parents=True, exist_ok=True)
    make_schools().to_csv(TABLE, index=False)
    first, second = args.names.split(",")
    engines = {first: Path(args.main).resolve(), second: ROOT}
    runs = []
    for target in args.targets.split(","):
        for name, path in engines.items():
            r = (run_cpython if target == "cpython" else run_pyodide)(path, args.seed)
            r.update({"engine": name, "target": target, "engine_path": str(path), "commit": git_head(path)})
            print(json.dumps(r), flush=True)
            runs.append(r)
            write(runs, command, (first, second))
    return 0


if __name__ == "__main__":
    sys.exit(main())
