"""The PDF report (py_engine/report): a real PDF, parsed back with poppler's pdftotext/pdfinfo, in both
languages; progress steps; awkward tables; the `report` command line writing CSV, JSON and PDF."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from helpers_engine import REAL

from py_engine.cli import main
from py_engine.evaluation import evaluate
from py_engine.evaluation.baselines import load_csv
from py_engine.holdout import split
from py_engine.i18n import strings
from py_engine.progress import Step, drive
from py_engine.report import build_pdf, pdf_bytes
from py_engine.synthesis import syn

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is needed")
RAW_KEY = re.compile(r"\b(report|metrics|verdict|method|type|missing|smoothing)\.[a-z_]+\.?[a-z_]*\b")


def pdf_text(data: bytes, tmp_path, name="r.pdf") -> tuple[str, int]:
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return text, pages


def context(name, result, hold):
    from py_engine.cli import report_context

    return report_context(name, result, hold)


@pytest.fixture(scope="module")
def credit_report():
    data = load_csv((REAL / "credit.csv").read_bytes(), "credit.csv")
    data = data.take(range(1500))
    train, hold, _ = split(data, 0.2, seed=2)
    res = syn(train, {"method": "cart", "seed": 2})
    return evaluate(train, res.synthetic, hold, {"target": "Status", "quasi_identifiers": ["Age", "Marital", "Home"]},
                    context=context("credit.csv", res, hold))


@pytest.fixture(scope="module")
def pdfs(credit_report):
    return {lang: pdf_bytes(credit_report, lang) for lang in ("en", "nl")}


def no_raw_keys(text: str):
    found = sorted(set(m.group(0) for m in RAW_KEY.finditer(text)))
    # column names and file names may look like keys; none of these do
    assert found == [], f"untranslated locale keys in the PDF: {found[:10]}"
    assert "{" not in text and "}" not in text, "a placeholder was left unfilled"


def test_english_pdf_has_title_page_sections_figures_and_page_numbers(pdfs, credit_report, tmp_path):
    data = pdfs["en"]
    assert data[:5] == b"%PDF-" and data.rstrip().endswith(b"%%EOF")
    text, pages = pdf_text(data, tmp_path)
    assert 8 <= pages <= 30
    flat = " ".join(text.split())
    for heading in ["Evaluation of synthetic data", "1 Summary", "2 Column by column", "3 The table as a whole",
                    "4 Pairs of columns", "5 Combinations of categories", "6 Analysis utility",
                    "7 Structure: groups, dependencies and derived columns", "8 Disclosure risk",
                    "9 Methods and sources", "References"]:
        assert heading in flat, heading
    # title page facts
    assert "credit.csv" in flat and "1,500" in flat and "Seed 2" in flat and "CART" in flat
    assert "LocalSynth 0.1.0" in flat and "scikit-learn 1.6.1" in flat
    assert f"Page 1 of {pages}" in flat and f"Page {pages} of {pages}" in flat
    # the summary: a verdict per aspect with the figure behind it, never one score
    for aspect in ["General utility", "Analysis utility", "Copies of real rows", "Replicated uniques",
                   "Attribute disclosure (DiSCO)", "Inference attack", "Membership inference"]:
        assert aspect in flat, aspect
    auc = credit_report["disclosure"]["membership"]["auc"]
    assert f"AUC {auc:.3f}" in flat
    assert "sanity check only" in flat
    assert "1,200 rows; 300 rows held out" in flat  # which rows fitted the released data
    for cite in ["Snoke", "Nowok, B., Raab, G. M. & Dibben, C. (2016)", "Giomi", "Pilgram", "2505.01524", "Shokri"]:
        assert cite in flat, cite
    worst = credit_report["pairs"]["two_way"]["worst"][0]
    assert f"{worst['a']} × {worst['b']}" in flat  # the worst pairs are named
    no_raw_keys(text)


def test_dutch_pdf_is_dutch_throughout(pdfs, credit_report, tmp_path):
    text, pages = pdf_text(pdfs["nl"], tmp_path)
    flat = " ".join(text.split())
    for heading in ["Evaluatie van synthetische data", "1 Samenvatting", "2 Kolom voor kolom", "8 Onthullingsrisico",
                    "9 Methoden en bronnen", f"Pagina 1 van {pages}"]:
        assert heading in flat, heading
    assert "Summary" not in flat and "Page 1 of" not in flat
    auc = credit_report["disclosure"]["membership"]["auc"]
    assert f"AUC {auc:.3f}".replace(".", ",") in flat  # decimal comma
    assert "1.500" in flat  # thousands separator
    no_raw_keys(text)


def test_build_pdf_reports_progress_and_returns_the_bytes(credit_report):
    work = build_pdf(credit_report, "en")
    steps = []
    data = drive(work, steps.append)
    assert data[:5] == b"%PDF-"
    assert all(isinstance(s, Step) and s.stage == "report" for s in steps)
    assert [s.step for s in steps] == list(range(1, len(steps) + 1)) and steps[-1].total == len(steps)
    en, nl = strings("en"), strings("nl")
    assert all(s.key in en and s.key in nl for s in steps)


def test_fitted_on_all_rows_says_what_could_not_be_computed_and_why(tmp_path):
    data = load_csv((REAL / "wage.csv").read_bytes(), "wage.csv").take(range(600))
    res = syn(data, {"method": "marginal", "seed": 1})
    rep = evaluate(data, res.synthetic, None, {}, context=context("wage.csv", res, None))
    text, _ = pdf_text(pdf_bytes(rep, "en"), tmp_path)
    flat = " ".join(text.split())
    assert "all 600 rows (no holdout)" in flat
    assert "Measures not computed" in flat
    reason = strings("en")["metrics.reason.no_holdout"]
    assert reason in flat
    for metric in ("membership", "inference", "ml", "dcr"):
        assert strings("en")[f"metrics.name.{metric}"] in flat
    no_raw_keys(text)


def awkward_csv(n=300, k_wide=42, seed=5) -> bytes:
    """Many columns, long similar names, a 300-level categorical, a constant, dates, unicode, missing codes."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"a_rather_long_column_name_{j:02d}": rng.normal(size=n).round(3) if j % 2 else
                       rng.choice(list("abcdef"), size=n) for j in range(k_wide)})
    df["Größe (cm)"] = rng.normal(170, 9, n).round(1)
    df["城市"] = [f"plaats {i}" for i in rng.integers(0, 300, n)]
    df["constant"] = "same"
    df["bezoek & <datum>"] = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    df["code"] = np.where(rng.random(n) < 0.3, -8, rng.integers(0, 4, n))
    return df.to_csv(index=False, sep=";").encode("utf-8")


def test_awkward_wide_table_gives_a_readable_pdf(tmp_path):
    data = load_csv(awkward_csv(), "awkward.csv")
    train, hold, _ = split(data, 0.2, seed=1)
    res = syn(train, {"method": "cart", "seed": 1})
    rep = evaluate(train, res.synthetic, hold, {"skip": ["cart"], "interactions": False},
                   context=context("awkward.csv", res, hold))
    for lang in ("en", "nl"):
        text, pages = pdf_text(pdf_bytes(rep, lang), tmp_path, f"a_{lang}.pdf")
        no_raw_keys(text)
        assert pages < 45
    flat = " ".join(text.split())
    assert "Größe (cm)" in flat and "bezoek & <datum>" in flat
    assert "Overgeslagen op verzoek" in flat or strings("nl")["metrics.reason.skipped"] in flat


def test_one_column_table(tmp_path):
    data = load_csv(b"x\n" + b"\n".join(str(i % 7).encode() for i in range(120)) + b"\n", "one.csv")
    train, hold, _ = split(data, 0.2, seed=1)
    res = syn(train, {"method": "cart", "seed": 1})
    rep = evaluate(train, res.synthetic, hold, {}, context=context("one.csv", res, hold))
    text, pages = pdf_text(pdf_bytes(rep, "en"), tmp_path)
    assert pages >= 5
    assert strings("en")["metrics.reason.no_features"] in " ".join(text.split())
    no_raw_keys(text)


def test_dp_report_says_it_is_not_covered_by_the_guarantee(tmp_path):
    data = load_csv(b"a,b\n" + b"\n".join(f"{'xy'[i % 2]},{'pq'[i % 3 == 0]}".encode() for i in range(300)) + b"\n",
                    "dp.csv")
    train, hold, _ = split(data, 0.2, seed=1)
    res = syn(train, {"method": "dp", "epsilon": 0.5, "domain_from_data": True, "seed": 1})
    rep = evaluate(train, res.synthetic, hold, {}, context=context("dp.csv", res, hold))
    for lang in ("en", "nl"):
        text, _ = pdf_text(pdf_bytes(rep, lang), tmp_path, f"dp-{lang}.pdf")
        want = strings(lang)["report.dp_not_covered"].replace("{epsilon}", "0.5" if lang == "en" else "0,5")
        assert want.replace("{delta}", "1e-09") in " ".join(text.split())


def test_importing_the_engine_does_not_load_matplotlib_or_reportlab():
    code = ("import sys, py_engine.browser, py_engine.report, py_engine.cli; "
            "print(any(m.split('.')[0] in ('matplotlib', 'reportlab') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_cli_report_writes_csv_json_and_pdf_and_prints_the_summary(tmp_path):
    src = tmp_path / "credit_part.csv"
    src.write_bytes(b"".join((REAL / "credit.csv").read_bytes().splitlines(keepends=True)[:900]))
    out = io.StringIO()
    code = main(["report", str(src), "-o", str(tmp_path / "out"), "--seed", "7", "--lang", "nl",
                 "--target", "Status", "--quasi-identifiers", "Age,Home", "--sensitive", "Job"], out=out)
    assert code == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["credit_part_synthetic.csv", "credit_part_synthetic.json", "credit_part_synthetic_codebook.csv",
                     "credit_part_synthetic_report.pdf"]
    printed = out.getvalue()
    assert "Samenvatting:" in printed and "Lidmaatschapsaanval" in printed and "written:" in printed
    csv = pd.read_csv(tmp_path / "out" / "credit_part_synthetic.csv")
    assert len(csv) == 719 and "Status" in csv.columns  # 899 rows, 180 held out
    doc = json.loads((tmp_path / "out" / "credit_part_synthetic.json").read_text(encoding="utf-8"))
    ev = doc["evaluation"]
    assert ev["options"]["quasi_identifiers"] == ["Age", "Home"] and ev["options"]["sensitive"] == "Job"
    assert ev["data"]["n_holdout"] == 180 and len(doc["records"]) == 719
    text, _ = pdf_text((tmp_path / "out" / "credit_part_synthetic_report.pdf").read_bytes(), tmp_path)
    assert "Evaluatie van synthetische data" in text
    no_raw_keys(text)


def test_cli_report_all_rows_and_bad_column(tmp_path):
    src = tmp_path / "w.csv"
    src.write_bytes(b"".join((REAL / "wage.csv").read_bytes().splitlines(keepends=True)[:301]))
    out = io.StringIO()
    assert main(["report", str(src), "-o", str(tmp_path / "o"), "--all-rows", "--method", "marginal",
                 "--seed", "1"], out=out) == 0
    doc = json.loads((tmp_path / "o" / "w_synthetic.json").read_text(encoding="utf-8"))
    assert doc["evaluation"]["data"]["holdout"] is False
    assert "no holdout" in out.getvalue()
    assert main(["report", str(src), "-o", str(tmp_path / "o2"), "--target", "nope"], out=io.StringIO()) == 2
    with pytest.raises(SystemExit):
        main(["report", str(src), "-o", str(tmp_path / "o3"), "--holdout", "1.5"], out=io.StringIO())


def test_pdf_shows_the_settings_search_and_its_front_in_both_languages(tmp_path):
    """Issue 13: a synthesis with a settings search gets a section with the choice, why, the
    utility-risk front as a figure and a sentence per axis, in English and Dutch."""
    from py_engine.optimise import syn_optimised

    rng = np.random.default_rng(0)
    n = 600
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(a == "x", rng.normal(10, 2, n), rng.normal(20, 3, n)).round(1)
    df = pd.DataFrame({"a": a, "b": b, "c": rng.choice(["p", "q"], n)})
    data = load_csv(df.to_csv(index=False).encode(), "t.csv")
    train, hold, _ = split(data, 0.2, seed=3)
    res = syn_optimised(train, {"seed": 3}, {"budget": 400_000})  # the search and the DP points (reserved)
    rep = evaluate(train, res.synthetic, hold, {}, context=context("t.csv", res, hold))
    assert rep["context"]["optimisation"]["chosen"] == res.optimisation["chosen"]
    assert len(rep["context"]["optimisation"]["dp"]["points"]) == 2
    for lang in ("en", "nl"):
        s = strings(lang)
        text, _ = pdf_text(pdf_bytes(rep, lang), tmp_path, f"o-{lang}.pdf")
        flat = " ".join(text.split())
        assert s["report.section.optimisation"] in flat
        assert " ".join(s["optimise.axis_x_help"].split())[:60] in flat
        assert s[f"optimise.reason.{res.optimisation['reason']}"][:40] in flat
        # the DP runs scored after the choice are drawn on the front (triangles) and said so under it
        assert s["optimise.dp_help"].split("{")[0].strip() in flat
        assert not RAW_KEY.findall(text)


def test_pdf_says_why_a_table_with_groups_has_no_dp_points(tmp_path):
    """Issue 13: on a table whose syntheses keep groups the search makes no DP points (MST would break
    the groups); the PDF's front section says so, in English and Dutch."""
    from py_engine.optimise import syn_optimised

    rng = np.random.default_rng(1)
    school = np.repeat([f"S{i:02d}" for i in range(40)], 15)
    sector = np.repeat(rng.choice(["public", "catholic"], 40), 15)
    ses = rng.normal(0, 1, len(school)).round(2)
    df = pd.DataFrame({"school": school, "sector": sector, "ses": ses,
                       "score": (np.where(sector == "public", 10, 12) + 2 * ses + rng.normal(0, 1, len(school))).round(1)})
    data = load_csv(df.to_csv(index=False).encode(), "schools.csv")
    train, hold, _ = split(data, 0.2, seed=3)
    res = syn_optimised(train, {"seed": 3}, {"budget": 300_000})
    assert res.optimisation["dp"]["skipped"] == "groups"
    rep = evaluate(train, res.synthetic, hold, {}, context=context("schools.csv", res, hold))
    for lang in ("en", "nl"):
        s = strings(lang)
        text, _ = pdf_text(pdf_bytes(rep, lang), tmp_path, f"g-{lang}.pdf")
        flat = " ".join(text.split())
        said = s["optimise.dp_skipped"].replace("{reason}", s["optimise.dp_skipped.groups"])
        assert " ".join(said.split())[:80] in flat
        assert not RAW_KEY.findall(text)
