"""Compiled parallel tempering: R replicas per chain on a ladder b_1 = 1 > ... > b_R.

Replica k has reduced energy u_k(x) = sum_i f_k(|mu_i|^2) + b_k W(x), with its own
landscape table f_k (PHYSICS.md section 2: f_k = b_k f when F does not depend on
temperature, a different table when it does) and W the Zeeman + dipolar energy.
Configurations stay in place (slots m); the ladder assignment moves. Swaps of
neighbouring levels follow the deterministic even-odd scheme (even pairs on even sweeps,
odd pairs on odd sweeps; Okabe et al. 2001, Syed et al. 2021), accepted with
min(1, exp(-[u_k(x_j) + u_j(x_k) - u_k(x_k) - u_j(x_j)])): the general rule, which
needs sum f_k of the other configuration, an O(n) evaluation per attempt.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernels import fill_landscape, landscape_sum, sweep, track_tunnelling
from .observables import accumulate
from .rng import next_double


@njit(inline="always")
def _flip(mu, fld, h):
    """mu -> -mu for every particle; the fields become 2h - h_i (Eq. (3) is affine in mu)."""
    for i in range(mu.shape[0]):
        for a in range(3):
            mu[i, a] = -mu[i, a]
            fld[i, a] = 2.0 * h[a] - fld[i, a]


@njit(cache=True, parallel=True)
def tempering_chunk(
    mu,
    fld,
    fsum,
    wint,
    config_at,
    label,
    rng,
    delta,
    side,
    tunnels,
    tables,
    b,
    h,
    cpl,
    jump_every,
    flip,
    sweeps,
    schedule,
    swaps,
    energies,
    acc,
    draw_slot,
):
    """Advance every chain's R replicas by `sweeps` sweeps (parallel over chains).

    Per chain c: mu/fld[c, m] hold configuration slot m, fsum/wint[c, m] its sum f (under
    the table of its level) and W, config_at[c, k] the slot at level k, label[c, m] the
    last ladder end slot m visited (1: b = 1, 2: b_min; for round trips). rng[c, m] is
    slot m's stream, rng[c, R] the swap stream. During burn-in (sweep < burn) delta[c, k]
    adapts per level; swap statistics are kept in both phases (the driver resets them).
    """
    adapt_every, first_sweep, burn, batch_len, n_batches, thin, level = schedule
    swap_att, swap_acc, trips, flip_acc = swaps
    e_lo, e_hi, e_hist, e_sums = energies
    accepted, scalars, sites, zz, hists, counts, draws, draw_energy, draw_stats = acc
    chains, R, n = mu.shape[0], mu.shape[1], mu.shape[2]
    nbins = e_hist.shape[2]
    for c in prange(chains):
        window_acc = np.zeros(R, dtype=np.int64)
        fcur = np.empty(n)
        window = 0
        t0, t1, t2, t3 = rng[c, R, 0], rng[c, R, 1], rng[c, R, 2], rng[c, R, 3]
        side_c = side[c]
        p = first_sweep - burn
        batch = min(max(p, 0) // batch_len, n_batches - 1)
        for k in range(sweeps):
            sweep_no = first_sweep + k
            producing = sweep_no >= burn
            if producing:
                p = sweep_no - burn
                batch = min(p // batch_len, n_batches - 1)
            jump = jump_every > 0 and sweep_no % jump_every == jump_every - 1
            for lev in range(R):
                m = config_at[c, lev]
                s0, s1, s2, s3 = rng[c, m, 0], rng[c, m, 1], rng[c, m, 2], rng[c, m, 3]
                fill_landscape(mu[c, m], tables[lev], fcur)
                df, dw, acc, s0, s1, s2, s3 = sweep(
                    mu[c, m],
                    fld[c, m],
                    fcur,
                    s0,
                    s1,
                    s2,
                    s3,
                    tables[lev],
                    b[lev],
                    cpl,
                    delta[c, lev],
                    jump,
                )
                rng[c, m, 0], rng[c, m, 1], rng[c, m, 2], rng[c, m, 3] = s0, s1, s2, s3
                fsum[c, m] += df
                wint[c, m] += dw
                if lev == 0:
                    acc0 = acc
                if producing:
                    if lev == 0:
                        accepted[c, batch] += acc
                elif not jump:
                    window_acc[lev] += acc
                if flip:
                    zee = 0.0
                    for i in range(n):
                        zee += h[0] * mu[c, m, i, 0] + h[1] * mu[c, m, i, 1] + h[2] * mu[c, m, i, 2]
                    dwf = 2.0 * zee  # -h.sum(mu) changes sign; the dipolar part is even
                    u, t0, t1, t2, t3 = next_double(t0, t1, t2, t3)
                    if b[lev] * dwf <= 0.0 or u < np.exp(-b[lev] * dwf):
                        _flip(mu[c, m], fld[c, m], h)
                        wint[c, m] += dwf
                        if producing:
                            flip_acc[c, lev] += 1
            if not producing and not jump:
                window += n
                if window >= adapt_every * n:
                    for lev in range(R):
                        rate = window_acc[lev] / window
                        delta[c, lev] = min(2.0, delta[c, lev] * np.exp(2.0 * (rate - 0.4)))
                        window_acc[lev] = 0
                    window = 0
            # deterministic even-odd swaps of neighbouring levels
            swaps_tried = 0
            swaps_done = 0
            for lev in range(sweep_no % 2, R - 1, 2):
                m1 = config_at[c, lev]
                m2 = config_at[c, lev + 1]
                f1_up = landscape_sum(mu[c, m1], tables[lev + 1])
                f2_down = landscape_sum(mu[c, m2], tables[lev])
                delta_u = (
                    f2_down
                    + b[lev] * wint[c, m2]
                    + f1_up
                    + b[lev + 1] * wint[c, m1]
                    - fsum[c, m1]
                    - b[lev] * wint[c, m1]
                    - fsum[c, m2]
                    - b[lev + 1] * wint[c, m2]
                )
                swap_att[c, lev] += 1
                swaps_tried += 1
                u, t0, t1, t2, t3 = next_double(t0, t1, t2, t3)
                if delta_u <= 0.0 or u < np.exp(-delta_u):
                    config_at[c, lev] = m2
                    config_at[c, lev + 1] = m1
                    fsum[c, m1] = f1_up
                    fsum[c, m2] = f2_down
                    swap_acc[c, lev] += 1
                    swaps_done += 1
            # round trips b = 1 -> b_min -> b = 1
            top = config_at[c, 0]
            if label[c, top] == 2:
                trips[c] += 1
            label[c, top] = 1
            bottom = config_at[c, R - 1]
            if label[c, bottom] == 1:
                label[c, bottom] = 2
            if not producing:
                continue
            # observables of the b = 1 replica
            m = config_at[c, 0]
            e1 = fsum[c, m] + wint[c, m]
            counts[c, batch] += 1
            mz = accumulate(
                mu[c, m], e1, scalars[c, batch], sites[c, batch], zz[c, batch], hists[c, batch]
            )
            side_c, flipped = track_tunnelling(mz, level, side_c)
            tunnels[c] += flipped
            # energy at b = 1 of every level's configuration, for histogram reweighting
            for lev in range(R):
                ml = config_at[c, lev]
                e = landscape_sum(mu[c, ml], tables[0]) + wint[c, ml]
                e_sums[c, lev, 0] += e
                e_sums[c, lev, 1] += e * e
                x = (e - e_lo) / (e_hi - e_lo) * nbins
                e_hist[c, lev, min(max(int(x), 0), nbins - 1)] += 1
            if p % thin == 0:
                d = p // thin
                if d < draws.shape[1]:
                    draws[c, d] = mu[c, m]
                    draw_energy[c, d] = e1
                    draw_stats[c, d, 0] = acc0 / n
                    draw_stats[c, d, 1] = swaps_done / max(swaps_tried, 1)
                    draw_slot[c, d] = m
        rng[c, R, 0], rng[c, R, 1], rng[c, R, 2], rng[c, R, 3] = t0, t1, t2, t3
        side[c] = side_c
