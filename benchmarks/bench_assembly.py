"""Sweep time of an assembly against the chain of the same size (issue 13: within 3x).

Run: .venv/bin/python benchmarks/bench_assembly.py  [--quick] [--periodic (that part only)]
Prints, measured in the same run (compilation excluded), 1 thread, C = 50, K = 10:
- the field update alone: `couplings.full_field` of one configuration (n^2 pair updates
  through `move_field_update`), in ns per pair, for the chain (the specialised Toeplitz
  path: K/|i-j|^3 from a table) and for a random cluster with size dispersion (the general
  path: the dipolar tensor computed from the positions);
- the time per sweep of one chain of n moments on the z axis and of a random cluster of
  the same n, for the displacement and the default cycles: the sampler's own timing of
  its sweep loop (`stats.wall_seconds`), so the per-call setup (couplings, heat-bath
  tables, initial fields) is left out and printed apart.
Then periodic boxes (`Assembly(box=...)`, Ewald sum, tin foil), n = 125 ... 4096:
- the build of the Ewald tensor (`mcdimer.ewald.ewald_tensor`, once per model, one thread
  for numba and BLAS: run with OPENBLAS_NUM_THREADS=1 for the one-core figure) and its size;
- the time per sweep of a periodic random box (`geometry.random_box`, packing 0.2, size
  dispersion 0.3) against the open random cluster of the same n and dispersion, default
  moves and displacement, measured side by side (target: the box within 2x the cluster).
Every figure is the best of REPEATS, chain and cluster interleaved: the machine is shared
and timings are noisy; the load average is printed with them.

Measured (--periodic, OPENBLAS_NUM_THREADS=1, 2-core machine under load ~9):
  n      tensor build   size      default: cluster / box (ms)   displace: cluster / box (ms)
  125        0.09 s     0.7 MiB        0.50 /   0.18  (0.37x)         0.14 /   0.03  (0.18x)
  512        0.35 s    12.0 MiB        2.44 /   1.14  (0.47x)         1.09 /   0.55  (0.50x)
  1000       2.34 s    45.8 MiB        7.77 /   6.56  (0.85x)         4.81 /   3.90  (0.81x)
  2048      11.1  s   192   MiB       43.1  /  40.3   (0.94x)        22.6  /  18.5   (0.82x)
  4096      64.3  s   768   MiB      204    / 273     (1.34x)       103    / 146    (1.41x)
With the k-space products then restricted to the upper blocks (mirrored), the build took
1.74 s at n = 1000 (best of 3, load 11) and 42-92 s at n = 4096 (load ~10); at n = 4096
numpy's allocations peaked at 824 MiB during the build (768 MiB kept) and the process held
949 MiB (the "peak" column this script prints, and VmRSS).
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc

import numba
import numpy as np

from mcdimer import Assembly, Chain, ewald, geometry
from mcdimer.sampling import DEFAULT_MOVES, sample
from mcdimer.sampling.couplings import couplings_of, full_field

QUICK = "--quick" in sys.argv
REPEATS = 3


def pair_nanoseconds(model) -> float:
    """Best time of a from-scratch field computation, per pair update."""
    cpl = couplings_of(model)
    mu = np.random.default_rng(0).uniform(-0.5, 0.5, (1, model.n, 3))
    out = np.empty_like(mu)
    full_field(cpl, mu, 0, out)  # compile
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        full_field(cpl, mu, 0, out)
        best = min(best, time.perf_counter() - t0)
    return best / (model.n * (model.n - 1)) * 1e9


def sweep_seconds(models, moves, sweeps):
    """{name: (best seconds per sweep of the sweep loop, best setup seconds per call)}."""
    for model in models.values():
        sample(model, sweeps=20, burn=0, chains=1, seed=0, moves=moves)  # compile
    best = {name: (float("inf"), float("inf")) for name in models}
    for _ in range(REPEATS):
        for name, model in models.items():
            t0 = time.perf_counter()
            r = sample(model, sweeps=sweeps, burn=0, chains=1, seed=1, moves=moves, thin=sweeps)
            total = time.perf_counter() - t0
            loop = r.stats.wall_seconds
            best[name] = (min(best[name][0], loop / sweeps), min(best[name][1], total - loop))
    return best


def main():
    numba.set_num_threads(1)
    if "--periodic" in sys.argv:
        periodic(sizes=(125, 1000) if QUICK else (125, 512, 1000, 2048, 4096))
        return
    sizes = (512, 4096) if QUICK else (512, 1024, 4096)
    print(f"1 chain, 1 thread, C = 50, K = 10; load average {os.getloadavg()[0]:.1f} at start")
    for n in sizes:
        radii = geometry.size_dispersion(n, 0.3, seed=2)
        models = {
            "chain": Chain(n, K=10.0, C=50.0),
            "cluster": Assembly(
                geometry.random_cluster(n, 0.2, seed=1),
                K=10.0,
                C=50.0,
                scale=geometry.moment_scale(radii),
            ),
        }
        tc, ta = (pair_nanoseconds(m) for m in models.values())
        print(
            f"  n={n:5d} field update   : chain {tc:6.2f} ns/pair, random cluster "
            f"{ta:6.2f} ns/pair, ratio {ta / tc:5.2f}"
        )
        sweeps = max(20, int(3.2e8 / n**2))
        for label, moves in (("displace", ["displace"]), ("default", list(DEFAULT_MOVES))):
            t = sweep_seconds(models, moves, sweeps)
            (tc, sc), (ta, sa) = t["chain"], t["cluster"]
            print(
                f"  n={n:5d} {label:15s}: chain {tc * 1e3:8.3f} ms/sweep, random cluster "
                f"{ta * 1e3:8.3f} ms/sweep, ratio {ta / tc:5.2f}  "
                f"(setup per call: chain {sc:.2f} s, cluster {sa:.2f} s)"
            )
    periodic(sizes=(125, 1000, 4096) if QUICK else (125, 512, 1000, 2048, 4096))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def periodic(sizes):
    """Ewald tensor build and sweeps of a periodic random box against the open cluster."""
    print(f"periodic boxes, 1 thread; load average {os.getloadavg()[0]:.1f}")
    for n in sizes:
        radii = geometry.size_dispersion(n, 0.3, seed=2)
        pos, box = geometry.random_box(n, 0.2, seed=1, radii=radii)
        scale = geometry.moment_scale(radii)
        build = float("inf")
        for _ in range(1 if n > 1000 else REPEATS):
            t0 = time.perf_counter()
            table = ewald.ewald_tensor(pos, box)
            build = min(build, time.perf_counter() - t0)
            del table
        tracemalloc.start()  # numpy reports its allocations to tracemalloc
        table = ewald.ewald_tensor(pos, box)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        alpha, r_c, k_c = ewald.parameters(box)
        print(
            f"  n={n:5d} Ewald tensor   : build {build:6.2f} s, {table.nbytes / 2**20:7.1f} MiB "
            f"(peak {peak / 2**20:.1f} MiB; alpha {alpha:.3f}, r_c {r_c:.2f}, k_c {k_c:.2f}, "
            f"edge {box[0]:.2f})"
        )
        del table
        models = {
            "cluster": Assembly(
                geometry.random_cluster(n, 0.2, seed=1, radii=radii), K=10.0, C=50.0,
                scale=scale,
            ),
            "box": Assembly(pos, K=10.0, C=50.0, scale=scale, box=box),
        }  # fmt: skip
        models["box"].periodic_tensor()  # built once per model, outside the timing
        sweeps = max(20, int(3.2e8 / n**2))
        for label, moves in (("default", list(DEFAULT_MOVES)), ("displace", ["displace"])):
            t = sweep_seconds(models, moves, sweeps)
            (tc, _), (tb, _) = t["cluster"], t["box"]
            print(
                f"  n={n:5d} {label:15s}: open cluster {tc * 1e3:8.3f} ms/sweep, periodic box "
                f"{tb * 1e3:8.3f} ms/sweep, ratio {tb / tc:5.2f}"
            )


if __name__ == "__main__":
    main()
