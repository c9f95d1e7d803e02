"""Thermal distributions of microscopic dimers and chains next to their mean-field values.

The paper's central claim (Sec. V, App. B) is that thermal fluctuations leave the
self-consistent moments of Figs. 5(b) and 10 essentially unchanged. Here the same
microscopic landscape (`Microscopic`, the Legendre transform of the exact M(H)) is
held against them: the dimer exactly, by the quadrature of Eq. (B8) with that landscape
(`mcdimer.exact` integrates any landscape), and sampled with parallel tempering over
temperature (each replica at t/b has its own landscape, docs/physics.md, "Reduced units"); chains by
tempering only. Moments are returned in Bohr magnetons.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import _checks, exact
from ..model import Chain
from .landscape import Microscopic
from .selfconsistent import chain_moment, dimer_moment
from .units import CHI_L_GOLD

SAMPLING = {"sweeps": 20_000, "burn": 4_000, "chains": 4, "replicas": 8, "b_min": 0.25}


def _landscape(kfa, t, d_over_a, chi_l):
    try:
        return Microscopic(kfa, t, d_over_a, chi_l)
    except ValueError:
        return None  # diamagnetic or unbounded at this (kfa, t): no thermal landscape


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

    Variables (t axis): m_sc (self-consistent m^z in mu_B, Fig. 5(b)), m0 (the landscape's
    bound M0 in mu_B), K (reduced coupling), exact_abs_m1z and exact_rms_m1z
    (<|M_1^z|>, sqrt<(M_1^z)^2> in mu_B, Eq. (B8) with the microscopic landscape),
    exact_pdf (P(M_1^z/M0) on `bins` bins), and with sample=True the tempering estimates
    sampled_abs_mz (<|m^z|>, m^z = (M_1^z + M_2^z)/2, mu_B) with its MCSE, sampled_abs_m1z
    and sampled_pdf (with stderr). NaN where the response is diamagnetic (no landscape).
    """
    from ..sampling import sample as run_sample

    kfa = _checks.real("kfa", kfa, low=0.0, low_open=True)
    ts = np.atleast_1d(np.asarray(ts, dtype=float))
    opts = dict(SAMPLING, **(sampling or {}))
    nt = ts.size
    out = {
        k: np.full(nt, np.nan)
        for k in (
            "m_sc",
            "m0",
            "K",
            "exact_abs_m1z",
            "exact_rms_m1z",
            "sampled_abs_mz",
            "sampled_abs_mz_se",
            "sampled_abs_m1z",
            "sampled_abs_m1z_se",
        )
    }
    pdfs = {k: np.full((nt, bins), np.nan) for k in ("exact_pdf", "sampled_pdf", "sampled_pdf_se")}
    for k, t in enumerate(ts):
        out["m_sc"][k] = dimer_moment(kfa, t, d_over_a=d_over_a, chi_l=chi_l)
        land = _landscape(kfa, t, d_over_a, chi_l)
        if land is None:
            continue
        model = Chain(2, land.K, landscape=land)
        out["m0"][k], out["K"][k] = land.m0, land.K
        e = exact.expect(model)
        out["exact_abs_m1z"][k] = land.m0 * e["abs_mu1z"]
        out["exact_rms_m1z"][k] = land.m0 * np.sqrt(e["mu1z2"])
        pdfs["exact_pdf"][k] = exact.pdf_mu1z(model, bins)
        if sample:
            r = run_sample(model, "tempering", seed=seed + k, **opts)
            mean, se = r.expect(), r.mcse()
            out["sampled_abs_mz"][k], out["sampled_abs_mz_se"][k] = (
                land.m0 * mean["abs_mz"],
                land.m0 * se["abs_mz"],
            )
            out["sampled_abs_m1z"][k], out["sampled_abs_m1z_se"][k] = (
                land.m0 * mean["abs_mu1z"],
                land.m0 * se["abs_mu1z"],
            )
            pdfs["sampled_pdf"][k], pdfs["sampled_pdf_se"][k] = r.pdf_mu1z(bins)
    edges = exact.bin_edges(bins)
    ds = xr.Dataset(
        {k: ("t", v) for k, v in out.items()} | {k: (("t", "mu1z"), v) for k, v in pdfs.items()},
        coords={"t": ts, "mu1z": 0.5 * (edges[1:] + edges[:-1])},
        attrs={
            "kfa": kfa,
            "d_over_a": d_over_a,
            "chi_l": chi_l,
            "units": "moments in Bohr magnetons; pdf in M_1^z/M0",
            "what": "microscopic dimer at H = 0: self-consistent vs thermal (Fig. 5(b))",
        },
    )
    return ds


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
    (<|m^z|> per particle in mu_B, parallel tempering over temperature).
    """
    from ..sampling import sample as run_sample

    ns = [_checks.integer("n", n, low=2) for n in np.atleast_1d(ns)]
    ts = np.atleast_1d(np.asarray(ts, dtype=float))
    opts = dict(SAMPLING, **(sampling or {}))
    shape = (len(ns), ts.size)
    m_sc, m_th, m_se = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    for a, n in enumerate(ns):
        for b, t in enumerate(ts):
            m_sc[a, b] = chain_moment(n, kfa, t, d_over_a=d_over_a, chi_l=chi_l)
            land = _landscape(kfa, t, d_over_a, chi_l)
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
