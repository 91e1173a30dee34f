"""The settings search's runs in worker processes (py_engine.parallel): the same record as one
process, a stop and an error reach the caller, bad worker counts get a clear message."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pandas as pd
import pytest

from py_engine import optimise
from py_engine.errors import Cancelled, EngineError
from py_engine.evaluation.baselines import load_csv
from py_engine.optimise import syn_optimised
from py_engine.parallel import ProcessPool, SerialPool, check_workers, make_pool


def _table(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(a == "x", rng.normal(10, 2, n), rng.normal(20, 3, n)).round(1)
    c = np.where(b > 15, rng.choice(["p", "q"], n, p=[0.8, 0.2]), rng.choice(["p", "q"], n, p=[0.2, 0.8]))
    df = pd.DataFrame({"a": a, "b": b, "c": c, "d": (b * 2 + rng.normal(0, 1, n)).round(0)})
    return load_csv(df.to_csv(index=False).encode(), "t.csv")


def _square_or_fail(state, job):
    if job == "fail":
        raise EngineError("optimise.bad_seeds", kind="settings", value=job)
    return state * job * job


def test_pools_give_results_in_job_order_and_pass_errors_on():
    serial = make_pool(1, 3)
    assert isinstance(serial, SerialPool)
    assert list(serial.imap(_square_or_fail, [1, 2, 3])) == [3, 12, 27]
    pool = make_pool(2, 3)
    assert isinstance(pool, ProcessPool) and pool.workers == 2
    try:
        assert list(pool.imap(_square_or_fail, list(range(20)))) == [3 * i * i for i in range(20)]
        it = pool.imap(_square_or_fail, [2, "fail", 4])
        assert next(it) == 12
        with pytest.raises(EngineError) as e:  # the worker's error, whole: code, kind and params
            next(it)
        assert (e.value.code, e.value.kind, e.value.params) == ("optimise.bad_seeds", "settings", {"value": "fail"})
        it.close()
    finally:
        pool.close()


def test_engine_errors_survive_pickling():
    e = EngineError("read.bad_column", kind="input", column="age", value=3)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is EngineError and str(back) == str(e)
    assert (back.code, back.kind, back.column, back.params) == (e.code, e.kind, e.column, e.params)
    c = pickle.loads(pickle.dumps(Cancelled()))
    assert type(c) is Cancelled and c.code == "cancelled"


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_worker_counts_are_refused_in_both_languages(bad):
    with pytest.raises(EngineError) as e:
        check_workers(bad)
    assert e.value.code == "optimise.bad_workers" and e.value.kind == "settings"
    assert "whole number" in e.value.message("en") and "geheel getal" in e.value.message("nl")
    with pytest.raises(EngineError):
        syn_optimised(_table(300), {"seed": 1}, {"budget": 20_000}, workers=bad)


@pytest.mark.parametrize("limits, first_challenger", [
    ({}, "marginal"),  # the defaults break the limits: C0 (marginal) and the defaults start together
    ({"max_auc": 1.0, "max_copies_excess": 1.0}, "default-mb0.5"),  # C0 is the defaults: they and mb x 0.5
])
def test_workers_give_the_serial_record_through_the_full_round_and_dp_points(monkeypatch, limits, first_challenger):
    """Row-sample rounds capped at 500 rows, so a 1,000-row table also gets the full-size round
    (whose sure fits start together) and the DP points: every figure and the synthetic data are
    the same with two workers as with one."""
    monkeypatch.setattr(optimise, "MAX_ROUND_ROWS", 500)
    ds = _table(1000, seed=3)
    opts = {"budget": 10**9, "seeds": 2, **limits}
    one = syn_optimised(ds, {"seed": 6}, opts, workers=1)
    two = syn_optimised(ds, {"seed": 6}, opts, workers=2)
    o = one.optimisation
    assert o["rounds"][-1]["round"] == "full" and o["full_round"]["steps"][0]["challenger"] == first_challenger
    assert len(o["dp"]["points"]) == len(optimise.DP_EPSILONS)
    assert two.optimisation == o
    assert two.synthetic.values.equals(one.synthetic.values)


def test_workers_stop_where_one_process_stops():
    ds = _table(600)

    def stopper():
        calls = {"n": 0}

        def stop():
            calls["n"] += 1
            return calls["n"] > 9

        return stop

    one = syn_optimised(ds, {"seed": 2}, {"budget": 10**9}, should_stop=stopper(), workers=1).optimisation
    two = syn_optimised(ds, {"seed": 2}, {"budget": 10**9}, should_stop=stopper(), workers=2).optimisation
    assert one["stopped"] == two["stopped"] == "user"
    assert sum(1 for c in two["candidates"] if c["rounds"]) == 9
    assert two == one


def test_cli_workers_option(tmp_path, capsys):
    from py_engine.cli import main

    ds = _table(300)
    src = tmp_path / "t.csv"
    src.write_text(ds.values.to_csv(index=False), encoding="utf-8")
    outs = {}
    for w in ("1", "2"):
        out = io.StringIO()
        assert main(["synth", str(src), "-o", str(tmp_path / f"s{w}.csv"), "--seed", "1", "--optimise",
                     "--budget", "30000", "--workers", w], out=out) == 0
        outs[w] = (tmp_path / f"s{w}.csv").read_bytes()
    assert outs["1"] == outs["2"]
    capsys.readouterr()
    assert main(["synth", str(src), "-o", str(tmp_path / "s0.csv"), "--optimise", "--workers", "0"],
                out=io.StringIO()) == 2
    assert "number of workers must be a whole number of at least 1 (got 0)" in capsys.readouterr().err
