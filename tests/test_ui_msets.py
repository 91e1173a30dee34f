"""m synthetic data sets in the page (issue 14 section 3), in English and Dutch: the setting (default 1,
at most 20, a clear message on bad input, off for dp), each set's seed shown, a picker for the CSV and
JSON downloads, all sets as one zip, and the evaluation's combined fit over the m sets."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import wait_ready
from uihelp import download, drop_file, settle, shot, text, wait_step

CSV = ("x,g,y\n" + "".join(f"{20 + (7 * i) % 41},{'abc'[i % 3]},{(3 * i) % 17 + (i % 3)}\n" for i in range(160))).encode()


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_m_sets_in_the_page(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    drop_file(page, name="small.csv", data=CSV)
    settle(page)
    page.click("[data-goto=settings]")
    page.check("#method-marginal")
    assert page.input_value("#m") == "1"
    assert page.text_content("#m-help") == text(lang, "settings.m_help", max="20")
    want = text(lang, "settings.m_invalid", max="20")
    for typed in ("0", "21", "2,5", "2.5", "drie", "-1", ""):
        page.fill("#m", typed)
        page.click("#generate")
        assert page.evaluate("() => window.localsynth.state.run") is None, typed
        assert page.get_attribute("#m", "aria-invalid") == "true", typed
        assert page.text_content("#m-error") == want, typed
    # dp makes one set: the field is off and says why
    page.check("#method-dp")
    assert page.is_disabled("#m") and page.text_content("#m-help") == text(lang, "settings.m_help_dp")
    page.check("#method-marginal")
    page.fill("#m", "3")
    seed = int(page.input_value("#seed"))
    page.click("#generate")
    wait_step(page, "result")
    r = page.evaluate("() => window.localsynth.state.result")
    assert r["m"] == 3 and r["seeds"] == [seed, seed + 1, seed + 2]
    assert page.text_content("#result-sets") == text(lang, "result.sets", m="3",
                                                     seeds=f"{seed}, {seed + 1}, {seed + 2}")
    options = page.eval_on_selector_all("#dl-set option", "os => os.map(o => o.textContent)")
    assert options == [text(lang, "result.set_option", set=str(k), m="3", seed=str(seed + k - 1)) for k in (1, 2, 3)]
    assert page.text_content("#dl-zip") == text(lang, "result.zip", m="3")
    shot(page, f"msets-{lang}-result")
    # one set at a time: the picker chooses which
    name1, set1 = download(page, "#dl-csv")
    page.select_option("#dl-set", "2")
    name2, set2 = download(page, "#dl-csv")
    assert "_set1" in name1 and "_set2" in name2 and set1 != set2
    # all sets in one zip, the same bytes as the single downloads
    zname, zdata = download(page, "#dl-zip")
    assert zname.endswith("_sets.zip")
    zf = zipfile.ZipFile(io.BytesIO(zdata))
    stem = zname[: -len("_sets.zip")]
    assert zf.namelist() == [f"{stem}_{k}.csv" for k in (1, 2, 3)] + [f"{stem}_sets.csv", f"{stem}_codebook.csv"]
    assert zf.read(f"{stem}_1.csv") == set1 and zf.read(f"{stem}_2.csv") == set2
    assert zf.read(f"{stem}_sets.csv").decode().splitlines()[3].startswith(f"3,{seed + 2},")
    # the evaluation combines the fit over the three sets (synthpop's compare.fit)
    page.select_option("#ev-target", "y")
    page.click("#evaluate")
    page.wait_for_function("() => document.querySelector('.ev-summary') !== null || "
                           "!document.querySelector('#ev-message').hidden", timeout=600_000)
    assert page.is_hidden("#ev-message"), page.text_content("#ev-message")
    page.click("#ev-analysis > summary")
    page.wait_for_selector("#ev-analysis #ev-fit-means", state="visible")  # drawn when it opens
    analysis = page.text_content("#ev-analysis")
    assert text(lang, "report.fit_model_linear", target="y", predictors="x, g", m="3", k=f"{r['n_rows']:,}",
                n=f"{r['train_rows']:,}") in analysis
    assert text(lang, "report.fit_single") not in analysis
    assert page.locator("#ev-fit-means").is_visible()
    # the plot: real and synthetic intervals of x and the two levels of g, on compare.fit's Z scale
    assert page.locator("#ev-fit-plot").is_visible()
    assert page.get_attribute("#ev-fit-plot", "aria-label") == text(lang, "report.fit_plot")
    assert page.locator("#ev-fit-plot circle").count() == 2 * 3 + 2  # two per term, two in the legend
    shot(page, f"msets-{lang}-fit")
