"""Merged and subtracted Moments keep their digits under large offsets: the means'
rounding (ulp(1e9) ~ 1e-7) must not enter the cross-products at every merge."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from linreg.moments import Moments


def _exact_cross(Z):
    n, d = Z.shape
    F = [[Fraction(v) for v in row] for row in Z]
    mean = [sum(F[i][j] for i in range(n)) / n for j in range(d)]
    return np.array(
        [
            [
                float(sum((F[i][a] - mean[a]) * (F[i][b] - mean[b]) for i in range(n)))
                for b in range(d)
            ]
            for a in range(d)
        ]
    )


@pytest.mark.parametrize("batch", [1, 7, 37])
def test_merge_of_small_batches_under_offsets(batch):
    rng = np.random.default_rng(batch)
    X = rng.standard_normal((150, 3)) + [1e9, -3e8, 5e7]
    y = X @ [2.0, -1.0, 0.5] + rng.standard_normal(150)
    total = Moments.empty(3, 1)
    for start in range(0, 150, batch):
        total = total.merge(Moments.of_chunk(X[start : start + batch], y[start : start + batch]))
    exact = _exact_cross(np.column_stack([X, y]))
    scale = np.sqrt(np.outer(np.diag(exact), np.diag(exact)))
    assert np.max(np.abs(total.cross - exact) / scale) < 1e-13


def test_subtract_under_offsets():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((120, 2)) + [1e9, 2e8]
    y = rng.standard_normal(120) + 5e8
    whole = Moments.of_chunk(X, y)
    fold = Moments.of_chunk(X[:30], y[:30])
    rest = whole.subtract(fold)
    exact = _exact_cross(np.column_stack([X[30:], y[30:]]))
    scale = np.sqrt(np.outer(np.diag(exact), np.diag(exact)))
    assert np.max(np.abs(rest.cross - exact) / scale) < 1e-12
    exact_mean = [
        float(sum(Fraction(v) for v in col) / 90) for col in np.column_stack([X[30:], y[30:]]).T
    ]
    np.testing.assert_array_equal(rest.mean, exact_mean)
