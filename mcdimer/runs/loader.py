"""A spec file to a checked `Spec`: TOML parsed, fields validated (`spec.Spec`), then every
point, the sampler's memory, the microscopic landscape, the geometry's realisations and the
[[calls]] checked at load, before any work (`validate`).

This module sits above `spec` (the schema) and `points` (the grid and the model at each
point), which import neither it nor each other's callers: spec <- points <- loader.
"""

from __future__ import annotations

import importlib
import inspect
import tomllib
import warnings
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from .. import exact
from .. import geometry as build
from .._checks import ENERGY_LIMIT, memory
from ..geometry import RADIUS_RANGE, realisation_seeds
from ..micro import response
from ..micro.spectrum import shell_kfa
from ..model import Chain
from ..sampling.config import DEFAULT_B_MIN, DEFAULT_REPLICAS
from ..sampling.dims import DIMS
from ..sampling.memory import default_thin, estimate_sample_bytes
from .points import D_OVER_A, Point, axis_values, microscopic_landscape, model_at, model_parameters
from .spec import MICRO_FIELDS, ModelSpec, Spec, SpecError, call_params


def parse(text: str, source: str = "<spec>") -> Spec:
    """Validate TOML text; SpecError('source: field: problem') on any bad input."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{source}: invalid TOML: {err}") from None
    try:
        spec = Spec.model_validate(data)
    except ValidationError as err:
        errors = [e for e in err.errors() if not _other_branch(e)] or err.errors()
        first = errors[0]
        msg = first["msg"].removeprefix("Value error, ")
        more = len(errors) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise SpecError(f"{source}: {_loc(first['loc'])}: {msg}{tail}") from None
    try:
        validate(spec)  # every point, the exact quadrature's limits, the sampler's memory
        check_calls(spec)
    except ValueError as err:
        raise SpecError(f"{source}: {err}") from None
    return spec


def check_calls(spec: Spec) -> None:
    """Each [[calls]] entry names a data function of its package (a `*_data` function in
    its __all__) and gives only keyword arguments that function takes."""
    if not spec.calls:
        return
    module = importlib.import_module(f"mcdimer.{spec.kind}")
    for call in spec.calls:
        where = f"calls[{call.name}]"
        func = getattr(module, call.function, None)
        if func is None:
            continue  # not in this version: `check_available` says so when the run starts
        if call.function not in getattr(module, "__all__", ()) or not (
            call.function.endswith("_data") and inspect.isfunction(func)
        ):
            data = sorted(f for f in getattr(module, "__all__", ()) if f.endswith("_data"))
            raise ValueError(
                f"{where}.function: {call.function!r} is not a data function of "
                f"mcdimer.{spec.kind}; one of {', '.join(data)}"
            )
        try:
            params = call_params(call)
        except ValueError as err:
            raise ValueError(f"{where}.params.shell: {err}") from None
        try:
            inspect.signature(func).bind(**params)
        except TypeError as err:
            raise ValueError(f"{where}.params: {err}") from None


def load(path) -> tuple[Spec, str]:
    """(spec, text) of a TOML spec file; SpecError naming the file on any problem."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(f"{path}: cannot read spec: {err}") from None
    return parse(text, str(path)), text


def _loc(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("list[float]", "Range", "list[str]", "int") or "[" in str(part):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _other_branch(error) -> bool:
    """An axis error from the union branch the input did not mean (list vs table)."""
    loc, given = error["loc"], error.get("input")
    return ("list[float]" in loc and isinstance(given, dict)) or (
        "Range" in loc and isinstance(given, list)
    )


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
        try:
            exact.check_limits(model)
        except ValueError as err:
            raise ValueError(f"{'axes' if axes else 'model'}: {err}") from None
    if spec.method is not None and spec.kind in ("sample", "compare"):
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
        b = np.array([DEFAULT_B_MIN if method.b_min is None else method.b_min])
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


_RADII_DRAWS = 10**7  # radii drawn at load to bound the realisations' sizes (~0.2 s)
_RADII_CALLS = 10**4


def check_geometry(spec) -> None:
    """The [geometry] of a spec, checked at load for every realisation (ValueError naming
    the field), so that no realisation fails mid-run.

    Positions: random sequential addition places every particle at packing_fraction <=
    `mcdimer.geometry.MAX_PACKING` (the field's bound; measured in
    benchmarks/bench_geometry.py). Sizes: the radii of every realisation are drawn (they are
    cheap; beyond 10^7 draws the clip range [1e-3, 1e3] of `size_dispersion` stands in) and
    the largest stiffness C_i = C (R_i/a)^(3 (1 - chi_exponent)) (the landscape's f_i(1)),
    pair coupling K s_i s_j / r_ij^3 and Zeeman term s_i |h| are bounded by
    `mcdimer.model.ENERGY_LIMIT` (kT), as `mcdimer.Assembly` bounds them. Hard cores bound
    r_ij below: (R_i + R_j)/2 >= sqrt(R_i R_j) with radii hard cores (so the coupling is at
    most K R_max^3), min_distance (random_cluster) or 1 (the lattices) otherwise.
    The microscopic landscape's sizes are checked when its landscapes are built.
    """
    g = spec.geometry
    if g is None or spec.model is None or spec.model.landscape == "microscopic":
        return
    count, n = int(spec.axes.get(DIMS.realisation, 1)), g.particles
    if g.sigma == 0.0:
        rmin = rmax = 1.0
    elif n * count <= _RADII_DRAWS and count <= _RADII_CALLS:
        rmin, rmax = np.inf, 0.0
        for r in range(count):
            radii = build.size_dispersion(n, g.sigma, realisation_seeds(spec.seed, r)[1])
            rmin, rmax = min(rmin, float(radii.min())), max(rmax, float(radii.max()))
    else:
        rmin, rmax = RADIUS_RANGE
    axes, m = axis_values(spec), spec.model

    def largest(name):
        values = axes.get(name, [getattr(m, name)])
        return max((abs(v) for v in values if v is not None), default=0.0)

    C = largest("C")
    K = (
        largest("K")
        if ("K" in axes or (m.K is not None and "ratio" not in axes))
        else (largest("ratio") * C)
    )
    h = max(largest("hx"), largest("hy"), largest("hz"))
    where = f"R_i/a from {rmin:.3g} to {rmax:.3g} in {count} realisation{'s' * (count > 1)}"
    p = g.chi_exponent
    stiff = C * max(rmin ** (3 * (1 - p)), rmax ** (3 * (1 - p)))
    if stiff > ENERGY_LIMIT:
        raise ValueError(
            f"geometry.{'chi_exponent' if p != 0 else 'sigma'}: the stiffness C_i = C "
            f"(R_i/a)^(3 (1 - chi_exponent)) reaches {stiff:.3g} ({where}, C = {C:g}), beyond "
            f"{ENERGY_LIMIT:g} kT: narrow sigma or bring chi_exponent toward 0"
        )
    dmin = 1.0 if g.builder != "random_cluster" else g.min_distance
    pair = rmax**3 if g.radii_hard_cores else rmax**6 / dmin**3
    if K * pair > ENERGY_LIMIT or h * rmax**3 > ENERGY_LIMIT:
        raise ValueError(
            f"geometry.sigma: the largest particles ({where}) reach a pair coupling up to "
            f"{K * pair:.3g} kT and a Zeeman term up to {h * rmax**3:.3g} kT (K = {K:g}, "
            f"|h| = {h:g}), beyond {ENERGY_LIMIT:g} kT: narrow sigma"
        )
