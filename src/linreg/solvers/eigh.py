"""Solutions from the Moments alone (out-of-core): minimum norm, or ridge, by ``eigh``.

**Least squares.**  The rank decision of :mod:`linreg.solvers.aliasing` on the
equilibrated Gram matrix ``G = D^-1 X'WX D^-1`` (centred) names the aliased columns;
the answer is the same minimum-norm solution in the user's units as the ``svd``
solver's (:mod:`linreg.solvers.svd`): the basic solution on the kept columns, from the
eigendecomposition of their Gram matrix (nothing truncated), minus its projection on
the null space that the aliased columns define.  A Gram matrix holds the squares of
the design's singular values, so it cannot resolve a column's distance to the others
below about ``sqrt(eps)`` (1.5e-8): such columns are called aliased here, and the
accuracy of the kept ones is ``kappa(G) * eps``, reported in ``error_estimate`` (an
:class:`~linreg.AccuracyWarning` when that is worse than 1e-6).

The rank decision on a Gram matrix cannot tell an exact dependency from a column whose
distance to the others is merely below its resolution (NIST's Filip: ``x^8 .. x^10``
at ~1e-9), but the fit can: the minimum-norm projection is along a null direction of
the data in the first case, and along one that moves the fitted values (by orders of
magnitude more than the residuals) in the second.  The two answers' residual sums of
squares are compared (their difference, from the Moments, has no cancellation against
``y'Wy``); if the projection fits worse, the answer is the basic solution on the kept
columns (the unresolved columns' coefficients 0: the least-squares fit without them)
and ``diagnostics["unresolved"]`` names them, so that the warning says so.

**Ridge.**  ``(G + alpha D^-2) beta = D^-1 X'WY`` by the eigendecomposition of the
penalized equilibrated Gram matrix, nothing truncated; a penalty too small for the
Gram matrix to resolve (a non-positive computed eigenvalue) is reported as inaccurate.
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from .aliasing import aliased_from_gram
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem
from .svd import project_out_null

NAME = "eigh"
NEEDS_DATA = False


def solve(problem: LeastSquaresProblem) -> Solution:
    if not problem.single_alpha:
        raise ValueError("the eigh solver needs one alpha for all targets")
    g, b, scale, active = problem.gram()
    s = scale[active]
    unresolved = np.zeros(0, dtype=int)
    if problem.penalized:
        alias = np.zeros(0, dtype=int)
        h = g + np.diag(problem.alpha[0] / s**2)
        beta, lam = _eigh_solve(h, b)
        projection_error = 0.0
        coef_u = beta / s[:, None]
    else:
        u = problem.column_uncertainty(active)
        alias = aliased_from_gram(g, u)
        coef_u, lam, projection_error, basic = _minimum_norm(g, b, s, alias, u)
        if alias.size and _projection_fits_worse(problem, g, b, s, coef_u, basic):
            coef_u, unresolved = basic, np.flatnonzero(active)[alias]
    coef, intercept = problem.to_user_units(coef_u * s[:, None], scale, active)
    solution = _solution(problem, coef, intercept, lam, active, alias, projection_error)
    if unresolved.size:
        solution.diagnostics["unresolved"] = tuple(int(j) for j in unresolved)
    return solution


def _projection_fits_worse(problem, g, b, s, coef, basic) -> bool:
    """Whether the minimum-norm answer's residual sum of squares exceeds the basic
    solution's by more than rounding and one part in 1e6 (a projection along a
    direction that is not null in the data), from the Moments.

    In equilibrated coordinates ``f(beta) = beta'G beta - 2 beta'b`` is the residual
    sum of squares less ``y'Wy``; with ``d`` the projection and ``r = G beta_0 - b`` the
    gradient at the basic solution, ``f(beta_0 + d) - f(beta_0) = d'(G d + 2 r)``: no
    cancellation against ``y'Wy``, and rounding of order ``eps |G| |d|^2``.
    """
    d = (coef - basic) * s[:, None]
    b0 = basic * s[:, None]
    r = g @ b0 - b
    damage = np.einsum("it,it->t", d, g @ d + 2 * r)
    m = problem.get_moments()
    p = m.n_features
    with np.errstate(all="ignore"):
        yy = np.diag(m.yty if problem.fit_intercept else m.uncentred()[p:, p:])
        rss0 = np.maximum(yy + np.einsum("it,it->t", b0, r - b), 0.0)
        size = np.linalg.norm(d, axis=0)
        noise = 64 * g.shape[0] * EPS * (np.linalg.norm(g, 2) * size + np.linalg.norm(r, axis=0))
        worse = damage > np.maximum(1e-6 * rss0, noise * size)
    return bool(np.any(worse))


def _minimum_norm(g, b, s, alias, u):
    """Minimum-norm coefficients (user units) from the equilibrated Gram matrix, with
    the basis chosen as in :func:`linreg.solvers.svd.minimum_norm` (in order, or by
    decreasing scale when that gives a smaller error estimate): ``(coef, eigenvalues,
    error estimate, basic solution on the columns kept in order)``."""
    q = g.shape[0]
    order = np.argsort(-s, kind="stable")
    by_scale = order[aliased_from_gram(g[np.ix_(order, order)], u[order])]
    best = None
    for aliased in (alias, np.sort(by_scale)):
        if best is not None and (aliased.size != alias.size or np.array_equal(aliased, alias)):
            continue
        kept = np.setdiff1d(np.arange(q), aliased)
        rhs = np.hstack([b[kept], g[np.ix_(kept, aliased)]])
        sol, lam = _eigh_solve(g[np.ix_(kept, kept)], rhs)
        t = b.shape[1]
        basic = np.zeros((q, t))
        basic[kept] = sol[:, :t] / s[kept, None]
        kappa = float(lam.max() / lam.min()) if lam.size and lam.min() > 0 else np.inf
        # The error of sol is ~ kappa(G) * eps: the plain u snaps rounding in gamma.
        coef, projection = project_out_null(basic, sol[:, t:], s, kept, aliased, kappa, u)
        with np.errstate(all="ignore"):
            spread = kappa * np.linalg.norm(sol[:, :t]) / s[kept].min(initial=np.inf)
            estimate = (EPS * (spread + np.linalg.norm(basic)) + projection) / np.linalg.norm(coef)
        estimate = float(np.nan_to_num(estimate, nan=0.0))
        if best is None or estimate < best[2]:
            # The basic solution stays the in-order one: zeros at the aliased columns.
            best = (coef, lam, estimate, basic if best is None else best[3])
    return best


def _eigh_solve(h, rhs):
    """``h^-1 rhs`` for a symmetric ``h`` through its eigendecomposition; directions
    with a non-positive computed eigenvalue (unresolvable) contribute nothing."""
    if h.shape[0] == 0:
        return np.zeros((0, rhs.shape[1])), np.ones(0)
    lam, V = np.linalg.eigh(h)
    inv = np.where(lam > 0, 1.0 / np.where(lam > 0, lam, 1.0), 0.0)
    return V @ (inv[:, None] * (V.T @ rhs)), lam


def _solution(problem, coef, intercept, lam, active, alias_local, extra=0.0) -> Solution:
    aliased = np.union1d(np.flatnonzero(active)[alias_local], np.flatnonzero(~active))
    rank = int(active.sum()) - len(alias_local)
    resolved = lam.size == 0 or lam.min() > 0
    kappa = float(lam.max() / lam.min()) if lam.size and resolved else (1.0 if resolved else np.inf)
    error = max(kappa * EPS * lam.size, extra) if np.isfinite(kappa) else np.inf
    if error > TARGET_ACCURACY:
        status = "inaccurate"
        message = (
            f"the Gram matrix has condition number {kappa:.2e}: only about "
            f"{max(0.0, -np.log10(error)):.0f} digits can be vouched for from the Moments "
            "alone; fit with X in memory (solver='qr' or 'svd') for a stable solve"
        )
    elif rank < problem.n_features:
        status, message = (
            "rank_deficient",
            (f"rank {rank} < {problem.n_features} features: minimum-norm solution"),
        )
    else:
        status, message = "ok", ""
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=rank,
        aliased=tuple(int(i) for i in aliased),
        condition_number=float(np.sqrt(kappa)),
        error_estimate=float(min(error, 1.0)) if np.isfinite(error) else np.inf,
        status=status,
        message=message,
    )
