"""Categoricals of many levels as CART predictors (issue 10): a school code of 2,400 levels keeps its
authority; the profile codes of methods/cart.level_codes on a table small enough to work out by hand;
the same seed gives the same bytes."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import pytest
from helpers_engine import assert_valid, load_bytes

from benchmarks.schools import in_real_authority, make_schools
from py_engine.dataset import to_csv_bytes
from py_engine.methods.cart import level_codes, level_ranks
from py_engine.synthesis import resolve_visit_sequence, syn


@pytest.fixture(scope="module")
def schools():
    df = make_schools(n_pupils=12_000, n_schools=2_400, n_authorities=131, seed=7)[["school", "authority", "score"]]
    data = df.to_csv(index=False).encode()
    return df, load_bytes(data)


@pytest.fixture(scope="module")
def result(schools):
    # the flat synthesis (structure off): the school code as a many-level predictor of its authority
    return syn(schools[1], {"seed": 1, "structure": False})


def test_school_code_of_2400_levels_keeps_its_authority(schools, result):
    df, ds = schools
    assert ds.schema["school"].type == "categorical" and ds.schema["school"].n_distinct == 2400
    assert ds.schema["authority"].n_distinct == 131
    res = result
    assert_valid(ds, res.synthetic, ds.n_rows)
    assert res.settings.visit_sequence == ["school", "authority", "score"]  # not moved last
    codes = {n["code"] for n in res.notes}
    assert not codes & {"high_cardinality_last", "high_cardinality_not_predictor"}
    synth = pd.read_csv(io.BytesIO(to_csv_bytes(res.synthetic)))
    share = in_real_authority(df, synth)
    assert share > 0.95, share  # main (school not a predictor): 1.7%
    # the school also predicts a number: the school means of the score are kept (school effects)
    real_means = df.groupby("school")["score"].mean()
    syn_means = synth.groupby("school")["score"].mean()
    common = syn_means.index[synth.groupby("school").size() >= 5]
    assert np.corrcoef(real_means[common], syn_means[common])[0, 1] > 0.6


def test_a_user_limit_still_leaves_many_level_categoricals_out(schools):
    _, ds = schools
    res = syn(ds, {"seed": 1, "max_predictor_levels": 60})
    assert res.settings.visit_sequence == ["score", "school", "authority"]
    last = {n["column"] for n in res.notes if n["code"] == "high_cardinality_last"}
    assert last == {"school", "authority"}


def test_same_seed_same_bytes(schools, result):
    a = to_csv_bytes(result.synthetic)
    b = to_csv_bytes(syn(schools[1], {"seed": 1, "structure": False}).synthetic)
    assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()


def test_visit_sequence_keeps_table_order_by_default():
    class E:
        def __init__(self, levels):
            self.is_number, self.n_levels = False, levels

    encs = {"a": E(5000), "b": E(3)}
    assert resolve_visit_sequence(["a", "b"], encs, None, None) == (["a", "b"], [])
    visit, notes = resolve_visit_sequence(["a", "b"], encs, None, 60)
    assert visit == ["b", "a"] and notes[0]["code"] == "high_cardinality_last"


# --------------------------------------------------------------------------- level_codes by hand

def _table():
    """4 levels, 3 classes, 2 rows each: levels 0 and 3 all class 0, level 1 all class 1, level 2 all
    class 2. pbar = (1/2, 1/4, 1/4); C = sum_j n_j (p_j - pbar)(p_j - pbar)^T = 8 (diag(pbar) - pbar pbar^T)
    has eigenvalues 3 (vector (2, -1, -1)), 2 (vector (0, 1, -1)) and 0 (vector (1, 1, 1))."""
    codes = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    y = np.array([0, 0, 1, 1, 2, 2, 0, 0])
    return codes, y


def test_level_codes_known_answer():
    codes, y = _table()
    enc = level_codes(codes, 4, y, None, 3, extra=3, min_levels=0)
    # column 0: the first component (2, -1, -1) gives scores 2, -1, -1, 2: levels 1 and 2 tie (one rank
    # cannot tell them apart; the tie is broken by level number), then level 0, level 3
    assert enc[:, 0].tolist() == [2, 0, 1, 3]
    assert enc[:, 0].tolist() == level_ranks(codes, 4, y, None, 3).tolist()
    # the first component holds 3/5 < 95% of the variance; two components hold all of it (k = 2), so
    # two more columns: the profiles projected on P R, P = I - 11'/3 the projector on the span of the
    # two components (the complement of (1, 1, 1)), R the fixed uniform(-1/2, 1/2) directions
    assert enc.shape == (4, 3)
    R = np.random.default_rng(20251202).random((3, 2)) - 0.5
    B = (np.eye(3) - np.ones((3, 3)) / 3) @ R
    scores = B[[0, 1, 2, 0], :]  # a pure profile e_c scores B[c]
    for j in range(2):
        expect = np.lexsort((np.arange(4), np.round(scores[:, j], 7))).argsort()
        assert enc[:, 1 + j].tolist() == expect.tolist()
        # equal profiles (levels 0 and 3) get equal scores, so adjacent ranks; 1 and 2 now differ
        assert abs(enc[0, 1 + j] - enc[3, 1 + j]) == 1


def test_level_codes_one_column_where_one_rank_is_enough():
    codes, y = _table()
    # numbers and two classes: the mean (share of class 2) holds the best split; one column
    assert level_codes(codes, 4, None, y.astype(float), 0, min_levels=0).shape == (4, 1)
    assert level_codes(codes, 4, (y > 0).astype(int), None, 2, min_levels=0).shape == (4, 1)
    # three classes whose profiles lie on a line (class 2 never occurs): the first component has it all
    y2 = np.array([0, 0, 1, 1, 0, 1, 0, 0])
    assert level_codes(codes, 4, y2, None, 3, min_levels=0).shape == (4, 1)
    # few levels (<= min_levels): one column, as before
    assert level_codes(codes, 4, y, None, 3).shape == (4, 1)


def test_level_codes_separate_a_key_of_many_levels():
    """A code of 600 levels that determines a column of 40 equal classes: one rank ties the classes in
    blocks it cannot order apart; every extra column separates all 40."""
    rng = np.random.default_rng(0)
    cls_of_level = np.repeat(np.arange(40), 15)
    codes = rng.integers(0, 600, 12_000)
    y = cls_of_level[codes]
    enc = level_codes(codes, 600, y, None, 40)
    assert enc.shape == (600, 4)
    for j in range(1, 4):
        order = np.argsort(enc[:, j])
        blocks = 1 + int(np.sum(np.diff(cls_of_level[order]) != 0))
        assert blocks == 40  # every class one contiguous block of levels
    again = level_codes(codes, 600, y, None, 40)
    assert np.array_equal(enc, again)


def test_with_structure_every_school_in_one_authority(schools):
    """With the structure found (school -> authority nested), nesting is exact and real labels stay
    within their real authority where that authority has real labels left."""
    df, ds = schools
    res = syn(ds, {"seed": 1})
    assert res.structure["groups"][0]["key"] == "school" and res.structure["groups"][0]["parent"] == "authority"
    synth = pd.read_csv(io.BytesIO(to_csv_bytes(res.synthetic)))
    assert (synth.groupby("school")["authority"].nunique() == 1).all()
    assert in_real_authority(df, synth) > 0.5
