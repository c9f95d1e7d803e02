"""Thermal Fig. 3 (runs/crosscheck_fig3.toml): the tanh-model dimer (Saturating landscape)
at H = 0, sampled 2<|m^z|> over chi/chi_c^z = K/C at several C, against Fig. 3's T = 0 mean
field 2 m^z (dashed) and the finite-T mean field (dotted).

    python analysis/crosscheck_fig3.py results/crosscheck_fig3 [PNG]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _figures import cli, root

from mcdimer.plots import save


def main(results, png) -> Path:
    ds = root(results)
    if "C" not in ds.dims:
        ds = ds.expand_dims("C")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for c, colour in zip(
        ds.C.values, ("tab:blue", "tab:green", "tab:purple", "tab:brown"), strict=False
    ):
        d = ds.sel(C=c)
        r = d.ratio.values
        ax.errorbar(
            r,
            2 * d["mean"].sel(observable="abs_mz"),
            2 * d["mcse"].sel(observable="abs_mz"),
            fmt="o",
            ms=3,
            color=colour,
            label=f"sampled, C = {c:g}",
        )
        if "meanfield_t_mz" in d:
            ax.plot(r, 2 * np.abs(d["meanfield_t_mz"]), ":", color=colour)
    d = ds.isel(C=0)
    ax.plot(d.ratio, 2 * d["meanfield_mz"], "r--", lw=1.5, label="mean field, T = 0 (Fig. 3)")
    ax.set(
        xlabel=r"$\chi/\chi_c^z = K/C$",
        ylabel=r"$2\langle|m^z|\rangle/\mathcal{M}_0$",
        title="thermal Fig. 3 (tanh model)",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, png, dpi=130)


if __name__ == "__main__":
    cli(main, __doc__, "crosscheck_fig3")
