"""Minimum-norm solution from the Moments alone (rank-deficient, out-of-core).

The pseudo-inverse of the centred Gram matrix in the user's units through its
eigendecomposition.  Eigenvalues below ``p * eps`` times the largest are treated as
zero: the Gram matrix cannot resolve directions weaker than that, which is the price
of never holding X.
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from .aliasing import aliased_from_gram
from .problem import EPS, LeastSquaresProblem

NAME = "eigh"
NEEDS_DATA = False


def solve(problem: LeastSquaresProblem) -> Solution:
    if not problem.single_alpha:
        raise ValueError("the eigh solver needs one alpha for all targets")
    g, b, scale, active = problem.gram()
    s = scale[active]
    tol = max(problem.rank_rtol**2, 10 * g.shape[0] * EPS)
    aliased_local = aliased_from_gram(g, tol) if not problem.penalized else np.zeros(0, int)
    gu = g * np.outer(s, s) + np.diag(np.full(len(s), problem.alpha[0]))  # user units
    bu = b * s[:, None]
    lam, V = np.linalg.eigh(gu)
    keep = lam > tol * max(lam.max(initial=0.0), np.finfo(float).tiny)
    coef_u = V[:, keep] @ ((V[:, keep].T @ bu) / lam[keep, None])
    coef, intercept = problem.to_user_units(coef_u * s[:, None], scale, active)
    rank = int(keep.sum())
    aliased = np.union1d(np.flatnonzero(active)[aliased_local], np.flatnonzero(~active))
    kappa = float(lam[keep].max() / lam[keep].min()) if rank else 1.0
    deficient = rank < problem.n_features
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=rank,
        aliased=tuple(int(i) for i in aliased),
        condition_number=float(np.sqrt(kappa)),
        error_estimate=kappa * EPS,
        status="rank_deficient" if deficient else "ok",
        message=(
            f"rank {rank} < {problem.n_features} features: minimum-norm solution"
            if deficient
            else ""
        ),
    )
