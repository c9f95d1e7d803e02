"""Units and argument checks of the microscopic model (docs/physics.md, "Microscopic model",
App. A).

Energies are in units of E_F, temperatures t = T/T_F, fields x = hbar omega_c / E_F
= 2 mu_B H / E_F, moments m = M/mu_B, susceptibilities chi/|chi_L| (Eq. (1)). The
conversions below follow from mu_B^2/E_F = e^2/(2 m c^2 k_F^2) and
|chi_L| = e^2 k_F/(12 pi^2 m c^2).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _checks

#: Gold (App. A; docs/physics.md, "Microscopic model"): Fermi wave vector in 1/Angstrom.
KF_GOLD = 1.21
#: Gold Fermi energy in eV.
EF_GOLD = 5.53
#: Gold Fermi temperature in K (t = 5e-3 is room temperature).
TF_GOLD = 6.42e4
#: |chi_L| of gold, Eq. (1) (dimensionless cgs).
CHI_L_GOLD = 2.9e-7
#: Bohr magneton in eV/G.
MU_B_EV_PER_G = 5.7883818060e-9

CHI_L_MAX = 1e-3  # |chi_L| of metals is ~1e-6 (gold 2.9e-7): 1e-3 is generous
D_OVER_A_MAX = 1e6  # beyond this the dipolar coupling is nil and (d/a)^3 nears overflow
KFA_MAX = 500.0  # above this the level table (and the perturbative model) is unreasonable
# Below zeta_{1,0} = pi a sphere has no level under E_F: no electron at T = 0, chi -> 0, and
# for kFa -> 0 the level energies (zeta/kFa)^2 overflow.
KFA_MIN = math.pi
T_MAX = 0.1  # t = T/T_F; the paper goes up to 5e-3
# A shell's Curie peak is kFa t wide: below ~1e-13 that is a few ulps of kFa, so no double
# sits on it (and the landscape's field grid, scaled by t, underflows). The paper's lowest
# t is ~1e-9 (Fig. 5(b)); `crossing_temperature` searches down to 1e-10.
T_MIN = 1e-12
X_MAX = 0.01  # hbar omega_c / E_F; Fig. 7 goes up to 1.9e-3 (footnote 12)


def chi_factor(kfa):
    """chi/|chi_L| per d(M/mu_B)/dx: 9 pi / (kFa)^3 (docs/physics.md, "Microscopic model").

    chi = M/(V H) with V = 4 pi a^3/3 and H = x E_F/(2 mu_B) gives
    chi = (2 mu_B^2/(V E_F)) dm/dx, and dividing by |chi_L| leaves 9 pi/(kFa)^3.
    """
    return 9.0 * np.pi / np.asarray(kfa, dtype=float) ** 3


def dipole_energy(kfa, chi_l=CHI_L_GOLD):
    """mu_B^2 / (E_F a^3) = 6 pi^2 |chi_L| / (kFa)^3 (docs/physics.md, "Microscopic model")."""
    return 6.0 * np.pi**2 * chi_l / np.asarray(kfa, dtype=float) ** 3


def dipole_field(kfa, d_over_a=3.0, chi_l=CHI_L_GOLD):
    """x felt on the chain axis per Bohr magneton of a neighbour at distance d, Eq. (3).

    H = 2 M/d^3 on the axis, x = 2 mu_B H/E_F = 4 (M/mu_B) (a/d)^3 mu_B^2/(E_F a^3).
    """
    return 4.0 * dipole_energy(kfa, chi_l) / d_over_a**3


def chi_critical(d_over_a=3.0):
    """chi_c^z = 3/(8 pi) (d/a)^3, Eq. (8) with eta_z = -2 (3.22 at d = 3a)."""
    return 3.0 / (8.0 * np.pi) * d_over_a**3


def x_of_field(h_gauss, ef_ev=EF_GOLD):
    """x = 2 mu_B H / E_F for H in gauss (gold by default)."""
    return 2.0 * MU_B_EV_PER_G * np.asarray(h_gauss, dtype=float) / ef_ev


# --- argument checks (ValueError naming the parameter) ----------------------------------
def kfa(value) -> float:
    """kFa in [KFA_MIN, KFA_MAX] = [pi, 500]."""
    return _checks.real("kfa", value, low=KFA_MIN, high=KFA_MAX)


def t(value) -> float:
    """t = T/T_F in [T_MIN, T_MAX] = [1e-12, 0.1]."""
    return _checks.real("t", value, low=T_MIN, high=T_MAX)


def x(value, *, signed=True) -> float:
    low = -X_MAX if signed else 0.0
    return _checks.real("x", value, low=low, high=X_MAX)


def d_over_a(value) -> float:
    # below d = 2a the spheres overlap (and the paper's dipole picture needs d >~ 3a)
    return _checks.real("d_over_a", value, low=2.0, high=D_OVER_A_MAX)


def chi_l(value) -> float:
    return _checks.real("chi_l", value, low=0.0, low_open=True, high=CHI_L_MAX)


def kfa_array(value) -> np.ndarray:
    arr = _checks.real_array("kfa", value)
    if np.any(arr < KFA_MIN) or np.any(arr > KFA_MAX):
        raise ValueError(
            f"kfa must be in [pi, {KFA_MAX:g}] (below pi the sphere holds no electron), got "
            f"values in [{arr.min()}, {arr.max()}]"
        )
    return arr


def t_array(value) -> np.ndarray:
    arr = _checks.real_array("t", value)
    if np.any(arr < T_MIN) or np.any(arr > T_MAX):
        raise ValueError(
            f"t must be in [{T_MIN:g}, {T_MAX:g}], got values in [{arr.min()}, {arr.max()}]"
        )
    return arr
