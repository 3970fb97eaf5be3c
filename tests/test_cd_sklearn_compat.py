"""scikit-learn 1.9 compatibility of the coordinate-descent estimators and paths:
parameters, warnings and errors checked by calling scikit-learn's own functions on the
same input, and numbers against scikit-learn at a tight tolerance or exact formulas."""

import warnings

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn import linear_model as sk
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupKFold

from linreg import ElasticNet, ElasticNetCV, Lasso, LassoCV, enet_path, lasso_path

TIGHT = {"tol": 1e-14, "max_iter": 1_000_000}


def _data(seed=0, n=40, p=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :3] @ np.array([1.5, -2.0, 0.7]) + 0.3 * rng.standard_normal(n)
    return X, y


def _raised(fn):
    with pytest.raises(Exception) as err:
        fn()
    return err.value


@pytest.mark.parametrize("ours, theirs", [(enet_path, sk.enet_path), (lasso_path, sk.lasso_path)])
def test_path_unknown_parameter_raises_as_sklearn(ours, theirs):
    X, y = _data()
    mine = _raised(lambda: ours(X, y, normalize=True))
    ref = _raised(lambda: theirs(X, y, normalize=True))
    assert type(mine) is type(ref) and mine.args[0] == ref.args[0]


@pytest.mark.parametrize("ours, theirs", [(enet_path, sk.enet_path), (lasso_path, sk.lasso_path)])
def test_path_n_alphas_deprecation_as_sklearn(ours, theirs):
    X, y = _data(1)
    for kwargs in ({"n_alphas": 5}, {"alphas": None}):
        with pytest.warns(FutureWarning) as mine:
            a_ours = ours(X, y, **kwargs)[0]
        with pytest.warns(FutureWarning) as ref:
            a_ref = theirs(X, y, **kwargs)[0]
        assert str(mine[0].message) == str(ref[0].message)
        np.testing.assert_allclose(a_ours, a_ref, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a_ours = ours(X, y, alphas=5)[0]
    np.testing.assert_allclose(a_ours, theirs(X, y, alphas=5)[0], rtol=1e-12)


@pytest.mark.parametrize("precompute", ["auto", True, False])
def test_enet_path_check_input_false_equals_sklearn(precompute):
    X, y = _data(2)
    X = np.asfortranarray(X)
    alphas, coefs, _ = enet_path(X, y, alphas=3, check_input=False, precompute=precompute)
    a_ref, c_ref, _ = sk.enet_path(X, y, alphas=3, **TIGHT)
    np.testing.assert_allclose(alphas, a_ref, rtol=1e-12)
    np.testing.assert_allclose(coefs, c_ref, rtol=1e-7, atol=1e-9)


def test_path_invalid_check_input_raises_as_sklearn():
    X, y = _data(3)
    mine = _raised(lambda: enet_path(X, y, check_input="no"))
    assert type(mine) is type(_raised(lambda: sk.enet_path(X, y, check_input="no")))


def test_l1_ratio_zero_grid_message_is_sklearns():
    X, y = _data(4)
    ref = _raised(lambda: sk.ElasticNetCV(l1_ratio=0).fit(X, y))
    mine = _raised(lambda: ElasticNetCV(l1_ratio=0).fit(X, y))
    assert type(mine) is type(ref) and str(mine) == str(ref)
    ElasticNetCV(l1_ratio=[0], alphas=[1]).fit(X, y)  # an explicit grid is fine


def test_lasso_alpha_zero_warns_as_sklearn():
    X, y = [[-1.0], [0.0], [1.0]], [-1.0, 0.0, 1.0]
    match = (
        "With alpha=0, this algorithm does not converge well. You are advised to use "
        "the LinearRegression estimator"
    )
    for est in (sk.Lasso(alpha=0), Lasso(alpha=0)):
        with pytest.warns(UserWarning, match=match):
            est.fit(X, y)


@pytest.mark.parametrize("precompute", [True, False])
def test_convergence_warning_matches_sklearns(precompute):
    X = np.array([[-1.0, -1, 1, 1], [1, 1, -1, -1]])
    y = np.array([-1.0, 1])
    params = dict(alpha=1e-10, fit_intercept=False, warm_start=True, max_iter=1, tol=1e-10)
    for cls in (sk.Lasso, Lasso):
        reg = cls(precompute=precompute, **params)
        reg.coef_ = np.array([1.0, 1, 1, 1000])
        with pytest.warns(ConvergenceWarning, match="Objective did not converge. You might"):
            reg.fit(X, y)


@pytest.mark.parametrize("ours, theirs", [(LassoCV, sk.LassoCV), (ElasticNetCV, sk.ElasticNetCV)])
def test_cv_groups_without_routing_raise_as_sklearn(ours, theirs):
    X, y = _data(5, n=30)
    groups = np.arange(30) % 3
    ref = _raised(lambda: theirs().fit(X, y, groups=groups))
    mine = _raised(lambda: ours().fit(X, y, groups=groups))
    assert type(mine) is type(ref) and "enable_metadata_routing=True" in str(mine)


def test_cv_groups_routed_to_the_splitter():
    X, y = _data(6, n=30)
    groups = np.arange(30) % 3
    with sklearn.config_context(enable_metadata_routing=True):
        routed = LassoCV(cv=GroupKFold(3), alphas=10).fit(X, y, groups=groups)
    folds = list(GroupKFold(3).split(X, y, groups))
    explicit = LassoCV(cv=folds, alphas=10).fit(X, y)
    np.testing.assert_array_equal(routed.mse_path_, explicit.mse_path_)


@pytest.mark.parametrize("alphas", [(1, -1, -100), (-0.1, -1.0, -10.0), (1, 1.0, "1")])
def test_cv_alphas_validation_as_sklearn(alphas):
    X, y = _data(7, n=10, p=5)
    ref = _raised(lambda: sk.LassoCV(alphas=alphas).fit(X, y))
    mine = _raised(lambda: LassoCV(alphas=alphas).fit(X, y))
    assert type(mine) is type(ref) and str(mine) == str(ref)


@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_all_zero_and_integer_sparse_x(dtype):
    X = sparse.csc_matrix((3, 1), dtype=dtype)
    clf = Lasso().fit(X, [0, 0, 0])
    assert clf.coef_[0] == 0.0 and clf.dual_gap_ == 0.0
    rng = np.random.default_rng(8)
    Xi = rng.integers(-3, 4, size=(30, 4)) * (rng.random((30, 4)) < 0.5)
    y = Xi @ np.array([1.0, -2.0, 0.0, 0.5]) + rng.standard_normal(30)
    ours = Lasso(alpha=0.1).fit(sparse.csc_matrix(Xi), y)
    ref = sk.Lasso(alpha=0.1, **TIGHT).fit(Xi.astype(np.float64), y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_dual_gap_is_the_gap_of_the_returned_coef(fit_intercept, weighted):
    """scikit-learn's test_lasso_dual_gap formula (objective scaled by 1/n), on the
    centred data with an intercept and with weights: an exact identity, computed here
    independently of linreg."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((10, 30))
    y = X[:, :3] @ np.array([1.0, -1.0, 2.0]) + 0.1 * rng.standard_normal(10) + 3.0
    s = rng.uniform(0.5, 2.0, 10) if weighted else np.ones(10)
    n = 10
    alpha = 0.01 * np.max(np.abs(X.T @ (s * y))) / s.sum()
    clf = Lasso(alpha=alpha, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=s if weighted else None
    )
    w = clf.coef_
    if fit_intercept:
        xm, ym = s @ X / s.sum(), s @ y / s.sum()
        X, y = X - xm, y - ym
    R = y - X @ w
    mean = (lambda v: np.mean(v)) if not weighted else (lambda v: np.average(v, weights=s))
    primal = 0.5 * mean(R**2) + alpha * np.sum(np.abs(w))
    R /= np.max(np.abs(X.T @ (s * R)) / (s.sum() * alpha))
    dual = 0.5 * (mean(y**2) - mean((y - R) ** 2))
    assert n == len(y)
    np.testing.assert_allclose(clf.dual_gap_, primal - dual, rtol=1e-5, atol=1e-15)
    assert clf.dual_gap_ <= 1e-10 * primal


def test_check_input_false_wrong_layout_raises_as_sklearn():
    X, _ = _data(10, n=20, p=10)
    Y = np.asfortranarray(X)  # several targets, as scikit-learn's test_check_input_false
    for cls in (sk.ElasticNet, ElasticNet):
        cls(tol=1e-6).fit(np.asfortranarray(X), Y, check_input=False)
        with pytest.raises(ValueError):
            cls(tol=1e-6).fit(np.ascontiguousarray(X), Y, check_input=False)
        # ...but not with sample weights (scikit-learn then reorders X itself)
        sw = np.full(X.shape[0], 1.25)
        cls(tol=1e-6).fit(np.ascontiguousarray(X), Y, sample_weight=sw, check_input=False)
        assert np.all(sw == 1.25)


def test_precompute_incorrect_gram_message_is_sklearns():
    X, y = _data(11)
    garbage = np.random.default_rng(0).standard_normal(X.shape)
    gram = garbage.T @ garbage
    Xc = X - X.mean(axis=0)
    for cls in (sk.ElasticNet, ElasticNet):
        with pytest.raises(ValueError, match="Gram matrix.*did not pass validation.*"):
            cls(alpha=0.01, precompute=gram).fit(Xc, y)


def _regression(n, p, fit_intercept, seed=42):
    return make_regression(
        n_samples=n,
        n_features=p,
        effective_rank=p // 2,
        n_informative=p // 2,
        bias=4 * fit_intercept,
        noise=1,
        random_state=seed,
    )


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("cls", [Lasso, ElasticNet])
def test_sparse_and_dense_fits_agree_tightly(cls, fit_intercept):
    """scikit-learn's test_sparse_dense_equality case (p > n, weights, its tol=1e-6):
    both layouts within 1e-7 of each other, and of scikit-learn at a tight tolerance."""
    X, y = _regression(6, 24, fit_intercept)
    sw = np.abs(np.random.RandomState(42).normal(scale=10, size=y.shape))
    params = {"fit_intercept": fit_intercept, "tol": 1e-6}
    dense = cls(**params).fit(X, y, sample_weight=sw)
    sparse_fit = cls(**params).fit(sparse.csc_matrix(X), y, sample_weight=sw)
    np.testing.assert_allclose(sparse_fit.coef_, dense.coef_, rtol=1e-7)
    ref_cls = sk.Lasso if cls is Lasso else sk.ElasticNet
    ref = ref_cls(fit_intercept=fit_intercept, **TIGHT).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(dense.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


def test_sparse_and_dense_paths_agree_tightly():
    X, y = _data(12, n=50, p=20)
    _, dense, _ = enet_path(X, y, tol=1e-10)
    _, sp, _ = enet_path(sparse.csr_matrix(X), y, tol=1e-10)
    np.testing.assert_allclose(sp, dense, rtol=1e-7, atol=1e-13)


def test_cv_with_explicit_tol_sparse_equals_dense():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((40, 10)) * (rng.random((40, 10)) < 0.5)
    y = X @ rng.standard_normal(10) + 0.1 * rng.standard_normal(40)
    d = ElasticNetCV(max_iter=100, tol=1e-7).fit(X, y)
    s = ElasticNetCV(max_iter=100, tol=1e-7).fit(sparse.csc_matrix(X), y)
    assert d.alpha_ == s.alpha_
    np.testing.assert_allclose(s.mse_path_, d.mse_path_, rtol=1e-7)


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("effective_rank", [None, 10])
def test_alpha_zero_is_exact_least_squares(precompute, effective_rank):
    """ElasticNet(alpha=0) (scikit-learn's test_enet_ols_consistency data): the weighted
    least-squares solution of numpy.linalg.lstsq, with a zero residual where y = Xb."""
    rng = np.random.RandomState(42)
    X, y = make_regression(
        n_samples=300, n_features=100, effective_rank=effective_rank, n_informative=50,
        random_state=rng,
    )
    sw = rng.uniform(low=0.01, high=10, size=X.shape[0])
    with pytest.warns(UserWarning, match="With alpha=0"):
        enet = ElasticNet(alpha=0, precompute=precompute, tol=1e-15).fit(X, y, sample_weight=sw)
    root = np.sqrt(sw)[:, None]
    ref = np.linalg.lstsq(root * np.c_[X, np.ones(300)], root[:, 0] * y, rcond=None)[0]
    np.testing.assert_allclose(enet.predict(X), np.c_[X, np.ones(300)] @ ref, rtol=1e-9)
    assert np.sum(sw * (y - enet.predict(X)) ** 2) <= 1e-19
    assert enet.solver_ == "lstsq" and enet.n_iter_ == 0


def test_warm_start_at_the_optimum_takes_no_sweep_on_sparse_x():
    X, y = _data(14, n=50, p=30)
    Xs = sparse.csr_matrix(X * (np.abs(X) > 0.5))
    for cls in (sk.ElasticNet, ElasticNet):
        model = cls(alpha=1e-3, tol=1e-3).fit(Xs, y)
        assert model.n_iter_ > 0
        model.set_params(warm_start=True).fit(Xs, y)
        assert model.n_iter_ == 0


@pytest.mark.parametrize("weighted", [False, True])
def test_copy_x_false_overwrites_x_as_sklearn(weighted):
    """copy_X=False in the design layout (n < p): X is centred in place, as
    scikit-learn does, and the fit equals the copying one and scikit-learn's."""
    rng = np.random.default_rng(15)
    X = np.asfortranarray(rng.standard_normal((50, 200)))
    y = X[:, :5] @ np.ones(5) + rng.standard_normal(50)
    sw = rng.uniform(0.5, 2.0, 50) if weighted else None
    ours_X, theirs_X = X.copy(order="F"), X.copy(order="F")
    ours = ElasticNet(alpha=0.1, copy_X=False).fit(ours_X, y, sample_weight=sw, check_input=False)
    sk.ElasticNet(alpha=0.1, copy_X=False).fit(theirs_X, y, sample_weight=sw, check_input=False)
    assert np.any(ours_X != X) and np.any(theirs_X != X)
    copied = ElasticNet(alpha=0.1).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(ours.coef_, copied.coef_)
    ref = sk.ElasticNet(alpha=0.1, **TIGHT).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
