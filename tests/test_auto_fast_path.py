"""solver="auto" keeps the one-pass Cholesky answer on well-conditioned data, also when
the true intercept is ~0 (its error is measured against max(|c|, sd(y)), not |c|)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import linreg


def test_near_zero_intercept_stays_on_the_fast_path():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6000, 60))  # n*p = 360,000 > the extended path's 250,000
    y = X @ rng.standard_normal(60) + rng.standard_normal(6000)  # true intercept 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = linreg.LinearRegression().fit(X, y)
    assert model.solver_ == "cholesky"
    ref = np.linalg.lstsq(np.column_stack([np.ones(6000), X]), y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ref[1:], rtol=1e-10, atol=1e-12)
    assert abs(model.intercept_ - ref[0]) <= 1e-10 * np.std(y)


@pytest.mark.parametrize("solver", ["auto", "qr", "cholesky", "svd", "eigh", "extended"])
def test_subnormal_coefficients_warn(solver):
    """Coefficients ~1e-319 are held by float64 only to ~1e-5 relative: every solver
    warns (the reference: lstsq on the unscaled data, scaled exactly by powers of two)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    y = X @ [1.0, 3.0] + 0.1 * rng.standard_normal(50)
    ref = np.linalg.lstsq(np.column_stack([np.ones(50), X]), y, rcond=None)[0][1:]
    with pytest.warns(linreg.AccuracyWarning):
        model = linreg.LinearRegression(solver=solver).fit(X * 2.0**500, y * 2.0**-560)
    got = model.coef_ * 2.0**530 * 2.0**530
    error = np.abs(got / ref - 1).max()
    assert 1e-6 < error <= 2 * model.solution_.error_estimate or error <= 1e-6
