"""Thermal distributions of microscopic dimers next to their mean-field values, exactly.

The paper's central claim (Sec. V, App. B) is that thermal fluctuations leave the
self-consistent moments of Figs. 5(b) and 10 essentially unchanged. Here the same
microscopic landscape (`Microscopic`, the Legendre transform of the exact M(H)) is held
against them for the dimer, exactly, by the quadrature of Eq. (B8) with that landscape
(`mcdimer.exact` integrates any landscape). Moments are returned in Bohr magnetons.

The sampled versions (the dimer and chains by parallel tempering over temperature) are in
`mcdimer.micro_scans`, above the samplers: physics does not call them.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import _checks, exact
from ..model import Chain
from .landscape import Microscopic
from .selfconsistent import dimer_moment
from .units import CHI_L_GOLD


def landscape_or_none(kfa: float, t: float, d_over_a: float, chi_l: float):
    """`Microscopic(kfa, t, d_over_a, chi_l)`, or None where the response is diamagnetic or
    unbounded at (kfa, t): no thermal landscape (docs/physics.md, "Landscapes")."""
    try:
        return Microscopic(kfa, t, d_over_a, chi_l)
    except ValueError:
        return None


def exact_dimer_scan(
    kfa: float, ts, *, d_over_a: float = 3.0, chi_l: float = CHI_L_GOLD, bins: int = 40
) -> xr.Dataset:
    """Microscopic dimer at H = 0 over temperatures t = T/T_F, self-consistent and exact.

    Variables (t axis): m_sc (self-consistent m^z in mu_B, Fig. 5(b)), m0 (the landscape's
    bound M0 in mu_B), K (reduced coupling), exact_abs_m1z and exact_rms_m1z
    (<|M_1^z|>, sqrt<(M_1^z)^2> in mu_B, Eq. (B8) with the microscopic landscape; see
    docs/physics.md, "The exact dimer"), exact_pdf (P(M_1^z/M0) on `bins` bins). NaN where
    the response is diamagnetic (no landscape).
    """
    kfa = _checks.real("kfa", kfa, low=0.0, low_open=True)
    ts = np.atleast_1d(np.asarray(ts, dtype=float))
    nt = ts.size
    out = {k: np.full(nt, np.nan) for k in ("m_sc", "m0", "K", "exact_abs_m1z", "exact_rms_m1z")}
    pdf = np.full((nt, bins), np.nan)
    for k, t in enumerate(ts):
        out["m_sc"][k] = dimer_moment(kfa, t, d_over_a=d_over_a, chi_l=chi_l)
        land = landscape_or_none(kfa, t, d_over_a, chi_l)
        if land is None:
            continue
        model = Chain(2, land.K, landscape=land)
        out["m0"][k], out["K"][k] = land.m0, land.K
        e = exact.expect(model)
        out["exact_abs_m1z"][k] = land.m0 * e["abs_mu1z"]
        out["exact_rms_m1z"][k] = land.m0 * np.sqrt(e["mu1z2"])
        pdf[k] = exact.pdf_mu1z(model, bins)
    edges = exact.bin_edges(bins)
    return xr.Dataset(
        {k: ("t", v) for k, v in out.items()} | {"exact_pdf": (("t", "mu1z"), pdf)},
        coords={"t": ts, "mu1z": 0.5 * (edges[1:] + edges[:-1])},
        attrs={
            "kfa": kfa,
            "d_over_a": d_over_a,
            "chi_l": chi_l,
            "units": "moments in Bohr magnetons; pdf in M_1^z/M0",
            "what": "microscopic dimer at H = 0: self-consistent vs thermal (Fig. 5(b))",
        },
    )


def __getattr__(name: str):
    """`dimer_scan` and `chain_scan` moved to `mcdimer.micro_scans` (they sample); kept
    reachable here, imported only when asked for, for code that still names this module."""
    if name in ("dimer_scan", "chain_scan"):
        from .. import micro_scans  # not at the top: the physics layer does not import it

        return getattr(micro_scans, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
