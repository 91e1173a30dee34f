"""The requests the page sends for the data step, at engine level (py_engine.browser on CPython):
every type change the column table offers gives a new schema or a clear message (never an internal
error), and the user's column choices survive a change of file format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REAL

from py_engine import browser
from py_engine.schema import TYPES

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "web" / "demo" / "adult_demo.csv"


def inspect(data, name, **options) -> dict:
    return json.loads(browser.inspect(data, name, json.dumps({"lang": "en", **options})))


@pytest.mark.parametrize("path", [DEMO, REAL / "credit.csv", REAL / "hotel_rates.csv"], ids=lambda p: p.name)
def test_every_type_change_is_applied_or_refused_clearly(path):
    first = inspect(path.read_bytes(), path.name)["ok"]
    failures = []
    for col in first["columns"]:
        for new_type in TYPES:
            out = inspect(None, None, overrides={col["name"]: {"type": new_type}})
            if "error" in out:
                err = out["error"]
                if err["kind"] != "settings" or err["column"] != col["name"]:
                    failures.append(f"{col['name']} -> {new_type}: {err['kind']} {err['code']} {err['message']}")
            else:
                got = next(c for c in out["ok"]["columns"] if c["name"] == col["name"])
                if got["type"] != new_type:
                    failures.append(f"{col['name']} -> {new_type}: became {got['type']}")
    assert failures == []


def test_whole_numbers_can_become_numbers():
    out = inspect(DEMO.read_bytes(), "adult_demo.csv", overrides={"age": {"type": "numeric"}})["ok"]
    age = next(c for c in out["columns"] if c["name"] == "age")
    assert age["type"] == "numeric" and age["decimals"] == 0


def test_column_choices_survive_another_file_format():
    data = (REAL / "credit.csv").read_bytes()
    choices = {"Time": {"type": "categorical"}, "Assets": {"exclude": True}}
    inspect(data, "credit.csv", overrides=choices)
    # the wrong separator: one column, the choices do not apply (and are not an error)
    tab = inspect(data, "credit.csv", delimiter="\t", overrides=choices, drop_unknown_overrides=True)["ok"]
    assert tab["n_columns"] == 1 and tab["warnings"][0]["code"] == "read.one_column"
    # without the flag an override of a column the table does not have is still refused
    assert inspect(data, "credit.csv", delimiter="\t", overrides=choices)["error"]["code"] == "schema.unknown_column"
    # back to commas: the choices apply again
    back = inspect(data, "credit.csv", delimiter=",", overrides=choices, drop_unknown_overrides=True)["ok"]
    cols = {c["name"]: c for c in back["columns"]}
    assert cols["Time"]["type"] == "categorical" and cols["Assets"]["exclude"]


def test_page_limit_matches_the_engine():
    engine_js = (ROOT / "web" / "js" / "engine.js").read_text()
    m = re.search(r"MAX_FILE_BYTES = (\d+) \* 1024 \* 1024", engine_js)
    assert m and int(m.group(1)) * 1024 * 1024 == browser.MAX_BYTES
    assert re.search(rf"MAX_FILE_MB = {browser.MAX_BYTES // 2**20};", engine_js)
