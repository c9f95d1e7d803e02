"""Effective samples per second of the move cycles, and the engine against a tight kernel.

Run: .venv/bin/python benchmarks/bench_moves.py  [--quick] [--ess-only] [--n N] [--critical]
(--ess-only skips part 1; --n N measures part 2 at that size only; --critical skips K/C = 0.3)
Prints, all measured in the same run (timings exclude compilation: warm-up runs first):
1. single-moment proposals per second per core of the engine on the dimer (C = 50,
   K = 40, displacement move, observables recorded) against a reference kernel written
   here (one chain, xoshiro256** in registers, the same cube displacement, nothing
   recorded), at the same step size, in CPU seconds of the one thread, best of ROUNDS
   interleaved rounds (and the median of the per-round ratios): the ratio
   is the engine's overhead (target >= 0.7), at the default record_every (printed) and
   recording every sweep; and the engine recording 2 sweeps in all (record_every = half
   the run), which bounds what any record_every can reach;
2. ESS per second of m_z^2 and |m_z| (Var / MCSE^2 from the batch means over every
   sweep, 4 chains x 128 batches, 2 threads; time the best of 3 runs) for chains
   n = 16, 64, 256 at C = 50, at
   K/C = 0.9 x chain_critical_ratio(n) and at K/C = 0.3: every candidate cycle against
   moves=[("displace", 19), "jump"].
"""

from __future__ import annotations

import sys
import time

import numba
import numpy as np
from numba import njit

from mcdimer import Chain, Dimer
from mcdimer.meanfield import chain_critical_ratio
from mcdimer.sampling import DEFAULT_MOVES, sample
from mcdimer.sampling.rng import next_double, next_triple, seed_states

QUICK = "--quick" in sys.argv
ONLY_N = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else None
OLD = [("displace", 19), "jump"]
ROUNDS = 9  # interleaved rounds of part 1
BATCHES = 128  # per chain: the ESS's relative error ~ sqrt(2 / (4 x 128)) = 6 %
CANDIDATES = {
    "default (DEFAULT_MOVES, printed last)": list(DEFAULT_MOVES),
    "former default: heatbath+overrelax": ["heatbath", "overrelax"],
    "heatbath": ["heatbath"],
    "heatbath+overrelax+2 collective": ["heatbath", "overrelax", ("collective", 2)],
    "heatbath+overrelax+8 collective": ["heatbath", "overrelax", ("collective", 8)],
}


@njit(cache=True)
def reference_dimer(sweeps, C, K, delta, state):
    """Cube-displacement Metropolis on the dimer, nothing recorded: the speed limit."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    mu = np.zeros((2, 3))
    fld = np.zeros((2, 3))
    f = np.zeros(2)
    accepted = 0
    for _ in range(sweeps):
        for i in range(2):
            ux, uy, uz, s0, s1, s2, s3 = next_triple(s0, s1, s2, s3)
            nx = mu[i, 0] + delta * (2.0 * ux - 1.0)
            ny = mu[i, 1] + delta * (2.0 * uy - 1.0)
            nz = mu[i, 2] + delta * (2.0 * uz - 1.0)
            s = nx * nx + ny * ny + nz * nz
            if s > 1.0:
                continue
            dx, dy, dz = nx - mu[i, 0], ny - mu[i, 1], nz - mu[i, 2]
            de = C * s - f[i] - (dx * fld[i, 0] + dy * fld[i, 1] + dz * fld[i, 2])
            if de > 0.0:
                u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                if u >= np.exp(-de):
                    continue
            mu[i, 0], mu[i, 1], mu[i, 2] = nx, ny, nz
            f[i] = C * s
            j = 1 - i
            fld[j, 0] -= K * dx
            fld[j, 1] -= K * dy
            fld[j, 2] += 2.0 * K * dz
            accepted += 1
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return accepted


def best_rate(run, repeats=5, clock=time.perf_counter):
    best = 0.0
    for _ in range(repeats):  # best of several: this VM's timings are noisy (steal time)
        t0 = clock()
        count = run()
        best = max(best, count / (clock() - t0))
    return best


def engine_overhead():
    numba.set_num_threads(1)
    dimer = Dimer(K=40.0, C=50.0)
    sweeps = 500_000 if QUICK else 3_000_000
    used = {}

    def engine(record_every):
        def run():
            r = sample(dimer, sweeps=sweeps, burn=0, chains=1, seed=1, thin=sweeps, n_batches=2,
                       moves=["displace"], record_every=record_every)  # fmt: skip
            used[record_every] = r.settings["record_every"]
            return 2 * sweeps

        return run

    # burn = 0: the engine runs at its initial step, and the reference at the same step, so
    # that both accept the same share of proposals (the cost of a sweep depends on it)
    first = sample(dimer, sweeps=10, burn=0, chains=1, seed=1, moves=["displace"])
    delta = float(first.stats["step_size"][0])
    state = seed_states(1, 1)[0].copy()
    reference_dimer(10, 50.0, 40.0, delta, state)
    cpu = time.process_time  # one thread: its CPU time, not the wall time other jobs share
    runs = {
        "ref": lambda: 2 * sweeps + 0 * reference_dimer(sweeps, 50.0, 40.0, delta, state),
        "auto": engine("auto"),
        "every": engine(1),
        "bare": engine(sweeps // 2),
    }
    # rounds that time every variant once, in turn, so that the machine's slow drifts (steal
    # time) reach them alike; best of the rounds per variant, and the median of the
    # per-round ratios as a second view of the same numbers
    rates = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, run in runs.items():
            rates[name].append(best_rate(run, repeats=1, clock=cpu))
    best = {name: max(r) for name, r in rates.items()}
    ratio = {name: np.median(np.array(rates[name]) / np.array(rates["ref"])) for name in runs}
    print(f"Dimer C=50 K=40, cube displacement (step {delta:.3f}), 1 chain, 1 thread")
    print(f"(proposals per CPU second, best of {ROUNDS} interleaved rounds; ratio of the bests,")
    print(" and in brackets the median of the per-round ratios):")
    print(f"  reference kernel (nothing recorded)      : {best['ref']:10.3g}")
    rows = (
        ("auto", f"engine, default record_every = {used['auto']:<2d}        "),
        ("every", "engine, record_every = 1 (every sweep)   "),
        ("bare", "engine, 2 sweeps recorded (the bound)    "),
    )
    for name, label in rows:
        print(
            f"  {label}: {best[name]:10.3g}   ratio {best[name] / best['ref']:.2f} "
            f"({ratio[name]:.2f})"
        )


def timed_sample(model, sweeps, repeats, **kw):
    """(result, best wall seconds of `repeats` identical runs) of sample(model, sweeps=sweeps,
    **kw), after a short run that compiles the cycle (timings exclude compilation)."""
    sample(model, sweeps=200, burn=10, chains=1, seed=0, moves=kw.get("moves"))
    dt = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = sample(model, sweeps=sweeps, **kw)
        dt = min(dt, time.perf_counter() - t0)
    return r, dt


def ess_rates(model, moves, sweeps, seed=3, repeats=3):
    """ESS per second of m_z^2 and |m_z| from the engine's batch means over every sweep
    (ESS = Var(x) / MCSE^2; 4 chains x BATCHES batches): thinned draws would cap the ESS at
    the number of draws kept. The ESS is that of one run (the same seed gives the same
    draws); the time is the best of `repeats` runs (this VM's timings are noisy)."""
    kw = dict(burn=sweeps // 10, chains=4, seed=seed, moves=moves, n_batches=BATCHES)
    r, dt = timed_sample(model, sweeps, repeats, **kw)
    m, se = r.expect(), r.mcse()
    var = {"mz2": m["mz4"] - m["mz2"] ** 2, "abs_mz": m["mz2"] - m["abs_mz"] ** 2}
    return {v: var[v] / se[v] ** 2 / dt for v in var}, dt


def ess_comparison():
    numba.set_num_threads(2)
    print("ESS/s (m_z^2, |m_z|), C=50, 4 chains, 2 threads; ratio against", OLD)
    sizes = (16, 64) if QUICK else (16, 64, 256)
    for n in sizes if ONLY_N is None else (ONLY_N,):
        critical = chain_critical_ratio(n)
        cases = (("0.9 x critical", 0.9 * critical), ("0.3", 0.3))
        for label, ratio in cases[:1] if "--critical" in sys.argv else cases:
            model = Chain(n, K=ratio * 50.0, C=50.0)
            sweeps = int((4e6 if QUICK else 2e7) / n)
            base, t_base = ess_rates(model, OLD, sweeps)
            print(
                f"  n={n:4d} K/C={ratio:.3f} ({label}): old cycle "
                f"{base['mz2']:9.3g} {base['abs_mz']:9.3g} /s ({t_base:.1f} s)"
            )
            for name, moves in CANDIDATES.items():
                got, t = ess_rates(model, moves, sweeps)
                print(
                    f"      {name:38s} {got['mz2']:9.3g} {got['abs_mz']:9.3g} /s ({t:.1f} s)"
                    f"   x{got['mz2'] / base['mz2']:5.2f} x{got['abs_mz'] / base['abs_mz']:5.2f}"
                )
    print("default cycle:", DEFAULT_MOVES)


if __name__ == "__main__":
    if "--ess-only" not in sys.argv:
        engine_overhead()
    ess_comparison()
