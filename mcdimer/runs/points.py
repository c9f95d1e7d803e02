"""A spec's points: the grid product of its axes, each with its model and its own seed.

The per-point seed depends only on (spec seed, point index), through numpy's
SeedSequence spawn keys, so a point's numbers do not depend on which worker, executor or
job-array task computes it, nor on how many points run beside it.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..landscapes import Quadratic, Saturating
from ..model import Assembly, Chain
from ..sampling.config import DEFAULT_REPLICAS
from .realisations import Realisation, check_geometry, realisation_at
from .spec import MICRO_FIELDS, Range, Spec


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


D_OVER_A = 3.0  # the microscopic chain's default spacing d/a (the paper's, Figs. 5(b), 10)


@functools.lru_cache(maxsize=64)
def microscopic_landscape(kfa: float, t: float, d_over_a: float):
    """`mcdimer.micro.Microscopic(kfa, t, d_over_a)`, built once per process (~0.05 s each)."""
    from ..micro import Microscopic

    return Microscopic(kfa, t, d_over_a)


def _microscopic_parameters(p: dict) -> dict:
    """kfa (from shell), d_over_a (default 3) and the coupling of the microscopic landscape.

    K is the landscape's own `Microscopic.K` = beta M0^2/d^3 (M0 the first maximum of M(H),
    Fig. 7; d = d_over_a a), and C the stiffness f''(0)/2 = beta M0^2/(2 V chi) of Eq. (B4),
    so that ratio = K/C = chi/chi_c^z (Eq. (8)) exactly as for the quadratic model.
    """
    from ..micro.spectrum import shell_kfa
    from ..micro.units import chi_critical

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
    p.update({k: v for k, v in point.coords.items() if k != "realisation"})
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
    r = int(point.coords.get("realisation", 0))
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


def validate(spec: Spec) -> None:
    """Check every point of the spec before any work, without building each one.

    The model fields are interval constraints, so an axis is valid when its extreme values
    pass the [model] field's checks; K = ratio*C, the exact quadrature's cost and the
    sampler's memory are checked at the most demanding point (largest |K|, |h| and n).
    ValueError names the field: `axes.hx: ...`, `method: ...`.
    """
    check_method(spec)
    if spec.model is None:
        return
    from pydantic import ValidationError

    from .spec import ModelSpec

    check_microscopic(spec)
    check_geometry(spec)  # every realisation's sizes; the packing bound places every one

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
        if spec.geometry is not None and params["landscape"] == "microscopic":
            # a realisation has one landscape per sphere (~0.05 s each, minutes for a
            # thousand): the reference sphere's landscape stands in for the checks below
            land = microscopic_landscape(params["kfa"], params["t"], params["d_over_a"])
            model = Chain(spec.geometry.particles, params["K"], landscape=land)
        else:
            model = model_at(spec, point)
    except ValueError as err:
        where = ", ".join(f"{k} = {v:g}" for k, v in worst.items())
        raise ValueError(f"model at ({where or 'the point'}): {err}") from None
    n = spec.geometry.particles if spec.geometry is not None else model.n
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
            replicas = len(m.ladder) if m.ladder else (m.replicas or DEFAULT_REPLICAS)
        periodic = spec.geometry is not None and spec.geometry.is_periodic
        nbytes = estimate_sample_bytes(
            n, m.chains, replicas, m.sweeps, m.thin, m.n_batches, periodic=periodic
        )
        memory(
            "method",
            nbytes,
            f"sweeps = {m.sweeps}, thin = {m.thin}, chains = {m.chains}, "
            f"n_batches = {m.n_batches}, replicas = {replicas} (n = {n})",
        )
        if model is not None:  # what the sampler itself refuses for this model and run
            try:
                m.sampler().check_run(model, m.run_size())
            except ValueError as err:
                raise ValueError(f"method: {err}") from None


REWEIGHT_MIN_DRAWS = 10  # MBAR's bootstrap needs 2 * reweight.MIN_BLOCKS draws per chain


def check_method(spec: Spec) -> None:
    """What only a run would find wrong in [method] and [output] together with the model,
    checked at load (ValueError naming the field): `[output] reweight` (tempering only, at
    least REWEIGHT_MIN_DRAWS draws per chain, else refused after the sampling). The [method]
    options on their own are checked by `MethodSpec`, and with the model by `validate`
    (the sampler's `check_run`)."""
    m = spec.method
    reweight = spec.output.reweight
    if m is None or spec.kind not in ("sample", "compare"):
        if reweight:
            raise ValueError(
                f"output.reweight: MBAR reweighting needs a tempering [method] (kind 'sample' "
                f"or 'compare'), not kind {spec.kind!r}: drop reweight"
            )
        return
    if reweight:
        if m.name != "tempering":
            raise ValueError(
                f"output.reweight: MBAR reweighting needs the levels of name = 'tempering', "
                f"not {m.name!r}: drop reweight or use tempering"
            )
        from ..sampling.memory import default_thin

        thin = m.thin if m.thin is not None else default_thin(m.sweeps)
        draws = -(-m.sweeps // thin)
        if draws < REWEIGHT_MIN_DRAWS:
            raise ValueError(
                f"output.reweight: MBAR needs at least {REWEIGHT_MIN_DRAWS} draws per chain "
                f"for its bootstrap; sweeps = {m.sweeps} with thin = {thin} keeps {draws}: "
                f"lower method.thin or raise method.sweeps"
            )


# why a microscopic [model] takes none of C, K, ratio (in [model] or as an axis)
_MICRO_REFUSES = {
    "C": "the microscopic landscape has its own stiffness f''(0)/2 = beta M0^2/(2 V chi) "
    "(Eq. (B4), from chi(kfa, t)): drop C",
    "K": "the microscopic coupling is the landscape's K = beta M0^2/d^3 (Microscopic.K): "
    "set d_over_a (and t), not K",
    "ratio": "K/C = chi/chi_c^z is fixed by kfa, t and d_over_a: drop ratio (move t or "
    "d_over_a instead)",
}
LADDER_CHECKS = 24  # temperatures between t and t/b_min where a given ladder must be paramagnetic


def check_microscopic(spec: Spec) -> None:
    """The [model] fields of landscape = "microscopic", checked at load (ValueError naming
    the field): shell or kfa, t, no C/K/ratio; the landscape exists at t (a paramagnetic
    response with a bounded M(H), docs/physics.md, "Landscapes" and "Microscopic model"), and
    at every temperature
    t/b of a tempering ladder the spec fixes (explicit ladder, or b_min / replicas: the
    geometric ladder, whose ends adaptation keeps). The default ladder
    (`ladder.hottest_level`) stops where the landscape ends by itself."""
    m = spec.model
    if m.landscape != "microscopic":
        extra = [k for k in MICRO_FIELDS if k in m.model_fields_set]
        if extra:
            raise ValueError(
                f"model.{extra[0]}: applies to landscape = 'microscopic' only, not {m.landscape!r}"
            )
        return
    for name, why in _MICRO_REFUSES.items():
        if getattr(m, name) is not None:
            raise ValueError(f"model.{name}: {why}")
        if name in spec.axes:
            raise ValueError(f"axes.{name}: {why}")
    if (m.shell is None) == (m.kfa is None):
        raise ValueError(
            "model.shell: the microscopic landscape needs shell = [n, l] or kfa "
            f"({'not both' if m.shell is not None else 'neither is given'})"
        )
    if m.t is None:
        raise ValueError("model.t: the microscopic landscape needs t = T/T_F, 0 < t <= 0.1")
    from ..micro import response
    from ..micro.spectrum import shell_kfa

    kfa = m.kfa
    if m.shell is not None:
        try:
            kfa = shell_kfa(tuple(m.shell))
        except ValueError as err:
            raise ValueError(f"model.shell: {err}") from None
    d_over_a = D_OVER_A if m.d_over_a is None else m.d_over_a
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            land = microscopic_landscape(kfa, m.t, d_over_a)
        except ValueError as err:  # the error says it all: no off-peak warning before it
            raise ValueError(f"model.t: {err}") from None
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=2)
    method = spec.method
    if method is None or method.name != "tempering":
        return
    if method.ladder is not None:
        where, b = "method.ladder", np.asarray(method.ladder, dtype=float)
    elif method.b_min is not None or method.replicas is not None:
        where = "method.b_min"
        b = np.array([0.2 if method.b_min is None else method.b_min])
    else:
        return
    b_min = float(b.min())
    if not 0 < b_min <= 1:
        return  # the sampler's own check names the ladder
    t_hot = m.t / b_min
    if t_hot > 0.1:
        raise ValueError(
            f"{where}: its hottest level t/b = {t_hot:.3g} is beyond the microscopic model's "
            f"t <= 0.1: keep b >= {m.t / 0.1:.3g}"
        )
    ts = np.unique(np.concatenate([m.t / b, np.geomspace(m.t, t_hot, LADDER_CHECKS)]))
    chi = np.array([float(response.zfs(kfa, tk)) for tk in ts])
    if np.any(chi <= 0):
        k = int(np.flatnonzero(chi <= 0)[0])
        raise ValueError(
            f"{where}: at t/b = {ts[k]:.3g} the response of kfa = {kfa:.6g} is diamagnetic "
            f"(chi/|chi_L| = {chi[k]:.3g}): that level has no landscape; stop the ladder "
            f"below it (b > {m.t / ts[k]:.3g})"
        )
    try:
        land.tempered(b_min)
    except ValueError as err:
        raise ValueError(f"{where}: the hottest level t/b = {t_hot:.3g}: {err}") from None
