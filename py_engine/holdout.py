"""The holdout: real rows kept out of fitting, so disclosure risk can be measured against rows the
generator never saw (membership inference, the control set of an inference attack; Giomi et al. 2023)."""

from __future__ import annotations

import numpy as np

from .dataset import Dataset

HOLDOUT_FRACTION = 0.2
HOLDOUT_MAX_ROWS = 10_000


def split(data: Dataset, fraction: float = HOLDOUT_FRACTION, max_rows: int = HOLDOUT_MAX_ROWS,
          seed: int = 0) -> tuple[Dataset, Dataset | None, np.ndarray]:
    """(train, holdout, holdout row numbers): a random `fraction` of rows, at most `max_rows`, held out.

    fraction 0 keeps every row for fitting and returns no holdout.
    """
    n = data.n_rows
    k = min(int(round(n * fraction)), max_rows)
    if fraction <= 0 or k < 1 or n - k < 2:
        return data, None, np.array([], dtype=int)
    rng = np.random.default_rng([seed, 20250])
    perm = rng.permutation(n)
    hold = np.sort(perm[:k])
    train = np.sort(perm[k:])
    return data.take(train), data.take(hold), hold
