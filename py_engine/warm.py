"""What the page keeps between visits to start faster (issue 11): the files of the packages that the
start loads, the bytecode of the modules it imports, and the reseeding of a Python restored from a
memory snapshot.

On every start Pyodide unpacks the wheels of numpy, pandas and the engine again and compiles every
module from source: its wheels and its standard library (`/lib/python312.zip`) carry no bytecode,
and `sys.dont_write_bytecode` is set. The worker (web/js/worker.js) therefore asks, once the first
start of a build is done, for `collect(packages)`: one blob (format below) with
- every file of those packages' distributions, as the first start unpacked them from wheels whose
  sha256 Pyodide checked against the build's pyodide-lock.json;
- for each imported module of those packages, a hash-based pyc (PEP 552) made from the very source
  that goes in the same blob (the pyc Python wrote on import is taken only while its date and size
  still match the source, else the source is compiled). The pyc is "unchecked": source and
  bytecode are written together from one blob, so Python need not read and hash every source again
  on import (it would: 360 more file reads of the warm start); `hash_pyc(..., checked=True)` makes
  the checked kind, which Python validates against the source itself;
- for each imported module of the standard library, its bytecode under `STDLIB_DIR`, which
  `use_stdlib_bytecode()` lets the zip's modules use (`StdlibBytecode`: the zip's own spec, only the
  code unmarshalled instead of compiled). The zip has no sources on disk to check against; the
  worker keys the blob to the build's manifest (which pins the zip's sha256), so another runtime
  never sees this blob.
On the next start the worker writes the files itself (before Python imports anything of ours), marks
the packages loaded and loads their shared libraries as Pyodide's loadPackage would.

Blob format (little-endian): MAGIC, a u32 count, then per file a u32 length and the UTF-8 path, a
u32 length and the bytes. The first file is `#meta`, JSON: {"format", "packages": {name: [shared
library paths]}, "stdlib_dir"}. Nothing here reads the user's data; the blob holds only our build.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import marshal
import os
import struct
import sys
import zipimport

MAGIC = b"LSWARM1\n"
FORMAT = 1
META = "#meta"
STDLIB_ZIP = "/lib/python312.zip/"
STDLIB_DIR = "/lib/python3.12/localsynth-stdlib-pyc"
# PEP 552 flags: bit 0 hash-based, bit 1 check_source
_FLAGS_HASH = {True: (0b11).to_bytes(4, "little"), False: (0b01).to_bytes(4, "little")}


def prepare() -> None:
    """Let Python write bytecode while the first start imports, so collect() need not compile it again."""
    sys.dont_write_bytecode = False


# A TZif file (RFC 8536, version 1: no transitions, one type, UTC+0 "UTC"): the v1 part of Debian's
# /usr/share/zoneinfo/UTC, with version byte 0 as it has no v2 part.
UTC_TZIF = b"TZif" + bytes(16) + struct.pack(">6l", 0, 0, 0, 0, 1, 4) + struct.pack(">lbb", 0, 0, 0) + b"UTC\0"
ZONEINFO = "/usr/share/zoneinfo"


def utc_zone(zoneinfo: str = ZONEINFO) -> bool:
    """Give Pyodide the UTC zone file a system has, so that importing pandas stays fast; True if written.

    pandas' tslibs ask dateutil for gettz("UTC") while they import. Pyodide has no system zoneinfo, so
    dateutil falls back to its bundled tarball and reads all ~600 zones of it (a quarter of the engine's
    import time in the browser). With this file dateutil reads one file, as on CPython on Linux."""
    path = os.path.join(zoneinfo, "UTC")
    if os.path.exists(path) or "dateutil" in sys.modules:
        return False
    os.makedirs(zoneinfo, exist_ok=True)
    with open(path, "wb") as f:
        f.write(UTC_TZIF)
    return True


def after_restore() -> None:
    """A Python restored from a memory snapshot starts with the snapshot's state: give `random` new seeds.

    (The engine draws its numbers from numpy generators seeded by the user's seed and the DP noise from
    `secrets`, which reads the operating system's source; this is for any other user of `random`.)"""
    import random

    random.seed()


class StdlibBytecode:
    """A meta path finder for the standard library's cached bytecode (`collect()` wrote it to `root`).

    For a module with a cached pyc it gives the spec the zip's own importer would give (same origin,
    same package path, so a submodule without a cached pyc still comes from the zip), with a loader
    that unmarshals the cached code instead of compiling the source. (It does not ask the zip's
    importer for the spec: zipimport's find_spec compiles the module's source once just to name its
    file, and its loader compiles it again.)"""

    def __init__(self, root: str, zip_path: str = STDLIB_ZIP.rstrip("/")):
        self.root, self.zip_path = root, zip_path
        self.pycs: dict[str, tuple[str, bool]] = {}  # module name -> (pyc path, is a package)
        for folder, _dirs, names in os.walk(root):
            for name in names:
                if name.endswith(".pyc"):
                    rel = os.path.relpath(os.path.join(folder, name), root)[:-4].split(os.sep)
                    package = rel[-1] == "__init__"
                    self.pycs[".".join(rel[:-1] if package else rel)] = (os.path.join(folder, name), package)

    def find_spec(self, fullname, path=None, target=None):
        found = self.pycs.get(fullname)
        if found is None:
            return None
        pyc, package = found
        rel = fullname.replace(".", "/")
        origin = f"{self.zip_path}/{rel}/__init__.py" if package else f"{self.zip_path}/{rel}.py"
        # the zip's importer of the folder that holds the module (or the package's folder)
        zipper = zipimport.zipimporter(os.path.dirname(os.path.dirname(origin) if package else origin))
        spec = importlib.machinery.ModuleSpec(fullname, _CachedLoader(zipper, pyc), origin=origin,
                                              is_package=package)
        if package:
            spec.submodule_search_locations = [f"{self.zip_path}/{rel}"]
        spec.has_location = True
        return spec


class _CachedLoader:
    """The zip's loader, but exec_module runs the cached code (everything else is the zip's)."""

    def __init__(self, loader, pyc: str):
        self._loader, self._pyc = loader, pyc

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        try:
            data = _read(self._pyc)
            code = marshal.loads(data[16:]) if data[:4] == importlib.util.MAGIC_NUMBER else None
        except (OSError, ValueError, EOFError, TypeError):
            code = None
        if code is None:
            code = self._loader.get_code(module.__name__)
        exec(code, module.__dict__)  # the module's own code, as any loader runs it


def use_stdlib_bytecode(stdlib_dir: str = STDLIB_DIR, stdlib_zip: str = STDLIB_ZIP) -> bool:
    """Let imports of the standard library use the bytecode written there; False if there is none."""
    if not os.path.isdir(stdlib_dir) or any(isinstance(f, StdlibBytecode) for f in sys.meta_path):
        return False
    finder = StdlibBytecode(stdlib_dir, stdlib_zip.rstrip("/"))
    at = next((i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder), len(sys.meta_path))
    sys.meta_path.insert(at, finder)
    return True


def pack(files: list[tuple[str, bytes]]) -> bytes:
    """The blob of (path, bytes) pairs (module docstring)."""
    parts = [MAGIC, struct.pack("<I", len(files))]
    for path, data in files:
        p = path.encode("utf-8")
        parts += [struct.pack("<I", len(p)), p, struct.pack("<I", len(data)), data]
    return b"".join(parts)


def unpack(blob: bytes) -> list[tuple[str, bytes]]:
    """pack's inverse (the worker has its own reader, web/js/worker.js readWarmFiles; a test runs both)."""
    if blob[:len(MAGIC)] != MAGIC:
        raise ValueError("not a LocalSynth warm-start blob")
    off = len(MAGIC)
    (count,) = struct.unpack_from("<I", blob, off)
    off += 4
    out = []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", blob, off)
        path = blob[off + 4:off + 4 + n].decode("utf-8")
        off += 4 + n
        (n,) = struct.unpack_from("<I", blob, off)
        out.append((path, blob[off + 4:off + 4 + n]))
        off += 4 + n
    return out


def hash_pyc(code_bytes: bytes, source: bytes, checked: bool = False) -> bytes:
    """A PEP 552 hash-based pyc: magic, flags (0b11 checked, 0b01 unchecked), siphash of the source, code."""
    return importlib.util.MAGIC_NUMBER + _FLAGS_HASH[checked] + importlib.util.source_hash(source) + code_bytes


def sourceless_pyc(code_bytes: bytes) -> bytes:
    """A pyc for a directory without sources: the sourceless loader checks only the magic number."""
    return importlib.util.MAGIC_NUMBER + bytes(12) + code_bytes


def _code_bytes(origin: str, source: bytes) -> bytes:
    """The marshalled code of a module: from the pyc Python wrote while importing it if that pyc is of
    this source (its header's date and size, as Python checks them), else compiled from the source."""
    try:
        with open(importlib.util.cache_from_source(origin), "rb") as f:
            data = f.read()
        st = os.stat(origin)
        header = struct.pack("<III", 0, int(st.st_mtime) & 0xFFFFFFFF, len(source) & 0xFFFFFFFF)
        if data[:4] == importlib.util.MAGIC_NUMBER and data[4:16] == header and len(data) > 16:
            return data[16:]
    except OSError:
        pass
    return marshal.dumps(compile(source, origin, "exec", dont_inherit=True))


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def distribution_files(name: str) -> list[str]:
    """The files of an installed distribution (its RECORD and its .dist-info folder), no __pycache__."""
    import importlib.metadata  # here, not at the top: a warm start imports this module first, and fast

    dist = importlib.metadata.distribution(name)
    paths = {os.path.normpath(str(f.locate())) for f in (dist.files or [])}
    info = getattr(dist, "_path", None)
    if info is not None and os.path.isdir(str(info)):
        paths |= {os.path.join(str(info), f) for f in os.listdir(str(info))}
    return sorted(p for p in paths if os.path.isfile(p) and "/__pycache__/" not in p)


def collect(packages: list[str], in_snapshot: list[str] = (), stdlib_zip: str = STDLIB_ZIP,
            stdlib_dir: str = STDLIB_DIR) -> bytes:
    """The warm-start blob for these (Pyodide package) names: their files and the bytecode of what is imported.

    `in_snapshot`: modules the memory snapshot already holds (a warm start never imports them).
    Python stops writing bytecode again (prepare() let it, for the start only)."""
    import json

    sys.dont_write_bytecode = True
    files: list[tuple[str, bytes]] = []
    sources: set[str] = set()
    skip = set(in_snapshot)
    meta = {"format": FORMAT, "packages": {}, "stdlib_dir": stdlib_dir}
    for name in packages:
        paths = distribution_files(name)
        files += [(p, _read(p)) for p in paths]
        sources |= {p for p in paths if p.endswith(".py")}
        meta["packages"][name] = [p for p in paths if p.endswith(".so")]
    for module in list(sys.modules.values()):
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        if not isinstance(origin, str) or not origin.endswith(".py"):
            continue
        if origin in sources:
            source = _read(origin)
            files.append((importlib.util.cache_from_source(origin),
                          hash_pyc(_code_bytes(origin, source), source)))
        elif origin.startswith(stdlib_zip) and spec.name not in skip:
            text = spec.loader.get_source(spec.name)
            if text is not None:
                code = marshal.dumps(compile(text, origin, "exec", dont_inherit=True))
                files.append((os.path.join(stdlib_dir, origin[len(stdlib_zip):-3] + ".pyc"), sourceless_pyc(code)))
    return pack([(META, json.dumps(meta).encode("utf-8")), *files])
