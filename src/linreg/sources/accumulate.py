"""Moments of row batches from one BLAS call per batch.

A batch is written column by column into a Fortran-ordered float64 buffer
``Z = [c, X - shift, Y - shift]`` whose first column ``c`` is 1 (or ``sqrt(w)``, with
every other column also scaled by ``sqrt(w)``), so the one product ``Z'Z`` (BLAS
``syrk``) holds the weight sum, the weighted column sums and the raw cross-products
of the shifted data at once; the centred Moments follow as
``C = S - s s'/W``.  The shift (the running mean, passed in by the caller) keeps that
correction small; a batch whose columns still sit far from the shift, relative to
their spread, is re-centred in place and multiplied again, so nothing cancels more
than about one decimal digit.
"""

from __future__ import annotations

import numpy as np

from ..moments import MAX_CANCELLATION, Moments, two_sum


def new_buffer(rows: int, n_columns: int, weighted: bool) -> np.ndarray:
    """A Fortran-ordered (rows, 1 + n_columns) buffer, first column 1 when unweighted."""
    buf = np.empty((1 + n_columns, rows)).T
    if not weighted:
        buf[:, 0] = 1.0
    return buf


def fill(buf: np.ndarray, columns, shift: np.ndarray, w=None) -> np.ndarray:
    """Write ``columns`` (1-D arrays, features then targets) minus ``shift`` into the
    buffer, scaled by ``sqrt(w)`` when weighted; returns the filled rows."""
    n = len(columns[0]) if columns else 0
    Z = buf[:n]
    for j, col in enumerate(columns):
        np.subtract(col, shift[j], out=Z[:, 1 + j])
    if w is not None:
        np.sqrt(w, out=Z[:, 0])
        Z[:, 1:] *= Z[:, :1]
    return Z


def moments_of(Z: np.ndarray, shift: np.ndarray, n_features: int) -> Moments:
    """The Moments of a filled buffer (see :func:`fill`); re-centres Z in place when
    the shift was far from the batch's mean."""
    n = Z.shape[0]
    shift = np.asarray(shift, dtype=np.float64)
    shift_low = np.zeros_like(shift)  # re-centring moves the shift by inexact sums
    for _ in range(2):
        with np.errstate(all="ignore"):  # non-finite input is located by the caller
            R = Z.T @ Z  # BLAS syrk: weight sum, sums and cross-products in one call
        W = R[0, 0]
        if not W > 0:
            return Moments(
                n,
                0.0,
                np.asarray(shift, dtype=np.float64).copy(),
                np.zeros((len(shift), len(shift))),
                n_features,
            )
        s = R[0, 1:]
        offset = s / W
        with np.errstate(all="ignore"):
            cross = R[1:, 1:] - np.outer(s, offset)
            raw = np.diag(R)[1:]
            centred = np.diag(cross)
            ratio = np.where(centred > 0, raw / centred, np.where(raw > 0, np.inf, 1.0))
        if not np.isfinite(R).all() or ratio.max(initial=1.0) <= MAX_CANCELLATION:
            break
        # Re-centre: sqrt(w) (x - shift - offset) = Z - offset * sqrt(w).
        Z[:, 1:] -= Z[:, :1] * offset
        shift, error = two_sum(shift, offset)
        shift_low = shift_low + error
    mean, low = two_sum(shift, offset + shift_low)
    return Moments(n, float(W), mean, cross, n_features, low)
