"""What a sampler run will allocate, estimated before anything is allocated.

`estimate_sample_bytes` mirrors the record layout of `observables.allocate` (per
chain, level and batch: scalars, site sums, zz, three HIST_BINS histograms; per chain
and thinned draw: the configuration and its statistics; for tempering, per level and draw
the values MBAR reweighting needs) plus the result's arviz copy of the draws. The spec
loader calls it to refuse a spec before a run starts; `sample()` calls it before it
allocates. It is an estimate: it errs on the large side by the per-chain state (tiny).
"""

from __future__ import annotations

from .observables import DRAW_COLUMNS, HIST_BINS, HISTS, SCALARS, SITE_COLUMNS, ZZ_MAX

DRAWS_PER_CHAIN = 1000  # `sample()`'s default: thin = sweeps // 1000 (at least 1)


def default_thin(sweeps: int) -> int:
    """The thinning `sample()` uses when none is given: about DRAWS_PER_CHAIN draws per chain."""
    return max(1, sweeps // DRAWS_PER_CHAIN)


def estimate_sample_bytes(
    n: int,
    chains: int,
    replicas: int,
    sweeps: int,
    thin: int | None,
    n_batches: int,
    periodic: bool = False,
) -> int:
    """Bytes a run of `sample()` holds at once (accumulators, draws, their arviz copy).

    n: particles; chains: independent chains; replicas: tempering levels (1 for Metropolis
    and emcee); sweeps: production sweeps per chain; thin: keep every thin-th sweep (None:
    `default_thin(sweeps)`); n_batches: batches per chain; periodic: the model is a periodic
    box, whose Ewald tensor (6 n^2 doubles, `mcdimer.ewald`) every chain and level share.
    Python ints throughout, so
    absurd requests (sweeps = 1e9, thin = 1) give a large number, not an overflow.
    """
    n, chains, levels, sweeps, n_batches = (
        int(v) for v in (n, chains, replicas, sweeps, n_batches)
    )
    thin = default_thin(sweeps) if thin is None else max(1, int(thin))
    n_draws = sweeps // thin
    level_draws = levels > 1
    zz_n = n if n <= ZZ_MAX else 0
    per_batch = 2 + len(SCALARS) + n * len(SITE_COLUMNS) + zz_n * zz_n + len(HISTS) * HIST_BINS
    # configuration, energy, two acceptance statistics, slot; x2 for the arviz copy
    per_draw = 2 * (n * 3 + 1 + 2 + 1)
    per_level_draw = len(DRAW_COLUMNS) + 1 + (n if level_draws else 0)
    state = chains * levels * (3 * n * 3 + 8)  # positions, fields, scratch, per-level scalars
    words = (
        chains * levels * n_batches * per_batch
        + chains * n_draws * per_draw
        + chains * levels * (n_draws if level_draws else 0) * per_level_draw
        + state
        + (6 * n * n if periodic else 0)
    )
    return 8 * words
