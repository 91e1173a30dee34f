"""More rough edges of issue 14 (section 5) in the page, in English and Dutch: a file whose only column
is an identifier says that nothing is left to synthesise; the visit sequence has "move to the top /
bottom" buttons, usable from the keyboard; the engine's notes come one per idea (the smoothing of many
columns is one note listing them); the evaluation says how long it will take from the table's size
and, while it runs, the time left; a table too wide to synthesise is refused with what to do."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import wait_ready
from uihelp import drop_file, settle, text, wait_step

N_COLS = 27
COLS = [f"q{j:02d}" for j in range(N_COLS)]


def scores_csv(n: int = 120) -> bytes:
    rng = np.random.default_rng(4)
    x = rng.normal(50, 10, size=(n, N_COLS)).round(2)  # every value rare: each column is smoothed
    return (",".join(COLS) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in x)).encode()


IDS = ("id\n" + "".join(f"{1000 + i}\n" for i in range(300))).encode()
ORDER = "() => [...document.querySelectorAll('#visit-list .visit-name')].map(e => e.textContent)"
FOCUSED = "() => document.activeElement && document.activeElement.dataset.key"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_nothing_to_synthesise_visit_ends_grouped_notes_and_time_estimate(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    # ---- a file whose only column is an identifier (excluded by default): nothing left to synthesise
    drop_file(page, name="ids.csv", data=IDS)
    settle(page)
    assert page.text_content("#col-included") == text(lang, "errors.synthesis.nothing_to_synthesise")
    assert page.is_disabled("#to-settings")
    assert "field-error" in page.get_attribute("#col-included", "class")

    # ---- 27 columns: a column to the bottom and back to the top, by keyboard, 1 press each
    drop_file(page, name="scores.csv", data=scores_csv())
    settle(page)
    assert "field-error" not in (page.get_attribute("#col-included", "class") or "")
    page.click("[data-goto=settings]")
    page.check("#method-cart")
    page.evaluate("() => { document.querySelector('#advanced').open = true; }")  # the visit sequence is in it
    assert page.evaluate(ORDER) == COLS
    top, bottom = page.locator(f"[data-key='top:{COLS[0]}']"), page.locator(f"[data-key='bottom:{COLS[0]}']")
    assert top.is_disabled() and not bottom.is_disabled()  # already first
    assert bottom.get_attribute("aria-label") == text(lang, "settings.visit_bottom", column=COLS[0])
    bottom.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(ORDER) == COLS[1:] + COLS[:1]
    # the focus stays on the moved column (its "to the bottom" button is now disabled)
    assert page.evaluate(FOCUSED) in (f"top:{COLS[0]}", f"up:{COLS[0]}")
    page.locator(f"[data-key='top:{COLS[0]}']").focus()
    page.keyboard.press("Space")
    assert page.evaluate(ORDER) == COLS
    last = COLS[-1]
    assert page.get_attribute(f"[data-key='top:{last}']", "aria-label") == text(lang, "settings.visit_top", column=last)
    page.click(f"[data-key='top:{last}']")
    assert page.evaluate(ORDER) == [last] + COLS[:-1]
    assert page.evaluate("() => window.localsynth.state.settings.visit_sequence")[0] == last

    # ---- the engine's notes: the 27 smoothing notes are one, listing the columns
    page.fill("#n-rows", "100")
    page.click("#generate")
    wait_step(page, "result", timeout_s=300)
    r = page.evaluate("() => window.localsynth.state.result")
    assert r["settings"]["visit_sequence"][0] == last
    raw = [n for n in r["notes"] if n["code"] == "smoothing_rare_only"]
    assert len(raw) == N_COLS
    items = page.eval_on_selector_all("#result-notes li", "els => els.map(e => e.textContent)")
    assert page.text_content("#result-notes-summary") == text(lang, "result.notes", count=str(len(items)))
    smooth = [s for s in items if "5" in s and all(c in s for c in COLS[:5])]
    head = text(lang, "notes.grouped.smoothing_rare_only").split(":")[0].replace("{count}", str(N_COLS))
    assert len(smooth) == 1 and smooth[0].startswith(head), items
    assert len(items) == len(r["notes"]) - (N_COLS - 1)

    # ---- the evaluation: how long it should take, from the table's size; the time left while it runs
    est = r["evaluation_estimate"]
    assert est["rows"] == 120 and est["columns"] == N_COLS and est["low"] < est["seconds"] < est["high"]
    hint = page.text_content("#ev-estimate")
    before = text(lang, "report.page_estimate").split("{rows}")[0]
    assert hint.startswith(before) and f"{N_COLS}" in hint and "120" in hint, hint
    unit = re.escape(text(lang, "report.seconds").replace("{n}", "")).strip()
    assert len(re.findall(r"\d+\s*" + unit, hint)) == 2, hint
    page.click("#evaluate")
    page.wait_for_function("() => (document.querySelector('#ev-elapsed') || {}).textContent", timeout=60_000)
    elapsed = page.text_content("#ev-elapsed")
    left = text(lang, "report.page_remaining").split("{time}")[0]
    over = text(lang, "report.page_over_estimate").split("{time}")[0]
    assert " · " in elapsed and (left in elapsed or over in elapsed), elapsed
    page.wait_for_function("() => { const b = document.querySelector('#ev-cancel'); return b && b.hidden; }",
                           timeout=300_000)
    assert page.text_content("#ev-elapsed") == ""  # no time left shown once it is done


WIDE_COLS = 1001


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_table_too_wide_to_synthesise_is_refused_with_what_to_do(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    rng = np.random.default_rng(2)
    head = ",".join(f"v{j}" for j in range(WIDE_COLS))
    body = "".join(",".join(f"{v:.2f}" for v in rng.normal(size=WIDE_COLS)) + "\n" for _ in range(8))
    drop_file(page, name="wide.csv", data=(head + "\n" + body).encode())
    settle(page)
    page.click("[data-goto=settings]")
    page.check("#method-cart")
    # said in the method's hints as soon as the method is chosen, with the page's number format
    sep = "," if lang == "en" else "."
    early = text(lang, "errors.synthesis.too_many_columns", columns=f"1{sep}001", max=f"1{sep}000")
    hints = page.eval_on_selector_all("#method-hints li", "els => els.map(e => e.textContent)")
    assert early in hints and not any(x.endswith(text(lang, "hint.wide").split("}", 1)[1]) for x in hints), hints
    page.check("#method-marginal")
    assert early not in page.eval_on_selector_all("#method-hints li", "els => els.map(e => e.textContent)")
    page.check("#method-cart")
    page.click("#generate")
    page.wait_for_function("() => !window.localsynth.state.run && window.localsynth.state.step === 'settings' "
                           "&& !document.querySelector('#settings-message').hidden", timeout=120_000)
    got = page.text_content("#settings-message")
    assert got.endswith(text(lang, "errors.synthesis.too_many_columns", columns=str(WIDE_COLS), max="1000")), got
    assert page.evaluate("() => window.localsynth.state.result") is None
