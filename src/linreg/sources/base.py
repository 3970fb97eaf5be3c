"""The chunk-source protocol: data that is read in chunks rather than held in memory.

A :class:`ChunkSource` is anything that can hand out its rows as float64 chunks
``(X, Y, w)`` (a file scan, a Dask collection).  Fitting needs only two operations
from it, which is what lets a source decide how to run them (a sequential pass with a
reader thread for files, a map over partitions and a tree of merges for Dask):

``moments()``
    The :class:`~linreg.Moments` of all rows: one pass.
``reduce(func, extra=None)``
    ``sum(func(X, Y, w) for every chunk)``, in row order: the second passes of
    inference (exact residual sum of squares, the HC meat, per-cluster score sums,
    lagged score products) are such sums; ``extra`` adds columns that are not
    features (cluster labels) as ``func(X, Y, w, E)``.

:class:`SourceProblem` is a :class:`~linreg.solvers.LeastSquaresProblem` that knows
only the Moments of its data plus the source to pass over again;
:func:`linreg.chunks.chunk_sum` is how :mod:`linreg.covariance` loops over chunks
whether the data is in memory or not.  Which source an input gets is decided in
:mod:`linreg.sources.dispatch`, so this module imports none of its subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..moments import Moments
from ..solvers.problem import LeastSquaresProblem

__all__ = ["ChunkSource", "SourceProblem"]


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

    def reduce(self, func, extra=None):
        """``sum(func(X, Y, w))`` over all chunks (X: (m, p), Y: (m, k), w: (m,) or None),
        ``+`` applied to adjacent chunks in row order (an ordered reduction).

        ``extra``: further per-row columns read alongside (what they are is the
        subclass's: file column names for a scan, Dask collections for Dask); then
        ``func(X, Y, w, E)`` with ``E`` a tuple of the chunk's 1-D arrays of them.
        """
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
