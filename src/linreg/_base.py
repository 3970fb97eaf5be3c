"""What LinearRegression and Ridge share: validation, the solve, the fitted state."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import assert_finite, assert_no_overflow, validate_training_data, validate_X
from .solution import AccuracyWarning, RankDeficientWarning
from .solvers import LeastSquaresProblem, solve


class ExactLinearModel(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Base of the estimators solved exactly from Moments (see :mod:`linreg.solvers`)."""

    def _penalty(self, n_targets: int) -> np.ndarray:
        return np.zeros(n_targets)

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            float32 is computed in float64; ``numpy.longdouble`` in extended precision.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; the weighted objective multiplies each squared
            residual by its weight.

        Returns
        -------
        self
        """
        X, Y, w, y_was_1d = validate_training_data(self, X, y, sample_weight)
        names = getattr(self, "feature_names_in_", None)
        problem = LeastSquaresProblem(X, Y, w, self.fit_intercept, self._penalty(Y.shape[1]))
        moments = problem.get_moments()
        if not np.isfinite(moments.cross).all():
            assert_finite(X, "X", names)
            assert_no_overflow(X, names)
        n_effective = X.shape[0] - int(self.fit_intercept)
        if n_effective < X.shape[1] and not problem.penalized:
            warnings.warn(
                f"n_samples ({X.shape[0]}) {'- 1 (intercept) ' if self.fit_intercept else ''}"
                f"< n_features ({X.shape[1]}): the problem is underdetermined; "
                "returning the minimum-norm solution",
                RankDeficientWarning,
                stacklevel=2,
            )
        solution = solve(problem, self.solver)
        self._warn_about(solution, names, X.shape[0])
        self.solution_ = solution
        self.moments_ = moments
        # A reference (not a copy) for the second passes of summary(); not pickled.
        self._training = (X, Y, w)
        self.solver_ = solution.solver
        self.rank_ = solution.rank
        self.condition_number_ = solution.condition_number
        self.coef_ = solution.coef[0] if y_was_1d else solution.coef
        self.intercept_ = float(solution.intercept[0]) if y_was_1d else solution.intercept
        if not self.fit_intercept and not y_was_1d:
            self.intercept_ = np.zeros(Y.shape[1])
        elif not self.fit_intercept:
            self.intercept_ = 0.0
        return self

    def _warn_about(self, solution, names, n_samples) -> None:
        if solution.aliased and n_samples > solution.rank + int(self.fit_intercept):
            labels = [repr(names[j]) if names is not None else f"x{j}" for j in solution.aliased]
            warnings.warn(
                f"X is rank deficient (rank {solution.rank} of {len(solution.coef[0])} "
                f"columns): {', '.join(labels)} "
                f"{'is a linear combination' if len(labels) == 1 else 'are linear combinations'}"
                " of earlier columns (aliased); returning the minimum-norm solution",
                RankDeficientWarning,
                stacklevel=3,
            )
        if solution.status == "inaccurate":
            warnings.warn(solution.message, AccuracyWarning, stacklevel=3)

    def predict(self, X, interval=None, level=0.95, cov_type="nonrobust"):
        """Predicted values ``X @ coef_.T + intercept_``, optionally with intervals.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        interval : {None, "confidence", "prediction"}
            ``"confidence"``: for the mean response; ``"prediction"``: for a new
            observation (adds the residual variance), as statsmodels'
            ``get_prediction().summary_frame()`` computes them.
        level : float, default 0.95
        cov_type : str, default "nonrobust"
            Covariance of the coefficients used for the intervals (see ``summary``).

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets) without ``interval``;
        with it, (n_samples, 3) columns fit, lower, upper (for several targets
        (n_samples, n_targets, 3)).
        """
        check_is_fitted(self)
        X = validate_X(self, X, reset=False)
        assert_finite(X, "X", getattr(self, "feature_names_in_", None))
        if interval is None:
            coef = np.asarray(self.coef_, dtype=np.float64)
            out = X @ coef.T + self.intercept_
            return np.asarray(out, dtype=np.float64)
        from .intervals import prediction_intervals

        return prediction_intervals(self, X, interval, level, cov_type)

    def summary(
        self,
        cov_type="nonrobust",
        alpha=0.05,
        target=0,
        *,
        use_t=None,
        X=None,
        y=None,
        sample_weight=None,
    ):
        """Statistical inference with statsmodels' names (see :class:`linreg.Summary`).

        Parameters
        ----------
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3"}
            Robust (HC) covariances take a second pass over the training data, which
            the fitted model references (it is not copied or pickled); after
            unpickling, pass ``X, y`` (and ``sample_weight``) again.
        alpha : float, default 0.05
            ``conf_int`` and the printed table use level ``1 - alpha``.
        target : int, default 0
            Which column of a 2-D ``y``.
        use_t : bool or None
            t (True) or normal (False) reference distribution for tests and intervals;
            None follows statsmodels: t for "nonrobust", normal for the HC types.
        """
        from .summary import summarize

        check_is_fitted(self)
        return summarize(
            self, self._inference_problem(X, y, sample_weight), target, cov_type, alpha, use_t
        )

    def _inference_problem(self, X=None, y=None, sample_weight=None):
        """The fitted problem again: Moments plus the training data when available."""
        if X is not None:
            X, Y, w, _ = validate_training_data(
                self.__class__(**self.get_params()), X, y, sample_weight
            )
        else:
            X, Y, w = getattr(self, "_training", (None, None, None))
        n_targets = self.moments_.n_targets
        return LeastSquaresProblem(
            X, Y, w, self.fit_intercept, self._penalty(n_targets), self.moments_
        )

    def _feature_labels(self):
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_training", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
