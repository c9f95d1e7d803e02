"""The collective move along the soft mode (`sampling/collective.py`) against independent
references: the exact dimer quadrature (`exact.expect`, Eq. (B8)) and the Gaussian limit of a
chain (`exact.gaussian_limit`).

Statistical method: one chain per case, cycles of one exact heat-bath sweep (the ergodic
part; fields recomputed from the dense pair tensor, so the loop shares no bookkeeping with
the move under test) and `PROPOSALS` collective proposals, which change the configuration
far more than the heat-bath sweep along v (their acceptance and step are printed on failure).
Averages over the cycles; the standard error by batch means (50 batches, each much longer
than the autocorrelation time). A case passes within 4.5 standard errors. Power: the same
estimator with the sign of v.T.v flipped in the move (a wrong Delta W) misses the reference
by many standard errors (test_wrong_energy_change_is_detected). Cases beyond the threshold
are left out: there a run sits in one of the two ordered states for longer than any test
(measured: K = 60, h_z = 2, all 50 000 cycles in the minority state -z, whatever the move).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

import mcdimer.exact
from mcdimer import Chain, Dimer
from mcdimer.meanfield import chain_critical_ratio
from mcdimer.sampling.collective import collective_move, soft_mode
from mcdimer.sampling.heatbath import build_heatbath_table, heatbath_move
from mcdimer.sampling.rng import seed_states

BATCHES = 50
PROPOSALS = 8


@njit
def _cycles(mu, h, t, table, hb, v, tv, vtv, delta, cycles, sign, state, out):
    """cycles x (heat-bath sweep + PROPOSALS collective proposals) of one slot; out[c] =
    (mu_1z^2, mu_1z mu_2z, |mu_1|, (v . mu)^2, accepted collective proposals)."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    n = mu.shape[1]
    fld = np.empty_like(mu)
    fcur = np.empty((1, n))
    tables = table.reshape(1, 1, table.size)
    species = np.zeros(n, dtype=np.int64)
    for c in range(cycles):
        for i in range(n):
            a = h.copy()
            for j in range(n):
                for p in range(3):
                    for q in range(3):
                        a[p] += t[i, j, p, q] * mu[0, j, q]
            mu[0, i, 0], mu[0, i, 1], mu[0, i, 2], _, s0, s1, s2, s3 = heatbath_move(
                mu[0, i, 0], mu[0, i, 1], mu[0, i, 2], a[0], a[1], a[2], table, hb, s0, s1, s2, s3
            )
        for i in range(n):
            for p in range(3):
                fld[0, i, p] = h[p]
                for j in range(n):
                    for q in range(3):
                        fld[0, i, p] += t[i, j, p, q] * mu[0, j, q]
            x = (mu[0, i, 0] ** 2 + mu[0, i, 1] ** 2 + mu[0, i, 2] ** 2) * (table.size - 1)
            k = min(int(x), table.size - 2)
            fcur[0, i] = table[k] + (x - k) * (table[k + 1] - table[k])
        _, _, acc, s0, s1, s2, s3 = collective_move(
            mu, fld, fcur, 0, 0, 1.0, tables, species, v, tv, sign * vtv, delta, PROPOSALS,
            s0, s1, s2, s3,
        )  # fmt: skip
        proj = 0.0
        for i in range(n):
            for p in range(3):
                proj += v[i, p] * mu[0, i, p]
        out[c, 0] = mu[0, 0, 2] ** 2
        out[c, 1] = mu[0, 0, 2] * mu[0, 1, 2]
        out[c, 2] = np.sqrt(mu[0, 0, 0] ** 2 + mu[0, 0, 1] ** 2 + mu[0, 0, 2] ** 2)
        out[c, 3] = proj * proj
        out[c, 4] = acc
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


def _run(model, delta, cycles, seed, burn=2_000, sign=1.0):
    """Averages and batch-means standard errors of the recorded columns (cycles after burn)."""
    (landscape,), _ = model.landscape_groups()
    table = landscape.table()
    t = np.ascontiguousarray(model.pair_tensor())
    a_max = float(np.linalg.norm(model.h) + np.abs(t).sum(axis=(1, 2, 3)).max())
    hb = build_heatbath_table(table, a_max)
    v, tv, vtv = soft_mode(model)
    mu = np.zeros((1, model.n, 3))
    out = np.empty((burn + cycles, 5))
    h = np.asarray(model.h, dtype=float)
    _cycles(
        mu, h, t, table, hb, v, tv, vtv, delta, burn + cycles, sign, seed_states(seed, 1)[0], out
    )
    x = out[burn:]
    means = x.reshape(BATCHES, -1, x.shape[1]).mean(axis=1)
    return x.mean(axis=0), means.std(axis=0, ddof=1) / np.sqrt(BATCHES)


@pytest.mark.parametrize(
    "K, C, h, delta, seed",
    [
        (40.0, 50.0, (0.0, 0.0, 0.0), 0.5, 1),  # paramagnetic, Gaussian-like
        (48.0, 50.0, (0.3, 0.0, 0.1), 1.0, 2),  # near the threshold (K = C): the edge is felt
    ],
)
def test_dimer_with_collective_moves_matches_quadrature(K, C, h, delta, seed):
    model = Dimer(K=K, C=C, h=h)
    want = mcdimer.exact.expect(model)
    got, se = _run(model, delta, 100_000, seed)
    accepted = got[4] / PROPOSALS
    assert 0.05 < accepted < 0.95, f"collective acceptance {accepted:.3f}"
    for col, key in ((0, "mu1z2"), (1, "mu1z_mu2z"), (2, "abs_mu1")):
        z = (got[col] - want[key]) / se[col]
        assert abs(z) < 4.5, f"{key}: {got[col]:.5f} vs exact {want[key]:.5f} ({z:+.1f} se)"


def _soft_variance(model):
    """<(v . mu)^2> in the Gaussian limit, v the soft mode: v^T H^-1 v."""
    lim = mcdimer.exact.gaussian_limit(model)
    assert lim["edge"] > 6.0
    v = soft_mode(model)[0].ravel()
    return float(v @ lim["cov"].reshape(3 * model.n, 3 * model.n) @ v)


def test_chain_near_threshold_matches_gaussian_limit_along_the_soft_mode():
    n, C = 16, 500.0
    model = Chain(n, K=0.9 * chain_critical_ratio(n) * C, C=C)
    got, se = _run(model, 0.25, 60_000, 3)
    want = _soft_variance(model)
    z = (got[3] - want) / se[3]
    assert abs(z) < 4.5, f"<(v.mu)^2> {got[3]:.5f} vs Gaussian {want:.5f} ({z:+.1f} se)"
    assert got[4] / PROPOSALS > 0.2


def test_wrong_energy_change_is_detected():
    # power: flipping the sign of the eps^2 term of Delta W must be seen by the same test
    n, C = 16, 500.0
    model = Chain(n, K=0.9 * chain_critical_ratio(n) * C, C=C)
    got, se = _run(model, 0.25, 60_000, 3, sign=-1.0)
    want = _soft_variance(model)
    assert abs(got[3] - want) > 8.0 * se[3]
