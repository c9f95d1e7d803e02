"""Compiled Metropolis kernels on plain arrays (no Python objects inside).

Shapes: mu and fld are (chains, n, 3) (fld holds the effective fields h_i of Eq. (3)),
energy (chains,), rng (chains, 4) uint64, table the landscape f(s = |mu|^2) on a uniform
grid (`Landscape.table`), cpl[k] = K/k^3 the coupling at separation k (cpl[0] = 0).

A sweep is n single-moment proposals, one per particle in order. Each proposal is a
uniform displacement in a cube of half-width delta (rejected outside the ball), except
on every `jump_every`-th sweep, where each is an independent point uniform in the unit
ball. Both are symmetric with respect to the flat measure d^3 mu of Eq. (B7), so the Metropolis
ratio is exp(-Delta beta E) and the M^2 Jacobian is respected. Delta(beta E) costs O(1)
from the stored field; an accepted move updates the n-1 other fields, so a sweep is
O(n^2) and the energy is never recomputed inside a chunk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .observables import accumulate
from .rng import next_double, next_triple


@njit(inline="always")
def landscape_energy(table, s):
    """Linear interpolation of f on the uniform s-grid (exact for the quadratic landscape)."""
    x = s * (table.size - 1)
    i = min(int(x), table.size - 2)
    t = x - i
    return table[i] + t * (table[i + 1] - table[i])


@njit(inline="always")
def sweep(mu, fld, fcur, s0, s1, s2, s3, table, b, cpl, delta, jump):
    """One sweep of one replica; returns (change of sum f, change of W, accepted, xoshiro words).

    The replica's reduced energy is u = sum_i f(|mu_i|^2) + b W, W the Zeeman + dipolar
    energy: b is the inverse-temperature factor of a tempering replica (1 for plain
    Metropolis), and `table` is that replica's own landscape. A single-moment change
    moves W by exactly -dmu . h_i (W is linear in each mu_i). The random state travels
    in registers (s0..s3): storing it every sweep would make threads false-share.
    fcur[i] holds f(|mu_i|^2) under `table` on entry and is kept up to date (one table
    look-up per proposal instead of two). `jump` makes every proposal of this sweep an
    independent uniform point in the ball (the driver interleaves such sweeps at a fixed
    rate: a fixed cycle of kernels that each leave the target invariant leaves it
    invariant).
    """
    n = mu.shape[0]
    d_f = 0.0
    d_w = 0.0
    accepted = 0
    for i in range(n):
        ox, oy, oz = mu[i, 0], mu[i, 1], mu[i, 2]
        if jump:  # independent point uniform in the unit ball, by rejection from the cube
            while True:
                ux, uy, uz, s0, s1, s2, s3 = next_triple(s0, s1, s2, s3)
                nx, ny, nz = 2.0 * ux - 1.0, 2.0 * uy - 1.0, 2.0 * uz - 1.0
                if nx * nx + ny * ny + nz * nz <= 1.0:
                    break
        else:  # symmetric displacement in the cube of half-width delta
            ux, uy, uz, s0, s1, s2, s3 = next_triple(s0, s1, s2, s3)
            nx = ox + delta * (2.0 * ux - 1.0)
            ny = oy + delta * (2.0 * uy - 1.0)
            nz = oz + delta * (2.0 * uz - 1.0)
        s_new = nx * nx + ny * ny + nz * nz
        if s_new > 1.0:
            continue
        dx, dy, dz = nx - ox, ny - oy, nz - oz
        f_new = landscape_energy(table, s_new)
        df = f_new - fcur[i]
        dw = -(dx * fld[i, 0] + dy * fld[i, 1] + dz * fld[i, 2])
        de = df + b * dw
        if de > 0.0:
            u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
            if u >= np.exp(-de):
                continue
        mu[i, 0], mu[i, 1], mu[i, 2] = nx, ny, nz
        fcur[i] = f_new
        d_f += df
        d_w += dw
        accepted += 1
        for j in range(n):  # h_j += K/|i-j|^3 (3 z dz - dmu), Eq. (3)
            if j != i:
                c = cpl[abs(i - j)]
                fld[j, 0] -= c * dx
                fld[j, 1] -= c * dy
                fld[j, 2] += 2.0 * c * dz
    return d_f, d_w, accepted, s0, s1, s2, s3


@njit(cache=True)
def full_field(mu, h, cpl, out):
    """Recompute the effective fields of one replica from scratch, O(n^2) (Eq. (3))."""
    n = mu.shape[0]
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2] = h[0], h[1], h[2]
        for j in range(n):
            if j != i:
                c = cpl[abs(i - j)]
                out[i, 0] -= c * mu[j, 0]
                out[i, 1] -= c * mu[j, 1]
                out[i, 2] += 2.0 * c * mu[j, 2]


@njit(inline="always")
def fill_landscape(mu, table, fcur):
    """fcur[i] = f(|mu_i|^2) under `table`."""
    for i in range(mu.shape[0]):
        fcur[i] = landscape_energy(table, mu[i, 0] ** 2 + mu[i, 1] ** 2 + mu[i, 2] ** 2)


@njit(cache=True)
def landscape_sum(mu, table):
    """sum_i f(|mu_i|^2) of one replica, O(n)."""
    e = 0.0
    for i in range(mu.shape[0]):
        e += landscape_energy(table, mu[i, 0] ** 2 + mu[i, 1] ** 2 + mu[i, 2] ** 2)
    return e


@njit(cache=True)
def interaction_energy(mu, h, cpl):
    """W = -h . sum_i mu_i + sum_{i<j} K (mu_i.mu_j - 3 z_i z_j)/|i-j|^3, O(n^2) (Eq. (B6))."""
    n = mu.shape[0]
    w = 0.0
    for i in range(n):
        w -= h[0] * mu[i, 0] + h[1] * mu[i, 1] + h[2] * mu[i, 2]
        for j in range(i + 1, n):
            w += cpl[j - i] * (
                mu[i, 0] * mu[j, 0] + mu[i, 1] * mu[j, 1] - 2.0 * mu[i, 2] * mu[j, 2]
            )
    return w


@njit(cache=True)
def full_energy(mu, table, b, h, cpl):
    """Reduced energy sum f + b W of one replica from scratch, O(n^2) (Eq. (B6))."""
    return landscape_sum(mu, table) + b * interaction_energy(mu, h, cpl)


@njit(inline="always")
def track_tunnelling(mz, level, side):
    """Update the last visited side (+1: m^z > level, -1: m^z < -level); 1 if it flipped.

    A tunnelling event is a passage from one ordered state to the other: the hysteresis
    (|m^z| must exceed `level`) keeps fluctuations around m^z = 0 from counting.
    """
    new = 1 if mz > level else (-1 if mz < -level else 0)
    if new != 0 and new != side:
        flipped = 1 if side != 0 else 0
        return new, flipped
    return side, 0


@njit(cache=True)
def init_uniform_ball(mu, rng):
    """Start every moment at an independent point uniform in its ball (chain's own stream)."""
    for c in range(mu.shape[0]):
        s0, s1, s2, s3 = rng[c, 0], rng[c, 1], rng[c, 2], rng[c, 3]
        for i in range(mu.shape[1]):
            while True:
                ux, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                uy, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                uz, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                x, y, z = 2.0 * ux - 1.0, 2.0 * uy - 1.0, 2.0 * uz - 1.0
                if x * x + y * y + z * z <= 1.0:
                    break
            mu[c, i, 0], mu[c, i, 1], mu[c, i, 2] = x, y, z
        rng[c, 0], rng[c, 1], rng[c, 2], rng[c, 3] = s0, s1, s2, s3


@njit(cache=True, parallel=True)
def metropolis_chunk(
    mu, fld, energy, rng, delta, side, tunnels, table, h, cpl, jump_every, sweeps, schedule, acc
):
    """Advance every chain by `sweeps` sweeps (in parallel over chains).

    Sweep numbers run from first_sweep; sweeps < burn adapt delta every `adapt_every`
    sweeps toward an acceptance of 0.4 (Robbins-Monro in log delta) and record nothing;
    later sweeps never adapt and are accumulated into batch (sweep - burn) // batch_len
    (the last batch takes the remainder) and, every `thin` sweeps, into the draws.
    """
    adapt_every, first_sweep, burn, batch_len, n_batches, thin, level = schedule
    accepted, scalars, sites, zz, hists, counts, draws, draw_energy, draw_stats = acc
    chains, n = mu.shape[0], mu.shape[1]
    for c in prange(chains):
        # Per-chain state lives in locals for the whole chunk: a dimer's mu[c] is 48 bytes,
        # so neighbouring chains share cache lines, and writing them would false-share.
        mu_c, fld_c = mu[c].copy(), fld[c].copy()
        s0, s1, s2, s3 = rng[c, 0], rng[c, 1], rng[c, 2], rng[c, 3]
        e_c, delta_c, side_c, tunnels_c = energy[c], delta[c], side[c], tunnels[c]
        fcur = np.empty(n)
        fill_landscape(mu_c, table, fcur)
        window = 0
        window_acc = 0
        p = first_sweep - burn
        batch = min(max(p, 0) // batch_len, n_batches - 1)
        to_next_batch = (batch + 1) * batch_len - max(p, 0)
        to_draw = (-p) % thin if p > 0 else 0
        scal, site, zzc, hist = scalars[c, batch], sites[c, batch], zz[c, batch], hists[c, batch]
        to_jump = jump_every - first_sweep % jump_every if jump_every > 0 else -1
        acc_b = 0  # this batch's accepted proposals and sweeps, flushed when it ends
        count_b = 0
        for k in range(sweeps):
            to_jump -= 1
            jump = to_jump == 0
            if jump:
                to_jump = jump_every
            df, dw, acc, s0, s1, s2, s3 = sweep(
                mu_c, fld_c, fcur, s0, s1, s2, s3, table, 1.0, cpl, delta_c, jump
            )
            e_c += df + dw
            if first_sweep + k < burn:
                if jump:  # the step size is tuned on displacement sweeps only
                    continue
                window += n
                window_acc += acc
                if window >= adapt_every * n:
                    rate = window_acc / window
                    delta_c = min(2.0, delta_c * np.exp(2.0 * (rate - 0.4)))
                    window = 0
                    window_acc = 0
                continue
            acc_b += acc
            count_b += 1
            mz = accumulate(mu_c, e_c, scal, site, zzc, hist)
            side_c, flipped = track_tunnelling(mz, level, side_c)
            tunnels_c += flipped
            if to_draw == 0:
                d = (first_sweep + k - burn) // thin
                if d < draws.shape[1]:
                    draws[c, d] = mu_c
                    draw_energy[c, d] = e_c
                    draw_stats[c, d, 0] = acc / n
                to_draw = thin
            to_draw -= 1
            to_next_batch -= 1
            if to_next_batch == 0 and batch < n_batches - 1:
                accepted[c, batch] += acc_b
                counts[c, batch] += count_b
                acc_b = 0
                count_b = 0
                batch += 1
                to_next_batch = batch_len
                scal, site, zzc = scalars[c, batch], sites[c, batch], zz[c, batch]
                hist = hists[c, batch]
        accepted[c, batch] += acc_b
        counts[c, batch] += count_b
        mu[c] = mu_c
        fld[c] = fld_c
        rng[c, 0], rng[c, 1], rng[c, 2], rng[c, 3] = s0, s1, s2, s3
        energy[c], delta[c], side[c], tunnels[c] = e_c, delta_c, side_c, tunnels_c
