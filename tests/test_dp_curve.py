"""The privacy-utility curve of the held table (issue 12; py_engine/dp/curve.py, browser.dp_curve): one dp
synthesis per epsilon scored against the real rows; it keeps no synthetic data, leaves the current
result alone and charges no budget to the file's odometer (only a released data set spends budget)."""

import json

from test_dp_odometer import dp, read, run

from py_engine import browser
from py_engine.dp.curve import EPSILONS, curve_steps
from py_engine.progress import drive

CSV = ("a,b,n\n" + "".join(f"{'xy'[i % 2]},{'pqr'[(i // 2) % 3]},{(i * 7) % 40}\n" for i in range(400))).encode()


def test_curve_points_and_progress():
    from helpers_engine import load_bytes

    data = load_bytes(CSV)
    steps = []
    out = drive(curve_steps(data, {"domain_from_data": True, "seed": 1}, (0.3, 10.0)), steps.append)
    assert [p["epsilon"] for p in out["points"]] == [0.3, 10.0]
    assert all(p["two_way"] is not None and p["two_way"] > 0 for p in out["points"])
    assert all(p["copies"] is not None for p in out["points"])
    assert out["mechanism"] == "mst"
    assert {s.stage for s in steps} == {"dp_curve"} and steps[0].params == {"epsilon": 0.3}
    assert [s.step for s in steps][-1] == 2 and steps[-1].total == 2
    assert EPSILONS == (0.1, 0.3, 1.0, 3.0, 10.0)


def test_browser_curve_keeps_no_result_and_charges_nothing():
    browser.clear()
    read(CSV + b"y,q,3\n")  # a file of its own (the odometer lives as long as the worker)
    spent = dp(1.0)["file"]
    res = json.loads(run(browser.dp_curve(json.dumps({"method": "dp", "epsilon": 1, "domain_from_data": True,
                                                      "seed": 2}))))
    assert "ok" in res, res
    assert [p["epsilon"] for p in res["ok"]["points"]] == list(EPSILONS)
    again = dp(1.0)["file"]  # the next released set: one more run, rho of two sets, not seven
    assert again["runs"] == spent["runs"] + 1
    assert again["rho"] == 2 * spent["rho"]
    browser.clear()
    assert json.loads(run(browser.dp_curve("{}"))).get("error", {}).get("code") == "no_data"
