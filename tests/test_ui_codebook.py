"""The codebook download in the page (issue 14 section 4), in English and Dutch: one row per input
column, the header and words in the page's language, levels and ranges exactly those of the
synthetic data the page made (never a real-only value), the missing code, the left-out identifier."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from conftest import wait_ready
from uihelp import download, drop_file, settle, text, wait_step

ROWS = 150
CSV = ("pupil_id,school,grade,income\n" + "".join(
    f"P{i:04d},S{i % 6},{'rare' if i == 5 else 'ab'[i % 2]},{-9 if i % 10 == 0 else 1000 + 37 * i}\n"
    for i in range(ROWS))).encode()


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_codebook_download(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    drop_file(page, name="pupils.csv", data=CSV)
    settle(page)
    field = page.locator("[data-key='codes:income']")
    field.fill("-9")
    field.press("Enter")
    settle(page)
    page.click("[data-goto=settings]")
    page.check("#method-marginal")
    page.click("#generate")
    wait_step(page, "result")
    assert page.text_content("#dl-codebook") == text(lang, "result.codebook")
    name, data = download(page, "#dl-codebook")
    assert name.startswith("pupils_synthetic_") and name.endswith("_codebook.csv")
    assert data.startswith("\ufeff".encode())
    sep = "," if lang == "en" else ";"
    rows = {r[0]: r for r in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep)}
    head = rows.pop(text(lang, "codebook.col.name"))
    assert head[3] == text(lang, "codebook.col.values") and head[4] == text(lang, "codebook.col.missing")
    assert set(rows) == {"pupil_id", "school", "grade", "income"}
    assert rows["pupil_id"][2] == text(lang, "codebook.excluded", reason=text(lang, "codebook.reason.identifier"))
    assert rows["grade"][1] == text(lang, "type.categorical") and rows["grade"][2] == text(lang, "codebook.included")
    # the synthetic file the page made: the codebook's levels and range are exactly its own
    _, syn_bytes = download(page, "#dl-csv-standard")
    syn = pd.read_csv(io.BytesIO(syn_bytes), dtype=str, keep_default_na=False)
    counts = syn["grade"].value_counts()
    listed = "; ".join(f"{lv} ({counts[lv]})" for lv in ["ab"[0], "ab"[1], "rare"] if lv in counts)
    assert rows["grade"][3] == text(lang, "codebook.levels", n=str(len(counts)), levels=listed)
    if "rare" not in counts:
        assert "rare" not in data.decode("utf-8-sig")
    inc = syn["income"][syn["income"] != "-9"].astype(int)
    assert rows["income"][3] == text(lang, "codebook.range", min=str(inc.min()), max=str(inc.max()))
    n_miss = int((syn["income"] == "-9").sum())
    if n_miss:
        assert rows["income"][4].endswith(f": -9 ({n_miss})")
    else:
        assert rows["income"][4] == text(lang, "codebook.missing_none")
