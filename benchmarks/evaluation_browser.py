"""Time the evaluation on Adult in the real page (headless Chromium, the page's worker), after the
engine's CART synthesis with a 20% holdout -- as a user would run it.

    .venv/bin/python build_wheel.py && .venv/bin/python benchmarks/evaluation_browser.py [--table adult]

Writes benchmarks/results/evaluation_<table>_cart_browser.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "dist" / "site"
sys.path.insert(0, str(ROOT))

from benchmarks.browser_page import ready_page  # noqa: E402

IN_PAGE = """async ([text, name, settings]) => {
  const eng = window.localsynth.engine;
  const file = new File([text], name, { type: "text/csv" });
  await eng.inspect(file, { lang: "en" });
  let t0 = performance.now();
  await eng.synthesise(settings);
  const synth = performance.now() - t0;
  t0 = performance.now();
  const report = await eng.evaluate({});
  return { synth, evaluate: performance.now() - t0, timings: report.timings, summary: report.summary };
}"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", default="adult")
    args = ap.parse_args()
    text = (ROOT / "tests" / "data" / "real" / f"{args.table}.csv").read_text(encoding="utf-8")
    with ready_page(SITE) as (page, load):
        res = page.evaluate(IN_PAGE, [text, f"{args.table}.csv", {"method": "cart", "seed": 1, "holdout": 0.2}])
    out = {"table": args.table, "platform": "chromium", "seconds": {"page_ready": load, "synthesise": res["synth"] / 1000,
           "evaluate": res["evaluate"] / 1000, **res["timings"]},
           "verdicts": {v["aspect"]: v["level"] for v in res["summary"]}}
    for k, v in out["seconds"].items():
        print(f"{k:>20} {v:8.2f} s")
    print(out["verdicts"])
    path = ROOT / "benchmarks" / "results" / f"evaluation_{args.table}_cart_browser.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
