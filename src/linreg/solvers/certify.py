"""Certify a solution: check its coefficient and intercept bounds against the target,
and, with X in memory, replace a worst-case bound that misses it by a measurement.

The measurement is one step of the extended-precision refinement of
:mod:`.extended` started from the solution itself: its correction is the solution's
error, up to the contraction factor ``kappa * eps`` of the step, so
``||dz|| / (1 - kappa * eps)`` bounds it (Higham 2002, 12.1).  It costs two
extended-precision passes over the data and a QR factorization, and is taken only
when the a-priori bounds cannot vouch for the answer.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..solution import Solution
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem

#: Cross-products below ``2**UNDERFLOW_LOG2`` carry too few digits (the subnormal
#: range starts at 2**-1022): such problems are solved from the data.
UNDERFLOW_LOG2 = -960.0

#: Equilibrated penalties above ``2**PENALTY_LOG2`` are solved in the user's units.
PENALTY_LOG2 = 400.0

#: Largest design (entries) on which a doubtful bound is replaced by a measurement.
MEASURE_MAX_ENTRIES = 2**26


def underflows(problem: LeastSquaresProblem) -> bool:
    """Whether the Moments' cross-products may have lost digits to underflow: the
    product of the two smallest (weighted, centred) column norms of ``[X, y]`` near
    the subnormal range.  The extended path works in longdouble's wider range."""
    m = problem.get_moments()
    d = np.sqrt(np.maximum(np.diag(m.cross), 0.0))
    if not problem.fit_intercept:
        with np.errstate(over="ignore"):
            d = np.hypot(d, np.sqrt(m.weight_sum) * np.abs(m.mean))
    # A zero norm may be an underflow too (a constant column merely takes the
    # extended path, which handles it).
    return bool(d.size) and float(d.min()) < 2.0 ** (UNDERFLOW_LOG2 / 2)


def moments_underflow(problem: LeastSquaresProblem) -> bool:
    """:func:`underflows` for Moments alone, where a zero norm is read as a constant
    column (not an underflow) unless the column's mean is itself that small."""
    m = problem.get_moments()
    d = np.sqrt(np.maximum(np.diag(m.cross), 0.0))
    if not problem.fit_intercept:
        with np.errstate(over="ignore"):
            d = np.hypot(d, np.sqrt(m.weight_sum) * np.abs(m.mean))
    limit = 2.0 ** (UNDERFLOW_LOG2 / 2)
    tiny_column = (d < limit) & ((d > 0) | (np.abs(m.mean) * np.sqrt(m.weight_sum) < limit))
    return bool(np.any(tiny_column))


def penalty_out_of_range(problem: LeastSquaresProblem) -> bool:
    """Whether the equilibrated penalty ``alpha / d_j^2`` is beyond ``2**PENALTY_LOG2``
    for a column (or ``d_j`` is not representable): the equilibrated solution, about
    ``d_y / penalty``, could underflow although the coefficients are representable."""
    _, _, scale, active = problem.gram()
    d = scale[active]
    if d.size == 0:
        return False
    with np.errstate(divide="ignore"):
        log_penalty = np.log2(problem.alpha.max()) - 2 * np.log2(d.min())
    return bool(log_penalty > PENALTY_LOG2) or not np.isfinite(d).all()


def intercept_scale(problem: LeastSquaresProblem, solution: Solution) -> np.ndarray:
    """What the intercepts' errors are measured against: ``max(|c|, sd_w(y))`` per
    target.  An intercept near zero has no relative accuracy to speak of; its natural
    scale is then the spread of y (its standard error is ``sd(y)/sqrt(n)`` at most)."""
    m = problem.get_moments()
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.sqrt(np.maximum(np.diag(m.yty), 0.0) / m.weight_sum)
    return np.maximum(np.abs(solution.intercept), np.nan_to_num(spread))


def intercept_cancellation(problem: LeastSquaresProblem, solution: Solution) -> float:
    """How many times larger than the intercept's scale (:func:`intercept_scale`) the
    terms it is computed from are."""
    if not problem.fit_intercept:
        return 1.0
    terms = np.abs(solution.coef) @ np.abs(problem.get_moments().x_mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = terms / intercept_scale(problem, solution)
    return float(np.nanmax(np.where(terms > 0, ratio, 1.0), initial=1.0))


def intercept_amplification(moments, coef, intercept) -> float:
    """How many times :func:`intercept_error` exceeds the slopes' relative error (its
    ``through`` term per unit of ``error_estimate``), worst over targets, for user-unit
    ``coef`` (k, p) and ``intercept`` (k,) on data with these Moments: what an iterative
    trainer must divide its tolerance by for the intercept to meet it too."""
    p = moments.n_features
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    d = np.sqrt(np.maximum(np.diag(moments.cross)[:p], 0.0))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        beta = np.linalg.norm(coef * d, axis=1)
        mean_over_d = np.where(d > 0, moments.x_mean / np.where(d > 0, d, 1.0), 0.0)
        spread = np.sqrt(np.maximum(np.diag(moments.yty), 0.0) / moments.weight_sum)
        scale = np.maximum(np.abs(np.atleast_1d(intercept)), np.nan_to_num(spread))
        rel = beta * np.linalg.norm(mean_over_d) / scale
    rel = np.where(np.isnan(rel), np.inf, rel)
    return float(np.max(rel, initial=0.0))


def intercept_error(problem: LeastSquaresProblem, solution: Solution) -> float:
    """Bound on the intercepts' error relative to :func:`intercept_scale`, worst over
    targets.

    ``c = y_mean - x_mean' coef``: the slopes' normwise error (``error_estimate``
    times ``||beta||`` in the equilibrated scale) reaches the intercept through
    ``||x_mean / d||`` (Cauchy-Schwarz), and the subtraction itself rounds by
    ``eps (|y_mean| + |x_mean|' |coef|)``.
    """
    if not problem.fit_intercept:
        return 0.0
    m = problem.get_moments()
    p = problem.n_features
    d = np.sqrt(np.maximum(np.diag(m.cross)[:p], 0.0))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        beta = solution.coef * d  # (targets, features), equilibrated
        mean_over_d = np.where(d > 0, m.x_mean / np.where(d > 0, d, 1.0), 0.0)
        through = (
            solution.error_estimate * np.linalg.norm(beta, axis=1) * np.linalg.norm(mean_over_d)
        )
        rounding = EPS * (np.abs(m.y_mean) + np.abs(solution.coef) @ np.abs(m.x_mean))
        rel = (through + rounding) / intercept_scale(problem, solution)
    rel = np.where(through + rounding > 0, rel, 0.0)
    return float(np.nanmax(np.where(np.isnan(rel), np.inf, rel), initial=0.0))


#: Spacing of float64's subnormal numbers (2**-1074).
SUBNORMAL_SPACING = 2.0**-1074


def representable(solution: Solution) -> Solution:
    """The solution, marked inaccurate when a nonzero coefficient lies so deep in the
    subnormal range (below 2.2e-308) that float64 itself cannot hold it to
    ``TARGET_ACCURACY``: its relative spacing there is ``2**-1074 / |coef|``."""
    coef = np.abs(np.asarray(solution.coef, dtype=np.float64))
    small = (coef > 0) & (coef < np.finfo(np.float64).tiny)
    if not small.any():
        return solution
    spacing = float(SUBNORMAL_SPACING / coef[small].min())
    if spacing <= TARGET_ACCURACY:
        return solution
    message = (
        f"coefficients as small as {coef[small].min():.1e} are subnormal in float64 and "
        f"carry only about {max(0.0, -np.log10(spacing)):.0f} digits (relative spacing "
        f"{spacing:.1e}); rescale X up or y down"
    )
    return dataclasses.replace(
        solution,
        status="inaccurate",
        message=message if solution.status == "ok" else f"{solution.message}; {message}",
        error_estimate=max(solution.error_estimate, spacing),
    )


def checked(problem: LeastSquaresProblem, solution: Solution) -> Solution:
    """The solution, marked inaccurate (with the figure) when its coefficients' bound or
    its intercept's misses ``TARGET_ACCURACY``."""
    if solution.status != "ok":
        return solution
    if not problem.has_data and moments_underflow(problem):
        return dataclasses.replace(
            solution,
            status="inaccurate",
            message=(
                f"solver {solution.solver!r}: a column of X or y is so small (squares "
                f"below 2**{UNDERFLOW_LOG2:.0f}) that its cross-products in the Moments "
                "underflowed; no digits can be vouched for from the Moments alone: "
                "rescale that column or fit with X in memory"
            ),
            error_estimate=float("inf"),
        )
    if solution.error_estimate > TARGET_ACCURACY:
        return dataclasses.replace(
            solution,
            status="inaccurate",
            message=(
                f"solver {solution.solver!r}: the coefficients are only accurate to about "
                f"{solution.error_estimate:.1e} relative (condition number "
                f"{solution.condition_number:.2e})"
            ),
        )
    if solution.solver == "extended":  # the intercept is an unknown there, with its bound
        return solution
    bound = intercept_error(problem, solution)
    if bound > TARGET_ACCURACY:
        return dataclasses.replace(
            solution,
            status="inaccurate",
            message=(
                f"solver {solution.solver!r}: the intercept is only accurate to about "
                f"{bound:.1e} relative (it is the difference of terms "
                f"{intercept_cancellation(problem, solution):.1e} times larger; the data "
                "has a large offset)"
            ),
        )
    return solution


def certified(problem: LeastSquaresProblem, solution: Solution) -> Solution:
    """:func:`checked`, with a measured bound in place of an a-priori one that misses
    the target when X is in memory (explicit solvers: the answer is kept as computed,
    only its bound and status are made exact)."""
    first = checked(problem, solution)
    at_risk = problem.has_data and (
        underflows(problem) or (problem.penalized and penalty_out_of_range(problem))
    )
    if (
        (first.status == "ok" and not at_risk)
        or solution.aliased
        or not problem.has_data
        or problem.X.dtype == np.longdouble
        or not problem.single_alpha
        or problem.n_samples * problem.n_features > MEASURE_MAX_ENTRIES
    ):
        return first
    from .extended import measured_error

    coef_error, intercept_rel = measured_error(problem, solution.coef, solution.intercept)
    if coef_error <= TARGET_ACCURACY and intercept_rel <= TARGET_ACCURACY:
        return dataclasses.replace(
            solution, error_estimate=max(coef_error, EPS / 2), status="ok", message=""
        )
    if coef_error > TARGET_ACCURACY:
        what = f"the coefficients are only accurate to about {coef_error:.1e} relative"
    else:
        what = f"the intercept is only accurate to about {intercept_rel:.1e} relative"
    return dataclasses.replace(
        solution,
        error_estimate=max(coef_error, EPS / 2),
        status="inaccurate",
        message=(
            f"solver {solution.solver!r}: {what} (measured by an extended-precision "
            f"refinement step; condition number {solution.condition_number:.2e}); "
            "solver='auto' or 'extended' solves to the exact solution"
        ),
    )
