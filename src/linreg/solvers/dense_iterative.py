"""Ridge's ``solver="lsqr"`` and ``"sparse_cg"`` on dense X: the certified iterations of
:mod:`.sparse_iterative` on an explicitly centred dense operator.

Objective, per target (scikit-learn's Ridge scaling)::

    minimize over (b, c)   sum_i w_i (y_i - c - x_i' b)^2 + alpha * ||b||_2^2

X is centred once with the weighted column means ``m`` (a copy; none without an
intercept), so the slopes solve ``(Xc' W Xc + alpha I) b = Xc' W (y - ybar)`` and
``c = ybar - m'b``.  The certificate is :mod:`.sparse_iterative`'s, sharpened: with the
normal-equation residual ``r`` recomputed from ``Xc`` (not the recurrence's),
``||b - b*|| <= ||r|| / (alpha + mu)``, where ``mu`` is a certified lower bound on the
smallest eigenvalue of ``Xc' W Xc`` (:meth:`CentredDense.gram_floor`; 0 beyond
:data:`GRAM_FLOOR_FLOPS`): with ``alpha`` alone a penalty small against ``X'WX`` leaves
the bound ``lambda_min / alpha`` times above the error.  A target stops only when the
bound is at most ``SPARSE_ACCURACY * ||b||`` (1e-10), at ``max_iter`` (the result is the
iterate reached, with an IterationLimitWarning, a ConvergenceWarning, giving the bound),
or when the rounding floor of the recomputed residual (part of the bound,
:meth:`~.sparse_iterative.CentredSparse.residual_floor`) alone misses the target: no
iteration can certify that target (a penalty small against an ill-conditioned or wide
``X'WX``), and the exact solve runs instead (:func:`floor_limited`; ``solver_`` names
it).  So does an intercept whose bound misses the exact solvers' 1e-6 (a large offset in
X, :func:`intercept_misses`).
A penalty below the rounding of ``X'WX`` (0 included) has no such bound; with X in
memory the exact solve then runs instead (:func:`exact_instead`; ``solver_`` names it).
"""

from __future__ import annotations

import numpy as np

from ..solution import Solution
from .problem import EPS, TARGET_ACCURACY
from .sparse_iterative import SPARSE_ACCURACY, CentredSparse, lsqr_target, pcg

#: Largest cost (``n p^2 + p^3`` flops) of :meth:`CentredDense.gram_floor`; beyond it
#: the floor is 0 (the bound by ``alpha`` alone).
GRAM_FLOOR_FLOPS = 2e9


class CentredDense(CentredSparse):
    """``W^1/2 Xc`` for dense X, centred explicitly (the interface of
    :class:`~.sparse_iterative.CentredSparse`, whose own implicit centring is then 0).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_samples,) or None
    fit_intercept : bool
    moments : Moments or None
        The fit's Moments of the same data, when already computed: :meth:`gram_floor`
        takes the Gram matrix from them instead of forming it.

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
        The weighted column means taken out (zeros without an intercept); the intercept
        of slopes ``b`` is ``ybar - mean'b``.
    """

    def __init__(self, X, w, fit_intercept: bool, moments=None):
        self.moments = moments
        X = np.asarray(X, dtype=np.float64)
        n, p = X.shape
        self.w = np.ones(n) if w is None else np.ascontiguousarray(w, dtype=np.float64)
        self.W = float(self.w.sum())
        self.fit_intercept = fit_intercept
        self.mean = self.w @ X / self.W if fit_intercept else np.zeros(p)
        self.X = np.ascontiguousarray(X - self.mean if fit_intercept else X)  # rows
        self.XT = self.X.T
        self.m = np.zeros(p)  # centred already: the operator's own offset is 0
        self._diag = None
        self._floor = None

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

    def gram_floor(self) -> float:
        """A certified lower bound ``mu >= 0`` on the smallest eigenvalue of ``Xc' W Xc``.

        The Gram matrix ``G`` (the fit's Moments' when given, else formed from the
        centred X) has its smallest eigenvalue computed (LAPACK); the rounding of both
        steps is bounded by ``(n + p + 2) eps trace(G)`` in the 2-norm (the dot products'
        error bound ``n eps |Xc|' W |Xc|``, whose 2-norm is at most its trace,
        ``trace(G)``; the eigensolver's backward error ``p eps ||G||``), and sixteen times
        that is subtracted (Weyl; the margin covers the Moments' raw BLAS products,
        which :mod:`linreg.moments` centres afterwards only while that amplifies their
        rounding at most tenfold).  0 when the cost exceeds :data:`GRAM_FLOOR_FLOPS`.
        Computed once.
        """
        if self._floor is None:
            n, p = self.shape
            gram = self._gram() if p > 0 else None
            self._floor = 0.0
            if gram is not None and np.all(np.isfinite(gram)):
                smallest = float(np.linalg.eigvalsh(gram)[0])
                slack = 16 * (n + p + 2) * EPS * float(np.trace(gram))
                self._floor = max(smallest - slack, 0.0)
        return self._floor

    def _gram(self):
        """``Xc' W Xc``: from the Moments (free), else formed when within the budget."""
        n, p = self.shape
        m = self.moments
        if m is not None and m.scale is None and p**3 <= GRAM_FLOOR_FLOPS:
            gram = m.xtx if self.fit_intercept else m.uncentred()[:p, :p]
            return np.asarray(gram, dtype=np.float64)
        if n * p * p + p**3 <= GRAM_FLOOR_FLOPS:
            return self.XT @ (self.w[:, None] * self.X)
        return None

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
    op = CentredDense(problem.X, problem.weights, problem.fit_intercept, problem.moments)
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
        names.update(name.split("+"))  # a target may run LSQR then CG: "lsqr+sparse_cg"
    if floor_limited(bounds, iters, cap) or intercept_misses(problem, op, coef, intercept, bounds):
        return _exact(problem)
    solver = "+".join(sorted(names))  # each method once: "lsqr", "sparse_cg", "lsqr+sparse_cg"
    sklearn_n_iter = iters.astype(np.int32) if method == "lsqr" else None
    return certified_solution(
        solver, coef, intercept, iters, bounds, cap, sklearn_n_iter, op.gram_floor()
    )


def certified_solution(
    solver, coef, intercept, iters, bounds, cap, sklearn_n_iter, gram_floor, unit=""
) -> Solution:
    """The :class:`linreg.Solution` of a certified iterative ridge solve: the largest
    per-target bound as its error estimate, the cap's status and message (``unit``
    names the iterations, e.g. ``" epochs"``), scikit-learn's ``n_iter_`` convention
    in ``diagnostics["sklearn_n_iter"]``."""
    status, message, stopped = cap_status(solver, bounds, iters >= cap, cap, unit)
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=solver,
        rank=coef.shape[1],
        error_estimate=float(bounds.max(initial=0.0)),
        n_iter=int(iters.max(initial=0)),
        status=status,
        message=message,
        diagnostics={
            "n_iter": iters,
            "bounds": bounds,
            "stopped": stopped,
            "sklearn_n_iter": sklearn_n_iter,
            "gram_floor": gram_floor,
        },
    )


def floor_limited(bounds, iters, cap) -> bool:
    """Whether a target missed ``SPARSE_ACCURACY`` before the cap: its residual's
    rounding floor over ``alpha + mu`` exceeds the target (a penalty small against an
    ill-conditioned or wide ``X'WX``), which no iteration can certify."""
    return bool(np.any((bounds > SPARSE_ACCURACY) & (np.asarray(iters) < cap)))


def intercept_misses(problem, op: CentredDense, coef, intercept, bounds) -> bool:
    """Whether an intercept ``c = ybar - mean'b`` misses ``TARGET_ACCURACY`` (the exact
    solvers' promise for the intercept, 1e-6): its error
    is at most ``||mean|| bound ||b||`` (Cauchy-Schwarz) plus the subtraction's rounding,
    measured against ``max(|c|, sd_w(y))`` (the exact solvers' scale,
    :func:`.certify.intercept_scale`).  A large offset in X amplifies the slopes' error
    there by ``||mean|| ||b|| / |c|``; the exact solve (centring explicitly) runs then.
    Only targets whose slopes are certified count (the others warn already)."""
    if not problem.fit_intercept:
        return False
    Y = np.asarray(problem.Y, dtype=np.float64)
    ybar = op.w @ Y / op.W
    spread = np.sqrt(op.w @ (Y - ybar) ** 2 / op.W)
    size = np.linalg.norm(coef, axis=1)
    through = bounds * size * float(np.linalg.norm(op.mean))
    rounding = EPS * (np.abs(ybar) + np.abs(coef) @ np.abs(op.mean))
    scale = np.maximum(np.abs(intercept), spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(through + rounding > 0, (through + rounding) / scale, 0.0)
    missed = ~(np.nan_to_num(rel, nan=np.inf) <= TARGET_ACCURACY)
    return bool(np.any(missed & (bounds <= SPARSE_ACCURACY)))


def exact_instead(problem, op: CentredDense) -> bool:
    """Whether a target's penalty is below the rounding of ``X'WX`` (0 included): no
    iterative bound exists there, and the exact solve (minimum norm) runs instead."""
    return bool(np.any(np.asarray(problem.alpha, dtype=np.float64) <= op.penalty_floor()))


def _exact(problem):
    """linreg's exact ``"auto"`` solve of ``problem`` (``solver`` names its path)."""
    from . import solve

    return solve(problem, "auto")


def _one_target(op, y, alpha, method, cap):
    """``(b, iterations, bound, name)`` for one target; ``bound`` by ``alpha + mu``.

    :mod:`.sparse_iterative`'s LSQR and CG measure their bound by ``alpha``; the target
    they are given is scaled by ``(alpha + mu) / alpha`` so that they stop at
    ``SPARSE_ACCURACY`` of the sharper bound, and their bound is rescaled back.
    """
    scale = alpha / (alpha + op.gram_floor())  # bound by alpha + mu, from alpha's
    goal = SPARSE_ACCURACY / scale
    if method == "lsqr":
        b, _, its, bound, _ = lsqr_target(op, y, alpha, cap)
        if bound > goal and its < cap:
            b, _, more, bound = pcg(op, y, alpha, cap - its, accuracy=goal, x0=b)
            return b, its + more, bound * scale, "lsqr+sparse_cg"
        return b, its, bound * scale, "lsqr"
    b, _, its, bound = pcg(op, y, alpha, cap, accuracy=goal)
    return b, its, bound * scale, "sparse_cg"


def cap_status(solver, bounds, capped, cap, unit=""):
    """``(status, message, stopped)``: ``"inaccurate"`` when a target's certified bound
    misses ``SPARSE_ACCURACY``; ``stopped`` is ``"max_iter"`` when ``capped`` (per
    target: the iterations reached ``cap``) for one of them, else the iterations had
    reached the rounding floor of the recomputed residual."""
    worst = float(bounds.max(initial=0.0))
    if worst <= SPARSE_ACCURACY:
        return "ok", "", None
    missed = bounds > SPARSE_ACCURACY
    if np.any(missed & np.asarray(capped)):
        return (
            "inaccurate",
            f"solver {solver!r} stopped at max_iter={cap}{unit} with the certified bound "
            f"||b - b*|| <= {worst:.1e} ||b|| (target {SPARSE_ACCURACY:.0e}); raise "
            "max_iter or alpha",
            "max_iter",
        )
    return (
        "inaccurate",
        f"solver {solver!r}: the certified bound reached ||b - b*|| <= {worst:.1e} ||b||, "
        f"not {SPARSE_ACCURACY:.0e}: the residual recomputed from X is at its rounding "
        "(X'WX is ill-conditioned against alpha); the exact solvers ('auto', 'svd') "
        "certify their own accuracy",
        None,
    )
