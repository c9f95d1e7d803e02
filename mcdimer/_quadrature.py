"""Composite Gauss-Legendre rules for the deterministic integrals (exact dimer, one moment)."""

from __future__ import annotations

import numpy as np

NODES_PER_PANEL = 8


def composite(edges, order: int = NODES_PER_PANEL) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of `order`-point Gauss-Legendre on each panel [edges[k], edges[k+1]]."""
    edges = np.asarray(edges, dtype=float)
    x, w = np.polynomial.legendre.leggauss(order)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    nodes = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def graded_edges(lo: float, hi: float, panels: int, levels: int = 24) -> np.ndarray:
    """Panel edges on [lo, hi]: `panels` equal panels, the last one split geometrically toward hi.

    Densities of bounded moments pile up against the ball's edge on a scale
    1/(field - 2C) that can reach 1e-4 and less; halving the last panel `levels`
    times resolves any such scale down to (hi - lo) 2^-levels at a cost of `levels` panels.
    """
    uniform = np.linspace(lo, hi, panels + 1)
    step = (hi - lo) / panels
    tail = hi - step * 0.5 ** np.arange(1, levels + 1)
    return np.concatenate([uniform[:-1], tail, [hi]])
