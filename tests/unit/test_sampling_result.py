"""The order observables' arithmetic against numpy: the Binder normalisation, the nematic
eigenvalue, the overlap tensor and the structure factors of one configuration."""

import numpy as np
import pytest

from mcdimer.sampling.observables import (
    DRAW_COLUMNS,
    PAIR_SCALARS,
    largest_traceless_eigenvalue,
    pair_values,
    sweep_values,
    weighted_values,
)
from mcdimer.sampling.result import binder_cumulant

NO_MODES = np.zeros((0, 1, 3))


@pytest.mark.parametrize("d", [1, 3, 9])
def test_binder_cumulant_is_zero_for_gaussian_and_one_for_fixed_length(d):
    s2 = 0.37
    assert binder_cumulant(d * s2, (d * d + 2 * d) * s2 * s2, d) == pytest.approx(0.0, abs=1e-14)
    assert binder_cumulant(0.25, 0.0625, d) == pytest.approx(1.0, abs=1e-14)


def test_binder_cumulant_of_drawn_gaussian_vectors_is_near_zero():
    """Monte Carlo check of the d = 9 normalisation: 9 independent normal components."""
    x = np.random.default_rng(0).normal(size=(400_000, 9))
    r2 = (x * x).sum(axis=1)
    g = binder_cumulant(r2.mean(), (r2 * r2).mean(), 9)
    assert abs(g) < 0.01  # SE of g here ~ 0.003


def test_largest_traceless_eigenvalue_matches_numpy():
    rng = np.random.default_rng(1)
    for _ in range(200):
        a = rng.normal(size=(3, 3))
        a = a + a.T
        a -= np.trace(a) / 3 * np.eye(3)
        got = largest_traceless_eigenvalue(a[0, 0], a[1, 1], a[2, 2], a[0, 1], a[0, 2], a[1, 2])
        assert got == pytest.approx(np.linalg.eigvalsh(a)[-1], rel=1e-12, abs=1e-14)
    assert largest_traceless_eigenvalue(0.0, 0.0, 0.0, 0.0, 0.0, 0.0) == 0.0
    uni = largest_traceless_eigenvalue(2 / 3, -1 / 3, -1 / 3, 0.0, 0.0, 0.0)
    assert uni == pytest.approx(2 / 3, rel=1e-14)
    # two equal largest eigenvalues (r = -1 at the edge of arccos's domain)
    assert largest_traceless_eigenvalue(1 / 6, 1 / 6, -1 / 3, 0.0, 0.0, 0.0) == pytest.approx(1 / 6)


def configurations(n=7, seed=2):
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=(2, n, 3))
    mu /= np.maximum(1.0, np.linalg.norm(mu, axis=2))[..., None]
    pos = rng.uniform(0, 3, size=(n, 3))
    box = np.array([3.0, 3.5, 4.0])
    arg = pos * (2 * np.pi / box)
    phases = np.ascontiguousarray(np.stack([np.cos(arg.T), np.sin(arg.T)], axis=-1))
    return mu, pos, box, phases


def test_sweep_and_weighted_values_match_numpy():
    mu, pos, box, phases = configurations()
    n = mu.shape[1]
    scale = np.linspace(0.7, 1.3, n)
    vals = np.empty(len(DRAW_COLUMNS))
    sweep_values(mu, 1, 0.0, NO_MODES, vals)
    weighted_values(mu, 1, scale, scale.sum(), phases, vals)
    v = dict(zip(DRAW_COLUMNS, vals, strict=True))
    x = mu[1]
    m = x.mean(axis=0)
    ms = (scale[:, None] * x).sum(axis=0) / scale.sum()
    assert v["m2"] == pytest.approx(m @ m, rel=1e-13)
    assert v["m4"] == pytest.approx((m @ m) ** 2, rel=1e-13)
    assert v["ms2"] == pytest.approx(ms @ ms, rel=1e-13)
    assert v["ms4"] == pytest.approx((ms @ ms) ** 2, rel=1e-13)
    q = x.T @ x / (x * x).sum() - np.eye(3) / 3
    assert v["nematic"] == pytest.approx(np.linalg.eigvalsh(q)[-1], rel=1e-12)
    for a, axis in enumerate("xyz"):
        f = (x * np.exp(1j * 2 * np.pi / box[a] * pos[:, a])[:, None]).sum(axis=0)
        assert v[f"chi_m_{axis}"] == pytest.approx((np.abs(f) ** 2).sum() / n, rel=1e-12)


def test_pair_values_match_numpy():
    mu, pos, box, phases = configurations()
    n = mu.shape[1]
    out = np.empty(len(PAIR_SCALARS))
    qs = pair_values(mu, 0, mu, 1, phases, out, np.empty((2, 3, 3)))
    v = dict(zip(PAIR_SCALARS, out, strict=True))
    q = mu[0].T @ mu[1] / n
    assert qs == pytest.approx(np.trace(q), rel=1e-13)
    assert v["q2"] == pytest.approx((q * q).sum(), rel=1e-13)
    assert v["q4"] == pytest.approx((q * q).sum() ** 2, rel=1e-13)
    assert v["qs2"] == pytest.approx(np.trace(q) ** 2, rel=1e-13)
    field = np.einsum("ia,ib->iab", mu[0], mu[1])
    for a, axis in enumerate("xyz"):
        f = (field * np.exp(1j * 2 * np.pi / box[a] * pos[:, a])[:, None, None]).sum(axis=0)
        assert v[f"chi_q_{axis}"] == pytest.approx((np.abs(f) ** 2).sum() / n, rel=1e-12)
    open_box = np.zeros((0, 1, 2))
    pair_values(mu, 0, mu, 1, open_box, out, np.empty((2, 3, 3)))
    assert np.all(out[3 + 1 :] == 0.0)  # no box: no structure factors
