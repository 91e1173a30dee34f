"""The differentially private method (py_engine/dp): accounting, noise, budget, domain, determinism."""

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from py_engine.cli import main
from py_engine.dataset import from_raw
from py_engine.dp import accounting, mechanisms, mst
from py_engine.dp.accounting import BudgetExceeded, Odometer
from py_engine.dp.domain import check_domain, suggest_domain
from py_engine.dp.measure import ClosedError, Sensitive
from py_engine.dp.method import fit_model, sample_model
from py_engine.errors import EngineError
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.synthesis import SynthSettings, syn


def table(csv: str):
    raw = read_table(csv.encode(), "t.csv")
    return from_raw(raw, infer_schema(raw))


def small(n=400, seed=0):
    r = np.random.default_rng(seed)
    a = r.choice(["x", "y", "z"], n)
    b = np.where(a == "x", r.choice(["p", "q"], n, p=[0.9, 0.1]), r.choice(["p", "q"], n, p=[0.1, 0.9]))
    age = np.clip(r.normal(40, 10, n).round(), 18, 80).astype(int)
    age = np.where(b == "p", age, np.minimum(age + 20, 80))
    rows = ["a,b,age"] + [f"{x},{y},{z}" for x, y, z in zip(a, b, age, strict=True)]
    return table("\n".join(rows) + "\n")


# ---------------------------------------------------------------- accounting

@pytest.mark.parametrize("eps,rho", [(0.1, 1.7714e-4), (1, 1.4973e-2), (10, 1.0908)])
def test_rho_matches_the_notes_vectors(eps, rho):
    got = accounting.cdp_rho(eps, 1e-9)
    assert abs(got - rho) / rho < 1e-4
    assert got >= accounting.rho_closed_form(eps, 1e-9)
    assert accounting.cdp_delta(got, eps) <= 1e-9
    assert accounting.cdp_delta(got * 1.01, eps) > 1e-9
    assert abs(accounting.cdp_eps(got, 1e-9) - eps) < 1e-6 * eps + 1e-9


def test_odometer_sums_exactly_and_refuses_to_overspend():
    o = Odometer(Fraction(1, 10))
    for _ in range(10):
        o.charge(Fraction(1, 100), "x")
    assert o.spent == o.total
    with pytest.raises(BudgetExceeded):
        o.charge(Fraction(1, 10**12), "one more")


@pytest.mark.parametrize("d", [2, 3, 15, 40])
def test_budget_split_never_exceeds_rho(d):
    rho = Fraction(accounting.cdp_rho(1.0, 1e-9))
    b = mst.split_budget(rho, d)
    total = d / (2 * b["sigma1_sq"]) + (d - 1) * b["eps_em"] ** 2 / 8 + (d - 1) / (2 * b["sigma2_sq"])
    assert total <= rho
    assert float(rho - total) < 1e-6 * float(rho)
    if d == 15:  # the notes' figures
        assert abs(float(b["sigma1_sq"]) ** 0.5 - 38.8) < 0.05
        assert abs(float(b["sigma2_sq"]) ** 0.5 - 37.5) < 0.05
        assert abs(float(b["eps_em"]) - 0.053) < 0.001


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3, 1, 3, 10, 100])
def test_epsilon_dependent_split_is_exact_and_never_exceeds_rho(eps):
    shares = mst.budget_shares(eps)
    assert sum(shares) == 1 and all(isinstance(x, Fraction) and x > 0 for x in shares)
    rho = Fraction(accounting.cdp_rho(eps, 1e-9))
    d = 15
    b = mst.split_budget(rho, d, shares)
    parts = (d / (2 * b["sigma1_sq"]), (d - 1) * b["eps_em"] ** 2 / 8, (d - 1) / (2 * b["sigma2_sq"]))
    assert sum(parts) <= rho
    for part, share, m in zip(parts, shares, (d, d - 1, d - 1), strict=True):
        r = share * rho
        # sigma^2 = m / (2 r) is rounded up by at most 1/1000 (mechanisms.round_up_sigma2): nothing else is lost
        assert m / (2 * (m / (2 * r) + Fraction(1, 1000))) - Fraction(1, 10**15) <= part <= r


def test_split_moves_budget_from_1way_to_2way_as_epsilon_grows():
    one = [mst.budget_shares(e)[0] for e in (0.01, 0.1, 0.3, 1, 3, 10)]
    assert one[0] == one[1] == Fraction(3, 4) and one[-2] == one[-1] == Fraction(1, 3)
    assert all(x >= y for x, y in zip(one, one[1:], strict=False)) and one[2] > one[3] > one[4]
    assert all(mst.budget_shares(e)[1] == Fraction(1, 10) for e in (0.1, 1, 10))


def test_bad_shares_are_refused_and_all_to_1way_measures_nothing_else():
    rho = Fraction(1, 100)
    with pytest.raises(ValueError):
        mst.split_budget(rho, 5, (Fraction(1, 2), Fraction(1, 2), Fraction(1, 2)))
    b = mst.split_budget(rho, 5, (1, 0, 0))
    assert b["eps_em"] == 0 and b["sigma2_sq"] is None
    assert 5 / (2 * b["sigma1_sq"]) <= rho and float(rho - 5 / (2 * b["sigma1_sq"])) < 1e-6 * float(rho)


def test_independent_baseline_spends_everything_on_1way_and_keeps_no_dependence():
    ds = small(3000)
    model, _ = fit_model(ds, SynthSettings(method="dp", epsilon=5, domain_from_data=True,
                                           dp_mechanism="independent"), iters=50)
    p = model["privacy"]
    assert set(p["split"]) == {"1-way"} and p["mechanism"] == "independent"
    s1 = 3 / (2 * accounting.cdp_rho(5, 1e-9))  # the whole budget over the 3 1-way answers
    assert p["sigma_1way"] ** 2 - s1 < 1e-3 and abs(p["rho_spent"] - p["rho"]) < 1e-3 * p["rho"]
    assert p["rho_spent"] <= p["rho"] and model["tree"] == []
    assert p["sigma_2way"] is None
    out = sample_model(model, 3000, 1, ds.schema, ds.columns)
    a, b = np.asarray(out["a"][0]).astype(str), np.asarray(out["b"][0]).astype(str)
    real = np.mean(np.asarray(ds.values["b"]).astype(str)[np.asarray(ds.values["a"]).astype(str) == "x"] == "p")
    assert real > 0.8  # b depends on a in the real table; drawn independently it does not
    assert abs(np.mean(b[a == "x"] == "p") - np.mean(b == "p")) < 0.06
    mst_model, _ = fit_model(ds, SynthSettings(method="dp", epsilon=5, domain_from_data=True), iters=50)
    assert mst_model["tree"] and mst_model["privacy"]["mechanism"] == "mst"


def test_ordered_bins_merge_until_each_sum_clears_the_noise():
    from py_engine.dp.domain import ColumnDomain

    dom = ColumnDomain("x", "number", lower=0, upper=10, bins=10, special=[], missing=[""])
    y = np.array([5, 50, 3, -2, 40, 90, 1, 0, 30, 2, 7], dtype=float)  # 10 bins, then the missing cell
    cmap, yc, k = mst.compress(y, dom, 10.0)
    groups = [np.flatnonzero(cmap[:10] == g) for g in range(int(cmap[:10].max()) + 1)]
    assert np.array_equal(np.concatenate(groups), np.arange(10))  # contiguous, in order, all bins
    for g in groups[:-1]:  # each closed as soon as its sum reached ORDERED_MERGE sigma sqrt(k)
        assert y[g].sum() >= mst.ORDERED_MERGE * 10 * math.sqrt(len(g))
        assert y[g[:-1]].sum() < mst.ORDERED_MERGE * 10 * math.sqrt(len(g) - 1) or len(g) == 1
    # 5+50+3-2+40 = 96 >= 40 sqrt(5); 90 >= 40; the tail 1+0+30+2 < 40 sqrt(4) joins the group before it
    assert [len(g) for g in groups] == [5, 5]
    assert cmap[10] == len(groups) and yc[-1] == 7 and k.sum() == 11


def test_ordered_cells_group_into_adjacent_runs_of_about_equal_mass():
    # 5 ordered cells (mass 10, 10, 10, 10, 100), then two cells that are not ordered bins
    g = mst.group_ordered(np.array([10, 10, 10, 10, 100, 5, 7], dtype=float), 5, 2)
    assert g.tolist() == [0, 0, 0, 0, 1, 2, 3]  # midpoints 5..35 of 140 in the first half, 90 in the second
    g3 = mst.group_ordered(np.array([30, -4, 30, 30, 30, 30], dtype=float), 6, 3)
    assert g3.tolist() == [0, 0, 0, 1, 2, 2]  # midpoints 15, 30, 45 | 75 | 105, 135 of 150 (negative: 0)
    assert mst.group_ordered(np.arange(4.0), 4, 4).tolist() == [0, 1, 2, 3]  # no fewer groups asked: unchanged


def test_pair_groups_coarsen_only_ordered_sides_of_tables_below_the_noise():
    # 40,000 rows, sd 30: cap = 40000 / (PAIR_SNR 30) = 333 cells
    cap = 40000 / (mst.PAIR_SNR * 30)
    assert mst.pair_groups((15, 16), (15, 16), 40000, 30) == (15, 16)  # 240 cells: measured as they are
    ga, gb = mst.pair_groups((53, 28), (53, 28), 40000, 30)  # both ordered: both coarser, about the cap
    assert ga < 53 and gb < 28 and ga * gb <= cap and ga * gb > cap / 2
    ga, gb = mst.pair_groups((53, 15), (53, 0), 40000, 30)  # a categorical side keeps its 15 cells
    assert gb == 0 and ga * 15 <= cap and ga >= 2
    assert mst.pair_groups((15, 40), (0, 0), 40000, 30) == (15, 40)  # two categorical sides: unchanged
    assert mst.pair_groups((53, 28), (53, 28), 40000, 0.3) == (53, 28)  # little noise: unchanged


def test_grouped_two_way_measurements_cost_as_any_and_fit_their_groups():
    # two related numbers with 100 values each: 100 x 100 cells of 2 rows each, far below the noise
    # at epsilon 1, so their pair is measured on runs of each
    r = np.random.default_rng(3)
    x = r.integers(0, 100, 20000)
    y = np.clip(x + r.integers(-10, 11, 20000), 0, 99)
    ds = table("x,y\n" + "\n".join(f"{a},{b}" for a, b in zip(x, y, strict=True)) + "\n")
    s = SynthSettings(method="dp", epsilon=1.0, domain_from_data=True)
    model, _ = fit_model(ds, s)
    p = model["privacy"]
    assert p["rho_spent"] <= p["rho"] and abs(p["rho_spent"] - p["rho"]) < 1e-4 * p["rho"]
    assert p["split"]["2-way"] == pytest.approx(p["rho_spent"] - p["split"]["1-way"] - p["split"]["select"])
    assert model["measured_groups"], "no pair was grouped: the test does not test grouping"
    for key, runs in model["measured_groups"].items():
        a, b = key.split("|")
        for col, r in zip((a, b), runs, strict=True):
            assert r is None or (np.all(np.diff(r) >= 0) and len(r) == max(model["cmap"][col]) + 1)
    rows = sample_model(model, 5000, 1, ds.schema, list(ds.columns))
    xs, ys = rows["x"][0], rows["y"][0]
    assert np.corrcoef(xs, ys)[0, 1] > 0.8  # the relation kept (0.94 in the data)


def test_estimation_fits_a_grouped_measurement_on_its_groups():
    from py_engine.dp import estimation

    rng = np.random.default_rng(1)
    joint = rng.integers(50, 300, size=(4, 6)).astype(float)
    tm = estimation.TreeModel({"a": 4, "b": 6}, [("a", "b")])
    gb = np.array([0, 0, 1, 1, 2, 2])  # b measured in 3 runs of 2 cells
    coarse = np.stack([joint[:, gb == k].sum(1) for k in range(3)], axis=1)
    y1 = {"a": joint.sum(1), "b": joint.sum(0)}
    v1 = {"a": np.ones(4), "b": np.ones(6)}
    mn, me, _, _ = estimation.fit(tm, y1, v1, {("a", "b"): coarse}, {("a", "b"): np.ones((4, 3))},
                                  float(joint.sum()), iters=3000, groups={("a", "b"): (np.arange(4), gb)})
    fitted = me[("a", "b")]
    got = np.stack([fitted[:, gb == k].sum(1) for k in range(3)], axis=1)
    assert np.allclose(got, coarse, rtol=0.02)  # the runs' counts are matched
    assert np.allclose(mn["b"], joint.sum(0), rtol=0.02)


def test_run_groupings_act_as_their_dense_matrices():
    """estimation._Runs (sums over and repeats of runs of adjacent cells) gives G^T x and G r of the
    0/1 cells x groups matrix G; a map that is not runs in order falls back to the dense matrix."""
    from py_engine.dp import estimation

    rng = np.random.default_rng(4)
    ga = np.array([0, 0, 0, 1, 2, 2, 3])  # runs, as mst.group_ordered makes them (ordered cells, then one each)
    gb = np.array([0, 1, 1, 1, 2])
    assert isinstance(estimation._grouping(ga), estimation._Runs)
    assert isinstance(estimation._grouping(np.array([1, 0, 0])), estimation._Dense)
    assert isinstance(estimation._grouping(np.array([0, 2, 2])), estimation._Dense)
    x = rng.normal(size=(7, 5))
    ia, ib = estimation._indicator(ga), estimation._indicator(gb)
    ra, rb = estimation._Runs(ga), estimation._Runs(gb)
    assert np.allclose(rb.sum(ra.sum(x, 0), 1), ia.T @ x @ ib)
    r = rng.normal(size=(4, 3))
    assert np.array_equal(rb.spread(ra.spread(r, 0), 1), ia @ r @ ib.T)
    da, db = estimation._Dense(ga), estimation._Dense(gb)
    assert np.allclose(db.sum(da.sum(x, 0), 1), ia.T @ x @ ib)
    assert np.array_equal(db.spread(da.spread(r, 0), 1), ia @ r @ ib.T)


def test_a_dp_synthesis_draws_every_measurement_from_the_exact_sampler(monkeypatch):
    """Sensitive's noise is the exact discrete-Gaussian sampler unless a caller gives another (only
    the settings search's internal DP points do): a user's DP synthesis calls it for every cell."""
    from py_engine.dp import measure

    cells = []

    def counting(sigma2, n, rng):
        cells.append(n)
        return mechanisms.discrete_gaussian_array(sigma2, n, rng)

    monkeypatch.setattr(measure, "discrete_gaussian_array", counting)
    ds = small()
    res = syn(ds, {"method": "dp", "seed": 1, "epsilon": 1.0, "domain_from_data": True})
    m = res.model
    measured = sum(len(v) for v in m["fine"].values())  # the 1-way answers on the measured grid
    assert len(cells) >= len(m["columns"]) and sum(cells) >= measured


def test_a_whole_fit_spends_at_most_the_budget():
    ds = small()
    model, _ = fit_model(ds, SynthSettings(method="dp", epsilon=0.5, domain_from_data=True), iters=50)
    p = model["privacy"]
    assert p["rho_spent"] <= p["rho"]
    assert abs(p["rho_spent"] - p["rho"]) < 1e-6 * p["rho"]
    assert p["epsilon_spent"] <= 0.5 + 1e-9


# ---------------------------------------------------------------- noise

def test_discrete_gaussian_has_the_claimed_variance():
    rng = mechanisms.CryptoRandom()
    for s2 in (Fraction(1), Fraction(100)):
        x = mechanisms.discrete_gaussian_array(s2, 6000, rng)
        assert abs(x.mean()) < 4 * math.sqrt(float(s2) / 6000)
        assert abs(x.var() / float(s2) - 1) < 0.08


def test_discrete_gaussian_pmf_chi2():
    from scipy.stats import chi2

    rng = mechanisms.CryptoRandom()
    x = mechanisms.discrete_gaussian_array(Fraction(1), 8000, rng)
    ks = np.arange(-4, 5)
    p = np.exp(-ks.astype(float) ** 2 / 2)
    full = np.exp(-np.arange(-30, 31, dtype=float) ** 2 / 2).sum()
    p = p / full
    obs = np.array([(x == k).sum() for k in ks])
    exp = p * len(x)
    stat = ((obs - exp) ** 2 / exp).sum()
    assert stat < chi2.ppf(0.999, len(ks) - 1)


def test_measurement_noise_has_the_scale_of_the_budget():
    ds = small(300)
    doms = check_domain(suggest_domain(ds, ["a"]), ds.schema, ["a"])
    odo = Odometer(Fraction(10))
    sens = Sensitive.from_dataset(ds, doms, odo)
    s2 = Fraction(400)
    true = np.bincount(pd.Series(ds.values["a"]).cat.codes.to_numpy(), minlength=doms["a"].size)
    diffs = np.concatenate([sens.measure(("a",), s2, {}, "m") - true for _ in range(300)])
    assert abs(diffs.var() / 400 - 1) < 0.15
    assert odo.spent == 300 * Fraction(1, 800)


def test_sensitive_table_only_through_charged_calls():
    ds = small(50)
    doms = check_domain(suggest_domain(ds, ["a", "b"]), ds.schema, ["a", "b"])
    odo = Odometer(Fraction(1, 100))
    sens = Sensitive.from_dataset(ds, doms, odo)
    with pytest.raises(ClosedError):
        sens.cells  # noqa: B018
    with pytest.raises(BudgetExceeded):
        sens.measure(("a",), Fraction(1), {}, "too much")  # 1/2 > 1/100: refused before measuring
    assert odo.spent == 0
    sens.close()
    with pytest.raises(ClosedError):
        sens.measure(("a",), Fraction(10**6), {}, "after close")


def test_one_added_row_changes_each_marginal_by_one_cell():
    ds = small(60)
    extra = table("a,b,age\nunseen,,999\nzz,p,-5\n")
    doms = check_domain(suggest_domain(ds, ["a", "b", "age"]), ds.schema, ["a", "b", "age"])
    from py_engine.dp.measure import cell_index

    for c in ("a", "b", "age"):
        typ = ds.schema[c].type
        cells = cell_index(doms[c], extra.values[c].astype(object) if typ != "integer" else extra.values[c],
                           extra.missing[c], typ)
        assert len(cells) == 2 and ((0 <= cells) & (cells < doms[c].size)).all()


def test_audit_epsilon_lower_bound_not_above_claimed():
    """Clopper-Pearson lower bound on epsilon from the test 'noisy count >= t' on D and D + one row."""
    from scipy.stats import beta

    rho = Fraction(accounting.cdp_rho(1.0, 1e-9))
    s2 = mechanisms.round_up_sigma2(Fraction(1) / (2 * rho))
    rng = mechanisms.CryptoRandom()
    n = 3000
    base, t = 50, 50 + 3 * int(float(s2) ** 0.5)
    y0 = base + mechanisms.discrete_gaussian_array(s2, n, rng)
    y1 = base + 1 + mechanisms.discrete_gaussian_array(s2, n, rng)
    k0, k1 = int((y0 >= t).sum()), int((y1 >= t).sum())
    p1_lo = beta.ppf(0.025, k1, n - k1 + 1) if k1 else 0.0
    p0_hi = beta.ppf(0.975, k0 + 1, n - k0)
    eps_lo = math.log(max(p1_lo, 1e-12) / p0_hi) if p1_lo > 0 else 0.0
    assert eps_lo <= 1.0
    # a noise scaled down by n (the DataSynthesizer bug) is caught by the same test
    yb0 = base + mechanisms.discrete_gaussian_array(Fraction(1, 4), n, rng)
    yb1 = base + 1 + mechanisms.discrete_gaussian_array(Fraction(1, 4), n, rng)
    tb = base + 1
    kb0, kb1 = int((yb0 >= tb).sum()), int((yb1 >= tb).sum())
    lo = beta.ppf(0.025, kb1, n - kb1 + 1)
    hi = beta.ppf(0.975, kb0 + 1, n - kb0)
    assert math.log(lo / hi) > 1.0


# ---------------------------------------------------------------- domain

def test_domain_is_required_and_refusals_are_clear():
    ds = small(50)
    with pytest.raises(EngineError) as e:
        syn(ds, {"method": "dp", "seed": 1})
    assert e.value.code == "dp.domain_missing"
    assert "--domain" in e.value.message("en") and "--domain" in e.value.message("nl")
    dom = suggest_domain(ds, ["a", "b", "age"])
    dom["columns"] = dom["columns"][:2]
    with pytest.raises(EngineError) as e:
        syn(ds, {"method": "dp", "seed": 1, "domain": dom})
    assert e.value.code == "dp.domain_no_column" and "age" in e.value.message("en")
    for key, value in (("remove_replicated", True), ("smoothing", "density"), ("missing", "impute")):
        with pytest.raises(EngineError) as e:
            SynthSettings.from_dict({"method": "dp", key: value})
        assert e.value.code == "dp.refused_stage"
    with pytest.raises(EngineError) as e:
        syn(ds, {"method": "dp", "m": 2, "domain_from_data": True})
    assert e.value.code == "dp.one_copy"
    s = SynthSettings.from_dict({"method": "dp"})
    assert s.remove_replicated is False and s.smoothing == "none"
    for bad in (0, -1, "x", float("nan")):
        with pytest.raises(EngineError) as e:
            syn(ds, {"method": "dp", "epsilon": bad, "domain_from_data": True})
        assert e.value.code == "dp.bad_epsilon"


def test_domain_is_a_function_of_the_declared_domain_only():
    d1, d2 = table("a,n\nx,1\nx,2\n"), table("a,n\ny,50\ny,60\n")
    doc = {"format": "localsynth.dp-domain", "version": 1, "columns": [
        {"name": "a", "kind": "categorical", "levels": ["x", "y", "z"], "missing": [""]},
        {"name": "n", "kind": "number", "lower": 0, "upper": 100, "bins": 10, "missing": [""]}]}
    a = check_domain(doc, d1.schema, ["a", "n"])
    b = check_domain(doc, d2.schema, ["a", "n"])
    assert {k: v.to_dict() for k, v in a.items()} == {k: v.to_dict() for k, v in b.items()}


def test_a_missing_token_that_is_also_a_level_is_refused():
    ds = table("a,n\nx,1\nNA,2\n")
    doc = {"format": "localsynth.dp-domain", "version": 1, "columns": [
        {"name": "a", "kind": "categorical", "levels": ["x", "NA"], "missing": ["", "NA"]},
        {"name": "n", "kind": "number", "lower": 0, "upper": 100, "bins": 10, "missing": []}]}
    with pytest.raises(EngineError) as e:
        check_domain(doc, ds.schema, ["a", "n"])
    assert e.value.code == "dp.domain_bad" and "'a'" in e.value.message("en")
    doc["columns"][0]["missing"] = [""]
    assert check_domain(doc, ds.schema, ["a", "n"])["a"].missing == [""]


# ---------------------------------------------------------------- determinism and utility

def test_same_model_and_seed_same_rows_and_fresh_noise_each_fit():
    ds = small()
    s = SynthSettings(method="dp", epsilon=1.0, domain_from_data=True)
    m1, _ = fit_model(ds, s, iters=50)
    m2, _ = fit_model(ds, s, iters=50)
    assert m1["fine"] != m2["fine"]  # noise from the CSPRNG, not from a seed
    a = sample_model(m1, 200, 7, ds.schema, ds.columns)
    b = sample_model(json.loads(json.dumps(m1)), 200, 7, ds.schema, ds.columns)
    for c in ds.columns:
        assert list(pd.Series(a[c][0]).astype(str)) == list(pd.Series(b[c][0]).astype(str))


def test_utility_sanity_keeps_the_strong_relation():
    ds = small(3000, seed=1)
    r = syn(ds, {"method": "dp", "epsilon": 5.0, "domain_from_data": True, "seed": 3})
    v = r.synthetic.values
    assert r.synthetic.n_rows == pytest.approx(3000, rel=0.05)
    share = (v["b"][v["a"] == "x"].astype(str) == "p").mean()
    assert share > 0.75  # the real share is 0.9; independent columns would give about 0.37
    assert r.settings.remove_replicated is False


def test_cli_dp_domain_round_trip(tmp_path, capsys):
    ds_path = tmp_path / "in.csv"
    rows = ["a,b,age"] + [f"{'xy'[i % 2]},{'pq'[i % 3 == 0]},{20 + i % 50}" for i in range(300)]
    ds_path.write_text("\n".join(rows) + "\n")
    dom = tmp_path / "dom.json"
    assert main(["synth", str(ds_path), "-o", str(tmp_path / "o.csv"), "--method", "dp",
                 "--write-domain", str(dom)]) == 0
    assert json.loads(dom.read_text())["from_data"] is True
    assert main(["synth", str(ds_path), "-o", str(tmp_path / "o.csv"), "--method", "dp", "--epsilon", "2",
                 "--domain", str(dom), "--seed", "1"]) == 0
    assert (tmp_path / "o.csv").read_text().startswith("a,b,age")
    assert main(["synth", str(ds_path), "-o", str(tmp_path / "o2.csv"), "--method", "dp",
                 "--domain-from-data"]) == 0
    assert "NOT covered" in capsys.readouterr().out
    assert main(["synth", str(ds_path), "-o", str(tmp_path / "o3.csv"), "--method", "dp"]) == 2


def test_estimation_stops_when_the_loss_has_converged():
    # post-processing only: the rule reads the noisy answers; without tol it runs to the cap
    from py_engine.dp import estimation

    rng = np.random.default_rng(0)
    tm = estimation.TreeModel({"a": 3, "b": 4}, [("a", "b")])
    joint = rng.integers(20, 200, size=(3, 4)).astype(float)
    y1 = {"a": joint.sum(1) + rng.normal(0, 3, 3), "b": joint.sum(0) + rng.normal(0, 3, 4)}
    y2 = {("a", "b"): joint + rng.normal(0, 3, (3, 4))}
    v1 = {"a": np.full(3, 9.0), "b": np.full(4, 9.0)}
    v2 = {("a", "b"): np.full((3, 4), 9.0)}
    total = float(joint.sum())
    *_, l_full, it_full = estimation.fit(tm, y1, v1, y2, v2, total, iters=3000)
    *_, l_tol, it_tol = estimation.fit(tm, y1, v1, y2, v2, total, iters=3000, tol=1e-3)
    assert it_full == 3000
    assert estimation.WINDOW <= it_tol < 3000
    assert l_tol <= l_full * 1.01 + 1e-9


def test_the_estimation_starts_at_the_answers_when_they_are_consistent():
    # a chain a - b - c with exact (noise-free) marginals of a tree distribution: the start's
    # marginals are those answers, and the fit from there needs no more iterations than the window
    from py_engine.dp import estimation

    rng = np.random.default_rng(2)
    pa = rng.dirichlet(np.ones(3))
    pb_a = rng.dirichlet(np.ones(4), size=3)
    pc_b = rng.dirichlet(np.ones(2), size=4)
    joint = pa[:, None, None] * pb_a[:, :, None] * pc_b[None, :, :] * 1000.0
    tm = estimation.TreeModel({"a": 3, "b": 4, "c": 2}, [("a", "b"), ("b", "c")])
    y1 = {"a": joint.sum((1, 2)), "b": joint.sum((0, 2)), "c": joint.sum((0, 1))}
    y2 = {("a", "b"): joint.sum(2), ("b", "c"): joint.sum(0)}
    node, edge = estimation.start_from_answers(tm, y1, y2, floor=1e-9)
    mn, me = tm.marginals(node, edge, 1000.0)
    for c in y1:
        assert np.allclose(mn[c], y1[c])
    for e in y2:
        assert np.allclose(me[e], y2[e])
    v1 = {c: np.ones(len(v)) for c, v in y1.items()}
    v2 = {e: np.ones(v.shape) for e, v in y2.items()}
    *_, loss, it = estimation.fit(tm, y1, v1, y2, v2, 1000.0, iters=3000, tol=1e-3, start=(node, edge))
    assert loss < 1e-6 and it == estimation.WINDOW


def test_grid_is_a_function_of_epsilon_and_the_domain_only():
    from py_engine.dp.domain import ColumnDomain, grid_for_epsilon

    logd = ColumnDomain("w", "number", lower=0, upper=1e6, bins=64, scale="log", special=[0.0], decimals=0,
                        missing=[""])
    assert grid_for_epsilon(logd, "integer", 1.0).bins == 64
    assert grid_for_epsilon(logd, "integer", 0.1) is logd  # never coarser than declared
    assert grid_for_epsilon(logd, "integer", 0.01) is logd
    assert grid_for_epsilon(logd, "integer", 10).bins == 128
    assert grid_for_epsilon(logd, "integer", 100).bins == 128
    assert grid_for_epsilon(logd, "numeric", 3).bins == round(64 * 2 ** math.log10(3))
    g = grid_for_epsilon(logd, "integer", 10)
    assert (g.lower, g.upper, g.scale, g.special, g.missing) == (0, 1e6, "log", [0.0], [""])
    # one cell per integer stays; an integer grid never gets finer than one value per cell
    age = ColumnDomain("age", "number", lower=16.5, upper=90.5, bins=74, decimals=0, special=[], missing=[""])
    assert grid_for_epsilon(age, "integer", 10).bins == 74 and grid_for_epsilon(age, "integer", 0.1).bins == 74
    small = ColumnDomain("k", "number", lower=0, upper=100, bins=64, decimals=0, special=[], missing=[""])
    assert grid_for_epsilon(small, "integer", 10).bins == 100
    assert grid_for_epsilon(small, "numeric", 10).bins == 128
    tiny = ColumnDomain("t", "number", lower=0, upper=1, bins=4, decimals=None, special=[], missing=[""])
    assert grid_for_epsilon(tiny, "numeric", 0.1).bins == 4 and grid_for_epsilon(tiny, "numeric", 10).bins == 8
    cat = ColumnDomain("c", "categorical", levels=["a"], missing=[""])
    assert grid_for_epsilon(cat, "categorical", 0.1) is cat


def test_a_column_declared_without_missing_values_gets_none():
    from py_engine.dp.measure import cell_index
    from py_engine.dp.method import fit_model, sample_model

    ds = small(300)
    cols = ["a", "b", "age"]
    sug = suggest_domain(ds, cols)
    assert all(c["missing"] == [] for c in sug["columns"])  # the table has no missing values
    doms = check_domain(sug, ds.schema, cols)
    assert doms["a"].size == 4 and doms["age"].size == doms["age"].bins
    # a missing value still lands in exactly one cell: "other" for a category, the lowest bin for a number
    extra = table("a,b,age\n,p,\nx,,40\n")
    assert list(cell_index(doms["a"], extra.values["a"].astype(object), extra.missing["a"], "categorical")) == [3, 0]
    assert cell_index(doms["age"], extra.values["age"], extra.missing["age"], ds.schema["age"].type)[0] == 0
    model, _ = fit_model(ds, SynthSettings(method="dp", epsilon=0.3, domain=sug), iters=50)
    out = sample_model(model, 2000, 1, ds.schema, cols)
    for c in cols:
        assert not out[c][1].notna().any(), c  # no missing token written
    # declared tokens are kept as they are
    doc = {"format": "localsynth.dp-domain", "version": 1, "columns": [
        {"name": "a", "kind": "categorical", "levels": ["x", "y", "z"], "missing": []},
        {"name": "b", "kind": "categorical", "levels": ["p", "q"], "missing": ["", "NA"]},
        {"name": "age", "kind": "number", "lower": 18, "upper": 80, "bins": 10, "missing": []}]}
    d2 = check_domain(doc, ds.schema, cols)
    assert d2["a"].missing == [] and d2["b"].missing == ["", "NA"] and d2["b"].size == 5
