"""The mean-field instability of disordered assemblies vs size dispersion (Sec. VI's question)."""

from __future__ import annotations

import numpy as np

from ._common import new_figure, require, save


def plot_critical_ratios(datasets: dict, path):
    """K_c/C vs sigma, one series per dataset of `meanfield.critical_ratio_data`.

    Each realisation is a faint dot; the line is the mean over realisations with its
    standard error (sd/sqrt(R)). Returns the path of the PNG.
    """
    fig, ax = new_figure()
    for k, (name, ds) in enumerate(datasets.items()):
        require(ds, ["critical_ratio"], "critical_ratio")
        sigma = ds["sigma"].values
        vals = ds["critical_ratio"].values
        colour = f"C{k}"
        shift = (k - 0.5 * (len(datasets) - 1)) * 0.004
        for j, s in enumerate(sigma):
            ax.plot(np.full(vals.shape[1], s + shift), vals[j], ".", color=colour, alpha=0.25)
        mean = vals.mean(axis=1)
        se = vals.std(axis=1, ddof=1) / np.sqrt(vals.shape[1]) if vals.shape[1] > 1 else 0 * mean
        label = f"{name} (n = {ds.attrs.get('particles', '?')}, {vals.shape[1]} realisations)"
        ax.errorbar(sigma + shift, mean, yerr=se, fmt="o-", color=colour, label=label)
    ax.set_xlabel(r"size dispersion $\sigma$ (relative width of the radii)")
    ax.set_ylabel(r"mean-field onset $K_c/C$")
    ax.legend(frameon=False, fontsize=8)
    return save(fig, path)
