"""Gradient descent on torch tensors with ``backward()``: the tutorials' loop, verified.

Minimizes the standardized objective of :mod:`.problem`::

    J(c, B) = 1/(2n) sum_i w_i (t_i - c - z_i'B)^2 + 1/2 sum_j penalty_j B_j^2

(weights normalized to mean 1, so their sum is n) with the parameters ``B`` (p, k)
and ``c`` (k,) as leaf tensors (``requires_grad=True``), exactly as the PyTorch
tutorials write linear regression by hand::

    loss = J(c, B)            # a torch expression
    loss.backward()
    with torch.no_grad():
        B -= lr * B.grad
        c -= lr * c.grad
    B.grad.zero_(); c.grad.zero_()

Full batch, starting at zeros; ``lr`` is ``config.lr`` or the safe step ``1/L``.  The
gradient autograd computes at the start of each epoch is the exact full gradient of
J, so each epoch reports the loss and gradient norm it used (as :mod:`.gd` does) at
no extra cost.  The tensors live on ``config.device`` ("auto": CUDA when available)
in the dtype of the standardized data (float32 input trains in float32).
"""

from __future__ import annotations

import numpy as np
import torch

from .loop import TrainingConfig
from .problem import StandardizedProblem
from .torch_module import resolve_device, torch_dtype

NAME = "autograd"


def check_config(config: TrainingConfig) -> None:
    """What the autograd loop takes: plain full-batch steps (ValueError otherwise)."""
    if config.optimizer not in ("sgd", "gd"):
        raise ValueError(
            f"solver='autograd' is plain gradient descent; optimizer={config.optimizer!r} "
            "needs solver='torch'"
        )
    if config.batch_size is not None or config.lr_scheduler is not None:
        raise ValueError(
            "solver='autograd' is full-batch gradient descent with a constant step; "
            "batch_size and lr_scheduler need solver='torch'"
        )


class AutogradTrainer:
    """Full-batch gradient descent with autograd-computed gradients.

    Parameters
    ----------
    problem : StandardizedProblem
        The standardized data and the curvature of J.
    config : TrainingConfig
        ``lr`` (None: ``1/L``) and ``device`` are used; ``optimizer`` must be "sgd".
    """

    def __init__(self, problem: StandardizedProblem, config: TrainingConfig):
        check_config(config)
        self.problem = problem
        self.device = resolve_device(config.device)
        dtype = torch_dtype(problem.Z)
        as_tensor = lambda a: torch.as_tensor(np.asarray(a), dtype=dtype, device=self.device)  # noqa: E731
        self.Z = as_tensor(problem.Z)
        self.T = as_tensor(problem.T)
        # Unit weights and a zero penalty skip their terms (fewer operations per epoch).
        unit = bool(np.all(np.asarray(problem.w) == 1))
        self.w = None if unit else as_tensor(problem.w)[:, None]
        penalized = bool(np.any(np.asarray(problem.penalty) != 0))
        self.penalty = as_tensor(problem.penalty)[:, None] if penalized else None
        self.n = problem.n_samples
        p, k = problem.Z.shape[1], problem.T.shape[1]
        self.B = torch.zeros((p, k), dtype=dtype, device=self.device, requires_grad=True)
        self.c = torch.zeros(
            k, dtype=dtype, device=self.device, requires_grad=problem.fit_intercept
        )
        self.lr = problem.auto_lr if config.lr is None else float(config.lr)

    def _loss(self):
        """J as a torch expression, and the weighted MSE per target (detached)."""
        residual = self.T - self.c - self.Z @ self.B
        squared = residual**2 if self.w is None else self.w * residual**2
        mse = squared.sum(dim=0) / self.n
        loss = 0.5 * mse.sum()
        if self.penalty is not None:
            loss = loss + 0.5 * (self.penalty * self.B**2).sum()
        return loss, mse.detach()

    def _stats(self, mse):
        """(mse per target as float64 NumPy, ||grad|| in float64) with one transfer."""
        grads = [self.B.grad.reshape(-1)]
        if self.c.grad is not None:
            grads.append(self.c.grad)
        norm = torch.linalg.vector_norm(torch.cat(grads), dtype=torch.float64)
        both = torch.cat([mse.double(), norm.reshape(1)]).cpu().numpy()
        return both[:-1], float(both[-1])

    def _zero_grad(self):
        for param in (self.B, self.c):
            if param.grad is not None:
                param.grad.zero_()

    def full_gradient(self):
        loss, mse = self._loss()
        loss.backward()
        stats = self._stats(mse)
        self._zero_grad()
        return stats

    def run_epoch(self):
        loss, mse = self._loss()
        loss.backward()
        stats = self._stats(mse)
        with torch.no_grad():
            self.B -= self.lr * self.B.grad
            if self.problem.fit_intercept:
                self.c -= self.lr * self.c.grad
        self._zero_grad()
        return stats

    def parameters(self):
        coef = self.B.detach().T.double().cpu().numpy().copy()
        return coef, self.c.detach().double().cpu().numpy().copy()

    def set_parameters(self, coef, intercept):
        with torch.no_grad():
            self.B.copy_(torch.as_tensor(np.asarray(coef, dtype=np.float64).T))
            self.c.copy_(torch.as_tensor(np.asarray(intercept, dtype=np.float64)))
