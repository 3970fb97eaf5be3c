"""The printed summary's footer (Omnibus, Durbin-Watson, Jarque-Bera, skew, kurtosis,
condition number) equals statsmodels' OLS/WLS summary footer, line for line; the
statistics survive a model file and are the same streamed from a Parquet file."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_diabetes

import linreg


def _footer_block(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Omnibus:"))
    return lines[start : start + 3]  # the Cond. No. line's number is formatted differently


def _problems():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    yield "diabetes", X.to_numpy(), y.to_numpy(), None
    rng = np.random.default_rng(3)
    Xh = rng.standard_normal((300, 3)) + [10.0, -2.0, 1e3]
    yh = Xh @ [1.0, -2.0, 0.5] + rng.standard_normal(300) * (1 + np.abs(Xh[:, 0] - 10)) ** 2
    yield "heteroscedastic", Xh, yh, None
    w = rng.uniform(0.1, 5.0, 300)
    yield "weighted", Xh, yh, w


@pytest.mark.parametrize("case", list(_problems()), ids=lambda c: c[0])
def test_footer_equals_statsmodels(case):
    _, X, y, w = case
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    exog = sm.add_constant(X)
    ref = (sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)).fit()
    summary = model.summary()
    assert _footer_block(str(summary)) == _footer_block(str(ref.summary().tables[2]))
    ours = summary.diagnostics
    skew, kurt = ref.diagn["skew"], ref.diagn["kurtosis"]
    np.testing.assert_allclose(
        [ours["Omnibus"], ours["Prob(Omnibus)"], ours["Durbin-Watson"], ours["Jarque-Bera (JB)"]],
        [ref.diagn["omni"], ref.diagn["omnipv"], sm.stats.durbin_watson(ref.wresid),
         ref.diagn["jb"]],
        rtol=1e-8,
    )  # fmt: skip
    np.testing.assert_allclose([ours["Skew"], ours["Kurtosis"]], [skew, kurt], rtol=1e-8)


def test_footer_survives_a_model_file(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    model = linreg.LinearRegression().fit(X, y)
    path = tmp_path / "m.json"
    linreg.save(model, path, cov_types=("nonrobust", "HC3"))
    loaded = linreg.load(path)
    for kind in ("nonrobust", "HC3"):
        assert loaded.summary(kind).diagnostics == pytest.approx(model.summary(kind).diagnostics)
        assert str(loaded.summary(kind)) == str(model.summary(kind))


def test_streamed_footer_equals_in_memory(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(5)
    X = rng.standard_normal((500, 3)) + 100.0
    y = X @ [1.0, 2.0, 3.0] + np.cumsum(rng.standard_normal(500))  # autocorrelated
    w = rng.uniform(0.5, 2.0, 500)
    table = {f"x{j}": X[:, j] for j in range(3)} | {"y": y, "w": w}
    pq.write_table(pa.table(table), tmp_path / "d.parquet")
    source = linreg.scan(tmp_path / "d.parquet", target="y", weights="w", batch_size=37)
    streamed = linreg.LinearRegression().fit(source).summary().diagnostics
    memory = linreg.LinearRegression().fit(X, y, sample_weight=w).summary().diagnostics
    for key, value in memory.items():
        assert streamed[key] == pytest.approx(value, rel=1e-10), key


@pytest.mark.parametrize("case", list(_problems()), ids=lambda c: c[0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_aicc_and_hqic_equal_statsmodels(case, fit_intercept):
    _, X, y, w = case
    model = linreg.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    exog = sm.add_constant(X) if fit_intercept else X
    ref = (sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)).fit()
    summary = model.summary()
    assert summary.aicc == pytest.approx(ref.info_criteria("aicc"), rel=1e-10)
    assert summary.hqic == pytest.approx(ref.info_criteria("hqic"), rel=1e-10)


@pytest.mark.parametrize("y_scale", [1e-160, 1e-70, 1e150])
def test_footer_and_breusch_pagan_invariant_to_the_scale_of_y(y_scale):
    """Skew, kurtosis, Jarque-Bera, omnibus, Durbin-Watson and Breusch-Pagan do not
    depend on the units of y: on y of order 1e-160 (fourth powers underflow; it was a
    ZeroDivisionError) or 1e150 they equal statsmodels' on the same problem in units
    of order 1."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((200, 3))
    y = X @ [1.0, -1.0, 0.5] + rng.standard_normal(200) * (1 + np.abs(X[:, 0]))
    ref = sm.OLS(y, sm.add_constant(X)).fit()
    model = linreg.LinearRegression().fit(X, y * y_scale)
    ours = model.summary().diagnostics
    from statsmodels.stats.stattools import jarque_bera, omni_normtest

    jb, _, skew, kurtosis = jarque_bera(ref.resid)
    want = {
        "Skew": skew,
        "Kurtosis": kurtosis,
        "Omnibus": omni_normtest(ref.resid)[0],
        "Jarque-Bera (JB)": jb,
        "Durbin-Watson": sm.stats.durbin_watson(ref.resid),
    }
    for key, value in want.items():
        assert ours[key] == pytest.approx(value, rel=1e-9), key
    from statsmodels.stats.diagnostic import het_breuschpagan

    bp = linreg.diagnostics.het_breuschpagan(model)
    np.testing.assert_allclose(bp, het_breuschpagan(ref.resid, ref.model.exog), rtol=1e-9)
