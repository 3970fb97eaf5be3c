"""The L1 penalty through the iterative trainers: proximal gradient in NumPy and torch.

The elastic net in the data's units (scikit-learn's objective)::

    F(b0, b) = 1/(2W) sum_i w_i (y_i - b0 - x_i'b)^2 + l1 ||b||_1 + l2/2 ||b||^2,

``l1 = alpha * l1_ratio``, ``l2 = alpha * (1 - l1_ratio)``, is trained on the
standardized problem of :mod:`.problem` (``z = (x - xbar)/s``, ``t = (y - ybar)/s_y``,
``B_j = b_j s_j / s_y``), where, divided by ``s_y^2``, it reads::

    J(c, B) = 1/(2W) sum_i w_i (t_i - c - z_i'B)^2
              + 1/2 sum_j (l2 / s_j^2) B_j^2 + sum_j lam_j |B_j|,   lam_j = l1 / (s_j s_y).

The smooth part is the data term alone (the standardized problem without penalty:
``lr=None`` is ``1/L``, L the largest eigenvalue of its Hessian, from the Moments); the
whole penalty goes through its proximal map, per coordinate::

    prox(u)_j = soft(u_j, lr lam_j) / (1 + lr pen_j),   pen_j = l2 / s_j^2,

soft-thresholding (exact zeros) then shrinking.  So the minimizer is the data-units
optimum whatever the columns' scales.  With ``positive`` (``b >= 0``; the scales are
positive, so ``B >= 0`` is the same constraint) the prox is the one-sided
``max(u_j - lr lam_j, 0) / (1 + lr pen_j)``: the projection is part of the proximal map.
(With the L2 part in the smooth gradient instead, ``pen_j`` of a column with a small
scale ``s_j`` would set L, and the step: on a 2000 x 50 problem with scales 0.1 .. 10
and l1_ratio=0.5, 20x more epochs.)

- ``solver="gd"``: :class:`ProximalGradient`, FISTA (Beck and Teboulle 2009) with
  gradient and monotone (function-value) restarts, per target, in NumPy: two products with Z
  per epoch, as plain gradient descent.
- ``solver="torch"``: :class:`ProximalTorchTrainer`, ``nn.Linear`` + ``torch.optim.SGD``
  (the tutorials' model) with the soft-thresholding applied to the weight under
  ``torch.no_grad()`` after every ``optimizer.step()`` (a step post-hook, so it uses the
  current, possibly scheduled, learning rate): proximal gradient (ISTA) full batch,
  proximal SGD with minibatches.

This module holds the trainers only; it does not depend on :mod:`linreg.penalized`.
The stopping rule (the coordinate-descent solver's duality gap and KKT conditions,
``DualityGapCertificate``) and the driver ``fit_enet_iterative`` are in
:mod:`linreg.penalized.iterative`, which uses these trainers.
"""

from __future__ import annotations

import numpy as np

from .loop import TrainingConfig
from .problem import StandardizedProblem

#: Optimizers of the proximal trainers.  torch's momentum and Adam variants have fixed
#: points that are not the Lasso optimum with a plain ``lr * lam`` threshold.
GD_OPTIMIZERS = ("sgd", "gd")
TORCH_OPTIMIZERS = ("sgd",)
#: FISTA rejects a momentum step that raised J by more than this, relative: near the
#: optimum J's last digits are rounding noise, and restarting on noise stalls FISTA
#: (on diabetes, 7x more epochs at 0 than at 1e-14 .. 1e-12).
RESTART_SLACK = 1e-13


def penalty_weights(problem: StandardizedProblem, l1: float, l2: float):
    """``lam`` (p, k), the L1 weight of each standardized coefficient per target, and
    ``pen`` (p, 1), its L2 weight (the same for every target)."""
    lam = l1 / (problem.x_scale[:, None] * problem.y_scale[None, :])
    return lam, (l2 / problem.x_scale**2)[:, None]


def soft_threshold(u: np.ndarray, t: np.ndarray, positive: bool = False) -> np.ndarray:
    """``sign(u) max(|u| - t, 0)``, the proximal map of ``t |.|`` (exact zeros); with
    ``positive``, ``max(u - t, 0)``, that of ``t |.|`` plus the indicator of ``u >= 0``."""
    if positive:
        return np.maximum(u - t, 0.0)
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


class ProximalGradient:
    """FISTA with restarts on the standardized elastic net (trainer protocol).

    Per epoch, with ``x`` the iterate and ``y = x + beta (x - x_prev)`` its
    extrapolation: the gradient of the smooth part at ``y`` (one product ``Z'r``; the
    residual at ``y`` follows from those at ``x`` and ``x_prev`` by linearity),
    ``x_new = prox(y - lr grad)``, and the residual at ``x_new`` (one product ``Z B``).
    The momentum of a target restarts (beta = 0) when it points uphill,
    ``(y - x_new)'(x_new - x) > 0`` (O'Donoghue and Candes' gradient restart), and when
    it made J go up (by more than ``RESTART_SLACK`` relative), in which case ``x_new`` is
    also rejected (Beck and Teboulle's monotone FISTA): the next step is then a plain
    proximal gradient step, which cannot increase J with ``lr <= 1/L``.  So J does not
    increase beyond rounding, and convergence is linear on strongly convex problems.
    ``accelerate=False`` is plain proximal gradient (ISTA).  ``positive``: subject to
    ``B >= 0`` (the one-sided prox; the extrapolated point may leave the set, the
    iterates do not).
    """

    def __init__(
        self,
        problem: StandardizedProblem,
        config: TrainingConfig,
        l1: float,
        l2: float = 0.0,
        accelerate: bool = True,
        positive: bool = False,
    ):
        if config.optimizer not in GD_OPTIMIZERS:
            raise ValueError(
                f"solver='gd' with an L1 penalty is proximal gradient (FISTA); "
                f"optimizer={config.optimizer!r} is not available, use 'sgd'"
            )
        if config.batch_size is not None:
            raise ValueError("solver='gd' is full batch; batch_size needs solver='torch'")
        self.problem = problem
        self.lam, self.pen = penalty_weights(problem, l1, l2)
        self.accelerate = accelerate
        self.positive = bool(positive)
        p, k = self._shape()
        self.lr = problem.auto_lr if config.lr is None else float(config.lr)
        self.B, self.c = np.zeros((p, k)), np.zeros(k)
        self._reset()

    def _shape(self):
        """``(p, k)``: features and targets."""
        return self.problem.Z.shape[1], self.problem.T.shape[1]

    def _smooth_gradient(self, ry):
        """``(dJ/dB, -dJ/dc)`` of the data term at the point whose residual is ``ry``."""
        p = self.problem
        wr = p.w[:, None] * ry
        n = p.n_samples
        return -(p.Z.T @ wr) / n, wr.sum(axis=0) / n

    def _reset(self):
        """Forget the momentum; recompute the residual at the current iterate."""
        self.B_prev, self.c_prev = self.B.copy(), self.c.copy()
        self.r = self._residual(self.B, self.c)
        self.r_prev = self.r
        self.J = self._objective(self.r, self.B)
        self.t = np.ones(self.B.shape[1])
        self.beta = np.zeros(self.B.shape[1])

    def _residual(self, B, c):
        return self.problem.T - c - self.problem.Z @ B

    def _mse(self, r):
        return np.einsum("ik,ik->k", r, self.problem.w[:, None] * r) / self.problem.n_samples

    def _objective(self, r, B):
        """J per target (standardized units)."""
        penalty = 0.5 * self.pen * B**2 + self.lam * np.abs(B)
        return 0.5 * self._mse(r) + np.sum(penalty, axis=0)

    def full_gradient(self):
        """Weighted MSE per target at the iterate (the gradient norm is not used)."""
        return self._mse(self.r), 0.0

    def run_epoch(self):
        p, beta = self.problem, self.beta
        mse = self._mse(self.r)  # at the iterate the epoch starts from
        By = self.B + beta * (self.B - self.B_prev)
        cy = self.c + beta * (self.c - self.c_prev)
        ry = self.r + beta * (self.r - self.r_prev)
        grad_b, descent_c = self._smooth_gradient(ry)
        B_new = soft_threshold(By - self.lr * grad_b, self.lr * self.lam, self.positive)
        B_new /= 1.0 + self.lr * self.pen
        c_new = cy + self.lr * descent_c if p.fit_intercept else cy
        r_new = self._residual(B_new, c_new)
        J_new = self._objective(r_new, B_new)
        if self.accelerate:
            # reject momentum steps that increased J; plain steps are always kept
            slack = RESTART_SLACK * np.abs(self.J)
            reject = (J_new > self.J + slack) & (beta > 0)
            if reject.any():
                B_new[:, reject] = self.B[:, reject]
                c_new[reject] = self.c[reject]
                r_new[:, reject] = self.r[:, reject]
                J_new[reject] = self.J[reject]
            # and O'Donoghue and Candes' gradient restart: (y - x_new)'(x_new - x) > 0
            uphill = np.einsum("jk,jk->k", By - B_new, B_new - self.B) + (cy - c_new) * (
                c_new - self.c
            )
            restart = reject | (uphill > 0)
            t_new = (1.0 + np.sqrt(1.0 + 4.0 * self.t**2)) / 2.0
            self.beta = np.where(restart, 0.0, (self.t - 1.0) / t_new)
            self.t = np.where(restart, 1.0, t_new)
        self.B_prev, self.c_prev, self.r_prev = self.B, self.c, self.r
        self.B, self.c, self.r, self.J = B_new, c_new, r_new, J_new
        return mse, 0.0

    def parameters(self):
        return self.B.T.copy(), self.c.copy()

    def set_parameters(self, coef, intercept):
        self.B = np.array(coef, dtype=np.float64).T.copy()
        self.c = np.array(intercept, dtype=np.float64).copy()
        self._reset()


class MomentsProximalGradient(ProximalGradient):
    """:class:`ProximalGradient` on data known by its Moments (a streamed source): the
    same iterates, the data term's gradient and value from
    :class:`linreg.training.objective.MomentsObjective` instead of the rows (no pass
    per epoch).  The "residual" it carries is the stacked ``[B; c]``: the residual is
    affine in the parameters, so the momentum's combinations of residuals are those of
    the parameters, and the gradient at the extrapolated point follows from them."""

    def __init__(self, problem, objective, config, l1, l2=0.0, accelerate=True,
                 positive=False):  # fmt: skip
        self.objective = objective
        super().__init__(problem, config, l1, l2, accelerate, positive)

    def _shape(self):
        return self.objective.zt.shape

    def _residual(self, B, c):
        return np.vstack([B, np.asarray(c, dtype=np.float64)[None, :]])

    def _smooth_gradient(self, ry):
        By, cy = ry[:-1], ry[-1]
        grad_b = self.objective.gram @ By - self.objective.zt
        return grad_b, -cy if self.problem.fit_intercept else np.zeros_like(cy)

    def _mse(self, r):
        c = r[-1] if self.problem.fit_intercept else np.zeros(r.shape[1])
        return self.objective.mse(r[:-1].T, c)


def proximal_torch_trainer(
    problem: StandardizedProblem,
    config: TrainingConfig,
    l1: float,
    l2: float = 0.0,
    positive: bool = False,
):
    """``nn.Linear`` + ``torch.optim.SGD`` with the penalty's prox after every step
    (one-sided, ``max(u - lr lam, 0)``, with ``positive``)."""
    import torch

    from .torch_module import TorchTrainer

    if config.optimizer not in TORCH_OPTIMIZERS:
        raise ValueError(
            f"solver='torch' with an L1 penalty supports optimizer in {TORCH_OPTIMIZERS} "
            f"(proximal SGD), got {config.optimizer!r}: the fixed points of momentum, Adam "
            "or L-BFGS followed by soft-thresholding are not the Lasso optimum"
        )
    trainer = TorchTrainer(problem, config)
    weight = trainer.model.linear.weight  # (k, p)
    lam, pen = (
        torch.as_tensor(a.T, dtype=weight.dtype, device=weight.device)
        for a in penalty_weights(problem, l1, l2)
    )
    group = trainer.optimizer.param_groups[0]

    def prox(optimizer, args, kwargs):
        with torch.no_grad():
            lr = group["lr"]
            if positive:
                weight.sub_(lr * lam).clamp_(min=0.0).div_(1.0 + lr * pen)
                return
            shrunk = (weight.abs() - lr * lam).clamp_(min=0.0).div_(1.0 + lr * pen)
            weight.copy_(torch.sign(weight) * shrunk)

    trainer.optimizer.register_step_post_hook(prox)
    return trainer
