"""All mean-field (stationary) configurations of any `Assembly`: Eqs. (2)-(3) for every model.

docs/physics.md, "Landscapes": the self-consistent equations are the stationarity conditions of the
landscape energy beta E[mu] (`Chain.energy`, reduced units of App. B). With the ball bound
|mu_i| <= 1, mu is stationary (a KKT point) when, for every particle i, with h_i the
effective reduced field of Eq. (3) (`Assembly.field`),

    interior, |mu_i| < 1:  f'(|mu_i|) mu_i/|mu_i| = h_i   (f = beta F, `Landscape.slope`)
    pinned,   |mu_i| = 1:  h_i parallel to mu_i and |h_i| >= f'(1).

Both are the single fixed-point equation mu_i = rho(|h_i|) h_i/|h_i| with rho the
landscape's mean-field response clipped to the ball (`Landscape.response`, each
particle its own), so the solver
finds roots of mu - T(mu) by Newton's method with backtracking and the analytic Jacobian
(MINPACK's hybrid method as a fallback for small n), from several
starts (aligned +-z, antialigned along z, aligned and antialigned along x, along the field,
mu = 0, random; for a non-chain assembly also +-its critical mode,
`critical.critical_mode`), polishes each root with one application of T (which makes a pinned
moment exactly unit), and removes duplicates.

Stability. Write D_i = d rho(|h|) h/|h| / dh (= rho' along h, rho/|h| across; rho' = 0 for a
pinned moment) and G = dh/dmu, the 3n x 3n matrix of the blocks T_ij of
`Assembly.pair_tensor` (K A (x) diag(-1, -1, 2) for a `Chain`, which keeps that Toeplitz
form). The constrained Hessian of beta E is positive definite iff every eigenvalue of D G is
< 1, which is computed from the symmetric D^(1/2) G D^(1/2). (For an interior point D =
(Hessian of sum_i f)^-1; for a pinned moment the tangential curvature of -h_i . mu_i on the
sphere is |h_i|, and the radial direction is frozen.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..model import Assembly, Chain, coupling_matrix
from .critical import critical_mode

_W = np.array([-1.0, -1.0, 2.0])
_TOL = 1e-10  # accepted residual (max norm of mu - T(mu))
_SAME = 1e-6  # configurations closer than this (max norm) are the same


@dataclass(frozen=True)
class Stationary:
    """One stationary configuration of an `Assembly` (reduced units of App. B)."""

    mu: np.ndarray  #: (n, 3) moments M_i / M0
    energy: float  #: beta E (Assembly.energy)
    stable: bool  #: a local minimum of beta E on the product of balls
    curvature: float  #: 1 - (largest eigenvalue of D G): > 0 for a minimum
    residual: float  #: max |mu - T(mu)|

    @property
    def m(self) -> np.ndarray:
        """Moment per particle, sum_i mu_i / n (the paper's m, in units of M0)."""
        return self.mu.mean(axis=0)


class _Map:
    """T(mu) = rho_i(|h_i|) h_i/|h_i| and its pieces for one model."""

    def __init__(self, model: Assembly):
        self.model = model
        self.n = model.n
        self.chain = isinstance(model, Chain)
        if self.chain:
            self.a = coupling_matrix(model.n)
        else:
            self.t = model.pair_tensor().transpose(0, 2, 1, 3).reshape(3 * self.n, 3 * self.n)
            self.sh = model.scale[:, None] * model.h[None, :]
        self.lands, self.index = model.landscape_groups()
        eps = 1e-8
        rho0 = np.array([float(land.response(eps)) / eps for land in self.lands])
        self.rho0 = rho0[self.index]  # rho_i'(0) = 1/f_i''(0)

    def response(self, s):
        """rho_i(s_i) for every particle, each by its own landscape."""
        if len(self.lands) == 1:
            return self.lands[0].response(s)
        out = np.empty_like(s)
        for g, land in enumerate(self.lands):
            mask = self.index == g
            out[mask] = land.response(s[mask])
        return out

    def fields(self, mu):
        if self.chain:
            return self.model.h[None, :] + self.model.K * (self.a @ mu) * _W[None, :]
        return self.sh + (self.t @ mu.ravel()).reshape(self.n, 3)

    def apply(self, mu):
        h = self.fields(mu)
        s = np.linalg.norm(h, axis=1)
        rho = self.response(s)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(s[:, None] > 0, rho[:, None] * h / s[:, None], 0.0)
        return t, h, s, rho

    def response_jacobian(self, h, s, rho):
        """Per-particle D_i = dT_i/dh_i as (along, across, unit field)."""
        step = 1e-6 * np.maximum(1.0, s)
        lo = np.maximum(s - step, 0.0)
        along = (self.response(s + step) - self.response(lo)) / (s + step - lo)
        with np.errstate(invalid="ignore", divide="ignore"):
            across = np.where(s > 1e-12, rho / s, self.rho0)
            unit = np.where(s[:, None] > 1e-12, h / s[:, None], 0.0)
        along = np.where(s > 1e-12, along, self.rho0)
        return along, across, unit

    def d_blocks(self, h, s, rho, power=1.0):
        """D_i as an (n, 3, 3) array (D^power, for power 1 or 1/2)."""
        along, across, unit = self.response_jacobian(h, s, rho)
        outer = unit[:, :, None] * unit[:, None, :]
        return (
            across[:, None, None] ** power * np.eye(3)[None]
            + (along**power - across**power)[:, None, None] * outer
        )

    def dg(self, blocks_left, blocks_right=None):
        """The 3n x 3n matrix L G R for block-diagonal L, R given as (n, 3, 3) blocks."""
        if not self.chain:
            n = self.n
            lg = np.einsum("iab,ibjd->iajd", blocks_left, self.t.reshape(n, 3, n, 3))
            if blocks_right is not None:
                lg = np.einsum("iajd,jdc->iajc", lg, blocks_right)
            return lg.reshape(3 * n, 3 * n)
        left = blocks_left * _W[None, None, :]
        if blocks_right is None:
            out = self.model.K * np.einsum("ij,iab->iajb", self.a, left)
        else:
            out = self.model.K * np.einsum("ij,iab,jbc->iajc", self.a, left, blocks_right)
        return out.reshape(3 * self.n, 3 * self.n)

    def residual(self, v):
        mu = v.reshape(self.n, 3)
        t, h, s, rho = self.apply(mu)
        jac = np.eye(3 * self.n) - self.dg(self.d_blocks(h, s, rho))
        return (mu - t).ravel(), jac

    def growth(self, mu):
        _, h, s, rho = self.apply(mu)
        half = self.d_blocks(h, s, np.maximum(rho, 0.0), power=0.5)
        return float(np.linalg.eigvalsh(self.dg(half, half))[-1])


def _newton(fun, v, maxiter: int = 200):
    """Newton's method with backtracking on |R|_2 (LAPACK solves: fast for 3n ~ 1000)."""
    r, jac = fun(v)
    norm = np.linalg.norm(r)
    for _ in range(maxiter):
        if np.max(np.abs(r)) < 0.1 * _TOL:
            break
        try:
            step = np.linalg.solve(jac, r)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(jac, r, rcond=None)[0]
        alpha = 1.0
        while alpha > 1e-6:
            trial = v - alpha * step
            r_t, jac_t = fun(trial)
            norm_t = np.linalg.norm(r_t)
            if norm_t < (1.0 - 1e-4 * alpha) * norm:
                v, r, jac, norm = trial, r_t, jac_t, norm_t
                break
            alpha *= 0.5
        else:
            break
    return v


def _starts(model: Assembly, rng, random_starts: int):
    n = model.n
    z = np.array([0.0, 0.0, 1.0])
    x = np.array([1.0, 0.0, 0.0])
    alt = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)[:, None]
    starts = []
    hn = np.linalg.norm(model.h)
    if hn > 0:
        starts.append(np.tile(model.h / hn, (n, 1)))
    starts += [np.tile(z, (n, 1)), np.tile(-z, (n, 1)), alt * z, np.tile(x, (n, 1)), alt * x]
    if not isinstance(model, Chain) and n >= 2 and n <= 1000:
        mode = critical_mode(model)
        mode = 0.9 * mode / np.max(np.linalg.norm(mode, axis=1))
        starts += [mode, -mode]
    starts.append(np.zeros((n, 3)))
    for _ in range(random_starts):
        v = rng.normal(size=(n, 3))
        starts.append(0.5 * v / np.linalg.norm(v, axis=1, keepdims=True))
    return starts


def solve(model: Assembly, random_starts: int = 2, seed: int = 0) -> list[Stationary]:
    """Stationary configurations of beta E for any `Assembly` or `Chain` (any landscapes, field).

    Mean field of Eqs. (2)-(3) in the reduced units of App. B (mu = M/M0, h = beta M0 H, K =
    beta M0^2/d^3; per-particle landscapes and scales s_i). Returns the distinct
    configurations found from the starts of the module docstring, sorted by beta E (lowest
    first), each with a stability flag. For the quadratic dimer (Eq. (B1)) at h = 0: only mu
    = 0 for K/C < 1, and the saturated aligned pair mu_i = +-z (exactly unit) as the minima
    for K/C > 1.
    """
    if not isinstance(model, Assembly):
        raise ValueError(f"model must be a mcdimer.Assembly or Chain, got {model!r}")
    for land in model.landscape_groups()[0]:
        if not land.paramagnetic:
            raise ValueError(
                f"model.landscape {land!r} is diamagnetic: it has no landscape energy; "
                "use meanfield.saturating_dimer for the tanh model"
            )
    if isinstance(random_starts, bool) or not isinstance(random_starts, int) or random_starts < 0:
        raise ValueError(f"random_starts must be an integer >= 0, got {random_starts!r}")
    tmap = _Map(model)
    rng = np.random.default_rng(seed)
    found: list[Stationary] = []
    for mu0 in _starts(model, rng, random_starts):
        v = _newton(tmap.residual, mu0.ravel())
        if np.max(np.abs(tmap.residual(v)[0])) >= _TOL and model.n <= 50:
            v = optimize.root(
                tmap.residual, mu0.ravel(), jac=True, method="hybr", options={"xtol": 1e-13}
            ).x
        mu = v.reshape(model.n, 3)
        mu = tmap.apply(mu)[0]  # polish: pinned moments become exactly unit
        res = float(np.max(np.abs(mu - tmap.apply(mu)[0])))
        if not res < _TOL:
            continue
        if any(np.max(np.abs(mu - f.mu)) < _SAME for f in found):
            continue
        curvature = 1.0 - tmap.growth(mu)
        energy = float(model.energy(mu))
        found.append(Stationary(mu, energy, curvature > 1e-9, curvature, res))
    found.sort(key=lambda f: f.energy)
    return found
