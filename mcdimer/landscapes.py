"""Single-particle free-energy landscapes beta*F(|mu|) in reduced units.

A landscape is the F of PHYSICS.md section 1, written for the reduced modulus
r = |M|/M0 in [0, 1] and already multiplied by beta. Every model reaches the compiled
kernels the same way: as a table of f(s) = beta*F(sqrt(s)) on a uniform grid in
s = r^2, read by linear interpolation. For the quadratic landscape (B1) f(s) = C s is
linear in s, so the table is exact; smooth landscapes converge as (grid step)^2.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from . import _checks

TABLE_SIZE = 4097  # grid points in s = r^2 for the kernels' landscape tables


class Landscape(ABC):
    """beta*F(r) of one particle, r = |mu| in [0, 1] (reduced units, PHYSICS.md section 2)."""

    #: False for a diamagnetic response: such a landscape cannot be sampled.
    paramagnetic: bool = True

    @abstractmethod
    def energy(self, r):
        """beta*F at reduced modulus r (array-like, 0 <= r <= 1)."""

    @abstractmethod
    def slope(self, r):
        """d(beta*F)/dr: the reduced field that holds the modulus at r (Eq. (2))."""

    def response(self, h):
        """Mean-field modulus |mu| in an effective reduced field of magnitude h >= 0.

        Inverts slope(r) = h (Eq. (2): F'(M) = |H_i|) by bisection, clipped to the
        ball: a field beyond slope(1) leaves the moment at r = 1.
        """
        h = np.asarray(h, dtype=float)
        lo = np.zeros_like(h)
        hi = np.ones_like(h)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = self.slope(mid) < h
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    def table(self, size: int = TABLE_SIZE) -> np.ndarray:
        """f(s) = beta*F(sqrt(s)) on `size` equal steps of s in [0, 1] (kernel input)."""
        s = np.linspace(0.0, 1.0, size)
        return np.ascontiguousarray(self.energy(np.sqrt(s)), dtype=np.float64)

    def tempered(self, b: float) -> Landscape:
        """The landscape seen at inverse temperature b*beta.

        For a temperature-independent F the reduced energy simply scales by b
        (PHYSICS.md section 2); landscapes whose F depends on T override this.
        """
        return Scaled(self, b)

    def check_samplable(self) -> None:
        """Raise ValueError unless the thermal weight exp(-beta F) makes sense."""
        if not self.paramagnetic:
            raise ValueError(
                f"{self!r} has a diamagnetic response (chi < 0): it has no thermal landscape "
                "F(M) (PHYSICS.md section 1) and cannot be sampled; use mcdimer.meanfield"
            )


class Quadratic(Landscape):
    """beta*F = C r^2, Eq. (B1) with C = beta*gamma*M0^2 (App. B; Eq. (B4): chi1 = 1/(2 V gamma)).

    Parameters
    ----------
    C : float, C >= 0. C = 0 is the free ball (no preference for a small moment).
    """

    def __init__(self, C: float):
        self.C = _checks.real("C", C, low=0.0)

    def energy(self, r):
        r = np.asarray(r, dtype=float)
        return self.C * r * r

    def slope(self, r):
        return 2.0 * self.C * np.asarray(r, dtype=float)

    def response(self, h):
        """|mu| = h/(2C), Eq. (B3)/(4), clipped at the ball's edge r = 1."""
        h = np.asarray(h, dtype=float)
        if self.C == 0.0:
            return np.where(h > 0, 1.0, 0.0)
        return np.minimum(h / (2.0 * self.C), 1.0)

    def tempered(self, b: float) -> Landscape:
        return Quadratic(b * self.C)

    def __repr__(self) -> str:
        return f"Quadratic(C={self.C:g})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Quadratic) and other.C == self.C

    def __hash__(self) -> int:
        return hash(("Quadratic", self.C))


class Scaled(Landscape):
    """b times another landscape: the landscape at inverse temperature b*beta."""

    def __init__(self, base: Landscape, b: float):
        self.base = base
        self.b = _checks.real("b", b, low=0.0, low_open=True)
        self.paramagnetic = base.paramagnetic

    def energy(self, r):
        return self.b * self.base.energy(r)

    def slope(self, r):
        return self.b * self.base.slope(r)

    def response(self, h):
        return self.base.response(np.asarray(h, dtype=float) / self.b)

    def __repr__(self) -> str:
        return f"{self.b:g}*{self.base!r}"
