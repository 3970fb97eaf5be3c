"""Predictions for a :func:`linreg.scan` source or a Dask collection, batch by batch.

``model.predict(scan)`` reads the model's feature columns (by name, in the model's
order) a batch at a time and predicts each batch with the model's own in-memory
``predict``, so every estimator gives exactly what it gives on the same rows in memory.
``model.predict(scan, out="pred.parquet")`` (or ``.csv``) writes the predictions as they
are computed, holding a batch at a time, to a temporary file in the same folder that
replaces ``out`` only on success: an error leaves no partial file.

A Dask array or DataFrame gives a lazy Dask array (one block of predictions per
partition, rows in order); with ``out=`` the partitions are computed a few at a time, in
order, and written as they arrive.

The batch loop (:func:`predicted_batches`), the writers (:class:`CsvWriter`,
:class:`ParquetWriter`) and the temporary output (:class:`Replacement`) are shared
with the command line's ``linreg predict``.
"""

from __future__ import annotations

import copy
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: Output suffixes written as Parquet; CSV otherwise (``.csv``).
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv",)

#: Rows per Parquet row group (predictions are buffered up to this many rows).
ROW_GROUP_ROWS = 65536

#: Dask partitions computed at a time when writing to ``out``.
DASK_WINDOW = 8


def predict_source(model, X, out=None):
    """``model.predict(X)`` for a scan or Dask collection, or any X written to ``out``.

    Parameters
    ----------
    model : fitted linreg estimator
    X : linreg.scan, Dask array or DataFrame, or in-memory X
        A scan is read a batch at a time; a Dask collection is predicted lazily per
        partition.  The model's ``feature_names_in_`` are read by name (a scan's file
        may hold them in any order); without names, the number of features must match.
    out : str or path, optional
        A ``.parquet`` (also ``.pq``, ``.parq``) or ``.csv`` file: the predictions are
        written there as they are computed, in a column ``prediction`` (one target) or
        ``prediction_<target>`` per target (a scan's target names when it names as many
        targets as the model has, else 0, 1, ...).

    Returns
    -------
    ndarray, Dask array, or ``out``
        Without ``out``: the predictions as the in-memory ``predict`` gives them (a lazy
        Dask array for a Dask input); with it, ``out`` once the file is complete.
    """
    from .dispatch import is_dask_collection
    from .scan import Scan

    kind = None if out is None else output_kind(out)
    if is_dask_collection(X):
        lazy = predict_dask(model, X)
        if out is None:
            return lazy
        batches = _dask_blocks(lazy)
        names = output_names(model)
    elif isinstance(X, Scan):
        reader = X.for_prediction(scan_features(model, X))
        batches = predicted_batches(model, reader.feature_batches())
        names = output_names(model, X.target_names)
        if out is None:
            return _concatenate(batches, model)
    else:  # in memory, written to out
        values = np.asarray(model.predict(X))
        batches = _slices(values.reshape(values.shape[0], -1), ROW_GROUP_ROWS)
        names = output_names(model)
    write_predictions(out, kind, names, batches)
    return out


# ---------------------------------------------------------------- the model
def _coef_rows(model) -> int | None:
    """Number of prediction columns: None for a 1-D prediction, else the targets."""
    coef = np.asarray(model.coef_)
    return None if coef.ndim == 1 else int(coef.shape[0])


def output_names(model, targets=None) -> list[str]:
    """Columns of the output: ``prediction`` (one target), else ``prediction_<target>``
    with the scan's target names when it names as many, else the targets' index."""
    k = _coef_rows(model)
    if k is None:
        return ["prediction"]
    if targets is None or len(targets) != k:
        targets = [str(j) for j in range(k)]
    return [f"prediction_{t}" for t in targets]


def unnamed(model):
    """A shallow copy of ``model`` without ``feature_names_in_``: predicts arrays whose
    columns the caller has already put in the model's order, without scikit-learn's
    warning about unnamed columns (and without touching the warning filters, which
    threads share)."""
    if getattr(model, "feature_names_in_", None) is None:
        return model
    twin = copy.copy(model)
    del twin.feature_names_in_
    return twin


def predicted_batches(model, designs, predict=None, **keywords):
    """Yield ``model.predict(X, **keywords)`` of each design batch, in order, as a 2-D
    array of shape (rows, output columns) (a 3-D interval result is flattened per row).

    The batches' columns must be the model's features in its order (the callers select
    them by name).  ``predict(model, X, **keywords)``, when given, replaces the call
    (the command line's).
    """
    if predict is None:
        predictor = unnamed(model)

        def predict(model, X, **keywords):
            return predictor.predict(X, **keywords)

    for X in designs:
        values = np.asarray(predict(model, X, **keywords))
        yield values.reshape(values.shape[0], -1)


def _concatenate(batches, model) -> np.ndarray:
    """All batches' predictions in one array, shaped as ``model.predict`` shapes them."""
    parts = list(batches)
    values = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return values[:, 0] if _coef_rows(model) is None else values


def _slices(values, rows: int):
    for start in range(0, values.shape[0], rows):
        yield values[start : start + rows]


# ---------------------------------------------------------------- a scan
def scan_features(model, scan) -> list[str]:
    """The scan's columns to read, in the model's feature order.

    A model with ``feature_names_in_`` reads them by name: every one must be among the
    scan's features (or, when the scan was opened without ``features=``, among the
    file's columns); features given explicitly that the model does not use are an
    error too.  Without names, the scan's features in their order, as many as
    ``n_features_in_``.
    """
    names = getattr(model, "feature_names_in_", None)
    where = f"linreg.scan {scan._describe()}"
    if names is None:
        n = int(model.n_features_in_)
        if scan.n_features != n:
            raise ValueError(
                f"{where} has {scan.n_features} feature column(s) "
                f"({', '.join(map(repr, scan.feature_names))}) but {type(model).__name__} "
                f"was fitted on {n} features (without names: they are read in order)"
            )
        return list(scan.feature_names)
    names = [str(n) for n in names]
    available = scan.feature_names if scan.features_given else list(scan._columns[0])
    missing = [n for n in names if n not in available]
    extra = [c for c in scan.feature_names if c not in names] if scan.features_given else []
    if missing or extra:
        what = "the scan's features" if scan.features_given else "the file's columns"
        parts = []
        if missing:
            parts.append(f"the model needs column(s) {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"it was not fitted on {', '.join(map(repr, extra))}")
        raise ValueError(
            f"{where}: {'; '.join(parts)}; {what} are: {', '.join(map(repr, available))}"
        )
    return names


# ---------------------------------------------------------------- Dask
def predict_dask(model, X):
    """The lazy Dask array of ``model.predict`` on each partition of X, rows in order:
    shape (n,) for one target (a 1-D ``coef_``), else (n, n_targets)."""
    from ..fitted_state import predict_dtype
    from .dask import DaskSource, _is_frame

    names = getattr(model, "feature_names_in_", None)
    if _is_frame(X):
        if X.ndim == 1:
            X = X.to_frame()
        X = _frame_in_model_order(model, X)
        DaskSource._check_frame_dtypes(X)
        labels = [str(c) for c in X.columns]
        X = X.to_dask_array()
    else:
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got a Dask array of shape {X.shape}")
        _check_count(model, int(X.shape[1]), "the Dask array has")
        if names is not None:  # as scikit-learn warns for an array in memory
            import warnings

            from .._warnings import external_stacklevel

            warnings.warn(
                f"X does not have valid feature names, but {type(model).__name__} was "
                "fitted with feature names",
                UserWarning,
                stacklevel=external_stacklevel(),
            )
        labels = None if names is None else [str(n) for n in names]
        X = X.rechunk({1: -1})
    k = _coef_rows(model)
    dtype = predict_dtype(X.dtype, np.asarray(model.coef_))
    block = _BlockPredictor(unnamed(model), labels)
    if k is None:
        return X.map_blocks(block, dtype=dtype, drop_axis=1, meta=np.empty((0,), dtype))
    return X.map_blocks(
        block, dtype=dtype, chunks=(X.chunks[0], (k,)), meta=np.empty((0, 0), dtype)
    )


def _check_count(model, n: int, what: str) -> None:
    expected = int(model.n_features_in_)
    if n != expected:
        raise ValueError(
            f"X has {n} features, but {type(model).__name__} is expecting {expected} "
            f"features as input ({what} {n} columns)"
        )


def _frame_in_model_order(model, X):
    """The Dask DataFrame's columns the model reads, in its order (by name when it has
    names; missing or unknown columns are a ValueError naming them)."""
    names = getattr(model, "feature_names_in_", None)
    columns = list(X.columns)
    if names is None or not all(isinstance(c, str) for c in columns):
        _check_count(model, len(columns), "the Dask DataFrame has")
        return X
    names = [str(n) for n in names]
    missing = [n for n in names if n not in columns]
    extra = [c for c in columns if c not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the model needs column(s) {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"it was not fitted on {', '.join(map(repr, extra))}")
        raise ValueError(f"Dask DataFrame X: {'; '.join(parts)}")
    return X[names] if columns != names else X


class _BlockPredictor:
    """``predict`` of one Dask block (a partition's rows), with errors naming it."""

    def __init__(self, model, labels):
        self.model, self.labels = model, labels

    def __call__(self, block, block_id=None):
        index = 0 if block_id is None else block_id[0]
        X = np.asarray(block)
        if X.dtype.kind in "fc" and not np.isfinite(X).all():
            r, c = (int(v) for v in np.argwhere(~np.isfinite(X))[0])
            col = repr(self.labels[c]) if self.labels is not None else str(c)
            kind = "NaN" if np.isnan(X[r, c]) else "infinity"
            raise ValueError(
                f"Input X contains {kind} in column {col}, at row {r} of partition {index} "
                "(0-based); drop or impute it before predicting"
            )
        return self.model.predict(X)


def _dask_blocks(lazy):
    """Yield the blocks of a lazy prediction in order, as 2-D arrays, computing
    DASK_WINDOW partitions at a time (the client holds at most that many)."""
    import dask

    tasks = list(np.ravel(lazy.to_delayed()))
    for start in range(0, len(tasks), DASK_WINDOW):
        for values in dask.compute(*tasks[start : start + DASK_WINDOW]):
            values = np.asarray(values)
            yield values.reshape(values.shape[0], -1)


# ---------------------------------------------------------------- the output
def output_kind(path) -> str:
    """``"parquet"`` or ``"csv"`` by the suffix of ``path``; ValueError otherwise, or
    for a folder."""
    text = os.fspath(path)
    lower = text.lower()
    if Path(text).is_dir():
        raise ValueError(f"out={text!r} is a folder; give a file name")
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    raise ValueError(
        f"out={text!r}: cannot tell the format; expected a suffix among "
        f"{', '.join(PARQUET_SUFFIXES + CSV_SUFFIXES)}"
    )


def write_predictions(path, kind: str, names, batches) -> None:
    """Write the 2-D prediction ``batches`` to ``path`` as ``kind`` (columns ``names``);
    the file appears only when every batch was written."""
    replacement = Replacement(path)
    with replacement.opened("wb" if kind == "parquet" else "w") as file:
        writer = ParquetWriter(file, names) if kind == "parquet" else CsvWriter(file, names)
        try:
            for values in batches:
                writer.write(values)
        except BaseException:
            writer.abort()
            raise
        writer.close()


class Replacement:
    """A new temporary file next to ``path`` that replaces ``path`` on :meth:`commit`
    (``os.replace``) or is removed by :meth:`discard`: ``path`` never holds a partial
    output."""

    def __init__(self, path):
        self.path = Path(path)
        self.temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")

    def open(self, mode: str):
        """The temporary file, opened with ``mode`` (``"w"`` text, ``"wb"`` bytes); O_EXCL:
        never follows or reuses a file of that name; mode 0o666 honours the umask."""
        fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        if "b" in mode:
            return open(fd, mode)
        return open(fd, mode, encoding="utf-8", newline="")

    def commit(self) -> None:
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)

    @contextmanager
    def opened(self, mode: str):
        """The temporary file; on leaving, closed and moved over ``path``, or on any
        error closed and removed."""
        file = self.open(mode)
        try:
            yield file
            file.close()
            self.commit()
        except BaseException:
            file.close()
            self.discard()
            raise


class CsvWriter:
    """Predictions as CSV text: a header of ``names``, then one line per row, every
    float with all its digits (``repr`` round-trips exactly)."""

    def __init__(self, file, names):
        import csv
        import io

        self.file = file
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(names)  # quotes a name like 'a,b'
        file.write(buffer.getvalue())

    def write(self, values) -> None:
        rows = np.asarray(values).tolist()
        self.file.write("".join(",".join(map(repr, row)) + "\n" for row in rows))

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class ParquetWriter:
    """Predictions as Parquet: one column per name, row groups of about
    ROW_GROUP_ROWS rows (batches are buffered up to that)."""

    def __init__(self, file, names):
        self.file, self.names = file, list(names)
        self.writer, self.pending, self.rows = None, [], 0

    def write(self, values) -> None:
        values = np.asarray(values)
        self.pending.append(values)
        self.rows += values.shape[0]
        if self.rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        values = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
        table = pa.table({n: values[:, j] for j, n in enumerate(self.names)})
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.file, table.schema)
        self.writer.write_table(table)
        self.pending, self.rows = [], 0

    def close(self) -> None:
        if self.pending or self.writer is None:
            if not self.pending:
                self.pending = [np.empty((0, len(self.names)))]
            self._flush()
        self.writer.close()

    def abort(self) -> None:
        """Release the Parquet writer after an error (its file is being discarded)."""
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # the original error is what the caller sees
                pass
            self.writer = None
