"""Absorbed effects on chunked sources: a linreg.scan over Parquet/CSV in small batches
and Dask on a 2-process LocalCluster equal the in-memory fit (itself checked against
pyfixest and statsmodels in test_fe_reference.py) to 1e-10, and pyfixest directly."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import linreg
from linreg.solution import RankDeficientWarning

pf = pytest.importorskip("pyfixest")

RTOL = 1e-10


def _panel(seed=0, n=1500, firms=150, years=9, weighted=False, zero_weights=0):
    rng = np.random.default_rng(seed)
    firm = rng.integers(0, firms, n)
    firm[:3] = [firms + 1, firms + 2, firms + 3]  # three singletons
    df = pd.DataFrame(
        {
            "firm": firm,
            "year": rng.integers(2000, 2000 + years, n),
            "x1": rng.normal(size=n) + 0.3 * firm / firms,
            "x2": rng.normal(size=n) * 10.0 + 1e3,
        }
    )
    df["ind"] = "i" + (df.firm % 7).astype(str)  # firm nested in industry (text labels)
    df["y"] = (
        1.0
        + 2.0 * df.x1
        - 0.5 * df.x2
        + rng.normal(size=firms + 4)[df.firm]
        + rng.normal(size=2000 + years)[df.year]
        + rng.normal(size=n) * (1 + df.x1**2)
    )
    if weighted:
        w = rng.uniform(0.2, 3.0, n)
        w[rng.choice(n, zero_weights, replace=False)] = 0.0 if zero_weights else w[0]
        df["w"] = w
    return df


def _in_memory(df, weighted):
    w = df.w if weighted else None
    return linreg.LinearRegression().fit(
        df[["x1", "x2"]], df.y, sample_weight=w, absorb=df[["firm", "year"]]
    )


@pytest.fixture(scope="module", params=["parquet", "csv"])
def files(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("fe")
    out = {}
    for weighted in (False, True):
        df = _panel(seed=3, weighted=weighted)
        path = folder / f"panel_{weighted}.{request.param}"
        if request.param == "parquet":
            df.to_parquet(path)
        else:
            df.to_csv(path, index=False)
        out[weighted] = (df, str(path))
    return out


def _assert_same(a, b, covs):
    assert_allclose(b.coef_, a.coef_, rtol=RTOL)
    assert b.absorbed_.n_singletons == a.absorbed_.n_singletons
    assert list(b.absorbed_.n_levels) == list(a.absorbed_.n_levels)
    for kw in covs:
        sa, sb = a.summary(**kw), b.summary(**kw)
        assert_allclose(sb.bse, sa.bse, rtol=RTOL)
        assert_allclose(sb.pvalues, sa.pvalues, rtol=1e-8, atol=1e-300)
        assert sb.df_resid == sa.df_resid and sb.nobs == sa.nobs
    for name in a.absorbed_.names:
        fa, fb = a.fixef()[name], b.fixef()[name]
        assert list(fa.index) == list(fb.index)
        assert_allclose(fb.to_numpy(), fa.to_numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_scan_equals_in_memory(files, weighted):
    df, path = files[weighted]
    src = linreg.scan(
        path, "y", features=["x1", "x2"], weights="w" if weighted else None, batch_size=97
    )
    streamed = linreg.LinearRegression().fit(src, absorb=["firm", "year"])
    memory = _in_memory(df, weighted)
    covs = [
        {"cov_type": "nonrobust"},
        {"cov_type": "HC1"},
        {"cov_type": "cluster"},  # fixest's default: by the first effect
        {"cov_type": "cluster", "groups": "firm+year"},
    ]
    _assert_same(memory, streamed, covs)
    # clustered by industry: firm is nested in it (found by a pass over the file)
    s_mem = memory.summary(cov_type="cluster", groups=df.ind)
    s_str = streamed.summary(cov_type="cluster", groups="ind")
    assert_allclose(s_str.bse, s_mem.bse, rtol=RTOL)
    predicted = streamed.predict(df[["x1", "x2"]], absorb=df[["firm", "year"]])
    expected = memory.predict(df[["x1", "x2"]], absorb=df[["firm", "year"]])
    both = np.isfinite(expected)
    assert_allclose(predicted[both], expected[both], rtol=1e-9, atol=1e-9)


def test_scan_against_pyfixest(files):
    df, path = files[True]
    src = linreg.scan(path, "y", features=["x1", "x2"], weights="w", batch_size=211)
    streamed = linreg.LinearRegression().fit(src, absorb="firm+year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # pyfixest lists the effects in its own order: "year + firm" keeps its nesting
        # flags aligned with the effects (with "firm + year" pyfixest 0.60 marks both
        # effects nested in the firm clusters: a bug of its column order)
        ref = pf.feols(
            "y ~ x1 + x2 | year + firm", data=df, weights="w", vcov={"CRV1": "firm"},
            fixef_tol=1e-14,
        )  # fmt: skip
    assert_allclose(streamed.coef_, ref.coef().to_numpy(), rtol=1e-8)
    s = streamed.summary(cov_type="cluster", groups="firm")
    assert_allclose(s.bse, ref.se().to_numpy(), rtol=1e-8)
    assert s.nobs == ref._N


def test_scan_zero_weights_and_collinear(tmp_path):
    df = _panel(seed=5, weighted=True, zero_weights=40)
    df["firm_size"] = df.groupby("firm").x1.transform("size").astype(float)  # firm-constant
    path = tmp_path / "p.parquet"
    df.to_parquet(path)
    src = linreg.scan(str(path), "y", features=["x1", "firm_size", "x2"], weights="w")
    with pytest.warns(RankDeficientWarning, match="firm_size"):
        streamed = linreg.LinearRegression().fit(src, absorb=["firm", "year"])
    with pytest.warns(RankDeficientWarning, match="firm_size"):
        memory = linreg.LinearRegression().fit(
            df[["x1", "firm_size", "x2"]], df.y, sample_weight=df.w, absorb=df[["firm", "year"]]
        )
    assert memory.absorbed_.n_zero_weight == streamed.absorbed_.n_zero_weight == 40
    assert streamed.absorbed_.collinear == ["firm_size"]
    assert_allclose(streamed.coef_, memory.coef_, rtol=RTOL, atol=1e-300)
    assert streamed.coef_[1] == 0.0
    a = memory.summary(cov_type="cluster")
    b = streamed.summary(cov_type="cluster")
    assert_allclose(b.bse[[0, 2]], a.bse[[0, 2]], rtol=RTOL)
    assert np.isnan(b.bse[1]) and np.isnan(a.bse[1])


def test_scan_errors(tmp_path):
    df = _panel()
    path = tmp_path / "p.parquet"
    df.to_parquet(path)
    with pytest.raises(ValueError, match="unknown column 'plant'"):
        linreg.LinearRegression().fit(linreg.scan(str(path), "y", features=["x1"]), absorb="plant")
    with pytest.raises(ValueError, match="also features"):
        linreg.LinearRegression().fit(
            linreg.scan(str(path), "y", features=["x1", "firm"]), absorb=["firm"]
        )


def test_dask_equals_in_memory(client):
    dd = pytest.importorskip("dask.dataframe")
    df = _panel(seed=7, weighted=True)
    ddf = dd.from_pandas(df, npartitions=5)
    fitted = linreg.LinearRegression().fit(
        ddf[["x1", "x2"]], ddf.y, sample_weight=ddf.w, absorb=ddf[["firm", "year"]]
    )
    memory = _in_memory(df, True)
    assert_allclose(fitted.coef_, memory.coef_, rtol=RTOL)
    assert fitted.absorbed_.n_singletons == memory.absorbed_.n_singletons == 3
    two_way = fitted.summary(cov_type="cluster", groups="firm+year")
    assert_allclose(two_way.bse, memory.summary(cov_type="cluster", groups="firm+year").bse,
                    rtol=RTOL)  # fmt: skip
    # firm is nested in industry: found by one pass on the workers
    by_industry = fitted.summary(cov_type="cluster", groups=ddf.ind)
    assert_allclose(by_industry.bse, memory.summary(cov_type="cluster", groups=df.ind).bse,
                    rtol=RTOL)  # fmt: skip
    assert_allclose(fitted.fixef()["firm"].to_numpy(), memory.fixef()["firm"].to_numpy(),
                    rtol=1e-9, atol=1e-9)  # fmt: skip


def test_scan_nested_factors_clustered_by_one(tmp_path):
    """firm nested in industry, both absorbed, clustered by industry: the nesting read
    from the streamed fit's cells gives fixest's count, as in memory (and pyfixest)."""
    df = _panel(seed=11)
    path = tmp_path / "p.parquet"
    df.to_parquet(path)
    src = linreg.scan(str(path), "y", features=["x1", "x2"], batch_size=131)
    streamed = linreg.LinearRegression().fit(src, absorb=["firm", "ind"])
    memory = linreg.LinearRegression().fit(df[["x1", "x2"]], df.y, absorb=df[["firm", "ind"]])
    assert_allclose(streamed.coef_, memory.coef_, rtol=RTOL)
    for groups in ("ind", "firm", "firm+ind"):
        a = memory.summary(cov_type="cluster", groups=groups)
        b = streamed.summary(cov_type="cluster", groups=groups)
        assert_allclose(b.bse, a.bse, rtol=RTOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ x1 + x2 | firm + ind", data=df, vcov={"CRV1": "ind"},
                       fixef_tol=1e-14)  # fmt: skip
    s = streamed.summary(cov_type="cluster", groups="ind")
    assert_allclose(s.bse, ref.se().to_numpy(), rtol=1e-8)


@settings(max_examples=5, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    batch=st.integers(7, 400),
    three=st.booleans(),
    zero_weights=st.integers(0, 30),
)
def test_scan_codes_by_row_property(tmp_path_factory, seed, batch, three, zero_weights):
    """The scan keeps each row's codes and reads them back by a row counter: over two
    files, odd batch sizes, zero weights and two or three factors (text labels among
    them) the fit equals the in-memory one."""
    df = _panel(seed=seed, n=600, firms=60, years=6, weighted=True, zero_weights=zero_weights)
    df["year"] = "y" + df.year.astype(str)  # text labels, sorted as text
    folder = tmp_path_factory.mktemp("codes")
    df.iloc[:250].to_parquet(folder / "a.parquet")
    df.iloc[250:].to_parquet(folder / "b.parquet")
    absorb = ["firm", "year", "ind"] if three else ["firm", "year"]
    src = linreg.scan(str(folder / "*.parquet"), "y", features=["x1", "x2"], weights="w",
                      batch_size=batch)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        streamed = linreg.LinearRegression().fit(src, absorb=absorb)
        memory = linreg.LinearRegression().fit(
            df[["x1", "x2"]], df.y, sample_weight=df.w, absorb=df[absorb]
        )
    _assert_same(memory, streamed, [{"cov_type": "HC1"}, {"cov_type": "cluster"}])
    assert streamed.absorbed_.n_zero_weight == memory.absorbed_.n_zero_weight


def test_scan_files_changed_after_fit(tmp_path):
    """The scan's rows are matched to their codes by position: a file that lost or
    gained rows since the fit is an error naming the cause, not a silent misfit."""
    df = _panel(seed=2)
    path = tmp_path / "p.parquet"
    df.to_parquet(path)
    model = linreg.LinearRegression().fit(
        linreg.scan(str(path), "y", features=["x1", "x2"]), absorb=["firm", "year"]
    )
    df.iloc[:-5].to_parquet(path)
    with pytest.raises(ValueError, match="did the files change"):
        model.summary(cov_type="HC1")
    pd.concat([df, df.iloc[:5]]).to_parquet(path)
    with pytest.raises(ValueError, match="did the files change"):
        model.summary(cov_type="HC1")
