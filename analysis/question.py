"""Sec. VI's question, thermally: order of disordered assemblies vs size dispersion.

Reads every stored run of runs/question_*.toml found beside RESULTS (the directory of any
one of them), reduces each over its realisations (`mcdimer.runs.reduce.over_realisations`)
and draws, per geometry, the order parameters <|mu_i|>, |m| and the overlap with the
realisation's mean-field critical mode against K/C (mean and spread over realisations),
with the mean-field onsets (Eq. (C1) generalised, one per realisation) marked. Prints the
table the README quotes: per geometry and sigma, the mean-field onset and the thermal onset
(where a realisation's mean modulus crosses ORDERED), mean and spread over realisations,
their ratio, and the largest |m| and critical-mode overlap reached.

Runs with [method] name = "tempering" (runs/question_*_tempering.toml: the same
realisations at the K/C around the onset) are checks of the Metropolis runs, which do not
converge above onset: `crosscheck` pairs their points with the Metropolis ones (same
realisation, same K/C) and prints, per K/C, the largest |difference| of <|mu_i|> in units
of its combined standard error, how often the two agree on "ordered", the mean energy
difference (Metropolis chains freeze in higher-energy patterns) and the R-hat of the
energy; the table's onsets then use the tempering values where they exist.

python analysis/question.py results/question_cluster_s0 [PNG]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from _figures import cli, onset

from mcdimer.plots import save
from mcdimer.runs import open_results
from mcdimer.runs.reduce import over_realisations

# A realisation counts as ordered where its mean modulus <|mu_i|> exceeds ORDERED: free
# moments at C = 50 have <|mu|> = 2/sqrt(pi C) = 0.16, saturated ordered ones approach 1.
# (|m| and the critical-mode overlap are no good criterion in 3-D clusters: the thermal
# ordered states carry little net moment and move away from the linear critical mode.)
ORDERED = 0.4
ORDER = ("abs_mu_mean", "abs_m", "mode_overlap")
LABELS = {"abs_mu_mean": r"$\langle|\mu_i|\rangle$", "abs_m": r"$|m|$",
          "mode_overlap": "critical-mode overlap"}  # fmt: skip


def load(results: Path) -> tuple[dict, dict]:
    """({(geometry, sigma): merged sweep} of the Metropolis runs, the same of the tempering
    checks), from every complete question_* run of quadratic particles beside `results`."""
    runs, checks = {}, {}
    for path in sorted(Path(results).parent.glob("question*")):
        try:
            ds = open_results(path).to_dataset()
        except (ValueError, OSError):
            continue  # not (yet) complete
        spec = json.loads(ds.attrs["spec_json"])
        geo = spec.get("geometry")
        if not geo or spec["model"].get("landscape", "quadratic") != "quadratic":
            continue  # another question (the microscopic one: analysis/question_micro.py)
        name = "random cluster" if geo["builder"] == "random_cluster" else "square array"
        into = checks if spec["method"]["name"] == "tempering" else runs
        into[(name, float(geo["sigma"]))] = ds
    return runs, checks


def with_checks(ds, check):
    """The Metropolis sweep `ds` with <|mu_i|> replaced by the tempering check's value at
    every (realisation, K/C) the check computed."""
    if check is None:
        return ds
    ds = ds.copy(deep=True)
    for ratio in check["ratio"].values:
        at = {"ratio": ratio, "observable": "abs_mu_mean"}
        ds["mean"].loc[at] = check["mean"].sel(at).transpose(*ds["mean"].sel(at).dims)
    return ds


def crosscheck(ds, check) -> list[dict]:
    """Per K/C of the tempering check, its points against the Metropolis run's."""
    rows = []
    for ratio in check["ratio"].values:
        t, m = check.sel(ratio=ratio), ds.sel(ratio=ratio)
        mod_t = t["mean"].sel(observable="abs_mu_mean")
        mod_m = m["mean"].sel(observable="abs_mu_mean")
        se = np.hypot(t["mcse"].sel(observable="abs_mu_mean"),
                      m["mcse"].sel(observable="abs_mu_mean"))  # fmt: skip
        energy = t["mean"].sel(observable="energy") - m["mean"].sel(observable="energy")
        diff = {o: float((t["mean"].sel(observable=o) - m["mean"].sel(observable=o)).mean())
                for o in ("abs_m", "mode_overlap")}  # fmt: skip
        rows.append(
            {
                "ratio": float(ratio),
                "dmod_mean": float((mod_t - mod_m).mean()),
                "dmod_max_z": float(np.max(np.abs(mod_t - mod_m) / se)),
                "agree": float(((mod_t >= ORDERED) == (mod_m >= ORDERED)).mean()),
                "denergy": float(energy.mean()),
                "dabs_m": diff["abs_m"],
                "doverlap": diff["mode_overlap"],
                "rhat_t": float(t["r_hat"].sel(summary_observable="energy").max()),
                "rhat_t_bad": int((t["r_hat"].sel(summary_observable="energy") > 1.01).sum()),
                "rhat_m_bad": int((m["r_hat"].sel(summary_observable="energy") > 1.01).sum()),
                "realisations": int(t.sizes["realisation"]),
            }
        )
    return rows


def table(runs: dict) -> list[dict]:
    rows = []
    for (name, sigma), ds in sorted(runs.items()):
        ratio = ds["ratio"].values
        mean = ds["mean"].transpose("realisation", "ratio", "observable")
        modulus = mean.sel(observable="abs_mu_mean").values
        onsets = np.array([onset(ratio, row, ORDERED) for row in modulus])
        # the instability depends on the realisation only: the same at every K/C
        mf = ds["meanfield_critical_ratio"].isel(ratio=0).values
        rows.append(
            {
                "geometry": name,
                "sigma": sigma,
                "realisations": int(ds.sizes["realisation"]),
                "mf": (float(np.mean(mf)), float(np.std(mf, ddof=1))),
                "thermal": (float(np.nanmean(onsets)), float(np.nanstd(onsets, ddof=1))),
                "ratio": (float(np.nanmean(onsets / mf)), float(np.nanstd(onsets / mf, ddof=1))),
                "never": int(np.isnan(onsets).sum()),
                "abs_m": float(mean.sel(observable="abs_m").max()),
                "overlap": float(mean.sel(observable="mode_overlap").max()),
            }
        )
    return rows


def main(results, png) -> Path:
    import matplotlib.pyplot as plt

    runs, checks = load(results)
    if not runs:
        raise ValueError(f"{results}: no complete runs/question_*.toml results beside it")
    geometries = sorted({g for g, _ in runs})
    fig, axes = plt.subplots(len(geometries), 3, figsize=(12, 3.6 * len(geometries)),
                             squeeze=False, sharex=True)  # fmt: skip
    for row, geo in zip(axes, geometries, strict=True):
        for (name, sigma), ds in sorted(runs.items()):
            if name != geo:
                continue
            red = over_realisations(ds.drop_vars([v for v in ds.data_vars if "realisation"
                                                  not in ds[v].dims]))  # fmt: skip
            ratio = ds["ratio"].values
            mf = float(ds["meanfield_critical_ratio"].mean())
            for ax, obs in zip(row, ORDER, strict=True):
                m = red["mean"].sel(observable=obs).values
                sd = red["mean_sd"].sel(observable=obs).values
                line = ax.plot(ratio, m, "o-", ms=3, label=rf"$\sigma$ = {sigma:g}")[0]
                ax.fill_between(ratio, m - sd, m + sd, color=line.get_color(), alpha=0.2)
                ax.axvline(mf, color=line.get_color(), ls="--", lw=0.8)
                check = checks.get((name, sigma))
                if check is not None:  # tempering: where the Metropolis runs do not mix
                    tm = check["mean"].sel(observable=obs).mean("realisation")
                    ax.plot(check["ratio"].values, tm.values, "x", ms=6,
                            color=line.get_color())  # fmt: skip
        for ax, obs in zip(row, ORDER, strict=True):
            ax.set_title(f"{geo}: {LABELS[obs]}")
            ax.set_xlabel("K/C (reference particle)")
        row[0].legend(fontsize=8)
    fig.suptitle("Thermal order vs size dispersion (bands: spread over realisations; dashed: "
                 "mean-field onset, mean over realisations; x: tempering)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    out = save(fig, png)
    for (name, sigma), check in sorted(checks.items()):
        if (name, sigma) not in runs:
            continue
        print(f"tempering check, {name} sigma={sigma:g}:")
        for r in crosscheck(runs[(name, sigma)], check):
            print(
                f"  K/C={r['ratio']:.2f}: <|mu_i|> tempering - Metropolis {r['dmod_mean']:+.4f} "
                f"(largest |diff|/SE {r['dmod_max_z']:.1f}), ordered verdict agrees in "
                f"{r['agree']:.0%} of {r['realisations']}; energy {r['denergy']:+.2f} kT, |m| "
                f"{r['dabs_m']:+.3f}, overlap {r['doverlap']:+.3f}; "
                f"R-hat(energy) > 1.01 at {r['rhat_t_bad']} tempering / {r['rhat_m_bad']} "
                f"Metropolis points (largest tempering {r['rhat_t']:.3f})"
            )
    onsets = {key: with_checks(ds, checks.get(key)) for key, ds in runs.items()}
    for r in table(onsets):
        print(
            f"{r['geometry']:15s} sigma={r['sigma']:<4g} ({r['realisations']} realisations): "
            f"mean-field onset {r['mf'][0]:.3f} +- {r['mf'][1]:.3f}, thermal onset "
            f"{r['thermal'][0]:.3f} +- {r['thermal'][1]:.3f}, ratio {r['ratio'][0]:.2f} +- "
            f"{r['ratio'][1]:.2f}, never ordered below K/C = 1: {r['never']}; largest |m| "
            f"{r['abs_m']:.2f}, largest critical-mode overlap {r['overlap']:.2f}"
        )
    return Path(out)


if __name__ == "__main__":
    cli(main, __doc__, "question")
