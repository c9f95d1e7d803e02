"""Samplers of the thermal distribution exp(-beta E) d^3mu_1 ... d^3mu_n (Eqs. (B6)-(B7)).

`sample(model, method=...)` is the one entry point; every method returns a SampleResult.
"metropolis" and "tempering" are two configurations of one compiled engine
(`kernels.py`: one replica, or a ladder of them); "emcee" is the slow reference.
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from ..model import Assembly
from ._cache import drop_stale_kernel_cache
from .memory import estimate_sample_bytes
from .moves import MOVES, parse_moves
from .result import EXPECT_KEYS, SampleResult

drop_stale_kernel_cache()

METHODS = ("metropolis", "tempering", "emcee")
# The default cycle: the exact heat-bath draw decorrelates each moment in one step, and the
# over-relaxation sweep that follows moves it to the far side of its field at no cost in
# energy. benchmarks/bench_moves.py (ESS/s of m_z^2 against [("displace", 19), "jump"], C =
# 50, same run): near the ordering threshold (0.9 K_c/C) x2.5 at n = 64, x2.3 at n = 256,
# x1.6-2.7 at n = 16; at K/C = 0.3 x2.2 at n = 64. Heat-bath alone was as good or better
# near threshold (x2.6, x3.1 at n = 256) and worse far from it (x1.6 at n = 64); the pair
# is the best compromise measured.
DEFAULT_MOVES = ("heatbath", "overrelax")
ENERGY_LIMIT = 1e12  # reduced energies beyond this lose every digit of their differences
MAX_SWEEPS = 10**12
MAX_CHAINS = 4096
MAX_REPLICAS = 256
TEMPERING_OPTIONS = ("replicas", "b_min", "ladder", "adapt", "flip")


def _check_scale(model) -> None:
    """Refuse couplings, fields or landscapes whose reduced energies (in kT) overflow doubles
    in the kernels' differences; mean field and `exact` still take them."""
    lands = model.landscape_groups()[0]
    for name, value in (
        ("K", abs(model.K)),
        ("h", float(np.abs(model.h).max())),
        ("landscape f(1)", max(float(np.abs(land.table()).max()) for land in lands)),
    ):
        if not value <= ENERGY_LIMIT:
            raise ValueError(
                f"{name} = {value:g} is beyond what the samplers can resolve: "
                f"reduced energies must stay below {ENERGY_LIMIT:g} kT"
            )


def _cycle(moves, jump_every, flip: bool) -> np.ndarray:
    if moves is not None and jump_every is not None:
        raise ValueError(
            "give moves or jump_every, not both (jump_every=k is moves=[('displace', k-1), 'jump'])"
        )
    if jump_every is not None:
        jump_every = _checks.integer("jump_every", jump_every, low=0, high=10**6)
        moves = (
            ["displace"]
            if jump_every == 0
            else ([("displace", jump_every - 1)] if jump_every > 1 else []) + ["jump"]
        )
    cycle = parse_moves(DEFAULT_MOVES if moves is None else moves)
    if flip:
        cycle = np.append(cycle, MOVES.index("flip"))
    return cycle


def _ladder(options: dict) -> np.ndarray | None:
    """The ladder the options give; None when they give none of ladder, replicas, b_min
    (the engine then chooses b_min and tunes R during burn-in)."""
    from .ladder import check_ladder, geometric

    if all(options.get(k) is None for k in ("ladder", "replicas", "b_min")):
        return None
    if options.get("ladder") is not None:
        given = [k for k in ("replicas", "b_min") if options.get(k) is not None]
        if given:
            raise ValueError(
                f"give ladder or {' and '.join(given)}, not both: an explicit ladder fixes "
                "the replicas and b_min"
            )
        b = check_ladder(options["ladder"])
    else:
        replicas = options.get("replicas")
        replicas = _checks.integer(
            "replicas", 8 if replicas is None else replicas, low=2, high=MAX_REPLICAS
        )
        b_min = options.get("b_min")
        b = geometric(replicas, 0.2 if b_min is None else b_min)
    if b.size > MAX_REPLICAS:
        raise ValueError(f"ladder must have at most {MAX_REPLICAS} levels, got {b.size}")
    return b


def sample(
    model: Assembly,
    method: str = "metropolis",
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
    **options,
) -> SampleResult:
    """Sample the thermal distribution of `model` (a `mcdimer.Chain` or `Assembly`).

    Parameters
    ----------
    method : "metropolis" (compiled single-moment moves), "tempering" (the same moves on a
        ladder of replicas, with swaps) or "emcee" (emcee's ensemble sampler).
    sweeps : production sweeps per chain (a sweep is one move of the cycle applied to
        every particle: n single-moment proposals).
    burn : burn-in sweeps per chain; displacement steps (and the tempering ladder) are
        tuned here and frozen afterwards.
    chains : independent chains, each with its own random streams from `seed`.
    seed : integer seed; same seed, same numbers, whatever the number of threads.
    thin : keep every `thin`-th production sweep as a draw (default: ~1000 draws per chain).
    n_batches : batches per chain for the batch-means errors.
    moves : the cycle of moves, applied sweep by sweep: a sequence of names or
        (name, repeats) pairs from "displace", "jump", "heatbath", "overrelax", "flip"
        (see `mcdimer.sampling.moves`); default DEFAULT_MOVES.
    jump_every : shorthand for moves=[("displace", jump_every - 1), "jump"] (0: displace only).
    critical_modes : what `mode_overlap` projects on: "auto" (the mean-field critical modes
        of Eq. (C1) generalised, `meanfield.critical_modes`, for all-quadratic models of
        n <= AUTO_MODES_MAX; else not recorded), True (compute them whatever n), False, or
        an array (k, n, 3) of modes (orthonormalised here).
    progress : optional callable(done_sweeps, total_sweeps) called between chunks.

    Options of method="tempering" (parallel tempering, all replicas in compiled code):
    with none of ladder, replicas, b_min the ladder is chosen for the model: b_min by
    `ladder.hottest_level` (the hottest replica disordered and mixing freely) and the
    number of replicas from the measured communication barrier Lambda in rounds with
    doubling sweeps over the first half of burn-in (`ladder.tune_ladder`), then frozen;
    `stats` records the ladder, Lambda and the rounds. Otherwise replicas (R >= 2,
    default 8) and b_min (in (0, 1), default 0.2) for a geometric ladder of
    inverse-temperature factors, or ladder (explicit, strictly decreasing from 1);
    adapt (default True: tune or equalise swap rates during burn-in, then freeze); flip
    (default False: append the global move mu -> -mu to the cycle). Replica k samples
    `model.tempered(b_k)`: K and h scale by b_k and the landscape is
    `landscape.tempered(b_k)`, so a temperature-dependent landscape such as
    `Microscopic(kfa, t)` is rebuilt at temperature t/b_k: a temperature ladder
    t = t_1 < t_2 < ... is the ladder b_k = t_1/t_k (PHYSICS.md section 2, general swap rule).

    method="emcee" samples the same density with emcee's EnsembleSampler (the slow
    reference): `chains` is the number of walkers (>= 6n) and `sweeps` the ensemble steps.
    """
    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Chain or Assembly, got {model!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    sweeps = _checks.integer("sweeps", sweeps, low=1, high=MAX_SWEEPS)
    burn = _checks.integer("burn", burn, low=0, high=MAX_SWEEPS)
    chains = _checks.integer("chains", chains, low=1, high=MAX_CHAINS)
    seed = _checks.integer("seed", seed, low=0, high=2**63 - 1)
    thin = max(1, sweeps // 1000) if thin is None else _checks.integer("thin", thin, low=1)
    if thin > sweeps:
        raise ValueError(f"thin must be <= sweeps = {sweeps}, got {thin}")
    n_batches = _checks.integer("n_batches", n_batches, low=2, high=100_000)
    allowed = set(TEMPERING_OPTIONS) if method == "tempering" else set()
    unknown = sorted(set(options) - allowed)
    if method == "emcee":
        unknown += [k for k, v in (("moves", moves), ("jump_every", jump_every)) if v is not None]
    if unknown:
        raise ValueError(
            f"option(s) {unknown} are not used by method {method!r}"
            + (f"; its options: {sorted(allowed)}" if allowed else "")
        )
    for land in model.landscape_groups()[0]:
        land.check_samplable()
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
    if method == "emcee":
        from .emcee_backend import run_emcee

        _check_memory(chains, 1, model.n, n_batches, sweeps, thin, emcee=True)
        return run_emcee(model, **common)

    from .engine import run_engine

    if method == "tempering":
        ladder = _ladder(options)
        adapt, flip = options.get("adapt", True), options.get("flip", False)
        for name, value in (("adapt", adapt), ("flip", flip)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, got {value!r}")
    else:
        ladder, adapt, flip = np.ones(1), False, False
    cycle = _cycle(moves, jump_every, flip)

    def check_levels(levels):
        _check_memory(chains, levels, model.n, n_batches, sweeps, thin)

    check_levels(8 if ladder is None else ladder.size)
    return run_engine(
        model,
        method=method,
        ladder=ladder,
        cycle=cycle,
        adapt=adapt,
        check_levels=check_levels,
        modes=_modes(model, critical_modes),
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
        quadratic = model.stiffnesses is not None
        if critical_modes == "auto" and not (quadratic and model.n <= AUTO_MODES_MAX):
            return None
        if not quadratic:
            raise ValueError(
                "critical_modes=True needs quadratic landscapes (the instability of Eq. (C1)); "
                "pass the modes as an array instead"
            )
        from ..meanfield import critical_modes as modes_of

        critical_modes = modes_of(model)
    try:
        v = np.asarray(critical_modes, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("critical_modes must be an array of shape (k, n, 3)") from None
    if v.ndim == 2:
        v = v[None]
    if v.ndim != 3 or v.shape[1:] != (model.n, 3) or not np.all(np.isfinite(v)):
        raise ValueError(
            f"critical_modes must be a finite array of shape (k, {model.n}, 3), got {v.shape}"
        )
    q, _ = np.linalg.qr(v.reshape(v.shape[0], -1).T)  # orthonormal columns, same span
    return np.ascontiguousarray(q.T.reshape(-1, model.n, 3))


def _check_memory(chains, levels, n, n_batches, sweeps, thin, emcee=False) -> None:
    """Refuse, before allocating, a run whose records exceed the machine's memory."""
    need = estimate_sample_bytes(n, chains, levels, sweeps, thin, min(n_batches, sweeps))
    if emcee:  # emcee keeps every step of every walker: (steps, walkers, 3n) doubles
        need += 8 * sweeps * chains * 3 * n
    _checks.memory(
        "sample",
        need,
        f"this run (sweeps = {sweeps}, thin = {thin}, chains = {chains}, "
        f"n_batches = {n_batches}, levels = {levels}, n = {n})",
    )


__all__ = ["DEFAULT_MOVES", "EXPECT_KEYS", "METHODS", "MOVES", "SampleResult", "sample"]
