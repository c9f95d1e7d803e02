"""The microscopic landscape's table (mcdimer/micro/landscape.py)."""

import numpy as np
import pytest

from mcdimer.micro import Microscopic
from mcdimer.micro.spectrum import shell_kfa


@pytest.mark.filterwarnings("ignore:kfa = .* outside its Curie peak:UserWarning")
@pytest.mark.parametrize("offset", [-0.5, 1.0, 2.0, -6.0, -0.502024325, 0.936777365])
def test_landscape_exists_on_the_flank_of_a_curie_peak(offset):
    """Radii a few kFa t off zeta_{1,36} (paramagnetic, chi > 0): the tabulated M(x) is flat
    to round-off at its first maximum; neither a dip there followed by a rise nor a grid
    value a round-off above the refined maximum may break the monotonic inverse x(M) (each
    did for some of these offsets, in units of t, at t = 1e-7)."""
    t = 1e-7
    land = Microscopic(shell_kfa((1, 36)) * (1.0 + offset * t), t)
    table = land.table()
    assert land.chi > 0 and np.all(np.diff(table) > 0)
    assert land.m0 == pytest.approx(1330, rel=3e-3)


@pytest.mark.filterwarnings("ignore:kfa = .* outside its Curie peak:UserWarning")
def test_hotter_replica_with_a_larger_first_maximum_is_truncated_at_the_cold_one():
    """Off the peak (here 4 t), M0(t/b) can exceed M0(t): the tempered landscape ends at
    the cold M0 (r = 1) and agrees with the hot landscape inside the ball."""
    t, b = 1e-7, 0.7356
    cold = Microscopic(42.966926902046986, t)
    hot = Microscopic(cold.kfa, t / b)
    assert hot.m0 > cold.m0
    land = cold.tempered(b)
    assert np.all(np.diff(land.table()) > 0)
    r = np.linspace(0.0, 0.99, 50)
    scaled = hot.energy(r * cold.m0 / hot.m0)  # hot F in the hot units, beta' = b beta
    np.testing.assert_allclose(land.energy(r), scaled, rtol=1e-3, atol=1e-6)
