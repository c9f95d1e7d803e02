"""Samplers on assemblies beyond the chain: a chain given as positions, small clusters
against emcee on the same density, the two-particle assembly against the exact pair.

Tolerances: 4 standard errors of the difference (batch means for mcdimer, emcee's
integrated autocorrelation time for emcee), as in test_sampling_metropolis.
"""

import numpy as np
import pytest
from test_sampling_metropolis import emcee_reference

from mcdimer import Assembly, Chain, Quadratic, exact
from mcdimer.sampling import sample

TRIANGLE = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.0, np.sqrt(3) / 2]])
SQUARE = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])


def test_chain_given_as_positions_samples_the_same_bits():
    chain = Chain(6, K=3.0, C=5.0, h=(0.1, 0.0, 0.4))
    line = Assembly(np.column_stack([np.zeros(6), np.zeros(6), np.arange(6.0)]), 3.0, C=5.0,
                    h=(0.1, 0.0, 0.4))  # fmt: skip
    a = sample(chain, sweeps=2_000, burn=200, chains=2, seed=9, moves=["heatbath", "overrelax"])
    b = sample(line, sweeps=2_000, burn=200, chains=2, seed=9, moves=["heatbath", "overrelax"])
    for key in a.records:
        assert np.array_equal(a.records[key], b.records[key]), key


def test_general_coupling_path_matches_the_chain_path_statistically():
    """The same line with one particle slightly off-axis takes the general (on-the-fly
    tensor) path; moved back to the axis by 1e-9 its numbers agree with the chain's."""
    pos = np.column_stack([np.zeros(4), np.zeros(4), np.arange(4.0)])
    pos[2, 0] = 1e-9
    general = Assembly(pos, 3.0, C=5.0)
    assert not general.is_chain
    a = sample(Chain(4, K=3.0, C=5.0), sweeps=50_000, burn=2_000, chains=4, seed=1)
    b = sample(general, sweeps=50_000, burn=2_000, chains=4, seed=2)
    for key in ("mu1z2", "mu1x2", "mu1z_mu2z", "energy", "mz2"):
        diff = a.expect()[key] - b.expect()[key]
        assert abs(diff) < 4 * np.hypot(a.mcse()[key], b.mcse()[key]), key


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [
        Assembly(TRIANGLE, K=4.0, C=5.0),
        Assembly(SQUARE, K=4.0, C=5.0, h=(0.0, 0.0, 0.5)),
        Assembly(
            SQUARE,
            K=4.0,
            landscape=[Quadratic(5.0), Quadratic(6.0)] * 2,
            scale=[1.0, 0.8, 1.2, 0.9],
        ),  # fmt: skip
    ],
    ids=["triangle", "square-field", "square-dispersion"],
)
def test_small_clusters_match_emcee(model):
    result = sample(model, sweeps=200_000, burn=5_000, chains=4, seed=5)
    got, got_se = result.zz()
    want, want_se = emcee_reference(model, steps=30_000)
    z = (got - want) / np.hypot(got_se, want_se)
    assert np.all(np.abs(z) < 4), np.abs(z).max()
    assert np.abs(got[0, 1]) > 10 * got_se[0, 1]  # correlated: the check is not vacuous


@pytest.mark.parametrize("axis", [(1.0, 0.0, 0.0), (0.3, -0.5, 0.8)])
def test_pair_on_any_axis_matches_the_exact_pair(axis):
    e = np.array(axis) / np.linalg.norm(axis)
    model = Assembly(np.array([[0.0, 0.0, 0.0], e]), K=8.0, C=10.0, h=(0.3, 0.0, 1.0))
    result = sample(model, sweeps=100_000, burn=2_000, chains=4, seed=4)
    want = exact.expect(model)
    got, se = result.expect(), result.mcse()
    for key in ("mu1z", "mu1x", "mu1z2", "mu1x2", "abs_mu1", "mu1z_mu2z", "energy"):
        if key in want:
            assert abs(got[key] - want[key]) < 4 * se[key], (key, got[key], want[key], se[key])


def test_mean_modulus_is_recorded():
    result = sample(Chain(3, K=1.0, C=5.0), sweeps=5_000, burn=500, chains=2, seed=1)
    site, _ = result.site_means()
    assert result.expect()["abs_mu_mean"] == pytest.approx(site["abs"].mean(), rel=1e-12)


def test_overlap_with_the_critical_mode_tells_order_from_disorder():
    """Chain n = 8 (Eq. (C1): K_c/C = 0.467): the overlap with the critical mode is near 1
    deep in the ordered phase and near its disordered value sqrt(1/(3n)) x rms |mu| below."""
    ordered = sample(Chain(8, K=40.0, C=50.0), sweeps=20_000, chains=2, seed=1)
    para = sample(Chain(8, K=15.0, C=50.0), sweeps=20_000, chains=2, seed=1)
    assert ordered.settings["critical_modes"] == 1
    assert ordered.expect()["mode_overlap"] > 0.85
    assert para.expect()["mode_overlap"] < 0.1
    # an explicit mode gives the same numbers as the automatic one
    from mcdimer.meanfield import critical_modes

    explicit = sample(Chain(8, K=15.0, C=50.0), sweeps=20_000, chains=2, seed=1,
                      critical_modes=critical_modes(Chain(8, K=15.0, C=50.0)))  # fmt: skip
    assert explicit.expect()["mode_overlap"] == pytest.approx(para.expect()["mode_overlap"])
    off = sample(Chain(8, K=15.0, C=50.0), sweeps=2_000, chains=2, seed=1, critical_modes=False)
    assert np.isnan(off.expect()["mode_overlap"])
    with pytest.raises(ValueError, match="critical_modes"):
        sample(Chain(8, K=15.0, C=50.0), sweeps=10, critical_modes=np.ones((1, 7, 3)))
