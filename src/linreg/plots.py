"""Diagnostic plots for fitted linear models, written straight to PNG or SVG files.

Every function takes the data explicitly, draws on a fresh
:class:`matplotlib.figure.Figure` (no pyplot state, no display needed), saves it to
``path`` in the format named by the file extension and returns the path written.
matplotlib is imported only when a plot is drawn, so ``import linreg.plots`` is cheap.

>>> from linreg import LinearRegression, plots
>>> model = LinearRegression().fit(X, y)                       # doctest: +SKIP
>>> plots.all_plots(model, X, y, "figures")                    # doctest: +SKIP
{'fitted_line': PosixPath('figures/fitted_line.png'), ...}
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import stats

from ._figures import (  # noqa: F401 (the module's helpers, used below and by tests)
    DPI,
    FIGSIZE,
    POINTS,
    REFERENCE,
    _feature_index,
    _feature_labels,
    _figure,
    _finish,
    _save,
)

__all__ = [
    "all_plots",
    "coefficients",
    "fitted_line",
    "loss_curve",
    "predicted_vs_actual",
    "qq_plot",
    "residuals_vs_fitted",
]

#: The regression-diagnostic plots live in :mod:`linreg.inference.plots`; these names
#: load them on first use (PEP 562): ``linreg.plots.influence_plot(model)``.
_DIAGNOSTIC_PLOTS = ("influence_plot", "partial_regression_plot", "scale_location_plot")


def __getattr__(name):
    if name in _DIAGNOSTIC_PLOTS:
        from .inference import plots as diagnostic_plots

        return getattr(diagnostic_plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- helpers
def _as_array(model, X) -> np.ndarray:
    """X validated as ``model.predict`` validates it (feature names, count), as floats."""
    from ._validation import validate_X

    whole = getattr(model, "whole", model)  # a target's view validates as its model
    return np.asarray(validate_X(whole, X, reset=False), dtype=np.float64)


def has_intervals(model) -> bool:
    """Whether ``model.predict`` gives confidence and prediction intervals
    (LinearRegression and Ridge do; Lasso, ElasticNet and the CV models do not)."""
    import inspect

    model = getattr(model, "whole", model)
    try:
        return "interval" in inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return False


def _residual_scale(model, resid) -> float:
    """The residual standard error: ``sqrt(summary().scale)`` when the model has a
    summary; otherwise the root mean square of the residuals with ``n - 1 - nonzero``
    degrees of freedom (the nonzero coefficients of a Lasso estimate its degrees of
    freedom, Zou, Hastie and Tibshirani 2007)."""
    if hasattr(model, "summary"):
        return float(np.sqrt(model.summary().scale))
    nonzero = int(np.count_nonzero(np.atleast_2d(model.coef_)[0]))
    df = max(len(resid) - 1 - nonzero, 1)
    return float(np.sqrt(resid @ resid / df))


def _kind(model) -> str:
    """The estimator's class name (of the whole model for a target's view)."""
    return type(getattr(model, "whole", model)).__name__


class TargetView:
    """One target of a model fitted on several: what the single-target plots read.

    ``predict`` and ``summary`` answer for target ``t`` only; ``whole`` is the model.
    """

    def __init__(self, model, t: int):
        self.whole, self.target = model, t
        self.n_features_in_ = model.n_features_in_
        if getattr(model, "feature_names_in_", None) is not None:
            self.feature_names_in_ = model.feature_names_in_
        self.coef_ = np.atleast_2d(model.coef_)[t]
        self.intercept_ = np.atleast_1d(model.intercept_)[t]
        self.fit_intercept = getattr(model, "fit_intercept", True)
        if hasattr(model, "summary"):
            self.summary = lambda **kwargs: model.summary(target=t, **kwargs)

    def predict(self, X, **kwargs):
        return np.asarray(self.whole.predict(X, **kwargs))[:, self.target]


def _predict_array(model, grid, **kwargs):
    """``model.predict`` on a constructed array whose columns follow the model's order.

    A model fitted on a DataFrame warns that an array has no feature names; the grid
    is built in the model's column order, so that warning does not apply here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return model.predict(grid, **kwargs)


def _fit_and_residuals(model, X, y):
    """(y, fitted, residuals) as 1-D float arrays; only single-target models plot."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"plots need a 1-D y (one target), got shape {y.shape}")
    fitted = np.asarray(model.predict(X), dtype=np.float64)
    return y, fitted, y - fitted


def _identity_line(ax, a, b) -> None:
    """The line y = x over the range covering both ``a`` and ``b``."""
    lo = min(np.min(a), np.min(b))
    hi = max(np.max(a), np.max(b))
    ax.plot([lo, hi], [lo, hi], **REFERENCE, label="y = x")


# --------------------------------------------------------------------------- plots
def loss_curve(history, path, *, title=None, log_scale=True) -> Path:
    """Training (and validation) loss per epoch.

    Parameters
    ----------
    history : dict
        ``"train_loss"``: sequence of floats, one per epoch; optional ``"val_loss"``
        likewise.
    path : str or os.PathLike
        Output file; its extension (``.png``, ``.svg``, ...) sets the format.
    title : str, optional
        Figure title; default ``"Loss curve"``.
    log_scale : bool, default True
        Logarithmic loss axis (used only when every loss is positive).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if "train_loss" not in history:
        raise ValueError("history needs a 'train_loss' entry (one loss per epoch)")
    curves = {"train": history["train_loss"], "validation": history.get("val_loss")}
    curves = {k: np.asarray(v, dtype=np.float64) for k, v in curves.items() if v is not None}
    fig, ax = _figure(title or "Loss curve", "epoch", "loss")
    for label, losses in curves.items():
        # Markers only while they can be told apart; long runs read better on log epochs.
        marker = "." if len(losses) <= 100 else None
        ax.plot(np.arange(1, len(losses) + 1), losses, marker=marker, label=label)
        if len(losses) > 100:
            ax.set_xscale("log")
    if log_scale and all(np.all(losses > 0) for losses in curves.values()):
        ax.set_yscale("log")
    ax.legend()
    return _save(fig, path)


def fitted_line(
    model, X, y, path, *, feature=0, interval="confidence", level=0.95, target_name=None
) -> Path:
    """Scatter of one feature against y with the fitted line and its interval band.

    With one feature the line is the model itself; with several, the other features
    are held at their means over ``X`` (said in the title and the axis label).

    Parameters
    ----------
    model : fitted linreg estimator
        Fitted on a single target.  Models without intervals (Lasso, ElasticNet) get
        the line without a band, and the legend says so.
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    path : str or os.PathLike
        Output file; its extension sets the format.
    feature : int or str, default 0
        Column index or feature name (``feature_names_in_``, else ``x0, x1, ...``).
    interval : {"confidence", "prediction", None}, default "confidence"
        Band drawn around the line (see ``model.predict``); None for no band.
    level : float, default 0.95
        Coverage of the band.
    target_name : str, optional
        The target's name for the axis label and title (default: the name of a
        pandas Series ``y``, else ``"y"``).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        For an unknown feature name or an index out of range.
    """
    j = _feature_index(model, feature)
    name = _feature_labels(model)[j]
    Xa = _as_array(model, X)
    target = _target_label(target_name, y)
    y = np.asarray(y, dtype=np.float64)
    x = Xa[:, j]
    grid = np.tile(Xa.mean(axis=0), (200, 1))
    grid[:, j] = np.linspace(x.min(), x.max(), 200)
    others = Xa.shape[1] > 1
    title = f"Fitted line: {target} against {name}"
    if others:
        k = Xa.shape[1] - 1
        held = f"{k} features held at their means" if k > 1 else "feature held at its mean"
        title += f"\n(the other {held})"
    xlabel = f"{name} (others at their means)" if others else name
    fig, ax = _figure(title, xlabel, target)
    ax.scatter(x, y, **POINTS, label="data")
    if interval is None or not has_intervals(model):
        label = "fit" if interval is None else f"fit (no intervals for {_kind(model)})"
        ax.plot(grid[:, j], _predict_array(model, grid), color="C1", label=label)
    else:
        band = _predict_array(model, grid, interval=interval, level=level)
        ax.plot(grid[:, j], band[:, 0], color="C1", label="fit")
        ax.fill_between(
            grid[:, j],
            band[:, 1],
            band[:, 2],
            color="C1",
            alpha=0.25,
            label=f"{level:.0%} {interval} interval",
        )
    ax.legend()
    return _save(fig, path)


def _target_label(target_name, y=None) -> str:
    """``target_name``, else the name of a pandas Series ``y``, else ``"y"``."""
    if target_name is None:
        target_name = getattr(y, "name", None)
    return "y" if target_name is None else str(target_name)


def predicted_vs_actual(model, X, y, path, *, target_name=None) -> Path:
    """Predicted against actual values with the identity line; R^2 in the title.

    Parameters
    ----------
    model : fitted linreg estimator
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    path : str or os.PathLike
        Output file; its extension sets the format.
    target_name : str, optional
        The target's name for the axis labels (default: the name of a pandas
        Series ``y``, else ``"y"``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from sklearn.metrics import r2_score

    target = _target_label(target_name, y)
    y, fitted, _ = _fit_and_residuals(model, X, y)
    title = f"Predicted vs actual (R² = {r2_score(y, fitted):.3f})"
    fig, ax = _figure(title, f"actual {target}", f"predicted {target}")
    ax.scatter(y, fitted, **POINTS)
    _identity_line(ax, y, fitted)
    ax.legend()
    return _save(fig, path)


def residuals_vs_fitted(model, X, y, path, *, target_name=None) -> Path:
    """Residuals against fitted values, with a horizontal line at zero.

    Parameters
    ----------
    model : fitted linreg estimator
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    path : str or os.PathLike
        Output file; its extension sets the format.
    target_name : str, optional
        The target's name for the axis labels (default: the name of a pandas
        Series ``y``, else ``"y"``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    _, fitted, resid = _fit_and_residuals(model, X, y)
    target = _target_label(target_name, y)
    fig, ax = _figure("Residuals vs fitted", f"fitted {target}", f"residual ({target} - fitted)")
    ax.scatter(fitted, resid, **POINTS)
    ax.axhline(0.0, **REFERENCE)
    return _save(fig, path)


def qq_plot(model, X, y, path) -> Path:
    """Normal QQ plot of the standardized residuals with the reference line y = x.

    Residuals are divided by the residual standard error ``sqrt(summary().scale)``
    (no leverage adjustment; for models without a summary, such as Lasso, the root
    mean square residual with ``n - 1 - nonzero coefficients`` degrees of freedom) and
    plotted against the normal quantiles of the plotting positions ``(i - 0.5) / n``.

    Parameters
    ----------
    model : fitted linreg estimator
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    path : str or os.PathLike
        Output file; its extension sets the format.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    _, _, resid = _fit_and_residuals(model, X, y)
    standardized = np.sort(resid / _residual_scale(model, resid))
    n = len(standardized)
    theoretical = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)
    fig, ax = _figure(
        "Normal QQ plot of standardized residuals",
        "theoretical normal quantile",
        "standardized residual",
    )
    ax.scatter(theoretical, standardized, **POINTS)
    _identity_line(ax, theoretical, standardized)
    ax.legend()
    return _save(fig, path)


def coefficients(summary, path, *, alpha=0.05, include_const=False) -> Path:
    """Estimates with their ``1 - alpha`` confidence intervals, one row per term.

    Terms without an estimate (NaN) are left out, and so is the intercept unless
    ``include_const``; a term whose interval is undefined (a coefficient the data do not
    identify, reported with a NaN standard error) is drawn as a hollow point without a
    bar, labelled "(no interval)".

    Parameters
    ----------
    summary : linreg.Summary or fitted estimator
        From ``model.summary(...)``; its covariance type sets the intervals.  A fitted
        model without a summary (Lasso, ElasticNet: no standard errors) draws its
        estimates without intervals, as the title says.
    path : str or os.PathLike
        Output file; its extension sets the format.
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.
    include_const : bool, default False
        Whether to show the intercept, often on another scale than the slopes.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not hasattr(summary, "conf_int"):
        return _coefficient_points(summary, path, include_const)
    ci = summary.conf_int(alpha)
    # The intercept is the first term when there is one (whatever its label).
    keep = [
        i
        for i in range(len(summary.names))
        if np.isfinite(summary.params[i]) and (include_const or not (summary.k_constant and i == 0))
    ]
    params = summary.params[keep]
    xerr = np.abs(ci[keep].T - params)
    defined = np.isfinite(xerr).all(axis=0)
    labels = [summary.names[i] for i in keep]
    names = [n if ok else f"{n} (no interval)" for n, ok in zip(labels, defined)]
    fig, ax = _figure(f"Coefficients with {1 - alpha:.0%} confidence intervals", "estimate")
    _term_rows(ax, params, names, xerr, defined)
    return _save(fig, path)


def _coefficient_points(model, path, include_const) -> Path:
    """The estimates of a model without standard errors, one row per term."""
    params = np.atleast_2d(model.coef_)[0]
    names = _feature_labels(model)
    if include_const and getattr(model, "fit_intercept", True):
        params = np.r_[np.atleast_1d(model.intercept_)[0], params]
        names = ["intercept", *names]
    fig, ax = _figure(f"Coefficients of the {_kind(model)} (no confidence intervals)", "estimate")
    _term_rows(ax, params, names, None)
    return _save(fig, path)


def _term_rows(ax, params, names, xerr, defined=None) -> None:
    """One row per term, the first at the top, with a reference line at zero; terms
    not ``defined`` (no interval) as hollow points without a bar."""
    rows = np.arange(len(params))[::-1]
    ok = np.ones(len(params), bool) if defined is None else np.asarray(defined, bool)
    bars = None if xerr is None else xerr[:, ok]
    ax.errorbar(params[ok], rows[ok], xerr=bars, fmt="o", color="C0", ecolor="C0", capsize=3)
    if not ok.all():
        ax.scatter(params[~ok], rows[~ok], facecolors="none", edgecolors="C0", zorder=3)
    ax.axvline(0.0, **REFERENCE)
    ax.set_yticks(rows, names)
    ax.set_ylim(-0.7, len(params) - 0.3)


# --------------------------------------------------------------------------- all
PLOT_NAMES = (
    "loss_curve",
    "fitted_line",
    "predicted_vs_actual",
    "residuals_vs_fitted",
    "qq_plot",
    "coefficients",
)


def all_plots(
    model, X, y, directory, *, history=None, fmt="png", target_name=None
) -> dict[str, Path]:
    """Write every applicable plot into ``directory`` as ``<name>.<fmt>``.

    Parameters
    ----------
    model : fitted linreg estimator
        Models without intervals or a summary (Lasso, ElasticNet) get the fitted line
        without a band and the coefficients without intervals.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Its columns are the model's features (``feature_names_in_`` label the axes).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        With several targets every plot but the loss curve is drawn per target, as
        ``<name>_<target>.<fmt>``.
    directory : str or os.PathLike
        Created (with parents) if needed.
    history : dict, optional
        Loss history for :func:`loss_curve`, which is drawn only when given.
    fmt : str, default "png"
        File extension, hence format, of every file.
    target_name : str or list of str, optional
        The target's name (one per target), for the axis labels and, with several
        targets, the file names (default: the name of a pandas ``y``, else ``"y"``,
        or ``y0, y1, ...``).

    Returns
    -------
    dict of str to pathlib.Path
        Plot name (as in :data:`PLOT_NAMES`, ``<name>_<target>`` per target) to the
        file written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fmt = fmt.lstrip(".")
    written = {}
    if history is not None:
        written["loss_curve"] = loss_curve(history, directory / f"loss_curve.{fmt}")
    if target_name is None:  # a pandas y names its target(s)
        columns = getattr(y, "columns", None)
        target_name = [str(c) for c in columns] if columns is not None else getattr(y, "name", None)
    Y = np.asarray(y, dtype=np.float64)
    if Y.ndim == 1:
        name = target_name[0] if isinstance(target_name, (list, tuple)) else target_name
        return {**written, **_target_plots(model, X, Y, directory, fmt, name, "")}
    names = list(target_name) if isinstance(target_name, (list, tuple)) else []
    if len(names) != Y.shape[1]:
        names = [f"y{t}" for t in range(Y.shape[1])]
    for t, name in enumerate(names):
        view = TargetView(model, t)
        suffix = "_" + "".join(c if c.isalnum() or c in "-." else "_" for c in str(name))
        written.update(_target_plots(view, X, Y[:, t], directory, fmt, name, suffix))
    return written


def _target_plots(model, X, y, directory, fmt, target_name, suffix) -> dict[str, Path]:
    """The plots of one target, files ``<name><suffix>.<fmt>``."""
    named = {"target_name": target_name}
    draw = {
        "fitted_line": lambda p: fitted_line(model, X, y, p, **named),
        "predicted_vs_actual": lambda p: predicted_vs_actual(model, X, y, p, **named),
        "residuals_vs_fitted": lambda p: residuals_vs_fitted(model, X, y, p, **named),
        "qq_plot": lambda p: qq_plot(model, X, y, p),
        "coefficients": lambda p: coefficients(
            model.summary() if hasattr(model, "summary") else model, p
        ),
    }
    return {name + suffix: plot(directory / f"{name}{suffix}.{fmt}") for name, plot in draw.items()}


# ------------------------------------------------------------------ regularization
__all__ += ["cv_curve", "regularization_path"]


def _pick_target(array, target: int, what: str) -> np.ndarray:
    """The ``target``-th slice of a per-target stack (n_targets, ...)."""
    if not -array.shape[0] <= target < array.shape[0]:
        raise ValueError(f"target {target} is out of range for {array.shape[0]} {what}")
    return array[target]


def _l1_index(model) -> int | None:
    """Row of the chosen ``l1_ratio_`` in an ElasticNetCV's per-l1_ratio arrays."""
    ratios = np.atleast_1d(np.asarray(getattr(model, "l1_ratio", 1.0), dtype=np.float64))
    if ratios.size < 2:
        return None
    return int(np.argmin(np.abs(ratios - float(model.l1_ratio_))))


def _chosen_alpha(model, target: int):
    alpha = getattr(model, "alpha_", None)
    if alpha is None:
        return None
    alpha = np.asarray(alpha, dtype=np.float64)
    return float(alpha) if alpha.ndim == 0 else float(_pick_target(alpha, target, "alphas"))


def _coefficient_path(model_or_result, X, y, target: int):
    """(alphas, coefs of shape (n_features, n_alphas), chosen alpha or None, model or None)."""
    if isinstance(model_or_result, (tuple, list)):
        if len(model_or_result) < 2:
            raise ValueError(
                "a path result is (alphas, coefs[, dual_gaps]) as lasso_path returns it"
            )
        alphas = np.asarray(model_or_result[0], dtype=np.float64)
        coefs = np.asarray(model_or_result[1], dtype=np.float64)
        model, chosen = None, None
    else:
        model = model_or_result
        if not hasattr(model, "alphas_"):
            raise ValueError(
                f"{type(model).__name__} has no alphas_: pass a fitted RidgeCV, LassoCV or "
                "ElasticNetCV, or the (alphas, coefs, dual_gaps) tuple of lasso_path/enet_path"
            )
        alphas = np.asarray(model.alphas_, dtype=np.float64)
        row = _l1_index(model)
        if alphas.ndim == 2:
            alphas = alphas[row if row is not None else 0]
        chosen = _chosen_alpha(model, target)
        if getattr(model, "coef_path_", None) is not None:
            coefs = np.asarray(model.coef_path_, dtype=np.float64)
        elif X is None or y is None:
            raise ValueError(
                f"{type(model).__name__} does not store its coefficient path: pass the "
                "training X and y (regularization_path(model, path, X=X, y=y)) to recompute "
                "it, or pass the tuple returned by lasso_path/enet_path"
            )
        else:
            coefs = _recompute_enet_path(model, X, y, alphas)
    if coefs.ndim == 3:
        coefs = _pick_target(coefs, target, "targets")
    if coefs.ndim != 2 or coefs.shape[1] != alphas.shape[0]:
        raise ValueError(
            f"coefs of shape {coefs.shape} do not match {alphas.shape[0]} alphas: expected "
            "(n_features, n_alphas) or (n_targets, n_features, n_alphas)"
        )
    return alphas, coefs, chosen, model


def _recompute_enet_path(model, X, y, alphas):
    """The Lasso/ElasticNet path of a CV model on its centred training data."""
    from sklearn.linear_model import enet_path

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if getattr(model, "fit_intercept", True):
        X = X - X.mean(axis=0)
        y = y - y.mean(axis=0)
    l1_ratio = float(getattr(model, "l1_ratio_", 1.0))
    _, coefs, _ = enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas)
    return coefs


def regularization_path(model_or_result, path=None, *, X=None, y=None, target=0):
    """Coefficients against the penalty ``alpha`` (log axis), one line per feature.

    Parameters
    ----------
    model_or_result : fitted RidgeCV, LassoCV or ElasticNetCV, or tuple
        A model with ``alphas_`` and ``coef_path_`` (:class:`linreg.RidgeCV` stores it),
        a scikit-learn LassoCV/ElasticNetCV (its path is recomputed from ``X, y`` with
        ``enet_path`` at the chosen ``l1_ratio_``), or the ``(alphas, coefs,
        dual_gaps)`` tuple of ``lasso_path``/``enet_path`` with ``coefs`` of shape
        (n_features, n_alphas) or (n_targets, n_features, n_alphas).
    path : str or os.PathLike, optional
        Output file (extension sets the format); None returns the Figure unsaved.
    X, y : array-like, optional
        Training data, needed only for models that do not store their path.
    target : int, default 0
        Which target of a multi-target path (and of per-target ``alpha_``).

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        The file written, or the Figure when ``path`` is None.  A vertical line marks
        the model's ``alpha_`` when there is one.
    """
    alphas, coefs, chosen, model = _coefficient_path(model_or_result, X, y, target)
    if model is not None and hasattr(model, "n_features_in_"):
        labels = _feature_labels(model)
    else:
        labels = [f"x{j}" for j in range(coefs.shape[0])]
    name = type(model).__name__ if model is not None else "path"
    fig, ax = _figure(f"Regularization path ({name})", "alpha (log scale)", "coefficient")
    for j in range(coefs.shape[0]):
        ax.plot(alphas, coefs[j], linewidth=1.2, label=labels[j])
    ax.set_xscale("log")
    if chosen is not None:
        ax.axvline(chosen, **REFERENCE, label=f"alpha_ = {chosen:.3g}")
    if coefs.shape[0] <= 10 or chosen is not None:
        handles, names = ax.get_legend_handles_labels()
        keep = [i for i, n in enumerate(names) if coefs.shape[0] <= 10 or n.startswith("alpha_")]
        ax.legend([handles[i] for i in keep], [names[i] for i in keep], fontsize="small")
    return _finish(fig, path)


def _cv_errors(model):
    """(alphas, mean CV MSE, its standard error, description) of a fitted CV model."""
    if not hasattr(model, "alphas_"):
        raise ValueError(
            f"{type(model).__name__} has no alphas_: cv_curve needs a fitted RidgeCV, "
            "LassoCV or ElasticNetCV"
        )
    alphas = np.asarray(model.alphas_, dtype=np.float64)
    if getattr(model, "cv_mse_", None) is not None:  # linreg.RidgeCV
        mean = np.asarray(model.cv_mse_, dtype=np.float64)
        se = np.asarray(model.cv_mse_std_err_, dtype=np.float64)
        kind = "leave-one-out" if getattr(model, "cv", None) is None else "k-fold"
        return alphas, mean, se, kind
    mse = getattr(model, "mse_path_", None)
    if mse is None:
        raise ValueError(
            f"{type(model).__name__} has no mse_path_ or cv_mse_: fit it first (RidgeCV "
            "with scikit-learn's own class does not keep per-alpha errors; use linreg.RidgeCV)"
        )
    mse = np.asarray(mse, dtype=np.float64)
    if mse.ndim == 3:  # (n_l1_ratio, n_alphas, n_folds)
        row = _l1_index(model) or 0
        mse = mse[row]
        if alphas.ndim == 2:
            alphas = alphas[row]
    n_folds = mse.shape[1]
    se = mse.std(axis=1, ddof=1) / np.sqrt(n_folds) if n_folds > 1 else np.zeros(len(mse))
    return alphas, mse.mean(axis=1), se, f"{n_folds}-fold"


def cv_curve(model, path=None):
    """Mean cross-validated squared error against ``alpha`` (log axis), +- one standard error.

    The band is one standard error of the mean over the folds (over the samples for
    leave-one-out); a vertical line marks the chosen ``alpha_``.

    Parameters
    ----------
    model : fitted linreg.RidgeCV, or a LassoCV/ElasticNetCV (``mse_path_``)
        For an ElasticNetCV with several ``l1_ratio``, the curve of the chosen
        ``l1_ratio_``.
    path : str or os.PathLike, optional
        Output file (extension sets the format); None returns the Figure unsaved.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
    """
    alphas, mean, se, kind = _cv_errors(model)
    title = f"Cross-validation curve ({type(model).__name__}, {kind})"
    fig, ax = _figure(title, "alpha (log scale)", "mean squared error")
    order = np.argsort(alphas)
    a, m, s = alphas[order], mean[order], se[order]
    ax.plot(a, m, color="C0", marker="." if len(a) <= 50 else None, label="mean CV error")
    ax.fill_between(a, m - s, m + s, color="C0", alpha=0.25, label="± 1 standard error")
    ax.set_xscale("log")
    chosen = _chosen_alpha(model, 0)
    if chosen is not None and np.ndim(getattr(model, "alpha_", 0)) == 0:
        ax.axvline(chosen, **REFERENCE, label=f"alpha_ = {chosen:.3g}")
    ax.legend(fontsize="small")
    return _finish(fig, path)
