"""``linreg compare`` (DEFECTS 19): progress, a time budget, small files in seconds, fit's
split, validated options, valid JSON.

Every figure is checked against something independent of linreg's solvers: statsmodels
OLS and exact rational arithmetic on the training rows, ``linreg fit`` for the split, the
exact expected message and exit code; the budget's logic runs on a fake clock.
"""

from __future__ import annotations

import json
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linreg
import linreg.comparison as comparison
from linreg.cli import main
from linreg.datasets import load
from linreg.split import TEST, TRAIN, holdout_labels

REPROS = Path(__file__).resolve().parent / "data" / "cli_repros" / "files"
SOLVERS_FAST = "qr,svd,gd"


@pytest.fixture(scope="module")
def longley(tmp_path_factory) -> Path:
    """DEFECTS' longley.csv (16 rows), or the built-in dataset written the same way."""
    path = tmp_path_factory.mktemp("compare") / "longley.csv"
    if (REPROS / "longley.csv").exists():
        shutil.copy(REPROS / "longley.csv", path)
    else:
        d = load("longley")
        frame = pd.DataFrame(d.X, columns=list(d.feature_names))
        frame.insert(0, "TOTEMP", d.y)
        frame.to_csv(path, index=False)
    return path


@pytest.fixture
def one_row(tmp_path) -> Path:
    path = tmp_path / "one_row.csv"
    path.write_text("x1,x2,y\n10.691,2.118,21.259\n")
    return path


def _json(capsys, *argv) -> dict:
    assert main(["compare", *map(str, argv), "--format", "json"]) == 0
    text = capsys.readouterr().out

    def refuse(token):
        raise AssertionError(f"non-JSON token {token} in the output")

    return json.loads(text, parse_constant=refuse)


def _exact_ols(path: Path, target: str, rows) -> list[Fraction]:
    """(intercept, coef...) of OLS on ``rows`` in exact rational arithmetic, from the
    file's decimal text: the normal equations solved by Gauss-Jordan elimination."""
    frame = pd.read_csv(path, dtype=str)
    y = [Fraction(v) for v in frame[target].iloc[rows]]
    X = [
        [Fraction(1)] + [Fraction(v) for v in r]
        for r in frame.drop(columns=target).iloc[rows].values
    ]
    p = len(X[0])
    A = [
        [sum(x[i] * x[j] for x in X) for j in range(p)] + [sum(x[i] * t for x, t in zip(X, y))]
        for i in range(p)
    ]
    for c in range(p):
        pivot = next(r for r in range(c, p) if A[r][c] != 0)
        A[c], A[pivot] = A[pivot], A[c]
        A[c] = [v / A[c][c] for v in A[c]]
        for r in range(p):
            if r != c and A[r][c] != 0:
                A[r] = [a - A[r][c] * b for a, b in zip(A[r], A[c])]
    return [A[i][p] for i in range(p)]


# ------------------------------------------------------------------ DEFECTS 19 --
def test_defect_19_progress_lines_on_stderr(longley, capsys):
    assert main(["compare", str(longley), "-t", "TOTEMP", "--solvers", SOLVERS_FAST]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:3]] == [
        "[1/3] qr",
        "[2/3] svd",
        "[3/3] gd",
    ]
    assert all(line.startswith("linreg compare: [") for line in lines)
    assert lines[0].startswith("linreg compare: [1/3] qr: ok, n_iter=")
    # gd on longley (condition number ~1e2 of the standardized design) cannot reach
    # tol in the default cap: it is cut short, and the table says why.
    short = comparison.SHORT_RUN
    assert lines[2].startswith(f"linreg compare: [3/3] gd: cut short, n_iter={short} in ")
    assert "3 solvers; cut short: gd (why: see the notes)." in captured.out
    assert f"run for {short} epochs only: at condition number" in captured.out


def test_defect_19_tiny_budget_reports_skipped_solvers(longley, capsys, monkeypatch):
    ticks = iter(np.arange(0.0, 1e6, 1.0))  # every reading of the clock: one second later
    monkeypatch.setattr(comparison, "_clock", lambda: float(next(ticks)))
    argv = ["compare", str(longley), "-t", "TOTEMP", "--solvers", SOLVERS_FAST]
    assert main([*argv, "--max-seconds", "0.5"]) == 0
    captured = capsys.readouterr()
    assert "3 solvers; skipped: qr, svd, gd (why: see the notes)." in captured.out
    assert "[1] skipped: the time budget (max_seconds=0.5) was spent" in captured.out
    assert captured.err.splitlines()[-1] == "linreg compare: [3/3] gd: skipped"


def test_defect_19_longley_exact_rows_equal_statsmodels(longley, capsys):
    sm = pytest.importorskip("statsmodels.api")
    doc = _json(capsys, longley, "-t", "TOTEMP", "--solvers", "cholesky,qr,extended,svd")
    train = np.flatnonzero(holdout_labels(16, 0.2, 0.0, 0) == TRAIN)
    frame = pd.read_csv(longley)
    y, X = frame["TOTEMP"].to_numpy(), frame.drop(columns="TOTEMP").to_numpy()
    ols = sm.OLS(y[train], sm.add_constant(X[train])).fit()
    exact = np.array([float(v) for v in _exact_ols(longley, "TOTEMP", train)])
    assert doc["n_train"] == len(train) and doc["n_test"] == 16 - len(train)
    for row in doc["rows"]:
        params = np.r_[row["intercept"], row["coef"]]
        np.testing.assert_allclose(params, ols.params, rtol=1e-6, err_msg=row["solver"])
        np.testing.assert_allclose(params, exact, rtol=1e-9, err_msg=row["solver"])
        assert row["status"] == "ok"
        assert row["train_mse"] == pytest.approx(np.mean(ols.resid**2), rel=1e-6)


def test_defect_19_one_row_finishes_with_notes(one_row, capsys):
    doc = _json(capsys, one_row, "-t", "y", "--solvers", "qr,gd,torch/lbfgs")
    qr, gd, lbfgs = doc["rows"]
    # One row: the least-squares fit with an intercept is the row itself, slopes 0
    # (minimum norm); no test rows, so no test MSE (null, not NaN).
    assert doc["n_train"] == 1 and doc["n_test"] == 0
    assert qr["intercept"] == pytest.approx(21.259, rel=1e-12) and qr["coef"] == [0.0, 0.0]
    assert qr["test_mse"] is None and "underdetermined" in qr["note"]
    for row in (gd, lbfgs):  # it took 175 s: now a short run with the reason
        assert row["status"] == "cut short" and row["n_iter"] == comparison.SHORT_RUN
        assert "not strongly convex" in row["note"]
        assert row["intercept"] == pytest.approx(21.259, rel=1e-9)


# ----------------------------------------------------------------- the budget --
def test_budget_lowers_the_epoch_cap_to_the_measured_cost(monkeypatch):
    """An epoch 'costs' 1/64 s on a frozen clock: an 8 s budget for one solver affords
    SAFETY * 8 * 64 epochs."""
    monkeypatch.setattr(comparison, "_clock", lambda: 0.0)
    monkeypatch.setattr(comparison._Data, "timed_run", lambda self, params, epochs: epochs / 64)
    d = load("longley")
    c = linreg.compare(d.X, d.y, solvers=["gd"], max_iter=100_000, max_seconds=8.0)
    (row,) = c.rows
    expected = int(comparison.SAFETY * 8 * 64)
    assert row["n_iter"] == expected and row["status"] == "cut short"
    assert f"cut short by the time budget: {expected} of 100000 epochs" in row["note"]


def test_budget_skips_a_solver_whose_epoch_exceeds_its_share(monkeypatch):
    monkeypatch.setattr(comparison, "_clock", lambda: 0.0)
    monkeypatch.setattr(comparison._Data, "timed_run", lambda self, params, epochs: 5.0 * epochs)
    d = load("seed002")
    c = linreg.compare(d.X, d.y, solvers=["qr", "gd"], max_seconds=2.0)
    qr, gd = c.rows
    assert qr["status"] == "ok" and gd["status"] == "skipped" and gd["coef"] is None
    assert gd["note"].startswith("skipped: an epoch takes about 5 s, more than its share")


def test_affordable_epochs():
    assert comparison.affordable_epochs(1.0, 0.1, 1000) == 10
    assert comparison.affordable_epochs(100.0, 0.1, 50) == 50
    assert comparison.affordable_epochs(0.05, 0.1, 1000) == 0
    assert comparison.affordable_epochs(-1.0, 0.1, 1000) < 1
    assert comparison.affordable_epochs(1.0, 0.0, 7) == 7


def test_epochs_needed_follows_the_rate_of_gradient_descent():
    # (1 - mu/L)^t <= tol  <=>  t >= log(1/tol) / -log(1 - mu/L)
    t = comparison.epochs_needed(None, 1.0, 1e-3, 1e-9)
    assert (1 - 1e-3) ** np.ceil(t) <= 1e-9 < (1 - 1e-3) ** (np.ceil(t) - 2)
    assert comparison.epochs_needed("adam", 1.0, 0.0, 1e-9) == np.inf
    assert comparison.epochs_needed("lbfgs", 1.0, 0.0, 1e-9) == np.inf
    assert comparison.epochs_needed("lbfgs", 1.0, 1e-6, 1e-9) == 0


def test_library_progress_callback_and_max_seconds_validation():
    d = load("seed002")
    seen = []
    c = linreg.compare(d.X, d.y, solvers=["qr", "svd"], progress=lambda *a: seen.append(a))
    assert [(r["solver"], i, n) for r, i, n in seen] == [("qr", 1, 2), ("svd", 2, 2)]
    assert c.outcome() == ""
    with pytest.raises(ValueError, match="max_seconds must be positive"):
        linreg.compare(d.X, d.y, solvers=["qr"], max_seconds=0)


# ------------------------------------------------------------ same split as fit --
def test_compare_holds_out_the_rows_fit_holds_out(longley, capsys):
    common = ["-t", "TOTEMP", "--test-size", "0.2", "--random-state", "7"]
    assert main(["fit", str(longley), *common, "--cv", "0", "--format", "json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    doc = _json(capsys, longley, *common, "--solvers", "qr")
    assert doc["n_train"] == fit["rows"]["train"]
    (qr,) = doc["rows"]
    np.testing.assert_allclose(qr["coef"], [fit["coef"][n] for n in doc["features"]], rtol=1e-9)
    assert qr["intercept"] == pytest.approx(fit["intercept"], rel=1e-9)
    # and both are the rows the rule labels TRAIN
    train = np.flatnonzero(holdout_labels(16, 0.2, 0.0, 7) == TRAIN)
    exact = [float(v) for v in _exact_ols(longley, "TOTEMP", train)]
    np.testing.assert_allclose(np.r_[qr["intercept"], qr["coef"]], exact, rtol=1e-9)


def test_a_split_that_leaves_no_training_rows_is_a_usage_error(one_row, capsys):
    seed = next(s for s in range(1000) if holdout_labels(1, 0.9, 0.0, s)[0] == TEST)
    argv = ["compare", str(one_row), "-t", "y", "--test-size", "0.9", "--random-state", str(seed)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"linreg compare: error: {one_row}: --test-size 0.9 and --val-size 0 held out all 1 "
        "rows, leaving none to train on; lower them or change --random-state\n"
    )


# ---------------------------------------------------------------- the options --
@pytest.mark.parametrize(
    "option,value",
    [
        ("--alpha", "-1"),
        ("--alpha", "inf"),
        ("--max-iter", "0"),
        ("--max-iter", "-5"),
        ("--test-size", "1.5"),
        ("--val-size", "-0.1"),
        ("--random-state", "-1"),
        ("--max-seconds", "0"),
        ("--max-seconds", "nan"),
    ],
)
def test_bad_option_values_exit_2_naming_the_option(longley, capsys, option, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", str(longley), "-t", "TOTEMP", option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("linreg compare: error: argument") and option in err


def test_unknown_solver_is_a_usage_error_listing_the_registries(longley, capsys):
    from linreg.solvers import SOLVERS
    from linreg.training import TRAINERS

    assert main(["compare", str(longley), "-t", "TOTEMP", "--solvers", "qr,bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("linreg compare: error: --solvers: unknown solver 'bogus'; choose from")
    assert all(name in err for name in [*SOLVERS, *TRAINERS]) and err.count("\n") == 1


def test_solver_specs_follow_the_registries():
    from linreg.cli.compare import solver_specs

    assert solver_specs(["qr", "torch/adam", "gd"]) == ["qr", ("torch", "adam"), "gd"]
    assert solver_specs(None) is None


def test_sep_reads_the_same_values(longley, tmp_path, capsys):
    semicolons = tmp_path / "longley_semicolons.csv"
    semicolons.write_text(longley.read_text().replace(",", ";"))
    base = _json(capsys, longley, "-t", "TOTEMP", "--solvers", "qr")
    other = _json(capsys, semicolons, "-t", "TOTEMP", "--solvers", "qr", "--sep", ";")
    assert other["features"] == base["features"]
    assert other["rows"][0]["coef"] == base["rows"][0]["coef"]


def test_a_terminal_gets_a_progress_bar_instead_of_lines(longley, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["compare", str(longley), "-t", "TOTEMP", "--solvers", "qr,svd"]) == 0
    captured = capsys.readouterr()
    assert "linreg compare: [" not in captured.err
    assert captured.out.splitlines()[-1].startswith("svd ")


def test_an_internal_failure_of_the_reference_is_reported_as_a_bug(longley, capsys, monkeypatch):
    def broken(self, *args, **kwargs):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(linreg.LinearRegression, "fit", broken)
    assert main(["compare", str(longley), "-t", "TOTEMP", "--solvers", "qr"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("linreg compare: internal error (a bug in linreg): LinAlgError: SVD")
    assert "rerun with --debug" in err and err.count("\n") == 1


def test_test_and_val_sizes_summing_to_one_are_a_usage_error(longley, capsys):
    argv = ["compare", str(longley), "-t", "TOTEMP", "--test-size", "0.5", "--val-size", "0.5"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "linreg compare: error: --test-size + --val-size must be below 1 (rows must be left "
        "to train on), got 0.5 + 0.5\n"
    )
