"""meanfield.critical: Eq. (C1) for any assembly, against a dense eigensolver written here."""

import numpy as np
import pytest

from mcdimer import Assembly, Chain, Quadratic, Saturating, geometry
from mcdimer import meanfield as mf
from mcdimer.meanfield import critical


def _hessian_threshold(positions, C, scale):
    """K at which the Hessian 2 diag(C_i) - K T/K of beta E at mu = 0 loses positivity.

    Built pair by pair from Eq. (B6) (mu_i.mu_j - 3 (mu_i.u)(mu_j.u)) s_i s_j / r^3, then
    K_c = 1 / lambda_max(H0^-1/2 B H0^-1/2) with B = -(dipolar Hessian)/K.
    """
    n = len(positions)
    b = np.zeros((3 * n, 3 * n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            d = positions[j] - positions[i]
            r = np.linalg.norm(d)
            u = d / r
            blk = scale[i] * scale[j] * (3 * np.outer(u, u) - np.eye(3)) / r**3
            b[3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = blk
    h0 = np.repeat(2.0 * np.asarray(C), 3)
    m = b / np.sqrt(np.outer(h0, h0))
    vals, vecs = np.linalg.eigh(m)
    mode = (vecs[:, -1] / np.sqrt(h0)).reshape(n, 3)
    return 1.0 / vals[-1], mode / np.linalg.norm(mode)


@pytest.mark.parametrize("n", [2, 3, 5, 12, 40])
def test_chain_critical_ratio_is_eq_c1(n):
    assert critical.critical_ratio(Chain(n, 1.0, C=7.0)) == pytest.approx(
        mf.chain_critical_ratio(n), rel=1e-12
    )


def test_chain_critical_mode_is_longitudinal_and_even():
    mode = critical.critical_mode(Chain(6, 1.0, C=2.0))
    assert np.allclose(mode[:, :2], 0.0, atol=1e-12)
    assert np.all(mode[:, 2] > 0) and np.allclose(mode[:, 2], mode[::-1, 2])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_cluster_with_dispersion_against_dense_hessian(seed):
    rng = np.random.default_rng(seed)
    pos = geometry.random_cluster(9, 0.15, seed=seed)
    radii = geometry.size_dispersion(9, 0.3, seed=seed + 10)
    scale = geometry.moment_scale(radii)
    lands = geometry.quadratic_landscapes(radii, C=50.0)
    model = Assembly(pos, rng.uniform(1, 9), landscape=lands, scale=scale)
    kc, mode = _hessian_threshold(pos, [land.C for land in lands], scale)
    assert critical.critical_coupling(model) == pytest.approx(kc, rel=1e-12)
    assert critical.critical_ratio(model, C=50.0) == pytest.approx(kc / 50.0, rel=1e-12)
    got = critical.critical_mode(model)
    assert abs(np.sum(got * mode)) == pytest.approx(1.0, abs=1e-9)


def test_mode_is_a_linear_mean_field_solution_at_threshold():
    # 2 C_i mu_i = h_i (Eq. (B3) per particle) with h_i from Assembly.field at K = K_c
    pos = geometry.lattice("triangular", (3, 3))
    C = np.linspace(2.0, 4.0, 9)
    s = np.linspace(0.8, 1.2, 9)
    model = Assembly(pos, 1.0, C=C, scale=s)
    kc = critical.critical_coupling(model)
    mode = critical.critical_mode(model)
    h = model.replace(K=kc).field(mode)
    assert np.allclose(2.0 * C[:, None] * mode, h, atol=1e-12)


def test_ring_critical_modes_span_the_degenerate_subspace():
    model = Assembly(geometry.ring(8), 1.0, C=3.0)
    modes = critical.critical_modes(model)
    gram = np.einsum("aic,bic->ab", modes, modes)
    assert np.allclose(gram, np.eye(len(modes)), atol=1e-10)
    # rotating the ring by one site maps the critical subspace onto itself
    turn = np.array(
        [
            [np.cos(np.pi / 4), -np.sin(np.pi / 4), 0],
            [np.sin(np.pi / 4), np.cos(np.pi / 4), 0],
            [0, 0, 1],
        ]
    )
    moved = np.roll(modes @ turn.T, 1, axis=1)
    proj = np.einsum("aic,bic->ab", moved, modes)
    assert np.allclose(proj @ proj.T, np.eye(len(modes)), atol=1e-10)


def test_saturating_landscape_uses_its_curvature_at_the_origin():
    pos = geometry.lattice("square", (3, 3))
    a = critical.critical_ratio(Assembly(pos, 1.0, landscape=Saturating(4.0)))
    b = critical.critical_ratio(Assembly(pos, 1.0, C=4.0))
    assert a == pytest.approx(b, rel=1e-6)


def test_matrix_free_path_matches_dense(monkeypatch):
    pos = geometry.random_cluster(30, 0.2, seed=4)
    model = Assembly(pos, 1.0, C=np.linspace(1, 2, 30), scale=np.linspace(1.2, 0.7, 30))
    dense = critical.critical_coupling(model)
    mode = critical.critical_mode(model)
    monkeypatch.setattr(critical, "DENSE_MAX", 10)
    assert critical.critical_coupling(model) == pytest.approx(dense, rel=1e-9)
    assert abs(np.sum(critical.critical_mode(model) * mode)) == pytest.approx(1.0, abs=1e-7)


def test_critical_ratio_needs_a_reference_C_when_the_C_i_differ():
    model = Assembly(geometry.ring(4), 1.0, C=[1.0, 2.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="C"):
        critical.critical_ratio(model)
    with pytest.raises(ValueError, match="n >= 2"):
        critical.critical_ratio(Chain(1, 1.0, C=1.0))
    with pytest.raises(ValueError, match="curvature"):
        critical.critical_coupling(Assembly(geometry.ring(4), 1.0, landscape=Quadratic(0.0)))


@pytest.mark.parametrize("factor, ordered", [(0.97, False), (1.05, True)])
def test_solve_on_a_cluster_orders_only_beyond_the_instability(factor, ordered):
    pos = geometry.random_cluster(8, 0.2, seed=8)
    radii = geometry.size_dispersion(8, 0.2, seed=9)
    base = Assembly(
        pos,
        1.0,
        landscape=geometry.quadratic_landscapes(radii, C=20.0),
        scale=geometry.moment_scale(radii),
    )
    model = base.replace(K=factor * critical.critical_coupling(base))
    found = mf.solve(model)
    for f in found:  # every configuration is stationary: mu_i = rho_i(|h_i|) h_i/|h_i|
        h = model.field(f.mu)
        C = model.stiffnesses
        r = np.linalg.norm(f.mu, axis=1)
        inside = r < 1 - 1e-12
        assert np.allclose(2 * C[inside, None] * f.mu[inside], h[inside], atol=1e-9)
    zero = [f for f in found if np.allclose(f.mu, 0.0, atol=1e-12)]
    assert len(zero) == 1 and zero[0].stable is (not ordered)
    if ordered:
        assert found[0].stable and found[0].energy < 0
    else:
        assert len(found) == 1  # convex below K_c: mu = 0 is the only stationary point


def test_solve_on_the_z_line_assembly_matches_chain():
    chain = Chain(4, K=9.0, C=10.0, h=(0.3, 0.0, 0.5))
    line = Assembly(chain.positions, 9.0, C=10.0, h=chain.h)
    a, b = mf.solve(chain), mf.solve(line)
    assert len(a) == len(b)
    assert [f.energy for f in a] == pytest.approx([f.energy for f in b], rel=1e-9)
    for f, g in zip(a, b, strict=True):
        assert np.allclose(f.mu, g.mu, atol=1e-9) and f.stable == g.stable


@pytest.mark.parametrize("n, C", [(2, 10.0), (2, 50.0), (5, 20.0)])
def test_thermal_onset_of_a_chain_is_finite_t_onset(n, C):
    got = critical.critical_ratio(Chain(n, 1.0, C=C), thermal=True)
    assert got == pytest.approx(mf.finite_t_onset(C, n), rel=1e-10)
    assert got > critical.critical_ratio(Chain(n, 1.0, C=C))  # the ball's edge lowers s


def test_thermal_onset_with_dispersion_uses_each_particles_slope():
    from mcdimer.meanfield.finite_t import zero_field_slope

    pos = geometry.ring(5)
    C = np.array([5.0, 8.0, 5.0, 12.0, 8.0])
    model = Assembly(pos, 1.0, C=C, scale=np.linspace(0.8, 1.2, 5))
    c_eff = 1.0 / (2.0 * np.array([zero_field_slope(Quadratic(c)) for c in C]))
    kc, _ = _hessian_threshold(pos, c_eff, model.scale)
    assert critical.critical_coupling(model, thermal=True) == pytest.approx(kc, rel=1e-10)
