"""linreg.scan: streaming fits from CSV/Parquet files equal the in-memory fit of the same rows.

The reference is always the in-memory fit of exactly the values written to the files
(itself checked against statsmodels and scikit-learn elsewhere); CSV files are written
with pyarrow's shortest round-trip float repr, so they hold the same float64 values.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

import linreg
from linreg import LinearRegression, Ridge

N, P = 3000, 4
FEATURES = [f"f{j}" for j in range(P)]


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((N, P)) * [1.0, 10.0, 0.5, 3.0] + [20.0, -5.0, 8.0, 0.0]
    noise = rng.standard_normal(N) * (1 + 0.5 * np.abs(X[:, 0] - 20))  # heteroscedastic
    df = pd.DataFrame(X, columns=FEATURES)
    df["y"] = X @ [1.5, -2.0, 3.0, 0.25] + 40.0 + noise
    df["y2"] = X @ [0.5, 1.0, -1.0, 2.0] - 3.0 + rng.standard_normal(N)
    df["w"] = rng.uniform(0.2, 3.0, N)
    return df


def write(df, path):
    table = pa.Table.from_pandas(df, preserve_index=False)
    if str(path).endswith(".csv"):
        pcsv.write_csv(table, path)
    else:
        pq.write_table(table, path, row_group_size=1000)
    return str(path)


@pytest.fixture(scope="module")
def files(frame, tmp_path_factory):
    d = tmp_path_factory.mktemp("scan")
    out = {"parquet": write(frame, d / "data.parquet"), "csv": write(frame, d / "data.csv")}
    folder = d / "folder"
    (folder / "sub").mkdir(parents=True)
    bounds = [0, 1000, 1700, N]
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        where = folder / "sub" if i == 2 else folder
        write(frame.iloc[a:b], where / f"part-{i}.parquet")
        write(frame.iloc[a:b], d / f"part-{i}.csv")
    (folder / "_SUCCESS").write_text("")
    out["folder"] = str(folder)
    out["glob"] = str(d / "part-*.csv")
    out["dir"] = d
    return out


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


def in_memory(frame, model, target="y", weights=False):
    w = frame["w"].to_numpy() if weights else None
    return model.fit(frame[FEATURES], frame[target], sample_weight=w)


@pytest.mark.parametrize("kind", ["parquet", "csv", "folder", "glob"])
@pytest.mark.parametrize("make", [LinearRegression, lambda: Ridge(alpha=5.0)])
def test_fit_equals_in_memory(files, frame, kind, make):
    src = linreg.scan(files[kind], target="y", features=FEATURES)
    model = make().fit(src)
    ref = in_memory(frame, make())
    assert rel(model.coef_, ref.coef_) < 1e-10
    assert rel(model.intercept_, ref.intercept_) < 1e-10
    assert model.n_features_in_ == P
    assert list(model.feature_names_in_) == FEATURES
    np.testing.assert_allclose(
        model.predict(frame[FEATURES]), ref.predict(frame[FEATURES]), rtol=1e-10
    )


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC3"])
def test_summary_equals_in_memory(files, frame, kind, cov_type):
    model = LinearRegression().fit(linreg.scan(files[kind], target="y", features=FEATURES))
    ref = in_memory(frame, LinearRegression())
    a, b = model.summary(cov_type=cov_type), ref.summary(cov_type=cov_type)
    assert a.names == b.names
    for name in ("params", "bse", "tvalues"):
        assert rel(getattr(a, name), getattr(b, name)) < 1e-10, name
    for name in ("ssr", "rsquared", "rsquared_adj", "fvalue", "llf", "aic", "df_resid"):
        assert rel(getattr(a, name), getattr(b, name)) < 1e-10, name


def test_weights_column(files, frame):
    src = linreg.scan(files["parquet"], target="y", features=FEATURES, weights="w")
    model = LinearRegression().fit(src)
    ref = in_memory(frame, LinearRegression(), weights=True)
    assert rel(model.coef_, ref.coef_) < 1e-10
    for cov_type in ("nonrobust", "HC1"):
        a, b = model.summary(cov_type=cov_type), ref.summary(cov_type=cov_type)
        assert rel(a.bse, b.bse) < 1e-10
        assert rel(a.llf, b.llf) < 1e-10  # needs sum(log w): a pass over the weights


def test_default_features_exclude_target_and_weights(files, frame):
    src = linreg.scan(files["parquet"], target="y", weights="w")
    assert src.feature_names == [*FEATURES, "y2"]
    assert src.weighted and src.n_files == 1 and src.total_bytes > 0


def test_several_targets(files, frame):
    src = linreg.scan(files["csv"], target=["y", "y2"], features=FEATURES)
    model = Ridge(alpha=[1.0, 10.0]).fit(src)
    ref = Ridge(alpha=[1.0, 10.0]).fit(frame[FEATURES], frame[["y", "y2"]])
    assert model.coef_.shape == (2, P)
    assert rel(model.coef_, ref.coef_) < 1e-10
    a, b = model.summary(cov_type="HC3", target=1), ref.summary(cov_type="HC3", target=1)
    assert rel(a.bse, b.bse) < 1e-10


@pytest.mark.parametrize("batch_size", [1, 7, 256, 100_000])
def test_batch_size_invariance(files, frame, batch_size):
    src = linreg.scan(files["csv"], target="y", features=FEATURES, batch_size=batch_size)
    model = LinearRegression().fit(src)
    ref = in_memory(frame, LinearRegression())
    assert rel(model.coef_, ref.coef_) < 1e-10
    assert rel(model.summary(cov_type="HC3").bse, ref.summary(cov_type="HC3").bse) < 1e-10


def test_iteration_yields_the_rows(files, frame):
    src = linreg.scan(files["folder"], target="y", features=FEATURES, weights="w", batch_size=400)
    batches = list(src)
    assert all(X.shape[0] <= 400 and X.dtype == np.float64 for X, _, _ in batches)
    X = np.vstack([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    w = np.concatenate([b[2] for b in batches])
    np.testing.assert_array_equal(X, frame[FEATURES].to_numpy())
    np.testing.assert_array_equal(y, frame["y"].to_numpy())
    np.testing.assert_array_equal(w, frame["w"].to_numpy())


def test_moments_for_gram_solvers(files, frame):
    # What a Gram-based solver (Lasso/ElasticNet) takes from a source: its Moments.
    m = linreg.scan(files["glob"], target="y", features=FEATURES).moments()
    ref = linreg.Moments.from_arrays(frame[FEATURES].to_numpy(), frame["y"].to_numpy())
    assert m.n_samples == N
    np.testing.assert_allclose(m.mean, ref.mean, rtol=1e-13)
    np.testing.assert_allclose(m.cross, ref.cross, rtol=1e-12, atol=1e-12 * np.abs(ref.cross).max())


def test_progress_reaches_total(files):
    seen = []
    src = linreg.scan(
        files["folder"], target="y", batch_size=500, progress=lambda d, t: seen.append((d, t))
    )
    LinearRegression().fit(src)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == src.total_bytes
    assert all(t == src.total_bytes for _, t in seen)


def test_large_offsets_are_not_cancelled(tmp_path):
    # Columns near 1e8 with unit spread: the uncentred X'X would cancel every digit.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 2)) + [1e8, -3e7]
    y = X @ [2.0, -1.0] + 5.0 + rng.standard_normal(2000)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y})
    src = linreg.scan(write(df, tmp_path / "off.parquet"), target="y", batch_size=300)
    model = LinearRegression().fit(src)
    ref = LinearRegression().fit(X, y)
    assert rel(model.coef_, ref.coef_) < 1e-9


def test_pickled_model_keeps_coefficients_not_source(files):
    model = LinearRegression().fit(linreg.scan(files["parquet"], target="y", features=FEATURES))
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.coef_, model.coef_)
    with pytest.raises(ValueError, match="second pass"):
        back.summary(cov_type="HC3")


# ------------------------------------------------------------------ errors


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        linreg.scan(tmp_path / "nope.parquet", target="y")


def test_no_matching_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CSV or Parquet files match"):
        linreg.scan(str(tmp_path / "*.parquet"), target="y")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no CSV or Parquet files"):
        linreg.scan(tmp_path / "empty", target="y")


def test_unknown_column_lists_available(files):
    with pytest.raises(ValueError, match=r"no column named 'nope'; the columns are: 'f0'"):
        linreg.scan(files["parquet"], target="nope")
    with pytest.raises(ValueError, match="'zz'"):
        linreg.scan(files["csv"], target="y", features=["f0", "zz"])


def test_non_numeric_column(tmp_path, frame):
    df = frame.head(50).copy()
    df["city"] = "x"
    src = linreg.scan(write(df, tmp_path / "s.parquet"), target="y")
    with pytest.raises(ValueError, match=r"s.parquet: column 'city' is not numeric: 'x' at row 1$"):
        LinearRegression().fit(src)
    df["f1"] = df["f1"].astype(object)
    df.loc[37, "f1"] = "abc"  # a CSV column parsed as numbers: found while reading
    df["f1"] = df["f1"].astype(str)
    src = linreg.scan(write(df.drop(columns="city"), tmp_path / "s.csv"), target="y")
    with pytest.raises(ValueError, match=r"s.csv: column 'f1' is not numeric: 'abc' at line 39$"):
        LinearRegression().fit(src)


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_missing_value_names_column_and_row(tmp_path, frame, suffix):
    df = frame.head(500).copy()
    df.loc[321, "f2"] = np.nan
    src = linreg.scan(write(df, tmp_path / f"m.{suffix}"), target="y", batch_size=100)
    where = "line 323" if suffix == "csv" else "row 322"
    with pytest.raises(ValueError, match=rf"m.{suffix}: missing value in column 'f2' at {where}$"):
        LinearRegression().fit(src)


def test_infinity_names_column_and_row(tmp_path, frame):
    df = frame.head(500).copy()
    df.loc[123, "f0"] = np.inf
    src = linreg.scan(write(df, tmp_path / "inf.parquet"), target="y", batch_size=64)
    with pytest.raises(ValueError, match=r"inf.parquet: infinite value in column 'f0' at row 124$"):
        LinearRegression().fit(src)


def test_negative_weight(tmp_path, frame):
    df = frame.head(300).copy()
    df.loc[250, "w"] = -1.0
    src = linreg.scan(write(df, tmp_path / "w.parquet"), target="y", weights="w")
    with pytest.raises(ValueError, match=r"w.parquet: negative weight in column 'w' at row 251$"):
        LinearRegression().fit(src)


def test_schema_mismatch_between_files(tmp_path, frame):
    write(frame.head(100), tmp_path / "a.parquet")
    write(frame.iloc[100:200].drop(columns="f3"), tmp_path / "b.parquet")
    with pytest.raises(ValueError, match="schema mismatch"):
        linreg.scan(str(tmp_path / "*.parquet"), target="y")
    with pytest.raises(ValueError, match=r"'f3' in .*b.parquet.*schema mismatch"):
        linreg.scan(str(tmp_path / "*.parquet"), target="y", features=FEATURES)
    # Only the chosen columns need to agree.
    src = linreg.scan(str(tmp_path / "*.parquet"), target="y", features=FEATURES[:3])
    assert LinearRegression().fit(src).coef_.shape == (3,)


def test_fit_arguments(files):
    src = linreg.scan(files["parquet"], target="y")
    with pytest.raises(ValueError, match="y is taken from the scan's target column 'y'"):
        LinearRegression().fit(src, np.zeros(N))
    with pytest.raises(ValueError, match="weights='column'"):
        LinearRegression().fit(src, sample_weight=np.ones(N))
    with pytest.raises(ValueError, match="optimizer='lbfgs' is a full-batch method"):
        LinearRegression(solver="torch", optimizer="lbfgs", batch_size=10).fit(src)
    with pytest.raises(ValueError, match="needs X in memory"):
        LinearRegression(solver="qr").fit(src)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        linreg.scan(files["parquet"], target="y", batch_size=0)


def test_scan_imports_neither_dask_nor_pyarrow_until_used():
    code = (
        "import sys, linreg; linreg.scan; "
        "print('pyarrow.parquet' in sys.modules, 'dask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_separators_tsv_and_compressed_csv(tmp_path, frame):
    """sep=, .tsv and .csv.gz read the same values as the plain CSV (pandas' reading)."""
    import gzip

    df = frame.head(200)
    want = pd.read_csv(write(df, tmp_path / "plain.csv"))[FEATURES + ["y"]].to_numpy()
    (tmp_path / "semi.csv").write_text(df.to_csv(sep=";", index=False))
    (tmp_path / "tab.tsv").write_text(df.to_csv(sep="\t", index=False))
    (tmp_path / "z.csv.gz").write_bytes(gzip.compress(df.to_csv(index=False).encode()))
    for path, sep in (("semi.csv", ";"), ("tab.tsv", None), ("z.csv.gz", None)):
        src = linreg.scan(tmp_path / path, target="y", features=FEATURES, sep=sep, batch_size=64)
        got = np.vstack([np.column_stack([X, y]) for X, y, _ in src])
        assert np.array_equal(got, want)


def test_standard_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"standard input \('-'\) can be read once only"):
        linreg.scan("-", target="y")
