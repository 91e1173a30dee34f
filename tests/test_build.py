"""The delivery path: the engine wheel, the runtime manifest, the assembled site."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import build_wheel  # noqa: E402


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_wheel_is_pure_deterministic_and_complete(tmp_path):
    a = build_wheel.build_engine_wheel(tmp_path / "a")
    b = build_wheel.build_engine_wheel(tmp_path / "b")
    meta = build_wheel.project()
    assert a.name == f"localsynth_engine-{meta['version']}-py3-none-any.whl"
    assert sha(a) == sha(b), "the same sources must give the same wheel bytes"
    names = zipfile.ZipFile(a).namelist()
    for module in ["py_engine/__init__.py", "py_engine/reading.py", "py_engine/schema.py", "py_engine/browser.py",
                   "py_engine/locales/en.json", "py_engine/locales/nl.json"]:
        assert module in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    info = f"localsynth_engine-{meta['version']}.dist-info"
    wheel_meta = zipfile.ZipFile(a).read(f"{info}/WHEEL").decode()
    assert "Tag: py3-none-any" in wheel_meta and "Root-Is-Purelib: true" in wheel_meta
    # RECORD lists every file with its hash
    record = zipfile.ZipFile(a).read(f"{info}/RECORD").decode().splitlines()
    assert len(record) == len(names)


def test_wheel_installs_and_imports(tmp_path):
    wheel = build_wheel.build_engine_wheel(tmp_path)
    target = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    code = ("import py_engine, py_engine.i18n as i; print(py_engine.__version__, "
            "i.translate('errors.read.empty_file', 'nl'))")
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(target)}, capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout
    assert out.split()[0] == build_wheel.project()["version"]
    assert "leeg" in out


def test_engine_version_matches_pyproject():
    import py_engine

    assert py_engine.__version__ == build_wheel.project()["version"]


def test_manifest_pins_every_runtime_file():
    manifest = build_wheel.load_manifest()
    assert manifest["pyodide_version"] == "0.27.7"
    names = {f["name"] for f in manifest["files"]}
    for core in ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]:
        assert core in names
    for f in manifest["files"]:
        assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"]), f["name"]
        assert f["sources"], f["name"]
    # every package's dependencies are shipped too
    pk = manifest["packages"]
    for name, entry in pk.items():
        assert entry["file_name"] in names
        for dep in entry["depends"]:
            assert dep in pk, f"{name} needs {dep}"
    for needed in ["numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "reportlab"]:
        assert needed in pk


def test_cpython_versions_match_the_runtime():
    """The test environment has the same library versions as the Pyodide runtime (same seed, same output)."""
    pk = build_wheel.load_manifest()["packages"]
    for name in ["numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "reportlab"]:
        assert importlib.metadata.version(name) == pk[name]["version"], name
    reqs = (ROOT / "requirements-test.txt").read_text()
    for name in ["numpy", "pandas", "scipy", "scikit-learn"]:
        assert f"{name}=={pk[name]['version']}" in reqs


def test_built_site_matches_its_manifest(site):
    data = json.loads((site / "manifest.json").read_text())
    assert data["pyodide_version"] == "0.27.7"
    runtime = build_wheel.load_manifest()
    for f in runtime["files"]:
        path = site / "pyodide" / f["name"]
        assert path.exists(), f["name"]
        assert sha(path) == f["sha256"], f["name"]
        assert data["files"]["pyodide/" + f["name"]] == f["sha256"]
    for rel, digest in data["files"].items():
        assert sha(site / rel) == digest, rel
    lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text())
    engine = lock["packages"]["localsynth-engine"]
    assert sha(site / "pyodide" / engine["file_name"]) == engine["sha256"]
    for name, entry in lock["packages"].items():
        assert sha(site / "pyodide" / entry["file_name"]) == entry["sha256"], name
    for page in ["index.html", "js/app.js", "js/worker.js", "js/engine.js", "i18n/en.json", "i18n/nl.json",
                 "serve.py"]:
        assert (site / page).exists(), page
    assert build_wheel.site_is_current(site)


def test_site_uses_relative_urls_only(site):
    """No absolute URL and no root-relative path: the folder works under any sub-path, on any origin."""
    for path in list(site.rglob("*.html")) + list((site / "js").rglob("*.js")) + list(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org)", text), path
        assert not re.search(r"""(src|href)=["']/(?!/)""", text), path
        assert not re.search(r"""(fetch|import)\(\s*["']/""", text), path


def _fake_dist(tmp_path: Path, corrupt: str | None = None) -> Path:
    """A Pyodide 'release folder' made from the cache, optionally with one file altered."""
    manifest = build_wheel.load_manifest()
    cache = build_wheel.cache_dir() / f"pyodide-{manifest['pyodide_version']}"
    dist = tmp_path / "pyodide"
    dist.mkdir()
    for f in manifest["files"]:
        shutil.copy(cache / f["name"], dist / f["name"])
    if corrupt:
        with open(dist / corrupt, "ab") as fh:
            fh.write(b"\0")
    return dist


def test_runtime_from_a_release_folder(tmp_path, monkeypatch, site):
    dist = _fake_dist(tmp_path)
    monkeypatch.setenv("LOCALSYNTH_CACHE", str(tmp_path / "cache"))
    rt = build_wheel.Runtime(build_wheel.load_manifest(), dist, offline=True, quiet=True)
    rt.collect()
    assert set(rt.report.values()) == {"--pyodide-dist"}
    assert not rt.missing()


def test_mismatched_runtime_file_stops_the_build_naming_it(tmp_path, monkeypatch, site):
    dist = _fake_dist(tmp_path, corrupt="pandas-2.2.3-cp312-cp312-pyodide_2024_0_wasm32.whl")
    monkeypatch.setenv("LOCALSYNTH_CACHE", str(tmp_path / "cache"))
    rt = build_wheel.Runtime(build_wheel.load_manifest(), dist, offline=True, quiet=True)
    with pytest.raises(SystemExit) as exc:
        rt.collect()
    assert "pandas-2.2.3-cp312-cp312-pyodide_2024_0_wasm32.whl" in str(exc.value)
    assert "does not match the pinned sha256" in str(exc.value)


def test_no_source_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALSYNTH_CACHE", str(tmp_path / "empty-cache"))
    rt = build_wheel.Runtime(build_wheel.load_manifest(), None, offline=True, quiet=True)
    with pytest.raises(SystemExit) as exc:
        rt.collect()
    text = str(exc.value)
    assert "--pyodide-dist" in text and "pypi.org" in text and "could not be found" in text


def test_corrupted_cache_file_is_not_used(tmp_path, monkeypatch, site):
    manifest = build_wheel.load_manifest()
    src = build_wheel.cache_dir() / f"pyodide-{manifest['pyodide_version']}"
    cache = tmp_path / "cache"
    shutil.copytree(src, cache / f"pyodide-{manifest['pyodide_version']}")
    victim = cache / f"pyodide-{manifest['pyodide_version']}" / "pyodide.asm.wasm"
    victim.write_bytes(victim.read_bytes()[:-1] + b"x")
    monkeypatch.setenv("LOCALSYNTH_CACHE", str(cache))
    rt = build_wheel.Runtime(manifest, None, offline=True, quiet=True)
    with pytest.raises(SystemExit) as exc:
        rt.collect()
    assert "pyodide.asm.wasm" in str(exc.value)
    assert not victim.exists(), "a cached file that fails its sha256 is removed"


def test_pip_builds_the_same_wheel(tmp_path):
    """build_wheel.py is the PEP 517 backend: `pip wheel .` gives the wheel build_wheel.py gives."""
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
                          str(tmp_path / "pip"), str(ROOT)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    (pip_wheel,) = (tmp_path / "pip").glob("*.whl")
    ours = build_wheel.build_engine_wheel(tmp_path / "ours")
    assert pip_wheel.name == ours.name
    assert sha(pip_wheel) == sha(ours)
