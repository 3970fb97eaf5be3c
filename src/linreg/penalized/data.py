"""What the coordinate-descent estimators and paths share: data layouts (Gram / design),
parameter and input checks, the sparse Moments, the alpha=0 least-squares solution.

The estimators themselves are in :mod:`linreg.models.elastic_net` and
:mod:`linreg.models.elastic_net_cv`; nothing here imports them.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints

from .._validation import assert_finite, validate_training_data
from ..moments import Moments
from .solve import DesignData, GramData

SOLVERS = ("auto", "gram", "design")
#: KKT requirement of a final fit (not of a CV fold's path point): the optimality
#: conditions to this fraction of alpha and, where strongly convex, the certified bound
#: on the coefficients' error to this fraction of ||coef|| (or the rounding floor).
#: Tighter than solve.KKT_TOL (1e-8) so that two layouts (dense, sparse, Gram) land on
#: the same coefficients to ~1e-9 relative, as scikit-learn's tests ask of its own
#: (identical) arithmetic; it costs 0 to 7 more sweeps (up to a quarter more) on diabetes
#: and on a 1000 x 200 problem (benchmarks/bench_cd_kkt.py).
FIT_KKT_TOL = 1e-10
#: Iterative trainers (proximal gradient, :mod:`linreg.penalized.iterative`).
ITERATIVE = ("gd", "torch")


#: A single dense fit uses the Gram layout up to this many features: forming the Gram
#: costs ~n p^2 / 2 flops (BLAS-3) once, coordinate descent on X costs ~n p per full
#: gradient plus ~n * (working set) per sweep, a few tens of n p in all; measured on
#: 10,000-200,000 rows the two break even near p = 300-500 (benchmarks/bench_lasso.py).
GRAM_MAX_FEATURES = 400
#: ...or when the centred copy of X that the design layout needs would exceed this.
DESIGN_MAX_BYTES = 2**31


def choose_layout(n_samples: int, n_features: int, is_sparse: bool, n_fits: int = 1) -> str:
    """The layout ``solver="auto"`` picks: "design" for sparse X or n < p; "gram" for
    paths and CV (``n_fits > 1``: one Gram serves every alpha), for few features, or
    when a copy of X would be large; otherwise (one fit, many features) "design"."""
    if is_sparse or n_samples < n_features:
        return "design"
    if n_fits > 1 or n_features <= GRAM_MAX_FEATURES:
        return "gram"
    return "gram" if 8 * n_samples * n_features > DESIGN_MAX_BYTES else "design"


def check_l1_ratio(l1_ratio) -> float:
    if not isinstance(l1_ratio, numbers.Real) or not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}")
    return float(l1_ratio)


def check_alpha(alpha, name="alpha") -> float:
    if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"{name} must be a finite non-negative number, got {alpha!r}")
    return float(alpha)


#: scikit-learn's constraints of the parameters linreg accepts for compatibility
#: (validated with scikit-learn's own machinery, so the error types match); ``"auto"``
#: for ``precompute`` is linreg's default (scikit-learn's Lasso/ElasticNet default False).
SKLEARN_CD_CONSTRAINTS = {
    "precompute": [StrOptions({"auto"}), "boolean", "array-like"],
    "copy_X": ["boolean"],
    "selection": [StrOptions({"cyclic", "random"})],
    "random_state": ["random_state"],
    "positive": ["boolean"],
}


def check_sklearn_cd_params(estimator) -> None:
    """InvalidParameterError (scikit-learn's) for an invalid ``precompute``, ``copy_X``,
    ``selection`` or ``random_state``."""
    params = {name: getattr(estimator, name) for name in SKLEARN_CD_CONSTRAINTS}
    validate_parameter_constraints(SKLEARN_CD_CONSTRAINTS, params, type(estimator).__name__)


def layout_from_precompute(precompute, solver: str):
    """The layout ``precompute`` asks for: "gram" (True or a Gram matrix), "design"
    (False) or None ("auto"); ValueError where an explicit ``solver`` contradicts it."""
    if isinstance(precompute, str):
        return None
    wanted = "gram" if (hasattr(precompute, "__array__") or precompute is True) else "design"
    if solver == "auto" or solver == wanted or (solver in ITERATIVE and wanted == "design"):
        return wanted if solver == "auto" else None
    raise ValueError(
        f"precompute={'an array' if wanted == 'gram' and precompute is not True else precompute}"
        f" asks for the {wanted!r} layout but solver={solver!r}; leave one of them at 'auto'"
    )


def check_user_gram(gram, X, w, fit_intercept) -> bool:
    """Check a user's Gram matrix (``precompute`` array) as scikit-learn's ``_pre_fit``
    would, but on every entry: it must equal ``X' diag(s) X`` with ``s`` the weights
    normalized to sum to n_samples (X as given, which must then have weighted column
    means 0 with an intercept).  Returns False, with scikit-learn's UserWarning, when an
    intercept is fitted and X is not centred (the Gram is recomputed, as scikit-learn
    does); raises ValueError when it does not match.  linreg then uses its own Gram
    matrix (from :class:`linreg.Moments`), never the given one."""
    n, p = X.shape
    G = np.asarray(gram, dtype=np.float64)
    if G.shape != (p, p):
        raise ValueError(f"precompute: a Gram matrix of shape ({p}, {p}) expected, got {G.shape}")
    s = np.ones(n) if w is None else np.asarray(w, dtype=np.float64) * (n / np.sum(w))
    Xd = X.toarray() if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    if fit_intercept and not np.allclose(s @ Xd / n, 0.0):
        warnings.warn(
            "Gram matrix was provided but X was centered to fit intercept: "
            "recomputing Gram matrix.",
            UserWarning,
            stacklevel=3,
        )
        return False
    expected = Xd.T @ (s[:, None] * Xd)
    scale = max(float(np.max(np.abs(np.diag(expected)), initial=0.0)), np.finfo(float).tiny)
    # scikit-learn's tolerance: 1e-7, or 1e-4 for a float32 Gram matrix
    rtol = 1e-4 if np.asarray(gram).dtype == np.float32 else 1e-7
    if not np.allclose(G, expected, rtol=rtol, atol=rtol * scale):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass validation: it "
            "does not equal X' diag(s) X (s the sample weights normalized to sum "
            "n_samples) to rounding; please check that it was computed properly"
        )
    return True


def validate_penalized_data(estimator, X, y, sample_weight):
    """``validate_training_data`` that also accepts scipy.sparse X (as CSC float64)."""
    if not sparse.issparse(X):
        X, Y, w, y_was_1d = validate_training_data(estimator, X, y, sample_weight)
        if X.dtype != np.float64:
            X = np.asarray(X, dtype=np.float64)
            Y = np.asarray(Y, dtype=np.float64)
        assert_finite(X, "X", getattr(estimator, "feature_names_in_", None))
        check_overflow(X, Y, w, getattr(estimator, "feature_names_in_", None))
        return X, Y, w, y_was_1d
    from sklearn.utils.validation import validate_data

    Xs = validate_data(
        estimator, X, reset=True, accept_sparse="csc", dtype=np.float64, ensure_all_finite=True
    )
    # y and weights: the dense checks on a stand-in with the right number of rows
    _, Y, w, y_was_1d = validate_training_data(
        _Shape(), np.zeros((Xs.shape[0], 1)), y, sample_weight
    )
    Xs = sparse.csc_matrix(Xs)
    check_overflow(Xs, Y, w, getattr(estimator, "feature_names_in_", None))
    return Xs, Y, w, y_was_1d


#: Values whose squares, summed with the weights, stay finite: ``max|x| sqrt(max(W, 1))``
#: at most this (a quarter of sqrt(float64 max), room for centring and cross products).
OVERFLOW_LIMIT = np.sqrt(np.finfo(np.float64).max) / 4.0
#: ...and nonzero columns at least this large (their squares, times 1e-16 relative
#: accuracy, stay above float64's smallest normal number).
UNDERFLOW = np.sqrt(np.finfo(np.float64).tiny) * 1e8


def check_overflow(X, Y, w, feature_names=None) -> None:
    """ValueError naming the column of X, the target or the weights whose sums of
    squares (the statistics every fit forms) would overflow or underflow float64."""
    with np.errstate(over="ignore"):
        W = float(X.shape[0]) if w is None else float(np.sum(w))
    if not np.isfinite(W):
        raise ValueError("sample_weight: the weights' sum overflows float64; rescale them")
    factor = np.sqrt(max(W, 1.0))
    if X.shape[0] and X.shape[1]:
        col = abs(X).max(axis=0)
        col = np.asarray(col.todense()).ravel() if sparse.issparse(col) else np.asarray(col)
        bad = np.flatnonzero(~(col <= OVERFLOW_LIMIT / factor) | ((col > 0) & (col < UNDERFLOW)))
        if bad.size:
            j = int(bad[0])
            name = f"{feature_names[j]!r}" if feature_names is not None else f"{j}"
            what = "overflows" if col[j] >= UNDERFLOW else "underflows"
            raise ValueError(
                f"X column {name} has values up to {col[j]:.3g}: its weighted sum of squares "
                f"{what} float64; rescale X"
            )
    ymax = np.max(np.abs(Y)) if Y.size else 0.0
    if not ymax <= OVERFLOW_LIMIT / factor or 0 < ymax < UNDERFLOW:
        what = "overflows" if ymax >= UNDERFLOW else "underflows"
        raise ValueError(
            f"y has values up to {ymax:.3g}: its weighted sum of squares {what} float64; rescale y"
        )


class _Shape(BaseEstimator):
    """A throwaway estimator for validating y and weights alone."""


def check_unchecked_input(X, precompute, sample_weight) -> None:
    """``fit(..., check_input=False)``: scikit-learn then requires a dense X to be a
    Fortran-contiguous float64 or float32 array, unless it works on a Gram matrix
    (``precompute`` True or an array) or reorders X itself (``sample_weight`` given),
    and fails (ValueError) otherwise; linreg still validates everything, and raises the
    same ValueError so code that relies on that contract behaves as with scikit-learn."""
    gram = precompute is True or hasattr(precompute, "__array__")
    if gram or sample_weight is not None or sparse.issparse(X) or not isinstance(X, np.ndarray):
        return
    if X.dtype not in (np.float64, np.float32) or not (X.flags.f_contiguous or X.ndim < 2):
        raise ValueError(
            "check_input=False requires X as a Fortran-contiguous float64 or float32 "
            f"array (scikit-learn's contract); got {X.dtype} in "
            f"{'C' if X.flags.c_contiguous else 'non-contiguous'} order. Pass "
            "check_input=True."
        )


def lasso_gap_at(X, Y, w, coef, intercept, x_mean, l1, fit_intercept) -> np.ndarray:
    """Per target, the duality gap of the Lasso at ``coef`` evaluated on the data as
    given (objective ``1/(2W) ||y - b - Xw||_W^2 + l1 ||w||_1``) in float64, with the
    dual point ``theta = R / t`` on the ray of the residual ``R = y - Xw - b``::

        primal = mean_W(R^2) / 2 + l1 ||w||_1
        dual = (mean_W(y_c^2) - mean_W((y_c - theta)^2)) / 2
        t = max(t_feasible, t_best),  t_feasible = ||X_c'WR||_inf / (W l1),
        t_best = mean_W(R^2) / mean_W(y_c R)

    (``X_c``, ``y_c`` centred with the weighted means when there is an intercept):
    ``t >= t_feasible`` makes theta dual feasible, and ``t_best`` maximizes the dual on
    the ray.  Near the optimum ``t = t_feasible``, scikit-learn's formula
    (``test_lasso_dual_gap``), so ``dual_gap_`` is the gap of the coefficients returned,
    evaluated as scikit-learn evaluates it."""
    Xf = X if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    s = None if w is None else np.asarray(w, dtype=np.float64)
    W = float(Xf.shape[0] if s is None else np.sum(s))

    def mean(v):
        return np.mean(v) if s is None else np.average(v, weights=s)

    gaps = np.empty(Y.shape[1])
    for t in range(Y.shape[1]):
        y = np.asarray(Y[:, t], dtype=np.float64)
        R = y - np.asarray(Xf @ coef[t]).ravel() - intercept[t]
        sR = R if s is None else s * R
        g = np.asarray(Xf.T @ sR).ravel() - x_mean * np.sum(sR)
        yc = y - mean(y) if fit_intercept else y
        primal = 0.5 * mean(R**2) + l1 * np.sum(np.abs(coef[t]))
        scale = np.max(np.abs(g), initial=0.0) / (W * l1)
        yR = mean(yc * R)
        if yR > 0:
            scale = max(scale, mean(R**2) / yR)
        theta = R / scale if scale > 0 else R
        gaps[t] = primal - 0.5 * (mean(yc**2) - mean((yc - theta) ** 2))
    return gaps


def least_squares_solution(X, Y, w, fit_intercept, positive=False):
    """``alpha=0`` (dense X): the objective is ordinary least squares, solved exactly by
    :class:`linreg.LinearRegression`'s solver (coordinate descent converges slowly there
    and its duality gap is the whole objective); with ``positive``, non-negative least
    squares by ``LinearRegression(positive=True)``'s :mod:`linreg.solvers.nnls` (the
    gap below is then that of the constrained problem, whose dual point ``R`` has
    ``X_c'WR <= 0``, ``= 0`` on the nonzero coefficients).  A :class:`linreg.Solution` as
    :func:`solve_enet` returns it: "coef_bound" the least-squares solver's certified
    error times ``||coef||``, "dual_gap" ``|coef'X_c'WR| / W``, the gap at the dual point
    ``R`` (the residual, dual feasible up to rounding: ``X_c'WR = 0`` at the optimum),
    or the objective (the gap at the dual point 0) where that is smaller."""
    from ..solution import Solution
    from ..solvers import LeastSquaresProblem, solve

    problem = LeastSquaresProblem(X, Y, w, fit_intercept, np.zeros(Y.shape[1]))
    if positive:
        from ..solvers import nnls

        sol = nnls.solve(problem, "auto")
    else:
        sol = solve(problem, "auto")  # LinearRegression's exact solve
    coef, intercept = np.atleast_2d(sol.coef), np.atleast_1d(sol.intercept)
    s = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    R = Y - X @ coef.T - intercept
    sR = s[:, None] * R
    objective = 0.5 * np.einsum("ik,ik->k", sR, R) / s.sum()
    gap = np.abs(np.einsum("kp,pk->k", coef, X.T @ sR - np.outer(s @ X / s.sum(), sR.sum(0))))
    bound = sol.error_estimate * np.linalg.norm(coef, axis=1)
    diagnostics = {
        "dual_gap": np.minimum(gap / s.sum(), objective),
        "objective": objective,
        "kkt": np.full(coef.shape[0], np.nan),
        "coef_bound": bound,
        "converged": True,
        "state": None,
    }
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=f"lstsq-{sol.solver}",
        rank=sol.rank,
        error_estimate=sol.error_estimate,
        n_iter=0,
        status=sol.status,
        message=f"alpha=0: exact {'non-negative ' if positive else ''}least squares "
        f"({sol.message})",
        diagnostics=diagnostics,
    )


def convergence_message(name, diag, tol, max_iter) -> str:
    """scikit-learn's ConvergenceWarning text, then what linreg's stopping rule missed."""
    gap, objective = np.max(diag["dual_gap"]), np.max(diag["objective"])
    if gap > tol * objective:
        missed = f"duality gap {gap:.3g} > tol * objective ({tol:g} * {objective:.3g})"
    else:
        missed = (
            f"duality gap {gap:.3g} within tol * objective, but the optimality (KKT) "
            "conditions or the certified coefficient bound not yet met"
        )
    return (
        "Objective did not converge. You might want to increase the number of "
        "iterations, check the scale of the features or consider increasing "
        f"regularisation. {name}: max_iter={max_iter} sweeps reached with {missed}."
    )


def make_data(X, Y, w, fit_intercept, layout, overwrite=False):
    """GramData (via Moments) or DesignData for the chosen layout (``overwrite``: a
    float64 Fortran-ordered dense X may hold the design layout's centred copy)."""
    if layout == "gram":
        if sparse.issparse(X):
            return GramData.from_moments(sparse_moments(X, Y, w), fit_intercept)
        return GramData.from_moments(Moments.from_arrays(X, Y, w), fit_intercept)
    if sparse.issparse(X):
        from .sparse import SparseDesignData, centring_cancels

        if not (fit_intercept and centring_cancels(X, w)):
            return SparseDesignData.from_arrays(X, Y, w, fit_intercept)
        # implicit centring (x_j - m_j) would cancel: centre an explicit dense copy
        if 8 * X.shape[0] * X.shape[1] > DESIGN_MAX_BYTES:
            raise ValueError(
                "sparse X: centring with the weighted mean cancels (a heavy row or a "
                "large offset) and a dense copy would exceed 2 GiB; use solver='gram'"
            )
        X = X.toarray()
    if overwrite and isinstance(X, np.ndarray) and X.dtype == np.float64:
        if X.flags.f_contiguous and X.flags.writeable:
            return design_in_place(X, Y, w, fit_intercept)
    return DesignData.from_arrays(X, Y, w, fit_intercept)


def design_in_place(X, Y, w, fit_intercept) -> DesignData:
    """:meth:`DesignData.from_arrays` with X (float64, Fortran order) centred with the
    weighted mean and scaled by ``sqrt(w)`` in place (``copy_X=False``): the same two
    passes as :func:`linreg.centring.centre` (the mean shifted by the heaviest row, then
    the mean of the centred values removed), without the copy."""
    from ..centring import centre, weighted_mean, weighted_mean_of_centred

    n, p = X.shape
    wv = None if w is None else np.asarray(w, dtype=np.float64)
    W = float(n) if wv is None else float(np.sum(wv))
    Y = np.asarray(Y, dtype=np.float64).reshape(n, -1)
    if fit_intercept and n:
        x_mean = weighted_mean(X, wv, correct=False)
        X -= x_mean
        fine = weighted_mean_of_centred(X, wv)
        X -= fine
        x_mean = x_mean + fine
        Yc, y_mean = centre(Y, wv)
    else:
        x_mean, Yc, y_mean = np.zeros(p), Y.copy(), np.zeros(Y.shape[1])
    if wv is not None:
        root = np.sqrt(wv)
        X *= root[:, None]
        Yc *= root[:, None]
    return DesignData(X, np.ascontiguousarray(Yc.T), x_mean, np.atleast_1d(y_mean), W)


#: Sparse Moments are formed raw and centred afterwards; if centring cancels more than
#: this fraction of a column's raw sum of squares (a heavy row, an offset), they are
#: recomputed from dense row blocks centred with the weighted mean (linreg.Moments).
SPARSE_CANCELLATION = 1e-6


def sparse_moments(X, Y, w=None) -> Moments:
    """Moments of sparse X: raw ``X'WX`` centred afterwards (sparse columns rarely carry
    an offset), unless that cancels (see SPARSE_CANCELLATION): then from dense blocks."""
    n, p = X.shape
    wv = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    W = float(wv.sum())
    Xw = sparse.diags(wv) @ X
    sx = np.asarray(Xw.sum(axis=0)).ravel()
    sy = wv @ Y
    mean = np.concatenate([sx, sy]) / W
    xtx = np.asarray((X.T @ Xw).todense())
    xty = np.asarray(Xw.T @ Y)
    yty = (Y * wv[:, None]).T @ Y
    raw = np.block([[xtx, xty], [xty.T, yty]])
    cross = raw - W * np.outer(mean, mean)
    if np.any(np.diag(cross) < SPARSE_CANCELLATION * np.diag(raw)):
        return _dense_block_moments(X, Y, w)
    return Moments(n, W, mean, cross, p)


def _dense_block_moments(X, Y, w=None) -> Moments:
    """Moments of sparse X from dense row blocks of at most ~32 MiB, merged."""
    n, p = X.shape
    X = sparse.csr_matrix(X)
    rows = max(1, (32 * 2**20) // (8 * max(p, 1)))
    total = None
    for lo in range(0, n, rows):
        hi = min(lo + rows, n)
        part = Moments.from_arrays(
            X[lo:hi].toarray(), Y[lo:hi], None if w is None else w[lo:hi], chunk_rows=hi - lo
        )
        total = part if total is None else total.merge(part)
    return total


