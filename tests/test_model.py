"""The landscape energy of Eq. (B6) and its effective field, Eq. (3), in reduced units."""

import numpy as np
import pytest

import mcdimer
from mcdimer import Chain, Dimer, Quadratic


def test_dimer_energy_hand_computed_longitudinal_aligned():
    # mu1 = mu2 = (0, 0, 0.5): C(0.25+0.25) - hz(1) + K(0.25 - 3*0.25) = 0.5C - hz - 0.5K
    m = Dimer(K=3.0, C=2.0, h=(0, 0, 0.7))
    mu = np.array([[0, 0, 0.5], [0, 0, 0.5]])
    assert m.energy(mu) == pytest.approx(0.5 * 2.0 - 0.7 - 0.5 * 3.0)


def test_dimer_energy_sign_of_dipolar_term():
    """Head-to-tail (along z) lowers the energy, side-by-side parallel (along x) raises it (B5)."""
    m = Dimer(K=1.0, C=0.0)
    along_z = np.array([[0, 0, 1.0], [0, 0, 1.0]])
    along_x = np.array([[1.0, 0, 0], [1.0, 0, 0]])
    anti_x = np.array([[1.0, 0, 0], [-1.0, 0, 0]])
    assert m.energy(along_z) == pytest.approx(-2.0)
    assert m.energy(along_x) == pytest.approx(1.0)
    assert m.energy(anti_x) == pytest.approx(-1.0)


def test_dimer_energy_general_vectors_against_eq_b6():
    C, K, h = 1.3, 0.7, np.array([0.2, -0.1, 0.4])
    m1, m2 = np.array([0.1, 0.2, 0.3]), np.array([-0.4, 0.5, 0.2])
    e1 = C * m1 @ m1 - h @ m1
    e2 = C * m2 @ m2 - h @ m2
    v = K * (m1 @ m2 - 3 * m1[2] * m2[2])
    m = Dimer(K=K, C=C, h=h)
    assert m.energy(np.stack([m1, m2])) == pytest.approx(e1 + e2 + v, rel=1e-14)


def test_chain_couplings_fall_as_inverse_cube_of_separation():
    m = Chain(3, K=2.0, C=0.0)
    mu = np.zeros((3, 3))
    mu[0, 2] = mu[2, 2] = 1.0  # particles 1 and 3 at distance 2d
    assert m.energy(mu) == pytest.approx(2.0 * (1 - 3) / 8)


def test_energy_is_rotation_invariant_about_z_at_zero_field(rng):
    m = Chain(4, K=1.7, C=3.0)
    mu = rng.uniform(-0.5, 0.5, size=(10, 4, 3))
    a = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    assert np.allclose(m.energy(mu @ rot.T), m.energy(mu), rtol=1e-13, atol=1e-13)


def test_field_is_minus_gradient_of_zeeman_and_dipolar_energy(rng):
    m = Chain(5, K=1.1, C=2.0, h=(0.3, -0.2, 0.5))
    mu = rng.uniform(-0.5, 0.5, size=(5, 3))
    eps = 1e-6
    grad = np.zeros_like(mu)
    for i in range(5):
        for c in range(3):
            d = np.zeros_like(mu)
            d[i, c] = eps
            grad[i, c] = (m.energy(mu + d) - m.energy(mu - d)) / (2 * eps)
    # full gradient = landscape slope along mu_i - effective field (Eq. (3))
    r = np.linalg.norm(mu, axis=1, keepdims=True)
    expected = m.landscape.slope(r) * mu / r - m.field(mu)
    assert np.allclose(grad, expected, atol=1e-7)


def test_field_vectorised_over_leading_axes(rng):
    m = Chain(3, K=0.5, C=1.0)
    mu = rng.uniform(-0.5, 0.5, size=(2, 7, 3, 3))
    f = m.field(mu)
    assert f.shape == mu.shape
    assert np.allclose(f[1, 4], m.field(mu[1, 4]))


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n": 0, "K": 1.0, "C": 1.0}, "n"),
        ({"n": 2.5, "K": 1.0, "C": 1.0}, "n"),
        ({"n": 2, "K": float("nan"), "C": 1.0}, "K"),
        ({"n": 2, "K": 1.0, "C": float("inf")}, "C"),
        ({"n": 2, "K": 1.0, "C": -1.0}, "C"),
        ({"n": 2, "K": 1.0, "C": 1.0, "h": (0, 1)}, "h"),
        ({"n": 2, "K": 1.0, "C": 1.0, "h": (0, 0, np.nan)}, "h"),
        ({"n": 2, "K": 1.0}, "C"),
        ({"n": 2, "K": 1.0, "C": 1.0, "landscape": Quadratic(1.0)}, "C"),
        ({"n": 2, "K": 1.0, "landscape": "quadratic"}, "landscape"),
    ],
)
def test_bad_model_parameters_name_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Chain(**kwargs)


def test_energy_rejects_wrong_shape():
    with pytest.raises(ValueError, match="mu"):
        Dimer(K=1, C=1).energy(np.zeros((3, 3)))


def test_dimer_is_chain_of_two_and_tempering_scales_everything():
    d = mcdimer.Dimer(K=2.0, C=3.0, h=(0, 0, 1))
    assert d == Chain(2, 2.0, C=3.0, h=(0, 0, 1))
    t = d.tempered(0.5)
    mu = np.array([[0.1, 0.2, 0.3], [0.3, -0.1, 0.2]])
    assert t.energy(mu) == pytest.approx(0.5 * d.energy(mu))
