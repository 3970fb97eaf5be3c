"""``solver="auto"``: the fastest path whose digits can be vouched for.

1. Longdouble input asks for extended precision: the ``extended`` path.
2. Otherwise the Moments (one pass, no copy of X) and Cholesky on the equilibrated
   Gram matrix, with its condition number ``kappa(G)``.  When
   ``kappa(G) <= FAST_KAPPA`` its error ``~kappa(G) * eps`` is already at the level of
   an SVD solve, and it is returned: this is the common, well-conditioned case, unless
   the intercept is a cancellation of large terms (an offset).
3. With X in memory and a harder problem (or such an intercept): problems up to
   ``LARGE_EXTENDED_FACTOR * EXTENDED_MAX_ENTRIES`` take the ``extended`` path (the exact
   solution of the given data, rounded once to float64, for condition numbers up to
   ~1e14, with the intercept solved for directly); larger ones take corrected semi-normal
   equations (``cholesky+refine``, one pass over X per step, the intercept refined
   with the slopes) while ``kappa(G) * eps`` is small enough for them to converge,
   and Householder QR of the twice-centred design after; when their a-priori bounds
   (worst cases) miss 1e-6, the extended path re-solves problems up to
   ``DOUBT_EXTENDED_MAX_ENTRIES``.
4. Ridge whose equilibrated penalty is out of float64's range, or whose penalized
   system is singular to working precision: the SVD of the design in the user's units
   (:mod:`.spectral`), the better of it and the extended answer.  Cross-products that
   may have underflowed send the fit to the extended path.
5. With only the Moments (out-of-core, distributed): Cholesky.

Every answer carries a bound on its error; the intercept's own bound (the terms it
balances times the slopes' error) is checked too (:mod:`.certify`), and an
:class:`~linreg.AccuracyWarning` states the figure when either misses 1e-6.
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from . import aliasing, cholesky, eigh, extended, qr, spectral
from .certify import TARGET_ACCURACY  # noqa: F401  (the documented target)
from .certify import checked as _checked
from .certify import intercept_cancellation as _intercept_cancellation
from .certify import penalty_out_of_range as _penalty_out_of_range
from .certify import underflows as _underflows
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
#: whenever the fast path cannot vouch for its answer.
EXTENDED_MAX_ENTRIES = 250_000

#: Larger problems still take the extended path up to this many times
#: ``EXTENDED_MAX_ENTRIES`` (4 million entries) when the fast path cannot vouch for them
#: or their intercept cancels (about 0.5 s per million entries and refinement step).
LARGE_EXTENDED_FACTOR = 16

#: An intercept recovered as ``mean(y) - mean(X) @ coef`` from terms this many times
#: larger than itself sends the fit to the extended path, which solves for the
#: intercept directly (NIST Norris: 12.3 -> 14 digits).
MAX_INTERCEPT_CANCELLATION = 16.0

#: Up to this many entries, a large problem whose fast answer cannot be vouched for
#: (a bound above ``TARGET_ACCURACY``) is solved again on the extended path.
DOUBT_EXTENDED_MAX_ENTRIES = 2**26

#: Penalized problems whose penalized Gram matrix has ``kappa * eps`` above this are
#: solved by the SVD of the design in the user's units (:mod:`.spectral`).
SPECTRAL_KAPPA_EPS = 1e-2


def _rank_in_doubt(problem: LeastSquaresProblem, factor, gram: bool = False) -> bool:
    """Whether the rank rule (:mod:`.aliasing`) might name aliased columns."""
    if problem.penalized:
        return False
    u = problem.column_uncertainty(factor.active)
    return aliasing.rank_in_doubt(factor.kappa, u, gram=gram)


def solve(problem: LeastSquaresProblem) -> Solution:
    if problem.has_data and problem.X.dtype == np.longdouble:
        return extended.solve(problem)
    try:
        factor = cholesky.CholeskyFactor(problem)
    except cholesky.NotPositiveDefinite:
        factor = None
    entries = problem.n_samples * problem.n_features if problem.has_data else 0
    if problem.has_data and problem.penalized and _penalty_out_of_range(problem):
        return _in_doubt(problem, _checked(problem, spectral.solve(problem)))
    if problem.has_data and entries <= DOUBT_EXTENDED_MAX_ENTRIES and _underflows(problem):
        factor = None  # the Gram matrix cannot be trusted: solve from the data
    if factor is not None and factor.kappa <= FAST_KAPPA:
        solution = factor.solution(factor.solve(factor.rhs))
        cancels = _intercept_cancellation(problem, solution) > MAX_INTERCEPT_CANCELLATION
        if not cancels or not problem.has_data:
            return _checked(problem, solution)
        if entries > LARGE_EXTENDED_FACTOR * EXTENDED_MAX_ENTRIES:
            return _refined(problem, factor)
    if problem.has_data:
        if entries <= LARGE_EXTENDED_FACTOR * EXTENDED_MAX_ENTRIES:
            solution = extended.solve(problem)
            if solution.status == "inaccurate" and problem.penalized:
                return _better(problem, solution, spectral.solve(problem))
            return solution
        if problem.penalized and (factor is None or factor.kappa * EPS > SPECTRAL_KAPPA_EPS):
            # A penalty far below the design's scale (or columns of 1e+-150): the
            # penalized system is singular to working precision, its SVD is not.
            return _in_doubt(problem, _checked(problem, spectral.solve(problem)))
        return _large(problem, factor)
    if factor is None or factor.kappa * EPS > 1e-2 or _rank_in_doubt(problem, factor, True):
        return _checked(problem, eigh.solve(problem))
    return _checked(problem, factor.solution(factor.solve(factor.rhs)))


def _better(problem: LeastSquaresProblem, first: Solution, second: Solution) -> Solution:
    """Of two answers to the same problem, the one that meets the target, else the one
    with the smaller error bound."""
    second = _checked(problem, second)
    if second.status == "ok" or second.error_estimate < first.error_estimate:
        return second
    return first


def _large(problem: LeastSquaresProblem, factor) -> Solution:
    """Problems beyond the extended path's size: refinement or QR, with their bounds."""
    if (
        factor is not None
        and factor.kappa * EPS <= REFINE_MAX_CONTRACTION
        and not _rank_in_doubt(problem, factor)  # the rank rule needs the QR path
    ):
        solution = _refined(problem, factor)
    else:
        solution = _checked(problem, qr.solve(problem, certify=False))
    return _in_doubt(problem, solution)


def _in_doubt(problem: LeastSquaresProblem, solution: Solution) -> Solution:
    """When the fast bounds cannot vouch for a large problem's answer (they are worst
    cases), the extended refinement measures and reaches the exact solution, at a few
    dozen extended-precision operations per entry and step."""
    entries = problem.n_samples * problem.n_features
    if solution.status != "inaccurate" or entries > DOUBT_EXTENDED_MAX_ENTRIES:
        return solution
    return _better(problem, solution, extended.solve(problem))


def _refined(problem: LeastSquaresProblem, factor) -> Solution:
    beta, steps, error, shift = cholesky.refine(factor, factor.solve(factor.rhs))
    solution = factor.solution(beta, name="cholesky+refine", n_iter=steps, error=error)
    if problem.fit_intercept:
        solution.intercept = solution.intercept + shift
    return _in_doubt(problem, _checked(problem, solution))
