"""`mcdimer micro`: the microscopic orbital response of gold-like spheres (Sec. V, App. A)."""

from __future__ import annotations

import json
import warnings

import click

from .. import micro as mic
from . import user_errors

_kfa_only = click.option("--kfa", type=float, help="Radius k_F a (0 < kfa <= 500).")
_shell = click.option(
    "--shell", metavar="N,L", help="Radius kFa = zeta_{N,L} (e.g. 1,36), instead of --kfa."
)


def _kfa(func):
    return _kfa_only(_shell(func))


def _resolve(kfa, shell, t) -> float:
    """kfa from --kfa or --shell (exactly one); warn (stderr) if --kfa is off a nearby peak."""
    if (kfa is None) == (shell is None):
        raise ValueError("give exactly one of --kfa and --shell N,L")
    if shell is not None:
        return mic.spectrum.shell_kfa(shell)
    kfa = mic.units.kfa(kfa)
    message = mic.spectrum.off_peak_message(kfa, mic.units.t(t))
    if message:
        click.echo(f"mcdimer: warning: {message}", err=True)
    return kfa


_t = click.option("--t", "t", type=float, required=True, help="Temperature T/T_F (> 0).")
_d = click.option("--d-over-a", type=float, default=3.0, show_default=True, help="d/a (>= 2).")
_chi_l = click.option("--chi-l", type=float, default=mic.CHI_L_GOLD, show_default=True)
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _emit(out: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(out, indent=2))
    else:
        for key, value in out.items():
            click.echo(
                f"{key:<14} {value:.10g}" if isinstance(value, float) else f"{key:<14} {value}"
            )


@click.group()
def micro():
    """Microscopic orbital magnetism (docs/physics.md, "Microscopic model"): chi, M(x), dimers,
    chains."""


@micro.command()
@_kfa
@_t
@_chi_l
@_json
@user_errors
def zfs(kfa, shell, t, chi_l, as_json):
    """Zero-field susceptibility chi/|chi_L| (Figs. 5a, 6)."""
    kfa = _resolve(kfa, shell, t)
    chi_l = mic.units.chi_l(chi_l)
    ratio = mic.zfs(kfa, t)
    _emit({"kfa": kfa, "t": t, "chi_over_chi_l": ratio, "chi": ratio * chi_l}, as_json)


@micro.command()
@_kfa
@_t
@click.option("--x", "x", type=float, required=True, help="hbar omega_c/E_F (|x| <= 0.01).")
@_json
@user_errors
def moment(kfa, shell, t, x, as_json):
    """Moment M/mu_B at field x = hbar omega_c/E_F (Fig. 7)."""
    kfa = _resolve(kfa, shell, t)
    _emit({"kfa": kfa, "t": t, "x": x, "m": mic.moment(kfa, t, x)}, as_json)


@micro.command()
@_kfa
@_t
@_d
@_chi_l
@_json
@user_errors
def dimer(kfa, shell, t, d_over_a, chi_l, as_json):
    """Self-consistent dimer moment m^z/mu_B at H = 0 (Fig. 5b)."""
    kfa = _resolve(kfa, shell, t)
    out = {
        "kfa": kfa,
        "t": t,
        "d_over_a": d_over_a,
        "m_z": mic.dimer_moment(kfa, t, d_over_a, chi_l),
        "t_cross": mic.crossing_temperature(kfa, d_over_a, chi_l),
    }
    _emit(out, as_json)


@micro.command()
@click.option("--n", "n", type=int, required=True, help="Number of particles in the chain.")
@_kfa
@_t
@_d
@_chi_l
@_json
@user_errors
def chain(n, kfa, shell, t, d_over_a, chi_l, as_json):
    """Self-consistent finite-chain moments M_i^z/mu_B at H = 0 (Fig. 10)."""
    kfa = _resolve(kfa, shell, t)
    prof = mic.chain_profile(n, kfa, t, d_over_a, chi_l)
    out = {"n": n, "kfa": kfa, "t": t, "m_z": float(prof.mean()), "profile": prof.tolist()}
    _emit(out, as_json)


@micro.command()
@_kfa
@_t
@_d
@_chi_l
@_json
@user_errors
def landscape(kfa, shell, t, d_over_a, chi_l, as_json):
    """M0, x0, K and C-equivalent of the Microscopic landscape."""
    kfa = _resolve(kfa, shell, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # already said by _resolve
        land = mic.Microscopic(kfa, t, d_over_a, chi_l)
    out = {"kfa": kfa, "t": t, "m0": land.m0, "x0": land.x0, "K": land.K, "chi": land.chi}
    _emit(out, as_json)
