"""Lasso and ElasticNet estimators (coordinate descent on Moments or on X).

The data layouts, checks and helpers they use live in :mod:`linreg.penalized.data`;
the coordinate-descent solve in :mod:`linreg.penalized.solve`.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from .._validation import validate_X
from .._warnings import external_stacklevel
from ..fitted_state import shape_per_target
from ..penalized.data import (
    FIT_KKT_TOL,
    ITERATIVE,
    SOLVERS,
    check_unchecked_input,
    check_user_gram,
    choose_layout,
    convergence_message,
    lasso_gap_at,
    layout_from_precompute,
    least_squares_solution,
    make_data,
    validate_penalized_data,
)
from ..penalized.solve import MAX_ITER, TOL, GramData, refine_from_rows, solve_enet
from .base import LinearModel

__all__ = ["ElasticNet", "Lasso", "CD_CONSTRAINTS"]

#: scikit-learn's constraints of the coordinate-descent parameters, shared by
#: ElasticNet, Lasso and their CV forms (``"auto"`` for ``precompute`` is linreg's
#: default; scikit-learn's Lasso/ElasticNet default is False).
CD_CONSTRAINTS = {
    "fit_intercept": ["boolean"],
    "tol": [Interval(Real, 0, None, closed="left"), None],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "screening": ["boolean"],
    "precompute": [StrOptions({"auto"}), "boolean", "array-like"],
    "copy_X": ["boolean"],
    "selection": [StrOptions({"cyclic", "random"})],
    "random_state": ["random_state"],
    "positive": ["boolean"],
}

#: The proximal trainers' options ("gd"/"torch"; which combine is the trainer's check).
PROXIMAL_CONSTRAINTS = {
    "lr": [Interval(Real, 0, None, closed="neither"), None],
    "optimizer": [StrOptions({"sgd", "gd", "momentum", "nesterov", "adam", "adamw", "lbfgs"})],
    "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    "device": [str],  # "auto", "cpu", "cuda" or "cuda:N" (checked where a device is used)
}



class ElasticNet(LinearModel):
    """Linear regression with combined L1 and L2 penalties, by coordinate descent.

    Objective (scikit-learn's, so ``alpha`` and ``l1_ratio`` mean the same there)::

        1/(2 W) sum_i w_i (y_i - b - x_i'coef)^2
            + alpha * l1_ratio * ||coef||_1 + alpha * (1 - l1_ratio) / 2 * ||coef||_2^2

    with ``W = sum_i w_i`` (``n_samples`` unweighted); the intercept ``b`` is not
    penalized.  Several targets are independent problems with the same penalty.

    Parameters
    ----------
    alpha : float, default=1.0
        ``alpha=0`` (a UserWarning, as scikit-learn) is ordinary least squares: with
        ``solver="auto"`` and dense X it is solved exactly by
        :class:`linreg.LinearRegression`'s solver (``solver_`` "lstsq", ``n_iter_`` 0),
        with ``positive=True`` by its non-negative least squares (``solver_`` "nnls");
        coordinate descent ("gram", "design", sparse X) stops there once the KKT
        conditions hold to the gradient's rounding (the duality gap cannot certify).
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    solver : {"auto", "gram", "design", "gd", "torch"}, default="auto"
        ``"gram"``: coordinate descent on the (centred) Gram matrix from one pass of
        :class:`linreg.Moments` (cost independent of n after that pass); ``"design"``:
        coordinate descent on X (large p, scipy.sparse input); ``"auto"``: "design" for sparse
        X, n_samples < n_features, or over 400 features (unless X is over 2 GiB), else
        "gram" (see ``choose_layout``).  The iterative trainers
        (dense X) minimize the same objective on internally standardized data by
        proximal gradient: ``"gd"`` FISTA with restart in NumPy, ``"torch"``
        ``nn.Linear`` + ``torch.optim.SGD`` with soft-thresholding after every step
        (see :mod:`linreg.penalized.iterative`); they also set ``history_``.
    tol : float or None, default=None
        Stop when the duality gap is at most ``tol`` times the objective (default
        1e-13: the objective is then within 1e-13 of the optimum, relative) and the
        optimality conditions hold to 1e-8 alpha; the same rule for every solver.  Note
        that scikit-learn's ``tol`` is relative to ``||y||^2/n`` instead (the objective is
        at most ``||y||^2/(2n)``, so this rule is the stricter one).  Coordinate descent
        also requires, whatever ``tol``, where the objective is strongly convex (see
        ``coef_bound_``), the certified coefficient bound to be at most 1e-8 ``||coef_||_2``
        (or at the rounding floor of the gradient): the gap alone bounds the objective,
        not the coefficients.
    max_iter : int or None, default=None
        Sweeps over the coordinates, or epochs of "gd"/"torch" (default 100,000).
    screening : bool, default=True
        Gap-safe screening: drop features whose optimal coefficient is provably zero.
    warm_start : bool, default=False
        Start from the previous ``coef_`` (coordinate descent only).
    lr : float or None, default=None
        "gd"/"torch": step on the standardized problem; None is ``1/L``, L the largest
        eigenvalue of the smooth part's Hessian (known from the Moments).
    optimizer : {"sgd"}, default="sgd"
        "gd"/"torch" only; momentum and Adam do not combine with the L1 prox.
    batch_size : int or None, default=None
        "torch" only: minibatch size (proximal SGD, which only converges in the mean);
        None is full batch.
    device : {"auto", "cpu", "cuda"}, default="auto"
        "torch" only.
    random_state : int, RandomState instance or None, default=None
        "torch": seed of the minibatch shuffling; otherwise validated as scikit-learn's
        and unused (see ``selection``).
    precompute : "auto", bool or array of shape (n_features, n_features), default="auto"
        scikit-learn's parameter (its Lasso/ElasticNet default is False): with
        ``solver="auto"``, True (or a Gram matrix) selects the "gram" layout, False the
        "design" layout, "auto" linreg's choice; with an explicit ``solver`` a
        contradicting value raises ValueError.  A given Gram matrix is checked, on every
        entry, to equal ``X' diag(s) X`` (``s`` the sample weights normalized to sum
        n_samples) to rounding, ValueError otherwise; with an intercept and X not centred
        it is recomputed with scikit-learn's UserWarning; with sparse X it is ignored, as
        scikit-learn does.  linreg always solves on its own
        Gram matrix (from :class:`linreg.Moments`), so a given one never changes the result.
    copy_X : bool, default=True
        False: in the "design" layout a float64 Fortran-ordered dense X is centred and
        weight-scaled in place (overwritten, as scikit-learn does), saving its copy;
        otherwise linreg never modifies X.
    selection : {"cyclic", "random"}, default="cyclic"
        Accepted and validated; coordinate descent always runs cyclically (with
        screening).  The objective's minimizer does not depend on the order of the
        updates (it is unique where the objective is strictly convex), so "random"
        reaches the same solution, not scikit-learn's iterates.
    positive : bool, default=False
        Constrain the coefficients to ``>= 0`` (the intercept is free), for every
        target: projected coordinate updates, and the duality gap, KKT conditions and
        ``coef_bound_`` of the constrained problem ("gd"/"torch": the one-sided proximal
        map, stopped on the constrained problem's duality gap and KKT conditions).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        scikit-learn's shape: (n_features,) for one target, y of shape (n_samples, 1)
        included; float32 for float32 X (the float64 solution rounded once; the
        float64 digits are in ``solution_.coef``), else float64.
    intercept_ : float, numpy scalar or ndarray of shape (n_targets,)
        The Python float 0.0 without an intercept; a NumPy scalar (of ``coef_``'s
        dtype) for a 1-D y; else an array (shape (1,) for y of shape (n_samples, 1)).
    dual_gap_ : numpy scalar or ndarray of shape (n_targets,)
        Duality gap at the solution, in the objective's scaling (as scikit-learn's; a
        scalar for one target, also for y of shape (n_samples, 1)).
    objective_ : numpy scalar or ndarray of shape (n_targets,)
        The objective at the solution (shaped as ``dual_gap_``).
    solution_ : linreg.Solution
        The float64 solution, ``coef`` (n_targets, n_features) and ``intercept``
        (n_targets,).  Coordinate descent: ``error_estimate`` the certified relative error
        of the coefficients (``coef_bound_ / ||coef_||``, the largest over targets),
        ``status``, ``message`` and ``diagnostics`` ("dual_gap", "kkt", "coef_bound").
        "gd"/"torch": ``error_estimate`` the certified bound on the standardized
        parameters' relative error, from the duality gap (see
        :class:`linreg.penalized.iterative.ProximalFit`).
    coef_bound_ : float64 scalar or ndarray of shape (n_targets,)
        Coordinate descent: a certified bound on ``||coef_ - coef*||_2`` (``coef*`` the
        exact minimizer of the objective on the statistics as held: the Gram matrix, or
        the centred copy of X), from an exactly recomputed gradient: ``(||s||_2 + e) /
        mu`` with ``s`` the minimum-norm subgradient (the KKT residual), ``e`` a bound on
        the gradient's rounding error, and ``mu = alpha (1 - l1_ratio)`` plus, in the
        Gram layout up to 200 features, the smallest eigenvalue of the Gram matrix.
        ``inf`` where the objective is not known to be strongly convex (the Lasso with
        p > n, over 200 features, or a singular Gram matrix).
    n_iter_ : int
        Coordinate sweeps taken (the largest over targets; 0 when the start is already
        optimal, as in scikit-learn), or epochs of "gd"/"torch".
    solver_ : str
        The layout used ("gram" or "design"), "gd"/"torch", or "lstsq"/"nnls" (alpha=0).
    history_ : dict
        "gd"/"torch" only: ``train_loss`` (MSE at the start of each epoch), ``objective``
        (the objective after each epoch), ``val_loss`` with ``validation_data``.
    n_features_in_, feature_names_in_
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "solver": [StrOptions({*SOLVERS, *ITERATIVE})],
        "warm_start": ["boolean"],
        **CD_CONSTRAINTS,
        **PROXIMAL_CONSTRAINTS,
    }
    _dense_only_solvers = ITERATIVE

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        solver="auto",
        tol=None,
        max_iter=None,
        screening=True,
        warm_start=False,
        lr=None,
        optimizer="sgd",
        batch_size=None,
        device="auto",
        random_state=None,
        precompute="auto",
        copy_X=True,
        selection="cyclic",
        positive=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.screening = screening
        self.warm_start = warm_start
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.precompute = precompute
        self.copy_X = copy_X
        self.selection = selection
        self.positive = positive

    def _l1_ratio(self) -> float:
        return float(self.l1_ratio)

    def fit(self, X, y=None, sample_weight=None, validation_data=None, check_input=True):
        """Fit the model (see the class docstring for the objective).

        Parameters
        ----------
        X : array-like, DataFrame or scipy.sparse matrix of shape (n_samples, n_features)
            Or a :func:`linreg.scan` source or Dask collection: one pass for the Moments,
            then coordinate descent on their Gram matrix (bounded memory).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Required unless X is a scan (its target column is y).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights (equivalent to repeating rows).
        validation_data : tuple (X_val, y_val), optional
            "gd"/"torch" only: validation MSE per epoch in ``history_["val_loss"]``.
        check_input : bool, default=True
            scikit-learn's: with False, a dense X must be a Fortran-contiguous float64 or
            float32 array unless ``precompute`` is True or a Gram matrix or
            ``sample_weight`` is given (ValueError otherwise, as scikit-learn); linreg
            checks the input either way.

        Returns
        -------
        self
        """
        return super().fit(
            X, y, sample_weight, validation_data=validation_data, check_input=check_input
        )

    # ------------------------------------------------------------ the template's hooks
    def _check_params(self) -> None:
        """linreg's refusals beyond the constraints, and scikit-learn's alpha=0 warning."""
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to "
                "use the LinearRegression estimator (coordinate descent has no duality-gap "
                "certificate at alpha=0, where the gap equals the objective; with "
                "solver='auto' and dense X linreg solves alpha=0 by exact least squares, "
                "non-negative with positive=True, as LinearRegression does).",
                UserWarning,
                stacklevel=external_stacklevel(),
            )
        layout_from_precompute(self.precompute, self.solver)  # ValueError if they contradict

    def _settings(self):
        """``(alpha, l1_ratio, tol, max_iter)`` with linreg's defaults filled in."""
        tol = TOL if self.tol is None else float(self.tol)
        max_iter = MAX_ITER if self.max_iter is None else int(self.max_iter)
        return float(self.alpha), self._l1_ratio(), tol, max_iter

    def _make_source(self, X, y, sample_weight):
        """A :func:`linreg.scan` source or Dask collection (fitted from its Moments)."""
        from ..sources import as_source

        return as_source(X, y, sample_weight)

    def _fit_source(self, source, dtype, validation_data=None, check_input=True):
        """One pass over a chunked source (linreg.scan, Dask, torch tensors) for the
        Moments, then coordinate descent on their Gram matrix: bounded memory."""
        if self.solver in ITERATIVE:
            if validation_data is not None:
                raise ValueError(
                    "validation_data is not available for an elastic net trained on a "
                    f"{type(source).__name__}; fit without it"
                )
            return self._fit_streamed(source, dtype)
        if self.solver not in ("auto", "gram"):
            raise ValueError(
                f"solver={self.solver!r} needs X in memory; a {type(source).__name__} is "
                "fitted from its Moments with solver='gram' (or 'auto')"
            )
        if validation_data is not None:
            raise ValueError("validation_data applies to solver='gd' or 'torch' only")
        if not (isinstance(self.precompute, str) or self.precompute is True):
            raise ValueError(
                f"a {type(source).__name__} is fitted from its Moments' Gram matrix: "
                "precompute must be 'auto' or True"
            )
        self.__dict__.pop("feature_names_in_", None)
        data = GramData.from_moments(source.moments(), self.fit_intercept)
        result = self._solve(data, None)
        self.n_features_in_ = source.n_features
        if source.feature_names is not None:
            self.feature_names_in_ = np.asarray(source.feature_names, dtype=object)
        return self._store(result, "gram", source.y_was_1d, dtype)

    def _fit_streamed(self, source, dtype):
        """Proximal gradient on a chunked source's Moments (``solver="gd"``; see
        :func:`linreg.penalized.iterative.fit_enet_streamed`)."""
        from ..penalized.iterative import fit_enet_streamed
        from ..training import TrainingConfig

        alpha, l1_ratio, tol, max_iter = self._settings()
        config = TrainingConfig(lr=self.lr, max_iter=max_iter, tol=tol, optimizer=self.optimizer,
                                batch_size=self.batch_size, device=self.device,
                                random_state=self.random_state)  # fmt: skip
        self.__dict__.pop("feature_names_in_", None)
        moments = source.moments()
        fit = fit_enet_streamed(source, moments, alpha=alpha, l1_ratio=l1_ratio,
                                fit_intercept=self.fit_intercept, solver=self.solver,
                                config=config, positive=bool(self.positive))  # fmt: skip
        self.n_features_in_ = source.n_features
        if source.feature_names is not None:
            self.feature_names_in_ = np.asarray(source.feature_names, dtype=object)
        self._set_solution(fit.to_solution(self.solver), source.y_was_1d, dtype, fit.history)
        self._set_per_target(fit.dual_gap, fit.objective, dtype)
        self.__dict__.pop("coef_bound_", None)  # coordinate descent's certificate only
        return self

    def _fit_arrays(self, X, y, sample_weight, dtype, validation_data=None, check_input=True):
        """Validate the arrays; the proximal trainers, the exact least-squares solve
        (alpha=0), or coordinate descent in the layout chosen for them."""
        if not check_input:
            check_unchecked_input(X, self.precompute, sample_weight)
        X, Y, w, y_was_1d = validate_penalized_data(self, X, y, sample_weight)
        if self.solver in ITERATIVE:
            return self._fit_iterative(X, Y, w, y_was_1d, dtype, validation_data)
        if validation_data is not None:
            raise ValueError("validation_data applies to solver='gd' or 'torch' only")
        alpha = float(self.alpha)
        if alpha == 0 and self.solver == "auto" and not sparse.issparse(X):
            positive = bool(getattr(self, "positive", False))  # (non-negative) least squares
            result = least_squares_solution(X, Y, w, self.fit_intercept, positive)
            route = "nnls" if positive else "lstsq"
            return self._store(result, route, y_was_1d, dtype)
        layout = self._layout(X, w)
        data = make_data(X, Y, w, self.fit_intercept, layout, overwrite=not self.copy_X)
        result = self._solve(data, self._warm_start_coef(Y.shape[1], X.shape[1]))
        if layout == "gram" and isinstance(X, np.ndarray):  # at the Gram's floor: from the rows
            _, l1_ratio, tol, _ = self._settings()
            result = refine_from_rows(data, result, X, Y, w, alpha, l1_ratio, tol, self.positive)
        if self._l1_ratio() == 1.0 and alpha > 0 and not self.positive:
            result.diagnostics["dual_gap"] = lasso_gap_at(
                X, Y, w, result.coef, result.intercept, data.x_mean, alpha, self.fit_intercept
            )
        return self._store(result, layout, y_was_1d, dtype)

    def _layout(self, X, w) -> str:
        """The layout ("gram" or "design") of this fit: ``solver``, or what
        ``precompute`` asks for, or linreg's choice; a given Gram matrix is checked."""
        wanted = layout_from_precompute(self.precompute, self.solver)
        layout = self.solver if wanted is None else wanted
        if hasattr(self.precompute, "__array__") and not sparse.issparse(X):
            check_user_gram(self.precompute, X, w, self.fit_intercept)
        if layout == "auto":
            layout = choose_layout(X.shape[0], X.shape[1], sparse.issparse(X))
        if layout == "gram" and sparse.issparse(X) and X.shape[1] > 20_000:
            raise ValueError("solver='gram' on sparse X with over 20,000 columns: use 'design'")
        return layout

    def _solve(self, data, coef_init):
        """Coordinate descent on ``data`` (GramData or DesignData) to this fit's accuracy."""
        alpha, l1_ratio, tol, max_iter = self._settings()
        return solve_enet(
            data,
            alpha,
            l1_ratio,
            coef_init,
            tol,
            max_iter,
            self.screening,
            FIT_KKT_TOL,
            curvature=True,
            positive=bool(self.positive),
        )

    def _warm_start_coef(self, n_targets, n_features):
        """With ``warm_start``, the previous fit's float64 coefficients (n_targets,
        n_features) when their shape fits, else None."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        solution = getattr(self, "solution_", None)
        coef = np.atleast_2d(self.coef_ if solution is None else solution.coef)
        return coef if coef.shape == (n_targets, n_features) else None

    def _store(self, result, layout, y_was_1d, dtype):
        """The fitted attributes of a coordinate-descent (or alpha=0) result."""
        result.diagnostics["layout"] = layout
        self._set_solution(result, y_was_1d, dtype)
        return self

    def _set_solution(self, solution, y_was_1d, dtype=np.float64, history=None):
        """The base's fitted state, then coordinate descent's: ``solver_`` the layout,
        ``n_iter_`` the sweeps, ``dual_gap_``, ``objective_``, ``coef_bound_`` (with
        scikit-learn's ConvergenceWarning where it stopped short).  The proximal
        trainers (``history`` given) write their own per-target values."""
        diag = solution.diagnostics
        if history is None and not diag["converged"]:
            _, _, tol, max_iter = self._settings()
            message = convergence_message(type(self).__name__, diag, tol, max_iter)
            warnings.warn(message, ConvergenceWarning, stacklevel=external_stacklevel())
        super()._set_solution(solution, y_was_1d, dtype, history)
        if history is not None:
            return
        self.solver_ = diag["layout"]  # "gram"/"design"/"lstsq" (solution_.solver: "cd-...")
        self.n_iter_ = int(solution.n_iter)  # 0 sweeps when w = 0 is optimal (scikit-learn)
        self._set_per_target(diag["dual_gap"], diag["objective"], dtype)
        # a certified bound: not rounded to float32 (rounding down would break it)
        self.coef_bound_ = shape_per_target(diag["coef_bound"], len(diag["coef_bound"]) == 1)

    def _set_per_target(self, dual_gap, objective, dtype):
        """``dual_gap_`` and ``objective_``: scikit-learn's dual_gap_ is a scalar of the
        coefficients' dtype for one target, also for y of shape (n_samples, 1)."""
        one = len(dual_gap) == 1
        self.dual_gap_ = shape_per_target(dual_gap, one, dtype)
        self.objective_ = shape_per_target(objective, one, dtype)

    def _fit_iterative(self, X, Y, w, y_was_1d, dtype, validation):
        """Proximal gradient with solver "gd" or "torch" (linreg.penalized.iterative)."""
        from ..penalized.iterative import fit_enet_iterative
        from ..training import TrainingConfig

        alpha, l1_ratio, tol, max_iter = self._settings()
        if sparse.issparse(X):
            raise ValueError(f"solver={self.solver!r} needs dense X; use 'design' for sparse X")
        config = TrainingConfig(
            lr=self.lr,
            max_iter=max_iter,
            tol=tol,
            optimizer=self.optimizer,
            batch_size=self.batch_size,
            device=self.device,
            random_state=self.random_state,
            variance_reduction=False,  # proximal SGD as documented (no control variate)
        )
        fit = fit_enet_iterative(
            X,
            Y,
            w,
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept,
            solver=self.solver,
            config=config,
            validation_data=validation,
            validate_X=lambda Xv: validate_X(self, Xv, reset=False),
            positive=bool(self.positive),
        )
        self._set_solution(fit.to_solution(self.solver), y_was_1d, dtype, fit.history)
        self._set_per_target(fit.dual_gap, fit.objective, dtype)
        self.__dict__.pop("coef_bound_", None)  # coordinate descent's certificate only
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse matrix."""
        return sparse.csr_matrix(np.atleast_2d(self.coef_))


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty, by coordinate descent.

    Objective (scikit-learn's)::

        1/(2 W) sum_i w_i (y_i - b - x_i'coef)^2 + alpha * ||coef||_1

    ``ElasticNet`` with ``l1_ratio=1``; the parameters and attributes are the same
    (see :class:`ElasticNet`) without ``l1_ratio``.
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        solver="auto",
        tol=None,
        max_iter=None,
        screening=True,
        warm_start=False,
        lr=None,
        optimizer="sgd",
        batch_size=None,
        device="auto",
        random_state=None,
        precompute="auto",
        copy_X=True,
        selection="cyclic",
        positive=False,
    ):
        # l1_ratio is not a parameter of Lasso (scikit-learn's contract: __init__ sets
        # exactly the constructor's parameters); _l1_ratio() supplies it.
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.screening = screening
        self.warm_start = warm_start
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.precompute = precompute
        self.copy_X = copy_X
        self.selection = selection
        self.positive = positive

    #: ElasticNet's, without ``l1_ratio`` (1: the Lasso).
    _parameter_constraints: dict = {
        k: v for k, v in ElasticNet._parameter_constraints.items() if k != "l1_ratio"
    }

    def _l1_ratio(self) -> float:
        return 1.0
