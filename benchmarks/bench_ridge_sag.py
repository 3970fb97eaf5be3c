"""Ridge's named iterative solvers on dense X against scikit-learn's: epochs (iterations)
to linreg's certified 1e-10 against scikit-learn's at ``tol=1e-10``, time per epoch, total
time, and the distance of each answer to the exact optimum (scikit-learn's ``"svd"``).
Diabetes (442 x 10) and a 10,000 x 100 problem with correlated, offset columns.  Printed,
not asserted.  Times are this process's CPU seconds (``time.process_time``, best of the
repeats), which a shared, loaded machine disturbs less than wall time; run with one BLAS
thread so that they compare single-threaded work:

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ridge_sag.py
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge as SkRidge

from linreg import Ridge


def problems():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes 442x10", X, y, 1.0
    rng = np.random.default_rng(0)
    mix = np.eye(100) + 0.05 * rng.standard_normal((100, 100))
    X = rng.standard_normal((10_000, 100)) @ mix + rng.uniform(-1, 1, 100)
    y = X @ rng.standard_normal(100) + rng.standard_normal(10_000)
    yield "10000x100", X, y, 1.0


def _timed(make, X, y, repeats):
    best = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            t = time.process_time()
            model = make().fit(X, y)
            best = min(best, time.process_time() - t)
    return model, best


def main(repeats=3):
    Ridge(solver="sag", max_iter=1).fit(*load_diabetes(return_X_y=True))  # numba cache load
    print(f"{'problem':16s} {'solver':9s} {'library':8s} {'iters':>6s} {'ms':>9s} "
          f"{'ms/iter':>8s} {'rel err vs svd':>15s} {'certified':>10s}")
    for name, X, y, alpha in problems():
        exact = SkRidge(alpha=alpha, solver="svd").fit(X, y).coef_
        for solver in ("sag", "saga", "lsqr", "sparse_cg"):
            runs = (
                ("linreg", lambda s=solver, a=alpha: Ridge(alpha=a, solver=s, random_state=0)),
                ("sklearn", lambda s=solver, a=alpha: SkRidge(
                    alpha=a, solver=s, tol=1e-10, max_iter=100_000, random_state=0)),
            )
            for library, make in runs:
                model, seconds = _timed(make, X, y, repeats)
                iters = model.n_iter_
                its = int(np.max(iters)) if iters is not None else 0
                err = np.linalg.norm(model.coef_ - exact) / np.linalg.norm(exact)
                bound = getattr(model, "solution_", None)
                cert = f"{bound.error_estimate:10.1e}" if bound is not None else f"{'-':>10s}"
                per = f"{seconds / its * 1e3:8.3f}" if its else f"{'-':>8s}"
                print(f"{name:16s} {solver:9s} {library:8s} {its or '-':>6} "
                      f"{seconds * 1e3:9.2f} {per} {err:15.1e} {cert}")



def per_epoch(epochs=20, repeats=5):
    """Time per epoch on a fixed workload: ``epochs`` epochs each (``max_iter``; linreg
    also forms its certificate after each), best of ``repeats``."""
    print(f"\n{'problem':16s} {'solver':9s} {'linreg ms/epoch':>16s} {'sklearn ms/epoch':>17s}")
    for name, X, y, alpha in problems():
        for solver in ("sag", "saga"):
            times = []
            for cls, tol in ((Ridge, None), (SkRidge, 0.0)):
                def make(c=cls, t=tol, s=solver, a=alpha):
                    return c(alpha=a, solver=s, max_iter=epochs, tol=t, random_state=0)
                times.append(_timed(make, X, y, repeats)[1] / epochs * 1e3)
            print(f"{name:16s} {solver:9s} {times[0]:16.3f} {times[1]:17.3f}")


if __name__ == "__main__":
    main()
    per_epoch()
