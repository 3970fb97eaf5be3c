"""linreg.io.tables: the one set of reading rules of the in-memory and streamed readers.

References: pandas (``read_csv(...).astype(float)``, its int64 -> float64 conversion),
NumPy, and the exact text of the files written here.
"""

from __future__ import annotations

import bz2
import datetime
import gzip
import io
import lzma
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from linreg.io import tables


def read_all(path, columns, sep=None, **kw):
    """Every batch of iter_batches converted and stacked."""
    parts = [
        np.column_stack([tables.to_float64(b.data.column(c), c) for c in columns])
        for b in tables.iter_batches(path, columns, sep, **kw)
    ]
    return np.vstack(parts)


def in_memory(path, columns, sep=None):
    table = tables.read_table(path, sep)
    return np.column_stack([tables.to_float64(table.column(c), c) for c in columns])


# ---------------------------------------------------------------- the value rule
def test_integers_beyond_2_53_are_the_nearest_double_as_in_pandas():
    ints = np.array([2**53, 2**53 + 1, 2**63 - 1, -(2**63), 3], dtype=np.int64)
    want = pd.Series(ints).astype(float).to_numpy()
    assert np.array_equal(tables.to_float64(pa.array(ints)), want)
    assert np.array_equal(tables.to_float64(pd.Series(ints)), want)


def test_booleans_text_and_missing_markers():
    text = pa.array([" 1 ", "true", "FALSE", "True", "NA", "", None, "-2.5e3", "inf", "nan"])
    got = tables.to_float64(text)
    want = [1, 1, 0, 1, np.nan, np.nan, np.nan, -2500, np.inf, np.nan]
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(tables.to_float64(pa.array([True, None, False])), [1, np.nan, 0],
                          equal_nan=True)  # fmt: skip


@pytest.mark.parametrize(
    "column, value",
    [
        (pa.array(["1", "2", "abc", "x"]), "abc"),
        (pa.array(["1", None, "tRuE"]), "tRuE"),
        (pa.array([None, datetime.date(2020, 1, 1)], pa.date32()), "2020-01-01"),
    ],
)
def test_the_first_value_that_is_not_a_number(column, value):
    with pytest.raises(tables.BadValue) as bad:
        tables.to_float64(column, "c")
    assert (bad.value.name, bad.value.value) == ("c", value)
    assert column[bad.value.row].as_py() is not None


def test_pandas_series_by_the_same_rule():
    assert np.array_equal(
        tables.to_float64(pd.Series([1, None, 3], dtype="Int64")), [1, np.nan, 3], equal_nan=True
    )
    assert np.array_equal(tables.to_float64(pd.Series(["true", "2", None])), [1, 2, np.nan],
                          equal_nan=True)  # fmt: skip
    assert np.array_equal(tables.to_float64(pd.Series([True, False])), [1.0, 0.0])
    assert np.array_equal(tables.to_float64(pa.array([Decimal("1.5")])), [1.5])
    with pytest.raises(tables.BadValue) as bad:
        tables.to_float64(pd.Series(["1", "b"]), "s")
    assert (bad.value.row, bad.value.value) == (1, "b")


# ---------------------------------------------------------------- headers
def test_bom_is_dropped_and_duplicates_refused(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,2\n")
    assert tables.column_names(path) == ["a", "b"]
    assert list(tables.read_table(path).column_names) == ["a", "b"]
    dup = tmp_path / "dup.csv"
    dup.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(tables.TableError, match=r"column name 'a' appears 2 times"):
        tables.column_names(dup)


def test_unknown_column_suggests_the_padded_name(tmp_path):
    err = tables.unknown_column("f.csv", "y", ["x1", " x2", " y"])
    assert str(err) == (
        "f.csv: no column named 'y' (did you mean ' y'?); the columns are: 'x1', ' x2', ' y'"
    )
    assert "did you mean 'height'" in str(tables.unknown_column("f.csv", "hieght", ["height"]))


def test_empty_and_header_only(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(tables.TableError, match="e.csv: the file is empty$"):
        tables.read_table(tmp_path / "e.csv")
    (tmp_path / "h.csv").write_text("a,b\n")
    with pytest.raises(tables.TableError, match="h.csv: has column names but no data rows$"):
        tables.read_table(tmp_path / "h.csv")


# ---------------------------------------------------------------- physical lines
def test_line_numbers_count_blank_lines_and_quoted_fields(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text('a,b\n\n1,2\n"3",4\r\n\n\n5,"6"\n7,8\n')
    assert tables.csv_line_numbers(path, [0, 1, 2, 3]) == {0: 3, 1: 4, 2: 7, 3: 8}
    assert tables.read_table(path).num_rows == 4


def test_quoted_newlines_are_values_and_lines_still_count(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('x,y,note\n1,2,"a\nb"\n2,3,c\n3,,d\n')
    assert list(tables.read_table(path).column("note").to_pylist()) == ["a\nb", "c", "d"]
    assert tables.csv_line_numbers(path, [1, 2]) == {1: 4, 2: 5}
    table = tables.read_table(path)
    data = np.column_stack([tables.to_float64(table.column(c)) for c in ("x", "y")])
    assert str(tables.finite_error(path, data, ["x", "y"])) == (
        f"{path}: missing value in column 'y' at line 5"
    )


# ---------------------------------------------------------------- compressed, batched
@pytest.mark.parametrize(
    "suffix, compress",
    [
        ("csv", lambda b: b),
        ("csv.gz", gzip.compress),
        ("csv.bz2", bz2.compress),
        ("csv.xz", lzma.compress),
        ("csv.zst", None),
    ],
)
def test_compressed_csv_in_memory_and_batched(tmp_path, suffix, compress):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(500, 3)), columns=["a", "b", "c"])
    text = df.to_csv(index=False).encode()
    path = tmp_path / f"data.{suffix}"
    if compress is None:
        with pa.CompressedOutputStream(str(path), "zstd") as out:
            out.write(text)
    else:
        path.write_bytes(compress(text))
    want = pd.read_csv(io.BytesIO(text)).astype(float).to_numpy()  # the text, uncompressed
    assert np.array_equal(in_memory(path, ["a", "b", "c"]), want)
    assert np.array_equal(read_all(path, ["a", "b", "c"], block_size=2048), want)


def test_a_column_that_turns_boolean_late_is_decided_over_the_whole_column(tmp_path):
    n = 5000
    flags = ["1"] * (n - 2) + ["true", "FALSE"]
    df = pd.DataFrame({"x": np.arange(n), "flag": flags})
    path = tmp_path / "late.csv"
    df.to_csv(path, index=False)
    want = np.column_stack([np.arange(n), [1.0] * (n - 1) + [0.0]])
    assert np.array_equal(read_all(path, ["x", "flag"], block_size=4096), want)
    assert np.array_equal(in_memory(path, ["x", "flag"]), want)


def test_text_found_late_is_located_on_both_paths(tmp_path):
    n = 4000
    x = [str(i) for i in range(n)]
    x[3500] = "n/a?"
    path = tmp_path / "late_text.csv"
    path.write_text("x,y\n" + "".join(f"{v},{i}\n" for i, v in enumerate(x)))
    table = tables.read_table(path)
    with pytest.raises(tables.BadValue) as bad:
        tables.to_float64(table.column("x"), "x")
    message = f"{path}: column 'x' is not numeric: 'n/a?' at line 3502"
    assert str(tables.bad_value_error(path, bad.value)) == message
    with pytest.raises(tables.BadValue) as bad:
        read_all(path, ["x", "y"], block_size=4096)
    # batched: the row is counted from the batch's first row
    assert bad.value.value == "n/a?"


def test_parquet_rows_and_types(tmp_path):
    table = pa.table(
        {
            "i": pa.array([2**53 + 1, 1, None], pa.int64()),
            "b": pa.array([True, False, None]),
            "d": pa.array([Decimal("1.25"), None, Decimal("-2")]),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=2)
    want = pd.read_parquet(path).astype(float).to_numpy()
    assert np.array_equal(in_memory(path, ["i", "b", "d"]), want, equal_nan=True)
    assert np.array_equal(read_all(path, ["i", "b", "d"], rows=2), want, equal_nan=True)
    assert tables.source(path).where(4) == "row 5"


# ------------------------------------------------------------- Parquet batches by row group
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.integers(0, 40), min_size=1, max_size=12),
    rows=st.integers(1, 30),
)
def test_parquet_batches_follow_the_row_groups(tmp_path_factory, groups, rows):
    """Every row once, in file order, in batches of at most ``rows`` rows; a row group of
    at least ``rows`` rows is cut into equal batches of its own; smaller consecutive
    groups are read whole, together (pyarrow's own writer, groups of any sizes)."""
    total = sum(groups)
    if total == 0:
        return
    path = tmp_path_factory.mktemp("rg") / "d.parquet"
    values = np.arange(total, dtype=np.float64)
    with pq.ParquetWriter(path, pa.schema([("x", pa.float64())])) as writer:
        start = 0
        for size in groups:
            writer.write_table(
                pa.table({"x": values[start : start + size]}), row_group_size=max(size, 1)
            )
            start += size
    starts = np.cumsum([0] + [g for g in groups if g])  # first row of each non-empty group
    got, first_rows = [], []
    for batch in tables.iter_batches(tables.as_source(path), ["x"], rows=rows):
        part = batch.data.column("x").to_numpy()
        assert 0 < len(part) <= rows
        assert batch.first_row == len(np.concatenate(got)) if got else batch.first_row == 0
        got.append(part)
        first_rows.append(batch.first_row)
    np.testing.assert_array_equal(np.concatenate(got), values)
    ends = set(starts.tolist())
    sizes = [g for g in groups if g]
    for first, part in zip(first_rows, got):
        last = first + len(part)
        # the group holding the batch's first row
        g = int(np.searchsorted(starts, first, side="right")) - 1
        if sizes[g] >= rows:  # inside one big group, an equal share of it
            assert last <= starts[g] + sizes[g]
            pieces = -(-sizes[g] // rows)
            assert len(part) in (
                -(-sizes[g] // pieces),
                sizes[g] - (pieces - 1) * -(-sizes[g] // pieces),
            )
        else:  # whole small groups
            assert first in ends and last in ends
