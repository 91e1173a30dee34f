"""The evaluation in the real page's worker (Pyodide in headless Chromium) gives the same report figures
as on CPython, for the same file, settings and seed."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import REAL

from py_engine.evaluation.runner import METRICS

EVALUATE_IN_PAGE = """async ([text, name, settings, options]) => {
  const eng = window.localsynth.engine;
  const file = new File([text], name, { type: "text/csv" });
  await eng.inspect(file, { lang: "en" });
  await eng.synthesise(settings);
  const steps = [];
  const t0 = performance.now();
  const report = await eng.evaluate(options, (p) => steps.push(p.key));
  return { report, steps, ms: performance.now() - t0 };
}"""

FIGURES = [("utility", "logit", "s_pmse"), ("utility", "logit_interactions", "s_pmse"),
           ("utility", "logit_interactions", "k"), ("utility", "cart", "pmse"), ("pairs", "two_way", "mean"),
           ("disclosure", "copies", "share"), ("disclosure", "copies", "natural"),
           ("disclosure", "membership", "auc"), ("disclosure", "inference", "risk"),
           ("disclosure", "disco", "train"), ("analysis", "ml", "ratio"), ("analysis", "ci_overlap", "mean_overlap"),
           ("disclosure", "dcr", "ratio")]


def _cpython_report(data: bytes, name: str, settings: dict, options: dict) -> dict:
    from py_engine import browser

    browser.clear()
    assert "ok" in json.loads(browser.inspect(data, name, "{}"))
    assert "ok" in json.loads(asyncio.run(browser.synthesise(json.dumps(settings))))
    out = json.loads(asyncio.run(browser.evaluate(json.dumps(options))))
    browser.clear()
    return out["ok"]


def test_evaluation_in_the_page_matches_cpython(ready_page):
    page = ready_page
    page.set_default_timeout(400_000)
    data = (REAL / "wage.csv").read_bytes()
    settings = {"method": "cart", "seed": 5, "holdout": 0.2}
    options = {"target": "jobclass", "quasi_identifiers": ["age", "maritl", "race"], "sensitive": "health"}
    res = page.evaluate(EVALUATE_IN_PAGE, [data.decode("utf-8"), "wage.csv", settings, options])
    in_page = res["report"]
    assert len(res["steps"]) == len(METRICS) and res["steps"][0] == "metrics.progress.columns"
    assert in_page["context"]["platform"] == "pyodide" and [m for m in in_page["not_computed"] if m["reason"] != "no_structure_engine"] == []
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        on_cpython = pool.submit(_cpython_report, data, "wage.csv", settings, options).result()
    for section, key, field in FIGURES:
        a, b = in_page[section][key][field], on_cpython[section][key][field]
        if isinstance(a, dict):
            a, b = a["disco"], b["disco"]
        assert a == pytest.approx(b, rel=1e-6, abs=1e-9), (section, key, field)
    assert [v["level"] for v in in_page["summary"]] == [v["level"] for v in on_cpython["summary"]]
    print(f"evaluation of wage.csv in the page: {res['ms'] / 1000:.1f} s")
