"""Sampled thermal scans of the microscopic model (Sec. V): the dimer and chains at H = 0
over temperature by parallel tempering, held against the self-consistent moments of
Figs. 5(b) and 10 and (dimer) the exact quadrature of `micro.thermal.exact_dimer_scan`.

Each tempering replica at t/b has its own microscopic landscape (docs/physics.md,
"Reduced units"). This module sits above the samplers; `mcdimer.micro` (physics) does not
import it. Moments are in Bohr magnetons.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import _checks
from .micro.selfconsistent import chain_moment
from .micro.thermal import exact_dimer_scan, landscape_or_none
from .micro.units import CHI_L_GOLD
from .model import Chain
from .sampling import sample as run_sample

SAMPLING = {"sweeps": 20_000, "burn": 4_000, "chains": 4, "replicas": 8, "b_min": 0.25}


def dimer_scan(
    kfa: float,
    ts,
    *,
    d_over_a: float = 3.0,
    chi_l: float = CHI_L_GOLD,
    bins: int = 40,
    sample: bool = True,
    seed: int = 0,
    sampling=None,
) -> xr.Dataset:
    """Microscopic dimer at H = 0 over temperatures t = T/T_F (Fig. 5(b) and its thermal version).

    The variables of `micro.thermal.exact_dimer_scan` (m_sc, m0, K, exact_abs_m1z,
    exact_rms_m1z, exact_pdf; docs/physics.md, "The exact dimer") and, with sample=True,
    the tempering estimates sampled_abs_mz (<|m^z|>, m^z = (M_1^z + M_2^z)/2, mu_B) with its
    MCSE, sampled_abs_m1z and sampled_pdf (with stderr); `sampling` overrides the keyword
    arguments of `mcdimer.sample` (SAMPLING), point k has seed `seed + k`. NaN where the
    response is diamagnetic (no landscape).
    """
    ds = exact_dimer_scan(kfa, ts, d_over_a=d_over_a, chi_l=chi_l, bins=bins)
    opts = dict(SAMPLING, **(sampling or {}))
    nt = ds.sizes["t"]
    keys = ("sampled_abs_mz", "sampled_abs_mz_se", "sampled_abs_m1z", "sampled_abs_m1z_se")
    out = {k: np.full(nt, np.nan) for k in keys}
    pdfs = {k: np.full((nt, bins), np.nan) for k in ("sampled_pdf", "sampled_pdf_se")}
    for k, t in enumerate(ds.t.values):
        land = landscape_or_none(ds.attrs["kfa"], float(t), d_over_a, chi_l) if sample else None
        if land is None:
            continue
        r = run_sample(Chain(2, land.K, landscape=land), "tempering", seed=seed + k, **opts)
        mean, se = r.expect(), r.mcse()
        out["sampled_abs_mz"][k] = land.m0 * mean["abs_mz"]
        out["sampled_abs_mz_se"][k] = land.m0 * se["abs_mz"]
        out["sampled_abs_m1z"][k] = land.m0 * mean["abs_mu1z"]
        out["sampled_abs_m1z_se"][k] = land.m0 * se["abs_mu1z"]
        pdfs["sampled_pdf"][k], pdfs["sampled_pdf_se"][k] = r.pdf_mu1z(bins)
    return ds.assign(
        {k: ("t", v) for k, v in out.items()} | {k: (("t", "mu1z"), v) for k, v in pdfs.items()}
    )


def chain_scan(
    kfa: float,
    ns,
    ts,
    *,
    d_over_a: float = 3.0,
    chi_l: float = CHI_L_GOLD,
    seed: int = 0,
    sampling=None,
) -> xr.Dataset:
    """Microscopic chains at H = 0: m_N^z per particle vs n and t (Fig. 10), thermal vs mean field.

    Variables (n, t): m_sc (self-consistent, mu_B), sampled_abs_mz and its MCSE
    (<|m^z|> per particle in mu_B, parallel tempering over temperature; point (a, b) has
    seed `seed + 1000 a + b`).
    """
    ns = [_checks.integer("n", n, low=2) for n in np.atleast_1d(ns)]
    ts = np.atleast_1d(np.asarray(ts, dtype=float))
    opts = dict(SAMPLING, **(sampling or {}))
    shape = (len(ns), ts.size)
    m_sc, m_th, m_se = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    for a, n in enumerate(ns):
        for b, t in enumerate(ts):
            m_sc[a, b] = chain_moment(n, kfa, t, d_over_a=d_over_a, chi_l=chi_l)
            land = landscape_or_none(kfa, t, d_over_a, chi_l)
            if land is None:
                continue
            r = run_sample(
                Chain(n, land.K, landscape=land), "tempering", seed=seed + 1000 * a + b, **opts
            )
            m_th[a, b] = land.m0 * r.expect()["abs_mz"]
            m_se[a, b] = land.m0 * r.mcse()["abs_mz"]
    return xr.Dataset(
        {
            "m_sc": (("n", "t"), m_sc),
            "sampled_abs_mz": (("n", "t"), m_th),
            "sampled_abs_mz_se": (("n", "t"), m_se),
        },
        coords={"n": ns, "t": ts},
        attrs={
            "kfa": kfa,
            "d_over_a": d_over_a,
            "chi_l": chi_l,
            "units": "Bohr magnetons",
            "what": "microscopic chains at H = 0: self-consistent vs thermal (Fig. 10)",
        },
    )
