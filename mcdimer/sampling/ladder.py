"""Inverse-temperature ladders for parallel tempering, and their adaptation during burn-in.

The adaptation equalises the rejection rates of neighbouring swaps (Syed, Bouchard-Cote,
Deligiannidis & Doucet, JRSS B 84, 321 (2022), the scheme of Pigeons.jl): the cumulative
rejection Lambda(b) = sum of rejection rates is the "communication barrier", and the
new ladder puts equal increments of Lambda between neighbours (monotone interpolation in
log b). It runs only during burn-in; the production ladder is frozen, so production
satisfies detailed balance.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from .. import _checks


def geometric(replicas: int, b_min: float) -> np.ndarray:
    """b_k = b_min^(k/(R-1)), k = 0..R-1: 1 down to b_min."""
    replicas = _checks.integer("replicas", replicas, low=2)
    b_min = _checks.real("b_min", b_min, low=0.0, high=1.0, low_open=True, high_open=True)
    return b_min ** (np.arange(replicas) / (replicas - 1))


def check_ladder(ladder) -> np.ndarray:
    """An explicit ladder: strictly decreasing, in (0, 1], starting at 1, at least 2 levels."""
    try:
        b = np.asarray(ladder, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"ladder must be a sequence of floats, got {ladder!r}") from None
    if b.ndim != 1 or b.size < 2:
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
