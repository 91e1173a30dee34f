"""Bad input: every file in tests/data/bad/ (and a 100 MB file, a file with a 1 MB line and one over
the size limit, made at test time) gives a clear message in the user's language, and nothing the user
already had is lost. First at engine level (py_engine.browser on CPython), then in the real page."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REAL, wait_ready
from uihelp import axe, drop_file, settle, shot, text

from py_engine import browser
from py_engine.i18n import LANGUAGES, translate

BAD = Path(__file__).resolve().parent / "data" / "bad"

# file -> (what happens, code): "error" (refused, with errors.<code>), "warning" (read, with
# warnings.<code> shown), "excluded" (read; the named column left out, reason shown)
EXPECT = {
    "empty.csv": ("error", "read.empty_file"),
    "header_only.csv": ("error", "read.no_rows"),
    "binary.csv": ("error", "read.binary"),
    "ragged.csv": ("error", "read.ragged"),
    "really_excel.csv": ("error", "read.not_csv_excel"),
    "unclosed_quote.csv": ("error", "read.unclosed_quote"),
    "one_column.csv": ("warning", "read.one_column"),
    "duplicate_names.csv": ("warning", "read.duplicate_name"),
    "windows_1252.csv": ("warning", "read.not_utf8"),
    "all_missing_column.csv": ("excluded", "remarks"),
}


def inspect(data: bytes | None, name: str | None, lang: str = "en", **options) -> dict:
    return json.loads(browser.inspect(data, name, json.dumps({"lang": lang, **options})))


def expected_message(path: Path, lang: str) -> str:
    """What the user must read for a refused file: the engine's message in that language."""
    out = inspect(path.read_bytes(), path.name, lang)
    return translate("errors." + out["error"]["code"], lang, **out["error"]["params"])


# --------------------------------------------------------------------------- files made at test time

def write_100mb(path: Path, target: int = 100 * 2**20) -> int:
    """A realistic 100 MB table: ids, numbers, categories, dates, decimals; about 1.4 million rows."""
    rng = np.random.default_rng(7)
    regions = np.array(["Drenthe", "Flevoland", "Friesland", "Gelderland", "Groningen", "Limburg",
                        "Noord-Brabant", "Noord-Holland", "Overijssel", "Utrecht", "Zeeland", "Zuid-Holland"])
    start = np.datetime64("2015-01-01")
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        header = True
        while f.tell() < target:
            k = 100_000
            block = pd.DataFrame({
                "person_id": np.arange(rows, rows + k) + 1_000_000,
                "age": rng.integers(18, 95, k),
                "sex": rng.choice(["F", "M"], k),
                "region": regions[rng.integers(0, len(regions), k)],
                "income": np.round(rng.lognormal(10, 0.6, k), 2),
                "hours": rng.integers(0, 60, k),
                "start_date": (start + rng.integers(0, 3000, k).astype("timedelta64[D]")).astype(str),
            })
            block.loc[rng.random(k) < 0.03, "income"] = np.nan
            block.to_csv(f, index=False, header=header, lineterminator="\n")
            header = False
            rows += k
    return rows


def write_long_line(path: Path, size: int = 2**20) -> None:
    """50 rows of which one has a note of 1 MB (a pasted document, say): one line of over 1 MB."""
    words = ("the quick brown fox jumps over the lazy dog " * (size // 44 + 1))[:size]
    notes = ["ok", "late", "checked", "call back", "moved"]
    lines = ["case,team,note,amount"]
    for i in range(50):
        note = f'"{words}"' if i == 20 else notes[i % 5]
        lines.append(f"{i + 1},{'ABC'[i % 3]},{note},{100 + 7 * i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def long_line_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bad-generated") / "long_line_1mb.csv"
    write_long_line(path)
    return path


@pytest.fixture(scope="session")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bad-generated") / "big_100mb.csv"
    write_100mb(path)
    return path


# --------------------------------------------------------------------------- engine level

def test_corpus_is_complete_and_reproducible():
    from data.bad.make_corpus import corpus

    made = corpus()
    assert set(made) == set(EXPECT)
    for name, data in made.items():
        assert (BAD / name).read_bytes() == data, f"{name} differs from make_corpus.py's output"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(EXPECT))
def test_each_bad_file_gives_a_clear_message(name, lang):
    kind, code = EXPECT[name]
    out = inspect((BAD / name).read_bytes(), name, lang)
    if kind == "error":
        err = out["error"]
        assert err["code"] == code and err["kind"] == "input"
        message = translate("errors." + code, lang, **err["params"])
        assert "{" not in message and len(message) > 15
        other = translate("errors." + code, "nl" if lang == "en" else "en", **err["params"])
        assert message != other, "the message must exist in both languages"
        assert "Traceback" not in json.dumps(out)
        return
    summary = out["ok"]
    if kind == "warning":
        warnings = {w["code"]: w["params"] for w in summary["warnings"]}
        assert code in warnings, summary["warnings"]
        message = translate("warnings." + code, lang, **warnings[code])
        assert "{" not in message
    else:
        col = next(c for c in summary["columns"] if c["name"] == code)
        assert col["exclude"] and col["reason"] == "all_missing"
        assert col["missing_count"] == summary["n_rows"]


def test_specific_messages_say_where_the_problem_is():
    ragged = inspect((BAD / "ragged.csv").read_bytes(), "ragged.csv")["error"]
    assert ragged["params"] == {"line": 8, "expected": 3, "found": 5}
    dup = inspect((BAD / "duplicate_names.csv").read_bytes(), "d.csv")["ok"]
    assert [c["name"] for c in dup["columns"]] == ["age", "region", "age_2", "income"]
    cp = inspect((BAD / "windows_1252.csv").read_bytes(), "w.csv")["ok"]
    assert cp["dialect"] == {**cp["dialect"], "encoding": "cp1252", "delimiter": ";", "decimal": ","}
    assert "Zoë" in json.dumps(cp["preview"], ensure_ascii=False) or "Renée" in json.dumps(cp["preview"], ensure_ascii=False)
    assert any(c["type"] == "numeric" for c in cp["columns"] if c["name"] == "inkomen")


def test_a_bad_file_keeps_the_table_already_held():
    good = inspect((REAL / "credit.csv").read_bytes(), "credit.csv")["ok"]
    for name, (kind, _) in EXPECT.items():
        if kind != "error":
            continue
        assert "error" in inspect((BAD / name).read_bytes(), name)
        again = inspect(None, None, overrides={"Status": {"exclude": True}})["ok"]
        assert again["name"] == "credit.csv" and again["n_rows"] == good["n_rows"]
    # a wrong encoding chosen for the held file is refused too, and the table stays
    err = inspect((REAL / "credit.csv").read_bytes() + "é".encode("cp1252"), "credit.csv", encoding="utf-8")
    assert err["error"]["code"] == "read.wrong_encoding"
    assert inspect(None, None)["ok"]["name"] == "credit.csv"


def test_too_large_is_refused_before_reading():
    out = inspect(b"a,b\n1,2\n" * 10, "x.csv", max_bytes=50)
    assert out["error"]["code"] == "read.too_large"
    assert browser.MAX_BYTES == 300 * 2**20
    limit = translate("errors.read.too_large", "nl", size_mb=400, limit_mb=300)
    assert "300 MB" in limit and "400 MB" in limit


def test_a_line_of_1_mb_is_read_and_the_text_column_left_out(long_line_file):
    out = inspect(long_line_file.read_bytes(), "long.csv")["ok"]
    assert out["n_rows"] == 50 and out["n_columns"] == 4
    note = next(c for c in out["columns"] if c["name"] == "note")
    assert note["type"] == "text" and note["exclude"] and note["reason"] == "free_text"


@pytest.mark.slow
def test_a_100_mb_file_is_read(big_file):
    t0 = time.perf_counter()
    out = inspect(big_file.read_bytes(), "big.csv")["ok"]
    seconds = time.perf_counter() - t0
    assert out["n_bytes"] >= 100 * 2**20 and out["n_rows"] > 1_000_000
    types = {c["name"]: c["type"] for c in out["columns"]}
    assert types == {"person_id": "identifier", "age": "integer", "sex": "categorical", "region": "categorical",
                     "income": "numeric", "hours": "integer", "start_date": "date"}
    print(f"100 MB read on CPython in {seconds:.1f} s")


# --------------------------------------------------------------------------- in the page

def _message(page) -> str:
    return page.text_content("#data-message") or ""


def _check_kept(page, lang: str, kept: str, rows: str):
    assert page.is_visible("#data-kept")
    assert page.text_content("#data-kept") == text(lang, "data.kept", name=kept)
    assert page.text_content("#data-name") == kept
    assert rows in page.text_content("#data-shape")


def test_bad_files_in_the_page(new_page):
    """Each corpus file in Dutch, then the messages switch to English; the good table survives every
    refused file, each readable odd file is loaded with its notice, and a good file loads after all."""
    lang = "nl"
    page = new_page(lang=lang)
    wait_ready(page)
    drop_file(page, REAL / "credit.csv")
    settle(page)
    held, rows = "credit.csv", "4.454"
    for name in sorted(EXPECT):
        kind, code = EXPECT[name]
        drop_file(page, BAD / name)
        settle(page)
        if kind == "error":
            assert page.is_visible("#data-error"), name
            assert page.text_content("#data-failed") == text(lang, "data.load_failed", name=name)
            assert _message(page) == expected_message(BAD / name, lang), name
            _check_kept(page, lang, held, rows)
            if name == "really_excel.csv":
                shot(page, f"bad-{lang}-excel")
                assert axe(page, f"bad-{lang}-error") == []
        else:
            assert not page.is_visible("#data-error"), name
            assert page.text_content("#data-name") == name
            if kind == "warning":
                out = inspect((BAD / name).read_bytes(), name, lang)["ok"]
                params = next(w["params"] for w in out["warnings"] if w["code"] == code)
                assert translate("warnings." + code, lang, **params) in page.text_content("#data-warnings")
            else:
                row = page.locator(f"#schema-table tr[data-column='{code}']")
                assert row.locator("input[type=checkbox]").is_checked() is False
                assert text(lang, "reason.all_missing") in row.text_content()
            if name == "windows_1252.csv":
                assert "Zoë" in page.text_content("#preview-table") or "Renée" in page.text_content("#preview-table")
                shot(page, f"bad-{lang}-windows-1252")
            held, rows = name, "40"
    # the last refused file's message follows a change of language
    drop_file(page, BAD / "empty.csv")
    settle(page)
    page.click("[data-lang=en]")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert _message(page) == "The file is empty."
    assert page.text_content("#data-kept") == text("en", "data.kept", name=held)
    # and a good file loads afterwards as if nothing happened
    drop_file(page, REAL / "wage.csv")
    settle(page)
    assert not page.is_visible("#data-error")
    assert page.text_content("#data-name") == "wage.csv"
    assert "3,000" in page.text_content("#data-shape")


def test_too_large_file_is_refused_at_once_in_the_page(new_page):
    page = new_page(lang="en")
    wait_ready(page)
    drop_file(page, REAL / "wage.csv")
    settle(page)
    requests_before = page.evaluate("() => window.localsynth.engine.nextId")
    t0 = time.perf_counter()
    # 301 MB of zeros, never read: the page checks File.size first
    handle = page.evaluate_handle("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(301 * 1024 * 1024)], "huge.csv", { type: "text/csv" }));
        return dt;
    }""")
    page.dispatch_event("#drop", "drop", {"dataTransfer": handle})
    page.wait_for_selector("#data-error:not([hidden])")
    assert time.perf_counter() - t0 < 5
    assert _message(page) == translate("errors.read.too_large", "en", size_mb=301, limit_mb=300)
    assert page.evaluate("() => window.localsynth.engine.nextId") == requests_before, "nothing sent to the worker"
    assert page.text_content("#data-name") == "wage.csv"


@pytest.mark.slow
def test_100_mb_and_1_mb_line_in_the_page(new_page, long_line_file, big_file):
    page = new_page(lang="en")
    wait_ready(page)
    page.set_input_files("#file-input", str(long_line_file))
    settle(page)
    assert page.text_content("#data-name") == "long_line_1mb.csv"
    row = page.locator("#schema-table tr[data-column='note']")
    assert row.locator("input[type=checkbox]").is_checked() is False
    assert text("en", "reason.free_text") in row.text_content()
    longest = page.eval_on_selector_all("#preview-table td, #schema-table td",
                                        "cells => Math.max(...cells.map(c => c.textContent.length))")
    assert longest < 200, "a 1 MB cell is shown cut short"
    shot(page, "bad-en-long-line")
    t0 = time.perf_counter()
    page.set_input_files("#file-input", str(big_file))
    page.wait_for_function("() => /big_100mb/.test(document.querySelector('#data-busy').textContent)")
    assert page.is_enabled("#demo") and page.is_visible("#data-summary"), "the page stays usable while reading"
    settle(page, timeout_s=400)
    seconds = time.perf_counter() - t0
    assert not page.is_visible("#data-error"), page.text_content("#data-error")
    assert page.text_content("#data-name") == "big_100mb.csv"
    assert page.evaluate("() => window.localsynth.state.summary.n_rows") > 1_000_000
    shot(page, "bad-en-100mb")
    print(f"100 MB read in the page in {seconds:.1f} s")


def test_a_free_text_column_switched_on_is_accepted_and_refused_by_name_at_synthesis():
    """Including a free-text column re-detects the table (no internal error from the structure
    detection), and synthesis then refuses it by name; a refused change leaves the session as it was."""
    rows = "".join(f"{i},{20 + i % 50},{'note number ' * (1 + i % 7)}{i} about a case\n" for i in range(120))
    assert "ok" in json.loads(browser.inspect(("id,age,remark\n" + rows).encode(), "remarks.csv", "{}"))
    out = json.loads(browser.inspect(None, None, json.dumps({"overrides": {"remark": {"exclude": False}}})))
    assert "ok" in out, out
    assert [c["exclude"] for c in out["ok"]["columns"]] == [True, False, False]
    res = _run_async(browser.synthesise(json.dumps({"method": "cart", "seed": 1, "n_rows": 50})))
    assert json.loads(res)["error"]["code"] == "synthesis.free_text" and "remark" in res
    # a change the engine refuses (a type that does not exist) keeps the columns the session had
    bad = json.loads(browser.inspect(None, None, json.dumps({"overrides": {"age": {"type": "nonsense"}}})))
    assert "error" in bad
    again = json.loads(browser.inspect(None, None, json.dumps({"overrides": {"remark": {"exclude": False}}})))
    assert [c["exclude"] for c in again["ok"]["columns"]] == [True, False, False]


def _run_async(coro):
    """The worker entry's coroutine, run in a thread of its own (a Playwright loop may hold this one)."""
    import asyncio
    import threading

    out = {}
    th = threading.Thread(target=lambda: out.update(v=asyncio.run(coro)))
    th.start()
    th.join()
    return out["v"]
