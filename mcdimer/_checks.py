"""Argument checks shared by the public API: each raises ValueError naming the parameter."""

from __future__ import annotations

import numbers

import numpy as np


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
    """A finite real 3-vector (x, y, z)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a 3-vector of finite reals (x, y, z), got {value!r}"
        ) from None
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
