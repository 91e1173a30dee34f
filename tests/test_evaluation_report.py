"""The whole evaluation: the report dict, the baselines' verdicts, no holdout, awkward tables, planted
unique record, hand-computed column and pair measures, and the strings the report refers to."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REAL

from py_engine.errors import EngineError
from py_engine.evaluation import evaluate, evaluate_steps
from py_engine.evaluation.analysis import ci_overlap
from py_engine.evaluation.baselines import bootstrap_copy, independent_columns, load_csv
from py_engine.evaluation.columns import ks_complement, tv_complement
from py_engine.evaluation.combinations import combinations
from py_engine.evaluation.disclosure import disco, inference_attack, replicated_uniques, wilson
from py_engine.evaluation.pairs import correlation_ratio, cramers_v, spearman
from py_engine.evaluation.runner import METRICS
from py_engine.holdout import split
from py_engine.i18n import strings
from py_engine.progress import Step, drive


@pytest.fixture(scope="module")
def wage():
    data = load_csv((REAL / "wage.csv").read_bytes(), "wage.csv")
    train, hold, _ = split(data, 0.2, seed=11)
    return train, hold


@pytest.fixture(scope="module")
def boot_report(wage):
    train, hold = wage
    return evaluate(train, bootstrap_copy(train, 1), hold, {"cart_permutations": 2},
                    context={"file_name": "wage.csv", "seed": 1})


@pytest.fixture(scope="module")
def indep_report(wage):
    train, hold = wage
    return evaluate(train, independent_columns(train, 1), hold, {"cart_permutations": 2})


def computed_gaps(rep: dict) -> list[dict]:
    """not_computed, less the structure step while the engine has no py_engine.structure to find it."""
    return [m for m in rep["not_computed"] if m["reason"] != "no_structure_engine"]


def _levels(report):
    return {v["aspect"]: v["level"] for v in report["summary"]}


def test_report_is_strict_json_and_complete(boot_report):
    text = json.dumps(boot_report, allow_nan=False)
    back = json.loads(text)
    assert set(back) >= {"version", "context", "options", "data", "summary", "utility", "pairs", "combinations",
                         "analysis", "disclosure", "not_computed", "timings"}
    assert back["context"]["file_name"] == "wage.csv"
    assert back["options"]["target"] == "wage"  # the last column
    # structure: not computed only while the engine has no py_engine.structure to find it
    assert computed_gaps(back) == []
    for section in ("columns", "logit", "logit_interactions", "cart"):
        assert back["utility"][section]["status"] == "ok", section
    for section in ("copies", "rep_u", "disco", "inference", "membership", "dcr"):
        assert back["disclosure"][section]["status"] == "ok", section
    assert back["disclosure"]["dcr"]["sanity_check_only"] is True
    cols = back["data"]["columns"]
    assert len(back["utility"]["columns"]["items"]) == len(cols)
    assert len(back["pairs"]["two_way"]["matrix"]) == len(cols)
    assert len(back["pairs"]["association"]["difference"]) == len(cols)


def test_bootstrap_copy_verdicts(boot_report):
    lv = _levels(boot_report)
    assert lv["utility"] == "good"
    assert lv["copies"] == "high"
    assert lv["membership"] == "high"
    assert lv["inference"] == "high"
    assert boot_report["disclosure"]["copies"]["share"] == 1.0
    assert boot_report["utility"]["logit"]["s_pmse"] < 2


def test_independent_columns_verdicts(indep_report):
    lv = _levels(indep_report)
    assert lv["utility"] in ("fair", "poor")  # wage's columns are only weakly related
    assert lv["copies"] == "low"
    assert lv["membership"] == "low"
    assert lv["inference"] in ("low", "moderate")
    assert indep_report["pairs"]["two_way"]["mean"] > 3
    assert indep_report["pairs"]["two_way"]["max"] > 10
    assert indep_report["utility"]["logit_interactions"]["s_pmse"] > 5
    assert indep_report["analysis"]["ml"]["ratio"] < 0.95


def test_identical_data(wage):
    train, hold = wage
    rep = evaluate(train, train, hold, {"cart_permutations": 1})
    assert rep["pairs"]["two_way"]["mean"] == pytest.approx(0.0)
    assert rep["utility"]["logit"]["pmse"] == pytest.approx(0.0, abs=1e-12)
    assert rep["utility"]["cart"]["pmse"] == pytest.approx(0.0)
    assert all(i["score"] == pytest.approx(1.0) for i in rep["utility"]["columns"]["items"])
    assert rep["disclosure"]["copies"]["share"] == 1.0
    assert rep["combinations"]["categories"]["unseen_pair_share"] == 0.0


def test_without_holdout_says_what_is_missing_and_why(wage):
    train, _ = wage
    rep = evaluate(train, bootstrap_copy(train, 2), None, {"cart_permutations": 1})
    missing = {m["metric"]: m["reason"] for m in computed_gaps(rep)}
    assert missing == {"ml": "no_holdout", "inference": "no_holdout", "membership": "no_holdout",
                       "dcr": "no_holdout"}
    assert rep["disclosure"]["copies"]["natural"] is None
    assert rep["disclosure"]["disco"]["holdout"] is None
    assert _levels(rep)["membership"] == "unknown"
    json.dumps(rep, allow_nan=False)


def test_steps_progress_and_options(wage):
    train, hold = wage
    work = evaluate_steps(train, train, hold, {"skip": ["cart", "ml"], "target": "wage"})
    steps = []
    rep = drive(work, steps.append)
    assert all(isinstance(s, Step) and s.stage == "evaluate" for s in steps)
    assert [s.step for s in steps] == list(range(1, len(steps) + 1))
    assert rep["utility"]["cart"] == {"status": "not_computed", "reason": "skipped"}
    assert rep["options"]["target"] == "wage" and rep["options"]["sensitive"] == "wage"
    assert rep["analysis"]["ci_overlap"]["model"] == "linear"
    with pytest.raises(EngineError) as err:
        evaluate(train, train, hold, {"target": "nope"})
    assert err.value.kind == "settings" and err.value.code == "evaluate.unknown_column"


def test_awkward_table_dates_high_cardinality_constant_and_missing():
    rng = np.random.default_rng(0)
    rows = ["when,city,const,mostly_empty,amount,flag"]
    for i in range(600):
        day = f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
        city = f"c{rng.integers(0, 200)}"
        empty = "" if i % 10 else "x"
        amount = "" if i % 7 == 0 else f"{rng.normal(100, 20):.2f}"
        rows.append(f"{day},{city},same,{empty},{amount},{'yes' if i % 3 else 'no'}")
    data = load_csv("\n".join(rows) + "\n", "awkward.csv")
    assert data.schema["when"].type == "date" and data.schema["city"].high_cardinality
    train, hold, _ = split(data, 0.2, seed=1)
    for syn in (bootstrap_copy(train, 3), independent_columns(train, 3)):
        rep = evaluate(train, syn, hold, {"cart_permutations": 1})
        json.dumps(rep, allow_nan=False)
        errors = computed_gaps(rep)
        assert errors == [], errors
        date_item = next(i for i in rep["utility"]["columns"]["items"] if i["name"] == "when")
        assert date_item["plot"]["edge_labels"][0].startswith("2021-")
        assert rep["utility"]["logit_interactions"]["grouped_levels"] == {"city": 200 - 59} or \
            rep["utility"]["logit_interactions"]["grouped_levels"]["city"] > 100


def test_one_column_table():
    data = load_csv("g\n" + "\n".join("abcab"[i % 5] for i in range(50)) + "\n")
    train, hold, _ = split(data, 0.2, seed=1)
    rep = evaluate(train, bootstrap_copy(train, 1), hold, {"cart_permutations": 1})
    missing = {m["metric"]: m["reason"] for m in computed_gaps(rep)}
    assert missing.get("ml") == "no_features" and missing.get("ci_overlap") == "no_features"
    assert "no_known_columns" in missing.values()  # the attacker knows nothing but the secret
    json.dumps(rep, allow_nan=False)


# ---------------------------------------------------------------- planted unique record

def _planted():
    rows = ["age_group,sex,region,diagnosis"]
    rng = np.random.default_rng(5)
    for _ in range(400):
        rows.append(f"{rng.choice(['18-30', '31-50', '51+'])},{rng.choice(['m', 'f'])},"
                    f"{rng.choice(['north', 'south'])},{rng.choice(['flu', 'cold'])}")
    rows.append("51+,f,island,rare_disease")  # unique on the quasi-identifiers, rare secret
    return load_csv("\n".join(rows) + "\n", "planted.csv")


def test_planted_unique_record_caught_by_rep_u_and_disco():
    real = _planted()
    planted = real.n_rows - 1
    others = real.take(np.arange(planted))
    clean_syn = bootstrap_copy(others, 7)
    leaked = bootstrap_copy(others, 7, n=others.n_rows - 1)
    leaked = type(leaked)(leaked.schema, *[
        __import__("pandas").concat([getattr(leaked, part), getattr(real.take([planted]), part)], ignore_index=True)
        for part in ("values", "missing")])
    qi = ["age_group", "sex", "region"]
    r_clean = replicated_uniques(real, clean_syn, qi)
    r_leak = replicated_uniques(real, leaked, qi)
    assert r_leak["n_replicated"] == r_clean["n_replicated"] + 1
    assert r_leak["rep_u"] == pytest.approx(100 * r_leak["n_replicated"] / real.n_rows)
    d_clean = disco(real, clean_syn, qi, "diagnosis")
    d_leak = disco(real, leaked, qi, "diagnosis")
    assert d_leak["n_disco"] == d_clean["n_disco"] + 1
    assert d_leak["unique_in_synthetic"] > d_clean["unique_in_synthetic"]


def test_disco_by_hand():
    real = load_csv("q,t\na,1\na,1\nb,2\nb,3\nc,4\n")
    syn = load_csv("q,t\na,1\na,1\nb,2\nb,2\nc,5\nd,6\n")
    d = disco(real, syn, ["q"], "t")
    # q=a: synthetic t all 1 -> both real a rows DiSCO; q=b: synthetic all 2 -> real (b,2) DiSCO, (b,3) DiS only;
    # q=c: synthetic 5 -> DiS, not correct
    assert d["n_disco"] == 3 and d["disco"] == pytest.approx(60.0)
    assert d["dis"] == pytest.approx(100.0)
    assert d["unique_in_synthetic"] == pytest.approx(20.0)  # only q=c is unique in synthetic


# ---------------------------------------------------------------- hand-computed measures

def test_ks_and_tv_complement():
    assert ks_complement(np.array([1.0, 2, 3, 4]), np.array([1.0, 2, 3, 4, np.nan])) == 1.0
    # F_a jumps at 1,2 ; F_b at 3,4: D = 1
    assert ks_complement(np.array([1.0, 2]), np.array([3.0, 4])) == 0.0
    assert ks_complement(np.array([1.0, 2, 3, 4]), np.array([2.0, 3, 4, 5])) == pytest.approx(0.75)
    assert tv_complement(np.array([5, 5, 0]), np.array([0, 5, 5])) == pytest.approx(0.5)


def test_association_measures():
    x = np.arange(20.0)
    assert spearman(x, x ** 3) == pytest.approx(1.0)
    a = np.repeat(np.arange(4), 4).astype(np.intp)
    assert cramers_v(a, a, 4, 4) == pytest.approx(1.0)
    b = np.tile(np.arange(4), 4).astype(np.intp)
    assert cramers_v(a, b, 4, 4) == pytest.approx(0.0)
    assert correlation_ratio(a.astype(float) * 10, a, 4) == pytest.approx(1.0)
    # eta^2 = SS_between / SS_total on a small example
    y = np.array([1.0, 2, 3, 7, 8, 9])
    g = np.array([0, 0, 0, 1, 1, 1], dtype=np.intp)
    ss_tot = ((y - y.mean()) ** 2).sum()
    ss_b = 3 * (2 - 5) ** 2 + 3 * (8 - 5) ** 2
    assert correlation_ratio(y, g, 2) == pytest.approx(np.sqrt(ss_b / ss_tot))


def test_impossible_combinations_found():
    rows_real = ["sex,pregnant"] + ["m,no"] * 20 + ["f,no"] * 10 + ["f,yes"] * 10
    rows_syn = ["sex,pregnant"] + ["m,no"] * 18 + ["m,yes"] * 2 + ["f,no"] * 10 + ["f,yes"] * 10
    real, syn = load_csv("\n".join(rows_real) + "\n"), load_csv("\n".join(rows_syn) + "\n")
    res = combinations(real, syn, None, real.columns)
    assert res["unseen_pair_share"] == pytest.approx(2 / 40)
    assert res["unseen_pairs"][0]["synthetic"] == 2
    assert {res["unseen_pairs"][0]["a_value"]["label"], res["unseen_pairs"][0]["b_value"]["label"]} == {"m", "yes"}
    assert res["top"][0]["values"] == [{"label": "m"}, {"label": "no"}]


def test_wilson_interval():
    p, lo, hi = wilson(8, 10)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * np.sqrt(0.8 * 0.2 / 10 + z * z / 400) / (1 + z * z / 10)
    assert (p, lo, hi) == (pytest.approx(0.8), pytest.approx(centre - half), pytest.approx(centre + half))


def test_inference_attack_baselines(wage):
    train, hold = wage
    known = [c for c in train.columns if c != "jobclass"]
    boot = inference_attack(train, hold, bootstrap_copy(train, 1), known, "jobclass")
    # about 63% of train rows are in a bootstrap copy; the others still find a near neighbour
    assert boot["main_rate"] > 0.8 and boot["risk"] > 0.3 and boot["ci_low"] > 0.2
    ind = inference_attack(train, hold, independent_columns(train, 1), known, "jobclass")
    assert abs(ind["risk"]) < 0.15
    num = inference_attack(train, hold, bootstrap_copy(train, 1), [c for c in train.columns if c != "wage"], "wage")
    assert num["main_rate"] > 0.6 and num["risk"] > 0.3


def test_ci_overlap_identical_is_one(wage):
    train, _ = wage
    res = ci_overlap(train, train, "wage")
    assert res["mean_overlap"] == pytest.approx(1.0)
    res2 = ci_overlap(train, independent_columns(train, 2), "wage")
    assert res2["mean_overlap"] < 0.8


# ---------------------------------------------------------------- strings

def _codes(report):
    keys = {v["code"] for v in report["summary"]}
    keys |= {f"metrics.reason.{m['reason']}" for m in report["not_computed"]}
    for section in ("utility", "pairs", "analysis", "disclosure"):
        for res in report[section].values():
            if res.get("interpretation"):
                keys.add(f"metrics.interpretation.{res['interpretation']}")
            if res.get("note"):
                keys.add(f"metrics.reason.{res['note']}")
    return keys


def test_every_code_has_both_languages(boot_report, indep_report, wage):
    train, _ = wage
    no_hold = evaluate(train, train, None, {"cart_permutations": 1})
    from py_engine.evaluation.runner import METRICS
    from py_engine.evaluation.summary import summarise

    keys = _codes(boot_report) | _codes(indep_report) | _codes(no_hold)
    keys |= {f"metrics.progress.{m}" for m in METRICS} | {f"metrics.name.{m}" for m in METRICS + ["dcr"]}
    keys |= {v["code"] for v in summarise({})}
    for aspect in ("utility", "analysis", "structure"):
        keys |= {f"verdict.{aspect}.{lv}" for lv in ("good", "fair", "poor", "unknown")}
    for aspect in ("copies", "rep_u", "disco", "inference", "membership"):
        keys |= {f"verdict.{aspect}.{lv}" for lv in ("low", "moderate", "high", "unknown")}
    keys |= {"report.capped_by_structure", "metrics.reason.no_structure", "metrics.reason.no_structure_engine"}
    keys |= {f"errors.evaluate.{c}" for c in ("unknown_column", "no_columns", "unknown_metric", "columns_differ")}
    for lang in ("en", "nl"):
        missing = sorted(k for k in keys if k not in strings(lang))
        assert missing == [], (lang, missing)


def test_worker_entry_point_evaluate(real_data):
    """browser.evaluate (the worker's entry point) runs the evaluation on the session's data."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from py_engine import browser

    def run(coro):  # in a thread of its own: a session's Playwright browser holds this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()

    browser.clear()
    out = json.loads(browser.inspect((real_data / "wage.csv").read_bytes(), "wage.csv", "{}"))
    assert "ok" in out
    syn = json.loads(run(browser.synthesise(json.dumps({"method": "cart", "seed": 3, "holdout": 0.2}))))
    assert "ok" in syn, syn
    steps = []
    rep = json.loads(run(browser.evaluate(json.dumps({"lang": "nl", "target": "jobclass"}),
                                                  steps.append)))
    assert "ok" in rep, rep
    rep = rep["ok"]
    assert rep["context"]["file_name"] == "wage.csv" and rep["context"]["seed"] == 3
    assert rep["data"]["n_holdout"] == 600 and computed_gaps(rep) == []
    assert rep["options"]["target"] == "jobclass"
    assert len(steps) == len(METRICS) and json.loads(steps[-1])["key"] == "metrics.progress." + METRICS[-1]
    bad = json.loads(run(browser.evaluate(json.dumps({"target": "nope"}))))
    assert bad["error"]["code"] == "evaluate.unknown_column" and bad["error"]["kind"] == "settings"
    browser.clear()


@pytest.mark.parametrize("share, natural, before, after", [
    (0.98, 0.03, "good", "poor"),   # issue 14's table: 98% of rows hold an unseen pair, natural 3%
    (0.20, 0.03, "good", "fair"),   # 17 points above the natural rate: at most fair
    (0.20, 0.03, "fair", "fair"),
    (0.10, 0.03, "good", "good"),   # 7 points: left alone
    (0.98, None, "good", "good"),   # no holdout, no natural rate: nothing to compare with
])
def test_unseen_category_pairs_lower_the_utility_verdict(share, natural, before, after):
    """Category pairs never seen in the real data, far above the holdout's rate, lower the utility
    verdict and name the column pairs (issue 14 s1); the mean two-way S_pMSE alone says 'good'."""
    from py_engine.evaluation.summary import summarise

    mean = {"good": 1.2, "fair": 5.0}[before]
    report = {"pairs": {"two_way": {"status": "ok", "mean": mean, "worst": []}},
              "combinations": {"categories": {
                  "status": "ok", "unseen_pair_share": share, "unseen_pair_share_holdout": natural,
                  "unseen_pairs": [{"a": "city", "b": "zone"}, {"a": "city", "b": "zone"}, {"a": "sex", "b": "zone"}]}}}
    v = summarise(report)[0]
    assert v["aspect"] == "utility" and v["level"] == after and v["code"] == f"verdict.utility.{after}"
    if after != before:
        assert v["lowered_by"] == {"reason": "combinations", "percent": round(100 * share, 1),
                                   "natural": round(100 * natural, 1), "pairs": "city × zone, sex × zone"}
    else:
        assert "lowered_by" not in v
