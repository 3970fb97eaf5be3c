"""fixest's formula syntax ``y ~ x | f1 + f2^f3`` and ``linreg.ols(absorb=, vcov=)``.

The parser is checked on its own (valid and invalid formulas, injections refused,
hypothesis over column names); the fits against pyfixest's ``feols`` on the same data
(coefficients and standard errors) and statsmodels' OLS with dummy columns.
"""

from __future__ import annotations

import pickle
import string
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg.io.formula import FormulaError, model_matrices, parse

pd = pytest.importorskip("pandas")
pytest.importorskip("formulaic")

import linreg  # noqa: E402
import linreg.formula  # noqa: E402
from linreg.formula import _cov_of_vcov  # noqa: E402


# ---------------------------------------------------------------- the grammar
@pytest.mark.parametrize(
    ("text", "rhs", "absorb", "columns"),
    [
        ("y ~ x | firm", "x", ("firm",), ("y", "x", "firm")),
        ("y~x|firm+year", "x", ("firm", "year"), ("y", "x", "firm", "year")),
        ("y ~ x + np.log(z) | firm^year", "x + np.log(z)", ("firm^year",),
         ("y", "x", "z", "firm", "year")),
        ("y ~ x | `a b` + c^`d-e`", "x", ("a b", "c^d-e"), ("y", "x", "a b", "c", "d-e")),
        ("y ~ x - 1 | f", "x - 1", ("f",), ("y", "x", "f")),
        ("y ~ x", "x", (), ("y", "x")),
    ],
)
def test_valid_formulas(text, rhs, absorb, columns):
    parsed = parse(text)
    assert parsed.rhs == rhs
    assert parsed.absorb == absorb
    assert parsed.columns == columns
    assert "|" not in parsed.text  # formulaic never sees the effects
    assert parse(parsed.full_text) == parsed  # the canonical text reads back the same


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("y ~ x | f + f", "'f'"),
        ("y ~ x | f^f", "position 9"),
        ("y ~ x | np.log(f)", "'np.log'"),
        ("y ~ x | C(f)", "'C'"),
        ("y ~ x | 1", "'1'"),
        ("y ~ x | 0", "'0'"),
        ("y ~ x |", "the end of the formula"),
        ("y ~ x | f - g", "'-'"),
        ("y ~ x | f * g", "'*'"),
        ("y ~ x | (f)", "'('"),
        ("y ~ x | f | z ~ w", "instrumental"),
        ("y ~ x | y", "'y'"),
        ("y ~ x^2", "'^'"),
        ("y ~ (x | f)", "'|'"),
        ("y ~ x | f.attr", "'f.attr'"),
    ],
)
def test_invalid_formulas_name_the_token(text, token):
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert token in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "y ~ x | __import__('os').system('true')",
        "y ~ x | f.__class__.__bases__",
        "y ~ x | {x}",
        "y ~ x | f; import os",
        "y ~ x | lambda: 0",
        "y ~ x | f[0]",
        "y ~ x | __builtins__",
        "y ~ x | f + 'g'",
        "y ~ x | f ^ np.exp(g)",
    ],
)
def test_injections_refused(text):
    with pytest.raises(FormulaError):
        parse(text)


def test_a_right_hand_side_alone_has_no_effects():
    with pytest.raises(FormulaError, match="absorbed"):
        parse("x | f", response=False)


_name = st.text(
    alphabet=st.characters(blacklist_characters="`", blacklist_categories=("Cc", "Cs")),
    min_size=1,
    max_size=8,
).filter(lambda name: name != "y")  # the response cannot be an effect


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_name, min_size=1, max_size=3, unique=True), min_size=1, max_size=3,
                unique_by=tuple))
def test_any_column_names_as_effects(terms):
    text = "y ~ x | " + " + ".join("^".join(f"`{c}`" for c in term) for term in terms)
    parsed = parse(text)
    assert parsed.absorb_terms == tuple(map(tuple, terms))
    assert parse(parsed.full_text) == parsed


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=string.printable, max_size=20))
def test_anything_after_the_bar_is_a_name_list_or_refused(tail):
    try:
        parsed = parse("y ~ x | " + tail)
    except FormulaError:
        return
    for term in parsed.absorb_terms:
        for column in term:  # every accepted effect is made of plain column names
            assert column.isidentifier() or "`" + column + "`" in tail


def test_regressors_keep_the_reference_coding_whatever_the_intercept():
    frame = pd.DataFrame(
        {"y": [1.0, 2, 3, 4, 5, 6], "x": [1.0, 3, 2, 5, 4, 6], "g": list("abcabc"),
         "f": list("uuvvww")}
    )
    with_one = model_matrices(parse("y ~ x + C(g) | f"), frame).rhs
    without = model_matrices(parse("y ~ x + C(g) - 1 | f"), frame).rhs
    assert list(with_one.columns) == list(without.columns) == ["Intercept", "x", "C(g)[T.b]",
                                                               "C(g)[T.c]"]


# ---------------------------------------------------------------- vcov names
@pytest.mark.parametrize(
    ("vcov", "terms", "expected"),
    [
        (None, (), ("nonrobust", None)),
        (None, (("firm",), ("year",)), ("cluster", ["firm"])),
        (None, (("firm", "year"),), ("cluster", ["firm^year"])),
        ("iid", (("firm",),), ("nonrobust", None)),
        ("hetero", (("firm",),), ("HC1", None)),
        ("HC1", (), ("HC1", None)),
        ("HC3", (), ("HC3", None)),
        ({"CRV1": "firm"}, (("firm",),), ("cluster", ["firm"])),
        ({"CRV1": "firm + year"}, (("firm",),), ("cluster", ["firm", "year"])),
    ],
)
def test_vcov_names(vcov, terms, expected):
    assert _cov_of_vcov(vcov, terms) == expected


@pytest.mark.parametrize(
    "vcov", ["robust", {"CRV3": "firm"}, {"CRV1": "a + b + c"}, {"CRV1": ""}, ["iid"], "HC3"]
)
def test_bad_vcov_refused(vcov):
    with pytest.raises(ValueError, match="vcov"):
        _cov_of_vcov(vcov, (("firm",),))


# ---------------------------------------------------------------- refusals before fitting
def _panel(n_firms=30, n_years=6, seed=0, weights=False, singletons=0):
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(np.arange(n_years), n_firms)
    keep = rng.random(firm.size) > 0.15  # unbalanced
    firm, year = firm[keep], year[keep]
    if singletons:
        firm = np.concatenate([firm, n_firms + np.arange(singletons)])
        year = np.concatenate([year, rng.integers(0, n_years, singletons)])
    n = firm.size
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    effect = rng.normal(size=firm.max() + 1)[firm] + 0.5 * rng.normal(size=n_years)[year]
    y = 1.5 * x1 - 0.7 * x2 + effect + rng.normal(size=n)
    frame = pd.DataFrame(
        {"y": y, "x1": x1, "x2": x2, "firm": [f"f{i:03d}" for i in firm], "year": year}
    )
    if weights:
        frame["w"] = rng.uniform(0.2, 3.0, n)
    return frame


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"formula": "y ~ x1 | firm", "absorb": ["year"]}, "given twice"),
        ({"formula": "y ~ x1", "absorb": ["nope"]}, "'nope' is not a column"),
        ({"formula": "y ~ x1", "absorb": ["firm^nope"]}, "'firm\\^nope'"),
        ({"formula": "y ~ x1", "absorb": ["firm", "firm"]}, "twice"),
        ({"formula": "y ~ x1", "absorb": ["y"]}, "response"),
        ({"formula": "y ~ x1", "absorb": [3]}, "column name"),
        ({"formula": "y ~ x1 | nope", "absorb": None}, "'nope'"),
        ({"formula": "y ~ 1 | firm", "absorb": None}, "needs a regressor"),
        ({"formula": "y ~ x1 | firm", "vcov": {"CRV1": "nope"}}, "'nope'"),
        ({"formula": "y ~ x1 | firm", "vcov": "HC2"}, "not defined"),
    ],
)
def test_ols_refuses(kwargs, message):
    frame = _panel()
    with pytest.raises(ValueError, match=message):
        linreg.ols(data=frame, **kwargs)


def test_ridge_with_effects_is_ridge_on_the_demeaned_columns():
    from sklearn.linear_model import Ridge

    frame = _panel(seed=9, singletons=2)
    model = linreg.formula.ridge("y ~ x1 + x2 | firm + year", frame, alpha=3.0)
    dummies = pd.get_dummies(frame[["firm", "year"]].astype(str), dtype=float).to_numpy()

    def demeaned(v):  # the residual of the projection on the dummy columns
        return v - dummies @ np.linalg.lstsq(dummies, v, rcond=None)[0]

    reference = Ridge(alpha=3.0, fit_intercept=False).fit(
        demeaned(frame[["x1", "x2"]].to_numpy()), demeaned(frame["y"].to_numpy())
    )
    np.testing.assert_allclose(model.params.to_numpy(), reference.coef_, rtol=1e-10)


def test_missing_effect_labels_follow_drop_missing():
    frame = _panel()
    frame.loc[[3, 7], "firm"] = None
    with pytest.raises(ValueError, match="'firm' \\(2 rows\\)"):
        linreg.ols("y ~ x1 | firm", frame)


# ---------------------------------------------------------------- fits against references


def _feols(formula, frame, vcov, weights=None):
    pf = pytest.importorskip("pyfixest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's notes on dropped singletons
        # pyfixest's demeaning to its tightest tolerance (its default 1e-6 is a stopping
        # rule, not a bound: weighted standard errors differ at 1e-8 with it)
        return pf.feols(formula, frame, vcov=vcov, weights=weights, fixef_tol=1e-14)


def _ours(formula, frame, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return linreg.ols(formula, frame, **kwargs)


def _assert_like_feols(model, reference, vcov=None, rtol=1e-8):
    summary = model.summary() if vcov is None else model.summary(vcov=vcov)
    names = list(reference.coef().index)
    np.testing.assert_allclose(model.params[names].to_numpy(), reference.coef().to_numpy(),
                               rtol=rtol)
    se = pd.Series(np.asarray(summary.bse), index=model.feature_names)[names]
    np.testing.assert_allclose(se.to_numpy(), reference.se().to_numpy(), rtol=rtol)


@pytest.mark.parametrize(
    ("vcov", "reference_vcov"),
    [
        (None, {"CRV1": "firm"}),  # fixest's default: clustered by the first effect
        ("iid", "iid"),
        ("hetero", "hetero"),
        ({"CRV1": "year"}, {"CRV1": "year"}),
        ({"CRV1": "firm + year"}, {"CRV1": "firm + year"}),
    ],
)
def test_bar_and_absorb_equal_feols(vcov, reference_vcov):
    frame = _panel(singletons=4)
    formula = "y ~ x1 + x2 | firm + year"
    bar = _ours(formula, frame, vcov=vcov)
    given = _ours("y ~ x1 + x2", frame, absorb=["firm", "year"], vcov=vcov)
    np.testing.assert_array_equal(bar.params, given.params)
    np.testing.assert_array_equal(np.asarray(bar.summary().bse), np.asarray(given.summary().bse))
    _assert_like_feols(bar, _feols(formula, frame, reference_vcov))


def test_weighted_equals_feols():
    frame = _panel(weights=True, singletons=2, seed=3)
    formula = "y ~ x1 + x2 | firm + year"
    model = _ours(formula, frame, weights="w")
    _assert_like_feols(model, _feols(formula, frame, {"CRV1": "firm"}, weights="w"))


def test_interacted_effect_equals_feols():
    frame = _panel(n_firms=12, n_years=8, seed=5).assign(half=lambda d: d.year % 2)
    frame["pair"] = frame["firm"] + "/" + frame["half"].astype(str)  # pyfixest's clusters
    formula = "y ~ x1 + x2 | firm^half + year"
    model = _ours(formula, frame, vcov={"CRV1": "firm^half"})
    _assert_like_feols(model, _feols(formula, frame, {"CRV1": "pair"}))
    assert model.absorb == ["firm^half", "year"]


def test_categorical_regressor_and_minus_one_equal_feols():
    frame = _panel(seed=7).assign(g=lambda d: np.where(d.x1 > 0.3, "hi", "lo"))
    reference = _feols("y ~ x2 + C(g) | firm", frame, "iid")
    for formula in ("y ~ x2 + C(g) | firm", "y ~ x2 + C(g) - 1 | firm"):
        _assert_like_feols(_ours(formula, frame, vcov="iid"), reference)


def test_equals_statsmodels_with_dummy_columns():
    sm = pytest.importorskip("statsmodels.api")
    frame = _panel(n_firms=8, n_years=5, seed=11)
    model = _ours("y ~ x1 + x2 | firm + year", frame, vcov="iid")
    dummies = pd.get_dummies(frame[["firm", "year"]].astype(str), drop_first=True, dtype=float)
    design = sm.add_constant(pd.concat([frame[["x1", "x2"]], dummies], axis=1))
    reference = sm.OLS(frame["y"], design).fit()
    np.testing.assert_allclose(model.params.to_numpy(), reference.params[["x1", "x2"]],
                               rtol=1e-10)
    np.testing.assert_allclose(np.asarray(model.summary().bse), reference.bse[["x1", "x2"]],
                               rtol=1e-10)
    np.testing.assert_allclose(model.predict(frame), reference.fittedvalues, rtol=1e-9)


def test_missing_effect_labels_dropped_as_asked():
    frame = _panel(seed=2)
    holed = frame.copy()
    holed.loc[[3, 7], "firm"] = None
    holed.loc[5, "x1"] = np.nan
    dropped = _ours("y ~ x1 + x2 | firm + year", holed, drop_missing=True)
    complete = _ours("y ~ x1 + x2 | firm + year", frame.drop(index=[3, 5, 7]))
    assert dropped.n_dropped == 3
    np.testing.assert_allclose(dropped.params, complete.params, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(dropped.summary().bse),
                               np.asarray(complete.summary().bse), rtol=1e-12)


def test_summary_arguments_choose_the_covariance():
    frame = _panel(seed=12)
    model = _ours("y ~ x1 + x2 | firm + year", frame)
    by_year = np.asarray(model.summary(vcov={"CRV1": "year"}).bse)
    np.testing.assert_array_equal(np.asarray(model.summary(groups="year").bse), by_year)
    np.testing.assert_array_equal(
        np.asarray(model.summary("cluster", groups=frame["year"].to_numpy()).bse), by_year
    )
    iid = _ours("y ~ x1 + x2 | firm + year", frame, vcov="iid").summary()
    np.testing.assert_array_equal(np.asarray(model.summary("nonrobust").bse), iid.bse)
    with pytest.raises(ValueError, match="not both"):
        model.summary("HC1", vcov="iid")


def test_pickled_model_predicts_alike():
    frame = _panel(seed=4)
    model = _ours("y ~ x1 + x2 | firm + year", frame)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(frame), model.predict(frame))
    assert model.summary().cov_kwds["groups"] == "firm"


def test_predict_and_fixef_delegate():
    frame = _panel(seed=6)
    model = _ours("y ~ x1 + x2 | firm + year", frame)
    effects = model.fixef()
    assert set(effects) == {"firm", "year"}
    by_hand = (
        frame[["x1", "x2"]].to_numpy() @ model.params.to_numpy()
        + effects["firm"].loc[frame["firm"]].to_numpy()
        + effects["year"].loc[frame["year"]].to_numpy()
    )
    np.testing.assert_allclose(model.predict(frame), by_hand, rtol=1e-12)
    with pytest.raises(ValueError, match="'year'"):
        model.predict(frame.drop(columns="year"))
    with pytest.raises(ValueError, match="absorbed"):
        model.get_prediction(frame)


def test_several_responses_equal_feols_each():
    frame = _panel(seed=8)
    frame["y2"] = 0.5 * frame["y"] + frame["x1"] ** 2
    model = _ours("y + y2 ~ x1 + x2 | firm + year", frame)
    for j, response in enumerate(("y", "y2")):
        reference = _feols(f"{response} ~ x1 + x2 | firm + year", frame, {"CRV1": "firm"})
        np.testing.assert_allclose(model.params[response], reference.coef(), rtol=1e-8)
        np.testing.assert_allclose(np.asarray(model.summary(target=j).bse), reference.se(),
                                   rtol=1e-8)
    assert list(model.fixef()["year"].columns) == ["y", "y2"]
    assert model.predict(frame).shape == (len(frame), 2)


def test_interacted_effect_predicts_as_statsmodels_dummies():
    smf = pytest.importorskip("statsmodels.formula.api")
    frame = _panel(seed=1).assign(half=lambda d: d.year % 2)
    model = _ours("y ~ x1 + x2 | firm^half + year", frame, vcov="iid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dummies are rank-deficient by construction
        reference = smf.ols("y ~ x1 + x2 + C(firm):C(half) + C(year)", frame).fit()
    np.testing.assert_allclose(model.params, reference.params[["x1", "x2"]], rtol=1e-10)
    np.testing.assert_allclose(model.predict(frame), reference.fittedvalues, rtol=1e-9,
                               atol=1e-12)
    assert model.fixef()["firm^half"].index[0] == ("f000", 0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 3), st.booleans()),
                min_size=1, max_size=30))
def test_interacted_cluster_labels_partition_as_groupby(rows):
    from linreg.formula import cluster_labels

    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    got = cluster_labels(frame, ["a^b^c"], np.arange(len(frame)))
    expected = frame.groupby(["a", "b", "c"], sort=False).ngroup().to_numpy()
    # the same partition of the rows: a bijection between the two labellings
    assert len(set(zip(got, expected))) == len(set(got)) == len(set(expected))
