"""Ridge by the SVD of the centred design in the user's units: extreme scales.

The ridge objective ``||W^1/2 (y - c - X b)||^2 + alpha ||b||^2`` is isotropic in the
user's units, so with the (weighted, centred) design ``X_c = U S V'`` the solution is
``b = V diag(s / (s^2 + alpha)) U' y_c`` for any alpha, however large or small against
the squared singular values.  ``X_c`` is factored after dividing it by a power of two
``c`` near its largest column norm (exact), and the filter is evaluated as
``s~ / (c s~^2 + alpha / c)`` so that no square of a column scale of 1e+-150 or of
alpha is ever formed.

Singular values that are zero in exact arithmetic (beyond ``n - 1`` with an intercept,
or ``n`` without one) are dropped rather than filtered: their computed values are
rounding noise that a tiny alpha would amplify.  This is the path
:mod:`~linreg.solvers.auto` takes for penalized problems whose penalized Gram matrix is
singular to working precision.
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from .problem import EPS, LeastSquaresProblem
from .qr import forward_error_bound

NAME = "spectral"


def solve(problem: LeastSquaresProblem) -> Solution:
    """Ridge solution of a single-alpha problem (module docstring)."""
    A, B, scale, active, x_mean, y_mean = problem.design(dtype=np.float64, augment=False)
    alpha = float(problem.alpha[0])
    d = scale[active]
    c = 2.0 ** np.round(np.log2(d.max())) if d.size else 1.0
    M = A * (d / c)  # X_c / c: columns in user units, divided by the common power of two
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    rank = min(s.size, max(0, problem.n_samples - int(problem.fit_intercept)))
    U, s, Vt = U[:, :rank], s[:rank], Vt[:rank]
    with np.errstate(over="ignore", under="ignore"):
        filt = s / (c * s * s + alpha / c)
        coef_active = Vt.T @ (filt[:, None] * (U.T @ B))  # (active, targets), user units
    # Straight to the user's units: the equilibrated coefficients coef * d can
    # under- or overflow where coef itself is representable (alpha >> d^2).
    coef = np.zeros((B.shape[1], problem.n_features))
    coef[:, active] = coef_active.T
    if problem.fit_intercept:
        intercept = np.asarray(y_mean, dtype=np.float64) - coef @ np.asarray(x_mean, np.float64)
    else:
        intercept = np.zeros(B.shape[1])
    kappa, error = _bound(problem, s, c, alpha, U, B)
    return Solution(
        coef=coef,
        intercept=intercept,
        solver="svd",
        rank=int(active.sum()),
        aliased=tuple(np.flatnonzero(~active)),
        condition_number=kappa,
        error_estimate=error,
        status="ok" if error <= 1e-6 else "inaccurate",
        message=""
        if error <= 1e-6
        else (
            f"ridge by SVD: the coefficients are only accurate to about {error:.1e} relative "
            f"(the penalized problem has condition number {kappa:.2e})"
        ),
    )


def _bound(problem, s, c, alpha, U, B):
    """Forward error bound of the SVD solve of the equivalent least-squares problem
    ``[X_c; sqrt(alpha) I] b = [y_c; 0]``, whose singular values are
    ``sqrt(s^2 + alpha)``: ``eps sqrt(q) (kappa + kappa^2 tan(theta))``.  A kept
    singular value within rounding of zero makes the answer undetermined unless alpha
    dominates it."""
    if s.size == 0:
        return 1.0, EPS
    with np.errstate(over="ignore"):
        lam = alpha / c / c  # alpha relative to the scaled design; may under/overflow
    if lam > 1e32 * s[0] ** 2:  # the penalty dominates: a diagonal, perfectly conditioned
        return 1.0, EPS * np.sqrt(s.size + 1)
    top = np.sqrt(s[0] ** 2 + lam)
    noise = EPS * max(problem.n_samples, s.size) * s[0]
    low = np.sqrt(max(s[-1], noise) ** 2 + lam) if s[-1] > noise or lam > 0 else 0.0
    kappa = float(top / low) if low > 0 else np.inf
    if s[-1] <= noise and lam < noise**2 * 1e4:
        return kappa, np.inf if lam == 0 else max(1.0, noise / np.sqrt(lam) * EPS)
    projected = U.T @ B
    return kappa, forward_error_bound(kappa, s.size, B, projected)
