"""Minibatches of rows read from a chunked source, in order or through a shuffle buffer.

The streamed trainers (:mod:`.streamed`) read their data as the sources hand it out:

- a :func:`linreg.scan` source: its batches, in file order, from a reader thread;
- a Dask collection: its partitions, in order, each computed on the workers and
  gathered to this process :data:`DASK_WINDOW` at a time (the training itself runs
  here: the client holds at most that many partitions, the workers none for long);
- arrays in memory: slices of :data:`CHUNK_ROWS` rows (no copy).

:class:`Minibatches` cuts that stream of chunks into minibatches of ``batch_size`` rows
(the last one of an epoch shorter).  In file order (``shuffle=False``) a minibatch is
the next rows; with ``shuffle`` the rows pass through a buffer of
``max(SHUFFLE_ROWS, 8 batch_size)`` rows from which each minibatch is drawn at random
without replacement (the buffer refills from the stream; what is left at the end of
the epoch is drawn in a random order), as ``tf.data``'s shuffle buffer does: a row
comes out at most the buffer's size before its place in the file, and
typically about the buffer's size after it (each draw keeps a row in the buffer with
probability ``1 - batch_size / capacity``, so a few stay much longer), so files sorted
by some column are mixed locally, not globally.  The draws come from
``numpy.random.default_rng((seed, epoch))``: the same seed gives the same minibatches,
epoch by epoch.

Memory: the chunk being read, the buffer and one minibatch, never the data.
:func:`torch_dataset` wraps the minibatches as a ``torch.utils.data.IterableDataset``
(standardized float tensors), so they compose with a ``DataLoader`` and its workers.
"""

from __future__ import annotations

import numpy as np

#: Rows of the shuffle buffer (at least; 8 minibatches when that is more).
SHUFFLE_ROWS = 32_768

#: Rows per chunk when minibatches are cut from arrays in memory.
CHUNK_ROWS = 65_536

#: Partitions of a Dask collection gathered to the client at a time.
DASK_WINDOW = 2


# ---------------------------------------------------------------------------- chunks
class _PartitionArrays:
    """``(X, Y, w)`` of a partition, as the workers compute it (picklable)."""

    def __call__(self, X, Y, w):
        return X, Y, w


def source_chunks(source, part: tuple[int, int] = (0, 1)):
    """Iterate the chunks ``(X (m, p), Y (m, k), w (m,) or None)`` of ``source`` (a
    :class:`linreg.sources.Scan`, a :class:`linreg.sources.dask.DaskSource`, a
    :class:`linreg.split.PartSource` or an :class:`ArraySource`) in row order;
    ``part = (i, count)`` keeps chunks i, i + count, ... only (a DataLoader worker's
    share).  A scan's chunks come as ``(x_columns, y_columns, w)``: lists of its batch's
    1-D columns (no batch-sized block of their own: the buffers copy from them)."""
    from ..sources.dask import DaskSource
    from ..sources.scan import Scan

    i, count = part
    if isinstance(source, Scan):
        p = source.n_features
        chunks = ((cols[:p], cols[p:], w) for cols, w in source.column_batches())
    elif isinstance(source, DaskSource):
        chunks = source.ordered_map(_PartitionArrays(), window=DASK_WINDOW)
    elif hasattr(source, "batches"):  # linreg.split.PartSource: one part of a scan's rows
        chunks = (chunk for chunk in source.batches() if len(chunk[0]))
    else:
        chunks = iter(source)
    for index, chunk in enumerate(chunks):
        if index % count == i:
            yield chunk


class ArraySource:
    """Arrays in memory handed out as chunks of :data:`CHUNK_ROWS` rows (views)."""

    def __init__(self, X, Y, w=None):
        self.X, self.Y, self.w = X, Y.reshape(Y.shape[0], -1), w

    def __iter__(self):
        for start in range(0, self.X.shape[0], CHUNK_ROWS):
            rows = slice(start, start + CHUNK_ROWS)
            yield self.X[rows], self.Y[rows], None if self.w is None else self.w[rows]


# ---------------------------------------------------------------------------- minibatches
class Minibatches:
    """Minibatches ``(X, Y, w)`` (raw rows, float64) of a source, epoch after epoch.

    Parameters
    ----------
    source : Scan, DaskSource or ArraySource
    batch_size : int
    shuffle : bool
        Through a seeded shuffle buffer (see the module), else in row order.
    seed : int or None
        Seed of the draws (None: fresh entropy).
    part : (int, int)
        ``(i, count)``: only chunks i, i + count, ... (see :func:`source_chunks`).
    """

    def __init__(self, source, batch_size: int, shuffle: bool = True, seed=None,
                 part: tuple[int, int] = (0, 1)):  # fmt: skip
        self.source, self.batch_size = source, int(batch_size)
        self.shuffle, self.part = bool(shuffle), part
        self.seed = np.random.SeedSequence().entropy if seed is None else int(seed)
        self.capacity = max(SHUFFLE_ROWS, 8 * self.batch_size)

    def epoch(self, index: int):
        """The minibatches of epoch ``index`` (an iterator)."""
        chunks = source_chunks(self.source, self.part)
        if not self.shuffle:
            return _in_order(chunks, self.batch_size)
        rng = np.random.default_rng([self.seed, int(index)])
        return _shuffled(chunks, self.batch_size, self.capacity, rng)


class _RowBuffer:
    """Rows ``[X, Y, w]`` in a row-major float64 array (``w`` 1 when unweighted), from
    which minibatches are gathered (one row gather; a scan's columns are written in
    column by column: no chunk-sized block is made)."""

    def __init__(self, rows: int, chunk):
        x, y, _ = chunk
        self.p, self.k = _width(x), _width(y)
        self.data = np.empty((rows, self.p + self.k + 1))
        self.count, self.weighted = 0, False

    @property
    def free(self) -> int:
        return self.data.shape[0] - self.count

    def append(self, chunk, start: int, take: int) -> None:
        """Copy rows ``start ... start + take`` of ``chunk`` after the rows held."""
        X, Y, w = chunk
        at = slice(self.count, self.count + take)
        rows = slice(start, start + take)
        for offset, part in ((0, X), (self.p, Y)):
            if isinstance(part, list):  # a scan's columns
                for j, col in enumerate(part):
                    self.data[at, offset + j] = col[rows]
            else:
                self.data[at, offset : offset + part.shape[1]] = part[rows]
        self.weighted = self.weighted or w is not None
        self.data[at, -1] = 1.0 if w is None else w[rows]
        self.count += take

    def split(self, block):
        return block[:, : self.p], block[:, self.p : -1], (block[:, -1] if self.weighted else None)


def _width(part) -> int:
    return len(part) if isinstance(part, list) else part.shape[1]


def _rows_of(chunk) -> int:
    X = chunk[0]
    if isinstance(X, list):
        return len(X[0]) if X else len(chunk[1][0])
    return X.shape[0]


def _filled(chunks, rows: int):
    """Copy the chunks' rows, in order, into a :class:`_RowBuffer` of ``rows`` rows:
    yield ``(buffer, True)`` each time it is full (the caller takes rows out, lowering
    ``buffer.count``), and ``(buffer, False)`` once at the end (nothing without rows)."""
    buffer = None
    for chunk in chunks:
        if buffer is None:
            buffer = _RowBuffer(rows, chunk)
        start, m = 0, _rows_of(chunk)
        while start < m:
            take = min(m - start, buffer.free)
            buffer.append(chunk, start, take)
            start += take
            if buffer.free == 0:
                yield buffer, True
    if buffer is not None:
        yield buffer, False


def _in_order(chunks, batch_size: int):
    """Consecutive rows, ``batch_size`` at a time, across chunk boundaries."""
    for buffer, _ in _filled(chunks, batch_size):
        if buffer.count:
            yield buffer.split(buffer.data[: buffer.count].copy())
            buffer.count = 0


def _shuffled(chunks, batch_size: int, capacity: int, rng):
    """Minibatches drawn at random from a buffer of ``capacity`` rows (see the module)."""
    for buffer, full in _filled(chunks, capacity):
        if full:
            yield buffer.split(_draw(buffer, batch_size, rng))
            continue
        order = rng.permutation(buffer.count)
        for start in range(0, buffer.count, batch_size):
            yield buffer.split(buffer.data[order[start : start + batch_size]])


def _draw(buffer: _RowBuffer, batch_size: int, rng) -> np.ndarray:
    """Take ``batch_size`` random rows out of the buffer: returns them; the rows left
    are moved to the front (the tail fills the holes)."""
    count = buffer.count
    chosen = rng.choice(count, size=batch_size, replace=False)
    rows = buffer.data[chosen]
    cut = count - batch_size
    holes = chosen[chosen < cut]
    tail = np.setdiff1d(np.arange(cut, count), chosen, assume_unique=True)
    buffer.data[holes] = buffer.data[tail]
    buffer.count = cut
    return rows


# ---------------------------------------------------------------------------- torch
def torch_dataset(batches: Minibatches, standardize, dtype, device="cpu"):
    """A ``torch.utils.data.IterableDataset`` of standardized minibatches.

    Each iteration (an epoch) yields ``(Z, T, w)`` tensors (``w`` None for unit
    weights) of ``batches.batch_size`` rows, ``standardize(X, Y, w) -> (Z, T, w)``
    applied in NumPy.  Use it with ``DataLoader(dataset, batch_size=None)``; with
    ``num_workers > 0`` each worker reads the source and keeps every ``num_workers``-th
    chunk (the minibatches then interleave the workers' shares).  The epoch number that
    seeds the draws lives in shared memory (``epochs``): a DataLoader's workers are
    copies of the dataset made anew each epoch, so a plain attribute would restart at 0
    in each epoch's workers and repeat the first epoch's draws.  It advances when an
    iteration ends (or is abandoned), in the main process or in worker 0.
    """
    import torch
    from torch.utils.data import IterableDataset, get_worker_info

    class StreamedMinibatches(IterableDataset):
        def __init__(self):
            super().__init__()
            self._epoch = torch.zeros(1, dtype=torch.int64).share_memory_()

        @property
        def epochs(self) -> int:
            """Iterations (epochs) begun and ended so far."""
            return int(self._epoch[0])

        def __iter__(self):
            info = get_worker_info()
            source = batches
            if info is not None and info.num_workers > 1:
                share = (info.id, info.num_workers)
                source = Minibatches(batches.source, batches.batch_size, batches.shuffle,
                                     batches.seed + info.id, share)  # fmt: skip
            index = int(self._epoch[0])
            try:
                for X, Y, w in source.epoch(index):
                    Z, T, wz = standardize(X, Y, w)
                    as_tensor = lambda a: torch.as_tensor(a, dtype=dtype, device=device)  # noqa: E731
                    yield as_tensor(Z), as_tensor(T), None if wz is None else as_tensor(wz)
            finally:
                if info is None or info.id == 0:
                    self._epoch[0] = index + 1

    return StreamedMinibatches()
