"""Rough edges of issue 14 (section 5) in the engine: the notes grouped (one per idea, listing its
columns) in the CLI and the PDF; a file with nothing left to synthesise is refused with a message, not
written as an empty file; tables too wide for the pairwise work are refused before any of it; the
evaluation's time estimate from the table's size agrees with its measured model; PDF table cells wrap
on spaces and never break a word."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from py_engine.dataset import Dataset
from py_engine.errors import EngineError
from py_engine.evaluation import estimate
from py_engine.evaluation.baselines import load_csv
from py_engine.i18n import translate
from py_engine.notes import column_list, group, text
from py_engine.schema import ColumnSchema, Schema
from py_engine.structure import MAX_STRUCTURE_COLUMNS, find_structure
from py_engine.synthesis import MAX_COLUMNS, syn

ROOT = Path(__file__).resolve().parent.parent
NUMS = [f"score_{j}" for j in range(8)]


def numbers_csv(n: int = 200, seed: int = 3) -> bytes:
    """8 continuous columns (every value rare: each is smoothed) and a category."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({c: rng.normal(50, 10, n).round(3) for c in NUMS})
    df["group"] = rng.choice(["a", "b", "c"], n)
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


def test_notes_of_one_idea_are_one_note_listing_the_columns():
    res = syn(load_csv(numbers_csv()), {"seed": 1, "method": "cart"})
    raw = [n for n in res.notes if n["code"] == "smoothing_rare_only"]
    assert sorted(n["column"] for n in raw) == NUMS  # one per column in the result and the JSON
    grouped = group(res.notes)
    smooth = [n for n in grouped if "smoothing" in n["code"]]
    assert smooth == [{"code": "grouped.smoothing_rare_only", "columns": [n["column"] for n in raw],
                       "params": {"count": 8, "columns": ", ".join(n["column"] for n in raw)}}]
    assert len(grouped) == len(res.notes) - 7
    for lang in ("en", "nl"):
        s = text(smooth[0], lang)
        assert s == translate("notes.grouped.smoothing_rare_only", lang, count=8, columns=smooth[0]["params"]["columns"])
        assert all(c in s for c in NUMS) and "{" not in s
    # a code about one column stays as it is; notes without a column are kept in their place
    one = [{"code": "minbucket_auto", "params": {"minbucket": 5, "rows": 9}},
           {"code": "missing_imputed", "column": "a", "params": {"cells": 2}}]
    assert group(one) == one


def test_a_long_list_of_columns_is_cut_and_the_count_says_how_many():
    notes = [{"code": "identifier_regenerated", "column": f"id{j}", "params": {}} for j in range(40)]
    (g,) = group(notes)
    assert g["params"]["count"] == 40 and len(g["columns"]) == 40
    assert g["params"]["columns"] == column_list([f"id{j}" for j in range(40)]).rstrip()
    assert g["params"]["columns"].endswith("id29, …") and "id30" not in g["params"]["columns"]


def test_cli_prints_one_line_per_idea(tmp_path):
    from py_engine.cli import main

    src = tmp_path / "scores.csv"
    src.write_bytes(numbers_csv())
    out = io.StringIO()
    assert main(["synth", str(src), "-o", str(tmp_path / "o.csv"), "--seed", "1"], out=out) == 0
    lines = [x for x in out.getvalue().splitlines() if x.startswith("- ") and "smooth" in x]
    assert len(lines) == 1 and lines[0].startswith("- 8 columns: ") and all(c in lines[0] for c in NUMS)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_pdf_lists_the_grouped_notes_in_both_languages(tmp_path):
    from py_engine.cli import main

    src = tmp_path / "scores.csv"
    src.write_bytes(numbers_csv(300))
    for lang in ("en", "nl"):
        out = tmp_path / lang
        assert main(["report", str(src), "-o", str(out), "--seed", "1", "--lang", lang], out=io.StringIO()) == 0
        pdf = next(out.glob("*.pdf"))
        txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        flat = re.sub(r"\s+", " ", txt)
        assert translate("report.engine_notes", lang) in flat
        head = translate("notes.grouped.smoothing_rare_only", lang, count=8, columns="").split(":")[0]
        assert head in flat, head
        one = translate("notes.smoothing_rare_only", lang, column="score_0", share="x", bandwidth="y").split("(")[0]
        assert one.strip() not in flat  # no note per column


def id_only() -> Dataset:
    return load_csv("id\n" + "".join(f"{1000 + i}\n" for i in range(300)), "ids.csv")


@pytest.mark.parametrize("method", ["cart", "gc", "marginal", "dp"])
def test_a_file_whose_only_column_is_an_identifier_has_nothing_to_synthesise(method):
    ds = id_only()
    assert ds.schema["id"].exclude and ds.schema["id"].reason == "identifier" and ds.columns == []
    with pytest.raises(EngineError) as e:
        syn(ds, {"seed": 1, "method": method, "domain_from_data": True})
    assert e.value.code == "synthesis.nothing_to_synthesise" and e.value.kind == "settings"
    en, nl = e.value.message("en"), e.value.message("nl")
    assert en.startswith("Nothing is left to synthesise") and nl.startswith("Er is niets meer om te synthetiseren")


def test_cli_says_nothing_is_left_and_writes_no_file(tmp_path, capsys):
    from py_engine.cli import main

    src = tmp_path / "ids.csv"
    src.write_text("id\n" + "".join(f"{1000 + i}\n" for i in range(300)))
    out = io.StringIO()
    code = main(["synth", str(src), "-o", str(tmp_path / "o.csv"), "--seed", "1"], out=out)
    said = out.getvalue() + capsys.readouterr().err
    assert code == 2 and not (tmp_path / "o.csv").exists()
    assert translate("errors.synthesis.nothing_to_synthesise", "en") in said


def wide(n_rows: int, n_cols: int) -> Dataset:
    rng = np.random.default_rng(1)
    names = [f"c{j}" for j in range(n_cols)]
    values = pd.DataFrame(rng.normal(size=(n_rows, n_cols)).round(3), columns=names)
    schema = Schema([ColumnSchema(name=c, type="numeric", n_distinct=n_rows, decimals=3) for c in names])
    return Dataset(schema, values, pd.DataFrame(None, index=values.index, columns=names, dtype=object))


@pytest.mark.parametrize("method", ["cart", "gc", "dp"])
def test_a_table_wider_than_the_limit_is_refused_before_any_work(method):
    ds = wide(60, MAX_COLUMNS + 1)
    t0 = time.perf_counter()
    with pytest.raises(EngineError) as e:
        syn(ds, {"seed": 1, "method": method})
    assert time.perf_counter() - t0 < 2, "refused before the structure search and the fits"
    assert e.value.code == "synthesis.too_many_columns"
    assert e.value.params == {"columns": MAX_COLUMNS + 1, "max": MAX_COLUMNS}
    for lang in ("en", "nl"):
        msg = e.value.message(lang)
        assert f"{MAX_COLUMNS + 1}" in msg and translate("method.marginal", lang).lower() in msg.lower()


def test_wide_tables_skip_the_pairwise_structure_search_and_say_so():
    ds = wide(60, MAX_STRUCTURE_COLUMNS + 1)
    t0 = time.perf_counter()
    doc = find_structure(ds)
    assert time.perf_counter() - t0 < 1
    assert doc["groups"] == doc["dependencies"] == doc["derived"] == []
    ds = wide(40, MAX_STRUCTURE_COLUMNS + 1)
    res = syn(ds, {"seed": 1, "method": "gc"})
    assert {"code": "structure_skipped_wide", "params": {"columns": 501, "max": MAX_STRUCTURE_COLUMNS}} in res.notes
    # independent marginals do any width: work per column does not depend on the others
    res = syn(wide(20, 3000), {"seed": 1, "method": "marginal"})
    assert res.synthetic.values.shape == (20, 3000)


def test_the_time_estimate_is_the_measured_model():
    doc = json.loads((ROOT / "benchmarks" / "results" / "evaluation_shape.json").read_text())
    m = doc["model"]
    assert (estimate.B0, estimate.B_ROWS, estimate.B_COLUMNS) == pytest.approx(
        (m["b0"], m["b_rows"], m["b_columns"]), abs=5e-4), "copy the fit of the last benchmark run"
    for p, want in zip(doc["points"], m["predicted"], strict=True):
        assert estimate.seconds(p["rows"], p["columns"]) == pytest.approx(want, rel=1e-3)
    e = estimate.estimate(11598, 47)
    assert e["low"] < e["seconds"] < e["high"] and e["high"] == pytest.approx(e["seconds"] * estimate.SPREAD, rel=0.01)
    assert estimate.seconds(20000, 47) > estimate.seconds(10000, 47) > estimate.seconds(10000, 10)


def cell_lines(txt: str, width_pt: float, style) -> list[str]:
    from reportlab.platypus import Paragraph

    from py_engine.report.pdf import fit_words

    para = Paragraph(txt, fit_words(txt, style, width_pt))
    para.wrap(width_pt, 10_000)
    bl = para.blPara
    return [" ".join(line[1]) if bl.kind == 0 else " ".join(w.text for w in line.words) for line in bl.lines]


def test_pdf_table_cells_wrap_on_spaces_and_never_break_a_word():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm

    from py_engine.report import pdf

    pdf._register_fonts()
    cell = ParagraphStyle("cell", fontName=pdf.FONT, fontSize=7.8, leading=9.6)
    head = translate("report.col.se_population", "nl")
    rows = [["Coëfficiënt", "Echt (se)", head, "Overlapping"],
            ["school: overig (56 waarden) (t.o.v. 14)", "−207,588 (14,318)", "23,952", "−5,53"]]
    given = [5.0, 3.0, 1.6, 1.4]  # the last two narrower than their longest word
    widths = pdf.widths_for_words(rows, given, lambda i, j: cell, cm)
    assert sum(widths) == pytest.approx(sum(given))
    for row in rows:
        for j, v in enumerate(row):
            lines = cell_lines(v, widths[j] * cm - pdf.CELL_PADDING, cell)
            assert " ".join(lines).split() == v.split(), (v, lines)  # whole words on each line
    # with no room to give, the cell is set smaller rather than a word broken
    from reportlab.pdfbase.pdfmetrics import stringWidth

    narrow = stringWidth("Overlapping", pdf.FONT, 6.5)  # too narrow at 7.8 points, wide enough at 6.5
    lines = cell_lines("Overlapping", narrow, cell)
    assert lines == ["Overlapping"]
