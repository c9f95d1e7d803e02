"""mcdimer.micro.selfconsistent and .landscape: dimers, chains, the Legendre landscape."""

import numpy as np
import pytest
from scipy.optimize import brentq

from mcdimer import micro
from mcdimer.model import coupling_matrix

Z136 = micro.bessel_zero(1, 36)
G = 4 * 6 * np.pi**2 * 2.9e-7 / Z136**3 / 27  # x per mu_B of the partner, d = 3a


def test_dimer_moment_vanishes_above_crossing_and_grows_below():
    t_star = micro.crossing_temperature(Z136)
    assert micro.dimer_moment(Z136, 1.05 * t_star) == 0.0
    assert micro.dimer_moment(Z136, 1.001 * t_star) == 0.0
    ms = [micro.dimer_moment(Z136, f * t_star) for f in (0.99, 0.9, 0.5, 0.1, 0.01)]
    assert ms[0] > 0 and np.all(np.diff(ms) > 0)
    # the shell (1, 36) fully polarised: 2 sum_{m=1}^{36} m = 1332 mu_B at most
    assert 1300 < ms[-1] < 36 * 37
    # self-consistency checked directly: m = M(g m)
    assert micro.moment(Z136, 0.5 * t_star, G * ms[2]) == pytest.approx(ms[2], rel=1e-10)


def test_chain_profile_solves_the_finite_chain():
    t = 3e-7
    prof = micro.chain_profile(7, Z136, t)
    x = G * coupling_matrix(7) @ prof
    np.testing.assert_allclose(micro.moment(Z136, t, x), prof, rtol=1e-9)
    assert prof[0] < prof[1] < prof[3]  # end particles feel less field
    assert micro.chain_moment(2, Z136, 2e-7) == pytest.approx(micro.dimer_moment(Z136, 2e-7))
    # longer chains order at higher t (Eq. (C1): lambda_max grows with n)
    assert micro.chain_moment(10, Z136, 4e-7) > micro.chain_moment(3, Z136, 4e-7) == 0.0


def test_landscape_slope_inverts_m_of_h_and_curvature_is_one_over_chi():
    t = 5e-5
    land = micro.Microscopic(Z136, t)
    x = np.array([0.1, 0.4, 0.8, 0.95]) * land.x0
    r = micro.moment(Z136, t, x) / land.m0
    np.testing.assert_allclose(land.slope(r), land.m0 * x / (2 * t), rtol=1e-5)
    # f''(0) = beta M0^2/(V chi) = m0^2/(2 t dm/dx), dm/dx = (kFa)^3/(9 pi) chi/|chi_L|
    dmdx = Z136**3 / (9 * np.pi) * micro.zfs(Z136, t)
    eps = 1e-5
    assert land.slope(eps) / eps == pytest.approx(land.m0**2 / (2 * t * dmdx), rel=1e-3)
    # K = beta M0^2/d^3 and K/C = chi/chi_c^z with C = f''(0)/2
    assert land.K / (land.slope(eps) / eps / 2) == pytest.approx(
        micro.zfs(Z136, t) * 2.9e-7 / micro.chi_critical(3.0), rel=1e-3
    )
    # the first maximum of M(H) is M0: M just beyond x0 is lower
    assert micro.moment(Z136, t, 1.05 * land.x0) < land.m0


def test_landscape_stationarity_reproduces_the_dimer_moment():
    # the mean field of the landscape (slope(r) = 2 K r for the dimer) = direct root finding
    t = 0.5 * micro.crossing_temperature(Z136)
    land = micro.Microscopic(Z136, t)
    r = brentq(lambda v: land.slope(v) - 2 * land.K * v, 1e-3, 0.999999, xtol=1e-14)
    assert r * land.m0 == pytest.approx(micro.dimer_moment(Z136, t), rel=1e-4)


def test_meanfield_solver_agrees_with_direct_root_finding():
    meanfield = pytest.importorskip("mcdimer.meanfield")
    if not hasattr(meanfield, "solve"):
        pytest.skip("mcdimer.meanfield.solve not written yet")
    from mcdimer.model import Dimer

    t = 0.5 * micro.crossing_temperature(Z136)
    land = micro.Microscopic(Z136, t)
    lowest = meanfield.solve(Dimer(K=land.K, landscape=land))[0]  # sorted by energy
    assert lowest.stable
    mu = lowest.mu
    assert np.abs(mu[:, 2]).mean() * land.m0 == pytest.approx(micro.dimer_moment(Z136, t), rel=1e-3)


def test_tempered_landscape_is_the_hotter_response_in_the_same_units():
    t, b = 2e-7, 0.5
    land = micro.Microscopic(Z136, t)
    hot = land.tempered(b)
    assert hot.m0 == land.m0 and hot.K == pytest.approx(b * land.K)
    x = 0.3 * micro.Microscopic(Z136, t / b).x0
    r = micro.moment(Z136, t / b, x) / land.m0
    # b beta M0 H at temperature t/b
    assert hot.slope(r) == pytest.approx(land.m0 * x / (2 * t / b), rel=1e-5)


def test_diamagnetic_landscape_raises():
    # 42.4 (Fig. 5's inset) is 0.012 off zeta_{13,1}, outside its Curie peak: warned, then refused
    with pytest.warns(UserWarning, match="outside its Curie peak"):
        with pytest.raises(ValueError, match="diamagnetic"):
            micro.Microscopic(42.4, 5e-5)
