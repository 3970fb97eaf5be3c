"""High-dimensional fixed effects: linreg against pyfixest and statsmodels, in memory,
streamed from a Parquet file and on a Dask cluster.

Usage::

    .venv/bin/python benchmarks/bench_fe.py [--rows N] [--cols P] [--firms G] [--years T]
        [--repeat R] [--ref-repeat RR] [--dir DIR] [--quick] [--only NAME,...]

Data (``benchmarks/fe_data.py``, ``numpy.random.default_rng(0)``): a firm-year panel of
``N`` rows (default 2,000,000), ``P`` regressors (5), firm effects of ``G`` levels
(100,000; unbalanced: log-normal firm sizes, a few singletons) and year effects of ``T``
levels (20); X correlated with both effects; y with both effects, a firm-level random
slope (errors correlated within firms) and noise; standard errors clustered by firm.
Written once (``X.npy, y.npy, firm.npy, year.npy, data.parquet``) in a temporary folder
(removed at the end) or ``--dir`` (kept; data there with the same sizes is reused).
``--quick``: 200,000 rows with 10,000 firms (a smoke run: fixed costs dominate).

What is timed (each run in its own child process, on the same data)
-------------------------------------------------------------------
linreg
    ``m = LinearRegression().fit(X, y, absorb=frame)`` (``frame``: a DataFrame of the
    columns firm and year, built before the timing) then
    ``m.summary(cov_type="cluster", groups="firm").bse`` (the absorbed factor by name,
    as pyfixest is given the column's name).
linreg streamed
    The same model fitted on ``linreg.scan(parquet, ...)`` with the absorbed columns
    firm and year, then the clustered summary (``groups="firm"``).  Its peak RSS is the
    child's whole peak (imports included): the figure the 500 MB bar is about.
linreg on Dask
    ``dd.read_parquet(parquet)`` on a ``LocalCluster`` of 2 worker processes (one
    thread each; started before the timing), the same fit and clustered summary with
    Dask Series/DataFrames.  Time and CPU (client and workers) of the whole call; peak
    extra RSS summed over the client and the workers (each over its RSS before the call).
pyfixest
    ``pf.feols("y ~ x1 + ... + xP | firm + year", data=df, vcov={"CRV1": "firm"},
    demeaner=D, copy_data=False, store_data=False, lean=True).se()`` from a ready
    DataFrame (its construction is not timed), for each demeaner it has on CPU:
    ``MapDemeaner`` with backends "rust" (its default) and "numba" (tolerance 1e-6, its
    default), ``LsmrDemeaner`` with backends "within" (rust), "cupy" on the CPU (SciPy's
    LSMR: the old "scipy" backend) and "torch" on the CPU.  The verdicts use the fastest.
    "jax" is timed only if jax is installed.  One more run, rust MAP with
    ``fixef_tol=1e-12``, is an accuracy reference (not in the speed verdict).
statsmodels
    Dummy columns for both effects cannot be built: the figure printed is the size of the
    dense design, ``N x (P + G + T - 1) x 8`` bytes.  Timed instead: the same model by
    Frisch-Waugh-Lovell by hand, exact (no iteration): singletons removed as fixest does,
    X, y and 19 year dummies demeaned within firm (group means), then
    ``sm.OLS(y~, [X~, D~]).fit(cov_type="cluster", cov_kwds={"groups": firm})``
    (exact coefficients; statsmodels' small-sample factor ``(n - 1) / (n - k)`` counts the
    ``k = P + 19`` columns, fixest's also one parameter for the firm effects, nested in
    the clusters: the bse printed are statsmodels' times ``sqrt((n - k) / (n - k - 1))``).

Each child first runs the same call once on the first 10,000 rows (untimed: lazy
imports, JIT compilation; the streamed run: the whole call once), then ``--repeat``
(linreg, default 3) or ``--ref-repeat`` (references, default 3) timed calls, fewer once
the timed calls took 30 s (the slow references run once); the best wall-clock time is
reported and the least CPU time (user + system, all threads).  Peak extra memory is the
peak RSS during the timed calls minus the RSS once the data is loaded (Linux: the peak
is reset through ``/proc/self/clear_refs`` before each call), in MB (1e6 bytes) and as
a fraction of ``X.nbytes``.  ``max rel coef diff`` and ``max rel bse diff`` are
``max |b - b_linreg| / |b_linreg|`` over the P regressors (against the in-memory linreg
fit; while that is not available, against the statsmodels FWL fit).  Nothing is
asserted; verdicts against the issue's bars are printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

import fe_data
from child_process import (
    cpu_seconds,
    hwm_mb,
    machine,
    reset_peak,
    rss_mb,
    run_in_data_folder,
    versions,
)

WARM_ROWS = 10_000
ABSORB = ["firm", "year"]
COEF_RTOL = 1e-8
SAME_RTOL = 1e-10
#: No further timed call of a run once its timed calls took this long (slow references).
BUDGET_S = 30.0
NAMES = {
    "linreg": "linreg fit(absorb=) + summary (in memory)",
    "linreg_stream": "linreg.scan(Parquet) fit + summary",
    "linreg_dask": "linreg on Dask (2-process LocalCluster)",
    "pyfixest_rust": "pyfixest feols, MAP rust (default)",
    "pyfixest_numba": "pyfixest feols, MAP numba",
    "pyfixest_jax": "pyfixest feols, MAP jax",
    "pyfixest_within": "pyfixest feols, LSMR within",
    "pyfixest_scipy": "pyfixest feols, LSMR scipy (cupy on CPU)",
    "pyfixest_torch": "pyfixest feols, LSMR torch (CPU)",
    "pyfixest_tight": "pyfixest feols, MAP rust, fixef_tol 1e-12",
    "statsmodels_fwl": "statsmodels OLS, within-firm + 19 year dummies",
    "statsmodels_dummies": "statsmodels OLS with dummy columns",
}
#: pyfixest's demeaners: (class name, keyword arguments).
DEMEANERS = {
    "pyfixest_rust": ("MapDemeaner", {"backend": "rust"}),
    "pyfixest_numba": ("MapDemeaner", {"backend": "numba"}),
    "pyfixest_jax": ("MapDemeaner", {"backend": "jax"}),
    "pyfixest_within": ("LsmrDemeaner", {"backend": "within"}),
    "pyfixest_scipy": ("LsmrDemeaner", {"backend": "cupy", "device": "cpu"}),
    "pyfixest_torch": ("LsmrDemeaner", {"backend": "torch", "device": "cpu"}),
    "pyfixest_tight": (
        "MapDemeaner",
        {"backend": "rust", "fixef_tol": 1e-12, "fixef_maxiter": 100_000},
    ),
}
SPEED_RUNS = [n for n in DEMEANERS if n != "pyfixest_tight"]


# ------------------------------------------------------------------- child: memory




def process_state(reset=False):
    """(RSS, peak RSS, CPU s) of this process, the peak reset first when asked (also run
    on the Dask workers)."""
    if reset:
        reset_peak()
    return rss_mb(), hwm_mb(), cpu_seconds()


# ------------------------------------------------------------------ child: callers


def features(cols):
    return [f"x{j + 1}" for j in range(cols)]


def frame_of(X, y, firm, year):
    import pandas as pd

    data = {f"x{j + 1}": X[:, j] for j in range(X.shape[1])}
    data["y"], data["firm"], data["year"] = y, firm, year
    return pd.DataFrame(data, copy=True)


def linreg_call(X, y, absorb, firm):
    import linreg

    model = linreg.LinearRegression().fit(X, y, absorb=absorb)
    # clustered by the absorbed factor named firm (fixest's vcov={"CRV1": "firm"}), as
    # pyfixest is given the column's name
    return _fe_result(model, model.summary(cov_type="cluster", groups="firm"))


def _fe_result(model, summary):
    """(coef, bse, notes) of a fitted model and its summary: rows used, singletons and
    levels as the model reports them."""
    notes = {"nobs": int(summary.nobs)} if hasattr(summary, "nobs") else {}
    info = getattr(model, "absorbed_", None)
    if info is None:
        return np.ravel(model.coef_), np.asarray(summary.bse), notes
    for key in ("n_singletons", "n_levels"):
        value = getattr(info, key, None)
        if value is not None:
            notes[key] = np.asarray(value).tolist()
    return np.ravel(model.coef_), np.asarray(summary.bse), notes


def scan_model(path, cols):
    """The fixed-effects fit on a scan of ``path``: the absorbed columns given to
    ``linreg.scan`` when it takes them, else to ``fit``."""
    import inspect

    import linreg

    kw = {"target": "y", "features": features(cols)}
    if "absorb" in inspect.signature(linreg.scan).parameters:
        return linreg.LinearRegression().fit(linreg.scan(path, absorb=ABSORB, **kw))
    return linreg.LinearRegression().fit(linreg.scan(path, **kw), absorb=ABSORB)


def stream_call(path, cols):
    model = scan_model(path, cols)
    return _fe_result(model, model.summary(cov_type="cluster", groups="firm"))


def dask_call(ddf, cols):
    import linreg

    model = linreg.LinearRegression().fit(ddf[features(cols)], ddf["y"], absorb=ddf[ABSORB])
    return _fe_result(model, model.summary(cov_type="cluster", groups=ddf["firm"]))


def pyfixest_call(name, cols):
    import pyfixest as pf
    import pyfixest.demeaners as demeaners

    kind, kw = DEMEANERS[name]
    demeaner = getattr(demeaners, kind)(**kw)
    fml = "y ~ " + " + ".join(features(cols)) + " | " + " + ".join(ABSORB)

    def call(df):
        fit = pf.feols(
            fml,
            data=df,
            vcov={"CRV1": "firm"},
            demeaner=demeaner,
            copy_data=False,
            store_data=False,
            lean=True,
        )
        return np.asarray(fit.coef()), np.asarray(fit.se()), {"nobs": int(fit._N)}

    return call


def statsmodels_fwl_call(X, y, firm, year):
    """The fixed-effects model by FWL by hand: exact within-firm demeaning of X, y and
    the year dummies (first level dropped), singletons removed first, then statsmodels
    OLS clustered by firm."""
    import statsmodels.api as sm

    fc = np.unique(firm, return_inverse=True)[1]
    yc = np.unique(year, return_inverse=True)[1]
    keep = fe_data.non_singleton_rows(fc, yc)
    fc, yc = fc[keep], yc[keep]
    dummies = (yc[:, None] == np.arange(1, yc.max() + 1)).astype(np.float64)
    design = np.column_stack([X[keep], dummies, y[keep]])
    demeaned = fe_data.within(design, fc)
    ols = sm.OLS(demeaned[:, -1], demeaned[:, :-1])
    res = ols.fit(cov_type="cluster", cov_kwds={"groups": fc})
    n, k = demeaned.shape[0], demeaned.shape[1] - 1
    # statsmodels' (n - 1) / (n - k) counts the k columns; fixest's also counts one
    # parameter for the firm effects (nested in the clusters): (n - 1) / (n - k - 1).
    p = X.shape[1]
    bse = res.bse[:p] * np.sqrt((n - k) / (n - k - 1))
    return res.params[:p], bse, {"nobs": int(n)}


def prepare(name, args):
    """Load the data as ``name`` takes it; return (call, data tuple, warm-up tuple, notes)."""
    if name == "linreg_stream":
        path = os.path.join(args.dir, "data.parquet")
        return (lambda: stream_call(path, args.cols)), (), None, {}
    X, y, firm, year = fe_data.load(args.dir)
    w = slice(0, WARM_ROWS)
    if name == "linreg":
        import pandas as pd

        absorb = pd.DataFrame({"firm": firm, "year": year})
        warm = (X[w], y[w], absorb.iloc[w], firm[w])
        return linreg_call, (X, y, absorb, firm), warm, {}
    if name == "statsmodels_fwl":
        return statsmodels_fwl_call, (X, y, firm, year), (X[w], y[w], firm[w], year[w]), {}
    t0 = time.perf_counter()
    df = frame_of(X, y, firm, year)
    notes = {"frame_s": time.perf_counter() - t0}
    del X, y, firm, year
    warm = (df.iloc[w].copy(),)
    return pyfixest_call(name, args.cols), (df,), warm, notes


MODULES = {
    "linreg": ("linreg", "pandas"),
    "linreg_stream": ("linreg", "linreg.sources", "pyarrow.parquet"),
    "statsmodels_fwl": ("statsmodels.api",),
}


def time_calls(call, data, repeat):
    """Best-of timings of ``call(*data)``: (coef, bse, notes, times, cpu, extra MB, peak,
    exact peak)."""
    gc.collect()
    base = rss_mb()
    times, cpu, extra, peak, exact = [], [], 0.0, hwm_mb(), True
    while len(times) < repeat and sum(times) < BUDGET_S:
        exact = reset_peak() and exact
        t0, c0 = time.perf_counter(), cpu_seconds()
        coef, bse, notes = call(*data)
        times.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds() - c0)
        extra = max(extra, hwm_mb() - base)
        peak = max(peak, hwm_mb())
        gc.collect()
    timing = {"times": times, "cpu": cpu, "base_mb": base, "extra_mb": extra}
    return coef, bse, notes, {**timing, "peak_mb": peak, "exact_peak": exact}


def child(name, args):
    """Run one library's timed calls; print one JSON line and save its coef and bse."""
    import importlib

    warnings.simplefilter("ignore")
    for module in MODULES.get(name, ("pyfixest", "pandas")):
        importlib.import_module(module)
    import_mb = rss_mb()
    if name == "linreg_dask":
        result = dask_child(args)
    else:
        call, data, warm, result = prepare(name, args)
        try:
            call(*(warm if warm is not None else data))
        except Exception as err:  # noqa: BLE001 -- reported as the run's figure
            print("RESULT " + json.dumps({"name": name, "error": _unavailable(err)}))
            return
        coef, bse, notes, timing = time_calls(call, data, _repeat(name, args))
        result.update(timing, **notes)
        np.save(os.path.join(args.dir, f"coef_{name}.npy"), coef)
        np.save(os.path.join(args.dir, f"bse_{name}.npy"), bse)
    result.update(name=name, import_mb=import_mb)
    print("RESULT " + json.dumps(result))


def _repeat(name, args):
    return args.repeat if name.startswith("linreg") else args.ref_repeat


def _unavailable(err):
    return f"not available ({type(err).__name__}: {str(err).splitlines()[0][:150]})"


# -------------------------------------------------------------------- child: Dask


def dask_child(args):
    """Time the fit on a 2-process LocalCluster; the memory and CPU of the workers too."""
    import dask.dataframe as dd
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        X, y, firm, year = fe_data.load(args.dir)
        small = frame_of(X[:WARM_ROWS], y[:WARM_ROWS], firm[:WARM_ROWS], year[:WARM_ROWS])
        del X, y, firm, year
        try:
            dask_call(dd.from_pandas(small, npartitions=2), args.cols)
        except Exception as err:  # noqa: BLE001 -- reported as the run's figure
            return {"error": _unavailable(err)}
        path = os.path.join(args.dir, "data.parquet")
        return _time_dask(client, lambda: dask_call(dd.read_parquet(path), args.cols), args)
    finally:
        client.close()
        cluster.close()


def _time_dask(client, call, args):
    gc.collect()
    base = rss_mb()
    times, cpu, extra, peak = [], [], 0.0, 0.0
    while len(times) < args.repeat and sum(times) < BUDGET_S:
        reset_peak()
        before = client.run(process_state, True)
        t0, c0 = time.perf_counter(), cpu_seconds()
        coef, bse, notes = call()
        times.append(time.perf_counter() - t0)
        after = client.run(process_state)
        workers_cpu = sum(after[k][2] - before[k][2] for k in after)
        cpu.append(cpu_seconds() - c0 + workers_cpu)
        workers_extra = sum(after[k][1] - before[k][0] for k in after)
        extra = max(extra, hwm_mb() - base + workers_extra)
        peak = max(peak, hwm_mb() + sum(after[k][1] for k in after))
        gc.collect()
    np.save(os.path.join(args.dir, "coef_linreg_dask.npy"), coef)
    np.save(os.path.join(args.dir, "bse_linreg_dask.npy"), bse)
    timing = {"times": times, "cpu": cpu, "base_mb": base, "extra_mb": extra}
    return {**timing, "peak_mb": peak, "exact_peak": True, **notes}


# ------------------------------------------------------------------------- parent


PACKAGES = ("linreg", "numpy", "scipy", "statsmodels", "pyfixest", "pandas", "pyarrow", "dask")


def run_child(name, args):
    if name == "pyfixest_jax":
        import importlib.util

        if importlib.util.find_spec("jax") is None:
            return {"name": name, "error": "not installed (jax)"}
    if name == "statsmodels_dummies":
        return {"name": name, "error": dense_dummies_figure(args)}
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--dir", args.dir]
    cmd += ["--rows", str(args.rows), "--cols", str(args.cols)]
    cmd += ["--firms", str(args.firms), "--years", str(args.years)]
    cmd += ["--repeat", str(args.repeat), "--ref-repeat", str(args.ref_repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
    return {"name": name, "error": f"failed: {tail}"}


def dense_dummies_figure(args):
    """The size of statsmodels' dense design with both effects as dummy columns."""
    cols = args.cols + args.firms + args.years - 1
    gb = args.rows * cols * 8 / 1e9
    return f"out of memory (dense dummies: {args.rows:,} x {cols:,} x 8 bytes = {gb:,.0f} GB)"


def load_result(folder, name):
    return tuple(np.load(os.path.join(folder, f"{k}_{name}.npy")) for k in ("coef", "bse"))


def rel_diff(a, b):
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b) / np.abs(b)))


def differences(results, folder):
    """Max relative coef and bse differences of each run against linreg's in-memory fit
    (else the statsmodels FWL fit, else the first run that worked)."""
    ok = [r["name"] for r in results if "error" not in r]
    if not ok:
        return None, {}
    ref = next((n for n in ("linreg", "statsmodels_fwl") if n in ok), ok[0])
    coef0, bse0 = load_result(folder, ref)
    diffs = {}
    for n in ok:
        coef, bse = load_result(folder, n)
        diffs[n] = (rel_diff(coef, coef0), rel_diff(bse, bse0))
    return ref, diffs


def print_table(results, diffs, ref, x_mb):
    best = {r["name"]: min(r["times"]) for r in results if "error" not in r}
    base = best.get(ref)
    print(
        f"| method | time (s) | CPU s | runs | time / {ref} | peak extra RSS (MB) | extra / X | "
        f"peak RSS (MB) | rows used | max rel coef diff | max rel bse diff |"
    )
    print("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        label = NAMES[r["name"]]
        if "error" in r:
            print(f"| {label} | {r['error'][:160]} | | | | | | | | | |")
            continue
        t, c = min(r["times"]), min(r["cpu"])
        ratio = f"{t / base:.1f}x" if base else "-"
        share = "-" if r["name"] == "linreg_stream" else f"{r['extra_mb'] / x_mb:.0%}"
        coef_d, bse_d = diffs.get(r["name"], (float("nan"),) * 2)
        print(
            f"| {label} | {t:.2f} | {c:.1f} | {len(r['times'])} | {ratio} | "
            f"{r['extra_mb']:.0f} | {share} | {r['peak_mb']:.0f} | {r.get('nobs', '-')} | "
            f"{coef_d:.1e} | {bse_d:.1e} |"
        )


def print_notes(results):
    for r in results:
        if "error" in r:
            continue
        label = NAMES[r["name"]]
        if "frame_s" in r:
            print(f"- {label}: building the DataFrame (not timed) took {r['frame_s']:.2f} s")
        if not r["exact_peak"]:
            print(f"- {label}: peak RSS could not be reset; the peak includes loading")
        extra = {k: r[k] for k in ("n_singletons", "n_levels") if k in r}
        print(
            f"- {label}: RSS after imports {r['import_mb']:.0f} MB, with the data loaded "
            f"{r['base_mb']:.0f} MB; times {', '.join(f'{t:.2f}' for t in r['times'])}"
            + (f"; {extra}" if extra else "")
        )
        if r["name"] == "linreg_dask":
            print(f"- {label}: memory and CPU are the client's plus the 2 workers'")


def _verdict(ok):
    return "PASS" if ok else "FAIL"


def verdicts(results, folder, x_mb):
    by = {r["name"]: r for r in results if "error" not in r}
    best = {n: min(r["times"]) for n, r in by.items()}
    out = []
    fastest = min((n for n in SPEED_RUNS if n in by), key=best.get, default=None)
    if "linreg" in by and fastest:
        s = best[fastest] / best["linreg"]
        c = min(by[fastest]["cpu"]) / min(by["linreg"]["cpu"])
        out.append(
            f"{s:.1f}x pyfixest's fastest ({NAMES[fastest]}; CPU time {c:.1f}x; >= 3x): "
            + _verdict(s >= 3)
        )
        d = rel_diff(*(load_result(folder, n)[0] for n in ("linreg", fastest)))
        out.append(f"coef = {fastest} to {COEF_RTOL:g}: {_verdict(d <= COEF_RTOL)} ({d:.1e})")
        for ref in ("pyfixest_tight", "statsmodels_fwl"):
            if ref in by:
                d = rel_diff(*(load_result(folder, n)[0] for n in ("linreg", ref)))
                out.append(f"coef = {ref} to {COEF_RTOL:g}: {_verdict(d <= COEF_RTOL)} ({d:.1e})")
    if "linreg" in by:
        e = by["linreg"]["extra_mb"] / x_mb
        out.append(f"peak extra {e:.2f} copies of X (< 2): {_verdict(e < 2)}")
    if "linreg_stream" in by:
        p = by["linreg_stream"]["peak_mb"]
        out.append(f"streamed peak RSS {p:.0f} MB (< 500 MB): {_verdict(p < 500)}")
    for other in ("linreg_stream", "linreg_dask"):
        if "linreg" in by and other in by:
            a, b = load_result(folder, other), load_result(folder, "linreg")
            d = max(rel_diff(a[0], b[0]), rel_diff(a[1], b[1]))
            verdict = _verdict(d <= SAME_RTOL)
            out.append(f"{other} = in memory (coef, bse) to 1e-10: {verdict} ({d:.1e})")
    print("verdicts: " + ("; ".join(out) if out else "none (linreg not available)"))


def run(args):
    written = fe_data.ensure_data(args.rows, args.cols, args.firms, args.years, args.dir)
    x_mb = args.rows * args.cols * 8 / 1e6
    pq_mb = os.path.getsize(os.path.join(args.dir, "data.parquet")) / 1e6
    print(
        f"# fixed-effects benchmark (CRV1 by firm): X {args.rows:,} x {args.cols} float64 "
        f"({x_mb:,.0f} MB), effects firm ({args.firms:,} levels) + year ({args.years}), "
        f"Parquet {pq_mb:,.0f} MB" + (f", written in {written:.0f} s" if written else " (reused)")
    )
    print(f"# machine: {machine()}, load average {os.getloadavg()[0]:.1f}; {versions(PACKAGES)}")
    results = []
    for name in args.only:
        results.append(run_child(name, args))
    ref, diffs = differences(results, args.dir)
    print(f"\ndifferences against {ref}; load average now {os.getloadavg()[0]:.1f}\n")
    print_table(results, diffs, ref, x_mb)
    print()
    print_notes(results)
    verdicts(results, args.dir, x_mb)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--cols", type=int, default=5)
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3, help="timed linreg calls")
    ap.add_argument("--ref-repeat", type=int, default=3, help="timed calls of the references")
    ap.add_argument("--dir", default=None, help="folder for the data files (kept)")
    ap.add_argument("--quick", action="store_true", help="200,000 rows, 10,000 firms")
    ap.add_argument("--only", default=",".join(NAMES), help="comma-separated runs")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.rows, args.firms = 200_000, 10_000
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
    run_in_data_folder(args, run, "linreg-bench-fe-")


if __name__ == "__main__":
    main()
