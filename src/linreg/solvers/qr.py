"""Householder QR of the equilibrated design: the stable path in double precision.

Backward stable, so its forward error is that of an SVD solve, ``kappa(X) * eps`` plus
a residual term, instead of the ``kappa(X)^2 * eps`` of the normal equations.  It needs
X in memory and one copy of it (the centred, scaled design that LAPACK factors).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..solution import Solution
from . import svd
from .aliasing import condition_of_r, rank_deficient
from .certify import certified
from .problem import EPS, LeastSquaresProblem

NAME = "qr"
NEEDS_DATA = True


def factorize(problem: LeastSquaresProblem, dtype=np.float64):
    """Equilibrated design (in ``dtype``) and its thin QR factorization in float64.

    Returns ``(design, Q, R)`` where ``design = (A, B, scale, active, x_mean, y_mean)``
    as :meth:`LeastSquaresProblem.design` gives it.
    """
    design = problem.design(dtype=dtype)
    A = design[0]
    Q, R = sla.qr(A.astype(np.float64, copy=False), mode="economic", check_finite=False)
    return design, Q, R


def solve(problem: LeastSquaresProblem, certify: bool = True) -> Solution:
    """Least squares by Householder QR (LAPACK ``geqrf``) of the equilibrated design.

    With ``certify`` (the explicit solver), a bound that misses 1e-6 is replaced by the
    error measured against the extended refinement (:mod:`.certify`); ``solver="auto"``
    passes False and re-solves such problems itself.
    """
    (A, B, scale, active, x_mean, y_mean), Q, R = factorize(problem)
    aliased = rank_deficient(problem, R, active)
    if aliased is not None:
        return svd.solve(problem, aliased=aliased)
    projected = Q.T @ B
    beta = sla.solve_triangular(R, projected, check_finite=False)
    coef, intercept = problem.to_user_units(beta, scale, active, x_mean, y_mean)
    kappa = condition_of_r(R)
    error = forward_error_bound(kappa, R.shape[0], B, projected)
    ok = error <= 1e-6
    return (certified if certify else _as_is)(
        problem,
        Solution(
            coef=coef,
            intercept=intercept,
            solver=NAME,
            rank=int(active.sum()),
            aliased=tuple(np.flatnonzero(~active)),
            condition_number=kappa,
            error_estimate=error,
            status="ok" if ok else "inaccurate",
            message=""
            if ok
            else (
                f"solver 'qr': the coefficients are only accurate to about {error:.1e} relative "
                f"(condition number {kappa:.2e}; a worst-case bound, eps (kappa + kappa^2 "
                "tan(theta))); solver='extended' refines to the exact solution"
            ),
        ),
    )


def forward_error_bound(kappa: float, q: int, B, projected) -> float:
    """``eps sqrt(q + 1) (kappa + kappa^2 tan(theta))``: the forward error of a
    backward-stable least-squares solve (Higham 2002, 20.1), with ``tan(theta)`` the
    ratio of the residual's norm to the fitted values', worst over targets."""
    # One common power-of-two scale, so that neither norm's square under/overflows.
    big = max(float(np.max(np.abs(B), initial=0.0)), float(np.max(np.abs(projected), initial=0)))
    unit = 2.0 ** np.round(np.log2(big)) if big > 0 else 1.0
    fitted = np.linalg.norm(projected / unit, axis=0)
    total = np.linalg.norm(B / unit, axis=0)
    resid = np.sqrt(np.maximum(total**2 - fitted**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        tan = np.where(fitted > 0, resid / fitted, np.where(resid > 0, np.inf, 0.0))
    tan = float(np.max(tan, initial=0.0))
    with np.errstate(invalid="ignore", over="ignore"):
        bound = EPS * np.sqrt(q + 1) * (kappa + kappa * kappa * tan)
    return float(bound) if np.isfinite(bound) else np.inf


def _as_is(problem: LeastSquaresProblem, solution: Solution) -> Solution:
    return solution
