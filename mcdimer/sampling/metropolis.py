"""Driver of the Metropolis kernels: allocate, run in short chunks, package the result."""

from __future__ import annotations

import time

import numpy as np

from ..model import Chain
from . import kernels
from .observables import allocate, as_tuple
from .result import SampleResult, warn_interrupted
from .rng import seed_states

ADAPT_EVERY = 20  # sweeps between step-size updates during burn-in
TARGET_ACCEPTANCE = 0.4
CHUNK_SECONDS = 0.25  # a kernel call never runs much longer: Ctrl-C is honoured between calls
TUNNEL_LEVEL = 0.5  # |m^z| that counts as being in an ordered state


def couplings(model: Chain) -> np.ndarray:
    """cpl[k] = K/k^3 for k = 1..n-1, cpl[0] = 0: the chain's dipolar couplings (Eq. (B5))."""
    k = np.arange(model.n, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(k > 0, model.K / k**3, 0.0)


def initial_step(table: np.ndarray) -> float:
    """A first displacement half-width from the landscape's curvature at |mu| = 0."""
    stiffness = max((table[1] - table[0]) * (table.size - 1), 0.0)  # f ~ C s near 0
    return float(min(1.0, 1.5 / np.sqrt(2.0 * stiffness + 1.0)))


class ChunkRunner:
    """Runs a kernel over a known number of sweeps in chunks of ~CHUNK_SECONDS.

    The burn-in/production boundary and every sweep number in `stops` are chunk
    boundaries (the tempering ladder adapts there); `step(first, count)`
    must advance every chain by `count` sweeps starting at sweep `first`.
    """

    def __init__(self, total: int, burn: int, cost_per_sweep: float, progress=None, stops=()):
        self.total, self.burn = total, burn
        self.stops = sorted(set(stops) | {burn})
        self.size = max(1, int(CHUNK_SECONDS / max(cost_per_sweep, 1e-12)))
        self.progress = progress

    def run(self, step) -> int:
        """Sweeps completed; stops early (without raising) on Ctrl-C between chunks.

        A kernel call cannot be interrupted, so Python sees the signal when the chunk
        returns: the chunk's sweeps are complete and accumulated.
        """
        done = 0
        try:
            while done < self.total:
                limit = next((s for s in self.stops if s > done), self.total)
                count = min(self.size, limit - done)
                t0 = time.perf_counter()
                try:
                    step(done, count)
                except KeyboardInterrupt:
                    return done + count
                dt = time.perf_counter() - t0
                if dt > 0:  # aim at CHUNK_SECONDS from this chunk's speed, at most 4x longer
                    self.size = max(1, int(count * min(4.0, CHUNK_SECONDS / dt)))
                done += count
                if self.progress is not None:
                    self.progress(done, self.total)
        except KeyboardInterrupt:
            pass
        return done

    def run_timed(self, step) -> tuple[int, float]:
        """(sweeps done, wall seconds) of run(); Ctrl-C during burn-in re-raises (nothing
        to keep), later it warns and keeps the completed production sweeps."""
        t0 = time.perf_counter()
        done = self.run(step)
        wall = time.perf_counter() - t0
        if done < self.total:
            if done <= self.burn:
                raise KeyboardInterrupt
            warn_interrupted(done, self.total)
        return done, wall


def run_metropolis(
    model: Chain, *, sweeps, burn, chains, seed, thin, n_batches, jump_every, progress=None
) -> SampleResult:
    n = model.n
    table = model.landscape.table()
    h = np.array(model.h, dtype=float)
    cpl = couplings(model)
    rng = seed_states(seed, chains)
    mu = np.zeros((chains, n, 3))
    kernels.init_uniform_ball(mu, rng)
    fld = np.zeros_like(mu)
    energy = np.zeros(chains)
    for c in range(chains):
        kernels.full_field(mu[c], h, cpl, fld[c])
        energy[c] = kernels.full_energy(mu[c], table, 1.0, h, cpl)
    delta = np.full(chains, initial_step(table))
    n_batches = min(n_batches, sweeps)
    batch_len = sweeps // n_batches
    n_draws = -(-sweeps // thin)
    acc = allocate(chains, n, n_batches, n_draws)
    side = np.zeros(chains, dtype=np.int64)
    tunnels = np.zeros(chains, dtype=np.int64)
    drift = {"energy": 0.0, "field": 0.0}
    scratch = np.zeros((n, 3))

    def step(first, count):
        schedule = (ADAPT_EVERY, first, burn, batch_len, n_batches, thin, TUNNEL_LEVEL)
        kernels.metropolis_chunk(
            mu,
            fld,
            energy,
            rng,
            delta,
            side,
            tunnels,
            table,
            h,
            cpl,
            jump_every,
            count,
            schedule,
            as_tuple(acc),
        )
        # Debug check and reset of round-off: running energy and fields vs recomputation.
        for c in range(chains):
            kernels.full_field(mu[c], h, cpl, scratch)
            drift["field"] = max(drift["field"], float(np.abs(scratch - fld[c]).max()))
            fld[c] = scratch
            e = kernels.full_energy(mu[c], table, 1.0, h, cpl)
            drift["energy"] = max(drift["energy"], abs(e - energy[c]))
            energy[c] = e

    total = burn + sweeps
    runner = ChunkRunner(
        total, burn, cost_per_sweep=chains * n * max(n, 8) * 3e-9 + 1e-7, progress=progress
    )
    done, wall = runner.run_timed(step)
    interrupted = done < total
    prod = int(acc["counts"].sum())
    stats = {
        "acceptance": float(acc["accepted"].sum() / max(prod * n, 1)),
        "step_size": delta.copy(),
        "wall_seconds": wall,
        "sweeps_per_second": chains * done / wall if wall > 0 else float("nan"),
        "proposals_per_second": chains * done * n / wall if wall > 0 else float("nan"),
        "tunnelling_events": tunnels.copy(),
        "tunnel_level": TUNNEL_LEVEL,
        "max_energy_drift": drift["energy"],
        "max_field_drift": drift["field"],
    }
    settings = {
        "sweeps": sweeps,
        "burn": burn,
        "chains": chains,
        "seed": seed,
        "thin": thin,
        "n_batches": n_batches,
        "jump_every": jump_every,
    }
    return SampleResult(
        model,
        "metropolis",
        settings,
        stats,
        acc,
        interrupted=interrupted,
        extra={"final_mu": mu.copy()},
    )
