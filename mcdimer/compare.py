"""Mean field against the exact thermal dimer (App. B model; docs/physics.md, "The exact dimer").

For the quadratic dimer (Eq. (B1)) at h = 0, over K/C at several C, side by side:
T = 0 mean field (`meanfield.solve`), finite-T mean field (`meanfield.finite_t_order_parameter`),
and from the exact distribution of Eq. (B8) (`mcdimer.exact`): the peak position of
P(mu_1^z), <|mu_1^z|>, <(mu_1^z)^2>; and the K/C where P(mu_1^z) turns bimodal
(P''(0) = 0 pointwise, `bimodal_onset`) next to the mean-field onsets.

Hook for the samplers: `add_sampled(ds, name, mean, error)` attaches sampled values with
their errors on the same (C, ratio) grid.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import optimize

from . import exact, meanfield
from ._quadrature import composite, graded_edges
from .landscapes import Saturating
from .model import Chain, Dimer
from .sampling import sample
from .single import modulus_rule, stats_on_rule

C_VALUES = (5.0, 10.0, 20.0, 50.0, 200.0)
_BINS = 200  # even: bins _BINS/2 - 1 and _BINS/2 straddle mu_1^z = 0


def _pdf(C, ratio):
    return exact.pdf_mu1z(Dimer(K=ratio * C, C=C), _BINS)


def curvature_at_zero(model, panels: int = 64, modulus_panels: int = 32) -> tuple[float, float]:
    """Sign-faithful P''(0) of the exact marginal P(mu_1^z) of a dimer at h = 0, and its scale.

    Pointwise, from Eq. (B8) with particle 2 integrated out (Z1 of `mcdimer.single`): at
    h = 0 the field on particle 2 is K (-x_1, -y_1, 2 z_1), of magnitude K sqrt(rho^2 + 4 z^2),
    so P(z) ~ int_0^sqrt(1-z^2) rho exp(-f(sqrt(z^2+rho^2))) Z1(K sqrt(rho^2+4z^2)) drho.
    Differentiating twice at z = 0 (the moving upper limit gives the edge term):

        P''(0) ~ int_0^1 e^{-f(rho)} Z1(K rho) [4K <mu_par>(K rho) - f'(rho)] drho
                 - e^{-f(1)} Z1(K),

    which is < 0 for a single peak at 0 and > 0 for a dip (two peaks, Fig. 8). In the
    Gaussian limit the bracket is (2K^2/C - 2C) rho: zero at K = C. Returned scaled by the
    largest weight, with the scale of its largest terms (4K<mu_par>, f' separately), for
    the round-off estimate. Composite Gauss-Legendre in rho (graded toward rho = 1).
    """

    K, land = float(model.K), model.landscape
    if model.n != 2 or np.any(np.asarray(model.h) != 0.0):
        raise ValueError("curvature_at_zero is for the dimer (n = 2) at h = 0")
    rho, w = composite(graded_edges(0.0, 1.0, panels))
    mu, logw = modulus_rule(land, modulus_panels)
    st = stats_on_rule(np.abs(K) * np.append(rho, 1.0), mu, logw)
    L = -land.energy(np.append(rho, 1.0)) + st[:, 0]
    top = L.max()
    weight = w * np.exp(L[:-1] - top)
    pull, push = 4.0 * abs(K) * st[:-1, 1], land.slope(rho)
    edge = np.exp(L[-1] - top)
    value = float(weight @ (pull - push) - edge)
    scale = float(weight @ (np.abs(pull) + np.abs(push)) + edge)
    return value, scale


def _curvature(C, ratio, **kw) -> tuple[float, float]:
    return curvature_at_zero(Dimer(K=ratio * C, C=C), **kw)


def bimodal_onset(C, lo=0.5, hi=3.0, *, with_error: bool = False):
    """K/C where the exact P(mu_1^z) of the quadratic dimer turns bimodal: P''(0) = 0 pointwise.

    Root of `curvature_at_zero` in K/C (Eq. (B8), App. B units), rounded to the digits it
    supports: the error is the change under doubled quadrature (rho and |mu_2| panels) plus
    the round-off of its largest terms (4 eps times their scale), divided by the slope.
    C = 5: 1.0507803135; C = 10: 1.00157877; C >= 50: 1 within ~1e-14 (a binned dip on
    200 bins had given 0.99998 at C = 50, a shift that does not exist).
    with_error: return (onset, error) instead.
    """
    C = float(C)
    root = optimize.brentq(lambda r: _curvature(C, r)[0], lo, hi, xtol=1e-15, rtol=8.9e-16)
    value, scale = _curvature(C, root)
    finer, _ = _curvature(C, root, panels=128, modulus_panels=64)
    step = 1e-6 * root
    slope = (_curvature(C, root + step)[0] - _curvature(C, root - step)[0]) / (2 * step)
    error = (abs(finer - value) + 4.0 * np.finfo(float).eps * scale) / abs(slope)
    error = max(error, 2.0 * np.finfo(float).eps * root)
    onset = round(root, int(-np.ceil(np.log10(error))))
    return (onset, float(error)) if with_error else onset


def dimer_table(ratios=None, C_values=C_VALUES, onsets: bool = True) -> xr.Dataset:
    """Dataset over (C, ratio = K/C) comparing mean field with the exact dimer (App. B units)."""
    ratios = np.linspace(0.5, 2.0, 16) if ratios is None else np.asarray(ratios, dtype=float)
    C_values = np.asarray(C_values, dtype=float)
    shape = (C_values.size, ratios.size)
    names = ("mf_t0", "mf_finite_t", "peak", "abs_mu1z", "mu1z2")
    out = {k: np.empty(shape) for k in names}
    centres = 0.5 * (exact.bin_edges(_BINS)[1:] + exact.bin_edges(_BINS)[:-1])
    for i, C in enumerate(C_values):
        out["mf_finite_t"][i] = meanfield.finite_t_order_parameter(ratios, C)
        for j, r in enumerate(ratios):
            model = Dimer(K=r * C, C=C)
            out["mf_t0"][i, j] = abs(meanfield.solve(model, random_starts=0)[0].mu[0, 2])
            values = exact.expect(model)
            out["abs_mu1z"][i, j] = values["abs_mu1z"]
            out["mu1z2"][i, j] = values["mu1z2"]
            out["peak"][i, j] = abs(centres[np.argmax(_pdf(C, r))])
    dims = ("C", "ratio")
    ds = xr.Dataset(
        {k: (dims, v) for k, v in out.items()},
        coords={"C": C_values, "ratio": ratios},
        attrs={"source": "App. B: Eq. (B8) exact vs mean field", "bins": _BINS},
    )
    ds["onset_mf_t0"] = ("C", np.ones(C_values.size))
    ds["onset_mf_finite_t"] = ("C", [meanfield.finite_t_onset(C) for C in C_values])
    if onsets:
        found = [bimodal_onset(C, with_error=True) for C in C_values]
        ds["onset_bimodal"] = ("C", [v for v, _ in found], {"long_name": "P''(0) = 0"})
        ds["onset_bimodal_err"] = ("C", [e for _, e in found])
    return ds


def add_sampled(ds: xr.Dataset, name: str, mean, error) -> xr.Dataset:
    """Attach sampled values (and their standard errors) on ds's (C, ratio) grid: the hook for
    the samplers' cross-check against the exact and mean-field columns."""
    mean, error = np.asarray(mean, dtype=float), np.asarray(error, dtype=float)
    shape = (ds.sizes["C"], ds.sizes["ratio"])
    if mean.shape != shape or error.shape != shape:
        raise ValueError(f"mean and error must have shape {shape} (C, ratio)")
    return ds.assign(
        {f"sampled_{name}": (("C", "ratio"), mean), f"sampled_{name}_se": (("C", "ratio"), error)}
    )


# ------------------------------------------------------------------ samplers ---

SAMPLING = {"method": "tempering", "sweeps": 20_000, "burn": 4_000, "chains": 4}


def sampled_dimer_table(ds: xr.Dataset, *, seed: int = 0, **sampling) -> xr.Dataset:
    """Add sampled <|mu_1^z|> and <(mu_1^z)^2> (with MCSE) to a `dimer_table` Dataset.

    Each (C, K/C) point is sampled independently (default: parallel tempering, which
    also crosses between the two ordered states above threshold) with seed
    seed + point index, so the table is reproducible point by point.
    """

    opts = dict(SAMPLING, **sampling)
    method = opts.pop("method")
    shape = (ds.sizes["C"], ds.sizes["ratio"])
    vals = {k: np.empty(shape) for k in ("abs_mu1z", "abs_mu1z_se", "mu1z2", "mu1z2_se")}
    for i, C in enumerate(ds.C.values):
        for j, r in enumerate(ds.ratio.values):
            res = sample(
                Dimer(K=float(r * C), C=float(C)), method, seed=seed + i * shape[1] + j, **opts
            )
            mean, se = res.expect(), res.mcse()
            for key in ("abs_mu1z", "mu1z2"):
                vals[key][i, j], vals[f"{key}_se"][i, j] = mean[key], se[key]
    ds = add_sampled(ds, "abs_mu1z", vals["abs_mu1z"], vals["abs_mu1z_se"])
    return add_sampled(ds, "mu1z2", vals["mu1z2"], vals["mu1z2_se"])


def _dip(density, error):
    """(depth, error) of the dip of a symmetric density at 0: mean of the two central bins
    minus the maximum of the symmetrised density; < 0 means two peaks."""
    sym = 0.5 * (density + density[::-1])
    sym_se = 0.5 * np.hypot(error, error[::-1])
    c = density.size // 2
    centre = 0.5 * (sym[c - 1] + sym[c])
    peak = int(np.argmax(sym))
    return centre - sym[peak], float(np.hypot(sym_se[c], sym_se[peak]))


def chain_onsets(
    ns=(2, 4, 8, 16, 32), C: float = 50.0, ratios=None, *, bins: int = 40, seed: int = 0, **sampling
) -> xr.Dataset:
    """Thermal onset of order in chains vs the mean-field onset of Eq. (C1) (Fig. 9 thermal).

    For each n, K/C is scanned (default: 0.9 to 1.2 times chain_critical_ratio(n)) and
    P(m^z) of the total m^z = mean_i mu_i^z is sampled with parallel tempering at h = 0.
    The thermal onset is the first K/C where the density at m^z = 0 lies below the peak
    of the (symmetrised) density by more than 3 standard errors; the mean-field onsets
    are chain_critical_ratio(n) (T = 0, Eq. (C1)) and `meanfield.finite_t_onset(C, n)`.
    Variables (n, ratio_index): ratio (K/C), dip and dip_se (central density minus peak),
    binder, abs_mz (and _se); per n: onset_thermal, onset_mf_t0, onset_mf_finite_t.
    """

    opts = dict(SAMPLING, **sampling)
    method = opts.pop("method")
    ns = [int(n) for n in ns]
    factors = np.linspace(0.9, 1.2, 13) if ratios is None else None
    n_r = len(factors) if ratios is None else len(ratios)
    out = {
        k: np.full((len(ns), n_r), np.nan)
        for k in ("ratio", "dip", "dip_se", "binder", "abs_mz", "abs_mz_se")
    }
    onset_th, onset_t0, onset_ft = [], [], []
    for a, n in enumerate(ns):
        crit = meanfield.chain_critical_ratio(n)
        grid = crit * factors if ratios is None else np.asarray(ratios, dtype=float)
        onset = np.nan
        for b, r in enumerate(grid):
            res = sample(Chain(n, K=float(r * C), C=C), method, seed=seed + 100 * a + b, **opts)
            dens, err = res.pdf_mz(bins)
            dip, dip_se = _dip(dens, err)
            mean, se = res.expect(), res.mcse()
            out["ratio"][a, b], out["dip"][a, b], out["dip_se"][a, b] = r, dip, dip_se
            out["binder"][a, b] = mean["binder"]
            out["abs_mz"][a, b], out["abs_mz_se"][a, b] = mean["abs_mz"], se["abs_mz"]
            if np.isnan(onset) and dip < -3 * dip_se:
                onset = r
        onset_th.append(onset)
        onset_t0.append(meanfield.chain_critical_ratio(n))
        onset_ft.append(meanfield.finite_t_onset(C, n))
    dims = ("n", "point")
    return xr.Dataset(
        {k: (dims, v) for k, v in out.items()}
        | {
            "onset_thermal": ("n", onset_th),
            "onset_mf_t0": ("n", onset_t0),
            "onset_mf_finite_t": ("n", onset_ft),
        },
        coords={"n": ns, "point": np.arange(n_r)},
        attrs={
            "C": C,
            "bins": bins,
            "method": method,
            "what": "thermal onset of bimodal P(m^z) vs mean-field Eq. (C1)",
        },
    )


def saturating_fig3(chi_ratios=None, K_values=(2.0, 10.0, 50.0)) -> xr.Dataset:
    """Thermal version of Fig. 3 for the tanh landscape (Eq. (9)), exactly by Eq. (B8).

    At a temperature fixed by K = beta M0^2/d^3, the susceptibility enters through
    C = K/(chi/chi_c^z) (`Saturating.from_susceptibility`). For each K the exact dimer
    gives the rms total moment sqrt<(m^z)^2>, m^z = (mu_1^z + mu_2^z)/2, and <|mu_1^z|>,
    next to Eq. (10)'s mean-field m (T = 0). Variables (K, chi): rms_mz, abs_mu1z;
    (chi): eq10. Moments in units of M0. Only chi > 0 (paramagnetic) has a landscape.
    """

    chi = np.linspace(0.2, 3.0, 57) if chi_ratios is None else np.asarray(chi_ratios, float)
    K_values = np.asarray(K_values, dtype=float)
    rms = np.empty((K_values.size, chi.size))
    abs1 = np.empty_like(rms)
    for a, K in enumerate(K_values):
        for b, x in enumerate(chi):
            model = Dimer(K=float(K), landscape=Saturating.from_susceptibility(float(x), float(K)))
            e = exact.expect(model)
            rms[a, b] = np.sqrt(0.5 * (e["mu1z2"] + e["mu1z_mu2z"]))
            abs1[a, b] = e["abs_mu1z"]
    eq10 = np.array([meanfield.eq10_moment(x) for x in chi])
    return xr.Dataset(
        {"rms_mz": (("K", "chi"), rms), "abs_mu1z": (("K", "chi"), abs1), "eq10": ("chi", eq10)},
        coords={"K": K_values, "chi": chi},
        attrs={
            "what": "thermal Fig. 3: tanh landscape, exact dimer vs Eq. (10)",
            "units": "moments in M0; chi in units of chi_c^z; K = beta M0^2/d^3",
        },
    )
