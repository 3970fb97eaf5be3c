"""Lasso and ElasticNet estimators (coordinate descent on Moments or on X)."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted

from .._validation import assert_finite, validate_training_data, validate_X
from ..fitted_state import predict_dtype, result_dtype, shape_per_target, write_fitted_state
from ..moments import Moments
from .solve import MAX_ITER, TOL, DesignData, GramData, solve_enet

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


def least_squares_solution(X, Y, w, fit_intercept):
    """``alpha=0`` (dense X): the objective is ordinary least squares, solved exactly by
    :class:`linreg.LinearRegression`'s solver (coordinate descent converges slowly there
    and its duality gap is the whole objective).  A :class:`linreg.Solution` as
    :func:`solve_enet` returns it: "coef_bound" the least-squares solver's certified
    error times ``||coef||``, "dual_gap" ``|coef'X_c'WR| / W``, the gap at the dual point
    ``R`` (the residual, dual feasible up to rounding: ``X_c'WR = 0`` at the optimum),
    or the objective (the gap at the dual point 0) where that is smaller."""
    from ..linear_regression import LinearRegression
    from ..solution import Solution

    sol = LinearRegression(fit_intercept=fit_intercept).fit(X, Y, sample_weight=w).solution_
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
        message=f"alpha=0: exact least squares ({sol.message})",
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


class ElasticNet(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties, by coordinate descent.

    Objective (scikit-learn's, so ``alpha`` and ``l1_ratio`` mean the same there)::

        1/(2 W) sum_i w_i (y_i - b - x_i'coef)^2
            + alpha * l1_ratio * ||coef||_1 + alpha * (1 - l1_ratio) / 2 * ||coef||_2^2

    with ``W = sum_i w_i`` (``n_samples`` unweighted); the intercept ``b`` is not
    penalized.  Several targets are independent problems with the same penalty.

    Parameters
    ----------
    alpha : float, default=1.0
        ``alpha=0`` (a UserWarning, as scikit-learn) is ordinary least squares: with
        ``solver="auto"`` and dense X it is solved exactly by
        :class:`linreg.LinearRegression`'s solver (``solver_`` "lstsq", ``n_iter_`` 0).
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    solver : {"auto", "gram", "design", "gd", "torch"}, default="auto"
        ``"gram"``: coordinate descent on the (centred) Gram matrix from one pass of
        :class:`linreg.Moments` (cost independent of n after that pass); ``"design"``:
        coordinate descent on X (large p, scipy.sparse input); ``"auto"``: "design" for sparse
        X, n_samples < n_features, or over 400 features (unless X is over 2 GiB), else
        "gram" (see ``choose_layout``).  The iterative trainers
        (dense X) minimize the same objective on internally standardized data by
        proximal gradient: ``"gd"`` FISTA with restart in NumPy, ``"torch"``
        ``nn.Linear`` + ``torch.optim.SGD`` with soft-thresholding after every step
        (see :mod:`linreg.penalized.iterative`); they also set ``history_``.
    tol : float or None, default=None
        Stop when the duality gap is at most ``tol`` times the objective (default
        1e-13: the objective is then within 1e-13 of the optimum, relative) and the
        optimality conditions hold to 1e-8 alpha; the same rule for every solver.  Note
        that scikit-learn's ``tol`` is relative to ``||y||^2/n`` instead (the objective is
        at most ``||y||^2/(2n)``, so this rule is the stricter one).  Coordinate descent
        also requires, whatever ``tol``, where the objective is strongly convex (see
        ``coef_bound_``), the certified coefficient bound to be at most 1e-8 ``||coef_||_2``
        (or at the rounding floor of the gradient): the gap alone bounds the objective,
        not the coefficients.
    max_iter : int or None, default=None
        Sweeps over the coordinates, or epochs of "gd"/"torch" (default 100,000).
    screening : bool, default=True
        Gap-safe screening: drop features whose optimal coefficient is provably zero.
    warm_start : bool, default=False
        Start from the previous ``coef_`` (coordinate descent only).
    lr : float or None, default=None
        "gd"/"torch": step on the standardized problem; None is ``1/L``, L the largest
        eigenvalue of the smooth part's Hessian (known from the Moments).
    optimizer : {"sgd"}, default="sgd"
        "gd"/"torch" only; momentum and Adam do not combine with the L1 prox.
    batch_size : int or None, default=None
        "torch" only: minibatch size (proximal SGD, which only converges in the mean);
        None is full batch.
    device : {"auto", "cpu", "cuda"}, default="auto"
        "torch" only.
    random_state : int, RandomState instance or None, default=None
        "torch": seed of the minibatch shuffling; otherwise validated as scikit-learn's
        and unused (see ``selection``).
    precompute : "auto", bool or array of shape (n_features, n_features), default="auto"
        scikit-learn's parameter (its Lasso/ElasticNet default is False): with
        ``solver="auto"``, True (or a Gram matrix) selects the "gram" layout, False the
        "design" layout, "auto" linreg's choice; with an explicit ``solver`` a
        contradicting value raises ValueError.  A given Gram matrix is checked, on every
        entry, to equal ``X' diag(s) X`` (``s`` the sample weights normalized to sum
        n_samples) to rounding, ValueError otherwise; with an intercept and X not centred
        it is recomputed with scikit-learn's UserWarning; with sparse X it is ignored, as
        scikit-learn does.  linreg always solves on its own
        Gram matrix (from :class:`linreg.Moments`), so a given one never changes the result.
    copy_X : bool, default=True
        False: in the "design" layout a float64 Fortran-ordered dense X is centred and
        weight-scaled in place (overwritten, as scikit-learn does), saving its copy;
        otherwise linreg never modifies X.
    selection : {"cyclic", "random"}, default="cyclic"
        Accepted and validated; coordinate descent always runs cyclically (with
        screening).  The objective's minimizer does not depend on the order of the
        updates (it is unique where the objective is strictly convex), so "random"
        reaches the same solution, not scikit-learn's iterates.
    positive : bool, default=False
        Constrain the coefficients to ``>= 0`` (the intercept is free), for every
        target: projected coordinate updates, and the duality gap, KKT conditions and
        ``coef_bound_`` of the constrained problem ("gd"/"torch": the one-sided proximal
        map, stopped on the constrained problem's duality gap and KKT conditions).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        scikit-learn's shape: (n_features,) for one target, y of shape (n_samples, 1)
        included; float32 for float32 X (the float64 solution rounded once; the
        float64 digits are in ``solution_.coef``), else float64.
    intercept_ : float, numpy scalar or ndarray of shape (n_targets,)
        The Python float 0.0 without an intercept; a NumPy scalar (of ``coef_``'s
        dtype) for a 1-D y; else an array (shape (1,) for y of shape (n_samples, 1)).
    dual_gap_ : numpy scalar or ndarray of shape (n_targets,)
        Duality gap at the solution, in the objective's scaling (as scikit-learn's; a
        scalar for one target, also for y of shape (n_samples, 1)).
    objective_ : numpy scalar or ndarray of shape (n_targets,)
        The objective at the solution (shaped as ``dual_gap_``).
    solution_ : linreg.Solution
        The float64 solution, ``coef`` (n_targets, n_features) and ``intercept``
        (n_targets,).  Coordinate descent: ``error_estimate`` the certified relative error
        of the coefficients (``coef_bound_ / ||coef_||``, the largest over targets),
        ``status``, ``message`` and ``diagnostics`` ("dual_gap", "kkt", "coef_bound").
        "gd"/"torch": ``error_estimate`` the certified bound on the standardized
        parameters' relative error, from the duality gap (see
        :class:`linreg.penalized.iterative.ProximalFit`).
    coef_bound_ : float64 scalar or ndarray of shape (n_targets,)
        Coordinate descent: a certified bound on ``||coef_ - coef*||_2`` (``coef*`` the
        exact minimizer of the objective on the statistics as held: the Gram matrix, or
        the centred copy of X), from an exactly recomputed gradient: ``(||s||_2 + e) /
        mu`` with ``s`` the minimum-norm subgradient (the KKT residual), ``e`` a bound on
        the gradient's rounding error, and ``mu = alpha (1 - l1_ratio)`` plus, in the
        Gram layout up to 200 features, the smallest eigenvalue of the Gram matrix.
        ``inf`` where the objective is not known to be strongly convex (the Lasso with
        p > n, over 200 features, or a singular Gram matrix).
    n_iter_ : int
        Coordinate sweeps taken (the largest over targets; 0 when the start is already
        optimal, as in scikit-learn), or epochs of "gd"/"torch".
    solver_ : str
        The layout used ("gram" or "design"), or "gd"/"torch".
    history_ : dict
        "gd"/"torch" only: ``train_loss`` (MSE at the start of each epoch), ``objective``
        (the objective after each epoch), ``val_loss`` with ``validation_data``.
    n_features_in_, feature_names_in_
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        solver="auto",
        tol=None,
        max_iter=None,
        screening=True,
        warm_start=False,
        lr=None,
        optimizer="sgd",
        batch_size=None,
        device="auto",
        random_state=None,
        precompute="auto",
        copy_X=True,
        selection="cyclic",
        positive=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.screening = screening
        self.warm_start = warm_start
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.precompute = precompute
        self.copy_X = copy_X
        self.selection = selection
        self.positive = positive

    def _l1_ratio(self) -> float:
        return check_l1_ratio(self.l1_ratio)

    def fit(self, X, y=None, sample_weight=None, validation_data=None, check_input=True):
        """Fit the model (see the class docstring for the objective).

        Parameters
        ----------
        X : array-like, DataFrame or scipy.sparse matrix of shape (n_samples, n_features)
            Or a :func:`linreg.scan` source or Dask collection: one pass for the Moments,
            then coordinate descent on their Gram matrix (bounded memory).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Required unless X is a scan (its target column is y).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights (equivalent to repeating rows).
        validation_data : tuple (X_val, y_val), optional
            "gd"/"torch" only: validation MSE per epoch in ``history_["val_loss"]``.
        check_input : bool, default=True
            scikit-learn's: with False, a dense X must be a Fortran-contiguous float64 or
            float32 array unless ``precompute`` is True or a Gram matrix or
            ``sample_weight`` is given (ValueError otherwise, as scikit-learn); linreg
            checks the input either way.

        Returns
        -------
        self
        """
        dtype = result_dtype(X)  # scikit-learn's rule, from the input as given
        alpha = check_alpha(self.alpha)
        if alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to "
                "use the LinearRegression estimator (coordinate descent has no duality-gap "
                "certificate at alpha=0, where the gap equals the objective; with "
                "solver='auto' and dense X linreg solves alpha=0 by exact least squares, "
                "as LinearRegression does).",
                UserWarning,
                stacklevel=2,
            )
        if not check_input:
            check_unchecked_input(X, self.precompute, sample_weight)
        l1_ratio = self._l1_ratio()
        if self.solver not in SOLVERS + ITERATIVE:
            raise ValueError(f"solver must be one of {SOLVERS + ITERATIVE}, got {self.solver!r}")
        tol = TOL if self.tol is None else float(self.tol)
        if not tol >= 0:
            raise ValueError(f"tol must be non-negative, got {self.tol!r}")
        max_iter = MAX_ITER if self.max_iter is None else int(self.max_iter)
        if max_iter < 1:
            raise ValueError(f"max_iter must be at least 1, got {self.max_iter!r}")
        check_sklearn_cd_params(self)
        wanted = layout_from_precompute(self.precompute, self.solver)
        from ..sources import as_source

        source = as_source(X, y, sample_weight)
        if source is not None:
            settings = (alpha, l1_ratio, tol, max_iter, dtype)
            return self._fit_source(source, settings, validation_data)
        X, Y, w, y_was_1d = validate_penalized_data(self, X, y, sample_weight)
        if self.solver in ITERATIVE:
            settings = (alpha, l1_ratio, tol, max_iter, dtype)
            return self._fit_iterative(X, Y, w, y_was_1d, settings, validation_data)
        if validation_data is not None:
            raise ValueError("validation_data applies to solver='gd' or 'torch' only")
        if alpha == 0 and self.solver == "auto" and not sparse.issparse(X):
            if not getattr(self, "positive", False):  # ordinary least squares, exactly
                result = least_squares_solution(X, Y, w, self.fit_intercept)
                return self._set_result(result, "lstsq", y_was_1d, tol, max_iter, dtype)
        layout = self.solver if wanted is None else wanted
        if hasattr(self.precompute, "__array__") and not sparse.issparse(X):
            check_user_gram(self.precompute, X, w, self.fit_intercept)
        if layout == "auto":
            layout = choose_layout(X.shape[0], X.shape[1], sparse.issparse(X))
        if layout == "gram" and sparse.issparse(X) and X.shape[1] > 20_000:
            raise ValueError("solver='gram' on sparse X with over 20,000 columns: use 'design'")
        data = make_data(X, Y, w, self.fit_intercept, layout, overwrite=not self.copy_X)
        coef_init = self._warm_start_coef(Y.shape[1], X.shape[1])
        result = solve_enet(
            data,
            alpha,
            l1_ratio,
            coef_init,
            tol,
            max_iter,
            self.screening,
            FIT_KKT_TOL,
            curvature=True,
            positive=bool(self.positive),
        )
        if l1_ratio == 1.0 and alpha > 0 and not getattr(self, "positive", False):
            result.diagnostics["dual_gap"] = lasso_gap_at(
                X,
                Y,
                w,
                result.coef,
                result.intercept,
                data.x_mean,
                alpha,
                self.fit_intercept,
            )
        return self._set_result(result, layout, y_was_1d, tol, max_iter, dtype)

    def _warm_start_coef(self, n_targets, n_features):
        """With ``warm_start``, the previous fit's float64 coefficients (n_targets,
        n_features) when their shape fits, else None."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        solution = getattr(self, "solution_", None)
        coef = np.atleast_2d(self.coef_ if solution is None else solution.coef)
        return coef if coef.shape == (n_targets, n_features) else None

    def _fit_source(self, source, settings, validation_data):
        """One pass over a chunked source (linreg.scan, Dask, torch tensors) for the
        Moments, then coordinate descent on their Gram matrix: bounded memory."""
        if self.solver not in ("auto", "gram"):
            raise ValueError(
                f"solver={self.solver!r} needs X in memory; a {type(source).__name__} is "
                "fitted from its Moments with solver='gram' (or 'auto')"
            )
        if validation_data is not None:
            raise ValueError("validation_data applies to solver='gd' or 'torch' only")
        if not (isinstance(self.precompute, str) or self.precompute is True):
            raise ValueError(
                f"a {type(source).__name__} is fitted from its Moments' Gram matrix: "
                "precompute must be 'auto' or True"
            )
        alpha, l1_ratio, tol, max_iter, dtype = settings
        for attr in ("feature_names_in_",):
            self.__dict__.pop(attr, None)
        moments = source.moments()
        data = GramData.from_moments(moments, self.fit_intercept)
        result = solve_enet(
            data,
            alpha,
            l1_ratio,
            None,
            tol,
            max_iter,
            self.screening,
            FIT_KKT_TOL,
            curvature=True,
            positive=bool(self.positive),
        )
        self.n_features_in_ = source.n_features
        if source.feature_names is not None:
            self.feature_names_in_ = np.asarray(source.feature_names, dtype=object)
        return self._set_result(result, "gram", source.y_was_1d, tol, max_iter, dtype)

    def _set_result(self, result, layout, y_was_1d, tol, max_iter, dtype):
        """The fitted attributes from a coordinate-descent result (a Solution)."""
        diag = result.diagnostics
        if not diag["converged"]:
            message = convergence_message(type(self).__name__, diag, tol, max_iter)
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
        write_fitted_state(
            self,
            result,
            y_was_1d=y_was_1d,
            dtype=dtype,
            ravel_single_target=True,
            solver_attributes=False,
        )
        self.solver_ = layout  # "gram" or "design" (solution_.solver: "cd-<layout>")
        self.n_iter_ = int(result.n_iter)  # 0 sweeps when w = 0 is optimal (scikit-learn)
        self._set_per_target(diag["dual_gap"], diag["objective"], dtype)
        # a certified bound: not rounded to float32 (rounding down would break it)
        self.coef_bound_ = shape_per_target(diag["coef_bound"], len(diag["coef_bound"]) == 1)
        return self

    def _set_per_target(self, dual_gap, objective, dtype):
        """``dual_gap_`` and ``objective_``: scikit-learn's dual_gap_ is a scalar of the
        coefficients' dtype for one target, also for y of shape (n_samples, 1)."""
        one = len(dual_gap) == 1
        self.dual_gap_ = shape_per_target(dual_gap, one, dtype)
        self.objective_ = shape_per_target(objective, one, dtype)

    def _fit_iterative(self, X, Y, w, y_was_1d, settings, validation):
        """Proximal gradient with solver "gd" or "torch" (linreg.penalized.iterative)."""
        from ..training import TrainingConfig
        from .iterative import fit_enet_iterative

        alpha, l1_ratio, tol, max_iter, dtype = settings

        if sparse.issparse(X):
            raise ValueError(f"solver={self.solver!r} needs dense X; use 'design' for sparse X")
        config = TrainingConfig(
            lr=self.lr,
            max_iter=max_iter,
            tol=tol,
            optimizer=self.optimizer,
            batch_size=self.batch_size,
            device=self.device,
            random_state=self.random_state,
        )
        fit = fit_enet_iterative(
            X,
            Y,
            w,
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept,
            solver=self.solver,
            config=config,
            validation_data=validation,
            validate_X=lambda Xv: validate_X(self, Xv, reset=False),
            positive=bool(self.positive),
        )
        write_fitted_state(
            self,
            fit.to_solution(self.solver),
            y_was_1d=y_was_1d,
            dtype=dtype,
            ravel_single_target=True,
            history=fit.history,
            solver_attributes=False,
        )
        self._set_per_target(fit.dual_gap, fit.objective, dtype)
        self.__dict__.pop("coef_bound_", None)  # coordinate descent's certificate only
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse matrix."""
        return sparse.csr_matrix(np.atleast_2d(self.coef_))

    def predict(self, X):
        """Predicted values ``X @ coef_.T + intercept_``."""
        check_is_fitted(self)
        if sparse.issparse(X):
            from sklearn.utils.validation import validate_data

            X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc"])
        else:
            X = validate_X(self, X, reset=False)
            assert_finite(X, "X", getattr(self, "feature_names_in_", None))
        # computed in float64, returned in scikit-learn's dtype
        coef = np.asarray(self.coef_)
        Xw = X.astype(np.float64) if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
        out = np.asarray(Xw @ coef.astype(np.float64).T)
        out += np.asarray(self.intercept_, dtype=np.float64)
        return out.astype(predict_dtype(X.dtype, coef))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.solver not in ITERATIVE
        tags.input_tags.allow_nan = False
        return tags


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty, by coordinate descent.

    Objective (scikit-learn's)::

        1/(2 W) sum_i w_i (y_i - b - x_i'coef)^2 + alpha * ||coef||_1

    ``ElasticNet`` with ``l1_ratio=1``; the parameters and attributes are the same
    (see :class:`ElasticNet`) without ``l1_ratio``.
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        solver="auto",
        tol=None,
        max_iter=None,
        screening=True,
        warm_start=False,
        lr=None,
        optimizer="sgd",
        batch_size=None,
        device="auto",
        random_state=None,
        precompute="auto",
        copy_X=True,
        selection="cyclic",
        positive=False,
    ):
        # l1_ratio is not a parameter of Lasso (scikit-learn's contract: __init__ sets
        # exactly the constructor's parameters); _l1_ratio() supplies it.
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.screening = screening
        self.warm_start = warm_start
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.precompute = precompute
        self.copy_X = copy_X
        self.selection = selection
        self.positive = positive

    def _l1_ratio(self) -> float:
        return 1.0
