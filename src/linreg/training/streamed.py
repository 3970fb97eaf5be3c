"""The iterative trainers on data read in chunks (a ``linreg.scan`` source, Dask).

One pass computes the Moments of the data (as the exact solvers do).  They give the
standardized coordinates, the curvature of J (the automatic step, ``mu`` for the
certificate) and J's exact gradient at any parameters (:mod:`.objective`).  Then:

- ``batch_size`` set (``solver="gd"`` or ``"torch"``): every epoch is one more pass of
  minibatches read from the source (:mod:`.minibatches`: in file order or through a
  seeded shuffle buffer), standardized on the fly; ``gd`` steps in NumPy, ``torch``
  runs ``nn.Linear`` and its ``torch.optim`` optimizer over a ``DataLoader`` of a
  ``torch.utils.data.IterableDataset``.  With ``variance_reduction`` (the default) each
  minibatch gradient is corrected by ``grad J(theta0) - grad J_b(theta0)`` at the
  epoch's starting parameters, ``grad J(theta0)`` coming from the Moments (SVRG
  without its full pass), so a constant step converges to the optimum;
- full batch (``batch_size=None``; and ``solver="autograd"``, full batch only as in
  memory): each epoch is the step of the in-memory trainer, its gradient computed from
  the Moments (autograd differentiates J written from the Moments): no pass over the
  rows, the same iterates as in memory up to rounding.

After every epoch the loop of :mod:`.loop` certifies ``||grad J|| / mu`` relative to
the parameters' norm from the Moments, records it in ``history_["error_bound"]`` with
the training loss (also from the Moments), and stops at ``tol``.  A validation source
is summarized by its own Moments (one pass), so its loss per epoch costs no pass either.
Memory: the Moments, a chunk, the shuffle buffer and a minibatch.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .gd import batch_gradient, minibatch_lr, reduced_gradient
from .loop import TrainingConfig, train
from .minibatches import Minibatches
from .objective import MomentsObjective, user_units_mse
from .problem import StandardizedProblem, curvature, track_intercept


def fit_streamed(solver: str, source, moments, fit_intercept: bool, alpha,
                 config: TrainingConfig, validation=None):  # fmt: skip
    """Train ``solver`` on ``source`` whose Moments are ``moments``: a
    :class:`linreg.Solution` in the data's units carrying the certified bound (see
    :func:`linreg.training.solve_iterative`).  ``validation``: Moments of held-out rows
    (their loss per epoch in ``history_["val_loss"]``) or None."""
    c = curvature(moments, fit_intercept, alpha)
    problem = StandardizedProblem(
        None, None, None, c.x_shift, c.x_scale, c.y_shift, c.y_scale, c.penalty,
        fit_intercept, c.lipschitz, c.strong_convexity, c.rank,
    )  # fmt: skip
    track_intercept(problem, moments)
    objective = MomentsObjective(moments, c, fit_intercept)
    n = int(moments.n_samples)
    batch = config.batch_size
    batches = None
    if batch is not None and batch < n:
        batches = Minibatches(source, batch, config.shuffle, config.random_state)
    standardize = _Standardizer(problem, n, moments.weight_sum)
    trainer = TRAINERS[solver](problem, objective, batches, standardize, config)
    if _ByteProgress.attach(trainer, source, config):  # rich shows one live bar at a time
        config = replace(config, progress=False)
    val = None
    if validation is not None:
        def val(coef, intercept):
            return user_units_mse(validation, *problem.to_user_units(coef, intercept))
    try:
        result = train(trainer, problem, config, val, name=f"solver={solver!r}", warn=False)
    finally:
        _ByteProgress.detach(trainer, source)
    return result.to_solution(problem, solver, config)


class _Standardizer:
    """``(X, Y, w) -> (Z, T, w')``: the trainers' coordinates, weights of mean 1."""

    def __init__(self, problem: StandardizedProblem, n: int, weight_sum: float):
        self.problem, self.factor, self.rows = problem, n / weight_sum, n

    def __call__(self, X, Y, w):
        p = self.problem
        Z = (X - p.x_shift) / p.x_scale
        T = (Y - p.y_shift) / p.y_scale
        return Z, T, None if w is None else w * self.factor


# ---------------------------------------------------------------------------- gd
class StreamedGD:
    """Gradient descent in NumPy: full-batch steps on the Moments' gradient, or passes
    of (variance-reduced) minibatches of the source (see the module and :mod:`.gd`)."""

    records_bound = True

    def __init__(self, problem, objective, batches, standardize, config: TrainingConfig):
        if config.optimizer not in ("sgd", "gd"):
            raise ValueError(
                f"solver='gd' is plain gradient descent; optimizer={config.optimizer!r} "
                "needs solver='torch'"
            )
        if config.lr_scheduler is not None:
            raise ValueError("solver='gd' takes a constant step; lr_scheduler needs solver='torch'")
        self.problem, self.objective, self.batches = problem, objective, batches
        self.standardize, self.config = standardize, config
        p, k = objective.zt.shape
        self.B, self.c = np.zeros((p, k)), np.zeros(k)
        if config.lr is not None:
            self.lr = float(config.lr)
        elif batches is None:
            self.lr = problem.auto_lr
        else:
            self.lr = minibatch_lr(problem.lipschitz, p, batches.batch_size)
        self.epochs = 0

    def full_gradient(self):
        return self.objective.stats(*self.parameters())

    def run_epoch(self):
        coef, intercept = self.parameters()
        full = self.objective.gradient(coef, intercept)
        if self.batches is None:
            self.B -= self.lr * full[0]
            self.c -= self.lr * full[1]
            return None
        B0, c0 = self.B.copy(), self.c.copy()
        p = self.problem
        reduce = self.config.variance_reduction
        for X, Y, w in self.batches.epoch(self.epochs):
            Z, T, wz = self.standardize(X, Y, w)
            if reduce:
                gb, gc = reduced_gradient(Z, wz, self.B, self.c, B0, c0, full, p.penalty,
                                          p.fit_intercept)  # fmt: skip
            else:
                gb, gc = batch_gradient(Z, T, wz, self.B, self.c, p.penalty, p.fit_intercept)
            step = self.lr * Z.shape[0] / self.batches.batch_size  # short last batch: its share
            self.B -= step * gb
            self.c -= step * gc
        self.epochs += 1
        return None

    def parameters(self):
        return self.B.T.copy(), self.c.copy()

    def set_parameters(self, coef, intercept):
        self.B = np.array(coef, dtype=np.float64).T
        self.c = np.array(intercept, dtype=np.float64)


# ---------------------------------------------------------------------------- torch
def _short_batch_share(model, rows: int, batch_size: int) -> None:
    """Scale the gradients of an epoch's short last minibatch (``rows < batch_size``) by
    ``rows / batch_size``: every row then weighs the same in the epoch's steps.  (At the
    full step, the mean gradient of a few rows has a curvature far above L and can make
    the variance-reduced epoch expand: a 2-row tail of 50 rows in batches of 16 did.)"""
    if rows < batch_size:
        for param in model.parameters():
            param.grad *= rows / batch_size


def _moments_loss(objective: MomentsObjective, weight, bias, torch):
    """J at ``(weight (k, p), bias (k,) or None)`` as a torch expression of the Moments
    (autograd gives ``G B - b + penalty B`` and ``c``)."""
    G = torch.as_tensor(objective.gram, dtype=weight.dtype)
    zt = torch.as_tensor(objective.zt.T, dtype=weight.dtype)  # (k, p)
    tt = torch.as_tensor(objective.tt, dtype=weight.dtype)
    pen = torch.as_tensor(objective.penalty, dtype=weight.dtype)
    quad = ((weight @ G) * weight).sum(dim=1)
    mse = tt - 2 * (weight * zt).sum(dim=1) + quad
    if bias is not None:
        mse = mse + bias**2
    return 0.5 * mse.sum() + 0.5 * (pen * weight**2).sum()


class StreamedAutograd:
    """The tutorials' autograd loop, full batch: J written from the Moments, its
    gradient by ``backward()``, ``theta -= lr * theta.grad`` (no pass over the rows)."""

    records_bound = True

    def __init__(self, problem, objective, batches, standardize, config: TrainingConfig):
        import torch

        from .autograd import check_config

        check_config(config)
        self.torch, self.objective, self.problem = torch, objective, problem
        p, k = objective.zt.shape
        self.W = torch.zeros((k, p), dtype=torch.float64, requires_grad=True)
        self.b = torch.zeros(k, dtype=torch.float64, requires_grad=problem.fit_intercept)
        self.lr = problem.auto_lr if config.lr is None else float(config.lr)

    def full_gradient(self):
        return self.objective.stats(*self.parameters())

    def run_epoch(self):
        loss = _moments_loss(self.objective, self.W, self.b if self.problem.fit_intercept
                             else None, self.torch)  # fmt: skip
        loss.backward()
        with self.torch.no_grad():
            self.W -= self.lr * self.W.grad
            self.W.grad.zero_()
            if self.problem.fit_intercept:
                self.b -= self.lr * self.b.grad
                self.b.grad.zero_()
        return None

    def parameters(self):
        return self.W.detach().numpy().copy(), self.b.detach().numpy().copy()

    def set_parameters(self, coef, intercept):
        with self.torch.no_grad():
            self.W.copy_(self.torch.as_tensor(np.asarray(coef, dtype=np.float64)))
            self.b.copy_(self.torch.as_tensor(np.asarray(intercept, dtype=np.float64)))


class StreamedTorch:
    """``nn.Linear`` and ``torch.optim`` over a ``DataLoader`` of the source's
    minibatches (or, full batch, over J from the Moments): see the module."""

    records_bound = True

    def __init__(self, problem, objective, batches, standardize, config: TrainingConfig):
        import torch

        from .torch_module import (
            LinearModel,
            PenalizedWeightedMSE,
            automatic_lr,
            check_config,
            make_optimizer,
            make_scheduler,
            resolve_device,
        )

        check_config(config, standardize.rows)
        self.torch, self.problem, self.objective = torch, problem, objective
        self.batches, self.config = batches, config
        self.device = resolve_device(config.device)
        p, k = objective.zt.shape
        self.model = LinearModel(p, k, problem.fit_intercept, torch.float64, self.device)
        self.loss = PenalizedWeightedMSE(torch.as_tensor(problem.penalty, device=self.device))
        reduced = batches is not None and config.variance_reduction  # plain loop: 1/L
        step = automatic_lr(problem.lipschitz, p, config.optimizer,
                            batches.batch_size if reduced else None, standardize.rows)  # fmt: skip
        self.optimizer = make_optimizer(list(self.model.parameters()), config, step)
        steps = 1
        if batches is not None:
            from .minibatches import torch_dataset

            steps = max(1, -(-standardize.rows // batches.batch_size))  # per epoch
            dataset = torch_dataset(batches, standardize, torch.float64, self.device)
            self.loader = torch.utils.data.DataLoader(dataset, batch_size=None)
        self.scheduler, self.schedule_on = make_scheduler(self.optimizer, config, steps)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def full_gradient(self):
        return self.objective.stats(*self.parameters())

    def run_epoch(self):
        if self.config.optimizer == "lbfgs":
            self._lbfgs_epoch()
        elif self.batches is None:
            self.optimizer.zero_grad()
            lin = self.model.linear
            _moments_loss(self.objective, lin.weight, lin.bias, self.torch).backward()
            self.optimizer.step()
        else:
            self._minibatch_epoch()
        stats = self.full_gradient()
        from .torch_module import step_scheduler

        step_scheduler(self.scheduler, self.schedule_on, stats)
        return None

    def _minibatch_epoch(self):
        from .torch_module import add_control_variate

        torch, lin = self.torch, self.model.linear
        reduce = self.config.variance_reduction
        if reduce:
            gb, gc = self.objective.gradient(*self.parameters())
            full = (torch.as_tensor(gb.T, device=self.device),
                    torch.as_tensor(gc, device=self.device))  # fmt: skip
            weight0 = lin.weight.detach().clone()
            bias0 = None if lin.bias is None else lin.bias.detach().clone()
            penalty = self.loss.penalty if self.loss.penalized else None
        for Z, T, w in self.loader:
            self.optimizer.zero_grad()
            loss, _ = self.loss(self.model(Z), T, w, lin.weight)
            loss.backward()
            if reduce:
                add_control_variate(lin, Z, T, w, weight0, bias0, full, penalty)
            _short_batch_share(self.model, Z.shape[0], self.batches.batch_size)
            self.optimizer.step()

    def _lbfgs_epoch(self):
        # J(theta0 + d) - J(theta0) = grad J(theta0) . d + d'H d / 2 exactly (J is
        # quadratic): the line search resolves decreases far below J's own rounding.
        torch, lin = self.torch, self.model.linear
        gb, gc = self.objective.gradient(*self.parameters())
        g_weight = torch.as_tensor(gb.T, dtype=torch.float64)
        g_bias = torch.as_tensor(gc, dtype=torch.float64)
        G = torch.as_tensor(self.objective.gram, dtype=torch.float64)
        pen = torch.as_tensor(self.objective.penalty, dtype=torch.float64)
        W0 = lin.weight.detach().clone()
        b0 = None if lin.bias is None else lin.bias.detach().clone()

        def closure():
            self.optimizer.zero_grad()
            dW = lin.weight - W0
            change = (g_weight * dW).sum() + 0.5 * (((dW @ G) * dW).sum() + (pen * dW**2).sum())
            if b0 is not None:
                db = lin.bias - b0
                change = change + (g_bias * db).sum() + 0.5 * (db**2).sum()
            change.backward()
            return change

        self.optimizer.step(closure)

    def parameters(self):
        lin = self.model.linear
        coef = lin.weight.detach().double().cpu().numpy().copy()
        if lin.bias is None:
            return coef, np.zeros(coef.shape[0])
        return coef, lin.bias.detach().double().cpu().numpy().copy()

    def set_parameters(self, coef, intercept):
        lin = self.model.linear
        with self.torch.no_grad():
            lin.weight.copy_(self.torch.as_tensor(np.asarray(coef, dtype=np.float64)))
            if lin.bias is not None:
                lin.bias.copy_(self.torch.as_tensor(np.asarray(intercept, dtype=np.float64)))


TRAINERS = {"gd": StreamedGD, "autograd": StreamedAutograd, "torch": StreamedTorch}


# ---------------------------------------------------------------------------- progress
class _ByteProgress:
    """A progress bar over the bytes of each epoch's pass of a :func:`linreg.scan`
    source (rich, on stderr; shown as ``config.progress`` says, like the in-memory
    trainers' bar)."""

    @staticmethod
    def attach(trainer, source, config: TrainingConfig) -> bool:
        """Start the bar when it is to be shown; whether it was."""
        import sys

        from ..sources.scan import Scan

        show = config.progress is True or (config.progress == "auto" and sys.stderr.isatty())
        if not (show and isinstance(source, Scan) and getattr(trainer, "batches", None)):
            return False
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("training: epoch 1", total=source.total_bytes)
        before = source.progress
        state = {"last": 0, "epoch": 1}

        def report(done, total):
            if done < state["last"]:  # a new pass began
                state["epoch"] += 1
                bar.update(task, description=f"training: epoch {state['epoch']}")
            state["last"] = done
            bar.update(task, completed=done)
            if before is not None:
                before(done, total)

        source.progress = report
        trainer._progress = (bar, before)
        bar.start()
        return True

    @staticmethod
    def detach(trainer, source) -> None:
        progress = getattr(trainer, "_progress", None)
        if progress is not None:
            progress[0].stop()
            source.progress = progress[1]
