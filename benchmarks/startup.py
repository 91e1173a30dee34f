#!/usr/bin/env python3
"""Start-up time of the page: from opening it to "ready", in headless Chromium (Debian's chromium).

    .venv/bin/python benchmarks/startup.py [--runs 5]

Serves dist/site (build it first: python build_wheel.py) and opens the page several times:
- cold: a fresh browser context each run (empty HTTP cache, as on a first visit);
- warm: the same context, page reloaded (files come from the browser cache).
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    site = ROOT / "dist" / "site"
    srv = Server(site)
    results = {"cold": [], "warm": []}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            version = browser.version
            for i in range(args.runs):
                ctx = browser.new_context()
                page = ctx.new_page()
                results["cold"].append(measure(page, srv.url))
                page.close()
                page = ctx.new_page()
                results["warm"].append(measure(page, srv.url))
                ctx.close()
                print(f"run {i + 1}: cold {results['cold'][-1]['page_ready']} s, "
                      f"warm {results['warm'][-1]['page_ready']} s", flush=True)
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
        "command": f"python benchmarks/startup.py --runs {args.runs}",
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
    for kind in ("cold", "warm"):
        lines.append(f"| {kind} | " + " | ".join(f"{medians[kind][k]:.2f}" for k in PHASES) + " |")
    lines += ["", "cold: fresh browser context (empty cache); warm: same context, page opened again.",
              "Phases are measured in the worker from its start; page_ready from navigation start.", ""]
    (res / "startup.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
