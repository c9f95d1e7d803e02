"""Run the compiled engine on a model: allocate state, drive chunks, adapt the ladder.

Plain Metropolis is `run_engine` with the ladder [1.0]; parallel tempering passes a ladder
of R >= 2 levels (adapted during burn-in when `adapt`, then frozen). Both produce the same
`SampleResult`, with every level's observables recorded.
"""

from __future__ import annotations

import numpy as np

from . import ladder as ladders
from .couplings import couplings_of, field_bound
from .driver import ChunkRunner, RunStats, over_chains, per_second
from .heatbath import HeatbathTable, build_heatbath_table, stack_tables
from .kernels import (
    Counters,
    EngineState,
    Records,
    Schedule,
    Target,
    advance_chain,
    init_uniform_ball,
    refresh_all,
)
from .moves import DISPLACE, FLIP, HEATBATH, MOVES, describe
from .observables import allocate
from .result import SampleResult
from .rng import seed_states

ADAPT_EVERY = 20  # displacement sweeps between step-size updates during burn-in
REFRESH_EVERY = 256  # sweeps between exact recomputations of running energies and fields
TUNNEL_LEVEL = 0.5  # |m^z| that counts as being in an ordered state
ADAPT_AT = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4)  # fractions of burn-in where the ladder adapts


def initial_step(table: np.ndarray) -> float:
    """A first displacement half-width from the landscape's curvature at |mu| = 0."""
    stiffness = max((table[1] - table[0]) * (table.size - 1), 0.0)  # f ~ C s near 0
    return float(min(1.0, 1.5 / np.sqrt(2.0 * stiffness + 1.0)))


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
    return stack_tables(
        [[build_heatbath_table(tables[k, a], b[k] * bound) for a in range(S)] for k in range(R)]
    )


def run_engine(
    model,
    *,
    method: str,
    ladder: np.ndarray,
    cycle: np.ndarray,
    adapt: bool,
    sweeps: int,
    burn: int,
    chains: int,
    seed: int,
    thin: int,
    n_batches: int,
    progress=None,
) -> SampleResult:
    b = np.array(ladder, dtype=float)
    R, n = b.size, model.n
    cpl = couplings_of(model)
    species, species_index = model.landscape_groups()
    species_index = np.ascontiguousarray(species_index, dtype=np.int64)
    uses_heatbath = bool(np.any(cycle == HEATBATH))
    bound = field_bound(cpl) if uses_heatbath else 0.0
    tables = level_tables(species, b)
    target = Target(b, tables, species_index, heatbath_tables(tables, b, bound, uses_heatbath), cpl)

    rng = seed_states(seed, chains * (R + 1)).reshape(chains, R + 1, 4)
    state = EngineState(
        mu=np.zeros((chains, R, n, 3)),
        fld=np.zeros((chains, R, n, 3)),
        fcur=np.zeros((chains, R, n)),
        fsum=np.zeros((chains, R)),
        wint=np.zeros((chains, R)),
        rng=rng,
        config_at=np.tile(np.arange(R, dtype=np.int64), (chains, 1)),
        label=np.zeros((chains, R), dtype=np.int64),
        side=np.zeros((chains, R), dtype=np.int64),
        delta=np.array([[initial_step(tables[k, 0]) for k in range(R)]] * chains),
        window=np.zeros(chains, dtype=np.int64),
        window_acc=np.zeros((chains, R), dtype=np.int64),
        drift=np.zeros((chains, 2)),
    )
    init_uniform_ball(state.mu, state.rng)
    refresh_all(state, target)

    n_batches = min(n_batches, sweeps)
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
    )
    records = allocate(chains, R, n, n_batches, n_draws, level_draws=R > 1)
    rec = Records(**records)
    counters = Counters(
        proposals=np.zeros((chains, R, len(MOVES)), dtype=np.int64),
        accepted=np.zeros((chains, R, len(MOVES)), dtype=np.int64),
        swap_att=np.zeros((chains, max(R - 1, 1)), dtype=np.int64),
        swap_acc=np.zeros((chains, max(R - 1, 1)), dtype=np.int64),
        trips=np.zeros(chains, dtype=np.int64),
        tunnels=np.zeros(chains, dtype=np.int64),
    )
    adapting = adapt and R > 2
    stops = (
        sorted({int(burn * f) for f in ADAPT_AT if 0 < int(burn * f) < burn}) if adapting else []
    )
    history = [b.copy()]
    current = {"target": target}

    def step(first, count):
        over_chains(
            advance_chain, chains, state, current["target"], sched, counters, rec, first, count
        )
        end = first + count
        if end in stops:
            att = counters.swap_att.sum(axis=0)
            rejection = 1.0 - counters.swap_acc.sum(axis=0) / np.maximum(att, 1)
            new_b = ladders.equalise(current["target"].b, rejection)
            history.append(new_b.copy())
            new_tables = level_tables(species, new_b)
            current["target"] = Target(
                new_b,
                new_tables,
                species_index,
                heatbath_tables(new_tables, new_b, bound, uses_heatbath),
                cpl,
            )
            refresh_all(state, current["target"])
        if end == burn or end in stops:  # each adaptation round, and production, start afresh
            for arr in (counters.swap_att, counters.swap_acc, counters.trips, state.label):
                arr[:] = 0

    total = burn + sweeps
    runner = ChunkRunner(
        total,
        burn,
        cost_per_sweep=chains * R * n * max(n, 8) * 3e-9 + 1e-7 * R,
        progress=progress,
        stops=stops,
    )
    done, wall = runner.run_timed(step)
    interrupted = done < total
    b = current["target"].b
    prod_wall = wall * max(done - burn, 0) / max(done, 1)
    proposals = counters.proposals.sum(axis=0)  # (R, moves)
    accepted = counters.accepted.sum(axis=0)
    local = [m for m in range(len(MOVES)) if m != FLIP]
    moves_used = sorted(set(cycle.tolist()))
    stats = RunStats(
        acceptance=float(accepted[0, local].sum() / max(proposals[0, local].sum(), 1)),
        move_acceptance={
            MOVES[m]: float(accepted[0, m] / max(proposals[0, m], 1)) for m in moves_used
        },
        moves=describe(cycle),
        step_size=state.delta.copy() if R > 1 else state.delta[:, 0].copy(),
        wall_seconds=wall,
        sweeps_per_second=per_second(chains * done, wall),
        proposals_per_second=per_second(chains * done * n * R, wall),
        tunnelling_events=counters.tunnels.copy(),
        tunnelling_per_second=per_second(counters.tunnels.sum(), prod_wall),
        tunnel_level=TUNNEL_LEVEL,
        max_energy_drift=float(state.drift[:, 0].max()),
        max_field_drift=float(state.drift[:, 1].max()),
    )
    if R > 1:
        att = counters.swap_att.sum(axis=0)
        stats.ladder = b.copy()
        stats.ladder_history = np.array(history)
        stats.swap_acceptance = counters.swap_acc.sum(axis=0) / np.maximum(att, 1)
        stats.round_trips = counters.trips.copy()
        stats.round_trips_per_second = per_second(counters.trips.sum(), prod_wall)
        if FLIP in moves_used:
            stats.flip_acceptance = accepted[:, FLIP] / np.maximum(proposals[:, FLIP], 1)
    settings = {
        "sweeps": sweeps,
        "burn": burn,
        "chains": chains,
        "seed": seed,
        "thin": thin,
        "n_batches": n_batches,
        "moves": describe(cycle),
    }
    if R > 1:
        settings.update(replicas=R, adapt=adapt)
    final = state.mu[np.arange(chains)[:, None], state.config_at]
    return SampleResult(
        model,
        method,
        settings,
        stats,
        records,
        ladder=b.copy(),
        extra={"final_mu": final[:, 0].copy() if R == 1 else final.copy()},
        interrupted=interrupted,
    )


__all__ = ["ADAPT_EVERY", "DISPLACE", "REFRESH_EVERY", "TUNNEL_LEVEL", "run_engine"]
