"""Compiled per-cluster score sums for in-memory arrays (numba).

Imported on first use by :mod:`.cluster`, and only when numba is already loaded (a fit
with absorbed effects loads it): the cluster-robust meat of a model of many clusters
then takes one pass over the rows with no temporary of their size.  Elsewhere the
NumPy path (scores by chunk, sums by a sparse indicator product) is used.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._prefetch import PREFETCH_ROWS, prefetch


@njit(cache=True, nogil=True)
def cluster_score_sums(X, y, w, keep, centre, coef, y_shift, offset, y_scale, intercept,
                       codes, sums, counts):  # fmt: skip
    """Add each row's design scores into its cluster's row of ``sums`` (G, k + p).

    For a row of positive weight ``w_i`` (all rows when ``w`` is empty), with
    ``a_i = X[i, keep] - centre`` and the residual
    ``u_i = w_i ((y_i - y_shift) - a_i' coef - offset) / y_scale``::

        sums[c_i, k:] += a_i u_i        sums[c_i, 0] += intercept u_i   (k = 1 if intercept)

    and ``counts[c_i] += 1`` (the same numbers as :meth:`.covariance._ChunkScores.scores`
    with ``orthogonal=False``, summed by cluster).
    """
    n = X.shape[0]
    p = keep.shape[0]
    k = 1 if intercept > 0 else 0
    weighted = w.shape[0] > 0
    row = np.empty(p)
    for i in range(n):
        ahead = i + PREFETCH_ROWS
        if ahead < n:
            prefetch(sums, codes[ahead])
        if weighted and not w[i] > 0:
            continue  # not an observation: no score, not counted
        dot = 0.0
        for j in range(p):
            row[j] = X[i, keep[j]] - centre[j]
            dot += row[j] * coef[j]
        u = ((y[i] - y_shift) - dot - offset) / y_scale
        if weighted:
            u *= w[i]
        g = codes[i]
        if k:
            sums[g, 0] += intercept * u
        for j in range(p):
            sums[g, k + j] += row[j] * u
        counts[g] += 1
    return sums
