"""`mcdimer meanfield`: the mean-field results of Secs. III-IV and App. C."""

from __future__ import annotations

import json

import click

from . import user_errors


def _meanfield():
    """mcdimer.meanfield, imported when a command runs, not when the CLI loads: it pulls in
    xarray and scipy, ~0.8 s of CPU that `mcdimer --help` should not pay
    (benchmarks/bench_startup.py)."""
    from .. import meanfield

    return meanfield


@click.group()
def meanfield():
    """Mean-field (self-consistent) results: Eqs. (6)-(10), (C1)."""


@meanfield.command()
@click.option("--d-over-a", type=float, required=True, help="Distance d / radius a (>= 2; >= 3).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def critical(d_over_a, as_json):
    """Critical susceptibilities chi_c^z, chi_c^x of Eq. (8) (cgs, dimensionless)."""
    mf = _meanfield()
    out = {
        "d_over_a": d_over_a,
        "chi_c_z": mf.critical_susceptibility(d_over_a, "z"),
        "chi_c_x": mf.critical_susceptibility(d_over_a, "x"),
    }
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(
        f"Eq. (8), d/a = {d_over_a:g}: chi_c^z = {out['chi_c_z']:.6g}, "
        f"chi_c^x = chi_c^y = {out['chi_c_x']:.6g}"
    )


@meanfield.command()
@click.option("--chi1", type=float, required=True, help="chi_1 / chi_c^z.")
@click.option("--chi2", type=float, required=True, help="chi_2 / chi_c^z.")
@click.option("--hz", type=float, default=0.0, show_default=True, help="H_z d^3 / M0.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def dimer(chi1, chi2, hz, as_json):
    """The tanh dimer, Eqs. (3) + (9): moments and phase (Figs. 3-4)."""
    mf = _meanfield()
    state = mf.saturating_dimer(chi1, chi2, hz)
    out = {
        "chi1": chi1,
        "chi2": chi2,
        "hz": hz,
        "m1": state.m[0].tolist(),
        "m2": state.m[1].tolist(),
        "converged": state.converged,
        "residual": state.residual,
        "stable": state.stable,
        "phase_at_h0": mf.phase(chi1, chi2),
        "chi_zz_linear": float(mf.reduced_longitudinal_susceptibility(chi1, chi2)),
    }
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"tanh dimer, chi/chi_c^z = ({chi1:g}, {chi2:g}), H_z d^3/M0 = {hz:g}")
    click.echo(f"  M_1/M0 = {state.m[0].round(10).tolist()}")
    click.echo(f"  M_2/M0 = {state.m[1].round(10).tolist()}")
    click.echo(
        f"  converged: {state.converged} (residual {state.residual:.1e}), stable: {state.stable}"
    )
    click.echo(
        f"  phase at H = 0: {out['phase_at_h0']}; linear chi^zz/chi_c^z (Eq. 6): "
        f"{out['chi_zz_linear']:.6g}"
    )


@meanfield.command()
@click.option("--n", "n", type=int, required=True, help="Number of particles (>= 2).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def chain(n, as_json):
    """Critical susceptibility of an n-particle chain, Eq. (C1) (Fig. 9)."""
    mf = _meanfield()
    ratio = mf.chain_critical_ratio(n)
    out = {"n": n, "ratio": ratio, "asymptote": mf.CHAIN_ASYMPTOTE}
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(
        f"Eq. (C1): chi_c,N^z / chi_c^z = {ratio:.12g} for N = {n} "
        f"(N -> inf: 1/(2 zeta(3)) = {mf.CHAIN_ASYMPTOTE:.12g})"
    )
