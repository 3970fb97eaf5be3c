"""model.get_influence(): statsmodels' OLSInfluence names and values, R's and gretl's
influence measures as statsmodels ships them, exact leverages of an ill-conditioned
design, and the streamed per-row file of a linreg.scan fit."""

import json
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linreg
from linreg import AccuracyWarning

sm = pytest.importorskip("statsmodels.api")
statsmodels = pytest.importorskip("statsmodels")

SM = Path(statsmodels.__path__[0])
RTOL = 1e-8

VECTORS = (
    "hat_matrix_diag",
    "resid_studentized_internal",
    "resid_studentized_external",
    "resid_press",
    "influence",
    "hat_diag_factor",
    "sigma2_not_obsi",
    "cov_ratio",
    "resid_var",
    "resid_std",
    "resid",
)
PAIRS = ("cooks_distance", "dffits", "dffits_internal")
# statsmodels forms dfbeta as params - params of a refit: an absolute error of
# ~eps |params| per entry, so entries are compared relative to their column's size.
MATRICES = ("dfbeta", "dfbetas")


def _diabetes():
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    return data.data, data.target.to_numpy()


def _heteroscedastic(n=300, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1, 10, 0.1, 3] + [0, 50, -2, 0]
    noise = rng.normal(size=n) * (0.2 + np.abs(X[:, 0]) ** 2)
    y = X @ [1.0, -0.3, 20.0, 0.5] + 4.0 + noise
    return pd.DataFrame(X, columns=["a", "b", "c", "d"]), y


def _reference(X, y, w=None):
    """statsmodels' OLS influence; weighted: OLS of sqrt(w) y on sqrt(w) [1, X]."""
    exog = sm.add_constant(X, has_constant="add")
    if w is None:
        return sm.OLS(y, exog).fit().get_influence()
    sw = np.sqrt(w)
    return sm.OLS(sw * y, exog.mul(sw, axis=0)).fit().get_influence()


def _assert_frames(got, expected, rtol=RTOL):
    """Column by column: entries relative to their column's largest (see MATRICES)."""
    assert list(got.columns) == list(expected.columns)
    for col in expected.columns:
        b = expected[col].to_numpy()
        np.testing.assert_allclose(
            got[col].to_numpy(), b, rtol=rtol, atol=rtol * np.abs(b).max(), err_msg=col
        )


def _assert_matches(ours, ref):
    for name in VECTORS:
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=RTOL, err_msg=name)
    for name in PAIRS:
        a, b = getattr(ours, name), getattr(ref, name)
        np.testing.assert_allclose(a[0], b[0], rtol=RTOL, err_msg=name)
        np.testing.assert_allclose(a[1], b[1], rtol=RTOL, err_msg=name)
    for name in MATRICES:
        a, b = getattr(ours, name), np.asarray(getattr(ref, name))
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * np.abs(b).max(), err_msg=name)
    np.testing.assert_allclose(ours.ess_press, ref.ess_press, rtol=RTOL)
    np.testing.assert_allclose(
        ours.params_not_obsi,
        ref.params_not_obsi,
        rtol=RTOL,
        atol=RTOL * np.abs(ref.params_not_obsi).max(),
    )
    assert (ours.nobs, ours.k_vars) == (ref.nobs, ref.k_vars)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=RTOL)
    _assert_frames(ours.summary_frame(), ref.summary_frame())


@pytest.mark.parametrize("problem", [_diabetes, _heteroscedastic])
def test_unweighted_matches_statsmodels(problem):
    X, y = problem()
    ours = linreg.LinearRegression().fit(X, y).get_influence()
    _assert_matches(ours, _reference(X, y))


@pytest.mark.parametrize("problem", [_diabetes, _heteroscedastic])
def test_weighted_matches_statsmodels_on_the_whitened_problem(problem):
    X, y = problem()
    w = np.random.default_rng(5).uniform(0.1, 4.0, len(y))
    ours = linreg.LinearRegression().fit(X, y, sample_weight=w).get_influence()
    _assert_matches(ours, _reference(X, y, w))
    # A second reference: GLM Gaussian with var_weights (statsmodels' GLMInfluence).
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Gaussian(), var_weights=w).fit()
    ref = glm.get_influence()
    np.testing.assert_allclose(ours.hat_matrix_diag, ref.hat_matrix_diag, rtol=RTOL)
    np.testing.assert_allclose(ours.resid_studentized_internal, ref.resid_studentized, rtol=RTOL)
    np.testing.assert_allclose(ours.cooks_distance[0], ref.cooks_distance[0], rtol=RTOL)
    # Leverages of a weighted fit sum to the rank (statsmodels' OLSInfluence on a WLS
    # result does not: it scales them by sqrt(w)).
    np.testing.assert_allclose(ours.hat_matrix_diag.sum(), X.shape[1] + 1, rtol=1e-12)


# --------------------------------------------------------------------- R and gretl
def _macro():
    from statsmodels.datasets import macrodata

    d = macrodata.load_pandas().data
    y = 400 * np.diff(np.log(d["realinv"].to_numpy()))
    gdp = 400 * np.diff(np.log(d["realgdp"].to_numpy()))
    return np.c_[gdp, d["realint"].to_numpy()[:-1]], y


def test_r_influence_measures_on_macro_data():
    """R's lm.influence / influence.measures values of statsmodels' test_diagnostic."""
    X, y = _macro()
    infl = linreg.LinearRegression().fit(X, y).get_influence()
    results = SM / "stats" / "tests" / "results"
    lsdiag = json.loads((results / "influence_lsdiag_R.json").read_text())
    atol = 1e-12  # statsmodels' own test: decimal=12 against R's 15 printed digits
    np.testing.assert_allclose(infl.cooks_distance[0], lsdiag["cooks"], rtol=0, atol=atol)
    np.testing.assert_allclose(infl.hat_matrix_diag, lsdiag["hat"], rtol=0, atol=atol)
    np.testing.assert_allclose(
        infl.resid_studentized_internal, lsdiag["std.res"], rtol=0, atol=atol
    )
    np.testing.assert_allclose(
        infl.resid_studentized_external, lsdiag["stud.res"], rtol=0, atol=atol
    )
    np.testing.assert_allclose(infl.dffits[0], lsdiag["dfits"], rtol=0, atol=atol)
    r = pd.read_csv(results / "influence_measures_R.csv", index_col=0).to_numpy()
    np.testing.assert_allclose(infl.dfbetas, r[:, :3], rtol=0, atol=atol)
    np.testing.assert_allclose(infl.dffits[0], r[:, 3], rtol=0, atol=atol)
    np.testing.assert_allclose(infl.cov_ratio, r[:, 4], rtol=0, atol=atol)
    np.testing.assert_allclose(infl.cooks_distance[0], r[:, 5], rtol=0, atol=atol)
    np.testing.assert_allclose(infl.hat_matrix_diag, r[:, 6], rtol=0, atol=atol)


def _half_unit_of_5_significant(x):
    return 0.5 * 10.0 ** (np.floor(np.log10(np.abs(x))) - 4)


def test_gretl_leverage_influence_to_printed_digits():
    """gretl's leverage table (statsmodels' test_glsar_gretl) to the digits it prints:
    residual and influence to 5 significant digits, leverage and DFFITS to 3 decimals,
    and its cross-validation criterion (the PRESS sum of squares) to 1 decimal."""
    X, y = _macro()
    infl = linreg.LinearRegression().fit(X, y).get_influence()
    path = SM / "regression" / "tests" / "results" / "leverage_influence_ols_nostars.txt"
    lev = pd.read_csv(path, skiprows=3, skipfooter=3, sep=r"\s+", header=None, engine="python")
    lev.columns = ["date", "residual", "leverage", "influence", "dffits"]
    for col, ours in [("residual", infl.resid), ("influence", infl.influence)]:
        printed = lev[col].to_numpy()
        assert np.all(np.abs(ours - printed) <= _half_unit_of_5_significant(printed) * 1.0001)
    assert np.all(np.abs(infl.hat_matrix_diag - lev["leverage"]) <= 0.0005)
    assert np.all(np.abs(infl.dffits[0] - lev["dffits"]) <= 0.0005)
    text = path.read_text()
    assert "Cross-validation criterion = 23908.4" in text
    assert abs(infl.ess_press - 23908.4) <= 0.05


# ----------------------------------------------------------------------- accuracy
def _exact_leverages(X):
    """``h_i = x_i' (X'X)^-1 x_i`` in rational arithmetic on the float64 data."""
    A = [[Fraction(1)] + [Fraction(float(a)) for a in row] for row in X]
    p = len(A[0])
    G = [[sum(r[i] * r[j] for r in A) for j in range(p)] for i in range(p)]
    out = []
    for r in A:
        M = [G[i][:] + [r[i]] for i in range(p)]
        for c in range(p):
            piv = next(i for i in range(c, p) if M[i][c] != 0)
            M[c], M[piv] = M[piv], M[c]
            for i in range(p):
                if i != c and M[i][c] != 0:
                    f = M[i][c] / M[c][c]
                    M[i] = [a - f * b for a, b in zip(M[i], M[c])]
        z = [M[i][p] / M[i][i] for i in range(p)]
        out.append(float(sum(a * b for a, b in zip(r, z))))
    return np.array(out)


def test_leverages_of_ill_conditioned_design_match_exact_arithmetic():
    """Columns at offset 1e6, two of them collinear to 1e-6 (condition number ~5e6
    centred, ~5e12 raw): leverages to 1e-8 of the rational-arithmetic values
    (statsmodels' pinv gives ~2e-4 here, (X'X)^-1 formed ~0.5)."""
    rng = np.random.default_rng(3)
    n = 12
    u, v = rng.normal(size=n), rng.normal(size=n)
    x1 = 1e6 + u
    X = np.c_[x1, x1 + 1e-6 * v, 1e6 + rng.normal(size=n)]
    y = u + 2 * v + rng.normal(size=n)
    infl = linreg.LinearRegression().fit(X, y).get_influence()
    np.testing.assert_allclose(infl.hat_matrix_diag, _exact_leverages(X), rtol=1e-8)


# ------------------------------------------------------------------ special cases
def test_leverage_one_rows_are_nan_with_a_warning():
    X, y = _heteroscedastic(60)
    X = X.assign(e=0.0)
    X.loc[7, "e"] = 1.0  # a column only row 7 has: the fit passes through it
    with pytest.warns(AccuracyWarning, match="1 observation"):
        infl = linreg.LinearRegression().fit(X, y).get_influence()
    assert abs(infl.hat_matrix_diag[7] - 1) < 1e-12
    frame = infl.summary_frame()
    assert frame.drop(columns="hat_diag").iloc[7].isna().all()
    assert frame.drop(index=7).notna().all().all()
    ref = _reference(X, y)
    others = np.arange(len(y)) != 7
    np.testing.assert_allclose(infl.hat_matrix_diag[others], ref.hat_matrix_diag[others], rtol=RTOL)
    np.testing.assert_allclose(
        infl.resid_studentized_internal[others], ref.resid_studentized_internal[others], rtol=RTOL
    )


def test_rank_deficient_uses_kept_columns():
    X, y = _heteroscedastic(80)
    Xd = X.assign(dup=X["a"] + X["b"])  # aliased: a linear combination of earlier columns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = linreg.LinearRegression().fit(Xd, y)
    infl = model.get_influence()
    ref = _reference(X, y)
    frame, expected = infl.summary_frame(), ref.summary_frame()
    assert frame["dfb_dup"].isna().all()
    assert infl.k_vars == 5
    _assert_frames(frame.drop(columns="dfb_dup"), expected)


def test_zero_weight_rows_are_not_observations():
    X, y = _heteroscedastic(50)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    w[[3, 20]] = 0.0
    infl = linreg.LinearRegression().fit(X, y, sample_weight=w).get_influence()
    keep = w > 0
    alone = linreg.LinearRegression().fit(X[keep], y[keep], sample_weight=w[keep]).get_influence()
    frame = infl.summary_frame()
    assert frame.iloc[[3, 20]].isna().all().all()
    np.testing.assert_allclose(frame[keep].to_numpy(), alone.summary_frame().to_numpy(), rtol=1e-10)
    assert infl.nobs == 48


def test_penalized_and_multi_target_refused():
    X, y = _heteroscedastic(40)
    with pytest.raises(ValueError, match="penalized"):
        linreg.Ridge(alpha=1.0).fit(X, y).get_influence()
    with pytest.raises(ValueError, match="one target"):
        linreg.LinearRegression().fit(X, np.c_[y, y]).get_influence()


# ------------------------------------------------------------------------ streamed
@pytest.fixture
def parquet_data(tmp_path):
    X, y = _diabetes()
    frame = X.assign(y=y, w=np.random.default_rng(9).uniform(0.2, 5.0, len(y)))
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    return path, frame, list(X.columns)


@pytest.mark.parametrize("weighted", [False, True])
def test_streamed_file_equals_in_memory(tmp_path, parquet_data, weighted):
    path, frame, features = parquet_data
    source = linreg.scan(
        path, target="y", features=features, weights="w" if weighted else None, batch_size=37
    )
    model = linreg.LinearRegression().fit(source)
    written = model.get_influence(out=tmp_path / "infl.parquet")
    w = frame["w"].to_numpy() if weighted else None
    memory = linreg.LinearRegression().fit(frame[features], frame["y"], sample_weight=w)
    expected = memory.get_influence().summary_frame()
    got = pd.read_parquet(written.path)
    assert list(got.columns) == list(expected.columns) == written.columns
    assert written.n_rows == len(frame)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10, atol=0)
    top = np.argsort(-expected["cooks_d"].to_numpy(), kind="stable")[:10]
    assert [r for r, _ in written.top_cooks] == top.tolist()
    assert written.top_leverage[0][0] == int(np.argmax(expected["hat_diag"].to_numpy()))


def test_in_memory_out_writes_the_same_file(tmp_path, parquet_data):
    _, frame, features = parquet_data
    model = linreg.LinearRegression().fit(frame[features], frame["y"])
    infl = model.get_influence(out=tmp_path / "infl.csv")
    got = pd.read_csv(infl.written.path)
    np.testing.assert_array_equal(got.to_numpy(), infl.summary_frame().to_numpy())


def test_scan_without_out_is_a_clear_error(parquet_data, tmp_path):
    path, _, features = parquet_data
    model = linreg.LinearRegression().fit(linreg.scan(path, target="y", features=features))
    with pytest.raises(ValueError, match="out="):
        model.get_influence()
    with pytest.raises(ValueError, match="Parquet"):
        model.get_influence(out=tmp_path / "infl.txt")


def test_dask_partitions_written_in_order(tmp_path, parquet_data):
    dd = pytest.importorskip("dask.dataframe")
    _, frame, features = parquet_data
    ddf = dd.from_pandas(frame, npartitions=5)
    model = linreg.LinearRegression().fit(ddf[features], ddf["y"], sample_weight=ddf["w"])
    written = model.get_influence(out=tmp_path / "infl.parquet")
    memory = linreg.LinearRegression().fit(
        frame[features], frame["y"], sample_weight=frame["w"].to_numpy()
    )
    expected = memory.get_influence().summary_frame()
    got = pd.read_parquet(written.path)
    assert written.n_rows == len(frame)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-10, atol=0)


def test_without_intercept_matches_statsmodels():
    X, y = _heteroscedastic(70)
    ours = linreg.LinearRegression(fit_intercept=False).fit(X, y).get_influence()
    _assert_matches(ours, sm.OLS(y, X).fit().get_influence())


def test_unpickled_model_needs_the_rows_again():
    import pickle

    X, y = _heteroscedastic(40)
    model = pickle.loads(pickle.dumps(linreg.LinearRegression().fit(X, y)))
    with pytest.raises(ValueError, match="pass X, y"):
        model.get_influence()
    _assert_matches(model.get_influence(X, y), _reference(X, y))


def test_leverage_near_one_warns_about_accuracy():
    X, y = _heteroscedastic(40)
    w = np.ones(len(y))
    w[0] = 1e10  # 1 - h_0 ~ 1e-10: dividing by the computed 1 - h costs digits
    with pytest.warns(AccuracyWarning, match="within"):
        infl = linreg.LinearRegression().fit(X, y, sample_weight=w).get_influence()
    assert np.isfinite(infl.hat_matrix_diag).all() and infl.n_leverage_one == 0
    np.testing.assert_allclose(infl.hat_matrix_diag.sum(), 5, rtol=1e-9)
