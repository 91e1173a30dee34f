"""The summary at the top of the report: one plain-language verdict per aspect, each with the figure
behind it. Never one magic score: the verdicts are not combined.

Each verdict: {"aspect", "level", "code", "figure": {"metric", "value", ...}, "params"}; the page and
the PDF show the text under "verdict.<aspect>.<level>" with `params`. Levels for risks: "low",
"moderate", "high"; for utility: "good", "fair", "poor"; "unknown" when the measure could not be
computed (then "reason" says why). The thresholds are ours, stated in REPORT.md and here:
"""

from __future__ import annotations

# utility (Raab, Nowok & Dibben 2021: "aim for utility ratios below 10, or better still below 3")
SPMSE_GOOD, SPMSE_FAIR = 3.0, 10.0
ML_RATIO_GOOD, ML_RATIO_FAIR = 0.95, 0.80
# exact copies: percentage points above the natural rate (holdout rows equal to a train row)
COPIES_LOW, COPIES_HIGH = 1.0, 5.0
# repU (percent of real records that are unique and replicated as unique)
REPU_LOW, REPU_HIGH = 1.0, 5.0
# DiSCO on train records minus DiSCO on holdout records (percentage points)
DISCO_LOW, DISCO_HIGH = 1.0, 5.0
# inference attack: risk above control (anonymeter); low when the interval reaches below this
INFERENCE_LOW, INFERENCE_HIGH = 0.05, 0.20
# membership inference ROC-AUC
AUC_LOW, AUC_HIGH = 0.55, 0.65
# structure (evaluation/structure.py): poor when a dependency holding in every real row fails in more
# than 1% of the synthetic rows; then no utility verdict says "good" (capped at "fair", "capped_by")
# the fit over the m synthetic sets (compare.fit): mean |standardised difference| of the coefficients,
# in real standard errors (ours: within 1 se good, within 2 fair; synthpop gives no thresholds)
FIT_GOOD, FIT_FAIR = 1.0, 2.0
# CAP family with a holdout: (CAPs - hCAPs) / (CAPo - hCAPs), the share of the record-specific attribution
# signal the synthetic data carry (ours)
CAP_LOW, CAP_HIGH = 0.10, 0.30
# isolated records copied closely: share of isolated real records with a synthetic near-twin minus the
# same share among holdout records (percentage points; ours)
ISOLATED_LOW, ISOLATED_HIGH = 5.0, 20.0
# category combinations (issue 14 s1): the share of synthetic rows holding a pair of categories never seen
# together in the real data, in percentage points above the same share among holdout rows (the natural
# rate); above COMBOS_FAIR the utility verdict is at most "fair", above COMBOS_POOR "poor" (ours). Without
# a holdout there is no natural rate, so nothing is lowered.
COMBOS_FAIR, COMBOS_POOR = 10.0, 30.0



def _excess_level(share: float, natural: float | None, low: float, high: float) -> tuple[float, float, str]:
    """Shares in percent, and the risk level of the share above its natural level (holdout baseline)."""
    share, natural = 100 * share, 100 * natural if natural is not None else 0.0
    excess = share - natural
    return share, natural, "low" if excess <= low else "moderate" if excess <= high else "high"

def _verdict(aspect: str, level: str, figure: dict | None, reason: str | None = None, **params) -> dict:
    out = {"aspect": aspect, "level": level, "code": f"verdict.{aspect}.{level}", "figure": figure,
           "params": params}
    if reason:
        out["reason"] = reason
    return out


def _unknown(aspect: str, section: dict | None, default: str = "not_computed") -> dict:
    section = section or {}
    status = section.get("status")
    reason = section.get("reason") or (status if status not in (None, "ok") else None) or default
    return _verdict(aspect, "unknown", None, reason=reason)


def _ok(section: dict | None) -> bool:
    return bool(section) and section.get("status") == "ok"


def summarise(report: dict) -> list[dict]:
    out = []
    two = report.get("pairs", {}).get("two_way")
    if _ok(two) and two.get("mean") is not None:
        v = two["mean"]
        level = "good" if v < SPMSE_GOOD else "fair" if v < SPMSE_FAIR else "poor"
        worst = two["worst"][0] if two.get("worst") else None
        out.append(_verdict("utility", level, {"metric": "two_way_s_pmse_mean", "value": v,
                                               "worst_pair": worst}, value=round(v, 2)))
    else:  # computed but no mean: a table of one column has no pairs
        out.append(_unknown("utility", two, default="no_pairs"))
    _lower_by_combinations(out[-1], report.get("combinations", {}).get("categories"))

    ml = report.get("analysis", {}).get("ml")
    if _ok(ml) and ml.get("ratio") is not None:
        r = ml["ratio"]
        level = "good" if r >= ML_RATIO_GOOD else "fair" if r >= ML_RATIO_FAIR else "poor"
        out.append(_verdict("analysis", level, {"metric": "ml_ratio", "value": r, "target": ml["target"],
                                                "real_score": ml["real_score"],
                                                "synthetic_score": ml["synthetic_score"]},
                            value=round(r, 2), target=ml["target"]))
    elif _ok(ml):  # computed, but the model trained on real rows predicts nothing (score <= 0): no ratio
        out.append(_verdict("analysis", "unknown", None, reason="real_model_no_skill"))
    else:
        out.append(_unknown("analysis", ml))

    d = report.get("disclosure", {})
    cp = d.get("copies")
    if _ok(cp) and cp.get("share") is not None:
        share, natural, level = _excess_level(cp["share"], cp.get("natural"), COPIES_LOW, COPIES_HIGH)
        out.append(_verdict("copies", level, {"metric": "exact_copy_share", "value": cp["share"],
                                              "natural": cp.get("natural")},
                            percent=round(share, 2), natural=round(natural, 2)))
    else:
        out.append(_unknown("copies", cp))

    ru = d.get("rep_u")
    if _ok(ru) and ru.get("quasi_identifiers", {}).get("rep_u") is not None:
        v = ru["quasi_identifiers"]["rep_u"]
        level = "low" if v <= REPU_LOW else "moderate" if v <= REPU_HIGH else "high"
        out.append(_verdict("rep_u", level, {"metric": "rep_u", "value": v,
                                             "columns": ru["quasi_identifiers"]["columns"]}, percent=round(v, 2)))
    else:
        out.append(_unknown("rep_u", ru))

    dc = d.get("disco")
    if _ok(dc) and dc.get("train", {}).get("disco") is not None:
        v = dc["train"]["disco"]
        base = dc.get("holdout", {}).get("disco") if dc.get("holdout") else None
        excess = v - (base or 0.0)
        level = "low" if excess <= DISCO_LOW else "moderate" if excess <= DISCO_HIGH else "high"
        out.append(_verdict("disco", level, {"metric": "disco", "value": v, "holdout": base,
                                             "target": dc["train"]["target"]},
                            percent=round(v, 2), holdout=None if base is None else round(base, 2),
                            target=dc["train"]["target"]))
    else:
        out.append(_unknown("disco", dc))

    inf = d.get("inference")
    if _ok(inf) and inf.get("risk") is not None:
        r, lo = inf["risk"], inf["ci_low"]
        level = "low" if (lo is not None and lo <= INFERENCE_LOW) and r <= INFERENCE_HIGH else \
            "moderate" if r <= INFERENCE_HIGH else "high"
        out.append(_verdict("inference", level, {"metric": "inference_risk", "value": r,
                                                 "ci": [inf["ci_low"], inf["ci_high"]],
                                                 "secret": inf["secret"]},
                            risk=round(r, 3), secret=inf["secret"]))
    else:
        out.append(_unknown("inference", inf))

    mem = d.get("membership")
    if _ok(mem) and mem.get("auc") is not None:
        a = mem["auc"]
        level = "low" if a < AUC_LOW or (mem.get("ci_low") is not None and mem["ci_low"] <= 0.5) else \
            "moderate" if a < AUC_HIGH else "high"
        out.append(_verdict("membership", level, {"metric": "membership_auc", "value": a,
                                                  "ci": [mem["ci_low"], mem["ci_high"]]}, auc=round(a, 3)))
    else:
        out.append(_unknown("membership", mem))
    out.extend(_issue14_verdicts(report))

    st = report.get("structure")
    if _ok(st) and st.get("verdict", {}).get("level") not in (None, "unknown"):
        v = st["verdict"]
        worst = v.get("worst") or {}
        percent = round(100 * (worst.get("failure") or 0.0), 2)
        out.append(_verdict("structure", v["level"], {"metric": "structure_failure", "value": worst.get("failure"),
                                                      "worst": worst.get("name"), "checks": v.get("n_checks")},
                            percent=percent, worst=worst.get("name") or "", checks=v.get("n_checks", 0),
                            failing=v.get("n_failing", 0)))
        icc = (v.get("icc_off") or [None])[0]
        if v["level"] == "fair" and not worst.get("failure") and icc:
            # fair only because an intraclass correlation is off: say which, not "fails in 0% of the rows"
            out[-1]["code"] = "verdict.structure.fair_icc"
            out[-1]["params"].update(column=icc["column"], group=icc["key"], real=round(float(icc["real"]), 3),
                                     synthetic=round(float(icc["synthetic"]), 3))
        if v["level"] == "poor":
            for item in out:
                if item["aspect"] in ("utility", "analysis", "fit") and item["level"] == "good":
                    item["level"], item["code"] = "fair", f"verdict.{item['aspect']}.fair"
                    item["capped_by"] = "structure"
    elif _ok(st):
        out.append(_verdict("structure", "unknown", None, reason=st.get("verdict", {}).get("reason") or "no_structure"))
    else:
        out.append(_unknown("structure", st))
    return out


def _lower_by_combinations(verdict: dict, comb: dict | None) -> None:
    """Lower a utility verdict when far more synthetic rows than holdout rows hold a pair of categories
    never seen together in the real data (COMBOS_FAIR, COMBOS_POOR); name the column pairs involved."""
    if verdict["level"] not in ("good", "fair") or not _ok(comb):
        return
    share, natural = comb.get("unseen_pair_share"), comb.get("unseen_pair_share_holdout")
    if share is None or natural is None:
        return
    share, natural, _ = _excess_level(share, natural, 0.0, 0.0)
    excess = share - natural
    level = "poor" if excess > COMBOS_POOR else "fair" if excess > COMBOS_FAIR else None
    if level is None or (level == "fair" and verdict["level"] == "fair"):
        return
    pairs = list(dict.fromkeys(f"{u['a']} × {u['b']}" for u in comb.get("unseen_pairs") or []))
    verdict["level"], verdict["code"] = level, f"verdict.utility.{level}"
    verdict["lowered_by"] = {"reason": "combinations", "percent": round(share, 1),
                             "natural": round(natural, 1), "pairs": ", ".join(pairs)}


def _issue14_verdicts(report: dict) -> list[dict]:
    """The verdicts issue 14 adds: the combined fit over the m synthetic data sets (compare.fit)."""
    out = []
    fit = report.get("analysis", {}).get("fit")
    if _ok(fit) and not fit.get("degenerate") and fit.get("mean_abs_std_diff") is not None:
        v = fit["mean_abs_std_diff"]
        level = "good" if v <= FIT_GOOD else "fair" if v <= FIT_FAIR else "poor"
        out.append(_verdict("fit", level, {"metric": "mean_abs_std_diff", "value": v, "m": fit["m"],
                                           "target": fit["target"], "mean_overlap": fit.get("mean_overlap")},
                            value=round(v, 2), m=fit["m"], target=fit["target"]))
    elif _ok(fit):
        out.append(_verdict("fit", "unknown", None, reason="degenerate_fit"))
    else:
        out.append(_unknown("fit", fit))
    d = report.get("disclosure", {})
    cap = d.get("cap")
    if _ok(cap) and cap.get("basis") == "holdout" and cap.get("normalised") is not None:
        v = cap["normalised"]
        level = "low" if v <= CAP_LOW else "moderate" if v <= CAP_HIGH else "high"
        out.append(_verdict("cap", level, {"metric": "cap_normalised", "value": v, "cap_s": cap["cap_s"],
                                           "h_cap_s": cap["h_cap_s"], "cap_o": cap["cap_o"], "target": cap["target"]},
                            value=round(v, 3), target=cap["target"]))
    elif _ok(cap):  # without a holdout the normalised CAP also counts what generalises: no risk verdict
        out.append(_verdict("cap", "unknown", None, reason="no_holdout" if cap.get("basis") != "holdout"
                            else "cap_no_signal"))
    else:
        out.append(_unknown("cap", cap))
    iso = d.get("isolated")
    if _ok(iso) and iso.get("share_copied") is not None:
        share, natural, level = _excess_level(iso["share_copied"], iso.get("natural"), ISOLATED_LOW, ISOLATED_HIGH)
        out.append(_verdict("isolated", level, {"metric": "isolated_copied_share", "value": iso["share_copied"],
                                                "natural": iso.get("natural"), "n_copied": iso["n_copied"],
                                                "n_outliers": iso["n_outliers"]},
                            copied=iso["n_copied"], outliers=iso["n_outliers"], percent=round(share, 1),
                            natural=round(natural, 1)))
    else:
        out.append(_unknown("isolated", iso))
    return out
