"""meanfield.solve: stationary configurations of any Chain."""

import numpy as np
import pytest

from mcdimer import Chain, Dimer, Saturating
from mcdimer import meanfield as mf


@pytest.mark.parametrize("ratio", [0.3, 0.9, 0.99])
def test_quadratic_dimer_below_threshold_has_only_zero(ratio):
    C = 20.0
    found = mf.solve(Dimer(K=ratio * C, C=C))
    assert len(found) == 1
    assert np.allclose(found[0].mu, 0.0, atol=1e-14) and found[0].stable
    assert found[0].energy == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize("ratio", [1.01, 1.5, 3.0])
def test_quadratic_dimer_above_threshold_saturates_aligned(ratio):
    C = 20.0
    K = ratio * C
    found = mf.solve(Dimer(K=K, C=C))
    ground = [f for f in found if f.stable]
    assert len(ground) == 2  # +z and -z
    for f in ground:
        assert np.array_equal(np.abs(f.mu[:, 2]), [1.0, 1.0])  # exactly unit
        assert np.array_equal(f.mu[:, :2], np.zeros((2, 2)))
        assert f.mu[0, 2] == f.mu[1, 2]
        assert f.energy == pytest.approx(2 * C - 2 * K, rel=1e-14)  # Eq. (B6) at mu = +-z
    assert found[0].energy == pytest.approx(2 * C - 2 * K)
    zero = [f for f in found if np.allclose(f.mu, 0, atol=1e-14)]
    assert len(zero) == 1 and not zero[0].stable


def test_saturating_landscape_dimer_matches_eq10():
    # Saturating(C) in App.-B units: stationarity |mu| = tanh(|h_i|/(2C)), h_i = 2 K mu: Eq. (10)
    C, x = 10.0, 1.7
    found = mf.solve(Dimer(K=x * C, landscape=Saturating(C)))
    m = mf.eq10_moment(x)
    assert found[0].mu[:, 2] == pytest.approx(np.sign(found[0].mu[0, 2]) * m * np.ones(2))


def test_every_found_configuration_is_stationary_in_a_field():
    model = Chain(5, K=8.0, C=10.0, h=(0.5, 0.0, 1.0))
    for f in mf.solve(model):
        h = model.field(f.mu)
        r = np.linalg.norm(f.mu, axis=1)
        interior = r < 1 - 1e-12
        # slope(|mu|) mu/|mu| = h_i inside; h_i parallel and beyond slope(1) when pinned
        assert np.allclose(2 * model.C * f.mu[interior], h[interior], atol=1e-9)
        for i in np.flatnonzero(~interior):
            assert np.linalg.norm(np.cross(f.mu[i], h[i])) < 1e-9
            assert h[i] @ f.mu[i] >= 2 * model.C
    energies = [f.energy for f in mf.solve(model)]
    assert energies == sorted(energies)


def test_long_chain_orders_at_eq_c1_threshold():
    n = 200
    crit = mf.chain_critical_ratio(n)
    C = 10.0
    above = mf.solve(Chain(n, K=1.05 * crit * C, C=C), random_starts=0)
    below = mf.solve(Chain(n, K=0.95 * crit * C, C=C), random_starts=0)
    assert above[0].stable and abs(above[0].m[2]) > 0.1
    assert [f.stable for f in below if np.allclose(f.mu, 0, atol=1e-12)] == [True]


def test_bad_model():
    with pytest.raises(ValueError, match="model"):
        mf.solve("dimer")
