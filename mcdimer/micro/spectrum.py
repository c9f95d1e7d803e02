"""Zero-field spectrum of free electrons in a hard-wall sphere, and its first-order shifts.

docs/physics.md, "Microscopic model", App. A: levels eps_nl = E_F (zeta_nl/kFa)^2 with
zeta_nl the n-th
zero of the spherical Bessel function j_l, degeneracy 2l+1 (times 2 for spin). In a
field x = hbar omega_c/E_F along z, first-order perturbation theory in the vector
potential A = B x r/2 gives

    eps_nlm/E_F = (zeta_nl/kFa)^2 + (x/2) m + (x^2/16) (kFa)^2 <rho^2>_nl <sin^2 theta>_lm,

the paramagnetic term mu_B B L_z and the diamagnetic term e^2 A^2/(2 m c^2)
= (m omega_c^2/8) r^2 sin^2 theta, with rho = r/a.

Zeros are found l by l from the interlacing zeta_{n,l} < zeta_{n,l+1} < zeta_{n+1,l}
(each bracket holds exactly one zero), by safeguarded Newton on J_{l+1/2}.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import _checks
from . import units


# --- zeros of j_l ---------------------------------------------------------------------------
def _refine(nu: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The single zero of J_nu inside each bracket (lo, hi): Newton, bisection fallback."""
    # scipy.special costs ~0.4 s of start-up; the zeros are computed once per process
    from scipy.special import jv

    f_lo = jv(nu, lo)
    z = 0.5 * (lo + hi)
    polish = False
    for _ in range(100):
        f = jv(nu, z)
        fp = jv(nu - 1.0, z) - nu / z * f  # J_nu' = J_{nu-1} - (nu/z) J_nu
        same = np.sign(f) == np.sign(f_lo)
        lo = np.where(same, z, lo)
        hi = np.where(same, hi, z)
        f_lo = np.where(same, f, f_lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_new = z - f / fp
        outside = ~((z_new >= lo) & (z_new <= hi))
        z_new = np.where(outside, 0.5 * (lo + hi), z_new)
        step = np.abs(z_new - z)
        z = z_new
        if polish:
            break
        # Newton converges quadratically: once the step is below 1e-9 z, one more step
        # leaves an error far below the rounding of z
        polish = bool(np.all((step <= 1e-9 * z) | (f == 0.0)))
    return z


def _next_zero_above(nu: float, z0: float) -> float:
    """The first zero of J_nu above z0 (> 0, J_nu(z0) != 0).

    Zeros of J_nu (nu >= 1/2) are more than pi apart (Sturm comparison with sin), so
    steps of 3 never jump over two of them.
    """
    from scipy.special import jv

    a, fa = z0, jv(nu, z0)
    while True:
        b = a + 3.0
        fb = jv(nu, b)
        if np.sign(fb) != np.sign(fa):
            return float(_refine(nu, np.array([a]), np.array([b]))[0])
        a, fa = b, fb


def _bessel_zeros_upto(z_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All zeros zeta_nl < z_max of all j_l, as arrays (zeta, n, l) in no special order."""
    zetas, ns, ls = [], [], []
    # j_0 = sin z / z: zeta_n0 = n pi. Keep, for every l, the zeros below z_max plus the
    # first one above it: that one closes the last bracket of l+1.
    cur = np.pi * np.arange(1, int(z_max / np.pi) + 2, dtype=float)
    lval = 0
    while cur[0] < z_max:
        below = cur[cur < z_max]
        zetas.append(below)
        ns.append(np.arange(1, below.size + 1))
        ls.append(np.full(below.size, lval))
        nu = lval + 1.5  # order of J for j_{l+1}
        nxt = _refine(nu, cur[:-1], cur[1:]) if cur.size > 1 else np.empty(0)
        if nxt.size == 0 or nxt[-1] < z_max:
            nxt = np.append(nxt, _next_zero_above(nu, cur[-1]))
        first_above = np.searchsorted(nxt, z_max)
        cur = nxt[: first_above + 1]
        lval += 1
    return np.concatenate(zetas), np.concatenate(ns), np.concatenate(ls)


class ZeroTable(NamedTuple):
    """All zeros zeta_nl < z_max of the j_l, sorted by zeta (n counts from 1)."""

    z_max: float
    zeta: np.ndarray
    n: np.ndarray
    l: np.ndarray


_TABLE: ZeroTable | None = None


def zero_table(z_max: float) -> ZeroTable:
    """All zeros below at least z_max, computed once and reused (grown on demand)."""
    global _TABLE
    if _TABLE is None or _TABLE.z_max < z_max:
        size = max(64.0, 32.0 * math.ceil(1.25 * z_max / 32.0))
        zeta, n, l = _bessel_zeros_upto(size)
        order = np.argsort(zeta, kind="stable")
        _TABLE = ZeroTable(size, zeta[order], n[order], l[order])
    return _TABLE


def bessel_zero(n: int, l: int) -> float:
    """zeta_nl, the n-th (n >= 1) positive zero of j_l (l >= 0), from the interlacing table."""

    n = _checks.integer("n", n, low=1)
    l = _checks.integer("l", l, low=0)
    # zeta_nl >= zeta_n0 = n pi (interlacing) and zeta_1l > l + 1/2: beyond the largest
    # radius the level table is never built for (it would take minutes)
    if max(n * np.pi, l + 0.5) > units.KFA_MAX:
        raise ValueError(
            f"n and l: zeta_{{{n},{l}}} > max(n pi, l + 1/2) = {max(n * np.pi, l + 0.5):.6g} "
            f"is beyond the largest radius kfa <= {units.KFA_MAX:g}: n <= "
            f"{int(units.KFA_MAX / np.pi)} and l <= {int(units.KFA_MAX - 0.5)}"
        )
    # zeta_nl < l + 1/2 + 2 n + 2 (l + 1/2)^(1/3) * 2 (a generous bound on McMahon/Olver)
    bound = l + 0.5 + np.pi * (n + 1) + 3.0 * (l + 0.5) ** (1.0 / 3.0) + 4.0
    tab = zero_table(bound)
    hit = np.flatnonzero((tab.l == l) & (tab.n == n))
    return float(tab.zeta[hit[0]])


# --- matrix elements ------------------------------------------------------------------------
def rho2(zeta, l):
    """<rho^2>_nl = (1/3) [1 + (2l-1)(2l+3) / (2 zeta_nl^2)] (closed form; rho = r/a).

    From int_0^1 rho^4 j_l(zeta rho)^2 d rho / int_0^1 rho^2 j_l(zeta rho)^2 d rho with
    j_l(zeta) = 0; `rho2_quadrature` checks it numerically.
    """
    zeta = np.asarray(zeta, dtype=float)
    l = np.asarray(l, dtype=float)
    return (1.0 + (2 * l - 1) * (2 * l + 3) / (2.0 * zeta**2)) / 3.0


def rho2_quadrature(zeta: float, l: int, points: int = 0) -> float:
    """<rho^2>_nl by Gauss-Legendre quadrature of the two radial integrals (a check)."""
    from scipy.special import spherical_jn

    points = points or int(4 * zeta + 64)
    nodes, weights = np.polynomial.legendre.leggauss(points)
    rho = 0.5 * (nodes + 1.0)
    w = 0.5 * weights * spherical_jn(l, zeta * rho) ** 2 * rho**2
    return float(np.sum(w * rho**2) / np.sum(w))


def sin2(l, m):
    """<sin^2 theta>_lm = 2 (l^2 + l - 1 + m^2) / ((2l - 1)(2l + 3)) (sums to 2(2l+1)/3 over m)."""
    l = np.asarray(l, dtype=float)
    m = np.asarray(m, dtype=float)
    return 2.0 * (l * l + l - 1.0 + m * m) / ((2 * l - 1) * (2 * l + 3))


def level_energies(zeta, l, m, kfa, x):
    """eps_nlm / E_F at field x = hbar omega_c/E_F, first order in the diamagnetic term."""
    zeta = np.asarray(zeta, dtype=float)
    return (
        (zeta / kfa) ** 2
        + 0.5 * x * np.asarray(m, dtype=float)
        + x * x / 16.0 * kfa**2 * rho2(zeta, l) * sin2(l, m)
    )


# --- the spectrum of one particle ---------------------------------------------------------
class Spectrum(NamedTuple):
    """Zero-field levels (n, l) of one sphere with eps_nl/E_F <= e_cut, sorted by energy.

    e0 = (zeta/kFa)^2, rho2 = <rho^2>_nl; every level below e_cut is present (the deep
    ones carry the diamagnetic background).
    """

    kfa: float
    e_cut: float
    zeta: np.ndarray
    n: np.ndarray
    l: np.ndarray
    e0: np.ndarray
    rho2: np.ndarray


def cutoff(t: float, x: float = 0.0, kfa: float = 0.0, tail: float = 40.0) -> float:
    """Energy cut-off e_cut (units of E_F) that keeps every level with f > exp(-tail).

    A level enters the Fermi window when eps_nlm < E_F + tail*T; the Zeeman term can
    lower eps_nl by |x| l/2 < |x| kFa (l < zeta_nl), the diamagnetic term only raises it.
    Rounded up to a multiple of 1/64 so that nearby (t, x) share a cached spectrum.
    """
    e = 1.0 + tail * t + abs(x) * kfa
    return math.ceil(e * 64.0) / 64.0


@lru_cache(maxsize=256)
def spectrum(kfa: float, e_cut: float) -> Spectrum:
    """The levels of a sphere of radius kFa (units of 1/kF) up to e_cut, cached."""
    z_cut = kfa * math.sqrt(e_cut)
    tab = zero_table(z_cut)
    k = int(np.searchsorted(tab.zeta, z_cut, side="right"))
    zeta = tab.zeta[:k]
    for arr in (zeta, tab.n[:k], tab.l[:k]):
        arr.setflags(write=False)
    return Spectrum(
        kfa, e_cut, zeta, tab.n[:k], tab.l[:k], (zeta / kfa) ** 2, rho2(zeta, tab.l[:k])
    )


def levels(kfa: float, t: float, x: float = 0.0, tail: float = 40.0) -> Spectrum:
    """Checked entry point: the spectrum needed at temperature t and field x."""
    kfa = units.kfa(kfa)
    t = units.t(t)
    x = units.x(x)
    return spectrum(kfa, cutoff(t, x, kfa, tail))


def zeros_between(lo: float, hi: float) -> ZeroTable:
    """The zeros zeta_nl in [lo, hi] (the peak positions of Fig. 6(c))."""
    tab = zero_table(hi)
    sel = (tab.zeta >= lo) & (tab.zeta <= hi)
    return ZeroTable(hi, tab.zeta[sel], tab.n[sel], tab.l[sel])


# --- naming a radius by its shell -----------------------------------------------------------
NEAR_ZERO = 0.05  # "within a few hundredths" of a zero: a radius probably meant to sit on it


def shell_kfa(shell) -> float:
    """kFa = zeta_{n,l} for shell = (n, l) or "n,l" (e.g. (1, 36): 42.9669..., Fig. 5);
    zeta_{n,l} must be a radius the model takes, kfa <= 500 (n <= 159, l <= 499).

    The paper prints kFa to two decimals; at low t a Curie peak is only ~kFa t wide, so
    42.97 for zeta_{1,36} is already off the peak at t = 5e-5 and describes a
    diamagnetic particle. Naming the shell gives the zero to full precision."""
    if isinstance(shell, str):
        parts = shell.replace(" ", "").split(",")
        try:
            shell = tuple(int(p) for p in parts)
        except ValueError:
            raise ValueError(
                f"shell must be 'n,l' with integers n >= 1, l >= 0, got {shell!r}"
            ) from None
    try:
        n, l = shell
    except (TypeError, ValueError):
        raise ValueError(f"shell must be a pair (n, l), got {shell!r}") from None

    for name, v in (("shell n", n), ("shell l", l)):
        if isinstance(v, float) and v.is_integer():
            continue
        _checks.integer(name, v)
    n, l = int(n), int(l)
    if n < 1 or l < 0:
        raise ValueError(f"shell must have n >= 1 and l >= 0, got ({n}, {l})")
    try:
        zeta = bessel_zero(n, l)
    except ValueError as err:
        raise ValueError(f"shell ({n}, {l}): {err}") from None
    if zeta > units.KFA_MAX:
        raise ValueError(
            f"shell ({n}, {l}): zeta = {zeta:.6g} is beyond the largest radius "
            f"kfa <= {units.KFA_MAX:g}"
        )
    return zeta


def off_peak_message(kfa: float, t: float) -> str | None:
    """A warning if kfa lies within NEAR_ZERO of a zero zeta_nl but outside its Curie peak.

    The Curie term f(1-f) of shell (n, l) depends on u = ((zeta/kFa)^2 - 1)/t ~ 2 (zeta - kFa)
    /(kFa t); beyond |u| = 2 it has fallen below 0.42 of its peak, so the peak is taken as
    |kFa - zeta| <= kFa t. None if kfa is on a peak or far from every zero."""
    near = zeros_between(kfa - NEAR_ZERO, kfa + NEAR_ZERO)
    if near.zeta.size == 0:
        return None
    k = int(np.argmin(np.abs(near.zeta - kfa)))
    zeta, n, l = float(near.zeta[k]), int(near.n[k]), int(near.l[k])
    width = kfa * t
    if abs(kfa - zeta) <= width:
        return None
    return (
        f"kfa = {kfa:g} is {abs(kfa - zeta):.2g} from zeta_{{{n},{l}}} = {zeta:.10g} but outside "
        f"its Curie peak (half-width ~ kfa t = {width:.2g} at t = {t:g}): this radius is not on "
        f"the shell's resonance; to sit on it, name the shell: shell=({n}, {l}) or --shell {n},{l}"
    )
