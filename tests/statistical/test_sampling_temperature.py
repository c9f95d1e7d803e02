"""Temperature as an axis: every ladder level a result, MBAR reweighting between rungs,
free-energy profiles, and the default ladder (hottest level + replicas from Lambda).

Each level k of a tempering run samples `model.tempered(b_k)`, whose exact dimer is
Eq. (B8) at (b C, b K, b h) (quadratic) or with the level's own landscape
(`Microscopic(kfa, t / b_k)`). Tolerances: 4 batch-means SE for the levels' averages
(as test_sampling_metropolis), Hotelling T^2 p > 1e-3 for their histograms, 4 bootstrap
SE for the MBAR estimates (their coverage is measured in test_sampling_reweight).
"""

import time

import arviz as az
import numba
import numpy as np
import pytest
from test_sampling_metropolis import EXACT_KEYS, assert_matches_exact, histogram_p_value

from mcdimer import Chain, Dimer, exact, micro
from mcdimer.micro import Microscopic
from mcdimer.sampling import sample

DIMER = Dimer(K=60.0, C=50.0)  # bimodal at b = 1, disordered at the hottest level


@pytest.fixture(scope="module")
def dimer_run():
    """Default ladder (no ladder options): ~7 levels from 1 down to b_min ~ 0.02."""
    return sample(DIMER, "tempering", sweeps=40_000, burn=4_000, chains=4, seed=11)


def test_default_ladder_is_tuned_and_recorded(dimer_run):
    st = dimer_run.stats
    b = dimer_run.ladder
    assert b[0] == 1.0 and np.all(np.diff(b) < 0) and np.array_equal(b, st["ladder"])
    assert st["b_min_rule"] == "hottest_level" and b[-1] < 0.05  # b C ~ 1: a free ball
    rounds = st["tuning_rounds"]
    assert len(rounds) >= 3 and [r["sweeps"] for r in rounds[:3]] == [64, 128, 256]
    # the production ladder has the number of replicas the last round's Lambda asks for
    assert b.size == int(np.ceil(2 * rounds[-1]["Lambda"]) + 1)
    # Lambda is a property of the target: production measures what the last round did
    assert abs(st["Lambda"] - rounds[-1]["Lambda"]) < 0.2 * rounds[-1]["Lambda"] + 0.3
    assert st["round_trips"].sum() > 100 and st["round_trips_per_second"] > 0
    assert dimer_run.settings["ladder"] == "tuned"


def test_every_level_of_a_dimer_run_matches_its_exact_quadrature(dimer_run):
    for k, b in enumerate(dimer_run.ladder):
        level = dimer_run.level(k)
        assert level.model.K == pytest.approx(b * DIMER.K) and level.model.C == pytest.approx(
            b * 50
        )
        assert_matches_exact(level, level.model, keys=EXACT_KEYS)
        assert histogram_p_value(level, level.model) > 1e-3, k


def test_reweighting_between_rungs_matches_the_exact_quadrature(dimer_run):
    b = dimer_run.ladder
    target = float(np.sqrt(b[1] * b[2]))  # between the second and third rung
    got, se = dimer_run.reweight(target, n_boot=40)
    assert set(got) == set(dimer_run.expect()) == set(se)
    want = exact.expect(DIMER.tempered(target))
    for key in EXACT_KEYS:
        assert abs(got[key] - want[key]) < 4 * se[key], (key, got[key], want[key], se[key])
    # at b = 1 MBAR is dominated by level 0's own draws: it agrees with level 0's averages
    at_one, se_one = dimer_run.reweight(1.0, n_boot=40)
    level0, mcse0 = dimer_run.expect(), dimer_run.mcse()
    for key in ("mu1z2", "abs_mu1z", "energy", "abs_mz", "mz2"):
        assert abs(at_one[key] - level0[key]) < 4 * np.hypot(se_one[key], mcse0[key]), key


def test_free_energy_of_mu1z_matches_minus_log_of_the_exact_density(dimer_run):
    """Both are defined up to a constant, fitted as the inverse-variance weighted mean of
    the differences (its least-squares value). The unweighted mean let the barrier bins
    (SE up to 0.66) pull the constant, so the well-measured wings sat ~5 SE off at seed 11:
    over seeds 1-5 and 11 (`sample(DIMER, "tempering", sweeps=40_000, burn=4_000,
    chains=4)`) the largest |z| was 2.9-5.3 unweighted, 1.4-2.4 weighted."""
    bins = 40
    F, F_se = dimer_run.free_energy("mu1z", bins=bins)
    P = exact.pdf_mu1z(DIMER, bins)
    use = P > 1e-3
    diff = F[use] + np.log(P[use])
    weight = 1.0 / F_se[use] ** 2
    shift = np.sum(weight * diff) / np.sum(weight)
    assert np.all(np.abs(diff - shift) < 4 * F_se[use] + 1e-12), (diff - shift) / F_se[use]


def test_barrier_of_a_bimodal_level_matches_the_exact_profile(dimer_run):
    """The barrier of F(mu_1^z) at the coldest rung where it is a few kT (b ~ 0.4 for
    this dimer: 17 kT at b = 1 leaves the bins at 0 empty) and, by MBAR, between rungs."""
    bins = 40
    b = dimer_run.ladder
    k = int(np.flatnonzero(b < 0.5)[0])
    for target in (float(b[k]), float(np.sqrt(b[k - 1] * b[k]))):
        P = exact.pdf_mu1z(DIMER.tempered(target), bins)
        F = -np.log(P)
        want = 0.5 * (F[bins // 2 - 1] + F[bins // 2]) - F.min()  # F(0) interpolated
        dF, dF_se = dimer_run.barrier("mu1z", b=target, n_boot=40)
        assert 1.0 < want < 12.0
        assert abs(dF - want) < 4 * dF_se, (target, dF, want, dF_se)


def test_reweighted_density_between_rungs_matches_the_exact_density(dimer_run):
    b = dimer_run.ladder
    target = float(np.sqrt(b[2] * b[3]))
    dens, se = dimer_run.reweight_pdf(target, "mu1z", bins=20, n_boot=40)
    want = exact.pdf_mu1z(DIMER.tempered(target), 20)
    use = want > 0.05
    assert np.all(np.abs(dens - want)[use] < 4 * se[use])


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda r: r.reweight(1.5), r"b must .*\[b_min, 1\]"),
        (lambda r: r.reweight(float("nan")), "b must"),
        (lambda r: r.reweight(1e-4), "b must"),
        (lambda r: r.reweight_pdf(0.5, which="mu1x"), "which must be one of"),
        (lambda r: r.free_energy("energy"), "which must be one of"),
        (lambda r: r.barrier("abs_mu1"), "which must be one of"),
        (lambda r: r.level(99), "k must be a level index"),
    ],
)
def test_bad_temperature_arguments_name_the_parameter(dimer_run, call, word):
    with pytest.raises(ValueError, match=word):
        call(dimer_run)


def test_reweighting_a_metropolis_run_is_refused():
    run = sample(DIMER, sweeps=200, burn=10, chains=1, seed=1)
    with pytest.raises(ValueError, match="method 'tempering'"):
        run.reweight(1.0)
    with pytest.raises(ValueError, match=r"b must .*\[1, 1\]"):
        run.free_energy("mz", b=0.5)
    F, _ = run.free_energy("mz")  # b = 1 is the run's own histogram
    assert np.nanmin(F) == 0.0


def test_explicit_ladder_options_still_override_the_default():
    model = Chain(4, K=40.0, C=30.0)
    r = sample(model, "tempering", sweeps=500, burn=500, chains=1, seed=2, replicas=5)
    assert r.ladder.size == 5 and r.ladder[-1] == pytest.approx(0.2)
    assert r.stats["tuning_rounds"] is None and r.stats["b_min_rule"] == "given"
    r = sample(model, "tempering", sweeps=500, burn=500, chains=1, seed=2, b_min=0.1)
    assert r.ladder.size == 8 and r.ladder[-1] == pytest.approx(0.1)


def test_default_ladder_depends_on_the_seed_only():
    model = Chain(4, K=40.0, C=50.0)
    before = numba.get_num_threads()
    try:
        runs = []
        for threads in (1, 2):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            runs.append(sample(model, "tempering", sweeps=1_000, burn=1_000, chains=2, seed=4))
    finally:
        numba.set_num_threads(before)
    a, b = runs
    assert np.array_equal(a.ladder, b.ladder)
    assert a.stats["tuning_rounds"] == b.stats["tuning_rounds"]
    assert np.array_equal(a.records["scalars"], b.records["scalars"])


# --- a temperature-dependent landscape: every level has its own Microscopic table ------

KFA = micro.bessel_zero(1, 36)
T_STAR = micro.crossing_temperature(KFA)


@pytest.mark.slow
def test_every_level_of_a_microscopic_dimer_matches_its_exact_quadrature():
    land = Microscopic(KFA, 0.8 * T_STAR)
    model = Chain(2, land.K, landscape=land)
    run = sample(
        model, "tempering", sweeps=40_000, burn=4_000, chains=4, seed=7, replicas=5, b_min=0.4
    )
    for k in range(run.ladder.size):
        level = run.level(k)
        want = land if k == 0 else land.tempered(float(run.ladder[k]))
        assert repr(level.model.landscape) == repr(want)
        assert_matches_exact(level, level.model, keys=EXACT_KEYS)
        assert histogram_p_value(level, level.model) > 1e-3, k
    target = float(np.sqrt(run.ladder[1] * run.ladder[2]))
    got, se = run.reweight(target)
    want = exact.expect(model.tempered(target))
    for key in ("mu1z2", "abs_mu1z", "abs_mu1", "mu1z_mu2z", "energy"):
        assert abs(got[key] - want[key]) < 4 * se[key], (key, got[key], want[key], se[key])


# --- acceptance: ordered chains equilibrate with default options ---------------------

# (n, production sweeps, burn-in sweeps) per chain, 4 chains, the default cycle. Measured on
# 2 cores (otherwise idle): n = 8 9 s, 16 24 s, 32 25 s (R = 32, Lambda = 15.4), 64 82 s
# (R = 45, Lambda = 21.9: R ~ sqrt(n) levels of n^2 work each). 30,000 sweeps were not
# enough at n = 64 (<m^z> 3.5 MCSE off with R-hat 1.0006: ~1 tunnelling per 400 sweeps,
# and batch errors too small for that).
ACCEPTANCE = [(8, 60_000, 8_000), (16, 60_000, 8_000), (32, 40_000, 8_000), (64, 40_000, 8_000)]
# Batches per chain for the error of <m^z>: the cold level's sign is that of the ordered
# replicas near the cold end, a population renewed only as replicas circulate to the hot
# end and back (thousands of sweeps at n = 32), so the default 32 batches (1250 sweeps at
# n = 32) are correlated (lag-1 correlation of batch means 0.21-0.48 over 15 seeds) and
# their error is too small: over seeds 1-24 at n = 32, <m^z>/MCSE had rms 1.68 with 32
# batches; with 8 (seeds 10-24) rms 1.24, largest |z| 2.6.
BATCHES = 8


@pytest.mark.slow
@pytest.mark.parametrize("n, sweeps, burn", ACCEPTANCE)
def test_default_tempering_equilibrates_ordered_chains(n, sweeps, burn):
    """C = 50, K/C = 0.8, h = 0: ordered below Eq. (C1)'s threshold for n >= 4, so <m^z> = 0
    only if the sign is randomised; the default ladder must do it.

    A run that does not mix the sign leaves each chain at m^z ~ +-0.98, so R-hat is far above
    1.1; the bounds are set from the statistics measured over seeds at n = 32 (the case that
    failed CI at R-hat 1.0146 against a bound of 1.01; the same seed does not give the same
    bits on another CPU or library build): R-hat over seeds 1-24 had mean 1.0034, largest
    1.0087, so R-hat < 1.02 (about 6x the mean excess) fails by chance with probability
    well below 1e-3; |<m^z>| < 5 MCSE (8 batches per chain, z rms 1.24 over 15 seeds)
    fails by chance with probability ~1e-4; the MCSE with 8 batches was at most 0.042.
    n = 8, 16 and 64 were not measured over seeds (n = 16: 8 seeds with 32 batches, R-hat
    <= 1.0027, z rms 1.5); they share the mechanism and run longer per tunnelling."""
    t0 = time.perf_counter()
    run = sample(
        Chain(n, K=40.0, C=50.0), "tempering", sweeps=sweeps, burn=burn, seed=1, n_batches=BATCHES
    )
    seconds = time.perf_counter() - t0
    mean, se = run.expect()["mz"], run.mcse()["mz"]
    rhat = float(az.rhat(run.idata.posterior["mz"]))
    print(
        f"n = {n}: <m^z> = {mean:.4f} +- {se:.4f}, R-hat {rhat:.4f}, R = {run.ladder.size}, "
        f"b_min = {run.ladder[-1]:.4f}, Lambda = {run.stats['Lambda']:.2f}, "
        f"round trips {run.stats['round_trips'].sum()}, {seconds:.0f} s"
    )
    assert run.expect()["abs_mz"] > 0.5  # ordered: the sign is what must mix
    assert se < 0.06 and abs(mean) < 5 * se, (mean, se)
    assert rhat < 1.02
