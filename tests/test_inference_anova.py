"""compare_f_test, linreg.anova of nested models and ANOVA tables of types I-III against
the R results statsmodels' test_anova checks (kidney data) and statsmodels itself."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_almost_equal, assert_equal

import linreg

pd = pytest.importorskip("pandas")
smf = pytest.importorskip("statsmodels.formula.api")
anova_lm = pytest.importorskip("statsmodels.stats.anova").anova_lm
pytest.importorskip("formulaic")

RTOL = 1e-8
LOG_DAYS = "np.log(Days+1)"


@pytest.fixture(scope="module")
def kidney():
    from statsmodels.stats.tests.test_anova import kidney_table

    return kidney_table.copy()


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(7)
    n = 150
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.uniform(1, 4, size=n),
            "g": rng.choice(list("abc"), n, p=[0.5, 0.3, 0.2]),
            "h": rng.choice(list("uv"), n),
            "w": rng.uniform(0.3, 3.0, size=n),
        }
    )
    df["y"] = (
        df.x
        + 0.7 * (df.g == "b")
        + 0.4 * df.x * (df.h == "v")
        + 0.2 * np.log(df.z)
        + rng.normal(size=n) / np.sqrt(df.w)
    )
    return df


def _same_table(mine, ref, rtol=RTOL):
    """Equal columns and row names; rows compared by name (the model's term order may
    differ from patsy's, which statsmodels' rows follow)."""
    assert list(mine.columns) == list(ref.columns)
    assert sorted(mine.index) == sorted(ref.index)
    ref = ref.loc[mine.index]
    assert_allclose(mine.to_numpy(), ref.to_numpy(), rtol=rtol, atol=0)


# ------------------------------------------------------------ R (kidney, test_anova.py)
def test_kidney_type1_r(kidney):  # TestAnovaLM
    table = linreg.anova(linreg.ols(f"{LOG_DAYS} ~ C(Duration) * C(Weight)", kidney))
    assert list(table.index) == ["C(Duration)", "C(Weight)", "C(Duration):C(Weight)", "Residual"]
    assert_equal(table["df"].values, [1, 2, 2, 54])
    assert_almost_equal(table["sum_sq"].values, [2.339693, 16.97129, 0.6356584, 28.9892], 4)
    assert_almost_equal(table["F"].values, [4.358293, 15.80674, 0.5920404, np.nan], 4)
    assert_almost_equal(table["PR(>F)"].values, [0.0415617, 3.944502e-06, 0.5567479, np.nan])


def test_kidney_type1_no_constant_r(kidney):  # TestAnovaLMNoconstant
    table = linreg.anova(linreg.ols(f"{LOG_DAYS} ~ C(Duration) * C(Weight) - 1", kidney))
    assert_equal(table["df"].values, [2, 2, 2, 54])
    assert_almost_equal(table["sum_sq"].values, [158.6415227, 16.97129, 0.6356584, 28.9892], 4)
    assert_almost_equal(table["F"].values, [147.7557648, 15.80674, 0.5920404, np.nan], 4)
    assert_almost_equal(table["PR(>F)"].values, [1.262324e-22, 3.944502e-06, 0.5567479, np.nan])


@pytest.mark.parametrize("minus_one", ["", " - 1"])
def test_kidney_compare_r(kidney, minus_one):  # TestAnovaLMCompare(Noconstant)
    small = linreg.ols(f"{LOG_DAYS} ~ C(Duration) + C(Weight){minus_one}", kidney)
    big = linreg.ols(f"{LOG_DAYS} ~ C(Duration) * C(Weight)", kidney)
    table = linreg.anova(small, big)
    assert list(table.columns) == ["df_resid", "ssr", "df_diff", "ss_diff", "F", "Pr(>F)"]
    assert_equal(table["df_resid"].values, [56, 54])
    assert_almost_equal(table["ssr"].values, [29.62486, 28.9892], 4)
    assert_almost_equal(table["df_diff"].values, [0, 2])
    assert_almost_equal(table["ss_diff"].values, [np.nan, 0.6356584])
    assert_almost_equal(table["F"].values, [np.nan, 0.5920404])
    assert_almost_equal(table["Pr(>F)"].values, [np.nan, 0.5567479])


def test_kidney_type2_unbalanced_r(kidney):  # TestAnova2 (type II does not depend on coding)
    data = kidney.drop([0, 1, 2])
    table = linreg.anova(linreg.ols(f"{LOG_DAYS} ~ C(Duration) * C(Weight)", data), typ="II")
    assert_equal(table["df"].values, [1, 2, 2, 51])
    assert_almost_equal(table["sum_sq"].values, [3.067066, 13.27205, 0.1905093, 27.60181], 4)
    assert_almost_equal(table["F"].values, [5.667033, 12.26141, 0.1760025, np.nan], 4)
    assert_almost_equal(table["PR(>F)"].values, [0.02106078, 4.487909e-05, 0.8391231, np.nan])


# ------------------------------------------------------------ statsmodels
def _pair(formula, data, weights=None):
    mine = linreg.ols(formula, data, weights=weights)
    if weights is None:
        return mine, smf.ols(formula, data).fit()
    return mine, smf.wls(formula, data, weights=data[weights]).fit()


@pytest.mark.parametrize("typ", [2, "III"])
@pytest.mark.parametrize(
    "formula",
    [
        "y ~ C(g) * x + C(h)",
        "y ~ C(g) * C(h) + x",
        "y ~ C(g) * x - 1",
        "y ~ x + C(g):x + np.log(z)",
    ],
)
@pytest.mark.parametrize("weights", [None, "w"])
def test_types_2_3_against_statsmodels(synthetic, formula, typ, weights):
    mine, ref = _pair(formula, synthetic, weights)
    _same_table(linreg.anova(mine, typ=typ), anova_lm(ref, typ=typ))


@pytest.mark.parametrize("typ", [3, "III"])
def test_kidney_type3_against_statsmodels(kidney, typ):
    data = kidney.drop([0, 1, 2])
    mine, ref = _pair(f"{LOG_DAYS} ~ C(Duration) * C(Weight)", data)
    table = linreg.anova(mine, typ=typ)
    assert list(table.index)[0] == "Intercept"
    _same_table(table, anova_lm(ref, typ=typ))
    mine, ref = _pair(f"{LOG_DAYS} ~ C(Duration) * C(Weight) - 1", data)
    _same_table(linreg.anova(mine, typ=2), anova_lm(ref, typ=2))


@pytest.mark.parametrize("coding", ["Sum", "Helmert"])
@pytest.mark.parametrize("weights", [None, "w"])
def test_type3_under_sum_coding_against_statsmodels(synthetic, coding, weights):
    """Type III as statsmodels' docs advise it: effects coded to sum to zero."""
    formula = f"y ~ C(g, {coding}) * C(h, {coding}) + x"
    mine, ref = _pair(formula, synthetic, weights)
    _same_table(linreg.anova(mine, typ=3), anova_lm(ref, typ=3))


def test_kidney_type3_sum_coding_against_statsmodels(kidney):
    mine, ref = _pair(f"{LOG_DAYS} ~ C(Duration, Sum) * C(Weight, Sum)", kidney)
    _same_table(linreg.anova(mine, typ=3), anova_lm(ref, typ=3))


@pytest.mark.parametrize(
    "formula",
    ["y ~ C(g) + C(h) + x + C(g):x", "y ~ C(g) * x - 1", "y ~ np.log(z) + I(x**2) + x"],
)
def test_type1_against_statsmodels(synthetic, formula):
    """Formulas whose term order is the same in formulaic and patsy."""
    mine, ref = _pair(formula, synthetic)
    table = linreg.anova(mine, typ="I")
    expected = anova_lm(ref, typ=1)
    assert list(table.index) == list(expected.index)
    _same_table(table, expected)


@pytest.mark.parametrize("weights", [None, "w"])
def test_type1_is_sequential_nested_fits(synthetic, weights):
    """Type I sums of squares equal the ssr drops of nested fits in the model's term
    order (statsmodels' WLS type I uses unweighted effects, so WLS is checked so)."""
    formula = "y ~ C(g) * x + C(h)"
    table = linreg.anova(linreg.ols(formula, synthetic, weights=weights))
    assert list(table.index) == ["C(g)", "x", "C(h)", "C(g):x", "Residual"]
    steps = ["1", "C(g)", "C(g) + x", "C(g) + x + C(h)", "C(g) + x + C(h) + C(g):x"]
    if weights is None:
        fits = [smf.ols(f"y ~ {s}", synthetic).fit() for s in steps]
    else:
        fits = [smf.wls(f"y ~ {s}", synthetic, weights=synthetic[weights]).fit() for s in steps]
    expected = anova_lm(*fits)
    assert_allclose(table["sum_sq"].values[:-1], expected["ss_diff"].values[1:], rtol=RTOL)
    assert_allclose(table["F"].values[:-1], expected["F"].values[1:], rtol=RTOL)
    assert_allclose(table["sum_sq"].values[-1], fits[-1].ssr, rtol=RTOL)
    assert_allclose(table["mean_sq"], table["sum_sq"] / table["df"], rtol=1e-15)


@pytest.mark.parametrize("weights", [None, "w"])
def test_nested_models_and_compare_f_test(synthetic, weights):
    formulas = ["y ~ x", "y ~ x + C(g)", "y ~ C(g) * x + C(h) + np.log(z)"]
    pairs = [_pair(f, synthetic, weights) for f in formulas]
    mine = [p[0] for p in pairs]
    refs = [p[1] for p in pairs]
    expected = anova_lm(*refs)
    _same_table(linreg.anova(*mine), expected)
    _same_table(linreg.anova(*[m.summary() for m in mine]), expected)
    _same_table(linreg.anova(*[m.model for m in mine]), expected)
    _same_table(linreg.anova(*mine, scale=2.5), anova_lm(*refs, scale=2.5))
    f, p, df = mine[2].summary().compare_f_test(mine[0].summary())
    assert_allclose([f, p, df], refs[2].compare_f_test(refs[0]), rtol=RTOL)
    from linreg.inference.anova import compare_f_test

    assert_allclose(compare_f_test(mine[1], mine[0]), refs[1].compare_f_test(refs[0]), rtol=RTOL)


def test_compare_f_test_warns_for_robust(synthetic):
    big = linreg.ols("y ~ C(g) * x", synthetic).summary(cov_type="HC3")
    small = linreg.ols("y ~ x", synthetic).summary()
    with pytest.warns(UserWarning, match="robust"):
        big.compare_f_test(small)


@pytest.mark.parametrize("typ", [1, 2])
def test_large_offset_is_accurate(typ):
    """Types I and II of ``C(g) * x`` do not change when x is shifted (the spans of the
    nested models do not): with x near 1e6 they equal statsmodels' tables of the
    shifted, well-conditioned problem (statsmodels' own type II on the offset data is
    off by about 3e-2 here)."""
    rng = np.random.default_rng(1)
    n = 200
    data = pd.DataFrame({"x": rng.normal(size=n) + 1e6, "g": rng.choice(list("abc"), n)})
    data["y"] = data.x * 0.5 + rng.normal(size=n) + (data.g == "b")
    shifted = data.assign(x=data.x - 1e6)
    expected = anova_lm(smf.ols("y ~ C(g) * x", shifted).fit(), typ=typ)
    _same_table(linreg.anova(linreg.ols("y ~ C(g) * x", data), typ=typ), expected, rtol=1e-7)


@pytest.mark.parametrize("typ", [1, 2, 3])
def test_from_the_moments_when_the_data_is_gone(synthetic, typ):
    """A model that no longer references its training data: the table from the Moments
    and the Summary's covariance."""
    formula = "y ~ C(g) * x + C(h)"
    mine, ref = _pair(formula, synthetic, "w")
    expected = linreg.anova(mine, typ=typ)
    del mine.model._training
    _same_table(linreg.anova(mine, typ=typ), expected, rtol=1e-9)
    if typ > 1:
        _same_table(linreg.anova(mine, typ=typ), anova_lm(ref, typ=typ))


@pytest.mark.filterwarnings("ignore:standard errors")  # the Summary's own, also true
def test_moments_type1_warns_when_ill_conditioned():
    from linreg.solution import AccuracyWarning

    rng = np.random.default_rng(1)
    n = 200
    data = pd.DataFrame({"x": rng.normal(size=n) + 1e6, "g": rng.choice(list("abc"), n)})
    data["y"] = data.x * 0.5 + rng.normal(size=n)
    model = linreg.ols("y ~ C(g) * x", data)
    del model.model._training
    with pytest.warns(AccuracyWarning, match="ill-conditioned"):
        linreg.anova(model)


# ------------------------------------------------------------ errors
def test_errors(synthetic):
    full = linreg.ols("y ~ C(g) * x", synthetic)
    small = linreg.ols("y ~ x", synthetic)
    with pytest.raises(ValueError, match="increasing complexity"):
        linreg.anova(full, small)
    with pytest.raises(ValueError, match="increasing complexity"):
        small.summary().compare_f_test(full.summary())
    with pytest.raises(ValueError, match="observations"):
        linreg.anova(linreg.ols("y ~ x", synthetic.iloc[:100]), full)
    other = synthetic.assign(y=synthetic.y * 2)
    with pytest.raises(ValueError, match="total sums of squares"):
        linreg.anova(linreg.ols("y ~ x", other), full)
    with pytest.raises(ValueError, match="type I"):
        linreg.anova(small, full, typ=2)
    with pytest.raises(ValueError, match="typ"):
        linreg.anova(full, typ=4)
    with pytest.raises(ValueError, match="formula model"):
        linreg.anova(full.model)
    with pytest.raises(ValueError):
        linreg.anova()
    with pytest.raises(ValueError, match="ridge|Ridge"):
        linreg.anova(linreg.formula.ridge("y ~ C(g) * x", synthetic))


def test_rank_deficient_is_refused(synthetic):
    data = synthetic.assign(x2=synthetic.x * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = linreg.ols("y ~ x + x2 + C(g)", data)
    with pytest.raises(ValueError, match="rank deficient"):
        linreg.anova(model, typ=2)
