"""Strings in Dutch and English: one JSON file per language in py_engine/locales/.

The same files are copied into the site (i18n/<lang>.json) and used by the page, so every string the
user reads -- page, engine errors, PDF report -- lives in one place per language.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("en", "nl")


@cache
def strings(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        lang = "en"
    text = resources.files("py_engine").joinpath("locales", f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(text)


def translate(key: str, lang: str = "en", **params) -> str:
    """The string for `key` in `lang` (English if missing there), with {placeholders} filled in."""
    text = strings(lang).get(key)
    if text is None:
        text = strings("en").get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
