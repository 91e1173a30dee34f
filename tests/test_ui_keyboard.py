"""Keyboard only: the whole flow with Tab, Shift+Tab, Enter, Space and the arrow keys, no mouse. The
focus order follows the page, the focus is always visible, and it lands where the user needs it
after each step (the step's heading), after a change in the column table (the same control) and
after closing the help (the button that opened it)."""

from __future__ import annotations

from conftest import wait_ready
from uihelp import column_types, included, settle, shot, text, wait_step

DESCRIBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  return el.dataset.key || el.id || el.dataset.lang || el.dataset.goto || el.dataset.export
      || (el.tagName.toLowerCase() + ':' + (el.textContent || '').trim().slice(0, 30));
}"""

FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (el.classList.contains('visually-hidden')) {
    // the hidden file input shows its focus on the label that follows it
    const label = document.querySelector(`label[for="${el.id}"]`);
    return getComputedStyle(label).outlineStyle !== 'none';
  }
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return s.outlineStyle !== 'none' && s.outlineWidth !== '0px' && r.width > 0 && r.height > 0;
}"""


def focused(page) -> str:
    return page.evaluate(DESCRIBE)


def tab_to(page, target: str, key: str = "Tab", limit: int = 120) -> list[str]:
    """Press Tab until `target` (see DESCRIBE) has the focus; the focus must be visible all the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        seen.append(now)
        if now != "body":
            assert page.evaluate(FOCUS_VISIBLE), f"focus not visible on {now}"
        if now == target:
            return seen
    raise AssertionError(f"{target} not reached by {key}; went through {seen}")


def test_keyboard_only_run(new_page):
    lang = "nl"
    page = new_page(lang=lang)
    wait_ready(page)

    # the order of the first stops: skip link, help, languages, steps, the privacy link, the file, the demo
    first = tab_to(page, "demo")
    assert first[0] == "a:" + text(lang, "app.skip")
    order = [s for s in first if s in ("help-open", "en", "nl", "data", "file-input", "demo")]
    assert order == ["help-open", "en", "nl", "data", "file-input", "demo"], first
    assert "settings" not in first and "result" not in first, "steps not yet available are skipped"

    # help opens and closes with the keyboard, and the focus returns
    tab_to(page, "help-open", key="Shift+Tab")
    page.keyboard.press("Enter")
    assert page.is_visible("#help") and focused(page) == "help-close"
    page.keyboard.press("Escape")
    assert not page.is_visible("#help") and focused(page) == "help-open"

    # the demo dataset, with Enter
    tab_to(page, "demo")
    page.keyboard.press("Enter")
    settle(page)
    assert page.text_content("#data-name") == "adult_demo.csv"
    assert focused(page) == "data-name", "the focus moves to the loaded file's name"

    # a column left out with Space; the focus stays on that checkbox after the table is redrawn
    tab_to(page, "inc:fnlwgt")
    page.keyboard.press("Space")
    settle(page)
    assert included(page)["fnlwgt"] is False
    assert focused(page) == "inc:fnlwgt"
    # a type changed with the arrow keys, two rows up (whole number -> number)
    tab_to(page, "type:age", key="Shift+Tab")
    page.keyboard.press("ArrowUp")
    settle(page)
    assert column_types(page)["age"] == "numeric"
    assert focused(page) == "type:age"
    shot(page, f"keyboard-{lang}-data")

    # on to the settings: the focus goes to the heading
    tab_to(page, "to-settings")
    page.keyboard.press("Enter")
    assert focused(page) == "h-settings"
    # the method with the arrow keys: CART -> Gaussian copula
    tab_to(page, "method-cart")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#method-gc")
    # fewer rows, typed
    tab_to(page, "n-rows")
    page.keyboard.press("Control+A")
    page.keyboard.type("500")
    # the advanced fold opens with Enter
    page.keyboard.press("Tab")
    tab_to(page, "summary:" + text(lang, "settings.advanced")[:30])
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('#advanced').open")
    shot(page, f"keyboard-{lang}-settings")
    tab_to(page, "generate")
    page.keyboard.press("Enter")
    wait_step(page, "result")
    assert focused(page) == "h-result"
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 500

    # a download with Enter
    tab_to(page, "dl-csv")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    data = open(info.value.path(), "rb").read().decode()
    header = data.splitlines()[0].split(",")
    assert "fnlwgt" not in header and "age" in header and len(data.splitlines()) == 501
    shot(page, f"keyboard-{lang}-result")

    # back to the data with the step navigation, then start over, all by keyboard
    tab_to(page, "data", key="Shift+Tab")
    page.keyboard.press("Enter")
    assert page.is_visible("#step-data") and focused(page) == "h-data"
    tab_to(page, "start-over", key="Shift+Tab")
    page.keyboard.press("Enter")
    # a result is there: the page asks first; the focus is on "Keep", Tab goes to "Discard"
    page.wait_for_selector("#confirm[open]")
    assert focused(page) == "confirm-keep"
    page.keyboard.press("Tab")
    assert focused(page) == "confirm-discard"
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.localsynth.state.summary === null")
    assert page.evaluate("() => window.localsynth.state.summary") is None
    assert focused(page) == "h-data"
