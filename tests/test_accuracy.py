"""The default solver is never less accurate than an SVD solve of the same data.

References are independent of linreg: the exact least-squares solution of the data as
given, from mpmath in 40-digit arithmetic or from rational arithmetic on integer data.
The competitor is LAPACK's SVD solver (``gelsd`` through scipy) on the same float64
data with a column of ones.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.linalg as sla

import linreg
from linreg.solvers import auto


def mp_exact(X, y):
    with mpmath.workdps(40):
        A = mpmath.matrix([[1] + [mpmath.mpf(float(v)) for v in row] for row in X])
        b = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        return np.array([float(v) for v in mpmath.qr_solve(A, b)[0]])


def svd_solution(X, y):
    A = np.column_stack([np.ones(len(y)), np.asarray(X, dtype=np.float64)])
    return sla.lstsq(A, np.asarray(y, dtype=np.float64), lapack_driver="gelsd")[0]


def relative_error(estimate, exact):
    return np.linalg.norm(estimate - exact) / np.linalg.norm(exact)


def ours(X, y, **kwargs):
    model = linreg.LinearRegression(**kwargs).fit(X, y)
    return np.r_[model.intercept_, model.coef_], model


def ill_conditioned(n, p, log10_cond, offset=0.0, seed=0):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, p)))[0]
    V = np.linalg.qr(rng.standard_normal((p, p)))[0]
    s = np.logspace(0, -log10_cond, p)
    X = (U * s) @ V.T * np.sqrt(n) + offset
    y = X @ rng.standard_normal(p) + 5 + 0.01 * rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("log10_cond", [1, 3, 5, 7, 9])
@pytest.mark.parametrize("large_problem_path", [False, True])
def test_ill_conditioned_at_least_as_accurate_as_svd(log10_cond, large_problem_path, monkeypatch):
    """Both the small-problem (extended) path and the large-problem paths
    (cholesky+refine, qr) that auto takes beyond EXTENDED_MAX_ENTRIES."""
    if large_problem_path:
        monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 0)
    X, y = ill_conditioned(300, 6, log10_cond, offset=3.0)
    exact = mp_exact(X, y)
    mine, model = ours(X, y)
    err_ours = relative_error(mine, exact)
    err_svd = relative_error(svd_solution(X, y), exact)
    assert err_ours <= max(2 * err_svd, 1e-15), (model.solver_, err_ours, err_svd)
    assert model.solution_.error_estimate >= 0.1 * err_ours  # it does not over-promise


@pytest.mark.parametrize("offset", [1e4, 1e8, 1e11])
def test_large_offset_at_least_as_accurate_as_svd(offset):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2000, 4)) + offset
    y = (X - offset) @ np.array([1.0, -2.0, 0.5, 3.0]) + rng.standard_normal(2000)
    exact = mp_exact(X, y)
    mine, model = ours(X, y)
    assert relative_error(mine, exact) <= max(2 * relative_error(svd_solution(X, y), exact), 1e-15)


def rational_lstsq(A_int, b_int):
    """Exact least squares of integer data: normal equations in Fractions."""
    A = A_int.astype(object)
    b = b_int.astype(object)
    G = [[Fraction(int(v)) for v in row] for row in A.T @ A]
    r = [Fraction(int(v)) for v in A.T @ b]
    m = len(r)
    for i in range(m):  # Gauss-Jordan; G is positive definite, no pivoting needed
        piv = G[i][i]
        for j in range(m):
            if j != i and G[j][i] != 0:
                f = G[j][i] / piv
                G[j] = [a - f * c for a, c in zip(G[j], G[i])]
                r[j] -= f * r[i]
    return np.array([float(r[i] / G[i][i]) for i in range(m)])


def test_float32_many_rows_at_least_as_accurate_as_svd():
    """100,000 float32 rows with an offset: float32 values are k / 1024 exactly, so the
    exact solution of the float32 data follows from integer arithmetic."""
    rng = np.random.default_rng(2)
    n, p = 100_000, 4
    k = rng.integers(-4000, 4000, size=(n, p)) + 1_000 * 1024
    X = (k / 1024).astype(np.float32)
    ky = k @ np.array([3, -1, 2, 1]) // 4 + rng.integers(-50_000, 50_000, n) - 3_000_000
    y = (ky / 1024).astype(np.float32)
    assert np.array_equal(X.astype(np.float64) * 1024, k)  # representable exactly
    assert np.array_equal(y.astype(np.float64) * 1024, ky)
    ones = np.full((n, 1), 1024)
    # Scaling X, y and the ones column by 1024 leaves the solution (intercept, coef) as is.
    exact = rational_lstsq(np.hstack([ones, k]), ky)
    _, model = ours(X, y)
    assert model.coef_.dtype == np.float32  # scikit-learn's rule; solution_ keeps float64
    mine = np.r_[model.solution_.intercept, model.solution_.coef[0]]
    err_ours = relative_error(mine, exact)
    err_svd = relative_error(svd_solution(X, y), exact)
    assert err_ours <= max(2 * err_svd, 1e-14), (model.solver_, err_ours, err_svd)


def test_auto_records_the_fast_path_on_well_conditioned_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5000, 20))
    y = X @ rng.standard_normal(20) + rng.standard_normal(5000)
    _, model = ours(X, y)
    assert model.solver_ == "cholesky"
    assert model.solution_.error_estimate < 1e-13


def test_moments_only_problem_warns_about_digits_it_cannot_vouch_for():
    """Without X in memory there is no stable path: the answer carries a warning."""
    from linreg import AccuracyWarning, Moments
    from linreg.solvers import LeastSquaresProblem, solve

    X, y = ill_conditioned(300, 6, 5.5)
    problem = LeastSquaresProblem(None, None, moments=Moments.from_arrays(X, y))
    solution = solve(problem)
    assert solution.status == "inaccurate" and "digits" in solution.message
    assert solution.error_estimate > 1e-6
    assert issubclass(AccuracyWarning, UserWarning)


@pytest.mark.parametrize("alpha", [1e-6, 1e-2])
def test_large_problem_refine_path_for_ridge(alpha, monkeypatch):
    """Ridge beyond the extended path's size limit on a moderately ill-conditioned
    design takes corrected semi-normal equations; reference: the ridge solution in
    40-digit arithmetic (least squares on the design with sqrt(alpha) I appended)."""
    monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 0)
    X, y = ill_conditioned(300, 5, 3, offset=2.0, seed=4)
    model = linreg.Ridge(alpha=alpha).fit(X, y)
    assert model.solver_ == "cholesky+refine"
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    with mpmath.workdps(40):
        rows = [[mpmath.mpf(float(v)) for v in row] for row in Xc]
        rows += [[mpmath.sqrt(alpha) if i == j else 0 for j in range(5)] for i in range(5)]
        rhs = [mpmath.mpf(float(v)) for v in yc] + [0] * 5
        exact = np.array([float(v) for v in mpmath.qr_solve(mpmath.matrix(rows), rhs)[0]])
    np.testing.assert_allclose(model.coef_, exact, rtol=1e-11)
