"""Does the synthetic table keep the real table's structure? (the report's "Structure" section)

Input: the real (train) and synthetic Datasets and the structure document found in the real data
(py_engine/structure.py; ARCHITECTURE.md). Only items with "enabled" true are
checked. Every check is measured on the real rows too, so the report shows what the real data give.

- **Group attributes** (key G -> attribute B): the share of synthetic groups (levels of G) in which B
  is constant, and the share of synthetic rows that agree with their group's most frequent value of B
  (1 minus the fewest rows that would have to change for B to be constant in every group).
- **Nesting** (child key C lies in parent P): the share of synthetic child groups lying in a single
  parent, and the share of rows as above.
- **Dependencies** A -> B: the share of synthetic rows satisfying the real mapping (B equals the value
  the real data give for the row's A; rows whose A does not occur in the real data do not satisfy it,
  `seen_share` says how many rows have a real A), and the share of synthetic A-levels for which B is
  functional (one value of B), with its share of rows.
- **Derived columns**: recomputed from their synthetic sources with the item's formula; the share of
  synthetic rows within the tolerance (half a unit of the last written decimal of each column
  involved, or the largest deviation in the real rows when that is larger, as for a school mean
  computed on a fuller sample); "exact" when every row is.
- **Intraclass correlation** ICC(1) of each numeric member column per group key, real vs synthetic,
  the one-way random-effects ANOVA estimator (Shrout & Fleiss 1979, ICC(1,1); Snijders & Bosker 2012,
  sec. 3.3.1)::

      MSB = sum_j n_j (ybar_j - ybar)^2 / (k - 1)
      MSW = sum_j sum_i (y_ij - ybar_j)^2 / (N - k)
      n0  = (N - sum_j n_j^2 / N) / (k - 1)
      ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW)

  over the N observed values in k groups of sizes n_j (n0 is the mean group size corrected for
  unequal sizes; the estimate can be below 0).
- **Group sizes**: quantiles of the number of rows per group, real vs synthetic, the largest
  difference of their distribution functions (Kolmogorov-Smirnov D) and a common histogram (shares of
  groups per size bin) for the plot.

Missing cells count as a value of their own (each missing token its own value), as structure.py does.

Verdict (our thresholds): "poor" when a group attribute, nesting, dependency or derived column that
holds in every real row fails in more than 1% (FAIL_POOR) of the synthetic rows; "fair" when one fails
in any synthetic row, or an ICC differs from the real one by more than 10% of it (at least 0.02);
"good" otherwise; "unknown" when there is nothing to check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..schema import INTEGER, NUMERIC
from .encoding import is_number, labels, numbers

FAIL_POOR = 0.01
ICC_REL, ICC_ABS = 0.10, 0.02
QUANTILES = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
MAX_BINS = 30
MAX_MEMBERS = 40  # numeric member columns per key for the ICC


# --------------------------------------------------------------------------- codes

def joint_codes(real: Dataset, synthetic: Dataset, name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes (np.intp) of a column over real and synthetic rows together; missing tokens are
    values of their own. Returns (real codes, synthetic codes, number of levels)."""
    a, b = labels(real, name), labels(synthetic, name)
    codes, uniq = pd.factorize(pd.Series(np.concatenate([a, b]), dtype=object), sort=False)
    codes = codes.astype(np.intp)
    return codes[:len(a)], codes[len(a):], len(uniq)


def functional(a: np.ndarray, b: np.ndarray, la: int, lb: int) -> dict:
    """How far is b a function of a? Shares of a's levels (present) with one value of b, and of rows
    agreeing with their level's most frequent b. Empty input: None shares."""
    n = len(a)
    if n == 0:
        return {"share_groups": None, "share_rows": None, "n_groups": 0, "failing_rows": 0}
    pair = a.astype(np.int64) * int(lb) + b.astype(np.int64)
    up, cnt = np.unique(pair, return_counts=True)
    pa = (up // int(lb)).astype(np.intp)
    best = np.zeros(la, dtype=np.int64)
    np.maximum.at(best, pa, cnt)
    nvals = np.bincount(pa, minlength=la)
    present = nvals > 0
    agree = int(best.sum())
    return {"share_groups": float(np.mean(nvals[present] == 1)), "share_rows": agree / n,
            "n_groups": int(present.sum()), "failing_rows": n - agree}


def real_mapping(a: np.ndarray, b: np.ndarray, la: int, lb: int) -> np.ndarray:
    """For each level of a (codes 0..la-1) the most frequent b in these rows (first on ties), -1 if absent."""
    out = np.full(la, -1, dtype=np.intp)
    if len(a) == 0:
        return out
    pair = a.astype(np.int64) * int(lb) + b.astype(np.int64)
    up, first, cnt = np.unique(pair, return_index=True, return_counts=True)
    pa, pb = (up // int(lb)).astype(np.intp), (up % int(lb)).astype(np.intp)
    order = np.lexsort((first, -cnt, pa))  # per level: most frequent first, then first seen
    pa, pb = pa[order], pb[order]
    keep = np.ones(len(pa), bool)
    keep[1:] = pa[1:] != pa[:-1]
    out[pa[keep]] = pb[keep]
    return out


def mapping_share(mp: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(share of rows with b == mp[a], share of rows whose a has a real value, share satisfying among those)."""
    if len(a) == 0:
        return None, None, None
    want = mp[a]
    seen = want >= 0
    ok = seen & (want == b)
    n_seen = int(seen.sum())
    return float(ok.mean()), float(seen.mean()), (float(ok.sum() / n_seen) if n_seen else None)


# --------------------------------------------------------------------------- ICC and sizes

def icc1(y: np.ndarray, g: np.ndarray) -> dict:
    """ICC(1) of values y in groups g (np.intp codes), the one-way ANOVA estimator (module docstring).
    NaN values are left out. Returns {"icc", "n", "k", "msb", "msw", "n0"}; icc None when k < 2 or N <= k."""
    ok = ~np.isnan(y)
    y, g = y[ok], g[ok].astype(np.intp)
    n_tot = len(y)
    if n_tot == 0:
        return {"icc": None, "n": 0, "k": 0}
    _, g = np.unique(g, return_inverse=True)
    g = g.astype(np.intp)
    k = int(g.max()) + 1
    nj = np.bincount(g, minlength=k).astype(float)
    sj = np.bincount(g, weights=y, minlength=k)
    mj = sj / nj
    grand = float(y.mean())
    ssb = float(np.sum(nj * (mj - grand) ** 2))
    ssw = float(np.sum((y - mj[g]) ** 2))
    if k < 2 or n_tot <= k:
        return {"icc": None, "n": n_tot, "k": k}
    msb, msw = ssb / (k - 1), ssw / (n_tot - k)
    n0 = (n_tot - float(np.sum(nj ** 2)) / n_tot) / (k - 1)
    den = msb + (n0 - 1) * msw
    icc = (msb - msw) / den if den > 0 else None
    return {"icc": None if icc is None else float(icc), "n": n_tot, "k": k, "msb": msb, "msw": msw, "n0": n0}


def group_sizes(codes: np.ndarray) -> np.ndarray:
    c = np.bincount(codes.astype(np.intp)) if len(codes) else np.zeros(0, np.int64)
    return c[c > 0]


def size_summary(real_sizes: np.ndarray, syn_sizes: np.ndarray) -> dict:
    """Quantiles, KS distance and a common histogram (shares of groups) of two group-size samples."""
    def q(s):
        if len(s) == 0:
            return None
        return {"n_groups": int(len(s)), "mean": float(s.mean()),
                "quantiles": [float(v) for v in np.quantile(s, QUANTILES)]}

    out = {"probs": QUANTILES, "real": q(real_sizes), "synthetic": q(syn_sizes), "ks": None, "histogram": None}
    if len(real_sizes) and len(syn_sizes):
        grid = np.union1d(real_sizes, syn_sizes)
        fr = np.searchsorted(np.sort(real_sizes), grid, side="right") / len(real_sizes)
        fs = np.searchsorted(np.sort(syn_sizes), grid, side="right") / len(syn_sizes)
        out["ks"] = float(np.max(np.abs(fr - fs)))
        lo, hi = int(min(real_sizes.min(), syn_sizes.min())), int(max(real_sizes.max(), syn_sizes.max()))
        width = max(1, int(np.ceil((hi - lo + 1) / MAX_BINS)))
        edges = np.arange(lo, hi + width + 1, width, dtype=float)
        hr = np.histogram(real_sizes, bins=edges)[0] / len(real_sizes)
        hs = np.histogram(syn_sizes, bins=edges)[0] / len(syn_sizes)
        out["histogram"] = {"edges": [float(e) for e in edges], "real": [float(v) for v in hr],
                            "synthetic": [float(v) for v in hs]}
    return out


# --------------------------------------------------------------------------- derived columns

def _decimals(ds: Dataset, c: str) -> int:
    d = getattr(ds.schema[c], "decimals", None)
    return 0 if ds.schema[c].type == INTEGER else (d if isinstance(d, int) else 6)


def _tol(ds: Dataset, cols: list[str]) -> float:
    return sum(0.5 * 10.0 ** (-_decimals(ds, c)) for c in cols) + 1e-9


def _derived_ok(ds: Dataset, d: dict) -> np.ndarray | None:
    """Per row: deviation (numbers) or 0/inf (categories) of the derived column from its formula;
    NaN where not applicable (a source missing and the column missing too). None: cannot check."""
    kind, col, src = d.get("kind"), d.get("column"), list(d.get("sources") or [])
    p = d.get("params") or {}
    if col not in ds.values or any(s not in ds.values for s in src) or not src:
        return None
    if kind in ("linear", "sum", "difference", "group_mean"):
        if not all(is_number(ds, s) for s in src) or not is_number(ds, col):
            return None
        y = numbers(ds, col)
        xs = [numbers(ds, s) for s in src]
        if kind == "linear":
            want = float(p.get("a", 1.0)) * xs[0] + float(p.get("c", 0.0))
        elif kind == "sum":
            want = xs[0] + xs[1] if len(xs) > 1 else None
        elif kind == "difference":
            want = xs[0] - xs[1] if len(xs) > 1 else None
        else:
            g = d.get("group")
            if g not in ds.values:
                return None
            gc, _ = pd.factorize(pd.Series(labels(ds, g), dtype=object), sort=False)
            gc = gc.astype(np.intp)
            x = xs[0]
            ok = ~np.isnan(x)
            L = int(gc.max()) + 1 if len(gc) else 0
            s = np.bincount(gc[ok], weights=x[ok], minlength=L)
            k = np.bincount(gc[ok], minlength=L)
            mean = np.where(k > 0, s / np.maximum(k, 1), np.nan)
            want = mean[gc]
        if want is None:
            return None
        dev = np.abs(y - want)
        both_missing = np.isnan(y) & np.isnan(want)
        dev = np.where(np.isnan(dev), np.inf, dev)
        return np.where(both_missing, np.nan, dev)
    if kind == "binning":
        if not is_number(ds, src[0]):
            return None
        cuts = np.asarray(p.get("cuts") or [], dtype=float)
        labs = [str(v) for v in p.get("labels") or []]
        if not labs:
            return None
        x = numbers(ds, src[0])
        step = np.clip(np.searchsorted(cuts, x, side="right"), 0, len(labs) - 1).astype(np.intp)
        want = np.asarray(labs, dtype=object)[step]
        have = labels(ds, col)
        dev = np.where(have == want, 0.0, np.inf)
        return np.where(np.isnan(x), np.nan, dev)
    if kind == "recode":
        mp = {str(k): str(v) for k, v in (p.get("map") or {}).items()}
        a = labels(ds, src[0])
        have = labels(ds, col)
        from .encoding import MISSING_PREFIX

        def key(v):
            return "" if str(v).startswith(MISSING_PREFIX) else str(v)

        want = np.array([mp.get(key(v)) for v in a], dtype=object)
        hk = np.array([key(v) for v in have], dtype=object)
        dev = np.where(want == hk, 0.0, np.inf)
        return np.where(pd.isna(want), np.inf, dev)
    return None


def derived_check(real: Dataset, synthetic: Dataset, d: dict) -> dict:
    base = {"column": d.get("column"), "kind": d.get("kind"), "sources": list(d.get("sources") or []),
            "group": d.get("group"), "formula": d.get("formula")}
    dr, ds_ = _derived_ok(real, d), _derived_ok(synthetic, d)
    if dr is None or ds_ is None:
        return {**base, "status": "not_computed", "reason": "not_checkable"}
    tol = _tol(real, [base["column"], *base["sources"]])
    fin = dr[np.isfinite(dr)]
    real_max = float(fin.max()) if len(fin) else 0.0
    if d.get("kind") in ("binning", "recode"):
        tol = 0.5
    else:
        tol = max(tol, real_max * (1 + 1e-6) + 1e-12)

    def share(dev):
        app = ~np.isnan(dev)
        return (float(np.mean(dev[app] <= tol)) if app.any() else None), int(app.sum())

    rs, _ = share(dr)
    ss, n_app = share(ds_)
    return {**base, "status": "ok", "tolerance": tol, "real_share_rows": rs, "share_rows": ss,
            "rows_checked": n_app, "exact": ss is not None and ss >= 1.0,
            "real_max_deviation": real_max}


# --------------------------------------------------------------------------- the report section

def _member_columns(real: Dataset, doc: dict, g: dict) -> list[str]:
    by_key = {x.get("key"): x for x in doc.get("groups") or []}
    skip = {g["key"]}
    cur, seen = g, set()
    while cur is not None and cur.get("key") not in seen:
        seen.add(cur.get("key"))
        skip.add(cur.get("key"))
        skip.update(cur.get("attributes") or [])
        cur = by_key.get(cur.get("parent"))
    for d in doc.get("derived") or []:
        if d.get("kind") == "group_mean":
            skip.add(d.get("column"))
    out = [c for c in real.columns if c not in skip and real.schema[c].type in (NUMERIC, INTEGER)]
    return out[:MAX_MEMBERS]


def _failure(real_share, syn_share):
    """(real failure share, synthetic failure share) from shares of rows satisfying."""
    rf = None if real_share is None else 1.0 - real_share
    sf = None if syn_share is None else 1.0 - syn_share
    return rf, sf


def structure_report(real: Dataset, synthetic: Dataset, doc: dict | None) -> dict:
    """The Structure section (module docstring): groups, dependencies, derived columns and a verdict."""
    doc = doc or {}
    if doc.get("off"):
        doc = {}
    cols = set(real.columns) & set(synthetic.columns)
    cache: dict = {}

    def codes(c):
        if c not in cache:
            cache[c] = joint_codes(real, synthetic, c)
        return cache[c]

    checks: list[dict] = []
    groups_out, deps_out, derived_out, skipped = [], [], [], []
    for g in doc.get("groups") or []:
        if not g.get("enabled", True):
            continue
        key = g.get("key")
        if key not in cols:
            skipped.append({"item": "group", "name": key, "reason": "column_missing"})
            continue
        kr, ks, lk = codes(key)
        attrs = []
        for a in g.get("attributes") or []:
            if a not in cols:
                skipped.append({"item": "attribute", "name": a, "reason": "column_missing"})
                continue
            ar, as_, la = codes(a)
            fr, fs = functional(kr, ar, lk, la), functional(ks, as_, lk, la)
            attrs.append({"column": a, "share_groups": fs["share_groups"], "share_rows": fs["share_rows"],
                          "real_share_groups": fr["share_groups"], "real_share_rows": fr["share_rows"]})
            rf, sf = _failure(fr["share_rows"], fs["share_rows"])
            checks.append({"item": "attribute", "name": f"{key} -> {a}", "real_failure": rf, "failure": sf})
        nesting = None
        parent = g.get("parent")
        if parent and parent in cols:
            pr, ps, lp = codes(parent)
            fr, fs = functional(kr, pr, lk, lp), functional(ks, ps, lk, lp)
            nesting = {"parent": parent, "share_groups": fs["share_groups"], "share_rows": fs["share_rows"],
                       "real_share_groups": fr["share_groups"], "real_share_rows": fr["share_rows"]}
            rf, sf = _failure(fr["share_rows"], fs["share_rows"])
            checks.append({"item": "nesting", "name": f"{key} in {parent}", "real_failure": rf, "failure": sf})
        icc = []
        for c in _member_columns(real, doc, g):
            if c not in cols:
                continue
            r, s = icc1(numbers(real, c), kr), icc1(numbers(synthetic, c), ks)
            icc.append({"column": c, "real": r["icc"], "synthetic": s["icc"]})
        groups_out.append({"key": key, "parent": parent, "source": g.get("source"),
                           "n_groups_real": int(len(np.unique(kr))), "n_groups_synthetic": int(len(np.unique(ks))),
                           "attributes": attrs, "nesting": nesting, "icc": icc,
                           "sizes": size_summary(group_sizes(kr), group_sizes(ks))})
    for dep in doc.get("dependencies") or []:
        if not dep.get("enabled", True):
            continue
        a, b = dep.get("from"), dep.get("to")
        if a not in cols or b not in cols:
            skipped.append({"item": "dependency", "name": f"{a} -> {b}", "reason": "column_missing"})
            continue
        ar, as_, la = codes(a)
        br, bs, lb = codes(b)
        fr, fs = functional(ar, br, la, lb), functional(as_, bs, la, lb)
        mp = real_mapping(ar, br, la, lb)
        share_map, seen, share_seen = mapping_share(mp, as_, bs)
        real_map, _, _ = mapping_share(mp, ar, br)
        deps_out.append({"from": a, "to": b, "source": dep.get("source"), "share_rows": share_map,
                         "seen_share": seen, "share_rows_seen": share_seen,
                         "share_groups": fs["share_groups"], "share_rows_functional": fs["share_rows"],
                         "real_share_rows": real_map, "real_share_groups": fr["share_groups"]})
        rf, sf = _failure(fr["share_rows"], fs["share_rows"])
        if share_seen is not None and sf is not None:
            sf = max(sf, 1.0 - share_seen)
        checks.append({"item": "dependency", "name": f"{a} -> {b}", "real_failure": rf, "failure": sf})
    for d in doc.get("derived") or []:
        if not d.get("enabled", True):
            continue
        res = derived_check(real, synthetic, d)
        derived_out.append(res)
        if res["status"] == "ok":
            rf, sf = _failure(res["real_share_rows"], res["share_rows"])
            checks.append({"item": "derived", "name": str(d.get("column")), "real_failure": rf, "failure": sf})
    out = {"groups": groups_out, "dependencies": deps_out, "derived": derived_out, "skipped": skipped,
           "checks": checks, "group_key_labels": doc.get("group_key_labels", "keep")}
    out["verdict"] = verdict(out)
    return out


def verdict(sec: dict) -> dict:
    """{"level", "worst": the check failing most among those holding in every real row, "icc_off": [...]}."""
    held = [c for c in sec.get("checks") or [] if c["real_failure"] is not None and c["real_failure"] <= 1e-12
            and c["failure"] is not None]
    icc_off = []
    for g in sec.get("groups") or []:
        for it in g.get("icc") or []:
            r, s = it.get("real"), it.get("synthetic")
            if r is not None and s is not None and abs(s - r) > max(ICC_REL * abs(r), ICC_ABS):
                icc_off.append({"key": g["key"], "column": it["column"], "real": r, "synthetic": s})
    if not held and not icc_off:
        return {"level": "unknown", "reason": "no_structure", "n_checks": 0, "worst": None, "icc_off": []}
    worst = max(held, key=lambda c: c["failure"]) if held else None
    wf = worst["failure"] if worst else 0.0
    level = "poor" if wf > FAIL_POOR else "fair" if (wf > 0 or icc_off) else "good"
    return {"level": level, "n_checks": len(held), "worst": worst, "n_failing": sum(c["failure"] > 0 for c in held),
            "icc_off": icc_off}
