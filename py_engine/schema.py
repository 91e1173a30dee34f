"""Column schema: detect each column's type, missing values and format; let the user override them.

Types: numeric (float), integer, categorical, boolean, date, datetime, identifier (unique per row, not
to be synthesised as a category), text (free text). A column's *missing* cells are empty cells, the
NA-like tokens in `NA_TOKENS`, and the missing codes the user declares for it (synthpop's `cont.na`,
e.g. -8 or 9999); the token is kept, so a synthetic file writes the same codes back.

Detection works on a column's distinct values, so it costs little even for a million rows.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .errors import EngineError
from .reading import Dialect, RawTable

NUMERIC, INTEGER, CATEGORICAL, BOOLEAN = "numeric", "integer", "categorical", "boolean"
DATE, DATETIME, IDENTIFIER, TEXT = "date", "datetime", "identifier", "text"
TYPES = (NUMERIC, INTEGER, CATEGORICAL, BOOLEAN, DATE, DATETIME, IDENTIFIER, TEXT)
NUMBER_TYPES = (NUMERIC, INTEGER)
TIME_TYPES = (DATE, DATETIME)

# Cells that mean "missing" in any column (compared after stripping whitespace).
NA_TOKENS = ("", "NA", "N/A", "n/a", "na", "NaN", "nan", "NULL", "null", "None", "none", "?", "#N/A", "-", ".",
             "missing", "Missing")
# Two-valued columns with these labels (lower-cased) are booleans: (false, true).
BOOLEAN_PAIRS = [("false", "true"), ("no", "yes"), ("n", "y"), ("f", "t"), ("0", "1"), ("nee", "ja"),
                 ("n", "j"), ("onwaar", "waar")]
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y"]
DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
                    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]
HIGH_CARDINALITY = 60  # synthpop's maxfaclevels: above this a categorical gets special handling
_ID_NAME = re.compile(r"(^|[_\s.-])(id|nr|no|nummer|number|key|uuid|guid|bsn|ssn)$|^id[_\s]|^(id|uuid|guid|bsn|ssn|key)$",
                      re.IGNORECASE)
_NUM_POINT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_NUM_COMMA = re.compile(r"^[-+]?(\d+,?\d*|,\d+)([eE][-+]?\d+)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0\d")
# A number with a currency sign or a percent sign around it, as written: "€ 12,50", "$1,200", "12%",
# "-€ 3", "€ -3", "12,5 %", "1.234 EUR". The sign may stand before or after the prefix.
_CURRENCY = r"[€$£¥]|EUR|USD|GBP"
_AFFIXED = re.compile(r"^(?P<s1>[-+]?)(?P<pre>(?:" + _CURRENCY + r")\s?)?(?P<s2>[-+]?)"
                      r"(?P<num>\d[\d.,]*|[.,]\d+)(?P<suf>\s?(?:%|" + _CURRENCY + r"))?$")
# Integer-valued columns whose name says they name units (a school, a municipality, a code) rather
# than measure an amount. Matched on the name's words (split at non-letters and camelCase):
# a code word anywhere, a unit word as the last word, or a Dutch compound ending in a code word.
_CODE_WORDS = {"id", "nr", "nummer", "code", "cd", "key", "brin", "lea", "postcode", "zip", "zipcode",
               "gemeentecode", "brinnr", "brinnummer", "schoolnr", "schoolnummer", "schoolcode"}
_UNIT_WORDS = {"school", "gemeente", "municipality", "lea", "district", "klas", "class", "instelling",
               "vestiging", "bestuur", "wijk", "buurt", "regio", "region", "provincie", "province", "county",
               "ward", "authority", "locatie", "location", "number", "no"}
_MEASURE_WORDS = {"n", "nof", "num", "count", "aantal", "size", "grootte", "avg", "mean", "gem", "gemiddelde",
                  "pct", "percent", "perc", "per", "in", "of", "total", "totaal", "sum", "score", "rate",
                  "share", "aandeel", "min", "max", "sd"}
_CODE_SUFFIXES = ("code", "nr", "nummer", "num")
# the reasons of suggestions, each a key "suggest.<code>" in the locales
SUGGESTION_CODES = ("code_like", "code_below", "code_above", "code_spike")
CODE_LIKE_MIN_LEVELS = 10  # "many levels": fewer distinct whole numbers stay as they are
# Values that files use as missing-value codes (synthpop's cont.na; SPSS/Stata conventions).
MISSING_CODE_CANDIDATES = (-1, -2, -3, -4, -5, -6, -7, -8, -9, -97, -98, -99, -999, -9999, -99999,
                           9, 98, 99, 998, 999, 9998, 9999, 99998, 99999)


@dataclass
class ColumnSchema:
    """What is known about one column; everything the user can change is here too."""

    name: str
    type: str
    detected_type: str = ""
    exclude: bool = False
    reason: str | None = None  # why a column is excluded by default: identifier, free_text, all_missing
    missing_count: int = 0
    n_distinct: int = 0
    examples: list[str] = field(default_factory=list)
    na_tokens: list[str] = field(default_factory=list)  # missing tokens found in the column
    missing_codes: list[str] = field(default_factory=list)  # declared by the user (synthpop's cont.na)
    decimals: int | None = None  # numeric: most digits after the decimal separator as written
    min_decimals: int = 0  # numeric: fewest digits written (== decimals: 12.50 style; 0: 12.5 and 12 style)
    date_format: str | None = None  # date/datetime: strptime format of the column
    labels: list[str] | None = None  # boolean: [false label, true label] as written
    high_cardinality: bool = False
    notes: list[dict] = field(default_factory=list)  # {code, params} for the user
    # numbers written with a thousands separator, a currency or percent sign: {"prefix": "€ ",
    # "suffix": "", "thousands": ".", "sign_before_prefix": False}; None when written plainly
    number_format: dict | None = None
    shared_codes: list[str] = field(default_factory=list)  # the codes in missing_codes that came from
    # the codes declared for all numeric columns (infer_schema's all_missing_codes)
    # what detection suggests, each {kind: "type" | "missing_code", value, code, params, applied}: a
    # type (applied by default for code-like integers) or a likely missing-value code (not applied
    # until the user declares it); `code` is the reason, a key under "suggest." in the locales
    suggestions: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ColumnSchema:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class Schema:
    columns: list[ColumnSchema]
    n_rows: int = 0
    dialect: Dialect = field(default_factory=Dialect)

    def __getitem__(self, name: str) -> ColumnSchema:
        # by a name -> position index, so a look-up per column costs no scan of all columns (issue 14:
        # on 10,000 columns the scans made the work per column grow with the column count); the index
        # is checked against the list as it is now, and rebuilt when a column was added, removed,
        # renamed or replaced
        pos = self._position(name)
        if pos is None:
            raise KeyError(name)
        return self.columns[pos]

    def __contains__(self, name: str) -> bool:
        return self._position(name) is not None

    def _position(self, name: str) -> int | None:
        """The position of the first column called `name` (None: none is)."""
        idx = self.__dict__.get("_index")
        for rebuilt in (False, True):
            if rebuilt or idx is None or idx[0] is not self.columns or idx[1] != len(self.columns):
                idx = (self.columns, len(self.columns),
                       {c.name: i for i, c in reversed(list(enumerate(self.columns)))})
                self.__dict__["_index"] = idx
            pos = idx[2].get(name)
            if pos is not None and self.columns[pos].name == name:
                return pos
            if rebuilt:
                return None
        return None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def included(self) -> list[ColumnSchema]:
        return [c for c in self.columns if not c.exclude]

    def to_dict(self) -> dict:
        return {"n_rows": self.n_rows, "dialect": self.dialect.to_dict(),
                "columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, d: dict) -> Schema:
        return cls(columns=[ColumnSchema.from_dict(c) for c in d["columns"]], n_rows=d.get("n_rows", 0),
                   dialect=Dialect.from_dict(d.get("dialect")))


# --------------------------------------------------------------------------- parsing helpers

def _thousands_pattern(decimal: str) -> re.Pattern:
    """Whole groups of three digits with the other separator: 1.234.567,89 or 1,234.5 (not 0.123)."""
    sep, dec = re.escape(thousands_separator(decimal)), re.escape(decimal)
    return re.compile(rf"^[-+]?[1-9]\d{{0,2}}({sep}\d{{3}})+({dec}\d+)?$")


def thousands_separator(decimal: str) -> str:
    return "." if decimal == "," else ","


def number_part(strings, fmt: dict | None = None) -> pd.Series:
    """The number in each string without its currency or percent sign ("€ -12,50" -> "-12,50");
    strings with another sign, or none that fits, are returned as they are."""
    s = pd.Series(np.asarray(strings, dtype=object), dtype=object).astype(str)
    if not fmt or not (fmt.get("prefix") or fmt.get("suffix")):
        return s
    m = s.str.extract(_AFFIXED)
    pre, suf = m["pre"].fillna("").str.strip(), m["suf"].fillna("").str.strip()
    s1, s2 = m["s1"].fillna(""), m["s2"].fillna("")
    good = (m["num"].notna() & pre.isin(["", fmt.get("prefix", "").strip()])
            & suf.isin(["", fmt.get("suffix", "").strip()]) & ~((s1 != "") & (s2 != "")))
    return (s1 + s2 + m["num"].fillna("")).where(good, s)


def parse_numbers(strings: pd.Series | np.ndarray, decimal: str = ".",
                  fmt: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers written with `decimal` as separator. Returns (values, ok) with NaN where not ok.

    Whole groups of three digits with the other separator are thousands ("1.234,56" with a decimal
    comma, "1,234.56" with a decimal point). With a column's `fmt` (see `number_format_of`), its
    currency or percent sign is taken off first ("€ 12,50" -> 12.5, "12%" -> 12: percent points).
    """
    s = number_part(strings, fmt)
    grouped = s.str.match(_thousands_pattern(decimal))
    if grouped.any():
        s = s.where(~grouped, s.str.replace(thousands_separator(decimal), "", regex=False))
    if decimal == ",":
        ok = s.str.match(_NUM_COMMA)
        s = s.str.replace(",", ".", regex=False)
    else:
        ok = s.str.match(_NUM_POINT)
    vals = pd.to_numeric(s.where(ok, None), errors="coerce").to_numpy(dtype=float)
    ok = ok.to_numpy(dtype=bool) & np.isfinite(vals)
    vals[~ok] = np.nan
    return vals, ok


def number_format_of(strings, decimal: str = ".") -> dict | None:
    """How a column writes numbers with a currency or percent sign, if every value is such a number:
    {"prefix": "€ ", "suffix": "", "sign_before_prefix": bool} (the most common spelling, spaces as
    written), or None. One sign per column: "€ 12" and "12 %" together are no format."""
    s = pd.Series(np.asarray(strings, dtype=object), dtype=object).astype(str)
    if len(s) == 0 or not s.head(50).str.match(_AFFIXED).all():
        return None
    m = s.str.extract(_AFFIXED)
    if m["num"].isna().any():
        return None
    pre, suf = m["pre"].fillna(""), m["suf"].fillna("")
    kinds_pre, kinds_suf = set(pre.str.strip()) - {""}, set(suf.str.strip()) - {""}
    if len(kinds_pre) + len(kinds_suf) != 1:
        return None  # none (a plain column) or more than one sign
    fmt = {"prefix": "", "suffix": ""}
    if kinds_pre:
        fmt["prefix"] = pre[pre != ""].value_counts().index[0]
        neg1, neg2 = (m["s1"] == "-").sum(), (m["s2"] == "-").sum()
        fmt["sign_before_prefix"] = bool(neg1 >= neg2)
    else:
        fmt["suffix"] = suf[suf != ""].value_counts().index[0]
    return fmt


def thousands_used(plain: pd.Series, vals: np.ndarray, decimal: str) -> str:
    """The thousands separator when at least half the values of 1000 or more are written with one."""
    big = np.abs(np.nan_to_num(vals)) >= 1000
    if not big.any():
        return ""
    grouped = plain.str.match(_thousands_pattern(decimal)).to_numpy(dtype=bool)
    return thousands_separator(decimal) if 2 * grouped[big].sum() >= big.sum() else ""


def read_numbers(strings, decimal: str = ".") -> tuple[np.ndarray, np.ndarray, dict | None, pd.Series]:
    """(values, ok, number_format, number strings) of a column's distinct strings: plain numbers,
    or, where those do not all parse, numbers with a currency or percent sign. The format is None
    for plainly written numbers without thousands separators."""
    vals, ok = parse_numbers(strings, decimal)
    fmt = None
    if not ok.all():
        f = number_format_of(strings, decimal)
        if f is not None:
            v2, ok2 = parse_numbers(strings, decimal, f)
            if ok2.all():
                vals, ok, fmt = v2, ok2, f
    plain = number_part(strings, fmt)
    if ok.all():
        sep = thousands_used(plain, vals, decimal)
        if sep:
            fmt = {**(fmt or {"prefix": "", "suffix": ""}), "thousands": sep}
    return vals, ok, fmt, plain


def count_decimals(strings: pd.Series | np.ndarray, decimal: str = ".") -> tuple[int | None, int]:
    """(most, fewest) digits written after the decimal separator; most is None if any value uses an exponent."""
    s = pd.Series(np.asarray(strings, dtype=object), dtype=object).astype(str)
    if len(s) == 0:
        return 0, 0
    if s.str.contains(r"[eE]", regex=True).any():
        return None, 0
    # values without the decimal sign have 0 digits (when none has one, .str[1] is all NaN floats)
    digits = s.str.split(re.escape(decimal), n=1, regex=True).str[1].fillna("").astype(str).str.len()
    return int(digits.max()), int(digits.min())


def parse_dates(strings, fmt: str) -> pd.Series:
    return pd.to_datetime(pd.Series(np.asarray(strings, dtype=object)), format=fmt, errors="coerce")


def _detect_time_format(uniq: np.ndarray) -> tuple[str, str] | None:
    sample = uniq[:: max(1, len(uniq) // 300)][:300]
    if not all(any(ch.isdigit() for ch in v) for v in sample[:20]):
        return None
    for kind, formats in ((DATETIME, DATETIME_FORMATS), (DATE, DATE_FORMATS)):
        for fmt in formats:
            if parse_dates(sample, fmt).notna().all() and parse_dates(uniq, fmt).notna().all():
                return kind, fmt
    return None


def _boolean_labels(uniq: np.ndarray) -> list[str] | None:
    if not 1 <= len(uniq) <= 2:
        return None
    lower = {str(v).lower(): str(v) for v in uniq}
    for f, t in BOOLEAN_PAIRS:
        if set(lower) <= {f, t} and len(lower) == 2:
            return [lower[f], lower[t]]
    return None


def _missing_mask(raw: pd.Series, codes: list[str], decimal: str) -> pd.Series:
    mask = raw.isin(NA_TOKENS)
    if codes:
        mask |= raw.isin(codes)
        num_codes = parse_numbers(pd.Series(codes), decimal)[0]
        num_codes = num_codes[~np.isnan(num_codes)]
        if len(num_codes):
            # "-8" also matches "-8.0" in a numeric column
            vals, _ = parse_numbers(raw[~mask].unique(), decimal)
            hit = raw[~mask].unique()[np.isin(vals, num_codes)]
            if len(hit):
                mask |= raw.isin(hit)
    return mask


# --------------------------------------------------------------------------- detection

def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^0-9a-zà-ÿ]+", spaced.lower()) if w]


def code_like_name(name: str) -> bool:
    """Does the name say the column names units (school, brin, gemeente, postcode, id, nr, code)?"""
    words = _name_words(name)
    if not words:
        return False
    if any(w in _CODE_WORDS for w in words):
        return True
    if any(w in _MEASURE_WORDS for w in words) or "number" in words[:-1]:
        return False  # pupils_in_class, school_size, n_per_school, number_of_schools: amounts
    last = re.sub(r"\d+$", "", words[-1])
    if last in _UNIT_WORDS and (last not in ("number", "no") or len(words) > 1):
        return True
    return any(len(last) > len(suf) + 1 and last.endswith(suf) for suf in _CODE_SUFFIXES)


def _edge_step(sorted_vals: np.ndarray, low: bool) -> float:
    """The typical distance between neighbouring distinct values at one end of a column."""
    edge = sorted_vals[:11] if low else sorted_vals[-11:]
    steps = np.diff(edge)
    return float(np.median(steps)) if len(steps) else 0.0


def suggest_missing_codes(vals: np.ndarray, counts: np.ndarray, strings: np.ndarray) -> list[dict]:
    """Values among MISSING_CODE_CANDIDATES that stand apart from the rest of a numeric column.

    vals, counts, strings: the column's distinct observed values, their row counts and how each is
    written. Against the other values O (the column without any candidate), a candidate c is
    suggested when:
    - it lies outside the range of O, apart from it: walking outward from the end of O through the
      candidates beyond it, the first gap of at least 2 and of at least 2 times the typical step
      between neighbouring values at that end of O breaks the column off; that candidate and every
      one further out are codes ("code_below" / "code_above"). So -9 below 0..20 is a code, and so
      are 98 and 99 above 0..12, but -4..-1 below 0 (a tail: experience = age - schooling - 6) is not;
    - or it lies inside the range but occurs in at least 10 rows and at least 20 times as often as
      each of the two distinct values on either side of it ("code_spike": a heap in no shape).
    A value inside the range of the others with an ordinary count (-1 in a temperature) is never
    suggested. Returns suggestions {kind, value, code, params, applied} in the column's order."""
    vals = np.asarray(vals, dtype=float)
    counts = np.asarray(counts, dtype=float)
    cand = np.isin(vals, MISSING_CODE_CANDIDATES)
    if not cand.any():
        return []
    others = vals[~cand]
    if len(others) < 2 or counts[~cand].sum() < 5:
        return []
    order = np.argsort(others)
    srt, srt_counts = others[order], counts[~cand][order]
    lo, hi = srt[0], srt[-1]
    found: dict[int, str] = {}
    for side, step in (("below", _edge_step(srt, True)), ("above", _edge_step(srt, False))):
        idx = np.flatnonzero(cand & ((vals < lo) if side == "below" else (vals > hi)))
        idx = idx[np.argsort(-vals[idx] if side == "below" else vals[idx])]  # outward from O
        end, broken = (lo if side == "below" else hi), False
        for i in idx:
            gap = abs(vals[i] - end)
            broken = broken or (gap >= 2 and gap >= 2 * step)
            if broken:
                found[i] = "code_" + side
            end = vals[i]
    for i in np.flatnonzero(cand & (vals >= lo) & (vals <= hi)):
        if counts[i] >= 10:
            k = np.searchsorted(srt, vals[i])
            near = np.concatenate([srt_counts[max(0, k - 2):k], srt_counts[k:k + 2]])
            if len(near) and counts[i] >= 20 * near.max():
                found[i] = "code_spike"
    return [{"kind": "missing_code", "value": str(strings[i]), "code": found[i],
             "params": {"value": str(strings[i]), "count": int(counts[i]), "lo": _short(lo), "hi": _short(hi)},
             "applied": False} for i in sorted(found)]


def _short(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"



def infer_column(name: str, raw: pd.Series, dialect: Dialect, missing_codes: list[str] | None = None) -> ColumnSchema:
    """Detect the type of one column of text cells."""
    codes = [str(c).strip() for c in (missing_codes or []) if str(c).strip() != ""]
    miss = _missing_mask(raw, codes, dialect.decimal)
    present = raw[~miss]
    counts = present.value_counts(sort=True)
    uniq = counts.index.to_numpy(dtype=object)
    col = ColumnSchema(name=name, type=CATEGORICAL, missing_count=int(miss.sum()), n_distinct=len(uniq),
                       examples=[str(v) for v in uniq[:5]], missing_codes=codes,
                       na_tokens=sorted(set(raw[miss].unique().tolist()) - set(codes)))
    n_obs = len(present)
    if n_obs == 0:
        col.type = col.detected_type = CATEGORICAL
        col.exclude, col.reason = True, "all_missing"
        return col

    labels = _boolean_labels(uniq)
    if labels:
        col.type, col.labels = BOOLEAN, labels
    else:
        vals, ok, fmt, plain = read_numbers(uniq, dialect.decimal)
        leading_zero = plain.str.match(_LEADING_ZERO).any()
        if ok.all() and not leading_zero:
            col.number_format = fmt
            integral = np.all(vals == np.round(vals)) and not plain.str.contains(
                re.escape(dialect.decimal) + "|[eE]", regex=True).any()
            if integral:
                col.type = INTEGER
                col.decimals = 0
                # row numbers: unique, consecutive and in file order
                consecutive = (len(uniq) == n_obs and n_obs >= 20 and vals.max() - vals.min() + 1 == n_obs
                               and present.map(dict(zip(uniq, vals, strict=True))).is_monotonic_increasing)
                # unique row numbers, or an id-named column that is (mostly) unique, e.g. subject_id
                # with a few repeated subjects
                id_named = _ID_NAME.search(name) and len(uniq) >= 20 and len(uniq) > 0.5 * n_obs
                if consecutive or id_named or (len(uniq) == n_obs and n_obs >= 20 and _ID_NAME.search(name)):
                    col.type = IDENTIFIER
            else:
                col.type = NUMERIC
                col.decimals, col.min_decimals = count_decimals(plain, dialect.decimal)
            if col.type != IDENTIFIER:
                if codes:  # the declared codes count too, so a suggestion taken stays listed (applied)
                    every = raw[~raw.isin(NA_TOKENS)].value_counts(sort=True)
                    ev, eok = parse_numbers(every.index.to_numpy(dtype=object), dialect.decimal, fmt)
                    col.suggestions = suggest_missing_codes(ev[eok], every.to_numpy()[eok],
                                                            every.index.to_numpy(dtype=object)[eok])
                else:
                    col.suggestions = suggest_missing_codes(vals, counts.to_numpy(), uniq)
            if col.type == INTEGER and len(uniq) >= CODE_LIKE_MIN_LEVELS and code_like_name(name):
                # a code that names units (school numbers): categories, so synthetic values are real
                # codes, not numbers smoothed between them (the user can choose integer again)
                col.type = CATEGORICAL
                col.number_format = None
                col.high_cardinality = len(uniq) > HIGH_CARDINALITY
                col.suggestions.insert(0, dict(kind="type", value=CATEGORICAL, code=SUGGESTION_CODES[0],
                                               params={"count": len(uniq)}, applied=True))
        else:
            found = _detect_time_format(uniq.astype(str))
            if found:
                col.type, col.date_format = found
            else:
                lengths = pd.Series(uniq).astype(str).str.len()
                words = pd.Series(uniq).astype(str).str.count(r"\s+") + 1
                unique_share = len(uniq) / n_obs
                long_text = lengths.mean() > 50 or (unique_share > 0.5 and words.mean() >= 5)
                if long_text:
                    col.type = TEXT
                elif unique_share >= 0.95 and len(uniq) >= 20:
                    col.type = TEXT if (lengths.mean() > 30 or words.mean() >= 4) else IDENTIFIER
                else:
                    col.type = CATEGORICAL
                    col.high_cardinality = len(uniq) > HIGH_CARDINALITY
    col.detected_type = col.type
    if col.type == IDENTIFIER:
        col.exclude, col.reason = True, "identifier"
    elif col.type == TEXT:
        col.exclude, col.reason = True, "free_text"
    return col


def infer_schema(raw: RawTable, overrides: dict | None = None, all_missing_codes: list[str] | None = None) -> Schema:
    """Detect every column's schema, then apply the user's overrides.

    overrides: {column: {"type": ..., "exclude": bool, "missing_codes": [...], "all_missing_codes":
    bool}}; unknown columns are an error (the caller's mistake, named).
    all_missing_codes: codes declared for every column whose values are numbers (numeric, integer,
    or a code-like integer read as categories), with or without these codes, added to the column's
    own codes; a column opts out
    with "all_missing_codes": false in its override. The added ones are listed in `shared_codes`.
    """
    overrides = overrides or {}
    unknown = [c for c in overrides if c not in raw.frame.columns]
    if unknown:
        raise EngineError("schema.unknown_column", kind="settings", column=unknown[0])
    shared = _clean_codes(all_missing_codes)
    cols = []
    for name in raw.frame.columns:
        ov = overrides.get(name, {})
        own = _clean_codes(ov.get("missing_codes"))
        col = infer_column(name, raw.frame[name], raw.dialect, own)
        extra = [c for c in shared if c not in own]
        if extra and ov.get("all_missing_codes", True):
            # only the codes the column has: a code it never writes changes nothing in it
            extra = [c for c in extra if _missing_mask(raw.frame[name], [c], raw.dialect.decimal).any()]
            if extra:
                # a numeric column, or one whose values are numbers once the codes are taken out
                # ("weet niet" among amounts)
                coded = infer_column(name, raw.frame[name], raw.dialect, own + extra)
                if _holds_numbers(col) or _holds_numbers(coded):
                    col = coded
                    col.shared_codes = extra
        col = apply_override(col, raw.frame[name], raw.dialect, ov)
        for sug in col.suggestions:
            sug["applied"] = (col.type == sug["value"]) if sug["kind"] == "type" else sug["value"] in col.missing_codes
        cols.append(col)
    return Schema(columns=cols, n_rows=raw.n_rows, dialect=raw.dialect)


def _clean_codes(codes) -> list[str]:
    if isinstance(codes, str):
        codes = codes.split(",")
    out = []
    for c in codes or []:
        c = str(c).strip()
        if c != "" and c not in out:
            out.append(c)
    return out


def _holds_numbers(col: ColumnSchema) -> bool:
    return col.detected_type in NUMBER_TYPES or any(s["code"] == "code_like" for s in col.suggestions)


def apply_override(col: ColumnSchema, raw: pd.Series, dialect: Dialect, ov: dict) -> ColumnSchema:
    """Change a column's type or inclusion as the user asked; check that the values allow the type."""
    new_type = ov.get("type")
    if new_type and new_type not in TYPES:
        raise EngineError("schema.unknown_type", kind="settings", column=col.name, type=new_type)
    if new_type and new_type != col.type:
        miss = _missing_mask(raw, col.missing_codes, dialect.decimal)
        uniq = raw[~miss].unique()
        if new_type in NUMBER_TYPES:
            vals, ok, fmt, plain = read_numbers(uniq, dialect.decimal)
            if not ok.all():
                bad = [str(v) for v in uniq[~ok][:3]]
                raise EngineError("schema.not_numbers", kind="settings", column=col.name,
                                  count=int((~ok).sum()), examples=", ".join(bad))
            col.number_format = fmt
            col.decimals, col.min_decimals = (0, 0) if new_type == INTEGER else count_decimals(plain, dialect.decimal)
            if new_type == INTEGER and not np.all(vals == np.round(vals)):
                raise EngineError("schema.not_integers", kind="settings", column=col.name)
        elif new_type in TIME_TYPES:
            found = _detect_time_format(np.asarray(uniq, dtype=str))
            if not found:
                raise EngineError("schema.not_dates", kind="settings", column=col.name,
                                  examples=", ".join(str(v) for v in uniq[:3]))
            col.date_format = found[1]
        elif new_type == BOOLEAN:
            labels = _boolean_labels(np.asarray(uniq, dtype=object))
            if labels is None:
                if len(uniq) != 2:
                    raise EngineError("schema.not_boolean", kind="settings", column=col.name, count=len(uniq))
                labels = sorted(str(v) for v in uniq)
            col.labels = labels
        col.type = new_type
        col.high_cardinality = new_type == CATEGORICAL and col.n_distinct > HIGH_CARDINALITY
        if new_type not in (IDENTIFIER, TEXT) and col.reason in ("identifier", "free_text"):
            col.exclude, col.reason = False, None
        if new_type in (IDENTIFIER, TEXT) and "exclude" not in ov:
            col.exclude, col.reason = True, "identifier" if new_type == IDENTIFIER else "free_text"
    if "exclude" in ov:
        col.exclude = bool(ov["exclude"])
        if not col.exclude:
            col.reason = None
        elif col.reason is None:
            col.reason = "user"
    return col
