"""Build tests for the ways of opening LocalSynth: the portable folder's payloads and checksums,
the service worker's version, and the editable install (PEP 660)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import build_wheel  # noqa: E402


@pytest.fixture(scope="module")
def built(site):
    return site, build_wheel.build_portable(site, quiet=True)


def portable_index(folder: Path) -> dict:
    text = (folder / "js" / "portable-files.js").read_text()
    return json.loads(re.search(r"LocalSynthPortable\.index = (\{.*?\});", text, re.S).group(1))


def test_every_payload_holds_its_site_file_byte_for_byte(built):
    site, portable = built
    manifest = json.loads((site / "manifest.json").read_text())
    index = portable_index(portable)
    wanted = {p for p in manifest["files"] if p.startswith(("pyodide/", "i18n/", "demo/"))} | {"manifest.json"}
    assert set(index) == wanted
    for rel, script in index.items():
        text = (portable / script).read_text()
        m = re.fullmatch(r'LocalSynthPortable\.deliver\(("[^"]+"), "([A-Za-z0-9+/=]*)"\);\n', text)
        assert m and json.loads(m.group(1)) == rel, script
        data = base64.b64decode(m.group(2), validate=True)
        if rel == "manifest.json":
            assert data == (site / "manifest.json").read_bytes()
        else:
            assert hashlib.sha256(data).hexdigest() == manifest["files"][rel], rel


def test_portable_page_policy_and_scripts(built):
    _site, portable = built
    html = (portable / "index.html").read_text()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert csp == build_wheel.PORTABLE_CSP
    assert "unsafe-inline" not in csp and "http" not in csp and "*" not in csp
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="js/' in attrs and body.strip() == "" for attrs, body in scripts)
    assert 'type="module"' not in html
    for attrs, _ in scripts:
        assert (portable / re.search(r'src="([^"]+)"', attrs).group(1)).is_file()
    bundle = (portable / "js" / "bundle.js").read_text()
    assert not re.search(r"^(import|export)[\s{*]", bundle, re.M) and "import.meta" not in bundle
    for name in ("app.js", "engine.js", "worker.js", "offline.js"):
        if name != "worker.js":
            assert f"// ---- js/{name}" in bundle
    worker = (portable / "js" / "portable-files.js").read_text()
    assert 'from \\"../pyodide/pyodide.mjs\\"' not in worker and "import.meta" not in worker
    assert "LocalSynthPortable.workerSource" in worker


def test_bundle_rejects_module_forms_it_cannot_take(tmp_path):
    (tmp_path / "app.js").write_text('import { a } from "./b.js";\nexport default a;\n')
    (tmp_path / "b.js").write_text("export const a = 1;\n")
    with pytest.raises(SystemExit, match="app.js:2"):
        build_wheel.bundle_modules(tmp_path)
    (tmp_path / "app.js").write_text('import { a as c } from "./b.js";\nexport function f() { return c; }\n')
    out = build_wheel.bundle_modules(tmp_path)
    assert 'const { a: c } = __modules["b.js"];' in out and "return { f };" in out


def test_service_worker_version_follows_the_files(site, tmp_path):
    manifest = json.loads((site / "manifest.json").read_text())
    sw = (site / "sw.js").read_text()
    assert f'const VERSION = "{manifest["version"]}";' in sw
    assert manifest["files"]["sw.js"] == hashlib.sha256((site / "sw.js").read_bytes()).hexdigest()
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    assert build_wheel.seal_site(copy) == manifest["version"]  # same files, same version
    (copy / "css" / "app.css").write_text((copy / "css" / "app.css").read_text() + "/* x */")
    new = build_wheel.seal_site(copy)
    assert new != manifest["version"] and f'"{new}"' in (copy / "sw.js").read_text()
    assert json.loads((copy / "manifest.json").read_text())["engine"] == manifest["engine"]


def test_editable_wheel_points_at_the_checkout(tmp_path):
    name = build_wheel.build_editable(str(tmp_path))
    with zipfile.ZipFile(tmp_path / name) as zf:
        names = zf.namelist()
        pth = [n for n in names if n.endswith(".pth")]
        assert len(pth) == 1 and zf.read(pth[0]).decode().strip() == str(ROOT)
        assert not [n for n in names if n.startswith("py_engine/")]
        assert any(n.endswith(".dist-info/RECORD") for n in names)
