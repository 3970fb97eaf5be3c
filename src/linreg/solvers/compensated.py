"""Error-free transformations: sums and dot products in twice the working precision.

Dekker's and Knuth's TwoSum/TwoProduct return the rounding error of ``a + b`` and
``a * b`` exactly as a second number, so a residual ``b - A x`` accumulated with them
is as accurate as if it had been computed in twice the precision and rounded once
(Ogita, Rump and Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 2005).
Applied to ``numpy.longdouble`` (64-bit mantissa on x86-64) that is ~128 bits, which is
what lets iterative refinement reach the exact solution of the data as given even for
problems with a large residual or a large intercept (NIST Wampler5, Filip).

NumPy has no such routines and no maintained library provides them for longdouble
arrays, so they are written here, vectorized.
"""

from __future__ import annotations

import numpy as np

LD = np.longdouble
# Veltkamp's splitting constant 2^ceil(t/2) + 1 for a t-bit mantissa (t = 64 -> 2^32 + 1).
_SPLITTER = LD(2) ** ((np.finfo(LD).nmant + 2) // 2) + 1


def two_sum(a, b):
    """``s = fl(a + b)`` and the exact error ``e`` with ``a + b = s + e``."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_product(a, b):
    """``p = fl(a * b)`` and the exact error ``e`` with ``a * b = p + e``."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def residual(b, A, x, r=None):
    """``b - A @ x`` (minus ``r`` when given) as if computed in twice the precision.

    ``A`` is (n, q), ``x`` is (q, k), ``b`` and ``r`` are (n, k); all longdouble.
    """
    s = b.copy()
    c = np.zeros_like(s)
    if r is not None:
        s, e = two_sum(s, -r)
        c += e
    for j in range(A.shape[1]):
        p, pe = two_product(A[:, j : j + 1], x[j : j + 1, :])
        s, e = two_sum(s, -p)
        c += e - pe
    return s + c


def _pairwise_sum(s, c):
    """Sum rows of ``s`` (plus their error terms ``c``) with TwoSum at every level;
    returns the unrounded pair ``(sum, error)``."""
    while s.shape[0] > 1:
        if s.shape[0] % 2:
            s = np.concatenate([s, np.zeros_like(s[:1])])
            c = np.concatenate([c, np.zeros_like(c[:1])])
        s, e = two_sum(s[0::2], s[1::2])
        c = c[0::2] + c[1::2] + e
    return s[0], c[0]


def transposed_product_pair(A, r):
    """``A.T @ r`` as an unrounded pair ``(s, c)`` with ``A.T @ r ~= s + c`` to twice
    the precision, so that partial products over chunks of rows can be added exactly
    (:func:`two_sum` on the ``s`` parts, the ``c`` parts added plainly)."""
    shape = (A.shape[1], r.shape[1])
    s_out = np.zeros(shape, dtype=A.dtype)
    c_out = np.zeros(shape, dtype=A.dtype)
    if A.shape[0] == 0:
        return s_out, c_out
    for t in range(r.shape[1]):
        p, e = two_product(A, r[:, t : t + 1])
        s_out[:, t], c_out[:, t] = _pairwise_sum(p, e)
    return s_out, c_out


def transposed_product(A, r):
    """``A.T @ r`` as if computed in twice the precision; ``r`` is (n, k)."""
    s, c = transposed_product_pair(A, r)
    return s + c
