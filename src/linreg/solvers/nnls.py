"""Non-negative least squares from the Moments: an exact active-set method.

Objective, for each target column ``y`` (scikit-learn's ``LinearRegression(positive=True)``
with ``alpha = 0``)::

    minimize over (b, c)   sum_i w_i (y_i - c - x_i' b)^2 + alpha ||b||^2
    subject to             b >= 0

with the intercept ``c`` unconstrained (and 0 when ``fit_intercept`` is false).  It
is recovered as ``c = y_mean - x_mean' b``, so the constrained problem is the one of
the centred Moments (``X'WX``, ``X'Wy``): the method runs after one pass over any
source (arrays, :func:`linreg.scan`, Dask) and never needs the rows.

Method
------
1. Lawson and Hanson's active-set method (Solving Least Squares Problems, 1974,
   ch. 23; the algorithm of :func:`scipy.optimize.nnls`) on the *equilibrated* normal
   equations ``G beta = r`` (``G = D^-1 X'WX D^-1`` with unit diagonal, ``beta = D b``;
   ``D > 0``, so ``beta >= 0`` is ``b >= 0``).  The free set's Cholesky factor grows by
   one column per step; the new diagonal is the distance of the entering column from
   the span of the free ones, and a column within the Gram matrix's resolution of that
   span (:mod:`.aliasing`) is not let in, so the free columns stay linearly independent.
2. The unconstrained least-squares problem on the final free set is solved again by an
   exact solver (``solver``; ``"auto"`` keeps the fresh Cholesky answer when its
   condition number is small and otherwise solves from X in memory: corrected
   semi-normal equations, QR or extended precision, with their bounds), so the answer
   carries the accuracy and the error bound of the exact solvers.
3. KKT check on the result, in the equilibrated scale: with ``g = G beta - r``,
   ``|min(beta_j, g_j)| <= KKT_RTOL (||y - y_mean||_w + (|G| |beta|)_j)`` for every
   column (``g_j = 0`` on the free set, ``g_j >= 0`` where ``beta_j = 0``).  When it
   fails, the error bound of Mathias and Pang (1990) for strongly convex quadratic
   programs, ``||beta - beta*|| <= (1 + lambda_max) / lambda_min ||min(beta, g)||``,
   enters the error estimate, and a bound above the documented accuracy (1e-6) makes
   the status ``"inaccurate"`` (an :class:`~linreg.AccuracyWarning`; an
   :class:`~linreg.IterationLimitWarning` when the iterations ran out).

Rank-deficient designs (collinear columns, fewer rows than columns)
--------------------------------------------------------------------
The fitted values of the non-negative fit are unique, its coefficients need not be.
The method returns a *basic* solution: its nonzero coefficients sit on linearly
independent columns (the vertex the active-set method reaches, as
:func:`scipy.optimize.nnls` does), not the minimum-norm one.  ``aliased`` names the
columns the Gram rule of :mod:`.aliasing` finds dependent on earlier ones.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack, solve_triangular

from ..moments import Moments
from ..solution import Solution
from . import aliasing, cholesky
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem

NAME = "nnls"
NEEDS_DATA = False

#: KKT tolerance relative to the data's scale (``||y - y_mean||_w`` plus the size of the
#: terms of the gradient): sqrt(eps), far above rounding, far below a wrong active set.
KKT_RTOL = float(np.sqrt(EPS))

#: Active-set steps allowed per target: this times the number of columns, plus 10
#: (scipy.optimize.nnls allows 3 times).
MAX_ITER_FACTOR = 5

#: ``solver="auto"`` keeps the Cholesky answer of the free set up to this condition
#: number of its Gram matrix (:data:`linreg.solvers.auto.FAST_KAPPA`).
FAST_KAPPA = 16.0

#: An intercept recovered from terms this many times larger than itself is solved
#: from X in memory (:data:`linreg.solvers.auto.MAX_INTERCEPT_CANCELLATION`).
MAX_INTERCEPT_CANCELLATION = 16.0


class ActiveSet:
    """The result of :func:`active_set`: ``x`` (equilibrated), the free columns in the
    order they entered, the steps taken and whether the method converged."""

    def __init__(self, x, free, n_iter, converged):
        self.x, self.free, self.n_iter, self.converged = x, free, n_iter, converged


class _GrowingCholesky:
    """Upper Cholesky factor ``R'R = G[P, P]`` of an ordered free set ``P``."""

    def __init__(self, g):
        self.g = g
        self.cols: list[int] = []
        self.R = np.zeros((0, 0))

    def append(self, t: int, resolution: float) -> bool:
        """Add column ``t`` unless its squared distance from the span of the free
        columns (equilibrated: the new diagonal squared) is at most ``resolution``."""
        k = len(self.cols)
        col = self.g[self.cols, t]
        r = solve_triangular(self.R, col, trans="T") if k else np.zeros(0)
        d2 = float(self.g[t, t] - r @ r)
        if d2 > max(resolution, 0.0):
            R = np.zeros((k + 1, k + 1))
            R[:k, :k] = self.R
            R[:k, k] = r
            R[k, k] = np.sqrt(d2)
            self.R = R
            self.cols.append(t)
            return True
        return False

    def remove(self, drop) -> set:
        """Remove the columns in ``drop`` and factor the rest again; returns the columns
        that had to leave as well (none, unless rounding made the principal submatrix
        of a factored matrix indefinite: then those that no longer factor)."""
        keep = [c for c in self.cols if c not in drop]
        R, info = lapack.dpotrf(self.g[np.ix_(keep, keep)], lower=0, clean=1)
        if info == 0:
            self.cols, self.R = keep, R if keep else np.zeros((0, 0))
            return set()
        self.cols, self.R = [], np.zeros((0, 0))
        return {c for c in keep if not self.append(c, 0.0)}

    def solve(self, rhs):
        y = solve_triangular(self.R, rhs, trans="T")
        return solve_triangular(self.R, y)


def active_set(g, r, add_tol, resolution, max_iter: int) -> ActiveSet:
    """Lawson-Hanson on ``min 1/2 x'Gx - r'x`` s.t. ``x >= 0`` (``G`` positive
    semidefinite with unit diagonal).

    Parameters
    ----------
    g : ndarray of shape (q, q)
    r : ndarray of shape (q,)
    add_tol : ndarray of shape (q,)
        A column enters only when its negative gradient ``r_j - (G x)_j`` exceeds this
        plus ``4 q eps (|G| x)_j`` (the gradient's rounding).
    resolution : ndarray of shape (q,)
        A column whose squared distance from the free columns' span is at most this
        is not let in (it is numerically dependent on them).
    max_iter : int
        Steps (entries and exits) allowed.
    """
    q = g.shape[0]
    x = np.zeros(q)
    chol = _GrowingCholesky(g)
    rejected = np.zeros(q, dtype=bool)
    free = np.zeros(q, dtype=bool)
    steps = 0
    abs_g = np.abs(g)
    rounding = 4 * max(q, 1) * EPS
    while steps < max_iter:
        w = r - g @ x
        eligible = ~free & ~rejected & (w > add_tol + rounding * (abs_g @ x))
        if not eligible.any():
            return ActiveSet(x, list(chol.cols), steps, True)
        t = int(np.flatnonzero(eligible)[np.argmax(w[eligible])])
        steps += 1
        if not chol.append(t, resolution[t]):
            rejected[t] = True
            continue
        free[t] = True
        z = chol.solve(r[chol.cols])
        if z[-1] <= 0:  # cannot happen in exact arithmetic: t is rounding's choice
            lost = chol.remove({t})
            free[t] = False
            rejected[t] = True
            _leave(x, free, lost)
            continue
        rejected[:] = False
        while steps < max_iter:
            cols = np.asarray(chol.cols)
            if np.all(z > 0):
                x[:] = 0.0
                x[cols] = z
                break
            steps += 1
            xp = x[cols]
            neg = z <= 0
            ratios = xp[neg] / (xp[neg] - z[neg])
            alpha = float(ratios.min())
            xp = xp + alpha * (z - xp)
            leaving = set(cols[neg][ratios <= alpha].tolist()) | set(cols[xp <= 0].tolist())
            x[:] = 0.0
            x[cols] = np.maximum(xp, 0.0)
            _leave(x, free, leaving | chol.remove(leaving))
            z = chol.solve(r[chol.cols]) if chol.cols else np.zeros(0)
    return ActiveSet(x, list(chol.cols), steps, False)


def _leave(x, free, columns) -> None:
    """Columns ``columns`` leave the free set (their coefficients become 0)."""
    columns = list(columns)
    x[columns] = 0.0
    free[columns] = False


def solve(problem: LeastSquaresProblem, solver: str = "auto", max_iter=None) -> Solution:
    """Non-negative least squares (``coef >= 0``) of every target of ``problem``.

    Parameters
    ----------
    problem : LeastSquaresProblem
        In memory or Moments only; ``alpha`` (per target) adds ``alpha ||b||^2``.
    solver : str
        The exact solver (:data:`linreg.solvers.SOLVERS`) of the unconstrained problem on
        the final free set; ``"auto"`` as for unconstrained fits.
    max_iter : int or None
        Active-set steps per target (default ``MAX_ITER_FACTOR * n_features``).

    Returns
    -------
    Solution
        ``solver`` is ``"nnls+<free-set solver>"``; ``diagnostics`` holds per target the
        free columns (``"free"``), the largest KKT residual relative to its tolerance
        (``"kkt"``) and, when the iterations ran out, ``"stopped": "max_iter"``.
    """
    g, rhs, scale, active = problem.gram()
    cols = np.flatnonzero(active)
    q = cols.size
    with _one_blas_thread():
        design = _design_diagnostics(problem, g, active)
    limit = MAX_ITER_FACTOR * max(q, 1) + 10 if max_iter is None else int(max_iter)
    parts = [
        _one_target(problem, j, solver, g, rhs[:, j], scale, cols, limit)
        for j in range(problem.n_targets)
    ]
    return _combine(parts, design)


def _one_target(problem, j, solver, g, r, scale, cols, max_iter) -> Solution:
    """NNLS of target ``j``: active set, exact free-set solve, KKT check."""
    alpha = float(problem.alpha[j])
    d = scale[cols]
    gj = g + np.diag(alpha / d**2) if alpha > 0 else g
    y_norm = _target_norm(problem, j)
    add_tol = 4 * max(cols.size, 1) * EPS * (np.abs(r) + y_norm)
    resolution = np.full(cols.size, 16 * max(cols.size, 1) * EPS)
    if cols.size:
        resolution = np.maximum(resolution, problem.column_uncertainty(_mask(problem, cols)) ** 2)
    with _one_blas_thread():
        result = active_set(gj, r, add_tol, resolution, max_iter)
    free = np.sort(np.asarray(result.free, dtype=int))
    sub = _free_solution(problem, j, cols[free], solver)
    beta = np.zeros(cols.size)
    beta[free] = sub.coef[0, cols[free]] * d[free]
    coef = np.zeros((1, problem.n_features))
    intercept = sub.intercept
    if np.any(beta < 0):  # rounding at the boundary: the nearest feasible point
        beta = np.maximum(beta, 0.0)
        intercept = problem.to_user_units(beta, scale, _mask(problem, cols))[1][[j]]
    coef[0, cols] = beta / d
    kkt, bound = _kkt(gj, r, beta, y_norm)
    diagnostics = {"free": [tuple(cols[free].tolist())], "kkt": [kkt], "solvers": [sub.solver]}
    error = max(sub.error_estimate, bound)
    status, message = sub.status, sub.message
    if not result.converged:
        diagnostics["stopped"] = "max_iter"
        status = "inaccurate"
        message = (
            f"positive=True: the active-set method stopped after {result.n_iter} steps "
            f"(max_iter) with the KKT conditions met to {kkt:.1e} of their tolerance"
        )
    elif bound > TARGET_ACCURACY:
        status = "inaccurate"
        message = (
            f"positive=True: the KKT conditions hold only to {kkt:.1e} times their "
            f"tolerance; the coefficients are accurate to about {bound:.1e} relative "
            "(the Gram matrix cannot resolve which constraints are active; leaving out "
            "nearly dependent columns helps)"
        )
    return Solution(
        coef=coef,
        intercept=np.asarray(intercept, dtype=np.float64).reshape(1),
        solver=f"nnls+{sub.solver}",
        rank=0,
        error_estimate=float(error),
        n_iter=result.n_iter,
        status=status,
        message=message,
        diagnostics=diagnostics,
    )


def _one_blas_thread():
    """Work of order n_features^2 (matrix-vector products, triangular solves) or
    n_features^3 on the Gram matrix: BLAS threads cost more than they save there, and
    far more on a loaded machine (measured: 800 columns, 13 ms per step with two
    threads, 0.4 ms with one).  One controller for the process: finding the libraries
    reads the process's memory map (about 10 ms), limiting them afterwards is cheap."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER = None


def _mask(problem, cols) -> np.ndarray:
    mask = np.zeros(problem.n_features, dtype=bool)
    mask[cols] = True
    return mask


def _target_norm(problem, j) -> float:
    """``||y_j - y_mean_j||_w`` (``||y_j||_w`` without an intercept): the largest a
    gradient component of the equilibrated problem can be at zero."""
    m = problem.get_moments()
    p = m.n_features
    cross, s = m.scaled_cross()
    centred = np.sqrt(max(float(cross[p + j, p + j]), 0.0)) * s[p + j]
    if problem.fit_intercept:
        return centred
    return float(np.hypot(centred, np.sqrt(m.weight_sum) * m.y_mean[j]))


def _kkt(g, r, beta, y_norm):
    """``(ratio, bound)``: the largest ``|min(beta_j, g_j)|`` over its tolerance, and
    the Mathias-Pang bound on the relative error when a ratio exceeds 1 (else 0)."""
    grad = g @ beta - r
    residual = np.minimum(beta, grad)
    tol = KKT_RTOL * (y_norm + np.abs(g) @ beta + np.abs(r))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(tol > 0, np.abs(residual) / tol, np.where(residual == 0, 0.0, np.inf))
    ratio = float(ratios.max(initial=0.0))
    if ratio <= 1.0:
        return ratio, 0.0
    eig = np.linalg.eigvalsh(g)
    if eig[0] <= 0:
        return ratio, float("inf")
    size = max(float(np.linalg.norm(beta)), np.finfo(float).tiny)
    return ratio, float((1 + eig[-1]) / eig[0] * np.linalg.norm(residual) / size)


def _sub_moments(m: Moments, keep_x, j) -> Moments:
    """The Moments of the columns ``keep_x`` of X and target ``j`` of Y."""
    p = m.n_features
    keep = np.r_[np.asarray(keep_x, dtype=int), p + j]

    def part(a):
        return None if a is None else a[keep]

    return Moments(
        m.n_samples,
        m.weight_sum,
        m.mean[keep],
        m.cross[np.ix_(keep, keep)],
        len(keep_x),
        part(m.mean_low),
        part(m.scale),
        None if m.cross_scaled is None else m.cross_scaled[np.ix_(keep, keep)],
    )


def _free_solution(problem, j, free_cols, solver) -> Solution:
    """The unconstrained fit of target ``j`` on the free columns, in the full problem's
    shape (zeros elsewhere), by ``solver``; ``"auto"`` stays on the Moments when the
    Cholesky answer can be vouched for (as :mod:`.auto` does)."""
    from . import solve as exact_solve
    from .certify import checked, intercept_cancellation

    m = _sub_moments(problem.get_moments(), free_cols, j)
    alpha = problem.alpha[[j]]
    if len(free_cols) == 0:  # all coefficients zero: the intercept is the mean
        intercept = m.y_mean if problem.fit_intercept else np.zeros(1)
        zero = np.zeros((1, problem.n_features))
        return Solution(zero, np.array(intercept, dtype=np.float64), "zero", 0, error_estimate=0.0)
    light = LeastSquaresProblem(None, None, None, problem.fit_intercept, alpha, m)
    sub = None
    if solver == "auto" or not problem.has_data:
        try:
            with _one_blas_thread():
                factor = cholesky.CholeskyFactor(light)
        except cholesky.NotPositiveDefinite:
            factor = None
        if factor is not None and factor.kappa <= FAST_KAPPA:
            sub = checked(light, factor.solution(factor.solve(factor.rhs)))
            if problem.has_data and intercept_cancellation(light, sub) > MAX_INTERCEPT_CANCELLATION:
                sub = None
    if sub is None:
        if problem.has_data:
            X = problem.X if len(free_cols) == problem.n_features else problem.X[:, free_cols]
            heavy = LeastSquaresProblem(
                X, problem.Y[:, [j]], problem.weights, problem.fit_intercept, alpha, m
            )
            sub = exact_solve(heavy, solver)
        else:
            sub = exact_solve(light, solver)
    coef = np.zeros((1, problem.n_features))
    coef[0, free_cols] = sub.coef[0]
    sub.coef = coef
    return sub


def _design_diagnostics(problem, g, active) -> dict:
    """Rank, aliased columns (the Gram rule) and condition number of the design."""
    q = g.shape[0]
    if q == 0:
        return {"rank": 0, "aliased": (), "condition_number": 1.0}
    eig = np.linalg.eigvalsh(g) if q <= cholesky.EXACT_CONDITION_MAX_FEATURES else None
    if eig is not None:
        kappa = np.inf if eig[0] <= 0 else float(eig[-1] / eig[0])
    else:
        factor, info = lapack.dpotrf(g, lower=0, clean=1)
        rcond = lapack.dpocon(factor, np.abs(g).sum(axis=0).max())[0] if info == 0 else 0.0
        kappa = np.inf if rcond == 0 else 1.0 / rcond
    u = problem.column_uncertainty(active)
    local = np.zeros(0, dtype=int)
    if aliasing.rank_in_doubt(kappa, u, gram=True):
        local = aliasing.aliased_from_gram(g, u)
    aliased = tuple(int(c) for c in np.flatnonzero(active)[local])
    return {"rank": q - len(aliased), "aliased": aliased, "condition_number": np.sqrt(kappa)}


def _combine(parts, design) -> Solution:
    """One Solution of the per-target parts."""
    worst = max(parts, key=lambda s: (s.status != "ok", s.error_estimate))
    diagnostics = {
        key: [v for s in parts for v in s.diagnostics[key]] for key in ("free", "kkt", "solvers")
    }
    if any(s.diagnostics.get("stopped") for s in parts):
        diagnostics["stopped"] = "max_iter"
    return Solution(
        coef=np.vstack([s.coef for s in parts]),
        intercept=np.concatenate([s.intercept for s in parts]),
        solver=worst.solver,
        rank=design["rank"],
        aliased=design["aliased"],
        condition_number=float(design["condition_number"]),
        error_estimate=max(s.error_estimate for s in parts),
        n_iter=max(s.n_iter for s in parts),
        status=worst.status,
        message=worst.message,
        diagnostics=diagnostics,
    )


def warn_basic_solution(solution: Solution, names, stacklevel: int = 3) -> None:
    """The rank warning of a ``positive=True`` fit: aliased columns, and that a basic
    solution (not the minimum-norm one) is returned for them.  The accuracy warning is
    the estimator's, as for every solver."""
    import warnings

    from ..solution import RankDeficientWarning

    if solution.aliased:
        labels = [repr(names[j]) if names is not None else f"x{j}" for j in solution.aliased]
        warnings.warn(
            f"X is rank deficient (rank {solution.rank} of {solution.coef.shape[1]} columns): "
            f"{', '.join(labels)} {'is' if len(labels) == 1 else 'are'} linear "
            "combination(s) of earlier columns; with positive=True the fitted values are "
            "unique but the coefficients are not: returning a basic solution (its nonzero "
            "coefficients on linearly independent columns, as scipy.optimize.nnls), not "
            "the minimum-norm one",
            RankDeficientWarning,
            stacklevel=stacklevel,
        )
