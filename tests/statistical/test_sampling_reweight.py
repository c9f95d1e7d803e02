"""MBAR reweighting (mcdimer/sampling/reweight.py) on synthetic tempering output whose exact
answer is known without the engine: one moment in the unit ball with weight
exp(-f_b(|mu|) + b h mu_z), W = -h mu_z, drawn independently (rejection sampling) or by a
small numpy parallel tempering (correlated in time and across levels)."""

import numpy as np
import pytest
from scipy import integrate

from mcdimer.landscapes import Landscape, Quadratic
from mcdimer.sampling.reweight import (
    LevelDraws,
    TemperingMBAR,
    _bootstrap_indices,
    block_length,
    reduced_potentials,
    reweight_density,
    reweight_expectations,
)

C, H = 3.0, 4.0
LADDER = np.array([1.0, 0.6, 0.35])
NAMES = ("mu1z", "mz", "abs_mu1", "energy", "energy2", "mz2", "mz4")


class SquareTempered(Landscape):
    """f_b(r) = C b^2 r^2: a landscape whose temperature dependence is not f_b = b f,
    standing in for `Microscopic` (each level has its own function)."""

    def __init__(self, C: float, b: float = 1.0):
        self.C0, self.b = C, b

    def energy(self, r):
        return self.C0 * self.b**2 * np.asarray(r, dtype=float) ** 2

    def slope(self, r):
        return 2 * self.C0 * self.b**2 * np.asarray(r, dtype=float)

    def tempered(self, b):
        return SquareTempered(self.C0, self.b * b)


def f_at(land, b):
    return land if b == 1.0 else land.tempered(b)


def ball_draws(rng, land, b, size):
    """Independent draws of mu with weight exp(-f_b(|mu|) + b H mu_z) on the unit ball."""
    f_b = f_at(land, b)
    out = np.empty((0, 3))
    while len(out) < size:
        x = rng.uniform(-1, 1, (4 * size, 3))
        x = x[(x * x).sum(1) <= 1]
        logw = -f_b.energy(np.linalg.norm(x, axis=1)) + b * H * (x[:, 2] - 1.0)
        out = np.concatenate([out, x[np.log(rng.uniform(size=len(x))) < logw]])
    return out[:size]


def exact(land, b, what):
    """<what> at b by quadrature over the ball (the azimuth and polar angle analytically)."""
    f_b = f_at(land, b)

    def ang(r, k):  # int_{-1}^{1} u^k e^{a u} du, a = b H r
        a = b * H * r
        if k == 0:
            return 2 * np.sinh(a) / a
        return 2 * (np.cosh(a) / a - np.sinh(a) / a**2)

    def radial(g):
        return integrate.quad(lambda r: r**2 * np.exp(-f_b.energy(r)) * g(r), 1e-9, 1)[0]

    norm = radial(lambda r: ang(r, 0))
    mz = radial(lambda r: r * ang(r, 1)) / norm
    if what == "mu1z":
        return mz
    if what == "abs_mu1":
        return radial(lambda r: r * ang(r, 0)) / norm
    if what == "energy":  # u_b = f_b(r) - b H mu_z
        return radial(lambda r: f_b.energy(r) * ang(r, 0)) / norm - b * H * mz
    raise KeyError(what)


def exact_energy_var(land, b):
    """Var u_b by quadrature over (r, cos theta), u_b = f_b(r) - b H r cos theta."""
    f_b = f_at(land, b)

    def moment(k):
        def g(u, r):
            e = f_b.energy(r) - b * H * r * u
            return r**2 * np.exp(-f_b.energy(r) + b * H * r * u) * e**k

        return integrate.dblquad(g, 0, 1, -1, 1, epsabs=1e-12, epsrel=1e-10)[0]

    m0, m1, m2 = moment(0), moment(1), moment(2)
    return m2 / m0 - (m1 / m0) ** 2


def exact_density_mu1z(land, b, bins):
    """P(mu_z in bin)/width by quadrature: p(z) ~ e^{bHz} int_0^sqrt(1-z^2) rho e^{-f_b} d rho."""
    f_b = f_at(land, b)
    z = np.linspace(-1, 1, 4001)
    rho = np.linspace(0, 1, 2001)
    zz, pp = np.meshgrid(z, rho, indexing="ij")
    inside = zz**2 + pp**2 <= 1
    g = np.where(inside, pp * np.exp(-f_b.energy(np.sqrt(np.minimum(zz**2 + pp**2, 1)))), 0)
    p = np.exp(b * H * z) * np.trapezoid(g, rho, axis=1)
    cdf = integrate.cumulative_trapezoid(p, z, initial=0.0)
    cdf /= cdf[-1]
    edges = np.linspace(-1, 1, bins + 1)
    return np.diff(np.interp(edges, z, cdf)) / (2.0 / bins)


def as_records(mu):
    """(chains, R, draws, 3) -> W, r, obs in the engine's layout."""
    r = np.linalg.norm(mu, axis=-1)
    z = mu[..., 2]
    W = -H * z
    obs = np.stack([z, z, r, np.zeros_like(z), np.zeros_like(z), z**2, z**4], axis=-1)
    return W, r[..., None], obs


def independent_run(rng, land=None, chains=2, draws=1000):
    land = Quadratic(C) if land is None else land
    mu = np.stack(
        [np.stack([ball_draws(rng, land, b, draws) for b in LADDER]) for _ in range(chains)]
    )
    return as_records(mu)


def tempering_run(rng, reps, chains=2, sweeps=3000, thin=3, step=0.25):
    """A numpy parallel tempering of the same model (Quadratic(C)), `reps` independent
    copies: random-walk Metropolis in the ball, then deterministic even/odd swaps. Started
    in equilibrium (exact draws), so there is no burn-in."""
    levels = LADDER.size
    mu = np.stack(
        [ball_draws(rng, Quadratic(C), b, reps * chains) for b in LADDER], axis=1
    ).reshape(reps, chains, levels, 3)
    b = LADDER[None, None, :]

    def energy(x):  # beta E at b = 1
        return C * (x * x).sum(-1) - H * x[..., 2]

    out = np.empty((reps, chains, levels, sweeps // thin, 3))
    for t in range(sweeps):
        prop = mu + rng.uniform(-step, step, mu.shape)
        ok = (prop * prop).sum(-1) <= 1
        log_a = -b * (energy(prop) - energy(mu))
        acc = ok & (np.log(rng.uniform(size=ok.shape)) < log_a)
        mu = np.where(acc[..., None], prop, mu)
        e = energy(mu)
        for i in range(t % 2, levels - 1, 2):
            log_s = (LADDER[i] - LADDER[i + 1]) * (e[..., i] - e[..., i + 1])
            swap = np.log(rng.uniform(size=log_s.shape)) < log_s
            a, c = mu[..., i, :].copy(), mu[..., i + 1, :].copy()
            mu[..., i, :] = np.where(swap[..., None], c, a)
            mu[..., i + 1, :] = np.where(swap[..., None], a, c)
        if t % thin == thin - 1:
            out[:, :, :, t // thin] = mu
    return out


# --- u_kn ------------------------------------------------------------------------------


def test_reduced_potentials_are_level_major_and_tempered(rng):
    W, r, _ = independent_run(rng, draws=20)
    u = reduced_potentials(LADDER, Quadratic(C), W, r, [1.0, 0.5])
    assert u.shape == (2, LADDER.size * 2 * 20)
    # level-major (k, c, d): draw d of chain c at level k sits at k*C*D + c*D + d
    k, c, d = 2, 1, 7
    n = k * 2 * 20 + c * 20 + d
    assert u[1, n] == pytest.approx(0.5 * C * r[c, k, d, 0] ** 2 + 0.5 * W[c, k, d])
    land = SquareTempered(C)
    u = reduced_potentials(LADDER, land, W, r, [0.5])
    assert u[0, n] == pytest.approx(0.25 * C * r[c, k, d, 0] ** 2 + 0.5 * W[c, k, d])
    # one landscape per particle (here n = 1) gives the same
    assert np.array_equal(reduced_potentials(LADDER, [land], W, r, [0.5]), u)
    with pytest.raises(ValueError, match="one per particle"):
        reduced_potentials(LADDER, [land, land], W, r, [0.5])


# --- against quadrature ----------------------------------------------------------------


@pytest.mark.parametrize("land", [Quadratic(C), SquareTempered(C)], ids=["scaled", "per_level"])
def test_reweight_between_rungs_matches_quadrature(rng, land):
    W, r, obs = independent_run(rng, land)
    targets = [0.8, 0.45]
    est, se = reweight_expectations(LADDER, land, W, r, obs, NAMES, targets, n_boot=100)
    for key in ("mu1z", "abs_mu1", "energy"):
        ref = np.array([exact(land, b, key) for b in targets])
        assert np.all(np.abs(est[key] - ref) < 4 * se[key]), (key, est[key], ref, se[key])
    assert set(est) == set(NAMES) | {"binder", "energy_var"}
    for key in ("binder", "energy_var"):
        assert np.all(np.isfinite(se[key])) and np.all(se[key] > 0)
    # the derived keys are functions of the reweighted means
    assert est["binder"] == pytest.approx(1 - est["mz4"] / (3 * est["mz2"] ** 2))
    assert est["energy_var"] == pytest.approx(est["energy2"] - est["energy"] ** 2)


def test_reweight_at_a_level_matches_its_plain_average(rng):
    W, r, obs = independent_run(rng)
    for k in (0, 1):
        est, se = reweight_expectations(
            LADDER, Quadratic(C), W, r, obs, NAMES, float(LADDER[k]), n_boot=100
        )
        plain = obs[:, k, :, 0].ravel()  # independent draws: the plain SE is exact
        plain_se = plain.std(ddof=1) / np.sqrt(plain.size)
        assert abs(est["mu1z"] - plain.mean()) < 4 * plain_se
        # MBAR uses every level's draws: never worse than the level alone
        assert se["mu1z"] < 1.3 * plain_se


def test_reweight_density_matches_quadrature(rng):
    W, r, obs = independent_run(rng)
    bins, b = 10, 0.8
    dens, se = reweight_density(LADDER, Quadratic(C), W, r, obs, NAMES, "mu1z", bins, b, n_boot=100)
    ref = exact_density_mu1z(Quadratic(C), b, bins)
    assert dens.sum() * 2 / bins == pytest.approx(1.0)
    occupied = ref * 2 / bins > 1e-3
    assert np.all(np.abs(dens - ref)[occupied] < 4 * se[occupied]), (dens, ref, se)
    chi2 = (((dens - ref) / se)[occupied] ** 2).sum()
    assert chi2 < occupied.sum() + 4 * np.sqrt(2 * occupied.sum())
    dens2, _ = reweight_density(
        LADDER, Quadratic(C), W, r, obs, NAMES, "abs_mu1", 5, [b, 1.0], n_boot=10
    )
    assert dens2.shape == (2, 5) and np.allclose(dens2.sum(1) / 5, 1.0)


# --- one solve for every b: the kept solution against cold pymbar solves ---------------


def cold_mbar_mu1z(W, r, obs, targets, n_boot, seed):
    """<mu_z> at `targets` and its bootstrap SE the plain way: every estimate (all draws and
    each replicate, the same replicates as reweight's) a fresh `pymbar.MBAR` from zeros over
    the levels and the unsampled targets, pymbar's own weights."""
    import pymbar

    chains, levels, draws = W.shape
    u = reduced_potentials(LADDER, Quadratic(C), W, r, np.concatenate([LADDER, targets]))
    N_k = np.concatenate([np.full(levels, chains * draws), np.zeros(len(targets), int)])
    z = np.moveaxis(obs[..., 0], 1, 0).ravel()
    own = np.stack([u[k].reshape(levels, chains, draws)[k] for k in range(levels)], axis=1)
    length = block_length(np.concatenate([own[..., None], obs[..., [0, 1, 2, 5, 6]]], axis=-1))

    def mu1z(idx):
        return pymbar.MBAR(u[:, idx], N_k).weights()[:, levels:].T @ z[idx]

    rng = np.random.default_rng(seed)
    reps = [mu1z(_bootstrap_indices(rng, chains, levels, draws, length)) for _ in range(n_boot)]
    return mu1z(np.arange(z.size)), np.std(reps, axis=0, ddof=1)


def test_kept_mbar_solution_matches_cold_solves_for_every_b():
    rng = np.random.default_rng(4)
    W, r, obs = independent_run(rng, draws=150)
    mbar = TemperingMBAR(LADDER, Quadratic(C), W, r)
    n_boot, seed = 12, 3
    first = [0.8, 0.45]
    est, se = reweight_expectations(
        LADDER, Quadratic(C), W, r, obs, NAMES, first, n_boot=n_boot, seed=seed, mbar=mbar
    )
    assert mbar.solves == n_boot + 1
    ref, ref_se = cold_mbar_mu1z(W, r, obs, np.array(first), n_boot, seed)
    assert np.allclose(est["mu1z"], ref, rtol=1e-6, atol=0)
    assert np.allclose(se["mu1z"], ref_se, rtol=1e-6, atol=0)
    # other targets, one at a time and as a curve, and a density: no new solve
    for b in ([0.5, 0.9, 1.0], 0.6):
        est_b, se_b = reweight_expectations(
            LADDER, Quadratic(C), W, r, obs, NAMES, b, n_boot=n_boot, seed=seed, mbar=mbar
        )
        ref, ref_se = cold_mbar_mu1z(W, r, obs, np.atleast_1d(b), n_boot, seed)
        assert np.allclose(est_b["mu1z"], ref, rtol=1e-6, atol=0)
        assert np.allclose(se_b["mu1z"], ref_se, rtol=1e-6, atol=0)
    dens, _ = reweight_density(
        LADDER, Quadratic(C), W, r, obs, NAMES, "mz", 10, 0.7, n_boot=n_boot, seed=seed, mbar=mbar
    )
    assert dens.sum() * 2 / 10 == pytest.approx(1.0)
    assert mbar.solves == n_boot + 1  # mz sets the same block length as the expectations
    # a repeated call gives the same numbers; without the kept solution, the same too
    again = reweight_expectations(
        LADDER, Quadratic(C), W, r, obs, NAMES, first, n_boot=n_boot, seed=seed, mbar=mbar
    )
    fresh = reweight_expectations(
        LADDER, Quadratic(C), W, r, obs, NAMES, first, n_boot=n_boot, seed=seed
    )
    for key in est:
        assert np.array_equal(again[0][key], est[key]) and np.array_equal(again[1][key], se[key])
        assert np.allclose(fresh[0][key], est[key], rtol=1e-9, atol=1e-12)
        assert np.allclose(fresh[1][key], se[key], rtol=1e-6, atol=1e-12)
    # more replicates than solved: only the new ones are solved
    reweight_expectations(
        LADDER, Quadratic(C), W, r, obs, NAMES, 0.7, n_boot=n_boot + 3, seed=seed, mbar=mbar
    )
    assert mbar.solves == n_boot + 4
    with pytest.raises(ValueError, match="mbar must be a TemperingMBAR of the same"):
        reweight_expectations(LADDER, Quadratic(C), W[:, :, ::-1], r, obs, NAMES, 0.7, mbar=mbar)


def test_level_draws_give_the_numbers_of_the_positional_form():
    """The MBAR inputs as one LevelDraws: the same estimates, the same kept solves."""
    rng = np.random.default_rng(6)
    W, r, obs = independent_run(rng, draws=60)
    draws = LevelDraws(LADDER, Quadratic(C), W, r, obs)
    mbar = TemperingMBAR(draws)
    est, se = reweight_expectations(draws, NAMES, 0.7, n_boot=6, seed=2, mbar=mbar)
    old = reweight_expectations(LADDER, Quadratic(C), W, r, obs, NAMES, 0.7, n_boot=6, seed=2)
    for key in est:
        assert np.allclose(est[key], old[0][key], rtol=1e-9, atol=1e-12)
        assert np.allclose(se[key], old[1][key], rtol=1e-6, atol=1e-12)
    dens = reweight_density(draws, NAMES, "mz", 10, 0.7, n_boot=6, seed=2, mbar=mbar)
    dens_old = reweight_density(
        LADDER, Quadratic(C), W, r, obs, NAMES, "mz", 10, 0.7, n_boot=6, seed=2
    )
    assert np.allclose(dens[0], dens_old[0], rtol=1e-9, atol=1e-12)
    assert mbar.solves == 7  # one solve of all draws, one per replicate, shared
    with pytest.raises(TypeError, match="expected 2 argument"):
        reweight_expectations(draws, NAMES)
    with pytest.raises(TypeError, match="columns is a keyword"):
        TemperingMBAR(draws, obs)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("b", [0.3, 1.01, np.nan, np.inf, [0.5, 0.2]])
def test_reweight_refuses_b_outside_the_ladder(rng, b):
    W, r, obs = independent_run(rng, draws=50)
    with pytest.raises(ValueError, match=r"b .*\[.*0\.35, 1\]"):
        reweight_expectations(LADDER, Quadratic(C), W, r, obs, NAMES, b)


def test_reweight_refuses_bad_which_bins_and_shapes(rng):
    W, r, obs = independent_run(rng, draws=50)
    with pytest.raises(ValueError, match="which must be one of"):
        reweight_density(LADDER, Quadratic(C), W, r, obs, NAMES, "mux", 10, 0.5)
    with pytest.raises(ValueError, match="bins"):
        reweight_density(LADDER, Quadratic(C), W, r, obs, NAMES, "mz", 0, 0.5)
    with pytest.raises(ValueError, match="obs must have shape"):
        reweight_expectations(LADDER, Quadratic(C), W, r, obs[..., :3], NAMES, 0.5)
    with pytest.raises(ValueError, match="W must have shape"):
        reweight_expectations(LADDER, Quadratic(C), W[:, :2], r, obs, NAMES, 0.5)
    with pytest.raises(ValueError, match="ladder"):
        reweight_expectations(LADDER[::-1], Quadratic(C), W, r, obs, NAMES, 0.5)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"b": "0.5"}, "b must be a real"),
        ({"b": True}, "b must be a real"),
        ({"b": np.full(10**6, 0.5)}, "at most 1000"),
        ({"b": 0.5, "n_boot": "100"}, "n_boot"),
        ({"b": 0.5, "n_boot": 1}, "n_boot"),
        ({"b": 0.5, "seed": -1}, "seed"),
    ],
)
def test_reweight_refuses_arguments_of_the_wrong_kind_at_once(rng, kwargs, name):
    """Strings and bools as b, 10^6 targets (minutes of landscape tables and a 10^6 x N
    weight matrix), bad bootstrap arguments: ValueError before any MBAR solve."""
    W, r, obs = independent_run(rng, draws=50)
    b = kwargs.pop("b")
    with pytest.raises(ValueError, match=name):
        reweight_expectations(LADDER, Quadratic(C), W, r, obs, NAMES, b, **kwargs)


def test_block_length_follows_the_statistical_inefficiency(rng):
    # AR(1) with rho = 0.8: g = (1 + rho)/(1 - rho) = 9, so blocks of ~ 5 g = 45
    x = np.zeros((2, 1, 4000, 1))
    for t in range(1, 4000):
        x[:, :, t] = 0.8 * x[:, :, t - 1] + rng.normal(size=(2, 1, 1))
    assert 30 <= block_length(x) <= 60
    assert block_length(rng.normal(size=(2, 3, 1000, 2))) <= 10
    with pytest.warns(RuntimeWarning, match="too small"):
        assert block_length(x[:, :, :100]) == 100 // 5


# --- coverage of the error bars (slow) -------------------------------------------------

REPLICATIONS = 50


def coverage(estimates, errors, truth):
    """Fraction within 2 SE and the ratio (mean reported SE)/(spread of the estimates)."""
    estimates, errors = np.asarray(estimates), np.asarray(errors)
    inside = np.mean(np.abs(estimates - truth) < 2 * errors)
    return inside, errors.mean() / estimates.std(ddof=1)


def check_coverage(inside, ratio):
    # Binomial(50, 0.954): mean 47.7, sd 1.5; >= 43 of 50 (0.86) is 3.2 sd below the mean.
    # The spread of 50 estimates has a relative error 1/sqrt(98) = 10 %: ratio within
    # [0.75, 1.35] is about 3 sd, and also catches error bars that are too large.
    assert inside >= 0.86, inside
    assert 0.75 <= ratio <= 1.35, ratio


@pytest.mark.slow
def test_reweight_error_bars_cover_independent_draws():
    rng = np.random.default_rng(12)
    b = 0.8
    keys = ("mu1z", "energy", "energy_var")  # a mean, a per-target observable, a derived one
    truth = {
        "mu1z": exact(Quadratic(C), b, "mu1z"),
        "energy": exact(Quadratic(C), b, "energy"),
        "energy_var": exact_energy_var(Quadratic(C), b),
    }
    est, err = {k: [] for k in keys}, {k: [] for k in keys}
    for _ in range(REPLICATIONS):
        W, r, obs = independent_run(rng, draws=400)
        e, s = reweight_expectations(LADDER, Quadratic(C), W, r, obs, NAMES, b, n_boot=60, seed=1)
        for k in keys:
            est[k].append(e[k])
            err[k].append(s[k])
    for k in keys:
        inside, ratio = coverage(est[k], err[k], truth[k])
        print(f"independent draws, {k}: within 2 SE {inside:.2f}, SE/spread {ratio:.2f}")
        check_coverage(inside, ratio)


def subsampled_mbar(W, r, obs, b):
    """The alternative the module rejects: subsample each (chain, level) series by the
    larger statistical inefficiency of u_k and mu_z, then MBAR's asymptotic error."""
    import pymbar
    from pymbar import timeseries

    u = reduced_potentials(LADDER, Quadratic(C), W, r, np.append(LADDER, b))
    chains, levels, draws = W.shape
    keep, counts = [], []
    for k in range(levels):
        for c in range(chains):
            start = (k * chains + c) * draws
            own = u[k, start : start + draws]
            g = max(
                timeseries.statistical_inefficiency(own),
                timeseries.statistical_inefficiency(obs[c, k, :, 0]),
            )
            keep.append(start + np.array(timeseries.subsample_correlated_data(own, g=g)))
        counts.append(sum(len(x) for x in keep[-chains:]))
    idx = np.concatenate(keep)
    mbar = pymbar.MBAR(u[:, idx], np.array(counts + [0]))
    z = np.moveaxis(obs[..., 0], 1, 0).ravel()[idx]
    res = mbar.compute_expectations(z, state_dependent=False)
    return res["mu"][-1], res["sigma"][-1]


@pytest.mark.slow
def test_reweight_error_bars_cover_correlated_tempering_draws():
    rng = np.random.default_rng(13)
    b = 0.8
    truth = exact(Quadratic(C), b, "mu1z")
    mu = tempering_run(rng, REPLICATIONS)
    est, err, alt = [], [], []
    for rep in range(REPLICATIONS):
        W, r, obs = as_records(mu[rep])
        e, s = reweight_expectations(LADDER, Quadratic(C), W, r, obs, NAMES, b, n_boot=60, seed=1)
        est.append(e["mu1z"])
        err.append(s["mu1z"])
        alt.append(subsampled_mbar(W, r, obs, b))
    inside, ratio = coverage(est, err, truth)
    alt_inside, alt_ratio = coverage(*np.transpose(alt), truth)
    print(f"tempering draws: within 2 SE {inside:.2f}, SE/spread {ratio:.2f}")
    print(f"subsampling + asymptotic: within 2 SE {alt_inside:.2f}, SE/spread {alt_ratio:.2f}")
    check_coverage(inside, ratio)


def test_free_energy_of_the_reweighted_density_matches_quadrature(rng):
    from mcdimer.sampling.profiles import free_energy

    W, r, obs = independent_run(rng)
    bins, b = 10, 0.6
    F, F_se = free_energy(
        *reweight_density(LADDER, Quadratic(C), W, r, obs, NAMES, "mu1z", bins, b, n_boot=100)
    )
    ref = exact_density_mu1z(Quadratic(C), b, bins)
    i0 = np.nanargmin(F)
    F_ref = -np.log(ref / ref[i0])  # the same zero point
    ok = ref * 2 / bins > 1e-3
    err = np.hypot(F_se, F_se[i0])
    assert np.all(np.abs(F - F_ref)[ok] < 4 * err[ok] + 1e-12), (F, F_ref, err)


# --- the engine's records ----------------------------------------------------------------


def test_reweight_plugs_into_the_engine_records():
    """The tempering engine's per-level draws (level_w, level_moduli, level_values with
    DRAW_COLUMNS): u_k recomputed from (r, W) is the recorded energy of level k, and the
    dimer reweighted between rungs agrees with Eq. (B8) at the scaled parameters."""
    import mcdimer
    from mcdimer import exact
    from mcdimer.sampling import observables

    dimer = mcdimer.Dimer(K=30.0, C=50.0)
    run = mcdimer.sample(dimer, "tempering", sweeps=20000, chains=2, seed=3)
    rec = run.records
    if "level_w" not in rec or not hasattr(observables, "DRAW_COLUMNS"):
        pytest.skip("this engine does not record per-level draws")
    ladder, names = run.ladder, observables.DRAW_COLUMNS
    W, r, obs = rec["level_w"], rec["level_moduli"], rec["level_values"]
    lands = list(dimer.landscapes)
    u = reduced_potentials(ladder, lands, W, r, ladder)
    chains, levels, draws = W.shape
    for k in range(levels):
        own = u[k].reshape(levels, chains, draws)[k]
        assert np.allclose(own, obs[:, k, :, names.index("energy")], rtol=1e-12, atol=1e-10)
    b = 0.5 * (ladder[1] + ladder[2])
    est, se = reweight_expectations(ladder, lands, W, r, obs, names, b)
    ref = exact.expect(dimer.tempered(b))
    for key in ("abs_mu1z", "mu1z2", "mu1z_mu2z", "energy"):
        assert abs(est[key] - ref[key]) < 4 * se[key], (key, est[key], ref[key], se[key])
    # the result keeps its MBAR solves: the same numbers, and no solve after the first call
    assert run.mbar_solves == 0
    kept, _ = run.reweight(b, n_boot=20)
    assert run.mbar_solves == 21
    for key in ("abs_mu1z", "mu1z2", "energy"):
        assert kept[key] == pytest.approx(est[key], rel=1e-9)
    run.reweight(np.linspace(ladder[-1], 1.0, 5), n_boot=20)
    assert run.mbar_solves == 21
    run.reweight_pdf(0.5 * (ladder[0] + ladder[1]), "mu1z", n_boot=20)
    assert run.mbar_solves == 21  # one block length for all of a result's estimates
