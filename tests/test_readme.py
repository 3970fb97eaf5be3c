"""The README's Python transcript stays true: its printed values are re-computed here
and compared with the text, and the coefficients with scikit-learn's on the same data."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression as SkLinearRegression

import linreg

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _readme_value(expression: str) -> str:
    """The comment after ``expression`` in the README's Python block."""
    match = re.search(re.escape(expression) + r"\s+#\s*(.+)", README)
    assert match, f"{expression!r} not found in README.md"
    return match.group(1).strip()


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True, as_frame=True)


def test_python_transcript(diabetes):
    X, y = diabetes
    model = linreg.LinearRegression().fit(X, y)
    shown = [float(v) for v in re.findall(r"-?\d+\.\d+", _readme_value("model.coef_[:3]"))]
    np.testing.assert_allclose(model.coef_[:3], shown, rtol=0, atol=1e-4)
    np.testing.assert_allclose(model.coef_, SkLinearRegression().fit(X, y).coef_, rtol=1e-10)
    intercept = _readme_value("model.intercept_")
    assert intercept.startswith("np.float64(") and type(model.intercept_) is np.float64
    assert float(re.search(r"\(([-\d.]+)\)", intercept).group(1)) == pytest.approx(
        model.intercept_, abs=1e-6
    )
    assert _readme_value("model.solver_").split()[0].strip("'") == model.solver_
    assert float(_readme_value("model.condition_number_")) == pytest.approx(
        model.condition_number_, abs=0.005
    )
    assert float(_readme_value("model.solution_.error_estimate")) == pytest.approx(
        model.solution_.error_estimate, rel=0.05
    )
    ridge = linreg.Ridge(alpha=0.1).fit(X, y)
    assert _readme_value("linreg.Ridge(alpha=0.1).fit(X, y).solver_").strip("'") == ridge.solver_


def test_rank_deficient_transcript(diabetes):
    X, y = diabetes
    X = X.assign(bmi_bp=X["bmi"] + X["bp"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        linreg.LinearRegression().fit(X, y)
    messages = [str(w.message) for w in caught if w.category is linreg.RankDeficientWarning]
    assert len(messages) == 1
    block = README[README.index("RankDeficientWarning: X is rank deficient") :]
    block = block[: block.index("```")]
    shown = " ".join(block.replace("RankDeficientWarning:", "").split())
    assert shown == messages[0]


def test_inference_transcript(diabetes):
    """The README's hypothesis-test lines: statsmodels' f_test/t_test on the same fit."""
    import statsmodels.api as sm

    X, y = diabetes
    s = linreg.LinearRegression().fit(X, y).summary(cov_type="HC3")
    after = README[README.index('>>> s.f_test("s1 = s2 = 0")') :]
    shown = "\n".join(after.splitlines()[1:3])  # the printed result (statsmodels' repr)
    ref = sm.OLS(y, sm.add_constant(X)).fit(cov_type="HC3", use_t=True)
    ref_f = ref.f_test("s1 = s2 = 0")
    assert shown == repr(s.f_test("s1 = s2 = 0"))
    fvalue = float(re.search(r"F=([\d.]+)", shown).group(1))
    assert fvalue == pytest.approx(float(np.squeeze(ref_f.fvalue)), rel=1e-8)
    pvalue = float(_readme_value('round(float(s.t_test("bmi = bp").pvalue), 4)').split(";")[0])
    ref_t = sm.OLS(y, sm.add_constant(X)).fit(cov_type="HC3").t_test("bmi = bp")
    assert pvalue == round(float(ref_t.pvalue), 4)
