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
    return float(roc_auc_score(y, p, multi_class="ovr", average="macro", labels=present))


def ml_utility(train: Dataset, synthetic: Dataset, holdout: Dataset, target: str, *, seed: int = 0) -> dict:
    """Train-on-synthetic vs train-on-real, both tested on the holdout (see the module docstring)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    feats = [c for c in train.columns if c != target and c in synthetic.columns and c in holdout.columns]
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
    xs = [x[k] for x, k in zip(xs, keep, strict=True)]
    ys = [y[k] for y, k in zip(ys, keep, strict=True)]
    out = {"target": target, "task": kind, "model": "hist_gradient_boosting", "features": feats,
           "n_train": int(len(ys[0])), "n_synthetic": int(len(ys[1])), "n_holdout": int(len(ys[2])),
           "metric": "r2" if kind == "regression" else "roc_auc"}
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

def _regression_design(datasets: list[Dataset], columns: list[str]) -> tuple[list[np.ndarray], list[dict]]:
    """Main-effects design: standardised numbers (mean-filled, with a missing indicator where needed),
    one-hot categories (most frequent level as reference, at most REG_MAX_LEVELS levels)."""
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
                parts[i].append(np.where(np.isnan(x), 0.0, (x - mu) / sd))
            names.append({"column": name, "term": "per_sd", "sd": float(sd)})
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
    k = x.shape[1]
    est, se = np.full(k, np.nan), np.full(k, np.nan)
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
        return est, se
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
    idx = np.flatnonzero(keep)[cols]
    est[idx] = b
    se[idx] = np.sqrt(np.maximum(np.diag(cov), 0))
    return est, se


def ci_overlap(real: Dataset, synthetic: Dataset, target: str, *, level: float = 0.95,
               max_rows: int = 20000, seed: int = 0) -> dict:
    """Interval overlap of a main-effects regression of `target` fitted on real and on synthetic rows
    (see the module docstring). At most `max_rows` rows of each are used (sampled with `seed`)."""
    from scipy.stats import norm

    from .encoding import sample_rows

    rng = np.random.default_rng([seed, 555])
    real = real.take(sample_rows(real.n_rows, max_rows, rng))
    synthetic = synthetic.take(sample_rows(synthetic.n_rows, max_rows, rng))
    feats = [c for c in real.columns if c != target and c in synthetic.columns]
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
    er, sr = _fit_glm(xr[kr], yr[kr], logistic)
    es, ss = _fit_glm(xs[ks], ys[ks], logistic)
    z = float(norm.ppf(0.5 + level / 2))
    terms = []
    for j, nm in enumerate(names):
        lr, ur, ls, us = er[j] - z * sr[j], er[j] + z * sr[j], es[j] - z * ss[j], es[j] + z * ss[j]
        ov = None
        if np.all(np.isfinite([lr, ur, ls, us])) and ur > lr and us > ls:
            inter = min(ur, us) - max(lr, ls)
            ov = float(0.5 * (inter / (ur - lr) + inter / (us - ls)))
        terms.append({**nm, "real": [er[j], lr, ur], "synthetic": [es[j], ls, us], "overlap": ov})
    vals = [t["overlap"] for t in terms if t["overlap"] is not None and t["term"] != "(intercept)"]
    return {"target": target, "model": "logistic" if logistic else "linear", "positive_class": positive,
            "level": level, "terms": terms, "mean_overlap": float(np.mean(vals)) if vals else None,
            "n_real": int(kr.sum()), "n_synthetic": int(ks.sum())}
