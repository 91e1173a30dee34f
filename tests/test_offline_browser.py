"""The served site as an installed offline app (sw.js): after the first visit the page opens and
works with the server gone; a new build is offered as an update that waits for the user and keeps
the result until then. Each test serves its own copy of dist/site (the server is stopped)."""

from __future__ import annotations

import shutil
import sys

import pytest
from conftest import ROOT, PageRecorder, Server, wait_ready
from uihelp import settle, text, wait_step


@pytest.fixture
def served_copy(site, tmp_path):
    folder = tmp_path / "site"
    shutil.copytree(site, folder)
    srv = Server(folder)
    yield folder, srv
    srv.stop()


def offline_ready(page, lang="en"):
    page.wait_for_function("() => document.querySelector('#offline-status').textContent !== ''", timeout=240_000)
    assert page.text_content("#offline-status") == text(lang, "app.offline_ready")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)


def synthesise_demo(page, method="marginal"):
    page.click("#demo")
    settle(page)
    page.click("#to-settings")
    page.check(f"#method-{method}")
    page.click("#generate")
    wait_step(page, "result")


def test_installed_app_works_with_the_server_gone(browser, served_copy):
    folder, srv = served_copy
    ctx = browser.new_context(locale="nl-NL", service_workers="allow")
    try:
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        rec = PageRecorder(page, srv.url)
        page.goto(srv.url + "?lang=nl")
        wait_ready(page)
        offline_ready(page, "nl")
        srv.stop()  # the server is gone
        ctx.set_offline(True)  # and the network cut
        page.reload()
        wait_ready(page)
        assert page.text_content("#offline-status") == text("nl", "app.offline_ready")
        synthesise_demo(page)
        assert "adult_demo.csv" in page.text_content("#result-summary") or page.is_visible("#step-result")
        # a second tab opens too
        page2 = ctx.new_page()
        page2.goto(srv.url + "?lang=en")
        wait_ready(page2)
        assert rec.offsite() == []
    finally:
        ctx.close()


def test_a_new_build_is_offered_and_waits_for_the_user(browser, served_copy):
    sys.path.insert(0, str(ROOT))
    import build_wheel

    folder, srv = served_copy
    ctx = browser.new_context(locale="en-GB", service_workers="allow")
    try:
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        page.goto(srv.url + "?lang=en")
        wait_ready(page)
        offline_ready(page)
        old = page.evaluate("() => fetch('manifest.json').then(r => r.json()).then(m => m.version)")
        synthesise_demo(page)
        # a new build is served: another file, another manifest
        css = folder / "css" / "app.css"
        css.write_text(css.read_text() + "\n/* new build */\n")
        new = build_wheel.seal_site(folder)
        assert new != old
        page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.wait_for_selector("#update:not([hidden])", timeout=240_000)
        assert page.text_content("#update-text") == text("en", "app.update_available_result")
        # nothing happens on its own: the result is still there, the old version still in use
        page.wait_for_timeout(1500)
        assert page.is_visible("#step-result")
        assert page.evaluate("() => fetch('manifest.json').then(r => r.json()).then(m => m.version)") == old
        page.click("#update-later")
        assert page.is_hidden("#update")
        assert page.is_visible("#step-result")
        # the user chooses to update on the next visit
        page.reload()
        wait_ready(page)
        page.wait_for_selector("#update:not([hidden])", timeout=60_000)
        assert page.text_content("#update-text") == text("en", "app.update_available")
        with page.expect_navigation():
            page.click("#update-now")
        wait_ready(page)
        version = page.evaluate("() => fetch('manifest.json').then(r => r.json()).then(m => m.version)")
        assert version == new
        assert "new build" in page.evaluate("() => fetch('css/app.css').then(r => r.text())")
    finally:
        ctx.close()
