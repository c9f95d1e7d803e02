"""The Zeeman and dipolar part W of the reduced energy, for the compiled kernels.

    W(mu) = -sum_i s_i h . mu_i + K sum_{i<j} s_i s_j (mu_i.mu_j - 3 (mu_i.e)(mu_j.e)) / r_ij^3

(Eq. (B6) generalised to any positions, e the unit vector between centres, s_i = M0,i/M0).
W is linear in each mu_i, with gradient -h_i, h_i the effective field of Eq. (3):

    h_i = s_i h + sum_{j != i} T_ij mu_j,   T_ij = K s_i s_j (3 e e^T - 1) / r_ij^3.

Two layouts reach the kernels through one NamedTuple `Couplings`:
- a chain (positions (0, 0, i), s_i = 1): `chain[k] = K/k^3`, T_ij = chain[|i-j|] diag(-1, -1, 2),
  the specialised path (3 loads and 4 flops per pair);
- any assembly: `positions` (n, 3) and `scale` (n,), T_ij computed on the fly (no n^2 x 9
  table: at n = 4096 it would be 1.2 GB and no faster than recomputing from positions).
The branch between them is taken once per accepted move, outside the O(n) loop.
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


def couplings_of(model) -> Couplings:
    """The kernel view of a model's W (a chain takes the chain layout)."""
    n = model.n
    k = np.arange(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        chain = np.where(k > 0, model.K / k**3, 0.0) if model.is_chain else np.zeros(n)
    return Couplings(
        bool(model.is_chain),
        np.ascontiguousarray(chain),
        np.ascontiguousarray(model.positions, dtype=float),
        np.ascontiguousarray(model.scale, dtype=float),
        float(model.K),
        np.array(model.h, dtype=float),
    )


def field_bound(cpl: Couplings) -> float:
    """An upper bound of |h_i| over every configuration of the balls (|mu_j| <= 1):
    s_i |h| + sum_j ||T_ij|| with the operator norm ||3 e e^T - 1|| = 2."""
    hn = float(np.linalg.norm(cpl.h))
    if cpl.is_chain:
        n = cpl.chain.size
        return hn + 2.0 * 2.0 * float(np.abs(cpl.chain).sum()) if n > 1 else hn
    p, s = cpl.positions, cpl.scale
    best = 0.0
    for i in range(p.shape[0]):  # O(n^2) in rows of numpy: 4096 rows in ~0.1 s
        r = np.linalg.norm(p - p[i], axis=1)
        r[i] = np.inf
        best = max(best, s[i] * hn + 2.0 * abs(cpl.K) * s[i] * float(np.sum(s / r**3)))
    return best


@njit(inline="always")
def move_field_update(is_chain, chain, p, s, K, fld, m, i, dx, dy, dz):
    """h_j += T_ji dmu_i for every j != i of slot m after mu_i moved by (dx, dy, dz), O(n)
    (Eq. (3)); fld is (slots, n, 3), indexed in place. The Couplings fields come as
    separate arrays: taking an array out of a tuple inside a hot loop costs two atomic
    reference-count updates, more than a dimer proposal."""
    n = fld.shape[1]
    if is_chain:
        for j in range(n):
            if j != i:
                c = chain[abs(i - j)]
                fld[m, j, 0] -= c * dx
                fld[m, j, 1] -= c * dy
                fld[m, j, 2] += 2.0 * c * dz
    else:
        assembly_field_update(p, s, K, fld, m, i, dx, dy, dz)


@njit(cache=True, fastmath=True, _nrt=False)
def assembly_field_update(p, s, K, fld, m, i, dx, dy, dz):
    """The general branch of `move_field_update`: T_ji dmu_i from the positions, in two
    branch-free loops (j < i, j > i) so that the compiler vectorises the square roots and
    divisions (fastmath: the pairs' contributions are independent, their order free)."""
    ksi = K * s[i]
    px, py, pz = p[i, 0], p[i, 1], p[i, 2]
    for j in range(i):
        _pair_update(p, s, ksi, px, py, pz, fld, m, j, dx, dy, dz)
    for j in range(i + 1, fld.shape[1]):
        _pair_update(p, s, ksi, px, py, pz, fld, m, j, dx, dy, dz)


@njit(inline="always")
def _pair_update(p, s, ksi, px, py, pz, fld, m, j, dx, dy, dz):
    ex, ey, ez = p[j, 0] - px, p[j, 1] - py, p[j, 2] - pz
    r2 = ex * ex + ey * ey + ez * ez
    inv = 1.0 / np.sqrt(r2)
    c = ksi * s[j] * inv * inv * inv
    proj = 3.0 * (ex * dx + ey * dy + ez * dz) * inv * inv
    fld[m, j, 0] += c * (proj * ex - dx)
    fld[m, j, 1] += c * (proj * ey - dy)
    fld[m, j, 2] += c * (proj * ez - dz)


@njit(cache=True)
def full_field(cpl, mu, m, out):
    """The effective fields h_i of slot m from scratch into out[m], O(n^2) (Eq. (3))."""
    h, s = cpl.h, cpl.scale
    for i in range(mu.shape[1]):
        out[m, i, 0], out[m, i, 1], out[m, i, 2] = s[i] * h[0], s[i] * h[1], s[i] * h[2]
    chain, p, K = cpl.chain, cpl.positions, cpl.K
    for i in range(mu.shape[1]):
        move_field_update(
            cpl.is_chain, chain, p, s, K, out, m, i, mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        )


@njit(cache=True)
def interaction_energy(cpl, mu, fld, m):
    """W of slot m from its fields (the dipolar part is a quadratic form, counted once per
    pair): W = -sum_i s_i h.mu_i - (1/2) sum_i mu_i.(h_i - s_i h), O(n)."""
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
