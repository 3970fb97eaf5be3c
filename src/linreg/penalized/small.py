"""Coordinate descent on a small Gram matrix in NumPy: a first fit without numba.

Importing numba and loading the cached kernels costs about a second in a new process,
while a Lasso on a few dozen features converges in a few hundred coordinate updates.
:func:`cd_gram` runs such problems here, in NumPy: the same cyclic coordinate descent
as :func:`linreg.penalized._kernels.cd_gram` (the same updates in the same order, the
same gap-safe screening, and the same stopping rule: duality gap, KKT conditions and
certified coefficient bound, accepted only on an exactly recomputed gradient), so it
returns what the numba kernel returns, to rounding.  The objective, for one target::

    P(w) = 1/2 w'Gw - q'w + c/2 + l1 ||w||_1 + l2/2 ||w||^2   (subject to w >= 0
                                                                 with ``positive``)

Routing (tiered, as a JIT's interpreter): NumPy while the problem is small
(``SMALL_MAX_FEATURES``), numba's kernels are not yet loaded in the process, and the
process has spent less than ``PROCESS_BUDGET`` coordinate updates here; a fit that
exceeds ``CALL_BUDGET`` updates continues in the numba kernel from its current iterate.
So a process pays the numba load only once the NumPy work would cost as much.  A path
(``lasso_path``, each fold of the CV) is planned up front (:func:`plan_path`): when its
expected work exceeds what the process may still spend here, numba is loaded before
its first point, rather than after a budget's worth of NumPy sweeps.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import numpy as np

#: Machine epsilon, for the rounding floors (as in the numba kernels).
EPS = np.finfo(np.float64).eps
#: Problems with at most this many features may run in NumPy.
SMALL_MAX_FEATURES = 64
#: Work one fit may do in NumPy before it continues in numba, in coordinate updates
#: (2-4 microseconds each here), a sweep's checks (gap, KKT) counted as SWEEP_COST
#: updates: a few tens of milliseconds.
CALL_BUDGET = 20_000
SWEEP_COST = 20
#: Work a process may do in NumPy in all (about what numba's import and cache load
#: cost, half a second to a second: a few tenths of a second here): after that every fit
#: runs in numba, so a process never pays much more than the numba load it avoided.
PROCESS_BUDGET = 100_000
#: Expected sweeps per path point (warm-started): ``SWEEPS_BASE`` plus the Jacobi-scaled
#: condition number of ``G + l2 I`` at the path's smallest alpha over
#: ``SWEEPS_PER_CONDITION`` (cyclic CD's rate on a quadratic), at most ``SWEEPS_MAX``.
#: On diabetes: the Lasso (condition 470) 49, measured 30-60 at the CV's tolerance;
#: l1_ratio 0.5 (condition 5) 2.5, measured about 1.
SWEEPS_BASE = 2.0
SWEEPS_PER_CONDITION = 10.0
SWEEPS_MAX = 500.0
_KERNELS = __package__ + "._kernels"
_spent = 0
_forced = None


def uses_numpy(n_features: int) -> bool:
    """Whether the next Gram fit with ``n_features`` features starts in NumPy."""
    if _forced is not None:
        return _forced == "numpy"
    small = n_features <= SMALL_MAX_FEATURES
    return small and _KERNELS not in sys.modules and _spent < PROCESS_BUDGET


def expected_path_work(G, alpha_min: float, l1_ratio: float, n_points: int) -> float:
    """Expected coordinate updates (``SWEEP_COST`` per sweep's checks) of ``n_points``
    warm-started fits on the Gram matrix ``G``, the smallest alpha ``alpha_min`` (see
    ``SWEEPS_BASE``)."""
    p = G.shape[0]
    d = np.diagonal(G)
    keep = d > 0.0
    if not keep.any():
        return 0.0
    l2 = max(float(alpha_min) * (1.0 - float(l1_ratio)), 0.0)
    H = G[np.ix_(keep, keep)] + l2 * np.eye(int(keep.sum()))
    scale = 1.0 / np.sqrt(np.diagonal(H))
    ev = np.linalg.eigvalsh(H * np.outer(scale, scale))
    condition = ev[-1] / ev[0] if ev[0] > 0.0 else np.inf
    sweeps = min(SWEEPS_BASE + condition / SWEEPS_PER_CONDITION, SWEEPS_MAX)
    return float(n_points) * sweeps * (p + SWEEP_COST)


def plan_path(G, alphas, l1_ratio: float, n_targets: int = 1) -> bool:
    """Before a path on the Gram matrix ``G``: load numba's kernels now (every later Gram
    fit of the process then runs there) when the path's expected NumPy work
    (:func:`expected_path_work`) exceeds what the process may still spend in NumPy, so a
    long path does not pay a budget of NumPy sweeps and then the numba load.  Returns
    whether the path will run in NumPy."""
    p = G.shape[0]
    if not uses_numpy(p):
        return False
    if _forced is not None or len(alphas) == 0 or not np.all(np.isfinite(G)):
        return True
    work = expected_path_work(G, float(np.min(alphas)), l1_ratio, len(alphas) * n_targets)
    if work <= PROCESS_BUDGET - _spent:
        return True
    from . import _kernels  # noqa: F401  (numba: imported, the route of every later fit)

    return False


@contextmanager
def forced(route: str):
    """Run every Gram-layout fit in ``"numpy"`` (whatever its size, no budget) or in
    ``"numba"`` inside the block: for tests and benchmarks comparing the two."""
    global _forced
    if route not in ("numpy", "numba"):
        raise ValueError(f"route must be 'numpy' or 'numba', got {route!r}")
    previous, _forced = _forced, route
    try:
        yield
    finally:
        _forced = previous


def duality_gap(w, g, rr, l1, l2, positive=False):
    """``(gap, primal, s, floor)`` at ``w``: the duality gap, the objective, the scale of
    the dual point kept and the gap's rounding floor; the formulas of
    :func:`linreg.penalized._kernels.duality_gap` (two dual points, the smaller gap),
    vectorized.  ``g = q - Gw``, ``rr = R'R/W``."""
    wg = float(w @ g)
    l1norm = float(np.sum(np.abs(w)))
    w2 = float(w @ w)
    a = g - l2 * w
    dual_norm = float(np.max(a if positive else np.abs(a), initial=0.0))
    excess = (g if positive else np.abs(g)) - l1
    conj = float(np.sum(np.square(excess[excess > 0.0])))
    rr = max(rr, 0.0)
    primal = 0.5 * rr + l1 * l1norm + 0.5 * l2 * w2
    s = l1 / dual_norm if dual_norm > l1 and dual_norm > 0.0 else 1.0
    gap = 0.5 * (1.0 - s) ** 2 * rr - s * wg + l1 * l1norm + 0.5 * l2 * (1.0 + s * s) * w2
    if l2 > 0.0:
        gap2 = -wg + l1 * l1norm + 0.5 * l2 * w2 + conj / (2.0 * l2)
        if gap2 < gap:
            gap, s = gap2, 1.0
    floor = 8.0 * EPS * (abs(wg) + l1 * l1norm + l2 * w2 + 0.5 * rr * (1.0 - s) ** 2)
    return gap, primal, s, floor


def subgradient_residual(w, g, l1, l2, positive=False) -> np.ndarray:
    """The minimum-norm subgradient of ``P`` at ``w`` entry by entry (the KKT residual):
    ``|g_j - l2 w_j - l1 sign(w_j)|`` where ``w_j != 0``, ``(|g_j| - l1)_+`` where
    ``w_j = 0``; with ``positive``, ``(g_j - l1)_+`` where ``w_j = 0`` and ``inf`` where
    ``w_j < 0`` (infeasible).  As :func:`linreg.penalized._kernels.subgradient_norms`."""
    w = np.asarray(w, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    at_zero = np.maximum((g if positive else np.abs(g)) - l1, 0.0)
    off_zero = np.abs(g - l2 * w - l1 * np.sign(w))
    v = np.where(w == 0.0, at_zero, off_zero)
    if positive:
        v[w < 0.0] = np.inf
    return v


def subgradient_norms(w, g, l1, l2, positive=False) -> tuple[float, float]:
    """Largest entry and 2-norm of :func:`subgradient_residual` (NumPy, any size)."""
    v = subgradient_residual(w, g, l1, l2, positive)
    if v.size == 0:
        return 0.0, 0.0
    return float(np.max(v)), float(np.sqrt(v @ v))


def _gap_blind(l1, l2, gfloor, primal, target, p) -> bool:
    """Whether the gap cannot reach ``target`` with the gradient known to ``gfloor``
    (``l1``, ``l2`` near 0): as :func:`linreg.penalized._kernels._gap_blind`."""
    lasso = primal * (gfloor / (l1 + gfloor)) ** 2 if l1 + gfloor > 0.0 else 0.0
    conj = p * gfloor * gfloor / (2.0 * l2) if l2 > 0.0 else np.inf
    return lasso > target and conj > target


def _done(w, g, gap, primal, floor, tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu, positive):
    """The numba kernels' stopping rule (``_kernels._done``): gap at most ``tol * P``,
    ``abs_tol`` or its rounding floor (waived where the gap is blind, as at ``l1 = 0``,
    once the KKT residual is at the gradient's rounding); KKT residual at most
    ``kkt_tol * alpha`` (or the gradient's rounding); with ``mu > 0``, the certified
    bound ``||s||_2 / mu`` at most ``kkt_tol ||w||_2`` (or ``||s||`` at the gradient's
    rounding floor)."""
    w1 = float(np.sum(np.abs(w)))
    floor = max(floor, 64.0 * EPS * (gscale + hscale * w1) * w1)
    # the gradient's rounding, EPS (|q_j| + |G_j.||w|) per entry (about 1 at the exact
    # solution of test problems, p up to 300): stationary to rounding below 16 of it
    stationary = 16.0 * EPS * (gscale + hscale * w1)
    gfloor = max(1e3 * EPS * gscale, stationary)
    worst, norm = subgradient_norms(w, g, l1, l2, positive)
    target = max(tol * primal, abs_tol, floor)
    blind = _gap_blind(l1, l2, stationary, primal, target, w.shape[0])
    if not (gap <= target or (worst <= stationary and blind)):
        return False
    if worst > max(kkt_tol * (l1 + l2), gfloor):
        return False
    if mu > 0.0 and kkt_tol < np.inf:
        wnorm = float(np.sqrt(w @ w))
        rounding = 1e3 * EPS * (gscale + hscale * w1) * np.sqrt(w.shape[0])
        if norm > mu * kkt_tol * wnorm and norm > rounding:
            return False
    return True


def _gradient(G, q, w) -> np.ndarray:
    """``g = q - Gw``, subtracting the rows of the nonzero coefficients in order."""
    g = q.copy()
    for j in np.flatnonzero(w):
        g -= w[j] * G[j]
    return g


def _gap(w, g, c, q, idx, l1, l2, positive):
    """The duality gap of the problem restricted to the features ``idx``."""
    wi, gi = w[idx], g[idx]
    rr = c - float(q[idx] @ wi) - float(wi @ gi)
    return (*duality_gap(wi, gi, rr, l1, l2, positive), wi, gi)


def _sweep(G, g, w, diag, idx, l1, l2, positive) -> None:
    """One cyclic sweep over ``idx``, updating ``w`` and ``g = q - Gw`` in place."""
    for j in idx:
        wj = w[j]
        z = g[j] + diag[j] * wj
        if z > l1:
            num = z - l1
        elif z < -l1 and not positive:
            num = z + l1
        else:
            num = 0.0
        new = num / (diag[j] + l2)
        d = new - wj
        if d != 0.0:
            w[j] = new
            g -= d * G[j]


def _numpy_cd(G, q, c, l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu, positive):
    """Coordinate descent in NumPy, as ``_kernels.cd_gram``, for at most ``CALL_BUDGET``
    of work (unless a route is forced): ``(gap, primal, n_iter, converged, finished)``, ``finished``
    False when the budget ran out first (``w`` then holds the last iterate)."""
    global _spent
    p = q.shape[0]
    diag_arr = np.ascontiguousarray(np.diagonal(G))
    diag = diag_arr.tolist()
    dmax = max(float(np.max(diag_arr)), 0.0) if p else 0.0
    gscale = float(np.sqrt(dmax * max(c, 0.0)))
    hscale = dmax
    active = diag_arr > 0.0
    w[~active] = 0.0  # constant columns: their coefficients are zero
    if positive:
        np.maximum(w, 0.0, out=w)  # a negative warm start is projected
    idx = np.flatnonzero(active)
    g = _gradient(G, q, w)
    gap, primal, n_iter, used = np.inf, np.inf, 0, 0
    args = (tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu, positive)
    for it in range(max_iter):
        if used + idx.size + SWEEP_COST > CALL_BUDGET and _forced is None:
            _spent += used
            return gap, primal, n_iter, False, False
        n_iter = it + 1
        used += idx.size + SWEEP_COST
        _sweep(G, g, w, diag, idx.tolist(), l1, l2, positive)
        gap, primal, s, floor, wi, gi = _gap(w, g, c, q, idx, l1, l2, positive)
        if _done(wi, gi, gap, primal, floor, *args):
            if gap <= 0.5 * abs_tol and kkt_tol == np.inf:
                _spent += used
                return gap, primal, n_iter, True, True
            g = _gradient(G, q, w)  # accept only on an exactly recomputed gradient
            gap, primal, s, floor, wi, gi = _gap(w, g, c, q, idx, l1, l2, positive)
            if _done(wi, gi, gap, primal, floor, *args):
                _spent += used
                return gap, primal, n_iter, True, True
        if screening:
            idx = _screen(G, g, w, diag_arr, gap, s, l1, active, positive)
    _spent += used
    return gap, primal, n_iter, False, True


def _screen(G, g, w, diag, gap, s, l1, active, positive) -> np.ndarray:
    """Gap-safe sphere test (``_kernels._screen``): features with
    ``s |g_j| + sqrt(2 gap G_jj) < l1`` (``s g_j`` with ``positive``) are zero at the
    optimum; they leave ``active`` and their coefficients are zeroed (``g`` updated).
    Returns the remaining active features."""
    radius = np.sqrt(2.0 * max(gap, 0.0))
    gj = g if positive else np.abs(g)
    out = np.flatnonzero(active & (s * gj + radius * np.sqrt(diag) < l1))
    active[out] = False
    for j in out:
        if w[j] != 0.0:
            d = -w[j]
            w[j] = 0.0
            g -= d * G[j]
    return np.flatnonzero(active)


def cd_gram(G, q, c, l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu, positive=False):
    """Coordinate descent on the Gram layout, ``w`` (the warm start) updated in place:
    ``(gap, primal, n_iter, converged)``, as :func:`linreg.penalized._kernels.cd_gram`
    (same arguments).  Runs in NumPy where :func:`uses_numpy` says so, continuing in the
    numba kernel from the current iterate if the NumPy budget runs out."""
    n_iter = 0
    if uses_numpy(q.shape[0]):
        args = (G, q, c, l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu, positive)
        gap, primal, n_iter, converged, finished = _numpy_cd(*args)
        if finished:
            return gap, primal, n_iter, converged
    from . import _kernels  # numba: compiled (or loaded from cache) on first use

    gap, primal, more, converged = _kernels.cd_gram(
        G, q, c, l1, l2, w, max_iter - n_iter, tol, kkt_tol, abs_tol, screening, mu, positive
    )
    return gap, primal, n_iter + int(more), bool(converged)
