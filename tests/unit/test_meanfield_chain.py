"""Eq. (C1), Fig. 9: the chain's critical susceptibility and its large-N limit."""

import numpy as np
import pytest
from scipy.special import zeta

from mcdimer import meanfield as mf
from mcdimer.meanfield.chain import asymptotic_excess


def dense_lambda(n):
    k = np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(float)
    a = np.where(k > 0, 1.0 / np.where(k > 0, k, 1.0) ** 3, 0.0)
    return np.linalg.eigvalsh(a)[-1]


def test_dimer_ratio_is_one():
    assert mf.chain_critical_ratio(2) == 1.0


def test_three_particles_closed_form():
    # A = [[0,1,e],[1,0,1],[e,1,0]], e = 1/8: symmetric mode lambda = (e + sqrt(e^2 + 8))/2
    e = 1 / 8
    assert mf.chain_critical_ratio(3) == pytest.approx(2 / (e + np.sqrt(e * e + 8)), rel=1e-13)


def test_asymptote_is_one_over_two_zeta3():
    assert pytest.approx(1 / (2 * zeta(3)), rel=1e-15) == mf.CHAIN_ASYMPTOTE
    assert round(mf.CHAIN_ASYMPTOTE, 3) == 0.416


@pytest.mark.parametrize("n", [5, 64, 301, 1000])
def test_matrix_free_path_matches_dense_eigvalsh(n):
    assert mf.chain_lambda_max(n, "fft") == pytest.approx(dense_lambda(n), rel=1e-12, abs=1e-12)


def test_ratio_decreases_monotonically_towards_asymptote():
    r = np.array([mf.chain_critical_ratio(n) for n in range(2, 40)])
    assert np.all(np.diff(r) < 0) and np.all(r > mf.CHAIN_ASYMPTOTE)


def test_large_n_rate_is_pi2_log_n_over_n2():
    """2 zeta(3) - lambda_max = pi^2 (ln n + b)/n^2 + o(1/n^2) (derivation in chain.py)."""
    ns = np.array([500, 2000, 8000, 32000, 100000])
    deficit = np.array([2 * zeta(3) - mf.chain_lambda_max(int(n), "fft") for n in ns])
    b = deficit * ns**2 / np.pi**2 - np.log(ns)
    # ln n grows by 5.3 over this range while b stays put: the ln n / n^2 law with slope pi^2
    assert np.ptp(b) < 0.05
    assert np.all(np.diff(np.abs(np.diff(b))) < 0)  # and settles down
    # in the ratio: excess -> pi^2 ln n / (4 zeta(3)^2 n^2) (1 + b/ln n)
    excess = np.array([mf.chain_critical_ratio(int(n)) for n in ns[-2:]]) - mf.CHAIN_ASYMPTOTE
    assert excess / asymptotic_excess(ns[-2:]) == pytest.approx(
        1 + b[-2:] / np.log(ns[-2:]), rel=1e-3
    )


def test_bad_n():
    for bad in (1, 0, 2.0, True):
        with pytest.raises(ValueError, match="n must be"):
            mf.chain_critical_ratio(bad)
    with pytest.raises(ValueError, match="method"):
        mf.chain_lambda_max(10, "lanczos")
