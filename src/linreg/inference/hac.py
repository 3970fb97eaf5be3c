"""Heteroscedasticity and autocorrelation robust (HAC, Newey-West) covariances.

statsmodels' ``cov_hac_simple``: with the scores ``s_t = q_t u_t`` in the coordinates
of ``Q`` (:mod:`.covariance`; ``u_t`` times ``sqrt(w_t)`` for a weighted fit) in the
rows' order, the meat is

    M = w_0 Gamma_0 + sum_{l=1..L} w_l (Gamma_l + Gamma_l'),
    Gamma_l = sum_t s_t s_{t-l}',

with the kernel's weights ``w_l`` (``"bartlett"``: ``1 - l / (L + 1)``, Newey and
West; ``"uniform"``: 1), times ``n / (n - k)`` with ``use_correction=True``.

It is one pass over the rows as an ordered monoid (:class:`HacPart`): a chunk gives
its within-chunk sum and its first and last ``L`` scores; adding a left and a right
part adds the lag products between the left's tail and the right's head.  The
operation is associative, so in-memory chunks, the batches of a scan (file order) and
Dask partitions combined in a tree of adjacent merges give the same M (up to
rounding).  Rows of weight zero are left out of the sequence (statsmodels' WLS on the
rows of positive weight).
"""

from __future__ import annotations

import numpy as np

from .chunks import chunk_sum
from .covariance import sandwich, score_rows

__all__ = ["HacPart", "KERNELS", "hac_covariance", "kernel_weights"]


def weights_bartlett(nlags: int) -> np.ndarray:
    """Bartlett (Newey-West) weights ``1 - l / (L + 1)``, ``l = 0..L`` (statsmodels')."""
    return 1 - np.arange(nlags + 1) / (nlags + 1.0)


def weights_uniform(nlags: int) -> np.ndarray:
    """Uniform (truncated) weights, all 1 (statsmodels' ``weights_uniform``)."""
    return np.ones(nlags + 1)


#: Kernels by name, as statsmodels' ``kernel_dict``.
KERNELS = {"bartlett": weights_bartlett, "uniform": weights_uniform}


def kernel_weights(kernel, maxlags) -> tuple[np.ndarray, str]:
    """``(weights, name)``: the kernel's weights for lags ``0..maxlags`` (a name of
    :data:`KERNELS` or a callable ``f(maxlags)`` as statsmodels' ``weights_func``)."""
    if isinstance(maxlags, bool) or not isinstance(maxlags, (int, np.integer)) or maxlags < 0:
        raise ValueError(f"maxlags must be a non-negative integer, got {maxlags!r}")
    maxlags = int(maxlags)
    if callable(kernel):
        weights = np.asarray(kernel(maxlags), dtype=np.float64).reshape(-1)
        name = getattr(kernel, "__name__", "custom")
        if name.startswith("weights_"):
            name = name[len("weights_") :]
    elif isinstance(kernel, str) and kernel.lower() in KERNELS:
        name = kernel.lower()
        weights = KERNELS[name](maxlags)
    else:
        raise ValueError(
            f"unknown HAC kernel {kernel!r}; choose one of {', '.join(map(repr, KERNELS))} "
            "or pass a function of maxlags returning maxlags + 1 weights"
        )
    if weights.shape != (maxlags + 1,) or not np.all(np.isfinite(weights)):
        raise ValueError(
            f"the HAC kernel must give maxlags + 1 = {maxlags + 1} finite weights, got "
            f"{weights.shape[0]}"
        )
    return weights, name


class HacPart:
    """The HAC meat of a run of consecutive rows: ``meat`` (their lag products up to
    ``L``), ``head`` and ``tail`` (their first and last ``min(L, n)`` scores) and ``n``
    (rows).  ``left + right`` is the part of the rows of ``left`` followed by those of
    ``right``."""

    def __init__(self, meat, head, tail, n, weights):
        self.meat, self.head, self.tail, self.n = meat, head, tail, n
        self.weights = weights

    @classmethod
    def of(cls, s, weights) -> HacPart:
        """The part of the consecutive score rows ``s`` (m, r)."""
        L = len(weights) - 1
        meat = weights[0] * (s.T @ s)
        for lag in range(1, min(L, len(s) - 1) + 1):
            g = s[lag:].T @ s[:-lag]
            meat += weights[lag] * (g + g.T)
        tail = s[max(0, len(s) - L) :] if L else s[:0]
        return cls(meat, s[:L].copy(), tail.copy(), len(s), weights)

    def __add__(self, other: HacPart) -> HacPart:
        L = len(self.weights) - 1
        meat = self.meat + other.meat + _cross(self.tail, other.head, self.weights)
        head = np.concatenate([self.head, other.head])[:L]
        both = np.concatenate([self.tail, other.tail])
        tail = both[max(0, len(both) - L) :] if L else both[:0]
        return HacPart(meat, head, tail, self.n + other.n, self.weights)


def _cross(a, b, weights) -> np.ndarray:
    """Lag products between the last rows ``a`` of a run and the first rows ``b`` of
    the next: ``sum_l w_l sum (b_j a_i' + a_i b_j')`` over pairs ``l = j + len(a) - i``
    apart, ``1 <= l <= L``."""
    L, ma, mb = len(weights) - 1, len(a), len(b)
    out = np.zeros((a.shape[1], a.shape[1]))
    for lag in range(1, L + 1):
        j0, j1 = max(0, lag - ma), min(mb, lag)
        if j1 <= j0:
            continue
        i0 = ma - lag + j0
        g = b[j0:j1].T @ a[i0 : i0 + (j1 - j0)]
        out += weights[lag] * (g + g.T)
    return out


class _ChunkHac:
    """One chunk's :class:`HacPart` of its scores (a class: Dask pickles it)."""

    threadsafe = True  # a pure function of its chunk (the parts are added in order)

    def __init__(self, scores, weights):
        self.scores, self.weights = scores, weights

    def __call__(self, X, Y, w):
        s, _ = self.scores.scores(X, Y, w)
        return HacPart.of(s, self.weights)


def hac_covariance(
    problem, coef, aliased, y_scale, weights, *, nobs, rank, use_correction=False
):
    """The HAC :class:`~linreg.inference.covariance.CentredCovariance`
    (``y_scale^2 C M C'``) for the kernel ``weights`` (lags ``0..L``), the rows in
    the data's order."""
    scores, rows, error, cause = score_rows(problem, coef, aliased, y_scale, orthogonal=True)
    part = chunk_sum(problem, _ChunkHac(scores, np.asarray(weights, dtype=np.float64)))
    meat = part.meat
    if use_correction:
        meat = meat * (nobs / (nobs - rank) if nobs - rank > 0 else np.nan)
    # Bartlett's weights keep M positive semidefinite, others need not.
    return sandwich(rows, meat, y_scale, error, cause, signed=True)
