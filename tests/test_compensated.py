"""Error-free transformations against exact rational arithmetic."""

from fractions import Fraction

import numpy as np

from linreg.solvers.compensated import residual, transposed_product, two_product, two_sum

LD = np.longdouble


def exact(x):
    return Fraction(*x.as_integer_ratio()) if hasattr(x, "as_integer_ratio") else Fraction(x)


def test_two_sum_and_two_product_are_exact():
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(200) * 10.0 ** rng.integers(-8, 8, 200)).astype(LD) / 3
    b = (rng.standard_normal(200) * 10.0 ** rng.integers(-8, 8, 200)).astype(LD) / 7
    s, e = two_sum(a, b)
    p, f = two_product(a, b)
    for i in range(200):
        assert exact(s[i]) + exact(e[i]) == exact(a[i]) + exact(b[i])
        assert exact(p[i]) + exact(f[i]) == exact(a[i]) * exact(b[i])


def test_residual_and_transposed_product_match_rationals_to_double_longdouble():
    """Ill-conditioned dot products (heavy cancellation): the compensated result is
    the exact value rounded about once."""
    rng = np.random.default_rng(1)
    n, q = 50, 4
    A = (rng.standard_normal((n, q)) * 1e6).astype(LD) / 3
    x = rng.standard_normal((q, 1)).astype(LD) / 7
    b = A @ x + (rng.standard_normal((n, 1)) * 1e-12).astype(LD)
    got = residual(b, A, x)
    for i in range(n):
        ref = exact(b[i, 0]) - sum(exact(A[i, j]) * exact(x[j, 0]) for j in range(q))
        assert abs(exact(got[i, 0]) - ref) <= abs(ref) * Fraction(1, 2**60)
    r = got
    gt = transposed_product(A, r)
    for j in range(q):
        ref = sum(exact(A[i, j]) * exact(r[i, 0]) for i in range(n))
        assert abs(exact(gt[j, 0]) - ref) <= abs(ref) * Fraction(1, 2**60) + Fraction(1, 2**200)
