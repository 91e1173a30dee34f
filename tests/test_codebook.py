"""The codebook (py_engine/codebook.py, issue 14 section 4): per column name, type, levels or range,
missing codes and structure role, in English and Dutch; never a value only the real data hold; in
the PDF and beside the other files of `python -m py_engine report`."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from helpers_engine import load_bytes

from py_engine import codebook
from py_engine.synthesis import syn


def pupils(n=240, seed=3) -> bytes:
    """Pupils in 12 schools: an id (left out), the school key with its sector and mean SES, a grade
    with a level held by one real row ("rare"), an income with the missing code -9."""
    rng = np.random.default_rng(seed)
    sch = rng.integers(0, 12, n)
    sch[:12] = np.arange(12)
    ses = rng.normal(0, 1, n).round(2)
    sm = pd.Series(ses).groupby(sch).transform("mean").round(3).to_numpy()
    lines = ["pupil_id,school,sector,ses,school_ses,grade,income"]
    for i in range(n):
        grade = "rare" if i == 7 else ("a" if i % 3 else "b")
        inc = -9 if i % 17 == 0 else 1000 + 13 * i
        lines.append(f"P{i:04d},S{sch[i]:02d},{'public' if sch[i] % 3 == 0 else 'private'},{ses[i]},{sm[i]},"
                     f"{grade},{inc}")
    return ("\n".join(lines) + "\n").encode()


def table(doc, lang):
    data = codebook.to_csv_bytes(doc, lang)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=codebook.CSV_DELIMITER[lang]))


@pytest.fixture(scope="module")
def real():
    return load_bytes(pupils(), {"income": {"missing_codes": ["-9"]}})


def test_values_come_from_the_synthetic_data_only(real):
    # a "synthetic" set without the real rows holding the rare grade, the code -9 and the extremes
    inc = real.values["income"].to_numpy(float)
    keep = [i for i in range(real.n_rows) if real.values["grade"].iloc[i] != "rare"
            and not real.is_missing("income")[i] and inc[i] not in (np.nanmin(inc), np.nanmax(inc))]
    fake = real.take(keep)
    doc = codebook.build_from(fake)
    cols = {c["name"]: c for c in doc["columns"]}
    assert [x["label"] for x in cols["grade"]["levels"]] == ["a", "b"]  # "rare" is a real-only level
    assert cols["income"]["missing"] == {"count": 0, "rows": len(keep), "tokens": []}  # -9 absent
    lo, hi = np.nanmin(inc[keep]), np.nanmax(inc[keep])
    assert cols["income"]["range"] == {"min": str(int(lo)), "max": str(int(hi))}
    assert cols["pupil_id"]["included"] is False and cols["pupil_id"]["reason"] == "identifier"
    for lang in ("en", "nl"):
        text = codebook.to_csv_bytes(doc, lang).decode("utf-8-sig")
        assert "rare" not in text and "-9" not in text
        assert str(int(np.nanmax(inc))) not in text and str(int(np.nanmin(inc))) not in text
        assert "P0001" not in text  # no identifier value
    # the same table with every real row: the rare level and the code are there, with their counts
    full = {c["name"]: c for c in codebook.build_from(real)["columns"]}
    assert {"label": "rare", "count": 1} in full["grade"]["levels"]
    assert full["income"]["missing"]["tokens"] == [{"token": "-9", "count": 15}]


def test_structure_roles_and_both_languages(real):
    res = syn(real, {"seed": 4, "m": 2})
    doc = codebook.build(res)
    assert doc["m"] == 2 and doc["n_rows"] == 2 * real.n_rows
    en = {r[0]: r for r in table(doc, "en")}
    nl = {r[0]: r for r in table(doc, "nl")}
    assert en["Column"] == ["Column", "Type", "In the synthetic data", "Levels or range (synthetic data)",
                            "Missing values (synthetic data)", "Structure and derivation", "What synthesis did"]
    assert nl["Kolom"][:3] == ["Kolom", "Type", "In de synthetische data"]
    assert set(en) - {"Column"} == set(nl) - {"Kolom"} == set(real.schema.names)  # one row per input column
    assert en["pupil_id"][1:3] == ["identifier", "no: left out as an identifier (a different value in every row)"]
    assert nl["pupil_id"][1:3] == ["identificatie", "nee: weggelaten als identificatie (een andere waarde in elke rij)"]
    n_groups = round(np.mean([c.values["school"].nunique() for c in res.copies]))
    assert en["school"][5] == f"group key: {n_groups} groups per synthetic data set"
    assert nl["school"][5] == f"groepssleutel: {n_groups} groepen per synthetische dataset"
    assert en["sector"][5] == "attribute of the group school: the same on every row of a group"
    assert "derived: the mean of ses within school (computed, not synthesised)" in en["school_ses"][5]
    assert "afgeleid: het gemiddelde van ses binnen school" in nl["school_ses"][5]
    assert en["grade"][1] == "category" and nl["grade"][1] == "categorie"
    assert en["income"][1] == "whole number" and nl["income"][1] == "geheel getal"
    # synthetic counts over both sets; Dutch thousands and percentages
    miss = sum(int(c.is_missing("income").sum()) for c in res.copies)
    assert miss > 0
    share = 100 * miss / (2 * real.n_rows)
    assert en["income"][4] == f"{miss} of {2 * real.n_rows} cells ({share:.1f}%): -9 ({miss})"
    assert nl["income"][4] == f"{miss} van {2 * real.n_rows} cellen ({share:.1f}%): -9 ({miss})".replace(".", ",")
    assert en["income"][3].startswith("from ") and nl["income"][3].startswith("van ")
    levels = sorted(set().union(*[set(c.values["grade"].dropna().astype(str)) for c in res.copies]))
    assert en["grade"][3].startswith(f"{len(levels)} levels: ")
    assert nl["grade"][3].startswith(f"{len(levels)} categorieën: ")


def test_many_levels_list_the_most_frequent():
    rng = np.random.default_rng(1)
    labels = [f"L{i:02d}" for i in range(45)]
    weights = np.linspace(1, 3, 45)
    vals = rng.choice(labels, 900, p=weights / weights.sum())
    ds = load_bytes(("g,x\n" + "".join(f"{v},{i % 7}\n" for i, v in enumerate(vals))).encode(),
                    {"g": {"type": "categorical"}})
    doc = codebook.build_from(ds)
    g = next(c for c in doc["columns"] if c["name"] == "g")
    assert g["n_levels"] == 45 and len(g["levels"]) == codebook.MAX_LEVELS
    counts = pd.Series(vals).value_counts()
    assert min(x["count"] for x in g["levels"]) >= counts.iloc[codebook.MAX_LEVELS - 1]
    row = next(r for r in codebook.rows(doc, "en") if r[0] == "g")
    assert row[3].endswith("(the most frequent shown; 15 more)")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is needed")
def test_codebook_section_in_the_pdf_and_the_cli_file(tmp_path):
    from py_engine.cli import main

    src = tmp_path / "pupils.csv"
    src.write_bytes(pupils())
    out = io.StringIO()
    assert main(["report", str(src), "-o", str(tmp_path / "o"), "--seed", "3", "--method", "marginal",
                 "--lang", "nl", "--missing-codes", "income=-9", "--target", "ses", "--m", "2"], out=out) == 0
    cb = tmp_path / "o" / "pupils_synthetic_codebook.csv"
    assert str(cb) in out.getvalue()
    rows = {r[0]: r for r in csv.reader(io.StringIO(cb.read_text(encoding="utf-8-sig")), delimiter=";")}
    assert rows["Kolom"][0] == "Kolom" and rows["pupil_id"][2].startswith("nee: ")
    synth = pd.concat([pd.read_csv(tmp_path / "o" / f"pupils_synthetic_{k}.csv") for k in (1, 2)])
    assert rows["income"][3] == f"van {int(synth['income'][synth['income'] != -9].min())} tot en met " \
                                f"{int(synth['income'].max())}"  # over both sets
    pdf = tmp_path / "o" / "pupils_synthetic_report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    flat = " ".join(text.split())
    assert "9 Codeboek" in flat and "10 Methoden en bronnen" in flat
    assert "2 synthetische datasets, startwaarden 3, 4" in flat  # each set's seed on the title page
    assert "Categorieën, bereiken en aantallen gelden voor alle 2 synthetische datasets samen" in flat
    assert "Voor wie de synthetische data ontvangt" in flat and "weggelaten als identificatie" in flat
