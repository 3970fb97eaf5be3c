"""linreg.plots writes real, non-blank PNG and SVG files without a display."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from linreg import LinearRegression, RankDeficientWarning, Ridge, plots


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def full_model(diabetes):
    X, y = diabetes
    return LinearRegression().fit(X, y)


@pytest.fixture(scope="module")
def bmi_model(diabetes):
    X, y = diabetes
    return LinearRegression().fit(X[["bmi"]], y)


def synthetic_history(epochs=30):
    t = np.arange(epochs)
    return {
        "train_loss": (3000 + 20000 * np.exp(-t / 5)).tolist(),
        "val_loss": (3200 + 20000 * np.exp(-t / 5.5)).tolist(),
    }


# --------------------------------------------------------------------------- checks
def assert_png(path):
    from matplotlib.image import imread

    assert path.exists() and path.stat().st_size > 5_000
    pixels = imread(path)
    assert pixels.ndim == 3 and pixels.shape[2] in (3, 4)
    h, w = pixels.shape[:2]
    assert 200 <= h <= 2000 and 200 <= w <= 2000
    assert pixels[..., :3].std() > 0.02  # not a blank canvas


def assert_svg(path):
    assert path.exists()
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 10


def assert_image(path):
    {".png": assert_png, ".svg": assert_svg}[path.suffix](path)


def render(case, full_model, bmi_model, diabetes, path):
    """Draw plot ``case`` to ``path`` with the diabetes models."""
    X, y = diabetes
    draw = {
        "loss_curve": lambda: plots.loss_curve(synthetic_history(), path),
        "fitted_line_one": lambda: plots.fitted_line(bmi_model, X[["bmi"]], y, path),
        "fitted_line_many": lambda: plots.fitted_line(full_model, X, y, path, feature="bmi"),
        "predicted_vs_actual": lambda: plots.predicted_vs_actual(full_model, X, y, path),
        "residuals_vs_fitted": lambda: plots.residuals_vs_fitted(full_model, X, y, path),
        "qq_plot": lambda: plots.qq_plot(full_model, X, y, path),
        "coefficients": lambda: plots.coefficients(full_model.summary(), path),
    }
    return draw[case]()


CASES = [
    "loss_curve",
    "fitted_line_one",
    "fitted_line_many",
    "predicted_vs_actual",
    "residuals_vs_fitted",
    "qq_plot",
    "coefficients",
]


# --------------------------------------------------------------------------- tests
@pytest.mark.parametrize("ext", ["png", "svg"])
@pytest.mark.parametrize("case", CASES)
def test_each_plot_writes_an_image(case, ext, full_model, bmi_model, diabetes, tmp_path):
    path = tmp_path / f"{case}.{ext}"
    written = render(case, full_model, bmi_model, diabetes, str(path))
    assert written == path  # a pathlib.Path, even when given a str
    assert_image(written)


def test_loss_curve_train_only_and_linear_scale(tmp_path):
    history = {"train_loss": [1.0, 0.5, 0.0]}  # a zero loss: no log axis possible
    assert_png(plots.loss_curve(history, tmp_path / "a.png", title="t"))
    assert_png(plots.loss_curve(history, tmp_path / "b.png", log_scale=False))
    with pytest.raises(ValueError, match="train_loss"):
        plots.loss_curve({"val_loss": [1.0]}, tmp_path / "c.png")


@pytest.mark.parametrize("interval", ["confidence", "prediction", None])
def test_fitted_line_feature_by_name(interval, full_model, diabetes, tmp_path):
    X, y = diabetes
    path = plots.fitted_line(
        full_model, X, y, tmp_path / "bmi.png", feature="bmi", interval=interval, level=0.9
    )
    assert_png(path)


def test_fitted_line_unknown_feature(full_model, diabetes, tmp_path):
    X, y = diabetes
    with pytest.raises(ValueError, match="unknown feature 'weight'"):
        plots.fitted_line(full_model, X, y, tmp_path / "x.png", feature="weight")
    with pytest.raises(ValueError, match="out of range"):
        plots.fitted_line(full_model, X, y, tmp_path / "x.png", feature=10)
    assert not (tmp_path / "x.png").exists()


def test_fitted_line_arrays_use_x_labels(diabetes, tmp_path):
    X, y = diabetes
    model = Ridge(alpha=0.1).fit(X.to_numpy(), y.to_numpy())
    assert_png(plots.fitted_line(model, X.to_numpy(), y, tmp_path / "x2.png", feature="x2"))
    with pytest.raises(ValueError, match="unknown feature 'bmi'"):
        plots.fitted_line(model, X.to_numpy(), y, tmp_path / "bmi.png", feature="bmi")


def test_coefficients_skip_aliased_and_const(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # x3 is aliased
    y = X[:, :3] @ [1.0, -2.0, 0.5] + rng.standard_normal(50)
    with pytest.warns(RankDeficientWarning):
        summary = LinearRegression().fit(X, y).summary()
    # Not identified: no estimate (NaN), or an estimate without a standard error.
    terms = list(zip(summary.names, summary.params, summary.bse))[1:]
    assert any(not np.isfinite(b) for _, _, b in terms)
    for include_const in (False, True):
        path = tmp_path / f"coef_{include_const}.svg"
        assert_svg(plots.coefficients(summary, path, alpha=0.1, include_const=include_const))
        labels = path.read_text()
        assert ("const" in labels) is include_const  # tick labels are SVG text comments
        for name, estimate, se in terms:
            if not np.isfinite(estimate):
                assert name not in labels
            elif not np.isfinite(se):
                assert f"{name} (no interval)" in labels
            else:
                assert name in labels and f"{name} (no interval)" not in labels


def test_unknown_extension_is_refused(full_model, diabetes, tmp_path):
    X, y = diabetes
    with pytest.raises(ValueError, match="image format"):
        plots.residuals_vs_fitted(full_model, X, y, tmp_path / "plot.nope")
    with pytest.raises(ValueError, match="image format"):
        plots.residuals_vs_fitted(full_model, X, y, tmp_path / "plot")


def test_two_target_y_is_refused(full_model, diabetes, tmp_path):
    X, y = diabetes
    with pytest.raises(ValueError, match="1-D y"):
        plots.qq_plot(full_model, X, np.column_stack([y, y]), tmp_path / "q.png")


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_all_plots(fmt, full_model, diabetes, tmp_path):
    X, y = diabetes
    directory = tmp_path / "new" / "dir"
    written = plots.all_plots(full_model, X, y, directory, fmt=fmt)
    assert set(written) == set(plots.PLOT_NAMES) - {"loss_curve"}
    written = plots.all_plots(full_model, X, y, directory, history=synthetic_history(), fmt=fmt)
    assert set(written) == set(plots.PLOT_NAMES)
    for name, path in written.items():
        assert path == directory / f"{name}.{fmt}"
        assert_image(path)


def test_import_does_not_load_matplotlib():
    code = "import sys, linreg.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_all_plots_per_target_with_names(tmp_path):
    """Several targets: every plot per target, files and axes named by the target."""
    import pandas as pd

    from linreg import Lasso

    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.standard_normal((40, 3)), columns=["a", "b", "c"])
    Y = X.to_numpy() @ rng.standard_normal((3, 2)) + rng.standard_normal((40, 2))
    for model in (LinearRegression().fit(X, Y), Lasso(alpha=0.1).fit(X, Y)):
        written = plots.all_plots(model, X, Y, tmp_path, fmt="svg", target_name=["u", "v/w"])
        expected = {f"{p}_{t}" for p in plots.PLOT_NAMES if p != "loss_curve" for t in ("u", "v_w")}
        assert set(written) == expected
        assert "actual v/w" in written["predicted_vs_actual_v_w"].read_text()
        assert "actual u" in written["predicted_vs_actual_u"].read_text()
        assert "Fitted line: u against a" in written["fitted_line_u"].read_text()
    # A target's view predicts as the model fitted on that target alone.
    for t in range(2):
        alone = LinearRegression().fit(X, Y[:, t]).predict(X)
        view = plots.TargetView(LinearRegression().fit(X, Y), t)
        np.testing.assert_allclose(view.predict(X), alone, rtol=1e-12)


def test_axes_name_the_target_and_features(diabetes, full_model, tmp_path):
    """The target's axis says its name: a pandas y's name, or target_name; never "y"."""
    X, y = diabetes
    y = y.rename("disease progression")
    written = plots.all_plots(full_model, X, y, tmp_path, fmt="svg")
    assert "actual disease progression" in written["predicted_vs_actual"].read_text()
    assert "fitted disease progression" in written["residuals_vs_fitted"].read_text()
    line = written["fitted_line"].read_text()
    assert "Fitted line: disease progression against age" in line
    assert "age (others at their means)" in line
    named = plots.predicted_vs_actual(
        full_model, X, y.to_numpy(), tmp_path / "n.svg", target_name="progression"
    )
    assert "actual progression" in named.read_text()
    unnamed = plots.predicted_vs_actual(full_model, X, y.to_numpy(), tmp_path / "u.svg")
    assert "actual y" in unnamed.read_text()
