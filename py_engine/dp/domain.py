"""The public domain: for each column the cells its values fall into, declared before any data access.

A domain document (JSON, written by --write-domain for the user to check and edit):

    {"format": "localsynth.dp-domain", "version": 1, "columns": [
      {"name": "sex", "kind": "categorical", "levels": ["Female", "Male"], "missing": [""]},
      {"name": "age", "kind": "number", "lower": 17, "upper": 90, "bins": 74, "scale": "linear",
       "special": [], "decimals": 0, "missing": [""]}]}

Cells of a categorical column: its levels, one "other" cell for any value not on the list (decoded
as OTHER_LABEL), then one cell per missing token. Cells of a number column (numeric, integer, date as
days, datetime as seconds since 1970): `bins` intervals over [lower, upper] (equal width, or "log"
spacing of x - lower + 1), one cell per `special` value (e.g. 0), one per missing token; MST and the
independent baseline refine `bins` above epsilon 1 (grid_for_epsilon, a function of epsilon and the
domain only). Values
outside the bounds are clipped to them; a missing token not declared goes to the first missing cell.
A column may declare no missing tokens ("missing": []): it then has no missing cell, and a missing
value there is counted as a value not on the list ("other") or as the lower bound (a number).
So every row lands in exactly one cell of every column whatever it holds, which is what makes each
count vector's L2 sensitivity 1 under adding or removing a row.

`check_domain(domain, schema)` makes the domain used for synthesis; it reads only the domain and the
column types, never the data. `suggest_domain(data)` reads the data: its result is NOT private
(levels present, min and max leak) until the user has checked it and treats it as public knowledge;
the method records `domain_from_data` when it was used unconfirmed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import EngineError
from ..schema import BOOLEAN, CATEGORICAL, DATE, DATETIME, IDENTIFIER, INTEGER, NUMERIC, TEXT

FORMAT = "localsynth.dp-domain"
VERSION = 1
OTHER_LABEL = "Other"
GRID = 64  # cells for numbers without one cell per integer
INTEGER_CELLS = 128  # integer columns with a range up to this get one cell per value
MIN_GRID = 8  # grid_for_epsilon never gives a number column fewer cells than this
NUMBER_TYPES = (NUMERIC, INTEGER, DATE, DATETIME)


@dataclass
class ColumnDomain:
    name: str
    kind: str  # "categorical" | "number"
    levels: list[str] | None = None
    lower: float = 0.0
    upper: float = 0.0
    bins: int = 0
    scale: str = "linear"
    special: list[float] | None = None
    decimals: int | None = 0
    missing: list[str] | None = None

    @property
    def n_values(self) -> int:
        """Cells that are values (levels + other, or bins + specials), before the missing cells."""
        if self.kind == "categorical":
            return len(self.levels) + 1
        return self.bins + len(self.special)

    @property
    def size(self) -> int:
        return self.n_values + len(self.missing)

    @property
    def ordered_cells(self) -> int:
        """Leading cells that are ordered (the numeric bins); 0 for a categorical."""
        return self.bins if self.kind == "number" else 0

    def edges(self) -> np.ndarray:
        lo, hi = float(self.lower), float(self.upper)
        if self.scale == "log":
            return lo - 1 + np.exp(np.linspace(0.0, math.log(hi - lo + 1), self.bins + 1))
        return np.linspace(lo, hi, self.bins + 1)

    def to_dict(self) -> dict:
        if self.kind == "categorical":
            return {"name": self.name, "kind": self.kind, "levels": list(self.levels), "missing": list(self.missing)}
        return {"name": self.name, "kind": self.kind, "lower": self.lower, "upper": self.upper, "bins": self.bins,
                "scale": self.scale, "special": list(self.special), "decimals": self.decimals,
                "missing": list(self.missing)}


def _bad(column: str, what: str) -> EngineError:
    return EngineError("dp.domain_bad", kind="settings", column=column, detail=what)


def _num(v, column: str, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _bad(column, what)
    return float(v)


def parse_column(d: dict, typ: str) -> ColumnDomain:
    name = str(d.get("name"))
    missing = d.get("missing", [""])
    if not isinstance(missing, list) or len(set(map(str, missing))) != len(missing):
        raise _bad(name, "missing")
    missing = [str(t) for t in missing]
    kind = d.get("kind")
    if typ in (CATEGORICAL, BOOLEAN):
        if kind != "categorical":
            raise EngineError("dp.domain_kind", kind="settings", column=name, type=typ, expected="categorical")
        levels = d.get("levels")
        if not isinstance(levels, list) or not levels or len(set(map(str, levels))) != len(levels):
            raise _bad(name, "levels")
        levels = [str(x) for x in levels]
        if set(levels) & set(missing):  # a cell is a value or missing, not both (the output would be ambiguous)
            raise _bad(name, "missing")
        return ColumnDomain(name, "categorical", levels=levels, missing=missing)
    if typ in NUMBER_TYPES:
        if kind != "number":
            raise EngineError("dp.domain_kind", kind="settings", column=name, type=typ, expected="number")
        lo = _num(d.get("lower"), name, "lower")
        hi = _num(d.get("upper"), name, "upper")
        if not hi > lo:
            raise _bad(name, "lower < upper")
        bins = d.get("bins", GRID)
        if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 10000:
            raise _bad(name, "bins")
        scale = d.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise _bad(name, "scale")
        special = [_num(v, name, "special") for v in d.get("special", [])]
        decimals = d.get("decimals", 0 if typ != NUMERIC else None)
        if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                     or not 0 <= decimals <= 15):
            raise _bad(name, "decimals")
        if typ in (INTEGER, DATE, DATETIME):
            decimals = 0
        return ColumnDomain(name, "number", lower=lo, upper=hi, bins=bins, scale=scale, special=special,
                            decimals=decimals, missing=missing)
    raise EngineError("dp.domain_type", kind="settings", column=name, type=typ)


def check_domain(domain: dict | None, schema, columns: list[str]) -> dict[str, ColumnDomain]:
    """The domain for `columns` from the declared document; a pure function of (domain, schema)."""
    if not domain:
        raise EngineError("dp.domain_missing", kind="settings")
    if not isinstance(domain, dict) or domain.get("format") != FORMAT or not isinstance(domain.get("columns"), list):
        raise EngineError("dp.domain_format", kind="settings")
    given = {}
    for d in domain["columns"]:
        if not isinstance(d, dict) or "name" not in d:
            raise EngineError("dp.domain_format", kind="settings")
        given[str(d["name"])] = d
    out = {}
    for c in columns:
        if c not in given:
            raise EngineError("dp.domain_no_column", kind="settings", column=c)
        out[c] = parse_column(given[c], schema[c].type)
    extra = [n for n in given if n not in columns]
    if extra:
        raise EngineError("dp.domain_unknown_column", kind="settings", column=extra[0])
    return out


def grid_for_epsilon(dom: ColumnDomain, typ: str, epsilon: float) -> ColumnDomain:
    """The grid MST measures a number column on: the declared `bins` up to epsilon 1, times
    2^clip(log10 epsilon, 0, 1) above (double at epsilon >= 10), integer and date columns never finer
    than one value per cell (one cell per value stays as declared). A pure function of the public
    domain and the public epsilon: every row still lands in exactly one cell (sensitivity 1
    unchanged). At high epsilon the noise is small and finer cells decode closer to the data. Not
    coarser at low epsilon: measured on Adult (benchmarks/results/dp-curve.md) a grid halved at
    epsilon 0.1 (0.7x at 0.3, 0.8x at 0.5) gave a worse mean 2-way S_pMSE at 0.3 and 0.5; the
    merging of adjacent cells by their noisy counts (mst.compress) already coarsens where the noise
    needs it, and it keeps the fine cells to decode within a merged one. MIN_GRID is the floor."""
    if dom.kind != "number":
        return dom
    width = (dom.upper - dom.lower) / dom.bins
    whole = typ in (INTEGER, DATE)
    if whole and width <= 1:
        return dom  # one cell per value (or finer): as declared
    factor = 2.0 ** min(max(math.log10(float(epsilon)), 0.0), 1.0)
    bins = int(round(dom.bins * factor))
    bins = max(bins, min(MIN_GRID, dom.bins))
    if whole:
        bins = min(bins, max(1, int(math.floor(dom.upper - dom.lower))))
    if bins == dom.bins:
        return dom
    return ColumnDomain(dom.name, dom.kind, lower=dom.lower, upper=dom.upper, bins=bins, scale=dom.scale,
                        special=list(dom.special), decimals=dom.decimals, missing=list(dom.missing))


def dp_columns(schema, columns: list[str]) -> tuple[list[str], list[str]]:
    """(columns the DP method models, identifier columns written as row numbers). Free text refused."""
    model, ids = [], []
    for c in columns:
        t = schema[c].type
        if t == TEXT:
            raise EngineError("synthesis.free_text", kind="settings", column=c)
        (ids if t == IDENTIFIER else model).append(c)
    return model, ids


def domain_document(doms: dict[str, ColumnDomain], from_data: bool = False) -> dict:
    out = {"format": FORMAT, "version": VERSION, "columns": [d.to_dict() for d in doms.values()]}
    if from_data:
        out["from_data"] = True
        out["warning"] = ("Suggested from the real data (levels present, minimum and maximum): check and edit "
                          "before use. Used as it is, the domain is not covered by the privacy guarantee.")
    return out


def suggest_domain(data, columns: list[str]) -> dict:
    """A domain suggested FROM THE DATA: not private. For the user to check (--write-domain) or for
    benchmarks (--domain-from-data, which is recorded as not covered by the guarantee)."""
    from ..dataset import to_float

    doms = {}
    for c in columns:
        typ = data.schema[c].type
        miss = data.missing[c]
        # the tokens the column has; none when it has no missing values (then the DP model has no
        # missing cell for it and never writes a missing value there)
        tokens = [str(t) for t in miss[miss.notna()].astype(str).unique()]
        if typ in (CATEGORICAL, BOOLEAN):
            cat = data.values[c]
            levels = [str(x) for x in (cat.cat.categories if hasattr(cat, "cat") else sorted(cat.dropna().astype(str).unique()))]
            doms[c] = ColumnDomain(c, "categorical", levels=levels or ["?"], missing=tokens)
            continue
        x = to_float(data.values[c], typ).astype(float)
        x = x[np.isfinite(x)]
        if len(x) == 0:
            x = np.array([0.0, 1.0])
        lo, hi = float(np.min(x)), float(np.max(x))
        if hi <= lo:
            hi = lo + 1
        whole = bool(np.all(x == np.round(x)))
        special = []
        if lo == 0 and np.mean(x == 0) > 0.1:
            special = [0.0]
        if whole and hi - lo + 1 <= INTEGER_CELLS:
            bins, scale = int(hi - lo + 1), "linear"
            lo, hi = lo - 0.5, hi + 0.5
        else:
            med = float(np.median(x))
            scale = "log" if lo >= 0 and (hi - lo + 1) / (med - lo + 1) > 5 else "linear"
            bins = 40 if special else GRID
        dec = 0 if typ != NUMERIC else data.schema[c].decimals
        doms[c] = ColumnDomain(c, "number", lower=lo, upper=hi, bins=bins, scale=scale, special=special,
                               decimals=dec, missing=tokens)
    return domain_document(doms, from_data=True)
