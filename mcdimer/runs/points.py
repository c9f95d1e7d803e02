"""A spec's points: the grid product of its axes, each with its model and its own seed.

The per-point seed depends only on (spec seed, point index), through numpy's
SeedSequence spawn keys, so a point's numbers do not depend on which worker, executor or
job-array task computes it, nor on how many points run beside it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..landscapes import Quadratic, Saturating
from ..micro import Microscopic
from ..micro.spectrum import shell_kfa
from ..micro.units import chi_critical
from ..model import Assembly, Chain
from ..sampling.dims import DIMS
from .realisations import Realisation, realisation_at
from .spec import Range, Spec


@dataclass(frozen=True)
class Point:
    index: int
    coords: dict  # axis name -> value, in the order of [axes]
    seed: int


def axis_values(spec: Spec) -> dict[str, list]:
    out = {}
    for name, axis in spec.axes.items():
        if name == DIMS.realisation:
            out[name] = list(range(axis))
            continue
        vals = axis.values() if isinstance(axis, Range) else [float(v) for v in axis]
        out[name] = [int(v) for v in vals] if name == "n" else vals
    return out


def point_seed(seed: int, index: int) -> int:
    """An integer seed for point `index` from SeedSequence(seed, spawn_key=(index,))."""
    state = np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))  # < 2^63


class Points(Sequence):
    """The points of a spec, C order over its axes, computed on demand.

    Point i is unravelled from the axes (the last axis varies fastest), so a spec of a
    million points costs the sum of its axis lengths, not their product, until points
    are asked for. Models are not built here: `loader.validate` checks the whole grid at load.
    """

    def __init__(self, spec: Spec):
        self.seed = spec.seed
        self.axes = axis_values(spec)
        self.names = list(self.axes)
        self.shape = tuple(len(v) for v in self.axes.values())
        self._len = math.prod(self.shape)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(f"point {index} out of range ({self._len} points)")
        coords, rest = {}, index
        for name, size in zip(reversed(self.names), reversed(self.shape), strict=True):
            rest, k = divmod(rest, size)
            coords[name] = self.axes[name][k]
        coords = {name: coords[name] for name in self.names}
        return Point(index, coords, point_seed(self.seed, index))


def points(spec: Spec) -> Points:
    """Every point of the sweep, C order over the axes (one point when there are none)."""
    return Points(spec)


D_OVER_A = 3.0  # the microscopic chain's default spacing d/a (the paper's, Figs. 5(b), 10)


@functools.lru_cache(maxsize=64)
def microscopic_landscape(kfa: float, t: float, d_over_a: float):
    """`mcdimer.micro.Microscopic(kfa, t, d_over_a)`, built once per process (~0.05 s each)."""
    return Microscopic(kfa, t, d_over_a)


def _microscopic_parameters(p: dict) -> dict:
    """kfa (from shell), d_over_a (default 3) and the coupling of the microscopic landscape.

    K is the landscape's own `Microscopic.K` = beta M0^2/d^3 (M0 the first maximum of M(H),
    Fig. 7; d = d_over_a a), and C the stiffness f''(0)/2 = beta M0^2/(2 V chi) of Eq. (B4),
    so that ratio = K/C = chi/chi_c^z (Eq. (8)) exactly as for the quadratic model.
    """
    if p["shell"] is not None:
        p["kfa"] = shell_kfa(tuple(p["shell"]))
    if p["d_over_a"] is None:
        p["d_over_a"] = D_OVER_A
    land = microscopic_landscape(p["kfa"], p["t"], p["d_over_a"])
    p["K"] = land.K
    p["ratio"] = land.chi * land.chi_l / chi_critical(land.d_over_a)
    p["C"] = land.K / p["ratio"]
    return p


def model_parameters(spec: Spec, point: Point) -> dict:
    """The model block with the point's axis values substituted (and K from ratio).

    Microscopic landscape: kfa (from shell), d_over_a, and K, C, ratio of the landscape
    (`_microscopic_parameters`); the spec gives none of C, K, ratio.
    """
    p = spec.model.model_dump()
    p.update({k: v for k, v in point.coords.items() if k != DIMS.realisation})
    p["n"] = int(p["n"])
    if p["landscape"] == "microscopic":
        return _microscopic_parameters(p)
    if "K" in point.coords:
        p["ratio"] = None
    if "ratio" in point.coords:
        p["K"] = None
    if p["C"] is None:
        raise ValueError("model.C is required (give it in [model] or sweep it in [axes])")
    if (p["K"] is None) == (p["ratio"] is None):
        raise ValueError("give exactly one of model.K and model.ratio (K/C)")
    if p["K"] is None:
        p["K"] = p["ratio"] * p["C"]
    return p


def realisation_of(spec: Spec, point: Point) -> Realisation:
    """The disorder realisation `point.coords["realisation"]` (0 without that axis) of a spec
    with [geometry], with the point's model parameters (`realisations.realisation_at`):
    drawn from (spec seed, realisation) only, so every point of it sees the same sample."""
    r = int(point.coords.get(DIMS.realisation, 0))
    return realisation_at(spec.geometry, model_parameters(spec, point), spec.seed, r)


def model_at(spec: Spec, point: Point) -> Chain | Assembly | None:
    """The `mcdimer.Chain` of a point, or its `mcdimer.Assembly` when the spec has [geometry]
    (`realisation_of(spec, point).assembly`: None when a microscopic realisation has no
    paramagnetic particle, so nothing to sample)."""
    if spec.geometry is not None:
        return realisation_of(spec, point).assembly
    p = model_parameters(spec, point)
    if p["landscape"] == "microscopic":
        landscape = microscopic_landscape(p["kfa"], p["t"], p["d_over_a"])
    else:
        landscape = {"quadratic": Quadratic, "saturating": Saturating}[p["landscape"]](p["C"])
    model = Chain(p["n"], p["K"], h=(p["hx"], p["hy"], p["hz"]), landscape=landscape)
    if spec.kind in ("exact", "compare"):
        if model.n != 2:
            raise ValueError(f"kind {spec.kind!r} needs the dimer, n = 2, got n = {model.n}")
    return model
