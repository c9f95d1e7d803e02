"""What the kernels accumulate after burn-in, and where (names of the accumulator columns).

Per chain and batch: SCALARS (sums over sweeps of the listed quantities), SITES (per
particle sums of x, y, z, x^2, y^2, z^2, |mu|), ZZ (sums of mu_i^z mu_j^z, for n <= ZZ_MAX)
and three histograms on HIST_BINS fine bins: mu_1^z and m^z = mean_i mu_i^z on [-1, 1],
|mu_1| on [0, 1]. Any bin count dividing HIST_BINS can be read back exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SCALARS = ("abs_mu1z", "mu1z_mu2z", "energy", "energy2", "mz", "mz2", "mz4", "abs_mz")
S = {name: k for k, name in enumerate(SCALARS)}
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
HIST_BINS = 720  # divisible by 1-6, 8-10, 12, 15, 16, 18, 20, 24, 30, 36, 40, 45, 48, 60, ...
HISTS = ("mu1z", "mz", "abs_mu1")
ZZ_MAX = 32


@njit(inline="always")
def accumulate(mu, energy, scal, site, zz, hist):
    """Add one sweep's observables of one chain to its current batch; returns m^z.

    zz is filled on and above the diagonal only (it is symmetric).
    """
    n = mu.shape[0]
    mz = 0.0
    r1 = 0.0
    for i in range(n):
        x, y, z = mu[i, 0], mu[i, 1], mu[i, 2]
        r = np.sqrt(x * x + y * y + z * z)
        if i == 0:
            r1 = r
        mz += z
        site[i, 0] += x
        site[i, 1] += y
        site[i, 2] += z
        site[i, 3] += x * x
        site[i, 4] += y * y
        site[i, 5] += z * z
        site[i, 6] += r
    mz /= n
    if zz.shape[0] == n:
        for i in range(n):
            zi = mu[i, 2]
            for j in range(i, n):
                zz[i, j] += zi * mu[j, 2]
    z1 = mu[0, 2]
    mz2 = mz * mz
    scal[0] += abs(z1)
    if n > 1:
        scal[1] += z1 * mu[1, 2]
    scal[2] += energy
    scal[3] += energy * energy
    scal[4] += mz
    scal[5] += mz2
    scal[6] += mz2 * mz2
    scal[7] += abs(mz)
    nb = hist.shape[1]
    half = 0.5 * nb
    hist[0, min(int((z1 + 1.0) * half), nb - 1)] += 1
    hist[1, min(int((mz + 1.0) * half), nb - 1)] += 1
    hist[2, min(int(r1 * nb), nb - 1)] += 1
    return mz


# order of the accumulators when handed to a kernel as one tuple
ACC_FIELDS = (
    "accepted",
    "scalars",
    "sites",
    "zz",
    "hists",
    "counts",
    "draws",
    "draw_energy",
    "draw_stats",
)


def as_tuple(acc: dict) -> tuple:
    """The accumulators in kernel order (ACC_FIELDS)."""
    return tuple(acc[name] for name in ACC_FIELDS)


def allocate(chains: int, n: int, n_batches: int, n_draws: int) -> dict[str, np.ndarray]:
    """Zeroed accumulators for a run (the kernels add to them in place)."""
    zz_n = n if n <= ZZ_MAX else 0
    return {
        "accepted": np.zeros((chains, n_batches), dtype=np.int64),
        "scalars": np.zeros((chains, n_batches, len(SCALARS))),
        "sites": np.zeros((chains, n_batches, n, len(SITE_COLUMNS))),
        "zz": np.zeros((chains, n_batches, zz_n, zz_n)),
        "hists": np.zeros((chains, n_batches, len(HISTS), HIST_BINS), dtype=np.int64),
        "counts": np.zeros((chains, n_batches), dtype=np.int64),
        "draws": np.zeros((chains, n_draws, n, 3)),
        "draw_energy": np.zeros((chains, n_draws)),
        # per draw: acceptance of that sweep's proposals, and (tempering) of its swaps
        "draw_stats": np.zeros((chains, n_draws, 2)),
    }
