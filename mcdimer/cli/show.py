"""`mcdimer show`: what a result file holds (means with MCSE, ESS, R-hat, exact, mean field)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from ..sampling.diagnostics import BATCH_R1_LIMIT
from ..sampling.dims import DIMS
from . import printable
from .run import run_errors


def _box_lines(ds) -> list[str]:
    """The periodic box of an assembly (edges in units of d), or of every merged point."""
    if "box" not in ds:
        return []
    edges = np.asarray(ds["box"].transpose(DIMS.xyz, ...).values, dtype=float).reshape(3, -1)
    edges = edges[:, np.all(np.isfinite(edges), axis=0)]
    if edges.shape[1] == 0:
        return []
    if np.all(edges == edges[:, :1]):
        box = ", ".join(f"{v:.6g}" for v in edges[:, 0])
        return [f"  periodic box (Lx, Ly, Lz) = ({box}) (units of d, Ewald, conducting boundary)"]
    lo, hi = edges.min(axis=1), edges.max(axis=1)
    span = ", ".join(f"{a:.6g}..{b:.6g}" for a, b in zip(lo, hi, strict=True))
    return [f"  periodic boxes (Lx, Ly, Lz) = ({span}) over the points (units of d)"]


def _point_lines(ds) -> list[str]:
    lines = _box_lines(ds)
    if "mean" in ds:
        summarised = ds[DIMS.summary_observable].values
        ess = dict(zip(summarised, ds.ess_bulk.values, strict=True))
        rhat = dict(zip(summarised, ds.r_hat.values, strict=True))
        exact = {}
        if "exact_mean" in ds:
            exact = dict(zip(ds[DIMS.exact_observable].values, ds.exact_mean.values, strict=True))
        lines.append(
            f"  {'observable':<12} {'mean':>12} {'mcse':>10} {'ess_bulk':>9} {'r_hat':>7}"
            + (f" {'exact':>12}" if exact else "")
        )
        for obs, mean, se in zip(
            ds[DIMS.observable].values, ds["mean"].values, ds.mcse.values, strict=True
        ):
            e = f"{ess[obs]:9.0f}" if obs in ess and np.isfinite(ess[obs]) else f"{'':9}"
            r = f"{rhat[obs]:7.4f}" if obs in rhat and np.isfinite(rhat[obs]) else f"{'':7}"
            x = f" {exact[obs]:12.6f}" if obs in exact else (f" {'':12}" if exact else "")
            lines.append(f"  {obs:<12} {mean:12.6f} {se:10.2e} {e} {r}{x}")
        if "batch_r1" in ds:
            r1 = dict(zip(summarised, ds.batch_r1.values, strict=True))
            bad = [f"{k} (r = {v:.2f})" for k, v in r1.items() if v > BATCH_R1_LIMIT]
            if bad:
                lines.append(
                    f"  warning: batch means correlated (lag-1 r > {BATCH_R1_LIMIT}): "
                    + ", ".join(bad)
                    + ": MCSE too small; rerun with fewer batches (n_batches) or more sweeps"
                )
    elif "exact_mean" in ds:
        for obs, v in zip(ds[DIMS.exact_observable].values, ds.exact_mean.values, strict=True):
            lines.append(f"  {obs:<12} {v:12.8f}  (exact, Eq. (B8))")
    if "meanfield_mz" in ds:
        lines.append(f"  T = 0 mean field m^z = {float(ds.meanfield_mz):.6f}")
    if "level_mean" in ds:
        lines.append(f"  ladder levels (b_k = T/T_k), {ds.sizes[DIMS.level]} levels:")
        cols = ("abs_mz", "mz2", "binder", "energy")
        lines.append(f"  {'k':>3} {'b':>9}" + "".join(f" {c:>10} {'mcse':>8}" for c in cols))
        for k, b in enumerate(ds.level_b.values):
            if not np.isfinite(b):  # a merged sweep: past this point's last level
                continue
            row = f"  {k:3d} {b:9.5f}"
            for c in cols:
                m = float(ds.level_mean.isel({DIMS.level: k}).sel({DIMS.observable: c}))
                e = float(ds.level_mcse.isel({DIMS.level: k}).sel({DIMS.observable: c}))
                row += f" {m:10.5f} {e:8.1e}"
            lines.append(row)
    lines += _order_lines(ds)
    return lines


def _order_lines(ds) -> list[str]:
    """Binder cumulants and correlation lengths (b = 1, then per level) and the
    equilibration verdict of a point with order observables (result layout 3)."""
    if "order" not in ds:
        return []
    names = [str(q) for q in ds[DIMS.order_quantity].values]
    shown = [k for k, q in enumerate(names) if np.isfinite(ds.order.values[k])]
    lines = ['  order (docs/physics.md, "Order observables"; xi = xi/L):']
    lines.append("  " + "  ".join(
        f"{names[k]} = {ds.order.values[k]:.4f} +- {ds.order_se.values[k]:.1e}" for k in shown
    ))  # fmt: skip
    if "level_order" in ds:
        lines.append(f"  {'k':>3} {'b':>9}" + "".join(f" {names[k]:>9} {'se':>7}" for k in shown))
        for lv, b in enumerate(ds.level_b.values):
            if not np.isfinite(b):
                continue
            v, e = ds.level_order.values[lv], ds.level_order_se.values[lv]
            lines.append(
                f"  {lv:3d} {b:9.5f}" + "".join(f" {v[k]:9.4f} {e[k]:7.1e}" for k in shown)
            )
    if "equilibrated" in ds and not bool(ds.equilibrated):
        flags = json.loads(ds.attrs.get("equilibration_flags_json", "[]"))
        lines.append("  warning: NOT EQUILIBRATED (do not use this point):")
        for f in dict.fromkeys(f.split("): ", 1)[-1] if "round trips" in f else f for f in flags):
            lines.append(f"    {printable(f)}")  # a ladder-wide flag once (older files: per level)
    return lines


@click.command()
@click.argument("result", metavar="RESULT.nc", type=click.Path(path_type=Path))
@run_errors
def show(result):
    """Summary of a point file (or of a merged sweep.nc): means, MCSE, ESS, R-hat."""
    from .. import runs

    tree = runs.open_point(result)  # a FIFO or device is refused, never opened
    try:
        _show(result, tree)
    except (KeyError, AttributeError, IndexError, TypeError, json.JSONDecodeError) as err:
        # a file with our completion mark but not our layout: crafted, or damaged by hand
        raise ValueError(
            f"{result}: not a usable mcdimer result file ({type(err).__name__}: {err})"
        ) from None


def _show(result, tree) -> None:
    ds = tree.to_dataset()
    spec = json.loads(ds.attrs["spec_json"])
    click.echo(
        f"{printable(result)}: mcdimer {printable(ds.attrs['mcdimer_version'])}, "
        f"kind {printable(spec['kind'])}"
    )
    if spec.get("title"):
        click.echo(f"  {printable(spec['title'])}")
    if "point_index" in ds.attrs:
        coords = json.loads(ds.attrs["point_coords_json"])
        where = ", ".join(f"{k} = {v:g}" for k, v in coords.items())
        click.echo(
            f"point {ds.attrs['point_index']} ({where or 'single point'}), "
            f"seed {ds.attrs['point_seed']}"
        )
        for line in _point_lines(ds):
            click.echo(line)
        for name, child in tree.children.items():
            dims = ", ".join(f"{k}={v}" for k, v in child.to_dataset(inherit=False).sizes.items())
            click.echo(f"  group /{name}: {', '.join(child.data_vars)} ({dims})")
        return
    axes = list(spec.get("axes", {}))
    click.echo(f"merged sweep of {ds.attrs.get('points')} points over {', '.join(axes) or '-'}")
    if axes:
        for line in _box_lines(ds):
            click.echo(line)
    if not axes:
        for line in _point_lines(ds):
            click.echo(line)
        for name, child in tree.children.items():
            click.echo(f"  group /{name}: {', '.join(child.data_vars)}")
        return
    flat = ds.stack({DIMS.point: axes}) if len(axes) > 1 else ds.rename({axes[0]: DIMS.point})
    head = "  " + " ".join(f"{a:>8}" for a in axes)
    cols = []
    if "mean" in ds:
        cols += ["<|mu1z|>", "mcse", "min ess", "max r_hat"]
    if "exact_mean" in ds:
        cols += ["exact"]
    if "meanfield_mz" in ds:
        cols += ["MF m^z"]
    click.echo(head + "".join(f" {c:>10}" for c in cols))
    for i in range(flat.sizes[DIMS.point]):
        p = flat.isel({DIMS.point: i})
        vals = (
            [
                float(p[a]) if a in p.coords else float(p[DIMS.point].values[()][k])
                for k, a in enumerate(axes)
            ]
            if len(axes) > 1
            else [float(p[DIMS.point])]
        )
        row = "  " + " ".join(f"{v:8.4g}" for v in vals)
        if "mean" in ds:
            at = {DIMS.observable: "abs_mu1z"}
            m, s = p["mean"].sel(at), p.mcse.sel(at)
            row += f" {float(m):10.5f} {float(s):10.1e} {float(p.ess_bulk.min()):10.0f}"
            row += f" {float(p.r_hat.max()):10.4f}"
        if "exact_mean" in ds:
            row += f" {float(p.exact_mean.sel({DIMS.exact_observable: 'abs_mu1z'})):10.5f}"
        if "meanfield_mz" in ds:
            row += f" {float(p.meanfield_mz):10.4f}"
        click.echo(row)
