"""Sparse Ridge: linreg against scikit-learn's sparse solvers on text-like data.

Data (seeded): a CSR matrix of 100,000 x 10,000 at 0.1% density, text-like: the column of
each nonzero drawn from a Zipf-like law (p_j proportional to 1 / (j + 10)^1.1), counts
weighted by idf and each row scaled to unit norm (tf-idf); ``y = X b + noise``.

Reference: the exact ridge optimum from a dense solve of the centred normal equations
``(Xc'Xc + alpha I) b = Xc'yc`` (numpy/scipy Cholesky on ``X'X`` computed by scipy.sparse,
centred in float64; no linreg code).  Each scikit-learn solver that takes sparse X runs at
its default tol and at tols 1e-6, 1e-8, ... until ``max|coef - ref| / max|ref| <= 1e-8``
("matched"); linreg's ``Ridge(alpha=1.0)`` runs at its own certified accuracy (no tol).
Times are the best of ``--repeat`` runs; peak memory is tracemalloc's peak of one extra
run (NumPy and SciPy allocations).

Run: ``.venv/bin/python benchmarks/bench_sparse_ridge.py`` (``--small`` for a quick check).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import scipy.linalg
from scipy import sparse

RTOL = 1e-8
TOLS = (1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14)
SKLEARN_SOLVERS = ("sparse_cg", "lsqr", "sag", "saga", "cholesky", "auto")
SLOW = 90.0  # seconds: a solver slower than this is not tried at tighter tols


def text_like(n, p, density, seed=0):
    """Seeded tf-idf-like CSR matrix and target."""
    rng = np.random.default_rng(seed)
    nnz = int(n * p * density)
    freq = 1.0 / (np.arange(p) + 10.0) ** 1.1
    freq /= freq.sum()
    cols = rng.choice(p, size=nnz, p=freq)
    rows = rng.integers(0, n, size=nnz)
    X = sparse.csr_matrix((np.ones(nnz), (rows, cols)), shape=(n, p))  # counts
    df = np.bincount(X.indices, minlength=p)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    X = X @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ X
    X = sparse.csr_matrix(X)
    b = rng.normal(size=p)
    y = X @ b + 0.1 * rng.normal(size=n)
    return X, y


def reference(X, y, alpha):
    """Exact ridge optimum (intercept fitted) from the dense centred Gram matrix."""
    n, p = X.shape
    m = np.asarray(X.mean(axis=0)).ravel()
    G = np.asarray((X.T @ X).todense()) - n * np.outer(m, m)
    G[np.diag_indices(p)] += alpha
    rhs = X.T @ (y - y.mean())
    rhs = rhs - m * float((y - y.mean()).sum())
    coef = scipy.linalg.solve(G, rhs, assume_a="pos", check_finite=False)
    return coef, y.mean() - m @ coef


def rel_diff(coef, ref):
    return float(np.max(np.abs(coef - ref)) / np.max(np.abs(ref)))


def timed(make, X, y, repeat):
    best, model = np.inf, None
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            model = make().fit(X, y)
            best = min(best, time.perf_counter() - t0)
    return best, model


def peak_mib(make, X, y):
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make().fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="10,000 x 1,000 quick check")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--solvers", default=",".join(SKLEARN_SOLVERS))
    args = parser.parse_args()
    from sklearn.linear_model import Ridge as SkRidge

    from linreg import Ridge

    n, p = (10_000, 1_000) if args.small else (100_000, 10_000)
    alpha = 1.0
    X, y = text_like(n, p, 0.001 if not args.small else 0.005)
    print(f"X: {n:,} x {p:,} CSR, nnz {X.nnz:,} ({X.nnz / n / p:.3%}), alpha={alpha}")
    t0 = time.perf_counter()
    ref, ref_c = reference(X, y, alpha)
    print(f"reference (dense Cholesky of the centred Gram): {time.perf_counter() - t0:.1f} s")

    t_lin, lin = timed(lambda: Ridge(alpha=alpha), X, y, args.repeat)
    err_lin = rel_diff(lin.coef_, ref)
    print(
        f"linreg Ridge: {t_lin:.3f} s, solver_={lin.solver_!r}, n_iter_={lin.n_iter_}, "
        f"certified bound {lin.solution_.error_estimate:.1e}, max rel diff vs ref "
        f"{err_lin:.1e}, intercept diff {abs(lin.intercept_ - ref_c):.1e}"
    )
    print(f"{'solver':<10} {'tol':>7} {'time s':>8} {'rel diff':>9} {'n_iter':>8}")
    matched, default = {}, {}
    for solver in args.solvers.split(","):
        for tol in TOLS:
            def make(solver=solver, tol=tol):
                return SkRidge(alpha=alpha, solver=solver, tol=tol)

            try:
                t, model = timed(make, X, y, 1 if tol == TOLS[0] else args.repeat)
            except (MemoryError, ValueError, TypeError) as err:
                print(f"{solver:<10} {tol:>7.0e} failed: {type(err).__name__}: {err}")
                break
            err = rel_diff(model.coef_, ref)
            print(f"{solver:<10} {tol:>7.0e} {t:>8.3f} {err:>9.1e} {str(model.n_iter_):>8}")
            if tol == TOLS[0]:
                default[solver] = t
            if err <= RTOL:
                matched[solver] = (t, tol, err)
                break
            if t > SLOW:
                break
    if not matched:
        print("no scikit-learn solver reached rtol 1e-8")
        return
    fastest = min(matched, key=lambda s: matched[s][0])
    t_sk, tol_sk, err_sk = matched[fastest]
    fastest_default = min(default, key=default.get)
    print(
        f"\nfastest scikit-learn solver at rtol {RTOL:.0e}: {fastest} (tol={tol_sk:.0e}), "
        f"{t_sk:.3f} s; linreg {t_lin:.3f} s: {t_sk / t_lin:.1f}x faster"
    )
    print(
        f"fastest scikit-learn solver at its default tol (1e-4, not matched): "
        f"{fastest_default} {default[fastest_default]:.3f} s; ratio "
        f"{default[fastest_default] / t_lin:.2f}x (linreg certified to 1e-10)"
    )
    sk_model = SkRidge(alpha=alpha, solver=fastest, tol=tol_sk).fit(X, y)
    print(f"linreg vs scikit-learn {fastest} (tol={tol_sk:.0e}): max rel diff "
          f"{rel_diff(lin.coef_, sk_model.coef_):.1e}")
    print(
        f"peak memory (tracemalloc): linreg {peak_mib(lambda: Ridge(alpha=alpha), X, y):.0f} "
        f"MiB, scikit-learn {fastest} "
        f"{peak_mib(lambda: SkRidge(alpha=alpha, solver=fastest, tol=tol_sk), X, y):.0f} MiB"
    )


if __name__ == "__main__":
    main()
