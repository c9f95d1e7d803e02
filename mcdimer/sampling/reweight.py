"""MBAR reweighting of parallel-tempering draws to any inverse temperature b in [b_min, 1].

Level k of a tempering run samples the reduced potential (docs/physics.md, "Reduced units")

    u_k(x) = sum_i f_k(|mu_i|) + b_k W(x),

f_k = `landscape.tempered(b_k)` (b_k f for a temperature-independent landscape, a
different function for `Microscopic`) and W the b-independent interaction energy
(Zeeman + dipolar, in units of the physical kT). Every draw of every level is
evaluated under every level's potential and under the target's, and MBAR (Shirts &
Chodera, J. Chem. Phys. 129, 124105 (2008); pymbar 4) gives the weights of all draws
at the target. The free energies f_k are pymbar's solves; only the weights of a target
state are formed here from them, by MBAR's Eq. (9) (`TemperingMBAR`), so that one solve
serves every target.

Input layout (what the tempering engine records, one `LevelDraws`): `W[c, k, d]`,
`r[c, k, d, i]` = |mu_i| and `obs[c, k, d, j]` for chain c, level k (b = ladder[k]),
thinned production draw d, observable `names[j]`. Internally the draws are flattened
level-major (k, c, d), the order pymbar expects (the N_k draws of state 0 first).

Correlated draws: circular block bootstrap, shared across levels
-----------------------------------------------------------------
The draws of one chain are a single Markov chain in time whose state is the whole set
of replicas, so a level's series is autocorrelated *and* correlated with its
neighbours' (a configuration that swaps from level k+1 to level k contributes to both
averages). Subsampling each (chain, level) series by its statistical inefficiency
removes the first correlation but not the second, which MBAR's asymptotic covariance
(built for independent draws) then ignores; for a target between two rungs, where both
rungs carry weight with the same sign, that understates the error. The errors here
are therefore a circular block bootstrap (Politis & Romano 1992) over time: for each
chain, blocks of L consecutive draw indices are resampled, and the *same* indices are
used at every level, which keeps both correlations inside a block; chains are resampled
independently (they are independent runs). Every replicate repeats the whole estimate
(MBAR solve, expectations, derived quantities), so binder, energy_var and the densities
get their errors without a delta method. The block length is

    L = ceil(BLOCK_FACTOR * g_max),   g_max = max statistical inefficiency g = 1 + 2 tau

over chains, levels and the stated observables (the level's own reduced energy u_k and
the observables being estimated), g from `pymbar.timeseries.statistical_inefficiency`.
For an AR(1)-like series the block bootstrap's variance is low by about g/(2L), i.e.
10 % at BLOCK_FACTOR = 5. L is capped at D // MIN_BLOCKS (a RuntimeWarning says so:
the series is then too short for its autocorrelation and the errors are too small).
The point estimate uses all draws (no subsampling, no information lost). The f_k do
not depend on the target, so the solves (all draws once, each replicate once) are kept
in a `TemperingMBAR` and serve every b and every observable with the same block length;
`SampleResult` keeps one per run, whose block length comes from every per-draw
observable, so that all its estimates share one bootstrap.

Measured on the numpy tempering of tests/test_sampling_reweight.py (one moment, three
levels, 2 chains x 1000 draws, 50 replications, <mu_z> at b = 0.8 between rungs; two
seeds): this bootstrap puts 94 % and 96 % of the estimates within 2 SE of the exact
value, mean SE / spread of the estimates 1.06 and 0.95; subsampling by g (of u_k and
mu_z) with MBAR's asymptotic errors 78 % and 68 %, SE / spread 0.65 and 0.58.
"""

from __future__ import annotations

import logging
import math
import warnings
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

from .. import _checks
from .dims import DIMS, record_axis
from .ladder import check_ladder

BLOCK_FACTOR = 5.0  # block length in units of the largest statistical inefficiency
MIN_BLOCKS = 5  # fewest bootstrap blocks per chain
N_BOOT = 100  # bootstrap replicates: a standard error is good to ~1/sqrt(2 N_BOOT) = 7 %
MAX_BOOT = 10_000  # each replicate is one MBAR solve (~1 s for 23 levels x 4000 draws)
# Targets per call: T x N weights are held at once, and each target builds its landscapes
# (a tabulated landscape is rebuilt per b); a curve needs tens, `[output] reweight` <= 200.
MAX_TARGETS = 1000
#: The observables `reweight_density` histograms, with their ranges.
DENSITIES = {"mu1z": (-1.0, 1.0), "mz": (-1.0, 1.0), "abs_mu1": (0.0, 1.0)}
ENERGY_NAMES = ("energy", "energy2")  # recomputed as u_b and u_b^2 at the target
_MBAR_ORDER = (DIMS.level, DIMS.chain, DIMS.draw)  # the flattened draws: level-major


def _pymbar():
    # pymbar logs a "JAX NOT FOUND" banner and a timeseries warning at WARNING level; with no
    # logging configured Python's last-resort handler prints them on the user's terminal. A
    # NullHandler on pymbar's logger keeps them in logging: an application that configures
    # logging still sees them. Imported here, not at the top: ~0.5 s of start-up.
    logging.getLogger("pymbar").addHandler(logging.NullHandler())
    import pymbar

    return pymbar


@lru_cache(maxsize=512)
def _tempered_cached(landscape, b: float):
    return landscape if b == 1.0 else landscape.tempered(b)


def _tempered(landscape, b: float):
    # Microscopic.tempered rebuilds a response table: build each (landscape, b) once.
    try:
        return _tempered_cached(landscape, b)
    except TypeError:  # an unhashable landscape
        return landscape if b == 1.0 else landscape.tempered(b)


def _site_energy(landscape, b: float, r: np.ndarray) -> np.ndarray:
    """sum_i f_b(r_i) over the last axis; `landscape` one Landscape or one per particle."""
    if isinstance(landscape, (list, tuple)):
        return sum(_tempered(land, b).energy(r[..., i]) for i, land in enumerate(landscape))
    return np.asarray(_tempered(landscape, b).energy(r)).sum(axis=-1)


def _check_draws(ladder, landscape, W, r):
    b = check_ladder(ladder)
    W = np.asarray(W, dtype=float)
    r = np.asarray(r, dtype=float)
    if W.ndim != 3 or W.shape[1] != b.size:
        raise ValueError(f"W must have shape (chains, levels={b.size}, draws), got {W.shape}")
    if r.ndim != 4 or r.shape[:3] != W.shape:
        raise ValueError(f"r must have shape {W.shape + ('n',)} (|mu_i| per draw), got {r.shape}")
    if W.shape[2] < 2 * MIN_BLOCKS:
        raise ValueError(f"need at least {2 * MIN_BLOCKS} draws per chain, got {W.shape[2]}")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(r))):
        raise ValueError("W and r must be finite")
    if np.any(r < 0) or np.any(r > 1 + 1e-12):
        raise ValueError("r = |mu_i| must lie in [0, 1]")
    if isinstance(landscape, (list, tuple)) and len(landscape) != r.shape[3]:
        raise ValueError(
            f"landscape must be one Landscape or one per particle ({r.shape[3]}), "
            f"got {len(landscape)}"
        )
    return b, W, r


def _flat(a: np.ndarray) -> np.ndarray:
    """(chains, levels, draws, ...) -> (levels * chains * draws, ...), level-major; the
    input's leading dimensions are those of the level_* records (`dims.RECORD_DIMS`)."""
    a = np.moveaxis(a, [record_axis("level_w", d) for d in _MBAR_ORDER], [0, 1, 2])
    return a.reshape((-1,) + a.shape[3:])


class LevelDraws(NamedTuple):
    """The draws of every level of one tempering run, as MBAR takes them (module docstring,
    "Input layout"; `SampleResult.level_draws()` gives a run's).

    ladder: (R,) b, b[0] = 1, strictly decreasing. landscape: the physical (b = 1)
    Landscape, or one per particle. W: (chains, R, draws) interaction energy (Zeeman +
    dipolar) at b = 1, in kT. r: (chains, R, draws, n) moduli |mu_i|. obs: (chains, R,
    draws, m) per-draw observables (None where only the potentials are needed)."""

    ladder: np.ndarray
    landscape: object
    W: np.ndarray
    r: np.ndarray
    obs: np.ndarray | None = None


def _draws_and_rest(first, rest: tuple, count: int) -> tuple[LevelDraws, tuple]:
    """(draws, the `count` arguments after them) of a call given `LevelDraws` first, or
    given the older positional form (ladder, landscape, W, r, obs, ...)."""
    if isinstance(first, LevelDraws):
        args = rest
    else:
        if len(rest) < 4:
            raise TypeError("give LevelDraws(ladder, landscape, W, r, obs) as the first argument")
        first, args = LevelDraws(first, *rest[:4]), rest[4:]
    if len(args) != count:
        raise TypeError(f"expected {count} argument(s) after the draws, got {len(args)}")
    return first, args


def reduced_potentials(ladder, landscape, W, r, targets) -> np.ndarray:
    """u_kn[t, n] = u_{b_t}(x_n) = sum_i f_{b_t}(|mu_i|) + b_t W(x_n), in kT.

    Parameters
    ----------
    ladder : (R,) b, b[0] = 1, strictly decreasing (`ladder.check_ladder`).
    landscape : the physical (b = 1) Landscape, or one per particle; f_b is
        `landscape.tempered(b)`.
    W : (chains, R, draws) interaction energy (Zeeman + dipolar) at b = 1, in kT.
    r : (chains, R, draws, n) moduli |mu_i| of the same draws.
    targets : sequence of inverse temperatures b > 0.

    Returns
    -------
    (len(targets), R * chains * draws) array; draws flattened level-major (k, c, d).
    """
    _, W, r = _check_draws(ladder, landscape, W, r)
    targets = np.atleast_1d(np.asarray(targets, dtype=float))
    if targets.ndim != 1 or not np.all(np.isfinite(targets)) or np.any(targets <= 0):
        raise ValueError(f"targets must be finite inverse temperatures b > 0, got {targets}")
    return _potentials(landscape, _flat(W), _flat(r), targets)


def _potentials(landscape, W_n, r_n, targets) -> np.ndarray:
    """`reduced_potentials` of flattened draws (W_n (N,), r_n (N, n))."""
    return np.stack([_site_energy(landscape, float(t), r_n) + t * W_n for t in targets])


def _check_b(b, ladder: np.ndarray) -> tuple[np.ndarray, bool]:
    b_min = float(ladder[-1])
    raw = np.asarray(b) if not isinstance(b, str | bytes) else np.asarray([b])
    if raw.dtype.kind not in "fiu":  # strings, bools, objects, complex
        raise ValueError(f"b must be a real inverse temperature in [{b_min:g}, 1], got {b!r}")
    scalar = raw.ndim == 0
    arr = np.atleast_1d(raw.astype(float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"b must be a finite inverse temperature in [{b_min:g}, 1], got {b!r}")
    if arr.size > MAX_TARGETS:
        raise ValueError(
            f"b: at most {MAX_TARGETS} inverse temperatures per call (each holds a row of "
            f"weights over every draw), got {arr.size}"
        )
    bad = arr[(arr < b_min) | (arr > 1.0)]
    if bad.size:
        raise ValueError(
            f"b must lie in [b_min, 1] = [{b_min:g}, 1] (the ladder's range), got {bad[0]:g}"
        )
    return arr, scalar


def _check_boot(n_boot, seed) -> tuple[int, int]:
    n_boot = _checks.integer("n_boot", n_boot, low=2, high=MAX_BOOT)
    seed = _checks.integer("seed", seed, low=0, high=2**63 - 1)
    return n_boot, seed


def _statistical_inefficiency(x: np.ndarray) -> float:
    if np.ptp(x) == 0.0:
        return 1.0  # a constant series carries no correlation
    return float(_pymbar().timeseries.statistical_inefficiency(x))


def block_length(series: np.ndarray) -> int:
    """Bootstrap block length for series of shape (chains, levels, draws, m).

    L = ceil(BLOCK_FACTOR * g_max), g_max the largest statistical inefficiency of any
    (chain, level, column) series, capped at draws // MIN_BLOCKS (RuntimeWarning)."""
    chains, levels, draws, m = series.shape
    g = max(
        _statistical_inefficiency(series[c, k, :, j])
        for c in range(chains)
        for k in range(levels)
        for j in range(m)
    )
    length = math.ceil(BLOCK_FACTOR * g)
    cap = draws // MIN_BLOCKS
    if length > cap:
        warnings.warn(
            f"statistical inefficiency g = {g:.1f} needs blocks of {length} draws, but "
            f"{draws} draws per chain allow only {cap}: the error bars are too small; "
            "run longer",
            RuntimeWarning,
            stacklevel=4,  # the caller of reweight_expectations / reweight_density
        )
        length = cap
    return max(length, 1)


def _bootstrap_indices(rng, chains: int, levels: int, draws: int, length: int):
    """Flat (level-major) draw indices of one circular-block-bootstrap replicate."""
    nblocks = -(-draws // length)
    starts = rng.integers(0, draws, size=(chains, nblocks))
    t = ((starts[:, :, None] + np.arange(length)) % draws).reshape(chains, -1)[:, :draws]
    per_level = (np.arange(chains)[:, None] * draws + t).ravel()
    return (np.arange(levels)[:, None] * chains * draws + per_level).ravel()


# Bootstrap replicates start from the full-data f_k, a few per cent away from their own
# solution. Levenberg-Marquardt on MBAR's gradient with its Hessian as Jacobian converged
# there in the fewest objective evaluations of pymbar's protocols (measured on a chain
# n = 16 default tempering run, 23 levels x 4000 draws: lm 10 evaluations, 0.85 s; hybr
# 10, adaptive at tol 1e-8 (pymbar's BOOTSTRAP_SOLVER_PROTOCOL) 15, trust-exact 14;
# f_k within 2e-9 of a solve to 1e-13). pymbar's bootstrap protocol is the fallback.
BOOT_SOLVER_PROTOCOL = (
    dict(method="lm", tol=1e-6, continuation=None, options={}),
    dict(method="adaptive", tol=1e-8, continuation=None, options=dict(min_sc_iter=0)),
)


def _solve_replicate(u_kn, N_k, f_k) -> np.ndarray:
    """f_k of one bootstrap replicate's draws by pymbar, warm-started from the full data's."""
    solvers = _pymbar().mbar_solvers
    protocol = tuple(dict(step, options=dict(step["options"])) for step in BOOT_SOLVER_PROTOCOL)
    levels = np.arange(N_k.size)
    return np.asarray(solvers.solve_mbar_for_all_states(u_kn, N_k, f_k.copy(), levels, protocol))


def _normalised(log_a: np.ndarray) -> np.ndarray:
    """Weights (draws, T) from unnormalised log weights (T, draws): each column sums to 1."""
    a = np.exp(log_a - log_a.max(axis=1, keepdims=True))
    return (a / a.sum(axis=1, keepdims=True)).T


class TemperingMBAR:
    """MBAR over the draws of every level of one tempering run, solved once and reused
    for every target b, every observable and every call (`SampleResult` keeps one).

    The free energies f_k of the sampled levels do not depend on the target: a target b
    enters only through its weights (Shirts & Chodera 2008, Eqs. (9) and (13)),

        w_n(b) = exp(-u_b(x_n) - D_n) / sum_m exp(-u_b(x_m) - D_m),
        D_n = ln sum_k N_k exp(f_k - u_k(x_n)),

    the weights pymbar gives an unsampled state, so one pymbar solve (`pymbar.MBAR`, its
    default protocol) serves every b. A bootstrap replicate is fixed by (block length,
    seed, replicate number); its f_k' is solved once by pymbar (`BOOT_SOLVER_PROTOCOL`,
    started from the full-data f_k as pymbar starts its own replicates) and then serves
    every b and every observable estimated with that block length. Its denominators
    follow from the full data's without another pass over u_kn:
    D_n' = D_n + ln sum_k P_kn exp(f_k' - f_k), with P_kn = N_k exp(f_k - u_k(x_n) - D_n)
    the full-data weight of draw n in level k.

    `draws` is a `LevelDraws` (its obs unused here; the older positional form
    `TemperingMBAR(ladder, landscape, W, r)` is accepted too). `columns` (chains, levels,
    draws, m), if given, are the observables that with each
    level's own u_k set one block length for every estimate (`SampleResult` passes all
    its per-draw observables but the energies, so that all its estimates, expectations
    and densities, share one bootstrap); without them each estimate's block length
    comes from the columns it estimates.

    Cost (chain n = 16, 23 levels x 4 chains x 1000 draws, pymbar without JAX, one
    core): the first estimate solves once (~5 s) and once per replicate (~1 s); any later
    call, at any b, with the same block length only reweights
    (benchmarks/bench_tempering.py --reweight).
    """

    def __init__(self, draws: LevelDraws, *positional, columns=None):
        if not isinstance(draws, LevelDraws):  # the older form (ladder, landscape, W, r)
            draws = LevelDraws(draws, *positional)
        elif positional:
            raise TypeError("TemperingMBAR(draws, columns=None): columns is a keyword")
        self.ladder, W, r = _check_draws(draws.ladder, draws.landscape, draws.W, draws.r)
        landscape = draws.landscape
        self.landscape, self.shape = landscape, W.shape
        self._W, self._r = _flat(W), _flat(r)
        chains, levels, draws = W.shape
        self.N_k = np.full(levels, chains * draws)
        self.u_kn = self.potentials(self.ladder)
        self._length = None
        if columns is not None:
            self._length = self.block_length(columns)
        self._full = None  # (f_k, D_n, P_kn) of all draws
        self._replicates = {}  # (block length, seed) -> [f_k' of replicate 0, 1, ...]
        self.solves = 0  # pymbar solves so far: all draws once, each replicate once

    def potentials(self, targets) -> np.ndarray:
        """u_b(x_n) (len(targets), N) of every draw, level-major (`reduced_potentials`)."""
        return _potentials(self.landscape, self._W, self._r, targets)

    def solution(self):
        """(f_k, D_n, P_kn): the levels' free energies (f_0 = 0, in kT), the log
        denominators (N,) and the level weights (levels, N) of all draws."""
        if self._full is None:
            f = np.asarray(_pymbar().MBAR(self.u_kn, self.N_k).f_k, dtype=float)
            self.solves += 1
            log_terms = np.log(self.N_k)[:, None] + f[:, None] - self.u_kn
            D = logsumexp(log_terms, axis=0)
            self._full = (f, D, np.exp(log_terms - D))
        return self._full

    def block_length(self, columns: np.ndarray) -> int:
        """`block_length` of each level's own u_k and of `columns` (chains, levels, draws, m);
        the one given at construction, if any."""
        if self._length is not None:
            return self._length
        chains, levels, draws = self.shape
        own = np.stack(
            [self.u_kn[k].reshape(levels, chains, draws)[k] for k in range(levels)], axis=1
        )
        return block_length(np.concatenate([own[..., None], columns], axis=-1))

    def replicates(self, length: int, seed: int, n_boot: int):
        """(draw indices, f_k') of replicates 0..n_boot-1 of a circular block bootstrap
        with blocks of `length` draws and `seed`; each replicate is solved on first use."""
        chains, levels, draws = self.shape
        f = self.solution()[0]
        solved = self._replicates.setdefault((length, seed), [])
        rng = np.random.default_rng(seed)
        for j in range(n_boot):
            idx = _bootstrap_indices(rng, chains, levels, draws, length)
            if j == len(solved):
                solved.append(_solve_replicate(self.u_kn[:, idx], self.N_k, f))
                self.solves += 1
            yield idx, solved[j]

    def estimate(self, targets, columns, n_boot: int, seed: int, extra):
        """Estimates of `extra(w, u_t, idx)` (a vector per target, from the targets'
        weights w (draws, T) and reduced energies u_t (T, draws) of the draws idx; idx
        None for all draws) and their block-bootstrap errors, the block length from the
        levels' u_k and `columns` (chains, levels, draws, m) unless fixed at construction
        (module docstring)."""
        f, D, P = self.solution()
        u_t = self.potentials(targets)
        log_a = -u_t - D
        estimate = extra(_normalised(log_a), u_t)
        reps = []
        for idx, f_rep in self.replicates(self.block_length(columns), seed, n_boot):
            log_s = np.log(np.exp(f_rep - f) @ P)  # D_n' - D_n
            reps.append(extra(_normalised(log_a[:, idx] - log_s[idx]), u_t[:, idx], idx))
        return estimate, np.std(np.array(reps), axis=0, ddof=1)


def _check_obs(W, obs, names):
    names = tuple(names)
    obs = np.asarray(obs, dtype=float)
    if obs.shape != W.shape + (len(names),):
        raise ValueError(
            f"obs must have shape {W.shape + (len(names),)} (chains, levels, draws, names), "
            f"got {obs.shape}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"names must be distinct, got {names}")
    if not np.all(np.isfinite(obs)):
        raise ValueError("obs must be finite")
    return obs, names


def _mbar_of(mbar, ladder, landscape, W, r) -> TemperingMBAR:
    """`mbar` if it holds these draws (ValueError otherwise), else a new TemperingMBAR."""
    if mbar is None:
        return TemperingMBAR(LevelDraws(ladder, landscape, W, r))
    if not (
        isinstance(mbar, TemperingMBAR)
        and mbar.shape == W.shape
        and np.array_equal(mbar.ladder, ladder)
        and np.array_equal(mbar._W, _flat(W))
        and np.array_equal(mbar._r, _flat(r))
    ):
        raise ValueError("mbar must be a TemperingMBAR of the same ladder, W and r (or None)")
    return mbar


def reweight_expectations(
    draws: LevelDraws,
    *args,
    n_boot: int = N_BOOT,
    seed: int = 0,
    mbar: TemperingMBAR | None = None,
):
    """Thermal averages at inverse temperature b (in units of the physical beta) by MBAR:
    `reweight_expectations(draws, names, b)` (the older positional form (ladder,
    landscape, W, r, obs, names, b) is accepted too).

    Parameters
    ----------
    draws : `LevelDraws` (ladder, landscape, W, r as in `reduced_potentials`; obs
        (chains, R, draws, len(names)) per-draw observables).
    names : the observables' names (the engine's column tuple).
    b : float in [b_min, 1] (b_min = ladder[-1]), or a 1-D array of them (one MBAR
        bootstrap serves all targets: cheaper for a curve).
    n_boot, seed : bootstrap replicates and their seed (the errors depend on them only).
    mbar : a `TemperingMBAR` of the same (ladder, landscape, W, r) whose solves are reused
        (what `SampleResult.reweight` passes), or None to solve afresh. Cost: n_boot + 1
        MBAR solves the first time (about 1 s each for 23 levels x 4000 draws on one
        core without JAX), then none for any b whose estimate has the same block length.

    Returns
    -------
    (expect, stderr): dicts keyed by `names`, "energy", "energy_var" = <u_b^2> - <u_b>^2
    and "binder" = 1 - <mz4>/(3 <mz2>^2) (if mz2 and mz4 are columns); floats for a
    scalar b, arrays over b otherwise. "energy" and "energy2" are not read from `obs`: at the
    target they are the tempered model's reduced energy u_b = sum_i f_b(|mu_i|) + b W
    (in kT at b) and its square, computed per draw from (r, W). Errors: block bootstrap
    (module docstring).
    """
    draws, (names, b) = _draws_and_rest(draws, args, 2)
    landscape = draws.landscape
    ladder, W, r = _check_draws(draws.ladder, landscape, draws.W, draws.r)
    obs, names = _check_obs(W, draws.obs, names)
    targets, scalar = _check_b(b, ladder)
    n_boot, seed = _check_boot(n_boot, seed)
    plain = [j for j, name in enumerate(names) if name not in ENERGY_NAMES]
    A = _flat(obs[..., plain])
    binder = "mz2" in names and "mz4" in names

    def extra(w, u_t, idx=None):
        a = A if idx is None else A[idx]
        means = w.T @ a  # (T, plain)
        e1 = np.einsum("nt,tn->t", w, u_t)
        e2 = np.einsum("nt,tn->t", w, u_t * u_t)
        cols = [means, e1[:, None], e2[:, None], (e2 - e1 * e1)[:, None]]
        if binder:
            m2 = means[:, [names[j] for j in plain].index("mz2")]
            m4 = means[:, [names[j] for j in plain].index("mz4")]
            cols.append((1.0 - m4 / (3.0 * m2 * m2))[:, None])
        return np.concatenate(cols, axis=1)

    mbar = _mbar_of(mbar, ladder, landscape, W, r)
    est, se = mbar.estimate(targets, obs[..., plain], n_boot, seed, extra)
    keys = [names[j] for j in plain] + ["energy", "energy2", "energy_var"]
    keys += ["binder"] if binder else []
    drop = () if "energy2" in names else ("energy2",)
    pick = (lambda a: float(a[0])) if scalar else (lambda a: a)
    expect = {key: pick(est[:, i]) for i, key in enumerate(keys) if key not in drop}
    stderr = {key: pick(se[:, i]) for i, key in enumerate(keys) if key not in drop}
    return expect, stderr


def reweight_density(
    draws: LevelDraws,
    *args,
    n_boot: int = N_BOOT,
    seed: int = 0,
    mbar: TemperingMBAR | None = None,
):
    """Density of `which` at inverse temperature b by MBAR with indicator observables:
    `reweight_density(draws, names, which, bins, b)`, `draws` a `LevelDraws` (the older
    positional form (ladder, landscape, W, r, obs, names, which, bins, b) is accepted too).

    `which` is "mu1z" or "mz" (on [-1, 1]) or "abs_mu1" (on [0, 1]), read from the obs
    column of that name; `bins` equal bins; b, n_boot, seed and mbar as in
    `reweight_expectations`.
    Returns (density, stderr), each (bins,) (or (len(b), bins)): P(bin)/width, so
    that the density integrates to 1. Errors: block bootstrap (module docstring).
    """
    draws, (names, which, bins, b) = _draws_and_rest(draws, args, 4)
    landscape = draws.landscape
    ladder, W, r = _check_draws(draws.ladder, landscape, draws.W, draws.r)
    obs, names = _check_obs(W, draws.obs, names)
    if which not in DENSITIES:
        raise ValueError(f"which must be one of {tuple(DENSITIES)}, got {which!r}")
    if which not in names:
        raise ValueError(f"which = {which!r} is not among the obs columns {names}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 1 <= bins <= 10**5:
        raise ValueError(f"bins must be an integer in [1, 100000], got {bins!r}")
    targets, scalar = _check_b(b, ladder)
    n_boot, seed = _check_boot(n_boot, seed)
    lo, hi = DENSITIES[which]
    width = (hi - lo) / bins
    column = obs[..., names.index(which)]
    k = _flat(np.clip(np.floor((column - lo) / width), 0, bins - 1).astype(int))

    def extra(w, u_t, idx=None):
        in_bin = k if idx is None else k[idx]
        return np.stack([np.bincount(in_bin, w[:, t], bins) for t in range(w.shape[1])]) / width

    mbar = _mbar_of(mbar, ladder, landscape, W, r)
    est, se = mbar.estimate(targets, column[..., None], n_boot, seed, extra)
    return (est[0], se[0]) if scalar else (est, se)


__all__ = [
    "BLOCK_FACTOR",
    "DENSITIES",
    "N_BOOT",
    "LevelDraws",
    "TemperingMBAR",
    "block_length",
    "reduced_potentials",
    "reweight_density",
    "reweight_expectations",
]
