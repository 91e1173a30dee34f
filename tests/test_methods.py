"""The methods' own properties: what CART keeps and independent marginals break, the copula's marginals,
the marginal model document, smoothing, tree helpers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers_engine import assert_valid, load

from py_engine.dataset import to_csv_bytes
from py_engine.errors import EngineError
from py_engine.methods.cart import group_levels, level_ranks
from py_engine.methods.common import det_exp, det_log, sj_bandwidth, std_normal
from py_engine.methods.marginal import synthesise_from_model
from py_engine.synthesis import syn


@pytest.fixture(scope="module")
def adult():
    return load("adult.csv", rows=12000)


def _husband_male(ds) -> float:
    rel = ds.values["relationship"].astype(str)
    sex = ds.values["sex"].astype(str)
    return float((sex[rel == "Husband"] == "Male").mean())


def test_known_dependency_kept_by_cart_broken_by_marginals(adult):
    """In Adult every 'Husband' is 'Male' (relationship determines sex for husbands and wives)."""
    real = _husband_male(adult)
    assert real > 0.99
    cart = _husband_male(syn(adult, {"method": "cart", "seed": 1}).synthetic)
    marg = syn(adult, {"method": "marginal", "seed": 1}).synthetic
    male_share = float((marg.values["sex"].astype(str) == "Male").mean())
    assert cart > 0.98
    assert abs(_husband_male(marg) - male_share) < 0.03  # independent: P(Male | Husband) = P(Male)
    assert _husband_male(marg) < 0.75


def test_cart_keeps_a_numeric_relation_better_than_marginals():
    wage = load("wage.csv")
    def corr(ds):
        return float(np.corrcoef(ds.values["education"].cat.codes, ds.values["wage"])[0, 1])
    real = corr(wage)
    assert real > 0.3
    cart = corr(syn(wage, {"seed": 2}).synthetic)
    marg = corr(syn(wage, {"method": "marginal", "seed": 2}).synthetic)
    gc = corr(syn(wage, {"method": "gc", "seed": 2}).synthetic)
    assert abs(cart - real) < 0.08 and abs(gc - real) < 0.12
    assert abs(marg) < 0.06


def _tv_complement(real: pd.Series, synth: pd.Series) -> float:
    r = real.astype(str).value_counts(normalize=True)
    s = synth.astype(str).value_counts(normalize=True)
    idx = r.index.union(s.index)
    return 1 - 0.5 * float(np.abs(r.reindex(idx, fill_value=0) - s.reindex(idx, fill_value=0)).sum())


def test_copula_keeps_every_category_frequency_on_adult():
    adult = load("adult.csv")
    res = syn(adult, {"method": "gc", "seed": 5})
    for name in adult.columns:
        if adult.schema[name].type in ("categorical", "boolean"):
            tvc = _tv_complement(adult.values[name].astype(object).fillna("<NA>"),
                                 res.synthetic.values[name].astype(object).fillna("<NA>"))
            assert tvc >= 0.98, (name, tvc)
    corr = np.array(res.model["correlation"])
    # education is a binning of education_num (structure found): computed, not in the copula
    assert [d["column"] for d in res.structure["derived"]] == ["education"]
    assert corr.shape == (14, 14) and np.allclose(corr, corr.T) and np.allclose(np.diag(corr), 1)


def test_marginal_model_written_edited_and_synthesised_without_data():
    credit = load("credit.csv")
    res = syn(credit, {"method": "marginal", "seed": 1})
    model = json.loads(json.dumps(res.model, allow_nan=False))
    assert model["format"] == "localsynth.marginal" and model["n_rows"] == credit.n_rows
    names = [v["name"] for v in model["vars"]]
    assert names == credit.columns
    inc = next(v for v in model["vars"] if v["name"] == "Income")
    assert 0.05 < inc["prop_missing"] < 0.12 and inc["distribution"]["name"] in (
        "normal", "lognormal", "uniform", "exponential")
    # no real example values leak into the model, only bounds and fitted parameters
    assert "examples" not in json.dumps(model)
    # edit: every applicant 'bad', Income never missing, Age uniform 30-40
    status = next(v for v in model["vars"] if v["name"] == "Status")
    status["distribution"]["parameters"]["probs"] = [1.0, 0.0] if status["distribution"]["parameters"]["labels"][0] == "bad" else [0.0, 1.0]
    inc["prop_missing"] = 0
    age = next(v for v in model["vars"] if v["name"] == "Age")
    age["distribution"] = {"name": "uniform", "parameters": {"low": 30, "high": 40, "lower": 30, "upper": 40}}
    ds, notes = synthesise_from_model(model, 500, seed=3)
    assert ds.n_rows == 500 and ds.columns == credit.columns
    assert set(ds.values["Status"].astype(str)) == {"bad"}
    assert not ds.missing["Income"].notna().any()
    ages = ds.values["Age"].to_numpy()
    assert ages.min() >= 30 and ages.max() <= 40 and (ages == np.round(ages)).all()
    text = to_csv_bytes(ds).decode()
    assert text.splitlines()[0].split(",") == credit.columns
    # the same model and seed give the same file
    assert to_csv_bytes(synthesise_from_model(model, 500, seed=3)[0]) == to_csv_bytes(ds)


def test_broken_model_is_a_clear_error():
    with pytest.raises(EngineError) as e:
        synthesise_from_model({"format": "localsynth.marginal", "n_rows": 5, "vars": [
            {"name": "a", "type": "categorical", "distribution": {"name": "categorical",
                                                                  "parameters": {"labels": ["x"], "probs": []}}}]})
    assert e.value.code == "model.invalid" and e.value.column == "a"


def test_smoothing_makes_new_values_within_range_and_decimals():
    wage = load("wage.csv")
    plain = syn(wage, {"seed": 3, "smoothing": "none"}).synthetic
    smooth = syn(wage, {"seed": 3, "smoothing": "density"}).synthetic
    real_vals = set(wage.values["wage"].round(8))
    assert set(plain.values["wage"].round(8)) <= real_vals
    new = ~smooth.values["wage"].round(8).isin(real_vals)
    counts = wage.values["wage"].value_counts()
    rare_share = float(wage.values["wage"].map(counts).lt(5).mean())
    assert 0.1 < rare_share < 0.3
    assert abs(new.mean() - rare_share) < 0.05  # the rare wages (and only they) are smoothed
    assert smooth.values["wage"].min() >= wage.values["wage"].min()
    assert smooth.values["wage"].max() <= wage.values["wage"].max()
    ages = smooth.values["age"].to_numpy()
    assert (ages == np.round(ages)).all()
    assert_valid(wage, smooth, wage.n_rows)


def test_smoothing_changes_rare_values_only():
    adult = load("adult.csv", rows=6000)
    res = syn(adult, {"seed": 1, "smoothing": "density"})
    gain = res.synthetic.values["capital_gain"]
    real = adult.values["capital_gain"]
    assert abs((gain == 0).mean() - (real == 0).mean()) < 0.03  # the dominant zero stays
    counts = real.value_counts()
    common = set(counts[counts >= 5].index)
    # fnlwgt is nearly unique per row: almost every synthetic value is new
    fn_real = set(adult.values["fnlwgt"])
    assert (~res.synthetic.values["fnlwgt"].isin(fn_real)).mean() > 0.5
    # ages are nearly all common: rarely smoothed, so synthetic ages are nearly all real common ages
    ac = adult.values["age"].value_counts()
    assert res.synthetic.values["age"].isin(set(ac[ac >= 5].index)).mean() > 0.98
    kept = gain[gain.isin(common)]
    assert len(kept) > 0.9 * len(gain)
    notes = {(n["code"], n["column"]) for n in res.notes if n.get("column")}
    assert ("smoothing_rare_only", "fnlwgt") in notes


def test_sheather_jones_bandwidth_close_to_normal_reference():
    x = np.random.default_rng(0).standard_normal(2000)
    bw = sj_bandwidth(x)
    # for normal data SJ is close to the normal-reference rule 1.06 sd n^(-1/5)
    assert abs(bw / (1.06 * 2000 ** (-0.2)) - 1) < 0.2


def test_platform_exact_functions_are_accurate():
    x = np.array([1e-200, 1e-5, 0.3, 1.0, 2.5, 1e10])
    assert np.allclose(det_log(x), np.log(x), rtol=1e-14, atol=1e-14)
    y = np.linspace(-50, 50, 1001)
    assert np.allclose(det_exp(y), np.exp(y), rtol=1e-14)
    z = std_normal(np.random.default_rng(1), 200_000)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


def test_level_ranks_order_by_target():
    codes = np.array([0, 0, 1, 1, 2, 2])
    y = np.array([5.0, 5.0, 1.0, 1.0, 3.0, 3.0])
    r = level_ranks(codes, 4, None, y, 0)
    assert r.tolist() == [3, 0, 1, 2]  # means 5, 1, 3; level 3 (absent) at the overall mean 3, after level 2
    yc = np.array([0, 0, 1, 1, 2, 2])
    r3 = level_ranks(codes, 3, yc, None, 3)
    assert sorted(r3.tolist()) == [0, 1, 2]


def test_group_levels_keeps_the_most_common():
    codes = np.array([3] * 5 + [1] * 4 + [0] * 3 + [2] * 1)
    g = group_levels(codes, 4, 2)
    assert g[3] == 0 and g[1] == 1 and g[0] == 2 and g[2] == 2


def test_default_minbucket_grows_with_the_table(adult):
    from py_engine.synthesis import auto_minbucket

    assert auto_minbucket(300) == 5 and auto_minbucket(2400) == 12 and auto_minbucket(39074) == 77
    res = syn(adult, {"seed": 1})
    assert res.settings.minbucket == auto_minbucket(adult.n_rows)
    assert any(n["code"] == "minbucket_auto" for n in res.notes)
    assert syn(adult, {"seed": 1, "minbucket": 7}).settings.minbucket == 7


def test_proper_synthesis_runs_and_differs(adult):
    a = syn(adult, {"seed": 1}).synthetic
    b = syn(adult, {"seed": 1, "proper": True}).synthetic
    assert_valid(adult, b, adult.n_rows)
    assert to_csv_bytes(a) != to_csv_bytes(b)


def _unique_replication(real_text: pd.DataFrame, syn_text: pd.DataFrame) -> tuple[float, float]:
    """(share of synthetic rows equal to a real row that is unique in the real data, the natural share:
    real rows equal to exactly one other real row)."""
    cols = list(real_text.columns)
    counts = real_text.groupby(cols).size().rename("n").reset_index()
    uniques = counts[counts["n"] == 1][cols]
    syn_hit = syn_text.merge(uniques, on=cols, how="left", indicator=True)["_merge"].eq("both").mean()
    natural = real_text.merge(counts, on=cols)["n"].eq(2).mean()
    return float(syn_hit), float(natural)


def test_replicated_unique_rows_left_out_beyond_the_natural_share():
    import io

    wage = load("wage.csv")
    real_text = pd.read_csv(io.BytesIO(to_csv_bytes(wage)), dtype=str, keep_default_na=False)
    on = syn(wage, {"seed": 6, "minbucket": 5, "smoothing": "none"})  # synthpop's defaults
    off = syn(wage, {"seed": 6, "minbucket": 5, "smoothing": "none", "remove_replicated": False})
    share_on, natural = _unique_replication(real_text, pd.read_csv(io.BytesIO(to_csv_bytes(on.synthetic)),
                                                                   dtype=str, keep_default_na=False))
    share_off, _ = _unique_replication(real_text, pd.read_csv(io.BytesIO(to_csv_bytes(off.synthetic)),
                                                              dtype=str, keep_default_na=False))
    assert share_off > natural + 0.02  # plain CART repeats unique real rows (synthpop does too)
    assert share_on <= natural + 0.002
    assert any(n["code"] == "replicated_removed" for n in on.notes)
    assert on.synthetic.n_rows == wage.n_rows
