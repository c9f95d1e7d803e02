"""Exact heat-bath move of one moment: a draw from its conditional density given the others.

Given the other moments, mu_i in the unit ball has the density (flat measure d^3mu of
Eq. (B7); h_i the effective field of Eq. (3), f the replica's landscape table, b its
inverse-temperature factor, a = b h_i, A = |a|)

    p(mu) ∝ exp(-f(|mu|^2) + a . mu),   |mu| <= 1.

In spherical coordinates about a (d^3mu = r^2 dr dc dphi, c the cosine of the angle to a)
it factorises into

    g(r) ∝ r^2 exp(-f(r^2)) sinh(A r)/(A r)       (radial marginal; sinh(x)/x = 1 at A = 0)
    p(c | r) = A r exp(A r c) / (2 sinh(A r))     on [-1, 1]
    phi uniform on [0, 2 pi).

The angles are drawn exactly (c by inversion, c = 1 + log1p(-w (1 - e^{-2Ar}))/(Ar) with
w uniform in [0, 1)). The radius is drawn from a tabulated proposal q(r) and made exact by
an independence Metropolis-Hastings step. The proposal density in d^3mu is
q(mu) = q(r) p(c | r) / (2 pi r^2), so

    p(mu)/q(mu) = exp(-f(r^2) + A r c) 2 pi r^2 / (q(r) A r e^{A r c} / (2 sinh(A r)))
                = 4 pi g(r)/q(r)

(up to the normalisation of g): the angular factors cancel, and accepting mu' with
min(1, w(r')/w(r)), w = g/q, leaves p(mu) invariant (independence sampler, Hastings 1970).
The decision needs r' only, so the angles are drawn after acceptance. g is evaluated with
the same linear interpolation of the table as the kernels (`landscape_energy`), so the
move corrects toward exactly the kernels' target. The proposal is a deterministic function
of A alone (A does not change while mu_i moves), which the MH argument requires.

The proposal (`HeatbathTable`): rows j = 0..rows-1 at A_j = sinh(j dt), each holding B
equal-probability bins of g for A_j (edges at its quantiles by quadrature). For a field A
between A_j and A_{j+1} (t = asinh(A)/dt = j + lam) the edges are interpolated,
e_k = (1 - lam) E[j, k] + lam E[j+1, k]: quantile interpolation, exact for a family that
shifts and rescales, so the row spacing costs acceptance only at second order. q is
uniform inside each bin, q(r) = 1/(B (e_{k+1} - e_k)). Beyond the last row (A > a_max) the
last row is used: still exact, only less efficient. First edge 0, last edge 1 and a
1e-9 admixture of uniform edges keep every bin open, so q > 0 wherever g > 0 and w is
bounded (the sampler is uniformly ergodic).

Cost: `build_heatbath_table` O(rows * GRID) in numpy (a few ms); `heatbath_move` O(log B)
(a binary search of the current radius among the interpolated edges), no allocation.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .rng import next_double

ROWS = 96  # rows of the A-grid: A_j = sinh(j dt), j = 0..ROWS-1, sinh((ROWS-1) dt) = a_max
BINS = 256  # equal-probability bins of the radius per row
GRID = 1024  # quadrature cells in r on [0, 1] when the rows are built
_MIX = 1e-9  # weight of uniform edges mixed in: every bin has width >= _MIX / B


class HeatbathTable(NamedTuple):
    """Radial proposal of the heat-bath move for one landscape table.

    edges : (rows, B + 1) float64, row j = bin edges in r for the field A_j = sinh(j dt);
        edges[:, 0] = 0, edges[:, -1] = 1, strictly increasing along each row.
    inv_dt : (1,) float64, 1/dt: the row coordinate of a field A is asinh(A) * inv_dt.
    """

    edges: np.ndarray
    inv_dt: np.ndarray


def _log_sinhc(x):
    """log(sinh(x)/x) for x >= 0 (numpy arrays), without overflow at large x."""
    x = np.asarray(x, dtype=float)
    small = x < 1e-3
    xs = np.where(small, 1.0, x)
    big = xs + np.log1p(-np.exp(-2.0 * xs)) - np.log(2.0 * xs)
    x2 = x * x
    return np.where(small, x2 * (1.0 / 6.0 - x2 / 180.0), big)


def build_heatbath_table(
    table: np.ndarray, a_max: float, *, rows: int = ROWS, bins: int = BINS
) -> HeatbathTable:
    """The heat-bath proposal for landscape `table` (f(s) on a uniform grid of s = r^2 in
    [0, 1], as `Landscape.table()`), for fields A = b|h_i| up to a_max (beyond, the last row).

    For each row A_j the density g(r) ∝ r^2 exp(-f(r^2)) sinh(A_j r)/(A_j r) is integrated
    on GRID cells of r, log-linearly within a cell (exact for the exponential tails of
    large A; r^3 in the first cell), and the edges are its quantiles k/B, each found by
    inverting the cell's exponential exactly. The move is exact whatever these edges are;
    their accuracy only sets the acceptance.
    """
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 1 or table.size < 2 or not np.all(np.isfinite(table)):
        raise ValueError("table must be a finite 1-D array of f(s) on >= 2 points of s in [0, 1]")
    a_max = float(a_max)
    if not (np.isfinite(a_max) and a_max >= 0.0):
        raise ValueError(f"a_max must be a finite field magnitude >= 0, got {a_max}")
    if int(rows) != rows or rows < 2:
        raise ValueError(f"rows must be an integer >= 2, got {rows}")
    if int(bins) != bins or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins}")
    rows, bins = int(rows), int(bins)
    dt = math.asinh(max(a_max, 1e-3)) / (rows - 1)
    a_grid = np.sinh(dt * np.arange(rows))

    r = np.linspace(0.0, 1.0, GRID + 1)
    h = 1.0 / GRID
    f = np.interp(r * r, np.linspace(0.0, 1.0, table.size), table)
    with np.errstate(divide="ignore"):
        log_r = np.log(r)
        # log(sinh(x)/x) = x + log(1 - e^{-2x}) - log(2 A) - log(r), x = A r; the constant
        # per row drops out of the normalisation below
        ar = a_grid[1:, None] * r[None, :]
        lg = np.empty((rows, GRID + 1))
        lg[0] = 2.0 * log_r - f
        lg[1:] = (log_r - f)[None, :] + ar + np.log(-np.expm1(-2.0 * ar))
    lg -= lg.max(axis=1, keepdims=True)
    g = np.exp(lg)
    d = lg[:, 1:] - lg[:, :-1]  # log-slope of each cell; +inf in the first cell
    d[:, 0] = 0.0
    flat = np.abs(d) < 1e-8
    dsafe = np.where(flat, 1.0, d)
    mass = h * np.where(flat, 0.5 * (g[:, 1:] + g[:, :-1]), (g[:, 1:] - g[:, :-1]) / dsafe)
    mass[:, 0] = h * g[:, 1] / 3.0  # g ∝ r^2 in the first cell
    cdf = np.zeros((rows, GRID + 1))
    np.cumsum(mass, axis=1, out=cdf[:, 1:])
    total = cdf[:, -1:].copy()
    cdf /= total

    p = np.arange(1, bins) / bins
    cell = np.empty((rows, bins - 1), dtype=np.int64)
    for j in range(rows):
        cell[j] = np.searchsorted(cdf[j], p, side="right") - 1
    cell = np.minimum(cell, GRID - 1)
    jj = np.arange(rows)[:, None]
    cm = mass[jj, cell] / total  # probability of the cell
    phi = np.clip((p[None, :] - cdf[jj, cell]) / np.where(cm > 0, cm, 1.0), 0.0, 1.0)
    dc = d[jj, cell]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # inverse of the cell's exponential: x/h solves (e^{d x/h} - 1)/(e^d - 1) = phi
        up = 1.0 + np.log(phi + (1.0 - phi) * np.exp(-np.abs(dc))) / np.abs(dc)
        down = np.log1p(phi * np.expm1(-np.abs(dc))) / -np.abs(dc)
        frac = np.where(dc > 0, up, down)
    frac = np.where(np.abs(dc) < 1e-8, phi, frac)
    frac = np.where(cell == 0, np.cbrt(phi), frac)
    inner = r[cell] + h * np.clip(frac, 0.0, 1.0)

    edges = np.empty((rows, bins + 1))
    edges[:, 0], edges[:, -1] = 0.0, 1.0
    edges[:, 1:-1] = np.maximum.accumulate(np.clip(inner, 0.0, 1.0), axis=1)
    edges = (1.0 - _MIX) * edges + _MIX * np.linspace(0.0, 1.0, bins + 1)
    edges[:, -1] = 1.0
    return HeatbathTable(edges=edges, inv_dt=np.array([1.0 / dt]))


def stack_tables(tables) -> HeatbathTable:
    """Tables of equal shape stacked along leading axes (e.g. a (levels, species) nested
    list -> edges (R, S, rows, B + 1), inv_dt (R, S, 1)); read back with `table_at`."""
    edges = np.asarray([_nested(t, "edges") for t in tables], dtype=np.float64)
    inv_dt = np.asarray([_nested(t, "inv_dt") for t in tables], dtype=np.float64)
    if edges.dtype == object or edges.ndim < 3:
        raise ValueError("tables to stack must be nested lists of tables of one (rows, B + 1)")
    return HeatbathTable(edges=edges, inv_dt=inv_dt)


def _nested(item, field):
    if isinstance(item, HeatbathTable):
        return getattr(item, field)
    return [_nested(t, field) for t in item]


@njit(inline="always")
def table_at(stack, lev, sp):
    """The table of (level, species) in a (R, S) stack from `stack_tables`."""
    return HeatbathTable(stack.edges[lev, sp], stack.inv_dt[lev, sp])


@njit(inline="always")
def _landscape_f(table, s):
    """f(s) by linear interpolation on the uniform s-grid: the kernels' `landscape_energy`."""
    x = s * (table.size - 1)
    i = min(int(x), table.size - 2)
    t = x - i
    return table[i] + t * (table[i + 1] - table[i])


@njit(inline="always")
def _log_sinhc_scalar(x):
    if x < 1e-3:
        x2 = x * x
        return x2 * (1.0 / 6.0 - x2 / 180.0)
    return x + math.log1p(-math.exp(-2.0 * x)) - math.log(2.0 * x)


@njit(inline="always")
def heatbath_move(mx, my, mz, ax, ay, az, table, hb, s0, s1, s2, s3):
    """One heat-bath proposal and its Metropolis-Hastings decision for one moment.

    (mx, my, mz): the current moment; (ax, ay, az) = b h_i, the field already multiplied
    by the replica's b; table: the replica's landscape f(s); hb: its `HeatbathTable`;
    s0..s3: xoshiro256** words. Returns (nx, ny, nz, accepted, s0, s1, s2, s3), the old
    moment when rejected. Leaves exp(-f(|mu|^2) + a . mu) d^3mu on the ball invariant
    (module docstring). 1 uniform + 1 on a ratio < 1 + 2 on acceptance.
    """
    edges = hb.edges
    last = edges.shape[0] - 1
    nb = edges.shape[1] - 1
    A = math.sqrt(ax * ax + ay * ay + az * az)
    t = math.asinh(A) * hb.inv_dt[0]
    if t >= last:
        j, lam = last - 1, 1.0
    else:
        j = int(t)
        lam = t - j
    lo, hi = edges[j], edges[j + 1]

    u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
    x = u * nb
    k = min(int(x), nb - 1)
    e0 = lo[k] + lam * (hi[k] - lo[k])
    e1 = lo[k + 1] + lam * (hi[k + 1] - lo[k + 1])
    width_new = e1 - e0
    r_new = e0 + (x - k) * width_new

    s_old = mx * mx + my * my + mz * mz
    if s_old > 0.0:
        r_old = math.sqrt(s_old)
        a, bnd = 0, nb
        while bnd - a > 1:
            mid = (a + bnd) >> 1
            if lo[mid] + lam * (hi[mid] - lo[mid]) <= r_old:
                a = mid
            else:
                bnd = mid
        width_old = (lo[a + 1] + lam * (hi[a + 1] - lo[a + 1])) - (lo[a] + lam * (hi[a] - lo[a]))
        s_new = r_new * r_new
        log_ratio = (
            _landscape_f(table, s_old)
            - _landscape_f(table, s_new)
            + _log_sinhc_scalar(A * r_new)
            - _log_sinhc_scalar(A * r_old)
        )
        ratio = (s_new * width_new) / (s_old * width_old) * math.exp(min(log_ratio, 700.0))
        if ratio < 1.0:
            u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
            if u >= ratio:
                return mx, my, mz, False, s0, s1, s2, s3

    # accepted: the angles about a, drawn exactly
    w, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
    xr = A * r_new
    if xr > 1e-200:
        c = max(1.0 + math.log1p(-w * -math.expm1(-2.0 * xr)) / xr, -1.0)
    else:
        c = 1.0 - 2.0 * w
    sn = math.sqrt(max(0.0, (1.0 - c) * (1.0 + c)))
    u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
    cp, sp = math.cos(2.0 * math.pi * u), math.sin(2.0 * math.pi * u)
    if A > 0.0:
        ex, ey, ez = ax / A, ay / A, az / A
    else:
        ex, ey, ez = 0.0, 0.0, 1.0
    # orthonormal frame about e (Duff et al. 2017, branchless up to the sign)
    sg = math.copysign(1.0, ez)
    q = -1.0 / (sg + ez)
    p = ex * ey * q
    b1x, b1y, b1z = 1.0 + sg * ex * ex * q, sg * p, -sg * ex
    b2x, b2y, b2z = p, sg + ey * ey * q, -ey
    tx, ty = sn * cp, sn * sp
    nx = r_new * (c * ex + tx * b1x + ty * b2x)
    ny = r_new * (c * ey + tx * b1y + ty * b2y)
    nz = r_new * (c * ez + tx * b1z + ty * b2z)
    return nx, ny, nz, True, s0, s1, s2, s3
