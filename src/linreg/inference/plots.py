"""Regression diagnostic plots of a fitted model: influence, scale-location and partial
regression (added-variable), as statsmodels' ``graphics.regressionplots`` and R's
``plot.lm`` draw them.

Each function draws on ``ax`` when given, else on a new
:class:`matplotlib.figure.Figure` (no pyplot state, no display), and returns the
Figure, or writes it to ``path`` (format from the extension) and returns the path.
matplotlib is imported only when a plot is drawn.  The influence quantities come from
``model.get_influence()`` (statsmodels' ``OLSInfluence`` names); the plots need the
training data: the model's own in memory, or ``X, y`` (and ``sample_weight``) again.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["influence_plot", "partial_regression_plot", "scale_location_plot"]

#: Smallest marker area of :func:`influence_plot` (statsmodels': 8 points squared).
MIN_AREA = 8.0**2


def influence_plot(
    model,
    ax=None,
    *,
    X=None,
    y=None,
    sample_weight=None,
    external=True,
    alpha=0.05,
    criterion="cooks",
    size=48,
    plot_alpha=0.75,
    path=None,
):
    """Studentized residuals against leverage, marker area by Cook's distance
    (statsmodels' ``influence_plot``).

    Points are ``(hat_matrix_diag, resid_studentized_external)`` (``_internal`` with
    ``external=False``) of ``model.get_influence()``.  Marker areas grow linearly with
    ``cooks_distance`` (or ``|dffits|``, ``criterion="dffits"``) from ``8**2`` to
    ``size**2`` points squared.  Observations with ``|residual|`` above the
    ``1 - alpha/2`` quantile of t(``df_resid``) or leverage above ``2 p / n`` (``p``
    parameters, ``n`` observations) are labelled with their row label (X's index for
    a DataFrame, else the row number).

    Parameters
    ----------
    model : fitted LinearRegression (one target)
    ax : matplotlib Axes, optional
    X, y, sample_weight : optional
        The training data, where the model no longer holds it.
    external : bool, default True
    alpha : float, default 0.05
    criterion : {"cooks", "dffits"}
    size : float, default 48
        Largest marker size (points; the area is its square).
    plot_alpha : float, default 0.75
        Opacity of the markers.
    path : str or os.PathLike, optional
        Write the figure there and return the path.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
    """
    infl = model.get_influence(X, y, sample_weight)
    areas = _marker_areas(_criterion(infl, criterion), size)
    leverage = np.asarray(infl.hat_matrix_diag, dtype=np.float64)
    kind = "external" if external else "internal"
    resid = np.asarray(getattr(infl, f"resid_studentized_{kind}"), dtype=np.float64)
    s = model.summary(X=X, y=y, sample_weight=sample_weight)
    cutoff = stats.t.ppf(1 - alpha / 2, s.df_resid)
    high_leverage = 2.0 * (s.df_model + s.k_constant) / s.nobs
    fig, ax = _axes(ax, "Influence Plot", "Leverage", "Studentized Residuals")
    ax.scatter(leverage, resid, s=areas, alpha=plot_alpha)
    marked = np.flatnonzero((np.abs(resid) > cutoff) | (leverage > high_leverage))
    labels = _row_labels(model, X, len(resid))
    for i in marked:
        offset = np.sqrt(areas[i] / 2)
        ax.annotate(
            str(labels[i]),
            (leverage[i], resid[i]),
            xytext=(-offset, offset),
            textcoords="offset points",
            fontsize="small",
        )
    return _done(fig, path)


def scale_location_plot(model, ax=None, *, X=None, y=None, sample_weight=None, path=None):
    """``sqrt(|standardized residuals|)`` against fitted values (R's scale-location
    plot): a trend shows variance changing with the mean.

    The standardized residuals are ``model.get_influence().resid_studentized_internal``
    (``e_i / (s sqrt(1 - h_i))``, weighted for WLS); the fitted values
    ``model.predict(X)`` on the training rows.

    Parameters
    ----------
    model : fitted LinearRegression (one target)
    ax : matplotlib Axes, optional
    X, y, sample_weight : optional
        The training data, where the model no longer holds it.
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
    """
    problem = _training_problem(model, X, y, sample_weight, "scale_location_plot")
    infl = model.get_influence(X, y, sample_weight)
    standardized = np.asarray(infl.resid_studentized_internal, dtype=np.float64)
    fitted = _fitted_values(model, problem.X)
    if fitted.ndim != 1:
        raise ValueError("scale_location_plot draws one target; the model has several")
    fig, ax = _axes(ax, "Scale-Location", "Fitted values", "sqrt(|Standardized residuals|)")
    ax.scatter(fitted, np.sqrt(np.abs(standardized)), s=14, alpha=0.6, edgecolor="none")
    return _done(fig, path)


def partial_regression_plot(
    model, term, ax=None, *, X=None, y=None, sample_weight=None, target=0, path=None
):
    """Added-variable plot of ``term``: the residuals of y on the other regressors
    against those of ``term`` on the others (statsmodels' ``plot_partregress``).

    Both are least-squares residuals on the other columns (with the intercept when the
    model has one), computed by :class:`linreg.LinearRegression`; for a weighted fit
    they are the WLS residuals times ``sqrt(w)``, so that the line through the origin
    with the term's coefficient in the full (weighted) model is their least-squares
    line (Frisch-Waugh-Lovell).  That line is drawn.

    Parameters
    ----------
    model : fitted LinearRegression
    term : int or str
        The feature (index or name).
    ax : matplotlib Axes, optional
    X, y, sample_weight : optional
        The training data, where the model no longer holds it.
    target : int, default 0
        Which target of a model fitted on several.
    path : str or os.PathLike, optional

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
    """
    from .._figures import _feature_index, _feature_labels

    problem = _training_problem(model, X, y, sample_weight, "partial_regression_plot")
    j = _feature_index(model, term)
    x_resid, y_resid = partial_residuals(model, problem, j, target)
    slope = float(np.atleast_2d(model.coef_)[target, j])
    name = _feature_labels(model)[j]
    fig, ax = _axes(ax, "Partial Regression Plot", f"e({name} | X)", "e(y | X)")
    ax.plot(x_resid, y_resid, "o", markersize=4, alpha=0.6)
    ends = np.array([np.min(x_resid), np.max(x_resid)])
    ax.plot(ends, slope * ends, color="k", label=f"slope {slope:.4g}")
    return _done(fig, path)


def partial_residuals(model, problem, j: int, target: int = 0):
    """``(x_resid, y_resid)``: residuals of column ``j`` and of y (``target``) on the
    other columns (and the intercept when the model has one), times ``sqrt(w)`` for a
    weighted fit."""
    from ..models.linear_regression import LinearRegression

    X = np.asarray(problem.X, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64).reshape(X.shape[0], -1)
    if not -Y.shape[1] <= target < Y.shape[1]:
        raise ValueError(f"target {target} is out of range for {Y.shape[1]} target(s)")
    w = problem.weights
    both = np.column_stack([X[:, j], Y[:, target]])
    others = np.delete(X, j, axis=1)
    if others.shape[1] or model.fit_intercept:
        fit = LinearRegression(fit_intercept=model.fit_intercept)
        fit.fit(_at_least_one_column(others), both, sample_weight=w)
        both = both - fit.predict(_at_least_one_column(others))
    if w is not None:
        both = both * np.sqrt(np.asarray(w, dtype=np.float64))[:, None]
    return both[:, 0], both[:, 1]


# --------------------------------------------------------------------------- helpers
def _at_least_one_column(others):
    """The other columns, or a zero column when there are none (the intercept alone:
    its coefficient is 0 and the fit is the mean)."""
    return others if others.shape[1] else np.zeros((others.shape[0], 1))


def _training_problem(model, X, y, sample_weight, caller):
    """The model's training problem with its rows in memory, or a clear error."""
    problem = model._inference_problem(X, y, sample_weight)
    if problem.X is None:
        raise ValueError(
            f"{caller} needs the training data in memory: the model does not hold it "
            "(fitted on a scan or Dask, or unpickled); pass X= and y= (and sample_weight=)"
        )
    return problem


def _fitted_values(model, X) -> np.ndarray:
    """``intercept + X coef`` on training rows given as an array (no name warning)."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    return np.asarray(X, dtype=np.float64) @ coef.T + model.intercept_


def _criterion(infl, criterion: str) -> np.ndarray:
    """Cook's distance or ``|dffits|`` (statsmodels returns ``(values, p or cutoff)``)."""
    name = str(criterion).lower()
    if name.startswith("coo"):
        values = infl.cooks_distance
    elif name.startswith("dff"):
        values = infl.dffits
    else:
        raise ValueError(f"criterion must be 'cooks' or 'dffits', got {criterion!r}")
    values = values[0] if isinstance(values, tuple) else values
    return np.abs(np.asarray(values, dtype=np.float64))


def _marker_areas(values, size) -> np.ndarray:
    """Areas growing linearly from ``8**2`` (smallest value) to ``size**2`` (largest),
    statsmodels' scaling; all ``8**2`` when the values are equal or undefined."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.full(len(values), MIN_AREA)
    low, spread = np.min(values[finite]), np.ptp(values[finite])
    if spread == 0:
        return np.full(len(values), MIN_AREA)
    areas = (values - low) * (size**2 - MIN_AREA) / spread + MIN_AREA
    return np.where(finite, areas, MIN_AREA)


def _row_labels(model, X, n: int) -> list:
    """Labels of the training rows: X's index for a DataFrame, else 0..n-1."""
    index = getattr(X, "index", None)
    if index is not None and not callable(index) and len(index) == n:
        return list(index)
    return list(range(n))


def _axes(ax, title, xlabel, ylabel):
    """``(figure, ax)``: the given Axes with title and labels, or a new one."""
    if ax is None:
        from .._figures import _figure

        return _figure(title, xlabel, ylabel)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax.figure, ax


def _done(fig, path):
    """The Figure, or the path it was written to."""
    from .._figures import _finish

    return _finish(fig, path)
