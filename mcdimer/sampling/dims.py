"""The dimension names of mcdimer's data, each written once, and the records' layout.

`DIMENSIONS` names every dimension of a result (`SampleResult.to_datatree`, the raw
`records`) and of a point file (`mcdimer.runs.compute`, read back by `mcdimer show`), with
what runs along it; code addresses axes through `DIMS` (`DIMS.level` is "level"), and a
record's axes through `RECORD_DIMS` and `select`, never by position.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

# name -> what runs along it
DIMENSIONS = {
    "chain": "independent Markov chains",
    "pair": "replica pairs p: chains 2p and 2p + 1 (sample(..., pairs=True))",
    "level": "ladder levels k at b_k = ladder[k], b_0 = 1",
    "batch": "batches of a chain's production sweeps (the batch means behind the MCSE)",
    "draw": "thinned draws of a chain (every thin-th production sweep)",
    "observable": "named observables: the accumulated SCALARS in the records, the keys of "
    "expect() (EXPECT_KEYS + ORDER_KEYS) in a point file",
    "pair_observable": "the replica pairs' PAIR_SCALARS",
    "draw_column": "the per-draw sweep values DRAW_COLUMNS",
    "draw_stat": "per-draw statistics DRAW_STATS (acceptance, swap_acceptance)",
    "particle": "particles i = 1..n of the model",
    "particle_j": "the second particle j of <mu_i^z mu_j^z>",
    "column": "per-particle sums and means SITE_COLUMNS (x, y, z, x2, y2, z2, abs)",
    "component": "the components x, y, z of a moment mu_i",
    "histogram": "the accumulated histograms HISTS (mu1z, mz, abs_mu1)",
    "bin": "the HIST_BINS fine bins of an accumulated histogram",
    "z": "bin centres of P(mu_1^z) on [-1, 1]",
    "m": "bin centres of P(m^z) on [-1, 1]",
    "r": "bin centres of P(|mu_1|) on [0, 1]",
    "q": "bin centres of P(q) of the scalar overlap on [-1, 1]",
    "reweight": "the inverse temperatures b of a point's MBAR curves",
    "summary_observable": "observables of the arviz summary (diagnostics.SUMMARY_VARS)",
    "order_quantity": "Binder cumulants and correlation lengths (compute.ORDER_QUANTITIES)",
    "check": "equilibration checks (compute.EQUILIBRATION_CHECKS)",
    "exact_observable": "the keys of exact.expect (Eq. (B8))",
    "xyz": "Cartesian axes of positions and box edges",
    "site": "every site of a realisation, sampled or not",
    "point": "the points of a sweep (merged: one dimension per spec axis)",
    "realisation": "disorder realisations of a spec (the spec axis `realisation`, a count)",
    "boot": "bootstrap replicates over disorder realisations (runs.reduce)",
}
DIMS = namedtuple("Dims", DIMENSIONS)(*DIMENSIONS)

# The dimensions of every record, by name: the batched ones are (chain, level, batch, ...)
# but the replica pairs' (pair, level, batch, ...); the draws (chain, [level,] draw, ...).
RECORD_DIMS = {
    "scalars": (DIMS.chain, DIMS.level, DIMS.batch, DIMS.observable),
    "sites": (DIMS.chain, DIMS.level, DIMS.batch, DIMS.particle, DIMS.column),
    "zz": (DIMS.chain, DIMS.level, DIMS.batch, DIMS.particle, DIMS.particle_j),
    "hists": (DIMS.chain, DIMS.level, DIMS.batch, DIMS.histogram, DIMS.bin),
    "counts": (DIMS.chain, DIMS.level, DIMS.batch),
    "accepted": (DIMS.chain, DIMS.level, DIMS.batch),
    "pair_scalars": (DIMS.pair, DIMS.level, DIMS.batch, DIMS.pair_observable),
    "pair_hists": (DIMS.pair, DIMS.level, DIMS.batch, DIMS.bin),
    "draws": (DIMS.chain, DIMS.draw, DIMS.particle, DIMS.component),
    "draw_energy": (DIMS.chain, DIMS.draw),
    "draw_stats": (DIMS.chain, DIMS.draw, DIMS.draw_stat),
    "draw_slot": (DIMS.chain, DIMS.draw),
    "level_values": (DIMS.chain, DIMS.level, DIMS.draw, DIMS.draw_column),
    "level_w": (DIMS.chain, DIMS.level, DIMS.draw),
    "level_moduli": (DIMS.chain, DIMS.level, DIMS.draw, DIMS.particle),
}
# the records of LevelDraws' W, r and obs: per-level draws for MBAR
LEVEL_DRAWS = ("level_w", "level_moduli", "level_values")
# the batched records (the datatree's `batches`), recorded at every level; of the draws
# only the level_* ones are kept per level
BATCHED = tuple(name for name, dims in RECORD_DIMS.items() if DIMS.batch in dims)


def record_axis(name: str, dim: str) -> int:
    """The axis of dimension `dim` in record `name` (`RECORD_DIMS`); ValueError naming both
    when the record has no such dimension."""
    dims = RECORD_DIMS[name]
    if dim not in dims:
        raise ValueError(f"record {name!r} has no dimension {dim!r}: its dimensions are {dims}")
    return dims.index(dim)


def select(name: str, array: np.ndarray, at: dict) -> np.ndarray:
    """Record `name` (`array`) at the positions `at` gives per dimension name, the other
    dimensions in their order: integers and slices index as numpy's basic indexing does
    (a view), then each list or array of indices takes along its dimension."""
    dims = RECORD_DIMS[name]
    key = [slice(None)] * array.ndim
    taken = {}
    for dim, index in at.items():
        axis = record_axis(name, dim)
        if isinstance(index, (list, tuple, np.ndarray)):
            taken[dim] = index
        else:
            key[axis] = index
    out = array[tuple(key)]
    if taken:
        left = [d for d, k in zip(dims, key, strict=True) if isinstance(k, slice)]
        for dim, index in taken.items():
            out = np.take(out, index, axis=left.index(dim))
    return out


def record_size(records: dict, name: str, dim: str) -> int:
    """The length of dimension `dim` of record `name` in `records`."""
    return records[name].shape[record_axis(name, dim)]
