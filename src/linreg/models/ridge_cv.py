"""Ridge regression with the penalty chosen by cross-validation, every alpha at once.

scikit-learn's :class:`~sklearn.linear_model.RidgeCV` solves one linear system per
alpha (and, with ``cv=k``, re-fits every fold from the raw data).  Here one
eigendecomposition serves every alpha:

* ``cv=None`` (efficient leave-one-out, scikit-learn's ``_RidgeGCV``).  With
  ``X~ = sqrt(w) (X - mean)`` and ``y~ = sqrt(w) (y - mean)`` (the intercept and the
  weights folded in), the LOO error of row i is ``c_i / d_i`` with
  ``c = y~ - X~ H^-1 X~'y~``, ``d = 1 - diag(X~ H^-1 X~') - w_i / sum(w)``,
  ``H = X~'X~ + alpha I`` (Rifkin and Lippert 2007).  For n > p the centred Gram is
  decomposed once, ``X~'X~ = V diag(s) V'``, and with ``U = X~ V`` (formed chunk by
  chunk, never whole) the hat diagonals and fitted values of all alphas are two matrix
  products: ``(U*U) @ D`` and ``U @ (V'X~'y~ * D)`` with ``D[j, a] = 1/(s_j + alpha_a)``.
  For n <= p the n x n Gram ``X~X~'`` is decomposed instead, as scikit-learn does.
* ``cv=k`` or a splitter.  For n_train >= p, each fold's training Moments are the
  total Moments minus the fold's (:meth:`linreg.Moments.subtract`), their Gram is
  decomposed once, and the held-out squared error of every alpha is a quadratic form
  in the fold's own Moments: X is read once, not once per fold and alpha.  For
  n_train < p, the n x n Gram of all rows is formed once and every fold's centred
  training kernel and cross-kernel are read out of it.
* scipy.sparse X (any format) is never densified: the Gram matrix is linreg's sparse
  Moments (what :class:`linreg.Ridge` forms), ``U = X~ V`` and the kernel ``X~X~'`` are
  sparse products centred implicitly (``(X - 1m')v = Xv - 1 m'v``), except for columns
  whose offset would cancel digits there (:data:`OFFSET_RATIO`), which are centred
  explicitly, a dense block of those columns at a time (:class:`_SparseCentred`).  With
  n <= p the fit at ``alpha_`` is the dual solve from the kernel's eigendecomposition
  (accurate as alpha -> 0, where ``X'X + alpha I`` is singular), else ``Ridge(alpha_)``
  on the sparse X.
"""

from __future__ import annotations

import numbers
import warnings
from functools import partial

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import RidgeCV as _SklearnRidgeCV
from sklearn.utils import check_scalar

from .._validation import assert_finite, validate_training_data
from .._warnings import external_stacklevel
from ..centring import centre, weighted_mean
from ..moments import Moments
from ..solution import AccuracyWarning, Solution
from ..solvers import LeastSquaresProblem, solve
from ..solvers.problem import EPS, TARGET_ACCURACY
from .base import LinearModel

__all__ = ["RidgeCV"]

#: Float64 entries of each per-chunk work array of the leave-one-out pass (1 MiB).
CHUNK_ENTRIES = 2**17


#: A sparse column is centred explicitly (from a dense copy, in blocks) when its offset
#: ratio ``m_j^2 / var_j`` exceeds this: implicit centring, ``(x - m)'v = x'v - m'v``,
#: loses about ``log10(sqrt(1 + ratio))`` digits (one digit at this ratio).
OFFSET_RATIO = 100.0

#: Entries of each dense block formed when centring offset columns explicitly (32 MiB).
BLOCK_ENTRIES = 2**22

#: Largest dense ``min(n, p)``-square matrix (``8 m^2`` bytes) the leave-one-out and
#: k-fold paths form for sparse X (scikit-learn forms the same matrix, without a limit).
SPARSE_MAX_BYTES = 2**30


class _SparseCentred:
    """Sparse ``X`` minus a shift row, ``X - 1 s'``, in products that never densify X.

    Columns whose offset ratio (``s_j^2`` over their weighted variance) is at most
    :data:`OFFSET_RATIO` are centred implicitly (``X_S v - 1 s_S'v``); the others (dense,
    offset columns) are centred explicitly, a dense block of them at a time.
    """

    def __init__(self, X, shift, w=None):
        X = sparse.csc_matrix(X, dtype=np.float64)
        n, p = X.shape
        self.shift = np.asarray(shift, dtype=np.float64)
        wv = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        W = float(wv.sum())
        col = np.repeat(np.arange(p), np.diff(X.indptr))
        wk = wv[X.indices]
        m = np.bincount(col, weights=wk * X.data, minlength=p) / W
        w_nz = np.bincount(col, weights=wk, minlength=p)
        # weighted variance about the mean, from the stored entries and the zeros
        var = np.bincount(col, weights=wk * (X.data - m[col]) ** 2, minlength=p)
        var = (var + m**2 * np.maximum(W - w_nz, 0.0)) / W
        offset = self.shift**2 > OFFSET_RATIO * var
        self.dense_cols = np.flatnonzero(offset)
        self.sparse_cols = np.flatnonzero(~offset)
        self.X_s = sparse.csr_matrix(X[:, self.sparse_cols])
        self.X_o = sparse.csr_matrix(X[:, self.dense_cols])
        self.n, self.p = n, p

    def _dense_blocks(self):
        """Column blocks ``(columns, X_O[:, block] - s_O[block])`` as dense arrays."""
        d = len(self.dense_cols)
        step = max(1, BLOCK_ENTRIES // max(self.n, 1))
        Xo = sparse.csc_matrix(self.X_o)
        for lo in range(0, d, step):
            hi = min(lo + step, d)
            cols = self.dense_cols[lo:hi]
            yield cols, Xo[:, lo:hi].toarray() - self.shift[cols]

    def rows_times(self, lo: int, hi: int, V: np.ndarray) -> np.ndarray:
        """``(X[lo:hi] - 1 s') V`` for V of shape (p, m) (its row blocks kept between
        calls with the same V)."""
        cached = getattr(self, "_split_V", None)
        if cached is None or cached[0] is not V:
            V_s = np.ascontiguousarray(V[self.sparse_cols])
            cached = (V, V_s, self.shift[self.sparse_cols] @ V_s, V[self.dense_cols])
            self._split_V = cached
        _, V_s, shift_V, V_o = cached
        out = np.asarray(self.X_s[lo:hi] @ V_s)
        out -= shift_V
        if len(self.dense_cols):
            block = self.X_o[lo:hi].toarray() - self.shift[self.dense_cols]
            out += block @ V_o
        return out

    def transpose_times(self, C: np.ndarray) -> np.ndarray:
        """``(X - 1 s')' C`` for C of shape (n, m), shape (p, m)."""
        out = np.empty((self.p, C.shape[1]))
        s_s = self.shift[self.sparse_cols]
        out[self.sparse_cols] = np.asarray(self.X_s.T @ C) - np.outer(s_s, C.sum(axis=0))
        for cols, block in self._dense_blocks():
            out[cols] = block.T @ C
        return out

    def kernel(self) -> np.ndarray:
        """``(X - 1 s')(X - 1 s')'``, shape (n, n)."""
        s_s = self.shift[self.sparse_cols]
        K = (self.X_s @ self.X_s.T).toarray()
        r = np.asarray(self.X_s @ s_s).ravel()
        K -= r[:, None]
        K -= r[None, :]
        K += s_s @ s_s
        for _, block in self._dense_blocks():
            K += block @ block.T
        return K


class _Identity(RegressorMixin, BaseEstimator):
    """A "model" whose predictions are its input: lets a scorer score given predictions."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return X


class RidgeCV(LinearModel):
    """Ridge regression with built-in cross-validation of ``alpha``.

    For each candidate ``alpha`` the model minimizes scikit-learn's ridge objective::

        sum_i w_i (y_i - intercept - x_i' coef)^2 + alpha * ||coef||_2^2

    (the intercept unpenalized) and ``alpha_`` is the candidate with the best
    cross-validated score; ``coef_`` and ``intercept_`` are the fit on all the data at
    ``alpha_``.  Parameters, attributes and the choice of ``alpha_`` follow
    :class:`sklearn.linear_model.RidgeCV` (ties go to the first candidate in
    ``alphas``' order); the computation does not (see :mod:`linreg.ridge_cv`).

    Parameters
    ----------
    alphas : float or array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Candidate penalties; positive for leave-one-out, non-negative with ``cv``
        (checked by scikit-learn's own validation: its error types and messages).
    fit_intercept : bool, default=True
    scoring : str, callable or None, default=None
        None: negative mean squared leave-one-out error (``cv=None``; with sample
        weights, of ``sqrt(w_i) * error_i`` as scikit-learn does), or the mean R^2 over
        the folds (``cv`` given, unweighted, as scikit-learn's grid search does).  A
        scorer name or callable is applied to the held-out predictions.
    cv : None, int, cross-validation splitter or iterable of (train, test), default=None
        None: efficient leave-one-out.  An int k: ``KFold(k)`` (no shuffling).
    gcv_mode : {None, "auto", "eigen", "svd"}, default=None
        Accepted for compatibility; every mode decomposes the Gram matrix of the
        smaller side (``X'X`` when n_samples > n_features, else ``XX'``), which gives
        scikit-learn's ``"svd"`` numbers to rounding.  ``"svd"`` with sparse X and
        ``cv=None`` gives scikit-learn 1.9's FutureWarning (it falls back to
        ``"eigen"``; scikit-learn will raise from 1.11).
    store_cv_results : bool, default=False
        Keep the per-sample leave-one-out values in ``cv_results_`` (``cv=None`` only).
    alpha_per_target : bool, default=False
        Choose one alpha per target (``cv=None`` only).

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    best_score_ : float or ndarray of shape (n_targets,)
        Score at ``alpha_`` (see ``scoring``).
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        (n_features,) for one target, y of shape (n_samples, 1) included (scikit-learn's
        rule); float32 for float32 X (the float64 solution rounded once), else float64.
    intercept_ : float, numpy scalar or ndarray of shape (n_targets,)
        The Python float 0.0 without an intercept; a NumPy scalar (of ``coef_``'s
        dtype) for a 1-D y; else an array (shape (1,) for y of shape (n_samples, 1)).
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, n_alphas)
        With ``store_cv_results``: squared LOO errors (``scoring=None``) or LOO
        predictions (otherwise).
    alphas_ : ndarray of shape (n_alphas,)
        The candidates, in the order given.
    cv_mse_ : ndarray of shape (n_alphas,)
        Mean cross-validated squared error per alpha, averaged over targets: the mean
        of the (weighted) squared LOO errors for ``cv=None``, the mean over folds of
        each fold's held-out mean squared error otherwise.  What :func:`linreg.plots.
        cv_curve` draws.
    cv_mse_std_err_ : ndarray of shape (n_alphas,)
        Its standard error: standard deviation (ddof=1) over samples (LOO) or folds,
        divided by the square root of their number.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error of each fold (``cv`` given only), as in
        :class:`sklearn.linear_model.LassoCV`.
    coef_path_ : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
        Coefficients fitted on all the data for every alpha, shaped like
        :func:`sklearn.linear_model.lasso_path`'s; drawn by
        :func:`linreg.plots.regularization_path`.
    n_features_in_, feature_names_in_ : as scikit-learn sets them.
    """

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        gcv_mode=None,
        store_cv_results=False,
        alpha_per_target=False,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target

    #: scikit-learn's own constraints (the same objects, so the same messages), checked
    #: by ``_validate_params``.
    _parameter_constraints: dict = dict(_SklearnRidgeCV._parameter_constraints)

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        """After scikit-learn's validation (the template's first step), its checks of
        each candidate and of the combinations, then linreg's."""
        self._candidates()

    def _candidates(self) -> np.ndarray:
        """The candidate alphas, checked: scikit-learn's per-candidate check (its error
        types and messages), the combinations it refuses, then linreg's."""
        loo = self.cv is None
        # scikit-learn's per-candidate check: > 0 for leave-one-out, >= 0 with cv
        check = partial(
            check_scalar,
            target_type=numbers.Real,
            min_val=0.0,
            include_boundaries="neither" if loo else "left",
        )
        if isinstance(self.alphas, (np.ndarray, list, tuple)) and np.ndim(self.alphas) == 1:
            if len(self.alphas) == 1:
                check(self.alphas[0], "alphas")
            for i, alpha in enumerate(self.alphas if len(self.alphas) > 1 else ()):
                check(alpha, f"alphas[{i}]")
        if not loo and self.store_cv_results:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        if not loo and self.alpha_per_target:
            raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        try:
            alphas = np.asarray(self.alphas, dtype=np.float64).ravel()
        except (TypeError, ValueError) as err:
            raise ValueError(f"alphas must be numbers, got {self.alphas!r}") from err
        if alphas.size == 0:
            raise ValueError("alphas is empty: give at least one candidate penalty")
        bad = ~np.isfinite(alphas) | (alphas <= 0 if loo else alphas < 0)
        if bad.any():
            i = int(np.argmax(bad))
            need = "> 0 (leave-one-out needs a positive penalty)" if loo else ">= 0"
            raise ValueError(f"alphas[{i}] == {float(alphas[i])!r}, must be finite and {need}")
        return alphas

    # --------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha_`` by cross-validation and fit on all the data with it.

        Parameters
        ----------
        X : array-like, DataFrame or scipy.sparse matrix of shape (n_samples, n_features)
            Sparse X (any format, float32 or float64) is never densified: the leave-one-
            out and k-fold statistics come from its sparse products (the Gram matrix
            ``X'WX`` when n_samples > n_features, the kernel ``XWX'`` otherwise), centred
            implicitly except for columns with a large offset (see
            :data:`OFFSET_RATIO`), which are centred explicitly in dense blocks.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the objective (and of the LOO score, as in
            scikit-learn; the ``cv`` scores are unweighted, as in scikit-learn).

        Returns
        -------
        self
        """
        return super().fit(X, y, sample_weight)

    def _fit_arrays(self, X, y, sample_weight, dtype):
        """Leave-one-out or k-fold scores of every candidate, then the fit at ``alpha_``."""
        alphas = self._candidates()
        if sparse.issparse(X):
            X, Y, w, y_was_1d = self._sparse_data(X, y, sample_weight)
        else:
            X, Y, w, y_was_1d = self._dense_data(X, y, sample_weight)
        k = Y.shape[1]
        full = _Decomposition.of(X, Y, w, self.fit_intercept)
        self.alphas_ = alphas
        if self.cv is None:
            scores, chosen = self._leave_one_out(full, X, Y, w, y_was_1d, alphas)
        else:
            scores, chosen = self._k_fold(X, Y, w, y_was_1d, alphas, full.moments)
        self.coef_path_ = full.coef_path(alphas)  # (k, p, n_alphas)
        if y_was_1d:
            self.coef_path_ = self.coef_path_[0]
        # The one eigendecomposition in user units serves the search, not the answer:
        # the fit at alpha_ is Ridge(alpha=alpha_)'s exact, certified solve.
        chosen_alphas = alphas[np.broadcast_to(chosen, (k,))]
        solution = self._final_fit(X, Y, w, chosen_alphas, full)
        self._set_solution(solution, y_was_1d, dtype)
        return self

    def _dense_data(self, X, y, sample_weight):
        """Validated float64 ``(X, Y, w, y_was_1d)`` of dense input."""
        X, Y, w, y_was_1d = validate_training_data(self, X, y, sample_weight)
        assert_finite(X, "X", getattr(self, "feature_names_in_", None))
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        from ..penalized.data import check_overflow

        check_overflow(X, Y, w, getattr(self, "feature_names_in_", None))
        return X, Y, w, y_was_1d

    def _sparse_data(self, X, y, sample_weight):
        """Validated ``(X, Y, w, y_was_1d)`` of scipy.sparse X (CSR float64), with
        scikit-learn's FutureWarning for ``gcv_mode="svd"`` (it runs ``"eigen"``)."""
        from ..penalized.data import validate_penalized_data

        X, Y, w, y_was_1d = validate_penalized_data(self, X, y, sample_weight)
        if self.cv is None and self.gcv_mode == "svd":
            warnings.warn(  # scikit-learn 1.9's words (it falls back to "eigen")
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'`. Passing `gcv_mode='svd'` on sparse X will raise "
                "an error in 1.11, use the default or pass `gcv_mode='eigen'` to "
                "suppress this warning.",
                FutureWarning,
                stacklevel=external_stacklevel(),
            )
        n, p = X.shape
        if 8.0 * min(n, p) ** 2 > SPARSE_MAX_BYTES:
            raise ValueError(
                f"RidgeCV on sparse X of shape {X.shape} forms a dense {min(n, p)} x "
                f"{min(n, p)} matrix (the Gram matrix or the kernel), over "
                f"{SPARSE_MAX_BYTES / 2**30:.0f} GiB; use Ridge with solver='sparse_cg' "
                "and your own alpha search"
            )
        return sparse.csr_matrix(X), Y, w, y_was_1d

    def _final_fit(self, X, Y, w, alpha_per_target, full) -> Solution:
        """The ridge solution at the chosen alphas on all the data, with its bound
        (solver="auto", as ``Ridge(alpha=alpha_)`` solves it); an AccuracyWarning names
        the figure when the bound misses the documented accuracy.

        Sparse X: with n_samples <= n_features, the dual solve from the kernel's
        eigendecomposition (already formed; it stays accurate as alpha -> 0, where the
        p x p Gram matrix plus alpha is singular), when its bound meets the documented
        accuracy; otherwise ``Ridge(alpha=alpha_)`` fitted on the sparse X (without
        linreg's sparse Ridge: the exact solve on the sparse Moments).
        """
        alpha = np.asarray(alpha_per_target, dtype=np.float64)
        if not sparse.issparse(X):
            problem = LeastSquaresProblem(X, Y, w, self.fit_intercept, alpha, full.moments)
            solution = solve(problem, "auto")
        elif full.mode == "gram" and (
            (kernel := full.kernel_solution(alpha)).status == "ok"
            or 8.0 * X.shape[1] ** 2 > SPARSE_MAX_BYTES
        ):
            solution = kernel
        elif _ridge_takes_sparse():
            return self._sparse_ridge(X, Y, w, alpha)
        else:
            moments = full.moments if full.moments is not None else _moments(X, Y, w)
            problem = LeastSquaresProblem(None, None, None, self.fit_intercept, alpha, moments)
            solution = solve(problem, "auto")
        if solution.status == "inaccurate":
            warnings.warn(solution.message, AccuracyWarning, stacklevel=external_stacklevel())
        return solution

    def _sparse_ridge(self, X, Y, w, alpha) -> Solution:
        """``Ridge(alpha=alpha_).fit(X)`` on sparse X, run as such (its warnings its own)."""
        from .ridge import Ridge

        ridge = Ridge(alpha=alpha, fit_intercept=self.fit_intercept)
        return ridge.fit(X, Y, sample_weight=w).solution_

    def _choose(self, scores: np.ndarray, per_target: bool):
        """First best alpha index (NaN scores never win), overall or per target."""
        s = np.where(np.isnan(scores), -np.inf, scores)
        if per_target:
            return np.argmax(s, axis=0)  # scores of shape (n_alphas, n_targets)
        return int(np.argmax(s))

    def _leave_one_out(self, full, X, Y, w, y_was_1d, alphas):
        """Efficient leave-one-out: ``cv_mse_`` (and its standard error), the scores,
        ``cv_results_`` when asked, and the choice of ``alpha_``."""
        n, k = Y.shape
        scorer = self._scorer()
        loo = full.leave_one_out(
            X,
            Y,
            w,
            alphas,
            keep=self.store_cv_results or scorer is not None,
            predictions=scorer is not None,
        )
        # loo.sum_sq: (n_alphas, k) sums of squared (weighted) errors
        self.cv_mse_ = loo.sum_sq.sum(axis=1) / (n * k)
        var = (loo.sum_sq4.sum(axis=1) - (n * k) * self.cv_mse_**2) / max(n * k - 1, 1)
        self.cv_mse_std_err_ = np.sqrt(np.maximum(var, 0.0) / (n * k))
        if scorer is None:
            scores = -(loo.sum_sq / n)  # (n_alphas, k)
            if not self.alpha_per_target:
                scores = scores.mean(axis=1)
        else:
            scores = self._scored(scorer, loo.kept, Y, w, y_was_1d)
        if self.store_cv_results:  # squared errors, or predictions with a scorer
            self.cv_results_ = loo.kept[:, 0, :] if y_was_1d else loo.kept
        return self._choose_loo(scores, alphas, k, y_was_1d)

    def _scored(self, scorer, pred, Y, w, y_was_1d) -> np.ndarray:
        """``scoring`` of the leave-one-out predictions ``pred`` (n, k, n_alphas):
        (n_alphas, k) per target, else (n_alphas,)."""
        kw = {} if w is None else {"sample_weight": w}
        n_alphas, k = pred.shape[2], Y.shape[1]
        if self.alpha_per_target:
            return np.array(
                [
                    [scorer(_Identity(), pred[:, t, a], Y[:, t], **kw) for t in range(k)]
                    for a in range(n_alphas)
                ]
            )
        target = Y[:, 0] if y_was_1d else Y
        return np.array(
            [
                scorer(_Identity(), pred[:, 0, a] if y_was_1d else pred[:, :, a], target, **kw)
                for a in range(n_alphas)
            ]
        )

    def _choose_loo(self, scores, alphas, k, y_was_1d):
        """``alpha_`` and ``best_score_`` (scikit-learn's shapes); returns ``(scores,
        chosen index per target)``."""
        if self.alpha_per_target:
            best = self._choose(scores, True)
            cols = np.arange(scores.shape[1])
            if k > 1:
                self.alpha_ = alphas[best]
                self.best_score_ = scores[best, cols]
            else:  # scikit-learn: one alpha, the score as an array when y is 2-D
                self.alpha_ = float(alphas[best[0]])
                self.best_score_ = float(scores[best[0], 0]) if y_was_1d else scores[best[0]]
            return scores, np.broadcast_to(best, (k,))
        best = self._choose(scores, False)
        self.alpha_ = float(alphas[best])
        self.best_score_ = float(scores[best])
        return scores, np.full(k, best)

    def _k_fold(self, X, Y, w, y_was_1d, alphas, moments=None):
        from sklearn.model_selection import check_cv

        k = Y.shape[1]
        cv = check_cv(self.cv, Y[:, 0] if y_was_1d else Y, classifier=False)
        splits = list(cv.split(X, Y[:, 0] if y_was_1d else Y))
        scorer = self._scorer()
        folds = _Folds(X, Y, w, self.fit_intercept, splits, moments)
        # scikit-learn's grid search passes the weights to a scorer that takes them.
        weighted = scorer is not None and _accepts_weights(scorer)
        scores = np.empty((len(alphas), len(splits)))
        mse = np.empty((len(alphas), len(splits)))
        undefined = []
        for f, (train, test) in enumerate(splits):
            pred = folds.predictions(f, alphas) if scorer is not None else None
            sse, sst = folds.held_out_errors(f, alphas)  # (n_alphas, k), (k,)
            n_test = len(test)
            mse[:, f] = sse.mean(axis=1) / n_test
            if scorer is None and n_test < 2:
                # R^2 of one held-out row is undefined (scikit-learn: NaN and a warning)
                scores[:, f] = np.nan
                undefined.append(f)
            elif scorer is None:
                scores[:, f] = _r2(sse, sst).mean(axis=1)
            else:
                y_test = Y[test, 0] if y_was_1d else Y[test]
                kw = {} if w is None or not weighted else {"sample_weight": w[test]}
                scores[:, f] = [
                    scorer(_Identity(), pred[:, 0, a] if y_was_1d else pred[:, :, a], y_test, **kw)
                    for a in range(len(alphas))
                ]
        if undefined:
            warnings.warn(
                f"R^2 is undefined on held-out folds of fewer than two rows (folds "
                f"{undefined}): their scores, and so the mean scores, are NaN and alpha_ is "
                "the first candidate (as scikit-learn's grid search)",
                UndefinedMetricWarning,
                stacklevel=external_stacklevel(),
            )
        mean_scores = scores.mean(axis=1)
        self.mse_path_ = mse
        self.cv_mse_ = mse.mean(axis=1)
        n_folds = len(splits)
        spread = mse.std(axis=1, ddof=1) if n_folds > 1 else np.zeros(len(alphas))
        self.cv_mse_std_err_ = spread / np.sqrt(n_folds)
        best = self._choose(mean_scores, False)
        self.alpha_ = float(alphas[best])
        self.best_score_ = float(mean_scores[best])
        return mean_scores, np.full(k, best)

    def _scorer(self):
        if self.scoring is None:
            return None
        from sklearn.metrics import check_scoring

        return check_scoring(_Identity(), scoring=self.scoring)


def _accepts_weights(scorer) -> bool:
    from inspect import signature

    if hasattr(scorer, "_accept_sample_weight"):
        return bool(scorer._accept_sample_weight())
    return "sample_weight" in signature(scorer).parameters


def _r2(sse: np.ndarray, sst: np.ndarray) -> np.ndarray:
    """scikit-learn's R^2 per target (``force_finite``: constant y gives 1 or 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - sse / sst
    zero = sst == 0
    if zero.any():
        r2[:, zero] = np.where(sse[:, zero] == 0, 1.0, 0.0)
    return r2


class _LOO:
    """Leave-one-out results for every alpha."""

    def __init__(self, sum_sq, sum_sq4, kept):
        self.sum_sq = sum_sq  # (n_alphas, k): sum over rows of squared errors
        self.sum_sq4 = sum_sq4  # (n_alphas, k): sum of their squares (for the std error)
        self.kept = kept  # (n, k, n_alphas) or None


def _ridge_takes_sparse() -> bool:
    """Whether :class:`linreg.Ridge` fits scipy.sparse X (its route :mod:`linreg.sources.
    sparse`); without it the final fit solves the sparse Moments here."""
    from importlib.util import find_spec

    return find_spec("linreg.sources.sparse") is not None


def _moments(X, Y, w) -> Moments:
    """Moments of dense or sparse X (sparse: linreg's sparse Moments, as Ridge forms)."""
    if sparse.issparse(X):
        from ..penalized.data import sparse_moments

        return sparse_moments(X, Y, w)
    return Moments.from_arrays(X, Y, w)


def _sparse_mean(X, w) -> np.ndarray:
    """Weighted column means of sparse X."""
    wv = np.ones(X.shape[0]) if w is None else w
    return np.asarray(X.T @ wv).ravel() / float(wv.sum())


class _Decomposition:
    """One eigendecomposition of the (weighted, centred) data serving every alpha.

    ``mode == "cov"``: ``X~'X~ = V diag(s) V'`` (n > p); ``mode == "gram"``:
    ``X~X~' = Q diag(s) Q'`` (n <= p), where ``X~ = sqrt(w) (X - x_mean)``.  With an
    intercept, ``v = sqrt(w)`` is an exact null vector of ``X~X~'``; the kernel is
    decomposed with ``2 trace(X~X~') v v'/v'v`` added (scikit-learn's ``_RidgeGCV``
    adds ``v v'``), which separates that direction from the others, and the direction
    is then left out (its weight 0): the unpenalized intercept, without the ``1/alpha``
    terms that would cancel.  Sparse X: its products, centred by :class:`_SparseCentred`.
    """

    @classmethod
    def of(cls, X, Y, w, fit_intercept):
        self = cls()
        n, p = X.shape
        self.fit_intercept = fit_intercept
        self.sqrt_w = None if w is None else np.sqrt(w)
        self.weight_sum = float(n if w is None else w.sum())
        self.mode = "gram" if n <= p else "cov"
        self.moments = None
        self.rows = None  # sparse X minus x_mean (a _SparseCentred)
        if self.mode == "cov":
            m = self.moments = _moments(X, Y, w)
            if fit_intercept:
                cross, mean = m.cross, m.mean
            else:
                cross, mean = m.uncentred(), np.zeros_like(m.mean)
            self.x_mean, self.y_mean = mean[:p], mean[p:]
            self.cross = cross
            self.s, self.V = np.linalg.eigh(cross[:p, :p])
            self.b = self.V.T @ cross[:p, p:]  # V' X~'y~, (p, k)
            self.dropped = None
            if sparse.issparse(X):
                self.rows = _SparseCentred(X, self.x_mean, w)
            return self
        if fit_intercept:  # linreg.centring: heaviest-row shift, centred twice
            self.Yt, self.y_mean = centre(Y, w, dtype=np.float64)
        else:
            self.Yt, self.y_mean = Y.astype(np.float64, copy=True), np.zeros(Y.shape[1])
        if sparse.issparse(X):
            self.x_mean = _sparse_mean(X, w) if fit_intercept else np.zeros(p)
            self.rows = _SparseCentred(X, self.x_mean, w)
            self.Xt = None
            K = self.rows.kernel()
            if self.sqrt_w is not None:
                K *= self.sqrt_w[:, None]
                K *= self.sqrt_w[None, :]
        else:
            if fit_intercept:
                self.Xt, self.x_mean = centre(X, w, dtype=np.float64)
            else:
                self.Xt, self.x_mean = X.astype(np.float64, copy=True), np.zeros(p)
            if self.sqrt_w is not None:
                self.Xt *= self.sqrt_w[:, None]
            K = self.Xt @ self.Xt.T
        if self.sqrt_w is not None:
            self.Yt *= self.sqrt_w[:, None]
        self._decompose_kernel(K)
        return self

    def _decompose_kernel(self, K):
        """``K = Q diag(s) Q'``, the intercept's direction separated and dropped."""
        self.dropped = None
        if self.fit_intercept:
            v = np.ones(K.shape[0]) if self.sqrt_w is None else self.sqrt_w.copy()
            v /= np.linalg.norm(v)
            lift = 2.0 * float(np.trace(K)) or 1.0
            K += lift * np.outer(v, v)
            self.s, self.Q = np.linalg.eigh(K)
            self.dropped = int(np.argmax(np.abs(self.Q.T @ v)))  # scikit-learn's choice
        else:
            self.s, self.Q = np.linalg.eigh(K)
        self.g = self.Q.T @ self.Yt  # (n, k)

    def _inverse(self, alphas):
        D = 1.0 / (self.s[:, None] + alphas[None, :])  # (r, n_alphas)
        if self.dropped is not None:
            D[self.dropped] = 0.0  # the intercept's direction: not penalized, not fitted
        return D

    def _dual_coef(self, C) -> np.ndarray:
        """``X~' C`` for C of shape (n, m): the primal coefficients of dual ones."""
        if self.Xt is not None:
            return self.Xt.T @ C
        if self.sqrt_w is not None:
            C = C * self.sqrt_w[:, None]
        return self.rows.transpose_times(C)

    def coef_path(self, alphas) -> np.ndarray:
        """Coefficients for every alpha, shape (n_targets, n_features, n_alphas)."""
        D = self._inverse(alphas)
        if self.mode == "cov":
            # coef = V diag(1/(s + alpha)) V' X~'y~
            return np.einsum("pj,jka->kpa", self.V, self.b[:, :, None] * D[:, None, :])
        # coef = X~' c with c = Q diag(1/(s + alpha)) Q' y~
        k = self.g.shape[1]
        c = self.Q @ (self.g[:, :, None] * D[:, None, :]).reshape(len(self.s), -1)
        coef = self._dual_coef(c)  # (p, k * n_alphas)
        return coef.reshape(-1, k, len(alphas)).transpose(1, 0, 2)

    def kernel_solution(self, alpha_per_target) -> Solution:
        """The ridge fit at one alpha per target from the kernel's eigendecomposition
        (``mode == "gram"``): ``coef = X~'Q diag(1/(s + alpha)) Q'y~``, with the bound
        ``kappa * eps * sqrt(n)``, kappa the condition number of ``X~X~' + alpha I`` on
        the directions it solves."""
        k = self.g.shape[1]
        coef = np.empty((k, len(self.x_mean)))
        kappa = 0.0
        keep = np.ones(len(self.s), dtype=bool)
        if self.dropped is not None:
            keep[self.dropped] = False
        for t in range(k):
            D = self._inverse(np.asarray([alpha_per_target[t]]))[:, 0]
            coef[t] = self._dual_coef(self.Q @ (self.g[:, t] * D)[:, None])[:, 0]
            s = np.maximum(self.s[keep], 0.0) + alpha_per_target[t]
            kappa = max(kappa, float(s.max() / s.min()) if s.size else 1.0)
        intercept = self.y_mean - coef @ self.x_mean if self.fit_intercept else np.zeros(k)
        error = kappa * EPS * np.sqrt(len(self.s))
        inaccurate = not error <= TARGET_ACCURACY
        return Solution(
            coef=coef,
            intercept=intercept,
            solver="kernel-eigh",
            rank=int(np.count_nonzero(keep)),
            condition_number=float(np.sqrt(kappa)),
            error_estimate=float(error),
            status="inaccurate" if inaccurate else "ok",
            message=(
                f"the kernel solve vouches for a relative error of {error:.1e} only "
                f"(condition number {kappa:.1e})"
                if inaccurate
                else ""
            ),
        )

    def _centred_rows_times_V(self, X, lo, hi, sw):
        """``X~[lo:hi] V`` (rows of the weighted, centred X times the eigenvectors)."""
        if self.rows is not None:
            U = self.rows.rows_times(lo, hi, self.V)
        else:
            U = (X[lo:hi] - self.x_mean) @ self.V
        if sw is not None:
            U *= sw[:, None]
        return U

    def leave_one_out(self, X, Y, w, alphas, keep: bool, predictions: bool) -> _LOO:
        """Squared LOO errors (sklearn's: of ``sqrt(w_i) * error_i``) for every alpha.

        With ``keep``, also the per-row values: squared errors, or, when
        ``predictions``, LOO predictions in the data's units (for a scorer).
        """
        n, k = Y.shape
        A = len(alphas)
        kept = np.empty((n, k, A)) if keep else None
        sum_sq = np.zeros((A, k))
        sum_sq4 = np.zeros((A, k))
        D = self._inverse(alphas)
        want_pred = keep and predictions

        def consume(lo, hi, looe, y_t):
            # looe: (m, k, A) errors of sqrt(w)-scaled rows; overwritten by their squares
            if want_pred:
                pred = y_t[:, :, None] - looe
                if self.sqrt_w is not None:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        pred /= self.sqrt_w[lo:hi, None, None]
                kept[lo:hi] = pred + self.y_mean[None, :, None]
            sq = np.square(looe, out=looe)
            sum_sq[...] += sq.sum(axis=0).T
            sum_sq4[...] += np.einsum("ika,ika->ak", sq, sq)
            if keep and not want_pred:
                kept[lo:hi] = sq

        if self.mode == "cov":
            bD = (self.b[:, :, None] * D[:, None, :]).reshape(len(self.s), k * A)
            rows = max(64, CHUNK_ENTRIES // max(X.shape[1], k * A, 1))
            for lo in range(0, n, rows):
                hi = min(lo + rows, n)
                sw = None if self.sqrt_w is None else self.sqrt_w[lo:hi]
                U = self._centred_rows_times_V(X, lo, hi, sw)
                y_t = Y[lo:hi] - self.y_mean
                if sw is not None:
                    y_t *= sw[:, None]
                # alpha * c = y~ - X~ H^-1 X~'y~
                alpha_c = (U @ bD).reshape(hi - lo, k, A)
                np.subtract(y_t[:, :, None], alpha_c, out=alpha_c)
                # alpha * d = 1 - diag(X~ H^-1 X~') - w_i / sum(w)  (the last: intercept)
                alpha_d = np.square(U, out=U) @ D
                one = np.ones(hi - lo)
                if self.fit_intercept:
                    one -= (one if sw is None else sw * sw) / self.weight_sum
                np.subtract(one[:, None], alpha_d, out=alpha_d)
                alpha_c /= alpha_d[:, None, :]
                consume(lo, hi, alpha_c, y_t)
        else:
            # c = G^-1 y~ and d = diag(G^-1), G^-1 = Q diag(D) Q' on the directions
            # fitted (the intercept's left out): the LOO error of row i is c_i / d_i.
            Q = self.Q
            r = len(self.s)
            c = (Q @ (self.g[:, :, None] * D[:, None, :]).reshape(r, k * A)).reshape(n, k, A)
            d = (Q * Q) @ D
            c /= d[:, None, :]
            consume(0, n, c, self.Yt)
        return _LOO(sum_sq, sum_sq4, kept)


class _Folds:
    """Held-out errors of every alpha on every fold, without re-fitting from X."""

    def __init__(self, X, Y, w, fit_intercept, splits, moments=None):
        n, p = X.shape
        self.X, self.Y, self.w = X, Y, w
        self.fit_intercept = fit_intercept
        self.splits = splits
        self.p = p
        self.kernel = any(len(train) < p for train, _ in splits)
        if self.kernel:
            # n x n Gram of the rows, shifted by their mean (any shift: it cancels in the
            # per-fold centring, and a shift near the mean keeps the products accurate).
            if sparse.issparse(X):
                self.shift = _sparse_mean(X, w) if fit_intercept and n else np.zeros(p)
                self.R = _SparseCentred(X, self.shift, w).kernel()
            else:
                self.shift = weighted_mean(X, w) if fit_intercept and n else np.zeros(p)
                Xs = X - self.shift
                self.R = Xs @ Xs.T
            self.Ys = Y
        else:
            self.total = moments if moments is not None else _moments(X, Y, w)
        self._cache = {}
        self._moments = {}

    def _test_moments(self, f) -> Moments:
        """(Weighted) Moments of the held-out rows of fold ``f``."""
        if f not in self._moments:
            test = self.splits[f][1]
            w = None if self.w is None else self.w[test]
            self._moments[f] = _moments(self.X[test], self.Y[test], w)
        return self._moments[f]

    def _fold(self, f, alphas):
        """Per fold: training (x_mean, y_mean, coef path (k, p, A)) and helpers."""
        if f in self._cache:
            return self._cache[f]
        train, test = self.splits[f]
        p = self.p
        if not self.kernel:
            m_test = self._test_moments(f)
            if m_test.weight_sum <= self.total.weight_sum - m_test.weight_sum:
                m_train = self.total.subtract(m_test)
            else:  # the fold carries most of the weight: total minus fold would cancel
                w = None if self.w is None else self.w[train]
                m_train = _moments(self.X[train], self.Y[train], w)
            if self.fit_intercept:
                cross, mean = m_train.cross, m_train.mean
            else:
                cross, mean = m_train.uncentred(), np.zeros_like(m_train.mean)
            s, V = np.linalg.eigh(cross[:p, :p])
            b = V.T @ cross[:p, p:]  # (p, k)
            out = ("moments", mean[:p], mean[p:], s, V, b)
        else:
            out = ("kernel", *self._kernel_fold(train, test))
        self._cache[f] = out
        return out

    def _kernel_fold(self, train, test):
        w = np.ones(len(train)) if self.w is None else self.w[train]
        R_tt = self.R[np.ix_(train, train)]
        R_st = self.R[np.ix_(test, train)]
        Y_t = self.Ys[train]
        W = w.sum()
        if self.fit_intercept:
            # Training mean mu (in shifted coordinates), read off the Gram:
            # X_t mu = R_tt w / W, X_s mu = R_st w / W, mu'mu = w'R_tt w / W^2.
            r_t = R_tt @ w / W
            r_s = R_st @ w / W
            mm = w @ r_t / W
            Kc = R_tt - r_t[:, None] - r_t[None, :] + mm
            Kc_st = R_st - r_s[:, None] - r_t[None, :] + mm
            y_mean = w @ Y_t / W
        else:
            Kc, Kc_st = R_tt, R_st
            y_mean = np.zeros(Y_t.shape[1])
        sw = np.sqrt(w)
        K = Kc * sw[:, None] * sw[None, :]  # X~_t X~_t'
        s, Q = np.linalg.eigh(K)
        g = Q.T @ ((Y_t - y_mean) * sw[:, None])  # Q' y~, (n_t, k)
        M = (Kc_st * sw[None, :]) @ Q  # (x_s - mu)' X~_t' Q, (n_s, n_t)
        return y_mean, s, g, M

    def predictions(self, f, alphas) -> np.ndarray:
        """Held-out predictions of every alpha, shape (n_test, k, n_alphas)."""
        train, test = self.splits[f]
        kind, *parts = self._fold(f, alphas)
        D = 1.0 / (parts[-3 if kind == "kernel" else 2][:, None] + alphas[None, :])
        k = self.Y.shape[1]
        A = len(alphas)
        if kind == "moments":
            x_mean, y_mean, s, V, b = parts
            coef = V @ (b[:, :, None] * D[:, None, :]).reshape(len(s), k * A)  # (p, k*A)
            if sparse.issparse(self.X):
                out = np.asarray(self.X[test] @ coef) - x_mean @ coef
            else:
                out = (self.X[test] - x_mean) @ coef
            return out.reshape(len(test), k, A) + y_mean[None, :, None]
        y_mean, s, g, M = parts
        out = M @ (g[:, :, None] * D[:, None, :]).reshape(len(s), k * A)
        return out.reshape(len(test), k, A) + y_mean[None, :, None]

    def held_out_errors(self, f, alphas):
        """Held-out sums of squared errors (n_alphas, k) and total sums of squares (k,)."""
        train, test = self.splits[f]
        kind, *parts = self._fold(f, alphas)
        if kind == "kernel":
            Y_s = self.Y[test]
            w = np.ones(len(test)) if self.w is None else self.w[test]
            sst = w @ (Y_s - w @ Y_s / w.sum()) ** 2
            err = Y_s[:, :, None] - self.predictions(f, alphas)
            return np.einsum("i,ika->ak", w, err * err), sst
        x_mean, y_mean, s, V, b = parts
        ms = self._test_moments(f)
        sst = np.diag(ms.yty).copy()
        # e_i = (y_i - ybar_s) - (x_i - xbar_s)'W + delta,
        # delta = ybar_s - y_mean - (xbar_s - x_mean)'W: with W = V beta,
        # sum e^2 = beta'(V'Cxx V)beta - 2 beta'V'Cxy + Cyy + n_s delta^2.
        P = V.T @ ms.xtx @ V
        q = V.T @ ms.xty  # (p, k)
        dx = V.T @ (ms.x_mean - x_mean)
        dy = ms.y_mean - y_mean
        D = 1.0 / (s[:, None] + alphas[None, :])
        k = self.Y.shape[1]
        n_s = ms.weight_sum
        sse = np.empty((len(alphas), k))
        for t in range(k):
            beta = b[:, t, None] * D  # (p, A)
            quad = np.einsum("ja,ja->a", beta, P @ beta)
            delta = dy[t] - dx @ beta
            sse[:, t] = quad - 2 * (q[:, t] @ beta) + ms.yty[t, t] + n_s * delta**2
        return np.maximum(sse, 0.0), sst
