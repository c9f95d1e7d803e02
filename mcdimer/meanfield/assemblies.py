"""Mean-field instability of disordered assemblies over realisations, as an xarray Dataset.

The question the paper ends on (Sec. VI): does ordering survive size dispersion and
positional disorder? At T = 0 in mean field the answer per realisation is its critical
ratio K_c/C (Eq. (C1) generalised, `critical.py`); this tabulates it over realisations and
dispersions, with the same realisations (`geometry.realisation_seeds`) as a sampling spec of
the same seed and builder, so thermal runs can be held against it point by point.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import _checks, geometry
from ..model import Assembly
from .critical import critical_coupling, critical_mode


def _positions(builder, n, packing_fraction, min_distance, kind, shape, seed):
    if builder == "random_cluster":
        return geometry.random_cluster(n, packing_fraction, seed, min_distance=min_distance)
    if builder == "lattice":
        dims = []
        for v in np.atleast_1d(shape):
            if float(v) != int(v):
                raise ValueError(f"shape must be integers >= 1, got {shape!r}")
            dims.append(int(v))
        return geometry.lattice(kind, tuple(dims))
    if builder == "ring":
        return geometry.ring(n)
    if builder == "chain":
        return geometry.chain(n)
    raise ValueError(
        f"builder must be one of 'chain', 'ring', 'lattice', 'random_cluster', got {builder!r}"
    )


def critical_ratio_data(
    builder: str = "random_cluster",
    n: int = 64,
    packing_fraction: float = 0.2,
    min_distance: float = 1.0,
    kind: str = "square",
    shape=(8, 8),
    sigma=(0.0, 0.1, 0.3),
    realisations: int = 16,
    seed: int = 1,
    C: float = 50.0,
    chi_exponent: float = 0.0,
) -> xr.Dataset:
    """K_c/C of `realisations` disorder realisations for each size dispersion sigma.

    Geometry: `mcdimer.geometry` builder ('random_cluster' uses n, packing_fraction,
    min_distance; 'lattice' uses kind, shape; 'ring', 'chain' use n), positions in units of
    d. Sizes: log-normal radii of relative width sigma (`size_dispersion`), s_i = (R_i/a)^3,
    C_i = C (R_i/a)^(3 (1 - chi_exponent)) (`quadratic_landscapes`); C is the reference
    particle's. Realisation r uses `realisation_seeds(seed, r)` whatever sigma, so the
    dispersions share their normal variates.

    Variables over (sigma, realisation): `critical_ratio` (K_c/C, Eq. (C1')),
    `participation` (1/sum_i w_i^2, w_i = |mode_i|^2: how many particles the critical
    mode involves), `largest_scale` (max s_i). Dimensionless.
    """
    sigma = np.atleast_1d(np.asarray(sigma, dtype=float))
    if sigma.ndim != 1 or not np.all(np.isfinite(sigma)) or np.any(sigma < 0):
        raise ValueError(f"sigma must be a list of finite values >= 0, got {sigma!r}")
    realisations = _checks.integer("realisations", realisations, low=1, high=100_000)
    C = _checks.real("C", C, low=0.0, low_open=True)
    ratio = np.empty((sigma.size, realisations))
    part = np.empty_like(ratio)
    largest = np.empty_like(ratio)
    for r in range(realisations):
        pos_seed, radii_seed = geometry.realisation_seeds(seed, r)
        pos = _positions(builder, n, packing_fraction, min_distance, kind, shape, pos_seed)
        for k, sd in enumerate(sigma):
            radii = geometry.size_dispersion(len(pos), float(sd), radii_seed)
            model = Assembly(
                pos,
                1.0,
                landscape=geometry.quadratic_landscapes(radii, C, chi_exponent),
                scale=geometry.moment_scale(radii),
                min_distance=0.5 * min_distance if builder == "random_cluster" else 0.5,
            )
            ratio[k, r] = critical_coupling(model) / C
            w = np.sum(critical_mode(model) ** 2, axis=1)
            part[k, r] = 1.0 / np.sum(w * w)
            largest[k, r] = model.scale.max()
    return xr.Dataset(
        {
            "critical_ratio": (("sigma", "realisation"), ratio, {"long_name": "K_c / C"}),
            "participation": (("sigma", "realisation"), part),
            "largest_scale": (("sigma", "realisation"), largest),
        },
        coords={
            "sigma": ("sigma", sigma, {"long_name": "relative width of the radii"}),
            "realisation": np.arange(realisations),
        },
        attrs={
            "builder": builder,
            "particles": len(pos),
            "C": C,
            "seed": seed,
            "chi_exponent": chi_exponent,
            "source": "Eq. (C1) generalised (mcdimer.meanfield.critical)",
        },
    )
