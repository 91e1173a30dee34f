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

METHODS = ("cart", "gc", "marginal")
MISSING_MODES = ("synthesise", "drop", "impute")
SMOOTHING = ("none", "density")


@dataclass
class SynthSettings:
    """Every choice a synthesis run depends on; stored as JSON with the result.

    Vocabulary as in R synthpop: visit_sequence, minbucket, cp, smoothing, proper.
    """

    method: str = "cart"  # "cart" (sequential CART, synthpop's default), "gc" (Gaussian copula), "marginal"
    n_rows: int | None = None  # synthetic rows; None: as many as the real rows fitted on
    seed: int | None = None  # None: drawn at random; the seed used is recorded in the result
    visit_sequence: list[str] | None = None  # CART: column order; None: column order of the table
    minbucket: int = 5  # CART: smallest leaf (rpart's minbucket)
    cp: float = 1e-8  # CART: complexity parameter (rpart's cp)
    smoothing: str = "none"  # CART: "density" adds kernel noise to numeric draws (synthpop's smoothing)
    proper: bool = False  # CART: bootstrap the real rows before each fit (synthpop's proper = TRUE)
    missing: str = "synthesise"  # "synthesise" missingness as in the data; "drop" incomplete rows; "impute"
    max_predictor_levels: int = 60  # categoricals with more levels are not used as predictors

    def __post_init__(self):
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
        if int(self.minbucket) != self.minbucket or self.minbucket < 1:
            raise EngineError("settings.bad_minbucket", kind="settings", minbucket=self.minbucket)
        if self.seed is not None and (int(self.seed) != self.seed or not 0 <= self.seed < 2**32):
            raise EngineError("settings.bad_seed", kind="settings", seed=self.seed)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> SynthSettings:
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise EngineError("settings.unknown_setting", kind="settings", name=unknown[0])
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
    engine_version: str = __version__

    def settings_dict(self) -> dict:
        return self.settings.to_dict()

    def summary(self) -> dict:
        return {"method": self.method, "seed": self.seed, "settings": self.settings_dict(),
                "n_rows": self.synthetic.n_rows, "n_real": self.n_real, "columns": self.synthetic.columns,
                "seconds": self.seconds, "notes": self.notes, "engine_version": self.engine_version}


def resolve_seed(seed) -> int:
    """The seed to use: the one given, or a fresh random one (recorded, so the run can be repeated)."""
    if seed is None or seed == "":
        return secrets.randbelow(2**31)
    return int(seed)


def synthesise_steps(data: Dataset, settings: SynthSettings | dict | None = None) -> Work[SynthResult]:
    """Fit the chosen method on `data` and sample; yields a Step per unit of work, returns a SynthResult."""
    raise NotImplementedError  # implemented with the methods
    yield Step("synthesise", 0, 0, "")


def syn(data: Dataset, settings: SynthSettings | dict | None = None,
        progress: Callable[[Step], None] | None = None) -> SynthResult:
    """Synthesise `data` (synthpop's `syn`). `progress` gets each Step and may raise Cancelled."""
    t0 = time.perf_counter()
    result = drive(synthesise_steps(data, settings), progress)
    result.seconds.setdefault("total", time.perf_counter() - t0)
    return result
