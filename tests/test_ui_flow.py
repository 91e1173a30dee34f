"""The whole flow a data steward goes through, in the real page, in English and in Dutch: upload,
check and change the columns, change the file format and back, settings, generate with each method,
cancel, download CSV (both styles) and JSON and check what is in them. axe-core at every step, and a
screenshot of every step in tests/artifacts/ (look at them).

One page per language, shared by all the steps: each fresh page loads Pyodide (10-30 s).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REAL, wait_ready
from uihelp import axe, column_types, discard, drop_file, included, settle, shot, text, wait_step

from py_engine.synthesis import auto_minbucket

# The English run reads credit.csv as it is; the Dutch run a copy written the Dutch way
# (semicolons, decimal commas, Windows line ends), as Excel saves it here.
CREDIT_ROWS = 4454


def dutch_credit(tmp_path) -> Path:
    df = pd.read_csv(REAL / "credit.csv", dtype=str, keep_default_na=False)
    for col in ("Income", "Assets", "Debt"):
        df[col] = df[col].str.replace(".", ",", regex=False)
    buf = io.StringIO()
    df.to_csv(buf, sep=";", index=False, lineterminator="\r\n")
    path = tmp_path / "krediet.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def no_serious(page, label):
    bad = axe(page, label)
    assert bad == [], f"axe, {label}: {json.dumps(bad, indent=1)}"


def download(page, selector: str):
    with page.expect_download() as info:
        page.click(selector)
    dl = info.value
    data = open(dl.path(), "rb").read()
    return dl.suggested_filename, data


def generate(page, method: str, lang: str, label: str):
    page.check(f"#method-{method}")
    had = page.evaluate("() => window.localsynth.state.result !== null")
    page.click("#generate")
    if had:  # a result is there: the page asks before replacing it
        discard(page)
    wait_step(page, "result", timeout_s=600)
    assert page.is_visible("#step-result")
    summary = page.text_content("#result-summary")
    assert text(lang, "method." + method) in summary
    shot(page, f"flow-{lang}-5-result-{method}")


def read_csv(data: bytes, sep: str, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=sep, dtype=str, keep_default_na=False, encoding=encoding)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_whole_flow(new_page, tmp_path, lang):
    t_start = time.perf_counter()
    page = new_page(lang=lang)
    page.set_viewport_size({"width": 1280, "height": 900})
    rec = page.recorder

    # ---- 1. open: the explanation is there at once, the runtime loads quietly
    page.wait_for_function("() => !document.documentElement.classList.contains('js-pending')", timeout=10_000)
    assert page.text_content("#h-data") == text(lang, "data.title")
    assert text(lang, "data.privacy") == page.text_content("[data-i18n='data.privacy']")
    assert page.get_attribute("html", "lang") == lang
    shot(page, f"flow-{lang}-0-open")
    wait_ready(page)
    assert page.text_content("#runtime-status") == text(lang, "load.ready_long")
    no_serious(page, f"{lang}-open")
    page.click("[data-help=privacy]")
    assert page.is_visible("#help")
    assert page.text_content("#help-privacy") == text(lang, "help.privacy_h")
    shot(page, f"flow-{lang}-0-help")
    no_serious(page, f"{lang}-help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#help")

    # ---- 2. data: upload (the file chooser in English, a drop in Dutch)
    if lang == "en":
        path, sep, dec, rows_text = REAL / "credit.csv", ",", ".", "4,454"
        with page.expect_file_chooser() as fc:
            page.click("label[for=file-input]")
        fc.value.set_files(str(path))
    else:
        path, sep, dec, rows_text = dutch_credit(tmp_path), ";", ",", "4.454"
        drop_file(page, path)
    settle(page)
    name = path.name
    assert page.text_content("#data-name") == name
    assert rows_text in page.text_content("#data-shape")
    assert page.input_value("#opt-delimiter") == sep and page.input_value("#opt-decimal") == dec
    types = column_types(page)
    assert types["Status"] == "categorical" and types["Time"] == "integer" and types["Income"] == "numeric"
    assert types["Records"] == "boolean"
    assert len(page.query_selector_all("#preview-table tbody tr")) == 10
    home = page.locator("#schema-table tr[data-column='Home']")
    assert "6" in home.locator("td.num").first.text_content()  # 6 missing cells in Home

    # change a type: Time (loan term in months) becomes a category
    page.select_option("#schema-table tr[data-column='Time'] select", "categorical")
    settle(page)
    assert column_types(page)["Time"] == "categorical"
    # a type the values do not allow: a clear message, the column stays as it was
    page.select_option("#schema-table tr[data-column='Home'] select", "numeric")
    settle(page)
    assert page.is_visible("#column-message")
    msg = page.text_content("#column-message")
    assert "Home" in msg and msg.startswith(text(lang, "errors.schema.not_numbers").split("'")[0])
    assert column_types(page)["Home"] == "categorical"
    assert page.input_value("#schema-table tr[data-column='Home'] select") == "categorical"
    # exclude a column
    page.uncheck("#schema-table tr[data-column='Assets'] input[type=checkbox]")
    settle(page)
    assert included(page)["Assets"] is False
    assert text(lang, "reason.user") in page.text_content("#schema-table tr[data-column='Assets']")
    assert page.text_content("#col-included") == text(lang, "data.included", included=13, columns=14)
    # a missing-value code: 0 in Debt means 'unknown' (for the test)
    debt_codes = page.locator("#schema-table tr[data-column='Debt'] input.codes")
    debt_codes.fill("0")
    debt_codes.press("Enter")
    settle(page)
    debt = page.evaluate("() => window.localsynth.state.summary.columns.find(c => c.name === 'Debt')")
    assert debt["missing_codes"] == ["0"] and debt["missing_count"] > 1000
    # search the columns
    page.fill("#col-search", "in")
    visible = page.eval_on_selector_all("#schema-table tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.column)")
    assert visible == ["Income"]
    page.fill("#col-search", "")
    shot(page, f"flow-{lang}-1-data")
    no_serious(page, f"{lang}-data")

    # the file format: a wrong separator, then back; the column choices survive
    other = "\t"
    page.select_option("#opt-delimiter", other)
    settle(page)
    assert page.evaluate("() => window.localsynth.state.summary.n_columns") == 1
    assert text(lang, "warnings.read.one_column", delimiter=other) in page.text_content("#data-warnings")
    page.select_option("#opt-delimiter", sep)
    settle(page)
    assert column_types(page)["Time"] == "categorical" and included(page)["Assets"] is False
    assert page.text_content("#col-included") == text(lang, "data.included", included=13, columns=14)

    # ---- 3. settings
    page.click("#to-settings")
    assert page.is_visible("#step-settings")
    assert page.evaluate("() => document.activeElement.id") == "h-settings"
    assert page.is_checked("#method-cart") and page.is_checked("#missing-synthesise") and page.is_checked("#holdout")
    assert page.input_value("#n-rows") == str(CREDIT_ROWS)
    seed = page.input_value("#seed")
    assert seed.isdigit()
    page.click("#new-seed")
    assert page.input_value("#seed") != seed
    page.fill("#n-rows", "abc")
    page.click("#generate")
    assert page.is_visible("#n-rows-error") and page.get_attribute("#n-rows", "aria-invalid") == "true"
    assert page.text_content("#settings-message") == text(lang, "settings.invalid")
    assert page.is_visible("#step-settings")
    page.fill("#n-rows", "2000")
    page.fill("#seed", "20240501")
    page.click("#advanced summary")
    assert page.is_visible("#minbucket") and page.input_value("#minbucket") == ""
    train_rows = CREDIT_ROWS - round(CREDIT_ROWS * 0.2)
    assert page.get_attribute("#minbucket", "placeholder") == text(lang, "settings.minbucket_auto", value=auto_minbucket(train_rows))
    assert page.input_value("#smoothing") == "density"
    order = page.eval_on_selector_all("#visit-list .visit-name", "els => els.map(e => e.textContent)")
    assert "Assets" not in order and len(order) == 13
    page.click(f"[data-key='up:{order[1]}']")  # second column first
    order2 = page.eval_on_selector_all("#visit-list .visit-name", "els => els.map(e => e.textContent)")
    assert order2[:2] == [order[1], order[0]]
    shot(page, f"flow-{lang}-2-settings")
    no_serious(page, f"{lang}-settings")
    page.check("#method-gc")
    assert page.is_disabled("#minbucket") and page.is_visible("#advanced-note")
    page.check("#method-cart")

    # ---- 4. generate with CART: progress per column, then the result
    page.click("#generate")
    page.wait_for_function("() => window.localsynth.state.run && window.localsynth.state.run.progress")
    status = page.text_content("#gen-status")
    if page.evaluate("() => Boolean(window.localsynth.state.run)"):
        assert text(lang, "progress.column").split("{")[0] in status, status
    wait_step(page, "result")
    result = page.evaluate("() => window.localsynth.state.result")
    assert result["n_rows"] == 2000 and result["seed"] == 20240501
    assert result["settings"]["visit_sequence"][:2] == order2[:2]
    assert result["holdout_rows"] == round(CREDIT_ROWS * 0.2) and result["train_rows"] == CREDIT_ROWS - result["holdout_rows"]
    shot(page, f"flow-{lang}-4-result")
    no_serious(page, f"{lang}-result")
    syn_head = page.eval_on_selector_all("#syn-preview thead th", "ths => ths.map(t => t.textContent)")
    real_head = page.eval_on_selector_all("#real-preview thead th", "ths => ths.map(t => t.textContent)")
    assert syn_head == real_head and "Assets" not in syn_head and len(syn_head) == 13
    assert page.is_visible("#evaluation-slot")

    # downloads: CSV in the input's style, standard CSV, JSON
    today = _dt.date.today().isoformat()
    stem = name.rsplit(".", 1)[0]
    fname, data = download(page, "#dl-csv")
    assert fname == f"{stem}_synthetic_{today}.csv"
    assert page.text_content("#download-status").startswith(text(lang, "result.saved", name=fname, size="")[:8])
    df = read_csv(data, sep)
    real = read_csv(path.read_bytes(), sep)
    assert list(df.columns) == [c for c in real.columns if c != "Assets"]
    assert len(df) == 2000
    assert set(df["Time"]) <= set(real["Time"])
    assert set(df["Records"]) <= {"yes", "no"}
    assert (df["Income"] == "").sum() > 0, "missing values are synthesised as in the data"
    assert (df["Home"] == "").sum() >= 0 and (df["Debt"].isin(["0.0", "0,0"])).sum() > 0, "the missing code is written back"
    if dec == ",":
        assert df["Income"].str.contains(",").any() and not df["Income"].str.contains(r"\.").any()
        assert b"\r\n" in data
    incomes = pd.to_numeric(df["Income"].str.replace(",", "."), errors="coerce")
    assert incomes.notna().mean() > 0.8 and incomes.min() >= 0
    fname, data = download(page, "#dl-csv-standard")
    assert fname == f"{stem}_synthetic_{today}_standard.csv"  # not the name of the CSV like the file
    std = read_csv(data, ",")
    assert list(std.columns) == list(df.columns) and len(std) == 2000
    assert not std["Income"].str.contains(",").any()
    fname, data = download(page, "#dl-json")
    assert fname == f"{stem}_synthetic_{today}.json"
    doc = json.loads(data)
    assert doc["seed"] == 20240501 and doc["method"] == "cart"
    assert doc["settings"]["n_rows"] == 2000 and doc["settings"]["minbucket"] == auto_minbucket(train_rows)
    assert doc["settings"]["smoothing"] == "density"
    assert doc["localsynth"]["engine_version"]
    assert len(doc["records"]) == 2000 and set(doc["records"][0]) == set(df.columns)
    schema = {c["name"]: c for c in doc["schema"]}
    assert schema["Time"]["type"] == "categorical" and "Assets" not in schema
    assert any(r["Income"] is None for r in doc["records"])
    assert all(isinstance(r["Age"], int) for r in doc["records"][:50])

    # ---- the other methods
    for method in ("gc", "marginal"):
        page.click("#again")
        assert page.is_visible("#step-settings")
        generate(page, method, lang, f"{lang}-{method}")
        _, data = download(page, "#dl-csv")
        df = read_csv(data, sep)
        assert len(df) == 2000 and list(df.columns) == [c for c in real.columns if c != "Assets"]
        assert (df["Income"] == "").sum() > 0
        assert set(df["Status"]) <= {"good", "bad"}

    # ---- cancel: a long run stops within a second or so, and everything is kept
    page.click("#again")
    page.check("#method-cart")
    page.fill("#n-rows", "400000")
    page.click("#generate")
    discard(page)
    page.wait_for_function("() => window.localsynth.state.run && window.localsynth.state.run.progress")
    assert page.is_visible("#step-generate")
    assert page.text_content("#gen-elapsed").startswith(text(lang, "generate.elapsed", time="")[:5])
    shot(page, f"flow-{lang}-3-generate")
    no_serious(page, f"{lang}-generate")
    t0 = time.perf_counter()
    page.click("#cancel")
    page.wait_for_function("() => !window.localsynth.state.run", timeout=5000)
    stopped_in = time.perf_counter() - t0
    assert stopped_in < 2.0, f"cancel took {stopped_in:.1f} s"
    assert page.is_visible("#step-settings")
    assert page.text_content("#notice") == text(lang, "generate.cancelled")
    assert page.input_value("#n-rows") == "400000" and page.input_value("#seed") == "20240501"
    assert page.text_content("#settings-data").startswith(name)
    shot(page, f"flow-{lang}-3-cancelled")
    # the page is usable at once: generate again (after a restart the runtime reloads first)
    page.fill("#n-rows", "300")
    generate(page, "marginal", lang, f"{lang}-after-cancel")
    assert page.evaluate("() => window.localsynth.state.result.n_rows") == 300
    page.click("[data-goto=data]")
    assert column_types(page)["Time"] == "categorical" and included(page)["Assets"] is False

    # ---- start over: the data is dropped from the page and the worker
    page.click("#start-over")
    discard(page)
    # the page clears once the dialog has closed (an event after the click): wait for it
    page.wait_for_selector("#data-summary", state="hidden", timeout=10_000)
    assert page.is_visible("#step-data") and not page.is_visible("#data-summary")
    assert page.text_content("#notice") == text(lang, "app.cleared")
    assert page.evaluate("() => window.localsynth.engine.heldFile") is None
    assert page.evaluate("() => window.localsynth.state.summary") is None
    assert page.is_disabled("[data-goto=settings]") and page.is_disabled("[data-goto=result]")
    page.click("#demo")
    settle(page)
    assert page.text_content("#data-name") == "adult_demo.csv"
    assert rec.offsite() == []
    print(f"flow {lang}: {time.perf_counter() - t_start:.0f} s")
