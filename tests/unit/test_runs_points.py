"""A spec's points (mcdimer/runs/points.py): the grid product of its axes in C order, a seed
per point from (spec seed, index) only, the model at each point; and the one-way layers
spec <- points <- loader (mcdimer/runs/loader.py checks the whole grid at load)."""

from __future__ import annotations

import ast
import importlib
import itertools
from pathlib import Path

import numpy as np
import pytest

import mcdimer
from mcdimer import runs
from mcdimer.runs import loader

# the module (mcdimer.runs.points is the function `points` of the package)
points = importlib.import_module("mcdimer.runs.points")

GRID = """
kind = "exact"
seed = 9
[model]
n = 2
C = 20.0
[axes]
ratio = [0.5, 1.0, 1.5]
hz = {start = 0.01, stop = 1.0, num = 2, log = true}
"""


def test_points_are_the_c_order_product_of_the_axes():
    spec = runs.parse(GRID)
    pts = points.points(spec)
    assert len(pts) == 6 and pts.shape == (3, 2)
    want = list(itertools.product([0.5, 1.0, 1.5], [0.01, 1.0]))
    got = [(p.coords["ratio"], p.coords["hz"]) for p in pts]
    np.testing.assert_allclose(got, want, rtol=1e-12)  # the last axis varies fastest
    assert [p.index for p in pts] == list(range(6))
    assert pts[-1] == pts[5] and pts[1:3] == [pts[1], pts[2]]
    with pytest.raises(IndexError, match="point 6 out of range"):
        pts[6]


def test_point_seeds_are_those_of_seedsequence_spawn_keys_and_distinct():
    spec = runs.parse(GRID)
    seeds = [p.seed for p in points.points(spec)]
    for index, seed in enumerate(seeds):
        state = np.random.SeedSequence(9, spawn_key=(index,)).generate_state(1, np.uint64)
        assert seed == int(state[0]) >> 1 and 0 <= seed < 2**63
    assert len(set(seeds)) == len(seeds)
    # a point's seed does not depend on the grid it sits in: only on (seed, index)
    other = runs.parse(GRID.replace("num = 2", "num = 5"))
    assert points.points(other)[3].seed == seeds[3]


def test_model_at_a_point_takes_k_from_ratio_and_the_swept_field():
    spec = runs.parse(GRID)
    p = points.points(spec)[5]  # ratio 1.5, hz 1.0
    model = points.model_at(spec, p)
    assert model.n == 2 and model.K == pytest.approx(1.5 * 20.0)
    np.testing.assert_allclose(model.h, [0.0, 0.0, 1.0])
    params = points.model_parameters(spec, p)
    assert params["K"] == pytest.approx(30.0) and params["C"] == 20.0


def test_axis_values_of_a_particle_number_axis_are_integers():
    spec = runs.parse(
        GRID.replace('kind = "exact"', 'kind = "sample"')
        .replace("[axes]", '[method]\nname = "metropolis"\nsweeps = 100\n[axes]\nn = [2, 4]')
        .replace("n = 2\n", "", 1)
    )
    axes = points.axis_values(spec)
    assert axes["n"] == [2, 4] and all(isinstance(v, int) for v in axes["n"])
    assert points.model_at(spec, points.points(spec)[-1]).n == 4


def test_the_grid_is_checked_at_load_at_its_most_demanding_point():
    bad = GRID.replace("ratio = [0.5, 1.0, 1.5]", "ratio = [0.5, 900.0]").replace(
        "C = 20.0", "C = 5000.0"
    )
    with pytest.raises(runs.SpecError, match=r"axes.ratio: K = ratio\*C = 4.5e\+06"):
        runs.parse(bad)


def _top_imports(module: str) -> set[str]:
    path = Path(mcdimer.__file__).parent / "runs" / f"{module}.py"
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out |= {node.module} if node.module else {a.name for a in node.names}
    return out


def test_spec_points_and_loader_import_one_way():
    assert not {"points", "loader"} & _top_imports("spec")
    assert "loader" not in _top_imports("points") and "spec" in _top_imports("points")
    assert {"spec", "points"} <= _top_imports("loader")
    assert not {"points", "loader"} & _top_imports("realisations")
    # the names the package exports are the loader's
    assert runs.parse is loader.parse and runs.load is loader.load
