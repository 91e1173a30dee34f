"""m synthetic data sets through the worker's entry points (py_engine/browser.py, issue 14 section 3):
each set's seed, the single-set downloads (set 1..m), one zip of all sets with deterministic bytes,
and the evaluation's combined fit over the m sets."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from py_engine import browser
from py_engine.dataset import to_csv_bytes

CSV = ("x,g,y\n" + "".join(f"{20 + (7 * i) % 41},{'abc'[i % 3]},{(3 * i) % 17 + (i % 3)}\n" for i in range(160))).encode()


def run(coro):  # in a thread of its own: a session's Playwright browser may hold this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def export(fmt, **options):
    out = json.loads(run(browser.export(fmt, json.dumps({"lang": "en", **options}))))
    if "error" in out:
        return out, None
    return out["ok"], browser.last_export_bytes()


@pytest.fixture(scope="module")
def session():
    browser.clear()
    assert "ok" in json.loads(browser.inspect(CSV, "small.csv", "{}"))
    res = json.loads(run(browser.synthesise(json.dumps({"method": "cart", "seed": 41, "m": 3, "holdout": 0.2}))))
    assert "ok" in res, res
    yield res["ok"]
    browser.clear()


def test_seeds_recorded_and_single_set_downloads(session):
    assert session["m"] == 3 and session["seeds"] == [41, 42, 43]
    copies = browser._S.result.copies
    for k in (1, 2, 3):
        info, data = export("csv-standard", set=k)
        assert info["name"].endswith(f"_set{k}_standard.csv")
        assert data == to_csv_bytes(copies[k - 1], "standard")
    info, data = export("json", set=2)
    doc = json.loads(data)
    assert info["name"].endswith("_set2.json") and doc["set"] == 2 and doc["seed"] == 42
    assert doc["sets"] == [{"set": 1, "seed": 41}, {"set": 2, "seed": 42}, {"set": 3, "seed": 43}]
    assert len(doc["records"]) == copies[1].n_rows
    bad, _ = export("csv", set=4)
    assert bad["error"]["code"] == "bad_set" and bad["error"]["params"]["m"] == 3
    bad, _ = export("csv", set="2")
    assert bad["error"]["code"] == "bad_set"


def test_zip_of_all_sets_is_deterministic(session):
    info, data = export("zip")
    assert info["name"].endswith("_sets.zip") and info["mime"] == "application/zip"
    _, again = export("zip")
    assert data == again  # the same bytes every time
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    stem = info["name"][: -len("_sets.zip")]
    assert names == [f"{stem}_1.csv", f"{stem}_2.csv", f"{stem}_3.csv", f"{stem}_sets.csv", f"{stem}_codebook.csv"]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
    for k, c in enumerate(browser._S.result.copies, start=1):
        assert zf.read(f"{stem}_{k}.csv") == to_csv_bytes(c, "original")
    sets = zf.read(f"{stem}_sets.csv").decode().splitlines()
    assert sets == ["set,seed,rows,file", f"1,41,{browser._S.result.copies[0].n_rows},{stem}_1.csv",
                    f"2,42,{browser._S.result.copies[1].n_rows},{stem}_2.csv",
                    f"3,43,{browser._S.result.copies[2].n_rows},{stem}_3.csv"]
    assert zf.read(f"{stem}_codebook.csv").decode("utf-8-sig").startswith("Column,Type,")


def test_evaluation_combines_the_m_sets(session):
    rep = json.loads(run(browser.evaluate(json.dumps({"lang": "en", "target": "y"}))))
    assert "ok" in rep, rep
    fit = rep["ok"]["analysis"]["fit"]
    assert fit["status"] == "ok" and fit["m"] == 3 and fit["target"] == "y"
    assert all(len(t["synthetic"]["per_copy"]) == 3 for t in fit["terms"])
    assert rep["ok"]["codebook"]["m"] == 3
