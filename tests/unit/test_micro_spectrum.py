"""mcdimer.micro.spectrum: Bessel zeros, <rho^2>_nl, level shifts (docs/physics.md,
"Microscopic model")."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import spherical_jn

from mcdimer import micro
from mcdimer.micro import spectrum

SAMPLE = [(1, 0), (3, 0), (1, 1), (2, 5), (1, 36), (6, 26), (5, 37), (10, 150), (1, 400), (3, 400)]


def _zero_by_scan(n, l):
    """n-th zero of j_l by a sign scan (step 0.05 < half the spacing pi) and brentq."""
    z = np.arange(l + 0.5, l + 0.5 + np.pi * (n + 2) + 10 * (l + 1) ** (1 / 3), 0.05)
    f = spherical_jn(l, z)
    idx = np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:]))[n - 1]
    return brentq(lambda v: spherical_jn(l, v), z[idx], z[idx + 1], xtol=1e-14, rtol=1e-15)


@pytest.mark.parametrize("n,l", SAMPLE)
def test_bessel_zeros_match_scipy_scan(n, l):
    assert micro.bessel_zero(n, l) == pytest.approx(_zero_by_scan(n, l), abs=1e-12)


def test_bessel_zeros_match_mpmath_to_1e12():
    mpmath = pytest.importorskip("mpmath")
    for n, l in SAMPLE[:-3]:  # mpmath is slow at large order; the scan covers l = 400
        ref = float(mpmath.besseljzero(mpmath.mpf(l) + 0.5, n))
        assert abs(micro.bessel_zero(n, l) - ref) < 1e-12


def test_zero_table_is_complete_and_interlaced():
    tab = micro.zero_table(120.0)
    sel = tab.zeta < 120.0
    # every zero of j_0 = sin z / z below 120 is n pi
    z0 = np.sort(tab.zeta[sel & (tab.l == 0)])
    np.testing.assert_allclose(z0, np.pi * np.arange(1, z0.size + 1), rtol=0, atol=1e-12)
    for l in (0, 7, 40):
        a = np.sort(tab.zeta[tab.l == l])
        b = np.sort(tab.zeta[tab.l == l + 1])
        k = min(a.size - 1, b.size)
        assert np.all(a[:k] < b[:k]) and np.all(b[:k] < a[1 : k + 1])
    # count of zeros of j_5 below 120 from an independent sign scan
    z = np.linspace(1.0, 120.0, 200001)
    f = spherical_jn(5, z)
    assert np.sum(np.sign(f[:-1]) != np.sign(f[1:])) == np.sum(sel & (tab.l == 5))


@pytest.mark.parametrize("n,l", [(1, 0), (2, 1), (3, 5), (1, 36), (7, 20)])
def test_rho2_closed_form_matches_quadrature(n, l):
    zeta = _zero_by_scan(n, l)
    num = quad(lambda r: r**4 * spherical_jn(l, zeta * r) ** 2, 0, 1, limit=500, epsrel=1e-13)[0]
    den = quad(lambda r: r**2 * spherical_jn(l, zeta * r) ** 2, 0, 1, limit=500, epsrel=1e-13)[0]
    assert micro.rho2(zeta, l) == pytest.approx(num / den, rel=1e-10)
    assert micro.rho2_quadrature(zeta, l) == pytest.approx(num / den, rel=1e-10)


def test_sin2_matrix_element_and_its_m_sum():
    # <sin^2 theta>_lm = 1 - <cos^2 theta>_lm, checked by quadrature of |Y_lm|^2
    from scipy.special import sph_harm_y

    for l, m in [(0, 0), (1, 0), (1, 1), (4, 2), (9, 9)]:
        val = quad(
            lambda th, l=l, m=m: np.sin(th) ** 3 * abs(sph_harm_y(l, m, th, 0.0)) ** 2 * 2 * np.pi,
            0,
            np.pi,
        )[0]
        assert micro.sin2(l, m) == pytest.approx(val, rel=1e-10)
    for l in (0, 3, 36):
        m = np.arange(-l, l + 1)
        assert micro.sin2(l, m).sum() == pytest.approx(2 * (2 * l + 1) / 3, rel=1e-13)


def test_level_energies_first_order_shifts():
    zeta, l, kfa, x = micro.bessel_zero(2, 3), 3, 20.0, 1e-3
    m = np.arange(-l, l + 1)
    e = micro.level_energies(zeta, l, m, kfa, x)
    # Zeeman splitting x/2 per unit of m, diamagnetic shift symmetric in m
    np.testing.assert_allclose(e[4:] - e[2::-1][::-1][::-1], 0.5 * x * (m[4:] - m[2::-1]))
    dia = e - (zeta / kfa) ** 2 - 0.5 * x * m
    np.testing.assert_allclose(dia, dia[::-1], rtol=1e-12)


def test_spectrum_is_cached_per_kfa_and_cutoff():
    a = spectrum.spectrum(30.0, 1.25)
    assert spectrum.spectrum(30.0, 1.25) is a
    assert np.all(a.e0 <= 1.25) and np.all(np.diff(a.zeta) >= 0)
