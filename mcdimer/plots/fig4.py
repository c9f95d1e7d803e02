"""Fig. 4: phase diagram of the tanh dimer in (chi1, chi2) at H = 0."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap

from ._common import PHASE_COLOURS, new_figure, require, save


def plot_fig4(ds, path):
    """Draw Fig. 4 from `mcdimer.meanfield.fig4_data()` to the PNG `path`; returns the path.

    Solid lines chi1 chi2 = (chi_c^z)^2, dashed chi^zz = 0 (Eq. (6)), thin grey chi2 = -chi1
    (the non-interacting para/dia boundary), all taken from the dataset.
    """
    require(ds, ["phase", "ordered_boundary", "dia_boundary"], "fig4")
    chi1, chi2 = ds["chi1"].values, ds["chi2"].values
    phases = list(ds.attrs["phases"])
    cmap = ListedColormap([PHASE_COLOURS[p] for p in phases])
    fig, ax = new_figure((4.6, 4.2))
    ax.pcolormesh(
        chi1,
        chi2,
        ds["phase"].values.T,
        cmap=cmap,
        vmin=-0.5,
        vmax=len(phases) - 0.5,
        shading="nearest",
    )
    c1 = ds["chi1_line"].values
    for sign in (1, -1):  # the two branches of chi1 chi2 = 1
        part = np.sign(c1) == sign
        ax.plot(c1[part], ds["ordered_boundary"].values[part], "k-", lw=1.5)
    for part in (c1 < -0.5, c1 > -0.5):  # chi^zz = 0 has a pole at chi1 = -1/2
        ax.plot(c1[part], ds["dia_boundary"].values[part], "k--", lw=1.2)
    ax.plot(chi1, -chi1, color="0.5", lw=0.6)
    ax.set_xlim(chi1[0], chi1[-1])
    ax.set_ylim(chi2[0], chi2[-1])
    ax.set_xlabel(r"$\chi_1/\chi_c^z$")
    ax.set_ylabel(r"$\chi_2/\chi_c^z$")
    ax.set_aspect("equal")
    return save(fig, path)
