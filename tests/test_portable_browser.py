"""The portable folder (dist/portable) opened from disk, as a file:// page with no server: the whole
flow with real downloads, every request on file:/blob:/data:, and a tampered runtime file that
stops the app naming it. Needs `python build_wheel.py` (tests/run.py builds) and the browser lock."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, PageRecorder, wait_ready
from uihelp import settle, text, wait_step

PORTABLE = ROOT / "dist" / "portable"


@pytest.fixture(scope="session")
def portable(site) -> Path:
    sys.path.insert(0, str(ROOT))
    import build_wheel

    return build_wheel.build_portable(site, quiet=True)


def open_folder(browser, folder: Path, lang: str = "en"):
    ctx = browser.new_context(locale="en-GB" if lang == "en" else "nl-NL", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    page.recorder = PageRecorder(page, "file:///")
    page.goto((folder / "index.html").as_uri() + f"?lang={lang}")
    return ctx, page


def download(page, selector: str, timeout_s: float = 300):
    with page.expect_download(timeout=timeout_s * 1000) as info:
        page.click(selector)
    dl = info.value
    return dl.suggested_filename, open(dl.path(), "rb").read()


def test_portable_folder_runs_the_whole_flow_from_disk(browser, portable):
    ctx, page = open_folder(browser, portable, "nl")
    try:
        assert page.url.startswith("file://")
        wait_ready(page)
        assert page.text_content("#runtime-status") == text("nl", "load.ready_long")
        assert page.is_hidden("#file-protocol")  # the message for dist/site opened as a file
        page.click("#demo")
        settle(page)
        assert page.text_content("#data-name") == "adult_demo.csv"
        page.click("#to-settings")
        page.check("#method-cart")
        page.fill("#seed", "11")
        page.click("#generate")
        wait_step(page, "result")
        name, csv = download(page, "#dl-csv")
        df = pd.read_csv(io.BytesIO(csv), dtype=str, keep_default_na=False)
        real = pd.read_csv(ROOT / "web" / "demo" / "adult_demo.csv", dtype=str, keep_default_na=False)
        assert list(df.columns) == list(real.columns) and len(df) == len(real)
        _, js = download(page, "#dl-json")
        doc = json.loads(js)
        assert doc["settings"]["seed"] == 11 and len(doc["records"]) == len(real)
        page.click("#evaluate")
        page.wait_for_function("() => document.querySelector('.ev-summary') !== null || "
                               "!document.querySelector('#ev-message').hidden", timeout=600_000)
        assert page.is_hidden("#ev-message"), page.text_content("#ev-message")
        name, pdf = download(page, "#dl-pdf", timeout_s=600)
        assert name.endswith("_report.pdf") and pdf[:5] == b"%PDF-" and len(pdf) > 20_000
        rec = page.recorder
        schemes = {r.split(":", 1)[0] for r in rec.requests}
        assert schemes <= {"file", "blob", "data"}, rec.requests
        assert rec.offsite() == []
        assert not [m for m in rec.console if m.startswith("pageerror")], rec.console
    finally:
        ctx.close()


def test_a_tampered_runtime_file_stops_the_app_naming_it(browser, portable, tmp_path):
    folder = tmp_path / "portable"
    shutil.copytree(portable, folder)
    index = json.loads(re.search(r"LocalSynthPortable\.index = (\{.*?\});", (folder / "js/portable-files.js")
                                 .read_text(), re.S).group(1))
    wheel = next(p for p in index if re.match(r"pyodide/numpy-.*\.whl$", p))
    payload = folder / index[wheel]
    m = re.fullmatch(r'LocalSynthPortable\.deliver\(("[^"]+"), "([A-Za-z0-9+/=]+)"\);\n', payload.read_text())
    data = bytearray(base64.b64decode(m.group(2)))
    data[len(data) // 2] ^= 0xFF
    payload.write_text(f'LocalSynthPortable.deliver({m.group(1)}, "{base64.b64encode(bytes(data)).decode()}");\n')
    ctx, page = open_folder(browser, folder, "en")
    try:
        page.wait_for_function("() => document.querySelector('#runtime-status')?.dataset.state === 'error'",
                               timeout=240_000)
        status = page.text_content("#runtime-status")
        file = wheel.rsplit("/", 1)[1]
        assert status == text("en", "errors.runtime.bad_file", file=file), status
        assert page.get_attribute("body", "data-ready") != "true"
        # the page stays usable: the help opens, the language switches
        page.click("[data-lang=nl]")
        # the strings of the other language arrive asynchronously (a script per file from file://)
        want = text("nl", "errors.runtime.bad_file", file=file)
        page.wait_for_function("(want) => document.querySelector('#runtime-status').textContent === want",
                               arg=want, timeout=30_000)
        assert page.text_content("#runtime-status") == want
    finally:
        ctx.close()


def test_the_served_site_opened_as_a_file_says_what_to_do(browser, site):
    ctx, page = open_folder(browser, site, "en")
    try:
        page.wait_for_timeout(1500)
        # module scripts do not run from file://: a classic script shows the bilingual message
        assert page.is_visible("#file-protocol")
        msg = page.text_content("#file-protocol")
        assert "portable" in msg and "serve.py" in msg
    finally:
        ctx.close()
