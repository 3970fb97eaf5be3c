"""HAC (Newey-West) covariances against Stata (the macrodata results statsmodels ships)
and statsmodels' OLS/WLS(...).fit(cov_type="HAC"); the chunked pass's ordered
reduction against the whole-sample sum."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

import linreg
from linreg.inference.hac import HacPart, kernel_weights

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-8


def _macro():
    from statsmodels.datasets import macrodata

    d = macrodata.load_pandas().data
    g_gdp = 400 * np.diff(np.log(d["realgdp"].to_numpy()))
    g_inv = 400 * np.diff(np.log(d["realinv"].to_numpy()))
    X = np.column_stack([g_gdp, d["realint"].to_numpy()[:-1]])
    return X, g_inv


def _diabetes():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return X, y, None


def _heteroscedastic():
    rng = np.random.default_rng(5)
    n = 300
    X = rng.standard_normal((n, 3)) * [1.0, 30.0, 0.01] + [5.0, -200.0, 3.0]
    e = np.zeros(n)
    for t in range(1, n):  # AR(1) errors with a changing spread
        e[t] = 0.6 * e[t - 1] + rng.standard_normal() * (1 + abs(X[t, 0] - 5))
    return X, X @ [1.0, 0.02, 50.0] + e, None


def _weighted():
    X, y, _ = _heteroscedastic()
    return X, y, np.random.default_rng(6).uniform(0.1, 5.0, len(y))


PROBLEMS = {"diabetes": _diabetes, "heteroscedastic": _heteroscedastic, "weighted": _weighted}


def _statsmodels(X, y, w, **cov_kwds):
    exog = sm.add_constant(X, has_constant="add")
    model = sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return model.fit(cov_type="HAC", cov_kwds=cov_kwds)


def _assert_pvalues(s, ref, rtol):
    """p-values to ``rtol (1 + t^2)`` (a relative error e of a standard error moves a
    tail probability by ~``t^2 e`` relative)."""
    t = np.abs(ref.tvalues)
    err = np.abs(s.pvalues - ref.pvalues) / np.maximum(ref.pvalues, 1e-300)
    assert np.all(err <= rtol * (1 + t**2)), err


# ---------------------------------------------------------------------------- Stata
ORDER = [1, 2, 0]  # Stata: g_realgdp L.realint _cons
STATA_RTOL = 1e-10  # statsmodels' test_robustcov compares these at its default 1e-10


def _check_stata(s, ref, f=True):
    table = ref.params_table
    assert_allclose(s.params[ORDER], table[:, 0], rtol=STATA_RTOL)
    assert_allclose(s.bse[ORDER], table[:, 1], rtol=STATA_RTOL)
    assert_allclose(s.tvalues[ORDER], table[:, 2], rtol=STATA_RTOL)
    assert_allclose(s.pvalues[ORDER], table[:, 3], rtol=5e-10)
    assert_allclose(s.conf_int()[ORDER], table[:, 4:6], rtol=STATA_RTOL)
    assert_allclose(s.cov_params()[np.ix_(ORDER, ORDER)], ref.cov, rtol=STATA_RTOL)
    if f:
        assert_allclose(s.fvalue, ref.F, rtol=STATA_RTOL)
        assert_allclose(s.f_pvalue, ref.Fp, rtol=1e-9)


def test_macro_hac_matches_stata():
    from statsmodels.regression.tests.results import results_macro_ols_robust as R

    X, y = _macro()
    model = linreg.LinearRegression().fit(X, y)
    # ivreg2 ..., robust bw(5) small: 4 lags, Bartlett, n/(n-k), t(df_resid)
    small = model.summary("HAC", maxlags=4, use_correction=True, use_t=True)
    _check_stata(small, R.results_ivhac4_small)
    large = model.summary("HAC", maxlags=4, kernel="bartlett")  # no correction, normal
    _check_stata(large, R.results_ivhac4_large, f=False)
    assert not large.use_t and large.df_resid_inference is None
    assert large.cov_kwds == {"maxlags": 4, "kernel": "bartlett", "use_correction": False}


# ---------------------------------------------------------------------------- statsmodels
@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize("kernel", ["bartlett", "uniform"])
@pytest.mark.parametrize("maxlags", [0, 1, 3, 8])
@pytest.mark.parametrize("use_correction", [False, True])
def test_matches_statsmodels(name, kernel, maxlags, use_correction):
    X, y, w = PROBLEMS[name]()
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    kw = {"maxlags": maxlags, "kernel": kernel, "use_correction": use_correction}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linreg.AccuracyWarning)  # uniform: may be indefinite
        s = model.summary(cov_type="HAC", cov_kwds=kw)
    ref = _statsmodels(X, y, w, **kw)
    ok = np.isfinite(ref.bse)
    assert_allclose(s.bse[ok], ref.bse[ok], rtol=RTOL)
    assert np.all(np.isnan(s.bse[~ok]))
    if ok.all():
        atol = 1e-14 * ref.bse.max() ** 2
        assert_allclose(s.cov_params(), ref.cov_params(), rtol=RTOL, atol=atol)
        _assert_pvalues(s, ref, RTOL)
    assert_allclose(s.fvalue, ref.fvalue, rtol=RTOL)
    assert_allclose(s.f_pvalue, ref.f_pvalue, rtol=1e-7, atol=1e-300)


def test_weights_func_callable_and_hac_spelling():
    from statsmodels.stats.sandwich_covariance import weights_uniform

    X, y, _ = _heteroscedastic()
    model = linreg.LinearRegression().fit(X, y)
    a = model.summary("hac", maxlags=3, weights_func=weights_uniform)
    b = model.summary("HAC", maxlags=3, kernel="uniform")
    assert_allclose(a.bse, b.bse, rtol=1e-15)
    assert a.cov_type == "HAC" and a.cov_kwds["kernel"] == "uniform"
    assert "using 3 lags and without small sample correction" in str(a)


# ---------------------------------------------------------------------------- monoid
@pytest.mark.parametrize("maxlags", [0, 1, 4])
def test_ordered_reduction_is_associative(maxlags):
    """Cutting the rows anywhere (pieces shorter than L included) and adding the parts
    in order, in any bracketing, gives the whole-sample sum of statsmodels' formula."""
    rng = np.random.default_rng(maxlags)
    s = rng.standard_normal((57, 3))
    weights, _ = kernel_weights("bartlett", maxlags)
    from statsmodels.stats.sandwich_covariance import S_hac_simple, weights_bartlett

    whole = S_hac_simple(s, nlags=maxlags, weights_func=weights_bartlett)
    cuts = [0, 1, 2, 5, 6, 20, 21, 22, 40, 57]
    parts = [HacPart.of(s[a:b], weights) for a, b in zip(cuts[:-1], cuts[1:])]
    left = parts[0]
    for p in parts[1:]:
        left = left + p
    right = parts[-1]
    for p in reversed(parts[:-1]):
        right = p + right
    tree = parts
    while len(tree) > 1:
        tree = [sum(tree[i + 1 : i + 3], tree[i]) for i in range(0, len(tree), 3)]
    for total in (left, right, tree[0]):
        assert_allclose(total.meat, whole, rtol=1e-12, atol=1e-12)
        assert total.n == 57


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cov_type": "HAC"}, "needs maxlags"),
        ({"cov_type": "HAC", "maxlags": -1}, "non-negative integer"),
        ({"cov_type": "HAC", "maxlags": 2.5}, "non-negative integer"),
        ({"cov_type": "HAC", "maxlags": 2, "kernel": "parzen"}, "unknown HAC kernel"),
        ({"cov_type": "HAC", "maxlags": 2, "groups": np.zeros(442)}, "groups= applies"),
        ({"cov_type": "HC0", "maxlags": 2}, "maxlags= applies to cov_type='HAC'"),
    ],
)
def test_bad_input(kwargs, match):
    X, y, _ = _diabetes()
    model = linreg.LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match=match):
        model.summary(**kwargs)
