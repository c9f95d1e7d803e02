"""The tanh dimer, Eqs. (3), (9), (10), and its phase diagram (Figs. 3-4)."""

import numpy as np
import pytest
from scipy.optimize import brentq

from mcdimer import meanfield as mf


def tanh_root(chi):
    """Independent positive root of m = tanh(chi m) (Eq. (10))."""
    return brentq(lambda m: m - np.tanh(chi * m), 1e-12, 1.0, xtol=1e-15)


@pytest.mark.parametrize("eps", [1e-2, 1e-3, 1e-4])
def test_eq10_onset_follows_sqrt_3_excess(eps):
    m1z, m2z = mf.saturating_dimer(1 + eps, 1 + eps)
    assert m1z == pytest.approx(m2z, abs=1e-12)
    # m^2 = 3(chi - 1)/chi^3 + O(eps^2): relative deviation from sqrt(3 eps) is ~ (3/2) eps
    assert abs(m1z / np.sqrt(3 * eps) - 1) < 2 * eps


@pytest.mark.parametrize("chi", [1.3, 2.0, 3.0])
def test_aligned_and_antialigned_solve_eq10(chi):
    state = mf.saturating_dimer(chi, chi)
    assert state.converged and state.stable
    assert state.m1z == pytest.approx(tanh_root(chi), abs=1e-10)
    assert np.allclose(state.m[:, :2], 0, atol=1e-10)
    anti = mf.saturating_dimer(-chi, -chi)
    assert anti.m1z == pytest.approx(-anti.m2z, abs=1e-10)
    assert abs(anti.m1z) == pytest.approx(tanh_root(chi), abs=1e-10)


def test_general_field_direction_is_self_consistent():
    h = np.array([0.3, -0.2, 0.5])
    chi = np.array([1.4, 0.6])
    state = mf.saturating_dimer(*chi, h=h)
    assert state.converged
    w = np.array([-1.0, -1.0, 2.0])
    for i in range(2):
        g = h + w * state.m[1 - i]
        want = np.tanh(chi[i] * np.linalg.norm(g) / 2) * g / np.linalg.norm(g)
        assert np.allclose(state.m[i], want, atol=1e-11)


def test_weak_field_response_matches_eq6():
    # per particle M/M0 = V chi^zz H/M0 = (chi^zz/chi_c^z) h/2 with h = H d^3/M0, chi_c^z = d^3/2V
    x1, x2, h = 0.4, -0.3, 1e-6
    m1z, m2z = mf.saturating_dimer(x1, x2, h)
    want = mf.reduced_longitudinal_susceptibility(x1, x2) * h
    assert m1z + m2z == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("x1", [0.4, 0.8, 1.5, 2.5])
def test_ordered_boundary_is_chi1_chi2_equal_1(x1):
    x2 = 1 / x1
    assert mf.phase(x1, 0.9 * x2) == "paramagnetic"
    assert mf.phase(x1, 1.1 * x2) == "aligned"
    assert mf.phase(-x1, -0.9 * x2) == "diamagnetic"
    assert mf.phase(-x1, -1.1 * x2) == "antialigned"


@pytest.mark.parametrize("x1", [-0.4, -0.2, 0.3, 1.0, 2.5])
def test_para_dia_boundary_is_chi_zz_zero(x1):
    # x1 + x2 + 2 x1 x2 = 0: chi^zz of Eq. (6) vanishes. For x1 < -1/2 this curve has
    # x1 x2 = x1^2/(2|x1| - 1) >= 1, inside the antialigned phase, so it is no boundary there.
    x2 = -x1 / (1 + 2 * x1)
    sides = [mf.phase(x1, x2 + d) for d in (-0.05, 0.05)]
    # chi^zz grows with x2 where 1 + 2 x1 > 0 and 1 - x1 x2 > 0
    slope = np.sign((1 + 2 * x1) / (1 - x1 * x2))
    want = ["diamagnetic", "paramagnetic"] if slope > 0 else ["paramagnetic", "diamagnetic"]
    assert sides == want


def test_mixed_signs_never_order():
    for x1, x2 in [(3.0, -3.0), (2.0, -0.8), (-2.5, 1.5)]:
        assert mf.phase(x1, x2) in ("paramagnetic", "diamagnetic")


def test_bad_input():
    with pytest.raises(ValueError, match="chi1"):
        mf.saturating_dimer(np.nan, 1.0)
    with pytest.raises(ValueError, match="chi2"):
        mf.phase(1.0, np.inf)
    with pytest.raises(ValueError, match="h"):
        mf.saturating_dimer(1.0, 1.0, h=(1.0, 2.0))
