"""Sampler configurations (mcdimer.sampling.config): built once, validated when built, the
same run as the keyword form, and one set of limits shared with the spec's [method]."""

import dataclasses

import numpy as np
import pytest

import mcdimer
from mcdimer import Chain, Emcee, Metropolis, Tempering, runs, sample
from mcdimer.sampling import config
from mcdimer.sampling.config import RunSize
from mcdimer.sampling.memory import estimate_sample_bytes

SPEC = 'kind = "sample"\nseed = 1\n[model]\nn = 2\nC = 5.0\nK = 1.0\n[method]\n'


@pytest.mark.parametrize(
    "build,name",
    [
        (lambda: Metropolis(moves={"heatbath": 5}), "moves"),  # the 5 would be ignored
        (lambda: Metropolis(moves={"heatbath", "overrelax"}), "moves"),  # hash order
        (lambda: Metropolis(moves="heatbath"), "moves"),
        (lambda: Metropolis(moves=[("heatbath", 0)]), "moves"),
        (lambda: Metropolis(moves=["overrelax"]), "moves"),  # no ergodic move
        (lambda: Metropolis(jump_every=10**6), "jump_every"),
        (lambda: Metropolis(jump_every=True), "jump_every"),
        (lambda: Metropolis(moves=["jump"], jump_every=5), "moves or jump_every"),
        (lambda: Tempering(ladder=[[1.0, 0.5]]), "1-D"),
        (lambda: Tempering(ladder="1, 0.5"), "ladder"),
        (lambda: Tempering(ladder=True), "ladder"),
        (lambda: Tempering(ladder=[True, False]), "ladder"),
        (lambda: Tempering(ladder=[1.0]), "at least 2 levels"),
        (lambda: Tempering(ladder=[1.0, 0.5, 0.7]), "decreasing"),
        (lambda: Tempering(ladder=[1.0, 0.5], replicas=3), "not both"),
        (lambda: Tempering(replicas=1), "replicas"),
        (lambda: Tempering(replicas=257), "replicas"),
        (lambda: Tempering(replicas="8"), "replicas"),
        (lambda: Tempering(b_min=1.0), "b_min"),
        (lambda: Tempering(b_min="0.2"), "b_min"),
        (lambda: Tempering(adapt="yes"), "adapt"),
        (lambda: Tempering(flip=1), "flip"),
        (lambda: RunSize(sweeps=0), "sweeps"),
        (lambda: RunSize(sweeps=config.MAX_SWEEPS + 1), "sweeps"),
        (lambda: RunSize(burn=-1), "burn"),
        (lambda: RunSize(chains=config.MAX_CHAINS + 1), "chains"),
        (lambda: RunSize(n_batches=config.MAX_N_BATCHES + 1), "n_batches"),
        (lambda: RunSize(sweeps=10, thin=11), "thin"),
        (lambda: RunSize(seed=-1), "seed"),
    ],
)
def test_bad_options_are_refused_when_the_configuration_is_built(build, name):
    with pytest.raises(ValueError, match=name):
        build()


def test_configurations_are_frozen_and_normalised():
    t = Tempering(replicas=4, moves=["heatbath", ["overrelax", 2]])
    assert t.moves == (("heatbath", 1), ("overrelax", 2))
    assert t == Tempering(replicas=4, moves=[("heatbath", 1), ("overrelax", 2)])
    assert hash(t) == hash(Tempering(replicas=4, moves=(("heatbath", 1), ("overrelax", 2))))
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.replicas = 8
    assert Tempering(ladder=[1, 0.5]).ladder == (1.0, 0.5)
    assert Metropolis().cycle().tolist() == [2, 3, 5, 5, 5, 5]  # heatbath, overrelax, 4 coll.
    assert Metropolis(jump_every=3).cycle().tolist() == [0, 0, 1]
    assert Tempering(flip=True).cycle().tolist() == [2, 3, 4]
    assert Tempering().default_ladder and Tempering().betas() is None
    b = Tempering(replicas=5, b_min=0.1).betas()
    assert b.size == 5 and b[0] == 1.0 and b[-1] == pytest.approx(0.1)


def test_an_object_runs_the_same_bits_as_its_keyword_form():
    model = Chain(3, K=3.0, C=5.0, h=(0.1, 0.0, 0.3))
    size = dict(sweeps=300, burn=100, chains=2, seed=11)
    a = sample(model, Tempering(replicas=4, moves=["heatbath", "overrelax"]), **size)
    b = sample(model, "tempering", replicas=4, moves=["heatbath", "overrelax"], **size)
    for key in a.acc:
        assert np.array_equal(a.acc[key], b.acc[key]), key
    assert np.array_equal(a.ladder, b.ladder)
    c = sample(model, Metropolis(jump_every=4), **size)
    d = sample(model, "metropolis", jump_every=4, **size)
    assert np.array_equal(c.acc["scalars"], d.acc["scalars"])


def test_options_beside_an_object_are_refused():
    with pytest.raises(ValueError, match=r"Tempering\(replicas=...\)"):
        sample(Chain(2, K=1.0, C=5.0), Tempering(), replicas=4, sweeps=10)
    with pytest.raises(ValueError, match="method must be one of"):
        sample(Chain(2, K=1.0, C=5.0), "Tempering", sweeps=10)
    with pytest.raises(ValueError, match="not used by method 'emcee'"):
        sample(Chain(2, K=1.0, C=5.0), "emcee", moves=["jump"], sweeps=10, chains=32)


def test_check_names_what_the_model_lacks():
    with pytest.raises(ValueError, match="K = 1e\\+13"):
        Metropolis().check(Chain(2, K=1e13, C=1.0))
    with pytest.raises(ValueError, match="model must be"):
        Tempering().check("chain")
    with pytest.raises(ValueError, match="walkers"):
        Emcee().check_run(Chain(2, K=1.0, C=5.0), RunSize(sweeps=10, chains=4))


def test_memory_estimate_follows_the_record_layout():
    """The estimate is `estimate_sample_bytes` with the configuration's levels; emcee adds
    its stored chain of (steps, walkers, 3n) doubles."""
    model = Chain(16, K=1.0, C=5.0)
    run = RunSize(sweeps=10_000, chains=4, thin=10, n_batches=64)
    est = estimate_sample_bytes(16, 4, 6, 10_000, 10, 64)
    assert Tempering(replicas=6).memory(model, run) == est
    assert Tempering(ladder=np.geomspace(1, 0.1, 6)).memory(model, run) == est
    assert Metropolis().memory(model, run) == estimate_sample_bytes(16, 4, 1, 10_000, 10, 64)
    assert Tempering().levels() == config.DEFAULT_REPLICAS
    assert Emcee().memory(model, run) == Metropolis().memory(model, run) + 8 * 10_000 * 4 * 48
    big = RunSize(sweeps=10**9, thin=1, chains=4096)
    with pytest.raises(ValueError, match="memory"):
        Metropolis().check_run(model, big)


def test_method_spec_builds_the_configuration_with_the_same_limits():
    spec = runs.parse(SPEC + 'name = "tempering"\nreplicas = 4\nmoves = ["heatbath"]\n')
    assert spec.method.sampler() == Tempering(replicas=4, moves=["heatbath"])
    assert spec.method.run_size(seed=3) == RunSize(20_000, 2_000, 4, 3, None, 32)
    assert runs.parse(SPEC + 'name = "emcee"\nchains = 32\n').method.sampler() == Emcee()
    fields = runs.spec.MethodSpec.model_fields
    for name, limit in (
        ("sweeps", config.MAX_SWEEPS),
        ("chains", config.MAX_CHAINS),
        ("n_batches", config.MAX_N_BATCHES),
        ("replicas", config.MAX_REPLICAS),
        ("jump_every", config.MAX_JUMP_EVERY),
    ):
        assert max(m.le for m in fields[name].metadata if hasattr(m, "le")) == limit, name
    with pytest.raises(runs.SpecError, match="method.jump_every"):
        runs.parse(SPEC + 'name = "metropolis"\njump_every = 20000\n')
    with pytest.raises(runs.SpecError, match="method: moves: the cycle is 10001 sweeps"):
        runs.parse(
            SPEC + 'name = "metropolis"\nsweeps = 100\nmoves = [["overrelax", 10000], "heatbath"]\n'
        )


def test_the_configurations_are_exported():
    assert mcdimer.Metropolis is Metropolis and mcdimer.Tempering is Tempering
    assert mcdimer.sampling.Emcee is Emcee


def test_tempering_check_names_a_hottest_level_the_landscape_does_not_have():
    """Microscopic(kfa, t) exists for t/b <= 0.1 only: b_min = 1e-7 at t = 1e-7 would be
    t/b = 1; refused by check(model), naming b_min, before any table is built."""
    from mcdimer.micro import Microscopic

    land = Microscopic(mcdimer.micro.bessel_zero(1, 36), 1e-7)
    model = Chain(2, K=land.K, landscape=land)
    with pytest.raises(ValueError, match="b_min: the hottest level b = 1e-07"):
        Tempering(b_min=1e-7).check(model)
    with pytest.raises(ValueError, match="ladder: the hottest level"):
        Tempering(ladder=[1.0, 1e-7]).check(model)
    Tempering(b_min=0.5).check(model)


def test_memory_estimate_counts_the_ewald_tensor_of_a_periodic_box():
    """A periodic box holds its Ewald tensor, six symmetric components of n x n doubles
    (`mcdimer.ewald`), once per model: 48 n^2 bytes on top of the records."""
    from mcdimer import Assembly
    from mcdimer.geometry import periodic_lattice

    positions, box = periodic_lattice("sc", 3)
    model = Assembly(positions, K=1.0, C=5.0, box=box)
    run = RunSize(sweeps=1000, chains=2)
    n = model.n
    open_ = Metropolis().memory(Assembly(positions, K=1.0, C=5.0), run)
    assert Metropolis().memory(model, run) == open_ + 48 * n * n


def test_default_cycles_per_method_are_written_once_and_reported():
    """Metropolis runs DEFAULT_MOVES (with collective proposals), tempering
    DEFAULT_TEMPERING_MOVES (without: config's comment gives the measurements); the cycle
    that ran is in RunStats.moves and settings["moves"], so a user sees which one it was."""
    from mcdimer.sampling.config import DEFAULT_MOVES, DEFAULT_TEMPERING_MOVES
    from mcdimer.sampling.moves import describe, parse_moves

    assert describe(Metropolis().cycle()) == describe(parse_moves(DEFAULT_MOVES))
    assert ("collective", 4) in describe(Metropolis().cycle())
    assert describe(Tempering().cycle()) == describe(parse_moves(DEFAULT_TEMPERING_MOVES))
    model = Chain(4, K=10.0, C=50.0)
    size = dict(sweeps=200, burn=60, chains=1, seed=0)
    run = sample(model, **size)
    assert run.stats.moves == describe(parse_moves(DEFAULT_MOVES))
    assert run.settings["moves"] == run.stats.moves
    assert run.stats.collective_step is not None
    hot = sample(model, "tempering", replicas=2, **size)
    assert hot.stats.moves == [("heatbath", 1), ("overrelax", 1)]
    assert hot.stats.collective_step is None
