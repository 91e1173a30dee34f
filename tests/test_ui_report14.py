"""Issue 14 sections 1 and 2 in the page's report, in English and Dutch, through the real flow (drop a
crafted CSV, settings, Generate, Evaluate): a collinear design (a column that is another minus a
constant) has its aliased term dropped and named in the combined fit and the CI-overlap regression,
with no absurd figure; a degenerate fit says so instead of figures; a table of 31 columns stays inside
the page (wide content scrolls in its own box); category pairs never seen in the real data far above
the holdout's rate lower the utility verdict and are named; the CAP family, isolated records copied
closely (counts and a scatter plot, no records) and the one-way S_pMSE per column next to KS/TV."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import wait_ready
from uihelp import drop_file, locale, settle, shot, text, wait_step

NUM = r"[<−\-\d][\d.,\u00a0\u202f−\-<% ]*?"  # a figure as the page formats it (either language)


def wide_csv(n: int = 150, fill: int = 28, seed: int = 1) -> bytes:
    """31 columns: sex, city (8 levels), zone = city or the next one (16 of the 64 pairs occur, so
    independent marginals make most rows hold an unseen pair) and 28 independent integers 1-5."""
    rng = np.random.default_rng(seed)
    lines = [",".join(["sex", "city", "zone"] + [f"q{i:02d}" for i in range(1, fill + 1)])]
    for _ in range(n):
        city = int(rng.integers(0, 8))
        row = ["MF"[int(rng.integers(0, 2))], f"C{city}", f"Z{(city + int(rng.integers(0, 2))) % 8}"]
        lines.append(",".join(row + [str(int(rng.integers(1, 6))) for _ in range(fill)]))
    return ("\n".join(lines) + "\n").encode()


def collinear_csv(n: int = 200, seed: int = 3) -> bytes:
    """age_c = age - 40: aliased with age and the intercept in a regression of income."""
    rng = np.random.default_rng(seed)
    lines = ["age,age_c,region,sex,income"]
    for _ in range(n):
        age = int(rng.integers(18, 66))
        lines.append(f"{age},{age - 40},R{int(rng.integers(0, 4))},{'MF'[int(rng.integers(0, 2))]},"
                     f"{int(1500 + 40 * age + rng.normal(0, 300))}")
    return ("\n".join(lines) + "\n").encode()


def degenerate_csv(n: int = 80, seed: int = 2) -> bytes:
    """score on a constant: the real fit has the intercept only."""
    rng = np.random.default_rng(seed)
    return ("\n".join(["flag,score"] + [f"5,{rng.normal(50, 10):.1f}" for _ in range(n)]) + "\n").encode()


def source(lang: str, key: str, **fixed) -> str:
    """The locale string as a regex: the given placeholders exact, the others any figure."""
    parts = re.split(r"(\{\w+\})", locale(lang)[key])
    out = []
    for p in parts:
        m = re.fullmatch(r"\{(\w+)\}", p)
        if not m:
            out.append(re.escape(p))
        elif m.group(1) in fixed:
            out.append(re.escape(str(fixed[m.group(1)])))
        else:
            out.append(f"(?P<{m.group(1)}>{NUM})")
    return "".join(out)


def pattern(lang: str, key: str, **fixed) -> re.Pattern:
    return re.compile(source(lang, key, **fixed))


def figure(lang: str, s: str) -> float:
    """A figure the page printed (toLocaleString) as a float."""
    s = s.strip().rstrip("%").replace("\u00a0", "").replace("\u202f", "").replace("−", "-").strip()
    s = s.replace(",", "") if lang == "en" else s.replace(".", "").replace(",", ".")
    return float(s)


def to_report(page, csv: bytes, name: str, method: str, target: str | None = None, sensitive: str | None = None,
              qi: tuple[str, ...] = ()) -> None:
    drop_file(page, name=name, data=csv)
    settle(page)
    page.click("#to-settings")
    page.check(f"#method-{method}")
    assert page.is_checked("#holdout")  # the natural rates need the holdout
    page.click("#generate")
    wait_step(page, "result")
    if target:
        page.select_option("#ev-target", target)
    if sensitive:
        page.select_option("#ev-sensitive", sensitive)
    for col in qi:
        page.check(f"#evaluation label:text-is('{col}')")
    page.click("#evaluate")
    page.wait_for_function("() => document.querySelector('.ev-summary') !== null || "
                           "!document.querySelector('#ev-message').hidden", timeout=300_000)
    assert page.is_hidden("#ev-message"), page.text_content("#ev-message")


def verdict(page, aspect: str) -> tuple[str, str]:
    sel = f".verdict[data-aspect={aspect}]"
    return page.get_attribute(sel, "data-level"), page.text_content(f"{sel} .verdict-text")


def big_figures(lang: str, s: str) -> list[str]:
    """Figures in the text with |x| > 1e6."""
    out = []
    for tok in re.findall(r"\d[\d.,]*\d|\d", s):
        try:
            if abs(figure(lang, tok)) > 1e6:
                out.append(tok)
        except ValueError:
            pass
    return out


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_wide_table_combinations_cap_isolated_one_way(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    to_report(page, wide_csv(), "wide.csv", "marginal", sensitive="zone", qi=("sex", "city"))
    # unseen pairs (independent marginals break city-zone) lower the utility verdict and are named
    level, said = verdict(page, "utility")
    assert level == "poor", said
    m = re.fullmatch(source(lang, "verdict.utility.poor") + " "
                     + source(lang, "report.lowered_by_combinations", pairs="city × zone"), said)
    assert m, said
    assert figure(lang, m["percent"]) > figure(lang, m["natural"]) + 30
    # the CAP family and isolated records in the summary
    assert verdict(page, "cap")[0] in ("low", "moderate", "high")
    level, said = verdict(page, "isolated")
    assert level in ("low", "moderate", "high") and pattern(lang, f"verdict.isolated.{level}").fullmatch(said), said
    for sid in ("columns", "pairs", "combinations", "analysis", "structure", "disclosure", "utility"):
        page.click(f"#ev-{sid} > summary")
    # one-way S_pMSE per column next to its KS/TV score
    notes = page.eval_on_selector_all("#ev-columns .ev-column p.muted", "ps => ps.map(p => p.textContent)")
    assert len(notes) == 31
    one_way = re.escape(text(lang, "report.col.one_way"))
    for n in notes:
        m = re.search(rf"\((KS|TV)\) · {one_way} ({NUM}) ·", n)
        assert m and m.group(2).strip() != "–", n
    assert any("(TV)" in n for n in notes) and any("(KS)" in n for n in notes)
    # the CAP family: BaseCAP, CAPo, CAPs, hCAPs and the normalised figure with the holdout
    dis = page.locator("#ev-disclosure")
    assert text(lang, "report.cap_keys", keys="sex, city", target="zone") in dis.text_content()
    cap_rows = dict(page.eval_on_selector_all(
        "#ev-disclosure table", "ts => ts.flatMap(t => [...t.querySelectorAll('tbody tr')].map(r => "
        "[r.cells[0].textContent, r.cells[r.cells.length - 1].textContent]))"))
    for k in ("BaseCAP", "CAPo", "CAPs", "hCAPs"):
        assert 0 <= figure(lang, cap_rows[k]) <= 1, (k, cap_rows)
    assert pattern(lang, "report.cap_normalised_holdout").fullmatch(page.text_content("#ev-cap-norm"))
    # isolated records copied closely: counts and a scatter plot of distances, no record
    iso = pattern(lang, "report.isolated_result").fullmatch(page.text_content("#ev-isolated"))
    assert iso and figure(lang, iso["examined"]) >= 100 and figure(lang, iso["outliers"]) >= 1, iso
    assert figure(lang, iso["copied"]) <= figure(lang, iso["outliers"])
    scatter = page.locator("#ev-disclosure svg.ev-scatter")
    assert scatter.get_attribute("aria-label") == text(lang, "report.isolated_plot")
    assert scatter.locator("circle").count() >= 1 and scatter.locator("title").count() == 0
    after_iso = page.evaluate("() => { const p = document.querySelector('#ev-isolated'); let n = p, k = 0; "
                              "while ((n = n.nextElementSibling) && n.tagName !== 'H4') if (n.querySelector('table') || "
                              "n.tagName === 'TABLE') k++; return k; }")
    assert after_iso == 0  # no table of records beside the counts
    # the roles paragraph does not call the suggestions "used" when the options chose others
    roles = page.text_content("#ev-roles")
    assert roles.startswith(locale(lang)["report.roles_suggested_chosen"].split("{")[0]), roles
    assert roles.endswith(locale(lang)["report.roles_suggested_chosen"].split("}")[-1]), roles
    # wide tables stay inside their frame: the page never scrolls sideways, the tables do
    for det in page.locator("#ev-pairs details.ev-values").all():
        det.locator("summary").click()
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    wraps = page.eval_on_selector_all(
        "#ev-pairs details.ev-values .table-wrap",
        "ws => ws.map(w => [w.scrollWidth > w.clientWidth, getComputedStyle(w).overflowX])")
    assert len(wraps) == 4 and all(wide and ov in ("auto", "scroll") for wide, ov in wraps), wraps
    heat = page.eval_on_selector_all("#ev-pairs svg.ev-heat", "ss => ss.map(s => s.parentElement.getBoundingClientRect().right "
                                     "- document.documentElement.clientWidth)")
    assert len(heat) == 4 and max(heat) <= 0, heat
    shot(page, f"report14-{lang}-wide")
    assert not [c for c in page.recorder.console if c.startswith("pageerror")]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_collinear_design_drops_and_names_the_aliased_term(new_page, lang):
    page = new_page(lang=lang)
    wait_ready(page)
    to_report(page, collinear_csv(), "collinear.csv", "cart", target="income")
    page.click("#ev-analysis > summary")
    # the aliased term is dropped and named in the combined fit and in the CI-overlap regression
    assert page.text_content("#ev-fit-aliased") == text(
        lang, "report.fit_aliased", terms=text(lang, "report.term.per_unit", column="age_c"))
    assert page.text_content("#ev-ci-aliased") == text(
        lang, "report.fit_aliased", terms=text(lang, "report.term.per_sd", column="age_c"))
    analysis = page.text_content("#ev-analysis")
    assert big_figures(lang, analysis) == [], big_figures(lang, analysis)
    mean = pattern(lang, "report.fit_means").fullmatch(page.text_content("#ev-fit-means"))
    assert mean and 0 <= figure(lang, mean["overlap"]) <= 1, page.text_content("#ev-fit-means")
    terms = page.eval_on_selector_all("#ev-analysis table tbody th", "ths => ths.map(t => t.textContent)")
    assert text(lang, "report.term.per_unit", column="age") in terms
    assert not any("age_c" in t for t in terms), terms
    shot(page, f"report14-{lang}-collinear")
    assert not [c for c in page.recorder.console if c.startswith("pageerror")]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_degenerate_fit_says_so(new_page, lang):
    """The only predictor is constant: the fit says it is degenerate instead of printing figures."""
    page = new_page(lang=lang)
    wait_ready(page)
    to_report(page, degenerate_csv(), "degenerate.csv", "marginal", target="score")
    level, said = verdict(page, "fit")
    assert level == "unknown"
    assert said == text(lang, "verdict.fit.unknown") + " " + text(lang, "metrics.reason.degenerate_fit", detail="")
    page.click("#ev-analysis > summary")
    assert page.text_content("#ev-fit-degenerate") == text(lang, "report.fit_degenerate")
    assert page.locator("#ev-fit-means").count() == 0 and page.locator("#ev-fit-plot").count() == 0
    assert not [c for c in page.recorder.console if c.startswith("pageerror")]
