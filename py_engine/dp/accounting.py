"""Privacy accounting in rho-zCDP (Bun & Steinke 2016) and the conversion to (epsilon, delta) of
Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (2020, arXiv 2004.00010),
Proposition 12 / cdp2adp.py:

    delta(rho, eps) = min over alpha > 1 of exp((alpha-1)(alpha*rho - eps)) * (1 - 1/alpha)^alpha / (alpha-1)

`cdp_rho(eps, delta)` is the largest rho with delta(rho, eps) <= delta (bisection). Any alpha gives a
valid bound, so an inexact search only errs on the safe side. The closed form
rho = (sqrt(eps + ln(1/delta)) - sqrt(ln(1/delta)))^2 is a lower bound on the answer.

The Odometer keeps the budget in exact rationals (fractions.Fraction): every charge is added
exactly and a charge that would exceed the budget raises before anything is measured.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ..errors import EngineError


def cdp_delta(rho: float, eps: float) -> float:
    """The smallest delta CKS's bound gives for rho-zCDP at epsilon eps."""
    if rho < 0 or eps < 0:
        raise ValueError("rho and eps must be >= 0")
    if rho == 0:
        return 0.0
    amin, amax = 1.01, (eps + 1) / (2 * rho) + 2
    alpha = amin
    for _ in range(200):
        alpha = (amin + amax) / 2
        derivative = (2 * alpha - 1) * rho - eps + math.log1p(-1.0 / alpha)
        if derivative < 0:
            amin = alpha
        else:
            amax = alpha
    delta = math.exp((alpha - 1) * (alpha * rho - eps) + alpha * math.log1p(-1 / alpha)) / (alpha - 1.0)
    return min(delta, 1.0)


def cdp_rho(eps: float, delta: float) -> float:
    """The largest rho such that rho-zCDP implies (eps, delta)-DP by the CKS bound."""
    if not eps > 0 or not 0 < delta < 1:
        raise ValueError("need eps > 0 and 0 < delta < 1")
    lo, hi = 0.0, eps + 1
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdp_delta(mid, eps) <= delta:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * hi:
            break
    return lo


def cdp_eps(rho: float, delta: float) -> float:
    """The smallest epsilon with cdp_delta(rho, epsilon) <= delta."""
    lo, hi = 0.0, rho + 2 * math.sqrt(rho * math.log(1 / delta)) + 1
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdp_delta(rho, mid) <= delta:
            hi = mid
        else:
            lo = mid
    return hi


def rho_closed_form(eps: float, delta: float) -> float:
    """(sqrt(eps + ln(1/delta)) - sqrt(ln(1/delta)))^2: the classical bound, a floor for cdp_rho."""
    L = math.log(1 / delta)
    return (math.sqrt(eps + L) - math.sqrt(L)) ** 2


def budget_rho(epsilon, delta) -> float:
    """rho for the user's (epsilon, delta), with clear errors for bad values."""
    try:
        e, d = float(epsilon), float(delta)
    except (TypeError, ValueError):
        raise EngineError("dp.bad_epsilon", kind="settings", value=epsilon) from None
    if not (math.isfinite(e) and 0 < e <= 100):
        raise EngineError("dp.bad_epsilon", kind="settings", value=epsilon)
    if not (math.isfinite(d) and 0 < d < 1e-2):
        raise EngineError("dp.bad_delta", kind="settings", value=delta)
    return cdp_rho(e, d)


class BudgetExceeded(Exception):
    pass


class Odometer:
    """The rho spent so far, exactly. charge() refuses to go over the budget."""

    def __init__(self, rho: float | Fraction):
        self.total = Fraction(rho)
        self.spent = Fraction(0)
        self.ledger: list[tuple[str, Fraction]] = []

    def charge(self, rho: Fraction | float, what: str) -> None:
        rho = Fraction(rho)
        if rho < 0:
            raise ValueError("a charge is never negative")
        if self.spent + rho > self.total:
            raise BudgetExceeded(f"{what}: charging {float(rho):.6g} would exceed the budget "
                                 f"({float(self.spent):.6g} of {float(self.total):.6g} spent)")
        self.spent += rho
        self.ledger.append((what, rho))

    @property
    def remaining(self) -> Fraction:
        return self.total - self.spent

    def summary(self) -> dict:
        parts: dict[str, float] = {}
        for what, r in self.ledger:
            key = what.split(":")[0]
            parts[key] = parts.get(key, 0.0) + float(r)
        return {"rho_budget": float(self.total), "rho_spent": float(self.spent), "split": parts}
