"""Compiled grouped sums and expansions of the absorbed effects (numba).

Imported on first use by :mod:`.effects` (``import linreg`` never loads numba).

``group_sums_rows`` / ``group_sums_cols`` compute, for one factor with codes ``c_i`` in
``0..G-1``, the per-level sums::

    out[g, j] = sum_{i : c_i = g} w_i v_ij

in one pass over the rows (C-ordered values: all m columns of a row together) or one
pass per column (F-ordered values: each column contiguous), so that no copy of the
values is made.  ``expand_rows`` computes ``out[i, j] = sum_q alpha[off_q + c_iq, j]``,
the fitted effects of each row from the stacked level estimates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._prefetch import PREFETCH_ROWS, prefetch


@njit(cache=True, nogil=True, inline="always")
def _prefetch_levels(codes, k, offsets, stacked):
    """Prefetch the rows of ``stacked`` (a stacked level array) that row
    ``k + PREFETCH_ROWS`` of ``codes`` will touch."""
    ahead = k + PREFETCH_ROWS
    if ahead < codes.shape[0]:
        for q in range(codes.shape[1]):
            prefetch(stacked, offsets[q] + codes[ahead, q])


@njit(cache=True, nogil=True)
def group_sums_rows(codes, n_levels, values, weight, out):
    """Per-level sums of ``weight * values`` added into ``out`` (G, m), row by row.

    ``values`` (n, m) is read row-wise (efficient when C-ordered); ``weight`` is an
    (n,) array or an empty array for unit weights.
    """
    n, m = values.shape
    weighted = weight.shape[0] > 0
    for i in range(n):
        g = codes[i]
        if weighted:
            wi = weight[i]
            for j in range(m):
                out[g, j] += wi * values[i, j]
        else:
            for j in range(m):
                out[g, j] += values[i, j]
    return out


@njit(cache=True, nogil=True)
def group_sums_cols(codes, n_levels, values, weight, out):
    """Per-level sums of ``weight * values`` added into ``out`` (G, m), column by column.

    ``values`` (n, m) is read one column at a time (efficient when F-ordered).
    """
    n, m = values.shape
    weighted = weight.shape[0] > 0
    for j in range(m):
        if weighted:
            for i in range(n):
                out[codes[i], j] += weight[i] * values[i, j]
        else:
            for i in range(n):
                out[codes[i], j] += values[i, j]
    return out


@njit(cache=True, nogil=True)
def expand_rows(codes, offsets, stacked, out):
    """``out[i, j] = sum_q stacked[offsets[q] + codes[i, q], j]`` for every row i."""
    n, n_factors = codes.shape
    m = stacked.shape[1]
    for i in range(n):
        for j in range(m):
            s = 0.0
            for q in range(n_factors):
                s += stacked[offsets[q] + codes[i, q], j]
            out[i, j] = s
    return out


@njit(cache=True, nogil=True)
def subtract_rows(codes, offsets, stacked, values):
    """``values[i, j] -= sum_q stacked[offsets[q] + codes[i, q], j]`` in place (the rows
    demeaned by the effects' estimates, without a temporary of the values' size)."""
    n, n_factors = codes.shape
    m = stacked.shape[1]
    for i in range(n):
        for q in range(n_factors):
            k = offsets[q] + codes[i, q]
            for j in range(m):
                values[i, j] -= stacked[k, j]
    return values


@njit(cache=True, nogil=True)
def csr_sub_matmul(indptr, indices, data, X, acc):
    """``acc -= N @ X`` in place for the CSR matrix ``N`` (indptr, indices, data)."""
    m = X.shape[1]
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i], indptr[i + 1]):
            c = indices[k]
            v = data[k]
            for j in range(m):
                acc[i, j] -= v * X[c, j]
    return acc


@njit(cache=True, nogil=True)
def csr_solve_rows(indptr, indices, data, X, rhs, inv, out):
    """``out = (rhs - N @ X) * inv[:, None]`` row by row (one Gauss-Seidel block update)."""
    m = X.shape[1]
    for i in range(indptr.shape[0] - 1):
        for j in range(m):
            out[i, j] = rhs[i, j]
        for k in range(indptr[i], indptr[i + 1]):
            c = indices[k]
            v = data[k]
            for j in range(m):
                out[i, j] -= v * X[c, j]
        s = inv[i]
        for j in range(m):
            out[i, j] *= s
    return out


@njit(cache=True, nogil=True)
def raw_level_sums(X, Y, positions, codes, offsets, weight, pre, out, totals):
    """Per-level sums of ``w ([x_i, y_i] - pre)`` over the kept rows into the stacked
    ``out`` (sum G_q, p + m) and their column totals into ``totals`` (``pre``: a rough
    shift, e.g. one row, so that large offsets do not cancel in the sums).  The k-th kept row is
    ``positions[k]`` of X and Y (empty: row k); ``codes`` and ``weight`` list the kept
    rows."""
    n, n_factors = codes.shape
    p, m = X.shape[1], Y.shape[1]
    indexed = positions.shape[0] > 0
    weighted = weight.shape[0] > 0
    row = np.empty(p + m)
    level = np.empty(n_factors, dtype=np.int64)
    for k in range(n):
        _prefetch_levels(codes, k, offsets, out)
        i = positions[k] if indexed else k
        wk = weight[k] if weighted else 1.0
        for j in range(p):
            row[j] = wk * (X[i, j] - pre[j])
        for j in range(m):
            row[p + j] = wk * (Y[i, j] - pre[p + j])
        for q in range(n_factors):
            level[q] = offsets[q] + codes[k, q]
        for j in range(p + m):
            totals[j] += row[j]
        for q in range(n_factors):
            g = level[q]
            for j in range(p + m):
                out[g, j] += row[j]
    return out


@njit(cache=True, nogil=True)
def demean_rows(X, Y, positions, codes, offsets, stacked, shift, weight, V, gradient, squares,
                originals):  # fmt: skip
    """One pass over the kept rows, the k-th being row ``i = positions[k]`` (empty: k):
    ``V[k] = [x_i, y_i] - shift - sum_q stacked[offsets[q] + codes[k, q]]``, the
    per-level sums of ``w V`` into the stacked ``gradient``, and the column sums of
    squares of ``V`` and of the shifted rows (before the effects) into ``squares`` and
    ``originals``."""
    n, n_factors = codes.shape
    p, m = X.shape[1], Y.shape[1]
    width = p + m
    indexed = positions.shape[0] > 0
    weighted = weight.shape[0] > 0
    row = np.empty(width)
    level = np.empty(n_factors, dtype=np.int64)
    for k in range(n):
        _prefetch_levels(codes, k, offsets, stacked)
        _prefetch_levels(codes, k, offsets, gradient)
        i = positions[k] if indexed else k
        for j in range(p):
            row[j] = X[i, j] - shift[j]
        for j in range(m):
            row[p + j] = Y[i, j] - shift[p + j]
        for j in range(width):
            originals[j] += row[j] * row[j]
        for q in range(n_factors):
            g = offsets[q] + codes[k, q]
            level[q] = g
            for j in range(width):
                row[j] -= stacked[g, j]
        for j in range(width):
            V[k, j] = row[j]
            squares[j] += row[j] * row[j]
        if weighted:
            wk = weight[k]
            for j in range(width):
                row[j] *= wk
        for q in range(n_factors):
            g = level[q]
            for j in range(width):
                gradient[g, j] += row[j]
    return V


@njit(cache=True, nogil=True)
def csr_scaled_gram(indptr, indices, data, row_scale, out):
    """``out += N' diag(row_scale**2) N`` for the CSR matrix ``N`` with few columns
    (``out`` dense, columns x columns), without forming a scaled copy of N."""
    for i in range(indptr.shape[0] - 1):
        s2 = row_scale[i] * row_scale[i]
        for a in range(indptr[i], indptr[i + 1]):
            va = s2 * data[a]
            ja = indices[a]
            for b in range(indptr[i], indptr[i + 1]):
                out[ja, indices[b]] += va * data[b]
    return out


@njit(cache=True, nogil=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@njit(cache=True, nogil=True)
def union_levels(codes, offsets, parent):
    """Union-find over the stacked levels: every cell (row of ``codes``) joins its
    levels (``offsets[q] + codes[c, q]``) into one component; ``parent`` starts as
    ``arange``.  Returns the root of every stacked level."""
    for c in range(codes.shape[0]):
        first = _root(parent, offsets[0] + codes[c, 0])
        for q in range(1, codes.shape[1]):
            other = _root(parent, offsets[q] + codes[c, q])
            if other != first:
                if other < first:
                    first, other = other, first
                parent[other] = first
    for i in range(parent.shape[0]):
        parent[i] = _root(parent, i)
    return parent
