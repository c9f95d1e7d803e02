"""Data behind Figs. 3, 4 and 9 as xarray Datasets (computed here, drawn by `mcdimer.plots`)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import _checks
from .chain import CHAIN_ASYMPTOTE, asymptotic_excess, chain_critical_ratio
from .saturating import PHASES, phase, saturating_dimer


def _grid(name, values) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a 1-D array of at least 2 finite values")
    return arr


def fig3_data(chi=None) -> xr.Dataset:
    """Fig. 3: the tanh dimer at H = 0 with chi1 = chi2 = chi (units of chi_c^z), Eqs. (9)-(10).

    Variables over `chi`: total_mz = 2 m^z = (M_1^z + M_2^z)/M0, m1z = M_1^z/M0 (one particle),
    phase (index into attrs["phases"]: antialigned, diamagnetic, paramagnetic, aligned).
    """
    chi = _grid("chi", np.linspace(-3.0, 3.0, 301) if chi is None else chi)
    m1 = np.empty(chi.size)
    m2 = np.empty(chi.size)
    ph = np.empty(chi.size, dtype=int)
    for k, x in enumerate(chi):
        m1[k], m2[k] = saturating_dimer(x, x)
        ph[k] = PHASES.index(phase(x, x))  # footnote 7: solves again in a weak probe field
    return xr.Dataset(
        {
            "total_mz": ("chi", m1 + m2, {"long_name": "2 m^z / M0"}),
            "m1z": ("chi", m1, {"long_name": "M_1^z / M0"}),
            "phase": ("chi", ph),
        },
        coords={"chi": ("chi", chi, {"long_name": "chi / chi_c^z"})},
        attrs={"phases": list(PHASES), "source": "Eqs. (3), (9), (10); Fig. 3"},
    )


def fig4_data(chi1=None, chi2=None) -> xr.Dataset:
    """Fig. 4: phase of the tanh dimer at H = 0 on a (chi1, chi2) grid (units of chi_c^z).

    Variables: phase (chi1, chi2) index into attrs["phases"]; the linear-response boundaries
    as curves: `ordered_boundary` chi2 = 1/chi1 (chi1 chi2 = (chi_c^z)^2) and `dia_boundary`
    chi2 = -chi1/(1 + 2 chi1) (chi^zz = 0 of Eq. (6)), both over a fine `chi1_line` (NaN off-range).
    chi^zz = 0 separates para from dia only where chi1 chi2 < 1: its branch chi1 < -1/2 lies
    wholly in the antialigned phase (there chi1 chi2 = chi1^2/|1 + 2 chi1| >= 1, equality at
    chi1 = -1), so it is left out, as the paper draws it.
    """
    chi1 = _grid("chi1", np.linspace(-3.0, 3.0, 31) if chi1 is None else chi1)
    chi2 = _grid("chi2", np.linspace(-3.0, 3.0, 31) if chi2 is None else chi2)
    ph = np.empty((chi1.size, chi2.size), dtype=int)
    for i, a in enumerate(chi1):
        for j, b in enumerate(chi2):
            ph[i, j] = PHASES.index(phase(a, b))
    line = np.linspace(chi1.min(), chi1.max(), 2001)  # fine abscissa for the boundary curves
    with np.errstate(divide="ignore", invalid="ignore"):
        ordered = 1.0 / line
        dia = -line / (1.0 + 2.0 * line)
    lo, hi = chi2.min(), chi2.max()
    ordered = np.where((ordered >= lo) & (ordered <= hi), ordered, np.nan)
    dia = np.where((dia >= lo) & (dia <= hi) & (line * dia < 1.0), dia, np.nan)
    return xr.Dataset(
        {
            "phase": (("chi1", "chi2"), ph),
            "ordered_boundary": ("chi1_line", ordered),
            "dia_boundary": ("chi1_line", dia),
        },
        coords={"chi1": chi1, "chi2": chi2, "chi1_line": line},
        attrs={"phases": list(PHASES), "source": "Eqs. (3), (6), (9), footnote 7; Fig. 4"},
    )


def fig9_data(n_max: int = 20) -> xr.Dataset:
    """Fig. 9: chi_{c,N}^z / chi_c^z = 1/lambda_max(A) for N = 2..n_max, Eq. (C1).

    Variables over `N`: ratio, and `leading` = asymptote + pi^2 ln N/(4 zeta(3)^2 N^2)
    (chain.py). attrs["asymptote"] = 1/(2 zeta(3)).
    """
    n_max = _checks.integer("n_max", n_max, low=2)
    ns = np.arange(2, n_max + 1)
    ratio = np.array([chain_critical_ratio(int(n)) for n in ns])
    return xr.Dataset(
        {
            "ratio": ("N", ratio, {"long_name": "chi_{c,N}^z / chi_c^z"}),
            "leading": ("N", CHAIN_ASYMPTOTE + asymptotic_excess(ns)),
        },
        coords={"N": ns},
        attrs={"asymptote": CHAIN_ASYMPTOTE, "source": "Eq. (C1); Fig. 9"},
    )
