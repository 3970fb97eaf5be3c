"""Iterative trainers: the tutorials' methods as verified solvers.

``TRAINERS`` maps a solver name to a factory ``(problem, config) -> trainer``; the
shared epoch loop is :func:`linreg.training.loop.train`.  Torch is imported only by
the torch-based trainers, on first use.
"""

from __future__ import annotations

from .loop import DivergenceError, TrainingConfig, TrainingResult, train
from .problem import StandardizedProblem, standardize


def _gd(problem, config):
    from .gd import GradientDescent

    return GradientDescent(problem, config)


def _autograd(problem, config):
    from .autograd import AutogradTrainer

    return AutogradTrainer(problem, config)


def _torch(problem, config):
    from .torch_module import TorchTrainer

    return TorchTrainer(problem, config)


TRAINERS = {"gd": _gd, "autograd": _autograd, "torch": _torch}

__all__ = [
    "TRAINERS",
    "DivergenceError",
    "StandardizedProblem",
    "TrainingConfig",
    "TrainingResult",
    "standardize",
    "train",
]
