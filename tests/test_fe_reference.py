"""Absorbed fixed effects against independent references (issue 16, first Must-show).

``LinearRegression().fit(X, y, sample_weight=w, absorb=frame)`` against

- pyfixest's ``feols`` on the same DataFrame (its demeaning run to 1e-14, its ``fixef``
  and ``predict`` least squares to 1e-14): coefficients, standard errors, t and p under
  "iid", "hetero", {"CRV1": "firm"} and {"CRV1": "firm+year"}, the number of rows after
  singleton removal, fixest's degrees of freedom (nested effects, nesting in the
  cluster variable); on a balanced panel, an unbalanced panel with chains of
  singletons, effects nested in the cluster (firm in industry, firm in firm), a county
  effect nested in a state effect, weights, several targets and three effects;
- statsmodels OLS/WLS with explicit dummy columns (full-rank, so its residual degrees
  of freedom are the exact ones): coefficients and nonrobust standard errors to 1e-10,
  fitted values;
- a hand count of the rows an iterated singleton removal must drop.

The fixed-effect estimates are compared through their contrasts within an effect
(identified whatever the normalization) and as values (fixest's normalization, on
connected designs); predictions for known levels directly (they are estimable).  Also:
fixest's ``ssc`` options, zero weights, the F test, the within R^2, a regressor absorbed
by the effects, and the forms of ``groups``.
"""

import warnings
from functools import cache

import numpy as np
import pytest
from numpy.testing import assert_allclose

import linreg

pd = pytest.importorskip("pandas")
pf = pytest.importorskip("pyfixest")
sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-8
TIGHT = 1e-14  # pyfixest's demeaning and lsqr tolerances: far below RTOL
XS = ["x1", "x2", "x3"]


# ---------------------------------------------------------------------------- data
def _regressors_and_targets(df, rng):
    """x1..x3 correlated with the effects; y, y2 with effects, a firm shock and
    heteroscedastic noise (so that the covariances differ)."""
    n = len(df)
    codes = [pd.factorize(df[c])[0] for c in ("firm", "year")]
    a_firm = rng.standard_normal(codes[0].max() + 1)
    a_year = rng.standard_normal(codes[1].max() + 1)
    base = a_firm[codes[0]] + 0.5 * a_year[codes[1]]
    df["x1"] = base + rng.standard_normal(n)
    df["x2"] = 3.0 * rng.standard_normal(n) - 0.3 * base + 10.0
    df["x3"] = rng.uniform(-1.0, 1.0, n) + 0.2 * df["x1"]
    shock = rng.standard_normal(codes[0].max() + 1)[codes[0]]
    noise = (1.0 + np.abs(df["x3"].to_numpy())) * rng.standard_normal(n) + shock
    # small coefficients: |t| of a few units, where p-values are tested, not ~1e-30
    df["y"] = 0.15 * df["x1"] - 0.05 * df["x2"] + 0.3 * df["x3"] + 2 * base + noise
    df["y2"] = -0.1 * df["x1"] + 0.04 * df["x2"] + a_firm[codes[0]] ** 2 + rng.standard_normal(n)
    df["w"] = rng.uniform(0.2, 4.0, n)
    return df


def _balanced(seed=0, n_firms=40, n_years=8):
    rng = np.random.default_rng(seed)
    firm, year = np.divmod(np.arange(n_firms * n_years), n_years)
    df = pd.DataFrame({"firm": firm, "year": 2000 + year})
    df["ind"] = df["firm"] // 5  # firm nested in industry
    df["occ"] = rng.integers(0, 6, len(df))
    return _regressors_and_targets(df, rng)


def _unbalanced(seed=1):
    """A random unbalanced panel plus seven rows whose removal cascades (all go, in
    three rounds; counted by hand below)."""
    rng = np.random.default_rng(seed)
    n_firms, n = 60, 420
    firm = np.concatenate([np.arange(n_firms), rng.integers(0, n_firms, n - n_firms)])
    year = rng.integers(0, 9, n)
    chain_firm = [100, 101, 101, 102, 103, 104, 104]
    chain_year = [20, 20, 3, 21, 22, 23, 3]
    df = pd.DataFrame({
        "firm": np.concatenate([firm, chain_firm]),
        "year": np.concatenate([year, chain_year]),
    })
    # round 1: firms 100, 102, 103 (one row each; years 21, 22 go with them) and year
    # 23 (one row); round 2: year 20 (only (101, 20) left) and firm 104 (only
    # (104, 3) left); round 3: firm 101 (only (101, 3) left).
    df["ind"] = df["firm"] // 7
    df["occ"] = rng.integers(0, 5, len(df))
    return _regressors_and_targets(df, rng)


def _state_county(seed=2):
    rng = np.random.default_rng(seed)
    n = 500
    county = rng.integers(0, 30, n)
    df = pd.DataFrame({"county": county, "state": county // 5})
    df["firm"] = rng.integers(0, 50, n)  # for the targets' generator only
    df["year"] = rng.integers(0, 6, n)
    return _regressors_and_targets(df, rng)


def _iterated_singletons(frame, rounds=None):
    """Rows kept by fixest's rule, by brute force: drop rows whose level occurs once in
    any factor, until none does (or after ``rounds`` rounds)."""
    keep = np.ones(len(frame), dtype=bool)
    for _ in range(rounds or len(frame) + 1):
        drop = np.zeros(len(frame), dtype=bool)
        for c in frame.columns:
            col = frame[c].to_numpy()[keep]
            _, inv, cnt = np.unique(col, return_inverse=True, return_counts=True)
            drop[np.flatnonzero(keep)[cnt[inv] == 1]] = True
        if not drop.any():
            break
        keep &= ~drop
    return keep


# name -> (data, absorbed effects, weighted, vcovs as pyfixest names)
FOUR = ("iid", "hetero", "CRV1:firm", "CRV1:firm+year")
CASES = {
    "balanced": (_balanced, ["firm", "year"], False, FOUR + ("CRV1:ind",)),
    "unbalanced_singletons": (_unbalanced, ["firm", "year"], False, FOUR + ("CRV1:ind",)),
    "one_effect": (_unbalanced, ["firm"], False, ("iid", "hetero", "CRV1:firm", "CRV1:ind")),
    "state_county_nested": (
        _state_county, ["state", "county"], False,
        ("iid", "hetero", "CRV1:state", "CRV1:county", "CRV1:state+year"),
    ),
    "weighted": (_unbalanced, ["firm", "year"], True, FOUR + ("CRV1:ind",)),
    "three_effects": (_balanced, ["firm", "year", "occ"], False, FOUR),
    "three_effects_weighted": (_unbalanced, ["firm", "year", "occ"], True, FOUR),
}  # fmt: skip
PAIRS = [(case, v) for case, spec in CASES.items() for v in spec[3]]


def _pf_vcov(v):
    return v if ":" not in v else {"CRV1": v.split(":")[1]}


def _linreg_cov(df, v):
    """linreg's summary arguments for the pyfixest vcov ``v`` (labels of all rows)."""
    if v == "iid":
        return {"cov_type": "nonrobust"}
    if v == "hetero":
        return {"cov_type": "HC1"}
    names = v.split(":")[1].split("+")
    groups = df[names[0]].to_numpy() if len(names) == 1 else df[names]  # two-way: a frame
    return {"cov_type": "cluster", "groups": groups}


# ---------------------------------------------------------------------------- fits
@cache
def _data(case):
    return CASES[case][0]()


@cache
def _feols_fit(case, target):
    df = _data(case)
    _, effects, weighted, _ = CASES[case]
    fml = f"{target} ~ {' + '.join(XS)} | {' + '.join(effects)}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's singleton notice
        return pf.feols(
            fml, data=df, vcov="iid", weights="w" if weighted else None,
            demeaner=pf.MapDemeaner(fixef_tol=TIGHT, fixef_maxiter=100_000),
        )  # fmt: skip


def _feols(case, vcov, target="y"):
    """pyfixest's fit (cached) with its covariance set to ``vcov`` in place (pyfixest's
    ``Feols.vcov``, which redoes its inference): read it before the next call."""
    return _feols_fit(case, target).vcov(_pf_vcov(vcov))


@cache
def _linreg(case, targets=("y",)):
    df = _data(case)
    _, effects, weighted, _ = CASES[case]
    y = df[list(targets)] if len(targets) > 1 else df[targets[0]]
    w = df["w"].to_numpy() if weighted else None
    return linreg.LinearRegression().fit(df[XS], y, sample_weight=w, absorb=df[effects])


def _assert_pvalues(mine, ref):
    """p to ``RTOL (1 + t^2)`` (a relative error e of a standard error moves a t tail
    probability by about ``t^2 e`` relative), against scipy's t tail at pyfixest's t and
    degrees of freedom (pyfixest's own ``1 - cdf`` loses every digit below 1e-16); and
    pyfixest's p-values where they have digits."""
    from scipy import stats

    t = np.abs(ref.tstat().to_numpy())
    ref_p = 2 * stats.t.sf(t, ref._df_t)
    mine = np.asarray(mine)
    err = np.abs(mine - ref_p) / np.maximum(ref_p, 1e-300)
    assert np.all(err <= RTOL * (1 + t**2)), (mine, ref_p, err)
    theirs = ref.pvalue().to_numpy()
    assert_allclose(mine[theirs > 1e-3], theirs[theirs > 1e-3], rtol=1e-7)


def _assert_f(s, ref):
    """The F test of all coefficients: pyfixest's Wald statistic over k; its p-value on
    (k, df_t), the degrees of freedom of the t tests (pyfixest's own F p-value takes
    n - k - sum(G_q) without the (Q - 1) references where not clustered)."""
    from scipy import stats

    wald = ref.wald_test()
    assert_allclose(s.fvalue, wald["statistic"], rtol=3 * RTOL)
    ref_p = stats.f.sf(wald["statistic"], len(XS), ref._df_t)
    assert_allclose(s.f_pvalue, ref_p, rtol=1e-6)


def _assert_matches(s, ref):
    assert list(s.names) == XS
    assert_allclose(s.params, ref.coef().to_numpy(), rtol=RTOL)
    assert_allclose(s.bse, ref.se().to_numpy(), rtol=RTOL)
    assert_allclose(s.tvalues, ref.tstat().to_numpy(), rtol=RTOL)
    _assert_pvalues(s.pvalues, ref)
    _assert_f(s, ref)
    assert s.nobs == ref._N


# ---------------------------------------------------------------------------- pyfixest
@pytest.mark.parametrize(("case", "vcov"), PAIRS, ids=[f"{c}-{v}" for c, v in PAIRS])
def test_matches_pyfixest(case, vcov):
    ref = _feols(case, vcov)
    model = _linreg(case)
    assert_allclose(model.coef_, ref.coef().to_numpy(), rtol=RTOL)
    s = model.summary(**_linreg_cov(_data(case), vcov))
    _assert_matches(s, ref)
    if vcov == "iid":
        assert s.df_resid == ref._N - ref._df_k


@pytest.mark.parametrize("case", sorted(CASES))
def test_singletons_and_levels(case):
    """Rows after the iterated singleton rule: pyfixest's count and a brute-force one;
    the levels reported are those of the rows kept."""
    df = _data(case)
    effects = CASES[case][1]
    keep = _iterated_singletons(df[effects])
    ref = _feols(case, "iid")
    assert ref._N == keep.sum()
    info = _linreg(case).absorbed_
    assert info.n_singletons == len(df) - keep.sum()
    assert list(info.names) == effects
    assert list(info.n_levels) == [df.loc[keep, c].nunique() for c in effects]


@pytest.mark.parametrize("case", ["unbalanced_singletons", "three_effects"])
def test_summary_lists_effects_and_levels(case):
    """The printed table names every absorbed effect with its number of levels (pandas'
    count on the rows kept) and the singleton rows removed."""
    import re

    df = _data(case)
    effects = CASES[case][1]
    keep = _iterated_singletons(df[effects])
    text = str(_linreg(case).summary(cov_type="cluster", groups=df["firm"]))
    for name in effects:
        count = df.loc[keep, name].nunique()
        assert re.search(rf"\b{name}\b[^\n]*\b{count}\b", text), (name, count, text)
    if not keep.all():
        assert re.search(rf"\b{(~keep).sum()}\b[^\n]*singleton", text), text


def test_singleton_chain_is_counted():
    """The unbalanced panel's seven hand-placed rows all go (three rounds)."""
    df = _data("unbalanced_singletons")
    keep = _iterated_singletons(df[["firm", "year"]])
    assert not keep[-7:].any()
    one_round = _iterated_singletons(df[["firm", "year"]], rounds=1)
    assert one_round[-7:].sum() == 3  # (101, 20), (101, 3), (104, 3) survive round 1
    assert _linreg("unbalanced_singletons").absorbed_.n_singletons == (~keep).sum()


U, S = "unbalanced_singletons", "state_county_nested"
SSC_CASES = [
    (U, "iid", {"k_adj": False}),
    (U, "iid", {"k_fixef": "none"}),
    (U, "hetero", {"k_fixef": "full"}),
    (U, "hetero", {"k_adj": False}),
    (U, "CRV1:ind", {"k_fixef": "full"}),
    (U, "CRV1:ind", {"k_fixef": "none"}),
    (U, "CRV1:firm+year", {"G_df": "conventional"}),
    (U, "CRV1:firm+year", {"k_adj": False, "G_adj": False}),
    (S, "iid", {"k_adj": False, "k_fixef": "full", "G_df": "conventional"}),
    (S, "CRV1:state", {"k_fixef": "full"}),
    (S, "CRV1:county", {"k_adj": False}),
    (S, "CRV1:state+year", {"G_df": "conventional"}),
]


@pytest.mark.parametrize(("case", "vcov", "ssc"), SSC_CASES)
def test_ssc_options_match_pyfixest(case, vcov, ssc):
    """fixest's small-sample options (pyfixest's ``ssc()`` names) other than the
    defaults, nested effects included."""
    df = _data(case)
    _, effects, weighted, _ = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols(f"y ~ {' + '.join(XS)} | {' + '.join(effects)}", data=df,
                       vcov=_pf_vcov(vcov), weights="w" if weighted else None,
                       ssc=pf.ssc(**ssc),
                       demeaner=pf.MapDemeaner(fixef_tol=TIGHT, fixef_maxiter=100_000))  # fmt: skip
    _assert_matches(_linreg(case).summary(**_linreg_cov(df, vcov), ssc=ssc), ref)


@pytest.mark.parametrize("vcov", FOUR)
def test_zero_weights_leave_before_singletons(vcov):
    """fixest drops rows of weight 0 first, then singletons (pyfixest refuses zero
    weights: its fit on the rows of positive weight is the reference); a firm of two
    rows, one of weight 0, becomes a singleton and goes."""
    df = _data("weighted").copy()
    size = df.groupby("firm")["firm"].transform("size").to_numpy()
    pair = np.flatnonzero((size == 2) & (df["firm"].to_numpy() < 100))  # not the chain
    assert len(pair) == 2 and df["firm"].iloc[pair[0]] == df["firm"].iloc[pair[1]]
    df.loc[df.index[pair[0]], "w"] = 0.0
    df.loc[df.index[::9], "w"] = 0.0
    pos = df[df["w"] > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ x1 + x2 + x3 | firm + year", data=pos, weights="w",
                       vcov=_pf_vcov(vcov),
                       demeaner=pf.MapDemeaner(fixef_tol=TIGHT, fixef_maxiter=100_000))  # fmt: skip
    keep = _iterated_singletons(pos[["firm", "year"]])
    assert ref._N == keep.sum()
    assert not keep[pos.index.get_loc(df.index[pair[1]])]  # the cascade happened
    model = linreg.LinearRegression().fit(df[XS], df["y"], sample_weight=df["w"].to_numpy(),
                                          absorb=df[["firm", "year"]])  # fmt: skip
    assert_allclose(model.coef_, ref.coef().to_numpy(), rtol=RTOL)
    _assert_matches(model.summary(**_linreg_cov(df, vcov)), ref)


@pytest.mark.parametrize("case", ["balanced", "weighted", "three_effects_weighted"])
def test_several_targets(case):
    """y and y2 fitted at once equal their own feols each."""
    both = _linreg(case, ("y", "y2"))
    assert both.coef_.shape == (2, len(XS))
    for i, target in enumerate(("y", "y2")):
        for vcov in ("iid", "CRV1:firm"):
            ref = _feols(case, vcov, target)
            assert_allclose(both.coef_[i], ref.coef().to_numpy(), rtol=RTOL)
            s = both.summary(**_linreg_cov(_data(case), vcov), target=i)
            _assert_matches(s, ref)


def test_cluster_groups_forms():
    """Two-way groups as a frame, as linreg's list of two label arrays, or as names of
    absorbed factors ("firm+year"); one-way as labels or a name: the same covariance."""
    df = _data("unbalanced_singletons")
    model = _linreg("unbalanced_singletons")
    ref = _feols("unbalanced_singletons", "CRV1:firm+year")
    for groups in (df[["firm", "year"]], "firm+year", ["firm", "year"]):
        _assert_matches(model.summary(cov_type="cluster", groups=groups), ref)
    ref = _feols("unbalanced_singletons", "CRV1:firm")
    for groups in (df["firm"], "firm"):
        _assert_matches(model.summary(cov_type="cluster", groups=groups), ref)


def test_two_way_groups_as_list_of_label_arrays():
    """linreg's two-way form without absorbed effects, ``groups=[g0, g1]`` (see
    test_inference_cluster), means the same with them."""
    df = _data("unbalanced_singletons")
    groups = [df["firm"].to_numpy(), df["year"].to_numpy()]
    s = _linreg("unbalanced_singletons").summary(cov_type="cluster", groups=groups)
    _assert_matches(s, _feols("unbalanced_singletons", "CRV1:firm+year"))


@pytest.mark.parametrize("case", ["balanced", "weighted"])
def test_collinear_regressor_matches_pyfixest(case):
    """A firm-constant regressor: named in a RankDeficientWarning, coefficient 0 and no
    standard error; the others are pyfixest's (which drops it)."""
    df = _data(case).copy()
    df["firm_size"] = np.log1p(pd.factorize(df["firm"])[0] % 7 + 0.5)
    xs = ["x1", "firm_size", "x2", "x3"]
    _, effects, weighted, _ = CASES[case]
    w = df["w"].to_numpy() if weighted else None
    with pytest.warns(linreg.RankDeficientWarning, match="firm_size"):
        model = linreg.LinearRegression().fit(df[xs], df["y"], sample_weight=w,
                                              absorb=df[effects])  # fmt: skip
    assert model.coef_[1] == 0.0
    ref = _feols(case, "CRV1:firm")  # x1, x2, x3
    assert_allclose(np.delete(model.coef_, 1), ref.coef().to_numpy(), rtol=RTOL)
    s = model.summary(cov_type="cluster", groups=df["firm"])
    assert np.isnan(s.bse[1]) and np.isnan(s.pvalues[1])
    assert_allclose(np.delete(s.bse, 1), ref.se().to_numpy(), rtol=RTOL)
    assert_allclose(np.delete(s.tvalues, 1), ref.tstat().to_numpy(), rtol=RTOL)


R2_CASES = ["unbalanced_singletons", "weighted", "three_effects", "state_county_nested"]


@pytest.mark.parametrize("case", R2_CASES)
def test_within_r2_matches_pyfixest(case):
    """``rsquared`` is fixest's within R^2 (1 - RSS / the demeaned y's sum of squares),
    whatever the covariance."""
    ref = _feols_fit(case, "y")
    for vcov in ("iid", "hetero", "CRV1:firm"):
        s = _linreg(case).summary(**_linreg_cov(_data(case), vcov))
        assert_allclose(s.rsquared, ref._r2_within, rtol=1e-10)


@pytest.mark.parametrize("case", R2_CASES)
def test_adjusted_within_r2_matches_pyfixest(case):
    """fixest's adjusted within R^2, ``1 - (1 - R2w) (n - k_fe) / (n - k - k_fe)``, the
    same under every covariance."""
    ref = _feols_fit(case, "y")
    for vcov in ("iid", "hetero", "CRV1:firm"):
        s = _linreg(case).summary(**_linreg_cov(_data(case), vcov))
        assert_allclose(s.rsquared_adj, ref._adj_r2_within, rtol=1e-10)


def _contrasts(values):
    """Differences to the first level: invariant to each effect's normalization."""
    values = np.asarray(values, dtype=float)
    return values - values[0]


def _assert_fixef(fe, ref_fe, effects):
    """Contrasts within each effect equal pyfixest's (any normalization), and so do the
    values: fixest's normalization on these connected designs (the first level of every
    effect but the first is 0; pyfixest omits it)."""
    assert list(fe) == effects
    for name in effects:
        mine = fe[name]
        theirs = ref_fe[f"C({name})"]  # labels as strings
        missing = [lab for lab in mine.index if str(lab) not in theirs]
        assert missing == ([] if name == effects[0] else [mine.index[0]])
        assert len(mine) == len(theirs) + len(missing)
        b = np.array([theirs.get(str(lab), 0.0) for lab in mine.index])
        a = mine.to_numpy()
        scale = RTOL * np.max(np.abs(b))
        assert_allclose(_contrasts(a), _contrasts(b), rtol=RTOL, atol=scale)
        assert_allclose(a, b, rtol=RTOL, atol=scale)


@pytest.mark.parametrize("case", ["balanced", "unbalanced_singletons", "weighted",
                                  "one_effect", "three_effects"])  # fmt: skip
def test_fixef_matches_pyfixest(case):
    ref_fe = _feols_fit(case, "y").fixef(atol=TIGHT, btol=TIGHT)
    _assert_fixef(_linreg(case).fixef(), ref_fe, CASES[case][1])


def test_fixef_of_several_targets():
    """One column per target (y0, y1), each its own feols' effects."""
    fe = _linreg("weighted", ("y", "y2")).fixef()
    for j, target in enumerate(("y", "y2")):
        ref_fe = _feols_fit("weighted", target).fixef(atol=TIGHT, btol=TIGHT)
        _assert_fixef({name: fe[name][f"y{j}"] for name in fe}, ref_fe, ["firm", "year"])


def _new_rows(case, rng):
    """Rows with levels seen in the kept training rows (other combinations of them)."""
    df = _data(case)
    effects = CASES[case][1]
    keep = _iterated_singletons(df[effects])
    new = pd.DataFrame({c: rng.choice(df.loc[keep, c].unique(), 25) for c in effects})
    for j, x in enumerate(XS):
        new[x] = rng.standard_normal(25) * (j + 1)
    return new


@pytest.mark.parametrize("case", ["balanced", "weighted", "three_effects"])
def test_predict_known_levels_matches_pyfixest(case):
    new = _new_rows(case, np.random.default_rng(7))
    ref = _feols(case, "iid")
    theirs = ref.predict(newdata=new, atol=TIGHT, btol=TIGHT)
    effects = CASES[case][1]
    mine = _linreg(case).predict(new[XS], absorb=new[effects])
    assert_allclose(mine, theirs, rtol=RTOL, atol=RTOL * np.max(np.abs(theirs)))


def test_predict_unseen_level_is_nan_with_warning():
    df = _data("balanced")
    new = df.loc[:4, ["firm", "year", *XS]].copy()
    new.loc[2, "firm"] = 10_000
    model = _linreg("balanced")
    with pytest.warns(Warning, match="firm"):
        pred = model.predict(new[XS], absorb=new[["firm", "year"]])
    assert np.isnan(pred[2]) and np.all(np.isfinite(np.delete(pred, 2)))


# ---------------------------------------------------------------------------- statsmodels
def _dummies(frame):
    """Full-rank dummy columns of connected effects: all levels of the first, all but
    the first level of the others (so statsmodels' df_resid is the exact one)."""
    cols = []
    for q, c in enumerate(frame.columns):
        d = pd.get_dummies(frame[c].astype("category"), dtype=float).to_numpy()
        cols.append(d if q == 0 else d[:, 1:])
    return np.column_stack(cols)


def _small(seed, weighted):
    rng = np.random.default_rng(seed)
    n = 120
    df = pd.DataFrame({"firm": rng.integers(0, 12, n), "year": rng.integers(0, 5, n)})
    df = _regressors_and_targets(df, rng)
    assert _iterated_singletons(df[["firm", "year"]]).all()  # no singletons: same rows
    return df, (df["w"].to_numpy() if weighted else None)


@pytest.mark.parametrize("weighted", [False, True], ids=["ols", "wls"])
@pytest.mark.parametrize("seed", [3, 4])
def test_matches_statsmodels_dummies(seed, weighted):
    df, w = _small(seed, weighted)
    exog = np.column_stack([df[XS].to_numpy(), _dummies(df[["firm", "year"]])])
    assert np.linalg.matrix_rank(exog) == exog.shape[1]
    y = df["y"].to_numpy()
    ref = (sm.OLS(y, exog) if w is None else sm.WLS(y, exog, weights=w)).fit()
    p = len(XS)
    model = linreg.LinearRegression().fit(df[XS], y, sample_weight=w, absorb=df[["firm", "year"]])
    assert_allclose(model.coef_, ref.params[:p], rtol=1e-10)
    s = model.summary()
    assert_allclose(s.params, ref.params[:p], rtol=1e-10)
    assert_allclose(s.bse, ref.bse[:p], rtol=1e-10)
    levels = df["firm"].nunique() + df["year"].nunique()
    assert s.df_resid == ref.df_resid == len(y) - p - (levels - 1)
    fitted = model.predict(df[XS], absorb=df[["firm", "year"]])
    assert_allclose(fitted, ref.fittedvalues, rtol=1e-9, atol=1e-9 * np.max(np.abs(y)))


def test_score_takes_the_absorbed_levels():
    """score(X, y, absorb=) is the R^2 of predict(X, absorb=) (scikit-learn's r2_score);
    without the levels, a clear error (the effects are part of the prediction)."""
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(11)
    n = 300
    g = rng.integers(0, 12, n)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + rng.normal(size=12)[g] + rng.normal(size=n)
    model = linreg.LinearRegression().fit(X, y, absorb=g)
    expected = r2_score(y, model.predict(X, absorb=g))
    assert model.score(X, y, absorb=g) == pytest.approx(expected, rel=1e-15)
    with pytest.raises(ValueError, match="absorb"):
        model.score(X, y)


def test_refusals_with_absorbed_effects():
    """What the demeaned fit cannot give honestly is refused with a clear message."""
    rng = np.random.default_rng(12)
    n = 200
    g = rng.integers(0, 10, n)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=10)[g] + rng.normal(size=n)
    model = linreg.LinearRegression().fit(X, y, absorb=g)
    for call in (
        lambda: model.partial_fit(X, y),
        lambda: model.get_influence(),
        lambda: model.get_prediction(X),
        lambda: model.predict(X, absorb=g, interval="prediction"),
        lambda: model.save("never-written.json"),
        lambda: model.summary(X=X, y=y),
    ):
        with pytest.raises(ValueError, match="absorb"):
            call()
