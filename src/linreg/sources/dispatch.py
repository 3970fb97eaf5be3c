"""Which :class:`~linreg.sources.base.ChunkSource` an input to ``fit`` gets.

The dispatcher sits above the protocol (:mod:`.base`) and its implementations
(:mod:`.scan`, :mod:`.tensor`, :mod:`.dask`), so that the protocol imports none of
them.  Dask and torch are imported only when the input is one of theirs.
"""

from __future__ import annotations

from .base import ChunkSource
from .device_moments import is_tensor
from .scan import Scan

__all__ = ["as_source", "is_dask_collection"]


def as_source(X, y=None, sample_weight=None):
    """The :class:`ChunkSource` for ``fit(X, y, sample_weight)``, or None for in-memory data.

    Dask collections are recognised by their module name, so Dask is imported only
    when the input is one.
    """
    if isinstance(X, Scan):
        _check_scan_arguments(X, y, sample_weight)
        return X
    if isinstance(X, ChunkSource):  # any other source (e.g. the CLI's held-out parts)
        if y is not None or sample_weight is not None:
            raise ValueError("fit(source, ...): y and the weights come from the source")
        return X
    if is_tensor(X) or is_tensor(y) or is_tensor(sample_weight):
        from .tensor import TensorSource

        return TensorSource(X, y, sample_weight)
    if is_dask_collection(X) or is_dask_collection(y) or is_dask_collection(sample_weight):
        from .dask import DaskSource

        return DaskSource(X, y, sample_weight)
    return None


def _check_scan_arguments(scan: Scan, y, sample_weight) -> None:
    """A scan carries its own target and weights: refuse them given again."""
    if y is not None and not scan.target_names:  # linreg.scan(path, target=None)
        raise ValueError(
            "fit(scan, y): this scan was opened with target=None, for predict only; name "
            "the target column in linreg.scan(path, target='y') instead of passing y"
        )
    if y is not None:
        raise ValueError(
            "fit(scan, y): y is taken from the scan's target column "
            f"{scan.target_names if len(scan.target_names) > 1 else scan.target_names[0]!r}; "
            "do not pass y"
        )
    if sample_weight is not None:
        raise ValueError(
            "fit(scan, sample_weight=...): weights come from the file; "
            "name their column with linreg.scan(..., weights='column')"
        )


def is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask array, DataFrame or Series (without importing Dask)."""
    module = type(obj).__module__ or ""
    return (module == "dask" or module.startswith("dask.")) and hasattr(obj, "__dask_graph__")
