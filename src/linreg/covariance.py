"""The pieces of a coefficient covariance: residual sum of squares, bread, meat.

All in the parametrization of the user: ``theta = (intercept, coef over the kept
columns)`` with the intercept first when fitted.  Computed in centred coordinates
``theta' = (intercept + mean'coef, coef)``, where the cross-product matrix is block
diagonal (``W`` and the centred ``S = X'WX``), and mapped back with the unit
triangular ``T^-1 = [[1, -mean'], [0, I]]``, so that no offset in the data cancels.

Where the design is small and in memory, the bread ``(X'WX)^-1`` and the residuals come
from the extended-precision machinery of :mod:`linreg.solvers.extended` (certified
NIST standard errors need that: Filip's Gram matrix has condition number ~1e19);
otherwise from the Moments' Cholesky factor and one chunked pass over the data.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve

from .solvers import LeastSquaresProblem, extended
from .solvers.auto import EXTENDED_MAX_ENTRIES
from .sources.base import chunk_sum, has_chunks

#: Robust covariance types (White's HC0 and MacKinnon and White's HC1-HC3).
HC_TYPES = ("HC0", "HC1", "HC2", "HC3")


class _ChunkRSS:
    """Weighted residual sum of squares of one chunk, per target (picklable for Dask)."""

    def __init__(self, coef, x_shift, y_shift, offset):
        self.coef, self.x_shift, self.y_shift, self.offset = coef, x_shift, y_shift, offset

    def __call__(self, X, Y, w):
        r = (Y - self.y_shift) - (X - self.x_shift) @ self.coef.T - self.offset
        return (r * r).T @ (np.ones(r.shape[0]) if w is None else w)


class _ChunkMeat:
    """HC meat of one chunk in centred coordinates, shape (k, q, q) (see hc_meat)."""

    def __init__(self, coef, x_shift, y_shift, offset, keep, fit_intercept, bread, kind):
        self.coef, self.x_shift, self.y_shift, self.offset = coef, x_shift, y_shift, offset
        self.keep, self.fit_intercept, self.bread, self.kind = keep, fit_intercept, bread, kind

    def __call__(self, X, Y, w):
        xc = X - self.x_shift
        u = (Y - self.y_shift) - xc @ self.coef.T - self.offset
        z = xc[:, self.keep]
        if self.fit_intercept:
            z = np.column_stack([np.ones(z.shape[0]), z])
        if w is not None:
            sw = np.sqrt(w)
            z = z * sw[:, None]
            u = u * sw[:, None]
        if self.kind in ("HC2", "HC3"):
            h = np.einsum("ij,jk,ik->i", z, self.bread, z)
            u = u / (1.0 - h)[:, None] ** (0.5 if self.kind == "HC2" else 1.0)
        q = z.shape[1]
        meat = np.zeros((u.shape[1], q, q))
        for j in range(u.shape[1]):
            zu = z * u[:, j : j + 1]
            meat[j] = zu.T @ zu
        return meat


def _kept(problem: LeastSquaresProblem, aliased) -> np.ndarray:
    keep = np.ones(problem.n_features, dtype=bool)
    keep[list(aliased)] = False
    return keep


def _uses_extended(problem: LeastSquaresProblem) -> bool:
    return problem.has_data and problem.n_samples * problem.n_features <= EXTENDED_MAX_ENTRIES


def _theta_transform(problem, keep) -> np.ndarray:
    """``T^-1`` mapping centred-coordinate parameters to (intercept, coef)."""
    q = int(keep.sum())
    if not problem.fit_intercept:
        return np.eye(q)
    t = np.eye(q + 1)
    t[0, 1:] = -problem.get_moments().x_mean[keep]
    return t


def residual_sum_of_squares(problem: LeastSquaresProblem, coef, intercept) -> np.ndarray:
    """Weighted residual sum of squares per target, as exactly as the data allows.

    From the data (a chunked pass; compensated extended precision for small
    problems) when it is in memory, else from the Moments:
    ``S_yy - 2 b'S_xy + b'S_xx b``, which cancels when R^2 is close to 1.
    """
    coef = np.atleast_2d(coef)
    if _uses_extended(problem):
        return extended.residual_sum_of_squares(problem, coef, intercept)
    if has_chunks(problem):
        m = problem.get_moments()
        x_shift = m.x_mean if problem.fit_intercept else np.zeros(problem.n_features)
        y_shift = m.y_mean if problem.fit_intercept else np.zeros(problem.n_targets)
        offset = (intercept - (y_shift - coef @ x_shift)) if problem.fit_intercept else 0.0
        return chunk_sum(problem, _ChunkRSS(coef, x_shift, y_shift, offset))
    m = problem.get_moments()
    cross = m.cross if problem.fit_intercept else m.uncentred()
    p = m.n_features
    sxx, sxy, syy = cross[:p, :p], cross[:p, p:], cross[p:, p:]
    rss = (
        np.diag(syy)
        - 2 * np.einsum("kj,jk->k", coef, sxy)
        + np.einsum("kj,jl,kl->k", coef, sxx, coef)
    )
    return np.maximum(rss, 0.0)


def bread(problem: LeastSquaresProblem, aliased=()) -> np.ndarray:
    """``(X'WX + penalty)^-1`` over (intercept, kept columns), in the user's units."""
    keep = _kept(problem, aliased)
    if _uses_extended(problem) and not problem.penalized:
        return extended.gram_inverse(problem, keep)
    t = _theta_transform(problem, keep)
    return t @ _centred_bread(problem, keep) @ t.T


#: Equilibrated centred Gram matrices better conditioned than this give robust
#: covariances from their Cholesky factor (error ~kappa eps <= 1e-10).
BREAD_MAX_KAPPA = 1e6


def _ill_conditioned(problem: LeastSquaresProblem, keep) -> bool:
    m = problem.get_moments()
    s = m.xtx[np.ix_(keep, keep)] if problem.fit_intercept else m.uncentred()[np.ix_(keep, keep)]
    d = np.sqrt(np.diag(s))
    if not np.all(d > 0):
        return True
    return bool(np.linalg.cond(s / np.outer(d, d)) > BREAD_MAX_KAPPA)


def _centred_bread(problem: LeastSquaresProblem, keep) -> np.ndarray:
    """The bread in centred coordinates, ``diag(1/W, (S_c + penalty)^-1)`` (just the
    second block without an intercept), from the Moments' Cholesky factor."""
    m = problem.get_moments()
    s = m.xtx[np.ix_(keep, keep)] if problem.fit_intercept else m.uncentred()[np.ix_(keep, keep)]
    d = np.sqrt(np.diag(s))
    g = s / np.outer(d, d) + np.diag(problem.alpha[0] / d**2)
    factor = np.linalg.cholesky(g)
    s_inv = cho_solve((factor, True), np.eye(len(d))) / np.outer(d, d)
    if not problem.fit_intercept:
        return s_inv
    q = len(d)
    centred = np.zeros((q + 1, q + 1))
    centred[0, 0] = 1.0 / m.weight_sum
    centred[1:, 1:] = s_inv
    return centred


def penalized_sandwich(problem: LeastSquaresProblem, aliased=()) -> np.ndarray:
    """``B S B`` with ``B = (S + alpha I)^-1``: the unscaled covariance of the ridge
    estimator given alpha (it is biased; the covariance is around its expectation).

    Formed in centred coordinates and mapped to (intercept, coef) once: the product of
    the user-coordinate matrices cancels when a column's mean dwarfs its spread.
    """
    keep = _kept(problem, aliased)
    m = problem.get_moments()
    centred_bread = _centred_bread(problem, keep)
    if problem.fit_intercept:
        q = int(keep.sum())
        centred = np.zeros((q + 1, q + 1))
        centred[0, 0] = m.weight_sum
        centred[1:, 1:] = m.xtx[np.ix_(keep, keep)]
    else:
        centred = m.uncentred()[np.ix_(keep, keep)]
    t = _theta_transform(problem, keep)
    return t @ (centred_bread @ centred @ centred_bread) @ t.T


def hc_meat(
    problem: LeastSquaresProblem,
    coef,
    intercept,
    bread_matrix,
    kind: str,
    aliased=(),
    centred=False,
):
    """``sum_i u_i^2 x_i x_i'`` with ``x_i = sqrt(w_i) (1, x_i)`` and ``u_i`` the weighted
    residual, scaled per ``kind`` (HC0: as is; HC1: n/df_resid outside; HC2: /(1-h_ii);
    HC3: /(1-h_ii)^2), accumulated over chunks in centred coordinates.

    Returns the meat for (intercept, kept coef) for every target: shape (k, q, q);
    with ``centred=True``, ``(meat, bread, t)`` in centred coordinates instead.
    """
    if not has_chunks(problem):
        raise ValueError(
            f"cov_type={kind!r} needs a second pass over the data, which this model no "
            "longer holds; pass X, y (and sample_weight) to summary()"
        )
    keep = _kept(problem, aliased)
    m = problem.get_moments()
    coef = np.atleast_2d(coef)
    x_shift = m.x_mean if problem.fit_intercept else np.zeros(problem.n_features)
    y_shift = m.y_mean if problem.fit_intercept else np.zeros(problem.n_targets)
    offset = (intercept - (y_shift - coef @ x_shift)) if problem.fit_intercept else 0.0
    t = _theta_transform(problem, keep)
    if _uses_extended(problem) and not problem.penalized and _ill_conditioned(problem, keep):
        # Collinear small problems: the extended-precision inverse, mapped to centred
        # coordinates (the map costs ~(mean/spread)^2 eps, the Cholesky ~kappa eps).
        centred_bread = np.linalg.solve(t, np.linalg.solve(t, bread_matrix.T).T)  # T b T'
    else:
        # Directly, not back from user coordinates: with a column's mean 1e4 times its
        # spread, that round trip would cost the leverages ~(1e4)^2 eps.
        centred_bread = _centred_bread(problem, keep)
    chunk_meat = _ChunkMeat(
        coef, x_shift, y_shift, offset, keep, problem.fit_intercept, centred_bread, kind
    )
    meat = chunk_sum(problem, chunk_meat)
    if centred:
        return meat, centred_bread, t
    # Rows are x = T' z in user coordinates, so the meat there is T' M T, T = t^-1.
    T = np.linalg.inv(t)
    return np.einsum("ba,kbc,cd->kad", T, meat, T)


def hc_covariance(problem: LeastSquaresProblem, coef, intercept, kind: str, aliased=()):
    """Robust covariance of (intercept, kept coef) for one target, ``B M B``.

    Formed in centred coordinates, ``t (B_c M_c B_c) t'``: the product in the user's
    coordinates would cancel when a column's mean is large against its spread.
    """
    b = bread(problem, aliased)
    meat, centred_bread, t = hc_meat(problem, coef, intercept, b, kind, aliased, centred=True)
    cov_c = centred_bread @ meat[0] @ centred_bread
    return t @ cov_c @ t.T
