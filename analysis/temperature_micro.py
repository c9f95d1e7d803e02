"""The thermal Fig. 10 (runs/temperature_micro.toml): microscopic chains over T/T_F.

One tempering run per n = 2, 4, 8 (kFa = zeta_{1,36}, d = 3a, H = 0); level k of the ladder
is the chain at t_k = t/b_k. Left: the thermal <|m^z|> per particle in Bohr magnetons
(reduced moments times the cold landscape's M0/mu_B, the unit of every level) at every
level with its MCSE, the MBAR curves between the levels as bands where the run stored them,
and the self-consistent m_N^z of Fig. 10 (`micro.chain_moment`, lines). Middle: the Binder
cumulant U4 = 1 - <m^4>/(3 <m^2>^2) of m^z per level. Right: the dimer's levels against
the exact quadrature of Eq. (B8) with that level's landscape Microscopic(kfa, t_k)
(`micro.thermal.exact_dimer_scan`), (sampled - exact)/MCSE for <|M_1^z|> and <(M_1^z)^2>.

Prints the thermal and self-consistent moments at Fig. 10's temperatures (between levels:
linear in log t; MBAR where stored) and the dimer's agreement with the quadrature.

    python analysis/temperature_micro.py results/temperature_micro [PNG]
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _figures import cli, root

from mcdimer.micro import Microscopic, chain_moment
from mcdimer.micro.spectrum import shell_kfa
from mcdimer.micro.thermal import exact_dimer_scan
from mcdimer.plots import save

T_FIG10 = (1e-7, 2e-7, 3e-7, 4e-7)  # the temperatures of Fig. 10
SC_POINTS = 60  # temperatures of the self-consistent curves


def _model(ds) -> tuple[float, float, float]:
    """(kfa, t, d_over_a) of the run's cold level."""
    model = json.loads(ds.attrs["spec_json"])["model"]
    kfa = shell_kfa(tuple(model["shell"])) if model.get("shell") else float(model["kfa"])
    return kfa, float(model["t"]), float(model.get("d_over_a") or 3.0)


def _at(t_grid, y, se, t):
    """y(t) and its error, linear in log t between the two bracketing grid points."""
    order = np.argsort(t_grid)
    lt, y, se = np.log(t_grid[order]), y[order], se[order]
    k = int(np.clip(np.searchsorted(lt, np.log(t)), 1, lt.size - 1))
    w = (np.log(t) - lt[k - 1]) / (lt[k] - lt[k - 1])
    return (1 - w) * y[k - 1] + w * y[k], float(np.hypot((1 - w) * se[k - 1], w * se[k]))


def dimer_check(d, kfa: float, m0: float, d_over_a: float) -> dict:
    """The n = 2 levels against the exact quadrature at each level's temperature."""
    keep = np.isfinite(d.level_b.values)
    t = float(d.t_cold) / d.level_b.values[keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ex = exact_dimer_scan(kfa, t, d_over_a=d_over_a)
    lm, ls = d.level_mean.isel(level=keep), d.level_mcse.isel(level=keep)
    a, a_se = m0 * lm.sel(observable="abs_mu1z").values, m0 * ls.sel(observable="abs_mu1z").values
    s2 = m0**2 * lm.sel(observable="mu1z2").values
    s2_se = m0**2 * ls.sel(observable="mu1z2").values
    z_abs = (a - ex.exact_abs_m1z.values) / a_se
    z_sq = (s2 - ex.exact_rms_m1z.values**2) / s2_se
    return {"t": t, "abs": a, "exact_abs": ex.exact_abs_m1z.values, "z_abs": z_abs,
            "z_sq": z_sq}  # fmt: skip


def main(results, png) -> Path:
    ds = root(results)
    if "n" not in ds.dims:
        ds = ds.expand_dims("n")
    kfa, t0, d_over_a = _model(ds)
    ds = ds.assign(t_cold=t0)
    m0 = Microscopic(kfa, t0, d_over_a).m0
    has_rw = "reweight_b" in ds
    fig, (ax, bx, cx) = plt.subplots(1, 3, figsize=(15, 4.6))
    colours = plt.cm.viridis_r(np.linspace(0.1, 0.9, ds.sizes["n"]))
    t_hot = t0 / float(np.nanmin(ds.level_b.values))
    t_sc = np.geomspace(t0, t_hot, SC_POINTS)
    rows = []
    for n, colour in zip(ds.n.values, colours, strict=True):
        d = ds.sel(n=n)
        keep = np.isfinite(d.level_b.values)
        t = t0 / d.level_b.values[keep]
        lm, ls = d.level_mean.isel(level=keep), d.level_mcse.isel(level=keep)
        y, e = m0 * lm.sel(observable="abs_mz").values, m0 * ls.sel(observable="abs_mz").values
        ax.errorbar(t, y, e, fmt="o", ms=3, color=colour, label=f"n = {n}: levels")
        sc = np.array([chain_moment(int(n), kfa, tk, d_over_a) for tk in t_sc])
        ax.plot(t_sc, sc, "--", color=colour, lw=1, label=f"n = {n}: self-consistent")
        bx.errorbar(t, lm.sel(observable="binder"), ls.sel(observable="binder"), fmt="o-",
                    ms=3, lw=0.8, color=colour, label=f"n = {n}")  # fmt: skip
        curve = (t, y, e)
        if has_rw:
            tr = t0 / d.reweight_b.values
            yr = m0 * d.reweight_mean.sel(observable="abs_mz").values
            er = m0 * d.reweight_se.sel(observable="abs_mz").values
            ax.fill_between(tr, yr - er, yr + er, color=colour, alpha=0.3, lw=0)
            curve = (tr, yr, er)
        for tf in T_FIG10:
            th, th_se = _at(*curve, tf)
            lv = _at(t, y, e, tf)[0]
            rows.append((int(n), tf, th, th_se, lv, chain_moment(int(n), kfa, tf, d_over_a)))
    ax.set(xscale="log", xlabel="$T/T_F$", ylabel=r"$\langle|m^z|\rangle$ per particle ($\mu_B$)",
           title=rf"$k_Fa = \zeta_{{1,36}}$, $d = {d_over_a:g}a$: thermal (points"
           + (", MBAR bands" if has_rw else "") + ") vs Fig. 10 (dashed)")  # fmt: skip
    ax.legend(fontsize=7)
    bx.set(xscale="log", xlabel="$T/T_F$", ylabel=r"$U_4$", title="Binder cumulant of $m^z$")
    bx.legend(fontsize=7)

    src = "MBAR" if has_rw else "levels, log-t interpolation"
    print(f"thermal <|m^z|> vs self-consistent m_N^z (mu_B per particle; thermal from {src}):")
    for n, tf, th, th_se, lv, sc in rows:
        print(f"  n = {n}  t = {tf:.1e}: thermal {th:7.1f} +- {th_se:4.1f} (levels, log-t "
              f"interpolation: {lv:7.1f}), self-consistent {sc:7.1f}, difference "
              f"{th - sc:+7.1f}")  # fmt: skip
    if 2 in ds.n.values:
        chk = dimer_check(ds.sel(n=2), kfa, m0, d_over_a)
        cx.plot(chk["t"], chk["z_abs"], "o-", ms=3, lw=0.8, label=r"$\langle|M_1^z|\rangle$")
        cx.plot(chk["t"], chk["z_sq"], "s-", ms=3, lw=0.8, label=r"$\langle(M_1^z)^2\rangle$")
        for v in (-4, 4):
            cx.axhline(v, color="grey", ls=":", lw=0.8)
        cx.set(xscale="log", xlabel="$T/T_F$", ylabel="(sampled - exact) / MCSE",
               title="n = 2: every level vs Eq. (B8) at $t_k$")  # fmt: skip
        cx.legend(fontsize=7)
        z = np.concatenate([chk["z_abs"], chk["z_sq"]])
        worst = int(np.argmax(np.abs(chk["z_abs"])))
        print(f"dimer, {chk['t'].size} levels vs the exact quadrature: max |z| = "
              f"{np.max(np.abs(z)):.2f}, chi2/dof = {np.mean(z**2):.2f} (<|M_1^z|> and "
              f"<(M_1^z)^2>); largest <|M_1^z|> deviation at t = {chk['t'][worst]:.3g}: "
              f"{chk['abs'][worst]:.1f} vs {chk['exact_abs'][worst]:.1f} mu_B")  # fmt: skip
    fig.tight_layout()
    return save(fig, png)


if __name__ == "__main__":
    cli(main, __doc__, "temperature_micro")
