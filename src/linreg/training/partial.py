"""``partial_fit`` for the iterative trainers: one epoch per call, the state kept.

``LinearRegression`` and ``Ridge`` with ``solver`` in :data:`linreg.training.TRAINERS`
(``"gd"``, ``"autograd"``, ``"torch"``) learn from batches the way scikit-learn's
``SGDRegressor.partial_fit`` does: each call runs ONE epoch of the trainer over the
rows it is given (minibatches of ``batch_size``, shuffled by the generator seeded with
``random_state``, for ``solver="torch"``), starting from the parameters the previous
call ended on.  What is kept between calls (:class:`PartialState`, the private
``_partial_state`` of the estimator):

- the coordinates.  The first call fixes the shift and scale of the standardized
  problem from its batch's Moments (exactly as ``fit`` standardizes,
  :func:`linreg.training.problem.standardize`); every later batch is standardized
  with the same shift and scale, since a trainer cannot change coordinates in the
  middle of training.  The first batch should therefore show every column's spread
  (a column constant in it keeps scale 1: training stays stable, only slower);
- the standardized parameters (float64), and the trainer's state: for
  ``solver="torch"`` the optimizer's (Adam's moments and step count, momentum buffers,
  L-BFGS's history), the learning-rate scheduler's (it steps once per call, as once
  per epoch in ``fit``) and the shuffling generator's; for ``"gd"`` with
  ``batch_size`` its NumPy generator's.  These are plain CPU tensors and dicts: a
  pickled model resumes with them, on any device.  Within a call the epoch is the
  trainer's own (with ``variance_reduction``, SVRG's control variate is the gradient
  of the call's batch at the parameters the call starts from).  Changing any of
  :data:`STATE_OPTIONS` between calls keeps the parameters and restarts the trainer's
  state; changing ``fit_intercept`` is refused (ValueError).

Each call's batch objective is the estimators' objective in those coordinates,
``J_b = 1/(2 W_b) sum_b w_i (t_i - c - z_i'B)^2 + 1/2 sum_j penalty_j B_j^2``, with the
penalty of ALL the rows seen so far, ``penalty_j = alpha / (W scale_j^2)`` (``W`` their
weight sum): its minibatch gradients estimate the gradient of the all-rows objective.
``lr=None`` takes the trainer's automatic step for that call's batch (from ``L_b``, the
largest eigenvalue of ``J_b``'s Hessian in the fixed coordinates, computed from the
batch's Moments: ``1/L_b`` full batch) for ``"gd"``, ``"autograd"`` and torch's plain
``"sgd"`` without a scheduler.  The
other torch optimizers keep the step of the first call (``1/L`` of the first batch for
``"momentum"`` and ``"nesterov"``, whose heavy ball is stable up to ``3.8/L``: a step
that changes from call to call made it cycle without converging on batches that share
one optimum), and Adam's automatic step and the schedulers evolve as in ``fit``, one
scheduler step per call.

The certificate.  ``moments_`` holds the merged Moments of every row seen (each call's
rows count as new rows, as in the exact ``partial_fit``: passing the same rows twice
weighs them twice, which leaves least squares unchanged and halves Ridge's effective
``alpha``).  After every call the model is expressed in the standardized coordinates
of all the rows seen (those ``fit`` would choose on them, so that the bound means what
fit's ``error_estimate`` means on the same rows, whichever batch came first), the
gradient of their objective ``J`` there is computed from the Moments alone
(:class:`~linreg.training.objective.MomentsObjective`: no pass over earlier rows), and
the certified bound on the relative distance to the exact (penalized) least-squares
solution of all the rows seen is ``((||grad J|| + e_grad) / mu + e_conv) / ||theta||``,
``mu`` the smallest eigenvalue of ``J``'s Hessian (inf when ``J`` is not strongly
convex), ``e_grad`` and ``e_conv`` bounds on the rounding of the gradient's evaluation
and of the change of coordinates (the Moments themselves are taken as exact, as the
epoch loop takes its float64 gradient).  It is ``solution_.error_estimate`` and, per call,
``history_["error_bound"]``, next to ``history_["train_loss"]`` (the weighted mean
squared error of all the rows seen in the data's units, from the Moments).
``solution_.status`` is ``"ok"`` once the bound is at most ``tol``, else
``"inaccurate"`` with a message naming the bound (no warning: one call is one epoch).

Options of ``fit`` that make no sense for one epoch behave as in scikit-learn's
``partial_fit``: ``early_stopping`` and ``n_iter_no_change`` have no effect (there is
no validation data), ``tol`` only decides ``solution_.status``, and ``max_iter`` only
sets the horizon of the ``"cosine"`` and ``"step"`` schedulers.  Besides the epoch,
a call costs two symmetric eigenvalue problems of order ``n_features + 1`` (the
batch's step and the certificate's ``mu``) and a merge of the Moments: O(p^3), no pass
over earlier rows.

``fit`` starts over (the state belongs to the ``solution_`` it produced: a new fit
replaces it); ``partial_fit`` after ``fit`` continues from fit's parameters, in the
coordinates of fit's rows (``moments_``), with a fresh optimizer state (``fit`` keeps
none) and a new ``history_``.  A call that diverges raises
:class:`linreg.training.DivergenceError` and leaves the model as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..centring import Standardization
from ..moments import Moments
from .loop import DIVERGENCE_FACTOR, DivergenceError
from .problem import StandardizedProblem, standardize

__all__ = ["PartialState", "partial_fit_iterative", "standardization_of"]

#: The estimator options that the trainer's state (optimizer, scheduler, shuffling)
#: belongs to.
STATE_OPTIONS = (
    "solver", "optimizer", "lr", "lr_scheduler", "batch_size", "device", "random_state",
    "max_iter", "shuffle", "variance_reduction",
)
#: Optimizers whose automatic step ``1/L`` is re-chosen for each batch (no memory of
#: earlier steps; momentum keeps the first call's, see the module docstring).
SAFE_STEP_OPTIMIZERS = ("sgd", "gd")
BOUND_NAME = "certified relative error bound"


@dataclass
class PartialState:
    """What ``partial_fit`` keeps between calls (see the module docstring).

    Attributes
    ----------
    standardization : Standardization
        The fixed shift and scale of the trainer's coordinates.
    coef, intercept : ndarray of shape (n_targets, n_features) and (n_targets,)
        The standardized parameters (float64).
    fit_intercept : bool
    settings : tuple
        The values of :data:`STATE_OPTIONS` that ``trainer_state`` belongs to.
    trainer_state : dict or None
        The optimizer's and scheduler's ``state_dict`` and the shuffling generator's
        state (torch: CPU tensors; gd: its NumPy generator's state).
    epochs : int
        Epochs the parameters have been trained for (``n_iter_``).
    history : dict
        ``"train_loss"`` and ``"error_bound"`` per call.
    solution : Solution or None
        The ``solution_`` written with this state (a later ``fit`` replaces it, and the
        state no longer applies).
    """

    standardization: Standardization
    coef: np.ndarray
    intercept: np.ndarray
    fit_intercept: bool
    settings: tuple = ()
    trainer_state: dict | None = None
    epochs: int = 0
    history: dict = field(default_factory=lambda: {"train_loss": [], "error_bound": []})
    solution: object = None


def partial_fit_iterative(model, X, y, sample_weight=None):
    """One epoch of ``model``'s trainer over ``(X, y, sample_weight)``; returns ``model``.

    Parameters
    ----------
    model : ExactLinearModel
        A LinearRegression or Ridge with ``solver`` in :data:`linreg.training.TRAINERS`.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Dense rows (a torch tensor is read to the host).  The first call sets
        ``n_features_in_`` and ``feature_names_in_``; later calls must match them.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        The same number of targets at every call.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights of these rows.

    Returns
    -------
    model
        With ``coef_``, ``intercept_``, ``moments_`` (all rows seen), ``solution_``
        (carrying the certified bound), ``history_`` and ``n_iter_`` (epochs) updated.
    """
    from ..fitted_state import result_dtype

    _check_options(model)
    state = _current_state(model)
    dtype = result_dtype(X)  # scikit-learn's rule, from the input as given
    X, Y, w, y_was_1d = _validated(model, X, y, sample_weight, first=state is None)
    batch = _batch_moments(model, X, Y, w)
    if state is not None and batch.n_targets != model.moments_.n_targets:
        raise ValueError(
            f"y has {batch.n_targets} target(s) but the model was fitted on "
            f"{model.moments_.n_targets}: every partial_fit call gives the same targets"
        )
    seen = batch if state is None else model.moments_.merge(batch)
    alpha = _single_alpha(model, batch.n_targets)
    work = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    config = model._training_config(work)
    if state is None:  # the first batch fixes the coordinates, as fit's standardize
        problem = standardize(X, Y, w, model.fit_intercept, alpha, batch, work)
        state = _fresh_state(problem.standardization, batch.n_targets, model.fit_intercept)
    else:
        problem = batch_problem(X, Y, w, state.standardization, alpha, seen.weight_sum,
                                model.fit_intercept, batch, work)
    settings = tuple(getattr(model, name, None) for name in STATE_OPTIONS)
    trainer = _trainer(model.solver, problem, config, state, settings)
    trainer.run_epoch()
    coef, intercept = trainer.parameters()
    check = certify(seen, state.standardization, alpha, model.fit_intercept, coef, intercept)
    _check_divergence(check, trainer, state.epochs + 1)
    new = PartialState(
        state.standardization,
        coef,
        intercept,
        bool(model.fit_intercept),
        settings,
        _trainer_state(trainer, state.trainer_state if state.settings == settings else None),
        state.epochs + 1,
        {key: [*values] for key, values in state.history.items()},
    )
    new.history["train_loss"].append(check.train_loss)
    new.history["error_bound"].append(check.bound)
    _write(model, new, seen, check, config, y_was_1d, dtype)
    return model


# ------------------------------------------------------------------ the call's checks
def _check_options(model) -> None:
    """The estimator's parameter checks (as ``fit``; scikit-learn's ``partial_fit``
    validates at every call) and the options a trainer needs."""
    model._validate_params()
    model._check_params()
    if model.lr is not None and not model.lr > 0:
        raise ValueError(f"lr must be positive (or None for automatic), got {model.lr!r}")
    if getattr(model, "absorbed_", None) is not None:
        raise ValueError(
            "partial_fit cannot add rows to a fit with absorbed effects (new rows change "
            "every level's effect and the singletons): fit again on all the rows"
        )


def _validated(model, X, y, sample_weight, first: bool):
    """``(X, Y, w, y_was_1d)`` validated as ``fit`` does; after the first call X must
    match ``n_features_in_`` and ``feature_names_in_`` (scikit-learn's ValueError)."""
    from .._validation import validate_training_data, validate_X
    from ..sources.tensor import tensors_to_numpy

    X, y, sample_weight = tensors_to_numpy(X, y, sample_weight)
    if first:
        return validate_training_data(model, X, y, sample_weight)
    X = validate_X(model, X, reset=False)
    clone = model.__class__(**model.get_params())
    return validate_training_data(clone, X, y, sample_weight)


def _batch_moments(model, X, Y, w) -> Moments:
    """The batch's Moments; non-finite or overflowing data named (ValueError)."""
    from .._validation import assert_finite, assert_no_overflow

    batch = Moments.from_arrays(X, Y, w)
    if not np.isfinite(batch.cross).all():
        names = getattr(model, "feature_names_in_", None)
        assert_finite(X, "X", names)
        assert_no_overflow(X, names, Y, w)
    return batch


def _single_alpha(model, n_targets: int) -> np.ndarray:
    """The penalty per target; the trainers take one value for all targets."""
    alpha = model._penalty(n_targets)
    if np.size(alpha) and np.any(alpha != alpha[0]):
        raise ValueError(
            f"solver={model.solver!r} takes one alpha for all targets; fit each target "
            "separately or use an exact solver for per-target alphas"
        )
    return alpha


# ------------------------------------------------------------------ the state
def _fresh_state(standardization, n_targets, fit_intercept) -> PartialState:
    p = standardization.x_shift.shape[0]
    return PartialState(
        standardization, np.zeros((n_targets, p)), np.zeros(n_targets), bool(fit_intercept)
    )


def _current_state(model) -> PartialState | None:
    """The state to continue from: the model's own (when it wrote the current
    ``solution_``), else the parameters of a fit (``moments_`` and ``solution_``), else
    None (a first call)."""
    state = getattr(model, "_partial_state", None)
    solution = getattr(model, "solution_", None)
    if state is not None and solution is not None and state.solution is solution:
        if state.fit_intercept != bool(model.fit_intercept):
            raise ValueError(
                f"fit_intercept changed from {state.fit_intercept} to {model.fit_intercept} "
                "between partial_fit calls; the trainer's coordinates depend on it: set it "
                "back, or fit(X, y) to start over"
            )
        return state
    moments = getattr(model, "moments_", None)
    if solution is None or moments is None:
        return None
    standardization = standardization_of(moments, model.fit_intercept)
    coef, intercept = to_standardized(standardization, solution.coef, solution.intercept,
                                      model.fit_intercept)
    state = _fresh_state(standardization, moments.n_targets, model.fit_intercept)
    state.coef, state.intercept = coef, intercept
    from . import TRAINERS

    state.epochs = int(solution.n_iter) if solution.solver in TRAINERS else 0
    return state


def standardization_of(moments: Moments, fit_intercept: bool) -> Standardization:
    """The shift and scale :func:`~linreg.training.problem.standardize` chooses, from the
    Moments alone (:func:`~linreg.training.problem.curvature`)."""
    from .problem import curvature

    c = curvature(moments, fit_intercept, 0.0)
    return Standardization(c.x_shift, c.x_scale, c.y_shift, c.y_scale)


def to_standardized(std: Standardization, coef, intercept, fit_intercept: bool):
    """``(coef (k, p), intercept (k,))`` in user units -> the standardized parameters
    (the inverse of :meth:`Standardization.to_user_units`)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    coef_std = coef * std.x_scale[None, :] / std.y_scale[:, None]
    if not fit_intercept:
        return coef_std, np.zeros(coef.shape[0])
    intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
    return coef_std, (intercept - std.y_shift + coef @ std.x_shift) / std.y_scale


# ------------------------------------------------------------------ the batch
def batch_problem(X, Y, w, std, alpha, weight_seen, fit_intercept, moments, dtype):
    """The :class:`StandardizedProblem` of a batch in the fixed coordinates ``std``.

    ``Z = (X - x_shift) / x_scale`` and ``T = (Y - y_shift) / y_scale`` in ``dtype``,
    the weights normalized to mean 1 over the batch, the penalty of all the rows seen
    (``alpha / (weight_seen x_scale^2)``) and ``lipschitz`` the largest eigenvalue of the
    batch objective's Hessian in these coordinates (from the batch's ``moments``), so
    that ``auto_lr`` is the batch's safe step.  ``strong_convexity`` and ``rank`` are
    the batch's too (the trainers use neither).
    """
    n = X.shape[0]
    Z = ((np.asarray(X, dtype=np.float64) - std.x_shift) / std.x_scale).astype(dtype)
    T = ((np.asarray(Y, dtype=np.float64) - std.y_shift) / std.y_scale).astype(dtype)
    weights = np.ones(n) if w is None else np.asarray(w, np.float64) * (n / moments.weight_sum)
    penalty = _penalty(alpha, weight_seen, std)
    eig = np.linalg.eigvalsh(hessian(moments, std, penalty, fit_intercept))
    rank = int(np.sum(eig > max(n, X.shape[1]) * np.finfo(float).eps * eig[-1]))
    return StandardizedProblem(
        Z, T, weights.astype(dtype), std.x_shift, std.x_scale, std.y_shift, std.y_scale,
        penalty, fit_intercept, float(eig[-1]), float(max(eig[0], 0.0)), rank,
    )


def _penalty(alpha, weight_sum, std) -> np.ndarray:
    """``alpha / (W x_scale^2)``: the penalty per standardized coefficient in ``J``."""
    alpha = float(np.max(alpha)) if np.size(alpha) else 0.0
    return alpha / (weight_sum * std.x_scale**2)


def _standardized_moments(moments: Moments, std: Standardization):
    """``(z_mean, Czz)``: the weighted means and the centred cross-products over the
    weight sum of the standardized columns of the rows behind ``moments``."""
    p, wsum = moments.n_features, moments.weight_sum
    mean = moments.mean[:p] + moments.low()[:p]
    z_mean = (mean - std.x_shift) / std.x_scale
    Czz = moments.xtx / wsum / np.outer(std.x_scale, std.x_scale)
    return z_mean, Czz


def hessian(moments: Moments, std, penalty, fit_intercept: bool) -> np.ndarray:
    """The Hessian of ``J`` (the rows of ``moments``) in the coordinates ``std``: over
    ``(c, B)``, ``[[1, z_mean'], [z_mean, Czz + z_mean z_mean' + diag(penalty)]]`` (the
    lower block alone without an intercept)."""
    z_mean, Czz = _standardized_moments(moments, std)
    block = Czz + np.outer(z_mean, z_mean) + np.diag(penalty)
    if not fit_intercept:
        return block
    p = block.shape[0]
    full = np.empty((p + 1, p + 1))
    full[0, 0], full[0, 1:], full[1:, 0], full[1:, 1:] = 1.0, z_mean, z_mean, block
    return full


# ------------------------------------------------------------------ the certificate
@dataclass
class Certificate:
    """``J`` of all the rows seen at the parameters, from their Moments, in those rows'
    own standardized coordinates."""

    mse: np.ndarray  # standardized weighted MSE per target
    train_loss: float  # its mean over targets, in the data's units
    grad_norm: float
    bound: float  # certified relative distance to the optimum
    start_loss: float  # the mean standardized MSE at zero parameters
    rank: int
    condition_number: float


def certify(moments, std, alpha, fit_intercept, coef, intercept) -> Certificate:
    """The certified relative distance of the model ``(coef, intercept)`` (standardized
    in ``std``) to the optimum of all the rows behind ``moments``, measured in those
    rows' own coordinates (:func:`~linreg.training.problem.curvature`, fit's on them).

    ``||theta - theta*|| <= (||grad J(theta~)|| + e_grad) / mu + e_conv`` relative to
    ``||theta~||``, ``theta~`` the model converted to those coordinates, ``e_conv`` a
    bound on that conversion's rounding and ``e_grad`` on the rounding of the gradient
    evaluated from the Moments (:class:`~linreg.training.objective.MomentsObjective`).
    """
    from .objective import MomentsObjective
    from .problem import curvature

    c = curvature(moments, fit_intercept, alpha)
    own = Standardization(c.x_shift, c.x_scale, c.y_shift, c.y_scale)
    user_coef, user_intercept = std.to_user_units(coef, intercept)
    B, b = to_standardized(own, user_coef, user_intercept, fit_intercept)
    objective = MomentsObjective(moments, c, fit_intercept)
    mse, grad_norm = objective.stats(B, b)
    eps = np.finfo(float).eps
    size = float(np.sqrt(np.sum(B**2) + np.sum(b**2)))
    offsets = (np.abs(c.y_shift) + np.abs(user_coef) @ np.abs(c.x_shift)) / c.y_scale
    e_conv = 4 * eps * (size + float(np.linalg.norm(offsets)))
    p = moments.n_features
    e_grad = (p + 3) * eps * (
        np.linalg.norm(c.gram) * np.linalg.norm(B) + np.linalg.norm(objective.zt)
        + np.max(c.penalty, initial=0.0) * np.linalg.norm(B) + np.linalg.norm(b)
    )  # fmt: skip
    mu = c.strong_convexity
    finite = np.isfinite(grad_norm) and np.isfinite(size)
    if finite and mu > 0:
        bound = ((grad_norm + e_grad) / mu + e_conv) / max(size, 1e-300)
    else:
        bound = np.inf
    zeros = np.zeros_like(B), np.zeros_like(b)
    condition = float(np.sqrt(c.lipschitz / mu)) if mu > 0 else float("inf")
    return Certificate(
        mse,
        float(np.mean(mse * c.y_scale**2)),
        grad_norm,
        float(bound),
        float(np.mean(objective.mse(*zeros))),
        c.rank,
        condition,
    )


def _check_divergence(check: Certificate, trainer, call: int) -> None:
    """DivergenceError when the all-rows loss is not finite or grew
    :data:`~linreg.training.loop.DIVERGENCE_FACTOR` times over its value at zero."""
    loss = float(np.mean(check.mse))
    if np.isfinite(loss) and loss <= DIVERGENCE_FACTOR * max(check.start_loss, 1e-300):
        return
    raise DivergenceError(
        f"partial_fit diverged at epoch {call} with lr={trainer.lr:.4g}: the training loss "
        f"of the rows seen is {loss:.3g} against {check.start_loss:.3g} at zero "
        "(standardized units); the model is left as it was.  Use a smaller lr (or lr=None "
        "for the automatic step), or make the first batch represent the data."
    )


# ------------------------------------------------------------------ the trainer
def _trainer(solver, problem, config, state: PartialState, settings):
    """The trainer of ``solver`` on this batch, at the state's parameters and (same
    settings) with its trainer state; the optimizers without memory keep the automatic
    step the trainer chose for this batch."""
    from . import TRAINERS

    trainer = TRAINERS[solver](problem, config)
    trainer.set_parameters(state.coef, state.intercept)
    if state.trainer_state is None or state.settings != settings:
        return trainer
    saved = state.trainer_state
    rng = getattr(trainer, "rng", None)
    if rng is not None and saved.get("rng") is not None:
        rng.bit_generator.state = copy.deepcopy(saved["rng"])
    if not hasattr(trainer, "optimizer"):
        return trainer
    chosen = [group["lr"] for group in trainer.optimizer.param_groups]
    _load_torch_state(trainer, saved)
    auto = config.lr is None and config.lr_scheduler is None
    if auto and config.optimizer in SAFE_STEP_OPTIMIZERS:
        for group, lr in zip(trainer.optimizer.param_groups, chosen):
            group["lr"] = lr
    return trainer


def _cpu_copy(value):
    """A deep copy of a state_dict with every tensor detached on the CPU."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {key: _cpu_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cpu_copy(item) for item in value)
    return copy.deepcopy(value)


def _trainer_state(trainer, previous: dict | None) -> dict | None:
    """The trainer's state after its epoch: gd's NumPy generator, torch's optimizer,
    scheduler and generator (None for a trainer without any).  A trainer without a
    generator (a full-batch call) keeps the previous one's."""
    previous = previous or {}
    rng = getattr(trainer, "rng", None)
    state = {"rng": copy.deepcopy(rng.bit_generator.state) if rng is not None
             else previous.get("rng")}  # fmt: skip
    if hasattr(trainer, "optimizer"):
        generator = getattr(trainer, "generator", None)
        scheduler = getattr(trainer, "scheduler", None)
        state["optimizer"] = _cpu_copy(trainer.optimizer.state_dict())
        state["scheduler"] = None if scheduler is None else _cpu_copy(scheduler.state_dict())
        state["generator"] = (
            previous.get("generator") if generator is None else generator.get_state()
        )
    return state if any(value is not None for value in state.values()) else None


def _load_torch_state(trainer, state: dict) -> None:
    """Restore the optimizer, then the scheduler, then the generator (copies: the
    stored state is never updated in place)."""
    if state.get("optimizer") is not None:
        trainer.optimizer.load_state_dict(_cpu_copy(state["optimizer"]))
    scheduler = getattr(trainer, "scheduler", None)
    if scheduler is not None and state.get("scheduler") is not None:
        scheduler.load_state_dict(_cpu_copy(state["scheduler"]))
    generator = getattr(trainer, "generator", None)
    if generator is not None and state.get("generator") is not None:
        generator.set_state(state["generator"].clone())


# ------------------------------------------------------------------ the fitted state
def _write(model, state: PartialState, seen: Moments, check: Certificate, config,
           y_was_1d, dtype) -> None:
    """The fitted attributes from the state: ``solution_`` (user units, the bound),
    ``moments_``, ``history_``; summary() then asks for the rows (as the exact
    ``partial_fit``)."""
    from ..cross_validation import MomentsSource
    from ..solution import Solution

    coef, intercept = state.standardization.to_user_units(state.coef, state.intercept)
    if not model.fit_intercept:
        intercept = np.zeros(len(intercept))
    ok = check.bound <= config.tol
    solution = Solution(
        coef=coef,
        intercept=intercept,
        solver=model.solver,
        rank=check.rank,
        condition_number=check.condition_number,
        error_estimate=check.bound,
        n_iter=state.epochs,
        status="ok" if ok else "inaccurate",
        message="" if ok else (
            f"partial_fit with solver={model.solver!r}: after {state.epochs} epoch(s) the "
            f"{BOUND_NAME} to the least-squares solution of the rows seen is "
            f"{check.bound:.2e} (tol={config.tol:g}); call partial_fit again, or fit"
        ),
        diagnostics={
            "history": state.history,
            "stopped": "partial_fit",
            "tol": config.tol,
            "bound": BOUND_NAME,
        },
    )
    state.solution = solution
    for attr in ("_training", "_source", "_stored_summaries", "_sparse_fit",
                 "_positive_weights"):
        model.__dict__.pop(attr, None)
    rows = RowsNotKept(getattr(model, "feature_names_in_", None), y_was_1d)
    model._source = MomentsSource(seen, rows)  # summary() asks for the rows; not pickled
    model.moments_ = seen
    model._partial_state = state
    model._set_solution(solution, y_was_1d, dtype, state.history)


class RowsNotKept:
    """What ``partial_fit`` knows of the rows behind its Moments (the ``like`` of its
    :class:`~linreg.cross_validation.MomentsSource`): their names and the shape of y,
    not the rows, so a second pass (``summary()``) refuses saying what it needs (the
    exact and the iterative ``partial_fit`` share it)."""

    weighted = False

    def __init__(self, feature_names, y_was_1d: bool):
        self.feature_names = None if feature_names is None else list(feature_names)
        self.y_was_1d = bool(y_was_1d)

    def reduce(self, func):
        raise ValueError(
            "this model was fitted by partial_fit, which keeps the Moments of the rows "
            "seen, not the rows; summary() and prediction intervals need a pass over "
            "them: pass X=, y= (and sample_weight=) of all the rows seen to summary(), "
            "or fit(X, y) on them"
        )
