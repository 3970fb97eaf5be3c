"""Built-in datasets that need no network.

- :func:`load` / :func:`builtin_names`: the tutorials' worked examples
  (:func:`seed001`, :func:`seed002`, :func:`seed003`, :func:`multi_output`) and small
  real datasets (:func:`longley`, :func:`diabetes`, the panel :func:`grunfeld`), each a
  :class:`Dataset`;
- :func:`load_nist` / :func:`nist_names`: NIST's Statistical Reference Datasets for
  linear least squares with their certified values (:class:`NistDataset`).
"""

from .examples import (
    Dataset,
    builtin_names,
    diabetes,
    grunfeld,
    load,
    longley,
    multi_output,
    seed001,
    seed002,
    seed003,
)
from .nist import NIST_MODELS, NistDataset, load_nist, nist_names

__all__ = [
    "NIST_MODELS",
    "Dataset",
    "NistDataset",
    "builtin_names",
    "diabetes",
    "grunfeld",
    "load",
    "load_nist",
    "longley",
    "multi_output",
    "nist_names",
    "seed001",
    "seed002",
    "seed003",
]
