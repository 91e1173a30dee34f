#!/usr/bin/env python3
"""The whole evaluation plus the PDF report on Adult, in the browser and on CPython (issue 5: aim < 60 s).

    .venv/bin/python build_wheel.py && .venv/bin/python benchmarks/report.py [--targets browser,cpython]

Protocol: Adult (tests/data/real/adult.csv, 48,842 rows); the page's defaults: CART, holdout 20% (at most
10,000 rows: 9,768 held out, 39,074 fitted), as many synthetic rows as fitted rows, seed 1.
- browser: Debian's headless Chromium through Playwright, the real built page (dist/site served by its
  serve.py) and its worker: the file is dropped on the page, synthesised with the default settings, then
  `evaluate` and `export pdf` are sent through the page's own Engine (window.localsynth.engine), timed
  with performance.now() in the page. The PDF figure includes loading matplotlib and reportlab (they
  are loaded on the first PDF only) and is split into that load and the PDF itself from the progress
  messages. Per-metric seconds inside Pyodide come from report["timings"].
- cpython: the same split, synthesis, evaluation and PDF in this Python (one thread per metric, as
  the evaluation sets it).
Writes benchmarks/results/report_adult.json (and prints a summary). Timings on a shared 2-core
machine are noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADULT = ROOT / "tests" / "data" / "real" / "adult.csv"
SITE = ROOT / "dist" / "site"
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def cpython(seed: int = 1) -> dict:
    from py_engine.cli import report_context
    from py_engine.evaluation import evaluate
    from py_engine.evaluation.baselines import load_csv
    from py_engine.holdout import split
    from py_engine.report import pdf_bytes
    from py_engine.synthesis import syn

    t0 = time.perf_counter()
    data = load_csv(ADULT.read_bytes(), "adult.csv")
    train, hold, _ = split(data, 0.2, seed=seed)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = syn(train, {"method": "cart", "seed": seed})
    t_syn = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = evaluate(train, res.synthetic, hold, {}, context=report_context("adult.csv", res, hold))
    t_eval = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = pdf_bytes(report, "en")
    t_pdf = time.perf_counter() - t0
    return {"platform": f"CPython {platform.python_version()}", "n_train": train.n_rows, "n_holdout": hold.n_rows,
            "n_synthetic": res.synthetic.n_rows, "seconds": {"read": t_load, "synthesise": t_syn, "evaluate": t_eval,
                                                             "pdf": t_pdf, "evaluate_plus_pdf": t_eval + t_pdf},
            "metrics": report["timings"], "pdf_bytes": len(pdf), "verdicts": {v["aspect"]: v["level"] for v in report["summary"]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser(seed: int = 1) -> dict:
    from playwright.sync_api import sync_playwright

    if not (SITE / "index.html").exists():
        sys.exit("build the site first: .venv/bin/python build_wheel.py")
    port = free_port()
    server = subprocess.Popen([sys.executable, str(SITE / "serve.py"), "--no-browser", "--no-build", "--port", str(port)],
                              cwd=SITE, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        chromium = os.environ.get("LOCALSYNTH_CHROMIUM", "/usr/bin/chromium")
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            page = b.new_page()
            page.set_default_timeout(900_000)
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?lang=en")
            page.wait_for_function("() => document.body.dataset.ready === 'true'")
            t_ready = time.perf_counter() - t0
            handle = page.evaluate_handle(
                """([b64, name]) => {
                    const bin = atob(b64);
                    const bytes = new Uint8Array(bin.length);
                    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                    const dt = new DataTransfer();
                    dt.items.add(new File([bytes], name, { type: "text/csv" }));
                    return dt;
                }""", [base64.b64encode(ADULT.read_bytes()).decode(), "adult.csv"])
            page.dispatch_event("#drop", "drop", {"dataTransfer": handle})
            page.wait_for_function("() => window.localsynth.state.summary && window.localsynth.state.busy === null")
            page.click("#to-settings")
            page.fill("#seed", str(seed))
            page.dispatch_event("#seed", "change")
            t0 = time.perf_counter()
            page.click("#generate")
            page.wait_for_function("() => window.localsynth.state.step === 'result' && !window.localsynth.state.run")
            t_syn = time.perf_counter() - t0
            result = page.evaluate("() => window.localsynth.state.result")
            out = page.evaluate(
                """async () => {
                    const engine = window.localsynth.engine;
                    const log = [];
                    const t0 = performance.now();
                    const report = await engine.evaluate({ lang: "en" }, (p) => log.push([performance.now() - t0, p.key]));
                    const t1 = performance.now();
                    const plog = [];
                    const file = await engine.export("pdf", "en", (p) => plog.push([performance.now() - t1, p.key]));
                    const t2 = performance.now();
                    return { evaluate: (t1 - t0) / 1000, pdf: (t2 - t1) / 1000, pdf_bytes: file.bytes.byteLength,
                             pdf_log: plog, timings: report.timings, context: report.context,
                             verdicts: Object.fromEntries(report.summary.map((v) => [v.aspect, v.level])) };
                }""")
            b.close()
    finally:
        server.terminate()
        server.wait(10)
    log = out.pop("pdf_log")
    # packages: from the request to the first progress message of the PDF itself (report.progress.prepare)
    first = next((ms for ms, key in log if key == "report.progress.prepare"), 0.0) / 1000
    return {"platform": f"Chromium (Pyodide {out['context'].get('pyodide')}, Python {out['context'].get('python')})",
            "n_train": result["train_rows"], "n_holdout": result["holdout_rows"], "n_synthetic": result["n_rows"],
            "seconds": {"page_ready": t_ready, "synthesise": t_syn, "evaluate": out["evaluate"], "pdf": out["pdf"],
                        "pdf_packages": first, "pdf_build": out["pdf"] - first,
                        "evaluate_plus_pdf": out["evaluate"] + out["pdf"]},
            "metrics": out["timings"], "pdf_bytes": out["pdf_bytes"], "pdf_progress": log, "verdicts": out["verdicts"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", default="browser,cpython")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    runs = {}
    for target in targets:
        print(f"{target} ...", flush=True)
        runs[target] = {"browser": browser, "cpython": cpython}[target](args.seed)
        s = runs[target]["seconds"]
        print(f"  {runs[target]['platform']}: evaluation {s['evaluate']:.1f} s + PDF {s['pdf']:.1f} s "
              f"= {s['evaluate_plus_pdf']:.1f} s", flush=True)
        slow = sorted(((k, v) for k, v in runs[target]["metrics"].items() if k != "total"), key=lambda kv: -kv[1])[:5]
        print("  slowest metrics: " + ", ".join(f"{k} {v:.1f} s" for k, v in slow), flush=True)
    out = {"table": "adult", "command": "benchmarks/report.py --targets " + ",".join(targets),
           "date": dt.datetime.now().isoformat(timespec="seconds"), "machine": f"{os.cpu_count()} cores, {platform.machine()}",
           "target_seconds": 60, "runs": runs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "report_adult.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
