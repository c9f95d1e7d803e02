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

The proposal (`HeatbathTable`): rows j = 0..rows-1 at the fields A_j with
`row_coordinate`(A_j) = j dt (a cheap stand-in for log2(1 + A): rows spaced evenly for
A < 1 and nearly geometrically above; A_{rows-1} = a_max), each holding B
equal-probability bins of g for A_j (edges at its quantiles, by
quadrature: a coarse pass on [0, 1] finds where the mass lies, a fine one per row places the
edges). Inside bin k the density is a tilted exponential, q(r) = z e^{z x} / (B (e_{k+1} -
e_k) expm1(z)), x = (r - e_k)/(e_{k+1} - e_k), its tilt z the log-slope of g at the bin's
heavier end. log g = log r + A r + log(1 - e^{-2 A r}) - f(r^2) + const is concave whenever
f is convex in r (a paramagnetic landscape, docs/physics.md, "Landscapes"), so this exponential lies
above g's shape inside the bin: q follows g even across the wide tail bins and w = g/q
stays close to 1 (rejections and their autocorrelation stay at the 1 % level). A bin with
|z| < Z_LINEAR (all but the few steepest: bulk bins have |z| ~ 0.05) takes instead the
linear density (1 + z (x - 1/2)) / (B (e_{k+1} - e_k)), within z^2/8 of the exponential in
log and drawn with one square root instead of an expm1 and a log1p. For
a field between rows (row_coordinate(A)/dt = j + lam) edges and tilts are interpolated,
e_k = (1 - lam) E[j, k] + lam E[j+1, k]: quantile interpolation, exact for a family that
shifts and rescales, so the row spacing costs acceptance only at second order. Beyond the
last row (A > a_max) the last row is used: still exact, but the acceptance falls quickly
(C = 50, A = 50: 0.73 at a_max = 45, 0.49 at a_max = 40), so a_max must bound b |h_i|.
First edge 0, last edge 1 and a 1e-9 admixture of uniform edges keep every bin open, so
q > 0 wherever g > 0 and w is bounded: the sampler is uniformly ergodic (Tierney 1994, Liu 1996).

Measured acceptance (rows = 96, B = 128, a_max = 1000; A = 0 and 31 fields from 0.01 to
1000, 20 000 moves each): >= 0.988, mean 0.997, for Quadratic C = 0, 5, 50, 500, Saturating
C = 5, 50, 500 and Microscopic (kfa = zeta_{1,36}, t = 5e-5).

Cost: `build_heatbath_table` O(rows * (COARSE + FINE + B)) evaluations of log g, compiled,
about 3 ms (benchmarks/bench_heatbath.py; its first call compiles, ~8 s, then cached);
`build_heatbath_stack` builds every (level, species) table in one compiled call; memory
rows * (2B + 1) doubles (0.2 MB). `heatbath_move`: a branch-free binary search of the
current radius among the interpolated edges (log2 B steps), three exp and one log1p (an
expm1 and a log1p more in a steep bin), no allocation; about 170 ns on fields of the n = 64
chain near its threshold (benchmarks/bench_heatbath.py).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .rng import next_double
from .tables import landscape_energy

ROWS = 96  # rows of the A-grid: row_coordinate(A_j) = j dt, j = 0..ROWS-1, A_{ROWS-1} = a_max
BINS = 128  # equal-probability bins of the radius per row
COARSE, FINE = 256, 512  # quadrature cells: uniform on [0, 1], then per row on its bulk
TAIL = 0.125  # the fine grid of a row covers its quantiles TAIL/B .. 1 - TAIL/B
_MIX = 1e-9  # weight of uniform edges mixed in: every bin has width >= _MIX / B
TILT_MAX = 1e4  # |tilt| cap (the move's arithmetic is overflow-free for any tilt)
Z_LINEAR = 0.5  # bins with |tilt| below this take the linear density 1 + z (x - 1/2)
_MANTISSA = 0xFFFFFFFFFFFFF  # the 52 mantissa bits of a float64
_ONE = 0x3FF0000000000000  # the bits of 1.0


class HeatbathTable(NamedTuple):
    """Radial proposal of the heat-bath move for one landscape table.

    edges : (rows, B + 1) float64, row j = bin edges in r for the field A_j = sinh(j dt);
        edges[:, 0] = 0, edges[:, -1] = 1, strictly increasing along each row.
    tilt : (rows, B) float64, z: inside bin k the proposal density is ∝ exp(z x), x in
        [0, 1] the position across the bin (z = 0: uniform).
    inv_dt : (1,) float64, 1/dt: the row of a field A is `row_coordinate(A) * inv_dt`.
    """

    edges: np.ndarray
    tilt: np.ndarray
    inv_dt: np.ndarray


@njit(inline="always")
def row_coordinate(A):
    """An increasing function of A >= 0 that costs a few integer operations: with 1 + A =
    2^e (1 + u), u in [0, 1), it is e + u (4 - u)/3. Close to log2(1 + A) (within 0.03,
    continuous with its first derivative, so the rows are spaced nearly geometrically for
    large A and uniformly for small A), without a transcendental call."""
    bits = np.float64(1.0 + A).view(np.int64)
    u = np.int64((bits & _MANTISSA) | _ONE).view(np.float64) - 1.0
    return ((bits >> 52) - 1023) + u * (4.0 - u) / 3.0


def _row_fields(t):
    """The inverse of `row_coordinate`: A with row_coordinate(A) = t, for t (array) >= 0."""
    e = np.floor(t)
    u = 2.0 - np.sqrt(np.maximum(4.0 - 3.0 * (t - e), 0.0))  # u (4 - u)/3 = t - e, u in [0, 1]
    return np.ldexp(1.0 + u, e.astype(np.int64)) - 1.0


@njit(cache=True, error_model="numpy")
def _log_g(r, f_table, a):
    """log g(r) up to a constant per row, for a field a >= 0 (-inf at r = 0). For a > 0,
    log(r^2 sinh(a r)/(a r)) = log r + a r + log(1 - e^{-2 a r}) - log(2 a); the constant is
    dropped. f is the kernels' linear interpolation of the table in s (`landscape_energy`)."""
    f = landscape_energy(f_table, r * r)
    if a > 0.0:
        ar = a * r
        return np.log(r * -math.expm1(-2.0 * ar)) - f + ar
    return 2.0 * np.log(r) - f


@njit(cache=True, error_model="numpy")
def _cells(r, lg, mass, d, cdf):
    """Masses, log-slopes and CDF of the cells of the nodes r (m + 1,), with log g (values lg
    at the nodes) linear in each cell (g ∝ r^2 in a cell that starts at r = 0): fills mass
    (m,) and cdf (m + 1,) normalised to 1, and d (m,), 0 where the cell is taken flat."""
    top = lg.max()
    cdf[0] = 0.0
    g0 = math.exp(lg[0] - top)
    for k in range(r.size - 1):
        h = r[k + 1] - r[k]
        g1 = math.exp(lg[k + 1] - top)
        dk = lg[k + 1] - lg[k]
        if r[k] == 0.0:
            mass[k], d[k] = h * g1 / 3.0, 0.0
        elif not abs(dk) >= 1e-8:  # also the nan of two -inf nodes
            mass[k], d[k] = h * 0.5 * (g0 + g1), 0.0
        else:
            mass[k], d[k] = h * (g1 - g0) / dk, dk
        cdf[k + 1] = cdf[k] + mass[k]
        g0 = g1
    total = cdf[r.size - 1]
    for k in range(r.size - 1):
        mass[k] /= total
        cdf[k] /= total
    cdf[r.size - 1] = 1.0


@njit(cache=True, error_model="numpy")
def _invert(r, d, mass, cdf, p):
    """Position of the probability p under the cells (inverse CDF, the cell's exponential
    inverted exactly; the cube root in a cell at the origin)."""
    cells = d.size
    cell = min(max(np.searchsorted(cdf, p, side="right") - 1, 0), cells - 1)
    cm = mass[cell]
    phi = min(max((p - cdf[cell]) / (cm if cm > 0.0 else 1.0), 0.0), 1.0)
    dc = abs(d[cell])
    if r[cell] == 0.0:
        frac = np.cbrt(phi)
    elif dc < 1e-8:
        frac = phi
    elif d[cell] > 0.0:  # x solves (e^{d x} - 1)/(e^d - 1) = phi, x in [0, 1] across the cell
        frac = 1.0 + np.log(phi + (1.0 - phi) * math.exp(-dc)) / dc
    else:
        frac = math.log1p(phi * math.expm1(-dc)) / -dc
    frac = min(max(frac, 0.0), 1.0)
    return r[cell] + (r[cell + 1] - r[cell]) * frac


@njit(cache=True, error_model="numpy")
def _log_g_and_slope(r, f_table, a):
    """log g and d log g/dr at r: 1/r + 2a/expm1(2 a r) + a - 2 r f'(r^2) (2/r - 2 r f' at
    a = 0), f' the slope of the table's segment holding r^2."""
    x = r * r * (f_table.size - 1)
    i = min(int(x), f_table.size - 2)
    df = 2.0 * r * (f_table[i + 1] - f_table[i]) * (f_table.size - 1)
    if a > 0.0:
        slope = 1.0 / r + 2.0 * a / math.expm1(2.0 * a * r) + a - df
    else:
        slope = 2.0 / r - df
    return _log_g(r, f_table, a), slope


@njit(cache=True, error_model="numpy")
def _build_rows(table, a_rows, edges, tilt):
    """The edges (rows, B + 1) and tilts (rows, B) of `build_heatbath_table`, row by row."""
    bins = tilt.shape[1]
    rc = np.linspace(0.0, 1.0, COARSE + 1)
    r = np.empty(FINE + 1)
    lg = np.empty(FINE + 1)
    cdf = np.empty(FINE + 1)
    mass = np.empty(FINE)
    d = np.empty(FINE)
    for j in range(a_rows.size):
        a = a_rows[j]
        # coarse pass on [0, 1]: where the row's mass lies, [lo, hi] (one cell of margin)
        for k in range(COARSE + 1):
            lg[k] = _log_g(rc[k], table, a)
        _cells(rc, lg[: COARSE + 1], mass[:COARSE], d[:COARSE], cdf[: COARSE + 1])
        c = cdf[: COARSE + 1]
        i_lo = max(np.argmax(c >= TAIL / bins) - 2, 0)
        i_hi = min(np.argmax(c >= 1.0 - TAIL / bins) + 1, COARSE)
        lo, hi = i_lo / COARSE, i_hi / COARSE
        p_lo, p_hi = c[i_lo], 1.0 - c[i_hi]
        # fine pass on [lo, hi]; the tails keep their coarse masses
        for k in range(FINE + 1):
            r[k] = lo + (hi - lo) * (k / FINE)
            lg[k] = _log_g(r[k], table, a)
        _cells(r, lg, mass, d, cdf)
        edges[j, 0] = 0.0
        for k in range(1, bins):
            p = min(max((k / bins - p_lo) / (1.0 - p_lo - p_hi), 0.0), 1.0)
            e = min(max(_invert(r, d, mass, cdf, p), 0.0), 1.0)
            edges[j, k] = max(e, edges[j, k - 1])
        for k in range(bins):
            edges[j, k] = (1.0 - _MIX) * edges[j, k] + _MIX * (k / bins)
        edges[j, bins] = 1.0
        # tilt of each bin: the log-slope of g at its heavier end times its width (module
        # docstring: with log g concave, q then lies above g's shape inside the bin)
        lg_l, sl_l = _log_g_and_slope(edges[j, 0], table, a)
        for k in range(bins):
            lg_r, sl_r = _log_g_and_slope(edges[j, k + 1], table, a)
            z = (sl_l if lg_l > lg_r else sl_r) * (edges[j, k + 1] - edges[j, k])
            if np.isnan(z):
                z = 0.0
            tilt[j, k] = min(max(z, -TILT_MAX), TILT_MAX)
            lg_l, sl_l = lg_r, sl_r


def build_heatbath_table(
    table: np.ndarray, a_max: float, *, rows: int = ROWS, bins: int = BINS
) -> HeatbathTable:
    """The heat-bath proposal for landscape `table` (f(s) on a uniform grid of s = r^2 in
    [0, 1], as `Landscape.table()`), for fields A = b|h_i| up to a_max (beyond, the last row).

    For each row A_j the density g(r) ∝ r^2 exp(-f(r^2)) sinh(A_j r)/(A_j r) is integrated
    with log g linear in each cell (exact for the exponential tails of large A; g ∝ r^2 in a
    cell at the origin): first on COARSE cells of [0, 1] to find the interval holding all but
    TAIL/B of each tail, then on FINE cells of that interval, where the edges are placed at the
    quantiles k/B by inverting each cell's exponential exactly. Then the tilt of each bin.
    The move is exact whatever edges and tilts are; their accuracy only sets the acceptance.

    table: (T,) f(s) on s = linspace(0, 1, T), finite; a_max >= 0; rows >= 2; bins >= 2.
    Returns a `HeatbathTable` with edges (rows, bins + 1), tilt (rows, bins), inv_dt (1,).
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
    dt = _row_step(a_max, rows)
    edges = np.empty((rows, bins + 1))
    tilt = np.empty((rows, bins))
    _build_rows(table, _row_fields(dt * np.arange(rows)), edges, tilt)
    return HeatbathTable(edges=edges, tilt=tilt, inv_dt=np.array([1.0 / dt]))


def stack_tables(tables) -> HeatbathTable:
    """Tables of equal (rows, B) stacked along leading axes: a (levels, species) nested
    list -> edges (R, S, rows, B + 1), tilt (R, S, rows, B), inv_dt (R, S, 1). Read one back
    inside a kernel with `table_at`."""
    flat = _flat(tables)
    shapes = {t.edges.shape for t in flat}
    if len(shapes) != 1:
        raise ValueError(f"tables must share (rows, B + 1) to be stacked, got {sorted(shapes)}")
    lead = _lead_shape(tables)
    return HeatbathTable(
        *(np.stack([getattr(t, f) for t in flat]).reshape(lead + getattr(flat[0], f).shape)
          for f in HeatbathTable._fields)
    )  # fmt: skip


def build_heatbath_stack(tables: np.ndarray, a_max: np.ndarray) -> HeatbathTable:
    """`stack_tables` of `build_heatbath_table(tables[k, a], a_max[k])` for every level k and
    species a, built in one compiled call (no Python work per table).

    tables: (R, S, T) landscape tables, finite; a_max: (R,) finite field bounds >= 0.
    Returns a `HeatbathTable` with edges (R, S, ROWS, BINS + 1), tilt (R, S, ROWS, BINS),
    inv_dt (R, S, 1); the same numbers as the tables built one by one.
    """
    tables = np.ascontiguousarray(tables, dtype=np.float64)
    if tables.ndim != 3 or tables.shape[2] < 2 or not np.all(np.isfinite(tables)):
        raise ValueError("tables must be a finite (R, S, T) array of f(s) with T >= 2")
    a_max = np.asarray(a_max, dtype=np.float64)
    if a_max.shape != tables.shape[:1] or not np.all(np.isfinite(a_max) & (a_max >= 0.0)):
        raise ValueError(f"a_max must be {tables.shape[:1]} finite field magnitudes >= 0")
    R, S = tables.shape[:2]
    dt = np.array([_row_step(x, ROWS) for x in a_max])
    edges = np.empty((R, S, ROWS, BINS + 1))
    tilt = np.empty((R, S, ROWS, BINS))
    _build_stack(tables, _row_fields(dt[:, None] * np.arange(ROWS)), edges, tilt)
    inv_dt = np.broadcast_to((1.0 / dt)[:, None, None], (R, S, 1)).copy()
    return HeatbathTable(edges=edges, tilt=tilt, inv_dt=inv_dt)


@njit(cache=True, error_model="numpy")
def _build_stack(tables, a_rows, edges, tilt):
    for k in range(tables.shape[0]):
        for a in range(tables.shape[1]):
            _build_rows(tables[k, a], a_rows[k], edges[k, a], tilt[k, a])


def _row_step(a_max: float, rows: int) -> float:
    """dt of the row grid: row_coordinate(a_max) / (rows - 1) (a_max >= 1e-3)."""
    m, e = np.frexp(1.0 + max(a_max, 1e-3))  # 1 + a_max = 2^(e - 1) (1 + u), as row_coordinate
    u = 2.0 * m - 1.0
    return float((e - 1) + u * (4.0 - u) / 3.0) / (rows - 1)


def _flat(item):
    if isinstance(item, HeatbathTable):
        return [item]
    return [t for sub in item for t in _flat(sub)]


def _lead_shape(item) -> tuple[int, ...]:
    if isinstance(item, HeatbathTable):
        return ()
    return (len(item),) + _lead_shape(item[0])


@njit(inline="always")
def table_at(stack, lev, sp):
    """The table of (level, species) in a (R, S) stack from `stack_tables`."""
    return HeatbathTable(stack.edges[lev, sp], stack.tilt[lev, sp], stack.inv_dt[lev, sp])


@njit(inline="always")
def heatbath_move(mx, my, mz, ax, ay, az, table, hb, s0, s1, s2, s3):
    """One heat-bath proposal and its Metropolis-Hastings decision for one moment.

    (mx, my, mz): the current moment; (ax, ay, az) = b h_i, the field already multiplied
    by the replica's b; table: the replica's landscape f(s); hb: its `HeatbathTable`;
    s0..s3: xoshiro256** words. Returns (nx, ny, nz, accepted, s0, s1, s2, s3), the old
    moment when rejected. Leaves exp(-f(|mu|^2) + a . mu) d^3mu on the ball invariant
    (module docstring). Uniforms: 1, +1 when the ratio is < 1, +1 + 2 * 4/pi on average
    on acceptance. Inlined: a caller compiled with cache=True keeps its old copy when this
    file changes (numba's cache does not follow inlined functions of other modules).
    """
    edges, tilt = hb.edges, hb.tilt
    last = edges.shape[0] - 1
    nb = edges.shape[1] - 1
    A = math.sqrt(ax * ax + ay * ay + az * az)
    t = row_coordinate(A) * hb.inv_dt[0]
    if t >= last:
        j, lam = last - 1, 1.0
    else:
        j = int(t)
        lam = t - j
    lo, hi, tlo, thi = edges[j], edges[j + 1], tilt[j], tilt[j + 1]

    # proposal: bin k (probability 1/B), then x in [0, 1] with density q_k(x) (`_bin_draw`)
    u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
    ub = u * nb
    k = min(int(ub), nb - 1)
    e0 = lo[k] + lam * (hi[k] - lo[k])
    width_new = lo[k + 1] + lam * (hi[k + 1] - lo[k + 1]) - e0
    x, q_new, lq_new = _bin_draw(tlo[k] + lam * (thi[k] - tlo[k]), ub - k)
    r_new = e0 + width_new * x
    m_new = _one_minus_exp2(A * r_new)  # 1 - e^{-2 A r'}, also used by the angle

    s_old = mx * mx + my * my + mz * mz
    if s_old > 0.0:
        r_old = math.sqrt(s_old)
        # the bin of r_old among the interpolated edges (branch-free lower bound)
        a, size = 0, nb
        while size > 1:
            half = size >> 1
            mid = a + half
            a = mid if lo[mid] + lam * (hi[mid] - lo[mid]) <= r_old else a
            size -= half
        e0_old = lo[a] + lam * (hi[a] - lo[a])
        width_old = lo[a + 1] + lam * (hi[a + 1] - lo[a + 1]) - e0_old
        q_old, lq_old = _bin_density(tlo[a] + lam * (thi[a] - tlo[a]), (r_old - e0_old) / width_old)
        # w(r') / w(r) with w = g/q, q(r) = q_k(x)/(B width), q_k(x) = q e^{lq}
        expo = landscape_energy(table, s_old) - landscape_energy(table, r_new * r_new)
        expo += lq_old - lq_new
        ratio = width_new * q_old / (width_old * q_new)
        # g(r') / g(r), g ∝ r^2 e^{-f} sinh(A r)/(A r) = r e^{-f} e^{A r} (1 - e^{-2 A r}) / 2A
        if A > 0.0:
            ratio *= r_new * m_new / (r_old * _one_minus_exp2(A * r_old))
            expo += A * (r_new - r_old)
        else:
            ratio *= r_new * r_new / s_old
        ratio *= math.exp(min(expo, 700.0))
        if ratio < 1.0:
            u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
            if u >= ratio:
                return mx, my, mz, False, s0, s1, s2, s3

    # accepted: the angles about a, drawn exactly
    w, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
    xr = A * r_new
    if xr > 1e-200:
        c = max(1.0 + math.log1p(-w * m_new) / xr, -1.0)
    else:
        c = 1.0 - 2.0 * w
    sn = math.sqrt(max(0.0, (1.0 - c) * (1.0 + c)))
    while True:  # uniform azimuth: a uniform point of the unit disc, by rejection
        u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
        v, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
        cp, sp = 2.0 * u - 1.0, 2.0 * v - 1.0
        rho2 = cp * cp + sp * sp
        if 0.0 < rho2 <= 1.0:
            break
    rho = math.sqrt(rho2)
    cp, sp = cp / rho, sp / rho
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


Y_SERIES = 0.5  # below, 1 - e^{-2y} from the series of sinh(y)/y (no cancellation)
_SINHC = (1.0, 1 / 6, 1 / 120, 1 / 5040, 1 / 362880, 1 / 39916800, 1 / 6227020800)


@njit(inline="always")
def _one_minus_exp2(y):
    """1 - e^{-2y} for y >= 0 to a few ulp, with one exp (cheaper than expm1): 1 - (e^{-y})^2
    for y >= Y_SERIES, where the subtraction loses under one bit, else 2 e^{-y} sinh(y) with
    sinh(y)/y summed to y^12 (truncation < 5e-17 relative at y = Y_SERIES)."""
    p = math.exp(-y)
    if y >= Y_SERIES:
        return 1.0 - p * p
    y2 = y * y
    c = _SINHC
    series = c[0] + y2 * (c[1] + y2 * (c[2] + y2 * (c[3] + y2 * (c[4] + y2 * (c[5] + y2 * c[6])))))
    return 2.0 * p * y * series


@njit(inline="always")
def _bin_density(z, x):
    """The density q_k(x) = q e^{lq} of bin k at x in [0, 1] (module docstring), for tilt z:
    1 + z (x - 1/2) when |z| < Z_LINEAR, else z e^{z x}/expm1(z) as q = |z|/(1 - e^{-|z|}),
    lq = z x - max(z, 0) <= 0 (both bounded for any z). Returns (q, lq)."""
    mag = abs(z)
    if mag < Z_LINEAR:
        return 1.0 + z * (x - 0.5), 0.0
    return mag / -math.expm1(-mag), z * x - max(z, 0.0)


@njit(inline="always")
def _bin_draw(z, v):
    """x in [0, 1] with density q_k(x) (`_bin_density`) by inversion of its CDF at the
    uniform v; returns (x, q, lq) at that x."""
    mag = abs(z)
    if mag < Z_LINEAR:  # x + (z/2)(x^2 - x) = v, the root in [0, 1] written without cancellation
        p = 1.0 - 0.5 * z
        x = min(2.0 * v / (p + math.sqrt(p * p + 2.0 * z * v)), 1.0)
        return x, 1.0 + z * (x - 0.5), 0.0
    m_z = -math.expm1(-mag)
    if z > 0.0:
        x = max(1.0 + math.log1p(-(1.0 - v) * m_z) / mag, 0.0)
    else:
        x = -math.log1p(-v * m_z) / mag
    return x, mag / m_z, z * x - max(z, 0.0)
