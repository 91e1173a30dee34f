"""The built site served on a free port and opened in headless Chromium until the page is ready: the
start every browser benchmark shares (evaluation_browser.py, manylevel_browser.py)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path


@contextlib.contextmanager
def ready_page(site: Path, timeout_ms: int = 600_000):
    """Yields (page, seconds to page-ready) for `site` served by its own serve.py; closes all after."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(site / "serve.py"), "--no-browser", "--no-build", "--port",
                               str(port)], cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page()
            page.set_default_timeout(timeout_ms)
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?lang=en")
            page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=300_000)
            yield page, time.perf_counter() - t0
            browser.close()
    finally:
        server.terminate()
        server.wait(5)
