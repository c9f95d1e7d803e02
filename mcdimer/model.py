"""The landscape energy of N moments anywhere in space, in reduced units (PHYSICS.md sections 1-2).

    beta E = sum_i f_i(|mu_i|) - sum_i s_i h . mu_i
             + K sum_{i<j} s_i s_j (mu_i.mu_j - 3 (mu_i.r_ij)(mu_j.r_ij)) / |R_ij|^3

This is Eq. (B6) (with (B1) and (B5)) generalised to particles at positions R_i (in units
of the reference spacing d), with their own landscapes f_i = beta*F_i and moment scales
s_i = M0,i/M0 (mu_i = M_i/M0,i stays in the unit ball); r_ij = R_ij/|R_ij| is the unit
vector between centres. Reduced units of App. B: h = beta M0 H, K = beta M0^2/d^3,
C = beta gamma M0^2, all for the reference particle (s = 1).

`Assembly` is the general model; `Chain` (n particles at (0, 0, i), s = 1, one landscape)
is the paper's chain of App. C, and keeps its own Toeplitz coupling path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _checks
from .landscapes import Landscape, Quadratic

#: default smallest allowed distance between two centres (units of d): refuses coincidence
MIN_DISTANCE = 1e-9

_BLOCK = 1 << 21  # doubles per temporary in the pair loop of the dipolar field


def coupling_matrix(n: int) -> np.ndarray:
    """A_ij = 1/|i-j|^3 for i != j, 0 on the diagonal (the matrix of Eq. (C1))."""
    k = np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(float)
    with np.errstate(divide="ignore"):
        a = np.where(k > 0, 1.0 / k**3, 0.0)
    return a


def _pair_geometry(positions: np.ndarray, rows: slice):
    """Unit vectors u (b, n, 3) and 1/r^3 (b, n) from the particles in `rows` to all others."""
    d = positions[None, :, :] - positions[rows, None, :]
    r2 = np.einsum("ijc,ijc->ij", d, d)
    own = np.arange(rows.start, rows.stop)
    r2[own - rows.start, own] = np.inf
    r = np.sqrt(r2)
    inv3 = 1.0 / (r2 * r)
    u = d / r[:, :, None]
    u[own - rows.start, own] = 0.0
    return u, inv3


def dipolar_tensor(positions, scale=None) -> np.ndarray:
    """D_ij = s_i s_j (3 r_ij r_ij^T - I)/|R_ij|^3 (i != j), zero for i = j; shape (n, n, 3, 3).

    The geometric part of the effective field of Eq. (3): h_i = s_i h + K sum_j D_ij mu_j
    (reduced units of App. B, positions in units of d). Dense: use for small n (tests,
    mean field); `Assembly.field` never forms it.
    """
    pos = np.asarray(positions, dtype=float)
    n = pos.shape[0]
    s = np.ones(n) if scale is None else np.asarray(scale, dtype=float)
    u, inv3 = _pair_geometry(pos, slice(0, n))
    t = 3.0 * u[:, :, :, None] * u[:, :, None, :] - np.eye(3)[None, None]
    t *= (inv3 * np.outer(s, s))[:, :, None, None]
    idx = np.arange(n)
    t[idx, idx] = 0.0
    return t


def _landscape_list(n: int, C, landscape) -> list[Landscape]:
    """Per-particle landscapes from exactly one of C (number or n numbers) and landscape."""
    if (C is None) == (landscape is None):
        raise ValueError("give exactly one of C (quadratic landscape, Eq. (B1)) and landscape")
    if landscape is None:
        if np.ndim(C) == 0:
            return [Quadratic(C)] * n
        values = list(C)
        if len(values) != n:
            raise ValueError(f"C must be one number or a sequence of n = {n}, got {len(values)}")
        made: dict[float, Quadratic] = {}
        out = []
        for c in values:
            q = Quadratic(c)
            out.append(made.setdefault(q.C, q))
        return out
    if isinstance(landscape, Landscape):
        return [landscape] * n
    if isinstance(landscape, (str, bytes)) or not isinstance(landscape, Sequence):
        raise ValueError(
            f"landscape must be a mcdimer Landscape or a sequence of n = {n}, got {landscape!r}"
        )
    if len(landscape) != n:
        raise ValueError(
            f"landscape must be one Landscape or a sequence of n = {n}, got {len(landscape)}"
        )
    for i, land in enumerate(landscape):
        if not isinstance(land, Landscape):
            raise ValueError(f"landscape[{i}] must be a mcdimer Landscape, got {land!r}")
    return list(landscape)


class Assembly:
    """n moments at any positions, with per-particle landscapes and sizes; reduced units.

    Parameters
    ----------
    positions : (n, 3) centres in units of the reference spacing d (finite), so that
        K = beta M0^2/d^3 keeps its meaning.
    K : dipolar coupling beta M0^2/d^3 of two reference particles at distance d (any finite
        real; the paper has K >= 0).
    h : reduced external field beta M0 H, a 3-vector (x, y, z) in the lab frame.
    C : the quadratic landscape of Eq. (B1), beta*F_i = C_i |mu_i|^2: one number >= 0 or a
        sequence of n ...
    landscape : ... or one `Landscape` for all particles or a sequence of n (exactly one
        of C and landscape).
    scale : s_i = M0,i/M0 > 0, one number or n numbers (default 1). mu_i = M_i/M0,i, so
        particle i feels the Zeeman term s_i h . mu_i and couples to j with K s_i s_j.
    min_distance : smallest allowed centre distance (units of d); the default 1e-9
        refuses coincident particles only (the `mcdimer.geometry` builders enforce their
        own hard-core distance).

    Attributes read by the samplers: `positions` (n, 3), `scale` (n,) (both read-only),
    `landscapes` (n Landscape objects), `landscape_groups()` (the distinct landscapes and
    each particle's index into them), `is_chain`.
    `landscape` is the common landscape when all particles share one (by equality), else
    None; `C` is its C when it is `Quadratic`, else None; `stiffnesses` gives every C_i.
    """

    n: int
    K: float
    h: np.ndarray
    C: float | None
    landscape: Landscape | None
    positions: np.ndarray
    scale: np.ndarray
    landscapes: tuple[Landscape, ...]

    def __init__(
        self,
        positions,
        K,
        h=(0.0, 0.0, 0.0),
        C=None,
        landscape=None,
        scale=None,
        *,
        min_distance: float = MIN_DISTANCE,
    ):
        positions = _check_positions(positions, min_distance)
        n = positions.shape[0]
        self._setup(positions, K, h, _landscape_list(n, C, landscape), _check_scale(scale, n))

    def _setup(self, positions, K, h, landscapes, scale) -> None:
        self.n = positions.shape[0]
        self.K = _checks.real("K", K)
        h = _checks.vector3("h", h)
        h.setflags(write=False)
        self.h = h
        positions.setflags(write=False)
        scale.setflags(write=False)
        self.positions, self.scale = positions, scale
        self.landscapes = tuple(landscapes)
        index: dict[Landscape, int] = {}
        groups = np.array([index.setdefault(land, len(index)) for land in self.landscapes])
        groups.setflags(write=False)
        self._unique = tuple(index)
        self._groups = groups
        self.landscape = self._unique[0] if len(self._unique) == 1 else None
        self.C = self.landscape.C if isinstance(self.landscape, Quadratic) else None
        self._unit_scale = bool(np.all(scale == 1.0))

    def __setstate__(self, state) -> None:
        # unpickled arrays come back writeable: keep the model immutable
        self.__dict__.update(state)
        for name in ("positions", "scale", "h", "_groups"):
            getattr(self, name).setflags(write=False)

    # --- what the samplers read -------------------------------------------------------
    def landscape_groups(self) -> tuple[tuple[Landscape, ...], np.ndarray]:
        """(distinct landscapes, index (n,) of each particle's landscape among them)."""
        return self._unique, self._groups

    @property
    def is_chain(self) -> bool:
        """True for the chain of App. C: positions exactly (0, 0, i), all s_i = 1, one landscape.

        The samplers keep a specialised Toeplitz coupling path (cpl[|i-j|]) for it.
        """
        return (
            self._unit_scale
            and self.landscape is not None
            and np.array_equal(self.positions, _chain_positions(self.n))
        )

    @property
    def stiffnesses(self) -> np.ndarray | None:
        """C_i of every particle when all landscapes are `Quadratic` (Eq. (B1)), else None."""
        if not all(isinstance(land, Quadratic) for land in self._unique):
            return None
        return np.array([self._unique[g].C for g in self._groups])

    def pair_tensor(self) -> np.ndarray:
        """T_ij = K s_i s_j (3 r r^T - I)/r^3, shape (n, n, 3, 3): h_i = s_i h + sum_j T_ij mu_j.

        Dense (9 n^2 doubles): for small assemblies (tests, mean field). Eq. (3), reduced.
        """
        return self.K * dipolar_tensor(self.positions, self.scale)

    # --- energies ---------------------------------------------------------------------
    def _landscape_energy(self, mu) -> np.ndarray:
        r = np.sqrt(np.einsum("...ic,...ic->...i", mu, mu))
        if len(self._unique) == 1:
            return self._unique[0].energy(r).sum(axis=-1)
        e = np.zeros(r.shape[:-1])
        for g, land in enumerate(self._unique):
            e = e + land.energy(r[..., self._groups == g]).sum(axis=-1)
        return e

    def _dipolar_field(self, mu) -> np.ndarray:
        """sum_j T_ij mu_j for mu of shape (..., n, 3), by blocks of rows (never n^2 x 9)."""
        lead = mu.shape[:-2]
        smu = (mu * self.scale[:, None]).reshape(-1, self.n, 3)
        out = np.zeros_like(smu)
        rows = max(1, _BLOCK // (4 * self.n * max(1, smu.shape[0])))
        for start in range(0, self.n, rows):
            block = slice(start, min(start + rows, self.n))
            u, inv3 = _pair_geometry(self.positions, block)
            along = np.einsum("ijc,bjc->bij", u, smu) * inv3[None]
            out[:, block] = 3.0 * np.einsum("bij,ijc->bic", along, u) - np.einsum(
                "ij,bjc->bic", inv3, smu
            )
        out *= self.K * self.scale[None, :, None]
        return out.reshape(*lead, self.n, 3)

    def _dipolar_energy(self, mu) -> np.ndarray:
        # E_dip = -(1/2) sum_i mu_i . (sum_j T_ij mu_j): T is symmetric (T_ij = T_ji^T)
        return -0.5 * np.einsum("...ic,...ic->...", mu, self._dipolar_field(mu))

    def energy(self, mu) -> np.ndarray:
        """Reduced energy beta*E of configurations mu, shape (..., n, 3) -> (...,).

        Eq. (B6) generalised (module docstring): landscapes, Zeeman s_i h . mu_i, dipolar.
        """
        mu = _checks.moments("mu", mu, self.n)
        e = self._landscape_energy(mu)
        if self._unit_scale:
            e = e - np.einsum("...ic,c->...", mu, self.h)
        else:
            e = e - np.einsum("...ic,i,c->...", mu, self.scale, self.h)
        if self.n > 1 and self.K != 0.0:
            e = e + self._dipolar_energy(mu)
        return e

    def field(self, mu) -> np.ndarray:
        """Effective reduced field on each particle, Eq. (3) in reduced form, shape (..., n, 3).

        h_i = s_i h + K s_i sum_{j != i} s_j (3 r_ij (r_ij . mu_j) - mu_j)/|R_ij|^3, which is
        minus the gradient of the Zeeman and dipolar energy with respect to mu_i.
        """
        mu = _checks.moments("mu", mu, self.n)
        if self._unit_scale:
            out = np.broadcast_to(self.h, mu.shape).copy()
        else:
            out = self.scale[:, None] * self.h[None, :] + np.zeros(mu.shape)
        if self.n > 1 and self.K != 0.0:
            out += self._dipolar_field(mu)
        return out

    # --- conveniences -----------------------------------------------------------------
    def _args(self) -> dict:
        return {
            "positions": self.positions,
            "K": self.K,
            "h": self.h,
            "landscape": list(self.landscapes),
            "scale": self.scale,
        }

    def replace(self, **changes) -> Assembly:
        """A copy with some of positions, K, h, C, landscape, scale changed."""
        args = self._args()
        if "C" in changes:
            args.pop("landscape")
        args.update(changes)
        return Assembly(**args)

    def tempered(self, b: float) -> Assembly:
        """The assembly at inverse temperature b*beta: K and h scale by b, each f_i by itself.

        Each distinct landscape is tempered once (a `Microscopic` one is rebuilt at t/b).
        """
        new = [land.tempered(b) for land in self._unique]
        out = Assembly.__new__(Assembly)
        out._setup(
            self.positions.copy(),
            b * self.K,
            b * self.h,
            [new[g] for g in self._groups],
            self.scale.copy(),
        )
        return out

    @property
    def ratio(self) -> float | None:
        """K/C for one common quadratic landscape (threshold of Fig. 8 at 1), else None."""
        return None if self.C in (None, 0.0) else self.K / self.C

    def __repr__(self) -> str:
        h = ", ".join(f"{v:g}" for v in self.h)
        land = (
            repr(self.landscape)
            if self.landscape is not None
            else f"<{len(self._unique)} landscapes>"
        )
        scale = "" if self._unit_scale else f", scale=[{self.scale.min():g}..{self.scale.max():g}]"
        return f"Assembly(n={self.n}, K={self.K:g}, h=({h}), landscape={land}{scale})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Assembly)
            and other.n == self.n
            and other.K == self.K
            and np.array_equal(other.h, self.h)
            and np.array_equal(other.positions, self.positions)
            and np.array_equal(other.scale, self.scale)
            and other.landscapes == self.landscapes
        )

    def __hash__(self) -> int:
        return hash(
            (
                self.n,
                self.K,
                tuple(self.h),
                self.positions.tobytes(),
                self.scale.tobytes(),
                self._unique,
                self._groups.tobytes(),
            )
        )


def _chain_positions(n: int) -> np.ndarray:
    pos = np.zeros((n, 3))
    pos[:, 2] = np.arange(n)
    return pos


def _check_positions(positions, min_distance) -> np.ndarray:
    try:
        pos = np.array(positions, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"positions must be an (n, 3) array of finite reals, got {positions!r}"
        ) from None
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] < 1:
        raise ValueError(f"positions must have shape (n, 3) with n >= 1, got {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise ValueError("positions must be finite")
    min_distance = _checks.real("min_distance", min_distance, low=0.0, low_open=True)
    if pos.shape[0] > 1:
        from scipy.spatial import cKDTree

        dist, idx = cKDTree(pos).query(pos, k=2)
        i = int(np.argmin(dist[:, 1]))
        if dist[i, 1] < min_distance:
            j = int(idx[i, 1])
            raise ValueError(
                f"positions: particles {min(i, j)} and {max(i, j)} are {dist[i, 1]:.3g} apart; "
                f"centres must be >= min_distance = {min_distance:g} apart (units of d)"
            )
    return pos


def _check_scale(scale, n: int) -> np.ndarray:
    if scale is None:
        return np.ones(n)
    try:
        s = np.array(scale, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"scale must be one number > 0 or n = {n} numbers > 0, got {scale!r}"
        ) from None
    if s.ndim == 0:
        s = np.full(n, float(s))
    if s.shape != (n,):
        raise ValueError(f"scale must be one number or a sequence of n = {n}, got shape {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("scale (s_i = M0,i/M0) must be finite and > 0 for every particle")
    return s


class Chain(Assembly):
    """n moments on the z axis with equal spacing d, in reduced units (App. C).

    The `Assembly` with positions (0, 0, i), i = 0..n-1, every s_i = 1 and one landscape;
    its dipolar sums use the Toeplitz matrix A_ij = 1/|i-j|^3 of Eq. (C1).

    Parameters
    ----------
    n : number of particles, n >= 1 (a dimer is n = 2).
    K : dipolar coupling beta M0^2/d^3 (reduced, any finite real; the paper has K >= 0).
    h : reduced external field beta M0 H, a 3-vector (x, y, z); z is the chain axis.
    C : give this for the quadratic landscape of Eq. (B1), beta*F = C |mu|^2 ...
    landscape : ... or any `Landscape` instead (exactly one of C and landscape).
    """

    landscape: Landscape

    def __init__(self, n, K, h=(0.0, 0.0, 0.0), C=None, landscape=None):
        n = _checks.integer("n", n, low=1)
        if (C is None) == (landscape is None):
            raise ValueError("give exactly one of C (quadratic landscape, Eq. (B1)) and landscape")
        if landscape is None:
            landscape = Quadratic(C)
        elif not isinstance(landscape, Landscape):
            raise ValueError(f"landscape must be a mcdimer Landscape, got {landscape!r}")
        self._setup(_chain_positions(n), K, h, [landscape] * n, np.ones(n))

    @property
    def is_chain(self) -> bool:
        return True

    def _dipolar_field(self, mu) -> np.ndarray:
        a = coupling_matrix(self.n)
        w = np.array([-1.0, -1.0, 2.0])
        return self.K * np.einsum("ij,...jc,c->...ic", a, mu, w)

    def _dipolar_energy(self, mu) -> np.ndarray:
        # sum_{i<j} A_ij (x_i x_j + y_i y_j - 2 z_i z_j) = (1/2) sum_ij A_ij (...)
        a = coupling_matrix(self.n)
        w = np.array([1.0, 1.0, -2.0])
        return 0.5 * self.K * np.einsum("ij,...ic,...jc,c->...", a, mu, mu, w)

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

    def __repr__(self) -> str:
        h = ", ".join(f"{v:g}" for v in self.h)
        return f"Chain(n={self.n}, K={self.K:g}, h=({h}), landscape={self.landscape!r})"

    __hash__ = Assembly.__hash__


def Dimer(K, h=(0.0, 0.0, 0.0), C=None, landscape=None) -> Chain:
    """Two coupled moments, Eq. (B6): `Chain(n=2, ...)`."""
    return Chain(2, K, h=h, C=C, landscape=landscape)
