"""A spec's points: the grid product of its axes, each with its model and its own seed.

The per-point seed depends only on (spec seed, point index), through numpy's
SeedSequence spawn keys, so a point's numbers do not depend on which worker, executor or
job-array task computes it, nor on how many points run beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..landscapes import Quadratic, Saturating
from ..model import Assembly, Chain
from .realisations import assembly_at
from .spec import Range, Spec


@dataclass(frozen=True)
class Point:
    index: int
    coords: dict  # axis name -> value, in the order of [axes]
    seed: int


def axis_values(spec: Spec) -> dict[str, list]:
    out = {}
    for name, axis in spec.axes.items():
        if name == "realisation":
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
    are asked for. Models are not built here: `validate` checks the whole grid at load.
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


def model_parameters(spec: Spec, point: Point) -> dict:
    """The model block with the point's axis values substituted (and K from ratio)."""
    p = spec.model.model_dump()
    p.update({k: v for k, v in point.coords.items() if k != "realisation"})
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


def model_at(spec: Spec, point: Point) -> Chain | Assembly:
    """The `mcdimer.Chain` of a point, or its `mcdimer.Assembly` when the spec has [geometry].

    An assembly's positions and radii are those of realisation `point.coords["realisation"]`
    (0 without that axis), drawn from (spec seed, realisation) only
    (`realisations.assembly_at`): every point of that realisation sees the same sample.
    """
    p = model_parameters(spec, point)
    if spec.geometry is not None:
        r = int(point.coords.get("realisation", 0))
        return assembly_at(spec.geometry, p, spec.seed, r)
    landscape = {"quadratic": Quadratic, "saturating": Saturating}[p["landscape"]](p["C"])
    model = Chain(p["n"], p["K"], h=(p["hx"], p["hy"], p["hz"]), landscape=landscape)
    if spec.kind in ("exact", "compare"):
        if model.n != 2:
            raise ValueError(f"kind {spec.kind!r} needs the dimer, n = 2, got n = {model.n}")
    return model


TEMPERING_REPLICAS = 8  # `sample()`'s default number of tempering replicas


def validate(spec: Spec) -> None:
    """Check every point of the spec before any work, without building each one.

    The model fields are interval constraints, so an axis is valid when its extreme values
    pass the [model] field's checks; K = ratio*C, the exact quadrature's cost and the
    sampler's memory are checked at the most demanding point (largest |K|, |h| and n).
    ValueError names the field: `axes.hx: ...`, `method: ...`.
    """
    if spec.model is None:
        return
    from pydantic import ValidationError

    from .spec import ModelSpec

    axes = axis_values(spec)
    base = spec.model.model_dump()
    if spec.kind in ("exact", "compare") and "n" not in axes and base["n"] != 2:
        raise ValueError(f"model.n: kind {spec.kind!r} needs the dimer, n = 2, got {base['n']}")
    for name, values in axes.items():
        if name not in ModelSpec.model_fields:
            continue  # not a [model] field (e.g. a geometry axis): checked where it is defined
        for v in (min(values), max(values)):
            try:
                ModelSpec.model_validate({**base, "K": None, "ratio": None, name: v})
            except ValidationError as err:
                msg = err.errors()[0]["msg"].removeprefix("Value error, ")
                raise ValueError(f"axes.{name}: value {v:g}: {msg}") from None
        if name == "n" and spec.kind in ("exact", "compare") and set(values) != {2}:
            raise ValueError(f"axes.n: kind {spec.kind!r} needs the dimer, n = 2")

    worst = {name: max(values, key=abs) for name, values in axes.items()}
    if "ratio" in axes or "C" in axes:
        ratios = axes.get("ratio", [base["ratio"]])
        if ratios != [None]:
            # K = ratio * C is largest at a corner of the (ratio, C) grid
            Cs = axes.get("C", [base["C"]])
            _, r, c = max(
                (abs(r * c), r, c)
                for r in (min(ratios), max(ratios))
                for c in (min(Cs), max(Cs))
                if c is not None
            )
            worst.update({k: v for k, v in (("ratio", r), ("C", c)) if k in axes})
    point = Point(0, worst, 0)
    params = model_parameters(spec, point)
    limit = ModelSpec.model_fields["K"].metadata[-1].le
    if abs(params["K"]) > limit:
        raise ValueError(
            f"{'axes' if 'ratio' in axes or 'C' in axes else 'model'}.ratio: "
            f"K = ratio*C = {params['K']:g} at ratio = {params['ratio']:g}, C = {params['C']:g} "
            f"is beyond |K| <= {limit:g}"
        )
    try:
        model = model_at(spec, point)
    except ValueError as err:
        where = ", ".join(f"{k} = {v:g}" for k, v in worst.items())
        raise ValueError(f"model at ({where or 'the point'}): {err}") from None
    if spec.kind in ("exact", "compare"):
        from .. import exact

        try:
            exact.check_limits(model)
        except ValueError as err:
            raise ValueError(f"{'axes' if axes else 'model'}: {err}") from None
    if spec.method is not None and spec.kind in ("sample", "compare"):
        from .._checks import memory
        from ..sampling.memory import estimate_sample_bytes

        m = spec.method
        replicas = 1
        if m.name == "tempering":
            replicas = len(m.ladder) if m.ladder else (m.replicas or TEMPERING_REPLICAS)
        nbytes = estimate_sample_bytes(model.n, m.chains, replicas, m.sweeps, m.thin, m.n_batches)
        memory(
            "method",
            nbytes,
            f"sweeps = {m.sweeps}, thin = {m.thin}, chains = {m.chains}, "
            f"n_batches = {m.n_batches}, replicas = {replicas} (n = {model.n})",
        )
