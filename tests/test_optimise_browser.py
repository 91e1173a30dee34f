"""Settings tuned per table in the page (issue 13), in real Pyodide: "Optimise settings and generate"
on a small table gives the same choice, front and work spent as CPython for the same seed and budget;
the chosen settings and the utility-risk front are shown and applied to the Settings step; in Dutch
too; Cancel mid-search leaves the page usable with the data and settings kept, and "Stop the search"
keeps the best candidate so far."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from conftest import wait_ready
from uihelp import discard, drop_file, settle, shot, text, wait_step

BUDGET = 500_000  # the search (210k units planned) and the DP points' reserve (243k): optimisation.dp is computed


def _csv(n: int = 700, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(a == "x", rng.normal(10, 2, n), rng.normal(20, 3, n)).round(1)
    c = np.where(b > 15, rng.choice(["p", "q"], n, p=[0.8, 0.2]), rng.choice(["p", "q"], n, p=[0.2, 0.8]))
    d = (b * 2 + rng.normal(0, 1, n)).round(0).astype(int)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d}).to_csv(index=False).encode()


def _cpython(csv: bytes, request: dict) -> dict:
    """The worker's own entry points, run on CPython with the page's request."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from py_engine import browser

    json.loads(browser.inspect(csv, "small.csv", json.dumps({"lang": "en"})))
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        out = pool.submit(asyncio.run, browser.synthesise(json.dumps({**request, "lang": "en"}))).result()
    return json.loads(out)["ok"]


def _optimise(page, budget: int) -> None:
    page.fill("#optimise-budget", str(budget))
    had_result = page.evaluate("() => !!window.localsynth.state.result")
    page.click("#optimise")
    if had_result:
        discard(page)


def test_optimise_in_the_page_matches_cpython_and_cancel_keeps_everything(new_page):
    page = new_page(lang="en")
    wait_ready(page)
    csv = _csv()
    drop_file(page, data=csv, name="small.csv")
    settle(page)
    page.click("#to-settings")
    page.fill("#seed", "7")
    assert page.text_content("#h-optimise") == text("en", "optimise.title")
    _optimise(page, BUDGET)
    page.wait_for_function("() => { const r = window.localsynth.state.run; return r && r.progress && "
                           "r.progress.stage === 'optimise'; }")
    assert page.is_visible("#stop-search")
    wait_step(page, "result", timeout_s=120)
    res = page.evaluate("() => window.localsynth.state.result")
    o = res["optimisation"]
    assert res["request"]["optimise"] == {"budget": BUDGET, "criterion": "utility"}
    assert o["chosen"] and o["spent"] <= BUDGET

    # the same choice on CPython, from the same request
    cpy = _cpython(csv, res["request"])
    py = cpy["optimisation"]
    for k in ("chosen", "front", "compared", "spent", "settings", "reason", "within_limits", "dp"):
        assert o[k] == py[k], k
    assert res["preview"] == cpy["preview"]

    # shown: the choice and the front (one point per candidate compared), the defaults and the choice marked
    assert page.is_visible("#result-optimise")
    assert page.get_attribute("#optimise-chosen", "data-chosen") == o["chosen"]
    assert page.text_content("#h-result-optimise") == text("en", "optimise.result_title")
    assert page.text_content("#optimise-why") == text("en", f"optimise.reason.{o['reason']}")
    assert page.locator("#front-plot circle[data-id]").count() == len(o["compared"])
    assert page.locator("#front-plot .front-chosen").count() == 1
    assert page.locator("#front-plot .front-default").count() == (1 if "default" in o["compared"] else 0)
    # the DP runs scored after the choice: a triangle each, a legend entry, a sentence
    assert [p["epsilon"] for p in o["dp"]["points"]] == [1.0, 10.0]
    assert page.locator("#front-plot polygon.front-dp").count() == 2
    assert text("en", "optimise.legend.dp").replace("{epsilons}", "1, 10") in page.text_content("#front-plot")
    assert page.is_visible("#optimise-dp")
    shot(page, "optimise-en-result")
    # applied: the Settings step now holds the chosen settings
    page.click("[data-goto=settings]")
    st = o["settings"]
    assert page.is_checked(f"#method-{st['method']}")
    if st["method"] == "cart":
        assert page.input_value("#minbucket") == str(st["minbucket"])
        assert page.input_value("#smoothing") == st["smoothing"]
        assert page.is_checked("#proper") == st["proper"]
    # a proper candidate's choice says so in words (web/js/optimise.js settingsText)
    said = page.evaluate("""async () => {
      const m = await import("./js/optimise.js");
      const o = { chosen: "c", candidates: [{ id: "c", visit: "table" }],
                  settings: { method: "cart", minbucket: 12, smoothing: "density", proper: true } };
      return [m.settingsText(o), m.settingsText({ ...o, settings: { ...o.settings, proper: false } })];
    }""")
    tail = text("en", "optimise.settings_proper").replace("{settings}", "")
    assert said[0].endswith(tail) and said[0] == said[1] + tail and "12" in said[1]
    # DP points skipped on a table with groups: the page says why (web/js/optimise.js render)
    said = page.evaluate("""async () => {
      const m = await import("./js/optimise.js");
      const { state } = await import("./js/state.js");
      const keep = state.result.optimisation.dp;
      state.result.optimisation.dp = { skipped: "groups", points: [] };
      m.render();
      const out = document.querySelector("#optimise-dp") && document.querySelector("#optimise-dp").textContent;
      state.result.optimisation.dp = keep;
      m.render();
      return out;
    }""")
    assert said == text("en", "optimise.dp_skipped").replace("{reason}", text("en", "optimise.dp_skipped.groups"))
    assert page.locator("#front-plot polygon.front-dp").count() == 2  # the real result shown again

    # Dutch: the same result in Dutch words
    page.click("[data-lang=nl]")
    page.wait_for_function("() => document.documentElement.lang === 'nl'")
    assert page.text_content("#h-optimise") == text("nl", "optimise.title")
    page.click("[data-goto=result]")
    assert page.text_content("#h-result-optimise") == text("nl", "optimise.result_title")
    assert text("nl", "optimise.axis_x") in page.text_content("#front-plot")
    shot(page, "optimise-nl-result")

    # Cancel mid-search (nl): back to the settings, data and settings kept, the page usable at once
    page.click("[data-goto=settings]")
    page.fill("#seed", "11")
    _optimise(page, 10**9)
    page.wait_for_function("() => { const r = window.localsynth.state.run; return r && r.progress && "
                           "r.progress.stage === 'optimise' && r.progress.step >= 2; }")
    page.click("#cancel")
    page.wait_for_function("() => !window.localsynth.state.run", timeout=10_000)
    assert page.text_content("#notice") == text("nl", "generate.cancelled")
    assert page.is_visible("#step-settings")
    assert page.input_value("#seed") == "11" and page.input_value("#optimise-budget") == str(10**9)
    assert page.evaluate("() => window.localsynth.state.summary.n_rows") == 700
    # "Stop the search": the run completes with the best candidate so far
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=120_000)
    page.click("#optimise")
    page.wait_for_function("() => { const r = window.localsynth.state.run; return r && r.progress && "
                           "r.progress.stage === 'optimise' && r.progress.step >= 3; }", timeout=120_000)
    page.click("#stop-search")
    wait_step(page, "result", timeout_s=120)
    o2 = page.evaluate("() => window.localsynth.state.result.optimisation")
    assert o2["stopped"] == "user" and o2["chosen"] is not None
    assert page.text_content("#result-optimise").count(text("nl", "optimise.stopped")) == 1
    shot(page, "optimise-nl-stopped")
