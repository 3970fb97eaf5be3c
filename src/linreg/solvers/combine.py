"""Stacking single-target solutions (ridge with a different alpha per target)."""

from __future__ import annotations

import numpy as np

from ..solution import Solution


def per_target(problem, solve_one) -> Solution:
    """Solve each target's sub-problem with ``solve_one`` and stack the results."""
    parts = [solve_one(problem.single_target(j)) for j in range(problem.n_targets)]
    worst = max(parts, key=lambda s: s.error_estimate)
    return Solution(
        coef=np.vstack([s.coef for s in parts]),
        intercept=np.concatenate([s.intercept for s in parts]),
        solver=parts[0].solver,
        rank=min(s.rank for s in parts),
        aliased=tuple(sorted(set().union(*[s.aliased for s in parts]))),
        condition_number=max(s.condition_number for s in parts),
        error_estimate=worst.error_estimate,
        n_iter=max(s.n_iter for s in parts),
        status=worst.status,
        message=worst.message,
    )
