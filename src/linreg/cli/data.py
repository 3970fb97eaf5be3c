"""Reading a CSV or Parquet file into numeric columns, with errors a user can act on.

Every failure names the file and, where it applies, the column and the line (CSV,
counting the header as line 1) or row (Parquet) of the first bad value.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError, UsageError

#: File suffixes read as CSV (compressed ones are decompressed by pyarrow) or Parquet.
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")


def file_format(path: Path) -> str:
    """``"csv"`` or ``"parquet"`` from the file name, or a usage error."""
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise UsageError(
        f"{path}: unknown file type; DATA must end in {', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}"
    )


def read_table(path):
    """The whole file as a ``pyarrow.Table``."""
    import pyarrow as pa

    path = Path(path)
    kind = file_format(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    try:
        if kind == "csv":
            from pyarrow import csv

            parse = csv.ParseOptions(delimiter="\t" if path.name.lower().endswith(".tsv") else ",")
            table = csv.read_csv(path, parse_options=parse)
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        what = "CSV" if kind == "csv" else "Parquet"
        raise DataError(f"{path}: cannot be read as {what}: {_first_line(err)}") from err
    if table.num_rows == 0:
        raise DataError(f"{path}: has column names but no data rows")
    return table


def _first_line(err) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


@dataclass
class Columns:
    """The numeric data a command works on, all rows complete."""

    X: np.ndarray
    y: np.ndarray | None
    weights: np.ndarray | None
    feature_names: list[str]
    target_name: str | None
    n_dropped: int = 0


def select(
    table, path, *, target=None, features=None, weights=None, drop_missing=False, first_row=0
):
    """Pick the target, features and weights of ``table`` as float64 arrays.

    ``features=None`` takes every column but the target and the weights.  Missing or
    non-finite values are an error naming the first one, unless ``drop_missing``, which
    drops those rows and reports how many on stderr.  ``first_row`` is the table's
    first row in the file (for the line numbers of a batch).
    """
    available = list(table.column_names)
    for name in [target, weights, *(features or [])]:
        if name is not None and name not in available:
            raise DataError(
                f"{path}: no column named {name!r}; the columns are: {', '.join(available)}"
            )
    if features is None:
        features = [c for c in available if c not in (target, weights)]
    if not features:
        raise UsageError(f"{path}: no feature columns left besides the target")
    if target is not None and target in features:
        raise UsageError(f"column {target!r} is both the target and a feature")
    names = list(features) + [c for c in (target, weights) if c is not None]
    data = np.column_stack([_numeric(table, c, path, first_row) for c in names])
    bad = ~np.isfinite(data)
    n_dropped = 0
    if bad.any():
        rows = bad.any(axis=1)
        if not drop_missing:
            r, j = np.argwhere(bad)[0]
            where = _where(path, first_row + r)
            what = "missing value" if np.isnan(data[r, j]) else "infinite value"
            raise DataError(
                f"{path}: {what} in column {names[j]!r} at {where} "
                f"({int(rows.sum())} row{'s' if rows.sum() != 1 else ''} with missing or "
                "non-finite values); pass --drop-missing to drop them"
            )
        n_dropped = int(rows.sum())
        data = data[~rows]
        print(
            f"Dropped {n_dropped} of {len(rows)} rows with missing or non-finite values.",
            file=sys.stderr,
        )
        if len(data) == 0:
            raise DataError(f"{path}: no complete rows are left after dropping missing values")
    k = len(features)
    y = data[:, k] if target is not None else None
    w = data[:, -1] if weights is not None else None
    if w is not None and (w < 0).any():
        r = int(np.flatnonzero(w < 0)[0])
        raise DataError(f"{path}: negative weight in column {weights!r} at {_where(path, r)}")
    return Columns(np.ascontiguousarray(data[:, :k]), y, w, list(features), target, n_dropped)


def _where(path, r: int) -> str:
    """Where data row ``r`` (0-based) is: its CSV line (the header is line 1), or row."""
    return f"line {r + 2}" if file_format(Path(path)) == "csv" else f"row {r + 1}"


def _numeric(table, name, path, first_row=0) -> np.ndarray:
    """One column as float64, nulls as NaN; text columns are an error."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(name)
    kind = column.type
    if pa.types.is_null(kind):
        return np.full(len(column), np.nan)
    if not (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_decimal(kind)
    ):
        r, value = _first_non_number(column.to_pylist())
        where = _where(path, first_row + r)
        raise DataError(
            f"{path}: column {name!r} is not numeric ({value!r} at {where}); leave it out "
            "with --features, or encode it with --formula (C(...) for categories)"
        )
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)


def _first_non_number(values) -> tuple[int, object]:
    """Row index and value of the first entry that does not read as a number."""
    for r, v in enumerate(values):
        if v is None:
            continue
        try:
            float(v)
        except (TypeError, ValueError):
            return r, v
    return 0, values[0] if values else None


def column_names(path) -> list[str]:
    """The file's column names, read from its header or schema only."""
    import pyarrow as pa

    path = Path(path)
    kind = file_format(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    try:
        if kind == "csv":
            from pyarrow import csv

            with csv.open_csv(path, parse_options=_csv_parse(path)) as reader:
                return list(reader.schema.names)
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    except (pa.ArrowInvalid, OSError) as err:
        what = "CSV" if kind == "csv" else "Parquet"
        raise DataError(f"{path}: cannot be read as {what}: {_first_line(err)}") from err


def batches(path, columns, rows: int = 65536):
    """Yield ``(first_row, pyarrow.Table)`` of the given columns, a batch at a time
    (bounded memory whatever the file size)."""
    import pyarrow as pa

    path = Path(path)
    kind = file_format(path)
    row = 0
    try:
        if kind == "csv":
            from pyarrow import csv

            options = csv.ConvertOptions(include_columns=list(columns))
            with csv.open_csv(
                path, parse_options=_csv_parse(path), convert_options=options
            ) as reader:
                for batch in reader:
                    yield row, pa.Table.from_batches([batch])
                    row += batch.num_rows
        else:
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=columns):
                yield row, pa.Table.from_batches([batch])
                row += batch.num_rows
    except pa.ArrowInvalid as err:
        raise DataError(f"{path}: {_first_line(err)} (after data row {row})") from err


def _csv_parse(path):
    from pyarrow import csv

    return csv.ParseOptions(delimiter="\t" if Path(path).name.lower().endswith(".tsv") else ",")
