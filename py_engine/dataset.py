"""The typed table the methods and metrics work on, and the way back to text.

A `Dataset` holds the included columns of a table in two frames with the same columns and rows:

- `values`: the typed values, NaN/NaT where a cell is missing.
  numeric, integer -> float64; date, datetime -> datetime64[ns]; categorical, boolean -> pandas
  Categorical of the labels as written; identifier -> object (text).
- `missing`: for each cell that is missing, the token that stood there ('' for an empty cell, 'NA',
  or a declared code such as '-8'), as a Categorical; NaN where the cell is observed.

Synthesis produces a Dataset of the same shape; `to_text` writes it back in the original formats
(decimals, date format, boolean labels, missing tokens) and `to_csv_bytes` in the original dialect
or as standard CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .reading import Dialect, RawTable
from .schema import (
    BOOLEAN,
    CATEGORICAL,
    DATE,
    DATETIME,
    IDENTIFIER,
    INTEGER,
    NUMERIC,
    TEXT,
    Schema,
    _missing_mask,
    parse_dates,
    parse_numbers,
)

EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")
STANDARD = Dialect(encoding="utf-8", delimiter=",", decimal=".")


@dataclass
class Dataset:
    schema: Schema
    values: pd.DataFrame
    missing: pd.DataFrame

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def columns(self) -> list[str]:
        return list(self.values.columns)

    def column(self, name: str):
        return self.schema[name]

    def take(self, index) -> Dataset:
        """Rows by position (e.g. a train/holdout split)."""
        idx = np.asarray(index)
        return Dataset(self.schema, self.values.iloc[idx].reset_index(drop=True),
                       self.missing.iloc[idx].reset_index(drop=True))

    def is_missing(self, name: str) -> np.ndarray:
        return self.missing[name].notna().to_numpy()

    def numeric(self, name: str) -> np.ndarray:
        """A float view of a number, date or datetime column (days/seconds since 1970), NaN where missing."""
        return to_float(self.values[name], self.schema[name].type)


def to_float(series: pd.Series, col_type: str) -> np.ndarray:
    if col_type == DATE:
        return (series.to_numpy(dtype="datetime64[ns]") - EPOCH) / np.timedelta64(1, "D")
    if col_type == DATETIME:
        return (series.to_numpy(dtype="datetime64[ns]") - EPOCH) / np.timedelta64(1, "s")
    return series.to_numpy(dtype=float)


def from_float(values: np.ndarray, col_type: str) -> pd.Series:
    """Inverse of to_float for date/datetime (rounded to whole days/seconds); numbers pass through."""
    values = np.asarray(values, dtype=float)
    if col_type == DATE:
        days = np.round(values)
        out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = np.isfinite(days)
        out[ok] = EPOCH + (days[ok].astype(np.int64) * np.timedelta64(1, "D")).astype("timedelta64[ns]")
        return pd.Series(out)
    if col_type == DATETIME:
        secs = np.round(values)
        out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = np.isfinite(secs)
        out[ok] = EPOCH + (secs[ok].astype(np.int64) * np.timedelta64(1, "s")).astype("timedelta64[ns]")
        return pd.Series(out)
    return pd.Series(values)


def from_raw(raw: RawTable, schema: Schema) -> Dataset:
    """Convert the included columns of a RawTable to typed values and missing tokens."""
    values, missing = {}, {}
    dec = schema.dialect.decimal
    for col in schema.included:
        s = raw.frame[col.name]
        miss = _missing_mask(s, col.missing_codes, dec).to_numpy()
        tokens = s.where(miss, None)
        missing[col.name] = pd.Categorical(tokens)
        present = s.where(~miss, None)
        if col.type in (NUMERIC, INTEGER):
            uniq = present.dropna().unique()
            nums, _ = parse_numbers(uniq, dec, col.number_format)
            lookup = pd.Series(nums, index=uniq)
            values[col.name] = present.map(lookup).astype(float).to_numpy()
        elif col.type in (DATE, DATETIME):
            uniq = present.dropna().unique()
            lookup = pd.Series(parse_dates(uniq, col.date_format).to_numpy(), index=uniq)
            values[col.name] = pd.to_datetime(present.map(lookup)).to_numpy(dtype="datetime64[ns]")
        elif col.type in (CATEGORICAL, BOOLEAN):
            cats = col.labels if col.type == BOOLEAN else None
            values[col.name] = pd.Categorical(present, categories=cats)
        else:  # identifier, text
            values[col.name] = present.to_numpy(dtype=object)
    vdf = pd.DataFrame(values, index=range(raw.n_rows))
    mdf = pd.DataFrame(missing, index=range(raw.n_rows))
    return Dataset(schema=schema, values=vdf, missing=mdf)


def _format_numbers(vals: np.ndarray, decimals: int | None, min_decimals: int, decimal: str,
                    fmt: dict | None = None) -> pd.Series:
    """Numbers as the column writes them: fixed digits (12.50), or shortest form (12.5, 12 or 12.0);
    with the column's number format (schema.number_format_of) its thousands separator (1.234,50)
    and its currency or percent sign ("€ 12,50", "-€ 3", "12%") as the file wrote them."""
    if decimals is None:
        out = pd.Series(vals).astype(str)
    elif decimals == 0:
        out = pd.Series(np.round(vals).astype(np.int64).astype(str), dtype=object)
    elif min_decimals == decimals:
        out = pd.Series(np.char.mod(f"%.{decimals}f", np.round(vals, decimals)), dtype=object)
    else:
        out = pd.Series(np.round(vals, decimals)).astype(str)
        if min_decimals == 0:
            out = out.where(~out.str.endswith(".0"), out.str[:-2])
    fmt = fmt or {}
    thousands = fmt.get("thousands") if decimals is not None else None
    if thousands:
        # groups of three in the whole part only; "\x00" stands for the separator until the
        # decimal sign is in place (the separator may be the '.' that marks decimals here)
        whole = out.str.extract(r"^(-?)(\d+)(.*)$")
        grouped = whole[1].str.replace(r"(\d)(?=(\d{3})+$)", "\\1\x00", regex=True)
        out = (whole[0] + grouped + whole[2]).where(whole[1].notna(), out)
    if decimal != ".":
        out = out.str.replace(".", decimal, regex=False)
    if thousands:
        out = out.str.replace("\x00", thousands, regex=False)
    prefix, suffix = fmt.get("prefix", ""), fmt.get("suffix", "")
    if prefix or suffix:
        neg = out.str.startswith("-")
        body = out.where(~neg, out.str[1:])
        if prefix and fmt.get("sign_before_prefix", True):
            out = ("-" + prefix + body).where(neg, prefix + body)
        else:
            out = prefix + out
        out = out + suffix
    return out


def to_text(ds: Dataset, dialect: Dialect | None = None, number_formats: bool | None = None) -> pd.DataFrame:
    """Every cell as text in the column's original format; missing cells get their token back.

    Numbers get their column's thousands separator and currency or percent sign (number_format)
    when written in the input's own dialect (the default); in another dialect (standard CSV, the
    JSON document) they are plain numbers."""
    if number_formats is None:
        number_formats = dialect is None or dialect is ds.schema.dialect
    dialect = dialect or ds.schema.dialect
    out = {}
    for name in ds.columns:
        col = ds.schema[name]
        v = ds.values[name]
        miss = ds.missing[name].notna().to_numpy() if name in ds.missing else np.zeros(len(v), bool)
        text = pd.Series([""] * len(v), dtype=object)
        obs = ~miss & v.notna().to_numpy()
        if col.type in (NUMERIC, INTEGER):
            if obs.any():
                text[obs] = _format_numbers(v.to_numpy(dtype=float)[obs], col.decimals, col.min_decimals,
                                            dialect.decimal, col.number_format if number_formats else None).to_numpy()
        elif col.type in (DATE, DATETIME):
            if obs.any():
                text[obs] = pd.Series(v.to_numpy()[obs]).dt.strftime(col.date_format).to_numpy()
        else:
            text[obs] = v.astype(object).to_numpy()[obs]
        if miss.any():
            text[miss] = ds.missing[name].astype(object).to_numpy()[miss]
        out[name] = text
    return pd.DataFrame(out)


def to_csv_bytes(ds: Dataset, style: str = "original") -> bytes:
    """The dataset as a CSV file: style 'original' (the input's delimiter, decimal and encoding) or 'standard'."""
    dialect = ds.schema.dialect if style == "original" else STANDARD
    text = to_text(ds, dialect, number_formats=style == "original")
    buf = io.StringIO()
    text.to_csv(buf, index=False, sep=dialect.delimiter, quoting=csv.QUOTE_MINIMAL,
                lineterminator=dialect.line_terminator if style == "original" else "\n")
    enc = dialect.encoding if style == "original" else "utf-8"
    return buf.getvalue().encode(enc, errors="replace")


def empty_like(schema: Schema, n: int) -> Dataset:
    """A Dataset of n rows, all missing tokens unset, for methods to fill."""
    values, missing = {}, {}
    for col in schema.included:
        if col.type in (NUMERIC, INTEGER):
            values[col.name] = np.full(n, np.nan)
        elif col.type in (DATE, DATETIME):
            values[col.name] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        elif col.type in (CATEGORICAL, BOOLEAN):
            values[col.name] = pd.Categorical([None] * n, categories=col.labels if col.type == BOOLEAN else [])
        elif col.type in (IDENTIFIER, TEXT):
            values[col.name] = np.full(n, None, dtype=object)
        missing[col.name] = pd.Categorical([None] * n)
    return Dataset(schema, pd.DataFrame(values, index=range(n)), pd.DataFrame(missing, index=range(n)))
