"""The downloads of a "dp" run carry DP output and declared knowledge only (issue 12, notes s7.8)."""

import io
import json

import numpy as np
import pandas as pd

from py_engine.dataset import from_raw, to_csv_bytes
from py_engine.export import json_document
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.synthesis import syn

DOMAIN = {"format": "localsynth.dp-domain", "version": 1, "columns": [
    {"name": "a", "kind": "categorical", "levels": ["x", "y", "z"], "missing": ["", "NA"]},
    {"name": "n", "kind": "number", "lower": 0, "upper": 100, "bins": 10, "decimals": 0, "missing": [""]}]}


def table(rows: list[str]):
    raw = read_table(("a,n\n" + "\n".join(rows) + "\n").encode(), "t.csv")
    return from_raw(raw, infer_schema(raw))


def d1():  # 311 rows, levels x and y, 17 missing, numbers 3..40
    return table([f"{'xy'[i % 2]},{3 + i % 38}" for i in range(294)] + ["NA,5"] * 17)


def d2():  # 1207 rows, levels z only plus one unlisted, no missing, numbers 60..99
    return table([f"{'z' if i % 5 else 'w'},{60 + i % 40}" for i in range(1207)])


def header(result, report=None) -> dict:
    doc = json.loads(json_document(result, "t.csv", report=report))
    doc.pop("records")
    doc["localsynth"].pop("created")
    return doc


def test_dp_json_outside_the_model_is_the_same_for_any_table():
    """Everything but the model (the noisy answers) is a function of the declared inputs alone: two
    tables with different sizes, levels, missing counts and ranges give the same document."""
    settings = {"method": "dp", "epsilon": 1.0, "domain": DOMAIN, "seed": 5}
    h1 = header(syn(d1(), settings), report={"evaluation": "of the real rows"})
    h2 = header(syn(d2(), settings), report={"evaluation": "of the real rows"})
    m1, m2 = h1.pop("model"), h2.pop("model")
    assert h1 == h2
    assert "evaluation" not in h1 and "rows" not in h1["source"]
    for c in h1["schema"]:
        assert set(c) <= {"name", "type", "exclude", "missing_codes"}
    assert [n["code"] for n in h1["notes"]] == ["dp_budget"]
    # the model holds the noisy answers, the privacy block and the public domain, nothing else
    assert set(m1) == set(m2) == {"format", "version", "columns", "n_hat", "order", "parent", "tree", "node",
                                  "edges", "cmap", "fine", "measured_groups", "domain", "grid", "privacy"}
    assert m1["domain"] == m2["domain"] and m1["grid"] == m2["grid"]
    assert [c.get("levels") for c in m1["domain"]["columns"]] == [["x", "y", "z"], None]
    assert m1["privacy"]["domain_covered"] is True
    for k in ("epsilon", "delta", "rho", "rho_spent", "split"):
        assert k in m1["privacy"]


def test_the_model_carries_the_declared_domain_and_the_refined_grid_apart():
    """At high epsilon MST measures numbers on a finer grid (grid_for_epsilon); the model's domain is
    still the declared one, so reused as a domain file it gives the same grid again, not a finer one."""
    settings = {"method": "dp", "epsilon": 10.0, "domain": DOMAIN, "seed": 5}
    model = syn(d1(), settings).model
    declared = {c["name"]: c for c in DOMAIN["columns"]}
    assert [c["bins"] for c in model["domain"]["columns"] if c["kind"] == "number"] == [declared["n"]["bins"]]
    assert model["grid"] == {"n": 20} and len(model["fine"]["n"]) > declared["n"]["bins"]
    again = syn(d1(), {**settings, "domain": model["domain"]}).model
    assert again["grid"] == model["grid"] and again["domain"]["columns"] == model["domain"]["columns"]
    # sampling from the model decodes on the refined grid: every value within the declared bounds
    rows = syn(d1(), settings).synthetic
    n = pd.to_numeric(pd.Series(rows.values["n"]), errors="coerce").dropna()
    assert n.between(0, 100).all() and n.nunique() > declared["n"]["bins"]


def test_a_non_dp_json_still_has_its_counts():
    """The filter is specific to dp (the other methods keep source.rows and the schema's counts)."""
    h = header(syn(d1(), {"method": "marginal", "seed": 5}), report={"x": 1})
    assert h["source"]["rows"] == 311 and "evaluation" in h
    assert {c["name"]: c["missing_count"] for c in h["schema"]}["a"] == 17


def test_dp_csv_holds_only_declared_values():
    r = syn(d2(), {"method": "dp", "epsilon": 1.0, "domain": DOMAIN, "seed": 5})
    out = pd.read_csv(io.BytesIO(to_csv_bytes(r.synthetic, "standard")), keep_default_na=False, dtype=str)
    assert list(out.columns) == ["a", "n"]
    assert set(out["a"]) <= {"x", "y", "z", "Other", "", "NA"}
    num = pd.to_numeric(out["n"][out["n"] != ""])
    assert ((num >= 0) & (num <= 100)).all() and (num == np.round(num)).all()
    assert "w" not in set(out["a"])  # the unlisted real level never comes out, only "Other"
