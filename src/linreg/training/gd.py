"""Gradient descent in NumPy with the analytic gradient, full batch or in minibatches.

For J(c, B) = 1/(2W) sum_i w_i (t_i - c - z_i'B)^2 + 1/2 sum_j penalty_j B_j^2 (see
:mod:`.problem`), with residuals ``r = t - c - Z B``::

    dJ/dB = -Z'(w r)/W + penalty * B,    dJ/dc = -sum(w r)/W

and the update ``theta <- theta - lr * grad``, exactly as the tutorials derive it, for
any number of features and targets.

With ``batch_size`` the epoch is a pass of minibatches (a seeded permutation of the rows
each epoch, or in order without ``shuffle``), each stepping along its minibatch
gradient.  With ``variance_reduction`` (the default) that gradient is corrected by the
control variate ``grad J(theta0) - grad J_b(theta0)`` at the epoch's starting
parameters ``theta0`` (SVRG, Johnson & Zhang 2013): for least squares the step is then
``H_b (theta - theta0) + grad J(theta0)``, unbiased, with a variance that vanishes at
the optimum, so a constant step converges to it instead of to a noise floor (plain
minibatch gradient descent, ``variance_reduction=False``, stalls at a distance of
order ``sqrt(lr)`` times the residuals' spread).  The automatic step is
``1 / (L (1 + sqrt(p / m))^2)`` for minibatches of m rows: a minibatch Hessian's largest
eigenvalue exceeds L by about that factor.
"""

from __future__ import annotations

import numpy as np

from .loop import TrainingConfig
from .problem import StandardizedProblem

NAME = "gd"


def minibatch_lr(lipschitz: float, n_features: int, batch_size: int) -> float:
    """The automatic minibatch step ``1 / (L (1 + sqrt(p / m))^2)``."""
    return 1.0 / (lipschitz * (1.0 + np.sqrt(n_features / max(1, batch_size))) ** 2)


def batch_gradient(Zb, Tb, wb, B, c, penalty, fit_intercept):
    """``(dJ_b/dB, dJ_b/dc)`` of the minibatch ``(Zb, Tb, wb)`` (wb None: unit weights)."""
    r = Tb - c - Zb @ B
    wr = r if wb is None else wb[:, None] * r
    m = Zb.shape[0]
    grad_b = -(Zb.T @ wr) / m + penalty[:, None] * B
    grad_c = -wr.sum(axis=0) / m if fit_intercept else np.zeros_like(c)
    return grad_b, grad_c


def reduced_gradient(Zb, wb, B, c, B0, c0, full, penalty, fit_intercept):
    """The SVRG direction ``grad J_b(theta) - grad J_b(theta0) + grad J(theta0)``; for
    least squares ``H_b (theta - theta0) + grad J(theta0)``, whatever the targets."""
    d = Zb @ (B - B0)
    if fit_intercept:
        d += c - c0
    wd = d if wb is None else wb[:, None] * d
    m = Zb.shape[0]
    grad_b = (Zb.T @ wd) / m + penalty[:, None] * (B - B0) + full[0]
    grad_c = wd.sum(axis=0) / m + full[1] if fit_intercept else np.zeros_like(c)
    return grad_b, grad_c


class GradientDescent:
    def __init__(self, problem: StandardizedProblem, config: TrainingConfig):
        if config.optimizer not in ("sgd", "gd"):
            raise ValueError(
                f"solver='gd' is plain gradient descent; optimizer={config.optimizer!r} "
                "needs solver='torch'"
            )
        if config.lr_scheduler is not None:
            raise ValueError(
                "solver='gd' takes a constant step; lr_scheduler needs solver='torch'"
            )
        self.problem = problem
        self.config = config
        k = problem.T.shape[1]
        n, p = problem.Z.shape
        self.B = np.zeros((p, k))
        self.c = np.zeros(k)
        batch = config.batch_size
        self.batch_size = None if batch is None or batch >= n else int(batch)
        if config.lr is not None:
            self.lr = float(config.lr)
        elif self.batch_size is None:
            self.lr = problem.auto_lr
        else:
            self.lr = minibatch_lr(problem.lipschitz, p, self.batch_size)
        seed = config.random_state
        self.rng = np.random.default_rng(None if seed is None else int(seed))
        self.unit = bool(np.all(np.asarray(problem.w) == 1))

    def _gradient(self):
        p = self.problem
        r = p.T - self.c - p.Z @ self.B
        wr = p.w[:, None] * r
        n = p.n_samples
        mse = np.einsum("ik,ik->k", r, wr) / n
        grad_b = -(p.Z.T @ wr) / n + p.penalty[:, None] * self.B
        grad_c = -wr.sum(axis=0) / n if p.fit_intercept else np.zeros_like(self.c)
        return mse, grad_b, grad_c

    def full_gradient(self):
        mse, gb, gc = self._gradient()
        return mse, float(np.sqrt(np.sum(gb**2) + np.sum(gc**2)))

    def run_epoch(self):
        if self.batch_size is not None:
            self._minibatch_epoch()
            return None
        mse, gb, gc = self._gradient()
        self.B -= self.lr * gb
        self.c -= self.lr * gc
        return mse, float(np.sqrt(np.sum(gb**2) + np.sum(gc**2)))

    def _minibatch_epoch(self):
        p = self.problem
        n = p.n_samples
        order = self.rng.permutation(n) if self.config.shuffle else np.arange(n)
        reduce = self.config.variance_reduction
        if reduce:
            _, gb, gc = self._gradient()
            full, B0, c0 = (gb, gc), self.B.copy(), self.c.copy()
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            Zb = p.Z[idx]
            wb = None if self.unit else p.w[idx]
            if reduce:
                gb, gc = reduced_gradient(Zb, wb, self.B, self.c, B0, c0, full, p.penalty,
                                          p.fit_intercept)  # fmt: skip
            else:
                gb, gc = batch_gradient(Zb, p.T[idx], wb, self.B, self.c, p.penalty,
                                        p.fit_intercept)  # fmt: skip
            step = self.lr * len(idx) / self.batch_size  # short last batch: its rows' share
            self.B -= step * gb
            self.c -= step * gc

    def parameters(self):
        return self.B.T.copy(), self.c.copy()

    def set_parameters(self, coef, intercept):
        self.B = np.array(coef, dtype=np.float64).T
        self.c = np.array(intercept, dtype=np.float64)
