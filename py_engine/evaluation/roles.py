"""Suggestions for the evaluation's roles: the target (analysis utility), the sensitive column (the
secret for DiSCO, CAP and the inference attack) and the quasi-identifiers (what an attacker may know),
each with a reason (a locale key under "roles.reason.").

Columns not suggested for any role, with the reason:
- `identifier`: excluded or typed as an identifier (one value per row);
- `code`: a categorical with more than CODE_LEVELS levels, or a code-like name (school number,
  brin, code, nr, id), or more than half of the rows distinct: a regression on it means nothing;
- `derived`: a number that is an exact linear function of an earlier number (|r| > 0.9999 on the
  rows where both are observed, e.g. a centred copy): it says nothing a model could not read off;
- `near_constant`: one value holds at least 95% of the observed rows;
- `mostly_missing`: more than half the rows missing.
Target: the last column that is left (outcomes tend to come last), reason `last_eligible`. Sensitive:
the target. Quasi-identifiers: up to 4 of the columns left besides the sensitive one, first those whose
name reads as a demographic attribute an attacker may know (age, sex, postcode, birth, ...; reason
`demographic_name`), then those with few values (at most QI_MAX_LEVELS; reason `few_values`).
"""

from __future__ import annotations

import re

import numpy as np

from ..dataset import Dataset
from ..schema import IDENTIFIER, code_like_name
from .encoding import is_number, missing_mask, numbers

CODE_LEVELS = 60
QI_MAX = 4
QI_MAX_LEVELS = 100
NEAR_CONSTANT = 0.95
DERIVED_R = 0.9999
DEMOGRAPHIC = re.compile(
    r"(^|[^a-z])(age|leeftijd|sex|gender|geslacht|postcode|postal|zip|gemeente|municipality|woonplaats|region|"
    r"regio|province|provincie|birth|geboorte|born|nationalit|etni|ethnic|race|marital|burgerlijk|maritl|"
    r"country|land|origin|herkomst)", re.IGNORECASE)


def _skip_reason(ds: Dataset, name: str, earlier_numbers: list[str]) -> str | None:
    col = ds.schema[name]
    n = ds.n_rows
    if col.type == IDENTIFIER:
        return "identifier"
    miss = missing_mask(ds, name)
    if n and miss.mean() > 0.5:
        return "mostly_missing"
    obs = ds.values[name][~miss]
    if len(obs) == 0:
        return "mostly_missing"
    top = obs.value_counts(dropna=True)
    if len(top) and top.iloc[0] >= NEAR_CONSTANT * len(obs):
        return "near_constant"
    if is_number(ds, name):
        if col.type == "integer" and code_like_name(name) and len(top) > 20:
            return "code"
        x = numbers(ds, name)
        for other in earlier_numbers:
            y = numbers(ds, other)
            both = ~np.isnan(x) & ~np.isnan(y)
            if both.sum() > 2 and np.std(x[both]) > 0 and np.std(y[both]) > 0:
                r = np.corrcoef(x[both], y[both])[0, 1]
                if abs(r) > DERIVED_R:
                    return "derived"
        return None
    if len(top) > CODE_LEVELS or code_like_name(name) and len(top) > 20 or len(top) > 0.5 * n:
        return "code"
    return None


def suggest_roles(ds: Dataset, columns: list[str] | None = None) -> dict:
    """{"target": {column, reason}, "sensitive": {column, reason}, "quasi_identifiers": [{column, reason}],
    "skipped": [{column, reason}]} (see the module docstring); a role is None when no column is left."""
    cols = columns or ds.columns
    skipped, eligible, nums = [], [], []
    for c in cols:
        why = _skip_reason(ds, c, nums)
        if is_number(ds, c) and why != "identifier":
            nums.append(c)
        if why:
            skipped.append({"column": c, "reason": why})
        else:
            eligible.append(c)
    target = eligible[-1] if eligible else None
    qi = []
    rest = [c for c in eligible if c != target]
    for c in rest:
        if DEMOGRAPHIC.search(c):
            qi.append({"column": c, "reason": "demographic_name"})
    for c in rest:
        if len(qi) >= QI_MAX:
            break
        if any(q["column"] == c for q in qi):
            continue
        if ds.values[c].nunique(dropna=True) <= QI_MAX_LEVELS:
            qi.append({"column": c, "reason": "few_values"})
    qi = qi[:QI_MAX]
    return {"target": {"column": target, "reason": "last_eligible"} if target else None,
            "sensitive": {"column": target, "reason": "same_as_target"} if target else None,
            "quasi_identifiers": qi, "skipped": skipped}
