#!/usr/bin/env python3
"""The 31,000-pupil table of benchmarks/manylevel.py synthesised in the real page (headless Chromium,
the page's worker, as a user runs it): seconds of the engine's synthesise request, for one or more
built sites (e.g. this tree's and a baseline commit's).

    .venv/bin/python build_wheel.py
    .venv/bin/python benchmarks/manylevel_browser.py --sites main=dist/site,baseline=/tmp/base/dist/site

Each site is served by its own serve.py on a free port; per site a fresh browser, page-ready, then
inspect (read and schema) and synthesise (CART with defaults, seed 1, no holdout), timed in the page.
`--runs N` repeats the synthesise request N times in the same page (the first includes loading scipy
and scikit-learn where a site loads them lazily). Writes benchmarks/results/manylevel_browser.json and
prints a table; the Node figures (memory, CPU seconds) are in manylevel.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser_page import ready_page  # noqa: E402
from benchmarks.schools import make_schools  # noqa: E402

IN_PAGE = """async ([text, name, runs]) => {
  const eng = window.localsynth.engine;
  const file = new File([text], name, { type: "text/csv" });
  let t0 = performance.now();
  await eng.inspect(file, { lang: "en" });
  const inspect = performance.now() - t0;
  const synth = [];
  let out = null;
  for (let i = 0; i < runs; i++) {
    t0 = performance.now();
    out = await eng.synthesise({ method: "cart", seed: 1 });
    synth.push(performance.now() - t0);
  }
  const groups = ((out.structure || {}).groups || []).map((g) => g.key);
  return { inspect, synth, rows: out.n_rows, engine_s: out.seconds, groups };
}"""


def run_site(site: Path, text: str, runs: int) -> dict:
    with ready_page(site, 900_000) as (page, ready):
        res = page.evaluate(IN_PAGE, [text, "schools_31k.csv", runs])
    return {"page_ready_s": ready, "inspect_s": res["inspect"] / 1000,
            "synthesise_s": [x / 1000 for x in res["synth"]], "rows": res["rows"], "engine_s": res["engine_s"],
            "group_keys": res["groups"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", default="main=dist/site", help="name=folder,... of built sites")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    text = make_schools().to_csv(index=False)
    out = {"date": dt.datetime.now().isoformat(timespec="seconds"),
           "command": "python benchmarks/manylevel_browser.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "sites": {}}
    for item in args.sites.split(","):
        name, folder = item.split("=", 1)
        site = (ROOT / folder).resolve() if not Path(folder).is_absolute() else Path(folder)
        r = run_site(site, text, args.runs)
        out["sites"][name] = {"folder": str(site), **r}
        print(name, json.dumps(r), flush=True)
    (ROOT / "benchmarks" / "results" / "manylevel_browser.json").write_text(json.dumps(out, indent=1) + "\n")
    print("| site | page ready s | inspect s | synthesise s (runs) | rows | group keys |")
    print("|---|---:|---:|---|---:|---|")
    for name, r in out["sites"].items():
        print(f"| {name} | {r['page_ready_s']:.1f} | {r['inspect_s']:.1f} | "
              + ", ".join(f"{x:.1f}" for x in r["synthesise_s"]) + f" | {r['rows']} | {', '.join(r['group_keys']) or '-'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
