"""The bound on the coefficients from the residual of the demeaning.

Let ``A~`` be the exactly demeaned design (the columns of X projected, in the weighted
inner product, onto the complement of the absorbed effects' span) and ``y~`` the
demeaned target; the fixed-effects coefficients are ``b = (A~'WA~)^-1 A~'Wy~``.  The
demeaning computes ``A_k = A~ + E`` and ``y_k = y~ + e`` where ``E`` and ``e`` lie in
the effects' span (every step subtracts per-level constants), hence are W-orthogonal
to ``A~`` and ``y~``.  So the least-squares coefficients of the computed columns obey
exactly::

    (A~'WA~ + E'WE) b_k = A~'Wy~ + E'We        =>   A~'WA~ (b_k - b) = E'We - E'WE b_k

and the coefficient error is *second order* in the demeaning error::

    ||D (b_k - b)|| <= ||E D^-1||_F (||e|| + ||E D^-1||_F ||D b_k||) / lambda_min

in the column scaling ``D = diag(||a_k,j||)`` (``lambda_min`` the smallest eigenvalue
of the scaled ``A~'WA~``, bounded below by that of the computed Gram minus
``||E D^-1||_F^2``).  The norms of ``E`` and ``e`` are bounded from the per-level sums
of the computed columns by :mod:`linreg.fixed_effects.effects` (their spectral gap).
Rounding in forming ``A_k`` is a separate, first-order term: it is estimated, not
bounded, and reported apart.
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float64).eps)


def demeaning_error_bounds(gradients, level_weights, eigenvalue: float) -> np.ndarray:
    """Bounds on the W-norm of the demeaning error of each column.

    Parameters
    ----------
    gradients : list of ndarray of shape (G_q, m)
        Per-level sums ``D_q'W v_k`` of the computed (demeaned) columns, one per factor.
    level_weights : list of ndarray of shape (G_q,)
        The level weight sums ``n_q``.
    eigenvalue : float
        A lower bound on the smallest nonzero eigenvalue of the normalized
        ``diag(n)^-1/2 D'WD diag(n)^-1/2``; 0 when none is known.

    Returns
    -------
    ndarray of shape (m,)
        ``||E_j||_W <= sqrt(sum_levels g^2 / n / eigenvalue)``; infinite when the
        eigenvalue is not positive (and the gradient is not exactly zero).
    """
    total = 0.0
    for g, n in zip(gradients, level_weights):
        with np.errstate(divide="ignore", invalid="ignore"):
            part = np.where(n[:, None] > 0, g * g / n[:, None], 0.0)
        total = total + part.sum(axis=0)
    total = np.asarray(total, dtype=np.float64)
    if eigenvalue > 0:
        return np.sqrt(total / eigenvalue)
    return np.where(total > 0, np.inf, 0.0)


def coefficient_bound(gram, coef, x_error, y_error) -> float:
    """A bound on the relative error of the coefficients, from the demeaning errors.

    Parameters
    ----------
    gram : ndarray of shape (p, p)
        ``A_k'WA_k``, the weighted Gram matrix of the computed demeaned design.
    coef : ndarray of shape (m, p)
        The coefficients fitted on the computed columns (one row per target).
    x_error : ndarray of shape (p,)
        Bounds on ``||E_j||_W`` per column of the design.
    y_error : ndarray of shape (m,)
        Bounds on ``||e||_W`` per target.

    Returns
    -------
    float
        The largest over targets of ``||D (b_k - b)|| / ||D b_k||`` (the relative error
        in the scaled coordinates); 0 for an empty design; infinite when nothing can be
        bounded (a design that is not of full rank after the bound's perturbation).
    """
    p = gram.shape[0]
    if p == 0:
        return 0.0
    scale = np.sqrt(np.maximum(np.diag(gram), 0.0))
    live = scale > 0
    if not live.any():
        return 0.0
    s = scale[live]
    scaled = gram[np.ix_(live, live)] / s[:, None] / s[None, :]
    E = float(np.sqrt(np.sum((x_error[live] / s) ** 2)))
    lam = float(np.linalg.eigvalsh(scaled)[0]) - E * E - 64 * EPS * len(s)
    if not lam > 0:
        return np.inf
    worst = 0.0
    for b, e in zip(np.atleast_2d(coef), np.atleast_1d(y_error)):
        sb = np.abs(b[live]) * s
        norm_b = float(np.sqrt(np.sum(sb * sb)))
        bound = E * (float(e) + E * norm_b) / lam
        if bound == 0.0:
            continue
        worst = max(worst, bound / norm_b if norm_b > 0 else np.inf)
    return worst


def rounding_estimate(original_norms, demeaned_norms, gram) -> float:
    """An estimate (not a bound) of the coefficients' relative error from rounding.

    Demeaning a column ``x`` to ``x~`` commits rounding errors of about ``eps ||x||``
    in every entry, which are not in the effects' span: relative to ``||x~||`` they are
    ``eps ||x|| / ||x~||``, amplified by the scaled design's condition number.  Large
    when a regressor is almost absorbed by the effects.
    """
    p = gram.shape[0]
    if p == 0:
        return 0.0
    live = (demeaned_norms > 0) & (np.diag(gram) > 0)
    if not live.any():
        return 0.0
    s = np.sqrt(np.diag(gram)[live])
    scaled = gram[np.ix_(live, live)] / s[:, None] / s[None, :]
    eig = np.linalg.eigvalsh(scaled)
    kappa = np.sqrt(eig[-1] / eig[0]) if eig[0] > 0 else np.inf
    ratio = float(np.max(original_norms[live] / demeaned_norms[live]))
    return 16 * EPS * ratio * kappa


def residual_bound(cross, coef, live, x_error, y_error) -> float:
    """A bound on the relative error of the residuals (hence of the standard errors),
    from the demeaning errors: first order, unlike the coefficients'.

    With ``r = y~ - A~ b`` and the computed ``r_k = y_k - A_k b_k``, to first order
    ``||r_k - r|| <= ||e|| + sum_j ||E_j|| |b_j|``; relative to ``||r_k||`` (or to 1e-8 of the
    demeaned target's norm when the fit is exact: its residuals are rounding).

    Parameters
    ----------
    cross : ndarray of shape (p + m, p + m)
        The uncentred weighted cross products of the computed ``[A_k, y_k]``.
    coef : ndarray of shape (m, n_live)
        The coefficients of the live regressors.
    live : ndarray of bool of shape (p,)
    x_error, y_error : ndarray of shape (n_live,), (m,)
        Bounds on the W-norms of the demeaning errors.
    """
    p = live.shape[0]
    x_error = np.asarray(x_error, dtype=np.float64)
    worst = 0.0
    for j, (b, e) in enumerate(zip(np.atleast_2d(coef), np.atleast_1d(y_error))):
        yy = float(cross[p + j, p + j])
        rhs = cross[:p, p + j][live]
        rss = max(yy - float(b @ rhs), 0.0)
        scale = max(np.sqrt(rss), 1e-8 * np.sqrt(max(yy, 0.0)))
        # ||E b|| <= sum_j ||E_j|| |b_j| (column by column: a large error in a column
        # of small coefficient is not multiplied by another column's large coefficient)
        error = float(e) + float(x_error @ np.abs(b))
        if error == 0.0:
            continue
        worst = max(worst, error / scale if scale > 0 else np.inf)
    return worst


def residual_floor(cross, coef, live, target_norms, p) -> float:
    """The rounding floor of the residuals relative to their norm: forming a demeaned
    value commits about eps times the magnitude of what it is formed from (the target
    minus its mean, whose norm is ``target_norms``), which no refinement removes."""
    worst = 0.0
    for j, b in enumerate(np.atleast_2d(coef)):
        yy = float(cross[p + j, p + j])
        rss = max(yy - float(b @ cross[:p, p + j][live]), 0.0)
        if rss > 0:
            worst = max(worst, 2 * EPS * float(target_norms[j]) / np.sqrt(rss))
    return worst
