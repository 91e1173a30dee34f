"""Sequential CART, as R synthpop's syn(method = "cart") (Nowok, Raab & Dibben 2016, J. Stat. Softw. 74;
Reiter 2005, J. Off. Stat. 21).

For the visit sequence v1, v2, ..., vp:
- v1 is drawn from its marginal: a bootstrap of its real values (synthpop's "sample");
- each next vj: a regression tree (numbers) or classification tree (categories) is fitted on the real
  rows with v1..v(j-1) as predictors; every synthetic row is run down that tree with its
  already-synthesised predictors, and gets a donor value drawn at random from the real values of vj
  in its leaf. For a category this is a level drawn with the leaf's class proportions.
- Trees as rpart's: minbucket (smallest leaf), minsplit = 3 * minbucket, cp (a split must lower the
  lack of fit by cp times that of the root: sklearn's min_impurity_decrease = cp * root impurity),
  maxdepth 30 (a classification tree of k > 30 classes: k, as Gini's end cuts may need a split per class).
- proper = True: the real rows are bootstrapped before each fit (synthpop's proper = TRUE).
- A number with missing cells is two variables, as in synthpop: which missing token or "observed"
  (v.NA) is synthesised first; the value (v.0) is fitted on the observed rows only.
- smoothing = "density": kernel noise on numeric draws (see common.Smoother).

scikit-learn trees split numbers only. A categorical predictor is given to a tree as the rank of its
levels ordered by the target: by the target's mean for a number (Breiman et al. 1984: this ordering
holds the best split), by the first principal component of the levels' class proportions for a
category (Coppersmith, Hong & Hosking 1999), by the share of the second class for two classes.
A categorical of many levels (a school code of thousands) is a predictor like any other: where one
rank cannot separate its levels' class profiles, up to 3 more codes of each level's profile follow,
after DUOpop's principal components of the level-by-target table (level_codes), recomputed for every
tree. Only where the user sets max_predictor_levels are categoricals of more levels left out as
predictors. As a target, a categorical of more than MAX_TREE_CLASSES levels has its tree fitted on its
most common levels plus "other", and donors are still its real values.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from ..progress import Step
from .common import Encoded, bincount, make_smoother, note, round_sig

MAX_DEPTH = 30  # rpart's maxdepth (a classification tree of more classes may grow as deep as its classes)
MAX_TREE_CLASSES = 400  # a categorical target of more levels: its tree sees the most common ones + "other"
MAX_EXTRA_CODES = 3  # extra profile columns per categorical predictor of a 3+ class target
EXTRA_MIN_LEVELS = 60  # predictors of at most this many levels keep the one rank (see level_codes)
PROFILE_SHARE = 0.95  # components kept: the smallest number with this share of the profile variance
TIE = 1e-3  # eigenvalues within this relative distance count as tied


class CartSampler:
    """Sample one column: fit on the real rows, draw for the synthetic rows (fit and sample per column,
    so memory holds one tree at a time)."""

    def __init__(self, settings, rng: np.random.Generator):
        self.s = settings
        self.rng = rng

    # ----------------------------------------------------------------- predictors

    def features(self, preds: list[Encoded], syn: dict[str, Encoded], rows: np.ndarray,
                 y_codes: np.ndarray | None, y_num: np.ndarray | None, n_classes: int):
        """(X for the fitting rows, X for the synthetic rows), float32 as sklearn's trees use."""
        n_fit, n_syn = len(rows), len(next(iter(syn.values())).tok)
        fit_cols, syn_cols = [], []
        for p in preds:
            sp = syn[p.name]
            if p.is_number:
                fit_cols.append(_number_feature(p, p.x[rows], p.tok[rows]).astype(np.float32))
                syn_cols.append(_number_feature(p, sp.x, sp.tok).astype(np.float32))
            else:
                fc = p.codes[rows]
                enc = level_codes(fc, p.n_levels, y_codes, y_num, n_classes)
                for j in range(enc.shape[1]):
                    fit_cols.append(enc[fc, j])
                    syn_cols.append(enc[sp.codes, j])
        Xf = np.empty((n_fit, len(fit_cols)), dtype=np.float32)
        Xs = np.empty((n_syn, len(syn_cols)), dtype=np.float32)
        for j, (a, b) in enumerate(zip(fit_cols, syn_cols, strict=True)):
            Xf[:, j] = a
            Xs[:, j] = b
        return Xf, Xs

    # ----------------------------------------------------------------- one target

    def draw(self, y: np.ndarray, classify: bool, n_classes: int, preds: list[Encoded],
             syn: dict[str, Encoded], fit_rows: np.ndarray, out_rows: np.ndarray,
             group: np.ndarray | None = None) -> np.ndarray:
        """Values of target y (real values on all real rows) for the synthetic rows `out_rows`,
        fitted on the real rows `fit_rows`. For a category, `group` maps codes to the tree's classes."""
        rng = self.rng
        n_out = len(out_rows)
        if n_out == 0:
            return y[:0]
        if self.s.proper:
            fit_rows = fit_rows[rng.integers(0, len(fit_rows), size=len(fit_rows))]
        yf = y[fit_rows]
        if not preds or len(fit_rows) < 2 * self.s.minbucket or _constant(yf):
            return yf[rng.integers(0, len(yf), size=n_out)]
        if classify:
            target = (group[yf] if group is not None else yf).astype(np.int64)
            k = int(target.max()) + 1
            Xf, Xs = self.features(preds, _subset(syn, out_rows), fit_rows, target, None, k)
        else:
            target = yf.astype(float)
            Xf, Xs = self.features(preds, _subset(syn, out_rows), fit_rows, None, target, 0)
        tree = self._tree(classify, target)
        tree.fit(Xf, target)
        leaf_real = tree.apply(Xf)
        leaf_syn = tree.apply(Xs)
        del tree, Xf, Xs
        order = np.argsort(leaf_real, kind="stable")
        sorted_leaves = leaf_real[order]
        lo = np.searchsorted(sorted_leaves, leaf_syn, side="left")
        hi = np.searchsorted(sorted_leaves, leaf_syn, side="right")
        pick = lo + rng.integers(0, hi - lo)
        return yf[order[pick]]

    def _tree(self, classify: bool, target: np.ndarray):
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        mb = int(self.s.minbucket)
        depth = MAX_DEPTH
        if classify:
            p = bincount(target) / len(target)
            root = 1.0 - float(np.sum(p * p))
            cls = DecisionTreeClassifier
            # Gini prefers end cuts: with many classes a path may need a split per class (a school
            # code separating 131 authorities), so the depth limit is at least the number of classes
            depth = max(MAX_DEPTH, len(p))
        else:
            root = float(np.var(target))
            cls = DecisionTreeRegressor
        seed = int(self.rng.integers(0, 2**31 - 1))
        return cls(min_samples_leaf=mb, min_samples_split=max(2, 3 * mb), max_depth=depth,
                   min_impurity_decrease=round_sig(float(self.s.cp) * root, 6), random_state=seed)


def _constant(y: np.ndarray) -> bool:
    return len(y) == 0 or bool(np.all(y == y[0]))


def _subset(syn: dict[str, Encoded], rows: np.ndarray) -> dict[str, Encoded]:
    return {k: v.take(rows) for k, v in syn.items()}


def _number_feature(p: Encoded, x: np.ndarray, tok: np.ndarray) -> np.ndarray:
    """A number as a tree feature: shifted to start at 0 (float32 keeps datetimes precise); missing
    token k as the sentinel -(k+1) * span, below every observed value, so a split can isolate it."""
    lo, span = _range(p)
    f = x - lo
    if p.has_missing:
        f = np.where(tok >= 0, -(tok + 1.0) * span, f)
    return f


def _range(p: Encoded) -> tuple[float, float]:
    obs = p.x[np.isfinite(p.x)]
    if len(obs) == 0:
        return 0.0, 1.0
    lo, hi = float(obs.min()), float(obs.max())
    return lo, max(hi - lo, 1.0)


def level_ranks(codes: np.ndarray, n_levels: int, y_codes: np.ndarray | None, y_num: np.ndarray | None,
                n_classes: int) -> np.ndarray:
    """The rank of each level of a categorical predictor, ordered by the target (see the module doc).

    Scores are rounded to 8 significant digits and ties broken by level number, so the order is the
    same on every platform. Levels absent from the fitting rows sit at the overall mean."""
    return level_codes(codes, n_levels, y_codes, y_num, n_classes, extra=0)[:, 0]


def level_codes(codes: np.ndarray, n_levels: int, y_codes: np.ndarray | None, y_num: np.ndarray | None,
                n_classes: int, extra: int = MAX_EXTRA_CODES, min_levels: int = EXTRA_MIN_LEVELS) -> np.ndarray:
    """Tree features of each level of a categorical predictor: an (n_levels, d) float32 array of ranks.

    Column 0 is the rank by the target (level_ranks). For a predictor of more than `min_levels`
    levels and a target of 3 or more classes, one dimension
    may not separate levels whose class profiles differ (several classes of equal weight, a code that
    determines a column of many levels: a school its authority), so up to `extra` more columns follow,
    as DUOpop's EncodedCart gives principal components of the level-by-target table -- but of the
    class *shares* of each level (its profile), weighted by the level's rows, so that frequent levels
    do not dominate. With C = sum_j n_j (p_j - pbar)(p_j - pbar)^T (p_j level j's class shares, pbar
    the overall shares) and eigenvalues l_1 >= l_2 >= ..., more columns are added only where the first
    component holds less than 95% of the variance (l_1 < 0.95 sum l); k is the smallest number of
    components with 95% (DUOpop's rule, on variance rather than sdev), widened over eigenvalues tied
    with l_k (within 0.1%). The extra codes are the profiles projected on d = min(k, extra) fixed
    directions inside the span of those k components (B = P_k R, P_k the projector on the span, R a
    fixed pseudo-random matrix): the projector does not depend on how a platform's LAPACK picks
    eigenvectors of tied eigenvalues, and a generic direction separates every pair of distinct profiles
    (a basis aligned with the classes would separate one class from the rest per column). Each column
    is turned into ranks (scores rounded to 8 significant digits, ties by level number), as column 0.
    Numeric and two-class targets need one column: the level's mean (share of the second class) holds
    the best split (Breiman et al. 1984). Why not below EXTRA_MIN_LEVELS (DUOpop encodes above 15):
    with extra columns for predictors of more than 2 (15) levels the mean two-way S_pMSE over seeds
    1-3 was 8% (3%) worse on wage (adult: its 16-level education and 41-level native_country) than
    with the one rank (benchmarks/results/manylevel.md); few levels are ordered well by one rank."""
    counts = bincount(codes, minlength=n_levels).astype(float)
    extra_scores = None
    if y_num is not None:
        sums = bincount(codes, weights=y_num, minlength=n_levels)
        overall = float(np.mean(y_num)) if len(y_num) else 0.0
        score = np.where(counts > 0, sums / np.maximum(counts, 1), overall)
    else:
        tab = bincount(codes.astype(np.int64) * n_classes + y_codes, minlength=n_levels * n_classes)
        tab = tab.reshape(n_levels, n_classes).astype(float)
        total = tab.sum(axis=0)
        pbar = total / total.sum()
        prop = np.where(counts[:, None] > 0, tab / np.maximum(counts, 1)[:, None], pbar[None, :])
        if n_classes <= 2:
            score = prop[:, -1]
        else:
            d = prop - pbar[None, :]
            cov = (d * counts[:, None]).T @ d
            w, v = np.linalg.eigh(cov)
            vec = v[:, -1]
            vec = np.array([round_sig(a, 8) for a in vec])
            big = int(np.argmax(np.abs(vec)))
            if vec[big] < 0:
                vec = -vec
            score = prop @ vec
            if extra > 0 and n_levels > min_levels:
                extra_scores = _profile_scores(prop, w[::-1], v[:, ::-1], extra)
    score = np.array([round_sig(s, 8) for s in score])
    cols = [_ranks(score)]
    if extra_scores is not None:
        cols.extend(_ranks(_round_sig_array(extra_scores[:, j], 8)) for j in range(extra_scores.shape[1]))
    return np.stack(cols, axis=1)


def _profile_scores(prop: np.ndarray, w: np.ndarray, v: np.ndarray, extra: int) -> np.ndarray | None:
    """(n_levels, d) scores of the level profiles `prop` on d fixed directions in the span of the first
    k principal components (eigenvalues `w` descending, eigenvectors `v` as columns); None where the
    first component holds PROFILE_SHARE of the variance. See level_codes."""
    w = np.maximum(w, 0.0)
    tot = float(w.sum())
    if not tot > 0 or w[0] >= PROFILE_SHARE * tot:
        return None
    cum = np.cumsum(w)
    k = int(np.searchsorted(cum, PROFILE_SHARE * tot)) + 1
    while k < len(w) and w[k] > 0 and w[k] >= w[k - 1] * (1 - TIE):
        k += 1
    k = min(k, len(w))
    c = prop.shape[1]
    d = min(k, extra)
    # fixed directions: uniforms of a Generator with a constant seed (exact on every platform)
    R = np.random.default_rng(20251202).random((c, d)) - 0.5
    vk = v[:, :k]
    B = _round_sig_array(vk @ (vk.T @ R), 8)
    # scores summed class by class in a fixed order (no BLAS), so equal profiles get equal bytes
    out = np.zeros((prop.shape[0], d))
    for j in range(c):
        out += prop[:, j:j + 1] * B[j:j + 1, :]
    return out


_P10 = np.array([float(10 ** i) for i in range(23)])  # exact powers of ten


def _round_sig_array(x: np.ndarray, digits: int) -> np.ndarray:
    """round_sig on an array: x rounded to `digits` significant digits by exact powers of ten."""
    x = np.asarray(x, dtype=float)
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    if not ok.any():
        return out
    xo = x[ok]
    k = digits - 1 - np.floor(np.log10(np.abs(xo))).astype(np.int64)
    k = np.clip(k, -22, 22)
    pos = k >= 0
    p10 = _P10[np.abs(k)]
    r = np.where(pos, np.round(xo * p10) / p10, np.round(xo / p10) * p10)
    out[ok] = r
    return out


def _ranks(score: np.ndarray) -> np.ndarray:
    n = len(score)
    order = np.lexsort((np.arange(n), score))
    rank = np.empty(n, dtype=np.float32)
    rank[order] = np.arange(n, dtype=np.float32)
    return rank


# --------------------------------------------------------------------------- the sequence

def cart_steps(encs: dict[str, Encoded], visit: list[str], n_out: int, settings,
               rng: np.random.Generator, notes: list[dict], step0: int = 0, total: int | None = None,
               given: dict[str, Encoded] | None = None) -> Generator[Step, None, dict[str, Encoded]]:
    """Synthesise the columns in `visit` order; yields a Step per column; returns the synthetic columns.
    Columns in `given` (synthetic values already made, e.g. a group's attributes) are not synthesised:
    they are predictors of the columns after them (conditional synthesis, methods/grouped.py)."""
    sampler = CartSampler(settings, rng)
    total = total or len(visit)
    maxlev = settings.max_predictor_levels  # None: every categorical predicts, however many levels
    syn: dict[str, Encoded] = {}
    done: list[Encoded] = []
    all_rows = None
    for i, name in enumerate(visit):
        e = encs[name]
        n_real = len(e.tok)
        if all_rows is None:
            all_rows = np.arange(n_real)
        out_all = np.arange(n_out)
        preds = [p for p in done if p.is_number or maxlev is None or p.n_levels <= maxlev]
        first = not done
        if given is not None and name in given:
            s = given[name]
        elif first:
            # synthpop's "sample": a bootstrap of the real values (joint with which token is missing)
            pick = rng.integers(0, n_real, size=n_out)
            s = e.take(pick)
            if e.is_number and settings.smoothing == "density" and e.type in ("numeric", "integer"):
                sm, nn = make_smoother(e.x, name)
                notes.extend(nn)
                if sm is not None:
                    s.x = sm.apply(s.x, rng, e.decimals)
        elif e.is_number:
            tok = np.full(n_out, -1, dtype=np.int32)
            if e.has_missing:
                # v.NA: which token (0 = observed, k+1 = token k), a category fitted on all real rows
                aux = (e.tok + 1).astype(np.int64)
                tok = sampler.draw(aux, True, 0, preds, syn, all_rows, out_all).astype(np.int32) - 1
            obs_real = np.flatnonzero(e.tok < 0)
            obs_syn = np.flatnonzero(tok < 0)
            x = np.full(n_out, np.nan)
            if len(obs_syn):
                if len(obs_real) == 0:
                    tok[obs_syn] = 0
                else:
                    preds_v = preds
                    x[obs_syn] = sampler.draw(e.x, False, 0, preds_v, syn, obs_real, obs_syn)
                    if settings.smoothing == "density" and e.type in ("numeric", "integer"):
                        sm, nn = make_smoother(e.x[obs_real], name)
                        notes.extend(nn)
                        if sm is not None:
                            x[obs_syn] = sm.apply(x[obs_syn], rng, e.decimals)
            s = Encoded(name, e.type, e.tokens, tok, x=x, decimals=e.decimals)
        else:
            group = None
            L = e.n_levels
            if L > MAX_TREE_CLASSES:
                group = group_levels(e.codes, L, MAX_TREE_CLASSES)
                notes.append(note("cart_grouped_target", name, levels=L, kept=MAX_TREE_CLASSES))
            codes = sampler.draw(e.codes.astype(np.int64), True, 0, preds, syn, all_rows, out_all, group)
            s = Encoded(name, e.type, e.tokens, np.where(codes >= len(e.labels), codes - len(e.labels), -1)
                        .astype(np.int32), codes=codes.astype(np.int32), labels=e.labels)
        syn[name] = s
        done.append(e)
        yield Step("synthesise", step0 + i + 1, total, "progress.column", {"column": name})
    return syn


def group_levels(codes: np.ndarray, n_levels: int, keep: int) -> np.ndarray:
    """Map codes to the tree's classes: the `keep` most common levels by themselves (ties by level
    number), every other level to one class "other"."""
    counts = bincount(codes, minlength=n_levels)
    order = np.lexsort((np.arange(n_levels), -counts))
    group = np.full(n_levels, keep, dtype=np.int64)
    group[order[:keep]] = np.arange(keep)
    return group
