"""Integer codes of label arrays without sorting, where the labels allow it.

Shared by the absorbed factors (:mod:`linreg.fixed_effects.factors`) and the cluster
labels of inference (:mod:`linreg.inference.cluster`): non-negative integer labels not
far above the number of rows (firm ids, years) are coded through a table of the labels
present, one O(n) pass, where ``pandas.factorize(sort=True)`` sorts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["small_integer_codes"]


def small_integer_codes(values):
    """``(codes, levels)`` of 1-D non-negative integer ``values`` whose largest value is
    at most ``4 n + 1024``: ``levels`` the sorted distinct labels, ``codes`` (int32
    below 2**31 rows) their positions; None for any other input (other dtypes,
    negative or large labels).
    """
    dtype = getattr(values, "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iu":
        return None
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        return None
    low, high = int(array.min()), int(array.max())
    if low < 0 or high > 4 * array.size + 1024:
        return None
    present = np.bincount(array, minlength=high + 1) > 0
    table = (np.cumsum(present) - 1).astype(np.int32 if array.size < 2**31 else np.int64)
    return table[array], np.flatnonzero(present).astype(dtype)
