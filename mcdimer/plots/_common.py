"""Shared plotting helpers (Agg backend, the phase colour code)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

PHASE_COLOURS = {
    "antialigned": "#9ec5f0",  # blue
    "diamagnetic": "#a8dca0",  # green
    "paramagnetic": "#f7b7a3",  # salmon
    "aligned": "#ef6f6c",  # red
}


def new_figure(figsize=(5.0, 3.6)):
    return plt.subplots(figsize=figsize, constrained_layout=True)


def save(fig, path, dpi: int = 150) -> Path:
    """Write `fig` to `path` (PNG) and close it; returns the path."""
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def require(ds, names, what):
    missing = [n for n in names if n not in ds.variables]
    if missing:
        raise ValueError(f"dataset for {what} lacks {missing}; build it with meanfield.{what}_data")
