"""Moments-only fits whose cross-products underflow warn instead of returning noise."""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import linreg


def _data():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 2))
    X = Z * [1e-160, 1e140] + [0, 3e140]
    y = (Z @ [1.0, 2.0] + rng.standard_normal(200)) * 1e-165
    return X, y


def test_streamed_fit_with_underflowing_moments_warns(tmp_path):
    X, y = _data()
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"a": X[:, 0], "b": X[:, 1], "y": y}), path)
    with pytest.warns(linreg.AccuracyWarning, match="underflowed"):
        model = linreg.LinearRegression().fit(linreg.scan(str(path), target="y", batch_size=50))
    assert model.solution_.status == "inaccurate"
    # In memory the same data is solved from X (exactly), with no warning; the reference
    # is numpy's lstsq on the rescaled (exactly, by powers of two) centred data.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        in_memory = linreg.LinearRegression().fit(X, y)
    scale = np.array([2.0**-531, 2.0**465])
    Xs, ys = X / scale, y / 2.0**-548
    ref = np.linalg.lstsq(Xs - Xs.mean(0), ys - ys.mean(), rcond=None)[0]
    np.testing.assert_allclose(in_memory.coef_ * scale / 2.0**-548, ref, rtol=1e-10)


def test_constant_target_is_not_an_underflow(tmp_path):
    """A constant y has zero centred norm without any underflow: no false alarm, in
    memory (the extended path once failed to converge to its exact zero slopes) or
    from the Moments alone; the exact slopes are 0 and the intercept is the constant."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 2))
    y = np.full(50, 5.0)
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"a": X[:, 0], "b": X[:, 1], "y": y}), path)
    for data in ((X, y), (linreg.scan(str(path), target="y", batch_size=20),)):
        for weights in (None, rng.random(50)) if len(data) == 2 else (None,):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                model = linreg.LinearRegression().fit(*data, sample_weight=weights)
            np.testing.assert_allclose(model.coef_, 0.0, atol=1e-14)
            assert model.intercept_ == pytest.approx(5.0, rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = linreg.LinearRegression(fit_intercept=False).fit(X, np.zeros(50))
    np.testing.assert_array_equal(model.coef_, 0.0)
