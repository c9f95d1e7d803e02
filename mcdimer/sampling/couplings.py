"""The Zeeman and dipolar part W of the reduced energy, for the compiled kernels.

    W(mu) = -sum_i s_i h . mu_i + K sum_{i<j} s_i s_j (mu_i.mu_j - 3 (mu_i.e)(mu_j.e)) / r_ij^3

(Eq. (B6) generalised to any positions, e the unit vector between centres, s_i = M0,i/M0).
W is linear in each mu_i, with gradient -h_i, h_i the effective field of Eq. (3):

    h_i = s_i h + sum_{j != i} T_ij mu_j,   T_ij = K s_i s_j (3 e e^T - 1) / r_ij^3.

Three layouts reach the kernels through one NamedTuple `Couplings`:
- a chain (positions (0, 0, i), s_i = 1): `chain[k] = K/k^3`, T_ij = chain[|i-j|] diag(-1, -1, 2),
  the specialised path (3 loads and 4 flops per pair);
- an open assembly: `positions` (n, 3) and `scale` (n,), T_ij computed on the fly;
- a periodic box (`Assembly(box=...)`): `table` (6, n, n), the Ewald tensor G of
  `mcdimer.ewald` (tin foil), T_ij = K s_i s_j G_ij, built once per model (positions never
  move during a run). T_ii = K s_i^2 G_ii (a particle's own images) is not zero, so W is
  quadratic, not linear, in each mu_i: the moves add its term (`moves.py`), and the stored
  field h_i includes T_ii mu_i (h_i = -grad_i W, as `Assembly.field`).
The branch between them is taken once per accepted move, outside the O(n) loop; `table` is
empty, (6, 0, 0), except in a box.

Why on the fly, not tabulated (measured with benchmarks/bench_assembly.py, n = 4096, one
thread, AMD EPYC with AVX-512, a 2-core machine under load ~9): vectorised, the on-the-fly
loop computes 8 pairs per instruction; it needs flat views of the positions and fields and
error_model="numpy", whose absence (a division-by-zero branch) alone kept LLVM from
vectorising. Sweeps of a random cluster then took 2.3x (displacement) and 2.2x (heat bath +
overrelaxation) the chain's, against 3.4x and 3.6x for the scalar loop. The chain's own
loop was then vectorised the same way (`chain_field_update`, bit-identical, 1.4x faster at
n = 512-4096); on a quiet machine (load < 1) the cluster now takes 3.1x the faster chain's
sweep at n = 4096 (26.0 vs 8.3 ms displacement, 51.8 vs 16.6 ms default; the old chain
took 11.9 and 22.7 ms), 2.8x at n = 512. A float64 table of
1/r_ij (n^2 x 8 B = 134 MB; tensor from it and the positions) was tried: its loop alone
matched the chain's (~1.2 ns per pair unloaded, against ~2.9 on the fly), but in the
sampler its speed changed 2x with what the process had run before (not understood: huge
pages or the memory bus shared with the other processes are candidates), it took ~0.3 s
per `sample()` call to build and 134 MB per running sampler. So no table; a full
n^2 x 9 tensor (1.2 GB) was not tried.

A periodic box has no on-the-fly form (each T_ij is an Ewald sum), so it reads the table
of its six components (48 n^2 bytes, shared by every chain and level). Measured side by
side with benchmarks/bench_assembly.py --periodic (one thread, machine under load ~9,
random box and open cluster at packing 0.2, size dispersion 0.3): a sweep of the box costs
0.4-0.9x the open cluster's up to n = 2048 and 1.3-1.4x at n = 4096 (272 vs 204 ms default
moves, 146 vs 103 ms displacement), where streaming the 768 MB table bounds the update.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class Couplings(NamedTuple):
    is_chain: bool
    chain: np.ndarray  # (n,) K/k^3, chain[0] = 0 (chain layout)
    positions: np.ndarray  # (n, 3) in units of d (assembly layout)
    scale: np.ndarray  # (n,) s_i
    K: float
    h: np.ndarray  # (3,) external reduced field
    table: np.ndarray  # (6, n, n) Ewald tensor G of a box (periodic layout), else (6, 0, 0)


def frozen(a) -> np.ndarray:
    """A read-only C-contiguous float64 view of a. Numba types read-only and writeable
    arrays apart, and one more type of `Couplings` compiles the whole engine once more
    (1-2 minutes cold): the model's arrays are read-only, so every array of a model is
    passed read-only, the box's table and the empty NO_TABLE alike."""
    out = np.ascontiguousarray(a, dtype=float).view()
    out.setflags(write=False)
    return out


NO_TABLE = frozen(np.zeros((6, 0, 0)))


def couplings_of(model) -> Couplings:
    """The kernel view of a model's W (a chain takes the chain layout, a box the table)."""
    n = model.n
    k = np.arange(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        chain = np.where(k > 0, model.K / k**3, 0.0) if model.is_chain else np.zeros(n)
    periodic = getattr(model, "box", None) is not None
    return Couplings(
        bool(model.is_chain),
        np.ascontiguousarray(chain),
        frozen(model.positions),
        frozen(model.scale),
        float(model.K),
        np.array(model.h, dtype=float),
        frozen(model.periodic_tensor()) if periodic else NO_TABLE,
    )


def field_bound(cpl: Couplings) -> float:
    """An upper bound of |h_i| over every configuration of the balls (|mu_j| <= 1):
    s_i |h| + sum_j ||T_ij|| with the operator norm ||3 e e^T - 1|| = 2 (in a box, the
    Frobenius norm of each block of the table, an upper bound of its operator norm)."""
    hn = float(np.linalg.norm(cpl.h))
    if cpl.is_chain:
        n = cpl.chain.size
        return hn + 2.0 * 2.0 * float(np.abs(cpl.chain).sum()) if n > 1 else hn
    if cpl.table.shape[1] > 0:
        return float(_table_field_bound(cpl.table, cpl.scale, float(cpl.K), hn))
    return float(_assembly_field_bound(cpl.positions, cpl.scale, float(cpl.K), hn))


@njit(cache=True, error_model="numpy")
def _table_field_bound(g, s, K, hn):
    """`field_bound` of a box: max_i s_i |h| + |K| s_i sum_j s_j ||G_ij||_F, O(n^2)."""
    best = 0.0
    for i in range(g.shape[1]):
        total = 0.0
        for j in range(g.shape[1]):
            sq = g[0, i, j] ** 2 + g[1, i, j] ** 2 + g[2, i, j] ** 2
            sq += 2.0 * (g[3, i, j] ** 2 + g[4, i, j] ** 2 + g[5, i, j] ** 2)
            total += s[j] * np.sqrt(sq)
        best = max(best, s[i] * hn + abs(K) * s[i] * total)
    return best


@njit(cache=True, error_model="numpy")
def _assembly_field_bound(p, s, K, hn):
    """`field_bound` of an assembly, O(n^2), compiled: in rows of numpy it was most of the
    ~1 s setup of a heat-bath run on a cluster of 4096 (0.2 s compiled)."""
    best = 0.0
    for i in range(p.shape[0]):
        total = 0.0
        for j in range(p.shape[0]):
            if j != i:
                ex, ey, ez = p[j, 0] - p[i, 0], p[j, 1] - p[i, 1], p[j, 2] - p[i, 2]
                r = np.sqrt(ex * ex + ey * ey + ez * ez)
                total += s[j] / (r * r * r)
        best = max(best, s[i] * hn + 2.0 * abs(K) * s[i] * total)
    return best


@njit(inline="always")
def move_field_update(is_chain, chain, p, s, K, tab, fld, m, i, dx, dy, dz):
    """h_j += T_ji dmu_i for every j != i of slot m after mu_i moved by (dx, dy, dz), O(n)
    (Eq. (3)), and for j = i too in a box (tab not empty); fld is (slots, n, 3), indexed in
    place. The Couplings fields come as
    separate arrays: taking an array out of a tuple inside a hot loop costs two atomic
    reference-count updates, more than a dimer proposal. A short chain keeps the scalar
    loop inline (a call and the vector loops' set-up cost a dimer ~10 % of its sweep)."""
    n = fld.shape[1]
    if is_chain and n <= SHORT_CHAIN:
        for j in range(n):
            if j != i:
                c = chain[abs(i - j)]
                fld[m, j, 0] -= c * dx
                fld[m, j, 1] -= c * dy
                fld[m, j, 2] += 2.0 * c * dz
    elif is_chain:
        chain_field_update(chain, fld, m, i, dx, dy, dz)
    elif tab.shape[1] > 0:
        table_field_update(tab, s, K, fld, m, i, dx, dy, dz)
    else:
        assembly_field_update(p, s, K, fld, m, i, dx, dy, dz)


SHORT_CHAIN = 8  # up to this n the chain's field update stays an inline scalar loop


@njit(cache=True, error_model="numpy", _nrt=False)
def chain_field_update(chain, fld, m, i, dx, dy, dz):
    """The chain branch of `move_field_update` for n > SHORT_CHAIN: T_ji = chain[|i-j|]
    diag(-1, -1, 2), in two branch-free loops (j < i, j > i) over a flat view of slot m's
    fields, the form LLVM vectorises (1.3-1.6x faster at n = 512-4096). Each component gets
    the operations of the scalar loop (no fastmath, no reassociation): bit-identical."""
    n = fld.shape[1]
    f = fld[m].reshape(3 * n)
    for j in range(i):
        _chain_pair(f, j, chain[i - j], dx, dy, dz)
    for j in range(i + 1, n):
        _chain_pair(f, j, chain[j - i], dx, dy, dz)


@njit(inline="always")
def _chain_pair(f, j, c, dx, dy, dz):
    """h_j += chain[|i-j|] diag(-1, -1, 2) dmu_i on the flat fields f."""
    f[3 * j] -= c * dx
    f[3 * j + 1] -= c * dy
    f[3 * j + 2] += 2.0 * c * dz


@njit(cache=True, fastmath=True, error_model="numpy", _nrt=False)
def assembly_field_update(p, s, K, fld, m, i, dx, dy, dz):
    """The general branch of `move_field_update`: T_ji dmu_i from the positions, in two
    branch-free loops (j < i, j > i) over flat views of the positions and of slot m's
    fields (components 3j, 3j + 1, 3j + 2), the form LLVM vectorises. error_model="numpy"
    drops the division-by-zero check that stops it (the model refuses coincident
    particles); fastmath: the pairs' contributions are independent, their order free.
    p and fld must be C-contiguous (reshape makes views, never copies)."""
    n = fld.shape[1]
    f = fld[m].reshape(3 * n)
    q = p.reshape(3 * n)
    ksi = K * s[i]
    px, py, pz = q[3 * i], q[3 * i + 1], q[3 * i + 2]
    for j in range(i):
        _dipole_pair(f, q, s, j, ksi, px, py, pz, dx, dy, dz)
    for j in range(i + 1, n):
        _dipole_pair(f, q, s, j, ksi, px, py, pz, dx, dy, dz)


@njit(inline="always")
def _dipole_pair(f, q, s, j, ksi, px, py, pz, dx, dy, dz):
    """h_j += T_ji dmu_i on the flat fields f, T_ji = K s_i s_j (3 e e^T - 1)/r^3 from the
    flat positions q (ksi = K s_i, p_i = (px, py, pz))."""
    ex, ey, ez = q[3 * j] - px, q[3 * j + 1] - py, q[3 * j + 2] - pz
    inv = 1.0 / np.sqrt(ex * ex + ey * ey + ez * ez)
    c = ksi * s[j] * inv * inv * inv
    proj = 3.0 * (ex * dx + ey * dy + ez * dz) * inv * inv
    f[3 * j] += c * (proj * ex - dx)
    f[3 * j + 1] += c * (proj * ey - dy)
    f[3 * j + 2] += c * (proj * ez - dz)


@njit(cache=True, fastmath=True, error_model="numpy", _nrt=False)
def table_field_update(g, s, K, fld, m, i, dx, dy, dz):
    """The periodic branch of `move_field_update`: h_j += K s_i s_j G_ji dmu_i for every j,
    i included (its own images), from row i of the Ewald tensor (G_ji = G_ij), one
    branch-free loop over a flat view of slot m's fields (the form LLVM vectorises; the
    pairs are independent, their order free: fastmath)."""
    n = fld.shape[1]
    f = fld[m].reshape(3 * n)
    gxx, gyy, gzz, gxy, gxz, gyz = g[0, i], g[1, i], g[2, i], g[3, i], g[4, i], g[5, i]
    ksi = K * s[i]
    for j in range(n):
        c = ksi * s[j]
        f[3 * j] += c * (gxx[j] * dx + gxy[j] * dy + gxz[j] * dz)
        f[3 * j + 1] += c * (gxy[j] * dx + gyy[j] * dy + gyz[j] * dz)
        f[3 * j + 2] += c * (gxz[j] * dx + gyz[j] * dy + gzz[j] * dz)


@njit(inline="always")
def self_term(tab, s, K, i, x, y, z):
    """x . T_ii . x, T_ii = K s_i^2 G_ii the coupling of particle i to its own images (in a
    box; callers use it only when tab is not empty)."""
    q = tab[0, i, i] * x * x + tab[1, i, i] * y * y + tab[2, i, i] * z * z
    q += 2.0 * (tab[3, i, i] * x * y + tab[4, i, i] * x * z + tab[5, i, i] * y * z)
    return K * s[i] * s[i] * q


@njit(inline="always")
def self_field(tab, s, K, i, x, y, z):
    """T_ii . x (the part of the stored field h_i that particle i's own images make)."""
    c = K * s[i] * s[i]
    return (
        c * (tab[0, i, i] * x + tab[3, i, i] * y + tab[4, i, i] * z),
        c * (tab[3, i, i] * x + tab[1, i, i] * y + tab[5, i, i] * z),
        c * (tab[4, i, i] * x + tab[5, i, i] * y + tab[2, i, i] * z),
    )


@njit(cache=True)
def full_field(cpl, mu, m, out):
    """The effective fields h_i of slot m from scratch into out[m], O(n^2) (Eq. (3))."""
    h, s = cpl.h, cpl.scale
    for i in range(mu.shape[1]):
        out[m, i, 0], out[m, i, 1], out[m, i, 2] = s[i] * h[0], s[i] * h[1], s[i] * h[2]
    chain, p, K, tab = cpl.chain, cpl.positions, cpl.K, cpl.table
    for i in range(mu.shape[1]):
        move_field_update(
            cpl.is_chain, chain, p, s, K, tab, out, m, i, mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        )


@njit(cache=True)
def interaction_energy(cpl, mu, fld, m):
    """W of slot m from its fields (the dipolar part is a quadratic form, counted once per
    pair): W = -sum_i s_i h.mu_i - (1/2) sum_i mu_i.(h_i - s_i h), O(n) (in a box h_i
    includes T_ii mu_i, so this holds there too)."""
    h, s = cpl.h, cpl.scale
    w = 0.0
    for i in range(mu.shape[1]):
        zx, zy, zz = s[i] * h[0], s[i] * h[1], s[i] * h[2]
        x, y, z = mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        dip = (fld[m, i, 0] - zx) * x + (fld[m, i, 1] - zy) * y + (fld[m, i, 2] - zz) * z
        w -= zx * x + zy * y + zz * z + 0.5 * dip
    return w


@njit(inline="always")
def zeeman(h, s, mu, m):
    """sum_i s_i h . mu_i of slot m, O(n)."""
    z = 0.0
    for i in range(mu.shape[1]):
        z += s[i] * (h[0] * mu[m, i, 0] + h[1] * mu[m, i, 1] + h[2] * mu[m, i, 2])
    return z
