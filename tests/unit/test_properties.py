"""Property-based (hypothesis): every public constructor, micro function and the spec loader
either works or raises ValueError naming the offending parameter, within a time bound,
whatever it is given (strings, bools, None, nan, inf, 1e308, huge integers, wrong shapes)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import mcdimer
from mcdimer import micro, runs

SETTINGS = settings(
    max_examples=60,
    deadline=5000,  # ms per example: the time bound
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # fixed examples: the suite gives the same verdict every run
)

weird_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e12, 1e13, 1e308, -1e308, 2**63, 2**64, -(2**63)]),
    st.integers(min_value=-(2**70), max_value=2**70),
)
anything = st.one_of(
    weird_numbers,
    st.booleans(),
    st.none(),
    st.text(max_size=5),
    st.sampled_from(["1", "50", "nan", "1e3"]),
    st.lists(st.floats(allow_nan=True), max_size=4),
)


def works_or_names(call, *names):
    """call() succeeds, or raises ValueError whose message names one of `names`."""
    try:
        call()
    except ValueError as err:
        msg = str(err)
        assert any(name in msg for name in names), f"{msg!r} names none of {names}"


@SETTINGS
@given(
    n=anything,
    K=anything,
    h=st.one_of(anything, st.tuples(anything, anything, anything)),
    C=anything,
)
def test_chain_constructor(n, K, h, C):
    works_or_names(lambda: mcdimer.Chain(n, K, h=h, C=C), "n ", "K ", "h ", "C ", "C (")


@SETTINGS
@given(K=anything, C=anything, h=st.tuples(anything, anything, anything))
def test_dimer_constructor(K, C, h):
    works_or_names(lambda: mcdimer.Dimer(K=K, C=C, h=h), "K ", "h ", "C ")


@SETTINGS
@given(C=anything, chi=anything, M0=anything, b=anything)
def test_landscape_constructors(C, chi, M0, b):
    works_or_names(lambda: mcdimer.Quadratic(C), "C ")
    works_or_names(lambda: mcdimer.Saturating(C), "C ")
    works_or_names(lambda: mcdimer.Saturating(chi=chi, M0=M0), "chi", "M0")
    works_or_names(lambda: mcdimer.Quadratic(1.0).tempered(b).table(), "b ", "C ")


@SETTINGS
@given(r=st.lists(weird_numbers, max_size=6), h=st.lists(weird_numbers, max_size=6))
def test_from_response_constructor(r, h):
    works_or_names(lambda: mcdimer.FromResponse(r, h), "r and h", "r must", "h ")


# the level sums cost ~kFa^3: kept to kFa <= 100 here (kFa = 500 takes ~10 s a field value)
kfa_like = st.one_of(anything, st.floats(min_value=1.0, max_value=100.0))
t_like = st.one_of(anything, st.floats(min_value=1e-9, max_value=0.1))
x_like = st.one_of(anything, st.floats(min_value=-0.01, max_value=0.01))


@SETTINGS
@given(kfa=kfa_like, t=t_like, x=x_like)
def test_micro_functions(kfa, t, x):
    works_or_names(lambda: micro.zfs(kfa, t), "kfa", "t ")
    works_or_names(lambda: micro.moment(kfa, t, x), "kfa", "t ", "x ")


@SETTINGS
@given(n=anything, l=anything, shell=st.one_of(anything, st.text(max_size=6)))
def test_micro_zeros_and_shells(n, l, shell):
    works_or_names(lambda: micro.bessel_zero(n, l), "n ", "l ")
    works_or_names(lambda: micro.spectrum.shell_kfa(shell), "shell")


# --- the spec loader ----------------------------------------------------------------------
def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v) if abs(v) < 2**63 else repr(float(v))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(v)


toml_scalar = st.one_of(
    weird_numbers,
    st.booleans(),
    st.sampled_from(["1", "x", ""]),
    st.floats(min_value=-10, max_value=100),
    st.integers(min_value=0, max_value=10),
)
model_tables = st.fixed_dictionaries(
    {},
    optional={
        k: st.one_of(toml_scalar, st.sampled_from(["quadratic", "saturating"]))
        for k in ("n", "C", "K", "ratio", "hx", "hy", "hz", "landscape")
    },
)
axes_tables = st.dictionaries(
    st.sampled_from(["n", "C", "K", "ratio", "hx", "hz", "spin"]),
    st.lists(st.one_of(weird_numbers, st.floats(min_value=0, max_value=10)), max_size=3),
    max_size=2,
)
method_tables = st.fixed_dictionaries(
    {"name": st.sampled_from(["metropolis", "tempering", "emcee", "magic"])},
    optional={
        k: toml_scalar
        for k in ("sweeps", "burn", "chains", "thin", "n_batches", "jump_every", "replicas")
    },
)
LOCATION = re.compile(r"^<spec>: (model|axes|method|output|kind|seed|calls|\(top level\))")


@settings(SETTINGS, max_examples=150)
@given(
    kind=st.sampled_from(["sample", "exact", "compare", "meanfield"]),
    seed=toml_scalar,
    model=model_tables,
    axes=axes_tables,
    method=st.one_of(st.none(), method_tables),
)
def test_spec_loader(kind, seed, model, axes, method):
    lines = [f"kind = {toml_value(kind)}", f"seed = {toml_value(seed)}", "[model]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in model.items()]
    if axes:
        lines.append("[axes]")
        lines += [f"{k} = {toml_value(v)}" for k, v in axes.items()]
    if method is not None:
        lines.append("[method]")
        lines += [f"{k} = {toml_value(v)}" for k, v in method.items()]
    try:
        spec = runs.parse("\n".join(lines) + "\n")
    except runs.SpecError as err:
        assert LOCATION.match(str(err)), str(err)
        assert "\n" not in str(err)
        event("refused: " + str(err)[:40])
        return
    event("valid")
    pts = runs.points(spec)  # a valid spec: its points and models can be built
    for i in {0, len(pts) - 1}:
        assert runs.model_at(spec, pts[i]).n >= 1


@pytest.mark.parametrize("value", ['"50"', "inf", "nan", "true"])
def test_spec_numbers_are_never_strings_or_non_finite(value):
    with pytest.raises(runs.SpecError, match="model.C"):
        runs.parse(f'kind = "exact"\n[model]\nC = {value}\nK = 1.0\n')
    assert np.isfinite(runs.parse('kind = "exact"\n[model]\nC = 50\nK = 1.0\n').model.C)


move_entries = st.one_of(
    st.sampled_from(["displace", "jump", "heatbath", "overrelax", "flip", "gibbs", ""]),
    st.tuples(st.sampled_from(["heatbath", "overrelax", "displace"]), anything),
    anything,
)


@settings(SETTINGS, max_examples=80)
@given(
    method=st.sampled_from(["metropolis", "tempering", "emcee"]),
    sizes=st.fixed_dictionaries(
        {k: st.integers(min_value=1, max_value=40) for k in ("sweeps", "burn", "chains", "seed")}
    ),
    moves=st.one_of(st.none(), st.lists(move_entries, max_size=3)),
    replicas=st.one_of(st.none(), st.integers(min_value=-2, max_value=6)),
    corrupt=st.sampled_from(
        [None, None, None, "sweeps", "burn", "chains", "thin", "seed", "method"]
    ),
    value=anything,
)
def test_sample(method, sizes, moves, replicas, corrupt, value):
    """`sample` runs (tiny sizes) or names what it refuses: valid sizes with, in some
    examples, one option replaced by anything at all."""
    kwargs = dict(sizes)
    if moves is not None:
        kwargs["moves"] = moves
    if replicas is not None:
        kwargs["replicas"] = replicas
    if corrupt == "method":
        method = value
    elif corrupt is not None:
        kwargs[corrupt] = value
    names = ("method", "sweeps", "burn", "chains", "thin", "moves", "replicas", "seed",
             "not used by method", "memory", "walkers")  # fmt: skip
    try:
        mcdimer.sample(mcdimer.Dimer(K=2.0, C=5.0), method, **kwargs)
        event("ran")
    except ValueError as err:
        assert any(name in str(err) for name in names), str(err)
        event("refused")
