"""The heat-bath draw, its table builder, and the collective move's effective samples per second.

Run: .venv/bin/python benchmarks/bench_heatbath.py [--old PATH] [--ess] [--quick]
Prints, all measured in the same run (compilation excluded; each time the best of several rounds
that run all variants in turn, as this VM's timings are noisy):
1. ns per `heatbath_move` on the (mu_i, h_i) pairs met by a heat-bath Gibbs sampler of the
   n = 64 chain at C = 50, K/C = 0.9 x chain_critical_ratio(64) (the issue's case), and its
   acceptance; with --old PATH also of the `heatbath.py` at PATH (e.g. a copy of an older
   version: `git show REV:mcdimer/sampling/heatbath.py > /tmp/heatbath_old.py`);
2. ms per `build_heatbath_table` (Quadratic C = 50, a_max = 90: the chain's field bound);
3. with --ess: ESS per second of m_z^2 on that chain, 1 chain, 1 thread, for move cycles run
   by a loop written here around `moves.local_sweep` (the engine's sweep) and
   `collective.collective_move` (not in the engine yet): the displacement cycle
   [("displace", 19), "jump"], heatbath + overrelax, and both with collective proposals along
   the soft mode. tau of m_z^2 per recorded sweep by Sokal's automatic window (c = 6), the
   time per sweep the best of 5 runs; ESS/s = 1 / (tau x time per sweep). The step sizes
   (displacement, collective) are tuned toward acceptance 0.4 during burn-in.
"""

from __future__ import annotations

import importlib.util
import sys
import time

import numba
import numpy as np
from numba import njit

from mcdimer import Chain
from mcdimer.landscapes import Quadratic
from mcdimer.meanfield import chain_critical_ratio
from mcdimer.sampling import heatbath
from mcdimer.sampling.collective import collective_move, soft_mode
from mcdimer.sampling.couplings import couplings_of, field_bound
from mcdimer.sampling.engine import level_tables
from mcdimer.sampling.moves import DISPLACE, HEATBATH, JUMP, OVERRELAX, local_sweep
from mcdimer.sampling.rng import seed_states

QUICK = "--quick" in sys.argv
N, C = 64, 50.0
COLLECTIVE = -1  # a cycle entry: `proposals` collective proposals


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


# --- 3. ESS of m_z^2 with the collective move -------------------------------------------
def make_run_cycle(sweep):
    """The loop below around `sweep` (`moves.local_sweep`, or a copy inlining another
    heat-bath draw)."""

    @njit
    def run_cycle(cycle, sweeps, burn, mu, fld, fcur, tables, species, hb, cpl, mode, step,
                  state, mz):  # fmt: skip
        """burn + sweeps entries of the cycle on slot 0 at b = 1; mz[s] = m_z after entry
        burn + s. mode = (v, T v, v.T.v, proposals); step = [displacement, collective]
        steps, tuned toward acceptance 0.4 during burn-in."""
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
        is_chain, chain, pos, scale, K, tab = (
            cpl.is_chain, cpl.chain, cpl.positions, cpl.scale, cpl.K, cpl.table
        )  # fmt: skip
        v, tv, vtv, proposals = mode
        n = mu.shape[1]
        acc_d = tried_d = acc_c = tried_c = 0
        for s in range(burn + sweeps):
            kind = cycle[s % cycle.size]
            if kind == COLLECTIVE:
                _, _, a, s0, s1, s2, s3 = collective_move(
                    mu, fld, fcur, 0, 0, 1.0, tables, species, v, tv, vtv, step[1], proposals,
                    s0, s1, s2, s3,
                )  # fmt: skip
                acc_c += a
                tried_c += proposals
                if s < burn and tried_c >= 200:
                    step[1] *= np.exp(acc_c / tried_c - 0.4)
                    acc_c = tried_c = 0
            else:
                _, _, a, s0, s1, s2, s3 = sweep(
                    kind, mu, fld, fcur, 0, 0, 1.0, tables, species, hb, is_chain, chain, pos,
                    scale, K, tab, step[0], s0, s1, s2, s3,
                )  # fmt: skip
                if kind == DISPLACE:
                    acc_d += a
                    tried_d += n
                    if s < burn and tried_d >= 20 * n:
                        step[0] *= np.exp(acc_d / tried_d - 0.4)
                        acc_d = tried_d = 0
            if s >= burn:
                mz[s - burn] = mu[0, :, 2].sum() / n
        state[0], state[1], state[2], state[3] = s0, s1, s2, s3

    return run_cycle


def tau_int(x, c=6.0):
    """Integrated autocorrelation time of x (Sokal's automatic window, FFT)."""
    x = x - x.mean()
    f = np.fft.rfft(x, 2 * x.size)
    acf = np.fft.irfft(f * np.conj(f))[: x.size]
    taus = 2.0 * np.cumsum(acf / acf[0]) - 1.0
    window = np.nonzero(np.arange(x.size) >= c * taus)[0]
    return taus[window[0]] if window.size else taus[-1]


class Case:
    """One cycle on the chain: tau of m_z^2 from one run, then timed runs on demand."""

    def __init__(self, name, cycle, sweeps, proposals, variant, seed=1, burn=20_000):
        run_cycle, hb_module = variant
        model = chain_model()
        species, index = model.landscape_groups()
        b = np.ones(1)
        tables = level_tables(list(species), b)
        cpl = couplings_of(model)
        bound = field_bound(cpl)
        hb = hb_module.stack_tables([[hb_module.build_heatbath_table(tables[0, 0], bound)]])
        mode = (*soft_mode(model), proposals)
        index = np.ascontiguousarray(index, dtype=np.int64)
        mu, fld = np.zeros((1, N, 3)), np.zeros((1, N, 3))
        fcur = np.full((1, N), tables[0, 0, 0])
        self.step, state = np.array([0.1, 0.5]), seed_states(seed, 1)[0].copy()
        self.name, self.run = name, run_cycle
        self.cycle = np.array(cycle, dtype=np.int64)
        self.args = (mu, fld, fcur, tables, index, hb, cpl, mode, self.step, state)
        self.mz = np.empty(sweeps)
        run_cycle(self.cycle, 0, burn, *self.args, self.mz)
        run_cycle(self.cycle, sweeps, 0, *self.args, self.mz)
        self.tau = tau_int(self.mz**2)
        self.mz2 = float(np.mean(self.mz**2))
        self.part = sweeps // 5
        self.sec = np.inf  # best time per sweep so far

    def time(self):
        t0 = time.perf_counter()
        self.run(self.cycle, self.part, 0, *self.args, self.mz[: self.part])
        self.sec = min(self.sec, (time.perf_counter() - t0) / self.part)  # per sweep


def moves_with(hb_module):
    """A copy of `moves.py` whose sweeps inline `hb_module`'s heat-bath draw."""
    path = sys.modules[local_sweep.__module__].__file__
    source = open(path).read().replace("from .heatbath import", f"from {hb_module.__name__} import")
    source = source.replace("from .", "from mcdimer.sampling.")
    module = type(sys)("mcdimer.sampling._moves_other")
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def ess_comparison(old=None):
    numba.set_num_threads(1)
    D, J, H, O, X = DISPLACE, JUMP, HEATBATH, OVERRELAX, COLLECTIVE
    scale = 0.25 if QUICK else 1.0
    current = (make_run_cycle(local_sweep), heatbath)
    specs = [
        ('[("displace", 19), "jump"]', [D] * 19 + [J], 2_000_000, 1, current),
        ("heatbath + overrelax", [H, O], 400_000, 1, current),
        ("heatbath + overrelax + 8 coll.", [H, O, X], 400_000, 8, current),
        ("heatbath + 16 coll.", [H, X], 400_000, 16, current),
    ]
    if old is not None:
        variant = (make_run_cycle(moves_with(old).local_sweep), old)
        specs.insert(1, ("heatbath + overrelax (old draw)", [H, O], 400_000, 1, variant))
    cases = [Case(name, c, int(sw * scale), p, v) for name, c, sw, p, v in specs]
    interleaved([case.time for case in cases], repeats=5)
    print(f"3. ESS/s of m_z^2, n = {N} chain, C = {C}, K/C = 0.9 x critical, 1 chain, 1 thread:")
    base = 1.0 / (cases[0].tau * cases[0].sec)
    for case in cases:
        rate = 1.0 / (case.tau * case.sec)
        print(
            f"   {case.name:32s} {rate:9.3g} /s  x{rate / base:5.2f}   tau {case.tau:6.2f} sweeps, "
            f"{case.sec * 1e6:6.2f} us/sweep, <m_z^2> {case.mz2:.5f}, "
            f"steps {case.step[0]:.3f} {case.step[1]:.3f}"
        )


def load_module(path):
    spec = importlib.util.spec_from_file_location("mcdimer.sampling._heatbath_other", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


if __name__ == "__main__":
    old = load_module(sys.argv[sys.argv.index("--old") + 1]) if "--old" in sys.argv else None
    draw_cost([("current", heatbath)] if old is None else [("old", old), ("current", heatbath)])
    if "--ess" in sys.argv:
        ess_comparison(old)
