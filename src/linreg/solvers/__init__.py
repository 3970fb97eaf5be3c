"""Exact least-squares solvers, one per module, behind one interface.

Every solver is a function ``solve(problem: LeastSquaresProblem) -> Solution`` in its
own module, with ``NAME`` and ``NEEDS_DATA`` (whether it needs X in memory rather
than only the Moments); solvers take one alpha for all targets, and :func:`solve`
splits problems whose targets have different alphas.  :data:`SOLVERS` maps names to
modules.
"""

from __future__ import annotations

from . import auto, cholesky, eigh, extended, qr, svd
from .combine import per_target
from .problem import LeastSquaresProblem

SOLVERS = {m.NAME: m for m in (auto, cholesky, qr, extended, svd, eigh)}

__all__ = ["SOLVERS", "LeastSquaresProblem", "solve"]


def solve(problem: LeastSquaresProblem, solver: str = "auto"):
    """Run the named solver on ``problem`` after checking that it can run."""
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
        try:
            return cholesky.solve(problem)
        except cholesky.NotPositiveDefinite:
            fallback = svd if problem.has_data else eigh
            return fallback.solve(problem)
    return module.solve(problem)
