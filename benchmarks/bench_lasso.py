"""Benchmark Lasso / ElasticNet fits and LassoCV / ElasticNetCV against the references.

Usage::

    .venv/bin/python benchmarks/bench_lasso.py [--quick] [--sizes 200000x100,...]

Data: ``X`` standard normal (``default_rng(0)``), ``y = X beta + 3 + noise`` with 10%
of ``beta`` nonzero.  Single fits use ``alpha = 0.1 * alpha_max`` (ElasticNet: the same
alpha, ``l1_ratio=0.5``).  All in one process, on the same arrays.

Columns: best-of-2 wall time after a warm-up run (rows over 10 s: that first run);
ratio = time / linreg's (default settings) time; the
objective (scikit-learn's scaling) relative to the lowest of the row group, ``obj - min``
over ``min``; peak extra memory from tracemalloc in a separate untimed run (NumPy
allocations; BLAS/numba internals are not seen).  Reference settings: scikit-learn
``tol=1e-6`` (its gap tolerance relative to ``||y||^2/n``), skglm ``tol=1e-6``, glum
``family="normal"`` with its default ``gradient_tol``.  CV rows: 5-fold KFold, 100 alphas,
the same folds for both, chosen ``alpha_`` shown; for n >= p also scikit-learn at
``tol=1e-8`` (which alpha its CV curve picks when solved accurately), and scikit-learn
with ``n_jobs=-1`` (its folds on every core: linreg's default uses the cores too).  linreg's CV
default: loose paths, the alphas near the minimum re-solved to 1e-10 (see
``linreg.penalized.cv``).  The load average is printed with each table (shared machine).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
import warnings

import numpy as np
from sklearn import linear_model as sk
from sklearn.model_selection import KFold

import linreg


def make(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    k = max(5, p // 10)
    beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    return X, X @ beta + 3.0 + rng.standard_normal(n)


def objective(X, y, coef, intercept, alpha, l1_ratio):
    r = y - X @ coef - intercept
    return (
        r @ r / (2 * len(y))
        + alpha * l1_ratio * np.abs(coef).sum()
        + alpha * (1 - l1_ratio) / 2 * coef @ coef
    )


def timed(fn, repeat=2):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def peak(fn):
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (top - base) / 1e6


def single_fit_rows(X, y, alpha, l1_ratio):
    rows = {
        "linreg (default, tol 1e-13 rel. gap)": lambda: linreg.ElasticNet(
            alpha=alpha, l1_ratio=l1_ratio
        ).fit(X, y),
        "linreg tol=1e-8": lambda: linreg.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-8).fit(
            X, y
        ),
        "sklearn tol=1e-6": lambda: sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-6).fit(
            X, y
        ),
    }
    try:
        import skglm

        rows["skglm tol=1e-6"] = lambda: skglm.ElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, tol=1e-6
        ).fit(X, y)
    except ImportError:
        pass
    try:
        from glum import GeneralizedLinearRegressor

        rows["glum"] = lambda: GeneralizedLinearRegressor(
            family="normal", alpha=alpha, l1_ratio=l1_ratio
        ).fit(X, y)
    except ImportError:
        pass
    return rows


def run_group(title, rows, X, y, alpha, l1_ratio, cv=False):
    print(f"\n{title}")
    results = []
    for name, fn in rows.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, model = timed(fn, repeat=1)  # warm-up (numba cache load, BLAS threads)
            if t < 10.0:  # slow rows (minutes): the one run is the time
                t, model = timed(fn)
            mem = peak(fn)
        a = getattr(model, "alpha_", alpha)
        r = getattr(model, "l1_ratio_", l1_ratio)
        obj = objective(X, y, np.ravel(model.coef_), float(model.intercept_), a, r)
        results.append((name, t, obj, mem, a))
    t0 = results[0][1]
    best = min(r[2] for r in results)
    head = f"| {'method':38s} | time s | ratio | obj rel. to best | peak MB |"
    if cv:
        head += " alpha_ |"
    print(head)
    print("|" + "---|" * (6 if cv else 5))
    for name, t, obj, mem, a in results:
        line = (
            f"| {name:38s} | {t:6.3f} | {t / t0:5.2f} | {(obj - best) / best:16.2e} | {mem:7.1f} |"
        )
        if cv:
            line += f" {a:.6g} |"
        print(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--sizes", default=None)
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument(
        "--no-tight", action="store_true", help="skip scikit-learn's CV at tol=1e-8"
    )
    args = parser.parse_args()
    sizes = "20000x50,2000x200,200x1000" if args.quick else "200000x100,10000x1000,1000x5000"
    if args.sizes:
        sizes = args.sizes
    for size in sizes.split(","):
        n, p = map(int, size.split("x"))
        X, y = make(n, p)
        Xc = X - X.mean(0)
        amax = np.abs(Xc.T @ (y - y.mean())).max() / n
        del Xc
        for l1_ratio in (1.0, 0.5):
            alpha = 0.1 * amax / l1_ratio
            kind = "Lasso" if l1_ratio == 1 else "ElasticNet(l1_ratio=0.5)"
            run_group(
                f"{kind}, {n} x {p}, alpha = {alpha:.4g} (load average {os.getloadavg()[0]:.1f})",
                single_fit_rows(X, y, alpha, l1_ratio),
                X,
                y,
                alpha,
                l1_ratio,
            )
        if args.no_cv:
            continue
        cv = KFold(5, shuffle=True, random_state=0)
        for l1_ratio in (1.0, 0.5):
            if l1_ratio == 1:
                rows = {
                    "linreg LassoCV": lambda X=X, y=y, cv=cv: linreg.LassoCV(cv=cv, alphas=100).fit(
                        X, y
                    ),
                    "sklearn LassoCV": lambda X=X, y=y, cv=cv: sk.LassoCV(cv=cv, alphas=100).fit(
                        X, y
                    ),
                    "sklearn LassoCV n_jobs=-1": lambda X=X, y=y, cv=cv: sk.LassoCV(
                        cv=cv, alphas=100, n_jobs=-1
                    ).fit(X, y),
                }
            else:
                rows = {
                    "linreg ElasticNetCV": lambda X=X, y=y, cv=cv: linreg.ElasticNetCV(
                        cv=cv, alphas=100, l1_ratio=0.5
                    ).fit(X, y),
                    "sklearn ElasticNetCV": lambda X=X, y=y, cv=cv: sk.ElasticNetCV(
                        cv=cv, alphas=100, l1_ratio=0.5
                    ).fit(X, y),
                    "sklearn ElasticNetCV n_jobs=-1": lambda X=X, y=y, cv=cv: sk.ElasticNetCV(
                        cv=cv, alphas=100, l1_ratio=0.5, n_jobs=-1
                    ).fit(X, y),
                }
            if p <= n and not args.no_tight:
                # scikit-learn's own choice at a tight tolerance (its default tol=1e-4
                # path can move a flat CV curve's minimum by a grid point)
                cls = sk.LassoCV if l1_ratio == 1 else sk.ElasticNetCV
                extra = {} if l1_ratio == 1 else {"l1_ratio": 0.5}
                rows[f"sklearn {cls.__name__} tol=1e-8"] = (
                    lambda X=X, y=y, cv=cv, cls=cls, extra=extra: cls(
                        cv=cv, alphas=100, tol=1e-8, **extra
                    ).fit(X, y)
                )
            load = os.getloadavg()[0]
            run_group(
                f"CV 5 folds x 100 alphas, {n} x {p} (load average {load:.1f})",
                rows,
                X,
                y,
                None,
                l1_ratio,
                cv=True,
            )


if __name__ == "__main__":
    main()
