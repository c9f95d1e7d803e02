"""Fig. 8: P(M_1^z) as vertical colour cuts over K/C at C = 50, sampled, exact and mean field.

Reads a stored `compare` run (runs/fig8.toml, runs/quick.toml) and writes a PNG:
(a) the tempering-sampled density as colour cuts with the T = 0 mean-field order parameter
+-|mu| (1 aligned above K/C = 1, 0 below) and the sampled <|mu_1^z|>; (b) the exact Eq. (B8)
density on the same scale; (c) sampled cuts with their standard errors against the exact
quadrature at a few K/C.

    python analysis/fig8.py results/fig8 [results/fig8/fig8.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from _figures import root  # noqa: E402
from matplotlib.colors import PowerNorm  # noqa: E402

from mcdimer.plots import save


def _edges(centres: np.ndarray) -> np.ndarray:
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def main(results, png) -> Path:
    ds = root(results)
    if "ratio" not in ds.dims or "pdf_mu1z" not in ds:
        raise ValueError(f"{results}: fig8 needs a 'compare' or 'sample' sweep over axes.ratio")
    for extra in [d for d in ds["pdf_mu1z"].dims if d not in ("ratio", "z")]:
        ds = ds.isel({extra: 0})  # e.g. a C axis: draw the first value
    ratio, z = ds.ratio.values, ds.z.values
    z_edges = np.linspace(-1.0, 1.0, z.size + 1)
    sampled = ds["pdf_mu1z"].transpose("z", "ratio").values
    has_exact = "exact_pdf_mu1z" in ds
    vmax = float(np.nanmax(sampled))
    norm = PowerNorm(0.5, vmin=0.0, vmax=vmax)
    fig = plt.figure(figsize=(10, 7.5), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, height_ratios=[1.1, 1])
    ax_s = fig.add_subplot(grid[0, 0])
    ax_e = fig.add_subplot(grid[0, 1], sharey=ax_s)
    ax_c = fig.add_subplot(grid[1, :])

    mesh = ax_s.pcolormesh(_edges(ratio), z_edges, sampled, cmap="magma", norm=norm)
    if "meanfield_mz" in ds:
        mf = ds["meanfield_mz"].values
        for sign in (1, -1):
            ax_s.step(
                ratio,
                sign * mf,
                where="mid",
                color="cyan",
                ls="--",
                lw=1.5,
                label="mean field $\\pm|\\mu|$ (T = 0)" if sign > 0 else None,
            )
    if "mean" in ds:
        a = ds["mean"].sel(observable="abs_mu1z").values
        ax_s.plot(ratio, a, "o", ms=3, color="white", label=r"sampled $\langle|\mu_1^z|\rangle$")
    ax_s.axvline(1.0, color="0.8", lw=0.6, ls=":")
    ax_s.set(
        xlabel="$K/C$",
        ylabel=r"$\mathcal{M}_1^z/\mathcal{M}_0$",
        title="(a) sampled (parallel tempering)",
    )
    ax_s.legend(loc="lower right", fontsize=7, framealpha=0.6)
    fig.colorbar(mesh, ax=[ax_s, ax_e], label=r"$P(\mathcal{M}_1^z)$", shrink=0.9)
    if has_exact:
        exact = ds["exact_pdf_mu1z"].transpose("z", "ratio").values
        ax_e.pcolormesh(_edges(ratio), z_edges, exact, cmap="magma", norm=norm)
        ax_e.set(xlabel="$K/C$", title="(b) exact, Eq. (B8)")
    else:
        ax_e.set_axis_off()

    picks = np.unique([np.abs(ratio - r).argmin() for r in (0.8, 1.0, 1.1, 1.5)])
    colours = plt.cm.viridis(np.linspace(0.0, 0.85, picks.size))
    for k, colour in zip(picks, colours, strict=True):
        cut = ds.isel(ratio=k)
        label = f"K/C = {ratio[k]:.3g}"
        ax_c.errorbar(
            z,
            cut["pdf_mu1z"],
            yerr=cut["pdf_mu1z_se"],
            fmt="o",
            ms=3,
            color=colour,
            label=f"{label} sampled",
        )
        if has_exact:
            ax_c.step(
                z_edges,
                np.append(cut["exact_pdf_mu1z"].values, np.nan),
                where="post",
                color=colour,
                lw=1.0,
                label=f"{label} exact",
            )
    ax_c.set(
        xlabel=r"$\mathcal{M}_1^z/\mathcal{M}_0$",
        ylabel=r"$P(\mathcal{M}_1^z)$",
        yscale="log",
        title="(c) cuts: sampled (points, 1 s.e.) vs exact (lines)",
    )
    ax_c.set_ylim(bottom=max(1e-4, float(np.nanmin(sampled[sampled > 0])) / 2))
    ax_c.legend(fontsize=7, ncol=2)
    c = ds.attrs.get("spec_json", "")
    fig.suptitle("Fig. 8: dimer at C = 50" if '"C":50.0' in c else "Fig. 8")
    return save(fig, png, dpi=130)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    print(main(out, Path(sys.argv[2]) if len(sys.argv) == 3 else out / "fig8.png"))
