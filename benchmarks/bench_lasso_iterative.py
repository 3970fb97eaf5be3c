"""Benchmark Lasso / ElasticNet through the iterative solvers (proximal gd, torch).

Usage::

    .venv/bin/python benchmarks/bench_lasso_iterative.py [--quick]

Data: diabetes (scikit-learn's, raw units) and synthetic ``X`` standard normal times
column scales from 0.1 to 10 plus offsets (``default_rng(0)``), ``y = X beta + 3 +
noise`` with 10% of ``beta`` nonzero; ``alpha = fraction * alpha_max``.  All in one
process, on the same arrays.

Columns: best-of-2 wall time; ratio = time / linreg's coordinate descent (default
solver, tol 1e-13 relative gap); epochs (sweeps for CD, ``n_iter_``); time per epoch;
the largest coefficient difference from CD relative to CD's largest coefficient;
whether the exact zeros are the same; the objective relative to CD's,
``(obj - obj_cd)/obj_cd``; peak extra memory from tracemalloc in a separate untimed run
(NumPy allocations only; torch's and BLAS's own allocations are not seen).  torch runs
on the CPU with the threads torch chooses.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes

import linreg

# Run as a script from benchmarks/: the objective and timers are bench_lasso's.
from bench_lasso import objective, peak, timed  # noqa: E402


def make(n, p, seed=0):
    rng = np.random.default_rng(seed)
    scale = np.geomspace(0.1, 10, p)
    X = rng.standard_normal((n, p)) * scale + 5 * rng.standard_normal(p)
    beta = np.zeros(p)
    k = max(5, p // 10)
    beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k) / scale[:k]
    return X, X @ beta + 3.0 + rng.standard_normal(n)


def alpha_max(X, y, l1_ratio):
    return np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / (len(y) * l1_ratio)


def table(title, X, y, alpha, l1_ratio):
    enet = lambda **kw: lambda: linreg.ElasticNet(alpha, l1_ratio=l1_ratio, **kw).fit(X, y)  # noqa: E731
    rows = {
        "linreg CD (default)": enet(),
        "linreg gd (FISTA)": enet(solver="gd"),
        "linreg gd tol=1e-8": enet(solver="gd", tol=1e-8),
        "linreg torch sgd (ISTA)": enet(solver="torch"),
        "linreg torch sgd tol=1e-8": enet(solver="torch", tol=1e-8),
        "sklearn tol=1e-6": lambda: sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-6).fit(
            X, y
        ),
    }
    print(f"\n{title}, alpha = {alpha:.4g}, l1_ratio = {l1_ratio}")
    print(
        "| method | time s | ratio | epochs | ms/epoch | coef diff | zeros "
        "| obj rel. to CD | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    ref = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in rows.items():
            seconds, model = timed(fn)
            if ref is None:
                ref = (
                    seconds,
                    model,
                    objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio),
                )
            t0, cd, obj_cd = ref
            obj = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio)
            diff = np.max(np.abs(model.coef_ - cd.coef_)) / np.max(np.abs(cd.coef_))
            zeros = "same" if np.array_equal(model.coef_ == 0, cd.coef_ == 0) else "differ"
            epochs = int(model.n_iter_)
            print(
                f"| {name} | {seconds:.3f} | {seconds / t0:.2f} | {epochs} | "
                f"{1e3 * seconds / max(epochs, 1):.3f} | {diff:.1e} | {zeros} | "
                f"{(obj - obj_cd) / obj_cd:.1e} | {peak(fn):.1f} |"
            )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    # warm up: numba kernels and torch import
    Xw, yw = make(50, 5)
    linreg.Lasso(0.1).fit(Xw, yw)
    linreg.Lasso(0.1, solver="torch").fit(Xw, yw)
    Xd, yd = load_diabetes(return_X_y=True)
    for fraction in (0.05, 0.01):
        table(
            f"diabetes 442 x 10, {fraction} alpha_max",
            Xd,
            yd,
            fraction * alpha_max(Xd, yd, 1.0),
            1.0,
        )
    sizes = [(2000, 50)] if args.quick else [(20000, 100), (5000, 500)]
    for n, p in sizes:
        X, y = make(n, p)
        for l1_ratio in (1.0, 0.5):
            table(
                f"synthetic {n} x {p}, 0.1 alpha_max",
                X,
                y,
                0.1 * alpha_max(X, y, l1_ratio),
                l1_ratio,
            )


if __name__ == "__main__":
    main()
