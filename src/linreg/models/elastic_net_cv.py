"""LassoCV and ElasticNetCV: k-fold cross-validation from per-fold Moments.

In the Gram layout the data are read once: the Moments of each test fold are computed,
the total is their merge, and each training set's Moments are ``total.subtract(fold)``
(with its own, weighted, centring, as scikit-learn centres each training fold).  The
held-out mean squared error of ``(w, b)`` is a quadratic form in the fold's Moments::

    MSE_f = (yty_f - 2 w'xty_f + w'xtx_f w) / W_f + (ybar_f - b - xbar_f'w)^2

so no fold is ever re-read, and the final refit at the chosen alpha starts from the
total Moments.  In the design layout (p > n, sparse X) each training fold is copied,
as scikit-learn does.
"""

from __future__ import annotations

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import check_cv
from sklearn.utils import check_scalar
from sklearn.utils._param_validation import Interval, StrOptions

from .._warnings import external_stacklevel
from ..moments import Moments
from ..penalized.data import (
    FIT_KKT_TOL,
    check_l1_ratio,
    check_user_gram,
    choose_layout,
    layout_from_precompute,
    make_data,
    sparse_moments,
    validate_penalized_data,
)
from ..penalized.path import path_on_data, resolve_alphas
from ..penalized.solve import KKT_TOL, MAX_ITER, TOL, GramData, solve_enet
from .base import LinearModel
from .elastic_net import CD_CONSTRAINTS, ElasticNet

#: Default CV, first stage: every path is solved to duality gap <= PATH_NULL_TOL times
#: the objective at w = 0, which is scikit-learn's own criterion at its default tol=1e-4
#: (gap <= tol ||y||^2/n): held-out MSEs to ~1e-3..1e-2 relative, enough to find where
#: the minimum is, not always which grid point.
PATH_NULL_TOL = 2e-4
#: Second stage (``ElasticNetCV._refine``), for each ``(tol, kkt, floor)`` level in
#: turn: the alphas whose mean MSE is within a margin of the smallest are re-solved,
#: warm-started, REFINE_BATCH at a time, the lowest first, to a duality gap of ``tol``
#: times the objective and the KKT conditions to ``kkt`` alpha, until the smallest mean
#: MSE is a value of that level and no value of an earlier level is within the margin
#: of it: ``floor``, or twice the largest change seen in the re-solved ones, whichever
#: is larger.  The first level (loose paths have MSE errors ~1e-3; at this level they
#: are ~2e-4) narrows the candidates cheaply; at the last MSEs are accurate to ~1e-6..1e-5
#: relative.  The refit at alpha_ uses ``tol``.
REFINE_LEVELS = ((1e-5, np.inf, 2e-3), (1e-8, 1e-4, 1e-4))
REFINE_BATCH = 5
#: Third stage (``ElasticNetCV._polish``): every path point is re-solved, warm-started
#: from the earlier stages, to a duality gap of POLISH[0] times its objective and the KKT
#: conditions to POLISH[1] alpha (with an L2 term: its coefficients certified to POLISH[1]
#: relative), so every ``mse_path_`` entry is accurate, not only those near the minimum.
#: Why: the first stage stops on the gap alone (gap <= 2e-4 of the null objective), where
#: scikit-learn's cd_fast checks its (same) gap only once the largest coordinate step is
#: <= tol times the largest coefficient, so its paths are far tighter than its gap rule.
#: A gap g bounds only the training-set prediction error (||X d||^2 / W <= 2 g), so held-out
#: MSE errors are ~sqrt(g): up to ~1e-3 of the null MSE, most of a small MSE deep in the path.
#: One level: a looser level first saves nothing (warm-started, the sweeps before the
#: active set settles dominate; measured in benchmarks/bench_cv_mse_path.py).
POLISH = (1e-13, 1e-8)
#: The third stage runs when its cost is modest: the folds on the Gram matrix (n > p;
#: sweeps cost p^2) or small data (n x p at most this).  On wide or large design-layout
#: data (p > n: points near interpolation need hundreds of sweeps each) it multiplied
#: LassoCV's time on 1000 x 5000 by more than 30, so there ``mse_path_`` keeps the first
#: two stages' accuracy (``path_tol`` buys accuracy everywhere).
POLISH_MAX_DESIGN_ENTRIES = 20_000
#: The design layout keeps every training fold's centred copy for the second stage
#: when together they take at most this many bytes (else each round copies again).
DESIGN_CACHE_BYTES = 512 * 2**20


def _fold_mse_from_moments(m: Moments, coefs, intercepts, fit_intercept):
    """Weighted held-out MSE for each column of coefs (p, A), intercepts (A,)."""
    xtx, xty, yty = m.xtx, m.xty[:, 0], m.yty[0, 0]
    quad = np.einsum("ia,ia->a", coefs, xtx @ coefs)
    centred = (yty - 2.0 * (xty @ coefs) + quad) / m.weight_sum
    offset = m.y_mean[0] - intercepts - m.x_mean @ coefs
    return np.maximum(centred, 0.0) + offset**2


def _held_out_mse(X_test, Y_test, w_test, coefs, intercepts):
    """(Weighted) MSE on held-out rows of each column of coefs (p, A)."""
    resid = Y_test - (X_test @ coefs + intercepts)
    return np.average(resid**2, axis=0, weights=w_test)


def _map_folds(fn, n_folds, workers):
    """``[fn(f) for f in range(n_folds)]`` on ``workers`` threads.

    The coordinate-descent kernels release the GIL (numba ``nogil``) and each fold's
    work is independent, so folds run in parallel; BLAS is held to one thread per
    worker meanwhile, so the cores are not oversubscribed.  The results depend on
    ``workers`` only through the rounding of BLAS on one thread instead of several.
    """
    if workers <= 1 or n_folds <= 1:
        return [fn(f) for f in range(n_folds)]
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, range(n_folds)))


def _routed_groups(estimator, params):
    """``groups`` from ``fit``'s ``**params`` under scikit-learn's metadata routing;
    scikit-learn's ValueError when routing is off and params are given."""
    from sklearn.utils._metadata_requests import _raise_for_params, _routing_enabled

    _raise_for_params(params, estimator, "fit")
    unknown = set(params) - {"groups"}
    if unknown:
        raise TypeError(
            f"{type(estimator).__name__}.fit got unexpected keyword(s) {sorted(unknown)}; "
            "only groups (for the CV splitter) is routed"
        )
    return params.get("groups") if _routing_enabled() else None


def _check_alphas(alphas) -> None:
    """scikit-learn's check of explicit ``alphas``: each a real number >= 0
    (TypeError / ValueError with its messages)."""
    if alphas is None or isinstance(alphas, numbers.Integral):
        return
    for index, alpha in enumerate(alphas):
        check_scalar(
            alpha,
            f"alphas[{index}]",
            target_type=numbers.Real,
            min_val=0.0,
            include_boundaries="left",
        )


def _partition(folds, n):
    """True when the test sets are disjoint and cover every row."""
    seen = np.zeros(n, dtype=int)
    for _, test in folds:
        seen[test] += 1
    return bool(np.all(seen == 1))


class _Folds:
    """The data of a cross-validation: the full data (for the alpha grid and the
    refit), each fold's training data (``data(f)``) and held-out MSE (``mse``), in the
    "gram" layout from Moments (each test fold's, merged for the full data, subtracted
    for a training fold) or the "design" layout from the rows; cached where small."""

    def __init__(self, X, Y, w, fit_intercept, splits, layout):
        self.X, self.Y, self.w = X, Y, w
        self.fit_intercept, self.splits, self.layout = fit_intercept, splits, layout
        self.n_features = X.shape[1]
        self.is_sparse = sparse.issparse(X)
        self.partition = _partition(splits, X.shape[0])
        n_train = max(len(train) for train, _ in splits)
        # the second stage re-reads each fold in rounds: keep the design copies if small
        self.keep_copies = (
            not self.is_sparse and len(splits) * n_train * self.n_features * 8 <= DESIGN_CACHE_BYTES
        )
        self._data, self._test = {}, {}
        self.test_moments = None
        if layout == "gram":
            self.test_moments = [self.moments_of(test) for _, test in splits]
            if self.partition:
                self.total = self.test_moments[0]
                for m in self.test_moments[1:]:
                    self.total = self.total.merge(m)
            else:
                self.total = self.moments_of(np.arange(X.shape[0]))
            self.full = GramData.from_moments(self.total, fit_intercept)
        else:
            self.full = make_data(X, Y, w, fit_intercept, "design")

    def moments_of(self, rows) -> Moments:
        ww = None if self.w is None else self.w[rows]
        if self.is_sparse:
            return sparse_moments(self.X[rows], self.Y[rows], ww)
        # one chunk: the rows are a copy already, and merging chunks costs O(p^2) each
        return Moments.from_arrays(self.X[rows], self.Y[rows], ww, chunk_rows=max(len(rows), 1))

    def data(self, f):
        """Fold f's training data (GramData or DesignData)."""
        if f in self._data:
            return self._data[f]
        train = self.splits[f][0]
        if self.layout == "gram":
            # total minus fold cancels when the fold carries most of the weight (a
            # heavy row held out): then the training rows' Moments directly
            held = self.test_moments[f].weight_sum
            if self.partition and held <= self.total.weight_sum - held:
                train_m = self.total.subtract(self.test_moments[f])
            else:
                train_m = self.moments_of(train)
            data = GramData.from_moments(train_m, self.fit_intercept)
            if self.n_features <= 2_000:  # kept for the second stage (p x p each)
                self._data[f] = data
            return data
        ww = None if self.w is None else self.w[train]
        data = make_data(self.X[train], self.Y[train], ww, self.fit_intercept, "design")
        if self.keep_copies:
            self._data[f] = data
        return data

    def polish_data(self, f):
        """Fold f's training data for the third stage: as :meth:`data`, except that small
        sparse folds (at most POLISH_MAX_DESIGN_ENTRIES entries) are made dense.  The
        sparse kernel, warm-started from the two-stage coefficients, can stall at tiny
        alphas on wide folds (LassoCV 30 x 45 sparse at alpha 4e-4: 1.3% off after
        100,000 sweeps) although it converges from zero and the dense kernel converges
        from the same start; the cause in the sparse kernel is not yet isolated."""
        train = self.splits[f][0]
        if not self.is_sparse or len(train) * self.n_features > POLISH_MAX_DESIGN_ENTRIES:
            return self.data(f)
        ww = None if self.w is None else self.w[train]
        dense = self.X[train].toarray()
        return make_data(dense, self.Y[train], ww, self.fit_intercept, "design")

    def mse(self, f, coefs, icpts):
        """Held-out MSE of coefs (p, A), intercepts (A,) on fold f."""
        if not self.fit_intercept:
            icpts = np.zeros_like(icpts)
        if self.layout == "gram":
            return _fold_mse_from_moments(self.test_moments[f], coefs, icpts, self.fit_intercept)
        if f not in self._test:
            test = self.splits[f][1]
            held = (self.X[test], self.Y[test], None if self.w is None else self.w[test])
            if not self.keep_copies:
                return _held_out_mse(*held, coefs, icpts)
            self._test[f] = held
        return _held_out_mse(*self._test[f], coefs, icpts)


class ElasticNetCV(ElasticNet):
    """ElasticNet with alpha (and l1_ratio) chosen by k-fold cross-validation.

    Objective of each fit as in :class:`ElasticNet`.  The criterion is scikit-learn's:
    the mean over folds of each fold's (weighted) held-out mean squared error; the
    best ``(alpha, l1_ratio)`` is refitted on all data.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
    eps : float, default=1e-3
    alphas : int or array-like, default=100
        A number of grid points (scikit-learn's grid from the full data, one per
        l1_ratio) or the values themselves.
    fit_intercept : bool, default=True
    solver : {"auto", "gram", "design"}, default="auto"
    tol, max_iter, screening : as in :class:`ElasticNet`.  ``tol`` is the refit's and,
        when given (and ``path_tol`` is None), every fold path's as well: each path to a
        duality gap of ``tol`` times the objective with its coefficients certified to
        ``max(tol / 10, 1e-10)`` relative where strongly convex (``ElasticNet.coef_bound_``), so
        ``mse_path_`` is accurate to about ``tol`` at every alpha.
    cv : int, cross-validation splitter or iterable, default=None (5-fold KFold)
    path_tol : float or None, default=None
        Accuracy of the fold paths.  None with ``tol`` None: three stages, every path to
        scikit-learn's gap criterion (duality gap <= 2e-4 of the objective at zero), then
        the alphas that may hold the minimum re-solved, in rounds, to a gap of 1e-5 and
        then of 1e-8 of the objective (``REFINE_LEVELS``) until the minimum is an accurate
        value (this chooses ``alpha_``), then every path point re-solved, warm-started, to
        a gap of 1e-13 of its objective and the KKT conditions to 1e-8 alpha (``POLISH``),
        so every ``mse_path_`` entry is accurate (measured: within 2e-9 of each fold's
        null MSE of scikit-learn's at tol=1e-12; benchmarks/bench_cv_mse_path.py); a
        ConvergenceWarning names the points that ``max_iter`` cut short.  The third
        stage runs on the Gram layout (n > p) and on small data
        (``POLISH_MAX_DESIGN_ENTRIES``); on wide or large design-layout data it would
        cost tens of times the fit, and entries away from ``alpha_`` keep the first
        stage's accuracy (measured up to 5.6e-3 of the null MSE on 100 x 500, where
        scikit-learn's default is 4.6e-3 off); ``alpha_`` is accurate either way.  A number:
        every path to a duality gap of ``path_tol`` times the objective (1e-13
        reproduces tight references everywhere; slow on p > n near interpolation).
    n_jobs : int or None, default=None
        Threads over the folds (the coordinate-descent kernels release the GIL).  None
        or -1: one per CPU core; 1: sequential.  Unlike scikit-learn's ``n_jobs`` (None
        means one job), the default uses the cores, as BLAS does; the results are the
        same for every value up to rounding (the workers' BLAS runs on one thread).
    positive : bool, default=False
        As in :class:`ElasticNet`: every fold path and the refit subject to ``coef >= 0``,
        and the grid's alpha_max ``max(0, max_j x_j'Wy) / (W l1_ratio)`` (scikit-learn's).
    precompute, copy_X, selection, random_state : as in :class:`ElasticNet` (X is never
        overwritten here, whatever copy_X; precompute True or a
        Gram matrix: the "gram" layout for the folds and the refit; False: "design"; a
        given Gram matrix is checked against the full data, as the refit's is in
        scikit-learn, and never used: every fold's Gram is linreg's own).
    verbose : bool or int, default=0
        Accepted and validated (scikit-learn's); linreg prints nothing.

    Attributes
    ----------
    alpha_, l1_ratio_ : the chosen penalty
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
    coef_, intercept_, dual_gap_, n_iter_, solver_ : of the refit
    """

    _parameter_constraints: dict = {
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "solver": [StrOptions({"auto", "gram", "design"})],
        "cv": ["cv_object"],
        "path_tol": [Interval(Real, 0, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        **CD_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        solver="auto",
        tol=None,
        max_iter=None,
        screening=True,
        cv=None,
        path_tol=None,
        n_jobs=None,
        precompute="auto",
        copy_X=True,
        verbose=0,
        selection="cyclic",
        random_state=None,
        positive=False,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.screening = screening
        self.cv = cv
        self.path_tol = path_tol
        self.n_jobs = n_jobs
        self.precompute = precompute
        self.copy_X = copy_X
        self.verbose = verbose
        self.selection = selection
        self.random_state = random_state
        self.positive = positive

    def _workers(self, n_folds: int) -> int:
        """Threads for the folds: ``n_jobs`` (None or -1: one per core), at most one
        per fold."""
        import os

        n_jobs = self.n_jobs
        if n_jobs is None or n_jobs == -1:
            n_jobs = os.cpu_count() or 1
        if not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
            raise ValueError(f"n_jobs must be None, -1 or a positive integer, got {n_jobs!r}")
        return int(min(n_jobs, n_folds))

    def _l1_ratios(self):
        return [check_l1_ratio(r) for r in np.atleast_1d(self.l1_ratio).tolist()]

    def fit(self, X, y, sample_weight=None, **params):
        """Cross-validate over the alpha grid, then refit at the best alpha.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Used in every fit and in each fold's held-out MSE (weighted mean).
        **params :
            scikit-learn's metadata routing: only with
            ``sklearn.set_config(enable_metadata_routing=True)`` (ValueError otherwise, as
            scikit-learn), and then only ``groups``, passed to the CV splitter.
        """
        return LinearModel.fit(self, X, y, sample_weight, **params)

    def _check_params(self) -> None:
        """The precompute / solver combination (the rest: the constraints)."""
        layout_from_precompute(self.precompute, self.solver)  # ValueError if they contradict
        _check_alphas(self.alphas)

    _make_source = LinearModel._make_source  # X in memory (no streaming)

    def _fit_arrays(self, X, y, sample_weight, dtype, **params):
        """The folds' paths, the choice of ``(alpha_, l1_ratio_)``, the refit."""
        groups = _routed_groups(self, params)
        l1_ratios = self._l1_ratios()
        X, Y, w = self._validated(X, y, sample_weight)
        splits = list(check_cv(self.cv).split(X, Y[:, 0], groups))
        folds = _Folds(X, Y, w, self.fit_intercept, splits, self._fold_layout(X, splits))
        positive = bool(self.positive)
        grids = [
            resolve_alphas(self.alphas, 100, folds.full, r, self.eps, positive) for r in l1_ratios
        ]
        mse = self._cross_validate(folds, grids, l1_ratios)
        self._choose(mse, grids, l1_ratios)
        _, _, tol, max_iter = self._settings()
        result = solve_enet(
            folds.full,
            self.alpha_,
            self.l1_ratio_,
            None,
            tol,
            max_iter,
            self.screening,
            FIT_KKT_TOL,
            curvature=True,
            positive=positive,
        )
        # the refit's fitted state, as ElasticNet's (one target: y of shape (n_samples, 1)
        # is treated as 1-D, as scikit-learn does); a ConvergenceWarning if it stopped short
        return self._store(result, folds.layout, True, dtype)

    def _validated(self, X, y, sample_weight):
        """``(X, Y, w)`` validated: one target (a column vector warns, as scikit-learn),
        a given Gram matrix checked against the full data."""
        X, Y, w, y_was_1d = validate_penalized_data(self, X, y, sample_weight)
        if hasattr(self.precompute, "__array__") and not sparse.issparse(X):
            check_user_gram(self.precompute, X, w, self.fit_intercept)
        if not y_was_1d and Y.shape[1] != 1:
            raise ValueError(
                f"{type(self).__name__} takes one target (y of shape (n_samples,)); got "
                f"{Y.shape[1]} targets. Cross-validate each target separately."
            )
        if not y_was_1d:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; using y[:, 0]",
                DataConversionWarning,
                stacklevel=external_stacklevel(),
            )
        return X, Y, w

    def _fold_layout(self, X, splits) -> str:
        """ "gram" or "design" for the folds and the refit (``solver``, ``precompute``, or
        linreg's choice for a path per fold)."""
        wanted = layout_from_precompute(self.precompute, self.solver)
        layout = self.solver if wanted is None else wanted
        if layout == "auto":
            n_train = max(len(train) for train, _ in splits)
            layout = choose_layout(n_train, X.shape[1], sparse.issparse(X), n_fits=2)
        return layout

    def _path_accuracy(self):
        """``(path_tol, path_kkt, null_tol, two_stage)`` of the fold paths (see
        ``path_tol``): two stages by default, else every path to ``tol`` or ``path_tol``."""
        _, _, tol, _ = self._settings()
        if self.path_tol is None and self.tol is None:
            return 0.0, np.inf, PATH_NULL_TOL, True
        if self.path_tol is None:
            # an explicit tol: every path to it (gap) and its coefficients to a certified
            # max(tol / 10, 1e-10) relative where strongly convex, so mse_path_ follows tol
            return tol, max(FIT_KKT_TOL, 0.1 * tol), 0.0, False
        path_tol = float(self.path_tol)
        return path_tol, max(KKT_TOL, min(1e-4, 1e4 * path_tol)), 0.0, False

    def _cross_validate(self, folds, grids, l1_ratios) -> np.ndarray:
        """Held-out MSE (n_l1, n_folds, n_alphas) of every l1_ratio's path on every fold
        (threads over the folds), refined where the minimum may be and then polished
        everywhere by default; a
        ConvergenceWarning if some path stopped short."""
        path_tol, path_kkt, null_tol, two_stage = self._path_accuracy()
        max_iter = self._settings()[3]
        positive = bool(self.positive)
        n_folds, n_alphas = len(folds.splits), len(grids[0])
        mse = np.empty((len(l1_ratios), n_folds, n_alphas))
        shape = (len(l1_ratios), n_folds, folds.n_features, n_alphas)
        kept = np.empty(shape) if two_stage else None  # the loose coefs, for the refinement

        def fold_paths(f) -> bool:
            """Every l1_ratio's path on fold f: its MSEs (and loose coefs) stored."""
            data = folds.data(f)
            ok = True
            for r, ratio in enumerate(l1_ratios):
                path = path_on_data(
                    data,
                    grids[r],
                    ratio,
                    None,
                    path_tol,
                    max_iter,
                    self.screening,
                    path_kkt,
                    null_tol,
                    positive,
                )
                ok &= path.converged
                mse[r, f] = folds.mse(f, path.coefs[0], path.intercepts[0])
                if two_stage:
                    kept[r, f] = path.coefs[0]
            return ok

        workers = self._workers(n_folds)
        converged = all(_map_folds(fold_paths, n_folds, workers))
        if two_stage:
            converged &= self._refine(
                mse, kept, grids, l1_ratios, folds.data, folds.mse, max_iter, workers
            )
            if (
                folds.layout == "gram"
                or folds.X.shape[0] * folds.n_features <= POLISH_MAX_DESIGN_ENTRIES
            ):
                self._polish(mse, kept, grids, l1_ratios, folds, max_iter, workers)
        if not converged:
            warnings.warn(
                "coordinate descent did not converge for some alphas and folds; raise "
                "max_iter or tol",
                ConvergenceWarning,
                stacklevel=external_stacklevel(),
            )
        return mse

    def _choose(self, mse, grids, l1_ratios) -> None:
        """``alpha_``, ``l1_ratio_`` (the smallest mean held-out MSE; the first on ties),
        ``mse_path_`` and ``alphas_`` (scikit-learn's shapes)."""
        mean = mse.mean(axis=1)  # (n_l1, n_alphas)
        best = (np.inf, None, None)
        for r, ratio in enumerate(l1_ratios):
            i = int(np.argmin(mean[r]))
            if mean[r, i] < best[0]:
                best = (mean[r, i], grids[r][i], ratio)
        self.alpha_ = float(best[1])
        self.l1_ratio_ = float(best[2])
        self.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
        if isinstance(self.alphas, numbers.Integral):
            self.alphas_ = np.asarray(grids) if len(grids) > 1 else grids[0]
        else:
            self.alphas_ = grids[0]

    def _settings(self):
        """``(alpha_, l1_ratio_, tol, max_iter)`` of the refit (the penalty once chosen)."""
        tol = TOL if self.tol is None else float(self.tol)
        max_iter = MAX_ITER if self.max_iter is None else int(self.max_iter)
        return getattr(self, "alpha_", None), getattr(self, "l1_ratio_", 1.0), tol, max_iter

    def _refine(self, mse, kept, grids, l1_ratios, fold_data, fold_mse, max_iter, workers) -> bool:
        """Second stage of the default CV: re-solve more accurately the alphas that may
        hold the minimum, at each of REFINE_LEVELS in turn.  At a level, rounds of
        REFINE_BATCH alphas (the lowest mean MSE first) are re-solved, warm-started from
        the previous level, until the smallest mean MSE is a value of this level and no
        value of an earlier level is within ``margin`` of it; ``margin`` starts at the
        level's floor and grows to twice the largest change seen in the re-solved ones.
        ``mse`` (n_l1, n_folds, n_alphas) and ``kept`` are updated in place."""
        converged = True
        for tol, kkt, floor in REFINE_LEVELS:
            refined = np.zeros((mse.shape[0], mse.shape[2]), dtype=bool)
            margin = floor
            while True:
                mean = mse.mean(axis=1)
                cand = ~refined & (mean <= np.min(mean) * (1.0 + margin))
                if not cand.any():
                    break
                idx = np.argwhere(cand)
                todo = idx[np.argsort(mean[cand], kind="stable")[:REFINE_BATCH]]

                def refine_fold(f, todo=todo, tol=tol, kkt=kkt) -> bool:
                    data = fold_data(f)  # (cached unless the folds' copies are too large)
                    point = self._point_solver(data, f, mse, kept, grids, l1_ratios, fold_mse)
                    return all([point(r, i, tol, kkt, max_iter) for r, i in todo])

                converged &= all(_map_folds(refine_fold, mse.shape[1], workers))
                for r, i in todo:
                    refined[r, i] = True
                    err = abs(mean[r, i] - mse[r, :, i].mean()) / mse[r, :, i].mean()
                    margin = max(margin, 2.0 * err)
        return converged

    def _point_solver(self, data, f, mse, kept, grids, l1_ratios, fold_mse):
        """``point(r, i, tol, kkt, max_iter) -> converged``: path point ``(l1_ratios[r],
        grids[r][i])`` of fold ``f`` re-solved on ``data`` warm-started from ``kept``, its
        coefficients and held-out MSE stored in place (the second and third stages)."""

        def point(r, i, tol, kkt, max_iter) -> bool:
            res = solve_enet(
                data,
                grids[r][i],
                l1_ratios[r],
                kept[r, f, :, i][None],
                tol,
                max_iter,
                self.screening,
                kkt,
                positive=bool(self.positive),
            )
            kept[r, f, :, i] = res.coef[0]
            mse[r, f, i] = fold_mse(f, res.coef[0][:, None], res.intercept[:1])[0]
            return bool(res.diagnostics["converged"])

        return point

    def _polish(self, mse, kept, grids, l1_ratios, folds, max_iter, workers) -> None:
        """Third stage of the default CV: every path point re-solved to POLISH, warm-started
        from ``kept`` (``mse`` and ``kept``, shape (n_l1, n_folds, ...), updated in place);
        a ConvergenceWarning names the ``(l1_ratio, alpha, fold)`` points where the
        stopping rule did not hold within ``max_iter``."""
        n_l1, n_folds, n_alphas = mse.shape
        tol, kkt = POLISH

        def polish_fold(f):
            data = folds.polish_data(f)
            point = self._point_solver(data, f, mse, kept, grids, l1_ratios, folds.mse)
            return [
                (l1_ratios[r], float(grids[r][i]), f)
                for r, i in np.ndindex(n_l1, n_alphas)
                if not point(r, i, tol, kkt, max_iter)
            ]

        unmet = sum(_map_folds(polish_fold, n_folds, workers), [])
        if unmet:
            shown = ", ".join(f"(l1_ratio={r:g}, alpha={a:.4g}, fold {f})" for r, a, f in unmet[:5])
            warnings.warn(
                f"mse_path_ may be inaccurate at {len(unmet)} of {mse.size} points (l1_ratio, "
                f"alpha, fold): {shown}{', ...' if len(unmet) > 5 else ''}: coordinate descent "
                f"stopped at max_iter={max_iter} before a duality gap of {tol:g} of the "
                f"objective and the KKT conditions to {kkt:g} alpha; raise max_iter",
                ConvergenceWarning,
                stacklevel=external_stacklevel(),
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by k-fold cross-validation (see :class:`ElasticNetCV`).

    Objective of each fit: ``1/(2W) ||y - b - Xw||_W^2 + alpha ||w||_1``.

    Attributes
    ----------
    alpha_, alphas_ (n_alphas,), mse_path_ (n_alphas, n_folds), coef_, intercept_,
    dual_gap_, n_iter_, solver_
    """

    #: ElasticNetCV's, without ``l1_ratio`` (1: the Lasso).
    _parameter_constraints: dict = {
        k: v for k, v in ElasticNetCV._parameter_constraints.items() if k != "l1_ratio"
    }

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        solver="auto",
        tol=None,
        max_iter=None,
        screening=True,
        cv=None,
        path_tol=None,
        n_jobs=None,
        precompute="auto",
        copy_X=True,
        verbose=0,
        selection="cyclic",
        random_state=None,
        positive=False,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.screening = screening
        self.cv = cv
        self.path_tol = path_tol
        self.n_jobs = n_jobs
        self.precompute = precompute
        self.copy_X = copy_X
        self.verbose = verbose
        self.selection = selection
        self.random_state = random_state
        self.positive = positive

    def _l1_ratios(self):
        return [1.0]

    def fit(self, X, y, sample_weight=None, **params):
        """As :meth:`ElasticNetCV.fit` (``l1_ratio`` 1)."""
        super().fit(X, y, sample_weight, **params)
        del self.l1_ratio_
        return self
