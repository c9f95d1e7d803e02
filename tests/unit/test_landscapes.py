"""Single-particle landscapes: Eq. (B1), the tanh model (Eq. (9)) by Legendre transform, tables."""

import numpy as np
import pytest
from scipy import integrate

import mcdimer
from mcdimer import FromResponse, Quadratic, Saturating


def test_quadratic_table_is_exact_in_s():
    q = Quadratic(7.5)
    t = q.table(65)
    s = np.linspace(0, 1, 65)
    assert np.allclose(t, 7.5 * s, rtol=0, atol=1e-14)
    assert q.response(3.0) == pytest.approx(0.2)  # Eq. (B3): h/(2C)
    assert q.response(100.0) == 1.0  # the ball's edge


def test_saturating_is_the_legendre_transform_of_tanh():
    """slope(r) = 2C artanh r inverts r = tanh(h/2C), and energy = integral of the slope."""
    sat = Saturating(3.0)
    r = np.linspace(0.0, 0.99, 12)
    assert np.allclose(np.tanh(sat.slope(r) / (2 * 3.0)), r, atol=1e-14)
    for x in r[1:]:
        want, _ = integrate.quad(lambda u: sat.slope(u), 0, x)
        assert sat.energy(x) == pytest.approx(want, rel=1e-10)
    assert sat.energy(1.0) == pytest.approx(2 * 3.0 * np.log(2))  # finite at the edge
    # same zero-field curvature as Quadratic(C): K/C = chi/chi_c^z for both
    assert sat.energy(1e-4) == pytest.approx(Quadratic(3.0).energy(1e-4), rel=1e-7)


def test_saturating_from_chi_and_from_susceptibility():
    assert Saturating(chi=0.25, M0=1.0).C == pytest.approx(2.0)
    assert Saturating(chi=0.5, M0=2.0).C == pytest.approx(4.0)
    assert Saturating.from_susceptibility(1.5, K=30.0).C == pytest.approx(20.0)
    assert not Saturating(chi=-0.3).paramagnetic
    with pytest.raises(ValueError, match="chi_ratio"):
        Saturating.from_susceptibility(-1.0, K=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        Saturating(1.0, chi=1.0)


def test_from_response_reproduces_the_saturating_landscape():
    sat = Saturating(2.0)
    r = np.linspace(0, 1, 4001)
    h = sat.slope(np.minimum(r, 1 - 1e-9))
    tab = FromResponse(r, h)
    x = np.linspace(0, 0.95, 20)
    assert np.allclose(tab.energy(x), sat.energy(x), atol=1e-9)
    assert np.allclose(tab.response(sat.slope(x)), x, atol=1e-6)


def test_diamagnetic_landscapes_are_refused_by_the_samplers():
    for land in (Saturating(chi=-0.2), FromResponse([0, 0.5, 1], [0, -1, -3])):
        with pytest.raises(ValueError, match="diamagnetic"):
            mcdimer.sample(mcdimer.Dimer(K=1.0, landscape=land), sweeps=10)


def test_from_response_rejects_bad_tables():
    with pytest.raises(ValueError, match="increase strictly"):
        FromResponse([0, 0.7, 0.5, 1.0], [0, 1, 2, 3])
    with pytest.raises(ValueError, match="finite"):
        FromResponse([0, 0.5, 1.0], [0, np.nan, 2])


class _Scalar(mcdimer.Landscape):
    def energy(self, r):
        return 1.0

    def slope(self, r):
        return 0.0 * np.asarray(r)


class _Coarse(Quadratic):
    def table(self, size=4097):
        return np.linspace(0.0, self.C, 5)


class _Infinite(Quadratic):
    def energy(self, r):
        return np.where(np.asarray(r) > 0.5, np.inf, 0.0)


@pytest.mark.parametrize(
    ("landscape", "words"),
    [
        (_Scalar(), "one value per r"),
        (_Coarse(3.0), "5 points is too coarse"),
        (_Infinite(3.0), "not finite"),
    ],
)
def test_custom_landscape_tables_are_refused_before_sampling(landscape, words):
    """A scalar energy(), a 5-entry table or an infinite wall never reach the kernels."""
    with pytest.raises(ValueError, match=words):
        landscape.table()
    with pytest.raises(ValueError, match=words):
        mcdimer.exact.expect(mcdimer.Chain(2, 1.0, landscape=landscape))
