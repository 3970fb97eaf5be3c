"""Reading DATA (a CSV or Parquet file, or CSV on standard input) into numeric columns.

The reading rules are :mod:`linreg.io.tables`' (the same as the streamed reader,
:func:`linreg.scan`); this module adapts them to the command line: errors become one-line
:class:`DataError` s naming the file, the column and the physical CSV line (or Parquet
row), and their advice mentions only options the calling command has (``options=``).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


from linreg.io import tables

from .errors import DataError, UsageError

#: File names read as CSV (compressed ones are decompressed) or Parquet.
CSV_SUFFIXES = tuple(s + z for s in tables.CSV_SUFFIXES for z in ("", *tables.COMPRESSIONS))
PARQUET_SUFFIXES = tables.PARQUET_SUFFIXES

#: The options of ``linreg fit`` that data messages may advise.
FIT_OPTIONS = ("--drop-missing", "--features", "--formula")

#: DATA '-' : standard input, read once.
STDIN = "-"
_SOURCES: dict = {}


def add_data_arguments(parser, help_text: str = "a .csv or .parquet file") -> None:
    """DATA (a file, or ``-`` for standard input) and ``--sep``, the same in every command."""
    parser.add_argument("data", metavar="DATA", help=f"{help_text}; '-' reads CSV from stdin")
    parser.add_argument(
        "--sep",
        metavar="CHAR",
        type=separator,
        help="CSV field separator, one character ('\\t' or 'tab' for a tab; default: ',' "
        "and tab for .tsv files)",
    )


def separator(text: str) -> str:
    """An argparse type: one field separator character (``\\t`` and ``tab`` mean a tab)."""
    import argparse

    sep = "\t" if text in ("\\t", "tab", "TAB") else text
    if len(sep) != 1 or sep in '\r\n"':
        raise argparse.ArgumentTypeError(
            f"expected one character (not a quote or a newline), got {text!r}"
        )
    return sep


def file_format(path) -> str:
    """``"csv"`` or ``"parquet"`` from the file name, or a usage error."""
    if str(path) == STDIN:
        return "csv"
    kind = tables.file_format(path)
    if kind is None:
        raise UsageError(
            f"{path}: unknown file type; DATA must end in "
            f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} (or be '-' for CSV on standard input)"
        )
    return kind


def data_source(path, sep=None) -> tables.Source:
    """The :class:`~linreg.io.tables.Source` of DATA; standard input is read once."""
    key = (str(path), sep)
    if key in _SOURCES:
        _SOURCES[key] = _SOURCES.pop(key)  # the last one read
        return _SOURCES[key]
    if sep is not None and (len(sep) != 1 or sep in '\r\n"'):
        raise UsageError(f"--sep must be one character (not a quote or newline), got {sep!r}")
    if str(path) == STDIN:
        data = sys.stdin.buffer.read()
        with _as_data_error():
            src = tables.source(tables.STDIN_NAME, sep, data=data)
    else:
        file_format(path)
        with _as_data_error():
            src = tables.source(path, sep)
    _SOURCES[key] = src
    return src


def _source_read_last(path, sep):
    """The source ``path`` was last read as (``select`` gets a table, maybe not the sep)."""
    if sep is None:
        for (p, _), src in reversed(_SOURCES.items()):
            if p == str(path):
                return src
    return data_source(path, sep)


@contextmanager
def _as_data_error():
    """Reading errors (:class:`~linreg.io.tables.TableError`) as the command's DataError."""
    try:
        yield
    except tables.TableError as err:
        raise DataError(str(err)) from None


def read_table(path, sep=None):
    """The whole file as a ``pyarrow.Table`` (CSV types decided over whole columns)."""
    src = data_source(path, sep)
    with _as_data_error():
        return tables.read_table(src)


@dataclass
class Columns:
    """The numeric data a command works on, all rows complete.

    ``y`` is 1-D for one target, 2-D (one column per target) for a list of targets.
    """

    X: np.ndarray
    y: np.ndarray | None
    weights: np.ndarray | None
    feature_names: list[str]
    target_name: str | list[str] | None
    n_dropped: int = 0


def select(
    table,
    path,
    *,
    target=None,
    features=None,
    weights=None,
    drop_missing=False,
    first_row=0,
    options=FIT_OPTIONS,
    sep=None,
):
    """Pick the target(s), features and weights of ``table`` as float64 arrays.

    ``features=None`` takes every column but the targets and the weights.  Missing or
    non-finite values are an error naming the first one (a column with no values at all
    is named as such), unless ``drop_missing``, which drops those rows and reports how
    many on stderr.  ``first_row`` is the table's first row in the file (for the line
    numbers of a batch); ``options`` are the calling command's options that messages may
    advise (``()`` for none).
    """
    import numpy as np

    src = _source_read_last(path, sep)
    targets = [] if target is None else [target] if isinstance(target, str) else list(target)
    names = _names(table, src, targets, features, weights)
    k = len(names) - len(targets) - (weights is not None)
    with _as_data_error():
        data = _matrix(table, src, names, first_row, options)
        data, n_dropped = _complete_rows(
            data, src, names, first_row, options, drop_missing, weights is not None
        )
    y = data[:, k : k + len(targets)] if targets else None
    if y is not None and isinstance(target, str):
        y = y[:, 0]
    w = data[:, -1] if weights is not None else None
    target_name = target if target is None or isinstance(target, str) else list(target)
    return Columns(np.ascontiguousarray(data[:, :k]), y, w, names[:k], target_name, n_dropped)


def _names(table, src, targets, features, weights) -> list[str]:
    """Features, then targets, then the weights column, all checked against the table."""
    available = list(table.column_names)
    for name in [*targets, weights, *(features or [])]:
        if name is not None and name not in available:
            raise DataError(str(tables.unknown_column(src, name, available)))
    special = [*targets, *([weights] if weights is not None else [])]
    if features is None:
        features = [c for c in available if c not in special]
    if not features:
        raise UsageError(f"{src.name}: no feature columns left besides the target")
    both = [t for t in special if t in features]
    if both:
        raise UsageError(f"column {both[0]!r} is both the target (or weights) and a feature")
    return [*features, *special]


def _matrix(table, src, names, first_row, options) -> np.ndarray:
    """The columns as float64; a value that is not a number: the first in file order."""
    import numpy as np

    columns, bad = [], []
    for c in names:
        try:
            columns.append(tables.to_float64(table.column(c), c))
        except tables.BadValue as err:
            bad.append(err)
    if bad:
        first = min(bad, key=lambda b: b.row)
        raise tables.bad_value_error(src, first, first_row, options)
    return np.column_stack(columns) if columns else np.empty((table.num_rows, 0))


def _complete_rows(data, src, names, first_row, options, drop_missing, weights=False):
    """``data`` without its rows with missing or non-finite values (when allowed); the
    last column, when it is the weights, must not be negative."""
    import numpy as np

    bad = ~np.isfinite(data)
    empty = tables.all_missing(data, names) if bad.any() else None
    if empty is not None:
        raise tables.empty_column_error(src, empty, options)
    if bad.any() and not drop_missing:
        raise tables.finite_error(src, data, names, first_row, options)
    if weights:
        negative = np.flatnonzero(data[:, -1] < 0)  # NaN compares False
        if len(negative):
            where = src.where(first_row + int(negative[0]))
            raise tables.TableError(
                f"{src.name}: negative weight in column {names[-1]!r} at {where}"
            )
    if not bad.any():
        return data, 0
    rows = bad.any(axis=1)
    n_dropped = int(rows.sum())
    print(
        f"Dropped {n_dropped} of {len(rows)} rows with missing or non-finite values.",
        file=sys.stderr,
    )
    if n_dropped == len(rows):
        raise tables.TableError(
            f"{src.name}: no complete rows are left after dropping missing values"
        )
    return data[~rows], n_dropped


def column_names(path, sep=None) -> list[str]:
    """The file's column names, read from its header or schema only (checked)."""
    src = data_source(path, sep)
    with _as_data_error():
        return tables.column_names(src)


def batches(path, columns, rows: int = tables.BATCH_ROWS, sep=None):
    """Yield ``(first_row, pyarrow.Table)`` of the given columns, a batch at a time
    (bounded memory whatever the file size); convert them with :func:`select`."""
    import pyarrow as pa

    src = data_source(path, sep)
    with _as_data_error():
        n = 0
        for batch in tables.iter_batches(src, list(columns), rows=rows, threads=True):
            n += batch.data.num_rows
            yield batch.first_row, pa.Table.from_batches([batch.data])
        if n == 0:
            raise tables.no_rows(src)


def is_stdin(path) -> bool:
    """Whether DATA is standard input (``-``)."""
    return str(path) == STDIN
