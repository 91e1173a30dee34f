"""Relations between pairs of columns, real vs synthetic.

Association of every pair, in the real and in the synthetic data (and their difference):
- number-number: Spearman's rank correlation (Spearman 1904), rows where both are observed;
- category-category: Cramer's V = sqrt(chi2 / (n (min(r, c) - 1))) (Cramer 1946), missing tokens as
  levels;
- number-category: the correlation ratio eta = sqrt(SS_between / SS_total) of the number over the
  category's levels (Pearson 1903; Fisher 1925), rows where the number is observed.
Dates count as numbers; categoricals above 60 levels keep the 59 most frequent and group the rest.
The two-way S_pMSE of each pair is in `utility.two_way_spmse`; `spmse_matrix` lays it out as a matrix.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from ..dataset import Dataset
from .encoding import MAX_LEVELS, factor, is_number, numbers


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    ok = ~np.isnan(x) & ~np.isnan(y)
    if ok.sum() < 3:
        return None
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def cramers_v(a: np.ndarray, b: np.ndarray, na: int, nb: int) -> float | None:
    """Cramer's V of two code arrays with na and nb levels (empty levels dropped)."""
    t = np.bincount(a * nb + b, minlength=na * nb).reshape(na, nb).astype(float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = t.sum()
    k = min(t.shape) - 1
    if n == 0 or k < 1:
        return None
    e = t.sum(axis=1, keepdims=True) * t.sum(axis=0, keepdims=True) / n
    chi2 = float(((t - e) ** 2 / e).sum())
    return float(np.sqrt(min(chi2 / (n * k), 1.0)))


def correlation_ratio(x: np.ndarray, codes: np.ndarray, n_levels: int) -> float | None:
    ok = ~np.isnan(x)
    x, codes = x[ok], codes[ok]
    if x.size < 2:
        return None
    ss_tot = float(((x - x.mean()) ** 2).sum())
    if ss_tot == 0:
        return None
    cnt = np.bincount(codes, minlength=n_levels)
    sums = np.bincount(codes, weights=x, minlength=n_levels)
    nz = cnt > 0
    ss_between = float((sums[nz] ** 2 / cnt[nz]).sum() - x.sum() ** 2 / x.size)
    return float(np.sqrt(min(max(ss_between / ss_tot, 0.0), 1.0)))


def association_matrices(real: Dataset, synthetic: Dataset, columns: list[str]) -> dict:
    """{"columns", "measures" (matrix of measure names), "real", "synthetic", "difference" (syn - real)}."""
    m = len(columns)
    kinds = ["number" if is_number(real, c) else "category" for c in columns]
    nums = {c: (numbers(real, c), numbers(synthetic, c)) for c, k in zip(columns, kinds, strict=True)
            if k == "number"}
    facs = {c: factor([real, synthetic], c, max_levels=MAX_LEVELS) for c, k in zip(columns, kinds, strict=True)
            if k == "category"}
    mats = {"real": [[None] * m for _ in range(m)], "synthetic": [[None] * m for _ in range(m)]}
    measure = [[None] * m for _ in range(m)]
    for i in range(m):
        for side in mats:
            mats[side][i][i] = 1.0
        for j in range(i + 1, m):
            a, b = columns[i], columns[j]
            if kinds[i] == kinds[j] == "number":
                kind = "spearman"
                vals = [spearman(nums[a][s], nums[b][s]) for s in (0, 1)]
            elif kinds[i] == kinds[j] == "category":
                kind = "cramers_v"
                fa, fb = facs[a], facs[b]
                vals = [cramers_v(fa.codes[s], fb.codes[s], fa.n_levels, fb.n_levels) for s in (0, 1)]
            else:
                kind = "correlation_ratio"
                num, cat = (a, b) if kinds[i] == "number" else (b, a)
                f = facs[cat]
                vals = [correlation_ratio(nums[num][s], f.codes[s], f.n_levels) for s in (0, 1)]
            measure[i][j] = measure[j][i] = kind
            for side, v in zip(("real", "synthetic"), vals, strict=True):
                mats[side][i][j] = mats[side][j][i] = v
    diff = [[None if (r is None or s is None) else s - r for r, s in zip(rr, ss, strict=True)]
            for rr, ss in zip(mats["real"], mats["synthetic"], strict=True)]
    absdiff = [abs(d) for i, row in enumerate(diff) for j, d in enumerate(row) if j > i and d is not None]
    return {"columns": list(columns), "kinds": kinds, "measures": measure, "real": mats["real"],
            "synthetic": mats["synthetic"], "difference": diff,
            "mean_abs_difference": float(np.mean(absdiff)) if absdiff else None,
            "max_abs_difference": float(np.max(absdiff)) if absdiff else None}


def spmse_matrix(columns: list[str], pairs: list[dict]) -> list[list[float | None]]:
    """The two-way S_pMSE of each pair as a symmetric matrix (None on the diagonal)."""
    pos = {c: i for i, c in enumerate(columns)}
    mat = [[None] * len(columns) for _ in columns]
    for p in pairs:
        i, j = pos[p["a"]], pos[p["b"]]
        mat[i][j] = mat[j][i] = p["s_pmse"]
    return mat
