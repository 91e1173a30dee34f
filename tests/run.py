#!/usr/bin/env python3
"""Run every LocalSynth test: `python tests/run.py` (extra arguments go to pytest, e.g. -m "not browser").

Standard library only. It makes what the tests need, then runs them:
1. a virtual environment in .venv with requirements-test.txt (the same numpy/pandas/scipy/scikit-learn
   as Pyodide 0.27.7), re-installed when that file changes;
2. the static site in dist/site (build_wheel.py; the Pyodide runtime comes from the cache after the
   first build);
3. `ruff check`, then pytest: engine tests on CPython, build tests, and browser tests that drive the
   built page in headless Chromium (Debian's `chromium`; set LOCALSYNTH_CHROMIUM for another path).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
REQS = ROOT / "requirements-test.txt"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    stamp = VENV / ".requirements.sha256"
    want = hashlib.sha256(REQS.read_bytes()).hexdigest()
    if venv_python().exists() and stamp.exists() and stamp.read_text().strip() == want:
        return venv_python()
    if not venv_python().exists():
        print("creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing requirements-test.txt into .venv", flush=True)
    subprocess.run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(REQS)], check=True)
    stamp.write_text(want)
    return venv_python()


def chromium_path() -> str | None:
    path = os.environ.get("LOCALSYNTH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("tests/run.py: Python 3.11 or newer is needed")
    py = ensure_venv()
    browser_needed = not any("not browser" in a for a in argv)
    if browser_needed and not chromium_path():
        sys.exit("tests/run.py: the browser tests need Chromium. On Debian/Ubuntu: "
                 "sudo apt-get install chromium (or set LOCALSYNTH_CHROMIUM=/path/to/chromium).")
    print("building the site (python build_wheel.py)", flush=True)
    subprocess.run([str(py), str(ROOT / "build_wheel.py")], check=True, cwd=ROOT)
    print("ruff check", flush=True)
    lint = subprocess.run([str(py), "-m", "ruff", "check", str(ROOT)], cwd=ROOT)
    if lint.returncode:
        return lint.returncode
    env = dict(os.environ, LOCALSYNTH_SITE_BUILT="1")
    return subprocess.run([str(py), "-m", "pytest", *argv], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
