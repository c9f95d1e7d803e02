"""The engine's Python layer (mcdimer/sampling/engine.py): starting state, tables per
level, box phases, the bookkeeping of a run, and same seed -> same bits whatever the
threads and chunks."""

import numba
import numpy as np
import pytest

from mcdimer import Assembly, Chain, Dimer, Quadratic, Saturating, geometry
from mcdimer.sampling import driver, engine, sample
from mcdimer.sampling.moves import MOVES, parse_moves
from mcdimer.sampling.rng import seed_states
from mcdimer.sampling.tables import NOT_QUADRATIC, level_slopes


def test_start_mask_orders_none_all_or_the_second_half():
    assert not engine.start_mask("hot", 4).any()
    assert engine.start_mask("ordered", 3).all()
    assert engine.start_mask("both", 5).tolist() == [False, False, True, True, True]


def test_initial_step_follows_the_curvature_of_a_quadratic_landscape():
    """f = C s: stiffness C, first half-width 1.5 / sqrt(2 C + 1), at most 1."""
    for C in (0.0, 5.0, 50.0):
        table = Dimer(K=1.0, C=C).landscape_groups()[0][0].table()
        assert engine.initial_step(table) == pytest.approx(min(1.0, 1.5 / np.sqrt(2 * C + 1)))


def test_level_tables_hold_each_levels_tempered_landscape():
    model = Chain(3, K=5.0, C=20.0)
    land = model.landscape_groups()[0][0]
    b = np.array([1.0, 0.6, 0.25])
    tables = engine.level_tables([land], b)
    assert tables.shape == (3, 1, land.table().size)
    np.testing.assert_array_equal(tables[0, 0], land.table())
    for k in (1, 2):
        np.testing.assert_array_equal(tables[k, 0], land.tempered(b[k]).table())
        s = np.linspace(0.0, 1.0, tables.shape[-1])
        np.testing.assert_allclose(tables[k, 0], b[k] * 20.0 * s, atol=1e-12)


class _OwnQuadratic(Quadratic):
    """f = C s under another name: a subclass may redefine the energy, so it is read from
    its table."""


def test_level_slopes_are_the_tempered_slopes_of_quadratic_landscapes_only():
    b = np.array([1.0, 0.6, 0.25])
    slopes = level_slopes([Quadratic(20.0), Saturating(C=20.0), _OwnQuadratic(20.0)], b)
    assert slopes.shape == (3, 3) and not slopes.flags.writeable
    np.testing.assert_array_equal(slopes[:, 0], [Quadratic(20.0).tempered(x).C for x in b])
    np.testing.assert_allclose(slopes[:, 0], b * 20.0, rtol=1e-15)
    assert np.all(slopes[:, 1] == NOT_QUADRATIC)
    # the subclass is read from its table at b = 1; Quadratic.tempered makes it a Quadratic,
    # whose table engine.level_tables then reads too
    np.testing.assert_array_equal(slopes[:, 2], [NOT_QUADRATIC, 12.0, 5.0])
    # the engine's target carries them, beside the tables they stand for
    target = engine._Setup(Dimer(K=1.0, C=7.0), parse_moves(["displace"])).target(b)
    np.testing.assert_allclose(target.slopes[:, 0], 7.0 * b, rtol=1e-15)
    s = np.linspace(0.0, 1.0, target.tables.shape[-1])
    np.testing.assert_allclose(target.tables[:, 0], target.slopes[:, :1] * s, atol=1e-12)


def test_box_phases_are_cos_and_sin_of_the_smallest_wave_vector():
    assert engine.box_phases(Chain(3, K=1.0, C=5.0)).shape == (0, 1, 2)
    pos, box = geometry.periodic_lattice("sc", 2)
    model = Assembly(pos, K=1.0, C=5.0, box=box)
    ph = engine.box_phases(model)
    assert ph.shape == (3, model.n, 2)
    for a in range(3):
        arg = 2.0 * np.pi * model.positions[:, a] / box[a]
        np.testing.assert_allclose(ph[a, :, 0], np.cos(arg), atol=1e-15)
        np.testing.assert_allclose(ph[a, :, 1], np.sin(arg), atol=1e-15)


def test_ordered_chains_start_along_z_and_leave_the_others_streams_alone():
    model = Chain(4, K=5.0, C=20.0)
    cycle = parse_moves(["displace"])
    states = []
    for ordered in (None, engine.start_mask("both", 4)):
        setup = engine._Setup(model, cycle, ordered=ordered)
        target = setup.target(np.array([1.0]))
        states.append(setup.state(target, 4, seed_states(9, 8)))
    hot, both = states
    np.testing.assert_array_equal(both.mu[:2], hot.mu[:2])
    np.testing.assert_array_equal(both.rng, hot.rng)
    assert np.all(both.mu[2:] == (0.0, 0.0, 1.0))
    assert np.all(np.sum(hot.mu**2, axis=-1) <= 1.0)
    np.testing.assert_allclose(both.fsum[2:], 20.0 * model.n)  # f = C |mu|^2 at |mu| = 1


def test_a_run_counts_every_proposal_and_records_every_production_sweep():
    model = Chain(3, K=10.0, C=40.0)
    sweeps, burn, chains = 600, 100, 2
    moves = [("displace", 2), "heatbath", "flip"]
    res = sample(model, "tempering", ladder=[1.0, 0.5], adapt=False, sweeps=sweeps, burn=burn,
                 chains=chains, seed=4, n_batches=6, thin=7, moves=moves)  # fmt: skip
    rec = res.records
    assert np.all(rec["counts"] == sweeps // 6)
    assert rec["draws"].shape == (chains, -(-sweeps // 7), model.n, 3)
    assert set(res.stats["move_acceptance"]) == {"displace", "heatbath", "flip"}
    for name, acc in res.stats["move_acceptance"].items():
        assert 0.0 < acc <= 1.0, name
    assert res.stats["move_acceptance"]["heatbath"] > 0.9  # exact conditional draws
    assert res.settings["moves"] == [("displace", 2), ("heatbath", 1), ("flip", 1)]
    assert res.extra["final_mu"].shape == (chains, 2, model.n, 3)
    assert MOVES[parse_moves(moves)[0]] == "displace"
    assert 0.0 <= res.stats["max_energy_drift"] < 1e-9


def test_a_collective_cycle_reports_its_acceptance_beside_the_other_moves():
    """One collective proposal per sweep of the move, on every level; its acceptance is in
    move_acceptance, the single-moment `acceptance` is the heat bath's alone."""
    model = Chain(6, K=5.0, C=50.0)
    res = sample(model, "tempering", ladder=[1.0, 0.5], adapt=False, sweeps=4_000, burn=400,
                 chains=2, seed=2, moves=["heatbath", ("collective", 3)])  # fmt: skip
    acc = res.stats["move_acceptance"]
    assert set(acc) == {"heatbath", "collective"}
    assert 0.2 < acc["collective"] < 0.7  # adapted toward kernels.STEP_TARGET = 0.4
    assert res.stats["acceptance"] == acc["heatbath"]
    assert res.settings["moves"] == [("heatbath", 1), ("collective", 3)]
    assert 0.0 <= res.stats["max_energy_drift"] < 1e-9
    # the adapted step per chain and level is reported as the displacement step is
    step = res.stats["collective_step"]
    assert step.shape == (2, 2) and np.all((step > 0) & np.isfinite(step))
    plain = sample(model, sweeps=100, burn=10, chains=1, moves=["heatbath", "overrelax"])
    assert plain.stats["collective_step"] is None


@pytest.mark.parametrize("moves", [None, ["heatbath", "overrelax", ("collective", 4)]])
def test_same_seed_same_bits_for_one_and_two_threads_and_any_chunking(moves, monkeypatch):
    model = Chain(3, K=15.0, C=50.0)
    opts = dict(ladder=[1.0, 0.7], adapt=False, sweeps=800, burn=200, chains=3, seed=11)
    if moves is not None:
        opts["moves"] = moves
    before = numba.get_num_threads()
    runs = []
    try:
        for threads, seconds in ((1, 100.0), (2, 1e-5)):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            monkeypatch.setattr(driver, "CHUNK_SECONDS", seconds)
            runs.append(sample(model, "tempering", **opts))
    finally:
        numba.set_num_threads(before)
    a, b = runs
    for key in a.records:
        assert np.array_equal(a.records[key], b.records[key], equal_nan=True), key
    np.testing.assert_array_equal(a.extra["final_mu"], b.extra["final_mu"])
    assert a.stats.deterministic().keys() == b.stats.deterministic().keys()


@pytest.mark.parametrize(
    "model, moves, method, pairs, want",
    [
        (Dimer(K=40.0, C=50.0), ["displace"], "metropolis", False, 4),
        (Dimer(K=40.0, C=50.0), [("displace", 19), "jump"], "metropolis", False, 4),
        (Chain(8, K=5.0, C=50.0), ["displace", "overrelax"], "metropolis", False, 2),
        (Chain(17, K=5.0, C=50.0), ["displace"], "metropolis", False, 1),
        (Dimer(K=40.0, C=50.0), ["jump"], "metropolis", False, 1),
        (Dimer(K=40.0, C=50.0), ["displace", "jump", "jump"], "metropolis", False, 1),
        (Dimer(K=40.0, C=50.0), ["displace", "heatbath"], "metropolis", False, 1),
        (Dimer(K=40.0, C=50.0), None, "metropolis", False, 1),
        (Dimer(K=40.0, C=50.0), ["displace"], "tempering", False, 1),
        (Dimer(K=40.0, C=50.0), ["displace"], "metropolis", True, 1),
    ],
)
def test_record_every_auto_thins_only_cheap_random_walks_of_one_replica(
    model, moves, method, pairs, want
):
    opts = {"replicas": 2} if method == "tempering" else {}
    res = sample(model, method, sweeps=640, burn=20, chains=2, seed=1, moves=moves,
                 pairs=pairs, n_batches=4, **opts)  # fmt: skip
    assert res.settings["record_every"] == want
    assert np.all(res.records["counts"][:, 0] == -(-160 // want))


def test_record_every_auto_never_exceeds_the_batch_length():
    res = sample(Dimer(K=1.0, C=5.0), sweeps=10, burn=0, chains=1, moves=["displace"], n_batches=5)
    assert res.settings["record_every"] == 2
    assert np.all(res.records["counts"] == 1)


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "every", None, 101])
def test_bad_record_every_is_refused_naming_it(value):
    with pytest.raises(ValueError, match="record_every"):
        sample(Dimer(K=1.0, C=5.0), sweeps=1000, n_batches=10, record_every=value)


def test_emcee_refuses_record_every_but_takes_auto_and_one():
    with pytest.raises(ValueError, match="record_every=2 needs method"):
        sample(Dimer(K=1.0, C=5.0), "emcee", sweeps=100, chains=12, record_every=2)
    sample(Dimer(K=1.0, C=5.0), "emcee", sweeps=20, burn=0, chains=12, record_every=1)


def test_recording_changes_no_trajectory():
    """record_every only chooses which sweeps are summed: the draws, the final state, the
    acceptance and step sizes are the same bits for any value."""
    model = Chain(3, K=10.0, C=30.0)
    opts = dict(sweeps=3_000, burn=300, chains=2, seed=5, thin=7, moves=["displace"])
    a, b = (sample(model, record_every=k, **opts) for k in (1, 5))
    for key in ("draws", "draw_energy", "draw_stats", "draw_slot"):
        assert np.array_equal(a.records[key], b.records[key]), key
    np.testing.assert_array_equal(a.extra["final_mu"], b.extra["final_mu"])
    assert a.stats["acceptance"] == b.stats["acceptance"]
    np.testing.assert_array_equal(a.stats["step_size"], b.stats["step_size"])
    assert a.records["counts"].sum() == 5 * b.records["counts"].sum()
    assert a.stats["production_sweeps"] == b.stats["production_sweeps"] == 2 * 3_000
    # the result counts the sweeps run, not the recorded ones: every draw is kept
    assert a.production_sweeps == b.production_sweeps == 2 * 3_000
    assert b.settings["record_every"] == 5 and b.settings.record_every == 5
    n_draws = -(-3_000 // 7)
    assert a.idata.posterior.sizes["draw"] == b.idata.posterior.sizes["draw"] == n_draws


def test_level_draws_keep_every_draw_when_record_every_thins_the_batches():
    """MBAR's per-level draws are kept every `thin` sweeps of all of them, whatever
    record_every: level_draws() must not cut them at the recorded count."""
    model = Chain(3, K=10.0, C=30.0)
    opts = dict(sweeps=400, burn=100, chains=2, seed=2, thin=4, ladder=[1.0, 0.7, 0.5])
    a, b = (sample(model, "tempering", record_every=k, **opts) for k in (1, 4))
    da, db = a.level_draws(), b.level_draws()
    assert da.W.shape == db.W.shape and da.W.shape[2] == 100
    np.testing.assert_array_equal(da.W, db.W)
