"""Where the particles sit and how big they are: builders for `mcdimer.Assembly`.

Positions are (n, 3) arrays in units of the reference spacing d (K = beta M0^2/d^3,
App. B); every regular builder has unit nearest-neighbour spacing. Sizes enter through
radii R_i in units of the reference radius a (the particle whose M0 and C define the
reduced units): `size_dispersion` draws them, `moment_scale`, `quadratic_landscapes` and
`microscopic_landscapes` turn them into the per-particle `scale` and landscapes.

Conventions: z is the chain axis and the usual field direction. `chain(n)` lies on z from
the origin; 2-D lattices lie in the x-z plane with rows along z (so
`lattice("square", (1, n))` is `chain(n)`); `ring(n)` lies in the x-y plane around z.
Random draws take a `seed` (anything `numpy.random.default_rng` accepts except None, e.g. an
int or a `SeedSequence`): a realisation depends on its seed only.
"""

from __future__ import annotations

import numbers
import warnings
from typing import NamedTuple

import numpy as np

from . import _checks
from .landscapes import Landscape, Quadratic

KINDS = ("square", "triangular", "cubic", "fcc")
#: highest packing fraction `random_cluster` accepts (close packing, pi/(3 sqrt 2))
MAX_PACKING = 0.74
_ATTEMPTS = 20_000  # candidate positions per particle before random_cluster gives up
_BATCH = 256


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
    """n particles at (0, 0, i), i = 0..n-1: the chain of App. C. Shape (n, 3), units of d."""
    n = _checks.integer("n", n, low=1)
    pos = np.zeros((n, 3))
    pos[:, 2] = np.arange(n)
    return pos


def ring(n: int) -> np.ndarray:
    """n >= 3 particles on a circle in the x-y plane around the origin, neighbours 1 apart.

    Radius 1/(2 sin(pi/n)); particle k at angle 2 pi k/n from the x axis. Units of d.
    """
    n = _checks.integer("n", n, low=3)
    radius = 0.5 / np.sin(np.pi / n)
    angle = 2.0 * np.pi * np.arange(n) / n
    return np.c_[radius * np.cos(angle), radius * np.sin(angle), np.zeros(n)]


def _shape(kind: str, shape, dims: int) -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,) * dims
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(
            f"shape must be {dims} integers >= 1 for kind={kind!r}, got {shape!r}"
        ) from None
    if len(shape) != dims:
        raise ValueError(f"shape must be {dims} integers >= 1 for kind={kind!r}, got {shape!r}")
    return tuple(_checks.integer("shape", v, low=1) for v in shape)


def lattice(kind: str, shape) -> np.ndarray:
    """A patch of a lattice with unit nearest-neighbour spacing; shape (n, 3), units of d.

    kind, shape:
      "square" (nx, nz): points (i, 0, k), n = nx nz (x-z plane);
      "triangular" (nx, nz): rows along z, row i at x = i sqrt(3)/2 shifted by 1/2 in z on
          odd rows (a rectangular patch), n = nx nz;
      "cubic" (nx, ny, nz): points (i, j, k), n = nx ny nz;
      "fcc" (nx, ny, nz) conventional cubic cells of side sqrt(2), 4 particles each,
          n = 4 nx ny nz.
    An integer shape means the same count along every axis.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    dims = 2 if kind in ("square", "triangular") else 3
    shape = _shape(kind, shape, dims)
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


def cluster_radius(n: int, packing_fraction: float, min_distance: float = 1.0) -> float:
    """Radius of the sphere holding the centres: n (min_distance/2)^3 / radius^3 = packing."""
    return 0.5 * min_distance * (n / packing_fraction) ** (1.0 / 3.0)


def random_cluster(n: int, packing_fraction: float, seed, min_distance: float = 1.0) -> np.ndarray:
    """n centres, uniform in a sphere, no two closer than min_distance; shape (n, 3), units of d.

    The sphere's radius R gives the packing fraction of hard spheres of diameter
    min_distance whose centres fill it: n (min_distance/2)^3 = packing_fraction R^3
    (`cluster_radius`). Random sequential addition: each particle takes the first of up to
    20 000 uniform candidates in the sphere that keeps min_distance from those already
    placed. RSA jams near a packing fraction of 0.38 (less in a small sphere), so dense
    requests fail with a ValueError naming packing_fraction. The sphere is centred at the
    origin. The paper keeps d >= 3a (Sec. VI), so min_distance = 1 (units of d) by default.

    packing_fraction in (0, 0.74]; min_distance > 0; seed as in the module docstring.
    """
    n = _checks.integer("n", n, low=1)
    phi = _checks.real("packing_fraction", packing_fraction, low=0.0, low_open=True)
    if phi > MAX_PACKING:
        raise ValueError(
            f"packing_fraction must be in (0, {MAX_PACKING}] (close packing), got {phi!r}"
        )
    dmin = _checks.real("min_distance", min_distance, low=0.0, low_open=True)
    rng = _rng(seed)
    radius = cluster_radius(n, phi, dmin)
    pos = np.empty((n, 3))
    d2 = dmin * dmin
    cells: dict[tuple[int, int, int], list[int]] = {}  # cell of side dmin -> centres in it
    near = [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)]
    for k in range(n):
        for _ in range(0, _ATTEMPTS, _BATCH):
            v = rng.normal(size=(_BATCH, 3))
            v *= (radius * rng.random(_BATCH) ** (1.0 / 3.0) / np.linalg.norm(v, axis=1))[:, None]
            placed = False
            for cand in v:
                cell = tuple(np.floor(cand / dmin).astype(int).tolist())
                others = [
                    j
                    for off in near
                    for j in cells.get((cell[0] + off[0], cell[1] + off[1], cell[2] + off[2]), ())
                ]
                if others:
                    diff = pos[others] - cand
                    if np.einsum("ac,ac->a", diff, diff).min() < d2:
                        continue
                pos[k] = cand
                cells.setdefault(cell, []).append(k)
                placed = True
                break
            if placed:
                break
        else:
            raise ValueError(
                f"random_cluster could not place particle {k + 1} of {n} in {_ATTEMPTS} "
                f"attempts at packing_fraction={phi:g} (random sequential addition jams near "
                "0.38 in bulk, a little higher in a small sphere): lower packing_fraction "
                "or min_distance"
            )
    return pos


def size_dispersion(n: int, sigma: float, seed) -> np.ndarray:
    """n radii R_i / a from a log-normal of mean 1 and relative width sigma (std/mean).

    ln R ~ Normal(-w^2/2, w^2) with w^2 = ln(1 + sigma^2), so <R> = 1 and
    std(R)/<R> = sigma exactly. sigma = 0 gives all ones. sigma >= 0 (finite).
    """
    n = _checks.integer("n", n, low=1)
    sigma = _checks.real("sigma", sigma, low=0.0)
    rng = _rng(seed)
    if sigma == 0.0:
        return np.ones(n)
    w2 = np.log1p(sigma * sigma)
    return np.exp(rng.normal(-0.5 * w2, np.sqrt(w2), size=n))


def _radii(radii) -> np.ndarray:
    r = np.asarray(radii, dtype=float)
    if r.ndim != 1 or r.size < 1 or not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError("radii must be a 1-D sequence of finite numbers > 0 (units of a)")
    return r


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
    is diamagnetic has no thermal landscape (PHYSICS.md section 1): ValueError naming it.
    (Microscopic's warning for a radius just off a shell's Curie peak is silenced here:
    moving radii off the peak is what a dispersion does.)
    Returns a `MicroscopicSet(landscapes, scale, K)`; equal radii share one landscape.
    """
    from .micro import Microscopic, units

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
    "MicroscopicSet",
    "chain",
    "cluster_radius",
    "lattice",
    "microscopic_landscapes",
    "moment_scale",
    "quadratic_landscapes",
    "random_cluster",
    "realisation_seeds",
    "ring",
    "size_dispersion",
]
