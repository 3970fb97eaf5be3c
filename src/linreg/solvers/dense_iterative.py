"""Ridge's ``solver="lsqr"`` and ``"sparse_cg"`` on dense X: the certified iterations of
:mod:`.sparse_iterative` on an explicitly centred dense operator.

Objective, per target (scikit-learn's Ridge scaling)::

    minimize over (b, c)   sum_i w_i (y_i - c - x_i' b)^2 + alpha * ||b||_2^2

X is centred once with the weighted column means ``m`` (a copy; none without an
intercept), so the slopes solve ``(Xc' W Xc + alpha I) b = Xc' W (y - ybar)`` and
``c = ybar - m'b``.  The certificate is :mod:`.sparse_iterative`'s: with the
normal-equation residual ``r`` recomputed from ``Xc`` (not the recurrence's),
``||b - b*|| <= ||r|| / alpha``, and a target stops only when that bound is at most
``SPARSE_ACCURACY * ||b||`` (1e-10) or at ``max_iter`` (then the result is the
iterate reached, with an IterationLimitWarning, a ConvergenceWarning, giving the bound).
A penalty below the rounding of ``X'WX`` (0 included) has no such bound; with X in
memory the exact solve then runs instead (:func:`exact_instead`; ``solver_`` names it).
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from .problem import EPS
from .sparse_iterative import SPARSE_ACCURACY, CentredSparse, lsqr_target, pcg


class CentredDense(CentredSparse):
    """``W^1/2 Xc`` for dense X, centred explicitly (the interface of
    :class:`~.sparse_iterative.CentredSparse`, whose own implicit centring is then 0).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_samples,) or None
    fit_intercept : bool

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
        The weighted column means taken out (zeros without an intercept); the intercept
        of slopes ``b`` is ``ybar - mean'b``.
    """

    def __init__(self, X, w, fit_intercept: bool):
        X = np.asarray(X, dtype=np.float64)
        n, p = X.shape
        self.w = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        self.W = float(self.w.sum())
        self.fit_intercept = fit_intercept
        self.mean = self.w @ X / self.W if fit_intercept else np.zeros(p)
        self.X = np.ascontiguousarray(X - self.mean) if fit_intercept else X
        self.XT = self.X.T
        self.m = np.zeros(p)  # centred already: the operator's own offset is 0
        self._diag = None

    def diagonal(self, alpha):
        """Diagonal of ``Xc' W Xc + alpha I`` (the Jacobi preconditioner)."""
        if self._diag is None:
            self._diag = np.einsum("ij,ij,i->j", self.X, self.X, self.w)
        return self._diag + alpha

    def intercept(self, y, b) -> float:
        """``ybar - mean'b``: the intercept of slopes ``b`` (0 without one)."""
        if not self.fit_intercept:
            return 0.0
        return float(self.w @ y / self.W) - float(self.mean @ b)

    def penalty_floor(self) -> float:
        """The rounding of ``X'WX``: a penalty at most this cannot be told from 0."""
        return max(self.shape) * EPS * float(self.diagonal(0.0).max(initial=0.0))


def solve_dense_iterative(problem, method: str, max_iter=None) -> Solution:
    """LSQR or Jacobi-preconditioned CG on dense ``problem.X``, certified per target.

    Parameters
    ----------
    problem : LeastSquaresProblem
        With X in memory (any float dtype; computed in float64).
    method : {"sparse_cg", "lsqr"}
        ``"sparse_cg"``: Jacobi-preconditioned CG on the normal equations; ``"lsqr"``:
        LSQR (``damp = sqrt(alpha)``), then CG from its answer when LSQR stops before
        the bound (``solver`` then reads ``"lsqr+sparse_cg"``).
    max_iter : int or None
        Iterations per target (default ``max(1000, 10 n_features)``); LSQR's and CG's
        together.

    Returns
    -------
    Solution
        ``diagnostics``: ``n_iter`` (per target), ``bounds``, ``stopped``, and
        ``sklearn_n_iter`` (scikit-learn's ``n_iter_``: the iterations per target for
        LSQR, None for CG).  With a negligible penalty (:func:`exact_instead`), the exact
        ``"auto"`` solve's Solution.
    """
    op = CentredDense(problem.X, problem.weights, problem.fit_intercept)
    if exact_instead(problem, op):
        return _exact(problem)
    Y = np.asarray(problem.Y, dtype=np.float64)
    p = op.shape[1]
    cap = max(1000, 10 * p) if max_iter is None else int(max_iter)
    t = Y.shape[1]
    coef, intercept = np.zeros((t, p)), np.zeros(t)
    iters, bounds, names = np.zeros(t, dtype=np.int64), np.zeros(t), set()
    for j in range(t):
        y, a = Y[:, j], float(problem.alpha[j])
        b, iters[j], bounds[j], name = _one_target(op, y, a, method, cap)
        coef[j], intercept[j] = b, op.intercept(y, b)
        names.add(name)
    solver = "+".join(sorted(names, key=len)) if len(names) > 1 else names.pop()
    status, message, stopped = cap_status(solver, bounds, cap, "")
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=solver,
        rank=p,
        error_estimate=float(bounds.max(initial=0.0)),
        n_iter=int(iters.max(initial=0)),
        status=status,
        message=message,
        diagnostics={
            "n_iter": iters,
            "bounds": bounds,
            "stopped": stopped,
            "sklearn_n_iter": iters.astype(np.int32) if method == "lsqr" else None,
        },
    )


def exact_instead(problem, op: CentredDense) -> bool:
    """Whether a target's penalty is below the rounding of ``X'WX`` (0 included): no
    iterative bound exists there, and the exact solve (minimum norm) runs instead."""
    return bool(np.any(np.asarray(problem.alpha, dtype=np.float64) <= op.penalty_floor()))


def _exact(problem):
    """linreg's exact ``"auto"`` solve of ``problem`` (``solver`` names its path)."""
    from . import solve

    return solve(problem, "auto")


def _one_target(op, y, alpha, method, cap):
    """``(b, iterations, bound, name)`` for one target."""
    if method == "lsqr":
        b, _, its, bound, _ = lsqr_target(op, y, alpha, cap)
        if bound > SPARSE_ACCURACY and its < cap:
            b, _, more, bound = pcg(op, y, alpha, cap - its, x0=b)
            return b, its + more, bound, "lsqr+sparse_cg"
        return b, its, bound, "lsqr"
    b, _, its, bound = pcg(op, y, alpha, cap)
    return b, its, bound, "sparse_cg"


def cap_status(solver, bounds, cap, unit=""):
    """``(status, message, stopped)``: inaccurate, stopped by ``max_iter``, when a
    target's certified bound misses the target accuracy."""
    worst = float(bounds.max(initial=0.0))
    if worst > SPARSE_ACCURACY:
        return (
            "inaccurate",
            f"solver {solver!r} stopped at max_iter={cap}{unit} with the certified bound "
            f"||b - b*|| <= {worst:.1e} ||b|| (target {SPARSE_ACCURACY:.0e}); raise "
            "max_iter or alpha",
            "max_iter",
        )
    return "ok", "", None
