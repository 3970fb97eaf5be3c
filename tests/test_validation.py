"""Bad input gets a clear error naming what is wrong and where."""

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest

import linreg
from linreg import LinearRegression, RankDeficientWarning, Ridge


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.standard_normal((30, 3)), columns=["age", "income", "score"])


@pytest.mark.parametrize(
    "value, kind", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")]
)
def test_nonfinite_x_names_column_and_row(frame, value, kind):
    frame.loc[17, "income"] = value
    frame.loc[21, "age"] = value
    with pytest.raises(
        ValueError, match=rf"X contains {kind} in column 'income' \(index 1\), first at row 17"
    ):
        LinearRegression().fit(frame, np.ones(30))


@pytest.mark.parametrize("solver", ["qr", "svd", "extended", "cholesky"])
def test_nonfinite_x_is_caught_on_every_solver(solver):
    X = np.random.default_rng(1).standard_normal((20, 2))
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"column 1, first at row 4"):
        LinearRegression(solver=solver).fit(X, np.ones(20))


def test_nonfinite_y_and_weights_name_the_row():
    X = np.random.default_rng(2).standard_normal((10, 2))
    y = np.ones(10)
    y[6] = np.nan
    with pytest.raises(ValueError, match=r"y contains NaN in row 6"):
        LinearRegression().fit(X, y)
    w = np.ones(10)
    w[3] = np.inf
    with pytest.raises(ValueError, match=r"sample_weight contains infinity in row 3"):
        LinearRegression().fit(X, np.ones(10), sample_weight=w)


def test_huge_finite_values_are_reported_not_returned_as_nan():
    X = np.random.default_rng(3).standard_normal((10, 2))
    X[:, 1] *= 1e200
    with pytest.raises(ValueError, match=r"too large.*column 1"):
        LinearRegression().fit(X, np.ones(10))


def test_predict_checks_finiteness(frame):
    model = LinearRegression().fit(frame, np.arange(30.0))
    frame.loc[2, "score"] = np.nan
    with pytest.raises(ValueError, match=r"column 'score' \(index 2\), first at row 2"):
        model.predict(frame)


def test_weights_errors():
    X = np.random.default_rng(4).standard_normal((10, 2))
    y = np.ones(10)
    with pytest.raises(ValueError, match="Negative values"):
        LinearRegression().fit(X, y, sample_weight=-np.ones(10))
    with pytest.raises(ValueError, match="sums to zero"):
        LinearRegression().fit(X, y, sample_weight=np.zeros(10))
    with pytest.raises(ValueError, match="sample_weight"):
        LinearRegression().fit(X, y, sample_weight=np.ones(7))


def test_shape_errors():
    X = np.random.default_rng(5).standard_normal((10, 2))
    with pytest.raises(ValueError, match="X has 10, y has 9"):
        LinearRegression().fit(X, np.ones(9))
    with pytest.raises(ValueError, match="0 sample"):
        LinearRegression().fit(np.empty((0, 2)), np.empty(0))
    with pytest.raises(ValueError, match="requires y"):
        LinearRegression().fit(X, None)


def test_non_numeric_columns_are_named(frame):
    frame["city"] = ["Oslo", "Lima"] * 15
    with pytest.raises(ValueError, match=r"column 'city' is not numeric"):
        LinearRegression().fit(frame, np.ones(30))
    with pytest.raises(ValueError, match=r"column 'city' is not numeric"):
        LinearRegression().fit(pl.from_pandas(frame), np.ones(30))
    with pytest.raises(ValueError, match=r"column 1 is not numeric"):
        LinearRegression().fit(np.array([[1, "a"], [2, "b"], [3, "c"]], dtype=object), [1, 2, 3])


def test_unknown_options():
    X = np.random.default_rng(6).standard_normal((10, 2))
    with pytest.raises(ValueError, match="'solver' parameter of LinearRegression must be a str"):
        LinearRegression(solver="magic").fit(X, np.ones(10))
    with pytest.raises(ValueError, match=r"'alpha' parameter of Ridge must be .* \[0.0, inf\)"):
        Ridge(alpha=-1.0).fit(X, np.ones(10))  # scikit-learn's InvalidParameterError
    with pytest.raises(ValueError, match="alpha must be finite and non-negative"):
        Ridge(alpha=[-1.0]).fit(X, np.ones(10))


def test_underdetermined_warns_and_gives_minimum_norm():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3, 5))
    y = rng.standard_normal(3)
    with pytest.warns(RankDeficientWarning, match=r"n_samples \(3\).*minimum-norm"):
        model = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(model.coef_, np.linalg.pinv(X) @ y, rtol=1e-10)
    assert model.rank_ == 3


def test_import_is_light():
    """`import linreg` must not import torch, dask or matplotlib."""
    code = (
        "import sys, linreg; heavy = [m for m in ('torch', 'dask', 'matplotlib') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert linreg.__version__
