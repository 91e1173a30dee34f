"""Issue 14's disclosure and utility items with known answers: the CAP family (Taub et al. 2018, as
DUOpop), isolated records copied closely (RRD/SRD, as DUOpop's calculate_DCR), one-way S_pMSE, and the
role suggestions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers_engine import load_bytes

from py_engine.evaluation.attribution import cap_family
from py_engine.evaluation.isolated import isolated_records
from py_engine.evaluation.roles import suggest_roles
from py_engine.evaluation.utility import one_way_spmse


def _qt(rows):
    return load_bytes(("q,t,z\n" + "\n".join(f"{q},{t},1" for q, t in rows) + "\n").encode())


def test_cap_family_hand_computed():
    train = _qt([("a", "x"), ("a", "x"), ("a", "y"), ("b", "y")])
    syn = _qt([("a", "x"), ("a", "y"), ("a", "y"), ("c", "y")])
    hold = _qt([("a", "y"), ("b", "y")])
    r = cap_family(train, syn, hold, ["q"], "t")
    assert r["base_cap"] == pytest.approx(0.5)  # (2/4)^2 + (2/4)^2
    assert r["cap_o"] == pytest.approx(2 / 3)  # (2/3)(2/4) + (1/3)(1/4) + (1/1)(1/4)
    assert r["cap_s"] == pytest.approx(1 / 3)  # (1/3)(2/4) + (2/3)(1/4) + 0 (key b not in synthetic)
    assert r["h_cap_s"] == pytest.approx(1 / 3)  # (2/3)(1/2) + 0
    assert r["normalised"] == pytest.approx(0.0) and r["reduction"] == pytest.approx(1.0)
    assert r["basis"] == "holdout"
    r = cap_family(train, syn, None, ["q"], "t")
    assert r["normalised"] == pytest.approx((1 / 3 - 0.5) / (2 / 3 - 0.5))
    assert r["basis"] == "base_cap" and r["reduction"] is None
    # the synthetic data a copy of the real data: CAPs = CAPo, normalised 1
    r = cap_family(train, train, _qt([("a", "x"), ("b", "x")]), ["q"], "t")  # hCAPs = (2/3)(1/2) + 0
    assert r["cap_s"] == pytest.approx(r["cap_o"]) and r["normalised"] == pytest.approx(1.0)


def _cloud(n, seed, outlier=None):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0, 1, n).round(3), rng.normal(0, 1, n).round(3)
    g = rng.choice(["u", "v"], n)
    lines = ["a,b,g"] + [f"{a[i]},{b[i]},{g[i]}" for i in range(n)]
    if outlier:
        lines.append(outlier)
    return "\n".join(lines) + "\n"


def test_isolated_record_copied_is_counted_and_no_record_leaves():
    far = "9.5,-9.5,u"
    train = load_bytes(_cloud(300, 1, far).encode())
    copy = load_bytes((_cloud(300, 2, far)).encode())
    clean = load_bytes(_cloud(301, 2).encode())
    hit = isolated_records(train, copy, None, ["a", "b", "g"])
    miss = isolated_records(train, clean, None, ["a", "b", "g"])
    assert hit["n_examined"] == 301 and hit["n_outliers"] == miss["n_outliers"] > 0
    assert hit["n_copied"] >= 1 and miss["n_copied"] <= hit["n_copied"] - 1
    text = json.dumps(hit)
    assert "9.5" not in text and "-9.5" not in text  # distances only, never the record
    assert len(hit["points"]["rrd"]) == 301 and max(hit["points"]["rrd"]) == pytest.approx(
        max(hit["points"]["rrd"]))
    hold = load_bytes(_cloud(100, 3).encode())
    withh = isolated_records(train, copy, hold, ["a", "b", "g"])
    assert withh["n_holdout_outliers"] is not None and withh["natural"] is not None


def test_one_way_spmse_hand_computed():
    real = _qt([("a", "x")] * 6 + [("b", "x")] * 4)
    syn = _qt([("a", "x")] * 4 + [("b", "x")] * 6)
    out = {r["column"]: r for r in one_way_spmse(real, syn, ["q", "t"])}
    # cells a: d 6, s 4; b: d 4, s 6; N 20, c 1/2: pMSE = (10 (0.4-0.5)^2 + 10 (0.6-0.5)^2)/20 = 0.01
    # E0 = (2-1)(1/2)(1/2)^2/20 = 1/160; S_pMSE = 1.6
    assert out["q"]["pmse"] == pytest.approx(0.01) and out["q"]["s_pmse"] == pytest.approx(1.6)
    assert out["t"]["s_pmse"] is None  # one non-empty cell


def test_roles_skip_identifiers_codes_derived_near_constant():
    rng = np.random.default_rng(0)
    n = 300
    rows = ["id,school_code,age,sex,score,score_c,region,flag"]
    for i in range(n):
        score = round(float(rng.normal(50, 10)), 2)
        rows.append(f"{1000 + i},S{rng.integers(0, 200)},{rng.integers(18, 65)},{rng.choice(['m', 'f'])},"
                    f"{score},{score - 50:.2f},{rng.choice(['n', 'e', 's', 'w'])},{'y' if i == 0 else 'n'}")
    ds = load_bytes(("\n".join(rows) + "\n").encode())
    r = suggest_roles(ds)
    skipped = {s["column"]: s["reason"] for s in r["skipped"]}
    assert skipped.get("school_code") == "code"
    assert skipped.get("score_c") == "derived"
    assert skipped.get("flag") == "near_constant"
    assert "id" not in [q["column"] for q in r["quasi_identifiers"]] and r["target"]["column"] != "id"
    assert r["target"]["column"] == "region"
    qi = [q["column"] for q in r["quasi_identifiers"]]
    assert qi[:2] == ["age", "sex"] and "score_c" not in qi


@pytest.mark.parametrize("name, key, outcome", [("hsb", "School", "MathAch"), ("exam", "school", "sex")])
def test_roles_with_groups_key_first_attributes_implied_member_number_skipped(name, key, outcome):
    """Issue 10: the group key is the first quasi-identifier suggested (an attacker knows the school),
    its attributes follow from it and are not suggested besides it, the target is a member's column
    (not a school attribute such as exam's type), and exam's `student` (a pupil's number within the
    school) is skipped as a member number. Without the structure the key is skipped as a code."""
    from pathlib import Path

    from py_engine.structure import find_structure

    ds = load_bytes((Path(__file__).parent / "data" / "multilevel" / f"{name}.csv").read_bytes())
    doc = find_structure(ds)
    attrs = next(g for g in doc["groups"] if g["key"] == key)["attributes"]
    r = suggest_roles(ds, structure=doc)
    qi = [q["column"] for q in r["quasi_identifiers"]]
    assert r["quasi_identifiers"][0] == {"column": key, "reason": "group_key"}
    assert not set(qi) & set(attrs), qi
    assert r["target"]["column"] == outcome and outcome not in attrs
    skipped = {s["column"]: s["reason"] for s in r["skipped"]}
    assert key not in skipped
    if name == "exam":
        assert skipped["student"] == "member_id"
    flat = suggest_roles(ds)
    assert key not in [q["column"] for q in flat["quasi_identifiers"]]
    assert {s["column"]: s["reason"] for s in flat["skipped"]}.get(key) == "code"


def test_evaluation_uses_the_group_key_as_a_quasi_identifier():
    """The evaluation's default quasi-identifiers come from the structure it checks (the result's
    structure in the context, else found in the real rows)."""
    from pathlib import Path

    from py_engine.evaluation.runner import resolve_options

    ds = load_bytes((Path(__file__).parent / "data" / "multilevel" / "hsb.csv").read_bytes())
    opts = resolve_options(ds, {}, {})
    assert opts["quasi_identifiers"][0] == "School"
    off = resolve_options(ds, {}, {"structure": {"off": True}})
    assert "School" not in off["quasi_identifiers"]
