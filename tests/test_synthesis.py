"""synthesis.synthesise_steps / syn: the contract the page and the CLI rely on, on real tables."""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pytest
from helpers_engine import REAL, REAL_TABLES, assert_valid, load, load_bytes

from py_engine.dataset import to_csv_bytes
from py_engine.errors import Cancelled, EngineError
from py_engine.synthesis import SynthResult, SynthSettings, syn, synthesise_steps

METHODS = ["cart", "gc", "marginal"]


@pytest.fixture(scope="module")
def wage():
    return load("wage.csv")


@pytest.fixture(scope="module")
def credit():
    return load("credit.csv")


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_bytes_other_seed_other_bytes(wage, method):
    a = to_csv_bytes(syn(wage, {"method": method, "seed": 7}).synthetic)
    b = to_csv_bytes(syn(wage, {"method": method, "seed": 7}).synthetic)
    c = to_csv_bytes(syn(wage, {"method": method, "seed": 8}).synthetic)
    assert a == b
    assert a != c


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("table", REAL_TABLES)
def test_every_method_gives_valid_output_on_every_real_table(method, table):
    rows = 8000 if table == "adult.csv" else None
    real = load(table, rows=rows)
    res = syn(real, {"method": method, "seed": 1})
    assert isinstance(res, SynthResult)
    assert res.method == method and res.seed == 1 and res.n_real == real.n_rows
    assert_valid(real, res.synthetic, real.n_rows)
    s = res.summary()
    assert s["settings"]["seed"] == 1 and s["n_rows"] == real.n_rows


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [1, 37, 7000])
def test_any_number_of_rows(wage, method, n):
    res = syn(wage, {"method": method, "seed": 2, "n_rows": n})
    assert_valid(wage, res.synthetic, n)


def test_one_step_per_column_with_the_column_name(wage):
    steps = []
    res = syn(wage, {"seed": 1}, progress=steps.append)
    assert [s.params["column"] for s in steps] == res.settings.visit_sequence == wage.columns
    assert all(s.stage == "synthesise" and s.key == "progress.column" and s.total == len(wage.columns)
               for s in steps)
    assert [s.step for s in steps] == list(range(1, len(wage.columns) + 1))


def test_visit_sequence_changes_the_order_of_work_not_of_columns(wage):
    seq = ["wage", "education", "age"]
    steps = []
    res = syn(wage, {"seed": 1, "visit_sequence": seq}, progress=steps.append)
    assert [s.params["column"] for s in steps][:3] == seq
    assert res.synthetic.columns == wage.columns
    assert res.settings.visit_sequence[:3] == seq and len(res.settings.visit_sequence) == len(wage.columns)
    assert any(n["code"] == "visit_sequence_appended" for n in res.notes)
    with pytest.raises(EngineError) as e:
        syn(wage, {"seed": 1, "visit_sequence": ["nope"]})
    assert e.value.code == "settings.unknown_visit_column" and e.value.column == "nope"


def test_closing_the_generator_stops_the_work():
    adult = load("adult.csv")
    work = synthesise_steps(adult, {"seed": 1})
    first = next(work)
    assert first.step == 1
    t0 = time.perf_counter()
    work.close()
    assert time.perf_counter() - t0 < 0.5
    with pytest.raises(StopIteration):
        next(work)


def test_cancelled_from_progress_callback_stops_after_that_step(wage):
    seen = []

    def cb(step):
        seen.append(step.step)
        if step.step == 2:
            raise Cancelled()

    with pytest.raises(Cancelled):
        syn(wage, {"seed": 1}, progress=cb)
    assert seen == [1, 2]


def test_caller_settings_object_is_not_changed_and_seed_recorded(wage):
    s = SynthSettings(seed=None)
    res = syn(wage, s)
    assert s.seed is None and s.visit_sequence is None
    assert isinstance(res.seed, int) and res.settings.seed == res.seed
    again = syn(wage, res.settings_dict())
    assert to_csv_bytes(again.synthetic) == to_csv_bytes(res.synthetic)


@pytest.mark.parametrize("bad,code", [({"method": "x"}, "settings.unknown_method"),
                                      ({"missing": "x"}, "settings.unknown_missing"),
                                      ({"smoothing": "x"}, "settings.unknown_smoothing"),
                                      ({"minbucket": 0}, "settings.bad_minbucket"),
                                      ({"cp": -1}, "settings.bad_cp"),
                                      ({"n_rows": 0}, "settings.bad_rows"),
                                      ({"wat": 1}, "settings.unknown_setting")])
def test_bad_settings_are_engine_errors(wage, bad, code):
    with pytest.raises(EngineError) as e:
        syn(wage, bad)
    assert e.value.code == code


def test_free_text_column_is_a_clear_error():
    text = "id,comment,x\n" + "".join(f"{i},this is a long free text remark number {i} about a case,{i % 3}\n"
                                     for i in range(60))
    ds = load_bytes(text.encode(), {"comment": {"type": "text", "exclude": False}})
    with pytest.raises(EngineError) as e:
        syn(ds, {"seed": 1})
    assert e.value.code == "synthesis.free_text" and e.value.column == "comment"
    assert "comment" in str(e.value)


# --------------------------------------------------------------------------- missing values

def _share_missing(ds, name):
    return float(ds.missing[name].notna().mean())


@pytest.mark.parametrize("method", METHODS)
def test_missingness_rates_kept(credit, method):
    res = syn(credit, {"method": method, "seed": 3})
    for name in ["Income", "Assets", "Debt", "Home"]:
        real, synth = _share_missing(credit, name), _share_missing(res.synthetic, name)
        assert abs(real - synth) < max(0.015, 0.25 * real), (name, real, synth)
    assert _share_missing(credit, "Income") > 0.08


def _with_codes() -> bytes:
    """wage.csv with missing-value codes written into `age` (-8 for 1 in 9 rows, 9999 for 1 in 23,
    more often for older respondents) and `health_ins` ('-8' in 1 in 13)."""
    df = pd.read_csv(REAL / "wage.csv")
    age = df["age"].astype(str)
    rng = np.random.default_rng(5)
    old = df["age"] > 50
    code8 = rng.random(len(df)) < np.where(old, 0.25, 0.05)
    code9 = ~code8 & (rng.random(len(df)) < 1 / 23)
    age[code8] = "-8"
    age[code9] = "9999"
    df["age"] = age
    hi = df["health_ins"].astype(str)
    hi[rng.random(len(df)) < 1 / 13] = "-8"
    df["health_ins"] = hi
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


@pytest.mark.parametrize("method", METHODS)
def test_missing_codes_kept_as_codes(method):
    ds = load_bytes(_with_codes(), {"age": {"missing_codes": ["-8", "9999"]},
                                    "health_ins": {"missing_codes": ["-8"]}})
    assert ds.schema["age"].type == "integer"
    res = syn(ds, {"method": method, "seed": 4})
    text = pd.read_csv(io.BytesIO(to_csv_bytes(res.synthetic)), dtype=str, keep_default_na=False)
    real = pd.read_csv(io.BytesIO(_with_codes()), dtype=str, keep_default_na=False)
    for code in ["-8", "9999"]:
        r, s = (real["age"] == code).mean(), (text["age"] == code).mean()
        assert s > 0 and abs(r - s) < 0.3 * r + 0.01, (code, r, s)
    nums = pd.to_numeric(text["age"][~text["age"].isin(["-8", "9999"])])
    assert nums.min() >= 18 and nums.max() <= 80 and (nums == nums.round()).all()
    assert (text["health_ins"] == "-8").mean() > 0.03
    if method == "cart":
        # the missingness depends on the other columns as in the real data: codes in older respondents' rows
        # cannot be checked directly (age is the coded column), but -8 in health_ins must not vanish
        assert set(text["health_ins"]) == set(real["health_ins"])


def test_missing_drop_and_impute_leave_no_missing_cells(credit):
    drop = syn(credit, {"seed": 1, "missing": "drop"})
    assert drop.n_real < credit.n_rows
    assert not drop.synthetic.missing.notna().any().any()
    assert any(n["code"] == "missing_rows_dropped" for n in drop.notes)
    imp = syn(credit, {"seed": 1, "missing": "impute"})
    assert imp.n_real == credit.n_rows
    assert not imp.synthetic.missing.notna().any().any()
    assert {n["column"] for n in imp.notes if n["code"] == "missing_imputed"} >= {"Income", "Assets", "Debt"}
    inc = imp.synthetic.values["Income"].to_numpy(dtype=float)
    assert np.isfinite(inc).all()


# --------------------------------------------------------------------------- dates, identifiers, types

def _dated() -> bytes:
    """hotel_rates.csv (real) with its arrival date also written day-first, and a row id."""
    df = pd.read_csv(REAL / "hotel_rates.csv")
    df["arrival_dmy"] = pd.to_datetime(df["arrival_date"]).dt.strftime("%d/%m/%Y")
    df.insert(0, "booking_id", [f"BK-{i:05d}" for i in range(len(df))])
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


@pytest.mark.parametrize("method", METHODS)
def test_dates_written_in_original_format_and_ids_regenerated(method):
    ds = load_bytes(_dated(), {"booking_id": {"exclude": False}})
    assert ds.schema["arrival_date"].type == "date" and ds.schema["arrival_dmy"].date_format == "%d/%m/%Y"
    assert ds.schema["booking_id"].type == "identifier"
    res = syn(ds, {"method": method, "seed": 2, "n_rows": 3000})
    text = pd.read_csv(io.BytesIO(to_csv_bytes(res.synthetic)), dtype=str, keep_default_na=False)
    assert text["arrival_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert text["arrival_dmy"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    d = pd.to_datetime(text["arrival_dmy"], format="%d/%m/%Y")
    real_d = pd.to_datetime(ds.values["arrival_dmy"])
    assert d.min() >= real_d.min() and d.max() <= real_d.max()
    ids = text["booking_id"]
    assert ids.is_unique and ids.str.fullmatch(r"[A-Z]{2}-\d{5}").all()
    assert not set(ids) & set(ds.values["booking_id"])
    assert any(n["code"] == "identifier_regenerated" and n["column"] == "booking_id" for n in res.notes)


def test_excluded_columns_are_absent():
    ds = load("wage.csv", {"wage": {"exclude": True}})
    res = syn(ds, {"seed": 1})
    assert "wage" not in res.synthetic.columns
    assert b"wage\n" not in to_csv_bytes(res.synthetic).split(b"\n", 1)[0] + b"\n"


# --------------------------------------------------------------------------- high cardinality

def test_high_cardinality_column_within_a_time_bound():
    ds = load("restaurant_inspections.csv")
    assert ds.schema["business_name"].n_distinct > 1000
    t0 = time.perf_counter()
    res = syn(ds, {"seed": 1})
    took = time.perf_counter() - t0
    assert took < 30, took
    # a categorical of 1,468 levels keeps its place and predicts the others (issue 10)
    assert res.settings.visit_sequence[0] == "business_name"
    assert not any(n["code"].startswith("high_cardinality") for n in res.notes)
    names = res.synthetic.values["business_name"]
    assert names.nunique() > 300
    assert set(names.astype(str)) <= set(ds.values["business_name"].astype(str))
    # NumberofLocations is a function of business_name in the real data (a chain's size): kept
    real = pd.DataFrame({"b": ds.values["business_name"].astype(str), "n": ds.values["NumberofLocations"]})
    truth = real.drop_duplicates("b").set_index("b")["n"]
    same = names.astype(str).map(truth).to_numpy() == np.asarray(res.synthetic.values["NumberofLocations"])
    # the structure finds business_name -> NumberofLocations: constant within every synthetic business
    # (exact); real labels go to synthetic businesses with the same value where there are enough
    # (flat synthesis, structure off: > 0.9 of rows; with the structure 0.73)
    assert res.structure["groups"][0]["key"] == "business_name"
    syn_df = pd.DataFrame({"b": names.astype(str), "n": res.synthetic.values["NumberofLocations"]})
    assert (syn_df.groupby("b")["n"].nunique(dropna=False) == 1).all()
    assert same.mean() > 0.7, same.mean()


def test_high_cardinality_target_grouped_and_left_out_as_predictor_when_the_user_sets_a_limit():
    ds = load("restaurant_inspections.csv")
    # structure off: the free synthesis of business_name as a CART target (with the structure found it
    # is a group key and never a target)
    res = syn(ds, {"seed": 1, "visit_sequence": ["inspection_score", "business_name"], "structure": False})
    assert any(n["code"] == "cart_grouped_target" and n["column"] == "business_name" for n in res.notes)
    assert not any(n["code"] == "high_cardinality_not_predictor" for n in res.notes)
    res = syn(ds, {"seed": 1, "visit_sequence": ["business_name", "inspection_score"], "max_predictor_levels": 60,
                   "structure": False})
    assert any(n["code"] == "high_cardinality_not_predictor" for n in res.notes)
    assert_valid(ds, res.synthetic, ds.n_rows)


def test_every_note_and_error_code_has_strings_in_both_languages():
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "py_engine"
    files = [root / "synthesis.py", root / "cli.py", root / "export.py", *sorted((root / "methods").glob("*.py"))]
    text = "\n".join(f.read_text() for f in files)
    notes = set(re.findall(r'note\(\s*"([a-z_]+)"', text))
    errors = set(re.findall(r'EngineError\(\s*"([a-z_.]+)"', text))
    assert {"identifier_regenerated", "replicated_removed", "cart_grouped_target"} <= notes
    assert {"synthesis.free_text", "settings.unknown_method", "model.invalid"} <= errors
    for lang in ("en", "nl"):
        strings = json.loads((root / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
        wanted = {f"notes.{c}" for c in notes} | {f"errors.{c}" for c in errors} | {"progress.column"}
        missing = sorted(wanted - set(strings))
        assert not missing, (lang, missing)


@pytest.mark.parametrize("method", METHODS)
def test_progress_per_column_for_every_method(wage, method):
    steps = []
    syn(wage, {"method": method, "seed": 1}, progress=steps.append)
    synth = [s for s in steps if s.stage == "synthesise"]
    assert sorted(s.params["column"] for s in synth) == sorted(wage.columns)
    assert all(s.key.startswith("progress.") for s in steps)
