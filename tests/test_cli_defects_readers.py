"""The readers of the command line on awkward files (DEFECTS.md 3, 9, 16, 17, 18, 20, 22, 23,
25 and the minor Latin-1 and date-column messages), in memory and streamed (``--stream``).

Every file is written here.  Values are checked against ``pandas.read_csv`` of the same
file (``astype(float)``) and fits against ``numpy.linalg.lstsq`` on those values; errors
against the exact one-line message and exit code.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linreg
from linreg.cli import main
from linreg.cli.data import read_table, select

BOTH = pytest.mark.parametrize("stream", [False, True], ids=["memory", "stream"])


def run(capsys, *argv):
    """``linreg ARGV`` in-process: (exit code, stdout, stderr)."""
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def fails(capsys, message, *argv, code=1):
    """The command fails with exactly this one line on stderr and exit ``code``."""
    rc, out, err = run(capsys, *argv)
    assert (rc, err) == (code, f"linreg {argv[0]}: error: {message}\n")


def frame(n=30, seed=0):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(10, 1, n), rng.normal(0, 1, n)
    return pd.DataFrame({"x1": x1.round(3), "x2": x2.round(3), "y": (2 * x1 - x2).round(3)})


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def lstsq(X, y):
    A = np.column_stack([np.ones(len(X)), X])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def fitted(capsys, path, *extra, stream=False, target="y"):
    """Intercept and coefficients printed by ``linreg fit --format json`` on all rows."""
    argv = ["fit", path, "--target", target, "--format", "json", *extra]
    rc, out, err = run(capsys, *argv, *(["--stream"] if stream else []))
    assert rc == 0, err
    doc = json.loads(out)
    return np.array([doc["intercept"], *doc["coef"].values()]), list(doc["coef"])


def assert_fits_pandas(capsys, path, *extra, stream=False, read=None, target="y"):
    """The command's fit equals lstsq on pandas' reading of the file."""
    df = (read or pd.read_csv)(path).astype(float)
    got, names = fitted(capsys, path, *extra, stream=stream)
    assert names == [c for c in df.columns if c != target]
    np.testing.assert_allclose(got, lstsq(df[names].to_numpy(), df[target].to_numpy()), rtol=1e-9)


def streamed(path, **kw):
    """All rows of ``linreg.scan`` as one matrix [X, y]."""
    parts = [np.column_stack([X, y]) for X, y, _ in linreg.scan(path, target="y", **kw)]
    return np.vstack(parts)


def in_memory(path, sep=None):
    cols = select(read_table(path, sep), path, target="y", options=())
    return np.column_stack([cols.X, cols.y])


# ---------------------------------------------------------------- duplicate names
def test_defect_3_duplicate_names_streamed(capsys, tmp_path):
    path = write(tmp_path / "dup_names.csv", "x,x,y\n1,2,3\n4,5,6\n7,8,10\n")
    message = (
        f"{path}: column name 'x' appears 2 times in the header; give each column its own name"
    )
    fails(capsys, message, "fit", path, "--target", "y", "--stream")
    with pytest.raises(ValueError, match="^" + message + "$"):
        linreg.scan(path, target="y")


def test_defect_9_duplicate_names_in_memory(capsys, tmp_path):
    path = write(tmp_path / "dup_names.csv", "x,x,y\n1,2,3\n4,5,6\n7,8,10\n")
    message = (
        f"{path}: column name 'x' appears 2 times in the header; give each column its own name"
    )
    fails(capsys, message, "fit", path, "--target", "y")


# ---------------------------------------------------------------- types over whole columns
@pytest.fixture(scope="module")
def int_then_float(tmp_path_factory):
    """More than 1 MB of integer rows, then one float (pyarrow blocks are 1 MB)."""
    n = 150_000
    x = np.arange(n, dtype=np.int64)
    body = "".join(f"{i},{3 * i + i % 7}\n" for i in x[:-1]) + "85.5,1.5\n"
    path = tmp_path_factory.mktemp("int_float") / "int_then_float.csv"
    write(path, "x,y\n" + body)
    assert path.stat().st_size > 2**20
    return path


@BOTH
def test_defect_16_int_column_with_a_late_float_fits(capsys, int_then_float, stream):
    assert_fits_pandas(capsys, int_then_float, stream=stream)


def test_defect_16_predict_reads_a_late_float(capsys, tmp_path, int_then_float):
    model = tmp_path / "m.json"
    rc, _, err = run(capsys, "fit", int_then_float, "--target", "y", "--save", model)
    assert rc == 0, err
    rc, out, err = run(capsys, "predict", model, int_then_float)
    assert rc == 0, err
    df = pd.read_csv(int_then_float).astype(float)
    b = lstsq(df[["x"]].to_numpy(), df["y"].to_numpy())
    got = np.array(out.split()[1:], dtype=float)
    np.testing.assert_allclose(got, b[0] + b[1] * df["x"].to_numpy(), rtol=1e-9, atol=1e-6)


def test_defect_16_readers_equal_pandas(int_then_float):
    want = pd.read_csv(int_then_float).astype(float).to_numpy()
    assert np.array_equal(in_memory(int_then_float), want)
    assert np.array_equal(streamed(int_then_float, features=["x"], batch_size=7000), want)


BIGINT = "id,x1,y\n" + "".join(
    f"{9007199254740992 + k},{10 + k % 5 + k / 7:.3f},{20 + k * 1.5 + (k % 3):.3f}\n"
    for k in range(30)
)


@BOTH
def test_defect_17_integers_beyond_2_53_read_as_nearest_double(capsys, tmp_path, stream):
    path = write(tmp_path / "bigint53.csv", BIGINT)
    want = pd.read_csv(path).astype(float)  # pandas: int64 -> nearest float64
    assert want["id"].iloc[1] == 9007199254740992.0  # 2^53 + 1 rounds to even
    got = streamed(path) if stream else in_memory(path)
    assert np.array_equal(got, want.to_numpy())
    rc, _, err = run(capsys, "fit", path, "--target", "y", *(["--stream"] if stream else []))
    assert rc == 0, err


TSV = frame().to_csv(sep="\t", index=False)


@BOTH
def test_defect_18_tab_separated(capsys, tmp_path, stream):
    path = write(tmp_path / "tab.tsv", TSV)
    assert_fits_pandas(capsys, path, stream=stream, read=lambda p: pd.read_csv(p, sep="\t"))


def bool_text(df):
    flags = ["true", "false", "True", "FALSE", "TRUE", "False"]
    df = df.copy()
    df.insert(2, "flag", [flags[k % 6] for k in range(len(df))])
    df["y"] = df["y"] + np.where(df["flag"].str.lower() == "true", 1.25, 0.0)
    return df.to_csv(index=False)


@BOTH
def test_defect_18_booleans_read_as_one_and_zero(capsys, tmp_path, stream):
    path = write(tmp_path / "bool_lower.csv", bool_text(frame()))
    assert pd.read_csv(path)["flag"].dtype == bool  # pandas reads them as booleans
    assert_fits_pandas(capsys, path, stream=stream)
    got = streamed(path) if stream else in_memory(path)
    assert np.array_equal(got, pd.read_csv(path).astype(float).to_numpy())


# ---------------------------------------------------------------- names and messages
@BOTH
def test_defect_20_padded_names_are_quoted_with_the_near_match(capsys, tmp_path, stream):
    df = frame()
    path = write(tmp_path / "space_after_comma.csv", df.to_csv(index=False).replace(",", ", "))
    message = (
        f"{path}: no column named 'y' (did you mean ' y'?); the columns are: 'x1', ' x2', ' y'"
    )
    fails(capsys, message, "fit", path, "--target", "y", *(["--stream"] if stream else []))
    # the names as written work, and read what pandas reads
    got, names = fitted(capsys, path, stream=stream, target=" y")
    assert names == ["x1", " x2"]
    want = pd.read_csv(path)
    np.testing.assert_allclose(got, lstsq(want[names].to_numpy(), want[" y"].to_numpy()), rtol=1e-9)


@BOTH
def test_defect_22_header_only_file(capsys, tmp_path, stream):
    path = write(tmp_path / "header_only.csv", "x1,x2,y\n")
    message = f"{path}: has column names but no data rows"
    fails(capsys, message, "fit", path, "--target", "y", *(["--stream"] if stream else []))


@BOTH
def test_defect_23_blank_lines_count_in_line_numbers(capsys, tmp_path, stream):
    lines = frame(15).to_csv(index=False).splitlines()
    lines[12] = lines[12].split(",")[0] + ",," + lines[12].split(",")[2]  # x2 missing
    lines[4:4] = ["", ""]  # two blank lines: the missing value is on line 15
    path = write(tmp_path / "blank_middle_nan.csv", "\n".join(lines) + "\n")
    assert path.read_text().splitlines()[14].count(",,") == 1
    argv = ["fit", path, "--target", "y"]
    if stream:
        fails(capsys, f"{path}: missing value in column 'x2' at line 15", *argv, "--stream")
    else:
        message = (
            f"{path}: missing value in column 'x2' at line 15 (1 row with missing or "
            "non-finite values); pass --drop-missing to drop them"
        )
        fails(capsys, message, *argv)


@BOTH
def test_defect_25_all_missing_column_is_named(capsys, tmp_path, stream):
    df = frame()
    df.insert(1, "e", np.nan)
    path = write(tmp_path / "allnan_col.csv", df.to_csv(index=False))
    argv = ["fit", path, "--target", "y", *(["--stream"] if stream else [])]
    tail = "" if stream else "; leave it out with --features"
    fails(capsys, f"{path}: column 'e' has no values (every row is missing){tail}", *argv)
    if not stream:  # following the advice works, and --drop-missing does not hide it
        fails(capsys, f"{path}: column 'e' has no values (every row is missing){tail}", *argv,
              "--drop-missing")  # fmt: skip
        assert_fits_pandas(capsys, path, "--features", "x1,x2", read=lambda p: df.drop(columns="e"))


@BOTH
def test_latin1_file_names_file_and_line(capsys, tmp_path, stream):
    text = frame(6).to_csv(index=False).splitlines()
    text[4] = text[4].rsplit(",", 1)[0] + ",12.5\xb5"  # y on line 5 holds a Latin-1 byte
    path = write(tmp_path / "latin1.csv", "\n".join(text) + "\n", encoding="latin-1")
    message = f"{path}: line 5 is not UTF-8 text (byte 0xb5); save the file as UTF-8"
    fails(capsys, message, "fit", path, "--target", "y", *(["--stream"] if stream else []))


def test_latin1_header(capsys, tmp_path):
    path = write(tmp_path / "latin1.csv", "x,y,gr\xf6sse\n1,2,3\n2,3,5\n", encoding="latin-1")
    fails(
        capsys,
        f"{path}: line 1 is not UTF-8 text (byte 0xf6); save the file as UTF-8",
        "fit",
        path,
        "--target",
        "y",
    )


@BOTH
def test_date_column_value_printed_plainly(capsys, tmp_path, stream):
    df = frame(5)
    df.insert(0, "day", pd.date_range("2020-01-01", periods=5).strftime("%Y-%m-%d"))
    path = write(tmp_path / "dates.csv", df.to_csv(index=False))
    argv = ["fit", path, "--target", "y", *(["--stream"] if stream else [])]
    tail = (
        ""
        if stream
        else "; leave it out with --features, or encode it with --formula (C(...) for categories)"
    )
    fails(capsys, f"{path}: column 'day' is not numeric: '2020-01-01' at line 2{tail}", *argv)


@BOTH
def test_text_value_names_column_value_and_line(capsys, tmp_path, stream):
    lines = frame(20).to_csv(index=False).splitlines()
    lines[17] = lines[17].replace(lines[17].split(",")[1], "oops", 1)
    path = write(tmp_path / "text.csv", "\n".join(lines) + "\n")
    tail = (
        ""
        if stream
        else "; leave it out with --features, or encode it with --formula (C(...) for categories)"
    )  # noqa: E501
    argv = ["fit", path, "--target", "y", *(["--stream"] if stream else [])]
    fails(capsys, f"{path}: column 'x2' is not numeric: 'oops' at line 18{tail}", *argv)


# ---------------------------------------------------------------- separators, stdin, gzip
@BOTH
def test_sep_semicolon(capsys, tmp_path, stream):
    path = write(tmp_path / "semi.csv", frame().to_csv(sep=";", index=False))
    read = lambda p: pd.read_csv(p, sep=";")  # noqa: E731
    assert_fits_pandas(capsys, path, "--sep", ";", stream=stream, read=read)


@pytest.mark.parametrize("sep", [";;", "", '"'])
def test_sep_must_be_one_character(capsys, tmp_path, sep):
    path = write(tmp_path / "semi.csv", frame().to_csv(sep=";", index=False))
    with pytest.raises(SystemExit) as exit_:
        main(["fit", str(path), "--target", "y", "--sep", sep])
    assert exit_.value.code == 2
    assert "linreg fit: error: argument --sep: expected one character" in capsys.readouterr().err


def test_sep_tab_spelled_out(capsys, tmp_path):
    path = write(tmp_path / "tab.csv", TSV)
    read = lambda p: pd.read_csv(p, sep="\t")  # noqa: E731
    assert_fits_pandas(capsys, path, "--sep", "\\t", read=read)


def test_data_from_standard_input(tmp_path):
    df = frame()
    out = subprocess.run(
        [sys.executable, "-m", "linreg.cli", "fit", "-", "--target", "y", "--format", "json"],
        input=df.to_csv(index=False),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    got = [doc["intercept"], *doc["coef"].values()]
    np.testing.assert_allclose(got, lstsq(df[["x1", "x2"]], df["y"]), rtol=1e-9)


def test_standard_input_errors_name_stdin(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "linreg.cli", "fit", "-", "--target", "y"],
        input="x,y\n1,2\n2,\n3,4\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    message = (
        "linreg fit: error: <stdin>: missing value in column 'y' at line 3 (1 row with "
        "missing or non-finite values); pass --drop-missing to drop them\n"
    )
    assert (out.returncode, out.stderr) == (1, message)


@BOTH
def test_gzip_csv(capsys, tmp_path, stream):
    df = frame()
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(df.to_csv(index=False).encode()))
    assert_fits_pandas(capsys, path, stream=stream)


# ---------------------------------------------------------------- the DEFECTS.md files themselves
SHARED = Path(__file__).resolve().parent / "data" / "cli_repros" / "files"
READABLE = ["bigint53.csv", "bool_lower.csv", "tab.tsv", "base.csv", "longley.csv"]
REFUSED = {
    "dup_names.csv": "column name 'x' appears 2 times in the header; give each column its own name",
    "space_after_comma.csv": "no column named 'y' (did you mean ' y'?); the columns are: 'x1', "
    "' x2', ' y'",
    "header_only.csv": "has column names but no data rows",
    "blank_middle_nan.csv": "missing value in column 'x2' at line 13",
    "allnan_col.csv": "column 'e' has no values (every row is missing)",
}
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the DEFECTS.md files are not here")


def target_of(name):
    return "TOTEMP" if name == "longley.csv" else "y"


@needs_shared
@pytest.mark.parametrize("name", READABLE)
def test_defects_files_read_alike_on_both_paths_and_as_pandas(name):
    path = SHARED / name
    sep = "\t" if name.endswith(".tsv") else ","
    df = pd.read_csv(path, sep=sep)
    target = target_of(name)
    want = df[[c for c in df.columns if c != target] + [target]].astype(float).to_numpy()
    cols = select(read_table(path), path, target=target, options=())
    assert np.array_equal(np.column_stack([cols.X, cols.y]), want)
    parts = [np.column_stack([X, y]) for X, y, _ in linreg.scan(path, target=target, batch_size=7)]
    assert np.array_equal(np.vstack(parts), want)


@needs_shared
@BOTH
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_defects_files_refused_alike(capsys, name, stream):
    path = SHARED / name
    rc, _, err = run(capsys, "fit", path, "--target", "y", *(["--stream"] if stream else []))
    assert rc == 1
    assert err.startswith(f"linreg fit: error: {path}: {REFUSED[name]}") and err.count("\n") == 1


@pytest.mark.parametrize("rhs", ["x1 + flag", "x1 + C(flag)"])
def test_boolean_column_in_a_formula_model_predicts(capsys, tmp_path, rhs):
    """predict reads DATA in batches: a boolean column stays boolean, as fit read it."""
    path = write(tmp_path / "bool.csv", bool_text(frame()))
    model = tmp_path / "m.json"
    rc, _, err = run(capsys, "fit", path, "--formula", f"y ~ {rhs}", "--save", model)
    assert rc == 0, err
    rc, out, err = run(capsys, "predict", model, path)
    assert rc == 0, err
    df = pd.read_csv(path)
    A = np.column_stack([np.ones(len(df)), df["x1"], df["flag"].astype(float)])
    b = np.linalg.lstsq(A, df["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(np.array(out.split()[1:], dtype=float), A @ b, rtol=1e-9)


def test_compare_advises_only_its_own_options(capsys, tmp_path):
    lines = frame(20).to_csv(index=False).splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[1], "oops", 1)
    path = write(tmp_path / "text.csv", "\n".join(lines) + "\n")
    message = f"{path}: column 'x2' is not numeric: 'oops' at line 6; leave it out with --features"
    fails(capsys, message, "compare", path, "--target", "y")
