"""Benchmark streaming fits from Parquet and CSV files (``linreg.scan``).

Usage::

    .venv/bin/python benchmarks/bench_stream.py [--rows N] [--cols P] [--csv-rows M]
                                                [--repeat R] [--dir DIR] [--quick]

Data
----
``X`` is ``N x P`` float64: standard normal columns times scales in [0.1, 10] plus
offsets in [-50, 50] (``numpy.random.default_rng(0)``), ``y = X @ beta + 3 + noise``.
It is written, 2**18 rows at a time, to ``data.parquet`` with pyarrow's default
writer settings (snappy, row groups of 2**20 rows) and, for the first ``M`` rows, to
``data.csv`` with ``pyarrow.csv.write_csv`` (shortest round-trip decimal repr, so the
CSV holds exactly the same float64 values).  The files go to a temporary folder
(removed at the end) or ``--dir``.  ``--quick``: 200,000 x 100 and a ~100 MB CSV.

What is measured
----------------
pyarrow scan to NumPy (the reference)
    ``ParquetFile(path).iter_batches(...)``, each batch converted to a 2-D float64
    array (column by column into a preallocated Fortran-ordered buffer: the cheapest
    conversion measured, against ``np.column_stack`` and ``RecordBatch.to_tensor``).
    Run both with pyarrow's default reader settings and with the streaming settings
    linreg uses (``pre_buffer=False``, 64 KiB buffer); the faster is the reference.
    For CSV: ``pyarrow.csv.open_csv`` with the same block size and float64 column
    types (as linreg reads it: no type inference), batches to NumPy.
linreg streaming fit
    ``LinearRegression().fit(linreg.scan(path, target="y"))``: the one pass, the solve,
    the fitted attributes.  ``speed vs reference`` is reference time / fit time, from
    the median of paired runs (reference and fit back to back, ``--repeat`` pairs),
    because this machine is shared and drifts between runs.
max rel coef diff
    ``max |coef_stream - coef_mem| / |coef_mem|`` against ``LinearRegression().fit(X, y)``
    on the same values in memory (and the intercept's relative difference).
peak RSS
    The peak resident memory (``VmHWM``) of a child process that runs only
    ``import linreg; linreg.LinearRegression().fit(linreg.scan(path, target="y"))``,
    in MiB; the same for the imports alone is printed below the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

import linreg

WRITE_ROWS = 2**18


def make_data(rows, cols, csv_rows, folder):
    rng = np.random.default_rng(0)
    scales = rng.uniform(0.1, 10, cols)
    offsets = rng.uniform(-50, 50, cols)
    beta = rng.standard_normal(cols)
    names = [f"x{j}" for j in range(cols)] + ["y"]
    schema = pa.schema([(n, pa.float64()) for n in names])
    pq_path = os.path.join(folder, "data.parquet")
    plain_path = os.path.join(folder, "plain.parquet")
    csv_path = os.path.join(folder, "data.csv")
    csv_left = csv_rows
    with (
        pq.ParquetWriter(pq_path, schema) as pw,
        pq.ParquetWriter(plain_path, schema, use_dictionary=False) as pw2,
        pcsv.CSVWriter(csv_path, schema) as cw,
    ):
        for start in range(0, rows, WRITE_ROWS):
            n = min(WRITE_ROWS, rows - start)
            X = rng.standard_normal((n, cols)) * scales + offsets
            y = X @ beta + 3.0 + rng.standard_normal(n)
            table = pa.table([*(X[:, j] for j in range(cols)), y], schema=schema)
            pw.write_table(table, row_group_size=2**20)
            pw2.write_table(table, row_group_size=2**20)
            if csv_left > 0:
                cw.write_table(table.slice(0, csv_left))
                csv_left -= min(csv_left, n)
    return pq_path, plain_path, csv_path


def load_parquet(path):
    t = pq.read_table(path)
    Z = np.empty((t.num_columns, t.num_rows)).T
    for j, c in enumerate(t.columns):
        Z[:, j] = c.to_numpy()
    del t
    return Z[:, :-1], Z[:, -1]


def load_csv(path):
    t = pcsv.read_csv(path)
    Z = np.column_stack([c.to_numpy() for c in t.columns])
    return Z[:, :-1], Z[:, -1]


def to_numpy_f(batch, out):
    n = batch.num_rows
    if out is None or out.shape[0] < n:
        out = np.empty((batch.num_columns, n)).T
    for j, c in enumerate(batch.columns):
        out[:n, j] = c.to_numpy(zero_copy_only=False)
    return out


def ref_parquet(path, batch_size, streaming):
    kw = {"buffer_size": 64 * 2**10, "pre_buffer": False} if streaming else {}
    out = None
    rows = 0
    for b in pq.ParquetFile(path, **kw).iter_batches(batch_size=batch_size):
        out = to_numpy_f(b, out)
        rows += b.num_rows
    return rows


def ref_parquet_stack(path, batch_size):
    for b in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        np.column_stack([c.to_numpy() for c in b.columns])


def ref_parquet_tensor(path, batch_size):
    for b in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        b.to_tensor(row_major=False).to_numpy()


def ref_csv(path, block_size):
    out = None
    names = pcsv.open_csv(path).schema.names
    reader = pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(block_size=block_size),
        convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.float64())),
    )
    for b in reader:
        out = to_numpy_f(b, out)


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cpu_seconds(fn):
    """User + system CPU time of this process (all threads) during ``fn()``."""
    import resource

    def now():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    t0 = now()
    fn()
    return now() - t0


def stream_fit(path):
    return linreg.LinearRegression().fit(linreg.scan(path, target="y"))


#: The child reads its own high-water mark: ``ru_maxrss`` of a forked-and-exec'd child
#: starts from the parent's resident size on Linux, ``VmHWM`` belongs to the new process.
HWM = "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')))"


def _child_hwm_mb(code):
    out = subprocess.run(
        [sys.executable, "-c", code + "; " + HWM], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # kB -> MiB


def peak_rss_mb(path):
    return _child_hwm_mb(
        f"import linreg; linreg.LinearRegression().fit(linreg.scan({path!r}, target='y'))"
    )


def cli_peak_rss_mb(path):
    """Peak RSS of ``linreg fit PATH --target y`` (held-out split, summary, metrics: four
    passes), run as the command's own entry point in a child process."""
    return _child_hwm_mb(
        "import contextlib, io, linreg.cli; "
        "f = io.StringIO(); ctx = contextlib.redirect_stdout(f); ctx.__enter__(); "
        f"linreg.cli.main(['fit', {path!r}, '--target', 'y', '--format', 'json']); "
        "ctx.__exit__(None, None, None)"
    )


def baseline_rss_mb():
    return _child_hwm_mb(
        "import linreg, linreg.sources, pyarrow.parquet, pyarrow.csv; linreg.LinearRegression"
    )


def paired(ref, ours, repeat):
    """Median of ref/ours over back-to-back pairs, the best time of each, and the
    best CPU time (user + system, all threads) of each."""
    ratios, r_times, o_times = [], [], []
    for _ in range(repeat):
        r = timed(ref)
        o = timed(ours)
        ratios.append(r / o)
        r_times.append(r)
        o_times.append(o)
    r_cpu = min(cpu_seconds(ref) for _ in range(2))
    o_cpu = min(cpu_seconds(ours) for _ in range(2))
    return statistics.median(ratios), min(r_times), min(o_times), r_cpu, o_cpu


def agreement(model, X, y):
    mem = linreg.LinearRegression().fit(X, y)
    coef = np.max(np.abs(model.coef_ - mem.coef_) / np.abs(mem.coef_))
    icpt = abs(model.intercept_ - mem.intercept_) / abs(mem.intercept_)
    return coef, icpt, mem.solver_


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--csv-rows", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", default=None, help="folder for the data files (kept)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.rows, args.csv_rows, args.repeat = 200_000, 50_000, 3
    folder = args.dir or tempfile.mkdtemp(prefix="linreg-bench-stream-")
    os.makedirs(folder, exist_ok=True)
    try:
        run(args, folder)
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def measure_parquet(path, args, ref):
    ratio, ref_best, ours_best, r_cpu, o_cpu = paired(ref, lambda: stream_fit(path), args.repeat)
    model = stream_fit(path)
    X, y = load_parquet(path)
    coef_diff, icpt_diff, mem_solver = agreement(model, X, y)
    del X, y
    return ratio, ref_best, ours_best, r_cpu, o_cpu, coef_diff, icpt_diff, peak_rss_mb(path)


def run(args, folder):
    t0 = time.perf_counter()
    pq_path, plain_path, csv_path = make_data(args.rows, args.cols, args.csv_rows, folder)
    pq_mb = os.path.getsize(pq_path) / 1e6
    plain_mb = os.path.getsize(plain_path) / 1e6
    csv_mb = os.path.getsize(csv_path) / 1e6
    print(
        f"# data: {args.rows:,} x {args.cols} Parquet ({pq_mb:,.0f} MB with pyarrow's default "
        f"writer, {plain_mb:,.0f} MB with use_dictionary=False), {args.csv_rows:,} x "
        f"{args.cols} CSV ({csv_mb:,.0f} MB), written in {time.perf_counter() - t0:.0f} s"
    )
    print(
        f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; numpy {np.__version__}, pyarrow "
        f"{pa.__version__}, linreg {linreg.__version__}"
    )
    bs = linreg.scan(pq_path, target="y").batch_size
    # Warm the page cache, then choose the reference: the fastest honest conversion.
    timed(lambda: ref_parquet(pq_path, bs, True))
    candidates = {
        "iter_batches (default settings) + F buffer": lambda p: ref_parquet(p, bs, False),
        "iter_batches (streaming settings) + F buffer": lambda p: ref_parquet(p, bs, True),
        "iter_batches + np.column_stack": lambda p: ref_parquet_stack(p, bs),
        "iter_batches + to_tensor(row_major=False)": lambda p: ref_parquet_tensor(p, bs),
    }
    cand_times = {
        k: min(timed(partial(f, pq_path)) for _ in range(2)) for k, f in candidates.items()
    }
    print("\n| pyarrow scan of the Parquet file to NumPy | time (s) |\n|---|---:|")
    for k, v in cand_times.items():
        print(f"| {k} | {v:.3f} |")
    ref_name = min(cand_times, key=cand_times.get)
    ref = candidates[ref_name]
    rows = [
        (
            f"Parquet {pq_mb:,.0f} MB (default writer)",
            *measure_parquet(pq_path, args, lambda: ref(pq_path)),
        ),
        (
            f"Parquet {plain_mb:,.0f} MB (no dictionary)",
            *measure_parquet(plain_path, args, lambda: ref(plain_path)),
        ),
    ]
    block = max(1 << 20, bs * 16 * (args.cols + 1))
    timed(lambda: ref_csv(csv_path, block))
    c_ratio, c_ref, c_ours, c_rcpu, c_ocpu = paired(
        lambda: ref_csv(csv_path, block), lambda: stream_fit(csv_path), max(2, args.repeat // 2)
    )
    c_model = stream_fit(csv_path)
    Xc, yc = load_csv(csv_path)
    c_coef, c_icpt, c_solver = agreement(c_model, Xc, yc)
    del Xc, yc
    rows.append(
        (
            f"CSV {csv_mb:,.0f} MB",
            c_ratio,
            c_ref,
            c_ours,
            c_rcpu,
            c_ocpu,
            c_coef,
            c_icpt,
            peak_rss_mb(csv_path),
        )
    )
    base = baseline_rss_mb()

    print(f"\nreference: {ref_name} (CSV: open_csv batches to NumPy); batches of {bs} rows\n")
    print(
        "| file | reference scan (s) | linreg fit (s) | speed vs reference (median of pairs) | "
        "CPU s: reference / linreg | max rel coef diff | rel intercept diff | peak RSS (MiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, ratio, r, o, rc, oc, cd, ic, rss in rows:
        print(
            f"| {name} | {r:.3f} | {o:.3f} | {ratio:.0%} | {rc:.2f} / {oc:.2f} | {cd:.1e} | "
            f"{ic:.1e} | {rss:.0f} |"
        )
    print(
        f"\npeak RSS of the imports alone (linreg, sklearn, scipy, pyarrow): {base:.0f} MiB; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    print("\n| file | `linreg fit FILE --target y` peak RSS (MiB) |\n|---|---:|")
    cli_rss = []
    for name, path in zip([r[0] for r in rows], [pq_path, plain_path, csv_path]):
        cli_rss.append(cli_peak_rss_mb(path))
        print(f"| {name} | {cli_rss[-1]:.0f} |")
    speed = min(r[1] for r in rows[:2])
    worst = max(r[6] for r in rows)
    rss = max(max(r[8] for r in rows), *cli_rss) * 2**20 / 1e6
    print(
        f"verdicts: Parquet speed >= 80% of the pyarrow scan: {'PASS' if speed >= 0.8 else 'FAIL'} "
        f"({speed:.0%}); coef within 1e-10: {'PASS' if worst <= 1e-10 else 'FAIL'} ({worst:.1e}); "
        f"peak RSS < 500 MB: {'PASS' if rss < 500 else 'FAIL'} ({rss:.0f} MB)"
    )


if __name__ == "__main__":
    main()
