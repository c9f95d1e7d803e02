"""The sweep runner: spec -> points -> compute_point -> store, on any Executor.

One mechanism for one point and for ten thousand: `run_sweep` checks which point files
already exist (resume), warms the Numba cache in this process, submits the remaining
points to a `concurrent.futures.Executor` (a spawn-context process pool by default,
dask.distributed's `Client.get_executor()`, mpi4py.futures' `MPIPoolExecutor`, ...),
writes each point as its result arrives, and merges the sweep when all points exist (not
again when sweep.nc holds every point file as it is: `store.unchanged_points`).
Points are computed by `run_one`, a module-level function: any executor can pickle it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path

import numba
from tqdm import tqdm
from tqdm.auto import tqdm as tqdm_auto

from .. import exact
from ..sampling import sample
from ..sampling.moves import MOVES
from . import store
from .compute import check_available, compute_point
from .lock import OutLock
from .points import Point, model_at, points
from .spec import Spec

_slot = None  # this worker's progress-bar line (process-pool workers only)


# Set by the CLI's Ctrl-C / SIGTERM handler: checked after every point, so an interrupt
# that Python swallowed inside a finalizer still stops the run.
STOP = threading.Event()


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """Exit this worker as soon as its parent is gone (re-parented: getppid changes).

    A pool worker otherwise outlives a parent killed by SIGKILL for as long as its point
    runs, holding the resource tracker with it."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def _init_worker(counter) -> None:
    """Process-pool initializer: single-threaded Numba, a progress-bar line, Ctrl-C left to
    the parent (which stops the pool: no worker tracebacks), exit when the parent dies.

    tqdm's write lock is a thread lock here: its default, a multiprocessing lock, is a
    named semaphore registered with the parent's resource tracker, and a worker the parent
    terminates (Ctrl-C, SIGTERM) never unregisters it: the tracker would print a "leaked
    semaphore" warning after the run's last line."""
    global _slot
    tqdm.set_lock(threading.RLock())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    numba.set_num_threads(1)
    with counter.get_lock():
        _slot = counter.value
        counter.value += 1


def run_one(spec: Spec, point: Point, threads: int | None = 1):
    """Compute one point (in whatever process the executor chose).

    threads: Numba threads for this task (set explicitly: set_num_threads is per thread,
    and a Dask worker thread has not run our initializer); None keeps the default."""
    if threads is not None:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    position = None if _slot is None else _slot + 1
    if threads is None:
        position = 1
    return point.index, compute_point(spec, point, position)


def warm_up(spec: Spec) -> None:
    """Compile (or load from the on-disk cache) the kernels this spec needs, here, before
    workers start: many processes then load the cache instead of compiling at once."""
    if spec.kind not in ("sample", "compare", "exact"):
        return
    # the first point with something to sample (a microscopic realisation may have nothing)
    models = (model_at(spec, p) for p in points(spec))
    model = next((m for m in models if m is not None), None)
    if model is None:
        return
    if spec.kind in ("exact", "compare"):
        exact.expect(model)
    if spec.kind in ("sample", "compare"):
        kw = spec.method.sample_kwargs()
        if spec.method.name != "emcee" and ("moves" in kw or "jump_every" in kw):
            # the same kernels on a short cycle of the spec's distinct moves: a long cycle
            # could not be traversed the 10 times the samplers ask for in 80 sweeps
            cycle = spec.method.sampler().cycle()
            kw.pop("jump_every", None)
            kw["moves"] = sorted({MOVES[m] for m in cycle} - {"flip"})
        # one chain, or one pair (the paired kernel); start is a setting, not a kernel
        kw.update(sweeps=64, burn=16, chains=2 if kw.get("pairs") else 1, n_batches=2)
        kw.pop("thin", None)
        kw.pop("start", None)
        sample(model, spec.method.name, seed=0, **kw)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_executor(workers: int) -> ProcessPoolExecutor:
    """A process pool of `workers` spawn-started processes with single-threaded Numba."""
    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("i", 0)
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(counter,)
    )


def _outer_bar(total: int, initial: int):
    return tqdm_auto(
        total=total,
        initial=initial,
        position=0,
        desc="points",
        unit="pt",
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    )


def run_sweep(
    spec: Spec,
    out,
    executor: Executor | None = None,
    *,
    text: str = "",
    workers: int | None = None,
    indices: list[int] | None = None,
    force: bool = False,
    wait: bool = False,
    log=None,
) -> dict:
    """Compute the points of `spec` not yet stored in `out`, then merge the sweep.

    executor: any concurrent.futures.Executor; None -> this process (one worker or one
    point) or a spawn process pool of `workers`, capped at the CPUs this process may use
    (`usable_cpus`) and at the points to compute (default: that cap).
    indices: compute only these points (`--point I`, job arrays).
    force: recompute points written by another package version or another spec.
    wait: if another run holds `out` (see `mcdimer.runs.lock`), wait for it instead of
    raising LockedError. A whole run locks `out` exclusively and first removes temporary
    files left by killed runs; `indices` runs (job arrays) share the lock.
    Returns counts {'points', 'skipped', 'computed', 'sweep'}.
    """
    log = log or (lambda msg: None)
    out = store.prepare_out(out)
    check_available(spec)
    label = spec.title or spec.figure or spec.digest()
    with OutLock(
        out, shared=indices is not None, wait=wait, label=label, digest=spec.digest(), log=log
    ):
        if indices is None:
            store.remove_stale_tmp(out)
        return _run_locked(spec, out, executor, text, workers, indices, force, log)


def _stop_pool(executor: ProcessPoolExecutor) -> None:
    """Stop a pool now: terminate its workers (their running points are lost, the stored
    ones are whole), then shut it down without waiting."""
    for proc in list(getattr(executor, "_processes", {}).values()):
        if proc.is_alive():
            proc.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


def _run_locked(spec, out, executor, text, workers, indices, force, log) -> dict:
    pts = points(spec)
    if indices is not None:
        bad = [i for i in indices if not 0 <= i < len(pts)]
        if bad:
            raise ValueError(f"--point {bad[0]}: out of range, the spec has {len(pts)} points")
        chosen = [pts[i] for i in indices]
    else:
        chosen = pts
    merged = store.unchanged_points(out, spec)
    todo, done = [], set()
    for p in chosen:
        if p.index in merged:  # as the merge found it: verified then, not re-hashed now
            done.add(p.index)
            continue
        state = store.status(store.point_path(out, p.index), spec, force)
        if state == "corrupt":
            log(f"{store.point_path(out, p.index)}: corrupted or incomplete, recomputing")
        if state != "done":
            todo.append(p)
        else:
            done.add(p.index)
    skipped = len(chosen) - len(todo)
    own_pool = False
    if todo:
        warm_up(spec)
        if executor is None:
            cap = usable_cpus()
            if workers is not None and workers > cap:
                log(f"workers = {workers}: this process may use {cap} CPUs; running {cap}")
            workers = min(workers or cap, cap, len(todo))
            if workers > 1:
                executor, own_pool = default_executor(workers), True
    bar = _outer_bar(len(chosen), skipped) if todo else None
    try:
        if executor is None:
            for p in todo:
                _, tree = run_one(spec, p, threads=None)
                store.write_point(out, spec, text, p, tree)
                done.add(p.index)
                bar.update()
                if STOP.is_set():
                    raise KeyboardInterrupt
        else:
            futures = [executor.submit(run_one, spec, p, 1) for p in todo]
            by_index = {p.index: p for p in todo}
            for fut in as_completed(futures):
                index, tree = fut.result()
                store.write_point(out, spec, text, by_index[index], tree)
                done.add(index)
                bar.update()
                if STOP.is_set():
                    raise KeyboardInterrupt
    except BaseException:
        if own_pool:
            _stop_pool(executor)
            own_pool = False
        raise
    finally:
        if bar is not None:
            bar.close()
        if own_pool:
            executor.shutdown()
    sweep = None
    if len(merged) == len(pts):  # every point as merged: sweep.nc is up to date
        sweep = out / store.SWEEP_FILE
    elif store.first_missing(out, spec, done | merged) is None:
        sweep = store.write_sweep(out, spec)
    return {"points": len(pts), "skipped": skipped, "computed": len(todo), "sweep": sweep}


def default_out(spec_path) -> Path:
    return Path("results") / Path(spec_path).stem
