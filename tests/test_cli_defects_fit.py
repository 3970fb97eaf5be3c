"""``linreg fit``: the cases of DEFECTS.md it owns (8, 21, 27, 28, 31) and the "Also
seen" items (all rows by default; fit holds out the rows of the shared split rule).

The files are written here in the shapes of the repros folder's (``base.csv``: x1, x2,
y; ``one_row.csv``; ``huge_y.csv``: y near 1e301), so the tests need nothing outside
the project.  The command runs in-process; argparse's usage errors are SystemExit(2).
"""

import json

import numpy as np
import pandas as pd
import pytest

import linreg
from linreg.cli import main
from linreg.split import TEST, TRAIN, holdout_labels


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(13)
    x1 = np.round(rng.normal(10, 3, 30), 3)
    x2 = np.round(rng.normal(0, 1.5, 30), 3)
    y = np.round(4 + 1.9 * x1 - 1.8 * x2 + rng.normal(0, 0.7, 30), 3)
    base = pd.DataFrame({"x1": x1, "x2": x2, "y": y})
    paths = {"base": tmp_path / "base.csv", "one_row": tmp_path / "one_row.csv"}
    base.to_csv(paths["base"], index=False)
    base.iloc[:1].to_csv(paths["one_row"], index=False)
    huge = base.assign(y=base["y"] * 1e300)
    huge.loc[7, "y"] = 9.5e301  # the largest, on CSV line 9
    paths["huge_y"] = tmp_path / "huge_y.csv"
    huge.to_csv(paths["huge_y"], index=False)
    paths["frame"] = pd.read_csv(paths["base"])
    return paths


def run(capsys, *args):
    """``(exit code, stdout, stderr)`` of ``linreg fit ARGS`` run in-process."""
    capsys.readouterr()
    try:
        code = main(["fit", *map(str, args)])
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def error_line(err: str) -> str:
    """The one ``linreg fit: error:`` line (argparse prints its usage lines above it)."""
    lines = [ln for ln in err.splitlines() if ln.startswith("linreg fit: error:")]
    assert len(lines) == 1, err
    return lines[0]


# ----------------------------------------------------------------- DEFECTS 8
def test_defect_8_one_row_fits_with_undefined_figures_as_null(files, capsys):
    with pytest.warns(UserWarning, match="cross-validation skipped"):
        code, out, _ = run(capsys, files["one_row"], "--target", "y", "--format", "json")
    assert code == 0
    doc = json.loads(out)  # valid JSON: NaN figures are null
    assert doc["rows"] == {"total": 1, "train": 1}
    assert doc["cv"] is None
    # The fit must reproduce the one row exactly (the minimum-norm solution).
    row = files["frame"].iloc[0]
    fitted = doc["intercept"] + doc["coef"]["x1"] * row.x1 + doc["coef"]["x2"] * row.x2
    assert fitted == pytest.approx(row.y, rel=1e-12)


def test_defect_8_test_size_099_is_one_usage_line(files, capsys):
    code, _, err = run(capsys, files["base"], "--target", "y", "--test-size", 0.99)
    line = error_line(err)
    assert code == 2 and "no rows left to train on" in line and "--test-size" in line


# ----------------------------------------------------------------- DEFECTS 21
def test_defect_21_huge_y_names_the_file_the_column_y_and_the_line(files, capsys):
    code, _, err = run(capsys, files["huge_y"], "--target", "y")
    line = error_line(err)
    assert code == 1
    assert "huge_y.csv" in line and "column 'y'" in line and "line 9" in line
    assert "'x1'" not in line


# ----------------------------------------------------------------- DEFECTS 27
def test_defect_27_negative_max_iter_is_a_usage_error(files, capsys):
    code, _, err = run(
        capsys, files["base"], "--target", "y", "--solver", "gd", "--max-iter", -5
    )
    assert code == 2 and "--max-iter" in error_line(err)


# ----------------------------------------------------------------- DEFECTS 28
def test_defect_28_target_and_formula_must_agree(files, capsys):
    code, _, err = run(capsys, files["base"], "--target", "x1", "--formula", "y ~ x2")
    line = error_line(err)
    assert code == 2 and "--target" in line and "--formula" in line
    code, out, _ = run(
        capsys, files["base"], "--target", "y", "--formula", "y ~ x2", "--format", "json"
    )
    assert code == 0 and json.loads(out)["target"] == "y"


# ----------------------------------------------------------------- DEFECTS 31
@pytest.mark.parametrize(
    "extra, option",
    [
        (["--random-state", "-1"], "--random-state"),
        (["--alpha", "inf"], "--alpha"),
        (["--solver", "gd", "--lr", "-1"], "--lr"),
        (["--solver", "torch", "--batch-size", "0"], "--batch-size"),
        (["--cv", "1"], "--cv"),
        (["--test-size", "1.5"], "--test-size"),
        (["--l1-ratio", "2"], "--l1-ratio"),
    ],
)
def test_defect_31_bad_option_values_exit_2_naming_the_option(files, capsys, extra, option):
    code, _, err = run(capsys, files["base"], "--target", "y", *extra)
    assert code == 2 and option in error_line(err)


def test_defect_31_unknown_solver_lists_that_models_solvers(files, capsys):
    from linreg.penalized.estimators import ITERATIVE, SOLVERS

    code, _, err = run(
        capsys, files["base"], "--target", "y", "--model", "lasso", "--solver", "bogus"
    )
    line = error_line(err)
    assert code == 2 and "--solver" in line and "'bogus'" in line
    assert all(name in line for name in (*SOLVERS, *ITERATIVE))
    assert "cholesky" not in line  # an OLS solver, not the Lasso's


# ------------------------------------------------------------ "Also seen" items
def test_also_seen_default_fit_uses_all_rows_like_statsmodels(files, capsys):
    sm = pytest.importorskip("statsmodels.api")
    code, out, _ = run(capsys, files["base"], "--target", "y", "--format", "json")
    doc = json.loads(out)
    frame = files["frame"]
    ref = sm.OLS(frame["y"], sm.add_constant(frame[["x1", "x2"]])).fit()
    assert code == 0 and doc["rows"] == {"total": 30, "train": 30}
    assert doc["summary"]["nobs"] == 30
    for key, want in (("params", ref.params), ("bse", ref.bse)):
        np.testing.assert_allclose(list(doc["summary"][key].values()), want, rtol=1e-10)
    assert doc["cv"]["n_folds"] == 5 and "test" not in doc["metrics"]


def test_also_seen_test_split_holds_out_the_shared_rule_rows(files, capsys):
    """fit --test-size holds out holdout_labels' rows (the rule compare uses), fits the
    summary on the others, and says so."""
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    args = [files["base"], "--target", "y", "--test-size", 0.3, "--random-state", 5]
    code, out, _ = run(capsys, *args, "--format", "json")
    doc = json.loads(out)
    labels = holdout_labels(30, 0.3, 0.0, 5)
    train, test = labels == TRAIN, labels == TEST
    frame = files["frame"]
    X, y = frame[["x1", "x2"]].to_numpy(), frame["y"].to_numpy()
    ref = LinearRegression().fit(X[train], y[train])
    assert code == 0 and doc["fitted_on"] == "train"
    assert doc["metrics"]["test"]["n"] == test.sum() and doc["summary"]["nobs"] == train.sum()
    assert doc["metrics"]["test"]["r2"] == pytest.approx(
        r2_score(y[test], ref.predict(X[test])), rel=1e-10
    )
    _, table, _ = run(capsys, *args)
    assert "training part only" in table and f"{train.sum()} of 30 rows" in table


def test_several_targets_fit_cv_and_save_round_trip(files, capsys, tmp_path):
    from sklearn.linear_model import LinearRegression

    path = tmp_path / "two.json"
    code, out, _ = run(
        capsys, files["base"], "--target", "y,x2", "--save", path, "--format", "json"
    )
    doc = json.loads(out)
    frame = files["frame"]
    ref = LinearRegression().fit(frame[["x1"]], frame[["y", "x2"]])
    assert code == 0 and doc["target"] == ["y", "x2"]
    assert set(doc["cv"]["targets"]) == {"y", "x2"}
    np.testing.assert_allclose(
        [doc["coef"]["y"]["x1"], doc["coef"]["x2"]["x1"]], ref.coef_[:, 0], rtol=1e-10
    )
    loaded = linreg.load(path)
    np.testing.assert_allclose(
        loaded.predict(frame[["x1"]].to_numpy()), ref.predict(frame[["x1"]]), rtol=1e-10
    )


def test_cv_off_and_iterative_refit_are_said(files, capsys):
    code, out, _ = run(capsys, files["base"], "--target", "y", "--cv", 0, "--format", "json")
    assert code == 0 and json.loads(out)["cv"] is None
    code, out, _ = run(capsys, files["base"], "--target", "y", "--solver", "gd", "--cv", 3)
    assert code == 0 and "refit on its training rows" in out


def test_an_internal_failure_in_the_fit_is_not_dressed_as_a_user_error(
    files, capsys, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise np.linalg.LinAlgError("simulated solver crash")

    monkeypatch.setattr(linreg.LinearRegression, "fit", broken)
    code, _, err = run(capsys, files["base"], "--target", "y")
    assert code == 3 and "internal error" in err and "--debug" in err


def test_solver_help_lists_every_registered_solver(capsys):
    """The help text is written out (``--help`` imports no numpy); it must still name
    every solver the library's registries hold."""
    from linreg.cli.fit import solver_names

    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for model in ("ols", "lasso"):
        assert all(name in text for name in solver_names(model))


def test_stdin_cannot_be_streamed(monkeypatch, capsys):
    """Standard input is read once; --stream needs passes: a usage error (exit 2)."""
    import io

    from linreg import cli

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x,y\n1,2\n2,3\n3,5\n")))
    assert cli.main(["fit", "-", "--target", "y", "--stream"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "standard input" in err[0] and "--stream" in err[0]
