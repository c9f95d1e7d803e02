"""Samplers of the thermal distribution exp(-beta E) d^3mu_1 ... d^3mu_n (Eqs. (B6)-(B7)).

`sample(model, method=...)` is the one entry point; every method returns a SampleResult.
"""

from __future__ import annotations

from .. import _checks
from ..model import Chain
from .result import EXPECT_KEYS, SampleResult

METHODS = ("metropolis",)


def sample(
    model: Chain,
    method: str = "metropolis",
    *,
    sweeps: int = 20_000,
    burn: int = 2_000,
    chains: int = 4,
    seed: int = 0,
    thin: int | None = None,
    n_batches: int = 32,
    p_jump: float = 0.05,
    progress=None,
    **options,
) -> SampleResult:
    """Sample the thermal distribution of `model` (a `mcdimer.Chain`).

    Parameters
    ----------
    method : "metropolis" (compiled single-moment Metropolis).
    sweeps : production sweeps per chain (a sweep is n single-moment proposals).
    burn : burn-in sweeps per chain; the step size is tuned here and frozen afterwards.
    chains : independent chains, each with its own random stream from `seed`.
    seed : integer seed; same seed, same numbers, whatever the number of threads.
    thin : keep every `thin`-th production sweep as a draw (default: ~1000 draws per chain).
    n_batches : batches per chain for the batch-means errors.
    p_jump : probability that a proposal is an independent uniform point in the ball.
    progress : optional callable(done_sweeps, total_sweeps) called between chunks.
    """
    if not isinstance(model, Chain):
        raise ValueError(f"model must be a mcdimer.Chain, got {model!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    sweeps = _checks.integer("sweeps", sweeps, low=1)
    burn = _checks.integer("burn", burn, low=0)
    chains = _checks.integer("chains", chains, low=1)
    seed = _checks.integer("seed", seed, low=0)
    thin = max(1, sweeps // 1000) if thin is None else _checks.integer("thin", thin, low=1)
    n_batches = _checks.integer("n_batches", n_batches, low=2)
    p_jump = _checks.real("p_jump", p_jump, low=0.0, high=1.0)
    if options:
        raise ValueError(f"unknown option(s) for method {method!r}: {sorted(options)}")
    model.landscape.check_samplable()
    from .metropolis import run_metropolis

    return run_metropolis(
        model,
        sweeps=sweeps,
        burn=burn,
        chains=chains,
        seed=seed,
        thin=thin,
        n_batches=n_batches,
        p_jump=p_jump,
        progress=progress,
    )


__all__ = ["EXPECT_KEYS", "METHODS", "SampleResult", "sample"]
