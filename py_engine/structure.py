"""The structure of a table: group keys and their attributes, nested keys, exact dependencies between
categoricals, and derived columns (the structure document, ARCHITECTURE.md).

    doc = find_structure(dataset)           # everything found, each item "enabled": true
    doc = resolve_structure(dataset, edited) # the user's edits merged and checked

What is found (every check is exact on every row; a missing cell counts as a value of its own):

- **group keys**: a categorical G with at most n/MIN_ROWS_PER_LEVEL levels (about one row per level
  is no group) that determines other columns: every level of G has one value of each. Those are G's
  attributes. A key that only determines categoricals with fewer levels is a *dependency* A -> B
  instead, unless its name says it names units (schema.code_like_name) or it determines 2+ columns.
  A key determined by another key lies in it ("parent": the finest such key); an attribute of the
  parent is not repeated for the child. Of two keys that determine each other the first is kept.
- **dependencies** A -> B between categoricals not already implied by a group key (one source per
  target, a source that is not itself a target); also between two attributes of one key.
- **derived columns** (synthpop's passive method: computed from their sources after synthesis):
  `linear` y = a*x + c, `sum` x + y, `difference` x - y, `group_mean` (mean of a member column within a
  key), `binning` (a categorical that is a function of a number with fixed cut points), `recode` (a
  categorical in one-to-one correspondence with another). The tolerance is half a unit of the last
  written decimal of each column involved (schema `decimals`). A group mean is also taken when it is
  within 2% of the attribute's standard deviation of the members' mean (a mean computed on a fuller
  sample, as MEANSES in High School and Beyond: within 0.007); params give the largest deviation.

Vectorised: one stable sort per key, one pass per column (O(n) numpy), so 31,000 rows with a
2,400-level key take well under a second. Index arrays are np.intp (wasm32).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import EngineError
from .schema import BOOLEAN, CATEGORICAL, DATE, DATETIME, IDENTIFIER, INTEGER, NUMERIC, TEXT, code_like_name

VERSION = 1
MIN_ROWS_PER_LEVEL = 3  # a key has at most n/3 levels (about one row per level is no group)
MIN_SHARED_LEVELS = 0.5  # ... and at least half its rows lie in levels of 2+ rows
GROUP_MEAN_SHARE = 0.02  # an approximate group mean: within 2% of the attribute's sd
NEST_MIN_LEVELS = 20  # a key that only lies in another: a unit-like name or this many levels
MAX_SUM_COLUMNS = 60  # sums/differences are looked for among at most this many numeric columns
NUMBER_TYPES = (NUMERIC, INTEGER)
CATEGORY_TYPES = (CATEGORICAL, BOOLEAN)
MAX_BINS = 20  # a binning has at most this many labels (an age group, not a unit code)
# the search compares columns in pairs (keys x columns, earlier x later numbers): its work grows with
# the square of the column count (60 rows: 3 s at 250 columns, 33 s at 1,000 on CPython), so wider
# tables are not searched (issue 14: 10,000 columns ran for hours); the synthesis says so in a note
MAX_STRUCTURE_COLUMNS = 500
KINDS = ("linear", "sum", "difference", "group_mean", "binning", "recode")


# --------------------------------------------------------------------------- column codes

def _codes(data: Dataset, name: str) -> tuple[np.ndarray, int]:
    """Integer codes 0..k-1 of a column's values (a missing token is a value of its own), np.intp."""
    v = data.values[name]
    m = data.missing[name]
    t = data.schema[name].type
    if t in CATEGORY_TYPES:
        key = v.astype(object).where(v.notna(), None)
    elif t in (DATE, DATETIME):
        key = pd.Series(data.numeric(name))
    else:
        key = v.astype(float)
    s = pd.Series(key.to_numpy(), dtype=object).astype(str)
    mm = m.notna().to_numpy()
    if mm.any():
        s = s.where(~mm, "\x00" + m.astype(str))
    codes, uniq = pd.factorize(s, sort=False)
    return codes.astype(np.intp), len(uniq)


def _determines(g_sorted_change: np.ndarray, order: np.ndarray, b: np.ndarray) -> bool:
    """Does the key (sorted by `order`, with change points `g_sorted_change`) determine column b?"""
    bs = b[order]
    change = bs[1:] != bs[:-1]
    return not bool(np.any(change & ~g_sorted_change))


def _first_counter(g: np.ndarray, b: np.ndarray) -> int | None:
    """The first row (in table order) whose key level already had another value of b, or None."""
    first_b = pd.Series(b).groupby(g, sort=False).transform("first").to_numpy()
    bad = np.flatnonzero(first_b != b)
    return int(bad[0]) if len(bad) else None


class _Table:
    """What the detection needs of a Dataset, computed once."""

    def __init__(self, data: Dataset):
        self.data = data
        self.n = data.n_rows
        self.cols = [c for c in data.columns if data.schema[c].type not in (IDENTIFIER, TEXT)]  # free text: no structure
        self.type = {c: data.schema[c].type for c in self.cols}
        self.codes: dict[str, tuple[np.ndarray, int]] = {c: _codes(data, c) for c in self.cols}
        self.sorted: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def levels(self, c: str) -> int:
        return self.codes[c][1]

    def key_sort(self, g: str) -> tuple[np.ndarray, np.ndarray]:
        if g not in self.sorted:
            gc = self.codes[g][0]
            order = np.argsort(gc, kind="stable").astype(np.intp)
            gs = gc[order]
            self.sorted[g] = (order, gs[1:] != gs[:-1])
        return self.sorted[g]

    def determines(self, a: str, b: str) -> bool:
        if self.levels(b) > self.levels(a):
            return False
        order, change = self.key_sort(a)
        return _determines(change, order, self.codes[b][0])

    def decimals(self, c: str) -> int:
        d = self.data.schema[c].decimals
        return 0 if self.type[c] == INTEGER else (d if d is not None else 6)


def _item_group(key, n_groups, attributes, parent, source="found"):
    return {"key": key, "n_groups": int(n_groups), "attributes": list(attributes), "parent": parent,
            "enabled": True, "source": source}


def _tol(decimals: int) -> float:
    return 0.5 * 10.0 ** (-decimals) + 1e-9


# --------------------------------------------------------------------------- find

def find_structure(data: Dataset) -> dict:
    """The structure document of `data`, every finding enabled; empty for a table of more than
    MAX_STRUCTURE_COLUMNS columns (too_wide)."""
    if too_wide(data):
        return empty_structure()
    t = _Table(data)
    n = t.n
    cats = [c for c in t.cols if t.type[c] in CATEGORY_TYPES and t.levels(c) >= 2]
    nonconst = [c for c in t.cols if t.levels(c) >= 2]
    # ---- candidate keys and what they determine
    determined: dict[str, list[str]] = {}
    cand: list[str] = []
    for g in cats:
        L = t.levels(g)
        if L > n / MIN_ROWS_PER_LEVEL:
            continue
        counts = np.bincount(t.codes[g][0], minlength=L)
        if counts[counts >= 2].sum() < MIN_SHARED_LEVELS * n:
            continue
        cand.append(g)
        det = [b for b in nonconst if b != g and t.determines(g, b)]
        if det:
            determined[g] = det
    # keys that determine each other: keep the first in table order
    keys: list[str] = []
    for g in determined:
        if any(k in determined[g] and g in determined[k] for k in keys):
            continue
        keys.append(g)
    deps_raw: list[tuple[str, str]] = []
    groups: dict[str, list[str]] = {}
    for g in keys:
        # columns in one-to-one correspondence with g are recodes or binnings of it, not attributes
        # (education and education_num); a key keeps them when it has other attributes, names units,
        # or one of them is a measurement (a school's average score)
        det = determined[g]
        one_to_one = [b for b in det if t.levels(b) == t.levels(g) and t.determines(b, g)]
        if len(one_to_one) == len(det) and not code_like_name(g) and not any(t.type[b] == NUMERIC for b in det):
            continue
        only_coarse_cats = all(t.type[b] in CATEGORY_TYPES and t.levels(b) <= t.levels(g) for b in det)
        if only_coarse_cats and len(det) == 1 and not code_like_name(g) \
                and not any(b in determined and b in keys for b in det):
            deps_raw.append((g, det[0]))
        else:
            groups[g] = det
    # a unit-like key that determines nothing but lies in a key (authorities of schools) nests too
    for g in cand:
        if g not in groups and g not in determined and (code_like_name(g) or t.levels(g) >= NEST_MIN_LEVELS) \
                and any(g in det for det in groups.values()):
            groups[g] = []
    # nesting: a key among another key's attributes is its parent (the finest such)
    parent: dict[str, str | None] = {}
    for g, det in groups.items():
        ps = [k for k in groups if k != g and k in det and g not in groups[k]]
        parent[g] = max(ps, key=lambda k: (t.levels(k), -t.cols.index(k))) if ps else None
    out_groups = []
    for g in sorted(groups, key=lambda k: -t.levels(k)):
        p = parent[g]
        implied = set(groups[p]) | {p} if p else set()
        attrs = [b for b in groups[g] if b not in implied and b != p]
        out_groups.append(_item_group(g, t.levels(g), attrs, p))
    group_closure = {g: set(groups[g]) for g in groups}
    # ---- derived columns
    derived: list[dict] = []
    taken: list[str] = []  # columns already derived

    def free(c):
        return c not in taken

    # group means: an attribute of a key that is the mean of a member column within that key
    for gi in out_groups:
        g = gi["key"]
        gcodes = t.codes[g][0]
        L = t.levels(g)
        members = [c for c in nonconst if t.type[c] in NUMBER_TYPES and c not in group_closure[g] and c != g]
        for y in gi["attributes"]:
            if t.type[y] not in NUMBER_TYPES or not free(y):
                continue
            yv = data.values[y].to_numpy(dtype=float)
            ygrp = _group_first(gcodes, yv, L)
            if np.any(np.isnan(ygrp)):
                continue
            for x in members:
                if not free(x):
                    continue
                xv = data.values[x].to_numpy(dtype=float)
                ok = ~np.isnan(xv)
                s = np.bincount(gcodes[ok], weights=xv[ok], minlength=L)
                k = np.bincount(gcodes[ok], minlength=L)
                if np.any(k == 0):
                    continue
                mean = s / k
                dev = float(np.max(np.abs(mean - ygrp)))
                tol = _tol(t.decimals(y)) + _tol(t.decimals(x))
                sd = float(np.std(ygrp))
                if dev <= tol or (sd > 0 and dev <= GROUP_MEAN_SHARE * sd):
                    derived.append({"column": y, "kind": "group_mean", "sources": [x], "group": g,
                                    "params": {"max_deviation": round(dev, 6), "exact": dev <= tol},
                                    "formula": f"mean of {x} within {g}", "enabled": True, "source": "found"})
                    taken.append(y)
                    break
    # numbers: linear, sum, difference
    nums = [c for c in nonconst if t.type[c] in NUMBER_TYPES]
    if len(nums) >= 2:
        X = np.column_stack([data.values[c].to_numpy(dtype=float) for c in nums])
        miss = np.isnan(X)
        for j, y in enumerate(nums):
            if not free(y):
                continue
            found = None
            for i in range(j):
                x = nums[i]
                if not free(x) or not np.array_equal(miss[:, i], miss[:, j]):
                    continue
                f = _linear(X[:, i], X[:, j], t.decimals(x), t.decimals(y))
                if f is not None:
                    a, c = f
                    found = {"column": y, "kind": "linear", "sources": [x], "params": {"a": a, "c": c},
                             "formula": f"{_num(a)} * {x} + {_num(c)}" if a != 1 else f"{x} + {_num(c)}"}
                    break
            if found is None and len(nums) <= MAX_SUM_COLUMNS:
                found = _sum_or_difference(X, miss, j, nums, t, taken)
            if found is not None:
                found.update({"enabled": True, "source": "found"})
                derived.append(found)
                taken.append(y)
    # categoricals: a binning of a number, a recode (one-to-one) of another categorical
    for b in cats:
        # a group key names units: it is no recode or binning of a column that is unique per unit
        if not free(b) or b in groups or any(b in gi["attributes"] for gi in out_groups):
            continue
        done = False
        for a in cats:
            if a == b or not free(a) or t.levels(a) != t.levels(b):
                continue
            if t.determines(a, b) and t.determines(b, a):
                if t.cols.index(a) > t.cols.index(b):
                    continue
                mp = _level_map(t, data, a, b)
                derived.append({"column": b, "kind": "recode", "sources": [a], "params": {"map": mp},
                                "formula": f"recode of {a}", "enabled": True, "source": "found"})
                taken.append(b)
                done = True
                break
        if done:
            continue
        for x in nums:
            if not free(x) or t.levels(b) > MAX_BINS or t.levels(x) < t.levels(b) or not t.determines(x, b):
                continue
            bins = _binning(data, x, b)
            if bins is not None:
                derived.append({"column": b, "kind": "binning", "sources": [x], "params": bins,
                                "formula": f"{x} cut at " + ", ".join(_num(c) for c in bins["cuts"]),
                                "enabled": True, "source": "found"})
                taken.append(b)
                break
    # ---- dependencies between categoricals not implied by a group
    # (a dependency between two attributes of one key, e.g. exam's schgend -> type, is found too: the
    # group-level synthesis need not keep it exactly, the Gaussian copula did not)
    implied = set()
    for g, det in groups.items():
        implied |= {(g, b) for b in det}
    targets: dict[str, str] = {}
    for a, b in deps_raw:
        if (a, b) not in implied and free(b):
            targets.setdefault(b, a)
    for a in cats:
        if a in groups or t.levels(a) > n / 2:
            continue
        for b in cats:
            if b == a or b in groups or (a, b) in implied or not free(b) or b in targets:
                continue
            if t.levels(b) < t.levels(a) and t.determines(a, b):
                targets[b] = a
    deps = []
    for b in [c for c in t.cols if c in targets]:
        a = targets[b]
        while a in targets and targets[a] != b:  # a source that is not itself a target
            a = targets[a]
        deps.append({"from": a, "to": b, "enabled": True, "source": "found"})
    return {"version": VERSION, "groups": out_groups, "dependencies": deps, "derived": derived,
            "group_key_labels": "keep"}


def too_wide(data: Dataset) -> bool:
    """More columns than the pairwise search is run on (MAX_STRUCTURE_COLUMNS)."""
    return len(data.columns) > MAX_STRUCTURE_COLUMNS


def _num(v: float) -> str:
    return f"{v:g}"


def _group_first(gcodes: np.ndarray, v: np.ndarray, L: int) -> np.ndarray:
    out = np.full(L, np.nan)
    idx = np.arange(len(gcodes) - 1, -1, -1)
    out[gcodes[idx]] = v[idx]  # the first row of each level wins (written last)
    return out


def _linear(x: np.ndarray, y: np.ndarray, dx: int, dy: int) -> tuple[float, float] | None:
    ok = ~np.isnan(x)
    if ok.sum() < 3:
        return None
    xo, yo = x[ok], y[ok]
    i0, i1 = int(np.argmin(xo)), int(np.argmax(xo))
    if xo[i1] == xo[i0]:
        return None
    a = (yo[i1] - yo[i0]) / (xo[i1] - xo[i0])
    if a == 0:
        return None
    a = _round_sig(a, 6)
    c = round(float(np.median(yo - a * xo)), max(dy, 0) + 3)
    tol = _tol(dy) + abs(a) * _tol(dx)
    if float(np.max(np.abs(yo - (a * xo + c)))) <= tol:
        return float(a), float(round(c, dy + 3))
    return None


def _round_sig(x: float, d: int) -> float:
    if x == 0:
        return 0.0
    return round(x, d - 1 - int(math.floor(math.log10(abs(x)))))


def _sum_or_difference(X, miss, j, nums, t, taken) -> dict | None:
    """y = x1 + x2 or y = x1 - x2 on every row, a check first on a sample of 64 rows (vectorised)."""
    y = nums[j]
    srcs = [i for i in range(j) if nums[i] not in taken]  # sources come before the column
    if len(srcs) < 2:
        return None
    rows = np.flatnonzero(~miss[:, j])
    if len(rows) < 3:
        return None
    sample = rows[np.linspace(0, len(rows) - 1, min(64, len(rows))).astype(np.intp)]
    S = X[np.ix_(sample, srcs)]
    ys = X[sample, j]
    tol = _tol(t.decimals(y)) + 2 * max(_tol(t.decimals(nums[i])) for i in srcs)
    for sign, kind in ((1.0, "sum"), (-1.0, "difference")):
        D = np.abs(S[:, :, None] + sign * S[:, None, :] - ys[:, None, None])
        hit = np.all(D <= tol, axis=0)
        if sign > 0:
            hit = np.triu(hit, 1)
        np.fill_diagonal(hit, False)
        for p, q in zip(*np.nonzero(hit), strict=True):
            a, b = srcs[int(p)], srcs[int(q)]
            m = miss[:, a] | miss[:, b]
            if not np.array_equal(m, miss[:, j]):
                continue
            ok = ~m
            full = np.abs(X[ok, a] + sign * X[ok, b] - X[ok, j])
            tl = _tol(t.decimals(y)) + _tol(t.decimals(nums[a])) + _tol(t.decimals(nums[b]))
            if float(np.max(full)) <= tl:
                op = "+" if sign > 0 else "-"
                return {"column": y, "kind": kind, "sources": [nums[a], nums[b]], "params": {},
                        "formula": f"{nums[a]} {op} {nums[b]}"}
    return None


def _labels(data: Dataset, c: str) -> list[str]:
    v = data.values[c]
    m = data.missing[c]
    out = v.astype(object).where(v.notna(), None).to_numpy()
    mm = m.notna().to_numpy()
    lab = np.array([str(x) for x in out], dtype=object)
    if mm.any():
        lab[mm] = np.array([None] * int(mm.sum()), dtype=object)
    return list(lab)


def _level_map(t: _Table, data: Dataset, a: str, b: str) -> dict:
    av = pd.Series(_labels(data, a), dtype=object).fillna("")
    bv = pd.Series(_labels(data, b), dtype=object).fillna("")
    first = pd.DataFrame({"a": av, "b": bv}).drop_duplicates("a")
    return {str(k): str(v) for k, v in zip(first["a"], first["b"], strict=True)}


def _binning(data: Dataset, x: str, b: str) -> dict | None:
    """A categorical b that is a number x cut at fixed points: along sorted x, each label one run."""
    xv = data.values[x].to_numpy(dtype=float)
    ok = ~np.isnan(xv)
    bv = data.values[b]
    if data.missing[b].notna().to_numpy()[ok].any() or (~ok).any():
        return None  # missing numbers or labels: not a plain binning
    labs = np.array([str(v) for v in bv.astype(object)], dtype=object)
    order = np.argsort(xv, kind="stable")
    ls = labs[order]
    xs = xv[order]
    change = np.flatnonzero(ls[1:] != ls[:-1]) + 1
    run_labels = [ls[0]] + [ls[i] for i in change]
    if len(run_labels) != len(dict.fromkeys(run_labels)) or len(run_labels) < 2:
        return None
    cuts = [float(xs[i]) for i in change]  # x >= cut: the next label
    return {"cuts": cuts, "labels": [str(v) for v in run_labels], "right": False}


# --------------------------------------------------------------------------- resolve (the user's edits)

def resolve_structure(data: Dataset, user_doc: dict | None) -> dict:
    """The document to use: found automatically (None), nothing ({"off": True}), or the user's edited
    document with its enabled flags; items the user added ("source": "user") are checked on the data:
    a derived column that does not hold -> structure.not_derivable, a group or dependency the data
    contradict -> structure.contradicted with the first counter-example row."""
    if user_doc is None:
        return find_structure(data)
    if user_doc is False or (isinstance(user_doc, dict) and user_doc.get("off")):
        return empty_structure()
    if not isinstance(user_doc, dict):
        raise EngineError("structure.bad_document", kind="settings")
    doc = {"version": VERSION, "groups": [], "dependencies": [], "derived": [],
           "group_key_labels": user_doc.get("group_key_labels", "keep")}
    if doc["group_key_labels"] not in ("keep", "relabel"):
        raise EngineError("structure.bad_document", kind="settings")
    cols = [c for c in data.columns if data.schema[c].type != IDENTIFIER]
    t = None

    def table():
        nonlocal t
        if t is None:
            t = _Table(data)
        return t

    def known(c):
        if c not in cols:
            raise EngineError("structure.unknown_column", kind="settings", column=str(c))

    for g in user_doc.get("groups") or []:
        g = dict(g)
        g.setdefault("enabled", True)
        g.setdefault("source", "user")
        g.setdefault("parent", None)
        g.setdefault("attributes", [])
        known(g["key"])
        for a in g["attributes"] + ([g["parent"]] if g["parent"] else []):
            known(a)
        if g["enabled"]:
            tt = table()
            g["n_groups"] = tt.levels(g["key"])
            for a in g["attributes"] + ([g["parent"]] if g["parent"] else []):
                row = _first_counter(tt.codes[g["key"]][0], tt.codes[a][0])
                if row is not None:
                    raise EngineError("structure.contradicted", kind="settings", column=a, source=g["key"],
                                      row=row + 1, value=_cell(data, a, row), key_value=_cell(data, g["key"], row))
        doc["groups"].append(g)
    for d in user_doc.get("dependencies") or []:
        d = dict(d)
        d.setdefault("enabled", True)
        d.setdefault("source", "user")
        known(d["from"])
        known(d["to"])
        if d["enabled"]:
            tt = table()
            row = _first_counter(tt.codes[d["from"]][0], tt.codes[d["to"]][0])
            if row is not None:
                raise EngineError("structure.contradicted", kind="settings", column=d["to"], source=d["from"],
                                  row=row + 1, value=_cell(data, d["to"], row),
                                  key_value=_cell(data, d["from"], row))
        doc["dependencies"].append(d)
    for d in user_doc.get("derived") or []:
        d = dict(d)
        d.setdefault("enabled", True)
        d.setdefault("source", "user")
        d.setdefault("params", {})
        if d.get("kind") not in KINDS:
            raise EngineError("structure.not_derivable", kind="settings", column=str(d.get("column")))
        known(d["column"])
        for s in d.get("sources") or []:
            known(s)
        if d["enabled"] and d["source"] == "user":
            d = _check_derived(data, d)
        doc["derived"].append(d)
    return doc


def _cell(data: Dataset, c: str, row: int) -> str:
    m = data.missing[c].iloc[row]
    if isinstance(m, str):
        return m
    return str(data.values[c].iloc[row])


def _check_derived(data: Dataset, d: dict) -> dict:
    """A user-declared derived column: computed on the real rows, it must equal the column (within the
    written decimals); missing parameters (a, c of a linear; cuts; a map) are fitted."""
    from .methods import common

    col = d["column"]
    enc = {c: common.encode(data, c) for c in [col, *d.get("sources", [])] + ([d["group"]] if d.get("group") else [])}
    try:
        if d["kind"] == "linear" and ("a" not in d["params"] or "c" not in d["params"]):
            t = _Table(data)
            f = _linear(enc[d["sources"][0]].x, enc[col].x, t.decimals(d["sources"][0]), t.decimals(col))
            if f is None:
                raise ValueError
            d["params"] = {"a": f[0], "c": f[1]}
        if d["kind"] == "binning" and "cuts" not in d["params"]:
            b = _binning(data, d["sources"][0], col)
            if b is None:
                raise ValueError
            d["params"] = b
        if d["kind"] == "recode" and "map" not in d["params"]:
            d["params"] = {"map": _level_map(None, data, d["sources"][0], col)}
        got = compute_derived(d, enc, enc[col])
    except (ValueError, KeyError, IndexError, TypeError):
        raise EngineError("structure.not_derivable", kind="settings", column=col) from None
    real = enc[col]
    if real.is_number:
        dec = real.decimals if real.decimals is not None else 6
        a, b = got.x, real.x
        same = np.array_equal(np.isnan(a), np.isnan(b)) and np.all(
            np.abs(a[~np.isnan(a)] - b[~np.isnan(b)]) <= _tol(dec) * (20 if d["kind"] == "group_mean" else 2))
        if d["kind"] == "group_mean" and not same:
            sd = float(np.nanstd(b))
            same = np.array_equal(np.isnan(a), np.isnan(b)) and float(np.nanmax(np.abs(a - b))) <= GROUP_MEAN_SHARE * sd
    else:
        same = np.array_equal(got.codes, real.codes)
    if not same:
        raise EngineError("structure.not_derivable", kind="settings", column=col)
    return d


def empty_structure() -> dict:
    return {"version": VERSION, "groups": [], "dependencies": [], "derived": [], "group_key_labels": "keep"}


# --------------------------------------------------------------------------- computing derived columns

def compute_derived(d: dict, cols: dict, like) -> object:
    """The derived column `d` from the (synthetic) Encoded columns `cols`, as an Encoded shaped `like`."""
    from .methods.common import Encoded

    kind = d["kind"]
    src = [cols[s] for s in d.get("sources", [])]
    n = len(src[0].tok)
    if kind in ("linear", "sum", "difference", "group_mean"):
        if kind == "linear":
            x = float(d["params"]["a"]) * src[0].x + float(d["params"]["c"])
            miss = src[0].tok >= 0
        elif kind == "sum":
            x = src[0].x + src[1].x
            miss = (src[0].tok >= 0) | (src[1].tok >= 0)
        elif kind == "difference":
            x = src[0].x - src[1].x
            miss = (src[0].tok >= 0) | (src[1].tok >= 0)
        else:
            g = cols[d["group"]].codes.astype(np.intp)
            L = int(g.max()) + 1 if len(g) else 0
            xv = src[0].x
            ok = ~np.isnan(xv)
            s = np.bincount(g[ok], weights=xv[ok], minlength=L)
            k = np.bincount(g[ok], minlength=L)
            mean = np.where(k > 0, s / np.maximum(k, 1), np.nan)
            x = mean[g]
            miss = np.isnan(x)
        tok = np.full(n, -1, dtype=np.int32)
        if miss.any():
            first = src[0].tok[miss]
            tok[miss] = np.where(first >= 0, first, 0) if like.tokens else -1
        if miss.any() and not like.tokens:
            x = np.where(miss, np.nanmean(x) if np.any(~miss) else 0.0, x)
            tok[:] = -1
        tokens = like.tokens if like.tokens else []
        if tokens:
            tok = np.where(tok >= len(tokens), 0, tok).astype(np.int32)
        x = np.where(tok >= 0, np.nan, x)
        if like.decimals is not None:
            x = np.round(x, like.decimals)
        return Encoded(like.name, like.type, tokens, tok, x=x, decimals=like.decimals)
    if kind == "binning":
        cuts = np.asarray(d["params"]["cuts"], dtype=float)
        labels = [str(v) for v in d["params"]["labels"]]
        step = np.searchsorted(cuts, src[0].x, side="right")
        lab_index = {lab: i for i, lab in enumerate(like.labels)}
        codes_by_step = np.array([lab_index[lab] for lab in labels], dtype=np.int32)
        codes = codes_by_step[np.clip(step, 0, len(labels) - 1).astype(np.intp)]
        tok = np.full(n, -1, dtype=np.int32)
        return Encoded(like.name, like.type, like.tokens, tok, codes=codes, labels=like.labels)
    if kind == "recode":
        return map_levels(src[0], like, d["params"]["map"])
    raise KeyError(kind)


def map_levels(a, like, mp: dict):
    """Column `like` (category) from category `a` through the label map {a label: b label} ('' = missing)."""
    from .methods.common import Encoded

    b_index = {lab: i for i, lab in enumerate(like.labels)}
    L = len(like.labels)
    table = np.zeros(a.n_levels, dtype=np.int32)
    for i, lab in enumerate(a.level_names):
        key = lab if i < len(a.labels) else ""
        to = mp.get(key, mp.get(lab))
        if to is None:
            to = next(iter(mp.values()))
        table[i] = b_index[to] if to in b_index else (L + like.tokens.index(to) if to in like.tokens else L)
    codes = table[a.codes.astype(np.intp)]
    if (codes >= like.n_levels).any():
        codes = np.where(codes >= like.n_levels, 0, codes).astype(np.int32)
    tok = np.where(codes >= L, codes - L, -1).astype(np.int32)
    return Encoded(like.name, like.type, like.tokens, tok, codes=codes, labels=like.labels)


def dependency_map(real_a, real_b) -> dict[int, int]:
    """Code of a -> code of b on the real rows (the first seen)."""
    s = pd.DataFrame({"a": real_a.codes, "b": real_b.codes}).drop_duplicates("a")
    return {int(k): int(v) for k, v in zip(s["a"], s["b"], strict=True)}


def summary_lines(doc: dict) -> list[str]:
    """A few lines for the CLI: what was found."""
    lines = []
    for g in doc.get("groups", []):
        if g.get("enabled", True):
            p = f" (in {g['parent']})" if g.get("parent") else ""
            lines.append(f"group key {g['key']}: {g['n_groups']} groups{p}; attributes: "
                         + (", ".join(g["attributes"]) or "-"))
    for d in doc.get("dependencies", []):
        if d.get("enabled", True):
            lines.append(f"dependency {d['from']} -> {d['to']}")
    for d in doc.get("derived", []):
        if d.get("enabled", True):
            lines.append(f"derived {d['column']} = {d['formula']}")
    return lines or ["no structure found"]
