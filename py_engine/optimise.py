"""Settings tuned per table (issue 13): a search over synthesis settings on an internal split of the
fitting rows, scored on utility and disclosure risk, with the utility-risk front and a choice rule.

    from py_engine.optimise import syn_optimised
    result = syn_optimised(train, {"seed": 1}, {"criterion": "utility"})
    result.optimisation        # candidates, their scores, the front, the choice (JSON-able)

How it works
- The rows given (the caller has already taken the evaluation holdout out: this module never sees it)
  are split into an internal train part T and an internal validation part V (`internal_split`).
- Candidates (`candidate_grid`): CART with minbucket as a factor of `auto_minbucket` (so a choice made
  on a subsample scales to the full table), smoothing and the visit sequence (table order, fewest
  levels first, most associated first), proper synthesis, and the Gaussian copula and independent
  marginals. The CART and copula candidates keep the table's structure as every synthesis does
  (groups, derived columns: found on the candidate's rows, or the user's structure document), so none
  can look better by breaking it; the structure is not a setting searched.
- Successive halving (Jamieson & Talwalkar 2016; Li et al. 2018, "Hyperband"): every candidate is
  fitted on a small row sample of T and scored; the best third go on to a sample three times larger,
  and so on; the last round re-synthesises each survivor with several seeds and uses the mean over
  seeds (single runs are noisy). The defaults always reach the last round, so they can be compared.
- Scores of a candidate fitted on rows S of T (synthetic rows as many as S):
  utility in-sample, against S, as S_pMSE is defined and as the final figures are measured: mean
  two-way S_pMSE (synthpop's utility.tables; Snoke et al. 2018, JRSS A 181; Raab et al. 2021) or
  the logistic S_pMSE with two-way interactions (S_pMSE = pMSE / E0, E0 = (k-1)(1-c)^2 c / N);
  risk against the held-out validation rows V (so a candidate that copies S is caught there): exact
  copies of rows of S minus the natural rate (rows of V that equal a row of S) and the membership
  AUC of a distance-to-closest-record attack (members: S, non-members: V).
- The full-size round (`full_round`): when the row samples are smaller than T (tables of more than
  MAX_ROUND_ROWS internal train rows), the row-sample choice is checked against the defaults on the
  whole of T, and then minbucket x 0.5 and x 0.25 (FULL_FACTORS) in a fixed sequence, each with the
  same seeds and the rule `beats`: leaf size matters only at full size (on row samples in-sample
  S_pMSE cannot tell leaf sizes apart; Adult: benchmarks/results/optimise.md).
- The leaf repair (`leaf_repair`): when the last round covered the whole internal train part and the
  rule left the defaults only because they broke the risk limits, the defaults with minbucket x
  1.25, 1.5, 2, 3 (REPAIR_FACTORS, below the chosen candidate's factor) are tried in turn up to the
  first within the limits, the least departure from the defaults that meets them; it is chosen unless
  the far candidate beats it (`beats`). The grid's leaf sizes (x 1, 2, 4) jump past the limit.
- Choice rule (`choose`): "utility" -- the most useful candidate whose copies are at most natural +
  `max_copies_excess` and whose membership AUC is at most `max_auc`; "risk" -- the candidate of least
  membership AUC among those with utility at most `utility_target` (and copies within the limit). If
  none meets the limits, the one that comes closest (least excess over the limits) is chosen, and the
  record says so. The defaults are the null hypothesis (`honest_choice`): another candidate replaces
  them only if it beats them by more than SIGNIFICANCE standard errors of the per-seed difference in
  the last round (and is no worse in-sample on two-way S_pMSE) (the same seeds for every candidate,
  so the comparison is paired), or if the defaults break limits it meets; so the choice is never worse than the defaults by the internal
  measure, and the minimum of several noisy means (biased low) does not decide alone. The figures a
  user is shown for the final synthesis come from a run with the user's seed, which the search never
  used (its runs take seeds derived from it), on all the fitting rows.
- The budget is counted in work units by a cost model (`cost`: rows x columns, weighted per method,
  plus the scoring; MST also per column), never in seconds, so the same table, seed and budget give
  the same choice on CPython and in the browser. The row-sample plan is fitted into the budget less
  the reserves of the full-size round and of the DP points (`fitted_plan`). A stop request ends the
  search between candidates; the best so far is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from .dataset import Dataset
from .errors import EngineError
from .progress import Step, Work
from .synthesis import SynthResult, SynthSettings, auto_minbucket, synthesise_steps

CRITERIA = ("utility", "risk")
UTILITY_MEASURES = ("two_way", "logit")
VISITS = ("table", "fewest_levels", "most_associated")
MIN_ROWS = 200  # fewer fitting rows cannot be split into a useful internal train and validation part
VALIDATION_SHARE = 0.25
VALIDATION_MAX = 2000
FIRST_ROWS = 500  # rows of the first successive-halving round
ETA = 3  # successive halving: keep the best 1/ETA, rows x ETA
MAX_ROUND_ROWS = 6000
AUC_ROWS = 1000
DEFAULT_BUDGET = 17_300_000  # work units (see `cost`): Adult's full-size round (8.0M units reserved), its DP
# points (7.3M reserved, `Search.dp_reserve`) and its row-sample rounds (1.6M planned, about 1.4M spent: the
# same plan as the 10M budget gave before the DP points were reserved); wage, credit and cps1988 run their
# whole schedules and their DP points in it
METHOD_WEIGHT = {"cart": 1.0, "gc": 0.4, "marginal": 0.1}
DP_EPSILONS = (1.0, 10.0)  # the DP points of the front (`dp_points`, record key `dp`): MST at these epsilons
# MST's work for one DP point (fit, sampling and its scoring), measured against a CART run of the same
# rows on the same table (CPU seconds, median of 3; `nice .venv/bin/python benchmarks/optimise_weights.py`,
# benchmarks/results/optimise_weights.json): in CART units per point Adult 3.14M (37,074 rows x 15
# columns; 5.6 per cell), cps1988 1.36M (20,524 x 7; 9.5), credit 0.90M (2,672 x 14; 24), wage 0.29M
# (1,800 x 9; 18). No weight per cell fits both large and small tables: most of MST's time is its
# estimation, whose iterations (up to 4,000) do not grow with the rows. So a DP point is priced
# rows x columns x (DP_WEIGHT + SCORE_WEIGHT) + columns x DP_COLUMN_UNITS, the least-squares fit of
# the relative error over the four tables (priced / measured: Adult 1.16, wage 1.18, credit 0.68,
# cps1988 0.76).
DP_WEIGHT = 5.2  # MST's fit and sampling per cell
DP_COLUMN_UNITS = 28_000  # MST's estimation per column and DP point, whatever the rows
SCORE_WEIGHT = 0.6  # scoring (two-way tables, copies, membership distances) per cell
LOGIT_WEIGHT = 0.08  # the logit propensity model per cell and column


@dataclass
class OptimiseOptions:
    """What the search optimises and within which limits (all JSON-able)."""

    criterion: str = "utility"  # "utility": most useful within the risk limits; "risk": least risk at a target
    utility: str = "two_way"  # the utility measure: "two_way" (mean 2-way S_pMSE) or "logit" (S_pMSE)
    budget: int | None = None  # work units; None: DEFAULT_BUDGET
    max_copies_excess: float = 0.01  # exact copies at most the natural rate + 1 point
    max_auc: float = 0.55  # membership AUC at most
    utility_target: float = 3.0  # "risk": the utility must be at most this (Raab et al.: S_pMSE <= 3)
    seeds: int = 3  # seeds per candidate in the last round
    methods: list[str] = field(default_factory=lambda: ["cart", "gc", "marginal"])

    def __post_init__(self):
        if self.criterion not in CRITERIA:
            raise EngineError("optimise.bad_criterion", kind="settings", value=self.criterion)
        if self.utility not in UTILITY_MEASURES:
            raise EngineError("optimise.bad_utility", kind="settings", value=self.utility)
        if self.budget is not None and (isinstance(self.budget, bool) or not isinstance(self.budget, (int, float))
                                        or self.budget < 1):
            raise EngineError("optimise.bad_budget", kind="settings", value=self.budget)
        for name in ("max_copies_excess", "max_auc", "utility_target"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise EngineError("optimise.bad_limit", kind="settings", name=name, value=v)
        if isinstance(self.seeds, bool) or int(self.seeds) != self.seeds or not 1 <= self.seeds <= 10:
            raise EngineError("optimise.bad_seeds", kind="settings", value=self.seeds)
        self.methods = [str(m) for m in self.methods]
        if not self.methods or any(m not in METHOD_WEIGHT for m in self.methods):
            raise EngineError("optimise.bad_methods", kind="settings", value=",".join(self.methods))

    @classmethod
    def from_dict(cls, d: dict | None) -> OptimiseOptions:
        d = {k: v for k, v in dict(d or {}).items() if v is not None}
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise EngineError("optimise.unknown_option", kind="settings", name=unknown[0])
        return cls(**d)

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- candidates


def candidate_grid(methods: list[str]) -> list[dict]:
    """The candidates, defaults first. CART: minbucket factor x smoothing x visit sequence, and proper
    synthesis (synthpop's proper = TRUE: each tree fitted on a bootstrap sample) at each minbucket
    factor with the default smoothing and visit sequence (cp stays at synthpop's 1e-8: on wage and
    Adult cp 1e-4 moved no score beyond the seed-to-seed spread, and halving the grid lets the budget
    reach larger row samples)."""
    out: list[dict] = []
    if "cart" in methods:
        out.append({"id": "default", "method": "cart", "minbucket_factor": 1.0, "cp": 1e-8,
                    "smoothing": "density", "visit": "table", "proper": False})
        for f in (0.5, 1.0, 2.0, 4.0):
            for sm in ("density", "none"):
                for v in VISITS:
                    c = {"method": "cart", "minbucket_factor": f, "cp": 1e-8, "smoothing": sm, "visit": v,
                         "proper": False}
                    if c == {k: out[0][k] for k in c}:
                        continue
                    out.append({"id": f"cart-{len(out)}", **c})
        for f in (0.5, 1.0, 2.0, 4.0):
            out.append({"id": f"cart-{len(out)}", "method": "cart", "minbucket_factor": f, "cp": 1e-8,
                        "smoothing": "density", "visit": "table", "proper": True})
    if "gc" in methods:
        out.append({"id": "gc", "method": "gc"})
    if "marginal" in methods:
        out.append({"id": "marginal", "method": "marginal"})
    return out


def visit_orders(data: Dataset) -> dict[str, list[str] | None]:
    """The visit sequences tried: table order; fewest levels first (categoricals by number of levels,
    then numbers, synthpop's advice); most associated first (mean Cramer's V with the other columns,
    numbers in 5 quantile bins), so the columns that carry the table's structure are fitted early."""
    from .evaluation.encoding import factor
    from .evaluation.pairs import cramers_v
    from .methods.common import check_columns

    cols, _ = check_columns(data)
    facs = [factor([data], c, bins=5, max_levels=60) for c in cols]
    is_cat = [not _is_number(data, c) for c in cols]
    lev = [f.n_levels if cat else 10**9 for f, cat in zip(facs, is_cat, strict=True)]
    fewest = [cols[i] for i in sorted(range(len(cols)), key=lambda i: (lev[i], i))]
    assoc = np.zeros(len(cols))
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            v = cramers_v(facs[i].codes[0], facs[j].codes[0], facs[i].n_levels, facs[j].n_levels) or 0.0
            assoc[i] += v
            assoc[j] += v
    assoc = np.round(assoc, 9)  # ties broken by table order, the same on every platform
    most = [cols[i] for i in sorted(range(len(cols)), key=lambda i: (-assoc[i], i))]
    return {"table": None, "fewest_levels": fewest, "most_associated": most}


def _is_number(ds: Dataset, name: str) -> bool:
    from .evaluation.encoding import is_number

    return is_number(ds, name)


def candidate_settings(cand: dict, base: dict, n_rows: int, orders: dict) -> dict:
    """Synthesis settings of a candidate for a table of n_rows rows (minbucket = factor x auto)."""
    s = dict(base)
    s["method"] = cand["method"]
    if cand["method"] == "cart":
        s["minbucket"] = max(1, int(round(cand["minbucket_factor"] * auto_minbucket(n_rows))))
        s["cp"] = cand["cp"]
        s["smoothing"] = cand["smoothing"]
        s["visit_sequence"] = orders[cand["visit"]]
        s["proper"] = bool(base.get("proper")) or bool(cand.get("proper"))  # a user's proper = TRUE stays
    else:
        s["visit_sequence"] = None
        s["minbucket"] = None
    return s


def cost(cand: dict, rows: int, n_cols: int, utility: str) -> float:
    """Work units of fitting, sampling and scoring a candidate on `rows` rows: the budget's currency.
    A cell of CART synthesis is 1 unit; other methods and the scores are weighted by what they cost
    relative to it (measured on CPython, benchmarks/results/optimise.md); MST (the DP points) has a
    part per column besides (DP_COLUMN_UNITS)."""
    weight = DP_WEIGHT if cand["method"] == "dp" else METHOD_WEIGHT[cand["method"]]
    units = rows * n_cols * (weight + SCORE_WEIGHT)
    if cand["method"] == "dp":
        units += n_cols * DP_COLUMN_UNITS
    if utility == "logit":
        units += rows * n_cols * n_cols * LOGIT_WEIGHT
    return float(units)


# ---------------------------------------------------------------- the choice rule


def _excess(score: dict, opts: OptimiseOptions) -> float:
    """How far a candidate is beyond the risk limits (0 when within)."""
    return (max(0.0, score["copies_excess"] - opts.max_copies_excess)
            + max(0.0, score["auc"] - opts.max_auc))


def rank_key(score: dict, opts: OptimiseOptions) -> tuple:
    """Sort key of the choice rule: smaller is better. Figures rounded to 9 significant digits so a
    difference in the last bits of a float (CPython vs Pyodide) cannot change the order."""
    u = _r(score["utility"])
    a = _r(score["auc"])
    ex = _r(_excess(score, opts))
    if opts.criterion == "utility":
        return (0, u, a) if ex == 0 else (1, ex, u)
    over = _r(max(0.0, score["utility"] - opts.utility_target))
    copies_over = _r(max(0.0, score["copies_excess"] - opts.max_copies_excess))
    if over == 0 and copies_over == 0:
        return (0, a, u)
    return (1, over + copies_over, a)


def _r(x: float) -> float:
    if x is None or not math.isfinite(x):
        return math.inf
    return float(f"{x:.9g}")


def choose(scored: list[dict], opts: OptimiseOptions) -> tuple[dict, bool]:
    """(the chosen candidate, whether it meets the limits). `scored`: dicts with "id" and "score"."""
    if not scored:
        raise ValueError("no candidates")
    best = min(scored, key=lambda c: (rank_key(c["score"], opts), c["order"]))
    return best, rank_key(best["score"], opts)[0] == 0


SIGNIFICANCE = 2.0  # a candidate replaces the defaults only if it is better by more than this many SEs


def paired_gain(cand_runs: list[dict] | None, default_runs: list[dict] | None, key: str) -> tuple[float, float] | None:
    """(mean, standard error) of the per-seed difference default - candidate in `key` (positive: the
    candidate is lower, i.e. better), over the seeds both were run with (the same seeds for every
    candidate of a round, so the difference removes the seed-to-seed noise they share). None when
    fewer than two paired runs exist (no error estimate)."""
    if not cand_runs or not default_runs or len(cand_runs) != len(default_runs) or len(cand_runs) < 2:
        return None
    d = []
    for c, q in zip(cand_runs, default_runs, strict=True):
        a, b = c.get(key), q.get(key)
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            return None
        d.append(b - a)
    d = np.asarray(d, dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


def honest_choice(scored: list[dict], opts: OptimiseOptions) -> tuple[dict, bool, str]:
    """The choice rule with the defaults as the null hypothesis: `choose` ranks the candidates; a
    candidate other than the defaults is taken only if it beats the defaults, paired over the seeds of
    the last round, by more than SIGNIFICANCE standard errors on what the rule decided on -- utility
    against the held-out rows ("utility" criterion; and then no worse on average in-sample, against
    the rows fitted on, which is how the final figures are measured) or membership AUC ("risk") --
    or if the defaults break the limits the candidate meets. Two SEs because the best of many
    candidates is compared (a multiple comparison), with few seeds. Otherwise the defaults stay (the smallest of several noisy means is biased low:
    without this test the search picks noise). Returns (candidate, within limits, reason): reason is
    "defaults_best", "significant", "defaults_outside_limits", "not_significant" or "no_defaults"."""
    best, within = choose(scored, opts)
    default = next((c for c in scored if c["id"] == "default"), None)
    if default is None:
        return best, within, "no_defaults"
    if best["id"] == "default":
        return best, within, "defaults_best"
    d_within = rank_key(default["score"], opts)[0] == 0
    if within and not d_within:
        return best, within, "defaults_outside_limits"
    key = "utility" if opts.criterion == "utility" else "auc"
    g = paired_gain(best.get("runs"), default.get("runs"), key)
    guard = paired_gain(best.get("runs"), default.get("runs"), "two_way_fit") if key == "utility" else None
    if g is not None and g[0] > SIGNIFICANCE * g[1] and g[0] > 0 and (guard is None or guard[0] >= 0):
        return best, within, "significant"
    return default, d_within, "not_significant"


FULL_FACTORS = (0.5, 0.25)  # the full-size round: minbucket x these factors of the incumbent's, in turn
REPAIR_FACTORS = (1.25, 1.5, 2.0, 3.0)  # `leaf_repair`: the defaults' minbucket x these, in turn


def beats(challenger: dict, incumbent: dict, opts: OptimiseOptions) -> tuple[bool, str]:
    """The rule of the full-size round: whether `challenger` replaces `incumbent` (both dicts with
    "score" and per-seed "runs", fitted on the whole internal train part with the same seeds).
    (False, "outside_limits") if the challenger breaks the risk limits at full size -- it is never
    taken then; (True, "defaults_outside_limits") if it meets them and the incumbent does not;
    otherwise the 2-SE rule of `honest_choice` on the paired per-seed difference (utility, and no
    worse in-sample two-way S_pMSE; or AUC for "risk"): (True, "significant"), or (False,
    "not_significant") / (False, "defaults_best") when the challenger is better on average by less /
    not better at all."""
    if rank_key(challenger["score"], opts)[0] != 0:
        return False, "outside_limits"
    if rank_key(incumbent["score"], opts)[0] != 0:
        return True, "defaults_outside_limits"
    key = "utility" if opts.criterion == "utility" else "auc"
    g = paired_gain(challenger.get("runs"), incumbent.get("runs"), key)
    if g is None or g[0] <= 0:
        return False, "defaults_best" if g is not None else "not_significant"
    guard = paired_gain(challenger.get("runs"), incumbent.get("runs"), "two_way_fit") if key == "utility" else None
    if g[0] > SIGNIFICANCE * g[1] and (guard is None or guard[0] >= 0):
        return True, "significant"
    return False, "not_significant"


def pareto_front(scored: list[dict]) -> list[str]:
    """Ids of the candidates no other beats on both utility and membership AUC (lower is better on
    both; copies above natural as a third objective), in order of utility."""
    pts = [(c["id"], _r(c["score"]["utility"]), _r(c["score"]["auc"]), _r(max(0.0, c["score"]["copies_excess"])))
           for c in scored]
    front = []
    for cid, u, a, x in pts:
        dominated = any((u2 <= u and a2 <= a and x2 <= x) and (u2 < u or a2 < a or x2 < x)
                        for _, u2, a2, x2 in pts)
        if not dominated:
            front.append((u, a, cid))
    return [cid for _, _, cid in sorted(front)]


# ---------------------------------------------------------------- scoring


def internal_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(internal train rows, internal validation rows) of the fitting rows: positions in the data
    given, which never include the evaluation holdout (the caller has taken it out)."""
    rng = np.random.default_rng([seed, 1313])
    perm = rng.permutation(n).astype(np.intp)
    k = min(int(round(n * VALIDATION_SHARE)), VALIDATION_MAX)
    return np.sort(perm[k:]), np.sort(perm[:k])


def score(fit_rows: Dataset, synthetic: Dataset, validation: Dataset, utility: str, seed: int) -> dict:
    """Utility and risk of one synthetic sample made from `fit_rows` (see the module docstring).
    Utility in-sample, against the rows the candidate was fitted on, as S_pMSE is defined (the
    propensity of the synthetic rows against the data they were made from; Snoke et al. 2018, JRSS A
    181) and as the final figures are measured. Risk against the held-out validation rows V: copies of
    fitted rows above the natural rate (rows of V that equal a fitted row) and the membership AUC
    (members: the fitted rows, non-members: V), so a candidate that copies its rows is caught there.
    `two_way_fit` is the in-sample mean 2-way S_pMSE under its own name (the guard of `honest_choice`
    when the utility measure is the logit S_pMSE)."""
    from .evaluation.disclosure import exact_copies, membership_auc
    from .evaluation.utility import spmse_logit, two_way_spmse

    tw = two_way_spmse(fit_rows, synthetic)["mean"]
    out = {"two_way": tw, "two_way_fit": tw}
    if utility == "logit":
        out["logit"] = spmse_logit(fit_rows, synthetic)["s_pmse"]
    ec = exact_copies(fit_rows, synthetic, validation)
    out["copies"] = ec["share"]
    out["natural"] = ec["natural"]
    out["copies_excess"] = ec["share"] - ec["natural"]
    out["auc"] = membership_auc(fit_rows, validation, synthetic, max_rows=AUC_ROWS, seed=seed)["auc"]
    out["utility"] = out[utility] if out.get(utility) is not None else math.inf
    return {k: (float(v) if v is not None else None) for k, v in out.items()}


def _mean_scores(runs: list[dict]) -> dict:
    out = {}
    for k in runs[0]:
        vals = [r[k] for r in runs if r[k] is not None and math.isfinite(r[k])]
        out[k] = float(np.mean(vals)) if vals else math.inf
    return out


# ---------------------------------------------------------------- the runs (py_engine.parallel jobs)


@dataclass
class _Shared:
    """What every run of a search reads: sent once to each worker process (py_engine.parallel)."""

    data: Dataset
    base: dict
    orders: dict
    validation: Dataset
    utility: str
    seed: int
    _taken: tuple | None = field(default=None, repr=False)  # (rows, data.take(rows)) of the last run

    def take(self, rows: np.ndarray) -> Dataset:
        """The data's rows at positions `rows`; the candidates of a round share their rows, so the
        last ones are kept (one `take` per round, not per candidate)."""
        if self._taken is None or not np.array_equal(self._taken[0], rows):
            self._taken = (rows, self.data.take(rows))
        return self._taken[1]


def _candidate_run(sh: _Shared, job: tuple) -> dict:
    """One run of a candidate, job (cand, rows, key, score_seed): fitted on the data's rows at the
    positions `rows` with its seed drawn from [search seed, *key] (the same key for every candidate:
    paired comparisons), one synthetic set, scored against the internal validation rows."""
    from .progress import drive

    cand, rows, key, score_seed = job
    fit_rows = sh.take(rows)
    s = candidate_settings(cand, sh.base, len(rows), sh.orders)
    s["seed"] = int(np.random.default_rng([sh.seed, *key]).integers(2**31))
    s["n_rows"] = None
    if "m" in s:
        s["m"] = 1  # one synthetic data set per candidate run
    res = drive(synthesise_steps(fit_rows, s))
    return score(fit_rows, res.synthetic, sh.validation, sh.utility, score_seed)


def _dp_point(sh: _Shared, job: tuple) -> dict:
    """One DP point of the front, job (rows, epsilon, i): MST on the data's rows at the positions
    `rows`, its noise from a generator seeded [search seed, 95, i] (`_dp_run`), scored against V."""
    rows, eps, i = job
    fit_rows = sh.take(rows)
    synthetic = _dp_run(fit_rows, eps, np.random.default_rng([sh.seed, 95, i]))
    return score(fit_rows, synthetic, sh.validation, sh.utility, sh.seed)


# ---------------------------------------------------------------- the search


class Search:
    """The state of one search: every scored candidate, the work spent, the best so far.

    Runs that do not depend on each other (the candidates of a round, the seeds of a full-size fit,
    the DP points) go to `pool` (py_engine.parallel) together; their results are taken in the order a
    serial search makes them and each run's randomness comes from its own key, so the record is the
    same whatever the pool. Call `close` when done (it stops the pool's workers)."""

    def __init__(self, data: Dataset, base: dict, opts: OptimiseOptions, seed: int, workers: int | None = 1):
        from .parallel import make_pool

        self.data, self.base, self.opts, self.seed = data, base, opts, seed
        self.budget = float(opts.budget or DEFAULT_BUDGET)
        self.spent = 0.0
        self.candidates = candidate_grid(opts.methods)
        if base.get("proper"):  # every CART candidate is proper already (candidate_settings): no twins
            self.candidates = [c for c in self.candidates if not c.get("proper")]
        for i, c in enumerate(self.candidates):
            c["order"] = i
        self.records: dict[str, dict] = {c["id"]: {**c, "rounds": []} for c in self.candidates}
        self.train_idx, self.val_idx = internal_split(data.n_rows, seed)
        self.validation = data.take(self.val_idx)
        self.orders = visit_orders(data.take(self.train_idx))
        self.n_cols = len(data.columns)
        self.stopped = None  # None, "budget" or "user"
        self.rounds: list[dict] = []
        self.calibration: dict | None = None
        self.full: dict | None = None  # the full-size round (`full_round`)
        self.repair: dict | None = None  # the least departure from the defaults within the limits (`leaf_repair`)
        self.dp: dict | None = None  # the DP points of the front (`dp_points`, record key `dp`), scored after the choice
        self._groups: bool | None = None  # `has_groups`, once known
        self.pool = make_pool(workers, _Shared(data, base, self.orders, self.validation, opts.utility, seed))

    def close(self) -> None:
        self.pool.close()

    def _runs(self, cand: dict, rows: np.ndarray, keys: list[tuple[list[int], int]]):
        """The runs of `cand` on the rows at positions `rows`, one per (key, score seed): an iterator
        over their scores (`_candidate_run`), computed by the pool."""
        return self.pool.imap(_candidate_run, [(cand, rows, key, ss) for key, ss in keys])

    def schedule(self, top: int | None = None) -> list[tuple[int, int]]:
        """(rows, seeds) per round: rows x ETA each round up to `top` (the internal train size, at most
        MAX_ROUND_ROWS); the last round with opts.seeds seeds."""
        n_t = len(self.train_idx)
        top = min(n_t, MAX_ROUND_ROWS) if top is None else min(top, n_t)
        sizes, r = [], min(FIRST_ROWS, top)
        n_cand = len(self.candidates)
        while True:
            sizes.append(r)
            n_cand = max(1, -(-n_cand // ETA))
            if r >= top or n_cand <= 2:
                break
            r = min(top, r * ETA)
        if sizes[-1] < top and len(sizes) > 1:
            sizes[-1] = top
        return [(s, 1) for s in sizes[:-1]] + [(sizes[-1], self.opts.seeds)]

    def plan_cost(self, plan: list[tuple[int, int]]) -> float:
        """Work units of a whole plan, every candidate priced as CART (an upper bound)."""
        n, units = len(self.candidates), 0.0
        for rows, seeds in plan:
            units += n * seeds * cost({"method": "cart"}, rows, self.n_cols, self.opts.utility)
            n = max(1, -(-n // ETA)) + 1  # + the defaults, which always go on
        return units

    def full_reserve(self) -> float:
        """Work units kept for the full-size round (`full_round`) when the row-sample rounds cannot
        reach the whole internal train part (more than MAX_ROUND_ROWS rows): the defaults and the
        FULL_FACTORS steps, opts.seeds runs each, priced as CART."""
        n_t = len(self.train_idx)
        if n_t <= MAX_ROUND_ROWS:
            return 0.0
        return (1 + len(FULL_FACTORS)) * self.opts.seeds * cost({"method": "cart"}, n_t, self.n_cols, self.opts.utility)

    def dp_reserve(self) -> float:
        """Work units kept for the DP points (`dp_points`): every epsilon of DP_EPSILONS on the whole
        internal train part (the most rows they are fitted on, so an upper bound); none on a table
        with groups (`has_groups`: no DP points there)."""
        if self.has_groups():
            return 0.0
        return len(DP_EPSILONS) * cost({"method": "dp"}, len(self.train_idx), self.n_cols, self.opts.utility)

    def has_groups(self) -> bool:
        """Whether the syntheses (CART, GC) keep groups of this table (a group key with attributes, py_engine/
        structure.py: found, or in the user's structure document). MST synthesises rows freely, so
        its DP points would not keep them, and on such a table a free synthesis scores a two-way
        S_pMSE far below any synthesis that keeps the groups (the school attributes' pairs are
        bounded by the sampling of schools: py_engine/evaluation/REPORT.md), so the front would show
        DP as more useful for breaking what the user's table is about. Cached."""
        if self._groups is None and not {"cart", "gc"} & set(self.opts.methods):
            self._groups = False  # independent marginals keep no groups either: DP compares like with like
        if self._groups is None:
            from .structure import resolve_structure

            doc = resolve_structure(self.data, self.base.get("structure"))
            self._groups = any(g.get("enabled", True) for g in doc.get("groups") or [])
        return self._groups

    def fitted_plan(self) -> list[tuple[int, int]]:
        """The largest schedule whose cost fits the budget less the reserves of the full-size round and
        of the DP points: the top row count shrinks by 1.5 at a time (down to FIRST_ROWS); what still
        does not fit runs until the budget stops it. When that leaves less than the smallest schedule,
        the DP points give way first (they are only shown, never chosen), then the full-size round."""
        top = min(len(self.train_idx), MAX_ROUND_ROWS)
        smallest = self.plan_cost(self.schedule(FIRST_ROWS))
        full = self.budget - self.full_reserve()
        budget = next((b for b in (full - self.dp_reserve(), full) if b >= smallest), self.budget)
        plan = self.schedule(top)
        while self.plan_cost(plan) > budget and top > FIRST_ROWS:
            top = max(FIRST_ROWS, int(top / 1.5))
            plan = self.schedule(top)
        return plan

    def run(self, should_stop: Callable[[], bool] | None = None) -> Work[None]:
        plan = self.fitted_plan()
        alive = list(self.candidates)
        for rnd, (rows, n_seeds) in enumerate(plan):
            rng = np.random.default_rng([self.seed, 77, rnd])
            sub = np.sort(rng.choice(self.train_idx, size=rows, replace=False)).astype(np.intp)
            self.rounds.append({"round": rnd + 1, "rows": rows, "seeds": n_seeds, "candidates": len(alive)})
            total = len(alive)
            seeds = [([91, rnd, j], self.seed + j) for j in range(n_seeds)]
            pending, spent = [], self.spent  # the runs of the candidates the budget pays for, in order
            for cand in alive:
                spent += cost(cand, rows, self.n_cols, self.opts.utility) * n_seeds
                if spent > self.budget:
                    break
                pending.append(self._runs(cand, sub, seeds))
            for k, cand in enumerate(alive):
                if k == len(pending):  # the budget cannot pay for this candidate
                    self.stopped = "budget"
                    return
                units = cost(cand, rows, self.n_cols, self.opts.utility) * n_seeds
                if should_stop is not None and should_stop():
                    self.stopped = "user"
                    for it in pending[k:]:
                        it.close()
                    return
                runs = list(pending[k])
                self.spent += units
                rec = {"round": rnd + 1, "rows": rows, "seeds": n_seeds, "score": _mean_scores(runs)}
                if n_seeds > 1:
                    rec["runs"] = runs  # per seed (the same seeds for every candidate: paired comparisons)
                self.records[cand["id"]]["rounds"].append(rec)
                yield Step("optimise", k + 1, total, "progress.optimise",
                           {"round": rnd + 1, "rounds": len(plan), "candidate": cand["id"], "rows": rows})
            if rnd + 1 < len(plan):
                ranked = sorted(alive, key=lambda c: (rank_key(self._last(c)["score"], self.opts), c["order"]))
                keep = max(1, -(-len(alive) // ETA))
                nxt = ranked[:keep]
                default = [c for c in alive if c["id"] == "default"]
                if default and default[0] not in nxt:
                    nxt.append(default[0])  # the defaults always go on, so the front can show them
                alive = sorted(nxt, key=lambda c: c["order"])
        yield from self.calibrate(plan[-1][0] if plan else 0, should_stop)
        if not self.stopped and plan and plan[-1][0] < len(self.train_idx):
            yield from self.full_round(should_stop)
        elif not self.stopped and plan:
            yield from self.leaf_repair(len(plan), plan[-1], should_stop)

    def leaf_repair(self, rnd: int, last: tuple[int, int], should_stop=None) -> Work[None]:
        """When the last round ran on the whole internal train part, the defaults break the risk limits
        and the rule moved to a CART candidate C within them (reason "defaults_outside_limits"): the
        grid's leaf sizes jump (minbucket x 1, 2, 4), so C may lie far beyond the limit. The defaults
        stay the null hypothesis, so the search looks for the least departure from them that meets
        the limits: the defaults with minbucket x REPAIR_FACTORS (only those below C's factor), in
        turn, the same rows and seeds as the last round, up to the first one within the limits, R
        (the limits judged as everywhere else: the mean over the seeds, at most max_auc and natural +
        max_copies_excess). R replaces C as the choice unless C beats R by the rule `beats` (2 SEs of
        the paired difference): both meet the limits, and the utility ranking between them on few
        seeds is mostly noise. Recorded in `repair`: tried [{id, within}], chosen, reason."""
        scored = self.deepest()
        if not scored or "default" not in self.records or self.opts.criterion != "utility":
            return
        c, _, why = honest_choice(scored, self.opts)
        rec_c = self.records[c["id"]]
        if why != "defaults_outside_limits" or rec_c["method"] != "cart":
            return
        rows, n_seeds = last
        default = self.records["default"]
        self.repair = {"rows": rows, "seeds": n_seeds, "tried": [], "chosen": c["id"], "reason": why}
        rng = np.random.default_rng([self.seed, 77, rnd - 1])
        sub = np.sort(rng.choice(self.train_idx, size=rows, replace=False)).astype(np.intp)
        order = len(self.records)
        for f in REPAIR_FACTORS:
            if f >= rec_c["minbucket_factor"]:
                break
            cid = f"default-mb{f:g}"
            rec = {**{k: v for k, v in default.items() if k != "rounds"}, "id": cid,
                   "minbucket_factor": default["minbucket_factor"] * f, "order": order, "rounds": []}
            units = cost(rec, rows, self.n_cols, self.opts.utility) * n_seeds
            if self.spent + units > self.budget:
                self.stopped = "budget"
                self.repair["skipped"] = "budget"
                return
            if should_stop is not None and should_stop():
                self.stopped = "user"
                return
            self.records[cid] = rec
            order += 1
            runs = list(self._runs(rec, sub, [([91, rnd - 1, j], self.seed + j) for j in range(n_seeds)]))
            self.spent += units
            x = {"round": rnd, "rows": rows, "seeds": n_seeds, "repair": True, "score": _mean_scores(runs)}
            if n_seeds > 1:
                x["runs"] = runs
            rec["rounds"].append(x)
            within = rank_key(x["score"], self.opts)[0] == 0
            self.repair["tried"].append({"id": cid, "within": within})
            yield Step("optimise", 1, 1, "progress.optimise_confirm", {"rows": rows, "candidate": cid})
            if not within:
                continue
            r_entry = {"id": cid, "score": x["score"], "runs": x.get("runs")}
            kept, how = beats({"id": c["id"], "score": c["score"], "runs": c.get("runs")}, r_entry, self.opts)
            self.repair["challenger"] = how  # C against R by `beats`
            if not kept:
                self.repair["chosen"], self.repair["reason"] = cid, "least_departure"
            return

    def _full_fit(self, cand: dict) -> dict:
        """Fit a candidate on the whole internal train part (one seed, the same for every candidate)
        and score it against V."""
        out = next(self._runs(cand, self.train_idx, [([92], self.seed)]))
        self.spent += cost(cand, len(self.train_idx), self.n_cols, self.opts.utility)
        return out

    def full_round(self, should_stop=None) -> Work[None]:
        """The last round, on the whole internal train part, when the row-sample rounds used fewer
        rows. Leaf size matters only at full size (minbucket scales with the rows, and on row samples
        in-sample S_pMSE cannot tell leaf sizes apart: benchmarks/results/optimise.md), and what wins
        on samples need not win on the whole table. A fixed sequence of paired comparisons, each with
        `beats` (the same opts.seeds seeds for every candidate; a challenger must be within the risk
        limits at full size):
          1. if the row-sample rounds chose another candidate C0, C0 against the defaults (else the
             defaults stay, reason "not_confirmed");
          2. the incumbent (C0 or the defaults), if CART, against itself with minbucket x 0.5; if that
             wins, it against minbucket x 0.25 of the first (FULL_FACTORS); the sequence stops at
             the first challenger that does not win.
        A later comparison is made only when the earlier one was won, so each is a test at the full
        level without a multiple-comparison penalty (the fixed-sequence procedure, Maurer, Hothorn &
        Lehmacher 1995), and the work is spent only where leaf size pays. The incumbent after each
        step is the choice so far (a stop or the budget ending the round keeps it). Recorded in
        `full_round`: rows, seeds, steps [{challenger, incumbent, kept, reason}], chosen, reason."""
        scored = self.deepest()
        if not scored or "default" not in self.records:
            return
        c0 = honest_choice(scored, self.opts)[0]["id"]
        n_t = len(self.train_idx)
        self.full = {"rows": n_t, "seeds": self.opts.seeds, "steps": [], "chosen": None, "reason": None}
        self.rounds.append({"round": "full", "rows": n_t, "seeds": self.opts.seeds})
        order = len(self.records)
        seeds = [([93, j], self.seed + j) for j in range(self.opts.seeds)]

        def leaf_challenger(first: dict, f: float, order: int) -> dict:
            return {**{k: v for k, v in first.items() if k != "rounds"}, "id": f"{first['id']}-mb{f:g}",
                    "minbucket_factor": first["minbucket_factor"] * f, "order": order, "rounds": []}

        # the fits the sequence is sure to make, started together (a pool of workers runs them at once):
        # the defaults, C0 if it is another candidate, else the defaults' first leaf-size challenger
        pending, spent = {}, self.spent
        default = self.records["default"]
        sure = [default, self.records[c0]] if c0 != "default" else [default]
        if c0 == "default" and default["method"] == "cart" and FULL_FACTORS:
            sure.append(leaf_challenger(default, FULL_FACTORS[0], order))
        for rec in sure:
            spent += cost(rec, n_t, self.n_cols, self.opts.utility) * self.opts.seeds
            if spent > self.budget:
                break
            pending[rec["id"]] = self._runs(rec, self.train_idx, seeds)

        def fit(cid: str) -> Work[bool]:
            rec = self.records[cid]
            units = cost(rec, n_t, self.n_cols, self.opts.utility) * self.opts.seeds
            if self.spent + units > self.budget:
                self.stopped = "budget"
                self.full["skipped"] = "budget"
                return False
            if should_stop is not None and should_stop():
                self.stopped = "user"
                return False
            runs = list(pending.pop(cid, None) or self._runs(rec, self.train_idx, seeds))
            self.spent += units
            rec["rounds"].append({"round": "full", "rows": n_t, "seeds": self.opts.seeds, "full": True,
                                  "score": _mean_scores(runs), "runs": runs})
            yield Step("optimise", 1, 1, "progress.optimise_confirm", {"rows": n_t, "candidate": cid})
            return True

        def entry(cid: str) -> dict:
            x = self.records[cid]["rounds"][-1]
            return {"id": cid, "score": x["score"], "runs": x["runs"]}

        def step(challenger: str, incumbent: str) -> bool:
            kept, why = beats(entry(challenger), entry(incumbent), self.opts)
            self.full["steps"].append({"challenger": challenger, "incumbent": incumbent, "kept": kept, "reason": why})
            if kept:
                self.full["chosen"], self.full["reason"] = challenger, why
            elif why == "not_significant" and self.full["reason"] == "defaults_best":
                self.full["reason"] = why  # the defaults stay, but a challenger was better on average
            return kept

        try:
            if not (yield from fit("default")):
                return
            inc = "default"
            self.full["chosen"] = "default"
            self.full["reason"] = "defaults_best"
            if c0 != "default":
                self.full["reason"] = "not_confirmed"  # until C0 is fitted at full size and wins there
                if not (yield from fit(c0)):
                    return
                if step(c0, "default"):
                    inc = c0
            first = self.records[inc]
            if first["method"] != "cart":
                return
            for f in FULL_FACTORS:
                rec = leaf_challenger(first, f, order)
                cid = rec["id"]
                self.records[cid] = rec
                order += 1
                if not (yield from fit(cid)):
                    return
                if not step(cid, inc):
                    return
                inc = cid
        finally:
            for it in pending.values():  # started but not needed (a stop, the budget, a lost step)
                it.close()

    def final_choice(self, scored: list[dict]) -> tuple[dict, bool, str]:
        """The full-size round's choice when it ran; else honest_choice on the deepest row-sample
        round -- except that a challenger the full-size round had no budget (or time) to check gives
        way to the defaults (reason "not_confirmed")."""
        f = self.full
        if f and f.get("chosen"):
            c = next(x for x in scored if x["id"] == f["chosen"])
            return c, rank_key(c["score"], self.opts)[0] == 0, f["reason"]
        p = self.repair
        if p and p.get("chosen"):
            c = next(x for x in scored if x["id"] == p["chosen"])
            return c, rank_key(c["score"], self.opts)[0] == 0, p["reason"]
        best, within, why = honest_choice(scored, self.opts)
        if f is not None and best["id"] != "default":
            d = next(x for x in scored if x["id"] == "default")
            return d, rank_key(d["score"], self.opts)[0] == 0, "not_confirmed"
        return best, within, why

    def calibrate(self, last_rows: int, should_stop=None) -> Work[None]:
        """Risk at the full internal size. On a row sample the defaults' leaves are smaller (minbucket
        grows with the rows), so their membership AUC and copies are higher than on the full table
        (Adult: AUC 0.58 on 500 rows, 0.51 on the holdout) and the limits would reject them for an
        artefact of the sample size. When the defaults break the limits in the last round and that
        round used fewer rows than the internal train part, the defaults are fitted once on all of
        it and scored against V; the difference (sample minus full) is taken off every last-round
        candidate's AUC and copies above natural, so the limits are judged at the scale of the final
        synthesis. Recorded in `calibration`; skipped (and said so) when the budget does not allow."""
        d = self.records.get("default")
        n_t = len(self.train_idx)
        if not d or not d["rounds"] or last_rows >= n_t or self.stopped:
            return
        last = d["rounds"][-1]
        if last["rows"] != last_rows or rank_key(last["score"], self.opts)[0] == 0:
            return
        units = cost(d, n_t, self.n_cols, self.opts.utility)
        if self.spent + units > self.budget:
            self.calibration = {"rows": n_t, "skipped": "budget"}
            return
        if should_stop is not None and should_stop():
            self.stopped = "user"
            return
        full = self._full_fit(d)
        off_auc = last["score"]["auc"] - full["auc"]
        off_copies = last["score"]["copies_excess"] - full["copies_excess"]
        for r in self.records.values():
            if not r["rounds"] or r["rounds"][-1]["rows"] != last_rows:
                continue
            x = r["rounds"][-1]
            for sc in [x["score"]] + list(x.get("runs") or []):
                sc["auc_sample"], sc["copies_excess_sample"] = sc["auc"], sc["copies_excess"]
                sc["auc"] = sc["auc"] - off_auc
                sc["copies_excess"] = sc["copies_excess"] - off_copies
        self.calibration = {"rows": n_t, "default_full": _json_score(full), "auc_offset": round(off_auc, 6),
                            "copies_offset": round(off_copies, 6)}
        yield Step("optimise", 1, 1, "progress.optimise_calibrate", {"rows": n_t})

    def compared_rows(self) -> np.ndarray | None:
        """Positions of the rows the `compared` candidates were fitted on: the whole internal train
        part after a full-size round, else the row sample of the deepest round (as `run` drew it)."""
        scored = self.deepest()
        if not scored:
            return None
        if self.full and self.full.get("chosen"):
            return self.train_idx
        rnd = self.records[scored[0]["id"]]["rounds"][-1]
        rng = np.random.default_rng([self.seed, 77, rnd["round"] - 1])
        return np.sort(rng.choice(self.train_idx, size=rnd["rows"], replace=False)).astype(np.intp)

    def dp_points(self, should_stop=None) -> Work[None]:
        """After the choice (so they never affect it, and are never candidates): MST (method "dp",
        domain from the data -- not covered by the guarantee, but nothing of these runs is released)
        at each of DP_EPSILONS, one run each on the rows the compared candidates were fitted on,
        scored with `score` against V, so the front can show where DP lies. Their work counts in
        `spent` and are reserved in the plan (`dp_reserve`, `fitted_plan`); they are skipped (recorded,
        `skipped`: "budget", "user", "groups" (the table has groups, `has_groups`), or "error" with
        the error's code in `error`) when the budget left cannot pay for all of them (a budget too
        small for the reserve), the user stopped the search, the syntheses keep groups or MST cannot
        model the table. Their noise comes from a generator
        seeded from the search seed, not the cryptographic source a DP release uses (`_dp_run`), so
        they are reproducible like the rest of the record. Recorded in `dp`: {rows, epsilons, points:
        [{epsilon, utility, auc, copies_excess, two_way, ...}], skipped?}."""
        if not self.deepest():
            return
        if self.stopped == "user":
            self.dp = {"skipped": "user", "points": []}
            return
        if self.has_groups():
            self.dp = {"skipped": "groups", "points": []}
            return
        rows = self.compared_rows()
        units = cost({"method": "dp"}, len(rows), self.n_cols, self.opts.utility)
        self.dp = {"rows": int(len(rows)), "epsilons": list(DP_EPSILONS), "points": []}
        if self.spent + units * len(DP_EPSILONS) > self.budget:
            self.dp["skipped"] = "budget"
            return
        cal = self.calibration if len(rows) < len(self.train_idx) and self.calibration else {}
        points = self.pool.imap(_dp_point, [(rows, eps, i) for i, eps in enumerate(DP_EPSILONS)])
        try:
            for i, eps in enumerate(DP_EPSILONS):
                if should_stop is not None and should_stop():
                    self.dp["skipped"] = "user"
                    return
                try:
                    sc = next(points)
                except EngineError as e:  # e.g. no column MST can model: no DP points, the choice stands
                    self.dp["skipped"], self.dp["error"] = "error", e.code
                    return
                if cal.get("auc_offset") is not None:  # the compared round was calibrated (`calibrate`): the same scale
                    sc["auc"] -= cal["auc_offset"]
                    sc["copies_excess"] -= cal["copies_offset"]
                self.spent += units
                self.dp["points"].append({"epsilon": eps, **_json_score(sc)})
                yield Step("optimise", i + 1, len(DP_EPSILONS), "progress.optimise_dp", {"epsilon": eps})
        finally:
            points.close()

    def _last(self, cand: dict) -> dict:
        return self.records[cand["id"]]["rounds"][-1]

    def deepest(self) -> list[dict]:
        """The candidates scored in the deepest round reached (the ones comparable with each other):
        those of the full-size round when it fitted any, else those of the deepest row-sample round."""
        if self.full and self.full.get("chosen"):
            return [{"id": r["id"], "order": r["order"], "score": r["rounds"][-1]["score"], "runs": r["rounds"][-1]["runs"]}
                    for r in self.records.values() if r["rounds"] and r["rounds"][-1].get("full")]
        depth = max((r["rounds"][-1]["round"] for r in self.records.values() if r["rounds"]
                     and isinstance(r["rounds"][-1]["round"], int)), default=0)
        if depth == 0:
            return []
        out = []
        for r in self.records.values():
            if r["rounds"] and r["rounds"][-1]["round"] == depth:
                out.append({"id": r["id"], "order": r["order"], "score": r["rounds"][-1]["score"],
                            "runs": r["rounds"][-1].get("runs")})
        return out

    def best(self) -> dict | None:
        scored = self.deepest()
        if not scored:
            return None
        return self.final_choice(scored)[0]

    def record(self) -> dict:
        """The JSON-able record: options, rounds, every candidate with its scores, front, choice."""
        scored = self.deepest()
        chosen, within, why = self.final_choice(scored) if scored else (None, False, None)
        cands = []
        for r in self.records.values():
            c = {k: v for k, v in r.items() if k not in ("order",)}
            c["rounds"] = [{**x, "score": _json_score(x["score"]),
                            **({"runs": [_json_score(y) for y in x["runs"]]} if x.get("runs") else {})}
                           for x in r["rounds"]]
            cands.append(c)
        return {"options": self.opts.to_dict(), "budget": self.budget, "spent": self.spent,
                "stopped": self.stopped, "rounds": self.rounds, "calibration": self.calibration,
                "full_round": self.full, "repair": self.repair, "dp": self.dp,
                "internal": {"train_rows": int(len(self.train_idx)), "validation_rows": int(len(self.val_idx))},
                "visit_orders": self.orders, "candidates": cands,
                "compared": [c["id"] for c in scored],
                "front": pareto_front(scored) if scored else [],
                "chosen": None if chosen is None else chosen["id"], "within_limits": within,
                "reason": why,
                "default": "default" if "default" in self.records else None}


def _dp_run(fit_rows: Dataset, epsilon: float, gen: np.random.Generator) -> Dataset:
    """One MST synthesis of `fit_rows` for the front's DP points (`Search.dp_points`): the domain
    from the data and the measurement noise from `gen` instead of os.urandom. Neither is covered by
    the DP guarantee (a seeded noise source could be replayed), which is fine here: the runs are an
    internal comparison, nothing of them is released; a user's DP synthesis never takes this path.
    For the same reason the noise is drawn by `float_discrete_gaussian` from `gen`, not by the exact
    sampler (a fraction of its time on tables with many measured cells)."""
    from .dp.mechanisms import CryptoRandom
    from .dp.method import fit_model, sample_model
    from .methods import common

    s = SynthSettings.from_dict({"method": "dp", "dp_mechanism": "mst", "epsilon": epsilon,
                                 "domain_from_data": True})
    model, _ = fit_model(fit_rows, s, rng=CryptoRandom(source=gen.bytes), noise=float_discrete_gaussian(gen))
    n_out = int(model["n_hat"])
    cols = sample_model(model, n_out, int(gen.integers(2**31)), fit_rows.schema, list(fit_rows.columns))
    return common.assemble(fit_rows, cols, n_out)


def float_discrete_gaussian(gen: np.random.Generator):
    """noise(sigma2, n, rng) for dp.measure.Sensitive: n draws of the discrete Gaussian N_Z(0, sigma2)
    (P(k) proportional to exp(-k^2 / (2 sigma2))) in floating point and vectorised, from `gen`, by the
    rejection sampler of Canonne, Kamath & Steinke (2020, arXiv 2004.00010, Algorithm 3) as the
    exact sampler (dp.mechanisms.discrete_gaussian) runs it: proposals c from the discrete Laplace
    P(c) proportional to exp(-|c| / t), t = floor(sigma) + 1 (the difference of two geometric
    counts with ratio exp(-1/t)), each accepted with probability exp(-(|c| - sigma2 / t)^2 /
    (2 sigma2)). The same distribution up to rounding, without the exact sampler's rational
    arithmetic per cell (schools table, epsilon 10: 213,000 cells, about 35 s). NOT for a release:
    floating-point samplers leak through the gaps between doubles (Mironov 2012), and `gen` is
    seeded; only the front's DP points (`_dp_run`) use it."""

    def noise(sigma2, n: int, _rng=None) -> np.ndarray:
        from fractions import Fraction

        sigma2 = Fraction(sigma2)
        s2 = float(sigma2)
        t = math.isqrt(sigma2.numerator // sigma2.denominator) + 1
        p = -math.expm1(-1.0 / t)  # success probability of each geometric count
        out = np.empty(n, dtype=np.int64)
        todo = np.arange(n)
        while todo.size:
            k = todo.size
            c = gen.geometric(p, k) - gen.geometric(p, k)
            keep = gen.random(k) < np.exp(-((np.abs(c) - s2 / t) ** 2) / (2 * s2))
            out[todo[keep]] = c[keep]
            todo = todo[~keep]
        return out

    return noise


def _v(x) -> float:
    return math.inf if x is None or not math.isfinite(x) else float(x)


def _json_score(s: dict) -> dict:
    return {k: (None if v is None or not math.isfinite(v) else round(v, 6)) for k, v in s.items()}


def syn_optimised_steps(data: Dataset, settings: SynthSettings | dict | None = None,
                        options: OptimiseOptions | dict | None = None,
                        should_stop: Callable[[], bool] | None = None, workers: int | None = 1) -> Work[SynthResult]:
    """Search settings for `data` (the fitting rows; never pass the evaluation holdout), then
    synthesise `data` with the chosen settings. Yields progress Steps; `should_stop()` returning True
    ends the search between candidates and keeps the best so far. `workers`: processes the search's
    runs may use at once (py_engine.parallel; None: every CPU; one in Pyodide); the record is the same
    whatever their number. Returns a SynthResult whose `optimisation` holds the record (see
    `Search.record`)."""
    from .methods.common import note
    from .parallel import check_workers
    from .synthesis import resolve_seed

    opts = options if isinstance(options, OptimiseOptions) else OptimiseOptions.from_dict(options)
    s = settings if isinstance(settings, SynthSettings) else SynthSettings.from_dict(settings)
    base = s.to_dict()
    base["seed"] = seed = resolve_seed(base["seed"])
    check_workers(workers)
    notes = []
    if data.n_rows < MIN_ROWS:
        result = yield from synthesise_steps(data, base)
        result.notes.append(note("optimise_too_small", None, rows=data.n_rows, minimum=MIN_ROWS))
        result.optimisation = {"options": opts.to_dict(), "skipped": "too_small", "rows": data.n_rows,
                               "minimum": MIN_ROWS, "candidates": [], "front": [], "chosen": None}
        return result
    search = Search(data, base, opts, seed, workers)
    try:
        yield from search.run(should_stop)
        best = search.best()
        yield from search.dp_points(should_stop)  # after the choice: shown on the front, never chosen
    finally:
        search.close()
    rec = search.record()
    if best is None:  # stopped before any candidate was scored: the defaults
        chosen_settings = base
        notes.append(note("optimise_none_scored", None))
    else:
        cand = search.records[best["id"]]
        chosen_settings = candidate_settings(cand, base, data.n_rows, search.orders)
        notes.append(note("optimise_chosen", None, candidate=best["id"], compared=len(rec["compared"])))
        if not rec["within_limits"]:
            notes.append(note("optimise_limits_not_met", None))
    if search.stopped == "user":
        notes.append(note("optimise_stopped", None))
    elif search.stopped == "budget":
        notes.append(note("optimise_budget", None, budget=int(search.budget)))
    rec["settings"] = {k: chosen_settings.get(k) for k in ("method", "minbucket", "cp", "smoothing",
                                                            "visit_sequence", "proper")}
    result = yield from synthesise_steps(data, chosen_settings)
    result.notes = notes + result.notes
    result.optimisation = rec
    return result


def syn_optimised(data: Dataset, settings=None, options=None, progress=None, should_stop=None,
                  workers: int | None = 1) -> SynthResult:
    from .progress import drive

    return drive(syn_optimised_steps(data, settings, options, should_stop, workers), progress)
