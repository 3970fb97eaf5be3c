"""get_prediction(X).summary_frame(alpha) against statsmodels' get_prediction.

References: statsmodels OLS/WLS ``results.get_prediction(exog, weights=)`` (and its
formula API) on the same data; for cluster-robust errors with ``use_t`` the t test of
the contrast ``x0`` (statsmodels' ``t_test``), whose degrees of freedom
(``df_resid_inference``) its ``get_prediction`` does not use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from sklearn.datasets import load_diabetes

import linreg
from linreg.inference.prediction import PredictionResults, get_prediction
from linreg.inference.summary import COV_TYPES, Summary

RTOL = 1e-8
COLUMNS = ["mean", "mean_se", "mean_ci_lower", "mean_ci_upper", "obs_ci_lower", "obs_ci_upper"]


# --------------------------------------------------------------------------- data
def _diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y.to_numpy(), None


def _heteroscedastic():
    rng = np.random.default_rng(15)
    n = 300
    X = rng.normal(size=(n, 3)) * [1.0, 3.0, 0.2] + [0.0, 10.0, -1.0]
    sd = 0.3 + np.abs(X[:, 0]) ** 1.5
    y = 1.0 + X @ [2.0, -0.5, 4.0] + sd * rng.standard_normal(n)
    return pd.DataFrame(X, columns=["a", "b", "c"]), y, None


def _weighted():
    X, y, _ = _heteroscedastic()
    w = 1.0 / (0.3 + np.abs(X["a"].to_numpy()) ** 1.5) ** 2
    return X, y, w


PROBLEMS = {"diabetes": _diabetes, "heteroscedastic": _heteroscedastic, "weighted": _weighted}
CASES = [
    ("diabetes", "nonrobust"),
    ("diabetes", "HC3"),
    ("heteroscedastic", "nonrobust"),
    ("heteroscedastic", "HC1"),
    ("heteroscedastic", "HC3"),
    ("weighted", "nonrobust"),
    ("weighted", "HC3"),
    ("weighted", "HC1"),
]


def _new_rows(X, n=12, seed=3):
    """Rows near and away from the data, with an index of their own."""
    rng = np.random.default_rng(seed)
    rows = X.iloc[rng.choice(len(X), n, replace=False)].to_numpy()
    rows = rows + rng.normal(size=rows.shape) * X.std().to_numpy() * 0.5
    rows[-1] = X.mean().to_numpy() + 3 * X.std().to_numpy()  # far out
    return pd.DataFrame(rows, columns=X.columns, index=[f"r{i}" for i in range(n)])


def _fits(name, cov_type, use_t=None):
    X, y, w = PROBLEMS[name]()
    ours = linreg.LinearRegression().fit(X, y, sample_weight=w)
    exog = sm.add_constant(X)
    ref_model = sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)
    ref = ref_model.fit(cov_type=cov_type, use_t=use_t)
    return X, w, ours, ref


def _assert_frame(got, ref):
    assert list(got.columns) == COLUMNS
    assert list(got.index) == list(ref.index)
    np.testing.assert_allclose(got.to_numpy(), ref[COLUMNS].to_numpy(), rtol=RTOL)


# --------------------------------------------------------------------------- tests
@pytest.mark.parametrize("alpha", [0.05, 0.1])
@pytest.mark.parametrize("name, cov_type", CASES)
def test_summary_frame_equals_statsmodels(name, cov_type, alpha):
    X, w, ours, ref = _fits(name, cov_type)
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type=cov_type)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
    _assert_frame(got.summary_frame(alpha), expected.summary_frame(alpha))
    np.testing.assert_allclose(got.predicted_mean, expected.predicted_mean, rtol=RTOL)
    np.testing.assert_allclose(got.var_pred_mean, expected.var_pred_mean, rtol=RTOL)
    np.testing.assert_allclose(got.se_obs, expected.se_obs, rtol=RTOL)
    np.testing.assert_allclose(got.var_resid, expected.var_resid, rtol=RTOL)
    assert got.df == expected.df
    assert got.dist is expected.dist
    for obs in (False, True):
        np.testing.assert_allclose(
            got.conf_int(obs=obs, alpha=alpha), expected.conf_int(obs=obs, alpha=alpha), rtol=RTOL
        )


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_new_rows_with_weights_equal_statsmodels(cov_type):
    X, w, ours, ref = _fits("weighted", cov_type)
    new = _new_rows(X)
    new_w = np.linspace(0.5, 4.0, len(new))
    got = get_prediction(ours.summary(cov_type), new, model=ours, weights=new_w)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"), weights=new_w)
    _assert_frame(got.summary_frame(0.1), expected.summary_frame(0.1))
    from_model = ours.get_prediction(new, cov_type=cov_type, weights=new_w)
    _assert_frame(from_model.summary_frame(), expected.summary_frame())
    one = ours.get_prediction(new, cov_type=cov_type, weights=2.0)  # one weight for all
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"), weights=2.0)
    _assert_frame(one.summary_frame(), expected.summary_frame())
    assert isinstance(ours.summary(cov_type).get_prediction(new, model=ours), PredictionResults)


def test_training_rows_equal_statsmodels_fitted_intervals():
    X, w, ours, ref = _fits("weighted", "HC3")
    got = get_prediction(ours.summary("HC3"), X, model=ours, weights=w)
    expected = ref.get_prediction()  # exog and weights of the fit
    _assert_frame(got.summary_frame(), expected.summary_frame())


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_use_t_for_robust_covariance(cov_type):
    X, w, ours, ref = _fits("heteroscedastic", cov_type, use_t=True)
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type=cov_type, use_t=True)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
    _assert_frame(got.summary_frame(0.05), expected.summary_frame(0.05))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_formula_api_equals_statsmodels_formula(cov_type, weighted):
    rng = np.random.default_rng(7)
    n = 240
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    df["z"] = np.exp(rng.normal(size=n))
    df["w"] = rng.uniform(0.5, 2.0, n)
    df["y"] = 1 + 2 * df.x + (df.g == "b") + np.log(df.z) + rng.normal(size=n) * (1 + df.x**2)
    formula = "y ~ x + np.log(z) + C(g)"
    if weighted:
        ours = linreg.ols(formula, df, weights="w")
        ref = smf.wls(formula, df, weights=df["w"]).fit(cov_type=cov_type)
    else:
        ours = linreg.ols(formula, df)
        ref = smf.ols(formula, df).fit(cov_type=cov_type)
    new = pd.DataFrame(
        {"x": [0.1, 2.0, -1.0, 0.0], "g": ["a", "c", "b", "b"], "z": [1.0, 0.5, 3.0, 9.0]},
        index=[10, 20, 30, 40],
    )
    new["w"] = [1.0, 2.0, 0.5, 4.0]
    got = ours.get_prediction(new, cov_type=cov_type, weights="w" if weighted else None)
    expected = ref.get_prediction(new, weights=new["w"].to_numpy() if weighted else None)
    for alpha in (0.05, 0.1):
        _assert_frame(got.summary_frame(alpha), expected.summary_frame(alpha))


@pytest.mark.parametrize("name", ["diabetes", "weighted"])
def test_after_model_file_save_and_load(name, tmp_path):
    X, w, ours, _ = _fits(name, "nonrobust")
    path = linreg.save(ours, tmp_path / "model.json", cov_types=("nonrobust", "HC3"))
    loaded = linreg.load(path)
    new = _new_rows(X)
    for cov_type in ("nonrobust", "HC3"):
        ref = _fits(name, cov_type)[3]
        expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
        got = loaded.get_prediction(new, cov_type=cov_type)
        _assert_frame(got.summary_frame(0.1), expected.summary_frame(0.1))


@pytest.mark.parametrize("stored_interval", [True, False])
def test_summary_alone_from_its_dict(stored_interval):
    """A Summary restored without its model (and, like older model files, without the
    interval factor: from the covariance in the user's units)."""
    X, w, ours, ref = _fits("diabetes", "HC3")
    data = ours.summary("HC3").to_dict()
    if not stored_interval:
        data["interval"] = None
    summary = Summary.from_dict(data)
    new = _new_rows(X)
    got = summary.get_prediction(new.to_numpy())
    expected = ref.get_prediction(sm.add_constant(new.to_numpy(), has_constant="add"))
    np.testing.assert_allclose(
        got.summary_frame().to_numpy(), expected.summary_frame().to_numpy(), rtol=RTOL
    )
    assert got.row_labels is None


def test_one_dimensional_row_and_bad_input():
    X, w, ours, ref = _fits("heteroscedastic", "nonrobust")
    row = X.iloc[5]  # a Series: one row
    got = ours.get_prediction(row)
    expected = ref.get_prediction(np.r_[1.0, row.to_numpy()])
    np.testing.assert_allclose(got.summary_frame(), expected.summary_frame(), rtol=RTOL)
    assert got.row_labels is None
    bare = linreg.LinearRegression().fit(X.to_numpy()[:, :1], ref.model.endog)
    column = bare.get_prediction(np.array([0.5, 1.5]))  # one feature: 1-D is a column
    assert column.predicted_mean.shape == (2,)
    s = ours.summary()
    with pytest.raises(ValueError, match=r"shape \(n_rows, 3\)"):
        get_prediction(s, np.ones((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        get_prediction(s, np.array([[1.0, np.nan, 2.0]]))
    with pytest.raises(ValueError, match="weights"):
        get_prediction(s, np.ones((2, 3)), weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="one value per row"):
        get_prediction(s, np.ones((2, 3)), weights=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="alpha"):
        get_prediction(s, np.ones((2, 3))).conf_int(alpha=1.5)


def test_rank_deficient_fit_gives_nan_where_not_estimable():
    """With x2 = 2 x1, a row on that line has R's interval (the fit without x2);
    one off it has none (NaN), as its prediction differs between solutions."""
    rng = np.random.default_rng(2)
    x1, x3 = rng.normal(size=(2, 80))
    y = 1 + x1 - x3 + rng.normal(size=80)
    X = np.column_stack([x1, 2 * x1, x3])
    with pytest.warns(linreg.RankDeficientWarning):
        ours = linreg.LinearRegression().fit(X, y)
    ref = sm.OLS(y, sm.add_constant(np.column_stack([x1, x3]))).fit()
    new = np.array([[0.5, 1.0, 0.2], [0.5, 0.0, 0.2]])
    got = ours.get_prediction(new).summary_frame()
    expected = ref.get_prediction(np.array([[1.0, 0.5, 0.2]])).summary_frame()
    np.testing.assert_allclose(got.iloc[:1].to_numpy(), expected.to_numpy(), rtol=RTOL)
    assert got.iloc[1, 1:].isna().all()


# ----------------------------------------------------------- cluster and HAC errors
needs_cluster = pytest.mark.skipif(
    "cluster" not in COV_TYPES, reason="cluster-robust covariance not in this tree yet"
)
needs_hac = pytest.mark.skipif("HAC" not in COV_TYPES, reason="HAC covariance not in this tree")


def _groups(n):
    return np.arange(n) % 17


@needs_cluster
@pytest.mark.parametrize("name", ["diabetes", "weighted"])
def test_cluster_equals_statsmodels(name):
    X, y, w = PROBLEMS[name]()
    groups = _groups(len(y))
    ours = linreg.LinearRegression().fit(X, y, sample_weight=w)
    exog = sm.add_constant(X)
    ref_model = sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)
    ref = ref_model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type="cluster", groups=groups)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
    for alpha in (0.05, 0.1):
        _assert_frame(got.summary_frame(alpha), expected.summary_frame(alpha))


@needs_cluster
def test_cluster_with_t_uses_the_inference_degrees_of_freedom():
    X, y, _ = _diabetes()
    groups = _groups(len(y))
    ours = linreg.LinearRegression().fit(X, y)
    ref = sm.OLS(y, sm.add_constant(X)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type="cluster", groups=groups, use_t=True)
    contrast = ref.t_test(sm.add_constant(new, has_constant="add").to_numpy())
    assert got.df == ref.df_resid_inference == 16
    np.testing.assert_allclose(got.se_mean, np.ravel(contrast.sd), rtol=RTOL)
    np.testing.assert_allclose(got.conf_int(alpha=0.1), contrast.conf_int(alpha=0.1), rtol=RTOL)


@needs_hac
@pytest.mark.parametrize("name", ["heteroscedastic", "weighted"])
def test_hac_equals_statsmodels(name):
    X, y, w = PROBLEMS[name]()
    ours = linreg.LinearRegression().fit(X, y, sample_weight=w)
    exog = sm.add_constant(X)
    ref_model = sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)
    ref = ref_model.fit(cov_type="HAC", cov_kwds={"maxlags": 4})
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type="HAC", maxlags=4)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
    for alpha in (0.05, 0.1):
        _assert_frame(got.summary_frame(alpha), expected.summary_frame(alpha))


@needs_cluster
def test_two_way_cluster_equals_statsmodels():
    X, y, w = _weighted()
    groups = np.column_stack([np.arange(len(y)) % 13, np.arange(len(y)) // 25])
    ours = linreg.LinearRegression().fit(X, y, sample_weight=w)
    ref = sm.WLS(y, sm.add_constant(X), weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type="cluster", groups=groups)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
    _assert_frame(got.summary_frame(0.1), expected.summary_frame(0.1))


# ------------------------------------------------------------------ scale and sources
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_large_offsets_leave_the_intervals_unchanged(cov_type):
    """Shifting every column (and the new rows) by 1e6 spreads leaves the fit's
    standard errors unchanged in exact arithmetic: the centred computation keeps
    them to rtol 1e-8 (``x0' V x0`` in the user's units would cancel ~1e12-fold)."""
    X, y, w = _weighted()
    new = _new_rows(X)
    shift = 1e6 * X.std()
    base = linreg.LinearRegression().fit(X, y, sample_weight=w)
    moved = linreg.LinearRegression().fit(X + shift, y, sample_weight=w)
    got = moved.get_prediction(new + shift, cov_type=cov_type).summary_frame()
    expected = base.get_prediction(new, cov_type=cov_type).summary_frame()
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=RTOL)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC1"])
def test_from_a_scanned_file_equals_statsmodels(cov_type, tmp_path):
    X, y, w = _weighted()
    frame = X.assign(y=y, w=w)
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    source = linreg.scan(path, target="y", features=list(X.columns), weights="w", batch_size=64)
    ours = linreg.LinearRegression().fit(source)
    ref = sm.WLS(y, sm.add_constant(X), weights=w).fit(cov_type=cov_type)
    new = _new_rows(X)
    got = ours.get_prediction(new, cov_type=cov_type)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"))
    _assert_frame(got.summary_frame(0.05), expected.summary_frame(0.05))


@needs_cluster
def test_formula_cluster_with_groups_named_by_column():
    rng = np.random.default_rng(11)
    n = 240
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    df["firm"] = rng.integers(0, 20, n)
    df["y"] = 1 + 2 * df.x + (df.g == "b") + rng.normal(size=n) + 0.5 * df.firm % 3
    ours = linreg.ols("y ~ x + C(g)", df)
    ref = smf.ols("y ~ x + C(g)", df).fit(cov_type="cluster", cov_kwds={"groups": df["firm"]})
    new = pd.DataFrame({"x": [0.1, 2.0, -1.0], "g": ["a", "c", "b"]}, index=[5, 6, 7])
    got = ours.get_prediction(new, cov_type="cluster", groups="firm")
    _assert_frame(got.summary_frame(0.1), ref.get_prediction(new).summary_frame(0.1))


def test_summary_get_prediction_takes_weights():
    X, w, ours, ref = _fits("weighted", "HC3")
    new = _new_rows(X)
    new_w = np.linspace(0.5, 4.0, len(new))
    got = ours.summary("HC3").get_prediction(new, model=ours, weights=new_w)
    expected = ref.get_prediction(sm.add_constant(new, has_constant="add"), weights=new_w)
    _assert_frame(got.summary_frame(), expected.summary_frame())
