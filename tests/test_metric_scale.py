"""Held-out and cross-validated R^2, RMSE and MAE are scale-equivariant: a target scaled
by 10^k (k from -300 to 200) gives the same R^2 and RMSE/MAE scaled by 10^k, the
reference being the same figures computed directly in NumPy on the unscaled data."""

from __future__ import annotations

import numpy as np
import pytest

from linreg.cli.metrics import MetricSums, metrics_from_sums
from linreg.cross_validation import figures, residual_sums


def _data(seed=0, n=40, p=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + 0.5 * rng.normal(size=n) + 3.0
    b, *_ = np.linalg.lstsq(np.column_stack([np.ones(n), X]), y, rcond=None)
    return X, y, b[1:], b[0]


@pytest.mark.parametrize("k", [-300, -160, -30, 0, 30, 150, 200])
def test_metrics_scale_with_the_target(k):
    X, y, coef, intercept = _data()
    r = y - X @ coef - intercept
    reference = (
        1 - r @ r / ((y - y.mean()) @ (y - y.mean())),
        np.sqrt(r @ r / len(y)),
        np.abs(r).mean(),
    )
    s = 10.0**k
    sums = MetricSums(coef * s, intercept * s, y.mean() * s)
    # Two chunks add to the whole.
    m = metrics_from_sums(sums(X[:13], y[:13] * s, None) + sums(X[13:], y[13:] * s, None))
    assert m["r2"] == pytest.approx(reference[0], rel=1e-12)
    assert m["rmse"] == pytest.approx(reference[1] * s, rel=1e-12)
    assert m["mae"] == pytest.approx(reference[2] * s, rel=1e-12)


def test_constant_target_has_undefined_r2_and_zero_error():
    X = np.arange(10.0).reshape(-1, 1)
    y = np.full(10, 2.5)
    r2, rmse, mae = figures(residual_sums(X, y, None, np.zeros((1, 1)), 2.5, 2.5))
    assert np.isnan(r2[0]) and rmse[0] == 0 and mae[0] == 0


def test_no_weight_gives_nan():
    X = np.ones((3, 1))
    r2, rmse, mae = figures(residual_sums(X, np.ones(3), np.zeros(3), np.zeros((1, 1)), 0, 1))
    assert np.isnan(rmse[0]) and np.isnan(mae[0]) and np.isnan(r2[0])
