"""The microscopic free-energy landscape beta F(M) of one sphere (docs/physics.md,
"Landscapes" and "Microscopic model").

F(M) = int_0^M H(M') dM' with H(M) the inverse of the exact M(H) of `response.moment`
on its monotonic branch, up to the first maximum of M(H) (Fig. 7), which defines M0.
In the units of section 4 (m = M/mu_B, x = 2 mu_B H/E_F):

    beta F = (1/t) int_0^m x(m')/2 dm',

and in the reduced units of App. B (docs/physics.md, "Reduced units"), r = M/M0 and

    h = beta M0 H = m0 x / (2 t),
    K = beta M0^2/d^3 = m0^2 (a/d)^3 6 pi^2 |chi_L| / ((kFa)^3 t),

with m0 = M0/mu_B. The curvature at r = 0 is d h/d r = m0^2/(2 t dm/dx(0)) = beta M0^2/(V chi)
(= 2C of Eq. (B4)), so K/(f''(0)/2) = chi/chi_c^z exactly as for the quadratic model.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _checks
from ..landscapes import FromResponse, Landscape
from . import response, spectrum, units

GRID = 2049  # points of the tabulated response M(x) on [0, x0]


def first_maximum(kfa: float, t: float) -> tuple[float, float]:
    """(x0, m0): the first maximum of M(x) for x > 0 (M in mu_B), for a paramagnetic sphere.

    Scanned on a geometric grid in x from 1e-6 t (ratio 1.02), then refined by bounded
    Brent minimisation of -M. Raises ValueError if M has no maximum below x = 0.01.
    """
    from scipy import optimize  # not at import: scipy.optimize costs ~0.3 s of start-up

    x = np.geomspace(1e-6 * t, units.X_MAX, 2000)
    chunk = 250
    prev = 0.0
    for start in range(0, x.size, chunk):
        xs = x[start : start + chunk]
        m = response.moment(kfa, t, xs)
        seq = np.concatenate([[prev], m])
        down = np.flatnonzero(np.diff(seq) < 0)
        if down.size:
            k = start + down[0]  # M(x[k]) < M(x[k-1]): the maximum is in (x[k-2], x[k])
            lo = x[max(k - 2, 0)] if k >= 2 else 0.0
            hi = x[k]
            res = optimize.minimize_scalar(
                lambda v: -response.moment(kfa, t, v),
                bounds=(lo, hi),
                method="bounded",
                options={"xatol": 1e-10 * hi},
            )
            return float(res.x), float(-res.fun)
        prev = m[-1]
    raise ValueError(
        f"M(H) has no maximum below x = {units.X_MAX:g} at kfa={kfa}, t={t}: no bounded landscape"
    )


class Microscopic(FromResponse):
    """beta F(|mu|) of a gold-like sphere from its exact orbital response (Sec. V, App. A).

    Parameters
    ----------
    kfa : radius in units of 1/k_F, 0 < kfa <= 500; or
    shell : (n, l), for kfa = zeta_{n,l} to full precision (`spectrum.shell_kfa`). A kfa
        within a few hundredths of a zero but off its Curie peak at t warns (UserWarning).
    t : T/T_F, 0 < t <= 0.1. F depends on t, so the landscape is built per temperature.
    d_over_a : spacing of the chain in radii (>= 2), only for the coupling `K`.
    chi_l : |chi_L| (gold 2.9e-7), only for `K`.

    Attributes
    ----------
    m0 : M0/mu_B, the first maximum of M(H) (the radius of the reduced ball).
    x0 : the field x = hbar omega_c/E_F at which M reaches M0.
    K : beta M0^2/d^3 of a chain of such spheres at spacing d = d_over_a * a.
    chi : zero-field susceptibility chi/|chi_L| at (kfa, t).

    A diamagnetic zero-field response (chi < 0) has no landscape: ValueError.
    """

    def __init__(
        self, kfa=None, t=None, d_over_a=3.0, chi_l=units.CHI_L_GOLD, *, shell=None, _m0=None
    ):
        if (kfa is None) == (shell is None):
            raise ValueError("give exactly one of kfa and shell = (n, l)")
        if t is None:
            raise ValueError("t (= T/T_F) is required")
        self.t = units.t(t)
        if shell is not None:
            self.kfa = spectrum.shell_kfa(shell)
        else:
            self.kfa = units.kfa(kfa)
            message = None if _m0 is not None else spectrum.off_peak_message(self.kfa, self.t)
            if message:
                warnings.warn(message, UserWarning, stacklevel=2)
        self.d_over_a, self.chi_l = units.d_over_a(d_over_a), units.chi_l(chi_l)
        self.chi = float(response.zfs(self.kfa, self.t))
        if self.chi <= 0.0:
            raise ValueError(
                f"the zero-field response at kfa={self.kfa}, t={self.t} is diamagnetic "
                f"(chi/|chi_L| = {self.chi:.4g} < 0): no thermal landscape F(M) exists "
                "(docs/physics.md, Landscapes); use the mean-field solvers"
            )
        self.x0, m_peak = first_maximum(self.kfa, self.t)
        m0 = m_peak if _m0 is None else _m0
        self.m0 = float(m0)
        # cluster the grid near x0, where M flattens and the inverse x(M) turns steep
        s = np.linspace(0.0, 1.0, GRID)
        x = self.x0 * np.sin(0.5 * np.pi * s)
        # Brent's maximum may lie a round-off below a grid value next to it: cap there
        m = np.minimum(response.moment(self.kfa, self.t, x), m_peak)
        m[-1] = m_peak
        # drop float ties and round-off dips at the flat top: keep a value only above every
        # value before it (comparing neighbours lets a dip followed by a rise through)
        keep = np.concatenate([[True], m[1:] > np.maximum.accumulate(m)[:-1]])
        x, m = x[keep], m[keep]
        if m_peak > self.m0:
            # a hotter replica whose M0(t/b) exceeds the cold M0 (off a Curie peak, M0 can
            # grow with t): truncated at the cold M0, the edge of the reduced ball
            inside = m < self.m0
            x = np.append(x[inside], np.interp(self.m0, m, x))
            m = np.append(m[inside], self.m0)
        r = m / self.m0
        h = self.m0 * x / (2.0 * self.t)
        if _m0 is not None and m_peak < self.m0:
            # a hotter replica: its moment cannot exceed its own M0 (< the cold M0), a wall
            wall = np.linspace(r[-1], 1.0, 65)[1:]
            h = np.concatenate([h, h[-1] * (1.0 + 1e3 * (wall - r[-1]) / (1.0 - r[-1]))])
            r = np.concatenate([r, wall])
        r[-1] = 1.0
        super().__init__(r, h, label=f"microscopic kfa={self.kfa:g} t={self.t:g}")
        self.K = (
            self.m0**2
            * float(units.dipole_energy(self.kfa, self.chi_l))
            / (self.d_over_a**3 * self.t)
        )

    def tempered(self, b: float) -> Landscape:
        """The landscape at temperature t/b, in the same reduced units (r = M/M0 of self).

        Energies are beta' F_{t/b}(M) with beta' = b beta, so that `Chain.tempered` (K -> bK,
        h -> bh) stays consistent. A hotter replica (b < 1) has a smaller first maximum
        M0(t/b): beyond it a steep wall (slope 1e3 h/r) stands for its bounded moment.
        A replica whose M0(t/b) exceeds M0(t) is truncated at M0(t).
        """

        b = _checks.real("b", b, low=0.0, low_open=True)
        return Microscopic(self.kfa, self.t / b, self.d_over_a, self.chi_l, _m0=self.m0)

    def __repr__(self) -> str:
        return (
            f"Microscopic(kfa={self.kfa:g}, t={self.t:g}, d_over_a={self.d_over_a:g}, "
            f"chi_l={self.chi_l:g}; m0={self.m0:.6g}, K={self.K:.6g})"
        )


def reduced_field(m0: float, t: float, x):
    """h = beta M0 H = m0 x/(2t) (M0 in mu_B, x = 2 mu_B H/E_F)."""
    return m0 * np.asarray(x, dtype=float) / (2.0 * t)


def coupling(m0: float, kfa: float, t: float, d_over_a=3.0, chi_l=units.CHI_L_GOLD) -> float:
    """K = beta M0^2/d^3 = m0^2 (a/d)^3 6 pi^2 |chi_L| / ((kFa)^3 t)."""
    return m0**2 * float(units.dipole_energy(kfa, chi_l)) / (d_over_a**3 * t)


__all__ = ["Microscopic", "coupling", "first_maximum", "reduced_field"]
