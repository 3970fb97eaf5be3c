"""Confidence and prediction intervals for predictions of a fitted model."""

from __future__ import annotations

import numpy as np

from .covariance import safe_product

#: Relative size of a point's component along a null direction that makes its
#: prediction not estimable (the rounding of a dependency in the data is far below).
NULL_RTOL = 1e-6

INTERVALS = ("confidence", "prediction")


def prediction_intervals(model, X, interval: str, level: float, cov_type: str):
    """(fit, lower, upper) per row, statsmodels' ``summary_frame`` mean_ci / obs_ci.

    The standard error of the mean at ``x0`` is ``sigma |P' l|`` with
    ``l = (1/sqrt(W), (x0 - c) D^-1)`` in the summary's scaled, centred coordinates
    (:mod:`linreg.covariance`), e.g. ``s |R^-T l|`` for the nonrobust covariance: never
    ``x0' V x0`` with the covariance in the user's units, which cancels when a column's
    mean is large against its spread.  A prediction interval adds the residual variance.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS} or None, got {interval!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    k = model.moments_.n_targets
    X = np.asarray(X, dtype=np.float64)
    out = np.empty((X.shape[0], k, 3))
    for t in range(k):
        s = model.summary(cov_type=cov_type, target=t)
        fit = _fitted(s, X, model.moments_.x_mean)
        factor = getattr(s, "_interval", None)
        se = _se_centred(factor, X) if factor is not None else _se_user(s, X, model)
        if interval == "prediction":
            # The residual SD as such (its square, s.scale, may leave the float64 range).
            sd = factor.get("resid_sd") if factor is not None else None
            se = np.hypot(se, np.sqrt(s.scale) if sd is None else sd)
        q = s.distribution.ppf(0.5 + level / 2)
        half = q * se
        out[:, t] = np.column_stack([fit, fit - half, fit + half])
    return out[:, 0] if model.coef_.ndim == 1 else out


def _fitted(s, X, x_mean):
    """``intercept + X coef`` evaluated about the mean (aliased terms count as 0)."""
    params = np.nan_to_num(s.params)
    k_const = s.k_constant
    coef = params[k_const:]
    shift = x_mean if k_const else np.zeros_like(x_mean)
    return (X - shift) @ coef + (params[0] + shift @ coef if k_const else 0.0)


def _se_centred(factor: dict, X) -> np.ndarray:
    """``sigma |P' l|`` per row; NaN where leverage-1 observations leave it undefined."""
    keep = np.asarray(factor["keep"], dtype=int)
    centre = np.asarray(factor["centre"], dtype=np.float64)
    scale = np.asarray(factor["scale"], dtype=np.float64)
    l = (X[:, keep] - centre) / scale
    if factor["weight_sum"] is not None:
        l = np.column_stack([np.full(len(X), 1 / np.sqrt(factor["weight_sum"])), l])
    v = l @ np.asarray(factor["root"], dtype=np.float64)
    size = np.linalg.norm(v, axis=1)
    if factor.get("root_negative") is not None:
        size = _signed_size(size, l @ np.asarray(factor["root_negative"], dtype=np.float64))
    se = safe_product(float(factor["sigma"]), size)
    se[_not_estimable(factor, X)] = np.nan
    if factor.get("undefined_root") is not None:
        null_root = np.asarray(factor["undefined_root"], dtype=np.float64)
        undefined = np.linalg.norm(l @ null_root, axis=1)
        full = np.linalg.norm(l, axis=1) * np.linalg.norm(factor["root"])
        se[undefined > 1e-8 * np.maximum(full, size)] = np.nan
    return se


def _signed_size(size, negative) -> np.ndarray:
    """``sqrt(|v|^2 - |u|^2)`` for an indefinite meat ``M = F F' - G G'`` (two-way
    clustering): NaN where the variance comes out negative (statsmodels' NaN)."""
    other = np.linalg.norm(negative, axis=1)
    with np.errstate(invalid="ignore"):
        return np.sqrt((size - other) * (size + other))


def _not_estimable(factor: dict, X) -> np.ndarray:
    """Rows whose fitted value differs between least-squares solutions (rank-deficient
    fits: ``x0 - c`` not orthogonal to the null slopes), where no interval exists."""
    if factor.get("null") is None:
        return np.zeros(len(X), dtype=bool)
    beta = np.asarray(factor["null"], dtype=np.float64)
    dx = X - np.asarray(factor["null_centre"], dtype=np.float64)
    with np.errstate(all="ignore"):
        move = np.abs(dx @ beta)
        reach = np.abs(dx) @ np.abs(beta)
    return np.any(move > NULL_RTOL * reach, axis=1)


def _se_user(s, X, model) -> np.ndarray:
    """From the covariance in the user's units (summaries from older model files)."""
    params = np.nan_to_num(s.params)
    cov = np.nan_to_num(s.cov_params())
    k_const = s.k_constant
    x_mean = model.moments_.x_mean
    shift = x_mean if k_const else np.zeros_like(x_mean)
    xc = X - shift
    if k_const:
        T = np.eye(len(params))
        T[0, 1:] = shift
        cov = T @ cov @ T.T
        z = np.column_stack([np.ones(len(xc)), xc])
    else:
        z = xc
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", z, cov, z), 0.0))
