"""The privacy odometer per file (issue 12): every dp data set made from one file adds its rho
(zCDP composes by addition), across clearing and reading the same bytes again; another file starts
its own count. And the page's domain suggestion request (dp_domain) is marked as read from the data."""

import asyncio
import concurrent.futures
import json
from fractions import Fraction

from py_engine import browser
from py_engine.dp.accounting import cdp_eps, cdp_rho


def run(coro):
    # in a thread of its own: after the browser tests an event loop may run in the main thread
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def read(csv: bytes, name="t.csv") -> dict:
    return json.loads(browser.inspect(csv, name, json.dumps({"lang": "en"})))


def dp(eps: float) -> dict:
    out = json.loads(run(browser.synthesise(json.dumps({"method": "dp", "epsilon": eps, "domain_from_data": True,
                                                        "seed": 1}))))
    assert "ok" in out, out
    return out["ok"]["privacy"]


CSV = ("a,b,n\n" + "".join(f"{'xy'[i % 2]},{'pqr'[i % 3]},{i % 40}\n" for i in range(300))).encode()
OTHER = ("a,b,n\n" + "".join(f"{'xy'[i % 2]},{'pq'[i % 2]},{i % 30}\n" for i in range(200))).encode()


def test_odometer_adds_rho_per_file():
    browser.clear()
    read(CSV + b"x,p,1\n")  # a file of its own for this test (the odometer lives as long as the worker)
    p1 = dp(1.0)
    assert p1["file"]["runs"] == 1 and p1["file"]["rho"] == p1["rho_spent"]
    p2 = dp(0.5)
    rho = Fraction(p1["rho_spent"]) + Fraction(p2["rho_spent"])
    assert p2["file"]["runs"] == 2 and p2["file"]["rho"] == float(rho)
    assert 0 <= cdp_rho(0.5, 1e-9) - p2["rho_spent"] < 1e-6 * p2["rho_spent"]  # MST rounds sigma up
    total_eps = p2["file"]["epsilon"]
    assert abs(total_eps - cdp_eps(float(rho), 1e-9)) < 1e-9 and 1.0 < total_eps < 1.5  # less than 1 + 0.5
    browser.clear()
    read(CSV + b"x,p,1\n", "renamed.csv")  # the same bytes again: the count goes on
    assert dp(1.0)["file"]["runs"] == 3
    read(OTHER + b"y,q,2\n")  # another file: a count of its own
    assert dp(1.0)["file"]["runs"] == 1


def test_domain_suggestion_is_marked_as_from_the_data():
    read(CSV)
    doc = json.loads(browser.dp_domain())["ok"]
    assert doc["from_data"] is True and "warning" in doc
    assert [c["name"] for c in doc["columns"]] == ["a", "b", "n"]
    assert doc["columns"][0]["levels"] == ["x", "y"]
