"""A spec's points: the grid product of its axes, each with its model and its own seed.

The per-point seed depends only on (spec seed, point index), through numpy's
SeedSequence spawn keys, so a point's numbers do not depend on which worker, executor or
job-array task computes it, nor on how many points run beside it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..landscapes import Quadratic, Saturating
from ..model import Chain
from .spec import Range, Spec


@dataclass(frozen=True)
class Point:
    index: int
    coords: dict  # axis name -> value, in the order of [axes]
    seed: int


def axis_values(spec: Spec) -> dict[str, list]:
    out = {}
    for name, axis in spec.axes.items():
        vals = axis.values() if isinstance(axis, Range) else [float(v) for v in axis]
        out[name] = [int(v) for v in vals] if name == "n" else vals
    return out


def point_seed(seed: int, index: int) -> int:
    """An integer seed for point `index` from SeedSequence(seed, spawn_key=(index,))."""
    state = np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))  # < 2^63


def points(spec: Spec) -> list[Point]:
    """Every point of the sweep, C order over the axes (one point when there are none).

    Builds each point's model, so ValueError (naming the point) if any is out of range."""
    axes = axis_values(spec)
    names = list(axes)
    out = []
    for index, combo in enumerate(itertools.product(*axes.values())):
        point = Point(index, dict(zip(names, combo, strict=True)), point_seed(spec.seed, index))
        if spec.model is not None:
            try:
                model_at(spec, point)
            except ValueError as err:
                where = ", ".join(f"{k} = {v:g}" for k, v in point.coords.items())
                raise ValueError(f"model at point {index} ({where}): {err}") from None
        out.append(point)
    return out


def model_parameters(spec: Spec, point: Point) -> dict:
    """The model block with the point's axis values substituted (and K from ratio)."""
    p = spec.model.model_dump()
    p.update(point.coords)
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
    p["n"] = int(p["n"])
    return p


def model_at(spec: Spec, point: Point) -> Chain:
    """The `mcdimer.Chain` of a point."""
    p = model_parameters(spec, point)
    landscape = {"quadratic": Quadratic, "saturating": Saturating}[p["landscape"]](p["C"])
    model = Chain(p["n"], p["K"], h=(p["hx"], p["hy"], p["hz"]), landscape=landscape)
    if spec.kind in ("exact", "compare"):
        if model.n != 2:
            raise ValueError(f"kind {spec.kind!r} needs the dimer, n = 2, got n = {model.n}")
    return model
