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


# The metrics moved to .metrics (owned by ``linreg fit``); re-exported for other commands.
from .metrics import MetricSums, metrics_from_sums, metrics_table  # noqa: E402, F401


def summary_dict(summary, alpha: float = 0.05) -> dict:
    """A Summary's statistics by statsmodels' names, as Python floats and strings (write
    it with :func:`dump_json`, which turns an undefined figure into null and names it)."""
    ci = summary.conf_int(alpha)

    def vector(values):
        return {n: _number(v) for n, v in zip(summary.names, values)}

    return {
        "cov_type": summary.cov_type,
        **_covariance_fields(summary),
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


def _covariance_fields(summary) -> dict:
    """A cluster or HAC summary's own fields: ``cov_kwds`` (plain values), ``n_groups``
    (one count, or two for two-way clustering) and ``df_resid_inference`` (the degrees
    of freedom of its t and F tests, ``n_groups - 1`` for CR1); nothing for the others."""
    out = {}
    if getattr(summary, "cov_kwds", None):
        out["cov_kwds"] = dict(summary.cov_kwds)
    n_groups = getattr(summary, "n_groups", None)
    if n_groups is not None:
        out["n_groups"] = [int(g) for g in n_groups] if np.ndim(n_groups) else int(n_groups)
    if getattr(summary, "df_resid_inference", None) is not None:
        out["df_resid_inference"] = float(summary.df_resid_inference)
    return out


def _number(value) -> float:
    """A Python float (NaN and infinities kept: :func:`dump_json` writes them as null)."""
    return float(value)


def dump_json(document) -> str:
    """``document`` as strict JSON (RFC 8259 has no NaN or Infinity).

    A NaN or infinite number becomes ``null``; when ``document`` is a dict and had any,
    its ``"non_finite"`` entry maps the JSON path of each (``"metrics.train.r2"``) to
    what it was: ``"NaN (undefined)"``, ``"Infinity"`` or ``"-Infinity"``.  The warnings
    printed on stderr say why a figure is undefined.
    """
    found: dict[str, str] = {}
    clean = _strict(document, "", found)
    if found and isinstance(clean, dict):
        clean["non_finite"] = found
    return json.dumps(clean, indent=2, allow_nan=False)


def _strict(value, where: str, found: dict):
    """``value`` with every non-finite float replaced by None (recorded in ``found``)."""
    if isinstance(value, dict):
        return {k: _strict(v, f"{where}.{k}" if where else str(k), found) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v, f"{where}[{i}]", found) for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return _strict(value.tolist(), where, found)
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        found[where] = (
            "NaN (undefined)" if np.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        )
        return None
    return value


def coefficient_table(model, targets=None) -> str:
    """Intercept and coefficients of a model without a summary (L1-penalized fits:
    no standard errors are reported for them), one column per target.

    ``targets`` names the columns of a model of several targets (default ``target 0``,
    ``target 1``, ...).  The intercept's label is the summary's (``const`` unless a
    feature has that name); a model without an intercept has no intercept row.
    """
    from linreg.inference.summary import parameter_names

    coef = np.atleast_2d(model.coef_)
    k, p = coef.shape
    intercept = np.broadcast_to(np.atleast_1d(model.intercept_), (k,))
    names = getattr(model, "feature_names_in_", None)
    names = [f"x{j}" for j in range(p)] if names is None else [str(n) for n in names]
    with_intercept = bool(getattr(model, "fit_intercept", True))
    labels = parameter_names(names, int(with_intercept))
    values = np.vstack([intercept, coef.T]) if with_intercept else coef.T
    if k == 1:
        heads = ["coef"]
    elif targets is not None and len(targets) == k:
        heads = [str(t) for t in targets]
    else:
        heads = [f"target {t}" for t in range(k)]
    width = max(16, *(len(h) + 2 for h in heads))
    lines = [f"{'term':<24}" + "".join(f"{h:>{width}}" for h in heads)]
    for label, row in zip(labels, values):
        lines.append(f"{label:<24}" + "".join(f"{v:>{width}.8g}" for v in row))
    counts = [f"{np.count_nonzero(c)} of {p}" for c in coef]
    if k == 1:
        lines.append(f"{counts[0]} coefficients are nonzero.")
    else:
        each = "; ".join(f"{c} for {h}" for c, h in zip(counts, heads))
        lines.append(f"Nonzero coefficients: {each}.")
    return "\n".join(lines)
