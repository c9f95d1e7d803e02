"""The emcee backend: the same density sampled by emcee's affine-invariant ensemble.

This is the slow reference that users know: a vectorised numpy log-density
-beta E(mu) (`Chain.energy`, Eq. (B6)), minus infinity outside the balls, driven by
`emcee.EnsembleSampler`. Its draws are reduced to the same observables as the compiled
samplers, by the same accumulation code, so results compare one to one. Walkers of an
ensemble are not independent chains: the errors are batch means over time of the
ensemble average (all walkers pooled in each batch).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..model import Chain
from .driver import DRAW_STATS, ChunkRunner, RunStats, per_second
from .engine import TUNNEL_LEVEL, box_phases
from .kernels import NO_MODES, track_side
from .observables import DRAW_COLUMNS, accumulate, allocate, sweep_values, weighted_values
from .result import SampleResult
from .rng import seed_states


@njit(cache=True)
def _reduce(
    chain,
    energy,
    burn,
    batch_len,
    level,
    scale,
    phases,
    side,
    tunnels,
    scalars,
    sites,
    zz,
    hists,
    counts,
):
    """Accumulate emcee's stored states (steps, walkers, n, 3) after `burn` into batch sums
    (batches first: walkers are pooled, see the module docstring). Every column of the
    compiled samplers is filled: `sweep_values`, then `weighted_values` (ms2, ms4 with the
    sizes `scale`, nematic, and chi_m at the box's k_min from `phases`)."""
    steps, walkers = chain.shape[0], chain.shape[1]
    n_batches = counts.shape[0]
    stotal = scale.sum()
    vals = np.empty(len(DRAW_COLUMNS))
    for s in range(burn, steps):
        batch = min((s - burn) // batch_len, n_batches - 1)
        for w in range(walkers):
            mz = sweep_values(chain[s], w, energy[s, w], NO_MODES, vals)
            weighted_values(chain[s], w, scale, stotal, phases, vals)
            accumulate(chain[s], w, vals, batch, scalars, sites, zz, hists)
            counts[batch] += 1
            side[w], flipped = track_side(mz, level, side[w])
            tunnels[w] += flipped


def run_emcee(
    model: Chain, *, sweeps, burn, chains, seed, thin, n_batches, progress=None
) -> SampleResult:
    import emcee  # not at the top: only the reference sampler needs it, not import mcdimer

    n = model.n
    ndim = 3 * n
    walkers = chains  # at least 2 x 3n: `config.Emcee.check_run` refuses fewer

    def log_prob(x):
        mu = x.reshape(len(x), n, 3)
        out = -model.energy(mu)
        out[np.any(np.einsum("wic,wic->wi", mu, mu) > 1.0, axis=1)] = -np.inf
        return out

    state = seed_states(seed, 1)[0]
    rs = np.random.RandomState(np.frombuffer(state.tobytes(), dtype=np.uint32))
    # start uniform in the balls
    v = rs.normal(size=(walkers, n, 3))
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    p0 = (v * rs.uniform(size=(walkers, n, 1)) ** (1 / 3)).reshape(walkers, ndim)
    sampler = emcee.EnsembleSampler(walkers, ndim, log_prob, vectorize=True)
    sampler.random_state = rs.get_state()
    total = burn + sweeps
    position = {"state": p0}

    def step(first, count):
        position["state"] = sampler.run_mcmc(position["state"], count, progress=False)

    runner = ChunkRunner(total, burn, cost_per_sweep=walkers * n * n * 2e-7, progress=progress)
    done, wall = runner.run_timed(step)
    states = sampler.get_chain()[:done].reshape(done, walkers, n, 3)
    energy = -sampler.get_log_prob()[:done]
    prod = done - burn
    n_batches = min(n_batches, max(prod, 1))
    batch_len = max(prod // n_batches, 1)
    n_draws = -(-prod // thin)
    records = allocate(1, 1, n, n_batches, 0, level_draws=False)
    side = np.zeros(walkers, dtype=np.int64)
    tunnels = np.zeros(walkers, dtype=np.int64)
    _reduce(
        np.ascontiguousarray(states),
        np.ascontiguousarray(energy),
        burn,
        batch_len,
        TUNNEL_LEVEL,
        np.ascontiguousarray(model.scale, dtype=float),
        box_phases(model),
        side,
        tunnels,
        *(records[k][0, 0] for k in ("scalars", "sites", "zz", "hists", "counts")),
    )
    records["draws"] = np.ascontiguousarray(states[burn::thin].transpose(1, 0, 2, 3))[:, :n_draws]
    records["draw_energy"] = np.ascontiguousarray(energy[burn::thin].T)[:, :n_draws]
    records["draw_stats"] = np.zeros(records["draw_energy"].shape + (len(DRAW_STATS),))
    records["draw_slot"] = np.zeros(records["draw_energy"].shape, dtype=np.int64)
    prod_wall = wall * prod / max(done, 1)
    stats = RunStats(
        acceptance=float(np.mean(sampler.acceptance_fraction)),
        wall_seconds=wall,
        # an ensemble step moves every walker once: one log-density evaluation per walker
        sweeps_per_second=per_second(done, wall),
        log_prob_evaluations_per_second=per_second(walkers * done, wall),
        tunnelling_events=tunnels,
        tunnelling_per_second=per_second(tunnels.sum(), prod_wall),
        tunnel_level=TUNNEL_LEVEL,
    )
    settings = {
        "sweeps": sweeps,
        "burn": burn,
        "chains": walkers,
        "seed": seed,
        "thin": thin,
        "n_batches": n_batches,
        "walkers": walkers,
    }
    return SampleResult(model, "emcee", settings, stats, records, interrupted=done < total)
