"""The result every sampler returns: accumulated observables, their errors, and draws.

Errors are batch means: each chain's production run is cut into batches (32 by
default) and the batch averages of every chain are treated as independent; the MCSE of
a mean is the weighted standard deviation of those batch means over sqrt(number of
batches). This is honest when a batch is much longer than the autocorrelation time;
`summary()` cross-checks with arviz's ESS and R-hat on the thinned draws. Derived
quantities (the Binder cumulant) get jackknife errors over the same batches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from .. import _checks
from . import diagnostics
from .dims import BATCHED, DIMS, LEVEL_DRAWS, RECORD_DIMS, record_size, select
from .observables import (
    AXES,
    DRAW_COLUMNS,
    HIST_BINS,
    HISTS,
    PAIR_SCALARS,
    PARTICLE1,
    SCALARS,
    SITE_COLUMNS,
)
from .profiles import barrier, free_energy

if TYPE_CHECKING:
    from .reweight import LevelDraws, TemperingMBAR

# `reweight` is imported where it is used: with `ladder` it pulls in scipy.interpolate and
# scipy.special, 0.45 s of CPU that `import mcdimer` must not pay (benchmarks/bench_startup.py)

EXPECT_KEYS = (
    "mu1z",
    "mu1x",
    "mu1z2",
    "mu1x2",
    "abs_mu1z",
    "abs_mu1",
    "mu1z_mu2z",
    "energy",
    "mz",
    "abs_mz",
    "mz2",
    "mz4",
    "abs_mu_mean",
    "abs_m",
    "mode_overlap",
    "binder",
    "energy_var",
)
# the order observables of docs/physics.md, "Order observables": also keys of expect();
# q2 and q4 need sample(..., pairs=True) (NaN otherwise)
ORDER_KEYS = ("m2", "m4", "ms2", "ms4", "nematic", "q2", "q4")
BINDER_DIMENSION = {"m": 3, "ms": 3, "q": 9}


def _ratio_mean_se(sums: np.ndarray, counts: np.ndarray):
    """Grand mean and batch-means standard error of sums/counts (batches on axis 0)."""
    counts = counts.astype(float)
    keep = counts > 0
    sums, counts = sums[keep], counts[keep]
    total = counts.sum()
    mean = sums.sum(axis=0) / total
    nb = counts.size
    if nb < 2:
        return mean, np.full_like(mean, np.nan)
    cshape = counts.reshape((-1,) + (1,) * (sums.ndim - 1))
    dev = sums / cshape - mean
    var = (cshape**2 * dev**2).sum(axis=0) / total**2 * nb / (nb - 1)
    return mean, np.sqrt(var)


def _jackknife(func, sums: np.ndarray, counts: np.ndarray):
    """Value and jackknife SE of func(mean vector) over leave-one-batch-out means."""
    counts = counts.astype(float)
    keep = counts > 0
    sums, counts = sums[keep], counts[keep]
    full = func(sums.sum(axis=0) / counts.sum())
    nb = counts.size
    if nb < 2:
        return full, np.nan
    loo = np.array(
        [func((sums.sum(axis=0) - sums[b]) / (counts.sum() - counts[b])) for b in range(nb)]
    )
    return full, float(np.sqrt((nb - 1) / nb * ((loo - loo.mean()) ** 2).sum()))


def _check_bins(bins) -> int:
    bins = _checks.integer("bins", bins, low=1)
    if HIST_BINS % bins:
        allowed = [b for b in range(1, HIST_BINS + 1) if HIST_BINS % b == 0]
        raise ValueError(
            f"bins must divide {HIST_BINS} (the accumulated fine bins): "
            f"one of {allowed}, got {bins}"
        )
    return bins


# per-batch observable vector: the accumulated scalars, then particle 1's site sums
OBS = SCALARS + tuple(PARTICLE1)
O = {name: k for k, name in enumerate(OBS)}


def _binder(m):
    return 1.0 - m[O["mz4"]] / (3.0 * m[O["mz2"]] ** 2)


def _energy_var(m):
    return m[O["energy2"]] - m[O["energy"]] ** 2


P = {name: k for k, name in enumerate(PAIR_SCALARS)}


def binder_cumulant(x2, x4, d: int):
    """g = (1/2)(d + 2 - d <x^4>/<x^2>^2) of a d-component order parameter x.

    Derivation: a d-component Gaussian vector with independent components of equal
    variance s^2 has <|x|^2> = d s^2 and <|x|^4> = (d^2 + 2d) s^4, so
    <x^4>/<x^2>^2 = 1 + 2/d; a vector of fixed length (the ordered state, any direction)
    has the ratio 1. The one linear function of the ratio that is 0 for the first and 1
    for the second is g above: for d = 3 (m) g_m = (1/2)(5 - 3 <|m|^4>/<|m|^2>^2); the
    overlap tensor q_ab has d = 9 components (isotropic replicas of n independent moments
    give q_ab's nine entries independent with equal variance a2^2/(9n), a sum over n
    sites: Gaussian for large n), and two ordered replicas give q_ab = |m_a||m_b| u v^T of
    fixed q2, so g_q = (1/2)(11 - 9 <q2^2>/<q2>^2). Anisotropic fluctuations (unequal
    variances) raise the ratio: g can then be negative in the disordered phase."""
    return 0.5 * (d + 2 - d * x4 / (x2 * x2))


def _compare_segments(records, name, counts, col, k, first, second, usable: bool = True):
    """(mean of first, mean of second, z of their difference) of record `name` at the
    column `col` ({dimension: index}) and level k, `counts` its counts (one chain per row
    of the record); each segment a (rows, batches) selection of the record's first
    dimension (chain or pair) and its batches, batch-means errors; z = 0 when no error is
    defined (and means NaN when not `usable`)."""
    seg = []
    for rows, batches in (first, second):
        at = {DIMS.level: k, DIMS.batch: batches}
        s_ = select(name, records[name], {RECORD_DIMS[name][0]: rows, **at, **col}).reshape(-1)
        c_ = select("counts", counts, {DIMS.chain: rows, **at}).reshape(-1)
        seg.append(_ratio_mean_se(s_, c_) if usable else (np.nan, np.nan))
    (m1, e1), (m2, e2) = seg
    se = np.hypot(e1, e2)
    return m1, m2, (float((m1 - m2) / se) if se > 0 else 0.0)


TRIPS_WANTED = 10  # round trips over the ladder each chain should make in production
DRIFT_LIMIT = 4.0  # |z| of (last half - quarter before) beyond which a run is flagged


@dataclass(frozen=True)
class Equilibration:
    """What a run shows about its own equilibration (`SampleResult.equilibration`).

    drift: per observable, z = (mean over the last half of production - mean over the
    quarter before it) / (SE of that difference), the two segments disjoint (the last two
    logarithmic bins of the run, as spin-glass studies compare them); batch means within
    each segment. round_trips: the fewest production round trips b = 1 -> b_min -> b = 1
    made by any chain (None without a ladder). start: for a run with start="both", per
    observable z = (mean of the chains that started hot - mean of those that started
    ordered) / (SE of the difference), over all of production (empty otherwise). ok is
    False when any |z| > drift_limit or round_trips < trips_wanted; `flags` says why, in
    words."""

    drift: dict
    round_trips: int | None
    drift_limit: float
    trips_wanted: int
    flags: tuple
    start: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.flags


@dataclass(frozen=True, eq=False)
class Settings(dict):
    """How a run was asked for, as its sampler resolved it (`SampleResult.settings`).

    Typed fields, read as attributes (`settings.thin`), and still the dict it replaces
    (`settings["thin"]`, `settings.get("replicas")`, `json.dumps(settings)`): its keys are
    the fields that apply to the run (a field left None, such as `replicas` of a
    Metropolis run, is not a key) plus any key a sampler recorded without a field here
    (`other`). Frozen: build another with `dataclasses.replace`.

    sweeps, burn: production and burn-in sweeps per chain (burn includes a default
    ladder's tuning); chains; seed; thin (every thin-th production sweep is a draw);
    n_batches (batches per chain for the MCSE); moves (the cycle as [(name, repeats)]);
    critical_modes (mean-field modes projected on, 0: none); pairs (replica pairs);
    start ("hot", "ordered", "both"); nematic (whether the nematic eigenvalue was
    measured); record_every (every k-th production sweep summed into the batches);
    tempering: replicas, adapt, ladder ("given", "tuned", "geometric"), b_min; emcee:
    walkers."""

    sweeps: int
    burn: int
    chains: int
    seed: int
    thin: int
    n_batches: int
    moves: list | None = None
    critical_modes: int = 0
    pairs: bool = False
    start: str = "hot"
    nematic: bool = True
    record_every: int = 1
    replicas: int | None = None
    adapt: bool | None = None
    ladder: str | None = None
    b_min: float | None = None
    walkers: int | None = None
    other: dict = field(default_factory=dict)

    def __post_init__(self):
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "other"}
        dict.update(self, {k: v for k, v in own.items() if v is not None}, **self.other)

    @classmethod
    def of(cls, value) -> Settings:
        """`value` if a Settings, else Settings from a mapping of its keys."""
        if isinstance(value, Settings):
            return value
        names = {f.name for f in fields(cls)} - {"other"}
        given = dict(value)
        known = {k: v for k, v in given.items() if k in names}
        return cls(**known, other={k: v for k, v in given.items() if k not in names})

    def to_dict(self) -> dict:
        return dict(self)


def _jsonable(value):
    """numpy arrays and scalars in nested dicts/lists as lists and Python numbers."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class SampleResult:
    """Observables of one sampling run, at the physical temperature (b = 1) and, for
    tempering, at every level of the ladder (`level(k)`).

    Attributes: `model`, `method`, `settings` (a `Settings`: sweeps, burn, chains, seed,
    thin, moves, ...; a dict given here becomes one), `stats` (a `RunStats`: acceptance,
    step sizes, timings, tunnelling counts, ...), `ladder` (b, b[0] = 1, decreasing), and
    the raw records (see `mcdimer.sampling.observables`; `acc` is this level's view of
    them). Means and errors come from `expect()`, `mcse()`, `pdf_mu1z()`, `pdf_mz()`,
    `pdf_abs_mu1()`, `site_means()`, `zz()`; for tempering, at any b in [b_min, 1] by MBAR from
    `reweight(b)` and `reweight_pdf(b, which)`, and free-energy profiles from
    `free_energy(which, bins, b)` and `barrier(which, b)`.
    """

    model: object
    method: str
    settings: Settings
    stats: object
    records: dict
    extra: dict = field(default_factory=dict)
    interrupted: bool = False
    ladder: np.ndarray = field(default_factory=lambda: np.ones(1))
    level_index: int = 0
    # reweight's TemperingMBAR, built on first use: its solves serve every later call
    _mbar: object = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.settings = Settings.of(self.settings)

    @property
    def acc(self) -> dict:
        """The records of this result's level: per-level arrays lose their level axis."""
        k = self.level_index
        return {
            name: (select(name, value, {DIMS.level: k}) if name in BATCHED else value)
            for name, value in self.records.items()
        }

    def level(self, k: int) -> SampleResult:
        """The result at ladder level k (b = ladder[k]): the observables of
        `model.tempered(b_k)`, whose `energy` is that model's reduced energy
        u_k = sum_i f_k + b_k W."""
        k = _checks.integer("k", k)
        if not 0 <= k < self.ladder.size:
            raise ValueError(
                f"k must be a level index in [0, {self.ladder.size - 1}] "
                f"(the ladder has {self.ladder.size} levels), got {k}"
            )
        base = self._physical_model
        model = base if k == 0 else base.tempered(float(self.ladder[k]))
        return replace(self, model=model, level_index=k, extra={**self.extra, "model_b1": base})

    @property
    def _physical_model(self):
        """The model at b = 1 (a level's result keeps it in extra["model_b1"])."""
        return self.extra.get("model_b1", self.model)

    # --- per-batch views -----------------------------------------------------------
    def _batches(self, name: str, at: dict | None = None) -> np.ndarray:
        """Batched record `name` at this level (and at `at`, by dimension name, `select`)
        with the batches of every chain (pair) on one axis: the rows of the batch means."""
        a = select(name, self.records[name], {DIMS.level: self.level_index, **(at or {})})
        return a.reshape((-1,) + a.shape[2:])  # (chain or pair, batch, ...) -> (row, ...)

    @property
    def _counts(self):
        return self._batches("counts")

    @property
    def production_sweeps(self) -> int:
        """Production sweeps run, summed over chains (at every level alike). Not the
        recorded ones (`records["counts"]`): with settings["record_every"] = k > 1 only
        every k-th sweep is summed into the batches, while draws are kept every `thin`
        sweeps of all of them."""
        ran = self.stats.get("production_sweeps")
        return int(self._counts.sum()) if ran is None else int(ran)

    # --- means -----------------------------------------------------------------------
    def _observable_sums(self):
        columns = [SITE_COLUMNS.index(c) for c in PARTICLE1.values()]
        site1 = self._batches("sites", {DIMS.particle: 0, DIMS.column: columns})
        return np.concatenate([self._batches("scalars"), site1], axis=1)

    def _expect_and_se(self):
        sums, counts = self._observable_sums(), self._counts
        mean, se = _ratio_mean_se(sums, counts)
        out, err = {}, {}
        for key in EXPECT_KEYS:
            if key in O:
                out[key], err[key] = float(mean[O[key]]), float(se[O[key]])
        out["binder"], err["binder"] = _jackknife(_binder, sums, counts)
        out["energy_var"], err["energy_var"] = _jackknife(_energy_var, sums, counts)
        if not self.settings.get("critical_modes", 0):  # no modes given: not measured
            out["mode_overlap"] = err["mode_overlap"] = float("nan")
        for key in ORDER_KEYS:
            if key in O:
                out[key], err[key] = float(mean[O[key]]), float(se[O[key]])
        if not self.settings.get("nematic", True):  # a chain without pairs: not measured
            out["nematic"] = err["nematic"] = float("nan")
        if self.has_pairs:
            pmean, pse = _ratio_mean_se(self._batches("pair_scalars"), self._pair_counts)
            for key in ("q2", "q4"):
                out[key], err[key] = float(pmean[P[key]]), float(pse[P[key]])
        else:
            for key in ("q2", "q4"):
                out[key] = err[key] = float("nan")
        return out, err

    def expect(self) -> dict[str, float]:
        """Thermal averages: the keys of `mcdimer.exact.expect` plus mz (= mean_i mu_i^z),
        abs_mz, mz2, mz4, abs_mu_mean (mean modulus <|mu_i|>), abs_m (<|sum_i mu_i|>/n),
        mode_overlap (projection on
        the mean-field critical modes, `sample(..., critical_modes=...)`; NaN when none were
        given), binder (1 - <mz^4>/(3<mz^2>^2)) and energy_var (Var beta E); and the order
        observables ORDER_KEYS (docs/physics.md, "Order observables"; dimensionless, moments
        in units of M0): m2 = <|m|^2> and m4 = <|m|^4> of m = (1/n) sum_i mu_i; ms2, ms4
        the same for m_s = sum_i s_i mu_i / sum_i s_i (equal to m2, m4 when all s_i = 1);
        nematic = <lambda_max(Q)>, Q = sum_i mu_i mu_i^T / sum_i |mu_i|^2 - I/3 normalised
        by each configuration's own sum_i |mu_i|^2 (2/3 when all moments share one axis,
        ~1/sqrt(n) when isotropic; NaN for a chain sampled without pairs, where it is not
        measured, to keep the dimer's sweep cheap); q2 = <sum_ab q_ab^2> and
        q4 = <(sum_ab q_ab^2)^2> of the overlap tensor q_ab = (1/n) sum_i mu_i^a (mu_i^b)^T
        of replica pairs (`sample(..., pairs=True)`, averaged over pairs; NaN without
        pairs)."""
        return self._expect_and_se()[0]

    def mcse(self) -> dict[str, float]:
        """Monte Carlo standard errors of `expect()` (batch means; jackknife for derived)."""
        return self._expect_and_se()[1]

    def _pdf(self, which: str, bins: int):
        bins = _check_bins(bins)
        h = self._batches("hists", {DIMS.histogram: HISTS.index(which)})
        h = h.reshape(h.shape[0], bins, HIST_BINS // bins).sum(axis=2)
        width = (1.0 if which == "abs_mu1" else 2.0) / bins
        mean, se = _ratio_mean_se(h / width, self._counts)
        return mean, se

    # --- order observables: replica pairs, Binder cumulants, correlation lengths --------
    @property
    def has_pairs(self) -> bool:
        """Whether the chains ran in replica pairs (`sample(..., pairs=True)`)."""
        return "pair_scalars" in self.records and self._size("pair_scalars", DIMS.pair) > 0

    def _size(self, name: str, dim: str) -> int:
        """The length of dimension `dim` of record `name` (`dims.record_size`)."""
        return record_size(self.records, name, dim)

    def _pair_rows(self) -> dict:
        """The chains whose counts are the pairs' (pair p is recorded with chain 2p)."""
        return {DIMS.chain: slice(0, 2 * self._size("pair_scalars", DIMS.pair), 2)}

    @property
    def _pair_counts(self):
        """Sweeps per (pair, batch): pair p is recorded at every sweep of its chain 2p."""
        return self._batches("counts", self._pair_rows())

    def _need_pairs(self, name: str, value: str) -> None:
        if not self.has_pairs:
            raise ValueError(
                f"{name} = {value!r} needs the overlap of replica pairs, which this run did "
                "not record: sample(..., pairs=True) with an even number of chains"
            )

    def pdf_q(self, bins: int = 40):
        """(density, stderr) of the scalar overlap qs = (1/n) sum_i mu_i^a . mu_i^b of the
        replica pairs on `bins` equal bins of [-1, 1] (all pairs pooled; batch-means
        errors); needs `sample(..., pairs=True)`."""
        self._need_pairs("the distribution", "q")
        bins = _check_bins(bins)
        h = self._batches("pair_hists")
        h = h.reshape(h.shape[0], bins, HIST_BINS // bins).sum(axis=2)
        return _ratio_mean_se(h / (2.0 / bins), self._pair_counts)

    def pair_values(self):
        """Per replica pair p (chains 2p, 2p + 1): (means, stderrs), dicts of (pairs,)
        arrays over PAIR_SCALARS (q2, q4, qs, qs2 and the structure factors chi_q_*), batch
        means within each pair; needs `sample(..., pairs=True)`."""
        self._need_pairs("pair_values of", "q")
        at = {DIMS.level: self.level_index}
        sums = select("pair_scalars", self.records["pair_scalars"], at)
        counts = select("counts", self.records["counts"], {**at, **self._pair_rows()})
        rows = [_ratio_mean_se(s_, c_) for s_, c_ in zip(sums, counts, strict=True)]  # per pair
        return (
            {k: np.array([r[0][j] for r in rows]) for j, k in enumerate(PAIR_SCALARS)},
            {k: np.array([r[1][j] for r in rows]) for j, k in enumerate(PAIR_SCALARS)},
        )

    def _order_sums(self, which: str):
        """(per-batch sums, counts, column index) of the chains' ("m", "ms") or the pairs'
        ("q") order-parameter moments."""
        if which == "q":
            self._need_pairs("which", which)
            return self._batches("pair_scalars"), self._pair_counts, P
        return self._observable_sums(), self._counts, O

    def binder(self, which: str = "m"):
        """(g, stderr): the Binder cumulant g = (1/2)(d + 2 - d <x^4>/<x^2>^2) of the order
        parameter `which` (`binder_cumulant`, where the normalisation is derived): "m"
        (d = 3, x = m = (1/n) sum_i mu_i), "ms" (d = 3, the s_i-weighted m_s) or "q"
        (d = 9, x = the overlap tensor q_ab of replica pairs, `sample(..., pairs=True)`):
        0 for Gaussian fluctuations, 1 for an ordered state (docs/physics.md, "Order
        observables"). Jackknife error over the batches of every chain (pair)."""
        if which not in BINDER_DIMENSION:
            raise ValueError(f"which must be one of {tuple(BINDER_DIMENSION)}, got {which!r}")
        sums, counts, col = self._order_sums(which)
        d = BINDER_DIMENSION[which]
        i2, i4 = col[f"{which}2"], col[f"{which}4"]
        value, se = _jackknife(lambda v: binder_cumulant(v[i2], v[i4], d), sums, counts)
        return float(value), float(se)

    def _check_periodic(self, name: str):
        box = getattr(self._physical_model, "box", None)
        if box is None:
            raise ValueError(
                f"{name} needs a periodic assembly: this result's model has box = None "
                "(open); build it with Assembly(..., box=(Lx, Ly, Lz))"
            )
        return np.asarray(box, dtype=float)

    def structure_factor(self, which: str = "m"):
        """(chi, stderr), arrays (4,): chi(0) and chi(k_min) along x, y, z of a periodic
        assembly, chi(k) = (1/n) <|sum_j x_j exp(i k . r_j)|^2> summed over the components
        of x_j = mu_j ("m") or the overlap field mu_j^a (mu_j^b)^T ("q", replica pairs);
        k_min = 2 pi / L_a along axis a (docs/physics.md, "Order observables"). Units of
        M0^2 (M0^4 for q). chi(0) = n <|m|^2> (n <q2>). Batch-means errors."""
        if which not in ("m", "q"):
            raise ValueError(f"which must be 'm' or 'q', got {which!r}")
        self._check_periodic("structure_factor")
        sums, counts, col = self._order_sums(which)
        n = self._physical_model.n
        cols = [col[f"{which}2"]] + [col[f"chi_{which}_{a}"] for a in AXES]
        mean, se = _ratio_mean_se(sums[:, cols], counts)
        return mean * np.array([n, 1, 1, 1]), se * np.array([n, 1, 1, 1])

    def correlation_length(self, which: str = "m"):
        """(xi/L, stderr): the second-moment correlation length over the box edge, on a
        periodic assembly (docs/physics.md, "Order observables"):

            xi_a = sqrt(chi(0)/chi(k_a) - 1) / (2 sin(k_a/2)),  k_a = 2 pi / L_a,

        chi(k) = (1/n) <|sum_j x_j exp(i k . r_j)|^2> summed over the components of x_j =
        mu_j ("m", 3 components) or the overlap field mu_j^a (mu_j^b)^T ("q", 9; needs
        `sample(..., pairs=True)`), k_a the smallest wave vector along box axis a and L_a
        that edge, both in the model's unit of length (the lattice form 2 sin(k/2) takes
        that unit as the spacing; it tends to k for L >> 1). With unequal edges each axis
        gives xi_a / L_a and the result is their mean over the three axes (equal edges:
        xi/L with xi averaged over the axes). chi(0) = n <|m|^2> (n <q2> for q). NaN when
        chi(0) < chi(k_a) on an axis (no measurable correlation: xi is below what the box
        resolves). Jackknife error over the batches of every chain (pair)."""
        if which not in ("m", "q"):
            raise ValueError(f"which must be 'm' or 'q', got {which!r}")
        L = self._check_periodic("correlation_length")
        k = 2.0 * np.pi / L
        sums, counts, col = self._order_sums(which)
        n = self._physical_model.n
        i0 = col[f"{which}2"]
        ik = [col[f"chi_{which}_{a}"] for a in AXES]

        def xi_over_l(v):
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = n * v[i0] / np.array([v[i] for i in ik]) - 1.0
                return float(np.mean(np.sqrt(ratio) / (2.0 * np.sin(k / 2.0)) / L))

        value, se = _jackknife(xi_over_l, sums, counts)
        return float(value), float(se)

    def pdf_mu1z(self, bins: int = 40):
        """(density, stderr) of mu_1^z on `bins` equal bins of [-1, 1] (cf. exact.pdf_mu1z)."""
        return self._pdf("mu1z", bins)

    def pdf_mz(self, bins: int = 40):
        """(density, stderr) of the total m^z = mean_i mu_i^z on `bins` equal bins of [-1, 1]."""
        return self._pdf("mz", bins)

    def pdf_abs_mu1(self, bins: int = 40):
        """(density, stderr) of |mu_1| on `bins` equal bins of [0, 1]."""
        return self._pdf("abs_mu1", bins)

    def site_means(self):
        """Per-particle means (dict of (n,) arrays: x, y, z, x2, y2, z2, abs) and their SEs."""
        mean, se = _ratio_mean_se(self._batches("sites"), self._counts)
        return (
            {k: mean[:, i] for i, k in enumerate(SITE_COLUMNS)},
            {k: se[:, i] for i, k in enumerate(SITE_COLUMNS)},
        )

    def zz(self):
        """(<mu_i^z mu_j^z>, SE) as n x n arrays (accumulated for n <= 32 only)."""
        z = self._batches("zz")
        if z.shape[-1] == 0:
            raise ValueError("<mu_i^z mu_j^z> is accumulated only for chains of n <= 32")
        upper = np.triu(np.ones(z.shape[-2:], dtype=bool))
        z = np.where(upper, z, np.swapaxes(z, -1, -2))  # kernels fill i <= j only
        return _ratio_mean_se(z, self._counts)

    def equilibration(
        self, *, drift_limit: float = DRIFT_LIMIT, trips_wanted: int = TRIPS_WANTED
    ) -> Equilibration:
        """Equilibration checks of this level, flagged, never applied: energy, m2 and (with
        pairs) q2 over the last half of production against the quarter before it, the
        fewest round trips over the ladder per chain (tempering) and, for a run with
        start="both", the chains that started hot against those that started ordered on
        the same observables. See `Equilibration`."""
        if not (isinstance(drift_limit, (int, float)) and drift_limit > 0):
            raise ValueError(f"drift_limit must be a number > 0, got {drift_limit!r}")
        trips_wanted = _checks.integer("trips_wanted", trips_wanted, low=0)
        nb = self._size("counts", DIMS.batch)
        half, quarter = slice(nb - nb // 2, nb), slice(nb - nb // 2 - nb // 4, nb - nb // 2)
        counts = self.records["counts"]
        series = {  # observable: (record, its counts, the column)
            "energy": ("scalars", counts, {DIMS.observable: O["energy"]}),
            "m2": ("scalars", counts, {DIMS.observable: O["m2"]}),
        }
        if self.has_pairs:
            pair_counts = select("counts", counts, self._pair_rows())
            series["q2"] = ("pair_scalars", pair_counts, {DIMS.pair_observable: P["q2"]})
        drift, flags = {}, []
        k = self.level_index
        everyone = slice(None)
        for name, (record, counts, col) in series.items():
            m1, m2, z = _compare_segments(
                self.records, record, counts, col, k, (everyone, half), (everyone, quarter),
                usable=nb >= 8,
            )  # fmt: skip
            drift[name] = z
            if abs(z) > drift_limit:
                flags.append(
                    f"{name} drifts: last half {m1:.6g} vs the quarter before {m2:.6g} "
                    f"({z:+.1f} SE)"
                )
        starts = {}
        if self.settings.get("start") == "both":
            for name, (record, counts, col) in series.items():
                rows = self._size(record, RECORD_DIMS[record][0])  # chains (pairs)
                hot = slice(0, rows // 2)  # the first half of the chains (pairs)
                ordered = slice(rows // 2, None)
                m1, m2, z = _compare_segments(
                    self.records, record, counts, col, k, (hot, everyone), (ordered, everyone)
                )
                starts[name] = z
                if abs(z) > drift_limit:
                    flags.append(
                        f"{name} depends on the start: hot {m1:.6g} vs ordered {m2:.6g} "
                        f"({z:+.1f} SE)"
                    )
        trips = None
        rt = self.stats.get("round_trips") if self.ladder.size > 1 else None
        if rt is not None:
            trips = int(np.min(rt))
            if trips < trips_wanted:
                flags.append(f"a chain made {trips} round trips over the ladder (< {trips_wanted})")
        if nb < 8:
            flags.append(f"n_batches = {nb} < 8: too few batches to compare segments")
        return Equilibration(drift, trips, float(drift_limit), trips_wanted, tuple(flags), starts)

    # --- temperature as an axis: MBAR reweighting and free-energy profiles ------------
    def _check_which(self, which: str, allowed=("mu1z", "mz", "abs_mu1")) -> None:
        if which not in allowed:
            raise ValueError(f"which must be one of {allowed}, got {which!r}")

    def _check_b(self, b):
        """b as a float (or a 1-D float array) in [b_min, 1] (b_min = ladder[-1]), else
        ValueError naming b."""
        b_min = float(self.ladder[-1])
        try:
            x = np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            x = np.array(np.nan)
        if (
            isinstance(b, bool)
            or x.ndim > 1
            or x.size == 0
            or not np.all(np.isfinite(x))
            or np.any((x < b_min) | (x > 1.0))
        ):
            raise ValueError(
                f"b must be a finite inverse temperature in [b_min, 1] = [{b_min:g}, 1] "
                f"(this run's ladder), or a 1-D array of them, got {b!r}"
            )
        return float(x) if x.ndim == 0 else x

    def level_draws(self) -> LevelDraws:
        """The per-level draws MBAR needs (`reweight.LevelDraws`: ladder, landscape, W, r
        and obs, whose columns are DRAW_COLUMNS), the filled draws only (an interrupted
        run stops early); ValueError for a run without levels."""
        from .reweight import LevelDraws

        if self.method != "tempering" or self._size("level_w", DIMS.draw) == 0:
            raise ValueError(
                "reweighting needs a run of method 'tempering' (per-level draws of every "
                f"ladder level), got method {self.method!r}"
            )
        produced = self.production_sweeps // self.settings["chains"]  # each chain's sweeps
        draws = min(-(-produced // self.settings["thin"]), self._size("level_w", DIMS.draw))
        model = self._physical_model
        land = model.landscape if model.landscape is not None else list(model.landscapes)
        filled = {DIMS.draw: slice(None, draws)}
        return LevelDraws(
            self.ladder,
            land,
            *(select(name, self.records[name], filled) for name in LEVEL_DRAWS),
        )

    @property
    def mbar_solves(self) -> int:
        """MBAR solves made for this result so far by `reweight` and `reweight_pdf` (all
        draws once, then one per bootstrap replicate); later calls reuse them."""
        return 0 if self._mbar is None else self._mbar.solves

    def _tempering_mbar(self, draws: LevelDraws) -> TemperingMBAR:
        """The run's `reweight.TemperingMBAR` (MBAR solved once, bootstrap replicates
        solved on first use), kept for every later reweighting call. One block length,
        from every level's u_k and every per-draw observable, serves all estimates."""
        from .reweight import ENERGY_NAMES, TemperingMBAR

        if self._mbar is None:
            plain = [j for j, name in enumerate(DRAW_COLUMNS) if name not in ENERGY_NAMES]
            self._mbar = TemperingMBAR(draws, columns=draws.obs[..., plain])
        return self._mbar

    def reweight(self, b, *, n_boot: int | None = None, seed: int = 0):
        """(expect, stderr) at inverse temperature b (in units of the physical beta, b in
        [b_min, 1]) by MBAR over every level's draws (`reweight.reweight_expectations`):
        two dicts with the keys of `expect()` (NaN where a key is not recorded per draw),
        floats, or arrays over b when b is a 1-D array; energy is the reduced energy u_b of
        `model.tempered(b)`, in kT at b. Errors: circular block bootstrap (see
        `mcdimer.sampling.reweight`), n_boot replicates, with one block length for all of
        this result's estimates (from every level's u_k and every per-draw observable).
        The MBAR solves (all draws once, each replicate once) are kept on this result:
        the first call (or `reweight_pdf`) costs n_boot + 1 solves, later calls at any b
        only reweight."""
        from .reweight import N_BOOT, reweight_expectations

        draws = self.level_draws()
        b = self._check_b(b)
        mbar = self._tempering_mbar(draws)
        est, se = reweight_expectations(
            draws, DRAW_COLUMNS, b, n_boot=n_boot or N_BOOT, seed=seed, mbar=mbar
        )
        fill = np.nan if np.ndim(b) == 0 else np.full(np.shape(b), np.nan)
        pick = float if np.ndim(b) == 0 else np.asarray
        keys = EXPECT_KEYS + ORDER_KEYS
        if not self.settings.get("nematic", True):
            est["nematic"] = se["nematic"] = fill
        return (
            {k: pick(est.get(k, fill)) for k in keys},
            {k: pick(se.get(k, fill)) for k in keys},
        )

    def reweight_pdf(self, b: float, which: str = "mz", bins: int = 40, *, n_boot=None, seed=0):
        """(density, stderr) of `which` ("mu1z", "mz" on [-1, 1]; "abs_mu1" on [0, 1]) at
        inverse temperature b in [b_min, 1] by MBAR (`reweight.reweight_density`); for a
        1-D array b, arrays (len(b), bins). MBAR solves are kept as in `reweight`."""
        from .reweight import N_BOOT, reweight_density

        self._check_which(which)
        draws = self.level_draws()
        b = self._check_b(b)
        bins = _checks.integer("bins", bins, low=1, high=HIST_BINS)
        return reweight_density(
            draws,
            DRAW_COLUMNS,
            which,
            bins,
            b,
            n_boot=n_boot or N_BOOT,
            seed=seed,
            mbar=self._tempering_mbar(draws),
        )

    def _density_at(self, which: str, bins: int, b, n_boot=None):
        """The density of `which` at b: a ladder level's accumulated histogram (every
        production sweep, batch-means errors) when b is a rung, MBAR otherwise."""
        self._check_which(which)
        b = self._check_b(b)
        if np.ndim(b):
            raise ValueError(f"b must be one inverse temperature here, got {b!r}")
        rung = np.flatnonzero(np.abs(self.ladder - b) <= 1e-12 * b)
        if rung.size:
            return self.level(int(rung[0]))._pdf(which, bins)
        return self.reweight_pdf(b, which, bins, n_boot=n_boot)

    def free_energy(self, which: str = "mz", bins: int = 40, b: float = 1.0, *, n_boot=None):
        """(F, stderr): F = -ln P(which) in kT at b, zero at its minimum, NaN where a bin is
        empty (`profiles.free_energy`); P from `_density_at` (the level's histogram at a
        rung, MBAR between rungs)."""
        return free_energy(*self._density_at(which, bins, b, n_boot))

    def barrier(self, which: str = "mz", b: float = 1.0, bins: int = 40, *, n_boot=None):
        """(dF, stderr): height in kT of F(0) above the two minima of the symmetric bimodal
        profile F(which) at b (`profiles.barrier`); ValueError when it is not bimodal.
        which: "mu1z" or "mz"."""
        self._check_which(which, ("mu1z", "mz"))
        F, se = self.free_energy(which, bins, b, n_boot=n_boot)
        edges = np.linspace(-1.0, 1.0, bins + 1)
        return barrier(0.5 * (edges[1:] + edges[:-1]), F, se)

    # --- the result as data ------------------------------------------------------------
    def to_datatree(self):
        """The whole result as an xarray DataTree whose dimension names are defined here
        (`dims.DIMENSIONS`, `RECORD_DIMS`), all levels and all batches, every count as
        recorded:

        - root: attributes method, model, seed, level (this result's level index) and
          settings_json, stats_json (`Settings` and the seed-determined `RunStats`);
          coordinate b over `level` (the ladder, b[0] = 1);
        - batches: the per-batch sums of every chain at every level, whose ratios to
          `counts` are the batch means behind `expect()` and `mcse()`: scalars (chain,
          level, batch, observable), sites (..., particle, column), zz (..., particle,
          particle_j), hists (..., histogram, bin: HIST_BINS fine bins of [-1, 1], of
          [0, 1] for abs_mu1), counts and accepted (chain, level, batch), and for replica
          pairs pair_scalars (pair, level, batch, pair_observable), pair_hists (pair,
          level, batch, bin);
        - posterior, sample_stats: this level's thinned draws (`idata`).
        """
        import xarray as xr  # not at the top: 0.7 s of CPU that `import mcdimer` must not pay

        rec = self.records
        b = (DIMS.level, np.asarray(self.ladder, dtype=float))
        coords = {
            "b": b,
            DIMS.observable: list(SCALARS),
            DIMS.column: list(SITE_COLUMNS),
            DIMS.histogram: list(HISTS),
            DIMS.pair_observable: list(PAIR_SCALARS),
            DIMS.particle: np.arange(1, self._size("sites", DIMS.particle) + 1),
        }
        batches = xr.Dataset(
            {
                name: (RECORD_DIMS[name], rec[name])
                for name in BATCHED
                if name in rec
                and (DIMS.pair not in RECORD_DIMS[name] or self.has_pairs)
                and (name != "zz" or self._size("zz", DIMS.particle_j) > 0)
            },
            coords=coords,
        )
        root = xr.Dataset(coords={"b": b})
        root.attrs = {
            "method": self.method,
            "model": repr(self._physical_model),
            "seed": str(self.settings.get("seed")),
            "level": self.level_index,
            "settings_json": json.dumps(self.settings.to_dict(), default=str),
            "stats_json": json.dumps(_jsonable(self.stats.deterministic()), default=str),
        }
        draws = self.idata
        return xr.DataTree.from_dict(
            {
                "/": root,
                "batches": batches,
                "posterior": draws["posterior"].to_dataset(),
                "sample_stats": draws["sample_stats"].to_dataset(),
            }
        )

    # --- diagnostics -------------------------------------------------------------------
    @property
    def idata(self):
        """Thinned draws as an arviz DataTree (groups posterior and sample_stats)."""
        return diagnostics.to_datatree(self)

    def summary(self, *, warn: bool = True):
        """Table (pandas DataFrame) of mean, MCSE (batch means), ESS and R-hat (arviz, draws).

        Warns when any R-hat > 1.01 or any ESS < 400.
        """
        return diagnostics.summary(self, warn=warn)

    def __repr__(self) -> str:
        level = f", level={self.level_index}" if self.level_index else ""
        return (
            f"SampleResult({self.method}, {self.model!r}, chains={self.settings['chains']}, "
            f"sweeps={self.settings['sweeps']}, acceptance={self.stats['acceptance']:.3f}{level})"
        )
