"""The result every sampler returns: accumulated observables, their errors, and draws.

Errors are batch means: each chain's production run is cut into batches (32 by
default) and the batch averages of every chain are treated as independent; the MCSE of
a mean is the weighted standard deviation of those batch means over sqrt(number of
batches). This is honest when a batch is much longer than the autocorrelation time;
`summary()` cross-checks with arviz's ESS and R-hat on the thinned draws. Derived
quantities (the Binder cumulant) get jackknife errors over the same batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import _checks
from .observables import DRAW_COLUMNS, HIST_BINS, HISTS, PARTICLE1, SCALARS, SITE_COLUMNS

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


# per-batch observable vector: the accumulated scalars, then particle 1's site sums
OBS = SCALARS + tuple(PARTICLE1)
O = {name: k for k, name in enumerate(OBS)}


def _binder(m):
    return 1.0 - m[O["mz4"]] / (3.0 * m[O["mz2"]] ** 2)


def _energy_var(m):
    return m[O["energy2"]] - m[O["energy"]] ** 2


# recorded per level: (chains, levels, ...); the others are kept at b = 1 only
PER_LEVEL = ("accepted", "scalars", "sites", "zz", "hists", "counts")


@dataclass
class SampleResult:
    """Observables of one sampling run, at the physical temperature (b = 1) and, for
    tempering, at every level of the ladder (`level(k)`).

    Attributes: `model`, `method`, `settings` (sweeps, burn, chains, seed, thin, moves,
    ...), `stats` (a `RunStats`: acceptance, step sizes, timings, tunnelling counts, ...),
    `ladder` (b, b[0] = 1, decreasing), and the raw records (see
    `mcdimer.sampling.observables`; `acc` is this level's view of them). Means and errors
    come from `expect()`, `mcse()`, `pdf_mu1z()`, `pdf_mz()`, `pdf_abs_mu1()`,
    `site_means()`, `zz()`; for tempering, at any b in [b_min, 1] by MBAR from
    `reweight(b)` and `reweight_pdf(b, which)`, and free-energy profiles from
    `free_energy(which, bins, b)` and `barrier(which, b)`.
    """

    model: object
    method: str
    settings: dict
    stats: object
    records: dict
    extra: dict = field(default_factory=dict)
    interrupted: bool = False
    ladder: np.ndarray = field(default_factory=lambda: np.ones(1))
    level_index: int = 0
    # reweight's TemperingMBAR, built on first use: its solves serve every later call
    _mbar: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def acc(self) -> dict:
        """The records of this result's level: per-level arrays lose their level axis."""
        k = self.level_index
        return {
            name: (value[:, k] if name in PER_LEVEL else value)
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
    def _batches(self, name):
        a = self.records[name][:, self.level_index]
        return a.reshape((-1,) + a.shape[2:])

    @property
    def _counts(self):
        return self._batches("counts")

    @property
    def production_sweeps(self) -> int:
        return int(self._counts.sum())

    # --- means -----------------------------------------------------------------------
    def _observable_sums(self):
        site1 = self._batches("sites")[:, 0, [SITE_COLUMNS.index(c) for c in PARTICLE1.values()]]
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
        return out, err

    def expect(self) -> dict[str, float]:
        """Thermal averages: the keys of `mcdimer.exact.expect` plus mz (= mean_i mu_i^z),
        abs_mz, mz2, mz4, abs_mu_mean (mean modulus <|mu_i|>), abs_m (<|sum_i mu_i|>/n),
        mode_overlap (projection on
        the mean-field critical modes, `sample(..., critical_modes=...)`; NaN when none were
        given), binder (1 - <mz^4>/(3<mz^2>^2)) and energy_var (Var beta E)."""
        return self._expect_and_se()[0]

    def mcse(self) -> dict[str, float]:
        """Monte Carlo standard errors of `expect()` (batch means; jackknife for derived)."""
        return self._expect_and_se()[1]

    def _pdf(self, which: str, bins: int):
        bins = _checks.integer("bins", bins, low=1)
        if HIST_BINS % bins:
            allowed = [b for b in range(1, HIST_BINS + 1) if HIST_BINS % b == 0]
            raise ValueError(
                f"bins must divide {HIST_BINS} (the accumulated fine bins): "
                f"one of {allowed}, got {bins}"
            )
        h = self._batches("hists")[:, HISTS.index(which)]
        h = h.reshape(h.shape[0], bins, HIST_BINS // bins).sum(axis=2)
        width = (1.0 if which == "abs_mu1" else 2.0) / bins
        mean, se = _ratio_mean_se(h / width, self._counts)
        return mean, se

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

    def _level_draws(self):
        """(ladder, landscape, W, r, obs) of the per-level draws MBAR needs (the filled
        draws only: an interrupted run stops early)."""
        if self.method != "tempering" or self.records["level_w"].shape[2] == 0:
            raise ValueError(
                "reweighting needs a run of method 'tempering' (per-level draws of every "
                f"ladder level), got method {self.method!r}"
            )
        produced = int(self.records["counts"][:, 0].sum(axis=1).min())
        draws = min(-(-produced // self.settings["thin"]), self.records["level_w"].shape[2])
        model = self._physical_model
        land = model.landscape if model.landscape is not None else list(model.landscapes)
        return (
            self.ladder,
            land,
            self.records["level_w"][:, :, :draws],
            self.records["level_moduli"][:, :, :draws],
            self.records["level_values"][:, :, :draws],
        )

    def _tempering_mbar(self, ladder, land, W, r, obs):
        """The run's `reweight.TemperingMBAR` (MBAR solved once, bootstrap replicates
        solved on first use), kept for every later reweighting call. One block length,
        from every level's u_k and every per-draw observable, serves all estimates."""
        from .reweight import ENERGY_NAMES, TemperingMBAR

        if self._mbar is None:
            plain = [j for j, name in enumerate(DRAW_COLUMNS) if name not in ENERGY_NAMES]
            self._mbar = TemperingMBAR(ladder, land, W, r, columns=obs[..., plain])
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

        ladder, land, W, r, obs = self._level_draws()
        b = self._check_b(b)
        mbar = self._tempering_mbar(ladder, land, W, r, obs)
        est, se = reweight_expectations(
            ladder, land, W, r, obs, DRAW_COLUMNS, b, n_boot=n_boot or N_BOOT, seed=seed, mbar=mbar
        )
        fill = np.nan if np.ndim(b) == 0 else np.full(np.shape(b), np.nan)
        pick = float if np.ndim(b) == 0 else np.asarray
        return (
            {k: pick(est.get(k, fill)) for k in EXPECT_KEYS},
            {k: pick(se.get(k, fill)) for k in EXPECT_KEYS},
        )

    def reweight_pdf(self, b: float, which: str = "mz", bins: int = 40, *, n_boot=None, seed=0):
        """(density, stderr) of `which` ("mu1z", "mz" on [-1, 1]; "abs_mu1" on [0, 1]) at
        inverse temperature b in [b_min, 1] by MBAR (`reweight.reweight_density`); for a
        1-D array b, arrays (len(b), bins). MBAR solves are kept as in `reweight`."""
        from .reweight import N_BOOT, reweight_density

        self._check_which(which)
        ladder, land, W, r, obs = self._level_draws()
        b = self._check_b(b)
        bins = _checks.integer("bins", bins, low=1, high=HIST_BINS)
        return reweight_density(
            ladder,
            land,
            W,
            r,
            obs,
            DRAW_COLUMNS,
            which,
            bins,
            b,
            n_boot=n_boot or N_BOOT,
            seed=seed,
            mbar=self._tempering_mbar(ladder, land, W, r, obs),
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
        from .profiles import free_energy

        return free_energy(*self._density_at(which, bins, b, n_boot))

    def barrier(self, which: str = "mz", b: float = 1.0, bins: int = 40, *, n_boot=None):
        """(dF, stderr): height in kT of F(0) above the two minima of the symmetric bimodal
        profile F(which) at b (`profiles.barrier`); ValueError when it is not bimodal.
        which: "mu1z" or "mz"."""
        from .profiles import barrier

        self._check_which(which, ("mu1z", "mz"))
        F, se = self.free_energy(which, bins, b, n_boot=n_boot)
        edges = np.linspace(-1.0, 1.0, bins + 1)
        return barrier(0.5 * (edges[1:] + edges[:-1]), F, se)

    # --- diagnostics -------------------------------------------------------------------
    @property
    def idata(self):
        """Thinned draws as an arviz DataTree (groups posterior and sample_stats)."""
        from .diagnostics import to_datatree

        return to_datatree(self)

    def summary(self, *, warn: bool = True):
        """Table (pandas DataFrame) of mean, MCSE (batch means), ESS and R-hat (arviz, draws).

        Warns when any R-hat > 1.01 or any ESS < 400.
        """
        from .diagnostics import summary

        return summary(self, warn=warn)

    def __repr__(self) -> str:
        level = f", level={self.level_index}" if self.level_index else ""
        return (
            f"SampleResult({self.method}, {self.model!r}, chains={self.settings['chains']}, "
            f"sweeps={self.settings['sweeps']}, acceptance={self.stats['acceptance']:.3f}{level})"
        )
