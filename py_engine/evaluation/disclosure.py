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
    cells by their token), comparable across the datasets.

    The datasets' rows are hashed together, as one frame (pandas' hashing of an all-text column
    factorizes it first, and its text table reads strings only up to a NUL byte: labels that differ
    only after one, such as missing tokens, share the first one's hash, so a row's hash can depend on
    the other rows). The frame's columns are joined with numpy when every dataset gives the same
    columns and types, which is the frame pd.concat builds, without its slow path for object columns."""
    parts = []
    for d in datasets:
        cols = {}
        for name in columns:
            if is_number(d, name):
                x = numbers(d, name)
                if d.schema[name].type not in (DATE, DATETIME):
                    x = _round_significant(x)
                cols[name] = np.where(np.isnan(x), 0.0, x) + 0.0  # + 0.0: -0.0 becomes 0.0
                cols[name + "\x00m"] = missing_token(d, name)
            else:
                cols[name] = labels(d, name)
        parts.append(cols)
    same = all(list(p) == list(parts[0]) and all(p[k].dtype == parts[0][k].dtype for k in p) for p in parts)
    if same:
        allf = pd.DataFrame({k: pd.Series(np.concatenate([p[k] for p in parts]), dtype=parts[0][k].dtype)
                             for k in parts[0]})
    else:
        allf = pd.concat([pd.DataFrame({k: v if v.dtype != object else pd.Series(v, dtype=object)
                                        for k, v in p.items()}) for p in parts], ignore_index=True)
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


# ---------------------------------------------------------------- replicated uniques and DiSCO

def _keys(datasets: list[Dataset], columns: list[str]) -> list[np.ndarray]:
    if not columns:
        return [np.zeros(d.n_rows, dtype=np.uint64) for d in datasets]
    return _row_keys(datasets, columns)


def replicated_uniques(train: Dataset, synthetic: Dataset, columns: list[str]) -> dict:
    """repU (synthpop's `replicated.uniques`, Raab, Nowok & Dibben 2024, synthpop disclosure vignette).

    repU = 100 x (number of train records unique on the key `columns` whose key is also unique in the
    synthetic data) / N_train. Key values compared as in `exact_copies` (numbers at 6 significant
    digits). Returns {"rep_u" (percent), "n_replicated", "n_unique_real" (records unique in train),
    "n_unique_synthetic", "columns"}.
    """
    kt, ks = _keys([train, synthetic], columns)
    ut, ct = np.unique(kt, return_counts=True)
    us, cs = np.unique(ks, return_counts=True)
    uniq_t, uniq_s = ut[ct == 1], us[cs == 1]
    rep = np.intersect1d(uniq_t, uniq_s, assume_unique=True)
    n = train.n_rows
    return {"rep_u": 100 * len(rep) / n if n else None, "n_replicated": int(len(rep)),
            "n_unique_real": int(len(uniq_t)), "n_unique_synthetic": int(len(uniq_s)), "columns": list(columns)}


def disco(real: Dataset, synthetic: Dataset, keys: list[str], target: str) -> dict:
    """DiSCO: Disclosive in Synthetic, Correct in Original (Raab, Nowok & Dibben 2024, synthpop's
    `disclosure`, its preferred attribute-disclosure measure).

    For quasi-identifiers q (`keys`) and target t: a real record is DiSCO when the synthetic records
    with its q all have one and the same value of t (q is "disclosive" in the synthetic data) and that
    value is the record's own t. DiSCO = 100 x DiSCO records / N_real. Also DiS (disclosive in
    synthetic, whatever the record's t) and iS_t (identity disclosure: the record's q is unique in
    the synthetic data). Values compared as in `exact_copies`; missing values are values.
    """
    kq = _keys([real, synthetic], keys)
    kt = _keys([real, synthetic], [target])
    qr, qs = kq
    tr, ts = kt
    # synthetic groups by q: number of distinct t values and (when one) that value
    frame = pd.DataFrame({"q": qs, "t": ts})
    g = frame.groupby("q", sort=False)["t"]
    n_t = g.nunique()
    first_t = g.first()
    size = g.size()
    disclosive = n_t[n_t == 1].index.to_numpy()
    in_syn = np.isin(qr, qs)
    dis = np.isin(qr, disclosive)
    pos = pd.Index(first_t.index).get_indexer(qr)
    one_value = first_t.to_numpy()[np.maximum(pos, 0)]
    correct = dis & (pos >= 0) & (one_value == tr)
    unique_syn = np.isin(qr, size[size == 1].index.to_numpy())
    n = real.n_rows
    return {"disco": 100 * correct.sum() / n if n else None, "dis": 100 * dis.sum() / n if n else None,
            "in_synthetic": 100 * in_syn.sum() / n if n else None,
            "unique_in_synthetic": 100 * unique_syn.sum() / n if n else None,
            "n_disco": int(correct.sum()), "n": int(n), "keys": list(keys), "target": target}


# ---------------------------------------------------------------- inference attack (anonymeter)

def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float | None, float | None, float | None]:
    """Wilson score interval (Wilson 1927, JASA 22) of a success rate: (rate, low, high)."""
    if n == 0:
        return None, None, None
    z = float(norm.ppf(0.5 + level / 2))
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, float(centre - half), float(centre + half)


def inference_attack(train: Dataset, holdout: Dataset, synthetic: Dataset, known: list[str], secret: str,
                     *, max_rows: int = 2000, seed: int = 0, tolerance: float = 0.05) -> dict:
    """Attribute inference in the manner of anonymeter (Giomi et al. 2023, PoPETs, "A unified framework
    for quantifying privacy risk in synthetic data").

    The attacker knows the `known` columns of a target and guesses its `secret` as the secret of the
    nearest synthetic row on the known columns (Gower distance; the first of equally near rows).
    A guess is right when it equals the secret (categories, missing tokens) or, for numbers, is within
    `tolerance` relative: |guess - secret| <= tolerance |secret|. Targets: up to `max_rows` train rows
    (main attack) and up to `max_rows` holdout rows (control: rows the generator never saw).
    risk = (r_main - r_control) / (1 - r_control); rates with Wilson 95% intervals; the risk's interval
    propagates the two rates' half-widths (as anonymeter does: error^2 = (e_main / (1 - r_c))^2 +
    (e_c (1 - r_main) / (1 - r_c)^2)^2).
    """
    rng = np.random.default_rng([seed, 9103])
    mi = sample_rows(train.n_rows, max_rows, rng)
    ci = sample_rows(holdout.n_rows, max_rows, rng)
    tgt_main, tgt_ctrl = train.take(mi), holdout.take(ci)
    space = gower.encode([tgt_main, tgt_ctrl, synthetic], known)
    _, im = gower.nearest(space, 0, 2, return_index=True)
    _, ic = gower.nearest(space, 1, 2, return_index=True)

    if is_number(train, secret):
        sx = numbers(synthetic, secret)
        tm, tc = numbers(tgt_main, secret), numbers(tgt_ctrl, secret)
        stok = missing_token(synthetic, secret)
        mtok, ctok = missing_token(tgt_main, secret), missing_token(tgt_ctrl, secret)

        def right(idx, truth, tok):
            g, gt = sx[idx], stok[idx]
            both_missing = np.isnan(g) & np.isnan(truth) & (gt == tok)
            close = np.abs(g - truth) <= tolerance * np.abs(truth)
            return both_missing | (~np.isnan(g) & ~np.isnan(truth) & close)
    else:
        sl = labels(synthetic, secret)
        tm, tc = labels(tgt_main, secret), labels(tgt_ctrl, secret)
        mtok = ctok = None

        def right(idx, truth, tok):
            return sl[idx] == truth
    ok_main = right(im, tm, mtok) if len(im) else np.zeros(0, bool)
    ok_ctrl = right(ic, tc, ctok) if len(ic) else np.zeros(0, bool)
    rm, lm, hm = wilson(int(ok_main.sum()), len(ok_main))
    rc, lc, hc = wilson(int(ok_ctrl.sum()), len(ok_ctrl))
    risk = low = high = None
    if rm is not None and rc is not None and rc < 1:
        risk = (rm - rc) / (1 - rc)
        em, ec = (hm - lm) / 2, (hc - lc) / 2
        err = float(np.sqrt((em / (1 - rc)) ** 2 + (ec * (1 - rm) / (1 - rc) ** 2) ** 2))
        low, high = risk - err, risk + err
    return {"risk": risk, "ci_low": low, "ci_high": high, "main_rate": rm, "main_ci": [lm, hm],
            "control_rate": rc, "control_ci": [lc, hc], "n_main": int(len(mi)), "n_control": int(len(ci)),
            "known": list(known), "secret": secret, "tolerance": tolerance}


# ---------------------------------------------------------------- distance to closest record

def dcr(member_distances: np.ndarray, nonmember_distances: np.ndarray) -> dict:
    """Distance to closest record (Gower) of train rows and of holdout rows to the synthetic data.

    A sanity check only (Pilgram et al. 2025; "The DCR Delusion", arXiv 2505.01524): it can pass data
    that is vulnerable to membership inference. ratio = median DCR of train rows / median DCR of
    holdout rows (about 1: train rows are no closer than unseen rows; near 0: synthetic rows sit on
    top of train rows). Also the share of rows at distance 0 (an exact copy).
    """
    dm = np.asarray(member_distances, float)
    dn = np.asarray(nonmember_distances, float)
    med_m = float(np.median(dm)) if dm.size else None
    med_n = float(np.median(dn)) if dn.size else None
    ratio = med_m / med_n if med_m is not None and med_n else None
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    return {"median_train": med_m, "median_holdout": med_n, "ratio": ratio,
            "zero_train": float(np.mean(dm == 0)) if dm.size else None,
            "zero_holdout": float(np.mean(dn == 0)) if dn.size else None,
            "quantiles": q, "train_quantiles": np.quantile(dm, q).tolist() if dm.size else None,
            "holdout_quantiles": np.quantile(dn, q).tolist() if dn.size else None,
            "sanity_check_only": True}
