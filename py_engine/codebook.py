"""The codebook for the people who receive the synthetic data (issue 14, section 4).

Per column of the input: its name, its type, whether it is in the synthetic data (or why it was left
out), its levels (categories) or range (numbers, dates), how many cells are missing and with which
codes, and its role in the table's structure (a group key such as a school code, an attribute of a
group, a column taken from another or computed from others) plus what synthesis did to it (levels
grouped for fitting, rare values smoothed, identifiers made new).

It shows no real value beyond those the synthetic data already show: levels, ranges and missing
codes are read from the synthetic data sets (all m of them; they are released together), never
from the real rows or the schema. A real level, a real minimum or a declared missing code that no
synthetic row holds does not appear. Counts are synthetic counts. Binning cut points and recode maps
of derived columns are not printed (the synthetic data show the bins, not the cut points); a linear
formula's coefficients are, since every synthetic row satisfies it exactly.

`build(result)` (or `build_from(synthetic, ...)`) gives a language-neutral JSON-able document;
`rows(doc, lang)` the table in the user's language, `to_csv_bytes(doc, lang)` the download
(UTF-8; comma-separated in English, semicolon-separated in Dutch, as spreadsheets there expect).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from .dataset import Dataset, to_text
from .schema import BOOLEAN, CATEGORICAL, DATE, DATETIME, IDENTIFIER, INTEGER, NUMERIC, TEXT

MAX_LEVELS = 30  # levels listed per column; more: the most frequent, then "and N more"
VERSION = 1
# engine notes about a column that say what synthesis did to it, as a codebook remark (no figures
# from the real data in them)
NOTE_KINDS = {"cart_grouped_target": "grouped", "smoothing_rare_only": "smoothed",
              "identifier_regenerated": "identifier_new", "identifier_from_shape": "identifier_new",
              "missing_imputed": "imputed", "high_cardinality_last": "not_predictor",
              "high_cardinality_not_predictor": "not_predictor"}
CSV_DELIMITER = {"en": ",", "nl": ";"}


def build(result) -> dict:
    """The codebook of a SynthResult: all its synthetic data sets, its structure document and notes."""
    return build_from(result.synthetic, copies=result.copies or None, structure=result.structure,
                      notes=result.notes)


def build_from(synthetic: Dataset, *, copies: list[Dataset] | None = None, structure: dict | None = None,
               notes: list[dict] | None = None) -> dict:
    sets = list(copies) if copies else [synthetic]
    schema = synthetic.schema
    roles = _structure_roles(structure, sets)
    remarks = _note_remarks(notes or [])
    n_rows = int(sum(d.n_rows for d in sets))
    ends = _range_text(sets)
    out = []
    for col in schema.columns:
        item = {"name": col.name, "type": col.type, "included": not col.exclude and col.name in synthetic.columns,
                "reason": col.reason if col.exclude else None, "roles": roles.get(col.name, []),
                "remarks": remarks.get(col.name, [])}
        if not item["included"]:
            item["reason"] = item["reason"] or "user"
            item["roles"], item["remarks"] = [], []
            out.append(item)
            continue
        miss = pd.concat([d.missing[col.name].astype(object) for d in sets], ignore_index=True)
        tokens = miss.dropna()
        counts = tokens.value_counts(sort=False)
        declared = [c for c in col.missing_codes if c in counts.index]
        order = declared + [t for t in counts.index if t not in declared]
        item["missing"] = {"count": int(len(tokens)), "rows": n_rows,
                           "tokens": [{"token": str(t), "count": int(counts[t])} for t in order]}
        observed = int(n_rows - len(tokens))
        item["observed"] = observed
        if col.type in (CATEGORICAL, BOOLEAN):
            vals = pd.concat([d.values[col.name].astype(object) for d in sets], ignore_index=True).dropna()
            vc = vals.astype(str).value_counts(sort=False)
            cats = [str(c) for c in sets[0].values[col.name].cat.categories] \
                if hasattr(sets[0].values[col.name], "cat") else []
            present = [c for c in cats if c in vc.index] + [c for c in vc.index if c not in cats]
            levels = [{"label": c, "count": int(vc[c])} for c in present]
            if len(levels) > MAX_LEVELS:
                top = sorted(levels, key=lambda x: -x["count"])[:MAX_LEVELS]
                keep = {x["label"] for x in top}
                item["levels"] = [x for x in levels if x["label"] in keep]
            else:
                item["levels"] = levels
            item["n_levels"] = len(levels)
        elif col.type in (NUMERIC, INTEGER, DATE, DATETIME):
            item["range"] = ends.get(col.name)
        else:  # identifier, text: no values listed
            vals = pd.concat([d.values[col.name].astype(object) for d in sets], ignore_index=True).dropna()
            item["n_distinct"] = int(vals.nunique())
        out.append(item)
    return {"version": VERSION, "m": len(sets), "n_rows": n_rows, "columns": out}


def _range_text(sets: list[Dataset]) -> dict:
    """Smallest and largest synthetic value per number/date column, written as in the synthetic file."""
    best: dict[str, list] = {}
    for k, d in enumerate(sets):
        for name in d.columns:
            if d.schema[name].type not in (NUMERIC, INTEGER, DATE, DATETIME):
                continue
            x = d.numeric(name)
            ok = np.isfinite(x) & ~d.is_missing(name)
            if not ok.any():
                continue
            idx = np.flatnonzero(ok)
            lo, hi = idx[np.argmin(x[idx])], idx[np.argmax(x[idx])]
            cur = best.setdefault(name, [None, None])
            if cur[0] is None or x[lo] < cur[0][0]:
                cur[0] = (float(x[lo]), k, int(lo))
            if cur[1] is None or x[hi] > cur[1][0]:
                cur[1] = (float(x[hi]), k, int(hi))
    out = {}
    for k, d in enumerate(sets):
        picks = {(name, end): row for name, ends in best.items() for end, (_, kk, row) in zip(("min", "max"), ends,
                                                                                                  strict=True) if kk == k}
        if not picks:
            continue
        rows = sorted(set(picks.values()))
        text = to_text(d.take(rows))
        at = {r: i for i, r in enumerate(rows)}
        for (name, end), row in picks.items():
            out.setdefault(name, {})[end] = str(text[name].iloc[at[row]])
    return out


def _structure_roles(doc: dict | None, sets: list[Dataset]) -> dict[str, list[dict]]:
    roles: dict[str, list[dict]] = {}
    if not isinstance(doc, dict) or doc.get("off"):
        return roles
    cols = set(sets[0].columns)
    for g in doc.get("groups") or []:
        if not g.get("enabled", True) or g.get("key") not in cols:
            continue
        key = g["key"]
        # groups per synthetic data set (the mean over the m sets)
        n = int(round(np.mean([d.values[key].astype(object).dropna().nunique() for d in sets])))
        roles.setdefault(key, []).append({"kind": "group_key", "n_groups": n, "parent": g.get("parent"),
                                          "relabelled": doc.get("group_key_labels") == "relabel"})
        for a in g.get("attributes") or []:
            if a in cols:
                roles.setdefault(a, []).append({"kind": "group_attribute", "group": key})
    for dep in doc.get("dependencies") or []:
        if dep.get("enabled", True) and dep.get("to") in cols:
            roles.setdefault(dep["to"], []).append({"kind": "dependency", "source": dep.get("from")})
    for der in doc.get("derived") or []:
        if not der.get("enabled", True) or der.get("column") not in cols:
            continue
        item = {"kind": "derived", "how": der.get("kind"), "sources": list(der.get("sources") or []),
                "group": der.get("group")}
        if der.get("kind") == "linear":
            p = der.get("params") or {}
            item["a"], item["c"] = float(p.get("a", 1.0)), float(p.get("c", 0.0))
        roles.setdefault(der["column"], []).append(item)
    return roles


def _note_remarks(notes: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for n in notes:
        kind = NOTE_KINDS.get(n.get("code"))
        column = n.get("column") or (n.get("params") or {}).get("column")
        if not kind or not column:
            continue
        item = {"kind": kind}
        if kind == "grouped":
            item["kept"] = (n.get("params") or {}).get("kept")
        if item not in out.setdefault(column, []):
            out[column].append(item)
    return out


# --------------------------------------------------------------------------- in the user's language

HEADER = ["name", "type", "status", "values", "missing", "structure", "remarks"]


def rows(doc: dict, lang: str = "en") -> list[list[str]]:
    """The codebook as a table of text in `lang`: a header, then one row per column of the input."""
    from .report.text import Words

    w = Words(lang)
    out = [[w.t(f"codebook.col.{h}") for h in HEADER]]
    for c in doc.get("columns") or []:
        out.append([c["name"], w.t(f"type.{c['type']}"), _status(w, c), _values(w, c, doc),
                    _missing(w, c), "; ".join(_role(w, r) for r in c.get("roles") or []),
                    "; ".join(_remark(w, r) for r in c.get("remarks") or [])])
    return out


def _status(w, c) -> str:
    if c["included"]:
        return w.t("codebook.included")
    return w.t("codebook.excluded", reason=w.t(f"codebook.reason.{c.get('reason') or 'user'}"))


def _values(w, c, doc) -> str:
    if not c["included"]:
        return ""
    if "levels" in c:
        if not c["levels"]:
            return w.t("codebook.no_values")
        listed = "; ".join(f"{x['label']} ({w.int(x['count'])})" for x in c["levels"])
        more = c["n_levels"] - len(c["levels"])
        text = w.t("codebook.levels", n=w.int(c["n_levels"]), levels=listed)
        return text + (" " + w.t("codebook.levels_more", n=w.int(more)) if more > 0 else "")
    if "range" in c:
        r = c.get("range")
        if not r:
            return w.t("codebook.no_values")
        return w.t("codebook.range", min=r["min"], max=r["max"])
    if c["type"] == IDENTIFIER:
        return w.t("codebook.identifier_values", n=w.int(c.get("n_distinct")))
    if c["type"] == TEXT:
        return w.t("codebook.text_values", n=w.int(c.get("n_distinct")))
    return ""


def _missing(w, c) -> str:
    if not c["included"]:
        return ""
    m = c["missing"]
    if not m["count"]:
        return w.t("codebook.missing_none")
    toks = ", ".join((w.t("codebook.empty_cell") if t["token"] == "" else t["token"]) + f" ({w.int(t['count'])})"
                     for t in m["tokens"])
    return w.t("codebook.missing", count=w.int(m["count"]), rows=w.int(m["rows"]),
               share=w.pct(m["count"] / m["rows"] if m["rows"] else 0), codes=toks)


def _role(w, r) -> str:
    kind = r["kind"]
    if kind == "group_key":
        text = w.t("codebook.role.group_key", n=w.int(r["n_groups"]))
        if r.get("parent"):
            text += " " + w.t("codebook.role.group_parent", parent=r["parent"])
        if r.get("relabelled"):
            text += " " + w.t("codebook.role.group_relabelled")
        return text
    if kind == "group_attribute":
        return w.t("codebook.role.group_attribute", group=r["group"])
    if kind == "dependency":
        return w.t("codebook.role.dependency", source=r["source"])
    how, src = r.get("how"), r.get("sources") or []
    if how == "linear":
        a, c = r["a"], r["c"]
        formula = (f"{w.num(a, 6, trim=True)} × {src[0]}" if a != 1 else src[0]) + \
            (f" + {w.num(c, 6, trim=True)}" if c > 0 else f" − {w.num(-c, 6, trim=True)}" if c < 0 else "")
        return w.t("codebook.derived.formula", formula=formula)
    if how == "sum" and len(src) == 2:
        return w.t("codebook.derived.formula", formula=f"{src[0]} + {src[1]}")
    if how == "difference" and len(src) == 2:
        return w.t("codebook.derived.formula", formula=f"{src[0]} − {src[1]}")
    if how == "group_mean":
        return w.t("codebook.derived.group_mean", source=", ".join(src), group=r.get("group") or "")
    if how == "binning":
        return w.t("codebook.derived.binning", source=", ".join(src))
    if how == "recode":
        return w.t("codebook.derived.recode", source=", ".join(src))
    return w.t("codebook.derived.other", sources=", ".join(src))


def _remark(w, r) -> str:
    if r["kind"] == "grouped":
        return w.t("codebook.remark.grouped", kept=w.int(r.get("kept")) if r.get("kept") is not None else "–")
    return w.t(f"codebook.remark.{r['kind']}")


def to_csv_bytes(doc: dict, lang: str = "en") -> bytes:
    """The codebook download: UTF-8 with a byte-order mark (spreadsheets then read accents right)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=CSV_DELIMITER.get(lang, ","), lineterminator="\r\n")
    writer.writerows(rows(doc, lang))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
