"""``linreg.scan``: a lazy, chunked source over CSV and Parquet files.

Files are read with pyarrow in record batches (``ParquetFile.iter_batches`` with a small
read buffer, ``pyarrow.csv.open_csv``'s streaming reader), so memory stays bounded by a
few batches whatever the file size (Parquet row group by row group, in equal batches
that never straddle two groups; pyarrow's freed pages are handed back after each pass).
A reader thread decodes and converts the next batch (pyarrow and NumPy release the GIL)
while the calling thread multiplies the current one, so the fit costs about what reading
the file to NumPy costs.
"""

from __future__ import annotations

import copy
import glob as _glob
import os
import queue
import threading
from contextlib import closing
from pathlib import Path

import numpy as np

from ..io import tables
from ..moments import Moments
from . import accumulate
from .base import ChunkSource

PARQUET_SUFFIXES = tables.PARQUET_SUFFIXES
CSV_SUFFIXES = tuple(s + z for s in tables.CSV_SUFFIXES for z in ("", *tables.COMPRESSIONS))

#: Default batch: this many bytes of float64 per batch (about 10,000 rows of 100 columns).
BATCH_BYTES = 8 * 2**20

#: Batches decoded ahead of the one being multiplied.
PREFETCH = 1

#: CSV text per parsed block.  pyarrow's threaded CSV reader parses blocks ahead of
#: the consumer, so peak memory grows with the block size.
CSV_BLOCK_BYTES = 4 * 2**20

#: Parse CSV blocks on pyarrow's thread pool: off, because that reader then parses ahead of
#: the consumer without bound (828 MiB peak on a loaded machine); the reader thread
#: of :meth:`Scan._prefetched` overlaps parsing with the products instead.
CSV_THREADS = False

#: Parquet read buffer per column: pages are streamed instead of whole row groups
#: being loaded (a 1,000,000-row group of 100 float64 columns is 800 MB).
PARQUET_BUFFER = 64 * 2**10


def scan(path, target, features=None, weights=None, batch_size=None, *, progress=None, sep=None):
    """A lazy source over a CSV or Parquet file, a folder of them, or a glob.

    Nothing is read but the schemas until the source is iterated or fitted:
    ``LinearRegression().fit(linreg.scan("data/*.parquet", target="y"))`` makes one
    pass over the files with bounded memory and gives the same coefficients as an
    in-memory fit of the same rows.

    Parameters
    ----------
    path : str or os.PathLike or list of them
        A file (``.parquet``/``.pq``/``.parq``, or ``.csv``/``.tsv``, optionally
        compressed: ``.csv.gz``, ``.bz2``, ``.zst``, ``.lz4``, ``.xz``), a folder (every
        such file under it, recursively, sorted by path; names starting with ``.`` or
        ``_`` are skipped), or a glob pattern
        (``"data/part-*.csv"``, ``**`` recursive).
    target : str or list of str or None
        Column(s) of y.  A list gives a 2-D y (several targets).  None: a source of
        features only, for ``model.predict(scan)`` (fitting on it is a ValueError).
    features : list of str, optional
        Columns of X, in this order; default: every other column except ``weights``.
    weights : str, optional
        Column of non-negative sample weights.
    batch_size : int, optional
        Rows per batch; default about 16 MB of float64 per batch.
    progress : callable, optional
        Called as ``progress(bytes_read, total_bytes)`` after each batch.
    sep : str, optional
        CSV field separator; default a tab for ``.tsv`` files, else a comma.

    Returns
    -------
    Scan

    Notes
    -----
    Values are read by the rules of :mod:`linreg.io.tables` (the command line's in-memory
    reader's): the same files are accepted and read to the same float64 values, and a bad
    value is reported with the same message (file, column, physical CSV line).
    """
    return Scan(path, target, features, weights, batch_size, progress=progress, sep=sep)


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def _format_of(path: str) -> str | None:
    return tables.file_format(path)


def _resolve(path) -> list[str]:
    """The data files ``path`` names, sorted; clear errors when there are none."""
    if isinstance(path, (list, tuple)):
        files = []
        for p in path:
            files += _resolve(p)
        if not files:
            raise FileNotFoundError("linreg.scan: an empty list of paths was given")
        return files
    text = os.fspath(path)
    if text == "-":
        raise ValueError(
            "linreg.scan reads files, folders and globs; standard input ('-') can be read "
            "once only: read it into memory (leave out --stream) or save it to a file"
        )
    if _is_glob(text):
        matches = sorted(_glob.glob(text, recursive=True))
        files = [m for m in matches if os.path.isfile(m) and _format_of(m)]
        if not files:
            extra = f" ({len(matches)} other files matched)" if matches else ""
            raise FileNotFoundError(f"linreg.scan: no CSV or Parquet files match {text!r}{extra}")
        return files
    p = Path(text)
    if p.is_dir():
        files = sorted(
            str(f)
            for f in p.rglob("*")
            if f.is_file()
            and _format_of(f.name)
            and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts)
        )
        if not files:
            raise FileNotFoundError(
                f"linreg.scan: folder {text!r} holds no CSV or Parquet files "
                f"(suffixes {', '.join(PARQUET_SUFFIXES + CSV_SUFFIXES)})"
            )
        return files
    if not p.exists():
        raise FileNotFoundError(f"linreg.scan: no such file or folder: {text!r}")
    if _format_of(text) is None:
        raise ValueError(
            f"linreg.scan: cannot tell the format of {text!r}; expected a suffix among "
            f"{', '.join(PARQUET_SUFFIXES + CSV_SUFFIXES)}"
        )
    return [text]


class Scan(ChunkSource):
    """A lazy, chunked source over CSV/Parquet files (create it with :func:`linreg.scan`).

    Iterating yields ``(X, y, w)`` float64 NumPy batches (``w`` None when unweighted).

    Attributes
    ----------
    files : list of str
    format : {"parquet", "csv", "mixed"}
    feature_names, target_names : list of str
    weights_name : str or None
    batch_size : int
        Rows per batch.
    total_bytes : int
        Sum of the file sizes (what a progress bar counts towards).
    """

    def __init__(
        self, path, target, features=None, weights=None, batch_size=None, *, progress=None,
        sep=None,
    ):  # fmt: skip
        self.path = path
        self.files = _resolve(path)
        self.sources = [tables.source(f, sep) for f in self.files]
        self.formats = [src.kind for src in self.sources]
        kinds = set(self.formats)
        self.format = kinds.pop() if len(kinds) == 1 else "mixed"
        self.y_was_1d = isinstance(target, str)
        self.target_names = (
            [] if target is None else [target] if self.y_was_1d else list(target)
        )
        if target is not None and not self.target_names:
            raise ValueError("linreg.scan: target names no column")
        self.weights_name = weights
        self.progress = progress
        self.total_bytes = sum(os.path.getsize(f) for f in self.files)
        self._columns = self._read_columns()
        first = self._columns[0]
        names = list(first)
        special = set(self.target_names) | ({weights} if weights is not None else set())
        self.features_given = features is not None
        if features is None:
            self.feature_names = [c for c in names if c not in special]
        else:
            if isinstance(features, str):
                raise ValueError(
                    f"linreg.scan: features must be a list of column names, got the "
                    f"string {features!r} (write features=[{features!r}])"
                )
            self.feature_names = list(features)
            both = special.intersection(self.feature_names)
            if both:
                raise ValueError(
                    f"linreg.scan: column(s) {sorted(both)} are both features and the "
                    "target or weights"
                )
        if not self.feature_names:
            raise ValueError(f"linreg.scan: no feature columns left in {self.files[0]!r}")
        self._used = (
            self.feature_names + self.target_names + ([weights] if weights is not None else [])
        )
        self._check_columns(features is None)
        self.n_features = len(self.feature_names)
        self.n_targets = len(self.target_names)
        self.weighted = weights is not None
        width = self.n_features + self.n_targets + 1
        if batch_size is None:
            batch_size = max(1024, BATCH_BYTES // (8 * width))
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)

    # ------------------------------------------------------------- schemas
    def _read_columns(self) -> list[list[str]]:
        """Per file, its column names (checked by :func:`linreg.io.tables.column_names`)."""
        return [tables.column_names(src) for src in self.sources]

    def _check_columns(self, all_columns: bool) -> None:
        first_names = list(self._columns[0])
        for f, src, cols in zip(self.files, self.sources, self._columns):
            missing = [c for c in self._used if c not in cols]
            if missing and f == self.files[0]:
                raise tables.unknown_column(src, missing[0], cols)
            if missing:
                them = "them" if len(missing) > 1 else "it"
                raise ValueError(
                    f"linreg.scan: unknown column(s) {', '.join(map(repr, missing))} in "
                    f"{f!r} (schema mismatch: {self.files[0]!r} has {them}); available "
                    f"columns: {', '.join(map(repr, cols))}"
                )
            if all_columns and list(cols) != first_names:
                extra = [c for c in cols if c not in first_names]
                lacking = [c for c in first_names if c not in cols]
                raise ValueError(
                    f"linreg.scan: schema mismatch: {f!r} has columns different from "
                    f"{self.files[0]!r} (extra: {extra}, missing: {lacking}); pass "
                    "features=[...] to choose the columns to use"
                )

    # ------------------------------------------------------------- reading
    def _record_batches(self, stop: threading.Event | None = None, extra=()):
        """Yield ``(record_batch, file_index, first_row_in_file, bytes_read)``; the
        batches hold the used columns and the ``extra`` ones."""
        done_bytes, total_rows = 0, 0
        for i, f in enumerate(self.files):
            size = os.path.getsize(f)
            for batch, row, nbytes in self._file_batches(i, extra):
                if stop is not None and stop.is_set():
                    return
                yield batch, i, row, done_bytes + min(nbytes, size)
                total_rows += batch.num_rows
            done_bytes += size
        if total_rows == 0:
            if len(self.files) == 1:
                raise tables.no_rows(self.sources[0])
            raise ValueError(f"linreg.scan: {self._describe()} hold column names but no data rows")

    def _file_batches(self, i: int, extra=()):
        """Yield ``(record_batch, first_row, bytes_read)`` of file ``i``, batch_size rows at
        most (CSV blocks are cut by bytes: they are re-cut); columns: the used ones and
        the ``extra`` ones."""
        batches = tables.iter_batches(
            self.sources[i],
            self._used + [c for c in extra if c not in self._used],
            rows=self.batch_size,
            block_size=CSV_BLOCK_BYTES,
            threads=CSV_THREADS,
            parquet_buffer=PARQUET_BUFFER,
        )
        for block in batches:
            for start in range(0, block.data.num_rows, self.batch_size):
                batch = block.data.slice(start, self.batch_size)
                yield batch, block.first_row + start, block.nbytes

    def _columns_of(self, batch, i: int, row: int):
        """The used columns of a record batch as float64 NumPy arrays (NaN: missing)."""
        out, bad = [], []
        for name in self._used:
            try:
                out.append(tables.to_float64(batch.column(name), name))
            except tables.BadValue as err:
                bad.append(err)
        if bad:  # the first problem in file order, as the in-memory reader reports it
            src = self.sources[i]
            raise tables.malformed_record(src) or tables.bad_value_error(
                src, min(bad, key=lambda b: b.row), row
            )
        return out

    def _nonfinite_error(self, i: int, row: int) -> ValueError:
        """The error for a batch of file ``i`` (first row ``row``) holding a non-finite
        value: re-read the file (the error path only) to report what the in-memory
        reader reports: the first text value, else a column with no values, else the
        first missing or infinite value."""
        names, src = self._used, self.sources[i]
        has_value = np.zeros(len(names), dtype=bool)
        first = None
        for batch, r, _ in self._file_batches(i):
            data = np.column_stack(self._columns_of(batch, i, r))
            has_value |= ~np.isnan(data).all(axis=0)
            if first is None and not np.isfinite(data).all():
                first = (data, r)
        if not has_value.all():
            return tables.empty_column_error(src, names[int(np.argmin(has_value))])
        if first is None:
            return ValueError(
                f"linreg.scan: {src.name}: values too large to square in float64 in the rows "
                f"from {src.where(row)}; rescale them"
            )
        return tables.finite_error(src, first[0], names, first[1])

    def _check_finite(self, columns, i: int, row: int) -> None:
        for c in columns:
            if not np.isfinite(c).all():
                raise self._nonfinite_error(i, row)

    def _prefetched(self, make, extra=()):
        """Run ``make(batch, i, row, nbytes)`` on a reader thread, PREFETCH ahead (the
        batches hold the ``extra`` columns too)."""
        q: queue.Queue = queue.Queue(PREFETCH)
        stop = threading.Event()
        done = object()

        def produce():
            try:
                for item in self._record_batches(stop, extra):
                    out = make(*item)
                    while not stop.is_set():
                        try:
                            q.put(out, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                q.put(done)
            except BaseException as err:  # handed to the consumer
                q.put(err)

        thread = threading.Thread(target=produce, name="linreg-scan-reader", daemon=True)
        thread.start()
        try:
            while True:
                item = q.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while thread.is_alive():
                try:
                    q.get(timeout=0.05)
                except queue.Empty:
                    pass
            thread.join()
            # pyarrow's allocator keeps the pass's freed pages (2M x 101 from Parquet:
            # 55 MB) and the next pass would be added on top: hand them back
            tables.release_unused_memory()

    def _report(self, nbytes: int) -> None:
        if self.progress is not None:
            self.progress(nbytes, self.total_bytes)

    # ------------------------------------------------------------- batches
    def _buffers(self, weighted: bool):
        """A ring of reusable buffers: one being filled, PREFETCH queued, one in use."""
        ring = [
            accumulate.new_buffer(self.batch_size, len(self._used) - self.weighted, weighted)
            for _ in range(PREFETCH + 2)
        ]
        counter = iter(range(1 << 62))
        return lambda: ring[next(counter) % len(ring)]

    def _split(self, columns):
        if self.weighted:
            return columns[:-1], columns[-1]
        return columns, None

    def _require_target(self) -> None:
        """ValueError for a scan without a target (``target=None``) asked to fit."""
        if not self.target_names:
            raise ValueError(
                f"linreg.scan: {self._describe()} was opened with target=None, for "
                "predict only; name the target column (linreg.scan(path, target='y')) to fit"
            )

    def __iter__(self):
        """Yield ``(X, y, w)``: float64 arrays of one batch (fresh arrays each time)."""
        self._require_target()
        p = self.n_features

        def make(batch, i, row, nbytes):
            columns = self._columns_of(batch, i, row)
            self._check_finite(columns, i, row)
            columns, w = self._split(columns)
            Z = accumulate.fill(
                accumulate.new_buffer(batch.num_rows, len(columns), True),
                columns,
                np.zeros(len(columns)),
            )
            X, Y = Z[:, 1 : 1 + p], Z[:, 1 + p :]
            w = None if w is None else np.asarray(w, dtype=np.float64)
            return X, (Y[:, 0] if self.y_was_1d else Y), w, nbytes

        with closing(self._prefetched(make)) as batches:
            for X, y, w, nbytes in batches:
                yield X, y, w
                self._report(nbytes)

    def column_batches(self):
        """Yield ``(columns, w)`` of each batch in file order: the features' and then the
        targets' values as 1-D float64 arrays (views of pyarrow's buffers where it
        allows), ``w`` the weights or None.  What the streamed trainers copy into their
        own buffers: no batch-sized block is made here (see :meth:`__iter__`)."""
        self._require_target()

        def make(batch, i, row, nbytes):
            columns = self._columns_of(batch, i, row)
            self._check_finite(columns, i, row)
            columns, w = self._split(columns)
            return columns, w, nbytes

        with closing(self._prefetched(make)) as batches:
            for columns, w, nbytes in batches:
                yield columns, w
                self._report(nbytes)

    def moments(self) -> Moments:
        """The Moments of all rows: one pass over the files."""
        from threadpoolctl import threadpool_limits

        self._require_target()
        p, k = self.n_features, self.n_targets
        next_buffer = self._buffers(self.weighted)
        # The reader shifts each batch by the running mean as the consumer last saw it
        # (any shift is exact; a good one keeps the correction small).
        state = {"shift": None}

        def make(batch, i, row, nbytes):
            columns, w = self._split(self._columns_of(batch, i, row))
            shift = state["shift"]
            if shift is None:
                shift = np.array(
                    [c[: min(len(c), 64)].mean() if len(c) else 0.0 for c in columns],
                    dtype=np.float64,
                )
                state["shift"] = shift
            if w is not None:
                w = np.asarray(w, dtype=np.float64)
                if (w < 0).any():
                    src = self.sources[i]
                    where = src.where(row + int(np.argmax(w < 0)))
                    raise ValueError(
                        f"{src.name}: negative weight in column {self.weights_name!r} at {where}"
                    )
            Z = accumulate.fill(next_buffer(), columns, shift, w)
            return Z, shift, i, row, nbytes  # not the columns: their memory is released

        total = Moments.empty(p, k)
        # One BLAS thread: the reader thread keeps the other core busy.
        with threadpool_limits(1, user_api="blas"), closing(self._prefetched(make)) as batches:
            for Z, shift, i, row, nbytes in batches:
                with np.errstate(invalid="ignore", over="ignore"):  # checked just below
                    part = accumulate.moments_of(Z, shift, p)
                if not np.isfinite(part.cross).all():
                    raise self._nonfinite_error(i, row)
                total = total.merge(part)
                if total.weight_sum > 0:
                    state["shift"] = total.mean
                self._report(nbytes)
        if total.n_samples == 0:
            raise ValueError(f"linreg.scan: {self._describe()} holds no rows")
        if self.weighted and not total.weight_sum > 0:
            raise ValueError(
                f"linreg.scan: the weights column {self.weights_name!r} sums to zero: "
                "there is nothing to fit"
            )
        return total

    def reduce(self, func, extra=None):
        """``sum(func(X, Y, w))`` over the batches, in file order (a second pass over the
        files; ``+`` combines adjacent batches, earlier on the left).

        ``extra``: names of further columns (any type: numbers, text, booleans) read in
        the same pass; then ``func(X, Y, w, E)`` with ``E`` the batch's values of each as
        1-D NumPy arrays.  A missing value in them is a ValueError naming the file, the
        column and the row.
        """
        self._require_target()
        p = self.n_features
        next_buffer = self._buffers(True)
        zeros = np.zeros(len(self._used))
        names = list(extra) if extra is not None else []

        def make(batch, i, row, nbytes):
            columns, w = self._split(self._columns_of(batch, i, row))
            Z = accumulate.fill(next_buffer(), columns, zeros)
            E = tuple(self._raw_column(batch, name, i, row) for name in names)
            return Z, None if w is None else np.asarray(w, dtype=np.float64), E, nbytes

        total = None
        # a column asked for twice (an absorbed factor that is also the clusters) is read once
        with closing(self._prefetched(make, list(dict.fromkeys(names)))) as batches:
            for Z, w, E, nbytes in batches:
                args = (Z[:, 1 : 1 + p], Z[:, 1 + p :], w) + ((E,) if extra is not None else ())
                part = func(*args)
                total = part if total is None else total + part
                self._report(nbytes)
        return total

    # ------------------------------------------------------------- predict
    def for_prediction(self, features) -> Scan:
        """A copy of this scan reading the columns ``features`` only, in that order (no
        target, no weights): what ``model.predict(scan)`` reads.  Every file must hold
        them (ValueError naming the file and the columns otherwise)."""
        new = copy.copy(self)
        new.feature_names = list(features)
        new.target_names, new.y_was_1d, new.n_targets = [], False, 0
        new.weights_name, new.weighted = None, False
        new.n_features = len(new.feature_names)
        new._used = list(new.feature_names)
        new._check_columns(False)
        return new

    def feature_batches(self):
        """Yield X of each batch in file order: float64 arrays of shape (rows,
        n_features), the feature columns only (a missing or infinite value is the scan's
        ValueError naming the file, the column and the row)."""
        reader = self.for_prediction(self.feature_names)

        def make(batch, i, row, nbytes):
            columns = reader._columns_of(batch, i, row)
            reader._check_finite(columns, i, row)
            return np.column_stack(columns), nbytes

        with closing(reader._prefetched(make)) as batches:
            for X, nbytes in batches:
                yield X
                reader._report(nbytes)

    def _raw_column(self, batch, name: str, i: int, row: int) -> np.ndarray:
        """Column ``name`` of a record batch as a NumPy array of its own type; a
        missing value (null or NaN) is a ValueError naming where it is."""
        column = batch.column(name)
        values = column.to_numpy(zero_copy_only=False)
        missing = np.asarray(column.is_null(nan_is_null=True).to_numpy(zero_copy_only=False))
        if missing.any():
            src = self.sources[i]
            where = src.where(row + int(np.argmax(missing)))
            raise ValueError(f"{src.name}: missing value in column {name!r} at {where}")
        return values

    def _describe(self) -> str:
        if len(self.files) == 1:
            return repr(self.files[0])
        return f"{len(self.files)} files ({os.fspath(self.path)!r})"

    def __repr__(self) -> str:
        target = self.target_names[0] if self.y_was_1d else self.target_names
        return (
            f"<linreg.Scan {self._describe()}: {self.n_features} features, "
            f"{'target ' + repr(target) if target else 'no target (predict only)'}"
            f"{', weights ' + repr(self.weights_name) if self.weighted else ''}, "
            f"batches of {self.batch_size} rows>"
        )

    @property
    def n_files(self) -> int:
        return len(self.files)
