"""Figures of the mean-field vs thermal cross-check (datasets of `mcdimer.compare`)."""

from __future__ import annotations

import numpy as np

from ._common import new_figure, save


def plot_dimer_table(ds, path):
    """Order parameter vs K/C for each C: T = 0 and finite-T mean field, exact <|mu_1^z|>,
    sampled values with error bars when present; the exact bimodality onset as a tick."""
    fig, ax = new_figure((6.0, 4.0))
    colours = dict(zip(ds.C.values, ["C0", "C1", "C2", "C3", "C4", "C5", "C6"], strict=False))
    r = ds.ratio.values
    for C in ds.C.values:
        sel = ds.sel(C=C)
        col = colours[C]
        ax.plot(r, sel.abs_mu1z, "-", color=col, label=f"C = {C:g}: exact <|mu_1^z|>")
        ax.plot(r, sel.mf_finite_t, "--", color=col, lw=1)
        if "sampled_abs_mu1z" in ds:
            ax.errorbar(
                r, sel.sampled_abs_mu1z, yerr=sel.sampled_abs_mu1z_se, fmt="o", color=col, ms=3
            )
        if "onset_bimodal" in ds:
            ax.axvline(float(sel.onset_bimodal), color=col, ls=":", lw=0.8)
    ax.plot(r, ds.mf_t0.isel(C=0), "k-", lw=2, alpha=0.4, label="mean field, T = 0")
    ax.set_xlabel("K/C = chi_1/chi_c^z")
    ax.set_ylabel("|mu_1^z| (units of M0)")
    ax.set_title(
        "App.-B dimer: exact (solid), finite-T mean field (dashed), sampled (dots)", fontsize=8
    )
    ax.legend(fontsize=7)
    return save(fig, path)


def plot_chain_onsets(ds, path):
    """Onset K/C of order vs n: Eq. (C1) (T = 0), finite-T mean field, thermal (sampled)."""
    fig, ax = new_figure()
    n = ds.n.values
    ax.plot(n, ds.onset_mf_t0, "ks-", label="mean field T = 0, Eq. (C1)")
    ax.plot(n, ds.onset_mf_finite_t, "b^--", label="finite-T mean field")
    ax.plot(n, ds.onset_thermal, "ro", label=f"thermal: P(m^z) bimodal (C = {ds.attrs['C']:g})")
    ax.axhline(1 / (2 * 1.2020569031595942), color="gray", ls=":", label="1/(2 zeta(3))")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("N")
    ax.set_ylabel("onset K/C = chi_{c,N}/chi_c^z")
    ax.legend(fontsize=7)
    return save(fig, path)


def plot_saturating_fig3(ds, path):
    """Thermal Fig. 3: rms total moment of the tanh dimer at several K next to Eq. (10)."""
    fig, ax = new_figure()
    chi = ds.chi.values
    ax.plot(chi, ds.eq10, "k-", lw=2, label="Eq. (10), mean field")
    for K in ds.K.values:
        ax.plot(chi, ds.rms_mz.sel(K=K), label=f"thermal, K = {K:g}")
    ax.set_xlabel("chi / chi_c^z")
    ax.set_ylabel("m^z / M0 (rms, thermal)")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(np.min(chi), np.max(chi))
    ax.legend(fontsize=7)
    return save(fig, path)
