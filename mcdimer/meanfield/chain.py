"""The critical susceptibility of a chain, Eq. (C1) and Fig. 9 (App. C).

Linearising the longitudinal mean-field equations of N identical particles at H = 0 gives
Eq. (C1): M_i - (chi/chi_c^z) sum_{j != i} M_j/|i-j|^3 = 0. A non-zero solution appears when
chi/chi_c^z reaches 1/lambda_max(A), A_ij = 1/|i-j|^3 (i != j), so

    chi_{c,N}^z / chi_c^z = 1 / lambda_max(A)   (dimensionless; K/C at onset in App. B units)

A is a symmetric Toeplitz matrix whose symbol is f(theta) = 2 sum_{k>=1} cos(k theta)/k^3, with
maximum f(0) = 2 zeta(3): chi_{c,inf}^z / chi_c^z = 1/(2 zeta(3)) ~ 0.416.

Rate of approach (derived here, tested in tests/test_meanfield_chain.py). Near theta = 0,
using d/dtheta sum cos(k theta)/k^3 = -Cl_2(theta) = theta ln(theta) - theta + O(theta^3),

    f(theta) = 2 zeta(3) - theta^2 (ln(1/theta) + 3/2) + O(theta^4).

The top eigenvector of the finite chain is a smooth positive bump whose lowest wavenumber is
theta ~ pi/N, so lambda_max = 2 zeta(3) - pi^2 (ln N + b)/N^2 + o(1/N^2): the log of the
symbol's curvature survives as a ln N. (A constant trial vector would only give a 1/N
deficit, pi^2/(3N), from the missing bonds at the ends; the bump does better.) Numerically
b -> -0.17. Hence

    chi_{c,N}^z / chi_c^z - 1/(2 zeta(3)) ~ pi^2 ln N / (4 zeta(3)^2 N^2).

Large N: A is never formed. Its product with a vector is an FFT convolution (circulant
embedding of size 2N), and the top eigenpair is found by LOBPCG on 2 zeta(3) I - A
(positive definite) preconditioned by the inverse of the Strang circulant approximation of
the same operator, also applied by FFT: N = 1e5 takes about a second.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.sparse.linalg import LinearOperator, lobpcg
from scipy.special import zeta

from .. import _checks
from ..model import coupling_matrix

#: chi_{c,inf}^z / chi_c^z = 1/(2 zeta(3)) (App. C, Fig. 9 dashed line).
CHAIN_ASYMPTOTE = 1.0 / (2.0 * float(zeta(3)))

_DENSE_MAX = 2000  # dense eigvalsh below this n, matrix-free above ("auto")
_SYMBOL_MAX = 2.0 * float(zeta(3))


def coupling_row(n: int) -> np.ndarray:
    """First row of A: (0, 1, 1/2^3, ..., 1/(n-1)^3)."""
    k = np.arange(1, n, dtype=float)
    return np.concatenate([[0.0], 1.0 / k**3])


def _dense_lambda_max(n: int) -> float:

    return float(np.linalg.eigvalsh(coupling_matrix(n))[-1])


def _fft_lambda_max(n: int, tol: float = 1e-11) -> float:

    row = coupling_row(n)
    # Circulant embedding of size 2n: A x = first n entries of c * [x, 0].
    c = np.concatenate([row, [0.0], row[:0:-1]])
    c_hat = np.fft.rfft(c)

    def a_times(x):
        x = x.reshape(n, -1)
        return np.fft.irfft(np.fft.rfft(x, 2 * n, axis=0) * c_hat[:, None], 2 * n, axis=0)[:n]

    # Strang circulant of size n: entry j is 1/min(j, n-j)^3.
    j = np.arange(1, n)
    s = np.concatenate([[0.0], 1.0 / np.minimum(j, n - j).astype(float) ** 3])
    p_eig = _SYMBOL_MAX - np.real(np.fft.fft(s))  # > 0: the truncated symbol stays below 2 zeta(3)

    def b_times(x):
        x = x.reshape(n, -1)
        return _SYMBOL_MAX * x - a_times(x)

    def precondition(x):
        x = x.reshape(n, -1)
        return np.real(np.fft.ifft(np.fft.fft(x, axis=0) / p_eig[:, None], axis=0))

    b_op = LinearOperator((n, n), matvec=b_times, matmat=b_times, dtype=float)
    m_op = LinearOperator((n, n), matvec=precondition, matmat=precondition, dtype=float)
    x = (np.arange(n) + 0.5) / n
    start = np.sin(np.pi * x)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # lobpcg's tolerance chatter
        _, vec = lobpcg(b_op, start, M=m_op, largest=False, tol=tol, maxiter=500)
    v = vec[:, 0]
    # Rayleigh quotient with A itself: error quadratic in the eigenvector's.
    return float(v @ a_times(v)[:, 0] / (v @ v))


def chain_lambda_max(n: int, method: str = "auto") -> float:
    """lambda_max of A_ij = 1/|i-j|^3 (i != j), the matrix of Eq. (C1). Dimensionless.

    method: "dense" (eigvalsh of the n x n matrix), "fft" (matrix-free LOBPCG, FFT products),
    or "auto" (dense for n <= 2000).
    """
    n = _checks.integer("n", n, low=2)
    if method not in ("auto", "dense", "fft"):
        raise ValueError(f"method must be 'auto', 'dense' or 'fft', got {method!r}")
    if n == 2:
        return 1.0
    dense = method == "dense" or (method == "auto" and n <= _DENSE_MAX)
    # dense: the n x n matrix and its workspace; fft: ~40 length-n vectors (LOBPCG, FFTs)
    _checks.memory("n", 8 * (3 * n * n if dense else 40 * n), f"the chain of n = {n}")
    if method == "dense" or (method == "auto" and n <= _DENSE_MAX):
        return _dense_lambda_max(n)
    return _fft_lambda_max(n)


def chain_critical_ratio(n: int, method: str = "auto") -> float:
    """chi_{c,N}^z / chi_c^z = 1/lambda_max(A) for a chain of n particles, Eq. (C1), Fig. 9.

    Dimensionless; in the reduced units of App. B it is the K/C of the T = 0 mean-field onset.
    chain_critical_ratio(2) == 1 (the dimer, Eq. (8)); tends to CHAIN_ASYMPTOTE = 1/(2 zeta(3))
    as pi^2 ln n / (4 zeta(3)^2 n^2) (module docstring). Works for n up to ~1e5 and beyond
    without forming A (method "fft").

    Examples
    --------
    >>> chain_critical_ratio(2)
    1.0
    >>> round(chain_critical_ratio(4), 9)
    0.573979772
    """
    return 1.0 / chain_lambda_max(n, method)


def asymptotic_excess(n) -> np.ndarray:
    """Leading-order chi_{c,N}^z/chi_c^z - 1/(2 zeta(3)) = pi^2 ln n / (4 zeta(3)^2 n^2)."""
    n = np.asarray(n, dtype=float)
    return np.pi**2 * np.log(n) / (4.0 * float(zeta(3)) ** 2 * n**2)
