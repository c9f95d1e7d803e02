"""arviz views of a run: thinned draws as a DataTree, and the summary table."""

from __future__ import annotations

import warnings

import numpy as np

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
    k = result.level_index
    if k > 0:
        vals = result.records["level_values"][:, k, :n_draws]
        col = {name: vals[..., i] for i, name in enumerate(DRAW_COLUMNS)}
        posterior = {name: col[name] for name in ("energy", "mz", "mz2", "mu1z", "mu1z2")}
        return from_dict(
            {"posterior": posterior, "sample_stats": {"lp": -col["energy"]}},
            attrs={"posterior": _attrs(result)},
        )
    draws = result.acc["draws"]
    n_draws = min(draws.shape[1], n_draws)
    mu = draws[:, :n_draws]
    mz = mu[..., 2].mean(axis=-1)
    posterior = {
        "mu": mu,
        "energy": result.acc["draw_energy"][:, :n_draws],
        "mz": mz,
        "mz2": mz**2,
        "mu1z": mu[:, :, 0, 2],
        "mu1z2": mu[:, :, 0, 2] ** 2,
    }
    stats = {"lp": -result.acc["draw_energy"][:, :n_draws]}
    if result.method != "emcee":
        stats["acceptance"] = result.acc["draw_stats"][:, :n_draws, ACCEPTANCE]
    if result.method == "tempering":
        stats["swap_acceptance"] = result.acc["draw_stats"][:, :n_draws, SWAP_ACCEPTANCE]
        stats["replica"] = result.acc["draw_slot"][:, :n_draws]
    n = mu.shape[2]
    return from_dict(
        {"posterior": posterior, "sample_stats": stats},
        dims={"mu": ["particle", "component"]},
        coords={"particle": np.arange(1, n + 1), "component": ["x", "y", "z"]},
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
    if var in SCALARS:
        sums = result.records["scalars"][:, k, :, SCALARS.index(var)]
    elif var in PARTICLE1:
        sums = result.records["sites"][:, k, :, 0, SITE_COLUMNS.index(PARTICLE1[var])]
    else:
        return float("nan")
    counts = result.records["counts"][:, k, :]
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
