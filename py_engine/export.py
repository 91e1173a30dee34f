"""The JSON download: the synthetic records with everything needed to understand and repeat them.

    {"localsynth": {"engine_version", "created"}, "source": {"file", "rows"}, "method", "seed",
     "settings", "schema": [ColumnSchema of each included column], "notes", "model", "evaluation",
     "columns", "records": [{column: value}, ...]}

Values are typed: numbers as JSON numbers (as many decimals as the column writes), dates and
datetimes as strings in the column's original format, booleans and categories as their labels,
identifiers as strings; a missing cell is null, except a declared missing code (e.g. -8), which is
kept as written. No NaN anywhere (the document passes json.dumps(allow_nan=False)). The schema is
written without its example values (they are real values).

Method "dp" (differential privacy): the document is DP output plus public knowledge only. It carries
the model (noisy counts), the privacy block (epsilon, delta, rho, its split) and the public domain;
it leaves out everything else read from the real rows: source.rows, the schema's counts, examples,
tokens found, detected formats and per-column notes (each column is written as name, type and the
user's declared missing codes only), engine notes other than the dp ones (they hold row counts), and
the evaluation (it compares with the real rows and is not covered by the guarantee). `dp_document`
is that filter; tests/test_dp_export.py checks it against the real table's counts.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re

import numpy as np
import pandas as pd

from . import __version__
from .dataset import STANDARD, to_text
from .evaluation.encoding import clean
from .schema import NUMBER_TYPES

_JSON_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$")


def _number_token(text: str) -> str:
    """A number as written, as a JSON number token (12.50 -> 12.50; .5 -> 0.5; +3 -> 3)."""
    t = text.strip()
    if _JSON_NUMBER.match(t):
        return t
    try:
        f = float(t)
    except ValueError:
        return json.dumps(t)
    if not math.isfinite(f):
        return "null"
    return json.dumps(int(f) if f == int(f) and "." not in t else f)


def _column_tokens(ds, name: str, text: pd.Series) -> pd.Series:
    """Each cell of a column as a JSON token."""
    col = ds.schema[name]
    miss = ds.missing[name].notna().to_numpy()
    out = pd.Series(np.full(len(text), "null", dtype=object))
    obs = ~miss & (text.to_numpy() != "")
    if obs.any():
        uniq = pd.unique(text[obs])
        enc = (_number_token if col.type in NUMBER_TYPES else json.dumps)
        lookup = {u: enc(u) for u in uniq}
        out[obs] = text[obs].map(lookup).to_numpy()
    codes = [str(c) for c in (col.missing_codes or [])]
    if miss.any() and codes:
        tokens = ds.missing[name].astype(object)
        is_code = miss & tokens.isin(codes).to_numpy()
        if is_code.any():
            enc = (_number_token if col.type in NUMBER_TYPES else json.dumps)
            out[is_code] = tokens[is_code].map(lambda t: enc(str(t))).to_numpy()
    return out


def records_json(ds) -> str:
    """The records array as JSON text (built column-wise, so a million rows stay fast)."""
    if ds.n_rows == 0:
        return "[]"
    text = to_text(ds, STANDARD)
    row = None
    for i, name in enumerate(ds.columns):
        key = ("{" if i == 0 else ",") + json.dumps(name) + ":"
        tok = _column_tokens(ds, name, text[name])
        row = key + tok if row is None else row + key + tok
    row = row + "}"
    return "[" + ",".join(row.tolist()) + "]"


DP_SCHEMA_KEYS = ("name", "type", "exclude", "missing_codes")  # declared by the user, not counted


def dp_document(meta: dict) -> dict:
    """The metadata of a "dp" run reduced to DP output and declared knowledge (see the module doc)."""
    out = dict(meta)
    out["source"] = {"file": meta["source"]["file"]}
    out["schema"] = [{k: c[k] for k in DP_SCHEMA_KEYS if k in c} for c in meta["schema"]]
    out["notes"] = [n for n in meta["notes"] if str(n.get("code", "")).startswith("dp_")]
    out.pop("evaluation", None)
    out.pop("optimisation", None)
    return out


def json_document(result, source_name: str, report: dict | None = None, set_index: int = 0) -> bytes:
    """The synthetic data of a SynthResult as a UTF-8 JSON document (see the module doc). With m > 1
    synthetic data sets, `set_index` (0-based) chooses the set; the document then says which ("set",
    1-based) and lists every set's seed ("sets")."""
    copies = list(getattr(result, "copies", None) or [])
    ds = copies[set_index] if copies else result.synthetic
    schema = []
    for name in ds.columns:
        d = ds.schema[name].to_dict()
        d["examples"] = []
        for sug in d.get("suggestions") or []:  # the range of the real values stays out too
            sug["params"] = {k: v for k, v in sug.get("params", {}).items() if k not in ("lo", "hi")}
        schema.append(d)
    meta = {
        "localsynth": {"engine_version": result.engine_version or __version__,
                       "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")},
        "source": {"file": source_name, "rows": int(result.n_real)},
        "method": result.method,
        "seed": int(result.seed),
        "settings": result.settings_dict(),
        "schema": schema,
        "notes": result.notes,
    }
    if len(copies) > 1:
        seeds = list(result.seeds)
        meta["set"] = set_index + 1
        meta["seed"] = int(seeds[set_index])
        meta["sets"] = [{"set": k + 1, "seed": int(sd)} for k, sd in enumerate(seeds)]
    if result.model is not None:
        meta["model"] = result.model
    if getattr(result, "optimisation", None) is not None:
        meta["optimisation"] = result.optimisation
    if report is not None:
        meta["evaluation"] = report
    if result.method == "dp":
        meta = dp_document(meta)
    meta["columns"] = list(ds.columns)
    head = json.dumps(clean(meta), ensure_ascii=False, allow_nan=False, default=str)
    body = head[:-1] + ', "records": ' + records_json(ds) + "}"
    return body.encode("utf-8")


ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # every member's time stamp: the same inputs give the same bytes


def zip_sets(result, stem: str, lang: str = "en", style: str = "original") -> bytes:
    """All m synthetic data sets as one zip file (Python's zipfile, deflated, fixed time stamps and
    permissions, members in a fixed order, so the bytes depend on the data only):
    `<stem>_1.csv` ... `<stem>_m.csv` (in the input's CSV style, or standard CSV), `<stem>_sets.csv`
    (set, seed, rows, file) and `<stem>_codebook.csv` (py_engine/codebook.py, in `lang`)."""
    import io
    import zipfile

    from . import codebook
    from .dataset import to_csv_bytes

    copies = list(getattr(result, "copies", None) or []) or [result.synthetic]
    seeds = list(getattr(result, "seeds", None) or []) or [result.seed]
    members = []
    lines = ["set,seed,rows,file"]
    for k, (ds, sd) in enumerate(zip(copies, seeds, strict=True), start=1):
        name = f"{stem}_{k}.csv"
        members.append((name, to_csv_bytes(ds, style)))
        lines.append(f"{k},{int(sd)},{ds.n_rows},{name}")
    members.append((f"{stem}_sets.csv", ("\n".join(lines) + "\n").encode("utf-8")))
    members.append((f"{stem}_codebook.csv", codebook.to_csv_bytes(codebook.build(result), lang)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buf.getvalue()
