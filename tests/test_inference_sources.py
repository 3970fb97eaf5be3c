"""Cluster-robust and HAC summaries of models fitted on linreg.scan (Parquet and CSV,
many small batches, groups read as columns of the files, HAC in file order) and on
Dask collections (a LocalCluster of 2 worker processes, several partitions) equal the
in-memory ones."""

from __future__ import annotations

import numpy as np
import pytest

import linreg
from linreg import LinearRegression

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

N = 1500
FEATURES = ["a", "b", "c"]
TOL = 1e-10


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(21)
    X = rng.standard_normal((N, 3)) * [1.0, 50.0, 0.01] + [10.0, -300.0, 2.0]
    firm = rng.integers(0, 60, N)
    e = np.zeros(N)
    for t in range(1, N):
        e[t] = 0.5 * e[t - 1] + rng.standard_normal() * (1 + abs(X[t, 0] - 10))
    y = X @ [1.0, 0.01, 30.0] + rng.standard_normal(60)[firm] + e
    return pd.DataFrame(
        {
            "a": X[:, 0],
            "b": X[:, 1],
            "c": X[:, 2],
            "y": y,
            "w": rng.uniform(0.2, 3.0, N),
            "firm": np.array([f"f{g:02d}" for g in firm], dtype=object),  # text labels
            "year": rng.integers(1990, 2005, N),
        }
    )


@pytest.fixture(scope="module")
def files(frame, tmp_path_factory):
    root = tmp_path_factory.mktemp("clustered")
    parquet, csv = root / "d.parquet", root / "d.csv"
    frame.to_parquet(parquet, row_group_size=400)
    frame.to_csv(csv, index=False)
    return {"parquet": str(parquet), "csv": str(csv)}


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def assert_same(a, b):
    for name in ("params", "bse", "pvalues"):
        assert rel(getattr(a, name), getattr(b, name)) < TOL, name
    assert rel(a.fvalue, b.fvalue) < TOL
    assert a.n_groups == b.n_groups and a.df_resid_inference == b.df_resid_inference


def _in_memory(frame, weighted):
    w = frame["w"].to_numpy() if weighted else None
    X, y = frame[FEATURES].to_numpy(), frame["y"].to_numpy()
    return LinearRegression().fit(X, y, sample_weight=w)


CASES = [
    ("cluster", {"groups": "firm"}),
    ("cluster", {"groups": ["firm", "year"], "use_correction": False}),
    ("HAC", {"maxlags": 3}),
    ("HAC", {"maxlags": 5, "kernel": "uniform", "use_correction": True}),
]


def _memory_kwds(frame, kwds):
    kw = dict(kwds)
    if "groups" in kw:
        names = [kw["groups"]] if isinstance(kw["groups"], str) else kw["groups"]
        cols = [frame[c].to_numpy() for c in names]
        kw["groups"] = cols[0] if len(cols) == 1 else cols
    return kw


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("weighted", [False, True])
def test_scan_equals_in_memory(files, frame, kind, weighted):
    src = linreg.scan(
        files[kind], target="y", features=FEATURES, weights="w" if weighted else None,
        batch_size=97,
    )  # fmt: skip
    model = LinearRegression().fit(src)
    ref = _in_memory(frame, weighted)
    for cov_type, kwds in CASES:
        a = model.summary(cov_type, **kwds)
        b = ref.summary(cov_type, **_memory_kwds(frame, kwds))
        assert_same(a, b)
    assert model.summary("cluster", groups="firm").cov_kwds["groups"] == "firm"


def test_scan_bad_groups(files):
    model = LinearRegression().fit(linreg.scan(files["parquet"], target="y", features=FEATURES))
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        model.summary("cluster", groups="nope")
    with pytest.raises(ValueError, match="names one column"):
        model.summary("cluster", groups=np.zeros(N))


def test_scan_missing_group_label(frame, tmp_path):
    df = frame.copy()
    df.loc[700, "firm"] = None
    path = tmp_path / "m.parquet"
    df.to_parquet(path)
    model = LinearRegression().fit(
        linreg.scan(str(path), target="y", features=FEATURES, batch_size=100)
    )
    with pytest.raises(ValueError, match="missing value in column 'firm'"):
        model.summary("cluster", groups="firm")


# ---------------------------------------------------------------------------- Dask
@pytest.mark.parametrize("weighted", [False, True])
def test_dask_equals_in_memory(client, frame, weighted):
    import dask.dataframe as dd

    ddf = dd.from_pandas(frame, npartitions=5)
    w = ddf["w"] if weighted else None
    model = LinearRegression().fit(ddf[FEATURES], ddf["y"], sample_weight=w)
    ref = _in_memory(frame, weighted)
    # Each summary is a few Dask computations: half the cases each, to stay fast.
    for cov_type, kwds in CASES[int(weighted) :: 2]:
        kw = dict(kwds)
        if "groups" in kw:
            kw["groups"] = ddf[kw["groups"]]  # a Series, or a DataFrame of two columns
        a = model.summary(cov_type, **kw)
        b = ref.summary(cov_type, **_memory_kwds(frame, kwds))
        assert_same(a, b)


def test_dask_array_groups(client, frame):
    import dask.array as da

    X = frame[FEATURES].to_numpy()
    y = frame["y"].to_numpy()
    firm = frame["year"].to_numpy()
    model = LinearRegression().fit(da.from_array(X, chunks=(230, 3)), da.from_array(y, chunks=230))
    ref = LinearRegression().fit(X, y)
    a = model.summary("cluster", groups=da.from_array(firm, chunks=230))
    assert_same(a, ref.summary("cluster", groups=firm))
    with pytest.raises(ValueError, match="not names"):
        model.summary("cluster", groups="year")
