"""The compiled kernels (mcdimer/sampling/kernels.py, moves.py): the running energies and
fields they carry from move to move against the model's own numpy `energy` and `field`
(independent of the kernels), and the replica-pair records against overlaps recomputed
from the kept draws.

Quadratic landscapes are tabulated in s = |mu|^2 exactly (f = C s is linear in s), so the
kernels' sums and the model's agree to rounding: tolerances are 1e-9, far below any change
a wrong update would make (a missed field update moves h_i by K/k^3 |dmu| ~ 1e-2).
"""

import numpy as np
import pytest

from mcdimer import Assembly, Chain, Quadratic, Tempering, geometry
from mcdimer.sampling import driver, engine, sample
from mcdimer.sampling.collective import SOFT_STEP_FALLBACK, initial_soft_step, soft_mode
from mcdimer.sampling.kernels import (
    QUIET_MAX,
    SOFT_ADAPT_EVERY,
    Records,
    Schedule,
    advance_chain,
    move_runs,
    refresh_all,
)
from mcdimer.sampling.moves import parse_moves
from mcdimer.sampling.observables import PAIR_SCALARS, SCALARS, SITE_COLUMNS, allocate
from mcdimer.sampling.rng import seed_states

SC_POS, SC_BOX = geometry.periodic_lattice("sc", 2)
MODELS = {
    "chain": Chain(5, K=20.0, h=(0.3, 0.0, 0.5), C=30.0),
    "cluster": Assembly(
        [[0, 0, 0], [1.2, 0, 0], [0, 1.1, 0.3], [0.7, 0.7, 1.4]],
        K=3.0,
        h=(0.0, 0.2, 0.4),
        C=10.0,
        scale=[1.0, 0.8, 1.2, 0.9],
    ),
    "box": Assembly(SC_POS, K=1.5, h=(0.0, 0.0, 0.3), C=5.0, box=SC_BOX),
}
CYCLE = ["displace", "jump", "heatbath", "overrelax", "flip", ("collective", 3)]


def run_kernel(model, moves, sweeps, ladder=(1.0,), chains=2, seed=0, refresh=10**9):
    """The engine's state, target and counters after `sweeps` burn-in sweeps of
    advance_chain, with the exact refresh at sweep `refresh` (never, by default): what the
    moves carried themselves."""
    cycle = parse_moves(moves)
    setup = engine._Setup(model, cycle)
    b = np.asarray(ladder, dtype=float)
    target = setup.target(b)
    R = b.size
    state = setup.state(target, chains, seed_states(seed, chains * (R + 1)))
    sched = Schedule(
        cycle, sweeps, 1, 1, 1, engine.ADAPT_EVERY, refresh, engine.TUNNEL_LEVEL, move_runs(cycle)
    )
    rec = Records(**allocate(chains, R, model.n, 1, 0, level_draws=False))
    counters = engine._counters(chains, R)
    for c in range(chains):
        advance_chain(c, state, target, sched, counters, rec, 0, sweeps)
    return state, target, counters


def assert_matches_model(model, state, b):
    """Every slot's fields, sum f and W against the model at its slot's level."""
    chains, R = state.config_at.shape
    for c in range(chains):
        for k in range(R):
            m = state.config_at[c, k]
            mu = state.mu[c, m]
            assert np.all(np.sum(mu**2, axis=-1) <= 1.0)
            np.testing.assert_allclose(state.fld[c, m], model.field(mu), rtol=0, atol=1e-9)
            u = state.fsum[c, m] + b[k] * state.wint[c, m]
            assert u == pytest.approx(float(model.tempered(b[k]).energy(mu)), abs=1e-9)


@pytest.mark.parametrize("kind", list(MODELS))
def test_running_fields_and_energies_after_every_move_equal_the_models(kind):
    model = MODELS[kind]
    b = np.array([1.0, 0.5])
    state, _, counters = run_kernel(model, CYCLE, 203, ladder=b)
    # swaps happened (the final config_at alone can be back at the start by chance)
    assert counters.swap_acc.sum() > 0
    assert_matches_model(model, state, b)
    assert np.all(state.drift == 0.0)  # no refresh ran


def test_collective_step_starts_at_the_gaussian_width_and_adapts_toward_the_target():
    """The first step of each level is 4 / sqrt(k) with k = 2 C - b v.T.v (v of unit norm,
    C the same for every particle); adapted during burn-in it stays within a factor 2 of
    it (4 / sqrt(k) is accepted ~0.4 of the time in the Gaussian limit, `collective.py`),
    and a step far too long (nearly every proposal leaves the balls) shrinks back there."""
    model = Chain(8, K=5.0, C=50.0)
    b = np.array([1.0, 0.5])
    v, tv, vtv = soft_mode(model)
    cycle = parse_moves(["heatbath", ("collective", 4)])
    setup = engine._Setup(model, cycle)
    target = setup.target(b)
    state = setup.state(target, 2, seed_states(0, 6))
    want = [4.0 / np.sqrt(2.0 * 50.0 * x - x * vtv) for x in b]  # f_k = b_k C s
    np.testing.assert_allclose(state.soft_delta, [want, want], rtol=1e-9)
    sweeps = 5 * 200 * SOFT_ADAPT_EVERY // 4
    state, _, _ = run_kernel(model, ["heatbath", ("collective", 4)], sweeps, ladder=b)
    assert np.all(np.abs(np.log(state.soft_delta / want)) < np.log(2.0)), state.soft_delta
    state.soft_delta[:] = 2.0 * np.sqrt(model.n)  # accepts ~nothing
    sched = Schedule(
        cycle, 2 * sweeps, 1, 1, 1, engine.ADAPT_EVERY, 10**9, engine.TUNNEL_LEVEL,
        move_runs(cycle),
    )  # fmt: skip
    rec = Records(**allocate(2, 2, model.n, 1, 0, level_draws=False))
    counters = engine._counters(2, 2)
    for c in range(2):
        advance_chain(c, state, target, sched, counters, rec, sweeps, sweeps)
    assert np.all(np.abs(np.log(state.soft_delta / want)) < np.log(2.0)), state.soft_delta
    assert np.all(np.isfinite(state.mu)) and np.all(np.isfinite(state.fld))
    assert_matches_model(model, state, b)


def test_initial_soft_step_falls_back_when_the_mode_is_not_stiff():
    """k <= 0 (beyond the mean-field threshold) gives SOFT_STEP_FALLBACK; a tiny k gives at
    most the cap 2 sqrt(n)."""
    soft = soft_mode(Chain(8, K=5.0, C=50.0))
    assert initial_soft_step(soft, np.zeros(8), 1.0) == SOFT_STEP_FALLBACK
    assert initial_soft_step(soft, np.full(8, soft.vtv / 2 + 1e-12), 1.0) == 2.0 * np.sqrt(8)
    assert initial_soft_step(soft, np.full(8, 50.0), 0.0) == pytest.approx(4.0 / np.sqrt(100.0))


def test_collective_move_of_a_single_particle_keeps_its_energy_and_fields():
    """n = 1: no dipolar partner, no critical mode; the direction is e_z (v.T.v = 0) and the
    move runs without NaN, its running energies equal to the model's."""
    model = Chain(1, K=5.0, C=3.0, h=(0.0, 0.4, 1.0))
    v, tv, vtv = soft_mode(model)
    np.testing.assert_array_equal(v, [[0.0, 0.0, 1.0]])
    assert vtv == 0.0 and np.all(tv == 0.0)
    b = np.array([1.0, 0.6])
    state, _, _ = run_kernel(model, ["displace", ("collective", 3)], 2_000, ladder=b)
    assert np.all(np.isfinite(state.soft_delta)) and np.all(state.soft_delta > 0.0)
    assert_matches_model(model, state, b)


def test_refresh_all_recomputes_fields_and_energies_of_any_configuration():
    model = MODELS["cluster"]
    b = np.array([1.0, 0.7, 0.4])
    state, target, _ = run_kernel(model, ["displace"], 1, ladder=b, chains=3)
    rng = np.random.default_rng(5)
    v = rng.normal(size=state.mu.shape)
    state.mu[:] = (
        v / np.linalg.norm(v, axis=-1, keepdims=True) * rng.uniform(size=v.shape[:-1])[..., None]
    )
    state.config_at[:] = [[2, 0, 1], [0, 1, 2], [1, 2, 0]]
    state.fld[:] = 0.0
    refresh_all(state, target)
    assert_matches_model(model, state, b)


def test_periodic_refresh_measures_no_drift_beyond_rounding():
    """With the exact refresh every 7 sweeps, the largest difference it found between the
    running and the recomputed energy and fields is rounding only."""
    state, _, _ = run_kernel(MODELS["chain"], CYCLE, 100, refresh=7)
    assert np.all(state.drift > 0.0) and np.all(state.drift < 1e-10), state.drift


def test_move_runs_count_the_sweeps_of_one_move_across_the_cycles_end():
    assert move_runs(parse_moves([("displace", 2), "jump"])).tolist() == [2, 1, 1]
    assert move_runs(parse_moves(["displace", "jump", "displace"])).tolist() == [1, 1, 2]
    assert move_runs(parse_moves(["heatbath", "overrelax"])).tolist() == [1, 1]
    assert move_runs(parse_moves([("displace", 3)])).tolist() == [QUIET_MAX] * 3
    long = move_runs(parse_moves([("displace", 10_000), "jump", ("displace", 10_000)]))
    assert long[0] == 10_000 and long[10_000] == 1 and long[10_001] == 20_000  # wraps


@pytest.mark.parametrize("record_every", [1, 3])
def test_recorded_sums_are_the_sums_over_every_kth_kept_draw(record_every, monkeypatch):
    """With thin = 1 the draws are every production sweep's configuration: a batch's
    recorded m^z and site sums are those of the draws p = s - burn with p % record_every
    == 0 in it (batches of 1000 sweeps: 334 or 333 recorded), over one chunk (bursts of
    sweeps between recorded ones) and over chunks of a few sweeps (short bursts)."""
    model = Chain(3, K=10.0, C=30.0, h=(0.0, 0.0, 0.2))
    sweeps, batches = 6_000, 6
    runs = []
    for seconds in (1e3, 1e-5):
        monkeypatch.setattr(driver, "CHUNK_SECONDS", seconds)
        runs.append(sample(model, sweeps=sweeps, burn=70, chains=2, seed=8, n_batches=batches,
                           thin=1, moves=["displace"], record_every=record_every))  # fmt: skip
    res = runs[0]
    for key in res.records:
        assert np.array_equal(res.records[key], runs[1].records[key]), key
    assert res.settings["record_every"] == record_every
    kept = np.arange(sweeps) % record_every == 0
    batch = np.arange(sweeps) // (sweeps // batches)
    counts = np.bincount(batch[kept], minlength=batches)
    for c in range(2):
        draws = res.records["draws"][c]  # (sweeps, n, 3)
        np.testing.assert_array_equal(res.records["counts"][c, 0], counts)
        mz = draws[:, :, 2].mean(axis=1)
        want = np.bincount(batch[kept], weights=mz[kept], minlength=batches)
        got = res.records["scalars"][c, 0, :, SCALARS.index("mz")]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
        for i in range(model.n):
            want = np.bincount(batch[kept], weights=draws[kept, i, 0], minlength=batches)
            got = res.records["sites"][c, 0, :, i, SITE_COLUMNS.index("x")]
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("record_every", [1, 3])
def test_pair_records_are_the_overlaps_of_the_kept_draws(record_every, monkeypatch):
    """A pair's q2, qs sums and histogram counts per batch, from the b = 1 draws of its two
    chains (thin = 1) at the recorded sweeps, over one chunk long enough to need several
    blocks of held configurations (`kernels.PAIR_BLOCK_VALUES`)."""
    monkeypatch.setattr(driver, "CHUNK_SECONDS", 1e3)
    model = Chain(4, K=10.0, C=50.0)
    sweeps, batches = 12_000, 4
    res = sample(model, sweeps=sweeps, burn=50, chains=2, seed=3, n_batches=batches, thin=1,
                 pairs=True, record_every=record_every)  # fmt: skip
    a, b = res.records["draws"][:, ::record_every]  # (recorded sweeps, n, 3) each
    q = np.einsum("sia,sib->sab", a, b) / model.n
    q2 = np.einsum("sab,sab->s", q, q).reshape(batches, -1).sum(axis=1)
    qs = np.trace(q, axis1=1, axis2=2).reshape(batches, -1).sum(axis=1)
    got = res.records["pair_scalars"][0, 0]
    np.testing.assert_allclose(got[:, PAIR_SCALARS.index("q2")], q2, rtol=1e-12)
    np.testing.assert_allclose(got[:, PAIR_SCALARS.index("qs")], qs, rtol=1e-12, atol=1e-9)
    per_batch = sweeps // batches // record_every
    assert np.all(res.records["pair_hists"][0, 0].sum(axis=-1) == per_batch)
    assert np.all(res.records["counts"][0, 0] == per_batch)


class _TabulatedQuadratic(Quadratic):
    """f = C s read from its table (`tables.level_slopes` takes only `Quadratic` itself as
    quadratic), at every level."""

    def tempered(self, b):
        return _TabulatedQuadratic(b * self.C)


def test_quadratic_landscape_from_its_slope_runs_as_from_its_table():
    """f = C s computed from the slope (`tables.landscape_value`) against the same landscape
    interpolated from its table, on a two-level ladder with every move (swaps included):
    the two differ by rounding only, so every accept decision is the same (equal counts)
    and the recorded sums agree to 1e-10."""
    cycle = ["displace", "jump", "heatbath", "overrelax", "flip", ("collective", 3)]
    method = Tempering(ladder=[1.0, 0.6], adapt=False, moves=cycle)
    opts = dict(sweeps=3_000, burn=300, chains=2, seed=4, n_batches=4)
    runs = [
        sample(Chain(4, K=12.0, h=(0.0, 0.0, 0.2), landscape=land), method, **opts)
        for land in (Quadratic(30.0), _TabulatedQuadratic(30.0))
    ]
    slope, table = runs
    for key in ("accepted", "counts", "hists"):
        np.testing.assert_array_equal(slope.records[key], table.records[key])
    for key in ("scalars", "sites", "zz"):
        np.testing.assert_allclose(slope.records[key], table.records[key], rtol=1e-10, atol=1e-10)
    assert slope.stats["swap_acceptance"] == pytest.approx(table.stats["swap_acceptance"])
