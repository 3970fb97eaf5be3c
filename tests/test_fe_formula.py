"""fixest's formula syntax ``y ~ x | f1 + f2^f3`` and ``linreg.ols(absorb=, vcov=)``.

The parser is checked on its own (valid and invalid formulas, injections refused,
hypothesis over column names); the fits against pyfixest's ``feols`` on the same data
(coefficients and standard errors) and statsmodels' OLS with dummy columns.
"""

from __future__ import annotations

import string

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


def test_ridge_refuses_effects():
    with pytest.raises(ValueError, match="linreg.ols"):
        linreg.formula.ridge("y ~ x1 | firm", _panel())


def test_missing_effect_labels_follow_drop_missing():
    frame = _panel()
    frame.loc[[3, 7], "firm"] = None
    with pytest.raises(ValueError, match="'firm' \\(2 rows\\)"):
        linreg.ols("y ~ x1 | firm", frame)
