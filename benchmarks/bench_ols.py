"""Benchmark ordinary least squares fits of a tall, dense design.

Compares :class:`linreg.LinearRegression` with the usual reference
implementations on one synthetic problem, in one process, on the same arrays.

Usage::

    .venv/bin/python benchmarks/bench_ols.py [--rows N] [--cols P] [--repeat R]
                                             [--slow-repeat S] [--markdown PATH]

Data
----
``X`` is an ``N x P`` C-contiguous float64 matrix of standard normal draws
(``numpy.random.default_rng(0)``) and ``y = X @ beta + 3.0 + noise`` with
standard normal ``beta`` and ``noise``.  Every method fits an intercept.

What is measured
----------------
time
    Best-of-``R`` wall-clock time (:func:`time.perf_counter`) of one call.  The
    slow references (scikit-learn ``LinearRegression``, statsmodels ``OLS``,
    :func:`numpy.linalg.lstsq`) use ``S = min(R, 2)`` repeats unless
    ``--slow-repeat`` says otherwise; the table states the count used per row.
    Each method also runs once, untimed, before its timed runs (the memory run
    below), so no timing pays for a first call.
time / X.T@X
    The time relative to NumPy's own ``X.T @ X`` on the same ``X`` (a BLAS
    ``syrk``): the floor for any method that reads ``X`` and forms its Gram
    matrix, and the baseline the performance target is expressed against.
linreg speed-up
    That method's time divided by ``linreg``'s time.
peak extra memory
    In a separate, untimed run: :func:`tracemalloc.start`, then the peak of
    traced memory during the call minus the traced memory before it, in MB
    (``10**6`` bytes) and as a percentage of ``X.nbytes``.  NumPy reports its
    array allocations to tracemalloc, so copies and temporaries of arrays are
    counted; memory allocated outside NumPy and Python (BLAS/LAPACK internal
    buffers, the ``malloc`` workspace of ``numpy.linalg``'s SVD) is not.
max |coef diff|, |intercept diff|
    The largest absolute difference from ``linreg``'s coefficients and
    intercept, so that the rows compare equal answers.  ``Ridge(alpha=1.0)``
    differs by its penalty (a relative shrinkage of about ``alpha / N``).

Two rows include a copy of ``X`` in what they time and measure, because that
is how those libraries are called with an intercept: statsmodels needs
``sm.add_constant(X)`` and ``lstsq`` needs ``np.column_stack([ones, X])``.

Verdict lines compare ``linreg`` with the targets: at least 15x faster than
scikit-learn's ``LinearRegression``, at most 1.5x the time of ``X.T @ X``,
and at most 25% of ``X``'s size in peak extra memory.  The two speed verdicts use
paired timings, taken after the table: the two calls timed back to back
(``--pairs`` pairs against scikit-learn, three times as many against ``X.T @ X``), and
the median of the per-pair ratios, because a shared machine drifts by tens of percent
between the table's rows.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sklearn
import threadpoolctl
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.linear_model import Ridge as SkRidge

import linreg

try:
    import statsmodels
    import statsmodels.api as sm
except ImportError:  # statsmodels is a dev dependency: its row is skipped without it
    statsmodels = None
    sm = None

MB = 1e6

#: Targets for linreg, as stated in the verdict lines.
TARGET_SPEEDUP_VS_SKLEARN = 15.0
TARGET_RATIO_TO_GRAM = 1.5
TARGET_MEMORY_PERCENT = 25.0

#: Relative tolerance under which an unpenalized method counts as agreeing with linreg.
AGREEMENT_RTOL = 1e-8

Fit = Callable[[], "tuple[np.ndarray, float] | None"]


@dataclass
class Method:
    """One benchmarked call: ``run()`` returns ``(coef, intercept)`` or ``None``."""

    name: str
    run: Fit
    repeats: int
    note: str = ""
    penalized: bool = False


@dataclass
class Result:
    method: Method
    seconds: float
    peak_bytes: int
    coef: np.ndarray | None
    intercept: float | None


# ----------------------------------------------------------------------- data
def make_data(n_rows: int, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard normal ``X`` (C order), ``beta`` and ``y = X @ beta + 3.0 + noise``."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_cols))
    beta = rng.standard_normal(n_cols)
    y = X @ beta + 3.0 + rng.standard_normal(n_rows)
    assert X.flags.c_contiguous and X.dtype == np.float64
    return X, y, beta


# -------------------------------------------------------------------- methods
def build_methods(
    X: np.ndarray, y: np.ndarray, repeat: int, slow_repeat: int, info: dict
) -> list[Method]:
    """The calls to compare, in table order; the first is the ``X.T @ X`` baseline.

    The linreg fit records the solver it took in ``info["solver"]``.
    """
    n = X.shape[0]

    def gram():
        X.T @ X
        return None

    def fit_linreg():
        model = linreg.LinearRegression().fit(X, y)
        info["solver"] = model.solver_
        return model.coef_, model.intercept_

    def fit_sklearn():
        model = SkLinearRegression().fit(X, y)
        return model.coef_, model.intercept_

    def fit_ridge():
        model = SkRidge(alpha=1.0, solver="cholesky").fit(X, y)
        return model.coef_, model.intercept_

    def fit_statsmodels():
        params = sm.OLS(y, sm.add_constant(X)).fit().params
        return params[1:], params[0]

    def fit_lstsq():
        params = np.linalg.lstsq(np.column_stack([np.ones(n), X]), y, rcond=None)[0]
        return params[1:], params[0]

    methods = [
        Method("numpy X.T @ X (baseline)", gram, repeat, "BLAS syrk, no solve"),
        Method("linreg LinearRegression", fit_linreg, repeat),
        Method(
            "sklearn LinearRegression",
            fit_sklearn,
            slow_repeat,
            "centres a copy of X, scipy lstsq (gelsd)",
        ),
        Method(
            "sklearn Ridge(alpha=1, cholesky)",
            fit_ridge,
            repeat,
            "centres a copy of X; coef differ by the penalty (~alpha/N)",
            penalized=True,
        ),
    ]
    if sm is not None:
        methods.append(
            Method(
                "statsmodels OLS + add_constant",
                fit_statsmodels,
                slow_repeat,
                "times and measures sm.add_constant(X) (a copy of X) with OLS(...).fit() (pinv)",
            )
        )
    methods.append(
        Method(
            "numpy lstsq + column_stack",
            fit_lstsq,
            slow_repeat,
            "times and measures np.column_stack([ones, X]) (a copy of X) with lstsq",
        )
    )
    return methods


# ---------------------------------------------------------------- measurement
def peak_extra_bytes(fn: Fit) -> tuple[tuple[np.ndarray, float] | None, int]:
    """Run ``fn`` once under tracemalloc; return its result and the peak extra bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return out, peak - before


def best_time(fn: Fit, repeats: int) -> float:
    """Best-of-``repeats`` wall time of ``fn()`` in seconds."""
    best = math.inf
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(method: Method) -> Result:
    out, peak = peak_extra_bytes(method.run)  # untimed; doubles as the warm-up run
    seconds = best_time(method.run, method.repeats)
    coef, intercept = (None, None) if out is None else out
    if coef is not None:
        coef = np.asarray(coef, dtype=np.float64).ravel()
        intercept = float(np.asarray(intercept).ravel()[0])
    return Result(method, seconds, peak, coef, intercept)


# -------------------------------------------------------------------- machine
def cpu_model() -> str:
    """CPU model name from ``lscpu``, ``/proc/cpuinfo`` or :func:`platform.processor`."""
    lscpu = shutil.which("lscpu")
    if lscpu:
        try:
            out = subprocess.run(
                [lscpu],
                capture_output=True,
                text=True,
                timeout=10,
                env={**os.environ, "LC_ALL": "C"},
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            if line.strip().lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_lines() -> list[str]:
    """Human-readable description of the machine and library versions."""
    lines = [
        f"CPU: {cpu_model()} ({platform.machine()}), os.cpu_count() = {os.cpu_count()}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
    ]
    versions = [
        f"numpy {np.__version__}",
        f"linreg {linreg.__version__}",
        f"scikit-learn {sklearn.__version__}",
        f"statsmodels {statsmodels.__version__ if statsmodels else 'not installed'}",
    ]
    lines.append("Versions: " + ", ".join(versions))
    for info in threadpoolctl.threadpool_info():
        if info.get("user_api") != "blas":
            continue
        lines.append(
            f"BLAS: {info.get('internal_api')} {info.get('version')}, "
            f"architecture {info.get('architecture', 'n/a')}, "
            f"num_threads {info.get('num_threads')} "
            f"({os.path.basename(info.get('filepath', ''))})"
        )
    return lines


# ---------------------------------------------------------------------- table
HEADER = [
    "method",
    "repeats",
    "time (s)",
    "/ X.T@X",
    "linreg speed-up",
    "peak extra (MB)",
    "% of X",
    "max |coef diff|",
    "|intercept diff|",
]


def table_rows(results: list[Result], x_nbytes: int) -> list[list[str]]:
    """One row of formatted cells per result, in :data:`HEADER` order."""
    gram, ref = results[0], results[1]
    rows = []
    for r in results:
        if r.coef is None or r is ref:
            coef_diff = intercept_diff = "-"
        else:
            coef_diff = f"{np.max(np.abs(r.coef - ref.coef)):.1e}"
            intercept_diff = f"{abs(r.intercept - ref.intercept):.1e}"
        rows.append(
            [
                r.method.name,
                str(r.method.repeats),
                f"{r.seconds:.3f}",
                f"{r.seconds / gram.seconds:.2f}",
                f"{r.seconds / ref.seconds:.1f}x",
                f"{r.peak_bytes / MB:.1f}",
                f"{100 * r.peak_bytes / x_nbytes:.1f}%",
                coef_diff,
                intercept_diff,
            ]
        )
    return rows


def format_text(rows: list[list[str]]) -> str:
    """Aligned plain-text table: method left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]

    def line(cells):
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(HEADER), "  ".join("-" * w for w in widths), *map(line, rows)])


def format_markdown(rows: list[list[str]]) -> str:
    """GitHub-flavoured Markdown table with numeric columns right-aligned."""

    def line(cells):
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    separator = "|" + "|".join([":---"] + ["---:"] * (len(HEADER) - 1)) + "|"
    return "\n".join([line(HEADER), separator, *map(line, rows)])


def paired_ratio(slow: Fit, fast: Fit, pairs: int, fast_repeats: int = 2) -> list[float]:
    """Per-pair ratios ``time(slow) / time(fast)``, each pair measured back to back.

    On a shared machine the speed drifts by tens of percent over minutes; timing the two
    calls next to each other and taking the median ratio cancels most of that drift.
    ``fast`` is timed (best of ``fast_repeats``) just before and just after ``slow``.
    """
    ratios = []
    for _ in range(pairs):
        before = best_time(fast, fast_repeats)
        slow_time = best_time(slow, 1)
        after = best_time(fast, fast_repeats)
        ratios.append(slow_time / min(before, after))
    return ratios


def verdict_lines(results: list[Result], x_nbytes: int, paired: dict) -> list[str]:
    """The three target checks for linreg (speed from the paired medians)."""
    ref = results[1]

    def mark(ok):
        return "met" if ok else "NOT met"

    def spread(values):
        return f"median of {len(values)} paired runs; range {min(values):.2f}-{max(values):.2f}"

    lines = []
    if "sklearn" in paired:
        speedup = float(np.median(paired["sklearn"]))
        lines.append(
            f"linreg vs sklearn LinearRegression: {speedup:.1f}x faster "
            f"({spread(paired['sklearn'])}; target >= {TARGET_SPEEDUP_VS_SKLEARN:g}x) "
            f"[{mark(speedup >= TARGET_SPEEDUP_VS_SKLEARN)}]"
        )
    ratio = float(np.median(paired["gram"]))
    lines.append(
        f"linreg fit / X.T@X: {ratio:.2f} ({spread(paired['gram'])}; "
        f"target <= {TARGET_RATIO_TO_GRAM:g}) [{mark(ratio <= TARGET_RATIO_TO_GRAM)}]"
    )
    percent = 100 * ref.peak_bytes / x_nbytes
    lines.append(
        f"linreg peak extra memory: {percent:.1f}% of X (target <= {TARGET_MEMORY_PERCENT:g}%) "
        f"[{mark(percent <= TARGET_MEMORY_PERCENT)}]"
    )
    return lines


def agreement_warnings(results: list[Result]) -> list[str]:
    """Unpenalized methods whose answer differs from linreg's beyond round-off."""
    ref = results[1]
    scale = max(1.0, float(np.max(np.abs(ref.coef))), abs(ref.intercept))
    out = []
    for r in results[2:]:
        if r.coef is None or r.method.penalized:
            continue
        diff = max(float(np.max(np.abs(r.coef - ref.coef))), abs(r.intercept - ref.intercept))
        if diff > AGREEMENT_RTOL * scale:
            out.append(f"WARNING: {r.method.name} differs from linreg by {diff:.2e}")
    return out


# ----------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="N (default 1,000,000)")
    parser.add_argument("--cols", type=int, default=100, help="P (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="best-of-R repeats (default 5)")
    parser.add_argument(
        "--slow-repeat",
        type=int,
        default=None,
        help="repeats for the slow references (default min(R, 2))",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="back-to-back pairs timed for the sklearn verdict (3x as many for X.T@X)",
    )
    parser.add_argument(
        "--markdown", metavar="PATH", help="also write the results as a Markdown section"
    )
    args = parser.parse_args(argv)
    if args.rows < 2 or args.cols < 1 or args.repeat < 1:
        parser.error("need --rows >= 2, --cols >= 1 and --repeat >= 1")
    if args.slow_repeat is None:
        args.slow_repeat = min(args.repeat, 2)
    elif args.slow_repeat < 1:
        parser.error("need --slow-repeat >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    X, y, _ = make_data(args.rows, args.cols)
    title = (
        f"OLS fit benchmark: X {args.rows:,} x {args.cols} float64 "
        f"({X.nbytes / MB:.1f} MB), intercept fitted"
    )
    machine = machine_lines()
    print(title)
    for line in machine:
        print("  " + line)
    print(flush=True)

    info = {}
    results = []
    for method in build_methods(X, y, args.repeat, args.slow_repeat, info):
        print(f"  running {method.name} ...", flush=True)
        results.append(measure(method))
    print()

    rows = table_rows(results, X.nbytes)
    notes = [f"{r.method.name}: {r.method.note}" for r in results if r.method.note]
    notes.append(f"linreg solver_ = {info.get('solver')!r}")
    notes.append(
        "time: best of 'repeats' runs (perf_counter); peak extra: separate untimed run, "
        "tracemalloc (NumPy/Python allocations only); diffs are against linreg"
    )
    print("  paired timings for the verdicts ...", flush=True)
    methods = {r.method.name: r.method for r in results}
    gram_run, linreg_run = results[0].method.run, results[1].method.run
    paired = {
        "gram": [best_time(linreg_run, 2) / best_time(gram_run, 2) for _ in range(3 * args.pairs)]
    }
    if "sklearn LinearRegression" in methods:
        paired["sklearn"] = paired_ratio(
            methods["sklearn LinearRegression"].run, linreg_run, args.pairs
        )
    verdicts = verdict_lines(results, X.nbytes, paired)
    warnings = agreement_warnings(results)

    print(format_text(rows))
    print()
    for note in notes:
        print("  * " + note)
    print()
    for line in [*warnings, *verdicts]:
        print(line)

    if args.markdown:
        command = (
            f"benchmarks/bench_ols.py --rows {args.rows} --cols {args.cols} "
            f"--repeat {args.repeat} --slow-repeat {args.slow_repeat}"
        )
        parts = [
            f"## {title}",
            "",
            f"Command: `{command}`",
            "",
            *[f"- {line}" for line in machine],
            "",
            format_markdown(rows),
            "",
            *[f"- {note}" for note in notes],
            "",
            *[f"- **{line}**" for line in [*warnings, *verdicts]],
            "",
        ]
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(parts))
        print(f"\nMarkdown written to {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
