"""The one place that writes an estimator's fitted attributes from a :class:`Solution`.

Every route (exact in memory, chunked sources, iterative trainers, model files, and the
penalized estimators once they return a Solution) computes in float64 on
``(n_targets, n_features)`` arrays; this module turns that into scikit-learn's shapes and
dtypes (checked against scikit-learn 1.9 by ``tests/test_contract_shapes.py``):

- ``coef_``: ``(n_features,)`` for a 1-D y; ``(n_targets, n_features)`` for a 2-D y,
  except that the Ridge family (Ridge, RidgeCV, Lasso, ElasticNet) ravels a single
  target, ``(n_features,)``, where LinearRegression keeps ``(1, n_features)``.
- ``intercept_``: without an intercept, the Python float ``0.0`` whatever y's shape;
  with one, a NumPy scalar for a 1-D y and an array ``(n_targets,)`` for a 2-D y.
- dtype: float32 X gives float32 ``coef_`` and ``intercept_`` (the float64 solution
  rounded once; ``solution_`` keeps the float64 digits); anything else float64.

How another estimator calls it (for example penalized/estimators.py, with ``X`` the
input as the user gave it, before validation)::

    from ..fitted_state import result_dtype, shape_per_target, write_fitted_state

    dtype = result_dtype(X)
    write_fitted_state(
        self, solution, y_was_1d=y_was_1d, dtype=dtype,
        ravel_single_target=True, solver_attributes=False, history=...,
    )
    # scikit-learn's Lasso: dual_gap_ is a scalar for one target, even for y (n, 1)
    self.dual_gap_ = shape_per_target(dual_gap, len(dual_gap) == 1, dtype)

(``ProximalFit.to_solution(solver)`` in :mod:`linreg.penalized.iterative` gives the
iterative route's Solution.)  Predictions follow :func:`predict_dtype`.
"""

from __future__ import annotations

import numpy as np

from .solution import Solution

__all__ = [
    "RAVEL_SINGLE_TARGET",
    "ravels_single_target",
    "write_coefficients",
    "result_dtype",
    "shape_coef",
    "shape_intercept",
    "shape_per_target",
    "write_fitted_state",
    "predict_dtype",
]


def result_dtype(X) -> type:
    """scikit-learn's dtype rule for fitted values: float32 for float32 X, else float64.

    ``X`` may be a NumPy or Dask array, a torch tensor, or a table whose columns are
    all float32 (pandas, polars); scans and anything without a dtype give float64.
    """
    dtype = getattr(X, "dtype", None)
    if dtype is None:
        dtypes = getattr(X, "dtypes", None)
        if dtypes is None:
            return np.float64
        dtypes = list(dtypes)
        if dtypes and all(str(d).lower() in ("float32", "torch.float32") for d in dtypes):
            return np.float32
        return np.float64
    return np.float32 if str(dtype) in ("float32", "torch.float32") else np.float64


def predict_dtype(X_dtype, coef) -> type:
    """Predictions' dtype: float32 when both X and ``coef_`` are float32 (scikit-learn)."""
    both32 = np.dtype(X_dtype) == np.float32 and np.asarray(coef).dtype == np.float32
    return np.float32 if both32 else np.float64


def shape_coef(coef, *, y_was_1d: bool, ravel_single_target: bool, dtype=np.float64):
    """``coef`` of shape (n_targets, n_features) in scikit-learn's shape and dtype."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if y_was_1d or (ravel_single_target and coef.shape[0] == 1):
        coef = coef[0]
    return np.array(coef, dtype=dtype)


def shape_intercept(intercept, *, y_was_1d: bool, fit_intercept: bool, dtype=np.float64):
    """``intercept`` of shape (n_targets,) as scikit-learn stores it.

    Without an intercept, the Python float 0.0 (any y); with one, a NumPy scalar of
    ``dtype`` for a 1-D y, else an array of shape (n_targets,).
    """
    if not fit_intercept:
        return 0.0
    return shape_per_target(intercept, y_was_1d, dtype)


def shape_per_target(values, y_was_1d: bool, dtype=np.float64):
    """A per-target vector (dual gaps, objectives): a NumPy scalar for a 1-D y."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    return dtype(values[0]) if y_was_1d else values.astype(dtype)


#: scikit-learn's estimators whose coef_ is (n_features,) for a y of shape (n, 1).
RAVEL_SINGLE_TARGET = frozenset(
    {"Ridge", "RidgeCV", "Lasso", "ElasticNet", "LassoCV", "ElasticNetCV"}
)


def ravels_single_target(estimator) -> bool:
    """Whether ``estimator`` follows the Ridge family's single-target rule for coef_."""
    default = type(estimator).__name__ in RAVEL_SINGLE_TARGET
    return bool(getattr(estimator, "_ravel_single_target", default))


def write_coefficients(
    estimator, coef, intercept, *, y_was_1d: bool, dtype=np.float64, ravel_single_target=False
) -> None:
    """Write ``coef_`` and ``intercept_`` from (n_targets, n_features) and (n_targets,)
    arrays with scikit-learn's shape and dtype rules (the module docstring)."""
    fit_intercept = bool(getattr(estimator, "fit_intercept", True))
    estimator.coef_ = shape_coef(
        coef, y_was_1d=y_was_1d, ravel_single_target=ravel_single_target, dtype=dtype
    )
    estimator.intercept_ = shape_intercept(
        intercept, y_was_1d=y_was_1d, fit_intercept=fit_intercept, dtype=dtype
    )


def write_fitted_state(
    estimator,
    solution: Solution,
    *,
    y_was_1d: bool,
    dtype=np.float64,
    ravel_single_target: bool = False,
    history: dict | None = None,
    solver_attributes: bool = True,
) -> None:
    """Write the fitted attributes of ``estimator`` from ``solution``.

    Writes ``solution_``, ``coef_``, ``intercept_``, ``solver_`` and ``n_iter_``
    (at least 1: a direct solve counts as one step); with ``solver_attributes`` also
    ``rank_`` and ``condition_number_`` (meaningful for the least-squares solvers); and
    ``history_`` when ``history`` is given.

    Parameters
    ----------
    estimator : estimator with ``fit_intercept``
    solution : Solution
        In user units, ``coef`` (n_targets, n_features) and ``intercept`` (n_targets,),
        float64 (or longer): kept as is in ``solution_``.
    y_was_1d : bool
        Whether the user's y was 1-D.
    dtype : {numpy.float64, numpy.float32}
        Of ``coef_`` and ``intercept_`` (see :func:`result_dtype`).
    ravel_single_target : bool
        The Ridge family's rule: a single target gives ``coef_`` of shape (n_features,)
        even for a 2-D y.
    history : dict, optional
        Per-epoch records of an iterative fit (``{}`` for an exact one).
    solver_attributes : bool
        Also write ``rank_`` and ``condition_number_``.
    """
    estimator.solution_ = solution
    write_coefficients(
        estimator,
        solution.coef,
        solution.intercept,
        y_was_1d=y_was_1d,
        dtype=dtype,
        ravel_single_target=ravel_single_target,
    )
    estimator.solver_ = solution.solver
    estimator.n_iter_ = max(1, int(solution.n_iter))
    if solver_attributes:
        estimator.rank_ = solution.rank
        estimator.condition_number_ = solution.condition_number
    if history is not None:
        estimator.history_ = history
