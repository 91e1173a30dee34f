"""Ask before throwing away a result (issue 14, section 5): start over, loading another file, the
demo and generating again each ask first in a modal dialog when a synthetic result is there; the
default button and Escape keep it, the focus goes back to the control used; with nothing to lose
nothing is asked. Both languages; axe on the open dialog."""

from __future__ import annotations

import pytest
from conftest import wait_ready
from uihelp import axe, drop_file, settle, shot, text, wait_step

CSV = ("age,city,income\n" + "".join(f"{20 + i % 40},{'ABC'[i % 3]},{1000 + 37 * i}\n" for i in range(120))).encode()

FOCUS = "() => document.activeElement && (document.activeElement.id || document.activeElement.tagName)"


def is_open(page) -> bool:
    return page.evaluate("() => document.querySelector('#confirm').open")


def make_result(page, rows: str) -> None:
    page.click("[data-goto=settings]")
    page.check("#method-marginal")
    page.fill("#n-rows", rows)
    page.click("#generate")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_ask_before_discarding(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    drop_file(page, name="pupils.csv", data=CSV)
    settle(page)
    # nothing to lose yet: loading another file asks nothing
    drop_file(page, name="pupils2.csv", data=CSV)
    settle(page)
    assert not is_open(page) and page.text_content("#data-name") == "pupils2.csv"
    make_result(page, "50")
    wait_step(page, "result")
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 50

    # start over asks; the default button keeps the result and the focus goes back
    page.focus("#start-over")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm[open]")
    assert page.text_content("#confirm-title") == text(lang, "confirm.title")
    assert page.text_content("#confirm-text") == text(lang, "confirm.start_over")
    assert page.text_content("#confirm-keep") == text(lang, "confirm.keep")
    assert page.evaluate(FOCUS) == "confirm-keep"
    assert axe(page, f"confirm-{lang}") == []
    shot(page, f"confirm-{lang}-start-over")
    page.keyboard.press("Enter")  # Keep
    assert not is_open(page) and page.evaluate(FOCUS) == "start-over"
    assert page.is_visible("#step-result") and page.evaluate("() => window.localsynth.state.result !== null")

    # Escape keeps it too
    page.click("#new-file")
    page.wait_for_selector("#confirm[open]")
    page.keyboard.press("Escape")
    assert not is_open(page) and page.evaluate(FOCUS) == "new-file"
    assert page.evaluate("() => window.localsynth.state.summary !== null")

    # loading another file asks, naming it; kept: the data and result stay
    page.click("[data-goto=data]")
    drop_file(page, name="other.csv", data=CSV, discard_result=False)
    page.wait_for_selector("#confirm[open]")
    assert page.text_content("#confirm-text") == text(lang, "confirm.new_file", name="other.csv")
    page.click("#confirm-keep")
    assert page.text_content("#data-name") == "pupils2.csv"
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 50
    # the demo asks as well
    page.click("#demo")
    page.wait_for_selector("#confirm[open]")
    assert page.text_content("#confirm-text") == text(lang, "confirm.new_file", name="adult_demo.csv")
    page.keyboard.press("Escape")
    assert page.text_content("#data-name") == "pupils2.csv"

    # generating again asks; kept: no run starts
    make_result(page, "60")
    page.wait_for_selector("#confirm[open]")
    assert page.text_content("#confirm-text") == text(lang, "confirm.generate")
    page.keyboard.press("Escape")
    assert page.evaluate("() => window.localsynth.state.run") is None
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 50
    assert page.evaluate(FOCUS) == "generate"
    # discarded: the new result replaces the old
    page.click("#generate")
    page.click("#confirm-discard")
    wait_step(page, "result")
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 60

    # the language switch loses nothing and asks nothing
    page.click("[data-lang=%s]" % ("nl" if lang == "en" else "en"))
    assert not is_open(page) and page.evaluate("() => window.localsynth.state.result.n_rows") == 60

    # start over by keyboard: Tab to Discard, Enter; the data is gone
    page.focus("#start-over")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm[open]")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS) == "confirm-discard"
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.localsynth.state.summary === null")
    assert not is_open(page) and page.is_visible("#step-data")
