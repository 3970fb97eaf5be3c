"""Ordinary (weighted) least squares."""

from __future__ import annotations

from ._base import ExactLinearModel


class LinearRegression(ExactLinearModel):
    """Ordinary least squares, solved exactly.

    Objective::

        minimize over (coef, intercept)   sum_i w_i (y_i - intercept - x_i' coef)^2

    with ``w_i = 1`` unless ``sample_weight`` is given.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to fit an (unpenalized) intercept; when false the model passes
        through the origin and R^2-type statistics are uncentred.
    solver : {"auto", "cholesky", "qr", "extended", "svd", "eigh"}, default="auto"
        ``"auto"`` takes the fastest path whose digits it can vouch for and records
        it in ``solver_`` (see :mod:`linreg.solvers.auto`).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    rank_ : int
        Numerical rank of the (centred) design.
    solver_ : str
        The path actually taken.
    condition_number_ : float
        Estimated condition number of the column-equilibrated design.
    solution_ : linreg.Solution
        The full typed result (error estimate, aliased columns, status).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string column names (pandas or polars).

    Notes
    -----
    Rank-deficient designs warn (:class:`linreg.RankDeficientWarning`) naming the
    aliased columns and return the minimum-norm solution.
    """

    def __init__(self, *, fit_intercept=True, solver="auto"):
        self.fit_intercept = fit_intercept
        self.solver = solver
