"""Free-energy profiles F(m) = -ln P(m) and the barrier between two ordered states.

F is in units of kT at the temperature of the density (the landscape picture of
docs/physics.md, "Landscapes" seen through one coordinate m: mu_1^z, m^z or |mu_1|).
Errors are first order (delta method) with the bins treated as independent: a
histogram's bins are correlated only through its normalisation, which shifts F by a
constant and cancels in every difference of F, the barrier included.
"""

from __future__ import annotations

import numpy as np

BIMODAL_SIGMAS = 2.0  # F(0) must exceed each side's minimum by this many standard errors


def free_energy(density, stderr) -> tuple[np.ndarray, np.ndarray]:
    """F = -ln P in kT, zero at its minimum, NaN where a bin is empty.

    Parameters
    ----------
    density, stderr : (bins,) density P and its standard error (e.g. from
        `reweight.reweight_density` or `SampleResult.pdf_mz`).

    Returns
    -------
    (F, F_se): F_se = stderr / P, the error of -ln P of each bin (delta method). The
    error of the zero point (the minimum bin's own error) is not added: it is common to
    every bin and cancels in differences F_i - F_j, whose error is
    sqrt(F_se_i^2 + F_se_j^2). NaN in both where P = 0.
    """
    P = np.asarray(density, dtype=float)
    se = np.asarray(stderr, dtype=float)
    if P.ndim != 1 or P.shape != se.shape:
        raise ValueError(
            f"density and stderr must be 1-D of the same shape, got {P.shape}, {se.shape}"
        )
    if not (np.all(np.isfinite(P)) and np.all(P >= 0)):
        raise ValueError("density must be finite and >= 0")
    if not np.any(P > 0):
        raise ValueError("density is zero in every bin: no free energy")
    if not (np.all(np.isfinite(se)) and np.all(se >= 0)):
        raise ValueError("stderr must be finite and >= 0")
    full = P > 0
    F = np.full(P.shape, np.nan)
    F_se = np.full(P.shape, np.nan)
    F[full] = -np.log(P[full])
    F[full] -= F[full].min()
    F_se[full] = se[full] / P[full]
    return F, F_se


def _value_at_zero(centres, F, F_se) -> tuple[float, float]:
    """F(0) and its error: the bin centred at 0, else linear interpolation between the
    two centres around 0, err^2 = (1-t)^2 se_j^2 + t^2 se_{j+1}^2."""
    at = np.flatnonzero(centres == 0.0)
    if at.size:
        return float(F[at[0]]), float(F_se[at[0]])
    j = np.searchsorted(centres, 0.0) - 1
    if j < 0 or j + 1 >= centres.size:
        raise ValueError("centres must bracket m = 0 for a barrier")
    t = -centres[j] / (centres[j + 1] - centres[j])
    value = (1 - t) * F[j] + t * F[j + 1]
    err = np.hypot((1 - t) * F_se[j], t * F_se[j + 1])
    return float(value), float(err)


def barrier(centres, F, F_se, *, sigmas: float = BIMODAL_SIGMAS) -> tuple[float, float]:
    """Height of F at m = 0 above the two minima of a symmetric bimodal profile, in kT.

    dF = F(0) - (F_- + F_+)/2, F_-/F_+ the smallest F at m < 0 / m > 0 and F(0) the bin
    at 0 or the linear interpolation between the two bins around it. Error:
    se^2 = se(F(0))^2 + (se_-^2 + se_+^2)/4 (independent bins; the zero point of F
    cancels). For a symmetric profile F_- and F_+ estimate the same minimum: averaging
    them halves the bias of taking a noisy minimum on one side only.

    Bimodal means: each side has a finite F, and F(0) exceeds each side's minimum by
    more than `sigmas` standard errors of that difference,
    F(0) - F_pm > sigmas * sqrt(se(F(0))^2 + se_pm^2). Otherwise ValueError (so does an
    empty bin at or around 0, where F(0) is not defined).
    """
    c = np.asarray(centres, dtype=float)
    F = np.asarray(F, dtype=float)
    F_se = np.asarray(F_se, dtype=float)
    if c.ndim != 1 or c.shape != F.shape or c.shape != F_se.shape:
        raise ValueError("centres, F and F_se must be 1-D of the same length")
    if c.size < 3:
        raise ValueError(
            f"a barrier needs bins >= 3 (a bin each side of m = 0 and one at or around it), "
            f"got bins = {c.size}"
        )
    if not np.all(np.isfinite(c)) or np.any(np.diff(c) <= 0):
        raise ValueError("centres must be finite and strictly increasing")
    f0, se0 = _value_at_zero(c, F, F_se)
    if not np.isfinite(f0):
        raise ValueError("F is not defined at m = 0 (empty bins): the profile is not bimodal")
    sides = []
    for mask, side in ((c < 0, "m < 0"), (c > 0, "m > 0")):
        finite = mask & np.isfinite(F)
        if not finite.any():
            raise ValueError(f"F has no finite value at {side}: the profile is not bimodal")
        i = np.flatnonzero(finite)[np.argmin(F[finite])]
        margin = f0 - F[i]
        if not margin > sigmas * np.hypot(se0, F_se[i]):
            raise ValueError(
                f"the profile is not bimodal: F(0) = {f0:.3g} is not above the minimum at "
                f"{side} (F = {F[i]:.3g} at m = {c[i]:.3g}) by more than {sigmas:g} "
                "standard errors"
            )
        sides.append((F[i], F_se[i]))
    (f_minus, se_minus), (f_plus, se_plus) = sides
    dF = f0 - 0.5 * (f_minus + f_plus)
    se = np.sqrt(se0**2 + 0.25 * (se_minus**2 + se_plus**2))
    return float(dF), float(se)


__all__ = ["BIMODAL_SIGMAS", "barrier", "free_energy"]
