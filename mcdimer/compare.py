"""Mean field against the exact thermal dimer (issue 6 part 4, exact part; App. B model).

For the quadratic dimer (Eq. (B1)) at h = 0, over K/C at several C, side by side:
T = 0 mean field (`meanfield.solve`), finite-T mean field (`meanfield.finite_t_order_parameter`),
and from the exact distribution of Eq. (B8) (`mcdimer.exact`): the peak position of
P(mu_1^z), <|mu_1^z|>, <(mu_1^z)^2>; and the K/C where P(mu_1^z) turns bimodal (its
density at mu_1^z = 0 becomes a local minimum) next to the mean-field onsets.

Hook for the samplers: `add_sampled(ds, name, mean, error)` attaches sampled values with
their errors on the same (C, ratio) grid.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import optimize

from . import exact, meanfield
from .model import Dimer

C_VALUES = (5.0, 10.0, 20.0, 50.0, 200.0)
_BINS = 200  # even: bins _BINS/2 - 1 and _BINS/2 straddle mu_1^z = 0


def _pdf(C, ratio):
    return exact.pdf_mu1z(Dimer(K=ratio * C, C=C), _BINS)


def _dip_at_zero(C, ratio) -> float:
    """P(first bin right of 0) - P(second bin): > 0 unimodal, < 0 a dip (bimodal) at 0."""
    p = _pdf(C, ratio)
    c = _BINS // 2
    return float(p[c] - p[c + 1])


def bimodal_onset(C, lo=0.5, hi=3.0) -> float:
    """K/C where the exact P(mu_1^z) (Eq. (B8), 200 bins) first shows a dip at 0 (bisection)."""
    return float(optimize.brentq(lambda r: _dip_at_zero(C, r), lo, hi, xtol=1e-4))


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
        ds["onset_bimodal"] = ("C", [bimodal_onset(C) for C in C_values])
    return ds


def add_sampled(ds: xr.Dataset, name: str, mean, error) -> xr.Dataset:
    """Attach sampled values (and their standard errors) on ds's (C, ratio) grid: the hook for
    the samplers' cross-check (issue 6 part 4)."""
    mean, error = np.asarray(mean, dtype=float), np.asarray(error, dtype=float)
    shape = (ds.sizes["C"], ds.sizes["ratio"])
    if mean.shape != shape or error.shape != shape:
        raise ValueError(f"mean and error must have shape {shape} (C, ratio)")
    return ds.assign(
        {f"sampled_{name}": (("C", "ratio"), mean), f"sampled_{name}_se": (("C", "ratio"), error)}
    )
