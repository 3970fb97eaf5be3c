"""L2-penalized least squares with scikit-learn's objective."""

from __future__ import annotations

import numbers

import numpy as np

from ._base import ExactLinearModel


class Ridge(ExactLinearModel):
    """Ridge regression, solved exactly.

    Objective (scikit-learn's, so ``alpha`` means the same there)::

        minimize over (coef, intercept)
            sum_i w_i (y_i - intercept - x_i' coef)^2 + alpha * ||coef||_2^2

    The intercept is not penalized.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Non-negative penalty strength; one per target when an array.
    fit_intercept : bool, default=True
    solver : {"auto", "cholesky", "qr", "extended", "svd", "eigh"}, default="auto"

    Attributes
    ----------
    coef_, intercept_, rank_, solver_, condition_number_, solution_,
    n_features_in_, feature_names_in_ : as in :class:`linreg.LinearRegression`.
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def _penalty(self, n_targets: int) -> np.ndarray:
        if isinstance(self.alpha, numbers.Real):
            alpha = np.full(n_targets, float(self.alpha))
        else:
            alpha = np.asarray(self.alpha, dtype=np.float64).ravel()
            if alpha.shape[0] != n_targets:
                raise ValueError(
                    f"alpha has {alpha.shape[0]} values but y has {n_targets} target(s)"
                )
        if not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
            raise ValueError(f"alpha must be finite and non-negative, got {self.alpha!r}")
        return alpha
