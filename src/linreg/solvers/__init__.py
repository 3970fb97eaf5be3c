"""Exact least-squares solvers, one per module, behind one interface.

Every solver is a function ``solve(problem: LeastSquaresProblem) -> Solution`` in its
own module, with ``NAME`` and ``NEEDS_DATA`` (whether it needs X in memory rather
than only the Moments); solvers take one alpha for all targets, and :func:`solve`
splits problems whose targets have different alphas.  :data:`SOLVERS` maps names to
modules.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import aliasing, auto, cholesky, dual, eigh, extended, qr, svd
from .combine import per_target
from .problem import LeastSquaresProblem

SOLVERS = {m.NAME: m for m in (auto, cholesky, qr, extended, svd, eigh)}

__all__ = ["SOLVERS", "LeastSquaresProblem", "solve"]


def solve(problem: LeastSquaresProblem, solver: str = "auto"):
    """Run the named solver on ``problem`` after checking that it can run; an answer
    whose coefficients fall in float64's subnormal range is marked inaccurate."""
    from .certify import representable

    return representable(_solve(problem, solver))


def _solve(problem: LeastSquaresProblem, solver: str):
    try:
        module = SOLVERS[solver]
    except KeyError:
        raise ValueError(
            f"unknown solver {solver!r}; choose one of {', '.join(sorted(SOLVERS))}"
        ) from None
    if module.NEEDS_DATA and not problem.has_data:
        raise ValueError(f"solver {solver!r} needs X in memory; only Moments were given")
    if not problem.single_alpha:
        # Ridge with a different alpha per target: one solve per target, stacked.
        return per_target(problem, lambda single: solve(single, solver))
    if module is cholesky:
        return _explicit_cholesky(problem)
    if module is auto:
        return auto.solve(problem)
    from .certify import checked

    # Explicit solvers keep their own answer; its coefficient and intercept bounds are
    # checked against the documented accuracy like auto's (an intercept recovered from
    # large means can lose digits the coefficients' bound does not show).
    return checked(problem, module.solve(problem))


def _explicit_cholesky(problem: LeastSquaresProblem):
    """``solver="cholesky"``: the Cholesky answer, unless the Gram matrix cannot be
    factored or the rank rule names aliased columns; then the minimum-norm (or ridge)
    answer of ``svd`` (``eigh`` from Moments alone), with a warning saying so.  Ridge
    with fewer rows than columns factors the kernel matrix instead (:mod:`.dual`)."""
    if problem.penalized and problem.has_data and problem.n_samples < problem.n_features:
        try:
            return dual.solve(problem)
        except dual.Indefinite:
            pass  # the primal attempt below, and the switch it reports
    try:
        factor = cholesky.CholeskyFactor(problem)
    except cholesky.NotPositiveDefinite as exc:
        reason, aliased = f"the Gram matrix is singular to working precision ({exc})", None
    else:
        aliased = _gram_aliased(problem, factor)
        if aliased is None:
            from .certify import certified

            return certified(problem, factor.solution(factor.solve(factor.rhs)))
        reason = "the design is rank deficient"
    fallback = svd if problem.has_data else eigh
    solution = svd.solve(problem, aliased=aliased) if fallback is svd else eigh.solve(problem)
    warnings.warn(
        f"solver='cholesky': {reason}; solved by solver='{fallback.NAME}' instead "
        f"(solver_ = '{fallback.NAME}')",
        UserWarning,
        stacklevel=4,
    )
    return solution


def _gram_aliased(problem: LeastSquaresProblem, factor):
    """Aliased columns (all-feature indices) by the Gram rule, or None."""
    if problem.penalized or factor.factor.shape[0] == 0:
        return None
    g, _, _, active = problem.gram()
    u = problem.column_uncertainty(active)
    if not aliasing.rank_in_doubt(factor.kappa, u, gram=True):
        return None
    local = aliasing.aliased_from_gram(g, u)
    if local.size == 0:
        return None
    return np.union1d(np.flatnonzero(active)[local], np.flatnonzero(~active)).astype(int)
