"""Independent marginals, the privacy-first method (as metasyn: van Kesteren et al., "metasyn:
transparent generation of synthetic tabular data with privacy guarantees", 2024).

Every column is fitted on its own and sampled on its own, so no relation between columns is kept and
no real row can be rebuilt from the model. The fitted model is a readable JSON document (like
metasyn's GMF) that can be written, audited, edited and synthesised from later without the real data:

    {"format": "localsynth.marginal", "version": 1, "n_rows": 1000, "n_columns": 3,
     "dialect": {...}, "vars": [
        {"name": "age", "type": "integer", "prop_missing": 0.02, "missing_tokens": {"": 1.0},
         "format": {"decimals": 0, ...},
         "distribution": {"name": "normal", "parameters": {"mean": 38.6, "sd": 13.7,
                                                          "lower": 17, "upper": 90}}}, ...]}

Distributions: categorical {labels, probs} (categories and booleans; small integer domains as
"discrete" {values, probs}); for numbers the best of normal, lognormal, uniform and exponential by
BIC (Schwarz 1978), bounded to [lower, upper] (draws outside are redrawn, then clamped); dates and
datetimes the same on days/seconds, with their bounds and centre written as dates; identifiers
"unique_key" with the shape of the ids (9 = digit, A = letter, a = lower-case letter).
Model parameters are rounded to 6 significant digits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..dataset import EPOCH
from ..errors import EngineError
from ..reading import Dialect
from ..schema import DATE, DATETIME, IDENTIFIER, TYPES, ColumnSchema, Schema
from .common import Encoded, bincount, det_exp, det_log, note, round_sig, std_normal

FORMAT = "localsynth.marginal"
VERSION = 1
DISCRETE_MAX = 20  # integer columns with at most this many distinct values: a frequency table
_R = 6


def _r(v):
    return round_sig(v, _R)


# --------------------------------------------------------------------------- fitting

def fit_column(e: Encoded, col: ColumnSchema) -> dict:
    n = len(e.tok)
    k_miss = int((e.tok >= 0).sum())
    var = {"name": e.name, "type": e.type, "prop_missing": _r(k_miss / n) if n else 0.0}
    if e.has_missing:
        counts = bincount(e.tok[e.tok >= 0], minlength=len(e.tokens))
        var["missing_tokens"] = {t: _r(c / k_miss) for t, c in zip(e.tokens, counts, strict=True)}
    else:
        var["missing_tokens"] = {}
    var["format"] = _format(col)
    if not e.is_number:
        L = len(e.labels)
        obs = e.codes[e.codes < L]
        counts = bincount(obs, minlength=L)
        total = max(int(counts.sum()), 1)
        var["distribution"] = {"name": "categorical", "parameters": {
            "labels": list(e.labels), "probs": [_r(c / total) for c in counts]}}
        return var
    x = e.x[e.tok < 0]
    x = x[np.isfinite(x)]
    if len(x) == 0:
        var["distribution"] = {"name": "constant", "parameters": {"value": 0}}
        return var
    vals, counts = np.unique(x, return_counts=True)
    if len(vals) == 1:
        dist = {"name": "constant", "parameters": {"value": float(vals[0])}}
    elif e.decimals == 0 and len(vals) <= DISCRETE_MAX and e.type not in (DATE, DATETIME):
        dist = {"name": "discrete", "parameters": {"values": [_plain(v) for v in vals],
                                                   "probs": [_r(c / len(x)) for c in counts]}}
    else:
        dist = best_continuous(x, lognormal=e.type not in (DATE, DATETIME))
    var["distribution"] = _to_readable(dist, e.type)
    return var


def _plain(v):
    v = float(v)
    return int(v) if v == int(v) and abs(v) < 2**53 else v


def _format(col: ColumnSchema) -> dict:
    return {"decimals": col.decimals, "min_decimals": col.min_decimals, "date_format": col.date_format,
            "labels": col.labels}


def best_continuous(x: np.ndarray, lognormal: bool = True) -> dict:
    """The candidate with the lowest BIC = k ln n - 2 ln L (rounded, ties by candidate order)."""
    n = len(x)
    lo, hi = float(x.min()), float(x.max())
    mean, sd = float(np.mean(x)), float(np.std(x))
    cands = []
    if sd > 0:
        ll = -n / 2 * math.log(2 * math.pi * sd * sd) - n / 2
        cands.append((2 * math.log(n) - 2 * ll, {"name": "normal", "parameters": {"mean": _r(mean), "sd": _r(sd)}}))
    if hi > lo:
        ll = -n * math.log(hi - lo)
        cands.append((2 * math.log(n) - 2 * ll, {"name": "uniform", "parameters": {"low": _r(lo), "high": _r(hi)}}))
        scale = mean - lo
        if scale > 0:
            ll = -n * math.log(scale) - float(np.sum(x - lo)) / scale
            cands.append((2 * math.log(n) - 2 * ll,
                          {"name": "exponential", "parameters": {"loc": _r(lo), "scale": _r(scale)}}))
    if lo > 0 and lognormal:
        lx = np.array([math.log(v) for v in x]) if n <= 200_000 else np.log(x)
        mu, sig = float(np.mean(lx)), float(np.std(lx))
        if sig > 0:
            ll = -float(np.sum(lx)) - n / 2 * math.log(2 * math.pi * sig * sig) - n / 2
            cands.append((2 * math.log(n) - 2 * ll,
                          {"name": "lognormal", "parameters": {"mu": _r(mu), "sigma": _r(sig)}}))
    if not cands:
        return {"name": "constant", "parameters": {"value": _plain(lo)}}
    best = min(range(len(cands)), key=lambda i: (round_sig(cands[i][0], 8), i))
    dist = cands[best][1]
    dist["parameters"]["lower"] = _plain(lo)
    dist["parameters"]["upper"] = _plain(hi)
    return dist


# dates: numbers in days/seconds since 1970 inside, dates as written in the model
_TIME_KEYS = ("mean", "low", "high", "loc", "lower", "upper", "value")
_SPAN_KEYS = ("sd", "scale")


def _unit(t: str) -> str:
    return "D" if t == DATE else "s"


def _to_readable(dist: dict, t: str) -> dict:
    if t not in (DATE, DATETIME):
        return dist
    p = dict(dist["parameters"])
    for k in _TIME_KEYS:
        if k in p:
            v = EPOCH + np.timedelta64(int(round(float(p[k]))), _unit(t))
            p[k] = str(np.datetime_as_string(v, unit=_unit(t)))
    for k in _SPAN_KEYS:
        if k in p:
            p[k + ("_days" if t == DATE else "_seconds")] = p.pop(k)
    return {"name": dist["name"], "parameters": p}


def _from_readable(dist: dict, t: str) -> dict:
    if t not in (DATE, DATETIME):
        return dist
    p = dict(dist["parameters"])
    for k in _TIME_KEYS:
        if k in p and isinstance(p[k], str):
            v = np.datetime64(p[k], _unit(t))
            p[k] = float((v - EPOCH.astype(f"datetime64[{_unit(t)}]")) / np.timedelta64(1, _unit(t)))
    for k in _SPAN_KEYS:
        for suffix in ("_days", "_seconds"):
            if k + suffix in p:
                p[k] = p.pop(k + suffix)
    return {"name": dist["name"], "parameters": p}


def fit_model(data_schema: Schema, encs: dict[str, Encoded], ids: list[str], columns: list[str],
              n_rows: int, id_shapes: dict[str, str]) -> dict:
    vars_ = []
    for name in columns:
        col = data_schema[name]
        if name in ids:
            vars_.append({"name": name, "type": IDENTIFIER, "prop_missing": 0.0, "missing_tokens": {},
                          "format": _format(col),
                          "distribution": {"name": "unique_key", "parameters": {"shape": id_shapes[name]}}})
        else:
            vars_.append(fit_column(encs[name], col))
    return {"format": FORMAT, "version": VERSION, "n_rows": int(n_rows), "n_columns": len(vars_),
            "dialect": data_schema.dialect.to_dict(), "vars": vars_}


def id_shape(real: pd.Series) -> str:
    """The most common shape of the ids: 9 for a digit, A for an upper-case letter, a for lower case."""
    s = real.dropna().astype(str)
    if len(s) == 0:
        return "9999999"
    shapes = s.str.replace(r"[0-9]", "9", regex=True).str.replace(r"[A-Z]", "A", regex=True) \
        .str.replace(r"[a-z]", "a", regex=True)
    counts = shapes.value_counts()
    top = counts[counts == counts.max()].index
    return sorted(str(v) for v in top)[0]


# --------------------------------------------------------------------------- sampling from a model

def check_model(model: dict) -> None:
    """Validate an (edited) model document; an EngineError says what is wrong and where."""
    def bad(detail, column=None):
        raise EngineError("model.invalid", kind="settings", column=column, detail=detail)

    if not isinstance(model, dict) or model.get("format") != FORMAT:
        bad(f"'format' must be '{FORMAT}'")
    if not isinstance(model.get("vars"), list) or not model["vars"]:
        bad("'vars' must be a non-empty list")
    names = []
    for v in model["vars"]:
        name = v.get("name")
        if not isinstance(name, str):
            bad("every var needs a 'name'")
        if name in names:
            bad(f"two vars are called '{name}'", name)
        names.append(name)
        if v.get("type") not in TYPES:
            bad(f"unknown type '{v.get('type')}'", name)
        pm = v.get("prop_missing", 0)
        if not isinstance(pm, (int, float)) or not 0 <= pm <= 1:
            bad("'prop_missing' must be between 0 and 1", name)
        if pm > 0 and not v.get("missing_tokens"):
            bad("'missing_tokens' must say which token(s) stand for a missing cell", name)
        d = v.get("distribution") or {}
        if d.get("name") not in ("categorical", "discrete", "normal", "lognormal", "uniform", "exponential",
                                 "constant", "unique_key"):
            bad(f"unknown distribution '{d.get('name')}'", name)
        p = d.get("parameters")
        if not isinstance(p, dict):
            bad("'parameters' must be an object", name)
        if d["name"] in ("categorical", "discrete"):
            key = "labels" if d["name"] == "categorical" else "values"
            if len(p.get(key, [])) != len(p.get("probs", [])) or not p.get("probs"):
                bad(f"'{key}' and 'probs' must have the same, non-zero length", name)
            if any((not isinstance(q, (int, float))) or q < 0 for q in p["probs"]) or sum(p["probs"]) <= 0:
                bad("'probs' must be non-negative numbers with a positive sum", name)
    n = model.get("n_rows")
    if not isinstance(n, int) or n < 1:
        bad("'n_rows' must be a positive whole number")


def schema_from_model(model: dict) -> Schema:
    cols = []
    for v in model["vars"]:
        f = v.get("format") or {}
        tokens = sorted((v.get("missing_tokens") or {}).keys())
        cols.append(ColumnSchema(name=v["name"], type=v["type"], detected_type=v["type"],
                                 decimals=f.get("decimals", 0 if v["type"] == "integer" else None),
                                 min_decimals=f.get("min_decimals", 0) or 0, date_format=f.get("date_format"),
                                 labels=f.get("labels"), na_tokens=tokens))
    return Schema(columns=cols, n_rows=int(model["n_rows"]), dialect=Dialect.from_dict(model.get("dialect")))


def _probs(p) -> np.ndarray:
    a = np.array(p, dtype=float)
    return a / a.sum()


def _draw_index(probs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(probs)
    cum = np.array([round_sig(c, 12) for c in cum])
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)


def sample_var(v: dict, n: int, rng: np.random.Generator) -> tuple[dict, list[str]]:
    """Synthetic arrays for one var: {"x" or "codes" or "ids", "tok"} and its tokens."""
    t = v["type"]
    d = _from_readable(v["distribution"], t)
    p = d["parameters"]
    tokens_map = v.get("missing_tokens") or {}
    tokens = list(tokens_map.keys())
    pm = float(v.get("prop_missing", 0) or 0)
    miss = rng.random(n) < pm if pm > 0 and tokens else np.zeros(n, dtype=bool)
    tok = np.full(n, -1, dtype=np.int32)
    if miss.any():
        tok[miss] = _draw_index(_probs(list(tokens_map.values())), int(miss.sum()), rng)
    name = d["name"]
    if name == "unique_key":
        return {"ids": None, "tok": tok, "shape": p.get("shape", "9999999")}, tokens
    if name == "categorical":
        codes = _draw_index(_probs(p["probs"]), n, rng).astype(np.int32)
        L = len(p["labels"])
        codes = np.where(tok >= 0, L + tok, codes).astype(np.int32)
        return {"codes": codes, "tok": tok, "labels": list(map(str, p["labels"]))}, tokens
    if name == "discrete":
        idx = _draw_index(_probs(p["probs"]), n, rng)
        x = np.array(p["values"], dtype=float)[idx]
    elif name == "constant":
        x = np.full(n, float(p["value"]))
    else:
        x = _draw_continuous(name, p, n, rng)
    x[tok >= 0] = np.nan
    return {"x": x, "tok": tok}, tokens


def _draw_continuous(name: str, p: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    lower = float(p.get("lower", -np.inf))
    upper = float(p.get("upper", np.inf))

    def draw(k):
        if name == "normal":
            return float(p["mean"]) + float(p["sd"]) * std_normal(rng, k)
        if name == "uniform":
            return float(p["low"]) + (float(p["high"]) - float(p["low"])) * rng.random(k)
        if name == "exponential":
            return float(p["loc"]) - float(p["scale"]) * det_log(1.0 - rng.random(k))
        if name == "lognormal":
            return det_exp(float(p["mu"]) + float(p["sigma"]) * std_normal(rng, k))
        raise EngineError("model.invalid", kind="settings", detail=f"unknown distribution '{name}'")

    x = draw(n)
    for _ in range(20):
        out = (x < lower) | (x > upper)
        if not out.any():
            break
        x[out] = draw(int(out.sum()))
    return np.clip(x, lower, upper)


def marginal_steps(model: dict, n: int, rng: np.random.Generator, schema: Schema | None = None,
                   real_ids: dict | None = None, step0: int = 0, total: int | None = None):
    """Sample a synthetic Dataset from a model document; yields a Step per column, returns
    (dataset, notes). Without `schema` (the real data's) the schema is rebuilt from the model; without
    `real_ids` identifiers are made in the model's shape and cannot be checked against real ones."""
    from ..dataset import Dataset
    from ..progress import Step
    from .common import decode, missing_tokens, regenerate_identifier

    check_model(model)
    schema = schema or schema_from_model(model)
    total = total or len(model["vars"])
    values, missing, notes = {}, {}, []
    for i, v in enumerate(model["vars"]):
        col = schema[v["name"]]
        arrays, tokens = sample_var(v, n, rng)
        if v["type"] == IDENTIFIER:
            if real_ids is not None and col.name in real_ids:
                values[col.name] = regenerate_identifier(real_ids[col.name], n, rng)
            else:
                shape = arrays["shape"]
                values[col.name] = regenerate_identifier(pd.Series([shape.replace("9", "1")]), n, rng)
                notes.append(note("identifier_from_shape", col.name))
            missing[col.name] = missing_tokens([], np.full(n, -1))
        elif "codes" in arrays:
            labels = arrays["labels"]
            if v["type"] == "boolean":
                col.labels = labels
            enc = Encoded(col.name, v["type"], tokens, arrays["tok"], codes=arrays["codes"], labels=labels)
            values[col.name], missing[col.name] = decode(enc, n, codes=arrays["codes"])
        else:
            dec = 0 if v["type"] in ("integer", DATE, DATETIME) else col.decimals
            enc = Encoded(col.name, v["type"], tokens, arrays["tok"], x=arrays["x"], decimals=dec)
            values[col.name], missing[col.name] = decode(enc, n, x=arrays["x"], tok=arrays["tok"])
        yield Step("synthesise", step0 + i + 1, total, "progress.column", {"column": col.name})
    order = [c for c in schema.names if c in values] if schema is not None else list(values)
    ds = Dataset(schema, pd.DataFrame({c: values[c] for c in order}, index=range(n)),
                 pd.DataFrame({c: missing[c] for c in order}, index=range(n)))
    return ds, notes


def synthesise_from_model(model: dict, n: int | None = None, seed: int | None = None):
    """Synthesise from a model document alone: (Dataset, notes). n defaults to the model's n_rows."""
    from ..progress import drive

    check_model(model)
    rng = np.random.default_rng(seed)
    return drive(marginal_steps(model, int(n or model["n_rows"]), rng))
