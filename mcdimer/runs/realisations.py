"""The [geometry] table of a spec: disorder realisations of an `mcdimer.Assembly`.

    [geometry]
    builder = "random_cluster"     # chain | ring | lattice | random_cluster (mcdimer.geometry)
    n = 64                         #   | periodic_lattice | random_box (periodic)
    packing_fraction = 0.2
    sigma = 0.1                    # relative width of the log-normal radii (0: identical)
    [axes]
    ratio = {start = 0.2, stop = 1.2, num = 11}
    realisation = 16               # a count: realisations 0..15

Periodic boxes: builder = "periodic_lattice" (kind sc/bcc/fcc, cells) or "random_box"
(n, packing_fraction) give a box, and the point's `mcdimer.Assembly` takes it (Ewald sum
with conducting boundary, docs/physics.md, "Periodic boxes"); `periodic = false` keeps their
positions as an open cube. Hard cores: `random_box`, and `random_cluster` with
`hard_core = "radii"`, keep the spheres apart, |r_ij| >= (R_i + R_j)/(2a), and read
packing_fraction as the true volume fraction; the unit of length is then the mean
particle's diameter 2a, so K = beta M0^2/(2a)^3 is the coupling of two mean-size spheres in
contact (`mcdimer.geometry`'s module docstring). `random_cluster` without it keeps centres
min_distance apart whatever the radii (units of d), as specs written before hard cores did,
and draws the same positions for them. With landscape = "microscopic" the unit stays
d = d_over_a a (K of the reference particle at spacing d): radii-based positions are
rescaled by 2a/d.

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

import math
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .. import geometry as build
from ..geometry import MAX_PACKING, MIN_PACKING, realisation_seeds
from ..landscapes import Quadratic, Saturating
from ..micro import response
from ..model import Assembly

PERIODIC_BUILDERS = ("periodic_lattice", "random_box")
MAX_PARTICLES = 4096
_NEEDS = {
    "chain": ("n",),
    "ring": ("n",),
    "lattice": ("kind", "shape"),
    "random_cluster": ("n", "packing_fraction"),
    "periodic_lattice": ("kind", "cells"),
    "random_box": ("n", "packing_fraction"),
}
_OPTIONAL = {
    "random_cluster": ("min_distance", "hard_core"),
    "periodic_lattice": ("periodic",),
    "random_box": ("periodic", "hard_core"),
}
_KINDS = {
    "lattice": ("square", "triangular", "cubic", "fcc"),
    "periodic_lattice": ("sc", "bcc", "fcc"),
}


class GeometrySpec(BaseModel):
    """Where the particles sit (a `mcdimer.geometry` builder) and how their sizes spread."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    builder: Literal[
        "chain", "ring", "lattice", "random_cluster", "periodic_lattice", "random_box"
    ] = Field(
        description="mcdimer.geometry builder: 'chain' (n), 'ring' (n), 'lattice' (kind, "
        "shape), 'random_cluster' (n, packing_fraction[, min_distance | hard_core]); periodic: "
        "'periodic_lattice' (kind, cells), 'random_box' (n, packing_fraction)"
    )
    n: int | None = Field(
        None, ge=1, le=MAX_PARTICLES, description=f"particles, 1..{MAX_PARTICLES} (ring: >= 3)"
    )
    kind: Literal["square", "triangular", "cubic", "fcc", "sc", "bcc"] | None = Field(
        None,
        description="lattice: 'square', 'triangular' (shape [nx, nz]), 'cubic', 'fcc' "
        "(shape [nx, ny, nz]; fcc: 4 particles per cell); periodic_lattice: 'sc', 'bcc', 'fcc'",
    )
    shape: list[int] | None = Field(None, description="lattice: counts per axis, each >= 1")
    cells: list[int] | None = Field(
        None,
        description="periodic_lattice: conventional cubic cells [nx, ny, nz], each >= 1 "
        "(1, 2, 4 particles per cell for sc, bcc, fcc)",
    )
    packing_fraction: float | None = Field(
        None,
        ge=MIN_PACKING,
        le=MAX_PACKING,
        description=f"random_cluster, random_box: volume fraction in [{MIN_PACKING:g}, "
        f"{MAX_PACKING}] (random sequential addition jams near 0.38)",
    )
    min_distance: float = Field(
        1.0,
        ge=1e-3,
        le=100,
        description="random_cluster: hard-core distance of every pair (units of d), "
        "1e-3..100; not with hard_core = 'radii'",
    )
    hard_core: Literal["min_distance", "radii"] | None = Field(
        None,
        description="random_cluster, random_box: 'radii' keeps spheres apart, |r_ij| >= "
        "(R_i + R_j)/(2a), unit of length 2a (random_box's only choice); 'min_distance' "
        "(random_cluster's default) keeps centres min_distance apart whatever the radii",
    )
    periodic: bool | None = Field(
        None,
        description="periodic_lattice, random_box: true (default) stores the box and makes "
        "the assembly periodic (Ewald sum, conducting boundary); false: an open cube",
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
        names = ("n", "kind", "shape", "cells", "packing_fraction", "min_distance")
        for name in (*names, "hard_core", "periodic"):
            given = name in self.model_fields_set
            if name in needs and getattr(self, name) is None:
                raise ValueError(f"builder {self.builder!r} needs {name}")
            if given and name not in allowed:
                raise ValueError(f"{name} does not apply to builder {self.builder!r}")
        if self.builder == "ring" and self.n < 3:
            raise ValueError(f"n must be >= 3 for a ring, got {self.n}")
        if self.builder in _KINDS and self.kind not in _KINDS[self.builder]:
            raise ValueError(
                f"kind must be one of {', '.join(map(repr, _KINDS[self.builder]))} for "
                f"builder {self.builder!r}, got {self.kind!r}"
            )
        if self.builder == "lattice":
            dims = 2 if self.kind in ("square", "triangular") else 3
            if len(self.shape) != dims or any(v < 1 for v in self.shape):
                raise ValueError(
                    f"shape must be {dims} integers >= 1 for kind {self.kind!r}, got {self.shape}"
                )
        if self.builder == "periodic_lattice" and (
            len(self.cells) != 3 or any(v < 1 for v in self.cells)
        ):
            raise ValueError(f"cells must be 3 integers >= 1, got {self.cells}")
        if self.builder == "random_box" and self.hard_core == "min_distance":
            raise ValueError("hard_core: random_box keeps the radii's hard cores ('radii' only)")
        if self.hard_core == "radii" and "min_distance" in self.model_fields_set:
            raise ValueError(
                "min_distance: hard_core = 'radii' takes the hard cores from the radii; drop it"
            )
        if self.particles > MAX_PARTICLES:
            raise ValueError(f"{self.particles} particles: at most {MAX_PARTICLES}")
        return self

    @property
    def particles(self) -> int:
        """Number of particles, without building the positions."""
        if self.builder == "lattice":
            count = math.prod(self.shape)
            return 4 * count if self.kind == "fcc" else count
        if self.builder == "periodic_lattice":
            return {"sc": 1, "bcc": 2, "fcc": 4}[self.kind] * math.prod(self.cells)
        return int(self.n)

    @property
    def radii_hard_cores(self) -> bool:
        """True when the radii are the hard cores (unit of length 2a; module docstring)."""
        return self.builder == "random_box" or self.hard_core == "radii"

    @property
    def is_periodic(self) -> bool:
        """True when the assembly is periodic (a box is stored and used)."""
        return self.builder in PERIODIC_BUILDERS and self.periodic is not False

    def build(self, seed, radii) -> tuple[np.ndarray, np.ndarray | None]:
        """(positions (n, 3), box (3,) or None); `seed` is used by the random builders and
        `radii` (R_i/a) by those whose hard cores are the radii. Units: d, or the mean
        diameter 2a with radii hard cores."""
        box = None
        if self.builder == "chain":
            pos = build.chain(self.n)
        elif self.builder == "ring":
            pos = build.ring(self.n)
        elif self.builder == "lattice":
            pos = build.lattice(self.kind, tuple(self.shape))
        elif self.builder == "periodic_lattice":
            pos, box = build.periodic_lattice(self.kind, tuple(self.cells))
        elif self.builder == "random_box":
            pos, box = build.random_box(self.n, self.packing_fraction, seed, radii=radii)
        elif self.radii_hard_cores:
            pos = build.random_cluster(self.n, self.packing_fraction, seed, radii=radii)
        else:
            pos = build.random_cluster(
                self.n, self.packing_fraction, seed, min_distance=self.min_distance
            )
        return pos, (box if self.is_periodic else None)


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
    A diamagnetic particle has no thermal landscape (docs/physics.md, "Landscapes") because it has
    no permanent moment: its moment is slaved to the local field, M_i = V_i chi_i H_i, and is
    zero at H = 0 without a neighbour. In the dipolar field 2 M_j/d^3 of a neighbour it
    carries M_i/M_j = 2 V_i chi_i/d^3 = chi_i/chi_c^z (Eq. (8); chi_i ~ -(2/5)(kFa)^2 |chi_L|
    = -2e-4 at kFa = 43, App. A, against chi_c^z = 3.22 at d = 3a): ~7e-5. So a
    diamagnetic particle is dropped from the assembly (an empty site): its field on the
    others and its share of the energy are 1e-4 effects, where a stiff stand-in landscape
    would still give it thermal fluctuations it does not have. A realisation with no
    paramagnetic particle has `assembly` None: no moment, nothing to sample.
    """
    pos_seed, radii_seed = realisation_seeds(seed, int(realisation))
    radii = build.size_dispersion(geometry.particles, geometry.sigma, radii_seed)
    positions, box = geometry.build(pos_seed, radii)
    h = (params["hx"], params["hy"], params["hz"])
    if geometry.radii_hard_cores:
        # contact (R_i + R_j)/2 >= the two smallest radii's; a hair below for rounding
        small = np.sort(radii)[:2]
        min_distance = 0.5 * float(small.sum() if small.size > 1 else 2 * small[0]) * (1 - 1e-9)
        if params["landscape"] == "microscopic":  # K is the landscape's at d = d_over_a a
            unit = 2.0 / params["d_over_a"]
            positions, min_distance = positions * unit, min_distance * unit
            box = None if box is None else box * unit
    elif geometry.builder == "random_cluster":
        min_distance = geometry.min_distance
    else:
        min_distance = 0.5
    if params["landscape"] == "microscopic":
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
            box=box,
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
        box=box,
        min_distance=min_distance,
    )
    every = np.ones(len(positions), dtype=bool)
    return Realisation(assembly, positions, radii, np.full(len(radii), np.nan), every)
