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

import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..solvers.problem import LeastSquaresProblem

#: Rows per chunk for passes over in-memory arrays.
CHUNK_ROWS = 65536

#: Threads for in-memory passes whose function says it is ``threadsafe`` (a pure
#: function of its chunk); the chunks are still added in row order.
THREADS = max(1, min(4, os.cpu_count() or 1))

_LIMIT = {"threads": None}


@contextmanager
def threads_limited(n: int):
    """Within the block, in-memory passes use at most ``n`` threads (fits that keep a
    large demeaned copy run their passes on one: each thread's malloc arena would add
    its chunk temporaries to the peak memory, for little gain under the GIL)."""
    before = _LIMIT["threads"]
    _LIMIT["threads"] = n
    try:
        yield
    finally:
        _LIMIT["threads"] = before

__all__ = ["CHUNK_ROWS", "chunk_sum", "has_chunks", "weight_log_sum"]


def has_chunks(problem: LeastSquaresProblem) -> bool:
    """Whether the rows of ``problem`` can be passed over (in memory or via a source)."""
    return problem.has_data or getattr(problem, "source", None) is not None


def chunk_sum(problem: LeastSquaresProblem, func, extra=None):
    """``sum(func(X, Y, w))`` over chunks of the problem's rows, X and Y as float64.

    In memory: slices of ``CHUNK_ROWS`` rows, in row order (on :data:`THREADS` threads
    when ``func.threadsafe`` is true: a pure function of its chunk).  From a source: the source's
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
    chunk = _InMemoryChunk(problem, func, extra)
    starts = range(0, problem.X.shape[0], CHUNK_ROWS)
    workers = min(THREADS if _LIMIT["threads"] is None else _LIMIT["threads"], len(starts))
    if getattr(func, "threadsafe", False) and workers > 1:
        return _threaded_sum(chunk, starts, workers)
    total = None
    for start in starts:
        part = chunk(start)
        total = part if total is None else total + part
    return total


class _InMemoryChunk:
    """``func`` on the rows ``start ... start + CHUNK_ROWS`` of an in-memory problem."""

    def __init__(self, problem, func, extra):
        self.problem, self.func, self.extra = problem, func, extra

    def __call__(self, start):
        X, Y, w = self.problem.X, self.problem.Y, self.problem.weights
        rows = slice(start, start + CHUNK_ROWS)
        args = (
            np.asarray(X[rows], dtype=np.float64),
            np.asarray(Y[rows], dtype=np.float64),
            None if w is None else w[rows],
        )
        if self.extra is not None:
            args = (*args, tuple(e[rows] for e in self.extra))
        return self.func(*args)


def _threaded_sum(chunk, starts, workers):
    """The ordered sum of ``chunk(start)`` computed on ``workers`` threads (NumPy and
    BLAS release the GIL; BLAS itself held to one thread each), at most ``workers + 1``
    chunks in flight, so memory stays a few chunks."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    total, pending = None, deque()
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        for start in starts:
            pending.append(pool.submit(chunk, start))
            if len(pending) > workers:
                part = pending.popleft().result()
                total = part if total is None else total + part
        while pending:
            part = pending.popleft().result()
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
