"""Lasso and ElasticNet with solver="gd" on a linreg.scan source or Dask: proximal
gradient (FISTA) whose gradients come from the Moments, certified by the duality gap,
against scikit-learn's coordinate descent on the same rows in memory."""

import numpy as np
import pytest
import sklearn.linear_model as sk
from numpy.testing import assert_allclose

import linreg

pd = pytest.importorskip("pandas")


def _data(tmp_path, seed=0, n=1500, p=6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 20, p) + rng.uniform(-50, 50, p)
    y = X @ rng.standard_normal(p) + 3 + rng.standard_normal(n)
    w = rng.uniform(0, 2, n)
    w[::9] = 0.0
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]).assign(y=y, w=w)
    path = tmp_path / "d.parquet"
    df.to_parquet(path, row_group_size=211)
    return path, X, y, w, [f"x{j}" for j in range(p)]


CASES = [
    (linreg.Lasso, sk.Lasso, {"alpha": 0.05}),
    (linreg.ElasticNet, sk.ElasticNet, {"alpha": 0.2, "l1_ratio": 0.3}),
    (linreg.Lasso, sk.Lasso, {"alpha": 0.05, "positive": True}),
    (linreg.Lasso, sk.Lasso, {"alpha": 0.05, "fit_intercept": False}),
]


@pytest.mark.parametrize("ours, theirs, kw", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_scan_matches_sklearn(tmp_path, ours, theirs, kw, weighted):
    path, X, y, w, features = _data(tmp_path)
    source = linreg.scan(path, "y", features=features, weights="w" if weighted else None)
    model = ours(solver="gd", tol=1e-12, **kw).fit(source)
    ref = theirs(**kw, tol=1e-14, max_iter=1_000_000)
    ref.fit(X, y, sample_weight=w if weighted else None)
    assert model.solution_.status == "ok"
    scale = np.max(np.abs(ref.coef_))
    assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8 * scale)
    assert_allclose(model.intercept_, ref.intercept_, rtol=1e-8, atol=1e-8 * scale)
    assert list(model.feature_names_in_) == features


def test_dask_matches_scan(tmp_path):
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    path, X, y, w, features = _data(tmp_path, seed=3)
    scan = linreg.Lasso(0.05, solver="gd", tol=1e-12).fit(linreg.scan(path, "y", features=features))
    frame = dd.read_parquet(path)
    with dask.config.set(scheduler="sync"):
        model = linreg.Lasso(0.05, solver="gd", tol=1e-12).fit(frame[features], frame["y"])
    assert_allclose(model.coef_, scan.coef_, rtol=1e-9, atol=1e-12)


def test_torch_and_validation_are_refused_with_a_reason(tmp_path):
    path, *_ , features = _data(tmp_path)
    source = linreg.scan(path, "y", features=features)
    with pytest.raises(ValueError, match="solver='gd'"):
        linreg.Lasso(0.05, solver="torch").fit(source)
    with pytest.raises(ValueError, match="validation_data"):
        linreg.Lasso(0.05, solver="gd").fit(source, validation_data=source)
