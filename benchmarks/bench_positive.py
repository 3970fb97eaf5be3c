"""Benchmark non-negative least squares: ``LinearRegression(positive=True)``.

Compares :class:`linreg.LinearRegression` with scikit-learn's on one synthetic problem,
in one process, on the same arrays.

Usage::

    .venv/bin/python benchmarks/bench_positive.py [--rows N] [--cols P] [--repeat R]

Data: ``X`` is an ``N x P`` float64 matrix of standard normal draws
(``numpy.random.default_rng(0)``), ``y = X @ beta + 3 + noise`` with ``beta`` standard
normal (about half the coefficients want to be negative, so about half the
constraints are active) and standard normal noise.  Both fit an intercept.

What is measured: best-of-``R`` wall-clock time of ``fit`` for linreg (after one
untimed call), one timed call for scikit-learn (it runs ``scipy.optimize.nnls`` on the
centred copy of X: minutes at the default size); the ratio; and the differences of the
answers: the largest coefficient difference relative to the largest coefficient, the
normwise relative difference in the equilibrated scale (coefficients times the
centred column norms, the scale of linreg's error bounds), and the intercept
difference.  scikit-learn's ``coef_`` is scipy.optimize.nnls's answer on the centred
data; ``scipy.optimize.nnls`` is also called directly on the centred data (one timed
call; ``--no-scipy`` skips it).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import scipy
import sklearn
from scipy.optimize import nnls
from sklearn.linear_model import LinearRegression as SkLinearRegression

from linreg import LinearRegression


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"{cpu}, os.cpu_count() = {os.cpu_count()}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"
    )


def timed(fn, repeat: int):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-scipy", action="store_true", help="skip the direct scipy.optimize.nnls call"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.rows, args.cols))
    y = X @ rng.standard_normal(args.cols) + 3.0 + rng.standard_normal(args.rows)
    print(f"positive=True benchmark: X {args.rows:,} x {args.cols} float64 "
          f"({X.nbytes / 1e6:.1f} MB), intercept fitted")
    print(f"Machine: {machine()}")

    LinearRegression(positive=True).fit(X, y)  # untimed first call
    t_ours, ours = timed(lambda: LinearRegression(positive=True).fit(X, y), args.repeat)
    t_sk, sk = timed(lambda: SkLinearRegression(positive=True).fit(X, y), 1)

    t_scipy, direct = None, None
    if not args.no_scipy:  # scipy.optimize.nnls itself on the centred data

        def scipy_fit():
            x_mean, y_mean = X.mean(axis=0), y.mean()
            coef = nnls(X - x_mean, y - y_mean)[0]
            return coef, y_mean - x_mean @ coef

        t_scipy, direct = timed(scipy_fit, 1)
    d = X.std(axis=0) * np.sqrt(args.rows)  # centred column norms
    max_rel = np.max(np.abs(ours.coef_ - sk.coef_)) / np.max(np.abs(sk.coef_))
    normwise = np.linalg.norm((ours.coef_ - sk.coef_) * d) / np.linalg.norm(sk.coef_ * d)
    print()
    print("| method | repeats | time (s) | linreg speed-up |")
    print("|:---|---:|---:|---:|")
    print(f"| linreg LinearRegression(positive=True) | {args.repeat} | {t_ours:.3f} | 1.0x |")
    print(f"| sklearn LinearRegression(positive=True) | 1 | {t_sk:.3f} | {t_sk / t_ours:.1f}x |")
    if t_scipy is not None:
        print(f"| scipy.optimize.nnls on centred X | 1 | {t_scipy:.3f} | {t_scipy / t_ours:.1f}x |")
    print()
    print(f"- linreg solver_: {ours.solver_}, n_iter_ {ours.n_iter_}, error bound "
          f"{ours.solution_.error_estimate:.1e}, status {ours.solution_.status}")
    print(f"- active constraints (coef = 0): linreg {int(np.sum(ours.coef_ == 0))}, "
          f"sklearn {int(np.sum(sk.coef_ == 0))}, same set: "
          f"{bool(np.array_equal(ours.coef_ == 0, sk.coef_ == 0))}")
    print(f"- max |coef diff| / max |coef|: {max_rel:.1e}")
    print(f"- normwise relative coef difference (equilibrated): {normwise:.1e}")
    print(f"- |intercept diff|: {abs(ours.intercept_ - sk.intercept_):.1e}")
    if direct is not None:
        scipy_rel = np.max(np.abs(ours.coef_ - direct[0])) / np.max(np.abs(direct[0]))
        max_rel = max(max_rel, scipy_rel)
        print(f"- scipy.optimize.nnls: max |coef diff| / max |coef| {scipy_rel:.1e}, "
              f"|intercept diff| {abs(ours.intercept_ - direct[1]):.1e}")
    print(f"- speed-up {t_sk / t_ours:.1f}x (target >= 10x): "
          f"{'PASS' if t_sk / t_ours >= 10 else 'FAIL'}; equal to 1e-10: "
          f"{'PASS' if max(max_rel, normwise) <= 1e-10 else 'FAIL'}")


if __name__ == "__main__":
    main()
