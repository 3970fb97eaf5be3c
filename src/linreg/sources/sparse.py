"""LinearRegression and Ridge on scipy.sparse X: the route chosen by cost.

Every scipy.sparse format and class (csr/csc/coo/..., ``*_matrix`` and ``*_array``;
float64, float32, integer) is computed in float64 as CSR; float32 X gives float32
``coef_``, ``intercept_`` and predictions, as dense float32 does.

- **Exact** (``n_features`` moderate: the dense ``p x p`` Gram matrix within
  :data:`EXACT_MAX_FLOPS` and :data:`EXACT_MAX_BYTES`): the sparse Moments from one
  pass (:func:`sparse_moments`: ``X'WX`` as a sparse product, centred implicitly; y
  and the columns where that centring cancels are centred explicitly), then the exact
  solvers on the Moments with their rank rules and certification (``solver_`` the exact
  path that ran).  Solvers that need X in memory (``"qr"``, ``"svd"``,
  ``"extended"``) run ``"auto"`` on the Moments.
- **Certified iterative** (wider, or Ridge with ``solver="sparse_cg"``/``"lsqr"``): see
  :mod:`linreg.solvers.sparse_iterative`; the coefficients are within
  ``SPARSE_ACCURACY`` (1e-10, relative 2-norm) of the exact optimum, certified from the
  residual recomputed from X (plus that residual's rounding floor).  An iteration cap
  reached without that bound, or a floor over alpha above it, falls back to the exact
  route when it is affordable (``solver_`` then names the exact path), else warns
  (IterationLimitWarning, a ConvergenceWarning, for the cap) with the bound reached.
- A wide fit on the exact route (fewer rows of positive weight, less the intercept,
  than nonzero columns) is solved on ``X.toarray()`` by the dense solvers (for Ridge the
  kernel ``X W X' + alpha I`` or ``"auto"``'s certified path; minimum norm at alpha 0):
  the Gram matrix ``X'WX + alpha I`` is singular to working precision as alpha -> 0.
  So is an answer the sparse Moments cannot vouch for when ``X.toarray()`` is cheap
  (:data:`DENSE_MAX_BYTES`); beyond that, iterative refinement from the sparse rows.
- When the exact route cannot vouch for its answer (a near-singular Gram matrix, a
  penalty below its rounding), LSQR on X is run too and the answer with the smaller
  bound kept.

``summary()`` (nonrobust) and prediction intervals on dense rows work after the exact
route (from its Moments); the robust covariances need a second pass over the rows and
say so; after the iterative route (no Moments) they refuse with the reason.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy import sparse

from .._warnings import external_stacklevel
from ..fitted_state import predict_dtype
from ..moments import Moments
from ..solution import RankDeficientWarning, Solution
from ..solvers.problem import TARGET_ACCURACY
from ..solvers.sparse_iterative import solve_sparse_iterative

#: Largest dense Gram factorization (``p^3 / 3`` flops) the exact route takes by default.
EXACT_MAX_FLOPS = 1e10

#: Largest dense Gram matrix (``8 p^2`` bytes) the exact route forms by default.
EXACT_MAX_BYTES = 2**30

#: Ridge's solver names that run the named iterative method on sparse X.
ITERATIVE_NAMES = ("sparse_cg", "lsqr")


def is_sparse(X) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array."""
    return sparse.issparse(X)


def exact_affordable(n_features: int) -> bool:
    """Whether the dense Gram route's cost is within the budget."""
    p = float(n_features)
    return p**3 / 3 <= EXACT_MAX_FLOPS and 8 * p * p <= EXACT_MAX_BYTES


def choose_route(estimator, n_features: int) -> str:
    """``"exact"``, ``"sparse_cg"`` or ``"lsqr"`` for a sparse fit of ``estimator``."""
    from ..training import TRAINERS

    solver = getattr(estimator, "solver", "auto")
    if solver in TRAINERS:
        raise TypeError(
            f"solver={solver!r} (an iterative trainer) does not take scipy.sparse X; use "
            "solver='auto' (exact or certified sparse CG by cost), or X.toarray()"
        )
    if estimator._positive():
        if not exact_affordable(n_features):
            raise ValueError(
                f"positive=True on sparse X runs the exact non-negative solve on the dense "
                f"{n_features} x {n_features} Gram matrix, beyond the budget "
                f"({EXACT_MAX_BYTES / 2**30:.0f} GiB, {EXACT_MAX_FLOPS:.0e} flops)"
            )
        return "exact"
    if solver in ITERATIVE_NAMES:
        return solver
    if exact_affordable(n_features):
        return "exact"
    return "sparse_cg" if hasattr(estimator, "alpha") else "lsqr"


def fit_sparse(estimator, X, y, sample_weight, dtype):
    """Fit ``estimator`` (LinearRegression or Ridge) on sparse ``X``; returns it."""
    from .._validation import validate_training_data

    for attr in ("moments_", "_training", "_source", "_stored_summaries", "n_iter_"):
        estimator.__dict__.pop(attr, None)
    X, Y, w, y_was_1d = validate_training_data(estimator, X, y, sample_weight, sparse_ok=True)
    X = sparse.csr_matrix(X, dtype=np.float64)
    if not np.isfinite(X.data).all():
        raise ValueError("Input X contains NaN or infinity.")
    Y = np.asarray(Y, dtype=np.float64)
    estimator._positive_weights = None if w is None else int(np.count_nonzero(w > 0))
    n, p = X.shape
    alpha = estimator._penalty(Y.shape[1])
    route = choose_route(estimator, p)
    if route == "exact":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            solution, moments = _exact(estimator, X, Y, w, alpha)
        estimator.moments_ = moments
        if solution.status == "inaccurate" and not estimator._positive() and np.all(alpha > 0):
            # The Gram matrix could not vouch for the answer (near-singular, a penalty
            # below its rounding): LSQR on X, kept when its bound is the smaller (with
            # alpha = 0 LSQR has no bound to offer).
            other = solve_sparse_iterative(X, Y, w, estimator.fit_intercept, alpha, "lsqr")
            if other.error_estimate < solution.error_estimate:
                solution, route, caught = other, "lsqr", []
        for record in caught:  # the exact solve's own warnings, when its answer is kept
            warnings.warn_explicit(
                record.message, record.category, record.filename, record.lineno
            )
    else:
        max_iter = getattr(estimator, "max_iter", None)
        solution = solve_sparse_iterative(X, Y, w, estimator.fit_intercept, alpha, route, max_iter)
        stopped = solution.diagnostics.get("stopped") in ("max_iter", "floor")
        if stopped and exact_affordable(p):  # no bound (cap, rounding): exact instead
            exact, moments = _exact(estimator, X, Y, w, alpha)
            if exact.status != "inaccurate":
                solution, route = exact, "exact"
                estimator.moments_ = moments
    if route != "exact":  # no Moments: summary() and intervals refuse, saying why
        estimator._sparse_fit = True
        estimator.__dict__.pop("moments_", None)
    estimator._warn_about(solution, getattr(estimator, "feature_names_in_", None), n, 4)
    estimator._set_solution(solution, y_was_1d, dtype)
    if route != "exact" and hasattr(estimator, "n_iter_"):
        estimator.n_iter_ = np.asarray(solution.diagnostics["n_iter"], dtype=np.int32)
    return estimator


def _exact(estimator, X, Y, w, alpha):
    """The exact route: sparse Moments, then the exact solver on them.

    Columns without a nonzero entry in a row of positive weight (a term absent from
    every document) take no part
    in the solve (their coefficient is 0, as the minimum-norm and ridge solutions give):
    the Moments alone would read their zero norm as a possible underflow.
    """
    from ..solvers import LeastSquaresProblem

    moments = sparse_moments(X, Y, w)
    n, p = X.shape
    seen = X if w is None else X[w > 0]  # rows of zero weight do not count
    keep = np.flatnonzero(np.asarray(abs(seen).max(axis=0).todense()).ravel() > 0)
    _warn_underdetermined(estimator, n, keep.size, alpha)
    if keep.size == 0:
        return _no_columns(estimator, moments, Y.shape[1], p), moments
    if _wide(estimator, seen, keep):
        return _expanded(_dense_wide(estimator, X[:, keep], Y, w, alpha), keep, p), moments
    if keep.size == p:
        reduced = moments
    else:
        rows = np.r_[keep, p + np.arange(Y.shape[1])]
        reduced = Moments(
            moments.n_samples, moments.weight_sum, moments.mean[rows],
            moments.cross[np.ix_(rows, rows)], keep.size,
        )
    problem = LeastSquaresProblem(None, None, None, estimator.fit_intercept, alpha, reduced)
    solution = _solve_moments(estimator, problem)
    if solution.status == "ok" and not estimator._positive():
        solution = _verified(estimator, problem, solution, X[:, keep], Y, w)
    if solution.status == "inaccurate" and not estimator._positive():
        if _dense_cheap(n, keep.size):  # X in memory: the dense solvers measure bounds
            solution = _dense_wide(estimator, X[:, keep], Y, w, alpha)
        else:
            solution = _refined(estimator, problem, solution, X[:, keep], Y, w)
    return _expanded(solution, keep, p), moments


#: Largest ``X.toarray()`` (bytes) the exact route forms to solve an answer the sparse
#: Moments cannot vouch for (the dense solvers measure their bound from X).
DENSE_MAX_BYTES = 2**27


def _wide(estimator, seen, keep) -> bool:
    """Fewer rows of positive weight (less the intercept) than nonzero columns, not
    positive: the Gram matrix ``X'WX + alpha I`` is singular to working precision as
    alpha -> 0 (condition ``~ ||X||^2 / alpha``) and the minimum-norm answer at alpha 0
    needs X itself, so the rows are solved densely."""
    rows = seen.shape[0] - int(estimator.fit_intercept)
    return bool(not estimator._positive() and rows < keep.size)


def _dense_cheap(n: int, q: int) -> bool:
    """Whether ``X.toarray()`` (``n x q``) and a dense solve on it are within budget."""
    return 8.0 * n * q <= DENSE_MAX_BYTES and float(n) * q * q <= EXACT_MAX_FLOPS


def _dense_wide(estimator, X, Y, w, alpha):
    """The dense exact solve on ``X.toarray()`` (wide: ``n x p`` with ``n < p``, at most
    ``8 p^2`` bytes, within :data:`EXACT_MAX_BYTES` on the exact route; else within
    :func:`_dense_cheap`): the same solvers as dense LinearRegression/Ridge (for a wide
    ridge the kernel ``X W X' + alpha I`` of :mod:`linreg.solvers.dual`, or ``"auto"``'s
    certified path), exact as alpha -> 0, minimum norm at alpha 0."""
    from ..solvers import SOLVERS, LeastSquaresProblem, solve

    name = estimator._exact_solver()
    if name not in SOLVERS:
        name = "auto"
    problem = LeastSquaresProblem(X.toarray(), Y, w, estimator.fit_intercept, alpha)
    return solve(problem, name)


#: Refinement steps the exact route takes from the residual of sparse X.
REFINE_STEPS = 3


class _Corrections:
    """Corrections ``d`` of coefficients ``b`` solving ``G d = Xc' W e - alpha b`` on the
    Gram matrix of the Moments, with ``e = y - X b - c`` formed from the sparse rows
    (accurate however the Gram matrix's centring cancels), and their sizes relative to
    ``b`` in the equilibrated norms (the columns' centred norms)."""

    def __init__(self, estimator, problem, X, w):
        from ..solvers.sparse_iterative import CentredSparse

        self.estimator, self.problem = estimator, problem
        self.op = CentredSparse(X, w, estimator.fit_intercept)
        self.m = problem.get_moments()
        q = X.shape[1]
        self.q = q
        gram = self.m.cross if estimator.fit_intercept else self.m.uncentred()
        self.d = np.sqrt(np.maximum(np.diag(gram)[:q], 0.0))

    def __call__(self, coef, Y):
        """``(d, ||d|| / ||b||)`` (the largest over the targets)."""
        from ..solvers import LeastSquaresProblem

        m, q, problem = self.m, self.q, self.problem
        rhs = np.array(
            [
                self.op.normal_residual(Y[:, j], coef[j], float(problem.alpha[j]))[0]
                for j in range(coef.shape[0])
            ]
        ).T  # (q, targets): the correction's "X'WY"
        cross = m.cross.copy()
        cross[:q, q:] = rhs
        cross[q:, :q] = rhs.T
        # the targets' means 0: without an intercept the solver adds W xbar ybar' to
        # the cross-products, which must stay the residual's (uncentred) X'We
        mean = m.mean.copy()
        mean[q:] = 0.0
        resid = Moments(m.n_samples, m.weight_sum, mean, cross, q)
        step = _solve_moments(
            self.estimator,
            LeastSquaresProblem(
                None, None, None, self.estimator.fit_intercept, problem.alpha, resid
            ),
        )
        delta = np.asarray(step.coef, dtype=np.float64)
        scale = np.maximum(np.linalg.norm(coef * self.d, axis=1), 1e-300)
        return delta, float((np.linalg.norm(delta * self.d, axis=1) / scale).max())

    def intercept(self, coef, Y):
        c = [self.op.normal_residual(Y[:, j], coef[j], 0.0)[1] for j in range(coef.shape[0])]
        return np.array(c) if self.estimator.fit_intercept else np.zeros(coef.shape[0])


#: A check's correction this small (relative) is taken as the answer's error, not
#: refined away (a refinement costs two more passes over X).
SETTLED = 1e-12


def _verified(estimator, problem, solution, X, Y, w):
    """The Moments' answer checked against the rows (one more pass of ``X``).

    The exact solvers' bound covers the solve, not the Moments' own rounding: with
    weights spanning ten decades, the sparse products that form them lost digits the
    bound does not see (coefficients 1e-9 off under a stated 8e-15).  A correction ``d``
    from the residual of the rows measures the error: when it is within the bound the
    answer stands, when it is below :data:`SETTLED` it stands with ``2 ||d||`` as its
    bound; otherwise a second correction gives the contraction ``rho`` of the
    refinement, and while ``rho < 1/2`` the twice-corrected answer comes with the bound
    ``2 ||d_2||`` (the refinement's rounding floors the error near its last correction,
    however small ``rho``); else the answer stands with ``2 ||d||`` as its bound
    (``"inaccurate"`` above :data:`~linreg.solvers.problem.TARGET_ACCURACY`, which the
    caller then refines or solves densely).  Rank-deficient answers are left as they are.
    """
    if solution.aliased or solution.diagnostics.get("unresolved") is not None:
        return solution
    if not problem.single_alpha:
        return solution
    claimed = float(solution.error_estimate)
    correct = _Corrections(estimator, problem, X, w)
    coef = np.array(solution.coef, dtype=np.float64)
    first, size = correct(coef, Y)
    if not np.isfinite(size) or size <= claimed:
        return solution
    if size <= SETTLED:  # digits lost to rounding only: the measured error is the bound
        return dataclasses.replace(solution, error_estimate=2 * size)
    second, size2 = correct(coef + first, Y)
    rho = size2 / size if size > 0 else 0.0
    if np.isfinite(size2) and rho < 0.5:
        coef = coef + first + second
        # the refinement's own rounding floors the error near the last correction's
        # size, whatever the contraction predicts
        bound = max(2 * size2, claimed, 4 * np.finfo(float).eps)
        return dataclasses.replace(
            solution, coef=coef, intercept=correct.intercept(coef, Y), error_estimate=bound,
            solver=f"{solution.solver}+refine",
        )  # fmt: skip
    measured = 2 * size
    if measured <= TARGET_ACCURACY:
        return dataclasses.replace(solution, error_estimate=measured)
    return dataclasses.replace(
        solution, error_estimate=measured, status="inaccurate",
        message=f"the sparse Moments lost digits: the answer checked against the rows is "
        f"off by about {measured:.1e} (relative)",
    )  # fmt: skip


def _refined(estimator, problem, solution, X, Y, w):
    """Iterative refinement of a Gram-route answer whose bound missed the target.

    The residual ``e = y - X b - c`` is formed from the sparse rows (accurate however
    the Gram matrix's centring cancels); the correction solves the same normal
    equations with right-hand side ``Xc' W e - alpha b``.  A solve with relative error
    at most ``eps_G`` (the first answer's bound, below 1/2) contracts the error by
    ``eps_G`` per step, so after a step with correction ``d`` the bound is
    ``eps_G / (1 - eps_G) ||d|| / ||b||`` (equilibrated norms).  Rank-deficient answers
    (aliased or unresolved columns) are left as they are.
    """
    eps_g = float(solution.error_estimate)
    if solution.aliased or solution.diagnostics.get("unresolved") is not None:
        return solution
    if not (0 < eps_g < 0.5) or not problem.single_alpha:
        return solution
    correct = _Corrections(estimator, problem, X, w)
    coef = np.array(solution.coef, dtype=np.float64)
    bound = eps_g
    for _ in range(REFINE_STEPS):
        delta, size = correct(coef, Y)
        coef = coef + delta
        bound = max(eps_g / (1 - eps_g) * size, 4 * np.finfo(float).eps)
        if bound <= TARGET_ACCURACY:
            break
    intercept = correct.intercept(coef, Y)
    refined = dataclasses.replace(
        solution,
        coef=coef,
        intercept=intercept,
        solver=f"{solution.solver}+refine",
        error_estimate=bound,
        status="ok",
        message="",
    )
    from ..solvers.certify import checked

    return checked(problem, refined) if bound <= TARGET_ACCURACY else solution


def _solve_moments(estimator, problem):
    """The estimator's exact solver on Moments (those needing X run ``"auto"``)."""
    from ..solvers import SOLVERS, solve

    name = estimator._exact_solver()
    if name not in SOLVERS or SOLVERS[name].NEEDS_DATA:
        name = "auto"
    if estimator._positive():
        from ..solvers import nnls

        return nnls.solve(problem, name)
    return solve(problem, name)


def _expanded(solution, keep, p):
    """``solution`` over the ``keep`` columns as one over all ``p`` (zeros elsewhere)."""
    if keep.size == p:
        return solution
    coef = np.zeros((solution.coef.shape[0], p))
    coef[:, keep] = solution.coef
    diagnostics = dict(solution.diagnostics)
    if diagnostics.get("unresolved") is not None:
        diagnostics["unresolved"] = keep[np.asarray(diagnostics["unresolved"], dtype=int)]
    aliased = tuple(int(keep[j]) for j in solution.aliased)
    return dataclasses.replace(solution, coef=coef, aliased=aliased, diagnostics=diagnostics)


def _no_columns(estimator, moments, n_targets, p):
    """Every column of X is zero: coef 0, the intercept the weighted mean of y."""
    intercept = moments.y_mean if estimator.fit_intercept else np.zeros(n_targets)
    return Solution(
        coef=np.zeros((n_targets, p)), intercept=np.asarray(intercept, dtype=np.float64),
        solver="auto", rank=0, error_estimate=0.0,
    )


def _warn_underdetermined(estimator, n, p, alpha) -> None:
    """The dense route's RankDeficientWarning for n_samples (less the intercept) below
    the number of (nonzero) columns, without a penalty."""
    if n - int(estimator.fit_intercept) >= p or np.any(alpha > 0) or estimator._positive():
        return
    warnings.warn(
        f"n_samples ({n}) {'- 1 (intercept) ' if estimator.fit_intercept else ''}"
        f"< n_features ({p}, nonzero columns): the problem is underdetermined; returning "
        "the minimum-norm solution (the least-squares coef_ of smallest Euclidean norm in "
        "the units of X; the intercept is not penalized)",
        RankDeficientWarning,
        stacklevel=external_stacklevel(),  # the user's call, at any depth of the fit
    )


def chunk_moments(X, Y, w):
    """The Moments of one sparse chunk (``partial_fit``), computed in float64."""
    X = sparse.csr_matrix(X, dtype=np.float64)
    if not np.isfinite(X.data).all():
        raise ValueError("Input X contains NaN or infinity.")
    return sparse_moments(X, np.asarray(Y, dtype=np.float64), w)


#: A column of X whose centred sum of squares from the raw Gram matrix is below this
#: fraction of its raw one (an offset: the subtraction cancels) is centred explicitly.
SPARSE_CANCELLATION = 1e-6

#: At most this many such columns (or an eighth of them) are centred as dense columns;
#: beyond, the Moments come from dense row blocks.
MAX_DENSE_COLUMNS = 64


def sparse_moments(X, Y, w=None) -> Moments:
    """Moments of CSR ``X`` (float64) and dense ``Y`` from one sparse product.

    ``X'WX`` is formed sparse and centred afterwards (``- W m m'``); columns where that
    cancels (see :data:`SPARSE_CANCELLATION`) are centred explicitly as dense columns,
    and y is centred before its products (``X'W(y - ybar) - m w'(y - ybar)``), so a
    large offset of y or of a few columns costs no digits.  Many offset columns, or
    rows dense enough that BLAS on dense row blocks is cheaper than the sparse product:
    the dense-row-block Moments (:func:`linreg.penalized.data.sparse_moments`'s
    fallback).
    """
    n, p = X.shape
    if _dense_blocks_cheaper(X):
        from ..penalized.data import _dense_block_moments

        return _dense_block_moments(X, Y, w)
    wv = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    W = float(wv.sum())
    XT = X.T.tocsr()
    m = XT @ wv / W
    Yc = _centred(Y, wv, W)
    Xw = X
    if w is not None:  # W X by scaling the stored entries (one sparse product, not two)
        Xw = X.copy()
        Xw.data *= np.repeat(wv, np.diff(X.indptr))
    raw = np.asarray((XT @ Xw).todense())
    xx = raw - W * np.outer(m, m)
    offset = np.flatnonzero(np.diag(xx) < SPARSE_CANCELLATION * np.diag(raw))
    if offset.size > max(MAX_DENSE_COLUMNS, p // 8):
        from ..penalized.data import _dense_block_moments

        return _dense_block_moments(X, Y, w)
    if offset.size:
        XJ = _centred(np.asarray(X[:, offset].todense()), wv, W)
        wXJ = XJ * wv[:, None]
        block = XT @ wXJ - np.outer(m, wXJ.sum(axis=0))  # (p, |J|)
        xx[:, offset] = block
        xx[offset, :] = block.T
        xx[np.ix_(offset, offset)] = wXJ.T @ XJ
    wY = Yc * wv[:, None]
    xy = XT @ wY - np.outer(m, wY.sum(axis=0))
    yy = wY.T @ Yc
    cross = np.block([[xx, xy], [xy.T, yy]])
    mean = np.concatenate([m, wv @ Y / W])
    return Moments(n, W, mean, cross, p)


#: Rough rates (this project's 2-core machine): scipy's sparse product ``X'X`` runs about
#: 1.2e8 multiply-adds (sum of squared row counts) a second; the dense-block Moments cost
#: about 5e-8 s per entry of X plus ``n p^2 / 3e10`` s for their BLAS products.
SPARSE_PRODUCT_RATE = 1.2e8


def _dense_blocks_cheaper(X) -> bool:
    """Whether dense row blocks (BLAS) beat the sparse product for ``X'X`` (dense-ish
    rows: the product's work grows with the squares of the rows' nonzero counts)."""
    n, p = X.shape
    counts = np.diff(X.indptr).astype(np.float64)
    sparse_s = float(counts @ counts) / SPARSE_PRODUCT_RATE
    dense_s = n * p * 5e-8 + n * p * p / 3e10
    return sparse_s > dense_s


def _centred(A, wv, W):
    """``A`` minus its weighted column means, centred twice (the second pass removes
    the first's rounding of a large offset)."""
    A = np.asarray(A, dtype=np.float64)
    A = A - wv @ A / W
    return A - wv @ A / W


def predict_sparse(estimator, X):
    """``X @ coef_.T + intercept_`` for sparse ``X`` (computed in float64)."""
    coef = np.asarray(estimator.coef_)
    dtype = predict_dtype(X.dtype, coef)
    X = sparse.csr_matrix(X, dtype=np.float64)
    if not np.isfinite(X.data).all():
        raise ValueError("Input X contains NaN or infinity.")
    out = np.asarray(X @ coef.astype(np.float64).T)
    out = out + np.asarray(estimator.intercept_, dtype=np.float64)
    return out.astype(dtype)
