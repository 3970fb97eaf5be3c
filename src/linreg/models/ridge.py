"""L2-penalized least squares with scikit-learn's objective."""

from __future__ import annotations

import numbers
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..solvers import SOLVERS
from ..training import TRAINERS
from .base import TRAINER_CONSTRAINTS, ExactLinearModel, RegistryNames

#: scikit-learn's iterative Ridge solvers.  Where the named method cannot run (Moments
#: alone: a stream, ``partial_fit``; ``"lbfgs"`` is for ``positive=True``) linreg's exact
#: solve runs (``solver="auto"``), and ``solver_`` names the exact path that ran.
SKLEARN_ITERATIVE = ("lsqr", "sparse_cg", "sag", "saga", "lbfgs")

#: The names that run their own method on dense X in memory (certified to 1e-10).
NAMED_ITERATIVE = ("lsqr", "sparse_cg", "sag", "saga")

#: scikit-learn's names of Ridge's solvers.
SKLEARN_NAMES = ("auto", "svd", "cholesky", *SKLEARN_ITERATIVE)

#: Every name ``solver`` takes: scikit-learn's, linreg's exact solvers, the trainers.
RIDGE_SOLVERS = frozenset({*SKLEARN_NAMES, *SOLVERS, *TRAINERS})


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
    copy_X : bool, default=True
        Accepted for scikit-learn's signature; linreg never modifies X.
    max_iter : int >= 1 or None, default=None
        ``"lsqr"``/``"sparse_cg"``: iterations per target (default
        ``max(1000, 10 n_features)``); ``"sag"``/``"saga"``: epochs per target (default
        1000); when it stops a target before its certified bound, the result is the
        iterate reached, with an IterationLimitWarning (a ConvergenceWarning) giving the
        bound; the trainers: their epoch cap (see below).
    tol : float >= 0 or None, default=None
        scikit-learn's solver names: accepted, not used: linreg's named iterative
        solvers stop on a certified bound, ``||coef - coef*|| <= 1e-10 ||coef||``, which
        is tighter than scikit-learn's criteria at its tolerances (default 1e-4); the
        trainers: see below.
    solver : str, default="auto"
        linreg's exact solvers ``"auto"``, ``"cholesky"``, ``"qr"``, ``"extended"``,
        ``"svd"``, ``"eigh"`` (see :mod:`linreg.solvers`); scikit-learn's iterative names
        run that method on dense X in memory: ``"lsqr"`` and ``"sparse_cg"``
        (Jacobi-preconditioned CG; :mod:`linreg.solvers.dense_iterative`), ``"sag"`` and
        ``"saga"`` (stochastic average gradient, :mod:`linreg.solvers.sag`), each
        stopped by the certified bound ``||coef - coef*|| <= 1e-10 ||coef||`` (from the
        normal-equation residual recomputed from X, over ``alpha``), so they reach the
        exact optimum to 1e-10; with ``alpha`` 0 (or below the rounding of ``X'WX``), or
        when that residual's own rounding over ``alpha`` exceeds 1e-10 (a small penalty
        on a wide or ill-conditioned X), or an intercept amplifies the slopes' error past
        1e-6 (a large offset in X), no such bound exists and the exact solve runs
        instead, as it does from Moments
        alone (a stream, ``partial_fit``); ``solver_`` names what ran.  As in
        scikit-learn, ``"lbfgs"`` needs ``positive=True``; the trainers ``"gd"``,
        ``"autograd"``, ``"torch"`` (below).  On scipy.sparse X, ``"sparse_cg"``
        (Jacobi-preconditioned CG) and ``"lsqr"`` run that method, certified to 1e-10 relative
        (:mod:`linreg.solvers.sparse_iterative`; ``max_iter`` caps its iterations, ``tol``
        is not needed); the other names run the exact route on the sparse Moments, or
        sparse CG when the dense Gram matrix is beyond budget (:mod:`linreg.sources.sparse`).
    positive : bool, default=False
        Constrain the coefficients to be non-negative (the intercept stays free), with
        solver ``"auto"`` or ``"lbfgs"`` as in scikit-learn (others raise its
        ValueError): the exact non-negative solve of the ridge objective on the Moments
        (:mod:`linreg.solvers.nnls` on the penalized Gram matrix ``X'WX + alpha I``),
        ``solver_`` ``"nnls+<exact solver>"``; ``summary()`` and prediction intervals
        are refused for it.
    random_state : int, RandomState instance or None, default=None
        ``"sag"``/``"saga"``: seeds the rows drawn (the answer is the optimum to 1e-10
        whatever the seed); the trainers: see below.

    Iterative solvers (``solver="gd"``: gradient descent in NumPy; ``"autograd"``:
    the same on torch tensors with ``backward()``; ``"torch"``: ``nn.Linear`` with
    ``torch.optim``) minimize the same objective on internally standardized data and
    report coefficients in the data's units; these parameters apply to them only:

    lr : float or None
        Learning rate on the standardized problem; None picks ``1/L`` from the
        largest eigenvalue L of the Hessian (the safe step of gradient descent).
    max_iter : int or None
        Epoch cap (default 100,000; 1,000 for minibatches read from a :func:`linreg.scan`
        or Dask input, where each epoch is a pass over the data).
    tol : float or None
        Stop when the certified bound ``||grad|| / mu`` on the relative distance to the
        optimum is below ``tol`` (default 1e-9; 1e-5 when training in float32).
    optimizer : {"sgd", "momentum", "nesterov", "adam", "adamw", "lbfgs"}
        ``solver="torch"`` only.
    batch_size : int or None
        Minibatch size for ``solver="torch"`` and ``"gd"``; None: full batch.
    lr_scheduler : {None, "plateau", "cosine", "step"}
        ``solver="torch"`` only.
    device : {"auto", "cpu", "cuda"}
        ``"auto"`` is CUDA when available.
    random_state : int or None
        Seed of the initialization and the shuffling.
    early_stopping : bool
        Stop when the validation loss (``fit(..., validation_data=...)``) has not
        improved for ``n_iter_no_change`` epochs, and keep the best epoch.
    n_iter_no_change : int
    progress : {"auto", True, False}
        Progress bar on stderr; "auto" shows it only on a terminal.
    shuffle : bool, default=True
        Minibatches from a seeded permutation of the rows each epoch (in memory) or
        through a seeded shuffle buffer (a :func:`linreg.scan` or Dask input); False:
        in row (file) order.
    variance_reduction : bool, default=True
        Correct each minibatch gradient by ``grad J(theta0) - grad J_b(theta0)`` at
        the epoch's starting parameters, J's exact gradient coming from the Moments
        (SVRG): minibatch training then converges to the optimum and certifies
        ``tol``; False gives the plain minibatch gradients of the tutorials' loops,
        which stall at a noise floor.

    Attributes
    ----------
    coef_, intercept_, rank_, solver_, condition_number_, solution_,
    n_features_in_, feature_names_in_ : as in :class:`linreg.LinearRegression`, except
        that, as in scikit-learn, a y of shape (n_samples, 1) gives ``coef_`` of shape
        (n_features,) (and ``intercept_`` of shape (1,)).
    n_iter_ : None or int or ndarray of shape (n_targets,)
        scikit-learn's convention: None for the exact solvers and for ``"sparse_cg"`` on
        dense X; the iterations per target (int32) of ``"lsqr"``, the epochs per target
        of ``"sag"``/``"saga"``, and the iterations per target of sparse CG/LSQR on
        scipy.sparse X; the epochs of the trainers.
    """

    _ravel_single_target = True

    _parameter_constraints: dict = {
        **TRAINER_CONSTRAINTS,  # lr, optimizer, ..., max_iter, tol, random_state
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "solver": [StrOptions(RegistryNames(SOLVERS, TRAINERS, extra=SKLEARN_NAMES))],
        "positive": ["boolean"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        solver="auto",
        positive=False,
        lr=None,
        max_iter=None,
        tol=None,
        optimizer="sgd",
        batch_size=None,
        lr_scheduler=None,
        device="auto",
        random_state=None,
        early_stopping=False,
        n_iter_no_change=10,
        progress="auto",
        shuffle=True,
        variance_reduction=True,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.solver = solver
        self.positive = positive
        self.lr = lr
        self.max_iter = max_iter
        self.tol = tol
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.lr_scheduler = lr_scheduler
        self.device = device
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.progress = progress
        self.shuffle = shuffle
        self.variance_reduction = variance_reduction

    def _check_params(self) -> None:
        """scikit-learn's refusals of solver / positive combinations, its messages."""
        if self.solver == "lbfgs" and not self.positive:
            raise ValueError(
                "'lbfgs' solver can be used only when positive=True. "
                "Please use another solver."
            )
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(
                f"solver='{self.solver}' does not support positive fitting. Please"
                " set the solver to 'auto' or 'lbfgs', or set `positive=False`"
            )

    def _exact_solver(self) -> str:
        """The exact solver behind scikit-learn's names where the named method cannot
        run (Moments alone: a stream, ``partial_fit``): ``"auto"``."""
        return "auto" if self.solver in SKLEARN_ITERATIVE else self.solver

    def _solve(self, problem):
        """With X in memory, scikit-learn's ``"lsqr"``/``"sparse_cg"``
        (:mod:`linreg.solvers.dense_iterative`) and ``"sag"``/``"saga"``
        (:mod:`linreg.solvers.sag`) run that method, certified; else the exact solve."""
        if self.solver in NAMED_ITERATIVE and problem.has_data and not self._positive():
            if self.solver in ("sag", "saga"):
                from ..solvers.sag import solve_sag

                return solve_sag(problem, self.solver, self.max_iter, self.random_state)
            from ..solvers.dense_iterative import solve_dense_iterative

            return solve_dense_iterative(problem, self.solver, self.max_iter)
        return super()._solve(problem)

    def _set_solution(self, solution, y_was_1d, dtype=np.float64, history=None):
        """The base's fitted state, with scikit-learn's ``n_iter_``: None for a direct
        solve and CG, the iterations (epochs) per target for LSQR and SAG/SAGA (the
        trainers keep their epoch count)."""
        super()._set_solution(solution, y_was_1d, dtype, history)
        if self.solver not in TRAINERS:
            self.n_iter_ = solution.diagnostics.get("sklearn_n_iter")

    def _penalty(self, n_targets: int) -> np.ndarray:
        if isinstance(self.alpha, numbers.Real):
            alpha = np.full(n_targets, float(self.alpha))
        else:
            alpha = np.asarray(self.alpha, dtype=np.float64).ravel()
            if alpha.shape[0] == 1:  # one value for every target, as scikit-learn
                alpha = np.full(n_targets, alpha[0])
            if alpha.shape[0] != n_targets:
                raise ValueError(  # scikit-learn's wording, then ours
                    "Number of targets and number of penalties do not correspond: "
                    f"{alpha.shape[0]} != {n_targets} (alpha has {alpha.shape[0]} values "
                    f"but y has {n_targets} target(s))"
                )
        if not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
            raise ValueError(f"alpha must be finite and non-negative, got {self.alpha!r}")
        return alpha
