"""linreg.diagnostics against statsmodels on the same data, the R (lmtest, fBasics),
EViews and gretl values statsmodels' own tests check, mpmath, and streamed against in
memory."""

from __future__ import annotations

import pickle
import warnings

import mpmath
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.stats.diagnostic as smd
import statsmodels.stats.stattools as sst
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from statsmodels.stats.outliers_influence import variance_inflation_factor as sm_vif

import linreg
from linreg import LinearRegression
from linreg import diagnostics as D
from linreg.inference.diagnostics import ResidualMoments, footer_lines, footer_statistics

RTOL = 1e-8

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


# ---------------------------------------------------------------------- problems
def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y, None


def _heteroscedastic():
    rng = np.random.default_rng(1)
    n = 400
    X = rng.normal(size=(n, 3)) + np.array([5.0, -2.0, 0.0])
    noise = rng.standard_t(5, size=n) * np.exp(0.4 * X[:, 0] - 2)
    y = 1.0 + X @ np.array([2.0, -1.0, 0.5]) + noise
    return X, y, None


def _weighted():
    X, y, _ = _diabetes()
    w = np.random.default_rng(2).uniform(0.1, 3.0, size=len(y))
    return X, y, w


PROBLEMS = {"diabetes": _diabetes, "heteroscedastic": _heteroscedastic, "weighted": _weighted}


def _fits(name):
    X, y, w = PROBLEMS[name]()
    model = LinearRegression().fit(X, y, sample_weight=w)
    exog = sm.add_constant(X)
    res = (sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)).fit()
    return model, res, X, y, w


def _close(actual, expected, rtol=RTOL):
    assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol)


# ------------------------------------------- residual statistics (every problem)
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_residual_statistics_match_statsmodels(name):
    model, res, *_ = _fits(name)
    _close(D.jarque_bera(model), sst.jarque_bera(res.wresid))
    _close(D.omni_normtest(model), sst.omni_normtest(res.wresid))
    _close(D.durbin_watson(model), sst.durbin_watson(res.wresid))


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_footer_matches_statsmodels_summary(name):
    model, res, *_ = _fits(name)
    stats = footer_statistics(model._inference_problem(), model.coef_, model.intercept_)
    res.summary()  # fills res.diagn
    for key, sm_key in [
        ("Omnibus", "omni"),
        ("Prob(Omnibus)", "omnipv"),
        ("Skew", "skew"),
        ("Kurtosis", "kurtosis"),
        ("Jarque-Bera (JB)", "jb"),
        ("Prob(JB)", "jbpv"),
    ]:
        _close(stats[key], res.diagn[sm_key])
    _close(stats["Durbin-Watson"], sst.durbin_watson(res.wresid))
    lines = str(res.summary()).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Omnibus:"))
    assert footer_lines(stats, res.condition_number) == lines[start : start + 4]


@pytest.mark.parametrize("name", ["diabetes", "heteroscedastic"])
def test_heteroscedasticity_tests_match_statsmodels(name):
    model, res, X, y, _ = _fits(name)
    exog = res.model.exog
    _close(D.het_breuschpagan(model), smd.het_breuschpagan(res.resid, exog))
    _close(D.het_breuschpagan(model, robust=False), smd.het_breuschpagan(res.resid, exog, False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels: a rank-deficient auxiliary design
        _close(D.het_white(model), smd.het_white(res.resid, exog))
    for alternative in ("increasing", "decreasing", "two-sided"):
        ours = D.het_goldfeldquandt(model, idx=1, alternative=alternative)
        theirs = smd.het_goldfeldquandt(
            y, exog, idx=2, alternative=alternative, result_object=False
        )
        _close(ours[:2], theirs[:2])
        assert ours[2] == theirs[2]
    ours = D.het_goldfeldquandt(model, split=0.4, drop=0.1)
    _close(ours[:2], smd.het_goldfeldquandt(y, exog, split=0.4, drop=0.1, result_object=False)[:2])
    _close(D.variance_inflation_factor(model), [sm_vif(exog, j) for j in range(1, exog.shape[1])])


@pytest.mark.parametrize("name", ["diabetes", "heteroscedastic"])
def test_specification_tests_match_statsmodels(name):
    model, res, *_ = _fits(name)
    _close(D.acorr_breusch_godfrey(model), smd.acorr_breusch_godfrey(res, result_object=False))
    _close(
        D.acorr_breusch_godfrey(model, nlags=3),
        smd.acorr_breusch_godfrey(res, nlags=3, result_object=False),
    )
    for test_type in ("fitted", "exog"):
        for use_f in (False, True):
            ours = D.linear_reset(model, test_type=test_type, use_f=use_f)
            theirs = smd.linear_reset(res, test_type=test_type, use_f=use_f)
            _close([ours.statistic, ours.pvalue], [theirs.statistic, theirs.pvalue])
            assert ours.distribution == theirs.distribution
            assert ours.df_denom == float(theirs.df_denom)
    # fitted^4 next to fitted^2: statsmodels' pinv of the raw augmented design keeps ~7
    # digits on diabetes (ours is exact to 1e-15 against an 80-digit mpmath solve)
    ours = D.linear_reset(model, power=[2, 4], use_f=True)
    theirs = smd.linear_reset(res, power=[2, 4], use_f=True)
    _close([ours.statistic, ours.pvalue], [theirs.statistic, theirs.pvalue], rtol=1e-6)


def test_reset_princomp_matches_the_augmented_regression():
    """statsmodels' princomp RESET finds the component by NIPALS (to ~1e-8): compare with
    its own augmented regression and Wald test on the exact first principal component."""
    model, res, X, y, _ = _fits("heteroscedastic")
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    pc = np.linalg.svd(Z, full_matrices=False)[0][:, 0]
    aug = np.column_stack([res.model.exog, pc**2, pc**3])
    wald = sm.OLS(y, aug).fit().wald_test(np.eye(2, 6, k=4), use_f=True, scalar=True)
    ours = D.linear_reset(model, test_type="princomp", use_f=True)
    _close([ours.statistic, ours.pvalue], [wald.statistic, wald.pvalue])
    loose = smd.linear_reset(res, test_type="princomp", use_f=True)
    _close(ours.statistic, loose.statistic, rtol=1e-6)


def test_reset_is_exact_where_statsmodels_loses_digits():
    """diabetes' fitted values near 150 make fitted^2 and fitted^3 nearly collinear:
    the RESET statistic against a 60-digit mpmath solution of the augmented regression."""
    X, y, _ = _diabetes()
    model = LinearRegression().fit(X, y)
    mpmath.mp.dps = 60
    A = mpmath.matrix(np.column_stack([np.ones(len(y)), X]).tolist())
    ym = mpmath.matrix(y.tolist())
    fitted = A * mpmath.lu_solve(A.T * A, A.T * ym)

    def rss(M):
        e = ym - M * mpmath.lu_solve(M.T * M, M.T * ym)
        return sum(v**2 for v in e)

    rows = [[*A[i, :].tolist()[0], fitted[i] ** 2, fitted[i] ** 3] for i in range(len(y))]
    rss_u = rss(mpmath.matrix(rows))
    exact = (rss(A) - rss_u) / (rss_u / (len(y) - 13))
    assert_allclose(D.linear_reset(model).statistic, float(exact), rtol=1e-12)


def test_without_intercept():
    """No intercept: the heteroscedasticity tests' auxiliary regressions still have a
    constant (statsmodels needs one among exog_het); RESET and Breusch-Godfrey are
    statsmodels' on the model without a constant."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(200, 2)) + 3.0
    y = X @ np.array([1.0, 2.0]) + rng.normal(size=200) * X[:, 0]
    model = LinearRegression(fit_intercept=False).fit(X, y)
    res = sm.OLS(y, X).fit()
    exog_het = sm.add_constant(X)
    _close(D.het_breuschpagan(model), smd.het_breuschpagan(res.resid, exog_het))
    _close(D.het_white(model), smd.het_white(res.resid, exog_het))
    for use_f in (False, True):
        ours, theirs = D.linear_reset(model, use_f=use_f), smd.linear_reset(res, use_f=use_f)
        _close([ours.statistic, ours.pvalue], [theirs.statistic, theirs.pvalue])
    _close(
        D.acorr_breusch_godfrey(model, nlags=2),
        smd.acorr_breusch_godfrey(res, nlags=2, result_object=False),
    )
    _close(D.jarque_bera(model), sst.jarque_bera(res.resid))


# ----------------------------------------------------------------------- weighted
def test_weighted_fits():
    """WLS: the whitened residuals sqrt(w) r (statsmodels' wresid) against the model's
    regressors; Breusch-Godfrey of the whitened regression; RESET and Goldfeld-Quandt
    as weighted regressions; the weighted VIFs."""
    model, res, X, y, w = _fits("weighted")
    exog = res.model.exog
    _close(D.het_breuschpagan(model), smd.het_breuschpagan(res.wresid, exog))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(D.het_white(model), smd.het_white(res.wresid, exog))
    root = np.sqrt(w)
    whitened = sm.OLS(root * y, root[:, None] * exog).fit()
    _close(
        D.acorr_breusch_godfrey(model, nlags=3),
        smd.acorr_breusch_godfrey(whitened, nlags=3, result_object=False),
    )
    fitted = res.fittedvalues
    aug = np.column_stack([exog, fitted**2, fitted**3])
    wald = sm.WLS(y, aug, weights=w).fit().wald_test(np.eye(2, 13, k=11), use_f=True, scalar=True)
    ours = D.linear_reset(model, use_f=True)
    _close([ours.statistic, ours.pvalue], [wald.statistic, wald.pvalue])
    order = np.argsort(X[:, 2])  # as statsmodels sorts (ties in numpy's default order)
    half = len(y) // 2
    parts = [slice(None, half), slice(half, None)]
    mse = [
        sm.WLS(y[order][s], exog[order][s], weights=w[order][s]).fit().mse_resid for s in parts
    ]
    _close(D.het_goldfeldquandt(model, idx=2)[0], mse[1] / mse[0])
    vif = [
        1 / (1 - sm.WLS(X[:, j], sm.add_constant(np.delete(X, j, 1)), weights=w).fit().rsquared)
        for j in range(X.shape[1])
    ]
    _close(D.variance_inflation_factor(model), vif)


def test_zero_weights_are_rows_left_out(tmp_path):
    X, y, w = _weighted()
    w = w.copy()
    w[::7] = 0.0
    model = LinearRegression().fit(X, y, sample_weight=w)
    keep = w > 0
    res = sm.WLS(y[keep], sm.add_constant(X[keep]), weights=w[keep]).fit()
    _close(D.jarque_bera(model), sst.jarque_bera(res.wresid))
    _close(D.durbin_watson(model), sst.durbin_watson(res.wresid))
    _close(D.het_breuschpagan(model), smd.het_breuschpagan(res.wresid, res.model.exog))
    # a scan whose batches of 10 rows include some with weights all zero
    w[100:130] = 0.0
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["y"], frame["w"] = y, w
    path = tmp_path / "zeros.parquet"
    frame.to_parquet(path)
    source = linreg.scan(path, target="y", features=list(frame.columns[:-2]), weights="w",
                         batch_size=10)
    streamed = LinearRegression().fit(source)
    keep = w > 0
    res = sm.WLS(y[keep], sm.add_constant(X[keep]), weights=w[keep]).fit()
    _close(D.het_breuschpagan(streamed), smd.het_breuschpagan(res.wresid, res.model.exog))
    _close(D.durbin_watson(streamed), sst.durbin_watson(res.wresid))


# ---------------------------------------------------------------- autocorrelation
def test_ar1_errors_durbin_watson_and_breusch_godfrey():
    rng = np.random.default_rng(3)
    n = 300
    X = rng.normal(size=(n, 2))
    e = np.zeros(n)
    for t in range(1, n):
        e[t] = 0.6 * e[t - 1] + rng.normal()
    y = 2.0 + X @ np.array([1.0, -1.0]) + e
    model = LinearRegression().fit(X, y)
    res = sm.OLS(y, sm.add_constant(X)).fit()
    dw = D.durbin_watson(model)
    _close(dw, sst.durbin_watson(res.resid))
    assert dw < 1.2  # positive autocorrelation
    for nlags in (1, 4, None):
        ours = D.acorr_breusch_godfrey(model, nlags=nlags)
        _close(ours, smd.acorr_breusch_godfrey(res, nlags=nlags, result_object=False))
    assert ours.lmpval < 1e-6


# ------------------------------------------- R, EViews and gretl (statsmodels' tests)
@pytest.fixture(scope="module")
def macro():
    """statsmodels' TestDiagnosticG regression (R's lm on macrodata growth rates)."""
    from statsmodels.datasets import macrodata

    d = macrodata.load_pandas().data
    X = np.column_stack(
        [400 * np.diff(np.log(d["realgdp"].values)), d["realint"][:-1].values]
    )
    y = 400 * np.diff(np.log(d["realinv"].values))
    return LinearRegression().fit(X, y)


def test_macro_regression(macro):
    assert_allclose(macro.intercept_, -9.48167277465485, rtol=1e-12)
    assert_allclose(macro.coef_, [4.3742216647032, -0.613996969478989], rtol=1e-12)


def test_r_lmtest_bptest(macro):
    # bptest(fm) and bptest(fm, studentize=FALSE)
    bp = D.het_breuschpagan(macro)
    assert_allclose(bp[:2], [0.709924388395087, 0.701199952134347], rtol=1e-12, atol=1e-12)
    bp = D.het_breuschpagan(macro, robust=False)
    assert_allclose(bp[:2], [1.302014063483341, 0.5215203247110649], rtol=1e-12, atol=1e-12)


def test_eviews_white(macro):
    hw = D.het_white(macro)
    expected = [33.503722896538441, 2.9887960597830259e-06, 7.7945101228430946,
                1.0354575277704231e-06]
    np.testing.assert_almost_equal(hw, expected, decimal=7)
    assert_allclose(hw[0], 33.503722896538441, rtol=1e-12)


def test_r_lmtest_bgtest(macro):
    # bgtest(fm, order=4, type="Chisq") and type="F"
    bg = D.acorr_breusch_godfrey(macro, nlags=4)
    expected = [4.771042651230007, 0.3116067133066697, 1.179280833676792, 0.321197487261203]
    np.testing.assert_almost_equal(bg, expected, decimal=11)
    assert_allclose(bg, expected, rtol=1e-12)


def test_r_lmtest_gqtest(macro):
    # gqtest(fm, alternative=...) and gqtest(fm, fraction=0.1, alternative="two.sided")
    expected = {
        "increasing": 0.9990217851193723,
        "decreasing": 0.000978214880627621,
        "two-sided": 0.001956429761255241,
    }
    for alternative, pvalue in expected.items():
        gq = D.het_goldfeldquandt(macro, split=0.5, alternative=alternative)
        assert_allclose(gq[:2], [0.5313259064778423, pvalue], rtol=1e-12, atol=1e-12)
        assert gq.ordering == alternative
    gq = D.het_goldfeldquandt(macro, split=90, drop=21, alternative="two-sided")
    assert_allclose(gq[:2], [0.5006976835928314, 0.001387126702579789], rtol=1e-12, atol=1e-12)


def test_gretl_reset_and_durbin_watson(macro):
    # statsmodels' test_glsar_gretl (OLS part): RESET squares and cubes F(2, 197) =
    # 5.219019, p 0.00619; squares only F(1, 198) = 7.268492, p 0.00762; Durbin-Watson
    # 2.213805
    reset = D.linear_reset(macro, power=3, use_f=True)
    assert (reset.df_num, reset.df_denom) == (2, 197)
    assert round(reset.statistic, 6) == 5.219019
    assert round(reset.pvalue, 5) == 0.00619
    reset = D.linear_reset(macro, power=2, use_f=True)
    assert (reset.df_num, reset.df_denom) == (1, 198)
    assert round(reset.statistic, 6) == 7.268492
    assert round(reset.pvalue, 5) == 0.00762
    assert round(D.durbin_watson(macro), 6) == 2.213805


def test_r_fbasics_jarque_bera():
    """statsmodels' test_statstools: R fBasics' jarqueberaTest of its 20 numbers, here the
    residuals of an intercept-only fit (the zero column is aliased)."""
    x = np.array([
        -0.1184, -1.3403, 0.0063, -0.612, -0.3869, -0.2313, -2.8485, -0.2167, 0.4153,
        1.8492, -0.3706, 0.9726, -0.1501, -0.0337, -1.4423, 1.2489, 0.9182, -0.2331,
        -0.6182, 0.183,
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LinearRegression().fit(np.zeros((20, 1)), x)
    np.testing.assert_almost_equal(
        D.jarque_bera(model)[:2], [1.9662677226861689, 0.3741367669648314], 14
    )


# ------------------------------------------------------------------------ streamed
def test_scan_equals_in_memory(tmp_path):
    pytest.importorskip("pyarrow")
    X, y, w = _weighted()
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["y"], frame["w"] = y, w
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    features = [f"x{j}" for j in range(X.shape[1])]
    for weights in (None, "w"):
        source = linreg.scan(path, target="y", features=features, weights=weights, batch_size=37)
        streamed = LinearRegression().fit(source)
        memory = LinearRegression().fit(X, y, sample_weight=None if weights is None else w)
        a = footer_statistics(streamed._inference_problem(), streamed.coef_, streamed.intercept_)
        b = footer_statistics(memory._inference_problem(), memory.coef_, memory.intercept_)
        assert a.keys() == b.keys()
        _close(list(a.values()), list(b.values()), rtol=1e-10)
        _close(D.het_breuschpagan(streamed), D.het_breuschpagan(memory), rtol=1e-10)
        _close(D.durbin_watson(streamed), D.durbin_watson(memory), rtol=1e-10)
        _close(D.variance_inflation_factor(streamed), D.variance_inflation_factor(memory), 1e-10)
        with pytest.raises(ValueError, match="in memory only"):
            D.het_white(streamed)
        with pytest.raises(ValueError, match="in memory only"):
            D.acorr_breusch_godfrey(streamed)
        _close(D.het_white(streamed, X=X, y=y, sample_weight=memory_weights(weights, w)),
               D.het_white(memory))


def test_dask_equals_in_memory():
    """Dask partitions run in any order on the threaded scheduler and are combined in
    partition order: Durbin-Watson across 9 partition boundaries."""
    da = pytest.importorskip("dask.array")
    import dask

    X, y, _ = _diabetes()
    memory = LinearRegression().fit(X, y)
    with dask.config.set(scheduler="threads"):
        model = LinearRegression().fit(da.from_array(X, chunks=(50, 10)), da.from_array(y, 50))
        a = footer_statistics(model._inference_problem(), model.coef_, model.intercept_)
        bp = D.het_breuschpagan(model)
    b = footer_statistics(memory._inference_problem(), memory.coef_, memory.intercept_)
    _close(list(a.values()), list(b.values()), rtol=1e-10)
    _close(bp, D.het_breuschpagan(memory), rtol=1e-10)


def memory_weights(weights, w):
    return None if weights is None else w


def test_ordered_combine_is_the_series():
    """Any split of a series into chunks, combined left to right (or as a tree), gives
    its central moments and Durbin-Watson sums."""
    u = np.random.default_rng(4).normal(size=101) + 3.0
    whole = ResidualMoments.of(u)
    cuts = [0, 1, 1, 17, 50, 51, 100, 101]
    parts = [ResidualMoments.of(u[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    left = parts[0]
    for part in parts[1:]:
        left = left + part
    tree = (parts[0] + parts[1] + parts[2]) + ((parts[3] + parts[4]) + (parts[5] + parts[6]))
    for combined in (left, tree):
        assert combined.n == whole.n
        _close(
            [combined.mean, combined.m2, combined.m3, combined.m4, combined.diff_ss],
            [whole.mean, whole.m2, whole.m3, whole.m4, whole.diff_ss],
            rtol=1e-12,
        )


# -------------------------------------------------------------------------- VIF
def test_vif_ill_conditioned_against_mpmath():
    """Columns at 1e6 with unit spread, two of them nearly collinear: statsmodels'
    raw design has kappa ~1e12; the VIFs from the Moments against exact arithmetic."""
    rng = np.random.default_rng(5)
    n = 200
    Z = rng.normal(size=(n, 3))
    Z[:, 2] = Z[:, 0] + 1e-3 * rng.normal(size=n)
    X = 1e6 + Z
    y = X @ np.array([1.0, 2.0, 3.0]) + rng.normal(size=n)
    model = LinearRegression().fit(X, y)
    mpmath.mp.dps = 50
    cols = [[mpmath.mpf(float(v)) for v in X[:, j]] for j in range(3)]
    means = [mpmath.fsum(c) / n for c in cols]
    cen = [[v - m for v in c] for c, m in zip(cols, means)]
    G = mpmath.matrix(3, 3)
    for i in range(3):
        for j in range(3):
            G[i, j] = mpmath.fsum(a * b for a, b in zip(cen[i], cen[j]))
    Gi = G**-1
    exact = [float(Gi[j, j] * G[j, j]) for j in range(3)]
    assert exact[0] > 1e5
    assert_allclose(D.variance_inflation_factor(model), exact, rtol=1e-9)


def test_vif_aliased_and_without_intercept():
    X, y, _ = _diabetes()
    X3 = np.column_stack([X[:, :3], X[:, 0] + X[:, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LinearRegression().fit(X3, y)
    vif = D.variance_inflation_factor(model)
    assert np.isinf(vif[[0, 1, 3]]).all() and np.isfinite(vif[2])
    # statsmodels' default standardize=True: centred VIFs whether or not exog has a constant
    model = LinearRegression(fit_intercept=False).fit(X + 1.0, y)
    _close(D.variance_inflation_factor(model), [sm_vif(X + 1.0, j) for j in range(10)])


# ------------------------------------------------------------------- the interface
def test_formula_model_and_refit_data():
    X, y, _ = _diabetes()
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["y"] = y
    formula = linreg.ols("y ~ a + b + c", frame)
    model = LinearRegression().fit(X[:, :3], y)
    _close(D.het_breuschpagan(formula), D.het_breuschpagan(model))
    _close(D.jarque_bera(formula), D.jarque_bera(model))
    _close(D.het_goldfeldquandt(formula, idx="b")[:2], D.het_goldfeldquandt(model, idx=1)[:2])
    other = LinearRegression().fit(X[:, :3], y)
    restored = pickle.loads(pickle.dumps(other))
    with pytest.raises(ValueError, match="pass X, y"):
        D.durbin_watson(restored)
    _close(D.durbin_watson(restored, X[:, :3], y), D.durbin_watson(model))
    with pytest.raises(ValueError, match="idx"):
        D.het_goldfeldquandt(formula, idx="nope")
    with pytest.raises(ValueError, match="alternative"):
        D.het_goldfeldquandt(model, alternative="bigger")
    with pytest.raises(ValueError, match="power"):
        D.linear_reset(model, power=1)


def test_penalized_model_refuses_refitting_tests():
    X, y, _ = _diabetes()
    model = linreg.Ridge(alpha=1.0).fit(X, y)
    with pytest.raises(ValueError, match="penalized"):
        D.linear_reset(model)
    assert np.isfinite(D.jarque_bera(model).jb)


def test_omnibus_needs_eight_observations():
    X = np.arange(7.0)[:, None]
    y = np.array([0.3, 1.1, 1.9, 3.2, 4.1, 4.8, 6.3])
    model = LinearRegression().fit(X, y)
    with pytest.warns(UserWarning, match="8 observations"):
        assert np.isnan(D.omni_normtest(model).statistic)


def test_exact_fit_is_nan_with_a_warning():
    """Residuals at y's rounding level are noise: NaN and a warning, not numbers."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 2)) + 100.0
    y = 3.0 + X @ np.array([1.5, -2.0])
    model = LinearRegression().fit(X, y)
    for func in (D.jarque_bera, D.omni_normtest, D.het_breuschpagan, D.het_white,
                 D.acorr_breusch_godfrey, D.het_goldfeldquandt):
        with pytest.warns(UserWarning, match="exactly"):
            out = func(model)
        assert np.isnan(out[0])
    with pytest.warns(UserWarning, match="exactly"):
        assert np.isnan(D.durbin_watson(model))
    with pytest.warns(UserWarning, match="exactly"):
        assert np.isnan(D.linear_reset(model).statistic)
    with pytest.warns(UserWarning, match="exactly"):
        stats = footer_statistics(model._inference_problem(), model.coef_, model.intercept_)
    assert all(np.isnan(v) for v in stats.values())


def test_constant_feature_vif_is_nan_with_a_warning():
    X, y, _ = _diabetes()
    X = np.column_stack([X[:, :2], np.full(len(y), 2.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LinearRegression().fit(X, y)
    with pytest.warns(UserWarning, match="constant feature"):
        vif = D.variance_inflation_factor(model)
    assert np.isnan(vif[2]) and np.isfinite(vif[:2]).all()


def test_target_of_a_two_column_y():
    X, y, _ = _diabetes()
    y2 = np.sin(y) + X[:, 0]
    both = LinearRegression().fit(X, np.column_stack([y, y2]))
    one = LinearRegression().fit(X, y2)
    for func in (D.jarque_bera, D.het_breuschpagan, D.het_white, D.acorr_breusch_godfrey):
        _close(func(both, target=1), func(one), rtol=1e-10)
    with pytest.raises(ValueError, match="target"):
        D.durbin_watson(both, target=2)


def test_residual_arrays_as_statsmodels_takes_them():
    """``jarque_bera(resid)``, ``omni_normtest(resid)``, ``durbin_watson(resid)`` on an
    array (or Series) of residuals, as statsmodels' functions of those names."""
    from linreg import diagnostics

    resid = np.cumsum(np.random.default_rng(0).standard_normal(60))
    np.testing.assert_allclose(diagnostics.jarque_bera(resid), sst.jarque_bera(resid), rtol=1e-12)
    np.testing.assert_allclose(
        diagnostics.omni_normtest(resid), sst.omni_normtest(resid), rtol=1e-12
    )
    dw = diagnostics.durbin_watson(pd.Series(resid))
    assert dw == pytest.approx(sst.durbin_watson(resid), rel=1e-12)
    with pytest.raises(ValueError, match="1-D array of finite"):
        diagnostics.durbin_watson(np.array([1.0, np.nan, 2.0]))
