"""Reductions of a merged sweep over its disorder realisations (axis `realisation`).

Statistics second, after the data: `over_realisations(sweep)` takes the merged
sweep Dataset (`store.open_results(out).to_dataset()`) and returns, for every variable
with a `realisation` dimension, its mean over realisations, their spread (sample standard
deviation, ddof = 1) and the standard error of the mean, sd/sqrt(R). The realisations are
independent draws, so this error includes the sampling error (MCSE) of each point: it is
the error of the disorder average, not of one sample. With an order parameter and a
threshold it adds the fraction of realisations that are ordered, with its binomial error
sqrt(f (1 - f)/R); where the points store the mean-field instability
(`meanfield_critical_ratio`, Eq. (C1) generalised), also the fraction of realisations that
mean field calls ordered (ratio > critical ratio).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

DIM = "realisation"


def over_realisations(
    sweep: xr.Dataset, order: str | None = None, threshold: float | None = None
) -> xr.Dataset:
    """Mean, spread and error over `realisation` of every variable that has that dimension.

    order, threshold: an observable of the `mean` variable (e.g. "abs_mu_mean") and the
    value above which a realisation counts as ordered: adds `fraction_ordered` and
    `fraction_ordered_se`. Variables without the dimension are dropped.
    """
    if DIM not in sweep.dims:
        raise ValueError(f"sweep has no {DIM!r} dimension (dims: {list(sweep.dims)})")
    if (order is None) != (threshold is None):
        raise ValueError("give both order (an observable) and threshold, or neither")
    count = sweep.sizes[DIM]
    out = {}
    for name, var in sweep.data_vars.items():
        if DIM not in var.dims or not np.issubdtype(var.dtype, np.number):
            continue
        mean = var.mean(DIM)
        sd = var.std(DIM, ddof=1) if count > 1 else xr.full_like(mean, np.nan)
        out[f"{name}"] = mean
        out[f"{name}_sd"] = sd
        out[f"{name}_se"] = sd / np.sqrt(count)
    if order is not None:
        if "mean" not in sweep or order not in sweep["mean"].coords.get("observable", []):
            raise ValueError(f"order {order!r} is not an observable of the sweep's `mean`")
        ordered = sweep["mean"].sel(observable=order) > threshold
        out.update(_fraction(ordered, "fraction_ordered", count))
    if "meanfield_critical_ratio" in sweep and "ratio" in sweep.coords:
        ordered = sweep["ratio"] > sweep["meanfield_critical_ratio"]
        out.update(_fraction(ordered, "meanfield_fraction_ordered", count))
    ds = xr.Dataset(out)
    ds.attrs["realisations"] = count
    return ds


def _fraction(ordered: xr.DataArray, name: str, count: int) -> dict:
    f = ordered.mean(DIM)
    return {name: f, f"{name}_se": np.sqrt(f * (1.0 - f) / count)}
