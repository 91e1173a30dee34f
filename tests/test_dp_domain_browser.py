"""Method dp's domain editor in the real page, in English and in Dutch (issue 12): the levels and
bounds suggested from the data are shown marked as such, nothing runs until every column is
confirmed, a bad bound is told at its column, the edited document (not the suggestion) is what the
engine gets, and the result says the domain is covered. Screenshots in tests/artifacts/dp-domain-*.png."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import wait_ready
from uihelp import axe, download, drop_file, settle, shot, text, wait_step


def _accessible_then_generate(page, axe_name: str) -> dict:
    """No axe violations on the confirmed domain step, then a DP run from it: the result (checked
    to be method dp on the confirmed domain, not the data's)."""
    bad_axe = axe(page, axe_name)
    assert bad_axe == [], json.dumps(bad_axe, indent=1)
    page.click("#generate")
    wait_step(page, "result", timeout_s=600)
    result = page.evaluate("() => window.localsynth.state.result")
    assert result["method"] == "dp" and result["settings"]["domain_from_data"] is False
    return result


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_dp_domain_editor(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    page.click("#demo")
    settle(page)
    page.click("#to-settings")
    page.check("#method-dp")
    assert page.is_checked("#dp-mech-mst") and not page.is_checked("#dp-mech-aim")
    assert page.text_content("label[for=dp-mech-aim]") == text(lang, "settings.dp_mech_aim")
    page.check("#dp-mech-aim")
    assert page.evaluate("() => window.localsynth.state.settings.dp_mechanism") == "aim"
    page.check("#dp-mech-mst")  # MST for the run below (AIM takes minutes in the browser)
    assert not page.is_visible("#dp-domain-editor")
    assert page.text_content("#dp-domain-edit") == text(lang, "settings.dp_domain_edit")
    page.click("#dp-domain-edit")
    page.wait_for_selector("#dp-col-14", timeout=60_000)
    legends = page.eval_on_selector_all("#dp-domain-editor legend", "els => els.map(e => e.textContent)")
    assert legends[:3] == ["age", "workclass", "fnlwgt"] and len(legends) == 15
    marks = page.eval_on_selector_all("#dp-domain-editor .mark", "els => els.map(e => e.textContent)")
    assert marks == [text(lang, "settings.dp_domain_suggested_mark")] * 15
    assert page.text_content("#dp-domain-editor-help") == text(lang, "settings.dp_domain_editor_help")
    assert page.text_content("#dp-domain-status") == text(lang, "settings.dp_domain_status_unconfirmed")
    age = legends.index("age")
    assert page.input_value(f"#dp-lower-{age}") == "17"  # whole numbers shown as they are, not 16.5
    race = legends.index("race")
    levels = page.input_value(f"#dp-levels-{race}").split("\n")
    assert "White" in levels and len(levels) >= 3

    # not confirmed: refused in the page, nothing sent
    page.click("#generate")
    assert page.is_visible("#step-settings")
    assert page.text_content("#dp-domain-error") == text(lang, "settings.dp_domain_unconfirmed")

    # edits: wider public bounds for age, one level fewer for race; a bad bound is told at its column
    page.fill(f"#dp-upper-{age}", "10")
    assert page.text_content(f"#dp-col-error-{age}") == text(lang, "settings.dp_domain_bounds_invalid")
    page.fill(f"#dp-lower-{age}", "0")
    page.fill(f"#dp-upper-{age}", "120")
    assert not page.is_visible(f"#dp-col-error-{age}")
    page.fill(f"#dp-levels-{race}", "\n".join(levels[:-1]))
    for i in range(15):
        page.check(f"#dp-confirm-{i}")
    marks = page.eval_on_selector_all("#dp-domain-editor .mark", "els => els.map(e => e.textContent)")
    assert marks == [text(lang, "settings.dp_domain_confirmed_mark")] * 15
    assert page.text_content("#dp-domain-status") == text(lang, "settings.dp_domain_status_edited")
    assert not page.is_visible("#dp-domain-error")
    dom = page.evaluate("() => window.localsynth.state.settings.domain")
    assert "from_data" not in dom and "warning" not in dom
    cols = {c["name"]: c for c in dom["columns"]}
    assert (cols["age"]["lower"], cols["age"]["upper"], cols["age"]["bins"]) == (-0.5, 120.5, 121)
    assert cols["race"]["levels"] == levels[:-1]
    shot(page, f"dp-domain-{lang}-1-editor")
    result = _accessible_then_generate(page, f"dp-domain-{lang}-editor")
    assert result["settings"]["dp_mechanism"] == "mst"
    assert result["settings"]["domain"]["columns"][age]["upper"] == 120.5
    items = page.eval_on_selector_all("#result-privacy li", "els => els.map(e => e.textContent)")
    assert items == [text(lang, "result.dp_claim", epsilon="1", delta="1e-9"), text(lang, "result.dp_domain_covered")]
    assert page.text_content("#result-odometer") == text(lang, "result.dp_odometer", runs="1", epsilon="1",
                                                          delta="1e-9")
    dropped = levels[-1]
    preview = page.evaluate("() => window.localsynth.state.result.preview")
    race_col = preview["columns"].index("race")
    assert all(row[race_col] != dropped for row in preview["rows"])  # the level taken off is never made
    shot(page, f"dp-domain-{lang}-2-result")


def small_csv() -> bytes:
    """300 rows: a category with empty cells, whole numbers with empty cells, decimals with NA."""
    rows = ["group,age,score"]
    for i in range(300):
        rows.append(",".join(["" if i % 6 == 0 else "abc"[i % 3], "" if i % 7 == 0 else str(20 + i % 40),
                              "NA" if i % 5 == 0 else f"{(i * 37) % 1000 / 10:.1f}"]))
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_dp_domain_missing_codes(new_page, lang):
    """The missing codes of each column are shown (the empty cell in words), marked as suggested with
    the rest, editable (none allowed), checked at the column (a code that is also a level or a value
    within the bounds), and what the user confirms is what the engine models and the JSON carries: a
    column confirmed with none gets no missing cell, so the synthetic CSV has none there."""
    page = new_page(lang=lang)
    wait_ready(page)
    drop_file(page, name="small.csv", data=small_csv())
    settle(page)
    page.click("#to-settings")
    page.check("#method-dp")
    page.click("#dp-domain-edit")
    page.wait_for_selector("#dp-col-2", timeout=60_000)
    legends = page.eval_on_selector_all("#dp-domain-editor legend", "els => els.map(e => e.textContent)")
    assert legends == ["group", "age", "score"]
    empty = text(lang, "settings.dp_domain_empty_cell")
    # the suggestion from the data: the empty cell for group and age, NA for score
    assert page.is_checked("#dp-missing-empty-0") and page.input_value("#dp-missing-0") == ""
    assert page.is_checked("#dp-missing-empty-1")
    assert not page.is_checked("#dp-missing-empty-2") and page.input_value("#dp-missing-2") == "NA"
    assert page.text_content("#dp-missing-shown-0") == text(lang, "settings.dp_domain_missing_shown", tokens=empty)
    assert page.text_content("#dp-missing-shown-2") == text(lang, "settings.dp_domain_missing_shown", tokens="NA")
    assert page.text_content("label[for=dp-missing-empty-0]") == text(lang, "settings.dp_domain_missing_empty")
    assert page.text_content("label[for=dp-missing-0]") == text(lang, "settings.dp_domain_missing")
    assert "dp-mark-0" in page.get_attribute("#dp-missing-0", "aria-describedby")  # marked as suggested

    # checked at the column: a code that is also a level, or a value within the bounds
    page.fill("#dp-missing-0", "a")
    assert page.text_content("#dp-col-error-0") == text(lang, "settings.dp_domain_missing_level", token="a")
    page.locator("#dp-col-0").screenshot(path=str(shot(page, f"dp-domain-{lang}-5-missing-error")))
    page.fill("#dp-missing-0", "")
    assert not page.is_visible("#dp-col-error-0")
    page.fill("#dp-missing-1", "30")
    assert page.text_content("#dp-col-error-1") == text(lang, "settings.dp_domain_missing_value", token="30")
    page.fill("#dp-missing-1", "-9")
    assert not page.is_visible("#dp-col-error-1")
    assert page.text_content("#dp-missing-shown-1") == text(lang, "settings.dp_domain_missing_shown",
                                                            tokens=f"{empty}, -9")
    # none for group: no missing cell
    page.uncheck("#dp-missing-empty-0")
    assert page.text_content("#dp-missing-shown-0") == text(lang, "settings.dp_domain_missing_none")
    for i in range(3):
        page.check(f"#dp-confirm-{i}")
    assert not page.is_visible("#dp-domain-error")
    want = {"group": [], "age": ["", "-9"], "score": ["NA"]}
    dom = page.evaluate("() => window.localsynth.state.settings.domain")
    assert {c["name"]: c["missing"] for c in dom["columns"]} == want
    shot(page, f"dp-domain-{lang}-3-missing")
    page.locator("#dp-domain-editor").screenshot(path=str(shot(page, f"dp-domain-{lang}-4-missing-editor")))
    _accessible_then_generate(page, f"dp-domain-missing-{lang}")
    _, js = download(page, "#dl-json")
    doc = json.loads(js)
    assert {c["name"]: c["missing"] for c in doc["model"]["domain"]["columns"]} == want
    assert {c["name"]: c["missing"] for c in doc["settings"]["domain"]["columns"]} == want
    _, data = download(page, "#dl-csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) > 100
    assert all(r["group"] in ("a", "b", "c", "Other") for r in rows)  # no missing cell: none written
    assert {r["age"] for r in rows if not r["age"].isdigit()} <= {"", "-9"}
    assert any(r["score"] == "NA" for r in rows)  # about 20% in the data: its cell is measured and kept
