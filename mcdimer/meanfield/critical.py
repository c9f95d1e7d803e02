"""Where the paramagnetic state of any assembly becomes unstable: Eq. (C1) generalised.

Derivation (reduced units of App. B; `mcdimer.Assembly`). At h = 0 the mean-field
equations (2)-(3) for the quadratic landscape of Eq. (B1), f_i = C_i |mu_i|^2, are, inside
the ball, the linear response of Eq. (4)/(B3) in the effective field of Eq. (3):

    2 C_i mu_i = h_i = K sum_{j != i} D_ij mu_j,   D_ij = s_i s_j (3 r_ij r_ij^T - I)/|R_ij|^3

(`mcdimer.model.dipolar_tensor`; s_i = M0,i/M0). With nu_i = sqrt(2 C_i) mu_i this reads
nu = K M nu with the symmetric 3n x 3n matrix

    M_ij = D_ij / (2 sqrt(C_i C_j)),                                           (C1')

so a non-zero solution exists when 1/K is an eigenvalue of M. The paramagnetic state
mu = 0 is a minimum of beta E while its Hessian 2 diag(C_i) - K D is positive definite,
i.e. while K lambda_max(M) < 1: it becomes unstable at

    K_c = 1 / lambda_max(M),

and the ordering pattern that grows there is the critical mode mu_i = nu_i / sqrt(2 C_i),
nu the top eigenvector. For the chain of App. C (s_i = 1, C_i = C, D_ij = A_ij
diag(-1, -1, 2), A_ij = 1/|i-j|^3) the top eigenvalue is in the zz block,
lambda_max(M) = lambda_max(A)/C (2 lambda_max(A) > -lambda_min(A)), so K_c/C = 1/lambda_max(A):
Eq. (C1) (`chain_critical_ratio`).

Landscapes other than `Quadratic` enter through their curvature at the origin,
C_i = f_i''(0)/2 (`Saturating(C)` has exactly C): the linear stability of mu = 0 only
sees that.

Finite temperature (`thermal=True`): in the finite-T mean field of `finite_t.py` each
particle answers its effective field with its exact thermal mean, <mu_i> = L_i(|h_i|) h_i/|h_i|,
linear at small field with slope ell_i = <|mu|^2>/3 of the bounded moment at h = 0
(`finite_t.zero_field_slope`). Linearising replaces 1/(2 C_i) by that slope, so the same
M with C_i -> 1/(2 ell_i) gives the finite-T onset; for the chain it is `finite_t_onset`.

Periodic boxes (`Assembly(box=...)`): D_ij is the Ewald tensor (tin foil, `mcdimer.ewald`),
every image summed, and D_ii (a particle's own images) is not zero: `Assembly.geometric_tensor`.
Above n = 1000 the products use the stored (6, n, n) tensor.

Assumes K > 0 (the paper's sign). M has zero trace in an open assembly, so lambda_max > 0
for n >= 2.
Dense eigensolver (top eigenpairs only) for n <= 1000; above, ARPACK (`eigsh`) with
matrix-free products computed pair by pair in a compiled loop (O(n^2) each, never
9 n^2 doubles): measured on two busy cores, random clusters at packing 0.2 took 7 s at
n = 800 (dense), 15 s at n = 1500 and 71 s at n = 4096 (a few hundred products).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .. import _checks
from ..landscapes import Quadratic
from ..model import Assembly

# largest n solved with the dense eigensolver (the 3n x 3n M of Eq. (C1')); above it the top
# eigenpair comes from matrix-free Lanczos products (eigsh) and critical_modes is refused
DENSE_MAX = 1000
# with a tolerance (critical_mode(model, tol)), Lanczos replaces the dense solver above this n
LANCZOS_MIN = 256
_NEAR_MAX = 8  # dense eigenvectors critical_mode(model, tol) combines (fcc boxes: 3)
_CURVATURE_STEP = 1e-6
_MODES_MAX = 48  # eigenpairs computed by critical_modes (degeneracies are far smaller)


def curvatures(model: Assembly, thermal: bool = False) -> np.ndarray:
    """C_i = f_i''(0)/2 of every particle (= C_i exactly for `Quadratic`), shape (n,).

    thermal: 1/(2 ell_i) instead, ell_i the zero-field slope of the thermal mean (module doc).
    """
    unique, index = model.landscape_groups()
    values = []
    for land in unique:
        if thermal:
            from .finite_t import zero_field_slope

            land.check_samplable()
            values.append(1.0 / (2.0 * zero_field_slope(land)))
        elif isinstance(land, Quadratic):
            values.append(land.C)
        else:
            land.check_samplable()
            values.append(float(land.slope(_CURVATURE_STEP)) / (2.0 * _CURVATURE_STEP))
    c = np.asarray(values)[index]
    if np.any(c <= 0):
        raise ValueError(
            "every landscape needs a curvature C_i > 0 at mu = 0 for a paramagnetic state "
            f"to lose stability; got min C_i = {c.min():g}"
        )
    return c


def _check(model) -> Assembly:
    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Assembly (or Chain), got {model!r}")
    if model.n < 2 and model.box is None:
        raise ValueError(f"the instability needs n >= 2 particles, got model.n = {model.n}")
    return model


@njit(cache=True, parallel=True)
def _weighted_dipolar(positions, scale, w, v):
    """w_i sum_j D_ij (w_j v_j), D_ij of Eq. (C1'), pair by pair: O(n^2), no n^2 storage."""
    n = positions.shape[0]
    out = np.zeros((n, 3))
    for i in prange(n):
        acc0 = 0.0
        acc1 = 0.0
        acc2 = 0.0
        for j in range(n):
            if j == i:
                continue
            dx = positions[j, 0] - positions[i, 0]
            dy = positions[j, 1] - positions[i, 1]
            dz = positions[j, 2] - positions[i, 2]
            r2 = dx * dx + dy * dy + dz * dz
            inv3 = scale[j] * w[j] / (r2 * np.sqrt(r2))
            m0 = v[3 * j]
            m1 = v[3 * j + 1]
            m2 = v[3 * j + 2]
            along = 3.0 * (dx * m0 + dy * m1 + dz * m2) / r2
            acc0 += inv3 * (along * dx - m0)
            acc1 += inv3 * (along * dy - m1)
            acc2 += inv3 * (along * dz - m2)
        f = scale[i] * w[i]
        out[i, 0] = f * acc0
        out[i, 1] = f * acc1
        out[i, 2] = f * acc2
    return out.ravel()


def _start_vector(w: np.ndarray) -> np.ndarray:
    """A fixed Lanczos start in nu: every moment along +z (the chain's and the cubic
    lattices' ordering pattern) plus a fixed pseudo-random part of equal norm, so that it
    overlaps every eigenvector; fixed, so that the result does not depend on ARPACK's own
    random start (which changes from call to call)."""
    n = w.size
    z = np.zeros((n, 3))
    z[:, 2] = 1.0 / w
    noise = np.random.default_rng(0).standard_normal(3 * n)
    return z.ravel() / np.linalg.norm(z) + noise / np.linalg.norm(noise)


def _top(model: Assembly, count: int, thermal: bool = False, tol: float = 0.0):
    """The `count` largest eigenvalues of M (C1') and their eigenvectors nu, (3n, count).
    tol > 0: Ritz values to that relative accuracy by Lanczos above n = LANCZOS_MIN."""
    n = model.n
    w = 1.0 / np.sqrt(2.0 * curvatures(model, thermal))
    count = min(count, 3 * n)
    if n <= DENSE_MAX and (tol == 0.0 or n <= LANCZOS_MIN):
        from scipy.linalg import eigh

        wv = np.repeat(w, 3)
        m = model.geometric_tensor().transpose(0, 2, 1, 3)
        m = m.reshape(3 * n, 3 * n) * np.outer(wv, wv)
        vals, vecs = eigh(m, subset_by_index=[3 * n - count, 3 * n - 1])
        return vals[::-1], vecs[:, ::-1]
    from scipy.sparse.linalg import LinearOperator, eigsh

    pos = np.ascontiguousarray(model.positions)
    scale = np.ascontiguousarray(model.scale)

    if model.box is not None:
        from ..ewald import COMPONENTS

        g = model.periodic_tensor()
        ws = w * scale

        def times(v):
            x = ws[:, None] * np.reshape(v, (n, 3))
            out = np.zeros((n, 3))
            for c, (a, b) in enumerate(COMPONENTS):
                out[:, a] += g[c] @ x[:, b]
                if a != b:
                    out[:, b] += g[c] @ x[:, a]
            return (ws[:, None] * out).ravel()

    else:

        def times(v):
            return _weighted_dipolar(pos, scale, w, np.ascontiguousarray(np.ravel(v), dtype=float))

    op = LinearOperator((3 * n, 3 * n), matvec=times, dtype=float)
    if tol == 0.0:
        vals, vecs = eigsh(op, k=max(count, 2), which="LA", tol=1e-10, v0=_start_vector(w))
    else:
        vals, vecs = eigsh(op, k=count, which="LA", tol=tol, v0=_start_vector(w))
    order = np.argsort(vals)[::-1]
    return vals[order][:count], vecs[:, order][:, :count]


def critical_coupling(model: Assembly, thermal: bool = False) -> float:
    """K_c = 1/lambda_max(M): the K at which mu = 0 loses stability (Eq. (C1'), module doc).

    Depends on the positions, scales and landscapes of `model`, not on its K or h.
    Reduced units of App. B. thermal: the finite-temperature mean-field onset instead.
    """
    vals, _ = _top(_check(model), 1, bool(thermal))
    return float(1.0 / vals[0])


def critical_ratio(model: Assembly, C: float | None = None, thermal: bool = False) -> float:
    """K_c/C at which the paramagnetic state becomes unstable: Eq. (C1) for any assembly.

    C: the reference stiffness the ratio is measured against (the C of the reference
    particle, s = 1, that `geometry.quadratic_landscapes` scaled from). Default: the
    common C_i of the particles; ValueError when they differ and C is not given.
    For `Chain(n, ...)` this equals `chain_critical_ratio(n)` (thermal: `finite_t_onset`).
    """
    model = _check(model)
    if C is None:
        c = curvatures(model)
        if not np.all(c == c[0]):
            raise ValueError(
                "the particles' C_i differ: give C (the reference particle's stiffness) "
                "to express the threshold as K/C"
            )
        C = float(c[0])
    C = _checks.real("C", C, low=0.0, low_open=True)
    return critical_coupling(model, thermal) / C


def _to_modes(model: Assembly, nu: np.ndarray) -> np.ndarray:
    w = np.repeat(1.0 / np.sqrt(2.0 * curvatures(model)), 3)
    out = []
    for v in nu.T:
        mu = w * v
        mu /= np.linalg.norm(mu)
        if mu[np.argmax(np.abs(mu))] < 0:
            mu = -mu
        out.append(mu.reshape(model.n, 3))
    return np.array(out)


def critical_mode(model: Assembly, tol: float = 0.0) -> np.ndarray:
    """The ordering pattern at K_c: mu_i = nu_i/sqrt(2 C_i), shape (n, 3), unit norm.

    sum_i |mu_i|^2 = 1, sign fixed by making its largest component positive. When the top
    eigenvalue is degenerate (symmetric lattices, rings) this is one vector of the
    critical subspace: use `critical_modes` for all of them.

    tol (0 <= tol < 1): 0 solves to round-off; tol > 0 returns the part, within the
    eigenvectors whose eigenvalues lie within tol (relative) of lambda_max, of a fixed
    start vector (every moment along +z, plus a fixed pseudo-random part): by Lanczos from
    that start above n = LANCZOS_MIN (near a dense top of the spectrum, long chains, far
    fewer products), by projection of it on the top _NEAR_MAX dense eigenvectors below.
    Its Rayleigh quotient is then within tol of lambda_max, and in a degenerate critical
    subspace (an fcc box: uniform order along any axis) it is the pattern nearest to
    ordering along z, not an arbitrary one. For the sampler's collective move
    (`sampling.collective.soft_mode`), which is exact for any direction.
    """
    model = _check(model)
    tol = _checks.real("tol", tol, low=0.0, high=1.0, high_open=True)
    if tol == 0.0:
        return _to_modes(model, _top(model, 1)[1])[0]
    vals, nu = _top(model, _NEAR_MAX if model.n <= LANCZOS_MIN else 1, tol=tol)
    nu = nu[:, vals >= (1.0 - tol) * vals[0]]
    start = _start_vector(1.0 / np.sqrt(2.0 * curvatures(model)))
    return _to_modes(model, (nu @ (nu.T @ start))[:, None])[0]


def critical_modes(model: Assembly, rtol: float = 1e-8) -> np.ndarray:
    """Every critical mode: eigenvectors of M (C1') with lambda >= (1 - rtol) lambda_max.

    Shape (k, n, 3), each of unit norm (orthonormal when all C_i are equal). Uses the
    dense eigensolver (n <= 1000).
    """
    model = _check(model)
    rtol = _checks.real("rtol", rtol, low=0.0, high=1.0)
    if model.n > DENSE_MAX:
        raise ValueError(f"critical_modes needs model.n <= {DENSE_MAX}, got {model.n}")
    vals, vecs = _top(model, _MODES_MAX)
    keep = vals >= (1.0 - rtol) * vals[0]
    return _to_modes(model, vecs[:, keep])
