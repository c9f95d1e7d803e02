"""What the engine records after burn-in, and the names of every recorded column.

Per chain, ladder level and batch: SCALARS (sums over sweeps), SITES (per-particle sums
of x, y, z, x^2, y^2, z^2, |mu|), ZZ (sums of mu_i^z mu_j^z, for n <= ZZ_MAX) and three
histograms on HIST_BINS fine bins: mu_1^z and m^z = mean_i mu_i^z on [-1, 1], |mu_1| on
[0, 1]. Any bin count dividing HIST_BINS can be read back exactly. Per thinned draw and
level, the same sweep values (DRAW_COLUMNS) are kept for reweighting.

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
)
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
HIST_BINS = 720  # divisible by 1-6, 8-10, 12, 15, 16, 18, 20, 24, 30, 36, 40, 45, 48, 60, ...
HISTS = ("mu1z", "mz", "abs_mu1")
ZZ_MAX = 32

Scalar = IntEnum("Scalar", list(SCALARS), start=0)
Site = IntEnum("Site", list(SITE_COLUMNS), start=0)
Hist = IntEnum("Hist", list(HISTS), start=0)


@njit(inline="always")
def sweep_values(mu, m, energy, modes, vals):
    """Fill `vals` (len(DRAW_COLUMNS)) with the observables of slot m of mu (slots, n, 3);
    returns m^z.

    m^z is the mean of mu_i^z over the particles in the lab frame, abs_m the modulus of
    the mean moment |sum_i mu_i|/n (no axis assumed), abs_mu_mean the mean modulus, mu1/mu2
    the first two particles as listed, energy the reduced energy u, and mode_overlap =
    |P mu| / sqrt(n), P the projection on the span of the orthonormal `modes` (k, n, 3)
    (the mean-field critical modes; 0 when k = 0): 1 for saturated moments along a mode,
    ~ sqrt(k/(3n)) x rms |mu| for disordered ones.
    """
    n = mu.shape[1]
    q2 = 0.0
    for k in range(modes.shape[0]):
        proj = 0.0
        for i in range(n):
            proj += modes[k, i, 0] * mu[m, i, 0] + modes[k, i, 1] * mu[m, i, 1]
            proj += modes[k, i, 2] * mu[m, i, 2]
        q2 += proj * proj
    vals[Scalar.mode_overlap] = np.sqrt(q2 / n)
    mx = 0.0
    my = 0.0
    mz = 0.0
    rsum = 0.0
    for i in range(n):
        mx += mu[m, i, 0]
        my += mu[m, i, 1]
        mz += mu[m, i, 2]
        rsum += np.sqrt(mu[m, i, 0] ** 2 + mu[m, i, 1] ** 2 + mu[m, i, 2] ** 2)
    vals[Scalar.abs_m] = np.sqrt(mx * mx + my * my + mz * mz) / n
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
    vals[p + Site.abs] = np.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
    return mz


@njit(inline="always")
def accumulate(mu, m, vals, lev, scal, site, zz, hist):
    """Add slot m's sweep (its `sweep_values` in vals) to level lev of a chain's batch sums
    (the arrays of a `Batch`). zz is filled on and above the diagonal only (symmetric)."""
    n = mu.shape[1]
    for k in range(len(SCALARS)):
        scal[lev, k] += vals[k]
    for i in range(n):
        x, y, z = mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        site[lev, i, Site.x] += x
        site[lev, i, Site.y] += y
        site[lev, i, Site.z] += z
        site[lev, i, Site.x2] += x * x
        site[lev, i, Site.y2] += y * y
        site[lev, i, Site.z2] += z * z
        site[lev, i, Site.abs] += np.sqrt(x * x + y * y + z * z)
    if zz.shape[1] == n:
        for i in range(n):
            zi = mu[m, i, 2]
            for j in range(i, n):
                zz[lev, i, j] += zi * mu[m, j, 2]
    nb = hist.shape[2]
    half = 0.5 * nb
    p = len(SCALARS)
    hist[lev, Hist.mu1z, min(int((vals[p + Site.z] + 1.0) * half), nb - 1)] += 1
    hist[lev, Hist.mz, min(int((vals[Scalar.mz] + 1.0) * half), nb - 1)] += 1
    hist[lev, Hist.abs_mu1, min(int(vals[p + Site.abs] * nb), nb - 1)] += 1


@njit(inline="always")
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
    chains: int, levels: int, n: int, n_batches: int, n_draws: int, level_draws: bool
) -> dict[str, np.ndarray]:
    """Zeroed accumulators of a run, every one with a (chains, levels, ...) layout.

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
        # per draw at b = 1: acceptance of that sweep's proposals, and of its swaps
        "draw_stats": np.zeros((chains, n_draws, 2)),
        "draw_slot": np.zeros((chains, n_draws), dtype=np.int64),
        "level_values": np.zeros((chains, levels, ld, len(DRAW_COLUMNS))),
        "level_w": np.zeros((chains, levels, ld)),
        "level_moduli": np.zeros((chains, levels, ld, n if level_draws else 0)),
    }
