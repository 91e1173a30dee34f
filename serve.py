#!/usr/bin/env python3
"""Serve LocalSynth on this computer (standard library only).

    python serve.py                 # build what is missing, serve on http://127.0.0.1:8000/, open the browser
    python serve.py --no-browser --port 0 --host 127.0.0.1

In the project folder it first builds the static site (dist/site/) if it is missing or out of date,
which needs the network once, for the Pyodide runtime; after that it needs no network at all. Copied
into a built site folder (build_wheel.py puts a copy there) it just serves that folder.

The page makes no request to any origin but this one; the Content-Security-Policy headers sent here
(and the <meta> policy in index.html, for static hosting) make the browser enforce that.
"""

from __future__ import annotations

import argparse
import errno
import functools
import http.server
import socket
import sys
import threading
import webbrowser
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The page: only our own origin. No 'unsafe-eval' here.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
            "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; "
            "frame-ancestors 'none'")
# The worker that runs Pyodide: wasm compilation, and eval, which Pyodide's loader needs for packages
# with compiled code (without it loadPackage hangs). Still only our own origin.
WORKER_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; connect-src 'self'; "
              "object-src 'none'; base-uri 'self'")
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
         ".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8"}


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    verbose = False

    def end_headers(self):
        path = self.path.split("?", 1)[0]
        self.send_header("Content-Security-Policy", WORKER_CSP if path.endswith("js/worker.js") else PAGE_CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if self.verbose:
            super().log_message(fmt, *args)

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass


def site_folder(args) -> Path:
    """The folder to serve: dist/site of the project (built if needed), or the folder this script is in."""
    if not (HERE / "build_wheel.py").exists() and (HERE / "index.html").exists():
        return HERE  # a copy inside a built site
    sys.path.insert(0, str(HERE))
    import build_wheel

    if args.no_build:
        if not (build_wheel.SITE / "index.html").exists():
            sys.exit("serve.py: error: dist/site/ is not built; run without --no-build")
        return build_wheel.SITE
    if not build_wheel.site_is_current():
        print("Building LocalSynth (the first time this downloads the Pyodide runtime, about 60 MB)")
        build_wheel.build_site(pyodide_dist=args.pyodide_dist)
    return build_wheel.SITE


def make_server(folder: Path, host: str, port: int, verbose: bool = False) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(Handler, directory=str(folder))
    Handler.verbose = verbose
    tries = [port] if port == 0 else [port, *range(port + 1, port + 20)]
    last = None
    for p in tries:
        try:
            server = http.server.ThreadingHTTPServer((host, p), handler)
            server.daemon_threads = True
            return server
        except OSError as exc:
            last = exc
            if exc.errno != errno.EADDRINUSE:
                break
    raise SystemExit(f"serve.py: error: cannot listen on {host}:{port} ({last})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve LocalSynth locally.")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    ap.add_argument("--port", type=int, default=8000, help="port (default 8000, the next free one if taken; 0: any free port)")
    ap.add_argument("--no-browser", action="store_true", help="do not open a browser")
    ap.add_argument("--no-build", action="store_true", help="serve dist/site/ as it is")
    ap.add_argument("--pyodide-dist", metavar="PATH", help="a Pyodide 0.27.7 release folder or archive, for the build")
    ap.add_argument("--verbose", action="store_true", help="log every request")
    args = ap.parse_args(argv)
    folder = site_folder(args)
    server = make_server(folder, args.host, args.port, args.verbose)
    host, port = server.server_address[:2]
    shown = host if host not in ("0.0.0.0", "::") else socket.gethostname()
    url = f"http://{shown}:{port}/"
    print(f"LocalSynth is at {url}  (serving {folder}; Ctrl-C stops)", flush=True)
    if not args.no_browser:
        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
