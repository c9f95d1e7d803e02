"""The [geometry] table of a spec: disorder realisations of an `mcdimer.Assembly`.

    [geometry]
    builder = "random_cluster"     # chain | ring | lattice | random_cluster (mcdimer.geometry)
    n = 64
    packing_fraction = 0.2
    sigma = 0.1                    # relative width of the log-normal radii (0: identical)
    [axes]
    ratio = {start = 0.2, stop = 1.2, num = 11}
    realisation = 16               # a count: realisations 0..15

Realisation r draws its positions and radii from SeedSequence(spec seed, spawn_key=(r, 0))
and (r, 1) (`mcdimer.geometry.realisation_seeds`): they depend on (spec seed, r) only, never
on the worker, the executor or the other axes, so every point of a sweep with the same r
sees the same sample (quenched disorder: one curve per realisation). The sampler's own seed
stays the point's (`points.point_seed`). Keys of length two never meet the points' one-
element keys.

Sizes (App. B units, `mcdimer.geometry`): s_i = (R_i/a)^3 (`moment_scale`) and, for the
quadratic and saturating landscapes of [model], C_i = C (R_i/a)^(3 (1 - chi_exponent))
(`quadratic_landscapes`: the same derivation holds for Saturating, whose
C = beta M0^2/(2 V chi)); C and K = ratio * C are the reference particle's (R = a).
With landscape = "microscopic" (Sec. V) particle i is a sphere of kFa_i = kfa R_i/a with its
own orbital response (`mcdimer.geometry.microscopic_landscapes`: s_i = M0,i/M0, K the
reference particle's); only the paramagnetic ones are in the assembly (`realisation_at`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

BUILDERS = ("chain", "ring", "lattice", "random_cluster")
MAX_PARTICLES = 4096
_NEEDS = {
    "chain": ("n",),
    "ring": ("n",),
    "lattice": ("kind", "shape"),
    "random_cluster": ("n", "packing_fraction"),
}
_OPTIONAL = {"random_cluster": ("min_distance",)}


class GeometrySpec(BaseModel):
    """Where the particles sit (a `mcdimer.geometry` builder) and how their sizes spread."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    builder: Literal["chain", "ring", "lattice", "random_cluster"] = Field(
        description="mcdimer.geometry builder: 'chain' (n), 'ring' (n), 'lattice' (kind, "
        "shape), 'random_cluster' (n, packing_fraction[, min_distance]); units of d"
    )
    n: int | None = Field(
        None, ge=1, le=MAX_PARTICLES, description=f"particles, 1..{MAX_PARTICLES} (ring: >= 3)"
    )
    kind: Literal["square", "triangular", "cubic", "fcc"] | None = Field(
        None,
        description="lattice: 'square', 'triangular' (shape [nx, nz]), 'cubic', 'fcc' "
        "(shape [nx, ny, nz]; fcc: 4 particles per cell)",
    )
    shape: list[int] | None = Field(None, description="lattice: counts per axis, each >= 1")
    packing_fraction: float | None = Field(
        None, gt=0, le=0.74, description="random_cluster: packing fraction in (0, 0.74]"
    )
    min_distance: float = Field(
        1.0, gt=0, le=100, description="random_cluster: hard-core distance (units of d)"
    )
    sigma: float = Field(
        0.0, ge=0, le=2, description="relative width of the log-normal radii R_i/a, 0..2"
    )
    chi_exponent: float = Field(
        0.0,
        ge=-10,
        le=10,
        description="intensive susceptibility chi_i ~ V_i^chi_exponent: C_i = C (R_i/a)^"
        "(3 (1 - chi_exponent)); 0: the same material (particle susceptibility ~ volume)",
    )

    @model_validator(mode="after")
    def _parameters_of_the_builder(self):
        needs = _NEEDS[self.builder]
        allowed = set(needs) | set(_OPTIONAL.get(self.builder, ()))
        for name in ("n", "kind", "shape", "packing_fraction", "min_distance"):
            given = name in self.model_fields_set
            if name in needs and getattr(self, name) is None:
                raise ValueError(f"builder {self.builder!r} needs {name}")
            if given and name not in allowed:
                raise ValueError(f"{name} does not apply to builder {self.builder!r}")
        if self.builder == "ring" and self.n < 3:
            raise ValueError(f"n must be >= 3 for a ring, got {self.n}")
        if self.builder == "lattice":
            dims = 2 if self.kind in ("square", "triangular") else 3
            if len(self.shape) != dims or any(v < 1 for v in self.shape):
                raise ValueError(
                    f"shape must be {dims} integers >= 1 for kind {self.kind!r}, got {self.shape}"
                )
        if self.particles > MAX_PARTICLES:
            raise ValueError(f"{self.particles} particles: at most {MAX_PARTICLES}")
        return self

    @property
    def particles(self) -> int:
        """Number of particles, without building the positions."""
        if self.builder != "lattice":
            return int(self.n)
        count = int(np.prod(self.shape))
        return 4 * count if self.kind == "fcc" else count

    def positions(self, seed) -> np.ndarray:
        """(n, 3) positions in units of d (`seed` only used by random_cluster)."""
        from .. import geometry

        if self.builder == "chain":
            return geometry.chain(self.n)
        if self.builder == "ring":
            return geometry.ring(self.n)
        if self.builder == "lattice":
            return geometry.lattice(self.kind, tuple(self.shape))
        return geometry.random_cluster(
            self.n, self.packing_fraction, seed, min_distance=self.min_distance
        )


class Realisation(NamedTuple):
    """One disorder realisation: its sites and the assembly of the particles that carry a moment."""

    assembly: object  #: `mcdimer.Assembly` of the paramagnetic particles; None if there is none
    positions: np.ndarray  #: (sites, 3) every particle's centre, units of d
    radii: np.ndarray  #: (sites,) R_i/a
    chi: np.ndarray  #: (sites,) chi_i/|chi_L| at H = 0 (microscopic; NaN for the App.-B models)
    paramagnetic: np.ndarray  #: (sites,) bool: particle i is in `assembly` (in site order)


def realisation_at(geometry: GeometrySpec, params: dict, seed: int, realisation: int = 0):
    """Realisation r of a [geometry] table with the point's model parameters.

    params: the point's model block (`points.model_parameters`: K, C, landscape, hx, hy, hz;
    for the microscopic landscape kfa, t, d_over_a). Positions and radii are drawn from
    (seed, r) only (`mcdimer.geometry.realisation_seeds`).

    Microscopic landscape: particle i is a sphere of kFa_i = kfa R_i/a at temperature t.
    Only the paramagnetic ones (zero-field chi_i > 0, `micro.zfs`) enter the assembly, with
    `mcdimer.geometry.microscopic_landscapes` (s_i = M0,i/M0, K of the reference particle).
    A diamagnetic particle has no thermal landscape (PHYSICS.md section 1) because it has
    no permanent moment: its moment is slaved to the local field, M_i = V_i chi_i H_i, and is
    zero at H = 0 without a neighbour. In the dipolar field 2 M_j/d^3 of a neighbour it
    carries M_i/M_j = 2 V_i chi_i/d^3 = chi_i/chi_c^z (Eq. (8); chi_i ~ -(2/5)(kFa)^2 |chi_L|
    = -2e-4 at kFa = 43, App. A, against chi_c^z = 3.22 at d = 3a): ~7e-5. So a
    diamagnetic particle is dropped from the assembly (an empty site): its field on the
    others and its share of the energy are 1e-4 effects, where a stiff stand-in landscape
    would still give it thermal fluctuations it does not have. A realisation with no
    paramagnetic particle has `assembly` None: no moment, nothing to sample.
    """
    from .. import geometry as build
    from ..geometry import realisation_seeds
    from ..landscapes import Quadratic, Saturating
    from ..model import Assembly

    pos_seed, radii_seed = realisation_seeds(seed, int(realisation))
    positions = geometry.positions(pos_seed)
    radii = build.size_dispersion(len(positions), geometry.sigma, radii_seed)
    h = (params["hx"], params["hy"], params["hz"])
    min_distance = geometry.min_distance if geometry.builder == "random_cluster" else 0.5
    if params["landscape"] == "microscopic":
        from ..micro import response

        kfa, t = params["kfa"], params["t"]
        chi = np.array([float(response.zfs(kfa * r, t)) for r in radii])
        para = chi > 0
        if not para.any():
            return Realisation(None, positions, radii, chi, para)
        made = build.microscopic_landscapes(radii[para], kfa, t, params["d_over_a"])
        assembly = Assembly(
            positions[para],
            made.K,
            h=h,
            landscape=made.landscapes,
            scale=made.scale,
            min_distance=min_distance,
        )
        return Realisation(assembly, positions, radii, chi, para)
    stiff = build.quadratic_landscapes(radii, params["C"], geometry.chi_exponent)
    kind = {"quadratic": Quadratic, "saturating": Saturating}[params["landscape"]]
    made: dict = {}
    lands = [made.setdefault(q.C, kind(q.C)) for q in stiff]
    assembly = Assembly(
        positions,
        params["K"],
        h=h,
        landscape=lands,
        scale=build.moment_scale(radii),
        min_distance=min_distance,
    )
    every = np.ones(len(positions), dtype=bool)
    return Realisation(assembly, positions, radii, np.full(len(radii), np.nan), every)
