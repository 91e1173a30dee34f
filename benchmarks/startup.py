#!/usr/bin/env python3
"""Start-up time of the page: from opening it to "ready", in headless Chromium (Debian's chromium).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--modes served,installed,file]

Opens the page several times for each way of opening it (build first: python build_wheel.py):
- served: dist/site from serve.py, service worker blocked (files from the server and the HTTP cache);
- installed: the same with the service worker (sw.js): warm visits are answered from its cache;
- file: dist/portable/index.html opened from disk (file://), no server.
cold is a fresh browser context each run (empty caches, as on a first visit); warm is the same
context, page opened again once the first visit has stored its warm-start cache (and for
"installed", once the service worker has stored the app).
The worker reports its phases: verify (sha256 of the runtime core), runtime (loadPyodide), packages
(loadPackage of numpy, pandas, scipy, scikit-learn and the engine wheel), imports (import of the
engine's browser module, which imports pandas). page_ready is the time from navigation to ready.
Medians go to benchmarks/results/startup.json and startup.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_ARGS, Server, chromium_path  # noqa: E402

PHASES = ["verify", "runtime", "packages", "imports", "total", "page_ready"]

# Where the warm start went and what was cut (issue 11), kept with the figures it explains.
NOTES = [
    "## Where the start goes, and what a second visit keeps",
    "",
    "Before issue 11 a second visit took as long as the first (served 95%, installed 112%, file 98% of the "
    "cold page_ready; Chromium caches the runtime's wasm code, but that was 0.15-0.5 s). The rest was "
    "Python's own start (3-5 s on this machine: the interpreter's bootstrap, compiling the standard "
    "library from python312.zip), unpacking the wheels (about 0.5 s for numpy and pandas), compiling "
    "every module from source on import (Pyodide's wheels carry no bytecode; about 2 s for pandas, "
    "numpy and the engine) and loading scipy and scikit-learn, which reading a table does not need. "
    "Changes: scipy and scikit-learn load after page_ready (web/js/worker.js LATER_PACKAGES); a memory "
    "snapshot of the started interpreter (Pyodide's makeMemorySnapshot, taken before any package: it "
    "cannot hold shared libraries); the unpacked files of numpy, pandas and the engine with "
    "hash-based bytecode (PEP 552) of what the start imports, and the standard library's bytecode "
    "(py_engine/warm.py); in the portable folder, the checked runtime core (instead of decoding its "
    "payload scripts again); pandas' import no longer reads all of dateutil's zones (warm.utc_zone, cold "
    "and warm). What is left of a warm start is mostly running pandas' and numpy's module code, which "
    "no cache can skip: a snapshot after importing them would have to hold their shared libraries.",
]


def measure(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=300_000)
    t = page.evaluate("window.localsynth.state.timings")
    return {**{k: round(t[k] / 1000, 2) for k in PHASES}, "warm": t.get("warm")}


def wait_warm_stored(page) -> None:
    """The first visit stores the warm-start cache after page-ready (once scipy and scikit-learn are in)."""
    page.wait_for_function("() => Array.isArray(window.localsynth.state.warmStored)", timeout=300_000)


def wait_installed(page) -> None:
    page.wait_for_function("() => document.querySelector('#offline-status').textContent !== '' && "
                           "navigator.serviceWorker.controller !== null", timeout=300_000)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--modes", default="served,installed,file")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    site = ROOT / "dist" / "site"
    portable_url = (ROOT / "dist" / "portable" / "index.html").as_uri()
    modes = args.modes.split(",")
    srv = Server(site)
    results = {f"{m} {kind}": [] for m in modes for kind in ("cold", "warm")}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            version = browser.version
            for i in range(args.runs):
                for mode in modes:
                    url = portable_url if mode == "file" else srv.url
                    ctx = browser.new_context(service_workers="allow" if mode == "installed" else "block")
                    page = ctx.new_page()
                    results[f"{mode} cold"].append(measure(page, url))
                    wait_warm_stored(page)
                    if mode == "installed":
                        wait_installed(page)
                    page.close()
                    page = ctx.new_page()
                    results[f"{mode} warm"].append(measure(page, url))
                    ctx.close()
                    print(f"run {i + 1} {mode}: cold {results[f'{mode} cold'][-1]['page_ready']} s, "
                          f"warm {results[f'{mode} warm'][-1]['page_ready']} s", flush=True)
            browser.close()
    finally:
        srv.stop()
    medians = {kind: {k: statistics.median(r[k] for r in runs) for k in PHASES} for kind, runs in results.items()}
    out = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {subprocess.getoutput('nproc')} cores, {platform.system()}",
        "browser": f"Chromium {version} (headless)",
        "runs": args.runs,
        "median_seconds": medians,
        "all_runs": results,
        "command": f"python benchmarks/startup.py --runs {args.runs} --modes {args.modes}",
    }
    res = ROOT / "benchmarks" / "results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "startup.json").write_text(json.dumps(out, indent=1) + "\n")
    lines = [
        "# Start-up: page open to ready",
        "",
        f"{out['date']}; {out['machine']}; {out['browser']}; median of {args.runs} runs; "
        f"`{out['command']}`.",
        "",
        "| phase (s) | " + " | ".join(PHASES) + " |",
        "|---|" + "---:|" * len(PHASES),
    ]
    for kind in results:
        lines.append(f"| {kind} | " + " | ".join(f"{medians[kind][k]:.2f}" for k in PHASES) + " |")
    lines += ["", "| warm / cold page_ready | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes),
              "| ratio | " + " | ".join(f"{medians[m + ' warm']['page_ready'] / medians[m + ' cold']['page_ready']:.0%}"
                                       for m in modes) + " |"]
    lines += ["", "served: dist/site from serve.py, no service worker; installed: with the service worker "
              "(warm: answered from its cache); file: dist/portable opened from disk.",
              "cold: fresh browser context (empty caches); warm: same context, page opened again once the "
              "first visit has stored its warm-start cache.",
              "Phases are measured in the worker from its start; page_ready from navigation start. "
              "verify: sha256 of the runtime core against manifest.json (and, warm, reading the IndexedDB "
              "cache meanwhile); runtime: loadPyodide (warm: restored from the memory snapshot); "
              "packages: numpy, pandas and the engine (cold: loadPackage, which fetches, checks and unpacks "
              "the wheels; warm: the cached files written and their shared libraries loaded); imports: the "
              "engine's browser module, which imports pandas (warm: from cached bytecode). scipy and "
              "scikit-learn load after page_ready.",
              "", *NOTES, ""]
    (res / "startup.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
