"""Data that is read in chunks: files (:func:`scan`) and Dask collections.

See :mod:`linreg.sources.base` for the protocol and :mod:`linreg.sources.dispatch` for
which source an input gets; Dask is imported only when a Dask collection is fitted,
pyarrow only when a scan is created, torch only when a tensor is.  The chunked passes
of inference are :mod:`linreg.chunks` (re-exported here).
"""

from ..inference.chunks import chunk_sum, has_chunks
from .base import ChunkSource, SourceProblem
from .dispatch import as_source
from .scan import Scan, scan

__all__ = ["ChunkSource", "Scan", "SourceProblem", "as_source", "chunk_sum", "has_chunks", "scan"]
