"""Sampling (post-processing; the user's seed is used only here): ancestral sampling along the tree
from the fitted marginals, then decoding: a compressed cell to a fine cell drawn in proportion to
the kept max(y, 0) of the noisy 1-way counts, a fine cell to a value (a level, OTHER_LABEL, a
missing token, or a number uniform within its bin, rounded to the domain's decimals).

Works from the model document only (rounded numbers), so the same model and seed give the same rows
on every platform; draws use the Generator's uniforms and cumulative sums only.
"""

from __future__ import annotations

import numpy as np


def _draw(cdf_rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    k = (u[:, None] > cdf_rows).sum(axis=1)
    return np.minimum(k, cdf_rows.shape[1] - 1).astype(np.intp)


def _cdf(p: np.ndarray) -> np.ndarray:
    p = np.maximum(np.asarray(p, dtype=float), 0)
    s = p.sum(axis=-1, keepdims=True)
    p = np.where(s > 0, p / np.where(s > 0, s, 1), 1.0 / p.shape[-1])
    return np.cumsum(p, axis=-1)


def _aim_cells(model: dict, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    from .junction import sample

    sizes = model["sizes"]
    marg = [np.asarray(m, dtype=float).reshape([sizes[v] for v in cl])
            for m, cl in zip(model["marginals"], model["cliques"], strict=True)]
    parent = {i: p for i, p in enumerate(model["parent"])}
    return sample(model["cliques"], model["order"], parent, marg, sizes, n, rng)


def sample_cells(model: dict, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Fine cell per column for n rows."""
    cols = model["columns"]
    comp: dict[str, np.ndarray] = {}
    if model.get("format") == "localsynth.dp-aim":
        comp = _aim_cells(model, n, rng)
    for c in ([] if comp else model["order"]):
        p = model["parent"][c]
        if p is None:
            comp[c] = _draw(np.broadcast_to(_cdf(np.array(model["node"][c])), (n, len(model["node"][c]))),
                            rng.random(n))
        else:
            e = model["edges"][f"{p}|{c}"]
            cdf = _cdf(np.array(e))  # rows x_p, columns x_c
            comp[c] = _draw(cdf[comp[p]], rng.random(n))
    out = {}
    for c in cols:
        cmap = np.asarray(model["cmap"][c], dtype=np.intp)
        keep = np.maximum(np.asarray(model["fine"][c], dtype=float), 0)
        fine = np.empty(n, dtype=np.intp)
        u = rng.random(n)
        for g in range(int(cmap.max()) + 1):
            rows = np.flatnonzero(comp[c] == g)
            if len(rows) == 0:
                continue
            cells = np.flatnonzero(cmap == g)
            w = keep[cells]
            fine[rows] = cells[_draw(np.broadcast_to(_cdf(w), (len(rows), len(cells))), u[rows])]
        out[c] = fine
    return out


def uniform_in_bins(cells: np.ndarray, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    lo, hi = edges[cells], edges[cells + 1]
    return lo + (hi - lo) * rng.random(len(cells))
