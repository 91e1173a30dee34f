"""What every method shares: columns as codes and numbers, the missing-value modes, identifiers,
smoothing, and the way back to a typed Dataset.

A column is worked on as an `Encoded` column:

- number kind (numeric, integer, date, datetime): `x` float64 (days/seconds since 1970 for dates),
  NaN where missing, and `tok` the index of the missing token in `tokens` (-1 where observed). This
  is synthpop's pair of helper variables v.NA (`tok`) and v.0 (`x`).
- category kind (categorical, boolean): `codes` 0..L-1 for the labels, L+k for missing token k, so a
  missing value is a level of its own (synthpop's treatment of NA in a factor).

Determinism (the same seed gives the same bytes on CPython and in Pyodide): randomness comes only
from the numpy Generator passed in; floats that decide discrete outcomes are rounded before use;
no iteration over sets of strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..dataset import Dataset, from_float, to_float
from ..errors import EngineError
from ..schema import BOOLEAN, CATEGORICAL, DATE, DATETIME, IDENTIFIER, INTEGER, NUMERIC, TEXT

NUMBER_KINDS = (NUMERIC, INTEGER, DATE, DATETIME)
CATEGORY_KINDS = (CATEGORICAL, BOOLEAN)


def bincount(x, weights=None, minlength: int = 0) -> np.ndarray:
    """np.bincount on any integer array (wasm32's intp is 32-bit: numpy refuses int64 there)."""
    return np.bincount(np.asarray(x).astype(np.intp, copy=False), weights=weights, minlength=minlength)


# --------------------------------------------------------------------------- platform-exact random numbers
# libm's exp/log (glibc picks an FMA variant on x86-64, wasm uses musl) and numpy's SIMD loops can differ
# in the last bit. Sampling therefore uses only +, -, *, /, sqrt, frexp and ldexp, which IEEE 754 makes
# exact on every platform, on uniforms from the Generator.

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00


def det_log(x: np.ndarray) -> np.ndarray:
    """Natural log by frexp and the atanh series (relative error ~1e-16), the same bytes everywhere."""
    x = np.asarray(x, dtype=float)
    m, e = np.frexp(x)
    small = m < 0.7071067811865476
    m = np.where(small, m * 2.0, m)
    e = np.where(small, e - 1, e).astype(float)
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    p = np.full_like(s, 1.0 / 27.0)
    for k in range(12, -1, -1):
        p = p * s2 + 1.0 / (2 * k + 1)
    return 2.0 * s * p + e * _LN2_LO + e * _LN2_HI


def det_exp(x: np.ndarray) -> np.ndarray:
    """exp by range reduction and a degree-16 Taylor polynomial, the same bytes everywhere."""
    x = np.clip(np.asarray(x, dtype=float), -700.0, 700.0)
    k = np.round(x * _INV_LN2)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = np.full_like(r, 1.0 / 20922789888000.0)  # 1/16!
    fact = 20922789888000.0
    for j in range(15, -1, -1):
        fact /= (j + 1)
        p = p * r + 1.0 / fact
    return np.ldexp(p, k.astype(np.int32))


def std_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """n standard normal draws by Marsaglia's polar method on the Generator's uniforms."""
    out = np.empty(n)
    got = 0
    while got < n:
        need = n - got
        k = int(need * 1.3) + 8
        u = rng.random(k) * 2.0 - 1.0
        v = rng.random(k) * 2.0 - 1.0
        s = u * u + v * v
        ok = (s > 0) & (s < 1)
        u, v, s = u[ok], v[ok], s[ok]
        f = np.sqrt(-2.0 * det_log(s) / s)
        z = np.empty(2 * len(s))
        z[0::2] = u * f
        z[1::2] = v * f
        take = min(len(z), need)
        out[got:got + take] = z[:take]
        got += take
    return out


def note(code: str, column: str | None = None, **params) -> dict:
    out = {"code": code, "params": params}
    if column is not None:
        out["column"] = column
    return out


def round_sig(x: float, digits: int = 6) -> float:
    """x rounded to `digits` significant digits (derived floats are rounded before they decide anything)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


@dataclass
class Encoded:
    name: str
    type: str
    tokens: list[str]  # missing tokens, in first-appearance order
    tok: np.ndarray  # int32: -1 observed, else index into tokens
    x: np.ndarray | None = None  # number kind: float64, NaN where missing
    codes: np.ndarray | None = None  # category kind: labels 0..L-1, missing token k -> L+k
    labels: list[str] | None = None  # category kind: the labels (categories of the input column)
    decimals: int | None = 0  # number kind: digits to round synthetic values to (None: as they come)

    @property
    def is_number(self) -> bool:
        return self.x is not None

    @property
    def n_levels(self) -> int:
        return len(self.labels) + len(self.tokens) if self.labels is not None else 0

    @property
    def level_names(self) -> list[str]:
        return list(self.labels or []) + list(self.tokens)

    @property
    def has_missing(self) -> bool:
        return bool(len(self.tokens))

    def take(self, idx: np.ndarray) -> Encoded:
        return Encoded(self.name, self.type, self.tokens, self.tok[idx],
                       None if self.x is None else self.x[idx],
                       None if self.codes is None else self.codes[idx], self.labels, self.decimals)


def _tokens(missing: pd.Series) -> tuple[list[str], np.ndarray]:
    m = missing.astype(object)
    present = m.notna().to_numpy()
    tokens: list[str] = []
    tok = np.full(len(m), -1, dtype=np.int32)
    if present.any():
        vals = m[present]
        tokens = [str(t) for t in pd.unique(vals.to_numpy())]
        lookup = {t: i for i, t in enumerate(tokens)}
        tok[present] = np.array([lookup[str(t)] for t in vals.to_numpy()], dtype=np.int32) if len(vals) < 1000 \
            else pd.Series(vals.astype(str)).map(lookup).to_numpy(dtype=np.int32)
    return tokens, tok


def value_decimals(col) -> int | None:
    if col.type in (DATE, DATETIME, INTEGER):
        return 0
    return col.decimals


def encode(data: Dataset, name: str) -> Encoded:
    col = data.schema[name]
    tokens, tok = _tokens(data.missing[name])
    if col.type in NUMBER_KINDS:
        x = to_float(data.values[name], col.type).astype(float)
        x[tok >= 0] = np.nan
        return Encoded(name, col.type, tokens, tok, x=x, decimals=value_decimals(col))
    if col.type in CATEGORY_KINDS:
        cat = data.values[name]
        if not isinstance(cat.dtype, pd.CategoricalDtype):
            cat = cat.astype("category")
        labels = [str(c) for c in cat.cat.categories]
        codes = cat.cat.codes.to_numpy().astype(np.int32)
        L = len(labels)
        miss = tok >= 0
        codes[miss] = L + tok[miss]
        # a cell with no label and no token (should not happen) counts as the first token or an empty one
        bad = codes < 0
        if bad.any():
            if "" not in tokens:
                tokens = [*tokens, ""]
            codes[bad] = L + tokens.index("")
            tok[bad] = tokens.index("")
        return Encoded(name, col.type, tokens, tok, codes=codes, labels=labels)
    raise ValueError(f"column {name} of type {col.type} is not synthesised by a method")


def encode_all(data: Dataset, names: list[str]) -> dict[str, Encoded]:
    return {n: encode(data, n) for n in names}


def decode(enc: Encoded, n: int, x: np.ndarray | None = None, tok: np.ndarray | None = None,
           codes: np.ndarray | None = None) -> tuple[pd.Series | pd.Categorical | np.ndarray, pd.Categorical]:
    """Synthetic arrays of one column -> (values, missing tokens) as a Dataset holds them."""
    if enc.is_number:
        tok = np.asarray(tok, dtype=np.int32)
        x = np.array(x, dtype=float)
        x[tok >= 0] = np.nan
        if enc.decimals is not None:
            x = np.round(x, enc.decimals)
        values = from_float(x, enc.type).to_numpy() if enc.type in (DATE, DATETIME) else x
    else:
        codes = np.asarray(codes, dtype=np.int64)
        L = len(enc.labels)
        tok = np.where(codes >= L, codes - L, -1).astype(np.int32)
        values = pd.Categorical.from_codes(np.where(codes < L, codes, -1), categories=enc.labels)
    missing = missing_tokens(enc.tokens, tok)
    return values, missing


def missing_tokens(tokens: list[str], tok: np.ndarray) -> pd.Categorical:
    if not tokens:
        return pd.Categorical([None] * len(tok))
    return pd.Categorical.from_codes(np.asarray(tok, dtype=np.int64), categories=tokens)


def assemble(data: Dataset, columns: dict[str, tuple], n: int) -> Dataset:
    """A Dataset with the input's included columns, in the input's order, from decoded columns."""
    values, missing = {}, {}
    for name in data.columns:
        v, m = columns[name]
        values[name] = v
        missing[name] = m
    return Dataset(data.schema, pd.DataFrame(values, index=range(n)), pd.DataFrame(missing, index=range(n)))


# --------------------------------------------------------------------------- columns a method can take

def check_columns(data: Dataset) -> tuple[list[str], list[str]]:
    """(columns a method synthesises, identifier columns to regenerate). Free text is an error."""
    synth, ids = [], []
    for name in data.columns:
        t = data.schema[name].type
        if t == TEXT:
            raise EngineError("synthesis.free_text", kind="settings", column=name)
        if t == IDENTIFIER:
            ids.append(name)
        else:
            synth.append(name)
    if data.n_rows < 2:
        raise EngineError("synthesis.too_few_rows", kind="input", rows=data.n_rows)
    return synth, ids


# --------------------------------------------------------------------------- missing-value modes

def drop_incomplete(data: Dataset, names: list[str]) -> tuple[Dataset, int]:
    """Rows with a missing cell in any of `names` left out (missing = "drop")."""
    if not names:
        return data, 0
    any_missing = data.missing[names].notna().any(axis=1).to_numpy()
    k = int(any_missing.sum())
    if k == 0:
        return data, 0
    if k == data.n_rows:
        raise EngineError("synthesis.drop_all_rows", kind="settings")
    return data.take(np.flatnonzero(~any_missing)), k


def impute(encs: dict[str, Encoded], rng: np.random.Generator) -> list[dict]:
    """Fill missing cells by random hot-deck (missing = "impute"): each missing cell gets the value of
    an observed cell of the same column drawn at random. This keeps each column's distribution but not
    its relations with the other columns for the imputed cells (it assumes values are missing
    completely at random); the notes say how many cells were filled."""
    notes = []
    for name, e in encs.items():
        miss = e.tok >= 0
        k = int(miss.sum())
        if k == 0:
            continue
        obs = np.flatnonzero(~miss)
        if len(obs) == 0:
            raise EngineError("synthesis.all_missing", kind="input", column=name)
        donors = obs[rng.integers(0, len(obs), size=k)]
        if e.is_number:
            e.x[miss] = e.x[donors]
        else:
            e.codes[miss] = e.codes[donors]
        e.tok[:] = -1
        e.tokens = []
        notes.append(note("missing_imputed", name, cells=k))
    return notes


# --------------------------------------------------------------------------- replicated rare rows

REPLICATED_RARE = 2  # 2: real rows no other real row shares (uniques, as synthpop's sdc)


def _key_frame(encs: dict[str, Encoded], names: list[str]) -> pd.DataFrame:
    cols = {}
    for i, name in enumerate(names):
        e = encs[name]
        if e.is_number:
            x = np.where(e.tok >= 0, 0.0, e.x)
            if e.decimals is not None:
                x = np.round(x, e.decimals)
            cols[f"x{i}"] = x
            cols[f"t{i}"] = e.tok.astype(np.int32)
        else:
            cols[f"c{i}"] = e.codes.astype(np.int32)
    return pd.DataFrame(cols)


def replicated_rare(real: dict[str, Encoded], syn: dict[str, Encoded], names: list[str],
                    rare: int = REPLICATED_RARE) -> tuple[np.ndarray, float]:
    """(mask of synthetic rows equal on every column to a real row that fewer than `rare` real rows
    share, the natural rate of such replication).

    The natural rate is what a new sample from the same population would show, estimated leave-one-out
    on the real rows: the share of real rows whose values 1 to rare-1 *other* real rows share."""
    n_syn = len(next(iter(syn.values())).tok)
    if not names:
        return np.zeros(n_syn, dtype=bool), 0.0
    r = _key_frame(real, names)
    s = _key_frame(syn, names)
    keys = list(r.columns)
    counts = r.groupby(keys, sort=False, dropna=False).size().rename("_n").reset_index()
    c_real = r.merge(counts, how="left", on=keys, sort=False)["_n"].to_numpy()
    natural = float(np.mean((c_real >= 2) & (c_real <= rare)))
    n = s.merge(counts, how="left", on=keys, sort=False)["_n"].fillna(0).to_numpy()
    return (n > 0) & (n < rare), natural


def drop_replicated(real: dict[str, Encoded], syn: dict[str, Encoded], names: list[str], n_out: int
                    ) -> tuple[dict[str, Encoded], int, int]:
    """Keep n_out synthetic rows (drawn with a margin), with no more rows that replicate a rare real row
    than the natural rate allows: beyond that share such rows are left out and later rows take their
    place. Synthetic rows are independent draws, so leaving out the surplus in drawing order is a
    random choice. Returns (columns, rows left out, surplus replicated rows that had to be kept)."""
    bad, natural = replicated_rare(real, syn, names)
    allowed = int(round(natural * n_out))
    bad_idx = np.flatnonzero(bad)
    ok = ~bad
    ok[bad_idx[:allowed]] = True  # the natural share of replicated rows stays
    keep = np.flatnonzero(ok)[:n_out]
    kept_bad = 0
    if len(keep) < n_out:
        extra = np.flatnonzero(~ok)[: n_out - len(keep)]
        kept_bad = len(extra)
        keep = np.sort(np.concatenate([keep, extra]))
    removed = int((~ok)[: keep[-1] + 1].sum()) - kept_bad if len(keep) else 0
    return {k: v.take(keep) for k, v in syn.items()}, removed, kept_bad


# --------------------------------------------------------------------------- identifiers

_DIGITS = np.array(list("0123456789"))
_UPPER = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
_LOWER = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def regenerate_identifier(real: pd.Series, n: int, rng: np.random.Generator) -> np.ndarray:
    """n new unique identifiers shaped like the real ones (digits stay digits, letters letters, other
    characters as written) and never equal to a real one. Where the shape leaves too few unused values,
    the remaining ones get a longer number, still unused."""
    obs = [str(v) for v in real.dropna().tolist() if str(v) != ""]
    used = set(obs)
    if not obs:
        obs = ["0000000"]
    out: list[str] = []
    seen: set[str] = set()
    templates = np.array(obs, dtype=object)
    for _ in range(8):
        need = n - len(out)
        if need <= 0:
            break
        pick = templates[rng.integers(0, len(templates), size=need)]
        cand = [_reshape(t, rng) for t in pick]
        for c in cand:
            if c not in used and c not in seen:
                seen.add(c)
                out.append(c)
    if len(out) < n:
        digits = max(len(s) for s in obs) + 1
        start = 10 ** digits
        k = start
        while len(out) < n:
            c = str(k)
            if c not in used and c not in seen:
                seen.add(c)
                out.append(c)
            k += 1
    return np.array(out[:n], dtype=object)


def _reshape(template: str, rng: np.random.Generator) -> str:
    chars = list(template)
    r = rng.random(len(chars))
    for i, ch in enumerate(chars):
        if ch.isdigit():
            d = _DIGITS[int(r[i] * 10)]
            if i == 0 and ch != "0" and len(chars) > 1:
                d = _DIGITS[1 + int(r[i] * 9)]
            chars[i] = d
        elif "A" <= ch <= "Z":
            chars[i] = _UPPER[int(r[i] * 26)]
        elif "a" <= ch <= "z":
            chars[i] = _LOWER[int(r[i] * 26)]
    return "".join(chars)


# --------------------------------------------------------------------------- smoothing (synthpop's "density")

RARE_COUNT = 5  # a value held by fewer real rows than this is rare: only rare values are smoothed


@dataclass
class Smoother:
    """Gaussian kernel noise for numeric draws, after synthpop's smoothing = "density": bandwidth by the
    Sheather-Jones "solve-the-equation" rule (R's bw.SJ) on the column's values (without a value that
    holds more than 70% of them, as synthpop), results clamped to the real range and rounded to the
    real number of decimals.

    One departure from synthpop: only *rare* values -- held by fewer than RARE_COUNT real rows -- are
    smoothed. A value that many rows share identifies no one, and blurring it would only damage real
    features of the distribution (heaps at round amounts, a dominant zero, a top code; synthpop leaves the
    last two alone for the same reason). Rare values, the ones that can single a person out, get noise."""

    bandwidth: float
    lo: float
    hi: float
    common: np.ndarray  # values held by at least RARE_COUNT real rows: not smoothed

    def apply(self, y: np.ndarray, rng: np.random.Generator, decimals: int | None) -> np.ndarray:
        y = np.asarray(y, dtype=float).copy()
        ok = np.isfinite(y) & ~np.isin(y, self.common)
        idx = np.flatnonzero(ok)
        if len(idx):
            noise = std_normal(rng, len(idx))
            y[idx] = np.clip(y[idx] + noise * self.bandwidth, self.lo, self.hi)
            if decimals is not None:
                y[idx] = np.round(y[idx], decimals)
        return y


def make_smoother(x: np.ndarray, name: str) -> tuple[Smoother | None, list[dict]]:
    """A Smoother for the observed values x of a numeric column, or None with a note saying why not."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 10:
        return None, [note("smoothing_skipped_few", name, count=len(x))]
    vals, counts = np.unique(x, return_counts=True)
    rare_share = float(counts[counts < RARE_COUNT].sum()) / len(x)
    if rare_share == 0:
        return None, [note("smoothing_skipped_common", name)]
    top = int(np.argmax(counts))
    rest = x[x != vals[top]] if counts[top] / len(x) > 0.7 else x
    bw = sj_bandwidth(rest)
    if bw is None or not bw > 0:
        return None, [note("smoothing_skipped_sparse", name)]
    bw = round_sig(bw, 4)
    return (Smoother(bandwidth=bw, lo=float(x.min()), hi=float(x.max()), common=vals[counts >= RARE_COUNT]),
            [note("smoothing_rare_only", name, share=round(100 * rare_share, 1), bandwidth=bw)])


def _num(v: float):
    v = float(v)
    return int(v) if v == int(v) else v


def sj_bandwidth(x: np.ndarray, nb: int = 1000) -> float | None:
    """Sheather & Jones (1991) "solve-the-equation" bandwidth, as R's bw.SJ(method = "ste"): the pairwise
    distances binned into nb bins; phi4/phi6 functional estimates with the Gaussian kernel; the root
    of h = (1 / (2 sqrt(pi) n phi4(alpha2 h^(5/7))))^(1/5) found by bisection. Plain Python floats
    (math.exp) so the result is the same on every platform. None where the sample is too sparse."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 3:
        return None
    sd = float(np.std(x, ddof=1))
    q75, q25 = np.percentile(x, [75, 25])
    iqr = float(q75 - q25) / 1.349
    scale = min(sd, iqr) if iqr > 0 else sd
    if not scale > 0:
        return None
    xmin, xmax = float(x.min()), float(x.max())
    dd = (xmax - xmin) * 1.01 / nb
    b = np.minimum(np.floor((x - xmin) / dd).astype(np.int64), nb - 1)
    h = bincount(b, minlength=nb).astype(np.int64)
    # cnt[k]: pairs of points k bins apart (exact integer arithmetic)
    full = np.correlate(h, h, mode="full")  # lags -(nb-1)..(nb-1)
    cnt = full[nb - 1:].astype(float)
    cnt[0] = float(np.sum(h * (h - 1)) // 2)
    cnt_list = [float(c) for c in cnt]
    sqrt2pi = math.sqrt(2 * math.pi)

    def phi(hh: float, order: int) -> float:
        s = 0.0
        for i, c in enumerate(cnt_list):
            delta = (i * dd / hh) ** 2
            if delta >= 1000:
                break
            if c == 0:
                continue
            if order == 4:
                term = math.exp(-delta / 2) * (delta * delta - 6 * delta + 3)
            else:
                term = math.exp(-delta / 2) * (delta ** 3 - 15 * delta ** 2 + 45 * delta - 15)
            s += term * c
        if order == 4:
            s = 2 * s + n * 3
            return s / (n * (n - 1) * hh ** 5 * sqrt2pi)
        s = 2 * s - 15 * n
        return s / (n * (n - 1) * hh ** 7 * sqrt2pi)

    a = 1.24 * scale * n ** (-1 / 7)
    bb = 1.23 * scale * n ** (-1 / 9)
    c1 = 1 / (2 * math.sqrt(math.pi) * n)
    td = -phi(bb, 6)
    if not (math.isfinite(td) and td > 0):
        return None
    sda = phi(a, 4)
    if not (sda > 0):
        return None
    alph2 = 1.357 * (sda / td) ** (1 / 7)
    hmax = 1.144 * scale * n ** (-1 / 5)
    lower, upper = 0.1 * hmax, hmax
    tol = 0.1 * lower

    def f(hh: float) -> float:
        v = phi(alph2 * hh ** (5 / 7), 4)
        if not v > 0:
            return -hh
        return (c1 / v) ** 0.2 - hh

    flo, fhi = f(lower), f(upper)
    tries = 0
    while flo * fhi > 0:
        if tries > 99:
            return None
        if tries % 2 == 0:
            upper *= 1.2
            fhi = f(upper)
        else:
            lower /= 1.2
            flo = f(lower)
        tries += 1
    while upper - lower > tol:
        mid = (lower + upper) / 2
        fm = f(mid)
        if fm * flo > 0:
            lower, flo = mid, fm
        else:
            upper = mid
    return (lower + upper) / 2
