"""Ridge's ``solver="sag"`` and ``"saga"``: stochastic average gradient, certified.

Objective, per target (scikit-learn's Ridge scaling)::

    minimize over (b, c)   sum_i w_i (y_i - c - x_i' b)^2 + alpha * ||b||_2^2

As scikit-learn does for dense X, the intercept is eliminated by centring X and y with
the weighted means (``c = ybar - m'b``), and the slopes are found by SAG (Schmidt, Le
Roux, Bach 2013) or SAGA (Defazio, Bach, Lacoste-Julien 2014) on the equivalent
objective ``1/n sum_i 1/2 w_i (xc_i'b - yc_i)^2 + alpha/(2n) ||b||^2``
(:mod:`._sag_kernels`).  One epoch is ``n`` updates, the rows drawn uniformly with
replacement from a generator seeded by ``random_state`` (the same draws for every
target).  The step is scikit-learn's ``get_auto_step_size`` for the squared loss: SAG
``1/L``, SAGA ``1/(2L + min(2 n alpha_s, L))`` with ``L = max_i w_i ||xc_i||^2 +
alpha_s`` and ``alpha_s = alpha / n`` (scikit-learn leaves the weight out of ``L``; with
it the step is safe for weights above 1 too).

Stopping (linreg's policy: certified accuracy, whatever ``tol`` says).  After each
epoch the exact normal-equation residual ``r = Xc' W (yc - Xc b) - alpha b`` is formed
from X (not from the stochastic estimates); the smallest eigenvalue of the Hessian
``Xc' W Xc + alpha I`` is at least ``alpha + mu``, so ``||b - b*|| <= ||r|| / (alpha +
mu)``, and a target stops when that bound is at most ``SAG_ACCURACY * ||b||`` (1e-10).
``mu`` is a certified lower bound on the smallest eigenvalue of ``Xc' W Xc``
(:meth:`.dense_iterative.CentredDense.gram_floor`: its computed eigenvalue less the
rounding of forming and decomposing it; 0 beyond a cost budget): with
``alpha`` alone, a penalty small against ``X'WX`` leaves the bound far above the error
(by ``lambda_min / alpha``), and the epochs would run on long after the optimum.  This is
stronger than scikit-learn's rule (the largest change of ``b`` over an epoch, relative
to its largest entry, below ``tol``), so ``tol`` is accepted and not used.  ``max_iter``
caps the epochs (scikit-learn's default 1000); a target stopped by it keeps the iterate
reached, and the solution is marked inaccurate with the bound (IterationLimitWarning,
a ConvergenceWarning).  The residual's rounding floor is part of the bound; a target
whose floor alone misses the target (no epoch can certify it,
:func:`.dense_iterative.floor_limited`), or an intercept whose bound (through
``m'(b - b*)``, :func:`.dense_iterative.intercept_misses`) misses the exact solvers'
1e-6, as with a large offset in X, takes the exact solve.  A penalty below
the rounding of ``X'WX`` (0 included) gives no bound; with X in memory the exact solve
runs instead (minimum norm; ``solver_`` names it, :func:`.dense_iterative.exact_instead`).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ..solution import Solution
from .dense_iterative import (
    CentredDense,
    certified_solution,
    exact_instead,
    floor_limited,
    intercept_misses,
)
from .sparse_iterative import SPARSE_ACCURACY, certified_bound

#: The certified relative accuracy of the coefficients: ``||b - b*|| <= SAG_ACCURACY ||b||``
#: (the sparse route's, 1e-10).
SAG_ACCURACY = SPARSE_ACCURACY

#: Epochs between recomputations of the residual's rounding floor far from a stop.
FLOOR_EPOCHS = 10

#: Epoch cap when ``max_iter`` is None (scikit-learn's for sag/saga).
DEFAULT_EPOCHS = 1000

def auto_step_size(max_squared_sum: float, alpha_s: float, n_samples: int, saga: bool):
    """scikit-learn's ``get_auto_step_size`` for the squared loss without an intercept
    term (the data are centred): ``1/L`` for SAG, ``1/(2L + min(2 n alpha_s, L))`` for
    SAGA, with ``L = max_squared_sum + alpha_s``."""
    lipschitz = max_squared_sum + alpha_s
    if lipschitz <= 0:  # X is constant: b = 0 is the optimum, found before any step
        return 1.0
    if saga:
        return 1.0 / (2 * lipschitz + min(2 * n_samples * alpha_s, lipschitz))
    return 1.0 / lipschitz


def solve_sag(problem, method: str, max_iter=None, random_state=None) -> Solution:
    """SAG or SAGA on dense ``problem.X``, one target at a time, certified per target.

    Parameters
    ----------
    problem : LeastSquaresProblem
        With X in memory (any float dtype; computed in float64).
    method : {"sag", "saga"}
    max_iter : int or None
        Epoch cap per target (default 1000).
    random_state : int, RandomState instance or None
        Seeds the rows drawn (scikit-learn's ``check_random_state``).

    Returns
    -------
    Solution
        ``diagnostics``: ``n_iter`` and ``sklearn_n_iter`` (epochs per target, int32
        as scikit-learn's ``n_iter_``), ``bounds``, ``stopped``, ``gram_floor`` (``mu``).
    """
    from . import solve

    op = CentredDense(problem.X, problem.weights, problem.fit_intercept, problem.moments)
    if exact_instead(problem, op):
        return solve(problem, "auto")
    Y = np.asarray(problem.Y, dtype=np.float64)
    n, p = op.shape
    cap = DEFAULT_EPOCHS if max_iter is None else int(max_iter)
    seed = check_random_state(random_state).randint(1, np.iinfo(np.int32).max)
    t = Y.shape[1]
    coef, intercept = np.zeros((t, p)), np.zeros(t)
    iters, bounds = np.zeros(t, dtype=np.int64), np.zeros(t)
    max_sq = float(np.max(op.w * np.einsum("ij,ij->i", op.X, op.X), initial=0.0))
    mu = op.gram_floor()
    for j in range(t):
        a = float(problem.alpha[j])
        step = auto_step_size(max_sq, a / n, n, method == "saga")
        run = _Run(op, Y[:, j], a, mu)
        coef[j], iters[j], bounds[j] = run.epochs(method, step, cap, seed)
        intercept[j] = op.intercept(Y[:, j], coef[j])
    if floor_limited(bounds, iters, cap) or intercept_misses(problem, op, coef, intercept, bounds):
        return solve(problem, "auto")
    return certified_solution(
        method, coef, intercept, iters, bounds, cap, iters.astype(np.int32), mu, " epochs"
    )


class _Run:
    """The state of SAG/SAGA on one target: slopes, gradient memory, the stopping test."""

    def __init__(self, op: CentredDense, y, alpha: float, mu: float = 0.0):
        self.op, self.alpha, self.mu = op, alpha, mu
        n, p = op.shape
        self.yc = y - (float(op.w @ y / op.W) if op.fit_intercept else 0.0)
        self.b, self.sums = np.zeros(p), np.zeros(p)
        self.memory, self.seen = np.zeros(n), np.zeros(n, dtype=np.int8)
        self.n_seen = 0
        self.floor, self.age = None, 0

    def bound(self) -> float:
        """The certified relative error ``(||r|| + floor) / ((alpha + mu) ||b||)`` of the
        current slopes, with the normal-equation residual ``r`` formed from X and
        ``floor`` the bound on its rounding; sets ``floored`` when the floor alone
        misses :data:`SAG_ACCURACY` and ``||r||`` is already below it (no further epoch
        can certify the target)."""
        op, b, lam = self.op, self.b, self.alpha + self.mu
        r = op.rmatvec_w(self.yc - op.X @ b) - self.alpha * b
        self._refresh_floor(r, force=certified_bound(r, b, lam) <= SAG_ACCURACY)
        self.floored = bool(
            certified_bound(0.0, b, lam, self.floor) > SAG_ACCURACY
            and np.linalg.norm(r) <= self.floor
        )
        return certified_bound(r, b, lam, self.floor)

    def _refresh_floor(self, r, force: bool) -> None:
        """The residual's rounding floor (as costly as the residual): recomputed when a
        stop is in sight (``force``, or ``||r||`` within 4 times the last floor) and
        every :data:`FLOOR_EPOCHS` epochs; between, the last one (it moves with ``|b|``
        only, and only decides whether to go on)."""
        near = self.floor is not None and np.linalg.norm(r) <= 4 * self.floor
        if force or near or self.floor is None or self.age >= FLOOR_EPOCHS:
            self.floor, self.age = self.op.residual_floor(self.yc, self.b, self.alpha), 0
        else:
            self.age += 1

    def epochs(self, method: str, step: float, cap: int, seed: int):
        """Run epochs until the bound reaches :data:`SAG_ACCURACY` or ``cap``; returns
        ``(b, epochs, bound)``."""
        from ._sag_kernels import sag_epoch  # numba, on first use

        op, n = self.op, self.op.shape[0]
        rng = np.random.default_rng(seed)
        alpha_s, saga = self.alpha / n, method == "saga"
        bound, done = self.bound(), 0
        while bound > SAG_ACCURACY and done < cap and not (done and self.floored):
            order = rng.integers(0, n, size=n)
            self.n_seen = sag_epoch(
                op.X, self.yc, op.w, order, self.b, self.sums, self.memory, self.seen,
                self.n_seen, step, alpha_s, saga,
            )
            done += 1
            bound = self.bound()
        if self.age:  # the bound reported rests on a fresh floor
            self.age = FLOOR_EPOCHS
            bound = self.bound()
        return self.b, done, bound
