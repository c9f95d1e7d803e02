"""Speed of the Metropolis sampler, and effective samples per second against emcee.

Run: .venv/bin/python benchmarks/bench_sampling.py  [--quick]
Prints: single-moment displacement proposals per second (dimer, 1 and 64 chains, 1 and 2
threads),
sweep time for chains of n = 16 ... 4096 against n^2 times the dimer's cost per pair
update, and ESS/s of mu_1z^2 at C = 50, K/C = 0.8 for mcdimer and emcee (32 walkers,
vectorised log-density), with their ratio (mcdimer with its default move cycle). Timings
exclude compilation (warm-up runs).
"""

from __future__ import annotations

import sys
import time

import arviz as az
import emcee
import numba

from mcdimer import Chain, Dimer
from mcdimer.sampling import sample

QUICK = "--quick" in sys.argv
REPEATS = 3


def proposals_per_second(model, chains, sweeps, threads, moves=("displace",)):
    numba.set_num_threads(threads)
    moves = list(moves)
    sample(model, sweeps=100, burn=10, chains=chains, seed=0, moves=moves)  # compile
    burn = max(sweeps // 50, 2000)  # tune the step size first: it sets the acceptance
    best = 0.0
    for _ in range(REPEATS):  # best of several: this VM's timings are noisy (steal time)
        t0 = time.perf_counter()
        r = sample(model, sweeps=sweeps, burn=burn, chains=chains, seed=1, thin=sweeps, moves=moves)
        best = max(best, chains * (sweeps + burn) * model.n / (time.perf_counter() - t0))
    return best, r


def ess_per_second_mcdimer(model, sweeps):
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    sample(model, sweeps=100, burn=10, chains=4, seed=0)
    t0 = time.perf_counter()
    r = sample(model, sweeps=sweeps, burn=2000, chains=4, seed=2, thin=1)
    dt = time.perf_counter() - t0
    ess = float(az.ess(r.idata, var_names=["mu1z2"])["mu1z2"])
    return ess / dt, ess, dt


def ess_per_second_emcee(model, steps, walkers=32):
    """emcee through mcdimer's backend (vectorised numpy log-density, emcee's stretch move);
    ESS from emcee's integrated autocorrelation time of the walkers' mu_1z^2."""
    t0 = time.perf_counter()
    r = sample(model, "emcee", sweeps=steps, burn=steps // 10, chains=walkers, seed=1, thin=1)
    dt = time.perf_counter() - t0
    z2 = r.acc["draws"][:, :, 0, 2].T ** 2  # (steps, walkers)
    tau = float(emcee.autocorr.integrated_time(z2[:, :, None], quiet=True)[0])
    ess = z2.shape[0] * walkers / tau
    return ess / dt, ess, dt


def main():
    dimer = Dimer(K=40.0, C=50.0)
    n_sweeps = 500_000 if QUICK else 3_000_000
    p1, _ = proposals_per_second(dimer, 1, n_sweeps, 1)
    p64_1, _ = proposals_per_second(dimer, 64, n_sweeps // 16, 1)
    p64_2, _ = proposals_per_second(dimer, 64, n_sweeps // 16, 2)
    print("Metropolis (displace), dimer C=50 K=40, observables recorded, per-chain streams")
    print(f"  1 chain,  1 thread : {p1:10.3g} proposals/s")
    print(f"  64 chains, 1 thread: {p64_1:10.3g} proposals/s (per core)")
    print(f"  64 chains, 2 threads: {p64_2:9.3g} proposals/s  (scaling {p64_2 / p64_1:.2f}x)")

    pair_cost = 1.0 / p64_1  # seconds per proposal of the dimer = one pair update
    print("Chains (1 thread, 4 chains): sweep time vs n^2 x (dimer cost per pair update)")
    numba.set_num_threads(1)
    for n in (16, 128, 1024, 4096):
        model = Chain(n, K=20.0, C=50.0)
        sweeps = max(2, int((4e7 if not QUICK else 1e7) / (4 * n * n)))
        sample(model, sweeps=2, burn=0, chains=4, seed=0, moves=["displace"])
        t0 = time.perf_counter()
        sample(model, sweeps=sweeps, burn=0, chains=4, seed=1, thin=sweeps, moves=["displace"])
        per_sweep = (time.perf_counter() - t0) / (4 * sweeps)
        ratio = per_sweep / (n * n * pair_cost)
        print(f"  n={n:5d}: {per_sweep * 1e3:9.4f} ms/sweep, {ratio:5.2f} x n^2 x pair cost")

    sweeps = 200_000 if QUICK else 1_000_000
    e_mc, ess_mc, t_mc = ess_per_second_mcdimer(dimer, sweeps)
    e_em, ess_em, t_em = ess_per_second_emcee(dimer, 5_000 if QUICK else 20_000)
    print("ESS/s of mu_1z^2, C=50, K/C=0.8 (same run):")
    print(f"  mcdimer (4 chains, 2 threads): {e_mc:10.4g} /s  (ESS {ess_mc:.0f} in {t_mc:.1f} s)")
    print(f"  emcee (32 walkers, vectorised): {e_em:9.4g} /s  (ESS {ess_em:.0f} in {t_em:.1f} s)")
    print(f"  ratio mcdimer / emcee: {e_mc / e_em:.0f}x")


if __name__ == "__main__":
    main()
