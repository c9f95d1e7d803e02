"""The compiled engine: R replicas per chain on a ladder b_0 = 1 > b_1 > ... > b_{R-1}.

Plain Metropolis is the one-replica configuration (R = 1, b = 1); parallel tempering has
R >= 2. Replica k samples u_k(x) = sum_i f_k(|mu_i|^2) + b_k W(x) with its own landscape
tables f_k (docs/physics.md, "Reduced units": f_k = b_k f when F does not depend on temperature, a
table of its own when it does) and W the Zeeman + dipolar energy (`couplings.py`).

A sweep (`one_sweep`) is, per chain: one move of the cycle on every level
(`explore_level`, moves in `moves.py` and `collective.py`), the adaptation of the
displacement and collective steps during burn-in (`adapt_steps`, `adapt_soft_steps`),
deterministic even-odd swaps of neighbouring levels (`swap_pairs`; Okabe
et al. 2001; Syed et al. 2021), accepted with
min(1, exp(-[u_k(x_j) + u_j(x_k) - u_k(x_k) - u_j(x_j)])) (the general rule: it needs
sum f_k of the other configuration, O(n) per attempt), round trips (`count_round_trips`),
a periodic exact refresh of the running energies and fields (`refresh_levels`), and,
after burn-in, the recording of every level's observables on every record_every-th sweep
(`record_sweep`). One replica runs the sweeps between two such events as one burst
(`quiet_sweeps`; the sweeps it records on the way are recorded in `explore_level`): the
same numbers, without the per-sweep bookkeeping. Configurations stay
in their slots; `config_at[k]` is the slot at level k. Every counter the next sweep needs
lives in `EngineState`, and the refresh happens at fixed sweep numbers, so a trajectory
depends on the seed alone, never on where the driver cuts it into chunks.

Shapes (C chains, R levels, n particles, S landscape species, T table points):
EngineState.mu/fld (C, R, n, 3) per slot; fcur (C, R, n) f(|mu_i|^2) under the slot's
level table; fsum, wint (C, R); rng (C, R + 1, 4) xoshiro256** (slot streams + the swap
stream); Target.tables (R, S, T); species (n,).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .collective import NO_SOFT, SoftMode, collective_move
from .couplings import Couplings, full_field, interaction_energy
from .heatbath import HeatbathTable
from .moves import COLLECTIVE, DISPLACE, FLIP, MOVES, flip_move, local_sweep
from .observables import (
    ACCEPTANCE,
    DRAW_COLUMNS,
    PAIR_SCALARS,
    SWAP_ACCEPTANCE,
    Scalar,
    accumulate_pair,
    accumulate_sweep,
    pair_values,
    swap_batch,
    sweep_values,
    weighted_values,
)
from .rng import next_double
from .tables import NO_SLOPES, landscape_value, slope_at

STEP_TARGET = 0.4  # acceptance the displacement step is tuned toward (Robbins-Monro, log delta)
STEP_GAIN = 2.0
STEP_MAX = 2.0  # the ball's diameter: a larger cube only wastes proposals
# collective proposals per level between two updates of its step during burn-in: one per
# sweep of the move, so a window of adapt_every * n (the displacement's) would leave a short
# burn-in unadapted; 40 gives the acceptance to +-0.08 (binomial), enough for the log step
SOFT_ADAPT_EVERY = 40


# Named columns of the engine state's drift[c, :]: the largest |running - recomputed| of the
# energies and of the stored fields at a refresh (RunStats.max_energy_drift, max_field_drift).
DRIFTS = ("energy", "field")
ENERGY_DRIFT, FIELD_DRIFT = range(len(DRIFTS))


class EngineState(NamedTuple):
    mu: np.ndarray
    fld: np.ndarray
    fcur: np.ndarray
    fsum: np.ndarray
    wint: np.ndarray
    rng: np.ndarray
    config_at: np.ndarray  # (C, R) slot at level k
    label: np.ndarray  # (C, R) last ladder end a slot visited (1: b = 1, 2: b_min)
    side: np.ndarray  # (C, R) last ordered side of a slot's m^z seen at b = 1
    delta: np.ndarray  # (C, R) displacement half-width per level
    window: np.ndarray  # (C,) displacement proposals in the current adaptation window
    window_acc: np.ndarray  # (C, R) accepted displacements in that window
    drift: np.ndarray  # (C, len(DRIFTS)) max |running - exact| at refreshes
    soft_delta: np.ndarray  # (C, R) collective step per level (`collective.py`)
    soft_window: np.ndarray  # (C,) collective proposals per level in its adaptation window
    soft_acc: np.ndarray  # (C, R) accepted collective proposals in that window


NO_MODES = np.zeros((0, 1, 3))
NO_PHASES = np.zeros((0, 1, 2))


class Target(NamedTuple):
    b: np.ndarray  # (R,)
    tables: np.ndarray  # (R, S, T)
    species: np.ndarray  # (n,) int64
    heatbath: HeatbathTable  # stacked per (level, species): `heatbath.stack_tables`
    cpl: Couplings
    modes: np.ndarray = NO_MODES  # (k, n, 3) orthonormal critical modes for mode_overlap
    phases: np.ndarray = NO_PHASES  # (axes, n, 2) cos, sin of k_min . r_j per box axis
    stotal: float = 1.0  # sum_i s_i, the weight of m_s
    # nematic, m_s, chi(k_min) measured: a dimer's sweep is ~0.15 us, and the eigenvalue and
    # the extra O(n) sums nearly doubled it, so a chain without pairs skips them
    order: bool = True
    soft: SoftMode = NO_SOFT  # direction of the collective move; NO_SOFT when not in the cycle
    # (R, S) C of each quadratic landscape, -1 otherwise (`tables.level_slopes`); NO_SLOPES:
    # every landscape read from its table
    slopes: np.ndarray = NO_SLOPES


class Schedule(NamedTuple):
    cycle: np.ndarray  # move id of sweep s: cycle[s % len(cycle)]
    burn: int
    batch_len: int
    n_batches: int
    thin: int
    adapt_every: int  # displacement sweeps per step-size update during burn-in
    refresh_every: int  # sweeps between exact recomputations of energies and fields
    tunnel_level: float  # |m^z| that counts as an ordered state
    runs: np.ndarray  # sweeps from cycle position pos on that apply one move (`move_runs`)
    record_every: int = 1  # production sweep p = s - burn is recorded when p % record_every == 0


QUIET_MAX = 1 << 62  # `move_runs` of a one-move cycle: the move never changes


def move_runs(cycle: np.ndarray) -> np.ndarray:
    """runs[pos]: how many sweeps from cycle position pos on (wrapping) apply cycle[pos],
    QUIET_MAX when every sweep of the cycle applies it. A burst of sweeps of one move
    (`explore_level`) never runs past it."""
    L = cycle.size
    if np.all(cycle == cycle[0]):
        return np.full(L, QUIET_MAX, dtype=np.int64)
    twice = np.concatenate([cycle, cycle])  # a run of a cycle that changes moves is < L long
    runs = np.ones(2 * L, dtype=np.int64)
    for pos in range(2 * L - 2, -1, -1):
        if twice[pos] == twice[pos + 1]:
            runs[pos] = runs[pos + 1] + 1
    return runs[:L]


class Counters(NamedTuple):
    proposals: np.ndarray  # (C, R, len(MOVES)) production proposals per level and move
    accepted: np.ndarray  # (C, R, len(MOVES))
    swap_att: np.ndarray  # (C, max(R - 1, 1)) swap attempts per neighbour pair
    swap_acc: np.ndarray
    trips: np.ndarray  # (C,) round trips b = 1 -> b_min -> b = 1
    tunnels: np.ndarray  # (C,) passages of a configuration between ordered states at b = 1


class Records(NamedTuple):
    accepted: np.ndarray
    scalars: np.ndarray
    sites: np.ndarray
    zz: np.ndarray
    hists: np.ndarray
    counts: np.ndarray
    draws: np.ndarray
    draw_energy: np.ndarray
    draw_stats: np.ndarray
    draw_slot: np.ndarray
    level_values: np.ndarray
    level_w: np.ndarray
    level_moduli: np.ndarray
    pair_scalars: np.ndarray
    pair_hists: np.ndarray


@njit(inline="always")
def landscape_row(mu, m, target, lev, fcur):
    """fcur[m, i] = f(|mu_i|^2) of slot m under level lev's landscapes
    (`tables.landscape_value`); returns their sum."""
    tables, slopes, species = target.tables, target.slopes, target.species
    total = 0.0
    for i in range(mu.shape[1]):
        s = mu[m, i, 0] ** 2 + mu[m, i, 1] ** 2 + mu[m, i, 2] ** 2
        a = species[i]
        fcur[m, i] = landscape_value(tables, slope_at(slopes, lev, a), lev, a, s)
        total += fcur[m, i]
    return total


@njit(inline="always")
def landscape_total(mu, m, target, lev):
    """sum_i f(|mu_i|^2) of slot m under level lev's landscapes, O(n)."""
    tables, slopes, species = target.tables, target.slopes, target.species
    total = 0.0
    for i in range(mu.shape[1]):
        s = mu[m, i, 0] ** 2 + mu[m, i, 1] ** 2 + mu[m, i, 2] ** 2
        a = species[i]
        total += landscape_value(tables, slope_at(slopes, lev, a), lev, a, s)
    return total


@njit(cache=True, _nrt=False)
def refresh_slot(mu, fld, fcur, m, lev, target, scratch):
    """Exact fields, f values, sum f and W of slot m at level lev; returns
    (sum f, W, largest change of a field component). scratch is (1, n, 3)."""
    full_field(target.cpl, mu[m : m + 1], 0, scratch)
    drift = 0.0
    for i in range(mu.shape[1]):
        for a in range(3):
            drift = max(drift, abs(scratch[0, i, a] - fld[m, i, a]))
            fld[m, i, a] = scratch[0, i, a]
    f = landscape_row(mu, m, target, lev, fcur)
    return f, interaction_energy(target.cpl, mu, fld, m), drift


@njit(cache=True)
def refresh_all(state, target):
    """Exact running quantities of every slot of every chain under its level's tables (at
    the start, and after the ladder changes during burn-in)."""
    chains, R, n = state.mu.shape[0], state.mu.shape[1], state.mu.shape[2]
    scratch = np.empty((1, n, 3))
    for c in range(chains):
        mu, fld, fcur = state.mu[c], state.fld[c], state.fcur[c]
        for lev in range(R):
            m = state.config_at[c, lev]
            f, w, _ = refresh_slot(mu, fld, fcur, m, lev, target, scratch)
            state.fsum[c, m] = f
            state.wint[c, m] = w


@njit(cache=True)
def init_uniform_ball(mu, rng):
    """Every moment at an independent point uniform in its ball, slot m from stream m."""
    for c in range(mu.shape[0]):
        for m in range(mu.shape[1]):
            s0, s1, s2, s3 = rng[c, m, 0], rng[c, m, 1], rng[c, m, 2], rng[c, m, 3]
            for i in range(mu.shape[2]):
                while True:
                    ux, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                    uy, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                    uz, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                    x, y, z = 2.0 * ux - 1.0, 2.0 * uy - 1.0, 2.0 * uz - 1.0
                    if x * x + y * y + z * z <= 1.0:
                        break
                mu[c, m, i, 0], mu[c, m, i, 1], mu[c, m, i, 2] = x, y, z
            rng[c, m, 0], rng[c, m, 1], rng[c, m, 2], rng[c, m, 3] = s0, s1, s2, s3


@njit(inline="always")
def track_side(mz, level, side):
    """New last-seen ordered side (+1: m^z >= level, -1: m^z <= -level) and 1 if it flipped.

    A tunnelling event is a passage of one configuration from one ordered state to the
    other: the hysteresis keeps fluctuations around m^z = 0 from counting.
    """
    new = 1 if mz >= level else (-1 if mz <= -level else 0)
    if new != 0 and new != side:
        return new, 1 if side != 0 else 0
    return side, 0


@njit(inline="always")
def swap_pairs(parity, w, target, t):
    """Even-odd swaps of neighbouring levels of the chain's working copies w (pairs (k, k+1)
    with k = parity mod 2), counted into w.swap_att/w.swap_acc (R - 1,). Returns (swaps
    tried, swaps accepted, swap-stream words). The tuples come whole: inside `run_sweeps`
    (no reference counting) reading their fields costs nothing measurable."""
    t0, t1, t2, t3 = t
    config_at, mu, fcur, fsum, wint = w.config_at, w.mu, w.fcur, w.fsum, w.wint
    b = target.b
    R = b.size
    tried = 0
    done = 0
    for lev in range(parity, R - 1, 2):
        m1 = config_at[lev]
        m2 = config_at[lev + 1]
        f1_up = landscape_total(mu, m1, target, lev + 1)
        f2_down = landscape_total(mu, m2, target, lev)
        delta_u = (
            f2_down
            + b[lev] * wint[m2]
            + f1_up
            + b[lev + 1] * wint[m1]
            - fsum[m1]
            - b[lev] * wint[m1]
            - fsum[m2]
            - b[lev + 1] * wint[m2]
        )
        w.swap_att[lev] += 1
        tried += 1
        u, t0, t1, t2, t3 = next_double(t0, t1, t2, t3)
        if delta_u <= 0.0 or u < np.exp(-delta_u):
            config_at[lev] = m2
            config_at[lev + 1] = m1
            fsum[m1] = landscape_row(mu, m1, target, lev + 1, fcur)
            fsum[m2] = landscape_row(mu, m2, target, lev, fcur)
            w.swap_acc[lev] += 1
            done += 1
    return tried, done, (t0, t1, t2, t3)


@njit(inline="always")
def level_values(mu, m, energy, target, vals):
    """Every DRAW_COLUMNS value of slot m (energy: its reduced energy at its level);
    returns m^z. Without `target.order` the nematic column holds 0 (not measured)."""
    mz = sweep_values(mu, m, energy, target.modes, vals)
    if target.order:
        weighted_values(mu, m, target.cpl.scale, target.stotal, target.phases, vals)
    else:  # a chain without pairs: s_i = 1, no box, no nematic (`Target.order`)
        vals[Scalar.ms2] = vals[Scalar.m2]
        vals[Scalar.ms4] = vals[Scalar.m4]
        vals[Scalar.nematic] = 0.0
        for a in range(3):
            vals[Scalar.chi_m_x + a] = 0.0
    return mz


@njit(cache=True, _nrt=False)
def record_draw(c, draw, target, rec, mu, fsum, wint, config_at, vals):
    """Thinned draw `draw`: the b = 1 configuration whole and, for a ladder, every level's
    sweep values, W and moduli (what reweighting needs)."""
    n = mu.shape[1]
    b = target.b
    m = config_at[0]
    if draw < rec.draws.shape[1]:
        for i in range(n):
            for a in range(3):
                rec.draws[c, draw, i, a] = mu[m, i, a]
        rec.draw_energy[c, draw] = fsum[m] + wint[m]
        rec.draw_slot[c, draw] = m
    if draw < rec.level_values.shape[2]:
        for lev in range(b.size):
            m = config_at[lev]
            level_values(mu, m, fsum[m] + b[lev] * wint[m], target, vals)
            for k in range(vals.size):
                rec.level_values[c, lev, draw, k] = vals[k]
            rec.level_w[c, lev, draw] = wint[m]
            for i in range(n):
                rec.level_moduli[c, lev, draw, i] = np.sqrt(
                    mu[m, i, 0] ** 2 + mu[m, i, 1] ** 2 + mu[m, i, 2] ** 2
                )


class ChainWork(NamedTuple):
    """One chain's working copies of its state (slots first) and its tallies for a chunk.

    Copies, not views of the run's arrays: a dimer's slot is 48 bytes, so neighbouring
    chains share cache lines, and writing them in place from two threads would false-share.
    """

    mu: np.ndarray
    fld: np.ndarray
    fcur: np.ndarray
    fsum: np.ndarray
    wint: np.ndarray
    rng: np.ndarray
    config_at: np.ndarray
    label: np.ndarray
    side: np.ndarray
    delta: np.ndarray
    window_acc: np.ndarray
    soft_delta: np.ndarray
    soft_acc: np.ndarray
    proposals: np.ndarray  # (R, len(MOVES))
    accepted: np.ndarray
    swap_att: np.ndarray
    swap_acc: np.ndarray
    acc_lev: np.ndarray  # accepted proposals of this sweep, per level
    vals: np.ndarray  # one configuration's DRAW_COLUMNS
    scratch: np.ndarray  # (1, n, 3)
    b_scal: np.ndarray  # the current batch's sums, levels first (`observables.swap_batch`)
    b_site: np.ndarray
    b_zz: np.ndarray
    b_hist: np.ndarray
    b_count: np.ndarray
    b_acc: np.ndarray
    tally: np.ndarray  # int64: WINDOW, TRIPS, TUNNELS, SOFT_WINDOW
    drift: np.ndarray  # float64: largest energy and field drift seen at refreshes


WINDOW, TRIPS, TUNNELS, SOFT_WINDOW = 0, 1, 2, 3


@njit(cache=True)
def chain_work(state, c, rec):
    """Chain c's `ChainWork`: copies of its state, zeroed tallies and batch sums. With
    `write_back`, the only code besides `EngineState` and `engine._Setup.state` that
    lists the state's fields (Numba builds a NamedTuple from its fields written out)."""
    R, n = state.mu.shape[1], state.mu.shape[2]
    tally = np.zeros(4, dtype=np.int64)
    tally[WINDOW] = state.window[c]
    tally[SOFT_WINDOW] = state.soft_window[c]
    return ChainWork(
        state.mu[c].copy(),
        state.fld[c].copy(),
        state.fcur[c].copy(),
        state.fsum[c].copy(),
        state.wint[c].copy(),
        state.rng[c].copy(),
        state.config_at[c].copy(),
        state.label[c].copy(),
        state.side[c].copy(),
        state.delta[c].copy(),
        state.window_acc[c].copy(),
        state.soft_delta[c].copy(),
        state.soft_acc[c].copy(),
        np.zeros((R, len(MOVES)), dtype=np.int64),
        np.zeros((R, len(MOVES)), dtype=np.int64),
        np.zeros(max(R - 1, 1), dtype=np.int64),
        np.zeros(max(R - 1, 1), dtype=np.int64),
        np.zeros(R, dtype=np.int64),
        np.empty(len(DRAW_COLUMNS)),
        np.empty((1, n, 3)),
        np.zeros((R, rec.scalars.shape[3])),
        np.zeros((R, n, rec.sites.shape[4])),
        np.zeros((R, rec.zz.shape[3], rec.zz.shape[4])),
        np.zeros((R, rec.hists.shape[3], rec.hists.shape[4]), dtype=np.int64),
        np.zeros(R, dtype=np.int64),
        np.zeros(R, dtype=np.int64),
        tally,
        state.drift[c].copy(),
    )


@njit(cache=True)
def write_back(w, state, c, counters):
    """Write chain c's working copies back into the run's state and add its tallies."""
    R = state.mu.shape[1]
    counters.proposals[c] += w.proposals
    counters.accepted[c] += w.accepted
    if R > 1:
        counters.swap_att[c] += w.swap_att
        counters.swap_acc[c] += w.swap_acc
    counters.trips[c] += w.tally[TRIPS]
    counters.tunnels[c] += w.tally[TUNNELS]
    state.mu[c], state.fld[c], state.fcur[c] = w.mu, w.fld, w.fcur
    state.fsum[c], state.wint[c], state.rng[c] = w.fsum, w.wint, w.rng
    state.config_at[c], state.label[c], state.side[c] = w.config_at, w.label, w.side
    state.delta[c], state.window_acc[c] = w.delta, w.window_acc
    state.window[c] = w.tally[WINDOW]
    state.soft_delta[c], state.soft_acc[c] = w.soft_delta, w.soft_acc
    state.soft_window[c] = w.tally[SOFT_WINDOW]
    state.drift[c] = w.drift


PAIR_BLOCK_VALUES = 1 << 16  # doubles of chain 2p's configurations held per block (512 kB)
ALONE, HOLD, OVERLAP = 0, 1, 2  # what `run_sweeps` does beside the sweeps (pairs only)


@njit(cache=True, nogil=True)
def advance_chain(c, state, target, sched, counters, rec, first, count):
    """Advance chain c by `count` sweeps, sweep numbers first .. first + count - 1 (all its
    levels, swaps, records). It releases the GIL: the driver runs chains on threads, and
    chain c touches only its own rows and streams, so threads change nothing.

    The chain's state is copied into a `ChainWork`, `run_sweeps` (compiled without
    reference counting: taking an array out of a tuple in a loop otherwise costs two
    atomic operations, more than a dimer proposal) advances it, and it is written back.
    """
    w = chain_work(state, c, rec)
    held, out, buf = np.empty((0, 0, 0, 3)), np.empty(0), np.empty((0, 3, 3))  # no pair
    run_sweeps(c, w, target, sched, rec, first, count, c, np.int64(ALONE), held, out, buf)
    write_back(w, state, c, counters)


@njit(cache=True, nogil=True)
def advance_pair(p, state, target, sched, counters, rec, first, count):
    """`advance_chain` for the replica pair p (chains 2p and 2p + 1), recording the overlap
    of their configurations at every level after each production sweep s.

    In blocks of sweeps: chain 2p runs the block and holds its configuration at every level
    after each sweep (HOLD), then chain 2p + 1 runs the same sweeps and adds the overlap
    of each of its configurations with the one held for that sweep (OVERLAP), in sweep
    order. Each chain draws from its own streams only, so its trajectory is the one
    `advance_chain` gives, and the pair's sums are added in sweep order whatever the block
    length or the thread: they depend on the seed alone. One compiled `run_sweeps` serves
    chains and pairs (inlining the sweep twice, once per chain of a lockstep loop, doubled
    the compile time of the engine).
    """
    a, b = 2 * p, 2 * p + 1
    wa = chain_work(state, a, rec)
    wb = chain_work(state, b, rec)
    R, n = state.mu.shape[1], state.mu.shape[2]
    block = max(1, min(count, PAIR_BLOCK_VALUES // (3 * R * n)))
    held = np.empty((block, R, n, 3))
    out = np.empty(len(PAIR_SCALARS))
    buf = np.empty((2, 3, 3))
    for start in range(first, first + count, block):
        k = min(block, first + count - start)
        # np.int64: a literal role would compile a specialisation of its own
        run_sweeps(a, wa, target, sched, rec, start, k, p, np.int64(HOLD), held, out, buf)
        run_sweeps(b, wb, target, sched, rec, start, k, p, np.int64(OVERLAP), held, out, buf)
    write_back(wa, state, a, counters)
    write_back(wb, state, b, counters)


@njit(inline="always")
def clock_start(c, w, sched, rec, first, count):
    """The counters a chain carries from sweep to sweep, at sweep `first`: (position in
    the cycle, sweeps to the next refresh, batch, sweeps to the next batch, to the next
    draw, next draw, to the next recorded sweep, displacement proposals in the adaptation
    window, the swap stream's four words); loads the current batch's sums when the chunk
    reaches production.

    Countdowns instead of a division per sweep: an integer division costs as much as a
    dimer proposal. Production sweeps are counted as p = s - burn."""
    R = w.mu.shape[0]
    burn, thin, batch_len, n_batches = sched.burn, sched.thin, sched.batch_len, sched.n_batches
    pos = first % sched.cycle.size
    to_refresh = sched.refresh_every - first % sched.refresh_every
    p0 = max(first - burn, 0)
    batch = min(p0 // batch_len, n_batches - 1)
    to_batch = (batch + 1) * batch_len - p0 if batch < n_batches - 1 else -1
    to_draw = (thin - p0 % thin) % thin
    next_draw = (p0 + to_draw) // thin
    to_record = (sched.record_every - p0 % sched.record_every) % sched.record_every
    if first + count > burn:
        swap_batch(rec, c, batch, w.b_scal, w.b_site, w.b_zz, w.b_hist, w.b_count, w.b_acc, False)
    t = w.rng
    return (
        pos, to_refresh, batch, to_batch, to_draw, next_draw, to_record, w.tally[WINDOW],
        t[R, 0], t[R, 1], t[R, 2], t[R, 3],
    )  # fmt: skip


@njit(inline="always")
def clock_stop(c, w, sched, rec, first, count, clock):
    """Store the current batch's sums and the counters that outlive the chunk."""
    batch, window = clock[2], clock[7]
    if first + count > sched.burn:
        swap_batch(rec, c, batch, w.b_scal, w.b_site, w.b_zz, w.b_hist, w.b_count, w.b_acc, True)
    R = w.mu.shape[0]
    w.rng[R, 0], w.rng[R, 1], w.rng[R, 2], w.rng[R, 3] = clock[8], clock[9], clock[10], clock[11]
    w.tally[WINDOW] = window


@njit(cache=True, nogil=True, _nrt=False)
def run_sweeps(c, w, target, sched, rec, first, count, p, role, held, out, buf):
    """The sweeps of `advance_chain` on the working copies w, in `quiet_sweeps` bursts
    (`one_sweep` each); for a replica pair (`advance_pair`), `role` HOLD keeps the
    configuration at every level after production sweep first + k in held[k]
    (block, R, n, 3), and OVERLAP adds the overlap of each level's configuration with
    held[k] (`pair_values`, out and buf its scratch) into batch (s - burn) // batch_len of
    pair p (the last batch takes the remainder) when sweep s is recorded."""
    R, n = w.mu.shape[0], w.mu.shape[1]
    burn, batch_len, last = sched.burn, sched.batch_len, sched.n_batches - 1
    clock = clock_start(c, w, sched, rec, first, count)
    k = 0
    while k < count:
        s = first + k
        sweeps = 1 if R > 1 or role != ALONE else quiet_sweeps(sched, s, count - k, w, clock)
        clock = one_sweep(c, w, target, sched, rec, s, sweeps, clock)
        k += sweeps
        if role == ALONE or s < burn:
            continue
        if role == HOLD:
            for lev in range(R):
                m = w.config_at[lev]
                for i in range(n):
                    for a in range(3):
                        held[k - 1, lev, i, a] = w.mu[m, i, a]
        elif (s - burn) % sched.record_every == 0:
            batch = min((s - burn) // batch_len, last)
            mine = held[k - 1]
            for lev in range(R):
                qs = pair_values(mine, lev, w.mu, w.config_at[lev], target.phases, out, buf)
                accumulate_pair(rec, p, lev, batch, out, qs)
    clock_stop(c, w, sched, rec, first, count, clock)


@njit(inline="always")
def quiet_sweeps(sched, s, left, w, clock):
    """How many sweeps from sweep s on (at most `left`) one replica can run as one burst:
    the same move throughout, and no refresh, adaptation of the step, draw or batch
    boundary before the last of them (recorded sweeps inside a burst are recorded by
    `explore_level`). Bursts change no number (`one_sweep`); they keep the random state
    in registers and skip the per-sweep bookkeeping."""
    pos, to_refresh, to_batch, to_draw, window = clock[0], clock[1], clock[3], clock[4], clock[7]
    sweeps = min(left, sched.runs[pos], to_refresh)
    if s < sched.burn:
        sweeps = min(sweeps, sched.burn - s)
        if sched.cycle[pos] == DISPLACE:
            sweeps = min(sweeps, sched.adapt_every - window // w.mu.shape[1])
        elif sched.cycle[pos] == COLLECTIVE:
            sweeps = min(sweeps, SOFT_ADAPT_EVERY - w.tally[SOFT_WINDOW])
    else:
        sweeps = min(sweeps, to_draw + 1)
        if to_batch > 0:
            sweeps = min(sweeps, to_batch)
    return sweeps


@njit(inline="always")
def explore_level(move, lev, sweeps, producing, w, target, sched, to_record):
    """`sweeps` sweeps of `move` on the configuration at level lev, its stream in
    registers; counts the proposals (production) or the displacements or collective
    proposals accepted in their adaptation windows (burn-in). w.acc_lev[lev] keeps the
    last sweep's accepted count. A sweep of a whole-replica move (flip, collective) is one
    proposal.

    A burst of one replica (`quiet_sweeps`) runs through recorded sweeps: with
    production sweeps its sweeps but the last are recorded here (`record_level`) when the
    countdown to_record (sweeps to the next recorded sweep, as in `clock_start`) reaches
    0, with the same numbers `one_sweep` would record; the last sweep's events stay with
    `one_sweep`. Returns the countdown at the last sweep."""
    n = w.mu.shape[1]
    m = w.config_at[lev]
    b, cpl, delta, soft = target.b[lev], target.cpl, w.delta[lev], target.soft
    s0, s1, s2, s3 = w.rng[m, 0], w.rng[m, 1], w.rng[m, 2], w.rng[m, 3]
    fsum, wint = w.fsum[m], w.wint[m]
    record_every = sched.record_every if producing else 0
    acc = 0
    total = 0
    done = 0
    # in-burst records: their count, accepted proposals and ordered side kept in registers
    recorded = 0
    recorded_acc = 0
    side = w.side[m]
    flips = 0
    while done < sweeps:
        # up to the next recorded sweep that is not the burst's last: the sweep loop itself
        # holds no recording code (inside it, it slowed the dimer's sweep by ~4 ns)
        run = sweeps - done
        stop = record_every > 0 and to_record < run - 1
        if stop:
            run = to_record + 1
        for _ in range(run):
            if move == FLIP:
                dw, acc, s0, s1, s2, s3 = flip_move(
                    w.mu, w.fld, m, b, cpl.h, cpl.scale, s0, s1, s2, s3
                )
                df = 0.0
            elif move == COLLECTIVE:
                df, dw, acc, s0, s1, s2, s3 = collective_move(
                    w.mu, w.fld, w.fcur, m, lev, b, target.tables, target.species, soft.v,
                    soft.tv, soft.vtv, w.soft_delta[lev], 1, s0, s1, s2, s3, target.slopes,
                )  # fmt: skip
            elif move == DISPLACE:  # the constant kind drops local_sweep's other branches
                df, dw, acc, s0, s1, s2, s3 = local_sweep(
                    DISPLACE, w.mu, w.fld, w.fcur, m, lev, b, target, delta, s0, s1, s2, s3
                )
            else:
                df, dw, acc, s0, s1, s2, s3 = local_sweep(
                    move, w.mu, w.fld, w.fcur, m, lev, b, target, delta, s0, s1, s2, s3
                )
            fsum += df
            wint += dw
            total += acc
        done += run
        if stop:  # a burst is one replica's: lev = 0, m its b = 1 slot
            mz = record_level(w, target, lev, m, fsum + b * wint)
            recorded += 1
            recorded_acc += acc
            side, flipped = track_side(mz, sched.tunnel_level, side)
            flips += flipped
            to_record = record_every - 1
        elif record_every > 0:
            to_record -= run - 1
    w.rng[m, 0], w.rng[m, 1], w.rng[m, 2], w.rng[m, 3] = s0, s1, s2, s3
    w.fsum[m], w.wint[m] = fsum, wint
    w.acc_lev[lev] = acc
    if recorded > 0:
        w.b_count[lev] += recorded
        w.b_acc[lev] += recorded_acc
        w.side[m] = side
        w.tally[TUNNELS] += flips
    if producing:
        w.proposals[lev, move] += sweeps * (1 if move == FLIP or move == COLLECTIVE else n)
        w.accepted[lev, move] += total
    elif move == DISPLACE:
        w.window_acc[lev] += total
    elif move == COLLECTIVE:
        w.soft_acc[lev] += total
    return to_record


@njit(inline="always")
def adapt_steps(w, sched, window):
    """Burn-in: once `window` displacement proposals per level reach adapt_every sweeps'
    worth, move each level's log step toward STEP_TARGET acceptance (Robbins-Monro) and
    open a new window. Returns the window's proposals."""
    if window >= sched.adapt_every * w.mu.shape[1]:
        for lev in range(w.mu.shape[0]):
            step = np.exp(STEP_GAIN * (w.window_acc[lev] / window - STEP_TARGET))
            w.delta[lev] = min(STEP_MAX, w.delta[lev] * step)
            w.window_acc[lev] = 0
        window = 0
    return window


@njit(inline="always")
def adapt_soft_steps(w):
    """Burn-in: once SOFT_ADAPT_EVERY collective proposals per level have run, move each
    level's log collective step toward STEP_TARGET acceptance (as `adapt_steps`), at most
    2 sqrt(n) (`collective.initial_soft_step`), and open a new window."""
    if w.tally[SOFT_WINDOW] >= SOFT_ADAPT_EVERY:
        cap = 2.0 * np.sqrt(w.mu.shape[1])
        for lev in range(w.mu.shape[0]):
            step = np.exp(STEP_GAIN * (w.soft_acc[lev] / w.tally[SOFT_WINDOW] - STEP_TARGET))
            w.soft_delta[lev] = min(cap, w.soft_delta[lev] * step)
            w.soft_acc[lev] = 0
        w.tally[SOFT_WINDOW] = 0


@njit(inline="always")
def count_round_trips(w):
    """Label the slots at the ladder's ends; a slot labelled at b_min (2) that reaches
    b = 1 completes a round trip."""
    R = w.mu.shape[0]
    top = w.config_at[0]
    if w.label[top] == 2:
        w.tally[TRIPS] += 1
    w.label[top] = 1
    bottom = w.config_at[R - 1]
    if w.label[bottom] == 1:
        w.label[bottom] = 2


@njit(inline="always")
def refresh_levels(w, target):
    """Exact fields, sum f and W of every level's slot (`refresh_slot`), keeping the
    largest drift the running values had."""
    for lev in range(w.mu.shape[0]):
        m = w.config_at[lev]
        f, wi, fd = refresh_slot(w.mu, w.fld, w.fcur, m, lev, target, w.scratch)
        drift = abs(f - w.fsum[m]) + abs(wi - w.wint[m])
        w.drift[ENERGY_DRIFT] = max(w.drift[ENERGY_DRIFT], drift)
        w.drift[FIELD_DRIFT] = max(w.drift[FIELD_DRIFT], fd)
        w.fsum[m], w.wint[m] = f, wi


@njit(inline="always")
def record_sweep(w, target, sched):
    """Add every level's observables (`level_values`, `accumulate`) to the current batch
    sums, count the sweep and its accepted proposals, and follow the b = 1 configuration's
    ordered side for tunnelling events (`track_side`)."""
    b, fsum, wint, config_at = target.b, w.fsum, w.wint, w.config_at
    mz0 = 0.0
    for lev in range(w.mu.shape[0]):
        m = config_at[lev]
        mz = record_level(w, target, lev, m, fsum[m] + b[lev] * wint[m])
        w.b_count[lev] += 1
        w.b_acc[lev] += w.acc_lev[lev]
        if lev == 0:
            mz0 = mz
    m0 = config_at[0]
    w.side[m0], flipped = track_side(mz0, sched.tunnel_level, w.side[m0])
    w.tally[TUNNELS] += flipped


@njit(inline="always")
def record_level(w, target, lev, m, energy):
    """Add slot m's observables at level lev (reduced energy `energy`, `level_values`) to
    the current batch sums (`accumulate`; the two in one pass,
    `observables.accumulate_sweep`); returns its m^z. The caller counts the sweep and its
    accepted proposals (b_count, b_acc)."""
    mu, scal = w.mu, w.b_scal
    mz, m2 = accumulate_sweep(mu, m, energy, target.modes, lev, scal, w.b_site, w.b_zz, w.b_hist)
    if target.order:
        weighted_values(mu, m, target.cpl.scale, target.stotal, target.phases, w.vals)
        for k in (Scalar.nematic, Scalar.ms2, Scalar.ms4):
            scal[lev, k] += w.vals[k]
        for k in range(3):
            scal[lev, Scalar.chi_m_x + k] += w.vals[Scalar.chi_m_x + k]
    else:  # as `level_values`: nematic and chi_m_* are 0, and adding 0 changes no sum
        scal[lev, Scalar.ms2] += m2
        scal[lev, Scalar.ms4] += m2 * m2
    return mz


@njit(inline="always")
def one_sweep(c, w, target, sched, rec, s, sweeps, clock):
    """Sweeps s .. s + sweeps - 1 of chain c on its working copies w (more than one only
    as a `quiet_sweeps` burst of one replica), the events after the last; returns the
    updated clock (`clock_start`).

    Sweeps < burn adapt the displacement step of every level toward STEP_TARGET (per
    window of adapt_every displacement sweeps), and the collective step (per
    SOFT_ADAPT_EVERY collective proposals), and record nothing; later sweeps never
    adapt, and production sweep p = s - burn is recorded when p % record_every == 0 into
    batch p // batch_len (the last batch takes the remainder) and, every `thin` sweeps,
    kept as a draw.
    """
    pos, to_refresh, batch, to_batch, to_draw, next_draw, to_record, window = clock[:8]
    t0, t1, t2, t3 = clock[8], clock[9], clock[10], clock[11]
    R, n = w.mu.shape[0], w.mu.shape[1]
    move = sched.cycle[pos]
    L = sched.cycle.size
    pos += sweeps
    if pos >= L:  # a burst of a one-move cycle may wrap many times; any other, once
        pos = 0 if L == 1 else pos - L
    producing = s >= sched.burn
    left = to_record
    for lev in range(R):  # more than one level: sweeps = 1, left = to_record
        left = explore_level(move, lev, sweeps, producing, w, target, sched, to_record)
    if not producing and move == DISPLACE:
        window = adapt_steps(w, sched, window + sweeps * n)
    elif not producing and move == COLLECTIVE:
        w.tally[SOFT_WINDOW] += sweeps
        adapt_soft_steps(w)
    tried_sw, done_sw = 0, 0
    if R > 1:
        tried_sw, done_sw, (t0, t1, t2, t3) = swap_pairs(s & 1, w, target, (t0, t1, t2, t3))
        count_round_trips(w)
    to_refresh -= sweeps
    if to_refresh == 0:
        to_refresh = sched.refresh_every
        refresh_levels(w, target)
    if producing:  # the burst's first sweeps - 1 were not drawn, and recorded in explore_level
        to_record = left
        to_draw -= sweeps - 1
        if to_batch > 0:
            to_batch -= sweeps - 1
        if to_record == 0:
            record_sweep(w, target, sched)
            to_record = sched.record_every
        to_record -= 1
        if to_draw == 0:
            record_draw(c, next_draw, target, rec, w.mu, w.fsum, w.wint, w.config_at, w.vals)
            if next_draw < rec.draws.shape[1]:
                acceptance = w.acc_lev[0] / (1 if move == FLIP or move == COLLECTIVE else n)
                rec.draw_stats[c, next_draw, ACCEPTANCE] = acceptance
                rec.draw_stats[c, next_draw, SWAP_ACCEPTANCE] = done_sw / max(tried_sw, 1)
            next_draw += 1
            to_draw = sched.thin
        to_draw -= 1
        to_batch -= 1
        if to_batch == 0:
            swap_batch(
                rec, c, batch, w.b_scal, w.b_site, w.b_zz, w.b_hist, w.b_count, w.b_acc, True
            )
            batch += 1
            swap_batch(
                rec, c, batch, w.b_scal, w.b_site, w.b_zz, w.b_hist, w.b_count, w.b_acc, False
            )
            to_batch = sched.batch_len if batch < sched.n_batches - 1 else -1
    return (
        pos, to_refresh, batch, to_batch, to_draw, next_draw, to_record, window,
        t0, t1, t2, t3,
    )  # fmt: skip


__all__ = [
    "DRIFTS",
    "ENERGY_DRIFT",
    "FIELD_DRIFT",
    "SOFT_ADAPT_EVERY",
    "Counters",
    "EngineState",
    "Records",
    "Schedule",
    "Target",
    "advance_chain",
    "advance_pair",
    "move_runs",
]
