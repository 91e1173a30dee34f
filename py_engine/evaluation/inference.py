"""Valid inference from m synthetic data sets: synthpop's combining rules (glm.synds / lm.synds,
summary.fit.synds, compare.fit.synds), written from their published formulas.

References
- Raab, G.M., Nowok, B. & Dibben, C. (2016). Practical data synthesis for large samples. Journal of
  Privacy and Confidentiality 7(3), 67-97 (the variance of estimates from m fully synthetic copies,
  with and without population inference; proper and simple synthesis).
- Reiter, J.P. (2003). Inference for partially synthetic, public use microdata sets. Survey
  Methodology 29, 181-188 (the rule for partially synthetic data: b_m / m + v_bar).
- Karr, A.F., Kohnen, C.N., Oganian, A., Reiter, J.P. & Sanil, A.P. (2006). A framework for evaluating
  the utility of data altered to protect confidentiality. The American Statistician 60, 224-232
  (confidence-interval overlap).
- Nowok, B., Raab, G.M. & Dibben, C. (2016). synthpop: Bespoke creation of synthetic data in R.
  Journal of Statistical Software 74(11) (compare.fit: standardised differences, lack-of-fit test).

Notation: m synthetic data sets of k rows each, fitted from n real rows; on copy l the model gives
estimates q_l and variances v_l (squared standard errors) per coefficient.

    q_bar = (1/m) sum_l q_l                       combined estimate
    v_bar = (1/m) sum_l v_l
    b_m   = 1/(m-1) sum_l (q_l - q_bar)^2         between-copy variance

Inference to the coefficients the real data would give (population_inference = False, synthpop's
default):  Var = v_bar * k / n.
Inference to the population (population_inference = True), all variables synthesised (Raab et al.
2016, section 3): Var = v_bar * k/n * (1 + n / (k m)) for simple synthesis,
Var = v_bar * k/n * (1 + (n/k + 1) / m) for proper synthesis (synthpop's proper = TRUE).
Partially synthetic ("incomplete", Reiter 2003): Var = b_m / m + v_bar * k/n (needs m > 1).
compare.fit replaces v_bar * k / n by the real fit's variance (real_variance below).

Standardised difference per coefficient (compare.fit):  (q_bar - beta_real) / se_real.
CI overlap (Karr et al. 2006) of the intervals (L_s, U_s) and (L_r, U_r), z = Phi^-1(1 - alpha/2):
    J = 1/2 [ (min(U_r,U_s) - max(L_r,L_s)) / (U_r - L_r) + (min(U_r,U_s) - max(L_r,L_s)) / (U_s - L_s) ]
Lack-of-fit (compare.fit, all variables synthesised): d = q_bar - beta_real, V = Cov_real * n / (k m),
    chi2 = d' V^+ d  on p (number of coefficients) degrees of freedom; ratio = chi2 / p (synthpop's
    "Mahalanobis distance ratio", target 1). For proper synthesis V = Cov_real (n/k + 1) / m, the same
    extra term as in the population variance (synthpop's code keeps n/(k m) for both; its vignette
    writes (1 + k/n)/m; the two agree with ours when k = n apart from that proper term).
Means over the coefficients (|std. difference|, overlap) include the intercept, as compare.fit.
"""

from __future__ import annotations

import numpy as np

from ..dataset import Dataset
from .analysis import _regression_design, estimable_in_order, fit_glm_cov
from .encoding import factor, is_number, numbers, sample_rows

MAX_ROWS = 50000  # rows per data set for the fits (sampled with the seed above this)


def combine(estimates, variances, n: int, k: int, *, population_inference: bool = False,
            proper: bool = False, incomplete: bool = False, real_variance=None) -> dict:
    """synthpop's summary.fit.synds: combined estimate and standard error per coefficient.

    `estimates`, `variances`: arrays m x p (NaN where a copy could not estimate a coefficient; those
    copies are left out of that coefficient's means, as R's na.rm). `real_variance` (length p): the
    real fit's variances (compare.fit), used instead of v_bar * k / n. See the module docstring for
    the formulas. Returns {estimate, se, z, p_value, v_bar, b_m, incomplete} (lists of length p)."""
    from scipy.stats import norm

    q = np.atleast_2d(np.asarray(estimates, dtype=float))
    v = np.atleast_2d(np.asarray(variances, dtype=float))
    m = q.shape[0]
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            qbar = np.nanmean(q, axis=0)
            vbar = np.nanmean(v, axis=0)
            bm = np.nanvar(q, axis=0, ddof=1) if m > 1 else np.full(q.shape[1], np.nan)
    base = np.asarray(real_variance, dtype=float) if real_variance is not None else vbar * k / n
    if incomplete and m == 1:
        incomplete = False  # synthpop: the partial rule needs m > 1; proceeds as if all were synthesised
    if not population_inference:
        var = base
    elif incomplete:
        var = bm / m + base
    elif proper:
        var = base * (1 + (n / k + 1) / m)
    else:
        var = base * (1 + n / k / m)
    se = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = qbar / se
    p = 2 * norm.sf(np.abs(z))
    return {"estimate": qbar.tolist(), "se": se.tolist(), "z": z.tolist(), "p_value": p.tolist(),
            "v_bar": vbar.tolist(), "b_m": bm.tolist(), "incomplete": bool(incomplete), "m": int(m)}


def interval_overlap(est_s: float, se_s: float, est_r: float, se_r: float, level: float = 0.95) -> float | None:
    """CI overlap J (Karr et al. 2006; synthpop's overlap.CI), see the module docstring. None where an
    interval is undefined. J = 1 for identical intervals; negative when they are apart."""
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - level) / 2))
    ls, us, lr, ur = est_s - z * se_s, est_s + z * se_s, est_r - z * se_r, est_r + z * se_r
    if not np.all(np.isfinite([ls, us, lr, ur])) or us <= ls or ur <= lr:
        return None
    inter = min(ur, us) - max(lr, ls)
    return float(0.5 * (inter / (ur - lr) + inter / (us - ls)))


def standardised_difference(est_s: float, est_r: float, se_r: float) -> float | None:
    """(q_bar - beta_real) / se_real, compare.fit's "Std. coef diff"."""
    if not (np.isfinite(est_s) and np.isfinite(est_r) and np.isfinite(se_r)) or se_r <= 0:
        return None
    return float((est_s - est_r) / se_r)


def lack_of_fit(diff, real_cov, n: int, k: int, m: int, proper: bool = False) -> dict:
    """compare.fit's lack-of-fit test for fully synthesised data: chi2 = d' (Cov_real n/(k m))^+ d on p df
    (proper: Cov_real (n/k + 1)/m); ratio = chi2 / p."""
    from scipy.stats import chi2

    d = np.asarray(diff, dtype=float)
    v = np.asarray(real_cov, dtype=float) * ((n / k + 1) / m if proper else n / k / m)
    stat = float(d @ np.linalg.pinv(v) @ d)
    return {"statistic": stat, "df": int(d.size), "p_value": float(chi2.sf(stat, d.size)),
            "ratio": stat / d.size if d.size else None}


def compare_fit(real: Dataset, copies: list[Dataset], target: str, predictors: list[str] | None = None, *,
                population_inference: bool = False, proper: bool = False, level: float = 0.95,
                seed: int = 0, max_rows: int = MAX_ROWS) -> dict:
    """glm.synds / lm.synds on the m synthetic copies and compare.fit against the real fit.

    The model: `target` on `predictors` (default every other column), linear for a number, logistic for
    a category (its most frequent real level against the rest); numbers in their own units
    (mean-filled with a missing indicator where needed), categories as indicators of their 9 most
    frequent levels against the most frequent. Terms aliased in the real design (a column that is
    another plus a constant) are dropped and named in `aliased`, as R's lm reports NA for them.
    Returns `terms` (per coefficient: real estimate and se, the combined synthetic estimate and se as
    a researcher would compute it from the copies alone (`se`, as asked by population_inference, and
    `se_population`, population inference), the se compare.fit uses (from the real fit),
    standardised difference, CI overlap), the means of |std. difference| and of the overlap (with
    the intercept, as compare.fit), the lack-of-fit test, n, k, m, `degenerate` (True when the real fit failed)."""
    rng = np.random.default_rng([seed, 914])
    real = real.take(sample_rows(real.n_rows, max_rows, rng))
    copies = [c.take(sample_rows(c.n_rows, max_rows, rng)) for c in copies]
    feats = [c for c in (predictors or real.columns) if c != target and c in real.columns]
    sets = [real, *copies]
    xs, names = _regression_design(sets, feats, standardise=False)
    if is_number(real, target):
        logistic, positive = False, None
        ys = [numbers(d, target) for d in sets]
    else:
        logistic = True
        f = factor(sets, target, max_levels=None)
        miss = np.array(["missing" in lv for lv in f.levels], dtype=bool)
        ys = [np.where(miss[c.astype(np.intp)], np.nan, (c == 0).astype(float)) for c in f.codes]
        positive = f.levels[0]
    rows = [~np.isnan(y) for y in ys]
    cols = estimable_in_order(xs[0][rows[0]])
    fits = []
    for x, y, keep in zip(xs, ys, rows, strict=True):
        est, cov = np.full(len(names), np.nan), np.full((len(names), len(names)), np.nan)
        e, c = fit_glm_cov(x[keep][:, cols], y[keep], logistic)
        est[cols], cov[np.ix_(cols, cols)] = e, c
        fits.append(((est, cov), int(keep.sum())))
    (er, cr), n = fits[0]
    k = int(round(np.mean([nk for _, nk in fits[1:]])))
    m = len(copies)
    vr = np.diag(cr) if cr.size else np.zeros(0)
    est_s = np.array([f[0][0] for f in fits[1:]])
    var_s = np.array([np.diag(f[0][1]) for f in fits[1:]])
    ok = np.isfinite(er) & np.isfinite(vr)
    aliased = [names[j] for j in range(len(names)) if not ok[j]]
    researcher = combine(est_s, var_s, n, k, population_inference=population_inference, proper=proper)
    population = combine(est_s, var_s, n, k, population_inference=True, proper=proper)
    compared = combine(est_s, var_s, n, k, population_inference=population_inference, proper=proper,
                       real_variance=vr)
    terms = []
    for j, nm in enumerate(names):
        if not ok[j]:
            continue
        es, ss = compared["estimate"][j], compared["se"][j]
        sr = float(np.sqrt(vr[j]))
        terms.append({**nm, "real": {"estimate": float(er[j]), "se": sr},
                      "synthetic": {"estimate": es, "se": researcher["se"][j], "se_compare": ss,
                                    "se_population": population["se"][j],
                                    "per_copy": est_s[:, j].tolist()},
                      "std_diff": standardised_difference(es, float(er[j]), sr),
                      "overlap": interval_overlap(es, ss, float(er[j]), sr, level)})
    idx = np.flatnonzero(ok).astype(np.intp)
    lof = None
    if idx.size and np.all(np.isfinite(np.array(compared["estimate"])[idx])):
        d = np.array(compared["estimate"])[idx] - er[idx]
        lof = lack_of_fit(d, cr[np.ix_(idx, idx)], n, k, m, proper)
    body = terms
    sd = [abs(t["std_diff"]) for t in body if t["std_diff"] is not None]
    ov = [t["overlap"] for t in body if t["overlap"] is not None]
    return {"target": target, "model": "logistic" if logistic else "linear", "positive_class": positive,
            "predictors": feats, "level": level, "population_inference": population_inference,
            "proper": proper, "m": m, "n": n, "k": k, "terms": terms, "aliased": aliased,
            "mean_abs_std_diff": float(np.mean(sd)) if sd else None,
            "mean_overlap": float(np.mean(ov)) if ov else None, "lack_of_fit": lof,
            "degenerate": len(body) < 2 or not ov}
