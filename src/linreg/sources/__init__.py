"""Data that is read in chunks: files (:func:`scan`) and Dask collections.

See :mod:`linreg.sources.base` for the protocol; Dask is imported only when a Dask
collection is fitted, pyarrow only when a scan is created.
"""

from .base import ChunkSource, SourceProblem, as_source, chunk_sum, has_chunks
from .scan import Scan, scan

__all__ = ["ChunkSource", "Scan", "SourceProblem", "as_source", "chunk_sum", "has_chunks", "scan"]
