"""Mean field vs thermal for the App.-B dimer (runs/crosscheck_dimer.toml).

For each C: sampled <|mu_1^z|> (points with MCSE), exact Eq. (B8) (line), T = 0 mean field
(|mu| = 1 above K/C = 1, dashed) and finite-temperature mean field (dotted) over K/C.

    python analysis/crosscheck_dimer.py results/crosscheck_dimer [PNG]
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
    cs = ds.C.values
    fig, axes = plt.subplots(1, cs.size, figsize=(3.2 * cs.size, 3.4), sharey=True, squeeze=False)
    for ax, c in zip(axes[0], cs, strict=True):
        d = ds.sel(C=c)
        r = d.ratio.values
        ax.errorbar(
            r,
            d["mean"].sel(observable="abs_mu1z"),
            d["mcse"].sel(observable="abs_mu1z"),
            fmt="o",
            ms=3,
            label="sampled",
        )
        if "exact_mean" in d:
            ax.plot(r, d["exact_mean"].sel(exact_observable="abs_mu1z"), "k-", lw=1, label="exact")
        ax.step(r, d["meanfield_mz"], where="mid", color="tab:red", ls="--", label="MF, T = 0")
        if "meanfield_t_mz" in d:
            ax.plot(
                r, np.abs(d["meanfield_t_mz"]), color="tab:orange", ls=":", label="MF, finite T"
            )
        ax.axvline(1.0, color="0.7", lw=0.6)
        ax.set(title=f"C = {c:g}", xlabel="$K/C$")
    axes[0, 0].set_ylabel(r"$\langle|\mu_1^z|\rangle$")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return save(fig, png, dpi=130)


if __name__ == "__main__":
    cli(main, __doc__, "crosscheck_dimer")
