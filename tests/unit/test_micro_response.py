"""mcdimer.micro.response: M(x) and chi/|chi_L| of one sphere (docs/physics.md,
"Microscopic model", App. A)."""

import time

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import spherical_jn

from mcdimer import micro

CHI_L = 2.9e-7
CHI_C = 3.0 / (8.0 * np.pi) * 27.0  # Eq. (8), d = 3a: 3.22


def _zeta(n, l):
    z = np.arange(l + 0.5, l + 40.0, 0.05)
    f = spherical_jn(l, z)
    i = np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:]))[n - 1]
    return brentq(lambda v: spherical_jn(l, v), z[i], z[i + 1], xtol=1e-14, rtol=1e-15)


Z136 = _zeta(1, 36)


def _curie(zeta, l):
    """f(1-f) = 1/4 for the shell at E_F: chi/|chi_L| -> (9 pi/zeta^3) l(l+1)(2l+1)/(12 t)."""
    return 9 * np.pi / zeta**3 * l * (l + 1) * (2 * l + 1) / 12


def test_diamagnetic_background_tends_to_minus_two_fifths_kfa_squared():
    # at low t, away from the peaks, chi/(kFa)^2 -> -2/5 with an O(1/kFa) surface term
    dev = []
    for k0 in (50.0, 100.0, 200.0):
        ks = np.linspace(k0, k0 + 1.0, 801)
        ratio = np.median(micro.zfs(ks, 1e-6) / ks**2)
        dev.append((ratio + 0.4) * k0)
        assert abs(ratio + 0.4) < 3.0 / k0
    assert dev[0] == pytest.approx(dev[-1], rel=0.15)  # the deviation is ~ c/kFa


def test_curie_law_at_zeta_1_36():
    c = _curie(Z136, 36)
    assert micro.curie_constant(1, 36) == pytest.approx(c, rel=1e-12)
    for t in (5e-5, 1e-5, 1e-6, 1e-8, 1e-9):
        chi = micro.zfs(Z136, t)
        assert chi > 0
        assert chi * t == pytest.approx(c, rel=0.02)
    # Curie-like: chi t is constant to the background -0.4 (kFa)^2 t and shells 40 t away
    assert micro.zfs(Z136, 1e-9) * 1e-9 == pytest.approx(c, rel=1e-6)


def test_zfs_crosses_chi_c_at_t_of_order_1e7():
    target = CHI_C / CHI_L
    t_star = np.exp(brentq(lambda lt: micro.zfs(Z136, np.exp(lt)) - target, np.log(1e-8), -9))
    assert 1e-7 < t_star < 1e-6
    # closed form: the Curie term of the shell at E_F against chi_c (background ~ 1e-4 of it)
    assert t_star == pytest.approx(_curie(Z136, 36) / target, rel=1e-3)
    assert micro.crossing_temperature(Z136) == pytest.approx(t_star, rel=1e-9)


def test_kfa_42_4_stays_diamagnetic_and_42_7_turns_paramagnetic_when_hot():
    t = np.geomspace(1e-9, 5e-3, 60)
    assert np.all(micro.zfs(np.full(t.size, 42.4), t) < 0)
    assert micro.zfs(42.7, 1e-6) < 0 < micro.zfs(42.7, 5e-3)


@pytest.mark.parametrize("kfa,t", [(Z136, 5e-3), (Z136, 5e-5), (42.4, 5e-4), (Z136, 1e-9)])
def test_moment_at_small_field_is_zfs_times_x(kfa, t):
    # M/mu_B = (kFa)^3/(9 pi) (chi/|chi_L|) x at x -> 0
    x = 1e-6 * t / 36
    expected = kfa**3 / (9 * np.pi) * micro.zfs(kfa, t) * x
    assert micro.moment(kfa, t, x) == pytest.approx(expected, rel=1e-6)
    assert micro.moment(kfa, t, -x) == pytest.approx(-expected, rel=1e-6)


def _grand_potential(kfa, t, x):
    """Omega/E_F = -2 t sum_nlm ln(1 + exp(-(e - 1)/t)), levels from scipy zeros (brute force)."""
    total = 0.0
    for l in range(0, int(1.3 * kfa) + 2):
        z = np.arange(l + 0.5, 1.2 * kfa, 0.02)
        if z.size < 2:
            break
        f = spherical_jn(l, z)
        for i in np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:])):
            zeta = brentq(lambda v, l=l: spherical_jn(l, v), z[i], z[i + 1], xtol=1e-14)
            m = np.arange(-l, l + 1)
            rho2 = (1 + (2 * l - 1) * (2 * l + 3) / (2 * zeta**2)) / 3
            s = 2 * (l * l + l - 1 + m * m) / ((2 * l - 1) * (2 * l + 3))
            e = (zeta / kfa) ** 2 + x * m / 2 + x * x * kfa**2 * rho2 * s / 16
            total += -2 * t * np.sum(np.logaddexp(0.0, -(e - 1) / t))
    return total


def test_moment_is_minus_derivative_of_grand_potential():
    # M = -dOmega/dH with x = 2 mu_B H/E_F: M/mu_B = -2 d(Omega/E_F)/dx
    kfa, t, x, dx = 12.3, 1e-2, 4e-3, 1e-5
    fd = -2 * (_grand_potential(kfa, t, x + dx) - _grand_potential(kfa, t, x - dx)) / (2 * dx)
    assert micro.moment(kfa, t, x) == pytest.approx(fd, rel=1e-6, abs=1e-6)


def test_level_cutoff_is_converged():
    for kfa, t in [(Z136, 5e-3), (42.4, 5e-5), (Z136, 1e-9), (61.0, 1e-3)]:
        assert micro.zfs(kfa, t) == pytest.approx(micro.zfs(kfa, t, tail=80.0), rel=1e-12)
        x = np.array([1e-5, 5e-4, 2e-3])
        np.testing.assert_allclose(
            micro.moment(kfa, t, x), micro.moment(kfa, t, x, tail=80.0), rtol=1e-12
        )


def test_fig6_curve_of_1000_kfa_takes_under_a_few_seconds():
    micro.zfs(np.linspace(40, 55, 10), 5e-3)  # compile and build the zero table
    start = time.perf_counter()
    for t in (5e-3, 5e-4, 5e-5):
        micro.zfs(np.linspace(40, 55, 1000), t)
    assert time.perf_counter() - start < 3.0
