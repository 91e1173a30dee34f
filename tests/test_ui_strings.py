"""Static checks of the page and its strings (no browser): every string the page, the engine errors,
warnings and notes use exists in Dutch and English with the same placeholders; the page keeps to its
Content-Security-Policy (no inline styles, scripts or handlers) and loads nothing from elsewhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
LOCALES = ROOT / "py_engine" / "locales"
PY = sorted((ROOT / "py_engine").rglob("*.py"))
JS = sorted((WEB / "js").glob("*.js"))

# strings that are the same in both languages on purpose (names, formats, abbreviations)
SAME_IN_BOTH = {"app.title", "encoding.utf-8", "encoding.utf-16", "encoding.latin-1", "delimiter.tab", "col.type",
                "codebook.col.type"}
# the report's technical words and formats (report/ owner)
SAME_IN_BOTH |= {"report.col.score", "report.col.type", "report.fact.engine",
                 "report.figure.membership", "report.measure.spearman", "report.parameters", "report.term.per_sd",
                 "report.col.overlap"}
# the front's legend entry for the DP points: a method name and a formula, the same in Dutch
SAME_IN_BOTH |= {"optimise.legend.dp"}


def load(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


EN, NL = load("en"), load("nl")


def placeholders(s: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", s))


def test_both_languages_have_every_key_with_the_same_placeholders():
    assert set(EN) == set(NL), f"only in one language: {sorted(set(EN) ^ set(NL))}"
    bad = [k for k in EN if placeholders(EN[k]) != placeholders(NL[k])]
    assert bad == [], bad
    empty = [k for k in EN if not EN[k].strip() or not NL[k].strip()]
    assert empty == []


def test_the_files_keep_their_format():
    for lang in ("en", "nl"):
        raw = (LOCALES / f"{lang}.json").read_text(encoding="utf-8")
        assert raw == json.dumps(json.loads(raw), indent=1, ensure_ascii=False, sort_keys=True) + "\n", lang


def test_dutch_is_translated():
    same = sorted(k for k in EN if EN[k] == NL[k] and k not in SAME_IN_BOTH)
    assert same == [], "the same text in both languages: a forgotten translation?"


def page_keys() -> set[str]:
    keys = set()
    html = (WEB / "index.html").read_text(encoding="utf-8")
    keys |= set(re.findall(r'data-i18n="([\w.-]+)"', html))
    for attr in re.findall(r'data-i18n-attr="([^"]+)"', html):
        keys |= {pair.split(":")[1] for pair in attr.split(";")}
    for js in JS:
        # literal keys; t("type." + x) gives the prefix "type.", checked in the next test
        keys |= {k for k in re.findall(r'\bt\(\s*"([\w.-]+)"', js.read_text(encoding="utf-8")) if not k.endswith(".")}
        keys |= {"errors." + k for k in re.findall(r'code: "([\w.]+)"', js.read_text(encoding="utf-8"))}
    return keys


def test_every_key_the_page_uses_exists():
    keys = page_keys()
    assert len(keys) > 100
    assert sorted(k for k in keys if k not in EN) == []


def test_key_families_the_page_builds_exist():
    from py_engine.reading import DELIMITERS, ENCODINGS
    from py_engine.schema import TYPES
    from py_engine.synthesis import METHODS

    need = [f"type.{t}" for t in TYPES] + [f"method.{m}" for m in METHODS] + [f"method.{m}_desc" for m in METHODS]
    need += [f"encoding.{e}" for e in ENCODINGS] + ["delimiter." + n for n in ("comma", "semicolon", "tab", "pipe")]
    need += [f"reason.{r}" for r in ("identifier", "free_text", "all_missing", "user")]
    need += [f"missing.{m}" for m in ("synthesise", "drop", "impute")] + [f"missing.{m}_desc" for m in ("synthesise", "drop", "impute")]
    assert len(DELIMITERS) == 4
    assert [k for k in need if k not in EN] == []


def engine_codes(pattern: str) -> set[str]:
    out = set()
    for p in PY:
        out |= set(re.findall(pattern, p.read_text(encoding="utf-8")))
    return out


def test_every_engine_error_warning_and_note_has_its_strings():
    from py_engine.reading import _magic_kind  # noqa: F401 - the not_csv_<kind> family

    errors = engine_codes(r'EngineError\(\s*"([\w.]+)"') - {"read.not_csv_"}
    errors |= {f"read.not_csv_{k}" for k in ("excel", "zip", "gzip", "parquet", "pdf", "image")} | {"cancelled"}
    warnings = engine_codes(r'"code": "([\w.]+)"') - {"code"}
    notes = engine_codes(r'\bnote\(\s*"(\w+)"')
    assert len(errors) > 30 and warnings and notes
    missing = [f"errors.{c}" for c in errors if f"errors.{c}" not in EN]
    missing += [f"warnings.{c}" for c in warnings if f"warnings.{c}" not in EN]
    missing += [f"notes.{c}" for c in notes if f"notes.{c}" not in EN]
    assert sorted(missing) == []


@pytest.mark.parametrize("path", [WEB / "index.html", *JS, *sorted((WEB / "css").glob("*.css"))], ids=lambda p: p.name)
def test_page_keeps_to_its_content_security_policy(path):
    src = path.read_text(encoding="utf-8")
    assert not re.search(r"https?://", src.replace("http://www.w3.org", "")), "nothing from another origin"
    if path.suffix == ".html":
        assert not re.search(r"\sstyle\s*=", src), "style attributes are blocked by style-src 'self'"
        assert not re.search(r"\son[a-z]+\s*=", src), "inline handlers are blocked by script-src 'self'"
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", src)), "inline scripts are blocked"
    if path.suffix == ".js":
        for bad in ("innerHTML", "outerHTML", "eval(", "new Function", "setAttribute(\"style\"", ".style.", "insertAdjacentHTML"):
            if path.name == "worker.js" and bad == "new Function":
                continue  # the worker's check whether its CSP allows eval (it must, for Pyodide)
            assert bad not in src, f"{path.name} uses {bad}"


def test_every_grouped_note_has_its_strings():
    from py_engine.notes import GROUPED

    assert [c for c in GROUPED if f"notes.grouped.{c}" not in EN or f"notes.{c}" not in EN] == []
    assert all(placeholders(EN[f"notes.grouped.{c}"]) == {"count", "columns"} for c in GROUPED)


# issue 14: one Dutch term for each idea. The other spellings that were in use, found in the words of
# the Dutch strings (placeholders such as {seed} left out): the choice is on the right.
DUTCH_TERMS = {
    r"\bseeds?\b": "startwaarde(n)",
    r"\b(een|twee)weg-": "eenwegs- / tweewegs- (S_pMSE, variantieanalyse)",
    r"\btweeweg\b": "tweewegs-",
}


@pytest.mark.parametrize("pattern", sorted(DUTCH_TERMS))
def test_dutch_uses_one_term_for_each_idea(pattern):
    words = {k: re.sub(r"\{\w+\}", "", v) for k, v in NL.items()}
    other = sorted(k for k, v in words.items() if re.search(pattern, v, re.IGNORECASE))
    assert other == [], f"use {DUTCH_TERMS[pattern]}: {other}"


def test_dutch_terms_chosen_are_the_ones_used():
    text = " ".join(NL.values())
    assert text.count("startwaarde") >= 10 and text.count("tweewegs-S_pMSE") >= 5
    assert NL["settings.seed"] == "Startwaarde" and NL["report.fact.seed"] == "Startwaarde"


def test_the_page_knows_the_engines_column_limit():
    from py_engine.synthesis import MAX_COLUMNS

    js = (WEB / "js" / "settings.js").read_text(encoding="utf-8")
    assert re.search(r"MAX_SYNTH_COLUMNS = (\d+);", js).group(1) == str(MAX_COLUMNS)
