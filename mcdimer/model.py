"""The landscape energy of N moments anywhere in space, in reduced units (docs/physics.md,
"Landscapes" and "Reduced units").

    beta E = sum_i f_i(|mu_i|) - sum_i s_i h . mu_i
             + K sum_{i<j} s_i s_j (mu_i.mu_j - 3 (mu_i.r_ij)(mu_j.r_ij)) / |R_ij|^3

This is Eq. (B6) (with (B1) and (B5)) generalised to particles at positions R_i (in units
of the reference spacing d), with their own landscapes f_i = beta*F_i and moment scales
s_i = M0,i/M0 (mu_i = M_i/M0,i stays in the unit ball); r_ij = R_ij/|R_ij| is the unit
vector between centres. Reduced units of App. B: h = beta M0 H, K = beta M0^2/d^3,
C = beta gamma M0^2, all for the reference particle (s = 1).

With `box = (Lx, Ly, Lz)` the assembly is periodic: the dipolar sum runs over every image
(Ewald sum with conducting boundary, `mcdimer.ewald`; `docs/physics.md`, "Periodic boxes"),
and a particle also couples to its own images.

`Assembly` is the general model; `Chain` (n particles at (0, 0, i), s = 1, one landscape)
is the paper's chain of App. C, and keeps its own Toeplitz coupling path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _checks
from . import ewald as _ewald
from ._checks import ENERGY_LIMIT
from .landscapes import Landscape, Quadratic

#: default smallest allowed distance between two centres (units of d): refuses coincidence
MIN_DISTANCE = 1e-9

_BLOCK = 1 << 21  # doubles per temporary in the pair loop of the dipolar field
#: bound of the largest pair coupling K s_i s_j / r_ij^3 and Zeeman term s_i |h| (in kT) that
#: positions and scales may produce: beyond, reduced energies lose every digit of their
#: differences (the samplers bound K and h alone by the same number)
# Particles in one model: beyond this a chain's per-particle lists alone outgrow memory
# (Chain(10**9) was killed by the kernel's out-of-memory killer) and no sampler could run it.
MAX_PARTICLES = 10**6
_NAMES = ("positions", "K", "h", "C", "landscape", "scale", "box")


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
    box : None (an open assembly, the default) or the edges (Lx, Ly, Lz) of a periodic box
        (units of d, each > 0): the assembly is then repeated in all three directions,
        positions are wrapped into [0, L), distances are minimum-image distances, and the
        dipolar energy is the Ewald sum with conducting (tin-foil) surroundings, no surface
        term (`mcdimer.ewald`, `docs/physics.md`, "Periodic boxes"). Its pair tensor
        (48 n^2 bytes: 805 MB at n = 4096) is built at the first use and kept.
    min_distance : smallest allowed centre distance (units of d); the default 1e-9
        refuses coincident particles only (the `mcdimer.geometry` builders enforce their
        own hard-core distance). In a box, also the smallest allowed edge (a particle and
        its own image).

    The largest pair coupling |K| s_i s_j / r_ij^3 and Zeeman term s_i |h| that positions and
    scales produce are bounded by ENERGY_LIMIT = 1e12 (kT): ValueError naming `positions` or
    `scale` beyond (when they, not K or h alone, exceed it).

    Attributes read by the samplers: `positions` (n, 3), `scale` (n,) (both read-only),
    `landscapes` (n Landscape objects), `landscape_groups()` (the distinct landscapes and
    each particle's index into them), `is_chain`.
    `landscape` is the common landscape when all particles share one (by equality), else
    None; `C` is its C when it is `Quadratic`, else None; `stiffnesses` gives every C_i.
    `box` is None or the (3,) edges; `periodic_tensor()` the (6, n, n) Ewald tensor.
    """

    n: int
    K: float
    h: np.ndarray
    C: float | None
    landscape: Landscape | None
    positions: np.ndarray
    scale: np.ndarray
    landscapes: tuple[Landscape, ...]
    box: np.ndarray | None

    def __init__(
        self,
        positions,
        K,
        h=(0.0, 0.0, 0.0),
        C=None,
        landscape=None,
        scale=None,
        box=None,
        *,
        min_distance: float = MIN_DISTANCE,
    ):
        box = None if box is None else _ewald.check_box(box)
        positions = _check_positions(positions, min_distance, box)
        n = positions.shape[0]
        scale = _check_scale(scale, n)
        K = _checks.real("K", K)
        h = _checks.vector3("h", h)
        _check_energy_scale(positions, scale, K, h, box)
        self._setup(positions, K, h, _landscape_list(n, C, landscape), scale, box)

    def _setup(self, positions, K, h, landscapes, scale, box=None) -> None:
        self.n = positions.shape[0]
        self.K = _checks.real("K", K)
        if box is not None:
            box = np.array(box, dtype=float)
            box.setflags(write=False)
        self.box = box
        self._tensor = None
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

    def __getstate__(self) -> dict:
        # the Ewald tensor (48 n^2 bytes) is rebuilt on demand, never pickled
        state = dict(self.__dict__)
        state["_tensor"] = None
        return state

    def __setstate__(self, state) -> None:
        # unpickled arrays come back writeable: keep the model immutable
        state.setdefault("box", None)
        state.setdefault("_tensor", None)
        self.__dict__.update(state)
        for name in ("positions", "scale", "h", "_groups", "box"):
            if getattr(self, name) is not None:
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
            self.box is None
            and self._unit_scale
            and self.landscape is not None
            and np.array_equal(self.positions, _chain_positions(self.n))
        )

    @property
    def stiffnesses(self) -> np.ndarray | None:
        """C_i of every particle when all landscapes are `Quadratic` (Eq. (B1)), else None."""
        if not all(isinstance(land, Quadratic) for land in self._unique):
            return None
        return np.array([self._unique[g].C for g in self._groups])

    def periodic_tensor(self) -> np.ndarray:
        """The Ewald tensor G of the box, shape (6, n, n) (`mcdimer.ewald.ewald_tensor`:
        components xx, yy, zz, xy, xz, yz, units 1/d^3, self images included, tin foil),
        built at the first call and kept (read-only). ValueError for an open assembly."""
        if self.box is None:
            raise ValueError("periodic_tensor needs a periodic assembly (box given)")
        if self._tensor is None:
            g = _ewald.ewald_tensor(self.positions, self.box)
            g.setflags(write=False)
            self._tensor = g
        return self._tensor

    def geometric_tensor(self) -> np.ndarray:
        """D_ij = s_i s_j (3 r r^T - I)/r^3 summed over the pairs (and, in a box, over every
        image by the Ewald sum, self images on the diagonal), shape (n, n, 3, 3), units
        1/d^3: `pair_tensor` without K. Dense (9 n^2 doubles)."""
        if self.box is None:
            return dipolar_tensor(self.positions, self.scale)
        s = self.scale
        return _ewald.blocks(self.periodic_tensor()) * np.outer(s, s)[:, :, None, None]

    def pair_tensor(self) -> np.ndarray:
        """T_ij = K s_i s_j (3 r r^T - I)/r^3, shape (n, n, 3, 3): h_i = s_i h + sum_j T_ij mu_j.

        In a box T_ij sums every image (Ewald, tin foil) and T_ii (a particle's own images)
        is not zero. Dense (9 n^2 doubles): for small assemblies (tests, mean field).
        Eq. (3), reduced.
        """
        return self.K * self.geometric_tensor()

    # --- energies ---------------------------------------------------------------------
    def _landscape_energy(self, mu) -> np.ndarray:
        r = np.sqrt(np.einsum("...ic,...ic->...i", mu, mu))
        if len(self._unique) == 1:
            return self._unique[0].energy(r).sum(axis=-1)
        e = np.zeros(r.shape[:-1])
        for g, land in enumerate(self._unique):
            e = e + land.energy(r[..., self._groups == g]).sum(axis=-1)
        return e

    def _periodic_field(self, mu) -> np.ndarray:
        """sum_j T_ij mu_j (self images included) from the Ewald tensor, mu (..., n, 3)."""
        g = self.periodic_tensor()
        lead = mu.shape[:-2]
        x = (mu * self.scale[:, None]).reshape(-1, self.n, 3).transpose(1, 2, 0)  # (n, 3, b)
        out = np.zeros_like(x)
        for c, (a, b) in enumerate(_ewald.COMPONENTS):
            out[:, a] += g[c] @ x[:, b]
            if a != b:
                out[:, b] += g[c] @ x[:, a]
        out *= self.K * self.scale[:, None, None]
        return out.transpose(2, 0, 1).reshape(*lead, self.n, 3)

    def _dipolar_field(self, mu) -> np.ndarray:
        """sum_j T_ij mu_j for mu of shape (..., n, 3), by blocks of rows (never n^2 x 9)."""
        if self.box is not None:
            return self._periodic_field(mu)
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
        if (self.n > 1 or self.box is not None) and self.K != 0.0:
            e = e + self._dipolar_energy(mu)
        return e

    def field(self, mu) -> np.ndarray:
        """Effective reduced field on each particle, Eq. (3) in reduced form, shape (..., n, 3).

        h_i = s_i h + K s_i sum_{j != i} s_j (3 r_ij (r_ij . mu_j) - mu_j)/|R_ij|^3, which is
        minus the gradient of the Zeeman and dipolar energy with respect to mu_i. In a box
        the sum runs over every image, i's own images included (Ewald, tin foil).
        """
        mu = _checks.moments("mu", mu, self.n)
        if self._unit_scale:
            out = np.broadcast_to(self.h, mu.shape).copy()
        else:
            out = self.scale[:, None] * self.h[None, :] + np.zeros(mu.shape)
        if (self.n > 1 or self.box is not None) and self.K != 0.0:
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
            "box": self.box,
        }

    def replace(self, **changes) -> Assembly:
        """A copy with some of positions, K, h, C, landscape, scale, box changed."""
        unknown = sorted(set(changes) - set(_NAMES))
        if unknown:
            raise ValueError(
                f"replace: unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(_NAMES)}"
            )
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
            self.box,
        )
        out._tensor = self._tensor  # the geometry is the same: share the Ewald tensor
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
        box = "" if self.box is None else ", box=({})".format(", ".join(f"{v:g}" for v in self.box))
        return f"Assembly(n={self.n}, K={self.K:g}, h=({h}), landscape={land}{scale}{box})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Assembly)
            and other.n == self.n
            and other.K == self.K
            and np.array_equal(other.h, self.h)
            and np.array_equal(other.positions, self.positions)
            and np.array_equal(other.scale, self.scale)
            and other.landscapes == self.landscapes
            and (other.box is None) == (self.box is None)
            and (self.box is None or np.array_equal(other.box, self.box))
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
                None if self.box is None else self.box.tobytes(),
            )
        )


def _chain_positions(n: int) -> np.ndarray:
    pos = np.zeros((n, 3))
    pos[:, 2] = np.arange(n)
    return pos


def _real_array(name: str, value, hint: str) -> np.ndarray:
    """value as a float array; strings, bools and objects refused naming `name`."""
    bad = ValueError(f"{name} must be {hint}, got {value!r}")
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iuf" or _ewald.has_bool(value):
            raise bad
        return np.array(raw, dtype=float)
    except (TypeError, ValueError):
        raise bad from None


def _check_positions(positions, min_distance, box=None) -> np.ndarray:
    pos = _real_array("positions", positions, "an (n, 3) array of finite reals")
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] < 1:
        raise ValueError(f"positions must have shape (n, 3) with n >= 1, got {pos.shape}")
    if pos.shape[0] > MAX_PARTICLES:
        raise ValueError(
            f"positions must hold at most {MAX_PARTICLES} particles, got {pos.shape[0]}"
        )
    if not np.all(np.isfinite(pos)):
        raise ValueError("positions must be finite")
    if np.abs(pos).max() > _ewald.MAX_EDGE:
        raise ValueError(
            f"positions must lie within {_ewald.MAX_EDGE:g} of the origin (units of d): "
            "beyond, pair distances lose their digits"
        )
    min_distance = _checks.real("min_distance", min_distance, low=0.0, low_open=True)
    if box is not None:
        if box.min() < min_distance:
            raise ValueError(
                f"box edges must be >= min_distance = {min_distance:g} (a particle and its "
                f"own image), got box = {tuple(box.tolist())}"
            )
        pos = _ewald.wrap(pos, box)
    if pos.shape[0] > 1:
        from scipy.spatial import cKDTree  # not at the top: scipy.spatial, ~0.3 s of import

        tree = cKDTree(pos) if box is None else cKDTree(pos, boxsize=box)
        dist, idx = tree.query(pos, k=2)
        i = int(np.argmin(dist[:, 1]))
        if dist[i, 1] < min_distance:
            # with coincident points the query may list i itself second
            j = int(idx[i, 1]) if idx[i, 1] != i else int(idx[i, 0])
            where = "" if box is None else " (minimum image across the box)"
            raise ValueError(
                f"positions: particles {min(i, j)} and {max(i, j)} are {dist[i, 1]:.3g} apart"
                f"{where}; centres must be >= min_distance = {min_distance:g} apart (units of d)"
            )
    return pos


def _check_scale(scale, n: int) -> np.ndarray:
    if scale is None:
        return np.ones(n)
    s = _real_array("scale", scale, f"one number > 0 or n = {n} numbers > 0")
    if s.ndim == 0:
        s = np.full(n, float(s))
    if s.shape != (n,):
        raise ValueError(f"scale must be one number or a sequence of n = {n}, got shape {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("scale (s_i = M0,i/M0) must be finite and > 0 for every particle")
    return s


def _largest_coupling(pos, s, box) -> tuple[float, float]:
    """(max over pairs and images of s_i s_j / r_ij^3, smallest distance r_ij), from each
    particle's nearest neighbour (exact with equal scales; else an upper bound, refined
    pair by pair)."""
    from scipy.spatial import cKDTree  # not at the top: as in _check_positions

    n = pos.shape[0]
    values = []
    r_min = np.inf
    if box is not None:
        r_min = float(box.min())
        values.append(float(s.max() ** 2) / r_min**3)  # own images
    if n > 1:
        tree = cKDTree(pos) if box is None else cKDTree(pos, boxsize=box)
        dist = tree.query(pos, k=2)[0][:, 1]
        r_min = min(r_min, float(dist.min()))
        with np.errstate(over="ignore"):
            bound = s * s.max() / dist**3
        if np.all(s == s[0]) or not bound.max() > ENERGY_LIMIT:
            values.append(float(bound.max()))
        else:
            for i in np.flatnonzero(bound > ENERGY_LIMIT):
                d = pos - pos[i]
                if box is not None:
                    d = _ewald.minimum_image(d, box)
                r2 = np.einsum("jc,jc->j", d, d)
                r2[i] = np.inf
                with np.errstate(over="ignore"):
                    values.append(float(np.max(s[i] * s / r2**1.5)))
    return max(values, default=0.0), r_min


def _check_energy_scale(pos, s, K, h, box) -> None:
    """Refuse positions or scales that make a pair coupling or Zeeman term exceed
    ENERGY_LIMIT when K and h alone do not (class docstring)."""
    geometric, r_min = _largest_coupling(pos, s, box)
    k = max(abs(K), 1.0)
    if geometric > 1.0 and k * geometric > ENERGY_LIMIT:
        name = "positions" if k / r_min**3 > ENERGY_LIMIT else "scale"
        raise ValueError(
            f"{name}: the largest pair coupling |K| s_i s_j / r_ij^3 is "
            f"{k * geometric:.3g} (|K| taken >= 1), beyond {ENERGY_LIMIT:g} kT: "
            "reduced energies would lose every digit of their differences; keep particles "
            "further apart or moment scales smaller"
        )
    smax = float(s.max())
    hn = float(np.linalg.norm(h))
    if smax > 1.0 and max(hn, 1.0) * smax > ENERGY_LIMIT:
        raise ValueError(
            f"scale: the largest Zeeman term s_i |h| is {max(hn, 1.0) * smax:.3g} (|h| taken "
            f">= 1), beyond {ENERGY_LIMIT:g} kT; moment scales must be smaller"
        )


class Chain(Assembly):
    """n moments on the z axis with equal spacing d, in reduced units (App. C).

    The `Assembly` with positions (0, 0, i), i = 0..n-1, every s_i = 1 and one landscape;
    its dipolar sums use the Toeplitz matrix A_ij = 1/|i-j|^3 of Eq. (C1).

    Parameters
    ----------
    n : number of particles, 1 <= n <= MAX_PARTICLES = 10^6 (a dimer is n = 2).
    K : dipolar coupling beta M0^2/d^3 (reduced, any finite real; the paper has K >= 0).
    h : reduced external field beta M0 H, a 3-vector (x, y, z); z is the chain axis.
    C : give this for the quadratic landscape of Eq. (B1), beta*F = C |mu|^2 ...
    landscape : ... or any `Landscape` instead (exactly one of C and landscape).
    """

    landscape: Landscape

    def __init__(self, n, K, h=(0.0, 0.0, 0.0), C=None, landscape=None):
        n = _checks.integer("n", n, low=1, high=MAX_PARTICLES)
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
        allowed = ("n", "K", "h", "C", "landscape")
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise ValueError(
                f"replace: unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            )
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
