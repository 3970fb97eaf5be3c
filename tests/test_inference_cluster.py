"""Cluster-robust covariances against Stata (the Grunfeld results statsmodels ships) and
statsmodels' OLS/WLS(...).fit(cov_type="cluster") on several problems."""

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import linreg
from linreg import AccuracyWarning

sm = pytest.importorskip("statsmodels.api")
pd = pytest.importorskip("pandas")

RTOL = 1e-8


# ---------------------------------------------------------------------------- data
def _grunfeld():
    from statsmodels.datasets import grunfeld

    d = grunfeld.data.load_pandas()
    ex = d.exog[:200]  # Stata's example misses the last firm (statsmodels' test_robustcov)
    X = np.asarray(ex[["value", "capital"]], dtype=float)
    return X, np.asarray(d.endog[:200], dtype=float), np.asarray(ex["firm"]), np.asarray(ex["year"])


def _diabetes():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(1)
    return X, y, rng.integers(0, 25, len(y)), rng.integers(0, 9, len(y)), None


def _heteroscedastic():
    rng = np.random.default_rng(2)
    n = 400
    X = rng.standard_normal((n, 3)) * [1.0, 30.0, 0.01] + [5.0, -200.0, 3.0]
    firm = rng.integers(0, 40, n)
    shock = rng.standard_normal(40)[firm]
    y = X @ [1.0, 0.02, 50.0] + (1 + np.abs(X[:, 0] - 5)) * (rng.standard_normal(n) + shock)
    return X, y, firm, rng.integers(0, 12, n), None


def _weighted():
    X, y, g0, g1, _ = _heteroscedastic()
    w = np.random.default_rng(3).uniform(0.1, 5.0, len(y))
    return X, y, g0, g1, w


PROBLEMS = {"diabetes": _diabetes, "heteroscedastic": _heteroscedastic, "weighted": _weighted}


def _statsmodels(X, y, w, **cov_kwds):
    exog = sm.add_constant(X, has_constant="add")
    model = sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sqrt of a negative variance
        return model.fit(cov_type="cluster", cov_kwds=cov_kwds)


def _assert_pvalues(s, ref, rtol=RTOL, ok=slice(None)):
    """p-values to ``rtol (1 + t^2)``: a relative error e of a standard error moves a
    normal or t tail probability by about ``t^2 e`` relative, so this is rtol on the
    standard errors (statsmodels' own, through pinv, are ~1e-10 off at offsets)."""
    t = np.abs(np.asarray(ref.tvalues)[ok])
    mine, theirs = s.pvalues[ok], np.asarray(ref.pvalues)[ok]
    err = np.abs(mine - theirs) / np.maximum(np.abs(theirs), 1e-300)
    assert np.all(err <= rtol * (1 + t**2)), (mine, theirs, err / (1 + t**2))


def _compare(s, ref, rtol=RTOL, fvalue=True):
    assert_allclose(s.params, ref.params, rtol=1e-10)
    assert_allclose(s.bse, ref.bse, rtol=rtol)
    _assert_pvalues(s, ref, rtol)
    assert_allclose(s.cov_params(), ref.cov_params(), rtol=rtol, atol=1e-14 * np.max(ref.bse) ** 2)
    assert_allclose(s.conf_int(), ref.conf_int(), rtol=rtol)
    if fvalue:
        assert_allclose(s.fvalue, ref.fvalue, rtol=rtol)
        assert_allclose(s.f_pvalue, ref.f_pvalue, rtol=1e-7)


def _exact(X, y, w, groupings, use_correction=True):
    """``(bse, F)`` of the cluster-robust covariance (one grouping, or two: V0 + V1 -
    V01) in 40-digit arithmetic (mpmath): the arbiter where statsmodels' float64 pinv
    route is itself off (two clusters, offsets, an indefinite two-way V)."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(40):
        n, p = X.shape
        mp = mpmath.mpf
        root = [mpmath.sqrt(mp(float(v))) for v in (np.ones(n) if w is None else w)]
        A = mpmath.matrix([[root[i]] + [root[i] * mp(float(v)) for v in X[i]] for i in range(n)])
        Y = mpmath.matrix([root[i] * mp(float(y[i])) for i in range(n)])
        inv = (A.T * A) ** -1
        b = inv * (A.T * Y)
        u = Y - A * b
        labels = [list(g) for g in groupings]
        if len(labels) == 2:
            labels.append(list(zip(*labels)))
        meats = []
        for lab in labels:
            sums = {}
            for i in range(n):
                sums.setdefault(lab[i], mpmath.zeros(p + 1, 1))
                sums[lab[i]] += A[i, :].T * u[i]
            M = mpmath.zeros(p + 1, p + 1)
            for v in sums.values():
                M += v * v.T
            G = len(sums)
            c = mp(G) / (G - 1) * (n - 1) / (n - p - 1) if use_correction else 1
            meats.append(M * c)
        M = meats[0] if len(meats) == 1 else meats[0] + meats[1] - meats[2]
        V = inv * M * inv
        bse = np.array([float(mpmath.sqrt(V[i, i])) if V[i, i] > 0 else np.nan
                        for i in range(p + 1)])  # fmt: skip
        Vb, bb = V[1:, 1:], b[1:, 0]
        F = float((bb.T * (Vb**-1) * bb)[0] / p)
    return bse, F


# ---------------------------------------------------------------------------- Stata
# Stata's Grunfeld data differ from statsmodels' copy in the last digits (the
# estimates agree to ~1e-8): statsmodels' own test_robustcov compares at 1e-6/1e-7.
STATA_RTOL = 1e-6
ORDER = [1, 2, 0]  # Stata: mvalue kstock _cons


def _check_stata(s, ref, f=True):
    table = ref.params_table
    assert_allclose(s.params[ORDER], table[:, 0], rtol=STATA_RTOL)
    assert_allclose(s.bse[ORDER], table[:, 1], rtol=STATA_RTOL)
    assert_allclose(s.tvalues[ORDER], table[:, 2], rtol=STATA_RTOL)
    assert_allclose(s.pvalues[ORDER], table[:, 3], rtol=5 * STATA_RTOL)
    assert_allclose(s.conf_int()[ORDER], table[:, 4:6], rtol=STATA_RTOL)
    assert_allclose(s.cov_params()[np.ix_(ORDER, ORDER)], ref.cov, rtol=STATA_RTOL)
    if f:
        assert_allclose(s.fvalue, ref.F, rtol=STATA_RTOL)
        if hasattr(ref, "Fp"):
            assert_allclose(s.f_pvalue, ref.Fp, rtol=STATA_RTOL)


def test_grunfeld_one_way_matches_stata():
    from statsmodels.regression.tests.results import results_grunfeld_ols_robust_cluster as R

    X, y, firm, _ = _grunfeld()
    model = linreg.LinearRegression().fit(X, y)
    s = model.summary("cluster", groups=firm, use_t=True)  # regress, vce(cluster company)
    _check_stata(s, R.results_cluster)
    assert s.n_groups == 10 and s.df_resid_inference == 9
    # use_correction=False, normal: Stata's F uses the corrected covariance (statsmodels
    # skips it, GH#1189), so F is not compared.
    large = model.summary("cluster", cov_kwds={"groups": firm, "use_correction": False})
    _check_stata(large, R.results_cluster_large, f=False)


def test_grunfeld_two_way_matches_stata():
    from statsmodels.regression.tests.results import results_grunfeld_ols_robust_cluster as R

    X, y, firm, year = _grunfeld()
    model = linreg.LinearRegression().fit(X, y)
    s = model.summary("cluster", groups=[firm, year], use_correction=False)
    _check_stata(s, R.results_cluster_2groups_large, f=False)
    assert s.n_groups == (10, 20) and s.df_resid_inference == 9


def test_grunfeld_weighted_matches_stata():
    from statsmodels.regression.tests.results import results_grunfeld_ols_robust_cluster as R

    X, y, firm, _ = _grunfeld()
    model = linreg.LinearRegression().fit(X, y, sample_weight=1 / X[:, 0])
    _check_stata(model.summary("cluster", groups=firm, use_t=True), R.results_cluster_wls_small)
    large = model.summary("cluster", groups=firm, use_correction=False)
    _check_stata(large, R.results_cluster_wls_large, f=False)


# ---------------------------------------------------------------------------- statsmodels
@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize(
    "options",
    [{}, {"use_correction": False}, {"df_correction": False}, {"use_t": True}],
    ids=["default", "no-correction", "no-df-correction", "t"],
)
def test_one_way_matches_statsmodels(name, options):
    X, y, g0, _, w = PROBLEMS[name]()
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    s = model.summary("cluster", groups=g0, **options)
    _compare(s, _statsmodels(X, y, w, groups=g0, **options))
    assert s.use_t == bool(options.get("use_t", False))


@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize("use_correction", [True, False])
def test_two_way_matches_statsmodels(name, use_correction):
    X, y, g0, g1, w = PROBLEMS[name]()
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    ref = _statsmodels(X, y, w, groups=np.column_stack([g0, g1]), use_correction=use_correction)
    for groups in (np.column_stack([g0, g1]), [g0, g1], pd.DataFrame({"a": g0, "b": g1})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AccuracyWarning)  # a negative variance
            s = model.summary("cluster", groups=groups, use_correction=use_correction)
        ok = np.isfinite(ref.bse)
        assert_allclose(s.bse[ok], ref.bse[ok], rtol=RTOL)
        assert np.all(np.isnan(s.bse[~ok]))
        _assert_pvalues(s, ref, RTOL, ok)
        # V0 + V1 - V01 can be near indefinite: statsmodels' F (pinv in float64) is then
        # off by ~1e-7 (heteroscedastic, no correction); the exact F decides.
        assert_allclose(s.fvalue, ref.fvalue, rtol=1e-6)
        if groups is not None and isinstance(groups, list):
            exact_bse, exact_f = _exact(X, y, w, [g0, g1], use_correction)
            assert_allclose(s.fvalue, exact_f, rtol=1e-9)
            assert_allclose(s.bse, exact_bse, rtol=1e-9)
        assert s.n_groups == (len(set(g0)), len(set(g1)))


def test_string_labels_and_cov_kwds():
    X, y, g0, _, _ = _diabetes()
    labels = np.array([f"firm-{g}" for g in g0], dtype=object)
    model = linreg.LinearRegression().fit(X, y)
    s = model.summary(cov_type="cluster", cov_kwds={"groups": labels})
    _compare(s, _statsmodels(X, y, None, groups=g0))
    assert s.cov_type == "cluster" and s.n_groups == 25


def test_two_way_negative_variance_is_nan_with_warning():
    """V0 + V1 - V01 that is not positive semidefinite: statsmodels' variance is
    negative (its SE NaN); ours NaN with an AccuracyWarning naming the cause."""
    rng = np.random.default_rng(7)
    for seed in range(200):
        rng = np.random.default_rng(seed)
        n = 12
        X = rng.standard_normal((n, 2))
        y = rng.standard_normal(n)
        g0, g1 = rng.integers(0, 3, n), rng.integers(0, 3, n)
        ref = _statsmodels(X, y, None, groups=np.column_stack([g0, g1]))
        if np.isnan(ref.bse).any():
            break
    else:  # pragma: no cover
        pytest.skip("no indefinite two-way example found")
    model = linreg.LinearRegression().fit(X, y)
    with pytest.warns(AccuracyWarning, match="V0 \\+ V1 - V01"):
        s = model.summary("cluster", groups=[g0, g1])
    bad = np.isnan(ref.bse)
    assert np.array_equal(np.isnan(s.bse), bad)
    assert_allclose(s.bse[~bad], ref.bse[~bad], rtol=RTOL)


# ---------------------------------------------------------------------------- property
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(8, 40),
    p=st.integers(1, 3),
    n_groups=st.integers(2, 40),
    offset=st.sampled_from([0.0, 10.0, -300.0]),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    weighted=st.booleans(),
    use_correction=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_property_one_way(n, p, n_groups, offset, scale, weighted, use_correction, seed):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) + offset) * scale
    y = X @ rng.standard_normal(p) / scale + rng.standard_normal(n) * (1 + np.abs(X[:, 0]) / scale)
    groups = rng.integers(0, min(n_groups, n), n)
    groups[: 2] = [0, 1]  # at least two clusters (singletons happen for n_groups ~ n)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        s = model.summary("cluster", groups=groups, use_correction=use_correction)
    ref = _statsmodels(X, y, w, groups=groups, use_correction=use_correction)
    exact_bse, exact_f = _exact(X, y, w, [groups], use_correction)
    assert_allclose(s.bse, exact_bse, rtol=1e-9)
    # statsmodels' own float64 route loses digits at offset 300: ~5e-8 off with two
    # clusters, 4e-5 off in a weighted example (n=11, scale 1e-3) where linreg is 1e-9
    # from the exact covariance (asserted above).
    rtol = 1e-8 if offset != -300.0 else 1e-4
    assert_allclose(s.bse, ref.bse, rtol=rtol)
    _assert_pvalues(s, ref, rtol)
    if len(np.unique(groups)) - 1 >= p:  # F is defined (Stata: missing otherwise)
        assert_allclose(s.fvalue, exact_f, rtol=1e-8)
        assert_allclose(s.fvalue, ref.fvalue, rtol=rtol)
    else:
        assert np.isnan(s.fvalue)


# ---------------------------------------------------------------------------- API
def test_summary_storage_and_printing():
    X, y, g0, g1, _ = _diabetes()
    model = linreg.LinearRegression().fit(X, y)
    s = model.summary("cluster", groups=[g0, g1])
    d = json.loads(json.dumps(s.to_dict()))
    back = linreg.Summary.from_dict(d)
    assert back.n_groups == (25, 9) and back.df_resid_inference == 8
    assert back.cov_kwds == {"use_correction": True, "df_correction": True}
    assert_allclose(back.pvalues, s.pvalues, rtol=1e-15)
    assert_allclose(back.f_pvalue, s.f_pvalue, rtol=1e-15)
    text = str(s)
    assert "cluster" in text and "robust to cluster correlation" in text and "25 and 9" in text
    assert "P>|z|" in text


def test_formula_groups_by_column_name():
    X, y, g0, _, _ = _heteroscedastic()
    df = pd.DataFrame({"y": y, "a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "firm": g0})
    df.loc[[3, 10], "a"] = np.nan  # dropped rows: the groups follow the rows kept
    fm = linreg.ols("y ~ a + b + c", data=df, drop_missing=True)
    s = fm.summary(cov_type="cluster", groups="firm")
    kept = df.dropna()
    ref = _statsmodels(kept[["a", "b", "c"]].to_numpy(), kept["y"].to_numpy(), None,
                       groups=kept["firm"].to_numpy())  # fmt: skip
    _compare(s, ref)
    assert s.cov_kwds["groups"] == "firm"
    s2 = fm.summary(cov_type="cluster", groups=kept["firm"].to_numpy())
    assert_allclose(s2.bse, s.bse, rtol=1e-15)
    with pytest.raises(ValueError, match="nope"):
        fm.summary(cov_type="cluster", groups="nope")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cov_type": "cluster", "groups": np.arange(5)}, "has 5 values but the model"),
        ({"cov_type": "cluster", "groups": "firm"}, "names columns"),
        ({"cov_type": "cluster"}, "needs groups="),
        ({"cov_type": "HC1", "groups": np.zeros(442)}, "applies to cov_type='cluster'"),
        ({"cov_type": "cluster", "groups": np.zeros((442, 3))}, "one-way|two"),
        ({"cov_type": "cluster", "groups": np.zeros(442), "maxlags": 2}, "maxlags= applies"),
        ({"cov_type": "cluster", "groups": np.zeros(442), "bogus": 1}, "unknown keyword"),
    ],
)
def test_bad_input(kwargs, match):
    X, y, _, _, _ = _diabetes()
    model = linreg.LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match=match):
        model.summary(**kwargs)


def test_missing_groups_are_an_error():
    X, y, g0, _, _ = _diabetes()
    model = linreg.LinearRegression().fit(X, y)
    g = g0.astype(float)
    g[17] = np.nan
    with pytest.raises(ValueError, match="missing value.*row 17"):
        model.summary("cluster", groups=g)
    labels = np.array([str(v) for v in g0], dtype=object)
    labels[3] = None
    with pytest.raises(ValueError, match="missing value.*row 3"):
        model.summary("cluster", groups=labels)


def test_one_cluster_is_nan_with_warning():
    X, y, _, _, _ = _diabetes()
    model = linreg.LinearRegression().fit(X, y)
    with pytest.warns(AccuracyWarning, match="only 1 cluster"):
        s = model.summary("cluster", groups=np.zeros(len(y)))
    assert np.all(np.isnan(s.bse))


def test_matches_pyfixest():
    """pyfixest's CRV1 (fixest's small-sample conventions: the same CR1 factor)."""
    pf = pytest.importorskip("pyfixest")
    X, y, g0, g1, _ = _heteroscedastic()
    df = pd.DataFrame({"y": y, "a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "g": g0, "h": g1})
    model = linreg.LinearRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ a + b + c", data=df, vcov={"CRV1": "g"})
    s = model.summary("cluster", groups=g0)
    assert_allclose(s.bse, ref.se().to_numpy(), rtol=RTOL)


def test_zero_weights_are_left_out():
    """Rows of weight zero carry no information: statsmodels' WLS on the rows of
    positive weight (a cluster of zero-weight rows only is not counted)."""
    rng = np.random.default_rng(3)
    n = 300
    X = rng.standard_normal((n, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n)
    w[::7] = 0.0
    g = rng.integers(0, 20, n)
    g[5], w[5] = 99, 0.0
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    pos = w > 0
    s = model.summary("cluster", groups=g)
    _compare(s, _statsmodels(X[pos], y[pos], w[pos], groups=g[pos]))
    assert s.n_groups == 20
    hac = model.summary("HAC", maxlags=3)
    ref = sm.WLS(y[pos], sm.add_constant(X[pos]), weights=w[pos]).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3}
    )
    assert_allclose(hac.bse, ref.bse, rtol=RTOL)


def test_offsets_and_near_collinearity_exact():
    """Columns offset by 1e6 times their spread and nearly collinear, weighted: the
    standard errors and F against 40-digit arithmetic (statsmodels' float64 route
    loses digits here)."""
    rng = np.random.default_rng(9)
    n = 60
    z = rng.standard_normal((n, 2))
    X = np.column_stack([z[:, 0] + 1e6, z[:, 0] * 1e-3 + z[:, 1] * 1e-7 + 5e3])
    y = X @ [1.0, 3.0] + rng.standard_normal(n)
    g, h, w = rng.integers(0, 8, n), rng.integers(0, 5, n), rng.uniform(0.5, 2.0, n)
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    for groups in ([g], [g, h]):
        s = model.summary("cluster", groups=groups[0] if len(groups) == 1 else groups)
        bse, f = _exact(X, y, w, groups)
        assert_allclose(s.bse, bse, rtol=1e-10)
        assert_allclose(s.fvalue, f, rtol=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_many_clusters_fold_as_they_close(monkeypatch, weighted):
    """Groupings with more clusters than DENSE_MAX (a firm-year intersection: one row
    each) are folded into the meat as their clusters close, over many chunks: the same
    covariance as statsmodels."""
    from linreg.inference import chunks, cluster

    X, y, g0, g1, w = _weighted() if weighted else _heteroscedastic()
    g0 = g0.copy()
    g0[::3] = np.arange(0, len(g0), 3) + 1000  # many singletons among the clusters
    monkeypatch.setattr(cluster, "DENSE_MAX", 8)
    monkeypatch.setattr(cluster, "MERGE_ROWS", 16)
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 37)
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccuracyWarning)
        for groups, n_groups in ((g0, len(set(g0))), ([g0, g1], (len(set(g0)), len(set(g1))))):
            s = model.summary("cluster", groups=groups)
            labels = np.column_stack(groups) if isinstance(groups, list) else groups
            ref = _statsmodels(X, y, w, groups=labels)
            ok = np.isfinite(ref.bse)
            assert_allclose(s.bse[ok], ref.bse[ok], rtol=RTOL)
            assert s.n_groups == n_groups


@pytest.mark.parametrize("name", sorted(PROBLEMS) + ["zero-weights"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_compiled_score_sums_match_statsmodels(name, fit_intercept):
    """With numba loaded (as after a fit with absorbed effects) in-memory clusters are
    summed by a compiled pass (``cluster_kernels``): one- and two-way standard errors
    equal statsmodels' (rows of zero weight left out, as statsmodels' WLS on the rest)."""
    pytest.importorskip("numba")
    from linreg.inference import cluster

    if name == "zero-weights":
        X, y, g0, g1, w = _weighted()
        w = w.copy()
        w[::5] = 0.0
    else:
        X, y, g0, g1, w = PROBLEMS[name]()
    model = linreg.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    pos = slice(None) if w is None else w > 0
    exog = X[pos] if not fit_intercept else sm.add_constant(X[pos], has_constant="add")
    wp = None if w is None else w[pos]
    ref_model = sm.OLS(y[pos], exog) if w is None else sm.WLS(y[pos], exog, weights=wp)
    for groups in (g0, np.column_stack([g0, g1])):
        gp = groups[pos]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = ref_model.fit(cov_type="cluster", cov_kwds={"groups": gp})
        calls = []
        original = cluster._compiled_parts

        def spy(*args, _calls=calls, _original=original):
            _calls.append(1)
            return _original(*args)

        cluster._compiled_parts = spy
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AccuracyWarning)
                s = model.summary("cluster", groups=groups)
        finally:
            cluster._compiled_parts = original
        assert calls, "the compiled path was not taken"
        ok = np.isfinite(ref.bse)
        assert_allclose(s.bse[ok], np.asarray(ref.bse)[ok], rtol=RTOL)
