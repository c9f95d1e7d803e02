"""The landscape energy of N moments on a line, in reduced units (PHYSICS.md sections 1-2).

    beta E = sum_i f(|mu_i|) - h . sum_i mu_i + K sum_{i<j} (mu_i.mu_j - 3 mu_i^z mu_j^z) / |i-j|^3

This is Eq. (B6) (with (B1) and (B5)) generalised to a chain along z with spacing d and
any single-particle landscape f = beta*F. Reduced units of App. B: mu = M/M0,
h = beta M0 H, K = beta M0^2/d^3, C = beta gamma M0^2.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .landscapes import Landscape, Quadratic


def coupling_matrix(n: int) -> np.ndarray:
    """A_ij = 1/|i-j|^3 for i != j, 0 on the diagonal (the matrix of Eq. (C1))."""
    k = np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(float)
    with np.errstate(divide="ignore"):
        a = np.where(k > 0, 1.0 / k**3, 0.0)
    return a


class Chain:
    """n moments on the z axis with equal spacing d, in reduced units.

    Parameters
    ----------
    n : number of particles, n >= 1 (a dimer is n = 2).
    K : dipolar coupling beta M0^2/d^3 (reduced, any finite real; the paper has K >= 0).
    h : reduced external field beta M0 H, a 3-vector (x, y, z); z is the chain axis.
    C : give this for the quadratic landscape of Eq. (B1), beta*F = C |mu|^2 ...
    landscape : ... or any `Landscape` instead (exactly one of C and landscape).
    """

    n: int
    K: float
    h: np.ndarray
    C: float | None
    landscape: Landscape

    def __init__(self, n, K, h=(0.0, 0.0, 0.0), C=None, landscape=None):
        n = _checks.integer("n", n, low=1)
        K = _checks.real("K", K)
        h = _checks.vector3("h", h)
        h.setflags(write=False)
        if (C is None) == (landscape is None):
            raise ValueError("give exactly one of C (quadratic landscape, Eq. (B1)) and landscape")
        if landscape is None:
            landscape = Quadratic(C)
        elif not isinstance(landscape, Landscape):
            raise ValueError(f"landscape must be a mcdimer Landscape, got {landscape!r}")
        C = landscape.C if isinstance(landscape, Quadratic) else None
        self.n, self.K, self.h, self.C, self.landscape = n, K, h, C, landscape

    # --- energies -------------------------------------------------------------------
    def energy(self, mu) -> np.ndarray:
        """Reduced energy beta*E of configurations mu, shape (..., n, 3) -> (...,). Eq. (B6)."""
        mu = _checks.moments("mu", mu, self.n)
        r = np.sqrt(np.einsum("...ic,...ic->...i", mu, mu))
        e = self.landscape.energy(r).sum(axis=-1)
        e = e - np.einsum("...ic,c->...", mu, self.h)
        if self.n > 1 and self.K != 0.0:
            a = coupling_matrix(self.n)
            # sum_{i<j} A_ij (x_i x_j + y_i y_j - 2 z_i z_j) = (1/2) sum_ij A_ij (...)
            w = np.array([1.0, 1.0, -2.0])
            e = e + 0.5 * self.K * np.einsum("ij,...ic,...jc,c->...", a, mu, mu, w)
        return e

    def field(self, mu) -> np.ndarray:
        """Effective reduced field on each particle, Eq. (3) in reduced form, shape (..., n, 3).

        h_i = h + K sum_{j != i} (3 z (z . mu_j) - mu_j) / |i-j|^3, which is minus the
        gradient of the Zeeman and dipolar energy with respect to mu_i.
        """
        mu = _checks.moments("mu", mu, self.n)
        out = np.broadcast_to(self.h, mu.shape).copy()
        if self.n > 1 and self.K != 0.0:
            a = coupling_matrix(self.n)
            w = np.array([-1.0, -1.0, 2.0])
            out += self.K * np.einsum("ij,...jc,c->...ic", a, mu, w)
        return out

    # --- conveniences --------------------------------------------------------------
    def replace(self, **changes) -> Chain:
        """A copy with some of n, K, h, C, landscape changed."""
        args = {"n": self.n, "K": self.K, "h": self.h, "landscape": self.landscape}
        if "C" in changes:
            args.pop("landscape")
        args.update(changes)
        return Chain(**args)

    def tempered(self, b: float) -> Chain:
        """The same chain at inverse temperature b*beta: K and h scale by b, f by landscape."""
        return Chain(self.n, b * self.K, b * self.h, landscape=self.landscape.tempered(b))

    @property
    def ratio(self) -> float | None:
        """K/C for the quadratic landscape (threshold of Fig. 8 at 1), else None."""
        return None if self.C in (None, 0.0) else self.K / self.C

    def __repr__(self) -> str:
        h = ", ".join(f"{v:g}" for v in self.h)
        return f"Chain(n={self.n}, K={self.K:g}, h=({h}), landscape={self.landscape!r})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Chain)
            and other.n == self.n
            and other.K == self.K
            and np.array_equal(other.h, self.h)
            and other.landscape == self.landscape
        )

    def __hash__(self) -> int:
        return hash((self.n, self.K, tuple(self.h), self.landscape))


def Dimer(K, h=(0.0, 0.0, 0.0), C=None, landscape=None) -> Chain:
    """Two coupled moments, Eq. (B6): `Chain(n=2, ...)`."""
    return Chain(2, K, h=h, C=C, landscape=landscape)
