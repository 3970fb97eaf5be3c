"""Full-batch gradient descent in NumPy with the analytic gradient.

For J(c, B) = 1/(2W) sum_i w_i (t_i - c - z_i'B)^2 + 1/2 sum_j penalty_j B_j^2 (see
:mod:`.problem`), with residuals ``r = t - c - Z B``::

    dJ/dB = -Z'(w r)/W + penalty * B,    dJ/dc = -sum(w r)/W

and the update ``theta <- theta - lr * grad``, exactly as the tutorials derive it, for
any number of features and targets.
"""

from __future__ import annotations

import numpy as np

from .loop import TrainingConfig
from .problem import StandardizedProblem

NAME = "gd"


class GradientDescent:
    def __init__(self, problem: StandardizedProblem, config: TrainingConfig):
        if config.optimizer not in ("sgd", "gd"):
            raise ValueError(
                f"solver='gd' is plain gradient descent; optimizer={config.optimizer!r} "
                "needs solver='torch'"
            )
        self.problem = problem
        k = problem.T.shape[1]
        self.B = np.zeros((problem.Z.shape[1], k))
        self.c = np.zeros(k)
        self.lr = problem.auto_lr if config.lr is None else float(config.lr)

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
        mse, gb, gc = self._gradient()
        self.B -= self.lr * gb
        self.c -= self.lr * gc
        return mse, float(np.sqrt(np.sum(gb**2) + np.sum(gc**2)))

    def parameters(self):
        return self.B.T.copy(), self.c.copy()

    def set_parameters(self, coef, intercept):
        self.B = np.array(coef, dtype=np.float64).T
        self.c = np.array(intercept, dtype=np.float64)
