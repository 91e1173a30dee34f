"""Words and numbers of the report in the reader's language (locale keys, decimal comma in Dutch).

Every sentence the PDF shows is a key in py_engine/locales/<lang>.json; this module fills them in and
writes numbers the way the language writes them (en: 48,842 and 0.87; nl: 48.842 en 0,87).
"""

from __future__ import annotations

import math

from ..i18n import LANGUAGES, translate


def _swap(s: str) -> str:
    """1,234.5 -> 1.234,5"""
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class Words:
    """The strings and number formats of one language."""

    def __init__(self, lang: str = "en"):
        self.lang = lang if lang in LANGUAGES else "en"

    def t(self, key: str, **params) -> str:
        return translate(key, self.lang, **{k: self.param(v) for k, v in params.items()})

    def param(self, v):
        if isinstance(v, bool) or v is None:
            return self.t("report.yes" if v else "report.no") if isinstance(v, bool) else "–"
        if isinstance(v, float):
            return self.num(v, 3, trim=True)
        if isinstance(v, int):
            return self.int(v)
        if isinstance(v, (list, tuple)):
            return ", ".join(str(self.param(x)) for x in v)
        return v

    def _local(self, s: str) -> str:
        return _swap(s) if self.lang == "nl" else s

    def int(self, n) -> str:
        if n is None:
            return "–"
        return self._local(f"{int(n):,}")

    def num(self, x, digits: int = 2, trim: bool = False, fixed: bool = False) -> str:
        """A number with `digits` decimals (very small or large ones in 3 significant digits, unless
        `fixed`); a minus sign, not a hyphen."""
        return self._num(x, digits, trim, fixed).replace("-", "−")

    def _num(self, x, digits: int, trim: bool, fixed: bool) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        x = float(x)
        if not fixed and x != 0 and (abs(x) < 10 ** -digits or abs(x) >= 1e7):
            s = f"{x:.3g}"
            mant, _, exp = s.partition("e")
            s = mant + ("×10" + _superscript(int(exp)) if exp else "")
            return self._local(s)
        s = f"{x:,.{digits}f}"
        if trim and "." in s:
            s = s.rstrip("0").rstrip(".")
        if s.startswith("-") and not s.strip("-0.,"):
            s = s[1:]  # -0.00 -> 0.00
        return self._local(s)

    def pct(self, share, digits: int = 1) -> str:
        """A share (0..1) as a percentage; a small share that would round to 0 as "< 0.1%"."""
        if share is None:
            return "–"
        p = 100 * float(share)
        if p != 0 and abs(p) < 0.5 * 10 ** -digits:
            return "< " + self.num(10 ** -digits, digits, fixed=True) + "%"
        return self.num(p, digits, fixed=True) + "%"

    def pct_value(self, percent, digits: int = 1) -> str:
        """A value already in percent."""
        if percent is None:
            return "–"
        return self.num(float(percent), digits) + "%"

    def ci(self, low, high, digits: int = 3, percent: bool = False) -> str:
        """A 95% confidence interval; percent: the bounds are shares shown as percentages."""
        if percent:
            return self.t("report.ci", low=self.pct(low, digits), high=self.pct(high, digits))
        return self.t("report.ci", low=self.num(low, digits), high=self.num(high, digits))

    def level(self, level: dict | None) -> str:
        """A category level of the report: {"label"}, {"missing": token} or {"other": n}."""
        if not level:
            return "–"
        if "label" in level:
            return str(level["label"])
        if "missing" in level:
            tok = level["missing"]
            return self.t("report.missing_cell") if tok in ("", None) else self.t("report.missing_code", code=tok)
        if "other" in level:
            return self.t("report.other_levels", n=self.int(level["other"]))
        if "bin" in level:
            lo, hi = level["bin"]
            return f"{self.num(lo, 2, trim=True)} – {self.num(hi, 2, trim=True)}"
        return str(level)

    def columns(self, names, limit: int = 8) -> str:
        names = list(names or [])
        if not names:
            return "–"
        if len(names) <= limit:
            return ", ".join(names)
        return ", ".join(names[:limit]) + " " + self.t("report.and_more", n=self.int(len(names) - limit))


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscript(n: int) -> str:
    return str(n).translate(_SUP)


def clip(text, n: int = 40) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def clip_middle(text, n: int = 18) -> str:
    """Shorten in the middle, keeping the end (names often differ only there: var_01, var_02)."""
    s = str(text)
    if len(s) <= n:
        return s
    tail = (n - 1) // 2
    return s[: n - 1 - tail] + "…" + s[-tail:]
