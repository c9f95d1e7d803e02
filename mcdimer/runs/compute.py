"""What is computed at one point of a spec, as an xarray DataTree (the point's file).

Root dataset (kinds sample / exact / compare), every array with named dimensions (each
name one of `mcdimer.sampling.dims.DIMENSIONS`, which says what runs along it):
- sample: `mean`, `mcse` (observable), `pdf_mu1z`, `pdf_mu1z_se` (z), `pdf_mz`,
  `pdf_mz_se` (m), `pdf_abs_mu1`, `pdf_abs_mu1_se` (r), `site_mean`, `site_mcse`
  (particle, column), `ess_bulk`, `r_hat`, `batch_r1` (summary_observable), acceptance and tempering
  counters; groups /posterior and /sample_stats hold the thinned draws (arviz layout).
  Tempering also stores every ladder level k (dimension `level`, b = 1 first): `level_b`
  (level) the inverse-temperature factor b_k, `level_mean`, `level_mcse` (level,
  observable), `level_pdf_mz`, `level_pdf_mz_se` (level, m). b_k is a variable, not an
  index, because ladders differ between the points of a sweep (merged: NaN past a
  point's last level). With `[output] reweight = N`, MBAR curves at N values of b
  (dimension `reweight`, geometric from 1 to b_min): `reweight_b`, `reweight_mean`,
  `reweight_se` (reweight, observable), `reweight_pdf_mz`, `reweight_pdf_mz_se` (reweight, m).
  Order (docs/physics.md, "Order observables"): `observable` also holds ORDER_KEYS (m2, m4,
  ms2, ms4, nematic, q2, q4); `order`, `order_se` (order_quantity: g_m, g_ms, g_q Binder
  cumulants, xi_m, xi_q correlation lengths over the box edge; NaN where not recorded) at
  b = 1 and `level_order`, `level_order_se` (level, order_quantity) on a ladder; with
  `[method] pairs = true` the overlap histogram `pdf_q`, `pdf_q_se` (q) and
  `level_pdf_q`, `level_pdf_q_se` (level, q). Equilibration, shown not assumed:
  `equilibration_z` ([level,] check) the z-scores of `SampleResult.equilibration` (last
  half vs the quarter before; hot vs ordered start with `[method] start = "both"`),
  `equilibrated` (no check failed at any level) and the attribute
  `equilibration_flags_json` (the failures, in words; with `stat_round_trips`).
- exact: `exact_mean` (exact_observable), `exact_pdf_mu1z` (z), Eq. (B8).
- mean field: `meanfield_mz` (mean of mu_i^z) and `meanfield_mu` (particle), the T = 0
  mean-field state (`meanfield_ground_state`); `meanfield_t_mz`, `meanfield_t_mu` the
  finite-temperature mean field (`meanfield_finite_t`).
- assembly (specs with [geometry]): `positions` (particle, xyz), `scale`, `stiffness`
  (particle) of the point's realisation, `box` (xyz) the edges of a periodic one, and its
  mean-field instability (Eq. (C1) generalised): `meanfield_critical_coupling` (K_c),
  `meanfield_critical_ratio` (K_c/C, C of the reference particle), `meanfield_critical_mode`
  (particle, xyz); every site of the realisation, sampled or not (dimension `site`):
  `site_radius` (R_i/a), `site_chi` (microscopic chi_i/|chi_L|, NaN otherwise),
  `site_paramagnetic`, the count `paramagnetic` and `particle_site` (particle), the site of
  each sampled particle. A microscopic realisation with no paramagnetic particle stores only
  the sites (`realisations.realisation_at`).
Kinds meanfield / micro: one group per [[calls]] entry holding the function's Dataset.
Wall-clock timings go to attributes, never data: the data are bit-identical between runs.
"""

from __future__ import annotations

import importlib
import json
import sys

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .. import exact
from ..sampling import sample
from ..sampling.dims import DIMS
from ..sampling.result import EXPECT_KEYS, ORDER_KEYS
from .points import Point, model_at, model_parameters, realisation_of
from .spec import Spec, call_params

# run statistics stored as data variables `stat_<name>` (they depend on the seed only);
# wall-clock figures go to the `timings_json` attribute (`RunStats.TIMING_KEYS`)
STORED_STATS = (
    "acceptance",
    "swap_acceptance",
    "round_trips",
    "tunnelling_events",
    "ladder",
    "Lambda",
    "max_energy_drift",
)


OBSERVABLES = EXPECT_KEYS + ORDER_KEYS  # the `observable` coordinate of a point's means
REWEIGHT_BOOT = 40  # bootstrap replicates of the stored MBAR curves (SE good to ~11 %)


def bin_centres(lo: float, hi: float, bins: int) -> np.ndarray:
    edges = np.linspace(lo, hi, bins + 1)
    return 0.5 * (edges[1:] + edges[:-1])


def _coords(bins: int) -> dict:
    return {
        DIMS.z: (DIMS.z, bin_centres(-1, 1, bins), {"long_name": "mu_1^z (bin centre)"}),
        DIMS.m: (
            DIMS.m,
            bin_centres(-1, 1, bins),
            {"long_name": "m^z = mean_i mu_i^z (bin centre)"},
        ),
        DIMS.r: (DIMS.r, bin_centres(0, 1, bins), {"long_name": "|mu_1| (bin centre)"}),
    }


def meanfield_ground_state(model) -> np.ndarray:
    """T = 0 mean field: z moments (n,) of the lowest stationary state of Eqs. (2)-(3).

    `mcdimer.meanfield.solve(model)[0]` (lowest beta E), reported in the +z of the two
    degenerate aligned states. For the App.-B dimer: |mu| = 1 aligned above K/C = 1, 0 below;
    for chains the threshold is `mcdimer.meanfield.chain_critical_ratio(n)` (Eq. (C1)).
    """
    # not at the top: meanfield costs 0.28 s that `mcdimer run` on a finished spec does not need
    from ..meanfield import solve

    z = solve(model)[0].mu[:, 2]
    return -z if z.sum() < 0 else z


def meanfield_finite_t(model) -> np.ndarray:
    """Finite-T mean field <mu_i^z> (n,), `mcdimer.meanfield.finite_t_solve` from +z; NaN
    where it does not converge."""
    from ..meanfield import finite_t_solve  # not at the top: as meanfield_ground_state

    try:
        z = finite_t_solve(model)[:, 2]
    except RuntimeError:
        return np.full(model.n, np.nan)
    return -z if z.sum() < 0 else z


def _meanfield(model) -> xr.Dataset:
    z, zt = meanfield_ground_state(model), meanfield_finite_t(model)
    return xr.Dataset(
        {
            "meanfield_mu": ((DIMS.particle,), z, {"long_name": "T = 0 mean-field mu_i^z"}),
            "meanfield_mz": ((), float(z.mean()), {"long_name": "T = 0 mean-field m^z"}),
            "meanfield_t_mu": ((DIMS.particle,), zt, {"long_name": "finite-T mean-field <mu_i^z>"}),
            "meanfield_t_mz": ((), float(zt.mean()), {"long_name": "finite-T mean-field m^z"}),
        },
        coords={DIMS.particle: np.arange(1, model.n + 1)},
    )


def _assembly(model, C: float) -> xr.Dataset:
    """The realisation (positions, scale s_i, C_i) and its mean-field instability."""
    from ..meanfield import critical  # not at the top: as meanfield_ground_state

    stiffness = critical.curvatures(model)
    data = {
        "positions": ((DIMS.particle, DIMS.xyz), np.asarray(model.positions), {"units": "d"}),
        "scale": ((DIMS.particle,), np.asarray(model.scale), {"long_name": "s_i = M0,i/M0"}),
        "stiffness": ((DIMS.particle,), stiffness, {"long_name": "C_i = f_i''(0)/2"}),
    }
    if model.box is not None:
        data["box"] = (
            (DIMS.xyz,),
            np.asarray(model.box),
            {"units": "d", "long_name": "periodic box edges (Ewald sum, conducting boundary)"},
        )
    if model.n >= 2:
        kc = critical.critical_coupling(model)
        data["meanfield_critical_coupling"] = ((), kc, {"long_name": "K_c, Eq. (C1')"})
        data["meanfield_critical_ratio"] = ((), kc / C, {"long_name": "K_c/C, Eq. (C1')"})
        if model.n <= critical.DENSE_MAX:
            mode = critical.critical_mode(model)
            data["meanfield_critical_mode"] = ((DIMS.particle, DIMS.xyz), mode)
    coords = {DIMS.particle: np.arange(1, model.n + 1), DIMS.xyz: ["x", "y", "z"]}
    return xr.Dataset(data, coords=coords)


def _sites(real) -> xr.Dataset:
    """Every site of a realisation and which of them are in the sampled assembly."""
    para = np.asarray(real.paramagnetic, dtype=bool)
    sites = np.arange(1, para.size + 1)
    data = {
        "site_radius": ((DIMS.site,), real.radii, {"long_name": "R_i/a"}),
        "site_chi": ((DIMS.site,), real.chi, {"long_name": "chi_i/|chi_L| at H = 0"}),
        "site_paramagnetic": ((DIMS.site,), para, {"long_name": "in the sampled assembly"}),
        "paramagnetic": ((), int(para.sum()), {"long_name": "number of sampled particles"}),
    }
    coords = {DIMS.site: sites}
    if para.any():
        # float: merged with realisations of fewer particles, the padding is NaN
        data["particle_site"] = ((DIMS.particle,), sites[para].astype(float))
        coords[DIMS.particle] = np.arange(1, int(para.sum()) + 1)
    return xr.Dataset(data, coords=coords)


def _exact(model, bins: int) -> xr.Dataset:
    means = exact.expect(model)
    return xr.Dataset(
        {
            "exact_mean": ((DIMS.exact_observable,), np.array(list(means.values()))),
            "exact_pdf_mu1z": ((DIMS.z,), exact.pdf_mu1z(model, bins), {"long_name": "P(mu_1^z)"}),
        },
        coords={DIMS.exact_observable: list(means), DIMS.z: _coords(bins)[DIMS.z]},
    )


def _progress_bar(total: int, position: int, label: str):
    bar = tqdm(
        total=total,
        position=position,
        leave=False,
        desc=label,
        unit="sweep",
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    )

    def callback(done, total_):
        bar.total = total_
        bar.n = done
        bar.refresh()

    return bar, callback


ORDER_QUANTITIES = ("g_m", "g_ms", "g_q", "xi_m", "xi_q")
EQUILIBRATION_CHECKS = tuple(
    f"{kind}_{name}" for kind in ("drift", "start") for name in ("energy", "m2", "q2")
)


def order_quantities(res) -> tuple[np.ndarray, np.ndarray]:
    """(values, stderrs) of ORDER_QUANTITIES at one level: the Binder cumulants g_m, g_ms,
    g_q and the correlation lengths xi_m/L, xi_q/L (docs/physics.md, "Order observables");
    NaN where not recorded (g_q, xi_q without pairs; xi on an open assembly)."""
    periodic = getattr(res.model, "box", None) is not None
    out = []
    for name in ORDER_QUANTITIES:
        kind, which = name.split("_")
        if which == "q" and not res.has_pairs or kind == "xi" and not periodic:
            out.append((np.nan, np.nan))
        elif kind == "g":
            out.append(res.binder(which))
        else:
            out.append(res.correlation_length(which))
    values, errors = np.array(out).T
    return values, errors


def equilibration_z(res) -> tuple[np.ndarray, tuple]:
    """(z per EQUILIBRATION_CHECKS, flags) of `res.equilibration()` at one level; NaN where
    a check does not apply (no pairs, start other than "both")."""
    eq = res.equilibration()
    z = [getattr(eq, kind).get(name, np.nan) for kind, name in
         (c.split("_", 1) for c in EQUILIBRATION_CHECKS)]  # fmt: skip
    return np.array(z, dtype=float), eq.flags


def _order(res, bins: int, levels: list) -> tuple[dict, dict, dict]:
    """The order observables of a point: Binder cumulants and correlation lengths (b = 1
    and, tempering, every level), P(q) with pairs, equilibration z-scores; (data, coords,
    attrs). A level whose checks fail is listed in the `equilibration_flags_json` attribute
    and `equilibrated` is False (`mcdimer show` says so)."""
    data, coords = {}, {DIMS.order_quantity: list(ORDER_QUANTITIES)}
    values, errors = order_quantities(res)
    data["order"] = ((DIMS.order_quantity,), values, {"long_name": "Binder cumulants, xi/L"})
    data["order_se"] = ((DIMS.order_quantity,), errors)
    coords[DIMS.check] = list(EQUILIBRATION_CHECKS)
    flags = []
    rows = []
    for k, lv in enumerate(levels):
        z, f = equilibration_z(lv)
        rows.append(z)
        for x in f:  # the round trips are the ladder's, not a level's: said once
            line = x if "round trips" in x else f"level {k} (b = {res.ladder[k]:.4g}): {x}"
            if line not in flags:
                flags.append(line)
    data["equilibration_z"] = (
        (DIMS.level, DIMS.check) if len(levels) > 1 else (DIMS.check,),
        np.array(rows) if len(levels) > 1 else rows[0],
        {"long_name": "z of the last half vs the quarter before (drift_*), hot vs ordered "
         "start (start_*)"},
    )  # fmt: skip
    data["equilibrated"] = ((), not flags, {"long_name": "no equilibration check failed"})
    if res.has_pairs:
        coords[DIMS.q] = (DIMS.q, bin_centres(-1, 1, bins), {"long_name": "overlap q (bin centre)"})
        dens, err = res.pdf_q(bins)
        data["pdf_q"], data["pdf_q_se"] = ((DIMS.q,), dens), ((DIMS.q,), err)
    if len(levels) > 1:
        per_level = [order_quantities(lv) for lv in levels]
        data["level_order"] = (
            (DIMS.level, DIMS.order_quantity),
            np.array([v for v, _ in per_level]),
        )
        data["level_order_se"] = (
            (DIMS.level, DIMS.order_quantity),
            np.array([e for _, e in per_level]),
        )
        if res.has_pairs:
            pdfs = [lv.pdf_q(bins) for lv in levels]
            data["level_pdf_q"] = ((DIMS.level, DIMS.q), np.array([p[0] for p in pdfs]))
            data["level_pdf_q_se"] = ((DIMS.level, DIMS.q), np.array([p[1] for p in pdfs]))
    return data, coords, {"equilibration_flags_json": json.dumps(flags)}


def _run(spec: Spec, point: Point, model, position: int | None):
    """`mcdimer.sample` at the point's seed (a progress bar at `position` when given);
    KeyboardInterrupt when the run was interrupted."""
    m = spec.method
    bar, callback = (None, None)
    if position is not None:
        bar, callback = _progress_bar(1, position, f"point {point.index}")
    try:
        res = sample(model, m.name, seed=point.seed, progress=callback, **m.sample_kwargs())
    finally:
        if bar is not None:
            bar.close()
    if res.interrupted:
        raise KeyboardInterrupt
    return res


def _means(res, bins: int) -> dict:
    """mean, mcse (observable) and the densities with their errors at b = 1."""
    mean, se = res.expect(), res.mcse()
    data = {
        "mean": ((DIMS.observable,), np.array([mean[k] for k in OBSERVABLES])),
        "mcse": ((DIMS.observable,), np.array([se[k] for k in OBSERVABLES])),
    }
    for name, dim in (("mu1z", DIMS.z), ("mz", DIMS.m), ("abs_mu1", DIMS.r)):
        dens, err = getattr(res, f"pdf_{name}")(bins)
        data[f"pdf_{name}"] = ((dim,), dens)
        data[f"pdf_{name}_se"] = ((dim,), err)
    return data


def _ladder_levels(res, levels: list, bins: int) -> dict:
    """level_mean, level_mcse (level, observable), level_pdf_mz(_se) (level, m), level_b."""
    data = {}
    for name, func in (("level_mean", "expect"), ("level_mcse", "mcse")):
        rows = [getattr(lv, func)() for lv in levels]
        data[name] = (
            (DIMS.level, DIMS.observable),
            np.array([[r[k] for k in OBSERVABLES] for r in rows]),
        )
    pdfs = [lv.pdf_mz(bins) for lv in levels]
    data["level_pdf_mz"] = ((DIMS.level, DIMS.m), np.array([p[0] for p in pdfs]))
    data["level_pdf_mz_se"] = ((DIMS.level, DIMS.m), np.array([p[1] for p in pdfs]))
    data["level_b"] = (
        (DIMS.level,),
        res.ladder.copy(),
        {"long_name": "inverse-temperature factor b_k = T/T_k of level k"},
    )
    return data


def _reweighted(res, count: int, bins: int) -> dict:
    """MBAR means, errors and P(m^z) at `count` values of b, geometric from 1 to b_min."""
    rb = np.geomspace(1.0, res.ladder[-1], count)
    rb[-1] = res.ladder[-1]
    mean_b, se_b = res.reweight(rb, n_boot=REWEIGHT_BOOT)
    dens, dens_se = res.reweight_pdf(rb, "mz", bins, n_boot=REWEIGHT_BOOT)
    return {
        "reweight_b": ((DIMS.reweight,), rb, {"long_name": "b of the MBAR estimates"}),
        "reweight_mean": (
            (DIMS.reweight, DIMS.observable),
            np.array([mean_b[k] for k in OBSERVABLES]).T,
        ),
        "reweight_se": (
            (DIMS.reweight, DIMS.observable),
            np.array([se_b[k] for k in OBSERVABLES]).T,
        ),
        "reweight_pdf_mz": ((DIMS.reweight, DIMS.m), dens),
        "reweight_pdf_mz_se": ((DIMS.reweight, DIMS.m), dens_se),
    }


def _run_stats(res) -> tuple[dict, dict]:
    """(data, coords): STORED_STATS as `stat_<name>`, a list one indexed by `<name>_index`
    so that points with different ladders merge (NaN-padded)."""
    data, coords = {}, {}
    for key in STORED_STATS:
        value = res.stats.get(key)
        if value is None:
            continue
        value = np.asarray(value, dtype=float)
        dims = {0: (), 1: (f"{key}_index",)}.get(value.ndim)
        if dims is not None:
            data[f"stat_{key}"] = (dims, value)
            if dims:
                coords[dims[0]] = np.arange(value.size)
    return data, coords


def _draw_groups(res, draws: int) -> dict:
    """The /posterior and /sample_stats groups: about `draws` thinned draws per chain."""
    groups = {}
    dt = res.idata
    for group in ("posterior", "sample_stats"):
        g = dt[group].to_dataset()
        step = max(1, -(-g.sizes[DIMS.draw] // draws))
        g = g.isel({DIMS.draw: slice(None, None, step)})
        g.attrs = {
            k: (json.dumps(v) if not isinstance(v, str | int | float) else v)
            for k, v in g.attrs.items()
            if k != "created_at"
        }
        groups[group] = g
    return groups


def _sample(spec: Spec, point: Point, model, position: int | None):
    """(root Dataset, draw groups) of a sample point (module docstring)."""
    res = _run(spec, point, model, position)
    bins, ladder = spec.output.bins, res.ladder.size > 1
    levels = [res.level(k) for k in range(res.ladder.size)] if ladder else [res]
    data = _means(res, bins)
    if ladder:
        data.update(_ladder_levels(res, levels, bins))
    if ladder and spec.output.reweight:
        data.update(_reweighted(res, spec.output.reweight, bins))
    site, site_se = res.site_means()
    data["site_mean"] = ((DIMS.particle, DIMS.column), np.stack(list(site.values()), axis=1))
    data["site_mcse"] = ((DIMS.particle, DIMS.column), np.stack(list(site_se.values()), axis=1))
    table = res.summary(warn=False)
    for name in ("ess_bulk", "r_hat", "batch_r1"):
        data[name] = ((DIMS.summary_observable,), table[name].to_numpy())
    stats, index_coords = _run_stats(res)
    data.update(stats)
    order_data, order_coords, order_attrs = _order(res, bins, levels)
    data.update(order_data)
    coords = {
        **order_coords,
        DIMS.observable: list(OBSERVABLES),
        DIMS.summary_observable: list(table.index),
        DIMS.particle: np.arange(1, model.n + 1),
        DIMS.column: list(site),
        **_coords(bins),
        **index_coords,
    }
    if ladder:
        coords[DIMS.level] = np.arange(res.ladder.size)
    if "reweight_b" in data:
        coords[DIMS.reweight] = np.arange(spec.output.reweight)
    ds = xr.Dataset(data, coords=coords)
    ds.attrs["timings_json"] = json.dumps(res.stats.timings())
    ds.attrs["moves_json"] = json.dumps(res.stats.moves)
    ds.attrs["sample_settings_json"] = json.dumps(res.settings, default=str)
    ds.attrs.update(order_attrs)
    return ds, (_draw_groups(res, spec.output.draws) if spec.output.draws else {})


def _calls(spec: Spec) -> dict[str, xr.Dataset]:
    module_name = f"mcdimer.{spec.kind}"
    module = importlib.import_module(module_name)
    out = {}
    for call in spec.calls:
        func = getattr(module, call.function, None)
        if func is None:
            raise ValueError(
                f"{module_name}.{call.function} does not exist (yet): calls[{call.name}] "
                "cannot be computed with this version of mcdimer"
            )
        try:
            ds = func(**call_params(call))
        except ValueError as err:  # the function checks its arguments before computing
            raise ValueError(f"calls[{call.name}]: {err}") from None
        if isinstance(ds, xr.DataTree):
            ds = ds.to_dataset()
        if not isinstance(ds, xr.Dataset):
            raise ValueError(f"{module_name}.{call.function} did not return an xarray Dataset")
        out[call.name] = ds
    return out


def check_available(spec: Spec) -> None:
    """ValueError before any work if a data function named by the spec is missing."""
    if spec.kind not in ("meanfield", "micro"):
        return
    module = importlib.import_module(f"mcdimer.{spec.kind}")
    missing = [c.function for c in spec.calls if not hasattr(module, c.function)]
    if missing:
        raise ValueError(
            f"mcdimer.{spec.kind} has no {', '.join(missing)} yet: this spec cannot run "
            "until that function lands"
        )


def compute_point(spec: Spec, point: Point, position: int | None = None) -> xr.DataTree:
    """The DataTree of one point (no metadata: the store adds spec, version, seed)."""
    if spec.kind in ("meanfield", "micro"):
        return xr.DataTree.from_dict({"/": xr.Dataset(), **_calls(spec)})
    parts, groups = [], {}
    if spec.geometry is not None:
        real = realisation_of(spec, point)
        model = real.assembly
        parts.append(_sites(real))
    else:
        model = model_at(spec, point)
    if model is not None:
        if spec.kind in ("sample", "compare"):
            ds, groups = _sample(spec, point, model, position)
            parts.append(ds)
        if spec.kind in ("exact", "compare"):
            parts.append(_exact(model, spec.output.bins))
        if spec.kind == "compare" or spec.output.meanfield:
            parts.append(_meanfield(model))
        if spec.geometry is not None:
            parts.append(_assembly(model, model_parameters(spec, point)["C"]))
    root = xr.merge(parts, combine_attrs="override", compat="equals", join="exact")
    root.attrs = {k: v for p in parts for k, v in p.attrs.items()}
    root.attrs["model"] = repr(model) if model is not None else "no paramagnetic particle"
    return xr.DataTree.from_dict({"/": root, **groups})
