"""Confidence and prediction intervals for predictions of a fitted model."""

from __future__ import annotations

import numpy as np

INTERVALS = ("confidence", "prediction")


def prediction_intervals(model, X, interval: str, level: float, cov_type: str):
    """(fit, lower, upper) per row, statsmodels' ``summary_frame`` mean_ci / obs_ci.

    The standard error of the mean is ``sqrt(x' V x)`` with ``x = (1, x_row)`` and
    ``V`` the covariance of the summary's parameters, evaluated in centred coordinates
    (``(1, x_row - mean)``) so that offsets in the data do not cancel; a prediction
    interval adds the residual variance.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS} or None, got {interval!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    k = model.moments_.n_targets
    x_mean = model.moments_.x_mean
    out = np.empty((X.shape[0], k, 3))
    for t in range(k):
        s = model.summary(cov_type=cov_type, target=t)
        params = np.nan_to_num(s.params)  # aliased terms are not estimated: 0
        cov = np.nan_to_num(s.cov_params())
        k_const = s.k_constant
        coef = params[k_const:]
        shift = x_mean if k_const else np.zeros_like(x_mean)
        xc = np.asarray(X, dtype=np.float64) - shift
        fit = xc @ coef + (params[0] + shift @ coef if k_const else 0.0)
        if k_const:
            # Covariance of (intercept + mean'coef, coef): T V T' with T = [[1, m'], [0, I]].
            T = np.eye(len(params))
            T[0, 1:] = shift
            cov = T @ cov @ T.T
            z = np.column_stack([np.ones(len(xc)), xc])
        else:
            z = xc
        var = np.einsum("ij,jk,ik->i", z, cov, z)
        if interval == "prediction":
            var = var + s.scale
        q = s.distribution.ppf(0.5 + level / 2)
        half = q * np.sqrt(np.maximum(var, 0.0))
        out[:, t] = np.column_stack([fit, fit - half, fit + half])
    return out[:, 0] if model.coef_.ndim == 1 else out
