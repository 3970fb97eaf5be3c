"""The formula interface against statsmodels' formula API (patsy) on the same data."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import linreg
import linreg.formula

smf = pytest.importorskip("statsmodels.formula.api")
pytest.importorskip("formulaic")

RTOL = 1e-8
FORMULA = "y ~ x1 + np.log(x2) + C(group)"


@pytest.fixture
def df():
    rng = np.random.default_rng(20240601)
    n = 80
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.uniform(0.5, 4.0, n),
            "group": rng.choice(["a", "b", "c"], n),
            "w": rng.uniform(0.2, 3.0, n),
        }
    )
    frame["y"] = (
        1.5
        + 2.0 * frame.x1
        - 0.7 * np.log(frame.x2)
        + frame.group.map({"a": 0.0, "b": 1.0, "c": -0.5})
        + rng.normal(scale=0.5, size=n)
    )
    return frame


@pytest.fixture
def new_data():
    # No response column, and only two of the three categories.
    return pd.DataFrame({"x1": [0.3, -1.2, 2.0], "x2": [1.0, 2.5, 0.7], "group": ["c", "a", "c"]})


def sm_names(names):
    """patsy's term names in linreg's spelling (they differ only for the intercept)."""
    return ["const" if n == "Intercept" else n for n in names]


def assert_matches(model, result):
    """Same terms, params, bse, rsquared, ... as a statsmodels results object."""
    s = model.summary()
    sm_params = pd.Series(result.params.to_numpy(), index=sm_names(result.params.index))
    sm_bse = pd.Series(result.bse.to_numpy(), index=sm_params.index)
    # formulaic orders terms as written; patsy puts the purely categorical terms
    # first, so the terms are matched by name, not position.
    assert sorted(s.names) == sorted(sm_params.index)
    assert s.names == list(model.params.index)
    np.testing.assert_allclose(s.params, sm_params[s.names], rtol=RTOL)
    np.testing.assert_allclose(model.params, sm_params[s.names], rtol=RTOL)
    np.testing.assert_allclose(s.bse, sm_bse[s.names], rtol=RTOL)
    np.testing.assert_allclose(s.rsquared, result.rsquared, rtol=RTOL)
    np.testing.assert_allclose(s.rsquared_adj, result.rsquared_adj, rtol=RTOL)
    np.testing.assert_allclose(s.fvalue, result.fvalue, rtol=1e-7)
    np.testing.assert_allclose(s.llf, result.llf, rtol=RTOL)
    assert s.df_resid == result.df_resid


def test_term_order_differs_from_patsy(df):
    model = linreg.ols(FORMULA, data=df)
    assert model.feature_names == ["x1", "np.log(x2)", "C(group)[T.b]", "C(group)[T.c]"]
    assert list(model.model.feature_names_in_) == model.feature_names
    patsy_names = list(smf.ols(FORMULA, data=df).fit().params.index)
    assert patsy_names == ["Intercept", "C(group)[T.b]", "C(group)[T.c]", "x1", "np.log(x2)"]


def test_ols_matches_statsmodels(df):
    model = linreg.ols(FORMULA, data=df)
    assert model.model.fit_intercept
    assert isinstance(model.model, linreg.LinearRegression)
    assert model.n_dropped == 0
    assert_matches(model, smf.ols(FORMULA, data=df).fit())
    assert model.params.index[0] == "const"
    np.testing.assert_allclose(model.intercept_, model.params["const"])
    np.testing.assert_allclose(model.coef_, model.params.iloc[1:])


@pytest.mark.parametrize("weights", ["w", "array"])
def test_weighted_matches_wls(df, weights):
    w = df["w"].to_numpy() if weights == "array" else weights
    model = linreg.ols(FORMULA, data=df, weights=w)
    assert_matches(model, smf.wls(FORMULA, data=df, weights=df["w"]).fit())


@pytest.mark.parametrize("formula", ["y ~ x1 + x2 - 1", "y ~ x1 + x2 + 0", "y ~ 0 + x1 + x2"])
def test_no_intercept(df, formula):
    model = linreg.ols(formula, data=df)
    assert not model.model.fit_intercept
    assert model.intercept_ == 0.0
    assert model.feature_names == ["x1", "x2"]
    result = smf.ols("y ~ x1 + x2 - 1", data=df).fit()
    assert_matches(model, result)  # uncentred R^2 in both


def test_no_intercept_full_dummy_coding(df):
    formula = FORMULA + " - 1"
    model = linreg.ols(formula, data=df)
    assert model.feature_names[2:] == ["C(group)[a]", "C(group)[b]", "C(group)[c]"]
    # The dummies sum to one; statsmodels detects that implicit constant and reports
    # a centred R^2, linreg (as R's lm) an uncentred one for a formula without intercept.
    assert_matches(model, smf.ols(formula, data=df, hasconst=False).fit())
    centred = smf.ols(formula, data=df).fit()
    np.testing.assert_allclose(model.summary().ssr, centred.ssr, rtol=RTOL)
    assert model.summary().rsquared > centred.rsquared


def test_robust_covariance(df):
    model = linreg.ols(FORMULA, data=df)
    result = smf.ols(FORMULA, data=df).fit(cov_type="HC1")
    s = model.summary(cov_type="HC1")
    bse = pd.Series(result.bse.to_numpy(), index=sm_names(result.bse.index))
    np.testing.assert_allclose(s.bse, bse[s.names], rtol=RTOL)


@pytest.mark.parametrize("weighted", [False, True])
def test_predict_matches_statsmodels(df, new_data, weighted):
    if weighted:
        model = linreg.ols(FORMULA, data=df, weights="w")
        result = smf.wls(FORMULA, data=df, weights=df["w"]).fit()
    else:
        model = linreg.ols(FORMULA, data=df)
        result = smf.ols(FORMULA, data=df).fit()
    np.testing.assert_allclose(model.predict(new_data), result.predict(new_data), rtol=RTOL)
    np.testing.assert_allclose(model.predict(df), result.fittedvalues, rtol=RTOL)
    frame = result.get_prediction(new_data).summary_frame(alpha=0.1)
    for interval, cols in [("confidence", "mean_ci"), ("prediction", "obs_ci")]:
        expected = frame[["mean", f"{cols}_lower", f"{cols}_upper"]].to_numpy()
        got = model.predict(new_data, interval=interval, level=0.9)
        np.testing.assert_allclose(got, expected, rtol=RTOL)


def test_predict_rejects_missing_and_unseen(df, new_data):
    model = linreg.ols(FORMULA, data=df)
    with pytest.raises(ValueError, match="'x1'"):
        model.predict(new_data.assign(x1=[0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="not seen|outside"):
        model.predict(new_data.assign(group=["a", "d", "b"]))


def test_summary_prints_term_names(df):
    text = str(linreg.ols(FORMULA, data=df).summary())
    for name in ["const", "x1", "np.log(x2)", "C(group)[T.b]", "C(group)[T.c]"]:
        assert name in text


def test_missing_values_raise_naming_columns(df):
    df.loc[[3, 7], "x1"] = np.nan
    df.loc[5, "group"] = None
    df.loc[9, "unused"] = np.nan  # not in the formula: ignored
    with pytest.raises(ValueError, match=r"'x1' \(2 rows\), 'group' \(1 row\).*drop_missing"):
        linreg.ols(FORMULA, data=df)
    model = linreg.ols(FORMULA, data=df, drop_missing=True)
    assert model.n_dropped == 3
    assert model.summary().nobs == len(df) - 3
    assert_matches(model, smf.ols(FORMULA, data=df.dropna(subset=["x1", "group"])).fit())


def test_missing_weights(df):
    df.loc[[0, 10], "w"] = np.nan
    with pytest.raises(ValueError, match=r"'w' \(2 rows\)"):
        linreg.ols(FORMULA, data=df, weights="w")
    with pytest.raises(ValueError, match=r"'weights' \(2 rows\)"):
        linreg.ols(FORMULA, data=df, weights=df["w"].to_numpy())
    df.loc[4, "x1"] = np.nan
    model = linreg.ols(FORMULA, data=df, weights=df["w"].to_numpy(), drop_missing=True)
    assert model.n_dropped == 3
    complete = df.dropna(subset=["w", "x1"])
    assert_matches(model, smf.wls(FORMULA, data=complete, weights=complete["w"]).fit())


def test_drop_missing_drops_invalid_transforms_and_keeps_index_alignment(df):
    df.index = df.index[::-1] * 10  # weights align by position, not by label
    df.iloc[2, df.columns.get_loc("x2")] = -1.0  # np.log(-1) is NaN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"np\.log\(x2\)"):
            linreg.ols(FORMULA, data=df)
        model = linreg.ols(FORMULA, data=df, weights=df["w"].to_numpy(), drop_missing=True)
    assert model.n_dropped == 1
    complete = df.drop(index=df.index[2])
    assert_matches(model, smf.wls(FORMULA, data=complete, weights=complete["w"]).fit())


def design(frame):
    """The model matrix of FORMULA written out by hand (without the intercept)."""
    return np.column_stack(
        [frame.x1, np.log(frame.x2), frame.group == "b", frame.group == "c"]
    ).astype(float)


@pytest.mark.parametrize("weights", [None, "w"])
def test_ridge_equals_estimator_on_model_matrix(df, new_data, weights):
    model = linreg.formula.ridge(FORMULA, data=df, alpha=3.0, weights=weights)
    assert isinstance(model.model, linreg.Ridge)
    assert list(model.model_matrix(new_data).columns) == model.feature_names
    np.testing.assert_allclose(model.model_matrix(df), design(df))
    sw = None if weights is None else df[weights]
    ref = linreg.Ridge(alpha=3.0).fit(design(df), df.y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=RTOL)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=RTOL)
    np.testing.assert_allclose(model.predict(new_data), ref.predict(design(new_data)), rtol=RTOL)
    np.testing.assert_allclose(model.summary().bse, ref.summary().bse, rtol=RTOL)
    assert model.summary().names[1:] == model.feature_names


def test_ridge_without_intercept(df):
    model = linreg.formula.ridge("y ~ x1 + x2 - 1", data=df, alpha=0.5)
    ref = linreg.Ridge(alpha=0.5, fit_intercept=False).fit(df[["x1", "x2"]], df.y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=RTOL)


def test_stateful_transforms_and_caller_functions(df):
    def cube(x):
        return x**3

    # The closed grammar: a function of the caller's namespace is refused, unevaluated.
    with pytest.raises(ValueError, match="unknown function 'cube' at position 18"):
        linreg.ols("y ~ center(x1) + cube(x2)", data=df)
    model = linreg.ols("y ~ center(x1) + I(x2**3)", data=df)
    assert model.feature_names == ["center(x1)", "I(x2 ** 3)"]
    # center() keeps the training mean: predictions on a slice of the data agree
    # with the fit on the whole.
    full = model.predict(df)
    np.testing.assert_allclose(model.predict(df.iloc[:5]), full[:5], rtol=RTOL)
    ref = linreg.LinearRegression().fit(np.column_stack([df.x1 - df.x1.mean(), df.x2**3]), df.y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=RTOL)


def test_several_responses(df):
    df["y2"] = 2 * df.y + df.x1
    model = linreg.ols("y + y2 ~ x1 + x2", data=df)
    assert model.coef_.shape == (2, 2)
    assert list(model.params.columns) == ["y", "y2"]
    assert list(model.params.index) == ["const", "x1", "x2"]
    np.testing.assert_allclose(
        model.params["y2"], smf.ols("y2 ~ x1 + x2", data=df).fit().params, rtol=RTOL
    )


def test_formula_without_response(df):
    with pytest.raises(ValueError, match="no response"):
        linreg.ols("~ x1", data=df)


def test_weights_length_checked(df):
    with pytest.raises(ValueError, match="weights has 3 values"):
        linreg.ols(FORMULA, data=df, weights=[1.0, 2.0, 3.0])


def test_import_is_lazy():
    code = (
        "import sys, linreg; "
        "assert 'formulaic' not in sys.modules and 'linreg.formula' not in sys.modules; "
        "linreg.ols; assert 'linreg.formula' in sys.modules; "
        "assert 'formulaic' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_formulaic_is_explained(df, monkeypatch):
    monkeypatch.setitem(sys.modules, "formulaic", None)
    with pytest.raises(ImportError, match=r"linreg\.ols needs the 'formula' extra"):
        linreg.ols(FORMULA, data=df)


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no_such_thing"):
        linreg.no_such_thing  # noqa: B018
