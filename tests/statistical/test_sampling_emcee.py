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


def test_order_columns_are_the_averages_of_its_draws(run):
    """ms2, ms4 and nematic are filled from the same draws (weighted_values): for equal
    sizes m_s = m, and nematic is the mean largest eigenvalue of S/tr S - I/3."""
    got = run.expect()
    mu = run.acc["draws"]  # (walkers, steps, n, 3): thin = 1, every step
    m = mu.mean(axis=2)
    m2 = (m**2).sum(axis=-1)
    assert got["ms2"] == pytest.approx(got["m2"], rel=1e-12)
    assert got["ms2"] == pytest.approx(m2.mean(), rel=1e-10)
    assert got["ms4"] == pytest.approx((m2**2).mean(), rel=1e-10)
    S = np.einsum("wsia,wsib->wsab", mu, mu)
    tr = np.trace(S, axis1=-2, axis2=-1)
    lam = np.linalg.eigvalsh(S / tr[..., None, None] - np.eye(3) / 3)[..., -1]
    assert got["nematic"] == pytest.approx(lam.mean(), rel=1e-9)


def test_order_observables_agree_with_the_compiled_engine(run):
    # pairs: the engine measures the nematic eigenvalue of a chain only then
    ref = sample(run.model, "metropolis", sweeps=20_000, burn=2_000, chains=4, seed=3, pairs=True)
    got, se = run.expect(), run.mcse()
    want, want_se = ref.expect(), ref.mcse()
    for key in ("m2", "ms2", "ms4", "nematic"):
        assert np.isfinite(got[key]), key
        assert abs(got[key] - want[key]) < 4 * np.hypot(se[key], want_se[key]), key
