"""The exact dimer: Eq. (B8) by deterministic quadrature.

Particle 2 is integrated out exactly: for a fixed mu_1 it is a single bounded moment in
the field h_2 = h + K (3 z mu_1^z - mu_1) (docs/physics.md, "Reduced units"), whose partition
function Z1(|h_2|) depends only on the field's magnitude (`mcdimer.single`). What
is left is an integral over particle 1 in cylindrical coordinates (mu_1^z, rho_1, phi_1),

    Z2 = int d^3mu_1 exp(-f(|mu_1|) + h . mu_1) Z1(|h_2(mu_1)|),

which is Eq. (B8) with the (mu_2, u_2) integrals done first (for a longitudinal field
the azimuths integrate to the I0 of Eq. (B8)). Composite Gauss-Legendre panels, aligned
with the histogram bins and graded toward the ball's edge, give ~1e-8 accuracy for
C, K up to 500 (tests check 1e-6 against an independent evaluation of (B8)).
A transverse field breaks the symmetry about z: phi_1 is then integrated by the
trapezoidal rule, which converges exponentially for a periodic integrand.

Limits (`check_limits`, ValueError naming the parameter): |K|, |h| <= 1e12 kT, the
samplers' limit; a landscape with f(1) <= 1e4 (the fixed panels resolve Gaussian widths
down to 1/sqrt(2e4): at C = 1e4 <beta E> is off by 2e-6, at 2e4 by 2e-4, at 1e5 by 3e-2);
with a transverse field, |h_perp| + 2|K| <= 1e4 (the phi_1 nodes grow as its square
root: ~2.5 s at 1e3, ~12 s at 1e4 on two busy cores, where 1e6 took five minutes).

Any pair axis. A two-particle `Assembly` with equal scales s and one landscape is the
chain dimer in its pair frame: with R the rotation taking the unit vector e from particle
1 to particle 2 onto z and r their distance, beta E(mu_1, mu_2) = beta E'(R mu_1, R mu_2) for
`Chain(2, K s^2/r^3, h = s R h, landscape)` (Eq. (B6) is rotation invariant). The
quadrature runs in that frame and `expect` returns lab-frame values: means of mu_1 through
the full pair-frame vector <R mu_1> (its component along the field's transverse direction
is computed, the one across it vanishes by the reflection symmetry), second moments through
the full tensor <mu_1 mu_1^T> (the only off-diagonal term, <x_1 z_1> in the field's
azimuth, is a mean of the per-node conditional means), `mu1z_mu2z` through the full
<mu_1 mu_2^T> (accumulated with E[mu_2|mu_1]), `abs_mu1` and `energy` unchanged.
`abs_mu1z` needs the density of the lab projection: it is given when the lab z is the pair
axis (up to sign) and NaN otherwise; `pdf_mu1z` likewise needs the lab z along the axis.
Unequal scales or landscapes: ValueError (the pair frame would need two fields).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import _checks
from ._checks import ENERGY_LIMIT
from ._quadrature import NODES_PER_PANEL, composite, graded_edges
from .model import Assembly, Chain
from .single import Table

_PANEL_WIDTH_Z = 1.0 / 64.0  # widest panel in mu_1^z
_PANELS_RHO = 32  # panels in rho_1 / rho_max before the grading toward the edge
STIFFNESS_LIMIT = 1e4  # f(1) in kT: beyond it the panels no longer resolve the Gaussian core
TRANSVERSE_LIMIT = 1e4  # |h_perp| + 2|K| with a transverse field: bounds the phi_1 nodes


@njit(cache=True)
def _hermite(table, step, column, H):
    """Cubic Hermite interpolation of table[:, column] (derivative in column + 1) at H."""
    x = H / step
    i = int(x)
    t = x - i
    f0 = table[i, column]
    f1 = table[i + 1, column]
    d0 = table[i, column + 1] * step
    d1 = table[i + 1, column + 1] * step
    t2 = t * t
    t3 = t2 * t
    return (
        (2 * t3 - 3 * t2 + 1) * f0
        + (t3 - 2 * t2 + t) * d0
        + (-2 * t3 + 3 * t2) * f1
        + (t3 - t2) * d1
    )


@njit(cache=True, parallel=True)
def _particle1_sums(z, logwz, s, logws, cphi, sphi, logwphi, f1, h, K, table, step):
    """For each mu_1^z node: ln(sum of weights) and weighted means over (rho_1, phi_1).

    Columns: 0 ln sum, 1 <x1>, 2 <x1^2>, 3 <y1^2>, 4 <|mu1|>, 5 <f(|mu1|)>,
    6 <z1 E[z2|mu1]>, 7 <mu1 . E[mu2|mu1]>, 8 <x1 E[x2|mu1]>, 9 <x1 E[z2|mu1]>,
    10 <z1 E[x2|mu1]> (x along the transverse field).
    """
    nz, ns, nphi = z.size, s.size, cphi.size
    out = np.zeros((nz, 11))
    for a in prange(nz):
        za = z[a]
        rmax = np.sqrt(max(1.0 - za * za, 0.0))
        hz2 = h[2] + 2.0 * K * za
        lw = np.empty((ns, nphi))
        gg = np.empty((ns, nphi))
        top = -np.inf
        for b in range(ns):
            rho = rmax * s[b]
            base = logwz[a] + logws[b] + np.log(rmax * rmax * s[b]) - f1[a, b] + h[2] * za
            for c in range(nphi):
                x1 = rho * cphi[c]
                y1 = rho * sphi[c]
                hx2 = h[0] - K * x1
                hy2 = h[1] - K * y1
                H = np.sqrt(hx2 * hx2 + hy2 * hy2 + hz2 * hz2)
                lnz = _hermite(table, step, 0, H)
                if H > 1e-12:
                    g = _hermite(table, step, 1, H) / H
                else:
                    g = table[0, 2]
                v = base + logwphi[c] + h[0] * x1 + h[1] * y1 + lnz
                lw[b, c] = v
                gg[b, c] = g
                if v > top:
                    top = v
        acc = np.zeros(11)
        for b in range(ns):
            rho = rmax * s[b]
            r1 = np.sqrt(za * za + rho * rho)
            for c in range(nphi):
                w = np.exp(lw[b, c] - top)
                x1 = rho * cphi[c]
                y1 = rho * sphi[c]
                g = gg[b, c]
                e2x = g * (h[0] - K * x1)
                e2y = g * (h[1] - K * y1)
                e2z = g * hz2
                acc[0] += w
                acc[1] += w * x1
                acc[2] += w * x1 * x1
                acc[3] += w * y1 * y1
                acc[4] += w * r1
                acc[5] += w * f1[a, b]
                acc[6] += w * za * e2z
                acc[7] += w * (x1 * e2x + y1 * e2y + za * e2z)
                acc[8] += w * x1 * e2x
                acc[9] += w * x1 * e2z
                acc[10] += w * za * e2x
        out[a, 0] = top + np.log(acc[0])
        for k in range(1, 11):
            out[a, k] = acc[k] / acc[0]
    return out


def _rotation_to_z(e: np.ndarray) -> np.ndarray:
    """The proper rotation R with R e = z (e a unit vector), by Rodrigues' formula."""
    z = np.array([0.0, 0.0, 1.0])
    c = float(e @ z)
    if c > 1.0 - 1e-15:
        return np.eye(3)
    if c < -1.0 + 1e-15:
        return np.diag([1.0, -1.0, -1.0])  # pi about x
    axis = np.cross(e, z)
    axis /= np.linalg.norm(axis)
    k = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + np.sqrt(1.0 - c * c) * k + (1.0 - c) * (k @ k)


def pair_frame(model) -> tuple[Chain, np.ndarray | None]:
    """(the dimer in its pair frame, R) for a two-particle `Assembly`; (model, None) for a Chain.

    Module docstring: K' = K s^2/r^3, h' = s R h, R the rotation taking the pair axis onto z.
    """
    if isinstance(model, Chain) or not isinstance(model, Assembly):
        return model, None
    if model.n != 2:
        raise ValueError(
            f"the exact quadrature (Eq. (B8)) is for the dimer: model.n must be 2, got {model.n}"
        )
    if model.scale[0] != model.scale[1]:
        raise ValueError(
            f"model.scale must be equal for the exact dimer, got {tuple(model.scale)}: "
            "unequal moments would need two fields in the pair frame (not supported)"
        )
    if model.landscape is None:
        raise ValueError(
            "model.landscapes must be equal for the exact dimer (one landscape for both)"
        )
    d = model.positions[1] - model.positions[0]
    r = float(np.linalg.norm(d))
    rot = _rotation_to_z(d / r)
    s = float(model.scale[0])
    h = s * (rot @ model.h)
    if np.hypot(h[0], h[1]) <= 1e-14 * np.linalg.norm(h):
        h[:2] = 0.0  # a field along the axis stays exactly along it (round-off of R)
    chain = Chain(2, model.K * s * s / r**3, h=h, landscape=model.landscape)
    return chain, rot


def _check_dimer(model) -> Chain:
    model = pair_frame(model)[0]
    if not isinstance(model, Chain):
        raise ValueError(
            f"model must be a mcdimer.Chain (e.g. mcdimer.Dimer) or a two-particle Assembly, "
            f"got {model!r}"
        )
    if model.n != 2:
        raise ValueError(
            f"the exact quadrature (Eq. (B8)) is for the dimer: model.n must be 2, got {model.n}"
        )
    model.landscape.check_samplable()
    check_limits(model)
    return model


def check_limits(model: Chain) -> None:
    """ValueError naming the parameter if the quadrature would be inaccurate or unbounded.

    See the module docstring for the limits and what they were measured from."""
    model = pair_frame(model)[0]
    h = np.asarray(model.h, dtype=float)
    for name, value in (("K", abs(model.K)), ("h", float(np.abs(h).max()))):
        if not value <= ENERGY_LIMIT:
            raise ValueError(
                f"{name} = {value:g} is beyond the exact quadrature's range: reduced energies "
                f"must stay below {ENERGY_LIMIT:g} kT"
            )
    f1 = float(np.abs(model.landscape.table()).max())
    if not f1 <= STIFFNESS_LIMIT:
        raise ValueError(
            f"landscape {model.landscape!r}: beta*F(1) = {f1:g} is beyond the exact "
            f"quadrature's accuracy range (<= {STIFFNESS_LIMIT:g}, e.g. C <= {STIFFNESS_LIMIT:g})"
        )
    hperp = float(np.hypot(h[0], h[1]))
    if hperp > 0 and not hperp + 2 * abs(model.K) <= TRANSVERSE_LIMIT:
        raise ValueError(
            f"transverse field (hx, hy) = ({h[0]:g}, {h[1]:g}) with K = {model.K:g}: "
            f"|h_perp| + 2|K| = {hperp + 2 * abs(model.K):g} must be <= {TRANSVERSE_LIMIT:g} "
            "for the exact quadrature (its cost grows as the square root)"
        )


def _quadrature_bytes(bins: int) -> int:
    """Bytes `_integrate` needs for `bins` histogram bins: nodes in mu_1^z x rho_1 arrays."""
    per_bin = max(1, int(np.ceil((2.0 / bins) / _PANEL_WIDTH_Z)))
    nz = (bins * per_bin + 50) * NODES_PER_PANEL
    ns = (_PANELS_RHO + 25) * NODES_PER_PANEL
    return 8 * nz * ns * 4  # r1, f1 and their temporaries


def _z_edges(bins: int) -> np.ndarray:
    """Panel edges in mu_1^z: every bin edge is a panel edge; graded toward +-1."""
    per_bin = max(1, int(np.ceil((2.0 / bins) / _PANEL_WIDTH_Z)))
    inner = np.linspace(-1.0, 1.0, bins * per_bin + 1)
    step = inner[1] - inner[0]
    grade = step * 0.5 ** np.arange(1, 25)
    return np.unique(np.concatenate([inner, -1.0 + grade, 1.0 - grade]))


_cache: dict = {}


def _integrate(model: Chain, bins: int):
    key = (model, bins)
    if key in _cache:
        return _cache[key]
    h = np.array(model.h, dtype=float)
    K = model.K
    hperp = float(np.hypot(h[0], h[1]))
    # Rotate the transverse field onto x (symmetry about the chain axis); undone below.
    hr = np.array([hperp, 0.0, h[2]])
    if hperp == 0.0:
        # Nothing depends on phi_1 but x1^2 vs y1^2: two nodes average cos^2 to 1/2 exactly.
        phi = np.array([0.25 * np.pi, 0.75 * np.pi])
        logwphi = np.log(np.full(2, np.pi))
    else:
        # Even in phi_1: trapezoid on [0, pi]; node count from the largest exponent.
        nphi = int(24 + 6 * np.sqrt(hperp + 2.0 * abs(K)))
        phi = np.linspace(0.0, np.pi, nphi)
        wphi = np.full(nphi, 2.0 * np.pi / (nphi - 1))
        wphi[[0, -1]] *= 0.5
        logwphi = np.log(wphi)

    z, wz = composite(_z_edges(bins))
    s, ws = composite(graded_edges(0.0, 1.0, _PANELS_RHO))
    rmax = np.sqrt(np.maximum(1.0 - z * z, 0.0))
    r1 = np.sqrt(z[:, None] ** 2 + (rmax[:, None] * s[None, :]) ** 2)
    f1 = np.ascontiguousarray(model.landscape.energy(r1))

    table = Table(model.landscape, h_max=float(np.linalg.norm(h)) + 2.0 * abs(K) + 1.0)
    sums = _particle1_sums(
        z,
        np.log(wz),
        s,
        np.log(ws),
        np.cos(phi),
        np.sin(phi),
        logwphi,
        f1,
        hr,
        K,
        table.values,
        table.step,
    )
    lw = sums[:, 0]
    w = np.exp(lw - lw.max())
    w /= w.sum()

    # Histogram: weights of the mu_1^z nodes in each bin, divided by the bin width.
    edges = np.linspace(-1.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, z, side="right") - 1, 0, bins - 1)
    pdf = np.bincount(which, weights=w, minlength=bins) / (2.0 / bins)

    mean = w @ sums
    x1, x1sq, y1sq = mean[1], mean[2], mean[3]
    cos_a, sin_a = (h[0] / hperp, h[1] / hperp) if hperp > 0 else (1.0, 0.0)
    mu1z = float(w @ z)
    dip = mean[7] - 3.0 * mean[6]
    energy = 2.0 * mean[5] - 2.0 * (hperp * x1 + h[2] * mu1z) + K * dip
    moments = {
        "mu1z": mu1z,
        "mu1x": float(cos_a * x1),
        "mu1z2": float(w @ z**2),
        "mu1x2": float(cos_a**2 * x1sq + sin_a**2 * y1sq),
        "abs_mu1z": float(w @ np.abs(z)),
        "abs_mu1": float(mean[4]),
        "mu1z_mu2z": float(mean[6]),
        "energy": float(energy),
    }
    # Pair-frame tensors for rotated pairs: in the field's azimuth frame (x'' along h_perp)
    # <mu_1> = (x1, 0, z1), <mu_1 mu_1^T> has only <x1 z1> off the diagonal (y -> -y symmetry).
    rz = np.array([[cos_a, -sin_a, 0.0], [sin_a, cos_a, 0.0], [0.0, 0.0, 1.0]])
    xz = float(w @ (z * sums[:, 1]))
    second = np.array([[x1sq, 0.0, xz], [0.0, y1sq, 0.0], [xz, 0.0, moments["mu1z2"]]])
    frame = {
        "mean": rz @ np.array([x1, 0.0, mu1z]),
        "second": rz @ second @ rz.T,
        # <mu_1 mu_2^T>: in the field's azimuth frame only xx, yy, zz, xz, zx (y -> -y)
        "cross": rz
        @ np.array(
            [
                [mean[8], 0.0, mean[9]],
                [0.0, mean[7] - mean[8] - mean[6], 0.0],
                [mean[10], 0.0, mean[6]],
            ]
        )
        @ rz.T,
    }
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = (pdf, moments, frame)
    return pdf, moments, frame


def bin_edges(bins: int = 40) -> np.ndarray:
    """Edges of `bins` equal bins of mu_1^z on [-1, 1]."""
    bins = _checks.integer("bins", bins, low=1)
    _checks.memory("bins", 8 * bins, f"{bins} bin edges")
    return np.linspace(-1.0, 1.0, bins + 1)


def pdf_mu1z(model: Chain, bins: int = 40) -> np.ndarray:
    """Bin-averaged density of mu_1^z on `bins` equal bins of [-1, 1] (Eq. (B8), Fig. 8).

    Returns an array of `bins` densities (integrating to 1 with the bin width 2/bins).
    """
    bins = _checks.integer("bins", bins, low=1)
    _checks.memory("bins", _quadrature_bytes(bins), f"the quadrature on {bins} bins")
    pdf = _integrate(_check_dimer(model), bins)[0].copy()
    rot = pair_frame(model)[1]
    if rot is None or rot[2, 2] == 1.0:
        return pdf
    if rot[2, 2] == -1.0:
        return pdf[::-1].copy()  # lab z = -(pair axis)
    raise ValueError(
        "pdf_mu1z needs the pair axis along the lab z (model.positions): the lab-frame "
        "density of mu_1^z of a tilted pair is not given by the pair-frame quadrature"
    )


def expect(model: Chain) -> dict[str, float]:
    """Exact thermal averages of the dimer, Eq. (B8) and its moments.

    Keys: mu1z, mu1x (<mu_1^z>, <mu_1^x>), mu1z2, mu1x2 (<(mu_1^z)^2>, <(mu_1^x)^2>),
    abs_mu1z (<|mu_1^z|>), abs_mu1 (<|mu_1|>), mu1z_mu2z (<mu_1^z mu_2^z>), energy (<beta E>).
    All in the lab frame; for a two-particle `Assembly` whose axis is not along z,
    abs_mu1z is NaN (module docstring: it cannot be had from the pair frame).

    Examples
    --------
    Below threshold and at large C the dimer is Gaussian (docs/physics.md, "The exact
    dimer"): <(mu_1^z)^2> = C / (2 (C^2 - K^2)) = 1/36 at C = 50, K = 40.

    >>> from mcdimer import Dimer
    >>> round(expect(Dimer(K=40.0, C=50.0))["mu1z2"], 6)
    0.027778
    """
    _, moments, frame = _integrate(_check_dimer(model), 40)
    rot = pair_frame(model)[1]
    if rot is None:
        return dict(moments)
    ez, ex = rot[:, 2], rot[:, 0]  # lab z and x in the pair frame
    along = abs(rot[2, 2]) == 1.0
    return {
        "mu1z": float(ez @ frame["mean"]),
        "mu1x": float(ex @ frame["mean"]),
        "mu1z2": float(ez @ frame["second"] @ ez),
        "mu1x2": float(ex @ frame["second"] @ ex),
        "abs_mu1z": moments["abs_mu1z"] if along else float("nan"),
        "abs_mu1": moments["abs_mu1"],
        "mu1z_mu2z": float(ez @ frame["cross"] @ ez),
        "energy": moments["energy"],
    }


def gaussian_limit(model: Assembly) -> dict:
    """The thermal distribution of a quadratic assembly when the ball's edge is not felt.

    For `Quadratic` landscapes beta E (Eq. (B6) generalised, `Assembly.energy`) is the
    quadratic form (1/2) x^T H x - b^T x in x = (mu_1, ..., mu_n), with
    H = 2 diag(C_i) (x) I_3 - T (T the 3n x 3n matrix of `Assembly.pair_tensor`; in a
    periodic box the Ewald tensor with tin foil, self images on the diagonal) and
    b_i = s_i h. Below the mean-field onset H is positive definite and, without the bound
    |mu_i| <= 1, x is Gaussian: <x> = H^-1 b, cov = H^-1, <beta E> = 3n/2 - b^T H^-1 b / 2
    (docs/physics.md, "The exact dimer", for any geometry). With the bound the
    moments differ by ~exp(-edge^2/2): `edge` is the smallest distance from a mean to the
    ball's edge in standard deviations (e.g. > 6 for 1e-8). Dense: n up to a few hundred.

    Returns {"mean": (n, 3), "cov": (n, 3, n, 3), "energy": float, "edge": float}.
    ValueError for non-quadratic landscapes, or when H is not positive definite (beyond
    the onset of Eq. (C1'): there is no Gaussian limit).
    """
    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Assembly or Chain, got {model!r}")
    C = model.stiffnesses
    if C is None:
        raise ValueError("gaussian_limit needs Quadratic landscapes (Eq. (B1)) for every particle")
    n = model.n
    t = model.pair_tensor().transpose(0, 2, 1, 3).reshape(3 * n, 3 * n)
    hess = np.diag(np.repeat(2.0 * C, 3)) - t
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        raise ValueError(
            "the Hessian 2 C - K D is not positive definite: K is beyond the mean-field "
            "onset (meanfield.critical_coupling) and there is no Gaussian limit"
        ) from None
    cov = np.linalg.inv(hess)
    cov = 0.5 * (cov + cov.T)
    b = (model.scale[:, None] * model.h[None, :]).ravel()
    mean = np.linalg.solve(chol.T, np.linalg.solve(chol, b))
    sd = np.sqrt(
        np.max(
            np.linalg.eigvalsh(cov.reshape(n, 3, n, 3)[np.arange(n), :, np.arange(n), :]), axis=1
        )
    )
    edge = float(np.min((1.0 - np.linalg.norm(mean.reshape(n, 3), axis=1)) / sd))
    return {
        "mean": mean.reshape(n, 3),
        "cov": cov.reshape(n, 3, n, 3),
        "energy": float(1.5 * n - 0.5 * b @ mean),
        "edge": edge,
    }
