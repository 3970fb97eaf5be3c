"""What the commands print: summaries and metrics as text tables or JSON."""

from __future__ import annotations

import json
import warnings

import numpy as np


def predict(model, X, **kwargs):
    """``model.predict`` on a plain array for a model fitted with feature names.

    The command reads columns by name, so the array's columns are the model's features
    in order; scikit-learn's warning about unnamed columns does not apply.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return model.predict(X, **kwargs)


class MetricSums:
    """``[n, W, sum w r^2, sum w |r|, sum w (y-c), sum w (y-c)^2]`` of a chunk of rows
    for the model ``coef, intercept``: sums add over chunks, parts and Dask workers (a
    class, so Dask can send it to the workers).  ``c`` is any value near the mean of y
    (the training mean): it keeps the total sum of squares from cancelling."""

    def __init__(self, coef, intercept, centre):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.centre = float(centre)

    @classmethod
    def of(cls, model, centre):
        """The sums for the first target of a fitted model."""
        coef = np.atleast_2d(model.coef_)[0]
        return cls(coef, float(np.atleast_1d(model.intercept_)[0]), centre)

    def __call__(self, X, Y, w):
        y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)[:, 0]
        r = y - (np.asarray(X, dtype=np.float64) @ self.coef + self.intercept)
        w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
        d = y - self.centre
        return np.array([len(y), w.sum(), w @ r**2, w @ np.abs(r), w @ d, w @ d**2])


def metrics_from_sums(sums) -> dict:
    """n, R^2, RMSE and MAE (weighted means with weights) from added MetricSums."""
    n, W, ssr, sar, sd, sdd = sums
    tss = sdd - sd**2 / W
    return {
        "n": int(n),
        "r2": float(1 - ssr / tss) if tss > 0 else float("nan"),
        "rmse": float(np.sqrt(ssr / W)),
        "mae": float(sar / W),
    }


def metrics_table(all_metrics: dict) -> str:
    """A small text table, one row per part (train, validation, test)."""
    lines = [f"{'part':<12}{'n':>9}{'R^2':>12}{'RMSE':>14}{'MAE':>14}"]
    for part, m in all_metrics.items():
        lines.append(f"{part:<12}{m['n']:>9}{m['r2']:>12.5f}{m['rmse']:>14.6g}{m['mae']:>14.6g}")
    return "\n".join(lines)


def summary_dict(summary, alpha: float = 0.05) -> dict:
    """A Summary's statistics by statsmodels' names, as JSON-ready values."""
    ci = summary.conf_int(alpha)

    def vector(values):
        return {n: _number(v) for n, v in zip(summary.names, values)}

    return {
        "cov_type": summary.cov_type,
        "params": vector(summary.params),
        "bse": vector(summary.bse),
        "tvalues": vector(summary.tvalues),
        "pvalues": vector(summary.pvalues),
        "conf_int": {n: [_number(a), _number(b)] for n, (a, b) in zip(summary.names, ci)},
        "conf_level": 1 - alpha,
        **{
            key: _number(getattr(summary, key))
            for key in (
                "nobs",
                "df_model",
                "df_resid",
                "rsquared",
                "rsquared_adj",
                "fvalue",
                "f_pvalue",
                "llf",
                "aic",
                "bic",
                "mse_resid",
                "ssr",
                "condition_number",
            )
        },
    }


def _number(value):
    value = float(value)
    return value if np.isfinite(value) else None


def dump_json(document) -> str:
    return json.dumps(document, indent=2, allow_nan=False)


def coefficient_table(model) -> str:
    """Intercept and coefficients of a model without a summary (L1-penalized fits:
    no standard errors are reported for them)."""
    coef = np.atleast_2d(model.coef_)
    intercept = np.atleast_1d(model.intercept_)
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = [f"x{j}" for j in range(coef.shape[1])]
    lines = [f"{'term':<24}{'coef':>16}"]
    for name, value in zip(["const", *map(str, names)], np.r_[intercept[0], coef[0]]):
        lines.append(f"{name:<24}{value:>16.8g}")
    nonzero = int(np.count_nonzero(coef[0]))
    lines.append(f"{nonzero} of {coef.shape[1]} coefficients are nonzero.")
    return "\n".join(lines)
