"""Landscape tables as the kernels read them: f(s) on a uniform grid of s = |mu|^2 in [0, 1]
(`Landscape.table()`), linearly interpolated (exact for the quadratic landscape of Eq. (B1),
second order in the grid step for smooth ones). One definition for every move, so the
heat-bath correction and the Metropolis ratios aim at the same target."""

from __future__ import annotations

from numba import njit


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
