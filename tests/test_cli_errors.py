"""How the command reports failures (linreg.cli.classify, ARCHITECTURE finding 6): the
user's errors as one line with exit 1 or 2, internal errors (bugs) as one line with exit
3 and --debug advice, never a traceback without --debug."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import linreg
from linreg import cli
from linreg.cli.errors import INTERNAL_EXIT, INTERRUPTED_EXIT

REPROS = Path(__file__).resolve().parent / "data" / "cli_repros"  # copy of shared/repros/cli
BASE = ["fit", str(REPROS / "files" / "base.csv"), "--target", "y"]


def raising(error):
    def fit(self, *args, **kwargs):
        raise error

    return fit


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def in_linreg(source: str):
    """A function compiled as if it were linreg's own code (module ``linreg._probe``)."""
    namespace = {"__name__": "linreg._probe", "np": np}
    exec(compile(source, "<linreg._probe>", "exec"), namespace)
    return namespace["f"]


def error_of(function):
    try:
        function()
    except BaseException as err:  # noqa: BLE001 - the test wants any exception
        return err
    raise AssertionError("no exception")


@pytest.mark.parametrize(
    "error, shown",
    [
        (np.linalg.LinAlgError("Matrix is singular"), "LinAlgError: Matrix is singular"),
        (AssertionError("rank 3 != 4"), "AssertionError: rank 3 != 4"),
        (ZeroDivisionError("float division by zero"), "ZeroDivisionError: float division"),
        (KeyError("x"), "KeyError: 'x'"),
    ],
)
def test_internal_error_is_one_bug_line_with_exit_3(monkeypatch, capsys, error, shown):
    monkeypatch.setattr(linreg.LinearRegression, "fit", raising(error))
    assert cli.main(BASE) == INTERNAL_EXIT == 3
    line = one_line(capsys.readouterr().err)
    assert line.startswith("linreg fit: internal error (a bug in linreg): ")
    assert shown in line
    assert line.endswith("; rerun with --debug for the traceback and report it")


def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch):
    monkeypatch.setattr(linreg.LinearRegression, "fit", raising(np.linalg.LinAlgError("boom")))
    with pytest.raises(np.linalg.LinAlgError, match="boom"):
        cli.main(["--debug", *BASE])


def test_a_library_input_error_is_the_users_error(monkeypatch, capsys):
    """A ValueError linreg raises on purpose (validation) stays a one-line user error."""
    from linreg._validation import validate_training_data

    def fit(self, X, y, **kwargs):
        validate_training_data(self, X, None, None)  # "requires y to be passed"

    monkeypatch.setattr(linreg.LinearRegression, "fit", fit)
    assert cli.main(BASE) == 1
    line = one_line(capsys.readouterr().err)
    assert line == (
        "linreg fit: error: LinearRegression requires y to be passed, but the target y is None"
    )


def test_the_rule_raise_statement_in_linreg_versus_everything_else():
    deliberate = error_of(in_linreg("def f():\n    raise ValueError('alpha must be >= 0')\n"))
    assert cli.classify(deliberate) == 1
    wrapped = error_of(
        in_linreg(
            "def f():\n    try:\n        float('x')\n"
            "    except ValueError as err:\n        raise ValueError('bad x') from err\n"
        )
    )
    assert cli.classify(wrapped) == 1
    # Raised by Python or numpy inside linreg's code: a check is missing, a bug.
    assert cli.classify(error_of(in_linreg("def f():\n    return float('x')\n"))) is None
    assert (
        cli.classify(error_of(in_linreg("def f():\n    return np.ones(2) @ np.ones(3)\n"))) is None
    )
    keyword = in_linreg("def f():\n    return len([], interval='prediction')\n")
    assert cli.classify(error_of(keyword)) is None  # DEFECTS 11's kind of TypeError
    linalg = in_linreg("def f():\n    raise np.linalg.LinAlgError('not positive definite')\n")
    assert cli.classify(error_of(linalg)) is None  # a LinAlgError is never the user's
    # A ValueError raised outside linreg (here: this test module) is not the library's.
    assert cli.classify(error_of(lambda: int("x"))) is None


def test_user_errors_by_class():
    from linreg.model_io import ModelFileError
    from linreg.training.loop import DivergenceError

    assert cli.classify(cli.errors.UsageError("u")) == 2
    assert cli.classify(cli.errors.DataError("d")) == 1
    assert cli.classify(ModelFileError("m.json: corrupted")) == 1
    assert cli.classify(DivergenceError("the loss diverged; lower --lr")) == 1
    assert cli.classify(FileNotFoundError(2, "No such file or directory", "a.csv")) == 1
    assert cli.classify(RuntimeError("something")) is None
    code, text = cli.describe(PermissionError(13, "Permission denied", "/root/out.csv"))
    assert (code, text) == (1, "error: /root/out.csv: Permission denied")


def test_os_error_names_the_path(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(
        linreg.LinearRegression, "fit", raising(PermissionError(13, "Permission denied", "m.json"))
    )
    assert cli.main(BASE) == 1
    assert one_line(capsys.readouterr().err) == "linreg fit: error: m.json: Permission denied"


def test_ctrl_c_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(linreg.LinearRegression, "fit", raising(KeyboardInterrupt()))
    assert cli.main(BASE) == INTERRUPTED_EXIT
    assert one_line(capsys.readouterr().err) == "linreg fit: interrupted"


def test_warnings_are_one_line_each_and_the_formatter_is_restored(monkeypatch, capsys):
    def fit(self, X, y, **kwargs):
        warnings.warn("first line\n   second line", UserWarning, stacklevel=1)
        raise AssertionError("stop here")

    def show(message, category, filename, lineno, file=None, line=None):
        # Python's own showwarning (pytest replaces it to record warnings).
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    monkeypatch.setattr(linreg.LinearRegression, "fit", fit)
    before = warnings.formatwarning
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        monkeypatch.setattr(warnings, "showwarning", show)
        assert cli.main(BASE) == 3
    assert warnings.formatwarning is before
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "linreg fit: warning: first line second line"
    assert lines[1].startswith("linreg fit: internal error") and len(lines) == 2


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_names_the_file_being_written(capsys):
    """fit --save /dev/full: the OSError names no file; the message names the output."""
    assert cli.main([*BASE, "--save", "/dev/full"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line == "linreg fit: error: /dev/full: cannot write: No space left on device"


def test_an_os_error_without_a_file_and_not_a_write_is_left_as_it_is():
    code, text = cli.describe(ConnectionRefusedError(111, "Connection refused"), ["m.json"])
    assert (code, text) == (1, "error: Connection refused")


def test_library_advice_is_given_in_the_commands_terms(tmp_path, capsys):
    """A library warning that advises a parameter names the command-line option
    instead (advice must be possible in the command that prints it)."""
    from linreg.cli.errors import command_line_terms

    assert command_line_terms("fit with X in memory (solver='qr' or 'svd')") == (
        "fit with X in memory (--solver qr or svd)"
    )
    assert command_line_terms("raise max_iter or tol, or pass sample_weight") == (
        "raise --max-iter, or pass --weights"
    )
    path = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    a = rng.normal(size=40)
    rows = [f"{a[i]},{a[i] + 0.01 * rng.normal()},{a[i] + rng.normal()}" for i in range(40)]
    path.write_text("x1,x2,y\n" + "\n".join(rows) + "\n")  # correlated: gd needs many epochs
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "linreg.cli", "fit", str(path), "--target", "y",
         "--solver", "gd", "--max-iter", "2", "--cv", "0"],
        capture_output=True, text=True,
    )  # fmt: skip
    err = proc.stderr
    assert proc.returncode == 0 and "--max-iter" in err
    assert "max_iter" not in err.replace("--max-iter", "")


def test_datasets_output_name_error_speaks_of_the_output(capsys):
    assert cli.main(["datasets", "diabetes", "-o", "/dev/full"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "-o /dev/full" in err[0] and ".csv or .parquet" in err[0]
    assert "DATA" not in err[0]
