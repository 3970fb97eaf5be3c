"""Lasso and ElasticNet through the iterative trainers (solver="gd" and "torch").

Both minimize scikit-learn's elastic-net objective by proximal gradient on internally
standardized data.  References: coordinate descent (linreg's exact solver for the same
objective), scikit-learn's Lasso/ElasticNet at tol=1e-12, the optimality (KKT)
conditions computed here from X and y, and invariances (weights == repeated rows,
several targets == separate fits).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import linear_model
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning

import linreg
from linreg.training import DivergenceError

torch = pytest.importorskip("torch")

SOLVERS = ["gd", "torch"]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # tiny problems: extra intra-op threads only add latency on a shared machine
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_data(n=200, p=10, k=None, seed=0):
    """Well-conditioned design with column offsets and scales from 0.1 to 10, and a
    sparse truth."""
    rng = np.random.default_rng(seed)
    scale = np.geomspace(0.1, 10, p)
    X = rng.normal(size=(n, p)) * scale + rng.normal(size=p) * 5
    shape = (p,) if k is None else (p, k)
    beta = np.where(rng.random(shape) < 0.5, 0.0, rng.normal(size=shape))
    beta = beta / (scale if k is None else scale[:, None])
    y = X @ beta + 0.5 * rng.normal(size=n if k is None else (n, k)) + 3.0
    return X, y


def alpha_max(X, y, w=None, l1_ratio=1.0):
    w = np.ones(len(y)) if w is None else w
    xc = X - np.average(X, axis=0, weights=w)
    yc = y - np.average(y, weights=w)
    return np.max(np.abs(xc.T @ (w * yc))) / (w.sum() * l1_ratio)


def objective(X, y, coef, intercept, alpha, l1_ratio, w=None):
    """scikit-learn's elastic-net objective, computed here from X and y."""
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    return (
        0.5 * np.sum(w * r**2) / w.sum()
        + alpha * l1_ratio * np.sum(np.abs(coef))
        + 0.5 * alpha * (1 - l1_ratio) * np.sum(coef**2)
    )


def strict(estimator, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return estimator.fit(X, y, **kw)


def assert_same_solution(model, ref, X, y, alpha, l1_ratio, w=None, rtol=1e-6):
    scale = np.max(np.abs(ref.coef_))
    assert_allclose(model.coef_, ref.coef_, rtol=0, atol=rtol * scale)
    assert_array_equal(model.coef_ == 0, ref.coef_ == 0)  # exact zeros where CD has them
    assert_allclose(model.intercept_, ref.intercept_, rtol=rtol, atol=rtol * scale)
    mine = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio, w)
    theirs = objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, w)
    assert mine <= theirs * (1 + 1e-8)
    assert_allclose(model.objective_, mine, rtol=1e-10)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("fraction", [0.2, 0.01])
def test_agrees_with_coordinate_descent_and_sklearn(solver, l1_ratio, fraction):
    X, y = make_data()
    alpha = fraction * alpha_max(X, y, l1_ratio=l1_ratio)
    model = strict(linreg.ElasticNet(alpha, l1_ratio=l1_ratio, solver=solver), X, y)
    assert model.solver_ == solver
    cd = linreg.ElasticNet(alpha, l1_ratio=l1_ratio, solver="gram").fit(X, y)
    assert_same_solution(model, cd, X, y, alpha, l1_ratio)
    sk = linear_model.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=10**6)
    sk.fit(X, y)
    assert_same_solution(model, sk, X, y, alpha, l1_ratio)
    assert abs(model.dual_gap_) <= 1e-12 * model.objective_  # (rounding can make it < 0)
    assert 1 <= model.n_iter_ == len(model.history_["train_loss"])


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio, w=None):
    """Largest violation of the optimality conditions, relative to alpha."""
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    g = X.T @ (w * r) / w.sum() - alpha * (1 - l1_ratio) * coef
    l1 = alpha * l1_ratio
    on = coef != 0
    worst = np.max(np.abs(g[on] - l1 * np.sign(coef[on])), initial=0.0)
    worst = max(worst, np.max(np.abs(g[~on]) - l1, initial=0.0))
    return max(worst, abs(np.sum(w * r) / w.sum())) / alpha


@pytest.mark.parametrize("solver", SOLVERS)
def test_lasso_on_diabetes(solver):
    X, y = load_diabetes(return_X_y=True)
    alpha = 0.05 * alpha_max(X, y)
    model = strict(linreg.Lasso(alpha, solver=solver), X, y)
    sk = linear_model.Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y)
    assert_same_solution(model, sk, X, y, alpha, 1.0)
    assert kkt_violation(X, y, model.coef_, model.intercept_, alpha, 1.0) < 1e-6


@pytest.mark.parametrize("solver", SOLVERS)
def test_standardized_diabetes_small_alpha(solver):
    # sklearn's own diabetes X (columns scaled to unit norm) at 1% of alpha_max
    X, y = load_diabetes(return_X_y=True, scaled=True)
    X = (X - X.mean(0)) / X.std(0)
    alpha = 0.01 * alpha_max(X, y)
    max_iter = 2000 if solver == "gd" else 20_000
    model = strict(linreg.Lasso(alpha, solver=solver, max_iter=max_iter), X, y)
    cd = linreg.Lasso(alpha).fit(X, y)
    assert_same_solution(model, cd, X, y, alpha, 1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_weights_are_repeated_rows(solver):
    X, y = make_data(n=120, seed=1)
    w = np.random.default_rng(1).integers(1, 4, size=len(y)).astype(float)
    alpha = 0.05 * alpha_max(X, y, w)
    weighted = strict(linreg.ElasticNet(alpha, l1_ratio=0.7, solver=solver), X, y, sample_weight=w)
    rows = np.repeat(np.arange(len(y)), w.astype(int))
    repeated = linreg.ElasticNet(alpha, l1_ratio=0.7).fit(X[rows], y[rows])
    assert_same_solution(weighted, repeated, X, y, alpha, 0.7, w)
    assert kkt_violation(X, y, weighted.coef_, weighted.intercept_, alpha, 0.7, w) < 1e-6


@pytest.mark.parametrize("solver", SOLVERS)
def test_without_intercept(solver):
    X, y = make_data(seed=2)
    if solver == "torch":
        # plain proximal gradient (ISTA) converges at the rate 1 - 1/kappa: without
        # centring, large column offsets make the problem too ill-conditioned for it
        X = X - X.mean(axis=0) + 0.1 * X.std(axis=0)
    alpha = 0.05 * alpha_max(X, y)
    model = strict(linreg.Lasso(alpha, fit_intercept=False, solver=solver), X, y)
    sk = linear_model.Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=10**6)
    sk.fit(X, y)
    assert model.intercept_ == 0.0
    assert_same_solution(model, sk, X, y, alpha, 1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_several_targets_are_separate_fits(solver):
    X, Y = make_data(k=3, seed=3)
    Y[:, 1] *= 100.0  # targets on different scales: per-target thresholds
    alpha = 0.5
    model = strict(linreg.ElasticNet(alpha, l1_ratio=0.8, solver=solver), X, Y)
    assert model.coef_.shape == (3, X.shape[1])
    for t in range(3):
        one = linreg.ElasticNet(alpha, l1_ratio=0.8).fit(X, Y[:, t])
        scale = np.max(np.abs(one.coef_))
        assert_allclose(model.coef_[t], one.coef_, rtol=0, atol=1e-6 * scale)
        assert_array_equal(model.coef_[t] == 0, one.coef_ == 0)
        assert_allclose(model.intercept_[t], one.intercept_, rtol=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_alpha_above_alpha_max_gives_exact_zeros(solver):
    X, y = make_data(seed=4)
    model = strict(linreg.Lasso(1.01 * alpha_max(X, y), solver=solver), X, y)
    assert_array_equal(model.coef_, 0.0)
    assert_allclose(model.intercept_, y.mean(), rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_history(solver):
    X, y = make_data(seed=5)
    X_val, y_val = make_data(n=50, seed=6)
    alpha = 0.01 * alpha_max(X, y)
    model = strict(linreg.Lasso(alpha, solver=solver), X, y, validation_data=(X_val, y_val))
    hist = model.history_
    assert len(hist["train_loss"]) == len(hist["val_loss"]) == len(hist["objective"])
    assert len(hist["objective"]) == model.n_iter_
    obj = np.array(hist["objective"])
    # the objective never increases (beyond rounding): ISTA is a descent method, and
    # gd's FISTA rejects momentum steps that raise it
    assert np.all(np.diff(obj) <= 1e-12 * obj[1:])
    assert_allclose(obj[-1], objective(X, y, model.coef_, model.intercept_, alpha, 1.0), rtol=1e-10)
    val = np.mean((y_val - model.predict(X_val)) ** 2)
    assert_allclose(hist["val_loss"][-1], val, rtol=1e-8)
    assert hist["train_loss"][-1] < hist["train_loss"][0]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("lr", [5.0, 100.0])
def test_bad_learning_rate_diverges(solver, lr):
    X, y = make_data(seed=7)
    with pytest.raises(DivergenceError, match="diverged at epoch .* lr="):
        linreg.Lasso(0.1, solver=solver, lr=lr).fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_iter_warns(solver):
    X, y = load_diabetes(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=3 .*relative duality gap"):
        model = linreg.Lasso(0.1, solver=solver, max_iter=3).fit(X, y)
    assert model.n_iter_ == 3


def test_torch_minibatches_get_close():
    # proximal SGD with a constant step only converges in the mean: it warns at
    # max_iter, with an objective near the optimum
    X, y = make_data(seed=8)
    alpha = 0.05 * alpha_max(X, y)
    cd = linreg.Lasso(alpha).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        model = linreg.Lasso(alpha, solver="torch", batch_size=50, max_iter=30, random_state=0).fit(
            X, y
        )
    assert cd.objective_ <= model.objective_ <= cd.objective_ * 1.05


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"solver": "torch", "optimizer": "adam"}, "optimizer in"),
        ({"solver": "gd", "optimizer": "adam"}, "optimizer='adam' is not available"),
        ({"solver": "gd", "batch_size": 10}, "batch_size needs solver='torch'"),
        # scikit-learn's InvalidParameterError (Lasso's _parameter_constraints)
        ({"solver": "gd", "lr": -1.0}, r"'lr' parameter of Lasso must be .* \(0.0, inf\)"),
        ({"solver": "torch", "lr": 0.0}, r"'lr' parameter of Lasso must be .* \(0.0, inf\)"),
        ({"solver": "sgd"}, "'solver' parameter of Lasso must be a str among"),
    ],
)
def test_bad_options(kw, match):
    X, y = make_data(n=30, seed=9)
    with pytest.raises(ValueError, match=match):
        linreg.Lasso(0.1, **kw).fit(X, y)


def test_sparse_and_validation_errors():
    X, y = make_data(n=30, seed=10)
    with pytest.raises(ValueError, match="needs dense X"):
        linreg.Lasso(0.1, solver="gd").fit(sparse.csc_matrix(X), y)
    with pytest.raises(ValueError, match="validation_data applies to solver='gd'"):
        linreg.Lasso(0.1).fit(X, y, validation_data=(X, y))
    with pytest.raises(ValueError, match="features"):
        linreg.Lasso(0.1, solver="gd").fit(X, y, validation_data=(X[:, :3], y))


