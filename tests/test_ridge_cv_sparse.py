"""RidgeCV on scipy.sparse X: equal to scikit-learn's RidgeCV, to linreg's dense RidgeCV,
and (leave-one-out) to the brute-force refit without each row."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk

import linreg
import linreg.ridge_cv as ridge_cv

ALPHAS = [1e-3, 0.1, 1.0, 10.0, 1e3]
FORMATS = [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array]


def make_sparse(n, p, k=1, density=0.3, offset=0.0, seed=0):
    """Sparse-patterned X (an optional dense offset column 0) and a linear y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * (rng.random((n, p)) < density)
    X[:, 0] += offset
    Y = X @ rng.normal(size=(p, k)) + rng.normal(size=(n, k)) + 3.0
    return X, (Y[:, 0] if k == 1 else Y)


def weights(n, seed=1):
    return np.random.default_rng(seed).uniform(0.5, 2.0, n)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", [(40, 6), (12, 30)], ids=["tall", "wide"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_loo_equals_sklearn_and_dense(fmt, shape, fit_intercept, weighted):
    X, y = make_sparse(*shape, k=2)
    w = weights(len(X)) if weighted else None
    kw = dict(alphas=ALPHAS, fit_intercept=fit_intercept, store_cv_results=True)
    ours = linreg.RidgeCV(**kw).fit(fmt(X), y, sample_weight=w)
    dense = linreg.RidgeCV(**kw).fit(X, y, sample_weight=w)
    ref = sk.RidgeCV(**kw).fit(X, y, sample_weight=w)
    assert ours.alpha_ == ref.alpha_ == dense.alpha_
    for other in (ref, dense):  # the fit at alpha_: sparse Moments vs X in memory
        np.testing.assert_allclose(ours.coef_, other.coef_, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ours.intercept_, other.intercept_, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ours.cv_results_, other.cv_results_, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(ours.best_score_, other.best_score_, rtol=1e-9)
    np.testing.assert_allclose(ours.predict(fmt(X)), ref.predict(X), rtol=1e-9)


@pytest.mark.parametrize("shape", [(30, 5), (8, 15)], ids=["tall", "wide"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_loo_equals_brute_force_refits(shape, fit_intercept):
    """cv_results_ (w_i * squared LOO error, scikit-learn's) against n refits of
    scikit-learn's Ridge without row i, for every alpha."""
    X, y = make_sparse(*shape, seed=3)
    w = weights(len(X), seed=4)
    model = linreg.RidgeCV(alphas=ALPHAS, fit_intercept=fit_intercept, store_cv_results=True)
    model.fit(sp.csr_matrix(X), y, sample_weight=w)
    expected = np.empty((len(X), len(ALPHAS)))
    for a, alpha in enumerate(ALPHAS):
        for i in range(len(X)):
            keep = np.arange(len(X)) != i
            fit = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd")
            fit.fit(X[keep], y[keep], sample_weight=w[keep])
            expected[i, a] = w[i] * (y[i] - fit.predict(X[i : i + 1])[0]) ** 2
    np.testing.assert_allclose(model.cv_results_, expected, rtol=1e-8, atol=1e-13)
    assert model.alpha_ == ALPHAS[int(np.argmin(expected.mean(axis=0)))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_sparse_equals_dense(dtype):
    X, y = make_sparse(30, 8, seed=5)
    Xs = sp.csr_matrix(X.astype(dtype))
    ours = linreg.RidgeCV(alphas=ALPHAS).fit(Xs, y.astype(dtype))
    dense = linreg.RidgeCV(alphas=ALPHAS).fit(X.astype(dtype), y.astype(dtype))
    assert ours.coef_.dtype == dense.coef_.dtype == dtype
    assert ours.alpha_ == dense.alpha_
    np.testing.assert_allclose(ours.coef_, dense.coef_, rtol=1e-6 if dtype == np.float32 else 1e-11)
    assert ours.predict(Xs).dtype == dense.predict(X.astype(dtype)).dtype


@pytest.mark.parametrize("shape", [(40, 6), (12, 30)], ids=["tall", "wide"])
def test_alpha_per_target_and_scoring(shape):
    X, Y = make_sparse(*shape, k=3, seed=6)
    w = weights(len(X), seed=7)
    for kw in (
        dict(alpha_per_target=True),
        dict(scoring="neg_mean_absolute_error", store_cv_results=True),
    ):
        ours = linreg.RidgeCV(alphas=ALPHAS, **kw).fit(sp.csr_matrix(X), Y, sample_weight=w)
        ref = sk.RidgeCV(alphas=ALPHAS, **kw).fit(X, Y, sample_weight=w)
        np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9)
        np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-9)
        if "store_cv_results" in kw:
            np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-9)


@pytest.mark.parametrize("shape", [(60, 6), (20, 30)], ids=["moments", "kernel"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_k_fold_equals_sklearn_dense(shape, fit_intercept):
    """cv=k: scikit-learn's grid search over its exact Ridge on dense X."""
    X, y = make_sparse(*shape, seed=8)
    w = weights(len(X), seed=9)
    for cv, scoring in ((4, None), (5, "neg_mean_squared_error")):
        kw = dict(alphas=ALPHAS, cv=cv, scoring=scoring, fit_intercept=fit_intercept)
        ours = linreg.RidgeCV(**kw).fit(sp.csc_matrix(X), y, sample_weight=w)
        ref = sk.RidgeCV(**kw).fit(X, y, sample_weight=w)
        dense = linreg.RidgeCV(**kw).fit(X, y, sample_weight=w)
        assert ours.alpha_ == ref.alpha_
        np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-9)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9)
        np.testing.assert_allclose(ours.mse_path_, dense.mse_path_, rtol=1e-9)


@pytest.mark.parametrize("shape", [(40, 6), (12, 30)], ids=["tall", "wide"])
def test_offset_columns_centred_explicitly(shape):
    """A dense column of offset 1e6 (centred explicitly, not by x'v - m'v): LOO equal
    to the dense fit's, which centres X itself."""
    X, y = make_sparse(*shape, offset=1e6, seed=10)
    X[:, 0] += np.random.default_rng(11).normal(size=len(X))  # spread 1 under 1e6
    kw = dict(alphas=ALPHAS, store_cv_results=True)
    ours = linreg.RidgeCV(**kw).fit(sp.csr_matrix(X), y)
    dense = linreg.RidgeCV(**kw).fit(X, y)
    assert ours.alpha_ == dense.alpha_
    scale = np.abs(dense.cv_results_).max()
    np.testing.assert_allclose(ours.cv_results_, dense.cv_results_, rtol=1e-8, atol=1e-12 * scale)
    np.testing.assert_allclose(ours.coef_, dense.coef_, rtol=1e-8)
    centred = ridge_cv._SparseCentred(sp.csr_matrix(X), X.mean(axis=0))
    assert list(centred.dense_cols) == [0]


def test_final_fit_equals_ridge():
    X, y = make_sparse(40, 6, seed=12)
    w = weights(40, seed=13)
    model = linreg.RidgeCV(alphas=ALPHAS).fit(sp.csr_matrix(X), y, sample_weight=w)
    ridge = linreg.Ridge(alpha=model.alpha_).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_, ridge.intercept_, rtol=1e-12)


@pytest.mark.parametrize("shape", [(40, 6), (12, 30)], ids=["tall", "wide"])
@pytest.mark.parametrize("k", [1, 2])
def test_final_fit_equals_sparse_ridge(shape, k):
    """The fit at alpha_ is Ridge(alpha_) on the same sparse X: the same solve for
    n > p, the kernel's dual solve (within both bounds) for n <= p."""
    X, y = make_sparse(*shape, k=k, seed=18)
    w = weights(len(X), seed=19)
    Xs = sp.csr_matrix(X)
    model = linreg.RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(Xs, y, sample_weight=w)
    ridge = linreg.Ridge(alpha=model.alpha_).fit(Xs, y, sample_weight=w)
    rtol = 0 if shape[0] > shape[1] else 1e-10
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(model.intercept_, ridge.intercept_, rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_kernel_solution_without_gram(monkeypatch, fit_intercept):
    """Wide X whose p x p Gram matrix is over budget: the fit at alpha_ from the
    kernel's eigendecomposition equals scikit-learn's Ridge."""
    monkeypatch.setattr(ridge_cv, "_ridge_takes_sparse", lambda: False)
    X, y = make_sparse(12, 30, seed=14)
    w = weights(12, seed=15)
    model = linreg.RidgeCV(alphas=ALPHAS, fit_intercept=fit_intercept)
    full = ridge_cv._Decomposition.of(sp.csr_matrix(X), y[:, None], w, fit_intercept)
    solution = full.kernel_solution(np.array([0.1]))
    ref = sk.Ridge(alpha=0.1, fit_intercept=fit_intercept, solver="svd").fit(X, y, w)
    np.testing.assert_allclose(solution.coef[0], ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(solution.intercept[0], ref.intercept_, rtol=1e-10, atol=1e-12)
    monkeypatch.setattr(ridge_cv, "SPARSE_MAX_BYTES", 8 * 29**2)  # p = 30 over, n = 12 not
    model.fit(sp.csr_matrix(X), y, sample_weight=w)
    ref = sk.Ridge(alpha=model.alpha_, fit_intercept=fit_intercept, solver="svd").fit(X, y, w)
    assert model.solver_ == "kernel-eigh"
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)


def test_gcv_mode_svd_on_sparse_warns_as_sklearn():
    X, y = make_sparse(20, 5, seed=16)
    message = "The 'svd' mode is not supported for sparse X"
    with pytest.warns(FutureWarning, match=message):
        sk.RidgeCV(gcv_mode="svd").fit(sp.csr_matrix(X), y)
    with pytest.warns(FutureWarning, match=message):
        ours = linreg.RidgeCV(gcv_mode="svd").fit(sp.csr_matrix(X), y)
    eigen = linreg.RidgeCV(gcv_mode="eigen").fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(ours.coef_, eigen.coef_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        linreg.RidgeCV(gcv_mode="svd").fit(X, y)  # dense: no warning
        linreg.RidgeCV(gcv_mode="svd", cv=3).fit(sp.csr_matrix(X), y)  # not the LOO path


def test_sparse_nan_refused():
    X = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        linreg.RidgeCV().fit(X, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_tiny_alpha_is_min_norm_least_squares(fit_intercept):
    """n < p, alpha -> 0: the minimum-norm least-squares fit (numpy.linalg.lstsq on the
    centred data), where the p x p Gram matrix plus alpha is singular."""
    X, y = make_sparse(20, 40, density=0.5, seed=17)
    model = linreg.RidgeCV(alphas=[1e-12], fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(sp.csr_matrix(X), y)
    xm, ym = (X.mean(axis=0), y.mean()) if fit_intercept else (np.zeros(40), 0.0)
    expected = np.linalg.lstsq(X - xm, y - ym, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, ym - xm @ expected, rtol=1e-9, atol=1e-12)
