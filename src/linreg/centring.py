"""One centring kernel for in-memory arrays.

Every route that centres a design held in memory (the exact solvers' equilibrated
design, coordinate descent's design copy, RidgeCV's eigendecomposition of the rows,
the per-chunk shift of :meth:`linreg.Moments.of_chunk`) takes its weighted means and
centred values from here, so a numerical fix reaches all of them.

Two hazards drive the arithmetic:

* **A heavy weight.**  ``sum_i w_i x_i / W`` with one ``w_r`` dominating is, to
  rounding, ``x_r`` plus a small correction; formed directly, the rounding of the big
  product ``w_r x_r`` swamps that correction.  Shifting by the heaviest row first makes
  its shifted values exactly zero, so it contributes nothing to round.
* **An offset.**  Columns ``c + spread`` with ``|c| = 1e9 spread`` lose ``eps |c|`` in
  a computed mean, i.e. nine digits of the centred values.  A second pass (the
  weighted mean of the centred values, subtracted again) brings the residual mean from
  ``eps |c|`` down to ``eps * spread``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: rows per block when forming shifted values (bounds the float64 scratch memory)
_BLOCK_ROWS = 4096


def _as_2d(X) -> tuple[np.ndarray, bool]:
    X = np.asarray(X)
    return (X[:, None], True) if X.ndim == 1 else (X, False)


def _normalized_weights(w, n: int) -> tuple[np.ndarray | None, float]:
    """``(u, W)`` with ``u = w / W`` (None for unit weights) and ``W = sum w``."""
    if w is None:
        return None, float(n)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"weights have {w.shape[0]} entries for {n} rows")
    total = float(w.sum())
    if not total > 0 or not np.isfinite(total):
        raise ValueError("weights must have a positive, finite sum to centre with them")
    # normalized first: w @ X can overflow where the mean itself does not
    return w / total, total


def _mean_of_difference(X, ref, u) -> np.ndarray:
    """``sum_i u_i (x_i - ref)`` (``u_i = 1/n`` when ``u`` is None) in float64, by row
    blocks so that the shifted copy never exceeds ``_BLOCK_ROWS`` rows."""
    n, p = X.shape
    acc = np.zeros(p)
    with np.errstate(all="ignore"):  # non-finite input is reported by the caller
        for lo in range(0, n, _BLOCK_ROWS):
            block = np.subtract(X[lo : lo + _BLOCK_ROWS], ref, dtype=np.float64)
            if u is None:
                acc += block.sum(axis=0)
            else:
                acc += u[lo : lo + _BLOCK_ROWS] @ block
    return acc / n if u is None else acc


def weighted_mean(X, w=None, *, correct: bool = True) -> np.ndarray:
    """Weighted column means ``sum_i w_i x_i / sum_i w_i`` of ``X``, in float64.

    Computed as ``x_r + sum_i u_i (x_i - x_r)`` with ``x_r`` the row of largest weight
    (the first row without weights) and ``u = w / W``: the heaviest row's shifted
    values are exactly zero, so a weight of 1e16 cannot round the small contribution
    of the others away, and ``u @ X`` cannot overflow where the mean does not.  With
    ``correct`` a second pass adds the weighted mean of ``x_i - mean`` (an offset of
    1e9 times the spread then costs no digits: the first pass is off by ``eps |x_r -
    mean|`` at most, the correction by ``eps * spread``).

    Parameters
    ----------
    X : array_like, shape (n, p) or (n,)
        Data of any float dtype (float32 is promoted: the means are float64).
    w : array_like, shape (n,), optional
        Non-negative weights with a positive finite sum; None for unit weights.
    correct : bool
        Add the correction pass (a shift good to a few digits suffices for callers
        that correct afterwards, such as :meth:`linreg.Moments.of_chunk`).

    Returns
    -------
    numpy.ndarray, shape (p,) or ()
        The weighted means (NaN/inf where a column is not finite).
    """
    X, flat = _as_2d(X)
    n, p = X.shape
    if n == 0:
        raise ValueError("the weighted mean of no rows is undefined")
    u, _ = _normalized_weights(w, n)
    r = 0 if u is None else int(np.argmax(u))
    mean = X[r].astype(np.float64) + _mean_of_difference(X, X[r].astype(np.float64), u)
    if correct and np.isfinite(mean).all():
        mean = mean + _mean_of_difference(X, mean, u)
    return mean[0] if flat else mean


def centre(X, w=None, *, out=None, dtype=None) -> tuple[np.ndarray, np.ndarray]:
    """Centre the columns of ``X`` with their weighted mean: ``(X - mean, mean)``.

    The mean comes from :func:`weighted_mean` (shifted by the heaviest row) and the
    data are centred twice: the weighted mean of the first centred copy (computed in
    float64 whatever ``dtype``) is subtracted again and added to ``mean``, so the
    centred columns are orthogonal to the weights to working precision however large
    the offset, and ``mean`` is the one that produced them.

    Parameters
    ----------
    X : array_like, shape (n, p) or (n,)
        Data.
    w : array_like, shape (n,), optional
        Non-negative weights with a positive finite sum; None for unit weights.
    out : numpy.ndarray, optional
        Where to write the centred values (any memory order; its dtype is the
        working precision of the subtraction).  Must not alias ``X``.
    dtype : numpy dtype, optional
        Dtype of the centred copy when ``out`` is None (default: float64 for integer
        input, else ``X``'s dtype).

    Returns
    -------
    centred : numpy.ndarray
        ``X - mean`` in ``out``'s (or ``dtype``'s) precision.
    mean : numpy.ndarray
        The float64 weighted means that were removed.
    """
    X = np.asarray(X)
    if dtype is None:
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
    if out is None:
        out = np.empty(X.shape, dtype=dtype)
    if X.shape[0] == 0:
        mean = np.zeros(X.shape[1:])
        return out, mean
    mean = weighted_mean(X, w, correct=False)
    with np.errstate(all="ignore"):  # non-finite input is reported by the caller
        np.subtract(X, mean.astype(out.dtype), out=out, casting="unsafe")
        fine = weighted_mean_of_centred(out, w)
        out -= fine.astype(out.dtype)
    return out, mean + fine


def weighted_mean_of_centred(A, w=None) -> np.ndarray:
    """Weighted column means of already (nearly) centred values, accumulated in float64
    (one pass: no shift is needed when the values carry no offset)."""
    A2, flat = _as_2d(A)
    u, _ = _normalized_weights(w, A2.shape[0])
    fine = _mean_of_difference(A2, np.zeros(A2.shape[1]), u)
    return fine[0] if flat else fine


def column_scale(A) -> np.ndarray:
    """2-norms of the columns of ``A``, without overflow or underflow.

    Each column is divided by its largest magnitude before squaring
    (``||a|| = max|a| * ||a / max|a|||``), so entries of 1e200 or 1e-200 give their
    norm, not inf or 0.  Zero columns give 0.  The result has ``A``'s dtype.
    """
    A = np.asarray(A)
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=A.dtype)
    big = np.max(np.abs(A), axis=0)
    safe = np.where(big > 0, big, 1).astype(A.dtype)
    scaled = A / safe
    return big * np.sqrt(np.einsum("ij,ij->j", scaled, scaled))


@dataclass(frozen=True)
class Standardization:
    """Shift and scale of standardized coordinates, and the way back to user units.

    A model fitted on ``z = (x - x_shift) / x_scale`` and ``t = (y - y_shift) /
    y_scale`` as ``t ~ coef_std z + intercept_std`` is, in the data's own units,
    ``y ~ coef x + intercept`` with ``coef = coef_std y_scale / x_scale`` and
    ``intercept = y_shift + y_scale intercept_std - coef x_shift``.  The shifts are the
    weighted means from :func:`centre` (zero without an intercept).
    """

    x_shift: np.ndarray  # (p,)
    x_scale: np.ndarray  # (p,) positive
    y_shift: np.ndarray  # (k,)
    y_scale: np.ndarray  # (k,) positive

    def to_user_units(self, coef_std, intercept_std) -> tuple[np.ndarray, np.ndarray]:
        """``(coef (k, p), intercept (k,))`` in the data's own units, in float64."""
        coef_std = np.atleast_2d(np.asarray(coef_std, dtype=np.float64))  # (k, p)
        coef = coef_std * self.y_scale[:, None] / self.x_scale[None, :]
        intercept = self.y_shift + self.y_scale * np.asarray(intercept_std, dtype=np.float64)
        return coef, intercept - coef @ self.x_shift
