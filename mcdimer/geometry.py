"""Where the particles sit and how big they are: builders for `mcdimer.Assembly`.

Positions are (n, 3) arrays in the unit of length of the coupling K = beta M0^2/d^3
(App. B): every regular builder has unit nearest-neighbour spacing, so d is that spacing.
Periodic builders (`periodic_lattice`, `random_box`) also return the box edges
(Lx, Ly, Lz) for `Assembly(..., box=box)` (docs/physics.md, "Periodic boxes").

Sizes enter through relative radii R_i/a: `size_dispersion` draws them (log-normal of mean
1, so a is the mean radius), `moment_scale`, `quadratic_landscapes` and
`microscopic_landscapes` turn them into the per-particle `scale` and landscapes.

**The unit of length when sizes are dispersed.** The random builders take the radii as hard
cores (`random_box`, and `random_cluster` with `radii=`): the unit of length is then the
diameter 2a of the mean-radius particle, spheres i and j may not overlap,
|r_ij| >= (R_i + R_j)/(2a), and `packing_fraction` is the true volume fraction
phi = sum_i (pi/6)(R_i/a)^3 / V (V the box or the sphere holding the centres). So
K = beta M0^2/(2a)^3 is the coupling of two mean-size particles in contact, the lambda of
the dipolar-hard-sphere literature, whatever the dispersion. Without radii every particle
has diameter 1 (units of d; `random_cluster`'s `min_distance` sets another common
diameter). docs/physics.md, "Periodic boxes".

**What chi_exponent assumes** (`quadratic_landscapes`). With s_i = (R_i/a)^3
(`moment_scale`, M0,i = V_i m_sat) and the default chi_exponent = 0, C_i = C (R_i/a)^3:
every particle is of the same material, with an intensive susceptibility chi (per unit
volume) and a particle susceptibility V_i chi that grows as its volume. In moments
x_i = s_i mu_i the landscape is C |x_i|^2/v_i (v_i = (R_i/a)^3) and the pair coupling
K x_i.D_ij.x_j does not depend on the sizes, so two particles at distance r on the field
axis go unstable (the dimer's K/C = 1 of Fig. 8, Eq. (C1) with n = 2) at
K/C = r^3/sqrt(v_i v_j): at a given spacing (lattices, `min_distance` clusters) **large
pairs order first**, and in a dispersed assembly the critical mode sits on the largest
close pairs. (Two equal spheres in contact, r = R/a in units of 2a, have r^3 = v and all go
at K/C = 1; unequal ones later, ((R_i + R_j)/2)^3 >= (R_i R_j)^(3/2).)
chi_exponent = p gives a susceptibility per unit volume growing as v_i^p
(C_i = C v_i^(1-p)); p = 1 makes every C_i = C. docs/physics.md, "Reduced units".

Conventions: z is the chain axis and the usual field direction. `chain(n)` lies on z from
the origin; 2-D lattices lie in the x-z plane with rows along z (so
`lattice("square", (1, n))` is `chain(n)`); `ring(n)` lies in the x-y plane around z.
Random draws take a `seed` (anything `numpy.random.default_rng` accepts except None, e.g. an
int or a `SeedSequence`): a realisation depends on its seed only.

Bounds (ValueError naming the parameter, before any work): at most `MAX_SITES` = 10^6
particles for a builder (24 MB of positions; an `Assembly` of that size would not fit in
memory anyway), at most `MAX_RANDOM` = 16 384 for the random builders (placed in seconds),
`packing_fraction` in [`MIN_PACKING`, `MAX_PACKING`] = [1e-6, 0.35] (random sequential
addition jams near 0.38; below 0.35 it always succeeds within its bounded number of
attempts), `sigma` in [0, `MAX_SIGMA`] = [0, 2], radii in [1e-3, 1e3].
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import NamedTuple

import numpy as np
from numba import njit

from . import _checks
from .landscapes import Landscape, Quadratic
from .micro import Microscopic, units

KINDS = ("square", "triangular", "cubic", "fcc")
PERIODIC_KINDS = ("sc", "bcc", "fcc")
#: most particles a builder makes (positions of 24 MB)
MAX_SITES = 10**6
#: most particles `random_cluster` / `random_box` place (~6 s at MAX_PACKING; a periodic
#: Assembly of that size would need 13 GB of Ewald tensor)
MAX_RANDOM = 16_384
#: highest packing fraction of the random builders: random sequential addition (RSA) jams
#: near 0.38 (bulk, equal spheres); at or below 0.35 every particle finds room within
#: _ATTEMPTS candidates (n = 1..4096, sigma = 0..2, many seeds: benchmarks/bench_geometry.py)
MAX_PACKING = 0.35
#: lowest packing fraction (a box edge of ~ 80 n^(1/3) diameters)
MIN_PACKING = 1e-6
#: widest log-normal of `size_dispersion` (relative width std/mean)
MAX_SIGMA = 2.0
RADIUS_RANGE = (1e-3, 1e3)  # allowed R_i/a
# random sequential addition: candidates per particle before the placement starts over,
# restarts, and candidates in all before a random builder gives up: _BUDGET or
# _BUDGET_PER_PARTICLE * n (~6x what n = 16 384 needs at MAX_PACKING, ~850 per particle;
# at most ~40 s)
_ATTEMPTS = 500_000
_RESTARTS = 20
_BUDGET = 50_000_000
_BUDGET_PER_PARTICLE = 5_000
_BATCH = 256
_MAX_CELLS = 128  # cells per box edge of the RSA cell list (8 MB of heads at most)


def _rng(seed) -> np.random.Generator:
    if seed is None or isinstance(seed, bool):
        raise ValueError(
            "seed must be an int >= 0, a numpy SeedSequence or Generator (not None: "
            f"realisations must be reproducible), got {seed!r}"
        )
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed}")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise ValueError(
            f"seed must be an int >= 0, a numpy SeedSequence or Generator, got {seed!r}"
        ) from None


def _count(name: str, n, low: int = 1, high: int = MAX_SITES) -> int:
    n = _checks.integer(name, n, low=low)
    if n > high:
        raise ValueError(f"{name} must be an integer <= {high} (the builders' bound), got {n}")
    return n


def realisation_seeds(seed: int, realisation: int):
    """(positions, radii) SeedSequences of disorder realisation r of a run with root `seed`.

    SeedSequence(seed, spawn_key=(r, 0)) and (r, 1): a realisation depends on (seed, r)
    only. Two-element keys never meet the one-element keys of a spec's points
    (`mcdimer.runs.point_seed`), so the geometry and the samplers draw independent streams.
    """
    seed = _checks.integer("seed", seed, low=0)
    realisation = _checks.integer("realisation", realisation, low=0)
    return (
        np.random.SeedSequence(seed, spawn_key=(realisation, 0)),
        np.random.SeedSequence(seed, spawn_key=(realisation, 1)),
    )


def chain(n: int) -> np.ndarray:
    """n particles at (0, 0, i), i = 0..n-1: the chain of App. C. Shape (n, 3), units of d.

    1 <= n <= MAX_SITES.
    """
    n = _count("n", n)
    pos = np.zeros((n, 3))
    pos[:, 2] = np.arange(n)
    return pos


def ring(n: int) -> np.ndarray:
    """n >= 3 particles on a circle in the x-y plane around the origin, neighbours 1 apart.

    Radius 1/(2 sin(pi/n)); particle k at angle 2 pi k/n from the x axis. Units of d.
    3 <= n <= MAX_SITES.
    """
    n = _count("n", n, low=3)
    radius = 0.5 / np.sin(np.pi / n)
    angle = 2.0 * np.pi * np.arange(n) / n
    return np.c_[radius * np.cos(angle), radius * np.sin(angle), np.zeros(n)]


def _shape(kind: str, shape, dims: int, name: str = "shape") -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,) * dims
    if isinstance(shape, str | bytes):
        raise ValueError(f"{name} must be {dims} integers >= 1 for kind={kind!r}, got {shape!r}")
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(
            f"{name} must be {dims} integers >= 1 for kind={kind!r}, got {shape!r}"
        ) from None
    if len(shape) != dims:
        raise ValueError(f"{name} must be {dims} integers >= 1 for kind={kind!r}, got {shape!r}")
    return tuple(_checks.integer(name, v, low=1) for v in shape)


def _sites(name: str, shape, per_cell: int = 1) -> None:
    count = per_cell * math.prod(shape)  # Python ints: no wrap-around
    if count > MAX_SITES:
        raise ValueError(
            f"{name} = {shape} gives {count} particles; at most {MAX_SITES} (the builders' bound)"
        )


def lattice(kind: str, shape) -> np.ndarray:
    """A patch of a lattice with unit nearest-neighbour spacing; shape (n, 3), units of d.

    kind, shape:
      "square" (nx, nz): points (i, 0, k), n = nx nz (x-z plane);
      "triangular" (nx, nz): rows along z, row i at x = i sqrt(3)/2 shifted by 1/2 in z on
          odd rows (a rectangular patch), n = nx nz;
      "cubic" (nx, ny, nz): points (i, j, k), n = nx ny nz;
      "fcc" (nx, ny, nz) conventional cubic cells of side sqrt(2), 4 particles each,
          n = 4 nx ny nz.
    An integer shape means the same count along every axis; n <= MAX_SITES.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    dims = 2 if kind in ("square", "triangular") else 3
    shape = _shape(kind, shape, dims)
    _sites("shape", shape, 4 if kind == "fcc" else 1)
    grid = np.stack(np.meshgrid(*[np.arange(s) for s in shape], indexing="ij"), axis=-1)
    grid = grid.reshape(-1, dims).astype(float)
    if kind == "square":
        return np.c_[grid[:, 0], np.zeros(len(grid)), grid[:, 1]]
    if kind == "triangular":
        i, k = grid[:, 0], grid[:, 1]
        return np.c_[i * np.sqrt(3.0) / 2.0, np.zeros(len(grid)), k + 0.5 * (i % 2)]
    if kind == "cubic":
        return grid
    basis = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]])
    cells = grid[:, None, :] + basis[None, :, :]
    return np.sqrt(2.0) * cells.reshape(-1, 3)


# conventional cubic cell of each periodic lattice: (side for unit nearest-neighbour
# spacing, basis in units of the side)
_CUBIC_CELLS = {
    "sc": (1.0, ((0.0, 0.0, 0.0),)),
    "bcc": (2.0 / math.sqrt(3.0), ((0.0, 0.0, 0.0), (0.5, 0.5, 0.5))),
    "fcc": (
        math.sqrt(2.0),
        ((0.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5)),
    ),
}


def periodic_lattice(kind: str, cells) -> tuple[np.ndarray, np.ndarray]:
    """A periodic box of a cubic lattice with unit nearest-neighbour spacing: (positions, box).

    kind: "sc" (cell side 1, 1 particle per cell), "bcc" (side 2/sqrt(3), 2 per cell) or
    "fcc" (side sqrt(2), 4 per cell); cells: conventional cells along x, y, z (an int for
    all three, or a 3-tuple). positions (n, 3) lie in [0, Lx) x [0, Ly) x [0, Lz), units of
    d = the nearest-neighbour spacing; box = (Lx, Ly, Lz) = side * cells, for
    `Assembly(..., box=box)` (docs/physics.md, "Periodic boxes"). The number density is
    1 (sc), 3 sqrt(3)/4 (bcc), sqrt(2) (fcc) per d^3. n <= MAX_SITES.
    """
    if kind not in PERIODIC_KINDS:
        raise ValueError(
            f"kind must be one of {', '.join(map(repr, PERIODIC_KINDS))}, got {kind!r}"
        )
    side, basis = _CUBIC_CELLS[kind]
    cells = _shape(kind, cells, 3, "cells")
    _sites("cells", cells, len(basis))
    grid = np.stack(np.meshgrid(*[np.arange(c) for c in cells], indexing="ij"), axis=-1)
    grid = grid.reshape(-1, 3).astype(float)
    pos = side * (grid[:, None, :] + np.array(basis)[None, :, :]).reshape(-1, 3)
    return pos, side * np.array(cells, dtype=float)


def _radii(radii, name: str = "radii") -> np.ndarray:
    bad = ValueError(
        f"{name} must be a 1-D sequence of finite numbers in [{RADIUS_RANGE[0]:g}, "
        f"{RADIUS_RANGE[1]:g}] (R_i/a), got {radii!r}"[:300]
    )
    if isinstance(radii, str | bytes):
        raise bad
    try:
        raw = np.asarray(radii)
        if raw.dtype.kind in "USbO":
            raise bad
        if not isinstance(radii, np.ndarray):  # [True, 1.0] becomes a float array
            items = np.asarray(radii, dtype=object).ravel()
            if any(isinstance(v, bool | np.bool_ | str | bytes) for v in items):
                raise bad
        r = raw.astype(float)
    except (TypeError, ValueError):
        raise bad from None
    if r.ndim != 1 or r.size < 1 or not np.all(np.isfinite(r)):
        raise bad
    if np.any(r < RADIUS_RANGE[0]) or np.any(r > RADIUS_RANGE[1]):
        raise bad
    return r


def _packing(packing_fraction) -> float:
    phi = _checks.real("packing_fraction", packing_fraction)
    if not MIN_PACKING <= phi <= MAX_PACKING:
        raise ValueError(
            f"packing_fraction must be in [{MIN_PACKING:g}, {MAX_PACKING}], got {phi!r}: random "
            f"sequential addition jams near 0.38, so {MAX_PACKING} is the highest it reaches "
            "for sure"
        )
    return phi


def cluster_radius(n: int, packing_fraction: float, min_distance: float = 1.0) -> float:
    """Radius of the sphere holding the centres: n (min_distance/2)^3 / radius^3 = packing.

    Units of d; packing_fraction in [MIN_PACKING, MAX_PACKING], min_distance in [1e-3, 1e3].
    """
    n = _count("n", n, high=MAX_RANDOM)
    phi = _packing(packing_fraction)
    dmin = _min_distance(min_distance)
    return 0.5 * dmin * (n / phi) ** (1.0 / 3.0)


def _min_distance(min_distance) -> float:
    low, high = RADIUS_RANGE
    return _checks.real("min_distance", min_distance, low=low, high=high)


def _diameters(n: int, radii, min_distance) -> np.ndarray:
    """Hard-core diameters sigma_i (contact at (sigma_i + sigma_j)/2), units of length."""
    if radii is None:
        return np.full(n, 1.0 if min_distance is None else _min_distance(min_distance))
    if min_distance is not None:
        raise ValueError(
            "min_distance: give radii (hard cores (R_i + R_j)/(2a)) or min_distance, not both"
        )
    r = _radii(radii)
    if r.size != n:
        raise ValueError(f"radii must hold n = {n} values, got {r.size}")
    return r


@njit(inline="always")
def _overlaps(pos, dia, j, x, y, z, sig, box):
    """Whether a sphere of diameter sig at (x, y, z) overlaps placed sphere j (minimum
    image in a periodic cube of edge box > 0; open for box = 0)."""
    dx, dy, dz = pos[j, 0] - x, pos[j, 1] - y, pos[j, 2] - z
    if box > 0.0:
        dx -= box * np.round(dx / box)
        dy -= box * np.round(dy / box)
        dz -= box * np.round(dz / box)
    contact = 0.5 * (sig + dia[j])
    return dx * dx + dy * dy + dz * dz < contact * contact


@njit(cache=True)
def _place(cands, sig, k, pos, dia, head, nxt, ncell, origin, side, box):
    """Put particle k (diameter sig) on the first candidate that overlaps no placed one.

    cands (B, 3); pos (n, 3), dia (n,) of the k particles placed so far (slots 0..k-1);
    a cell list of ncell^3 cells of side >= the largest diameter starting at `origin`:
    head[cell] the last particle in it, nxt[j] the one before j (-1 ends). box > 0:
    periodic cube of edge box (minimum image, cells wrap); box = 0: open. Returns the
    index of the candidate taken (written to pos[k], dia[k], the cell list) or -1.
    """
    brute = ncell < 3
    for c in range(cands.shape[0]):
        x, y, z = cands[c, 0], cands[c, 1], cands[c, 2]
        ix = min(max(int((x - origin) / side), 0), ncell - 1)
        iy = min(max(int((y - origin) / side), 0), ncell - 1)
        iz = min(max(int((z - origin) / side), 0), ncell - 1)
        free = True
        if brute:
            for j in range(k):
                if _overlaps(pos, dia, j, x, y, z, sig, box):
                    free = False
                    break
        else:
            for a in range(ix - 1, ix + 2):
                if not free:
                    break
                for b in range(iy - 1, iy + 2):
                    if not free:
                        break
                    for e in range(iz - 1, iz + 2):
                        if box > 0.0:
                            ca, cb, ce = a % ncell, b % ncell, e % ncell
                        else:
                            if a < 0 or b < 0 or e < 0 or a >= ncell or b >= ncell or e >= ncell:
                                continue
                            ca, cb, ce = a, b, e
                        j = head[(ca * ncell + cb) * ncell + ce]
                        while j >= 0:
                            if _overlaps(pos, dia, j, x, y, z, sig, box):
                                free = False
                                break
                            j = nxt[j]
                        if not free:
                            break
        if free:
            pos[k, 0], pos[k, 1], pos[k, 2] = x, y, z
            dia[k] = sig
            cell = (ix * ncell + iy) * ncell + iz
            nxt[k] = head[cell]
            head[cell] = k
            return c
    return -1


def _rsa(diameters, rng, draw, extent, origin, box, phi, builder) -> np.ndarray:
    """Random sequential addition: particles in order of decreasing diameter, each on the
    first candidate (`draw(rng)`, batches of _BATCH) that keeps its hard cores.

    A particle that finds no room in _ATTEMPTS candidates starts the placement over
    (a few particles in a small periodic box can jam for good below MAX_PACKING), at most
    _RESTARTS times and max(_BUDGET, _BUDGET_PER_PARTICLE n) candidates in all: a bounded
    failure, never a hang.
    Returns the positions in the particles' own order.
    """
    n = diameters.size
    order = np.argsort(-diameters, kind="stable")
    ncell = int(min(_MAX_CELLS, max(1, math.floor(extent / diameters.max()))))
    side = extent / ncell
    pos, dia = np.empty((n, 3)), np.empty(n)
    head = np.empty(ncell**3, dtype=np.int64)
    nxt = np.empty(n, dtype=np.int64)
    used, budget = 0, max(_BUDGET, _BUDGET_PER_PARTICLE * n)
    for _ in range(_RESTARTS + 1):
        head[:], nxt[:] = -1, -1
        for k in range(n):
            sig = float(diameters[order[k]])
            for _ in range(0, _ATTEMPTS, _BATCH):
                used += _BATCH
                if _place(draw(rng), sig, k, pos, dia, head, nxt, ncell, origin, side, box) >= 0:
                    break
                if used > budget:
                    break
            else:
                break  # particle k jammed: start over
            if used > budget:
                break
        else:
            out = np.empty((n, 3))
            out[order] = pos
            return out
        if used > budget:
            break
    raise ValueError(
        f"{builder} could not place {n} particles at packing_fraction={phi:g} in {used} "
        f"candidate positions (random sequential addition jams near 0.38, small periodic "
        f"boxes sooner): lower packing_fraction"
    )


def random_cluster(
    n: int, packing_fraction: float, seed, min_distance: float | None = None, radii=None
) -> np.ndarray:
    """n centres, uniform in a sphere, with hard cores; shape (n, 3), centred at the origin.

    Hard cores: without `radii`, every particle has diameter `min_distance` (default 1,
    units of d: the paper keeps d >= 3a, Sec. VI), centres at least min_distance apart.
    With `radii` (R_i/a, n values, e.g. from `size_dispersion`) the unit of length is the
    diameter 2a of the mean-radius particle and |r_ij| >= (R_i + R_j)/(2a) (module
    docstring). The sphere's radius R gives the packing fraction:
    sum_i (pi/6) sigma_i^3 = packing_fraction (4 pi/3) R^3, sigma_i the diameters (the true
    volume fraction with radii; `cluster_radius` without).

    Random sequential addition with a cell list: particles in order of decreasing size,
    each on the first of up to 20 000 uniform candidates in the sphere that keeps its hard
    cores (equal sizes: in index order, the same draws as always). 1 <= n <= MAX_RANDOM;
    packing_fraction in [MIN_PACKING, MAX_PACKING] = [1e-6, 0.35] (RSA jams near 0.38:
    beyond 0.35 it is refused at once); min_distance in [1e-3, 1e3]; seed as in the module
    docstring.
    """
    n = _count("n", n, high=MAX_RANDOM)
    phi = _packing(packing_fraction)
    sig = _diameters(n, radii, min_distance)
    rng = _rng(seed)
    if radii is None:  # cluster_radius's expression: the same bits as before radii existed
        radius = 0.5 * sig[0] * (n / phi) ** (1.0 / 3.0)
    else:
        radius = 0.5 * (np.sum(sig**3) / phi) ** (1.0 / 3.0)

    def draw(rng):
        v = rng.normal(size=(_BATCH, 3))
        v *= (radius * rng.random(_BATCH) ** (1.0 / 3.0) / np.linalg.norm(v, axis=1))[:, None]
        return v

    return _rsa(sig, rng, draw, 2.0 * radius, -radius, 0.0, phi, "random_cluster")


def random_box(n: int, packing_fraction: float, seed, radii=None) -> tuple[np.ndarray, np.ndarray]:
    """n centres, uniform in a periodic cube, with hard cores: (positions, box).

    The hard cores are those of `random_cluster` (diameter 1 without radii; with `radii`,
    |r_ij| >= (R_i + R_j)/(2a) in units of the mean particle's diameter 2a), by minimum
    image: they hold across the boundary. The edge L gives the true volume fraction,
    sum_i (pi/6) sigma_i^3 = packing_fraction L^3. positions lie in [0, L)^3, box =
    (L, L, L) for `Assembly(..., box=box)` (docs/physics.md, "Periodic boxes").
    Random sequential addition as in `random_cluster` (largest particles first); bounds:
    1 <= n <= MAX_RANDOM, packing_fraction in [MIN_PACKING, MAX_PACKING] = [1e-6, 0.35].
    """
    n = _count("n", n, high=MAX_RANDOM)
    phi = _packing(packing_fraction)
    sig = _diameters(n, radii, None)
    rng = _rng(seed)
    edge = float((np.pi / 6.0 * np.sum(sig**3) / phi) ** (1.0 / 3.0))

    def draw(rng):
        return rng.random((_BATCH, 3)) * edge

    pos = _rsa(sig, rng, draw, edge, 0.0, edge, phi, "random_box")
    return np.minimum(pos, np.nextafter(edge, 0.0)), np.full(3, edge)


def size_dispersion(n: int, sigma: float, seed) -> np.ndarray:
    """n radii R_i / a from a log-normal of mean 1 and relative width sigma (std/mean).

    ln R ~ Normal(-w^2/2, w^2) with w^2 = ln(1 + sigma^2), so <R> = 1 and
    std(R)/<R> = sigma exactly. sigma = 0 gives all ones. 0 <= sigma <= MAX_SIGMA = 2
    (wider, the largest particle holds most of the volume); 1 <= n <= MAX_SITES. Radii are
    clipped to [1e-3, 1e3] (probability < 1e-6 per particle at sigma = 2).
    """
    n = _count("n", n)
    sigma = _checks.real("sigma", sigma, low=0.0, high=MAX_SIGMA)
    rng = _rng(seed)
    if sigma == 0.0:
        return np.ones(n)
    w2 = np.log1p(sigma * sigma)
    r = np.exp(rng.normal(-0.5 * w2, np.sqrt(w2), size=n))
    return np.clip(r, *RADIUS_RANGE)


def moment_scale(radii) -> np.ndarray:
    """s_i = M0,i/M0 = (R_i/a)^3 for the quadratic (linear-response) model of App. B.

    M0 is the largest moment a particle can carry (the ball |M| <= M0 of Eq. (B7)), i.e. its
    saturation moment. For the linear / saturating response of Secs. III-IV the moment
    per unit volume saturates at a material value (M = V chi H per unit volume, Eq. (4),
    bounded as in Eq. (9) by a magnetisation, not a moment), so M0 = V m_sat is extensive:
    M0,i/M0 = V_i/V = (R_i/a)^3. (The microscopic model has its own M0,i: see
    `microscopic_landscapes`.)
    """
    return _radii(radii) ** 3


def quadratic_landscapes(radii, C: float, chi_exponent: float = 0.0) -> list[Quadratic]:
    """Per-particle `Quadratic` landscapes, C_i = C (R_i/a)^(3 (1 - chi_exponent)).

    Derivation (reduced units of App. B, mu_i = M_i/M0,i): Eq. (B1) for particle i is
    F_i = gamma_i M_i^2 with gamma_i = 1/(2 V_i chi_i) (Eq. (B4): the linear response
    M_i = V_i chi_i H of Eq. (4)), so

        C_i = beta gamma_i M0,i^2 = beta M0,i^2 / (2 V_i chi_i).

    With v_i = V_i/V = (R_i/a)^3, M0,i = M0 v_i (`moment_scale`) and an intensive
    susceptibility chi_i = chi v_i^p (p = chi_exponent):

        C_i = beta M0^2 v_i^2 / (2 V chi v_i^(1+p)) = C v_i^(1-p),  C = beta M0^2/(2 V chi).

    p = 0 (default): the same material, so the particle's susceptibility V_i chi grows as
    its volume and C_i = C v_i. p = 1: an intensive chi_i itself proportional to the
    volume, C_i = C for all. Either way the pair coupling K s_i s_j grows as v_i v_j.
    C >= 0 is the reference particle's (R = a).
    """
    r = _radii(radii)
    C = _checks.real("C", C, low=0.0)
    p = _checks.real("chi_exponent", chi_exponent)
    values = C * (r**3) ** (1.0 - p)
    made: dict[float, Quadratic] = {}
    return [made.setdefault(float(c), Quadratic(float(c))) for c in values]


class MicroscopicSet(NamedTuple):
    """Per-particle microscopic landscapes with the scale and coupling they imply."""

    landscapes: list[Landscape]  #: Microscopic(kfa R_i, t, ...) for each particle
    scale: np.ndarray  #: s_i = M0,i / M0 (first maxima of M(H), Fig. 7)
    K: float  #: beta M0^2/d^3 of the reference particle (R = a) at spacing d = d_over_a a


def microscopic_landscapes(radii, kfa: float, t: float, d_over_a: float = 3.0, chi_l=None):
    """`Microscopic` landscapes for particles of radii R_i a: kFa_i = kfa R_i (Sec. V).

    Each particle has its own orbital response and M0,i (the first maximum of its M(H),
    Fig. 7), so s_i = M0,i/M0 with M0 that of the reference particle (kFa = kfa), and
    K = beta M0^2/d^3 is the reference particle's at spacing d = d_over_a a
    (`Microscopic.K`). A dispersion in R of relative width sigma moves kFa by kfa sigma,
    against a Curie peak about kfa t wide (Sec. V). A particle whose zero-field response
    is diamagnetic has no thermal landscape (docs/physics.md, "Landscapes"): ValueError naming it.
    (Microscopic's warning for a radius just off a shell's Curie peak is silenced here:
    moving radii off the peak is what a dispersion does.)
    Returns a `MicroscopicSet(landscapes, scale, K)`; equal radii share one landscape.
    """

    r = _radii(radii)
    chi_l = units.CHI_L_GOLD if chi_l is None else chi_l
    try:
        ref = Microscopic(kfa, t, d_over_a, chi_l)
    except ValueError as err:
        raise ValueError(f"reference particle (kfa={kfa!r}): {err}") from None
    made: dict[float, Landscape] = {float(ref.kfa): ref}
    lands = []
    for i, ri in enumerate(r):
        k = float(ref.kfa * ri)
        if k not in made:
            try:
                with warnings.catch_warnings():
                    # off-resonance radii are what a dispersion is about: no warning each
                    warnings.simplefilter("ignore", UserWarning)
                    made[k] = Microscopic(k, ref.t, ref.d_over_a, ref.chi_l)
            except ValueError as err:
                raise ValueError(f"radii[{i}] = {ri:g} (kfa = {k:.6g}): {err}") from None
        lands.append(made[k])
    scale = np.array([land.m0 / ref.m0 for land in lands])
    return MicroscopicSet(lands, scale, float(ref.K))


__all__ = [
    "KINDS",
    "MAX_PACKING",
    "MAX_RANDOM",
    "MAX_SIGMA",
    "MAX_SITES",
    "MIN_PACKING",
    "PERIODIC_KINDS",
    "MicroscopicSet",
    "chain",
    "cluster_radius",
    "lattice",
    "microscopic_landscapes",
    "moment_scale",
    "periodic_lattice",
    "quadratic_landscapes",
    "random_box",
    "random_cluster",
    "realisation_seeds",
    "ring",
    "size_dispersion",
]
