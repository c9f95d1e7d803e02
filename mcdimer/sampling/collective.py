"""Collective Metropolis move along a fixed direction of the whole configuration: the soft
mode of Eq. (C1) (docs/physics.md, "Mean field"), so that the slow amplitude of the ordering
pattern moves by its own thermal width in one O(n) proposal.

A replica's reduced energy is u = sum_i f_{a(i)}(|mu_i|^2) + b W (`moves.py`), with
W = -sum_i s_i h . mu_i - (1/2) mu . T . mu quadratic in the 3n coordinates and
h_i = s_i h + sum_j T_ij mu_j its stored fields (Eq. (3), reduced; in a box T_ii, the
particle's own images, included). For a fixed direction v (3n coordinates) and
eps uniform in [-delta, delta],

    mu -> mu + eps v,     Delta W = -eps v . h - (eps^2 / 2) v . T . v

exactly, so with Tv = T v and v.T.v computed once a proposal costs n landscape lookups and
one dot product, and an accepted one updates every field by eps (T v)_i. The proposal is
symmetric (eps and -eps equally likely, a translation: the flat measure d^3mu_1...d^3mu_n of
Eq. (B7) is kept), a configuration outside the balls (some |mu_i| > 1) has zero weight and is
rejected, and the rest is accepted with min(1, exp(-Delta u)): Metropolis, so the move leaves
exp(-u) invariant for any v and delta. It is not ergodic alone (it moves along one line):
it runs in a cycle with an ergodic move (`moves.ERGODIC`).

Choice of v: `meanfield.critical_mode(model)` (unit norm), the eigenvector of the linearised
mean-field map with the largest eigenvalue. In the Gaussian limit (quadratic f_a = C_a r^2)
u is quadratic along v with stiffness k = sum_i 2 C_{a(i)} |v_i|^2 - b v.T.v, which tends
to zero at the mean-field threshold while every local move relaxes that amplitude only
through many single-moment steps (critical slowing down); a step delta ~ 4 / sqrt(k) moves
it across its width at acceptance ~0.4 (measured on the n = 64 chain at C = 50, K/C = 0.9 x
critical, k = 10: delta 1.2, acceptance 0.4). Through the engine, four proposals per
heat-bath + over-relaxation pair, the Metropolis default (`config.DEFAULT_MOVES`, where the
measurements that chose it are), give ~7x the ESS/s of m_z^2 of heatbath + overrelax on
that chain, and eight 10x (benchmarks/bench_moves.py --ess-only --n 64 --critical).

Every default Metropolis run computes v, so it must be cheap: `soft_mode` asks for it to
SOFT_TOL (`meanfield.critical_mode(model, tol)`: dense up to n = 256, Lanczos from a fixed
start above; benchmarks/bench_heatbath.py --setup: ~1 s at n = 1024-2048). In
a degenerate critical subspace (an fcc box: uniform order along any axis) v is the pattern
of that subspace nearest to ordering along z, so the move drives m_z; the transverse
amplitudes relax through the single-moment moves only. One v serves every tempering level:
a temperature-independent landscape scales with b as W does, so the Hessian of u at mu = 0
is b times that at b = 1 and has the same eigenvectors (for Microscopic landscapes, rebuilt
at t / b, measured: overlap 1 - 1e-11 between the modes at b = 1 and b = 0.2 of a
two-size assembly).

In the engine it is the cycle entry "collective" (`moves.COLLECTIVE`): one proposal per
sweep, `kernels.Target.soft` holding `soft_mode(model)` (read-only, `SoftMode`), and a step
per level (`EngineState.soft_delta`, started at `initial_soft_step`) adapted during burn-in
toward the displacement step's acceptance (`kernels.adapt_soft_steps`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .couplings import frozen
from .rng import next_double
from .tables import NO_SLOPES, landscape_value, slope_at

SOFT_STEP_FALLBACK = 1.0  # first step when the Gaussian stiffness k is not positive
# Relative accuracy of v's Rayleigh quotient (`meanfield.critical_mode(model, tol)`): any v
# keeps the move exact, and 1e-3 of lambda_max changes the stiffness k at 0.9 of the
# threshold by ~1e-2 of itself; Lanczos then took 0.7-0.9 s at n = 1024-2048 (1.5-3.4 s on
# a busy machine) where the exact eigenvector took 74-111 s at n = 1024 (chains;
# benchmarks/bench_heatbath.py --setup).
SOFT_TOL = 1e-3


class SoftMode(NamedTuple):
    """The direction of the collective move: v (n, 3) of unit norm, T v (n, 3), v . T . v.
    Read-only arrays (`couplings.frozen`): one Numba type of `kernels.Target` whether the
    cycle holds the move or not (`NO_SOFT`)."""

    v: np.ndarray
    tv: np.ndarray
    vtv: float


NO_SOFT = SoftMode(frozen(np.zeros((0, 3))), frozen(np.zeros((0, 3))), 0.0)


def soft_mode(model, v=None) -> SoftMode:
    """(v, T v, v . T . v) for the collective move: v (n, 3) of unit norm (default the
    critical mode of Eq. (C1), `meanfield.critical_mode(model, SOFT_TOL)`; a model without
    one, a single particle outside a box (no dipolar partner) or a landscape with no
    curvature at mu = 0 (free moments, C = 0: no paramagnetic instability), moves every
    moment along e_z, any direction keeping the move exact), T v its dipolar field (Eq. (3)
    without the Zeeman part: h(v) - h(0)). ValueError naming v for a wrong shape or a zero
    or non-finite direction."""
    from mcdimer.meanfield import critical_mode
    from mcdimer.meanfield.critical import curvatures

    if v is None:
        alone = model.n < 2 and getattr(model, "box", None) is None
        try:
            unstable = not alone and bool(np.all(curvatures(model) > 0.0))
        except ValueError:  # curvatures refuses C_i <= 0
            unstable = False
        v = critical_mode(model, SOFT_TOL) if unstable else np.tile([0.0, 0.0, 1.0], (model.n, 1))
    v = np.array(v, dtype=float)
    if v.shape != (model.n, 3) or not np.all(np.isfinite(v)) or not np.any(v):
        raise ValueError(f"v must be a finite nonzero array of shape ({model.n}, 3)")
    v = v / np.linalg.norm(v)
    tv = model.field(v) - model.field(np.zeros_like(v))
    return SoftMode(frozen(v), frozen(tv), float(np.sum(v * tv)))


def initial_soft_step(soft: SoftMode, table_slopes: np.ndarray, b: float) -> float:
    """A first step 4 / sqrt(k) (module docstring) from the Gaussian stiffness along v at one
    level, k = sum_i 2 C_i |v_i|^2 - b v.T.v, with C_i = table_slopes[i] the slope of
    particle i's landscape table in s = |mu|^2 at 0 (f ~ C s); SOFT_STEP_FALLBACK when k is
    not positive (beyond the threshold the quartic terms set the width), and at most
    2 sqrt(n), the ball's diameter over the smallest largest |v_i|."""
    n = soft.v.shape[0]
    k = float(np.sum(2.0 * table_slopes * np.sum(soft.v**2, axis=1)) - b * soft.vtv)
    step = 4.0 / np.sqrt(k) if k > 0.0 else SOFT_STEP_FALLBACK
    return float(min(step, 2.0 * np.sqrt(n)))


@njit(cache=True, _nrt=False)
def collective_move(
    mu, fld, fcur, m, lev, b, tables, species, v, tv, vtv, delta, proposals, s0, s1, s2, s3,
    slopes=NO_SLOPES,
):  # fmt: skip
    """`proposals` Metropolis proposals mu -> mu + eps v of slot m at level lev (module
    docstring), eps uniform in [-delta, delta].

    mu, fld (slots, n, 3) and fcur (slots, n): the chain's moments, fields and landscape
    energies f_{a(i)}(|mu_i|^2), updated in place; tables (R, S, T), species (n,) and
    slopes (R, S) (`tables.landscape_value`; without them every f is read from its table)
    as the single-moment moves; v, tv (n, 3) and vtv from `soft_mode`. Returns (change of sum f,
    change of W, accepted proposals, xoshiro words). Uniforms: 1 per proposal, +1 when
    Delta u > 0. Cost O(n) per proposal, twice that when accepted.
    """
    n = mu.shape[1]
    d_f_total = 0.0
    d_w_total = 0.0
    accepted = 0
    for _ in range(proposals):
        u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
        eps = delta * (2.0 * u - 1.0)
        d_f = 0.0
        vh = 0.0
        inside = True
        for i in range(n):
            x = mu[m, i, 0] + eps * v[i, 0]
            y = mu[m, i, 1] + eps * v[i, 1]
            z = mu[m, i, 2] + eps * v[i, 2]
            s = x * x + y * y + z * z
            if s > 1.0:
                inside = False
                break
            a = species[i]
            d_f += landscape_value(tables, slope_at(slopes, lev, a), lev, a, s) - fcur[m, i]
            vh += v[i, 0] * fld[m, i, 0] + v[i, 1] * fld[m, i, 1] + v[i, 2] * fld[m, i, 2]
        if not inside:
            continue
        d_w = -eps * vh - 0.5 * eps * eps * vtv
        de = d_f + b * d_w
        if de > 0.0:
            u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
            if u >= np.exp(-de):
                continue
        for i in range(n):
            for c in range(3):
                mu[m, i, c] += eps * v[i, c]
                fld[m, i, c] += eps * tv[i, c]
            s = mu[m, i, 0] ** 2 + mu[m, i, 1] ** 2 + mu[m, i, 2] ** 2
            a = species[i]
            fcur[m, i] = landscape_value(tables, slope_at(slopes, lev, a), lev, a, s)
        d_f_total += d_f
        d_w_total += d_w
        accepted += 1
    return d_f_total, d_w_total, accepted, s0, s1, s2, s3
