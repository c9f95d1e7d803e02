"""What one point of a spec computes (mcdimer/runs/compute.py): the numbers of a point file
are those of the library called directly on the point's model with the point's seed."""

from __future__ import annotations

import numpy as np
import pytest

from mcdimer import exact, meanfield, runs, sample
from mcdimer.runs.compute import STORED_STATS, compute_point
from mcdimer.sampling.dims import DIMENSIONS
from mcdimer.sampling.result import EXPECT_KEYS

SAMPLE = """
kind = "sample"
seed = 21
[model]
n = 3
C = 20.0
[axes]
ratio = [0.4, 0.9]
[method]
name = "metropolis"
sweeps = 400
burn = 50
chains = 2
[output]
bins = 8
draws = 10
"""

EXACT = """
kind = "exact"
[model]
n = 2
C = 30.0
ratio = 0.7
hz = 0.2
[output]
bins = 12
"""


def test_a_sample_point_holds_the_means_of_sample_at_the_point_seed():
    spec = runs.parse(SAMPLE)
    point = runs.points(spec)[1]
    tree = compute_point(spec, point)
    root = tree.to_dataset()
    model = runs.model_at(spec, point)
    assert model.K == pytest.approx(0.9 * 20.0)
    res = sample(model, "metropolis", seed=point.seed, **spec.method.sample_kwargs())
    mean, se = res.expect(), res.mcse()
    got = root["mean"].sel(observable=list(EXPECT_KEYS)).values
    np.testing.assert_array_equal(got, [mean[k] for k in EXPECT_KEYS])
    np.testing.assert_array_equal(
        root["mcse"].sel(observable=list(EXPECT_KEYS)).values, [se[k] for k in EXPECT_KEYS]
    )
    dens, err = res.pdf_mz(8)
    np.testing.assert_array_equal(root["pdf_mz"].values, dens)
    np.testing.assert_array_equal(root["pdf_mz_se"].values, err)
    assert "posterior" in tree.children


def test_an_exact_point_holds_eq_b8_and_the_meanfield_option_its_ground_state():
    spec = runs.parse(EXACT + "meanfield = true\n")
    (point,) = runs.points(spec)
    root = compute_point(spec, point).to_dataset()
    model = runs.model_at(spec, point)
    want = exact.expect(model)
    assert list(root["exact_observable"].values) == list(want)
    np.testing.assert_array_equal(root["exact_mean"].values, list(want.values()))
    np.testing.assert_array_equal(root["exact_pdf_mu1z"].values, exact.pdf_mu1z(model, 12))
    assert root["exact_pdf_mu1z"].sizes["z"] == 12
    assert "meanfield_mz" in root and np.isfinite(float(root["meanfield_mz"]))
    assert root.attrs["model"] == repr(model)


def test_a_meanfield_call_stores_the_function_dataset_as_its_group():
    text = (
        'kind = "meanfield"\n[[calls]]\nname = "onsets"\nfunction = "fig9_data"\n'
        "params = {n_max = 6}\n"
    )
    spec = runs.parse(text)
    (point,) = runs.points(spec)
    tree = compute_point(spec, point)
    want = meanfield.fig9_data(6)
    got = tree["onsets"].to_dataset()
    assert set(want.data_vars) == set(got.data_vars)
    for name in want.data_vars:
        np.testing.assert_array_equal(got[name].values, want[name].values)


ORDER = """
kind = "sample"
seed = 5
[model]
C = 50.0
ratio = 0.65
[geometry]
builder = "random_box"
n = 4
packing_fraction = 0.3
sigma = 0.3
hard_core = "radii"
[method]
name = "tempering"
ladder = [1.0, 0.6]
adapt = false
sweeps = 200
burn = 20
chains = 2
pairs = true
n_batches = 8
[output]
bins = 8
draws = 5
reweight = 2
meanfield = true
"""


@pytest.mark.parametrize(
    ("text", "present"),
    [
        (SAMPLE, {"observable", "summary_observable", "particle", "column", "z", "m", "r"}),
        (EXACT, {"exact_observable", "z"}),
        (ORDER, {"level", "reweight", "q", "order_quantity", "check", "site", "xyz", "draw"}),
    ],
    ids=["sample", "exact", "order"],
)
def test_every_dimension_of_a_point_file_is_one_of_the_named_dimensions(text, present):
    """One table (`sampling.dims.DIMENSIONS`) names every dimension a point file has, in
    every group; only the run statistics' own indices (`stat_<name>` over <name>_index)
    are named after their statistic."""
    spec = runs.parse(text)
    tree = compute_point(spec, runs.points(spec)[0])
    stat_index = {f"{key}_index" for key in STORED_STATS}
    seen = set()
    for node in tree.subtree:
        dims = set(node.to_dataset(inherit=False).dims)
        assert dims <= set(DIMENSIONS) | stat_index, (node.path, dims - set(DIMENSIONS))
        seen |= dims
    assert present <= seen
