"""``linreg predict`` for every model kind, plots of every model kind, strict JSON: the
DEFECTS.md cases 10, 11, 15, 24, 26 and the ``-o /dev/full`` message, each against an
independent reference (statsmodels, scikit-learn, numpy.linalg.lstsq, pandas) or the
exact message and exit code.  The command runs in-process (``linreg.cli.main``)."""

import json
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linreg
import linreg.model_io
from linreg import cli
from linreg.cli import predict as predict_command

REPROS = Path(__file__).resolve().parent / "data" / "cli_repros"  # copy of shared/repros/cli
pytestmark = pytest.mark.skipif(not REPROS.is_dir(), reason="needs ../shared/repros/cli")


@pytest.fixture(autouse=True)
def in_repros(monkeypatch):
    """Run from the repro folder, so messages name the files as DEFECTS.md does."""
    monkeypatch.chdir(REPROS)


def run(capsys, *args):
    """(exit code, stdout, stderr) of ``linreg ARGS`` in-process; argparse's SystemExit
    becomes its code."""
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def read_csv_text(text: str) -> pd.DataFrame:
    """The predictions as written, each parsed by Python's float (exact for repr)."""
    import csv
    from io import StringIO

    header, *rows = csv.reader(StringIO(text))
    return pd.DataFrame([[float(v) for v in row] for row in rows], columns=header)


def strict_json(text: str):
    """json.loads that refuses NaN/Infinity tokens (RFC 8259)."""

    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


BASE = pd.read_csv(REPROS / "files" / "base.csv") if REPROS.is_dir() else None


def lstsq_predictions(X, y, X_new):
    A = np.column_stack([np.ones(len(X)), X])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    return np.column_stack([np.ones(len(X_new)), X_new]) @ beta


# ------------------------------------------------------------------ DEFECTS 10
@pytest.mark.parametrize("model", ["lasso", "elasticnet"])
def test_defect_10_lasso_and_elasticnet_plots(capsys, tmp_path, model):
    code, out, err = run(capsys, "fit", "files/base.csv", "--target", "y", "--model", model,
                         "--alpha", "0.1", "--plots", tmp_path)  # fmt: skip
    assert code == 0, err
    for name in ("fitted_line", "predicted_vs_actual", "residuals_vs_fitted", "coefficients"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5_000


def test_defect_10_plots_without_intervals_say_so_and_name_the_columns(tmp_path):
    from linreg import plots

    X, y = BASE[["x1", "x2"]], BASE["y"].rename("yield")
    lasso = linreg.Lasso(alpha=0.1).fit(X, y)
    written = plots.all_plots(lasso, X, y, tmp_path, fmt="svg", target_name="yield")
    text = {name: path.read_text() for name, path in written.items()}
    assert "no intervals for Lasso" in text["fitted_line"]
    assert "no confidence intervals" in text["coefficients"]
    for name in ("fitted_line", "predicted_vs_actual", "residuals_vs_fitted"):
        assert "yield" in text[name], name
    assert "x1" in text["fitted_line"] and "x2" in text["coefficients"]
    # An OLS model keeps its band, labelled with its level.
    ols = linreg.LinearRegression().fit(X, y)
    band = plots.fitted_line(ols, X, y, tmp_path / "ols.svg", target_name="yield").read_text()
    assert "95% confidence interval" in band and "no intervals" not in band


def test_defect_10_qq_plot_of_a_lasso_uses_the_residual_scale(tmp_path, monkeypatch):
    """Standardized residuals: RMS residual with n - 1 - nonzero degrees of freedom."""
    from linreg import plots

    X, y = BASE[["x1", "x2"]].to_numpy(), BASE["y"].to_numpy()
    lasso = linreg.Lasso(alpha=0.1).fit(X, y)
    resid = y - lasso.predict(X)
    df = len(y) - 1 - np.count_nonzero(lasso.coef_)
    assert plots._residual_scale(lasso, resid) == pytest.approx(np.sqrt(resid @ resid / df))
    assert plots.qq_plot(lasso, X, y, tmp_path / "qq.png").stat().st_size > 5_000


# ------------------------------------------------------------------ DEFECTS 11
@pytest.mark.parametrize("interval", ["prediction", "confidence"])
def test_defect_11_lasso_interval_is_a_usage_error(capsys, interval):
    code, out, err = run(capsys, "predict", "models/lasso.json", "files/base.csv",
                         "--interval", interval)  # fmt: skip
    assert code == 2 and out == ""
    assert one_line(err) == (
        "linreg predict: error: --interval: models/lasso.json holds a Lasso model, which has "
        "no confidence or prediction intervals; intervals exist for OLS and Ridge models "
        "(linreg fit --model ols or ridge); predict without --interval"
    )


# ------------------------------------------------------------------ DEFECTS 15
def test_defect_15_json_is_strict_when_figures_are_undefined(capsys):
    code, out, err = run(capsys, "fit", "files/three_rows.csv", "--target", "y",
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    doc = strict_json(out)
    # Every null is listed with what it was; every listed path is null in the document.
    assert doc["non_finite"], "three rows leave some figure undefined"
    for path, was in doc["non_finite"].items():
        assert was in ("NaN (undefined)", "Infinity", "-Infinity")
        node = doc
        for part in path.replace("[", ".[").split("."):
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        assert node is None, path


def test_defect_15_dump_json_turns_non_finite_numbers_into_null():
    from linreg.cli.report import dump_json

    doc = {"a": math.nan, "b": [np.inf, 1.5], "c": {"d": np.float64(-np.inf)}, "e": "NaN"}
    back = strict_json(dump_json(doc))
    assert back == {
        "a": None,
        "b": [None, 1.5],
        "c": {"d": None},
        "e": "NaN",
        "non_finite": {"a": "NaN (undefined)", "b[0]": "Infinity", "c.d": "-Infinity"},
    }
    assert strict_json(dump_json({"x": 1.0})) == {"x": 1.0}  # nothing added when all finite


# ------------------------------------------------------------------ DEFECTS 24
@pytest.mark.parametrize(
    "name, message",
    [
        ("pred_nan.csv", "missing value in column 'x2' at line {line}"),
        ("pred_str.csv", "column 'x2' is not numeric"),
    ],
)
@pytest.mark.parametrize("to_file", [False, True])
def test_defect_24_predict_advises_no_option_it_lacks(capsys, tmp_path, name, message, to_file):
    frame = pd.read_csv(REPROS / "files" / name, dtype=str, keep_default_na=False)
    bad = frame["x2"].map(lambda v: v.strip() == "" or not _is_number(v)).to_numpy()
    line = int(np.flatnonzero(bad)[0]) + 2  # header is line 1, no blank lines in the file
    args = ["predict", "models/base.json", f"files/{name}"]
    out_path = tmp_path / "out" / "pred.csv"
    if to_file:
        out_path.parent.mkdir()
        args += ["-o", out_path]
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""  # not even the header
    text = one_line(err)
    assert text.startswith(f"linreg predict: error: files/{name}: ")
    assert message.format(line=line) in text
    assert f"line {line}" in text
    for option in ("--drop-missing", "--features", "--formula"):
        assert option not in text
    if to_file:
        assert list(out_path.parent.iterdir()) == []  # no header-only or temporary file


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_defect_24_an_existing_output_survives_a_failed_predict(capsys, tmp_path):
    out_path = tmp_path / "pred.csv"
    out_path.write_text("kept\n")
    code, _, _ = run(capsys, "predict", "models/base.json", "files/pred_nan.csv", "-o", out_path)
    assert code == 1 and out_path.read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pred.csv"]


# ------------------------------------------------------------------ DEFECTS 26
def test_defect_26_cov_type_not_stored_says_how_to_store_it(capsys):
    code, out, err = run(capsys, "predict", "models/base.json", "files/base.csv",
                         "--interval", "confidence", "--cov-type", "HC3")  # fmt: skip
    assert code == 2 and out == ""
    text = one_line(err)
    assert text == (
        "linreg predict: error: --cov-type HC3: models/base.json holds the nonrobust "
        "covariance only; store HC3 by refitting with: linreg fit hostile/base.csv "
        "--target y --cov-type HC3 --save models/base.json"
    )
    assert "summary()" not in text and "X=" not in text


def test_defect_26_names_from_the_file_are_shell_quoted(capsys, tmp_path):
    """The suggested command quotes what the file says (a crafted data name stays one
    argument; a target with a space can be pasted)."""
    import json
    import shlex

    doc = json.loads(open("models/base.json").read())
    doc["extra"]["data"] = "x.csv; touch pwned"
    doc["extra"]["target"] = "disease progression"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    code, _, err = run(capsys, "predict", str(path), "files/base.csv",
                       "--interval", "confidence", "--cov-type", "HC3")  # fmt: skip
    assert code == 2
    command = one_line(err).split("refitting with: ", 1)[1]
    words = shlex.split(command)
    assert words[:3] == ["linreg", "fit", "x.csv; touch pwned"]
    assert words[3:5] == ["--target", "disease progression"]


def test_defect_26_a_stored_hc3_gives_statsmodels_intervals(capsys, tmp_path):
    import statsmodels.api as sm

    model = tmp_path / "hc3.json"
    code, _, err = run(capsys, "fit", "files/base.csv", "--target", "y", "--cov-type", "HC3",
                       "--test-size", "0", "--save", model)  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, "predict", model, "files/base.csv", "--interval",
                         "confidence", "--cov-type", "HC3", "--level", "0.9")  # fmt: skip
    assert code == 0, err
    got = read_csv_text(out)
    assert list(got.columns) == ["prediction", "lower", "upper"]
    exog = sm.add_constant(BASE[["x1", "x2"]])
    ref = sm.OLS(BASE["y"], exog).fit(cov_type="HC3").get_prediction(exog)
    frame = ref.summary_frame(alpha=0.1)
    np.testing.assert_allclose(got["prediction"], frame["mean"], rtol=1e-10)
    np.testing.assert_allclose(got["lower"], frame["mean_ci_lower"], rtol=1e-9)
    np.testing.assert_allclose(got["upper"], frame["mean_ci_upper"], rtol=1e-9)


# ------------------------------------------------------------------ options, -o
@pytest.mark.parametrize(
    "extra, option",
    [
        (["--level", "0"], "argument --level: must be in (0, 1), got 0"),
        (["--level", "1.5"], "argument --level: must be in (0, 1), got 1.5"),
        (["--level", "high"], "argument --level: must be a number, got 'high'"),
        (["--interval", "sideways"], "argument --interval: invalid choice: 'sideways'"),
        (["--interval", "prediction", "--cov-type", "HC9"], "argument --cov-type: invalid"),
        (["--cov-type", "HC3"], "--cov-type applies to --interval, which is not given"),
        (["--level", "0.9"], "--level applies to --interval, which is not given"),
    ],
)
def test_predict_options_are_usage_errors(capsys, extra, option):
    code, out, err = run(capsys, "predict", "models/base.json", "files/base.csv", *extra)
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1].startswith("linreg predict: error: ")
    assert option in err.strip().splitlines()[-1]


def test_predict_choices_are_the_librarys():
    from linreg.intervals import INTERVALS
    from linreg.summary import COV_TYPES

    assert predict_command.INTERVALS == INTERVALS
    assert predict_command.COV_TYPES == COV_TYPES


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_device_names_the_path(capsys):
    code, out, err = run(capsys, "predict", "models/base.json", "files/base.csv", "-o",
                         "/dev/full")  # fmt: skip
    assert code == 1
    assert (
        one_line(err) == "linreg predict: error: /dev/full: cannot write: No space left on device"
    )


def test_output_into_a_missing_folder_names_the_path(capsys, tmp_path):
    target = tmp_path / "no" / "such" / "pred.csv"
    code, _, err = run(capsys, "predict", "models/base.json", "files/base.csv", "-o", target)
    assert code == 1
    assert (
        one_line(err) == f"linreg predict: error: {target}: cannot write: No such file or directory"
    )


# ------------------------------------------------------------------ round trips
def fit_and_save(capsys, tmp_path, *fit_args):
    path = tmp_path / "model.json"
    code, _, err = run(capsys, "fit", *fit_args, "--test-size", "0", "--save", path)
    assert code == 0, err
    return path


def predicted(capsys, model, data, *extra):
    code, out, err = run(capsys, "predict", model, data, *extra)
    assert code == 0, err
    return read_csv_text(out)


def reference_model(kind):
    from sklearn import linear_model

    return {
        "ols": linear_model.LinearRegression(),
        "ridge": linear_model.Ridge(alpha=2.0),
        "lasso": linear_model.Lasso(alpha=0.1, tol=1e-12, max_iter=100_000),
        "elasticnet": linear_model.ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12, max_iter=100_000),
    }[kind]


@pytest.mark.parametrize(
    "kind, extra, rtol",
    [
        ("ols", [], 1e-12),
        ("ridge", ["--alpha", "2"], 1e-10),
        ("lasso", ["--alpha", "0.1"], 1e-6),
        ("elasticnet", ["--alpha", "0.1", "--l1-ratio", "0.3"], 1e-6),
    ],
)
def test_round_trip_exact_and_penalized_models(capsys, tmp_path, kind, extra, rtol):
    model = fit_and_save(capsys, tmp_path, "files/base.csv", "--target", "y", "--model", kind,
                         *extra)  # fmt: skip
    got = predicted(capsys, model, "files/base.csv")
    assert list(got.columns) == ["prediction"]
    X = BASE[["x1", "x2"]]
    # Every digit of the loaded estimator's own predictions survives the CSV (on the
    # row-major array the reader builds: BLAS sums in an order set by the layout) ...
    rows = np.ascontiguousarray(X.to_numpy(dtype=np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(got["prediction"], linreg.load(model).predict(rows))
    # ... and they are scikit-learn's on the same rows.
    ref = reference_model(kind).fit(X, BASE["y"]).predict(X)
    np.testing.assert_allclose(got["prediction"], ref, rtol=rtol)


def test_round_trip_ols_prediction_intervals_match_statsmodels(capsys, tmp_path):
    import statsmodels.api as sm

    model = fit_and_save(capsys, tmp_path, "files/base.csv", "--target", "y")
    got = predicted(capsys, model, "files/base.csv", "--interval", "prediction")
    exog = sm.add_constant(BASE[["x1", "x2"]])
    frame = sm.OLS(BASE["y"], exog).fit().get_prediction(exog).summary_frame(alpha=0.05)
    np.testing.assert_allclose(got["lower"], frame["obs_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(got["upper"], frame["obs_ci_upper"], rtol=1e-10)


def test_round_trip_iterative_solver(capsys, tmp_path):
    model = fit_and_save(capsys, tmp_path, "files/base.csv", "--target", "y", "--solver", "gd")
    got = predicted(capsys, model, "files/base.csv")
    stored = json.loads(model.read_text())
    X = BASE[["x1", "x2"]].to_numpy()
    by_hand = X @ np.asarray(stored["coef"], dtype=float) + float(stored["intercept"])
    np.testing.assert_allclose(got["prediction"], by_hand, rtol=1e-14)
    # gd reaches the least-squares fit to its stopping tolerance.
    ref = lstsq_predictions(X, BASE["y"].to_numpy(), X)
    np.testing.assert_allclose(got["prediction"], ref, rtol=1e-3)


def test_round_trip_formula_model(capsys, tmp_path):
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    n = 60
    frame = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.uniform(1, 5, n), "g": rng.choice(["u", "v"], n)}
    )
    frame["y"] = 1 + 2 * frame.a + 3 * np.log(frame.b) + (frame.g == "v") + rng.normal(size=n)
    frame.to_csv(tmp_path / "f.csv", index=False)
    formula = "y ~ a + np.log(b) + C(g)"
    model = fit_and_save(capsys, tmp_path, tmp_path / "f.csv", "--formula", formula)
    new = frame.drop(columns="y").iloc[::3]
    new.to_csv(tmp_path / "new.csv", index=False)
    got = predicted(capsys, model, tmp_path / "new.csv")
    ref = smf.ols(formula, frame).fit().predict(new)
    np.testing.assert_allclose(got["prediction"], ref, rtol=1e-10)


def test_round_trip_several_targets(capsys, tmp_path):
    """One column per target, named by the target (a name with a comma is quoted)."""
    from linreg.model_io import save

    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    Y = X.to_numpy() @ rng.normal(size=(3, 2)) + rng.normal(size=(40, 2))
    model = linreg.LinearRegression().fit(X, Y)
    save(model, tmp_path / "two.json", extra={"target": ["u", "v,w"]})
    X.to_csv(tmp_path / "x.csv", index=False)
    got = predicted(capsys, tmp_path / "two.json", tmp_path / "x.csv")
    assert list(got.columns) == ["prediction_u", "prediction_v,w"]
    for t, name in enumerate(got.columns):
        ref = lstsq_predictions(X.to_numpy(), Y[:, t], X.to_numpy())
        np.testing.assert_allclose(got[name], ref, rtol=1e-12)
    got = predicted(capsys, tmp_path / "two.json", tmp_path / "x.csv", "--interval", "prediction")
    assert list(got.columns) == [
        f"{part}_{name}" for name in ("u", "v,w") for part in ("prediction", "lower", "upper")
    ]
    import statsmodels.api as sm

    exog = sm.add_constant(X)
    for t, name in enumerate(("u", "v,w")):
        frame = sm.OLS(Y[:, t], exog).fit().get_prediction(exog).summary_frame(alpha=0.05)
        np.testing.assert_allclose(got[f"lower_{name}"], frame["obs_ci_lower"], rtol=1e-10)
        np.testing.assert_allclose(got[f"upper_{name}"], frame["obs_ci_upper"], rtol=1e-10)


def test_round_trip_several_targets_fitted_by_the_command(capsys, tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2))
    frame = pd.DataFrame(X, columns=["p", "q"])
    frame["s"] = X @ [1.0, -1.0] + rng.normal(size=30)
    frame["t"] = X @ [0.5, 2.0] + rng.normal(size=30)
    frame.to_csv(tmp_path / "st.csv", index=False)
    model = fit_and_save(capsys, tmp_path, tmp_path / "st.csv", "--target", "s,t")
    got = predicted(capsys, model, tmp_path / "st.csv")
    assert list(got.columns) == ["prediction_s", "prediction_t"]
    for name in ("s", "t"):
        ref = lstsq_predictions(X, frame[name].to_numpy(), X)
        np.testing.assert_allclose(got[f"prediction_{name}"], ref, rtol=1e-12)


def test_round_trip_cv_model_saved_from_python(capsys, tmp_path):
    """Model kinds the API saves (RidgeCV here) predict through the command too."""
    from sklearn.linear_model import Ridge

    X = BASE[["x1", "x2"]]
    model = linreg.RidgeCV(alphas=[0.1, 1.0, 10.0]).fit(X, BASE["y"])
    linreg.model_io.save(model, tmp_path / "cv.json")
    got = predicted(capsys, tmp_path / "cv.json", "files/base.csv")
    ref = Ridge(alpha=model.alpha_).fit(X, BASE["y"]).predict(X)
    np.testing.assert_allclose(got["prediction"], ref, rtol=1e-10)
    code, _, err = run(capsys, "predict", tmp_path / "cv.json", "files/base.csv",
                       "--interval", "confidence")  # fmt: skip
    assert code == 2 and "holds a RidgeCV model" in one_line(err)


# ------------------------------------------------------------------ plot labels
def test_fit_plots_label_the_target_by_its_name(capsys, tmp_path, monkeypatch):
    """DEFECTS minor: the target axis says the target's name, not "y"."""
    from linreg import plots

    frame = BASE.rename(columns={"y": "yield"})
    frame.to_csv(tmp_path / "named.csv", index=False)
    drawn = {}
    all_plots = plots.all_plots

    def as_svg(*args, **kwargs):
        drawn.update(all_plots(*args, **{**kwargs, "fmt": "svg"}))
        return drawn

    monkeypatch.setattr(plots, "all_plots", as_svg)
    code, _, err = run(capsys, "fit", tmp_path / "named.csv", "--target", "yield", "--plots",
                       tmp_path / "plots")  # fmt: skip
    assert code == 0, err
    assert "actual yield" in drawn["predicted_vs_actual"].read_text()
    assert "fitted yield" in drawn["residuals_vs_fitted"].read_text()
    assert "Fitted line: yield against x1" in drawn["fitted_line"].read_text()


# ------------------------------------------------------------------ DATA forms
def test_predict_reads_stdin_and_sep(capsys, tmp_path):
    import subprocess
    import sys

    expected = lstsq_predictions(BASE[["x1", "x2"]], BASE["y"], BASE[["x1", "x2"]])
    text = (REPROS / "files" / "base.csv").read_text()
    (tmp_path / "semi.csv").write_text(text.replace(",", ";"))
    got = predicted(capsys, "models/base.json", tmp_path / "semi.csv", "--sep", ";")
    np.testing.assert_allclose(got["prediction"], expected, rtol=1e-12)
    out = subprocess.run(
        [sys.executable, "-m", "linreg.cli", "predict", "models/base.json", "-"],
        input=text, capture_output=True, text=True, timeout=120, cwd=REPROS,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(read_csv_text(out.stdout)["prediction"], expected, rtol=1e-12)


def test_an_error_in_a_later_batch_leaves_no_file(capsys, tmp_path, monkeypatch):
    """More rows than one batch, a missing value in the last: -o writes nothing."""
    from linreg.cli import report

    original, calls = report.predict, []

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(report, "predict", counting)
    n = 150_000  # over 4 MiB of CSV: more than one batch
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    frame.loc[n - 1, "x2"] = np.nan
    frame.to_csv(tmp_path / "big.csv", index=False)
    out_path = tmp_path / "out" / "pred.csv"
    out_path.parent.mkdir()
    code, out, err = run(capsys, "predict", "models/base.json", tmp_path / "big.csv", "-o",
                         out_path)  # fmt: skip
    assert code == 1 and f"line {n + 1}" in one_line(err)
    assert list(out_path.parent.iterdir()) == []
    assert len(calls) >= 1  # the rows before the bad batch were predicted, then dropped


# ------------------------------------------------------------------ report
def test_lasso_of_several_targets_prints_every_target(capsys, tmp_path):
    """The coefficient table of an L1 model has a column per target (not the first only)."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 2))
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["s"] = X @ [1.0, -1.0] + rng.normal(size=40) / 3
    frame["t"] = 2 * X[:, 0] + rng.normal(size=40) / 3
    frame.to_csv(tmp_path / "st.csv", index=False)
    code, out, err = run(capsys, "fit", tmp_path / "st.csv", "--target", "s,t", "--model",
                         "lasso", "--alpha", "0.3", "--cv", "0")  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split() == ["term", "s", "t"])
    table = {
        line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[start + 1 :][:3]
    }
    for t, name in enumerate(("s", "t")):
        ref = Lasso(alpha=0.3, tol=1e-12, max_iter=100_000).fit(X, frame[name])
        got = [table["const"][t], table["a"][t], table["b"][t]]
        np.testing.assert_allclose(got, [ref.intercept_, *ref.coef_], rtol=1e-6, atol=1e-9)
    assert "Nonzero coefficients: 2 of 2 for s; 1 of 2 for t." in out
