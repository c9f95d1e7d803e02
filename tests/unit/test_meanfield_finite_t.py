"""Finite-temperature mean field (App.-B model) against closed forms and independent quadrature."""

import numpy as np
import pytest
from scipy.integrate import quad

from mcdimer import Dimer
from mcdimer import meanfield as mf


def slope_by_quad(C):
    """<|mu|^2>/3 of exp(-C r^2) on the unit ball, by scipy quad."""
    num = quad(lambda r: r**4 * np.exp(-C * r * r), 0, 1, epsabs=0, epsrel=1e-13)[0]
    den = quad(lambda r: r**2 * np.exp(-C * r * r), 0, 1, epsabs=0, epsrel=1e-13)[0]
    return num / den / 3


@pytest.mark.parametrize("C", [2.0, 5.0, 10.0, 20.0])
def test_onset_is_one_over_2_C_s(C):
    assert mf.finite_t_onset(C) == pytest.approx(1 / (2 * C * slope_by_quad(C)), rel=1e-9)


def test_onset_tends_to_one_from_above_as_C_grows():
    onsets = np.array([mf.finite_t_onset(C) for C in (2.0, 5.0, 10.0, 20.0)])
    assert np.all(onsets > 1) and np.all(np.diff(onsets) < 0)
    assert onsets[-1] - 1 < 1e-6
    # chain: the onset is chain_critical_ratio(n) at T = 0
    assert mf.finite_t_onset(200.0, n=8) == pytest.approx(mf.chain_critical_ratio(8), rel=1e-12)


def test_order_parameter_vanishes_below_onset():
    assert mf.finite_t_order_parameter(0.9, 50.0) == 0.0
    assert mf.finite_t_order_parameter(1.0, 5.0) == 0.0  # onset(5) = 1.06 > 1


@pytest.mark.parametrize("C", [200.0, 500.0, 1000.0])
def test_order_parameter_approaches_saturation_at_derived_rate(C):
    """T = 0 mean field: m = 1 for K/C > 1. At large C the deficit is radial + angular:
    1 - m ~ [1/(2K/C - 2) + 1/(2K/C)]/C, from a field H = 2Km pressing the moment to the edge."""
    ratio = 1.2
    m = mf.finite_t_order_parameter(ratio, C)
    want = (1 / (2 * ratio - 2) + 1 / (2 * ratio)) / C
    assert abs((1 - m) / want - 1) < 25 / C


def test_general_solver_agrees_with_dimer_order_parameter():
    C, ratio = 30.0, 1.3
    mu = mf.finite_t_solve(Dimer(K=ratio * C, C=C))
    assert mu[:, 2] == pytest.approx(mf.finite_t_order_parameter(ratio, C) * np.ones(2), rel=1e-9)


def test_bad_input():
    with pytest.raises(ValueError, match="C"):
        mf.finite_t_onset(0.0)
    with pytest.raises(ValueError, match="ratio"):
        mf.finite_t_order_parameter(np.nan, 10.0)


def test_finite_t_solve_on_an_assembly_is_self_consistent_per_particle():
    from mcdimer import Assembly, Chain, geometry, single

    chain = Chain(3, K=30.0, C=20.0)
    line = Assembly(chain.positions, 30.0, C=20.0)
    assert np.allclose(mf.finite_t_solve(line), mf.finite_t_solve(chain), atol=1e-10)
    radii = np.array([0.9, 1.0, 1.1, 1.2])
    model = Assembly(
        geometry.ring(4),
        30.0,
        landscape=geometry.quadratic_landscapes(radii, C=20.0),
        scale=geometry.moment_scale(radii),
        h=(0.0, 0.0, 0.5),
    )
    mu = mf.finite_t_solve(model)
    h = model.field(mu)
    for i, land in enumerate(model.landscapes):
        s = np.linalg.norm(h[i])
        assert np.allclose(mu[i], single.mean_moment(land, s) * h[i] / s, atol=1e-10)


@pytest.mark.parametrize(("C", "rtol"), [(5.0, 0.1), (10.0, 2e-3), (20.0, 1e-6)])
def test_edge_shift_of_the_onset_is_four_thirds_root_pi_C_three_halves_e_minus_C(C, rtol):
    """The module docstring's asymptote: onset - 1 ~ (4/(3 sqrt(pi))) C^(3/2) e^-C, not e^-C
    (at C = 5 the shift is 1.06128 - 1, nine times e^-5)."""
    shift = mf.finite_t_onset(C) - 1.0
    assert shift == pytest.approx(4 / (3 * np.sqrt(np.pi)) * C**1.5 * np.exp(-C), rel=rtol)
    if C == 5.0:
        assert mf.finite_t_onset(C) == pytest.approx(1.06128, abs=1e-5)
