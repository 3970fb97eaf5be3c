"""ElasticNetCV / LassoCV ``mse_path_`` accurate at EVERY (alpha, fold) at default
settings, not only near the minimum (the third, "polish", stage of the default CV).

References: scikit-learn's LassoCV / ElasticNetCV at ``tol=1e-12``, ``max_iter=10**6``
(same folds, same grid), and the dense-vs-sparse invariance of scikit-learn's own
``test_path_parameters``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

import linreg

#: target: every entry within this fraction of its fold's null MSE (the first alpha's)
NULL_RTOL = 1e-6


def _sparse_test_data():
    """scikit-learn's make_sparse_data (test_sparse_coordinate_descent.py): 100 x 100,
    half the entries zero, 10 informative features, no noise."""
    rs = np.random.RandomState(42)
    w = rs.randn(100)
    w[10:] = 0.0
    X = rs.randn(100, 100)
    X[rs.uniform(size=X.shape) > 0.5] = 0.0
    return X, X @ w


def _reference(est, X, y, sample_weight=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(sk, est)(tol=1e-12, max_iter=10**6, **kw).fit(
            X, y, sample_weight=sample_weight
        )


def _null_relative_error(ours, ref):
    """Largest |ours - ref| over the path, relative to each fold's null MSE."""
    return float(np.max(np.abs(ours - ref) / ref[..., :1, :]))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from([(40, 8), (60, 25), (30, 45)]),
    fit_intercept=st.booleans(),
    weighted=st.booleans(),
    sparse_X=st.booleans(),
    enet=st.booleans(),
    seed=st.integers(0, 2**16),
)
# found by this test: sparse wide folds where the sparse kernel stopped at max_iter at
# tiny alphas (1.3% off, warned); the third stage now runs such small folds dense
@example(shape=(30, 45), fit_intercept=False, weighted=False, sparse_X=True, enet=False, seed=68)
def test_every_mse_path_entry_matches_a_tight_sklearn(
    shape, fit_intercept, weighted, sparse_X, enet, seed
):
    rs = np.random.RandomState(seed)
    n, p = shape
    X = rs.randn(n, p)
    X[rs.uniform(size=X.shape) < 0.3] = 0.0
    y = X[:, :5] @ rs.randn(5) + 0.3 * rs.randn(n)
    w = rs.uniform(0.5, 2.0, n) if weighted else None
    Xin = sp.csr_matrix(X) if sparse_X else X
    est = "ElasticNetCV" if enet else "LassoCV"
    kw = dict(alphas=20, fit_intercept=fit_intercept, cv=4)
    if enet:
        kw["l1_ratio"] = 0.7
    ref = _reference(est, Xin, y, w, **kw)
    ours = getattr(linreg, est)(**kw).fit(Xin, y, sample_weight=w)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    assert _null_relative_error(ours.mse_path_, ref.mse_path_) <= NULL_RTOL
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)


@pytest.mark.parametrize("max_iter", [50, None])
def test_sklearn_path_parameters_dense_equals_sparse(max_iter):
    """scikit-learn's test_path_parameters: dense and sparse mse_path_ equal to 1e-7
    (there, before the third stage: 5e-3 apart), and each matching a tight reference."""
    X, y = _sparse_test_data()
    kw = dict(alphas=10, eps=1e-3, l1_ratio=0.5, fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=50: the refit
        dense = linreg.ElasticNetCV(max_iter=max_iter, **kw).fit(X, y).mse_path_
        sparse = linreg.ElasticNetCV(max_iter=max_iter, **kw).fit(sp.csc_matrix(X), y).mse_path_
    np.testing.assert_array_almost_equal(dense, sparse, decimal=7)
    ref = _reference("ElasticNetCV", X, y, **kw).mse_path_
    assert _null_relative_error(dense, ref) <= NULL_RTOL
    assert _null_relative_error(sparse, ref) <= NULL_RTOL


def test_points_short_of_max_iter_are_named_in_a_warning():
    X, y = _sparse_test_data()
    with pytest.warns(ConvergenceWarning, match=r"mse_path_ may be inaccurate at \d+ of 50"):
        linreg.ElasticNetCV(alphas=10, l1_ratio=0.5, fit_intercept=False, max_iter=3).fit(
            sp.csc_matrix(X), y
        )


def test_the_choice_is_that_of_the_tight_reference():
    """alpha_ and coef_ unchanged by the third stage: scikitlearn's at tol=1e-12."""
    X, y = _sparse_test_data()
    kw = dict(alphas=10, eps=1e-3, l1_ratio=0.5, fit_intercept=False)
    ours = linreg.ElasticNetCV(**kw).fit(X, y)
    ref = _reference("ElasticNetCV", X, y, **kw)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
