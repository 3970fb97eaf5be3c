"""Lasso / ElasticNet / paths: optimality against scikit-learn and the KKT conditions."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import sparse
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.utils._param_validation import InvalidParameterError

import linreg
from linreg import ElasticNet, Lasso, enet_path, lasso_path


def make(n, p, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-2, 2, p)
    beta = np.zeros(p)
    k = max(3, p // 10)
    beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k) * 2
    y = X @ beta + rng.standard_normal(n) + offset
    return X, y


PROBLEMS = {
    "tall": make(400, 20),
    "square": make(80, 80, seed=1),
    "wide": make(50, 200, seed=2),
    "diabetes": load_diabetes(return_X_y=True),
}


def objective(X, y, coef, intercept, alpha, l1_ratio, w=None):
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    return (
        (w * r * r).sum() / (2 * w.sum())
        + alpha * l1_ratio * np.abs(coef).sum()
        + alpha * (1 - l1_ratio) / 2 * coef @ coef
    )


def alpha_max(X, y):
    return np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / len(y)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("frac", [0.3, 0.02])
@pytest.mark.parametrize("solver", ["auto", "gram", "design"])
def test_objective_and_kkt_against_sklearn(name, l1_ratio, frac, solver):
    X, y = PROBLEMS[name]
    alpha = frac * alpha_max(X, y) / l1_ratio
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000).fit(X, y)
    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, solver=solver).fit(X, y)
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio)
    theirs = objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
    assert (ours - theirs) / theirs <= 1e-12
    assert model.objective_ == pytest.approx(ours, rel=1e-10)
    # KKT: with g = X_c'(y_c - X_c w)/n - l2 w, g_j = l1 sign(w_j) where w_j != 0 and
    # |g_j| <= l1 elsewhere; checked to 1e-6 relative to alpha.
    Xc, yc = X - X.mean(0), y - y.mean()
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    g = Xc.T @ (yc - Xc @ model.coef_) / len(y) - l2 * model.coef_
    nz = model.coef_ != 0
    assert np.all(np.abs(g[nz] - l1 * np.sign(model.coef_[nz])) <= 1e-6 * alpha)
    assert np.all(np.abs(g[~nz]) <= l1 + 1e-6 * alpha)
    assert model.intercept_ == pytest.approx(y.mean() - X.mean(0) @ model.coef_, rel=1e-12)


def test_lasso_is_enet_with_l1_ratio_one():
    X, y = PROBLEMS["tall"]
    a = Lasso(alpha=0.05).fit(X, y)
    b = ElasticNet(alpha=0.05, l1_ratio=1.0).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert "l1_ratio" not in a.get_params()


@pytest.mark.parametrize("solver", ["gram", "design"])
def test_weights_equal_duplicated_rows(solver):
    X, y = make(60, 8, seed=3)
    counts = np.random.default_rng(0).integers(0, 4, len(y))
    weighted = ElasticNet(alpha=0.05, l1_ratio=0.7, solver=solver).fit(X, y, sample_weight=counts)
    rows = np.repeat(np.arange(len(y)), counts)
    repeated = ElasticNet(alpha=0.05, l1_ratio=0.7, solver=solver).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7, atol=1e-9)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-8)


def test_weighted_matches_sklearn():
    X, y = make(200, 15, seed=4)
    w = np.random.default_rng(1).uniform(0.1, 3, len(y))
    ref = sk.Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(X, y, sample_weight=w)
    ours = Lasso(alpha=0.05).fit(X, y, sample_weight=w)
    p_ours = objective(X, y, ours.coef_, ours.intercept_, 0.05, 1.0, w)
    p_ref = objective(X, y, ref.coef_, ref.intercept_, 0.05, 1.0, w)
    assert (p_ours - p_ref) / p_ref <= 1e-12


@pytest.mark.parametrize("solver", ["gram", "design"])
def test_several_targets_are_independent_fits(solver):
    X, y1 = make(100, 12, seed=5)
    _, y2 = make(100, 12, seed=6)
    Y = np.column_stack([y1, y2 * 10])
    both = ElasticNet(alpha=0.1, solver=solver).fit(X, Y)
    assert both.coef_.shape == (2, 12) and both.intercept_.shape == (2,)
    for t in range(2):
        one = ElasticNet(alpha=0.1, solver=solver).fit(X, Y[:, t])
        np.testing.assert_allclose(both.coef_[t], one.coef_, rtol=1e-12, atol=1e-14)
    assert both.predict(X).shape == (100, 2)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_equals_dense(fit_intercept, weighted):
    rng = np.random.default_rng(7)
    X = sparse.random(120, 300, density=0.05, random_state=8, format="csc") * 3
    y = X @ np.r_[rng.standard_normal(10), np.zeros(290)] + rng.standard_normal(120) + 1
    w = rng.uniform(0.5, 2, 120) if weighted else None
    kw = dict(alpha=0.02, l1_ratio=0.8, fit_intercept=fit_intercept)
    a = ElasticNet(**kw).fit(X, y, sample_weight=w)
    b = ElasticNet(**kw, solver="design").fit(X.toarray(), y, sample_weight=w)
    assert a.solver_ == "design"
    pa = objective(X.toarray(), y, a.coef_, a.intercept_, 0.02, 0.8, w)
    pb = objective(X.toarray(), y, b.coef_, b.intercept_, 0.02, 0.8, w)
    assert pa == pytest.approx(pb, rel=1e-12)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-6)
    np.testing.assert_allclose(a.predict(X), b.predict(X.toarray()), rtol=1e-6)


def test_no_intercept_matches_sklearn():
    X, y = PROBLEMS["square"]
    ref = sk.Lasso(alpha=0.1, fit_intercept=False, tol=1e-12, max_iter=1_000_000).fit(X, y)
    for solver in ("gram", "design"):
        ours = Lasso(alpha=0.1, fit_intercept=False, solver=solver).fit(X, y)
        assert ours.intercept_ == 0.0
        p_ours = objective(X, y, ours.coef_, 0.0, 0.1, 1.0)
        p_ref = objective(X, y, ref.coef_, 0.0, 0.1, 1.0)
        assert (p_ours - p_ref) / p_ref <= 1e-12


def test_large_alpha_gives_zero_and_the_mean():
    X, y = PROBLEMS["tall"]
    model = Lasso(alpha=1.01 * alpha_max(X, y)).fit(X, y)
    assert np.all(model.coef_ == 0)
    assert model.intercept_ == pytest.approx(y.mean())


@pytest.mark.parametrize("name", ["tall", "wide"])
def test_lasso_path_matches_sklearn(name):
    X, y = PROBLEMS[name]
    Xc, yc = X - X.mean(0), y - y.mean()  # scikit-learn's path takes centred data
    a_ref, c_ref, _ = sk.lasso_path(Xc, yc, n_alphas=20, tol=1e-12, max_iter=1_000_000)
    alphas, coefs, gaps = lasso_path(Xc, yc, n_alphas=20)
    np.testing.assert_allclose(alphas, a_ref, rtol=1e-12)
    assert coefs.shape == c_ref.shape == (X.shape[1], 20) and gaps.shape == (20,)
    for i, a in enumerate(alphas):
        ours = objective(Xc, yc, coefs[:, i], 0.0, a, 1.0)
        ref = objective(Xc, yc, c_ref[:, i], 0.0, a, 1.0)
        assert (ours - ref) / ref <= 1e-12


def test_enet_path_shapes_and_given_alphas():
    X, Y = make(50, 6)[0], np.column_stack([make(50, 6)[1], make(50, 6, seed=9)[1]])
    alphas, coefs, gaps, n_iters = enet_path(
        X, Y, l1_ratio=0.5, alphas=[0.01, 1.0, 0.1], fit_intercept=True, return_n_iter=True
    )
    np.testing.assert_array_equal(alphas, [1.0, 0.1, 0.01])
    assert coefs.shape == (2, 6, 3) and gaps.shape == (3,) and n_iters.shape == (3,)
    one = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, Y)
    np.testing.assert_allclose(coefs[:, :, 1], one.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        # scikit-learn's InvalidParameterError (ElasticNet's _parameter_constraints)
        (dict(alpha=-1.0), r"'alpha' parameter of ElasticNet must be .* \[0.0, inf\)"),
        (dict(alpha=np.nan), r"'alpha' parameter of ElasticNet must be"),
        (dict(l1_ratio=1.5), r"'l1_ratio' parameter of ElasticNet must be .* \[0.0, 1.0\]"),
        (dict(solver="nope"), "'solver' parameter of ElasticNet must be a str among"),
        (dict(max_iter=0), "'max_iter' parameter"),
    ],
)
def test_bad_parameters(kwargs, match):
    X, y = PROBLEMS["tall"]
    with pytest.raises(InvalidParameterError, match=match):
        ElasticNet(**kwargs).fit(X, y)


def test_bad_input_is_named():
    X, y = make(20, 3)
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN in column 1, first at row 4"):
        Lasso(alpha=0.1).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        Lasso(alpha=0.1).fit(make(20, 3)[0], y, sample_weight=np.zeros(20))


def test_non_convergence_warns():
    X, y = PROBLEMS["wide"]
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="did not converge"):
        Lasso(alpha=1e-4, max_iter=2).fit(X, y)


def test_warm_start_reuses_coef():
    X, y = PROBLEMS["wide"]
    model = Lasso(alpha=0.05, warm_start=True).fit(X, y)
    first = model.n_iter_
    model.fit(X, y)
    assert model.n_iter_ <= max(1, first // 2)


def test_import_does_not_load_numba():
    code = (
        "import sys, linreg; linreg.Lasso; linreg.LassoCV; "
        "print('numba' in sys.modules, 'linreg.penalized._kernels' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
    assert linreg.Lasso is Lasso


def test_auto_layout_rule():
    from linreg.penalized.estimators import DESIGN_MAX_BYTES, GRAM_MAX_FEATURES, choose_layout

    assert choose_layout(10_000, 1_000, False) == "design"  # one fit, many features
    assert choose_layout(10_000, 1_000, False, n_fits=100) == "gram"  # amortized on a path
    assert choose_layout(10_000, GRAM_MAX_FEATURES, False) == "gram"
    assert choose_layout(100, 1_000, False, n_fits=100) == "design"  # p > n
    assert choose_layout(10_000, 100, True) == "design"  # sparse
    n_big = DESIGN_MAX_BYTES // (8 * 1_000) + 1
    assert choose_layout(n_big, 1_000, False) == "gram"  # no copy of a huge X


def test_auto_many_features_uses_design_with_the_gram_optimum():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((700, 500)) + rng.uniform(-2, 2, 500)
    y = X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(700)
    a = Lasso(alpha=0.05).fit(X, y)
    b = Lasso(alpha=0.05, solver="gram").fit(X, y)
    assert a.solver_ == "design" and b.solver_ == "gram"
    pa = objective(X, y, a.coef_, a.intercept_, 0.05, 1.0, None)
    pb = objective(X, y, b.coef_, b.intercept_, 0.05, 1.0, None)
    assert pa == pytest.approx(pb, rel=1e-12)
