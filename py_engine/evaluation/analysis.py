"""Analysis-specific utility: do analyses of the synthetic data give the results of the real data?

- Train on synthetic, test on real (Esteban, Hyland & Raetsch 2017 "TSTR"; Jordon et al. 2022
  "Synthetic data -- what, why and how?"): gradient boosting predicts the target from the other
  columns, trained once on the synthetic rows and once on the real train rows, both scored on the
  holdout (rows neither saw): ROC-AUC for a category (one-vs-rest, macro-averaged for more than two
  classes), R^2 for a number. ratio = synthetic score / real score.
- Confidence-interval overlap of a regression's coefficients (Karr, Kohnen, Oganian, Reiter & Sanil
  2006, The American Statistician 60): the same main-effects regression of the target (linear for a
  number; logistic for a category, its most frequent class against the rest) on real and on
  synthetic rows; per coefficient with 95% Wald intervals (L_r, U_r), (L_s, U_s):
      J = 1/2 [ (min(U_r, U_s) - max(L_r, L_s)) / (U_r - L_r) + (min(U_r, U_s) - max(L_r, L_s)) / (U_s - L_s) ]
  (1 = identical intervals, 0 or below = no overlap; reported as is, and the mean over coefficients).
"""

from __future__ import annotations

import numpy as np

from ..dataset import Dataset
from .encoding import factor, is_number, numbers

ML_MAX_ITER = 100
REG_MAX_LEVELS = 10  # regression: categoricals keep their 9 most frequent levels, the rest as "other"


def _features(datasets: list[Dataset], columns: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """Feature matrices (one per dataset) for gradient boosting and the categorical-feature mask."""
    cols, is_cat = [], []
    for name in columns:
        if is_number(datasets[0], name):
            cols.append([numbers(d, name) for d in datasets])
            is_cat.append(False)
        else:
            f = factor(datasets, name, max_levels=250)  # HistGradientBoosting: at most 255 categories
            cols.append([c.astype(float) for c in f.codes])
            is_cat.append(True)
    mats = [np.column_stack([c[i] for c in cols]) if cols else np.zeros((d.n_rows, 0))
            for i, d in enumerate(datasets)]
    return mats, np.array(is_cat, dtype=bool)


def _score(kind: str, model, x: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float | None:
    from sklearn.metrics import r2_score, roc_auc_score

    if kind == "regression":
        return float(r2_score(y, model.predict(x)))
    present = np.unique(y)
    if present.size < 2:
        return None
    proba = np.zeros((len(x), len(classes)))
    proba[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(x)
    if len(classes) == 2:
        return float(roc_auc_score(y == classes[1], proba[:, 1]))
    cols = np.searchsorted(classes, present)
    p = proba[:, cols]
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)
    if present.size == 2:
        # only two of the classes occur in the test rows (the synthetic rows have a class the real
        # ones lack, e.g. a DP model's "other" cell): the AUC of those two, as in the binary case
        return float(roc_auc_score(y == present[1], p[:, 1]))
    return float(roc_auc_score(y, p, multi_class="ovr", average="macro", labels=present))


def ml_utility(train: Dataset, synthetic: Dataset, holdout: Dataset, target: str, *, seed: int = 0,
               exclude: list[str] | None = None) -> dict:
    """Train-on-synthetic vs train-on-real, both tested on the holdout (see the module docstring).
    `exclude`: columns left out of the features (the runner's group keys)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    feats = [c for c in train.columns if c != target and c in synthetic.columns and c in holdout.columns
             and c not in (exclude or [])]
    sets = [train, synthetic, holdout]
    xs, is_cat = _features(sets, feats)
    if is_number(train, target):
        kind = "regression"
        ys = [numbers(d, target) for d in sets]
        keep = [~np.isnan(y) for y in ys]
        classes = np.zeros(0)
    else:
        kind = "classification"
        f = factor(sets, target, max_levels=None)
        ys = [c.astype(np.intp) for c in f.codes]
        keep = [np.array([("missing" not in f.levels[k]) for k in range(f.n_levels)])[y] for y in ys]
        classes = np.arange(f.n_levels)
        # synthetic rows of a class the real train rows lack (a DP model's noisy "other" cell) say
        # nothing about the real classes; left out and counted, as the logit leaves out rows missing
        # where the real column never is. Kept, a handful of them makes a 3-class model whose
        # probabilities for the real classes are distorted: on Adult (MST, epsilon 10) 3 "Other"
        # rows in 39,077 moved the holdout AUC between 0.70 and 0.84 from one sampling seed to the next
        real_classes = np.unique(ys[0][keep[0]])
        foreign = keep[1] & ~np.isin(ys[1], real_classes)
        keep[1] = keep[1] & ~foreign
    xs = [x[k] for x, k in zip(xs, keep, strict=True)]
    ys = [y[k] for y, k in zip(ys, keep, strict=True)]
    out = {"target": target, "task": kind, "model": "hist_gradient_boosting", "features": feats,
           "n_train": int(len(ys[0])), "n_synthetic": int(len(ys[1])), "n_holdout": int(len(ys[2])),
           "metric": "r2" if kind == "regression" else "roc_auc"}
    if kind == "classification":
        out["n_synthetic_dropped"] = int(foreign.sum())  # rows of a class the real train rows lack
    scores = {}
    for name, i in (("real", 0), ("synthetic", 1)):
        y = ys[i]
        if len(y) < 10 or (kind == "classification" and np.unique(y).size < 2):
            scores[name] = None
            continue
        common = {"max_iter": ML_MAX_ITER, "early_stopping": False, "random_state": seed,
                  "categorical_features": is_cat if is_cat.any() else None}
        model = (HistGradientBoostingRegressor(**common) if kind == "regression"
                 else HistGradientBoostingClassifier(**common))
        # one thread: the same as in the browser, and OpenMP threads spin badly on a busy machine
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            model.fit(xs[i], y)
        scores[name] = _score(kind, model, xs[2], ys[2], classes) if len(ys[2]) else None
    out["real_score"], out["synthetic_score"] = scores["real"], scores["synthetic"]
    ok = scores["real"] is not None and scores["synthetic"] is not None and scores["real"] > 0
    out["ratio"] = scores["synthetic"] / scores["real"] if ok else None
    if kind == "classification":
        out["classes"] = [f.levels[k] for k in range(f.n_levels)]
    return out


# ---------------------------------------------------------------- CI overlap

def _regression_design(datasets: list[Dataset], columns: list[str], standardise: bool = True
                       ) -> tuple[list[np.ndarray], list[dict]]:
    """Main-effects design: standardised numbers (mean-filled, with a missing indicator where needed;
    standardise=False: in their own units, as R's lm), one-hot categories (most frequent level as
    reference, at most REG_MAX_LEVELS levels)."""
    parts: list[list[np.ndarray]] = [[np.ones(d.n_rows)] for d in datasets]
    names: list[dict] = [{"column": None, "term": "(intercept)"}]
    ref = datasets[0]
    for name in columns:
        if is_number(ref, name):
            xs = [numbers(d, name) for d in datasets]
            obs = xs[0][~np.isnan(xs[0])]
            if obs.size < 2 or obs.std() == 0:
                continue
            mu, sd = obs.mean(), obs.std()
            for i, x in enumerate(xs):
                parts[i].append(np.where(np.isnan(x), 0.0 if standardise else mu, (x - mu) / sd if standardise else x))
            names.append({"column": name, "term": "per_sd" if standardise else "per_unit", "sd": float(sd)})
            if any(np.isnan(x).any() for x in xs):
                for i, x in enumerate(xs):
                    parts[i].append(np.isnan(x).astype(float))
                names.append({"column": name, "term": "missing"})
        else:
            f = factor(datasets, name, max_levels=REG_MAX_LEVELS)
            for k in range(1, f.n_levels):
                for i in range(len(datasets)):
                    parts[i].append((f.codes[i] == k).astype(float))
                names.append({"column": name, "term": "level", "level": f.levels[k],
                              "reference": f.levels[0]})
    return [np.column_stack(p) for p in parts], names


def _fit_glm(x: np.ndarray, y: np.ndarray, logistic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and standard errors (NaN for aliased or inestimable terms); IRLS as R's glm."""
    est, cov = fit_glm_cov(x, y, logistic)
    return est, np.sqrt(np.maximum(np.diag(cov), 0))


def fit_glm_cov(x: np.ndarray, y: np.ndarray, logistic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and their covariance matrix (rows/columns NaN for aliased or inestimable terms, which
    R's lm/glm report as NA): OLS with sigma^2 (X'X)^-1 (n - rank degrees of freedom), or IRLS with
    (X'WX)^-1 for a logistic model."""
    k = x.shape[1]
    est, full = np.full(k, np.nan), np.full((k, k), np.nan)
    keep = np.abs(x).sum(axis=0) > 0
    xk = x[:, keep]
    # drop aliased columns (glm reports NA for them): pivoted Cholesky of the Gram matrix
    from .logit import independent_columns

    sel, _, _ = independent_columns(xk.T @ xk)
    cols = np.sort(sel)
    rank = len(cols)
    xr = xk[:, cols]
    n = len(y)
    if n <= rank:
        return est, full
    if not logistic:
        b, *_ = np.linalg.lstsq(xr, y, rcond=None)
        resid = y - xr @ b
        sigma2 = float(resid @ resid) / (n - rank)
        cov = sigma2 * np.linalg.pinv(xr.T @ xr)
    else:
        b = np.zeros(rank)
        dev_old = np.inf
        for _ in range(50):
            eta = xr @ b
            p = 0.5 * (1 + np.tanh(0.5 * eta))
            w = np.maximum(p * (1 - p), 1e-10)
            b = b + np.linalg.lstsq(xr.T @ (xr * w[:, None]), xr.T @ (y - p), rcond=None)[0]
            p = np.clip(0.5 * (1 + np.tanh(0.5 * (xr @ b))), 1e-15, 1 - 1e-15)
            dev = float(-2 * np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
            if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
                break
            dev_old = dev
        p = 0.5 * (1 + np.tanh(0.5 * (xr @ b)))
        cov = np.linalg.pinv(xr.T @ (xr * (p * (1 - p))[:, None]))
    idx = np.flatnonzero(keep)[cols].astype(np.intp)
    est[idx] = b
    full[np.ix_(idx, idx)] = cov
    return est, full


def estimable_in_order(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Indices of the design columns R's lm would estimate: in column order, a column is aliased (NA in
    R) when its squared residual on the columns kept before it is below `tol` of its squared norm, or it
    is all zero. Copies are then fitted on the same columns, so every fit has the same terms."""
    g = x.T @ x
    kept: list[int] = []
    for j in range(x.shape[1]):
        gjj = g[j, j]
        if gjj <= 0:
            continue
        if kept:
            kk = np.array(kept, dtype=np.intp)
            sol = np.linalg.lstsq(g[np.ix_(kk, kk)], g[kk, j], rcond=None)[0]
            resid = gjj - g[j, kk] @ sol
        else:
            resid = gjj
        if resid > tol * gjj:
            kept.append(j)
    return np.array(kept, dtype=np.intp)


def ci_overlap(real: Dataset, synthetic: Dataset, target: str, *, level: float = 0.95,
               max_rows: int = 20000, seed: int = 0, exclude: list[str] | None = None) -> dict:
    """Interval overlap of a main-effects regression of `target` fitted on real and on synthetic rows
    (see the module docstring). At most `max_rows` rows of each are used (sampled with `seed`)."""
    from scipy.stats import norm

    from .encoding import sample_rows

    rng = np.random.default_rng([seed, 555])
    real = real.take(sample_rows(real.n_rows, max_rows, rng))
    synthetic = synthetic.take(sample_rows(synthetic.n_rows, max_rows, rng))
    feats = [c for c in real.columns if c != target and c in synthetic.columns and c not in (exclude or [])]
    (xr, xs), names = _regression_design([real, synthetic], feats)
    if is_number(real, target):
        logistic = False
        yr, ys = numbers(real, target), numbers(synthetic, target)
        positive = None
    else:
        logistic = True
        f = factor([real, synthetic], target, max_levels=None)
        yr, ys = (f.codes[0] == 0).astype(float), (f.codes[1] == 0).astype(float)
        positive = f.levels[0]
    kr, ks = ~np.isnan(yr), ~np.isnan(ys)
    # terms aliased in the real design (a column that is another plus a constant) are left out of both
    # fits, as R's lm reports NA for them; they are named in "aliased"
    keep = estimable_in_order(xr[kr])
    er, sr, es, ss = (np.full(len(names), np.nan) for _ in range(4))
    er[keep], sr[keep] = _fit_glm(xr[kr][:, keep], yr[kr], logistic)
    es[keep], ss[keep] = _fit_glm(xs[ks][:, keep], ys[ks], logistic)
    aliased = [names[j] for j in range(len(names)) if j not in set(keep.tolist())]
    z = float(norm.ppf(0.5 + level / 2))
    terms = []
    for j, nm in enumerate(names):
        if nm in aliased:
            continue
        lr, ur, ls, us = er[j] - z * sr[j], er[j] + z * sr[j], es[j] - z * ss[j], es[j] + z * ss[j]
        ov = None
        if np.all(np.isfinite([lr, ur, ls, us])) and ur > lr and us > ls:
            inter = min(ur, us) - max(lr, ls)
            ov = float(0.5 * (inter / (ur - lr) + inter / (us - ls)))
        terms.append({**nm, "real": [er[j], lr, ur], "synthetic": [es[j], ls, us], "overlap": ov})
    vals = [t["overlap"] for t in terms if t["overlap"] is not None and t["term"] != "(intercept)"]
    return {"target": target, "model": "logistic" if logistic else "linear", "positive_class": positive,
            "level": level, "terms": terms, "mean_overlap": float(np.mean(vals)) if vals else None,
            "n_real": int(kr.sum()), "n_synthetic": int(ks.sum()), "aliased": aliased}
