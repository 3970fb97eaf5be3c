"""Influence, scale-location and partial regression plots: the plotted data, read back
from the Axes, against statsmodels' quantities on the same data (Agg, no display).

References: statsmodels' ``influence_plot`` (offsets, marker areas, labelled rows),
``plot_partregress`` (residual coordinates, fitted slope) and ``OLSInfluence``.  For
a weighted fit the reference is statsmodels on the whitened problem
``OLS(sqrt(w) y, sqrt(w) X)`` (R's ``influence.measures`` of a weighted ``lm``; see
:mod:`linreg.inference.influence`).
"""

from __future__ import annotations

import pickle

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.datasets import load_diabetes
from statsmodels.graphics import regressionplots as smplots

import linreg
from linreg.inference.plots import influence_plot, partial_regression_plot, scale_location_plot

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (statsmodels draws with pyplot)

RTOL = 1e-8


# --------------------------------------------------------------------------- data
def _diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y.to_numpy(), None


def _heteroscedastic():
    rng = np.random.default_rng(15)
    n = 200
    X = rng.normal(size=(n, 3)) * [1.0, 3.0, 0.2] + [0.0, 10.0, -1.0]
    y = 1.0 + X @ [2.0, -0.5, 4.0] + (0.3 + np.abs(X[:, 0]) ** 1.5) * rng.standard_normal(n)
    return pd.DataFrame(X, columns=["a", "b", "c"]), y, None


def _weighted():
    X, y, _ = _heteroscedastic()
    return X, y, 1.0 / (0.3 + np.abs(X["a"].to_numpy()) ** 1.5) ** 2


PROBLEMS = {"diabetes": _diabetes, "heteroscedastic": _heteroscedastic, "weighted": _weighted}


def _fit(name):
    """(X, y, w, linreg model, statsmodels OLS results of the whitened problem)."""
    X, y, w = PROBLEMS[name]()
    ours = linreg.LinearRegression().fit(X, y, sample_weight=w)
    root = np.ones(len(y)) if w is None else np.sqrt(w)
    ref = sm.OLS(y * root, sm.add_constant(X).mul(root, axis=0)).fit()
    return X, y, w, ours, ref


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _close(actual, desired):
    """Equal to RTOL relative to the largest entry (residuals cross zero)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.shape == desired.shape
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=RTOL * np.max(np.abs(desired)))


# --------------------------------------------------------------------------- partial regression
@pytest.mark.parametrize(
    "name, term", [("diabetes", "bmi"), ("heteroscedastic", 1), ("weighted", "c")]
)
def test_partial_regression_equals_statsmodels(name, term):
    X, y, w, ours, ref = _fit(name)
    fig = partial_regression_plot(ours, term)
    points, line = fig.axes[0].lines
    exog = ref.model.exog
    j = term if isinstance(term, int) else list(X.columns).index(term)
    others = np.delete(exog, 1 + j, axis=1)  # the whitened constant stays among the others
    coords = smplots.plot_partregress(
        ref.model.endog, exog[:, 1 + j], others, obs_labels=False, ret_coords=True
    ).coords
    _close(points.get_xdata(), coords[0])
    _close(points.get_ydata(), coords[1])
    lx, ly = line.get_data()
    slope = (ly[1] - ly[0]) / (lx[1] - lx[0])
    refit = np.asarray(sm.OLS(coords[1], coords[0]).fit().params)[0]  # statsmodels' fitted line
    np.testing.assert_allclose(slope, refit, rtol=RTOL)
    np.testing.assert_allclose(slope, np.asarray(ref.params)[1 + j], rtol=RTOL)
    np.testing.assert_allclose(ly, slope * lx, rtol=1e-12)  # through the origin
    assert fig.axes[0].get_xlabel() == f"e({X.columns[j]} | X)"


def test_partial_regression_without_intercept():
    X, y, _ = _heteroscedastic()
    ours = linreg.LinearRegression(fit_intercept=False).fit(X, y)
    points, line = partial_regression_plot(ours, "b").axes[0].lines
    exog = X.to_numpy()
    coords = smplots.plot_partregress(
        y, exog[:, 1], exog[:, [0, 2]], obs_labels=False, ret_coords=True
    ).coords
    _close(points.get_xdata(), coords[0])
    _close(points.get_ydata(), coords[1])
    lx, ly = line.get_data()
    np.testing.assert_allclose(
        (ly[1] - ly[0]) / (lx[1] - lx[0]), sm.OLS(y, exog).fit().params[1], rtol=RTOL
    )


# --------------------------------------------------------------------------- influence
@pytest.mark.parametrize("name", ["diabetes", "heteroscedastic", "weighted"])
@pytest.mark.parametrize("external, criterion", [(True, "cooks"), (False, "dffits")])
def test_influence_plot_equals_statsmodels(name, external, criterion):
    X, y, w, ours, ref = _fit(name)
    ax = influence_plot(ours, external=external, criterion=criterion).axes[0]
    expected_ax = smplots.influence_plot(ref, external=external, criterion=criterion).axes[0]
    got, expected = ax.collections[0], expected_ax.collections[0]
    _close(got.get_offsets(), expected.get_offsets())
    np.testing.assert_allclose(got.get_sizes(), expected.get_sizes(), rtol=RTOL)
    infl = ref.get_influence()
    _close(got.get_offsets()[:, 0], infl.hat_matrix_diag)
    kind = "external" if external else "internal"
    resid = getattr(infl, f"resid_studentized_{kind}")
    _close(got.get_offsets()[:, 1], resid)
    labelled = sorted(int(t.get_text()) for t in ax.texts)
    if w is None:  # statsmodels' labels are row numbers; ours X's index (0..n-1 here)
        assert labelled == sorted(int(t.get_text()) for t in expected_ax.texts)
    # Large |residual| (t quantile) or leverage above 2 p / n; statsmodels' own rule
    # reads p as df_model + 1, which the whitened problem (no constant column) miscounts.
    p = ref.model.exog.shape[1]
    cutoff = stats.t.ppf(0.975, ref.df_resid)
    rule = np.flatnonzero((np.abs(resid) > cutoff) | (infl.hat_matrix_diag > 2 * p / len(y)))
    assert labelled and labelled == rule.tolist()


def test_influence_plot_labels_rows_by_the_index_of_X():
    X, y, _ = _heteroscedastic()
    X.index = [f"row{i}" for i in range(len(X))]
    ours = linreg.LinearRegression().fit(X, y)
    ax = influence_plot(ours, X=X, y=y).axes[0]
    assert ax.texts and all(t.get_text().startswith("row") for t in ax.texts)
    with pytest.raises(ValueError, match="criterion"):
        influence_plot(ours, criterion="leverage")


# --------------------------------------------------------------------------- scale-location
@pytest.mark.parametrize("name", ["diabetes", "weighted"])
def test_scale_location_equals_statsmodels(name):
    X, y, w, ours, ref = _fit(name)
    offsets = scale_location_plot(ours).axes[0].collections[0].get_offsets()
    fitted = sm.add_constant(X).to_numpy() @ ref.params  # in the units of y
    _close(offsets[:, 0], fitted)
    standardized = ref.get_influence().resid_studentized_internal
    _close(offsets[:, 1], np.sqrt(np.abs(standardized)))


# --------------------------------------------------------------------------- plumbing
def test_given_axes_and_paths(tmp_path):
    from matplotlib.figure import Figure

    X, y, w, ours, ref = _fit("diabetes")
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert influence_plot(ours, axes[0]) is fig
    assert scale_location_plot(ours, axes[1]) is fig
    assert partial_regression_plot(ours, "bmi", axes[2]) is fig
    assert [len(a.collections) + len(a.lines) for a in axes] == [1, 1, 2]
    for draw in (influence_plot, scale_location_plot):
        written = draw(ours, path=str(tmp_path / f"{draw.__name__}.png"))
        assert written == tmp_path / f"{draw.__name__}.png"
        assert written.stat().st_size > 5_000
    assert partial_regression_plot(ours, 0, path=tmp_path / "p.svg").exists()


def test_plots_need_the_training_data():
    X, y, w, ours, ref = _fit("heteroscedastic")
    expected = partial_regression_plot(ours, "a").axes[0].lines[0]
    restored = pickle.loads(pickle.dumps(ours))  # the training data is not pickled
    with pytest.raises(ValueError, match="training data"):
        partial_regression_plot(restored, "a")
    with pytest.raises(ValueError, match="training data"):
        scale_location_plot(restored)
    points = partial_regression_plot(restored, "a", X=X, y=y).axes[0].lines[0]
    np.testing.assert_array_equal(points.get_xydata(), expected.get_xydata())


def test_diagnostic_plots_are_reachable_from_linreg_plots():
    import linreg.inference.plots as diagnostic
    import linreg.plots

    for name in ("influence_plot", "scale_location_plot", "partial_regression_plot"):
        assert getattr(linreg.plots, name) is getattr(diagnostic, name)
