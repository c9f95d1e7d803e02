"""Ladder selection (mcdimer/sampling/ladder.py): the hottest level, the communication
barrier, the number of replicas and the tuning rounds, against a fake engine whose swap
rejection follows a known local barrier lambda(b)."""

import numpy as np
import pytest

from mcdimer import Chain
from mcdimer.landscapes import Quadratic, Saturating
from mcdimer.meanfield.chain import chain_lambda_max
from mcdimer.sampling.ladder import (
    check_ladder,
    communication_barrier,
    default_b_min,
    free_susceptibility,
    hottest_level,
    replicas_for,
    resize,
    stiffness,
    tune_ladder,
)

# --- hottest level ---------------------------------------------------------------------


def test_stiffness_and_free_susceptibility_of_known_landscapes():
    assert stiffness(Quadratic(50.0)) == pytest.approx(50.0)
    assert stiffness(Saturating(50.0)) == pytest.approx(50.0, rel=1e-3)
    assert free_susceptibility(Quadratic(0.0)) == pytest.approx(1 / 5, rel=1e-6)  # flat ball
    assert free_susceptibility(Quadratic(2000.0)) == pytest.approx(1 / 4000, rel=1e-3)


def order_parameter(land, K, n, b):
    return 2 * b * K * chain_lambda_max(n) * free_susceptibility(land.tempered(b))


@pytest.mark.parametrize(
    ("n", "K", "C", "binding"),
    [(2, 60.0, 50.0, "stiffness"), (8, 40.0, 50.0, "order"), (64, 40.0, 50.0, "order")],
)
def test_hottest_level_is_the_largest_disordered_free_b(n, K, C, binding):
    land = Quadratic(C)
    b = hottest_level(land, K, n)
    assert b * C <= 1.0 + 1e-12
    assert order_parameter(land, K, n, b) <= 0.5
    hotter = 1.02 * b  # 1 % bisection: just above b one condition fails
    fails = {"stiffness": hotter * C > 1.0, "order": order_parameter(land, K, n, hotter) > 0.5}
    assert fails[binding]


def test_hottest_level_of_a_chain_is_disordered_where_the_default_is_not():
    # issue 12: at b = 0.2 the chain n = 8, C = 50, K/C = 0.8 is ordered (q > 1)
    assert order_parameter(Quadratic(50.0), 40.0, 8, 0.2) > 1.0
    assert hottest_level(Quadratic(50.0), 40.0, 8) < 0.2


def test_hottest_level_when_tempering_is_not_needed_or_impossible():
    assert hottest_level(Quadratic(0.5), 0.1, 2) == 0.5
    with pytest.raises(ValueError, match="too strong"):
        hottest_level(Quadratic(50.0), 1e9, 4)


def transverse_susceptibility_by_quadrature(C, h):
    """<mu_z^2> with weight exp(-C r^2 + h mu_x) on the ball, over (r, u = mu_x/r): the
    azimuth about x averages (mu_z/r)^2 = (1 - u^2) cos^2(phi) to (1 - u^2)/2."""
    from scipy import integrate

    def moment(k):
        def g(u, r):
            return r**2 * np.exp(-C * r * r + h * (r * u - 1)) * (r * r * (1 - u * u) / 2) ** k

        return integrate.dblquad(g, 0, 1, -1, 1, epsabs=0, epsrel=1e-10)[0]

    return moment(1) / moment(0)


@pytest.mark.parametrize(("C", "h"), [(0.0, 3.0), (2.0, 5.0), (1.0, 40.0), (50.0, 40.0)])
def test_free_susceptibility_in_a_transverse_field_matches_quadrature(C, h):
    chi = free_susceptibility(Quadratic(C), h)
    assert chi == pytest.approx(transverse_susceptibility_by_quadrature(C, h), rel=1e-5)
    assert chi <= free_susceptibility(Quadratic(C)) * (1 + 1e-9)  # the field only saturates


def test_free_susceptibility_of_a_stiff_quadratic_ignores_a_transverse_field():
    # a Gaussian moment far from the ball's edge is only shifted by the field
    assert free_susceptibility(Quadratic(2000.0), 30.0) == pytest.approx(1 / 4000, rel=1e-3)


def test_hottest_level_rises_in_a_transverse_field_where_it_saturates_the_moments():
    land, K, n = Quadratic(2.0), 3.0, 16
    b0 = hottest_level(land, K, n)
    assert hottest_level(land, K, n, h_perp=0.0) == b0
    levels = [hottest_level(land, K, n, h_perp=h) for h in (5.0, 10.0, 20.0)]
    assert b0 <= levels[0] <= levels[1] < levels[2]
    b = levels[2]
    q = 2 * b * K * chain_lambda_max(n) * free_susceptibility(land.tempered(b), b * 20.0)
    assert q <= 0.5
    assert b > 1.5 * b0  # the transverse field keeps the hottest replica disordered
    with pytest.raises(ValueError, match="h_perp"):
        hottest_level(land, K, n, h_perp=-1.0)


def test_hottest_level_of_the_paper_chain_barely_moves_in_a_transverse_field():
    # b_min ~ 0.015: a field of 20 kT at b = 1 is 0.3 kT there, too weak to saturate
    land = Quadratic(50.0)
    b0 = hottest_level(land, 40.0, 16)
    assert hottest_level(land, 40.0, 16, h_perp=20.0) == pytest.approx(b0, rel=0.02)


# --- communication barrier and replicas ------------------------------------------------


def test_communication_barrier_is_the_sum_of_rejections():
    assert communication_barrier([0.1, 0.2, 0.3]) == pytest.approx(0.6)
    for bad in ([0.1, 1.2], [np.nan], [], [[0.1]]):
        with pytest.raises(ValueError, match="rejection"):
            communication_barrier(bad)


def round_trip_rate_per_replica(N, Lambda):
    """Syed et al. 2022: tau = 1/(2 + 2 sum r/(1-r)), r = Lambda/N, per replica (N + 1)."""
    r = Lambda / N
    return 1.0 / (2 + 2 * N * r / (1 - r)) / (N + 1)


@pytest.mark.parametrize("Lambda", [3.0, 10.0, 30.0])
def test_replicas_for_maximises_round_trips_per_replica(Lambda):
    N = np.arange(int(Lambda) + 1, int(10 * Lambda))
    best = N[np.argmax(round_trip_rate_per_replica(N, Lambda))]
    assert abs((replicas_for(Lambda) - 1) - best) <= 1


def test_replicas_for_is_clipped():
    assert replicas_for(0.0) == 2
    assert replicas_for(0.3) == 2
    assert replicas_for(1000.0) == 64
    assert replicas_for(1000.0, max_replicas=200) == 200


def test_resize_keeps_the_ends_and_equalises():
    b = np.geomspace(1, 0.05, 6)
    new = resize(b, np.full(5, 0.3), 11)
    check_ladder(new)
    assert new.size == 11 and new[-1] == b[-1]
    assert np.allclose(np.diff(np.log(new)), np.log(0.05) / 10)  # constant rejection per log b


# --- tuning rounds against a known barrier ---------------------------------------------


def fake_engine(barrier, noise, rng):
    """run_round whose swap i rejects at int_{b_{i+1}}^{b_i} lambda(b) db (Syed et al.:
    r ~ integral of the local barrier for close levels), plus noise / sqrt(sweeps)."""
    calls = []

    def run_round(ladder, sweeps):
        calls.append((ladder.size, sweeps))
        exact = barrier(ladder[:-1]) - barrier(ladder[1:])
        noisy = exact + noise * rng.normal(size=exact.size) / np.sqrt(sweeps)
        return np.clip(noisy, 0.0, 1.0)

    return run_round, calls


@pytest.mark.parametrize(
    ("name", "cumulative"),
    [
        ("inverse_b", lambda b: 1.5 * np.log(b)),  # lambda(b) = 1.5/b
        ("constant", lambda b: 6.0 * b),  # lambda(b) = 6
    ],
)
def test_tune_ladder_equalises_rejection_and_measures_the_barrier(name, cumulative):
    rng = np.random.default_rng(7)
    b_min = 0.05
    Lambda_true = cumulative(1.0) - cumulative(b_min)
    run_round, calls = fake_engine(cumulative, noise=1.0, rng=rng)
    tuned = tune_ladder(run_round, b_min, initial_replicas=4, rounds=8, initial_sweeps=64)
    # sweeps double each round; the last round's estimate has noise ~ sqrt(R/(64 2^7))
    assert [s for _, s in calls] == [64 * 2**j for j in range(8)]
    assert len(tuned.rounds) == 8
    assert tuned.Lambda == pytest.approx(Lambda_true, abs=0.1)
    ladder = check_ladder(tuned.ladder)
    assert ladder[-1] == b_min
    assert abs(ladder.size - replicas_for(Lambda_true)) <= 1  # ceil() of a noisy 2 Lambda
    exact = cumulative(ladder[:-1]) - cumulative(ladder[1:])
    assert exact.sum() == pytest.approx(Lambda_true)
    assert exact.max() / exact.min() < 1.15  # equalised
    assert exact.mean() == pytest.approx(0.5, abs=0.07)  # R - 1 = 2 Lambda: r = 1/2


def test_tune_ladder_refuses_a_wrong_callback():
    with pytest.raises(ValueError, match="rejection rates"):
        tune_ladder(lambda ladder, sweeps: np.zeros(2), 0.1, initial_replicas=5)


def test_hottest_level_of_a_microscopic_landscape_uses_the_ordering_criterion():
    # Microscopic stiffens on heating (Curie susceptibility): the stiffness criterion
    # cannot apply, and the ordering parameter alone sets b_min.
    from mcdimer.micro.landscape import Microscopic
    from mcdimer.micro.spectrum import bessel_zero

    land = Microscopic(bessel_zero(1, 36), 5e-3)
    assert stiffness(land.tempered(0.5)) > stiffness(land)
    assert hottest_level(land, land.K, 4) == 0.5  # K ~ 5e-4: disordered at b = 1
    K = 20.0  # a coupling strong enough to order the physical level
    assert order_parameter(land, K, 4, 1.0) > 1.0
    b = hottest_level(land, K, 4)
    assert b < 1.0 and order_parameter(land, K, 4, b) <= 0.5


def test_default_b_min_of_a_chain_takes_its_transverse_field_only():
    """sample()'s default hottest level passes a chain's field across z to hottest_level
    (raising b_min: the saturated moments are less susceptible along z); a field along z
    leaves the zero-field rule."""
    zero = default_b_min(Chain(16, K=3.0, C=2.0))
    assert zero == hottest_level(Quadratic(2.0), 3.0, 16)
    across = default_b_min(Chain(16, K=3.0, C=2.0, h=(12.0, 16.0, 0.0)))
    assert across == hottest_level(Quadratic(2.0), 3.0, 16, h_perp=20.0)
    assert across > 1.5 * zero
    assert default_b_min(Chain(16, K=3.0, C=2.0, h=(0.0, 0.0, 20.0))) == zero


def test_default_b_min_of_an_assembly_scales_k_by_its_mean_field_onset():
    """Off the chain the ordering condition is q = K/K_c (K_c the assembly's mean-field
    onset, Eq. (C1) generalised): the coupling handed to hottest_level is
    K / K_c * C_eff / lambda_max(n), which for stiff quadratic particles is the chain rule
    at the same distance to the onset. The engine's default ladder takes the same b."""
    from mcdimer import geometry
    from mcdimer.meanfield import critical_coupling
    from mcdimer.model import Assembly

    model = Assembly(geometry.lattice("square", (3, 3)), K=2.0, C=8.0)
    k_eff = 2.0 / critical_coupling(model) * 8.0 / chain_lambda_max(9)
    assert default_b_min(model) == pytest.approx(hottest_level(Quadratic(8.0), k_eff, 9))


def test_hottest_level_of_one_particle_follows_from_the_stiffness_alone():
    """One particle has no partner to order with: b_min is where b C = STIFFNESS_MAX (1/C
    for a stiff quadratic), whatever K; n = 1 used to fail in the chain's eigenvalue."""
    for K in (0.0, 1.0, 100.0):
        assert hottest_level(Quadratic(5.0), K, 1) == pytest.approx(0.2, rel=0.02)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        hottest_level(Quadratic(5.0), 1.0, 0)
