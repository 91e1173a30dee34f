"""Rough edges a new user hit (issue 14, section 5): the row count refuses separators and decimals
instead of reinterpreting them and has an upper bound with a clear message (en, nl); a second
cancel while the engine restarts after a first one leaves no red "Stopped." in the header."""

from __future__ import annotations

import pytest
from conftest import REAL, wait_ready
from uihelp import drop_file, settle, text, wait_step

CSV = ("age,city,income\n" + "".join(f"{20 + i % 40},{'ABC'[i % 3]},{-9 if i % 10 == 0 else 1000 + 37 * i}\n"
                                      for i in range(120))).encode()
KEY = "() => document.activeElement && document.activeElement.dataset.key"


def test_enter_in_a_missing_codes_field_keeps_the_focus_there(new_page):
    page = new_page(lang="nl")
    wait_ready(page)
    drop_file(page, name="codes.csv", data=CSV)
    settle(page)
    field = page.locator("[data-key='codes:income']")
    field.fill("-9")
    field.press("Enter")
    settle(page)
    cols = {c["name"]: c for c in page.evaluate("() => window.localsynth.state.summary.columns")}
    assert cols["income"]["missing_codes"] == ["-9"]
    assert page.evaluate(KEY) == "codes:income", "the focus stays in the field, not on the page body"
    page.keyboard.press("Tab")  # leaving it applies nothing twice and moves on as usual
    settle(page)
    assert page.evaluate(KEY) != "codes:income" and page.evaluate("() => document.activeElement !== document.body")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_row_count_bounds_and_separators(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    drop_file(page, name="small.csv", data=CSV)
    settle(page)
    page.click("[data-goto=settings]")
    page.check("#method-marginal")
    sep_max = "5,000,000" if lang == "en" else "5.000.000"
    assert page.text_content("#n-rows-help") == text(lang, "settings.rows_help", rows="120", max=sep_max)
    want = text(lang, "settings.rows_invalid", max=sep_max)
    for typed in ("10000000000", "5000001", "2,5", "2.5", "1,000", "1.000", "0", "-3"):
        page.fill("#n-rows", typed)
        page.click("#generate")
        assert page.evaluate("() => window.localsynth.state.run") is None, typed
        assert page.get_attribute("#n-rows", "aria-invalid") == "true", typed
        assert page.text_content("#n-rows-error") == want, typed
        assert page.is_visible("#step-settings")
    page.fill("#n-rows", " 70 ")
    page.click("#generate")
    wait_step(page, "result")
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 70
    # the JSON download says whether it holds the evaluation
    assert page.text_content("#json-note") == text(lang, "result.json_without_report")


def test_second_cancel_during_restart_leaves_no_stopped(new_page):
    page = new_page(lang="en")
    wait_ready(page)
    drop_file(page, REAL / "credit.csv")
    settle(page)
    page.click("[data-goto=settings]")
    page.check("#method-cart")
    page.fill("#n-rows", "400000")
    page.click("#generate")
    page.wait_for_function("() => { const r = window.localsynth.state.run; return r && r.progress && r.progress.step >= 1; }")
    page.evaluate("() => { window.localsynth.engine.worker.marker = 'first'; }")
    page.click("#cancel")
    page.wait_for_function("() => !window.localsynth.state.run", timeout=10_000)
    assert page.evaluate("() => window.localsynth.engine.worker.marker !== 'first'"), "the worker was replaced"
    assert page.evaluate("() => window.localsynth.state.restarting")
    # while the new worker loads the runtime: generate and cancel again (the load is cut short too)
    page.evaluate("() => { window.localsynth.engine.worker.marker = 'second'; }")
    page.click("#generate")
    page.click("#cancel")
    page.wait_for_function("() => !window.localsynth.state.run", timeout=10_000)
    assert page.evaluate("() => window.localsynth.engine.worker.marker !== 'second'"), "replaced again, mid-load"
    assert page.text_content("#notice") == text("en", "generate.cancelled")
    assert page.get_attribute("#runtime-status", "data-state") != "error", page.text_content("#runtime-status")
    wait_ready(page)
    assert page.text_content("#runtime-status") == text("en", "load.ready_long")
    # and a run afterwards works, with the header still saying ready
    page.check("#method-marginal")
    page.fill("#n-rows", "200")
    page.click("#generate")
    wait_step(page, "result", timeout_s=300)
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 200
    assert page.get_attribute("#runtime-status", "data-state") == "ready"
