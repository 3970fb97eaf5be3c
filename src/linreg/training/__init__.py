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


def solve_iterative(
    solver: str, problem: StandardizedProblem, config: TrainingConfig, validation=None
):
    """Train ``solver`` (a key of ``TRAINERS``) on ``problem``: a :class:`linreg.Solution`.

    The Solution is in the data's units and carries the certified bound reached
    (``error_estimate``); a stop at ``max_iter`` before ``config.tol`` gives status
    ``"inaccurate"`` and a message naming that bound, which the caller reports (this
    function does not warn).  ``diagnostics["history"]`` holds the per-epoch losses.
    """
    trainer = TRAINERS[solver](problem, config)
    name = f"solver={solver!r}"
    result = train(trainer, problem, config, validation, name=name, warn=False)
    return result.to_solution(problem, solver, config)


__all__ = [
    "TRAINERS",
    "DivergenceError",
    "StandardizedProblem",
    "TrainingConfig",
    "TrainingResult",
    "solve_iterative",
    "standardize",
    "train",
]
