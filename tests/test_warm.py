"""py_engine/warm.py, the warm-start cache's Python side (issue 11), on CPython: the blob format, the
hash-based bytecode (unchecked, and checked: validated by Python against its source), the standard-library bytecode
served for modules of a zip without compiling them, and the UTC zone file."""

from __future__ import annotations

import builtins
import datetime
import importlib
import io
import sys
import zipfile

import pytest

from py_engine import warm


def test_pack_and_unpack_round_trip():
    files = [(warm.META, b'{"format": 1}'), ("/a/b.py", b"x = 1\n"), ("/a/\u00e9.bin", bytes(range(256))), ("/e", b"")]
    blob = warm.pack(files)
    assert blob.startswith(warm.MAGIC)
    assert warm.unpack(blob) == files
    with pytest.raises(ValueError):
        warm.unpack(b"not a blob")


@pytest.fixture
def clean_import(tmp_path, monkeypatch):
    """A folder on sys.path whose modules are forgotten again afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]
    importlib.invalidate_caches()


def _compiles(monkeypatch) -> list[str]:
    seen: list[str] = []
    orig = builtins.compile

    def counting(source, filename, *args, **kwargs):
        seen.append(str(filename))
        return orig(source, filename, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", counting)
    return seen


def test_checked_hash_pyc_is_used_and_a_changed_source_is_not_run_from_it(clean_import):
    folder = clean_import
    src = folder / "warm_mod_a.py"
    src.write_bytes(b"VALUE = 'from source'\n")
    code = marshal_code(b"VALUE = 'from the cached bytecode'\n", str(src))
    cache = folder / "__pycache__" / f"warm_mod_a.{sys.implementation.cache_tag}.pyc"
    cache.parent.mkdir()
    # a pyc made for this very source (but holding other code, to see which one runs)
    cache.write_bytes(warm.hash_pyc(code, src.read_bytes(), checked=True))
    assert importlib.import_module("warm_mod_a").VALUE == "from the cached bytecode"
    del sys.modules["warm_mod_a"]
    # the source changes: Python checks the hash and compiles the new source instead
    src.write_bytes(b"VALUE = 'new source'\n")
    importlib.invalidate_caches()
    assert importlib.import_module("warm_mod_a").VALUE == "new source"


def marshal_code(source: bytes, filename: str) -> bytes:
    import marshal

    return marshal.dumps(compile(source, filename, "exec", dont_inherit=True))


def _zip_stdlib(folder):
    """A zip standing in for python312.zip: a package with two submodules and a plain module."""
    zpath = folder / "fakestdlib.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("wpkg/__init__.py", "from . import cached\nNAME = 'wpkg'\n")
        z.writestr("wpkg/cached.py", "X = 41 + 1\n")
        z.writestr("wpkg/later.py", "Y = 'not cached'\n")
        z.writestr("wplain.py", "import wpkg\nZ = wpkg.cached.X\n")
    return zpath


def test_stdlib_bytecode_serves_zip_modules_without_compiling(clean_import, monkeypatch):
    folder = clean_import
    zpath = _zip_stdlib(folder)
    monkeypatch.syspath_prepend(str(zpath))
    zip_prefix = str(zpath) + "/"
    import wplain  # first start: from the zip, compiled

    assert wplain.Z == 42
    stdlib_dir = folder / "pyc"
    blob = warm.collect([], stdlib_zip=zip_prefix, stdlib_dir=str(stdlib_dir))
    files = dict(warm.unpack(blob)[1:])
    assert sorted(p.removeprefix(str(stdlib_dir)) for p in files) == ["/wpkg/__init__.pyc", "/wpkg/cached.pyc",
                                                                       "/wplain.pyc"]
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    for name in ["wplain", "wpkg", "wpkg.cached"]:
        del sys.modules[name]
    # the next start: the same modules come from the cached bytecode, with the zip's origins
    seen = _compiles(monkeypatch)
    finder_count = sum(isinstance(f, warm.StdlibBytecode) for f in sys.meta_path)
    assert warm.use_stdlib_bytecode(str(stdlib_dir), zip_prefix)
    try:
        import wplain as again

        assert again.Z == 42 and seen == []
        assert again.__file__ == zip_prefix + "wplain.py"
        pkg = sys.modules["wpkg"]
        assert pkg.__path__ == [zip_prefix + "wpkg"] and pkg.__spec__.origin == zip_prefix + "wpkg/__init__.py"
        # a submodule that has no cached bytecode still comes from the zip
        later = importlib.import_module("wpkg.later")
        # (zipimport compiles it twice: once to name its file in find_spec, once to run it)
        assert later.Y == "not cached" and set(seen) == {zip_prefix + "wpkg/later.py"}
        # the source is still there for tracebacks and inspect
        import inspect

        assert inspect.getsource(again).startswith("import wpkg")
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, warm.StdlibBytecode)]
    assert sum(isinstance(f, warm.StdlibBytecode) for f in sys.meta_path) == finder_count == 0


def test_collect_skips_what_the_snapshot_holds_and_keeps_the_packages_files(clean_import, monkeypatch):
    folder = clean_import
    zpath = _zip_stdlib(folder)
    monkeypatch.syspath_prepend(str(zpath))
    import wplain  # noqa: F401

    blob = warm.collect(["pytest"], in_snapshot=["wpkg", "wpkg.cached"], stdlib_zip=str(zpath) + "/",
                        stdlib_dir=str(folder / "pyc"))
    entries = warm.unpack(blob)
    meta = __import__("json").loads(entries[0][1])
    paths = [p for p, _ in entries[1:]]
    assert entries[0][0] == warm.META and meta["format"] == warm.FORMAT and "pytest" in meta["packages"]
    assert [p for p in paths if p.startswith(str(folder / "pyc"))] == [str(folder / "pyc" / "wplain.pyc")]
    # pytest's own files, and an (unchecked) hash-based pyc of the same source for its imported modules
    import pytest as pt

    assert pt.__file__ in paths
    pyc = dict(entries[1:])[importlib.util.cache_from_source(pt.__file__)]
    assert pyc[4:8] == (1).to_bytes(4, "little")
    assert pyc[8:16] == importlib.util.source_hash(open(pt.__file__, "rb").read())


def test_an_unchecked_pyc_is_used_without_reading_the_source(clean_import):
    folder = clean_import
    src = folder / "warm_mod_b.py"
    src.write_bytes(b"VALUE = 'from source'\n")
    cache = folder / "__pycache__" / f"warm_mod_b.{sys.implementation.cache_tag}.pyc"
    cache.parent.mkdir()
    cache.write_bytes(warm.hash_pyc(marshal_code(b"VALUE = 'cached'\n", str(src)), src.read_bytes()))
    src.write_bytes(b"VALUE = 'changed afterwards'\n")  # unchecked: Python does not look
    assert importlib.import_module("warm_mod_b").VALUE == "cached"


def test_a_stale_pyc_python_wrote_is_not_packed(clean_import):
    """collect() reuses the pyc Python wrote on import only while it is of the current source."""
    folder = clean_import
    src = folder / "warm_mod_c.py"
    src.write_bytes(b"VALUE = 1\n")
    import py_compile

    py_compile.compile(str(src), doraise=True)
    code = warm._code_bytes(str(src), src.read_bytes())
    assert __import__("marshal").loads(code).co_consts[0] == 1
    src.write_bytes(b"VALUE = 22222\n")  # another size: the written pyc is stale
    code = warm._code_bytes(str(src), src.read_bytes())
    assert 22222 in __import__("marshal").loads(code).co_consts


def test_utc_zone_file_reads_as_utc(tmp_path):
    from dateutil import tz

    zone = tz.tzfile(io.BytesIO(warm.UTC_TZIF))
    moment = datetime.datetime(2024, 7, 1, 12, tzinfo=zone)
    assert moment.utcoffset() == datetime.timedelta(0) and moment.tzname() == "UTC"
    # on CPython dateutil is imported already: nothing is written
    assert warm.utc_zone(str(tmp_path / "zoneinfo")) is False
