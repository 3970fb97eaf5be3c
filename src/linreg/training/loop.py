"""The epoch loop every trainer shares: stopping, divergence, history, early stopping.

A trainer is an object with

- ``run_epoch() -> (mse, grad_norm) | None``: one pass over the data (full batch or
  minibatches); it may return the standardized training MSE per target and the norm
  of J's full gradient at the parameters it started from, else the loop asks
- ``full_gradient() -> (mse, grad_norm)`` at the current parameters;
- ``parameters() -> (coef (k, p), intercept (k,))`` standardized, float64;
- ``set_parameters(coef, intercept)`` (used to restore the best validation epoch);
- ``lr``: the learning rate it uses (for messages).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .problem import StandardizedProblem


class DivergenceError(RuntimeError):
    """Training diverged: the message names the epoch, the learning rate and a stable one."""


@dataclass
class TrainingConfig:
    """Options shared by the trainers (see the estimators' docstrings)."""

    lr: float | None = None
    max_iter: int = 100_000
    tol: float = 1e-9
    optimizer: str = "sgd"
    batch_size: int | None = None
    lr_scheduler: str | None = None
    device: str = "auto"
    random_state: int | None = None
    early_stopping: bool = False
    n_iter_no_change: int = 10
    progress: bool | str = "auto"
    shuffle: bool = True
    variance_reduction: bool = True


@dataclass
class TrainingResult:
    """What :func:`train` ends on, in the standardized coordinates of its problem.

    ``error_bound`` is the certified bound on the relative distance of ``(coef,
    intercept)`` to the optimum (or the certificate's measure, see :func:`train`);
    ``stopped`` says why training ended: ``"tol"`` (the bound reached ``tol``),
    ``"early_stopping"`` (the validation loss stopped improving) or ``"max_iter"``.
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    converged: bool
    error_bound: float
    history: dict = field(default_factory=dict)
    stopped: str = "tol"
    what: str = "certified relative error bound"

    def message(self, name: str, config: TrainingConfig) -> str:
        """What a stop at ``max_iter`` means, naming the bound reached (else "")."""
        if self.stopped != "max_iter":
            return ""
        return (
            f"{name} stopped at max_iter={config.max_iter} before reaching "
            f"tol={config.tol:g} ({self.what} {self.error_bound:.2e}); raise max_iter or "
            "use an exact solver"
        )

    def to_solution(self, problem: StandardizedProblem, name: str, config: TrainingConfig):
        """The :class:`linreg.Solution` in the data's units, carrying the bound.

        ``status`` is ``"inaccurate"`` (with the message naming the bound reached)
        when training stopped at ``max_iter`` before the bound reached ``tol``.
        """
        from ..solution import Solution

        coef, intercept = problem.to_user_units(self.coef, self.intercept)
        if not problem.fit_intercept:
            intercept = np.zeros(len(intercept))
        return Solution(
            coef=coef,
            intercept=intercept,
            solver=name,
            rank=problem.rank,
            condition_number=problem.condition_number,
            error_estimate=self.error_bound,
            n_iter=self.n_iter,
            status="inaccurate" if self.stopped == "max_iter" else "ok",
            message=self.message(f"solver={name!r}", config),
            diagnostics={
                "history": self.history,
                "stopped": self.stopped,
                "tol": config.tol,
                "bound": self.what,
            },
        )


#: Divergence: the loss grew this many times over its starting value.
DIVERGENCE_FACTOR = 1e4


def _progress(config: TrainingConfig, name: str):
    show = config.progress is True or (
        config.progress == "auto" and sys.stderr.isatty() and config.max_iter >= 1000
    )
    if not show:
        return None
    from rich.progress import Progress

    bar = Progress(transient=True, console=None)
    task = bar.add_task(f"training ({name})", total=config.max_iter)
    return bar, task


def _gradient_after(trainer, stats, previous, coef, intercept):
    """``(mse, ||grad J||, step)`` after an epoch: the gradient at the new parameters
    (step 0), or, when ``run_epoch`` reported ``stats``, the gradient at the parameters
    it started from (``previous``) and the distance moved since."""
    if stats is None:
        mse, grad_norm = trainer.full_gradient()
        return mse, grad_norm, 0.0
    mse, grad_norm = stats
    step = np.sqrt(np.sum((coef - previous[0]) ** 2) + np.sum((intercept - previous[1]) ** 2))
    return mse, grad_norm, step


def _check_divergence(trainer, problem: StandardizedProblem, name: str, epoch: int, coef,
                      intercept, mse, start: float) -> None:  # fmt: skip
    """DivergenceError when the parameters are not finite or the loss grew
    :data:`DIVERGENCE_FACTOR` times over its starting value ``start``."""
    loss = float(np.mean(mse))
    finite = np.isfinite(coef).all() and np.isfinite(intercept).all()
    if finite and np.isfinite(loss) and loss <= DIVERGENCE_FACTOR * max(start, 1e-300):
        return
    raise DivergenceError(
        f"{name} diverged at epoch {epoch} with lr={trainer.lr:.4g}: the training "
        f"loss grew from {start:.3g} to {loss:.3g} (standardized units). The "
        f"largest stable step of plain gradient descent on this problem is "
        f"{problem.largest_stable_lr:.4g}; use lr={problem.auto_lr:.4g}, or "
        "lr=None to choose it automatically."
    )


def _epoch_bound(problem: StandardizedProblem, config: TrainingConfig, certificate, coef,
                 intercept, grad_norm, step, previous_bound: float):  # fmt: skip
    """``(bound, certified)`` after an epoch: the ``certificate``'s measure and verdict,
    else ``(||grad J|| / mu + step) / ||theta||`` against :func:`_target` (the previous
    bound, infinite at first, when J is not strongly convex: it never certifies)."""
    if certificate is not None:
        bound, certified = certificate(coef, intercept)
        return bound, bool(certified)
    bound = previous_bound
    if problem.strong_convexity > 0:
        size = np.sqrt(np.sum(coef**2) + np.sum(intercept**2))
        bound = (grad_norm / problem.strong_convexity + step) / max(size, 1e-300)
    return bound, bool(bound <= _target(problem, config, coef, intercept))


class _EarlyStopping:
    """The best validation loss so far, its parameters, and the epochs since."""

    def __init__(self, patience: int):
        self.best, self.params, self.stale, self.patience = np.inf, None, 0, int(patience)

    def should_stop(self, val: float, coef, intercept) -> bool:
        """Record an epoch's validation loss; whether ``patience`` epochs have passed
        without improvement."""
        if val < self.best * (1 - 1e-12):
            self.best, self.params, self.stale = val, (coef.copy(), intercept.copy()), 0
        else:
            self.stale += 1
        return self.stale >= self.patience


def _bound_at(trainer, problem: StandardizedProblem, certificate, coef, intercept) -> float:
    """The bound of :func:`train` at the trainer's current parameters (no step term)."""
    if certificate is not None:
        return float(certificate(coef, intercept)[0])
    if not problem.strong_convexity > 0:
        return np.inf
    _, grad_norm = trainer.full_gradient()
    size = np.sqrt(np.sum(coef**2) + np.sum(intercept**2))
    return float(grad_norm / problem.strong_convexity / max(size, 1e-300))


def _target(problem: StandardizedProblem, config: TrainingConfig, coef, intercept) -> float:
    """The bound to reach: ``tol``, divided by the intercept's amplification of the
    parameters' error when the problem tracks it (``problem.amplification``)."""
    amplify = getattr(problem, "amplification", None)
    if amplify is None:
        return config.tol
    return config.tol / max(1.0, float(amplify(coef, intercept)))


def _validation_loss(validation, problem: StandardizedProblem, coef, intercept) -> float:
    """The validation MSE in the data's units: ``validation`` is ``(Z_val, T_val)`` in
    the standardized coordinates, or a callable of the standardized parameters (a
    streamed validation source: its loss from its Moments)."""
    if callable(validation):
        return float(validation(coef, intercept))
    Zv, Tv = validation
    resid = Tv - Zv @ coef.T - intercept
    return float(np.mean(problem.user_mse(np.mean(resid**2, axis=0))))


def train(
    trainer,
    problem: StandardizedProblem,
    config: TrainingConfig,
    validation=None,
    name: str = "trainer",
    certificate=None,
    warn: bool = True,
) -> TrainingResult:
    """Run epochs until the certified error bound is below ``tol`` (or ``max_iter``).

    The bound is ``||grad J|| / mu`` on the standardized parameters, relative to their
    norm; when J is not strongly convex (mu = 0) it never certifies and training stops
    at ``max_iter`` with a ConvergenceWarning.  When ``run_epoch`` reports the gradient
    at the parameters it started from, the bound for the parameters it ended on adds
    the epoch's step, ``||theta - theta*|| <= ||grad(theta_0)|| / mu + ||theta - theta_0||``.

    ``certificate`` replaces that bound for non-smooth objectives (the L1 penalty, see
    :mod:`.proximal`): a callable ``(coef, intercept) -> (measure, converged)`` run after
    every epoch on the standardized parameters, whose ``what`` attribute names the
    measure in messages; training stops when it reports ``converged``.

    A stop at ``max_iter`` warns (ConvergenceWarning, naming the bound reached) unless
    ``warn`` is false: then the caller reports it (see :meth:`TrainingResult.to_solution`).
    """
    history = {"train_loss": []}
    if getattr(trainer, "records_bound", False):
        history["error_bound"] = []
    if validation is not None:
        history["val_loss"] = []
    mse0, _ = trainer.full_gradient()
    start = float(np.mean(mse0))
    previous = trainer.parameters()
    early = _EarlyStopping(config.n_iter_no_change) if config.early_stopping else None
    converged, stopped, bound = False, "max_iter", np.inf
    progress = _progress(config, name)
    if progress:
        progress[0].start()
    try:
        epoch = 0
        for epoch in range(1, config.max_iter + 1):
            stats = trainer.run_epoch()
            coef, intercept = trainer.parameters()
            mse, grad_norm, step = _gradient_after(trainer, stats, previous, coef, intercept)
            previous = (coef, intercept)
            _check_divergence(trainer, problem, name, epoch, coef, intercept, mse, start)
            history["train_loss"].append(float(np.mean(problem.user_mse(mse))))
            bound, certified = _epoch_bound(problem, config, certificate, coef, intercept,
                                            grad_norm, step, bound)  # fmt: skip
            if "error_bound" in history:  # the streamed trainers record it per epoch
                history["error_bound"].append(float(bound))
            if validation is not None:
                val = _validation_loss(validation, problem, coef, intercept)
                history["val_loss"].append(val)
                if early is not None and early.should_stop(val, coef, intercept):
                    trainer.set_parameters(*early.params)
                    converged, stopped = True, "early_stopping"
                    break
            if progress and epoch % 100 == 0:
                progress[0].update(progress[1], completed=epoch)
            if certified:
                converged, stopped = True, "tol"
                break
    finally:
        if progress:
            progress[0].stop()
    coef, intercept = trainer.parameters()
    if stopped == "early_stopping":  # the bound of the restored (best) epoch's parameters
        bound = _bound_at(trainer, problem, certificate, coef, intercept)
    what = getattr(certificate, "what", "certified relative error bound")
    result = TrainingResult(coef, intercept, epoch, converged, float(bound), history, stopped, what)
    if warn and not converged:
        warnings.warn(result.message(name, config), ConvergenceWarning, stacklevel=3)
    return result
