"""Cost and accuracy of ElasticNetCV / LassoCV ``mse_path_`` at default settings, with and
without the third ("polish") stage, against scikit-learn at ``tol=1e-12``.

Accuracy: the largest ``|mse_path_ - reference|`` over every (alpha, fold), divided by
that fold's null MSE (the first alpha's reference value).  Time: median of 3 fits after a
warm-up.  Printed only (no assertion).  Run: ``.venv/bin/python benchmarks/bench_cv_mse_path.py``.
"""

from __future__ import annotations

import time
import warnings
from functools import partial

import numpy as np
import sklearn.linear_model as sk
from sklearn.datasets import load_diabetes

import linreg
from linreg.models import elastic_net_cv as cvmod


def sparse_test_data():
    """scikit-learn's make_sparse_data (test_sparse_coordinate_descent.py), 100 x 100."""
    rs = np.random.RandomState(42)
    w = rs.randn(100)
    w[10:] = 0.0
    X = rs.randn(100, 100)
    X[rs.uniform(size=X.shape) > 0.5] = 0.0
    return X, X @ w


def problems():
    rs = np.random.RandomState(0)
    X1, y1 = load_diabetes(return_X_y=True)
    X2 = rs.randn(1000, 200)
    y2 = X2[:, :20] @ rs.randn(20) + rs.randn(1000)
    X3 = rs.randn(100, 500)
    y3 = X3[:, :10] @ rs.randn(10) + 0.5 * rs.randn(100)
    X4, y4 = sparse_test_data()
    enet4 = dict(l1_ratio=0.5, alphas=10, fit_intercept=False)
    return [
        ("diabetes 442x10", X1, y1, "LassoCV", {}),
        ("1000x200", X2, y2, "LassoCV", {}),
        ("100x500", X3, y3, "LassoCV", {}),
        ("test_path_parameters", X4, y4, "ElasticNetCV", enet4),
    ]


def timed(make, X, y, repeat=3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make().fit(X, y)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            m = make().fit(X, y)
            times.append(time.perf_counter() - t)
    return float(np.median(times)), m


def error(mse, ref):
    return float(np.max(np.abs(mse - ref) / ref[:1]))


def main():
    polish = cvmod.ElasticNetCV._polish
    print(f"{'problem':22s} {'est':12s} {'before s':>9s} {'err':>8s} {'after s':>8s} {'err':>8s}"
          f" {'sk def s':>8s} {'err':>8s}")
    for name, X, y, est, kw in problems():
        lin, ref_cls = getattr(linreg, est), getattr(sk, est)
        _, ref = timed(partial(ref_cls, **kw, tol=1e-12, max_iter=10**6), X, y, repeat=1)
        cvmod.ElasticNetCV._polish = lambda *a, **k: None
        try:
            t0, m0 = timed(partial(lin, **kw), X, y)
        finally:
            cvmod.ElasticNetCV._polish = polish
        t1, m1 = timed(partial(lin, **kw), X, y)
        ts, ms = timed(partial(ref_cls, **kw), X, y)
        assert m1.alpha_ == m0.alpha_
        e = [error(m.mse_path_, ref.mse_path_) for m in (m0, m1, ms)]
        print(
            f"{name:22s} {est:12s} {t0:9.3f} {e[0]:8.1e} {t1:8.3f} {e[1]:8.1e} {ts:8.3f}"
            f" {e[2]:8.1e}"
        )


if __name__ == "__main__":
    main()
