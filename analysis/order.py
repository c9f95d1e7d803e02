"""Issue 19's order study: do disordered, size-dispersed assemblies order, and how?

Reads every complete run of runs/order_*.toml beside RESULTS (the directory of any one of
them), groups them by case (the fcc control, or a random box at one volume fraction and
sigma) and size, and reduces each over its realisations (`mcdimer.runs.reduce.
disorder_curves`: Binder cumulants from disorder-averaged moments, xi/L, bootstrap errors
over realisations). Per case and pair of sizes it finds where g_m, xi_m/L (ferromagnetic
order) and g_q, xi_q/L (spin-glass order, from the replica overlaps) cross
(`runs.reduce.crossing`, bootstrap errors), and prints the table docs/results/order.md
quotes: the crossings as T/T_1 = 1/b, the fraction of bootstrap replicates that cross, the
finite-temperature mean-field onset of the same realisations (`meanfield.critical_coupling(
model, thermal=True)` on the ladder: the first linear instability, like with like), the
fraction of realisations whose equilibration checks pass, and a verdict.

It also shows what a threshold does: the temperature at which the disorder-averaged mean
modulus <|mu_i|> crosses a threshold, for thresholds 0.66 to 0.94, moves with the threshold,
against the crossing of xi_m/L where there is one (PNG `*_threshold.png`).

python analysis/order.py results/order_fcc_n032 [PNG]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from _figures import cli

from mcdimer.plots import save
from mcdimer.runs import open_results
from mcdimer.runs.reduce import crossing, disorder_curves

N_BOOT = 400  # replicates per size (crossing SEs good to ~4 %)
FOUND = 0.8  # a crossing counts where at least this fraction of replicate pairs cross
QUANTITIES = ("g_m", "xi_m", "g_q", "xi_q")
LABELS = {"g_m": "$g_m$", "xi_m": r"$\xi_m/L$", "g_q": "$g_q$", "xi_q": r"$\xi_q/L$"}
MF_B_MIN = 1e-3  # finite-T mean-field onsets are looked for up to T/T_1 = 1000
THRESHOLDS = np.linspace(0.66, 0.94, 15)


def case_of(spec: dict) -> tuple:
    """(label, sort key) of a run's case: fcc, or (volume fraction, sigma) of a random box."""
    geo = spec["geometry"]
    if geo["builder"] == "periodic_lattice":
        return ("fcc lattice (control)", (0, 0.0, 0.0))
    phi, sigma = float(geo["packing_fraction"]), float(geo["sigma"])
    return (f"random box, phi = {phi:g}, sigma = {sigma:g}", (1, phi, sigma))


def load(results: Path) -> dict:
    """{(label, key): {n: merged sweep}} of every complete order_* run beside `results`."""
    cases: dict = {}
    for path in sorted(Path(results).parent.glob("order_*")):
        try:
            ds = open_results(path).to_dataset()
        except (ValueError, OSError):
            continue  # not (yet) complete
        spec = json.loads(ds.attrs["spec_json"])
        if spec.get("figure") != "order" or "order" not in ds:
            continue
        if "realisation" not in ds.dims:  # the lattice: one realisation
            ds = ds.expand_dims(realisation=[0])
        n = int(ds.sizes["particle"])
        cases.setdefault(case_of(spec), {})[n] = ds
    return dict(sorted(cases.items(), key=lambda kv: kv[0][1]))


def meanfield_onset(ds) -> np.ndarray:
    """Per realisation, the T/T_1 = 1/b below which finite-T mean field has an ordered
    solution: b K = K_c^T(model at b) (`critical_coupling(..., thermal=True)`: the ball's
    single-moment susceptibility at that temperature; docs/physics.md, "Order
    observables"), solved for b in [MF_B_MIN, 1]; NaN where stable at b = 1."""
    from scipy.optimize import brentq

    from mcdimer.meanfield.critical import critical_coupling
    from mcdimer.runs import model_at, parse, points

    spec = parse(ds.attrs["spec_toml"], "stored spec")
    out = []
    for point in points(spec):
        model = model_at(spec, point)

        def gap(log_b, model=model):
            b = float(np.exp(log_b))
            return b * model.K / critical_coupling(model.tempered(b), thermal=True) - 1.0

        if gap(0.0) <= 0.0:
            out.append(np.nan)
        elif gap(np.log(MF_B_MIN)) > 0.0:
            out.append(1.0 / MF_B_MIN)
        else:
            out.append(float(np.exp(-brentq(gap, np.log(MF_B_MIN), 0.0, xtol=1e-4))))
    return np.array(out)


def _cross(x, y) -> float:
    """b where y changes sign (y > 0 at large b: unstable), from the hot end; 0.0 (T above
    the ladder) if y > 0 everywhere, NaN if y <= 0 everywhere."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    if np.all(y > 0.0):
        return 0.0
    for j in range(x.size - 1):
        if y[j] <= 0.0 < y[j + 1]:
            return float(np.exp(x[j] + (x[j + 1] - x[j]) * (-y[j]) / (y[j + 1] - y[j])))
    return np.nan


def threshold_onsets(ds, b: np.ndarray) -> np.ndarray:
    """T/T_1 where the disorder-averaged <|mu_i|> first exceeds each of THRESHOLDS, cooling."""
    mean = ds["level_mean"].sel(observable="abs_mu_mean").mean("realisation").values
    out = []
    for t in THRESHOLDS:
        y = mean - t
        at = _cross(np.log(b), y)
        out.append(1.0 / at if at > 0 else np.nan)
    return np.array(out)


SPLAY = 2.0  # |z| of (large - small) that counts as a separation of two sizes' curves


def splay(small, large, q: str) -> tuple[float, float]:
    """z = (large - small) / combined SE of quantity q at the coldest (b = 1) and the
    hottest level: an ordering transition between them shows as z_cold > SPLAY (grows with
    n) and z_hot < -SPLAY (shrinks with n), the curves crossing in between."""
    d = large[q].values - small[q].values
    se = np.hypot(large[f"{q}_se"].values, small[f"{q}_se"].values)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = d / se
    cold, hot = int(np.argmax(small["b"].values)), int(np.argmin(small["b"].values))
    return float(z[cold]), float(z[hot])


def verdict(row: dict) -> str:
    """Ferromagnetic order, spin-glass order, neither, or undecided, from xi_m/L and xi_q/L
    of the two sizes (g_m, g_q support; g_q dips below 0 in small paramagnetic samples, so
    its crossings are not used alone), with the equilibration checks."""
    if row["consistent"] < 0.75:
        return "undecided (drift or start checks fail)"
    grows = {q: row["splay"][q][0] > SPLAY and row["splay"][q][1] < -SPLAY
             and row[q]["found"] >= FOUND for q in ("xi_m", "xi_q")}  # fmt: skip
    shrinks = {q: row["splay"][q][0] < -SPLAY for q in ("xi_m", "xi_q")}
    if grows["xi_m"]:
        return "ferromagnetic order: xi_m/L crosses and grows with n below"
    if grows["xi_q"]:
        return "spin-glass signature: xi_q/L crosses and grows with n below, xi_m/L does not"
    if all(shrinks.values()):
        return "no order down to T_1: xi/L shrinks with n at every level"
    return "undecided at these sizes: xi/L does not separate with n at T_1"


def analyse(cases: dict) -> tuple[list[dict], dict]:
    """(a row per case and pair of consecutive sizes, {case label: {n: disorder curves}})."""
    rows, by_case = [], {}
    for (label, _), sizes in cases.items():
        ns = sorted(sizes)
        curves = {n: disorder_curves(sizes[n], n_boot=N_BOOT, seed=n) for n in ns}
        by_case[label] = curves
        b = curves[ns[0]]["b"].values
        for small, large in zip(ns[:-1], ns[1:], strict=True):
            row = {"case": label, "sizes": (small, large), "b": b}
            for q in QUANTITIES:
                row[q] = crossing(curves[small], curves[large], q)
            for key, var in (("equilibrated", "equilibrated_fraction"),
                             ("consistent", "consistent_fraction")):  # fmt: skip
                row[key] = min(float(np.min(curves[n][var])) for n in (small, large))
            row["splay"] = {q: splay(curves[small], curves[large], q) for q in QUANTITIES}
            row["realisations"] = tuple(
                int(curves[n].attrs["realisations"]) for n in (small, large)
            )
            t_mf = meanfield_onset(sizes[large])
            row["meanfield_T"] = (float(np.nanmedian(t_mf)), float(np.nanmin(t_mf)),
                                  float(np.nanmax(t_mf)))  # fmt: skip
            row["verdict"] = verdict(row)
            rows.append(row)
    return rows, by_case


def _t(c: dict) -> str:
    if not np.isfinite(c["b"]):
        return f"{'none':>15} ({c['found']:.2f})"
    t, se = 1.0 / c["b"], c["se"] / c["b"] ** 2
    return f"{t:7.3f} +- {se:5.3f} ({c['found']:.2f})"


def _mf(r: dict) -> str:
    """The finite-T mean-field onset T/T_1: median [min, max] over the realisations."""
    med, lo, hi = r["meanfield_T"]
    if not np.isfinite(med):
        return "none"
    return f"{med:.3g}" if lo == hi else f"{med:.3g} [{lo:.3g}, {hi:.3g}]"


def table(rows: list[dict]) -> str:
    head = (f"{'case':<36} {'sizes':>9} {'R':>7} "
            + "".join(f"{'T*/T1 of ' + q + ' (found)':>26}" for q in QUANTITIES)
            + f" {'MF T_c/T1':>20} {'z_cold xi_m, xi_q':>18} {'checks':>6} {'trips':>6}"
            + "  verdict")  # fmt: skip
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['case']:<36} {r['sizes'][0]:>4}/{r['sizes'][1]:<4} "
            f"{r['realisations'][0]:>3}/{r['realisations'][1]:<3}"
            + "".join(f"{_t(r[q]):>26}" for q in QUANTITIES)
            + f" {_mf(r):>20} {r['splay']['xi_m'][0]:8.1f} {r['splay']['xi_q'][0]:8.1f}"
            + f" {r['consistent']:6.2f} {r['equilibrated']:6.2f}  {r['verdict']}"
        )
    return "\n".join(lines)


def _md(c: dict) -> str:
    if not np.isfinite(c["b"]):
        return f"none ({c['found']:.2f})"
    return f"{1.0 / c['b']:.2f} ± {c['se'] / c['b'] ** 2:.2f} ({c['found']:.2f})"


def markdown(rows: list[dict]) -> str:
    """The table of docs/results/order.md."""
    crossings = " | ".join(f"$T^*/T_1$ of {LABELS[q]}" for q in QUANTITIES)
    head = (
        f"| case | n | realisations | {crossings} | mean field $T_c/T_1$ | "
        "z of $\\xi_m/L$, $\\xi_q/L$ at $T_1$ | checks pass | and round trips | verdict |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['sizes'][0]}/{r['sizes'][1]} | "
            f"{r['realisations'][0]}/{r['realisations'][1]} | "
            + " | ".join(_md(r[q]) for q in QUANTITIES)
            + f" | {_mf(r)} | {r['splay']['xi_m'][0]:+.1f}, {r['splay']['xi_q'][0]:+.1f} | "
            f"{r['consistent']:.2f} | {r['equilibrated']:.2f} | {r['verdict']} |"
        )
    return "\n".join(lines)


def at_t1(curves: dict) -> str:
    """Markdown rows: every case and size at the coldest level (T = T_1)."""
    head = "| case | n | realisations | " + " | ".join(LABELS[q] for q in QUANTITIES)
    lines = [head + " | checks pass | and round trips |", "|---" * 9 + "|"]
    for label, sizes in curves.items():
        for n, c in sorted(sizes.items()):
            k = int(np.argmax(c["b"].values))
            vals = " | ".join(f"{float(c[q][k]):.3f} ± {float(c[f'{q}_se'][k]):.3f}"
                              for q in QUANTITIES)  # fmt: skip
            lines.append(
                f"| {label} | {n} | {c.attrs['realisations']} | {vals} | "
                f"{float(c['consistent_fraction'][k]):.2f} | "
                f"{float(c['equilibrated_fraction'][k]):.2f} |"
            )
    return "\n".join(lines)


def _plot_case(axes, sizes, curves):
    import matplotlib.pyplot as plt

    colours = plt.cm.viridis(np.linspace(0.15, 0.85, len(sizes)))
    for n, colour in zip(sorted(sizes), colours, strict=True):
        c = curves[n]
        t = 1.0 / c["b"].values
        for ax, q in zip(axes, QUANTITIES, strict=True):
            ax.errorbar(t, c[q], c[f"{q}_se"], color=colour, marker="o", ms=3, lw=1,
                        capsize=2, label=f"n = {n} ({c.attrs['realisations']})")  # fmt: skip
    for ax, q in zip(axes, QUANTITIES, strict=True):
        ax.set(xscale="log", xlabel="$T/T_1 = 1/b$", ylabel=LABELS[q])
        ax.xaxis.set_major_formatter(plt.matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(plt.matplotlib.ticker.NullFormatter())
        if q.startswith("g"):
            ax.axhline(0.0, color="0.7", lw=0.8)
            ax.set_ylim(-1.5, 1.05)  # small disordered samples dip below 0 (physics page)
        else:
            ax.set_ylim(0.0, 2.0)  # xi/L grows without bound in an ordered phase


def main(results, png) -> Path:
    import matplotlib.pyplot as plt

    cases = load(results)
    if not cases:
        raise SystemExit(f"no complete order_* runs beside {results}")
    rows, curves = analyse(cases)
    print(table(rows))
    print()
    print(markdown(rows))
    print()
    print(at_t1(curves))
    fig, axes = plt.subplots(len(curves), 4, figsize=(17, 3.4 * len(curves)), squeeze=False)
    for row_axes, (label, cur) in zip(axes, curves.items(), strict=True):
        _plot_case(row_axes, cur, cur)
        row_axes[0].set_title(label, loc="left", fontsize=10)
        row_axes[0].legend(fontsize=7, title="n (realisations)", title_fontsize=7)
    fig.tight_layout()
    out = save(fig, png)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    crossings = {r["case"]: r["xi_m"] for r in rows}  # the largest pair of each case
    for (label, _), sizes in cases.items():
        n = max(sizes)
        b = np.asarray(curves[label][n]["b"].values)
        (line,) = ax.plot(THRESHOLDS, threshold_onsets(sizes[n], b), marker="o", ms=3,
                          label=f"{label}, n = {n}")  # fmt: skip
        c = crossings.get(label)
        if c is not None and np.isfinite(c["b"]) and c["found"] >= FOUND:
            ax.axhline(1.0 / c["b"], color=line.get_color(), ls="--", lw=1,
                       label=r"its $\xi_m/L$ crossing")  # fmt: skip
    ax.set(xlabel=r"threshold on $\langle|\mu_i|\rangle$",
           ylabel="threshold 'onset' $T/T_1$")  # fmt: skip
    ax.legend(fontsize=6)
    fig.tight_layout()
    save(fig, Path(png).with_name(Path(png).stem + "_threshold.png"))
    return out


if __name__ == "__main__":
    cli(main, __doc__, "order")
