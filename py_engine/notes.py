"""The engine's notes grouped for reading (issue 14: one table gave 25 smoothing notes, one per column).

A note is {"code", "params", "column"?} (methods/common.note). Notes of one code about different columns
say the same thing with a column's own figures (a bandwidth, a share): for a reader they are one note
with the list of columns. `group` replaces each such run by one note "grouped.<code>" with the count
and the column names, in the place of the first; notes of other codes, and a code about one column,
stay as they are. The raw notes stay in the result and the JSON (the codebook uses them per column);
the page, the CLI and the PDF show the grouped ones. The texts are "notes.grouped.<code>" in
py_engine/locales/*.json.
"""

from __future__ import annotations

# codes whose notes about several columns read as one (each has a notes.grouped.<code> string)
GROUPED = ("smoothing_rare_only", "smoothing_skipped_common", "smoothing_skipped_few",
           "smoothing_skipped_sparse", "identifier_regenerated", "identifier_from_shape",
           "missing_imputed", "high_cardinality_last", "high_cardinality_not_predictor")
MAX_NAMES = 30  # names listed in a grouped note; the count gives the rest


def column_list(names: list[str], limit: int = MAX_NAMES) -> str:
    """'a, b, c' for a note; past `limit` names the list ends in '…' (the note's count says how many)."""
    shown = ", ".join(names[:limit])
    return shown + (", …" if len(names) > limit else "")


def group(notes: list[dict]) -> list[dict]:
    """Notes with one grouped entry per code of GROUPED that is about two or more columns."""
    by_code: dict[str, list[str]] = {}
    for n in notes:
        if n.get("code") in GROUPED and n.get("column") is not None:
            cols = by_code.setdefault(n["code"], [])
            if n["column"] not in cols:
                cols.append(n["column"])
    out, done = [], set()
    for n in notes:
        code = n.get("code")
        cols = by_code.get(code, [])
        if len(cols) < 2 or n.get("column") is None:
            out.append(n)
        elif code not in done:
            done.add(code)
            out.append({"code": f"grouped.{code}", "columns": list(cols),
                        "params": {"count": len(cols), "columns": column_list(cols)}})
    return out


def text(n: dict, lang: str = "en") -> str:
    """A note (grouped or not) in the user's language."""
    from .i18n import translate

    params = dict(n.get("params") or {})
    if n.get("column") is not None:
        params.setdefault("column", n["column"])
    return translate("notes." + n["code"], lang, **params)
