"""Regularization paths: ``lasso_path`` and ``enet_path`` with warm starts.

The alpha grid is scikit-learn's: ``alpha_max = max_j ||x_j'WY||_2 / (W l1_ratio)``
(the smallest alpha with all coefficients zero), then ``n_alphas`` values log-spaced
down to ``eps * alpha_max``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

from . import small
from .data import (
    FIT_KKT_TOL,
    SKLEARN_CD_CONSTRAINTS,
    _Shape,
    check_alpha,
    check_l1_ratio,
    choose_layout,
    layout_from_precompute,
    make_data,
    validate_penalized_data,
)
from .solve import KKT_TOL, MAX_ITER, TOL, GramData, solve_enet

RESOLUTION = np.finfo(np.float64).resolution


def alpha_grid(
    data, l1_ratio: float, eps: float = 1e-3, n_alphas: int = 100, positive: bool = False
) -> np.ndarray:
    """scikit-learn's grid from GramData / DesignData (decreasing); with ``positive``
    its alpha_max is ``max(0, max_j x_j'Wy) / (W l1_ratio)`` (signed, not absolute)."""
    if l1_ratio <= 0:
        # scikit-learn's message (alpha_max is infinite for pure L2)
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. Please "
            "supply a grid by providing your estimator with the appropriate `alphas=` "
            "argument."
        )
    if not (isinstance(n_alphas, numbers.Integral) and n_alphas >= 1):
        raise ValueError(f"the number of alphas must be a positive integer, got {n_alphas!r}")
    if not 0 < eps:
        raise ValueError(f"eps must be positive, got {eps!r}")
    alpha_max = float(np.max(data.xty_max(positive), initial=0.0)) / l1_ratio
    if alpha_max <= RESOLUTION:
        return np.full(n_alphas, RESOLUTION)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def resolve_alphas(alphas, n_alphas, data, l1_ratio, eps, positive=False) -> np.ndarray:
    """``alphas``: None (grid of ``n_alphas``), an int (grid of that many) or values."""
    if alphas is None:
        return alpha_grid(data, l1_ratio, eps, n_alphas, positive)
    if isinstance(alphas, numbers.Integral):
        return alpha_grid(data, l1_ratio, eps, int(alphas), positive)
    values = np.asarray(alphas, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("alphas is empty")
    for i, a in enumerate(values):
        check_alpha(float(a), f"alphas[{i}]")
    return np.sort(values)[::-1]


@dataclass
class PathSolution:
    """The solutions along a regularization path, one :class:`~linreg.Solution` per
    alpha (each with its certified coefficient bound), and the stacked arrays that
    ``enet_path`` and the CV read from them."""

    alphas: np.ndarray
    solutions: list = field(default_factory=list)

    @property
    def coefs(self) -> np.ndarray:
        """Coefficients, shape (n_targets, n_features, n_alphas)."""
        return np.stack([s.coef for s in self.solutions], axis=-1)

    @property
    def intercepts(self) -> np.ndarray:
        """Intercepts, shape (n_targets, n_alphas)."""
        return np.stack([s.intercept for s in self.solutions], axis=-1)

    @property
    def dual_gaps(self) -> np.ndarray:
        """Duality gaps, shape (n_targets, n_alphas)."""
        return np.stack([np.atleast_1d(s.diagnostics["dual_gap"]) for s in self.solutions], -1)

    @property
    def n_iters(self) -> np.ndarray:
        return np.array([s.n_iter for s in self.solutions], dtype=int)

    @property
    def error_estimates(self) -> np.ndarray:
        """Each alpha's bound on the relative coefficient error."""
        return np.array([s.error_estimate for s in self.solutions])

    @property
    def converged(self) -> bool:
        return all(bool(s.diagnostics["converged"]) for s in self.solutions)


def path_on_data(
    data,
    alphas,
    l1_ratio,
    coef_init=None,
    tol=TOL,
    max_iter=MAX_ITER,
    screening=True,
    kkt_tol=KKT_TOL,
    null_tol=0.0,
    positive=False,
) -> PathSolution:
    """Solve along ``alphas`` (decreasing), each fit warm-started from the previous
    (``positive``: subject to ``coef >= 0``)."""
    path = PathSolution(np.asarray(alphas))
    coef, state = coef_init, None
    if isinstance(data, GramData):  # NumPy or numba for the whole path, from its work
        small.plan_path(data.G, path.alphas, l1_ratio, data.q.shape[1])
    for alpha in alphas:
        res = solve_enet(
            data,
            alpha,
            l1_ratio,
            coef,
            tol,
            max_iter,
            screening,
            kkt_tol,
            null_tol,
            state=state,
            positive=positive,
        )
        coef, state = res.coef, res.diagnostics["state"]
        # The warm-start state is only needed by the next alpha: not kept on the path.
        res.diagnostics = {k: v for k, v in res.diagnostics.items() if k != "state"}
        path.solutions.append(res)
    return path


def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    coef_init=None,
    return_n_iter=False,
    fit_intercept=False,
    sample_weight=None,
    solver="auto",
    tol=None,
    max_iter=None,
    screening=True,
    precompute="auto",
    Xy=None,
    copy_X=True,
    verbose=False,
    check_input=True,
    positive=False,
    **params,
):
    """Elastic-net path by coordinate descent with warm starts.

    Objective at each alpha (scikit-learn's)::

        1/(2W) ||y - b - Xw||_W^2 + alpha l1_ratio ||w||_1 + alpha (1-l1_ratio)/2 ||w||^2

    As scikit-learn's ``enet_path``, no intercept is fitted by default (the data are
    taken as centred); ``fit_intercept=True`` centres (weighted) first.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    l1_ratio : float in (0, 1]
    eps : float
        The grid's smallest alpha is ``eps * alpha_max``.
    n_alphas : int, deprecated
        As in scikit-learn 1.9: a FutureWarning; pass ``alphas=<int>`` instead.
    alphas : array-like or int, default=100 grid points
        Values (sorted decreasing, as scikit-learn does) or a number of grid points
        log-spaced from alpha_max down to ``eps * alpha_max``.  ``None`` is deprecated
        (FutureWarning, as scikit-learn 1.9) and means 100 grid points.
    coef_init : array-like of shape (n_features,) or (n_targets, n_features), optional
    return_n_iter : bool
    fit_intercept : bool, default=False
    sample_weight : array-like of shape (n_samples,), optional
    solver : {"auto", "gram", "design"}
    tol, max_iter, screening : as in :class:`linreg.ElasticNet`.
    precompute : "auto", bool or array-like, default="auto"
        scikit-learn's: True (or a Gram matrix, not used: linreg forms its own from the
        data) asks for the "gram" layout, False for "design".
    Xy, copy_X, verbose, check_input :
        scikit-learn's parameters, validated as scikit-learn does; linreg computes
        ``X'y`` itself, never writes into X, prints nothing and always checks its input.
    **params :
        scikit-learn's ``selection``, ``random_state`` (validated; linreg's cyclic
        descent does not draw) and ``do_screening`` (as ``screening``); any other
        keyword raises ValueError("Unexpected parameters in params"), as scikit-learn.
    positive : bool, default=False
        Constrain the coefficients to ``>= 0`` (one target only, as scikit-learn); the
        grid's alpha_max is then ``max(0, max_j x_j'Wy) / (W l1_ratio)``.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,) (for several targets, the largest over them)
    n_iters : ndarray of shape (n_alphas,), only with ``return_n_iter``
    """
    alphas = _deprecated_n_alphas(n_alphas, alphas)
    screening = _check_path_params(
        precompute, Xy, copy_X, verbose, check_input, coef_init, return_n_iter, params
    ) and screening
    l1_ratio = check_l1_ratio(l1_ratio)
    X, Y, w, y_was_1d = validate_penalized_data(_Shape(), X, y, sample_weight)
    positive = _check_positive(positive)
    if positive and not y_was_1d:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
    layout = layout_from_precompute(precompute, solver) or solver
    if layout == "auto":
        layout = choose_layout(X.shape[0], X.shape[1], sparse.issparse(X), n_fits=2)
    if layout not in ("gram", "design"):
        raise ValueError(f"solver must be 'auto', 'gram' or 'design', got {solver!r}")
    data = make_data(X, Y, w, fit_intercept, layout)
    alphas = resolve_alphas(alphas, n_alphas, data, l1_ratio, eps, positive)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64).reshape(Y.shape[1], X.shape[1])
    path = path_on_data(
        data,
        alphas,
        l1_ratio,
        coef_init,
        TOL if tol is None else float(tol),
        MAX_ITER if max_iter is None else int(max_iter),
        screening,
        FIT_KKT_TOL,
        positive=positive,
    )
    coefs, gaps, n_iters = path.coefs, path.dual_gaps, path.n_iters
    if not path.converged:
        warnings.warn(
            "coordinate descent did not converge for some alphas; raise max_iter or tol",
            ConvergenceWarning,
            stacklevel=2,
        )
    coefs = coefs[0] if y_was_1d else coefs
    dual_gaps = gaps.max(axis=0)
    if return_n_iter:
        return alphas, coefs, dual_gaps, n_iters
    return alphas, coefs, dual_gaps


def _check_positive(positive) -> bool:
    """scikit-learn's validation of ``positive`` (a bool: InvalidParameterError)."""
    from sklearn.utils._param_validation import validate_parameter_constraints

    validate_parameter_constraints({"positive": ["boolean"]}, {"positive": positive}, "enet_path")
    return bool(positive)


#: scikit-learn 1.9's constraints of enet_path's parameters that linreg only validates.
PATH_CONSTRAINTS = {
    "n_alphas": [Interval(Integral, 1, None, closed="left"), Hidden(StrOptions({"deprecated"}))],
    "alphas": [
        Interval(Integral, 1, None, closed="left"),
        "array-like",
        None,
        Hidden(StrOptions({"warn"})),
    ],
    "precompute": [StrOptions({"auto"}), "boolean", "array-like"],
    "Xy": ["array-like", None],
    "copy_X": ["boolean"],
    "coef_init": ["array-like", None],
    "verbose": ["verbose"],
    "return_n_iter": ["boolean"],
    "check_input": ["boolean"],
}
#: scikit-learn's enet_path reads these from ``**params`` (``do_screening`` is linreg's
#: ``screening``); any other keyword is an error there.
PATH_EXTRA = ("selection", "random_state", "do_screening")


def _deprecated_n_alphas(n_alphas, alphas):
    """scikit-learn 1.9's deprecation of ``n_alphas`` and ``alphas=None`` (its
    FutureWarnings); returns ``alphas`` as :func:`resolve_alphas` takes it."""
    validate_parameter_constraints(
        {k: PATH_CONSTRAINTS[k] for k in ("n_alphas", "alphas")},
        {"n_alphas": n_alphas, "alphas": alphas},
        "enet_path",
    )
    grid = 100
    if not (isinstance(n_alphas, str) and n_alphas == "deprecated"):
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11. 'alphas' now "
            "accepts an integer value which removes the need to pass 'n_alphas'. The "
            "default value of 'alphas' will change from None to 100 in 1.11. Pass an "
            "explicit value to 'alphas' and leave 'n_alphas' to its default value to "
            "silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        grid = int(n_alphas)
    if isinstance(alphas, str):  # "warn": the default
        return grid
    if alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11, at which point the "
            "default value will be set to 100. Set 'alphas=100' to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        return grid
    return alphas


def _check_path_params(precompute, Xy, copy_X, verbose, check_input, coef_init, n_iter, params):
    """Validate scikit-learn's path parameters (InvalidParameterError) and ``params``
    (ValueError for a keyword scikit-learn's enet_path does not take); returns
    ``do_screening``."""
    values = {
        "precompute": precompute,
        "Xy": Xy,
        "copy_X": copy_X,
        "verbose": verbose,
        "check_input": check_input,
        "coef_init": coef_init,
        "return_n_iter": n_iter,
    }
    validate_parameter_constraints(
        {k: PATH_CONSTRAINTS[k] for k in values}, values, "enet_path"
    )
    unexpected = {k: v for k, v in params.items() if k not in PATH_EXTRA}
    if unexpected:
        raise ValueError("Unexpected parameters in params", unexpected.keys())
    extra = {k: params[k] for k in ("selection", "random_state") if k in params}
    validate_parameter_constraints(
        {k: SKLEARN_CD_CONSTRAINTS[k] for k in extra}, extra, "enet_path"
    )
    do_screening = params.get("do_screening", True)
    validate_parameter_constraints(
        {"do_screening": ["boolean"]}, {"do_screening": do_screening}, "enet_path"
    )
    return bool(do_screening)


def lasso_path(X, y, *, eps=1e-3, n_alphas="deprecated", alphas="warn", **params):
    """Lasso path: :func:`enet_path` with ``l1_ratio=1``.

    Objective at each alpha: ``1/(2W) ||y - Xw||_W^2 + alpha ||w||_1``.
    Returns ``(alphas, coefs, dual_gaps)`` (and ``n_iters`` with ``return_n_iter``).
    """
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas, **params)
