"""Disclosure risk: what the synthetic data reveal about the real people in the rows it was fitted on.

Following the consensus of Pilgram et al. (2025, arXiv 2503.04980), membership and attribute
disclosure are measured against a holdout (real rows the generator never saw); similarity measures
such as the distance to the closest record are reported as sanity checks only ("The DCR Delusion",
arXiv 2505.01524).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..dataset import Dataset
from ..schema import DATE, DATETIME
from . import gower
from .encoding import common_columns, is_number, labels, missing_token, numbers, sample_rows

SIGNIFICANT_DIGITS = 6


def _round_significant(x: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """x rounded to `digits` significant digits (NaN stays NaN, 0 stays 0)."""
    out = x.astype(float, copy=True)
    ok = np.isfinite(out) & (out != 0)
    if ok.any():
        mag = np.floor(np.log10(np.abs(out[ok])))
        scale = 10.0 ** (digits - 1 - mag)
        out[ok] = np.round(out[ok] * scale) / scale
    return out


def _row_keys(datasets: list[Dataset], columns: list[str]) -> list[np.ndarray]:
    """A 64-bit hash per row of its values (numbers at 6 significant digits, dates exact, missing
    cells by their token), comparable across the datasets."""
    frames = []
    for d in datasets:
        cols = {}
        for name in columns:
            if is_number(d, name):
                x = numbers(d, name)
                if d.schema[name].type not in (DATE, DATETIME):
                    x = _round_significant(x)
                cols[name] = np.where(np.isnan(x), 0.0, x) + 0.0  # + 0.0: -0.0 becomes 0.0
                cols[name + "\x00m"] = pd.Series(missing_token(d, name), dtype=object)
            else:
                cols[name] = pd.Series(labels(d, name), dtype=object)
        frames.append(pd.DataFrame(cols))
    allf = pd.concat(frames, ignore_index=True)
    h = pd.util.hash_pandas_object(allf, index=False).to_numpy()
    out, start = [], 0
    for d in datasets:
        out.append(h[start:start + d.n_rows])
        start += d.n_rows
    return out


def exact_copies(train: Dataset, synthetic: Dataset, holdout: Dataset | None = None) -> dict:
    """Share of synthetic rows identical on every column to some train row.

    Rows are compared on all common columns, numbers rounded to 6 significant digits, dates exactly,
    missing cells by their token. "natural" is the same share for holdout rows: how often a real row
    not used for fitting equals a train row anyway (duplicates in the population), the baseline the
    synthetic share should be compared with.

    Returns {"share", "n_copies", "n_synthetic", "natural", "n_natural", "n_holdout",
    "unique_copies"} (unique_copies: copies of train rows that are unique in train).
    """
    cols = common_columns(train, synthetic, holdout)
    keys = _row_keys([train, synthetic] + ([holdout] if holdout is not None else []), cols)
    kt, ks = keys[0], keys[1]
    hit = np.isin(ks, kt)
    ut, ct = np.unique(kt, return_counts=True)
    unique_train = ut[ct == 1]
    out = {"share": float(hit.mean()) if len(ks) else None, "n_copies": int(hit.sum()),
           "n_synthetic": int(len(ks)), "unique_copies": int(np.isin(ks, unique_train).sum()),
           "natural": None, "n_natural": None, "n_holdout": 0}
    if holdout is not None:
        kh = keys[2]
        nat = np.isin(kh, kt)
        out.update({"natural": float(nat.mean()) if len(kh) else None, "n_natural": int(nat.sum()),
                    "n_holdout": int(len(kh))})
    return out


def auc_delong(pos: np.ndarray, neg: np.ndarray, level: float = 0.95) -> dict:
    """ROC-AUC of scores `pos` (should be higher) against `neg`, with DeLong's confidence interval.

    AUC = P(pos > neg) + P(pos = neg) / 2 (Mann-Whitney). DeLong, DeLong & Clarke-Pearson (1988,
    Biometrics 44): placement values V10_i = AUC of pos_i against all neg, V01_j = of all pos against
    neg_j; Var(AUC) = s10^2 / n_pos + s01^2 / n_neg; CI = AUC +- z SE, clipped to [0, 1].
    """
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return {"auc": None, "ci_low": None, "ci_high": None, "se": None}
    from scipy.stats import rankdata

    allr = rankdata(np.concatenate([pos, neg]))  # midranks handle ties
    rp, rn = rankdata(pos), rankdata(neg)
    v10 = (allr[:m] - rp) / n  # for each pos: share of neg below (+ half ties)
    v01 = 1 - (allr[m:] - rn) / m  # for each neg: share of pos above (+ half ties)
    auc = float(v10.mean())
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    se = float(np.sqrt(max(var, 0.0)))
    z = float(norm.ppf(0.5 + level / 2))
    return {"auc": auc, "ci_low": max(0.0, auc - z * se), "ci_high": min(1.0, auc + z * se), "se": se}


def membership_auc(train: Dataset, holdout: Dataset, synthetic: Dataset, *, max_rows: int = 2000,
                   seed: int = 0, columns: list[str] | None = None, return_distances: bool = False) -> dict:
    """Distance-based membership inference: can a row's distance to the synthetic data tell whether it
    was in the training data?

    Score of a real row = minus its Gower distance to the closest synthetic row; members are up to
    `max_rows` train rows, non-members up to `max_rows` holdout rows (sampled with `seed`); the attack's
    ROC-AUC (0.5 = no signal) with DeLong's 95% interval (see `auc_delong`). This is the
    distance-to-closest-record attack of the membership-inference literature (e.g. Hilprecht, Haerterich
    & Bernau 2019, PoPETs; Stadler, Oprisanu & Troncoso 2022, USENIX Security) evaluated as Pilgram
    et al. (2025) ask: with rows the generator never saw.

    Returns {"auc", "ci_low", "ci_high", "se", "n_members", "n_nonmembers"} and, with
    return_distances, "member_distances"/"nonmember_distances" (numpy arrays, not JSON).
    """
    cols = columns or common_columns(train, holdout, synthetic)
    rng = np.random.default_rng([seed, 7001])
    mi = sample_rows(train.n_rows, max_rows, rng)
    ni = sample_rows(holdout.n_rows, max_rows, rng)
    space = gower.encode([train.take(mi), holdout.take(ni), synthetic], cols)
    dm = gower.nearest(space, 0, 2)
    dn = gower.nearest(space, 1, 2)
    out = auc_delong(-dm, -dn)
    out.update({"n_members": int(len(mi)), "n_nonmembers": int(len(ni)), "method": "delong"})
    if return_distances:
        out["member_distances"], out["nonmember_distances"] = dm, dn
    return out
