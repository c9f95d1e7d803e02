"""The heat-bath draw, its table builder, and the collective move's effective samples per second.

Run: .venv/bin/python benchmarks/bench_heatbath.py [--old PATH] [--ess] [--quick]
     [--setup] [--defaults [CASE ...]]
Prints, all measured in the same run (compilation excluded; each time the best of several rounds
that run all variants in turn, as this VM's timings are noisy):
1. ns per `heatbath_move` on the (mu_i, h_i) pairs met by a heat-bath Gibbs sampler of the
   n = 64 chain at C = 50, K/C = 0.9 x chain_critical_ratio(64) (the issue's case), and its
   acceptance; with --old PATH also of the `heatbath.py` at PATH (e.g. a copy of an older
   version: `git show REV:mcdimer/sampling/heatbath.py > /tmp/heatbath_old.py`);
2. ms per `build_heatbath_table` (Quadratic C = 50, a_max = 90: the chain's field bound);
3. with --ess: ESS per second of m_z^2 on that chain through `sample()` (the engine's
   cycles, 4 chains, 1 thread): the displacement cycle [("displace", 19), "jump"],
   heatbath + overrelax, and heat-bath cycles with collective proposals along the soft mode
   (one proposal per "collective" sweep; also recorded once per 10-sweep cycle, to show
   what recording every cheap sweep costs). ESS = Var / MCSE^2 from the batch means; the
   time the best of 3 runs; the steps adapted by the engine during burn-in;
4. with --setup (only this part): seconds to set up the collective move's direction,
   `soft_mode(model)`, against the exact `critical_mode(model)`, on chains n = 2 ... 2048
   and two Ewald boxes of the order study;
5. with --defaults [CASE ...] (only this part): ESS/s of heatbath + overrelax + k
   collective proposals, k = 1, 2, 4, 8, against heatbath + overrelax, on the cases that
   chose the default cycle (`config.DEFAULT_MOVES`; DEFAULT_CASES: chains, dimers, the
   order study's random box with Metropolis and with its tempering ladder, the fcc box).
"""

from __future__ import annotations

import importlib.util
import sys
import time

import numba
import numpy as np
from bench_moves import timed_sample  # this directory: the script's own
from numba import njit

from mcdimer import Chain
from mcdimer.landscapes import Quadratic
from mcdimer.meanfield import chain_critical_ratio
from mcdimer.sampling import heatbath, sample
from mcdimer.sampling.couplings import couplings_of, field_bound
from mcdimer.sampling.rng import seed_states

QUICK = "--quick" in sys.argv
N, C = 64, 50.0


def chain_model(n=N):
    return Chain(n, K=0.9 * chain_critical_ratio(n) * C, C=C)


# --- 1. the draw ------------------------------------------------------------------------
def make_gibbs(move):
    @njit
    def gibbs(n, K, table, hb, sweeps, keep, state):
        """Heat-bath sweeps of the chain (fields summed directly); the last `keep` sweeps'
        (mu_i, h_i) before each draw, (keep * n, 6)."""
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
        mu = np.zeros((n, 3))
        out = np.empty((keep * n, 6))
        o = 0
        for sw in range(sweeps):
            for i in range(n):
                hx = hy = hz = 0.0
                for j in range(n):
                    if j != i:
                        c = K / abs(i - j) ** 3
                        hx -= c * mu[j, 0]
                        hy -= c * mu[j, 1]
                        hz += 2.0 * c * mu[j, 2]
                if sw >= sweeps - keep:
                    out[o, :3] = mu[i]
                    out[o, 3], out[o, 4], out[o, 5] = hx, hy, hz
                    o += 1
                mu[i, 0], mu[i, 1], mu[i, 2], _, s0, s1, s2, s3 = move(
                    mu[i, 0], mu[i, 1], mu[i, 2], hx, hy, hz, table, hb, s0, s1, s2, s3
                )
        return out

    return gibbs


def make_draws(move):
    @njit
    def draws(p, table, hb, reps, state):
        """reps passes of one draw per recorded pair: (accepted, a checksum)."""
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
        acc, tot = 0, 0.0
        for _ in range(reps):
            for k in range(p.shape[0]):
                nx, ny, nz, ok, s0, s1, s2, s3 = move(
                    p[k, 0], p[k, 1], p[k, 2], p[k, 3], p[k, 4], p[k, 5], table, hb, s0, s1, s2, s3
                )
                acc += ok
                tot += nx + ny + nz
        return acc, tot

    return draws


def draw_cost(modules):
    model = chain_model()
    table = Quadratic(C).table()
    bound = field_bound(couplings_of(model))
    hb = heatbath.build_heatbath_table(table, bound)
    keep = 200 if QUICK else 1000
    pairs = make_gibbs(heatbath.heatbath_move)(
        N, model.K, table, hb, 2000 + keep, keep, seed_states(1, 1)[0].copy()
    )
    a = np.linalg.norm(pairs[:, 3:], axis=1)
    print(
        f"1. heat-bath draw on n = {N} chain fields (C = {C}, K/C = 0.9 x critical; "
        f"|h_i| median {np.median(a):.1f}, 90 % {np.quantile(a, 0.9):.1f}, bound {bound:.1f}):"
    )
    reps = 4 if QUICK else 20
    runs = []
    for name, mod in modules:
        hbm = mod.build_heatbath_table(table, bound)
        draws = make_draws(mod.heatbath_move)
        state = seed_states(3, 1)[0].copy()
        acc = draws(pairs, table, hbm, 1, state)[0] / pairs.shape[0]  # and compile
        runs.append((name, acc, lambda d=draws, h=hbm, s=state: d(pairs, table, h, reps, s)))
        runs.append((name, None, lambda m=mod: m.build_heatbath_table(table, bound)))
    best = interleaved([run for _, _, run in runs])
    for (name, acc, _), sec in zip(runs[::2], best[::2], strict=True):
        ns = sec / (reps * pairs.shape[0]) * 1e9
        print(f"   {name:8s} {ns:6.1f} ns per draw, acceptance {acc:.4f}")
    print("2. build_heatbath_table (Quadratic C = 50, a_max = bound), compiled call:")
    for (name, _, _), sec in zip(runs[1::2], best[1::2], strict=True):
        print(f"   {name:8s} {sec * 1e3:6.2f} ms per table")


def interleaved(runs, repeats=7):
    """Best time of each run over `repeats` rounds that run them all in turn: a change of
    the machine's load then hits every run alike."""
    best = [np.inf] * len(runs)
    for _ in range(repeats):
        for k, run in enumerate(runs):
            t0 = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


# --- 3. ESS of m_z^2 through the engine's cycles --------------------------------------
CYCLES = (  # (label, moves, record_every)
    ('[("displace", 19), "jump"]', [("displace", 19), "jump"], 1),
    ("heatbath + overrelax", ["heatbath", "overrelax"], 1),
    ("heatbath + overrelax + 8 coll.", ["heatbath", "overrelax", ("collective", 8)], 1),
    ("  the same, recorded every 10th", ["heatbath", "overrelax", ("collective", 8)], 10),
    ("heatbath + 16 coll.", ["heatbath", ("collective", 16)], 1),
)
CHAINS, BATCHES = 4, 64  # the ESS's relative error ~ sqrt(2 / (4 x 64)) = 9 %


def ess_rate(model, moves, sweeps, record_every, repeats=3):
    """(ESS/s of m_z^2, sweeps per ESS, seconds per sweep, collective acceptance) of one
    `sample` run: ESS = Var(m_z^2) / MCSE^2 from the batch means over the recorded sweeps;
    the time is the best of `repeats` identical runs (1 thread: chains run in turn)."""
    kw = dict(burn=sweeps // 10, chains=CHAINS, seed=3, moves=moves, n_batches=BATCHES,
              record_every=record_every)  # fmt: skip
    r, dt = timed_sample(model, sweeps, repeats, **kw)
    m, se = r.expect(), r.mcse()
    ess = (m["mz4"] - m["mz2"] ** 2) / se["mz2"] ** 2
    total = CHAINS * (sweeps + sweeps // 10)
    acc = r.stats["move_acceptance"].get("collective", float("nan"))
    return ess / dt, CHAINS * sweeps / ess, dt / total, acc


def ess_comparison():
    numba.set_num_threads(1)
    model = chain_model()
    scale = 0.25 if QUICK else 1.0
    print(
        f"3. ESS/s of m_z^2 through sample(), n = {N} chain, C = {C}, K/C = 0.9 x critical, "
        f"{CHAINS} chains x {BATCHES} batches, 1 thread (best of 3 runs):"
    )
    base = None
    for label, moves, record_every in CYCLES:
        sweeps = int(scale * (1_600_000 if "displace" in str(moves) else 400_000))
        if "coll" in label:
            sweeps *= 4  # a collective sweep is one O(n) proposal
        rate, tau, sec, acc = ess_rate(model, moves, sweeps, record_every)
        base = rate if base is None else base
        print(
            f"   {label:34s} {rate:9.3g} /s  x{rate / base:5.2f}   {tau:7.2f} sweeps per ESS, "
            f"{sec * 1e6:6.2f} us/sweep, collective acceptance {acc:.2f}",
            flush=True,
        )


# --- 4. set-up of the collective move's direction ----------------------------------------
def setup_cost():
    """Seconds of `collective.soft_mode(model)` (the direction every default run computes:
    `critical_mode(model, SOFT_TOL)`, Lanczos above LANCZOS_MIN) against the exact
    eigenvector (`critical_mode(model)`, dense up to DENSE_MAX; not above n = 1024, where it
    takes minutes), and the Rayleigh quotients v.T.v of both (the stiffness along v is
    sum 2 C |v_i|^2 - b v.T.v)."""
    from mcdimer import runs
    from mcdimer.meanfield import critical_mode
    from mcdimer.sampling.collective import SOFT_TOL, soft_mode

    numba.set_num_threads(2)
    models = [(f"chain n = {n}", chain_model(n)) for n in (2, 64, 256, 1024, 2048)]
    spec, _ = runs.load("runs/order_fcc_n256.toml")
    models.append(("fcc box n = 256 (Ewald)", runs.model_at(spec, runs.points(spec)[0])))
    spec, _ = runs.load("runs/order_p20_s30_n064.toml")
    models.append(("random box n = 64 (Ewald)", runs.model_at(spec, runs.points(spec)[0])))
    soft_mode(models[1][1])  # compile the products
    print(
        "4. set-up of the collective direction, seconds (best of 3; exact: 1 run above "
        f"n = 1000), SOFT_TOL = {SOFT_TOL:g}, 2 threads:"
    )
    for label, model in models:
        model.field(np.zeros((model.n, 3)))  # a box's Ewald tables are built once per model
        soft = soft_mode(model)
        (t_soft,) = interleaved([lambda m=model: soft_mode(m)], repeats=3)
        if model.n < 2:
            print(f"   {label:26s} soft_mode {t_soft:7.3f}  (v = e_z: no partner)")
            continue
        if model.n > 1024:  # the exact Lanczos solve takes minutes here
            print(f"   {label:26s} soft_mode {t_soft:7.3f}  v.T.v {soft.vtv:.6g}", flush=True)
            continue
        exact = critical_mode(model)
        (t_exact,) = interleaved([lambda m=model: critical_mode(m)], 1 if model.n > 1000 else 3)
        vtv = float(np.sum(exact * (model.field(exact) - model.field(np.zeros_like(exact)))))
        print(
            f"   {label:26s} soft_mode {t_soft:7.3f}  exact {t_exact:7.3f}   "
            f"v.T.v {soft.vtv:.6g} (exact {vtv:.6g})",
            flush=True,
        )


# --- 5. how many collective proposals the default cycle holds ---------------------------
def default_case(name):
    """(model, method, sweeps, extra sample() options) of one --defaults case."""
    from mcdimer import Dimer, runs

    def study(path):
        spec, _ = runs.load(path)
        return spec, runs.model_at(spec, runs.points(spec)[0])

    if name == "chain64_tempering":  # above the threshold, the default ladder
        return Chain(64, K=1.25 * chain_critical_ratio(64) * C, C=C), "tempering", 20_000, {}
    if name.startswith("chain"):  # chain<n>_crit (0.9 K_c/C) or chain<n>_<K/C>
        n, ratio = name[5:].split("_")
        n = int(n)
        ratio = 0.9 * chain_critical_ratio(n) if ratio == "crit" else float(ratio)
        return Chain(n, K=ratio * C, C=C), "metropolis", int(1e7 / n), {}
    if name.startswith("dimer"):  # dimer<K>
        return Dimer(K=float(name[5:]), C=C), "metropolis", 1_000_000, {}
    if name in ("box", "box_tempering"):  # realisation 0 of the order study's random box
        spec, model = study("runs/order_p20_s30_n064.toml")
        if name == "box":
            return model, "metropolis", 40_000, {}
        ladder = list(spec.method.sample_kwargs()["ladder"])
        return model, "tempering", 16_000, {"ladder": ladder, "n_batches": 32}  # batches of 500
    if name == "fcc":  # the order study's fcc control, n = 256
        return study("runs/order_fcc_n256.toml")[1], "metropolis", 10_000, {}
    raise ValueError(f"unknown case {name!r}")


DEFAULT_CASES = ("chain64_crit", "chain64_0.3", "chain16_crit", "chain16_0.3", "dimer40",
                 "dimer10", "chain256_crit", "box", "box_tempering", "chain64_tempering",
                 "fcc")  # fmt: skip


def defaults_scan(cases, counts=(1, 2, 4, 8)):
    """ESS per second of m_z^2, |m_z| and |m|^2 (4 chains x 128 batches, 32 for tempering, 2
    threads, best of 3 runs, wall and CPU seconds) of heatbath + overrelax + k collective
    proposals against heatbath + overrelax alone, in the same run, for each case."""
    numba.set_num_threads(2)
    print("5. ESS/s against heatbath + overrelax (same run), C = 50, 4 chains x 128 batches:")
    for name in cases:
        model, method, sweeps, extra = default_case(name)
        print(f"   {name} (n = {model.n}, {method}, {sweeps} sweeps):", flush=True)
        base = None
        for k in (0, *counts):
            moves = ["heatbath", "overrelax"] + ([("collective", k)] if k else [])
            kw = dict(burn=sweeps // 10, chains=4, seed=3, moves=moves, n_batches=128) | extra
            sample(model, method, sweeps=200, burn=20, chains=1, seed=0, moves=moves, **extra)
            wall = cpu = np.inf
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                r = sample(model, method, sweeps=sweeps, **kw)
                wall = min(wall, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
            m, se = r.expect(), r.mcse()
            var = {"mz2": m["mz4"] - m["mz2"] ** 2, "abs_mz": m["mz2"] - m["abs_mz"] ** 2,
                   "m2": m["m4"] - m["m2"] ** 2}  # fmt: skip
            rate = {key: var[key] / se[key] ** 2 / wall for key in var}
            base = rate if base is None else base
            print(
                f"     k = {k}: " + "  ".join(
                    f"{key} {rate[key]:8.3g} x{rate[key] / base[key]:5.2f}" for key in rate
                ) + f"   wall {wall:.2f} s, cpu {cpu:.2f} s",
                flush=True,
            )  # fmt: skip


def load_module(path):
    spec = importlib.util.spec_from_file_location("mcdimer.sampling._heatbath_other", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


if __name__ == "__main__":
    if "--defaults" in sys.argv:
        defaults_scan(sys.argv[sys.argv.index("--defaults") + 1 :] or DEFAULT_CASES)
        sys.exit()
    if "--setup" in sys.argv:
        setup_cost()
        sys.exit()
    old = load_module(sys.argv[sys.argv.index("--old") + 1]) if "--old" in sys.argv else None
    draw_cost([("current", heatbath)] if old is None else [("old", old), ("current", heatbath)])
    if "--ess" in sys.argv:
        ess_comparison()
