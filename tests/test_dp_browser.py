"""Method dp (differential privacy, py_engine/dp) in the real page, in English and in Dutch: the
fourth method with its epsilon and delta fields and their checks, the public-domain requirement
(nothing runs until a domain file is chosen or the from-data opt-in is ticked), imputation switched
off, an engine refusal (a domain file of the wrong format) shown in the user's language, and the
result step stating the privacy claim (epsilon, delta) and that a domain from the data is not
covered by the guarantee. Screenshots in tests/artifacts/dp-*.png (look at them)."""

from __future__ import annotations

import json

import pytest
from conftest import wait_ready
from uihelp import axe, discard, settle, shot, text, wait_step


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_dp_in_the_page(new_page, tmp_path, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    page.click("#demo")
    settle(page)
    page.click("#to-settings")
    assert page.is_visible("#step-settings")
    assert not page.is_visible("#dp-box")
    page.check("#missing-impute")  # refused by dp: switched to synthesising when dp is chosen
    page.check("#method-dp")
    assert page.is_visible("#dp-box")
    assert page.text_content("label[for=method-dp]") == text(lang, "method.dp")
    assert page.input_value("#dp-epsilon") == "1" and page.input_value("#dp-delta") == "1e-9"
    assert page.is_checked("#missing-synthesise") and page.is_disabled("#missing-impute")
    assert page.text_content("#dp-domain-help") == text(lang, "settings.dp_domain_help")
    assert page.text_content("label[for=dp-from-data]") == text(lang, "settings.dp_from_data")
    assert not page.is_checked("#dp-from-data")  # opt-in

    # no public domain: refused in the page, nothing sent
    page.click("#generate")
    assert page.is_visible("#step-settings")
    assert page.text_content("#dp-domain-error") == text(lang, "settings.dp_domain_needed")
    assert page.text_content("#settings-message") == text(lang, "settings.invalid")

    # epsilon and delta are checked as typed (a decimal comma is read as the user means it)
    page.fill("#dp-epsilon", "0")
    page.press("#dp-epsilon", "Tab")
    assert page.text_content("#dp-epsilon-error") == text(lang, "settings.dp_epsilon_invalid")
    assert page.get_attribute("#dp-epsilon", "aria-invalid") == "true"
    page.fill("#dp-delta", "0,5")
    page.press("#dp-delta", "Tab")
    assert page.text_content("#dp-delta-error") == text(lang, "settings.dp_delta_invalid")
    page.fill("#dp-delta", "1e-9")
    page.press("#dp-delta", "Tab")
    assert not page.is_visible("#dp-delta-error")
    page.fill("#dp-epsilon", "1")
    page.press("#dp-epsilon", "Tab")
    assert not page.is_visible("#dp-epsilon-error")

    # a file that is no JSON: told in the page; one of the wrong format: the engine's message
    bad = tmp_path / "notes.json"
    bad.write_text("levels: a, b", encoding="utf-8")
    page.set_input_files("#dp-domain-file", str(bad))
    page.wait_for_function("() => !document.querySelector('#dp-domain-error').hidden")
    assert page.text_content("#dp-domain-error") == text(lang, "settings.dp_domain_unreadable")
    wrong = tmp_path / "domain.json"
    wrong.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    page.set_input_files("#dp-domain-file", str(wrong))
    page.wait_for_function("() => document.querySelector('#dp-domain-error').hidden")
    assert page.text_content("#dp-domain-status") == text(lang, "settings.dp_domain_loaded", name="domain.json")
    page.click("#generate")
    page.wait_for_function("() => window.localsynth.state.step === 'settings' && !window.localsynth.state.run "
                           "&& !document.querySelector('#settings-message').hidden", timeout=300_000)
    msg = page.text_content("#settings-message")
    assert text(lang, "errors.dp.domain_format") in msg, msg
    shot(page, f"dp-{lang}-1-refused")

    # the opt-in: the domain from the data, said to be not covered
    page.check("#dp-from-data")
    assert not page.is_visible("#dp-domain-error")
    assert not page.is_visible("#settings-message")  # the refusal of the previous domain is gone
    shot(page, f"dp-{lang}-2-settings")
    bad_axe = axe(page, f"dp-{lang}-settings")
    assert bad_axe == [], json.dumps(bad_axe, indent=1)
    page.click("#generate")
    wait_step(page, "result", timeout_s=600)
    result = page.evaluate("() => window.localsynth.state.result")
    st = result["settings"]
    assert result["method"] == "dp"
    assert st["epsilon"] == 1 and st["delta"] == 1e-9 and st["domain_from_data"] is True
    assert st["missing"] == "synthesise" and st["smoothing"] == "none" and st["remove_replicated"] is False
    assert text(lang, "method.dp") in page.text_content("#result-summary")
    assert page.is_visible("#result-privacy")
    items = page.eval_on_selector_all("#result-privacy li", "els => els.map(e => e.textContent)")
    assert items == [text(lang, "result.dp_claim", epsilon="1", delta="1e-9"),
                     text(lang, "result.dp_domain_not_covered")]
    notes = page.eval_on_selector_all("#result-notes li", "els => els.map(e => e.textContent)")
    assert text(lang, "notes.dp_domain_from_data") in notes
    assert any(n.startswith(text(lang, "notes.dp_budget").split("{")[0]) for n in notes), notes
    shot(page, f"dp-{lang}-3-result")
    bad_axe = axe(page, f"dp-{lang}-result")
    assert bad_axe == [], json.dumps(bad_axe, indent=1)

    # back to another method: the dp fields go, and the claim is not shown for its result
    page.click("[data-goto=settings]")
    page.check("#method-marginal")
    assert not page.is_visible("#dp-box") and not page.is_disabled("#missing-impute")
    page.click("#generate")
    discard(page)  # the dp result is there: the page asks before replacing it (issue 14)
    wait_step(page, "result", timeout_s=600)
    assert not page.is_visible("#result-privacy")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_dp_curve_in_the_page(new_page, lang):
    """Issue 12: the privacy-utility curve of the loaded table, on request, with progress and cancel,
    explained in the user's language; it keeps nothing (no result step) and says it is not for release."""
    page = new_page(lang=lang)
    wait_ready(page)
    page.click("#demo")
    settle(page)
    page.click("#to-settings")
    page.check("#method-dp")
    page.check("#dp-from-data")
    assert page.text_content("#dp-curve-help") == text(lang, "settings.dp_curve_help")
    # cancel: stopped, nothing kept, the page usable
    page.click("#dp-curve")
    page.wait_for_function("() => !document.querySelector('#dp-curve-cancel').hidden")
    page.click("#dp-curve-cancel")
    page.wait_for_function("() => document.querySelector('#dp-curve-cancel').hidden", timeout=120_000)
    assert page.text_content("#dp-curve-status") == text(lang, "settings.dp_curve_stopped")
    # a cancel the engine does not see within a second replaces the worker: wait until it is back
    page.wait_for_function("() => document.body.dataset.ready === 'true' && !window.localsynth.state.restarting"
                           " && !document.querySelector('#dp-curve').disabled", timeout=180_000)
    # the whole curve
    page.click("#dp-curve")
    page.wait_for_function("() => /\\d/.test(document.querySelector('#dp-curve-status').textContent)"
                           " || document.querySelector('#dp-curve-out table')", timeout=120_000)
    page.wait_for_selector("#dp-curve-out table", timeout=300_000)
    assert page.text_content("#dp-curve-status") == text(lang, "settings.dp_curve_done")
    rows = page.eval_on_selector_all("#dp-curve-out tbody tr", "trs => trs.map(r => r.cells[0].textContent)")
    assert rows == ["0.1", "0.3", "1", "3", "10"] if lang == "en" else rows == ["0,1", "0,3", "1", "3", "10"]
    assert page.get_attribute("#dp-curve-out svg", "aria-label") == text(lang, "settings.dp_curve_plot")
    assert page.text_content("#dp-curve-out caption") == text(lang, "settings.dp_curve_caption")
    assert page.evaluate("() => window.localsynth.state.result") is None  # nothing kept
    assert page.is_visible("#step-settings")
    bad = axe(page, f"dp-curve-{lang}")
    assert bad == [], json.dumps(bad, indent=1)
    shot(page, f"dp-curve-{lang}")
    page.locator("#dp-curve-box").screenshot(path=str(shot(page, f"dp-curve-box-{lang}")))
