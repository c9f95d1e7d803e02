"""Machinery every sampler backend shares: chunked runs with Ctrl-C, timing, typed stats.

Kernels run in chunks of about CHUNK_SECONDS so that Ctrl-C is honoured between calls.
Chunk lengths come from measured speed, so they vary with load; that is harmless because
the engine keeps every counter of the trajectory in its state and refreshes its running
energies at fixed sweep numbers: a trajectory depends on the seed, never on the chunking.
"""

from __future__ import annotations

import time
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field

import numba
import numpy as np

from .kernels import DRIFTS, ENERGY_DRIFT, FIELD_DRIFT
from .observables import ACCEPTANCE, DRAW_STATS, SWAP_ACCEPTANCE

CHUNK_SECONDS = 0.25


# Named columns of the arrays the kernels fill by position, defined where the kernels read
# them and re-exported here: records["draw_stats"][c, d, :] (DRAW_STATS) and the engine
# state's drift[c, :] (DRIFTS).
class ChunkRunner:
    """Runs `step(first, count)` over `total` sweeps in chunks; every sweep number in
    `stops` (and `burn`) is a chunk boundary, where `step` may change the ladder."""

    def __init__(self, total: int, burn: int, cost_per_sweep: float, progress=None, stops=()):
        self.total, self.burn = total, burn
        self.stops = sorted(set(stops) | {burn})
        self.size = max(1, int(CHUNK_SECONDS / max(cost_per_sweep, 1e-12)))
        self.progress = progress
        self.seconds = CHUNK_SECONDS

    def run(self, step) -> int:
        """Sweeps completed; stops early (without raising) on Ctrl-C between chunks.

        A kernel call cannot be interrupted, so Python sees the signal when the chunk
        returns: the chunk's sweeps are complete and recorded.
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
                if dt > 0:  # aim at `seconds` from this chunk's speed, at most 4x longer
                    self.size = max(1, int(count * min(4.0, self.seconds / dt)))
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


def over_chains(func, chains: int, *args) -> None:
    """func(c, *args) for every chain c, on numba.get_num_threads() threads (func must
    release the GIL: a `nogil` kernel). Ctrl-C while waiting lets the running calls finish,
    so the records are whole, then re-raises."""
    threads = min(numba.get_num_threads(), chains)
    if threads <= 1:
        for c in range(chains):
            func(c, *args)
        return
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(func, c, *args) for c in range(chains)]
        try:
            wait(futures)
        except KeyboardInterrupt:
            wait(futures)
            raise
        for f in futures:
            f.result()


def warn_interrupted(done: int, total: int) -> None:
    warnings.warn(
        f"sampling interrupted after {done} of {total} sweeps: the result holds the "
        "completed production sweeps only",
        RuntimeWarning,
        stacklevel=4,
    )


def per_second(count: float, seconds: float) -> float:
    return float(count / seconds) if seconds > 0 else float("nan")


@dataclass
class RunStats:
    """What a run measured about itself. Wall-clock figures are listed in TIMING_KEYS
    (they differ between identical runs); everything else is determined by the seed."""

    TIMING_KEYS = (
        "wall_seconds",
        "sweeps_per_second",
        "proposals_per_second",
        "round_trips_per_second",
        "tunnelling_per_second",
        "log_prob_evaluations_per_second",
    )

    acceptance: float
    tunnelling_events: np.ndarray
    tunnel_level: float
    wall_seconds: float
    sweeps_per_second: float
    tunnelling_per_second: float = float("nan")
    proposals_per_second: float = float("nan")
    move_acceptance: dict = field(default_factory=dict)
    moves: list = field(default_factory=list)
    step_size: np.ndarray | None = None
    # the collective move's adapted step per chain (and level, with a ladder); None
    # without the move
    collective_step: np.ndarray | None = None
    max_energy_drift: float = float("nan")
    max_field_drift: float = float("nan")
    # production sweeps completed, summed over chains (the compiled engine; None: emcee);
    # records["counts"] holds the recorded ones, fewer when settings["record_every"] > 1
    production_sweeps: int | None = None
    # tempering only
    ladder: np.ndarray | None = None
    ladder_history: np.ndarray | None = None
    swap_acceptance: np.ndarray | None = None
    round_trips: np.ndarray | None = None
    round_trips_per_second: float = float("nan")
    # the communication barrier sum_k (1 - swap acceptance_k) measured in production
    # (Syed et al. 2022; `ladder.communication_barrier`)
    Lambda: float = float("nan")
    b_min_rule: str | None = None  # "hottest_level" (default ladder) or "given"
    # default ladder: per tuning round, replicas, sweeps, Lambda, ladder, rejection rates
    tuning_rounds: list | None = None
    flip_acceptance: np.ndarray | None = None
    # emcee only
    log_prob_evaluations_per_second: float = float("nan")

    def to_dict(self) -> dict:
        return asdict(self)

    def timings(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.TIMING_KEYS}

    def deterministic(self) -> dict:
        return {k: v for k, v in self.to_dict().items() if k not in self.TIMING_KEYS}

    # read like the dict it replaces: result.stats["ladder"]
    def __getitem__(self, key):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key, default=None):
        return getattr(self, key, default) if key in self.__dataclass_fields__ else default

    def keys(self):
        return self.__dataclass_fields__.keys()

    def __contains__(self, key) -> bool:
        return key in self.__dataclass_fields__


__all__ = [
    "ACCEPTANCE",
    "DRAW_STATS",
    "DRIFTS",
    "ENERGY_DRIFT",
    "FIELD_DRIFT",
    "SWAP_ACCEPTANCE",
    "ChunkRunner",
    "RunStats",
    "over_chains",
    "per_second",
    "warn_interrupted",
]
