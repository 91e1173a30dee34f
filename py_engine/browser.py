"""Entry points for the page's Web Worker (see web/PROTOCOL.md): thin functions over the engine API.

Each returns JSON text, {"ok": data} or {"error": {kind, code, message, column, params}}, so errors
reach the page as structured messages in the user's language, never as a traceback. The worker keeps
one session: the real table the user loaded, the synthetic data and the evaluation made from it.
`clear()` drops them all.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import json
import logging
import platform
import re
import traceback
from fractions import Fraction

from . import __version__
from .dataset import Dataset, from_raw, to_csv_bytes
from .errors import Cancelled, EngineError
from .progress import Step
from .reading import read_table
from .schema import Schema, infer_schema

log = logging.getLogger("py_engine.browser")
PREVIEW_ROWS = 20
MAX_BYTES = 300 * 1024 * 1024  # the largest file the page accepts (wasm32 memory is at most 4 GB)


class Session:
    def __init__(self):
        self.raw = None
        self.schema: Schema | None = None
        self.overrides: dict = {}
        self.name = "data.csv"
        self.result = None  # SynthResult
        self.train: Dataset | None = None
        self.holdout: Dataset | None = None
        self.holdout_rows = None
        self.report: dict | None = None
        self.export_bytes = b""
        self.cancel = False
        self.file_key = ""  # SHA-256 of the file read: the key of its dp odometer (_DP_SPENT)


_S = Session()
# The privacy odometer per file (issue 12): every dp data set made from a file spends its rho again,
# and zCDP composes by adding rho (Bun & Steinke 2016, Lemma 2.3). Keyed by the SHA-256 of the file's
# bytes, so it outlives clear() and reading the same file again, for as long as this worker runs.
_DP_SPENT: dict[str, list[Fraction]] = {}


def _ok(data) -> str:
    return json.dumps({"ok": data}, default=_json_default, allow_nan=False)


def _json_default(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _error(exc: BaseException, lang: str) -> str:
    if isinstance(exc, EngineError):
        info = exc.to_dict(lang)
    elif isinstance(exc, MemoryError):
        info = EngineError("out_of_memory").to_dict(lang)
    else:
        log.error("internal error\n%s", traceback.format_exc())
        print(traceback.format_exc())  # the worker's console, never the page
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        info = EngineError("internal", kind="internal", detail=detail).to_dict(lang)
    return json.dumps({"error": info})


def _guard(fn):
    """Wrap an entry point: JSON out, EngineError -> structured error, anything else -> internal error."""

    def wrapper(*args, **kwargs):
        lang = "en"
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            return _error(exc, lang)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _aguard(fn):
    async def wrapper(*args, **kwargs):
        try:
            return await fn(*args, **kwargs)
        except BaseException as exc:
            return _error(exc, "en")

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _to_bytes(data) -> bytes | None:
    if data is None:
        return None
    if hasattr(data, "to_bytes"):  # a JS Uint8Array proxy
        return data.to_bytes()
    return bytes(data)


def versions() -> str:
    import numpy
    import pandas

    out = {"engine": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
           "pandas": pandas.__version__}
    return json.dumps(out)


def _summary() -> dict:
    raw, schema = _S.raw, _S.schema
    head = raw.frame.head(PREVIEW_ROWS)
    return {
        "name": _S.name,
        "n_rows": raw.n_rows,
        "n_columns": raw.frame.shape[1],
        "n_bytes": raw.n_bytes,
        "dialect": raw.dialect.to_dict(),
        "columns": [c.to_dict() for c in schema.columns],
        "preview": {"columns": list(head.columns), "rows": head.to_numpy().tolist()},
        "warnings": raw.warnings,
        "structure": _structure(),
    }


def _structure() -> dict:
    """The structure found in the held table (py_engine/structure.py), shown and edited in the page."""
    from .dataset import from_raw
    from .structure import find_structure

    return find_structure(from_raw(_S.raw, _S.schema))


@_guard
def inspect(data, name: str | None, options_json: str) -> str:
    """Read a file (bytes) or, with data None, re-detect the held one with new overrides."""
    options = json.loads(options_json or "{}")
    content = _to_bytes(data)
    overrides = options.get("overrides") or {}
    if content is not None:
        # Read the new file completely before touching the session: a file that cannot be read
        # leaves the table the user already has (and anything made from it) as it was.
        raw = read_table(content, name or "data.csv", encoding=options.get("encoding") or None,
                         delimiter=options.get("delimiter") or None, decimal=options.get("decimal") or None,
                         max_bytes=options.get("max_bytes", MAX_BYTES))
        key = hashlib.sha256(content).hexdigest()
        del content
        if options.get("drop_unknown_overrides"):
            # the file read in another format: the user's column choices apply where the columns exist
            overrides = {k: v for k, v in overrides.items() if k in raw.frame.columns}
        schema = infer_schema(raw, overrides, options.get("all_missing_codes"))
        _drop_results()
        _S.raw, _S.name, _S.schema, _S.overrides = raw, name or "data.csv", schema, overrides
        _S.file_key = key
        return _ok(_summary())
    if _S.raw is None:
        raise EngineError("no_data", kind="settings")
    before = _S.schema, _S.overrides
    _S.schema = infer_schema(_S.raw, overrides, options.get("all_missing_codes"))
    _S.overrides = overrides
    try:
        summary = _summary()
    except BaseException:
        # the change is refused as a whole (the page restores its choices): so is it here
        _S.schema, _S.overrides = before
        raise
    _drop_results()
    return _ok(summary)


@_guard
def dp_domain() -> str:
    """The domain suggested FROM THE DATA for method dp (dp/domain.py suggest_domain), for the page's
    domain editor to prefill, marked as read from the data; it is private until the user has checked
    and confirmed each column (then it is declared public knowledge and sent as settings.domain)."""
    from .dp.domain import dp_columns, suggest_domain

    if _S.raw is None or _S.schema is None:
        raise EngineError("no_data", kind="settings")
    data = from_raw(_S.raw, _S.schema)
    return _ok(suggest_domain(data, dp_columns(data.schema, data.columns)[0]))


def _spend(privacy: dict) -> dict:
    """Add one dp run to this file's odometer; the file's total (runs, rho, and epsilon at this run's delta)."""
    from .dp.accounting import cdp_eps

    spent = _DP_SPENT.setdefault(_S.file_key, [])
    spent.append(Fraction(privacy["rho_spent"]))
    total = sum(spent, Fraction(0))
    return {"runs": len(spent), "rho": float(total), "epsilon": cdp_eps(float(total), float(privacy["delta"])),
            "delta": float(privacy["delta"])}


def _drop_results() -> None:
    _S.result = _S.train = _S.holdout = _S.report = None
    _S.holdout_rows = None
    _S.export_bytes = b""


@_guard
def clear() -> str:
    _S.__init__()
    import gc

    gc.collect()
    return _ok({})


def request_cancel() -> None:
    _S.cancel = True


_STOP = {"flag": False}


def request_stop() -> None:
    """End a settings search between candidates, keeping the best so far (the run then completes)."""
    _STOP["flag"] = True


async def _drive_async(work, progress_cb):
    """Run a generator of Steps, reporting each and yielding to the event loop so cancel is seen."""
    _S.cancel = False
    try:
        while True:
            await asyncio.sleep(0)
            if _S.cancel:
                work.close()
                raise Cancelled()
            try:
                step: Step = next(work)
            except StopIteration as stop:
                return stop.value
            if progress_cb is not None:
                progress_cb(json.dumps(step.to_dict(), default=_json_default))
    finally:
        _S.cancel = False


def _preview(ds: Dataset) -> dict:
    from .dataset import to_text

    head = to_text(ds.take(range(min(PREVIEW_ROWS, ds.n_rows))))
    return {"columns": list(head.columns), "rows": head.to_numpy().tolist()}


@_aguard
async def synthesise(settings_json: str, progress_cb=None) -> str:
    """Fit the chosen method on the held table and sample synthetic rows."""
    from . import synthesis
    from .holdout import split

    if _S.raw is None or _S.schema is None:
        raise EngineError("no_data", kind="settings")
    settings = json.loads(settings_json or "{}")
    settings.pop("lang", None)
    holdout = float(settings.pop("holdout", 0.0) or 0.0)
    optimise = settings.pop("optimise", None)  # {criterion?, budget?, ...}: settings tuned per table
    _drop_results()
    data = from_raw(_S.raw, _S.schema)
    seed = synthesis.resolve_seed(settings.get("seed"))
    settings["seed"] = seed
    train, hold, hold_rows = split(data, holdout, seed=seed)
    if optimise is not None:
        from .optimise import syn_optimised_steps

        _STOP["flag"] = False
        work = syn_optimised_steps(train, settings, optimise if isinstance(optimise, dict) else {},
                                   should_stop=lambda: _STOP["flag"])
    else:
        work = synthesis.synthesise_steps(train, settings)
    result = await _drive_async(work, progress_cb)
    _S.result, _S.train, _S.holdout, _S.holdout_rows = result, train, hold, hold_rows
    out = result.summary()
    from .notes import group

    out["notes_grouped"] = group(result.notes)  # issue 14: one note per idea, listing its columns
    out["preview"] = _preview(result.synthetic)
    out["real_preview"] = _preview(train)
    out["holdout_rows"] = 0 if hold is None else hold.n_rows
    out["train_rows"] = train.n_rows
    from .evaluation.estimate import estimate

    # how long the evaluation will take, from the table's size (the page says it before and during)
    out["evaluation_estimate"] = estimate(train.n_rows + out["holdout_rows"], len(result.synthetic.columns))
    try:  # the evaluation's suggested roles, shown with their reasons before the first evaluation
        from .evaluation.roles import suggest_roles

        out["roles"] = suggest_roles(train, structure=result.structure)
    except Exception:  # the evaluation suggests them again itself; the result must not fail for it
        out["roles"] = None
    if result.method == "dp" and result.model:
        out["privacy"] = {**result.model["privacy"], "file": _spend(result.model["privacy"])}
    return _ok(out)


@_aguard
async def dp_curve(settings_json: str, progress_cb=None) -> str:
    """Method dp's privacy-utility curve of the held table (py_engine/dp/curve.py): a dp synthesis per
    epsilon with these settings, scored against the real rows; keeps no synthetic data and does not
    touch the current result or the odometer."""
    from .dp.curve import curve_steps

    if _S.raw is None or _S.schema is None:
        raise EngineError("no_data", kind="settings")
    settings = json.loads(settings_json or "{}")
    settings.pop("lang", None)
    data = from_raw(_S.raw, _S.schema)
    return _ok(await _drive_async(curve_steps(data, settings), progress_cb))


@_aguard
async def evaluate(options_json: str, progress_cb=None) -> str:
    """Evaluate the synthetic data against the real rows it was fitted on (and the holdout)."""
    from . import evaluation

    if _S.result is None:
        raise EngineError("no_synthetic", kind="settings")
    options = json.loads(options_json or "{}")
    work = evaluation.evaluate_steps(_S.train, _S.result.synthetic, _S.holdout, options,
                                     context=_report_context(), copies=_S.result.copies or None)
    report = await _drive_async(work, progress_cb)
    from . import codebook

    report["codebook"] = codebook.build(_S.result)  # issue 14: the codebook section of the PDF
    _S.report = report
    return _ok(_S.report)


def _report_context() -> dict:
    import numpy
    import pandas
    import scipy
    import sklearn

    r = _S.result
    runtime = {}
    try:  # the Pyodide version, when running in the browser
        import pyodide

        runtime["pyodide"] = pyodide.__version__
    except ImportError:
        pass
    return {"file_name": _S.name, "engine_version": __version__, "python": platform.python_version(),
            "platform": "pyodide" if platform.system() == "Emscripten" else platform.system(), **runtime,
            "numpy": numpy.__version__, "scipy": scipy.__version__,
            "pandas": pandas.__version__, "scikit_learn": sklearn.__version__,
            "settings": r.settings_dict(), "seed": r.seed, "method": r.method,
            "seeds": list(r.seeds or [r.seed]),  # one per synthetic data set (m)
            "n_real": r.n_real, "n_synthetic": r.synthetic.n_rows,
            "holdout_rows": 0 if _S.holdout is None else _S.holdout.n_rows,
            "created": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            **_structure_context(r),
            "notes": r.notes,  # the engine's notes, grouped in the PDF (py_engine/notes.py)
            **({"optimisation": r.optimisation} if getattr(r, "optimisation", None) else {})}


def _structure_context(result) -> dict:
    """The structure document the synthesis used (SynthResult.structure, issue 10), for the report's
    Structure step; nothing when the result has none (the report then finds it in the real rows)."""
    doc = getattr(result, "structure", None)
    return {"structure": doc} if isinstance(doc, dict) else {}


def _file_stem() -> str:
    stem = re.sub(r"\.(csv|txt|tsv)$", "", _S.name, flags=re.IGNORECASE)
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("_") or "data"
    return f"{stem}_synthetic_{_dt.date.today().isoformat()}"


@_aguard
async def export(fmt: str, options_json: str = "{}", progress_cb=None) -> str:
    """Make a download: csv (input's style), csv-standard, json (records + settings + schema), pdf,
    codebook (CSV in the user's language, py_engine/codebook.py), zip (all m synthetic data sets).
    options: {lang, set}: with m > 1 sets, csv, csv-standard and json are of set `set` (1..m)."""
    if _S.result is None:
        raise EngineError("no_synthetic", kind="settings")
    options = json.loads(options_json or "{}")
    lang = options.get("lang", "en")
    stem = _file_stem()
    copies = _S.result.copies or [_S.result.synthetic]
    k = options.get("set", 1)  # with m > 1 synthetic data sets: which one (1-based)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(copies):
        raise EngineError("bad_set", kind="settings", set=k, m=len(copies))
    one = f"{stem}_set{k}" if len(copies) > 1 else stem
    if fmt in ("csv", "csv-standard"):
        data = to_csv_bytes(copies[k - 1], "original" if fmt == "csv" else "standard")
        # the two CSVs get different names, so saving both keeps both (issue 14)
        name, mime = (f"{one}.csv" if fmt == "csv" else f"{one}_standard.csv"), "text/csv"
    elif fmt == "zip":
        from .export import zip_sets

        data = zip_sets(_S.result, stem, lang)
        name, mime = f"{stem}_sets.zip", "application/zip"
    elif fmt == "codebook":
        from . import codebook

        data = codebook.to_csv_bytes(codebook.build(_S.result), lang)
        name, mime = f"{stem}_codebook.csv", "text/csv"
    elif fmt == "json":
        from .export import json_document

        data = json_document(_S.result, _S.name, report=_S.report, set_index=k - 1)
        name, mime = f"{one}.json", "application/json"
    elif fmt == "pdf":
        from .report import build_pdf

        if _S.report is None:
            raise EngineError("no_report", kind="settings")
        data = await _drive_async(build_pdf(_S.report, lang=lang), progress_cb)
        name, mime = f"{stem}_report.pdf", "application/pdf"
    else:
        raise EngineError("unknown_format", kind="settings", format=fmt)
    _S.export_bytes = data
    return _ok({"name": name, "mime": mime, "size": len(data)})


def last_export_bytes() -> bytes:
    data, _S.export_bytes = _S.export_bytes, b""
    return data
