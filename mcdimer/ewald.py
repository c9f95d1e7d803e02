"""The dipolar pair tensor of a periodic box: Ewald sums with conducting (tin-foil) surroundings.

n particles at positions r_i in a box of edges (Lx, Ly, Lz) (units of the reference length,
`docs/physics.md`, "Periodic boxes"), V = Lx Ly Lz, repeated in all three directions. The
dipolar part of the reduced energy (Eq. (B6) generalised) is

    beta E_dip = -(K/2) sum_{i,j} x_i . G_ij . x_j,     x_i = s_i mu_i,

with G_ij the sum over every image r = r_j - r_i + (a Lx, b Ly, c Lz) of (3 r r^T - I)/|r|^3
(the term r = 0 left out when i = j), in units of 1/length^3. This is the sign of
`mcdimer.model.dipolar_tensor` (the field on i is K s_i sum_j G_ij x_j, Eq. (3)); the
Ewald literature's D_ij (Allen & Tildesley, Sec. 6.2; Wang & Holm 2001) is -G_ij. The lattice
sum converges only conditionally; ordered by the Ewald split with parameter alpha,

    G_ij = sum_images [C(r) r r^T - B(r) I]
         - (4 pi / V) sum_{k != 0} exp(-k^2 / 4 alpha^2) (k k^T / k^2) cos(k . (r_i - r_j))
         + delta_ij (4 alpha^3 / (3 sqrt(pi))) I,
    B(r) = [erfc(alpha r) + (2 alpha r / sqrt(pi)) exp(-alpha^2 r^2)] / r^3,
    C(r) = [3 erfc(alpha r) + (2 alpha r / sqrt(pi)) (3 + 2 alpha^2 r^2) exp(-alpha^2 r^2)] / r^5,

k = 2 pi (a/Lx, b/Ly, c/Lz). G_ii is not zero: a particle feels its own images (in a cubic
box G_ii = (4 pi / 3V) I). The result does not depend on alpha.

**Tin foil.** This is the sum of a sample embedded in a conductor (epsilon' = infinity):
there is no surface term. A spherical sample in vacuum would add (2 pi / 3V) |sum_i x_i|^2
to beta E_dip / K: the demagnetising energy of a net moment, which disfavours ferromagnetic
order (a sphere's demagnetising factor 1/3). Tin foil is the standard for bulk samples: it
describes a domain inside a larger magnetised sample, or an infinitely long needle along the
moment, where no demagnetising field acts. The choice matters exactly for ferromagnetic
order: with tin foil a uniformly polarised cubic lattice has beta E_dip / K = -(2 pi/3) rho
per dipole (rho the number density), with a vacuum sphere 0; antiferromagnetic and glassy
states (sum_i x_i = 0) are the same either way.

**Accuracy.** alpha, the real-space cutoff r_c and the k-space cutoff k_c are chosen here,
not by the user: alpha r_c = k_c / (2 alpha) = P, so every neglected term carries a factor
exp(-P^2) = 1e-14 (P = 5.68); the relative error of energies and fields is below 1e-10
(checked in tests/unit/test_ewald.py by changing alpha by a factor 2 both ways). The
balance r_c = ETA V^(1/3) sets the split of the work between the two sums.

**Storage.** `ewald_tensor` returns the six independent components of the symmetric 3 x 3
blocks, (6, n, n) float64 in the order xx, yy, zz, xy, xz, yz (`COMPONENTS`): 48 n^2 bytes,
805 MB at n = 4096 (a full (n, n, 3, 3) tensor would be 1.2 GB). G_ij = G_ji (each component
matrix is symmetric). Lattice translation invariance is not exploited: random boxes have none.

**Cost** (benchmarks/bench_assembly.py): O(n^2 (r_c^3 / V + k_c^3 V)) with the real-space
part compiled (one thread) and the k-space part as six matrix products of (n, 2 n_k)
cos/sin tables over the upper blocks (the rest mirrored): about 2 s at n = 1000, a minute
at n = 4096 on a loaded core; temporaries beside the result stay below ~60 MB.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: the order of the six stored components of each symmetric 3 x 3 block
COMPONENTS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
#: alpha r_c = k_c / (2 alpha): each neglected term is smaller than exp(-P^2) = 1e-14
P = math.sqrt(math.log(1e14))
#: r_c = ETA V^(1/3): larger moves work from the k-space products to the real-space sum
ETA = 1.6
#: edges of a box, and positions, beyond this lose the digits of the pair distances
MAX_EDGE = 1e12


def check_box(box) -> np.ndarray:
    """Box edges (Lx, Ly, Lz) as a float array of 3 positive finite reals <= MAX_EDGE.

    ValueError naming `box` otherwise (strings, bools, wrong shapes, zero, negative,
    non-finite).
    """
    bad = ValueError(f"box must be 3 positive finite edges (Lx, Ly, Lz), got {box!r}")
    try:
        raw = np.asarray(box)
        if raw.dtype.kind not in "iuf" or has_bool(box):
            raise bad
        edges = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise bad from None
    if edges.shape != (3,):
        raise ValueError(f"box must be 3 edges (Lx, Ly, Lz), got shape {edges.shape}")
    if not np.all(np.isfinite(edges)) or np.any(edges <= 0.0) or np.any(edges > MAX_EDGE):
        raise ValueError(
            f"box edges must be finite, > 0 and <= {MAX_EDGE:g} (units of length), got {box!r}"
        )
    return edges


def has_bool(value) -> bool:
    """True when a (nested) list or tuple holds a bool (numpy would read it as 0 or 1)."""
    if isinstance(value, bool | np.bool_):
        return True
    if isinstance(value, list | tuple):
        return any(has_bool(v) for v in value)
    return False


def wrap(positions, box) -> np.ndarray:
    """Positions (..., 3) wrapped into [0, L) along each edge of the box (a new array)."""
    box = np.asarray(box, dtype=float)
    pos = np.asarray(positions, dtype=float)
    out = pos - np.floor(pos / box) * box
    # x - floor(x/L) L can round up to L itself (x = -1e-17): keep the half-open interval
    return np.where(out >= box, out - box, np.where(out < 0.0, 0.0, out))


def minimum_image(dr, box) -> np.ndarray:
    """The image of each separation dr (..., 3) nearest to the origin: each component in
    [-L/2, L/2] (a new array). Its norm is the distance between two centres across the
    periodic boundary."""
    box = np.asarray(box, dtype=float)
    dr = np.asarray(dr, dtype=float)
    return dr - box * np.round(dr / box)


def parameters(box) -> tuple[float, float, float]:
    """(alpha, r_c, k_c) of the Ewald split for a box (module docstring, "Accuracy")."""
    box = np.asarray(box, dtype=float)
    r_c = ETA * float(np.prod(box)) ** (1.0 / 3.0)
    alpha = P / r_c
    return alpha, r_c, 2.0 * alpha * P


def ewald_tensor(positions, box, *, alpha: float | None = None) -> np.ndarray:
    """G_ij (module docstring) of n particles in a periodic box: shape (6, n, n) in the order
    of `COMPONENTS`, units 1/length^3, self-image blocks G_ii included, tin-foil boundary.

    positions (n, 3) (any real positions: only differences modulo the box enter), box the
    three edges. alpha: the Ewald splitting parameter, chosen automatically for a relative
    error <= 1e-10 (module docstring); give it only to check that the result does not
    depend on it (the cutoffs follow it: r_c = P/alpha, k_c = 2 alpha P).
    """
    box = check_box(box)
    pos = np.ascontiguousarray(wrap(positions, box), dtype=float)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise ValueError(f"positions must have shape (n, 3), got {pos.shape}")
    n = pos.shape[0]
    a0, r_c, k_c = parameters(box)
    if alpha is not None:
        alpha = float(alpha)
        r_c, k_c = P / alpha, 2.0 * alpha * P
    else:
        alpha = a0
    out = np.zeros((6, n, n))
    shells = np.ceil(r_c / box + 0.5).astype(np.int64)
    # each part fills the upper triangle (rows read and written contiguously), then the
    # lower one is copied from it: G_ji = G_ij
    _reciprocal_space(pos, box, alpha, k_c, out, _ROWS)
    _mirror(out, _ROWS)
    _real_space(pos, box, alpha, r_c, shells, out)
    _mirror(out, 1)
    self_term = 4.0 * alpha**3 / (3.0 * math.sqrt(math.pi))
    idx = np.arange(n)
    for c in range(3):
        out[c, idx, idx] += self_term
    return out


def blocks(g6: np.ndarray) -> np.ndarray:
    """The (6, n, n) components as full blocks, shape (n, n, 3, 3) (9 n^2 doubles)."""
    n = g6.shape[1]
    full = np.empty((n, n, 3, 3))
    for c, (a, b) in enumerate(COMPONENTS):
        full[:, :, a, b] = g6[c]
        full[:, :, b, a] = g6[c]
    return full


@njit(cache=True, error_model="numpy")
def _real_space(pos, box, alpha, r_c, shells, out):
    """The real-space images of every pair i <= j within r_c, added into out[:, i, j] (the
    upper triangle); from the minimum image, images out to `shells` boxes each way."""
    n = pos.shape[0]
    rc2 = r_c * r_c
    a2 = alpha * alpha
    two_a_pi = 2.0 * alpha / math.sqrt(math.pi)
    for i in range(n):
        for j in range(i, n):
            d0 = pos[j, 0] - pos[i, 0]
            d1 = pos[j, 1] - pos[i, 1]
            d2 = pos[j, 2] - pos[i, 2]
            d0 -= box[0] * np.round(d0 / box[0])
            d1 -= box[1] * np.round(d1 / box[1])
            d2 -= box[2] * np.round(d2 / box[2])
            g0 = g1 = g2 = g3 = g4 = g5 = 0.0
            for a in range(-shells[0], shells[0] + 1):
                x = d0 + a * box[0]
                for b in range(-shells[1], shells[1] + 1):
                    y = d1 + b * box[1]
                    xy2 = x * x + y * y
                    if xy2 >= rc2:
                        continue
                    for c in range(-shells[2], shells[2] + 1):
                        z = d2 + c * box[2]
                        r2 = xy2 + z * z
                        if r2 >= rc2 or r2 == 0.0:
                            continue
                        r = math.sqrt(r2)
                        e = two_a_pi * r * math.exp(-a2 * r2)
                        erfc = math.erfc(alpha * r)
                        inv2 = 1.0 / r2
                        bb = (erfc + e) * inv2 / r
                        cc = (3.0 * erfc + e * (3.0 + 2.0 * a2 * r2)) * inv2 * inv2 / r
                        g0 += cc * x * x - bb
                        g1 += cc * y * y - bb
                        g2 += cc * z * z - bb
                        g3 += cc * x * y
                        g4 += cc * x * z
                        g5 += cc * y * z
            out[0, i, j] += g0
            out[1, i, j] += g1
            out[2, i, j] += g2
            out[3, i, j] += g3
            out[4, i, j] += g4
            out[5, i, j] += g5


_ROWS = 256  # rows per block of the k-space products


@njit(cache=True)
def _mirror(out, rows):
    """Each component matrix made exactly symmetric, in place, when only the blocks of
    `rows` rows on and above the diagonal are filled (row block b, columns >= its first row):
    copy the upper triangle below them, and average the two halves of each diagonal block
    (symmetric up to round-off). rows = 1 copies the whole upper triangle."""
    n = out.shape[1]
    for c in range(out.shape[0]):
        for i in range(n):
            first = (i // rows) * rows
            for j in range(first):
                out[c, i, j] = out[c, j, i]
            for j in range(first, i):
                v = 0.5 * (out[c, i, j] + out[c, j, i])
                out[c, i, j] = v
                out[c, j, i] = v


def _k_vectors(box, alpha, k_c):
    """Half of the k != 0 inside k_c (one of each +-k pair) and their weights
    (8 pi / V) exp(-k^2 / 4 alpha^2) / k^2 (the factor 2 counts the other half)."""
    m = np.floor(k_c * box / (2.0 * np.pi)).astype(int)
    grids = np.meshgrid(*(np.arange(-mi, mi + 1) for mi in m), indexing="ij")
    idx = np.stack([g.ravel() for g in grids], axis=1)
    # one of each pair: first non-zero index positive
    first = np.where(idx[:, 0] != 0, idx[:, 0], np.where(idx[:, 1] != 0, idx[:, 1], idx[:, 2]))
    idx = idx[first > 0]
    k = 2.0 * np.pi * idx / box
    k2 = np.einsum("kc,kc->k", k, k)
    keep = k2 < k_c * k_c
    k, k2 = k[keep], k2[keep]
    weight = (8.0 * np.pi / np.prod(box)) * np.exp(-k2 / (4.0 * alpha * alpha)) / k2
    return k, weight


def _reciprocal_space(pos, box, alpha, k_c, out, rows, chunk=256):
    """-(4 pi / V) sum_k exp(-k^2/4 alpha^2) k k^T / k^2 cos(k.(r_i - r_j)), added into out
    on and above the diagonal blocks of `rows` rows (`_mirror` completes the rest), as
    products of cos/sin tables: cos(k.r_i - k.r_j) = c_i c_j + s_i s_j. By chunks of k and
    blocks of rows, so that temporaries stay small beside out (48 n^2 bytes): about
    2 * 8 n * 2 * chunk bytes (34 MB at n = 4096)."""
    k, weight = _k_vectors(box, alpha, k_c)
    n = pos.shape[0]
    for start in range(0, k.shape[0], chunk):
        kk, w = k[start : start + chunk], weight[start : start + chunk]
        phase = pos @ kk.T
        table = np.empty((n, 2 * kk.shape[0]))
        np.cos(phase, out=table[:, : kk.shape[0]])
        np.sin(phase, out=table[:, kk.shape[0] :])
        del phase
        for c, (a, b) in enumerate(COMPONENTS):
            weighted = table * np.tile(w * kk[:, a] * kk[:, b], 2)
            for r0 in range(0, n, rows):
                block = slice(r0, min(r0 + rows, n))
                out[c, block, r0:] -= weighted[block] @ table[r0:].T
