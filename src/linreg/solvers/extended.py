"""Mixed-precision least squares: QR in double, residuals and updates in extended.

Iterative refinement of the augmented system ``[I A; A' 0] [r; x] = [b; 0]``
(Bjorck 1967) with the double-precision QR factor as preconditioner and every residual
computed in ``numpy.longdouble`` (64-bit mantissa on x86-64, eps ~ 1.1e-19).  Each
step shrinks the error by about ``kappa(A) * eps_double``, so it converges for
condition numbers up to ~1e14, to the exact least-squares solution of the data as
given, up to about ``kappa(A) * eps_longdouble``.  Longdouble input is used as is,
so data given in extended precision is solved in extended precision.

LAPACK has no extended-precision QR, and no maintained Python library offers this
refinement, so it is written here; its cost is a longdouble copy of the design
(16 bytes per entry), which is why :mod:`~linreg.solvers.auto` takes it only for
small problems.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..solution import Solution
from . import qr
from .problem import EPS, LeastSquaresProblem

NAME = "extended"
NEEDS_DATA = True
LD = np.longdouble
EPS_LD = float(np.finfo(LD).eps)


def _refine(A, B, Q, R, max_steps: int = 12):
    """Refine ``x`` and ``r`` for every column of B; returns ``(x, steps, error)``."""
    x = sla.solve_triangular(R, Q.T @ B.astype(np.float64), check_finite=False).astype(LD)
    r = B - A @ x
    previous = np.inf
    error = np.inf
    steps = 0
    for steps in range(1, max_steps + 1):
        f = (B - r - A @ x).astype(np.float64)
        g = (-(A.T @ r)).astype(np.float64)
        h = sla.solve_triangular(R, g, trans="T", check_finite=False)
        d1 = Q.T @ f
        dx = sla.solve_triangular(R, d1 - h, check_finite=False)
        dr = Q @ h + f - Q @ d1
        x = x + dx.astype(LD)
        r = r + dr.astype(LD)
        size = float(np.linalg.norm(dx) / max(float(np.linalg.norm(x.astype(np.float64))), 1e-300))
        if size <= 4 * EPS_LD:
            error = size
            break
        if size > 0.5 * previous:  # stagnated at the precision of the residuals
            error = min(previous, size)
            break
        previous = size
        error = size
    # The attainable accuracy with residuals rounded to EPS_LD (Higham, Accuracy and
    # Stability of Numerical Algorithms, 20.5): kappa*u + kappa^2*u*||r||/(||A|| ||x||).
    kappa = qr.condition_of_r(R)
    xnorm = max(float(np.linalg.norm(x.astype(np.float64))), 1e-300)
    ratio = float(np.linalg.norm(r.astype(np.float64))) / (np.sqrt(A.shape[1]) * xnorm)
    floor = kappa * EPS_LD * np.sqrt(A.shape[1]) + kappa**2 * EPS_LD * ratio
    return x, steps, max(error, floor)


def solve(problem: LeastSquaresProblem) -> Solution:
    """Least squares to extended precision (see the module docstring)."""
    if problem.n_targets > 1 and not np.all(problem.alpha == problem.alpha[0]):
        from .combine import per_target

        return per_target(problem, solve)
    (A, B, scale, active, x_mean, y_mean), Q, R = qr.factorize(problem, dtype=LD)
    aliased = qr.rank_deficient(problem, R, active)
    if aliased is not None:
        from . import svd

        return svd.solve(problem, aliased=aliased)
    x, steps, error = _refine(A, B, Q, R)
    coef, intercept = problem.to_user_units(x, scale, active, x_mean, y_mean)
    kappa = qr.condition_of_r(R)
    status, message = "ok", ""
    if not error < 1e-6:
        status = "inaccurate"
        message = (
            f"iterative refinement did not converge (condition number {kappa:.2e}); "
            "the design is too close to rank deficient for double-precision QR"
        )
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=int(active.sum()),
        aliased=tuple(np.flatnonzero(~active)),
        condition_number=kappa,
        error_estimate=max(error, EPS),
        n_iter=steps,
        status=status,
        message=message,
    )
