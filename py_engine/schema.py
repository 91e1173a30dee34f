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
_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0\d")


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
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def __contains__(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

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

def parse_numbers(strings: pd.Series | np.ndarray, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers written with `decimal` as separator. Returns (values, ok) with NaN where not ok."""
    s = pd.Series(np.asarray(strings, dtype=object), dtype=object).astype(str)
    if decimal == ",":
        thousands = s.str.match(_THOUSANDS_COMMA)
        s = s.where(~thousands, s.str.replace(".", "", regex=False))
        ok = s.str.match(_NUM_COMMA)
        s = s.str.replace(",", ".", regex=False)
    else:
        ok = s.str.match(_NUM_POINT)
    vals = pd.to_numeric(s.where(ok, None), errors="coerce").to_numpy(dtype=float)
    ok = ok.to_numpy(dtype=bool) & np.isfinite(vals)
    vals[~ok] = np.nan
    return vals, ok


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
        vals, ok = parse_numbers(uniq, dialect.decimal)
        leading_zero = pd.Series(uniq).astype(str).str.match(_LEADING_ZERO).any()
        if ok.all() and not leading_zero:
            integral = np.all(vals == np.round(vals)) and not pd.Series(uniq).astype(str).str.contains(
                re.escape(dialect.decimal) + "|[eE]", regex=True).any()
            if integral:
                col.type = INTEGER
                col.decimals = 0
                consecutive = len(uniq) == n_obs and n_obs >= 20 and (vals.max() - vals.min() + 1 == n_obs)
                if len(uniq) == n_obs and n_obs >= 20 and (_ID_NAME.search(name) or consecutive):
                    col.type = IDENTIFIER
            else:
                col.type = NUMERIC
                col.decimals, col.min_decimals = count_decimals(uniq, dialect.decimal)
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


def infer_schema(raw: RawTable, overrides: dict | None = None) -> Schema:
    """Detect every column's schema, then apply the user's overrides.

    overrides: {column: {"type": ..., "exclude": bool, "missing_codes": [...]}}; unknown columns are
    an error (the caller's mistake, named).
    """
    overrides = overrides or {}
    unknown = [c for c in overrides if c not in raw.frame.columns]
    if unknown:
        raise EngineError("schema.unknown_column", kind="settings", column=unknown[0])
    cols = []
    for name in raw.frame.columns:
        ov = overrides.get(name, {})
        col = infer_column(name, raw.frame[name], raw.dialect, ov.get("missing_codes"))
        cols.append(apply_override(col, raw.frame[name], raw.dialect, ov))
    return Schema(columns=cols, n_rows=raw.n_rows, dialect=raw.dialect)


def apply_override(col: ColumnSchema, raw: pd.Series, dialect: Dialect, ov: dict) -> ColumnSchema:
    """Change a column's type or inclusion as the user asked; check that the values allow the type."""
    new_type = ov.get("type")
    if new_type and new_type not in TYPES:
        raise EngineError("schema.unknown_type", kind="settings", column=col.name, type=new_type)
    if new_type and new_type != col.type:
        miss = _missing_mask(raw, col.missing_codes, dialect.decimal)
        uniq = raw[~miss].unique()
        if new_type in NUMBER_TYPES:
            vals, ok = parse_numbers(uniq, dialect.decimal)
            if not ok.all():
                bad = [str(v) for v in uniq[~ok][:3]]
                raise EngineError("schema.not_numbers", kind="settings", column=col.name,
                                  count=int((~ok).sum()), examples=", ".join(bad))
            col.decimals, col.min_decimals = (0, 0) if new_type == INTEGER else count_decimals(uniq, dialect.decimal)
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
