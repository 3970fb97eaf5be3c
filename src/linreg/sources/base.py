"""The chunk-source protocol: data that is read in chunks rather than held in memory.

A :class:`ChunkSource` is anything that can hand out its rows as float64 chunks
``(X, Y, w)`` (a file scan, a Dask collection).  Fitting needs only two operations
from it, which is what lets a source decide how to run them (a sequential pass with a
reader thread for files, a map over partitions and a tree of merges for Dask):

``moments()``
    The :class:`~linreg.Moments` of all rows: one pass.
``reduce(func)``
    ``sum(func(X, Y, w) for every chunk)``: the second passes of inference (exact
    residual sum of squares, the HC meat) are such sums.

:class:`SourceProblem` is a :class:`~linreg.solvers.LeastSquaresProblem` that knows
only the Moments of its data plus the source to pass over again; :func:`chunk_sum` is
how :mod:`linreg.covariance` loops over chunks whether the data is in memory or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..moments import Moments
from ..solvers.problem import LeastSquaresProblem

#: Rows per chunk for passes over in-memory arrays.
CHUNK_ROWS = 65536


class ChunkSource:
    """Rows of ``(X, Y, w)`` available in chunks (subclasses: Scan, DaskSource).

    Attributes
    ----------
    feature_names : list of str or None
    target_names : list of str or None
    n_features, n_targets : int
    weighted : bool
        Whether the rows carry sample weights.
    y_was_1d : bool
        Whether the target is one column given as a vector (``coef_`` is then 1-D).
    """

    feature_names: list | None = None
    target_names: list | None = None
    n_features: int
    n_targets: int
    weighted: bool = False
    y_was_1d: bool = True

    def moments(self) -> Moments:
        raise NotImplementedError

    def reduce(self, func):
        """``sum(func(X, Y, w))`` over all chunks (X: (m, p), Y: (m, k), w: (m,) or None)."""
        raise NotImplementedError


@dataclass
class SourceProblem(LeastSquaresProblem):
    """A least-squares problem known by its Moments, whose rows a source can re-read.

    ``targets`` selects the columns of the source's Y that this problem is about (the
    single-target sub-problems of a multi-target fit).
    """

    source: Any = None
    targets: tuple | None = None

    def single_target(self, j: int) -> SourceProblem:
        sub = super().single_target(j)
        targets = self.targets if self.targets is not None else tuple(range(self.n_targets))
        return SourceProblem(
            None,
            None,
            None,
            sub.fit_intercept,
            sub.alpha,
            sub.moments,
            source=self.source,
            targets=(targets[j],),
        )


def has_chunks(problem: LeastSquaresProblem) -> bool:
    """Whether the rows of ``problem`` can be passed over (in memory or via a source)."""
    return problem.has_data or getattr(problem, "source", None) is not None


def chunk_sum(problem: LeastSquaresProblem, func):
    """``sum(func(X, Y, w))`` over chunks of the problem's rows, X and Y as float64.

    In memory: slices of ``CHUNK_ROWS`` rows.  From a source: the source's chunks
    (read again from the files, or computed on the Dask workers), with Y restricted
    to the problem's targets.
    """
    source = getattr(problem, "source", None)
    if source is not None and not problem.has_data:
        targets = problem.targets
        if targets is None:
            return source.reduce(func)
        cols = list(targets)
        return source.reduce(_SelectTargets(func, cols))
    if not problem.has_data:
        raise ValueError("this needs a pass over the data, which this problem does not hold")
    X, Y, w = problem.X, problem.Y, problem.weights
    total = None
    for start in range(0, X.shape[0], CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        part = func(
            np.asarray(X[rows], dtype=np.float64),
            np.asarray(Y[rows], dtype=np.float64),
            None if w is None else w[rows],
        )
        total = part if total is None else total + part
    return total


class _SelectTargets:
    """``func`` on the chosen columns of Y (a class, not a closure: Dask pickles it)."""

    def __init__(self, func, cols):
        self.func = func
        self.cols = cols

    def __call__(self, X, Y, w):
        return self.func(X, Y[:, self.cols], w)


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


def as_source(X, y=None, sample_weight=None):
    """The :class:`ChunkSource` for ``fit(X, y, sample_weight)``, or None for in-memory data.

    Dask collections are recognised by their module name, so Dask is imported only
    when the input is one.
    """
    from .scan import Scan

    if isinstance(X, Scan):
        if y is not None:
            raise ValueError(
                "fit(scan, y): y is taken from the scan's target column "
                f"{X.target_names if len(X.target_names) > 1 else X.target_names[0]!r}; "
                "do not pass y"
            )
        if sample_weight is not None:
            raise ValueError(
                "fit(scan, sample_weight=...): weights come from the file; "
                "name their column with linreg.scan(..., weights='column')"
            )
        return X
    if isinstance(X, ChunkSource):  # any other source (e.g. the CLI's held-out parts)
        if y is not None or sample_weight is not None:
            raise ValueError("fit(source, ...): y and the weights come from the source")
        return X
    from ..device_moments import is_tensor

    if is_tensor(X) or is_tensor(y) or is_tensor(sample_weight):
        from .tensor import TensorSource

        return TensorSource(X, y, sample_weight)
    if is_dask_collection(X) or is_dask_collection(y) or is_dask_collection(sample_weight):
        from .dask import DaskSource

        return DaskSource(X, y, sample_weight)
    return None


def is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask array, DataFrame or Series (without importing Dask)."""
    module = type(obj).__module__ or ""
    return (module == "dask" or module.startswith("dask.")) and hasattr(obj, "__dask_graph__")
