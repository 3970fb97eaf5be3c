"""Absorbed effects at the edges (found by a CLI sweep over awkward files): tiny
regressors are estimated, not dropped; a fit whose effects use every degree of freedom
gives NaN standard errors; what a stream cannot read exactly is refused naming it."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import linreg


def _dummies_fit(X, y, g):
    """Least squares on [X, dummies of g] (numpy lstsq on the scaled design)."""
    D = (g[:, None] == np.unique(g)[None, :]).astype(float)
    scale = np.abs(X).max(axis=0)
    coef, *_ = np.linalg.lstsq(np.column_stack([X / scale, D]), y, rcond=None)
    return coef[: X.shape[1]] / scale


@pytest.mark.parametrize("streamed", [False, True])
def test_tiny_regressor_is_estimated_not_dropped(tmp_path, streamed):
    rng = np.random.default_rng(0)
    n = 300
    g = rng.integers(0, 20, n)
    df = pd.DataFrame({"g": g, "x1": rng.normal(size=n), "t": rng.normal(size=n) * 1e-200})
    df["y"] = 3e199 * df.t + df.x1 + rng.normal(size=20)[g] + 0.1 * rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the streamed Moments warn of the underflow
        if streamed:
            df.to_parquet(tmp_path / "t.parquet")
            src = linreg.scan(str(tmp_path / "t.parquet"), "y", features=["x1", "t"])
            model = linreg.LinearRegression().fit(src, absorb=["g"])
        else:
            model = linreg.LinearRegression().fit(df[["x1", "t"]], df.y, absorb=df[["g"]])
    assert model.absorbed_.collinear == []
    expected = _dummies_fit(df[["x1", "t"]].to_numpy(), df.y.to_numpy(), g)
    assert_allclose(model.coef_, expected, rtol=1e-8)


def test_no_residual_degrees_of_freedom_gives_nan():
    X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0]])
    y = np.array([1.0, 2.0, 4.0, 3.0])
    model = linreg.LinearRegression().fit(X, y, absorb=np.array([0, 0, 1, 1]))
    for kwds in ({}, {"cov_type": "HC1"}, {"cov_type": "cluster"}):
        s = model.summary(**kwds)
        assert s.df_resid == 0 and np.isnan(s.bse).all() and np.isnan(s.fvalue)
        assert any("2 absorbed effects" in note for note in s.notes)


def _stream(path, **kwargs):
    return linreg.LinearRegression().fit(linreg.scan(str(path), "y", **kwargs), absorb=["firm"])


def test_stream_refusals(tmp_path):
    big = tmp_path / "big.csv"
    big.write_text(
        "firm,x1,y\n"
        + "".join(f"{2**60 + k % 3},{k * 0.5},{k % 5}\n" for k in range(12))
    )
    with pytest.raises(ValueError, match="2\\*\\*53"):
        _stream(big, features=["x1"])
    weights = tmp_path / "w.csv"
    weights.write_text("firm,x1,y,w\n1,1,2,1\n1,2,3,1\n2,3,1,-1\n2,4,2,1\n")
    with pytest.raises(ValueError, match="weights hold a negative"):
        _stream(weights, features=["x1"], weights="w")
    missing = tmp_path / "m.csv"
    missing.write_text("firm,x1,y\n1,1,2\n1,,3\n2,3,1\n2,4,2\n")
    with pytest.raises(ValueError, match="column 'x1'"):
        _stream(missing, features=["x1"])


def test_cli_drop_missing_of_every_row(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("x1,e,x2,y\n1,,2,3\n2,,3,4\n")
    run = subprocess.run(
        [sys.executable, "-m", "linreg.cli", "fit", str(path), "--formula", "y ~ x2 | x1 + e",
         "--drop-missing"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "no rows left" in run.stderr and "Traceback" not in run.stderr
