"""Mean field and the Gaussian limit of periodic boxes (Ewald sum, tin foil): closed forms
of the uniformly polarised bcc lattice (its dipolar energy is -(2 pi/3) rho per dipole and
per K, so the field on each moment of a uniform state is (4 pi/3) rho K m) and a Hessian
by finite differences of `Assembly.energy`."""

import numpy as np
import pytest
from scipy.optimize import brentq

from mcdimer import Assembly, exact, single
from mcdimer.meanfield import critical, critical_coupling, critical_ratio, finite_t_solve, solve


def bcc_box():
    a = 2 / np.sqrt(3)  # nearest-neighbour spacing 1
    g = np.arange(2, dtype=float)
    cell = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    pos = np.concatenate([cell, cell + 0.5]) * a
    return pos, np.full(3, 2 * a)


POS, BOX = bcc_box()
RHO = len(POS) / np.prod(BOX)
LAMBDA = 4 * np.pi / 3 * RHO  # top eigenvalue of the Ewald tensor: the uniform mode


def test_thermal_onset_of_a_periodic_box_is_the_uniform_mode_with_the_thermal_stiffness():
    model = Assembly(POS, K=1.0, C=5.0, box=BOX)
    c_t = critical.curvatures(model, thermal=True)[0]  # 1/(2 ell), ell = <|mu|^2>/3 at h = 0
    assert critical_coupling(model) == pytest.approx(2 * 5.0 / LAMBDA, rel=1e-9)
    assert critical_coupling(model, thermal=True) == pytest.approx(2 * c_t / LAMBDA, rel=1e-9)
    assert critical_ratio(model, thermal=True) == pytest.approx(2 * c_t / LAMBDA / 5.0, rel=1e-9)


def test_matrix_free_onset_of_a_box_matches_the_dense_one(monkeypatch):
    """Above critical.DENSE_MAX the products come from the stored Ewald tensor."""
    rng = np.random.default_rng(1)
    model = Assembly(POS + rng.uniform(-0.05, 0.05, POS.shape), K=1.0, C=5.0, box=BOX,
                     scale=rng.uniform(0.8, 1.2, len(POS)))  # fmt: skip
    dense = critical_coupling(model)
    monkeypatch.setattr(critical, "DENSE_MAX", 4)
    assert critical_coupling(model) == pytest.approx(dense, rel=1e-9)


def test_mean_field_ground_state_of_the_bcc_box_is_the_saturated_ferromagnet():
    K = 1.3 * 2 * 5.0 / LAMBDA
    model = Assembly(POS, K=K, C=5.0, box=BOX)
    states = solve(model)
    best = states[0]
    # uniform and saturated: beta E / n = C - (2 pi/3) rho K
    assert best.energy / model.n == pytest.approx(5.0 - 2 * np.pi / 3 * RHO * K, rel=1e-9)
    np.testing.assert_allclose(np.linalg.norm(best.mu, axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(best.mu, np.broadcast_to(best.mu[0], best.mu.shape), atol=1e-8)


def test_finite_t_mean_field_of_the_bcc_box_is_the_uniform_self_consistent_moment():
    C, K = 5.0, 1.5 * 2 * 5.0 / LAMBDA
    model = Assembly(POS, K=K, C=C, box=BOX)
    mu = finite_t_solve(model)
    land = model.landscape
    # m = <|mu|>(K lambda m), the scalar equation of a uniform state
    m = brentq(lambda x: single.mean_moment(land, K * LAMBDA * x) - x, 1e-3, 1.0)
    np.testing.assert_allclose(mu, np.tile([0.0, 0.0, m], (model.n, 1)), atol=1e-8)


def test_gaussian_limit_of_a_box_inverts_the_hessian_of_the_periodic_energy():
    rng = np.random.default_rng(2)
    pos = POS[:8] + rng.uniform(-0.1, 0.1, (8, 3))
    model = Assembly(pos, K=3.0, C=[20.0, 25.0] * 4, h=(0.2, -0.1, 0.5), box=BOX * 0.8,
                     scale=rng.uniform(0.8, 1.2, 8))  # fmt: skip
    got = exact.gaussian_limit(model)
    # beta E is quadratic (Quadratic landscapes): central differences give H exactly
    x0 = np.zeros(24)
    step = 1e-3

    def energy(x):
        return float(model.energy(x.reshape(8, 3)))

    hess = np.empty((24, 24))
    for a in range(24):
        for b in range(24):
            e = np.zeros(24)
            e[a] += step
            f = np.zeros(24)
            f[b] += step
            hess[a, b] = (energy(e + f) - energy(e - f) - energy(f - e) + energy(-e - f)) / (
                4 * step * step
            )
    grad = np.array([(energy(x0 + step * np.eye(24)[a]) - energy(x0 - step * np.eye(24)[a]))
                     / (2 * step) for a in range(24)])  # fmt: skip
    np.testing.assert_allclose(got["cov"].reshape(24, 24), np.linalg.inv(hess), rtol=1e-6)
    np.testing.assert_allclose(got["mean"].ravel(), np.linalg.solve(hess, -grad), atol=1e-8)
