"""The command line: `python -m py_engine synth IN.csv -o OUT.csv [options]` and
`python -m py_engine report IN.csv -o DIR [options]` (synthetic CSV, JSON with the evaluation, PDF).

The same engine as the page: read the file, detect the schema (overridable), synthesise, write the
synthetic file in the input's style (and, if asked, the JSON document and the fitted model). It prints
the detected schema, what was done and the time taken. A problem the user can act on prints its
message and exits with status 2. Subcommands are registered in `build_parser` (another developer adds
`report`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .errors import EngineError


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    out = []
    for v in values or []:
        if "=" not in v:
            raise EngineError("cli.bad_pair", kind="settings", option=option, value=v)
        k, _, val = v.partition("=")
        if not k.strip():
            raise EngineError("cli.bad_pair", kind="settings", option=option, value=v)
        out.append((k.strip(), val.strip()))
    return out


def _column_codes(values: list[str] | None) -> list[str]:
    """--missing-codes COL=CODE[,CODE] entries (the others are codes for all columns)."""
    return [v for v in values or [] if "=" in v]


def all_codes_from_args(args) -> list[str]:
    """--missing-codes CODE[,CODE] without a column name: codes for every numeric column."""
    from .schema import parse_numbers

    out: list[str] = []
    for v in args.missing_codes or []:
        if "=" not in v:
            codes = [c.strip() for c in v.split(",") if c.strip()]
            if not codes or not parse_numbers(codes, ".")[1].all():
                raise EngineError("cli.bad_all_codes", kind="settings", value=v)
            out += [c for c in codes if c not in out]
    return out


def overrides_from_args(args) -> dict:
    ov: dict = {}
    for col, codes in _pairs(_column_codes(args.missing_codes), "--missing-codes"):
        ov.setdefault(col, {})["missing_codes"] = [c for c in codes.split(",") if c.strip() != ""]
    for col, typ in _pairs(args.type, "--type"):
        ov.setdefault(col, {})["type"] = typ
    for col in args.exclude or []:
        ov.setdefault(col, {})["exclude"] = True
    for col in args.include or []:
        ov.setdefault(col, {})["exclude"] = False
    return ov


def settings_from_args(args) -> dict:
    s = {"method": args.method, "seed": args.seed, "missing": args.missing}
    if args.rows is not None:
        s["n_rows"] = args.rows
    if args.visit_sequence:
        s["visit_sequence"] = [c.strip() for c in args.visit_sequence.split(",") if c.strip()]
    if args.minbucket is not None:
        s["minbucket"] = args.minbucket
    if args.cp is not None:
        s["cp"] = args.cp
    if args.smoothing is not None:
        s["smoothing"] = args.smoothing
    if args.proper:
        s["proper"] = True
    if args.max_predictor_levels is not None:
        s["max_predictor_levels"] = args.max_predictor_levels
    if getattr(args, "method", None) == "dp":
        for key in ("remove_replicated", "smoothing"):
            s.pop(key, None)
        if args.smoothing == "density":
            raise EngineError("dp.refused_stage", kind="settings", stage="smoothing")
        if args.proper:
            raise EngineError("dp.refused_stage", kind="settings", stage="proper")
        s.pop("smoothing", None)
        s.pop("proper", None)
        if args.epsilon is not None:
            s["epsilon"] = args.epsilon
        if getattr(args, "dp_mechanism", None):
            s["dp_mechanism"] = args.dp_mechanism
        if args.delta is not None:
            s["delta"] = args.delta
        if args.domain:
            try:
                s["domain"] = json.loads(_read(args.domain).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise EngineError("dp.domain_format", kind="settings") from None
        s["domain_from_data"] = bool(args.domain_from_data)
    if getattr(args, "m", None) is not None:
        s["m"] = args.m
    return s


def copy_paths(path: Path, m: int) -> list[Path]:
    """Where m synthetic data sets go: the path itself for m = 1, else <stem>_1<suffix> ... <stem>_m<suffix>
    (as synthpop's write.syn numbers its files)."""
    if m <= 1:
        return [path]
    return [path.with_name(f"{path.stem}_{k}{path.suffix}") for k in range(1, m + 1)]


def schema_table(schema) -> str:
    """The detected schema as a plain-text table."""
    rows = [("column", "type", "missing", "distinct", "examples / note")]
    for c in schema.columns:
        typ = c.type + (" (excluded" + (f": {c.reason}" if c.reason else "") + ")" if c.exclude else "")
        extra = ", ".join(c.examples[:3])
        extra = extra if len(extra) <= 40 else extra[:39] + "…"
        if c.missing_codes:
            extra += f"  [missing codes: {', '.join(c.missing_codes)}]"
        if c.number_format and (c.number_format.get("prefix") or c.number_format.get("suffix")):
            extra += f"  [written with {(c.number_format.get('prefix') or c.number_format.get('suffix')).strip()}]"
        if c.date_format:
            extra += f"  [format {c.date_format}]"
        rows.append((c.name, typ, str(c.missing_count), str(c.n_distinct), extra))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) if i < 4 else r[i] for i in range(4)) + "  " + r[4])
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 15)
    return "\n".join(lines)


def suggestion_lines(schema, lang: str = "en") -> list[str]:
    """What detection suggests, one line per column and suggestion, with the option that does it."""
    from .i18n import translate
    from .schema import _short, parse_numbers

    out, codes = [], {}
    for c in schema.columns:
        for sug in c.suggestions:
            text = translate("suggest." + sug["code"], lang, column=c.name, **sug["params"])
            if sug["kind"] == "type":
                how = (f"(read as categories; --type {c.name}=integer treats it as a number)" if sug["applied"]
                       else f"(--type {c.name}={sug['value']} accepts it)")
            else:
                if not sug["applied"]:  # grouped by number: -9 and -9.0 are one code
                    num = parse_numbers([sug["value"]], schema.dialect.decimal)[0][0]
                    codes.setdefault(_short(num), []).append(c.name)
                how = ("(declared)" if sug["applied"] else
                       f"(--missing-codes {c.name}={sug['value']} declares it)")
            out.append(f"- {c.name}: {text} {how}")
    for value, cols in codes.items():
        if len(cols) > 1:
            out.append(f"- {value} may be a missing-value code in {len(cols)} columns: --missing-codes {value} "
                       "declares it for every numeric column")
    return out


def note_text(n: dict) -> str:
    from .notes import text

    return text(n, "en")


def _read(path: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise EngineError("cli.file_not_found", kind="settings", path=path)
    return p.read_bytes()


def structure_from_args(args, ds, settings: dict) -> None:
    """--no-structure, --structure FILE.json (an edited document), --relabel-groups, --write-structure."""
    from .structure import find_structure, resolve_structure

    if getattr(args, "no_structure", False):
        settings["structure"] = False
        return
    doc = None
    if getattr(args, "structure", None):
        try:
            doc = json.loads(Path(args.structure).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise EngineError("structure.bad_document", kind="settings") from None
    if getattr(args, "relabel_groups", False):
        doc = dict(doc or find_structure(ds))
        doc["group_key_labels"] = "relabel"
    if getattr(args, "write_structure", None):
        Path(args.write_structure).write_text(json.dumps(resolve_structure(ds, doc), indent=1, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    if doc is not None:
        settings["structure"] = doc


def structure_lines(result) -> list[str]:
    from .structure import summary_lines

    if result.structure is None:
        return ["structure: none used" + (" (--no-structure)" if result.settings.structure is False else "")]
    return ["structure:"] + ["  " + line for line in summary_lines(result.structure)] + (
        ["  group labels: new (relabel)"] if result.structure.get("group_key_labels") == "relabel" else [])


def _add_structure_args(p) -> None:
    p.add_argument("--no-structure", action="store_true",
                   help="cart, gc: synthesise every column freely (no group keys, dependencies or derived columns)")
    p.add_argument("--structure", metavar="FILE.json", help="cart, gc: use this (edited) structure document")
    p.add_argument("--write-structure", metavar="FILE.json", help="write the structure found (or given) to edit")
    p.add_argument("--relabel-groups", action="store_true",
                   help="give synthetic groups new labels instead of the real group key labels")


def cmd_synth(args, out=sys.stdout) -> int:
    from .dataset import from_raw, to_csv_bytes
    from .reading import read_table
    from .schema import infer_schema
    from .synthesis import resolve_seed

    t0 = time.perf_counter()
    settings = settings_from_args(args)
    if args.model_in:
        return _synth_from_model(args, settings, out, t0)
    data = _read(args.input)
    raw = read_table(data, Path(args.input).name, encoding=args.encoding, delimiter=args.delimiter,
                     decimal=args.decimal)
    schema = infer_schema(raw, overrides_from_args(args), all_codes_from_args(args))
    for w in raw.warnings:
        from .i18n import translate

        print("warning: " + translate("warnings." + w["code"], "en", **w.get("params", {})), file=out)
    print(f"{raw.name}: {raw.n_rows} rows, {raw.frame.shape[1]} columns "
          f"(delimiter {raw.dialect.delimiter!r}, decimal {raw.dialect.decimal!r}, {raw.dialect.encoding})", file=out)
    print(schema_table(schema), file=out)
    hints = suggestion_lines(schema)
    if hints:
        print("suggestions:", file=out)
        for line in hints:
            print(line, file=out)
    ds = from_raw(raw, schema)
    del raw, data
    structure_from_args(args, ds, settings)
    if getattr(args, "write_domain", None):
        from .dp.domain import dp_columns, suggest_domain

        doc = suggest_domain(ds, dp_columns(ds.schema, ds.columns)[0])
        Path(args.write_domain).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"domain suggested FROM THE DATA written to {args.write_domain}: check and edit it before use "
              "(levels present and minimum/maximum are not private)", file=out)
        if settings.get("method") == "dp" and not settings.get("domain") and not settings.get("domain_from_data"):
            return 0
    if settings.get("domain_from_data"):
        print("WARNING: --domain-from-data reads levels and bounds from the real data; the domain is NOT covered "
              "by the differential privacy guarantee (for benchmarks and trials only)", file=out)
    settings["seed"] = resolve_seed(settings.get("seed"))
    t1 = time.perf_counter()
    result = run_syn(ds, settings, args, out)
    t_syn = time.perf_counter() - t1
    if result.method != "marginal":
        for line in structure_lines(result):
            print(line, file=out)
    outs = copy_paths(Path(args.output), len(result.copies))
    for p, ds_k in zip(outs, result.copies or [result.synthetic], strict=True):
        p.write_bytes(to_csv_bytes(ds_k, "standard" if args.standard_csv else "original"))
    if len(outs) > 1:
        print(f"m = {len(outs)} synthetic data sets, seeds " + ", ".join(map(str, result.seeds)) + ": "
              + ", ".join(str(p) for p in outs), file=out)
    if args.json:
        from .export import json_document

        Path(args.json).write_bytes(json_document(result, Path(args.input).name))
    if args.model_out:
        if result.model is None:
            print("note: this method has no model document; --model-out is for --method marginal or gc", file=out)
        else:
            Path(args.model_out).write_text(json.dumps(result.model, indent=1, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    _report(result, out, t_syn, time.perf_counter() - t0, args)
    return 0


def _synth_from_model(args, settings, out, t0) -> int:
    from .dataset import to_csv_bytes
    from .methods.marginal import synthesise_from_model
    from .synthesis import resolve_seed

    if settings.get("method") != "marginal":
        raise EngineError("cli.model_needs_marginal", kind="settings")
    try:
        model = json.loads(_read(args.model_in).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EngineError("model.unreadable", kind="settings", detail=str(exc)[:200]) from exc
    seed = resolve_seed(settings.get("seed"))
    ds, notes = synthesise_from_model(model, settings.get("n_rows"), seed)
    Path(args.output).write_bytes(to_csv_bytes(ds, "standard" if args.standard_csv else "original"))
    print(f"model {args.model_in}: {len(model['vars'])} columns; no real data used", file=out)
    print(schema_table(ds.schema), file=out)
    for n in notes:
        print("- " + note_text(n), file=out)
    print(f"method marginal (from model), seed {seed}: {ds.n_rows} rows -> {args.output}", file=out)
    print(f"time: {time.perf_counter() - t0:.2f} s", file=out)
    return 0


def _report(result, out, t_syn: float, t_all: float, args) -> None:
    s = result.settings
    what = f"method {result.method}, seed {result.seed}, {result.n_real} real rows -> {result.synthetic.n_rows} synthetic rows"
    print(what, file=out)
    if result.method == "dp" and result.model:
        pv = result.model["privacy"]
        print(f"privacy: epsilon {pv['epsilon']}, delta {pv['delta']}, rho {pv['rho']:.6g} "
              f"(spent {pv['rho_spent']:.6g}); domain covered by the guarantee: {pv['domain_covered']}", file=out)
    if result.method == "cart":
        print(f"settings: minbucket {s.minbucket}, cp {s.cp}, smoothing {s.smoothing}, proper {s.proper}, "
              f"missing {s.missing}", file=out)
        print("visit sequence: " + ", ".join(s.visit_sequence or []), file=out)
    else:
        print(f"settings: missing {s.missing}", file=out)
    if result.notes:
        from .notes import group

        print("notes:", file=out)
        for n in group(result.notes):  # one line per idea (issue 14: 25 smoothing notes for one table)
            print("- " + note_text(n), file=out)
    print(f"written: {args.output}" + (f", {args.json}" if args.json else "") +
          (f", {args.model_out}" if args.model_out and result.model is not None else ""), file=out)
    print(f"time: synthesis {t_syn:.2f} s, total {t_all:.2f} s", file=out)


def add_optimise_options(p) -> None:
    """--optimise and its options (py_engine.optimise), for synth and report."""
    from .optimise import DEFAULT_BUDGET

    p.add_argument("--optimise", action="store_true",
                   help="tune the settings for this table on an internal split of the fitting rows")
    p.add_argument("--criterion", choices=["utility", "risk"],
                   help="utility: most useful within the risk limits (default); risk: least risk at a utility target")
    p.add_argument("--utility", choices=["two_way", "logit"], help="utility measure (default: two_way S_pMSE)")
    p.add_argument("--budget", type=int, help=f"search budget in work units (default: {DEFAULT_BUDGET:,})")
    p.add_argument("--max-copies-excess", type=float, help="exact copies at most natural + this share (0.01)")
    p.add_argument("--max-auc", type=float, help="membership AUC at most this (0.55)")
    p.add_argument("--utility-target", type=float, help="criterion risk: utility at most this (3)")
    p.add_argument("--workers", type=int,
                   help="processes the search may run at once (default: every CPU; the choice is the same for any number)")


def optimise_options_from_args(args) -> dict:
    return {k: v for k, v in {"criterion": args.criterion, "utility": args.utility, "budget": args.budget,
                              "max_copies_excess": args.max_copies_excess, "max_auc": args.max_auc,
                              "utility_target": args.utility_target}.items() if v is not None}


def run_syn(data, settings: dict, args, out=sys.stdout):
    """syn, or syn_optimised with --optimise (printing the choice)."""
    from .synthesis import syn

    if not getattr(args, "optimise", False):
        return syn(data, settings)
    from .optimise import syn_optimised

    result = syn_optimised(data, settings, optimise_options_from_args(args), workers=getattr(args, "workers", None))
    o = result.optimisation
    if o.get("chosen"):
        print(f"optimise: chose {o['chosen']} of {len(o['compared'])} in the last round "
              f"({'within' if o['within_limits'] else 'NOT within'} the limits); settings {o['settings']}; "
              f"front {', '.join(o['front'])}; work {int(o['spent'])} of {int(o['budget'])} units", file=out)
    return result


def _dp_options(p) -> None:
    p.add_argument("--epsilon", type=float, help="dp: the privacy budget epsilon (default 1)")
    p.add_argument("--delta", type=float, help="dp: delta (default 1e-9)")
    p.add_argument("--dp-mechanism", choices=["mst", "aim", "independent"],
                   help="dp: mst (tree of 2-way marginals, default), aim (adaptive 2- and 3-way marginals) or "
                        "independent (baseline: 1-way marginals only)")
    p.add_argument("--domain", metavar="DOMAIN.json", help="dp: the public domain (levels, bounds, grid)")
    p.add_argument("--write-domain", metavar="DOMAIN.json",
                   help="write the domain suggested from the data, to check and edit (not private as it is)")
    p.add_argument("--domain-from-data", action="store_true",
                   help="dp: use the domain suggested from the data; NOT covered by the privacy guarantee")


def add_synth_parser(sub) -> None:
    p = sub.add_parser("synth", help="synthesise a CSV file",
                       description="Synthesise a CSV file with sequential CART (default), a Gaussian copula "
                                   "or independent marginals.")
    p.add_argument("input", nargs="?", help="the real CSV file (not needed with --model-in)")
    p.add_argument("-o", "--output", required=True, help="the synthetic CSV file to write")
    p.add_argument("--method", choices=["cart", "gc", "marginal", "dp"], default="cart")
    p.add_argument("--rows", type=int, help="synthetic rows (default: as many as the real rows)")
    _dp_options(p)
    p.add_argument("--seed", type=int, help="random seed (default: a random one, printed)")
    p.add_argument("--m", type=int, help="number of synthetic data sets (synthpop's m; default 1): "
                                         "OUT_1.csv ... OUT_m.csv, seeds seed, seed + 1, ...")
    p.add_argument("--visit-sequence", help="CART: comma-separated column order")
    p.add_argument("--minbucket", type=int, help="CART: smallest leaf")
    p.add_argument("--cp", type=float, help="CART: complexity parameter")
    p.add_argument("--smoothing", choices=["none", "density"], help="CART: smoothing of numeric draws")
    p.add_argument("--proper", action="store_true", help="CART: bootstrap the real rows before each fit")
    p.add_argument("--max-predictor-levels", type=int,
                   help="CART: categoricals with more levels are not used as predictors (default: no limit)")
    p.add_argument("--missing", choices=["synthesise", "drop", "impute"], default="synthesise")
    p.add_argument("--missing-codes", action="append", metavar="[COL=]CODE[,CODE]",
                   help="declare missing-value codes of a column, e.g. income=-8,9999, or without a column "
                        "name for every numeric column, e.g. -9 (repeatable)")
    p.add_argument("--exclude", action="append", metavar="COL", help="leave a column out (repeatable)")
    p.add_argument("--include", action="append", metavar="COL", help="include a column excluded by default")
    p.add_argument("--type", action="append", metavar="COL=TYPE",
                   help="override a column's type: numeric, integer, categorical, boolean, date, datetime, "
                        "identifier, text (repeatable)")
    p.add_argument("--encoding", help="the input's encoding (default: detected)")
    p.add_argument("--delimiter", help="the input's delimiter (default: detected)")
    p.add_argument("--decimal", help="the input's decimal sign (default: detected)")
    p.add_argument("--standard-csv", action="store_true", help="write UTF-8, comma, decimal point")
    _add_structure_args(p)
    p.add_argument("--json", metavar="OUT.json", help="also write the JSON document")
    add_optimise_options(p)
    p.add_argument("--model-out", metavar="MODEL.json", help="write the fitted model (marginal, gc)")
    p.add_argument("--model-in", metavar="MODEL.json",
                   help="marginal: synthesise from a (possibly edited) model, without real data")
    p.set_defaults(func=cmd_synth)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a share of the rows between 0 and 1, e.g. 0.2")
    return value


def _columns_arg(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [c.strip() for c in text.split(",") if c.strip()]


def report_context(name: str, result, holdout, platform_name: str | None = None) -> dict:
    """What the report's title page states: file, method, settings, seed, rows, versions, date."""
    import datetime as _dt
    import platform

    import numpy
    import pandas
    import scipy
    import sklearn

    from . import __version__

    return {"file_name": name, "engine_version": __version__, "python": platform.python_version(),
            "platform": platform_name or platform.system(), "numpy": numpy.__version__,
            "pandas": pandas.__version__, "scipy": scipy.__version__, "scikit_learn": sklearn.__version__,
            "settings": result.settings_dict(), "seed": result.seed, "method": result.method,
            "seeds": list(getattr(result, "seeds", None) or [result.seed]),  # one per synthetic data set
            "n_real": result.n_real + (0 if holdout is None else holdout.n_rows),
            "n_synthetic": result.synthetic.n_rows, "holdout_rows": 0 if holdout is None else holdout.n_rows,
            "created": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "notes": list(result.notes),  # the engine's notes, grouped in the PDF (py_engine/notes.py)
            # issue 10: the structure document the synthesis used, for the report's Structure step
            **({"structure": result.structure} if isinstance(getattr(result, "structure", None), dict) else {}),
            # issue 13: the settings search, for the report's utility-risk front
            **({"optimisation": result.optimisation} if getattr(result, "optimisation", None) else {})}


def summary_lines(report: dict, lang: str = "en") -> list[str]:
    """The report's verdicts as plain text, one line per aspect, with the figure behind each."""
    from .i18n import translate
    from .report.text import Words

    words = Words(lang)
    out = []
    for v in report.get("summary") or []:
        text = words.t(v["code"], **(v.get("params") or {}))
        if v.get("level") == "unknown" and v.get("reason"):
            text += " " + translate(f"metrics.reason.{v['reason']}", lang, detail="")
        head = translate(f"report.aspect.{v['aspect']}", lang)
        level = translate(f"report.level.{v['level']}", lang)
        out.append(f"- {head}: {level}. {text}")
    for item in report.get("not_computed") or []:
        out.append("  " + translate("report.not_computed_here", lang,
                                    reason=f"{translate('metrics.name.' + item['metric'], lang)}: "
                                           f"{translate('metrics.reason.' + str(item.get('reason')), lang, detail='')}"))
    return out


def cmd_report(args, out=sys.stdout) -> int:
    from .dataset import from_raw, to_csv_bytes
    from .evaluation import evaluate
    from .export import json_document
    from .holdout import HOLDOUT_FRACTION, split
    from .reading import read_table
    from .report import pdf_bytes
    from .schema import infer_schema
    from .synthesis import resolve_seed

    t0 = time.perf_counter()
    settings = settings_from_args(args)
    src = Path(args.input)
    data = _read(args.input)
    raw = read_table(data, src.name, encoding=args.encoding, delimiter=args.delimiter, decimal=args.decimal)
    schema = infer_schema(raw, overrides_from_args(args), all_codes_from_args(args))
    print(f"{raw.name}: {raw.n_rows} rows, {raw.frame.shape[1]} columns", file=out)
    hints = suggestion_lines(schema)
    if hints:
        print("suggestions:", file=out)
        for line in hints:
            print(line, file=out)
    ds = from_raw(raw, schema)
    del raw, data
    seed = resolve_seed(settings.get("seed"))
    settings["seed"] = seed
    fraction = 0.0 if args.all_rows else (HOLDOUT_FRACTION if args.holdout is None else args.holdout)
    train, hold, _ = split(ds, fraction, seed=seed)
    structure_from_args(args, train, settings)
    t1 = time.perf_counter()
    result = run_syn(train, settings, args, out)
    t_syn = time.perf_counter() - t1
    if result.method != "marginal":
        for line in structure_lines(result):
            print(line, file=out)
    print(f"method {result.method}, seed {seed}: fitted on {train.n_rows} rows"
          + (f", {hold.n_rows} held out" if hold is not None else " (all rows; no holdout)")
          + f" -> {result.synthetic.n_rows} synthetic rows ({t_syn:.1f} s)", file=out)
    options = {"target": args.target, "sensitive": args.sensitive,
               "quasi_identifiers": _columns_arg(args.quasi_identifiers)}
    options = {k: v for k, v in options.items() if v}
    t1 = time.perf_counter()
    report = evaluate(train, result.synthetic, hold, options, context=report_context(src.name, result, hold),
                      copies=result.copies or None)
    t_eval = time.perf_counter() - t1
    from . import codebook

    report["codebook"] = codebook.build(result)  # issue 14: the PDF's codebook section and codebook.csv
    used = report["options"].get("suggested", {}).get("used") or []
    if used:  # issue 14: the roles the engine suggested, with why
        from .i18n import translate as _tr

        roles = report["options"]["suggested"]["roles"]

        def _why(x):
            return f"{x['column']} ({_tr('roles.reason.' + x['reason'], args.lang)})"

        print("roles suggested (give --target, --sensitive, --quasi-identifiers to choose): "
              f"target {_why(roles['target']) if roles.get('target') else '-'}; "
              f"quasi-identifiers {', '.join(_why(q) for q in roles['quasi_identifiers']) or '-'}"
              + (f"; not suggested: {', '.join(_why(x) for x in roles['skipped'])}" if roles.get("skipped") else ""),
              file=out)
    t1 = time.perf_counter()
    pdf = pdf_bytes(report, args.lang)
    t_pdf = time.perf_counter() - t1
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    stem = src.stem + "_synthetic"
    csvs = copy_paths(folder / f"{stem}.csv", len(result.copies))
    paths = [csvs[0], folder / f"{stem}.json", folder / f"{stem}_report.pdf", folder / f"{stem}_codebook.csv",
             *csvs[1:]]
    for p, ds_k in zip(csvs, result.copies or [result.synthetic], strict=True):
        p.write_bytes(to_csv_bytes(ds_k, "standard" if args.standard_csv else "original"))
    paths[1].write_bytes(json_document(result, src.name, report=report))
    paths[2].write_bytes(pdf)
    paths[3].write_bytes(codebook.to_csv_bytes(report["codebook"], args.lang))
    from .i18n import translate

    print(translate("report.section.summary", args.lang) + ":", file=out)
    for line in summary_lines(report, args.lang):
        print(line, file=out)
    print("written: " + ", ".join(str(p) for p in paths), file=out)
    print(f"time: synthesis {t_syn:.1f} s, evaluation {t_eval:.1f} s, PDF {t_pdf:.1f} s, "
          f"total {time.perf_counter() - t0:.1f} s", file=out)
    return 0


def add_report_parser(sub) -> None:
    p = sub.add_parser("report", help="synthesise a CSV file and evaluate it: CSV, JSON and PDF report",
                       description="Synthesise a CSV file (keeping a random holdout out of fitting), evaluate "
                                   "utility and disclosure risk, and write the synthetic CSV, the JSON document "
                                   "with the evaluation and the PDF report into a folder.")
    p.add_argument("input", help="the real CSV file")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write the files to (CSV, JSON, PDF, codebook CSV)")
    p.add_argument("--method", choices=["cart", "gc", "marginal", "dp"], default="cart")
    p.add_argument("--seed", type=int, help="random seed (default: a random one, printed)")
    p.add_argument("--rows", type=int, help="synthetic rows (default: as many as the rows fitted on)")
    _dp_options(p)
    p.add_argument("--m", type=int, help="number of synthetic data sets (default 1); with more, the analysis "
                                         "section combines a fit over all of them (synthpop's compare.fit)")
    p.add_argument("--holdout", type=_fraction, help="share of rows kept out of fitting for the disclosure measures "
                                                 "(default 0.2, at most 10,000 rows)")
    p.add_argument("--all-rows", action="store_true",
                   help="fit on all rows (no holdout): the report then says which measures could not be computed")
    p.add_argument("--target", metavar="COL", help="the column for analysis utility (default: the last)")
    p.add_argument("--quasi-identifiers", metavar="A,B", help="columns an attacker may know (repU, DiSCO)")
    p.add_argument("--sensitive", metavar="COL", help="the secret column for DiSCO and the inference attack "
                                                      "(default: the target)")
    p.add_argument("--lang", choices=["en", "nl"], default="en", help="the report's language")
    add_optimise_options(p)
    p.add_argument("--visit-sequence", help="CART: comma-separated column order")
    p.add_argument("--minbucket", type=int, help="CART: smallest leaf")
    p.add_argument("--cp", type=float, help="CART: complexity parameter")
    p.add_argument("--smoothing", choices=["none", "density"], help="CART: smoothing of numeric draws")
    p.add_argument("--proper", action="store_true", help="CART: bootstrap the real rows before each fit")
    p.add_argument("--max-predictor-levels", type=int,
                   help="CART: categoricals with more levels are not predictors (default: no limit)")
    p.add_argument("--missing", choices=["synthesise", "drop", "impute"], default="synthesise")
    p.add_argument("--missing-codes", action="append", metavar="[COL=]CODE[,CODE]",
                   help="declare missing-value codes of a column (COL=CODE), or of every numeric column "
                        "(CODE) (repeatable)")
    p.add_argument("--exclude", action="append", metavar="COL", help="leave a column out (repeatable)")
    p.add_argument("--include", action="append", metavar="COL", help="include a column excluded by default")
    p.add_argument("--type", action="append", metavar="COL=TYPE", help="override a column's type (repeatable)")
    p.add_argument("--encoding", help="the input's encoding (default: detected)")
    p.add_argument("--delimiter", help="the input's delimiter (default: detected)")
    p.add_argument("--decimal", help="the input's decimal sign (default: detected)")
    p.add_argument("--standard-csv", action="store_true", help="write UTF-8, comma, decimal point")
    _add_structure_args(p)
    p.set_defaults(func=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m py_engine",
                                     description="LocalSynth: synthetic tabular data on your own computer.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_synth_parser(sub)
    add_report_parser(sub)
    return parser


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "synth" and not args.input and not args.model_in:
        parser.error("synth: give the input CSV file (or --model-in MODEL.json)")
    try:
        return args.func(args, out=out)
    except EngineError as exc:
        print(f"error: {exc.message(getattr(args, 'lang', 'en'))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
