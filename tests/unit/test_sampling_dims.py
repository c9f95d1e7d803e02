"""The dimension names of results and point files (mcdimer/sampling/dims.py): every record
the engine allocates has its dimensions named there, and `select` addresses a record's
axes by name exactly as numpy's positional indexing does."""

from __future__ import annotations

import numpy as np
import pytest

from mcdimer.sampling.dims import (
    BATCHED,
    DIMENSIONS,
    DIMS,
    LEVEL_DRAWS,
    RECORD_DIMS,
    record_axis,
    record_size,
    select,
)
from mcdimer.sampling.observables import allocate


def test_every_allocated_record_has_its_dimensions_named_once():
    records = allocate(chains=4, levels=3, n=5, n_batches=8, n_draws=6, level_draws=True, pairs=2)
    assert set(records) == set(RECORD_DIMS)
    for name, array in records.items():
        dims = RECORD_DIMS[name]
        assert array.ndim == len(dims), name
        assert len(set(dims)) == len(dims), name
        assert set(dims) <= set(DIMENSIONS), name
    assert all(getattr(DIMS, name) == name for name in DIMENSIONS)
    # SampleResult merges the first two dimensions left after the level into batch rows
    for name in BATCHED:
        assert RECORD_DIMS[name][:3] in {
            (DIMS.chain, DIMS.level, DIMS.batch),
            (DIMS.pair, DIMS.level, DIMS.batch),
        }, name
    assert record_size(records, "pair_scalars", DIMS.pair) == 2
    assert record_size(records, "level_w", DIMS.draw) == 6
    assert [record_size(records, n, DIMS.level) for n in LEVEL_DRAWS] == [3, 3, 3]


def test_select_indexes_by_name_as_numpy_does_by_position():
    rng = np.random.default_rng(0)
    sites = rng.normal(size=(4, 3, 8, 5, 7))  # (chain, level, batch, particle, column)
    got = select("sites", sites, {DIMS.level: 1, DIMS.particle: 0})
    assert np.array_equal(got, sites[:, 1, :, 0, :])
    assert np.shares_memory(got, sites)  # integers and slices: a view
    got = select("sites", sites, {DIMS.column: [2, 6], DIMS.level: 2, DIMS.particle: 3})
    assert np.array_equal(got, sites[:, 2, :, 3][..., [2, 6]])
    rows = {DIMS.chain: slice(0, 4, 2), DIMS.batch: slice(4, None)}
    got = select("sites", sites, {**rows, DIMS.column: np.array([0, 1]), DIMS.particle: [4, 1]})
    assert np.array_equal(got, sites[0:4:2, :, 4:][:, :, :, [4, 1]][..., [0, 1]])
    assert record_axis("draw_stats", DIMS.draw_stat) == 2
    with pytest.raises(ValueError, match="record 'scalars' has no dimension 'particle'"):
        select("scalars", sites[..., 0, 0], {DIMS.particle: 0})  # scalars have no particle
