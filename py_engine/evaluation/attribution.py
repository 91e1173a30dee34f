"""The CAP family of attribute-disclosure measures (Correct Attribution Probability), counting only.

Elliot, M. (2014). Final report on the disclosure risk associated with the synthetic data produced by
the SYLLS team. University of Manchester, CMIST. Taub, J., Elliot, M., Pampaka, M. & Smith, D.
(2018). Differential correct attribution probability for synthetic data: an exploration. Privacy in
Statistical Databases (PSD 2018), LNCS 11126, 122-137. As computed by DUOpop (the Dutch education
agency's package on top of synthpop; read for behaviour only).

Quasi-identifiers q (the key), target t; counts n_qt, n_q, N in the original (fitted-on) rows,
s_qt, s_q in the synthetic rows, h_qt, N_h in the holdout:

    BaseCAP = sum_t (n_t / N)^2                                  guessing t from its marginal
    CAPo    = sum_(q,t) (n_qt / n_q) (n_qt / N)                  the original data attacking itself
    CAPs    = sum_(q,t) in orig (s_qt / s_q) (n_qt / N)          0 where the key is not in the synthetic data
    hCAPs   = sum_(q,t) in holdout (s_qt / s_q) (h_qt / N_h)     the same for records the generator never saw

Normalised: with a holdout (CAPs - hCAPs) / (CAPo - hCAPs) (0 = the synthetic data tell no more about
the fitted-on records than about unseen ones; 1 = as much as the original data itself), and DUOpop's
Rel_Attr_Reduction = 1 - that; without a holdout (CAPs - BaseCAP) / (CAPo - BaseCAP), which also
counts what generalises (utility), so it is no risk verdict on its own. Values are matched exactly
(numbers at 6 significant digits), a missing value is a value (DUOpop's na_as_value = TRUE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .disclosure import _keys


def _cells(q: np.ndarray, t: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"q": q, "t": t}).groupby(["q", "t"], sort=True).size().rename("n").reset_index()


def _cap(q_att: np.ndarray, t_att: np.ndarray, q_syn: np.ndarray, t_syn: np.ndarray) -> float | None:
    """sum over the attacked records' cells of (s_qt / s_q) (n_qt / N): the mean over attacked records
    of the share of synthetic records with their key that carry their target value."""
    n = len(q_att)
    if n == 0:
        return None
    att = _cells(q_att, t_att)
    syn = _cells(q_syn, t_syn).rename(columns={"n": "s"})
    sq = pd.DataFrame({"q": q_syn}).groupby("q", sort=True).size().rename("sq").reset_index()
    m = att.merge(syn, on=["q", "t"], how="left").merge(sq, on="q", how="left")
    s = m["s"].fillna(0).to_numpy(float)
    sqv = m["sq"].fillna(0).to_numpy(float)
    ratio = np.divide(s, sqv, out=np.zeros_like(s), where=sqv > 0)
    return float(np.sum(ratio * m["n"].to_numpy(float)) / n)


def _ratio(a, b, c) -> float | None:
    if a is None or b is None or c is None or b - c == 0:
        return None
    return float((a - c) / (b - c))


def cap_family(train: Dataset, synthetic: Dataset, holdout: Dataset | None, keys: list[str], target: str) -> dict:
    """BaseCAP, CAPo, CAPs, hCAPs and the normalised figures (see the module docstring)."""
    sets = [train, synthetic] + ([holdout] if holdout is not None else [])
    kq = _keys(sets, keys)
    kt = _keys(sets, [target])
    n = train.n_rows
    _, counts = np.unique(kt[0], return_counts=True)
    base = float(np.sum((counts / n) ** 2)) if n else None
    cap_o = _cap(kq[0], kt[0], kq[0], kt[0])
    cap_s = _cap(kq[0], kt[0], kq[1], kt[1])
    h_cap_s = _cap(kq[2], kt[2], kq[1], kt[1]) if holdout is not None else None
    if holdout is not None:
        norm = _ratio(cap_s, cap_o, h_cap_s)
        basis = "holdout"
    else:
        norm = _ratio(cap_s, cap_o, base)
        basis = "base_cap"
    return {"base_cap": base, "cap_o": cap_o, "cap_s": cap_s, "h_cap_s": h_cap_s, "normalised": norm,
            "basis": basis, "reduction": None if norm is None or holdout is None else 1 - norm,
            "keys": list(keys), "target": target, "n": int(n),
            "n_holdout": 0 if holdout is None else int(holdout.n_rows)}
