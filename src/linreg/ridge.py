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

    Iterative solvers (``solver="gd"``: gradient descent in NumPy; ``"autograd"``:
    the same on torch tensors with ``backward()``; ``"torch"``: ``nn.Linear`` with
    ``torch.optim``) minimize the same objective on internally standardized data and
    report coefficients in the data's units; these parameters apply to them only:

    lr : float or None
        Learning rate on the standardized problem; None picks ``1/L`` from the
        largest eigenvalue L of the Hessian (the safe step of gradient descent).
    max_iter : int or None
        Epoch cap (default 100,000).
    tol : float or None
        Stop when the certified bound ``||grad|| / mu`` on the relative distance to the
        optimum is below ``tol`` (default 1e-9; 1e-5 when training in float32).
    optimizer : {"sgd", "momentum", "nesterov", "adam", "adamw", "lbfgs"}
        ``solver="torch"`` only.
    batch_size : int or None
        Minibatch size (shuffled each epoch) for ``solver="torch"``; None: full batch.
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

    Attributes
    ----------
    coef_, intercept_, rank_, solver_, condition_number_, solution_,
    n_features_in_, feature_names_in_ : as in :class:`linreg.LinearRegression`, except
        that, as in scikit-learn, a y of shape (n_samples, 1) gives ``coef_`` of shape
        (n_features,) (and ``intercept_`` of shape (1,)).
    """

    _ravel_single_target = True

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        solver="auto",
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
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
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
