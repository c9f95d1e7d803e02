"""Linear response of the dimer, Eqs. (6)-(8), against closed forms."""

import numpy as np
import pytest

from mcdimer import meanfield as mf


def test_critical_susceptibility_at_d_3a_is_3_22_and_6_45():
    # Eq. (8): 3/(4 pi |eta|) 27 = 81/(8 pi) and 81/(4 pi)
    assert mf.critical_susceptibility(3.0, "z") == pytest.approx(81 / (8 * np.pi), rel=1e-14)
    assert round(mf.critical_susceptibility(3.0, "z"), 2) == 3.22
    assert round(mf.critical_susceptibility(3.0, "x"), 2) == 6.45
    assert mf.critical_susceptibility(3.0, "y") == mf.critical_susceptibility(3.0, "x")


def test_chi_c_z_is_d3_over_2V():
    d_over_a = 4.0
    volume = 4 * np.pi / 3  # a = 1
    assert mf.critical_susceptibility(d_over_a, "z") == pytest.approx(d_over_a**3 / (2 * volume))


@pytest.mark.parametrize("axis", ["x", "z"])
def test_eq6_reduces_to_eq7_with_error_of_order_a_over_d_to_the_6(axis):
    chi1, chi2 = 0.7, -0.4
    d = np.array([4.0, 8.0, 16.0, 32.0])
    err = np.array(
        [
            mf.linear_susceptibility(chi1, chi2, x, axis)
            - mf.linear_susceptibility_first_order(chi1, chi2, x, axis)
            for x in d
        ]
    )
    # the (a/d)^3 terms agree; what is left is the (a/d)^6 term of the denominator,
    # (chi1 + chi2)/2 * eta^2 (16 pi^2/9) chi1 chi2 (a/d)^6, up to O((a/d)^9)
    eta = {"x": 1.0, "z": -2.0}[axis]
    coeff = 0.5 * (chi1 + chi2) * eta**2 * 16 * np.pi**2 / 9 * chi1 * chi2
    assert np.all(np.abs(err * d**6 / coeff - 1) < 20 / d**3)
    # and the first-order term itself is Delta chi = -eta (4 pi/3) chi1 chi2 (a/d)^3
    first = mf.linear_susceptibility_first_order(chi1, chi2, 10.0, axis) - (chi1 + chi2) / 2
    assert first == pytest.approx(-eta * 4 * np.pi / 3 * chi1 * chi2 / 1000)


def test_eq6_diverges_on_chi1_chi2_equal_chi_c_squared():
    chi_c = mf.critical_susceptibility(3.0, "z")
    below = mf.linear_susceptibility(0.999 * chi_c, chi_c, 3.0, "z")
    above = mf.linear_susceptibility(1.001 * chi_c, chi_c, 3.0, "z")
    assert below > 100 * chi_c and above < -100 * chi_c
    assert mf.linear_susceptibility(1.0, 2.0, 1e6, "z") == pytest.approx(1.5, rel=1e-9)


def test_reduced_form_matches_eq6():
    chi_c = mf.critical_susceptibility(5.0, "z")
    for x1, x2 in [(0.3, 0.5), (-1.2, 0.4), (2.0, 2.5)]:
        full = mf.linear_susceptibility(x1 * chi_c, x2 * chi_c, 5.0, "z") / chi_c
        assert mf.reduced_longitudinal_susceptibility(x1, x2) == pytest.approx(full, rel=1e-12)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="d_over_a"):
        mf.critical_susceptibility(1.9)
    with pytest.raises(ValueError, match="chi1"):
        mf.linear_susceptibility(np.nan, 1.0, 3.0)
    with pytest.raises(ValueError, match="chi2"):
        mf.linear_susceptibility(1.0, [1.0, np.inf], 3.0)
    with pytest.raises(ValueError, match="axis"):
        mf.critical_susceptibility(3.0, "w")
    with pytest.warns(UserWarning, match="footnote 6"):
        mf.critical_susceptibility(2.5)
