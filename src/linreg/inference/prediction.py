"""Predicted means with standard errors and intervals at new rows (statsmodels'
``get_prediction``).

At a row ``x0`` the predicted mean is ``intercept + x0' coef`` (evaluated about the
training mean), its standard error ``se_mean`` is the square root of
``x0' cov_params() x0`` under the summary's covariance (nonrobust, HC0-HC3, cluster,
HAC), computed in the summary's scaled, centred coordinates by
:func:`linreg.inference.intervals._se_centred` (never from the covariance in the
user's units, which cancels when a column's mean is large against its spread).  A new
observation adds the residual variance ``var_resid = scale / weights`` (statsmodels:
``scale`` is ``mse_resid`` whatever the covariance; ``weights`` are WLS weights of the
new rows, 1 when not given), so ``se_obs = sqrt(se_mean^2 + var_resid)``.

Intervals use the summary's reference distribution: Student's t when ``use_t`` (with
``df_resid_inference`` when the summary has one, e.g. ``G - 1`` for cluster-robust
errors with ``df_correction``, else ``df_resid``), the normal otherwise (statsmodels'
default for robust covariances).  statsmodels' own ``get_prediction`` uses
``df_resid`` even where its ``t_test`` and ``conf_int`` use ``df_resid_inference``;
here the mean interval is always the one ``t_test`` gives for the contrast ``x0``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .intervals import _fitted, _se_centred, _se_user

__all__ = ["PredictionResults", "get_prediction"]


class PredictionResults:
    """Predictions at new rows with their standard errors (statsmodels' names).

    Attributes
    ----------
    predicted_mean, predicted : ndarray (n_rows,)
        ``intercept + x0' coef``.
    se_mean, se : ndarray (n_rows,)
        Standard error of the predicted mean (NaN where it is undefined: a row that
        is not estimable in a rank-deficient fit, HC2/HC3 along leverage-1 rows).
    se_obs : ndarray (n_rows,)
        Standard error of a new observation, ``sqrt(se_mean^2 + var_resid)``.
    var_pred_mean, var_pred : ndarray (n_rows,)
        ``se_mean ** 2``.
    var_resid : float or ndarray (n_rows,)
        ``scale`` (the residual variance), divided by the new rows' weights if given.
    df : float
        Degrees of freedom of the t distribution (``df_resid_inference`` or
        ``df_resid``).
    dist, dist_args
        ``scipy.stats.t`` with ``(df,)`` or ``scipy.stats.norm`` with ``()``.
    row_labels : index or None
        The index of X when X was a DataFrame.
    """

    def __init__(self, predicted_mean, se_mean, resid_sd, df, use_t, row_labels=None):
        self.predicted = np.asarray(predicted_mean, dtype=np.float64)
        self._se_mean = np.asarray(se_mean, dtype=np.float64)
        self._resid_sd = resid_sd
        self.df = df
        self.row_labels = row_labels
        self.dist, self.dist_args = (stats.t, (df,)) if use_t else (stats.norm, ())

    @property
    def predicted_mean(self) -> np.ndarray:
        return self.predicted

    @property
    def se_mean(self) -> np.ndarray:
        return self._se_mean.copy()

    @property
    def se(self) -> np.ndarray:
        return self.se_mean

    @property
    def var_pred_mean(self) -> np.ndarray:
        return self._se_mean**2

    @property
    def var_pred(self) -> np.ndarray:
        return self.var_pred_mean

    @property
    def var_resid(self):
        return np.square(self._resid_sd)

    @property
    def se_obs(self) -> np.ndarray:
        # hypot: right where the variances themselves would leave the float64 range.
        return np.hypot(self._se_mean, self._resid_sd)

    def conf_int(self, obs=False, alpha=0.05) -> np.ndarray:
        """``(n_rows, 2)`` lower and upper bounds at level ``1 - alpha``: for the mean
        (``obs=False``, from ``se_mean``) or for a new observation (``obs=True``,
        from ``se_obs``)."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
        se = self.se_obs if obs else self.se_mean
        q = self.dist.ppf(1 - alpha / 2.0, *self.dist_args)
        return np.column_stack([self.predicted - q * se, self.predicted + q * se])

    def summary_frame(self, alpha=0.05):
        """A pandas DataFrame with statsmodels' columns ``mean, mean_se,
        mean_ci_lower, mean_ci_upper, obs_ci_lower, obs_ci_upper`` (level
        ``1 - alpha``), indexed as X was."""
        import pandas as pd

        mean_ci = self.conf_int(obs=False, alpha=alpha)
        obs_ci = self.conf_int(obs=True, alpha=alpha)
        columns = {
            "mean": self.predicted,
            "mean_se": self.se_mean,
            "mean_ci_lower": mean_ci[:, 0],
            "mean_ci_upper": mean_ci[:, 1],
            "obs_ci_lower": obs_ci[:, 0],
            "obs_ci_upper": obs_ci[:, 1],
        }
        return pd.DataFrame(columns, index=self.row_labels)

    def __repr__(self) -> str:
        return f"<linreg PredictionResults: {len(self.predicted)} rows>"


def get_prediction(summary, X, *, model=None, weights=None) -> PredictionResults:
    """Predicted means, standard errors and intervals at the rows of X under the
    covariance of ``summary`` (statsmodels' ``results.get_prediction(exog, weights=)``).

    Parameters
    ----------
    summary : linreg.Summary
        The inference of one target (any ``cov_type``; also one restored from a model
        file).
    X : array-like or DataFrame of shape (n_rows, n_features)
        The new rows, without an intercept column.  A 1-D X is one row (a column
        when the model has one feature), as statsmodels reads it.
    model : fitted LinearRegression or Ridge, optional
        Validates X as ``model.predict`` does (feature names, count) and centres the
        predictions at its training mean.
    weights : float or array-like of shape (n_rows,), optional
        WLS weights of the new observations: their residual variance is
        ``scale / weights`` (1 when not given, as statsmodels).

    Returns
    -------
    PredictionResults
    """
    row_labels = _row_labels(X)
    if hasattr(X, "to_frame") and np.ndim(X) == 1:
        X = X.to_frame().T  # a Series: one row, its index the feature names
    X = _as_rows(summary, X, model)
    factor = getattr(summary, "_interval", None)
    fit = _fitted(summary, X, _centre(summary, factor, model))
    if factor is not None:
        se = _se_centred(factor, X)
    else:
        se = _se_user(summary, X, _CentreOnly(_centre(summary, None, model)))
    df = getattr(summary, "df_resid_inference", None)
    df = summary.df_resid if df is None else df
    resid_sd = _resid_sd(summary, factor, weights, len(X))
    return PredictionResults(fit, se, resid_sd, float(df), summary.use_t, row_labels)


def _row_labels(X):
    """The index of a DataFrame X; None otherwise."""
    index = getattr(X, "index", None)
    return None if index is None or callable(index) or np.ndim(X) != 2 else index


def _as_rows(summary, X, model) -> np.ndarray:
    """X as a finite float64 array ``(n_rows, n_features)``: validated by ``model``
    when given, else against the number of features of ``summary``."""
    from .._validation import assert_finite

    n_features = len(summary.params) - summary.k_constant
    if not hasattr(X, "columns") and np.ndim(X) == 1:
        X = np.asarray(X)
        X = X[None, :] if n_features > 1 else X[:, None]
    if model is not None:
        from .._validation import validate_X

        X = validate_X(model, X, reset=False)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"X must have shape (n_rows, {n_features}) (the model's features, without an "
            f"intercept column); got shape {X.shape}"
        )
    names = summary.names[summary.k_constant :]
    assert_finite(X, "X", names)
    return X


def _centre(summary, factor, model) -> np.ndarray:
    """Where predictions are evaluated about: the model's training mean, else the
    covariance factor's centre of the kept columns, else 0 (the same value, with less
    cancellation the nearer it is to the data)."""
    n_features = len(summary.params) - summary.k_constant
    moments = getattr(model, "moments_", None)
    if moments is not None:
        return np.asarray(moments.x_mean, dtype=np.float64)
    centre = np.zeros(n_features)
    if factor is not None and factor.get("weight_sum") is not None:
        centre[np.asarray(factor["keep"], dtype=int)] = factor["centre"]
    return centre


class _CentreOnly:
    """What :func:`linreg.inference.intervals._se_user` reads of a model: the mean."""

    def __init__(self, x_mean):
        self.moments_ = type("Moments", (), {"x_mean": x_mean})()


def _resid_sd(summary, factor, weights, n_rows):
    """``sqrt(scale / weights)``: the residual standard deviation as such (its
    square, ``scale``, may leave the float64 range), per row when weights are given."""
    sd = factor.get("resid_sd") if factor is not None else None
    sd = float(np.sqrt(summary.scale)) if sd is None else float(sd)
    if weights is None:
        return sd
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim > 1 or (w.ndim == 1 and w.shape[0] != n_rows):
        raise ValueError(
            f"weights must be a number or have one value per row of X ({n_rows}); "
            f"got shape {w.shape}"
        )
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be positive and finite")
    return sd / np.sqrt(w)
