"""Settings tuned per table (py_engine.optimise): the choice rule, the budget, reproducibility, stop."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from py_engine.errors import EngineError
from py_engine.evaluation.baselines import load_csv
from py_engine.export import json_document
from py_engine.holdout import split
from py_engine.optimise import (
    OptimiseOptions,
    Search,
    beats,
    choose,
    honest_choice,
    internal_split,
    pareto_front,
    rank_key,
    syn_optimised,
    syn_optimised_steps,
)
from py_engine.progress import drive


def _table(n: int = 600, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(a == "x", rng.normal(10, 2, n), rng.normal(20, 3, n)).round(1)
    c = np.where(b > 15, rng.choice(["p", "q"], n, p=[0.8, 0.2]), rng.choice(["p", "q"], n, p=[0.2, 0.8]))
    d = (b * 2 + rng.normal(0, 1, n)).round(0)
    df = pd.DataFrame({"a": a, "b": b, "c": c, "d": d})
    return load_csv(df.to_csv(index=False).encode(), "t.csv")


def _cand(cid, order, utility, auc, excess=0.0):
    return {"id": cid, "order": order, "score": {"utility": utility, "auc": auc, "copies_excess": excess}}


SCORED = [_cand("A", 0, 1.2, 0.60), _cand("B", 1, 1.4, 0.54), _cand("C", 2, 1.3, 0.53, excess=0.05),
          _cand("D", 3, 2.5, 0.51), _cand("E", 4, 4.0, 0.50), _cand("F", 5, 1.6, 0.52)]


def test_choice_most_useful_within_limits():
    # A is most useful but AUC 0.60 > 0.55; C is next but 5 points of copies above natural; B is the answer
    best, ok = choose(SCORED, OptimiseOptions(criterion="utility"))
    assert (best["id"], ok) == ("B", True)
    best, _ = choose(SCORED, OptimiseOptions(criterion="utility", max_auc=0.65))
    assert best["id"] == "A"
    best, _ = choose(SCORED, OptimiseOptions(criterion="utility", max_auc=0.65, max_copies_excess=0.1))
    assert best["id"] == "A"


def test_choice_least_risk_at_utility_target():
    best, ok = choose(SCORED, OptimiseOptions(criterion="risk", utility_target=3.0))
    assert (best["id"], ok) == ("D", True)  # E has less risk but misses the utility target; C has copies
    best, _ = choose(SCORED, OptimiseOptions(criterion="risk", utility_target=1.5))
    assert best["id"] == "B"


def test_choice_none_within_limits_takes_closest():
    scored = [_cand("A", 0, 1.0, 0.70), _cand("B", 1, 2.0, 0.60)]
    best, ok = choose(scored, OptimiseOptions())
    assert (best["id"], ok) == ("B", False)


def _runs(utils, aucs=None, fit=None):
    aucs = aucs or [0.52] * len(utils)
    fit = fit or utils
    return [{"utility": u, "auc": a, "copies_excess": 0.0, "two_way_fit": f}
            for u, a, f in zip(utils, aucs, fit, strict=True)]


def _with_runs(cid, order, utils, aucs=None, fit=None):
    runs = _runs(utils, aucs, fit)
    mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    return {"id": cid, "order": order, "score": mean, "runs": runs}


def test_honest_choice_keeps_defaults_unless_significantly_better():
    opts = OptimiseOptions()
    # X has the lower mean but its paired gain over the defaults (0.3, -0.2, 0.05) is within one SE
    d = _with_runs("default", 0, [2.0, 2.0, 2.0])
    x = _with_runs("X", 1, [1.7, 2.2, 1.95])
    assert choose([d, x], opts)[0]["id"] == "X"
    best, ok, why = honest_choice([d, x], opts)
    assert (best["id"], ok, why) == ("default", True, "not_significant")
    # Y gains 0.3, 0.25, 0.35: consistently better, so it replaces the defaults
    y = _with_runs("Y", 2, [1.7, 1.75, 1.65])
    best, ok, why = honest_choice([d, x, y], opts)
    assert (best["id"], why) == ("Y", "significant")
    # ... but not if it is worse in-sample (against the rows fitted on) on average
    y_fit = _with_runs("Y", 2, [1.7, 1.75, 1.65], fit=[2.1, 2.0, 2.05])
    assert honest_choice([d, x, y_fit], opts)[0]["id"] == "default"
    # defaults outside the AUC limit and the candidate within: the rule's risk limit decides
    d_risky = _with_runs("default", 0, [2.0, 2.0, 2.0], [0.6, 0.6, 0.6])
    best, ok, why = honest_choice([d_risky, x], opts)
    assert (best["id"], ok, why) == ("X", True, "defaults_outside_limits")
    # "risk" criterion: the test is on membership AUC
    r = OptimiseOptions(criterion="risk")
    z = _with_runs("Z", 1, [2.0, 2.0, 2.0], [0.515, 0.53, 0.50])
    assert honest_choice([d, z], r)[0]["id"] == "default"
    z2 = _with_runs("Z", 1, [2.0, 2.0, 2.0], [0.50, 0.505, 0.495])
    assert honest_choice([d, z2], r)[:3:2] == (z2, "significant")
    # one seed: no error estimate, so the defaults stay
    one = [_with_runs("default", 0, [2.0]), _with_runs("X", 1, [1.0])]
    one[0]["runs"] = one[1]["runs"] = None
    assert honest_choice(one, opts)[2] == "not_significant"


def test_pareto_front_known_answer():
    # each of the six is best on some trade-off; a seventh worse than F on both axes is not on the front
    assert pareto_front(SCORED) == ["A", "C", "B", "F", "D", "E"]
    assert pareto_front(SCORED + [_cand("G", 6, 1.7, 0.525)]) == ["A", "C", "B", "F", "D", "E"]
    two = [_cand("A", 0, 1.0, 0.6), _cand("B", 1, 2.0, 0.7), _cand("C", 2, 3.0, 0.5)]
    assert pareto_front(two) == ["A", "C"]  # B is worse than A on both


def test_options_validated():
    with pytest.raises(EngineError) as e:
        OptimiseOptions.from_dict({"criterion": "best"})
    assert e.value.code == "optimise.bad_criterion"
    with pytest.raises(EngineError):
        OptimiseOptions.from_dict({"budget": -1})
    with pytest.raises(EngineError):
        OptimiseOptions.from_dict({"nonsense": 1})


def test_internal_split_disjoint_and_complete():
    tr, va = internal_split(1000, 3)
    assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 1000
    assert np.array_equal(internal_split(1000, 3)[0], tr)


def test_budget_respected_and_same_seed_same_choice():
    ds = _table()
    opts = {"budget": 120_000, "seeds": 2}
    r1 = syn_optimised(ds, {"seed": 4}, opts)
    r2 = syn_optimised(ds, {"seed": 4}, opts)
    o = r1.optimisation
    assert o["spent"] <= o["budget"] == 120_000
    assert o["chosen"] is not None and o["chosen"] in o["compared"]
    assert o == r2.optimisation
    assert r1.synthetic.values.equals(r2.synthetic.values)
    # the chosen settings were used for the full run
    assert r1.settings.method == o["settings"]["method"]
    if o["settings"]["method"] == "cart":
        assert r1.settings.minbucket == o["settings"]["minbucket"]
    # a smaller budget scores fewer candidates
    small = syn_optimised(ds, {"seed": 4}, {"budget": 20_000}).optimisation
    assert small["spent"] <= 20_000 < o["spent"]
    assert small["stopped"] == "budget"


def test_stop_keeps_best_so_far():
    ds = _table()
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 12

    r = syn_optimised(ds, {"seed": 2}, {"budget": 10**9}, should_stop=stop)
    o = r.optimisation
    assert o["stopped"] == "user"
    assert o["chosen"] is not None
    scored = [c for c in o["candidates"] if c["rounds"]]
    assert len(scored) == 12
    assert any(n["code"] == "optimise_stopped" for n in r.notes)
    # stopped before anything was scored: the defaults, said so
    r0 = syn_optimised(ds, {"seed": 2}, {}, should_stop=lambda: True)
    assert r0.optimisation["chosen"] is None
    assert r0.settings.minbucket is not None and r0.settings.method == "cart"
    assert any(n["code"] == "optimise_none_scored" for n in r0.notes)


def test_holdout_rows_never_used():
    """The search sees only the fitting rows: changing every holdout row changes nothing."""
    ds = _table(700)
    train, hold, hold_rows = split(ds, 0.2, seed=5)
    r1 = syn_optimised(train, {"seed": 5}, {"budget": 60_000})
    vals = ds.values.copy()
    vals.loc[hold_rows, "b"] = 999.0
    ds2 = type(ds)(ds.schema, vals, ds.missing)
    train2, hold2, _ = split(ds2, 0.2, seed=5)
    assert (hold2.values["b"] == 999.0).all()
    r2 = syn_optimised(train2, {"seed": 5}, {"budget": 60_000})
    assert r1.optimisation == r2.optimisation
    assert o_rows(r1) == train.n_rows


def o_rows(r) -> int:
    i = r.optimisation["internal"]
    return i["train_rows"] + i["validation_rows"]


def test_too_small_table_gets_defaults_and_a_note():
    ds = _table(120)
    r = syn_optimised(ds, {"seed": 1}, {})
    assert r.optimisation["skipped"] == "too_small"
    assert any(n["code"] == "optimise_too_small" for n in r.notes)
    assert r.synthetic.n_rows == 120


def test_record_in_json_export_and_steps():
    ds = _table()
    steps = []
    r = drive(syn_optimised_steps(ds, {"seed": 3}, {"budget": 40_000}), steps.append)
    assert any(s.stage == "optimise" for s in steps)
    doc = json.loads(json_document(r, "t.csv"))
    assert doc["optimisation"]["chosen"] == r.optimisation["chosen"]
    assert doc["optimisation"]["front"]


def test_schedule_fits_budget():
    ds = _table(3000)
    s = Search(ds, {"seed": 1}, OptimiseOptions(budget=300_000), 1)
    plan = s.fitted_plan()
    assert s.plan_cost(plan) <= 300_000 or plan[-1][0] == 500
    big = Search(ds, {"seed": 1}, OptimiseOptions(budget=10**9), 1).fitted_plan()
    assert big[-1][0] >= plan[-1][0]


def _run(coro):
    """asyncio.run in a thread of its own: the browser tests' Playwright loop may be running in this one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_browser_entry_optimises_and_stop_keeps_best():
    """The worker's synthesise with settings.optimise gives the same choice as the API (same seed,
    budget), and a stop request ends the search with the best so far."""
    from py_engine import browser

    ds = _table(500)
    csv = ds.values.to_csv(index=False).encode()
    json.loads(browser.inspect(csv, "t.csv", json.dumps({"lang": "en"})))
    out = json.loads(_run(browser.synthesise(json.dumps(
        {"seed": 7, "holdout": 0.2, "optimise": {"budget": 50_000}, "lang": "en"}))))["ok"]
    data = browser.from_raw(browser._S.raw, browser._S.schema)
    train, _, _ = split(data, 0.2, seed=7)
    api = syn_optimised(train, {"seed": 7}, {"budget": 50_000})
    assert out["optimisation"]["chosen"] == api.optimisation["chosen"]
    assert out["optimisation"]["front"] == api.optimisation["front"]

    seen = []

    def progress(text):
        seen.append(json.loads(text))
        if sum(1 for s in seen if s["stage"] == "optimise") == 3:
            browser.request_stop()

    out = json.loads(_run(browser.synthesise(json.dumps(
        {"seed": 7, "holdout": 0.2, "optimise": {"budget": 10**9}, "lang": "en"}), progress)))["ok"]
    assert out["optimisation"]["stopped"] == "user" and out["optimisation"]["chosen"] is not None
    assert out["n_rows"] == train.n_rows


def test_utility_scored_in_sample_and_risk_against_held_out_rows():
    """Utility as S_pMSE is defined: the synthetic rows against the rows they were made from (a
    candidate that returns its training rows unchanged scores 0); the risk scores catch that copy
    against the internal validation rows (every row copied, membership AUC far above 0.5)."""
    from py_engine.evaluation.utility import two_way_spmse
    from py_engine.optimise import score

    ds = _table(800)
    tr, va = internal_split(ds.n_rows, 1)
    fit, val = ds.take(tr[:300]), ds.take(va)
    s = score(fit, fit, val, "two_way", 1)
    assert s["two_way"] == s["two_way_fit"] == pytest.approx(two_way_spmse(fit, fit)["mean"])
    assert s["two_way"] < 1e-9
    assert s["copies"] == pytest.approx(1.0) and s["copies_excess"] > 0.5
    assert s["auc"] > 0.9
    assert rank_key(s, OptimiseOptions())[0] == 1  # outside the risk limits


def test_risk_calibrated_at_full_size_when_defaults_break_limits_on_a_sample(monkeypatch):
    """The last round on a row sample and the defaults outside the limits: the defaults are fitted
    once on the whole internal train part and every last-round AUC is shifted by the difference."""
    import py_engine.optimise as opt

    monkeypatch.setattr(opt, "MAX_ROUND_ROWS", 200)
    grid = opt.candidate_grid
    monkeypatch.setattr(opt, "candidate_grid", lambda methods: grid(methods)[:3])  # the defaults and two more
    ds = _table(450)
    o = syn_optimised(ds, {"seed": 1}, {"budget": 10**9, "seeds": 2, "max_auc": 0.0,
                                         "methods": ["cart"]}).optimisation
    cal = o["calibration"]
    assert cal["rows"] == o["internal"]["train_rows"] > 200
    d = [x for x in next(c for c in o["candidates"] if c["id"] == "default")["rounds"] if not x.get("full")][-1]["score"]
    assert d["auc"] == pytest.approx(cal["default_full"]["auc"], abs=1e-5)
    assert d["auc_sample"] - d["auc"] == pytest.approx(cal["auc_offset"], abs=1e-5)
    # within the limits on the sample: nothing to calibrate
    o2 = syn_optimised(ds, {"seed": 1}, {"budget": 10**9, "seeds": 2, "max_auc": 1.0, "max_copies_excess": 1.0,
                                          "methods": ["cart"]}).optimisation
    assert o2["calibration"] is None


def test_full_size_rule_known_answer():
    """`beats`, the full-size round's rule, on fixed scored candidates (three paired seeds)."""
    opts = OptimiseOptions()
    inc = _with_runs("default", 0, [2.0, 2.1, 2.2])
    # gains 0.3, 0.35, 0.3: consistently better, within the limits
    assert beats(_with_runs("h", 1, [1.7, 1.75, 1.9]), inc, opts) == (True, "significant")
    # gains 0.4, -0.2, 0.2: better on average, by less than 2 SE
    assert beats(_with_runs("h", 1, [1.6, 2.3, 2.0]), inc, opts) == (False, "not_significant")
    # worse on average
    assert beats(_with_runs("h", 1, [2.1, 2.2, 2.2]), inc, opts) == (False, "defaults_best")
    # much better but membership AUC 0.56 > 0.55 at full size: never taken
    assert beats(_with_runs("h", 1, [1.0, 1.0, 1.0], [0.56] * 3), inc, opts) == (False, "outside_limits")
    # better by 2 SE but worse in-sample on two-way S_pMSE (the guard of the logit measure)
    assert beats(_with_runs("h", 1, [1.7, 1.75, 1.9], fit=[2.3, 2.4, 2.5]), inc, opts) == (False, "not_significant")
    # the incumbent breaks the limits, the challenger meets them
    risky = _with_runs("default", 0, [2.0, 2.1, 2.2], [0.6] * 3)
    assert beats(_with_runs("h", 1, [2.5, 2.5, 2.5]), risky, opts) == (True, "defaults_outside_limits")
    # "risk": the test is on membership AUC
    r = OptimiseOptions(criterion="risk")
    assert beats(_with_runs("h", 1, [2.0, 2.1, 2.2], [0.50, 0.505, 0.495]), inc, r) == (True, "significant")
    assert beats(_with_runs("h", 1, [1.0, 1.0, 1.0], [0.52] * 3), inc, r) == (False, "defaults_best")


def _full_search(monkeypatch, fake_beats=None):
    import py_engine.optimise as opt

    monkeypatch.setattr(opt, "MAX_ROUND_ROWS", 200)  # row samples of 200, the whole internal train part 337
    grid = opt.candidate_grid
    monkeypatch.setattr(opt, "candidate_grid", lambda methods: grid(methods)[:3])
    if fake_beats is not None:
        monkeypatch.setattr(opt, "beats", fake_beats)
    return syn_optimised(_table(450), {"seed": 1}, {"budget": 10**9, "seeds": 2, "methods": ["cart"]})


def test_full_size_round_steps_down_minbucket(monkeypatch):
    """The row samples are smaller than the internal train part: the defaults, then minbucket x 0.5
    and x 0.25 are fitted on all of it with the same seeds; each step is taken only if the one
    before won (fixed sequence), and the chosen candidate's minbucket is used for the final run."""
    seen = []

    def smaller_wins(ch, inc, opts):
        seen.append((ch["id"], inc["id"], len(ch["runs"]), [r["utility"] for r in inc["runs"]]))
        return True, "significant"

    r = _full_search(monkeypatch, smaller_wins)
    o = r.optimisation
    f = o["full_round"]
    assert f["rows"] == o["internal"]["train_rows"] > 200
    assert [(s["challenger"], s["incumbent"]) for s in f["steps"]] == [("default-mb0.5", "default"),
                                                                        ("default-mb0.25", "default-mb0.5")]
    assert (o["chosen"], o["reason"]) == ("default-mb0.25", "significant")
    assert sorted(o["compared"]) == ["default", "default-mb0.25", "default-mb0.5"]
    assert all(n == 2 for _, _, n, _ in seen)
    c = next(x for x in o["candidates"] if x["id"] == "default-mb0.25")
    assert c["minbucket_factor"] == 0.25 and c["rounds"][-1]["full"]
    from py_engine.synthesis import auto_minbucket

    assert r.settings.minbucket == o["settings"]["minbucket"] == max(1, round(0.25 * auto_minbucket(450)))

    # the first step lost: nothing more is fitted, the defaults stay
    r2 = _full_search(monkeypatch, lambda ch, inc, opts: (False, "not_significant"))
    o2 = r2.optimisation
    assert [s["challenger"] for s in o2["full_round"]["steps"]] == ["default-mb0.5"]
    assert (o2["chosen"], o2["reason"]) == ("default", "not_significant")
    assert not any(c["id"] == "default-mb0.25" and c["rounds"] for c in o2["candidates"])


def test_full_size_round_confirms_a_row_sample_winner(monkeypatch):
    """A challenger that won on row samples is fitted with the defaults on all internal train rows;
    if it loses there the defaults stay (reason "not_confirmed"); no budget for the round: the
    defaults stay too."""
    import py_engine.optimise as opt

    def pick_challenger(scored, opts):
        return next(x for x in scored if x["id"] != "default"), True, "significant"

    monkeypatch.setattr(opt, "honest_choice", pick_challenger)
    o = _full_search(monkeypatch, lambda ch, inc, opts: (False, "defaults_best")).optimisation
    steps = o["full_round"]["steps"]
    assert steps[0]["incumbent"] == "default" and steps[0]["challenger"] not in ("default", "default-mb0.5")
    assert [s["challenger"] for s in steps[1:]] == ["default-mb0.5"]  # then the leaf step on the defaults
    assert (o["chosen"], o["reason"]) == ("default", "not_confirmed")
    # no budget left for the round: the row-sample winner is not taken unchecked
    small = Search(_table(450), {"seed": 1}, OptimiseOptions(budget=10**9, seeds=2, methods=["cart"]), 1)
    drive(small.run())
    for rec in small.records.values():
        rec["rounds"] = [x for x in rec["rounds"] if not x.get("full")]
    small.budget, small.full = small.spent, None  # as if the row-sample rounds had used it all
    drive(small.full_round())
    assert small.full["skipped"] == "budget" and small.stopped == "budget"
    assert small.best()["id"] == "default" and small.record()["reason"] == "not_confirmed"


def _repair_search(monkeypatch, factor=4.0, kept=False, max_auc=1.0, why="defaults_outside_limits"):
    """A search (the defaults and one candidate: one round) on the whole internal train part (337 rows),
    with the rule forced to leave the defaults for a CART candidate of minbucket x `factor`."""
    import py_engine.optimise as opt

    monkeypatch.undo()  # the patches of an earlier call
    grid = opt.candidate_grid
    monkeypatch.setattr(opt, "candidate_grid", lambda methods: [c for c in grid(methods) if c["id"] == "default"
                                                                or c["minbucket_factor"] == factor][:2])
    def leave_defaults(scored, opts):
        c = next(x for x in scored if x["id"] != "default" and not x["id"].startswith("default-"))
        return c, True, why

    monkeypatch.setattr(opt, "honest_choice", leave_defaults)
    monkeypatch.setattr(opt, "beats", lambda ch, inc, opts: (kept, "significant" if kept else "defaults_best"))
    return syn_optimised(_table(450), {"seed": 1}, {"budget": 10**9, "seeds": 2, "max_auc": max_auc,
                                                    "methods": ["cart"]})


def test_leaf_repair_takes_least_departure_from_defaults_within_limits(monkeypatch):
    """The defaults break the limits and the rule moved to minbucket x 4: the defaults with minbucket
    x 1.25, 1.5, ... are fitted in turn (same rows and seeds as the last round) up to the first within
    the limits, which is chosen unless the far candidate beats it (`beats`)."""
    from py_engine.synthesis import auto_minbucket

    r = _repair_search(monkeypatch)
    o = r.optimisation
    assert o["repair"]["tried"] == [{"id": "default-mb1.25", "within": True}]
    assert (o["chosen"], o["reason"]) == ("default-mb1.25", "least_departure")
    assert "default-mb1.25" in o["compared"]
    c = next(x for x in o["candidates"] if x["id"] == "default-mb1.25")
    assert c["rounds"][-1]["repair"] and c["rounds"][-1]["rows"] == o["internal"]["train_rows"]
    assert len(c["rounds"][-1]["runs"]) == 2
    assert r.settings.minbucket == o["settings"]["minbucket"] == max(1, round(1.25 * auto_minbucket(450)))
    # the far candidate beats the nearer one: it stays
    o2 = _repair_search(monkeypatch, kept=True).optimisation
    assert o2["chosen"] != "default-mb1.25" and o2["reason"] == "defaults_outside_limits"
    # none within the limits: every factor below the candidate's is tried, the candidate stays
    o3 = _repair_search(monkeypatch, factor=2.0, max_auc=0.0).optimisation
    assert [t["id"] for t in o3["repair"]["tried"]] == ["default-mb1.25", "default-mb1.5"]
    assert o3["chosen"] == o3["repair"]["chosen"] and not o3["chosen"].startswith("default")
    # the defaults were not left for the limits: no repair
    assert _repair_search(monkeypatch, why="significant").optimisation["repair"] is None


def test_dp_points_scored_after_the_choice_never_chosen_and_reproducible(monkeypatch):
    # MST at epsilon 1 and 10 on the compared rows, scored like the candidates, for the front's picture:
    # recorded apart from the candidates, paid for in work units, never changing the choice
    from py_engine.optimise import DP_EPSILONS, cost

    ds = _table()
    opts = {"budget": 450_000, "seeds": 2}  # the plan (173k units) and the DP points' reserve (245k)
    r = syn_optimised(ds, {"seed": 4}, opts)
    o = r.optimisation
    dp = o["dp"]
    assert "skipped" not in dp and [p["epsilon"] for p in dp["points"]] == list(DP_EPSILONS) == [1.0, 10.0]
    for p in dp["points"]:
        assert all(isinstance(p[k], float) for k in ("utility", "auc", "copies_excess"))
    assert all(c["method"] != "dp" for c in o["candidates"]) and o["chosen"] in o["compared"]
    assert o["spent"] <= o["budget"]
    assert syn_optimised(ds, {"seed": 4}, opts).optimisation == o  # seeded noise: the same record again
    monkeypatch.setattr(Search, "dp_points", lambda self, should_stop=None: iter(()))
    r0 = syn_optimised(ds, {"seed": 4}, opts)
    o0 = r0.optimisation
    assert o0["dp"] is None
    for k in ("chosen", "front", "compared", "candidates", "reason", "within_limits", "settings", "stopped"):
        assert o[k] == o0[k], k
    assert r.synthetic.values.equals(r0.synthetic.values)
    assert o["spent"] - o0["spent"] == len(DP_EPSILONS) * cost({"method": "dp"}, dp["rows"], len(ds.columns), "two_way")
    monkeypatch.undo()
    # too little budget left after the search: skipped, and the record says so
    small = syn_optimised(ds, {"seed": 4}, {"budget": 200_000, "seeds": 2}).optimisation
    assert small["dp"]["skipped"] == "budget" and small["dp"]["points"] == []
    assert small["spent"] <= small["budget"]


@pytest.mark.parametrize("table", ["adult.csv", "wage.csv", "credit.csv", "cps1988.csv"])
def test_default_budget_pays_for_the_search_and_the_dp_points(table):
    """At the default budget the DP points are computed on the benchmark tables, Adult's shape among
    them (37,074 internal train rows x 15 columns): the row-sample plan, the full-size round's reserve
    and the DP points' reserve together fit in DEFAULT_BUDGET. The rounds spend at most what the plan
    prices (every candidate as CART), the full-size round at most its reserve, and the DP points at
    most theirs (every epsilon on the whole internal train part), so `dp_points` is never left with
    too little (a plan-level check: a whole Adult search takes half a minute)."""
    from helpers_engine import load

    from py_engine.optimise import DEFAULT_BUDGET, DP_EPSILONS, cost

    train, _, _ = split(load(table), 0.2, max_rows=10**9, seed=1)
    s = Search(train, {"seed": 1}, OptimiseOptions(), 1)
    plan = s.fitted_plan()
    assert s.budget == DEFAULT_BUDGET
    assert s.plan_cost(plan) + s.full_reserve() + s.dp_reserve() <= DEFAULT_BUDGET
    assert s.dp_reserve() == len(DP_EPSILONS) * cost({"method": "dp"}, len(s.train_idx), s.n_cols, "two_way") > 0
    if table == "adult.csv":  # the full-size round is reserved for too: the search is not squeezed out of it
        assert len(s.train_idx) > plan[-1][0] and s.full_reserve() > 0


def test_dp_points_give_way_first_when_the_budget_is_short(monkeypatch):
    """A budget that pays for the smallest plan and the full-size round but not for the DP points too:
    the plan is fitted without the DP reserve (they are only shown), not shrunk below the smallest."""
    from helpers_engine import load

    train, _, _ = split(load("cps1988.csv"), 0.2, max_rows=10**9, seed=1)
    s = Search(train, {"seed": 1}, OptimiseOptions(), 1)
    smallest = s.plan_cost(s.schedule(500))
    s.budget = s.full_reserve() + smallest + s.dp_reserve() / 2
    plan = s.fitted_plan()
    monkeypatch.setattr(Search, "dp_reserve", lambda self: 0.0)
    assert plan == s.fitted_plan() and s.plan_cost(plan) <= s.budget - s.full_reserve()


def test_page_and_cli_default_budget_is_the_engines(capsys):
    """The page's default budget (web/js/optimise.js, web/js/state.js) and the CLI's help say
    py_engine.optimise.DEFAULT_BUDGET."""
    import re
    from pathlib import Path

    from py_engine.cli import build_parser
    from py_engine.optimise import DEFAULT_BUDGET

    web = Path(__file__).resolve().parent.parent / "web" / "js"
    js = re.search(r"DEFAULT_BUDGET = ([\d_]+);", (web / "optimise.js").read_text()).group(1)
    state = re.search(r'optimise_budget: "(\d+)"', (web / "state.js").read_text()).group(1)
    assert int(js.replace("_", "")) == int(state) == DEFAULT_BUDGET
    with pytest.raises(SystemExit):
        build_parser().parse_args(["synth", "--help"])
    assert f"(default: {DEFAULT_BUDGET:,})" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("sigma2", ["1", "5/2", "100"])
def test_float_discrete_gaussian_of_the_dp_points_has_the_discrete_gaussian_law(sigma2):
    """The DP points' fast sampler (optimise.float_discrete_gaussian) draws N_Z(0, sigma2): the
    frequencies of the values near 0 and the variance match P(k) ~ exp(-k^2 / (2 sigma2)) within
    sampling error (200,000 draws), and the same generator state gives the same draws."""
    from fractions import Fraction

    from py_engine.optimise import float_discrete_gaussian

    s2 = Fraction(sigma2)
    n = 200_000
    x = float_discrete_gaussian(np.random.default_rng(3))(s2, n)
    assert x.dtype == np.int64 and x.shape == (n,)
    assert np.array_equal(x, float_discrete_gaussian(np.random.default_rng(3))(s2, n))
    ks = np.arange(-60 * int(float(s2) ** 0.5 + 1), 60 * int(float(s2) ** 0.5 + 1) + 1)
    w = np.exp(-(ks.astype(float) ** 2) / (2 * float(s2)))
    p = w / w.sum()
    var = float((p * ks**2).sum())
    assert abs(x.mean()) < 5 * (var / n) ** 0.5
    assert abs(x.var() - var) < 5 * var * (2 / n) ** 0.5
    for k in range(-2, 3):
        pk = float(p[ks == k][0])
        assert abs((x == k).mean() - pk) < 5 * (pk * (1 - pk) / n) ** 0.5, k


def test_proper_synthesis_is_a_candidate_and_a_users_proper_stays():
    from py_engine import optimise as opt

    grid = opt.candidate_grid(["cart", "gc", "marginal"])
    proper = [c for c in grid if c.get("proper")]
    assert sorted(c["minbucket_factor"] for c in proper) == [0.5, 1.0, 2.0, 4.0]
    assert all(c["smoothing"] == "density" and c["visit"] == "table" for c in proper)
    assert len({c["id"] for c in grid}) == len(grid) and grid[0]["id"] == "default" and not grid[0]["proper"]
    orders = {"table": None}
    assert opt.candidate_settings(proper[0], {"proper": False}, 1000, orders)["proper"] is True
    assert opt.candidate_settings(grid[0], {"proper": False}, 1000, orders)["proper"] is False
    assert opt.candidate_settings(grid[0], {"proper": True}, 1000, orders)["proper"] is True  # the user's
    ds = _table(400)
    search = opt.Search(ds, {"seed": 1, "proper": True}, OptimiseOptions(), 1)
    assert not any(c.get("proper") for c in search.candidates) and len(search.candidates) == len(grid) - 4
    search.close()
    o = syn_optimised(ds, {"seed": 1, "proper": True}, {"budget": 40_000}).optimisation
    assert o["settings"]["method"] != "cart" or o["settings"]["proper"] is True


def _schools(n_schools: int = 40, per: int = 15, seed: int = 0):
    rng = np.random.default_rng(seed)
    school = np.repeat([f"S{i:02d}" for i in range(n_schools)], per)
    sector = np.repeat(rng.choice(["public", "catholic"], n_schools), per)  # a school attribute
    ses = rng.normal(0, 1, len(school)).round(2)
    score = (np.where(sector == "public", 10, 12) + 2 * ses + rng.normal(0, 1, len(school))).round(1)
    df = pd.DataFrame({"school": school, "sector": sector, "ses": ses, "score": score})
    return load_csv(df.to_csv(index=False).encode(), "schools.csv")


def test_no_dp_points_on_a_table_with_groups_and_none_reserved():
    """MST does not keep a table's groups, and a free synthesis scores a lower two-way S_pMSE there
    for breaking them: on a table with a group key the DP points are skipped ("groups"), their work
    is not reserved; with the structure switched off they are computed."""
    from py_engine import optimise as opt

    ds = _schools()
    opts = {"budget": 450_000, "seeds": 2}
    s = opt.Search(ds, {"seed": 1}, OptimiseOptions.from_dict(opts), 1)
    assert s.has_groups() and s.dp_reserve() == 0.0
    s.close()
    only_marginal = opt.Search(ds, {"seed": 1}, OptimiseOptions.from_dict({**opts, "methods": ["marginal"]}), 1)
    assert not only_marginal.has_groups() and only_marginal.dp_reserve() > 0  # no synthesis keeps the groups
    only_marginal.close()
    r = syn_optimised(ds, {"seed": 1}, opts)
    o = r.optimisation
    assert o["dp"] == {"skipped": "groups", "points": []}
    assert r.structure and [g["key"] for g in r.structure["groups"]] == ["school"]
    off = syn_optimised(ds, {"seed": 1, "structure": False}, opts).optimisation
    assert "skipped" not in off["dp"] and len(off["dp"]["points"]) == len(opt.DP_EPSILONS)
    for lang in ("en", "nl"):
        from py_engine.i18n import translate

        assert "{" not in translate("optimise.dp_skipped.groups", lang)
        assert "{" not in translate("optimise.dp_skipped.error", lang)


def test_dp_points_that_mst_cannot_make_are_skipped_with_the_error(monkeypatch):
    from py_engine import optimise as opt

    def fail(fit_rows, eps, gen):
        raise EngineError("dp.no_columns", kind="settings")

    monkeypatch.setattr(opt, "_dp_run", fail)
    o = syn_optimised(_table(), {"seed": 4}, {"budget": 450_000, "seeds": 2}).optimisation
    assert o["dp"]["skipped"] == "error" and o["dp"]["error"] == "dp.no_columns" and o["dp"]["points"] == []
    assert o["chosen"] is not None
