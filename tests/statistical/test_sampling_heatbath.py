"""The heat-bath move of one moment (`sampling/heatbath.py`) against the closed-form
conditional density exp(-f(|mu|^2) + a . mu) d^3mu on the unit ball (K = 0, Eq. (B7)).

Statistical method: one chain of N = 300k moves per case; histograms of |mu|, of c =
cos(angle to a) and of the azimuth about a, in 40 bins of equal probability under the exact
law (edges fixed by the law alone, expected counts from the exact CDF), Pearson's X^2.
Consecutive states of an MH chain are correlated through rejections, so X^2 is divided by
the variance-inflation factor tau of the bin counts, measured by batch means (100 batches);
with acceptance ~0.995 tau is ~1.0 (~2 for the case beyond the grid). A case passes at
p > 1e-3. Power: the same chain is compared with a deliberately wrong law (C -> 1.05 C) and
must be rejected at p < 1e-6 (measured: p < 1e-160 for |mu|, 1e-13 to 1e-100 for c).
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from scipy import stats

from mcdimer.landscapes import Quadratic, Saturating
from mcdimer.sampling.heatbath import (
    HeatbathTable,
    _one_minus_exp2,
    _row_fields,
    build_heatbath_stack,
    build_heatbath_table,
    heatbath_move,
    row_coordinate,
    stack_tables,
    table_at,
)
from mcdimer.sampling.rng import seed_states
from mcdimer.sampling.tables import landscape_energy

N_DRAWS = 300_000
N_BINS = 40
N_BATCH = 100
DIRECTION = np.array([1.0, 2.0, 3.0]) / np.sqrt(14.0)


@njit  # no cache: a cached caller would keep a stale inlined heatbath_move
def _chain(a, table, hb, n, state):
    """n heat-bath moves of one moment in the field a, from mu = (0.1, 0, 0): (draws, acc)."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    mx, my, mz = 0.1, 0.0, 0.0
    out = np.empty((n, 3))
    acc = 0
    for i in range(n):
        mx, my, mz, ok, s0, s1, s2, s3 = heatbath_move(
            mx, my, mz, a[0], a[1], a[2], table, hb, s0, s1, s2, s3
        )
        acc += ok
        out[i, 0], out[i, 1], out[i, 2] = mx, my, mz
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return out, acc


def _draws(landscape, a, a_max, seed, n=N_DRAWS):
    table = landscape.table()
    hb = build_heatbath_table(table, a_max)
    out, acc = _chain(np.asarray(a, float), table, hb, n, seed_states(seed, 1)[0].copy())
    return out, acc / n


def _radial_log_weight(energy, A, r):
    """log of r^2 exp(-f) sinh(A r)/(A r), the exact radial marginal (closed-form f)."""
    x = A * r
    with np.errstate(divide="ignore"):
        lsc = np.where(x > 1e-8, x + np.log(-np.expm1(-2 * np.maximum(x, 1e-8))) - np.log(2 * x), 0)
        return 2 * np.log(r) - energy(r) + lsc


def _exact_laws(energy, A):
    """Exact CDFs of |mu| and of c (vectorised callables) by quadrature: g(r) on a fine
    trapezoid grid; c by the 2-D integral of r^2 e^{-f} e^{A r c}, done analytically in c
    (P(c <= x | r) = (e^{A r x} - e^{-A r}) / (e^{A r} - e^{-A r})) and numerically in r."""
    r = np.linspace(0.0, 1.0, 200_001)
    lw = _radial_log_weight(energy, A, r)
    w = np.exp(lw - lw.max())
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (w[1:] + w[:-1]))])
    cdf /= cdf[-1]

    def cdf_r(x):
        return np.interp(x, r, cdf)

    rr, wr = r[1::200], w[1::200].copy()
    wr[-1] *= 0.5  # trapezoid weights (w = 0 at r = 0)

    def cdf_c(x):
        x = np.asarray(x, float)
        if A == 0.0:
            return np.clip((x + 1.0) / 2.0, 0.0, 1.0)
        ar = A * rr[:, None]
        xc = np.clip(x, -1.0, 1.0)[None, :]
        cond = (np.exp(ar * (xc - 1.0)) - np.exp(-2.0 * ar)) / -np.expm1(-2.0 * ar)
        return wr @ cond / wr.sum()

    return cdf_r, cdf_c


def _x2_over_tau(values, cdf, lo, hi):
    """Pearson X^2 / tau (batch-means inflation) of `values` on [lo, hi] in N_BINS bins of
    (nearly) equal probability under the exact `cdf`, the edges fixed by the law alone.
    Returns (X^2/tau, degrees of freedom, tau)."""
    t = np.linspace(0.0, 1.0, 2001)
    grid = hi - (hi - lo) * (1.0 - t) ** 3 if lo == -1.0 else lo + (hi - lo) * t  # c: dense at 1
    grid = np.unique(np.concatenate([grid, lo + (hi - lo) * t]))
    inner = np.unique(np.interp(np.linspace(0, 1, N_BINS + 1)[1:-1], cdf(grid), grid))
    edges = np.concatenate([[-np.inf], inner, [np.inf]])
    p = np.diff(np.concatenate([[0.0], cdf(inner), [1.0]]))
    keep = p > 0
    nb = p.size
    idx = np.searchsorted(edges, values, side="right") - 1
    counts = np.bincount(idx, minlength=nb)
    n = values.size
    x2 = np.sum((counts[keep] - n * p[keep]) ** 2 / (n * p[keep]))
    batch = n // N_BATCH
    per = np.stack(
        [np.bincount(idx[k * batch : (k + 1) * batch], minlength=nb) for k in range(N_BATCH)]
    )
    pk = p[keep]
    tau = np.mean(per[:, keep].var(axis=0, ddof=1) / (batch * pk * (1 - pk)))
    return x2 / max(tau, 1.0), int(keep.sum()) - 1, tau


def _p_value(x2, dof):
    return stats.chi2.sf(x2, dof)


def _frame(a):
    e = a / np.linalg.norm(a) if np.any(a) else np.array([0.0, 0.0, 1.0])
    b1 = np.cross(e, [1.0, 0.0, 0.0] if abs(e[0]) < 0.9 else [0.0, 1.0, 0.0])
    b1 /= np.linalg.norm(b1)
    return e, b1, np.cross(e, b1)


def _uniform_cdf(lo, hi):
    return lambda x: np.clip((np.asarray(x, float) - lo) / (hi - lo), 0.0, 1.0)


def _check_against_law(draws, landscape, A, a, *, wrong=None, wrong_A=None):
    """p-values (and tau) of |mu|, c and the azimuth against the exact law; with `wrong` (a
    landscape) or `wrong_A` (a field), also of |mu| and c against that wrong law (power)."""
    r = np.linalg.norm(draws, axis=1)
    e, b1, b2 = _frame(np.asarray(a, float))
    c = draws @ e / np.where(r > 0, r, 1.0)
    phi = np.arctan2(draws @ b2, draws @ b1)
    cdf_r, cdf_c = _exact_laws(landscape.energy, A)
    results = {}
    for name, vals, cdf, lo, hi in (
        ("r", r, cdf_r, 0.0, 1.0),
        ("c", c, cdf_c, -1.0, 1.0),
        ("phi", phi, _uniform_cdf(-np.pi, np.pi), -np.pi, np.pi),
    ):
        x2, dof, tau = _x2_over_tau(vals, cdf, lo, hi)
        results[name] = (_p_value(x2, dof), tau)
    if wrong is not None or wrong_A is not None:
        law = wrong if wrong is not None else landscape
        cdf_r, cdf_c = _exact_laws(law.energy, A if wrong_A is None else wrong_A)
        results["r_wrong"] = (_p_value(*_x2_over_tau(r, cdf_r, 0.0, 1.0)[:2]), None)
        results["c_wrong"] = (_p_value(*_x2_over_tau(c, cdf_c, -1.0, 1.0)[:2]), None)
    return results


@pytest.mark.parametrize(
    "C, A, a_max, seed",
    [
        (5.0, 0.0, 100.0, 1),
        (5.0, 5.0, 100.0, 2),
        (50.0, 0.0, 100.0, 3),
        (50.0, 50.0, 100.0, 4),
        (50.0, 50.0, 40.0, 5),  # A beyond the grid: the last row, exact but slower
    ],
)
def test_single_moment_matches_bounded_gaussian_in_modulus_and_angles(C, A, a_max, seed):
    a = A * DIRECTION
    draws, acc = _draws(Quadratic(C), a, a_max, seed)
    res = _check_against_law(draws, Quadratic(C), A, a, wrong=Quadratic(1.05 * C))
    for name in ("r", "c", "phi"):
        p, tau = res[name]
        assert p > 1e-3, f"{name}: p = {p:.2e} (tau = {tau:.3f}, acceptance {acc:.3f})"
        if A <= a_max:
            assert tau < 2.0, f"{name}: variance inflation {tau:.2f}"
    # power: the same chain rejects the law with C -> 1.05 C
    assert res["r_wrong"][0] < 1e-6
    if A > 0:
        assert res["c_wrong"][0] < 1e-6


def test_free_ball_in_a_strong_field_piles_up_at_the_edge():
    # C = 0, A = 900: the mass within ~1/A of |mu| = 1, bins with tilts near 1000
    A = 900.0
    a = A * DIRECTION
    draws, acc = _draws(Quadratic(0.0), a, 1000.0, 9)
    assert np.all(np.isfinite(draws)) and np.all(np.sum(draws**2, axis=1) <= 1.0 + 1e-12)
    res = _check_against_law(draws, Quadratic(0.0), A, a, wrong_A=1.05 * A)
    for name in ("r", "c", "phi"):
        assert res[name][0] > 1e-3, f"{name}: p = {res[name][0]:.2e} (acceptance {acc:.4f})"
    assert res["r_wrong"][0] < 1e-6 and res["c_wrong"][0] < 1e-6


def test_saturating_radial_marginal_matches_closed_form():
    land = Saturating(20.0)
    A = 30.0
    a = A * DIRECTION
    draws, _ = _draws(land, a, 100.0, 6)
    res = _check_against_law(draws, land, A, a, wrong=Saturating(1.05 * 20.0))
    for name in ("r", "c", "phi"):
        assert res[name][0] > 1e-3, f"{name}: p = {res[name][0]:.2e}"
    assert res["r_wrong"][0] < 1e-6


def _acceptance(landscape, A, seed, n=20_000):
    _, acc = _draws(landscape, A * DIRECTION, 1000.0, seed, n=n)
    return acc


@pytest.mark.parametrize("C", [0.0, 5.0, 50.0, 500.0])
def test_acceptance_at_least_095_quadratic(C):
    for k, A in enumerate([0.0, 1.0, 10.0, 100.0, 1000.0]):
        acc = _acceptance(Quadratic(C), A, 10 + k)
        assert acc >= 0.95, f"C={C}, A={A}: acceptance {acc:.3f}"


def test_acceptance_at_least_095_saturating_and_microscopic():
    from mcdimer import micro

    lands = [Saturating(5.0), Saturating(50.0), Saturating(500.0)]
    lands.append(micro.Microscopic(micro.bessel_zero(1, 36), 5e-5))
    for land in lands:
        for k, A in enumerate([0.0, 1.0, 10.0, 100.0, 1000.0]):
            acc = _acceptance(land, A, 20 + k)
            assert acc >= 0.95, f"{land!r}, A={A}: acceptance {acc:.3f}"


def test_table_rows_are_bins_of_the_unit_interval():
    hb = build_heatbath_table(Quadratic(50.0).table(), 300.0, rows=16, bins=32)
    assert isinstance(hb, HeatbathTable)
    assert hb.edges.shape == (16, 33) and hb.tilt.shape == (16, 32) and hb.inv_dt.shape == (1,)
    assert np.all(np.isfinite(hb.tilt))
    assert np.all(hb.edges[:, 0] == 0.0) and np.all(hb.edges[:, -1] == 1.0)
    assert np.all(np.diff(hb.edges, axis=1) > 0)
    # the last row sits at A = a_max
    assert row_coordinate(300.0) * hb.inv_dt[0] == pytest.approx(hb.edges.shape[0] - 1)


def test_row_coordinate_is_increasing_and_inverted_by_the_row_fields():
    A = np.concatenate([np.linspace(0.0, 5.0, 5001), np.logspace(-6.0, 4.0, 1001)])
    t = np.array([row_coordinate(a) for a in A])
    assert np.all(np.diff(t[:5001]) > 0) and np.all(np.diff(t[5001:]) > 0)
    np.testing.assert_allclose(_row_fields(t), A, rtol=1e-11, atol=1e-14)
    # close to log2(1 + A): the rows are nearly geometric for large fields
    assert np.max(np.abs(t - np.log2(1.0 + A))) < 0.03


def test_one_minus_exp2_matches_expm1_to_a_few_ulp():
    y = np.concatenate([[0.0], np.logspace(-300, 3, 3001), np.linspace(0.45, 0.55, 1001)])
    got = np.array([_one_minus_exp2(v) for v in y])
    ref = -np.expm1(-2.0 * y)
    np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0.0)


def test_landscape_interpolation_is_the_kernels_linear_interpolation():
    table = Saturating(7.0).table(size=257)
    s = np.random.default_rng(0).uniform(0.0, 1.0, 100)
    ref = np.interp(s, np.linspace(0.0, 1.0, table.size), table)
    got = np.array([landscape_energy(table, v) for v in s])
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-13)


def test_stacked_tables_read_back_per_level_and_species():
    lands = [[Quadratic(c * b) for c in (1.0, 9.0)] for b in (1.0, 0.5, 0.25)]
    tabs = [[build_heatbath_table(land.table(), 10.0) for land in row] for row in lands]
    stack = stack_tables(tabs)
    assert stack.edges.shape == (3, 2) + tabs[0][0].edges.shape
    assert stack.tilt.shape == (3, 2) + tabs[0][0].tilt.shape

    @njit
    def moves(stack, lev, sp, table, state):  # the same moves through the stack
        hb = table_at(stack, lev, sp)
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
        mx, my, mz = 0.1, 0.0, 0.0  # as _chain
        for _ in range(50):
            mx, my, mz, ok, s0, s1, s2, s3 = heatbath_move(
                mx, my, mz, 1.0, -2.0, 3.0, table, hb, s0, s1, s2, s3
            )
        return mx, my, mz

    for lev in range(3):
        for sp in range(2):
            table = lands[lev][sp].table()
            state = seed_states(7, 1)[0]
            via = moves(stack, lev, sp, table, state.copy())
            ref = _chain(np.array([1.0, -2.0, 3.0]), table, tabs[lev][sp], 50, state.copy())[0]
            assert via == tuple(ref[-1])
    with pytest.raises(ValueError, match="rows"):
        stack_tables([tabs[0][0], build_heatbath_table(lands[0][0].table(), 10.0, rows=8)])


def test_stack_built_at_once_equals_tables_built_one_by_one():
    lands = [Quadratic(5.0), Saturating(20.0), Quadratic(300.0)]
    b = np.array([1.0, 0.3])
    tables = np.stack([[land.tempered(x).table() for land in lands] for x in b])
    got = build_heatbath_stack(tables, 40.0 * b)
    want = stack_tables(
        [[build_heatbath_table(t, 40.0 * x) for t in row] for row, x in zip(tables, b, strict=True)]
    )
    for field in HeatbathTable._fields:
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field))
    with pytest.raises(ValueError, match="a_max"):
        build_heatbath_stack(tables, np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="tables"):
        build_heatbath_stack(tables[0], np.ones(3))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"table": np.array([0.0, np.nan, 1.0]), "a_max": 1.0}, "table"),
        ({"table": np.zeros((3, 3)), "a_max": 1.0}, "table"),
        ({"table": np.zeros(65), "a_max": -1.0}, "a_max"),
        ({"table": np.zeros(65), "a_max": np.inf}, "a_max"),
        ({"table": np.zeros(65), "a_max": 1.0, "rows": 1}, "rows"),
        ({"table": np.zeros(65), "a_max": 1.0, "bins": 1.5}, "bins"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_heatbath_table(**kwargs)
