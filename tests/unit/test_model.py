"""The landscape energy of Eq. (B6) and its effective field, Eq. (3), in reduced units."""

import numpy as np
import pytest

import mcdimer
from mcdimer import Assembly, Chain, Dimer, Quadratic, Saturating


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


# --- Assembly: any positions, per-particle landscapes and scales ------------------------


def _random_assembly(rng, n=6, dispersion=True, h=(0.3, -0.2, 0.5), K=1.3):
    pos = rng.uniform(-1.5, 1.5, size=(n, 3))
    while np.min(np.linalg.norm(pos[:, None] - pos[None], axis=-1) + 9 * np.eye(n)) < 0.6:
        pos = rng.uniform(-1.5, 1.5, size=(n, 3))
    if not dispersion:
        return Assembly(pos, K, h=h, C=2.0)
    scale = rng.uniform(0.5, 1.5, size=n)
    lands = [Quadratic(c) for c in rng.uniform(1.0, 3.0, size=n - 1)] + [Saturating(2.5)]
    return Assembly(pos, K, h=h, landscape=lands, scale=scale)


def _pairwise_energy(model, mu):
    """Eq. (B6) generalised, written pair by pair (independent of Assembly's vector code)."""
    e = 0.0
    for i in range(model.n):
        e += model.landscapes[i].energy(np.linalg.norm(mu[i])) - model.scale[i] * model.h @ mu[i]
        for j in range(i + 1, model.n):
            d = model.positions[j] - model.positions[i]
            r = np.linalg.norm(d)
            u = d / r
            si, sj = model.scale[i], model.scale[j]
            e += model.K * si * sj * (mu[i] @ mu[j] - 3 * (mu[i] @ u) * (mu[j] @ u)) / r**3
    return e


def test_assembly_on_the_z_line_matches_chain_to_round_off(rng):
    n = 7
    chain = Chain(n, K=1.7, C=3.0, h=(0.2, -0.4, 0.6))
    line = Assembly(np.c_[np.zeros(n), np.zeros(n), np.arange(n)], 1.7, h=chain.h, C=3.0)
    assert line.is_chain and chain.is_chain and line == chain
    mu = rng.uniform(-0.6, 0.6, size=(11, n, 3))
    assert np.allclose(line.energy(mu), chain.energy(mu), rtol=1e-13, atol=1e-13)
    assert np.allclose(line.field(mu), chain.field(mu), rtol=1e-13, atol=1e-13)


def test_assembly_on_the_x_line_is_the_chain_rotated(rng):
    n = 5
    chain = Chain(n, K=2.1, C=1.5, h=(0.1, 0.2, 0.7))
    # lab x <- chain z, lab y <- chain x, lab z <- chain y (a proper rotation)
    rot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert np.linalg.det(rot) == pytest.approx(1.0)
    line = Assembly(chain.positions @ rot.T, 2.1, h=rot @ chain.h, C=1.5)
    assert not line.is_chain
    mu = rng.uniform(-0.6, 0.6, size=(9, n, 3))
    assert np.allclose(line.energy(mu @ rot.T), chain.energy(mu), rtol=1e-12, atol=1e-13)
    assert np.allclose(line.field(mu @ rot.T), chain.field(mu) @ rot.T, rtol=1e-12, atol=1e-13)


def test_assembly_energy_matches_pairwise_eq_b6(rng):
    model = _random_assembly(rng)
    mu = rng.uniform(-0.5, 0.5, size=(4, model.n, 3))
    want = [_pairwise_energy(model, m) for m in mu]
    assert np.allclose(model.energy(mu), want, rtol=1e-12, atol=1e-12)


def test_assembly_energy_invariant_under_rotation_of_positions_field_and_moments(rng):
    from scipy.spatial.transform import Rotation

    model = _random_assembly(rng)
    rot = Rotation.random(random_state=7).as_matrix()
    turned = Assembly(
        model.positions @ rot.T,
        model.K,
        h=rot @ model.h,
        landscape=list(model.landscapes),
        scale=model.scale,
    )
    mu = rng.uniform(-0.5, 0.5, size=(8, model.n, 3))
    assert np.allclose(turned.energy(mu @ rot.T), model.energy(mu), rtol=1e-12, atol=1e-12)
    assert np.allclose(turned.field(mu @ rot.T), model.field(mu) @ rot.T, atol=1e-12)


def test_assembly_field_is_minus_gradient_of_zeeman_and_dipolar_energy(rng):
    model = _random_assembly(rng, n=5)
    mu = rng.uniform(-0.5, 0.5, size=(model.n, 3))
    eps = 1e-6
    grad = np.zeros_like(mu)
    for i in range(model.n):
        for c in range(3):
            d = np.zeros_like(mu)
            d[i, c] = eps
            grad[i, c] = (model.energy(mu + d) - model.energy(mu - d)) / (2 * eps)
    r = np.linalg.norm(mu, axis=1)
    slope = np.array([land.slope(ri) for land, ri in zip(model.landscapes, r, strict=True)])
    expected = slope[:, None] * mu / r[:, None] - model.field(mu)
    assert np.allclose(grad, expected, atol=1e-7)


def test_pair_tensor_gives_the_field_and_is_symmetric(rng):
    model = _random_assembly(rng)
    t = model.pair_tensor()
    assert np.allclose(t, t.transpose(1, 0, 3, 2))
    mu = rng.uniform(-0.5, 0.5, size=(model.n, 3))
    want = model.scale[:, None] * model.h + np.einsum("ijab,jb->ia", t, mu)
    assert np.allclose(model.field(mu), want, atol=1e-13)


def test_assembly_field_in_blocks_matches_one_block(rng, monkeypatch):
    import mcdimer.model as mm

    model = _random_assembly(rng, n=9)
    mu = rng.uniform(-0.5, 0.5, size=(3, model.n, 3))
    whole = model.field(mu)
    monkeypatch.setattr(mm, "_BLOCK", 1)  # one row per block
    assert np.allclose(model.field(mu), whole, rtol=1e-14, atol=1e-14)


def test_assembly_attributes_for_the_samplers(rng):
    model = _random_assembly(rng)
    assert model.positions.shape == (model.n, 3) and not model.positions.flags.writeable
    assert model.scale.shape == (model.n,) and not model.scale.flags.writeable
    assert len(model.landscapes) == model.n and model.landscape is None and model.C is None
    unique, index = model.landscape_groups()
    assert [unique[g] for g in index] == list(model.landscapes)
    assert model.stiffnesses is None  # one Saturating particle
    same = Assembly(model.positions, 1.0, C=[2.0] * model.n)
    assert same.landscape == Quadratic(2.0) and same.C == 2.0 and same.ratio == 0.5
    assert np.array_equal(same.stiffnesses, np.full(model.n, 2.0))
    assert len(same.landscape_groups()[0]) == 1
    assert not Assembly(Chain(3, 1.0, C=1.0).positions, 1.0, C=1.0, scale=2.0).is_chain


def test_assembly_tempering_scales_the_energy_and_keeps_geometry(rng):
    model = _random_assembly(rng)
    hot = model.tempered(0.4)
    assert isinstance(hot, Assembly) and np.array_equal(hot.positions, model.positions)
    mu = rng.uniform(-0.5, 0.5, size=(3, model.n, 3))
    assert np.allclose(hot.energy(mu), 0.4 * model.energy(mu), rtol=1e-12)
    assert model.replace(K=2.0).K == 2.0 and model.replace(K=model.K) == model
    assert hash(model.replace(K=model.K)) == hash(model)
    assert "Assembly(n=6" in repr(model)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"positions": np.zeros((3, 2))}, "positions"),
        ({"positions": [[0, 0, 0], [0, 0, np.inf]]}, "positions"),
        ({"positions": [[0, 0, 0], [0, 0, 0]]}, "min_distance"),
        ({"positions": [[0, 0, 0], [0, 0, 0.5]], "min_distance": 1.0}, "min_distance"),
        ({"min_distance": 0.0}, "min_distance"),
        ({"scale": [1.0, 0.0, 1.0]}, "scale"),
        ({"scale": [1.0, 1.0]}, "scale"),
        ({"scale": -1.0}, "scale"),
        ({"C": [1.0, 2.0]}, "C"),
        ({"C": [1.0, -2.0, 1.0]}, "C"),
        ({"C": None, "landscape": [Quadratic(1.0)] * 2}, "landscape"),
        ({"C": None, "landscape": [Quadratic(1.0), "q", Quadratic(1.0)]}, "landscape"),
        ({"C": None, "landscape": "quadratic"}, "landscape"),
        ({"landscape": Quadratic(1.0)}, "C"),
        ({"K": np.nan}, "K"),
        ({"h": (1, 2)}, "h"),
    ],
)
def test_bad_assembly_parameters_name_the_parameter(kwargs, word):
    args = {"positions": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "K": 1.0, "C": 1.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        Assembly(**args)


@pytest.mark.parametrize("h", [("1", "2", "3"), "123", (1.0, "2", 3.0), np.array(["1", "2", "3"])])
def test_field_given_as_strings_is_refused(h):
    """Strings are refused everywhere (as K = "1" is), never converted quietly."""
    with pytest.raises(ValueError, match="h must be a 3-vector of finite reals"):
        mcdimer.Dimer(K=1.0, C=1.0, h=h)


def test_assembly_survives_pickling_immutable(rng):
    import pickle

    model = _random_assembly(rng)
    back = pickle.loads(pickle.dumps(model))
    assert back == model and hash(back) == hash(model)
    assert not back.positions.flags.writeable and not back.scale.flags.writeable
    chain = pickle.loads(pickle.dumps(Chain(3, 1.0, C=2.0)))
    assert type(chain) is Chain and not chain.h.flags.writeable


# --- periodic boxes (Ewald physics in tests/unit/test_ewald.py) ------------------------


def _box_model(**kw):
    pos = np.array([[0.2, 0.3, 0.1], [1.4, 0.9, 1.7], [2.6, 2.2, 0.5], [0.9, 2.4, 2.3]])
    return Assembly(pos, K=2.0, C=5.0, h=(0.1, 0.0, 0.3), box=(3.0, 3.2, 2.9), **kw)


def test_periodic_assembly_wraps_positions_and_is_not_a_chain():
    model = Assembly(np.column_stack([np.zeros(3), np.zeros(3), np.arange(3.0) - 1]), K=1.0,
                     C=5.0, box=(3.0, 3.0, 3.0))  # fmt: skip
    assert not model.is_chain
    np.testing.assert_allclose(model.positions[:, 2], [2.0, 0.0, 1.0])
    assert model.box.tolist() == [3.0, 3.0, 3.0]
    assert not model.box.flags.writeable
    assert "box=(3, 3, 3)" in repr(model)


def test_periodic_assembly_equality_hash_pickle_replace_tempered(rng):
    import pickle

    model = _box_model()
    open_ = model.replace(box=None)
    assert model != open_ and open_.box is None
    assert model != model.replace(box=(3.0, 3.2, 3.0))
    mu = rng.uniform(-0.5, 0.5, (4, 3))
    e = model.energy(mu)  # builds the Ewald tensor
    back = pickle.loads(pickle.dumps(model))
    assert back == model and hash(back) == hash(model)
    assert back._tensor is None  # never pickled (48 n^2 bytes)
    assert back.energy(mu) == e
    hot = model.tempered(0.5)
    assert hot.box.tolist() == model.box.tolist()
    assert hot.energy(mu) == pytest.approx(0.5 * e, rel=1e-12)
    assert model.replace(K=3.0).box.tolist() == model.box.tolist()


def test_periodic_pair_tensor_includes_the_self_images_and_gives_the_field(rng):
    model = _box_model(scale=[1.0, 0.8, 1.2, 0.9])
    t = model.pair_tensor()
    assert np.abs(t[0, 0]).max() > 0  # a particle couples to its own images
    np.testing.assert_allclose(t, t.transpose(1, 0, 3, 2), atol=1e-14)
    mu = rng.uniform(-0.5, 0.5, (4, 3))
    want = model.scale[:, None] * model.h + np.einsum("ijab,jb->ia", t, mu)
    np.testing.assert_allclose(model.field(mu), want, rtol=1e-12, atol=1e-12)
    many = rng.uniform(-0.5, 0.5, (2, 3, 4, 3))  # vectorised over leading axes
    np.testing.assert_allclose(
        model.field(many), [[model.field(m) for m in row] for row in many], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        model.energy(many), [[model.energy(m) for m in row] for row in many], rtol=1e-12
    )
    # one periodic particle still has a dipolar energy: its own images
    one = Assembly([[0.0, 0.0, 0.0]], K=1.0, C=0.0, box=(1.0, 1.0, 1.0))
    assert one.energy(np.array([[0.0, 0.0, 1.0]])) == pytest.approx(-2 * np.pi / 3, rel=1e-10)


def test_coincident_particles_message_names_two_different_particles():
    with pytest.raises(ValueError, match="particles 0 and 1 are 0 apart"):
        Assembly([[0, 0, 0], [0, 0, 0], [3, 3, 3]], K=1.0, C=5.0)
    with pytest.raises(ValueError, match="particles 1 and 2 are 0 apart"):
        Assembly([[5, 5, 5], [0, 0, 0], [0, 0, 0]], K=1.0, C=5.0)


def test_replace_with_an_unknown_name_names_it_and_the_allowed_ones():
    with pytest.raises(ValueError, match="foo.*allowed: positions, K, h, C, landscape, scale"):
        _box_model().replace(foo=1)
    with pytest.raises(ValueError, match="foo.*allowed: n, K"):
        Chain(3, K=1.0, C=5.0).replace(foo=1)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(positions=[[0, 0, 0], [0, 0, 1e-8]]), "positions"),  # K/r^3 = 1e24
        (dict(scale=1e10), "scale"),  # K s^2 = 1e20
        (dict(scale=1e14, h=(0, 0, 1e6)), "scale"),  # Zeeman 1e20, pair 1e28
        (dict(scale=1e7, h=(0, 0, 1e6)), "scale"),  # Zeeman s|h| = 1e13 alone
        (dict(scale=1e200), "scale"),
        (dict(positions=[[0, 0, 0], [0, 0, 1.7e308]]), "positions"),
        (dict(scale="2"), "scale"),
        (dict(scale=True), "scale"),
        (dict(scale=[1.0, True]), "scale"),
        (dict(positions="abc"), "positions"),
        (dict(positions=[[True, 0, 0], [0, 0, 1]]), "positions"),
    ],
)
def test_positions_and_scales_that_break_the_energy_scale_are_refused(kwargs, word):
    args = dict(positions=[[0, 0, 0], [0, 0, 1]], K=1.0, C=50.0) | kwargs
    with pytest.raises(ValueError, match=word):
        Assembly(**args)


def test_close_pairs_within_the_energy_bound_are_accepted():
    Assembly([[0, 0, 0], [0, 0, 1e-3]], K=1.0, C=50.0)  # K/r^3 = 1e9
    Assembly([[0, 0, 0], [0, 0, 1]], K=1e12, C=50.0)  # K alone is the samplers' business
    Assembly([[0, 0, 0], [0, 0, 1]], K=1.0, C=50.0, scale=1e5)  # K s^2 = 1e10


def test_particle_count_is_bounded_before_any_allocation():
    """Chain(10**9) was killed by the out-of-memory killer building its per-particle lists:
    n beyond MAX_PARTICLES is a ValueError naming n (or positions), at once."""
    from mcdimer.model import MAX_PARTICLES

    for n in (MAX_PARTICLES + 1, 10**9, 2**40):
        with pytest.raises(ValueError, match=r"n must be an integer <= 1000000"):
            Chain(n, K=1.0, C=1.0)
    too_many = np.broadcast_to(np.arange(3.0), (MAX_PARTICLES + 1, 3))
    with pytest.raises(ValueError, match="positions must hold at most 1000000 particles"):
        Assembly(too_many, K=1.0, C=1.0)
