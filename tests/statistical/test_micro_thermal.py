"""Thermal microscopic dimer and chains (issue 7 part 5) against exact and mean-field values."""

import numpy as np
import pytest

from mcdimer import micro
from mcdimer.micro.thermal import chain_scan, dimer_scan

KFA = micro.bessel_zero(1, 36)
T_STAR = micro.crossing_temperature(KFA)


def test_sampled_microscopic_dimer_matches_its_exact_quadrature():
    """Tempering over temperature (per-replica landscapes) vs Eq. (B8) with the same landscape;
    tolerance 4 batch-means standard errors."""
    ds = dimer_scan(KFA, [0.8 * T_STAR], sampling={"sweeps": 20_000, "burn": 4_000})
    got, se, want = (
        float(ds[k][0]) for k in ("sampled_abs_m1z", "sampled_abs_m1z_se", "exact_abs_m1z")
    )
    assert abs(got - want) < 4 * se, (got, want, se)
    pdf, pdf_se, exact_pdf = (
        ds[k].values[0] for k in ("sampled_pdf", "sampled_pdf_se", "exact_pdf")
    )
    big = exact_pdf > 0.2  # well-populated bins
    assert np.all(np.abs(pdf - exact_pdf)[big] < 5 * pdf_se[big])


def test_thermal_moment_tends_to_mean_field_deep_in_the_ordered_phase_and_not_above():
    ds = dimer_scan(KFA, [2 * T_STAR, 0.2 * T_STAR], sample=False)
    hot, cold = ds.isel(t=0), ds.isel(t=1)
    assert float(hot.m_sc) == 0.0  # above the crossing the mean-field dimer has no moment
    assert float(hot.exact_abs_m1z) > 0.0  # ... the thermal one fluctuates
    assert float(cold.exact_abs_m1z) == pytest.approx(float(cold.m_sc), rel=0.02)
    assert float(cold.exact_abs_m1z) < float(cold.m_sc)  # fluctuations only reduce it


def test_diamagnetic_temperatures_give_nan_not_errors():
    ds = dimer_scan(42.4, [1e-6], sample=False)
    assert np.isnan(ds.exact_abs_m1z[0]) and float(ds.m_sc[0]) == 0.0


@pytest.mark.slow
def test_chain_thermal_moment_grows_with_n_like_fig10():
    ds = chain_scan(KFA, [2, 8], [0.8 * T_STAR], sampling={"sweeps": 4_000, "burn": 2_000})
    m = ds.sampled_abs_mz.values[:, 0]
    assert m[1] > m[0]
    assert np.all(np.abs(m - ds.m_sc.values[:, 0]) < 0.15 * ds.m_sc.values[:, 0])
