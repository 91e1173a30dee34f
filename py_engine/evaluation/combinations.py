"""Combinations of categories: do the synthetic rows combine category values the way real rows do?

- The most frequent combinations of all categorical columns in the real data, with their shares in
  the real and the synthetic data.
- Impossible combinations ("a pregnant man"): the share of synthetic rows holding at least one pair of
  category values that never occurs together in the real data, and the most frequent such pairs.
  The same share for holdout rows is the natural rate (real rows the generator never saw also hold
  pairs that the training rows happen not to have), to compare with.
- The share of synthetic rows whose full combination of categories never occurs in the real data
  (again with the holdout's share beside it).
Missing tokens are category values; numbers are not used (they have no "combinations").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from .encoding import factor, is_number

TOP_COMBINATIONS = 10
TOP_UNSEEN_PAIRS = 10


def _level_label(level: dict) -> dict:
    return dict(level)


def combinations(real: Dataset, synthetic: Dataset, holdout: Dataset | None, columns: list[str]) -> dict:
    cats = [c for c in columns if not is_number(real, c)]
    out: dict = {"columns": cats, "top": [], "unseen_pairs": [], "unseen_pair_share": None,
                 "unseen_pair_share_holdout": None, "unseen_full_share": None, "unseen_full_share_holdout": None}
    if not cats:
        out["note"] = "no_categorical_columns"
        return out
    sets = [real, synthetic] + ([holdout] if holdout is not None else [])
    facs = [factor(sets, c, max_levels=None) for c in cats]
    codes = [np.column_stack([f.codes[i] for f in facs]) for i in range(len(sets))]
    # full combinations
    allc = np.concatenate(codes)
    ids = pd.MultiIndex.from_arrays([allc[:, j] for j in range(allc.shape[1])]).factorize()[0]
    parts, start = [], 0
    for c in codes:
        parts.append(ids[start:start + len(c)])
        start += len(c)
    n_ids = int(ids.max()) + 1 if len(ids) else 0
    cr = np.bincount(parts[0], minlength=n_ids)
    cs = np.bincount(parts[1], minlength=n_ids)
    top = np.argsort(-cr, kind="stable")[:TOP_COMBINATIONS]
    top = top[cr[top] > 0]
    first_row = {}
    for k in top:
        first_row[int(k)] = int(np.flatnonzero(parts[0] == k)[0])
    for k in top:
        if cr[k] == 0:
            continue
        row = codes[0][first_row[int(k)]]
        out["top"].append({"values": [_level_label(facs[j].levels[row[j]]) for j in range(len(cats))],
                           "real": int(cr[k]), "synthetic": int(cs[k]),
                           "real_share": float(cr[k] / len(parts[0])),
                           "synthetic_share": float(cs[k] / max(len(parts[1]), 1))})
    seen = cr > 0
    out["unseen_full_share"] = float(np.mean(~seen[parts[1]])) if len(parts[1]) else None
    if holdout is not None and len(parts[2]):
        out["unseen_full_share_holdout"] = float(np.mean(~seen[parts[2]]))
    # pairs of category values never seen together in the real data
    if len(cats) >= 2:
        bad = [np.zeros(len(c), dtype=bool) for c in codes]
        unseen = []
        for i in range(len(cats)):
            for j in range(i + 1, len(cats)):
                ni, nj = facs[i].n_levels, facs[j].n_levels
                pr = np.bincount(codes[0][:, i] * nj + codes[0][:, j], minlength=ni * nj) > 0
                for s in range(1, len(sets)):
                    pc = codes[s][:, i] * nj + codes[s][:, j]
                    miss = ~pr[pc]
                    bad[s] |= miss
                    if s == 1 and miss.any():
                        cnt = np.bincount(pc[miss], minlength=ni * nj)
                        for cell in np.flatnonzero(cnt):
                            unseen.append((int(cnt[cell]), i, j, int(cell // nj), int(cell % nj)))
        out["unseen_pair_share"] = float(bad[1].mean()) if len(bad[1]) else None
        if holdout is not None and len(bad[2]):
            out["unseen_pair_share_holdout"] = float(bad[2].mean())
        unseen.sort(key=lambda u: (-u[0], u[1], u[2], u[3], u[4]))
        out["n_unseen_pairs"] = len(unseen)
        out["unseen_pairs"] = [{"a": cats[i], "b": cats[j], "a_value": _level_label(facs[i].levels[x]),
                                "b_value": _level_label(facs[j].levels[y]), "synthetic": cnt}
                               for cnt, i, j, x, y in unseen[:TOP_UNSEEN_PAIRS]]
    return out
