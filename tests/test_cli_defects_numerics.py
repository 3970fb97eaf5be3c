"""The numerical defects the command line exposed (DEFECTS.md 1, 2, 4, 5, 7, 8, 12, 29, 30),
each through the command (``linreg.cli.main([... "--format", "json"])``, in process) and
through the Python API, against an independent reference: exact rational arithmetic,
numpy's pinv/lstsq, statsmodels on transformed data, NIST's certified values, or an
invariance (scaling, dropping rows of weight zero).

The data are built here (the same shapes as the files in the repros folder), so the
tests need nothing outside the repository.  The property tests draw their cases from a
seeded generator (hypothesis is not a dependency of the project).
"""

from __future__ import annotations

import json
import pickle
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import linreg
import linreg.cli
from linreg import AccuracyWarning, RankDeficientWarning
from linreg.datasets import load_nist

# The first rows of the repros' base.csv (x1, x2, y), exact decimals.
ROWS = [
    ("10.691", "2.118", "21.259"),
    ("11.643", "-1.112", "28.227"),
    ("10.661", "-0.378", "23.907"),
]


def base_frame(n=30, seed=0) -> pd.DataFrame:
    """x1, x2 and y = 4 + 1.8 x1 - 2 x2 + noise."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(10, 2, n)
    x2 = rng.normal(0, 1.5, n)
    y = 4 + 1.8 * x1 - 2 * x2 + rng.normal(0, 0.7, n)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": y})


def write(frame: pd.DataFrame, tmp_path, name="data.csv") -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False, float_format="%.17g")
    return str(path)


def cli_json(capsys, *args):
    """``linreg fit ARGS --format json`` in process: (exit code, parsed JSON, stderr);
    warnings are left to the caller (pytest records them)."""
    code = linreg.cli.main(["fit", *map(str, args), "--format", "json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, (json.loads(out.out) if code == 0 else None), out.err


def params_of(doc, names):
    """(params, bse) of the JSON summary in the order of ``names`` (NaN for null)."""
    s = doc["summary"]
    nan = float("nan")
    params = np.array([nan if s["params"][n] is None else s["params"][n] for n in names])
    bse = np.array([nan if s["bse"][n] is None else s["bse"][n] for n in names])
    return params, bse


def exact_minimum_norm(rows):
    """Minimum-norm slopes (intercept unpenalized) of rows of decimals, in Fractions:
    ``beta = Xc' (Xc Xc')^+ yc`` with the centred rows; for two rows (rank 1)
    ``beta = dx dy / |dx|^2``."""
    (a1, b1, y1), (a2, b2, y2) = [[Fraction(v) for v in r] for r in rows]
    dx, dy = (a2 - a1, b2 - b1), y2 - y1
    norm2 = dx[0] ** 2 + dx[1] ** 2
    beta = (dx[0] * dy / norm2, dx[1] * dy / norm2)
    intercept = (y1 + y2) / 2 - beta[0] * (a1 + a2) / 2 - beta[1] * (b1 + b2) / 2
    return float(intercept), np.array([float(b) for b in beta])


# ------------------------------------------------------------------- 1: minimum norm
def test_defect_1_two_rows_minimum_norm_everywhere(tmp_path, capsys):
    """Two rows, two features: coef and summary.params are the exact minimum-norm
    solution (Fractions), both rows are fitted, and no standard error is claimed."""
    frame = pd.DataFrame([[float(v) for v in r] for r in ROWS[:2]], columns=["x1", "x2", "y"])
    path = write(frame, tmp_path)
    intercept, beta = exact_minimum_norm(ROWS[:2])
    with pytest.warns(RankDeficientWarning, match="minimum-norm"):
        code, doc, _ = cli_json(capsys, path, "--target", "y", "--test-size", "0")
    assert code == 0
    params, bse = params_of(doc, ["const", "x1", "x2"])
    np.testing.assert_allclose(params, np.r_[intercept, beta], rtol=1e-12)
    np.testing.assert_allclose([doc["coef"]["x1"], doc["coef"]["x2"]], beta, rtol=1e-12)
    assert doc["intercept"] == params[0]
    assert np.isnan(bse).all()
    assert np.linalg.norm(beta) <= 2.15

    with pytest.warns(RankDeficientWarning):
        model = linreg.LinearRegression().fit(frame[["x1", "x2"]], frame["y"])
    s = model.summary()
    np.testing.assert_array_equal(s.params, np.r_[model.intercept_, model.coef_])
    np.testing.assert_allclose(s.params, np.r_[intercept, beta], rtol=1e-12)
    assert s.not_identified == [0, 1, 2] and "not identified" in str(s)


def test_defect_1_collinear_columns_params_are_coef_and_identified_terms_have_se():
    """x3 = x1 + x2 with 40 rows: params = coef_ = pinv's minimum norm; x1, x2, x3 not
    identified (NaN SE); const and x4 identified, with statsmodels' SEs of the fit
    without x3 (the same for every least-squares solution)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2)) + [5.0, -2.0]
    X = np.column_stack([X, X[:, 0] + X[:, 1], rng.normal(size=40)])
    y = X[:, :2] @ [1.0, 2.0] + 0.5 * X[:, 3] + rng.normal(size=40)
    with pytest.warns(RankDeficientWarning):
        model = linreg.LinearRegression().fit(X, y)
    s = model.summary()
    Xc = X - X.mean(0)
    coef = np.linalg.pinv(Xc, rcond=1e-10) @ (y - y.mean())
    np.testing.assert_allclose(s.params[1:], coef, rtol=1e-9)
    np.testing.assert_allclose(s.params, np.r_[model.intercept_, model.coef_], rtol=0)
    assert s.not_identified == [1, 2, 3]
    ref = sm.OLS(y, sm.add_constant(X[:, [0, 1, 3]])).fit()
    np.testing.assert_allclose(s.bse[[0, 4]], ref.bse[[0, 3]], rtol=1e-9)
    np.testing.assert_allclose(s.params[[0, 4]], ref.params[[0, 3]], rtol=1e-9)
    assert np.isnan(s.bse[1:4]).all()


# ------------------------------------------------------------------- 2: const name
def test_defect_2_feature_named_const_does_not_collide(tmp_path, capsys):
    """A feature called ``const``: the intercept is labelled ``Intercept`` in the JSON,
    the summary and the model file; both are kept, with statsmodels' values."""
    frame = base_frame().rename(columns={"x1": "const"})
    path = write(frame, tmp_path)
    saved = tmp_path / "m.json"
    code, doc, _ = cli_json(capsys, path, "--target", "y", "--test-size", "0", "--save", saved)
    assert code == 0
    names = ["Intercept", "const", "x2"]
    assert list(doc["summary"]["params"]) == names
    ref = sm.OLS(frame["y"].to_numpy(), np.column_stack([np.ones(30), frame[["const", "x2"]]]))
    ref = ref.fit()
    params, bse = params_of(doc, names)
    np.testing.assert_allclose(params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(bse, ref.bse, rtol=1e-9)
    loaded = linreg.load(saved)
    assert loaded.summary().names == names

    model = linreg.LinearRegression().fit(frame[["const", "x2"]], frame["y"])
    assert model.summary().names == names
    s = str(model.summary())
    assert s.count("Intercept") == 1 and s.count("const ") == 1


def test_defect_2_every_candidate_label_taken():
    """Features named const, Intercept and (Intercept): a fresh label, all distinct."""
    from linreg.summary import parameter_names

    names = parameter_names(["const", "Intercept", "(Intercept)", "const_"], 1)
    assert len(set(names)) == len(names) == 5 and names[0] == "const__"
    assert parameter_names(["a"], 0) == ["a"]


# ------------------------------------------------------------------- 4: Filip
@pytest.fixture(scope="module")
def filip_csv(tmp_path_factory):
    data = load_nist("Filip", dtype=np.float64)
    frame = pd.DataFrame(data.X, columns=[f"x{j + 1}" for j in range(data.X.shape[1])])
    frame["y"] = data.y
    path = tmp_path_factory.mktemp("filip") / "filip.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    return str(path), data


def test_defect_4_filip_eigh_warns_and_returns_the_fit_it_names(filip_csv, capsys):
    """--solver eigh: the Gram matrix cannot resolve x8..x10; the warning names them and
    says they are left out, and the answer is the least-squares fit without them
    (numpy lstsq on x1..x7: same R^2), one set of coefficients in coef and summary."""
    path, data = filip_csv
    with pytest.warns(RankDeficientWarning, match="cannot resolve 'x8', 'x9', 'x10'.*without"):
        code, doc, _ = cli_json(
            capsys, path, "--target", "y", "--test-size", "0", "--solver", "eigh"
        )
    assert code == 0
    names = [f"x{j}" for j in range(1, 11)]
    coef = np.array([doc["coef"][n] for n in names])
    assert np.all(coef[7:] == 0)
    A = np.column_stack([np.ones(len(data.y)), data.X[:, :7]])
    ref, *_ = np.linalg.lstsq(A, data.y, rcond=None)
    tss = np.sum((data.y - data.y.mean()) ** 2)
    r2_ref = 1 - np.sum((data.y - A @ ref) ** 2) / tss
    r2 = 1 - np.sum((data.y - doc["intercept"] - data.X @ coef) ** 2) / tss
    assert abs(r2 - r2_ref) < 1e-6
    params, bse = params_of(doc, ["const", *names])
    np.testing.assert_array_equal(params, np.r_[doc["intercept"], coef])
    assert np.isnan(bse[8:]).all() and np.isfinite(bse[:8]).all()


@pytest.mark.parametrize("solver", ["svd", "cholesky"])
def test_defect_4_filip_svd_and_cholesky_meet_what_they_claim(filip_csv, capsys, solver):
    """--solver svd: the certified values to within the accuracy its warning states;
    --solver cholesky cannot factor the Gram matrix and says it ran svd instead."""
    path, data = filip_csv
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        code, doc, _ = cli_json(
            capsys, path, "--target", "y", "--test-size", "0", "--solver", solver
        )
    assert code == 0
    texts = [str(w.message) for w in record]
    if solver == "cholesky":
        assert doc["solver_"] == "svd"
        assert any("solver='cholesky'" in t and "'svd'" in t for t in texts)
    claim = [t for t in texts if "accurate to about" in t]
    assert claim, texts
    bound = float(claim[0].split("accurate to about ")[1].split(" ")[0])
    coef = np.r_[doc["intercept"], [doc["coef"][f"x{j}"] for j in range(1, 11)]]
    err = np.linalg.norm(coef - data.params) / np.linalg.norm(data.params)
    assert err <= bound
    assert abs(doc["summary"]["rsquared"] - data.rsquared) < 1e-6


# ------------------------------------------------------------------- 5: leverage 1
def singleton_frame():
    frame = base_frame()
    frame["g"] = ["a", "b"] * 14 + ["a", "single"]
    frame.loc[frame.g == "b", "y"] += 2.0
    return frame


def test_defect_5_hc3_with_a_singleton_level_is_nan_with_a_warning(tmp_path, capsys):
    """A level with one row has leverage 1: its HC3 SE is NaN with a warning naming the
    term; the other terms are statsmodels' HC3 without that row and dummy (the row is
    fitted exactly, so the rest of the fit and its leverages are unchanged)."""
    frame = singleton_frame()
    path = write(frame, tmp_path)
    with pytest.warns(AccuracyWarning, match=r"C\(g\)\[T.single\]"):
        code, doc, _ = cli_json(
            capsys, path, "--formula", "y ~ x1 + C(g)", "--test-size", "0", "--cov-type", "HC3"
        )
    assert code == 0
    names = ["const", "x1", "C(g)[T.b]", "C(g)[T.single]"]
    if "const" not in doc["summary"]["params"]:
        names[0] = next(iter(doc["summary"]["params"]))
    params, bse = params_of(doc, names)
    rest = frame[frame.g != "single"]
    X = np.column_stack([np.ones(len(rest)), rest.x1, (rest.g == "b").astype(float)])
    ref = sm.OLS(rest.y.to_numpy(), X).fit(cov_type="HC3")
    np.testing.assert_allclose(params[:3], ref.params, rtol=1e-9)
    np.testing.assert_allclose(bse[:3], ref.bse, rtol=1e-9)
    assert np.isnan(bse[3])


@pytest.mark.parametrize("scale", [1e-150, 1.0, 1e150])
def test_defect_5_leverage_one_is_decided_scale_invariantly(scale):
    """The same NaN and the same other SEs (scaled) whatever the units of x1 and y."""
    frame = singleton_frame()
    X = np.column_stack([frame.x1 * scale, frame.g == "b", frame.g == "single"]).astype(float)
    y = frame.y.to_numpy() * scale
    model = linreg.LinearRegression().fit(X, y)
    with pytest.warns(AccuracyWarning, match="leverage 1"):
        s = model.summary(cov_type="HC3")
    rest = frame.g != "single"
    ref = sm.OLS(
        frame.y[rest].to_numpy(),
        sm.add_constant(np.column_stack([frame.x1[rest], frame.g[rest] == "b"]).astype(float)),
    ).fit(cov_type="HC3")
    np.testing.assert_allclose(s.bse[:3] / [scale, 1.0, scale], ref.bse, rtol=1e-8)
    assert np.isnan(s.bse[3])


# ------------------------------------------------------------------- 7: constant target
@pytest.mark.parametrize("model", ["ols", "ridge"])
def test_defect_7_constant_target_r2_is_nan_and_said(tmp_path, capsys, model):
    """y = 7 for every row: no exception; R^2 NaN (null in JSON); the summary says why;
    the estimates are (7, 0, 0) to rounding."""
    frame = base_frame().assign(y=7.0)
    path = write(frame, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, doc, _ = cli_json(capsys, path, "--target", "y", "--test-size", "0", "--model", model)
    assert code == 0
    assert doc["summary"]["rsquared"] is None
    assert abs(doc["intercept"] - 7.0) < 1e-12
    estimator = linreg.Ridge() if model == "ridge" else linreg.LinearRegression()
    estimator.fit(frame[["x1", "x2"]], frame["y"])
    with pytest.warns(AccuracyWarning, match="exactly to working precision"):
        s = estimator.summary()
    assert np.isnan(s.rsquared) and np.isnan(s.rsquared_adj) and np.isnan(s.fvalue)
    assert "the target is constant" in str(s)
    np.testing.assert_allclose(s.params, [7.0, 0.0, 0.0], atol=1e-12)


# ------------------------------------------------------------------- 8: no residual df
def test_defect_8_one_row_and_saturated_fits_have_nan_ses_with_the_reason(tmp_path, capsys):
    """One row (API) and three rows with three parameters (CLI): no exception; every
    SE NaN, df_resid 0, and the summary says there are no residual degrees of freedom.
    The three-row fit interpolates (exact solution of the 3x3 system, numpy.solve)."""
    one = base_frame(1)
    with pytest.warns(RankDeficientWarning):
        model = linreg.LinearRegression().fit(one[["x1", "x2"]], one["y"])
    s = model.summary()
    assert s.df_resid == 0 and np.isnan(s.bse).all()
    assert any("No residual degrees of freedom" in n for n in s.notes)
    str(s)  # prints without an exception

    frame = pd.DataFrame([[float(v) for v in r] for r in ROWS], columns=["x1", "x2", "y"])
    path = write(frame, tmp_path)
    code, doc, err = cli_json(capsys, path, "--target", "y", "--test-size", "0")
    if code != 0:  # the command may refuse a fit without residual degrees of freedom
        assert code == 1 and len(err.strip().splitlines()) == 1
        return
    A = np.column_stack([np.ones(3), frame[["x1", "x2"]]])
    exact = np.linalg.solve(A, frame["y"].to_numpy())
    params, bse = params_of(doc, ["const", "x1", "x2"])
    np.testing.assert_allclose(params, exact, rtol=1e-9)
    assert np.isnan(bse).all() and doc["summary"]["df_resid"] == 0


# ------------------------------------------------------------------- 12: scale 1e-300
def scaled_fit(frame, k_x, k_y):
    """The summary of y*10^k_y on x1*10^k_x (x2 as is)."""
    X = np.column_stack([frame.x1 * 10.0**k_x, frame.x2])
    return linreg.LinearRegression().fit(X, frame.y * 10.0**k_y).summary()


def test_defect_12_tiny_data_equals_the_scaled_fit_scaled_back(tmp_path, capsys):
    """x1 and y times 1e-300: no rank warning, no exception; every statistic equals
    statsmodels on the unscaled data, scaled back (const, x2: 1e-300; x1: 1)."""
    frame = base_frame()
    tiny = frame.assign(x1=frame.x1 * 1e-300, y=frame.y * 1e-300)
    path = write(tiny, tmp_path)
    ref = sm.OLS(frame.y.to_numpy(), sm.add_constant(frame[["x1", "x2"]].to_numpy())).fit()
    units = np.array([1e-300, 1.0, 1e-300])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        code, doc, _ = cli_json(capsys, path, "--target", "y", "--test-size", "0")
        s = linreg.LinearRegression().fit(tiny[["x1", "x2"]], tiny["y"]).summary()
    assert code == 0
    # No rank warning, neither for the fit nor for fold fits from the Moments alone.
    assert not [w for w in record if issubclass(w.category, RankDeficientWarning)]
    params, bse = params_of(doc, ["const", "x1", "x2"])
    for p, b, r2 in ((params, bse, doc["summary"]["rsquared"]), (s.params, s.bse, s.rsquared)):
        np.testing.assert_allclose(p / units, ref.params, rtol=1e-9)
        np.testing.assert_allclose(b / units, ref.bse, rtol=1e-9)
        assert abs(r2 - ref.rsquared) < 1e-12
    np.testing.assert_allclose(s.tvalues, ref.tvalues, rtol=1e-9)
    assert abs(s.fvalue - ref.fvalue) < 1e-8 * ref.fvalue


# Up to 10^150 (larger values are refused as "too large to square" by the input check),
# and x1's coefficient, in units of 10^(k_y - k_x), representable.
SCALES = [(-300, -300), (150, 150), (-150, 140), (140, -150), (0, -160), (-160, 0)] + [
    (int(a), int(b))
    for a, b in np.random.default_rng(13).integers(-300, 151, (40, 2))
    if abs(a - b) <= 290
][:8]


@pytest.mark.parametrize(("k_x", "k_y"), SCALES)
def test_summary_is_scale_invariant(k_x, k_y):
    """Scaling x1 by 10^k_x and y by 10^k_y (k in [-300, 150]) scales params and SEs exactly as the
    units say and leaves t, p, R^2 and F unchanged (reference: the unscaled fit)."""
    frame = base_frame(25, seed=1)
    ref = scaled_fit(frame, 0, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        s = scaled_fit(frame, k_x, k_y)
    units = np.array([10.0**k_y, 10.0 ** (k_y - k_x), 10.0**k_y])
    np.testing.assert_allclose(s.params / units, ref.params, rtol=1e-9)
    np.testing.assert_allclose(s.bse / units, ref.bse, rtol=1e-9)
    np.testing.assert_allclose(s.tvalues, ref.tvalues, rtol=1e-9)
    assert abs(s.rsquared - ref.rsquared) < 1e-12
    assert abs(s.fvalue - ref.fvalue) < 1e-8 * ref.fvalue


# ------------------------------------------------------------------- 29: y 1e-160
def test_defect_29_tiny_y_standard_errors_exact(tmp_path, capsys):
    """y times 1e-160 (squared residuals underflow): SEs are statsmodels' on y*1e160
    scaled back; t values equal (was 0.4% off)."""
    frame = base_frame()
    tiny = frame.assign(y=frame.y * 1e-160)
    path = write(tiny, tmp_path)
    ref = sm.OLS(frame.y.to_numpy(), sm.add_constant(frame[["x1", "x2"]].to_numpy())).fit()
    code, doc, _ = cli_json(capsys, path, "--target", "y", "--test-size", "0")
    assert code == 0
    params, bse = params_of(doc, ["const", "x1", "x2"])
    np.testing.assert_allclose(bse * 1e160, ref.bse, rtol=1e-9)
    tvalues = np.array([doc["summary"]["tvalues"][n] for n in ["const", "x1", "x2"]])
    np.testing.assert_allclose(tvalues, ref.tvalues, rtol=1e-9)
    s = linreg.LinearRegression().fit(tiny[["x1", "x2"]], tiny["y"]).summary()
    np.testing.assert_allclose(s.bse * 1e160, ref.bse, rtol=1e-9)
    assert abs(s.rsquared - ref.rsquared) < 1e-12
    assert abs(s.llf - (ref.llf - 30 * np.log(1e-160))) < 1e-8 * abs(s.llf)


def test_defect_29_tiny_y_printed_table_and_footer(tmp_path, capsys):
    """The printed table of the same fit (its footer's fourth powers of residuals of
    1e-160 underflow: it was an internal error, exit 3): exit 0, and the footer's skew
    and kurtosis are statsmodels' on y * 1e160 (to the 3 decimals printed)."""
    from statsmodels.stats.stattools import jarque_bera

    frame = base_frame()
    path = write(frame.assign(y=frame.y * 1e-160), tmp_path)
    ref = sm.OLS(frame.y.to_numpy(), sm.add_constant(frame[["x1", "x2"]].to_numpy())).fit()
    code = linreg.cli.main(["fit", str(path), "--target", "y", "--test-size", "0"])
    out = capsys.readouterr().out
    assert code == 0
    footer = {k: float(v) for k, v in _footer_cells(out)}
    _, _, skew, kurtosis = jarque_bera(ref.resid)
    assert footer["Skew"] == pytest.approx(skew, abs=6e-4)
    assert footer["Kurtosis"] == pytest.approx(kurtosis, abs=6e-4)


def _footer_cells(text):
    """(label, value) pairs of the printed footer (statsmodels' two-column layout)."""
    import re

    return re.findall(r"(Skew|Kurtosis):\s+(-?[\d.]+)", text)


# ------------------------------------------------------------------- 30: zero weights
def weighted_frame(seed=0):
    frame = base_frame(seed=seed)
    rng = np.random.default_rng(seed + 100)
    w = rng.uniform(0.5, 2.0, len(frame))
    w[rng.choice(len(frame), 6, replace=False)] = 0.0
    return frame.assign(w=w)


def test_defect_30_zero_weights_leave_nobs_and_df(tmp_path, capsys):
    """6 of 30 weights are 0: nobs 24, df_resid 21 (R's lm); params and SEs equal
    statsmodels' WLS on the 24 rows of positive weight."""
    frame = weighted_frame()
    path = write(frame, tmp_path)
    keep = frame.w > 0
    ref = sm.WLS(
        frame.y[keep].to_numpy(),
        sm.add_constant(frame[["x1", "x2"]][keep].to_numpy()),
        weights=frame.w[keep].to_numpy(),
    ).fit()
    code, doc, _ = cli_json(capsys, path, "--target", "y", "--weights", "w", "--test-size", "0")
    assert code == 0
    assert doc["summary"]["nobs"] == 24 and doc["summary"]["df_resid"] == 21
    params, bse = params_of(doc, ["const", "x1", "x2"])
    np.testing.assert_allclose(params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(bse, ref.bse, rtol=1e-9)
    model = linreg.LinearRegression().fit(frame[["x1", "x2"]], frame.y, sample_weight=frame.w)
    s = model.summary()
    assert (s.nobs, s.df_resid) == (ref.nobs, ref.df_resid)
    np.testing.assert_allclose(s.bse, ref.bse, rtol=1e-9)
    assert abs(s.llf - ref.llf) < 1e-9 * abs(ref.llf)
    bare = pickle.loads(pickle.dumps(model)).summary()  # the Moments alone
    assert (bare.nobs, bare.df_resid) == (ref.nobs, ref.df_resid)
    np.testing.assert_allclose(bare.bse, ref.bse, rtol=1e-8)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC1", "HC3"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_zero_weight_rows_equal_dropping_them(seed, cov_type):
    """nobs, df, params and SEs with zero-weight rows are those without the rows."""
    frame = weighted_frame(seed)
    keep = frame.w > 0
    full = linreg.LinearRegression().fit(frame[["x1", "x2"]], frame.y, sample_weight=frame.w)
    part = frame[keep]
    dropped = linreg.LinearRegression().fit(part[["x1", "x2"]], part.y, sample_weight=part.w)
    a, b = full.summary(cov_type=cov_type), dropped.summary(cov_type=cov_type)
    assert (a.nobs, a.df_resid, a.df_model) == (b.nobs, b.df_resid, b.df_model)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("k", [-300, -200, 0])
def test_defect_12_moments_alone_keep_tiny_columns(k, weighted):
    """From the Moments alone (cross-validation's fold fits), merged and subtracted, a
    column of order 10^k is not called constant: the eigh and cholesky answers equal
    numpy lstsq on the unscaled data, scaled back."""
    from linreg.moments import Moments
    from linreg.solvers import LeastSquaresProblem, solve

    frame = base_frame(40, seed=2)
    X = np.column_stack([frame.x1 * 10.0**k, frame.x2])
    y = frame.y.to_numpy() * 10.0**k
    w = np.random.default_rng(4).uniform(0.5, 2.0, 40) if weighted else None
    part = slice(0, 15)
    whole = Moments.of_chunk(X[:15], y[:15], None if w is None else w[:15]).merge(
        Moments.of_chunk(X[15:], y[15:], None if w is None else w[15:])
    )
    rest = whole.subtract(Moments.of_chunk(X[part], y[part], None if w is None else w[part]))
    sw = np.ones(25) if w is None else np.sqrt(w[15:])
    A = np.column_stack([np.ones(25), frame.x1[15:], frame.x2[15:]]) * sw[:, None]
    ref = np.linalg.lstsq(A, frame.y.to_numpy()[15:] * sw, rcond=None)[0]
    for solver in ("eigh", "cholesky"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sol = solve(LeastSquaresProblem(None, None, moments=rest), solver)
        assert sol.aliased == ()
        got = np.r_[sol.intercept[0], sol.coef[0]] / [10.0**k, 1.0, 10.0**k]
        np.testing.assert_allclose(got, ref, rtol=1e-8)


def test_defect_1_intervals_exist_only_where_the_prediction_is_estimable():
    """x3 = x1 + x2: at points that keep the dependency the prediction (of coef_) and
    its interval are statsmodels' on the design without x3; at a point that breaks
    it the least-squares solutions disagree, so the interval is NaN."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 2)) + [3.0, 1.0]
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    y = X[:, :2] @ [1.0, -1.0] + rng.normal(size=40)
    with pytest.warns(RankDeficientWarning):
        model = linreg.LinearRegression().fit(X, y)
    new = np.array([[3.5, 0.5, 4.0], [2.0, 2.0, 4.0], [3.0, 1.0, 5.0]])  # last breaks it
    got = model.predict(new, interval="confidence")
    ref = sm.OLS(y, sm.add_constant(X[:, :2])).fit()
    frame = ref.get_prediction(sm.add_constant(new[:2, :2])).summary_frame(alpha=0.05)
    np.testing.assert_allclose(got[:2, 0], frame["mean"], rtol=1e-10)
    np.testing.assert_allclose(got[:2, 1], frame["mean_ci_lower"], rtol=1e-9)
    np.testing.assert_allclose(got[:2, 2], frame["mean_ci_upper"], rtol=1e-9)
    np.testing.assert_allclose(got[2, 0], model.predict(new[2:])[0], rtol=1e-12)
    assert np.isnan(got[2, 1:]).all()


def test_defect_4_eigh_from_the_moments_alone_leaves_unresolved_columns_out():
    """Out of core (Moments only, as cross-validation's fold fits): the same decision
    without the rows, so the answer is the fit on x1..x7 (numpy lstsq: same R^2), not
    a projection that fits orders of magnitude worse; an exact dependency still gets
    pinv's minimum norm."""
    from linreg.moments import Moments
    from linreg.solvers import LeastSquaresProblem, solve

    data = load_nist("Filip", dtype=np.float64)
    moments = Moments.from_arrays(data.X, data.y[:, None])
    sol = solve(LeastSquaresProblem(None, None, moments=moments), "eigh")
    assert sol.diagnostics["unresolved"] == (7, 8, 9)
    fitted = sol.intercept[0] + data.X @ sol.coef[0]
    A = np.column_stack([np.ones(len(data.y)), data.X[:, :7]])
    ref = A @ np.linalg.lstsq(A, data.y, rcond=None)[0]
    tss = np.sum((data.y - data.y.mean()) ** 2)
    assert abs(np.sum((data.y - fitted) ** 2) - np.sum((data.y - ref) ** 2)) < 1e-6 * tss

    rng = np.random.default_rng(9)
    X = rng.normal(size=(50, 2)) + [4.0, -1.0]
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 1]])
    y = X[:, :2] @ [1.0, 0.5] + rng.normal(size=50)
    sol = solve(LeastSquaresProblem(None, None, moments=Moments.from_arrays(X, y)), "eigh")
    assert "unresolved" not in sol.diagnostics and sol.aliased == (2,)
    coef = np.linalg.pinv(X - X.mean(0), rcond=1e-10) @ (y - y.mean())
    np.testing.assert_allclose(sol.coef[0], coef, rtol=1e-8)


def test_defect_8_saved_model_without_residual_df_predicts_nan_intervals(tmp_path):
    """A model file of a saturated fit (df_resid 0: sigma NaN, written as "NaN") gives
    the interpolating predictions (numpy.solve) with NaN intervals, no exception."""
    frame = pd.DataFrame([[float(v) for v in r] for r in ROWS], columns=["x1", "x2", "y"])
    model = linreg.LinearRegression().fit(frame[["x1", "x2"]], frame["y"])
    loaded = linreg.load(linreg.save(model, tmp_path / "m.json"))
    got = loaded.predict(frame[["x1", "x2"]], interval="prediction")
    np.testing.assert_allclose(got[:, 0], frame["y"], rtol=1e-12)
    assert np.isnan(got[:, 1:]).all()
