"""Self-consistent zero-field moments of microscopic dimers and chains (Fig. 5(b), Fig. 10).

Eqs. (2)-(3) at H = 0 with the moments along the chain axis z (footnote 9: the
transverse solution is always zero) and each M_i = M(x_i) the single-sphere response of
`response.moment`. In the units of docs/physics.md, "Microscopic model" the field on particle i is

    x_i = g sum_{j != i} m_j / |i - j|^3,
    g = 4 (a/d)^3 mu_B^2/(E_F a^3) = 4 (a/d)^3 6 pi^2 |chi_L|/(kFa)^3,

m_j = M_j/mu_B. The finite chain is solved as it is: the end particles feel less field
than the middle ones, so the moments are not uniform (n unknowns, mirror symmetric).
The aligned solution is linearly unstable at m = 0 once g dm/dx(0) lambda_max(A) > 1,
i.e. chi > chi_c^z / lambda_max(A) (Eq. (C1)); lambda_max = 1 for the dimer.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _checks
from ..model import coupling_matrix
from . import response, units


def _largest_root(phi_vec, phi, m_hi: float) -> float:
    """Largest m in (0, m_hi] where phi changes sign from + to - (the stable branch); 0 if none."""
    m = np.geomspace(m_hi * 1e-12, m_hi, 241)
    vals = phi_vec(m)
    up = np.flatnonzero((vals[:-1] > 0) & (vals[1:] <= 0))
    if up.size == 0:
        return 0.0
    k = up[-1]
    if vals[k + 1] == 0.0:
        return float(m[k + 1])
    from scipy.optimize import brentq  # ~0.3 s of start-up: imported where it is used

    return float(brentq(phi, m[k], m[k + 1], xtol=1e-12 * m[k + 1], rtol=1e-14, maxiter=200))


def _upper_bound(phi, g: float) -> float:
    """An m with phi(m) < 0 (M(x) is bounded; the field stays below units.X_MAX)."""
    m_hi = 16.0
    while phi(m_hi) >= 0.0:
        m_hi *= 2.0
        if g * m_hi > units.X_MAX:
            raise ValueError("no bounded self-consistent moment below x = 0.01 (field too large)")
    return m_hi


def _scalar_solution(kfa: float, t: float, g_eff: float) -> float:
    """Largest stable root of m = M(g_eff m) (a uniform moment in a uniform coupling)."""

    def phi_vec(m):
        return response.moment(kfa, t, g_eff * m) - m

    def phi(m):
        return float(phi_vec(np.array([m]))[0])

    m_hi = _upper_bound(phi, g_eff)
    return _largest_root(phi_vec, phi, m_hi)


def dimer_moment(kfa, t, d_over_a=3.0, chi_l=units.CHI_L_GOLD) -> float:
    """m^z = (M_1 + M_2)/(2 mu_B) of a dimer at H = 0, self-consistent (Fig. 5(b)).

    Both particles equal, so M_1 = M_2 = m solves m = M(g m) (g of the module docstring);
    the largest stable root is returned, 0 when only m = 0 solves it.

    Parameters
    ----------
    kfa : radius in 1/k_F, 0 < kfa <= 500.  t : T/T_F, 0 < t <= 0.1.
    d_over_a : centre-to-centre distance in radii, >= 2.  chi_l : |chi_L| (gold 2.9e-7).
    """
    kfa, t = units.kfa(kfa), units.t(t)
    d_over_a, chi_l = units.d_over_a(d_over_a), units.chi_l(chi_l)
    return _scalar_solution(kfa, t, float(units.dipole_field(kfa, d_over_a, chi_l)))


def chain_profile(n, kfa, t, d_over_a=3.0, chi_l=units.CHI_L_GOLD) -> np.ndarray:
    """Self-consistent M_i^z/mu_B (i = 1..n) of a finite chain at H = 0 (Fig. 10, App. C).

    Solved for the n moments of the finite chain (not a uniform ansatz): started above the
    solution (the lambda_max(A) eigenvector scaled to the uniform solution with coupling
    lambda_max), iterated m <- M(g A m) (which descends to the largest fixed point), then
    polished by damped Newton on m_i - M(x_i) to |residual| < 1e-10 max(m).
    """
    n = _checks.integer("n", n, low=1, high=1000)
    kfa, t = units.kfa(kfa), units.t(t)
    d_over_a, chi_l = units.d_over_a(d_over_a), units.chi_l(chi_l)
    if n == 1:
        return np.zeros(1)
    g = float(units.dipole_field(kfa, d_over_a, chi_l))
    a = coupling_matrix(n)
    lam, vec = np.linalg.eigh(a)
    v = np.abs(vec[:, -1])
    m_top = _scalar_solution(kfa, t, g * lam[-1])
    if m_top == 0.0:
        return np.zeros(n)
    a_g = g * a

    def resid(m):
        return m - response.moment(kfa, t, a_g @ m)

    # The map m -> M(g A m) is order preserving on the rising branch: iterating it from
    # above the solution descends towards the largest (stable, aligned) fixed point.
    m = np.maximum(m_top * v / v.max(), 0.0) * 1.05
    for _ in range(20):
        m = response.moment(kfa, t, a_g @ m)
    # then Newton on m - M(x(m)), J = 1 - diag(M'(x)) g A, M' by central differences
    for _ in range(100):
        f = resid(m)
        if np.max(np.abs(f)) <= 1e-10 * m_top:
            break
        x = a_g @ m
        dx = 1e-7 * np.maximum(np.abs(x), 1e-3 * t)
        dm = (response.moment(kfa, t, x + dx) - response.moment(kfa, t, x - dx)) / (2.0 * dx)
        step = np.linalg.solve(np.eye(n) - dm[:, None] * a_g, -f)
        lam = 1.0
        norm = np.max(np.abs(f))
        while lam > 1e-6:
            trial = m + lam * step
            if np.max(np.abs(resid(trial))) < norm:
                break
            lam *= 0.5
        m = trial
    else:
        raise RuntimeError(f"chain root finding did not converge at n={n}, kfa={kfa}, t={t}")
    m = 0.5 * (m + m[::-1])  # the chain is mirror symmetric
    return np.where(np.abs(m) < 1e-9 * m_top, 0.0, m)


def chain_moment(n, kfa, t, d_over_a=3.0, chi_l=units.CHI_L_GOLD) -> float:
    """m_N^z = sum_j M_j^z/(N mu_B) of the finite chain at H = 0 (Fig. 10)."""
    return float(np.mean(chain_profile(n, kfa, t, d_over_a, chi_l)))


def crossing_temperature(kfa, d_over_a=3.0, chi_l=units.CHI_L_GOLD, n=2) -> float:
    """The t at which chi(t) = chi_c^z / lambda_max(A_n): onset of Fig. 5(b) (n = 2) or Fig. 10.

    Searched on a log grid of t in [1e-10, 0.1], then refined by brentq;
    the highest crossing is returned, NaN if chi stays below the threshold.
    """
    kfa = units.kfa(kfa)
    d_over_a, chi_l = units.d_over_a(d_over_a), units.chi_l(chi_l)
    n = _checks.integer("n", n, low=2, high=1000)
    lam = float(np.linalg.eigvalsh(coupling_matrix(n))[-1])
    target = units.chi_critical(d_over_a) / lam / chi_l

    def excess(log_t):
        return response.zfs(kfa, min(math.exp(log_t), units.T_MAX)) - target

    grid = np.linspace(math.log(1e-10), math.log(units.T_MAX), 200)
    vals = response.zfs(np.full(grid.size, kfa), np.minimum(np.exp(grid), units.T_MAX)) - target
    down = np.flatnonzero((vals[:-1] > 0) & (vals[1:] <= 0))
    if down.size == 0:
        return float("nan")
    k = down[-1]
    from scipy.optimize import brentq

    return math.exp(brentq(excess, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-14))
