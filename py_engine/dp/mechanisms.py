"""Noise: the discrete Gaussian (exact, integer arithmetic) and the exponential mechanism, on a
cryptographic random source.

Why exact: floating-point Laplace/Gaussian samplers leak through the gaps between doubles
(Mironov 2012), so counts get integer noise from N_Z(0, sigma^2), sampled exactly with the
algorithm of Canonne, Kamath & Steinke (2020, arXiv 2004.00010, Algorithm 3 and their reference
code discretegauss.py): Bernoulli(exp(-gamma)) from rational arithmetic, discrete Laplace by a
geometric, then rejection. Adding N_Z(0, sigma^2) to a query of L2 sensitivity 1 is
1/(2 sigma^2)-zCDP (CKS Theorem 4).

Why not the user's seed: the seed is recorded and exported; noise drawn from it could be
regenerated and subtracted. CryptoRandom draws from os.urandom (crypto.getRandomValues in Pyodide).

The exponential mechanism picks candidate i with probability proportional to exp(eps * q_i / 2) for
scores of sensitivity 1 (McSherry & Talwar 2007); by the bounded-range analysis (Cesar & Rogers
2021) it is eps^2/8-zCDP. It is drawn by Gumbel-max on 53-bit uniforms from the crypto source.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np


class CryptoRandom:
    """Uniform integers from the operating system's CSPRNG, buffered (one urandom call per 64 KiB)."""

    def __init__(self, source=os.urandom):
        self._source = source
        self._buf = b""
        self._pos = 0

    def _bytes(self, k: int) -> bytes:
        if self._pos + k > len(self._buf):
            self._buf = self._source(max(65536, k))
            self._pos = 0
        out = self._buf[self._pos:self._pos + k]
        self._pos += k
        return out

    def randbelow(self, m: int) -> int:
        """Uniform on 0..m-1, by rejection (no modulo bias)."""
        if m <= 0:
            raise ValueError("m must be positive")
        if m == 1:
            return 0
        bits = (m - 1).bit_length()
        nbytes = (bits + 7) // 8
        mask = (1 << bits) - 1
        while True:
            v = int.from_bytes(self._bytes(nbytes), "little") & mask
            if v < m:
                return v

    def uniform(self, n: int) -> np.ndarray:
        """n floats uniform on (0, 1): 53 random bits each, never 0."""
        raw = np.frombuffer(self._bytes(8 * n), dtype="<u8")
        return ((raw >> np.uint64(11)).astype(float) + 0.5) / 9007199254740992.0


def _bernoulli(p: Fraction, rng: CryptoRandom) -> int:
    return 1 if rng.randbelow(p.denominator) < p.numerator else 0


def _bernoulli_exp1(x: Fraction, rng: CryptoRandom) -> int:
    """Bernoulli(exp(-x)) for 0 <= x <= 1."""
    k = 1
    while _bernoulli(x / k, rng):
        k += 1
    return k % 2


def bernoulli_exp(x: Fraction, rng: CryptoRandom) -> int:
    """Bernoulli(exp(-x)) for x >= 0, exactly."""
    while x > 1:
        if _bernoulli_exp1(Fraction(1), rng):
            x -= 1
        else:
            return 0
    return _bernoulli_exp1(x, rng)


def _geometric_exp_slow(x: Fraction, rng: CryptoRandom) -> int:
    k = 0
    while bernoulli_exp(x, rng):
        k += 1
    return k


def _geometric_exp_fast(x: Fraction, rng: CryptoRandom) -> int:
    """Geometric with P(k) proportional to exp(-x k)."""
    if x == 0:
        return 0
    s, t = x.numerator, x.denominator
    while True:
        u = rng.randbelow(t)
        if bernoulli_exp(Fraction(u, t), rng):
            break
    v = _geometric_exp_slow(Fraction(1), rng)
    return (v * t + u) // s


def discrete_laplace(scale: Fraction, rng: CryptoRandom) -> int:
    """P(k) proportional to exp(-|k| / scale)."""
    while True:
        sign = _bernoulli(Fraction(1, 2), rng)
        mag = _geometric_exp_fast(1 / scale, rng)
        if sign and mag == 0:
            continue
        return mag * (1 - 2 * sign)


def discrete_gaussian(sigma2: Fraction, rng: CryptoRandom) -> int:
    """One draw of N_Z(0, sigma2): P(k) proportional to exp(-k^2 / (2 sigma2)), exactly."""
    sigma2 = Fraction(sigma2)
    t = math.isqrt(sigma2.numerator // sigma2.denominator) + 1
    while True:
        c = discrete_laplace(Fraction(t), rng)
        bias = (abs(c) - sigma2 / t) ** 2 / (2 * sigma2)
        if bernoulli_exp(bias, rng):
            return c


def discrete_gaussian_array(sigma2: Fraction, n: int, rng: CryptoRandom) -> np.ndarray:
    return np.array([discrete_gaussian(sigma2, rng) for _ in range(n)], dtype=np.int64)


def round_up_sigma2(sigma2: Fraction, denominator: int = 1000) -> Fraction:
    """sigma^2 rounded up to a multiple of 1/denominator (a small denominator keeps the exact
    sampler fast; rounding up only adds noise, so the privacy cost 1/(2 sigma^2) can only fall)."""
    return Fraction(math.ceil(Fraction(sigma2) * denominator), denominator)


def exponential_mechanism(scores: np.ndarray, eps: float, rng: CryptoRandom) -> int:
    """Index i with probability proportional to exp(eps * scores[i] / 2) (sensitivity-1 scores), by
    Gumbel-max: argmax of eps*q/2 + G, G = -log(-log U)."""
    q = np.asarray(scores, dtype=float)
    g = -np.log(-np.log(rng.uniform(len(q))))
    return int(np.argmax(0.5 * eps * q + g))
