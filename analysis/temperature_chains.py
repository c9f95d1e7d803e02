"""Chains over temperature (runs/temperature_chains.toml): one tempering run per n.

Left to right, top to bottom: <|m^z|>, the Binder cumulant U4 = 1 - <m^4>/(3 <m^2>^2) and
the susceptibility chi = n (<m^2> - <|m|>^2) (d<|m^z|>/d(beta M0 H) per particle, kT at
that temperature) against T/T_1 = 1/b (T_1: the temperature of C = 50, K/C = 0.8): the
ladder's levels as points with their MCSE, the MBAR curves between them as bands
(+- 1 SE); dotted verticals: the finite-temperature mean-field onset of each n (where
`meanfield.finite_t_onset(b C, n)` = K/C). Then F(m^z) = -ln P(m^z) of n = 16 at a few
temperatures near the crossover (MBAR), the barrier F(0) - F(min) against n at fixed
temperatures (`sampling.profiles.barrier`; omitted where the profile is not bimodal), and
the default ladder's Lambda and R against n.

    python analysis/temperature_chains.py results/temperature_chains [PNG]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _figures import cli, root

from mcdimer.plots import save
from mcdimer.sampling.profiles import barrier, free_energy

T_SHOW = (6.0, 10.0, 14.0, 18.0, 25.0, 40.0)  # T/T_1 of the F(m^z) profiles
# T/T_1 of the barriers vs n: near the crossover, where they are a few kT to tens of kT
# (at T ~ T_1 MBAR extrapolates P(m^z ~ 0) from hot levels by factors e^-100 and more)
T_BARRIER = (8.0, 11.0, 14.0, 17.0)


def _chi(mean, n):
    return n * (mean.sel(observable="mz2") - mean.sel(observable="abs_mz") ** 2)


def _onset_b(C: float, ratio: float, n: int) -> float:
    """b at which the finite-T mean field of Chain(n) at (bC, K/C) starts ordering."""
    from mcdimer.meanfield import finite_t_onset

    lo, hi = np.log(1e-3), 0.0  # ordered at b = 1 (ratio above the onset), not at 1e-3
    if finite_t_onset(C, n) > ratio:
        return float("nan")
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if finite_t_onset(C * np.exp(mid), n) > ratio else (lo, mid)
    return float(np.exp(hi))


def main(results, png) -> Path:
    ds = root(results)
    if "n" not in ds.dims:
        ds = ds.expand_dims("n")
    import json

    model = json.loads(ds.attrs["spec_json"])["model"]
    C, ratio = float(model["C"]), float(model["ratio"])
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    (ax, bx, cx), (dx, ex, fx) = axes
    colours = plt.cm.viridis_r(np.linspace(0.05, 0.95, ds.sizes["n"]))
    for n, colour in zip(ds.n.values, colours, strict=True):
        d = ds.sel(n=n)
        keep = np.isfinite(d.level_b.values)
        T = 1.0 / d.level_b.values[keep]
        lm, ls = d.level_mean.isel(level=keep), d.level_mcse.isel(level=keep)
        has_rw = "reweight_b" in d
        if has_rw:
            Tr = 1.0 / d.reweight_b.values
            rm, rs = d.reweight_mean, d.reweight_se
        for axis, key in ((ax, "abs_mz"), (bx, "binder")):
            axis.errorbar(T, lm.sel(observable=key), ls.sel(observable=key), fmt="o", ms=3,
                          color=colour, label=f"n = {n}")  # fmt: skip
            if has_rw:
                y, e = rm.sel(observable=key).values, rs.sel(observable=key).values
                axis.fill_between(Tr, y - e, y + e, color=colour, alpha=0.3, lw=0)
                axis.plot(Tr, y, color=colour, lw=0.8)
        cx.plot(T, _chi(lm, n), "o", ms=3, color=colour)
        if has_rw:
            cx.plot(Tr, _chi(rm, n), color=colour, lw=0.8)
        b_mf = _onset_b(C, ratio, int(n))
        if np.isfinite(b_mf):
            for axis in (ax, bx, cx):
                axis.axvline(1.0 / b_mf, color=colour, ls=":", lw=0.8)
    for axis in (ax, bx, cx):
        axis.set_xscale("log")
        axis.set_xlabel("$T/T_1 = 1/b$")
    ax.set(ylabel=r"$\langle|m^z|\rangle$", title="levels (points), MBAR (bands)")
    bx.set(ylabel=r"$U_4 = 1 - \langle m^4\rangle/3\langle m^2\rangle^2$", title="Binder cumulant")
    cx.set(ylabel=r"$\chi = n(\langle m^2\rangle - \langle|m|\rangle^2)$", yscale="log",
           title="susceptibility")  # fmt: skip
    ax.legend(fontsize=7)

    m = ds.m.values
    n_show = 16 if 16 in ds.n.values else int(ds.n.values[ds.sizes["n"] // 2])
    d = ds.sel(n=n_show)
    if "reweight_b" in d:
        T_rw = 1.0 / d.reweight_b.values
        picks = np.unique([int(np.argmin(np.abs(np.log(T_rw / T)))) for T in T_SHOW])
        for j, colour in zip(picks, plt.cm.plasma(np.linspace(0, 0.9, picks.size)), strict=True):
            F, F_se = free_energy(d.reweight_pdf_mz.values[j], d.reweight_pdf_mz_se.values[j])
            dx.errorbar(m, F, F_se, color=colour, lw=0.8, ms=2, fmt="o-",
                        label=f"T/T_1 = {1 / float(d.reweight_b[j]):.3g}")  # fmt: skip
    dx.set(xlabel="$m^z$", ylabel=r"$F(m^z)/kT = -\ln P$", title=f"n = {n_show} (MBAR)")
    dx.legend(fontsize=7)

    # barrier vs n at fixed temperatures: the level (or MBAR point) nearest each b
    for b_fix, colour in zip(1.0 / np.array(T_BARRIER), ("C0", "C1", "C2", "C3"), strict=True):
        ns, dFs, ses = [], [], []
        for n in ds.n.values:
            d = ds.sel(n=n)
            src = (
                ("reweight_b", "reweight_pdf_mz")
                if "reweight_b" in d
                else ("level_b", "level_pdf_mz")
            )
            bs = d[src[0]].values
            j = int(np.nanargmin(np.abs(np.log(bs) - np.log(b_fix))))
            try:
                F, F_se = free_energy(d[src[1]].values[j], d[src[1] + "_se"].values[j])
                dF, se = barrier(m, F, F_se)
            except ValueError:  # not bimodal, or empty bins at m = 0
                continue
            ns.append(n), dFs.append(dF), ses.append(se)
        if ns:
            ex.errorbar(
                ns, dFs, ses, fmt="o-", ms=3, color=colour, label=f"T/T_1 = {1 / b_fix:.3g}"
            )
    ex.set(xscale="log", xlabel="n", ylabel=r"$\Delta F/kT$", title="barrier of F(m^z) (MBAR)")
    if ex.get_legend_handles_labels()[0]:  # no barrier when no profile is bimodal
        ex.legend(fontsize=7)

    fx.plot(ds.n.values, ds["stat_Lambda"].values, "o-", ms=3, label="Lambda (production)")
    fx.plot(
        ds.n.values, np.isfinite(ds.level_b.values).sum(axis=-1), "s-", ms=3, label="replicas R"
    )
    fx.set(xscale="log", xlabel="n", title="default ladder")
    fx.legend(fontsize=7)
    for axis in (ex, fx):
        axis.set_xticks(ds.n.values, [str(int(n)) for n in ds.n.values])
        axis.minorticks_off()
    fig.tight_layout()
    return save(fig, png)


if __name__ == "__main__":
    cli(main, __doc__, "temperature_chains")
