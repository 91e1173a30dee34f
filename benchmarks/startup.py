#!/usr/bin/env python3
"""Start-up time of the page: from opening it to "ready", in headless Chromium (Debian's chromium).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--modes served,installed,file]

Opens the page several times for each way of opening it (build first: python build_wheel.py):
- served: dist/site from serve.py, service worker blocked (files from the server and the HTTP cache);
- installed: the same with the service worker (sw.js): warm visits are answered from its cache;
- file: dist/portable/index.html opened from disk (file://), no server.
cold is a fresh browser context each run (empty caches, as on a first visit); warm is the same
context, page opened again (for "installed": once the service worker has stored the app).
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


def measure(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=300_000)
    t = page.evaluate("window.localsynth.state.timings")
    return {k: round(t[k] / 1000, 2) for k in PHASES}


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
              "cold: fresh browser context (empty cache); warm: same context, page opened again.",
              "Phases are measured in the worker from its start; page_ready from navigation start.", ""]
    (res / "startup.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
