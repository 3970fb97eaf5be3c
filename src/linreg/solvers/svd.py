"""Minimum-norm least squares by SVD (LAPACK ``gelsd``) for rank-deficient designs.

Works on the centred, weighted design in the user's units (not equilibrated), so the
answer is the minimum-norm coefficient vector in those units, as NumPy's ``lstsq``
and scikit-learn give it.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..solution import Solution
from .problem import EPS, LeastSquaresProblem

NAME = "svd"
NEEDS_DATA = True


def solve(problem: LeastSquaresProblem, aliased=None) -> Solution:
    """Minimum-norm solution; ``aliased`` names the dependent columns when known."""
    A, B, scale, active, x_mean, y_mean = problem.design(dtype=np.float64)
    A = A * scale[active]  # back to the user's units: minimum norm there
    x, _, rank, sv = sla.lstsq(
        A, B, cond=problem.rank_rtol, lapack_driver="gelsd", check_finite=False
    )
    coef, intercept = problem.to_user_units(x * scale[active, None], scale, active, x_mean, y_mean)
    if aliased is None:
        from . import qr

        _, _, R = qr.factorize(problem)
        aliased = qr.rank_deficient(problem, R, active)
        aliased = () if aliased is None else aliased
    kappa = float(sv[0] / sv[rank - 1]) if rank > 0 else 1.0
    deficient = rank < problem.n_features
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=int(rank),
        aliased=tuple(int(i) for i in aliased),
        condition_number=kappa,
        error_estimate=kappa * EPS * np.sqrt(rank + 1),
        status="rank_deficient" if deficient else "ok",
        message=(
            f"rank {rank} < {problem.n_features} features: minimum-norm solution"
            if deficient
            else ""
        ),
    )
