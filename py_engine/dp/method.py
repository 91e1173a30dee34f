"""The engine's method "dp": MST on a public domain, accounted in rho-zCDP.

fit_model(data, settings) -> (model document, notes): the only function that reads the real rows,
and only through measure.Sensitive (closed before estimation). sample_model(model, n, seed) is
post-processing. Refused for this method (they read real rows after fitting): replicated-row
removal, density smoothing, imputation, identifier shapes (identifiers become row numbers).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ..errors import EngineError
from ..schema import DATE, DATETIME
from . import aim, estimation, junction, mst
from .accounting import Odometer, budget_rho, cdp_eps
from .domain import (
    OTHER_LABEL,
    ColumnDomain,
    check_domain,
    domain_document,
    dp_columns,
    grid_for_epsilon,
    parse_column,
    suggest_domain,
)
from .measure import Sensitive
from .sampling import sample_cells, uniform_in_bins

FORMAT = "localsynth.dp-mst"
FORMAT_AIM = "localsynth.dp-aim"
ITERS = 2000  # cap on MST's mirror-descent iterations; it stops earlier at ESTIMATION_TOL
# Stop when 100 iterations lowered the loss by less than 0.1%. The descent starts from the noisy
# answers themselves (estimation.start_from_answers), not from the uniform model: on Adult
# with the same noisy answers (seed 1) it then stops at epsilon 1 after 2,256 iterations at a lower
# loss than 3,985 from zero (412.9 vs 413.8), and at epsilon 10 reaches in 2,000 iterations a lower
# loss than 4,000 from zero did (1,240 vs 1,379; the cap was 4,000 before). Paired over seeds 1-3 x 2
# noise streams (mean 2-way / logit S_pMSE): epsilon 1 31.9 / 11.2 (from zero, 4,000) -> 31.5 / 11.2,
# epsilon 10 29.8 / 11.0 -> 28.6 / 11.0; epsilon 0.1 (4,000, warm) 94.8 / 27.8 -> 95.2 / 28.3.
# Post-processing: no privacy cost.
ESTIMATION_TOL = 1e-3
AIM_ROUND_ITERS = 50  # mirror-descent iterations per AIM round (warm started)
AIM_FINAL_ITERS = 300  # then the final fit (at most `iters`), warm started from the last round


def _r(a):
    return [float(f"{v:.6g}") for v in np.asarray(a, dtype=float).ravel()]


def fit_model(data, s, rng=None, iters: int = ITERS, noise=None) -> tuple[dict, list[dict]]:
    from ..methods.common import note

    notes = []
    cols, _ids = dp_columns(data.schema, data.columns)
    if not cols:
        raise EngineError("dp.no_columns", kind="settings")
    rho = Fraction(budget_rho(s.epsilon, s.delta))
    if s.domain_from_data:
        domain = suggest_domain(data, cols)
        notes.append(note("dp_domain_from_data", None))
    else:
        domain = s.domain
    doms = check_domain(domain, data.schema, cols)
    declared = dict(doms)  # what the model document carries as its domain (a domain file as the user gave it)
    if getattr(s, "dp_mechanism", "mst") != "aim":  # AIM keeps the declared grid (its model size and time)
        doms = {c: grid_for_epsilon(d, data.schema[c].type, s.epsilon) for c, d in doms.items()}
    odo = Odometer(rho)
    sens = Sensitive.from_dataset(data, doms, odo, rng, noise)  # noise: see Sensitive (None: the exact sampler)
    d = len(cols)
    if getattr(s, "dp_mechanism", "mst") == "aim":
        model = _fit_aim(sens, cols, doms, rho, odo, s, iters)
        notes.append(note("dp_budget", None, epsilon=float(s.epsilon), delta=float(s.delta),
                          rho=f"{float(rho):.4g}"))
        return model, notes
    independent = getattr(s, "dp_mechanism", "mst") == "independent"
    # the baseline "independent" spends all of rho on the d 1-way answers (split_budget's 1-way part alone)
    b = mst.split_budget(rho, d, (1, 0, 0) if independent else mst.budget_shares(s.epsilon))
    s1 = b["sigma1_sq"]
    y1 = mst.measure_one_way(sens, doms, s1)
    sd1 = float(s1) ** 0.5
    maps, y1c, k1 = {}, {}, {}
    for c in cols:
        maps[c], y1c[c], k1[c] = mst.compress(y1[c].astype(float), doms[c], sd1)
    n_hat = mst.estimate_total(y1c, k1)
    tree, y2, groups = [], {}, {}
    if d > 1 and not independent:
        tree = mst.select_tree(sens, cols, maps, y1c, n_hat, b["eps_em"])
        groups = mst.edge_groups(tree, maps, y1c, doms, n_hat, float(b["sigma2_sq"]) ** 0.5)
        y2 = mst.measure_two_way(sens, tree, maps, b["sigma2_sq"], groups)
    sens.close()
    # --- everything below is post-processing of the noisy answers
    sizes = {c: len(y1c[c]) for c in cols}
    tm = estimation.TreeModel(sizes, tree)
    v1 = {c: k1[c] * float(s1) for c in cols}
    v2 = {e: (np.full(y2[e].shape, float(b["sigma2_sq"])) if e in groups
              else np.outer(k1[e[0]], k1[e[1]]) * float(b["sigma2_sq"])) for e in tree}
    y2f = {e: y2[e].astype(float) for e in tree}
    start = estimation.start_from_answers(tm, y1c, y2f, groups)
    mn, me, _, _ = estimation.fit(tm, y1c, v1, y2f, v2, n_hat, iters, tol=ESTIMATION_TOL, groups=groups,
                                  start=start)
    edges = {}
    for a, bb in tree:
        p, c = (a, bb) if tm.parent.get(bb) == a else (bb, a)
        m = me[(a, bb)] if (p, c) == (a, bb) else me[(a, bb)].T
        edges[f"{p}|{c}"] = [_r(row) for row in m]
    spent = float(odo.spent)
    model = {"format": FORMAT, "version": 1, "columns": cols, "n_hat": round(n_hat),
             "order": tm.order, "parent": tm.parent, "tree": [list(e) for e in tree],
             "node": {c: _r(mn[c]) for c in cols}, "edges": edges,
             "cmap": {c: [int(v) for v in maps[c]] for c in cols},
             "fine": {c: _r(np.maximum(y1[c], 0)) for c in cols},
             # edges whose 2-way answer was measured on runs of ordered cells: compressed cell -> run
             # per side (None: the side's cells as they are)
             "measured_groups": {f"{a}|{bb}": [_runs(g[0]), _runs(g[1])] for (a, bb), g in groups.items()},
             # the declared domain (reused as a domain file it gives the same grid again) and, apart,
             # the bins of the grid measured where grid_for_epsilon refined it
             "domain": domain_document(declared, from_data=bool(s.domain_from_data)),
             "grid": {c: doms[c].bins for c in cols if doms[c].kind == "number" and doms[c].bins != declared[c].bins},
             "privacy": {"epsilon": float(s.epsilon), "delta": float(s.delta), "rho": float(rho),
                         "rho_spent": spent, "epsilon_spent": cdp_eps(spent, float(s.delta)),
                         "split": odo.summary()["split"], "sigma_1way": sd1,
                         "sigma_2way": float(b["sigma2_sq"]) ** 0.5 if tree else None,
                         "epsilon_selection": float(b["eps_em"]), "neighbours": "add/remove one row",
                         "mechanism": "independent" if independent else "mst",
                         "domain_covered": not s.domain_from_data}}
    notes.append(note("dp_budget", None, epsilon=float(s.epsilon), delta=float(s.delta), rho=f"{float(rho):.4g}"))
    return model, notes


def _runs(g: np.ndarray) -> list[int] | None:
    return None if np.array_equal(g, np.arange(len(g))) else [int(v) for v in g]


def _privacy(s, rho, odo, **extra) -> dict:
    spent = float(odo.spent)
    return {"epsilon": float(s.epsilon), "delta": float(s.delta), "rho": float(rho), "rho_spent": spent,
            "epsilon_spent": cdp_eps(spent, float(s.delta)), "split": odo.summary()["split"],
            "neighbours": "add/remove one row", "domain_covered": not s.domain_from_data, **extra}


def _fit_aim(sens, cols, doms, rho, odo, s, iters) -> dict:
    """AIM (aim.py): 1-way at the first rounds' sigma, compression, the adaptive rounds, a final fit."""
    rounds = 4 * len(cols)  # T: the paper's 16 d makes many more rounds than the browser can afford
    s2, eps = aim.start(rho, rounds)
    y1 = mst.measure_one_way(sens, doms, s2)
    sd1 = float(s2) ** 0.5
    maps, y1c, k1 = {}, {}, {}
    for c in cols:
        maps[c], y1c[c], k1[c] = mst.compress(y1[c].astype(float), doms[c], sd1)
    n_hat = mst.estimate_total(y1c, k1)
    jt, theta, meas, record = aim.run(sens, cols, rho, y1c, k1, maps, s2, eps, n_hat, iters=AIM_ROUND_ITERS)
    sens.close()
    # --- post-processing of the noisy answers
    theta, marg = junction.fit(jt, theta, meas, n_hat, min(iters, AIM_FINAL_ITERS))
    return {"format": FORMAT_AIM, "version": 1, "columns": cols, "n_hat": round(n_hat),
            "sizes": {c: len(y1c[c]) for c in cols}, "cliques": [list(c) for c in jt.cliques],
            "order": jt.order, "parent": [jt.parent[i] for i in range(len(jt.cliques))],
            "marginals": [_r(m) for m in marg],
            "cmap": {c: [int(v) for v in maps[c]] for c in cols},
            "fine": {c: _r(np.maximum(y1[c], 0)) for c in cols},
            "domain": domain_document(doms, from_data=bool(s.domain_from_data)),
            "privacy": _privacy(s, rho, odo, mechanism="aim", rounds_T=rounds, sigma_1way=sd1,
                                measured=[r["clique"] for r in record["rounds"]],
                                sigma_rounds=[r["sigma"] for r in record["rounds"]],
                                epsilon_rounds=[r["epsilon"] for r in record["rounds"]])}


def decode_column(dom: ColumnDomain, typ: str, cells: np.ndarray, rng: np.random.Generator):
    """Fine cells -> (values, missing tokens) as a Dataset holds them."""
    n = len(cells)
    miss = cells >= dom.n_values
    tok = np.where(miss, cells - dom.n_values, -1)
    mtok = pd.Categorical.from_codes(tok.astype(np.int64), categories=list(dom.missing))
    if dom.kind == "categorical":
        labels = list(dom.levels) + ([OTHER_LABEL] if OTHER_LABEL not in dom.levels else [])
        codes = np.where(miss, -1, np.where(cells == len(dom.levels), labels.index(OTHER_LABEL), cells))
        return pd.Categorical.from_codes(codes.astype(np.int64), categories=labels), mtok
    x = np.full(n, np.nan)
    b = ~miss & (cells < dom.bins)
    x[b] = uniform_in_bins(cells[b], dom.edges(), rng)
    for k, sp in enumerate(dom.special):
        x[cells == dom.bins + k] = sp
    if dom.decimals is not None:
        x = np.round(x, dom.decimals)
    x = np.clip(x, dom.lower, dom.upper)
    if dom.decimals == 0:
        x = np.round(x)
    if typ in (DATE, DATETIME):
        from ..dataset import from_float

        return from_float(x, typ).to_numpy(), mtok
    return x, mtok


def sample_model(model: dict, n: int, seed: int, schema, columns: list[str]) -> dict:
    """Synthetic (values, missing) per column from the model document and the seed only."""
    rng = np.random.default_rng(seed)
    cells = sample_cells(model, n, rng)
    doms = {d["name"]: dict(d) for d in model["domain"]["columns"]}
    for c, bins in model.get("grid", {}).items():  # the grid the model was measured on
        doms[c]["bins"] = bins
    out = {}
    for c in columns:
        if c in cells:
            out[c] = decode_column(parse_column(doms[c], schema[c].type), schema[c].type, cells[c], rng)
        else:  # identifier: row numbers, nothing read from the real ids
            out[c] = (np.array([str(i + 1) for i in range(n)], dtype=object), pd.Categorical([None] * n))
    return out
