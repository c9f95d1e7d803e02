"""The move cycle: each move alone (where ergodic) and the default cycle against the exact
dimer (Eq. (B8)), over-relaxation's invariance, determinism, and the `moves` argument.

Tolerances as in test_sampling_metropolis: 4 batch-means standard errors per moment
(batches of >= 2500 sweeps, far longer than the autocorrelation times here, a few sweeps for
heat-bath and displacement, tens for the jump move alone), and a chi-square of P(mu_1^z)
over the populated bins against the 99.9% quantile.
"""

import numba
import numpy as np
import pytest
from test_sampling_metropolis import EXACT_KEYS, assert_matches_exact, histogram_p_value

import mcdimer
from mcdimer import Assembly, Chain, Dimer, micro
from mcdimer.sampling import DEFAULT_MOVES, driver, sample
from mcdimer.sampling.couplings import couplings_of, full_field
from mcdimer.sampling.engine import heatbath_tables, level_tables
from mcdimer.sampling.kernels import Target
from mcdimer.sampling.moves import OVERRELAX, local_sweep, parse_moves
from mcdimer.sampling.rng import seed_states

KFA = micro.bessel_zero(1, 36)


def microscopic_dimer():
    """Above its ordering temperature the microscopic dimer is unimodal: every move alone
    mixes it."""
    land = micro.Microscopic(KFA, 2.0 * micro.crossing_temperature(KFA))
    return Dimer(land.K, landscape=land)


MODELS = {
    "quadratic": lambda: Dimer(K=8.0, C=10.0),
    "quadratic-field": lambda: Dimer(K=8.0, C=10.0, h=(1.0, 0.0, 2.0)),
    "saturating-field": lambda: Dimer(K=8.0, landscape=mcdimer.Saturating(10.0), h=(0, 0, 1.5)),
    "microscopic": microscopic_dimer,
}
MOVE_SETS = {
    "displace": ["displace"],
    "jump": ["jump"],
    "heatbath": ["heatbath"],
    "default": list(DEFAULT_MOVES),
}


@pytest.mark.slow
@pytest.mark.parametrize("model_name", list(MODELS))
@pytest.mark.parametrize("moves_name", list(MOVE_SETS))
def test_each_move_samples_the_exact_dimer(model_name, moves_name):
    model = MODELS[model_name]()
    sweeps = 400_000 if moves_name == "jump" else 100_000
    result = sample(
        model, sweeps=sweeps, burn=5_000, chains=4, seed=13, moves=MOVE_SETS[moves_name]
    )
    assert_matches_exact(result, model, keys=EXACT_KEYS)
    assert histogram_p_value(result, model) > 1e-3


def test_heatbath_is_nearly_always_accepted_and_default_cycle_is_exact_on_a_quick_run():
    model = Dimer(K=40.0, C=50.0)
    result = sample(model, sweeps=50_000, burn=2_000, chains=4, seed=3)
    assert_matches_exact(result, model, keys=("mu1z2", "mu1x2", "abs_mu1", "energy"))
    if "heatbath" in result.stats["move_acceptance"]:
        assert result.stats["move_acceptance"]["heatbath"] > 0.95


@pytest.mark.parametrize("model_name", ["quadratic-field", "saturating-field"])
def test_displacement_recorded_every_fourth_sweep_samples_the_exact_dimer(model_name):
    """record_every="auto" sums one displacement sweep in four (`engine.default_record_every`):
    the batch means over the recorded sweeps still match Eq. (B8) within 4 standard errors."""
    model = MODELS[model_name]()
    result = sample(model, sweeps=200_000, burn=5_000, chains=4, seed=17, moves=["displace"])
    assert result.settings["record_every"] == 4
    assert result.records["counts"].sum() == 4 * 200_000 // 4
    assert_matches_exact(result, model, keys=EXACT_KEYS)
    assert histogram_p_value(result, model) > 1e-3


@pytest.mark.slow
def test_tempering_with_heatbath_replicas_matches_the_bimodal_dimer():
    model = Dimer(K=60.0, C=50.0, h=(0, 0, 0.5))
    result = sample(
        model, "tempering", sweeps=100_000, burn=5_000, chains=4, seed=5, moves=["heatbath"]
    )
    assert_matches_exact(result, model, keys=EXACT_KEYS)
    dens, se = result.pdf_mu1z(2)
    want = mcdimer.exact.pdf_mu1z(model, 2)
    assert abs(dens[1] - want[1]) < 4 * se[1]


COLLECTIVE_CASES = {
    "quadratic-field": ("metropolis", ["displace", ("collective", 4)]),
    "saturating-field": ("metropolis", ["heatbath", "overrelax", ("collective", 4)]),
    "near-threshold": ("metropolis", ["heatbath", "overrelax", ("collective", 8)]),
    "bimodal": ("tempering", ["displace", ("collective", 2)]),
}
COLLECTIVE_MODELS = {
    "quadratic-field": MODELS["quadratic-field"],
    "saturating-field": MODELS["saturating-field"],
    "near-threshold": lambda: Dimer(K=40.0, C=50.0),  # stiffness along v: 2C - 2K = 20
    "bimodal": lambda: Dimer(K=60.0, C=50.0, h=(0, 0, 0.5)),
}


@pytest.mark.parametrize("case", list(COLLECTIVE_CASES))
def test_collective_move_in_the_cycle_samples_the_exact_dimer(case):
    """The engine with the collective move (`collective.py`) in its cycle, one replica or a
    3-level ladder, against Eq. (B8): 4 standard errors per moment and the chi-square of
    P(mu_1^z) as above. Margins measured over seeds 1-6 of each case (100 000 sweeps): the
    largest |z| of the 8 moments per run was 0.7-3.5 (median 1.6), the histogram p-value
    >= 0.03; over 12 seeds of 400 000 sweeps of the saturating case the z's have rms 0.98
    and per-moment means within 0.3 of 0 (no bias). At seed 13: largest |z| 0.9-1.8,
    p-values 0.37-0.96, collective acceptance 0.35-0.42."""
    method, moves = COLLECTIVE_CASES[case]
    model = COLLECTIVE_MODELS[case]()
    opts = dict(replicas=3) if method == "tempering" else {}
    result = sample(
        model, method, sweeps=100_000, burn=5_000, chains=4, seed=13, moves=moves, **opts
    )
    assert_matches_exact(result, model, keys=EXACT_KEYS)
    assert histogram_p_value(result, model) > 1e-3
    assert 0.2 < result.stats["move_acceptance"]["collective"] < 0.7


def random_ball(rng, n):
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True) * rng.uniform(size=(n, 1)) ** (1 / 3)


@pytest.mark.parametrize(
    "model",
    [
        Chain(8, K=30.0, C=20.0, h=(0.3, 0.0, 1.0)),
        Assembly(
            np.array([[0, 0, 0], [1.1, 0, 0], [0, 1.3, 0.2], [0.7, 0.6, 1.0]]),
            K=5.0,
            h=(0.5, -1.0, 2.0),
            landscape=[mcdimer.Saturating(4.0)] * 2 + [mcdimer.Quadratic(6.0)] * 2,
            scale=[1.0, 0.8, 1.3, 0.9],
        ),
    ],
)
def test_overrelaxation_keeps_the_energy_to_round_off(model):
    rng = np.random.default_rng(0)
    cpl = couplings_of(model)
    species, index = model.landscape_groups()
    tables = level_tables(species, np.ones(1))
    hb = heatbath_tables(tables, np.ones(1), 0.0, False)
    target = Target(np.ones(1), tables, np.asarray(index), hb, cpl)
    state = seed_states(1, 1)[0]
    for _ in range(20):
        mu = random_ball(rng, model.n)[None].copy()
        fld = np.zeros_like(mu)
        full_field(cpl, mu, 0, fld)
        r = np.linalg.norm(mu[0], axis=1)
        grid = np.linspace(0, 1, tables.shape[2])
        fcur = np.array([[np.interp(r[i] ** 2, grid, tables[0, index[i]]) for i in range(model.n)]])
        before = model.energy(mu[0])
        old = mu.copy()
        df, dw, acc, *_ = local_sweep(OVERRELAX, mu, fld, fcur, 0, 0, 1.0, target, 0.1, *state)
        after = model.energy(mu[0])
        assert acc == model.n
        assert not np.allclose(mu, old)  # it moved
        assert abs(after - before) < 1e-11 * (1 + abs(before))
        assert abs(df) < 1e-11 and abs(dw) < 1e-11
        assert np.allclose(np.linalg.norm(mu[0], axis=1), r, atol=1e-14)


@pytest.mark.parametrize(
    "moves, word",
    [
        (["overrelax"], "no ergodic move"),
        (["overrelax", "flip"], "no ergodic move"),
        ([("collective", 8), "overrelax"], "no ergodic move"),
        ([], "must not be empty"),
        (["gibbs"], "unknown move 'gibbs'"),
        ([("heatbath", 0)], "must be an integer in [1, 10000]"),
        ([("heatbath", 1.5)], "must be an integer in [1, 10000]"),
        ([("heatbath", True)], "must be an integer in [1, 10000]"),
        ("heatbath", "sequence"),
        ([("heatbath", 2, 3)], "bad entry"),
    ],
)
def test_bad_move_cycles_are_refused(moves, word):
    with pytest.raises(ValueError, match="moves") as info:
        sample(Dimer(K=1.0, C=1.0), sweeps=10, moves=moves)
    assert word in str(info.value)
    assert "displace" in str(info.value) or "allowed" in str(info.value)


def test_moves_and_jump_every_together_are_refused_and_emcee_refuses_both():
    with pytest.raises(ValueError, match="moves or jump_every"):
        sample(Dimer(K=1.0, C=1.0), sweeps=10, moves=["jump"], jump_every=5)
    for option in ({"moves": ["jump"]}, {"jump_every": 5}):
        with pytest.raises(ValueError, match="not used by method 'emcee'"):
            sample(Dimer(K=1.0, C=1.0), "emcee", sweeps=10, chains=32, **option)


def test_jump_every_is_the_displace_jump_cycle():
    a = sample(Dimer(K=4.0, C=5.0), sweeps=2_000, burn=100, chains=2, seed=1, jump_every=20)
    b = sample(
        Dimer(K=4.0, C=5.0),
        sweeps=2_000,
        burn=100,
        chains=2,
        seed=1,
        moves=[("displace", 19), "jump"],
    )
    assert np.array_equal(a.acc["scalars"], b.acc["scalars"])
    assert parse_moves([("displace", 2), "jump"]).tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    "moves",
    [
        ["displace"],
        ["jump"],
        ["heatbath"],
        ["heatbath", "overrelax"],
        ["displace", "flip"],
        ["displace", ("collective", 3)],
    ],
)
@pytest.mark.parametrize("method", ["metropolis", "tempering"])
def test_same_seed_same_bits_for_threads_and_chunk_lengths(moves, method, monkeypatch):
    """The trajectory depends on the seed alone: not on the thread count, nor on where the
    driver cuts the run into chunks (chunk lengths follow wall-clock time)."""
    model = Chain(4, K=3.0, C=5.0, h=(0.2, 0, 0.5))
    opts = dict(sweeps=3_000, burn=500, chains=3, seed=42, moves=moves)
    if method == "tempering":
        opts["replicas"] = 3
    before = numba.get_num_threads()
    runs = []
    try:
        for threads, seconds in ((1, 100.0), (2, 1e-5), (1, 1e-4)):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            monkeypatch.setattr(driver, "CHUNK_SECONDS", seconds)
            runs.append(sample(model, method, **opts))
    finally:
        numba.set_num_threads(before)
    first = runs[0]
    for other in runs[1:]:
        for key in first.records:
            assert np.array_equal(first.records[key], other.records[key]), key
        assert np.array_equal(first.extra["final_mu"], other.extra["final_mu"])
