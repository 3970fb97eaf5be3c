"""Coordinate descent at and near alpha = 0 (issue 14, W1c).

At ``l1 = 0`` the elastic net's duality gap cannot certify (the dual point must be
orthogonal to X, and the scaled residual's scale ``s = l1 / ||g||_inf`` is 0): the
kernels stop once the KKT conditions hold to the gradient's rounding instead.  The
references are independent: numpy.linalg.lstsq, a direct solve of the Lasso's
optimality conditions on a known sign pattern, and scipy.optimize.nnls.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import nnls
from sklearn.exceptions import ConvergenceWarning

from linreg import ElasticNet, Lasso, enet_path


def _problem(n=200, p=100, seed=1):
    """A design with more features than the kernels' first working set (32), one
    column correlated with another and offset."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1] += 0.1 * X[:, 0] + 3.0
    y = X @ rng.standard_normal(p) + rng.standard_normal(n) + 2.0
    return X, y


def _centred(X, y):
    return X - X.mean(0), y - y.mean()


def _fit(model, X, y):
    """Fit, failing on a ConvergenceWarning (the UserWarning of alpha=0 is expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.filterwarnings("ignore", "With alpha=0", UserWarning)
        return model.fit(X, y)


LAYOUTS = [("design", False), ("gram", False), ("design", True)]


@pytest.mark.parametrize("solver, is_sparse", LAYOUTS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_alpha_0_explicit_solver_converges_to_lstsq(solver, is_sparse, l1_ratio):
    X, y = _problem()
    Xc, yc = _centred(X, y)
    ref = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    XX = sparse.csc_matrix(X) if is_sparse else X
    model = _fit(ElasticNet(alpha=0.0, l1_ratio=l1_ratio, solver=solver), XX, y)
    assert model.solver_ == solver
    assert model.n_iter_ < 1000
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-9 * np.max(np.abs(ref)))
    np.testing.assert_allclose(model.intercept_, y.mean() - X.mean(0) @ ref, rtol=1e-9)


def test_alpha_0_warns_as_sklearn():
    X, y = _problem(60, 10)
    with pytest.warns(UserWarning, match="With alpha=0, this algorithm does not converge"):
        ElasticNet(alpha=0.0, solver="design").fit(X, y)


def _lasso_reference(X, y, alpha):
    """The Lasso's optimum where every coefficient is nonzero: ``G w = q - alpha s`` with
    ``s`` the sign pattern, iterated from least squares's signs until they agree."""
    Xc, yc = _centred(X, y)
    n = X.shape[0]
    G, q = Xc.T @ Xc / n, Xc.T @ yc / n
    w = np.linalg.solve(G, q)
    for _ in range(5):
        w = np.linalg.solve(G, q - alpha * np.sign(w))
    assert np.all(w != 0)
    assert np.allclose(G @ w - q, -alpha * np.sign(w), atol=1e-10 * alpha + 1e-13)
    return w


@pytest.mark.parametrize("solver, is_sparse", LAYOUTS)
@pytest.mark.parametrize("scale", [1e-14, 1e-12, 1e-9])
def test_tiny_alpha_lasso_converges(solver, is_sparse, scale):
    X, y = _problem()
    Xc, yc = _centred(X, y)
    alpha = scale * np.max(np.abs(Xc.T @ yc)) / X.shape[0]  # scale * alpha_max
    ref = _lasso_reference(X, y, alpha)
    XX = sparse.csc_matrix(X) if is_sparse else X
    model = _fit(Lasso(alpha=alpha, solver=solver), XX, y)
    assert model.n_iter_ < 1000
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-9 * np.max(np.abs(ref)))


def test_tiny_alphas_on_a_path_converge():
    X, y = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        alphas, coefs, _ = enet_path(X, y, l1_ratio=0.5, alphas=[1e-3, 1e-9, 1e-13, 0.0],
                                     fit_intercept=True)
    Xc, yc = _centred(X, y)
    ref = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    assert alphas[-1] == 0.0
    np.testing.assert_allclose(coefs[:, -1], ref, rtol=0, atol=1e-9 * np.max(np.abs(ref)))


def _nnls_problem(seed=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((120, 15))
    y = X @ rng.standard_normal(15) + 0.5 * rng.standard_normal(120) + 1.0
    return X, y


def test_alpha_0_positive_auto_is_exact_nnls():
    X, y = _nnls_problem()
    Xc, yc = _centred(X, y)
    ref = nnls(Xc, yc)[0]
    with pytest.warns(UserWarning, match="With alpha=0"):
        model = Lasso(alpha=0.0, positive=True).fit(X, y)
    assert model.solver_ == "nnls" and model.n_iter_ == 0
    assert np.any(ref == 0) and np.all(model.coef_ >= 0)
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))
    np.testing.assert_allclose(model.intercept_, y.mean() - X.mean(0) @ ref, rtol=1e-12)


def test_alpha_0_positive_weighted_nnls():
    X, y = _nnls_problem(6)
    s = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    xm, ym = s @ X / s.sum(), s @ y / s.sum()
    r = np.sqrt(s)
    ref = nnls(r[:, None] * (X - xm), r * (y - ym))[0]
    model = ElasticNet(alpha=0.0, positive=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y, sample_weight=s)
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))


@pytest.mark.parametrize("solver, is_sparse", LAYOUTS)
def test_alpha_0_positive_coordinate_descent_converges(solver, is_sparse):
    X, y = _nnls_problem()
    Xc, yc = _centred(X, y)
    ref = nnls(Xc, yc)[0]
    XX = sparse.csc_matrix(X) if is_sparse else X
    model = _fit(Lasso(alpha=0.0, positive=True, solver=solver), XX, y)
    assert model.n_iter_ < 1000
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-9 * np.max(np.abs(ref)))
