"""Ridge with more columns than rows by Cholesky of the kernel matrix (the dual).

``solver="cholesky"`` on a wide design (``n_samples < n_features``, X in memory) solves,
as scikit-learn's cholesky solver does there,

    (A A' + alpha I) Z = B,      coef = A' Z

with ``A = W^1/2 (X - x_bar)`` and ``B = W^1/2 (y - y_bar)`` in the user's units (the
penalty ``alpha ||coef||^2`` is isotropic there).  Its condition number is
``(s_max^2 + alpha) / (s_min^2 + alpha)`` over the nonzero singular values ``s`` of ``A``,
so it stays accurate as ``alpha -> 0`` where the primal Gram matrix ``A'A + alpha I`` is
singular to working precision.  With an intercept the centred rows are orthogonal to
``v = W^1/2 1``, an exact null vector of ``A A'`` along which ``B`` has no component; the
term ``||A||^2 v v' / ||v||^2`` is added so that rounding cannot make that direction
indefinite, which leaves the exact solution unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from ..solution import Solution
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem

NAME = "cholesky"


class Indefinite(np.linalg.LinAlgError):
    """The kernel matrix plus alpha is not positive definite to working precision."""


def solve(problem: LeastSquaresProblem) -> Solution:
    """Ridge by Cholesky of ``A A' + alpha I`` (module docstring); raises
    :class:`Indefinite` when that fails."""
    alpha = float(problem.alpha[0])
    A, B, scale, active, x_mean, y_mean = problem.design(dtype=np.float64, augment=False)
    if problem.weights is not None:  # rows of weight zero take no part
        rows = problem.weights > 0
        A, B = A[rows], B[rows]
    Au = A * scale[active]  # user units
    K = Au @ Au.T
    top = float(np.trace(K)) if K.size else 0.0
    K[np.diag_indices_from(K)] += alpha
    if problem.fit_intercept:
        v = np.ones(K.shape[0]) if problem.weights is None else np.sqrt(problem.weights[rows])
        K += top * np.outer(v, v) / max(float(v @ v), np.finfo(float).tiny)
    factor, info = lapack.dpotrf(K, lower=0, clean=1)
    if info != 0:
        raise Indefinite(f"leading minor {info} of the kernel matrix is not positive")
    Z, _ = lapack.dpotrs(factor, B, lower=0)
    beta = (Au.T @ Z) * scale[active, None]  # equilibrated, as to_user_units takes
    coef, intercept = problem.to_user_units(beta, scale, active, x_mean, y_mean)
    eig = np.linalg.eigvalsh(K)
    kappa = float(eig[-1] / eig[0]) if eig.size and eig[0] > 0 else np.inf
    error = kappa * EPS * np.sqrt(K.shape[0])
    inaccurate = not error <= TARGET_ACCURACY
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=int(active.sum()),
        aliased=tuple(int(i) for i in np.flatnonzero(~active)),
        condition_number=float(np.sqrt(kappa)),
        error_estimate=error,
        status="inaccurate" if inaccurate else "ok",
        message=(
            f"solver 'cholesky' (dual): the kernel matrix has condition number {kappa:.2e}: "
            f"the coefficients are only accurate to about {error:.1e} relative"
            if inaccurate
            else ""
        ),
    )
