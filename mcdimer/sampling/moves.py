"""Single-replica moves: each is one sweep of one replica, a kernel that leaves its
thermal density exp(-u) d^3mu_1 ... d^3mu_n invariant (Eq. (B7): flat measure on the balls).

A replica's reduced energy is u = sum_i f_{a(i)}(|mu_i|^2) + b W (W: Zeeman + dipolar,
`couplings.py`; f_a: the replica's landscape table of particle species a; b: its
inverse-temperature factor). A single-moment change moves W by exactly -dmu . h_i (W is
linear in each mu_i), so every proposal costs O(1) from the stored fields, and an accepted
one updates the other n - 1 fields.

The moves (`MOVES`, chosen per sweep from a fixed cycle: a fixed cycle of invariant kernels
leaves the target invariant):
- displace: uniform displacement in a cube of half-width delta, symmetric with respect to
  d^3mu, Metropolis ratio exp(-Delta u); proposals outside the ball are rejected;
- jump: an independent point uniform in the ball (symmetric too), reaching |mu| ~ 0 and ~ 1;
- heatbath: mu_i drawn from its exact conditional density (`heatbath.py`);
- overrelax: mu_i -> 2 (mu_i.e) e - mu_i, e = h_i/|h_i|: keeps |mu_i| and h_i . mu_i, so u
  is unchanged for any isotropic landscape; an involution that preserves d^3mu, hence always
  accepted. Not ergodic alone (it never changes |mu_i| or h_i . mu_i);
- flip: mu -> -mu for the whole replica (a symmetry of the dipolar part and of f; the
  Zeeman part changes by 2 b sum_i s_i h.mu_i, accepted with that Metropolis ratio);
- collective: one Metropolis proposal mu -> mu + eps v along the soft mode v of Eq. (C1)
  (`collective.py`), eps uniform in [-delta_soft, delta_soft], O(n); one "sweep" of it is
  one proposal, as one flip is. Not ergodic alone (it moves along one line).

In a periodic box (`Couplings.table` not empty) particle i also couples to its own images:
W holds -(1/2) mu_i . T_ii . mu_i and is quadratic in mu_i, with T_ii = K s_i^2 G_ii
(`couplings.py`). The stored field h_i = -grad_i W includes T_ii mu_i. Then
- displace, jump: Delta W = -dmu . h_i - (1/2) dmu . T_ii . dmu, exact, same Metropolis test;
- heatbath, overrelax: run with the field of the others, g_i = h_i - T_ii mu_i, so that they
  leave p0 ∝ exp(-f(|mu_i|^2) + b g_i . mu_i) invariant and are reversible for it (the
  heat-bath step is an independence MH step in the radius, with the angles redrawn exactly;
  the reflection is a volume-preserving involution that keeps p0). The target is
  p = p0 psi, psi = exp((b/2) mu_i . T_ii . mu_i); a p0-reversible proposal accepted with
  min(1, psi(new)/psi(old)) leaves p invariant (p(x) K0(x, y) min(1, psi(y)/psi(x)) =
  p0(x) K0(x, y) min(psi(x), psi(y)) is symmetric). In a cubic box T_ii is isotropic, so the
  reflection keeps psi (ratio 1 up to round-off); the heat bath's ratio is close to 1 when
  K s_i^2 / V is small.
The random state travels in registers (s0..s3): storing it every proposal would make
threads false-share.
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit

from .couplings import move_field_update, self_field, self_term, zeeman
from .heatbath import heatbath_move, table_at
from .rng import next_double, next_triple
from .tables import landscape_value, slope_at

MOVES = ("displace", "jump", "heatbath", "overrelax", "flip", "collective")
DISPLACE, JUMP, HEATBATH, OVERRELAX, FLIP, COLLECTIVE = range(len(MOVES))
WHOLE = (FLIP, COLLECTIVE)  # moves of the whole replica: one proposal per sweep, not n
ERGODIC = ("displace", "jump", "heatbath")  # each alone reaches every point of the balls


def parse_moves(moves) -> np.ndarray:
    """The cycle of move ids, one per sweep, from names or (name, repeats) pairs.

    ValueError naming `moves` for an unknown name, a repeat count that is not a positive
    integer, an empty cycle, or a cycle with no ergodic move.
    """
    allowed = f"allowed names: {', '.join(MOVES)}; entries are a name or (name, repeats)"
    if isinstance(moves, str) or not hasattr(moves, "__iter__"):
        raise ValueError(f"moves must be a sequence of moves, got {moves!r}; {allowed}")
    cycle = []
    for entry in moves:
        if isinstance(entry, str):
            name, repeats = entry, 1
        elif isinstance(entry, tuple | list) and len(entry) == 2:
            name, repeats = entry
        else:
            raise ValueError(f"moves: bad entry {entry!r}; {allowed}")
        if name not in MOVES:
            raise ValueError(f"moves: unknown move {name!r}; {allowed}")
        integral = isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool)
        if not integral or not 1 <= repeats <= 10_000:
            raise ValueError(
                f"moves: repeat count of {name!r} must be an integer in [1, 10000], "
                f"got {repeats!r}; {allowed}"
            )
        cycle += [MOVES.index(name)] * int(repeats)
    if not cycle:
        raise ValueError(f"moves must not be empty; {allowed}")
    if not any(MOVES[m] in ERGODIC for m in cycle):
        raise ValueError(
            f"moves {list(moves)!r} has no ergodic move (overrelax, flip and collective never "
            f"reach every point of the balls): include one of {', '.join(ERGODIC)}; {allowed}"
        )
    return np.array(cycle, dtype=np.int64)


def describe(cycle: np.ndarray) -> list:
    """The cycle back as [(name, repeats), ...] (run-length encoded)."""
    out = []
    for m in cycle:
        if out and out[-1][0] == MOVES[m]:
            out[-1][1] += 1
        else:
            out.append([MOVES[m], 1])
    return [(name, k) for name, k in out]


@njit(inline="always")
def local_sweep(kind, mu, fld, fcur, m, lev, b, target, delta, s0, s1, s2, s3):
    """One sweep of a single-moment move over particles 0..n-1 of slot m at level lev
    (inverse-temperature factor b).

    mu, fld (slots, n, 3) and fcur (slots, n) are the chain's arrays, indexed in place;
    `target` is the engine's `kernels.Target` (tables, slopes, species, heatbath, cpl), taken
    whole: inside a kernel compiled without reference counting (`kernels.run_sweeps`)
    reading its fields costs nothing measurable against passing them one by one.
    Returns (change of sum f, change of W, accepted proposals, xoshiro words).
    """
    tables, species, hb, cpl = target.tables, target.species, target.heatbath, target.cpl
    slopes = target.slopes
    tab, scale, K = cpl.table, cpl.scale, cpl.K
    n = mu.shape[1]
    d_f = 0.0
    d_w = 0.0
    accepted = 0
    periodic = tab.shape[1] > 0
    for i in range(n):
        a = species[i]
        c = slope_at(slopes, lev, a)  # f = c s when quadratic (`tables.landscape_value`)
        ox, oy, oz = mu[m, i, 0], mu[m, i, 1], mu[m, i, 2]
        if kind == HEATBATH or kind == OVERRELAX:
            hx, hy, hz = fld[m, i, 0], fld[m, i, 1], fld[m, i, 2]
            if periodic:  # the field of the others (module docstring)
                tx, ty, tz = self_field(tab, scale, K, i, ox, oy, oz)
                hx, hy, hz = hx - tx, hy - ty, hz - tz
            if kind == HEATBATH:
                nx, ny, nz, ok, s0, s1, s2, s3 = heatbath_move(
                    ox,
                    oy,
                    oz,
                    b * hx,
                    b * hy,
                    b * hz,
                    tables[lev, a],
                    table_at(hb, lev, a),
                    s0,
                    s1,
                    s2,
                    s3,
                )
                if not ok:
                    continue
            else:
                h2 = hx * hx + hy * hy + hz * hz
                if h2 == 0.0:
                    continue
                p = 2.0 * (ox * hx + oy * hy + oz * hz) / h2
                nx, ny, nz = p * hx - ox, p * hy - oy, p * hz - oz
            if periodic:  # accept with psi(new)/psi(old) (module docstring)
                q_new = self_term(tab, scale, K, i, nx, ny, nz)
                log_psi = 0.5 * b * (q_new - self_term(tab, scale, K, i, ox, oy, oz))
                if log_psi < 0.0:
                    u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                    if u >= np.exp(log_psi):
                        continue
            f_new = landscape_value(tables, c, lev, a, nx * nx + ny * ny + nz * nz)
        else:
            if kind == JUMP:  # uniform in the unit ball, by rejection from the cube
                while True:
                    ux, uy, uz, s0, s1, s2, s3 = next_triple(s0, s1, s2, s3)
                    nx, ny, nz = 2.0 * ux - 1.0, 2.0 * uy - 1.0, 2.0 * uz - 1.0
                    if nx * nx + ny * ny + nz * nz <= 1.0:
                        break
            else:  # symmetric displacement in the cube of half-width delta
                ux, uy, uz, s0, s1, s2, s3 = next_triple(s0, s1, s2, s3)
                nx = ox + delta * (2.0 * ux - 1.0)
                ny = oy + delta * (2.0 * uy - 1.0)
                nz = oz + delta * (2.0 * uz - 1.0)
            s_new = nx * nx + ny * ny + nz * nz
            if s_new > 1.0:
                continue
            f_new = landscape_value(tables, c, lev, a, s_new)
            de = (
                f_new
                - fcur[m, i]
                - b
                * ((nx - ox) * fld[m, i, 0] + (ny - oy) * fld[m, i, 1] + (nz - oz) * fld[m, i, 2])
            )
            if periodic:
                de -= 0.5 * b * self_term(tab, scale, K, i, nx - ox, ny - oy, nz - oz)
            if de > 0.0:
                u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
                if u >= np.exp(-de):
                    continue
        dx, dy, dz = nx - ox, ny - oy, nz - oz
        d_w -= dx * fld[m, i, 0] + dy * fld[m, i, 1] + dz * fld[m, i, 2]
        if periodic:
            d_w -= 0.5 * self_term(tab, scale, K, i, dx, dy, dz)
        d_f += f_new - fcur[m, i]
        mu[m, i, 0], mu[m, i, 1], mu[m, i, 2] = nx, ny, nz
        fcur[m, i] = f_new
        move_field_update(
            cpl.is_chain, cpl.chain, cpl.positions, scale, K, tab, fld, m, i, dx, dy, dz
        )
        accepted += 1
    return d_f, d_w, accepted, s0, s1, s2, s3


@njit(cache=True, _nrt=False)
def flip_move(mu, fld, m, b, h, s, s0, s1, s2, s3):
    """Propose mu -> -mu for all of slot m; fields become 2 s_i h - h_i (Eq. (3) is
    affine in mu). Returns (change of W, accepted, xoshiro words)."""
    dw = 2.0 * zeeman(h, s, mu, m)  # -h.sum(s mu) changes sign; the dipolar part is even
    if b * dw > 0.0:
        u, s0, s1, s2, s3 = next_double(s0, s1, s2, s3)
        if u >= np.exp(-b * dw):
            return 0.0, 0, s0, s1, s2, s3
    for i in range(mu.shape[1]):
        for a in range(3):
            mu[m, i, a] = -mu[m, i, a]
            fld[m, i, a] = 2.0 * s[i] * h[a] - fld[m, i, a]
    return dw, 1, s0, s1, s2, s3
