"""Free-energy profiles and barriers (mcdimer/sampling/profiles.py) on a known double well
p(m) ~ exp(-A (m^2 - M0^2)^2) on [-1, 1], whose barrier is A M0^4 kT."""

import numpy as np
import pytest
from scipy import integrate

from mcdimer.sampling.profiles import barrier, free_energy

A, M0 = 8.0, 0.7  # barrier A M0^4 = 1.92 kT


def well(m):
    return np.exp(-A * (m * m - M0 * M0) ** 2)


def bin_probabilities(bins):
    edges = np.linspace(-1, 1, bins + 1)
    p = np.array(
        [integrate.quad(well, lo, hi)[0] for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    )
    return p / p.sum(), 0.5 * (edges[:-1] + edges[1:])


def histogram(rng, p, draws):
    """Density and its multinomial standard error from `draws` independent draws."""
    bins = p.size
    width = 2.0 / bins
    counts = rng.multinomial(draws, p)
    q = counts / draws
    return q / width, np.sqrt(q * (1 - q) / draws) / width


def test_free_energy_is_minus_log_density_zeroed_at_minimum():
    P = np.array([0.0, 0.1, 0.4, 0.2, 0.3])
    se = np.array([0.0, 0.01, 0.02, 0.02, 0.03])
    F, F_se = free_energy(P, se)
    assert np.isnan(F[0]) and np.isnan(F_se[0])
    assert F[2] == 0.0
    assert F[1:] == pytest.approx(-np.log(P[1:] / 0.4))
    assert F_se[1:] == pytest.approx(se[1:] / P[1:])


def test_free_energy_of_a_histogram_matches_the_exact_profile(rng):
    p, _ = bin_probabilities(40)
    dens, se = histogram(rng, p, 20000)
    F, F_se = free_energy(dens, se)
    F_ref = -np.log(p)
    i0 = np.nanargmin(F)
    F_ref -= F_ref[i0]  # the same zero point: differences F_i - F_i0 are compared
    ok = p > 1e-3
    err = np.hypot(F_se, F_se[i0])
    assert np.all(np.abs(F - F_ref)[ok] < 4 * err[ok] + 1e-12)


def test_barrier_of_the_exact_profile_with_a_bin_at_zero():
    centres = np.linspace(-1, 1, 41)
    F = -np.log(well(centres))
    F -= F.min()
    dF, se = barrier(centres, F, np.full_like(F, 1e-3))
    assert dF == pytest.approx(A * M0**4 - F[centres < 0].min(), rel=1e-12)
    assert dF == pytest.approx(A * M0**4, abs=0.02)
    assert se == pytest.approx(1e-3 * np.sqrt(1 + 0.5))


def test_barrier_interpolates_linearly_at_zero():
    centres = np.array([-0.75, -0.25, 0.25, 0.75])
    F = np.array([0.0, 2.0, 3.0, 0.5])
    F_se = np.array([0.1, 0.2, 0.2, 0.1])
    dF, se = barrier(centres, F, F_se)
    assert dF == pytest.approx(2.5 - 0.25)
    assert se == pytest.approx(np.sqrt(0.25 * 0.04 + 0.25 * 0.04 + 0.25 * (0.01 + 0.01)))


def test_barrier_error_matches_the_spread_of_sampled_barriers():
    """200 independent histograms of 5000 draws: the reported SE against the spread of dF
    (relative error of a spread from 200 values: 5 %; tolerance 20 %)."""
    rng = np.random.default_rng(5)
    p, centres = bin_probabilities(41)
    width = 2 / 41
    F_true, _ = free_energy(p / width, np.zeros_like(p))
    dF_true, _ = barrier(centres, F_true, np.full_like(p, 1e-9))
    dF, se = np.array(
        [barrier(centres, *free_energy(*histogram(rng, p, 5000))) for _ in range(200)]
    ).T
    assert 0.8 < se.mean() / dF.std(ddof=1) < 1.2
    # the bias of the noisy minima is small against the error
    assert abs(dF.mean() - dF_true) < 0.5 * se.mean()


def test_barrier_refuses_profiles_that_are_not_bimodal():
    centres = np.linspace(-0.95, 0.95, 20)
    with pytest.raises(ValueError, match="not bimodal"):
        barrier(centres, 3 * centres**2, np.full(20, 0.01))  # one well at 0
    F = -np.log(well(centres))
    F -= F.min()
    with pytest.raises(ValueError, match="not bimodal"):
        barrier(centres, F, np.full(20, 2.0))  # a well within its errors
    F[9:11] = np.nan  # empty bins around 0
    with pytest.raises(ValueError, match="not defined at m = 0"):
        barrier(centres, F, np.full(20, 0.01))
    with pytest.raises(ValueError, match="bracket"):
        barrier(centres[10:], F[10:], np.full(10, 0.01))


def test_free_energy_refuses_bad_input():
    with pytest.raises(ValueError, match="zero in every bin"):
        free_energy(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="same shape"):
        free_energy(np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        free_energy(np.array([1.0, -0.1]), np.zeros(2))


def test_barrier_of_fewer_than_three_bins_names_bins():
    with pytest.raises(ValueError, match="bins >= 3.*got bins = 1"):
        barrier([0.0], [0.0], [0.1])
