#!/usr/bin/env python3
"""Speed and memory of synthesis: fit+sample seconds and peak memory, on CPython and in Pyodide.

    .venv/bin/python benchmarks/speed.py                      # Adult and a 1,000,000-row table, all targets
    .venv/bin/python benchmarks/speed.py --tables adult --methods cart --targets cpython

Tables: Adult (48,842 x 15, tests/data/real/adult.csv) and adult_1m, 1,000,000 rows generated from Adult
(rows drawn with replacement; fnlwgt multiplied by a random factor in [0.9, 1.1] and rounded, age and
hours_per_week moved by -1, 0 or +1 within their range, so rows are not all copies), written to
benchmarks/work/ (not in git).

Targets:
- cpython: each case in a fresh `python` process; peak memory = the process's maximum resident set size.
- pyodide: Pyodide 0.27.7 under Node 20 from the built site's own runtime (dist/site; built first with
  build_wheel.py), via benchmarks/pyodide_bench.mjs; memory = the WebAssembly memory after the run (it
  only grows, so it is the peak; wasm32 allows at most 4 GiB).
Times are fit+sample (`syn`) after reading; reading+schema detection is reported separately.
Results go to benchmarks/results/speed.json and speed.md with the machine, date and command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results"
ADULT = ROOT / "tests" / "data" / "real" / "adult.csv"


def table_path(name: str) -> Path:
    if name == "adult":
        return ADULT
    if name == "adult_1m":
        path = WORK / "adult_1m.csv"
        if not path.exists():
            make_adult_1m(path)
        return path
    raise SystemExit(f"unknown table {name}")


def make_adult_1m(path: Path, n: int = 1_000_000) -> None:
    df = pd.read_csv(ADULT, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(2024)
    big = df.iloc[rng.integers(0, len(df), n)].reset_index(drop=True)
    w = pd.to_numeric(big["fnlwgt"])
    big["fnlwgt"] = np.round(w * rng.uniform(0.9, 1.1, n)).astype(np.int64).astype(str)
    for col in ("age", "hours_per_week"):
        v = pd.to_numeric(big[col])
        lo, hi = v.min(), v.max()
        big[col] = np.clip(v + rng.integers(-1, 2, n), lo, hi).astype(np.int64).astype(str)
    WORK.mkdir(parents=True, exist_ok=True)
    big.to_csv(path, index=False)


def run_cpython(table: Path, method: str, seed: int) -> dict:
    code = f"""
import json, resource, time, sys
sys.path.insert(0, {str(ROOT)!r})
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.dataset import from_raw
from py_engine.synthesis import syn
t0 = time.perf_counter()
data = open({str(table)!r}, "rb").read()
raw = read_table(data)
del data
ds = from_raw(raw, infer_schema(raw))
del raw
t1 = time.perf_counter()
res = syn(ds, {{"method": {method!r}, "seed": {seed}}})
t2 = time.perf_counter()
print(json.dumps({{"read_s": t1 - t0, "synth_s": t2 - t1, "rows": ds.n_rows, "cols": len(ds.columns),
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        return {"error": p.stderr[-2000:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_pyodide(table: Path, method: str, seed: int) -> dict:
    p = subprocess.run(["node", str(ROOT / "benchmarks" / "pyodide_bench.mjs"), str(ROOT / "dist" / "site"),
                        str(table), method, str(seed)], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        return {"error": (p.stderr or p.stdout)[-2000:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except OSError:
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "python": platform.python_version(), "node": node, "note": "2 cores shared with other developers: noisy"}


def write(results: list[dict], command: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"date": dt.datetime.now().isoformat(timespec="seconds"), "command": command, "machine": machine()}
    path = RESULTS / "speed.json"
    old = json.loads(path.read_text()) if path.exists() else {"runs": []}
    keep = [r for r in old.get("runs", []) if not any(
        (r["table"], r["method"], r["target"]) == (n["table"], n["method"], n["target"]) for n in results)]
    runs = keep + results
    path.write_text(json.dumps({**meta, "runs": runs}, indent=1) + "\n")
    lines = ["# Speed and memory of synthesis\n",
             "Each row keeps the date of the run that made it; its command is in speed.json. The last command "
             f"was `{command}` on {meta['date']}.  ",
             f"Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores (shared, noisy), "
             f"{meta['machine']['memory']} RAM; Python {meta['machine']['python']}, Node {meta['machine']['node']}  ",
             "Pyodide: 0.27.7 under Node 20 from dist/site (the same runtime files the page serves).\n",
             "Times: fit+sample (`syn`), seconds; reading+schema separately. Memory: CPython peak RSS of the whole "
             "process; Pyodide the WebAssembly memory after the run (= its peak; the wasm32 limit is 4 GiB).\n",
             "| table | rows | method | target | read+schema s | fit+sample s | peak memory MB | date |",
             "|---|---:|---|---|---:|---:|---:|---|"]
    for r in sorted(runs, key=lambda r: (r["table"], r["method"], r["target"])):
        if "error" in r:
            lines.append(f"| {r['table']} | | {r['method']} | {r['target']} | | error: {r['error'][-120:]!r} | |")
            continue
        mem = r.get("peak_rss_bytes") or r.get("wasm_memory_bytes")
        lines.append(f"| {r['table']} | {r['rows']:,} | {r['method']} | {r['target']} | {r['read_s']:.1f} | "
                     f"{r['synth_s']:.1f} | {mem / 2**20:,.0f} | {r.get('date', '')} |")
    (RESULTS / "speed.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tables", default="adult,adult_1m")
    ap.add_argument("--methods", default="cart,gc,marginal")
    ap.add_argument("--targets", default="cpython,pyodide")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    command = "python benchmarks/speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if "pyodide" in args.targets:
        subprocess.run([sys.executable, str(ROOT / "build_wheel.py")], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    results = []
    for tname in args.tables.split(","):
        table = table_path(tname)
        for method in args.methods.split(","):
            for target in args.targets.split(","):
                r = (run_cpython if target == "cpython" else run_pyodide)(table, method, args.seed)
                r.update({"table": tname, "method": method, "target": target, "seed": args.seed, "command": command,
                          "date": dt.datetime.now().isoformat(timespec="seconds")})
                print(json.dumps(r), flush=True)
                results.append(r)
                write(results, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
