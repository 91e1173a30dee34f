#!/usr/bin/env python3
"""Time of the settings search (issue 13) on Adult in the real page (headless Chromium, the page's
worker, as a user runs it):

    .venv/bin/python build_wheel.py
    flock /tmp/browser.lock .venv/bin/python benchmarks/optimise_browser.py

The built site (dist/site) served by its serve.py; page-ready, then inspect tests/data/real/adult.csv
and one synthesise request {method cart, seed 1, holdout 0.2, optimise: {budget: the default,
criterion: utility}}, timed in the page: seconds until the first progress of the final synthesis
after the search's steps (the search) and until the result. Writes benchmarks/results/optimise_browser.json.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser_page import ready_page  # noqa: E402
from py_engine.optimise import DEFAULT_BUDGET  # noqa: E402

IN_PAGE = """async ([text, name, budget]) => {
  const eng = window.localsynth.engine;
  const file = new File([text], name, { type: "text/csv" });
  await eng.inspect(file, { lang: "en" });
  const t0 = performance.now();
  let search = null, seen = false;  // the search ends at the first other stage after an "optimise" step
  const out = await eng.synthesise({ method: "cart", seed: 1, holdout: 0.2, lang: "en",
                                     optimise: { budget, criterion: "utility" } },
    (p) => {
      if (p.stage === "optimise") seen = true;
      else if (seen && search === null && p.stage) search = performance.now() - t0;
    });
  const total = performance.now() - t0;
  const o = out.optimisation;
  return { search_s: search === null ? null : search / 1000, total_s: total / 1000, spent: o.spent,
           chosen: o.chosen, reason: o.reason, rounds: o.rounds, n_rows: out.n_rows, dp: o.dp };
}"""


def main() -> int:
    text = (ROOT / "tests/data/real/adult.csv").read_text()
    with ready_page(ROOT / "dist" / "site", 900_000) as (page, ready):
        res = page.evaluate(IN_PAGE, [text, "adult.csv", DEFAULT_BUDGET])
    out = {"date": dt.datetime.now().isoformat(timespec="seconds"),
           "command": "python benchmarks/optimise_browser.py", "page_ready_s": ready, "budget": DEFAULT_BUDGET, **res}
    print(json.dumps(out), flush=True)
    (ROOT / "benchmarks" / "results" / "optimise_browser.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
