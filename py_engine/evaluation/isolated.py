"""Isolated real records copied closely (DUOpop's calculate_DCR; read for behaviour only).

For each real (fitted-on) record i, under Gower's distance G (evaluation/gower.py):
    RRD_i = min_{j != i} G(o_i, o_j)      distance to its nearest other real record
    SRD_i = min_s G(o_i, s)               distance to its nearest synthetic record
A record is an outlier when RRD_i > Q_0.95(RRD) (no real record close to it), and an isolated record
copied closely when it is an outlier and SRD_i < 0.005 (DUOpop's defaults). With a holdout, the same
flag on holdout records (RRD to the nearest fitted-on record, SRD to the nearest synthetic record,
the same 95% cut-off) gives the natural rate: how often an unseen isolated record has a synthetic
near-twin by chance. Distances are sanity checks, not a privacy guarantee (Pilgram et al. 2025; Yao
et al. 2025, "The DCR delusion"). Only counts and distances leave this function, never a record.
"""

from __future__ import annotations

import numpy as np

from ..dataset import Dataset
from . import gower
from .encoding import sample_rows

RRD_QUANTILE = 0.95
SRD_THRESHOLD = 0.005
MAX_POINTS = 1000


def isolated_records(train: Dataset, synthetic: Dataset, holdout: Dataset | None, columns: list[str], *,
                     max_rows: int = 1000, seed: int = 0, quantile: float = RRD_QUANTILE,
                     threshold: float = SRD_THRESHOLD) -> dict:
    """Counts of isolated records with a near-identical synthetic record, and the (RRD, SRD) pairs of
    the records examined (at most `max_rows`, sampled with `seed`; each against all fitted-on and all
    synthetic rows) for a scatter plot."""
    rng = np.random.default_rng([seed, 1414])
    qi = sample_rows(train.n_rows, max_rows, rng)
    sets = [train, synthetic] + ([holdout] if holdout is not None else [])
    space = gower.encode(sets, columns)
    rrd = gower.nearest(space, 0, 0, query_rows=qi, exclude_self=True)
    srd = gower.nearest(space, 0, 1, query_rows=qi)
    ok = np.isfinite(rrd) & np.isfinite(srd)
    rrd, srd = rrd[ok], srd[ok]
    if rrd.size == 0:
        return {"status": "not_computed", "reason": "too_few_rows"}
    cut = float(np.quantile(rrd, quantile))
    outlier = rrd > cut
    copied = outlier & (srd < threshold)
    out = {"n_examined": int(rrd.size), "rrd_cut": cut, "quantile": quantile, "srd_threshold": threshold,
           "n_outliers": int(outlier.sum()), "n_copied": int(copied.sum()),
           "share_copied": float(copied.sum() / outlier.sum()) if outlier.any() else None,
           "share_closer_synthetic": float(np.mean(rrd - srd > 0)),
           "median_rrd": float(np.median(rrd)), "median_srd": float(np.median(srd)),
           "natural": None, "n_holdout_outliers": None, "n_holdout_copied": None}
    if holdout is not None:
        hi = sample_rows(holdout.n_rows, max_rows, rng)
        hrd = gower.nearest(space, 2, 0, query_rows=hi)
        hsrd = gower.nearest(space, 2, 1, query_rows=hi)
        h_out = hrd > cut
        h_cop = h_out & (hsrd < threshold)
        out.update({"n_holdout_outliers": int(h_out.sum()), "n_holdout_copied": int(h_cop.sum()),
                    "natural": float(h_cop.sum() / h_out.sum()) if h_out.any() else None})
    pick = sample_rows(rrd.size, MAX_POINTS, rng)
    out["points"] = {"rrd": np.round(rrd[pick], 4).tolist(), "srd": np.round(srd[pick], 4).tolist()}
    return out
