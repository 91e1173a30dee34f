"""Shared fixtures: real data files, the built site, a served copy of it, and headless Chromium.

Browser tests use Debian's Chromium through Playwright (`executable_path`), never a downloaded
browser. The site is built once per session (tests/run.py builds it before pytest starts; a bare
`pytest` run builds it here).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REAL = DATA / "real"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # screenshots etc.; not in git
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOAD_TIMEOUT_S = 240  # cold start on a busy 2-core machine


def chromium_path() -> str:
    return os.environ.get("LOCALSYNTH_CHROMIUM") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def real_data() -> Path:
    return REAL


@pytest.fixture(scope="session")
def site() -> Path:
    sys.path.insert(0, str(ROOT))
    import build_wheel

    if os.environ.get("LOCALSYNTH_SITE_BUILT") != "1" or not build_wheel.site_is_current():
        build_wheel.build_site(quiet=True)
    return build_wheel.SITE


class Server:
    def __init__(self, folder: Path, extra_args=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        script = folder / "serve.py"
        self.proc = subprocess.Popen([sys.executable, str(script), "--no-browser", "--no-build",
                                      "--port", str(self.port), *extra_args],
                                     cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"serve.py exited: {self.proc.stdout.read()}") from None
                time.sleep(0.1)
        raise RuntimeError("serve.py did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def server(site):
    """serve.py (the copy inside the built site) on a free port."""
    srv = Server(site)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: install Debian's chromium or set LOCALSYNTH_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        # no service worker unless a test asks for one (service_workers="allow", as
        # test_offline_browser.py does): each test starts from the server, not from what sw.js stored
        new_context = b.new_context

        def new_context_without_sw(**kwargs):
            kwargs.setdefault("service_workers", "block")
            return new_context(**kwargs)

        b.new_context = new_context_without_sw
        yield b
        b.close()


class PageRecorder:
    """Every request the page and its workers make, and every console message."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.requests: list[str] = []
        self.console: list[str] = []
        page.context.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def offsite(self) -> list[str]:
        mine = urlparse(self.origin)
        out = []
        for url in self.requests:
            u = urlparse(url)
            if u.scheme in ("data", "blob"):
                continue
            if (u.scheme, u.netloc) != (mine.scheme, mine.netloc):
                out.append(url)
        return out


def wait_ready(page, timeout_s: float = LOAD_TIMEOUT_S) -> None:
    """Wait until the worker reports the runtime ready (or fail with what the page shows)."""
    # a function, not an expression string: the page's CSP forbids eval of strings
    page.wait_for_function(
        "() => document.body.dataset.ready === 'true' || "
        "document.querySelector('#runtime-status')?.dataset.state === 'error'",
        timeout=timeout_s * 1000,
    )
    state = page.get_attribute("#runtime-status", "data-state")
    if state == "error":
        raise AssertionError("runtime failed to load: " + (page.text_content("#runtime-status") or ""))


@pytest.fixture
def new_page(browser, server, request):
    """A fresh browser context and page on the served site; off-origin requests fail the test."""
    contexts = []

    def make(url: str | None = None, *, lang: str = "en", check_offsite: bool = True, **ctx_args):
        ctx = browser.new_context(locale="en-GB" if lang == "en" else "nl-NL", accept_downloads=True,
                                  **ctx_args)
        contexts.append((ctx, check_offsite))
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        rec = PageRecorder(page, server.url)
        page.recorder = rec
        page.goto(url or f"{server.url}?lang={lang}")
        return page

    yield make
    for ctx, check in contexts:
        for page in ctx.pages:
            rec = getattr(page, "recorder", None)
            if check and rec is not None:
                assert rec.offsite() == [], f"requests to other origins: {rec.offsite()}"
        ctx.close()


@pytest.fixture
def ready_page(new_page):
    page = new_page()
    wait_ready(page)
    return page


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.fixturenames or "new_page" in item.fixturenames or "ready_page" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
