"""Mean field vs thermal for chains of n particles (runs/crosscheck_chains.toml).

Sampled <|m^z|> (m^z = mean_i mu_i^z) over K/C for each n, with the T = 0 mean-field m^z
(dashed; onset at chain_critical_ratio(n), Eq. (C1)), and the Binder cumulant.

    python analysis/crosscheck_chains.py results/crosscheck_chains [PNG]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from _figures import cli, root

from mcdimer.plots import save


def main(results, png) -> Path:
    ds = root(results)
    if "n" not in ds.dims:
        ds = ds.expand_dims("n")
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8))
    colours = plt.cm.viridis_r(range(0, 256, max(1, 256 // ds.sizes["n"])))
    for n, colour in zip(ds.n.values, colours, strict=False):
        d = ds.sel(n=n)
        r = d.ratio.values
        ax.errorbar(
            r,
            d["mean"].sel(observable="abs_mz"),
            d["mcse"].sel(observable="abs_mz"),
            fmt="o-",
            ms=3,
            lw=0.8,
            color=colour,
            label=f"n = {n}",
        )
        if "meanfield_mz" in d:
            ax.plot(r, d["meanfield_mz"], "--", color=colour, lw=1)
        bx.errorbar(
            r,
            d["mean"].sel(observable="binder"),
            d["mcse"].sel(observable="binder"),
            fmt="o-",
            ms=3,
            lw=0.8,
            color=colour,
            label=f"n = {n}",
        )
    ax.set(
        xlabel="$K/C$",
        ylabel=r"$\langle|m^z|\rangle$",
        title="sampled (points) vs T = 0 mean field (dashed)",
    )
    bx.set(
        xlabel="$K/C$",
        ylabel=r"$1 - \langle m^4\rangle/3\langle m^2\rangle^2$",
        title="Binder cumulant",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, png, dpi=130)


if __name__ == "__main__":
    cli(main, __doc__, "crosscheck_chains")
