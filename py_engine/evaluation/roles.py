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
- `member_id`: with a group key, a whole-number column whose name says it numbers people (student,
  pupil, leerling, person, respondent, ...) and that is unique within its group in at least 95% of
  the rows: a pupil's number within the school (exam's `student`), an identifier in two parts.
Target: the last column that is left (outcomes tend to come last; with a group key, the last that is no
group attribute), reason `last_eligible`. Sensitive:
the target. Quasi-identifiers: up to 4 of the columns left besides the sensitive one, first those whose
name reads as a demographic attribute an attacker may know (age, sex, postcode, birth, ...; reason
`demographic_name`), then those with few values (at most QI_MAX_LEVELS; reason `few_values`).
When the table has a structure (py_engine/structure.py) the finest enabled group key comes first among
the quasi-identifiers (reason `group_key`), although it is a code: which school a pupil attends is what
an attacker most likely knows, and its attributes (the school's sector, size) and parent keys follow
from it, so they are not suggested besides it (issue 10: the group key and its attributes are treated
like any quasi-identifier).
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


MEMBER_WORDS = {"student", "pupil", "leerling", "person", "persoon", "respondent", "patient", "member", "lid",
                "volgnr", "volgnummer", "seq", "case", "casenr", "kind", "child", "employee", "werknemer"}
MEMBER_UNIQUE = 0.95


def _member_id(ds: Dataset, name: str, key: str) -> bool:
    """Does `name` number the members of `key`'s groups (see the module docstring)?"""
    from ..schema import _name_words

    if ds.schema[name].type != "integer" or not set(_name_words(name)) & MEMBER_WORDS:
        return False
    v = ds.values[[key, name]].dropna()
    if v[name].nunique() <= 20 or not len(v):
        return False
    return float((~v.duplicated(keep=False)).mean()) >= MEMBER_UNIQUE


def finest_group_key(structure: dict | None, cols: list[str]) -> str | None:
    """The enabled group key (among cols) with the most groups (at least 2), or None."""
    if not isinstance(structure, dict) or structure.get("off"):
        return None
    keys = [g for g in structure.get("groups") or [] if g.get("enabled", True) and g.get("key") in cols
            and int(g.get("n_groups") or 0) >= 2]
    return max(keys, key=lambda g: int(g.get("n_groups") or 0))["key"] if keys else None


def suggest_roles(ds: Dataset, columns: list[str] | None = None, structure: dict | None = None) -> dict:
    """{"target": {column, reason}, "sensitive": {column, reason}, "quasi_identifiers": [{column, reason}],
    "skipped": [{column, reason}]} (see the module docstring); a role is None when no column is left.
    `structure`: the table's structure document, whose finest group key is suggested first as a
    quasi-identifier."""
    cols = columns or ds.columns
    key = finest_group_key(structure, cols)
    skipped, eligible, nums = [], [], []
    for c in cols:
        why = _skip_reason(ds, c, nums)
        if why is None and key is not None and c != key and _member_id(ds, c, key):
            why = "member_id"
        if is_number(ds, c) and why != "identifier":
            nums.append(c)
        if why:
            skipped.append({"column": c, "reason": why})
        else:
            eligible.append(c)
    implied: set = set()  # the key's attributes (and its parents' attributes) follow from the key
    if key is not None:
        by_key = {g.get("key"): g for g in structure.get("groups") or []}
        cur, seen = by_key.get(key), set()
        while cur is not None and cur.get("key") not in seen:
            seen.add(cur.get("key"))
            implied |= set(cur.get("attributes") or []) | {cur.get("parent")}
            cur = by_key.get(cur.get("parent"))
    # the target: a member's column (an outcome of the pupil, not an attribute of the school) if any
    members = [c for c in eligible if c not in implied]
    target = (members or eligible)[-1] if eligible else None
    qi = []
    if key is not None and key != target:
        qi.append({"column": key, "reason": "group_key"})
        skipped = [x for x in skipped if x["column"] != key]
    rest = [c for c in eligible if c != target and c not in implied]
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
