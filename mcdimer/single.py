"""Thermal statistics of one bounded moment in a field: Eqs. (B2)-(B3) with the bound |mu| <= 1.

For a landscape f = beta*F and a reduced field of magnitude H, the single-particle
partition function over the unit ball (flat measure d^3 mu, Eq. (B7)) is

    Z1(H) = 4 pi int_0^1 mu^2 exp(-f(mu)) sinh(H mu)/(H mu) dmu,

its logarithmic derivative is the mean moment along the field,
<mu_par> = d ln Z1/dH = < mu L(H mu) > (L the Langevin function), and the second
derivative is the variance of mu_par. The exact dimer (Eq. (B8)) integrates particle 2
out with exactly this function, and the finite-temperature mean field uses <mu_par>.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._quadrature import composite, graded_edges
from .landscapes import Landscape


@njit(cache=True)
def _log_sinhc(x):
    """log(sinh(x)/x) for x >= 0 without overflow."""
    if x < 1e-4:
        return x * x / 6.0
    if x < 20.0:
        return np.log(np.sinh(x) / x)
    return x - np.log(2.0 * x) + np.log1p(-np.exp(-2.0 * x))


@njit(cache=True)
def _langevin(x):
    """L(x) = coth(x) - 1/x, and 1 - 2 L(x)/x = <u^2> for u = cos(angle to the field)."""
    if x < 1e-3:
        x2 = x * x
        return x / 3.0 - x * x2 / 45.0, 1.0 / 3.0 + 2.0 * x2 / 45.0
    lang = 1.0 / np.tanh(x) - 1.0 / x
    return lang, 1.0 - 2.0 * lang / x


@njit(cache=True)
def log_sinhc_and_transverse(a):
    """(ln(sinh a/a), L(a)/a) at each a = H mu >= 0 (array): the radial weight of a moment
    of modulus mu in a field H (the integrand of Z1, Eq. (B2)), and the mean of
    (mu_perp/mu)^2 along one axis across the field, (1 - <u^2>)/2 = L(a)/a (1/3 at a = 0).
    For `ladder.free_susceptibility`."""
    out = np.empty((2, a.size))
    for k in range(a.size):
        out[0, k] = _log_sinhc(a[k])
        out[1, k] = 0.5 * (1.0 - _langevin(a[k])[1])
    return out


@njit(cache=True)
def stats_on_rule(H, mu, logw):
    """ln(Z1/4pi), <mu_par>, var(mu_par) of Eq. (B2) at each reduced field H (array), on the
    quadrature rule (nodes mu, log-weights logw) of `modulus_rule`: `stats` without its
    checks, for callers that reuse one rule over many fields (`compare.curvature_at_zero`)."""
    out = np.empty((H.size, 3))
    q = mu.size
    lt = np.empty(q)
    for k in range(H.size):
        hk = H[k]
        top = -np.inf
        for j in range(q):
            lt[j] = logw[j] + _log_sinhc(hk * mu[j])
            if lt[j] > top:
                top = lt[j]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        for j in range(q):
            w = np.exp(lt[j] - top)
            lang, u2 = _langevin(hk * mu[j])
            s0 += w
            s1 += w * mu[j] * lang
            s2 += w * mu[j] * mu[j] * u2
        mean = s1 / s0
        out[k, 0] = top + np.log(s0)
        out[k, 1] = mean
        out[k, 2] = s2 / s0 - mean * mean
    return out


def modulus_rule(landscape: Landscape, panels: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Nodes mu in (0, 1) and log-weights ln(w mu^2 e^{-f(mu)}) for integrals over |mu|."""
    mu, w = composite(graded_edges(0.0, 1.0, panels))
    return mu, np.log(w) + 2.0 * np.log(mu) - landscape.energy(mu)


def stats(landscape: Landscape, H) -> np.ndarray:
    """Columns ln(Z1/4pi), <mu_par>, var(mu_par) of one bounded moment in field(s) |H| (Eq. (B2)).

    Reduced units: H = beta M0 |H_eff|. Deterministic quadrature, relative accuracy ~1e-12.
    """
    H = np.abs(np.atleast_1d(np.asarray(H, dtype=float)))
    mu, logw = modulus_rule(landscape)
    return stats_on_rule(H, mu, logw)


def mean_moment(landscape: Landscape, H):
    """<mu_par>(H): thermal mean modulus along a field of reduced magnitude H (cf. Eq. (B3))."""
    H = np.asarray(H, dtype=float)
    return stats(landscape, H.ravel())[:, 1].reshape(H.shape)


class Table:
    """ln Z1 and <mu_par> on a grid of H, for cubic-Hermite interpolation inside kernels.

    Hermite interpolation of ln Z1 with its derivative <mu_par>, and of <mu_par> with
    its derivative var(mu_par): with step dH the error is ~ dH^4/384 times a cumulant of
    a bounded variable, ~1e-9 for dH = 0.05.
    """

    def __init__(self, landscape: Landscape, h_max: float, step: float = 0.05):
        # Beyond H ~ 2000 the moment is pinned at the edge and the cumulants fall like
        # 1/(H - 2C)^k: a coarser step keeps the table at <= 40 000 nodes at no cost in accuracy.
        step = max(step, h_max / 40_000)
        n = int(np.ceil(max(h_max, step) / step)) + 2
        self.step = step
        self.grid = np.arange(n) * step
        self.values = stats(landscape, self.grid)
