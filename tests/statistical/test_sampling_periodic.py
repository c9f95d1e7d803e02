"""Samplers on periodic boxes (Ewald sum, tin foil): the Gaussian regime against
`exact.gaussian_limit` of the same periodic assembly, and same bits for any threads and chunks.

Tolerances: 4 standard errors (batch means) of the sampled value; the reference is exact
(the ball's edge is > 6 standard deviations away: `edge` of `gaussian_limit`, so the
truncation changes the moments below 1e-8).
"""

import numba
import numpy as np
import pytest

from mcdimer import Assembly, Quadratic, exact
from mcdimer.sampling import driver, sample


def sc_box(m):
    g = np.arange(m, dtype=float)
    pos = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    return pos, (m, m, m)


def dispersed_box():
    """8 particles in an elongated box (edges 2.2, 2.6, 3.1): G_ii is anisotropic, so the
    moves' self-image correction is exercised beyond the isotropic cubic case."""
    rng = np.random.default_rng(11)
    box = np.array([2.2, 2.6, 3.1])
    pos = []
    while len(pos) < 8:
        p = rng.uniform(0, 1, 3) * box
        d = np.array(pos) - p if pos else np.zeros((0, 3))
        d -= box * np.round(d / box)
        if not pos or np.min(np.linalg.norm(d, axis=1)) >= 0.9:
            pos.append(p)
    return Assembly(
        np.array(pos),
        K=8.0,
        h=(0.4, -0.3, 1.5),
        landscape=[Quadratic(40.0), Quadratic(55.0)] * 4,
        scale=[1.0, 0.8, 1.2, 0.9, 1.1, 1.0, 0.85, 1.15],
        box=box,
    )


SC = Assembly(*sc_box(2)[:1], K=10.0, C=50.0, h=(0.0, 0.0, 1.0), box=sc_box(2)[1])


@pytest.mark.parametrize(
    "model, moves",
    [
        (SC, None),  # the default: heatbath + overrelax + 4 collective proposals
        (dispersed_box(), None),
        (dispersed_box(), [("displace", 4), "jump"]),
    ],
    ids=["sc-default", "dispersed-default", "dispersed-displace"],
)
def test_periodic_box_in_the_gaussian_regime_matches_gaussian_limit(model, moves):
    want = exact.gaussian_limit(model)
    assert want["edge"] > 6.0
    result = sample(model, sweeps=20_000, burn=1_000, chains=2, seed=3, moves=moves)
    got, se = result.zz()
    cov = want["cov"][:, 2, :, 2]
    mz = want["mean"][:, 2]
    z = (got - (cov + np.outer(mz, mz))) / se
    assert np.all(np.abs(z) < 4), np.abs(z).max()
    # not vacuous: the dipolar correlations are resolved
    off = ~np.eye(model.n, dtype=bool)
    assert np.abs(cov[off]).max() > 5 * se[off].max()
    e, e_se = result.expect()["energy"], result.mcse()["energy"]
    assert abs(e - want["energy"]) < 4 * e_se, (e, want["energy"], e_se)


@pytest.mark.parametrize("moves", [["heatbath", "overrelax"], ["displace", "jump", "flip"]])
def test_periodic_same_seed_same_bits_for_threads_and_chunk_lengths(moves, monkeypatch):
    """As for chains (test_sampling_moves): the trajectory depends on the seed alone."""
    model = dispersed_box()
    opts = dict(sweeps=1_500, burn=300, chains=3, seed=42, moves=moves)
    before = numba.get_num_threads()
    runs = []
    try:
        for threads, seconds in ((1, 100.0), (2, 1e-5), (1, 1e-4)):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            monkeypatch.setattr(driver, "CHUNK_SECONDS", seconds)
            runs.append(sample(model, "metropolis", **opts))
    finally:
        numba.set_num_threads(before)
    first = runs[0]
    for other in runs[1:]:
        for key in first.records:
            assert np.array_equal(first.records[key], other.records[key]), key
        assert np.array_equal(first.extra["final_mu"], other.extra["final_mu"])
