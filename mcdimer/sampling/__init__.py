"""Samplers of the thermal distribution exp(-beta E) d^3mu_1 ... d^3mu_n (Eqs. (B6)-(B7)).

`sample(model, method=...)` is the one entry point; every method returns a SampleResult.
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from ..model import Chain
from .result import EXPECT_KEYS, SampleResult

METHODS = ("metropolis", "tempering", "emcee")


ENERGY_LIMIT = 1e12  # reduced energies beyond this lose every digit of their differences


def _check_scale(model: Chain) -> None:
    """Refuse couplings, fields or landscapes whose reduced energies (in kT) overflow doubles
    in the kernels' differences; mean field and `exact` still take them."""
    for name, value in (
        ("K", abs(model.K)),
        ("h", float(np.abs(model.h).max())),
        ("landscape f(1)", float(np.abs(model.landscape.table()).max())),
    ):
        if not value <= ENERGY_LIMIT:
            raise ValueError(
                f"{name} = {value:g} is beyond what the samplers can resolve: "
                f"reduced energies must stay below {ENERGY_LIMIT:g} kT"
            )


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
    jump_every: int = 20,
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
    jump_every : every `jump_every`-th sweep proposes independent points uniform in the
        ball (reaches |mu| near 0 and near 1 whatever the step size); 0 turns it off.
    progress : optional callable(done_sweeps, total_sweeps) called between chunks.

    Options of method="tempering" (parallel tempering, all replicas in compiled code):
    replicas (R >= 2, default 8) and b_min (in (0, 1), default 0.2) for a geometric
    ladder of inverse-temperature factors, or ladder (explicit, strictly decreasing from
    1); adapt (default True: equalise swap rates during burn-in, then freeze); flip
    (default False: also propose mu -> -mu for a whole replica). Replica k samples
    `model.tempered(b_k)`: K and h scale by b_k and the landscape is
    `landscape.tempered(b_k)`, so a temperature-dependent landscape such as
    `Microscopic(kfa, t)` is rebuilt at temperature t/b_k: a temperature ladder
    t = t_1 < t_2 < ... is the ladder b_k = t_1/t_k (PHYSICS.md section 2, general swap rule).

    method="emcee" samples the same density with emcee's EnsembleSampler (the slow
    reference): `chains` is the number of walkers (>= 6n) and `sweeps` the ensemble steps.
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
    jump_every = _checks.integer("jump_every", jump_every, low=0)
    allowed = {"tempering": {"replicas", "b_min", "ladder", "adapt", "flip"}}.get(method, set())
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(
            f"unknown option(s) for method {method!r}: {unknown}"
            + (f"; allowed: {sorted(allowed)}" if allowed else "")
        )
    model.landscape.check_samplable()
    _check_scale(model)
    common = dict(
        sweeps=sweeps,
        burn=burn,
        chains=chains,
        seed=seed,
        thin=thin,
        n_batches=n_batches,
        progress=progress,
    )
    if method == "tempering":
        from .ladder import check_ladder, geometric
        from .tempering import run_tempering

        if options.get("ladder") is not None:
            ladder = check_ladder(options["ladder"])
        else:
            replicas = _checks.integer("replicas", options.get("replicas", 8), low=2)
            ladder = geometric(replicas, options.get("b_min", 0.2))
        adapt, flip = options.get("adapt", True), options.get("flip", False)
        for name, value in (("adapt", adapt), ("flip", flip)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, got {value!r}")
        return run_tempering(
            model, jump_every=jump_every, ladder=ladder, adapt=adapt, flip=flip, **common
        )
    if method == "emcee":
        from .emcee_backend import run_emcee

        return run_emcee(model, **common)
    from .metropolis import run_metropolis

    return run_metropolis(model, jump_every=jump_every, **common)


__all__ = ["EXPECT_KEYS", "METHODS", "SampleResult", "sample"]
