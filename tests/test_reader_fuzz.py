"""Fuzz: the in-memory and the streamed readers read every file alike.

Hypothesis writes CSV files (separators ``,`` ``;`` tab ``|``, quoted fields, malformed
rows, integers,
floats, exponents, booleans, integers beyond 2^53 and beyond int64, missing markers, text,
padded and non-ASCII names, row counts around the batch and block boundaries, which the
test makes small) and Parquet files.  The in-memory reader (``linreg.cli.data``: the whole
file, then ``select``) and the streamed one (``linreg.scan``, small batches and CSV blocks)
must give identical float64 matrices or identical error messages; where pandas reads the
file to floats, the matrix must equal ``pandas.read_csv(...).astype(float)``.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linreg
from linreg.cli import data as cli_data
from linreg.cli.errors import CommandError
from linreg.io import tables

scan_module = importlib.import_module("linreg.sources.scan")  # not the function

SEPARATORS = [",", ";", "\t", "|"]
NAMES = ["a", " b", "c ", "é", "数", "x y", "Col_1", "z"]

#: Cell writers by kind: each draws the text of one field.
INTS = st.integers(-(10**6), 10**6).map(str)
BIG = st.one_of(
    st.integers(2**53 - 5, 2**53 + 5), st.integers(2**62, 2**63 - 1), st.just(10**20)
).map(str)
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(repr)
EXPONENTS = st.builds(
    lambda m, e, c: f"{m}{c}{e}", st.integers(-99, 99), st.integers(-30, 30), st.sampled_from("eE")
)
BOOLS = st.sampled_from(["true", "false", "True", "FALSE", "TRUE", "False"])
NULLS = st.sampled_from(["", "NA", "nan", "null", "N/A"])
TEXT = st.sampled_from(["abc", "x1", "2020-01-01", "1.2.3", "--", "tRuE", "two\nlines"])
KINDS = {"int": INTS, "big": BIG, "float": FLOATS, "exp": EXPONENTS, "bool": BOOLS}


@st.composite
def csv_files(draw):
    """(text, sep, names): a CSV with a header, ``rows`` rows and ``ncol`` columns."""
    ncol = draw(st.integers(2, 4))
    names = draw(st.permutations(NAMES))[:ncol]
    sep = draw(st.sampled_from(SEPARATORS))
    rows = draw(st.sampled_from([0, 1, 2, 7, 8, 9, 15, 16, 17, 40]))
    kinds = [draw(st.sampled_from(sorted(KINDS))) for _ in names]
    p_null = draw(st.sampled_from([0.0, 0.0, 0.05]))
    p_text = draw(st.sampled_from([0.0, 0.0, 0.0, 0.02]))
    quote = draw(st.booleans())
    lines = [sep.join(_quoted(n, sep, quote) for n in names)]
    for _ in range(rows):
        cells = []
        for kind in kinds:
            u = draw(st.floats(0, 1))
            strategy = NULLS if u < p_null else TEXT if u < p_null + p_text else KINDS[kind]
            cells.append(_quoted(draw(strategy), sep, quote and draw(st.booleans())))
        lines.append(sep.join(cells))
    if rows and draw(st.integers(0, 9)) == 0:  # a malformed row: one field too many or few
        k = draw(st.integers(1, rows))
        lines[k] = lines[k] + sep + "9" if draw(st.booleans()) else lines[k].rsplit(sep, 1)[0]
    blank = draw(st.sampled_from([None, None, 1, 3]))
    if blank is not None and blank < len(lines):
        lines.insert(blank, "")
    return "\n".join(lines) + "\n", sep, names


def _quoted(text, sep, quote):
    return f'"{text}"' if quote or sep in text or "\n" in text else text


def read_in_memory(path, sep, target):
    """The CLI's in-memory reading: [X, y], or the error message."""
    cli_data._SOURCES.clear()
    try:
        cols = cli_data.select(cli_data.read_table(path, sep), path, target=target, options=())
    except (CommandError, tables.TableError) as err:
        return str(err)
    return np.column_stack([cols.X, cols.y])


def read_streamed(path, sep, target):
    """linreg.scan's reading: [X, y] of all batches, or the error message."""
    try:
        src = linreg.scan(path, target=target, batch_size=8, sep=sep)
        parts = [np.column_stack([X, y]) for X, y, _ in src]
    except ValueError as err:
        return str(err)
    return np.vstack(parts)


def assert_same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
    else:
        assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of a few hundred bytes: types must be decided across them."""
    monkeypatch.setattr(scan_module, "CSV_BLOCK_BYTES", 256)
    monkeypatch.setattr(tables, "READ_BLOCK_BYTES", 256)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(csv_files())
def test_csv_in_memory_equals_streamed_and_pandas(tmp_path_factory, small_blocks, case):
    text, sep, names = case
    path = tmp_path_factory.mktemp("fuzz") / ("data.tsv" if sep == "\t" else "data.csv")
    path.write_text(text, encoding="utf-8")
    file_sep = None if sep == "\t" else sep  # .tsv: the tab is the default
    target = names[-1]
    memory = read_in_memory(path, file_sep, target)
    assert_same(memory, read_streamed(path, file_sep, target))
    if isinstance(memory, str):
        return
    try:
        want = pd.read_csv(path, sep=sep)[[*names[:-1], target]].astype(float).to_numpy()
    except (ValueError, TypeError):
        return  # pandas does not read it to floats (e.g. booleans mixed with numbers)
    assert np.array_equal(memory, want, equal_nan=True)


@st.composite
def parquet_tables(draw):
    rows = draw(st.sampled_from([0, 1, 7, 8, 9, 17]))
    columns = {}
    for name in draw(st.permutations(NAMES))[: draw(st.integers(2, 4))]:
        kind = draw(st.sampled_from(["int", "float", "bool", "null", "text", "big"]))
        values = [_parquet_value(draw, kind) for _ in range(rows)]
        if draw(st.booleans()) and rows:
            values[draw(st.integers(0, rows - 1))] = None
        columns[name] = values
    return columns


def _parquet_value(draw, kind):
    if kind == "int":
        return draw(st.integers(-(10**6), 10**6))
    if kind == "big":
        return draw(st.integers(2**53, 2**63 - 1))
    if kind == "float":
        return draw(st.floats(-1e6, 1e6, allow_nan=False))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "text":
        return draw(st.sampled_from(["1.5", "abc", "true", "7"]))
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(parquet_tables(), st.sampled_from([1, 3, 8]))
def test_parquet_in_memory_equals_streamed_and_pandas(tmp_path_factory, columns, row_group):
    path = tmp_path_factory.mktemp("fuzzpq") / "data.parquet"
    pq.write_table(pa.table(columns), path, row_group_size=row_group)
    names = list(columns)
    memory = read_in_memory(path, None, names[-1])
    assert_same(memory, read_streamed(path, None, names[-1]))
    if isinstance(memory, str):
        return
    try:
        want = pd.read_parquet(path)[names].astype(float).to_numpy()
    except (ValueError, TypeError):
        return
    assert np.array_equal(memory, want, equal_nan=True)
