"""Figs. 5(a), 5(b), 6, 7 and 10 drawn from the Datasets of `mcdimer.micro.figdata`.

Plotting only: every number comes from the Dataset. Each function returns the Figure.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple")


def fig5a(ds, inset=None):
    """chi(T) on log-log axes with the chi_c^z(d) line; `inset` a second fig5a_data Dataset."""
    fig, ax = plt.subplots(figsize=(5, 4))
    for k, color in zip(ds.kfa.values, _COLORS, strict=False):
        ax.loglog(ds.t, ds.chi.sel(kfa=k), color=color, label=f"$k_Fa$ = {k:.2f}")
    ax.axhline(ds.attrs["chi_c"], color="k", ls="--", label=r"$\chi_c^z$")
    ax.set_xlabel(r"$T/T_F$")
    ax.set_ylabel(r"$\chi$")
    ax.legend(fontsize=8)
    if inset is not None:
        sub = ax.inset_axes([0.55, 0.55, 0.4, 0.35])
        for k, color in zip(inset.kfa.values, _COLORS[3:], strict=False):
            sub.semilogx(inset.t, inset.chi.sel(kfa=k), color=color, label=f"{k:.1f}")
        sub.axhline(0.0, color="k", lw=0.5)
        sub.tick_params(labelsize=6)
        sub.legend(fontsize=6)
    fig.tight_layout()
    return fig


def fig5b(ds):
    """Dimer m^z/mu_B versus T/T_F at H = 0 (Fig. 5(b))."""
    fig, ax = plt.subplots(figsize=(5, 4))
    for k, color in zip(ds.kfa.values, _COLORS, strict=False):
        ax.semilogx(ds.t, ds.m_z.sel(kfa=k), color=color, label=f"$k_Fa$ = {k:.2f}")
    ax.set_xlabel(r"$T/T_F$")
    ax.set_ylabel(r"$m^z/\mu_B$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig6(ds):
    """chi/|chi_L| versus kFa, one panel per temperature; zeros zeta_nl in the last panel."""
    n = ds.sizes["t"]
    fig, axes = plt.subplots(n, 1, figsize=(6, 2.2 * n), sharex=True)
    axes = list(axes) if n > 1 else [axes]
    for ax, t, color in zip(axes, ds.t.values, _COLORS, strict=False):
        ax.plot(ds.kfa, ds.chi_over_chi_l.sel(t=t), color=color, lw=0.8)
        ax.axhline(0.0, color="k", ls="--", lw=0.5)
        ax.set_ylabel(r"$\chi/|\chi_L|$")
        ax.set_title(f"$T/T_F$ = {t:g}", fontsize=9)
    for z in ds.zeta.values:
        axes[-1].axvline(z, color="0.7", lw=0.5)
    axes[-1].set_xlabel(r"$k_Fa$")
    fig.tight_layout()
    return fig


def fig7(ds):
    """M/mu_B versus hbar omega_c/E_F: thick lines the first kFa, thin the second (Fig. 7)."""
    fig, ax = plt.subplots(figsize=(5, 4))
    for i, k in enumerate(ds.kfa.values):
        for t, color in zip(ds.t.values, ("tab:blue", "tab:green", "tab:red"), strict=False):
            label = f"$k_Fa$={k:.2f}, $T/T_F$={t:g}"
            ax.plot(ds.x, ds.m.sel(kfa=k, t=t), color=color, lw=2.0 if i == 0 else 0.8, label=label)
    ax.set_xlabel(r"$\hbar\omega_c/E_F$")
    ax.set_ylabel(r"$\mathcal{M}/\mu_B$")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def fig10(ds):
    """Chain m_N^z/mu_B versus N at several T/T_F (Fig. 10)."""
    fig, ax = plt.subplots(figsize=(5, 4))
    for t, color in zip(ds.t.values, _COLORS, strict=False):
        ax.plot(ds.n, ds.m_z.sel(t=t), "o-", color=color, ms=3, lw=0.8, label=f"$T/T_F$ = {t:g}")
    ax.set_xlabel(r"$\mathcal{N}$")
    ax.set_ylabel(r"$m^z_\mathcal{N}/\mu_B$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
