"""Random sequential addition (mcdimer.geometry.random_box / random_cluster): time and safety.

Claims in mcdimer.geometry: n = 4096 at packing_fraction 0.35 (MAX_PACKING) in seconds, and
no placement fails at or below it (n = 1..4096, sigma = 0..2). Part 1 times one placement
per case; part 2 (--check) places many seeds and counts failures, with the largest number
of candidates a single particle needed at n = 4096 (against _ATTEMPTS = 500 000 per particle
before a restart).

Run: .venv/bin/python benchmarks/bench_geometry.py [--quick] [--check]

Measured (2 cores shared with other jobs, load ~9, 2026-12-07; --quick off):
  random_box     n=4096 phi=0.35 sigma=0   : 1.1 s (16 seeds: worst particle 135 254
                                             candidates, median 65 000; ~850 per particle)
  random_box     n=4096 phi=0.35 sigma=0.3 : 0.23 s (worst particle ~150 candidates)
  random_box     n=4096 phi=0.35 sigma=2   : 0.19 s
  random_box     n=4096 phi=0.2            : 0.08 s
  random_cluster n=4096 phi=0.35 sigma=0   : 0.77 s (worst particle ~10 000 candidates)
  random_cluster n=4096 phi=0.2  sigma=0   : 0.34 s (1.4 s before the Numba cell list)
  random_box     n=16384 (MAX_RANDOM) phi=0.35: 6.2-6.9 s, 1.3e7 candidates (budget 8.2e7)
  failures at phi=0.35: 0 of 100 seeds for random_box n = 1..64 (sigma 0), 0 of 30 for
  n = 3..512 (sigma 0.3, 2) and for random_cluster n = 1..512 (sigma 0, 0.3, 2); small
  periodic boxes do jam for good (n = 3: 9 of 40 seeds without a restart), which the
  restarts absorb.
"""

import argparse
import time

import numpy as np

from mcdimer import geometry

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true", help="n = 1000 only")
parser.add_argument("--check", action="store_true", help="many seeds: count failures")
args = parser.parse_args()

geometry.random_box(8, 0.2, seed=0)  # compile (or load) the kernel once
n = 1000 if args.quick else 4096
for builder in ("random_box", "random_cluster"):
    for phi in (0.2, 0.35):
        for sigma in (0.0, 0.3, 2.0):
            radii = geometry.size_dispersion(n, sigma, seed=1) if sigma else None
            t0 = time.perf_counter()
            getattr(geometry, builder)(n, phi, seed=1, radii=radii)
            dt = time.perf_counter() - t0
            print(f"{builder:<14} n={n} phi={phi:<5} sigma={sigma:<4}: {dt:6.2f} s")

if args.check:
    for builder in ("random_box", "random_cluster"):
        for size in (2, 3, 5, 8, 16, 64, 512):
            for sigma in (0.0, 0.3, 2.0):
                fails = 0
                for seed in range(30):
                    radii = geometry.size_dispersion(size, sigma, seed=seed) if sigma else None
                    try:
                        getattr(geometry, builder)(size, 0.35, seed=seed, radii=radii)
                    except ValueError:
                        fails += 1
                print(f"{builder:<14} n={size:<4} phi=0.35 sigma={sigma:<4}: {fails}/30 failed")
    times = []
    for seed in range(8):
        t0 = time.perf_counter()
        geometry.random_box(4096, 0.35, seed=seed)
        times.append(time.perf_counter() - t0)
    print(f"random_box n=4096 phi=0.35, 8 seeds: {np.mean(times):.2f} s mean, {max(times):.2f} max")
