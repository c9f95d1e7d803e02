"""arviz views of a run (mcdimer/sampling/diagnostics.py): the DataTree's shapes and names,
the summary table against the result's own numbers, and the convergence warning."""

import numpy as np
import pytest

from mcdimer import Chain, Dimer
from mcdimer.sampling import sample
from mcdimer.sampling.diagnostics import (
    BATCH_R1_LIMIT,
    ESS_LIMIT,
    RHAT_LIMIT,
    SUMMARY_VARS,
    batch_lag1,
)


@pytest.fixture(scope="module")
def run():
    return sample(Dimer(K=40.0, C=50.0), sweeps=20_000, burn=1_000, chains=3, seed=2, thin=20)


def test_datatree_holds_the_thinned_draws(run):
    dt = run.idata
    post = dt.posterior
    assert post["mu"].shape == (3, 1000, 2, 3)
    assert list(post["mu"].coords["component"].values) == ["x", "y", "z"]
    assert np.allclose(post["mz"], post["mu"].sel(component="z").mean("particle"))
    assert np.allclose(post["mu1z2"], post["mu"].sel(component="z", particle=1) ** 2)
    # the draws' energies are the model's own reduced energies
    mu = post["mu"].values
    assert np.allclose(post["energy"].values, run.model.energy(mu), atol=1e-10)
    assert np.allclose(dt.sample_stats["lp"], -post["energy"])
    assert dt.posterior.attrs["method"] == "metropolis"


def test_summary_uses_the_batch_means_and_arviz(run):
    table = run.summary(warn=False)
    assert list(table.index) == list(SUMMARY_VARS)
    mean, se = run.expect(), run.mcse()
    for var in SUMMARY_VARS:
        assert table.loc[var, "mean"] == mean[var] and table.loc[var, "mcse"] == se[var]
    assert (table["r_hat"] < RHAT_LIMIT).all() and (table["ess_bulk"] > ESS_LIMIT).all()


def test_summary_warns_when_chains_disagree():
    """K/C = 2 at C = 5 with the displacement cycle: chains stay in their ordered state,
    so mu_1^z differs between chains and R-hat is far above the limit."""
    stuck = sample(Dimer(K=30.0, C=15.0), sweeps=2_000, burn=200, chains=4, seed=1,
                   moves=["displace"])  # fmt: skip
    with pytest.warns(RuntimeWarning) as caught:  # its batches may be flagged too
        stuck.summary()
    assert any("poorly converged" in str(w.message) for w in caught)


def test_well_mixed_batches_are_uncorrelated(run):
    """The dimer below threshold with the default moves decorrelates in a few sweeps: with
    32 batches of 625 sweeps per chain the batch means are independent, r ~ N(-1/32, 1/96):
    the largest r of the five observables over seeds 1-20 was 0.13, against the limit 0.3 at
    which summary() warns."""
    table = run.summary(warn=False)
    assert (table["batch_r1"] < BATCH_R1_LIMIT).all(), table["batch_r1"]


def test_summary_warns_when_batches_are_shorter_than_the_correlation_time():
    """Displacement moves on an ordered chain of 8 (K/C = 0.8) relax m^z over thousands of
    sweeps; 400 batches of 5 sweeps per chain are then strongly correlated (r near 1), and
    summary() says the MCSE is too small and what to change."""
    slow = sample(Chain(8, K=40.0, C=50.0), sweeps=2_000, burn=200, chains=2, seed=3,
                  moves=["displace"], n_batches=400)  # fmt: skip
    assert batch_lag1(slow, "mz") > 0.8
    with pytest.warns(RuntimeWarning) as caught:  # its R-hat and ESS are flagged too
        slow.summary()
    assert any("n_batches = 8" in str(w.message) for w in caught)
