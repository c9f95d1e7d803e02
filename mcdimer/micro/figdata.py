"""Data of Figs. 5(a), 5(b), 6, 7 and 10 as xarray Datasets (drawn by mcdimer.plots.micro).

Each function computes physics only; each Dataset carries its units in attrs. Defaults
follow the paper: gold (|chi_L| = 2.9e-7), d = 3a, kFa = zeta_{1,36}, zeta_{6,26}, zeta_{5,37}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _checks
from . import response, selfconsistent, spectrum, units

if TYPE_CHECKING:
    import xarray as xr


def _xarray():
    # imported when a figure's data is built, not with mcdimer.micro: xarray (with pandas)
    # costs ~0.5 s of CPU that `mcdimer --help` and the CLI's micro commands do not need
    import xarray

    return xarray


FIG_POINTS_MAX = 100_000  # a curve needs far fewer; each point is a sum over every level


def paper_kfas() -> tuple[float, float, float]:
    """zeta_{1,36} ~ 42.97, zeta_{6,26} ~ 52.91, zeta_{5,37} ~ 62.13 (Fig. 5)."""
    return tuple(spectrum.bessel_zero(n, l) for n, l in ((1, 36), (6, 26), (5, 37)))


def fig5a_data(kfa=None, t=None, d_over_a=3.0, chi_l=units.CHI_L_GOLD) -> xr.Dataset:
    """chi(T) for several kFa (Fig. 5(a); the inset uses kfa=(42.4, 42.7)), cgs and /|chi_L|."""
    kfa = np.atleast_1d(np.asarray(paper_kfas() if kfa is None else kfa, dtype=float))
    t = np.geomspace(1e-8, 5e-3, 300) if t is None else np.asarray(t, dtype=float)
    chi_l = units.chi_l(chi_l)
    d_over_a = units.d_over_a(d_over_a)
    kk, tt = np.meshgrid(kfa, t, indexing="ij")
    ratio = response.zfs(kk.ravel(), tt.ravel()).reshape(kk.shape)
    return _xarray().Dataset(
        {
            "chi_over_chi_l": (("kfa", "t"), ratio, {"units": "|chi_L|"}),
            "chi": (("kfa", "t"), ratio * chi_l, {"units": "cgs (dimensionless)"}),
        },
        coords={"kfa": kfa, "t": ("t", t, {"long_name": "T/T_F"})},
        attrs={"chi_c": units.chi_critical(d_over_a), "d_over_a": d_over_a, "chi_l": chi_l},
    )


def fig5b_data(kfa=None, t=None, d_over_a=3.0, chi_l=units.CHI_L_GOLD) -> xr.Dataset:
    """Self-consistent dimer m^z(T) at H = 0 (Fig. 5(b)), and the crossing temperatures."""
    kfa = np.atleast_1d(np.asarray(paper_kfas() if kfa is None else kfa, dtype=float))
    t = np.geomspace(1e-9, 1e-6, 200) if t is None else np.asarray(t, dtype=float)
    m = np.array([[selfconsistent.dimer_moment(k, tk, d_over_a, chi_l) for tk in t] for k in kfa])
    t_c = [selfconsistent.crossing_temperature(k, d_over_a, chi_l) for k in kfa]
    return _xarray().Dataset(
        {
            "m_z": (("kfa", "t"), m, {"units": "mu_B"}),
            "t_cross": ("kfa", np.array(t_c), {"long_name": "t where chi = chi_c^z"}),
        },
        coords={"kfa": kfa, "t": ("t", t, {"long_name": "T/T_F"})},
        attrs={"d_over_a": float(d_over_a), "chi_l": float(chi_l)},
    )


def fig6_data(kfa=None, t=(5e-3, 5e-4, 5e-5)) -> xr.Dataset:
    """chi/|chi_L| versus kFa at three temperatures (Fig. 6), with the zeros zeta_nl in range."""
    kfa = np.linspace(40.0, 55.0, 1000) if kfa is None else units.kfa_array(kfa)
    t = np.asarray(t, dtype=float)
    chi = np.stack([response.zfs(kfa, tk) for tk in t])
    zeros = spectrum.zeros_between(float(kfa.min()), float(kfa.max()))
    return _xarray().Dataset(
        {
            "chi_over_chi_l": (("t", "kfa"), chi, {"units": "|chi_L|"}),
            "zeta": ("zero", zeros.zeta),
            "zeta_n": ("zero", zeros.n),
            "zeta_l": ("zero", zeros.l),
        },
        coords={"t": ("t", t, {"long_name": "T/T_F"}), "kfa": kfa},
    )


def fig7_data(kfa=None, t=(5e-3, 5e-4, 5e-5), x_max=None, points=400) -> xr.Dataset:
    """M/mu_B versus x = hbar omega_c/E_F (Fig. 7); x_max defaults to H = 9.2e5 G (footnote 12)."""
    kfa = np.atleast_1d(
        np.asarray((spectrum.bessel_zero(1, 36), 42.4) if kfa is None else kfa, dtype=float)
    )
    x_max = float(units.x_of_field(9.2e5)) if x_max is None else x_max
    x_max = units.x(x_max, signed=False)
    if x_max == 0.0:
        raise ValueError("x_max must be > 0")
    points = _checks.integer("points", points, low=2, high=FIG_POINTS_MAX)
    t = units.t_array(t)
    _checks.memory("points", 8 * 4 * points * len(t) * len(kfa), f"{points} field values")
    x = np.linspace(0.0, x_max, points)
    m = np.array([[response.moment(k, tk, x) for tk in t] for k in kfa])
    return _xarray().Dataset(
        {"m": (("kfa", "t", "x"), m, {"units": "mu_B"})},
        coords={"kfa": kfa, "t": ("t", t, {"long_name": "T/T_F"}), "x": x},
    )


def fig10_data(n=None, t=(1e-7, 2e-7, 3e-7, 4e-7), kfa=None, d_over_a=3.0, chi_l=units.CHI_L_GOLD):
    """Chain m_N^z versus N at several t (Fig. 10), finite chains solved particle by particle."""
    kfa = spectrum.bessel_zero(1, 36) if kfa is None else float(kfa)
    n = np.arange(2, 21) if n is None else np.asarray(n, dtype=int)
    t = np.asarray(t, dtype=float)
    m = np.array(
        [[selfconsistent.chain_moment(int(k), kfa, tk, d_over_a, chi_l) for k in n] for tk in t]
    )
    return _xarray().Dataset(
        {"m_z": (("t", "n"), m, {"units": "mu_B", "long_name": "m_N^z"})},
        coords={"t": ("t", t, {"long_name": "T/T_F"}), "n": n},
        attrs={"kfa": kfa, "d_over_a": float(d_over_a), "chi_l": float(chi_l)},
    )
