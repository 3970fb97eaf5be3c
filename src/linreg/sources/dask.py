"""Dask arrays and DataFrames as a chunk source: a map over partitions, a tree of merges.

Each partition's :class:`~linreg.Moments` are computed where the partition lives (one
task per partition), merged pairwise in a tree of small tasks (Chan's update is exact
for any split), and only the merged Moments, ``(p + k)^2`` numbers, come back to the
client, which solves.  The second passes of inference (exact RSS, HC meat) are the
same shape: a per-partition sum and a tree of additions.

The work runs on whatever scheduler Dask is set to use: a ``distributed.Client``
created earlier (``Client("tcp://scheduler:8786")``) makes itself the default, so the
fit runs on its cluster; otherwise Dask's local threaded scheduler.  A worker lost
mid-fit costs only a retry: the scheduler reruns its tasks elsewhere, and as every
task is a pure function of its partition the answer is unchanged.
"""

from __future__ import annotations

import numpy as np

from ..moments import Moments
from .base import ChunkSource

#: Partial results merged per task in the reduction tree.
FAN_IN = 8


def _is_frame(obj) -> bool:
    return hasattr(obj, "divisions") and hasattr(obj, "to_delayed")


def _is_array(obj) -> bool:
    return hasattr(obj, "chunks") and hasattr(obj, "to_delayed") and hasattr(obj, "ndim")


def _to_float(part, what: str, index: int):
    """One partition as a float64 ndarray (2-D for X; 1-D or 2-D otherwise)."""
    if hasattr(part, "to_numpy"):
        part = part.to_numpy()
    try:
        return np.asarray(part, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} partition {index} is not numeric: {err}") from err


class _Partition:
    """The float64 (X, Y, w) of partition ``index``, with named errors."""

    def __init__(self, n_features, names):
        self.n_features = n_features
        self.names = names

    def arrays(self, x, y, w, index):
        X = _to_float(x, "X", index)
        if X.ndim == 1:
            X = X[:, None]
        Y = _to_float(y, "y", index)
        Y = Y.reshape(Y.shape[0], -1)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y partitions {index} have different numbers of rows "
                f"({X.shape[0]} and {Y.shape[0]}): partition X and y alike"
            )
        if w is not None:
            w = _to_float(w, "sample_weight", index).reshape(-1)
            if w.shape[0] != X.shape[0]:
                raise ValueError(
                    f"sample_weight partition {index} has {w.shape[0]} rows, X has {X.shape[0]}"
                )
        return X, Y, w

    def check(self, X, Y, w, index):
        for what, a in (("X", X), ("y", Y)):
            finite = np.isfinite(a)
            if not finite.all():
                r, c = np.argwhere(~finite)[0]
                col = (
                    f"column {self.names[c]!r}"
                    if what == "X" and self.names is not None
                    else f"column {c}"
                )
                kind = "NaN" if np.isnan(a[r, c]) else "infinity"
                raise ValueError(
                    f"Input {what} contains {kind} in {col}, at row {r} of partition {index} "
                    "(0-based); drop or impute it before fitting"
                )
        if w is not None:
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                r = int(np.argmax(bad))
                raise ValueError(
                    f"sample_weight is negative or not finite ({w[r]!r}) at row {r} of "
                    f"partition {index}"
                )


def _part_moments(spec, x, y, w, index):
    X, Y, w = spec.arrays(x, y, w, index)
    m = Moments.from_arrays(X, Y, w)
    if not np.isfinite(m.cross).all() or not np.isfinite(m.mean).all():
        spec.check(X, Y, w, index)
        raise ValueError(f"Input X has values too large to square in partition {index}")
    return m


def _merge(*parts):
    total = parts[0]
    for part in parts[1:]:
        total = total.merge(part)
    return total


def _part_apply(spec, func, x, y, w, index, *extra):
    X, Y, w = spec.arrays(x, y, w, index)
    if not extra:
        return func(X, Y, w)
    E = tuple(_extra_values(e, X.shape[0], index) for e in extra)
    return func(X, Y, w, E)


def _extra_values(part, n_rows: int, index: int) -> np.ndarray:
    """One partition of an extra column (cluster labels) as a 1-D NumPy array of its
    own type; a missing value or a length other than X's is a ValueError."""
    values = part.to_numpy() if hasattr(part, "to_numpy") else np.asarray(part)
    values = np.asarray(values)
    if values.ndim != 1:
        values = values.reshape(values.shape[0], -1)
        if values.shape[1] != 1:
            raise ValueError(f"groups partition {index} has {values.shape[1]} columns, not 1")
        values = values[:, 0]
    if values.shape[0] != n_rows:
        raise ValueError(
            f"groups partition {index} has {values.shape[0]} rows, X has {n_rows}: "
            "partition the groups as the training data"
        )
    from ..inference.cluster import _missing

    missing = _missing(values)
    if missing.any():
        raise ValueError(
            f"groups has a missing value at row {int(np.argmax(missing))} of partition "
            f"{index} (0-based)"
        )
    return values


def _add(*parts):
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _tree(parts, combine):
    """Combine delayed ``parts`` in a tree of fan-in FAN_IN (depth log_8 of the count).

    Each task combines adjacent parts, left to right, and the levels keep their order,
    so an associative ``combine`` that is not commutative (lagged products in row
    order) gets the same result as a sequential pass."""
    from dask import delayed

    level = list(parts)
    while len(level) > 1:
        level = [
            delayed(combine, pure=True)(*level[i : i + FAN_IN])
            for i in range(0, len(level), FAN_IN)
        ]
    return level[0]


class DaskSource(ChunkSource):
    """``(X, y, sample_weight)`` given as Dask collections (or y/weights in memory)."""

    def __init__(self, X, y, sample_weight=None):
        if y is None:
            raise ValueError("fit(X, y): y is required with a Dask X")
        if not (_is_frame(X) or _is_array(X)):
            raise ValueError(
                "with a Dask y or sample_weight, X must be a Dask array or DataFrame too "
                f"(got {type(X).__name__})"
            )
        self.feature_names = None
        if _is_frame(X):
            if X.ndim == 1:
                X = X.to_frame()
            self._check_frame_dtypes(X)
            columns = list(X.columns)
            self.n_features = len(columns)
            if all(isinstance(c, str) for c in columns):
                self.feature_names = columns
            # Unoptimized: dask-expr fuses small Parquet partitions differently for
            # different column selections (df[features] and df["y"] of one frame would
            # not line up); the logical partitions always do.
            x_parts = list(X.to_delayed(optimize_graph=False))
            rows = None
        else:
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D, got a Dask array of shape {X.shape}")
            if not np.issubdtype(X.dtype, np.number) and X.dtype != bool:
                raise ValueError(f"Input X is not numeric (dtype {X.dtype})")
            X = X.rechunk({1: -1})  # whole rows in each block
            self.n_features = int(X.shape[1])
            x_parts = list(X.to_delayed()[:, 0])
            rows = X.chunks[0]
        self.y_was_1d = getattr(y, "ndim", 1) == 1
        y_parts = self._align(y, x_parts, rows, "y")
        shape = getattr(y, "shape", (None,))
        if self.y_was_1d:
            self.n_targets = 1
            name = getattr(y, "name", None) if _is_frame(y) else None
            self.target_names = [name] if isinstance(name, str) else None
        else:
            self.n_targets = int(len(y.columns) if _is_frame(y) else shape[1])
        self.weighted = sample_weight is not None
        w_parts = (
            self._align(sample_weight, x_parts, rows, "sample_weight")
            if self.weighted
            else [None] * len(x_parts)
        )
        self._parts = list(zip(x_parts, y_parts, w_parts))
        self._x_parts, self._rows = x_parts, rows
        self._spec = _Partition(self.n_features, self.feature_names)

    @staticmethod
    def _check_frame_dtypes(X) -> None:
        from pandas.api.types import is_numeric_dtype

        for name, dtype in X.dtypes.items():
            if not is_numeric_dtype(dtype):
                raise ValueError(
                    f"Input X column {str(name)!r} is not numeric (dtype {dtype}); encode it "
                    "(for example one-hot) or leave it out of the features."
                )

    @staticmethod
    def _align(v, x_parts, rows, what):
        """Partitions of y (or weights) matching those of X."""
        n = len(x_parts)
        if _is_frame(v):
            if v.npartitions != n:
                raise ValueError(
                    f"X has {n} partitions but {what} has {v.npartitions}; take both from "
                    "the same DataFrame (or repartition them alike)"
                )
            return list(v.to_delayed(optimize_graph=False))
        if _is_array(v):
            if rows is not None and not any(np.isnan(rows)) and not any(np.isnan(v.chunks[0])):
                if v.shape[0] != sum(rows):
                    raise ValueError(
                        f"X and {what} have different numbers of rows: {sum(rows)} and {v.shape[0]}"
                    )
                v = v.rechunk({0: rows})
            if v.ndim == 2:
                v = v.rechunk({1: -1})
                parts = list(v.to_delayed()[:, 0])
            else:
                parts = list(v.to_delayed())
            if len(parts) != n:
                raise ValueError(
                    f"X has {n} blocks of rows but {what} has {len(parts)}; chunk them alike"
                )
            return parts
        # In memory: cut along X's row chunks.
        if rows is None or any(np.isnan(rows)):
            raise ValueError(
                f"{what} is in memory but X is a Dask collection with unknown partition "
                f"lengths; pass {what} as a Dask collection from the same DataFrame"
            )
        v = np.asarray(v)
        if v.shape[0] != sum(rows):
            raise ValueError(
                f"X and {what} have different numbers of rows: {sum(rows)} and {v.shape[0]}"
            )
        bounds = np.cumsum((0,) + tuple(rows))
        return [v[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def moments(self) -> Moments:
        import dask
        from dask import delayed

        parts = [
            delayed(_part_moments, pure=True)(self._spec, x, y, w, i)
            for i, (x, y, w) in enumerate(self._parts)
        ]
        (total,) = dask.compute(_tree(parts, _merge))
        if total.n_samples == 0:
            raise ValueError("the Dask collection holds no rows")
        if self.weighted and not total.weight_sum > 0:
            raise ValueError("sample_weight sums to zero: there is nothing to fit")
        return total

    def reduce(self, func, extra=None):
        """``sum(func(X, Y, w))`` over the partitions: one task per partition and a tree
        of additions of adjacent results (in partition order).

        ``extra``: Dask Series or 1-D arrays (or in-memory arrays where X's partition
        lengths are known) partitioned as the training data; then ``func(X, Y, w, E)``
        with ``E`` the partition's values of each.
        """
        import dask
        from dask import delayed

        extra_parts = [
            self._align(e, self._x_parts, self._rows, "groups") for e in (extra or [])
        ]
        parts = [
            delayed(_part_apply, pure=True)(
                self._spec, func, x, y, w, i, *(e[i] for e in extra_parts)
            )
            for i, (x, y, w) in enumerate(self._parts)
        ]
        (total,) = dask.compute(_tree(parts, _add))
        return total

    def ordered_map(self, func, window: int = 8):
        """Yield ``func(X, Y, w)`` per partition, in partition order, computed on the
        workers ``window`` partitions at a time (the client holds at most that many
        results): for passes whose results are written out in row order."""
        import dask
        from dask import delayed

        parts = list(self._parts)
        for start in range(0, len(parts), window):
            tasks = [
                delayed(_part_apply, pure=True)(self._spec, func, x, y, w, i)
                for i, (x, y, w) in enumerate(parts[start : start + window], start)
            ]
            yield from dask.compute(*tasks)
