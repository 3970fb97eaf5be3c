"""One set of reading rules for CSV and Parquet files, in memory and in batches.

The in-memory reader of the command line (:mod:`linreg.cli.data`) and the streamed
reader (:func:`linreg.scan`) both read through this module, so they accept the same
files, read them to the same float64 values and fail with the same one-line message
naming the file, the column and the physical CSV line (or the Parquet row).

The rule for a value (:func:`to_float64`):

- a number (integers of any size read as the nearest double, as pandas' int64 to
  float64 does; surrounding spaces, exponents and ``inf`` are allowed) is its value;
- ``true``/``True``/``TRUE`` and ``false``/``False``/``FALSE`` read as 1 and 0;
- an empty field or one of pandas' missing markers (``NA``, ``nan``, ``null``, ...) is
  NaN (missing);
- anything else (text, a date) is an error naming the column, the value and the line.

Types are decided over the whole column: a column of integers whose last row holds a
float reads as floats, whatever block the float falls in.  Nothing here imports pyarrow
or NumPy until a file is read.

The functions other modules use:

- :func:`source` (a path, its format and separator; ``data=`` for bytes read from
  standard input), :func:`column_names` (the checked header);
- :func:`read_table` (the whole file as a ``pyarrow.Table``) and :func:`iter_batches`
  (``Batch(first_row, record_batch, nbytes)`` in file order, bounded memory);
- :func:`to_float64` (one pyarrow column or pandas Series by the rule; raises
  :class:`BadValue`), :func:`bad_value_error`, :func:`finite_error`,
  :func:`all_missing`/:func:`empty_column_error`, :func:`unknown_column`,
  :func:`no_rows`, :func:`malformed_record`: the messages, all :class:`TableError`
  (a ``ValueError``), naming the file, the column and the physical line or row.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


#: Suffixes of CSV files (optionally compressed) and of Parquet files.
CSV_SUFFIXES = (".csv", ".tsv")
COMPRESSIONS = (".gz", ".bz2", ".zst", ".lz4", ".xz")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")

#: Fields read as missing: pandas' default ``na_values`` (so both read the same NaNs).
NULL_VALUES = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
#: Boolean spellings read as 1 and 0 (pandas' and pyarrow's defaults).
TRUE_VALUES = ("true", "True", "TRUE")
FALSE_VALUES = ("false", "False", "FALSE")

#: Rows per Parquet batch and bytes per CSV block when reading in batches.
BATCH_ROWS = 65536
CSV_BLOCK_BYTES = 4 * 2**20

#: Bytes per block of the in-memory CSV reader (None: pyarrow's default); the type of a
#: column is decided over all blocks whatever this is.
READ_BLOCK_BYTES = None

#: How a data error names where it is.
STDIN_NAME = "<stdin>"


class TableError(ValueError):
    """A data file that cannot be read as numbers; the message names the file, the
    column and the CSV line or Parquet row, on one line."""


@dataclass(frozen=True)
class Source:
    """A data file: a path, or bytes already read (standard input).

    Attributes
    ----------
    name : str
        How messages name it (the path as given, or ``<stdin>``).
    kind : {"csv", "parquet"}
    sep : str
        CSV field separator.
    path : str or None
    data : bytes or None
    """

    name: str
    kind: str
    sep: str
    path: str | None = None
    data: bytes | None = None

    def open(self):
        """A fresh, decompressed pyarrow input stream over the file's bytes."""
        import pyarrow as pa

        if self.data is not None:
            return pa.BufferReader(self.data)
        if self.path.lower().endswith(".xz"):
            import lzma

            return pa.PythonFile(lzma.open(self.path, "rb"), mode="r")
        return pa.input_stream(self.path, compression="detect")

    def where(self, row: int) -> str:
        """Where data row ``row`` (0-based) is: its physical CSV line, or Parquet row."""
        if self.kind == "csv":
            return f"line {csv_line_numbers(self, [row])[row]}"
        return f"row {row + 1}"


def file_format(path) -> str | None:
    """``"csv"``, ``"parquet"`` or None (unknown), from the file name."""
    name = os.fspath(path).lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    for z in ("", *COMPRESSIONS):
        if name.endswith(tuple(s + z for s in CSV_SUFFIXES)):
            return "csv"
    return None


def source(path, sep: str | None = None, data: bytes | None = None) -> Source:
    """The :class:`Source` for ``path`` (or for ``data``, CSV bytes named ``path``).

    The separator is ``sep``, else a tab for ``.tsv`` files, else a comma.
    """
    name = os.fspath(path)
    kind = "csv" if data is not None else file_format(name)
    if kind is None:
        raise TableError(
            f"{name}: unknown file type; expected a suffix among "
            f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} "
            f"(CSV optionally compressed: {', '.join(COMPRESSIONS)})"
        )
    if sep is not None and (len(sep) != 1 or sep in '\r\n"'):
        raise TableError(
            f"the separator must be one character (not a quote or newline), got {sep!r}"
        )
    if sep is None:
        sep = "\t" if ".tsv" in name.lower() else ","
    return Source(name, kind, sep, None if data is not None else name, data)


def as_source(src, sep=None) -> Source:
    return src if isinstance(src, Source) else source(src, sep)


# ---------------------------------------------------------------- header and schema
def column_names(src, sep=None) -> list[str]:
    """The file's column names from its header or schema, checked: UTF-8 (a BOM is
    dropped), not empty, no name twice."""
    src = as_source(src, sep)
    _check_file(src)
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            names = list(pq.read_schema(src.path).names)
        except Exception as err:  # noqa: BLE001 - any unreadable file is the user's
            raise TableError(f"{src.name}: cannot be read as Parquet: {_first_line(err)}") from None
    else:
        names = _csv_header(src)
    twice = [n for n, k in Counter(names).items() if k > 1]
    if twice:
        raise TableError(
            f"{src.name}: column name {twice[0]!r} appears {names.count(twice[0])} times in the "
            "header; give each column its own name"
        )
    return names


def _check_file(src: Source) -> None:
    if src.path is None:
        if not src.data:
            raise TableError(f"{src.name}: the input is empty")
        return
    if not os.path.exists(src.path):
        raise TableError(f"{src.name}: no such file")
    if os.path.isdir(src.path):
        raise TableError(f"{src.name}: is a folder; give a CSV or Parquet file")
    if os.path.getsize(src.path) == 0:
        raise TableError(f"{src.name}: the file is empty")


def _csv_header(src: Source) -> list[str]:
    """The first record of the CSV text, parsed as pyarrow parses it."""
    for _, line, fields in _records(src, header=True):
        bad = _undecodable(fields)
        if bad is not None:
            raise _not_utf8(src, line, bad)
        if not fields:
            continue
        return fields
    raise TableError(f"{src.name}: the file is empty (no header line)")


def unknown_column(src, name, available) -> TableError:
    """The error for a column the file does not have: names quoted, the near match."""
    src_name = src.name if isinstance(src, Source) else os.fspath(src)
    names = [str(a) for a in available]
    near = [a for a in names if a.strip() == str(name).strip()][:1]  # ' y' for 'y'
    near = near or difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return TableError(
        f"{src_name}: no column named {name!r}{hint}; the columns are: "
        f"{', '.join(map(repr, names))}"
    )


# ---------------------------------------------------------------- reading
def _csv_options(src: Source, columns=None, types=None, block_size=None, threads=True):
    import pyarrow.csv as pcsv

    sized = {"block_size": block_size} if block_size else {}
    read = pcsv.ReadOptions(use_threads=threads, **sized)
    # quoted fields may hold newlines (as pandas reads them); no measurable cost
    parse = pcsv.ParseOptions(delimiter=src.sep, newlines_in_values=True)
    convert = pcsv.ConvertOptions(
        include_columns=list(columns) if columns is not None else [],
        column_types=types or {},
        null_values=list(NULL_VALUES),
        true_values=list(TRUE_VALUES),
        false_values=list(FALSE_VALUES),
        strings_can_be_null=True,
    )
    return {"read_options": read, "parse_options": parse, "convert_options": convert}


def read_table(src, sep=None, columns=None):
    """The whole file (or ``columns`` of it) as a ``pyarrow.Table``.

    CSV types are inferred over the whole file (text columns stay text, for formulas);
    convert the numeric columns with :func:`to_float64`.  A file with a header and no
    rows is an error.
    """
    import pyarrow as pa

    src = as_source(src, sep)
    names = column_names(src)
    for c in columns or ():
        if c not in names:
            raise unknown_column(src, c, names)
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(src.path, columns=columns)
        except (pa.ArrowException, OSError) as err:
            raise TableError(f"{src.name}: cannot be read as Parquet: {_first_line(err)}") from None
    else:
        table = _read_csv(src, columns)
    if table.num_rows == 0:
        raise no_rows(src)
    return table


def _read_csv(src: Source, columns):
    """Read a CSV with inferred types; a column whose inferred type fails in a later
    block is read as float64, and as text if that fails too."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = column_names(src)
    types: dict = {}
    while True:
        try:
            with src.open() as stream:
                return pcsv.read_csv(stream, **_csv_options(src, columns, types, READ_BLOCK_BYTES))
        except pa.ArrowInvalid as err:
            col = _failed_column(err, names)
            if col is None or types.get(col) == pa.string():
                raise located_error(src, err, [] if col is None else [col]) from None
            types[col] = pa.float64() if col not in types else pa.string()


def _failed_column(err, names) -> str | None:
    """The column named by pyarrow's "In CSV column #k: CSV conversion error"."""
    m = re.match(r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error", str(err))
    return names[int(m.group(1))] if m and int(m.group(1)) < len(names) else None


@dataclass
class Batch:
    """Rows ``first_row ...`` of a file, as a ``pyarrow.RecordBatch``; ``nbytes``: bytes of
    the file read so far (for progress)."""

    first_row: int
    data: object
    nbytes: int


def iter_batches(src, columns, sep=None, *, rows=BATCH_ROWS, block_size=CSV_BLOCK_BYTES,
                 threads=False, parquet_buffer=None):  # fmt: skip
    """Yield :class:`Batch` es of ``columns`` in file order, memory bounded by a batch.

    CSV columns are parsed as float64; a column found to hold something else is re-read
    from the start as booleans, else as text, and the rows already yielded are skipped,
    so types are decided over the whole column (booleans stay booleans, as in
    :func:`read_table`, for formulas).  Convert with :func:`to_float64`.
    """
    src = as_source(src, sep)
    names = column_names(src)
    for c in columns:
        if c not in names:
            raise unknown_column(src, c, names)
    if src.kind == "parquet":
        yield from _parquet_batches(src, columns, rows, parquet_buffer, threads)
    else:
        yield from _csv_batches(src, columns, names, block_size, threads)


def release_unused_memory() -> None:
    """Return the memory pyarrow's allocator holds but no longer uses to the system (its
    default pool caches freed pages, which count in the process's resident set)."""
    import sys

    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()


def _parquet_batches(src, columns, rows, buffer, threads=False):
    """Record batches of at most ``rows`` rows, in runs of whole row groups.

    A row group of ``rows`` rows or more is read alone, cut into equal batches (a
    65,536-row group read 10,000 rows at a time gives 7 batches of 9,363 rows, not six
    and a 3,536-row tail) that never straddle two groups: pyarrow would copy both pieces
    into a new buffer.  Smaller consecutive groups are read together, as many as fit in
    ``rows``, as one batch (a file of 1,000-row groups is read 10 groups at a time, not
    one: 2.6x faster).  pyarrow decodes on its thread pool only with ``threads``: the
    scan's reader thread already overlaps decoding with the caller, and the pool's
    per-thread heaps cost memory (2M x 101 in batches of 10,000 rows: 20 MB more peak
    RSS, no faster).
    """
    import pyarrow.parquet as pq

    kw = {"buffer_size": buffer, "pre_buffer": False} if buffer else {}
    pf = pq.ParquetFile(src.path, **kw)
    size, n = os.path.getsize(src.path), max(pf.metadata.num_rows, 1)
    row = 0
    for groups, held in _row_group_runs(pf.metadata, rows):
        pieces = -(-held // rows)
        for batch in pf.iter_batches(batch_size=-(-held // pieces), row_groups=groups,
                                     columns=list(columns), use_threads=threads):  # fmt: skip
            yield Batch(row, batch, int(size * (row + batch.num_rows) / n))
            row += batch.num_rows


def _row_group_runs(metadata, rows: int):
    """``(row groups, their rows)`` read together (see :func:`_parquet_batches`)."""
    run, held = [], 0
    for group in range(metadata.num_row_groups):
        m = metadata.row_group(group).num_rows
        if m == 0:
            continue
        if run and held + m > rows:
            yield run, held
            run, held = [], 0
        if m >= rows:
            yield [group], m
        else:
            run.append(group)
            held += m
    if run:
        yield run, held


def _csv_batches(src, columns, names, block_size, threads):
    import pyarrow as pa
    import pyarrow.csv as pcsv

    types = dict.fromkeys(columns, pa.float64())
    done = 0  # rows yielded so far
    while True:
        skip = done
        try:
            stream, raw = _open_counted(src)
            with stream, raw:
                opts = _csv_options(src, columns, types, block_size, threads)
                for batch in pcsv.open_csv(stream, **opts):
                    if skip >= batch.num_rows:
                        skip -= batch.num_rows
                        continue
                    batch, skip = batch.slice(skip), 0
                    yield Batch(done, batch, _position(raw))
                    done += batch.num_rows
            return
        except pa.ArrowInvalid as err:
            col = _failed_column(err, names)
            if col is None or types.get(col) == pa.string():
                raise located_error(src, err, [] if col is None else [col]) from None
            # as pyarrow's inference of the whole file (read_table): numbers, else
            # booleans, else text
            types[col] = pa.bool_() if types[col] == pa.float64() else pa.string()


def _open_counted(src: Source):
    """``(stream, raw)``: the decompressed stream, and the file under it whose position
    is how far into the file the reader has got (for progress)."""
    import pyarrow as pa

    if src.path is None or src.path.lower().endswith(".xz"):
        stream = src.open()
        return stream, stream
    raw = pa.OSFile(src.path, "r")
    try:
        codec = pa.Codec.detect(src.path).name
    except (ValueError, TypeError, pa.ArrowException):  # not compressed
        return raw, raw
    return pa.CompressedInputStream(raw, codec), raw


def _position(raw) -> int:
    try:
        return raw.tell()
    except Exception:  # noqa: BLE001 - progress only
        return 0


def no_rows(src) -> TableError:
    name = src.name if isinstance(src, Source) else os.fspath(src)
    return TableError(f"{name}: has column names but no data rows")


# ---------------------------------------------------------------- the value rule
class BadValue(Exception):
    """Raised by :func:`to_float64`: data row ``row`` of column ``name`` is not a number."""

    def __init__(self, name, row, value):
        super().__init__(name, row, value)
        self.name, self.row, self.value = name, row, value


def to_float64(column, name=None) -> np.ndarray:
    """One column (pyarrow Array/ChunkedArray or pandas Series) as float64 by the rule.

    Nulls are NaN; booleans 1/0; numbers (and numeric text) their nearest double.
    Raises :class:`BadValue` with the 0-based row of the first value that is not a
    number; the readers turn it into a message with :func:`bad_value_error`.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(column, (pa.Array, pa.ChunkedArray)):
        column = _from_pandas(column)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    t = column.type
    if pa.types.is_dictionary(t):
        column, t = column.dictionary_decode(), t.value_type
    if pa.types.is_null(t):
        return np.full(len(column), np.nan)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        # unsafe: int64 beyond 2^53 rounds to the nearest double, as in pandas
        out = pc.cast(column, pa.float64(), safe=False)
    elif pa.types.is_boolean(t):
        out = pc.cast(column, pa.float64())
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        out = _text_to_float64(column, name)
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        out = _text_to_float64(_binary_as_text(column, name), name)
    else:
        r = _first_valid(column)
        raise BadValue(name, r, _plain(column[r].as_py()))
    return out.to_numpy(zero_copy_only=False)


def _from_pandas(series):
    import pandas as pd
    import pyarrow as pa

    if isinstance(series.dtype, pd.CategoricalDtype) or series.dtype == object:
        series = series.astype(object).where(series.notna(), None)
        try:
            return pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: their text
            return pa.array([None if v is None else str(v) for v in series], pa.string())
    return pa.Array.from_pandas(series)


def _text_to_float64(column, name):
    """Text by the rule: trimmed numbers, the boolean spellings, missing markers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(column)
    text = pc.if_else(pc.is_in(text, pa.array(NULL_VALUES)), pa.scalar(None, pa.string()), text)
    text = pc.if_else(pc.is_in(text, pa.array(TRUE_VALUES)), "1", text)
    text = pc.if_else(pc.is_in(text, pa.array(FALSE_VALUES)), "0", text)
    try:
        return pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        r = _first_not_utf8(column)
        r = _first_failing(text) if r is None else r
        raise BadValue(name, r, _plain(_value(column, r))) from None


def _binary_as_text(column, name):
    """Bytes as UTF-8 text; a value that is not UTF-8 (pyarrow reads a Latin-1 CSV column
    as bytes) or not a number, whichever comes first, is the bad value."""
    import pyarrow as pa

    try:
        return column.cast(pa.string())
    except pa.ArrowInvalid:
        pass
    for r, v in enumerate(column.to_pylist()):
        if v is None:
            continue
        try:
            if not _is_number(v.decode("utf-8")):
                raise BadValue(name, r, v.decode("utf-8"))
        except UnicodeDecodeError:
            raise BadValue(name, r, v.decode("utf-8", "backslashreplace")) from None
    raise AssertionError("a column that does not cast to text has a value that is not UTF-8")


def _first_not_utf8(column) -> int | None:
    """Index of the first entry that is not valid UTF-8 (a Latin-1 file), or None."""
    import pyarrow as pa

    try:
        column.validate(full=True)
        return None
    except pa.ArrowInvalid:
        for r in range(len(column)):
            try:
                column[r].as_py()
            except UnicodeDecodeError:
                return r
    return None


def _value(column, r):
    import pyarrow as pa

    try:
        return column[r].as_py()
    except UnicodeDecodeError:
        return column.cast(pa.binary())[r].as_py()


def _first_failing(text) -> int:
    """Index of the first entry that does not cast to float64 (bisection: O(n) work)."""
    import pyarrow as pa

    lo, hi = 0, len(text)  # the failure is in text[lo:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            text.slice(lo, mid - lo).cast(pa.float64())
            lo = mid
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            hi = mid
    return lo


def _first_valid(column) -> int:
    import numpy as np
    import pyarrow.compute as pc

    valid = np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False))
    return int(np.argmax(valid))


def _plain(value) -> str:
    """A value as text: ``2020-01-01``, not ``datetime.date(2020, 1, 1)``."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value if isinstance(value, str) else str(value)


# ---------------------------------------------------------------- messages
def bad_value_error(src, bad: BadValue, first_row: int = 0, options=()) -> TableError:
    """The message for a value that is not a number, naming column, value and line/row.

    For CSV the value is the field as written in the file (found by re-reading it).
    """
    src = as_source(src)
    row = first_row + bad.row
    value = bad.value
    if src.kind == "csv":
        line, fields = _record_at(src, row)
        where = f"line {line}"
        names = column_names(src)
        if fields is not None and bad.name in names and names.index(bad.name) < len(fields):
            value = fields[names.index(bad.name)]
            undecodable = _undecodable([value])
            if undecodable is not None:
                return _not_utf8(src, line, undecodable)
    else:
        where = f"row {row + 1}"
    tips = []
    if "--features" in (options or ()):
        tips.append("leave it out with --features")
    if "--formula" in (options or ()):
        tips.append("encode it with --formula (C(...) for categories)")
    tip = f"; {', or '.join(tips)}" if tips else ""
    return TableError(
        f"{src.name}: column {bad.name!r} is not numeric: {_plain(value)!r} at {where}{tip}"
    )


def finite_error(src, data, names, first_row=0, options=(), n_bad_rows=None) -> TableError:
    """The message for the first non-finite value of ``data`` (rows x names), in file
    order.  (Check :func:`all_missing` over the whole column first: a column with no
    values is named as such.)"""
    import numpy as np

    src = as_source(src)
    bad = ~np.isfinite(data)
    r, j = np.argwhere(bad)[0]
    what = "missing value" if np.isnan(data[r, j]) else "infinite value"
    tail = ""
    if "--drop-missing" in (options or ()):
        n = int(bad.any(axis=1).sum()) if n_bad_rows is None else n_bad_rows
        tail = (
            f" ({n} row{'s' if n != 1 else ''} with missing or non-finite values); "
            "pass --drop-missing to drop them"
        )
    return TableError(
        f"{src.name}: {what} in column {names[j]!r} at {src.where(first_row + int(r))}{tail}"
    )


def all_missing(data, names) -> str | None:
    """The first of ``names`` whose column of ``data`` is all NaN (no values), or None."""
    import numpy as np

    if len(data) == 0:
        return None
    empty = np.isnan(data).all(axis=0)
    return names[int(np.argmax(empty))] if empty.any() else None


def empty_column_error(src, name, options=()) -> TableError:
    src = as_source(src)
    tip = "; leave it out with --features" if "--features" in (options or ()) else ""
    return TableError(f"{src.name}: column {name!r} has no values (every row is missing){tip}")


def located_error(src: Source, err, columns) -> TableError:
    """A CSV read error re-described by re-reading the file: the physical line and, for a
    value that is not a number, the column and the value.  A malformed record anywhere
    comes first (the in-memory reader meets it before converting any value)."""
    malformed = malformed_record(src)
    if malformed is not None:
        return malformed
    names = column_names(src)
    wanted = [names.index(c) for c in columns if c in names]
    for _, line, fields in _records(src):
        for j in wanted:
            bad = _undecodable([fields[j]])
            if bad is not None:
                return _not_utf8(src, line, bad)
            if not _is_number(fields[j]):
                return TableError(
                    f"{src.name}: column {names[j]!r} is not numeric: {fields[j]!r} at line {line}"
                )
    return TableError(f"{src.name}: cannot be read as CSV: {_first_line(err)}")


#: The common spelling of a number (a fast path of :func:`_is_number`).
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def malformed_record(src) -> TableError | None:
    """The error for the first CSV record whose field count is not the header's, or None.

    The in-memory reader meets such a record before converting any value; the streamed
    reader checks for one (on its error path) before reporting a value, so both report
    the same first problem.
    """
    src = as_source(src)
    if src.kind != "csv":
        return None
    n = len(column_names(src))
    for _, line, fields in _records(src):
        if len(fields) != n:
            return _field_count_error(src, line, len(fields), n)
    return None


def _field_count_error(src, line, got, want) -> TableError:
    return TableError(
        f"{src.name}: line {line} has {got} field{'s' if got != 1 else ''} but the header has "
        f"{want} (is the separator {src.sep!r} right? --sep sets it)"
    )


def _is_number(text: str) -> bool:
    """The rule of :func:`to_float64` for one field, in pyarrow's own cast."""
    import pyarrow as pa

    t = text.strip()
    if t in NULL_VALUES or t in TRUE_VALUES or t in FALSE_VALUES or _PLAIN_NUMBER.match(t):
        return True
    try:
        pa.array([t]).cast(pa.float64())
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False


def _not_utf8(src, line, byte) -> TableError:
    return TableError(
        f"{src.name}: line {line} is not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
    )


def _undecodable(fields) -> int | None:
    """The first byte that was not UTF-8 (decoded as a surrogate escape), or None."""
    for f in fields:
        for ch in f:
            if "\udc80" <= ch <= "\udcff":
                return ord(ch) - 0xDC00
    return None


def _first_line(err) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# ---------------------------------------------------------------- physical lines
def _records(src: Source, header: bool = False):
    """Yield ``(data_row, first_physical_line, fields)`` of the CSV, as pyarrow counts
    rows: empty lines are skipped (but counted as lines); with ``header`` the header
    record comes first (row -1)."""
    import csv

    with src.open() as stream:
        text = io.TextIOWrapper(
            _Readable(stream), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        reader = csv.reader(text, delimiter=src.sep, quotechar='"', doublequote=True, strict=False)
        row, last = -1, 0
        for fields in reader:
            line, last = last + 1, reader.line_num
            if not fields:
                continue
            if row >= 0 or header:
                yield row, line, fields
            row += 1


class _Readable(io.RawIOBase):
    """A pyarrow input stream as a Python raw file (for TextIOWrapper)."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def csv_line_numbers(src, rows) -> dict:
    """Physical line (1-based, the header is line 1 when it is the first) of each data row."""
    src = as_source(src)
    wanted, out = set(rows), {}
    for row, line, _ in _records(src):
        if row in wanted:
            out[row] = line
            if len(out) == len(wanted):
                break
    for r in wanted - set(out):
        out[r] = r + 2  # not found (should not happen): the plain count
    return out


def _record_at(src, row):
    for r, line, fields in _records(src):
        if r == row:
            return line, fields
    return row + 2, None
