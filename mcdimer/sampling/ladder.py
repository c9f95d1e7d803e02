"""Inverse-temperature ladders for parallel tempering, and their adaptation during burn-in.

The adaptation equalises the rejection rates of neighbouring swaps (Syed, Bouchard-Cote,
Deligiannidis & Doucet, JRSS B 84, 321 (2022), the scheme of Pigeons.jl): the cumulative
rejection Lambda(b) = sum of rejection rates is the "communication barrier", and the
new ladder puts equal increments of Lambda between neighbours (monotone interpolation in
log b). It runs only during burn-in; the production ladder is frozen, so production
satisfies detailed balance.

The ends and the size of a ladder: `hottest_level` picks b_min so that the hottest
replica is disordered, and `tune_ladder` runs Pigeons.jl-style rounds with doubling
sweeps that choose the number of replicas from the measured Lambda (`replicas_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from .. import _checks
from ..single import log_sinhc_and_transverse


def geometric(replicas: int, b_min: float) -> np.ndarray:
    """b_k = b_min^(k/(R-1)), k = 0..R-1: 1 down to b_min."""
    replicas = _checks.integer("replicas", replicas, low=2)
    b_min = _checks.real("b_min", b_min, low=0.0, high=1.0, low_open=True, high_open=True)
    return b_min ** (np.arange(replicas) / (replicas - 1))


def check_ladder(ladder) -> np.ndarray:
    """An explicit ladder: strictly decreasing, in (0, 1], starting at 1, at least 2 levels."""
    raw = np.asarray(ladder) if not isinstance(ladder, str | bytes) else np.asarray([ladder])
    if raw.dtype.kind not in "fiu":  # strings, bools, objects, complex
        raise ValueError(f"ladder must be a sequence of real numbers b, got {ladder!r}")
    b = raw.astype(float)
    if b.ndim != 1:
        raise ValueError(
            f"ladder must be a flat sequence of b values (1-D), got shape {b.shape}: {ladder!r}"
        )
    if b.size < 2:
        raise ValueError(f"ladder must have at least 2 levels (R >= 2), got {b.size}")
    if not np.all(np.isfinite(b)) or np.any(b <= 0) or np.any(b > 1):
        raise ValueError(f"ladder values must lie in (0, 1], got {b.tolist()}")
    if b[0] != 1.0:
        raise ValueError(f"ladder must start at b = 1 (the physical temperature), got {b[0]}")
    if np.any(np.diff(b) >= 0):
        raise ValueError(f"ladder must be strictly decreasing, got {b.tolist()}")
    return b


def equalise(b: np.ndarray, rejection: np.ndarray) -> np.ndarray:
    """New ladder with equal rejection between neighbours, same ends (b[0] = 1, b[-1])."""
    r = np.clip(np.asarray(rejection, dtype=float), 1e-3, 1.0)  # keep Lambda strictly monotone
    barrier = np.concatenate([[0.0], np.cumsum(r)])
    log_b = PchipInterpolator(barrier, np.log(b))
    targets = np.linspace(0.0, barrier[-1], b.size)
    new = np.exp(log_b(targets))
    new[0], new[-1] = 1.0, b[-1]
    return new


# --- the hottest level ---------------------------------------------------------------

STIFFNESS_MAX = 1.0  # hottest level: C_eff(b) <= this (the ball is filled, |mu| passes 0 freely)
ORDER_MAX = 0.5  # hottest level: mean-field ordering parameter q(b) <= this
B_FLOOR = 1e-6  # smallest b_min searched
MAX_REPLICAS = 64


def stiffness(landscape) -> float:
    """C_eff of f(r) ~ C_eff r^2 near r = 0, in kT: the first step of the kernels' table
    f(s), s = r^2 (C_eff = C for `Quadratic(C)` and `Saturating(C)`; for a tabulated
    landscape such as `Microscopic`, h'(0)/2 = beta M0^2/(2 V chi), Eq. (B4))."""
    table = landscape.table()
    return float((table[1] - table[0]) * (table.size - 1))


def free_susceptibility(landscape, h_perp: float = 0.0) -> float:
    """chi0 = <mu_z^2> of one isolated particle with weight exp(-f(|mu|) + h.mu) d^3mu on
    the ball, h = h_perp x perpendicular to z (reduced, in kT): the linear response of
    <mu_z> to a small field along z, dimensionless. At h_perp = 0 it is
    int r^4 e^-f dr / (3 int r^2 e^-f dr) (1/(2C) for a stiff quadratic, 1/5 for a flat
    ball); the transverse field pulls the moment along x and lowers it: the angular
    average at radius r is r^2 L(a)/a, a = h_perp r, with radial weight
    r^2 e^-f sinh(a)/a (L the Langevin function)."""
    r = np.linspace(0.0, 1.0, 8193)
    log_sinhc, transverse = log_sinhc_and_transverse(abs(float(h_perp)) * r)
    log_w = -np.asarray(landscape.energy(r), dtype=float) + log_sinhc
    w = np.exp(log_w - log_w.max())
    return float(np.trapezoid(r**4 * w * transverse, r) / np.trapezoid(r**2 * w, r))


def hottest_level(
    landscape,
    K: float,
    n: int,
    *,
    h_perp: float = 0.0,
    stiffness_max: float = STIFFNESS_MAX,
    order_max: float = ORDER_MAX,
    b_cap: float = 0.5,
) -> float:
    """b_min for a chain of n particles, coupling K and `landscape` (both at b = 1): the
    largest b at which the hottest replica is disordered and mixes freely.

    Round trips through the ladder randomise the sign of m^z only if the hottest level
    forgets it: an ordered hottest level (as the default b_min = 0.2 is for chains at
    C = 50, K/C = 0.8) passes the sign down the ladder unchanged. Two conditions at level
    b, whose landscape is f_b = `landscape.tempered(b)` and coupling bK:

    1. stiffness: C_eff(f_b) <= stiffness_max (b C <= 1 for `Quadratic(C)`), so that the
       moduli fill the ball and single-moment moves pass through |mu| = 0 freely. Only
       for landscapes that soften on heating (C_eff(f_{1/2}) < C_eff(f)), as every
       temperature-independent one does; a `Microscopic` landscape stiffens (its Curie
       susceptibility falls faster than 1/t), and then condition 2 alone decides;
    2. no ordering: the mean-field (random-phase) ordering parameter of the longitudinal
       mode, q(b) = 2 b K lambda_max chi0(b) <= order_max, with lambda_max the largest
       eigenvalue of A_ij = 1/|i-j|^3 (Eq. (C1)) and chi0(b) = `free_susceptibility(f_b)`.
       q = 1 is the mean-field instability of the disordered state (for a stiff quadratic
       landscape it is K lambda_max/C = 1, Eq. (C1)); mean field overestimates ordering,
       so q <= 1/2 leaves the hottest level safely disordered (its susceptibility is
       enhanced at most twofold over free particles).

    The external field (reduced, at b = 1; level b feels b h) enters only through
    h_perp, its magnitude perpendicular to the ordering axis z (the chain axis), in
    chi0(b) = `free_susceptibility(f_b, b h_perp)`. A transverse field leaves the
    symmetry m^z -> -m^z intact but polarises the moments along itself, which lowers
    their longitudinal susceptibility (a saturation effect: none for a stiff quadratic,
    whose Gaussian moment is only shifted); the disordered state then survives to larger
    b, and b_min rises. The component along z is ignored on purpose: it breaks the
    symmetry and polarises the hottest level, which is not ordering and must not push
    b_min lower, but it removes the reversed ordered state only above the coercive
    field; below it a metastable reversed state exists at levels that would count as
    disordered by their (saturated) polarised-state susceptibility, so the zero-field
    criterion is kept along h. Neither part of h enters the stiffness condition.

    Both conditions tighten monotonically with b; the largest b meeting both is found by
    halving b, then bisection in log b (1 % in b; C_eff(f_b) = b C_eff(f) is used when the
    landscape scales with b). When b = 1 already meets them tempering is not needed and
    `b_cap` is returned, so that a ladder still exists. A landscape defined on a bounded
    temperature range (`Microscopic`: t/b <= 0.1 and paramagnetic) may end the search
    early: if the last b reached (a power of 1/2) is disordered it is returned.
    ValueError if no b >= B_FLOOR meets the conditions, or if the landscape ends before
    the ordering does.
    """
    # not at the top: mcdimer.meanfield costs 0.93 s of CPU to import, which `import mcdimer`
    # must not pay (benchmarks/bench_startup.py)
    from ..meanfield.chain import chain_lambda_max

    K = float(K)
    if not (np.isfinite(K) and K >= 0):
        raise ValueError(f"K must be finite and >= 0, got {K}")
    h_perp = float(h_perp)
    if not (np.isfinite(h_perp) and h_perp >= 0):
        raise ValueError(f"h_perp must be finite and >= 0, got {h_perp}")
    n = _checks.integer("n", n, low=1)
    # one particle has no partner to order with: only the stiffness condition is left
    lam = chain_lambda_max(n) if K > 0 and n >= 2 else 0.0
    c1 = stiffness(landscape)
    try:
        c_half = stiffness(landscape.tempered(0.5))
    except ValueError:  # not defined at twice the temperature: no softening to use
        c_half = c1
    linear = abs(c_half - 0.5 * c1) <= 1e-9 * max(c1, 1.0)
    softens = c_half < c1

    def conditions(b: float) -> tuple[bool, bool]:
        """(stiffness met, no ordering) at level b; ValueError if f_b does not exist."""
        land = landscape if b == 1.0 else landscape.tempered(b)
        c_eff = b * c1 if linear else stiffness(land)
        q = 2 * b * K * lam * free_susceptibility(land, b * h_perp)
        return (c_eff <= stiffness_max or not softens), q <= order_max

    def ok(b: float) -> bool:
        try:
            return all(conditions(b))
        except ValueError:
            return False

    if all(conditions(1.0)):
        return b_cap
    hi = 0.0  # log b where the conditions fail; halve b until they hold
    while True:
        lo = hi - np.log(2.0)
        if lo < np.log(B_FLOOR):
            raise ValueError(
                f"no b >= {B_FLOOR:g} makes the hottest replica disordered (K = {K:g}, "
                f"n = {n}, {landscape!r}): the coupling is too strong for tempering"
            )
        try:
            if all(conditions(float(np.exp(lo)))):
                break
        except ValueError as err:  # a landscape defined on a bounded temperature range
            if hi < 0.0 and conditions(float(np.exp(hi)))[1]:
                return float(np.exp(hi))  # disordered already; as stiff as f_b allows
            raise ValueError(
                f"{landscape!r} cannot be tempered to b = {np.exp(lo):.3g} ({err}), and at "
                f"b = {np.exp(hi):.3g} the hottest replica is not yet disordered"
            ) from None
        hi = lo
    while hi - lo > 0.01:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(float(np.exp(mid))) else (lo, mid)
    return float(np.exp(lo))


# --- the number of replicas: communication barrier and rounds --------------------------


def default_b_min(model) -> float:
    """The hottest level of a default ladder for `model` (a `Chain` or `Assembly`):
    `hottest_level` for every landscape of the model, the smallest b winning.

    A chain orders along z: a field across it saturates the moments and lowers their
    susceptibility along z (it can only raise b_min), so its transverse part is passed on
    as h_perp; elsewhere the ordering direction is not known in advance and the zero-field
    rule stays. For a chain the ordering condition uses the chain's largest coupling
    eigenvalue (Eq. (C1); docs/physics.md, "Mean field"); for any other assembly the
    coupling is rescaled so that the condition is q = K/K_c, K_c
    `meanfield.critical_coupling` (the same for a chain of stiff quadratic particles)."""
    from ..meanfield.chain import chain_lambda_max  # not at the top: see hottest_level
    from ..meanfield.critical import critical_coupling

    species = model.landscape_groups()[0]
    K = abs(float(model.K))
    h = np.asarray(model.h, dtype=float)
    h_perp = float(np.hypot(h[0], h[1])) if model.is_chain else 0.0
    scale = None  # K/K_c / lambda_max(chain): one eigenproblem for every species
    if not model.is_chain and K > 0:
        try:
            scale = K / critical_coupling(model) / chain_lambda_max(model.n)
        except (ValueError, RuntimeError, ZeroDivisionError):
            scale = None
    best = 1.0
    for land in species:
        k_eff = K
        if scale is not None:
            try:
                k_eff = scale * stiffness(land)
            except (ValueError, RuntimeError, ZeroDivisionError):
                k_eff = K
        best = min(best, hottest_level(land, k_eff, model.n, h_perp=h_perp))
    return best


def communication_barrier(rejection) -> float:
    """Lambda = sum_i r_i, the global communication barrier (Syed et al., JRSS B 84, 321
    (2022)): r_i the rejection rate of the swap between levels i and i+1.
    Dimensionless; for close levels r_i ~ int lambda(b) db over the gap, so Lambda
    estimates int_{b_min}^1 lambda(b) db, a property of the target, not of the ladder."""
    r = np.asarray(rejection, dtype=float)
    if r.ndim != 1 or r.size < 1 or not np.all(np.isfinite(r)) or np.any((r < 0) | (r > 1)):
        raise ValueError(f"rejection must be a 1-D array of rates in [0, 1], got {rejection!r}")
    return float(r.sum())


def replicas_for(Lambda: float, max_replicas: int = MAX_REPLICAS) -> int:
    """R = ceil(2 Lambda) + 1, clipped to [2, max_replicas].

    Why: non-reversible (DEO) tempering with an equalised ladder of N = R - 1 swaps, each
    rejected with r = Lambda/N, makes round trips at the rate tau = 1/(2 + 2 N r/(1 - r))
    per iteration (Syed et al. 2022, under efficient local exploration). tau grows with
    N towards 1/(2 + 2 Lambda), but an iteration costs ~ R = N + 1 explorations;
    tau/(N + 1) is largest near N = 2 Lambda (for Lambda >> 1, exactly there), i.e.
    r = 1/2 per swap.
    """
    Lambda = float(Lambda)
    if not (np.isfinite(Lambda) and Lambda >= 0):
        raise ValueError(f"Lambda must be finite and >= 0, got {Lambda}")
    return int(np.clip(np.ceil(2.0 * Lambda) + 1, 2, max_replicas))


def resize(b: np.ndarray, rejection: np.ndarray, replicas: int) -> np.ndarray:
    """`equalise(b, rejection)` with `replicas` levels: the equalised ladder is equally
    spaced in the estimated barrier, so its log b is interpolated (monotone) in the index."""
    eq = equalise(b, rejection)
    if replicas == eq.size:
        return eq
    log_b = PchipInterpolator(np.linspace(0.0, 1.0, eq.size), np.log(eq))
    new = np.exp(log_b(np.linspace(0.0, 1.0, replicas)))
    new[0], new[-1] = 1.0, b[-1]
    return new


@dataclass(frozen=True)
class Round:
    """One tuning round: the ladder it ran, its sweeps, the swap rejection rates measured
    and the barrier Lambda they give."""

    ladder: np.ndarray
    sweeps: int
    rejection: np.ndarray
    Lambda: float


@dataclass(frozen=True)
class Tuned:
    """`tune_ladder`'s result: the ladder to freeze for production, the barrier of the
    last (longest) round, and every round."""

    ladder: np.ndarray
    Lambda: float
    rounds: tuple[Round, ...]


def tune_ladder(
    run_round,
    b_min: float,
    *,
    initial_replicas: int = 8,
    rounds: int = 6,
    initial_sweeps: int = 64,
    max_replicas: int = MAX_REPLICAS,
) -> Tuned:
    """Rounds with doubling sweeps, after Pigeons.jl (Syed et al. 2022's adaptive schedule).

    Round j runs `run_round(ladder, sweeps) -> rejection` ((R-1,) swap rejection rates
    in [0, 1], R = ladder.size; the engine's callback, restarting or continuing its
    replicas as it sees fit) with sweeps = initial_sweeps * 2^j, estimates Lambda
    (`communication_barrier`), chooses R = `replicas_for(Lambda)` and puts R levels at
    equal increments of the estimated barrier (`resize`, i.e. `equalise`). Doubling makes
    each round's estimate about sqrt(2) times more precise than the last, and the work of
    all earlier rounds at most that of the last. The ladder starts geometric
    (initial_replicas levels from 1 to b_min) and keeps b[0] = 1 and b[-1] = b_min.
    """
    ladder = geometric(initial_replicas, b_min)
    rounds = _checks.integer("rounds", rounds, low=1, high=40)
    sweeps = _checks.integer("initial_sweeps", initial_sweeps, low=1)
    max_replicas = _checks.integer("max_replicas", max_replicas, low=2, high=10**4)
    history = []
    for _ in range(rounds):
        rejection = np.asarray(run_round(ladder.copy(), sweeps), dtype=float)
        if rejection.shape != (ladder.size - 1,):
            raise ValueError(
                f"run_round must return {ladder.size - 1} rejection rates, got shape "
                f"{rejection.shape}"
            )
        Lambda = communication_barrier(rejection)
        history.append(Round(ladder, sweeps, rejection, Lambda))
        ladder = resize(ladder, rejection, replicas_for(Lambda, max_replicas))
        sweeps *= 2
    return Tuned(ladder, history[-1].Lambda, tuple(history))
