"""`sampling/collective.py`: the collective move's bookkeeping against the model's own energy
and fields (Eq. (3), Eq. (B6) generalised), its rejections outside the balls, and the
validation of the direction."""

from __future__ import annotations

import numpy as np
import pytest

import mcdimer
from mcdimer import Assembly, Chain
from mcdimer.sampling.collective import collective_move, soft_mode
from mcdimer.sampling.rng import seed_states

MODELS = [
    Chain(6, K=20.0, C=50.0, h=(0.3, 0.1, 2.0)),
    Assembly(
        np.array([[0, 0, 0], [1.1, 0, 0], [0, 1.3, 0.2], [0.7, 0.6, 1.0]]),
        K=5.0,
        h=(0.5, -1.0, 2.0),
        landscape=[mcdimer.Saturating(4.0)] * 2 + [mcdimer.Quadratic(6.0)] * 2,
        scale=[1.0, 0.8, 1.3, 0.9],
    ),
    # a periodic box (Ewald, elongated: each particle's own images, T_ii, are anisotropic)
    Assembly(
        np.array([[0.1, 0.2, 0.0], [1.2, 0.1, 0.3], [0.4, 1.5, 1.1], [1.6, 1.4, 2.0]]),
        K=6.0,
        h=(0.2, 0.0, 1.0),
        landscape=[mcdimer.Quadratic(30.0), mcdimer.Quadratic(45.0)] * 2,
        scale=[1.0, 0.9, 1.1, 0.8],
        box=(2.2, 2.6, 3.1),
    ),
]


def _state(model, rng):
    species, index = model.landscape_groups()
    tables = np.stack([land.table() for land in species])[None]
    mu = rng.uniform(-0.4, 0.4, (1, model.n, 3))
    fld = model.field(mu[0])[None].copy()
    grid = np.linspace(0.0, 1.0, tables.shape[2])
    fcur = np.array(
        [[np.interp(x @ x, grid, tables[0, a]) for x, a in zip(mu[0], index, strict=True)]]
    )
    return mu, fld, fcur, tables, np.ascontiguousarray(index, dtype=np.int64)


def _energy(model, mu, tables, species):
    """beta E of `Assembly.energy` with each landscape read from its table as the kernels do
    (linear interpolation in s = |mu|^2; a Saturating f is not linear in s)."""
    lands, _ = model.landscape_groups()
    r = np.linalg.norm(mu, axis=1)
    grid = np.linspace(0.0, 1.0, tables.shape[2])
    closed = sum(lands[a].energy(x) for x, a in zip(r, species, strict=True))
    tabled = sum(np.interp(x * x, grid, tables[0, a]) for x, a in zip(r, species, strict=True))
    return model.energy(mu) - closed + tabled


@pytest.mark.parametrize("model", MODELS)
def test_energy_change_and_fields_match_the_model(model):
    rng = np.random.default_rng(0)
    v, tv, vtv = soft_mode(model)
    assert np.linalg.norm(v) == pytest.approx(1.0)
    state = seed_states(1, 1)[0].copy()
    accepted = 0
    for _ in range(30):
        mu, fld, fcur, tables, species = _state(model, rng)
        before = _energy(model, mu[0], tables, species)
        d_f, d_w, acc, *words = collective_move(
            mu, fld, fcur, 0, 0, 1.0, tables, species, v, tv, vtv, 0.3, 1, *state
        )
        state[:] = words
        accepted += acc
        # beta E = sum f + W (b = 1): the returned changes are the model's
        after = _energy(model, mu[0], tables, species)
        assert d_f + d_w == pytest.approx(after - before, abs=1e-10)
        np.testing.assert_allclose(fld[0], model.field(mu[0]), atol=1e-12)
        grid = np.linspace(0.0, 1.0, tables.shape[2])
        want = [np.interp(x @ x, grid, tables[0, a]) for x, a in zip(mu[0], species, strict=True)]
        np.testing.assert_allclose(fcur[0], want, atol=1e-12)
    assert 0 < accepted < 30


def test_proposals_leaving_a_ball_are_rejected():
    model = MODELS[0]
    v, tv, vtv = soft_mode(model)
    mu, fld, fcur, tables, species = _state(model, np.random.default_rng(1))
    mu[0] = 0.999 * v / np.linalg.norm(v, axis=1, keepdims=True)  # every |mu_i| = 0.999 along v_i
    fld[0] = model.field(mu[0])
    grid = np.linspace(0.0, 1.0, tables.shape[2])
    fcur[0] = [np.interp(x @ x, grid, tables[0, a]) for x, a in zip(mu[0], species, strict=True)]
    state = seed_states(2, 1)[0].copy()
    steps = []
    for _ in range(200):  # the first proposals with eps > 0.001 / |v_i| leave a ball
        before = mu[0].copy()
        _, _, acc, *words = collective_move(
            mu, fld, fcur, 0, 0, 1.0, tables, species, v, tv, vtv, 0.5, 1, *state
        )
        state[:] = words
        steps.append(float(np.sum((mu[0] - before) * v)) if acc else 0.0)
        assert np.all(np.sum(mu[0] ** 2, axis=1) <= 1.0 + 1e-12)
    assert steps[0] <= 0.0 and min(steps) < 0.0


def test_soft_mode_of_a_chain_is_the_longitudinal_mode_of_c1():
    model = Chain(8, K=10.0, C=50.0)
    v, tv, vtv = soft_mode(model)
    assert np.allclose(v[:, :2], 0.0) and np.all(v[:, 2] > 0)
    # v is an eigenvector of T with the largest eigenvalue 2 K lambda_max(A) (Eq. (C1))
    lam = 1.0 / mcdimer.meanfield.chain_critical_ratio(8)
    np.testing.assert_allclose(tv, 2.0 * model.K * lam * v, atol=1e-12)
    assert vtv == pytest.approx(2.0 * model.K * lam)


@pytest.mark.parametrize(
    "v", [np.zeros((8, 3)), np.ones((7, 3)), np.full((8, 3), np.nan)], ids=["zero", "shape", "nan"]
)
def test_bad_direction_names_v(v):
    with pytest.raises(ValueError, match="v must be"):
        soft_mode(Chain(8, K=10.0, C=50.0), v)


def test_soft_mode_of_a_long_chain_is_nearly_critical_and_fixed():
    """Above LANCZOS_MIN the direction comes from Lanczos at SOFT_TOL from a fixed start: its
    Rayleigh quotient v.T.v is within SOFT_TOL of the exact top eigenvalue 2 K lambda_max(A)
    of Eq. (C1), and two calls give the same bits (ARPACK's own random start would not)."""
    from mcdimer.meanfield.critical import LANCZOS_MIN
    from mcdimer.sampling.collective import SOFT_TOL

    model = Chain(LANCZOS_MIN + 44, K=10.0, C=50.0)
    first, again = soft_mode(model), soft_mode(model)
    top = 2.0 * model.K / mcdimer.meanfield.chain_critical_ratio(model.n)
    assert top * (1.0 - SOFT_TOL) <= first.vtv <= top * (1.0 + 1e-12)
    assert np.array_equal(first.v, again.v) and np.array_equal(first.tv, again.tv)
    assert np.linalg.norm(first.v) == pytest.approx(1.0)


def test_a_single_particle_moves_along_z_and_samples_with_the_default_cycle():
    """n = 1 outside a box has no dipolar partner: v = e_z, T v = 0, and the default cycle
    (which holds the collective move) runs: its <mu_z^2> is the single-particle value
    <|mu|^2>/3 of the Quadratic landscape (quadrature of Eq. (B2) at H = 0) within 5
    standard errors."""
    from mcdimer.single import modulus_rule

    model = Chain(1, K=1.0, C=5.0)
    v, tv, vtv = soft_mode(model)
    assert np.array_equal(v, [[0.0, 0.0, 1.0]]) and not np.any(tv) and vtv == 0.0
    res = mcdimer.sample(model, sweeps=20_000, chains=2, seed=1)
    assert res.stats.collective_step is not None
    r, logw = modulus_rule(model.landscape_groups()[0][0])
    want = np.sum(np.exp(logw) * r**2) / np.sum(np.exp(logw)) / 3.0
    assert abs(res.expect()["mz2"] - want) < 5.0 * res.mcse()["mz2"]


def test_free_moments_without_an_instability_move_along_z():
    """C = 0: no curvature at mu = 0, no critical mode (critical_mode refuses the model);
    the default cycle still runs, its collective move along e_z."""
    model = Chain(2, K=1.0, C=0.0)
    v, tv, vtv = soft_mode(model)
    np.testing.assert_allclose(v, np.tile([0.0, 0.0, 1.0], (2, 1)) / np.sqrt(2.0))
    assert vtv == pytest.approx(float(np.sum(v * tv)))
    assert mcdimer.sample(model, sweeps=200, burn=60, chains=1).stats.collective_step is not None
