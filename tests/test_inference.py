"""Combining rules for m synthetic data sets (evaluation/inference.py) against hand computations and
against figures printed by R synthpop's compare.fit (vignette "inference", synthpop 1.8), and syn's m."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers_engine import load_bytes

from py_engine.errors import EngineError
from py_engine.evaluation import inference
from py_engine.synthesis import syn

Z95 = 1.959963984540054


def test_combine_hand_computed_all_four_rules():
    # m = 3 copies of k = 200 rows from n = 100 real rows; one coefficient
    q = [[1.0], [1.3], [0.7]]
    v = [[0.04], [0.05], [0.03]]
    # q_bar = 1.0, v_bar = 0.04, v_bar k/n = 0.08, b_m = (0.09 + 0 + 0.09) / 2 = 0.09
    r = inference.combine(q, v, 100, 200)
    assert r["estimate"][0] == pytest.approx(1.0)
    assert r["se"][0] == pytest.approx(math.sqrt(0.08))
    assert r["b_m"][0] == pytest.approx(0.09)
    assert r["z"][0] == pytest.approx(1 / math.sqrt(0.08))
    # population inference, simple synthesis: 0.08 (1 + n/(k m)) = 0.08 (1 + 1/6)
    r = inference.combine(q, v, 100, 200, population_inference=True)
    assert r["se"][0] == pytest.approx(math.sqrt(0.08 * 7 / 6))
    # proper synthesis: 0.08 (1 + (n/k + 1)/m) = 0.08 * 1.5
    r = inference.combine(q, v, 100, 200, population_inference=True, proper=True)
    assert r["se"][0] == pytest.approx(math.sqrt(0.12))
    # partially synthetic (Reiter 2003): b_m/m + v_bar k/n = 0.03 + 0.08
    r = inference.combine(q, v, 100, 200, population_inference=True, incomplete=True)
    assert r["se"][0] == pytest.approx(math.sqrt(0.11))
    assert r["p_value"][0] == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(1 / math.sqrt(0.11) / math.sqrt(2)))))
    # m = 1 with incomplete: synthpop proceeds as if all were synthesised
    r = inference.combine([[1.0]], [[0.04]], 100, 100, population_inference=True, incomplete=True)
    assert not r["incomplete"] and r["se"][0] == pytest.approx(math.sqrt(0.04 * 2))
    # compare.fit: the real variance replaces v_bar k/n
    r = inference.combine(q, v, 100, 200, real_variance=[0.5])
    assert r["se"][0] == pytest.approx(math.sqrt(0.5))


def test_combine_leaves_out_copies_that_could_not_estimate():
    r = inference.combine([[1.0, 2.0], [3.0, np.nan]], [[1.0, 1.0], [3.0, np.nan]], 10, 10)
    assert r["estimate"] == pytest.approx([2.0, 2.0])
    assert r["se"] == pytest.approx([math.sqrt(2.0), 1.0])


def test_interval_overlap_hand_computed():
    # (-0.96, 2.96) and (-1.96, 1.96): overlap 2.92 of widths 3.92
    z = Z95
    assert inference.interval_overlap(1, 1, 0, 1) == pytest.approx((2 * z - 1) / (2 * z))
    assert inference.interval_overlap(0, 1, 0, 1) == pytest.approx(1.0)
    # apart: negative, as Karr et al. and synthpop report it
    assert inference.interval_overlap(10, 1, 0, 1) == pytest.approx((2 * z - 10) / (2 * z))
    assert inference.interval_overlap(0, 0, 0, 1) is None
    # unequal widths: (0, 4) and (1, 2) in z units: overlap 1; 1/2 (1/4 + 1/1)
    assert inference.interval_overlap(2 / z * z, 2 / z, 1.5, 0.5 / z) == pytest.approx(0.625)


# compare(f8, ods) in synthpop's inference vignette: Synthetic, Observed, Std. coef diff, CI overlap
R_F8 = [(0.45921, 0.4078, 0.47653, 0.8784), (1.03712, 1.0592, -0.14727, 0.9624),
        (0.08504, 0.1139, -0.22471, 0.9427), (0.44279, 0.5074, -0.46064, 0.8825),
        (0.90379, 0.9864, -0.46585, 0.8812), (-0.59573, -0.6058, 0.05417, 0.9862),
        (-0.36813, -0.4497, 0.41637, 0.8938), (-0.76002, -0.7986, 0.16529, 0.9578)]


def test_overlap_and_means_agree_with_synthpop_compare_fit():
    """population.inference = FALSE: compare.fit gives the synthetic estimate the real standard error,
    so se_real = diff / std_diff reproduces R's CI overlap column and its two means (8 coefficients,
    intercept included): 0.9231 and 0.3014."""
    overlaps, sds = [], []
    for syn_b, obs_b, std, r_overlap in R_F8:
        se = (syn_b - obs_b) / std
        sd = inference.standardised_difference(syn_b, obs_b, se)
        ov = inference.interval_overlap(syn_b, se, obs_b, se)
        assert sd == pytest.approx(std, rel=1e-3)
        assert ov == pytest.approx(r_overlap, abs=6e-4)
        overlaps.append(ov)
        sds.append(abs(sd))
    assert np.mean(overlaps) == pytest.approx(0.9231, abs=6e-4)
    assert np.mean(sds) == pytest.approx(0.3014, abs=6e-4)


def test_lack_of_fit_p_values_as_synthpop():
    # the vignette: "Lack-of-fit test: 3.948; p-value 0.8618 ... 8 degrees of freedom", ratio 0.49;
    # 71.02 on 7 df: ratio 10.15
    from scipy.stats import chi2

    assert chi2.sf(3.948, 8) == pytest.approx(0.8618, abs=1e-4)
    # chi2 = d' (V n/(k m))^-1 d: one coefficient, d = 0.3, V = 0.01, n = k, m = 5 -> 0.09 / 0.002 = 45
    r = inference.lack_of_fit([0.3], [[0.01]], 100, 100, 5)
    assert r["statistic"] == pytest.approx(45.0)
    assert r["df"] == 1 and r["ratio"] == pytest.approx(45.0)
    r = inference.lack_of_fit([0.3, 0.0], np.diag([0.01, 1.0]), 100, 200, 5)
    assert r["statistic"] == pytest.approx(0.09 / (0.01 * 0.5 / 5))
    assert r["p_value"] == pytest.approx(chi2.sf(r["statistic"], 2))
    r = inference.lack_of_fit([0.3], [[0.01]], 100, 100, 5, proper=True)
    assert r["statistic"] == pytest.approx(0.09 / (0.01 * 2 / 5))


def _table(n=400, seed=1, collinear=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n).round(2)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = (3 + 0.5 * x + np.select([g == "b", g == "c"], [2.0, -1.0], 0) + rng.normal(0, 2, n)).round(3)
    lines = ["x,g,y" + (",xc" if collinear else "")]
    for i in range(n):
        lines.append(f"{x[i]},{g[i]},{y[i]}" + (f",{x[i] - 5:.2f}" if collinear else ""))
    return load_bytes(("\n".join(lines) + "\n").encode())


def test_compare_fit_linear_matches_ordinary_least_squares():
    real = _table()
    copies = [_table(seed=s) for s in (2, 3, 4)]

    def ols(ds):
        x = ds.values["x"].to_numpy(float)
        g = ds.values["g"].astype(str).to_numpy()
        xm = np.column_stack([np.ones(len(x)), x, g == "b", g == "c"]).astype(float)
        y = ds.values["y"].to_numpy(float)
        b = np.linalg.lstsq(xm, y, rcond=None)[0]
        res = y - xm @ b
        cov = res @ res / (len(y) - 4) * np.linalg.inv(xm.T @ xm)
        return b, np.sqrt(np.diag(cov))

    br, sr = ols(real)
    fits = [ols(c) for c in copies]
    qbar = np.mean([b for b, _ in fits], axis=0)
    out = inference.compare_fit(real, copies, "y")
    assert out["model"] == "linear" and out["m"] == 3 and out["n"] == 400 and out["k"] == 400
    terms = {(t["column"], t.get("level", {}).get("label")): t for t in out["terms"]}
    order = [(None, None), ("x", None), ("g", "b"), ("g", "c")]
    for j, key in enumerate(order):
        t = terms[key]
        assert t["real"]["estimate"] == pytest.approx(br[j], rel=1e-8)
        assert t["real"]["se"] == pytest.approx(sr[j], rel=1e-8)
        assert t["synthetic"]["estimate"] == pytest.approx(qbar[j], rel=1e-8)
        # what a researcher gets from the copies alone: sqrt(v_bar k / n), k = n
        vbar = np.mean([s[j] ** 2 for _, s in fits])
        assert t["synthetic"]["se"] == pytest.approx(math.sqrt(vbar), rel=1e-8)
        assert t["std_diff"] == pytest.approx((qbar[j] - br[j]) / sr[j], rel=1e-8)
        assert t["overlap"] == pytest.approx(inference.interval_overlap(qbar[j], sr[j], br[j], sr[j]))
    # an independent sample of the same model: coefficients agree within a few standard errors
    assert out["mean_abs_std_diff"] < 3
    assert out["aliased"] == [] and not out["degenerate"]
    assert out["lack_of_fit"]["df"] == 4
    pop = inference.compare_fit(real, copies, "y", population_inference=True)
    tp = {(t["column"], t.get("level", {}).get("label")): t for t in pop["terms"]}
    # population inference: larger standard errors (1 + n/(k m))
    assert tp[("x", None)]["synthetic"]["se"] == pytest.approx(terms[("x", None)]["synthetic"]["se"]
                                                               * math.sqrt(1 + 1 / 3), rel=1e-8)


def test_compare_fit_names_aliased_terms_and_never_prints_huge_figures():
    real = _table(collinear=True)
    copies = [_table(seed=5, collinear=True)]
    out = inference.compare_fit(real, copies, "y")
    assert [a["column"] for a in out["aliased"]] == ["xc"]  # the later one, as R's lm
    for t in out["terms"]:
        assert abs(t["real"]["estimate"]) < 1e3 and abs(t["synthetic"]["estimate"]) < 1e3
        assert t["overlap"] is None or -50 < t["overlap"] <= 1


def test_compare_fit_logistic_for_a_category():
    real = _table()
    out = inference.compare_fit(real, [_table(seed=7), _table(seed=8)], "g", predictors=["x", "y"])
    assert out["model"] == "logistic" and out["positive_class"] == {"label": "a"}
    assert len(out["terms"]) == 3 and out["m"] == 2


def test_syn_m_copies_each_with_its_seed():
    ds = _table(n=120)
    one = syn(ds, {"seed": 11})
    two = syn(ds, {"seed": 12})
    res = syn(ds, {"seed": 11, "m": 3})
    assert res.seeds == [11, 12, 13] and len(res.copies) == 3
    assert res.copies[0] is res.synthetic
    assert res.copies[0].values.equals(one.synthetic.values)
    assert res.copies[1].values.equals(two.synthetic.values)
    assert not res.copies[1].values.equals(res.copies[2].values)
    assert res.settings.m == 3 and res.settings.seed == 11
    assert res.summary()["seeds"] == [11, 12, 13] and res.summary()["m"] == 3
    steps = []
    syn(ds, {"seed": 11, "m": 2}, progress=steps.append)
    assert steps[-1].step == steps[-1].total and steps[-1].params["copy"] == 2
    assert [s.step for s in steps] == list(range(1, len(steps) + 1))
    assert syn(ds, {"seed": 4294967295, "m": 2}).seeds == [4294967295, 0]


@pytest.mark.parametrize("m", [0, 101, 2.5, True, "3"])
def test_syn_bad_m(m):
    with pytest.raises(EngineError) as e:
        syn(_table(n=30), {"m": m})
    assert e.value.code == "settings.bad_m"


def test_cli_synth_m_writes_numbered_files_with_their_seeds(tmp_path):
    import io

    from helpers_engine import REAL

    from py_engine.cli import main

    out = io.StringIO()
    assert main(["synth", str(REAL / "wage.csv"), "-o", str(tmp_path / "s.csv"), "--rows", "200", "--seed", "7",
                 "--m", "3"], out=out) == 0
    text = out.getvalue()
    files = [tmp_path / f"s_{k}.csv" for k in (1, 2, 3)]
    assert all(f.exists() for f in files) and not (tmp_path / "s.csv").exists()
    assert "m = 3 synthetic data sets, seeds 7, 8, 9" in text
    one = io.StringIO()
    assert main(["synth", str(REAL / "wage.csv"), "-o", str(tmp_path / "one.csv"), "--rows", "200", "--seed", "8"],
                out=one) == 0
    assert (tmp_path / "one.csv").read_bytes() == files[1].read_bytes()
    assert files[0].read_bytes() != files[1].read_bytes()


def test_evaluation_combines_the_m_copies():
    from py_engine.evaluation import evaluate

    ds = _table(n=300)
    res = syn(ds, {"seed": 2, "m": 4})
    rep = evaluate(ds, res.synthetic, None, {"target": "y", "skip": ["cart", "logit_interactions"]},
                   copies=res.copies)
    fit = rep["analysis"]["fit"]
    assert fit["status"] == "ok" and fit["m"] == 4
    direct = inference.compare_fit(ds, res.copies, "y")
    assert fit["mean_abs_std_diff"] == pytest.approx(direct["mean_abs_std_diff"])
    verdict = next(v for v in rep["summary"] if v["aspect"] == "fit")
    assert verdict["level"] in ("good", "fair", "poor") and verdict["params"]["m"] == 4
    single = evaluate(ds, res.synthetic, None, {"target": "y", "skip": ["cart", "logit_interactions"]})
    assert single["analysis"]["fit"]["m"] == 1


def test_known_answers_from_synthpops_r_source():
    """Hand-computed figures from the formulas of synthpop 1.9-2's R source (github cran/synthpop),
    two coefficients, m = 2 copies of k = 100 rows from n = 50 real rows.

    R/methods.syn.r, mcoefvar and summary.fit.synds:
        mcoefavg <- apply(matcoef, 2, mean, na.rm = TRUE)
        mvaravg  <- apply(matvar,  2, mean, na.rm = TRUE)
        if (!is.null(real.varcov))  vars <- diag(real.varcov)
        else  vars <- object$mvaravg * k/n
        # population.inference == FALSE:
        result <- cbind(coefficients, sqrt(vars), coefficients/sqrt(vars),
                        2*pnorm(-abs(coefficients/sqrt(vars))))
        # population.inference == TRUE, incomplete:
        bm <- apply(object$mcoef, 2, var)  ...  sqrt(bm/m + vars)
        # population.inference == TRUE, all synthesised:
        if (object$proper == FALSE) Tf <- vars*(1 + n/k/m) else Tf <- vars*(1 + (n/k + 1)/m)
    R/compare.syn.r, compare.fit.synds (fully synthesised):
        syn.fit  <- summary.fit.synds(object, real.varcov = real.varcov, ...)
        res.diff <- cbind(..., (res.syn[,1] - res.obs[,1]) / res.obs[,2])   # "Std. coef diff"
        lof.varcov <- real.varcov*n/k/m
        lack.of.fit <- t(res.diff[,3]) %*% ginv(lof.varcov) %*% res.diff[,3]
        lof.pvalue  <- 1 - pchisq(lack.of.fit, ncoef)
    """
    q = [[2.0, -1.0], [2.4, -0.6]]
    v = [[0.10, 0.02], [0.14, 0.04]]
    n, k = 50, 100
    # mcoefavg = (2.2, -0.8); mvaravg = (0.12, 0.03); vars = mvaravg * k/n = (0.24, 0.06)
    r = inference.combine(q, v, n, k)
    assert r["estimate"] == pytest.approx([2.2, -0.8])
    assert r["v_bar"] == pytest.approx([0.12, 0.03])
    assert r["se"] == pytest.approx([math.sqrt(0.24), math.sqrt(0.06)])
    assert r["z"] == pytest.approx([4.490731195, -3.265986324])
    assert r["p_value"] == pytest.approx([math.erfc(4.490731195 / math.sqrt(2)), math.erfc(3.265986324 / math.sqrt(2))])
    # population inference, simple: Tf = vars (1 + n/k/m) = vars * 1.25 = (0.30, 0.075)
    r = inference.combine(q, v, n, k, population_inference=True)
    assert r["se"] == pytest.approx([math.sqrt(0.30), math.sqrt(0.075)])
    # proper: Tf = vars (1 + (n/k + 1)/m) = vars * 1.75 = (0.42, 0.105)
    r = inference.combine(q, v, n, k, population_inference=True, proper=True)
    assert r["se"] == pytest.approx([math.sqrt(0.42), math.sqrt(0.105)])
    # incomplete: bm = var(2.0, 2.4) = var(-1.0, -0.6) = 0.08; bm/m + vars = (0.28, 0.10)
    r = inference.combine(q, v, n, k, population_inference=True, incomplete=True)
    assert r["b_m"] == pytest.approx([0.08, 0.08])
    assert r["se"] == pytest.approx([math.sqrt(0.28), math.sqrt(0.10)])
    # compare.fit: vars = diag(real.varcov) = (0.2, 0.05); with population inference * 1.25
    r = inference.combine(q, v, n, k, real_variance=[0.2, 0.05])
    assert r["se"] == pytest.approx([math.sqrt(0.2), math.sqrt(0.05)])
    r = inference.combine(q, v, n, k, population_inference=True, real_variance=[0.2, 0.05])
    assert r["se"] == pytest.approx([0.5, 0.25])
    # std. coef diff against a real fit (2.0, -1.0) with se (sqrt 0.2, sqrt 0.05)
    assert inference.standardised_difference(2.2, 2.0, math.sqrt(0.2)) == pytest.approx(0.2 / math.sqrt(0.2))
    # lack of fit: d = (0.2, 0.2), lof.varcov = diag(0.2, 0.05) * 50/100/2 = diag(0.05, 0.0125):
    # 0.04/0.05 + 0.04/0.0125 = 4.0 on 2 df, p = 1 - pchisq(4, 2) = exp(-2)
    lof = inference.lack_of_fit([0.2, 0.2], np.diag([0.2, 0.05]), n, k, 2)
    assert lof["statistic"] == pytest.approx(4.0) and lof["df"] == 2
    assert lof["p_value"] == pytest.approx(math.exp(-2)) and lof["ratio"] == pytest.approx(2.0)
    # with a covariance: V = 0.25 [[0.2, 0.05], [0.05, 0.05]], det 0.00046875, d' V^-1 d = 0.0015 / det = 3.2
    lof = inference.lack_of_fit([0.2, 0.2], [[0.2, 0.05], [0.05, 0.05]], n, k, 2)
    assert lof["statistic"] == pytest.approx(3.2)
