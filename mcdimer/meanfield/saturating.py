"""The saturating (tanh) dimer of Sec. IV: Eqs. (3) and (9) solved self-consistently; Figs. 3-4.

Units. Susceptibilities x_i = chi_i / chi_c^z (chi_c^z = d^3/(2V), Eq. (8)), moments
m_i = M_i / M0, fields g = H d^3 / M0 (the dipolar field scale M0/d^3; in the reduced units
of App. B this is h/K). Then Eq. (9) with Eq. (3) reads, for i != j,

    m_i = tanh(x_i |g_i| / 2) g_i/|g_i|,   g_i = h + 3 z (z . m_j) - m_j,

which for a longitudinal state at h = 0 is Eq. (10), m_i^z = tanh(x_i m_j^z). Nothing
depends on d/a except through chi_c^z, as the paper notes for Fig. 3.

Solver. The six components (m_1, m_2) are found as roots of m - T(m) (T the right-hand
side) by MINPACK's hybrid Powell method with the analytic Jacobian, with Anderson mixing as a
fallback, from several starts (along the field, aligned +z, antialigned, transverse, random, tiny).
Naive iteration m <- T(m) is slow near the onset (its rate -> 1) and never converges for
chi1 chi2 < -(chi_c^z)^2 (it cycles around m = 0 with period 4), so it is not used.

Which fixed point. A fixed point is kept as physical when it is stable under the relaxation
dm/dt = T(m) - m, i.e. every eigenvalue of dT/dm has real part < 1. For a paramagnetic
pair this is the positivity of the Hessian of the landscape energy (docs/physics.md, "Landscapes");
for a diamagnetic pair, where no thermal landscape exists, it is what the paper's iteration
selects (its m = 0 loses stability exactly on chi1 chi2 = (chi_c^z)^2). Among stable fixed
points the largest total |m_1| + |m_2| is reported (ties: the earliest start, so +z or along
the field).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .. import _checks
from .linear import check_chi

_W = np.array([-1.0, -1.0, 2.0])  # partner's field per unit moment: 3 z (z.m) - m
_TOL = 1e-11  # residual accepted as a fixed point (max norm)
_SAME = 1e-7  # two fixed points closer than this are one


@dataclass(frozen=True)
class DimerState:
    """A converged solution of Eqs. (3) and (9) for the dimer (units: module docstring).

    Iterating gives (m1z, m2z), the longitudinal moments M_i^z / M0.
    """

    m: np.ndarray  #: (2, 3) moments M_i / M0
    converged: bool  #: residual below 1e-11 (max norm of m - T(m))
    residual: float
    stable: bool  #: all eigenvalues of dT/dm have real part < 1
    growth: float  #: largest real part of the eigenvalues of dT/dm
    method: str  #: "hybr" or "anderson"
    nfev: int  #: evaluations of T for this solution
    fixed_points: tuple = field(default=(), repr=False)  #: every distinct fixed point found

    @property
    def m1z(self) -> float:
        return float(self.m[0, 2])

    @property
    def m2z(self) -> float:
        return float(self.m[1, 2])

    def __iter__(self):
        return iter((self.m1z, self.m2z))


def _rhs(m, x, h):
    """T(m) of the module docstring and its Jacobian dT/dm, for m of shape (2, 3)."""
    g = h[None, :] + _W[None, :] * m[::-1]
    s = np.sqrt(np.einsum("ic,ic->i", g, g))
    safe = np.where(s > 1e-300, s, 1.0)
    arg = 0.5 * x * s
    amp = np.tanh(arg)
    gh = g / safe[:, None]
    # across the field: tanh(x s/2)/s (-> x/2 at s = 0); along: (x/2) sech^2(x s/2)
    d_perp = np.where(s > 1e-300, amp / safe, 0.5 * x)
    d_par = 0.5 * x / np.cosh(arg) ** 2
    t = np.where(s[:, None] > 1e-300, amp[:, None] * gh, 0.5 * x[:, None] * g)
    d = d_perp[:, None, None] * np.eye(3)[None] + (d_par - d_perp)[:, None, None] * (
        gh[:, :, None] * gh[:, None, :]
    )
    jac = np.zeros((6, 6))
    jac[0:3, 3:6] = d[0] * _W[None, :]
    jac[3:6, 0:3] = d[1] * _W[None, :]
    return t, jac


def _find(m0, x, h):
    """One root of m - T(m) from m0: hybr with the analytic Jacobian, Anderson if that fails."""

    def fun(v):
        t, jac = _rhs(v.reshape(2, 3), x, h)
        return v - t.ravel(), np.eye(6) - jac

    sol = optimize.root(fun, m0.ravel(), jac=True, method="hybr", options={"xtol": 1e-14})
    v, nfev, method = sol.x, sol.nfev, "hybr"
    res = np.max(np.abs(fun(v)[0]))
    if not res < _TOL:
        try:
            v = optimize.anderson(lambda u: fun(u)[0], m0.ravel(), f_tol=1e-13, maxiter=2000)
            method, nfev = "anderson", nfev + 2000
        except (optimize.NoConvergence, ValueError, FloatingPointError):
            pass
        res = np.max(np.abs(fun(v)[0]))
    return v.reshape(2, 3), float(res), method, int(nfev)


def _starts(h, rng):
    starts = []
    hn = np.linalg.norm(h)
    if hn > 0:
        starts.append(np.tile(0.9 * h / hn, (2, 1)))
    z, xh = np.array([0.0, 0.0, 0.9]), np.array([0.9, 0.0, 0.0])
    starts += [np.array([z, z]), np.array([z, -z]), np.array([xh, xh]), np.array([xh, -xh])]
    starts.append(rng.uniform(-0.9, 0.9, (2, 3)))
    starts.append(np.array([[1e-3, 2e-3, 3e-3], [-2e-3, 1e-3, 2.5e-3]]))
    return starts


def _check_field(h) -> np.ndarray:
    if np.ndim(h) == 0:
        return np.array([0.0, 0.0, _checks.real("h", h)])
    return _checks.vector3("h", h)


def saturating_dimer(chi1, chi2, h=0.0) -> DimerState:
    """Self-consistent moments of the tanh dimer, Eqs. (3) and (9) (Sec. IV, Figs. 3-4).

    Parameters
    ----------
    chi1, chi2 : zero-field susceptibilities in units of chi_c^z (Eq. (8)); any finite sign.
    h : applied field H d^3 / M0 (units of the dipolar field M0/d^3): a number (along the
        chain axis z) or a 3-vector (x, y, z).

    Returns the stable fixed point with the largest moments (module docstring) as a
    `DimerState`; `m1z, m2z = saturating_dimer(...)` unpacks M_1^z/M0, M_2^z/M0. At h = 0
    and chi1 = chi2 = chi this is Eq. (10): m^z = tanh(chi m^z), ~ sqrt(3(chi - 1)) at onset.
    """
    x = np.array([check_chi("chi1", chi1), check_chi("chi2", chi2)])
    h = _check_field(h)
    rng = np.random.default_rng(7)
    found: list[tuple] = []
    for m0 in _starts(h, rng):
        m, res, method, nfev = _find(m0, x, h)
        if not res < _TOL:
            continue
        if any(np.max(np.abs(m - f[0])) < _SAME for f in found):
            continue
        growth = float(np.max(np.linalg.eigvals(_rhs(m, x, h)[1]).real))
        found.append((m, res, method, nfev, growth))
    if not found:
        m, res, method, nfev = _find(_starts(h, rng)[0], x, h)
        return DimerState(m, False, res, False, np.nan, method, nfev, ())
    stable = [f for f in found if f[4] < 1.0 - 1e-9]
    pool = stable or found
    size = [np.linalg.norm(f[0], axis=1).sum() for f in pool]
    best = pool[int(np.argmax(np.asarray(size) > max(size) - 1e-9))]
    m, res, method, nfev, growth = best
    return DimerState(m, True, res, bool(stable), growth, method, nfev, tuple(f[0] for f in found))


PHASES = ("antialigned", "diamagnetic", "paramagnetic", "aligned")  # Fig. 3 order, left to right


def phase(chi1, chi2, probe: float = 1e-6, tol: float = 1e-7) -> str:
    """Magnetic phase of the tanh dimer at H = 0 (Fig. 4; chi in units of chi_c^z).

    "aligned" / "antialigned" when the self-consistent moments at H = 0 are non-zero
    (|m_1| + |m_2| > tol) with m_1^z m_2^z > 0 / < 0; otherwise, as in footnote 7, a weak
    longitudinal field `probe` (units M0/d^3) is applied and the sign of m_1^z + m_2^z gives
    "paramagnetic" or "diamagnetic". The boundaries are chi1 chi2 = 1 and chi^zz = 0 of
    Eq. (6), i.e. chi1 + chi2 + 2 chi1 chi2 = 0.
    """
    chi1, chi2 = check_chi("chi1", chi1), check_chi("chi2", chi2)
    probe = _checks.real("probe", probe, low=0.0, low_open=True)
    state = saturating_dimer(chi1, chi2, 0.0)
    m = state.m
    if np.linalg.norm(m, axis=1).sum() > tol:
        along = m[0, 2] * m[1, 2]
        if abs(along) < tol**2:  # ordered off-axis: the sign of m_1 . m_2 decides
            along = float(m[0] @ m[1])
        return "aligned" if along > 0 else "antialigned"
    m1z, m2z = saturating_dimer(chi1, chi2, probe)
    return "paramagnetic" if m1z + m2z > 0 else "diamagnetic"


def eq10_moment(chi) -> float:
    """Positive root of m = tanh(chi m), Eq. (10) (chi in units of chi_c^z; 0 for chi <= 1)."""
    chi = _checks.real("chi", chi)
    if chi <= 1.0:
        return 0.0
    return float(optimize.brentq(lambda m: m - np.tanh(chi * m), 1e-300, 1.0, xtol=1e-15))
