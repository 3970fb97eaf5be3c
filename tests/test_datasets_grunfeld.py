"""The built-in ``grunfeld`` panel against its independent sources.

- the data: statsmodels' ``grunfeld.load_pandas()`` (the file linreg ships is a copy of
  statsmodels' CSV): every number equal, the firm codes one-to-one with the names;
- the panel fit ``invest ~ value + capital | firm + year``: statsmodels OLS with dummy
  columns (coefficients, 1e-10); pyfixest's ``feols`` on the same data (its demeaning
  run to 1e-13; 1e-14 does not converge here), coefficients and standard errors (iid
  and clustered by firm) to 1e-8, in Python and through ``linreg datasets`` and
  ``linreg fit``.
"""

import fnmatch
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import linreg
from linreg.datasets import builtin_names, load
from linreg.datasets.examples import GRUNFELD_FIRMS

pd = pytest.importorskip("pandas")
pf = pytest.importorskip("pyfixest")
sm_grunfeld = pytest.importorskip("statsmodels.datasets.grunfeld")

RTOL = 1e-8
FORMULA = "invest ~ value + capital | firm + year"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference():
    """statsmodels' frame: invest, value, capital, firm (names), year."""
    return sm_grunfeld.load_pandas().data


@pytest.fixture(scope="module")
def frame():
    d = load("grunfeld")
    df = pd.DataFrame(d.X, columns=list(d.feature_names))
    df[d.target_names[0]] = d.y
    return df


def _feols(df, vcov):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(
            FORMULA, data=df, vcov=vcov,
            demeaner=pf.MapDemeaner(fixef_tol=1e-13, fixef_maxiter=100_000),
        )  # fmt: skip
    return fit.coef().to_numpy(), fit.se().to_numpy()


def test_listed_with_its_shape():
    d = load("grunfeld")
    assert "grunfeld" in builtin_names()
    assert d.X.shape == (220, 4) and d.X.dtype == np.float64 and d.y.shape == (220,)
    assert d.feature_names == ("value", "capital", "firm", "year")
    assert d.target_names == ("invest",)
    assert "public domain" in d.description


def test_numbers_equal_statsmodels(reference, frame):
    for column in ("invest", "value", "capital", "year"):
        assert_array_equal(frame[column].to_numpy(), reference[column].to_numpy(float))


def test_firm_codes_map_one_to_one_to_the_names(reference, frame):
    pairs = set(zip(frame["firm"], reference["firm"]))
    assert len(pairs) == 11
    assert len({c for c, _ in pairs}) == len({n for _, n in pairs}) == 11
    assert {int(c): n for c, n in pairs} == {k + 1: n for k, n in enumerate(GRUNFELD_FIRMS)}
    assert all(f"{k + 1} {n}" in load("grunfeld").description for k, n in enumerate(GRUNFELD_FIRMS))
    # a balanced panel: each firm over the 20 years 1935..1954
    counts = frame.groupby("firm")["year"].agg(["count", "min", "max", "nunique"])
    assert (counts.to_numpy() == [20, 1935, 1954, 20]).all()


@pytest.mark.parametrize(
    ("vcov", "linreg_vcov"), [("iid", "iid"), ({"CRV1": "firm"}, {"CRV1": "firm"})]
)
def test_panel_fit_equals_pyfixest(frame, vcov, linreg_vcov):
    coef, se = _feols(frame, vcov)
    model = linreg.ols(FORMULA, data=frame, vcov=linreg_vcov)
    s = model.summary()
    assert_allclose(model.coef_, coef, rtol=RTOL)
    assert_allclose(s.params, coef, rtol=RTOL)
    assert_allclose(s.bse, se, rtol=RTOL)


def test_panel_coefficients_equal_statsmodels_with_dummies(frame):
    sm = pytest.importorskip("statsmodels.formula.api")
    ref = sm.ols("invest ~ value + capital + C(firm) + C(year)", data=frame).fit()
    model = linreg.ols(FORMULA, data=frame)
    assert_allclose(model.coef_, ref.params[["value", "capital"]].to_numpy(), rtol=1e-10)


def _cli(*args, cwd):
    out = subprocess.run(
        [sys.executable, "-m", "linreg.cli", *map(str, args)],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out


def test_cli_exports_and_fits_as_pyfixest(tmp_path, frame):
    _cli("datasets", "grunfeld", "-o", "grunfeld.csv", cwd=tmp_path)
    exported = pd.read_csv(tmp_path / "grunfeld.csv")
    assert list(exported.columns) == ["value", "capital", "firm", "year", "invest"]
    assert_array_equal(exported.to_numpy(float), frame.to_numpy())
    out = _cli(
        "fit", "grunfeld.csv", "--formula", FORMULA, "--cov-type", "cluster",
        "--groups", "firm", "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    summary = json.loads(out.stdout)["summary"]
    coef, se = _feols(frame, {"CRV1": "firm"})
    assert_allclose([summary["params"][n] for n in ("value", "capital")], coef, rtol=RTOL)
    assert_allclose([summary["bse"][n] for n in ("value", "capital")], se, rtol=RTOL)


def test_the_csv_is_package_data():
    tomllib = pytest.importorskip("tomllib")
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["linreg"]
    assert any(fnmatch.fnmatch("data/grunfeld.csv", p) for p in patterns)
