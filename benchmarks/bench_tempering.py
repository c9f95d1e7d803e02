"""Tunnelling between the two ordered states: Metropolis vs parallel tempering vs emcee,
and the default tempering ladder against the old default (R = 8, b_min = 0.2).

Run: .venv/bin/python benchmarks/bench_tempering.py [--quick] [--ladder-only | --reweight]

Reweighting part (`reweighting()`, alone with --reweight): the README's MBAR example, a
chain n = 16, C = 50, K/C = 0.8 default tempering run of 40,000 sweeps at thin = 160
(250 draws per chain and level) and at the default thin (1000): the seconds and MBAR
solves of a first `reweight(0.5)`, a second at another b, `reweight_pdf(0.5, "mz")`, 24
single-b calls and a 24-point curve (`reweight` and `reweight_pdf` of an array of b) on
the same result, and a call that solves afresh (`reweight_expectations` without the
result's `TemperingMBAR`: what every call cost when nothing was kept).

Ladder part (`ladders()`), chains n = 16 and 64 at C = 50, K/C = 0.8, h = 0 (ordered:
the sign of m^z is what must mix), 4 chains, the default move cycle: for the default
ladder (b_min from `ladder.hottest_level`, R from the measured Lambda) and for
replicas=8, b_min=0.2, the replicas, Lambda, round trips per second, and the time to
R-hat(m^z) < 1.01: runs of doubling production sweeps (burn-in 8000) until R-hat < 1.01,
MCSE(m^z) < 0.03 and |<m^z>| < 4 MCSE (the acceptance criterion of issue 12); the wall
time of that run is reported (capped at LADDER_CAP seconds).

Dimer/chain part below, at K/C = 1.2:
Prints, at C = 50, K/C = 1.2, h = 0 (dimer, barrier ~20 kT) and for a chain of n = 16:
tunnelling events (sign changes of m^z between |m^z| > 0.5 states, at b = 1) per
wall-clock second for each method, replica round trips per second, the seconds that
tempering needs to reach R-hat < 1.01 on m_z^2 over 4 chains, and tempering's
single-moment proposals per second (to compare with plain Metropolis).
"""

from __future__ import annotations

import sys
import time

import arviz as az
import numba
import numpy as np

from mcdimer import Chain, Dimer
from mcdimer.sampling import sample

QUICK = "--quick" in sys.argv
LADDER_CAP = 150.0  # seconds: a ladder that has not equilibrated by then is reported as such


def ladders():

    for n in (16, 64):
        model = Chain(n, K=40.0, C=50.0)
        print(f"chain n={n} C=50 K/C=0.8 h=0 (4 chains, default cycle)")
        for label, opts in (
            ("default ladder", {}),
            ("R=8, b_min=0.2", dict(replicas=8, b_min=0.2)),
        ):
            sweeps, spent = 5_000, 0.0
            while True:
                r, dt = timed(
                    model, "tempering", sweeps=sweeps, burn=8_000, chains=4, seed=2, **opts
                )
                spent += dt
                mz, se = r.expect()["mz"], r.mcse()["mz"]
                rhat = float(az.rhat(r.idata.posterior["mz"]))
                ok = rhat < 1.01 and se < 0.03 and abs(mz) < 4 * se
                if ok or spent > LADDER_CAP:
                    break
                sweeps *= 2
            st = r.stats
            print(
                f"  {label:15s}: R = {r.ladder.size:2d}, b_min = {r.ladder[-1]:.4f}, "
                f"Lambda = {st['Lambda']:5.2f}, round trips {st['round_trips'].sum():5d} "
                f"({st['round_trips_per_second']:7.1f} /s), tunnelling "
                f"{st['tunnelling_events'].sum():5d}; <m^z> = {mz:+.3f} +- {se:.3f}, "
                f"R-hat(m^z) = {rhat:.4f} after {sweeps} sweeps: "
                + (f"{dt:.1f} s" if ok else f"not reached in {spent:.0f} s")
            )


def reweighting():
    model = Chain(16, K=40.0, C=50.0)
    for thin in (160, 40):
        run = sample(model, "tempering", sweeps=40_000, thin=thin, seed=1)
        W = run.records["level_w"]
        print(
            f"chain n=16 C=50 K/C=0.8, default tempering, 40k sweeps, thin={thin}: "
            f"{W.shape[1]} levels x {W.shape[0]} chains x {W.shape[2]} draws"
        )
        reweight_costs(run)


def reweight_costs(run):
    from mcdimer.sampling.observables import DRAW_COLUMNS
    from mcdimer.sampling.reweight import reweight_expectations

    curve = np.geomspace(1.0, run.ladder[-1], 24)
    for label, call in (
        ("reweight(0.5), first call", lambda: run.reweight(0.5)),
        ("reweight(0.7)", lambda: run.reweight(0.7)),
        ('reweight_pdf(0.5, "mz")', lambda: run.reweight_pdf(0.5, "mz")),
        ("24 calls reweight(b)", lambda: [run.reweight(b) for b in curve]),
        ("reweight(24 b)", lambda: run.reweight(curve)),
        ('reweight_pdf(24 b, "mz")', lambda: run.reweight_pdf(curve, "mz")),
    ):
        before = run.mbar_solves
        t0 = time.perf_counter()
        call()
        dt = time.perf_counter() - t0
        print(f"  {label:28s} {dt:7.2f} s, {run.mbar_solves - before:3d} MBAR solves")
    t0 = time.perf_counter()
    reweight_expectations(*run.level_draws(), DRAW_COLUMNS, 0.5)
    print(f"  {'solved afresh (no cache)':28s} {time.perf_counter() - t0:7.2f} s, 101 MBAR solves")


def timed(model, method, **kw):
    sample(
        model,
        method,
        sweeps=50,
        burn=10,
        **{k: v for k, v in kw.items() if k not in ("sweeps", "burn")},
    )  # compile
    t0 = time.perf_counter()
    r = sample(model, method, **kw)
    return r, time.perf_counter() - t0


def rate(r, dt):
    return r.stats["tunnelling_events"].sum() / dt


def main():
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    if "--reweight" in sys.argv:
        reweighting()
        return
    ladders()
    if "--ladder-only" in sys.argv:
        return
    scale = 0.2 if QUICK else 1.0
    for label, model in (
        ("dimer C=50 K/C=1.2", Dimer(K=60.0, C=50.0)),
        ("chain n=16 C=50 K/C=1.2", Chain(16, K=60.0, C=50.0)),
    ):
        print(label)
        sw = int((2_000_000 if model.n == 2 else 200_000) * scale)
        m, tm = timed(model, "metropolis", sweeps=sw, burn=1000, chains=4, seed=1)
        print(
            f"  metropolis: {m.stats['tunnelling_events'].sum():6d} events in {tm:6.2f} s "
            f"= {rate(m, tm):10.3g} /s"
        )
        swt = sw // 8
        pt, tp = timed(
            model,
            "tempering",
            sweeps=swt,
            burn=max(swt // 10, 2000),
            chains=4,
            seed=1,
            replicas=8,
            b_min=0.2 if model.n == 2 else 0.05,
        )
        print(
            f"  tempering : {pt.stats['tunnelling_events'].sum():6d} events in {tp:6.2f} s "
            f"= {rate(pt, tp):10.3g} /s; round trips {pt.stats['round_trips'].sum()} "
            f"({pt.stats['round_trips_per_second']:.3g} /s); swap acceptance "
            + " ".join(f"{a:.2f}" for a in pt.stats["swap_acceptance"])
        )
        print(
            f"              proposals/s inside tempering: {pt.stats['proposals_per_second']:.3g}"
            f" (metropolis: {m.stats['proposals_per_second']:.3g})"
        )
        walkers = max(32, 6 * model.n + 2)
        steps = int((20_000 if model.n == 2 else 4_000) * scale)
        em, te = timed(model, "emcee", sweeps=steps, burn=500, chains=walkers, seed=1)
        print(
            f"  emcee     : {em.stats['tunnelling_events'].sum():6d} events in {te:6.2f} s "
            f"= {rate(em, te):10.3g} /s ({walkers} walkers)"
        )
        best_other = max(rate(m, tm), rate(em, te), 1.0 / max(tm, te))
        print(
            f"  tempering / best of the others: >= {rate(pt, tp) / best_other:.0f}x "
            "(a method with no event counted as 1 event in its run time)"
        )
        # time for R-hat < 1.01 on mz2 (4 chains, tempering)
        for sweeps in (2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000):
            r, dt = timed(
                model,
                "tempering",
                sweeps=sweeps,
                burn=2000,
                chains=4,
                seed=2,
                replicas=8,
                b_min=0.2 if model.n == 2 else 0.05,
                thin=max(1, sweeps // 2000),
            )
            rhat = float(az.rhat(r.idata, var_names=["mz2"])["mz2"])
            if rhat < 1.01 or dt > 60:
                print(f"  R-hat(mz2) = {rhat:.4f} after {sweeps} sweeps, {dt:.2f} s wall")
                break


if __name__ == "__main__":
    main()
