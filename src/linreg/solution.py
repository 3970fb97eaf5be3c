"""The typed result of every solver, and the warnings solvers raise."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["Solution", "RankDeficientWarning", "AccuracyWarning", "IterationLimitWarning"]


class RankDeficientWarning(UserWarning):
    """The design has (numerically) dependent columns; the minimum-norm answer was taken."""


class AccuracyWarning(UserWarning):
    """The solver cannot vouch for all the digits it returns."""


class IterationLimitWarning(AccuracyWarning, ConvergenceWarning):
    """An iterative solver stopped at ``max_iter`` before its certified bound reached
    ``tol``: an :class:`AccuracyWarning` that scikit-learn's ConvergenceWarning filters
    also catch (one warning for one cause)."""


@dataclass
class Solution:
    """Coefficients of a least-squares problem and how they were obtained.

    Attributes
    ----------
    coef : ndarray of shape (n_targets, n_features)
        Coefficients in the units of the data the user gave.
    intercept : ndarray of shape (n_targets,)
        Intercepts (zeros when the fit has none).
    solver : str
        The path that produced the coefficients (``"cholesky"``, ``"cholesky+refine"``,
        ``"qr"``, ``"extended"``, ``"svd"``, ``"eigh"``; the trainers ``"gd"``,
        ``"autograd"``, ``"torch"``).
    rank : int
        Numerical rank of the (centred) design.
    aliased : tuple of int
        Indices of columns found to be linear combinations of earlier columns.
    condition_number : float
        Estimated 2-norm condition number of the column-equilibrated design
        (for the Gram-based paths, the square root of the Gram matrix's).
    error_estimate : float
        Estimated bound on the normwise relative error of ``coef`` (in the
        equilibrated scale) with respect to the exact least-squares solution of the
        data as given.  For the trainers, the certified bound on the relative distance
        of the standardized parameters to the optimum that training reached.
    n_iter : int
        Refinement steps taken (0 for a direct solve); epochs for the trainers.
    status : str
        ``"ok"``, ``"rank_deficient"`` or ``"inaccurate"`` (the digits are not vouched
        for, or a trainer stopped at ``max_iter`` before its bound reached ``tol``).
    message : str
        What the status means for the user, and what to do about it.
    diagnostics : dict
        Route-specific records (the trainers: ``history``, ``stopped``, ``tol``).
    """

    coef: np.ndarray
    intercept: np.ndarray
    solver: str
    rank: int
    aliased: tuple = ()
    condition_number: float = float("nan")
    error_estimate: float = float("nan")
    n_iter: int = 0
    status: str = "ok"
    message: str = ""
    diagnostics: dict = field(default_factory=dict)

    @property
    def correct_digits(self) -> float:
        """Decimal digits the solver vouches for (``-log10(error_estimate)``, at most 16)."""
        if not np.isfinite(self.error_estimate) or self.error_estimate <= 0:
            return 16.0 if self.error_estimate == 0 else 0.0
        return float(min(16.0, -np.log10(self.error_estimate)))
