"""runs.reduce: disorder averages over the realisation axis of a merged sweep."""

import numpy as np
import pytest
import xarray as xr

from mcdimer.runs.reduce import crossing, disorder_curves, over_realisations


def _sweep(rng, R=16):
    ratio = np.array([0.2, 0.5, 0.8])
    values = rng.uniform(0, 1, size=(3, R, 2))
    crit = rng.uniform(0.3, 0.7, size=R)
    return xr.Dataset(
        {
            "mean": (("ratio", "realisation", "observable"), values),
            "meanfield_critical_ratio": (("realisation",), crit),
            "spec_only": ((), 1.0),
        },
        coords={"ratio": ratio, "realisation": np.arange(R), "observable": ["abs_mu_mean", "mz"]},
    )


def test_mean_spread_error_and_fractions_against_numpy(rng):
    ds = _sweep(rng)
    red = over_realisations(ds, order="abs_mu_mean", threshold=0.5)
    v = ds["mean"].values
    assert np.allclose(red["mean"].values, v.mean(axis=1))
    assert np.allclose(red["mean_sd"].values, v.std(axis=1, ddof=1))
    assert np.allclose(red["mean_se"].values, v.std(axis=1, ddof=1) / 4.0)
    f = (v[:, :, 0] > 0.5).mean(axis=1)
    assert np.allclose(red["fraction_ordered"].values, f)
    assert np.allclose(red["fraction_ordered_se"].values, np.sqrt(f * (1 - f) / 16))
    crit = ds["meanfield_critical_ratio"].values
    mf = (ds["ratio"].values[:, None] > crit[None, :]).mean(axis=1)
    assert np.allclose(red["meanfield_fraction_ordered"].values, mf)
    assert "spec_only" not in red and red.attrs["realisations"] == 16


def test_refuses_a_sweep_without_realisations_or_half_a_criterion(rng):
    ds = _sweep(rng)
    with pytest.raises(ValueError, match="realisation"):
        over_realisations(ds.isel(realisation=0))
    with pytest.raises(ValueError, match="threshold"):
        over_realisations(ds, order="mz")
    with pytest.raises(ValueError, match="order"):
        over_realisations(ds, order="nope", threshold=0.1)


def _order_sweep(rng, R=12, levels=5, n=32, b=None):
    """A synthetic merged sweep with the order variables of result layout 3."""
    b = np.geomspace(1.0, 0.2, levels) if b is None else b
    m2 = rng.uniform(0.05, 0.5, size=(R, levels))
    q2 = rng.uniform(0.01, 0.3, size=(R, levels))
    obs = ["m2", "m4", "q2", "q4", "energy"]
    mean = np.stack([m2, m2**2 * rng.uniform(1.0, 1.6, (R, levels)), q2,
                     q2**2 * rng.uniform(1.0, 2.0, (R, levels)), -m2], axis=-1)  # fmt: skip
    quantities = ["g_m", "g_ms", "g_q", "xi_m", "xi_q"]
    order = rng.uniform(0.0, 1.0, size=(R, levels, len(quantities)))
    checks = ["drift_energy", "start_energy"]
    z = rng.normal(size=(R, levels, len(checks)))
    return xr.Dataset(
        {
            "level_mean": (("realisation", "level", "observable"), mean),
            "level_order": (("realisation", "level", "order_quantity"), order),
            "order": (("realisation", "order_quantity"), order[:, 0]),
            "level_b": (("realisation", "level"), np.tile(b, (R, 1))),
            "paramagnetic": (("realisation",), np.full(R, n)),
            "equilibration_z": (("realisation", "level", "check"), z),
            "stat_round_trips": (("realisation", "round_trips_index"), np.full((R, 4), 20.0)),
        },
        coords={
            "realisation": np.arange(R),
            "level": np.arange(levels),
            "observable": obs,
            "order_quantity": quantities,
            "check": checks,
        },  # fmt: skip
    )


def test_disorder_curves_average_the_moments_and_bootstrap_over_realisations(rng):
    ds = _order_sweep(rng, R=12, n=32)
    cur = disorder_curves(ds, n_boot=4000, seed=1)
    mean = ds["level_mean"]
    m2, m4 = mean.sel(observable="m2").values, mean.sel(observable="m4").values
    q2, q4 = mean.sel(observable="q2").values, mean.sel(observable="q4").values
    # Binder cumulants of the disorder-averaged moments (not the mean of per-sample g)
    assert np.allclose(cur["g_m"], 0.5 * (5 - 3 * m4.mean(0) / m2.mean(0) ** 2))
    assert np.allclose(cur["g_q"], 0.5 * (11 - 9 * q4.mean(0) / q2.mean(0) ** 2))
    assert np.allclose(cur["chi_sg"], 32 * q2.mean(0)) and np.allclose(
        cur["chi_m"], 32 * m2.mean(0)
    )
    xi = ds["level_order"].sel(order_quantity="xi_m").values
    assert np.allclose(cur["xi_m"], xi.mean(0)) and np.allclose(cur["xi_m_sd"], xi.std(0, ddof=1))
    # the bootstrap SE of a mean over R realisations is sd sqrt((R - 1)/R) / sqrt(R): with
    # 4000 replicates its own relative error is ~1/sqrt(2 * 4000) = 1.1 %; 5 % allowed
    want = 32 * q2.std(0, ddof=1) * np.sqrt(11 / 12) / np.sqrt(12)
    assert np.allclose(cur["chi_sg_se"], want, rtol=0.05)
    assert cur["g_m_boot"].shape == (4000, 5) and np.allclose(cur["b"], ds["level_b"][0])
    z = np.abs(ds["equilibration_z"].values)
    assert np.allclose(cur["equilibrated_fraction"], (z <= 4.0).all(axis=-1).mean(axis=0))
    assert np.allclose(cur["consistent_fraction"], cur["equilibrated_fraction"])  # 20 trips each
    few = ds.copy(deep=True)
    few["stat_round_trips"][3, 1] = 9.0  # one chain of realisation 3 short of 10 round trips
    cur = disorder_curves(few, n_boot=50, seed=1)
    ok = (z <= 4.0).all(axis=-1)
    assert np.allclose(cur["consistent_fraction"], ok.mean(axis=0))
    ok[3] = False
    assert np.allclose(cur["equilibrated_fraction"], ok.mean(axis=0))
    assert cur.attrs["realisations"] == 12 and cur.attrs["n"] == 32


def test_crossing_finds_a_known_crossing_and_reports_none_where_there_is_none(rng):
    """Two sizes whose g(ln b) are lines crossing at b* = 0.4, plus noise of one SE per
    realisation: the crossing is found within 3 bootstrap SEs; parallel lines never cross."""
    b = np.geomspace(1.0, 0.1, 12)
    x, xstar = np.log(b), np.log(0.4)
    cur = {}
    for size, slope in (("small", 0.3), ("large", 0.9)):
        g = 0.5 + slope * (x - xstar)
        ds = _order_sweep(rng, R=16, levels=12, b=b)
        xi = g[None, :] + rng.normal(scale=0.05, size=(16, 12))
        ds["level_order"].loc[{"order_quantity": "xi_m"}] = xi
        cur[size] = disorder_curves(ds, n_boot=500, seed=2)
    got = crossing(cur["small"], cur["large"], "xi_m")
    assert got["found"] > 0.95 and abs(got["b"] - 0.4) < 3 * got["se"] + 1e-9
    assert 0 < got["se"] < 0.05
    parallel = cur["large"].copy()
    for key in ("xi_m", "xi_m_boot"):
        parallel[key] = cur["small"][key] + 1.0
    none = crossing(cur["small"], parallel, "xi_m")
    assert np.isnan(none["b"]) and none["found"] == 0.0


def test_order_reductions_refuse_what_they_cannot_average(rng):
    ds = _order_sweep(rng)
    with pytest.raises(ValueError, match="n_boot"):
        disorder_curves(ds, n_boot=3)
    with pytest.raises(ValueError, match="order observables"):
        disorder_curves(ds.drop_vars(["order", "level_order"]))
    other = ds.copy(deep=True)
    other["level_b"][0, 1] = 0.9
    with pytest.raises(ValueError, match="ladder"):
        disorder_curves(other)
    a = disorder_curves(ds, n_boot=20)
    b = disorder_curves(_order_sweep(rng, b=np.geomspace(1.0, 0.3, 5)), n_boot=20)
    with pytest.raises(ValueError, match="ladder"):
        crossing(a, b, "g_m")
    with pytest.raises(ValueError, match="quantity"):
        crossing(a, a, "g_x")


def test_one_realisation_takes_its_errors_from_its_own_mcse(rng):
    """A lattice has no disorder: its replicates are the values plus normal deviates of the
    point's thermal errors, so the bootstrap SE reproduces them (2000 replicates: the SE
    of an SD estimate is 1.6 %; 8 % allowed)."""
    ds = _order_sweep(rng, R=1, levels=4)
    se = rng.uniform(0.01, 0.05, size=(1, 4, 5))
    ds["level_order_se"] = (("realisation", "level", "order_quantity"), se)
    mcse = rng.uniform(0.001, 0.002, size=(1, 4, 5))
    ds["level_mcse"] = (("realisation", "level", "observable"), mcse)
    cur = disorder_curves(ds, n_boot=2000, seed=3)
    order = ds["level_order"].values[0]
    assert np.allclose(cur["xi_m"], order[:, 3]) and np.allclose(
        cur["xi_m_se"], se[0, :, 3], rtol=0.08
    )
    assert np.allclose(cur["g_q_se"], se[0, :, 2], rtol=0.08)
    assert np.allclose(cur["chi_sg_se"], 32 * mcse[0, :, 2], rtol=0.08)
