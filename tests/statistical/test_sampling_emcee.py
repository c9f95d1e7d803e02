"""The emcee backend (mcdimer/sampling/emcee_backend.py): the same observables from emcee's
draws, recorded by the same code as the compiled engine, and its bookkeeping."""

import numpy as np
import pytest

from mcdimer import Dimer, exact
from mcdimer.sampling import sample


@pytest.fixture(scope="module")
def run():
    return sample(Dimer(K=20.0, C=50.0), "emcee", sweeps=4_000, burn=400, chains=16, seed=1, thin=1)


def test_records_every_walker_step_after_burn_in(run):
    assert run.production_sweeps == 4_000 * 16  # walkers pooled in one chain of batches
    assert run.acc["draws"].shape == (16, 4_000, 2, 3)
    dens, _ = run.pdf_mu1z(40)
    assert dens.sum() * 2 / 40 == pytest.approx(1.0)


def test_recorded_means_are_the_means_of_its_draws(run):
    """The accumulator sums equal the plain averages over emcee's stored chain."""
    z2 = run.acc["draws"][..., 0, 2] ** 2  # thin = 1: every step is a draw
    assert run.expect()["mu1z2"] == pytest.approx(z2.mean(), rel=1e-12)


def test_moments_near_the_exact_dimer(run):
    got, se, want = run.expect(), run.mcse(), exact.expect(run.model)
    for key in ("mu1z2", "mu1x2", "energy"):
        assert abs(got[key] - want[key]) < 5 * se[key], key
    assert 0.2 < run.stats["acceptance"] < 0.9
    assert np.isfinite(run.stats["log_prob_evaluations_per_second"])
    assert run.stats.log_prob_evaluations_per_second == pytest.approx(
        16 * run.stats.sweeps_per_second
    )
