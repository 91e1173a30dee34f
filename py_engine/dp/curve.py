"""The privacy-utility curve of the loaded table (issue 12): method dp at several epsilons, each scored
against the real rows it was fitted on.

For the data steward choosing epsilon before a release. Per epsilon: one dp synthesis with the user's
settings (mechanism, delta, the confirmed public domain) and as many rows, then the mean two-way
S_pMSE against the real rows (synthpop's utility.tables; ~1 is best, the page's utility verdict
reads < 3 good, < 10 fair) and the share of exact copies. The curve is computed on the user's
computer from the real data and shown there only: its figures are *not* covered by the guarantee
(they look at the real rows), so they are not for release, and no synthetic data set of the curve
leaves the function (the odometer is not charged: only a released data set spends budget).
"""

from __future__ import annotations

from ..dataset import Dataset
from ..progress import Step, Work

EPSILONS = (0.1, 0.3, 1.0, 3.0, 10.0)


def curve_steps(data: Dataset, settings: dict, epsilons=EPSILONS) -> Work[dict]:
    """Yields a Step per unit of work (a column of one synthesis); returns {"points": [{"epsilon",
    "two_way", "copies"}], "mechanism", "delta"}."""
    from ..evaluation.disclosure import exact_copies
    from ..evaluation.utility import two_way_spmse
    from ..synthesis import synthesise_steps

    base = {k: v for k, v in settings.items() if k not in ("epsilon", "m", "optimise", "holdout")}
    base["method"] = "dp"
    points = []
    n = len(epsilons)
    for i, eps in enumerate(epsilons):
        yield Step("dp_curve", i + 1, n, "progress.dp_curve", {"epsilon": eps})
        work = synthesise_steps(data, {**base, "epsilon": float(eps)})
        while True:  # the synthesis' own steps, so a cancel is seen between its columns
            try:
                next(work)
            except StopIteration as stop:
                res = stop.value
                break
            yield Step("dp_curve", i + 1, n, "progress.dp_curve", {"epsilon": eps})
        tw = two_way_spmse(data, res.synthetic)
        cp = exact_copies(data, res.synthetic, None)
        points.append({"epsilon": float(eps), "two_way": tw["mean"],
                       "copies": cp.get("share") if isinstance(cp, dict) else None})
    return {"points": points, "mechanism": base.get("dp_mechanism") or "mst",
            "delta": base.get("delta")}
