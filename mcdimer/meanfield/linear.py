"""Linear response of the dimer, Sec. III: Eqs. (6), (7) and (8).

Susceptibilities here are the paper's dimensionless cgs zero-field susceptibilities chi
(M = V chi H, Eq. (4)), not scaled by chi_c^z; d_over_a is the centre-to-centre distance in
units of the particle radius. The point-dipole model needs d >= 3a (footnote 6): 2 <= d/a < 3
is computed with a warning, d/a < 2 (overlapping spheres) is refused.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _checks

#: eta_sigma of Eq. (6): +1 transverse, -2 longitudinal (the chain axis is z).
ETA = {"x": 1.0, "y": 1.0, "z": -2.0}


D_OVER_A_MAX = 1e6  # beyond this the coupling is nil and (d/a)^3 nears overflow
CHI_MAX = 1e6  # |chi|/chi_c^z: far beyond every figure; products chi1 chi2 stay finite


def check_d_over_a(d_over_a) -> float:
    """d/a as a float; ValueError below 2, a warning (footnote 6) below 3."""
    d_over_a = _checks.real("d_over_a", d_over_a, high=D_OVER_A_MAX)
    if d_over_a < 2.0:
        raise ValueError(
            f"d_over_a must be >= 2 (spheres of radius a at distance d must not overlap), "
            f"got {d_over_a!r}"
        )
    if d_over_a < 3.0:
        warnings.warn(
            f"d_over_a = {d_over_a:g} < 3: the point-dipole coupling of Eq. (3) neglects "
            "higher multipoles, valid for d >= 3a only (paper's footnote 6)",
            UserWarning,
            stacklevel=3,
        )
    return d_over_a


def check_axis(axis) -> float:
    if axis not in ETA:
        raise ValueError(f"axis must be one of 'x', 'y', 'z', got {axis!r}")
    return ETA[axis]


def check_chi(name: str, chi) -> np.ndarray | float:
    """A finite susceptibility (units of chi_c^z), scalar or array, |chi| <= CHI_MAX."""
    if np.ndim(chi) == 0:
        return _checks.real(name, chi, low=-CHI_MAX, high=CHI_MAX)
    arr = np.asarray(chi)
    if arr.dtype.kind in "USbO":
        raise ValueError(f"{name} must be real numbers, got {chi!r}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > CHI_MAX):
        raise ValueError(f"{name} must be finite with |{name}| <= {CHI_MAX:g} everywhere")
    return arr


def linear_susceptibility(chi1, chi2, d_over_a, axis="z"):
    """Dimer zero-field susceptibility chi^{sigma sigma}, Eq. (6) (dimensionless, cgs).

    chi^{ss} = (1/2)(chi1 + chi2 - eta_s (8 pi/3) chi1 chi2 (a/d)^3)
                    / (1 - eta_s^2 (16 pi^2/9) chi1 chi2 (a/d)^6),  eta_x = eta_y = 1, eta_z = -2.

    chi1, chi2: the particles' zero-field susceptibilities (scalars or broadcastable arrays);
    the moment per particle is m = V chi^{ss} H. Diverges (returns +-inf) on
    chi1 chi2 = (chi_c^s)^2.
    """
    chi1, chi2 = check_chi("chi1", chi1), check_chi("chi2", chi2)
    d_over_a = check_d_over_a(d_over_a)
    eta = check_axis(axis)
    g = (1.0 / d_over_a) ** 3
    num = chi1 + chi2 - eta * (8.0 * np.pi / 3.0) * chi1 * chi2 * g
    den = 1.0 - eta**2 * (16.0 * np.pi**2 / 9.0) * chi1 * chi2 * g**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * num / den


def linear_susceptibility_first_order(chi1, chi2, d_over_a, axis="z"):
    """Eq. (7): chi^{ss} ~ (chi1 + chi2)/2 - eta_s (4 pi/3) chi1 chi2 (a/d)^3 (dimensionless, cgs).

    Eq. (6) to leading order in (a/d)^3; the error is O((a/d)^6).
    """
    chi1, chi2 = check_chi("chi1", chi1), check_chi("chi2", chi2)
    d_over_a = check_d_over_a(d_over_a)
    eta = check_axis(axis)
    return 0.5 * (chi1 + chi2) - eta * (4.0 * np.pi / 3.0) * chi1 * chi2 / d_over_a**3


def critical_susceptibility(d_over_a, axis="z") -> float:
    """chi_c^s = 3/(4 pi |eta_s|) (d/a)^3, Eq. (8) (dimensionless, cgs).

    The equal-susceptibility dimer orders along s above chi_c^s; chi_c^z = d^3/(2V) = 3.22 and
    chi_c^x = chi_c^y = 6.45 at d = 3a.

    Examples
    --------
    >>> round(critical_susceptibility(3.0, "z"), 5), round(critical_susceptibility(3.0, "x"), 5)
    (3.22289, 6.44578)
    """
    d_over_a = check_d_over_a(d_over_a)
    eta = check_axis(axis)
    return 3.0 / (4.0 * np.pi * abs(eta)) * d_over_a**3


def reduced_longitudinal_susceptibility(x1, x2):
    """chi^zz / chi_c^z of Eq. (6) with chi_i = x_i chi_c^z: (x1 + x2 + 2 x1 x2) / (2 (1 - x1 x2)).

    The form of Eq. (6) that no longer depends on d/a; its zero, x1 + x2 + 2 x1 x2 = 0,
    is the para/dia boundary of Fig. 4 (dashed line).
    """
    x1, x2 = check_chi("chi1", x1), check_chi("chi2", x2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * (x1 + x2 + 2.0 * x1 * x2) / (1.0 - x1 * x2)
