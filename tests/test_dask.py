"""Dask inputs on a real cluster of worker processes: the fit and the summary equal the
in-memory ones, and a worker killed mid-fit costs a retry, not a wrong answer."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

from linreg import LinearRegression, Ridge  # noqa: E402

N, P = 4000, 5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((N, P)) * [1.0, 4.0, 0.5, 2.0, 1.0] + [10.0, -3.0, 5.0, 0.0, 1.0]
    y = X @ [1.0, -0.5, 2.0, 0.3, 0.0] + 7.0 + rng.standard_normal(N) * (1 + np.abs(X[:, 0] - 10))
    w = rng.uniform(0.5, 2.0, N)
    return X, y, w


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


def assert_same_fit(model, ref, cov_types=("nonrobust", "HC3")):
    assert rel(model.coef_, ref.coef_) < 1e-10
    assert rel(model.intercept_, ref.intercept_) < 1e-10
    for cov_type in cov_types:
        a, b = model.summary(cov_type=cov_type), ref.summary(cov_type=cov_type)
        for name in ("params", "bse", "pvalues"):
            assert rel(getattr(a, name), getattr(b, name)) < 1e-10, (cov_type, name)
        for name in ("ssr", "rsquared", "fvalue", "llf"):
            assert rel(getattr(a, name), getattr(b, name)) < 1e-10, (cov_type, name)


def test_dask_array(client, data):
    X, y, _ = data
    Xd = da.from_array(X, chunks=(700, 2))  # columns are re-chunked into whole rows
    yd = da.from_array(y, chunks=900)  # and y to X's row blocks
    model = LinearRegression().fit(Xd, yd)
    assert_same_fit(model, LinearRegression().fit(X, y))


def test_dask_dataframe_weights_and_names(client, data):
    X, y, w = data
    df = pd.DataFrame(X, columns=[f"c{j}" for j in range(P)]).assign(y=y, w=w)
    ddf = dd.from_pandas(df, npartitions=6)
    cols = [f"c{j}" for j in range(P)]
    model = Ridge(alpha=2.0).fit(ddf[cols], ddf["y"], sample_weight=ddf["w"])
    ref = Ridge(alpha=2.0).fit(df[cols], y, sample_weight=w)
    assert list(model.feature_names_in_) == cols
    assert_same_fit(model, ref, cov_types=("nonrobust", "HC1"))
    ols = LinearRegression().fit(ddf[cols], ddf["y"], sample_weight=ddf["w"])
    assert_same_fit(ols, LinearRegression().fit(df[cols], y, sample_weight=w))


def test_several_targets_and_in_memory_y(client, data):
    X, y, _ = data
    Y = np.column_stack([y, 2 * y + X[:, 1]])
    model = LinearRegression().fit(da.from_array(X, chunks=(1000, P)), Y)
    ref = LinearRegression().fit(X, Y)
    assert model.coef_.shape == (2, P)
    assert rel(model.coef_, ref.coef_) < 1e-10
    a, b = model.summary(cov_type="HC2", target=1), ref.summary(cov_type="HC2", target=1)
    assert rel(a.bse, b.bse) < 1e-10


def test_worker_killed_mid_fit(client, data, tmp_path):
    """The first task to run this kills its own worker process; the scheduler reruns it
    (and whatever that worker held) on the other or the restarted worker."""
    X, y, _ = data
    marker = str(tmp_path / "killed-once")

    def die_once(block):
        # (Dask also calls this on an empty block, in this process, to infer the meta.)
        if block.size and not os.path.exists(marker):
            with open(marker, "w"):
                pass
            os._exit(1)
        return block

    Xd = da.from_array(X, chunks=(500, P)).map_blocks(die_once, meta=np.empty((0, 0)))
    model = LinearRegression().fit(Xd, da.from_array(y, chunks=500))
    assert os.path.exists(marker)  # a worker did die
    assert_same_fit(model, LinearRegression().fit(X, y), cov_types=("nonrobust",))


def test_nan_named_with_partition(client, data):
    X, y, _ = data
    X = X.copy()
    X[1234, 3] = np.nan
    df = pd.DataFrame(X, columns=[f"c{j}" for j in range(P)])
    ddf = dd.from_pandas(df, npartitions=4)  # 1000 rows each
    with pytest.raises(ValueError, match=r"NaN in column 'c3', at row 234 of partition 1"):
        LinearRegression().fit(ddf, dd.from_pandas(pd.Series(y), npartitions=4))


def test_misaligned_partitions(client, data):
    X, y, _ = data
    ddf = dd.from_pandas(pd.DataFrame(X), npartitions=4)
    with pytest.raises(ValueError, match="X has 4 partitions but y has 3"):
        LinearRegression().fit(ddf, dd.from_pandas(pd.Series(y), npartitions=3))
    with pytest.raises(ValueError, match="X has 4 partitions but y has 3"):
        LinearRegression(solver="torch").fit(ddf, dd.from_pandas(pd.Series(y), npartitions=3))


def test_local_scheduler_without_cluster(data):
    X, y, _ = data
    with dask.config.set(scheduler="threads"):
        model = LinearRegression().fit(da.from_array(X, chunks=(600, P)), da.from_array(y))
    assert rel(model.coef_, LinearRegression().fit(X, y).coef_) < 1e-10


def test_columns_of_one_parquet_frame_line_up(tmp_path):
    """df[features] and df["y"] of one dd.read_parquet frame: dask-expr fuses small
    partitions per column selection, yet the fit must see aligned partitions."""
    import dask.dataframe as dd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import linreg

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6)) + 5
    y = X @ np.arange(1.0, 7.0) + rng.normal(size=3000)
    table = pa.table({**{f"x{j}": X[:, j] for j in range(6)}, "y": y})
    for i in range(3):
        pq.write_table(table.slice(1000 * i, 1000), tmp_path / f"part-{i}.parquet")
    df = dd.read_parquet(str(tmp_path))
    features = [f"x{j}" for j in range(6)]
    with dask.config.set(scheduler="synchronous"):
        model = linreg.LinearRegression().fit(df[features], df["y"])
    expected = linreg.LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-12)
