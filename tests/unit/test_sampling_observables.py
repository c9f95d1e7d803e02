"""The observables of one sweep and their records (mcdimer/sampling/observables.py), read
through what users see (SampleResult: expect(), to_datatree()): each column against numpy
on the same configurations, and the records' sums against the means they give."""

from __future__ import annotations

import numpy as np
import pytest

from mcdimer import geometry
from mcdimer.model import Assembly
from mcdimer.sampling import sample
from mcdimer.sampling.kernels import NO_MODES
from mcdimer.sampling.observables import (
    DRAW_COLUMNS,
    HIST_BINS,
    HISTS,
    PAIR_SCALARS,
    SCALARS,
    SITE_COLUMNS,
    accumulate,
    accumulate_sweep,
    largest_traceless_eigenvalue,
    pair_values,
    sweep_values,
    weighted_values,
)
from mcdimer.sampling.result import RECORD_DIMS

COL = {name: j for j, name in enumerate(DRAW_COLUMNS)}


def _ball(rng, shape):
    v = rng.normal(size=shape + (3,))
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    return v * rng.uniform(size=shape + (1,)) ** (1 / 3)


def _nematic(mu):
    """Largest eigenvalue of sum_i mu_i mu_i^T / sum_i |mu_i|^2 - I/3 (numpy)."""
    S = np.einsum("...ia,...ib->...ab", mu, mu)
    tr = np.trace(S, axis1=-2, axis2=-1)[..., None, None]
    return np.linalg.eigvalsh(S / tr - np.eye(3) / 3)[..., -1]


def test_sweep_and_weighted_values_are_the_numpy_observables():
    approx = lambda x: pytest.approx(x, rel=1e-12)  # noqa: E731
    rng = np.random.default_rng(4)
    n = 5
    mu = _ball(rng, (3, n))  # three slots
    scale = rng.uniform(0.5, 2.0, n)
    pos = rng.uniform(0.0, 4.0, (n, 3))
    k = 2 * np.pi / np.array([4.0, 5.0, 6.0])
    arg = pos * k
    phases = np.ascontiguousarray(np.stack([np.cos(arg.T), np.sin(arg.T)], axis=-1))
    vals = np.empty(len(DRAW_COLUMNS))
    for m in range(3):
        x = mu[m]
        mz = sweep_values(mu, m, 1.25, NO_MODES, vals)
        weighted_values(mu, m, scale, scale.sum(), phases, vals)
        mean = x.mean(axis=0)
        assert mz == approx(mean[2])
        assert vals[COL["m2"]] == approx(mean @ mean)
        assert vals[COL["m4"]] == approx((mean @ mean) ** 2)
        assert vals[COL["abs_m"]] == approx(np.linalg.norm(mean))
        assert vals[COL["abs_mu_mean"]] == approx(np.linalg.norm(x, axis=1).mean())
        assert vals[COL["mu1z_mu2z"]] == approx(x[0, 2] * x[1, 2])
        assert vals[COL["energy2"]] == approx(1.25**2)
        ms = scale @ x / scale.sum()
        assert vals[COL["ms2"]] == approx(ms @ ms)
        assert vals[COL["ms4"]] == approx((ms @ ms) ** 2)
        assert vals[COL["nematic"]] == approx(_nematic(x))
        for a, axis in enumerate("xyz"):
            f = (x * np.exp(1j * k[a] * pos[:, a])[:, None]).sum(axis=0)
            assert vals[COL[f"chi_m_{axis}"]] == approx(np.vdot(f, f).real / n)
        assert vals[COL["abs_mu1"]] == approx(np.linalg.norm(x[0]))


@pytest.mark.parametrize("n", [1, 2, 5])
def test_accumulate_sweep_adds_what_sweep_values_then_accumulate_add_bit_for_bit(n):
    """The recorder's one-pass form against the two steps it fuses, over 30 sweeps of
    random configurations, with and without critical modes: every sum equal to the last
    bit, except the columns `weighted_values` fills, which it leaves to its caller."""
    rng = np.random.default_rng(n)
    names = ("nematic", "ms2", "ms4", "chi_m_x", "chi_m_y", "chi_m_z")
    weighted = [SCALARS.index(c) for c in names]
    modes = np.linalg.qr(rng.normal(size=(3 * n, 2)))[0].T.reshape(2, n, 3).copy()

    def zeros():
        return (
            np.zeros((2, len(SCALARS))),
            np.zeros((2, n, len(SITE_COLUMNS))),
            np.zeros((2, n, n)),
            np.zeros((2, len(HISTS), HIST_BINS), dtype=np.int64),
        )

    for kmodes in (NO_MODES, modes):
        plain, fused = zeros(), zeros()
        vals = np.empty(len(DRAW_COLUMNS))
        for _ in range(30):
            mu = _ball(rng, (3, n))
            energy = rng.normal()
            mz = sweep_values(mu, 2, energy, kmodes, vals)
            vals[weighted] = 0.0  # `weighted_values`' columns: not the fused form's job
            accumulate(mu, 2, vals, 1, *plain)
            got = accumulate_sweep(mu, 2, energy, kmodes, 1, *fused)
            assert got == (mz, vals[COL["m2"]])
        for want, have in zip(plain, fused, strict=True):
            np.testing.assert_array_equal(have, want)
        assert np.all(fused[0][0] == 0.0)  # level 0 untouched
        assert fused[3][1].sum() == 30 * len(HISTS)


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


@pytest.fixture(scope="module")
def sized():
    """Four particles of unequal sizes on a square, every sweep a draw (thin = 1)."""
    model = Assembly(geometry.lattice("square", (2, 2)), K=0.5, C=3.0, scale=[1, 2, 0.5, 1.5])
    return sample(model, "metropolis", sweeps=1_000, burn=100, chains=2, seed=5, thin=1, pairs=True)


def test_recorded_means_are_the_means_of_the_draws(sized):
    """Accumulated every sweep, kept every sweep: the means are the draws' plain means."""
    mu = sized.acc["draws"]
    assert mu.shape[:2] == (2, 1_000)
    got = sized.expect()
    m = mu.mean(axis=2)
    m2 = (m**2).sum(axis=-1)
    s = sized.model.scale
    ms = np.einsum("i,csia->csa", s, mu) / s.sum()
    ms2 = (ms**2).sum(axis=-1)
    assert got["m2"] == pytest.approx(m2.mean(), rel=1e-10)
    assert got["m4"] == pytest.approx((m2**2).mean(), rel=1e-10)
    assert got["ms2"] == pytest.approx(ms2.mean(), rel=1e-10)
    assert got["ms4"] == pytest.approx((ms2**2).mean(), rel=1e-10)
    assert got["ms2"] != pytest.approx(got["m2"], rel=1e-3)  # the sizes weigh in
    assert got["nematic"] == pytest.approx(_nematic(mu).mean(), rel=1e-10)
    assert got["mz2"] == pytest.approx((m[..., 2] ** 2).mean(), rel=1e-10)


def test_the_datatree_names_every_record_dimension_and_gives_back_expect(sized):
    tree = sized.to_datatree()
    batches = tree["batches"].to_dataset()
    for name, dims in RECORD_DIMS.items():
        if name in batches:
            assert batches[name].dims == dims, name
    assert list(batches["observable"].values) == list(SCALARS)
    assert {"chain", "level", "batch", "observable", "bin"} <= set(batches.dims)
    # the batch sums over the counts are the means of expect()
    level0 = batches.isel(level=0)
    mean = level0["scalars"].sum(("chain", "batch")) / level0["counts"].sum()
    got = sized.expect()
    for key in ("m2", "mz2", "energy", "nematic"):
        assert float(mean.sel(observable=key)) == pytest.approx(got[key], rel=1e-12)
    assert batches["pair_scalars"].sizes["pair"] == 1
    assert float(tree["b"][0]) == 1.0
    assert tree.attrs["method"] == "metropolis"
    assert "posterior" in tree.children and "sample_stats" in tree.children
    assert tree["posterior"]["mu"].dims == ("chain", "draw", "particle", "component")
