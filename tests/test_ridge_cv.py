"""RidgeCV against scikit-learn's RidgeCV, brute-force refits and the estimator checks."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge as SkRidge
from sklearn.linear_model import RidgeCV as SkRidgeCV
from sklearn.model_selection import KFold

import linreg
from linreg import ridge_cv
from linreg.ridge_cv import RidgeCV

ALPHAS = np.logspace(-2, 3, 25)


def make_data(n, p, k=None, weights=False, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset
    shape = (p,) if k is None else (p, k)
    coef = rng.standard_normal(shape) * np.sqrt(5.0 / p)
    noise = rng.standard_normal((n,) if k is None else (n, k))
    y = X @ coef + 1.5 + 2.0 * noise
    w = rng.uniform(0.2, 3.0, n) if weights else None
    return X, y, w


def assert_same_as_sklearn(ours, ref, rtol=1e-8):
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=rtol)
    scale = np.max(np.abs(ref.coef_))
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=rtol * scale)
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert np.shape(ours.alpha_) == np.shape(ref.alpha_)
    assert np.shape(ours.best_score_) == np.shape(ref.best_score_)


CASES = {
    "tall": dict(n=300, p=12),
    "tall-weights": dict(n=300, p=12, weights=True),
    "tall-targets": dict(n=300, p=12, k=3),
    "tall-one-column-y": dict(n=300, p=12, k=1),
    "tall-no-intercept": dict(n=300, p=12, fit_intercept=False, weights=True),
    "tall-per-target": dict(n=300, p=12, k=3, weights=True, alpha_per_target=True),
    "tall-kfold": dict(n=300, p=12, cv=5),
    "tall-kfold-weights": dict(n=300, p=12, cv=5, weights=True, k=2),
    "tall-kfold-splitter": dict(n=300, p=12, cv=KFold(4, shuffle=True, random_state=0)),
    "tall-kfold-no-intercept": dict(n=300, p=12, cv=3, fit_intercept=False),
    "tall-scoring": dict(n=300, p=12, scoring="neg_mean_absolute_error", weights=True),
    "tall-kfold-scoring": dict(n=300, p=12, cv=4, scoring="neg_mean_absolute_error", k=2),
    "wide": dict(n=40, p=90),
    "wide-weights": dict(n=40, p=90, weights=True),
    "wide-targets": dict(n=40, p=90, k=3, alpha_per_target=True),
    "wide-no-intercept": dict(n=40, p=90, fit_intercept=False),
    "wide-kfold": dict(n=40, p=90, cv=5, weights=True),
    "wide-kfold-no-intercept": dict(n=40, p=90, cv=5, fit_intercept=False),
    "square-svd": dict(n=60, p=60, gcv_mode="svd"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_sklearn(case):
    spec = dict(CASES[case])
    data = {key: spec.pop(key) for key in ("n", "p", "k", "weights") if key in spec}
    X, y, w = make_data(data["n"], data["p"], data.get("k"), data.get("weights", False))
    ours = RidgeCV(ALPHAS, **spec).fit(X, y, sample_weight=w)
    ref = SkRidgeCV(ALPHAS, **spec).fit(X, y, sample_weight=w)
    assert_same_as_sklearn(ours, ref)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("k", [None, 2])
@pytest.mark.parametrize("shape", [(200, 8), (30, 50)])
@pytest.mark.parametrize("scoring", [None, "r2"])
def test_cv_results_match_sklearn(shape, k, scoring):
    X, y, w = make_data(*shape, k=k, weights=True, seed=3)
    ours = RidgeCV(ALPHAS, store_cv_results=True, scoring=scoring).fit(X, y, sample_weight=w)
    ref = SkRidgeCV(ALPHAS, store_cv_results=True, scoring=scoring).fit(X, y, sample_weight=w)
    assert ours.cv_results_.shape == ref.cv_results_.shape
    scale = np.max(np.abs(ref.cv_results_))
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-8, atol=1e-10 * scale)


def test_alphas_in_given_order_and_scalar():
    X, y, _ = make_data(100, 5, seed=4)
    order = [10.0, 0.01, 1.0, 100.0]
    assert_same_as_sklearn(RidgeCV(order).fit(X, y), SkRidgeCV(order).fit(X, y))
    assert_same_as_sklearn(RidgeCV(0.5).fit(X, y), SkRidgeCV(0.5).fit(X, y))
    np.testing.assert_array_equal(RidgeCV(order).fit(X, y).alphas_, order)


def brute_force_loo(X, y, w, alpha):
    """Weighted squared LOO errors ``w_i (y_i - yhat_{-i})^2`` from n separate fits."""
    n = len(y)
    out = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        model = SkRidge(alpha=alpha, solver="cholesky").fit(X[keep], y[keep], w[keep])
        out[i] = w[i] * (y[i] - model.predict(X[i : i + 1])[0]) ** 2
    return out


@pytest.mark.parametrize("shape", [(40, 6), (15, 30)])
def test_loo_errors_equal_refits(shape):
    X, y, w = make_data(*shape, weights=True, seed=5)
    alphas = np.array([0.05, 1.0, 30.0])
    model = RidgeCV(alphas, store_cv_results=True).fit(X, y, sample_weight=w)
    for a, alpha in enumerate(alphas):
        np.testing.assert_allclose(
            model.cv_results_[:, a], brute_force_loo(X, y, w, alpha), rtol=1e-9, atol=1e-12
        )
    mse = model.cv_results_.mean(axis=0)
    np.testing.assert_allclose(model.cv_mse_, mse, rtol=1e-12)
    se = model.cv_results_.std(axis=0, ddof=1) / np.sqrt(len(y))
    np.testing.assert_allclose(model.cv_mse_std_err_, se, rtol=1e-8)
    assert model.alpha_ == alphas[np.argmin(mse)]


@pytest.mark.parametrize("shape", [(120, 7), (30, 45)])
def test_kfold_errors_equal_refits(shape):
    X, y, w = make_data(*shape, weights=True, seed=6)
    alphas = np.array([0.1, 3.0, 50.0])
    model = RidgeCV(alphas, cv=KFold(4)).fit(X, y, sample_weight=w)
    assert model.mse_path_.shape == (3, 4)
    for f, (train, test) in enumerate(KFold(4).split(X)):
        for a, alpha in enumerate(alphas):
            fit = SkRidge(alpha=alpha).fit(X[train], y[train], w[train])
            err = y[test] - fit.predict(X[test])
            expected = np.sum(w[test] * err**2) / len(test)
            np.testing.assert_allclose(model.mse_path_[a, f], expected, rtol=1e-8)
    np.testing.assert_allclose(model.cv_mse_, model.mse_path_.mean(axis=1))


def test_coef_path_equals_ridge_fits():
    X, y, _ = make_data(80, 6, k=2, seed=7)
    alphas = np.array([0.1, 2.0, 40.0])
    model = RidgeCV(alphas).fit(X, y)
    assert model.coef_path_.shape == (2, 6, 3)
    for a, alpha in enumerate(alphas):
        expected = SkRidge(alpha=alpha).fit(X, y).coef_
        np.testing.assert_allclose(model.coef_path_[:, :, a], expected, rtol=1e-9)


def test_chunking_does_not_change_the_answer(monkeypatch):
    X, y, w = make_data(500, 9, k=2, weights=True, seed=8)
    whole = RidgeCV(ALPHAS, store_cv_results=True).fit(X, y, sample_weight=w)
    monkeypatch.setattr(ridge_cv, "CHUNK_ENTRIES", 64)  # 64-row chunks
    chunked = RidgeCV(ALPHAS, store_cv_results=True).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(chunked.cv_results_, whole.cv_results_, rtol=1e-10)
    np.testing.assert_allclose(chunked.cv_mse_, whole.cv_mse_, rtol=1e-12)


def test_dataframe_feature_names_and_export():
    pd = pytest.importorskip("pandas")
    X, y, _ = make_data(50, 3, seed=9)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = linreg.RidgeCV().fit(frame, y)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    assert "RidgeCV" in linreg.__all__


@pytest.mark.parametrize(
    "params, message",
    [
        # scikit-learn's own checks and messages (check_scalar, _validate_params)
        (dict(alphas=[1.0, 0.0]), r"alphas\[1\] == 0.0, must be > 0.0"),
        (dict(alphas=[-1.0], cv=3), r"alphas == -1.0, must be >= 0.0"),
        (dict(alphas=[1.0, np.inf]), r"alphas\[1\] == inf, must be finite and > 0"),
        (dict(alphas=[]), "alphas is empty"),
        (dict(cv=3, store_cv_results=True), "store_cv_results=True are incompatible"),
        (dict(cv=3, alpha_per_target=True), "alpha_per_target=True are incompatible"),
        (dict(gcv_mode="qr"), "The 'gcv_mode' parameter of RidgeCV must be"),
    ],
)
def test_bad_parameters(params, message):
    X, y, _ = make_data(30, 3)
    with pytest.raises(ValueError, match=message):
        RidgeCV(**params).fit(X, y)


def test_nan_is_named():
    X, y, _ = make_data(30, 3)
    X[4, 2] = np.nan
    with pytest.raises(ValueError, match="column 2, first at row 4"):
        RidgeCV().fit(X, y)


def test_zero_alpha_allowed_with_folds():
    X, y, _ = make_data(100, 4, seed=10)
    alphas = [0.0, 1.0, 10.0]
    assert_same_as_sklearn(RidgeCV(alphas, cv=5).fit(X, y), SkRidgeCV(alphas, cv=5).fit(X, y))


