"""Fig. 9: chi_{c,N}^z / chi_c^z vs N with the 1/(2 zeta(3)) asymptote."""

from __future__ import annotations

from ._common import new_figure, require, save


def plot_fig9(ds, path):
    """Draw Fig. 9 from `mcdimer.meanfield.fig9_data()` to the PNG `path`; returns the path."""
    require(ds, ["ratio"], "fig9")
    n = ds["N"].values
    fig, ax = new_figure()
    ax.plot(n, ds["ratio"].values, "o", color="red", label="Eq. (C1)")
    if "leading" in ds:
        ax.plot(
            n,
            ds["leading"].values,
            ":",
            color="0.4",
            lw=1,
            label=r"$1/2\zeta(3) + \pi^2\ln N/(4\zeta(3)^2N^2)$",
        )
    ax.axhline(ds.attrs["asymptote"], ls="--", color="k", label=r"$1/2\zeta(3)$")
    ax.set_xlabel(r"$\mathcal{N}$")
    ax.set_ylabel(r"$\chi^z_{c,\mathcal{N}}/\chi^z_c$")
    ax.legend(frameon=False)
    return save(fig, path)
