"""The order observables of a point file (result layout 3): the stored Binder cumulants,
correlation lengths, overlap histogram and equilibration verdict are those of the
library called directly on the point's model with the point's seed, at every level."""

from __future__ import annotations

import json

import numpy as np

from mcdimer import runs, sample
from mcdimer.runs.compute import ORDER_QUANTITIES, compute_point
from mcdimer.sampling.result import ORDER_KEYS

SPEC = """
kind = "sample"
seed = 8
[model]
C = 50.0
ratio = 0.65
[geometry]
builder = "random_box"
n = 6
packing_fraction = 0.3
sigma = 0.3
hard_core = "radii"
[method]
name = "tempering"
ladder = [1.0, 0.5]
adapt = false
sweeps = 400
burn = 50
chains = 4
pairs = true
start = "both"
n_batches = 8
[output]
bins = 8
draws = 0
"""


def test_a_point_stores_the_order_observables_of_every_level():
    spec = runs.parse(SPEC, "order.toml")
    point = next(iter(runs.points(spec)))
    ds = compute_point(spec, point).to_dataset()
    model = runs.model_at(spec, point)
    res = sample(model, seed=point.seed, **{"method": "tempering", **spec.method.sample_kwargs()})
    assert set(ORDER_KEYS) <= set(ds.observable.values.tolist())
    for k in range(2):
        lv = res.level(k)
        want = [lv.binder("m"), lv.binder("ms"), lv.binder("q"),
                lv.correlation_length("m"), lv.correlation_length("q")]  # fmt: skip
        assert list(ds.order_quantity.values) == list(ORDER_QUANTITIES)
        assert np.array_equal(ds.level_order.values[k], [w[0] for w in want])
        assert np.array_equal(ds.level_order_se.values[k], [w[1] for w in want])
        assert np.array_equal(ds.level_pdf_q.values[k], lv.pdf_q(8)[0])
        eq = lv.equilibration()
        z = ds.equilibration_z.isel(level=k)
        for kind in ("drift", "start"):
            for name, value in getattr(eq, kind).items():
                assert z.sel(check=f"{kind}_{name}") == value
    assert np.array_equal(ds.order.values, ds.level_order.values[0])
    flags = json.loads(ds.attrs["equilibration_flags_json"])
    assert bool(ds.equilibrated) == (not flags)
    assert abs(ds.pdf_q.values.sum() * (2.0 / 8) - 1.0) < 1e-12
