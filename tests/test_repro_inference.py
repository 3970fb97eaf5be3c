"""Regression tests for covariances and intervals formed in scaled, centred coordinates.

Repros (``/work/shared/repros``): numerics/r2_summary_overflow.py, r10_large_summary.py,
r11_hc.py and inference/repro_interval_offset.py.  References are independent of linreg:
mpmath at 90 digits (column-scaled, so any exponent range is fine), statsmodels OLS/WLS on
the same data where it is accurate, and exact scaling invariances.
"""

import pickle
import warnings

import mpmath
import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

import linreg

KINDS = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


# ----------------------------------------------------------------------- reference
def mp_reference(X, y, w=None, fit_intercept=True, kinds=("nonrobust",), points=None, dps=90):
    """Least squares in mpmath: params, standard errors per kind, and for ``points`` the
    standard error of the fitted mean (nonrobust) and the residual variance."""
    with mpmath.workdps(dps):
        n = len(y)
        sw = [mpmath.sqrt(mpmath.mpf(float(w[i]))) if w is not None else 1 for i in range(n)]
        one = [mpmath.mpf(1)] if fit_intercept else []
        rows = [[sw[i] * v for v in one + [mpmath.mpf(float(v)) for v in X[i]]] for i in range(n)]
        A = mpmath.matrix(rows)
        b = mpmath.matrix([sw[i] * mpmath.mpf(float(y[i])) for i in range(n)])
        k = A.cols
        norms = [mpmath.sqrt(sum(A[i, j] ** 2 for i in range(n))) for j in range(k)]
        As = mpmath.matrix(n, k)
        for i in range(n):
            for j in range(k):
                As[i, j] = A[i, j] / norms[j]
        Bs = mpmath.inverse(As.T * As)
        B = mpmath.matrix(k, k)
        for i in range(k):
            for j in range(k):
                B[i, j] = Bs[i, j] / (norms[i] * norms[j])
        beta = B * (A.T * b)
        r = b - A * beta
        s2 = sum(v * v for v in r) / (n - k)
        out = {"params": np.array([float(v) for v in beta]), "scale": float(s2)}
        lev = [(A[i, :] * B * A[i, :].T)[0] for i in range(n)]
        for kind in kinds:
            if kind == "nonrobust":
                cov = B * s2
            else:
                M = mpmath.zeros(k, k)
                for i in range(n):
                    u = r[i]
                    if kind == "HC2":
                        u = u / mpmath.sqrt(1 - lev[i])
                    elif kind == "HC3":
                        u = u / (1 - lev[i])
                    M += (A[i, :].T * A[i, :]) * (u * u)
                cov = B * M * B * (mpmath.mpf(n) / (n - k) if kind == "HC1" else 1)
            out[kind] = np.array([float(mpmath.sqrt(cov[j, j])) for j in range(k)])
        if points is not None:
            se = []
            for x0 in points:
                a = mpmath.matrix([one + [mpmath.mpf(float(v)) for v in x0]])
                se.append(float(mpmath.sqrt((a * B * a.T)[0] * s2)))
            out["se_fit"] = np.array(se)
        return out


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        model = est.fit(*args, **kwargs)
    return model, rec


def summaries(model, kinds, **kwargs):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = {k: model.summary(cov_type=k, **kwargs) for k in kinds}
    return out, [w for w in rec if issubclass(w.category, linreg.AccuracyWarning)]


# ----------------------------------------------------------------------- r2: range
@pytest.mark.parametrize(
    "sx, sy", [(1e-140, 1e80), (1e140, 1e-80), (1e-150, 1.0), (1e150, 1e100), (1.0, 1e-200)]
)
def test_r2_standard_errors_representable_at_extreme_scales(sx, sy):
    """bse ~1e+-220 where s^2 (X'X)^-1 in user units over/underflows: the standard
    errors scale exactly as sy/sx (invariance, statsmodels in unit scale) and match
    mpmath on the scaled data; p-values are those of the unit-scale fit."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 1))
    y = x[:, 0] + rng.standard_normal(50)
    model = linreg.LinearRegression().fit(x * sx, y * sy)
    s = model.summary()
    unit = sm.OLS(y, sm.add_constant(x)).fit()
    assert np.all(np.isfinite(s.bse))
    assert rel(s.bse, unit.bse * np.array([sy, sy / sx])) < 1e-12
    assert rel(s.pvalues, unit.pvalues) < 1e-10
    ref = mp_reference(x * sx, y * sy)
    assert rel(s.bse, ref["nonrobust"]) < 1e-12
    ci = s.conf_int()
    assert np.all(np.isfinite(ci)) and np.all(ci[:, 0] < s.params) and np.all(s.params < ci[:, 1])


def test_r2_robust_and_interval_at_extreme_scales():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 2))
    y = x @ [1.0, -2.0] + rng.standard_normal(40) * (1 + np.abs(x[:, 0]))
    sx, sy = np.array([1e-140, 1e120]), 1e70
    model = linreg.LinearRegression().fit(x * sx, y * sy)
    got, warned = summaries(model, KINDS)
    assert not warned
    ref = mp_reference(x * sx, y * sy, kinds=KINDS, points=x[:5] * sx)
    for kind in KINDS:
        assert rel(got[kind].bse, ref[kind]) < 1e-10, kind
    ci = model.predict(x[:5] * sx, interval="confidence")
    half = (ci[:, 2] - ci[:, 1]) / 2
    want = stats.t.ppf(0.975, 40 - 3) * ref["se_fit"]
    assert rel(half, want) < 1e-10


# ----------------------------------------------------------------------- r10: large
def test_r10_large_path_standard_errors_match_statsmodels():
    """n*p > 250k, kappa 2e7: 2.8% off before; statsmodels (pinv) is accurate here."""
    rng = np.random.default_rng(0)
    n, p = 5000, 60
    X = rng.standard_normal((n, p))
    X[:, 1] = X[:, 0] + 1e-7 * rng.standard_normal(n)
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    model, _ = fit_quietly(linreg.LinearRegression(), X, y)
    got, warned = summaries(model, ("nonrobust", "HC1"))
    assert not warned
    for kind in ("nonrobust", "HC1"):
        ref = sm.OLS(y, sm.add_constant(X)).fit(cov_type=kind)
        assert rel(got[kind].bse, ref.bse) < 1e-7, kind


# ----------------------------------------------------------------------- r11: HC
@pytest.mark.parametrize("eps", [1e-6, 1e-8])
def test_r11_robust_covariances_on_collinear_designs_match_mpmath(eps):
    """kappa 2e6 and 2e8: HC3 was 2.9% off / NaN.  mpmath is the reference (statsmodels'
    own HC3 is 3.7e-6 / 2% off here: its leverages come from pinv(X'X))."""
    rng = np.random.default_rng(0)
    for e in (1e-6, 1e-8):  # the repro's two designs, drawn in its order
        x = rng.standard_normal(700)
        X = np.column_stack([x, x + e * rng.standard_normal(700), rng.standard_normal(700)])
        y = X @ [1.0, 1.0, 1.0] + rng.standard_normal(700) * (1 + np.abs(x))
        if e == eps:
            break
    model = linreg.LinearRegression().fit(X, y)
    got, warned = summaries(model, KINDS)
    assert not warned
    ref = mp_reference(X, y, kinds=KINDS)
    for kind in KINDS:
        assert rel(got[kind].bse, ref[kind]) < 1e-7, kind


# ----------------------------------------------------------------------- intervals
@pytest.mark.parametrize("offset", [0.0, 1e4, 1e6, 1e7, 1e8, 1e9])
def test_interval_half_width_at_the_mean_is_exact_at_any_offset(offset):
    """se_fit at x-bar is s/sqrt(n) exactly; was 8.7e-2 off at offset 1e8 (T V T')."""
    rng = np.random.default_rng(0)
    n = 10
    x = offset + np.arange(n, dtype=float)
    y = 2.0 * (x - offset) + rng.standard_normal(n)
    model = linreg.LinearRegression().fit(x[:, None], y)
    ref = mp_reference(x[:, None], y, points=[[offset + 4.5], [offset + 20.0]])
    ci = model.predict(np.array([[offset + 4.5], [offset + 20.0]]), interval="confidence")
    q = stats.t.ppf(0.975, n - 2)
    assert rel((ci[:, 2] - ci[:, 1]) / 2, q * ref["se_fit"]) < 1e-12
    assert rel((ci[0, 2] - ci[0, 1]) / 2, q * np.sqrt(ref["scale"] / n)) < 1e-12
    pi = model.predict(np.array([[offset + 4.5]]), interval="prediction")[0]
    want = q * np.sqrt(ref["se_fit"][0] ** 2 + ref["scale"])
    assert rel((pi[2] - pi[1]) / 2, want) < 1e-12


def test_weighted_intervals_with_offsets_and_collinearity_match_mpmath():
    rng = np.random.default_rng(5)
    n = 30
    z = rng.standard_normal((n, 3))
    z[:, 1] = z[:, 0] + 1e-5 * z[:, 1]
    X = z * [1e-3, 1e5, 1.0] + [1e6, -3e12, 0.0]
    y = z @ [1.0, 2.0, -1.0] + rng.standard_normal(n)
    w = rng.uniform(0.1, 10.0, n)
    model = linreg.LinearRegression().fit(X, y, sample_weight=w)
    pts = X[:6] + rng.standard_normal((6, 3)) * [1e-3, 1e5, 1.0]
    ref = mp_reference(X, y, w, points=pts)
    ci = model.predict(pts, interval="confidence")
    q = stats.t.ppf(0.975, n - 4)
    assert rel((ci[:, 2] - ci[:, 1]) / 2, q * ref["se_fit"]) < 1e-9
    assert rel(model.summary().bse, ref["nonrobust"]) < 1e-9


# ----------------------------------------------------------------------- leverage 1
def test_leverage_one_row_makes_hc2_hc3_nan_for_the_term_it_determines():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    n = 40
    X = rng.standard_normal((n, 2))
    d = np.zeros(n)
    d[7] = 1.0
    y = X @ [1.0, 2.0] + rng.standard_normal(n) * (1 + np.abs(X[:, 0]))
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "dummy": d})
    model = linreg.LinearRegression().fit(df, y)
    full = np.column_stack([X, d])
    for kind in ("HC0", "HC1"):
        got, warned = summaries(model, (kind,))
        assert not warned
        ref = sm.OLS(y, sm.add_constant(full)).fit(cov_type=kind)
        assert rel(got[kind].bse, ref.bse) < 1e-9
    rows = np.arange(n) != 7
    for kind in ("HC2", "HC3"):
        got, warned = summaries(model, (kind,))
        assert len(warned) == 1 and "'dummy'" in str(warned[0].message)
        assert "'a'" not in str(warned[0].message) and "'const'" not in str(warned[0].message)
        bse = got[kind].bse
        assert np.isnan(bse[3]) and np.all(np.isfinite(bse[:3]))
        # The other terms: the fit without that row and the dummy (same leverages).
        ref = sm.OLS(y[rows], sm.add_constant(X[rows])).fit(cov_type=kind)
        assert rel(bse[:3], ref.bse) < 1e-9


# ----------------------------------------------------------------------- seeded loop
def random_problem(seed):
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(8, 40)), int(rng.integers(1, 4))
    Z = rng.standard_normal((n, p))
    if p >= 2:
        Z[:, 1] = Z[:, 0] + Z[:, 1] / 10 ** rng.uniform(0, 8)  # kappa up to 1e8
    offset = np.where(rng.random(p) < 0.5, 10 ** rng.uniform(0, 9, p), 0.0)
    offset *= rng.choice([-1, 1], p)
    # column scales 1e-150..1e150 (the largest entry stays below 1e150)
    scale = 10 ** rng.uniform(-150, 150 - np.log10(1 + np.abs(offset)), p)
    y = Z @ rng.standard_normal(p) + rng.standard_normal(n) * (1 + np.abs(Z[:, 0]))
    y *= 10 ** rng.uniform(-100, 100)
    w = rng.uniform(0.1, 10, n) if rng.random() < 0.5 else None
    return (Z + offset) * scale, y, w


@pytest.mark.parametrize("start", [0, 20])
def test_seeded_offsets_scales_collinearity_weights_against_mpmath(start):
    checked = 0
    for seed in range(start, start + 20):
        X, y, w = random_problem(seed)
        model, _ = fit_quietly(linreg.LinearRegression(), X, y, sample_weight=w)
        if model.rank_ < X.shape[1]:
            continue  # rank decisions are the solver's business (tests/test_repro_rank.py)
        got, warned = summaries(model, ("nonrobust", "HC0", "HC3"))
        assert not warned, (seed, [str(x.message) for x in warned])
        ref = mp_reference(X, y, w, kinds=("nonrobust", "HC0", "HC3"), points=X[:3] * 1.001)
        assert rel(got["nonrobust"].bse, ref["nonrobust"]) < 1e-10, seed
        for kind in ("HC0", "HC3"):
            assert rel(got[kind].bse, ref[kind]) < 1e-7, (seed, kind)
        ci = model.predict(X[:3] * 1.001, interval="confidence")
        q = stats.t.ppf(0.975, len(y) - X.shape[1] - 1)
        assert rel((ci[:, 2] - ci[:, 1]) / 2, q * ref["se_fit"]) < 1e-8, seed
        checked += 1
    assert checked >= 15


def test_seeded_without_intercept_against_mpmath():
    """Uncentred designs (offsets stay in the columns): HC1/HC2 and prediction intervals."""
    checked = 0
    for seed in range(40, 55):
        X, y, w = random_problem(seed)
        est = linreg.LinearRegression(fit_intercept=False)
        model, _ = fit_quietly(est, X, y, sample_weight=w)
        if model.rank_ < X.shape[1]:
            continue
        got, warned = summaries(model, ("nonrobust", "HC1", "HC2"))
        assert not warned, seed
        pts = X[:3] * 1.001
        ref = mp_reference(X, y, w, False, kinds=("nonrobust", "HC1", "HC2"), points=pts)
        assert rel(got["nonrobust"].bse, ref["nonrobust"]) < 1e-10, seed
        for kind in ("HC1", "HC2"):
            assert rel(got[kind].bse, ref[kind]) < 1e-7, (seed, kind)
        pi = model.predict(pts, interval="prediction")
        q = stats.t.ppf(0.975, len(y) - X.shape[1])
        want = q * np.sqrt(ref["se_fit"] ** 2 + ref["scale"])
        assert rel((pi[:, 2] - pi[:, 1]) / 2, want) < 1e-8, seed
        checked += 1
    assert checked >= 10


# ----------------------------------------------------------------------- streamed, moments
def collinear(n=300, eps=1e-7, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    X = np.column_stack([x, x + eps * rng.standard_normal(n), rng.standard_normal(n)])
    X = X + [1e5, 1e5, -7.0]
    y = X @ [1.0, 1.0, 1.0] + rng.standard_normal(n) * (1 + np.abs(x))
    return X, y


def test_streamed_source_second_passes_match_mpmath(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X, y = collinear(eps=1e-5)  # kappa ~1e5: the Moments' factor alone gives ~1e-6
    table = pa.table({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y})
    pq.write_table(table, tmp_path / "d.parquet")
    scan = linreg.scan(tmp_path / "d.parquet", target="y", batch_size=64)
    model, _ = fit_quietly(linreg.LinearRegression(), scan)
    got, warned = summaries(model, ("nonrobust", "HC3"))
    assert not warned
    ref = mp_reference(X, y, kinds=("nonrobust", "HC3"))
    # The streamed solve's coefficients come from the Moments (it warns so itself); the
    # covariances come from second passes over the file.
    assert rel(got["nonrobust"].bse, ref["nonrobust"]) < 1e-9
    assert rel(got["HC3"].bse, ref["HC3"]) < 1e-7


def test_moments_only_summary_warns_with_the_figure_and_data_restores_accuracy():
    X, y = collinear(eps=1e-7)
    model = pickle.loads(pickle.dumps(linreg.LinearRegression().fit(X, y)))  # no data
    with pytest.warns(linreg.AccuracyWarning, match=r"about \d\.\de-\d\d .*only the Moments"):
        model.summary()
    ref = mp_reference(X, y)
    got, warned = summaries(model, ("nonrobust",), X=X, y=y)
    assert not warned
    assert rel(got["nonrobust"].bse, ref["nonrobust"]) < 1e-9


def test_well_conditioned_moments_only_summary_is_quiet_and_accurate():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 3)) + [1e6, 0.0, -5.0]
    y = X @ [1.0, 2.0, 3.0] + rng.standard_normal(200)
    model = pickle.loads(pickle.dumps(linreg.LinearRegression().fit(X, y)))
    got, warned = summaries(model, ("nonrobust",))
    assert not warned
    assert rel(got["nonrobust"].bse, mp_reference(X, y)["nonrobust"]) < 1e-9


def test_ridge_covariance_at_extreme_column_scales_scales_exactly():
    """Ridge with alpha scaled as the columns: the ridge covariance scales exactly."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((60, 2))
    y = X @ [1.0, 1.0] + rng.standard_normal(60)
    s1 = linreg.Ridge(alpha=3.0).fit(X, y).summary()
    s2 = linreg.Ridge(alpha=3.0 * 1e-240).fit(X * 1e-120, y).summary()
    assert np.all(np.isfinite(s2.bse))
    assert rel(s2.bse, s1.bse * [1.0, 1e120, 1e120]) < 1e-10


def test_heavy_row_hc3_is_accurate_or_warns_with_the_figure():
    """A row of weight w has 1 - h ~ 1/w; HC3 divides by it.  Up to w = 1e8 the standard
    errors match mpmath quietly; at 1e12 they carry a warning whose figure bounds the
    actual error; at 1e16 the leverage is 1 to working precision: NaN, named."""
    rng = np.random.default_rng(0)
    n = 30
    X = rng.standard_normal((n, 2))
    y = X @ [1.0, 2.0] + rng.standard_normal(n)
    for heavy in (1e4, 1e8, 1e12, 1e16):
        w = np.ones(n)
        w[3] = heavy
        model = linreg.LinearRegression().fit(X, y, sample_weight=w)
        got, warned = summaries(model, ("HC0", "HC3"))
        ref = mp_reference(X, y, w, kinds=("HC0", "HC3"))
        assert rel(got["HC0"].bse, ref["HC0"]) < 1e-12
        err = rel(got["HC3"].bse, ref["HC3"])
        if heavy <= 1e8:
            assert not warned and err < 1e-8
        elif heavy == 1e12:
            (warning,) = warned
            text = str(warning.message)
            assert "leverage within" in text
            figure = float(text.split("accurate to about ")[1].split(" ")[0])
            assert err <= figure
        else:
            assert any("undefined" in str(x.message) for x in warned)
            assert np.isnan(got["HC3"].bse).any() and np.isfinite(got["HC0"].bse).all()


def test_columns_whose_squares_leave_the_float64_range():
    """A column ~1e-160 (squares subnormal in the Moments) and y ~1e-165: from the data
    the standard errors match mpmath; from the Moments alone they warn, naming why."""
    rng = np.random.default_rng(0)
    n = 200
    Z = rng.standard_normal((n, 2))
    X = Z * [1e-160, 1e140] + [0.0, 3e140]
    y = (Z @ [1.0, 2.0] + rng.standard_normal(n) * (1 + np.abs(Z[:, 0]))) * 1e-165
    model = linreg.LinearRegression().fit(X, y)
    got, warned = summaries(model, ("nonrobust", "HC3"))
    assert not warned
    ref = mp_reference(X, y, kinds=("nonrobust", "HC3"))
    for kind in ("nonrobust", "HC3"):
        assert rel(got[kind].bse, ref[kind]) < 1e-12, kind
    bare = pickle.loads(pickle.dumps(model))
    with pytest.warns(linreg.AccuracyWarning, match="squares leave the float64 range"):
        bare.summary()


def test_prediction_interval_when_the_residual_variance_underflows():
    """y ~1e-170: s^2 ~1e-340 is not representable, s and the intervals are."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((30, 1))
    y = x[:, 0] + rng.standard_normal(30)
    small = linreg.LinearRegression().fit(x, y * 1e-170)
    unit = sm.OLS(y, sm.add_constant(x)).fit()
    frame = unit.get_prediction(sm.add_constant(x[:4], has_constant="add")).summary_frame()
    got = small.predict(x[:4], interval="prediction")
    want = (frame["obs_ci_upper"] - frame["obs_ci_lower"]).to_numpy() / 2 * 1e-170
    assert rel((got[:, 2] - got[:, 1]) / 2, want) < 1e-10
    assert rel(small.summary().bse, unit.bse * 1e-170) < 1e-10
