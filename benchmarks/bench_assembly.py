"""Sweep time of an assembly against the chain of the same size (issue 13: within 3x).

Run: .venv/bin/python benchmarks/bench_assembly.py  [--quick]
Prints, measured in the same run (compilation excluded), the time per sweep of one chain
of n moments on the z axis (the specialised Toeplitz path: K/|i-j|^3 from a table) and of
a random cluster of the same n (the general path: the dipolar tensor recomputed from the
positions for every pair an accepted move touches), for the displacement and the default
cycles, 1 thread, C = 50, K = 10.
"""

from __future__ import annotations

import sys
import time

import numba

from mcdimer import Assembly, Chain, geometry
from mcdimer.sampling import DEFAULT_MOVES, sample

QUICK = "--quick" in sys.argv


def sweep_seconds(model, moves, sweeps):
    sample(model, sweeps=1, burn=0, chains=1, seed=0, moves=moves)  # compile
    best = float("inf")
    for _ in range(2):  # best of two: this VM's timings are noisy
        t0 = time.perf_counter()
        sample(model, sweeps=sweeps, burn=0, chains=1, seed=1, moves=moves, thin=sweeps)
        best = min(best, (time.perf_counter() - t0) / sweeps)
    return best


def main():
    numba.set_num_threads(1)
    sizes = (512, 4096) if QUICK else (512, 1024, 4096)
    print("seconds per sweep, 1 chain, 1 thread, C = 50, K = 10")
    for n in sizes:
        chain = Chain(n, K=10.0, C=50.0)
        cluster = Assembly(geometry.random_cluster(n, 0.2, seed=1), K=10.0, C=50.0)
        sweeps = max(2, int(2e7 / n**2))
        for label, moves in (("displace", ["displace"]), ("default", list(DEFAULT_MOVES))):
            tc = sweep_seconds(chain, moves, sweeps)
            ta = sweep_seconds(cluster, moves, sweeps)
            print(
                f"  n={n:5d} {label:9s}: chain {tc * 1e3:8.3f} ms, random cluster "
                f"{ta * 1e3:8.3f} ms, ratio {ta / tc:5.2f}"
            )


if __name__ == "__main__":
    main()
