"""Ordinary (weighted) least squares."""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import StrOptions

from ..solvers import SOLVERS
from ..training import TRAINERS
from .base import TRAINER_CONSTRAINTS, ExactLinearModel, RegistryNames


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
    copy_X : bool, default=True
        scikit-learn's parameter, validated as there; linreg never modifies X, so
        ``copy_X=False`` (which lets scikit-learn overwrite X) leaves it unchanged too.
    n_jobs : int or None, default=None
        scikit-learn's parameter, validated as there; no effect (linreg's solves are one
        exact factorization; the BLAS picks its own threads).
    positive : bool, default=False
        Constrain the coefficients to be non-negative (the intercept stays free), as
        scikit-learn's ``positive=True``: exact non-negative least squares on the
        Moments (:mod:`linreg.solvers.nnls`, an active-set method), so it runs
        in memory, streamed and on Dask alike; ``solver`` then solves the final free
        set's least-squares problem and ``solver_`` reads ``"nnls+<solver>"``.  Not with
        the iterative solvers; ``summary()`` and prediction intervals are not defined
        for it.

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
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        float32 when X is float32 (scikit-learn's rule), else float64; a 2-D y keeps
        the 2-D shape even with one target.
    intercept_ : numpy scalar or ndarray of shape (n_targets,)
        The float ``0.0`` when ``fit_intercept=False``, whatever the shape of y.
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
    With ``positive=True`` a rank-deficient design warns and returns a basic solution
    (nonzero coefficients on linearly independent columns; the fitted values are
    unique, the coefficients are not).  Otherwise rank-deficient designs warn
    (:class:`linreg.RankDeficientWarning`) naming the aliased columns and return the
    minimum-norm solution.
    """

    #: Every parameter, checked by scikit-learn's validation first thing in ``fit``
    #: (InvalidParameterError, a ValueError and TypeError, naming the parameter).
    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "n_jobs": [None, Integral],
        "solver": [StrOptions(RegistryNames(SOLVERS, TRAINERS))],
        "positive": ["boolean"],
        **TRAINER_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        fit_intercept=True,
        copy_X=True,
        n_jobs=None,
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
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.n_jobs = n_jobs
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
        """positive=True needs an exact solver (the trainers are unconstrained)."""
        if self.positive and self.solver in TRAINERS:
            raise ValueError(
                f"positive=True needs an exact solver; solver={self.solver!r} is iterative "
                "(use solver='auto')"
            )
