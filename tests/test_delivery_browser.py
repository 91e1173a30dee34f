"""The offline app in a real browser: Pyodide loads from our own folder, a dropped CSV comes back as a
schema, nothing goes to another origin, and a tampered runtime file fails loudly."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from conftest import REAL, ROOT, Server, free_port, wait_ready
from uihelp import drop_file

sys.path.insert(0, str(ROOT))
import serve


def schema_rows(page) -> dict[str, str]:
    page.wait_for_selector("#schema-table tbody tr")
    rows = page.eval_on_selector_all(
        "#schema-table tbody tr",
        "rows => rows.map(r => [r.dataset.column, r.querySelector('[data-type]').dataset.type])")
    return dict(rows)


def test_dropped_csv_comes_back_as_schema(ready_page):
    page = ready_page
    drop_file(page, REAL / "credit.csv")
    types = schema_rows(page)
    assert types["Status"] == "categorical"
    assert types["Seniority"] == "integer"
    assert types["Income"] == "numeric"
    assert types["Records"] == "boolean"
    shape = page.text_content("#data-shape")
    assert "4,454" in shape and "14" in shape
    # the worker really ran our engine under Pyodide 0.27.7
    versions = page.evaluate("window.localsynth.state.versions")
    assert versions["pyodide"] == "0.27.7"
    assert versions["numpy"] == "2.0.2" and versions["pandas"] == "2.2.3"


def test_every_request_goes_to_our_own_origin(ready_page):
    page = ready_page
    drop_file(page, REAL / "wage.csv")
    schema_rows(page)
    rec = page.recorder
    assert rec.offsite() == []
    fetched = " ".join(rec.requests)
    # the worker's requests are recorded too: the runtime and the packages came from our folder
    for name in ["pyodide.asm.wasm", "python_stdlib.zip", "numpy-2.0.2", "pandas-2.2.3", "localsynth_engine"]:
        assert name in fetched, name


def test_page_works_with_all_offsite_traffic_blocked(new_page, server):
    blocked = []

    def only_own_origin(route):
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page = new_page(check_offsite=False, offline=False)
    page.context.route("**/*", only_own_origin)
    page.reload()
    wait_ready(page)
    drop_file(page, REAL / "credit.csv")
    assert schema_rows(page)["Status"] == "categorical"
    assert blocked == []


def test_errors_arrive_as_messages_in_the_users_language(new_page, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    page = new_page(lang="nl")
    wait_ready(page)
    drop_file(page, empty)
    page.wait_for_selector("#data-message:not([hidden])")
    assert page.text_content("#data-message") == "Het bestand is leeg."
    assert "Traceback" not in page.content()


def test_content_security_policy_is_sent_and_enforced(ready_page, server):
    with urllib.request.urlopen(server.url) as resp:
        page_csp = resp.headers["Content-Security-Policy"]
    with urllib.request.urlopen(server.url + "js/worker.js") as resp:
        worker_csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in page_csp and "unsafe-eval" not in page_csp
    assert "connect-src 'self'" in page_csp
    assert "'unsafe-eval'" in worker_csp and "connect-src 'self'" in worker_csp
    html = (server.url and ready_page.content())
    assert 'http-equiv="Content-Security-Policy"' in html
    # the browser enforces it: the page cannot reach another origin
    result = ready_page.evaluate(
        "fetch('http://127.0.0.1:9/x').then(() => 'reached', e => 'blocked: ' + e.message)")
    assert result.startswith("blocked")


@pytest.fixture
def tampered_site(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    return copy


@pytest.mark.parametrize("victim", ["pyodide.asm.wasm", "scikit_learn-1.6.1-cp312-cp312-pyodide_2024_0_wasm32.whl"])
def test_tampered_runtime_file_fails_loudly(browser, tampered_site, victim):
    path = tampered_site / "pyodide" / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    srv = Server(tampered_site)
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(srv.url + "?lang=en")
        page.wait_for_selector("#runtime-status[data-state='error']", timeout=180_000)
        text = page.text_content("#runtime-status")
        assert victim in text and "checksum" in text
        ctx.close()
    finally:
        srv.stop()


def _static_server(root: Path, handler_cls=http.server.SimpleHTTPRequestHandler):
    port = free_port()
    handler = functools.partial(handler_cls, directory=str(root))
    handler_cls.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{port}/"


def test_site_works_under_a_sub_path_on_a_plain_static_server(browser, site, tmp_path):
    """Copied as-is to a static server that sends no special headers, under a sub-path."""
    root = tmp_path / "www"
    shutil.copytree(site, root / "intranet" / "tools" / "localsynth")

    class Plain(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                          ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript"}

    httpd, url = _static_server(root, Plain)
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        requests = []
        ctx.on("request", lambda r: requests.append(r.url))
        page.goto(url + "intranet/tools/localsynth/")
        wait_ready(page)
        drop_file(page, REAL / "wage.csv")
        assert schema_rows(page)["wage"] == "numeric"
        assert all(r.startswith(url + "intranet/tools/localsynth/") for r in requests), requests
        ctx.close()
    finally:
        httpd.shutdown()


def test_serve_py_prints_a_local_url_and_serves_the_page(site):
    srv = Server(site)
    try:
        line = srv.proc.stdout.readline()
        assert f"http://127.0.0.1:{srv.port}/" in line
        with urllib.request.urlopen(srv.url) as resp:
            assert resp.status == 200
            assert "LocalSynth" in resp.read().decode()
        with urllib.request.urlopen(srv.url + "pyodide/pyodide.asm.wasm") as resp:
            assert resp.headers["Content-Type"] == "application/wasm"
        manifest = json.loads(urllib.request.urlopen(srv.url + "manifest.json").read())
        assert manifest["pyodide_version"] == "0.27.7"
    finally:
        srv.stop()


def test_serve_py_in_the_project_serves_dist_site(site):
    args = serve.main.__code__  # noqa: F841 - the module imports without side effects
    assert serve.site_folder(type("A", (), {"no_build": True, "pyodide_dist": None})()) == site
