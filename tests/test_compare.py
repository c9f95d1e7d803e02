"""mcdimer.compare: mean field next to the exact dimer."""

import numpy as np
import pytest

from mcdimer import compare


def test_dimer_table_below_threshold_is_gaussian_and_unordered():
    C = 50.0
    ds = compare.dimer_table([0.5, 1.5], (C,), onsets=False)
    K = 0.5 * C
    assert ds["mu1z2"].sel(C=C, ratio=0.5) == pytest.approx(C / (2 * (C**2 - K**2)), rel=1e-6)
    assert ds["mf_t0"].values.tolist() == [[0.0, 1.0]]
    assert ds["mf_finite_t"].sel(ratio=0.5) == 0.0
    assert ds["peak"].sel(ratio=1.5) > 0.9
    sampled = compare.add_sampled(ds, "abs_mu1z", np.zeros((1, 2)), np.ones((1, 2)))
    assert "sampled_abs_mu1z_se" in sampled
    with pytest.raises(ValueError, match="shape"):
        compare.add_sampled(ds, "x", np.zeros(2), np.zeros(2))
