"""Cluster-robust standard errors: linreg against statsmodels and pyfixest, in memory
and streamed from a Parquet file.

Usage::

    .venv/bin/python benchmarks/bench_cluster.py [--rows N] [--cols P] [--clusters G]
        [--repeat R] [--ref-repeat RR] [--cov-type cluster|HC1] [--dir DIR] [--quick]
        [--tracemalloc] [--profile] [--only NAME,...]

Data (``numpy.random.default_rng(0)``), written once and read by every library: ``G``
clusters of unequal sizes (1 + a multinomial draw with log-normal cluster weights,
sigma 1; at the default size 1 to 6,695 rows, median 61, mean 100), labelled by non-contiguous
int64 ids, rows in random order.  ``X`` is ``N x P`` float64: standard normal draws plus
half a cluster-level normal effect per column (so the clustered errors differ from the
heteroscedasticity-robust ones), times scales in [0.5, 5], plus offsets in [-20, 20];
``y = X @ beta + 3 + u_g + noise`` with a normal cluster effect ``u_g`` and standard
normal noise.  Files: ``X.npy``, ``y.npy``, ``g.npy`` and ``data.parquet`` (columns
``x1..xP, y, g``; pyarrow's default writer settings: snappy, row groups of 2**20 rows)
in a temporary folder (removed at the end) or ``--dir`` (kept; data already there with
the same sizes is reused).  ``--quick``: 200,000 x 20 with 2,000 clusters.

What is timed (each library in its own child process, on the same data)
------------------------------------------------------------------------
linreg
    ``m = LinearRegression().fit(X, y); m.summary(cov_type="cluster", groups=g).bse``.
linreg streamed
    ``LinearRegression().fit(linreg.scan(parquet, target="y", features=[x1..xP]))``
    then ``.summary(cov_type="cluster", groups="g").bse`` (the file is read again for the
    residual and cluster-sum pass).  Its peak RSS is the child's whole peak (imports
    included), the figure the 500 MB bar is about.
statsmodels
    ``sm.OLS(y, sm.add_constant(X)).fit(cov_type="cluster", cov_kwds={"groups": g}).bse``
    (the ``add_constant`` copy inside the timing: that is what users write); also
    "prebuilt", with the constant column added before the timing.
pyfixest
    ``pf.feols("y ~ x1 + ... + xP", data=df, vcov={"CRV1": "g"}).se()`` from a ready
    DataFrame (building the DataFrame is not timed; its time is printed), with its
    defaults and with the options that skip its copies (``copy_data=False,
    store_data=False, lean=True``); ``demeaner``/``demeaner_backend`` only act with fixed
    effects, and its solvers made no consistent difference on this shared machine.  The
    verdicts use the faster of the two runs (of statsmodels too).

Each child first runs the same call once on the first 10,000 rows (untimed: lazy
imports, JIT compilation), then ``--repeat`` (linreg) or ``--ref-repeat`` (references)
timed calls; the best wall-clock time is reported, and the least CPU time (user +
system, all threads: less sensitive to other processes on a shared machine).  Peak extra
memory is the peak resident set during the timed calls minus the resident set once the
data is loaded (Linux: the peak is reset through ``/proc/self/clear_refs`` before each
call), in MB (1e6 bytes) and as a fraction of ``X.nbytes``; ``--tracemalloc`` adds
tracemalloc's peak of one more call (Python and NumPy allocations).  ``max rel bse diff``
is ``max |bse - bse_statsmodels| / |bse_statsmodels|`` over the ``P + 1`` parameters.
``--profile`` prints the stages of linreg's in-memory clustered summary (cProfile, one
more call, its passes on one thread).
Nothing is asserted; verdicts against the issue's bars (stated for the default size: at
``--quick`` sizes fixed costs dominate) are printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time

import numpy as np

from child_process import (
    cpu_seconds,
    hwm_mb,
    machine,
    reset_peak,
    rss_mb,
    run_in_data_folder,
    versions,
)

#: Rows written at a time: one Parquet row group each, pyarrow's default maximum.
WRITE_ROWS = 2**20
WARM_ROWS = 10_000
RTOL = 1e-8
NAMES = {
    "linreg": "linreg fit + summary (in memory)",
    "linreg_stream": "linreg.scan(Parquet) fit + summary",
    "statsmodels": "statsmodels OLS(y, add_constant(X)).fit",
    "statsmodels_prebuilt": "statsmodels OLS(y, Xc).fit, Xc prebuilt",
    "pyfixest": "pyfixest feols (copy_data=False, store_data=False, lean=True)",
    "pyfixest_default": "pyfixest feols (defaults)",
}


# ----------------------------------------------------------------------------- data


def cluster_labels(rows, clusters, rng):
    """Cluster id of each row: unequal sizes, every cluster non-empty, random order."""
    weights = rng.lognormal(0.0, 1.0, clusters)
    sizes = 1 + rng.multinomial(rows - clusters, weights / weights.sum())
    codes = rng.permutation(np.repeat(np.arange(clusters), sizes))
    return codes, 1_000 + 37 * np.arange(clusters, dtype=np.int64)


def make_data(rows, cols, clusters, folder):
    """Write X.npy, y.npy, g.npy and data.parquet (chunk by chunk); return the sizes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    codes, ids = cluster_labels(rows, clusters, rng)
    scales = rng.uniform(0.5, 5.0, cols)
    offsets = rng.uniform(-20.0, 20.0, cols)
    beta = rng.standard_normal(cols)
    effect_x = 0.5 * rng.standard_normal((clusters, cols))
    effect_y = rng.standard_normal(clusters)
    X = np.lib.format.open_memmap(os.path.join(folder, "X.npy"), "w+", np.float64, (rows, cols))
    y = np.lib.format.open_memmap(os.path.join(folder, "y.npy"), "w+", np.float64, (rows,))
    g = ids[codes]
    np.save(os.path.join(folder, "g.npy"), g)
    names = [f"x{j + 1}" for j in range(cols)]
    schema = pa.schema([(n, pa.float64()) for n in [*names, "y"]] + [("g", pa.int64())])
    with pq.ParquetWriter(os.path.join(folder, "data.parquet"), schema) as writer:
        for start in range(0, rows, WRITE_ROWS):
            stop = min(start + WRITE_ROWS, rows)
            c = codes[start:stop]
            Xb = (rng.standard_normal((stop - start, cols)) + effect_x[c]) * scales + offsets
            yb = Xb @ beta + 3.0 + effect_y[c] + rng.standard_normal(stop - start)
            X[start:stop], y[start:stop] = Xb, yb
            writer.write_table(pa.table([*Xb.T, yb, g[start:stop]], schema=schema))
    X.flush()
    y.flush()
    with open(os.path.join(folder, "sizes.json"), "w") as f:
        json.dump([rows, cols, clusters, WRITE_ROWS], f)


def ensure_data(args, folder):
    """Reuse the data in ``folder`` when its sizes match, else write it."""
    path = os.path.join(folder, "sizes.json")
    want = [args.rows, args.cols, args.clusters]
    if os.path.exists(path):
        with open(path) as f:
            if json.load(f) == [*want, WRITE_ROWS]:
                return 0.0
    t0 = time.perf_counter()
    make_data(*want, folder)
    return time.perf_counter() - t0


# ------------------------------------------------------------------- child: memory




# ------------------------------------------------------------------ child: callers


def load_arrays(folder):
    X = np.load(os.path.join(folder, "X.npy"))
    y = np.load(os.path.join(folder, "y.npy"))
    g = np.load(os.path.join(folder, "g.npy"))
    return X, y, g


def linreg_call(cov_type):
    import linreg

    def call(X, y, g):
        kw = {"groups": g} if cov_type == "cluster" else {}
        model = linreg.LinearRegression().fit(X, y)
        return np.asarray(model.summary(cov_type=cov_type, **kw).bse)

    return call


def linreg_stream_call(cov_type, folder, cols):
    import linreg

    path = os.path.join(folder, "data.parquet")
    features = [f"x{j + 1}" for j in range(cols)]

    def call(*_):
        kw = {"groups": "g"} if cov_type == "cluster" else {}
        model = linreg.LinearRegression().fit(linreg.scan(path, target="y", features=features))
        return np.asarray(model.summary(cov_type=cov_type, **kw).bse)

    return call


def statsmodels_call(cov_type, prebuilt):
    import statsmodels.api as sm

    def call(X, y, g):
        Xc = X if prebuilt else sm.add_constant(X, prepend=True, has_constant="add")
        kw = {"cov_kwds": {"groups": g}} if cov_type == "cluster" else {}
        return np.asarray(sm.OLS(y, Xc).fit(cov_type=cov_type, **kw).bse)

    return call


def pyfixest_call(cov_type, cols, fastest):
    import pyfixest as pf

    fml = "y ~ " + " + ".join(f"x{j + 1}" for j in range(cols))
    vcov = {"CRV1": "g"} if cov_type == "cluster" else cov_type
    kw = {"copy_data": False, "store_data": False, "lean": True} if fastest else {}

    def call(df):
        return np.asarray(pf.feols(fml, data=df, vcov=vcov, **kw).se())

    return call


def pandas_frame(X, y, g):
    import pandas as pd

    data = {f"x{j + 1}": X[:, j] for j in range(X.shape[1])}
    data["y"], data["g"] = y, g
    return pd.DataFrame(data, copy=True)


def prepare(name, args):
    """Load the data as ``name`` takes it; return (call, data tuple, warm-up tuple, notes)."""
    notes = {}
    if name == "linreg_stream":
        call = linreg_stream_call(args.cov_type, args.dir, args.cols)
        return call, (), None, notes
    X, y, g = load_arrays(args.dir)
    if name == "linreg":
        warm = (X[:WARM_ROWS], y[:WARM_ROWS], g[:WARM_ROWS])
        return linreg_call(args.cov_type), (X, y, g), warm, notes
    if name.startswith("statsmodels"):
        prebuilt = name == "statsmodels_prebuilt"
        if prebuilt:
            import statsmodels.api as sm

            X = sm.add_constant(X, prepend=True, has_constant="add")
        call = statsmodels_call(args.cov_type, prebuilt)
        return call, (X, y, g), (X[:WARM_ROWS], y[:WARM_ROWS], g[:WARM_ROWS]), notes
    t0 = time.perf_counter()
    df = pandas_frame(X, y, g)
    notes["frame_s"] = time.perf_counter() - t0
    warm = pandas_frame(X[:WARM_ROWS], y[:WARM_ROWS], g[:WARM_ROWS])
    call = pyfixest_call(args.cov_type, args.cols, name == "pyfixest")
    return (lambda d, _call=call: _call(d)), (df,), (warm,), notes


def traced_peak_mb(call, data):
    import tracemalloc

    tracemalloc.start()
    call(*data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def profile_stages(call, data, top=25):
    """cProfile of one call: the ``top`` functions by cumulative, then by own time.
    linreg's in-memory passes run on one thread here (``chunks.THREADS = 1``), so that
    the profiler sees their stages (it follows the main thread only)."""
    import cProfile
    import io
    import pstats

    from linreg.inference import chunks

    threads, chunks.THREADS = getattr(chunks, "THREADS", 1), 1
    prof = cProfile.Profile()
    try:
        prof.enable()
        call(*data)
        prof.disable()
    finally:
        chunks.THREADS = threads
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    return out.getvalue()


MODULES = {
    "linreg": ("linreg",),
    "linreg_stream": ("linreg", "linreg.sources", "pyarrow.parquet"),
    "statsmodels": ("statsmodels.api",),
    "statsmodels_prebuilt": ("statsmodels.api",),
    "pyfixest": ("pyfixest", "pandas"),
    "pyfixest_default": ("pyfixest", "pandas"),
}


def child(name, args):
    """Run one library's timed calls; print one JSON line and save its bse."""
    import importlib

    for module in MODULES[name]:
        importlib.import_module(module)
    import_mb = rss_mb()
    call, data, warm, result = prepare(name, args)
    if warm is not None:
        call(*warm)
    gc.collect()
    base = rss_mb()
    times, cpu, extra, peak, exact_peak = [], [], 0.0, hwm_mb(), True
    repeat = args.repeat if name.startswith("linreg") else args.ref_repeat
    for _ in range(repeat):
        exact_peak = reset_peak() and exact_peak
        t0, c0 = time.perf_counter(), cpu_seconds()
        bse = call(*data)
        times.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds() - c0)
        extra = max(extra, hwm_mb() - base)
        peak = max(peak, hwm_mb())
        gc.collect()
    np.save(os.path.join(args.dir, f"bse_{name}.npy"), bse)
    result.update(
        name=name,
        times=times,
        cpu=cpu,
        base_mb=base,
        import_mb=import_mb,
        extra_mb=extra,
        peak_mb=peak,
        exact_peak=exact_peak,
    )
    if args.tracemalloc:
        result["traced_mb"] = traced_peak_mb(call, data)
    if args.profile and name == "linreg":
        result["profile"] = profile_stages(call, data)
    print("RESULT " + json.dumps(result))


# ------------------------------------------------------------------------- parent


PACKAGES = ("linreg", "numpy", "scipy", "statsmodels", "pyfixest", "pandas", "pyarrow")


def run_child(name, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--dir", args.dir]
    cmd += ["--rows", str(args.rows), "--cols", str(args.cols), "--clusters", str(args.clusters)]
    cmd += ["--repeat", str(args.repeat), "--ref-repeat", str(args.ref_repeat)]
    cmd += ["--cov-type", args.cov_type]
    cmd += ["--tracemalloc"] * args.tracemalloc + ["--profile"] * args.profile
    out = subprocess.run(cmd, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
    return {"name": name, "error": tail}


def bse_diffs(results, folder):
    """Max relative bse difference of each run against statsmodels (else the first)."""
    ok = [r["name"] for r in results if "error" not in r]
    if not ok:
        return None, {}
    ref = next((n for n in ("statsmodels", "statsmodels_prebuilt") if n in ok), ok[0])
    b0 = np.load(os.path.join(folder, f"bse_{ref}.npy"))
    diffs = {}
    for n in ok:
        b = np.load(os.path.join(folder, f"bse_{n}.npy"))
        diffs[n] = float(np.max(np.abs(b - b0) / np.abs(b0))) if b.shape == b0.shape else np.inf
    return ref, diffs


def print_table(results, diffs, x_mb, args):
    ours = next((min(r["times"]) for r in results if r["name"] == "linreg" and "times" in r), None)
    print(
        "| method | time (s) | CPU s | runs | linreg in-memory speed-up | peak extra RSS (MB) | "
        "extra / X | peak RSS (MB) | max rel bse diff |"
    )
    print("|:---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        label = NAMES[r["name"]]
        if "error" in r:
            print(f"| {label} | failed: {r['error'][:120]} | | | | | | | |")
            continue
        t, c = min(r["times"]), min(r["cpu"])
        speed = f"{t / ours:.1f}x" if ours else "-"
        share = "-" if r["name"] == "linreg_stream" else f"{r['extra_mb'] / x_mb:.0%}"
        traced = f" (traced {r['traced_mb']:.0f})" if "traced_mb" in r else ""
        print(
            f"| {label} | {t:.2f} | {c:.1f} | {len(r['times'])} | {speed} | "
            f"{r['extra_mb']:.0f}{traced} | {share} | {r['peak_mb']:.0f} | "
            f"{diffs.get(r['name'], float('nan')):.1e} |"
        )


def print_notes(results):
    for r in results:
        if "error" in r:
            continue
        if "frame_s" in r:
            print(
                f"- {NAMES[r['name']]}: building the DataFrame (not timed) took "
                f"{r['frame_s']:.2f} s"
            )
        if not r["exact_peak"]:
            print(f"- {NAMES[r['name']]}: peak RSS could not be reset; the peak includes loading")
        print(
            f"- {NAMES[r['name']]}: RSS after imports {r['import_mb']:.0f} MB, with the data "
            f"loaded {r['base_mb']:.0f} MB; times {', '.join(f'{t:.2f}' for t in r['times'])}"
        )
        if "profile" in r:
            print("\nProfile of linreg's in-memory fit + clustered summary (one thread):\n")
            lines = [line for line in r["profile"].splitlines() if line.strip()]
            print("\n".join(lines))


def verdicts(results, diffs, x_mb):
    by = {r["name"]: r for r in results if "error" not in r}
    best = {n: min(r["times"]) for n, r in by.items()}
    cpu = {n: min(r["cpu"]) for n, r in by.items()}
    out = []
    if "linreg" in by:
        for ref, bar in (("statsmodels", 5.0), ("pyfixest", 2.0)):
            # against the faster configuration measured of each reference
            mine = [n for n in best if n.startswith(ref)]
            if mine:
                s = min(best[n] for n in mine) / best["linreg"]
                c = min(cpu[n] for n in mine) / cpu["linreg"]
                verdict = "PASS" if s >= bar else "FAIL"
                out.append(f"{s:.1f}x {ref} (CPU time {c:.1f}x; >= {bar:.0f}x): {verdict}")
        e = by["linreg"]["extra_mb"] / x_mb
        out.append(f"peak extra {e:.0%} of X (< 25%): {'PASS' if e < 0.25 else 'FAIL'}")
    if "linreg_stream" in by:
        p = by["linreg_stream"]["peak_mb"]
        out.append(f"streamed peak RSS {p:.0f} MB (< 500 MB): {'PASS' if p < 500 else 'FAIL'}")
    if diffs:
        worst = max(diffs.values())
        verdict = "PASS" if worst <= RTOL else "FAIL"
        out.append(f"bse agree to rtol {RTOL:g}: {verdict} ({worst:.1e})")
    if "linreg" in diffs and "linreg_stream" in by:
        b1 = np.load(os.path.join(by["linreg"]["dir"], "bse_linreg.npy"))
        b2 = np.load(os.path.join(by["linreg"]["dir"], "bse_linreg_stream.npy"))
        d = float(np.max(np.abs(b2 - b1) / np.abs(b1)))
        verdict = "PASS" if d <= 1e-10 else "FAIL"
        out.append(f"streamed = in-memory bse to 1e-10: {verdict} ({d:.1e})")
    print("verdicts: " + "; ".join(out))


def run(args):
    written = ensure_data(args, args.dir)
    x_mb = args.rows * args.cols * 8 / 1e6
    pq_mb = os.path.getsize(os.path.join(args.dir, "data.parquet")) / 1e6
    print(
        f"# cluster-robust benchmark ({args.cov_type}): X {args.rows:,} x {args.cols} float64 "
        f"({x_mb:,.0f} MB), {args.clusters:,} clusters, Parquet {pq_mb:,.0f} MB"
        + (f", written in {written:.0f} s" if written else " (reused)")
    )
    print(f"# machine: {machine()}, load average {os.getloadavg()[0]:.1f}; {versions(PACKAGES)}")
    results = []
    for name in args.only:
        results.append(run_child(name, args))
        results[-1]["dir"] = args.dir
    ref, diffs = bse_diffs(results, args.dir)
    print(f"\nmax rel bse diff against {ref}; load average now {os.getloadavg()[0]:.1f}\n")
    print_table(results, diffs, x_mb, args)
    print()
    print_notes(results)
    verdicts(results, diffs, x_mb)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--clusters", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3, help="timed linreg calls")
    ap.add_argument("--ref-repeat", type=int, default=1, help="timed calls of the references")
    ap.add_argument("--cov-type", default="cluster", choices=("cluster", "HC1"))
    ap.add_argument("--dir", default=None, help="folder for the data files (kept)")
    ap.add_argument("--quick", action="store_true", help="200,000 x 20, 2,000 clusters")
    ap.add_argument("--tracemalloc", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--only", default=",".join(NAMES), help="comma-separated runs")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.rows, args.clusters = 200_000, 2_000
    args.only = [n for n in args.only.split(",") if n]
    unknown = set(args.only) - set(NAMES)
    if unknown:
        ap.error(f"--only: unknown runs {sorted(unknown)}; choose from {list(NAMES)}")
    return args


def main(argv=None):
    args = parse(argv)
    if args.child:
        child(args.child, args)
        return
    run_in_data_folder(args, run, "linreg-bench-cluster-")


if __name__ == "__main__":
    main()
