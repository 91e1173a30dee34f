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
  maxdepth 30.
- proper = True: the real rows are bootstrapped before each fit (synthpop's proper = TRUE).
- A number with missing cells is two variables, as in synthpop: which missing token or "observed"
  (v.NA) is synthesised first; the value (v.0) is fitted on the observed rows only.
- smoothing = "density": kernel noise on numeric draws (see common.Smoother).

scikit-learn trees split numbers only. A categorical predictor is given to a tree as the rank of its
levels ordered by the target: by the target's mean for a number (Breiman et al. 1984: this ordering
holds the best split), by the first principal component of the levels' class proportions for a
category (Coppersmith, Hong & Hosking 1999), by the share of the second class for two classes. A
categorical with more levels than max_predictor_levels is not used as a predictor; as a target its
tree is fitted on its most common levels plus "other", and donors are still its real values.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from ..progress import Step
from .common import Encoded, bincount, make_smoother, note, round_sig

MAX_DEPTH = 30  # rpart's maxdepth


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
        Xf = np.empty((n_fit, len(preds)), dtype=np.float32)
        Xs = np.empty((n_syn, len(preds)), dtype=np.float32)
        for j, p in enumerate(preds):
            sp = syn[p.name]
            if p.is_number:
                Xf[:, j] = _number_feature(p, p.x[rows], p.tok[rows])
                Xs[:, j] = _number_feature(p, sp.x, sp.tok)
            else:
                rank = level_ranks(p.codes[rows], p.n_levels, y_codes, y_num, n_classes)
                Xf[:, j] = rank[p.codes[rows]]
                Xs[:, j] = rank[sp.codes]
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
        if classify:
            p = bincount(target) / len(target)
            root = 1.0 - float(np.sum(p * p))
            cls = DecisionTreeClassifier
        else:
            root = float(np.var(target))
            cls = DecisionTreeRegressor
        seed = int(self.rng.integers(0, 2**31 - 1))
        return cls(min_samples_leaf=mb, min_samples_split=max(2, 3 * mb), max_depth=MAX_DEPTH,
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
    counts = bincount(codes, minlength=n_levels).astype(float)
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
    score = np.array([round_sig(s, 8) for s in score])
    order = np.lexsort((np.arange(n_levels), score))
    rank = np.empty(n_levels, dtype=np.float32)
    rank[order] = np.arange(n_levels, dtype=np.float32)
    return rank


# --------------------------------------------------------------------------- the sequence

def cart_steps(encs: dict[str, Encoded], visit: list[str], n_out: int, settings,
               rng: np.random.Generator, notes: list[dict], step0: int = 0, total: int | None = None
               ) -> Generator[Step, None, dict[str, Encoded]]:
    """Synthesise the columns in `visit` order; yields a Step per column; returns the synthetic columns."""
    sampler = CartSampler(settings, rng)
    total = total or len(visit)
    maxlev = int(settings.max_predictor_levels)
    syn: dict[str, Encoded] = {}
    done: list[Encoded] = []
    all_rows = None
    for i, name in enumerate(visit):
        e = encs[name]
        n_real = len(e.tok)
        if all_rows is None:
            all_rows = np.arange(n_real)
        out_all = np.arange(n_out)
        preds = [p for p in done if p.is_number or p.n_levels <= maxlev]
        first = not done
        if first:
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
            if L > maxlev:
                group = group_levels(e.codes, L, maxlev)
                notes.append(note("cart_grouped_target", name, levels=L, kept=maxlev))
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
