"""Driver of parallel tempering: ladder, per-replica landscapes, chunks, result."""

from __future__ import annotations

import numpy as np

from ..model import Chain
from . import kernels
from . import ladder as ladders
from .metropolis import ADAPT_EVERY, TUNNEL_LEVEL, ChunkRunner, couplings, initial_step
from .observables import allocate, as_tuple
from .result import SampleResult
from .rng import seed_states

ENERGY_BINS = 2048
ADAPT_AT = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4)  # fractions of burn-in where the ladder adapts


def energy_range(model: Chain, table: np.ndarray) -> tuple[float, float]:
    """Bounds of beta E over the balls: n f in [min f, max f], |W| <= n|h| + |K| sum 2/|i-j|^3."""
    n = model.n
    k = np.arange(1, n)
    dip = abs(model.K) * float(np.sum(2.0 * (n - k) / k**3))
    zee = n * float(np.linalg.norm(model.h))
    return n * float(table.min()) - zee - dip, n * float(table.max()) + zee + dip


def run_tempering(
    model: Chain,
    *,
    sweeps,
    burn,
    chains,
    seed,
    thin,
    n_batches,
    jump_every,
    ladder,
    adapt,
    flip,
    progress=None,
) -> SampleResult:
    from .tempering_kernels import tempering_chunk

    b = np.array(ladder, dtype=float)  # validated by `sample`: 1 = b_1 > ... > b_R > 0
    R, n = b.size, model.n
    h = np.array(model.h, dtype=float)
    cpl = couplings(model)

    def make_tables(b):
        return np.ascontiguousarray(
            np.stack(
                [
                    model.landscape.tempered(float(x)).table()
                    if x != 1.0
                    else model.landscape.table()
                    for x in b
                ]
            )
        )

    tables = make_tables(b)
    rng = seed_states(seed, chains * (R + 1)).reshape(chains, R + 1, 4)
    mu = np.zeros((chains, R, n, 3))
    for c in range(chains):
        kernels.init_uniform_ball(mu[c], rng[c, :R].copy())
    fld = np.zeros_like(mu)
    fsum = np.zeros((chains, R))
    wint = np.zeros((chains, R))
    config_at = np.tile(np.arange(R), (chains, 1))
    label = np.zeros((chains, R), dtype=np.int64)

    def refresh():
        """Exact fields, sum f under each slot's current level, W (also resets round-off)."""
        drift = 0.0
        for c in range(chains):
            for lev in range(R):
                m = config_at[c, lev]
                kernels.full_field(mu[c, m], h, cpl, fld[c, m])
                f = kernels.landscape_sum(mu[c, m], tables[lev])
                w = kernels.interaction_energy(mu[c, m], h, cpl)
                drift = max(drift, abs(f - fsum[c, m]) + abs(w - wint[c, m]))
                fsum[c, m], wint[c, m] = f, w
        return drift

    refresh()
    delta = np.array([[initial_step(tables[k]) for k in range(R)] for _ in range(chains)])
    n_batches = min(n_batches, sweeps)
    batch_len = sweeps // n_batches
    n_draws = -(-sweeps // thin)
    acc = allocate(chains, n, n_batches, n_draws)
    draw_slot = np.zeros((chains, n_draws), dtype=np.int64)
    side = np.zeros(chains, dtype=np.int64)
    tunnels = np.zeros(chains, dtype=np.int64)
    swap_att = np.zeros((chains, max(R - 1, 1)), dtype=np.int64)
    swap_acc = np.zeros_like(swap_att)
    trips = np.zeros(chains, dtype=np.int64)
    flip_acc = np.zeros((chains, R), dtype=np.int64)
    e_lo, e_hi = energy_range(model, tables[0])
    e_hist = np.zeros((chains, R, ENERGY_BINS), dtype=np.int64)
    e_sums = np.zeros((chains, R, 2))
    state = {"drift": 0.0, "b": b, "history": [b.copy()]}

    stops = sorted({int(burn * f) for f in ADAPT_AT if 0 < int(burn * f) < burn}) if adapt else []

    def step(first, count):
        schedule = (ADAPT_EVERY, first, burn, batch_len, n_batches, thin, TUNNEL_LEVEL)
        tempering_chunk(
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
            state["b"],
            h,
            cpl,
            jump_every,
            flip,
            count,
            schedule,
            (swap_att, swap_acc, trips, flip_acc),
            (e_lo, e_hi, e_hist, e_sums),
            as_tuple(acc),
            draw_slot,
        )
        end = first + count
        state["drift"] = max(state["drift"], refresh())
        if adapt and end in stops:
            att = swap_att.sum(axis=0)
            rej = 1.0 - swap_acc.sum(axis=0) / np.maximum(att, 1)
            state["b"] = ladders.equalise(state["b"], rej)
            state["history"].append(state["b"].copy())
            tables[:] = make_tables(state["b"])
            refresh()  # sum f of every slot under its level's new table
        if end == burn or (adapt and end in stops):
            swap_att[:] = 0  # each adaptation round, and production, start afresh
            swap_acc[:] = 0
            trips[:] = 0
            label[:] = 0

    total = burn + sweeps
    runner = ChunkRunner(
        total,
        burn,
        cost_per_sweep=chains * R * n * max(n, 8) * 3e-9 + 1e-6,
        progress=progress,
        stops=stops,
    )
    done, wall = runner.run_timed(step)
    interrupted = done < total
    prod = int(acc["counts"].sum())
    prod_wall = wall * max(done - burn, 0) / max(done, 1)
    att = swap_att.sum(axis=0)
    stats = {
        "acceptance": float(acc["accepted"].sum() / max(prod * n, 1)),
        "step_size": delta.copy(),
        "wall_seconds": wall,
        "sweeps_per_second": chains * done / wall if wall > 0 else np.nan,
        "proposals_per_second": chains * done * n * R / wall if wall > 0 else np.nan,
        "ladder": state["b"].copy(),
        "ladder_history": np.array(state["history"]),
        "swap_acceptance": swap_acc.sum(axis=0) / np.maximum(att, 1),
        "round_trips": trips.copy(),
        "round_trips_per_second": float(trips.sum() / prod_wall) if prod_wall > 0 else np.nan,
        "tunnelling_events": tunnels.copy(),
        "tunnelling_per_second": float(tunnels.sum() / prod_wall) if prod_wall > 0 else np.nan,
        "tunnel_level": TUNNEL_LEVEL,
        "flip_acceptance": flip_acc.sum(axis=0) / max(prod, 1) if flip else None,
        "max_energy_drift": state["drift"],
    }
    settings = {
        "sweeps": sweeps,
        "burn": burn,
        "chains": chains,
        "seed": seed,
        "thin": thin,
        "n_batches": n_batches,
        "jump_every": jump_every,
        "replicas": R,
        "adapt": adapt,
        "flip": flip,
    }
    edges = np.linspace(e_lo, e_hi, ENERGY_BINS + 1)
    extra = {
        "energy_hist": e_hist.sum(axis=0),  # (R, bins): beta E at b = 1, sampled at each b_k
        "energy_edges": edges,
        "energy_sums": e_sums.sum(axis=0) / max(prod, 1),
        "draw_stats": {"replica": draw_slot},
        "final_mu": mu[np.arange(chains)[:, None], config_at].copy(),
    }
    return SampleResult(
        model, "tempering", settings, stats, acc, extra=extra, interrupted=interrupted
    )
