"""Parallel tempering and the emcee backend against the exact dimer (Eq. (B8)).

Tolerances as in test_sampling_metropolis: 4 batch-means standard errors (32 batches per
chain); P(mu_1^z > 0) is the 2-bin histogram, with its own batch-means error.
"""

import numba
import numpy as np
import pytest
from test_sampling_metropolis import EXACT_KEYS, assert_matches_exact, histogram_p_value

from mcdimer import Chain, Dimer, exact
from mcdimer.sampling import sample
from mcdimer.sampling.ladder import equalise, geometric


@pytest.mark.parametrize("hz", [0.0, 0.5])
def test_tempering_reproduces_bimodal_dimer_without_global_flip(hz):
    model = Dimer(K=60.0, C=50.0, h=(0, 0, hz))
    result = sample(
        model,
        "tempering",
        sweeps=200_000,
        burn=10_000,
        chains=4,
        seed=3,
        replicas=8,
        b_min=0.2,
        flip=False,
    )
    assert_matches_exact(result, model, keys=EXACT_KEYS)
    # weight of the two ordered states: P(mu_1^z > 0)
    dens, se = result.pdf_mu1z(2)
    want = exact.pdf_mu1z(model, 2)
    assert abs(dens[1] - want[1]) < 4 * se[1], (dens[1], want[1], se[1])
    if hz == 0.0:
        assert want[1] == pytest.approx(0.5, abs=1e-12)  # bins of width 1: density = P(>0)
    else:
        assert want[1] > 0.75  # the field clearly favours +z: the peaks are unequal
    assert histogram_p_value(result, model) > 1e-3
    assert result.stats["tunnelling_events"].sum() > 1000
    assert result.stats["round_trips"].sum() > 100
    assert result.stats["flip_acceptance"] is None


def test_plain_metropolis_does_not_tunnel_at_the_same_budget():
    """Same number of single-moment proposals as the tempering run above (R = 8)."""
    model = Dimer(K=60.0, C=50.0)
    metro = sample(model, sweeps=8 * 200_000, burn=10_000, chains=4, seed=3)
    pt = sample(model, "tempering", sweeps=200_000, burn=10_000, chains=4, seed=3, replicas=8)
    assert metro.stats["tunnelling_events"].sum() == 0
    assert pt.stats["tunnelling_events"].sum() > 1000
    # stuck chains: each chain sits in one state, so <mu_1^z> per chain is +-0.94
    per_chain = metro.acc["scalars"][..., 0].sum(axis=1) / metro.acc["counts"].sum(axis=1)
    assert np.all(np.abs(per_chain) > 0.9)


def test_global_flip_option_is_used_when_on():
    model = Dimer(K=60.0, C=50.0)
    result = sample(
        model, "tempering", sweeps=20_000, burn=2_000, chains=2, seed=1, replicas=4, flip=True
    )
    assert result.stats["flip_acceptance"][0] == pytest.approx(1.0)  # h = 0: always accepted
    assert_matches_exact(result, model, keys=("mu1z2", "abs_mu1z", "energy"))


def test_adapted_ladder_is_frozen_after_burn_in():
    model = Chain(4, K=40.0, C=30.0)
    short = sample(model, "tempering", sweeps=2_000, burn=4_000, chains=2, seed=8, replicas=6)
    long = sample(model, "tempering", sweeps=20_000, burn=4_000, chains=2, seed=8, replicas=6)
    # same burn-in, same seed: identical adaptation; production length changes nothing
    assert np.array_equal(short.stats["ladder"], long.stats["ladder"])
    assert np.array_equal(long.stats["ladder"], long.stats["ladder_history"][-1])
    assert len(long.stats["ladder_history"]) == 6  # initial + 5 adaptations, all in burn-in
    b = long.stats["ladder"]
    assert b[0] == 1.0 and b[-1] == pytest.approx(0.2) and np.all(np.diff(b) < 0)
    fixed = sample(
        model, "tempering", sweeps=2_000, burn=4_000, chains=2, seed=8, replicas=6, adapt=False
    )
    assert np.allclose(fixed.stats["ladder"], geometric(6, 0.2))


def test_equalise_makes_rejection_uniform_for_a_known_barrier():
    """If rejection between b and b' is proportional to |log b - log b'|^... no: take a
    rejection density rho(log b) and check the new ladder has equal integrals of rho."""
    b = geometric(9, 0.01)
    logb = np.log(b)
    rho = lambda x: 1.0 + 3.0 * (x < -2.5)  # noqa: E731  barrier concentrated at low b
    # rejection of each pair = integral of rho over the pair's interval (exact for a step)
    fine = np.linspace(logb[-1], 0, 200001)

    def rejections(lb):
        return np.array(
            [
                np.trapezoid(
                    rho(fine[(fine >= lo) & (fine <= hi)]), fine[(fine >= lo) & (fine <= hi)]
                )
                for hi, lo in zip(lb[:-1], lb[1:], strict=True)
            ]
        )

    new = b
    for _ in range(6):
        new = equalise(new, rejections(np.log(new)) / 20)
    r = rejections(np.log(new))
    assert r.std() / r.mean() < 0.02


def test_tempering_reproducible_whatever_the_thread_count():
    model = Chain(3, K=40.0, C=30.0, h=(0, 0, 0.3))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = sample(model, "tempering", sweeps=3_000, burn=1_000, chains=3, seed=5, replicas=4)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        b = sample(model, "tempering", sweeps=3_000, burn=1_000, chains=3, seed=5, replicas=4)
    finally:
        numba.set_num_threads(before)
    for key in a.acc:
        assert np.array_equal(a.acc[key], b.acc[key]), key
    assert np.array_equal(a.stats["ladder"], b.stats["ladder"])


def test_tempering_records_every_level():
    model = Dimer(K=60.0, C=50.0)
    r = sample(model, "tempering", sweeps=5_000, burn=1_000, chains=2, seed=2, replicas=4)
    assert r.ladder[0] == 1.0 and r.ladder.shape == (4,) and np.all(np.diff(r.ladder) < 0)
    levels = [r.level(k) for k in range(4)]
    assert all(lv.production_sweeps == 2 * 5_000 for lv in levels)
    assert levels[2].model == model.tempered(float(r.ladder[2]))
    # hotter replicas are less ordered
    order = [lv.expect()["mu1z2"] for lv in levels]
    assert np.all(np.diff(order) < 0), order
    assert r.idata.sample_stats["replica"].shape == (2, r.idata.posterior.sizes["draw"])
    assert levels[3].idata.posterior["mz"].shape == (2, r.idata.posterior.sizes["draw"])
    with pytest.raises(ValueError, match="k must be a level index in \\[0, 3\\]"):
        r.level(4)


def test_emcee_backend_reproduces_exact_dimer_below_threshold():
    model = Dimer(K=40.0, C=50.0)
    result = sample(model, "emcee", sweeps=20_000, burn=2_000, chains=32, seed=4)
    assert_matches_exact(result, model)
    assert 0.2 < result.stats["acceptance"] < 0.9


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"method": "tempering", "ladder": [1.0, 0.5, 0.7]}, "strictly decreasing"),
        ({"method": "tempering", "ladder": [0.9, 0.5]}, "start at b = 1"),
        ({"method": "tempering", "ladder": [1.0, 0.0]}, r"\(0, 1\]"),
        ({"method": "tempering", "ladder": [1.0]}, "R >= 2"),
        ({"method": "tempering", "replicas": 1}, "replicas"),
        ({"method": "tempering", "b_min": 1.0}, "b_min"),
        ({"method": "tempering", "b_min": 0.0}, "b_min"),
        ({"method": "tempering", "flip": "yes"}, "flip"),
        ({"method": "emcee", "chains": 8}, "twice the dimension"),
        ({"method": "metropolis", "replicas": 4}, "replicas"),
    ],
)
def test_bad_tempering_and_emcee_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sample(Dimer(K=1.0, C=1.0), sweeps=10, **kwargs)
