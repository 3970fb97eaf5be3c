"""Cholesky on the equilibrated Gram matrix: the fast path.

Solves ``(D^-1 X'WX D^-1 + alpha D^-2) beta = D^-1 X'WY`` from the Moments alone, so it
runs on data of any size after one pass.  Its forward error grows like
``kappa(G) * eps`` (the square of the design's condition number), which LAPACK's
``dpocon`` estimates in O(p^2); :mod:`linreg.solvers.auto` uses that estimate to decide
whether the answer can be vouched for or must be refined or recomputed.

:func:`refine` applies corrected semi-normal equations when X is in memory: each step
computes the residual from X in chunks and solves for a correction with the same
Cholesky factor.  The residual's rounding is amplified only by ``kappa(X)`` (through
``X^+``), not by ``kappa(X)^2``, so a step or two brings the error to the level of a
QR or SVD solve whenever ``kappa(G) * eps`` is small (Bjorck, Numerical Methods for
Least Squares Problems, 2.5.4).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from ..solution import Solution
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem

NAME = "cholesky"
NEEDS_DATA = False

#: Up to this many features the condition number is computed exactly (eigvalsh).
EXACT_CONDITION_MAX_FEATURES = 500


class NotPositiveDefinite(np.linalg.LinAlgError):
    """The equilibrated Gram matrix is singular to working precision."""


class CholeskyFactor:
    """A factorized equilibrated normal-equation system of one problem (one alpha)."""

    def __init__(self, problem: LeastSquaresProblem):
        if not problem.single_alpha:
            raise ValueError("CholeskyFactor needs one alpha for all targets")
        g, b, scale, active = problem.gram()
        alpha = problem.alpha[0]
        if alpha > 0:
            g = g + np.diag(alpha / scale[active] ** 2)
        self.problem = problem
        self.gram = g
        self.rhs, self.scale, self.active = b, scale, active
        self.penalty = alpha / scale[active] ** 2 if alpha > 0 else None
        if g.shape[0] == 0:
            self.factor, self.kappa = g, 1.0
            return
        factor, info = lapack.dpotrf(g, lower=0, clean=1)
        if info != 0:
            raise NotPositiveDefinite(f"leading minor {info} of the Gram matrix is not positive")
        self.factor = factor
        if g.shape[0] <= EXACT_CONDITION_MAX_FEATURES:
            # The 2-norm condition number exactly (O(p^3), like the factorization).
            eig = np.linalg.eigvalsh(g)
            self.kappa = np.inf if eig[0] <= 0 else float(eig[-1] / eig[0])
        else:
            # LAPACK's O(p^2) estimate of the 1-norm condition number, an upper bound
            # on the 2-norm one (it can overstate it by a factor up to p).
            rcond, info = lapack.dpocon(factor, np.abs(g).sum(axis=0).max())
            self.kappa = np.inf if rcond == 0 else 1.0 / rcond

    def solve(self, rhs):
        if rhs.shape[0] == 0:
            return rhs.copy()
        x, info = lapack.dpotrs(self.factor, rhs, lower=0)
        return x

    def solution(self, beta, name=NAME, n_iter=0, error=None) -> Solution:
        coef, intercept = self.problem.to_user_units(beta, self.scale, self.active)
        if error is None:
            error = self.kappa * EPS
        status = "ok" if error <= TARGET_ACCURACY else "inaccurate"
        message = (
            ""
            if status == "ok"
            else (
                f"the Gram matrix has condition number {self.kappa:.2e}: only about "
                f"{max(0.0, -np.log10(error)):.0f} digits can be vouched for; "
                "fit with X in memory (solver='auto' or 'qr') for a stable solve"
            )
        )
        return Solution(
            coef=coef,
            intercept=intercept,
            solver=name,
            rank=int(self.active.sum()),
            aliased=tuple(np.flatnonzero(~self.active)),
            condition_number=float(np.sqrt(self.kappa)),
            error_estimate=float(error),
            n_iter=n_iter,
            status=status,
            message=message,
        )


def refine(factor: CholeskyFactor, beta, target: float = 4 * EPS, max_steps: int = 3):
    """Corrected semi-normal equations: iterate ``beta += G^-1 (D^-1 X'W r - penalty)``.

    The rows are shifted by the (rounded) means of the Moments and the intercept is
    refined as an unknown too (the block elimination of ``[W, u'; u, X_s'WX_s]``, with
    ``u = X_s'W 1`` the shifted columns' weighted sums, leaves ``G`` itself), so the
    rounding of the means costs nothing however large the offset.

    Returns ``(beta, steps, error_estimate, intercept_shift)``: the intercept in the
    user's units is ``y_mean - x_mean' coef + intercept_shift``.  The estimate adds to
    the contraction of the last step the accuracy a backward-stable solve reaches with
    float64 residuals, ``eps (kappa(X) + kappa(X)^2 tan(theta))`` (Bjorck 1996, 2.5.4).
    Needs X in memory; reads it in chunks, so the extra memory is one chunk.
    """
    problem = factor.problem
    m = problem.get_moments()
    x_shift = m.x_mean if problem.fit_intercept else np.zeros(problem.n_features)
    y_shift = m.y_mean if problem.fit_intercept else np.zeros(problem.n_targets)
    active, scale = factor.active, factor.scale[factor.active]
    contraction = factor.kappa * EPS  # how much each step shrinks the error
    shift = np.zeros(problem.n_targets)
    error = np.inf
    steps = 0
    for steps in range(1, max_steps + 1):
        grad, g0, u, weight_sum, rss = _gradient(
            problem, active, scale, x_shift, y_shift + shift, beta
        )
        if problem.fit_intercept:
            grad -= np.outer(u, g0 / weight_sum)
        if factor.penalty is not None:
            grad -= factor.penalty[:, None] * beta
        delta = factor.solve(grad)
        if problem.fit_intercept:
            shift = shift + (g0 - u @ delta) / weight_sum
        beta = beta + delta
        size = _relative(delta, beta)
        error = contraction * size + _stable_floor(factor, beta, rss)
        if error <= max(target, 2 * _stable_floor(factor, beta, rss)):
            break
    return beta, steps, error, shift


def _relative(delta, beta) -> float:
    return float(np.linalg.norm(delta) / max(np.linalg.norm(beta), np.finfo(float).tiny))


def _stable_floor(factor: CholeskyFactor, beta, rss) -> float:
    """``eps sqrt(q) (kappa(X) + kappa(X)^2 tan(theta))`` in the equilibrated scale."""
    kappa_x = np.sqrt(factor.kappa)
    fitted = np.einsum("jk,jl,lk->k", beta, factor.gram, beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        tan = np.where(fitted > 0, np.sqrt(np.maximum(rss, 0) / fitted), np.inf)
    tan = float(np.max(tan, initial=0.0))
    q = max(1, beta.shape[0])
    return float(EPS * np.sqrt(q) * (kappa_x + factor.kappa * tan))


def _gradient(problem, active, scale, x_shift, y_shift, beta):
    """One pass over X: ``X_s'W r`` (scaled), ``1'W r``, ``X_s'W 1`` (scaled), the
    weight sum and ``r'W r``, with ``r = (y - y_shift) - X_s beta`` and
    ``X_s = (X - x_shift) D^-1``."""
    X, Y, w = problem.X, problem.Y, problem.weights
    n = X.shape[0]
    chunk = max(256, (8 * 2**20) // (8 * max(1, X.shape[1])))
    grad = np.zeros_like(beta)
    g0 = np.zeros(beta.shape[1])
    u = np.zeros(beta.shape[0])
    rss = np.zeros(beta.shape[1])
    weight_sum = 0.0
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        xs = (X[start:stop, active] - x_shift[active]) / scale
        r = (Y[start:stop] - y_shift) - xs @ beta
        ww = np.ones(stop - start) if w is None else w[start:stop]
        wr = r * ww[:, None]
        grad += xs.T @ wr
        g0 += wr.sum(axis=0)
        u += ww @ xs
        rss += np.einsum("ik,ik->k", wr, r)
        weight_sum += float(ww.sum())
    return grad, g0, u, weight_sum, rss


def solve(problem: LeastSquaresProblem) -> Solution:
    """Solve from the Moments by Cholesky; targets with different alphas separately.

    Raises :class:`NotPositiveDefinite` when the Gram matrix is singular to working
    precision (rank-deficient design): :mod:`~linreg.solvers.auto` then takes the
    minimum-norm path.
    """
    from .certify import certified

    factor = CholeskyFactor(problem)
    return certified(problem, factor.solution(factor.solve(factor.rhs)))
