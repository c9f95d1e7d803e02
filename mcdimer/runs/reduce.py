"""Reductions of a merged sweep over its disorder realisations (axis `realisation`).

Two families: `over_realisations` (mean, spread and error of every variable, and the
fraction of realisations past a threshold) and, for the order observables of result
layout 3, `disorder_curves` (Binder cumulants, correlation lengths and susceptibilities
per ladder level with bootstrap errors over realisations) and `crossing` (where two sizes
cross, with bootstrap errors).

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

from ..sampling.dims import DIMS
from ..sampling.result import BINDER_DIMENSION, DRIFT_LIMIT, TRIPS_WANTED, binder_cumulant

DIM = DIMS.realisation


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
        if "mean" not in sweep or order not in sweep["mean"].coords.get(DIMS.observable, []):
            raise ValueError(f"order {order!r} is not an observable of the sweep's `mean`")
        ordered = sweep["mean"].sel({DIMS.observable: order}) > threshold
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


# --- disorder averages of the order observables, and finite-size crossings -----------------
N_BOOT = 1000  # bootstrap replicates over realisations (SE good to ~2 %)
CURVES = ("g_m", "g_q", "xi_m", "xi_q", "chi_m", "chi_sg")


def _per_level(sweep: xr.Dataset, name: str, level_name: str) -> xr.DataArray:
    """`level_<name>` (realisation, level, ...) of a tempering sweep, else `<name>` with a
    one-level axis (b = 1)."""
    if level_name in sweep:
        return sweep[level_name]
    return sweep[name].expand_dims({DIMS.level: [0]}, axis=1)


def _ladder(sweep: xr.Dataset) -> np.ndarray:
    """The ladder b_k shared by every realisation (an explicit ladder, adapt = false)."""
    if "level_b" not in sweep:
        return np.ones(1)
    b = np.asarray(sweep["level_b"].values, dtype=float)
    b = b.reshape(-1, b.shape[-1])
    if not np.allclose(b, b[:1], rtol=1e-12, atol=0.0, equal_nan=True):
        raise ValueError(
            "the realisations have different ladders: disorder curves need one explicit "
            "ladder for all of them ([method] ladder = [...], adapt = false)"
        )
    return b[0]


def disorder_curves(sweep: xr.Dataset, n_boot: int = N_BOOT, seed: int = 0) -> xr.Dataset:
    """Disorder averages per ladder level of one size (a merged sweep over `realisation`),
    with errors from a bootstrap over realisations (not over sweeps), and the replicates.

    docs/physics.md, "Order observables": with [.] the average over realisations,
    g_m = (1/2)(5 - 3 [<m4>]/[<m2>]^2) and g_q = (1/2)(11 - 9 [<q4>]/[<q2>]^2) from the
    disorder-averaged moments (as spin-glass studies take them, Bhatt and Young), chi_m =
    n [<m2>], chi_sg = n [<q2>], and xi_m/L, xi_q/L the realisations' mean (each from its
    own box edge: random boxes of one n differ slightly in L). Each variable `v` (level)
    comes with `v_se` (bootstrap standard deviation), `v_sd` (spread of the per-realisation
    values, where they exist) and `v_boot` (boot, level), the replicates `crossing` reads.
    With one realisation (a lattice: no disorder) the errors are its thermal ones: the
    replicates are the values plus normal deviates of their own MCSEs.
    `equilibrated_fraction` (level) counts realisations whose checks all pass there,
    `consistent_fraction` those whose drift and start checks pass (round trips aside).
    """
    if DIM not in sweep.dims:
        raise ValueError(f"sweep has no {DIM!r} dimension (dims: {list(sweep.dims)})")
    n_boot = int(n_boot)
    if n_boot < 10:
        raise ValueError(f"n_boot must be >= 10, got {n_boot}")
    if "order" not in sweep:
        raise ValueError("sweep has no order observables (a result layout >= 3 sample run)")
    b = _ladder(sweep)
    mean = _per_level(sweep, "mean", "level_mean")
    mean = mean.transpose(DIM, DIMS.level, DIMS.observable)
    order = _per_level(sweep, "order", "level_order")
    order = order.transpose(DIM, DIMS.level, DIMS.order_quantity)
    moments = {k: mean.sel({DIMS.observable: k}).values for k in ("m2", "m4", "q2", "q4")}
    lengths = {k: order.sel({DIMS.order_quantity: k}).values for k in ("xi_m", "xi_q")}
    n = sweep[DIMS.particle].size if DIMS.particle in sweep.dims else np.nan
    if "paramagnetic" in sweep:
        counts = np.unique(sweep["paramagnetic"].values)
        n = float(counts[0]) if counts.size == 1 else np.nan
    count = sweep.sizes[DIM]

    def curves(rows):
        avg = {k: np.nanmean(v[rows], axis=0) for k, v in moments.items()}
        with np.errstate(invalid="ignore", divide="ignore"):
            return {
                "g_m": binder_cumulant(avg["m2"], avg["m4"], BINDER_DIMENSION["m"]),
                "g_q": binder_cumulant(avg["q2"], avg["q4"], BINDER_DIMENSION["q"]),
                "xi_m": np.nanmean(lengths["xi_m"][rows], axis=0),
                "xi_q": np.nanmean(lengths["xi_q"][rows], axis=0),
                "chi_m": n * avg["m2"],
                "chi_sg": n * avg["q2"],
            }

    full = curves(np.arange(count))
    rng = np.random.default_rng(seed)
    if count > 1:
        boots = [curves(rng.integers(0, count, count)) for _ in range(n_boot)]
    else:  # one realisation (a lattice): the replicates are drawn from its own MCSEs
        boots = _parametric(sweep, full, n, n_boot, rng)
    out = {}
    for key in CURVES:
        reps = np.array([bt[key] for bt in boots])
        out[key] = ((DIMS.level,), full[key])
        with np.errstate(invalid="ignore"):
            out[f"{key}_se"] = ((DIMS.level,), np.nanstd(reps, axis=0, ddof=1))
        out[f"{key}_boot"] = ((DIMS.boot, DIMS.level), reps)
    spread = {
        "g_m": order.sel({DIMS.order_quantity: "g_m"}).values,
        "g_q": order.sel({DIMS.order_quantity: "g_q"}).values,
        **lengths,
    }
    for key, v in spread.items():
        with np.errstate(invalid="ignore"):
            out[f"{key}_sd"] = ((DIMS.level,), np.nanstd(v, axis=0, ddof=1) if count > 1 else v[0])
    if "equilibration_z" in sweep:
        out["equilibrated_fraction"] = ((DIMS.level,), equilibrated_fraction(sweep))
        out["consistent_fraction"] = ((DIMS.level,), equilibrated_fraction(sweep, trips=False))
    ds = xr.Dataset(out, coords={"b": (DIMS.level, b), DIMS.level: np.arange(b.size)})
    ds.attrs.update(realisations=count, n=n, n_boot=n_boot)
    return ds


def _parametric(sweep: xr.Dataset, full: dict, n: float, n_boot: int, rng) -> list[dict]:
    """Replicates of one realisation's curves: each value plus a normal deviate of its own
    thermal error (jackknife `level_order_se` for g and xi, batch-means `level_mcse` for
    chi), independent between levels (tempering levels are separate series)."""
    se_order = _per_level(sweep, "order_se", "level_order_se").isel({DIM: 0})
    se_mean = _per_level(sweep, "mcse", "level_mcse").isel({DIM: 0})
    errors = {
        "g_m": se_order.sel({DIMS.order_quantity: "g_m"}).values,
        "g_q": se_order.sel({DIMS.order_quantity: "g_q"}).values,
        "xi_m": se_order.sel({DIMS.order_quantity: "xi_m"}).values,
        "xi_q": se_order.sel({DIMS.order_quantity: "xi_q"}).values,
        "chi_m": n * se_mean.sel({DIMS.observable: "m2"}).values,
        "chi_sg": n * se_mean.sel({DIMS.observable: "q2"}).values,
    }
    return [
        {k: full[k] + errors[k] * rng.standard_normal(full[k].shape) for k in CURVES}
        for _ in range(n_boot)
    ]


def equilibrated_fraction(sweep: xr.Dataset, trips: bool = True) -> np.ndarray:
    """(level,) fraction of realisations whose equilibration checks all pass at each level:
    every |z| of `equilibration_z` within the stored limit (4 SE) and (trips), on a ladder,
    the round trips (`stat_round_trips`) at least `TRIPS_WANTED` per chain."""

    z = sweep["equilibration_z"]
    if DIMS.level not in z.dims:
        z = z.expand_dims({DIMS.level: [0]}, axis=1)
    z = z.transpose(DIM, DIMS.level, DIMS.check).values
    ok = ~(np.abs(np.nan_to_num(z)) > DRIFT_LIMIT).any(axis=-1)
    if trips and "stat_round_trips" in sweep:
        made = sweep["stat_round_trips"].values.reshape(z.shape[0], -1)
        ok &= (np.nanmin(made, axis=1) >= TRIPS_WANTED)[:, None]
    return ok.mean(axis=0)


def _crossing_of(x: np.ndarray, y_small: np.ndarray, y_large: np.ndarray) -> float:
    """x where y_large - y_small changes sign, linear between the bracketing points; the
    crossing nearest the largest x (the cold end) if several; NaN if none."""
    d = y_large - y_small
    good = np.isfinite(d)
    x, d = x[good], d[good]
    if x.size < 2:
        return np.nan
    order = np.argsort(x)[::-1]  # cold (large b) first
    x, d = x[order], d[order]
    for j in range(x.size - 1):
        if d[j] == 0.0:
            return float(x[j])
        if d[j] * d[j + 1] < 0.0:
            return float(x[j] + (x[j + 1] - x[j]) * d[j] / (d[j] - d[j + 1]))
    return np.nan


def crossing(small: xr.Dataset, large: xr.Dataset, quantity: str) -> dict:
    """Where `quantity` (one of CURVES) of two sizes cross as a function of b, from
    `disorder_curves` of each (one ladder): {b, se, found}. b from the full curves (NaN if
    they do not cross), se the standard deviation over bootstrap replicate pairs that
    cross, found the fraction of replicate pairs that cross at all. Interpolation is
    linear in ln b between ladder levels. A Binder cumulant or xi/L that grows with size
    below b* and falls above it crosses at the transition; no crossing within the ladder
    (found ~ 0) is evidence against one there."""
    if quantity not in CURVES:
        raise ValueError(f"quantity must be one of {CURVES}, got {quantity!r}")
    b = np.asarray(small["b"].values, dtype=float)
    if b.shape != large["b"].shape or not np.allclose(b, large["b"].values, rtol=1e-12):
        raise ValueError("the two sizes have different ladders: crossings need one ladder")
    x = np.log(b)
    value = _crossing_of(x, small[quantity].values, large[quantity].values)
    pairs = zip(small[f"{quantity}_boot"].values, large[f"{quantity}_boot"].values, strict=True)
    reps = np.array([_crossing_of(x, ys, yl) for ys, yl in pairs])
    hit = np.isfinite(reps)
    se = float(np.std(np.exp(reps[hit]), ddof=1)) if hit.sum() > 1 else np.nan
    return {"b": float(np.exp(value)), "se": se, "found": float(hit.mean())}
