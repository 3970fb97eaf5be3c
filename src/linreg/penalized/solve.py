"""The elastic net as data plus a penalty: the two layouts coordinate descent runs on.

:class:`GramData` holds ``G = X'WX/W``, ``q = X'WY/W``, ``c = diag(Y'WY)/W`` (centred
when there is an intercept), built from :class:`linreg.Moments` alone, so a fit needs
one pass over the data and works wherever Moments do (chunks, files, Dask, CV folds as
total minus fold).  :class:`DesignData` holds the centred, ``sqrt(w)``-scaled X for
the regime where ``p`` is large or the Gram matrix would cost more than the sweeps.

Both give the same optimum of::

    1/(2W) sum_i w_i (y_i - b - x_i'w)^2 + l1 ||w||_1 + l2/2 ||w||^2,

``W = sum_i w_i``, with the intercept ``b = ybar - xbar'w`` profiled out, optionally
subject to ``w >= 0`` (``positive``; the intercept stays free).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..centring import centre
from ..moments import Moments
from ..solution import Solution
from . import small

#: Default stopping tolerance: duality gap <= TOL * objective.  CD converges linearly,
#: so the last digits are cheap; at 1e-12 the objective is within 1e-12 (relative)
#: of the optimum, which is also what scikit-learn reaches at its tol=1e-12.
TOL = 1e-13
MAX_ITER = 100_000
EPS = np.finfo(np.float64).eps

#: Default KKT requirement of a fit: optimality conditions to this fraction of alpha,
#: and, where the objective is strongly convex through the penalty (l1_ratio < 1), the
#: certified bound on the coefficients' error ``||w - w*||_2`` to this fraction of
#: ``||w||_2`` (or to the gradient's rounding floor).
KKT_TOL = 1e-8
#: The Gram layout knows its smallest eigenvalue (one ``eigvalsh``) up to this many features.
EIGH_MAX_FEATURES = 200


def _smallest_eigenvalue(G: np.ndarray) -> float:
    """``lambda_min(G)`` less its rounding error, floored at 0 (0 for large or empty G)."""
    p = G.shape[0]
    if p == 0 or p > EIGH_MAX_FEATURES or not np.all(np.isfinite(G)):
        return 0.0
    ev = np.linalg.eigvalsh(G)
    margin = 4.0 * p * np.finfo(np.float64).eps * max(abs(ev[-1]), abs(ev[0]))
    return float(max(ev[0] - margin, 0.0))


def _check_finite_moments(cross: np.ndarray, W: float, p: int) -> None:
    """ValueError naming the column of X (or the target) whose statistics overflowed."""
    if np.isfinite(W) and np.all(np.isfinite(cross)):
        return
    if not np.isfinite(W):
        raise ValueError("sample_weight: the weights' sum overflows float64; rescale them")
    bad = int(np.flatnonzero(~np.isfinite(cross).all(axis=1))[0])
    what = f"X column {bad}" if bad < p else "y"
    raise ValueError(f"{what}: its weighted sums of squares overflow float64; rescale it")


@dataclass
class GramData:
    G: np.ndarray  # (p, p) C-contiguous
    q: np.ndarray  # (p, k)
    c: np.ndarray  # (k,)
    x_mean: np.ndarray
    y_mean: np.ndarray
    weight_sum: float

    @classmethod
    def from_moments(cls, m: Moments, fit_intercept: bool = True) -> GramData:
        W = m.weight_sum
        p = m.n_features
        if fit_intercept:
            cross, x_mean, y_mean = m.cross, m.x_mean, m.y_mean
        else:
            cross = m.uncentred()
            x_mean, y_mean = np.zeros(p), np.zeros(m.n_targets)
        _check_finite_moments(cross, W, p)
        G = np.ascontiguousarray(cross[:p, :p] / W)
        q = np.ascontiguousarray(cross[:p, p:] / W)
        c = np.diag(cross[p:, p:]).copy() / W
        return cls(G, q, c, np.asarray(x_mean, float), np.asarray(y_mean, float), W)

    @property
    def n_features(self) -> int:
        return self.G.shape[0]

    def null_objective(self) -> np.ndarray:
        """Per target, the objective at ``w = 0``: ``y'Wy / 2W`` (centred)."""
        return 0.5 * self.c

    def xty_max(self, positive: bool = False) -> np.ndarray:
        """Per feature, the 2-norm over targets of ``X'WY/W`` (for alpha_max); with
        ``positive``, the largest signed value over targets (only ``x_j'y > 0`` can
        make a coefficient nonzero)."""
        return _xty_max(self.q, positive)

    def curvature(self) -> float:
        """A lower bound on the smallest eigenvalue of ``G`` (0 when unknown: over
        EIGH_MAX_FEATURES features, or G singular to rounding), computed once."""
        if getattr(self, "_curvature", None) is None:
            self._curvature = _smallest_eigenvalue(self.G)
        return self._curvature

    def gradient(self, t: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X'W(y_t - Xw)/W = q_t - G w`` and a bound on its rounding error (per entry)."""
        err = (self.n_features + 2) * EPS * (np.abs(self.q[:, t]) + np.abs(self.G) @ np.abs(w))
        return self.q[:, t] - self.G @ w, err


@dataclass
class DesignData:
    X: np.ndarray  # (n, p) Fortran order, centred and sqrt(w)-scaled
    Y: np.ndarray  # (n, k)
    x_mean: np.ndarray
    y_mean: np.ndarray
    weight_sum: float

    @classmethod
    def from_arrays(cls, X, Y, w=None, fit_intercept: bool = True) -> DesignData:
        """Centre with the weighted mean (:func:`linreg.centring.centre`: shifted by the
        row of largest weight and centred twice, so that neither an offset nor a heavy
        row is rounded into the centred values), then scale the rows by ``sqrt(w)``.
        X is stored in Fortran order (columns contiguous for coordinate descent)."""
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
        n, p = X.shape
        W = float(n) if w is None else float(np.sum(w))
        wv = None if w is None else np.asarray(w, dtype=np.float64)
        Xc = np.empty((n, p), order="F")
        if fit_intercept and n:
            Xc, x_mean = centre(X, wv, out=Xc)
            Yc, y_mean = centre(Y, wv)
        else:
            Xc[...] = X
            Yc = Y.copy()
            x_mean, y_mean = np.zeros(p), np.zeros(Y.shape[1])
        if wv is not None:
            root = np.sqrt(wv)
            Xc *= root[:, None]
            Yc *= root[:, None]
        return cls(Xc, np.ascontiguousarray(Yc.T), x_mean, np.atleast_1d(y_mean), W)

    def __post_init__(self):
        # ||x_j||^2 / W, the coordinate-descent step of every fit on these data
        self.col_norms = np.einsum("ij,ij->j", self.X, self.X) / self.weight_sum

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def null_objective(self) -> np.ndarray:
        return 0.5 * np.sum(self.Y**2, axis=1) / self.weight_sum

    def xty_max(self, positive: bool = False) -> np.ndarray:
        return _xty_max(self.X.T @ self.Y.T / self.weight_sum, positive)

    def curvature(self) -> float:
        return 0.0

    def gradient(self, t: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X'(y_t - Xw)/W`` on the centred, weight-scaled copy, and a bound on its
        rounding error (per entry)."""
        n, p = self.X.shape
        R = self.Y[t] - self.X @ w
        A = np.abs(self.X)
        dR = (p + 2) * EPS * (np.abs(self.Y[t]) + A @ np.abs(w))
        err = (A.T @ ((n + 2) * EPS * np.abs(R) + dR)) / self.weight_sum
        return self.X.T @ R / self.weight_sum, err


def _xty_max(xty: np.ndarray, positive: bool) -> np.ndarray:
    """Per feature (rows of ``xty``, (p, k)): the 2-norm over targets, or with
    ``positive`` the largest value (scikit-learn's ``_alpha_grid``)."""
    if positive:
        return np.max(xty, axis=1, initial=-np.inf)
    return np.sqrt(np.sum(xty**2, axis=1))


_NONE = np.empty(0)


def _coordinate_descent(
    data, t, w, l1, l2, max_iter, tol, kkt_tol, abs_tol, screening, state=None, mu=0.0,
    positive=False,
):
    """The layout's kernel for target t (``w`` updated in place; ``positive``: subject
    to ``w >= 0``):
    ``(gap, primal, n_iter, converged, state)``, ``state`` the design layout's
    ``(R, g)`` at ``w`` (and taken as those at the warm start when given)."""
    if isinstance(data, GramData):  # NumPy for small problems (see .small), else numba
        q = np.ascontiguousarray(data.q[:, t])
        out = small.cd_gram(
            data.G, q, data.c[t], l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu,
            positive,
        )
        return (*out, None)
    if hasattr(data, "solve"):  # sparse design
        out = data.solve(t, l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu, positive)
        return (*out, None)
    from . import _kernels  # numba: compiled (or loaded from cache) on first use

    y = np.ascontiguousarray(data.Y[t])
    R_in, g_in = (_NONE, _NONE) if state is None else state
    *out, R, g = _kernels.cd_design(
        data.X.T,
        y,
        data.weight_sum,
        l1,
        l2,
        w,
        max_iter,
        tol,
        kkt_tol,
        abs_tol,
        screening,
        3,
        data.col_norms,
        R_in,
        g_in,
        mu,
        positive,
    )
    return (*out, (R, g))


def certify(
    data, t: int, w: np.ndarray, l1: float, l2: float, gap: float, mu: float, positive=False
):
    """``(bound, kkt)`` at ``w`` for target ``t``, from an exactly recomputed gradient:
    ``kkt`` the largest entry of the minimum-norm subgradient ``s``, and, where ``P`` is
    ``mu``-strongly convex (``mu > 0``), ``||w - w*||_2 <= ||s||_2 / mu`` (``s`` in
    ``dP(w)`` and ``0`` in ``dP(w*)``: ``<s, w - w*> >= mu ||w - w*||^2``), with the
    gradient's rounding error added to ``||s||``; inf otherwise.  The bound is for the
    problem as held (``G``, ``q`` or the centred copy of X).  With ``positive``, ``P``
    includes the indicator of ``w >= 0`` (convex: the same argument holds), and ``s``
    is its minimum-norm subgradient (see ``_kernels.subgradient_norms``)."""
    g, err = data.gradient(t, w)
    worst, norm = small.subgradient_norms(w, np.ascontiguousarray(g), l1, l2, positive)
    if not mu > 0.0:
        return np.inf, float(worst)
    # the subgradient is 1-Lipschitz in g, entry by entry: add g's rounding error
    return float((norm + np.linalg.norm(err)) / mu), float(worst)


def solve_enet(
    data,
    alpha: float,
    l1_ratio: float,
    coef_init=None,
    tol: float = TOL,
    max_iter: int = MAX_ITER,
    screening: bool = True,
    kkt_tol: float = KKT_TOL,
    null_tol: float = 0.0,
    state: list | None = None,
    curvature: bool = False,
    positive: bool = False,
) -> Solution:
    """Coordinate descent for every target of ``data`` (GramData or DesignData).

    ``positive``: minimize subject to ``coef >= 0`` (every target; the intercept is
    free); the duality gap, KKT residual and coefficient bound are then those of the
    constrained problem.

    Stops when the duality gap is at most ``tol`` times the objective (or at most
    ``null_tol`` times the objective of ``w = 0``, ``y'Wy / 2W``: scikit-learn's kind of
    tolerance, for the CV paths) and the KKT conditions hold to ``kkt_tol * alpha``.

    ``state``: the ``diagnostics["state"]`` of a fit on the same data whose ``coef`` is
    ``coef_init`` (the previous alpha of a path), saving the first gradient.
    ``curvature``: add the Gram matrix's smallest eigenvalue (up to EIGH_MAX_FEATURES
    features) to the strong convexity of the reported bound, making it finite for the
    Lasso with a full-rank design (one ``eigvalsh``: for final fits, not path points).

    Returns a :class:`linreg.Solution`: ``coef`` (k, p), ``intercept`` (k,), ``solver``
    ("cd-gram", "cd-design" or "cd-sparse"), ``n_iter`` (the largest over targets),
    ``status`` "ok" or "not_converged", ``error_estimate`` the largest over targets of
    the certified ``||coef - coef*||_2 / ||coef||_2`` (inf where not known to be strongly
    convex; see :func:`certify`), and ``diagnostics``: per target (arrays of shape (k,))
    "dual_gap" (in scikit-learn's scaling), "objective", "kkt" (largest KKT residual) and
    "coef_bound" (the absolute bound), plus "converged" and "state" (design layout: per
    target the residual and gradient at ``coef``, for a warm start; else None)."""
    l1 = float(alpha) * float(l1_ratio)
    l2 = float(alpha) * (1.0 - float(l1_ratio))
    p = data.n_features
    k = data.y_mean.shape[0]
    coef = np.zeros((k, p)) if coef_init is None else np.array(coef_init, dtype=np.float64)
    coef = coef.reshape(k, p)
    gaps, objectives, bounds, kkts = np.empty(k), np.empty(k), np.empty(k), np.empty(k)
    n_iter, converged = 0, True
    null = data.null_objective()
    # strong convexity of P: the L2 penalty (the stopping rule's), plus the data term's
    # smallest eigenvalue where asked for (the reported bound's: one eigvalsh)
    mu = l2
    mu_cert = l2 + (data.curvature() if curvature and np.isfinite(kkt_tol) else 0.0)
    states = []
    for t in range(k):
        abs_tol = float(null_tol * null[t])
        w = np.ascontiguousarray(coef[t])
        gap, primal, it, ok, st = _coordinate_descent(
            data, t, w, l1, l2, max_iter, tol, kkt_tol, abs_tol, screening, state and state[t], mu,
            positive,
        )
        states.append(st)
        gaps[t], objectives[t] = gap, primal
        if np.isfinite(kkt_tol):
            bounds[t], kkts[t] = certify(data, t, w, l1, l2, gap, mu_cert, positive)
        else:  # the loose first stage of the CV paths: not certified
            bounds[t], kkts[t] = np.inf, np.nan
        coef[t] = w
        n_iter = max(n_iter, int(it))
        converged &= bool(ok)
    intercept = data.y_mean - coef @ data.x_mean
    kept = states if all(st is not None for st in states) else None
    diagnostics = {
        "dual_gap": gaps,
        "objective": objectives,
        "kkt": kkts,
        "coef_bound": bounds,
        "converged": converged,
        "state": kept,
    }
    return _solution(data, coef, intercept, n_iter, diagnostics)


def _solution(data, coef, intercept, n_iter, diagnostics) -> Solution:
    """The :class:`linreg.Solution` of a coordinate-descent fit (see ``solve_enet``)."""
    norms = np.linalg.norm(coef, axis=1)
    bounds = diagnostics["coef_bound"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(bounds == 0, 0.0, bounds / norms)
    error = float(np.max(rel, initial=0.0))
    layout = (
        "gram" if isinstance(data, GramData) else "sparse" if hasattr(data, "solve") else "design"
    )
    if diagnostics["converged"]:
        status = "ok"
        message = (
            f"duality gap and KKT conditions met; coefficients certified to {error:.1e} relative"
            if np.isfinite(error)
            else "duality gap and KKT conditions met "
            "(no coefficient bound: the objective is not known to be strongly convex)"
        )
    else:
        status = "not_converged"
        message = "max_iter reached before the stopping rule held; raise max_iter or tol"
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=f"cd-{layout}",
        rank=-1,  # not computed by coordinate descent
        error_estimate=error,
        n_iter=int(n_iter),
        status=status,
        message=message,
        diagnostics=diagnostics,
    )


#: Rows per block of the finishing step's pass over X (bounded extra memory).
REFINE_BLOCK = 65_536
#: Newton steps of the finishing step (the second brings the rows' KKT residual to rounding).
REFINE_STEPS = 2


def _rows_gradient(X, y, s, data: GramData, t: int, coef: np.ndarray) -> np.ndarray:
    """``X_c' S (y_c - X_c coef) / W`` from the rows (``X_c = X - x_mean``, ``y_c`` likewise,
    ``S`` the weights), in blocks of REFINE_BLOCK rows: no squared condition number, as the
    design layout's gradient."""
    n, p = X.shape
    g = np.zeros(p)
    for start in range(0, n, REFINE_BLOCK):
        block = np.asarray(X[start : start + REFINE_BLOCK], dtype=np.float64) - data.x_mean
        r = np.asarray(y[start : start + REFINE_BLOCK], dtype=np.float64) - data.y_mean[t]
        r -= block @ coef
        if s is not None:
            r *= s[start : start + REFINE_BLOCK]
        g += block.T @ r
    return g / data.weight_sum


def refine_from_rows(data: GramData, result: Solution, X, Y, w, alpha, l1_ratio, tol,
                     positive=False) -> Solution:
    """A finishing step for a Gram-layout fit that stopped at the Gram matrix's rounding
    floor (its duality gap above ``tol`` times the objective), when the dense rows X are
    in memory: iterative refinement of the optimality conditions on the nonzero
    coefficients ``A`` with the gradient recomputed from the rows (:func:`_rows_gradient`,
    accurate where ``q - G w`` loses ``cond(G) eps``).  Each step solves
    ``(G_AA + l2 I) d = g_A - l2 w_A - l1 sign(w_A)`` (a Newton step of ``P`` restricted to
    the signs of ``w``: exact for the quadratic).  A step is kept only if no sign changes
    and it moves ``w`` by less than the Gram fit's certified bound (``w*`` lies within it,
    so the step cannot leave the region the certificate covers); the bound, KKT residual,
    gap and objective are then recomputed at the new ``w`` from the Gram matrix
    (:func:`certify`), so the reported figures stay those of the problem as held.

    scikit-learn's ``test_enet_ridge_consistency`` (l1_ratio 0, cond(G) ~ 1e7, tol 1e-16):
    the coefficients move from 2e-10 to 3e-13 of the SVD ridge solution."""
    diag = result.diagnostics
    gaps, objectives = diag["dual_gap"], diag["objective"]
    if not np.all(np.isfinite(diag["coef_bound"])) or np.all(gaps <= tol * objectives):
        return result
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    l1 = float(alpha) * float(l1_ratio)
    l2 = float(alpha) * (1.0 - float(l1_ratio))
    s = None if w is None else np.asarray(w, dtype=np.float64)
    mu_cert = l2 + data.curvature()
    changed = False
    for t in range(result.coef.shape[0]):
        start = result.coef[t].copy()
        A = np.flatnonzero(start)
        if A.size == 0:
            continue
        try:
            factor = cho_factor(data.G[np.ix_(A, A)] + l2 * np.eye(A.size))
        except (LinAlgError, ValueError):
            continue
        coef = start
        for _ in range(REFINE_STEPS):
            g = _rows_gradient(X, Y[:, t], s, data, t, coef)
            step = cho_solve(factor, g[A] - l2 * coef[A] - l1 * np.sign(coef[A]))
            new = coef.copy()
            new[A] += step
            if np.any(np.sign(new[A]) != np.sign(start[A])):
                break
            if np.linalg.norm(new - start) > diag["coef_bound"][t]:
                break
            coef = new
        if coef is start:
            continue
        bound, kkt = certify(data, t, coef, l1, l2, gaps[t], mu_cert, positive)
        # both sound: the bound at the new w, and the old one plus the distance moved
        bound = min(bound, diag["coef_bound"][t] + np.linalg.norm(coef - start))
        q = data.q[:, t]
        gq = q - data.G @ coef
        rr = data.c[t] - q @ coef - coef @ gq
        gap, primal, _, _ = small.duality_gap(coef, gq, rr, l1, l2, positive)
        result.coef[t] = coef
        result.intercept[t] = data.y_mean[t] - coef @ data.x_mean
        diag["coef_bound"][t], diag["kkt"][t] = bound, kkt
        gaps[t], objectives[t] = gap, primal
        changed = True
    if not changed:
        return result
    refined = _solution(data, result.coef, result.intercept, result.n_iter, diag)
    refined.message += "; refined from the rows (Gram floor)"
    return refined
