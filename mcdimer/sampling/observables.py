"""What the engine records after burn-in, and the names of every recorded column.

Per chain, ladder level and batch: SCALARS (sums over sweeps; the order observables of
docs/physics.md, "Order observables", among them), SITES (per-particle sums
of x, y, z, x^2, y^2, z^2, |mu|), ZZ (sums of mu_i^z mu_j^z, for n <= ZZ_MAX) and three
histograms on HIST_BINS fine bins: mu_1^z and m^z = mean_i mu_i^z on [-1, 1], |mu_1| on
[0, 1]. Any bin count dividing HIST_BINS can be read back exactly. Per thinned draw and
level, the same sweep values (DRAW_COLUMNS) are kept for reweighting. Per replica pair
(chains 2p, 2p + 1, when sampled in pairs), level and batch: PAIR_SCALARS sums and a
histogram of the scalar overlap.

Columns are addressed through IntEnums generated from the name lists (Numba reads IntEnum
members as compile-time constants), so a column's index and its name cannot drift apart.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numba import njit

SCALARS = (
    "abs_mu1z",
    "mu1z_mu2z",
    "energy",
    "energy2",
    "mz",
    "mz2",
    "mz4",
    "abs_mz",
    "abs_mu_mean",
    "abs_m",
    "mode_overlap",
    "m2",
    "m4",
    "ms2",
    "ms4",
    "nematic",
    "chi_m_x",
    "chi_m_y",
    "chi_m_z",
)
# what a replica pair (chains 2p, 2p + 1) records per level: q2 = sum_ab q_ab^2 of the
# overlap tensor, q4 = q2^2, the scalar overlap qs = tr q_ab, qs2 = qs^2, and the overlap
# field's structure factor at k_min along each box axis
PAIR_SCALARS = ("q2", "q4", "qs", "qs2", "chi_q_x", "chi_q_y", "chi_q_z")
AXES = ("x", "y", "z")
SITE_COLUMNS = ("x", "y", "z", "x2", "y2", "z2", "abs")
# particle 1's moments are read from its SITES row, not accumulated twice
PARTICLE1 = {
    "mu1x": "x",
    "mu1y": "y",
    "mu1z": "z",
    "mu1x2": "x2",
    "mu1y2": "y2",
    "mu1z2": "z2",
    "abs_mu1": "abs",
}
# one sweep's values, as kept per draw: the scalars, then particle 1's site values
DRAW_COLUMNS = SCALARS + tuple(PARTICLE1)
# per thinned draw at b = 1 (records["draw_stats"][c, d, :]): the acceptance of that sweep's
# proposals and of its replica swaps
DRAW_STATS = ("acceptance", "swap_acceptance")
ACCEPTANCE, SWAP_ACCEPTANCE = range(len(DRAW_STATS))
HIST_BINS = 720  # divisible by 1-6, 8-10, 12, 15, 16, 18, 20, 24, 30, 36, 40, 45, 48, 60, ...
HISTS = ("mu1z", "mz", "abs_mu1")
ZZ_MAX = 32

Scalar = IntEnum("Scalar", list(SCALARS), start=0)
Site = IntEnum("Site", list(SITE_COLUMNS), start=0)
Pair = IntEnum("Pair", list(PAIR_SCALARS), start=0)
Hist = IntEnum("Hist", list(HISTS), start=0)


@njit(inline="always")
def largest_traceless_eigenvalue(axx, ayy, azz, axy, axz, ayz):
    """Largest eigenvalue of the symmetric traceless 3 x 3 matrix A (closed form: with
    p = sqrt(tr(A^2)/6) and r = det(A/p)/2, lambda_max = 2 p cos(arccos(r)/3))."""
    p2 = (axx * axx + ayy * ayy + azz * azz + 2.0 * (axy * axy + axz * axz + ayz * ayz)) / 6.0
    if p2 <= 0.0:
        return 0.0
    p = np.sqrt(p2)
    det = (
        axx * (ayy * azz - ayz * ayz)
        - axy * (axy * azz - ayz * axz)
        + axz * (axy * ayz - ayy * axz)
    )
    r = min(1.0, max(-1.0, 0.5 * det / (p2 * p)))
    return 2.0 * p * np.cos(np.arccos(r) / 3.0)


@njit(inline="always")
def sweep_values(mu, m, energy, modes, vals):
    """Fill `vals` (len(DRAW_COLUMNS)) with the observables of slot m of mu (slots, n, 3);
    returns m^z.

    m^z is the mean of mu_i^z over the particles in the lab frame, abs_m the modulus of
    the mean moment |sum_i mu_i|/n (no axis assumed), m2 = |m|^2 and m4 = |m|^4 of the
    vector m = (1/n) sum_i mu_i, abs_mu_mean the mean modulus, mu1/mu2 the first two
    particles as listed, energy the reduced energy u, and mode_overlap =
    |P mu| / sqrt(n), P the projection on the span of the orthonormal `modes` (k, n, 3)
    (the mean-field critical modes; 0 when k = 0): 1 for saturated moments along a mode,
    ~ sqrt(k/(3n)) x rms |mu| for disordered ones.

    The columns of `weighted_values` (nematic, ms2, ms4, chi_m_*) are set to NaN here.
    """
    n = mu.shape[1]
    mx = 0.0
    my = 0.0
    mz = 0.0
    rsum = 0.0
    r1 = 0.0  # |mu_1|
    for i in range(n):
        mx += mu[m, i, 0]
        my += mu[m, i, 1]
        mz += mu[m, i, 2]
        r = np.sqrt(mu[m, i, 0] ** 2 + mu[m, i, 1] ** 2 + mu[m, i, 2] ** 2)
        rsum += r
        if i == 0:
            r1 = r
    vals[Scalar.mode_overlap] = mode_overlap(mu, m, modes)
    m2 = (mx * mx + my * my + mz * mz) / (n * n)
    vals[Scalar.abs_m] = np.sqrt(m2)
    vals[Scalar.m2] = m2
    vals[Scalar.m4] = m2 * m2
    vals[Scalar.nematic] = np.nan
    vals[Scalar.ms2] = np.nan
    vals[Scalar.ms4] = np.nan
    vals[Scalar.chi_m_x] = np.nan
    vals[Scalar.chi_m_y] = np.nan
    vals[Scalar.chi_m_z] = np.nan
    mz /= n
    x1, y1, z1 = mu[m, 0, 0], mu[m, 0, 1], mu[m, 0, 2]
    mz2 = mz * mz
    vals[Scalar.abs_mu1z] = abs(z1)
    vals[Scalar.mu1z_mu2z] = z1 * mu[m, 1, 2] if n > 1 else 0.0
    vals[Scalar.energy] = energy
    vals[Scalar.energy2] = energy * energy
    vals[Scalar.mz] = mz
    vals[Scalar.mz2] = mz2
    vals[Scalar.mz4] = mz2 * mz2
    vals[Scalar.abs_mz] = abs(mz)
    vals[Scalar.abs_mu_mean] = rsum / n
    p = len(SCALARS)
    vals[p + Site.x] = x1
    vals[p + Site.y] = y1
    vals[p + Site.z] = z1
    vals[p + Site.x2] = x1 * x1
    vals[p + Site.y2] = y1 * y1
    vals[p + Site.z2] = z1 * z1
    vals[p + Site.abs] = r1
    return mz


@njit(inline="always")
def accumulate_sweep(mu, m, energy, modes, lev, scal, site, zz, hist):
    """`sweep_values` then `accumulate` of slot m into level lev of a chain's batch sums,
    in one pass over the particles (|mu_i| computed once) and without the `vals` row
    between them: the same sums, bit for bit. The columns of `weighted_values` are left to
    the caller (`kernels.record_level`). Returns (m^z, m2)."""
    n = mu.shape[1]
    mx = 0.0
    my = 0.0
    mz = 0.0
    rsum = 0.0
    r1 = 0.0
    for i in range(n):
        x, y, z = mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        mx += x
        my += y
        mz += z
        r = np.sqrt(x * x + y * y + z * z)
        rsum += r
        if i == 0:
            r1 = r
        site[lev, i, Site.x] += x
        site[lev, i, Site.y] += y
        site[lev, i, Site.z] += z
        site[lev, i, Site.x2] += x * x
        site[lev, i, Site.y2] += y * y
        site[lev, i, Site.z2] += z * z
        site[lev, i, Site.abs] += r
    if modes.shape[0] > 0:  # without modes the overlap is 0: adding it changes no sum
        scal[lev, Scalar.mode_overlap] += mode_overlap(mu, m, modes)
    m2 = (mx * mx + my * my + mz * mz) / (n * n)
    scal[lev, Scalar.abs_m] += np.sqrt(m2)
    scal[lev, Scalar.m2] += m2
    scal[lev, Scalar.m4] += m2 * m2
    mz /= n
    z1 = mu[m, 0, 2]
    mz2 = mz * mz
    scal[lev, Scalar.abs_mu1z] += abs(z1)
    scal[lev, Scalar.mu1z_mu2z] += z1 * mu[m, 1, 2] if n > 1 else 0.0
    scal[lev, Scalar.energy] += energy
    scal[lev, Scalar.energy2] += energy * energy
    scal[lev, Scalar.mz] += mz
    scal[lev, Scalar.mz2] += mz2
    scal[lev, Scalar.mz4] += mz2 * mz2
    scal[lev, Scalar.abs_mz] += abs(mz)
    scal[lev, Scalar.abs_mu_mean] += rsum / n
    accumulate_pairs_and_hists(mu, m, lev, zz, hist, z1, mz, r1)
    return mz, m2


@njit(inline="always")
def mode_overlap(mu, m, modes):
    """|P mu| / sqrt(n) of slot m (`sweep_values`)."""
    n = mu.shape[1]
    q2 = 0.0
    for k in range(modes.shape[0]):
        proj = 0.0
        for i in range(n):
            proj += modes[k, i, 0] * mu[m, i, 0] + modes[k, i, 1] * mu[m, i, 1]
            proj += modes[k, i, 2] * mu[m, i, 2]
        q2 += proj * proj
    return np.sqrt(q2 / n)


@njit(inline="always")
def weighted_values(mu, m, scale, stotal, phases, vals):
    """The columns of `sweep_values` that need the sizes, the box or a 3 x 3 eigenvalue:
    ms2 = |m_s|^2 and ms4 = |m_s|^4 of m_s = sum_i s_i mu_i / sum_i s_i (stotal =
    sum_i s_i); chi_m_x, _y, _z = (1/n) |sum_j mu_j exp(i k . r_j)|^2 at k = k_min along
    each box axis, phases (axes, n, 2) holding cos and sin of k . r_j (no axes, zeros, for
    an open assembly); and nematic, the largest eigenvalue of the traceless tensor
    Q = sum_i mu_i mu_i^T / sum_i |mu_i|^2 - I/3, normalised by this configuration's own
    mean square modulus (so Q is traceless exactly and measures alignment, not modulus):
    2/3 when every moment lies on one axis (either sign), O(1/sqrt(n)) for isotropic
    moments, 0 when every moment vanishes. Cost O(n) + O(n) per box axis."""
    n = mu.shape[1]
    wx = 0.0
    wy = 0.0
    wz = 0.0
    sxx = 0.0
    syy = 0.0
    szz = 0.0
    sxy = 0.0
    sxz = 0.0
    syz = 0.0
    for i in range(n):
        x, y, z = mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        wx += scale[i] * x
        wy += scale[i] * y
        wz += scale[i] * z
        sxx += x * x
        syy += y * y
        szz += z * z
        sxy += x * y
        sxz += x * z
        syz += y * z
    tr = sxx + syy + szz
    if tr > 0.0:
        third = tr / 3.0  # lambda_max(S/tr - I/3) = lambda_max(S - tr I/3) / tr
        vals[Scalar.nematic] = (
            largest_traceless_eigenvalue(sxx - third, syy - third, szz - third, sxy, sxz, syz) / tr
        )
    else:
        vals[Scalar.nematic] = 0.0
    ms2 = (wx * wx + wy * wy + wz * wz) / (stotal * stotal)
    vals[Scalar.ms2] = ms2
    vals[Scalar.ms4] = ms2 * ms2
    for a in range(3):
        chi = 0.0
        if a < phases.shape[0]:
            rx = 0.0
            ry = 0.0
            rz = 0.0
            ix = 0.0
            iy = 0.0
            iz = 0.0
            for i in range(n):
                c, s = phases[a, i, 0], phases[a, i, 1]
                rx += c * mu[m, i, 0]
                ry += c * mu[m, i, 1]
                rz += c * mu[m, i, 2]
                ix += s * mu[m, i, 0]
                iy += s * mu[m, i, 1]
                iz += s * mu[m, i, 2]
            chi = (rx * rx + ry * ry + rz * rz + ix * ix + iy * iy + iz * iz) / n
        vals[Scalar.chi_m_x + a] = chi


@njit(inline="always")
def pair_values(mua, ma, mub, mb, phases, out, buf):
    """Fill `out` (len(PAIR_SCALARS)) with the overlap of slot ma of mua and slot mb of mub
    (two replicas of one assembly): q_ab = (1/n) sum_i mu_i^a (mu_i^b)^T, q2 = sum q_ab^2,
    q4 = q2^2, qs = tr q_ab, qs2 = qs^2, and chi_q_* = (1/n) sum_ab |sum_j
    mu_j^a mu_j^b exp(i k . r_j)|^2 at k_min along each box axis (0 without a box);
    buf is (2, 3, 3) scratch. Returns qs. Cost O(n) + O(n) per box axis."""
    n = mua.shape[1]
    for a in range(3):
        for b in range(3):
            buf[0, a, b] = 0.0
    for i in range(n):
        for a in range(3):
            x = mua[ma, i, a]
            for b in range(3):
                buf[0, a, b] += x * mub[mb, i, b]
    q2 = 0.0
    for a in range(3):
        for b in range(3):
            q2 += buf[0, a, b] * buf[0, a, b]
    q2 /= n * n
    qs = (buf[0, 0, 0] + buf[0, 1, 1] + buf[0, 2, 2]) / n
    out[Pair.q2] = q2
    out[Pair.q4] = q2 * q2
    out[Pair.qs] = qs
    out[Pair.qs2] = qs * qs
    for k in range(3):
        chi = 0.0
        if k < phases.shape[0]:
            for a in range(3):
                for b in range(3):
                    buf[0, a, b] = 0.0
                    buf[1, a, b] = 0.0
            for i in range(n):
                c, s = phases[k, i, 0], phases[k, i, 1]
                for a in range(3):
                    x = mua[ma, i, a]
                    for b in range(3):
                        v = x * mub[mb, i, b]
                        buf[0, a, b] += c * v
                        buf[1, a, b] += s * v
            for a in range(3):
                for b in range(3):
                    chi += buf[0, a, b] ** 2 + buf[1, a, b] ** 2
            chi /= n
        out[Pair.chi_q_x + k] = chi
    return qs


@njit(inline="always")
def accumulate(mu, m, vals, lev, scal, site, zz, hist):
    """Add slot m's sweep (its `sweep_values` in vals) to level lev of a chain's batch sums
    (the arrays of a `Batch`): `accumulate_sites`, then `accumulate_values`."""
    accumulate_sites(mu, m, lev, site)
    accumulate_values(mu, m, vals, lev, scal, zz, hist)


@njit(inline="always")
def accumulate_sites(mu, m, lev, site):
    """Add slot m's per-particle values (SITE_COLUMNS) to level lev of site."""
    for i in range(mu.shape[1]):
        x, y, z = mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        site[lev, i, Site.x] += x
        site[lev, i, Site.y] += y
        site[lev, i, Site.z] += z
        site[lev, i, Site.x2] += x * x
        site[lev, i, Site.y2] += y * y
        site[lev, i, Site.z2] += z * z
        site[lev, i, Site.abs] += np.sqrt(x * x + y * y + z * z)


@njit(inline="always")
def accumulate_values(mu, m, vals, lev, scal, zz, hist):
    """Add slot m's sweep values (vals) to level lev of the scalar sums and histograms, and
    its mu_i^z mu_j^z to zz (on and above the diagonal only: symmetric)."""
    for k in range(len(SCALARS)):
        scal[lev, k] += vals[k]
    p = len(SCALARS)
    accumulate_pairs_and_hists(
        mu, m, lev, zz, hist, vals[p + Site.z], vals[Scalar.mz], vals[p + Site.abs]
    )


@njit(inline="always")
def accumulate_pairs_and_hists(mu, m, lev, zz, hist, z1, mz, r1):
    """Add slot m's mu_i^z mu_j^z to zz (on and above the diagonal only: symmetric) and
    mu_1^z = z1, m^z = mz, |mu_1| = r1 to the histograms, at level lev."""
    n = mu.shape[1]
    if zz.shape[1] == n:
        for i in range(n):
            zi = mu[m, i, 2]
            for j in range(i, n):
                zz[lev, i, j] += zi * mu[m, j, 2]
    nb = hist.shape[2]
    half = 0.5 * nb
    hist[lev, Hist.mu1z, min(int((z1 + 1.0) * half), nb - 1)] += 1
    hist[lev, Hist.mz, min(int((mz + 1.0) * half), nb - 1)] += 1
    hist[lev, Hist.abs_mu1, min(int(r1 * nb), nb - 1)] += 1


@njit(inline="always")
def accumulate_pair(rec, p, lev, batch, out, qs):
    """Add a pair's sweep (its `pair_values` in out, scalar overlap qs) to batch `batch`
    of level lev of pair p in the records. In place: pairs are recorded in sweep order by
    the one thread that runs both chains, so the sums do not depend on chunking."""
    for k in range(len(PAIR_SCALARS)):
        rec.pair_scalars[p, lev, batch, k] += out[k]
    nb = rec.pair_hists.shape[3]
    rec.pair_hists[p, lev, batch, min(max(int((qs + 1.0) * 0.5 * nb), 0), nb - 1)] += 1


@njit(cache=True, nogil=True, _nrt=False)
def swap_batch(rec, c, batch, scal, site, zz, hist, counts, accepted, store):
    """Exchange a chain's running batch sums (levels first) with batch `batch` of chain c
    of the records: store=True writes them there, store=False loads them from there.

    The sums live in small arrays while a chunk runs (indexing the five-dimensional
    records in place costs more than a sweep) and are loaded and stored whole, never
    added in pieces: the floating-point sums then come out the same whatever the chunk
    boundaries. Plain loops: the engine runs this without reference counting, where
    array expressions (which allocate) cannot be compiled."""
    for lev in range(scal.shape[0]):
        for k in range(scal.shape[1]):
            if store:
                rec.scalars[c, lev, batch, k] = scal[lev, k]
            else:
                scal[lev, k] = rec.scalars[c, lev, batch, k]
        for i in range(site.shape[1]):
            for k in range(site.shape[2]):
                if store:
                    rec.sites[c, lev, batch, i, k] = site[lev, i, k]
                else:
                    site[lev, i, k] = rec.sites[c, lev, batch, i, k]
        for i in range(zz.shape[1]):
            for j in range(zz.shape[2]):
                if store:
                    rec.zz[c, lev, batch, i, j] = zz[lev, i, j]
                else:
                    zz[lev, i, j] = rec.zz[c, lev, batch, i, j]
        for k in range(hist.shape[1]):
            for j in range(hist.shape[2]):
                if store:
                    rec.hists[c, lev, batch, k, j] = hist[lev, k, j]
                else:
                    hist[lev, k, j] = rec.hists[c, lev, batch, k, j]
        if store:
            rec.counts[c, lev, batch] = counts[lev]
            rec.accepted[c, lev, batch] = accepted[lev]
        else:
            counts[lev] = rec.counts[c, lev, batch]
            accepted[lev] = rec.accepted[c, lev, batch]


def allocate(
    chains: int,
    levels: int,
    n: int,
    n_batches: int,
    n_draws: int,
    level_draws: bool,
    pairs: int = 0,
) -> dict[str, np.ndarray]:
    """Zeroed accumulators of a run, every one with a (chains, levels, ...) layout, except
    the replica pairs' (pairs, levels, ...): PAIR_SCALARS sums and the histogram of the
    scalar overlap on [-1, 1], batched as the chains are (pair p's counts are chain 2p's).

    `level_draws` keeps, per thinned draw and level, the sweep values, the interaction
    energy W and the moduli |mu_i| (what MBAR reweighting needs); configurations are kept
    whole at b = 1 only (`draws`).
    """
    zz_n = n if n <= ZZ_MAX else 0
    ld = n_draws if level_draws else 0
    return {
        "accepted": np.zeros((chains, levels, n_batches), dtype=np.int64),
        "scalars": np.zeros((chains, levels, n_batches, len(SCALARS))),
        "sites": np.zeros((chains, levels, n_batches, n, len(SITE_COLUMNS))),
        "zz": np.zeros((chains, levels, n_batches, zz_n, zz_n)),
        "hists": np.zeros((chains, levels, n_batches, len(HISTS), HIST_BINS), dtype=np.int64),
        "counts": np.zeros((chains, levels, n_batches), dtype=np.int64),
        "draws": np.zeros((chains, n_draws, n, 3)),
        "draw_energy": np.zeros((chains, n_draws)),
        "draw_stats": np.zeros((chains, n_draws, len(DRAW_STATS))),
        "draw_slot": np.zeros((chains, n_draws), dtype=np.int64),
        "level_values": np.zeros((chains, levels, ld, len(DRAW_COLUMNS))),
        "level_w": np.zeros((chains, levels, ld)),
        "level_moduli": np.zeros((chains, levels, ld, n if level_draws else 0)),
        "pair_scalars": np.zeros((pairs, levels, n_batches, len(PAIR_SCALARS))),
        "pair_hists": np.zeros((pairs, levels, n_batches, HIST_BINS), dtype=np.int64),
    }
