"""One-pass, mergeable sufficient statistics of (weighted) least squares.

The :class:`Moments` of a data set ``(X, Y, w)`` are the weighted count, the weighted
means of every column of ``Z = [X, Y]`` and the *centred* cross-product matrix

    C = sum_i w_i (z_i - mean)(z_i - mean)'

from which ``X'X``, ``X'y`` and ``y'y``, centred or not, follow.  Two Moments of
disjoint row sets merge exactly (Chan, Golub and LeVeque's pairwise update), so any
split of the rows into chunks, in any order, over any number of workers gives the
same statistics up to rounding.  Nothing here ever accumulates an uncentred ``X'X``:
with a column near 1e9 and unit spread, the uncentred sums would cancel to noise.

A column whose entries are so small (or large) that their squares leave the float64
range (``x`` of order 1e-300) would leave ``C`` zero (or inf) there, and a solve from
the Moments alone would call it constant.  Such chunks also keep ``C`` scaled:
``cross_scaled`` with ``C = S cross_scaled S`` for the powers of two ``S = diag(scale)``,
merged and subtracted alongside ``C``; :meth:`Moments.scaled_cross` gives it (``C``
itself, scale 1, for ordinary data).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from .centring import weighted_mean

__all__ = ["Moments"]

#: Bytes of the float64 working buffer used per chunk by :meth:`Moments.from_arrays`.
#: Large enough that the BLAS rank-k update runs near peak, small enough to stay a
#: fraction of the data (the 1,000,000 x 100 benchmark uses 1.6% of X's size).
CHUNK_BYTES = 16 * 2**20

#: Rows per chunk for the copy-free path are chosen so the chunks of both threads stay
#: in the last-level cache (32 MiB here) between syrk and the passes for X'y and sums.
DIRECT_CHUNK_BYTES = 4 * 2**20

#: Largest ratio of raw to centred sum of squares accepted on the copy-free path
#: (about one decimal digit lost in the centred cross-products).
MAX_CANCELLATION = 10.0

#: Inputs with fewer entries are reduced by one thread (threads cost more than they save).
PARALLEL_MIN_ENTRIES = 2_000_000


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of weighted least squares for ``n_features`` columns of X
    followed by ``n_targets`` columns of Y.

    Attributes
    ----------
    n_samples : int
        Number of rows seen (rows with zero weight included).
    weight_sum : float
        Sum of the sample weights (``n_samples`` when unweighted).
    mean : ndarray of shape (n_features + n_targets,)
        Weighted means of the columns of ``Z = [X, Y]``.
    cross : ndarray of shape (n_features + n_targets, n_features + n_targets)
        Centred weighted cross-products ``sum_i w_i (z_i - mean)(z_i - mean)'``.
    n_features : int
        Number of leading columns of Z that are features.
    """

    n_samples: int
    weight_sum: float
    mean: np.ndarray
    cross: np.ndarray
    n_features: int
    #: The rounding error of ``mean`` (``mean + mean_low`` is the mean to about eps
    #: times the spread, however large the offset), or None for zero.  Merges take
    #: the difference of two chunks' means from both parts: with an offset of 1e9 the
    #: rounded means alone differ by ~1e-7 from the true difference, which would enter
    #: the cross-products at every merge.
    mean_low: np.ndarray | None = None
    #: Powers of two ``S`` and ``cross / (S S')`` computed without under- or overflow,
    #: for data whose squares leave the float64 range (None otherwise).
    scale: np.ndarray | None = None
    cross_scaled: np.ndarray | None = None

    # ------------------------------------------------------------------ views
    def low(self) -> np.ndarray:
        """``mean_low``, zeros when not kept."""
        return np.zeros_like(self.mean) if self.mean_low is None else self.mean_low

    @property
    def n_targets(self) -> int:
        return self.mean.shape[0] - self.n_features

    @property
    def x_mean(self) -> np.ndarray:
        return self.mean[: self.n_features]

    @property
    def y_mean(self) -> np.ndarray:
        return self.mean[self.n_features :]

    @property
    def xtx(self) -> np.ndarray:
        """Centred ``X'WX``."""
        p = self.n_features
        return self.cross[:p, :p]

    @property
    def xty(self) -> np.ndarray:
        """Centred ``X'WY``, shape (n_features, n_targets)."""
        p = self.n_features
        return self.cross[:p, p:]

    @property
    def yty(self) -> np.ndarray:
        """Centred ``Y'WY``, shape (n_targets, n_targets)."""
        p = self.n_features
        return self.cross[p:, p:]

    def scaled_cross(self) -> tuple[np.ndarray, np.ndarray]:
        """``(cross_scaled, scale)`` with ``cross = cross_scaled * outer(scale, scale)``:
        the cross-products right where their squares under- or overflow (``scale`` all
        ones and ``cross`` itself for ordinary data)."""
        if self.scale is None:
            return self.cross, np.ones(self.mean.shape[0])
        return self.cross_scaled, self.scale

    def uncentred(self) -> np.ndarray:
        """Raw ``Z'WZ`` (for fits without an intercept)."""
        return self.cross + self.weight_sum * np.outer(self.mean, self.mean)

    # ------------------------------------------------------------ construction
    @classmethod
    def empty(cls, n_features: int, n_targets: int = 1) -> Moments:
        """The Moments of no rows: the identity of :meth:`merge`."""
        d = n_features + n_targets
        return cls(0, 0.0, np.zeros(d), np.zeros((d, d)), n_features)

    @classmethod
    def of_chunk(cls, X, Y, w=None, shift=None, buffer=None) -> Moments:
        """Moments of one chunk of rows.

        The chunk is copied into a float64 buffer shifted by ``shift`` (a guess of its
        mean: the caller passes the previous chunk's mean), then the corrected
        two-pass formula removes whatever offset the guess left:
        ``C = S'S - s s'/W`` with ``S`` the shifted, weight-scaled rows and ``s`` their
        weighted sum.  With a good shift the correction is tiny, so nothing cancels.

        Weighted chunks ignore ``shift`` and are shifted by their own weighted mean,
        computed first in float64 (one matrix-vector product): a single heavy row
        can move the weighted mean far from any unweighted guess, and ``S'S`` would
        then be dominated by that row's offset and cancel in the correction.
        """
        X = np.asarray(X)
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        m, p = X.shape
        k = Y.shape[1]
        if buffer is None or buffer.shape[0] < m or buffer.shape[1] != p + k:
            buffer = np.empty((m, p + k))
        Z = buffer[:m]
        if w is not None:
            w = np.asarray(w, dtype=np.float64)
            shift = _weighted_mean(X, Y, w)
        if shift is None:
            # A cheap guess from the first rows; the correction below fixes the rest.
            head = min(m, 64)
            shift = np.concatenate([X[:head].mean(axis=0), Y[:head].mean(axis=0)])
        # float64 shift: float32 data minus a float32 shift would be rounded to float32
        shift = np.asarray(shift, dtype=np.float64)
        with np.errstate(all="ignore"):  # non-finite input is reported by the caller
            np.subtract(X, shift[:p], out=Z[:, :p])
            np.subtract(Y, shift[p:], out=Z[:, p:])
            if w is None:
                weight_sum = float(m)
                s = Z.sum(axis=0)
            else:
                weight_sum = float(w.sum())
                s = w @ Z
                Z *= np.sqrt(w)[:, None]
            cross = Z.T @ Z  # BLAS syrk
        scale, scaled = _scaled_chunk_cross(Z, s, weight_sum)
        if weight_sum > 0:
            offset = s / weight_sum
            with np.errstate(all="ignore"):
                cross -= np.outer(s, offset)
                mean, low = two_sum(shift, offset)
        else:
            mean, low = np.asarray(shift, dtype=np.float64).copy(), None
        return cls(m, weight_sum, mean, cross, p, low, scale, scaled)

    @classmethod
    def of_chunk_direct(cls, X, Y) -> tuple[Moments, float]:
        """Moments of an unweighted float64 chunk straight from BLAS, with no copy of X.

        ``X'X`` and ``X'[1, Y]`` of the chunk are formed raw and centred afterwards,
        which cancels digits in proportion to ``(mean/std)**2`` of the chunk's columns.
        Returns the Moments and that amplification factor (the largest ratio of raw to
        centred sum of squares), so the caller can redo the chunk on the shifted path
        when the data has an offset.
        """
        m, p = X.shape
        k = Y.shape[1]
        with np.errstate(all="ignore"):  # non-finite input is reported by the caller
            xtx = X.T @ X  # BLAS syrk, no copy of X
            # One target: a 1-D vector makes these gemv calls (a (m, 1) matrix would
            # take a much slower gemm path).
            xty = (X.T @ Y[:, 0])[:, None] if k == 1 else X.T @ Y
            yty = Y.T @ Y
            sums = np.concatenate([X.sum(axis=0), Y.sum(axis=0)])
            raw = np.empty((p + k, p + k))
            raw[:p, :p] = xtx
            raw[:p, p:] = xty
            raw[p:, :p] = xty.T
            raw[p:, p:] = yty
            mean = sums / m
            cross = raw - np.outer(sums, mean)
            raw_diag = np.diag(raw)
            centred_diag = np.diag(cross)
            ratio = np.where(raw_diag > 0, raw_diag / centred_diag, 1.0)
        amplification = float(np.max(np.where(centred_diag > 0, ratio, np.inf), initial=1.0))
        if not np.isfinite(raw_diag).all():
            amplification = 1.0  # non-finite input: let the caller's finiteness check speak
        elif np.any((raw_diag < TINY_SQUARES) & (sums != 0)):
            amplification = np.inf  # squares underflow: the shifted path keeps them scaled
        return cls(m, float(m), mean, cross, p), amplification

    @classmethod
    def from_arrays(cls, X, Y, w=None, chunk_rows: int | None = None) -> Moments:
        """Moments of in-memory arrays, computed chunk by chunk.

        Unweighted float64 data is read in place by BLAS (no copy of X) while its
        columns have little offset; any chunk where the raw cross-products would cancel
        more than one digit (a column with ``|mean| > 3 std``, a large constant offset)
        is recomputed, as is all data after it, on the shifted path, which copies one
        chunk at a time into a float64 buffer.  Weighted, float32 and integer data go
        through the shifted path too.  Peak extra memory is one chunk per thread, never
        a copy of X.

        Large inputs are split into one contiguous block of rows per CPU core, each
        reduced by its own thread with single-threaded BLAS, and the blocks' Moments
        merged: on small chunks that beats one multi-threaded BLAS call per chunk.
        """
        X = np.asarray(X)
        Y = np.asarray(Y)
        if Y.ndim == 1:
            Y = Y[:, None]
        n, p = X.shape
        k = Y.shape[1]
        direct = w is None and X.dtype == np.float64 and Y.dtype == np.float64
        if chunk_rows is None:
            budget = DIRECT_CHUNK_BYTES if direct else CHUNK_BYTES
            chunk_rows = max(256, budget // (8 * (p + k)))
        workers = min(os.cpu_count() or 1, n // (4 * chunk_rows))
        if workers < 2 or n * (p + k) < PARALLEL_MIN_ENTRIES:
            return cls._from_rows(X, Y, w, chunk_rows, direct)
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        bounds = np.linspace(0, n, workers + 1).astype(int)

        def block(i):
            lo, hi = bounds[i], bounds[i + 1]
            return cls._from_rows(
                X[lo:hi], Y[lo:hi], None if w is None else w[lo:hi], chunk_rows, direct
            )

        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(block, range(workers)))
        total = parts[0]
        for part in parts[1:]:
            total = total.merge(part)
        return total

    @classmethod
    def _from_rows(cls, X, Y, w, chunk_rows: int, direct: bool) -> Moments:
        """The sequential chunk loop of :meth:`from_arrays` over one block of rows."""
        n, p = X.shape
        k = Y.shape[1]
        buffer = None
        total = cls.empty(p, k)
        shift = None
        for start in range(0, n, chunk_rows):
            stop = min(start + chunk_rows, n)
            part = None
            if direct:
                part, amplification = cls.of_chunk_direct(X[start:stop], Y[start:stop])
                if amplification > MAX_CANCELLATION:
                    direct = False
                    shift = part.mean
                    part = None
            if part is None:
                if buffer is None:
                    buffer = np.empty((min(chunk_rows, n), p + k))
                part = cls.of_chunk(
                    X[start:stop],
                    Y[start:stop],
                    None if w is None else w[start:stop],
                    shift=shift,
                    buffer=buffer,
                )
            total = total.merge(part)
            # The next chunk is shifted by this chunk's mean: close to its own mean for
            # shuffled data, and closer than the running mean for sorted data.
            shift = part.mean if part.weight_sum > 0 else total.mean
        return total

    # --------------------------------------------------------------- algebra
    def update(self, X, Y, w=None) -> Moments:
        """Moments of these rows plus a new chunk (a new value; self is unchanged)."""
        shift = self.mean if self.weight_sum > 0 else None
        return self.merge(Moments.of_chunk(X, Y, w, shift=shift))

    def merge(self, other: Moments) -> Moments:
        """Moments of the union of two disjoint row sets (Chan et al. pairwise update)."""
        if self.mean.shape != other.mean.shape or self.n_features != other.n_features:
            raise ValueError(
                "cannot merge Moments of different shapes: "
                f"{self.n_features}+{self.n_targets} vs {other.n_features}+{other.n_targets} "
                "(features+targets)"
            )
        wa, wb = self.weight_sum, other.weight_sum
        n = self.n_samples + other.n_samples
        if wb == 0:
            return replace(self, n_samples=n)
        if wa == 0:
            return replace(other, n_samples=n)
        total = wa + wb
        with np.errstate(all="ignore"):  # non-finite input is reported by the caller
            delta = _difference(other, self)
            mean, low = two_sum(self.mean, self.low() + delta * (wb / total))
            cross = self.cross + other.cross + np.outer(delta, delta) * (wa * wb / total)
        scale, scaled = _combine_scaled(self, other, delta, wa * wb / total, 1.0)
        return Moments(n, total, mean, cross, self.n_features, low, scale, scaled)

    def __add__(self, other: Moments) -> Moments:
        return self.merge(other)

    def subtract(self, part: Moments) -> Moments:
        """Moments of these rows minus a subset of them (e.g. total minus one CV fold)."""
        w = self.weight_sum - part.weight_sum
        n = self.n_samples - part.n_samples
        if w <= 0:
            return Moments.empty(self.n_features, self.n_targets)
        # rest mean = total mean + (W_part / w) (total mean - part mean), from the
        # accurate difference of the means (not W m - W_p m_p, which cancels offsets)
        with np.errstate(all="ignore"):
            apart = _difference(self, part)
            mean, low = two_sum(self.mean, self.low() + apart * (part.weight_sum / w))
            delta = -apart * (self.weight_sum / w)  # part mean - rest mean
            cross = (
                self.cross
                - part.cross
                - np.outer(delta, delta) * (w * part.weight_sum / self.weight_sum)
            )
        scale, scaled = _combine_scaled(
            self, part, delta, -w * part.weight_sum / self.weight_sum, -1.0
        )
        return Moments(n, w, mean, cross, self.n_features, low, scale, scaled)


#: Sums of squares below this (or above its inverse) are kept scaled as well.
TINY_SQUARES = 1e-280


def _power_of_two(x) -> np.ndarray:
    """``x`` rounded down to a power of two (1 where it is 0 or not finite)."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x) & (x > 0)
    _, e = np.frexp(np.where(ok, x, 1.0))
    return np.where(ok, np.ldexp(1.0, e - 1), 1.0)


def _scaled_chunk_cross(Z, s, weight_sum):
    """``(scale, cross / (scale scale'))`` of a shifted, weight-scaled chunk ``Z`` with
    column sums ``s``, or ``(None, None)`` when every column's squares are safely
    inside the float64 range."""
    with np.errstate(all="ignore"):
        top = np.max(np.abs(Z), axis=0, initial=0.0)
        extreme = (top > 0) & ((top * top < TINY_SQUARES) | (top > 1 / np.sqrt(TINY_SQUARES)))
    if not np.any(extreme & np.isfinite(top)):
        return None, None
    scale = _power_of_two(top)
    with np.errstate(all="ignore"):
        Zs = Z / scale
        scaled = Zs.T @ Zs
        if weight_sum > 0:
            ss = s / scale
            scaled -= np.outer(ss, ss / weight_sum)
    return scale, scaled


def _combine_scaled(a: Moments, b: Moments, delta, factor, sign):
    """The scaled cross-products of a merge (``sign`` 1) or a subtraction (-1):
    ``a + sign b + factor delta delta'`` on a common scale (the larger power of two of
    each column; rescaling by powers of two is exact)."""
    if a.scale is None and b.scale is None:
        return None, None
    (ca, sa), (cb, sb) = a.scaled_cross(), b.scaled_cross()
    scale = np.maximum(sa, sb)
    with np.errstate(all="ignore"):
        ra, rb, d = sa / scale, sb / scale, delta / scale
        scaled = ca * np.outer(ra, ra) + sign * cb * np.outer(rb, rb) + factor * np.outer(d, d)
    return scale, scaled


def two_sum(a, b):
    """``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly (Knuth's TwoSum)."""
    a = np.asarray(a, dtype=np.float64)
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _difference(a: Moments, b: Moments) -> np.ndarray:
    """``mean(a) - mean(b)`` to about eps times the spread: the rounded means' difference
    with its rounding error and both ``mean_low`` parts."""
    d, e = two_sum(a.mean, -b.mean)
    return d + (e + (a.low() - b.low()))


def _weighted_mean(X, Y, w) -> np.ndarray | None:
    """Weighted means of the columns of ``[X, Y]`` in float64 (None if the weights
    vanish or the means are not finite: the caller then falls back to its guess).

    From :func:`linreg.centring.weighted_mean` (shifted by the heaviest row) without
    its correction pass: :meth:`Moments.of_chunk` corrects for the shift itself."""
    total = float(w.sum())
    if not total > 0 or not np.isfinite(total):
        return None
    mean = np.concatenate([weighted_mean(X, w, correct=False), weighted_mean(Y, w, correct=False)])
    return mean if np.isfinite(mean).all() else None
