"""RidgeCV's final fit is the certified ridge solve at alpha_ (a Solution with its bound)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge as SkRidge

import linreg


@pytest.mark.parametrize("cv", [None, 5])
@pytest.mark.parametrize("shape", [(80, 5), (12, 30)])
def test_final_fit_is_a_certified_solution(cv, shape):
    rng = np.random.default_rng(3)
    X = rng.standard_normal(shape) * np.logspace(-3, 3, shape[1]) + 1e4
    y = X @ rng.standard_normal(shape[1]) + rng.standard_normal(shape[0])
    w = rng.uniform(0.5, 2.0, shape[0])
    model = linreg.RidgeCV(alphas=[1e-3, 1.0, 1e3], cv=cv).fit(X, y, sample_weight=w)
    assert isinstance(model.solution_, linreg.Solution)
    assert model.solution_.status == "ok" and model.solution_.error_estimate <= 1e-6
    ref = SkRidge(alpha=model.alpha_, solver="svd").fit(X, y, sample_weight=w)
    np.testing.assert_allclose(
        model.coef_, ref.coef_, rtol=1e-7, atol=1e-9 * np.abs(ref.coef_).max()
    )
    assert model.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)
