"""LinearRegression(positive=True): exact non-negative least squares from the Moments.

References: scipy.optimize.nnls on the centred, sqrt(w)-scaled data (scikit-learn's own
reduction), scikit-learn's LinearRegression(positive=True), numpy.linalg.lstsq (when
no constraint is active), the KKT conditions computed from the data, and invariances
(weights vs duplicated rows, streamed and Dask sources vs in memory).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import nnls
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.utils._param_validation import InvalidParameterError

import linreg
from linreg import LinearRegression
from linreg.solution import RankDeficientWarning
from linreg.solvers import LeastSquaresProblem
from linreg.solvers import nnls as nnls_solver


def reference(X, y, w=None, fit_intercept=True):
    """scipy.optimize.nnls on the centred, weighted data: (coef, intercept, rnorm)."""
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=float)
    if fit_intercept:
        x_mean, y_mean = w @ X / w.sum(), w @ y / w.sum()
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    sw = np.sqrt(w)
    coef, rnorm = nnls((X - x_mean) * sw[:, None], (y - y_mean) * sw)
    return coef, y_mean - x_mean @ coef, rnorm


def equilibrated_error(coef, ref, X, w=None):
    """Normwise relative difference in the equilibrated scale (coef times the columns'
    centred weighted norms), the scale the solvers' bounds are stated in."""
    w = np.ones(X.shape[0]) if w is None else w
    d = np.sqrt(w @ (X - w @ X / w.sum()) ** 2)
    return np.linalg.norm((coef - ref) * d) / max(np.linalg.norm(ref * d), 1e-300)


@st.composite
def problems(draw):
    """Full-rank problems over shapes, column scales and offsets, which constraints
    are active (signs of the true coefficients), weights and targets."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = draw(st.integers(1, 12))
    n = draw(st.integers(p + 3, 80))
    k = draw(st.integers(1, 3))
    scales = 10.0 ** rng.uniform(-3, 3, p)
    offsets = rng.uniform(-10, 10, p) * scales * draw(st.sampled_from([0.0, 1.0, 100.0]))
    X = rng.standard_normal((n, p)) * scales + offsets
    negative = draw(st.floats(0.0, 1.0))  # share of coefficients that want to be < 0
    beta = np.abs(rng.standard_normal((p, k))) / scales[:, None]
    beta[rng.uniform(size=(p, k)) < negative] *= -1
    noise = draw(st.sampled_from([0.0, 0.1, 1.0]))
    Y = X @ beta + 5.0 + noise * rng.standard_normal((n, k))
    w = rng.uniform(0.1, 3.0, n) if draw(st.booleans()) else None
    return X, Y, w, draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_equals_scipy_nnls_and_sklearn(case):
    X, Y, w, fit_intercept = case
    model = LinearRegression(positive=True, fit_intercept=fit_intercept).fit(
        X, Y, sample_weight=w
    )
    sk = SkLinearRegression(positive=True, fit_intercept=fit_intercept).fit(
        X, Y, sample_weight=w
    )
    assert model.coef_.shape == sk.coef_.shape
    assert model.solution_.status == "ok"
    for j in range(Y.shape[1]):
        ref, ref_intercept, _ = reference(X, Y[:, j], w, fit_intercept)
        assert np.all(model.coef_[j] >= 0)
        assert equilibrated_error(model.coef_[j], ref, X, w) <= 1e-10
        assert equilibrated_error(model.coef_[j], sk.coef_[j], X, w) <= 1e-10
        # the intercept on the scale of the fit: y's spread plus its own size
        scale = np.std(Y[:, j]) + abs(ref_intercept) + 1.0
        if fit_intercept:
            assert abs(model.intercept_[j] - ref_intercept) <= 1e-10 * scale
            assert abs(model.intercept_[j] - sk.intercept_[j]) <= 1e-10 * scale


def kkt_from_data(X, y, w, coef, intercept):
    """The gradient -X'W r of the least-squares loss, from the rows, per column
    relative to ``||x_j - mean|| ||y - mean||`` (its largest possible size)."""
    w = np.ones(X.shape[0]) if w is None else w
    r = y - intercept - X @ coef
    xc = X - w @ X / w.sum()
    grad = -(xc * w[:, None]).T @ r
    size = np.sqrt(w @ xc**2) * np.sqrt(w @ (y - w @ y / w.sum()) ** 2)
    return grad / size


def test_kkt_conditions_from_the_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 30)) @ rng.standard_normal((30, 30))  # correlated
    y = X @ rng.standard_normal(30) + rng.standard_normal(500)
    w = rng.uniform(0, 2, 500)
    model = LinearRegression(positive=True).fit(X, y, sample_weight=w)
    grad = kkt_from_data(X, y, w, model.coef_, model.intercept_)
    free = model.coef_ > 0
    assert 0 < free.sum() < 30
    assert np.all(model.coef_ >= 0)
    assert np.max(np.abs(grad[free])) < 1e-12
    assert np.min(grad[~free]) > -1e-12


def test_all_coefficients_zero():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 5))
    y = -X @ np.array([1.0, 2.0, 0.5, 3.0, 1.0]) + 7.0
    model = LinearRegression(positive=True).fit(X, y)
    assert np.all(model.coef_ == 0)
    assert model.intercept_ == pytest.approx(y.mean(), rel=1e-15)
    ref, _, _ = reference(X, y)
    assert np.all(ref == 0)


def test_constant_target_gives_zero_coefficients():
    X = np.random.default_rng(5).standard_normal((50, 3))
    model = LinearRegression(positive=True).fit(X, np.full(50, 2.5))
    assert np.all(model.coef_ == 0) and model.intercept_ == 2.5


def test_all_positive_equals_ols():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((300, 8)) + 3.0
    y = X @ np.linspace(1, 4, 8) + 2.0 + 0.01 * rng.standard_normal(300)
    model = LinearRegression(positive=True).fit(X, y)
    A = np.column_stack([np.ones(300), X])
    ols = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ols[1:], rtol=1e-12)
    assert model.intercept_ == pytest.approx(ols[0], rel=1e-12)


def test_collinear_columns_return_a_basic_solution():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((100, 4))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # x4 = x0 + x1
    y = X[:, :4] @ np.array([1.0, 2.0, 0.0, 1.5]) + 0.1 * rng.standard_normal(100)
    with pytest.warns(RankDeficientWarning, match="basic solution"):
        model = LinearRegression(positive=True).fit(X, y)
    assert 4 in model.solution_.aliased
    ref, ref_intercept, rnorm = reference(X, y)
    fitted = X @ model.coef_ + model.intercept_
    np.testing.assert_allclose(fitted, X @ ref + ref_intercept, rtol=0, atol=1e-10)
    assert np.all(model.coef_ >= 0)
    free = np.flatnonzero(model.coef_ > 0)  # nonzero coefficients on independent columns
    assert np.linalg.matrix_rank(X[:, free] - X[:, free].mean(0)) == free.size


def test_fewer_rows_than_columns():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((12, 40))
    y = X @ np.abs(rng.standard_normal(40)) + rng.standard_normal(12)
    with pytest.warns(RankDeficientWarning, match="basic solution"):
        model = LinearRegression(positive=True).fit(X, y)
    ref, ref_intercept, rnorm = reference(X, y)
    residual = np.linalg.norm(y - model.intercept_ - X @ model.coef_)
    assert residual <= rnorm + 1e-10 * np.linalg.norm(y)
    assert np.all(model.coef_ >= 0)
    assert np.count_nonzero(model.coef_) <= 11  # at most the centred rank


def test_no_intercept_and_several_targets_match_per_target_fits():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((150, 6))
    Y = X @ rng.standard_normal((6, 3)) + rng.standard_normal((150, 3))
    model = LinearRegression(positive=True, fit_intercept=False).fit(X, Y)
    assert model.intercept_ == 0.0
    for j in range(3):
        single = LinearRegression(positive=True, fit_intercept=False).fit(X, Y[:, j])
        np.testing.assert_allclose(model.coef_[j], single.coef_, rtol=1e-13, atol=1e-15)
        ref, _, _ = reference(X, Y[:, j], fit_intercept=False)
        assert equilibrated_error(model.coef_[j], ref, X) <= 1e-12


def test_integer_weights_equal_duplicated_rows():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((80, 5))
    y = X @ np.array([1.0, -1.0, 2.0, -0.5, 0.3]) + rng.standard_normal(80)
    counts = rng.integers(0, 4, 80)
    weighted = LinearRegression(positive=True).fit(X, y, sample_weight=counts)
    repeated = LinearRegression(positive=True).fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-12, atol=1e-14)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-12)


def test_float32_and_scan_and_dask_equal_in_memory(tmp_path):
    import dask
    import dask.array as da
    import pandas as pd

    rng = np.random.default_rng(11)
    X = rng.standard_normal((3000, 4))
    y = X @ np.array([2.0, -1.0, 0.5, -3.0]) + 1.0 + rng.standard_normal(3000)
    memory = LinearRegression(positive=True).fit(X, y)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(y=y)
    frame.to_parquet(tmp_path / "data.parquet")
    streamed = LinearRegression(positive=True).fit(linreg.scan(tmp_path / "data.parquet", "y"))
    with dask.config.set(scheduler="synchronous"):
        distributed = LinearRegression(positive=True).fit(
            da.from_array(X, chunks=(700, 4)), da.from_array(y, chunks=700)
        )
    for other in (streamed, distributed):
        np.testing.assert_allclose(other.coef_, memory.coef_, rtol=1e-12, atol=1e-15)
        assert other.intercept_ == pytest.approx(memory.intercept_, rel=1e-12)
    single = LinearRegression(positive=True).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    np.testing.assert_array_equal(single.coef_ >= 0, True)


def test_penalized_nnls_equals_scipy_on_augmented_rows():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((60, 7)) * np.array([1, 10, 0.1, 1, 5, 2, 1])
    y = X @ rng.standard_normal(7) + rng.standard_normal(60)
    alpha = 3.0
    problem = LeastSquaresProblem(X, y[:, None], None, True, np.array([alpha]))
    solution = nnls_solver.solve(problem)
    xc, yc = X - X.mean(0), y - y.mean()
    A = np.vstack([xc, np.sqrt(alpha) * np.eye(7)])
    ref, _ = nnls(A, np.r_[yc, np.zeros(7)])
    np.testing.assert_allclose(solution.coef[0], ref, rtol=1e-10, atol=1e-13)


def test_iteration_limit_is_reported():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((100, 10))
    y = X @ np.abs(rng.standard_normal(10)) + rng.standard_normal(100)
    problem = LeastSquaresProblem(X, y[:, None])
    solution = nnls_solver.solve(problem, max_iter=2)
    assert solution.status == "inaccurate"
    assert solution.diagnostics["stopped"] == "max_iter"


def test_parameter_validation_and_refusals():
    X, y = np.random.default_rng(14).standard_normal((20, 2)), np.arange(20.0)
    with pytest.raises(InvalidParameterError, match="positive"):
        LinearRegression(positive="yes").fit(X, y)
    with pytest.raises(ValueError, match="exact solver"):
        LinearRegression(positive=True, solver="gd").fit(X, y)
    model = LinearRegression(positive=True).fit(X, y)
    assert model.solver_.startswith("nnls+")
    with pytest.raises(ValueError, match="positive=True"):
        model.summary()
    with pytest.raises(ValueError, match="positive=True"):
        model.predict(X, interval="confidence")
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)


def test_well_posed_fit_does_not_warn():
    rng = np.random.default_rng(15)
    X = rng.standard_normal((200, 6))
    y = X @ np.array([1.0, -2.0, 0.0, 3.0, -1.0, 0.5]) + rng.standard_normal(200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LinearRegression(positive=True).fit(X, y)


def exact_free_set_fit(X, y, free):
    """The least-squares fit on the columns ``free`` (and an intercept), in 60 digits."""
    import mpmath

    with mpmath.workdps(60):
        A = mpmath.matrix([[1] + [mpmath.mpf(v) for v in row] for row in X[:, free]])
        solution = mpmath.qr_solve(A, mpmath.matrix([mpmath.mpf(v) for v in y]))[0]
        return np.array([float(solution[k + 1]) for k in range(len(free))])


def graded(rng, decades, n=80, p=6):
    """A design whose singular values fall over ``decades`` decades, with an offset."""
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    X = U @ np.diag(np.logspace(0, -decades, p)) @ V.T * 100 + 50
    return X, X @ np.array([1.0, 2, 3, -1, 4, 5]) + 1e-8 * rng.standard_normal(n)


@pytest.mark.parametrize("decades", [2, 4, 6])
def test_ill_conditioned_in_memory_is_exact_on_its_free_set(decades):
    X, y = graded(np.random.default_rng(decades), decades)
    model = LinearRegression(positive=True).fit(X, y)
    free = np.flatnonzero(model.coef_ > 0)
    exact = exact_free_set_fit(X, y, free)
    assert model.solution_.status == "ok"
    np.testing.assert_allclose(model.coef_[free], exact, rtol=1e-13)
    grad = kkt_from_data(X, y, None, model.coef_, model.intercept_)
    assert np.min(grad[model.coef_ == 0]) > -1e-9


@pytest.mark.parametrize("decades", [2, 4, 6])
def test_moments_only_error_estimate_is_honest(decades):
    X, y = graded(np.random.default_rng(10 + decades), decades)
    moments = linreg.Moments.from_arrays(X, y[:, None])
    problem = LeastSquaresProblem(None, None, None, True, np.zeros(1), moments)
    solution = nnls_solver.solve(problem)
    free = np.flatnonzero(solution.coef[0] > 0)
    exact = exact_free_set_fit(X, y, free)
    d = np.linalg.norm(X[:, free] - X[:, free].mean(0), axis=0)
    actual = np.linalg.norm((solution.coef[0, free] - exact) * d) / np.linalg.norm(exact * d)
    assert actual <= 10 * solution.error_estimate
    if solution.error_estimate > 1e-6:  # a bound beyond the documented accuracy says so
        assert solution.status == "inaccurate"


def test_constant_columns_and_one_row():
    y = np.arange(10.0)
    model = LinearRegression(positive=True).fit(np.ones((10, 3)), y)
    assert np.all(model.coef_ == 0) and model.intercept_ == 4.5
    one = LinearRegression(positive=True).fit(np.array([[2.0, 3.0]]), np.array([5.0]))
    assert np.all(one.coef_ == 0) and one.intercept_ == 5.0


def test_partial_fit_equals_fit():
    rng = np.random.default_rng(16)
    X = rng.standard_normal((3000, 6))
    y = X @ np.array([1.0, -1.0, 2.0, -2.0, 0.5, 0.0]) + rng.standard_normal(3000)
    model = LinearRegression(positive=True)
    for rows in np.array_split(np.arange(3000), 10):
        model.partial_fit(X[rows], y[rows])
    full = LinearRegression(positive=True).fit(X, y)
    np.testing.assert_allclose(model.coef_, full.coef_, rtol=1e-12, atol=1e-14)
    assert model.intercept_ == pytest.approx(full.intercept_, rel=1e-12, abs=1e-14)


def test_a_positive_model_saves_and_loads_without_inference(tmp_path):
    """save() stores no summaries for positive=True (there is no least-squares inference)
    and the loaded model predicts as the fitted one; the reference is scipy's NNLS."""
    import scipy.optimize

    import linreg

    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=60)
    model = linreg.LinearRegression(positive=True).fit(X, y)
    path = model.save(tmp_path / "positive.json")
    loaded = linreg.load(path)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    np.testing.assert_allclose(loaded.coef_, scipy.optimize.nnls(Xc, yc)[0], atol=1e-12)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
