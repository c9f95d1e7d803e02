"""Thermal microscopic dimer and chains (mcdimer/micro/thermal.py exactly, mcdimer/micro_scans.py
sampled) against exact and mean-field values."""

import ast
from pathlib import Path

import numpy as np
import pytest

import mcdimer
from mcdimer import micro
from mcdimer.micro import thermal
from mcdimer.micro.thermal import exact_dimer_scan
from mcdimer.micro_scans import chain_scan, dimer_scan

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
    ds = exact_dimer_scan(KFA, [2 * T_STAR, 0.2 * T_STAR])
    hot, cold = ds.isel(t=0), ds.isel(t=1)
    assert float(hot.m_sc) == 0.0  # above the crossing the mean-field dimer has no moment
    assert float(hot.exact_abs_m1z) > 0.0  # ... the thermal one fluctuates
    assert float(cold.exact_abs_m1z) == pytest.approx(float(cold.m_sc), rel=0.02)
    assert float(cold.exact_abs_m1z) < float(cold.m_sc)  # fluctuations only reduce it


def test_diamagnetic_temperatures_give_nan_not_errors():
    ds = dimer_scan(42.4, [1e-6], sample=False)
    assert np.isnan(ds.exact_abs_m1z[0]) and float(ds.m_sc[0]) == 0.0
    assert np.isnan(ds.sampled_abs_mz[0])


def test_dimer_scan_without_sampling_is_the_exact_scan_plus_empty_sampled_variables():
    ts = [0.5 * T_STAR, 2 * T_STAR]
    scan, exact = dimer_scan(KFA, ts, sample=False, bins=8), exact_dimer_scan(KFA, ts, bins=8)
    for name in exact.data_vars:
        np.testing.assert_array_equal(scan[name].values, exact[name].values)
    assert np.isnan(scan.sampled_pdf.values).all() and scan.sampled_pdf.shape == (2, 8)
    assert thermal.dimer_scan is dimer_scan  # the old name still reaches the sampled scan


def test_the_physics_layer_does_not_import_the_samplers():
    """mcdimer.micro (physics) sits below sampling: no import of sampling, runs, compare or
    micro_scans in its modules (micro/thermal.py forwards the sampled scans' old names
    from a function body, on demand)."""
    above = ("sampling", "runs", "compare", "micro_scans", "cli")
    root = Path(mcdimer.__file__).parent / "micro"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in top:
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names]
            assert not any(part in above for n in names for part in n.split(".")), (path, names)


@pytest.mark.slow
def test_chain_thermal_moment_grows_with_n_like_fig10():
    ds = chain_scan(KFA, [2, 8], [0.8 * T_STAR], sampling={"sweeps": 4_000, "burn": 2_000})
    m = ds.sampled_abs_mz.values[:, 0]
    assert m[1] > m[0]
    assert np.all(np.abs(m - ds.m_sc.values[:, 0]) < 0.15 * ds.m_sc.values[:, 0])
