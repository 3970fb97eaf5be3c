"""positive=True in coordinate descent: Lasso, ElasticNet, their CV forms and the paths.

Checked against scikit-learn 1.9 (run to tol=1e-12, a tighter rule than its default),
against the constrained problem's KKT conditions computed here in float64 from the
returned coefficients and the raw data, and against invariances (alpha >= alpha_max gives
zero; positive=False unchanged)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn import linear_model as sk
from sklearn.linear_model._coordinate_descent import _alpha_grid
from sklearn.utils._param_validation import InvalidParameterError

from linreg import ElasticNet, ElasticNetCV, Lasso, LassoCV, enet_path, lasso_path

SK = dict(tol=1e-12, max_iter=1_000_000)


def problem(n, p, seed, density=1.0):
    """Mixed-sign coefficients (the constraint binds), offset columns and target."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p)
    if density < 1.0:
        X *= rng.random((n, p)) < density
    beta = rng.standard_normal(p) * 2
    y = X @ beta + 0.5 * rng.standard_normal(n) + 1.5
    return X, y


def positive_alpha_max(X, y, w=None, fit_intercept=True, l1_ratio=1.0):
    """``max(0, max_j x_j' W (y - ybar)) / (sum w * l1_ratio)``, from the definition."""
    X = X.toarray() if sparse.issparse(X) else X
    w = np.ones(len(y)) if w is None else w
    if fit_intercept:
        X = X - w @ X / w.sum()
        y = y - w @ y / w.sum()
    return max(0.0, float(np.max(X.T @ (w * y)))) / (w.sum() * l1_ratio)


def kkt_residual(X, y, coef, intercept, alpha, l1_ratio, w=None, fit_intercept=True):
    """Largest violation of the KKT conditions of the positive elastic net, scaled by
    alpha: ``g_j - l2 w_j = l1`` where ``w_j > 0``, ``g_j <= l1`` where ``w_j = 0``,
    ``w >= 0``, and (with an intercept) the weighted residuals summing to zero;
    ``g = X'W(y - Xw - b)/sum(w)`` from the raw data."""
    X = X.toarray() if sparse.issparse(X) else X
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    g = X.T @ (w * r) / w.sum()
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    on = coef > 0
    viol = np.concatenate(
        [
            np.abs(g[on] - l2 * coef[on] - l1),
            np.maximum(g[~on] - l1, 0.0),
            np.maximum(-coef, 0.0),
            [abs(w @ r) / w.sum() if fit_intercept else 0.0],
        ]
    )
    return float(np.max(viol)) / max(alpha, 1e-300)


def objective(X, y, coef, intercept, alpha, l1_ratio, w=None):
    """scikit-learn's elastic-net objective from the raw data (coef >= 0)."""
    X = X.toarray() if sparse.issparse(X) else X
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    pen = alpha * l1_ratio * np.sum(np.abs(coef)) + alpha * (1 - l1_ratio) / 2 * coef @ coef
    return float(w @ (r * r) / (2 * w.sum()) + pen)


@st.composite
def cases(draw):
    n = draw(st.integers(8, 40))
    l1_ratio = draw(st.sampled_from([1.0, 0.7, 0.3]))
    # the Lasso's minimizer is unique for n > p (generic data); the elastic net's always
    p = draw(st.integers(1, n - 3 if l1_ratio == 1.0 else 30))
    seed = draw(st.integers(0, 2**31))
    frac = draw(st.sampled_from([0.5, 0.1, 0.01]))
    weighted = draw(st.booleans())
    is_sparse = draw(st.booleans())
    fit_intercept = draw(st.booleans())
    return n, p, l1_ratio, seed, frac, weighted, is_sparse, fit_intercept


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_equals_sklearn_and_kkt(case):
    n, p, l1_ratio, seed, frac, weighted, is_sparse, fit_intercept = case
    X, y = problem(n, p, seed, density=0.5 if is_sparse else 1.0)
    w = np.random.default_rng(seed + 1).uniform(0.2, 3.0, n) if weighted else None
    amax = positive_alpha_max(X, y, w, fit_intercept, l1_ratio)
    assume(amax > 1e-3)
    alpha = frac * amax
    Xf = sparse.csc_matrix(X) if is_sparse else X
    params = dict(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, positive=True)
    ref = sk.ElasticNet(**params, **SK).fit(Xf, y, sample_weight=w)
    model = ElasticNet(**params).fit(Xf, y, sample_weight=w)
    assert np.all(model.coef_ >= 0)
    scale = max(1.0, float(np.max(np.abs(ref.coef_))))
    # linreg stops on the KKT conditions to 1e-8 alpha (measured: coefficients within
    # 1e-8 of scikit-learn's on 284 such problems) and, where strongly convex, on a
    # certified ||coef - coef*||: within the bound, and the objective as low
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=5e-8 * scale)
    if np.isfinite(model.coef_bound_):
        assert np.linalg.norm(model.coef_ - ref.coef_) <= model.coef_bound_ + 1e-11 * scale
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio, w)
    theirs = objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, w)
    assert ours - theirs <= 1e-12 * theirs + 1e-15
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=0, atol=1e-8 * scale)
    kkt = kkt_residual(X, y, model.coef_, model.intercept_, alpha, l1_ratio, w, fit_intercept)
    assert kkt < 1e-7
    # the constrained problem's certificate: its gap is the constrained one (small)
    assert model.dual_gap_ <= 1e-10 * max(model.objective_, 1e-300) + 1e-15


@pytest.mark.parametrize("solver", ["gram", "design"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_layouts_and_precompute(solver, l1_ratio):
    X, y = problem(80, 12, 3)
    alpha = 0.05 * positive_alpha_max(X, y, l1_ratio=l1_ratio)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=True, **SK).fit(X, y)
    unconstrained = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **SK).fit(X, y)
    assert np.any(unconstrained.coef_ < 0)  # the constraint is active
    for est in (
        ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=True, solver=solver),
        ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=True, precompute=solver == "gram"),
    ):
        est.fit(X, y)
        # linreg's rule: KKT to 1e-8 alpha, coefficients certified to 1e-8 relative
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-8)
        assert est.solver_ == solver
        # strongly convex (l2 > 0, or the Gram layout's smallest eigenvalue): certified
        assert np.isfinite(est.coef_bound_) == (solver == "gram" or l1_ratio < 1)
        # the bound holds against scikit-learn's (tight) solution
        assert np.linalg.norm(est.coef_ - ref.coef_) <= est.coef_bound_ + 1e-11


def test_kkt_of_our_fit_and_unconstrained_violates_it():
    X, y = problem(60, 8, 5)
    alpha = 0.05 * positive_alpha_max(X, y)
    model = Lasso(alpha=alpha, positive=True).fit(X, y)
    assert kkt_residual(X, y, model.coef_, model.intercept_, alpha, 1.0) < 1e-8
    free = Lasso(alpha=alpha).fit(X, y)
    assert np.any(free.coef_ < 0)
    assert kkt_residual(X, y, free.coef_, free.intercept_, alpha, 1.0) > 1e-3
    # solution_.diagnostics: the constrained problem's KKT residual, small
    assert model.solution_.diagnostics["kkt"][0] <= 1e-8 * alpha


@pytest.mark.parametrize("is_sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_zero_at_alpha_max(is_sparse, fit_intercept):
    X, y = problem(50, 6, 7, density=0.5 if is_sparse else 1.0)
    amax = positive_alpha_max(X, y, fit_intercept=fit_intercept)
    Xf = sparse.csc_matrix(X) if is_sparse else X
    at = Lasso(alpha=amax, positive=True, fit_intercept=fit_intercept).fit(Xf, y)
    assert np.all(at.coef_ == 0)
    below = Lasso(alpha=0.99 * amax, positive=True, fit_intercept=fit_intercept).fit(Xf, y)
    assert np.max(below.coef_) > 0
    # the unconstrained alpha_max differs (a more negative correlation): the grid's is
    # the signed one
    alphas, coefs, _ = lasso_path(Xf, y, positive=True, alphas=3, fit_intercept=fit_intercept)
    assert alphas[0] == pytest.approx(amax, rel=1e-12)
    assert np.all(coefs[:, 0] == 0)


def test_all_correlations_negative():
    rng = np.random.default_rng(9)
    Z = rng.standard_normal((40, 4))
    X = np.linalg.qr(Z - Z.mean(0))[0] * np.sqrt(40)  # centred, orthogonal columns
    y = -X @ np.array([1.0, 2.0, 0.5, 1.5])  # x_j'y = -40 beta_j < 0 for every j
    assert positive_alpha_max(X, y) == 0.0
    alphas, coefs, _ = lasso_path(X, y, positive=True, alphas=4)
    ref_alphas = _alpha_grid(X, y, n_alphas=4, positive=True, fit_intercept=False)
    np.testing.assert_array_equal(alphas, ref_alphas)
    assert np.all(coefs == 0)


@pytest.mark.parametrize("path", [lasso_path, enet_path])
@pytest.mark.parametrize("weighted", [False, True])
def test_paths_equal_sklearn(path, weighted):
    X, y = problem(70, 15, 11)
    w = np.random.default_rng(1).uniform(0.5, 2.0, 70) if weighted else None
    kw = {} if path is lasso_path else {"l1_ratio": 0.6}
    sk_path = getattr(sk, path.__name__)
    if weighted:  # scikit-learn's paths take no weights: the same problem with sqrt(w)
        Xc = X - w @ X / w.sum()
        yc = y - w @ y / w.sum()
        root = np.sqrt(w * len(y) / w.sum())
        Xr, yr = Xc * root[:, None], yc * root
        alphas, coefs, _ = path(
            X, y, positive=True, alphas=20, sample_weight=w, fit_intercept=True, **kw
        )
    else:
        Xr, yr = X, y
        alphas, coefs, _ = path(X, y, positive=True, alphas=20, **kw)
    ref_alphas, ref_coefs, _ = sk_path(Xr, yr, positive=True, alphas=20, **kw, **SK)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-12)
    np.testing.assert_allclose(coefs, ref_coefs, rtol=0, atol=1e-8)
    assert np.all(coefs >= 0)


def test_path_with_given_alphas_and_coef_init():
    X, y = problem(60, 10, 13)
    alphas = np.array([0.5, 0.1, 0.02])
    init = -np.ones(10)  # infeasible: projected
    _, coefs, gaps = enet_path(X, y, positive=True, alphas=alphas, coef_init=init, l1_ratio=0.8)
    _, ref, _ = sk.enet_path(X, y, positive=True, alphas=alphas, l1_ratio=0.8, **SK)
    np.testing.assert_allclose(coefs, ref, rtol=0, atol=1e-8)
    assert np.all(gaps >= -1e-15)


def test_path_multi_output_refused():
    X, y = problem(30, 4, 1)
    Y = np.column_stack([y, -y])
    with pytest.raises(ValueError, match="multi-output"):
        enet_path(X, Y, positive=True)
    with pytest.raises(InvalidParameterError):
        lasso_path(X, y, positive="yes")


def test_multi_target_elasticnet():
    X, y = problem(50, 7, 17)
    Y = np.column_stack([y, -y + 1.0, X[:, 0] - X[:, 1]])
    model = ElasticNet(alpha=0.05, l1_ratio=0.5, positive=True).fit(X, Y)
    ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.5, positive=True, **SK).fit(X, Y)
    assert model.coef_.shape == (3, 7)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=0, atol=1e-8)
    assert np.all(model.coef_ >= 0)


def test_warm_start_from_unconstrained_fit():
    X, y = problem(60, 9, 19)
    model = Lasso(alpha=0.02, warm_start=True).fit(X, y)
    assert np.any(model.coef_ < 0)
    model.set_params(positive=True).fit(X, y)
    ref = sk.Lasso(alpha=0.02, positive=True, **SK).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("est", [Lasso, ElasticNet])
def test_positive_false_unchanged(est):
    X, y = problem(60, 9, 23)
    a = est(alpha=0.02).fit(X, y)
    b = est(alpha=0.02, positive=False).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    ref = getattr(sk, est.__name__)(alpha=0.02, **SK).fit(X, y)
    np.testing.assert_allclose(a.coef_, ref.coef_, rtol=0, atol=1e-8)
    assert np.any(a.coef_ < 0)


@pytest.mark.parametrize("is_sparse", [False, True])
def test_cv_estimators_equal_sklearn(is_sparse):
    X, y = problem(90, 10, 29, density=0.6 if is_sparse else 1.0)
    Xf = sparse.csr_matrix(X) if is_sparse else X
    for ours, theirs, kw in (
        (LassoCV, sk.LassoCV, {}),
        (ElasticNetCV, sk.ElasticNetCV, {"l1_ratio": [0.5, 0.9]}),
    ):
        model = ours(positive=True, cv=3, alphas=15, path_tol=1e-13, **kw).fit(Xf, y)
        ref = theirs(positive=True, cv=3, alphas=15, **kw, **SK).fit(Xf, y)
        np.testing.assert_allclose(model.alphas_, ref.alphas_, rtol=1e-12)
        np.testing.assert_allclose(model.mse_path_, ref.mse_path_, rtol=1e-7)
        assert model.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
        assert np.all(model.coef_ >= 0)


def test_cv_default_two_stage():
    X, y = problem(120, 8, 31)
    model = LassoCV(positive=True, cv=4).fit(X, y)
    ref = sk.LassoCV(positive=True, cv=4, **SK).fit(X, y)
    np.testing.assert_allclose(model.alphas_, ref.alphas_, rtol=1e-12)
    assert model.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("solver", ["gd", "torch"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_iterative_trainers(solver, l1_ratio):
    """solver="gd"/"torch": the one-sided prox, stopped on the constrained certificate."""
    if solver == "torch":
        pytest.importorskip("torch")
    X, y = problem(80, 8, 4)
    w = np.random.default_rng(3).uniform(0.5, 2.0, 80)
    alpha = 0.01 * positive_alpha_max(X, y, w, l1_ratio=l1_ratio)
    params = dict(alpha=alpha, l1_ratio=l1_ratio, positive=True)
    ref = sk.ElasticNet(**params, **SK).fit(X, y, sample_weight=w)
    assert np.any(sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **SK).fit(X, y).coef_ < 0)
    model = ElasticNet(**params, solver=solver, tol=1e-10).fit(X, y, sample_weight=w)
    assert np.all(model.coef_ >= 0)
    assert np.sum(model.coef_ > 0) >= 3
    assert kkt_residual(X, y, model.coef_, model.intercept_, alpha, l1_ratio, w) < 1e-7
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)


@pytest.mark.parametrize("est", [Lasso, ElasticNet, LassoCV, ElasticNetCV])
def test_validation(est):
    X, y = problem(30, 3, 2)
    with pytest.raises(InvalidParameterError, match="positive"):
        est(positive="no").fit(X, y)
    assert est().get_params()["positive"] is False


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_scan_source(tmp_path):
    """A chunked source (linreg.scan): Moments in one pass, then the positive Gram CD."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import linreg

    X, y = problem(3000, 6, 37)
    w = np.random.default_rng(4).uniform(0.5, 2.0, 3000)
    table = pa.table({**{f"x{j}": X[:, j] for j in range(6)}, "y": y, "w": w})
    pq.write_table(table, tmp_path / "d.parquet")
    scan = linreg.scan(tmp_path / "d.parquet", target="y", weights="w", batch_size=700)
    alpha = 0.02 * positive_alpha_max(X, y, w)
    model = ElasticNet(alpha=alpha, l1_ratio=0.8, positive=True).fit(scan)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=0.8, positive=True, **SK).fit(X, y, sample_weight=w)
    assert np.any(sk.ElasticNet(alpha=alpha, l1_ratio=0.8, **SK).fit(X, y).coef_ < 0)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-7)
