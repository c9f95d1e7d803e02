"""The compiled Metropolis sampler against the exact dimer (Eq. (B8)) and a second sampler.

Tolerances: every comparison uses the sampler's own batch-means standard error (32
batches per chain, batches of >= 10^4 sweeps, far longer than the autocorrelation time
of a few sweeps at these parameters; the ESS cross-check below confirms it) and allows
4 of them. Histograms are compared over the populated bins (see `populated`) by Hotelling's T^2
with the batch-means covariance of the bins (`histogram_p_value`), at p > 1e-3.
"""

import numba
import numpy as np
import pytest
from scipy import stats

import mcdimer
from mcdimer import Chain, Dimer, exact
from mcdimer.sampling import sample

EXACT_KEYS = ("mu1z", "mu1x", "mu1z2", "mu1x2", "abs_mu1z", "abs_mu1", "mu1z_mu2z", "energy")


def assert_matches_exact(result, model, keys=EXACT_KEYS, nsigma=4.0):
    got, err, want = result.expect(), result.mcse(), exact.expect(model)
    for key in keys:
        assert err[key] > 0, key
        z = (got[key] - want[key]) / err[key]
        assert abs(z) < nsigma, (
            f"{key}: sampled {got[key]:.6g} +- {err[key]:.2g}, exact {want[key]:.6g}"
        )


def populated(result, want, width):
    """Bins where each batch expects >= 25 visits: elsewhere the batch-means SE of a bin is
    estimated from a handful of correlated visits and is itself unreliable."""
    per_batch = result.acc["counts"].min()
    return want * width * per_batch >= 25


def histogram_p_value(result, model, bins=40):
    """p-value of the sampled P(mu_1^z) against the exact one over the populated bins.

    The bins of one run are correlated (in a bimodal density every bin moves with the
    weight of the two states), so the statistic is Hotelling's T^2 = d^T S^-1 d with S the
    batch-means covariance of the binned density (ratio estimator, as `_ratio_mean_se`),
    and (B - p) T^2 / (p (B - 1)) ~ F(p, B - p) for B batches and p bins (S has rank p
    only if the bins do not cover the whole unit mass: one populated bin is dropped when
    they do)."""
    hist = result._batches("hists")[:, 0]  # mu1z, fine bins
    hist = hist.reshape(hist.shape[0], bins, -1).sum(axis=2).astype(float)
    counts = result._counts.astype(float)
    keep = counts > 0
    hist, counts = hist[keep], counts[keep]
    width = 2.0 / bins
    want = exact.pdf_mu1z(model, bins)
    use = populated(result, want, width)
    if want[use].sum() * width > 1 - 1e-9:
        use[np.flatnonzero(use)[-1]] = False
    total = counts.sum()
    mean = hist.sum(axis=0) / total / width
    dev = hist / counts[:, None] / width - mean
    nb = counts.size
    cov = (counts[:, None, None] ** 2 * dev[:, :, None] * dev[:, None, :]).sum(axis=0)
    cov *= nb / (nb - 1) / total**2
    d = (mean - want)[use]
    t2 = float(d @ np.linalg.solve(cov[np.ix_(use, use)], d))
    p = int(use.sum())
    return float(stats.f.sf((nb - p) * t2 / (p * (nb - 1)), p, nb - p))


CASES = [
    # (C, K, h): Appendix-B dimer below, at and above threshold, with fields
    (50.0, 25.0, (0, 0, 0)),
    (50.0, 40.0, (0, 0, 0)),
    (50.0, 50.0, (0, 0, 0)),
    (5.0, 2.5, (0, 0, 0)),
    (50.0, 40.0, (0, 0, 5.0)),
    (10.0, 8.0, (3.0, 0, 0)),
]


@pytest.mark.parametrize("C, K, h", CASES)
def test_metropolis_dimer_matches_exact_moments_and_histogram(C, K, h):
    model = Dimer(K=K, C=C, h=h)
    result = sample(model, sweeps=400_000, burn=5_000, chains=4, seed=7, jump_every=20)
    assert_matches_exact(result, model)
    assert histogram_p_value(result, model) > 1e-3
    assert 0.2 < result.stats["acceptance"] < 0.7


def fold(pdf):
    """Density of |mu_1^z| on [0, 1] from a symmetric-bin density on [-1, 1]."""
    half = pdf.size // 2
    return pdf[half:] + pdf[:half][::-1]


def test_metropolis_bimodal_dimer_matches_symmetric_observables():
    """C = 5, K/C = 2: two ordered states. Plain Metropolis rarely tunnels, so compare only
    what does not depend on which state a chain is in: |mu_1^z| and even moments."""
    model = Dimer(K=10.0, C=5.0)
    result = sample(model, sweeps=400_000, burn=5_000, chains=4, seed=11)
    assert_matches_exact(
        result, model, keys=("mu1z2", "mu1x2", "abs_mu1z", "abs_mu1", "mu1z_mu2z", "energy")
    )
    dens, se = result.pdf_mu1z(40)
    got = fold(dens)
    got_se = np.hypot(se[20:], se[:20][::-1])  # upper bound on the folded error
    want = fold(exact.pdf_mu1z(model, 40))
    use = populated(result, want, 2 / 40)
    chi2 = float((((got - want)[use] / got_se[use]) ** 2).sum())
    assert chi2 < stats.chi2.ppf(0.999, use.sum())
    # tunnelling is rare: recorded here, and far fewer events than sweeps
    assert result.stats["tunnelling_events"].sum() < 400_000 * 4 / 100


def test_same_seed_same_numbers_whatever_the_thread_count():
    model = Chain(5, K=3.0, C=5.0, h=(0.2, 0, 0.5))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = sample(model, sweeps=2_000, burn=200, chains=3, seed=42)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        b = sample(model, sweeps=2_000, burn=200, chains=3, seed=42)
    finally:
        numba.set_num_threads(before)
    for key in a.acc:
        assert np.array_equal(a.acc[key], b.acc[key]), key
    c = sample(model, sweeps=2_000, burn=200, chains=3, seed=43)
    assert not np.array_equal(a.acc["scalars"], c.acc["scalars"])
    # chain k's stream depends only on (seed, k): the first chains agree with a larger run
    d = sample(model, sweeps=2_000, burn=200, chains=5, seed=42)
    assert np.array_equal(a.acc["scalars"], d.acc["scalars"][:3])


@pytest.mark.parametrize("n", [3, 8, 64])
def test_running_energy_and_fields_match_full_recomputation(n):
    model = Chain(n, K=2.0, C=5.0, h=(0.1, -0.2, 0.3))
    result = sample(model, sweeps=5_000, burn=500, chains=2, seed=1)
    assert result.stats["max_energy_drift"] < 1e-9
    assert result.stats["max_field_drift"] < 1e-10
    mu = result.extra["final_mu"]
    assert np.all(np.linalg.norm(mu, axis=-1) <= 1.0)


def emcee_reference(model, steps, walkers=64, seed=3):
    """An independent sampler: emcee's stretch move on -beta E from model.energy (numpy)."""
    emcee = pytest.importorskip("emcee")
    ndim = 3 * model.n

    def log_prob(x):
        mu = x.reshape(len(x), model.n, 3)
        out = -model.energy(mu)
        out[np.any(np.einsum("wic,wic->wi", mu, mu) > 1, axis=1)] = -np.inf
        return out

    rng = np.random.default_rng(seed)
    p0 = rng.normal(scale=0.05, size=(walkers, ndim))
    sampler = emcee.EnsembleSampler(walkers, ndim, log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()
    sampler.run_mcmc(p0, steps)
    chain = sampler.get_chain(discard=steps // 5)
    tau = float(np.max(sampler.get_autocorr_time(discard=steps // 5, quiet=True)))
    z = chain.reshape(chain.shape[0], walkers, model.n, 3)[..., 2]
    prod = z[..., :, None] * z[..., None, :]  # (steps, walkers, n, n)
    mean = prod.mean(axis=(0, 1))
    # SE: standard deviation over sqrt(effective samples), tau from emcee's estimator
    se = prod.std(axis=(0, 1)) / np.sqrt(chain.shape[0] * walkers / tau)
    return mean, se


@pytest.mark.slow
@pytest.mark.parametrize("n", [3, 8])
def test_chain_zz_correlations_match_emcee(n):
    model = Chain(n, K=1.5, C=5.0)
    result = sample(model, sweeps=200_000, burn=5_000, chains=4, seed=5)
    got, got_se = result.zz()
    want, want_se = emcee_reference(model, steps=30_000)
    z = (got - want) / np.hypot(got_se, want_se)
    assert np.all(np.abs(z) < 4), np.abs(z).max()
    # the nearest neighbours are correlated (the check is not vacuous)
    assert np.all(got[np.arange(n - 1), np.arange(1, n)] > 10 * got_se[0, 1])


def test_batch_errors_agree_with_arviz_ess():
    model = Dimer(K=40.0, C=50.0)
    result = sample(model, sweeps=100_000, burn=2_000, chains=4, seed=9, thin=10)
    import arviz as az

    dt = result.idata
    ess = float(az.ess(dt, var_names=["mu1z2"])["mu1z2"])
    draws = dt.posterior["mu1z2"].values
    se_ess = draws.std() / np.sqrt(ess)
    se_batch = result.mcse()["mu1z2"]
    # the thinned draws see 1/10 of the sweeps: their SE can only be larger, but not by >10x
    assert 0.5 * se_batch < se_ess < 10 * se_batch


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"sweeps": 0}, "sweeps"),
        ({"sweeps": 10.5}, "sweeps"),
        ({"burn": -1}, "burn"),
        ({"chains": 0}, "chains"),
        ({"thin": 0}, "thin"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "a"}, "seed"),
        ({"method": "gibbs"}, "method"),
        ({"jump_every": 0.5}, "jump_every"),
        ({"bogus": 1}, "bogus"),
        ({"burn": 2**63}, "burn"),
        ({"thin": 2**64}, "thin"),
        ({"jump_every": 2**64}, "jump_every"),
        ({"chains": 10**10}, "chains"),
        ({"sweeps": 10**9, "thin": 1}, "memory"),
        ({"chains": 4096, "n_batches": 4096, "sweeps": 10**5}, "memory"),
        ({"method": "tempering", "replicas": 10**7}, "replicas"),
        ({"method": "tempering", "ladder": [1.0, 0.5], "replicas": 3}, "ladder or replicas"),
        ({"method": "emcee", "chains": 32, "jump_every": 5}, "not used by method 'emcee'"),
    ],
)
def test_bad_sampler_arguments_are_refused_before_compiling(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sample(Dimer(K=1.0, C=1.0), **kwargs)


def test_diamagnetic_landscape_is_refused():
    r = np.linspace(0, 1, 50)
    land = mcdimer.FromResponse(r, -r * (1 + r), label="diamagnetic")
    with pytest.raises(ValueError, match="diamagnetic"):
        sample(Chain(2, K=1.0, landscape=land), sweeps=10)


def test_histogram_bins_must_divide_the_fine_bins():
    result = sample(Dimer(K=1.0, C=1.0), sweeps=100, burn=10, chains=2, seed=0)
    with pytest.raises(ValueError, match="bins must divide"):
        result.pdf_mu1z(7)
    dens, _ = result.pdf_mu1z(40)
    assert dens.sum() * 0.05 == pytest.approx(1.0)


def test_ctrl_c_returns_the_completed_sweeps_or_raises_during_burn_in():
    model = Dimer(K=40.0, C=50.0)

    def interrupt_after(limit):
        def progress(done, total):
            if done >= limit:
                raise KeyboardInterrupt

        return progress

    with pytest.warns(RuntimeWarning, match="interrupted"):
        r = sample(
            model, sweeps=10_000_000, burn=1_000, chains=2, seed=0, progress=interrupt_after(1_001)
        )
    assert r.interrupted and 0 < r.production_sweeps < 2 * 10_000_000
    assert np.isfinite(r.expect()["mu1z2"])  # what was accumulated is usable
    with pytest.raises(KeyboardInterrupt):
        sample(model, sweeps=1_000, burn=10_000_000, chains=2, seed=0, progress=interrupt_after(1))
    # the same for tempering
    with pytest.warns(RuntimeWarning, match="interrupted"):
        r = sample(
            model,
            "tempering",
            sweeps=10_000_000,
            burn=1_000,
            chains=2,
            seed=0,
            replicas=3,
            progress=interrupt_after(1_001),
        )
    assert r.interrupted


def test_energies_beyond_double_resolution_are_refused():
    with pytest.raises(ValueError, match="K = 1e\\+13"):
        sample(Dimer(K=1e13, C=1.0), sweeps=10)
    with pytest.raises(ValueError, match="h = "):
        sample(Dimer(K=1.0, C=1.0, h=(0, 0, 1e14)), sweeps=10)
