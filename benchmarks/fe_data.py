"""Data of the fixed-effects benchmark (``bench_fe.py``): a firm-year panel.

``make_data(rows, cols, firms, years, folder)`` writes, from ``numpy.random.default_rng(0)``:

* firm of each row: ``firms`` firms of unequal sizes, ``1 + multinomial(rows - firms,
  lognormal weights (sigma 1))`` rows each (at 2,000,000 rows and 100,000 firms: 1 to
  about 400 rows, mean 20; a few firms of one row are singletons), labelled by
  non-contiguous int64 ids, rows in random order;
* year of each row: uniform over ``years`` labels 2000, 2001, ...;
* ``X`` (``rows x cols`` float64): standard normal draws plus half a firm-level and 0.3 of
  a year-level normal effect per column (so the effects are correlated with X and
  demeaning matters), times scales in [0.5, 5], plus offsets in [-20, 20];
* ``y = X @ beta + a_firm + b_year + s_firm * (x1 - mean x1) / scale_1 + e``: ``beta``
  of magnitude in [0.5, 2] (random signs), a normal firm effect (sd 2) and year effect
  (sd 1), a firm-level random slope on x1 (``s_firm``, sd 0.3: the errors are correlated
  within a firm, so clustered and iid standard errors differ), standard normal noise ``e``.

Files: ``X.npy``, ``y.npy``, ``firm.npy``, ``year.npy`` and ``data.parquet`` (columns
``x1..xP, y, firm, year``; pyarrow's default writer settings: snappy, row groups of
``WRITE_ROWS`` rows), plus ``sizes.json`` (reused when the sizes match).
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

#: Rows written at a time: one Parquet row group each, pyarrow's default maximum.
WRITE_ROWS = 2**20


def firm_codes(rows, firms, rng):
    """Firm code (0..firms-1) of each row: unequal sizes, every firm non-empty, shuffled."""
    weights = rng.lognormal(0.0, 1.0, firms)
    sizes = 1 + rng.multinomial(rows - firms, weights / weights.sum())
    return rng.permutation(np.repeat(np.arange(firms), sizes))


def make_data(rows, cols, firms, years, folder):
    """Write the panel's files into ``folder`` (chunk by chunk for the Parquet file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    fc = firm_codes(rows, firms, rng)
    yc = rng.integers(0, years, rows)
    scales = rng.uniform(0.5, 5.0, cols)
    offsets = rng.uniform(-20.0, 20.0, cols)
    beta = rng.uniform(0.5, 2.0, cols) * rng.choice([-1.0, 1.0], cols)
    fx, yx = 0.5 * rng.standard_normal((firms, cols)), 0.3 * rng.standard_normal((years, cols))
    fy = 2.0 * rng.standard_normal(firms)
    yy = rng.standard_normal(years)
    slope = 0.3 * rng.standard_normal(firms)
    X = np.lib.format.open_memmap(os.path.join(folder, "X.npy"), "w+", np.float64, (rows, cols))
    y = np.lib.format.open_memmap(os.path.join(folder, "y.npy"), "w+", np.float64, (rows,))
    firm = 1_000 + 37 * fc.astype(np.int64)
    year = 2_000 + yc.astype(np.int64)
    np.save(os.path.join(folder, "firm.npy"), firm)
    np.save(os.path.join(folder, "year.npy"), year)
    names = [f"x{j + 1}" for j in range(cols)]
    schema = pa.schema(
        [(n, pa.float64()) for n in [*names, "y"]] + [("firm", pa.int64()), ("year", pa.int64())]
    )
    with pq.ParquetWriter(os.path.join(folder, "data.parquet"), schema) as writer:
        for start in range(0, rows, WRITE_ROWS):
            stop = min(start + WRITE_ROWS, rows)
            f, t = fc[start:stop], yc[start:stop]
            Xb = (rng.standard_normal((stop - start, cols)) + fx[f] + yx[t]) * scales + offsets
            x1 = (Xb[:, 0] - offsets[0]) / scales[0]
            noise = rng.standard_normal(stop - start)
            yb = Xb @ beta + fy[f] + yy[t] + slope[f] * x1 + noise
            X[start:stop], y[start:stop] = Xb, yb
            columns = [*Xb.T, yb, firm[start:stop], year[start:stop]]
            writer.write_table(pa.table(columns, schema=schema))
    X.flush()
    y.flush()
    with open(os.path.join(folder, "sizes.json"), "w") as fh:
        json.dump([rows, cols, firms, years, WRITE_ROWS], fh)


def ensure_data(rows, cols, firms, years, folder):
    """Reuse the data in ``folder`` when its sizes match, else write it; seconds spent."""
    path = os.path.join(folder, "sizes.json")
    want = [rows, cols, firms, years, WRITE_ROWS]
    if os.path.exists(path):
        with open(path) as fh:
            if json.load(fh) == want:
                return 0.0
    t0 = time.perf_counter()
    make_data(rows, cols, firms, years, folder)
    return time.perf_counter() - t0


def load(folder):
    """``X, y, firm, year`` as in-memory arrays."""
    return tuple(np.load(os.path.join(folder, f"{n}.npy")) for n in ("X", "y", "firm", "year"))


def non_singleton_rows(*codes):
    """Rows kept after fixest's iterative singleton removal over the factors ``codes``
    (each an int array of level codes): drop the rows whose level occurs once in any
    factor, repeat until none.  A reference for the benchmark, independent of linreg."""
    keep = np.ones(len(codes[0]), dtype=bool)
    while True:
        drop = np.zeros_like(keep)
        for c in codes:
            counts = np.bincount(c[keep])
            drop[keep] |= counts[c[keep]] == 1
        if not drop.any():
            return keep
        keep &= ~drop


def within(values, codes):
    """``values`` (n, m) minus their means within the levels ``codes`` (exact: one pass)."""
    _, inv, counts = np.unique(codes, return_inverse=True, return_counts=True)
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        means = np.bincount(inv, weights=values[:, j]) / counts
        out[:, j] = values[:, j] - means[inv]
    return out
