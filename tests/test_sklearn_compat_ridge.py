"""scikit-learn's parameter validation in RidgeCV and LinearRegression: the same error
types and messages as scikit-learn 1.9's own estimators raise for the same values."""

import numpy as np
import pytest
import sklearn.linear_model as sk

import linreg

rng = np.random.default_rng(0)
X = rng.normal(size=(8, 3))
y = rng.normal(size=8)


def raised(estimator):
    """The exception class and message that fitting ``estimator`` raises."""
    with pytest.raises(Exception) as info:
        estimator.fit(X, y)
    return type(info.value), str(info.value)


@pytest.mark.parametrize(
    "params",
    [
        dict(alphas=(1, -1, -100)),
        dict(alphas=(-0.1, -1.0, -10.0)),
        dict(alphas=(1, 1.0, "1")),
        dict(alphas=(0.0, 1.0, 10.0)),
        dict(alphas=(-1.0, 1.0), cv=3),
        dict(alphas=[0.0]),
        dict(alphas=-1.0),
        dict(gcv_mode="qr"),
        dict(scoring="no such scorer"),
        dict(fit_intercept="yes"),
        dict(store_cv_results=1),
        dict(cv="five"),
        dict(cv=3, store_cv_results=True),
        dict(cv=3, alpha_per_target=True),
    ],
)
def test_ridgecv_refuses_as_sklearn(params):
    ours = raised(linreg.RidgeCV(**params))
    theirs = raised(sk.RidgeCV(**params))
    assert ours[0] is theirs[0]
    assert ours[1] == theirs[1]


def test_ridgecv_accepts_what_sklearn_accepts():
    for params in (dict(alphas=1), dict(alphas=(1, 10, 100)), dict(alphas=[0.0, 1.0], cv=3)):
        alphas = params["alphas"]
        model = linreg.RidgeCV(**params).fit(X, y)
        assert model.alphas is alphas  # not mutated
        assert model.alpha_ == sk.RidgeCV(**params).fit(X, y).alpha_


@pytest.mark.parametrize("params", [dict(copy_X="no"), dict(n_jobs=1.5), dict(positive=2)])
def test_linear_regression_refuses_as_sklearn(params):
    ours = raised(linreg.LinearRegression(**params))
    theirs = raised(sk.LinearRegression(**params))
    assert ours[0] is theirs[0]
    assert ours[1] == theirs[1]


@pytest.mark.parametrize("copy_X", [True, False])
def test_linear_regression_copy_X_n_jobs(copy_X):
    """Accepted with scikit-learn's meaning; linreg leaves X, y and the weights as given."""
    Xc, yc, w = X.copy(), y.copy(), np.linspace(0.5, 2.0, 8)
    ours = linreg.LinearRegression(copy_X=copy_X, n_jobs=2).fit(Xc, yc, sample_weight=w)
    ref = sk.LinearRegression().fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(Xc, X)
    np.testing.assert_array_equal(yc, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    assert ours.get_params()["copy_X"] is copy_X
