"""Fig. 3: 2 m^z and one particle's moment vs chi/chi_c^z, phases as coloured background."""

from __future__ import annotations

import numpy as np

from ._common import PHASE_COLOURS, new_figure, require, save


def plot_fig3(ds, path):
    """Draw Fig. 3 from `mcdimer.meanfield.fig3_data()` to the PNG `path`; returns the path."""
    require(ds, ["total_mz", "m1z", "phase"], "fig3")
    chi = ds["chi"].values
    phases = list(ds.attrs["phases"])
    fig, ax = new_figure()
    # background: each grid point's phase over the half-way points to its neighbours
    edges = np.concatenate([[chi[0]], 0.5 * (chi[1:] + chi[:-1]), [chi[-1]]])
    for k, p in enumerate(ds["phase"].values):
        ax.axvspan(edges[k], edges[k + 1], color=PHASE_COLOURS[phases[p]], lw=0)
    ax.plot(chi, ds["total_mz"].values, color="red", lw=2, label=r"$2m^z/\mathcal{M}_0$")
    ax.plot(
        chi, ds["m1z"].values, "--", color="blue", lw=1.5, label=r"$\mathcal{M}_1^z/\mathcal{M}_0$"
    )
    ax.set_xlim(chi[0], chi[-1])
    ax.set_xlabel(r"$\chi/\chi_c^z$")
    ax.set_ylabel(r"$2m^z/\mathcal{M}_0$")
    ax.legend(loc="upper left", frameon=False)
    return save(fig, path)
