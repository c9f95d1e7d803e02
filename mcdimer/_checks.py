"""Argument checks shared by the public API: each raises ValueError naming the parameter."""

from __future__ import annotations

import numbers
import os

import numpy as np

# Reduced energies (kT) beyond this lose every digit of their differences in doubles: the
# bound on |K|, |h|, landscapes, pair couplings and Zeeman terms for the samplers and the
# exact quadrature alike.
ENERGY_LIMIT = 1e12


def real(name: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """A finite real number, optionally inside [low, high] (or open ends)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return value


def integer(name: str, value, *, low=None, high=None) -> int:
    """An integer (not a bool, not a float) inside [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be an integer <= {high}, got {value}")
    return value


def vector3(name: str, value) -> np.ndarray:
    """A finite real 3-vector (x, y, z); strings and bools are refused, as `real` refuses them."""
    bad = ValueError(f"{name} must be a 3-vector of finite reals (x, y, z), got {value!r}")
    try:
        raw = np.asarray(value)
        if raw.dtype.kind in "USb" or (
            raw.dtype == object and any(isinstance(v, str | bytes | bool) for v in raw.flat)
        ):
            raise bad
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise bad from None
    if arr.shape != (3,):
        raise ValueError(f"{name} must be a 3-vector (x, y, z), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return arr


def moments(name: str, mu, n: int) -> np.ndarray:
    """An array of reduced moments of shape (..., n, 3)."""
    arr = np.asarray(mu, dtype=float)
    if arr.ndim < 2 or arr.shape[-2:] != (n, 3):
        raise ValueError(f"{name} must have shape (..., {n}, 3), got {arr.shape}")
    return arr


def real_array(name: str, value) -> np.ndarray:
    """A finite real scalar or 1-D array, as a 1-D float array; strings and bools refused."""
    raw = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray([value])
    if raw.dtype.kind in "USbO":
        raise ValueError(f"{name} must be a finite real number or 1-D array, got {value!r}")
    arr = np.atleast_1d(raw.astype(float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite real number or 1-D array, got {value!r}")
    return arr


def physical_memory() -> int:
    """Bytes of RAM on this machine (a generous 1 TiB if the OS does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**40


def gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.3g} GiB"


def memory(name: str, nbytes: float, what: str = "this") -> None:
    """Refuse, before allocating, a request whose estimated size exceeds the machine's RAM.

    Without this, a large option ends in a MemoryError traceback, or in swapping for minutes.
    """
    limit = physical_memory()
    if not nbytes <= limit:
        raise ValueError(
            f"{name}: {what} needs about {gib(nbytes)} of memory, more than this machine's "
            f"{gib(limit)}; reduce it"
        )
