"""`evaluate_steps`: every metric, one progress Step each, into one JSON-able report (REPORT.md).

Options (all optional; the resolved values are in report["options"]):
- target: the column for analysis utility (default: the last column).
- sensitive: the secret column for DiSCO and the inference attack (default: the target).
- quasi_identifiers: the columns an attacker knows (default: up to 4 of the first columns other than
  the sensitive one, skipping near-unique columns -- more than half of the rows distinct -- which
  would make every record unique).
- known: the columns the inference attacker knows (default: the quasi-identifiers the user chose,
  else every column but the sensitive one -- the strongest attacker, as anonymeter's examples).
- seed: for the samples and models (default: context["seed"], else 0).
- max_rows: rows per side for membership and inference attacks (default 2000).
- cart_permutations: permutations for the CART null (default utility.CART_PERMUTATIONS).
- interactions: fit the two-way logistic model (default True).
- skip: names of metrics not to compute (e.g. ["cart"]); they are listed as not computed.
- structure: the structure document (py_engine/structure.py) whose keeping the "structure" step
  measures (evaluation/structure.py); default: context["structure"] (the document the synthesis
  used), else find_structure(train) when the engine has it. {"off": true}: nothing to check.
"""

from __future__ import annotations

import logging
import time
import traceback

import numpy as np
from threadpoolctl import threadpool_limits

from ..dataset import Dataset
from ..errors import EngineError
from ..progress import Step, Work, drive
from . import (
    analysis,
    attribution,
    columns,
    combinations,
    disclosure,
    inference,
    isolated,
    pairs,
    roles,
    utility,
)
from . import structure as structure_eval
from .encoding import clean, common_columns, is_number, missing_mask
from .summary import summarise

log = logging.getLogger("py_engine.evaluation")
REPORT_VERSION = 1
DEFAULT_QI = 4

METRICS = ["columns", "logit", "logit_interactions", "cart", "two_way", "association", "combinations",
           "ml", "ci_overlap", "copies", "rep_u", "disco", "inference", "membership", "structure"]
METRICS += ["fit", "cap", "isolated"]  # issue 14: compare.fit over m sets; CAP family; isolated records
NEEDS_HOLDOUT = {"ml", "inference", "membership"}


def _check_column(name, cols: list[str], option: str) -> str:
    if name not in cols:
        raise EngineError("evaluate.unknown_column", kind="settings", column=str(name), option=option)
    return name


def resolve_options(train: Dataset, options: dict | None, context: dict | None, structure: dict | None = None) -> dict:
    """The evaluation's options with the defaults filled in. `structure`: the structure document
    (default: structure_document(train, options, context)), whose group key is suggested as a quasi-identifier."""
    options = dict(options or {})
    cols = train.columns
    if not cols:
        raise EngineError("evaluate.no_columns", kind="settings")
    # issue 14: defaults skip identifiers, codes, derived columns; issue 10: the group key is a quasi-identifier
    if structure is None:
        structure = structure_document(train, options, context)
    suggested = roles.suggest_roles(train, structure=structure)
    target = options.get("target") or (suggested["target"] or {}).get("column") or cols[-1]
    _check_column(target, cols, "target")
    sensitive = options.get("sensitive") or target
    _check_column(sensitive, cols, "sensitive")
    qi = options.get("quasi_identifiers")
    user_qi = bool(qi)
    if qi:
        qi = [_check_column(c, cols, "quasi_identifiers") for c in qi if c != sensitive]
    elif [q for q in suggested["quasi_identifiers"] if q["column"] != sensitive]:
        qi = [q["column"] for q in suggested["quasi_identifiers"] if q["column"] != sensitive]
    else:
        qi = []
        for c in cols:
            if c == sensitive:
                continue
            distinct = train.values[c].nunique(dropna=True)
            if train.n_rows and distinct > 0.5 * train.n_rows:
                continue
            qi.append(c)
            if len(qi) == DEFAULT_QI:
                break
    seed = options.get("seed")
    if seed is None:
        seed = (context or {}).get("seed") or 0
    skip = list(options.get("skip") or [])
    unknown = [s for s in skip if s not in METRICS]
    if unknown:
        raise EngineError("evaluate.unknown_metric", kind="settings", metric=unknown[0])
    known = options.get("known")
    if known:
        known = [_check_column(c, cols, "known") for c in known if c != sensitive]
    else:
        known = list(qi) if user_qi else [c for c in cols if c != sensitive]
    return {"target": target, "sensitive": sensitive, "quasi_identifiers": qi, "known": known,
            "seed": int(seed),
            "max_rows": int(options.get("max_rows") or 2000),
            "cart_permutations": int(options.get("cart_permutations", utility.CART_PERMUTATIONS)),
            "interactions": bool(options.get("interactions", True)), "skip": skip,
            "suggested": {"roles": suggested, "used": [r for r, k in (("target", "target"), ("sensitive", "sensitive"),
                                                                      ("quasi_identifiers", "quasi_identifiers"))
                                                       if not options.get(k)]}}


def structure_document(train: Dataset, options: dict | None, context: dict | None) -> dict | None:
    """The structure document to check: options["structure"], else context["structure"], else
    find_structure(train) (imported lazily: py_engine.structure may be absent). None: not available."""
    doc = (options or {}).get("structure")
    if doc is None:
        doc = (context or {}).get("structure")
    if doc is None:
        try:
            from ..structure import find_structure
        except ImportError:
            return None
        doc = find_structure(train)
    return doc


CLUSTER_REPS = 8  # resamples of the real groups for the two-way S_pMSE's clustered reference


def group_keys(doc: dict | None, cols: list[str], target: str | None = None) -> list[str]:
    """The enabled group keys among cols (but the target): left out of the analysis' predictors. The
    structured synthesis draws new groups and keeps the real labels only for their distribution
    (py_engine/methods/grouped.py), so a synthetic school "8628" is not the real school 8628: a model
    with a coefficient per school label (fixed effects) compares coefficients of different schools,
    and its school attributes are aliased with the labels. The groups' attributes stand for them."""
    if not isinstance(doc, dict) or doc.get("off"):
        return []
    return [g["key"] for g in doc.get("groups") or [] if g.get("enabled", True) and g.get("key") in cols
            and g.get("key") != target and int(g.get("n_groups") or 0) >= 2]


def _with_interpretation(res: dict) -> dict:
    res["interpretation"] = utility.interpretation(res.get("s_pmse"))
    return res


def evaluate_steps(train: Dataset, synthetic: Dataset, holdout: Dataset | None, options: dict | None = None,
                   context: dict | None = None, copies: list[Dataset] | None = None) -> Work[dict]:
    """Compute every metric; yields a Step before each, returns the report dict (JSON-able).
    `copies`: all m synthetic data sets (synthetic is the first) for the combined fit ("fit")."""
    shared: dict = {}
    try:
        shared["doc"] = structure_document(train, options, context)
    except Exception:  # the Structure step finds it again and reports the error there
        pass
    opts = resolve_options(train, options, context, shared.get("doc") or {})
    cols = common_columns(train, synthetic, holdout)
    missing_cols = [c for c in train.columns if c not in cols]
    if missing_cols:
        raise EngineError("evaluate.columns_differ", kind="settings", column=missing_cols[0])
    seed, target, sensitive, qi = opts["seed"], opts["target"], opts["sensitive"], opts["quasi_identifiers"]
    report: dict = {
        "version": REPORT_VERSION,
        "context": dict(context or {}),
        "options": opts,
        "data": {"n_train": train.n_rows, "n_synthetic": synthetic.n_rows,
                 "n_holdout": 0 if holdout is None else holdout.n_rows, "holdout": holdout is not None,
                 "columns": [{"name": c, "type": train.schema[c].type,
                              "kind": "number" if is_number(train, c) else "category",
                              "missing_share": float(missing_mask(train, c).mean()) if train.n_rows else None}
                             for c in cols]},
        "utility": {}, "pairs": {}, "combinations": {}, "analysis": {}, "disclosure": {},
        "not_computed": [], "timings": {},
    }
    report["structure"] = {}

    def run_columns():
        items = [columns.column_report(train, synthetic, c) for c in cols]
        for it, one in zip(items, utility.one_way_spmse(train, synthetic, cols), strict=True):
            it["s_pmse"], it["pmse"] = one["s_pmse"], one["pmse"]  # issue 14: synthpop's compare one-way
        scores = [i["score"] for i in items if i["score"] is not None]
        return {"items": items, "mean_score": float(np.mean(scores)) if scores else None}

    def structure_doc():
        if "doc" not in shared:
            shared["doc"] = structure_document(train, options, context)
        return shared["doc"]

    def run_two_way():
        res = utility.two_way_spmse(train, synthetic, columns=cols)
        res["matrix"] = pairs.spmse_matrix(cols, res["pairs"])
        res["columns"] = cols
        res["interpretation"] = utility.interpretation(res["mean"])
        key = roles.finest_group_key(structure_doc(), cols)
        if key is not None and res["mean"] is not None:
            # rows in groups: what a resample of the real groups scores (REPORT.md, "Two-way S_pMSE on
            # grouped tables"); a figure to read the mean against, not a correction of it
            ref = utility.two_way_cluster_reference(train, key, reps=CLUSTER_REPS, seed=seed, columns=cols,
                                                    rows=False)
            res["cluster_reference"] = {k: ref[k] for k in ("key", "groups", "reps", "mean", "sd")}
        return res

    # the group keys of a synthesis that kept the structure (drew new groups): not the analysis' predictors
    keys_out = group_keys((context or {}).get("structure"), cols, target)

    def left_out(res: dict) -> dict:
        if keys_out and isinstance(res, dict) and res.get("status", "ok") == "ok":
            res["left_out"] = [{"column": k, "reason": "group_key"} for k in keys_out]
        return res

    def run_ml():
        if len([c for c in cols if c not in keys_out]) < 2:
            return {"status": "not_computed", "reason": "no_features"}
        return left_out(analysis.ml_utility(train, synthetic, holdout, target, seed=seed, exclude=keys_out))

    def run_ci():
        if len([c for c in cols if c not in keys_out]) < 2:
            return {"status": "not_computed", "reason": "no_features"}
        return left_out(analysis.ci_overlap(train, synthetic, target, seed=seed, exclude=keys_out))

    def run_copies():
        return disclosure.exact_copies(train, synthetic, holdout)

    def run_rep_u():
        return {"all_columns": disclosure.replicated_uniques(train, synthetic, cols),
                "quasi_identifiers": disclosure.replicated_uniques(train, synthetic, qi)}

    def run_disco():
        if not qi:
            return {"status": "not_computed", "reason": "no_quasi_identifiers"}
        out = {"train": disclosure.disco(train, synthetic, qi, sensitive), "holdout": None}
        if holdout is not None:
            out["holdout"] = disclosure.disco(holdout, synthetic, qi, sensitive)
        return out

    def run_inference():
        if not opts["known"]:
            return {"status": "not_computed", "reason": "no_known_columns"}
        return disclosure.inference_attack(train, holdout, synthetic, opts["known"], sensitive,
                                           max_rows=opts["max_rows"], seed=seed)

    def run_membership():
        res = disclosure.membership_auc(train, holdout, synthetic, max_rows=opts["max_rows"], seed=seed,
                                        columns=cols, return_distances=True)
        shared["dcr"] = disclosure.dcr(res.pop("member_distances"), res.pop("nonmember_distances"))
        return res

    def run_structure():
        doc = structure_doc()
        if doc is None:
            return {"status": "not_computed", "reason": "no_structure_engine"}
        return structure_eval.structure_report(train, synthetic, doc)

    def run_fit():
        preds = [c for c in cols if c != target and c not in keys_out]
        if not preds:
            return {"status": "not_computed", "reason": "no_features"}
        proper = bool(((context or {}).get("settings") or {}).get("proper"))
        return left_out(inference.compare_fit(train, list(copies or [synthetic]), target, preds, seed=seed,
                                              proper=proper))

    plan = [
        ("columns", ("utility", "columns"), run_columns),
        ("logit", ("utility", "logit"),
         lambda: _with_interpretation(utility.spmse_logit(train, synthetic, interactions=False, columns=cols))),
        ("logit_interactions", ("utility", "logit_interactions"),
         lambda: _with_interpretation(utility.spmse_logit(train, synthetic, interactions=opts["interactions"],
                                                          columns=cols))),
        ("cart", ("utility", "cart"),
         lambda: _with_interpretation(utility.spmse_cart(train, synthetic, permutations=opts["cart_permutations"],
                                                         seed=seed, columns=cols))),
        ("two_way", ("pairs", "two_way"), run_two_way),
        ("association", ("pairs", "association"), lambda: pairs.association_matrices(train, synthetic, cols)),
        ("combinations", ("combinations", "categories"),
         lambda: left_out(combinations.combinations(train, synthetic, holdout,
                                                    [c for c in cols if c not in keys_out]))),
        ("ml", ("analysis", "ml"), run_ml),
        ("ci_overlap", ("analysis", "ci_overlap"), run_ci),
        ("copies", ("disclosure", "copies"), run_copies),
        ("rep_u", ("disclosure", "rep_u"), run_rep_u),
        ("disco", ("disclosure", "disco"), run_disco),
        ("inference", ("disclosure", "inference"), run_inference),
        ("membership", ("disclosure", "membership"), run_membership),
        ("structure", ("structure", "result"), run_structure),
    ]
    def run_cap():
        if not qi:
            return {"status": "not_computed", "reason": "no_quasi_identifiers"}
        return attribution.cap_family(train, synthetic, holdout, qi, sensitive)

    plan += [("fit", ("analysis", "fit"), run_fit),
             ("cap", ("disclosure", "cap"), run_cap),
             ("isolated", ("disclosure", "isolated"),
              lambda: isolated.isolated_records(train, synthetic, holdout, cols, max_rows=min(opts["max_rows"], 1000),
                                                seed=seed))]
    total = len(plan)
    for i, (name, (section, key), fn) in enumerate(plan, start=1):
        yield Step("evaluate", i, total, f"metrics.progress.{name}")
        t0 = time.perf_counter()
        if name in opts["skip"]:
            res = {"status": "not_computed", "reason": "skipped"}
        elif name in NEEDS_HOLDOUT and holdout is None:
            res = {"status": "not_computed", "reason": "no_holdout"}
        else:
            try:
                # one thread, as in the browser: BLAS/OpenMP threads spin badly on a busy machine
                with threadpool_limits(limits=1):
                    res = fn()
                res.setdefault("status", "ok")
            except EngineError:
                raise
            except MemoryError:
                res = {"status": "error", "reason": "out_of_memory"}
            except Exception as exc:  # one metric failing must not lose the others
                log.error("metric %s failed\n%s", name, traceback.format_exc())
                res = {"status": "error", "reason": "internal", "detail": f"{type(exc).__name__}: {exc}"[:300]}
        if section == "structure":
            report["structure"] = res
        else:
            report[section][key] = res
        if res["status"] != "ok":
            report["not_computed"].append({"metric": name, "reason": res.get("reason")})
        report["timings"][name] = time.perf_counter() - t0
    if "dcr" in shared:
        report["disclosure"]["dcr"] = {"status": "ok", **shared["dcr"]}
    else:
        reason = "no_holdout" if holdout is None else "membership_not_computed"
        report["disclosure"]["dcr"] = {"status": "not_computed", "reason": reason}
        report["not_computed"].append({"metric": "dcr", "reason": reason})
    report["summary"] = summarise(report)
    report["timings"]["total"] = float(sum(report["timings"].values()))
    return clean(report)


def evaluate(train: Dataset, synthetic: Dataset, holdout: Dataset | None, options: dict | None = None,
             context: dict | None = None, progress=None, copies: list[Dataset] | None = None) -> dict:
    """evaluate_steps, run to its end (CLI, tests, benchmarks)."""
    return drive(evaluate_steps(train, synthetic, holdout, options, context, copies=copies), progress)
