"""The exact dimer (Eq. (B8)) against closed forms and independent computations."""

import re

import numpy as np
import pytest
from scipy import special, stats

import mcdimer
from mcdimer import Dimer, exact
from mcdimer._quadrature import composite

# ---------------------------------------------------------------- closed forms ---


def gaussian_limit(C, K):
    """docs/physics.md, "The exact dimer": the unbounded Gaussian dimer below threshold."""
    return {
        "mu1z2": C / (2 * (C**2 - K**2)),
        "mu1z_mu2z": K / (2 * (C**2 - K**2)),
        "mu1x2": C / (2 * (C**2 - K**2 / 4)),
        "energy": 3.0,
    }


@pytest.mark.parametrize("C, K", [(50.0, 40.0), (200.0, 100.0), (500.0, 250.0)])
def test_exact_dimer_matches_gaussian_limit_below_threshold(C, K):
    got = exact.expect(Dimer(K=K, C=C))
    for key, want in gaussian_limit(C, K).items():
        # the ball truncation is ~1e-8 at C = 50, K = 40 (docs/physics.md), smaller beyond
        assert got[key] == pytest.approx(want, rel=2e-6), key
    assert got["mu1z"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("C, hz", [(5.0, 0.0), (5.0, 2.0), (50.0, 7.0), (0.0, 1.5)])
def test_exact_single_particle_limit_is_bounded_gaussian(C, hz):
    """K = 0: p(z) ~ exp(hz z - C z^2) (1 - exp(-C (1 - z^2))).

    docs/physics.md, "The exact dimer"."""
    bins = 40
    edges = exact.bin_edges(bins)
    z, w = composite(np.linspace(-1, 1, 801), order=12)
    if C > 0:
        dens = np.exp(hz * z - C * z**2) * -np.expm1(-C * (1 - z**2))
    else:
        dens = np.exp(hz * z) * (1 - z**2)
    dens /= dens @ w
    want = np.array(
        [
            (dens * w)[(z >= lo) & (z < hi)].sum()
            for lo, hi in zip(edges[:-1], edges[1:], strict=True)
        ]
    )
    got = exact.pdf_mu1z(Dimer(K=0.0, C=C, h=(0, 0, hz)), bins)
    assert np.allclose(got, want / (2 / bins), atol=1e-8, rtol=0)
    assert exact.expect(Dimer(K=0.0, C=C, h=(0, 0, hz)))["mu1z"] == pytest.approx(
        dens * z @ w, abs=1e-9
    )


@pytest.mark.parametrize("C, K, hz", [(50.0, 60.0, 0.0), (5.0, 10.0, 0.0), (50.0, 40.0, 3.0)])
def test_pdf_integrates_to_one_and_is_symmetric_at_zero_field(C, K, hz):
    pdf = exact.pdf_mu1z(Dimer(K=K, C=C, h=(0, 0, hz)), 40)
    assert pdf.sum() * 2 / 40 == pytest.approx(1.0, abs=1e-12)
    assert np.all(pdf >= 0)
    if hz == 0:
        assert np.allclose(pdf, pdf[::-1], atol=1e-12)


@pytest.mark.parametrize("C, K, hz", [(200.0, 100.0, 4.0), (500.0, 250.0, 10.0)])
def test_large_C_recovers_linear_response_b3(C, K, hz):
    """<mu_z> = h/(2C) (Eq. (B3)) becomes h/(2(C-K)) for the coupled pair: h_eff = h + 2K<mu_z>."""
    got = exact.expect(Dimer(K=0.0, C=C, h=(0, 0, hz)))["mu1z"]
    assert got == pytest.approx(hz / (2 * C), rel=1e-6)
    got = exact.expect(Dimer(K=K, C=C, h=(0, 0, hz)))["mu1z"]
    assert got == pytest.approx(hz / (2 * (C - K)), rel=1e-6)


def test_extreme_parameters_do_not_overflow():
    for C, K, hz in [
        (500.0, 500.0, 0.0),
        (50.0, 500.0, 0.0),
        (500.0, 100.0, 300.0),
        (1.0, 500.0, 0.0),
    ]:
        m = Dimer(K=K, C=C, h=(0, 0, hz))
        pdf = exact.pdf_mu1z(m)
        e = exact.expect(m)
        assert np.all(np.isfinite(pdf)) and pdf.sum() * 0.05 == pytest.approx(1.0)
        assert all(np.isfinite(v) for v in e.values())
        assert 0 <= e["abs_mu1"] <= 1


# ------------------------------------- an independent evaluation of Eq. (B8) ---


def b8_direct(C, K, h, n_panels=8):
    """Eq. (B8) as printed: 4-D tensor Gauss-Legendre in (mu1, u1, mu2, u2) with I0 (and I1 for
    the azimuthal average <cos(phi1-phi2)> = -I1/I0 of the transverse dipolar term)."""
    mu, wmu = composite(np.linspace(0, 1, n_panels + 1))
    u, wu = composite(np.linspace(-1, 1, n_panels + 1))
    m1, u1, m2, u2 = np.meshgrid(mu, u, mu, u, indexing="ij", sparse=True)
    w = (
        wmu[:, None, None, None]
        * wu[None, :, None, None]
        * wmu[None, None, :, None]
        * wu[None, None, None, :]
    )
    z1, z2 = m1 * u1, m2 * u2
    r1 = m1 * np.sqrt(1 - u1**2)
    r2 = m2 * np.sqrt(1 - u2**2)
    x = K * r1 * r2
    logw = (
        2 * np.log(m1)
        + 2 * np.log(m2)
        - C * m1**2
        - C * m2**2
        + h * (z1 + z2)
        + 2 * K * z1 * z2
        + np.log(special.i0e(x))
        + x
    )
    p = w * np.exp(logw - logw.max())
    p /= p.sum()
    cos_mean = -special.i1e(x) / special.i0e(x)
    return {
        "mu1z": (p * z1).sum(),
        "mu1z2": (p * z1**2).sum(),
        "abs_mu1z": (p * np.abs(z1)).sum(),
        "abs_mu1": (p * m1).sum(),
        "mu1x2": (p * r1**2 / 2).sum(),
        "mu1z_mu2z": (p * z1 * z2).sum(),
        "energy": (
            p * (C * m1**2 + C * m2**2 - h * (z1 + z2) + K * r1 * r2 * cos_mean - 2 * K * z1 * z2)
        ).sum(),
    }


@pytest.mark.parametrize(
    "C, K, hz",
    [(5.0, 4.0, 0.0), (5.0, 6.0, 1.0), (50.0, 40.0, 0.0), (50.0, 40.0, 5.0), (2.0, 6.0, 0.5)],
)
def test_exact_dimer_matches_direct_quadrature_of_b8(C, K, hz):
    got = exact.expect(Dimer(K=K, C=C, h=(0, 0, hz)))
    want = b8_direct(C, K, hz)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-6, abs=1e-8), key


# -------------------------------- brute-force Monte Carlo of the 6-D integral ---


def _ball(rng, n):
    v = rng.normal(size=(n, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v * rng.uniform(size=(n, 1)) ** (1 / 3)


class MixtureProposal:
    """Per-particle proposal on the unit ball: an equal mixture of uniform, a Gaussian of
    width sigma truncated to the ball, and a density concentrated near the poles mu = +-z with
    |mu| near 1; each component is wider than the target's corresponding mode.
    Its density is known exactly, so self-normalised importance sampling is unbiased as the
    sample grows, and its weights are bounded (compact support, bounded target)."""

    def __init__(self, kappa=40.0, lam=20.0, sigma=0.25):
        self.kappa, self.lam, self.sigma = kappa, lam, sigma
        self.gauss_mass = stats.chi(3).cdf(1 / sigma)
        self.r_grid = np.linspace(0, 1, 20001)
        pr = self.r_grid**2 * np.exp(lam * (self.r_grid - 1))
        cdf = np.concatenate([[0], np.cumsum(0.5 * (pr[1:] + pr[:-1]) * np.diff(self.r_grid))])
        self.r_norm = cdf[-1]
        self.r_cdf = cdf / cdf[-1]

    def sample(self, rng, n):
        out = _ball(rng, n)
        which = rng.integers(0, 3, size=n)
        gauss = np.flatnonzero(which == 1)
        while gauss.size:
            g = rng.normal(scale=self.sigma, size=(gauss.size, 3))
            ok = np.linalg.norm(g, axis=1) <= 1
            out[gauss[ok]] = g[ok]
            gauss = gauss[~ok]
        pick = which == 2
        m = pick.sum()
        # |u| from density ~ exp(kappa |u|) on [0, 1], random sign
        a = rng.uniform(size=m)
        au = 1 + np.log(a + (1 - a) * np.exp(-self.kappa)) / self.kappa
        u = au * np.where(rng.uniform(size=m) < 0.5, -1, 1)
        phi = rng.uniform(0, 2 * np.pi, size=m)
        r = np.interp(rng.uniform(size=m), self.r_cdf, self.r_grid)
        s = np.sqrt(1 - u**2)
        out[pick] = r[:, None] * np.stack([s * np.cos(phi), s * np.sin(phi), u], axis=1)
        return out

    def log_density(self, mu):
        r = np.linalg.norm(mu, axis=-1)
        u = np.clip(mu[..., 2] / np.maximum(r, 1e-300), -1, 1)
        pu = self.kappa * np.exp(self.kappa * (np.abs(u) - 1)) / (2 * -np.expm1(-self.kappa))
        pr = np.exp(self.lam * (r - 1)) / self.r_norm  # r^2 cancels the Jacobian r^2
        pg = np.exp(-(r**2) / (2 * self.sigma**2)) / (
            (2 * np.pi * self.sigma**2) ** 1.5 * self.gauss_mass
        )
        return np.log((3 / (4 * np.pi) + pg + pu * pr / (2 * np.pi)) / 3)


def importance_estimates(model, n, seed):
    """Self-normalised IS estimates and standard errors of expect() keys and the histogram."""
    rng = np.random.default_rng(seed)
    prop = MixtureProposal()
    keys = ["mu1z", "mu1z2", "abs_mu1z", "abs_mu1", "mu1z_mu2z", "energy"]
    chunks, logws, vals, bins = 20, [], [], []
    edges = exact.bin_edges(10)
    for _ in range(chunks):
        mu = np.stack([prop.sample(rng, n // chunks), prop.sample(rng, n // chunks)], axis=1)
        e = model.energy(mu)
        logws.append(-e - prop.log_density(mu).sum(axis=1))
        z1 = mu[:, 0, 2]
        vals.append(
            np.stack(
                [z1, z1**2, np.abs(z1), np.linalg.norm(mu[:, 0], axis=1), z1 * mu[:, 1, 2], e],
                axis=1,
            )
        )
        bins.append(np.clip(np.searchsorted(edges, z1, side="right") - 1, 0, 9))
    lw = np.concatenate(logws)
    w = np.exp(lw - lw.max())
    g = np.concatenate(vals)
    b = np.concatenate(bins)
    onehot = (b[:, None] == np.arange(10)[None, :]).astype(float)
    g = np.concatenate([g, onehot / 0.2], axis=1)  # bin densities
    mean = w @ g / w.sum()
    se = np.sqrt((w[:, None] ** 2 * (g - mean) ** 2).sum(axis=0)) / w.sum()
    ess = w.sum() ** 2 / (w**2).sum()
    names = keys + [f"bin{k}" for k in range(10)]
    return dict(zip(names, mean, strict=True)), dict(zip(names, se, strict=True)), ess


@pytest.mark.slow
@pytest.mark.parametrize(
    "C, ratio, hz",
    [
        (5.0, 0.8, 0.0),
        (5.0, 1.2, 0.0),
        (5.0, 1.2, 1.0),
        (50.0, 0.8, 0.0),
        (50.0, 1.2, 0.0),
        (50.0, 1.2, 0.5),
        (50.0, 0.8, 3.0),
    ],
)
def test_exact_dimer_matches_brute_force_monte_carlo(C, ratio, hz):
    """6-D importance-sampled integral with a proposal wider than the target; tolerance 4.5 SE
    (delta-method standard error of the self-normalised estimator; 16 quantities per case)."""
    model = Dimer(K=ratio * C, C=C, h=(0, 0, hz))
    mean, se, ess = importance_estimates(model, 2_000_000, seed=int(C * 10 + ratio * 100 + hz))
    assert ess > 2000
    want = dict(exact.expect(model))
    pdf10 = exact.pdf_mu1z(model, 10)
    want.update({f"bin{k}": pdf10[k] for k in range(10)})
    for key in mean:
        assert abs(mean[key] - want[key]) < 4.5 * se[key] + 1e-9, (
            key,
            mean[key],
            want[key],
            se[key],
        )


# --------------------------------------------------------------------- input ---


def test_transverse_field_has_rotational_symmetry_about_z():
    a = exact.expect(Dimer(K=8.0, C=10.0, h=(3.0, 0.0, 1.0)))
    b = exact.expect(Dimer(K=8.0, C=10.0, h=(0.0, 3.0, 1.0)))
    c = exact.expect(Dimer(K=8.0, C=10.0, h=(3 / np.sqrt(2), 3 / np.sqrt(2), 1.0)))
    for key in ("mu1z", "mu1z2", "abs_mu1", "energy", "mu1z_mu2z"):
        assert a[key] == pytest.approx(b[key], rel=1e-10) and a[key] == pytest.approx(
            c[key], rel=1e-10
        )
    assert b["mu1x"] == pytest.approx(0.0, abs=1e-12)
    assert c["mu1x"] == pytest.approx(a["mu1x"] / np.sqrt(2), rel=1e-10)


def test_weak_transverse_field_is_continuous_with_longitudinal():
    a = exact.expect(Dimer(K=8.0, C=10.0, h=(1e-7, 0.0, 1.0)))
    b = exact.expect(Dimer(K=8.0, C=10.0, h=(0.0, 0.0, 1.0)))
    for key in ("mu1z", "mu1z2", "mu1x2", "abs_mu1", "energy", "mu1z_mu2z"):
        assert a[key] == pytest.approx(b[key], rel=1e-6), key


def test_exact_rejects_bad_input():
    with pytest.raises(ValueError, match="bins"):
        exact.pdf_mu1z(Dimer(K=1, C=1), bins=0)
    with pytest.raises(ValueError, match="n must be 2"):
        exact.expect(mcdimer.Chain(3, K=1, C=1))
    with pytest.raises(ValueError, match="model"):
        exact.expect("dimer")


def test_exact_cli_prints_table_json_and_clean_errors():
    import json

    from click.testing import CliRunner

    from mcdimer.cli import main

    r = CliRunner().invoke(main, ["exact", "--C", "50", "--K", "60", "--hz", "0", "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["expect"]["mu1z2"] == pytest.approx(exact.expect(Dimer(K=60, C=50))["mu1z2"])
    r = CliRunner().invoke(main, ["exact", "--C", "50", "--K", "60"])
    assert r.exit_code == 0 and "<beta E>" in r.output
    r = CliRunner().invoke(main, ["exact", "--C", "-1", "--K", "60"])
    assert r.exit_code == 2 and "C must be >= 0" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and mcdimer.__version__ in r.output


def test_bounded_gaussian_density_helper_matches_scipy_chi_for_sanity():
    # the K=0 closed form's radial factor: P(|N(0, 1/(2C))| <= 1) equals chi(3).cdf(sqrt(2C))
    C = 5.0
    r, w = composite(np.linspace(0, 1, 65))
    num = (w * r**2 * np.exp(-C * r**2)).sum() * 4 * np.pi
    assert num == pytest.approx(stats.chi(3).cdf(np.sqrt(2 * C)) * (np.pi / C) ** 1.5, rel=1e-12)


@pytest.mark.parametrize(
    "C, K, hz", [(500.0, 500.0, 0.0), (50.0, 500.0, 0.0), (500.0, 100.0, 30.0), (5.0, 60.0, 2.0)]
)
def test_quadrature_converged_to_1e6_at_extreme_parameters(C, K, hz, monkeypatch):
    """Halving every panel and the H step of the particle-2 table changes nothing above 1e-7
    (the claimed accuracy is 1e-6 on moments and densities for C, K up to 500)."""
    from mcdimer import single

    model = Dimer(K=K, C=C, h=(0, 0, hz))
    base_pdf, base = exact.pdf_mu1z(model), exact.expect(model)
    exact._cache.clear()
    monkeypatch.setattr(exact, "_PANEL_WIDTH_Z", exact._PANEL_WIDTH_Z / 2)
    monkeypatch.setattr(exact, "_PANELS_RHO", exact._PANELS_RHO * 2)
    original = single.Table.__init__
    monkeypatch.setattr(
        single.Table,
        "__init__",
        lambda self, land, h_max, step=0.05: original(self, land, h_max, step / 2),
    )
    fine_pdf, fine = exact.pdf_mu1z(model), exact.expect(model)
    exact._cache.clear()
    assert np.abs(fine_pdf - base_pdf).max() < 1e-7
    for key in base:
        assert abs(fine[key] - base[key]) < 1e-7 * max(1.0, abs(base[key])), key


def test_very_strong_coupling_stays_fast_and_saturated():
    """K = 1e4 (far beyond the 1e-6 accuracy range): the table is capped, the answer is the
    aligned saturated pair: beta E -> 2C - 2K plus the fluctuation energy of order kT."""
    e = exact.expect(Dimer(K=1e4, C=50.0))
    assert e["abs_mu1z"] > 0.999
    assert 0 < e["energy"] - (2 * 50.0 - 2 * 1e4) < 10


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"K": 1e300, "C": 1.0}, "K = 1e+300 is beyond"),
        ({"K": 1.0, "C": 1.0, "h": (1e300, 0, 0)}, "h = 1e+300 is beyond"),
        ({"K": 1.0, "C": 1.0, "h": (1e5, 0, 0)}, "transverse field"),
        ({"K": 0.0, "C": 1e5}, "accuracy range"),
    ],
)
def test_quadrature_refuses_scales_it_cannot_resolve_or_afford(kwargs, words):
    """Same 1e12 kT limit as the samplers; C <= 1e4 (accuracy); |h_perp| + 2|K| <= 1e4 (cost)."""
    with pytest.raises(ValueError, match=re.escape(words)):
        exact.expect(Dimer(**kwargs))


def test_pdf_bins_beyond_memory_refused_before_allocating():
    with pytest.raises(ValueError, match="bins: .* GiB of memory"):
        exact.pdf_mu1z(Dimer(K=1.0, C=1.0), 10**9)
