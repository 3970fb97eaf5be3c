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


# --- routing of paths: NumPy or numba chosen up front from the expected work ---------


def _diabetes_gram():
    from sklearn.datasets import load_diabetes

    from linreg.penalized.solve import GramData

    X, y = load_diabetes(return_X_y=True)
    Xc, yc = _centred(X, y)
    n = X.shape[0]
    return GramData(Xc.T @ Xc / n, (Xc.T @ yc / n)[:, None], np.array([yc @ yc / n]),
                    X.mean(0), np.array([y.mean()]), float(n))


def test_expected_path_work_follows_the_conditioning():
    from linreg.penalized import small

    data = _diabetes_gram()
    G = data.G
    d = 1.0 / np.sqrt(np.diag(G))
    condition = np.linalg.cond(G * np.outer(d, d))  # numpy's, of the Jacobi-scaled G
    work = small.expected_path_work(G, 1e-3, 1.0, 100)
    sweeps = min(small.SWEEPS_BASE + condition / small.SWEEPS_PER_CONDITION, small.SWEEPS_MAX)
    np.testing.assert_allclose(work, 100 * sweeps * (G.shape[0] + small.SWEEP_COST), rtol=1e-6)
    # an L2 part makes the path cheaper; the work is linear in the number of points
    assert small.expected_path_work(G, 1e-1, 0.5, 100) < work / 5
    assert small.expected_path_work(G, 1e-3, 1.0, 10) == pytest.approx(work / 10)


def test_plan_path_sends_long_ill_conditioned_paths_to_numba(monkeypatch):
    from linreg.penalized import small

    monkeypatch.setattr(small, "uses_numpy", lambda p: True)
    monkeypatch.setattr(small, "_spent", 0)
    data = _diabetes_gram()
    alpha_max = np.max(np.abs(data.q))
    lasso_grid = np.geomspace(alpha_max, 1e-3 * alpha_max, 100)
    assert small.plan_path(data.G, lasso_grid, 1.0) is False
    assert small.plan_path(data.G, lasso_grid[:5], 1.0) is True
    enet_grid = np.geomspace(2 * alpha_max, 2e-3 * alpha_max, 100)
    assert small.plan_path(data.G, enet_grid, 0.5) is True


FRESH = """
import sys
from sklearn.datasets import load_diabetes
from linreg import Lasso, lasso_path
from linreg.penalized import small
X, y = load_diabetes(return_X_y=True)
Lasso(alpha=0.1).fit(X, y)
single = "numba" in sys.modules
lasso_path(X, y, alphas=100)
print(single, "numba" in sys.modules, small._spent < 5000)
"""


def test_fresh_process_single_fit_numpy_path_numba_at_once():
    """In a new process: a single small Lasso stays in NumPy; a 100-alpha lasso_path
    loads numba before its first point (the NumPy work spent is the single fit's)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True"]


# --- Gram layout at its rounding floor: a finishing step from the rows ----------------


@pytest.mark.parametrize("seed", [42, 0])
def test_gram_floor_refined_from_rows_matches_svd_ridge(seed):
    """scikit-learn's test_enet_ridge_consistency (precompute=True, ridge alpha 1e-6,
    tol 1e-16: the Gram kernel stops at its floor, 2e-10 off): after the finishing step
    the coefficients agree with Ridge's SVD solve to 1e-12, within the certified bound."""
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge

    rng = np.random.RandomState(seed)
    X, y = make_regression(n_samples=300, n_features=100, effective_rank=10,
                           n_informative=50, random_state=rng)
    sw = rng.uniform(low=0.01, high=10, size=X.shape[0])
    ridge = Ridge(alpha=1e-6, solver="svd").fit(X, y, sample_weight=sw)
    enet = ElasticNet(alpha=1e-6 / sw.sum(), l1_ratio=0, precompute=True, tol=1e-16)
    enet.fit(X, y, sample_weight=sw)
    assert enet.solver_ == "gram"
    assert "refined from the rows" in enet.solution_.message
    np.testing.assert_allclose(enet.coef_, ridge.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(enet.intercept_, ridge.intercept_, rtol=0, atol=1e-11)
    assert np.linalg.norm(enet.coef_ - ridge.coef_) <= enet.coef_bound_


def test_gram_refinement_keeps_the_lasso_signs():
    """A Lasso in the Gram layout at a tolerance below its floor: the refined solution
    satisfies the optimality conditions computed independently from the rows."""
    X, y = _problem(300, 30, seed=3)
    alpha = 0.05
    model = Lasso(alpha=alpha, solver="gram", tol=1e-16).fit(X, y)
    Xc, yc = _centred(X, y)
    g = Xc.T @ (yc - Xc @ model.coef_) / X.shape[0]
    nz = model.coef_ != 0
    assert nz.any() and (~nz).any()
    np.testing.assert_allclose(g[nz], alpha * np.sign(model.coef_[nz]), rtol=0, atol=1e-12)
    assert np.all(np.abs(g[~nz]) <= alpha * (1 + 1e-9))


@pytest.mark.parametrize("route", ["numpy", "numba"])
@pytest.mark.parametrize("positive", [False, True])
def test_alpha_0_small_gram_routes(route, positive):
    """The NumPy route (:mod:`linreg.penalized.small`) and the numba kernel share the
    stopping rule at alpha=0: both converge to the least-squares (or NNLS) solution."""
    from linreg.penalized import small

    X, y = _nnls_problem(7)
    Xc, yc = _centred(X, y)
    ref = nnls(Xc, yc)[0] if positive else np.linalg.lstsq(Xc, yc, rcond=None)[0]
    with small.forced(route):
        model = _fit(Lasso(alpha=0.0, solver="gram", positive=positive), X, y)
    assert model.n_iter_ < 1000
    np.testing.assert_allclose(model.coef_, ref, rtol=0, atol=1e-10 * np.max(np.abs(ref)))
