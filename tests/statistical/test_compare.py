"""mcdimer.compare: mean field next to the exact dimer."""

import numpy as np
import pytest

import mcdimer
from mcdimer import compare


def test_dimer_table_below_threshold_is_gaussian_and_unordered():
    C = 50.0
    ds = compare.dimer_table([0.5, 1.5], (C,), onsets=False)
    K = 0.5 * C
    assert ds["mu1z2"].sel(C=C, ratio=0.5) == pytest.approx(C / (2 * (C**2 - K**2)), rel=1e-6)
    assert ds["mf_t0"].values.tolist() == [[0.0, 1.0]]
    assert ds["mf_finite_t"].sel(ratio=0.5) == 0.0
    assert ds["peak"].sel(ratio=1.5) > 0.9
    sampled = compare.add_sampled(ds, "abs_mu1z", np.zeros((1, 2)), np.ones((1, 2)))
    assert "sampled_abs_mu1z_se" in sampled
    with pytest.raises(ValueError, match="shape"):
        compare.add_sampled(ds, "x", np.zeros(2), np.zeros(2))


def test_sampled_dimer_table_agrees_with_exact_within_errors():
    """Tempering at each (C, K/C) vs the exact columns; 4 batch-means standard errors."""
    ds = compare.dimer_table([0.8, 1.3], (5.0, 50.0), onsets=False)
    ds = compare.sampled_dimer_table(ds, sweeps=10_000, burn=2_000, seed=1)
    for key in ("abs_mu1z", "mu1z2"):
        z = (ds[f"sampled_{key}"] - ds[key]) / ds[f"sampled_{key}_se"]
        assert float(np.abs(z).max()) < 4, key


@pytest.mark.slow
def test_chain_onsets_thermal_above_mean_field_and_decreasing_with_n():
    ds = compare.chain_onsets((2, 8), C=50.0, sweeps=4_000, burn=2_000, seed=2)
    th, t0 = ds.onset_thermal.values, ds.onset_mf_t0.values
    assert np.all(np.isfinite(th))
    # fluctuations can only delay order: the thermal onset is at or above Eq. (C1)'s,
    # within one grid step (3% of the critical ratio)
    assert np.all(th >= t0 * (1 - 0.03))
    assert th[1] < th[0]  # longer chains order at weaker coupling, as Fig. 9 says


def test_saturating_thermal_fig3_tends_to_eq10_at_low_temperature():
    ds = compare.saturating_fig3(np.array([0.5, 2.0]), K_values=(5.0, 200.0))
    assert float(ds.eq10.sel(chi=0.5)) == 0.0
    cold = ds.rms_mz.sel(K=200.0)
    assert float(cold.sel(chi=2.0)) == pytest.approx(float(ds.eq10.sel(chi=2.0)), abs=0.02)
    # far below chi_c the thermal moment is the equipartition rms, small and shrinking with K
    assert float(cold.sel(chi=0.5)) < float(ds.rms_mz.sel(K=5.0, chi=0.5)) < 0.5


def test_compare_plots_write_pngs(tmp_path):
    from mcdimer.plots.compare import plot_chain_onsets, plot_dimer_table, plot_saturating_fig3

    ds = compare.dimer_table([0.8, 1.2], (5.0,), onsets=False)
    ds = compare.add_sampled(ds, "abs_mu1z", ds.abs_mu1z.values, 0.01 + 0 * ds.abs_mu1z.values)
    paths = [
        plot_dimer_table(ds, tmp_path / "a.png"),
        plot_saturating_fig3(
            compare.saturating_fig3(np.array([0.5, 2.0]), (5.0,)), tmp_path / "b.png"
        ),
    ]
    import xarray as xr

    onsets = xr.Dataset(
        {
            "onset_mf_t0": ("n", [1.0, 0.6]),
            "onset_mf_finite_t": ("n", [1.0, 0.6]),
            "onset_thermal": ("n", [1.05, 0.62]),
        },
        coords={"n": [2, 4]},
        attrs={"C": 50.0},
    )
    paths.append(plot_chain_onsets(onsets, tmp_path / "c.png"))
    for p in paths:
        assert p.stat().st_size > 1000


def test_bimodal_onset_is_the_pointwise_curvature_zero_with_the_digits_it_supports():
    """P''(0) = 0: 1.0507803 at C = 5 (an independent recomputation), 1 at C = 50 (no
    spurious shift below threshold); the exact binned density of Eq. (B8) on fine bins
    changes from a peak to a dip at 0 across the reported onset."""
    onset, err = compare.bimodal_onset(5.0, with_error=True)
    assert abs(onset - 1.0507803) < 1e-7 and err < 1e-9
    assert onset == round(onset, int(-np.ceil(np.log10(err))))  # only supported digits
    assert compare.bimodal_onset(50.0) == 1.0
    for ratio, dip in ((onset - 2e-3, False), (onset + 2e-3, True)):
        p = mcdimer.exact.pdf_mu1z(mcdimer.Dimer(K=ratio * 5.0, C=5.0), 720)
        # second difference over the central bins: > 0 is a dip at mu_1^z = 0
        c = 360
        assert (p[c + 2] + p[c - 3] - p[c] - p[c - 1] > 0) == dip
