"""Minimum-norm least squares, and ridge by the SVD.

**Least squares** (``alpha = 0``).  The answer is the *minimum-norm solution in the
user's units*: among all ``(coef, intercept)`` minimizing
``sum_i w_i (y_i - intercept - x_i' coef)^2``, the one with the smallest ``||coef||_2``,
the intercept unpenalized (so ``intercept = y_bar - x_bar' coef`` with weighted means).
It is what ``numpy.linalg.lstsq`` / ``pinv`` and scikit-learn return on the centred,
weighted data, and what the RankDeficientWarning promises.

It is computed without truncating anything in the user's units (which would zero
small-scale columns):

1. The rank decision of :mod:`linreg.solvers.aliasing` on the QR factor of the
   equilibrated design names the aliased columns ``L``; the others, ``K``, have full
   rank by that rule.
2. One SVD solve (LAPACK ``gelsd``, nothing truncated but exact zeros) of the
   equilibrated kept columns gives the *basic* solution (aliased coefficients 0, the
   answer R's ``lm`` reports with ``NA`` for them) and expresses each aliased column
   through the kept ones, which gives a basis ``N`` of the null space in user units.
3. The minimum-norm solution is the basic one minus its projection on ``N``:
   ``coef = b - N N^+ b``.

On an exactly rank-deficient design this is the exact minimum-norm solution up to
``kappa(A_K) * eps``; on a design the rule calls aliased but is not exactly so it is
the minimum-norm solution of the nearby design in which each aliased column is
replaced by its projection on the kept ones.

**Ridge** (``alpha > 0``, one alpha).  With more columns than rows, the SVD of the
centred design in user units, ``coef = V diag(s / (s^2 + alpha)) U' y`` (scikit-learn's
``svd`` solver, exact as ``alpha -> 0`` where the augmented system would have condition
number ``s_max / sqrt(alpha)``); otherwise the equilibrated augmented system
``[A D^-1; sqrt(alpha) D^-1]`` by ``gelsd`` without truncation.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..solution import Solution
from .aliasing import aliased_from_r, rank_deficient
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem

NAME = "svd"
NEEDS_DATA = True


def solve(problem: LeastSquaresProblem, aliased=None) -> Solution:
    """Minimum-norm solution (ridge when penalized); ``aliased`` names the dependent
    columns (indices into all features) when the caller has made the rank decision."""
    if problem.penalized:
        return _ridge(problem)
    A, B, scale, active, x_mean, y_mean = problem.design(dtype=np.float64)
    if aliased is None:
        R = sla.qr(A, mode="r", check_finite=False)[0][: min(A.shape)]
        aliased = rank_deficient(problem, R, active)
        aliased = () if aliased is None else aliased
    dropped = np.zeros(problem.n_features, dtype=bool)
    dropped[list(aliased)] = True
    dropped |= ~active
    keep = ~dropped[active]  # over the active columns
    coef, sv, estimate = minimum_norm(A, B, scale[active], keep, problem.column_uncertainty(active))
    beta = coef * scale[active, None]  # equilibrated coordinates, as to_user_units takes
    coef, intercept = problem.to_user_units(beta, scale, active, x_mean, y_mean)
    rank = int(keep.sum())
    kappa = float(sv[0] / sv[-1]) if sv.size and sv[-1] > 0 else 1.0
    error = max(kappa * EPS * np.sqrt(rank + 1), estimate)
    status, message = _status(error, kappa)
    if status == "ok" and rank < problem.n_features:
        status = "rank_deficient"
        message = f"rank {rank} < {problem.n_features} features: minimum-norm solution"
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=rank,
        aliased=tuple(int(i) for i in np.flatnonzero(dropped)),
        condition_number=kappa,
        error_estimate=error,
        status=status,
        message=message,
    )


#: Above this estimated relative error the answer comes with an AccuracyWarning.


def _status(error: float, kappa: float):
    """("ok", "") or ("inaccurate", what the figure means)."""
    if error <= TARGET_ACCURACY:
        return "ok", ""
    return "inaccurate", (
        f"solver 'svd': the coefficients are only accurate to about {error:.1e} relative "
        f"(condition number {kappa:.2e} of the equilibrated design)"
    )


def minimum_norm(A, B, scale, keep, u):
    """Minimum-norm solution in user units of ``A D^-1 coef = B``.

    Parameters
    ----------
    A : ndarray of shape (n, q)
        Equilibrated design (unit-norm columns).
    B : ndarray of shape (n, t)
    scale : ndarray of shape (q,)
        Column norms ``D`` (user units are ``coef = beta / scale``).
    keep : boolean ndarray of shape (q,)
        Columns kept by the rank decision; the others are aliased.
    u : ndarray of shape (q,)
        The columns' uncertainties (:func:`linreg.solvers.aliasing.column_uncertainty`).

    Returns
    -------
    coef : ndarray of shape (q, t), in user units.
    sv : singular values of the kept equilibrated columns.
    estimate : float
        Estimated normwise relative error of ``coef`` (user units).
    """
    best = None
    for basis in (keep, _basis_by_scale(A, scale, keep, u)):
        coef, sv, estimate = _from_basis(A, B, scale, basis, u)
        if best is None or estimate < best[2]:
            best = (coef, sv, estimate)
        if keep.all() or basis is keep and estimate < 1e-12:
            break
    return best


def _from_basis(A, B, scale, keep, u):
    """The minimum-norm solution from the basic one on the columns ``keep``, its
    singular values, and an estimate of its normwise relative error in user units:
    the basic solution's error (``kappa * eps * ||beta||`` in equilibrated coordinates,
    divided by the smallest kept scale) plus the cancellation in the projection."""
    kept, alias = np.flatnonzero(keep), np.flatnonzero(~keep)
    rhs = np.hstack([B, A[:, alias]])
    if kept.size:
        sol, _, _, sv = sla.lstsq(
            A[:, kept], rhs, cond=0.0, lapack_driver="gelsd", check_finite=False
        )
    else:
        sol, sv = np.zeros((0, rhs.shape[1])), np.zeros(0)
    t = B.shape[1]
    basic = np.zeros((A.shape[1], t))
    basic[kept] = sol[:, :t] / scale[kept, None]  # the basic solution, in user units
    kappa = float(sv[0] / sv[-1]) if sv.size and sv[-1] > 0 else 1.0
    coef, projection = project_out_null(basic, sol[:, t:], scale, kept, alias, kappa, u)
    with np.errstate(all="ignore"):
        size = np.linalg.norm(coef, axis=0)
        spread = kappa * np.linalg.norm(sol[:, :t], axis=0) / scale[kept].min(initial=np.inf)
        estimate = (EPS * (spread + np.linalg.norm(basic, axis=0)) + projection) / size
    estimate = float(np.nan_to_num(estimate, nan=0.0, posinf=np.inf).max(initial=0.0))
    return coef, sv, estimate


def _basis_by_scale(A, scale, keep, u):
    """Kept columns for computing the minimum-norm solution: the same rank rule with the
    columns taken by decreasing scale, so the basic solution already puts the weight on
    the columns the minimum-norm solution favours (a column of large scale needs a small
    coefficient) and the projection below corrects it without cancellation.  Falls back
    to ``keep`` (the in-order decision, which names the aliased columns) if the two
    disagree on the rank."""
    if keep.all():
        return keep
    order = np.argsort(-scale, kind="stable")
    R = sla.qr(A[:, order], mode="r", check_finite=False)[0][: min(A.shape)]
    aliased = order[aliased_from_r(R, np.asarray(u)[order])]
    if aliased.size != np.count_nonzero(~keep):
        return keep
    other = np.ones_like(keep)
    other[aliased] = False
    return other


def project_out_null(coef, gamma, scale, kept, alias, kappa, u):
    """The minimum-norm solution from a basic one (user units, aliased entries 0).

    ``gamma`` (kept x aliased) expresses each aliased equilibrated column through the
    kept ones; the solutions differ from ``coef`` by the null space it spans, and the
    one of least norm is ``coef`` minus its orthogonal projection on that space.

    Entries of ``gamma`` within their uncertainty, ``kappa * (u_l + sum_k |gamma_kl|
    u_k)`` (the aliased column's distance to the span, amplified by the kept columns'
    condition number ``kappa``), are set to zero: they are rounding, and in user units
    ``gamma_kl / d_k`` would turn rounding on a column of small scale ``d_k`` into a
    spurious null direction along it.  An exact dependency keeps exactly its terms.

    Returns the solution and an estimate of the absolute (2-norm) error the projection
    adds: ``eps * kappa(N) * ||N t||``.
    """
    if not len(alias):
        return coef, 0.0
    u = np.asarray(u, dtype=np.float64)
    noise = kappa * (u[alias] + u[kept] @ np.abs(gamma))
    gamma = np.where(np.abs(gamma) > noise[None, :], gamma, 0.0)
    null = _null_basis(gamma, scale, kept, alias)
    # coef - N N^+ coef through the small least-squares problem N t = coef, not through
    # an orthonormal basis: an entry of N of tiny magnitude (a column of large scale
    # next to one of small scale) is exact in N but only normwise accurate in Q.
    # Only the rows where N is non-zero: an orthogonal factorization mixes every row it
    # touches, and a large coefficient outside the null space would spill its rounding
    # (eps * |coef_k|) into the projection.
    # Rows sorted by decreasing size and column pivoting (gelsy): Householder QR is then
    # row-wise backward stable however graded the rows are (Powell & Reid 1969; Cox &
    # Higham 1998), so the small entries of the projection are right too.
    rows = np.flatnonzero(np.any(null != 0, axis=1))
    rows = rows[np.argsort(-np.abs(null[rows]).max(axis=1), kind="stable")]
    t = sla.lstsq(null[rows], coef[rows], cond=0.0, lapack_driver="gelsy", check_finite=False)[0]
    sv = np.linalg.svd(null[rows], compute_uv=False)
    correction = np.zeros_like(coef)
    correction[rows] = null[rows] @ t
    with np.errstate(divide="ignore"):
        kappa_null = sv[0] / sv[-1] if sv[-1] > 0 else np.inf
    return coef - correction, float(EPS * kappa_null * np.linalg.norm(correction))


def _null_basis(gamma, scale, kept, alias):
    """Columns ``D^-1 (e_l - gamma_l)`` (``A e_l = A_K gamma_l`` in equilibrated
    coordinates), each scaled by a power of two so its largest entry is in [0.5, 1):
    exact scaling, no overflow for column scales up to the float range."""
    q = scale.size
    mant, expo = np.frexp(scale)
    frac = np.zeros((q, alias.size))
    power = np.zeros((q, alias.size), dtype=np.int64)
    f, e = np.frexp(-gamma / mant[kept, None])
    frac[kept], power[kept] = f, e - expo[kept, None]
    f, e = np.frexp(1.0 / mant[alias])
    frac[alias, np.arange(alias.size)] = f
    power[alias, np.arange(alias.size)] = e - expo[alias]
    power = np.where(frac != 0, power, np.iinfo(np.int32).min)
    top = power.max(axis=0)
    shift = np.clip(power - top, -2000, 0)
    return np.ldexp(frac, shift)


def _ridge(problem: LeastSquaresProblem) -> Solution:
    """Ridge with one alpha (module docstring); never truncates."""
    alpha = float(problem.alpha[0])
    A, B, scale, active, x_mean, y_mean = problem.design(dtype=np.float64, augment=False)
    if A.shape[1] > A.shape[0]:
        Au = A * scale[active]  # the penalty alpha ||coef||^2 is isotropic in user units
        U, s, Vt = sla.svd(Au, full_matrices=False, check_finite=False)
        with np.errstate(divide="ignore"):
            d = np.where(s > 0, 1.0 / (s + alpha / s), 0.0)  # s / (s^2 + alpha), no overflow
        beta = (Vt.T @ (d[:, None] * (U.T @ B))) * scale[active, None]
        kappa = float(s[0] / s[-1]) if s.size and s[-1] > 0 else np.inf
        # Backward error eps * s_max in each direction, amplified by at most max(d).
        amplification = float(s[0] * d.max()) if s.size else 1.0
    else:
        q = A.shape[1]
        A = np.vstack([A, np.diag(np.sqrt(alpha) / scale[active])])
        B = np.vstack([B, np.zeros((q, B.shape[1]))])
        beta, _, _, sv = sla.lstsq(A, B, cond=0.0, lapack_driver="gelsd", check_finite=False)
        kappa = amplification = float(sv[0] / sv[-1]) if sv.size and sv[-1] > 0 else np.inf
    coef, intercept = problem.to_user_units(beta, scale, active, x_mean, y_mean)
    error = amplification * EPS * np.sqrt(A.shape[1] + 1)
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=int(active.sum()),
        aliased=tuple(int(i) for i in np.flatnonzero(~active)),
        condition_number=kappa,
        error_estimate=error,
        status=_status(error, kappa)[0],
        message=_status(error, kappa)[1],
    )
