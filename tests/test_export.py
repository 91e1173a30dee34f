"""export.json_document: typed records, metadata, no NaN, codes kept, no real examples in the schema."""

from __future__ import annotations

import json

import pytest
from helpers_engine import load, load_bytes
from test_synthesis import _dated, _with_codes

from py_engine.export import json_document
from py_engine.synthesis import syn


def _doc(result, report=None):
    raw = json_document(result, "in.csv", report)
    text = raw.decode("utf-8")
    doc = json.loads(text)
    json.dumps(doc, allow_nan=False)  # no NaN/Infinity anywhere
    assert "NaN" not in text and "Infinity" not in text
    return doc


@pytest.mark.parametrize("method", ["cart", "gc", "marginal"])
def test_document_has_metadata_and_typed_records(method):
    credit = load("credit.csv")
    res = syn(credit, {"method": method, "seed": 1, "n_rows": 300})
    doc = _doc(res, report={"utility": {"s_pmse": float("nan"), "ok": 1.5}})
    assert doc["localsynth"]["engine_version"] and doc["localsynth"]["created"]
    assert doc["source"] == {"file": "in.csv", "rows": credit.n_rows}
    assert doc["method"] == method and doc["seed"] == 1 and doc["settings"]["seed"] == 1
    assert [c["name"] for c in doc["schema"]] == credit.columns == doc["columns"]
    assert all(c["examples"] == [] for c in doc["schema"])
    assert doc["evaluation"]["utility"] == {"s_pmse": None, "ok": 1.5}
    assert ("model" in doc) == (method != "cart")
    recs = doc["records"]
    assert len(recs) == 300 and list(recs[0]) == credit.columns
    for r in recs:
        assert isinstance(r["Status"], str)
        assert isinstance(r["Seniority"], int)
        assert r["Income"] is None or isinstance(r["Income"], (int, float))
        assert r["Records"] in ("no", "yes")
    assert any(r["Income"] is None for r in recs)


def test_dates_as_written_ids_as_strings():
    ds = load_bytes(_dated(), {"booking_id": {"exclude": False}})
    doc = _doc(syn(ds, {"method": "cart", "seed": 1, "n_rows": 50}))
    r = doc["records"][0]
    assert len(r["arrival_date"]) == 10 and r["arrival_date"][4] == "-"
    assert r["arrival_dmy"][2] == "/" and isinstance(r["booking_id"], str)


def test_missing_codes_kept_as_written_other_missing_null():
    ds = load_bytes(_with_codes(), {"age": {"missing_codes": ["-8", "9999"]}, "health_ins": {"missing_codes": ["-8"]}})
    doc = _doc(syn(ds, {"method": "cart", "seed": 2}))
    ages = [r["age"] for r in doc["records"]]
    assert -8 in ages and 9999 in ages and None not in ages
    assert all(isinstance(a, int) for a in ages)
    assert "-8" in {r["health_ins"] for r in doc["records"]}
