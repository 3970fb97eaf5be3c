"""Benchmark RidgeCV: linreg against scikit-learn on the same data, in one process.

Usage::

    .venv/bin/python benchmarks/bench_ridge_cv.py [--quick] [--shapes 200000x100,...]
                                                  [--alphas 100] [--cv-alphas 10]
                                                  [--repeat 3] [--no-kfold]

Data
----
For each shape ``N x P``: ``X`` standard normal (``numpy.random.default_rng(0)``),
``beta`` normal with ``||beta||^2 ~ 10``, ``y = X @ beta + 3 + 2 * noise``.  Both
libraries fit an intercept.  Candidate penalties: ``np.logspace(-2, 4, n_alphas)`` (the
LOO optimum of every shape lies inside it, so the choice is a real minimum, not an end
of the grid).

Rows
----
``loo``
    ``RidgeCV(alphas)`` with the default ``cv=None``: efficient leave-one-out, all
    ``--alphas`` candidates (100 by default) for both libraries.
``kfold``
    ``RidgeCV(alphas, cv=5)``.  scikit-learn re-fits ``Ridge`` 5 times per alpha through
    ``GridSearchCV``, so its time grows linearly with the number of alphas; to keep the
    run short on a small machine both libraries get the same sub-grid of
    ``--cv-alphas`` candidates (every k-th of the full grid).  linreg's time hardly
    depends on the number of alphas, so the ratio at 100 alphas is larger than the one
    shown; linreg's own time with the full grid is printed in the note column.

What is measured
----------------
time
    Wall-clock (:func:`time.perf_counter`) of ``fit``; linreg: best of ``--repeat``,
    scikit-learn: one run (it takes minutes).  Each library is imported and warmed up
    on a tiny problem first.
speed-up
    scikit-learn's time / linreg's time.
alpha_
    The alpha each library chose, and whether they are equal (exactly: both pick from
    the same candidate list).
peak extra memory
    :func:`tracemalloc` peak during one more run (linreg) or during the timed run
    (scikit-learn; tracemalloc adds little to array-heavy code), in MB and as a percentage
    of ``X.nbytes``.  Memory outside NumPy/Python (BLAS/LAPACK workspaces) is not seen.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import tracemalloc

import numpy as np
import sklearn
from sklearn.linear_model import RidgeCV as SkRidgeCV

import linreg

MB = 1e6
TARGET_SPEEDUP = 10.0
FULL_SHAPES = ((200_000, 100), (10_000, 1_000), (1_000, 5_000))
QUICK_SHAPES = ((20_000, 100), (2_000, 400), (300, 1_500))


def make_data(n, p):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p) * np.sqrt(10.0 / p)
    y = X @ beta + 3.0 + 2.0 * rng.standard_normal(n)
    return X, y


def run(fit, traced: bool):
    """(seconds, peak extra bytes or None, fitted model)."""
    gc.collect()
    if traced:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    model = fit()
    seconds = time.perf_counter() - start
    peak = None
    if traced:
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    return seconds, peak, model


def compare(X, y, alphas, cv, repeat, full_alphas=None):
    ours = lambda a: lambda: linreg.RidgeCV(a, cv=cv).fit(X, y)  # noqa: E731
    t_ours = min(run(ours(alphas), False)[0] for _ in range(repeat))
    _, peak_ours, m_ours = run(ours(alphas), True)
    t_ref, peak_ref, m_ref = run(lambda: SkRidgeCV(alphas, cv=cv).fit(X, y), True)
    note = ""
    if full_alphas is not None:
        t_full = min(run(ours(full_alphas), False)[0] for _ in range(repeat))
        note = f"linreg, {len(full_alphas)} alphas: {t_full:.3f} s"
    return dict(
        t_ours=t_ours,
        t_ref=t_ref,
        alpha_ours=m_ours.alpha_,
        alpha_ref=m_ref.alpha_,
        peak_ours=peak_ours,
        peak_ref=peak_ref,
        score_diff=abs(m_ours.best_score_ - m_ref.best_score_) / abs(m_ref.best_score_),
        coef_diff=float(np.max(np.abs(m_ours.coef_ - m_ref.coef_))),
        note=note,
    )


def shared_floor(X, repeat) -> float:
    """Seconds of the work both libraries must do for n <= p leave-one-out: the n x n
    Gram of the centred rows and its eigendecomposition (scikit-learn's "gram" mode and
    linreg's both start with exactly this)."""

    def once():
        Xc = X - X.mean(axis=0)
        np.linalg.eigh(Xc @ Xc.T)

    return min(run(once, False)[0] for _ in range(repeat))


def _mb(peak, X) -> str:
    return f"{peak / MB:.1f} ({100 * peak / X.nbytes:.0f}%)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small shapes, a smoke run")
    parser.add_argument("--shapes", help="comma-separated NxP list (overrides --quick)")
    parser.add_argument("--alphas", type=int, default=100)
    parser.add_argument("--cv-alphas", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-kfold", action="store_true", help="leave-one-out rows only")
    args = parser.parse_args(argv)
    if args.shapes:
        shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
    else:
        shapes = QUICK_SHAPES if args.quick else FULL_SHAPES
    alphas = np.logspace(-2, 4, args.alphas)
    step = max(1, args.alphas // args.cv_alphas)
    cv_alphas = alphas[::step][: args.cv_alphas]

    # warm up both libraries (imports, first BLAS calls) on a tiny problem
    Xw, yw = make_data(50, 5)
    linreg.RidgeCV(alphas, cv=3).fit(Xw, yw)
    SkRidgeCV(alphas[:3], cv=3).fit(Xw, yw)

    print(
        f"# RidgeCV benchmark: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"linreg {linreg.__version__}"
    )
    print(
        f"# alphas: np.logspace(-2, 4, {args.alphas}); kfold rows: cv=5 on "
        f"{len(cv_alphas)} of them (every {step}th) for both libraries"
    )
    header = (
        "| shape | cv | n_alphas | linreg s | sklearn s | speed-up | linreg alpha_ | "
        "sklearn alpha_ | same | best_score_ rel diff | max coef diff | "
        "linreg peak MB (% X) | sklearn peak MB (% X) | note |"
    )
    print(header)
    print("|" + "---|" * 14)
    verdicts = []
    for n, p in shapes:
        X, y = make_data(n, p)
        rows = [("loo", None, alphas, None)]
        if not args.no_kfold:
            rows.append(("kfold", 5, cv_alphas, alphas))
        for label, cv, grid, full in rows:
            r = compare(X, y, grid, cv, args.repeat, full)
            speedup = r["t_ref"] / r["t_ours"]
            if cv is None and n <= p:
                floor = shared_floor(X, args.repeat)
                r["note"] = (
                    f"shared floor (centred Gram + eigh): {floor:.3f} s, so at most "
                    f"{r['t_ref'] / floor:.1f}x is possible for any method built on them"
                )
            r["note"] = f"{r['note']}; load {os.getloadavg()[0]:.1f}".lstrip("; ")
            same = r["alpha_ours"] == r["alpha_ref"]
            print(
                f"| {n:,} x {p:,} | {label} | {len(grid)} | {r['t_ours']:.3f} | "
                f"{r['t_ref']:.2f} | {speedup:.1f}x | {r['alpha_ours']:.6g} | "
                f"{r['alpha_ref']:.6g} | {'yes' if same else 'NO'} | "
                f"{r['score_diff']:.1e} | {r['coef_diff']:.1e} | {_mb(r['peak_ours'], X)} | "
                f"{_mb(r['peak_ref'], X)} | {r['note']} |",
                flush=True,
            )
            verdicts.append((f"{n:,} x {p:,} {label}", speedup, same))
    print()
    for name, speedup, same in verdicts:
        ok = speedup >= TARGET_SPEEDUP and same
        print(
            f"{'PASS' if ok else 'FAIL'} {name}: {speedup:.1f}x faster than scikit-learn "
            f"(target >= {TARGET_SPEEDUP:.0f}x), {'same' if same else 'DIFFERENT'} alpha_"
        )


if __name__ == "__main__":
    main()
