"""Orbital response of one sphere: M(x) at finite field and the zero-field susceptibility.

docs/physics.md, "Microscopic model" (App. A; Eqs. (A4)-(A5) of Ref. [21]). Grand canonical at
mu = E_F, temperature t = T/T_F, spin degeneracy 2 and no spin Zeeman term:

    M/mu_B = -2 sum_{nlm, spin} f(eps_nlm) d(eps_nlm/E_F)/dx = -4 sum_{nlm} f de/dx,
    chi/|chi_L| = (9 pi/(kFa)^3) dm/dx|_{x=0}
                = (9 pi/(kFa)^3) sum_nl [f(1-f) l(l+1)(2l+1)/(3t)
                                         - (kFa)^2 f (2l+1) <rho^2>_nl/3],

with f the Fermi function of eps/E_F - 1 in units of t, written so that it never
overflows (t down to 1e-9 and below). Units: M in mu_B, x = hbar omega_c/E_F =
2 mu_B H/E_F, so at small field M/mu_B = (kFa)^3/(9 pi) (chi/|chi_L|) x.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .. import _checks
from . import spectrum as spec
from . import units

TAIL = 40.0  # levels with f or 1-f below exp(-TAIL) are treated as empty or full


@njit(cache=True)
def _fermi(u):
    """1/(1 + e^u) without overflow."""
    if u > 0.0:
        w = math.exp(-u)
        return w / (1.0 + w)
    return 1.0 / (1.0 + math.exp(u))


@njit(cache=True)
def _fermi_ff(u):
    """f(1-f) = e^{-|u|}/(1 + e^{-|u|})^2 without overflow."""
    w = math.exp(-abs(u))
    return w / ((1.0 + w) * (1.0 + w))


@njit(cache=True)
def _fermi_split(u, delta):
    """f(u + delta) - f(u - delta), accurate for tiny delta (weak fields), never overflowing.

    Equal to -sinh(delta) / (2 cosh((u+delta)/2) cosh((u-delta)/2)); computing it from
    two Fermi factors near 1/2 would lose all digits of delta below 1e-16.
    """
    if abs(delta) > 20.0:
        return _fermi(u + delta) - _fermi(u - delta)
    a = abs(u + delta)
    b = abs(u - delta)
    wa = math.exp(-a)
    wb = math.exp(-b)
    return -math.sinh(delta) * 2.0 * math.exp(-0.5 * (a + b)) / ((1.0 + wa) * (1.0 + wb))


@njit(cache=True)
def _zfs_kernel(zeta, l, kfa, t, tail):
    """chi/|chi_L| at x = 0 for each (kfa[k], t[k]); zeta sorted, complete up to the cut."""
    out = np.empty(kfa.size)
    for k in range(kfa.size):
        ka, tk = kfa[k], t[k]
        e_cut = 1.0 + tail * tk
        para = 0.0
        dia = 0.0
        for i in range(zeta.size):
            e0 = (zeta[i] / ka) ** 2
            if e0 > e_cut:
                break
            u = (e0 - 1.0) / tk
            li = float(l[i])
            g = 2.0 * li + 1.0
            rho2 = (1.0 + (2.0 * li - 1.0) * (2.0 * li + 3.0) / (2.0 * zeta[i] ** 2)) / 3.0
            para += _fermi_ff(u) * li * (li + 1.0) * g
            dia += _fermi(u) * g * rho2
        out[k] = 9.0 * math.pi / ka**3 * (para / (3.0 * tk) - ka * ka * dia / 3.0)
    return out


@njit(cache=True)
def _moment_kernel(zeta, l, kfa, t, x, e_cut, tail):
    """M/mu_B at each field x[k] (docs/physics.md, "Microscopic model"), levels with e0 <= e_cut."""
    out = np.empty(x.size)
    for k in range(x.size):
        xk = x[k]
        acc = 0.0
        for i in range(zeta.size):
            e0 = (zeta[i] / kfa) ** 2
            if e0 > e_cut:
                break
            li = float(l[i])
            lm = l[i]
            den = (2.0 * li - 1.0) * (2.0 * li + 3.0)
            c = kfa * kfa * (1.0 + den / (2.0 * zeta[i] ** 2)) / 48.0  # (kFa)^2 <rho^2>/16
            s_max = 2.0 * (2.0 * li * li + li - 1.0) / den if lm > 0 else 2.0 / 3.0
            e_top = e0 + 0.5 * abs(xk) * li + xk * xk * c * max(s_max, 2.0 / 3.0)
            if (1.0 - e_top) / t > tail:
                # a full shell: sum_m m = 0 and sum_m <sin^2>_lm = 2(2l+1)/3
                acc += 2.0 * xk * c * 2.0 * (2.0 * li + 1.0) / 3.0
                continue
            s0 = 2.0 * (li * li + li - 1.0) / den
            acc += _fermi((e0 + xk * xk * c * s0 - 1.0) / t) * 2.0 * xk * c * s0  # m = 0
            for m in range(1, lm + 1):
                fm = float(m)
                s = 2.0 * (li * li + li - 1.0 + fm * fm) / den
                u = (e0 + xk * xk * c * s - 1.0) / t
                delta = 0.5 * xk * fm / t
                # +m and -m together: (m/2)(f(u+delta) - f(u-delta)) + 2 x c s (f + f)
                acc += 0.5 * fm * _fermi_split(u, delta) + 2.0 * xk * c * s * (
                    _fermi(u + delta) + _fermi(u - delta)
                )
        out[k] = -4.0 * acc
    return out


def _table_for(kfa_max: float, e_cut: float) -> spec.ZeroTable:
    return spec.zero_table(kfa_max * math.sqrt(e_cut))


def zfs(kfa, t, *, tail: float = TAIL):
    """Zero-field susceptibility chi/|chi_L| of one sphere (Figs. 5(a) and 6; Eq. (A5) of [21]).

    Parameters
    ----------
    kfa : radius a in units of 1/k_F, pi <= kfa <= 500 (scalar or array).
    t : T/T_F, 1e-12 <= t <= 0.1 (scalar or array; broadcast against kfa).
    tail : levels more than tail*t above E_F are dropped (their f < e^-tail).

    Returns chi/|chi_L| (multiply by |chi_L| = 2.9e-7 for gold for the cgs chi).
    A whole curve of 1000 kfa values is one compiled loop over a shared zero table.
    """
    scalar = np.ndim(kfa) == 0 and np.ndim(t) == 0
    kfa_arr = units.kfa_array(kfa)
    t_arr = units.t_array(t)
    kb, tb = np.broadcast_arrays(kfa_arr, t_arr)
    kb, tb = np.ascontiguousarray(kb), np.ascontiguousarray(tb)
    tab = _table_for(float(kb.max()), 1.0 + tail * float(tb.max()))
    out = _zfs_kernel(tab.zeta, tab.l, kb, tb, float(tail))
    return float(out[0]) if scalar else out


def moment(kfa, t, x, *, tail: float = TAIL):
    """Moment M/mu_B of one sphere in the field x = hbar omega_c/E_F (Fig. 7; Eq. (A4) of [21]).

    Exact sum over the levels eps_nlm of docs/physics.md, "Microscopic model" (first order in the
    diamagnetic term). M is odd in x, so x < 0 is allowed: |x| <= 0.01.

    Parameters
    ----------
    kfa : radius in units of 1/k_F, pi <= kfa <= 500.
    t : T/T_F, 1e-12 <= t <= 0.1.
    x : field(s) hbar omega_c/E_F = 2 mu_B H/E_F, scalar or 1-D array.
    """
    kfa = units.kfa(kfa)
    t = units.t(t)
    scalar = np.ndim(x) == 0
    xs = _checks.real_array("x", x)
    if np.any(np.abs(xs) > units.X_MAX):
        raise ValueError(
            f"x must be in [-{units.X_MAX:g}, {units.X_MAX:g}], got values up to |x| = "
            f"{np.abs(xs).max()}"
        )
    e_cut = spec.cutoff(t, float(np.abs(xs).max()), kfa, tail)
    sp = spec.spectrum(kfa, e_cut)
    out = _moment_kernel(sp.zeta, sp.l, kfa, t, np.ascontiguousarray(xs), e_cut, float(tail))
    return float(out[0]) if scalar else out


def moment_per_field(kfa, t, *, tail: float = TAIL) -> float:
    """dm/dx at x = 0 (M in mu_B, x = hbar omega_c/E_F): (kFa)^3/(9 pi) * zfs."""
    return float(zfs(kfa, t, tail=tail)) / float(units.chi_factor(units.kfa(kfa)))


def curie_constant(n: int, l: int) -> float:
    """Curie constant c of the peak at kFa = zeta_nl: chi/|chi_L| -> c/t as t -> 0.

    At kFa = zeta_nl the shell (n, l) sits at E_F, f = 1/2, f(1-f) = 1/4, and only it
    diverges: c = (9 pi/zeta_nl^3) l(l+1)(2l+1)/12. In the paper's chi = C(a)/T,
    C(a) = c |chi_L| T_F (gold: C(a) = c * 2.9e-7 * 6.42e4 K).
    """
    zeta = spec.bessel_zero(n, l)
    return 9.0 * math.pi / zeta**3 * l * (l + 1) * (2 * l + 1) / 12.0
