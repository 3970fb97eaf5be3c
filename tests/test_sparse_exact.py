"""LinearRegression and Ridge on scipy.sparse X (linreg.sources.sparse,
linreg.solvers.sparse_iterative), checked against scikit-learn's dense solvers, numpy's
lstsq and invariances (dropping zero-weight rows), never against linreg's own output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as skl
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls

from linreg import AccuracyWarning, LinearRegression, Ridge
from linreg.solvers.sparse_iterative import SPARSE_ACCURACY
from linreg.sources import sparse as sparse_route

FORMATS = ("csr_matrix", "csc_matrix", "coo_matrix", "csr_array", "csc_array", "coo_array")


def _sparse(n, p, density, seed, fmt="csr_matrix", dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, random_state=rng, format="csr")
    X.data = rng.normal(size=X.nnz) + 2.0  # an offset: centring matters
    return getattr(sp, fmt)(X).astype(dtype)


def _data(n, p, t, density, seed, weighted, zeros=0):
    rng = np.random.default_rng(seed + 1)
    X = _sparse(n, p, density, seed)
    Y = rng.normal(size=(n, t)) + 3.0
    w = None
    if weighted:
        w = rng.uniform(0.1, 2.0, size=n)
        w[:zeros] = 0.0
    return X, Y, w


def _rel(a, b):
    a, b = np.atleast_1d(np.asarray(a, np.float64)), np.atleast_1d(np.asarray(b, np.float64))
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _sklearn_ridge(X, Y, w, alpha, fit_intercept):
    """scikit-learn's dense direct solve (its Cholesky; exact to working precision)."""
    model = skl.Ridge(alpha=alpha, solver="cholesky", fit_intercept=fit_intercept, tol=1e-14)
    return model.fit(X.toarray(), Y, sample_weight=w)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(5, 60),
    p=st.integers(1, 25),
    t=st.integers(1, 3),
    density=st.sampled_from([0.1, 0.3, 0.8]),
    seed=st.integers(0, 10_000),
    weighted=st.booleans(),
    fit_intercept=st.booleans(),
    fmt=st.sampled_from(FORMATS),
)
def test_ridge_exact_equals_sklearn(n, p, t, density, seed, weighted, fit_intercept, fmt):
    """Exact route (n < p and n > p): scikit-learn's dense Cholesky to rtol 1e-10."""
    X, Y, w = _data(n, p, t, density, seed, weighted, zeros=min(2, n - 3))
    X = getattr(sp, fmt)(X)
    fit = Ridge(alpha=0.7, fit_intercept=fit_intercept).fit(X, Y, sample_weight=w)
    ref = _sklearn_ridge(X, Y, w, 0.7, fit_intercept)
    assert fit.n_iter_ is None
    assert _rel(fit.coef_, ref.coef_) < 1e-10
    assert _rel(fit.intercept_, ref.intercept_) < 1e-10
    assert _rel(fit.predict(X), ref.predict(X.toarray())) < 1e-10


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(30, 80),
    p=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    weighted=st.booleans(),
    fit_intercept=st.booleans(),
    fmt=st.sampled_from(FORMATS),
)
def test_linear_regression_exact_equals_lstsq(n, p, seed, weighted, fit_intercept, fmt):
    """Full-rank OLS on sparse X: scikit-learn's dense LinearRegression and numpy's lstsq
    on the weighted, centred data, to rtol 1e-10."""
    X, Y, w = _data(n, p, 1, 0.6, seed, weighted, zeros=3)
    X = getattr(sp, fmt)(X)
    y = Y[:, 0]
    fit = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    ref = skl.LinearRegression(fit_intercept=fit_intercept).fit(X.toarray(), y, sample_weight=w)
    A = np.hstack([X.toarray(), np.ones((n, 1))]) if fit_intercept else X.toarray()
    sw = np.ones(n) if w is None else np.sqrt(w)
    beta = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
    cond = np.linalg.cond(A * sw[:, None])
    tol = max(1e-10, 1e-15 * cond**2)  # the Gram route's bound for an unlucky draw
    assert _rel(fit.coef_, beta[:p]) < tol
    assert _rel(fit.coef_, ref.coef_) < tol
    if fit_intercept:
        assert abs(fit.intercept_ - beta[p]) <= tol * max(abs(beta[p]), np.abs(y).max())


def test_zero_weights_equal_dropping_rows():
    X, Y, w = _data(50, 8, 2, 0.4, 3, True, zeros=10)
    a = Ridge(alpha=0.3).fit(X, Y, sample_weight=w)
    keep = w > 0
    b = skl.Ridge(alpha=0.3, solver="cholesky").fit(X.toarray()[keep], Y[keep], w[keep])
    assert _rel(a.coef_, b.coef_) < 1e-10 and _rel(a.intercept_, b.intercept_) < 1e-10


def test_per_target_alpha_and_single_target_shape():
    X, Y, w = _data(40, 6, 2, 0.5, 5, False)
    a = Ridge(alpha=[0.5, 4.0]).fit(X, Y)
    b = skl.Ridge(alpha=[0.5, 4.0], solver="cholesky").fit(X.toarray(), Y)
    assert _rel(a.coef_, b.coef_) < 1e-10
    one = Ridge().fit(X, Y[:, :1])
    assert one.coef_.shape == skl.Ridge().fit(X.toarray(), Y[:, :1]).coef_.shape


@pytest.mark.parametrize("Estimator", [LinearRegression, Ridge])
@pytest.mark.parametrize("fmt", ["csr_matrix", "csc_array"])
def test_float32_and_integer(Estimator, fmt):
    """float32 sparse in: float32 coef_, intercept_, predict, as the dense fit (and
    scikit-learn); integer sparse X is fitted as float64."""
    X, Y, _ = _data(60, 5, 1, 0.6, 7, False)
    y = Y[:, 0]
    X32 = getattr(sp, fmt)(X.astype(np.float32))
    fit = Estimator().fit(X32, y)
    dense = Estimator().fit(X32.toarray(), y)
    ref = getattr(skl, Estimator.__name__)().fit(X32.toarray(), y)
    assert fit.coef_.dtype == ref.coef_.dtype == np.float32
    assert np.asarray(fit.intercept_).dtype == np.float32
    assert fit.predict(X32).dtype == ref.predict(X32.toarray()).dtype
    np.testing.assert_array_equal(fit.coef_, dense.coef_)  # same float64 fit, rounded once
    Xi = getattr(sp, fmt)(sp.random(60, 5, density=0.5, random_state=1, data_rvs=lambda k:
                                    np.random.default_rng(2).integers(1, 9, k)).astype(np.int64))
    fi = Estimator().fit(Xi, y)
    ri = getattr(skl, Estimator.__name__)().fit(Xi.toarray().astype(float), y)
    assert fi.coef_.dtype == np.float64 and _rel(fi.coef_, ri.coef_) < 1e-10


def _force_iterative(monkeypatch):
    monkeypatch.setattr(sparse_route, "EXACT_MAX_FLOPS", 0.0)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(10, 80),
    p=st.integers(2, 40),
    t=st.integers(1, 2),
    seed=st.integers(0, 10_000),
    weighted=st.booleans(),
    fit_intercept=st.booleans(),
    solver=st.sampled_from(["auto", "sparse_cg", "lsqr"]),
    fmt=st.sampled_from(FORMATS),
)
def test_ridge_iterative_within_certified_bound(
    monkeypatch, n, p, t, seed, weighted, fit_intercept, solver, fmt
):
    """CG / LSQR (auto on a 'large' p): within the certified 2-norm bound of
    scikit-learn's dense Cholesky; n_iter_ of shape (n_targets,)."""
    _force_iterative(monkeypatch)
    X, Y, w = _data(n, p, t, 0.3, seed, weighted, zeros=min(2, n - 3))
    X = getattr(sp, fmt)(X)
    fit = Ridge(alpha=0.5, solver=solver, fit_intercept=fit_intercept).fit(X, Y, sample_weight=w)
    ref = _sklearn_ridge(X, Y, w, 0.5, fit_intercept)
    assert fit.solver_ in ("sparse_cg", "lsqr", "lsqr+sparse_cg")
    assert fit.solver_.startswith("lsqr") == (solver == "lsqr")
    assert fit.n_iter_.shape == (t,)
    ref_coef = np.atleast_2d(ref.coef_)
    diff = np.linalg.norm(np.atleast_2d(fit.coef_) - ref_coef, axis=1)
    assert np.all(diff <= 2 * SPARSE_ACCURACY * np.linalg.norm(ref_coef, axis=1) + 1e-13)


def test_linear_regression_wide_lsqr_min_norm_warns(monkeypatch):
    """alpha = 0 beyond the exact budget: LSQR's minimum-norm answer, uncertified
    (AccuracyWarning naming the cause); equal to lstsq's minimum-norm solution here."""
    _force_iterative(monkeypatch)
    X, Y, _ = _data(20, 40, 1, 0.5, 11, False)
    y = Y[:, 0]
    with pytest.warns(AccuracyWarning, match="smallest singular value"):
        fit = LinearRegression(fit_intercept=False).fit(X, y)
    assert fit.solver_ == "lsqr"
    ref = np.linalg.lstsq(X.toarray(), y, rcond=None)[0]
    assert _rel(fit.coef_, ref) < 1e-8


def test_iteration_cap_warns_convergence_or_falls_back(monkeypatch):
    """The cap without the bound: the exact route when affordable (scikit-learn's
    answer, no warning), else ConvergenceWarning with the bound reached."""
    from sklearn.exceptions import ConvergenceWarning

    X, Y, _ = _data(200, 30, 1, 0.3, 13, False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = Ridge(alpha=1e-3, solver="sparse_cg", max_iter=2).fit(X, Y[:, 0])
    assert fit.n_iter_ is None and fit.solver_ != "sparse_cg"
    assert _rel(fit.coef_, _sklearn_ridge(X, Y[:, 0], None, 1e-3, True).coef_) < 1e-10
    _force_iterative(monkeypatch)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        Ridge(alpha=1e-3, solver="sparse_cg", max_iter=2).fit(X, Y[:, 0])


def test_positive_and_named_solvers():
    X, Y, _ = _data(60, 6, 1, 0.6, 17, False)
    y = Y[:, 0]
    a = Ridge(alpha=0.4, positive=True).fit(X, y)
    Xc = X.toarray() - X.toarray().mean(axis=0)
    aug = np.vstack([Xc, np.sqrt(0.4) * np.eye(6)])
    ref = nnls(aug, np.r_[y - y.mean(), np.zeros(6)])[0]
    assert _rel(a.coef_, ref) < 1e-10
    for solver in ("sag", "saga", "cholesky", "svd", "qr"):
        fit = Ridge(alpha=0.4, solver=solver).fit(X, y)
        assert fit.n_iter_ is None and not fit.solver_.startswith(("sag", "svd", "qr"))
        assert _rel(fit.coef_, _sklearn_ridge(X, y, None, 0.4, True).coef_) < 1e-10


def test_score_summary_and_trainers():
    X, Y, _ = _data(60, 6, 1, 0.6, 19, False)
    y = Y[:, 0]
    fit = LinearRegression().fit(X, y)
    ref = skl.LinearRegression().fit(X.toarray(), y)
    assert abs(fit.score(X, y) - ref.score(X.toarray(), y)) < 1e-12
    ols = sm.OLS(y, sm.add_constant(X.toarray())).fit()  # the exact route keeps Moments
    s = fit.summary()
    np.testing.assert_allclose(s.params, ols.params, rtol=1e-10)
    np.testing.assert_allclose(s.bse, ols.bse, rtol=1e-10)
    with pytest.raises(ValueError, match="second pass"):
        fit.summary(cov_type="HC1")
    wide = Ridge(solver="sparse_cg").fit(X, y)  # the iterative route forms no Moments
    with pytest.raises(ValueError, match="scipy.sparse"):
        wide.summary()
    with pytest.raises(ValueError, match="scipy.sparse"):
        wide.predict(X.toarray(), interval="prediction")
    with pytest.raises(TypeError, match="sparse"):
        LinearRegression(solver="gd").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dense = LinearRegression().fit(X.toarray(), y)  # a dense refit allows summary again
    dense.summary()
    with pytest.raises(ValueError, match="NaN"):
        bad = X.copy()
        bad.data[0] = np.nan
        LinearRegression().fit(bad, y)


def test_ill_conditioned_refined_from_sparse_residual():
    """kappa ~ 2.5e6 with a large offset: the Gram route alone misses 1e-6; refinement
    from the residual of sparse X reaches numpy's lstsq (QR on the dense data)."""
    rng = np.random.default_rng(0)
    n = 400
    X = sp.random(n, 6, density=0.3, random_state=1, format="csc").toarray()
    X[:, 1] = X[:, 0] + (X[:, 0] != 0) * 1e-4 * rng.normal(size=n)
    X = X + (X != 0) * 100.0
    y = X @ np.arange(1.0, 7.0) + 0.01 * rng.normal(size=n)
    ref = np.linalg.lstsq(np.c_[X, np.ones(n)], y, rcond=None)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = LinearRegression().fit(sp.csr_matrix(X), y)
    assert fit.solution_.error_estimate <= 1e-6
    assert _rel(fit.coef_, ref[:6]) < 1e-7
    assert abs(fit.intercept_ - ref[6]) < 1e-7 * np.abs(y).max()


@pytest.mark.parametrize("solver", ["auto", "cholesky", "sparse_cg", "lsqr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_negligible_alpha_wide_is_minimum_norm(solver, fit_intercept):
    """alpha = 1e-16 on wide X (below the rounding of X'X): the limit of ridge, numpy's
    pseudo-inverse solution.  The iterative names (LSQR's minimum-norm answer) warn that
    it is not certified; the exact route solves the wide problem densely (the kernel
    side, exact as alpha -> 0), certified, as dense Ridge does, without a warning."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 60))
    y = X @ rng.normal(size=60) + 5.0
    A = X - X.mean(axis=0) if fit_intercept else X
    ref = np.linalg.pinv(A) @ (y - y.mean() if fit_intercept else y)
    model = Ridge(alpha=1e-16, solver=solver, fit_intercept=fit_intercept)
    if solver in ("sparse_cg", "lsqr"):
        with pytest.warns(AccuracyWarning, match="minimum-norm"):
            fit = model.fit(sp.csr_matrix(X), y)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fit = model.fit(sp.csr_matrix(X), y)
        assert fit.solution_.error_estimate <= 1e-10
    assert _rel(fit.coef_, ref) < 1e-10


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(5, 25),
    extra=st.integers(1, 30),
    seed=st.integers(0, 10_000),
    fit_intercept=st.booleans(),
    fmt=st.sampled_from(FORMATS),
)
def test_linear_regression_wide_exact_minimum_norm(n, extra, seed, fit_intercept, fmt):
    """n < p without a penalty: numpy's pseudo-inverse (minimum-norm) solution to rtol
    1e-10, with the dense route's RankDeficientWarning."""
    from linreg import RankDeficientWarning

    p = n + extra
    X = _sparse(n, p, 0.9, seed, fmt)
    X = getattr(sp, fmt)(X.tocsr() + sp.csr_matrix(([1.0] * p, ([0] * p, range(p))), (n, p)))
    y = np.random.default_rng(seed).normal(size=n)
    A = X.toarray() - X.toarray().mean(axis=0) if fit_intercept else X.toarray()
    ref = np.linalg.pinv(A) @ (y - y.mean() if fit_intercept else y)
    with pytest.warns(RankDeficientWarning, match="underdetermined"):
        fit = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert _rel(fit.coef_, ref) < 1e-10


@pytest.mark.parametrize("Estimator", [LinearRegression, Ridge])
def test_partial_fit_sparse_chunks_equal_fit_on_all(Estimator):
    """partial_fit over sparse (and mixed dense) chunks: scikit-learn's fit on all rows."""
    X, Y, w = _data(120, 7, 2, 0.5, 23, True)
    model = Estimator()
    for lo in range(0, 120, 30):
        part = X.tocsr()[lo : lo + 30]
        chunk = part.toarray() if lo == 60 else sp.csc_array(part)
        model.partial_fit(chunk, Y[lo : lo + 30], sample_weight=w[lo : lo + 30])
    ref = getattr(skl, Estimator.__name__)().fit(X.toarray(), Y, sample_weight=w)
    assert _rel(model.coef_, ref.coef_) < 1e-10
    assert _rel(model.intercept_, ref.intercept_) < 1e-10


def test_float32_iterative_route(monkeypatch):
    """float32 sparse X on the CG route: float32 coef_ and predictions, the float64
    optimum of the float32 data rounded once (scikit-learn's direct solve in float64)."""
    _force_iterative(monkeypatch)
    X, Y, _ = _data(80, 10, 1, 0.4, 29, False)
    X32 = sp.csr_array(X.astype(np.float32))
    fit = Ridge(alpha=0.5).fit(X32, Y[:, 0])
    ref = _sklearn_ridge(sp.csr_matrix(X32.astype(np.float64)), Y[:, 0], None, 0.5, True)
    assert fit.solver_ == "sparse_cg" and fit.coef_.dtype == np.float32
    assert fit.predict(X32).dtype == np.float32
    np.testing.assert_allclose(fit.coef_, ref.coef_.astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
def test_offsets_of_y_and_of_a_few_columns(weighted):
    """y around 1e6 and three columns around 1e4 (their centring cancels in X'X):
    scikit-learn's dense SVD solve to rtol 1e-10."""
    rng = np.random.default_rng(31)
    n, p = 400, 20
    X = sp.random(n, p, density=0.1, random_state=3, format="lil")
    for j in range(3):
        X[:, j] = 1e4 + rng.normal(size=(n, 1))
    X = X.tocsr()
    y = 1e6 + X @ rng.normal(size=p) + 0.1 * rng.normal(size=n)
    w = rng.uniform(0, 2, n) if weighted else None
    fit = Ridge(alpha=1.0).fit(X, y, sample_weight=w)
    ref = skl.Ridge(alpha=1.0, solver="svd").fit(X.toarray(), y, sample_weight=w)
    assert _rel(fit.coef_, ref.coef_) < 1e-10
    assert _rel(fit.intercept_, ref.intercept_) < 1e-10


def _mp_ridge(X, y, alpha, fit_intercept, dps=40):
    """The ridge optimum at ``dps`` digits (mpmath), from the kernel side:
    ``b = Xc' (Xc Xc' + alpha I)^-1 yc`` (exact whatever X'X's conditioning)."""
    import mpmath

    with mpmath.workdps(dps):
        A = mpmath.matrix(np.asarray(X, dtype=np.float64).tolist())
        v = mpmath.matrix(np.asarray(y, dtype=np.float64).tolist())
        n, p = A.rows, A.cols
        if fit_intercept:
            for j in range(p):
                mj = mpmath.fsum(A[i, j] for i in range(n)) / n
                for i in range(n):
                    A[i, j] -= mj
            ybar = mpmath.fsum(v) / n
            v = v - mpmath.matrix([ybar] * n)
        K = A * A.T + mpmath.mpf(float(alpha)) * mpmath.eye(n)
        b = A.T * mpmath.lu_solve(K, v)
        return np.array([float(b[j]) for j in range(p)])


@pytest.mark.parametrize(
    ("n", "p", "alpha", "fit_intercept"),
    [
        (58, 75, 1.5e-10, False),  # the adversarial suite's sparse_fits 11, 13, 25, 77
        (20, 55, 6.5e-11, False),
        (34, 36, 2.8e-12, False),
        (40, 90, 1e-9, True),
    ],
)
def test_wide_tiny_alpha_is_exact_or_warns(n, p, alpha, fit_intercept):
    """Wide sparse X with alpha far below X'X's rounding over its condition: the Gram
    route's answer was off by 0.1 with a bound of 1e-10; the rows are solved densely
    (kernel side) now.  Reference: the optimum at 40 digits (mpmath)."""
    rng = np.random.default_rng(n + p)
    X = rng.standard_normal((n, p))
    X[rng.random((n, p)) < 0.6] = 0.0
    y = rng.standard_normal(n)
    ref = _mp_ridge(X, y, alpha, fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(sp.csc_matrix(X), y)
    assert fit.solution_.error_estimate <= 1e-10
    assert np.linalg.norm(fit.coef_ - ref) <= 1e-9 * np.linalg.norm(ref)


def test_two_by_two_with_intercept_is_minimum_norm():
    """The adversarial suite's sparse_fits 1141: 2 rows, 2 columns, an intercept (so
    underdetermined); the Moments alone returned a basic solution (off by 3.4), not the
    minimum-norm one.  Reference: numpy's pseudo-inverse of the centred rows."""
    X = np.array([[5302.03510638, 8588.75633865], [5301.84255366, 8589.24065359]])
    y = np.array([-0.52639082, -2.53236227])
    ref = np.linalg.pinv(X - X.mean(axis=0)) @ (y - y.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the underdetermined RankDeficientWarning
        fit = LinearRegression().fit(sp.coo_matrix(X), y)
    assert np.linalg.norm(fit.coef_ - ref) <= 1e-8 * np.linalg.norm(ref)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_square_ill_conditioned_without_intercept(seed):
    """The pattern of sparse_fits 1318: square sparse X (20 x 20, 78% zeros) with
    condition ~1e6-1e7, no intercept: the Gram route's refinement claimed 1e-11 and was
    off by 8e-3.  X in memory is cheap, so the dense solvers (which measure their bound
    from X) answer.  Reference: the solve at 40 digits (mpmath)."""
    import mpmath

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 20)) * (rng.random((20, 20)) < 0.3)
    np.fill_diagonal(X, 1.0 + rng.random(20))
    X[:, 1] = X[:, 0] + 1e-6 * rng.standard_normal(20) * (X[:, 0] != 0)
    y = rng.standard_normal(20)
    with mpmath.workdps(40):
        exact = mpmath.lu_solve(mpmath.matrix(X.tolist()), mpmath.matrix(y.tolist()))
        ref = np.array([float(v) for v in exact])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = LinearRegression(fit_intercept=False).fit(sp.csc_array(X), y)
    err = np.linalg.norm(fit.coef_ - ref) / np.linalg.norm(ref)
    assert err <= max(1e-6, 100 * fit.solution_.error_estimate) or caught
    assert err <= 1e-6


def test_underflowing_column_warns_on_the_iterative_route():
    """ridge_named_solvers 553: a column whose one entry (4e-87) sits in a row of
    weight 7e-244: ``w x^2`` underflows to 0 and CG returned 0 with bound 0.  Now an
    AccuracyWarning names the column (scikit-learn's SVD ridge gives 0 too: neither can
    resolve it, which is what the warning says)."""
    X = sp.csc_matrix(np.array([[0.0], [0.0], [0.0], [4.28932707e-87], [0.0]]))
    y = np.array([19581.76, 19499.61, 19557.54, 19569.82, 19554.90])
    w = np.array([7.0e-244, 4.26e-2, 3.63e-2, 7.0e-244, 2.43e-2])
    with pytest.warns(AccuracyWarning, match="underflow"):
        Ridge(alpha=2.35e-3, solver="sparse_cg").fit(X, y, sample_weight=w)
