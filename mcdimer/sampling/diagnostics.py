"""arviz views of a run: thinned draws as a DataTree, and the summary table."""

from __future__ import annotations

import warnings

import numpy as np

from .dims import DIMS, RECORD_DIMS, record_size, select
from .driver import ACCEPTANCE, SWAP_ACCEPTANCE
from .observables import DRAW_COLUMNS, PARTICLE1, SCALARS, SITE_COLUMNS

RHAT_LIMIT = 1.01
ESS_LIMIT = 400
# Lag-1 correlation of successive batch means above which the batch-means MCSE is too small.
# Independent batch means give r ~ N(-1/B, 1/(chains B)) pooled over chains of B batches
# (0.09 for 4 chains of 32): 0.3 is > 3 of those standard deviations. Seen: the sign of an
# ordered chain under tempering (Chain(32, K=40, C=50), 40k sweeps, 32 batches) had r =
# 0.21-0.48 over 15 seeds and its error was 1.7x too small.
BATCH_R1_LIMIT = 0.3
MIN_BATCHES_FOR_R1 = 8


def to_datatree(result):
    """posterior: mu (chain, draw, particle, component), energy, mz, mz2, mu1z, mu1z2;
    sample_stats: lp and, where the sampler records them, per-draw statistics.

    At a tempering level k > 0 only the per-draw observables are kept (no whole
    configurations): the posterior then holds energy, mz, mz2, mu1z and mu1z2."""
    from arviz_base import from_dict  # not at the top: 0.7 s of CPU at import mcdimer

    n_draws = _filled_draws(result)
    k, rec = result.level_index, result.records
    if k > 0:
        at = {DIMS.level: k, DIMS.draw: slice(None, n_draws)}
        col = {
            name: select("level_values", rec["level_values"], {**at, DIMS.draw_column: i})
            for i, name in enumerate(DRAW_COLUMNS)
        }
        posterior = {name: col[name] for name in ("energy", "mz", "mz2", "mu1z", "mu1z2")}
        return from_dict(
            {"posterior": posterior, "sample_stats": {"lp": -col["energy"]}},
            attrs={"posterior": _attrs(result)},
        )
    filled = {DIMS.draw: slice(None, min(n_draws, record_size(rec, "draws", DIMS.draw)))}
    mu = select("draws", rec["draws"], filled)
    z = select("draws", rec["draws"], {**filled, DIMS.component: 2})  # (chain, draw, particle)
    mz = z.mean(axis=-1)
    mu1z = select("draws", rec["draws"], {**filled, DIMS.particle: 0, DIMS.component: 2})
    energy = select("draw_energy", rec["draw_energy"], filled)
    posterior = {
        "mu": mu,
        "energy": energy,
        "mz": mz,
        "mz2": mz**2,
        "mu1z": mu1z,
        "mu1z2": mu1z**2,
    }
    stats = {"lp": -energy}
    if result.method != "emcee":
        stats["acceptance"] = select(
            "draw_stats", rec["draw_stats"], {**filled, DIMS.draw_stat: ACCEPTANCE}
        )
    if result.method == "tempering":
        stats["swap_acceptance"] = select(
            "draw_stats", rec["draw_stats"], {**filled, DIMS.draw_stat: SWAP_ACCEPTANCE}
        )
        stats["replica"] = select("draw_slot", rec["draw_slot"], filled)
    n = record_size(rec, "draws", DIMS.particle)
    return from_dict(
        {"posterior": posterior, "sample_stats": stats},
        dims={"mu": list(RECORD_DIMS["draws"][2:])},  # arviz adds (chain, draw)
        coords={DIMS.particle: np.arange(1, n + 1), DIMS.component: ["x", "y", "z"]},
        attrs={"posterior": _attrs(result)},
    )


def _attrs(result) -> dict:
    return {
        "model": repr(result.model),
        "method": result.method,
        "seed": str(result.settings.get("seed")),
        "level": str(result.level_index),
    }


def _filled_draws(result) -> int:
    prod = result.production_sweeps // max(result.settings["chains"], 1)
    thin = result.settings["thin"]
    return int(np.ceil(prod / thin)) if prod else 0


SUMMARY_VARS = ("mu1z", "mu1z2", "mz", "mz2", "energy")


def summary(result, warn: bool = True):
    """Mean and MCSE from the accumulators; ESS (bulk) and R-hat from arviz on the draws."""
    import arviz as az  # not at the top: 1.3 s of CPU at import mcdimer
    import pandas as pd

    dt = result.idata
    mean, se = result.expect(), result.mcse()
    rows = []
    chains = result.settings["chains"]
    for var in SUMMARY_VARS:
        ess = rhat = np.nan
        if chains >= 1 and dt.posterior[var].sizes["draw"] >= 4:
            ess = float(az.ess(dt, var_names=[var])[var])
            if chains >= 2:
                rhat = float(az.rhat(dt, var_names=[var])[var])
        rows.append(
            {
                "observable": var,
                "mean": mean[var],
                "mcse": se[var],
                "ess_bulk": ess,
                "r_hat": rhat,
                "batch_r1": batch_lag1(result, var),
            }
        )
    table = pd.DataFrame(rows).set_index("observable")
    if warn:
        corr = table[table.batch_r1 > BATCH_R1_LIMIT]
        if len(corr):
            warnings.warn(
                f"batch means correlated (lag-1 r > {BATCH_R1_LIMIT}): "
                + ", ".join(f"{k} (r = {r.batch_r1:.2f})" for k, r in corr.iterrows())
                + ": their MCSE is too small; use fewer, longer batches (n_batches = 8) or "
                "a longer run",
                RuntimeWarning,
                stacklevel=3,
            )
        bad = table[(table.r_hat > RHAT_LIMIT) | (table.ess_bulk < ESS_LIMIT)]
        if len(bad):
            warnings.warn(
                f"poorly converged observables (R-hat > {RHAT_LIMIT} or ESS < {ESS_LIMIT}): "
                + ", ".join(
                    f"{k} (R-hat {r.r_hat:.3f}, ESS {r.ess_bulk:.0f})" for k, r in bad.iterrows()
                ),
                RuntimeWarning,
                stacklevel=3,
            )
    return table


def batch_lag1(result, var: str) -> float:
    """Lag-1 correlation of successive batch means of `var` at the result's level, pooled
    over chains (NaN with fewer than MIN_BATCHES_FOR_R1 filled batches per chain, or for a
    quantity not accumulated per batch). Batch means must be nearly independent for the
    batch-means MCSE to hold; r well above 0 says the batches are shorter than the
    correlation time (`summary` warns above BATCH_R1_LIMIT)."""
    k = result.level_index
    rec, at = result.records, {DIMS.level: k}
    if var in SCALARS:
        sums = select("scalars", rec["scalars"], {**at, DIMS.observable: SCALARS.index(var)})
    elif var in PARTICLE1:
        column = SITE_COLUMNS.index(PARTICLE1[var])
        sums = select("sites", rec["sites"], {**at, DIMS.particle: 0, DIMS.column: column})
    else:
        return float("nan")
    counts = select("counts", rec["counts"], at)  # (chain, batch), as sums
    num = den = 0.0
    for s, c in zip(sums, counts, strict=True):
        filled = c > 0
        if filled.sum() < MIN_BATCHES_FOR_R1:
            return float("nan")
        x = s[filled] / c[filled]
        x = x - x.mean()
        num += float(x[:-1] @ x[1:])
        den += float(x @ x)
    return num / den if den > 0 else float("nan")
