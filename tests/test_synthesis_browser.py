"""The same seed gives byte-identical synthetic CSV in Pyodide (the real page's worker, headless
Chromium) and on CPython, for every method, on real tables with missing values, dates and
high-cardinality categoricals; and for the structured (two-level) path on the multilevel tables."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import DATA, REAL
from helpers_engine import load_bytes

from py_engine.dataset import to_csv_bytes
from py_engine.structure import find_structure
from py_engine.synthesis import syn

CASES = [("wage.csv", "cart", {}), ("wage.csv", "gc", {}), ("wage.csv", "marginal", {}),
         ("credit.csv", "cart", {"smoothing": "density"}), ("credit.csv", "gc", {}), ("credit.csv", "marginal", {}),
         ("hotel_rates.csv", "cart", {"proper": True}), ("hotel_rates.csv", "gc", {}),
         ("adult_5000.csv", "cart", {"smoothing": "density"})]


def _table(name: str) -> bytes:
    if name == "adult_5000.csv":  # a random 5,000 rows of adult: multi-class targets, 41-level native_country
        df = pd.read_csv(REAL / "adult.csv", dtype=str, keep_default_na=False).sample(n=5000, random_state=3)
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        return buf.getvalue().encode()
    return (REAL / name).read_bytes()


SYNTH_IN_PAGE = """async ([text, name, settings]) => {
  const eng = window.localsynth.engine;
  const file = new File([text], name, { type: "text/csv" });
  await eng.inspect(file, { lang: "en" });
  await eng.synthesise(settings);
  const res = await eng.export("csv", "en");
  return new TextDecoder("utf-8").decode(new Uint8Array(res.bytes));
}"""


def test_same_seed_same_bytes_in_pyodide_and_cpython(ready_page):
    page = ready_page
    page.set_default_timeout(300_000)
    for name, method, extra in CASES:
        data = _table(name)
        settings = {"method": method, "seed": 11, **extra}
        in_browser = page.evaluate(SYNTH_IN_PAGE, [data.decode("utf-8"), name, settings])
        on_cpython = to_csv_bytes(syn(load_bytes(data, name=name), settings).synthetic).decode("utf-8")
        assert len(on_cpython) > 1000
        if in_browser != on_cpython:
            a, b = in_browser.splitlines(), on_cpython.splitlines()
            diff = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            pytest.fail(f"{name} {method}: Pyodide and CPython differ ({len(a)} vs {len(b)} lines; first "
                        f"difference at line {diff}: {a[diff] if diff is not None else ''!r} vs "
                        f"{b[diff] if diff is not None else ''!r})")


# pupils in schools: the structure is found and kept (two-level synthesis, group sizes raked, labels
# matched, derived group means recomputed), all of which must give the same bytes on both runtimes
STRUCTURED = [("hsb.csv", "cart", {}), ("exam.csv", "gc", {}), ("exam.csv", "cart", {"group_key_labels": "relabel"})]


def test_structured_same_seed_same_bytes_in_pyodide_and_cpython(ready_page):
    page = ready_page
    page.set_default_timeout(300_000)
    for name, method, extra in STRUCTURED:
        data = (DATA / "multilevel" / name).read_bytes()
        settings = {"method": method, "seed": 5}
        ds = load_bytes(data, name=name)
        if extra.get("group_key_labels"):
            doc = find_structure(ds)
            doc["group_key_labels"] = extra["group_key_labels"]
            settings["structure"] = doc
        res = syn(ds, settings)
        codes = {n["code"] for n in res.notes}
        assert "structure_groups" in codes, (name, sorted(codes))  # the structured path did run
        assert ("structure_relabelled" in codes) == bool(extra.get("group_key_labels")), name
        on_cpython = to_csv_bytes(res.synthetic).decode("utf-8")
        in_browser = page.evaluate(SYNTH_IN_PAGE, [data.decode("utf-8"), name, settings])
        if in_browser != on_cpython:
            a, b = in_browser.splitlines(), on_cpython.splitlines()
            diff = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            pytest.fail(f"{name} {method}: Pyodide and CPython differ ({len(a)} vs {len(b)} lines; first "
                        f"difference at line {diff}: {a[diff] if diff is not None else ''!r} vs "
                        f"{b[diff] if diff is not None else ''!r})")
