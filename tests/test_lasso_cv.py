"""LassoCV / ElasticNetCV from per-fold Moments against scikit-learn's re-fits."""

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.model_selection import KFold

from linreg import ElasticNetCV, LassoCV


def make(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-3, 3, p)
    beta = np.zeros(p)
    beta[: max(3, p // 8)] = rng.standard_normal(max(3, p // 8))
    return X, X @ beta + 2 * rng.standard_normal(n) + 5


@pytest.mark.parametrize(
    "n, p, solver", [(300, 15, "auto"), (60, 120, "auto"), (300, 15, "design")]
)
@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_cv_matches_sklearn(n, p, solver, weighted):
    X, y = make(n, p)
    w = np.random.default_rng(1).uniform(0.2, 2, n) if weighted else None
    cv = KFold(5, shuffle=True, random_state=0)
    # p > n: the path stops at 1e-2 alpha_max (near interpolation CD needs ~1e5 sweeps)
    eps = 1e-3 if n > p else 1e-2
    ref = sk.LassoCV(cv=cv, alphas=30, eps=eps, tol=1e-12, max_iter=1_000_000)
    ref.fit(X, y, sample_weight=w)
    ours = LassoCV(cv=cv, alphas=30, eps=eps, solver=solver, path_tol=1e-13)
    ours.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (30, 5)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-7)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # the same grid point
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-7)
    assert not hasattr(ours, "l1_ratio_")


def test_elastic_net_cv_several_l1_ratios():
    X, y = make(200, 10, seed=3)
    cv = KFold(4)
    kw = dict(l1_ratio=[0.2, 0.9], alphas=20, cv=cv)
    ref = sk.ElasticNetCV(**kw, tol=1e-12, max_iter=1_000_000).fit(X, y)
    ours = ElasticNetCV(**kw, path_tol=1e-13).fit(X, y)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (2, 20, 4)
    assert ours.alphas_.shape == ref.alphas_.shape == (2, 20)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-7)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)


def test_given_alphas_and_iterable_cv():
    X, y = make(100, 6, seed=4)
    folds = list(KFold(3).split(X))[:2]  # test sets that do not cover every row
    ref = sk.LassoCV(cv=folds, alphas=[0.5, 0.01, 0.1], tol=1e-12).fit(X, y)
    ours = LassoCV(cv=folds, alphas=[0.5, 0.01, 0.1], path_tol=1e-13).fit(X, y)
    np.testing.assert_array_equal(ours.alphas_, [0.5, 0.1, 0.01])
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-7)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)  # the same grid point


def test_several_targets_are_refused():
    X, y = make(50, 4)
    with pytest.raises(ValueError, match="one target"):
        LassoCV().fit(X, np.column_stack([y, y]))


@pytest.mark.parametrize("n, p, l1_ratio", [(300, 15, 1.0), (60, 120, 1.0), (200, 30, [0.3, 0.8])])
def test_default_two_stage_path_chooses_the_exact_minimum(n, p, l1_ratio):
    # Default: loose paths (gap <= 2e-4 of the null objective), then the alphas near the
    # minimum re-solved to 1e-8: the same choice as scikit-learn at tol=1e-12, the MSE
    # at the minimum accurate, the others to a few per cent.
    X, y = make(n, p, seed=5)
    cv = KFold(5, shuffle=True, random_state=1)
    kw = dict(cv=cv, alphas=40, eps=1e-3 if n > p else 1e-2)
    if isinstance(l1_ratio, list):
        ref = sk.ElasticNetCV(l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000, **kw)
        ours = ElasticNetCV(l1_ratio=l1_ratio, **kw)
    else:
        ref = sk.LassoCV(tol=1e-12, max_iter=1_000_000, **kw)
        ours = LassoCV(**kw)
    ref.fit(X, y)
    ours.fit(X, y)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert getattr(ours, "l1_ratio_", 1.0) == getattr(ref, "l1_ratio_", 1.0)
    rel = np.abs(ours.mse_path_ - ref.mse_path_) / ref.mse_path_
    best = np.unravel_index(np.argmin(ref.mse_path_.mean(axis=-1)), rel.shape[:-1])
    assert rel[best].max() < 1e-5  # re-solved: accurate where the minimum is
    assert rel.max() < 0.05
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


def test_path_tol_is_validated():
    X, y = make(40, 3)
    with pytest.raises(ValueError, match="path_tol"):
        LassoCV(path_tol=-1.0, alphas=3).fit(X, y)


@pytest.mark.parametrize("n, p", [(300, 15), (60, 120)])
def test_threads_over_folds_do_not_change_the_result(n, p):
    # n_jobs only spreads the folds over threads: the same choice and, up to the
    # rounding of BLAS run on one thread instead of several, the same curve.
    X, y = make(n, p, seed=2)
    cv = KFold(5, shuffle=True, random_state=0)
    kw = dict(cv=cv, alphas=30, l1_ratio=[0.5, 1.0], eps=1e-3 if n > p else 1e-2)
    one = ElasticNetCV(n_jobs=1, **kw).fit(X, y)
    two = ElasticNetCV(n_jobs=2, **kw).fit(X, y)
    assert (one.alpha_, one.l1_ratio_) == (two.alpha_, two.l1_ratio_)
    np.testing.assert_allclose(two.mse_path_, one.mse_path_, rtol=1e-10)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, "2"])
def test_n_jobs_is_validated(n_jobs):
    X, y = make(40, 3)
    with pytest.raises(ValueError, match="n_jobs"):
        LassoCV(n_jobs=n_jobs, alphas=3).fit(X, y)
