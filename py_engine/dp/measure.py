"""The sensitive table: the real rows as cell indices of the public domain, reachable only through
charged measurements.

`Sensitive(data, domains)` maps every row to one cell per column (domain.py: clipped numbers,
"other" for unlisted levels, declared missing tokens). Its counts leave only through
`measure(...)` (discrete Gaussian noise, charged to the odometer first) and `select(...)` (the
exponential mechanism on sensitivity-1 scores, charged first). Any other access raises, and after
`close()` everything raises: estimation, sampling and decoding run with it closed.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .accounting import Odometer
from .domain import ColumnDomain
from .mechanisms import CryptoRandom, discrete_gaussian_array, exponential_mechanism


class ClosedError(RuntimeError):
    pass


def cell_index(dom: ColumnDomain, values, missing, typ: str = "numeric") -> np.ndarray:
    """Cell of each row in column `dom` (a pure function of the domain and the row's own cell)."""
    miss = missing.notna().to_numpy() if hasattr(missing, "notna") else np.asarray(missing, dtype=bool)
    tokens = missing.astype(object).to_numpy() if hasattr(missing, "astype") else None
    out = np.zeros(len(miss), dtype=np.intp)
    if dom.kind == "categorical":
        lookup = {lv: i for i, lv in enumerate(dom.levels)}
        other = len(dom.levels)
        labels = np.asarray(values.astype(object) if hasattr(values, "astype") else values, dtype=object)
        for i in np.flatnonzero(~miss):
            out[i] = lookup.get(str(labels[i]), other)
    else:
        from ..dataset import to_float

        x = np.asarray(to_float(values, typ), dtype=float)
        obs = ~miss & np.isfinite(x)
        miss = ~obs
        xo = np.clip(x[obs], dom.lower, dom.upper)
        cell = np.clip(np.searchsorted(dom.edges(), xo, side="right") - 1, 0, dom.bins - 1)
        for k, sp in enumerate(dom.special):
            cell = np.where(xo == sp, dom.bins + k, cell)
        out[obs] = cell
    if not dom.missing:  # no missing cell declared: "other" (a category) or the lowest bin (a number)
        out[np.flatnonzero(miss)] = len(dom.levels) if dom.kind == "categorical" else 0
        return out
    base = dom.n_values
    mlookup = {t: i for i, t in enumerate(dom.missing)}
    for i in np.flatnonzero(miss):
        t = tokens[i] if tokens is not None else None
        out[i] = base + mlookup.get("" if t is None or t != t else str(t), 0)
    return out


class Sensitive:
    def __init__(self, cells: dict[str, np.ndarray], sizes: dict[str, int], odometer: Odometer,
                 rng: CryptoRandom | None = None, noise=None):
        """noise(sigma2, n, rng): n draws of N_Z(0, sigma2); the exact sampler (mechanisms.
        discrete_gaussian_array) unless given. Only the settings search's internal DP points
        (optimise._dp_run, never released) give another one."""
        self.__cells = cells
        self.sizes = dict(sizes)
        self.columns = list(cells)
        self.odometer = odometer
        self.rng = rng or CryptoRandom()
        self.noise = noise or discrete_gaussian_array
        self.__open = True
        self.__cache: dict = {}  # true counts per (cols, maps): AIM scores the same marginals each round

    @classmethod
    def from_dataset(cls, data, domains: dict[str, ColumnDomain], odometer: Odometer, rng=None, noise=None
                     ) -> Sensitive:
        cells = {c: cell_index(d, data.values[c], data.missing[c], data.schema[c].type) for c, d in domains.items()}
        return cls(cells, {c: d.size for c, d in domains.items()}, odometer, rng, noise)

    def close(self) -> None:
        self.__open = False
        self.__cells = None
        self.__cache = {}

    def __getattr__(self, name):
        raise ClosedError(f"the sensitive table has no attribute {name!r}: only measure() and select()")

    def _counts(self, cols: tuple[str, ...], maps: dict[str, np.ndarray]) -> np.ndarray:
        """True counts of a marginal over the (compressed) cells; private to the charged calls."""
        if not self.__open:
            raise ClosedError("the sensitive table is closed: measurement is over")
        key = (cols, tuple(tuple(maps[c]) if c in maps else None for c in cols))
        if key in self.__cache:
            return self.__cache[key]
        shape = tuple(len(np.unique(maps[c])) if c in maps else self.sizes[c] for c in cols)
        idx = np.zeros(len(self.__cells[cols[0]]), dtype=np.intp)
        for c, k in zip(cols, shape, strict=True):
            v = self.__cells[c]
            if c in maps:
                v = maps[c][v]
            idx = idx * k + v.astype(np.intp)
        out = np.bincount(idx, minlength=int(np.prod(shape))).reshape(shape).astype(np.int64)
        out.setflags(write=False)
        self.__cache[key] = out
        return out

    def measure(self, cols: tuple[str, ...], sigma2: Fraction, maps: dict[str, np.ndarray], what: str
                ) -> np.ndarray:
        """One marginal + N_Z(0, sigma2) per cell; costs 1/(2 sigma2) (L2 sensitivity 1)."""
        self.odometer.charge(Fraction(1) / (2 * Fraction(sigma2)), what)
        c = self._counts(tuple(cols), maps)
        return c + self.noise(Fraction(sigma2), c.size, self.rng).reshape(c.shape)

    def select(self, candidates: list[tuple[str, str]], score, eps: Fraction, maps: dict[str, np.ndarray],
               what: str) -> int:
        """The exponential mechanism over candidates; score(pair, true_counts) must have sensitivity 1.
        Costs eps^2 / 8 (bounded range, Cesar & Rogers 2021)."""
        eps = Fraction(eps)
        self.odometer.charge(eps * eps / 8, what)
        q = np.array([score(p, self._counts(p, maps)) for p in candidates], dtype=float)
        return exponential_mechanism(q, float(eps), self.rng)
