"""``solver="auto"``: the fastest path whose digits can be vouched for.

1. Longdouble input asks for extended precision: the ``extended`` path.
2. Otherwise the Moments (one pass, no copy of X) and Cholesky on the equilibrated
   Gram matrix, with its condition number ``kappa(G)``.  When
   ``kappa(G) <= FAST_KAPPA`` its error ``~kappa(G) * eps`` is already at the level of
   an SVD solve, and it is returned: this is the common, well-conditioned case (on
   small problems, only if the intercept is not a cancellation of large terms).
3. With X in memory and a harder problem: small problems take the ``extended`` path
   (the exact solution of the given data, rounded once to float64, for condition
   numbers up to ~1e14); large ones take one or two steps of
   corrected semi-normal equations (``cholesky+refine``, two passes over X each) while
   ``kappa(G) * eps`` is small enough for them to converge, and Householder QR after.
4. With only the Moments (out-of-core, distributed): Cholesky, with an
   :class:`~linreg.AccuracyWarning` stating the digits it can vouch for when that is
   fewer than six; a singular Gram matrix gives the minimum-norm solution.
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from . import cholesky, eigh, extended, qr
from .problem import EPS, LeastSquaresProblem

NAME = "auto"
NEEDS_DATA = False

#: Accept the plain Cholesky answer up to this condition number of the equilibrated
#: Gram matrix (the design's condition number squared): its error, ~kappa(G) * eps,
#: is then within a factor 4 of a backward-stable (QR or SVD) solve's,
#: ~sqrt(kappa(G)) * eps.  Measured: NIST Pontius (kappa(G) = 70) loses 1.5 digits of
#: its small intercept to Cholesky compared with SVD.
FAST_KAPPA = 16.0

#: Corrected semi-normal equations converge by a factor ``kappa(G) * eps`` per step.
REFINE_MAX_CONTRACTION = 1e-6

#: Problems with at most this many design entries take the extended-precision path
#: (it costs about 0.5 s per million entries and refinement step on our machines).
EXTENDED_MAX_ENTRIES = 250_000


#: On small problems, an intercept recovered as ``mean(y) - mean(X) @ coef`` from terms
#: this many times larger than itself sends the fit to the extended path, which solves
#: for the intercept directly (NIST Norris: 12.3 -> 14 digits).
MAX_INTERCEPT_CANCELLATION = 16.0


def _intercept_cancellation(problem: LeastSquaresProblem, solution: Solution) -> float:
    """How many times larger than the intercept the terms it is computed from are."""
    if not problem.fit_intercept:
        return 1.0
    terms = np.abs(solution.coef) @ np.abs(problem.get_moments().x_mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = terms / np.abs(solution.intercept)
    return float(np.nanmax(np.where(terms > 0, ratio, 1.0), initial=1.0))


def solve(problem: LeastSquaresProblem) -> Solution:
    if problem.has_data and problem.X.dtype == np.longdouble:
        return extended.solve(problem)
    try:
        factor = cholesky.CholeskyFactor(problem)
    except cholesky.NotPositiveDefinite:
        factor = None
    small = problem.has_data and problem.n_samples * problem.n_features <= EXTENDED_MAX_ENTRIES
    if factor is not None and factor.kappa <= FAST_KAPPA:
        solution = factor.solution(factor.solve(factor.rhs))
        if not (small and _intercept_cancellation(problem, solution) > MAX_INTERCEPT_CANCELLATION):
            return solution
    if problem.has_data:
        if small:
            return extended.solve(problem)
        if factor is not None and factor.kappa * EPS <= REFINE_MAX_CONTRACTION:
            beta, steps, error = cholesky.refine(factor, factor.solve(factor.rhs))
            return factor.solution(beta, name="cholesky+refine", n_iter=steps, error=error)
        return qr.solve(problem)
    if factor is None or factor.kappa * EPS > 1e-2:
        return eigh.solve(problem)
    return factor.solution(factor.solve(factor.rhs))
