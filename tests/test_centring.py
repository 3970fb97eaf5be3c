"""The centring kernel (linreg.centring) against exact rational arithmetic."""

from fractions import Fraction

import numpy as np
import pytest

from linreg.centring import centre, column_scale, weighted_mean

EPS64 = np.finfo(np.float64).eps


def _exact_mean(x, w=None):
    """Exact weighted mean of the float data as given (Fractions)."""
    xs = [Fraction(float(v)) for v in x]
    ws = [Fraction(1)] * len(xs) if w is None else [Fraction(float(v)) for v in w]
    return sum(a * b for a, b in zip(ws, xs)) / sum(ws)


def _data(offset, n=60, p=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (offset + rng.standard_normal((n, p))).astype(dtype)


def _weights_heavy(n, seed=1):
    """Weights spanning 1e-8..1e16 with one heavy row."""
    rng = np.random.default_rng(seed)
    w = 10.0 ** rng.uniform(-8, 2, n)
    w[n // 3] = 1e16
    return w


@pytest.mark.parametrize("offset", [0.0, 1e3, 1e6, 1e9])
@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_mean_matches_exact_rational_mean(offset, weighted):
    X = _data(offset)
    w = _weights_heavy(X.shape[0]) if weighted else None
    got = weighted_mean(X, w)
    for j in range(X.shape[1]):
        exact = _exact_mean(X[:, j], w)
        # correctly rounded to a few ulps of the mean itself: no digits lost to the offset
        assert abs(Fraction(float(got[j])) - exact) <= 4 * EPS64 * abs(exact) + 1e-300


@pytest.mark.parametrize("offset", [0.0, 1e9])
@pytest.mark.parametrize("weighted", [False, True])
def test_centred_values_are_exact_to_spread_precision(offset, weighted):
    """X - mean within a few eps of the spread (not of the offset), and the centred
    columns' exact weighted means are tiny relative to the spread."""
    X = _data(offset, n=40, p=2)
    w = _weights_heavy(X.shape[0]) if weighted else None
    C, mean = centre(X, w)
    for j in range(X.shape[1]):
        exact = _exact_mean(X[:, j], w)
        spread = max(abs(Fraction(float(v)) - exact) for v in X[:, j])
        # the returned mean is the exact one to eps * (|mean|) ...
        assert abs(Fraction(float(mean[j])) - exact) <= 4 * EPS64 * abs(exact) + 1e-300
        # ... and each centred value is x - exact mean up to rounding of |x - mean|,
        # plus the unavoidable representation error of the mean (eps * |mean|)
        for i in range(X.shape[0]):
            err = abs(Fraction(float(C[i, j])) - (Fraction(float(X[i, j])) - exact))
            assert err <= 4 * EPS64 * (spread + abs(exact))
        # weighted mean of the centred values: ~ eps * spread, not eps * offset
        resid = _exact_mean(C[:, j], w)
        assert abs(resid) <= 8 * EPS64 * spread


def test_heavy_row_does_not_spoil_the_light_rows():
    """One weight of 1e16: the mean is the heavy row plus a tiny shift that a direct
    ``w @ x / W`` rounds away; the kernel keeps it."""
    x = np.array([1.0, 2.0, 3.0, 1e9 + 5.0])
    w = np.array([1e16, 1.0, 1.0, 1.0])
    got = float(weighted_mean(x, w))
    exact = _exact_mean(x, w)
    assert abs(Fraction(got) - exact) <= 2 * EPS64 * abs(exact)
    assert got != 1.0  # the light rows move the mean by ~1e-7


def test_float32_input_mean_in_float64():
    X = _data(1e4, dtype=np.float32)
    w = _weights_heavy(X.shape[0])
    got = weighted_mean(X, w)
    assert got.dtype == np.float64
    for j in range(X.shape[1]):
        exact = _exact_mean(X[:, j], w)
        assert abs(Fraction(float(got[j])) - exact) <= 4 * EPS64 * abs(exact)
    C, mean = centre(X, w)
    assert C.dtype == np.float32 and mean.dtype == np.float64
    # float32 centred values: within float32 rounding of the spread
    eps32 = float(np.finfo(np.float32).eps)
    ref = X.astype(np.float64) - mean
    assert np.max(np.abs(C - ref)) <= 2 * eps32 * np.max(np.abs(ref))


def test_duplicated_rows_equal_integer_weights():
    """Invariance: weight k on a row == that row repeated k times."""
    rng = np.random.default_rng(3)
    X = 1e8 + rng.standard_normal((25, 3))
    k = rng.integers(1, 5, X.shape[0])
    mean_w = weighted_mean(X, k.astype(float))
    mean_d = weighted_mean(np.repeat(X, k, axis=0))
    np.testing.assert_allclose(mean_w, mean_d, rtol=4 * EPS64, atol=0)
    Cw, _ = centre(X, k.astype(float))
    Cd, _ = centre(np.repeat(X, k, axis=0))
    np.testing.assert_allclose(np.repeat(Cw, k, axis=0), Cd, rtol=0, atol=1e-7 * 8 * EPS64 * 1e8)


def test_centre_out_and_order():
    X = _data(1e9, n=10, p=4)
    out = np.empty(X.shape, order="F")
    C, mean = centre(X, out=out)
    assert C is out and C.flags.f_contiguous
    np.testing.assert_array_equal(C, centre(X)[0])


@pytest.mark.parametrize("magnitude", [1e-200, 1.0, 1e200])
def test_column_scale_without_overflow(magnitude):
    A = np.array([[3.0, 0.0], [4.0, 0.0]]) * magnitude
    np.testing.assert_allclose(column_scale(A), [5.0 * magnitude, 0.0], rtol=4 * EPS64)


def test_bad_weights_raise():
    with pytest.raises(ValueError, match="weights"):
        weighted_mean(np.ones((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="entries"):
        weighted_mean(np.ones((3, 2)), np.ones(2))


def test_standardization_to_user_units_matches_lstsq_in_user_units():
    """A least-squares fit in standardized coordinates, mapped back, equals numpy's
    lstsq on the raw data with an intercept column (weights via sqrt(w) rows)."""
    from linreg.centring import Standardization

    rng = np.random.default_rng(5)
    n, p = 50, 3
    X = np.array([1e3, -20.0, 5.0]) + rng.standard_normal((n, p)) * np.array([1e2, 1e-2, 1.0])
    Y = X @ np.array([[0.5, -1.0], [3.0, 2.0], [-0.25, 0.0]]) + 7.0 + rng.standard_normal((n, 2))
    w = rng.uniform(0.5, 2.0, n)
    Xc, x_mean = centre(X, w)
    Yc, y_mean = centre(Y, w)
    sw = np.sqrt(w)[:, None]
    x_scale = column_scale(Xc * sw)
    y_scale = column_scale(Yc * sw)
    Z, T = Xc / x_scale, Yc / y_scale
    coef_std = np.linalg.lstsq(Z * sw, T * sw, rcond=None)[0].T  # (k, p), no intercept
    st = Standardization(x_mean, x_scale, y_mean, y_scale)
    coef, intercept = st.to_user_units(coef_std, np.zeros(2))
    A = np.column_stack([np.ones(n), X]) * sw
    ref = np.linalg.lstsq(A, Y * sw, rcond=None)[0]
    np.testing.assert_allclose(coef, ref[1:].T, rtol=1e-9)
    np.testing.assert_allclose(intercept, ref[0], rtol=1e-9)


def _routes(X, Y, w):
    """Centred columns and the weights that make them orthogonal to the intercept, from
    each in-memory route that centres through linreg.centring."""
    from linreg.penalized.solve import DesignData
    from linreg.ridge_cv import _Decomposition
    from linreg.solvers.problem import LeastSquaresProblem

    root = np.ones(len(X)) if w is None else np.sqrt(w)
    A, _, scale, active, _, _ = LeastSquaresProblem(X, Y, w).design(augment=False)
    yield "design", A * scale[active], root  # rows scaled by sqrt(w)
    data = DesignData.from_arrays(X, Y, w)
    yield "DesignData", data.X, root
    dec = _Decomposition.of(X[:3], Y[:3], None if w is None else w[:3], True)  # n <= p
    yield "RidgeCV gram", dec.Xt, root[:3]


@pytest.mark.parametrize("weighted", [False, True])
def test_every_route_centres_to_spread_precision(weighted):
    """Offsets of 1e9: each route's centred columns have an exact weighted mean of
    eps * spread (a single-pass centring leaves ~1e-7, eps * offset)."""
    rng = np.random.default_rng(7)
    n, p = 30, 4
    X = 1e9 + rng.standard_normal((n, p))
    Y = X[:, :1] - 1e9 + rng.standard_normal((n, 1))
    w = rng.integers(1, 5, n).astype(float) ** 2 if weighted else None  # exact square roots
    for name, C, root in _routes(X, Y, w):
        m = C.shape[0]
        for j in range(C.shape[1]):
            # sum_i sqrt(w_i) * (sqrt(w_i) c_ij) = sum_i w_i c_ij, exactly
            total = sum(Fraction(float(r)) * Fraction(float(c)) for r, c in zip(root, C[:, j]))
            spread = max(abs(float(c)) for c in C[:, j])
            weight = sum(Fraction(float(r)) ** 2 for r in root)
            assert abs(total / weight) <= 8 * m * EPS64 * spread, (name, j)
