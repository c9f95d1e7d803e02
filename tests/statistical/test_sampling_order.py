"""Order observables of the engine (docs/physics.md, "Order observables"): |m|^2, |m|^4,
replica-pair overlaps q2, Binder cumulants, structure factors and correlation lengths.

References are independent of the sampler: the single free moment's moments by a
quadrature written here (independent moments, K = 0), the exact dimer quadrature
(`exact.expect`, including a pair along x for the transverse correlation), and the exact
covariance of `exact.gaussian_limit` in the Gaussian regime of a periodic fcc box.
Tolerances: 4 standard errors (batch means over 32 batches per chain; jackknife over the
same batches for the Binder cumulant and xi/L), as in test_sampling_metropolis; each
case was run by hand with seeds 0-5 and stays within them.
"""

import copy

import numba
import numpy as np
import pytest
from scipy.integrate import quad

from mcdimer import Assembly, Chain, Dimer, exact, geometry
from mcdimer.meanfield import critical_coupling
from mcdimer.sampling import driver, sample
from mcdimer.sampling.observables import PAIR_SCALARS, SCALARS


def free_moments(C):
    """<|mu|^2>, <|mu|^4> of one free moment in the unit ball with f = C |mu|^2: the
    radial density is r^2 exp(-C r^2) on [0, 1]."""
    z = quad(lambda r: r**2 * np.exp(-C * r * r), 0.0, 1.0, epsabs=0, epsrel=1e-13)[0]
    a2 = quad(lambda r: r**4 * np.exp(-C * r * r), 0.0, 1.0, epsabs=0, epsrel=1e-13)[0] / z
    a4 = quad(lambda r: r**6 * np.exp(-C * r * r), 0.0, 1.0, epsabs=0, epsrel=1e-13)[0] / z
    return a2, a4


def within(got, se, want, k=4.0):
    return abs(got - want) < k * se, (got, want, se)


SC_POS, SC_BOX = geometry.periodic_lattice("sc", 2)


def test_independent_moments_in_a_periodic_box_match_the_single_moment_quadrature():
    """K = 0: <q2> = a2^2/n, <|m|^2> = a2/n, <|m|^4> = (n a4 + (5/3) n (n-1) a2^2)/n^4,
    g_m from them, and chi(k) = a2 at every k (no correlation between sites). 60 000 sweeps
    of the default cycle (heat bath, over-relaxation, 4 collective proposals) hold the
    10 000 heat-bath sweeps that 20 000 of the former default held: with 20 000 the
    non-vacuity check below missed by 3 % (8 se n = 0.0178 against a2 - 3/(2C) = 0.0173).
    Seeds 0-5 with 60 000: every |z| <= 2.24, a2 - 3/(2C) = 14-16 se n."""
    C = 5.0
    model = Assembly(SC_POS, K=0.0, C=C, box=SC_BOX)
    n = model.n
    a2, a4 = free_moments(C)
    res = sample(model, sweeps=60_000, burn=1_500, chains=4, seed=1, pairs=True)
    mean, se = res.expect(), res.mcse()
    m4 = (n * a4 + 5.0 / 3.0 * n * (n - 1) * a2**2) / n**4
    for key, want in (("m2", a2 / n), ("m4", m4), ("q2", a2**2 / n)):
        ok, info = within(mean[key], se[key], want)
        assert ok, (key, info)
    assert mean["ms2"] == mean["m2"] and mean["ms4"] == mean["m4"]  # all s_i = 1
    g, g_se = res.binder("m")
    ok, info = within(g, g_se, 0.5 * (5.0 - 3.0 * m4 / (a2 / n) ** 2))
    assert ok, info
    chi, chi_se = res.structure_factor("m")
    assert np.all(np.abs(chi - a2) < 4 * chi_se), (chi, a2, chi_se)
    # nothing vacuous: a2 is far from the Gaussian 3/(2C) (the ball's edge is felt)
    assert abs(a2 - 1.5 / C) > 8 * se["m2"] * n


def test_overlaps_of_tempering_pairs_are_those_of_each_level():
    """Tempering pairs record, at level k, the replicas the two chains hold there: for
    independent moments that level samples f = b_k C |mu|^2, so <q2> = a2(b_k C)^2/n."""
    C = 5.0
    model = Chain(4, K=0.0, C=C)
    ladder = [1.0, 0.5, 0.25]
    res = sample(model, "tempering", ladder=ladder, adapt=False, sweeps=10_000, burn=500,
                 chains=4, seed=2, pairs=True)  # fmt: skip
    for k, b in enumerate(ladder):
        a2, _ = free_moments(b * C)
        lv = res.level(k)
        ok, info = within(lv.expect()["q2"], lv.mcse()["q2"], a2**2 / model.n)
        assert ok, (k, info)
        ok, info = within(lv.expect()["m2"], lv.mcse()["m2"], a2 / model.n)
        assert ok, (k, info)


@pytest.mark.parametrize("K", [20.0, 45.0])
def test_dimer_m2_and_q2_match_the_exact_quadrature(K):
    """For the dimer (h = 0) <|m|^2> = (A + B)/2 and, for two independent replicas,
    <q2> = (1/n^2) sum_ij <mu_i . mu_j>^2 = (A^2 + B^2)/2, with A = <|mu_1|^2> =
    <(mu_1^z)^2> + 2 <(mu_1^x)^2> and B = <mu_1 . mu_2> = <mu_1^z mu_2^z> + 2 <mu_1^x mu_2^x>;
    the transverse correlation is the exact pair's mu1z_mu2z with the pair axis along x."""
    C = 50.0
    ex = exact.expect(Dimer(K=K, C=C))
    across = exact.expect(Assembly([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], K=K, C=C))
    A = ex["mu1z2"] + 2.0 * ex["mu1x2"]
    B = ex["mu1z_mu2z"] + 2.0 * across["mu1z_mu2z"]
    res = sample(Dimer(K=K, C=C), sweeps=40_000, burn=1_000, chains=4, seed=3, pairs=True)
    mean, se = res.expect(), res.mcse()
    for key, want in (("m2", 0.5 * (A + B)), ("q2", 0.5 * (A * A + B * B))):
        ok, info = within(mean[key], se[key], want)
        assert ok, (key, info)


def fcc_gaussian():
    pos, box = geometry.periodic_lattice("fcc", 2)
    base = Assembly(pos, K=1.0, C=50.0, box=box)
    return base.replace(K=0.7 * critical_coupling(base)), pos, box


def exact_structure_factors(model, pos, box):
    """chi(0), chi(k_x), chi(k_y), chi(k_z) of m and of the overlap field from the exact
    Gaussian covariance C_ij: chi_m(k) = (1/n) sum_ij tr C_ij cos(k . r_ij) and, for two
    independent replicas, chi_q(k) = (1/n) sum_ij (tr C_ij)^2 cos(k . r_ij) (h = 0)."""
    want = exact.gaussian_limit(model)
    assert want["edge"] > 6.0 and np.abs(want["mean"]).max() == 0.0
    tr = np.einsum("iaja->ij", want["cov"])
    k = 2.0 * np.pi / np.asarray(box)
    phase = [np.ones_like(tr)] + [
        np.cos(k[a] * (pos[:, None, a] - pos[None, :, a])) for a in range(3)
    ]
    n = model.n
    chi_m = np.array([(tr * p).sum() / n for p in phase])
    chi_q = np.array([(tr * tr * p).sum() / n for p in phase])
    return chi_m, chi_q, k


def xi_over_l(chi, k, box):
    return float(np.mean(np.sqrt(chi[0] / chi[1:] - 1.0) / (2.0 * np.sin(k / 2.0)) / box))


@pytest.mark.slow
def test_periodic_fcc_structure_factors_and_xi_match_the_gaussian_limit():
    """fcc 2 x 2 x 2 cells (n = 32) at 0.7 of its mean-field onset: chi(k) and xi/L of m
    and of the replicas' overlap field against the exact covariance (xi_m/L ~ 0.21)."""
    model, pos, box = fcc_gaussian()
    chi_m, chi_q, k = exact_structure_factors(model, pos, box)
    res = sample(model, sweeps=20_000, burn=1_000, chains=4, seed=4, pairs=True)
    for which, want in (("m", chi_m), ("q", chi_q)):
        got, se = res.structure_factor(which)
        assert np.all(np.abs(got - want) < 4 * se), (which, got, want, se)
        # not vacuous: chi(0) and chi(k_min) are resolved apart
        assert want[0] - want[1] > 8 * max(se[0], se[1]), (which, want, se)
        xi, xi_se = res.correlation_length(which)
        ok, info = within(xi, xi_se, xi_over_l(want, k, box))
        assert ok, (which, info)


def test_pairs_keep_same_seed_same_bits_for_threads_and_chunk_lengths(monkeypatch):
    """Each pair runs on one thread, its two chains in lockstep: the records depend on the
    seed alone; the chains' own records are those of the same run without pairs."""
    model = Chain(4, K=10.0, C=50.0)
    opts = dict(ladder=[1.0, 0.6], adapt=False, sweeps=1_500, burn=300, chains=4, seed=42)
    before = numba.get_num_threads()
    runs = []
    try:
        for threads, seconds, pairs in ((1, 100.0, True), (2, 1e-5, True), (2, 1e-4, False)):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            monkeypatch.setattr(driver, "CHUNK_SECONDS", seconds)
            runs.append(sample(model, "tempering", pairs=pairs, **opts))
    finally:
        numba.set_num_threads(before)
    a, b, plain = runs
    assert a.records["pair_scalars"].shape[0] == 2 and a.records["pair_scalars"].any()
    nematic = SCALARS.index("nematic")  # measured for a chain only with pairs
    assert np.isnan(plain.expect()["nematic"]) and a.expect()["nematic"] > 0
    for key in a.records:
        assert np.array_equal(a.records[key], b.records[key]), key
        if key.startswith("pair_"):
            assert plain.records[key].shape[0] == 0
            continue
        got, want = a.records[key], plain.records[key]
        if key in ("scalars", "level_values"):
            got, want = np.delete(got, nematic, axis=-1), np.delete(want, nematic, axis=-1)
        assert np.array_equal(got, want), key


def test_pairs_and_order_queries_refuse_bad_input():
    model = Chain(3, K=5.0, C=50.0)
    for chains in (1, 3):
        with pytest.raises(ValueError, match="chains"):
            sample(model, sweeps=100, burn=10, chains=chains, pairs=True)
    with pytest.raises(ValueError, match="pairs"):
        sample(model, sweeps=100, burn=10, chains=2, pairs="yes")
    with pytest.raises(ValueError, match="pairs"):
        sample(Dimer(K=5.0, C=50.0), "emcee", sweeps=100, burn=10, chains=36, pairs=True)
    res = sample(model, sweeps=200, burn=10, chains=2, seed=0)
    assert np.isnan(res.expect()["q2"]) and np.isnan(res.mcse()["q4"])
    for call in (lambda: res.binder("q"), lambda: res.pdf_q(), lambda: res.pair_values()):
        with pytest.raises(ValueError, match="q"):
            call()
    with pytest.raises(ValueError, match="which"):
        res.binder("mz")
    with pytest.raises(ValueError, match="box"):
        res.correlation_length("m")
    with pytest.raises(ValueError, match="which"):
        res.correlation_length("x")
    paired = sample(model, sweeps=200, burn=10, chains=2, seed=0, pairs=True)
    dens, _ = paired.pdf_q(20)
    assert dens.shape == (20,) and abs(dens.sum() * 0.1 - 1.0) < 1e-12
    with pytest.raises(ValueError, match="box"):
        paired.correlation_length("q")


def segment_z(scalars, counts, col):
    """z of (last half - the quarter before) of the batches, pooled over chains, from
    plain batch means (equal batch lengths here): mean and SE of the batch means."""
    nb = counts.shape[-1]
    means = scalars[:, 0, :, col] / counts[:, 0, :]
    half, quarter = means[:, nb - nb // 2 :].ravel(), means[:, nb // 4 : nb - nb // 2].ravel()
    se = np.hypot(
        half.std(ddof=1) / np.sqrt(half.size), quarter.std(ddof=1) / np.sqrt(quarter.size)
    )
    return (half.mean() - quarter.mean()) / se


def test_equilibration_compares_the_last_half_with_the_quarter_before_and_counts_trips():
    res = sample(Dimer(K=20.0, C=50.0), sweeps=8_000, burn=1_000, chains=4, seed=0, pairs=True)
    eq = res.equilibration()
    assert set(eq.drift) == {"energy", "m2", "q2"} and eq.round_trips is None
    rec = res.records
    for name, sums, counts, col in (
        ("energy", rec["scalars"], rec["counts"], SCALARS.index("energy")),
        ("m2", rec["scalars"], rec["counts"], SCALARS.index("m2")),
        ("q2", rec["pair_scalars"], rec["counts"][::2], PAIR_SCALARS.index("q2")),
    ):
        assert eq.drift[name] == pytest.approx(segment_z(sums, counts, col), rel=1e-9), name
    assert eq.ok == (max(abs(z) for z in eq.drift.values()) <= 4.0)
    worst = max(abs(z) for z in eq.drift.values())
    flagged = res.equilibration(drift_limit=0.5 * worst)
    assert not flagged.ok and "drifts" in flagged.flags[0]
    # a run drifting on purpose: the last half's energy sums shifted by 10 batch SEs
    shifted = copy.deepcopy(res)
    e = SCALARS.index("energy")
    nb = rec["counts"].shape[2]
    sd = (rec["scalars"][:, 0, :, e] / rec["counts"][:, 0]).std()
    shifted.records["scalars"][:, 0, nb - nb // 2 :, e] += 10 * sd * rec["counts"][:, 0, :1]
    assert shifted.equilibration().drift["energy"] > 4.0 and not shifted.equilibration().ok
    tempered = sample(Dimer(K=20.0, C=50.0), "tempering", ladder=[1.0, 0.5], adapt=False,
                      sweeps=4_000, burn=500, chains=2, seed=0)  # fmt: skip
    eq = tempered.equilibration(trips_wanted=10**9)
    assert eq.round_trips == int(tempered.stats["round_trips"].min()) > 10
    assert not eq.ok and any("round trips" in f for f in eq.flags)
    with pytest.raises(ValueError, match="drift_limit"):
        res.equilibration(drift_limit=-1.0)


def test_hot_and_ordered_starts_agree_at_equilibrium_and_are_flagged_when_frozen():
    """start="both": the first half of the chains starts uniform in the balls, the second
    half with every moment (0, 0, 1); `equilibration().start` holds z of (hot - ordered).
    Gaussian regime (Dimer K = 20, C = 50: fast mixing) -> |z| <= 4 (the same 4 SE as the
    drift test; measured over seeds 1-20: largest |z| of the three 2.9). A frozen case:
    displacement Metropolis on an ordered chain far above threshold (Chain(16), K/C = 3),
    300 + 300 sweeps: hot chains freeze in domains, ordered ones stay saturated, so their
    energies differ by far more than 4 SE -> flagged (measured over seeds 1-30: z of the
    energy 9.5 to 726; every hot pair kept a domain)."""
    res = sample(Dimer(K=20.0, C=50.0), sweeps=4_000, burn=500, chains=4, seed=5,
                 pairs=True, start="both")  # fmt: skip
    eq = res.equilibration()
    assert set(eq.start) == {"energy", "m2", "q2"}
    assert max(abs(z) for z in eq.start.values()) <= 4.0, eq.start
    assert res.settings["start"] == "both"
    frozen = sample(Chain(16, K=150.0, C=50.0), sweeps=300, burn=300, chains=4, seed=5,
                    start="both", moves=["displace"])  # fmt: skip
    eq = frozen.equilibration()
    assert abs(eq.start["energy"]) > 4.0 and any("start" in f for f in eq.flags)
    final_z = frozen.extra["final_mu"][..., 2]  # (chain, particle)
    assert np.all(final_z[2:] > 0.5)  # the ordered chains stayed along +z
    assert not np.all(final_z[:2] > 0.5)  # the hot ones did not all find it
    plain = sample(Dimer(K=20.0, C=50.0), sweeps=200, burn=10, chains=2, seed=5)
    assert plain.equilibration().start == {}
    for kwargs, name in (({"start": "cold"}, "start"), ({"start": "both", "chains": 3}, "chains"),
                         ({"start": "both", "chains": 2, "pairs": True}, "chains")):  # fmt: skip
        with pytest.raises(ValueError, match=name):
            sample(Dimer(K=20.0, C=50.0), **{"sweeps": 100, "burn": 10, "chains": 2, **kwargs})
