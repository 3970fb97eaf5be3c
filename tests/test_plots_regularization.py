"""Regularization-path and CV-curve plots: files written, lines drawn, data plotted."""

import numpy as np
import pytest
from sklearn.linear_model import ElasticNetCV, LassoCV, lasso_path

from linreg import RidgeCV, plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 5)) + 2.0
    y = X @ np.array([1.5, -2.0, 0.0, 0.5, 0.0]) + 1.0 + rng.standard_normal(80)
    return X, y


def assert_png(path):
    assert path.exists()
    assert path.read_bytes()[:8] == PNG


@pytest.mark.parametrize("cv", [None, 4])
def test_ridge_cv_path_and_curve(tmp_path, data, cv):
    X, y = data
    model = RidgeCV(np.logspace(-2, 3, 20), cv=cv).fit(X, y)
    assert_png(plots.regularization_path(model, tmp_path / "path.png"))
    assert_png(plots.cv_curve(model, tmp_path / "curve.png"))
    fig = plots.regularization_path(model)
    ax = fig.axes[0]
    assert len(ax.lines) == X.shape[1] + 1  # one per feature + alpha_
    assert ax.get_xscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), model.coef_path_[0])
    curve = plots.cv_curve(model).axes[0]
    assert len(curve.lines) == 2  # mean error + alpha_
    np.testing.assert_allclose(curve.lines[0].get_ydata(), model.cv_mse_)
    assert curve.lines[1].get_xdata()[0] == model.alpha_


def test_ridge_cv_path_ends_at_the_fit(data):
    # At the chosen alpha the plotted path passes through coef_.
    X, y = data
    model = RidgeCV(np.logspace(-2, 3, 20)).fit(X, y)
    fig = plots.regularization_path(model)
    i = int(np.flatnonzero(model.alphas_ == model.alpha_)[0])
    plotted = [line.get_ydata()[i] for line in fig.axes[0].lines[: X.shape[1]]]
    np.testing.assert_allclose(plotted, model.coef_, rtol=1e-12)


def test_lasso_path_tuple(tmp_path, data):
    X, y = data
    result = lasso_path(X - X.mean(axis=0), y - y.mean(), alphas=30)
    assert_png(plots.regularization_path(result, tmp_path / "lasso.png"))
    ax = plots.regularization_path(result).axes[0]
    assert len(ax.lines) == X.shape[1]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), result[1][1])


def test_lasso_path_tuple_writes_svg(tmp_path, data):
    X, y = data
    out = plots.regularization_path(lasso_path(X, y, alphas=10), tmp_path / "p.svg")
    assert out.read_text().lstrip().startswith("<?xml")


def test_sklearn_lasso_cv(tmp_path, data):
    X, y = data
    model = LassoCV(cv=4, alphas=25).fit(X, y)
    with pytest.raises(ValueError, match="does not store its coefficient path"):
        plots.regularization_path(model)
    assert_png(plots.regularization_path(model, tmp_path / "p.png", X=X, y=y))
    ax = plots.regularization_path(model, X=X, y=y).axes[0]
    assert len(ax.lines) == X.shape[1] + 1
    # the recomputed path at alpha_ is the model's own fit
    i = int(np.argmin(np.abs(model.alphas_ - model.alpha_)))
    plotted = [line.get_ydata()[i] for line in ax.lines[: X.shape[1]]]
    np.testing.assert_allclose(plotted, model.coef_, atol=1e-3)
    curve = plots.cv_curve(model).axes[0]
    assert len(curve.lines) == 2
    np.testing.assert_allclose(curve.lines[0].get_ydata()[::-1], model.mse_path_.mean(axis=1))
    assert_png(plots.cv_curve(model, tmp_path / "c.png"))


def test_sklearn_elastic_net_cv_several_ratios(tmp_path, data):
    X, y = data
    model = ElasticNetCV(l1_ratio=[0.3, 0.9], cv=3, alphas=15).fit(X, y)
    row = [0.3, 0.9].index(model.l1_ratio_)
    curve = plots.cv_curve(model).axes[0]
    assert len(curve.lines) == 2
    mean = model.mse_path_[row].mean(axis=1)
    np.testing.assert_allclose(np.sort(curve.lines[0].get_ydata()), np.sort(mean))
    assert_png(plots.regularization_path(model, tmp_path / "p.png", X=X, y=y))


def test_multi_target_path_picks_target(data):
    X, y = data
    Y = np.column_stack([y, -2 * y])
    model = RidgeCV([0.1, 1.0, 10.0], alpha_per_target=True).fit(X, Y)
    ax = plots.regularization_path(model, target=1).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), model.coef_path_[1, 0])
    with pytest.raises(ValueError, match="target 2 is out of range"):
        plots.regularization_path(model, target=2)


def test_bad_inputs(tmp_path, data):
    X, y = data
    with pytest.raises(ValueError, match="has no alphas_"):
        plots.regularization_path(object())
    with pytest.raises(ValueError, match="has no alphas_"):
        plots.cv_curve(object())
    with pytest.raises(ValueError, match="do not match"):
        plots.regularization_path((np.ones(3), np.ones((2, 4)), None))
    model = RidgeCV().fit(X, y)
    with pytest.raises(ValueError, match="cannot tell the image format"):
        plots.cv_curve(model, tmp_path / "curve.nope")
