"""General utility: how well the synthetic data as a whole can be told apart from the real data.

Propensity-score measures (Woo, Reiter, Oganian & Karr 2009, J. Privacy and Confidentiality 1;
Snoke, Raab, Nowok, Dibben & Slavkovic 2018, JRSS A 181, "General and specific utility measures for
synthetic data"; Raab, Nowok & Dibben 2021, "Assessing, visualizing and improving the utility of
synthetic data", synthpop's utility vignette): stack the N = n_real + n_syn rows, label the synthetic
ones t = 1, fit a propensity model p_i = P(t = 1 | row i), c = n_syn / N, and

    pMSE   = (1/N) sum_i (p_i - c)^2
    S_pMSE = pMSE / E0,  E0 = (k - 1)(1 - c)^2 c / N for a model with k estimable parameters
    SPECKS = sup |F_syn(p) - F_real(p)| (Kolmogorov-Smirnov D of the propensities; Bowen, Liu & Su 2021)

S_pMSE is about 1 when the synthetic data are as close as a correct synthesis would be; Raab et al.
advise aiming below 10, better below 3.
"""

from __future__ import annotations

import numpy as np

from ..dataset import Dataset
from . import logit
from .encoding import MAX_LEVELS, common_columns, factor, missing_mask

# Interactions are skipped (with a note) when the design would have more columns than this, or its
# Gram matrix would cost more than MAX_GRAM_WORK row-block-pair operations (n x blocks^2 / 2).
# 5,000 columns: the Gram matrix is 200 MB and its pivoted Cholesky p^3/3 = 4.2e10 flops, 1.8x
# Adult's 4,077-column design (6.4-7.8 s in Pyodide, REPORT.md). It covers Adult with one more level
# in every categorical (4,936 columns), which a DP synthesis gives: its "other" cell is measured with
# noise, so a few synthetic rows fall in it although the real data have none there.
MAX_DESIGN_COLUMNS = 5000
MAX_GRAM_WORK = 1.5e9


def _ks_d(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic D = sup |F_a - F_b| (ties handled exactly)."""
    a, b = np.sort(a), np.sort(b)
    if a.size == 0 or b.size == 0:
        return float("nan")
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def pmse_stats(p: np.ndarray, t: np.ndarray, k: int | None) -> dict:
    """pMSE, S_pMSE (logistic null with k parameters; None when k is None) and SPECKS of propensities p."""
    n = len(p)
    c = float(t.mean())
    pmse = float(np.mean((p - c) ** 2))
    e0 = None if k is None else (k - 1) * (1 - c) ** 2 * c / n
    return {"pmse": pmse, "s_pmse": pmse / e0 if e0 else None, "expected_pmse": e0,
            "specks": _ks_d(p[t == 1], p[t == 0]), "c": c, "n": n}


def spmse_logit(real: Dataset, synthetic: Dataset, *, interactions: bool = True,
                max_levels: int | None = MAX_LEVELS, columns: list[str] | None = None) -> dict:
    """pMSE and S_pMSE of a logistic propensity model (synthpop's utility.gen, method = "logit").

    Snoke et al. (2018): pMSE = mean_i (p_i - c)^2 over the stacked rows, S_pMSE = pMSE / E0 with
    E0 = (k - 1)(1 - c)^2 c / N. Design as synthpop's: standardised numbers (dates as numbers) with a
    missing indicator per missing token, one-hot categories with missing tokens as levels, and with
    `interactions` all two-way products (maxorder = 1). k = rank of the design (glm's non-NA
    coefficients); as synthpop, a missing indicator or level only where the real data have missing
    values, and synthetic rows missing in a column the real data never miss are left out of the fit
    (glm's na.omit; counted in "n_dropped"). Categoricals with more than `max_levels` levels keep the most frequent
    max_levels - 1 and group the rest as "other" (synthpop stops at 60 levels and advises grouping);
    a design too large to fit in reasonable time (> MAX_DESIGN_COLUMNS = 5,000 columns; the pivoted Cholesky costs p^3/3) is fitted with main
    effects only, and the result says so ("interactions": false, "note").

    Returns {"pmse", "s_pmse", "k", "c", "n", "specks", "expected_pmse", "model", "interactions",
    "n_columns", "n_separated", "n_dropped", "iterations", "converged", "grouped_levels", "note"}.
    """
    cols = columns or common_columns(real, synthetic)
    # synthpop's utility.gen adds the NA level (addNA) of a factor and the x_NA indicator of a number
    # only when the real data have missing values there; a synthetic row missing where the real
    # column never is stays NA and glm's na.omit leaves it out of the fit. Same here (n_dropped).
    drop = np.zeros(synthetic.n_rows, dtype=bool)
    for c in cols:
        if not missing_mask(real, c).any():
            drop |= missing_mask(synthetic, c)
    n_dropped = int(drop.sum())
    if n_dropped:
        synthetic = synthetic.take(np.flatnonzero(~drop))
    vs = logit.variables([real, synthetic], cols, max_levels)
    n = real.n_rows + synthetic.n_rows
    t = np.concatenate([np.zeros(real.n_rows), np.ones(synthetic.n_rows)])
    note = None
    use_inter = interactions and len(vs) > 1
    if use_inter:
        n_blocks = 1 + len(vs) + len(vs) * (len(vs) - 1) // 2
        if logit.n_columns(vs, True) > MAX_DESIGN_COLUMNS or n * n_blocks ** 2 / 2 > MAX_GRAM_WORK:
            use_inter, note = False, "too_many_columns"
    bl = logit.blocks(vs, n, use_inter)
    g = logit.gram(bl)
    n_cols = int(g.shape[0])
    sel, scale, r = logit.independent_columns(g)
    del g  # up to p x p doubles (130 MB for Adult's two-way design): free it before the fit
    k = len(sel)
    fixed = logit.separated_rows(vs, t, use_inter)
    x = logit.design(bl, n)[:, sel]
    p, info = logit.fit_propensity(x, scale, r, t, fixed=fixed)
    out = pmse_stats(p, t, k)
    grouped = {v.name: v.grouped for v in vs if v.grouped}
    out.update({"k": k, "model": "logit", "interactions": use_inter, "n_columns": n_cols,
                "n_separated": int(np.sum(~np.isnan(fixed))), "grouped_levels": grouped, "note": note,
                "n_dropped": n_dropped,
                **info})
    return out


def _pair_table_stats(codes_real: np.ndarray, codes_syn: np.ndarray, size: int) -> dict:
    """utility.tab of one table: pMSE = sum_cells n_j (s_j/n_j - c)^2 / N, df = non-empty cells - 1."""
    d = np.bincount(codes_real, minlength=size).astype(float)
    s = np.bincount(codes_syn, minlength=size).astype(float)
    tot = d + s
    keep = tot > 0
    d, s, tot = d[keep], s[keep], tot[keep]
    n = tot.sum()
    c = s.sum() / n
    pmse = float(np.sum(tot * (s / tot - c) ** 2) / n)
    df = int(keep.sum()) - 1
    e0 = df * c * (1 - c) ** 2 / n if df > 0 else None
    return {"pmse": pmse, "s_pmse": pmse / e0 if e0 else None, "df": df}


def two_way_spmse(real: Dataset, synthetic: Dataset, *, bins: int = 5, columns: list[str] | None = None,
                  max_levels: int | None = MAX_LEVELS) -> dict:
    """Two-way S_pMSE of every pair of columns (synthpop's utility.tables(tables = "twoway")).

    Per pair, the contingency table of real counts d_j and synthetic counts s_j (numbers in `bins`
    quantile bins of the combined observed values, synthpop's group_num; each missing token its own
    bin or level): pMSE = sum_j n_j (s_j / n_j - c)^2 / N over non-empty cells (n_j = d_j + s_j),
    E0 = (K - 1) c (1 - c)^2 / N with K the non-empty cells, S_pMSE = pMSE / E0 (= VW / df,
    Raab et al. 2021, appendix A). Returns {"mean", "median", "max", "pairs": [{"a", "b", "s_pmse",
    "pmse", "df"}], "worst": the five largest}. Pairs whose table has one non-empty cell have
    s_pmse None and are left out of the summary figures.
    """
    cols = columns or common_columns(real, synthetic)
    facs = [factor([real, synthetic], c, bins=bins, max_levels=max_levels) for c in cols]
    pairs = []
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            fa, fb = facs[i], facs[j]
            size = fa.n_levels * fb.n_levels
            cr = fa.codes[0] * fb.n_levels + fb.codes[0]
            cs = fa.codes[1] * fb.n_levels + fb.codes[1]
            st = _pair_table_stats(cr, cs, size)
            pairs.append({"a": cols[i], "b": cols[j], **st})
    vals = np.array([p["s_pmse"] for p in pairs if p["s_pmse"] is not None], dtype=float)
    worst = sorted([p for p in pairs if p["s_pmse"] is not None], key=lambda p: -p["s_pmse"])[:5]
    return {"mean": float(vals.mean()) if vals.size else None,
            "median": float(np.median(vals)) if vals.size else None,
            "max": float(vals.max()) if vals.size else None,
            "bins": bins, "pairs": pairs, "worst": [{"a": p["a"], "b": p["b"], "s_pmse": p["s_pmse"]}
                                                    for p in worst]}



def two_way_cluster_reference(real: Dataset, key: str, *, reps: int = 10, seed: int = 0, bins: int = 5,
                              columns: list[str] | None = None, max_levels: int | None = MAX_LEVELS,
                              rows: bool = True) -> dict:
    """The two-way S_pMSE (two_way_spmse) that a resample of the real table's *groups* scores against
    the real table: the reference for a synthesis that draws new groups (two-level synthesis).

    Why: two_way_spmse's null expectation (S_pMSE about 1) is that of synthetic rows drawn
    independently from the real rows' distribution: a row bootstrap of the real table scores about 1
    (`row_mean` below). When the sampling units are groups (pupils in 160 schools), a synthesis that
    draws new schools and gives every pupil its school's attributes makes the cells of every table
    with a school-level column move in blocks of a school's pupils; the cell variances are then those
    of a cluster sample, inflated by the design effect deff = 1 + (m - 1) rho (Kish 1965, Survey
    Sampling, sec. 5.4; for Pearson-type statistics of two-way tables under cluster sampling: Rao &
    Scott 1981, JASA 76, 221-230, whose first-order correction divides the statistic by the mean
    generalised design effect). Instead of a model for deff this estimates the reference directly:
    the groups (levels of `key`, missing as a level) are drawn with replacement with all their rows
    (the cluster bootstrap, resampling at the top level of a two-stage design: Davison & Hinkley
    1997, Bootstrap Methods and their Application, sec. 3.8; Field & Welsh 2007, JRSS B 69, 369-390),
    `reps` times, and each resample is scored against the real table like a synthetic one.

    It uses only the real table; it is a reference to read a synthetic score against, not a
    correction applied to it. Returns {"key", "reps", "groups", "mean" (mean over resamples of the
    mean two-way S_pMSE), "sd", "row_mean" (the same for row resamples; None without `rows`),
    "pairs": {"a|b": mean}}.
    """
    import pandas as pd

    g = pd.Series(real.values[key]).astype(str).where(~real.is_missing(key), "\x00missing").to_numpy()
    _, inv = np.unique(g, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(inv.max() + 2))
    J = int(inv.max()) + 1
    rng = np.random.default_rng(seed)
    means, row_means, pairs = [], [], {}
    for _ in range(reps):
        pick = rng.integers(0, J, J)
        idx = np.concatenate([order[starts[j]:starts[j + 1]] for j in pick])
        tw = two_way_spmse(real, real.take(idx), bins=bins, columns=columns, max_levels=max_levels)
        means.append(float(tw["mean"]))
        for p in tw["pairs"]:
            if p["s_pmse"] is not None:
                pairs.setdefault(f"{p['a']}|{p['b']}", []).append(p["s_pmse"])
        if rows:
            ridx = rng.integers(0, real.n_rows, real.n_rows)
            row_means.append(float(two_way_spmse(real, real.take(ridx), bins=bins, columns=columns,
                                                 max_levels=max_levels)["mean"]))
    return {"key": key, "reps": reps, "groups": J, "mean": float(np.mean(means)),
            "sd": float(np.std(means, ddof=1)) if reps > 1 else 0.0,
            "row_mean": float(np.mean(row_means)) if row_means else None,
            "pairs": {k: float(np.mean(v)) for k, v in pairs.items()}}

# ---------------------------------------------------------------- CART propensity model

CART_PERMUTATIONS = 5  # synthpop uses 50; 5 keeps the browser within its time budget (see REPORT.md)
CART_MINBUCKET = 5  # synthpop's utility.gen default
CART_CP = 1e-3  # synthpop's utility.gen default


def _cart_features(datasets: list[Dataset], columns: list[str]) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Numbers as they are (NaN missing, handled by the tree), categories as codes (reordered per fit)."""
    from .encoding import is_number, numbers

    feats, cat_codes = [], []
    for name in columns:
        if is_number(datasets[0], name):
            feats.append(np.concatenate([numbers(d, name) for d in datasets]))
            cat_codes.append(None)
        else:
            f = factor(datasets, name, max_levels=None)
            codes = np.concatenate(f.codes)
            feats.append(codes.astype(float))
            cat_codes.append(codes)
    x = np.column_stack(feats) if feats else np.zeros((sum(d.n_rows for d in datasets), 0))
    return x, cat_codes


def _cart_pmse(x: np.ndarray, cat_codes: list, t: np.ndarray, seed: int) -> tuple[np.ndarray, int]:
    """Fit one classification tree of t on x; return (in-sample propensities, leaves)."""
    from sklearn.tree import DecisionTreeClassifier

    x = x.copy()
    for j, codes in enumerate(cat_codes):
        if codes is None:
            continue
        # order the levels by their share of t = 1: for two classes the best split of a category
        # is then a cut point in this order (Breiman et al. 1984, sec. 4.2; rpart does this per node)
        ones = np.bincount(codes, weights=t, minlength=codes.max() + 1)
        tot = np.bincount(codes, minlength=codes.max() + 1)
        share = np.where(tot > 0, ones / np.maximum(tot, 1), 0)
        rank = np.empty(len(share))
        rank[np.argsort(share, kind="stable")] = np.arange(len(share))
        x[:, j] = rank[codes]
    c = t.mean()
    alpha = CART_CP * 2 * c * (1 - c)  # cp relative to the root's Gini impurity
    # A node of N_t rows can only survive pruning at alpha if its whole subtree gains at least alpha,
    # and the gain is at most its impurity N_t/N x 1/2: nodes below 2 alpha N rows are never split
    # in the pruned tree, so growing them is wasted work (the result is the same).
    min_split = max(3 * CART_MINBUCKET, int(np.floor(2 * alpha * len(t))))
    tree = DecisionTreeClassifier(min_samples_leaf=CART_MINBUCKET, min_samples_split=min_split,
                                  ccp_alpha=alpha, random_state=seed)
    tree.fit(x, t.astype(int))
    p = tree.predict_proba(x)
    p1 = p[:, 1] if p.shape[1] == 2 else np.full(len(t), float(tree.classes_[0] == 1))
    return p1, int(tree.get_n_leaves())


def spmse_cart(real: Dataset, synthetic: Dataset, *, permutations: int = CART_PERMUTATIONS, seed: int = 0,
               columns: list[str] | None = None) -> dict:
    """pMSE of a CART propensity model with its null by permutation (synthpop's utility.gen, method =
    "cart", resamp.method = "perm"; Snoke et al. 2018, sec. 3.2).

    A classification tree (minimum leaf 5, splits must reduce the Gini impurity by at least
    cp = 0.001 of the root's, an approximation of rpart's cp) predicts t = 1 (synthetic) from the row;
    pMSE = mean (p_i - c)^2 of its in-sample propensities. Null: the same fit on `permutations` random
    permutations of t; E0 = (1 - c) x mean permuted pMSE (synthpop's code halves it, the same at
    c = 1/2: a correct synthesis is fitted to the real data, so its expected pMSE is (1 - c) times that
    of two independent samples, as the logistic null (k-1)(1-c)^2 c/N is of (k-1) c(1-c)/N).
    S_pMSE = pMSE / E0. Categories: levels ordered by their share of synthetic rows before each fit.
    On large tables the permuted trees often do not split at all (synthpop's "nnosplits"): then
    E0 = 0, S_pMSE is undefined (None, note "null_no_splits") and the permutation p-value
    (1 + #{null pMSE >= pMSE}) / (permutations + 1) is the figure to read; pMSE = 0 (note "no_split")
    means the tree found no difference at all; the permutations are then skipped (p-value 1,
    "permutations": 0).
    """
    cols = columns or common_columns(real, synthetic)
    x, cat_codes = _cart_features([real, synthetic], cols)
    t = np.concatenate([np.zeros(real.n_rows), np.ones(synthetic.n_rows)])
    rng = np.random.default_rng([seed, 4242])
    p, leaves = _cart_pmse(x, cat_codes, t, int(rng.integers(2**31)))
    out = pmse_stats(p, t, None)
    c = out["c"]
    null = []
    if out["pmse"] > 1e-12:
        # with pMSE = 0 the tree found nothing to tell the rows apart: the permutation test has
        # p-value 1 whatever the null, so the (costly) permuted fits are skipped
        for _ in range(permutations):
            tp = rng.permutation(t)
            pp, _ = _cart_pmse(x, cat_codes, tp, int(rng.integers(2**31)))
            null.append(float(np.mean((pp - c) ** 2)))
    e0 = (1 - c) * float(np.mean(null)) if null else None
    no_split = int(sum(v < 1e-8 for v in null))
    note = None
    if out["pmse"] <= 1e-12:
        note = "no_split"  # the tree found nothing to tell real and synthetic rows apart
    elif not e0:
        note = "null_no_splits"  # no permuted tree split: S_pMSE undefined, the p-value says it all
    # permutation test: how often random labels give a pMSE at least as large as the real one
    p_value = (1 + sum(v >= out["pmse"] for v in null)) / (len(null) + 1) if null else 1.0
    out.update({"model": "cart", "leaves": leaves, "permutations": len(null),
                "null_pmse": null, "expected_pmse": e0,
                "s_pmse": out["pmse"] / e0 if e0 else None,
                "no_split_permutations": no_split, "p_value": p_value, "note": note})
    return out


def interpretation(s_pmse: float | None) -> str | None:
    """A code for the S_pMSE interpretation line (Raab et al. 2021: aim below 10, better below 3)."""
    if s_pmse is None:
        return None
    if s_pmse < 3:
        return "close"  # about 1: as close as a correct synthesis would be
    if s_pmse < 10:
        return "acceptable"
    return "distinguishable"


def one_way_spmse(real: Dataset, synthetic: Dataset, columns: list[str] | None = None, *, bins: int = 5,
                  max_levels: int | None = MAX_LEVELS) -> list[dict]:
    """One-way S_pMSE per column (synthpop's compare.synds utility.stats, utility.tab of one variable
    with ngroups = 5): the table of one column (numbers in `bins` quantile bins of the combined observed
    values, each missing token its own cell), pMSE = sum_j n_j (s_j/n_j - c)^2 / N, S_pMSE = pMSE / E0,
    E0 = (K - 1) c (1 - c)^2 / N (Raab, Nowok & Dibben 2021). [{column, pmse, s_pmse, df}]; s_pmse None
    for a column with one non-empty cell."""
    cols = columns or common_columns(real, synthetic)
    out = []
    for c in cols:
        f = factor([real, synthetic], c, bins=bins, max_levels=max_levels)
        out.append({"column": c, **_pair_table_stats(f.codes[0].astype(np.intp), f.codes[1].astype(np.intp),
                                                      f.n_levels)})
    return out
