"""How long the evaluation will take, from the table's size (issue 14: the page said "up to about a
minute"; an 11,598 x 47 table took 98 s).

A power law in rows and columns, fitted by least squares on the logarithms of measured runs
(benchmarks/evaluation_shape.py; its figures and fit in benchmarks/results/evaluation_shape.json,
CPython on the project's 2-core machine; in Chromium the Adult evaluation took as long as on CPython,
20.7 s against 20.2 s, benchmarks/results/evaluation_adult_cart_*.json):

    seconds = exp(B0) * rows^B_ROWS * columns^B_COLUMNS

The fit's largest error on the measured runs is FIT_ERROR (relative), so the page states a range,
the estimate divided and multiplied by SPREAD, not one figure.
"""

from __future__ import annotations

import math

# from benchmarks/results/evaluation_shape.json ("model"), copied by hand after a run; a test checks
# that they agree with the file
B0 = -6.3708
B_ROWS = 0.7540
B_COLUMNS = 0.6474
FIT_ERROR = 1.1296
SPREAD = 2.0  # the range shown: estimate / SPREAD to estimate * SPREAD


def seconds(rows: int, columns: int) -> float:
    """The evaluation's expected seconds for a table of `rows` real rows (train + holdout) and
    `columns` columns (the model above)."""
    rows, columns = max(int(rows), 2), max(int(columns), 1)
    return math.exp(B0 + B_ROWS * math.log(rows) + B_COLUMNS * math.log(columns))


def estimate(rows: int, columns: int) -> dict:
    """{"seconds", "low", "high"}: the expected seconds and the range the page states."""
    s = seconds(rows, columns)
    return {"seconds": round(s, 1), "low": round(s / SPREAD, 1), "high": round(s * SPREAD, 1),
            "rows": int(rows), "columns": int(columns)}
