"""The machinery every sampler backend shares (mcdimer/sampling/driver.py): chunked runs that
stop at fixed sweep numbers and honour Ctrl-C between chunks, chains over threads, typed
run statistics, and the names of the columns the kernels fill by position."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from mcdimer.sampling import driver
from mcdimer.sampling.driver import ChunkRunner, RunStats, over_chains, per_second


def _steps(runner: ChunkRunner):
    calls = []
    done = runner.run(lambda first, count: calls.append((first, count)))
    return done, calls


def test_chunks_cover_every_sweep_once_and_end_at_every_stop():
    runner = ChunkRunner(total=1000, burn=100, cost_per_sweep=0.25 / 64, stops=(250, 600))
    assert runner.size == 64  # CHUNK_SECONDS of measured cost per sweep
    done, calls = _steps(runner)
    assert done == 1000
    firsts = [f for f, _ in calls]
    assert firsts == sorted(firsts) and firsts[0] == 0
    assert all(a + c == b for (a, c), (b, _) in zip(calls, calls[1:], strict=False))
    assert sum(c for _, c in calls) == 1000
    ends = {f + c for f, c in calls}
    assert {100, 250, 600, 1000} <= ends  # burn and the stops are chunk boundaries


def test_chunk_length_follows_the_measured_speed_at_most_fourfold():
    runner = ChunkRunner(total=10_000, burn=0, cost_per_sweep=1.0)  # claims 1 s per sweep
    assert runner.size == 1
    _, calls = _steps(runner)  # each chunk takes ~0 s: grows 4x per chunk, no more
    sizes = [c for _, c in calls]
    assert sizes[:4] == [1, 4, 16, 64]


def test_ctrl_c_in_a_chunk_keeps_that_chunk_and_stops():
    runner = ChunkRunner(total=1000, burn=0, cost_per_sweep=0.25 / 10)
    calls = []

    def step(first, count):
        calls.append((first, count))
        if len(calls) == 2:
            raise KeyboardInterrupt

    first, count = 10, 40  # 10 sweeps, then a chunk 4x as long, interrupted
    assert runner.run(step) == first + count  # a kernel call cannot be cut: it is whole
    assert calls == [(0, 10), (first, count)]


def test_interrupt_during_burn_in_raises_and_after_it_warns():
    def interrupt_at_call(k):
        calls = []

        def step(first, count):
            calls.append(first)
            if len(calls) == k:
                raise KeyboardInterrupt

        return step

    # chunks of 10, 40 (to the end of burn-in at 50), then 160 (4x the last one)
    with pytest.raises(KeyboardInterrupt):
        ChunkRunner(100, 50, 0.25 / 10).run_timed(interrupt_at_call(1))
    with pytest.raises(KeyboardInterrupt):  # burn-in complete, no production: nothing kept
        ChunkRunner(100, 50, 0.25 / 10).run_timed(interrupt_at_call(2))
    with pytest.warns(RuntimeWarning, match="interrupted after 210 of 1000 sweeps"):
        done, wall = ChunkRunner(1000, 50, 0.25 / 10).run_timed(interrupt_at_call(3))
    assert done == 210 and wall >= 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ChunkRunner(100, 50, 0.25 / 10).run_timed(lambda f, c: None)[0] == 100


def test_over_chains_calls_every_chain_once_on_threads(monkeypatch):
    seen, lock = [], threading.Lock()

    def work(c, scale):
        with lock:
            seen.append(c * scale)

    monkeypatch.setattr(driver.numba, "get_num_threads", lambda: 3)
    over_chains(work, 7, 10)
    assert sorted(seen) == [0, 10, 20, 30, 40, 50, 60]
    seen.clear()
    monkeypatch.setattr(driver.numba, "get_num_threads", lambda: 1)
    over_chains(work, 3, 1)
    assert seen == [0, 1, 2]  # one thread: in order, in this thread


def test_over_chains_reraises_what_a_chain_raised(monkeypatch):
    monkeypatch.setattr(driver.numba, "get_num_threads", lambda: 2)

    def work(c):
        if c == 1:
            raise ValueError("chain 1")

    with pytest.raises(ValueError, match="chain 1"):
        over_chains(work, 2)


def test_per_second_is_nan_without_elapsed_time():
    assert per_second(10, 2.0) == 5.0
    assert np.isnan(per_second(10, 0.0))


def test_run_stats_read_like_a_dict_and_split_timings_from_the_seeded_values():
    stats = RunStats(
        acceptance=0.5,
        tunnelling_events=np.array([1, 2]),
        tunnel_level=0.5,
        wall_seconds=1.5,
        sweeps_per_second=100.0,
    )
    assert stats["acceptance"] == 0.5 and stats.get("ladder") is None
    assert "round_trips" in stats and "nonsense" not in stats
    assert stats.get("nonsense", 3) == 3
    with pytest.raises(KeyError):
        stats["nonsense"]
    assert set(stats.timings()) == set(RunStats.TIMING_KEYS)
    assert not set(stats.deterministic()) & set(RunStats.TIMING_KEYS)
    assert set(stats.deterministic()) | set(stats.timings()) == set(stats.keys())


def test_named_columns_match_the_records_they_name():
    """draw_stats and the engine's drift are filled by position in the kernels; these
    names are the positions (observables.allocate makes draw_stats that wide)."""
    from mcdimer.sampling.observables import allocate

    assert driver.DRAW_STATS[driver.ACCEPTANCE] == "acceptance"
    assert driver.DRAW_STATS[driver.SWAP_ACCEPTANCE] == "swap_acceptance"
    assert driver.DRIFTS[driver.ENERGY_DRIFT] == "energy"
    assert driver.DRIFTS[driver.FIELD_DRIFT] == "field"
    records = allocate(2, 1, 3, 4, 5, level_draws=False)
    assert records["draw_stats"].shape == (2, 5, len(driver.DRAW_STATS))
