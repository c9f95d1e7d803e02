"""`mcdimer exact`: the exact dimer observables of Eq. (B8)."""

from __future__ import annotations

import json

import click

from .. import exact as exact_dimer
from ..model import Dimer
from . import user_errors

_LABELS = {
    "mu1z": "<mu_1^z>",
    "mu1x": "<mu_1^x>",
    "mu1z2": "<(mu_1^z)^2>",
    "mu1x2": "<(mu_1^x)^2>",
    "abs_mu1z": "<|mu_1^z|>",
    "abs_mu1": "<|mu_1|>",
    "mu1z_mu2z": "<mu_1^z mu_2^z>",
    "energy": "<beta E>",
}


@click.command()
@click.option("--C", "C", type=float, required=True, help="C = beta gamma M0^2 (>= 0), Eq. (B1).")
@click.option("--K", "K", type=float, required=True, help="K = beta M0^2 / d^3, Eq. (B5).")
@click.option(
    "--hz", type=float, default=0.0, show_default=True, help="Longitudinal field beta M0 H_z."
)
@click.option(
    "--hx", type=float, default=0.0, show_default=True, help="Transverse field beta M0 H_x."
)
@click.option(
    "--hy", type=float, default=0.0, show_default=True, help="Transverse field beta M0 H_y."
)
@click.option("--bins", type=int, default=0, help="Also print P(mu_1^z) on this many bins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@user_errors
def exact(C, K, hz, hx, hy, bins, as_json):
    """Exact thermal averages of the dimer by quadrature of Eq. (B8)."""
    model = Dimer(K=K, C=C, h=(hx, hy, hz))
    values = exact_dimer.expect(model)
    pdf = exact_dimer.pdf_mu1z(model, bins) if bins else None
    if as_json:
        out = {"model": {"n": 2, "C": C, "K": K, "h": [hx, hy, hz]}, "expect": values}
        if pdf is not None:
            out["pdf_mu1z"] = {
                "edges": exact_dimer.bin_edges(bins).tolist(),
                "density": pdf.tolist(),
            }
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(
        f"exact dimer, Eq. (B8): C = {C:g}, K = {K:g} (K/C = {K / C if C else float('inf'):.4g}), "
        f"h = ({hx:g}, {hy:g}, {hz:g})"
    )
    for key, value in values.items():
        click.echo(f"  {_LABELS[key]:<18} {round(value, 12) + 0.0: .10f}")  # no "-0.0"
    if pdf is not None:
        edges = exact_dimer.bin_edges(bins)
        click.echo("  P(mu_1^z), bin-averaged:")
        for lo, hi, p in zip(edges[:-1], edges[1:], pdf, strict=True):
            click.echo(f"    [{lo:+.3f}, {hi:+.3f})  {p:.8f}")
