"""Finite-temperature mean field for bounded moments (App. B model and any landscape).

Mean field keeps each particle's thermal fluctuations but not the correlations between
particles: <mu_i> is the exact thermal mean of ONE bounded moment in the effective field
that the others' means produce (Eq. (3) in reduced units, `Assembly.field`),

    <mu_i> = L_f(|h_i|) h_i/|h_i|,   h_i = h + K sum_{j != i} (3 z (z.<mu_j>) - <mu_j>)/|i-j|^3,

with L_f(H) = d ln Z1/dH the mean modulus along a field H of a moment with landscape f on
the unit ball (`mcdimer.single.mean_moment`, cf. Eq. (B3)). As C -> infinity (T -> 0 at fixed
gamma, M0) L_f tends to the T = 0 response and this tends to `solve`.

Onset. Linearising at <mu> = 0, L_f(H) = s H + O(H^3) with s = <mu_par^2> at H = 0 = <|mu|^2>/3
(`single.stats` column 2); the longitudinal aligned mode of a chain grows when
2 K s lambda_max(A) = 1 (Eq. (C1)), i.e.

    K/C at onset = chain_critical_ratio(n) / (2 C s).

Unbounded, s = 1/(2C) (Eq. (B3)) and the onset is the T = 0 one. The ball's edge removes the
tails int_1^inf r^k e^{-C r^2} dr ~ e^{-C}/(2C) from numerator (k = 4) and denominator (k = 2)
of <|mu|^2> = (3/(2C)) (1 - (4/(3 sqrt(pi))) C^(3/2) e^{-C} + O(C^(1/2) e^{-C})), so the dimer's
finite-T onset exceeds 1 by

    (4/(3 sqrt(pi))) C^(3/2) e^{-C} (1 + O(1/C)):

checked against `finite_t_onset`: 0.0613 at C = 5 (1.08 times the formula, nine times
e^-5), 1.0813e-3 at C = 10 (1.0013 times), 1.38682e-7 at C = 20 (1 + 2e-7 times).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from .. import _checks, single
from ..landscapes import Quadratic
from ..model import Assembly
from .chain import chain_critical_ratio


def zero_field_slope(landscape) -> float:
    """s = d<mu_par>/dH at H = 0 = <|mu|^2>/3 of one bounded moment (reduced units)."""
    return float(single.stats(landscape, 0.0)[0, 2])


def finite_t_onset(C, n: int = 2) -> float:
    """Finite-temperature mean-field onset K/C of aligned order for the App.-B chain (n = 2: dimer).

    C = beta gamma M0^2 > 0 (Eq. (B1)); returns chain_critical_ratio(n) / (2 C s(C)), which
    tends to the T = 0 value chain_critical_ratio(n) (1 for the dimer) as C grows.
    """
    C = _checks.real("C", C, low=0.0, low_open=True)
    n = _checks.integer("n", n, low=2)
    return chain_critical_ratio(n) / (2.0 * C * zero_field_slope(Quadratic(C)))


def finite_t_order_parameter(ratio, C):
    """Aligned order parameter m = <mu_i^z> of the App.-B dimer at h = 0, finite-T mean field.

    Solves m = L(2 K m) for the quadratic landscape (Eq. (B1)), K = ratio * C; ratio = K/C
    (scalar or array, >= 0), C > 0. Returns 0 below `finite_t_onset(C)`, the positive root
    above (the other is -m). Dimensionless (units of M0).
    """
    C = _checks.real("C", C, low=0.0, low_open=True)
    ratios = np.asarray(ratio, dtype=float)
    if not np.all(np.isfinite(ratios)) or np.any(ratios < 0):
        raise ValueError("ratio (K/C) must be finite and >= 0")
    land = Quadratic(C)
    onset = finite_t_onset(C)
    out = np.zeros(ratios.shape)
    for idx, r in np.ndenumerate(ratios):
        if r <= onset:
            continue
        K = r * C

        def gap(m, K=K):
            return float(single.mean_moment(land, 2.0 * K * m)) - m

        # gap > 0 just above 0 (unstable m = 0) and < 0 at m = 1 (the mean is below 1)
        lo = 1e-9
        while gap(lo) <= 0 and lo < 0.5:
            lo *= 10
        out[idx] = optimize.brentq(gap, lo, 1.0, xtol=1e-14)
    return out if ratios.ndim else float(out)


def finite_t_solve(model: Assembly, start=None) -> np.ndarray:
    """Self-consistent means <mu_i> (shape (n, 3)) of any `Assembly`, finite-T mean field.

    Any landscapes, scales, positions, n and field (h_i from `Assembly.field`, Eq. (3));
    reduced units of App. B. `start` (n, 3) picks the branch
    (default: all moments along +z, the aligned state). Raises RuntimeError without
    convergence.
    """
    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Assembly or Chain, got {model!r}")
    lands, index = model.landscape_groups()
    for land in lands:
        land.check_samplable()
    n = model.n
    mu0 = np.tile([0.0, 0.0, 0.9], (n, 1)) if start is None else _checks.moments("start", start, n)

    def rhs(v):
        mu = v.reshape(n, 3)
        h = model.field(mu)
        s = np.linalg.norm(h, axis=1)
        mean = np.empty(n)
        for g, land in enumerate(lands):
            mean[index == g] = single.mean_moment(land, s[index == g])
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(s[:, None] > 0, mean[:, None] * h / s[:, None], 0.0)
        return (mu - t).ravel()

    sol = optimize.root(rhs, np.asarray(mu0, dtype=float).ravel(), method="hybr", tol=1e-13)
    res = np.max(np.abs(rhs(sol.x)))
    if not res < 1e-9:
        raise RuntimeError(f"finite-T mean field did not converge (residual {res:.2e})")
    return sol.x.reshape(n, 3)
