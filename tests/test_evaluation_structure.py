"""evaluation/structure.py: known answers on hand-made structure documents and hand-made synthetic tables
(intact and broken), the verdict, the summary cap and the runner step."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from py_engine.evaluation import structure as st
from py_engine.evaluation.runner import evaluate
from py_engine.evaluation.summary import summarise
from tests.helpers_engine import load_bytes

OVERRIDES = {"school": {"type": "categorical"}, "district": {"type": "categorical"},
             "code": {"type": "categorical"}, "grp": {"type": "categorical"}}
SCORES = [[1, 2, 3, 4, 5], [2, 3, 4, 5, 6], [5, 6, 7, 8, 9], [1, 1, 2, 2, 3], [6, 7, 7, 8, 9], [3, 4, 4, 5, 9]]


def rows():
    """6 schools of 5 pupils; sector is a school attribute, school lies in district (S1-S3 in D1),
    code -> grp, y = score + 5, mscore = school mean of score."""
    out = []
    for s, scores in enumerate(SCORES):
        m = sum(scores) / 5
        for i, x in enumerate(scores):
            code = f"c{(s + i) % 4}"
            out.append({"school": f"S{s + 1}", "district": "D1" if s < 3 else "D2", "sector": "pub" if s % 2 else "pri",
                        "code": code, "grp": "g1" if code in ("c0", "c1") else "g2",
                        "score": float(x), "y": float(x) + 5, "mscore": m})
    return out


def table(rs) -> bytes:
    cols = list(rs[0])
    lines = [",".join(cols)] + [",".join(f"{r[c]:.1f}" if isinstance(r[c], float) else str(r[c]) for c in cols)
                                for r in rs]
    return ("\n".join(lines) + "\n").encode()


DOC = {"version": 1,
       "groups": [{"key": "school", "n_groups": 6, "attributes": ["sector"], "parent": "district",
                   "enabled": True, "source": "found"}],
       "dependencies": [{"from": "code", "to": "grp", "enabled": True, "source": "found"}],
       "derived": [{"column": "y", "kind": "linear", "sources": ["score"], "params": {"a": 1.0, "c": 5.0},
                    "formula": "score + 5", "enabled": True, "source": "found"},
                   {"column": "mscore", "kind": "group_mean", "sources": ["score"], "group": "school",
                    "params": {}, "formula": "mean of score within school", "enabled": True, "source": "found"}],
       "group_key_labels": "keep"}


def ds(rs):
    return load_bytes(table(rs), OVERRIDES)


@pytest.fixture(scope="module")
def real():
    return ds(rows())


def test_intact_copy_keeps_everything(real):
    sec = st.structure_report(real, ds(rows()), DOC)
    g = sec["groups"][0]
    assert g["attributes"][0] == {"column": "sector", "share_groups": 1.0, "share_rows": 1.0,
                                  "real_share_groups": 1.0, "real_share_rows": 1.0}
    assert g["nesting"]["share_groups"] == 1.0 and g["nesting"]["parent"] == "district"
    assert sec["dependencies"][0]["share_rows"] == 1.0 and sec["dependencies"][0]["share_groups"] == 1.0
    assert [d["exact"] for d in sec["derived"]] == [True, True]
    assert [i["column"] for i in g["icc"]] == ["score", "y"]  # mscore is a group mean: not a member column
    assert g["icc"][0]["real"] == pytest.approx(g["icc"][0]["synthetic"])
    assert g["sizes"]["real"]["quantiles"] == [5.0] * 7 and g["sizes"]["ks"] == 0.0
    assert sec["verdict"]["level"] == "good" and sec["verdict"]["n_checks"] == 5


def test_broken_attribute_one_row_in_thirty_is_poor(real):
    rs = rows()
    rs[0]["sector"] = "pub"  # school S1 (pri) gets one pub pupil
    sec = st.structure_report(real, ds(rs), DOC)
    a = sec["groups"][0]["attributes"][0]
    assert a["share_groups"] == pytest.approx(5 / 6) and a["share_rows"] == pytest.approx(29 / 30)
    v = sec["verdict"]
    assert v["level"] == "poor" and v["worst"]["name"] == "school -> sector"
    assert v["worst"]["failure"] == pytest.approx(1 / 30) and v["n_failing"] == 1


def test_broken_nesting_and_dependency(real):
    rs = rows()
    rs[0]["district"] = "D2"  # S1 now spread over D1 and D2
    rs[1]["grp"] = "g2"       # row 1 has code c1 (-> g1)
    sec = st.structure_report(real, ds(rs), DOC)
    n = sec["groups"][0]["nesting"]
    assert n["share_groups"] == pytest.approx(5 / 6) and n["share_rows"] == pytest.approx(29 / 30)
    d = sec["dependencies"][0]
    assert d["share_rows"] == pytest.approx(29 / 30) and d["seen_share"] == 1.0
    assert d["share_groups"] == pytest.approx(3 / 4)  # one of the 4 codes has two groups
    assert sec["verdict"]["level"] == "poor"


def test_dependency_mapping_not_just_functional(real):
    """A synthetic table where code -> grp is a function but the wrong one: mapping share 0."""
    rs = rows()
    for r in rs:
        r["grp"] = "g2" if r["grp"] == "g1" else "g1"
    sec = st.structure_report(real, ds(rs), DOC)
    d = sec["dependencies"][0]
    assert d["share_groups"] == 1.0 and d["share_rows_functional"] == 1.0
    assert d["share_rows"] == 0.0
    assert sec["verdict"]["level"] == "poor" and sec["verdict"]["worst"]["name"] == "code -> grp"


def test_derived_columns_broken(real):
    rs = rows()
    rs[3]["y"] += 1.0          # linear fails in 1 row
    for r in rs[:5]:            # school mean of S1 is off for all 5 rows
        r["mscore"] += 0.5
    sec = st.structure_report(real, ds(rs), DOC)
    lin, gm = sec["derived"]
    assert lin["share_rows"] == pytest.approx(29 / 30) and lin["exact"] is False
    assert gm["share_rows"] == pytest.approx(25 / 30) and gm["real_share_rows"] == 1.0
    assert sec["verdict"]["worst"]["name"] == "mscore"


def test_switched_off_items_are_not_checked(real):
    rs = rows()
    rs[0]["sector"] = "pub"
    doc = {**DOC, "groups": [{**DOC["groups"][0], "enabled": False}]}
    sec = st.structure_report(real, ds(rs), doc)
    assert sec["groups"] == [] and sec["verdict"]["level"] == "good"
    assert st.structure_report(real, ds(rs), {"off": True})["verdict"]["level"] == "unknown"


def test_icc1_known_answer():
    # groups {1,2,3} and {4,5,6}: MSB 13.5, MSW 1, n0 3 -> (13.5 - 1) / (13.5 + 2) (Shrout & Fleiss ICC(1,1))
    r = st.icc1(np.array([1, 2, 3, 4, 5, 6.0]), np.array([0, 0, 0, 1, 1, 1], dtype=np.intp))
    assert r["icc"] == pytest.approx(12.5 / 15.5) and r["n0"] == 3.0
    # unequal sizes {1,3} {2,4,6}: grand 3.2; SSB = 2*(2-3.2)^2 + 3*(4-3.2)^2 = 4.8, SSW = 2 + 8 = 10
    # MSB 4.8, MSW 10/3, n0 = (5 - 13/5) / 1 = 2.4 -> (4.8 - 10/3) / (4.8 + 1.4 * 10/3)
    r = st.icc1(np.array([1, 3, 2, 4, 6.0]), np.array([0, 0, 1, 1, 1], dtype=np.intp))
    assert r["icc"] == pytest.approx((4.8 - 10 / 3) / (4.8 + 1.4 * 10 / 3))
    # no between-group variance beyond chance: negative; a single group: none
    assert st.icc1(np.array([1, 2, 1, 2.0]), np.array([0, 0, 1, 1], dtype=np.intp))["icc"] < 0
    assert st.icc1(np.array([1, 2.0]), np.array([0, 0], dtype=np.intp))["icc"] is None


def test_icc_drop_is_fair_and_sizes_differ(real):
    """Scores shuffled across schools (attributes intact): ICC far from real -> fair, not good."""
    rs = rows()
    perm = np.random.default_rng(3).permutation(30)
    scores = [rs[i]["score"] for i in perm]
    for r, x in zip(rs, scores, strict=True):
        r["score"], r["y"] = x, x + 5
    sec = st.structure_report(real, ds(rs), {**DOC, "derived": DOC["derived"][:1]})
    assert sec["verdict"]["level"] == "fair"
    assert sec["verdict"]["icc_off"][0]["column"] == "score"
    # the summary names the ICC, not "fails in 0% of the rows"
    v = {x["aspect"]: x for x in summarise({"structure": {"status": "ok", **sec}})}["structure"]
    assert v["level"] == "fair" and v["code"] == "verdict.structure.fair_icc"
    assert v["params"]["column"] == "score" and v["params"]["real"] != v["params"]["synthetic"]
    sizes = st.size_summary(np.array([5, 5, 5, 5]), np.array([2, 8, 5, 5]))
    assert sizes["synthetic"]["quantiles"][0] == 2.0 and sizes["synthetic"]["quantiles"][-1] == 8.0
    assert sizes["ks"] == pytest.approx(0.25)
    h = sizes["histogram"]
    assert sum(h["real"]) == pytest.approx(1.0) and sum(h["synthetic"]) == pytest.approx(1.0)


def test_summary_never_good_when_structure_broken():
    report = {"pairs": {"two_way": {"status": "ok", "mean": 1.2, "worst": []}},
              "analysis": {"ml": {"status": "ok", "ratio": 0.99, "target": "y", "real_score": 0.5,
                                  "synthetic_score": 0.5}},
              "disclosure": {},
              "structure": {"status": "ok", "verdict": {"level": "poor", "n_checks": 3, "n_failing": 1,
                                                        "worst": {"name": "school -> sector", "failure": 0.3}}}}
    by = {v["aspect"]: v for v in summarise(report)}
    assert by["structure"]["level"] == "poor" and by["structure"]["params"]["percent"] == 30.0
    assert by["utility"]["level"] == "fair" and by["utility"]["capped_by"] == "structure"
    assert by["analysis"]["level"] == "fair" and by["analysis"]["code"] == "verdict.analysis.fair"
    report["structure"]["verdict"]["level"] = "good"
    by = {v["aspect"]: v for v in summarise(report)}
    assert by["utility"]["level"] == "good" and "capped_by" not in by["utility"]


def test_runner_step(real):
    rs = rows()
    rs[0]["sector"] = "pub"
    syn = ds(rs)
    skip = ["cart", "logit", "logit_interactions", "ml", "ci_overlap", "inference", "membership", "disco"]
    rep = evaluate(real, syn, None, {"structure": DOC, "skip": skip})
    assert rep["structure"]["status"] == "ok"
    assert rep["structure"]["verdict"]["level"] == "poor"
    assert {v["aspect"]: v["level"] for v in rep["summary"]}["structure"] == "poor"
    # from the context when no option (the document the synthesis used)
    rep = evaluate(real, syn, None, {"skip": skip}, context={"structure": {"off": True}})
    assert rep["structure"]["verdict"]["level"] == "unknown"
    rep = evaluate(real, syn, None, {"skip": skip})
    if importlib.util.find_spec("py_engine.structure") is None:
        assert rep["structure"] == {"status": "not_computed", "reason": "no_structure_engine"}
        assert {"metric": "structure", "reason": "no_structure_engine"} in rep["not_computed"]
    else:  # found in the real rows by the engine: school's sector broken in one synthetic row
        assert rep["structure"]["status"] == "ok"
        assert rep["structure"]["verdict"]["level"] == "poor"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_pdf_structure_section(real, lang, tmp_path):
    import subprocess

    from py_engine.i18n import strings
    from py_engine.progress import drive
    from py_engine.report import build_pdf

    rs = rows()
    rs[0]["sector"] = "pub"
    rep = evaluate(real, ds(rs + rs[:7]), None, {"structure": DOC, "skip": ["cart", "logit_interactions", "ml",
                                                                             "inference", "membership"]})
    path = tmp_path / "r.pdf"
    path.write_bytes(drive(build_pdf(rep, lang)))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    s = strings(lang)
    for key, params in (("report.section.structure", {}), ("report.structure_group_h", {"group": "school"}),
                        ("report.structure_dependencies_h", {}), ("report.structure_derived_h", {})):
        assert s[key].format(**params) in text, key
    assert "83" in text  # sector constant in 5 of 6 synthetic schools: 83.3%


def _grouped_table(level2: bool):
    """200 schools of 10 pupils: with level2, a and b are school attributes (3 levels each, drawn per
    school); without, per pupil (independent of the school)."""
    import io

    import pandas as pd

    rng = np.random.default_rng(4)
    school = np.repeat(np.arange(200), 10)
    if level2:
        a, b = rng.integers(0, 3, 200)[school], rng.integers(0, 3, 200)[school]
    else:
        a, b = rng.integers(0, 3, 2000), rng.integers(0, 3, 2000)
    df = pd.DataFrame({"school": [f"S{k}" for k in school], "a": [f"a{k}" for k in a], "b": [f"b{k}" for k in b]})
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return load_bytes(buf.getvalue().encode())


def test_two_way_cluster_reference_known_answers():
    """The cluster-bootstrap reference of the two-way S_pMSE: with school-level columns in schools of
    10, every cell moves in blocks of 10 pupils, so a resample of the schools scores about the design
    effect 1 + (10 - 1) * 1 = 10 on the a x b table; with pupil-level columns about 1, like a row
    resample (the usual null)."""
    from py_engine.evaluation.utility import two_way_cluster_reference

    ref = two_way_cluster_reference(_grouped_table(True), "school", reps=20, seed=1, columns=["a", "b"])
    assert ref["groups"] == 200 and ref["reps"] == 20
    assert 6.0 <= ref["pairs"]["a|b"] <= 14.0, ref
    assert 0.5 <= ref["row_mean"] <= 1.6, ref
    flat = two_way_cluster_reference(_grouped_table(False), "school", reps=20, seed=1, columns=["a", "b"])
    assert 0.5 <= flat["pairs"]["a|b"] <= 1.6, flat


def test_report_gives_the_clustered_reference_in_page_data_and_pdf(tmp_path):
    """With a group key, the two-way section carries what a resample of the real groups scores (the
    reference to read the mean against); the PDF says it in both languages; without groups it is absent."""
    import shutil
    import subprocess

    from py_engine.report import pdf_bytes
    from py_engine.synthesis import syn

    hsb = load_bytes(open("tests/data/multilevel/hsb.csv", "rb").read())
    res = syn(hsb, {"method": "cart", "seed": 1})
    skip = ["cart", "logit", "logit_interactions", "ml", "ci_overlap", "inference", "membership", "disco",
            "combinations", "fit", "cap", "isolated", "rep_u", "copies"]
    rep = evaluate(hsb, res.synthetic, None, {"skip": skip}, context={"structure": res.structure})
    two = rep["pairs"]["two_way"]
    cr = two["cluster_reference"]
    assert cr["key"] == "School" and cr["groups"] == 160 and cr["reps"] == 8
    assert 15.0 <= cr["mean"] <= 60.0 and cr["sd"] > 0  # far above 1: school attributes move in blocks
    assert two["mean"] > 10  # the synthesis' own mean is not changed by it
    flat = evaluate(hsb, res.synthetic, None, {"skip": skip}, context={"structure": {"off": True}})
    assert "cluster_reference" not in flat["pairs"]["two_way"]
    if shutil.which("pdftotext"):
        for lang, words in (("en", "Drawing the real groups again"), ("nl", "De echte groepen opnieuw trekken")):
            path = tmp_path / f"r_{lang}.pdf"
            path.write_bytes(pdf_bytes(rep, lang))
            text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                                           text=True).stdout.split())
            assert words in text and "School: 160" in text, lang


def test_group_key_left_out_of_the_analysis_after_a_structured_synthesis():
    """Issue 10: after a synthesis that kept the structure (drew new schools; the context carries its
    structure document) the school key is no predictor of the analysis sections (a coefficient per
    school label compares different schools, and the school attributes are aliased with it); it is
    named as left out. A flat synthesis (no structure in the context) keeps it as a predictor."""
    from pathlib import Path

    from py_engine.holdout import split
    from py_engine.structure import find_structure
    from py_engine.synthesis import syn

    data = load_bytes((Path(__file__).parent / "data" / "multilevel" / "hsb.csv").read_bytes())
    train, hold, _ = split(data, 0.2, seed=1)
    res = syn(train, {"method": "cart", "seed": 1})
    assert res.structure and res.structure["groups"][0]["key"] == "School"
    skip = [m for m in ("columns", "logit", "logit_interactions", "cart", "two_way", "association",
                        "copies", "rep_u", "disco", "inference", "membership", "structure", "cap", "isolated")]
    rep = evaluate(train, res.synthetic, hold, {"skip": skip, "target": "MathAch"},
                   context={"structure": res.structure})
    an = rep["analysis"]
    for k in ("ml", "ci_overlap", "fit"):
        assert an[k].get("left_out") == [{"column": "School", "reason": "group_key"}], k
    assert "School" not in an["ml"]["features"] and "School" not in an["fit"]["predictors"]
    assert "Sector" in an["fit"]["predictors"]
    assert not any(t.get("column") == "School" for t in an["fit"]["terms"])
    comb = rep["combinations"]["categories"]  # a kept label's pairs with other columns are new by design
    assert comb["left_out"] == [{"column": "School", "reason": "group_key"}] and "School" not in comb["columns"]
    flat = syn(train, {"method": "cart", "seed": 1, "structure": False})
    rep = evaluate(train, flat.synthetic, hold, {"skip": skip, "target": "MathAch", "structure": find_structure(train)})
    assert "School" in rep["analysis"]["ml"]["features"] and "left_out" not in rep["analysis"]["fit"]
