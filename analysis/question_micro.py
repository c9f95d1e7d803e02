"""Sec. VI's question for the microscopic model: does order survive radius dispersion?

Reads every stored run of runs/question_micro_*.toml beside RESULTS (chains of n = 8 gold
spheres on zeta_{1,36}, d = 3a, t = 1e-7, log-normal radii of relative width sigma), reduces
each over its realisations (`mcdimer.runs.reduce.over_realisations`) and draws against
sigma/t (the Curie peak is ~kFa t wide in kFa):
- the fraction of realisations that are ordered: the mean modulus <|mu_i|> of their
  paramagnetic particles above ORDERED (binomial error); a realisation without a
  paramagnetic particle has no moment and is not ordered;
- the ordered fraction of the spheres: the share of the n sites whose <|mu_i|> exceeds
  ORDERED, mean over realisations (error: spread / sqrt(R));
- the paramagnetic fraction (the spheres left in the assembly) and the fraction of
  realisations that mean field orders (K above the instability K_c of Eq. (C1)
  generalised to the realisation's curvatures and scales, stored per point).
Prints the table the README quotes, with the largest R-hat of m^2 and of the energy over
realisations (sign-blind, as the order parameter).

    python analysis/question_micro.py results/question_micro_s0 [PNG]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr
from _figures import cli

from mcdimer.plots import save
from mcdimer.runs import open_results, parse, points
from mcdimer.runs.points import model_parameters
from mcdimer.runs.reduce import over_realisations

# A sphere's moment counts as ordered where <|mu_i|> (units of its own M0) exceeds ORDERED:
# a free sphere on the peak at t = 1e-7 (stiffness C = 55) has <|mu|> = 2/sqrt(pi C) = 0.15,
# less off the peak; an ordered chain at that t has <|mu_i|> ~ 0.97.
ORDERED = 0.5


def load(results: Path) -> dict:
    """{sigma: merged sweep} of every complete question_micro_* run beside `results`."""
    runs = {}
    for path in sorted(Path(results).parent.glob("question_micro*")):
        try:
            ds = open_results(path).to_dataset()
        except ValueError:
            continue  # not (yet) complete
        spec = parse(ds.attrs["spec_toml"])
        ds.attrs["K"] = model_parameters(spec, points(spec)[0])["K"]
        ds.attrs["t"] = spec.model.t
        runs[float(json.loads(ds.attrs["spec_json"])["geometry"]["sigma"])] = ds
    return runs


def reduce(ds: xr.Dataset) -> dict:
    """The ordered fractions of one sweep, with their errors."""
    n_sites = ds.sizes["site"]
    site_abs = ds["site_mean"].sel(column="abs")  # NaN where a realisation has fewer particles
    ordered_sites = (site_abs > ORDERED).sum("particle") / n_sites
    mf = ds["meanfield_critical_coupling"] < ds.attrs["K"]  # NaN (no particle): not ordered
    extra = xr.Dataset(
        {
            "ordered_sites": ordered_sites,
            "paramagnetic_fraction": ds["paramagnetic"] / n_sites,
            "meanfield_ordered": mf.astype(float),
        }
    )
    red = over_realisations(xr.merge([ds[["mean"]], extra]), order="abs_mu_mean", threshold=ORDERED)
    # sign-blind: the sign of an ordered segment need not mix (Metropolis), its modulus must
    blind = ["mz2", "energy"]
    r_hat = ds["r_hat"].sel(summary_observable=blind) if "r_hat" in ds else xr.DataArray(np.nan)
    return {
        "realisations": int(ds.sizes["realisation"]),
        "ordered": (float(red["fraction_ordered"]), float(red["fraction_ordered_se"])),
        "sites": (float(red["ordered_sites"]), float(red["ordered_sites_se"])),
        "paramagnetic": (
            float(red["paramagnetic_fraction"]),
            float(red["paramagnetic_fraction_se"]),
        ),  # fmt: skip
        "meanfield": (float(red["meanfield_ordered"]), float(red["meanfield_ordered_se"])),
        "modulus": float(np.nanmedian(ds["mean"].sel(observable="abs_mu_mean"))),
        "r_hat": float(np.nanmax(r_hat)),
    }


def main(results, png) -> Path:
    import matplotlib.pyplot as plt

    runs = load(results)
    if not runs:
        raise ValueError(f"{results}: no complete runs/question_micro_*.toml results beside it")
    t = next(iter(runs.values())).attrs["t"]
    sigmas = np.array(sorted(runs))
    rows = [reduce(runs[s]) for s in sigmas]
    x = sigmas / t
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for key, label, fmt in (
        ("ordered", rf"realisations ordered ($\langle|\mu_i|\rangle_{{para}} > {ORDERED}$)", "o-"),
        ("sites", rf"spheres ordered ($\langle|\mu_i|\rangle > {ORDERED}$)", "s-"),
        ("paramagnetic", r"spheres paramagnetic ($\chi_i > 0$)", "^--"),
        ("meanfield", "realisations with K above the mean-field instability", "v:"),
    ):
        y = np.array([r[key][0] for r in rows])
        e = np.array([r[key][1] for r in rows])
        ax.errorbar(x, y, e, fmt=fmt, ms=4, capsize=2, label=label)
    ax.set_xscale("symlog", linthresh=0.25)
    ax.set(xlabel=r"radius dispersion $\sigma / t$", ylabel="fraction", ylim=(-0.05, 1.05),
           title=rf"chains n = 8, $\zeta_{{1,36}}$, $d = 3a$, $t = {t:g}$")  # fmt: skip
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = save(fig, png)
    print(f"ordered fraction vs radius dispersion (t = {t:g}; ordered: <|mu_i|> > {ORDERED}):")
    for s, r in zip(sigmas, rows, strict=True):
        print(
            f"  sigma = {s:.3g} ({s / t:g} t), {r['realisations']} realisations: realisations "
            f"ordered {r['ordered'][0]:.2f} +- {r['ordered'][1]:.2f}, spheres ordered "
            f"{r['sites'][0]:.2f} +- {r['sites'][1]:.2f}, paramagnetic "
            f"{r['paramagnetic'][0]:.2f} +- {r['paramagnetic'][1]:.2f}, mean field "
            f"{r['meanfield'][0]:.2f}; median <|mu_i|> {r['modulus']:.2f}; max R-hat(m^2, E) "
            f"{r['r_hat']:.3f}"
        )
    return Path(out)


if __name__ == "__main__":
    cli(main, __doc__, "question_micro")
