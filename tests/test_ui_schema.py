"""The column table's suggestions in a real browser, in both languages: a code-like integer (school
numbers) read as categories with a reason and one click back to a number, likely missing-value codes
with one click to declare them, one field for codes in all numeric columns (and a column opting out),
numbers with a currency sign read as numbers. A Dutch export: ';', decimal comma, Windows-1252 (€ is
byte 0x80). One page for the whole module."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import wait_ready
from uihelp import axe, column_types, drop_file, settle, shot, text


def dutch_table() -> bytes:
    rng = np.random.default_rng(3)
    n = 240
    rows = ["schoolnr;toets1;toets2;toets3;kinderen;temperatuur;bedrag"]
    for i in range(n):
        scores = [str(v) if rng.random() > 0.12 else "-9" for v in rng.integers(500, 551, 3)]
        kids = "99" if i % 40 == 0 else str(rng.integers(0, 5))
        rows.append(";".join([str(10000 + 37 * int(rng.integers(0, 25))), *scores, kids,
                              str(int(rng.integers(-8, 25))), f"€ {rng.integers(1, 3000) / 4:.2f}".replace(".", ",")]))
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


@pytest.fixture(scope="module")
def page(browser, server):
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 1000})
    p = ctx.new_page()
    p.set_default_timeout(120_000)
    p.goto(server.url + "?lang=en")
    wait_ready(p)
    drop_file(p, data=dutch_table(), name="toetsen.csv")
    settle(p)
    yield p
    ctx.close()


def row(page, column: str):
    return page.locator(f'#schema-table tbody tr[data-column="{column}"]')


def missing_count(page, column: str) -> str:
    return row(page, column).locator("td.num").first.inner_text().split("\n")[0].strip()


def test_suggestions_take_one_click_each_in_english(page):
    lang = "en"
    types = column_types(page)
    assert types["schoolnr"] == "categorical" and types["kinderen"] == "integer"
    assert types["bedrag"] == "numeric" and types["temperatuur"] == "integer"
    school = row(page, "schoolnr")
    assert text(lang, "suggest.code_like", count=25) in school.inner_text()
    assert text(lang, "col.number_format", sign="€") in row(page, "bedrag").inner_text()
    # -9 in the three score columns: suggested per column and for all at once; not in temperatuur
    assert text(lang, "suggest.declare", value="-9") in row(page, "toets1").inner_text()
    assert "-9" not in row(page, "temperatuur").locator(".suggest").all_inner_texts().__str__()
    hint = page.locator("#code-hints li")
    assert hint.count() == 1 and "toets1, toets2, toets3" in hint.inner_text()
    assert axe(page, "schema-suggestions-en") == []
    shot(page, "schema-suggestions-en")

    # one click: -9 for all numeric columns
    hint.locator("button").click()
    settle(page)
    assert page.input_value("#all-codes") == "-9"
    assert page.evaluate("() => document.activeElement.id") == "all-codes"
    for col in ("toets1", "toets2", "toets3"):
        assert missing_count(page, col) != "0"
        assert text(lang, "col.shared_codes", codes="-9") in row(page, col).inner_text()
    assert page.locator("#code-hints").is_hidden()
    summary = page.evaluate("() => window.localsynth.state.summary.columns")
    by = {c["name"]: c for c in summary}
    assert by["toets2"]["missing_codes"] == ["-9"] and by["bedrag"]["missing_codes"] == []
    # a column opts out with one click, and back
    row(page, "toets2").get_by_role("button", name=text(lang, "col.shared_off_label", column="toets2")).click()
    settle(page)
    assert missing_count(page, "toets2") == "0"
    assert text(lang, "col.shared_skipped") in row(page, "toets2").inner_text()
    assert page.evaluate("() => document.activeElement.dataset.key") == "codes:toets2"
    # the 99 among the children: declared in its column with one click
    row(page, "kinderen").get_by_role("button", name=text(lang, "suggest.declare_label", value="99",
                                                          column="kinderen")).click()
    settle(page)
    assert row(page, "kinderen").locator("input.codes").input_value() == "99"
    assert missing_count(page, "kinderen").startswith("6")
    # the school numbers back to a number, and the suggestion offered again
    school.get_by_role("button", name=text(lang, "suggest.use_number_label", column="schoolnr")).click()
    settle(page)
    assert column_types(page)["schoolnr"] == "integer"
    assert page.evaluate("() => document.activeElement.dataset.key") == "type:schoolnr"
    assert text(lang, "suggest.code_like_declined") in school.inner_text()
    school.get_by_role("button", name=text(lang, "suggest.use_categories_label", column="schoolnr")).click()
    settle(page)
    assert column_types(page)["schoolnr"] == "categorical"


def test_the_same_in_dutch_and_the_field_takes_typed_codes(page):
    lang = "nl"
    page.click("[data-lang=nl]")
    page.wait_for_function("() => document.documentElement.lang === 'nl'")
    assert page.text_content("label[for=all-codes]") == text(lang, "data.all_codes")
    assert text(lang, "suggest.code_like", count=25) in row(page, "schoolnr").inner_text()
    assert text(lang, "col.shared_codes", codes="-9") in row(page, "toets1").inner_text()
    assert text(lang, "col.shared_skipped") in row(page, "toets2").inner_text()
    # typed in the field: Enter applies it and the focus stays there
    page.fill("#all-codes", "-9; 99")
    page.press("#all-codes", "Enter")
    settle(page)
    assert page.evaluate("() => window.localsynth.state.allCodes") == ["-9", "99"]
    assert page.evaluate("() => document.activeElement.id") == "all-codes"
    by = {c["name"]: c for c in page.evaluate("() => window.localsynth.state.summary.columns")}
    assert by["toets1"]["missing_codes"] == ["-9"] and by["kinderen"]["missing_codes"] == ["99"]
    assert axe(page, "schema-suggestions-nl") == []
    shot(page, "schema-suggestions-nl")
