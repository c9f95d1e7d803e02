"""Run specifications: a TOML file in runs/, validated once on load (pydantic v2).

This module is the schema; `mcdimer.runs.loader` reads a file into a checked `Spec` (`load`,
`parse`), checking every point too. A spec names a `kind` of computation, the model it is
done on, the sweep axes, a seed and the figure it feeds. Every field carries its units and
allowed range in its description; `mcdimer run --help-spec` prints them (see `describe()`).
Unknown keys are errors.

    kind = "compare"            # sample + exact + mean field at each point (Fig. 8)
    figure = "fig8"             # drawn by analysis/fig8.py
    seed = 2022
    [model]
    n = 2
    landscape = "quadratic"
    C = 50.0
    [axes]
    ratio = {start = 0.5, stop = 2.0, num = 31}   # K/C; K = ratio * C at each point
    [method]
    name = "tempering"
    sweeps = 50000

The microscopic model of Sec. V: landscape = "microscopic" with shell = [n, l] (or kfa), t
(T/T_F of the coldest level) and d_over_a (default 3); K is the landscape's own
beta M0^2/d^3 and C its stiffness, so C, K and ratio are refused (`loader.check_microscopic`).

Assemblies beyond the chain: a [geometry] table (`realisations.GeometrySpec`: a
`mcdimer.geometry` builder, its parameters, the size dispersion sigma) replaces model.n,
and the axis `realisation = R` (a count) sweeps R disorder realisations, each drawn from
(seed, r) only (`mcdimer.geometry.realisation_seeds`).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..micro.spectrum import shell_kfa
from ..micro.units import KFA_MAX, KFA_MIN, T_MAX, T_MIN
from ..sampling.config import (
    DEFAULT_B_MIN,
    DEFAULT_MOVES,
    DEFAULT_REPLICAS,
    DEFAULT_TEMPERING_MOVES,
    LOCAL_OPTIONS,
    MAX_CHAINS,
    MAX_JUMP_EVERY,
    MAX_N_BATCHES,
    MAX_REPLICAS,
    MAX_SWEEPS,
    MIN_CYCLE_PASSES,
    TEMPERING_OPTIONS,
    Emcee,
    Metropolis,
    RunSize,
    Tempering,
    as_sampler,
    check_cycle_passes,
    check_pairs,
    check_record_every,
    check_start,
)
from ..sampling.dims import DIMS
from .realisations import GeometrySpec

HIST_BINS = 720  # the sampler's fine histogram bins (mcdimer.sampling.observables)
MODEL_AXES = ("n", "C", "K", "ratio", "hx", "hy", "hz")
MICRO_FIELDS = ("shell", "kfa", "t", "d_over_a")  # [model] fields of landscape = "microscopic"
AXES = (*MODEL_AXES, DIMS.realisation)
MAX_REALISATIONS = 100_000
MAX_POINTS = 1_000_000


class SpecError(ValueError):
    """A bad spec: the message names the file and the field."""


class _Strict(BaseModel):
    # strict: "50" is not 50 (a quoted number is a typo to report, as for K); no inf/nan
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Range(_Strict):
    """Equally spaced values start..stop (both included), linear or logarithmic."""

    start: float = Field(description="first value (units of the axis)")
    stop: float = Field(description="last value (units of the axis)")
    num: int = Field(ge=1, le=100_000, description="number of values, 1..100000")
    log: bool = Field(False, description="geometric spacing (start, stop > 0)")

    @model_validator(mode="after")
    def _positive_for_log(self):
        if self.log and (self.start <= 0 or self.stop <= 0):
            raise ValueError("log = true needs start > 0 and stop > 0")
        return self

    def values(self) -> list[float]:
        f = np.geomspace if self.log else np.linspace
        return [float(v) for v in f(self.start, self.stop, self.num)]


Axis = Annotated[
    list[float] | Range | int,
    Field(
        description="explicit list of values, or {start, stop, num[, log]}; "
        "realisation: a count R (realisations 0..R-1)"
    ),
]


def axis_length(axis) -> int:
    """Number of values of an axis (a count for `realisation`)."""
    if isinstance(axis, int):
        return axis
    return len(axis.values() if isinstance(axis, Range) else axis)


class ModelSpec(_Strict):
    """The chain of Eq. (B6) in reduced units (App. B); any field may be swept in [axes]."""

    n: int = Field(2, ge=1, le=1024, description="number of particles, 1..1024 (dimer: 2)")
    landscape: Literal["quadratic", "saturating", "microscopic"] = Field(
        "quadratic",
        description="beta*F: 'quadratic' C|mu|^2 (Eq. (B1)), 'saturating' (tanh model, Eq. (9)) "
        "or 'microscopic' (Sec. V: mcdimer.micro.Microscopic from shell or kfa, t, d_over_a)",
    )
    C: float | None = Field(
        None,
        gt=0,
        le=1e6,
        description="stiffness C = beta gamma M0^2 (quadratic) or beta M0^2/(2 V chi) "
        "(saturating); reduced, dimensionless, 0 < C <= 1e6; not for microscopic (its own)",
    )
    K: float | None = Field(
        None,
        ge=-1e6,
        le=1e6,
        description="dipolar coupling K = beta M0^2/d^3 (reduced), |K| <= 1e6; give K or ratio "
        "(microscopic: neither, K is the landscape's)",
    )
    ratio: float | None = Field(
        None,
        ge=0,
        le=1e3,
        description="K/C = chi_1/chi_c^z (Fig. 8's abscissa), 0..1000; K = ratio*C",
    )
    shell: list[int] | None = Field(
        None,
        description="microscopic: [n, l], the radius kFa = zeta_{n,l} on that shell's Curie "
        f"peak to full precision (Fig. 5), zeta_{{n,l}} <= {KFA_MAX:g} (n <= "
        f"{int(KFA_MAX / math.pi)}, l <= {int(KFA_MAX - 0.5)}); give shell or kfa",
    )
    kfa: float | None = Field(
        None,
        ge=KFA_MIN,
        le=KFA_MAX,
        description=f"microscopic: radius k_F a, pi <= kfa <= {KFA_MAX:g} (below pi no "
        "electron); or shell",
    )
    t: float | None = Field(
        None,
        gt=0,  # t < T_MIN is refused, naming model.t, by the landscape check at load
        le=T_MAX,
        description=f"microscopic: T/T_F of the coldest level (b = 1), {T_MIN:g} <= t <= "
        f"{T_MAX:g} (gold: 5e-3 is room temperature); the landscape must be paramagnetic there",
    )
    d_over_a: float | None = Field(
        None,
        ge=2,
        le=1e6,
        description="microscopic: spacing d/a of the chain (units of d) for K = beta M0^2/d^3, "
        "2..1e6 (default 3, the paper's)",
    )
    hx: float = Field(0.0, ge=-1e6, le=1e6, description="field beta M0 H_x (reduced)")
    hy: float = Field(0.0, ge=-1e6, le=1e6, description="field beta M0 H_y (reduced)")
    hz: float = Field(0.0, ge=-1e6, le=1e6, description="field beta M0 H_z along the chain")


class MethodSpec(_Strict):
    """Arguments of `mcdimer.sample` (see its docstring): `sampler()` builds the
    configuration object (`mcdimer.Metropolis`, `Tempering`, `Emcee`) and `run_size()` the
    run's size; their limits and defaults (`mcdimer.sampling.config`) are the ones here."""

    name: Literal["metropolis", "tempering", "emcee"] = Field(
        "tempering", description="sampler: 'metropolis', 'tempering' or 'emcee'"
    )
    sweeps: int = Field(
        20_000, ge=1, le=MAX_SWEEPS, description=f"production sweeps per chain, 1..{MAX_SWEEPS:.0e}"
    )
    burn: int = Field(
        2_000, ge=0, le=MAX_SWEEPS, description=f"burn-in sweeps per chain, 0..{MAX_SWEEPS:.0e}"
    )
    chains: int = Field(4, ge=1, le=MAX_CHAINS, description=f"independent chains, 1..{MAX_CHAINS}")
    thin: int | None = Field(
        None,
        ge=1,
        le=MAX_SWEEPS,
        description="keep every thin-th sweep as a draw, 1..sweeps (default ~1000 draws)",
    )
    n_batches: int = Field(
        32,
        ge=2,
        le=MAX_N_BATCHES,
        description=f"batches per chain for the MCSE, 2..{MAX_N_BATCHES}",
    )
    jump_every: int | None = Field(
        None,
        ge=0,
        le=MAX_JUMP_EVERY,
        description="moves = [['displace', jump_every - 1], 'jump'] (0: displace only), "
        f"0..{MAX_JUMP_EVERY}; give moves or jump_every (default: neither, the method's "
        f"default cycle: metropolis {list(DEFAULT_MOVES)}, tempering "
        f"{list(DEFAULT_TEMPERING_MOVES)})",
    )
    replicas: int | None = Field(
        None,
        ge=2,
        le=MAX_REPLICAS,
        description=f"tempering: replicas R of a geometric ladder, 2..{MAX_REPLICAS} (default: "
        f"tuned from the measured barrier; {DEFAULT_REPLICAS} when only b_min is given)",
    )
    b_min: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="tempering: smallest beta factor, in (0, 1) (default: "
        f"ladder.hottest_level; {DEFAULT_B_MIN} when only replicas is given)",
    )
    ladder: list[float] | None = Field(
        None,
        description=f"tempering: explicit beta factors, strictly decreasing from 1, "
        f"2..{MAX_REPLICAS} levels",
    )
    adapt: bool | None = Field(None, description="tempering: adapt the ladder during burn-in")
    flip: bool | None = Field(None, description="tempering: also propose mu -> -mu")
    moves: list | None = Field(
        None,
        description="cycle of moves, e.g. ['heatbath', ['overrelax', 2]]: names displace, "
        "jump, heatbath, overrelax, flip, collective, or [name, repeats]; with overrelax or "
        f"flip the run (burn + sweeps) must traverse it >= {MIN_CYCLE_PASSES} times "
        f"(default: metropolis {list(DEFAULT_MOVES)}, tempering "
        f"{list(DEFAULT_TEMPERING_MOVES)})",
    )
    pairs: bool = Field(
        False,
        description="run the chains as replica pairs and record their overlaps (q2, q4, "
        "binder('q'), pdf_q, correlation_length('q')); chains even, not emcee",
    )
    start: Literal["hot", "ordered", "both"] = Field(
        "hot",
        description="initial moments: 'hot' (uniform in the balls), 'ordered' (all (0, 0, 1)) "
        "or 'both' (half the chains each; the point is flagged if the halves disagree)",
    )
    record_every: int | Literal["auto"] | None = Field(
        None,
        description="sum every k-th production sweep into the batch means: 'auto' (default: "
        "4 for n <= 4, 2 for n <= 16 with one replica on a displacement cycle, else 1) or an "
        "integer from 1 to sweeps // n_batches",
    )

    @model_validator(mode="after")
    def _sampler(self):
        opts = [k for k in TEMPERING_OPTIONS if k in self.model_fields_set]
        if self.name != "tempering" and opts:
            raise ValueError(f"{opts} apply to name = 'tempering' only, not {self.name!r}")
        local = [k for k in LOCAL_OPTIONS if k in self.model_fields_set]
        if self.name == "emcee" and local:
            raise ValueError(f"{local} do not apply to name = 'emcee' (its own stretch move)")
        sampler = self.sampler()  # ValueError naming the option
        run = self.run_size()
        if isinstance(sampler, Metropolis):
            check_cycle_passes(sampler.cycle(), run.sweeps, run.burn)
        check_pairs(self.pairs, run.chains, self.name)
        check_start(self.start, run.chains, self.name, self.pairs)
        if self.record_every is not None:
            check_record_every(self.record_every, run, self.name)
        return self

    def sampler(self) -> Metropolis | Tempering | Emcee:
        """The configuration object these fields give (options not given: its defaults)."""
        given = self.model_dump(include=set(TEMPERING_OPTIONS) | set(LOCAL_OPTIONS))
        return as_sampler(self.name, **{k: v for k, v in given.items() if v is not None})

    def run_size(self, seed: int = 0) -> RunSize:
        """The run's size (`mcdimer.sampling.config.RunSize`) with `seed`."""
        return RunSize(self.sweeps, self.burn, self.chains, seed, self.thin, self.n_batches)

    def sample_kwargs(self) -> dict:
        """Keyword arguments of `mcdimer.sample`: the fields given (others: its defaults)."""
        return self.model_dump(exclude={"name"}, exclude_none=True)


class OutputSpec(_Strict):
    """What each point stores besides the means."""

    bins: int = Field(
        40, ge=1, le=HIST_BINS, description="histogram bins on [-1, 1]; must divide 720"
    )
    draws: int = Field(
        250, ge=0, le=100_000, description="thinned draws kept per chain in each point file"
    )
    meanfield: bool = Field(
        False, description="also store the T = 0 mean-field order parameter (kind sample/exact)"
    )
    reweight: int = Field(
        0,
        ge=0,
        le=200,
        description="tempering: MBAR-reweighted means and P(m^z) at this many b, geometric "
        "from 1 to the ladder's b_min (0: none; ~1 s of MBAR per 10^5 draws per b-curve "
        "bootstrap replicate)",
    )

    @model_validator(mode="after")
    def _divides(self):
        if HIST_BINS % self.bins:
            raise ValueError(f"bins = {self.bins} must divide {HIST_BINS}")
        return self


Param = float | int | str | bool | list[float] | list[str]


class CallSpec(_Strict):
    """One data function of mcdimer.meanfield / mcdimer.micro, called with `params`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="group name in the result")
    function: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="function name, e.g. 'fig3_data'"
    )
    params: dict[str, Param] = Field({}, description="keyword arguments (units: see function)")


class Spec(_Strict):
    """A run: kind + model + method + axes + seed + figure."""

    kind: Literal["sample", "exact", "compare", "meanfield", "micro"] = Field(
        description="'sample' (mcdimer.sample at each point), 'exact' (Eq. (B8) dimer pdf and "
        "means), 'compare' (both, plus the T = 0 mean field: Fig. 8), 'meanfield' / 'micro' "
        "(data functions of those packages, listed in [[calls]])"
    )
    title: str = Field("", max_length=500, description="free text")
    figure: str = Field(
        "", pattern=r"^[a-z0-9_]*$", description="analysis/<figure>.py draws this run"
    )
    seed: int = Field(0, ge=0, lt=2**63, description="root seed, 0..2^63-1")
    model: ModelSpec | None = None
    geometry: GeometrySpec | None = None
    method: MethodSpec | None = None
    axes: dict[str, Axis] = Field(
        {},
        description=f"swept model fields ({', '.join(MODEL_AXES)}) and realisation (a count, "
        "needs [geometry]): grid product, in order",
    )
    output: OutputSpec = OutputSpec()
    calls: list[CallSpec] = Field([], description="for kind meanfield/micro")

    @model_validator(mode="after")
    def _consistent(self):
        model_kinds = ("sample", "exact", "compare")
        if self.kind in model_kinds:
            if self.model is None:
                raise ValueError(f"kind {self.kind!r} needs a [model] table")
            if self.calls:
                raise ValueError(f"[[calls]] are for kind meanfield/micro, not {self.kind!r}")
            if self.kind == "exact" and self.method is not None:
                raise ValueError("kind 'exact' takes no [method]")
            if self.kind != "exact" and self.method is None:
                raise ValueError(f"kind {self.kind!r} needs a [method] table")
        else:
            for name in ("model", "method"):
                if getattr(self, name) is not None:
                    raise ValueError(f"kind {self.kind!r} takes no [{name}]")
            if self.axes:
                raise ValueError(f"kind {self.kind!r} takes no [axes]")
            if not self.calls:
                raise ValueError(f"kind {self.kind!r} needs at least one [[calls]] entry")
            names = [c.name for c in self.calls]
            if len(set(names)) != len(names):
                raise ValueError(f"calls have duplicate names: {names}")
        if self.geometry is not None:
            if self.kind != "sample":
                raise ValueError(
                    f"[geometry] needs kind 'sample' (the exact and compare kinds are for the "
                    f"dimer on z), not {self.kind!r}"
                )
            if "n" in self.model.model_fields_set or "n" in self.axes:
                raise ValueError("model.n: [geometry] sets the number of particles; drop n")
        for axis, values in self.axes.items():
            if axis not in AXES:
                raise ValueError(f"axes.{axis}: not a model field; one of {AXES}")
            if axis == DIMS.realisation:
                if not isinstance(values, int) or not 1 <= values <= MAX_REALISATIONS:
                    raise ValueError(
                        f"axes.realisation: a count of realisations, 1..{MAX_REALISATIONS}"
                    )
                if self.geometry is None:
                    raise ValueError("axes.realisation needs a [geometry] table")
                continue
            if isinstance(values, int):
                raise ValueError(f"axes.{axis}: a list of values or {{start, stop, num}}")
            vals = values.values() if isinstance(values, Range) else values
            if not vals:
                raise ValueError(f"axes.{axis}: empty")
            if axis == "n" and any(v != int(v) or v < 1 or v > 1024 for v in vals):
                raise ValueError("axes.n: particle numbers must be integers 1..1024")
        if "K" in self.axes and "ratio" in self.axes:
            raise ValueError("axes: sweep K or ratio, not both")
        if self.model is not None:
            for swept, given in (("ratio", "K"), ("K", "ratio")):
                if swept in self.axes and getattr(self.model, given) is not None:
                    raise ValueError(f"model.{given} conflicts with axes.{swept}: give one")
        if math.prod(axis_length(v) for v in self.axes.values()) > MAX_POINTS:
            raise ValueError(f"axes: more than {MAX_POINTS} points")
        return self

    # --- identity -------------------------------------------------------------------
    def canonical(self) -> str:
        """The spec as canonical JSON (comments and key order of the file do not matter)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """sha256 of what is computed (title and figure excluded): results must match it."""
        data = self.model_dump(mode="json", exclude={"title", "figure"})
        if not data["output"].get("reweight"):  # off: digests of specs without it unchanged
            data["output"].pop("reweight", None)
        method = data.get("method")
        if method is not None and method.get("record_every") is None:  # likewise
            method.pop("record_every", None)
        if data["model"] is not None:  # likewise the microscopic fields when not given
            for key in MICRO_FIELDS:
                if data["model"].get(key) is None:
                    data["model"].pop(key, None)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def call_params(call: CallSpec) -> dict:
    """A call's keyword arguments; `shell = [n, l]` (micro) becomes kfa = zeta_{n,l}, the
    radius on that shell's Curie peak to full precision (the paper prints two decimals)."""
    params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in call.params.items()}
    if "shell" in params:
        if "kfa" in params:
            raise ValueError("give kfa or shell, not both")
        params["kfa"] = shell_kfa(params.pop("shell"))
    return params


def describe() -> str:
    """Every field of a spec with its description (units and range), one per line."""
    lines = []
    for table, cls in (
        ("", Spec),
        ("model.", ModelSpec),
        ("geometry.", GeometrySpec),
        ("method.", MethodSpec),
        ("output.", OutputSpec),
        ("calls[].", CallSpec),
        ("axes.<name>.", Range),
    ):
        for name, field in cls.model_fields.items():
            if cls is Spec and name in ("model", "method", "output", "calls"):
                continue
            lines.append(f"{table}{name}: {field.description or ''}")
    return "\n".join(lines)
