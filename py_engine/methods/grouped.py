"""Synthesis that keeps the table's structure (py_engine/structure.py): a wrapper around any method
with the shared interface

    method(encs, names, n, settings, rng, notes, given) -> generator of Steps returning {name: Encoded}

where `given` holds synthetic columns (the first names) that the method conditions on instead of
synthesising them (CART: they are predictors from the start; Gaussian copula: their normal scores are
fixed and the rest drawn from the conditional normal).

Two-level synthesis for a group key G (the finest enabled key):
1. the group table, one row per real group: G's attributes (with its parent keys and their
   attributes), its size (`__size`) and the group means of the numeric member columns (`__mean:X`),
   is synthesised (recursively, so a parent key is a group key of the group table and nesting is
   exact) with about as many groups as rows scale: round(groups * n / rows);
2. the synthetic group sizes are scaled to the rows wanted (largest remainders), every synthetic group
   gets a label (the real labels in a random order, or new ones: group_key_labels "relabel");
3. member rows are synthesised with their group's attributes, size and means given, so the share of
   variance between groups (ICC) follows the real one; the summaries are then left out.
Derived columns are computed from their synthesised sources (synthpop's passive method), and a
dependency A -> B takes B from A through the real A -> B map, so both hold exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..schema import INTEGER, NUMERIC
from ..structure import compute_derived, dependency_map
from .common import Encoded, bincount, note

SIZE = "__size"
MEAN = "__mean:"


def plan(doc: dict | None, names: list[str]) -> dict:
    """What the structure asks of the columns `names`: the enabled groups, dependencies and derived
    columns whose columns are all there, and the columns left to synthesise."""
    doc = doc or {}
    have = set(names)
    groups = [g for g in doc.get("groups", []) if g.get("enabled", True) and g["key"] in have]
    deps = [d for d in doc.get("dependencies", []) if d.get("enabled", True) and d["from"] in have
            and d["to"] in have]
    derived = [d for d in doc.get("derived", []) if d.get("enabled", True) and d["column"] in have
               and all(s in have for s in d.get("sources", [])) and (d.get("group") in have or not d.get("group"))]
    computed = [d["column"] for d in derived if d["kind"] != "group_mean"] + [d["to"] for d in deps]
    # a group mean that is also a group attribute stays at group level (a summary the members follow)
    # and is recomputed after; one that is not is computed like the others
    attrs = {a for g in groups for a in g.get("attributes", [])}
    for d in derived:
        if d["kind"] == "group_mean" and d["column"] not in attrs:
            computed.append(d["column"])
    computed = [c for c in names if c in computed]
    sources = {s for d in derived for s in d.get("sources", [])} | {d["from"] for d in deps}
    derived = [d for d in derived if d["column"] not in sources or d["kind"] == "group_mean"]
    free = [c for c in names if c not in computed]
    return {"groups": groups, "dependencies": deps, "derived": derived, "free": free,
            "labels": doc.get("group_key_labels", "keep")}


def structured_steps(method: Callable, encs: dict[str, Encoded], names: list[str], n_out: int, settings,
                     rng: np.random.Generator, notes: list[dict], doc: dict | None, n_final: int | None = None):
    """Synthesise `names` keeping the structure `doc`; returns {name: Encoded} for every name.
    n_out rows are drawn (with a margin for rows left out later, in random order); the number of
    groups follows n_final, the rows finally kept."""
    p = plan(doc, names)
    groups = {g["key"]: dict(g) for g in p["groups"]}
    for d in p["derived"]:  # a group mean attribute already summarises its source: no second summary
        if d["kind"] == "group_mean" and d.get("group") in groups:
            groups[d["group"]].setdefault("_summarised", []).extend(d["sources"])
            if d["column"] in groups[d["group"]].get("attributes", []) and len(d["sources"]) == 1:
                groups[d["group"]].setdefault("_summary_of", {})[d["column"]] = d["sources"][0]
    syn = yield from _two_level(method, encs, p["free"], groups, n_out, settings, rng, notes, p["labels"],
                                n_final=n_final)
    apply_passive(p, encs, syn, notes)
    return {c: syn[c] for c in names}


def apply_passive(p: dict, encs: dict[str, Encoded], syn: dict[str, Encoded], notes: list[dict] | None) -> None:
    """Dependencies and derived columns computed from the synthetic columns (in place)."""
    for d in p["dependencies"]:
        a, b = encs[d["from"]], encs[d["to"]]
        mp = dependency_map(a, b)
        table = np.array([mp.get(k, 0) for k in range(a.n_levels)], dtype=np.int32)
        codes = table[syn[d["from"]].codes.astype(np.intp)]
        L = len(b.labels)
        syn[d["to"]] = Encoded(b.name, b.type, b.tokens, np.where(codes >= L, codes - L, -1).astype(np.int32),
                               codes=codes, labels=b.labels)
        if notes is not None:
            notes.append(note("structure_dependency_kept", d["to"], source=d["from"]))
    for d in p["derived"]:
        syn[d["column"]] = compute_derived(d, syn, encs[d["column"]])
        if notes is not None:
            notes.append(note("structure_derived", d["column"], formula=d.get("formula", d["kind"])))


def _closure(groups: dict, g: str, names: list[str]) -> list[str]:
    """G's attributes with its parent keys and their attributes, in table order."""
    out: list[str] = []
    cur = g
    seen = []
    while cur is not None and cur in groups and cur not in seen:
        seen.append(cur)
        out.extend(groups[cur].get("attributes", []))
        par = groups[cur].get("parent")
        if par is not None:
            out.append(par)
        cur = par
    return [c for c in names if c in out and c != g]


def _two_level(method, encs, names, groups, n_out, settings, rng, notes, labels_mode, given=None, n_final=None):
    here = {k: g for k, g in groups.items() if k in names}
    if not here:
        return (yield from method(encs, names, n_out, settings, rng, notes, given))
    parents = {g.get("parent") for g in here.values()}
    finest = [k for k in names if k in here and k not in parents] or [k for k in names if k in here]
    G = max(finest, key=lambda k: (here[k]["n_groups"], -names.index(k)))
    rest = {k: g for k, g in here.items() if k != G}
    attrs = _closure(here, G, names)
    members = [c for c in names if c != G and c not in attrs]
    key = encs[G]
    gcodes = key.codes.astype(np.intp)
    n_real = len(gcodes)
    levels, first_idx, inv, counts = np.unique(gcodes, return_index=True, return_inverse=True, return_counts=True)
    inv = inv.astype(np.intp).reshape(-1)
    n_groups = len(levels)
    # ---- the real group table
    genc: dict[str, Encoded] = {c: encs[c].take(first_idx) for c in attrs}
    genc[SIZE] = Encoded(SIZE, INTEGER, [], np.full(n_groups, -1, dtype=np.int32), x=counts.astype(float), decimals=0)
    done = here[G].get("_summarised", [])
    mean_cols = [c for c in members if encs[c].is_number and encs[c].type in (NUMERIC, INTEGER) and c not in done]
    for c in mean_cols:
        x = encs[c].x
        ok = ~np.isnan(x)
        k = bincount(inv[ok], minlength=n_groups)
        s = np.bincount(inv[ok], weights=x[ok], minlength=n_groups)
        m = np.where(k > 0, s / np.maximum(k, 1), np.nan)
        m = np.round(m, 8)
        tok = np.where(np.isnan(m), 0, -1).astype(np.int32)
        genc[MEAN + c] = Encoded(MEAN + c, NUMERIC, [""] if (tok >= 0).any() else [], tok, x=m, decimals=None)
    gnames = attrs + [SIZE] + [MEAN + c for c in mean_cols]
    from ..synthesis import SynthSettings, auto_minbucket

    gs = SynthSettings.from_dict(settings.to_dict())
    gs.minbucket = auto_minbucket(n_groups)
    gs.visit_sequence = None
    n_gs = max(1, int(round(n_groups * (n_final or n_out) / n_real)))
    small = [key.level_names[int(levels[i])] for i in np.flatnonzero(counts < int(settings.minbucket))]
    notes.append(note("structure_groups", G, groups=n_groups, synthetic=n_gs, attributes=", ".join(attrs) or "-"))
    if small:
        notes.append(note("structure_small_groups", G, count=len(small), minbucket=int(settings.minbucket),
                          groups=", ".join(small[:10]) + (", ..." if len(small) > 10 else "")))
    gsyn = yield from _two_level(method, genc, gnames, rest, n_gs, gs, rng, notes, labels_mode)
    # ---- sizes and labels of the synthetic groups
    size = np.maximum(np.nan_to_num(gsyn[SIZE].x, nan=1.0), 1.0)
    size = calibrate(size, genc, gsyn, attrs, counts.astype(float), n_out)
    sizes = allocate(size, n_out)
    # rows in random order: rows left out later (replicated rows) are then a random choice
    row_group = rng.permutation(np.repeat(np.arange(n_gs), sizes)).astype(np.intp)
    for c in mean_cols:
        gsyn[MEAN + c] = _shrink(gsyn[MEAN + c], encs[c].x, inv, n_groups, sizes)
    # a group-mean attribute (MEANSES = school mean of SES) is a summary the members follow, like a
    # __mean column: the members see it shrunk in the same way (else the synthetic group means of SES
    # vary by tau^2 + 2 sigma^2/n_j and the ICC of SES, and of what depends on it, comes out too high);
    # the attribute itself is recomputed from the synthetic members afterwards (apply_passive)
    for a, src in here[G].get("_summary_of", {}).items():
        if a in gsyn and src in members and encs[src].is_number:
            gsyn[a] = _shrink(gsyn[a], encs[src].x, inv, n_groups, sizes)
    parent = here[G].get("parent")
    par = (genc[parent].codes, gsyn[parent].codes) if parent in genc and not genc[parent].is_number else None
    score_col = SIZE  # a label goes to a synthetic group of about its real size: the key keeps its distribution
    score = (genc[score_col].x, gsyn[score_col].x)
    syn_key = _labels(key, levels, n_gs, labels_mode, rng, notes, par, score, _features(genc, gsyn, attrs))
    # ---- members, given their group's columns
    menc = {c: encs[c] for c in attrs + members}
    menc[SIZE] = genc[SIZE].take(inv)
    for c in mean_cols:
        menc[MEAN + c] = genc[MEAN + c].take(inv)
    given_names = gnames
    given_syn = {c: gsyn[c].take(row_group) for c in given_names}
    if given:
        for c, e in given.items():
            given_syn.setdefault(c, e)
    out = yield from method(menc, given_names + members, n_out, settings, rng, notes, given_syn)
    res = {G: syn_key.take(row_group)}
    for c in attrs + members:
        res[c] = out[c]
    return res


def _shrink(mean: Encoded, x: np.ndarray, inv: np.ndarray, n_groups: int, sizes: np.ndarray) -> Encoded:
    """The synthetic group means given to the members, set to the real group means' mean and standard
    deviation, then pulled towards the overall mean by
    sqrt(tau^2 / (tau^2 + sigma^2 / n_j)).

    Why: a real group mean is the true group effect plus sampling noise, var = tau^2 + sigma^2/n_j;
    members drawn around a given mean add their own sampling noise again, so the synthetic group
    means would vary by tau^2 + 2 sigma^2/n_j and the intraclass correlation come out too high.
    With the factor, the given means vary by tau^2 and the members' means by tau^2 + sigma^2/n_j, as
    the real ones. tau^2 and sigma^2 from the one-way ANOVA (method of moments; Searle, Casella &
    McCulloch 1992, ch. 3): sigma^2 = MSW, tau^2 = max(0, (MSB - MSW) / n0),
    n0 = (N - sum n_j^2 / N) / (J - 1)."""
    ok = ~np.isnan(x)
    g = inv[ok]
    xv = x[ok]
    N = len(xv)
    k = bincount(g, minlength=n_groups).astype(float)
    J = int((k > 0).sum())
    if J < 2 or N <= J:
        return mean
    s = np.bincount(g, weights=xv, minlength=n_groups)
    m = np.where(k > 0, s / np.maximum(k, 1), 0.0)
    grand = float(xv.sum() / N)
    ssb = float(np.sum(k * (m - grand) ** 2))
    ssw = float(np.sum((xv - m[g]) ** 2))
    msb, msw = ssb / (J - 1), ssw / (N - J)
    n0 = (N - float(np.sum(k * k)) / N) / (J - 1)
    tau2 = max(0.0, (msb - msw) / n0)
    nj = np.maximum(np.asarray(sizes, dtype=float), 1.0)
    lam = np.sqrt(tau2 / (tau2 + msw / nj)) if tau2 + msw > 0 else np.ones(len(nj))
    lam = np.round(lam, 10)
    # first back to the real group means' centre and spread (the group-level synthesis, with its
    # smoothing, can widen them), then the factor
    real_m = m[k > 0]
    sx = mean.x[~np.isnan(mean.x)]
    mx = mean.x
    if len(sx) >= 2 and float(np.std(sx)) > 0:
        mx = float(np.mean(real_m)) + (mean.x - float(np.mean(sx))) * (float(np.std(real_m)) / float(np.std(sx)))
    out = mean.take(np.arange(len(mean.tok)))
    out.x = grand + lam * (mx - grand)
    return out


def _features(real: dict, syn: dict, attrs: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per attribute (real group rows, synthetic group rows): numbers divided by the real standard
    deviation (missing as a far value), categories as codes."""
    out = []
    for c in attrs:
        r, s_ = real[c], syn[c]
        if r.is_number:
            sd = float(np.nanstd(r.x)) or 1.0
            out.append((np.nan_to_num(r.x / sd, nan=1e3), np.nan_to_num(s_.x / sd, nan=1e3)))
        else:
            out.append((r.codes.astype(np.int64), s_.codes.astype(np.int64)))
    return out


def calibrate(size: np.ndarray, real: dict, syn: dict, attrs: list[str], real_size: np.ndarray, n_out: int,
              rounds: int = 20) -> np.ndarray:
    """Synthetic group sizes raked (iterative proportional fitting; Deming & Stephan 1940) so that the
    rows per level of every group attribute (numbers: 5 bins at the real groups' quantiles) are the
    real rows per level, scaled to n_out. Without it the rows per level vary with the few groups
    drawn (65 schools: the pupils in mixed schools 1,213 in place of 2,169), which every two-way
    table with a member column shows."""
    w = np.asarray(size, dtype=float).copy()
    cells = []
    for c in attrs:
        r, s_ = real[c], syn[c]
        if r.is_number:
            ok = ~np.isnan(r.x)
            if ok.sum() < 5:
                continue
            cuts = np.unique(np.quantile(r.x[ok], [0.2, 0.4, 0.6, 0.8]))
            rc = np.where(np.isnan(r.x), -1, np.searchsorted(cuts, r.x, side="right"))
            sc = np.where(np.isnan(s_.x), -1, np.searchsorted(cuts, s_.x, side="right"))
        else:
            rc, sc = r.codes.astype(np.int64), s_.codes.astype(np.int64)
        rc = rc + 1
        sc = sc + 1
        k = int(max(rc.max(initial=0), sc.max(initial=0))) + 1
        target = np.bincount(rc.astype(np.intp), weights=real_size, minlength=k) * (n_out / real_size.sum())
        cells.append((sc.astype(np.intp), target, k))
    if not cells:
        return w
    for _ in range(rounds):
        for sc, target, k in cells:
            cur = np.bincount(sc, weights=w, minlength=k)
            f = np.where(cur > 0, target / np.where(cur > 0, cur, 1.0), 1.0)
            f = np.where(target > 0, f, 1.0)
            w = w * f[sc]
        w = np.round(w, 8)
    return np.maximum(w, 1e-9)


def allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """Whole sizes proportional to `weights` summing to `total` (largest remainders, ties by position)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or len(w) == 0:
        return np.zeros(len(w), dtype=np.intp)
    share = np.round(w / w.sum() * total, 8)
    base = np.floor(share).astype(np.intp)
    left = int(total - base.sum())
    if left > 0:
        frac = share - base
        order = np.lexsort((np.arange(len(w)), -frac))
        base[order[:left]] += 1
    return base


def _labels(key: Encoded, levels: np.ndarray, n: int, mode: str, rng, notes, par=None, score=None,
            feats=()) -> Encoded:
    """The key column of n synthetic groups (one code each).

    "keep": real labels, each used once, so a label keeps its meaning as far as the synthesis does:
    each synthetic group (in random order) takes the unused real label of the nearest real group:
    the same parent first (a school of its real authority), then the fewest differing attributes
    (numbers in real standard deviations) and the nearest log size, so the key keeps its distribution
    and its pairs with the attributes. Groups left over take new labels. "relabel": new labels throughout."""
    real = [key.level_names[int(i)] for i in levels]
    if mode == "relabel":
        labels = _new_labels(real, n, real)  # none equal to a real label
        notes.append(note("structure_relabelled", key.name, groups=n))
        return Encoded(key.name, key.type, [], np.full(n, -1, dtype=np.int32), codes=np.arange(n, dtype=np.int32),
                       labels=labels)
    m = len(levels)
    pick = np.full(n, -1, dtype=np.int64)  # index into levels
    used = np.zeros(m, dtype=bool)
    real_score = np.nan_to_num(np.asarray(score[0], dtype=float)) if score is not None else np.zeros(m)
    syn_score = np.nan_to_num(np.asarray(score[1], dtype=float)) if score is not None else np.zeros(n)
    real_par = np.asarray(par[0], dtype=np.int64) if par is not None else np.zeros(m, dtype=np.int64)
    syn_par = np.asarray(par[1], dtype=np.int64) if par is not None else np.zeros(n, dtype=np.int64)
    # nearest real group (greedy, synthetic groups in random order): a different parent costs 1000,
    # each differing attribute 2 plus its distance in real standard deviations (at most 1), and the
    # distance of log sizes in standard deviations (at most 1): equal attributes first. The distances
    # are computed for a block of synthetic groups at a time (about 2^20 cells), never as the whole
    # n x m matrix: 2,400 schools made it 23 MB and its float64 temporaries about 200 MB at once, and
    # it grows with the square of the number of groups
    ls, lr = np.log(np.maximum(syn_score, 1.0)), np.log(np.maximum(real_score, 1.0))
    sd = float(np.std(lr)) or 1.0

    def distances(rows: np.ndarray) -> np.ndarray:
        D = np.zeros((len(rows), m), dtype=np.float32)
        if par is not None:
            D += 1000.0 * (syn_par[rows, None] != real_par[None, :])
        for r, s_ in feats:
            s_ = s_[rows]
            diff = s_[:, None] - r[None, :] if r.dtype.kind == "f" else (s_[:, None] != r[None, :]).astype(float)
            D += np.asarray(2.0 * (diff != 0) + np.minimum(np.abs(diff), 1.0), dtype=np.float32)
        D += np.minimum(np.abs(ls[rows, None] - lr[None, :]) / sd, 1.0).astype(np.float32)
        return np.round(D, 4)

    order = rng.permutation(n)
    block = max(1, (1 << 20) // max(m, 1))
    for start in range(0, n, block):
        if used.all():
            break
        rows = order[start:start + block]
        D = distances(rows)
        for r, i in enumerate(rows):
            if used.all():
                break
            j = int(np.argmin(np.where(used, np.inf, D[r])))
            pick[i] = j
            used[j] = True
    free_real = np.flatnonzero(~used)
    free_real = free_real[rng.permutation(len(free_real))]
    left = np.flatnonzero(pick < 0)
    j = min(len(left), len(free_real))
    pick[left[:j]] = free_real[:j]
    codes = np.where(pick >= 0, levels[np.maximum(pick, 0).astype(np.intp)], -1).astype(np.int64)
    n_new = int((pick < 0).sum())
    labels = list(key.labels)
    if n_new:
        extra = _new_labels(real, n_new, key.level_names)
        # new labels are put before the missing tokens: shift token codes
        codes = np.where(codes >= len(labels), codes + n_new, codes)
        codes[codes < 0] = np.arange(len(labels), len(labels) + n_new)
        labels = labels + extra
    codes = codes.astype(np.int32)
    L = len(labels)
    tok = np.where(codes >= L, codes - L, -1).astype(np.int32)
    return Encoded(key.name, key.type, key.tokens, tok, codes=codes, labels=labels)


def _new_labels(real: list[str], n: int, avoid: list[str]) -> list[str]:
    """n labels shaped like the real ones: numbers where the real ones are numbers, else G0001..."""
    taken = set(avoid)
    digits = all(r.isdigit() for r in real if r)
    out = []
    i = 1
    width = max(4, len(str(n)))
    while len(out) < n:
        lab = str(i) if digits else f"G{i:0{width}d}"
        if lab not in taken:
            out.append(lab)
        i += 1
    if digits and avoid:  # numbers beyond the real ones, so no new label equals a real one
        top = max(int(r) for r in real if r) if any(real) else 0
        out = [str(top + k + 1) for k in range(n)]
    return out
