"""Synthesis: settings, the result, and the entry points (synthpop's `syn`).

    from py_engine.synthesis import syn
    result = syn(dataset, {"method": "cart", "seed": 1})
    result.synthetic            # a Dataset shaped like the input
    result.summary()            # JSON-able: settings (with the seed used), notes, timings

`synthesise_steps` is the same work as a generator of progress `Step`s (one per visited column), so
the browser can report "column 7 of 15" and stop between columns.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from . import __version__
from .dataset import Dataset
from .errors import EngineError
from .progress import Step, Work, drive

METHODS = ("cart", "gc", "marginal", "dp")
MISSING_MODES = ("synthesise", "drop", "impute")
SMOOTHING = ("none", "density")
MAX_M = 100  # synthetic data sets per run
# CART models each column from all the columns before it and the Gaussian copula fits a k x k
# correlation: the work grows with the square of the column count (60 rows, CPython: CART 21 s at 500
# columns, 123 s at 1,000), so wider tables are refused before any work, with what to do (issue 14)
MAX_COLUMNS = 1000


@dataclass
class SynthSettings:
    """Every choice a synthesis run depends on; stored as JSON with the result.

    Vocabulary as in R synthpop: visit_sequence, minbucket, cp, smoothing, proper.
    """

    method: str = "cart"  # "cart" (sequential CART, synthpop's default), "gc" (Gaussian copula), "marginal"
    n_rows: int | None = None  # synthetic rows; None: as many as the real rows fitted on
    seed: int | None = None  # None: drawn at random; the seed used is recorded in the result
    visit_sequence: list[str] | None = None  # CART: column order; None: column order of the table
    minbucket: int | None = None  # CART: smallest leaf (rpart's minbucket); None: auto_minbucket(rows)
    cp: float = 1e-8  # CART: complexity parameter (rpart's cp)
    smoothing: str = "density"  # CART: "density" adds kernel noise to rare numeric draws; "none"
    proper: bool = False  # CART: bootstrap the real rows before each fit (synthpop's proper = TRUE)
    missing: str = "synthesise"  # "synthesise" missingness as in the data; "drop" incomplete rows; "impute"
    # CART: None (the default): every categorical is used as a predictor, however many levels it has
    # (with target-aware codes, methods/cart.level_codes); a number: categoricals with more levels are not
    max_predictor_levels: int | None = None
    # cart, gc: leave out synthetic rows that repeat on every column a real row that is unique in the real
    # data, beyond the share a new sample from the population would (estimated leave-one-out); after
    # synthpop's sdc(rm.replicated.uniques = TRUE). Other synthetic rows take their place.
    remove_replicated: bool = True
    # dp (differential privacy, py_engine/dp): the budget, and the public domain document
    epsilon: float = 1.0
    delta: float = 1e-9
    domain: dict | None = None
    domain_from_data: bool = False  # dp: take the domain from the data (NOT covered by the guarantee)
    dp_mechanism: str = "mst"  # dp: "mst" (a tree of 2-way marginals), "aim" (adaptive 2- and 3-way) or
    # "independent" (the baseline: the whole budget on the 1-way marginals, columns drawn independently)
    # cart, gc: the table's structure (py_engine/structure.py): None finds it (groups, dependencies,
    # derived columns, all kept); False or {"off": True}: none; a document (edited): as given
    structure: dict | bool | None = None
    # synthpop's m: the number of synthetic data sets, each from the same fit settings; copy k (0-based)
    # uses seed (seed + k) mod 2^32, recorded in SynthResult.seeds, so copy 1 equals an m = 1 run
    m: int = 1

    def __post_init__(self):
        if self.method == "dp":
            # stages that read real rows after fitting never run for dp; recorded as off
            self.remove_replicated = False
            self.smoothing = "none"
        self.validate()

    def validate(self) -> None:
        if self.method not in METHODS:
            raise EngineError("settings.unknown_method", kind="settings", method=self.method)
        if self.missing not in MISSING_MODES:
            raise EngineError("settings.unknown_missing", kind="settings", mode=self.missing)
        if self.smoothing not in SMOOTHING:
            raise EngineError("settings.unknown_smoothing", kind="settings", smoothing=self.smoothing)
        if self.n_rows is not None and (int(self.n_rows) != self.n_rows or self.n_rows < 1):
            raise EngineError("settings.bad_rows", kind="settings", rows=self.n_rows)
        if self.minbucket is not None and (isinstance(self.minbucket, bool) or not isinstance(self.minbucket, (int, float))
                                           or int(self.minbucket) != self.minbucket or self.minbucket < 1):
            raise EngineError("settings.bad_minbucket", kind="settings", minbucket=self.minbucket)
        if self.seed is not None and (int(self.seed) != self.seed or not 0 <= self.seed < 2**32):
            raise EngineError("settings.bad_seed", kind="settings", seed=self.seed)
        if not isinstance(self.cp, (int, float)) or isinstance(self.cp, bool) or not self.cp >= 0:
            raise EngineError("settings.bad_cp", kind="settings", cp=self.cp)
        if isinstance(self.m, bool) or not isinstance(self.m, (int, float)) or int(self.m) != self.m \
                or not 1 <= self.m <= MAX_M:
            raise EngineError("settings.bad_m", kind="settings", m=self.m, limit=MAX_M)
        if self.max_predictor_levels is not None and (
                isinstance(self.max_predictor_levels, bool) or not isinstance(self.max_predictor_levels, (int, float))
                or int(self.max_predictor_levels) != self.max_predictor_levels or self.max_predictor_levels < 2):
            raise EngineError("settings.bad_max_levels", kind="settings", value=self.max_predictor_levels)

        if self.dp_mechanism not in ("mst", "aim", "independent"):
            raise EngineError("dp.bad_mechanism", kind="settings", value=self.dp_mechanism)
        if not (self.structure is None or self.structure is False or isinstance(self.structure, dict)):
            raise EngineError("structure.bad_document", kind="settings")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> SynthSettings:
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise EngineError("settings.unknown_setting", kind="settings", name=unknown[0])
        if d.get("method") == "dp":
            # refused rather than silently switched off: they read real rows after fitting
            for key, bad in (("remove_replicated", True), ("smoothing", "density"), ("missing", "impute"),
                             ("proper", True)):
                if d.get(key) == bad:
                    raise EngineError("dp.refused_stage", kind="settings", stage=key)
            if d.get("m", 1) != 1:  # each copy would be a new fit spending the whole budget again
                raise EngineError("dp.one_copy", kind="settings")
        return cls(**d)


@dataclass
class SynthResult:
    synthetic: Dataset
    settings: SynthSettings  # as used: the seed is always set, the visit sequence resolved
    method: str
    seed: int
    n_real: int  # real rows fitted on
    seconds: dict = field(default_factory=dict)  # {"fit": s, "sample": s}
    notes: list[dict] = field(default_factory=list)  # {code, params, column?}: what was done and why
    model: dict | None = None  # a readable JSON document of the fitted model, where the method has one
    structure: dict | None = None  # the structure document used (py_engine/structure.py), None: none
    engine_version: str = __version__
    # m > 1: every synthetic data set (copies[0] is `synthetic`) and the seed each was drawn with
    copies: list[Dataset] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    optimisation: dict | None = None  # settings tuned per table (py_engine.optimise): candidates, front, choice

    def settings_dict(self) -> dict:
        return self.settings.to_dict()

    def summary(self) -> dict:
        out = {"method": self.method, "seed": self.seed, "settings": self.settings_dict(),
               "n_rows": self.synthetic.n_rows, "n_real": self.n_real, "columns": self.synthetic.columns,
               "seconds": self.seconds, "notes": self.notes, "structure": self.structure,
               "engine_version": self.engine_version,
               "m": len(self.copies) or 1, "seeds": list(self.seeds) or [self.seed]}
        if self.optimisation is not None:
            out["optimisation"] = self.optimisation
        return out


def auto_minbucket(n_rows: int) -> int:
    """The default smallest leaf: max(5, round(n^(2/3) / 15)) -- 5 (synthpop's default) up to about
    650 rows, 12 for 2,400 rows, 53 for 22,500, 77 for 39,000.

    Why it grows with the table: a leaf of 5 rows is a small group of real people however large the
    table, so with more rows the same utility can be had with larger leaves, and larger leaves copy
    real rows less and leak less membership. The exponent and scale were chosen on the
    utility/disclosure curves in benchmarks/results/grid.md (four real tables of 3,000-49,000 rows)."""
    return max(5, int(round(n_rows ** (2 / 3) / 15)))


def resolve_seed(seed) -> int:
    """The seed to use: the one given, or a fresh random one (recorded, so the run can be repeated)."""
    if seed is None or seed == "":
        return secrets.randbelow(2**31)
    return int(seed)


def resolve_visit_sequence(columns: list[str], encs: dict, given: list[str] | None, max_levels: int | None
                           ) -> tuple[list[str], list[dict]]:
    """The CART visit sequence and notes: the user's order (unknown names are an error, columns left
    out are appended in table order); by default the table's order. Categoricals of many levels are
    used as predictors like any other column (methods/cart.level_codes), so they keep their place.
    Only where the user sets max_levels are categoricals of more levels left out as predictors: by
    default they are then moved to the end (synthpop's advice)."""
    from .methods.common import note

    def many(c: str) -> bool:
        return max_levels is not None and not encs[c].is_number and encs[c].n_levels > max_levels

    notes = []
    if given:
        given = [str(c) for c in given]
        for c in given:
            if c not in columns:
                raise EngineError("settings.unknown_visit_column", kind="settings", column=c)
        if len(set(given)) != len(given):
            dup = next(c for c in given if given.count(c) > 1)
            raise EngineError("settings.duplicate_visit_column", kind="settings", column=dup)
        rest = [c for c in columns if c not in given]
        if rest:
            notes.append(note("visit_sequence_appended", None, columns=", ".join(rest)))
        visit = given + rest
        for c in visit[:-1]:
            if many(c):
                notes.append(note("high_cardinality_not_predictor", c, levels=encs[c].n_levels, limit=max_levels))
        return visit, notes
    high = [c for c in columns if many(c)]
    for c in high:
        notes.append(note("high_cardinality_last", c, levels=encs[c].n_levels, limit=max_levels))
    return [c for c in columns if c not in high] + high, notes


def synthesise_steps(data: Dataset, settings: SynthSettings | dict | None = None) -> Work[SynthResult]:
    """Fit the chosen method on `data` and sample; yields a Step per unit of work, returns a SynthResult.

    Each Step is about one column's fit and sample, so a caller can stop between columns (close()).
    """
    import numpy as np

    from .methods import common

    s = settings if isinstance(settings, SynthSettings) else SynthSettings.from_dict(settings)
    s = SynthSettings.from_dict(s.to_dict())  # a copy: the caller's object is not changed
    s.seed = resolve_seed(s.seed)
    if s.m > 1:
        return (yield from _m_copies(data, s))
    rng = np.random.default_rng(s.seed)
    t0 = time.perf_counter()
    notes: list[dict] = []
    if not data.columns:  # e.g. a file whose only column is an identifier, excluded by default
        raise EngineError("synthesis.nothing_to_synthesise", kind="settings")
    if s.method in ("cart", "gc", "dp") and len(data.columns) > MAX_COLUMNS:
        raise EngineError("synthesis.too_many_columns", kind="settings", columns=len(data.columns),
                          max=MAX_COLUMNS)
    if s.method == "dp":
        return (yield from _dp_steps(data, s, notes, t0))
    synth_cols, ids = common.check_columns(data)
    if s.missing == "drop":
        data, k = common.drop_incomplete(data, synth_cols)
        if k:
            notes.append(common.note("missing_rows_dropped", None, rows=k))
    n_real = data.n_rows
    n_out = int(s.n_rows or n_real)
    if s.minbucket is None:
        s.minbucket = auto_minbucket(n_real)
        if s.method == "cart":
            notes.append(common.note("minbucket_auto", None, minbucket=s.minbucket, rows=n_real))
    encs = common.encode_all(data, synth_cols)
    if s.missing == "impute":
        notes.extend(common.impute(encs, rng))
    total = len(synth_cols) + len(ids)
    # rows drawn with a margin, so rows that replicate a rare real row can be left out
    n_gen = n_out + (max(20, -(-n_out // 4)) if s.remove_replicated and s.method != "marginal" else 0)
    model = None
    syn_cols: dict = {}
    doc = None
    pl = None
    if s.method in ("cart", "gc"):
        from .methods import grouped
        from .structure import MAX_STRUCTURE_COLUMNS, resolve_structure, summary_lines, too_wide

        doc = resolve_structure(data, s.structure)
        if s.structure is None and too_wide(data):
            notes.append(common.note("structure_skipped_wide", None, columns=len(data.columns),
                                     max=MAX_STRUCTURE_COLUMNS))
        pl = grouped.plan(doc, synth_cols)
        if not (pl["groups"] or pl["dependencies"] or pl["derived"]):
            doc = None if s.structure is None or s.structure is False or (
                isinstance(s.structure, dict) and s.structure.get("off")) else doc
            pl = None
        else:
            notes.append(common.note("structure_found", None, lines="; ".join(summary_lines(doc))))
    if s.method in ("cart", "gc") and pl is not None:
        order = synth_cols
        if s.method == "cart":
            visit, vnotes = resolve_visit_sequence(synth_cols, encs, s.visit_sequence, s.max_predictor_levels)
            notes.extend(vnotes)
            s.visit_sequence = visit
            order = visit
        else:
            s.visit_sequence = None
        box: dict = {}
        method = _cart_method if s.method == "cart" else _gc_method(box)
        syn_enc = yield from grouped.structured_steps(method, encs, order, n_gen, s, rng, notes, doc, n_out)
        syn_enc = _remove_replicated(encs, syn_enc, synth_cols, n_out, s, notes)
        grouped.apply_passive(pl, encs, syn_enc, None)  # group means again, on the rows kept
        syn_cols = {name: common.decode(e, n_out, x=e.x, tok=e.tok, codes=e.codes)
                    for name, e in syn_enc.items()}
        if "model" in box:
            model = {"name": "gaussian_copula", **box["model"]}
    elif s.method == "cart":
        visit, vnotes = resolve_visit_sequence(synth_cols, encs, s.visit_sequence, s.max_predictor_levels)
        notes.extend(vnotes)
        s.visit_sequence = visit
        if visit:
            from .methods.cart import cart_steps

            syn_enc = yield from cart_steps(encs, visit, n_gen, s, rng, notes, 0, total)
            syn_enc = _remove_replicated(encs, syn_enc, synth_cols, n_out, s, notes)
            syn_cols = {name: common.decode(e, n_out, x=e.x, tok=e.tok, codes=e.codes)
                        for name, e in syn_enc.items()}
    elif s.method == "gc":
        s.visit_sequence = None
        if synth_cols:
            from .methods.copula import copula_steps

            syn_enc, model = yield from copula_steps(encs, synth_cols, n_gen, rng, notes, 0, total)
            syn_enc = _remove_replicated(encs, syn_enc, synth_cols, n_out, s, notes)
            syn_cols = {name: common.decode(e, n_out, x=e.x, tok=e.tok, codes=e.codes)
                        for name, e in syn_enc.items()}
            model = {"name": "gaussian_copula", **model}
    else:
        from .methods import marginal

        s.visit_sequence = None
        if not (s.structure is False or (isinstance(s.structure, dict) and s.structure.get("off"))):
            # independent marginals keep no relation between columns, so no structure either: said
            # in the notes (the report's Structure section then shows what is lost)
            from .methods import grouped
            from .structure import resolve_structure, summary_lines

            found = resolve_structure(data, s.structure)
            fp = grouped.plan(found, synth_cols)
            if fp["groups"] or fp["dependencies"] or fp["derived"]:
                notes.append(common.note("structure_not_kept", None, lines="; ".join(summary_lines(found))))
        shapes = {c: marginal.id_shape(data.values[c]) for c in ids}
        model = marginal.fit_model(data.schema, encs, ids, data.columns, n_real, shapes)
        real_ids = {c: data.values[c] for c in ids}
        synthetic, mnotes = yield from marginal.marginal_steps(model, n_out, rng, data.schema, real_ids, 0, total)
        notes.extend(mnotes)
    if s.method != "marginal":
        for j, c in enumerate(ids):
            syn_cols[c] = (common.regenerate_identifier(data.values[c], n_out, rng),
                           common.missing_tokens([], np.full(n_out, -1)))
            yield Step("synthesise", len(synth_cols) + j + 1, total, "progress.column", {"column": c})
        synthetic = common.assemble(data, syn_cols, n_out)
    for c in ids:
        notes.append(common.note("identifier_regenerated", c))
    seconds = {"fit_sample": time.perf_counter() - t0}
    return SynthResult(synthetic=synthetic, settings=s, method=s.method, seed=s.seed, n_real=n_real,
                       seconds=seconds, notes=_dedupe(notes), model=model, structure=doc)


def _cart_method(encs, names, n, s, rng, notes, given):
    """CART in the shared method interface of methods/grouped.py."""
    from .methods.cart import cart_steps

    return (yield from cart_steps(encs, names, n, s, rng, notes, 0, len(names), given=given))


def _gc_method(box: dict):
    """The Gaussian copula in the shared method interface (its last model kept in `box`)."""
    def run(encs, names, n, s, rng, notes, given):
        from .methods.copula import copula_steps

        syn, model = yield from copula_steps(encs, names, n, rng, notes, 0, len(names), given=given)
        box["model"] = model
        return syn
    return run


def _m_copies(data: Dataset, s: SynthSettings) -> Work[SynthResult]:
    """synthpop's m > 1: m synthetic data sets, copy k drawn as an m = 1 run with seed (seed + k) mod 2^32.
    Steps count over all copies (params["copy"] says which); the result is copy 1's, with every copy
    in `copies` and their seeds in `seeds`; the settings keep the base seed and m."""
    first, copies, seeds = None, [], []
    for k in range(s.m):
        one = SynthSettings.from_dict({**s.to_dict(), "m": 1, "seed": (s.seed + k) % 2**32})
        if first is not None:
            one.visit_sequence = s.visit_sequence if s.method == "cart" else None
        work = synthesise_steps(data, one)
        while True:
            try:
                st = next(work)
            except StopIteration as stop:
                res = stop.value
                break
            yield Step(st.stage, k * st.total + st.step, s.m * st.total, st.key, {**st.params, "copy": k + 1})
        copies.append(res.synthetic)
        seeds.append(res.seed)
        if first is None:
            first = res
            s.visit_sequence = res.settings.visit_sequence
            s.minbucket = res.settings.minbucket
    first.settings = SynthSettings.from_dict({**first.settings.to_dict(), "m": s.m, "seed": s.seed})
    first.copies, first.seeds = copies, seeds
    return first


def _dp_steps(data: Dataset, s: SynthSettings, notes: list[dict], t0: float) -> Work[SynthResult]:
    """method "dp": fit on the public domain (dp/method.py), then sample from the model only."""
    from .dp.method import fit_model, sample_model
    from .methods import common

    common.check_columns(data)
    if s.missing == "drop":
        data, k = common.drop_incomplete(data, list(data.columns))
        if k:
            notes.append(common.note("missing_rows_dropped", None, rows=k))
    yield Step("synthesise", 0, 2, "progress.column", {"column": "dp"})
    model, mnotes = fit_model(data, s)
    notes.extend(mnotes)
    yield Step("synthesise", 1, 2, "progress.column", {"column": "dp"})
    n_out = int(s.n_rows or model["n_hat"])
    cols = sample_model(model, n_out, s.seed, data.schema, list(data.columns))
    synthetic = common.assemble(data, cols, n_out)
    return SynthResult(synthetic=synthetic, settings=s, method="dp", seed=s.seed, n_real=data.n_rows,
                       seconds={"fit_sample": time.perf_counter() - t0}, notes=_dedupe(notes), model=model)


def _remove_replicated(real: dict, syn: dict, names: list[str], n_out: int, s: SynthSettings,
                       notes: list[dict]) -> dict:
    from .methods import common

    if not s.remove_replicated:
        return syn
    syn, removed, kept = common.drop_replicated(real, syn, names, n_out)
    if removed:
        notes.append(common.note("replicated_removed", None, rows=removed))
    if kept:
        notes.append(common.note("replicated_kept", None, rows=kept))
    return syn


def _dedupe(notes: list[dict]) -> list[dict]:
    out, seen = [], []
    for n in notes:
        key = (n["code"], n.get("column"), sorted(n.get("params", {}).items()))
        if key not in seen:
            seen.append(key)
            out.append(n)
    return out


def syn(data: Dataset, settings: SynthSettings | dict | None = None,
        progress: Callable[[Step], None] | None = None) -> SynthResult:
    """Synthesise `data` (synthpop's `syn`). `progress` gets each Step and may raise Cancelled."""
    t0 = time.perf_counter()
    result = drive(synthesise_steps(data, settings), progress)
    result.seconds.setdefault("total", time.perf_counter() - t0)
    return result
