"""The rank decision: which columns are aliased (linear combinations of earlier ones).

One rule for every path (QR, extended, SVD, and the Gram matrix of the out-of-core
``eigh`` path), stated on the *equilibrated* design: the features centred with the
(weighted) mean when there is an intercept, multiplied by ``sqrt(w)``, and scaled to
unit-norm columns ``a_j``.  Each column carries an uncertainty

.. math::

    u_j = \\max(n, p)\\,\\varepsilon + 2\\,\\varepsilon\\,
          \\frac{\\lVert x_j \\rVert}{\\lVert x_j - \\bar x_j \\rVert}

(``eps = 2**-52``; ``||x_j||`` is the weighted norm of the column as given, before
centring, or ``max_i |x_ij| sqrt(W - w_max)`` when that is smaller: rounding each entry
by ``eps |x_ij|`` moves the centred column by no more than either, and the second is
far smaller when one weight dominates, since centring absorbs the heaviest row's).
The first term is the rounding of the factorization, LAPACK's and NumPy's default
``rcond``; the second is the rounding of data whose magnitude is much larger
than its variation (an offset): ``x3 = x1 + x2`` computed in floating point, or a
column equal to another plus a constant, holds exactly only up to ``eps`` times the
raw magnitude, which centring turns into a relative error ``eps * ||x|| / ||x - x_bar||``.

Columns are taken in order (R's ``lm`` and statsmodels' convention, so for
``x3 = x1 + x2`` it is ``x3`` that is named).  Column ``j`` is **aliased** when its
distance to the span of the kept earlier columns ``S`` is within the uncertainty of
that distance:

.. math::

    \\lVert a_j - A_S c \\rVert \\le u_j + \\sum_{k \\in S} |c_k|\\, u_k,
    \\qquad c = \\arg\\min_c \\lVert a_j - A_S c \\rVert .

With ``R`` the triangular factor of ``[A_S, a_j]``, ``(-c, 1) / R_jj`` is the last
column of ``R^-1``, so the test reads ``sum_k u_k |(R^-1)_kj| >= 1``: it is scale
invariant (unit-norm columns), does not depend on which factorization produced ``R``
(QR of the design, or Cholesky of its Gram matrix), and calls an exact dependency
aliased even after centring data with offsets up to ~1e12 relative to their spread.
A column whose centred norm is below ``2 eps`` times its raw norm has ``u_j >= 1``
and is aliased with the intercept.

The Gram matrix (Moments only) carries rounding of order ``eps`` in its entries, so
distances below ``sqrt(eps)`` cannot be resolved from it: the Gram test uses
``max(u_j, sqrt(16 q eps))``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

EPS = np.finfo(np.float64).eps

#: The rounding a column of data may carry, in units of eps times its raw (uncentred)
#: norm: a dependency computed in floating point (``x1 = x0 + c`` rounds each entry by
#: at most eps/2 of its magnitude), with a margin of 4.  The rounding of the mean that
#: centres it needs none: the design is centred twice (:meth:`LeastSquaresProblem.design`).
OFFSET_ROUNDING = 2.0

#: Columns tested per triangular solve.
BLOCK = 64


def column_uncertainty(n_samples, n_features, offset_ratio) -> np.ndarray:
    """``u_j`` of the module docstring from ``offset_ratio = ||x_j|| / ||x_j - x_bar_j||``
    (raw over centred weighted norm; 1 without an intercept, inf for a constant column)."""
    ratio = np.maximum(np.asarray(offset_ratio, dtype=np.float64), 1.0)
    return max(n_samples, n_features) * EPS + OFFSET_ROUNDING * EPS * ratio


def aliased_from_r(R, u) -> np.ndarray:
    """Positions of the aliased columns, from the triangular factor of the equilibrated
    design (any ``m x q`` upper-trapezoidal ``R`` with ``R'R = A'A``, no pivoting).

    Parameters
    ----------
    R : ndarray of shape (m, q)
    u : ndarray of shape (q,)
        Column uncertainties (:func:`column_uncertainty`).

    Returns
    -------
    ndarray of int, increasing.
    """
    R = np.array(R, dtype=np.float64)
    u = np.array(np.broadcast_to(np.asarray(u, dtype=np.float64), (R.shape[1],)))
    columns = list(range(R.shape[1]))
    aliased: list[int] = []
    j = 0
    while j < len(columns):
        if j >= R.shape[0]:  # no rows left: the remaining columns lie in the span
            aliased.extend(columns[j:])
            break
        fail = _first_aliased(R, u, j)
        if fail is None:
            j = min(j + BLOCK, len(columns), R.shape[0])
            continue
        aliased.append(columns.pop(fail))
        u = np.delete(u, fail)
        R = _delete_column(R, fail)
        j = fail
    return np.array(sorted(aliased), dtype=int)


def _first_aliased(R, u, j: int):
    """The first column in ``j .. j + BLOCK`` (of the current R) that fails the test,
    or None; the columns before ``j`` are kept ones."""
    hi = min(j + BLOCK, R.shape[1], R.shape[0])
    diag = np.abs(np.diag(R)[j:hi])
    zero = np.flatnonzero(~(diag > 0))
    stop = j + int(zero[0]) if zero.size else hi
    if stop > j:
        rhs = np.zeros((stop, stop - j))
        rhs[j:stop] = np.eye(stop - j)
        with np.errstate(all="ignore"):
            # Columns j .. stop-1 of R^-1, and the u-weighted 1-norm of each.
            inverse = sla.solve_triangular(R[:stop, :stop], rhs, check_finite=False)
            score = u[:stop] @ np.abs(inverse)
        bad = np.flatnonzero(~(score < 1.0))  # inf and nan count as aliased
        if bad.size:
            return j + int(bad[0])
    return stop if stop < hi else None


def _delete_column(R, k: int):
    """The triangular factor of the design without column ``k`` (Givens update)."""
    m = R.shape[0]
    _, R1 = sla.qr_delete(np.eye(m), R, k, 1, "col", check_finite=False)
    return R1


def aliased_from_gram(g, u) -> np.ndarray:
    """The same test on an equilibrated Gram matrix (unit diagonal), for when only the
    Moments are available, through a Cholesky factor ``R`` (``R'R = G``) of the columns
    it can factor: a column whose Schur complement is not positive is aliased outright
    (distance 0), the others go through :func:`aliased_from_r`.

    ``u`` is raised to ``sqrt(16 q eps)``, the resolution of a Gram matrix.
    """
    q = g.shape[0]
    u = np.maximum(np.broadcast_to(np.asarray(u, dtype=np.float64), (q,)), np.sqrt(16 * q * EPS))
    keep = np.arange(q)
    outright: list[int] = []
    for _ in range(MAX_REFACTORIZATIONS):
        R, info = lapack.dpotrf(g[np.ix_(keep, keep)], lower=0, clean=1)
        if info == 0:
            aliased = keep[aliased_from_r(R, u[keep])] if keep.size else np.zeros(0, int)
            return np.union1d(aliased, outright).astype(int)
        if info < 0:
            break
        outright.append(int(keep[info - 1]))
        keep = np.delete(keep, info - 1)
    return _aliased_from_gram_incremental(g, u)


#: Cholesky restarts before :func:`aliased_from_gram` goes column by column.
MAX_REFACTORIZATIONS = 8


def _aliased_from_gram_incremental(g, u) -> np.ndarray:
    """Column by column (for Gram matrices with many exactly dependent columns)."""
    q = g.shape[0]
    kept: list[int] = []
    L = np.zeros((q, q))
    aliased = []
    for j in range(q):
        k = len(kept)
        Lk = L[:k, :k]
        z = sla.solve_triangular(Lk, g[kept, j], lower=True) if k else np.zeros(0)
        d = g[j, j] - z @ z  # squared distance of a_j to the span of the kept columns
        c = sla.solve_triangular(Lk, z, lower=True, trans="T") if k else np.zeros(0)
        if not np.sqrt(max(d, 0.0)) > u[j] + np.abs(c) @ u[kept]:
            aliased.append(j)
            continue
        L[k, :k] = z
        L[k, k] = np.sqrt(d)
        kept.append(j)
    return np.array(aliased, dtype=int)


def rank_in_doubt(kappa_gram: float, u, gram: bool = False) -> bool:
    """Whether the rule could call a column aliased on a design whose equilibrated Gram
    matrix has condition number (or an upper bound of it) ``kappa_gram``.

    A kept column's distance is at least ``s_min`` and ``|c|_1 <= sqrt(q) / s_min``, with
    ``s_min^2 >= 1 / kappa_gram`` for unit-norm columns, so the rule cannot fire when
    ``kappa_gram * max(u) * (1 + sqrt(q)) < 1``.  ``gram=True`` uses the Gram
    resolution of :func:`aliased_from_gram`.
    """
    u = np.atleast_1d(np.asarray(u, dtype=np.float64))
    if u.size == 0:
        return False
    top = float(u.max())
    if gram:
        top = max(top, float(np.sqrt(16 * u.size * EPS)))
    return not kappa_gram * top * (1.0 + np.sqrt(u.size)) < 1.0


def rank_deficient(problem, R, active) -> np.ndarray | None:
    """Indices (into all features) of aliased columns, or None when R has full rank.

    ``R`` is the triangular factor of the equilibrated design over the ``active``
    columns; the rule is this module's (:func:`aliased_from_r`); ``problem`` is a
    :class:`~linreg.solvers.problem.LeastSquaresProblem`.  A penalized problem has
    full rank by construction.
    """
    if problem.penalized:
        return None
    aliased = aliased_from_r(R, problem.column_uncertainty(active)) if R.shape[1] else ()
    if len(aliased) == 0:  # constant columns alone: the full-rank solve drops them
        return None
    return np.union1d(np.flatnonzero(active)[aliased], np.flatnonzero(~active)).astype(int)


def condition_of_r(R) -> float:
    """The 2-norm condition number of the triangular factor ``R`` (1 when empty, inf
    when singular)."""
    if R.shape[0] == 0:
        return 1.0
    s = np.linalg.svd(R, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else np.inf
