"""The kernels' view of W (`mcdimer.sampling.couplings`): fields from scratch and after
accepted moves against the model's Eq. (3), and the field bound the heat bath relies on."""

import numpy as np
import pytest

from mcdimer import Assembly, Chain, geometry
from mcdimer.sampling.couplings import couplings_of, field_bound, full_field, move_field_update


def random_ball(rng, n):
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1)[:, None] * rng.uniform(0, 1, (n, 1)) ** (1 / 3)


def dispersed_cluster(n):
    radii = geometry.size_dispersion(n, 0.3, seed=3)
    return Assembly(
        geometry.random_cluster(n, 0.2, seed=4),
        K=7.0,
        C=20.0,
        h=(0.3, -0.2, 1.1),
        scale=geometry.moment_scale(radii),
    )


def periodic_box(n, seed=5):
    """n dispersed particles in a cubic box at number density 0.4, centres >= 1 apart
    across the boundary (random positions with rejection)."""
    rng = np.random.default_rng(seed)
    edge = (n / 0.4) ** (1 / 3)
    pos = []
    while len(pos) < n:
        p = rng.uniform(0, edge, 3)
        d = np.array(pos) - p if pos else np.zeros((0, 3))
        d -= edge * np.round(d / edge)
        if not pos or np.min(np.linalg.norm(d, axis=1)) >= 1.0:
            pos.append(p)
    radii = geometry.size_dispersion(n, 0.3, seed=3)
    return Assembly(
        np.array(pos),
        K=7.0,
        C=20.0,
        h=(0.3, -0.2, 1.1),
        scale=geometry.moment_scale(radii),
        box=(edge, edge, edge),
    )


# n = 37: odd, so the vectorised loops run their remainders on both sides of i; the box
# checks the tabulated layout (self images included) against a fresh Ewald evaluation
@pytest.mark.parametrize(
    "model",
    [dispersed_cluster(37), Chain(37, K=7.0, C=20.0, h=(0, 0, 1)), periodic_box(37)],
    ids=["cluster", "chain", "box"],
)
def test_incremental_field_update_matches_eq_3_on_a_dispersed_cluster(model):
    rng = np.random.default_rng(0)
    cpl = couplings_of(model)
    mu = np.stack([random_ball(rng, model.n), random_ball(rng, model.n)])
    fld = np.zeros_like(mu)
    for m in range(2):
        full_field(cpl, mu, m, fld)
        np.testing.assert_allclose(fld[m], model.field(mu[m]), rtol=1e-12, atol=1e-12)
    for _ in range(3000):  # accepted moves of single moments in slot 1
        i = int(rng.integers(model.n))
        new = random_ball(rng, 1)[0]
        dx, dy, dz = new - mu[1, i]
        mu[1, i] = new
        move_field_update(
            cpl.is_chain, cpl.chain, cpl.positions, cpl.scale, cpl.K, cpl.table,
            fld, 1, i, dx, dy, dz,
        )  # fmt: skip
    # fields are O(10): 1e-10 relative
    np.testing.assert_allclose(fld[1], model.field(mu[1]), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(fld[0], model.field(mu[0]), rtol=1e-12, atol=1e-12)  # untouched


def test_field_bound_bounds_every_field_and_is_the_pair_sum():
    model = dispersed_cluster(40)
    cpl = couplings_of(model)
    bound = field_bound(cpl)
    p, s = model.positions, np.asarray(model.scale)
    r = np.linalg.norm(p[:, None] - p[None], axis=-1)
    np.fill_diagonal(r, np.inf)
    expect = s * np.linalg.norm(model.h) + 2.0 * model.K * s * (s[None] / r**3).sum(axis=1)
    assert bound == pytest.approx(expect.max(), rel=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(50):
        assert np.linalg.norm(model.field(random_ball(rng, model.n)), axis=1).max() <= bound


def test_field_bound_bounds_every_field_in_a_periodic_box():
    model = periodic_box(30)
    bound = field_bound(couplings_of(model))
    rng = np.random.default_rng(2)
    fields = [model.field(random_ball(rng, model.n)) for _ in range(50)]
    # the aligned configuration along each row's top direction comes closest
    assert np.linalg.norm(fields, axis=-1).max() <= bound
    # and the bound is the pair sum of Frobenius norms (self images included)
    t = model.pair_tensor()
    frob = np.sqrt((t**2).sum(axis=(2, 3))).sum(axis=1)
    expect = model.scale * np.linalg.norm(model.h) + frob
    assert bound == pytest.approx(expect.max(), rel=1e-12)
