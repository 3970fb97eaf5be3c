"""Lasso and ElasticNet from chunked sources (linreg.scan files, Dask collections): one
pass for the Moments, coordinate descent on their Gram; equal to the in-memory fit."""

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import linreg


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lasso_sources")
    rng = np.random.default_rng(3)
    n, p = 20_000, 8
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3, p) + rng.uniform(-100, 100, p)
    coef = np.r_[2.0, -1.0, 0.0, 0.5, 0.0, 0.0, 3.0, -0.2]
    y = X @ coef + 4 + rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    table = pa.table({**{f"x{j}": X[:, j] for j in range(p)}, "y": y, "w": w})
    pq.write_table(table, folder / "d.parquet")
    pacsv.write_csv(table, folder / "d.csv")
    return folder, X, y, w


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize(
    "make", [lambda: linreg.Lasso(alpha=0.05), lambda: linreg.ElasticNet(alpha=0.1, l1_ratio=0.3)]
)
def test_scan_fit_equals_in_memory(data, fmt, make):
    folder, X, y, w = data
    ref = make().fit(X, y, sample_weight=w)
    scan = linreg.scan(folder / f"d.{fmt}", target="y", weights="w", batch_size=3000)
    got = make().fit(scan)
    assert got.solver_ == "gram"
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert got.intercept_ == pytest.approx(ref.intercept_, rel=1e-10)
    assert np.count_nonzero(got.coef_) == np.count_nonzero(ref.coef_)
    assert list(got.feature_names_in_) == [f"x{j}" for j in range(8)]
    np.testing.assert_allclose(got.predict(X), ref.predict(X), rtol=1e-10)


def test_dask_fit_equals_in_memory(data):
    da = pytest.importorskip("dask.array")
    import dask

    _, X, y, w = data
    ref = linreg.Lasso(alpha=0.05).fit(X, y, sample_weight=w)
    with dask.config.set(scheduler="synchronous"):
        got = linreg.Lasso(alpha=0.05).fit(
            da.from_array(X, chunks=(6000, -1)),
            da.from_array(y, chunks=6000),
            sample_weight=da.from_array(w, chunks=6000),
        )
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-10, atol=1e-12)


def test_design_layout_needs_the_data_in_memory(data):
    folder, *_ = data
    with pytest.raises(ValueError, match="solver='design' needs X in memory"):
        linreg.Lasso(solver="design").fit(linreg.scan(folder / "d.parquet", target="y"))
