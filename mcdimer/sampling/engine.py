"""Run the compiled engine on a model: allocate state, drive chunks, adapt the ladder.

Plain Metropolis is `run_engine` with the ladder [1.0]; parallel tempering passes a ladder
of R >= 2 levels (adapted during burn-in when `adapt`, then frozen), or no ladder: then
the hottest level comes from `ladder.default_b_min` and the number of replicas from the measured
communication barrier, in `ladder.tune_ladder`'s rounds with doubling sweeps run at the
start of burn-in (`tune`). Both produce the same `SampleResult`, with every level's
observables recorded.
"""

from __future__ import annotations

import time

import numpy as np

from . import ladder as ladders
from .collective import NO_SOFT, initial_soft_step, soft_mode
from .couplings import couplings_of, field_bound
from .driver import ChunkRunner, RunStats, over_chains, per_second
from .heatbath import HeatbathTable, build_heatbath_stack
from .kernels import (
    ENERGY_DRIFT,
    FIELD_DRIFT,
    NO_MODES,
    NO_PHASES,
    Counters,
    EngineState,
    Records,
    Schedule,
    Target,
    advance_chain,
    advance_pair,
    init_uniform_ball,
    move_runs,
    refresh_all,
)
from .moves import COLLECTIVE, DISPLACE, FLIP, HEATBATH, MOVES, WHOLE, describe
from .observables import allocate
from .result import SampleResult
from .rng import seed_states
from .tables import level_slopes

ADAPT_EVERY = 20  # displacement sweeps between step-size updates during burn-in
REFRESH_EVERY = 256  # sweeps between exact recomputations of running energies and fields
TUNNEL_LEVEL = 0.5  # |m^z| that counts as being in an ordered state
ADAPT_AT = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4)  # fractions of burn-in where the ladder adapts
TUNE_SHARE = 0.5  # largest share of burn-in spent in the ladder's tuning rounds
TUNE_FIRST_SWEEPS = 64  # sweeps of the first tuning round (then doubled each round)
TUNE_MAX_ROUNDS = 12
TUNE_KEY = 0x6C616464  # tuning round j draws its streams from SeedSequence(seed, (TUNE_KEY, j))
# record_every="auto". A recorded sweep (`kernels.record_level`, within a burst) costs
# ~29 ns on the dimer against ~54 ns per displacement sweep (benchmarks/bench_moves.py part
# 1: record_every = 1 against 2 sweeps recorded). RECORD_EVERY_BY_N: (largest n,
# record_every), a power of two that brings recording to ~10-20 % of the time; 4, not 8, on
# the dimer. Measured (displacement, 4 chains x 128 batch means over every sweep, 3 seeds,
# 1e6 sweeps): on a weakly coupled dimer (C = 1, K = 0.5) the ESS per sweep of m_z^2 is
# 0.72 / 0.63 / 0.45 at k = 1 / 4 / 8, its ESS/s 2.0 / 2.6 / 1.9 x 1e6 (|m_z| alike); at
# C = 50, K = 40 the ESS per sweep does not change, and the ESS/s rises 1.36x at 4, 1.40x
# at 8; chain n = 4 at 0.9 x critical: 1.22x at 4.
RECORD_EVERY_BY_N = ((4, 4), (16, 2))


def initial_step(table: np.ndarray) -> float:
    """A first displacement half-width from the landscape's curvature at |mu| = 0."""
    stiffness = max(table_slope(table), 0.0)
    return float(min(1.0, 1.5 / np.sqrt(2.0 * stiffness + 1.0)))


def table_slope(table: np.ndarray) -> float:
    """C of f ~ C s near s = |mu|^2 = 0, from a landscape table on [0, 1] in s."""
    return float((table[1] - table[0]) * (table.size - 1))


def level_tables(species: list, b: np.ndarray) -> np.ndarray:
    """(R, S, T) landscape tables: species a at level k is `landscape.tempered(b_k)`."""
    return np.ascontiguousarray(
        np.stack(
            [
                [land.table() if x == 1.0 else land.tempered(float(x)).table() for land in species]
                for x in b
            ]
        )
    )


def heatbath_tables(tables: np.ndarray, b: np.ndarray, bound: float, wanted: bool):
    """The heat-bath proposals per (level, species), for fields up to b_k * bound (the
    largest |h_i| any configuration can produce); a placeholder when the cycle has no
    heat-bath move."""
    R, S = tables.shape[:2]
    if not wanted:
        return HeatbathTable(np.zeros((R, S, 2, 2)), np.zeros((R, S, 2, 1)), np.ones((R, S, 1)))
    return build_heatbath_stack(tables, b * bound)


def box_phases(model) -> np.ndarray:
    """(3, n, 2): cos and sin of k_a r_j^a with k_a = 2 pi / L_a, the smallest wave vector
    along box axis a, for the structure factors chi(k_min) of docs/physics.md, "Order
    observables"; (0, 1, 2) for an open assembly (`model.box` None or absent)."""
    box = getattr(model, "box", None)
    if box is None:
        return NO_PHASES
    k = 2.0 * np.pi / np.asarray(box, dtype=float)
    arg = np.asarray(model.positions, dtype=float) * k[None, :]  # (n, 3)
    return np.ascontiguousarray(np.stack([np.cos(arg.T), np.sin(arg.T)], axis=-1))


def start_mask(start: str, chains: int) -> np.ndarray:
    """Which chains start ordered: none ("hot"), all ("ordered"), the second half ("both")."""
    mask = np.zeros(chains, dtype=bool)
    if start == "ordered":
        mask[:] = True
    elif start == "both":
        mask[chains // 2 :] = True
    return mask


class _Setup:
    """What does not change when the ladder does: couplings, species, the move cycle, the
    collective move's direction (`collective.soft_mode`, computed only when the cycle holds
    the move, as the default Metropolis cycle does: the top of the 3n-dimensional mean-field
    map's spectrum, to `collective.SOFT_TOL`, under a second up to n = 2048)."""

    def __init__(self, model, cycle, modes=None, pairs=False, ordered=None):
        self.n = model.n
        # chains that start ordered (all moments +z, |mu| = 1) instead of uniform in the balls
        self.ordered = np.zeros(0, dtype=bool) if ordered is None else np.asarray(ordered, bool)
        self.order = bool(pairs or not model.is_chain)
        self.modes = NO_MODES if modes is None else np.ascontiguousarray(modes, dtype=float)
        self.phases = box_phases(model)
        self.stotal = float(np.sum(model.scale))
        self.cpl = couplings_of(model)
        self.species, index = model.landscape_groups()
        self.species_index = np.ascontiguousarray(index, dtype=np.int64)
        self.cycle = cycle
        self.uses_heatbath = bool(np.any(cycle == HEATBATH))
        self.bound = field_bound(self.cpl) if self.uses_heatbath else 0.0
        self.soft = soft_mode(model) if np.any(cycle == COLLECTIVE) else NO_SOFT

    def target(self, b: np.ndarray) -> Target:
        tables = level_tables(self.species, b)
        hb = heatbath_tables(tables, b, self.bound, self.uses_heatbath)
        return Target(
            b,
            tables,
            self.species_index,
            hb,
            self.cpl,
            self.modes,
            self.phases,
            self.stotal,
            self.order,
            self.soft,
            level_slopes(self.species, b),
        )

    def soft_steps(self, target: Target) -> np.ndarray:
        """(R,) first collective steps per level (`collective.initial_soft_step`); zeros
        when the cycle has no collective move."""
        R = target.b.size
        if self.soft.v.shape[0] == 0:
            return np.zeros(R)
        slopes = [
            np.array([table_slope(target.tables[k, a]) for a in self.species_index])
            for k in range(R)
        ]
        return np.array([initial_soft_step(self.soft, slopes[k], target.b[k]) for k in range(R)])

    def state(self, target: Target, chains: int, rng: np.ndarray, start=None) -> EngineState:
        """Slot k at level k. `start` = (b, mu (chains, R', n, 3), delta (chains, R'),
        soft_delta (chains, R')) of an earlier ladder: level k starts from the
        configuration and steps of the earlier level nearest in log b; without it, from
        uniform points in the balls (the chains marked `ordered`: every moment (0, 0, 1),
        after the same draws, so that the other chains' streams do not depend on it)."""
        b, R, n = target.b, target.b.size, self.n
        state = EngineState(
            mu=np.zeros((chains, R, n, 3)),
            fld=np.zeros((chains, R, n, 3)),
            fcur=np.zeros((chains, R, n)),
            fsum=np.zeros((chains, R)),
            wint=np.zeros((chains, R)),
            rng=rng.reshape(chains, R + 1, 4),
            config_at=np.tile(np.arange(R, dtype=np.int64), (chains, 1)),
            label=np.zeros((chains, R), dtype=np.int64),
            side=np.zeros((chains, R), dtype=np.int64),
            delta=np.array([[initial_step(target.tables[k, 0]) for k in range(R)]] * chains),
            window=np.zeros(chains, dtype=np.int64),
            window_acc=np.zeros((chains, R), dtype=np.int64),
            drift=np.zeros((chains, 2)),
            soft_delta=np.tile(self.soft_steps(target), (chains, 1)),
            soft_window=np.zeros(chains, dtype=np.int64),
            soft_acc=np.zeros((chains, R), dtype=np.int64),
        )
        if start is None:
            init_uniform_ball(state.mu, state.rng)
            if self.ordered.any():
                state.mu[self.ordered] = (0.0, 0.0, 1.0)
        else:
            old_b, mu, delta, soft_delta = start
            near = np.abs(np.log(b)[:, None] - np.log(old_b)[None, :]).argmin(axis=1)
            state.mu[:] = mu[:, near]
            state.delta[:] = delta[:, near]
            state.soft_delta[:] = soft_delta[:, near]
        refresh_all(state, target)
        return state


def by_level(state: EngineState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mu, delta, soft_delta) of every chain ordered by level: (chains, R, n, 3),
    (chains, R), (chains, R)."""
    rows = np.arange(state.mu.shape[0])[:, None]
    mu = state.mu[rows, state.config_at].copy()
    return mu, state.delta.copy(), state.soft_delta.copy()


def tune(setup: _Setup, b_min: float, chains: int, seed: int, budget: int, progress=None, total=0):
    """Choose the production ladder in burn-in rounds (`ladder.tune_ladder`): round j runs
    TUNE_FIRST_SWEEPS * 2^j burn-in sweeps (steps adapted, nothing recorded) on its ladder
    and returns the measured swap rejection rates; as many rounds as fit in `budget`
    sweeps. Each round restarts its replicas from the previous round's configurations
    (nearest level in log b) with fresh streams from (seed, round), so the ladder depends
    on the seed alone. Returns (Tuned, start for the production state, sweeps used), or
    None when not even one round fits. `progress(done, total)` as in `sample`."""
    rounds = 0
    while rounds < TUNE_MAX_ROUNDS and TUNE_FIRST_SWEEPS * (2 ** (rounds + 1) - 1) <= budget:
        rounds += 1
    if rounds == 0:
        return None
    carried = {"start": None, "done": 0}

    def run_round(b, sweeps):
        j = len(history)
        R = b.size
        target = setup.target(np.asarray(b, dtype=float))
        rng = seed_states(seed, chains * (R + 1), key=(TUNE_KEY, j))
        state = setup.state(target, chains, rng, carried["start"])
        sched = Schedule(
            cycle=setup.cycle,
            burn=sweeps,
            batch_len=1,
            n_batches=1,
            thin=1,
            adapt_every=ADAPT_EVERY,
            refresh_every=REFRESH_EVERY,
            tunnel_level=TUNNEL_LEVEL,
            runs=move_runs(setup.cycle),
        )
        rec = Records(**allocate(chains, R, setup.n, 1, 0, level_draws=False))
        counters = _counters(chains, R)
        runner = ChunkRunner(sweeps, sweeps, _cost(chains, R, setup.n))
        done0 = carried["done"]
        if progress is not None:
            runner.progress = lambda done, _: progress(done0 + done, total)
        runner.run_timed(
            lambda first, count: over_chains(
                advance_chain, chains, state, target, sched, counters, rec, first, count
            )
        )
        carried["start"] = (target.b.copy(), *by_level(state))
        carried["done"] += sweeps
        history.append(j)
        att = counters.swap_att.sum(axis=0)
        return 1.0 - counters.swap_acc.sum(axis=0) / np.maximum(att, 1)

    history: list[int] = []
    tuned = ladders.tune_ladder(run_round, b_min, rounds=rounds, initial_sweeps=TUNE_FIRST_SWEEPS)
    return tuned, carried["start"], carried["done"]


def default_record_every(cycle: np.ndarray, n: int, R: int, pairs: bool) -> int:
    """record_every="auto": RECORD_EVERY_BY_N for one replica without pairs whose cycle is
    mostly displacement (at least half its sweeps) and has no heat-bath move; 1 otherwise.

    The displacement move is a random walk: m_z^2 stays correlated over more than two
    sweeps (2.7 on the weakly coupled dimer C = 1, K = 0.5, far longer near ordering), so
    recording one sweep in four loses little information per sweep while the sweeps run
    1.6x faster. A jump (independent proposals) or heat-bath sweep can decorrelate in
    about one sweep: leaving sweeps out of the record would lose effective samples, and
    the heat-bath sweep costs 5-10x more than recording it."""
    displacing = 2 * int(np.sum(cycle == DISPLACE)) >= cycle.size
    if R > 1 or pairs or not displacing or np.any(cycle == HEATBATH):
        return 1
    for largest, k in RECORD_EVERY_BY_N:
        if n <= largest:
            return k
    return 1


def _counters(chains: int, R: int) -> Counters:
    return Counters(
        proposals=np.zeros((chains, R, len(MOVES)), dtype=np.int64),
        accepted=np.zeros((chains, R, len(MOVES)), dtype=np.int64),
        swap_att=np.zeros((chains, max(R - 1, 1)), dtype=np.int64),
        swap_acc=np.zeros((chains, max(R - 1, 1)), dtype=np.int64),
        trips=np.zeros(chains, dtype=np.int64),
        tunnels=np.zeros(chains, dtype=np.int64),
    )


def _cost(chains: int, R: int, n: int) -> float:
    """A first guess at the seconds per sweep, for the first chunk's length."""
    return chains * R * n * max(n, 8) * 3e-9 + 1e-7 * R


def per_chain(values: np.ndarray, R: int) -> np.ndarray:
    """A copy of (chains, R, ...) per-level values as reported: (chains, R, ...) on a ladder,
    (chains, ...) with one replica (no level axis to carry)."""
    return values.copy() if R > 1 else values[:, 0].copy()


def run_engine(
    model,
    *,
    method: str,
    ladder: np.ndarray | None,
    cycle: np.ndarray,
    adapt: bool,
    sweeps: int,
    burn: int,
    chains: int,
    seed: int,
    thin: int,
    n_batches: int,
    progress=None,
    check_levels=None,
    modes=None,
    pairs: bool = False,
    start_kind: str = "hot",
    record_every: int | str = 1,
) -> SampleResult:
    """Run the engine. `ladder` None (tempering with default options): b_min from
    `ladder.default_b_min`, then `tune` in the first TUNE_SHARE of burn-in, unless `adapt` is False
    or burn-in is too short for one round (then 8 geometric levels, adapted as an explicit
    ladder is). `check_levels(R)` may refuse the run once R is known (memory). `pairs`
    (chains even): chains 2p and 2p + 1 run on one thread, block by block, and their
    overlaps are recorded after every production sweep (`kernels.advance_pair`); burn-in
    and ladder tuning are the same as without pairs, so every chain's trajectory is too.
    `start_kind` (`config.START_KINDS`): "hot" (every chain from uniform points in the
    balls), "ordered" (every moment (0, 0, 1)) or "both" (the first half of the chains
    hot, the second half ordered; `equilibration()` compares the halves). `record_every`
    (a positive int, or "auto": `default_record_every`) records production sweep p when
    p % record_every == 0 (`kernels.one_sweep`)."""
    setup = _Setup(model, cycle, modes, pairs, start_mask(start_kind, chains))
    n = model.n
    auto = ladder is None
    tuned, start, tuned_sweeps, b_min, tune_wall = None, None, 0, None, 0.0
    if auto:
        b_min = ladders.default_b_min(model)
        if adapt:
            t0 = time.perf_counter()
            out = tune(setup, b_min, chains, seed, int(burn * TUNE_SHARE), progress, burn + sweeps)
            tune_wall = time.perf_counter() - t0
            if out is not None:
                tuned, start, tuned_sweeps = out
        ladder = tuned.ladder if tuned is not None else ladders.geometric(8, b_min)
    b = np.array(ladder, dtype=float)
    R = b.size
    if check_levels is not None:
        check_levels(R)
    target = setup.target(b)
    rng = seed_states(seed, chains * (R + 1))
    state = setup.state(target, chains, rng, start)
    burn_all, burn = burn, burn - tuned_sweeps
    if progress is not None and tuned_sweeps:
        user_progress = progress

        def progress(done, total):
            user_progress(done + tuned_sweeps, total + tuned_sweeps)

    n_batches = min(n_batches, sweeps)
    if record_every == "auto":  # at most one batch long: every batch records a sweep
        record_every = min(default_record_every(cycle, n, R, pairs), sweeps // n_batches)
    n_draws = -(-sweeps // thin)
    sched = Schedule(
        cycle=cycle,
        burn=burn,
        batch_len=sweeps // n_batches,
        n_batches=n_batches,
        thin=thin,
        adapt_every=ADAPT_EVERY,
        refresh_every=REFRESH_EVERY,
        tunnel_level=TUNNEL_LEVEL,
        runs=move_runs(cycle),
        record_every=record_every,
    )
    records = allocate(
        chains, R, n, n_batches, n_draws, level_draws=R > 1, pairs=chains // 2 if pairs else 0
    )
    rec = Records(**records)
    counters = _counters(chains, R)
    adapting = adapt and R > 2 and tuned is None
    stops = (
        sorted({int(burn * f) for f in ADAPT_AT if 0 < int(burn * f) < burn}) if adapting else []
    )
    history = [b.copy()]
    current = {"target": target}

    def step(first, count):
        if pairs and first + count > burn:
            over_chains(
                advance_pair, chains // 2, state, current["target"], sched, counters, rec,
                first, count,
            )  # fmt: skip
        else:
            over_chains(
                advance_chain, chains, state, current["target"], sched, counters, rec, first,
                count,
            )  # fmt: skip
        end = first + count
        if end in stops:
            att = counters.swap_att.sum(axis=0)
            rejection = 1.0 - counters.swap_acc.sum(axis=0) / np.maximum(att, 1)
            new_b = ladders.equalise(current["target"].b, rejection)
            history.append(new_b.copy())
            current["target"] = setup.target(new_b)
            refresh_all(state, current["target"])
        if end == burn or end in stops:  # each adaptation round, and production, start afresh
            for arr in (counters.swap_att, counters.swap_acc, counters.trips, state.label):
                arr[:] = 0

    total = burn + sweeps
    runner = ChunkRunner(
        total,
        burn,
        cost_per_sweep=_cost(chains, R, n),
        progress=progress,
        stops=stops,
    )
    done, wall = runner.run_timed(step)
    interrupted = done < total
    wall += tune_wall
    done += tuned_sweeps
    b = current["target"].b
    prod_wall = (wall - tune_wall) * max(done - burn_all, 0) / max(done - tuned_sweeps, 1)
    proposals = counters.proposals.sum(axis=0)  # (R, moves)
    accepted = counters.accepted.sum(axis=0)
    local = [m for m in range(len(MOVES)) if m not in WHOLE]  # single-moment moves
    moves_used = sorted(set(cycle.tolist()))
    stats = RunStats(
        acceptance=float(accepted[0, local].sum() / max(proposals[0, local].sum(), 1)),
        move_acceptance={
            MOVES[m]: float(accepted[0, m] / max(proposals[0, m], 1)) for m in moves_used
        },
        moves=describe(cycle),
        step_size=per_chain(state.delta, R),
        collective_step=per_chain(state.soft_delta, R) if COLLECTIVE in moves_used else None,
        wall_seconds=wall,
        sweeps_per_second=per_second(chains * done, wall),
        proposals_per_second=per_second(chains * done * n * R, wall),
        tunnelling_events=counters.tunnels.copy(),
        tunnelling_per_second=per_second(counters.tunnels.sum(), prod_wall),
        tunnel_level=TUNNEL_LEVEL,
        max_energy_drift=float(state.drift[:, ENERGY_DRIFT].max()),
        max_field_drift=float(state.drift[:, FIELD_DRIFT].max()),
        production_sweeps=chains * max(done - burn_all, 0),
    )
    if R > 1:
        att = counters.swap_att.sum(axis=0)
        stats.ladder = b.copy()
        stats.ladder_history = np.array(history)
        stats.swap_acceptance = counters.swap_acc.sum(axis=0) / np.maximum(att, 1)
        stats.round_trips = counters.trips.copy()
        stats.round_trips_per_second = per_second(counters.trips.sum(), prod_wall)
        stats.Lambda = ladders.communication_barrier(1.0 - stats.swap_acceptance)
        stats.b_min_rule = "hottest_level" if auto else "given"
        if tuned is not None:
            stats.tuning_rounds = [
                {
                    "replicas": int(r.ladder.size),
                    "sweeps": int(r.sweeps),
                    "Lambda": float(r.Lambda),
                    "ladder": r.ladder.tolist(),
                    "rejection": r.rejection.tolist(),
                }
                for r in tuned.rounds
            ]
        if FLIP in moves_used:
            stats.flip_acceptance = accepted[:, FLIP] / np.maximum(proposals[:, FLIP], 1)
    settings = {
        "sweeps": sweeps,
        "burn": burn_all,
        "chains": chains,
        "seed": seed,
        "thin": thin,
        "n_batches": n_batches,
        "moves": describe(cycle),
        "critical_modes": int(setup.modes.shape[0]),
        "pairs": bool(pairs),
        "start": start_kind,
        "nematic": setup.order,
        "record_every": int(record_every),
    }
    if R > 1:
        settings.update(replicas=R, adapt=adapt, ladder="given")
        if auto:
            settings.update(ladder="tuned" if tuned is not None else "geometric", b_min=b_min)
    final = state.mu[np.arange(chains)[:, None], state.config_at]
    return SampleResult(
        model,
        method,
        settings,
        stats,
        records,
        ladder=b.copy(),
        extra={"final_mu": per_chain(final, R)},
        interrupted=interrupted,
    )


__all__ = [
    "ADAPT_EVERY",
    "RECORD_EVERY_BY_N",
    "REFRESH_EVERY",
    "TUNNEL_LEVEL",
    "default_record_every",
    "run_engine",
]
