"""runs.reduce: disorder averages over the realisation axis of a merged sweep."""

import numpy as np
import pytest
import xarray as xr

from mcdimer.runs.reduce import over_realisations


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
