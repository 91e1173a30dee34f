"""The four core metrics (logit S_pMSE, two-way S_pMSE, exact copies, membership AUC): known answers,
formula checks on hand-computed tables, and the two baselines (bootstrap copy, independent columns)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REAL

from py_engine.evaluation import logit
from py_engine.evaluation.baselines import bootstrap_copy, independent_columns, load_csv
from py_engine.evaluation.disclosure import auc_delong, exact_copies, membership_auc
from py_engine.evaluation.utility import spmse_logit, two_way_spmse
from py_engine.holdout import split


@pytest.fixture(scope="module")
def wage():
    data = load_csv((REAL / "wage.csv").read_bytes(), "wage.csv")
    train, hold, _ = split(data, 0.2, seed=3)
    return train, hold


def _csv(rows: list[str]) -> str:
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------- two-way S_pMSE: hand-computed

def test_two_way_table_by_hand():
    # one pair (a, b), both categorical. real: (x,u) x3, (y,v) x1; synthetic: (x,u) x1, (y,v) x2, (x,v) x1
    real = load_csv(_csv(["a,b", "x,u", "x,u", "x,u", "y,v"]))
    syn = load_csv(_csv(["a,b", "x,u", "y,v", "y,v", "x,v"]))
    res = two_way_spmse(real, syn)
    pair = res["pairs"][0]
    n, c = 8, 0.5
    # cells (d, s): (3,1), (1,2), (0,1)
    pmse = (4 * (1 / 4 - c) ** 2 + 3 * (2 / 3 - c) ** 2 + 1 * (1 - c) ** 2) / n
    e0 = (3 - 1) * c * (1 - c) ** 2 / n
    assert pair["df"] == 2
    assert pair["pmse"] == pytest.approx(pmse)
    assert pair["s_pmse"] == pytest.approx(pmse / e0)
    assert res["mean"] == pytest.approx(pmse / e0)
    # VW / df (synthpop's utility.tab) gives the same
    vw = sum((s - d * c / (1 - c)) ** 2 / ((s + d) * c) for d, s in [(3, 1), (1, 2), (0, 1)])
    assert pair["s_pmse"] == pytest.approx(vw / 2)


def test_two_way_bins_numbers_in_quantiles_and_missing_own_bin():
    rows = ["x,g"] + [f"{i * 1.5},{'a' if i % 2 else 'b'}" for i in range(1, 101)] + [",a"] * 5
    real = load_csv(_csv(rows))
    res = two_way_spmse(real, real)
    assert res["pairs"][0]["s_pmse"] == pytest.approx(0.0)
    # 5 quantile bins + 1 missing bin, 2 levels: cells present = 5*2 + 1 (missing only with 'a')
    assert res["pairs"][0]["df"] == 10


# ---------------------------------------------------------------- logit S_pMSE: formula and rank

def _irls(x: np.ndarray, y: np.ndarray, iters: int = 60) -> np.ndarray:
    """glm's IRLS, dense, for checking."""
    b = np.zeros(x.shape[1])
    dev_old = np.inf
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(x @ b)))
        w = p * (1 - p)
        b = b + np.linalg.lstsq(x.T @ (x * w[:, None]), x.T @ (y - p), rcond=None)[0]
        p = np.clip(1 / (1 + np.exp(-(x @ b))), 1e-300, 1 - 1e-16)
        dev = -2 * np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-10:
            break
        dev_old = dev
    return 1 / (1 + np.exp(-(x @ b)))


@pytest.mark.parametrize("interactions", [False, True])
def test_logit_matches_glm_irls(wage, interactions):
    train, _ = wage
    train = train.take(np.arange(800))
    syn = independent_columns(train, seed=5)
    res = spmse_logit(train, syn, interactions=interactions)
    # the same model, dense, fitted by IRLS as R's glm does
    vs = logit.variables([train, syn], train.columns)
    n = 2 * train.n_rows
    x = logit.design(logit.blocks(vs, n, interactions), n).toarray()
    x = x[:, np.abs(x).sum(axis=0) > 0]
    y = np.r_[np.zeros(train.n_rows), np.ones(syn.n_rows)]
    assert res["k"] == np.linalg.matrix_rank(x)
    p = _irls(x, y)
    c = 0.5
    pmse = np.mean((p - c) ** 2)
    assert res["pmse"] == pytest.approx(pmse, rel=2e-3)
    assert res["s_pmse"] == pytest.approx(pmse / ((res["k"] - 1) * (1 - c) ** 2 * c / n), rel=2e-3)
    assert res["interactions"] is interactions


def test_logit_rank_drops_aliased_columns():
    # b duplicates a (same partition), x is a function of a: k = 1 + (3 - 1) = 3 for main effects
    rows = ["a,b,x,y"]
    rng = np.random.default_rng(0)
    for i in range(200):
        lv = "pqr"[i % 3]
        rows.append(f"{lv},{lv.upper()},{ {'p': 1, 'q': 5, 'r': 9}[lv] },{rng.integers(0, 2)}")
    real = load_csv(_csv(rows))
    syn = bootstrap_copy(real, 1)
    res = spmse_logit(real, syn, interactions=False)
    # intercept, a (2), b (aliased), x (aliased), y (categorical 0/1 -> boolean, 1)
    assert res["k"] == 4
    res2 = spmse_logit(real, syn, interactions=True)
    # + a:y (2); b:*, x:* aliased
    assert res2["k"] == 6


def test_logit_identical_data_is_zero(wage):
    train, _ = wage
    res = spmse_logit(train, train)
    assert res["pmse"] == pytest.approx(0.0, abs=1e-12)
    assert res["s_pmse"] == pytest.approx(0.0, abs=1e-6)
    assert res["specks"] == pytest.approx(0.0, abs=1e-9)


def test_logit_bootstrap_near_one_and_independent_large(wage):
    train, _ = wage
    boot = spmse_logit(train, bootstrap_copy(train, 2))
    assert 0.5 < boot["s_pmse"] < 2.0
    ind = spmse_logit(train, independent_columns(train, 2))
    assert ind["s_pmse"] > 5
    assert ind["converged"]


def test_separated_cells_are_fitted_as_glm_limit():
    # synthetic has a level the real data never has: those rows are perfectly separated (p -> 1)
    real = load_csv(_csv(["a,x"] + [f"{'uv'[i % 2]},{i % 7}" for i in range(100)]))
    syn = load_csv(_csv(["a,x"] + [f"{'uvw'[i % 3]},{i % 7}" for i in range(100)]))
    res = spmse_logit(real, syn, interactions=False)
    assert res["n_separated"] == 33
    assert np.isfinite(res["s_pmse"])


def test_missing_only_in_synthetic_is_left_out_as_synthpop():
    # synthpop's utility.gen: x_NA / addNA only where the real data have missing values; synthetic
    # rows missing where the real column never is stay NA and glm's na.omit drops them
    rng = np.random.default_rng(3)
    rows = [f"{'uv'[rng.integers(0, 2)]},{rng.integers(0, 50)},{'pq'[rng.integers(0, 2)]}" for _ in range(200)]
    real = load_csv(_csv(["a,x,b"] + rows))
    syn_rows = list(rows)
    syn_rows[0] = "u,,p"  # x missing: the real x never is
    syn_rows[1] = ",7,q"  # a missing: the real a never is
    syn = load_csv(_csv(["a,x,b"] + syn_rows))
    res = spmse_logit(real, syn, interactions=True)
    assert res["n_dropped"] == 2
    kept = load_csv(_csv(["a,x,b"] + syn_rows[2:]))
    ref = spmse_logit(real, kept, interactions=True)
    assert res["s_pmse"] == pytest.approx(ref["s_pmse"]) and res["n_columns"] == ref["n_columns"]
    # where the real data have missing values the indicator / level stays, nothing is dropped
    real2 = load_csv(_csv(["a,x,b"] + ["u,,p", ",3,q"] + rows[2:]))
    res2 = spmse_logit(real2, syn, interactions=False)
    main = spmse_logit(real, kept, interactions=False)["n_columns"]
    assert res2["n_dropped"] == 0 and res2["n_columns"] == main + 2  # x's indicator, a's missing level


def test_ml_utility_with_a_class_only_the_synthetic_rows_have():
    # a DP synthesis can give the target a level (its "other" cell) the real rows do not have:
    # the AUC is then that of the two classes the holdout has
    from py_engine.evaluation.analysis import ml_utility

    rng = np.random.default_rng(4)
    def rows(n, extra=False):
        out = []
        for i in range(n):
            x = int(rng.integers(0, 10))
            y = "yes" if x + rng.normal(0, 2) > 5 else "no"
            out.append(f"{x},{'Other' if extra and i % 50 == 0 else y}")
        return out
    train = load_csv(_csv(["x,y"] + rows(300)))
    holdout = load_csv(_csv(["x,y"] + rows(200)))
    syn = load_csv(_csv(["x,y"] + rows(300, extra=True)))
    res = ml_utility(train, syn, holdout, "y", seed=0)
    assert res["ratio"] is not None and 0.8 < res["ratio"] < 1.1
    # the synthetic rows of that class are left out of the synthetic training, and counted
    assert res["n_synthetic_dropped"] == 6 and res["n_synthetic"] == 294
    plain = load_csv(_csv(["x,y"] + rows(300)))
    assert ml_utility(train, plain, holdout, "y", seed=0)["n_synthetic_dropped"] == 0


def test_constant_and_single_column_do_not_crash():
    real = load_csv(_csv(["a,b"] + ["k,1"] * 30))
    syn = load_csv(_csv(["a,b"] + ["k,1"] * 30))
    res = spmse_logit(real, syn)
    assert res["k"] == 1 and res["s_pmse"] is None
    assert two_way_spmse(real, syn)["mean"] is None
    one = load_csv(_csv(["a"] + ["x", "y", "z"] * 10))
    res1 = spmse_logit(one, bootstrap_copy(one, 1))
    assert res1["k"] == 3 and res1["interactions"] is False
    assert two_way_spmse(one, one)["pairs"] == []
    assert exact_copies(one, one)["share"] == 1.0


# ---------------------------------------------------------------- exact copies

def test_exact_copies_six_significant_digits_and_missing_tokens():
    train = load_csv(_csv(["x,c", "1.0000001,a", "2.5,b", "NA,a", "3,"]))
    syn = load_csv(_csv(["x,c", "1,a", "2.50001,b", "NA,a", ",a", "3,"]))
    res = exact_copies(train, syn)
    # 1 == 1.0000001 at 6 digits; 2.50001 != 2.5; NA == NA; '' != 'NA'; (3, '') equal
    assert res["n_copies"] == 3
    assert res["share"] == pytest.approx(3 / 5)
    assert res["natural"] is None


def test_copies_baselines(wage):
    train, hold = wage
    boot = exact_copies(train, bootstrap_copy(train, 1), hold)
    assert boot["share"] == 1.0
    assert boot["natural"] is not None and boot["natural"] < 0.2
    ind = exact_copies(train, independent_columns(train, 1), hold)
    assert ind["share"] < 0.2


# ---------------------------------------------------------------- membership AUC

def test_auc_delong_known_values():
    r = auc_delong(np.array([3.0, 4, 5]), np.array([0.0, 1, 2]))
    assert r["auc"] == 1.0
    r = auc_delong(np.array([1.0, 1, 1]), np.array([1.0, 1]))
    assert r["auc"] == 0.5
    # one inversion out of 4 pairs, one tie: (0.75 counted) -> pairs: (2>1),(2 vs 2 tie),(0<1),(0<2)
    r = auc_delong(np.array([2.0, 0]), np.array([1.0, 2]))
    assert r["auc"] == pytest.approx((1 + 0.5 + 0 + 0) / 4)
    assert r["ci_low"] <= r["auc"] <= r["ci_high"]


def test_membership_baselines(wage):
    train, hold = wage
    boot = membership_auc(train, hold, bootstrap_copy(train, 4))
    assert boot["auc"] > 0.65 and boot["ci_low"] > 0.55
    assert boot["n_members"] == min(2000, train.n_rows) and boot["n_nonmembers"] == hold.n_rows
    ind = membership_auc(train, hold, independent_columns(train, 4))
    assert 0.42 < ind["auc"] < 0.58
    assert ind["ci_low"] < 0.5 < ind["ci_high"] or abs(ind["auc"] - 0.5) < 0.05


def test_gower_nearest_matches_brute_force(wage):
    from py_engine.evaluation import gower

    train, hold = wage
    syn = independent_columns(train, 9).take(np.arange(700))
    q = hold.take(np.arange(150))
    space = gower.encode([q, syn], train.columns)
    fast = gower.nearest(space, 0, 1)
    qn, qc = space.part(0)
    cn, cc = space.part(1)
    d = np.minimum(np.abs(qn[:, None, :] - cn[None, :, :]), 1).sum(axis=2) + (qc[:, None, :] != cc[None, :, :]).sum(axis=2)
    assert np.allclose(fast, d.min(axis=1) / space.m, atol=1e-6)
    # a copy of a synthetic row has distance 0
    space2 = gower.encode([syn.take(np.arange(5)), syn], train.columns)
    assert np.all(gower.nearest(space2, 0, 1) == 0)


def test_wide_table_falls_back_to_main_effects():
    rng = np.random.default_rng(1)
    header = ",".join(f"c{j}" for j in range(30))
    rows = [header] + [",".join(f"v{rng.integers(0, 10)}" for _ in range(30)) for _ in range(300)]
    real = load_csv(_csv(rows))
    res = spmse_logit(real, independent_columns(real, 1))
    assert res["interactions"] is False and res["note"] == "too_many_columns"
    assert res["k"] == 1 + 30 * 9
    assert res["s_pmse"] is not None


def test_adult_baselines_two_way_and_copies():
    """On Adult (48,842 rows, 15 columns): the two baselines bracket the two-way S_pMSE and copies."""
    data = load_csv((REAL / "adult.csv").read_bytes(), "adult.csv")
    train, hold, _ = split(data, 0.2, seed=1)
    boot, ind = bootstrap_copy(train, 1), independent_columns(train, 1)
    tw_boot, tw_ind = two_way_spmse(train, boot), two_way_spmse(train, ind)
    assert 0.5 < tw_boot["mean"] < 2
    assert tw_ind["mean"] > 50
    assert len(tw_ind["pairs"]) == 15 * 14 // 2 and len(tw_ind["worst"]) == 5
    # relationship and sex (husband/wife) are the most tied-together pair of Adult
    assert {tw_ind["worst"][0]["a"], tw_ind["worst"][0]["b"]} == {"relationship", "sex"}
    cb, ci = exact_copies(train, boot, hold), exact_copies(train, ind, hold)
    assert cb["share"] == 1.0 and ci["share"] < 0.005
    assert cb["natural"] == ci["natural"] and 0 < cb["natural"] < 0.01


def test_many_level_categorical_gets_rank_frequency_curves():
    """Issue 14: a categorical with more levels than bars gets both sides' rank-frequency curves (shares
    sorted from the most frequent level down); a few-level one does not."""
    import numpy as np

    from py_engine.evaluation.columns import category_column, rank_frequency
    from tests.helpers_engine import load_bytes

    rng = np.random.default_rng(0)
    real = load_bytes(("g,h\n" + "".join(f"L{int(x)},{'ab'[i % 2]}\n" for i, x in enumerate(rng.zipf(1.6, 3000) % 400))).encode())
    syn = load_bytes(("g,h\n" + "".join(f"L{int(x)},{'ab'[i % 2]}\n" for i, x in enumerate(rng.integers(0, 50, 3000)))).encode())
    col = category_column(real, syn, "g")
    rk = col["plot"]["rank"]
    assert rk["n_real"] == col["levels"]["real"] and rk["n_synthetic"] == col["levels"]["synthetic"]
    r = rk["real"]
    assert r["ranks"][0] == 1 and r["ranks"][-1] == rk["n_real"] and len(r["ranks"]) <= 200
    assert all(a >= b for a, b in zip(r["shares"], r["shares"][1:], strict=False))  # sorted down
    assert r["shares"][0] > 0.2 and rk["synthetic"]["shares"][0] < 0.05  # zipf's head vs a flat synthetic
    assert "rank" not in category_column(real, syn, "h")["plot"]
    assert rank_frequency(np.array([3, 1, 0]), np.array([1, 1]))["real"] == {"ranks": [1, 2], "shares": [0.75, 0.25]}
    from py_engine.evaluation.columns import tv_complement

    assert tv_complement(np.array([1, 2, 0, 0.0]), np.array([0, 0, 5, 9.0])) == 0.0  # disjoint: exactly 0


def _mixed_with_ties(n: int, seed: int):
    """A small table of few distinct values (many ties), missing codes, an all-missing half column."""
    from tests.helpers_engine import load_bytes

    rng = np.random.default_rng(seed)
    rows = ["x,k,c,d,e"]
    for i in range(n):
        rows.append(",".join([rng.choice(["0", "0.5", "1", "-0.0", "", "-8"]), rng.choice(["1", "2", "3"]),
                              rng.choice(["a", "b", "", "NA"]), rng.choice(["u", "v", "-8"]),
                              "" if i < n // 2 else rng.choice(["7", "9"])]))
    return load_bytes(_csv(rows).encode(), {"x": {"missing_codes": ["-8"]}, "d": {"missing_codes": ["-8"]}})


@pytest.mark.parametrize("seed", [1, 2])
def test_gower_nearest_index_and_float32_distance_match_brute_force(seed, monkeypatch):
    from py_engine.evaluation import gower

    data = _mixed_with_ties(400, seed)
    q, c = data.take(np.arange(150)), data.take(np.arange(150, 400))
    space = gower.encode([q, c], data.columns)
    qn, qc = space.part(0)
    cn, cc = space.part(1)
    acc = np.zeros((len(qn), len(cn)), dtype=np.float32)  # the float32 sums in nearest's column order
    for j in range(qn.shape[1]):
        t = np.abs(qn[:, j, None] - cn[None, :, j])
        acc += np.minimum(t, 1.0) if space.num_has_missing[j] else t
    for j in range(qc.shape[1]):
        acc += qc[:, j, None] != cc[None, :, j]
    low = acc.min(axis=1)
    monkeypatch.setattr(gower, "_pruned_scan", lambda *a: False)  # the plain full scan
    dense = gower.nearest(space, 0, 1, return_index=True)
    monkeypatch.undo()
    for cells in (gower.PAIR_CELLS, 7, 1):  # pairs laid out in one group, in several, one query per group
        monkeypatch.setattr(gower, "PAIR_CELLS", cells)
        dist, arg = gower.nearest(space, 0, 1, return_index=True)
        assert np.array_equal(dist, dense[0]) and np.array_equal(arg, dense[1])  # pruned scan or not
        assert np.array_equal(dist, low.astype(float) / space.m)
        assert np.array_equal(acc[np.arange(len(qn)), arg], low)
        near = low < 1  # found among the rows of the same categories: the first of equally near rows
        assert near.any() and np.array_equal(arg[near], acc.argmin(axis=1)[near])
    # the pattern-by-pattern scan (kept for NaN sums) gives the same on finite numbers
    qid, cid = gower._pattern_ids(qc, cc)
    order = np.argsort(cid, kind="stable")
    starts = np.searchsorted(cid[order], qid, side="left")
    ends = np.searchsorted(cid[order], qid, side="right")
    out = []
    for f, extra in ((gower._block_nearest, (np.flatnonzero(ends > starts),)),
                     (gower._block_nearest_chunked, (qid, ends > starts))):
        best, arg = np.full(len(qn), np.inf), np.full(len(qn), -1, dtype=np.intp)
        f(qn, cn, space.num_has_missing, order, starts, ends, *extra, best, arg)
        out.append((best, arg))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])


def test_row_keys_hash_the_datasets_as_one_frame():
    import pandas as pd

    from py_engine.evaluation.disclosure import _round_significant, _row_keys
    from py_engine.evaluation.encoding import is_number, labels, missing_token, numbers

    data = _mixed_with_ties(300, 3)
    parts = [data.take(np.arange(0, 100)), data.take(np.arange(100, 140)), data.take(np.arange(140, 300))]
    for d in parts:  # labels: str of each observed value, missing cells by their token
        for name in ("c", "d"):
            miss = d.values[name].isna().to_numpy() | d.missing[name].notna().to_numpy()
            want = [("\x00missing:" + t) if m else str(v)
                    for v, m, t in zip(d.values[name].astype(object), miss, missing_token(d, name), strict=True)]
            assert labels(d, name).tolist() == want
    keys = _row_keys(parts, data.columns)
    # the reference: one pd.concat of the datasets' frames, hashed. Hashing each dataset alone differs
    # (here for the second): pandas' text hashing is not per value, '\x00missing:' and '\x00missing:NA'
    # share the hash of the first one in the column
    frames = []
    for d in parts:
        cols = {}
        for name in data.columns:
            if is_number(d, name):
                x = _round_significant(numbers(d, name))
                cols[name] = np.where(np.isnan(x), 0.0, x) + 0.0
                cols[name + "\x00m"] = pd.Series(missing_token(d, name), dtype=object)
            else:
                cols[name] = pd.Series(labels(d, name), dtype=object)
        frames.append(pd.DataFrame(cols))
    h = pd.util.hash_pandas_object(pd.concat(frames, ignore_index=True), index=False).to_numpy()
    assert np.array_equal(np.concatenate(keys), h)
