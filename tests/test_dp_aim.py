"""AIM (py_engine/dp/aim.py): the accounting is exact, every mechanism's sensitivity is as stated,
the model samples reproducibly (issue 12)."""

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from py_engine.dataset import from_raw
from py_engine.dp import accounting, aim, mst
from py_engine.dp.accounting import Odometer
from py_engine.dp.domain import check_domain, suggest_domain
from py_engine.dp.measure import Sensitive, cell_index
from py_engine.dp.method import fit_model, sample_model
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
    c = np.where(b == "p", r.choice(["u", "v"], n, p=[0.8, 0.2]), r.choice(["u", "v"], n, p=[0.2, 0.8]))
    age = np.clip(r.normal(40, 10, n).round(), 18, 80).astype(int)
    rows = ["a,b,c,age"] + [f"{x},{y},{z},{w}" for x, y, z, w in zip(a, b, c, age, strict=True)]
    return table("\n".join(rows) + "\n")


def run_aim(ds, eps, rounds=8):
    cols = list(ds.columns)
    doms = check_domain(suggest_domain(ds, cols), ds.schema, cols)
    rho = Fraction(accounting.cdp_rho(eps, 1e-9))
    odo = Odometer(rho)
    sens = Sensitive.from_dataset(ds, doms, odo)
    s2, e = aim.start(rho, rounds)
    y1 = mst.measure_one_way(sens, doms, s2)
    maps, y1c, k1 = {}, {}, {}
    for c in cols:
        maps[c], y1c[c], k1[c] = mst.compress(y1[c].astype(float), doms[c], float(s2) ** 0.5)
    out = aim.run(sens, cols, rho, y1c, k1, maps, s2, e, mst.estimate_total(y1c, k1), iters=20)
    sens.close()
    return odo, s2, e, out


@pytest.mark.parametrize("eps", [0.3, 3.0])
def test_aim_spends_exactly_the_declared_rho(eps):
    """The rounds end by spending what is left, so the exact (rational) total equals rho; and each
    ledger entry is the cost of its mechanism: 1/(2 sigma^2) per measurement, eps^2/8 per selection."""
    ds = small()
    odo, s2, e, (_, _, meas, record) = run_aim(ds, eps)
    assert odo.spent == odo.total  # Fractions: exact, not approximately
    rho = odo.total
    # the first rounds' parameters are the paper's: sigma^2 >= T/(2 * 0.9 rho), eps^2/8 <= 0.1 rho / T
    assert s2 >= Fraction(8) / (2 * Fraction(9, 10) * rho) and s2 - Fraction(8) / (2 * Fraction(9, 10) * rho) <= Fraction(1, 1000)
    assert e * e / 8 <= Fraction(1, 10) * rho / 8 and float(e * e / 8) > 0.999999 * float(rho / 80)
    ledger = odo.ledger
    ones = [r for w, r in ledger if w.startswith("1-way:")]
    assert ones == [1 / (2 * s2)] * 4
    rounds = record["rounds"]
    sel = [r for w, r in ledger if w.startswith("select:")]
    mea = [r for w, r in ledger if w.startswith("measure:")]
    assert len(sel) == len(mea) == len(rounds) >= 1
    for k, rd in enumerate(rounds):  # the recorded sigma and eps are what was charged
        assert abs(float(mea[k]) - 1 / (2 * rd["sigma"] ** 2)) <= 1e-9 * float(mea[k])
        assert abs(float(sel[k]) - rd["epsilon"] ** 2 / 8) <= 1e-9 * float(sel[k])
    # the last round takes 10% of what was left for selecting and the rest for measuring
    left = mea[-1] + sel[-1]
    assert sel[-1] <= left / 10 and float(sel[-1]) > 0.999999 * float(left / 10)
    assert len(meas) == 4 + len(rounds)


def test_aim_through_the_engine_reports_its_accounting():
    ds = small()
    model, _ = fit_model(ds, SynthSettings(method="dp", epsilon=1.0, domain_from_data=True, dp_mechanism="aim"),
                         iters=30)
    p = model["privacy"]
    assert p["mechanism"] == "aim" and p["rho_spent"] == p["rho"]
    assert abs(p["epsilon_spent"] - 1.0) < 1e-6
    assert set(p["split"]) == {"1-way", "select", "measure"}
    assert abs(sum(p["split"].values()) - p["rho"]) < 1e-12


def test_aim_score_and_measurements_have_sensitivity_one():
    """Adding one row (out of range, unseen level, missing) changes every candidate's score by at
    most 1 (AIM's and MST's) and every measured marginal by exactly 1 (one cell, so L2 sensitivity 1)."""
    r = np.random.default_rng(4)
    base = small(80, seed=3)
    cols = list(base.columns)
    doms = check_domain(suggest_domain(base, cols), base.schema, cols)
    extra = table("a,b,c,age\nunseen,,v,999\nx,p,,-5\n,q,u,\n")
    sizes = {c: doms[c].size for c in cols}
    cand = aim.workload(cols, sizes)
    wmax = max(cand.values())

    def cells(ds, c):
        return cell_index(doms[c], ds.values[c], ds.missing[c], ds.schema[c].type)

    bc = {c: cells(base, c) for c in cols}
    ec = {c: cells(extra, c) for c in cols}
    for i in range(3):
        for cl in cand:
            shape = [sizes[c] for c in cl]

            def counts(idx_by_col, cl=cl, shape=shape):
                idx = np.ravel_multi_index([idx_by_col[c] for c in cl], shape)
                return np.bincount(idx, minlength=int(np.prod(shape))).reshape(shape)

            m0 = counts(bc)
            m1 = counts({c: np.append(bc[c], ec[c][i]) for c in cols})
            assert np.abs(m1 - m0).sum() == 1 and np.sqrt(((m1 - m0) ** 2).sum()) == 1
            model = r.gamma(1.0, 3.0, size=shape)  # any model marginal (computed from earlier noisy answers)
            sd = float(r.uniform(0.5, 30))
            d = aim.score(m1, model, cand[cl], wmax, sd) - aim.score(m0, model, cand[cl], wmax, sd)
            assert abs(d) <= 1 + 1e-9
            if len(cl) == 2:  # MST's selection score on the same pair
                mu_a, mu_b = r.gamma(1.0, 5.0, shape[0]), r.gamma(1.0, 5.0, shape[1])
                d2 = mst.pair_score(m1, mu_a, mu_b, 80.0) - mst.pair_score(m0, mu_a, mu_b, 80.0)
                assert abs(d2) <= 1 + 1e-9


def test_aim_same_model_and_seed_same_rows_fresh_noise():
    ds = small()
    s = SynthSettings(method="dp", epsilon=2.0, domain_from_data=True, dp_mechanism="aim")
    m1, _ = fit_model(ds, s, iters=30)
    m2, _ = fit_model(ds, s, iters=30)
    assert m1["fine"] != m2["fine"]
    a = sample_model(m1, 300, 9, ds.schema, ds.columns)
    b = sample_model(json.loads(json.dumps(m1)), 300, 9, ds.schema, ds.columns)
    for c in ds.columns:
        assert list(pd.Series(a[c][0]).astype(str)) == list(pd.Series(b[c][0]).astype(str))


def test_aim_keeps_a_chain_of_relations():
    ds = small(4000, seed=2)
    r = syn(ds, {"method": "dp", "epsilon": 5.0, "domain_from_data": True, "seed": 3, "dp_mechanism": "aim"})
    v = r.synthetic.values
    share_b = (v["b"][v["a"] == "x"].astype(str) == "p").mean()
    share_c = (v["c"][v["b"] == "p"].astype(str) == "u").mean()
    assert share_b > 0.75 and share_c > 0.65  # real 0.9 and 0.8; independent columns give about 0.4 and 0.5
    assert r.model["format"] == "localsynth.dp-aim"
    assert math.isclose(r.model["privacy"]["rho_spent"], r.model["privacy"]["rho"])
