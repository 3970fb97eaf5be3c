"""linreg's closed formula grammar (linreg.io.formula) against formulaic.

Formulas generated from the grammar are accepted and give the same model matrix (names
and values) as formulaic on the raw string; formulas with a forbidden construct inserted
anywhere are refused before anything is evaluated, by the parser and by the API.
"""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linreg
from linreg.io.formula import FUNCTIONS, FormulaError, model_matrices, parse, required_columns

formulaic = pytest.importorskip("formulaic")

NUMERIC = ["x1", "x2", "`a b`", "`lambda`"]


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(13)
    n = 40
    return pd.DataFrame(
        {
            "x1": rng.uniform(0.5, 3.0, n),
            "x2": rng.uniform(1.0, 2.0, n),
            "a b": rng.uniform(0.1, 1.0, n),
            "lambda": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "y": rng.normal(size=n),
        }
    )


@st.composite
def arith(draw, depth=0):
    """Python arithmetic inside a function: names, numbers, + - * / **, calls."""
    if depth >= 2 or draw(st.booleans()):
        return draw(st.sampled_from(NUMERIC + ["2", "0.5", "1e-1", "10", "3."]))
    kind = draw(st.sampled_from(["binop", "paren", "neg", "call"]))
    if kind == "binop":
        op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
        right = draw(st.sampled_from(["2", "0.5"])) if op == "**" else draw(arith(depth + 1))
        sep = draw(st.sampled_from(["", " "]))
        return f"{draw(arith(depth + 1))}{sep}{op}{sep}{right}"
    if kind == "paren":
        return f"({draw(arith(depth + 1))})"
    if kind == "neg":
        return f"-{draw(arith(depth + 1))}"
    return f"{draw(st.sampled_from(FUNCTIONS))}({draw(arith(depth + 1))})"


@st.composite
def term(draw, depth=0):
    """One formula-level term."""
    kind = draw(
        st.sampled_from(["name", "name", "fn", "stateful", "I", "C", "Cref", "poly", "inter"])
    )
    if kind == "name":
        return draw(st.sampled_from(NUMERIC))
    if kind == "fn":
        return f"{draw(st.sampled_from(FUNCTIONS))}({draw(arith())})"
    if kind == "stateful":
        return f"{draw(st.sampled_from(['center', 'scale']))}({draw(arith())})"
    if kind == "I":
        return f"I({draw(arith())})"
    if kind == "C":
        return "C(g)"
    if kind == "Cref":
        return draw(st.sampled_from(["C(g, Treatment('b'))", "C(g, Sum)", "C(g, Helmert)"]))
    if kind == "poly":
        return f"poly({draw(st.sampled_from(['x1', 'x2']))}, {draw(st.integers(1, 3))})"
    if depth >= 1:
        return draw(st.sampled_from(NUMERIC))
    op = draw(st.sampled_from([":", "*", "/"]))
    return f"{draw(term(depth + 1))}{op}{draw(term(depth + 1))}"


@st.composite
def formulas(draw):
    terms = draw(st.lists(term(), min_size=1, max_size=4))
    rhs = terms[0]
    for t in terms[1:]:
        rhs += draw(st.sampled_from([" + ", "+", " - "])) + t
    if draw(st.booleans()):
        rhs = f"({rhs})**2" if len(terms) <= 2 and draw(st.booleans()) else rhs
    intercept = draw(st.sampled_from(["", "0 + ", "-1 + ", "1 + "]))
    tail = draw(st.sampled_from(["", " - 1", " + 0"]))
    return f"y ~ {intercept}{rhs}{tail}"


def formulaic_result(text, frame):
    """(columns, values) of formulaic's model matrix, or the exception type's family."""
    try:
        mm = formulaic.model_matrix(text, frame, na_action="ignore")
    except Exception:
        return None
    return list(mm.rhs.columns), mm.rhs.to_numpy(dtype=np.float64)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=formulas())
def test_valid_formulas_give_formulaics_design(frame, text):
    parsed = parse(text)
    assert parsed.lhs == "y"
    assert set(parsed.rhs_columns) <= set(frame.columns)
    # The canonical text is a fixed point of the grammar.
    assert parse(parsed.text) == parsed
    # The columns read are exactly those the model matrix cannot do without.
    assert required_columns(text) == list(parsed.columns)
    expected = formulaic_result(text, frame)
    try:
        mm = model_matrices(parsed, frame, na_action="ignore")
    except Exception:
        assert expected is None, text
        return
    assert expected is not None, text
    assert list(mm.rhs.columns) == expected[0]
    np.testing.assert_array_equal(mm.rhs.to_numpy(dtype=np.float64), expected[1])
    # The columns the grammar names are all formulaic needs (predict reads only those).
    narrow = formulaic_result(text, frame[list(parsed.columns)])
    assert narrow is not None and narrow[0] == expected[0]
    np.testing.assert_array_equal(narrow[1], expected[1])


FORBIDDEN = [
    "{x1}",
    ".__class__",
    "[0]",
    "np.save('p.npy', x1)",
    "__import__('os')",
    "lambda: 0",
    "'text'",
    "out=x1",
    ";",
    "@",
    "x1.real",
    "getattr(x1, 'real')",
    "os.system('id')",
    "[v for v in x1]",
    "\x1b[31m",
    "eval('1')",
    "np.lib",
    "2",
    "!",
    "$x",
    "#",
    "x1 if x1 else x2",
    "None",
    "%",
    "`",
]


def _quoted_spans(text: str):
    """(start, end) of the backquoted names and quoted levels: any character is data there."""
    return [m.span() for m in re.finditer(r"`[^`]*`|'[^']*'", text)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=formulas(), bad=st.sampled_from(FORBIDDEN), where=st.integers(0, 10_000))
def test_injections_are_refused(frame, text, bad, where):
    position = where % (len(text) + 1)
    for start, end in _quoted_spans(text):
        if start < position < end:
            position = start
    injected = f"{text[:position]} {bad} {text[position:]}"
    with pytest.raises(FormulaError) as info:
        parse(injected)
    assert "\x1b" not in str(info.value)
    assert "position" in str(info.value) or "no response" in str(info.value)
    with pytest.raises(FormulaError):
        linreg.ols(injected, frame)


@pytest.mark.parametrize(
    "formula, token",
    [
        ("y ~ x1 + {x2}", "unexpected character '{' at position 10"),
        ("y ~ x1.__class__", "'x1.__class__' at position 5"),
        ("y ~ np.save(x1)", "unknown function 'np.save' at position 5"),
        ("y ~ np.log(x1, out=x1)", "expected ')', found ',' at position 14"),
        ("y ~ __import__('os')", "unknown function '__import__' at position 5"),
        ("y ~ x1[0]", "unexpected character '[' at position 7"),
        ("y ~ C(g, Treatment(x1))", "expected a level"),
        ("y ~ C(g, Poly)", "the second argument of C(...)"),
        ("y ~ C(g, Sum(1))", "expected ')', found '('"),
        ("y ~ I(lambda: 1)", "'lambda' at position 7"),
    ],
)
def test_api_refuses_before_evaluating(frame, formula, token):
    with pytest.raises(ValueError, match=None) as info:
        linreg.ols(formula, frame)
    assert isinstance(info.value, FormulaError) and token in str(info.value)
    with pytest.raises(FormulaError):
        linreg.formula.ridge(formula, frame)


def test_api_names_only_data_columns(frame):
    # A bare name that is not a column is never looked up elsewhere (numpy, builtins).
    with pytest.raises(ValueError, match="no column named 'open'"):
        linreg.ols("y ~ x1 + open", frame)


def test_backquoted_names_are_data_not_code(frame, tmp_path):
    target = tmp_path / "p.npy"
    name = f"x1) + np.save('{target}', x1"
    data = frame.assign(**{name: frame.x1})
    model = linreg.ols(f"y ~ `{name}`", data)
    assert model.feature_names == [name]
    np.testing.assert_allclose(
        model.coef_, linreg.LinearRegression().fit(data[[name]], data.y).coef_, rtol=1e-12
    )
    assert not target.exists()


def test_unicode_names_bare_or_backquoted(frame):
    data = frame.assign(größe=frame.x1, **{"x²": frame.x2})
    model = linreg.ols("y ~ größe + `x²`", data)
    assert model.feature_names == ["größe", "x²"]
    reference = linreg.LinearRegression().fit(data[["größe", "x²"]], data.y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-12)
    with pytest.raises(FormulaError, match="'x²' at position 13 is not a plain name.*`x²`"):
        linreg.ols("y ~ größe + x²", data)
