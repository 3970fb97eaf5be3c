"""DEFECTS.md cases about model files and formula messages (issue 13, deliver 5).

Each case runs the command in-process on the shared repro files and checks the exact
outcome: one line on stderr naming the file and the field, and the exit code.
"""

import json
import shutil
from pathlib import Path

import pytest

import linreg
from linreg.cli import main
from linreg.model_io import ModelFileError

pytest.importorskip("formulaic")

REPROS = Path(__file__).resolve().parent / "data" / "cli_repros"  # copy of shared/repros/cli
MODELS, FILES = REPROS / "models", REPROS / "files"
pytestmark = pytest.mark.skipif(not REPROS.is_dir(), reason="shared repro files absent")


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``linreg argv`` run in-process."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, command: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"linreg {command}: error: ")
    assert "Traceback" not in err and "\x1b" not in err
    return lines[0]


def test_defect_6_non_finite_intercept_refused(capsys):
    # The intercept was edited to 1e400, which JSON parsers read as inf.
    assert "1e400" in (MODELS / "huge_number.json").read_text()
    code, out, err = run(capsys, "predict", MODELS / "huge_number.json", FILES / "base.csv")
    line = one_line_error(err, "predict")
    assert code == 1 and "inf" not in out
    assert str(MODELS / "huge_number.json") in line
    assert "'intercept': the number 1e400 is not finite" in line
    with pytest.raises(ModelFileError, match="'intercept': the number 1e400 is not finite"):
        linreg.load(MODELS / "huge_number.json")


def test_defect_13_deep_nesting_is_one_line_not_recursion_error(capsys):
    code, out, err = run(capsys, "summary", MODELS / "deep_nesting.json")
    line = one_line_error(err, "summary")
    assert code == 1 and out == ""
    assert str(MODELS / "deep_nesting.json") in line
    assert "nested deeper than" in line
    with pytest.raises(ModelFileError, match="nested deeper than"):
        linreg.load(MODELS / "deep_nesting.json")


def test_defect_14_duplicate_feature_names_refused(capsys):
    code, out, err = run(capsys, "predict", MODELS / "names_dup.json", FILES / "base.csv")
    line = one_line_error(err, "predict")
    assert code == 1 and out == ""
    assert line.endswith("names_dup.json: 'feature_names' holds 'x1' twice")
    with pytest.raises(ModelFileError, match="'feature_names' holds 'x1' twice"):
        linreg.load(MODELS / "names_dup.json")


def test_defect_minor_schema_version_string(tmp_path, capsys):
    doc = json.loads((MODELS / "base.json").read_text())
    doc["schema_version"] = "1"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    code, _, err = run(capsys, "predict", path, FILES / "base.csv")
    line = one_line_error(err, "predict")
    assert code == 1
    assert line == f"linreg predict: error: {path}: schema_version must be the integer 1, got '1'"
    # The unedited file still predicts.
    shutil.copy(MODELS / "base.json", path)
    code, out, err = run(capsys, "predict", path, FILES / "base.csv")
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    "formula, token",
    [
        ("y ~ x1 +", "found the end of the formula at position 9"),
        ("y ~ x1 + {x2}", "unexpected character '{' at position 10"),
        ("y ~ x1 ~ x2", "found '~' at position 8"),
        ("y ~ np.save(x1)", "unknown function 'np.save' at position 5"),
    ],
)
def test_defect_minor_formula_errors_are_plain_text(capsys, formula, token):
    code, out, err = run(capsys, "fit", FILES / "base.csv", "--formula", formula)
    line = one_line_error(err, "fit")  # asserts: no ANSI escape, no traceback
    assert code == 2 and out == ""
    assert line.endswith(token) or token in line


def test_defect_minor_formula_data_errors_are_plain_text(capsys):
    # formulaic's own data errors are stripped of colour codes too.
    code, _, err = run(capsys, "fit", FILES / "base.csv", "--formula", "y ~ np.log(x2)")
    line = one_line_error(
        err.replace("linreg fit: warning: invalid value encountered in log\n", ""), "fit"
    )
    assert code == 1 and str(FILES / "base.csv") in line and "np.log(x2)" in line


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"format": "linreg-model", "schema_version": 1, ', "corrupted or not JSON"),
        ('{"format": "linreg-model", "format": "linreg-model"}', "holds the key 'format' twice"),
        ("[" * 5000 + "]" * 5000, "nested deeper than"),
    ],
)
def test_summary_of_a_corrupt_file_is_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(capsys, "summary", path)
    line = one_line_error(err, "summary")
    assert code == 1 and out == "" and message in line and str(path) in line
