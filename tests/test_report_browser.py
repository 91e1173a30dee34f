"""The evaluation report in the page, in both languages, through the real page and worker: options,
evaluate with progress, the summary first, sections that fold open with SVG plots and their tables,
the PDF download (matplotlib and reportlab loaded on demand) and the JSON with the evaluation; axe;
Cancel of an evaluation keeps the page and the synthetic data usable. One loaded page per flow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import REAL as REPO_REAL
from uihelp import axe, load, shot, text, wait_step

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is needed")


def download(page, selector: str, timeout_s: float = 300):
    with page.expect_download(timeout=timeout_s * 1000) as info:
        page.click(selector)
    dl = info.value
    return dl.suggested_filename, open(dl.path(), "rb").read()


def to_result(page, csv_bytes: bytes, name: str):
    from uihelp import drop_file, settle

    drop_file(page, name=name, data=csv_bytes)
    settle(page)
    page.click("#to-settings")
    page.click("#generate")
    wait_step(page, "result")


def small_credit() -> bytes:
    return b"".join((REPO_REAL / "credit.csv").read_bytes().splitlines(keepends=True)[:1201])


def evaluated(page, timeout_s: float = 600):
    page.wait_for_function("() => document.querySelector('.ev-summary') !== null || "
                           "!document.querySelector('#ev-message').hidden", timeout=timeout_s * 1000)
    assert page.is_hidden("#ev-message"), page.text_content("#ev-message")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_in_the_page_and_as_pdf(new_page, lang, tmp_path):
    page = new_page(lang=lang)
    to_result(page, small_credit(), "credit_part.csv")
    # options: target (default the last column), sensitive column, quasi-identifiers
    assert page.is_visible("#evaluation")
    # the suggestions before the first evaluation, each with its reason (issue 14 s1)
    assert page.text_content("#ev-target option") == text(
        lang, "report.page_suggested", column="Price", reason=text(lang, "roles.reason.last_eligible"))
    qi_note = page.text_content("#ev-qi-suggested")
    assert f"Age ({text(lang, 'roles.reason.demographic_name')})" in qi_note
    assert f"Status ({text(lang, 'roles.reason.few_values')})" in qi_note
    page.select_option("#ev-target", "Status")
    page.select_option("#ev-sensitive", "Job")
    for col in ("Age", "Home"):
        page.check(f"#evaluation label:text-is('{col}')")
    bad = axe(page, f"report-{lang}-options")
    assert bad == [], json.dumps(bad, indent=1)
    page.focus("#evaluate")  # by keyboard
    page.keyboard.press("Enter")
    page.wait_for_function("() => /\\d/.test(document.querySelector('#ev-status').textContent)")
    evaluated(page)
    assert page.evaluate("() => document.activeElement.id") == "h-ev-summary"  # focus moves to the result
    # the summary first: one verdict per aspect, with its figure
    verdicts = page.eval_on_selector_all(".verdict", "els => els.map(e => e.dataset.aspect)")
    assert verdicts[:7] == ["utility", "analysis", "copies", "rep_u", "disco", "inference", "membership"]
    assert "fit" in verdicts  # issue 14: the combined fit
    summary = page.text_content(".ev-summary")
    assert text(lang, "report.section.summary") in summary and "AUC" in summary
    assert not re.search(r"\b(report|metrics|verdict)\.[a-z_]+", page.text_content("#evaluation"))
    # sections fold open; plots are SVG drawn in the page, with text alternatives
    sections = page.eval_on_selector_all(".ev-section", "els => els.map(e => [e.id, e.open])")
    assert sections == [[f"ev-{s}", False] for s in ("columns", "utility", "pairs", "combinations", "analysis",
                                                      "structure", "disclosure")]
    page.focus("#ev-columns > summary")
    page.keyboard.press("Enter")
    for sid in ("pairs", "combinations", "analysis", "disclosure", "utility"):
        page.click(f"#ev-{sid} > summary")
    assert page.locator("#ev-columns svg.ev-plot").count() == 14
    labels = page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")
    assert all(labels) and len(labels) >= 14 + 4
    assert page.locator("#ev-pairs svg.ev-heat").count() == 4  # two-way, real, synthetic, difference
    page.click("#ev-pairs .ev-values > summary >> nth=0")
    assert page.locator("#ev-pairs .ev-values table").first.is_visible()
    assert text(lang, "metrics.name.fit") in page.text_content("#ev-analysis")  # issue 14
    assert page.locator("#ev-fit-means").is_visible()
    disclosure = page.text_content("#ev-disclosure")
    assert "DiSCO" in disclosure and "Job" in disclosure and text(lang, "metrics.name.dcr") in disclosure
    shot(page, f"report-{lang}-page")
    bad = axe(page, f"report-{lang}-open")
    assert bad == [], json.dumps(bad, indent=1)
    # the PDF, made in the worker in the page's language
    name, pdf = download(page, "#dl-pdf")
    assert name.endswith("_report.pdf") and pdf[:5] == b"%PDF-"
    assert page.text_content("#pdf-status") == text(lang, "report.page_pdf_saved", name=name)
    path = tmp_path / name
    path.write_bytes(pdf)
    txt = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(txt.split())
    assert text(lang, "report.title") in flat and "credit_part.csv" in flat
    assert text(lang, "report.section.disclosure") in flat and "Pyodide" in flat
    assert not re.search(r"\b(report|metrics|verdict)\.[a-z_]+", flat)
    # the JSON download holds the evaluation
    _, js = download(page, "#dl-json")
    doc = json.loads(js)
    assert doc["evaluation"]["options"]["target"] == "Status"
    assert doc["evaluation"]["options"]["quasi_identifiers"] == ["Home", "Age"]  # table order
    assert doc["evaluation"]["summary"][0]["aspect"] == "utility"
    assert not [m for m in page.recorder.console if m.startswith("pageerror")]


def test_cancel_an_evaluation_keeps_the_page_usable(new_page):
    page = new_page(lang="en")
    load(page, REPO_REAL / "adult.csv")
    page.click("#to-settings")
    page.click("#generate")
    wait_step(page, "result")
    _, before = download(page, "#dl-csv")
    page.evaluate("() => { window.firstWorker = window.localsynth.engine.worker; }")
    page.click("#evaluate")
    # cancel inside the two-way logistic model (seconds in one step): the worker must be replaced
    page.wait_for_function("(t) => document.querySelector('#ev-status').textContent.includes(t)",
                           arg=text("en", "metrics.progress.logit_interactions"), timeout=300_000)
    page.click("#ev-cancel")
    page.wait_for_function("(t) => document.querySelector('#ev-status').textContent === t",
                           arg=text("en", "report.page_cancelled"), timeout=300_000)
    assert page.evaluate("() => window.firstWorker !== window.localsynth.engine.worker")
    assert page.is_hidden("#ev-cancel") and page.is_enabled("#evaluate")
    # the new worker was given the file and made the same synthetic data again (same seed)
    _, after = download(page, "#dl-csv")
    assert after == before and before.count(b"\n") > 30000
