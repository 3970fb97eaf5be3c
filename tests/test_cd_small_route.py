"""The NumPy route of coordinate descent (linreg.penalized.small) for small Gram problems.

Checked against the numba kernel it mirrors (same iterates: equal coefficients and sweep
counts), against scikit-learn at tight tolerance (estimators, weights, intercept,
multi-target, warm start, positive), the budget hand-over to numba, and that a first
small fit in a new process imports no numba.
"""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import linear_model as sk

from linreg import ElasticNet, Lasso
from linreg.penalized import _kernels, small

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


def gram_problem(seed, n, p, frac, l1_ratio, corr):
    """Centred data, its Gram statistics and (l1, l2) at ``frac`` of alpha_max."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.choice([1e-2, 1.0, 1e2], p)
    if p > 2:
        X[:, 1] = X[:, 2] + corr * rng.standard_normal(n)
    y = X @ (rng.standard_normal(p) / np.std(X, axis=0)) + rng.standard_normal(n)
    X -= X.mean(axis=0)
    y -= y.mean()
    G = np.ascontiguousarray(X.T @ X / n)
    q = X.T @ y / n
    alpha = frac * np.max(np.abs(q)) / max(l1_ratio, 1e-3)
    return X, y, G, q, float(y @ y / n), alpha * l1_ratio, alpha * (1 - l1_ratio)


@SETTINGS
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(3, 60),
    p=st.integers(1, 30),
    frac=st.sampled_from([0.9, 0.3, 0.05, 0.005]),
    l1_ratio=st.sampled_from([1.0, 0.7, 0.1]),
    corr=st.sampled_from([1.0, 1e-3]),
    positive=st.booleans(),
    screening=st.booleans(),
    warm=st.booleans(),
)
def test_numpy_kernel_equals_numba_kernel(
    seed, n, p, frac, l1_ratio, corr, positive, screening, warm
):
    """The same iterates: equal coefficients (to rounding), sweeps and convergence."""
    _, _, G, q, c, l1, l2 = gram_problem(seed, n, p, frac, l1_ratio, corr)
    start = np.random.default_rng(seed + 1).standard_normal(p) if warm else np.zeros(p)
    w_np, w_nb = start.copy(), start.copy()
    args = (100_000, 1e-13, 1e-8, 0.0, screening, l2, positive)
    with small.forced("numpy"):
        ours = small.cd_gram(G, q, c, l1, l2, w_np, *args)
    theirs = _kernels.cd_gram(G, q, c, l1, l2, w_nb, *args)
    assert ours[2:] == (int(theirs[2]), bool(theirs[3]))
    scale = max(np.max(np.abs(w_nb)), np.finfo(float).tiny)
    np.testing.assert_allclose(w_np, w_nb, rtol=0, atol=1e-12 * scale)
    if positive:
        assert np.all(w_np >= 0)


@SETTINGS
@given(
    seed=st.integers(0, 2**31),
    p=st.integers(1, 12),
    l1_ratio=st.sampled_from([1.0, 0.5]),
    positive=st.booleans(),
)
def test_subgradient_norms_equal_numba(seed, p, l1_ratio, positive):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(p) * rng.integers(0, 2, p)
    g = rng.standard_normal(p)
    l1, l2 = 0.5 * l1_ratio, 0.5 * (1 - l1_ratio)
    ours = small.subgradient_norms(w, g, l1, l2, positive)
    theirs = _kernels.subgradient_norms(w, g, l1, l2, positive)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def data(seed, n=60, p=8, k=1, weights=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-3, 3, p)
    Y = X @ rng.standard_normal((p, k)) + rng.standard_normal((n, k)) + 2.0
    w = rng.uniform(0.1, 3.0, n) if weights else None
    return X, (Y[:, 0] if k == 1 else Y), w


def alpha_max(X, Y, w):
    w = np.ones(len(X)) if w is None else w
    xm, ym = w @ X / w.sum(), w @ Y / w.sum()
    q = ((X - xm) * w[:, None]).T @ ((Y - ym).reshape(len(X), -1)) / w.sum()
    return float(np.max(np.sqrt(np.sum(q**2, axis=1))))


@SETTINGS
@given(
    seed=st.integers(0, 2**31),
    k=st.sampled_from([1, 3]),
    weights=st.booleans(),
    fit_intercept=st.booleans(),
    frac=st.sampled_from([0.5, 0.05, 0.002]),
    l1_ratio=st.sampled_from([1.0, 0.5]),
)
def test_small_route_equals_sklearn_and_numba(seed, k, weights, fit_intercept, frac, l1_ratio):
    """Estimators on the NumPy route equal scikit-learn at tol=1e-12, and the numba
    route's fit (coefficients, intercept, certified bound) to rounding."""
    X, Y, w = data(seed, k=k, weights=weights)
    alpha = frac * alpha_max(X, Y, w) / l1_ratio
    params = dict(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    with small.forced("numpy"):
        ours = ElasticNet(**params, solver="gram").fit(X, Y, sample_weight=w)
    with small.forced("numba"):
        numba = ElasticNet(**params, solver="gram").fit(X, Y, sample_weight=w)
    ref = sk.ElasticNet(**params, tol=1e-12, max_iter=1_000_000).fit(X, Y, sample_weight=w)
    scale = np.max(np.abs(ref.coef_)) + 1.0
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(ours.coef_, numba.coef_, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(ours.intercept_, numba.intercept_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.coef_bound_, numba.coef_bound_, rtol=1e-9)
    assert ours.n_iter_ == numba.n_iter_


def test_warm_start_on_the_small_route():
    """warm_start continues from coef_: the same optimum as a cold fit and as scikit-learn."""
    X, y, _ = data(3, p=10)
    a = 0.01 * alpha_max(X, y, None)
    with small.forced("numpy"):
        model = Lasso(alpha=10 * a, warm_start=True).fit(X, y)
        model.set_params(alpha=a).fit(X, y)
        cold = Lasso(alpha=a).fit(X, y)
    ref = sk.Lasso(alpha=a, tol=1e-12, max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-7)
    np.testing.assert_allclose(model.coef_, cold.coef_, rtol=0, atol=1e-9)
    assert model.coef_bound_ <= 1e-7 * np.linalg.norm(model.coef_)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_positive_against_sklearn(seed, l1_ratio):
    """w >= 0 (projected update) on the NumPy route: scikit-learn's positive=True optimum,
    on centred data without intercept (the Gram problem the route solves)."""
    X, y, G, q, c, l1, l2 = gram_problem(seed, 80, 12, 0.05, l1_ratio, 1e-2)
    w = np.zeros(12)
    with small.forced("numpy"):
        gap, primal, n_iter, converged = small.cd_gram(
            G, q, c, l1, l2, w, 100_000, 1e-13, 1e-8, 0.0, True, l2, True
        )
    params = dict(alpha=l1 + l2, l1_ratio=l1 / (l1 + l2), fit_intercept=False, positive=True)
    ref = sk.ElasticNet(**params, tol=1e-14, max_iter=1_000_000).fit(X, y)
    assert converged and np.all(w >= 0) and np.any(ref.coef_ == 0)
    np.testing.assert_allclose(w, ref.coef_, rtol=0, atol=1e-7 * np.max(np.abs(ref.coef_)))
    kkt = small.subgradient_norms(w, q - G @ w, l1, l2, True)[0]
    assert kkt <= 1e-8 * (l1 + l2)


def test_budget_hands_over_to_numba(monkeypatch):
    """A fit that exceeds the NumPy budget continues in numba from its iterate: the same
    optimum, its sweeps counted once."""
    X, y, G, q, c, l1, l2 = gram_problem(5, 200, 20, 0.002, 1.0, 1e-3)
    monkeypatch.setattr(small, "CALL_BUDGET", 100)
    monkeypatch.setattr(small, "uses_numpy", lambda p: True)
    w = np.zeros(20)
    out = small.cd_gram(G, q, c, l1, l2, w, 100_000, 1e-13, 1e-8, 0.0, True, 0.0, False)
    w_ref = np.zeros(20)
    ref = _kernels.cd_gram(G, q, c, l1, l2, w_ref, 100_000, 1e-13, 1e-8, 0.0, True, 0.0, False)
    assert out[3] and ref[3] and out[2] >= 1
    np.testing.assert_allclose(w, w_ref, rtol=0, atol=1e-9 * np.max(np.abs(w_ref)))


def test_first_small_fit_imports_no_numba():
    """In a new process, ``import linreg`` loads no heavy dependency, and a Lasso and an
    ElasticNet on diabetes (10 features) run without importing numba."""
    code = (
        "import sys\n"
        "import linreg\n"
        "heavy = {'numba', 'torch', 'dask', 'matplotlib', 'sklearn', 'scipy'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
        "from sklearn.datasets import load_diabetes\n"
        "X, y = load_diabetes(return_X_y=True)\n"
        "m = linreg.Lasso(alpha=0.1).fit(X, y)\n"
        "e = linreg.ElasticNet(alpha=0.01).fit(X, y)\n"
        "assert m.solution_.status == 'ok' and e.solution_.status == 'ok'\n"
        "assert 'numba' not in sys.modules\n"
        "assert 'linreg.models.elastic_net_cv' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_forced_rejects_unknown_route():
    with pytest.raises(ValueError, match="numpy"):
        with small.forced("cython"):
            pass
