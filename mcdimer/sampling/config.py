"""Sampler configurations: what `sample(model, method, ...)` runs, validated once when built.

`Metropolis(moves=...)`, `Tempering(ladder=..., replicas=..., b_min=..., adapt=...,
flip=..., moves=...)` and `Emcee()` are frozen objects (after netket's samplers): building
one checks every option and raises ValueError naming it; `check(model)` checks that the
model can be sampled this way, `check_run(model, run)` adds the run's size (memory, the
move cycle's passes), and `memory(model, run)` estimates the bytes before anything is
allocated. `RunSize` holds the run's size (sweeps, burn, chains, seed, thin, n_batches),
checked the same way. The strings "metropolis", "tempering", "emcee" are shorthands for
the defaults (`as_sampler`). Every limit and default of the samplers is written here
once; `runs.spec.MethodSpec` builds these objects.

Physics of the target (the thermal density exp(-u) d^3mu_1 ... d^3mu_n of Eqs. (B6)-(B7),
reduced energies u in kT, docs/physics.md, "Reduced units"): the moves are in
`moves.py`, the ladder in `ladder.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import _checks
from .._checks import ENERGY_LIMIT
from ..model import Assembly
from .memory import default_thin, estimate_sample_bytes
from .moves import ERGODIC, MOVES, parse_moves

# The default cycles, one per method (the run's cycle is reported in RunStats.moves and the
# result's settings["moves"]). The exact heat-bath draw decorrelates each moment in one step
# and the over-relaxation sweep that follows moves it to the far side of its field at no
# cost in energy; near an ordering threshold the slow variable is the amplitude of the soft
# mode, which these single-moment moves relax only slowly, and a collective proposal along
# it (`collective.py`, one O(n) Metropolis step, exact for any direction) moves it by its
# thermal width. ESS/s of m_z^2 (of |m|^2 where said) of heatbath + overrelax +
# ("collective", k) against heatbath + overrelax, C = 50, 4 chains x 128 batches (32 for
# tempering), 2 threads, same run, best of 3 (one "collective" sweep is one proposal), on
# a quiet machine: `python benchmarks/bench_heatbath.py --defaults dimer10 dimer40
# chain64_crit chain64_0.3 chain16_crit chain16_0.3` and `--defaults box chain64_tempering
# box_tempering` (2026-12-07; a loaded run the same day gave larger gains near the
# thresholds, e.g. x7.4 at k = 4 on the n = 64 chain):
#                                  k = 1    2    4    8
#   chain n = 64, 0.9 K_c/C          x1.9  2.8  4.2  5.8     K/C = 0.3: x1.3  1.4  2.2  1.8
#   chain n = 16, 0.9 K_c/C          x2.3  3.6  4.6  6.8     K/C = 0.3: x1.4  1.5  1.8  2.4
#   dimer K = 40, C = 50             x1.1  1.1  1.6  1.9
#   dimer K = 10, C = 50             x0.9  1.2  1.2  1.2     (|m|^2: 0.87  0.92  0.81  0.61)
#   order study's random box, n = 64, Metropolis              x1.5  2.1  3.0  3.0
# k = 4 keeps the weakly coupled dimer's |m|^2 near the pair's (0.81x; 0.61x at k = 8: the
# move along z does not touch the transverse part, and a collective sweep with its
# recording costs a fraction of a heat-bath sweep there) while gaining 1.6-4.6x elsewhere.
# Against the displacement cycle [("displace", 19), "jump"] on the n = 64 chain at
# 0.9 K_c/C (`python benchmarks/bench_moves.py --ess-only --n 64 --critical`, same run,
# quiet machine): x11.1 (heatbath + overrelax x2.2, k = 8 x17.3; the target was x3).
# Tempering keeps heatbath + overrelax: every sweep also swaps and records every level, so
# collective sweeps are not cheap there. On the order study's random box (realisation 0 of
# runs/order_p20_s30_n064.toml, its 16 levels, 16 000 sweeps) k = 1, 2, 4 gave 0.90x,
# 0.65x, 0.56x (|m|^2 0.87x, 1.04x, 0.63x); on the n = 64 chain at 1.25 K_c/C (default
# ladder, 20 000 sweeps) 1.16x, 1.20x, 1.13x, 0.98x at k = 1, 2, 4, 8. A loss of almost
# half on the study the tempering runs serve outweighs the chain's gain.
DEFAULT_MOVES = ("heatbath", "overrelax", ("collective", 4))
DEFAULT_TEMPERING_MOVES = ("heatbath", "overrelax")
# A run of 10^9 sweeps of the smallest model takes hours on one core; beyond that a count is
# a typo, not a plan.
MAX_SWEEPS = 10**9
MAX_CHAINS = 4096
MAX_N_BATCHES = 100_000
MAX_REPLICAS = 256
DEFAULT_REPLICAS = 8  # an explicit geometric ladder's size, and the memory estimate's guess
DEFAULT_B_MIN = 0.2  # the hottest level of a geometric ladder given by `replicas` alone
# jump_every = k is [("displace", k - 1), "jump"], and parse_moves caps a repeat at 10 000
MAX_JUMP_EVERY = 10_001
# The moves of a cycle each leave the target invariant but only the whole cycle is ergodic
# when some of its moves are not (overrelax, flip never change a modulus or the projection
# on the field). A run that traverses the cycle a few times applies its ergodic moves a few
# times per particle: it never forgets its uniform start, and the batch means, taken over
# stretches with no ergodic move, report a small error on a wrong value. Ten passes is the
# fewest that still lets the burn-in (a tenth of a run by default) hold one of them.
MIN_CYCLE_PASSES = 10
TEMPERING_OPTIONS = ("replicas", "b_min", "ladder", "adapt", "flip")
LOCAL_OPTIONS = ("moves", "jump_every")


@dataclass(frozen=True)
class RunSize:
    """How long and how wide a run is, checked when built (ValueError naming the field).

    sweeps : production sweeps per chain, 1..MAX_SWEEPS (a sweep: one move of the cycle
        applied to every particle, n single-moment proposals).
    burn : burn-in sweeps per chain, 0..MAX_SWEEPS.
    chains : independent chains (emcee: walkers), 1..MAX_CHAINS.
    seed : integer seed, 0..2^63-1.
    thin : keep every thin-th production sweep as a draw, 1..sweeps (None: about 1000
        draws per chain, `memory.default_thin`).
    n_batches : batches per chain for the batch-means errors, 2..MAX_N_BATCHES (at most
        one batch per sweep is used).
    """

    sweeps: int = 20_000
    burn: int = 2_000
    chains: int = 4
    seed: int = 0
    thin: int | None = None
    n_batches: int = 32

    def __post_init__(self):
        put = object.__setattr__
        put(self, "sweeps", _checks.integer("sweeps", self.sweeps, low=1, high=MAX_SWEEPS))
        put(self, "burn", _checks.integer("burn", self.burn, low=0, high=MAX_SWEEPS))
        put(self, "chains", _checks.integer("chains", self.chains, low=1, high=MAX_CHAINS))
        put(self, "seed", _checks.integer("seed", self.seed, low=0, high=2**63 - 1))
        if self.thin is None:
            put(self, "thin", default_thin(self.sweeps))
        else:
            put(self, "thin", _checks.integer("thin", self.thin, low=1, high=MAX_SWEEPS))
        if self.thin > self.sweeps:
            raise ValueError(f"thin must be <= sweeps = {self.sweeps}, got {self.thin}")
        put(
            self,
            "n_batches",
            _checks.integer("n_batches", self.n_batches, low=2, high=MAX_N_BATCHES),
        )

    def kwargs(self) -> dict:
        return dict(
            sweeps=self.sweeps,
            burn=self.burn,
            chains=self.chains,
            seed=self.seed,
            thin=self.thin,
            n_batches=self.n_batches,
        )


def check_model(model) -> None:
    """A model the samplers take: a `mcdimer.Chain` or `Assembly` whose landscapes have
    tables and whose reduced energies (in kT) stay below ENERGY_LIMIT, beyond which the
    kernels' differences of doubles lose every digit (mean field and `exact` still take it)."""

    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Chain or Assembly, got {model!r}")
    lands = model.landscape_groups()[0]
    for land in lands:
        land.check_samplable()
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


def _moves(moves) -> tuple | None:
    """The cycle as ((name, repeats), ...), as given; ValueError naming `moves` for what
    `parse_moves` refuses and for unordered containers (a dict would drop its values'
    meaning, a set's order follows string hashing)."""
    if moves is None:
        return None
    if (
        isinstance(moves, Mapping | Set)
        or not isinstance(moves, Iterable)
        or isinstance(moves, str | bytes)
    ):
        raise ValueError(
            f"moves must be an ordered sequence (list or tuple) of names or (name, repeats) "
            f"pairs, got {type(moves).__name__} {moves!r}; allowed names: {', '.join(MOVES)}"
        )
    entries = tuple(
        tuple(e) if isinstance(e, list | tuple) and not isinstance(e, str) else e for e in moves
    )
    parse_moves(entries)  # ValueError naming `moves` and the allowed names
    return tuple((e, 1) if isinstance(e, str) else (e[0], int(e[1])) for e in entries)


def _jump_every(value) -> int | None:
    if value is None:
        return None
    return _checks.integer("jump_every", value, low=0, high=MAX_JUMP_EVERY)


def _cycle(moves, jump_every, flip: bool, default=DEFAULT_MOVES) -> np.ndarray:
    """Move ids, one per sweep (`moves.parse_moves`); jump_every=k is
    [("displace", k - 1), "jump"], 0 displace only; neither: `default`."""
    if jump_every is not None:
        moves = (
            [("displace", 1)]
            if jump_every == 0
            else ([("displace", jump_every - 1)] if jump_every > 1 else []) + [("jump", 1)]
        )
    cycle = parse_moves(default if moves is None else moves)
    if flip:
        cycle = np.append(cycle, MOVES.index("flip"))
    return cycle


def check_cycle_passes(cycle: np.ndarray, sweeps: int, burn: int) -> None:
    """Refuse a cycle with a non-ergodic move that burn-in plus production traverse fewer
    than MIN_CYCLE_PASSES times (see MIN_CYCLE_PASSES for why), naming `moves`. A cycle of
    ergodic moves only cannot starve: every sweep of it mixes."""
    L = int(cycle.size)
    if all(MOVES[m] in ERGODIC for m in cycle):
        return
    if burn + sweeps < MIN_CYCLE_PASSES * L:
        raise ValueError(
            f"moves: the cycle is {L} sweeps long but burn + sweeps = {burn + sweeps} "
            f"traverse it only {(burn + sweeps) / L:.3g} times; its ergodic moves must run "
            f"at least {MIN_CYCLE_PASSES} times (burn + sweeps >= {MIN_CYCLE_PASSES * L}) "
            "for the chains to forget their start and for the batch errors to mean "
            "anything: shorten the cycle or lengthen the run"
        )


def run_bytes(model, run: RunSize, levels: int) -> int:
    """Estimated bytes a compiled run of `levels` replicas holds (`estimate_sample_bytes`)."""
    return estimate_sample_bytes(
        model.n,
        run.chains,
        levels,
        run.sweeps,
        run.thin,
        min(run.n_batches, run.sweeps),
        periodic=getattr(model, "box", None) is not None,
    )


@dataclass(frozen=True)
class Metropolis:
    """Single-replica Metropolis sampling in compiled code (`kernels.py`).

    moves : the cycle of moves, applied sweep by sweep: a list or tuple of names or
        (name, repeats) pairs from "displace", "jump", "heatbath", "overrelax", "flip",
        "collective" (`mcdimer.sampling.moves`); default DEFAULT_MOVES (Tempering:
        DEFAULT_TEMPERING_MOVES; their comment says why they differ). A dict or set is
        refused (no order, or values that would be ignored).
    jump_every : shorthand for moves=[("displace", jump_every - 1), "jump"] (0: displace
        only), 0..MAX_JUMP_EVERY; give moves or jump_every.
    """

    moves: tuple | None = None
    jump_every: int | None = None
    name: ClassVar[str] = "metropolis"
    default_moves: ClassVar[tuple] = DEFAULT_MOVES

    def __post_init__(self):
        if self.moves is not None and self.jump_every is not None:
            raise ValueError(
                "give moves or jump_every, not both "
                "(jump_every=k is moves=[('displace', k-1), 'jump'])"
            )
        object.__setattr__(self, "moves", _moves(self.moves))
        object.__setattr__(self, "jump_every", _jump_every(self.jump_every))

    @property
    def flips(self) -> bool:
        return False

    def cycle(self) -> np.ndarray:
        """Move ids, one per sweep: cycle[s % len(cycle)] is applied at sweep s."""
        return _cycle(self.moves, self.jump_every, self.flips, self.default_moves)

    def levels(self) -> int:
        """Replicas per chain (1; for a default tempering ladder, DEFAULT_REPLICAS as a guess)."""
        return 1

    def check(self, model) -> None:
        """ValueError if `model` cannot be sampled this way (see `check_model`)."""
        check_model(model)

    def memory(self, model, run: RunSize | None = None, levels: int | None = None) -> int:
        """Estimated bytes the run (default `RunSize()`) holds at once, with `levels`
        replicas per chain (default `levels()`)."""
        return run_bytes(model, run or RunSize(), self.levels() if levels is None else levels)

    def check_memory(self, model, run: RunSize, levels: int | None = None) -> None:
        """ValueError if the run needs more memory than the machine has."""
        levels = self.levels() if levels is None else levels
        _checks.memory(
            "sample",
            self.memory(model, run, levels),
            f"this run (sweeps = {run.sweeps}, thin = {run.thin}, chains = {run.chains}, "
            f"n_batches = {run.n_batches}, levels = {levels}, n = {model.n})",
        )

    def check_run(self, model, run: RunSize) -> None:
        """`check(model)`, then what depends on the run's size: the move cycle's passes
        (MIN_CYCLE_PASSES) and memory; ValueError naming the option."""
        self.check(model)
        check_cycle_passes(self.cycle(), run.sweeps, run.burn)
        self.check_memory(model, run)


@dataclass(frozen=True)
class Tempering(Metropolis):
    """Parallel tempering: the Metropolis moves on a ladder of replicas with swaps.

    Replica k samples `model.tempered(b_k)` (K and h scaled by b_k, the landscape
    `landscape.tempered(b_k)`; docs/physics.md, "Landscapes"). With none of ladder,
    replicas, b_min the ladder is chosen for the model: b_min by `ladder.hottest_level`
    and the number of replicas from the measured communication barrier during burn-in
    (`ladder.tune_ladder`). Otherwise:

    ladder : explicit inverse-temperature factors, strictly decreasing from 1, in (0, 1],
        2..MAX_REPLICAS levels; excludes replicas and b_min.
    replicas : R of a geometric ladder, 2..MAX_REPLICAS (default DEFAULT_REPLICAS).
    b_min : its smallest factor, in (0, 1) (default DEFAULT_B_MIN).
    adapt : tune (default ladder) or equalise the swap rates during burn-in, then freeze.
    flip : append the global move mu -> -mu to the cycle.
    moves, jump_every : as for `Metropolis`.
    """

    ladder: tuple | None = None
    replicas: int | None = None
    b_min: float | None = None
    adapt: bool = True
    flip: bool = False
    name: ClassVar[str] = "tempering"
    default_moves: ClassVar[tuple] = DEFAULT_TEMPERING_MOVES

    def __post_init__(self):
        super().__post_init__()
        for opt in ("adapt", "flip"):
            value = getattr(self, opt)
            if not isinstance(value, bool | np.bool_):
                raise ValueError(f"{opt} must be True or False, got {value!r}")
            object.__setattr__(self, opt, bool(value))
        if self.ladder is not None:
            given = [k for k in ("replicas", "b_min") if getattr(self, k) is not None]
            if given:
                raise ValueError(
                    f"give ladder or {' and '.join(given)}, not both: an explicit ladder "
                    "fixes the replicas and b_min"
                )
            from .ladder import check_ladder

            b = check_ladder(self.ladder)
            if b.size > MAX_REPLICAS:
                raise ValueError(f"ladder must have at most {MAX_REPLICAS} levels, got {b.size}")
            object.__setattr__(self, "ladder", tuple(float(x) for x in b))
        if self.replicas is not None:
            object.__setattr__(
                self,
                "replicas",
                _checks.integer("replicas", self.replicas, low=2, high=MAX_REPLICAS),
            )
        if self.b_min is not None:
            object.__setattr__(
                self,
                "b_min",
                _checks.real("b_min", self.b_min, low=0.0, high=1.0, low_open=True, high_open=True),
            )

    @property
    def flips(self) -> bool:
        return self.flip

    @property
    def default_ladder(self) -> bool:
        """No ladder, replicas or b_min given: the engine chooses b_min and tunes R."""
        return self.ladder is None and self.replicas is None and self.b_min is None

    def betas(self) -> np.ndarray | None:
        """The ladder b_k the options give; None for the default ladder."""
        from .ladder import geometric

        if self.ladder is not None:
            return np.array(self.ladder)
        if self.default_ladder:
            return None
        return geometric(
            DEFAULT_REPLICAS if self.replicas is None else self.replicas,
            DEFAULT_B_MIN if self.b_min is None else self.b_min,
        )

    def check(self, model) -> None:
        """`check_model`, and that the hottest level of a given ladder exists: a landscape
        defined on a bounded temperature range (`Microscopic`: t/b <= 0.1, paramagnetic)
        may not be temperable to b_min; ValueError naming ladder or b_min."""
        check_model(model)
        b = self.betas()
        if b is None:
            return  # the default ladder stops where the landscape ends (`hottest_level`)
        where = "ladder" if self.ladder is not None else "b_min"
        for land in model.landscape_groups()[0]:
            try:
                land.tempered(float(b[-1]))
            except ValueError as err:
                raise ValueError(
                    f"{where}: the hottest level b = {b[-1]:.3g} does not exist for {land!r}: {err}"
                ) from None

    def levels(self) -> int:
        if self.ladder is not None:
            return len(self.ladder)
        return DEFAULT_REPLICAS if self.replicas is None else self.replicas


@dataclass(frozen=True)
class Emcee:
    """emcee's affine-invariant ensemble sampler on the same density (the slow reference):
    a run's `chains` are its walkers (at least 2 x 3n) and `sweeps` its ensemble steps."""

    name: ClassVar[str] = "emcee"

    def levels(self) -> int:
        return 1

    def check(self, model) -> None:
        """ValueError if `model` cannot be sampled (see `check_model`)."""
        check_model(model)

    def memory(self, model, run: RunSize | None = None, levels: int | None = None) -> int:
        """Estimated bytes: the records, plus every step of every walker that emcee keeps
        ((steps, walkers, 3n) doubles)."""
        run = run or RunSize()
        return run_bytes(model, run, 1) + 8 * run.sweeps * run.chains * 3 * model.n

    check_memory = Metropolis.check_memory

    def check_run(self, model, run: RunSize) -> None:
        """`check(model)`, enough walkers for the stretch move, and memory."""
        self.check(model)
        ndim = 3 * model.n
        if run.chains < 2 * ndim:
            raise ValueError(
                f"chains (emcee walkers) must be at least twice the dimension 3n = {ndim}, "
                f"i.e. >= {2 * ndim}, got {run.chains}: emcee's stretch move needs that many "
                "walkers"
            )
        self.check_memory(model, run)


SAMPLERS = {cls.name: cls for cls in (Metropolis, Tempering, Emcee)}
METHODS = tuple(SAMPLERS)


def as_sampler(method, **options):
    """The configuration object of `method` (a name or an object) and `options` given as
    keywords to `sample` (moves, jump_every, and for "tempering" TEMPERING_OPTIONS);
    options of None are not given. ValueError naming what does not fit."""
    given = {k: v for k, v in options.items() if v is not None}
    if isinstance(method, Metropolis | Emcee):
        if given:
            raise ValueError(
                f"option(s) {sorted(given)} go into the configuration when method is an "
                f"object, e.g. {type(method).__name__}({', '.join(f'{k}=...' for k in given)})"
            )
        return method
    if not isinstance(method, str) or method not in SAMPLERS:
        raise ValueError(
            f"method must be one of {METHODS} or a Metropolis, Tempering or Emcee object, "
            f"got {method!r}"
        )
    allowed = set(TEMPERING_OPTIONS) if method == "tempering" else set()
    unknown = sorted(set(options) - allowed - set(LOCAL_OPTIONS))
    if method == "emcee":
        unknown += [k for k in LOCAL_OPTIONS if k in given]
    if unknown:
        raise ValueError(
            f"option(s) {unknown} are not used by method {method!r}"
            + (f"; its options: {sorted(allowed)}" if allowed else "")
        )
    return SAMPLERS[method](**given)


START_KINDS = ("hot", "ordered", "both")


def check_pairs(pairs, chains: int, method: str) -> bool:
    """`sample`'s pairs option: a bool; True needs the compiled engine (method "metropolis"
    or "tempering") and an even number of chains >= 2 (pairs (0, 1), (2, 3), ...)."""
    if not isinstance(pairs, bool):
        raise ValueError(f"pairs must be True or False, got {pairs!r}")
    if pairs and method not in ("metropolis", "tempering"):
        raise ValueError(
            f"pairs=True needs method 'metropolis' or 'tempering' (replica pairs of the "
            f"compiled engine), got {method!r}"
        )
    if pairs and (chains < 2 or chains % 2):
        raise ValueError(
            f"chains must be an even number >= 2 with pairs=True (chains 2p and 2p + 1 form "
            f"replica pair p), got {chains}"
        )
    return pairs


def check_record_every(record_every, run: RunSize, method: str) -> int | str:
    """`sample`'s record_every option: "auto" (the engine chooses,
    `engine.default_record_every`) or an integer from 1 to the batch length
    sweeps // min(n_batches, sweeps), so that every batch records a sweep; anything but
    "auto" or 1 needs the compiled engine (emcee records every step)."""
    if isinstance(record_every, str) and record_every == "auto":
        return record_every
    batch_len = run.sweeps // min(run.n_batches, run.sweeps)
    if isinstance(record_every, str):
        raise ValueError(
            f"record_every must be 'auto' or an integer in [1, {batch_len}], got {record_every!r}"
        )
    try:
        k = _checks.integer("record_every", record_every, low=1, high=batch_len)
    except ValueError as err:
        raise ValueError(
            f"{err} (record_every: 'auto' or 1 .. the batch length sweeps // n_batches = "
            f"{batch_len})"
        ) from None
    if k != 1 and method not in ("metropolis", "tempering"):
        raise ValueError(
            f"record_every={k} needs method 'metropolis' or 'tempering' (emcee records every "
            f"step), got {method!r}"
        )
    return k


def check_start(start, chains: int, method: str, pairs: bool) -> str:
    """`sample`'s start option, one of START_KINDS; "ordered"/"both" need the compiled
    engine, "both" an even number of chains (a multiple of 4 with pairs: whole pairs in
    each half)."""
    if not isinstance(start, str) or start not in START_KINDS:
        raise ValueError(f"start must be one of {START_KINDS}, got {start!r}")
    if start != "hot" and method not in ("metropolis", "tempering"):
        raise ValueError(
            f"start={start!r} needs method 'metropolis' or 'tempering', got {method!r}"
        )
    step = 4 if pairs else 2
    if start == "both" and chains % step:
        raise ValueError(
            f"chains must be a multiple of {step} with start='both' (half the chains start "
            f"hot, half ordered{', whole pairs in each half' if pairs else ''}), got {chains}"
        )
    return start


__all__ = [
    "START_KINDS",
    "check_pairs",
    "check_record_every",
    "check_start",
    "DEFAULT_MOVES",
    "DEFAULT_TEMPERING_MOVES",
    "DEFAULT_REPLICAS",
    "ENERGY_LIMIT",
    "MAX_CHAINS",
    "MAX_N_BATCHES",
    "MAX_REPLICAS",
    "MAX_SWEEPS",
    "METHODS",
    "MIN_CYCLE_PASSES",
    "Emcee",
    "Metropolis",
    "RunSize",
    "Tempering",
    "as_sampler",
    "check_model",
]
