"""Single-particle free-energy landscapes beta*F(|mu|) in reduced units.

A landscape is the F of docs/physics.md, "Landscapes", written for the reduced modulus
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
MIN_TABLE_SIZE = 64  # coarser tables cannot be trusted to linear interpolation


def _checked_table(landscape, values) -> np.ndarray:
    """The kernel table of `landscape`, refused (ValueError) unless it is a finite 1-D array
    of at least MIN_TABLE_SIZE points: a custom energy() returning a scalar, or a table
    too coarse to interpolate, would otherwise be sampled without complaint."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{landscape!r}: energy() must return an array of reals like r, got {values!r}"
        ) from None
    if arr.ndim != 1:
        raise ValueError(
            f"{landscape!r}: energy(r) must return one value per r (a 1-D table), "
            f"got shape {arr.shape}"
        )
    if arr.size < MIN_TABLE_SIZE:
        raise ValueError(
            f"{landscape!r}: its table of {arr.size} points is too coarse to be trusted; "
            f"at least {MIN_TABLE_SIZE} points of s = r^2 in [0, 1]"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{landscape!r}: its table beta*F(r) is not finite on [0, 1]")
    return np.ascontiguousarray(arr)


class Landscape(ABC):
    """beta*F(r) of one particle, r = |mu| in [0, 1] (docs/physics.md, "Reduced units")."""

    #: False for a diamagnetic response: such a landscape cannot be sampled.
    paramagnetic: bool = True

    def __init_subclass__(cls, **kwargs):
        # A subclass that computes its own table still gets it checked (_checked_table).
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("table")
        if own is not None and not getattr(own, "_checked", False):

            def table(self, size: int = TABLE_SIZE, _own=own) -> np.ndarray:
                return _checked_table(self, _own(self, size))

            table.__doc__ = own.__doc__
            table._checked = True
            cls.table = table

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
        """f(s) = beta*F(sqrt(s)) on `size` equal steps of s in [0, 1] (kernel input).

        ValueError if energy() does not give a finite value per point, or size < 64."""
        size = _checks.integer("size", size, low=MIN_TABLE_SIZE, high=2**24)
        s = np.linspace(0.0, 1.0, size)
        return _checked_table(self, self.energy(np.sqrt(s)))

    def tempered(self, b: float) -> Landscape:
        """The landscape seen at inverse temperature b*beta.

        For a temperature-independent F the reduced energy simply scales by b
        (docs/physics.md, "Reduced units"); landscapes whose F depends on T override this.
        """
        return Scaled(self, b)

    def check_samplable(self) -> None:
        """Raise ValueError unless the thermal weight exp(-beta F) makes sense."""
        if not self.paramagnetic:
            raise ValueError(
                f"{self!r} has a diamagnetic response (chi < 0): it has no thermal landscape "
                "F(M) (docs/physics.md, Landscapes) and cannot be sampled; use mcdimer.meanfield"
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
        return Quadratic(_checks.real("b", b, low=0.0, low_open=True) * self.C)

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


class Saturating(Landscape):
    """The tanh model of Eq. (9) as a landscape, by the Legendre transform of
    docs/physics.md, "Landscapes".

    M = M0 tanh(V chi H / M0) inverts to H = (M0/(V chi)) artanh(M/M0), and
    F(M) = int_0^M H dM' = (M0^2/(V chi)) [u artanh u + ln(1 - u^2)/2], u = M/M0. In reduced
    units the prefactor beta M0^2/(V chi) is 2C with C = beta M0^2/(2 V chi): small
    moments feel f ~ C r^2 exactly as `Quadratic(C)` (same zero-field susceptibility,
    Eq. (B4)), so K/C = chi/chi_c^z here too.

    Parameters (exactly one of C and chi)
    ----------
    C : float > 0, C = beta M0^2 / (2 V chi) (reduced units, like `Quadratic(C)`).
    chi, M0 : the response M = M0 tanh(chi H / M0) with V chi written as chi, in units
        where kT = 1: C = M0^2/(2 chi). chi < 0 (diamagnetic) gives a landscape marked
        `paramagnetic = False`, which the samplers refuse (docs/physics.md, "Landscapes").
    """

    def __init__(self, C: float | None = None, *, chi: float | None = None, M0: float = 1.0):
        if (C is None) == (chi is None):
            raise ValueError("give exactly one of C (= beta M0^2/(2 V chi)) and chi")
        if chi is not None:
            chi = _checks.real("chi", chi)
            M0 = _checks.real("M0", M0, low=0.0, low_open=True)
            if chi == 0.0:
                raise ValueError("chi must be nonzero (chi = 0 has no response)")
            C = M0 * M0 / (2.0 * chi)
            self.paramagnetic = chi > 0
        else:
            C = _checks.real("C", C, low=0.0, low_open=True)
        self.C = C

    @classmethod
    def from_susceptibility(cls, chi_ratio: float, K: float) -> Saturating:
        """The landscape for chi = chi_ratio * chi_c^z in a chain of coupling K: C = K/chi_ratio.

        A diamagnetic particle (chi_ratio < 0) has no thermal landscape (docs/physics.md,
        "Landscapes").
        """
        chi_ratio = _checks.real("chi_ratio", chi_ratio)
        K = _checks.real("K", K, low=0.0, low_open=True)
        if chi_ratio <= 0:
            raise ValueError(
                f"chi_ratio must be > 0 (paramagnetic) for a thermal landscape, got {chi_ratio}: "
                "a diamagnetic particle cannot be sampled; use mcdimer.meanfield"
            )
        return cls(K / chi_ratio)

    def energy(self, r):
        u = np.clip(np.asarray(r, dtype=float), 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            # u artanh u + ln(1-u^2)/2 = ((1+u) ln(1+u) + (1-u) ln(1-u)) / 2, finite at u = 1
            one_minus = np.where(u < 1.0, (1.0 - u) * np.log1p(-np.minimum(u, 1 - 1e-300)), 0.0)
            val = 0.5 * ((1.0 + u) * np.log1p(u) + one_minus)
        return 2.0 * self.C * val

    def slope(self, r):
        u = np.clip(np.asarray(r, dtype=float), 0.0, 1.0)
        with np.errstate(divide="ignore"):
            return 2.0 * self.C * np.arctanh(u)

    def response(self, h):
        """|mu| = tanh(h / 2C): Eq. (9) in reduced units."""
        return np.tanh(np.asarray(h, dtype=float) / (2.0 * self.C))

    def __repr__(self) -> str:
        return f"Saturating(C={self.C:g})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Saturating) and other.C == self.C

    def __hash__(self) -> int:
        return hash(("Saturating", self.C))


class FromResponse(Landscape):
    """The landscape of any tabulated monotonic response |mu|(h), by Legendre transform.

    docs/physics.md, "Landscapes": F(M) = int_0^M H(M') dM', H(M) the inverse of the mean-field
    response M(H) (Eq. (2)). In reduced units f(r) = int_0^r h(r') dr' with h the
    reduced field that holds the modulus at r. The inverse h(r) is interpolated by a
    monotone cubic (PCHIP), and f is its exact antiderivative.

    Parameters
    ----------
    r : reduced moduli |mu| = M/M0, strictly increasing from 0 to 1.
    h : reduced fields beta M0 |H| at which the response is r; h[0] = 0, increasing
        for a paramagnetic response. A decreasing start (diamagnetic) is recorded
        (`paramagnetic = False`) so that samplers refuse it with a clear message.
    """

    def __init__(self, r, h, label: str = "tabulated"):
        from scipy.interpolate import PchipInterpolator

        r = np.asarray(r, dtype=float)
        h = np.asarray(h, dtype=float)
        if r.ndim != 1 or r.shape != h.shape or r.size < 3:
            raise ValueError("r and h must be 1-D arrays of the same length >= 3")
        if not (np.all(np.isfinite(r)) and np.all(np.isfinite(h))):
            raise ValueError("r and h must be finite")
        if r[0] != 0.0 or h[0] != 0.0 or abs(r[-1] - 1.0) > 1e-12 or np.any(np.diff(r) <= 0):
            raise ValueError("r must increase strictly from 0 to 1 with h[0] = 0 at r = 0")
        self.paramagnetic = bool(np.all(np.diff(h) > 0))
        self.label = label
        self._r, self._h = r, h
        self._h_of_r = PchipInterpolator(r, h)
        self._f_of_r = self._h_of_r.antiderivative()

    def energy(self, r):
        return self._f_of_r(np.clip(np.asarray(r, dtype=float), 0.0, 1.0))

    def slope(self, r):
        return self._h_of_r(np.clip(np.asarray(r, dtype=float), 0.0, 1.0))

    def response(self, h):
        if not self.paramagnetic:
            return super().response(h)
        return np.interp(np.asarray(h, dtype=float), self._h, self._r)

    def __repr__(self) -> str:
        return f"FromResponse({self.label}, {self._r.size} points)"
