"""The command line: python -m py_engine synth ..."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
from helpers_engine import REAL

from py_engine.cli import main

ROOT = REAL.parent.parent.parent


def run(args, capsys=None):
    out = io.StringIO()
    code = main([str(a) for a in args], out=out)
    return code, out.getvalue()


def test_synth_writes_csv_json_and_prints_schema_notes_time(tmp_path):
    out, js = tmp_path / "syn.csv", tmp_path / "syn.json"
    code, text = run(["synth", REAL / "credit.csv", "-o", out, "--rows", 250, "--seed", 4, "--json", js,
                      "--minbucket", 10, "--smoothing", "density"])
    assert code == 0
    assert "Income" in text and "numeric" in text and "381" in text  # the schema table
    assert "seed 4" in text and "minbucket 10" in text and "time:" in text
    df = pd.read_csv(out)
    assert list(df.columns) == pd.read_csv(REAL / "credit.csv", nrows=1).columns.tolist() and len(df) == 250
    doc = json.loads(js.read_text())
    assert doc["seed"] == 4 and doc["settings"]["minbucket"] == 10 and len(doc["records"]) == 250
    code2, _ = run(["synth", REAL / "credit.csv", "-o", tmp_path / "again.csv", "--rows", 250, "--seed", 4,
                    "--minbucket", 10, "--smoothing", "density"])
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


def test_options_reach_the_engine(tmp_path):
    out = tmp_path / "s.csv"
    code, text = run(["synth", REAL / "wage.csv", "-o", out, "--seed", 1, "--visit-sequence", "wage,age",
                      "--exclude", "race", "--type", "year=categorical", "--missing", "drop", "--method", "cart"])
    assert code == 0
    assert "visit sequence: wage, age, year" in text
    df = pd.read_csv(out)
    assert "race" not in df.columns and "wage" in df.columns


def test_missing_codes_option(tmp_path):
    src = tmp_path / "in.csv"
    df = pd.read_csv(REAL / "wage.csv")
    df.loc[df.index % 7 == 0, "age"] = -8
    df.to_csv(src, index=False)
    out = tmp_path / "s.csv"
    code, text = run(["synth", src, "-o", out, "--seed", 2, "--missing-codes", "age=-8"])
    assert code == 0 and "[missing codes: -8]" in text
    syn = pd.read_csv(out, dtype=str)
    assert (syn["age"] == "-8").mean() > 0.08


def test_marginal_model_out_edit_in(tmp_path):
    model, out = tmp_path / "model.json", tmp_path / "s.csv"
    code, _ = run(["synth", REAL / "wage.csv", "-o", out, "--method", "marginal", "--seed", 1, "--model-out", model])
    assert code == 0
    m = json.loads(model.read_text())
    race = next(v for v in m["vars"] if v["name"] == "race")
    race["distribution"]["parameters"]["probs"] = [1.0] + [0.0] * (len(race["distribution"]["parameters"]["probs"]) - 1)
    model.write_text(json.dumps(m))
    out2 = tmp_path / "s2.csv"
    code, text = run(["synth", "-o", out2, "--method", "marginal", "--model-in", model, "--rows", 100, "--seed", 3])
    assert code == 0 and "no real data used" in text
    df = pd.read_csv(out2)
    assert len(df) == 100 and df["race"].nunique() == 1


def test_errors_print_message_and_exit_2(tmp_path, capsys):
    code, _ = run(["synth", tmp_path / "missing.csv", "-o", tmp_path / "o.csv"])
    assert code == 2 and "File not found" in capsys.readouterr().err
    code, _ = run(["synth", REAL / "wage.csv", "-o", tmp_path / "o.csv", "--exclude", "nope"])
    assert code == 2 and "nope" in capsys.readouterr().err
    code, _ = run(["synth", REAL / "wage.csv", "-o", tmp_path / "o.csv", "--visit-sequence", "x"])
    assert code == 2 and "'x'" in capsys.readouterr().err
    code, _ = run(["synth", REAL / "wage.csv", "-o", tmp_path / "o.csv", "--missing-codes", "age"])
    assert code == 2 and "column=codes" in capsys.readouterr().err  # not a number: no code for all columns
    code, _ = run(["synth", "-o", tmp_path / "o.csv", "--model-in", tmp_path / "m.json"])
    assert code == 2 and "marginal" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path):
    out = tmp_path / "s.csv"
    p = subprocess.run([sys.executable, "-m", "py_engine", "synth", str(REAL / "wage.csv"), "-o", str(out),
                        "--rows", "20", "--seed", "1", "--method", "gc"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert len(pd.read_csv(out)) == 20 and "time:" in p.stdout
    p = subprocess.run([sys.executable, "-m", "py_engine", "synth", str(REAL / "wage.csv"), "-o", str(out),
                        "--method", "nope"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2


def test_missing_codes_for_all_numeric_columns(tmp_path):
    """--missing-codes -9 without a column name: -9 is a code in every numeric column that has it,
    and the suggestions say so first."""
    src = tmp_path / "in.csv"
    df = pd.read_csv(REAL / "wage.csv").head(600)
    df.loc[df.index % 9 == 0, "age"] = -9
    df.loc[df.index % 11 == 0, "wage"] = -9
    df.to_csv(src, index=False)
    code, text = run(["synth", src, "-o", tmp_path / "a.csv", "--seed", 2, "--rows", 300])
    assert code == 0 and "suggestions:" in text
    assert "- age: -9 (67 rows) lies far below all other values" in text
    assert "--missing-codes -9 declares it for every numeric column" in text
    out = tmp_path / "s.csv"
    code, text = run(["synth", src, "-o", out, "--seed", 2, "--rows", 300, "--missing-codes", "-9",
                      "--missing-codes", "year=2003"])
    assert code == 0
    table = {ln.split()[0]: ln for ln in text.splitlines()[1:12] if ln.strip()}
    assert "[missing codes: -9]" in table["age"] and "[missing codes: -9]" in table["wage"]
    assert "[missing codes: 2003]" in table["year"] and "missing codes" not in table["maritl"]
    syn = pd.read_csv(out, dtype=str)
    ages = pd.to_numeric(syn["age"])
    assert (ages == -9).mean() > 0.05 and ages[ages != -9].min() >= 18  # codes kept as codes, never smoothed


def test_cli_optimise_prints_choice_and_records_it(tmp_path):
    import json as _json

    import numpy as _np
    import pandas as _pd

    from py_engine.cli import main

    rng = _np.random.default_rng(0)
    n = 400
    a = rng.choice(["x", "y"], n)
    df = _pd.DataFrame({"a": a, "b": _np.where(a == "x", rng.normal(5, 1, n), rng.normal(9, 1, n)).round(2),
                        "c": rng.choice(["p", "q", "r"], n)})
    src = tmp_path / "t.csv"
    df.to_csv(src, index=False)
    import io

    out = io.StringIO()
    rc = main(["synth", str(src), "-o", str(tmp_path / "s.csv"), "--seed", "1", "--optimise", "--budget", "30000",
               "--criterion", "risk", "--json", str(tmp_path / "s.json")], out=out)
    assert rc == 0
    assert "optimise: chose" in out.getvalue()
    doc = _json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert doc["optimisation"]["options"]["criterion"] == "risk"
    assert doc["optimisation"]["spent"] <= 30000
