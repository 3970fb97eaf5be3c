"""Coordinate descent on scipy.sparse (CSC) X, centred implicitly.

The centred, weight-scaled column ``j`` is ``xs_j - m_j s`` with ``xs_j`` the sparse
column scaled by ``s = sqrt(w)`` row-wise and ``m_j`` its weighted mean; centring it
explicitly would make X dense.  The residual is kept as ``R = Rs + shift * s`` with
``Rs`` dense and the scalar ``shift = m'w``, so a coordinate update costs
``O(nnz_j)``: ``Rs -= d xs_j``, ``shift += d m_j``, and ``s'Rs`` is updated with the
precomputed ``s'xs_j``.  The stopping rule is ``_kernels._done`` (duality gap, KKT
conditions, certified bound; the gap waived where it is blind, as at ``alpha = 0``).

numba's on-disk cache of :func:`cd_sparse` is keyed on this file alone: a change to the
kernels it calls in ``_kernels`` needs a change here too (or a cleared cache).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import sparse

from ._kernels import _done, _screen, duality_gap

#: The implicit centring loses too much when a column's centred sum of squares is below
#: this fraction of its raw one (``make_data`` then centres a dense copy instead).
CANCELLATION = 1e-6


def centring_cancels(X, w=None) -> bool:
    """Whether centring some column of sparse X with its weighted mean cancels: its
    centred sum of squares ``sum_i w_i (x_ij - m_j)^2`` (computed without cancellation,
    zeros included) is below CANCELLATION times the raw ``sum_i w_i x_ij^2``."""
    X = sparse.csc_matrix(X, dtype=np.float64)
    n, p = X.shape
    wv = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    W = float(wv.sum())
    rows = X.indices
    wk = wv[rows]
    col = np.repeat(np.arange(p), np.diff(X.indptr))
    m = np.bincount(col, weights=wk * X.data, minlength=p) / W
    raw = np.bincount(col, weights=wk * X.data**2, minlength=p)
    w_nz = np.bincount(col, weights=wk, minlength=p)
    centred = np.bincount(col, weights=wk * (X.data - m[col]) ** 2, minlength=p)
    centred = centred.astype(np.float64)  # bincount of no entries (X all zero) is int64
    centred += m**2 * np.maximum(W - w_nz, 0.0)
    return bool(np.any(centred < CANCELLATION * raw))


@dataclass
class SparseDesignData:
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple
    s: np.ndarray  # sqrt(w)
    Y: np.ndarray  # (k, n) centred, s-scaled
    x_mean: np.ndarray
    y_mean: np.ndarray
    weight_sum: float

    @classmethod
    def from_arrays(cls, X, Y, w=None, fit_intercept: bool = True) -> SparseDesignData:
        X = sparse.csc_matrix(X, dtype=np.float64)
        X.sort_indices()
        n, p = X.shape
        Y = np.asarray(Y, dtype=np.float64).reshape(n, -1)
        wv = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        W = float(wv.sum())
        s = np.sqrt(wv)
        if fit_intercept:
            x_mean = np.asarray((sparse.diags(wv) @ X).sum(axis=0)).ravel() / W
            y_mean = wv @ Y / W
        else:
            x_mean, y_mean = np.zeros(p), np.zeros(Y.shape[1])
        Xs = sparse.diags(s) @ X
        Xs = sparse.csc_matrix(Xs)
        Yc = (Y - y_mean) * s[:, None]
        return cls(
            Xs.data.astype(np.float64),
            Xs.indices.astype(np.int64),
            Xs.indptr.astype(np.int64),
            (n, p),
            s,
            np.ascontiguousarray(Yc.T),
            x_mean,
            y_mean,
            W,
        )

    @property
    def n_features(self) -> int:
        return self.shape[1]

    def null_objective(self) -> np.ndarray:
        return 0.5 * np.sum(self.Y**2, axis=1) / self.weight_sum

    def xty_max(self, positive: bool = False) -> np.ndarray:
        from .solve import _xty_max

        Xs = sparse.csc_matrix((self.data, self.indices, self.indptr), shape=self.shape)
        xty = Xs.T @ self.Y.T - np.outer(self.x_mean, self.s @ self.Y.T)
        return _xty_max(xty / self.weight_sum, positive)

    def curvature(self) -> float:
        return 0.0

    def gradient(self, t: int, w: np.ndarray) -> np.ndarray:
        """``Xc'(y_t - Xc w)/W`` with ``Xc = Xs - s m'`` (centred implicitly), and a
        bound on its rounding error (per entry)."""
        Xs = sparse.csc_matrix((self.data, self.indices, self.indptr), shape=self.shape)
        R = self.Y[t] - Xs @ w + (self.x_mean @ w) * self.s
        g = (Xs.T @ R - self.x_mean * (self.s @ R)) / self.weight_sum
        # rounding: |Xc| <= |Xs| + s |m|' entrywise
        n, p = self.shape
        eps = np.finfo(np.float64).eps
        A = abs(Xs)
        am = np.abs(self.x_mean)
        absXw = A @ np.abs(w) + self.s * (am @ np.abs(w))
        dR = (p + 3) * eps * (np.abs(self.Y[t]) + absXw)
        v = (n + 3) * eps * np.abs(R) + dR
        err = (A.T @ v + am * (self.s @ v)) / self.weight_sum
        return g, err

    def solve(
        self, t, l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu=0.0, positive=False
    ):
        return cd_sparse(
            self.data,
            self.indices,
            self.indptr,
            self.shape[0],
            self.s,
            self.x_mean,
            np.ascontiguousarray(self.Y[t]),
            self.weight_sum,
            l1,
            l2,
            w,
            max_iter,
            tol,
            kkt_tol,
            abs_tol,
            screening,
            10,
            mu,
            positive,
        )


@njit(cache=True, nogil=True)
def _residual(data, indices, indptr, n, y, w):
    """``y - Xs w`` (the sparse part of the residual)."""
    R = y.copy()
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            for k in range(indptr[j], indptr[j + 1]):
                R[indices[k]] -= w[j] * data[k]
    return R


@njit(cache=True, nogil=True)
def _gradient(data, indices, indptr, s, m, y, w, W):
    """``g = Xc'R / W`` and ``R'R / W`` at ``w`` (``Xc = Xs - s m'``, recomputed exactly)."""
    R = _residual(data, indices, indptr, y.shape[0], y, w) + (m @ w) * s
    sRt = s @ R
    g = np.zeros(w.shape[0])
    for j in range(w.shape[0]):
        dot = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            dot += data[k] * R[indices[k]]
        g[j] = (dot - m[j] * sRt) / W
    return g, (R @ R) / W


@njit(cache=True, nogil=True)
def cd_sparse(
    data,
    indices,
    indptr,
    n,
    s,
    m,
    y,
    W,
    l1,
    l2,
    w,
    max_iter,
    tol,
    kkt_tol,
    abs_tol,
    screening,
    every,
    mu,
    positive,
):
    """Coordinate descent for the centred sparse design; see the module docstring.
    With ``positive``, subject to ``w >= 0`` (projected updates; a negative warm start
    is projected; the gap, KKT and screening tests of the constrained problem)."""
    p = w.shape[0]
    xs_s = np.zeros(p)  # s'xs_j
    diag = np.zeros(p)
    active = np.ones(p, dtype=np.bool_)
    raw = np.zeros(p)  # size of the implicit centring's terms: sum w x^2 / W + m^2
    for j in range(p):
        sq = 0.0
        centred = 0.0  # sum over the nonzeros of w (x - m)^2, and their weight
        w_nz = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            si = s[indices[k]]
            xs_s[j] += si * data[k]
            sq += data[k] * data[k]
            if si > 0.0:
                centred += (data[k] - m[j] * si) ** 2
                w_nz += si * si
        # the centred sum of squares without cancellation (the zeros sit at -m_j)
        diag[j] = (centred + m[j] * m[j] * max(W - w_nz, 0.0)) / W
        raw[j] = sq / W + m[j] * m[j]
        if diag[j] <= 1e-14 * (sq / W + 1e-300):
            active[j] = False
            w[j] = 0.0
        if positive and w[j] < 0.0:
            w[j] = 0.0
    Rs = _residual(data, indices, indptr, n, y, w)
    shift = m @ w
    sR = s @ Rs
    hscale = max(np.max(raw), 0.0) if p else 0.0
    gscale = np.sqrt(hscale * (y @ y) / W) if p else 0.0
    gap = np.inf
    primal = np.inf
    n_iter = 0
    if np.any(w != 0.0):  # a warm start: tested before the first sweep, as scikit-learn
        g, rr = _gradient(data, indices, indptr, s, m, y, w, W)
        gap, primal, sc, floor = duality_gap(w, g, rr, l1, l2, positive)
        args = (tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu, positive)
        if _done(w, g, gap, primal, floor, *args):
            return gap, primal, 0, True
    for it in range(max_iter):
        n_iter = it + 1
        for j in range(p):
            if not active[j]:
                continue
            dot = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                dot += data[k] * Rs[indices[k]]
            gj = (dot + shift * xs_s[j] - m[j] * (sR + shift * W)) / W
            z = gj + diag[j] * w[j]
            new = 0.0
            if z > l1:
                new = (z - l1) / (diag[j] + l2)
            elif z < -l1 and not positive:
                new = (z + l1) / (diag[j] + l2)
            d = new - w[j]
            if d != 0.0:
                w[j] = new
                for k in range(indptr[j], indptr[j + 1]):
                    Rs[indices[k]] -= d * data[k]
                shift += d * m[j]
                sR -= d * xs_s[j]
        if n_iter % every == 0 or n_iter == max_iter:
            Rs = _residual(data, indices, indptr, n, y, w)
            shift = m @ w
            R = Rs + shift * s
            sR = s @ Rs
            sRt = s @ R
            g = np.zeros(p)
            for j in range(p):
                dot = 0.0
                for k in range(indptr[j], indptr[j + 1]):
                    dot += data[k] * R[indices[k]]
                g[j] = (dot - m[j] * sRt) / W
            rr = (R @ R) / W
            gap, primal, sc, floor = duality_gap(w, g, rr, l1, l2, positive)
            args = (tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu, positive)
            if _done(w, g, gap, primal, floor, *args):
                return gap, primal, n_iter, True
            if screening:
                for j in _screen(w, g, diag, gap, sc, l1, active, positive):
                    if w[j] != 0.0:
                        d = -w[j]
                        w[j] = 0.0
                        for k in range(indptr[j], indptr[j + 1]):
                            Rs[indices[k]] -= d * data[k]
                        shift += d * m[j]
                        sR -= d * xs_s[j]
    return gap, primal, n_iter, False
