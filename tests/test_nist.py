"""NIST StRD linear-regression problems against their certified values.

The certified parameters were computed by NIST in 500-digit arithmetic from the decimal
data.  Read in extended precision (``numpy.longdouble``), the default solver must
reproduce every one to at least 10 significant digits.  Read in float64, the data
itself is rounded; the reference is then the exact least-squares solution of the
rounded data, computed independently here with mpmath at 50 digits.
"""

import mpmath
import numpy as np
import pytest

import linreg
from linreg.datasets import load_nist, nist_names


def log_relative_error(estimate, reference):
    estimate, reference = np.asarray(estimate, float), np.asarray(reference, float)
    err = np.abs(estimate - reference) / np.abs(reference)
    return -np.log10(np.maximum(err, 1e-300))


def fitted_params(model, fit_intercept):
    return np.r_[model.intercept_, model.coef_] if fit_intercept else model.coef_


def exact_solution_of(X, y, fit_intercept):
    """Least squares of the float64 data in 50-digit arithmetic (mpmath Householder QR)."""
    with mpmath.workdps(50):
        rows = [([1] if fit_intercept else []) + [mpmath.mpf(float(v)) for v in row] for row in X]
        A = mpmath.matrix(rows)
        b = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        sol = mpmath.qr_solve(A, b)[0]
        return np.array([float(s) for s in sol])


@pytest.mark.parametrize("name", nist_names())
def test_certified_parameters_to_10_digits(name):
    data = load_nist(name, dtype=np.longdouble)
    model = linreg.LinearRegression(fit_intercept=data.fit_intercept).fit(data.X, data.y)
    lre = log_relative_error(fitted_params(model, data.fit_intercept), data.params)
    assert lre.min() >= 10, f"{name}: {np.round(lre, 2)} via {model.solver_}"
    assert model.rank_ == data.X.shape[1]


@pytest.mark.parametrize("name", nist_names())
def test_float64_data_gives_its_exact_solution(name):
    data = load_nist(name, dtype=np.float64)
    model = linreg.LinearRegression(fit_intercept=data.fit_intercept).fit(data.X, data.y)
    exact = exact_solution_of(data.X, data.y, data.fit_intercept)
    lre = log_relative_error(fitted_params(model, data.fit_intercept), exact)
    assert lre.min() >= 10, f"{name}: {np.round(lre, 2)} via {model.solver_}"


@pytest.mark.parametrize("name", [n for n in nist_names() if n != "Filip"])
def test_float64_data_meets_certified_values(name):
    data = load_nist(name, dtype=np.float64)
    model = linreg.LinearRegression(fit_intercept=data.fit_intercept).fit(data.X, data.y)
    lre = log_relative_error(fitted_params(model, data.fit_intercept), data.params)
    assert lre.min() >= 10, f"{name}: {np.round(lre, 2)} via {model.solver_}"


def test_filip_float64_rounding_alone_limits_digits():
    """Rounding Filip's design to float64 moves its exact solution in the 8th digit:
    no float64 method can certify 10 digits; extended-precision input is the way."""
    data = load_nist("Filip", dtype=np.float64)
    exact = exact_solution_of(data.X, data.y, True)
    assert log_relative_error(exact, data.params).min() < 9


@pytest.mark.parametrize("name", nist_names())
def test_at_least_as_accurate_as_lstsq_and_sklearn_on_the_same_data(name):
    """numpy.linalg.lstsq (SVD) and scikit-learn on the same float64 design."""
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    data = load_nist(name, dtype=np.float64)
    icpt = data.fit_intercept
    A = np.column_stack([np.ones(len(data.y)), data.X]) if icpt else data.X
    ours = linreg.LinearRegression(fit_intercept=icpt).fit(data.X, data.y)
    sk = SkLinearRegression(fit_intercept=icpt).fit(data.X, data.y)
    ours_lre = min(log_relative_error(fitted_params(ours, icpt), data.params).min(), 15)
    for theirs in (np.linalg.lstsq(A, data.y, rcond=None)[0], fitted_params(sk, icpt)):
        assert ours_lre >= min(log_relative_error(theirs, data.params).min(), 15) - 0.05
