"""Reading CSV files robustly: encoding, delimiter, decimal comma, quotes, blank lines, clear errors.

`read_table(data)` takes the file's bytes and returns a `RawTable`: every cell as text ('' for an
empty cell) plus the `Dialect` that was detected (or given), so a synthetic file can be written back
in the same style. Type detection is `schema.py`'s job.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .errors import EngineError

DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]
SAMPLE_BYTES = 256 * 1024
_DECIMAL_COMMA = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_DECIMAL_POINT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d*)\.\d+$")
_AMBIGUOUS = re.compile(r"^[-+]?[1-9]\d{0,2}[.,]\d{3}$")
_GROUPS_POINT = re.compile(r"^[-+]?\d{1,3}(\.\d{3}){2,}$")
_GROUPS_COMMA = re.compile(r"^[-+]?\d{1,3}(,\d{3}){2,}$")
_AFFIX = re.compile(r"^[-+]?\s*([€$£¥]|EUR|USD|GBP)\s?|\s?(%|[€$£¥]|EUR|USD|GBP)$")
_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")


@dataclass
class Dialect:
    """How a CSV file is written. Also how a synthetic file is written back in the same style."""

    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    quotechar: str = '"'
    line_terminator: str = "\n"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> Dialect:
        d = d or {}
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class RawTable:
    """A table as read: text cells, the dialect, and notices for the user (code + params)."""

    frame: pd.DataFrame
    dialect: Dialect
    name: str = "data.csv"
    n_bytes: int = 0
    warnings: list[dict] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.frame)


def _magic_kind(head: bytes) -> str | None:
    """Recognise files that are not text tables by their first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "excel" if (b"xl/" in head[:2000] or b"[Content_Types].xml" in head[:2000]) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "excel"  # .xls (OLE2 compound file)
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    return None


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252, else Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(data, "utf-8"):
        return "utf-8"
    if _decodes(data, "cp1252"):
        return "cp1252"
    return "latin-1"


def _decodes(data: bytes, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)()
    step = 1 << 20
    try:
        for i in range(0, len(data), step):
            dec.decode(data[i:i + step], final=i + step >= len(data))
    except UnicodeDecodeError:
        return False
    return True


def _bad_byte_line(data: bytes, encoding: str) -> int:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    return 0


def _sample_text(data: bytes, encoding: str) -> str:
    chunk = data[:SAMPLE_BYTES]
    text = chunk.decode(encoding, errors="replace")
    if len(data) > SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n")]
    return text.lstrip("\ufeff")


def _lines(text: str, limit: int = 200) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()][:limit]


def sniff_delimiter(text: str) -> str:
    """The candidate delimiter that splits the sample's lines into the most consistent field count > 1."""
    lines = _lines(text)
    if not lines:
        return ","
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delim, quotechar='"')]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        share = counts.count(mode) / len(counts)
        score = (round(share, 2), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def sniff_decimal(text: str, delimiter: str) -> str:
    """',' when numbers in the sample are written with a decimal comma (only possible if ',' is not the delimiter).

    Cells count as evidence after a currency or percent sign is taken off ("€ 12,50", "12,5%"). A
    cell such as "1.234" or "1,234" could be either (a thousands separator or three decimals) and
    counts for neither; "1.234.567" and "1.234,5" count for the comma, "1,234,567" and "1,234.5"
    for the point. Without any evidence a ';'-separated file has a decimal comma (as Dutch and
    other European spreadsheets write it), any other a decimal point.
    """
    if delimiter == ",":
        return "."
    comma = point = 0
    for row in csv.reader(_lines(text), delimiter=delimiter, quotechar='"'):
        for cell in row:
            cell = _AFFIX.sub("", cell.strip())
            if _AMBIGUOUS.match(cell):
                continue
            if _DECIMAL_COMMA.match(cell) or _GROUPS_POINT.match(cell):
                comma += 1
            elif _DECIMAL_POINT.match(cell) or _GROUPS_COMMA.match(cell):
                point += 1
    if comma == point == 0:
        return "," if delimiter == ";" else "."
    return "," if comma > point else "."


def _pandas_error(exc: Exception) -> EngineError:
    text = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return EngineError("read.ragged", line=int(m.group(2)), expected=int(m.group(1)), found=int(m.group(3)))
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:
        return EngineError("read.unclosed_quote", line=int(m.group(1)) + 1)
    return EngineError("read.unreadable", detail=text[:200])


def _strip(col: pd.Series) -> pd.Series:
    """Whitespace around cells removed; computed on the distinct values only (a million cells of a
    column hold far fewer distinct ones), and the column left untouched when none needs it."""
    uniq = pd.unique(col.to_numpy(dtype=object))
    stripped = pd.Series(uniq, dtype=object).str.strip().to_numpy(dtype=object)
    changed = stripped != uniq
    if not changed.any():
        return col
    return col.replace(dict(zip(uniq[changed], stripped[changed], strict=True)))


def _column_names(first: list[str]) -> tuple[list[str], list[dict]]:
    names, warnings, seen = [], [], {}
    for i, raw in enumerate(first):
        name = (raw or "").strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            new = f"{name}_{seen[name]}"
            while new in seen:
                seen[name] += 1
                new = f"{name}_{seen[name]}"
            warnings.append({"code": "read.duplicate_name", "params": {"name": name, "new": new}})
            name = new
        seen.setdefault(name, 1)
        names.append(name)
    return names, warnings


def read_table(
    data: bytes,
    name: str = "data.csv",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    max_bytes: int | None = None,
) -> RawTable:
    """Read a CSV file's bytes into a RawTable. Raises EngineError with a code the user can act on."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    n_bytes = len(data)
    if max_bytes is not None and n_bytes > max_bytes:
        # MB as the page states the limit (300 MB = 300 * 2**20 bytes)
        raise EngineError("read.too_large", size_mb=round(n_bytes / 2**20), limit_mb=round(max_bytes / 2**20))
    if not data.strip():
        raise EngineError("read.empty_file")
    kind = _magic_kind(data[:4096])
    if kind:
        raise EngineError("read.not_csv_" + kind)
    guessed = encoding is None
    if encoding is None:
        encoding = detect_encoding(data)
    elif encoding not in ENCODINGS:
        raise EngineError("read.unknown_encoding", kind="settings", encoding=encoding)
    elif not _decodes(data, encoding):
        raise EngineError("read.wrong_encoding", kind="settings", encoding=encoding,
                          line=_bad_byte_line(data, encoding))
    head = data[:4096]
    if b"\x00" in head and encoding != "utf-16":
        raise EngineError("read.binary")
    text = _sample_text(data, encoding)
    if delimiter is None:
        delimiter = sniff_delimiter(text)
    elif delimiter not in DELIMITERS:
        raise EngineError("read.unknown_delimiter", kind="settings", delimiter=delimiter)
    if decimal is None:
        decimal = sniff_decimal(text, delimiter)
    elif decimal not in (".", ","):
        raise EngineError("read.unknown_decimal", kind="settings", decimal=decimal)
    if decimal == delimiter:
        raise EngineError("read.decimal_is_delimiter", kind="settings")
    line_terminator = "\r\n" if b"\r\n" in data[:SAMPLE_BYTES] else "\n"

    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=True,
            encoding="utf-8-sig" if encoding == "utf-8" else encoding,
            quotechar='"',
            doublequote=True,
            engine="c",
            low_memory=True,
        )
    except pd.errors.EmptyDataError as exc:
        raise EngineError("read.empty_file") from exc
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise _pandas_error(exc) from exc
    del data
    if frame.shape[0] == 0:
        raise EngineError("read.empty_file")

    frame = frame.fillna("")
    for col in frame.columns:
        frame[col] = _strip(frame[col])
    # drop columns that are empty everywhere and have no name (trailing delimiters)
    empty = [c for c in frame.columns if frame[c].iloc[0] == "" and (frame[c] == "").all()]
    frame = frame.drop(columns=empty)
    if frame.shape[1] == 0:
        raise EngineError("read.empty_file")

    warnings: list[dict] = []
    if guessed and encoding in ("cp1252", "latin-1"):
        # a guess between single-byte encodings: say so, so the user checks the accented letters
        name = {"cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO 8859-1)"}[encoding]
        warnings.append({"code": "read.not_utf8", "params": {"encoding": name}})
    first = [str(v) for v in frame.iloc[0].tolist()]
    if all(_NUMBER.match(v) for v in first if v) and any(first):
        names, w = _column_names([f"column_{i + 1}" for i in range(len(first))])
        warnings.append({"code": "read.no_header", "params": {}})
        body = frame
    else:
        names, w = _column_names(first)
        body = frame.iloc[1:]
    warnings += w
    body = body.reset_index(drop=True)
    body.columns = names
    # rows that are empty in every cell (e.g. ";;;;")
    first_empty = (body.iloc[:, 0] == "").to_numpy()
    if first_empty.any():  # only rows whose first cell is empty can be blank everywhere
        cand = np.flatnonzero(first_empty)
        blank = cand[(body.iloc[cand] == "").all(axis=1).to_numpy()]
        if len(blank):
            body = body.drop(index=body.index[blank]).reset_index(drop=True)
    if len(body) == 0:
        raise EngineError("read.no_rows", columns=len(names))
    if body.shape[1] == 1:
        warnings.append({"code": "read.one_column", "params": {"delimiter": delimiter}})
    dialect = Dialect(encoding=encoding, delimiter=delimiter, decimal=decimal, line_terminator=line_terminator)
    return RawTable(frame=body, dialect=dialect, name=name, n_bytes=n_bytes, warnings=warnings)
