"""``model.predict`` on a linreg.scan or a Dask collection, streamed, and ``out=``.

Reference: the same model's in-memory ``predict`` of the same rows read with pandas /
pyarrow (and ``X @ coef_.T + intercept_`` in NumPy); files written with ``out=`` are
read back with pyarrow.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linreg

pd = pytest.importorskip("pandas")

FEATURES = ["a", "b", "c", "d"]


def _data(n=1001, seed=0, targets=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES))) * [1.0, 10.0, 0.1, 3.0] + [5.0, -2.0, 0.0, 1.0]
    B = rng.normal(size=(len(FEATURES), targets))
    Y = X @ B + 0.5 + rng.normal(size=(n, targets))
    w = rng.uniform(0.5, 2.0, size=n)
    return X, Y, w


def _write(path, X, Y, w=None, order=None):
    """A file with the columns in ``order`` (default: the targets first, then the
    features reversed: not the model's order)."""
    columns = {f"y{j}": Y[:, j] for j in range(Y.shape[1])}
    columns.update({name: X[:, i] for i, name in enumerate(FEATURES)})
    if w is not None:
        columns["w"] = w
    order = order or [*columns][: Y.shape[1]] + FEATURES[::-1] + (["w"] if w is not None else [])
    table = pa.table({c: columns[c] for c in order})
    if str(path).endswith(".csv"):
        pcsv.write_csv(table, path)
    else:
        pq.write_table(table, path, row_group_size=300)
    return path


def _frame_of(path):
    if str(path).endswith(".csv"):
        return pd.read_csv(path)
    return pq.read_table(path).to_pandas()


def _close(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())


MODELS = [
    lambda: linreg.LinearRegression(),
    lambda: linreg.Ridge(alpha=3.0),
    lambda: linreg.Lasso(alpha=0.05),
]


# ---------------------------------------------------------------- a scan
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("make", MODELS)
@pytest.mark.parametrize("targets", [1, 2])
def test_scan_prediction_equals_in_memory(tmp_path, suffix, make, targets):
    X, Y, w = _data(targets=targets)
    path = _write(tmp_path / f"data{suffix}", X, Y, w)
    frame = _frame_of(path)
    y = frame["y0"] if targets == 1 else frame[["y0", "y1"]]
    model = make().fit(frame[FEATURES], y, sample_weight=frame["w"])
    expected = model.predict(frame[FEATURES])
    names = ["y0"] if targets == 1 else ["y0", "y1"]
    for batch_size in (37, 256, 5000):  # several batches of odd sizes, and one
        scan = linreg.scan(path, names[0] if targets == 1 else names, weights="w",
                           batch_size=batch_size)  # fmt: skip
        _close(model.predict(scan), expected)
    independent = X @ np.atleast_2d(model.coef_).T + model.intercept_
    _close(model.predict(scan).reshape(len(X), -1), independent)


def test_scan_without_target_predicts_and_refuses_to_fit(tmp_path):
    X, Y, _ = _data()
    path = _write(tmp_path / "new.parquet", X, Y, order=["d", "b", "a", "c"])  # no y0
    model = linreg.LinearRegression().fit(pd.DataFrame(X, columns=FEATURES), Y[:, 0])
    expected = model.predict(pd.DataFrame(X, columns=FEATURES))
    _close(model.predict(linreg.scan(path, None, batch_size=101)), expected)
    scan = linreg.scan(path, target=None, features=["c", "a", "d", "b"], batch_size=64)
    _close(model.predict(scan), expected)
    assert "predict only" in repr(scan)
    with pytest.raises(ValueError, match="target=None"):
        linreg.LinearRegression().fit(scan)
    with pytest.raises(ValueError, match="target=None"):
        linreg.LinearRegression().fit(scan, Y[:, 0])


def test_target_and_weights_are_not_read(tmp_path):
    """Missing targets and bad weights do not matter to predict: only features are read."""
    X, Y, w = _data(n=500)
    Y[7, 0], w[3], w[400] = np.nan, -1.0, np.inf
    path = _write(tmp_path / "d.csv", X, Y, w)
    frame = pd.DataFrame(X, columns=FEATURES)
    model = linreg.LinearRegression().fit(frame, np.nan_to_num(Y[:, 0]))
    _close(model.predict(linreg.scan(path, "y0", weights="w", batch_size=64)),
           model.predict(frame))  # fmt: skip


def test_model_without_names_reads_the_scans_features_in_order(tmp_path):
    X, Y, _ = _data()
    path = _write(tmp_path / "d.parquet", X, Y, order=FEATURES + ["y0"])
    model = linreg.Ridge(alpha=1.0).fit(X, Y[:, 0])  # NumPy: no feature names
    _close(model.predict(linreg.scan(path, "y0", batch_size=99)), model.predict(X))
    with pytest.raises(ValueError, match="3 feature column.*fitted on 4 features"):
        model.predict(linreg.scan(path, "y0", features=["a", "b", "c"]))


def test_a_folder_of_files_is_predicted_in_file_order(tmp_path):
    X, Y, _ = _data(n=900)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, (start, stop) in enumerate([(0, 250), (250, 251), (251, 900)]):
        _write(folder / f"part-{i}.parquet", X[start:stop], Y[start:stop])
    frame = pd.DataFrame(X, columns=FEATURES)
    model = linreg.LinearRegression().fit(frame, Y[:, 0])
    _close(model.predict(linreg.scan(folder, "y0", batch_size=70)), model.predict(frame))


# ---------------------------------------------------------------- out=
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("targets", [1, 2])
def test_out_writes_the_predictions(tmp_path, suffix, targets):
    X, Y, _ = _data(n=70_001 if suffix == ".parquet" else 3001, targets=targets)
    data = _write(tmp_path / "data.parquet", X, Y)
    frame = pd.DataFrame(X, columns=FEATURES)
    model = linreg.LinearRegression().fit(frame, Y if targets > 1 else Y[:, 0])
    expected = np.asarray(model.predict(frame)).reshape(len(X), -1)
    names = ["y0"] if targets == 1 else ["y0", "y1"]
    scan = linreg.scan(data, names[0] if targets == 1 else names, batch_size=4099)
    out = tmp_path / f"pred{suffix}"
    assert model.predict(scan, out=out) == out
    table = pq.read_table(out) if suffix == ".parquet" else pcsv.read_csv(out)
    columns = ["prediction"] if targets == 1 else ["prediction_y0", "prediction_y1"]
    assert table.column_names == columns
    got = np.column_stack([table[c].to_numpy() for c in columns])
    _close(got, expected)
    in_memory = model.predict(scan).reshape(len(X), -1)
    np.testing.assert_array_equal(got, in_memory)  # CSV: repr round-trips exactly
    if suffix == ".parquet":
        assert pq.ParquetFile(out).metadata.num_row_groups == 2  # 65,536 rows per group
    assert sorted(os.listdir(tmp_path)) == sorted(["data.parquet", f"pred{suffix}"])


def test_out_without_target_names_numbers_the_targets(tmp_path):
    X, Y, _ = _data(n=200, targets=2)
    data = _write(tmp_path / "data.parquet", X, Y)
    model = linreg.LinearRegression().fit(pd.DataFrame(X, columns=FEATURES), Y)
    out = model.predict(linreg.scan(data, None), out=str(tmp_path / "p.csv"))
    assert pcsv.read_csv(out).column_names == ["prediction_0", "prediction_1"]


def test_out_with_an_array_in_memory(tmp_path):
    X, Y, _ = _data(n=300)
    model = linreg.LinearRegression().fit(X, Y[:, 0])
    out = model.predict(X, out=tmp_path / "p.parquet")
    np.testing.assert_array_equal(pq.read_table(out)["prediction"].to_numpy(), model.predict(X))


def test_an_error_midway_leaves_no_file(tmp_path):
    X, Y, _ = _data(n=2000)
    X[1500, 2] = np.nan
    data = _write(tmp_path / "data.parquet", X, Y)
    model = linreg.LinearRegression().fit(pd.DataFrame(_data(n=50)[0], columns=FEATURES),
                                          np.arange(50.0))  # fmt: skip
    scan = linreg.scan(data, None, batch_size=100)
    for name in ("p.parquet", "p.csv"):
        with pytest.raises(ValueError, match=r"data\.parquet.*'c'|'c'.*data\.parquet"):
            model.predict(scan, out=tmp_path / name)
    kept = tmp_path / "old.csv"
    kept.write_text("untouched\n")
    with pytest.raises(ValueError, match="row"):
        model.predict(scan, out=kept)
    assert kept.read_text() == "untouched\n"
    assert sorted(os.listdir(tmp_path)) == ["data.parquet", "old.csv"]


def test_clear_errors(tmp_path):
    X, Y, _ = _data(n=100)
    data = _write(tmp_path / "data.parquet", X, Y, order=["y0", "a", "b", "c"])
    model = linreg.LinearRegression().fit(pd.DataFrame(X, columns=FEATURES), Y[:, 0])
    with pytest.raises(ValueError, match="needs column.*'d'"):
        model.predict(linreg.scan(data, "y0"))
    full = _write(tmp_path / "full.parquet", X, Y)
    with pytest.raises(ValueError, match="not fitted on 'y0'"):
        model.predict(linreg.scan(full, None, features=[*FEATURES, "y0"]))
    with pytest.raises(ValueError, match="suffix"):
        model.predict(linreg.scan(full, "y0"), out=tmp_path / "p.txt")
    with pytest.raises(ValueError, match="folder"):
        model.predict(linreg.scan(full, "y0"), out=tmp_path)
    with pytest.raises(ValueError, match="point predictions only"):
        model.predict(linreg.scan(full, "y0"), interval="prediction")
    assert sorted(os.listdir(tmp_path)) == ["data.parquet", "full.parquet"]


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 120),
    batch_size=st.integers(1, 50),
    seed=st.integers(0, 2**16),
    csv=st.booleans(),
)
def test_property_any_batch_size(tmp_path_factory, n, batch_size, seed, csv):
    X, Y, _ = _data(n=n, seed=seed)
    path = _write(tmp_path_factory.mktemp("p") / ("d.csv" if csv else "d.parquet"), X, Y)
    frame = _frame_of(path)
    model = linreg.Ridge(alpha=0.5).fit(frame[FEATURES], frame["y0"])
    _close(model.predict(linreg.scan(path, None, batch_size=batch_size)),
           model.predict(frame[FEATURES]))  # fmt: skip


# ---------------------------------------------------------------- Dask
@pytest.fixture
def sync_dask():
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="sync"):
        yield dask


@pytest.mark.parametrize("targets", [1, 2])
def test_dask_array_gives_a_lazy_prediction(sync_dask, targets):
    import dask.array as da

    X, Y, _ = _data(n=1003, targets=targets)
    model = linreg.LinearRegression().fit(X, Y if targets > 1 else Y[:, 0])
    lazy = model.predict(da.from_array(X, chunks=(137, 2)))
    assert isinstance(lazy, da.Array)
    assert lazy.shape == model.predict(X).shape
    _close(lazy.compute(), model.predict(X))


def test_dask_float32_follows_scikit_learns_rule(sync_dask):
    import dask.array as da

    X, Y, _ = _data(n=500)
    X32 = X.astype(np.float32)
    model = linreg.LinearRegression().fit(X32, Y[:, 0].astype(np.float32))
    got = model.predict(da.from_array(X32, chunks=(100, 4))).compute()
    assert got.dtype == model.predict(X32).dtype
    np.testing.assert_allclose(got, model.predict(X32), rtol=1e-6)


def test_dask_dataframe_by_name_and_to_a_file(sync_dask, tmp_path):
    import dask.dataframe as dd

    X, Y, _ = _data(n=1003, targets=2)
    frame = pd.DataFrame(X, columns=FEATURES)
    model = linreg.Ridge(alpha=2.0).fit(frame, Y)
    ddf = dd.from_pandas(frame[["c", "a", "d", "b"]], npartitions=5)  # permuted
    _close(model.predict(ddf).compute(), model.predict(frame))
    out = model.predict(ddf, out=tmp_path / "p.parquet")
    table = pq.read_table(out)
    got = np.column_stack([table[c].to_numpy() for c in table.column_names])
    _close(got, model.predict(frame))
    with pytest.raises(ValueError, match="needs column.*'b'"):
        model.predict(ddf[["c", "a", "d"]])


def test_dask_error_names_the_partition_and_leaves_no_file(sync_dask, tmp_path):
    import dask.dataframe as dd

    X, Y, _ = _data(n=400)
    frame = pd.DataFrame(X, columns=FEATURES)
    model = linreg.LinearRegression().fit(frame, Y[:, 0])
    frame.loc[350, "b"] = np.inf
    ddf = dd.from_pandas(frame, npartitions=4)
    with pytest.raises(ValueError, match="infinity in column 'b'.*partition 3"):
        model.predict(ddf, out=tmp_path / "p.csv")
    assert os.listdir(tmp_path) == []
