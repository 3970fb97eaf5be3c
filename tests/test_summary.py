"""Inference against NIST certified values and statsmodels on the same data."""

import pickle

import numpy as np
import pytest
import statsmodels.api as sm

import linreg
from linreg.datasets import load_nist, nist_names
from linreg.solvers import auto

COV_TYPES = ["nonrobust", "HC0", "HC1", "HC2", "HC3"]
SCALARS = [
    "rsquared",
    "rsquared_adj",
    "fvalue",
    "f_pvalue",
    "llf",
    "aic",
    "bic",
    "df_resid",
    "df_model",
    "mse_resid",
    "ssr",
    "condition_number",
]
VECTORS = ["params", "bse", "tvalues", "pvalues"]


def log_relative_error(estimate, certified):
    estimate = np.asarray(estimate, dtype=np.float64)
    certified = np.asarray(certified, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.abs(estimate - certified) / np.abs(certified)
    err = np.where(certified == 0, np.abs(estimate), relative)
    return -np.log10(np.maximum(err, 1e-300))


@pytest.mark.parametrize("name", nist_names())
def test_nist_certified_statistics_to_9_digits(name):
    """Standard errors, residual standard deviation and R^2 (certified zero: |x| < 1e-9)."""
    data = load_nist(name, dtype=np.longdouble)
    model = linreg.LinearRegression(fit_intercept=data.fit_intercept).fit(data.X, data.y)
    s = model.summary()
    assert log_relative_error(s.bse, data.bse).min() >= 9
    assert log_relative_error(np.sqrt(s.mse_resid), data.residual_sd) >= 9
    assert log_relative_error(s.rsquared, data.rsquared) >= 9


def heteroscedastic(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) + np.array([5.0, -2.0, 0.0, 100.0])
    noise = rng.normal(size=n) * (0.2 + np.abs(X[:, 0] - 5))
    y = 3 + X @ np.array([1.0, -0.5, 0.25, 0.01]) + noise
    return X, y


def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


CASES = {
    "diabetes": lambda: (*diabetes(), None),
    "heteroscedastic": lambda: (*heteroscedastic(), None),
    "weighted": lambda: (*heteroscedastic(seed=1), np.random.default_rng(2).uniform(0.2, 3.0, 400)),
}


def statsmodels_fit(X, y, w, cov_type, fit_intercept=True):
    exog = sm.add_constant(X) if fit_intercept else X
    model = sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)
    return model.fit(cov_type=cov_type)


def assert_matches_statsmodels(s, ref, rtol=1e-8):
    for name in VECTORS:
        np.testing.assert_allclose(getattr(s, name), getattr(ref, name), rtol=rtol, err_msg=name)
    for name in SCALARS:
        np.testing.assert_allclose(getattr(s, name), getattr(ref, name), rtol=rtol, err_msg=name)
    # Entries near zero are rounding noise in both: compare relative to the diagonal.
    norm = np.sqrt(np.outer(ref.bse, ref.bse))
    np.testing.assert_allclose(s.cov_params() / norm, ref.cov_params() / norm, rtol=0, atol=rtol)
    for level in (0.05, 0.2):
        np.testing.assert_allclose(s.conf_int(level), ref.conf_int(level), rtol=rtol)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("large_path", [False, True])
def test_matches_statsmodels(case, cov_type, large_path, monkeypatch):
    """Both the small-problem (extended precision) and the large-problem (Moments,
    Cholesky, chunked passes) implementations."""
    if large_path:
        # covariance.py reads auto's threshold at call time: one patch forces both.
        monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 0)
    X, y, w = CASES[case]()
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    ref = statsmodels_fit(X, y, w, cov_type)
    assert_matches_statsmodels(model.summary(cov_type=cov_type), ref)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("interval", ["confidence", "prediction"])
@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_prediction_intervals_match_statsmodels(case, interval, cov_type):
    X, y, w = CASES[case]()
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    ref = statsmodels_fit(X, y, w, cov_type)
    Xnew = X[:25] * 1.1
    frame = ref.get_prediction(sm.add_constant(Xnew, has_constant="add")).summary_frame(0.1)
    ours = model.predict(Xnew, interval=interval, level=0.9, cov_type=cov_type)
    assert ours.shape == (25, 3)
    kind = "mean_ci" if interval == "confidence" else "obs_ci"
    expected = frame[["mean", f"{kind}_lower", f"{kind}_upper"]].to_numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-8)


def test_no_intercept_uses_uncentred_statistics():
    X, y, _ = CASES["heteroscedastic"]()
    model = linreg.LinearRegression(fit_intercept=False).fit(X, y)
    ref = sm.OLS(y, X).fit()
    s = model.summary()
    assert s.names == ["x0", "x1", "x2", "x3"]
    assert_matches_statsmodels(s, ref)


def test_several_targets_summary_per_target():
    X, y, _ = CASES["heteroscedastic"]()
    Y = np.column_stack([y, 2 * y - X[:, 1]])
    model = linreg.LinearRegression().fit(X, Y)
    for t in range(2):
        assert_matches_statsmodels(
            model.summary(target=t), statsmodels_fit(X, Y[:, t], None, "nonrobust")
        )


def test_rank_deficient_summary_shows_coef_and_nan_for_terms_not_identified():
    """One set of coefficients: params are coef_ (the minimum-norm solution, numpy's
    pinv); the terms the dependency e = a + b moves (a, b, e) are not identified (SE
    NaN); const, c and d are, with R's standard errors (the fit without e)."""
    import pandas as pd

    X, y, _ = CASES["heteroscedastic"]()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(e=lambda f: f.a + f.b)
    with pytest.warns(linreg.RankDeficientWarning, match="'e'"):
        model = linreg.LinearRegression().fit(frame, y)
    s = model.summary()
    assert s.names == ["const", "a", "b", "c", "d", "e"]
    Xf = frame.to_numpy()
    coef = np.linalg.pinv(Xf - Xf.mean(0), rcond=1e-10) @ (y - y.mean())
    np.testing.assert_allclose(s.params, np.r_[y.mean() - Xf.mean(0) @ coef, coef], rtol=1e-8)
    np.testing.assert_allclose(s.params, np.r_[model.intercept_, model.coef_], rtol=0)
    assert s.not_identified == [1, 2, 5] and s.aliased == [5]
    assert np.isnan(s.bse[[1, 2, 5]]).all() and np.isnan(s.pvalues[[1, 2, 5]]).all()
    ref = statsmodels_fit(X, y, None, "nonrobust")
    np.testing.assert_allclose(s.bse[[0, 3, 4]], ref.bse[[0, 3, 4]], rtol=1e-8)
    np.testing.assert_allclose(s.params[[0, 3, 4]], ref.params[[0, 3, 4]], rtol=1e-8)
    assert s.df_resid == ref.df_resid and s.df_model == ref.df_model
    assert "not identified" in str(s)


def test_summary_table_prints_names_and_statistics():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    text = str(linreg.LinearRegression().fit(X, y).summary())
    for token in ("const", "bmi", "s5", "R-squared", "std err", "P>|t|", "[95%", "AIC"):
        assert token in text


def test_ridge_summary_states_the_penalized_covariance():
    """Ridge: cov = s^2 (S + aI)^-1 S (S + aI)^-1 on the centred design, by hand."""
    X, y, _ = CASES["heteroscedastic"]()
    alpha = 50.0
    model = linreg.Ridge(alpha=alpha).fit(X, y)
    s = model.summary()
    Xc = X - X.mean(axis=0)
    A = np.linalg.inv(Xc.T @ Xc + alpha * np.eye(4))
    r = y - model.predict(X)
    sigma2 = r @ r / (len(y) - 5)
    np.testing.assert_allclose(s.bse[1:], np.sqrt(np.diag(sigma2 * A @ Xc.T @ Xc @ A)), rtol=1e-9)
    assert "Penalized estimator" in str(s)


def test_robust_covariance_after_unpickling_needs_the_data():
    X, y, _ = CASES["heteroscedastic"]()
    model = pickle.loads(pickle.dumps(linreg.LinearRegression().fit(X, y)))
    np.testing.assert_allclose(
        model.summary().bse, statsmodels_fit(X, y, None, "nonrobust").bse, rtol=1e-8
    )
    with pytest.raises(ValueError, match="pass X, y"):
        model.summary(cov_type="HC1")
    ref = statsmodels_fit(X, y, None, "HC1")
    np.testing.assert_allclose(model.summary(cov_type="HC1", X=X, y=y).bse, ref.bse, rtol=1e-8)


def test_bad_options():
    X, y, _ = CASES["heteroscedastic"]()
    model = linreg.LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match="unknown cov_type 'HC9'"):
        model.summary(cov_type="HC9")
    with pytest.raises(ValueError, match="interval must be one of"):
        model.predict(X, interval="credible")
    with pytest.raises(ValueError, match="target must be in"):
        model.summary(target=3)


@pytest.mark.parametrize("source", ["memory", "scan"])
@pytest.mark.parametrize("alpha", [0.0, 3.0])
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_standard_errors_with_a_huge_offset_match_long_double(alpha, cov_type, source, tmp_path):
    """A column whose mean is 2e6 times its spread: the covariance is formed in centred
    coordinates, so the SEs match a brute-force long-double computation, in memory and
    from the Moments alone (a scan-like source), where user coordinates lost 1e-7..1e-5."""
    import linreg

    rng = np.random.default_rng(0)
    n, p = 5000, 3
    X = rng.normal(size=(n, p))
    X[:, 1] = 0.5 * X[:, 1] + 1e6
    y = X @ [1.0, 2.0, 3.0] + rng.standard_t(4, n) * (1 + np.abs(X[:, 0]))
    est = linreg.Ridge(alpha=alpha) if alpha else linreg.LinearRegression()
    if source == "memory":
        got = est.fit(X, y).summary(cov_type=cov_type).bse
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y})
        pq.write_table(table, tmp_path / "d.parquet")
        scan = linreg.scan(tmp_path / "d.parquet", target="y", batch_size=1000)
        got = est.fit(scan).summary(cov_type=cov_type).bse

    L = np.longdouble
    m = X.astype(L).mean(axis=0)
    Z = np.column_stack([np.ones(n, dtype=L), X.astype(L) - m])  # centred design
    C = Z.T @ Z
    P = np.diag(np.r_[0.0, np.full(p, alpha)]).astype(L)
    B = np.linalg.inv((C + P).astype(np.float64)).astype(L)
    for _ in range(3):  # Newton steps: B to long-double accuracy
        B = B + B @ (np.eye(p + 1, dtype=L) - (C + P) @ B)
    beta = B @ (Z.T @ y.astype(L))
    r = y.astype(L) - Z @ beta
    if cov_type == "nonrobust":
        cov_c = (r @ r) / (n - p - 1) * (B @ C @ B)
    else:
        h = np.einsum("ij,jk,ik->i", Z, B, Z)
        u = r / (1 - h)
        cov_c = B @ ((Z * (u**2)[:, None]).T @ Z) @ B
    T = np.eye(p + 1, dtype=L)
    T[0, 1:] = -m
    want = np.sqrt(np.diag(T @ cov_c @ T.T)).astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_condition_number_where_the_raw_cross_products_overflow():
    """make fuzz's case summary_hac 231 (weighted; a column of ~3e158 with a relative
    spread of 1e-7, accepted since its centred Moments are finite, while its raw
    squares overflow float64): the summary is computed, with statsmodels' condition
    number (sqrt of the eigenvalue ratio of the raw cross products, formed scaled by a
    power of two) beyond what an eigenvalue solver resolves, never an exception (it
    was a LinAlgError). Where the scaled matrix is resolvable it equals cond([1, X])."""
    from tests.adversarial.families import make_case

    case = make_case("summary_hac", 231)
    model = linreg.LinearRegression().fit(case.X, case.y, sample_weight=case.w)
    s = model.summary(cov_type="HAC", **case.extra["cov_kwds"])
    assert not s.condition_number < 1e100 and np.isfinite(s.bse).all()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2)) * [1e5, 1e-5] + [3e5, 0.0]
    s = linreg.LinearRegression().fit(X, X.sum(1) + rng.standard_normal(30)).summary()
    want = np.linalg.cond(np.column_stack([np.ones(30), X]))
    assert s.condition_number == pytest.approx(want, rel=1e-6)


def test_cov_type_names_ignore_case_as_statsmodels():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    y = X.sum(1) + rng.standard_normal(50) * (1 + np.abs(X[:, 0]))
    model = linreg.LinearRegression().fit(X, y)
    for name in ("hc0", "Hc3", "NONROBUST", "hac"):
        kwds = {"maxlags": 2} if name == "hac" else {}
        lower = model.summary(cov_type=name, **kwds)
        assert lower.cov_type == name.upper().replace("NONROBUST", "nonrobust")
        np.testing.assert_array_equal(lower.bse, model.summary(lower.cov_type, **kwds).bse)
    with pytest.raises(ValueError, match="unknown cov_type 'HC4'"):
        model.summary(cov_type="HC4")
