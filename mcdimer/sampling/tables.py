"""Landscape tables as the kernels read them: f(s) on a uniform grid of s = |mu|^2 in [0, 1]
(`Landscape.table()`), linearly interpolated (exact for the quadratic landscape of Eq. (B1),
second order in the grid step for smooth ones). One definition for every move, so the
heat-bath correction and the Metropolis ratios aim at the same target.

A quadratic landscape f = C s (Eq. (B1), the default of `Dimer` and `Chain`) also reaches
the kernels as its slope C (`slopes[lev, a]`, -1 for any other landscape): its table is C s
on the grid, so interpolating it gives C s up to rounding, and `landscape_value` computes
C s directly (a multiplication instead of a table read: ~10 ns of the dimer's displacement
sweep, 64 -> 54 ns, benchmarks/bench_moves.py part 1). The heat-bath move's correction
still reads the table (`heatbath.py`): the two forms of f differ by rounding only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..landscapes import Quadratic
from .couplings import frozen

NOT_QUADRATIC = -1.0  # slopes[lev, a] of a landscape read from its table
# the placeholder of `kernels.Target.slopes` built without slopes: every landscape read from
# its table (read-only as the engine's: one Numba type of Target)
NO_SLOPES = frozen(np.zeros((0, 0)))


def level_slopes(species: list, b: np.ndarray) -> np.ndarray:
    """(R, S) slopes of species a at level k, whose landscape is `species[a].tempered(b_k)`
    (as `engine.level_tables`): C of a `Quadratic` landscape (a subclass may redefine its
    energy: not counted), NOT_QUADRATIC for any other; read-only, as `NO_SLOPES`."""
    out = np.full((b.size, len(species)), NOT_QUADRATIC)
    for k, x in enumerate(b):
        for a, land in enumerate(species):
            level = land if x == 1.0 else land.tempered(float(x))
            if type(level) is Quadratic:
                out[k, a] = level.C
    return frozen(out)


@njit(inline="always")
def landscape_energy(table, s):
    """f(s) by linear interpolation of a 1-D table on the uniform s-grid."""
    x = s * (table.size - 1)
    i = min(int(x), table.size - 2)
    t = x - i
    return table[i] + t * (table[i + 1] - table[i])


@njit(inline="always")
def landscape_at(tables, lev, a, s):
    """`landscape_energy` of species a's table at level lev, read in place from the
    (R, S, T) stack (no array view is made: views cost reference counting per call)."""
    size = tables.shape[2]
    x = s * (size - 1)
    i = min(int(x), size - 2)
    t = x - i
    return tables[lev, a, i] + t * (tables[lev, a, i + 1] - tables[lev, a, i])


@njit(inline="always")
def slope_at(slopes, lev, a):
    """C of species a's landscape at level lev when it is quadratic, else NOT_QUADRATIC
    (also for the empty `NO_SLOPES`)."""
    if lev < slopes.shape[0]:
        return slopes[lev, a]
    return NOT_QUADRATIC


@njit(inline="always")
def landscape_value(tables, c, lev, a, s):
    """f(s) of species a at level lev: C s when its landscape is quadratic (c = its
    `slope_at` >= 0; Eq. (B1)), else the table's interpolation (`landscape_at`)."""
    if c >= 0.0:
        return c * s
    return landscape_at(tables, lev, a, s)
