"""Samplers of the thermal distribution exp(-beta E) d^3mu_1 ... d^3mu_n (Eqs. (B6)-(B7)).

`sample(model, method=...)` is the one entry point; every method returns a SampleResult.
"metropolis" and "tempering" are two configurations of one compiled engine
(`kernels.py`: one replica, or a ladder of them); "emcee" is the slow reference.
"""

from __future__ import annotations

import numpy as np

from ..model import Assembly
from ._cache import drop_stale_kernel_cache
from .config import (
    DEFAULT_MOVES,
    DEFAULT_TEMPERING_MOVES,
    ENERGY_LIMIT,
    MAX_CHAINS,
    MAX_REPLICAS,
    MAX_SWEEPS,
    METHODS,
    TEMPERING_OPTIONS,
    Emcee,
    Metropolis,
    RunSize,
    Tempering,
    as_sampler,
    check_pairs,
    check_record_every,
    check_start,
)
from .moves import MOVES
from .result import EXPECT_KEYS, SampleResult

drop_stale_kernel_cache()


def sample(
    model: Assembly,
    method: str | Metropolis | Tempering | Emcee = "metropolis",
    *,
    sweeps: int = 20_000,
    burn: int = 2_000,
    chains: int = 4,
    seed: int = 0,
    thin: int | None = None,
    n_batches: int = 32,
    moves=None,
    jump_every: int | None = None,
    critical_modes="auto",
    progress=None,
    pairs: bool = False,
    start: str = "hot",
    record_every: int | str = "auto",
    **options,
) -> SampleResult:
    """Sample the thermal distribution of `model` (a `mcdimer.Chain` or `Assembly`).

    Parameters
    ----------
    method : a configuration, `mcdimer.Metropolis(moves=...)` (compiled single-moment
        moves), `mcdimer.Tempering(...)` (the same moves on a ladder of replicas, with swaps)
        or `mcdimer.Emcee()` (emcee's ensemble sampler), or the name "metropolis",
        "tempering" or "emcee" of one with the options given here as keywords:
        `sample(model, "tempering", replicas=4)` is `sample(model, Tempering(replicas=4))`,
        bit for bit. Their options and limits: `mcdimer.sampling.config`.
    sweeps : production sweeps per chain, 1..1e9 (a sweep is one move of the cycle applied
        to every particle: n single-moment proposals).
    burn : burn-in sweeps per chain, 0..1e9; displacement steps (and the tempering ladder)
        are tuned here and frozen afterwards.
    chains : independent chains, 1..4096, each with its own random streams from `seed`.
    seed : integer seed; same seed, same numbers, whatever the number of threads.
    thin : keep every `thin`-th production sweep as a draw (default: ~1000 draws per chain).
    n_batches : batches per chain for the batch-means errors, 2..100000.
    moves, jump_every : the move cycle of a named method (see `Metropolis`). A cycle with
        a non-ergodic move (overrelax, flip) must be traversed at least
        `config.MIN_CYCLE_PASSES` = 10 times by burn + sweeps, or ValueError naming moves.
    critical_modes : what `mode_overlap` projects on: "auto" (the mean-field critical modes
        of Eq. (C1) generalised, `meanfield.critical_modes`, for all-quadratic models of
        n <= AUTO_MODES_MAX that have an instability; else not recorded: mode_overlap is
        NaN), True (compute them whatever n; ValueError if the model has none), False, or a
        real array (k, n, 3) of k <= 3n modes, not all zero (orthonormalised here).
    progress : optional callable(done_sweeps, total_sweeps) called between chunks.
    pairs : run the chains as replica pairs (0, 1), (2, 3), ... and record their overlaps
        (q2, q4 in `expect()`, `binder("q")`, `pdf_q`, `correlation_length("q")`); needs
        an even number of chains and the compiled engine (not emcee).
    start : where the chains start: "hot" (uniform points in the balls, the default),
        "ordered" (every moment (0, 0, 1)) or "both" (the first half of the chains hot, the
        second half ordered: `result.equilibration()` then checks that the two halves
        agree on the energy, m2 and q2; chains a multiple of 2, of 4 with pairs).
    record_every : sum production sweep p into the batch means (and the pairs' overlaps,
        and the tunnelling count) only when p % record_every == 0: "auto" (default,
        `engine.default_record_every`: 4 for n <= 4 and 2 for n <= 16 when one replica
        without pairs runs a mostly-displacement cycle without heat-bath moves, where
        recording costs 0.3-1 sweep; else 1) or an integer from 1 to the batch length
        sweeps // n_batches. `counts` holds the recorded sweeps, so expect() and mcse()
        stay right; the trajectory, the draws (every thin-th sweep), the acceptance rates
        and the step sizes do not depend on it. Same seed and record_every = 1: the
        numbers of the engine that recorded every sweep; where "auto" is not 1 it changes
        the batch sums (scalars, sites, zz, hists, counts, accepted), the tunnelling
        events and what is computed from them (expect, mcse, pdfs, binder, ...).
    **options : of method="tempering": replicas, b_min, ladder, adapt, flip (`Tempering`).

    A tempering replica k samples `model.tempered(b_k)`: K and h scale by b_k and the
    landscape is `landscape.tempered(b_k)`, so a temperature-dependent landscape such as
    `Microscopic(kfa, t)` is rebuilt at temperature t/b_k: a temperature ladder
    t = t_1 < t_2 < ... is the ladder b_k = t_1/t_k (docs/physics.md, "Landscapes").
    With Emcee, `chains` is the number of walkers (>= 6n) and `sweeps` the ensemble steps.
    """
    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Chain or Assembly, got {model!r}")
    config = as_sampler(method, moves=moves, jump_every=jump_every, **options)
    run = RunSize(sweeps, burn, chains, seed, thin, n_batches)
    config.check_run(model, run)
    pairs = check_pairs(pairs, run.chains, config.name)
    start = check_start(start, run.chains, config.name, pairs)
    record_every = check_record_every(record_every, run, config.name)
    common = dict(run.kwargs(), progress=progress)
    if isinstance(config, Emcee):
        from .emcee_backend import run_emcee

        return run_emcee(model, **common)

    from .engine import run_engine

    def check_levels(levels):  # the default ladder's size is known after its tuning
        config.check_memory(model, run, levels)

    return run_engine(
        model,
        method=config.name,
        ladder=config.betas() if isinstance(config, Tempering) else np.ones(1),
        cycle=config.cycle(),
        adapt=config.adapt if isinstance(config, Tempering) else False,
        check_levels=check_levels,
        modes=_modes(model, critical_modes),
        pairs=pairs,
        start_kind=start,
        record_every=record_every,
        **common,
    )


AUTO_MODES_MAX = 256  # "auto" computes critical modes up to this n (a dense 3n eigenproblem)


def _modes(model, critical_modes):
    """The orthonormal modes (k, n, 3) of the mode_overlap observable, or None."""
    if critical_modes is False or critical_modes is None:
        return None
    if isinstance(critical_modes, str) or critical_modes is True:
        if critical_modes not in ("auto", True):
            raise ValueError(
                f"critical_modes must be 'auto', True, False or an array (k, n, 3), "
                f"got {critical_modes!r}"
            )
        auto = critical_modes == "auto"
        quadratic = model.stiffnesses is not None
        if auto and not (quadratic and model.n <= AUTO_MODES_MAX):
            return None
        if not quadratic:
            raise ValueError(
                "critical_modes=True needs quadratic landscapes (the instability of Eq. (C1)); "
                "pass the modes as an array instead"
            )
        from ..meanfield import critical_modes as modes_of

        try:
            critical_modes = modes_of(model)
        except ValueError as err:  # no instability (free moments, n = 1): nothing to project on
            if auto:
                return None
            raise ValueError(f"critical_modes=True: {err}") from None
    raw = np.asarray(critical_modes)
    if raw.dtype.kind not in "fiu":  # strings, bools, objects; complex modes are not real
        raise ValueError(
            f"critical_modes must be a real array of shape (k, {model.n}, 3), got dtype {raw.dtype}"
        )
    v = raw.astype(float)
    if v.ndim == 2:
        v = v[None]
    if v.ndim != 3 or v.shape[1:] != (model.n, 3) or not np.all(np.isfinite(v)):
        raise ValueError(
            f"critical_modes must be a finite array of shape (k, {model.n}, 3), got {v.shape}"
        )
    k, dim = v.shape[0], 3 * model.n
    if not 1 <= k <= dim:
        raise ValueError(f"critical_modes must hold 1..3n = {dim} modes, got k = {k}")
    flat = v.reshape(k, dim)
    if np.linalg.matrix_rank(flat) < k:
        raise ValueError(
            f"critical_modes must be linearly independent and not zero: the {k} modes given "
            f"span {np.linalg.matrix_rank(flat)} dimensions"
        )
    q, _ = np.linalg.qr(flat.T)  # orthonormal columns, same span
    return np.ascontiguousarray(q.T.reshape(-1, model.n, 3))


__all__ = [
    "DEFAULT_MOVES",
    "DEFAULT_TEMPERING_MOVES",
    "ENERGY_LIMIT",
    "EXPECT_KEYS",
    "MAX_CHAINS",
    "MAX_REPLICAS",
    "MAX_SWEEPS",
    "METHODS",
    "MOVES",
    "TEMPERING_OPTIONS",
    "Emcee",
    "Metropolis",
    "RunSize",
    "SampleResult",
    "Tempering",
    "sample",
]
