"""Data of the streamed-trainers benchmark (``bench_stream_train.py``).

``make_data(rows, cols, folder)`` writes, from ``numpy.random.default_rng(0)``, a
well-conditioned correlated design and a linear target:

* ``X = (N(0, 1) @ M) * scales + offsets`` with ``M = I + 0.3 N(0, 1) / sqrt(cols)`` (the
  columns correlated; M fixed for all rows), ``scales`` uniform in [0.5, 20] and
  ``offsets`` uniform in [-10, 10] per column;
* ``y = X @ beta + 1 + e``: ``beta_j = u_j / scale_j`` with ``u_j`` standard normal (every
  column contributes to y on the same order), ``e`` normal with the variance that makes
  the population R^2 of the model 0.9 (noise variance = signal variance / 9).

Files: ``X.npy`` (float64, ``rows x cols``), ``y.npy`` and ``data.parquet`` (columns
``x1..xP, y``, float64, snappy, row groups of ``GROUP_ROWS`` rows), plus ``sizes.json``
(the data is reused when the sizes in it match).
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

#: Rows per Parquet row group (and per generated chunk).
GROUP_ROWS = 65_536
#: Population R^2 of the generated model.
R2 = 0.9


def features(cols):
    """The feature columns' names, ``x1..xP``."""
    return [f"x{j + 1}" for j in range(cols)]


def design(cols, rng):
    """``(M, scales, offsets, beta, noise sd)`` of the model, drawn from ``rng``."""
    mix = np.eye(cols) + 0.3 * rng.standard_normal((cols, cols)) / np.sqrt(cols)
    scales = rng.uniform(0.5, 20.0, cols)
    offsets = rng.uniform(-10.0, 10.0, cols)
    beta = rng.standard_normal(cols) / scales
    # Cov(X) = diag(s) M'M diag(s): the variance of X @ beta
    signal = float(np.sum((mix @ (scales * beta)) ** 2))
    return mix, scales, offsets, beta, np.sqrt(signal * (1 - R2) / R2)


def make_data(rows, cols, folder):
    """Write ``X.npy``, ``y.npy`` and ``data.parquet`` into ``folder``, chunk by chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    mix, scales, offsets, beta, sd = design(cols, rng)
    X = np.lib.format.open_memmap(os.path.join(folder, "X.npy"), "w+", np.float64, (rows, cols))
    y = np.lib.format.open_memmap(os.path.join(folder, "y.npy"), "w+", np.float64, (rows,))
    names = features(cols)
    schema = pa.schema([(n, pa.float64()) for n in names + ["y"]])
    path = os.path.join(folder, "data.parquet")
    with pq.ParquetWriter(path, schema, use_dictionary=False) as writer:
        for start in range(0, rows, GROUP_ROWS):
            m = min(GROUP_ROWS, rows - start)
            Xc = (rng.standard_normal((m, cols)) @ mix) * scales + offsets
            yc = Xc @ beta + 1.0 + sd * rng.standard_normal(m)
            X[start : start + m], y[start : start + m] = Xc, yc
            table = pa.table({**{n: Xc[:, j] for j, n in enumerate(names)}, "y": yc})
            writer.write_table(table, row_group_size=GROUP_ROWS)
    X.flush()
    y.flush()
    del X, y


def ensure_data(rows, cols, folder) -> float | None:
    """Write the data into ``folder`` unless data of these sizes is there: the seconds
    it took, or None when reused."""
    sizes = {"rows": rows, "cols": cols, "group_rows": GROUP_ROWS, "version": 1}
    stamp = os.path.join(folder, "sizes.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == sizes:
                return None
    t0 = time.perf_counter()
    make_data(rows, cols, folder)
    with open(stamp, "w") as f:
        json.dump(sizes, f)
    return time.perf_counter() - t0


def load(folder, mmap=False):
    """``(X, y)`` from ``folder`` (read-only memory maps when ``mmap``)."""
    mode = "r" if mmap else None
    return (
        np.load(os.path.join(folder, "X.npy"), mmap_mode=mode),
        np.load(os.path.join(folder, "y.npy"), mmap_mode=mode),
    )
