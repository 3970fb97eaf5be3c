"""Passes over a problem's rows, in chunks, whether they are in memory or in a source.

Inference (:mod:`linreg.covariance`, :mod:`linreg.summary`) needs second passes over
the data (exact residual sums of squares, the HC meat, the weights' log-likelihood
term).  These helpers run them on any :class:`~linreg.solvers.LeastSquaresProblem`:
in memory by slices of :data:`CHUNK_ROWS` rows, and through the problem's ``source``
(a :class:`~linreg.sources.ChunkSource`, duck-typed by its ``reduce``) otherwise.  The
module imports neither the solvers nor the sources, so that inference does not depend
on how the data is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..solvers.problem import LeastSquaresProblem

#: Rows per chunk for passes over in-memory arrays.
CHUNK_ROWS = 65536

__all__ = ["CHUNK_ROWS", "chunk_sum", "has_chunks", "weight_log_sum"]


def has_chunks(problem: LeastSquaresProblem) -> bool:
    """Whether the rows of ``problem`` can be passed over (in memory or via a source)."""
    return problem.has_data or getattr(problem, "source", None) is not None


def chunk_sum(problem: LeastSquaresProblem, func, extra=None):
    """``sum(func(X, Y, w))`` over chunks of the problem's rows, X and Y as float64.

    In memory: slices of ``CHUNK_ROWS`` rows, in row order.  From a source: the source's
    chunks (read again from the files, or computed on the Dask workers), with Y
    restricted to the problem's targets.  ``+`` is applied to adjacent chunks in row
    order (an ordered reduction: it need only be associative, not commutative).

    ``extra``: further per-row columns the pass reads alongside, then passed as
    ``func(X, Y, w, E)`` with ``E`` a tuple of 1-D arrays (the chunk's values of each):
    in memory a sequence of arrays aligned with the rows; from a source whatever its
    ``reduce(func, extra=...)`` takes (a :class:`~linreg.sources.Scan`: column names of
    the files; a Dask source: Dask collections partitioned as the training data).
    """
    source = getattr(problem, "source", None)
    if source is not None and not problem.has_data:
        targets = problem.targets
        if targets is not None:
            func = _SelectTargets(func, list(targets))
        if extra is None:
            return source.reduce(func)
        return source.reduce(func, extra=extra)
    if not problem.has_data:
        raise ValueError("this needs a pass over the data, which this problem does not hold")
    X, Y, w = problem.X, problem.Y, problem.weights
    total = None
    for start in range(0, X.shape[0], CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        args = (
            np.asarray(X[rows], dtype=np.float64),
            np.asarray(Y[rows], dtype=np.float64),
            None if w is None else w[rows],
        )
        if extra is not None:
            args = (*args, tuple(e[rows] for e in extra))
        part = func(*args)
        total = part if total is None else total + part
    return total


class _SelectTargets:
    """``func`` on the chosen columns of Y (a class, not a closure: Dask pickles it)."""

    def __init__(self, func, cols):
        self.func = func
        self.cols = cols

    def __call__(self, X, Y, w, *extra):
        return self.func(X, Y[:, self.cols], w, *extra)


def _log_weights(X, Y, w):
    return np.sum(np.log(w[w > 0]))


def weight_log_sum(problem: LeastSquaresProblem) -> float:
    """``sum(log w_i)`` over the positive weights (0 when unweighted)."""
    if problem.weights is not None:
        w = problem.weights
        return float(np.sum(np.log(w[w > 0])))
    source = getattr(problem, "source", None)
    if source is not None and source.weighted and not problem.has_data:
        return float(source.reduce(_log_weights))
    return 0.0
