"""Behaviour of linreg.LinearRegression and linreg.Ridge against independent references.

Every expected value comes from an independent source: scikit-learn, statsmodels,
numpy.linalg (pinv / lstsq / solve), an answer constructed to be exact, or an
invariance of least squares.  No number is copied from linreg's own output.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
import sklearn.linear_model as sklm
import statsmodels.api as sm
from numpy.testing import assert_allclose
from sklearn.metrics import r2_score

import linreg
from linreg import LinearRegression, RankDeficientWarning, Ridge

SOLVERS = ["auto", "cholesky", "qr", "extended", "svd", "eigh"]

# Random, well-conditioned problems are solved by every method to ~1e-15; 1e-10 leaves
# room for the condition number while still catching any real discrepancy.
RTOL = 1e-10
ATOL = 1e-12


# --------------------------------------------------------------------------- data
def make_data(n=200, p=5, k=None, seed=0, offset=True):
    """Well-conditioned random regression data; y is 1-D, or (n, k) when k is given."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    if offset:
        X += rng.uniform(-3, 3, size=p)  # non-zero column means, so centring matters
    coef = rng.uniform(0.5, 2.0, size=(p, k or 1)) * rng.choice([-1, 1], size=(p, k or 1))
    Y = 1.5 + X @ coef + 0.3 * rng.normal(size=(n, k or 1))
    return X, (Y[:, 0] if k is None else Y)


def make_weights(n, seed=1):
    return np.random.default_rng(seed).uniform(0.1, 3.0, size=n)


def weighted_centre(A, w=None):
    """Column means of A under weights w (equal weights when None)."""
    return np.average(A, axis=0, weights=w)


def ridge_reference(X, y, alpha, w=None, fit_intercept=True):
    """Closed-form ridge: (Xc'WXc + alpha I) b = Xc'W yc, intercept from the means."""
    w = np.ones(X.shape[0]) if w is None else w
    if fit_intercept:
        xm, ym = weighted_centre(X, w), weighted_centre(y, w)
    else:
        xm, ym = np.zeros(X.shape[1]), np.zeros(y.shape[1:])
    Xc, yc = X - xm, y - ym
    coef = np.linalg.solve(Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1]), Xc.T @ (w * yc))
    return coef, ym - xm @ coef


def pinv_reference(X, y, fit_intercept=True):
    """Minimum-norm least squares via numpy.linalg.pinv of the centred design."""
    if fit_intercept:
        xm, ym = X.mean(axis=0), y.mean(axis=0)
    else:
        xm, ym = np.zeros(X.shape[1]), np.zeros(y.shape[1:])
    coef = np.linalg.pinv(X - xm) @ (y - ym)
    return coef, ym - xm @ coef


# ============================================================ 1. LinearRegression
class TestLinearRegressionReferences:
    @pytest.mark.parametrize("fit_intercept", [True, False])
    def test_single_target_vs_sklearn(self, fit_intercept):
        """coef_, intercept_, predict and score equal sklearn.linear_model.LinearRegression."""
        X, y = make_data()
        ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
        ref = sklm.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
        assert ours.coef_.shape == (5,)
        assert isinstance(ours.intercept_, float)
        assert ours.n_features_in_ == 5
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        Xt, _ = make_data(n=50, seed=7)
        assert_allclose(ours.predict(Xt), ref.predict(Xt), rtol=RTOL, atol=ATOL)
        assert_allclose(ours.score(X, y), ref.score(X, y), rtol=RTOL)
        if not fit_intercept:
            assert ours.intercept_ == 0.0

    @pytest.mark.parametrize("fit_intercept", [True, False])
    def test_single_target_vs_statsmodels_ols(self, fit_intercept):
        """coef_/intercept_ equal statsmodels OLS params; score equals its R^2 (centred)."""
        X, y = make_data()
        ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
        exog = sm.add_constant(X) if fit_intercept else X
        res = sm.OLS(y, exog).fit()
        if fit_intercept:
            assert_allclose(ours.intercept_, res.params[0], rtol=RTOL, atol=ATOL)
            assert_allclose(ours.coef_, res.params[1:], rtol=RTOL, atol=ATOL)
            assert_allclose(ours.score(X, y), res.rsquared, rtol=RTOL)
        else:
            assert_allclose(ours.coef_, res.params, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.predict(X), res.fittedvalues, rtol=RTOL, atol=ATOL)

    @pytest.mark.parametrize("fit_intercept", [True, False])
    def test_weighted_vs_sklearn_and_statsmodels_wls(self, fit_intercept):
        """Weighted fit equals sklearn (sample_weight) and statsmodels WLS (weights=w)."""
        X, y = make_data()
        w = make_weights(len(y))
        ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
        ref = sklm.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        assert_allclose(
            ours.score(X, y, sample_weight=w), ref.score(X, y, sample_weight=w), rtol=RTOL
        )
        exog = sm.add_constant(X) if fit_intercept else X
        res = sm.WLS(y, exog, weights=w).fit()
        params = np.r_[ours.intercept_, ours.coef_] if fit_intercept else ours.coef_
        assert_allclose(params, res.params, rtol=RTOL, atol=ATOL)

    @pytest.mark.parametrize("fit_intercept", [True, False])
    @pytest.mark.parametrize("weighted", [False, True])
    def test_multi_target_vs_sklearn_and_statsmodels(self, fit_intercept, weighted):
        """2-D y: coef_ (k, p), intercept_ (k,), each target as sklearn / statsmodels."""
        X, Y = make_data(k=3)
        w = make_weights(len(Y)) if weighted else None
        ours = LinearRegression(fit_intercept=fit_intercept).fit(X, Y, sample_weight=w)
        ref = sklm.LinearRegression(fit_intercept=fit_intercept).fit(X, Y, sample_weight=w)
        assert ours.coef_.shape == (3, 5)
        # scikit-learn: intercept_ (k,) with an intercept, the float 0.0 without
        assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        Xt, _ = make_data(n=40, seed=9)
        pred = ours.predict(Xt)
        assert pred.shape == (40, 3)
        assert_allclose(pred, ref.predict(Xt), rtol=RTOL, atol=ATOL)
        assert_allclose(
            ours.score(X, Y, sample_weight=w), ref.score(X, Y, sample_weight=w), rtol=RTOL
        )
        exog = sm.add_constant(X) if fit_intercept else X
        for j in range(3):
            res = sm.WLS(Y[:, j], exog, weights=1.0 if w is None else w).fit()
            params = np.r_[ours.intercept_[j], ours.coef_[j]] if fit_intercept else ours.coef_[j]
            assert_allclose(params, res.params, rtol=RTOL, atol=ATOL)
        if not fit_intercept:
            assert type(ours.intercept_) is float and ours.intercept_ == 0.0

    def test_single_column_2d_y_keeps_2d_shapes(self):
        """y of shape (n, 1) gives coef_ (1, p) and intercept_ (1,), as sklearn does."""
        X, y = make_data()
        ours = LinearRegression().fit(X, y[:, None])
        ref = sklm.LinearRegression().fit(X, y[:, None])
        assert ours.coef_.shape == ref.coef_.shape == (1, 5)
        assert np.shape(ours.intercept_) == np.shape(ref.intercept_) == (1,)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert ours.predict(X).shape == (200, 1)

    def test_score_is_r2_score(self):
        """score(X, y) equals sklearn.metrics.r2_score on held-out data."""
        X, y = make_data()
        Xt, yt = make_data(n=60, seed=3)
        ours = LinearRegression().fit(X, y)
        assert_allclose(ours.score(Xt, yt), r2_score(yt, ours.predict(Xt)), rtol=1e-14)


# ====================================================================== 2. Ridge
class TestRidgeReferences:
    @pytest.mark.parametrize("fit_intercept", [True, False])
    @pytest.mark.parametrize("alpha", [0.01, 1.0, 250.0])
    def test_scalar_alpha_vs_sklearn(self, alpha, fit_intercept):
        """Ridge equals sklearn.linear_model.Ridge(solver='cholesky') and the closed form."""
        X, y = make_data()
        ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
        ref = sklm.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky").fit(X, y)
        assert ours.coef_.shape == (5,)
        assert isinstance(ours.intercept_, float)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        coef, intercept = ridge_reference(X, y, alpha, fit_intercept=fit_intercept)
        assert_allclose(ours.coef_, coef, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, intercept, rtol=RTOL, atol=ATOL)
        Xt, yt = make_data(n=50, seed=5)
        assert_allclose(ours.predict(Xt), ref.predict(Xt), rtol=RTOL, atol=ATOL)
        assert_allclose(ours.score(Xt, yt), ref.score(Xt, yt), rtol=RTOL)

    @pytest.mark.parametrize("fit_intercept", [True, False])
    def test_weighted_vs_sklearn(self, fit_intercept):
        """Weighted Ridge equals sklearn Ridge with sample_weight and the closed form."""
        X, y = make_data()
        w = make_weights(len(y))
        ours = Ridge(alpha=3.0, fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
        ref = sklm.Ridge(alpha=3.0, fit_intercept=fit_intercept, solver="cholesky")
        ref.fit(X, y, sample_weight=w)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        coef, intercept = ridge_reference(X, y, 3.0, w=w, fit_intercept=fit_intercept)
        assert_allclose(ours.coef_, coef, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, intercept, rtol=RTOL, atol=ATOL)

    @pytest.mark.parametrize("fit_intercept", [True, False])
    @pytest.mark.parametrize("weighted", [False, True])
    def test_per_target_alpha_vs_sklearn(self, fit_intercept, weighted):
        """An alpha per target equals sklearn Ridge with the same alpha array."""
        X, Y = make_data(k=3)
        alpha = np.array([0.1, 10.0, 300.0])
        w = make_weights(len(Y)) if weighted else None
        ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y, sample_weight=w)
        ref = sklm.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky")
        ref.fit(X, Y, sample_weight=w)
        assert ours.coef_.shape == (3, 5)
        # scikit-learn: intercept_ (k,) with an intercept, the float 0.0 without
        assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        # Each target separately, with its own scalar alpha.
        for j in range(3):
            single = Ridge(alpha=alpha[j], fit_intercept=fit_intercept)
            single.fit(X, Y[:, j], sample_weight=w)
            assert_allclose(ours.coef_[j], single.coef_, rtol=RTOL, atol=ATOL)

    def test_default_sklearn_solver_and_multi_target_scalar_alpha(self):
        """Scalar alpha with 2-D y equals sklearn Ridge with its default solver."""
        X, Y = make_data(k=2)
        ours = Ridge(alpha=2.0).fit(X, Y)
        ref = sklm.Ridge(alpha=2.0).fit(X, Y)
        assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)

    def test_alpha_zero_is_ols(self):
        """Ridge(alpha=0) equals numpy.linalg.lstsq with an intercept column."""
        X, y = make_data()
        ours = Ridge(alpha=0.0).fit(X, y)
        sol = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
        assert_allclose(ours.intercept_, sol[0], rtol=RTOL, atol=ATOL)
        assert_allclose(ours.coef_, sol[1:], rtol=RTOL, atol=ATOL)

    def test_alpha_array_of_wrong_length_raises(self):
        """An alpha array whose length differs from the number of targets is an error."""
        X, Y = make_data(k=3)
        with pytest.raises(ValueError, match="alpha"):
            Ridge(alpha=[1.0, 2.0]).fit(X, Y)


# ================================================================= 3. all solvers
def _estimators():
    return [
        ("ols", lambda s: LinearRegression(solver=s)),
        ("ols-noint", lambda s: LinearRegression(fit_intercept=False, solver=s)),
        ("ridge", lambda s: Ridge(alpha=5.0, solver=s)),
        ("ridge-noint", lambda s: Ridge(alpha=5.0, fit_intercept=False, solver=s)),
    ]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name,make", _estimators(), ids=[e[0] for e in _estimators()])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_solver_agrees_with_default(solver, name, make, weighted):
    """Each solver gives the default's answer, and both equal the sklearn reference."""
    X, Y = make_data(k=2)
    w = make_weights(len(Y)) if weighted else None
    ours = make(solver).fit(X, Y, sample_weight=w)
    default = make("auto").fit(X, Y, sample_weight=w)
    assert_allclose(ours.coef_, default.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, default.intercept_, rtol=RTOL, atol=ATOL)
    params = ours.get_params()
    if name.startswith("ridge"):
        ref = sklm.Ridge(alpha=params["alpha"], fit_intercept=params["fit_intercept"])
    else:
        ref = sklm.LinearRegression(fit_intercept=params["fit_intercept"])
    ref.fit(X, Y, sample_weight=w)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
    if solver != "auto":  # a well-conditioned problem never needs a fallback
        assert ours.solver_ == solver
    assert ours.rank_ == 5


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_per_target_alpha(solver):
    """Per-target alphas give the sklearn answer whichever solver is named."""
    X, Y = make_data(k=3)
    alpha = np.array([0.5, 5.0, 50.0])
    ours = Ridge(alpha=alpha, solver=solver).fit(X, Y)
    ref = sklm.Ridge(alpha=alpha, solver="cholesky").fit(X, Y)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)


def test_unknown_solver_raises():
    """A solver name outside the documented list is a ValueError."""
    X, y = make_data()
    with pytest.raises(ValueError, match="solver"):
        LinearRegression(solver="lsqr").fit(X, y)


# ================================================================== 4. invariances
class TestInvariances:
    @pytest.mark.parametrize("estimator", [LinearRegression(), Ridge(alpha=2.0)])
    def test_row_permutation(self, estimator):
        """Permuting rows (with their weights) leaves the fit unchanged."""
        X, y = make_data()
        w = make_weights(len(y))
        perm = np.random.default_rng(11).permutation(len(y))
        a = estimator.__class__(**estimator.get_params()).fit(X, y, sample_weight=w)
        b = estimator.__class__(**estimator.get_params()).fit(
            X[perm], y[perm], sample_weight=w[perm]
        )
        assert_allclose(b.coef_, a.coef_, rtol=1e-12, atol=1e-14)
        assert_allclose(b.intercept_, a.intercept_, rtol=1e-12, atol=1e-14)

    @pytest.mark.parametrize("estimator", [LinearRegression(), Ridge(alpha=2.0)])
    def test_integer_weights_equal_duplicated_rows(self, estimator):
        """Integer sample weights give the fit of the data with rows repeated that often."""
        X, y = make_data(n=80)
        counts = np.random.default_rng(2).integers(0, 4, size=len(y))
        counts[:2] = (0, 3)  # make sure both zero weights and repeats occur
        weighted = estimator.__class__(**estimator.get_params())
        weighted.fit(X, y, sample_weight=counts)
        repeated = estimator.__class__(**estimator.get_params())
        repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
        assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-12, atol=1e-14)
        assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-12, atol=1e-14)

    @pytest.mark.parametrize("c", [1e-3, -7.0, 1e4])
    def test_rescaling_a_feature_divides_its_coef(self, c):
        """LinearRegression: X[:, j] * c gives coef_[j] / c; everything else unchanged."""
        X, y = make_data()
        base = LinearRegression().fit(X, y)
        Xs = X.copy()
        Xs[:, 2] *= c
        scaled = LinearRegression().fit(Xs, y)
        expected = base.coef_.copy()
        expected[2] /= c
        assert_allclose(scaled.coef_, expected, rtol=1e-12)
        assert_allclose(scaled.intercept_, base.intercept_, rtol=1e-12)
        assert_allclose(scaled.predict(Xs), base.predict(X), rtol=1e-12)

    @pytest.mark.parametrize("estimator", [LinearRegression(), Ridge(alpha=2.0)])
    @pytest.mark.parametrize("shift", [-4.0, 1e3])
    def test_shifting_a_feature_changes_only_the_intercept(self, estimator, shift):
        """X[:, j] + s leaves coef_ unchanged and moves intercept_ by -s * coef_[j]."""
        X, y = make_data()
        base = estimator.__class__(**estimator.get_params()).fit(X, y)
        Xs = X.copy()
        Xs[:, 1] += shift
        shifted = estimator.__class__(**estimator.get_params()).fit(Xs, y)
        assert_allclose(shifted.coef_, base.coef_, rtol=1e-10)
        assert_allclose(
            shifted.intercept_, base.intercept_ - shift * base.coef_[1], rtol=1e-10, atol=1e-10
        )

    @pytest.mark.parametrize("value", [5.0, 0.1, 1e6 + 0.3])
    @pytest.mark.parametrize("solver", SOLVERS)
    def test_constant_column_gets_zero_coef(self, value, solver):
        """A constant column is absorbed by the intercept: coef 0, rest as sklearn
        fitted without that column."""
        X, y = make_data()
        Xk = np.column_stack([X[:, :2], np.full(len(y), value), X[:, 2:]])
        with warnings.catch_warnings():
            # The column is aliased with the intercept; warning about it is allowed.
            warnings.simplefilter("ignore", RankDeficientWarning)
            ours = LinearRegression(solver=solver).fit(Xk, y)
        ref = sklm.LinearRegression().fit(X, y)
        assert ours.coef_[2] == 0.0
        assert_allclose(np.delete(ours.coef_, 2), ref.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.predict(Xk), ref.predict(X), rtol=RTOL, atol=ATOL)


# =================================================================== 5. DataFrames
def _frames(X, names):
    return {
        "pandas": pd.DataFrame(X, columns=names),
        "polars": pl.DataFrame({n: X[:, j] for j, n in enumerate(names)}),
    }


@pytest.mark.parametrize("kind", ["pandas", "polars"])
@pytest.mark.parametrize("estimator", [LinearRegression(), Ridge(alpha=1.0)])
def test_dataframe_input(kind, estimator):
    """DataFrame input records feature_names_in_ and predicts as the ndarray fit."""
    X, y = make_data()
    names = ["alpha", "beta", "gamma", "delta", "epsilon"]
    frame = _frames(X, names)[kind]
    on_frame = estimator.__class__(**estimator.get_params()).fit(frame, y)
    on_array = estimator.__class__(**estimator.get_params()).fit(X, y)
    assert list(on_frame.feature_names_in_) == names
    assert not hasattr(on_array, "feature_names_in_")
    assert on_frame.n_features_in_ == 5
    Xt, _ = make_data(n=30, seed=4)
    test_frame = _frames(Xt, names)[kind]
    # DataFrames convert to Fortran-ordered arrays, so BLAS sums in another order:
    # equal to rounding (coefficients ~1, predictions cancel terms of ~10).
    assert_allclose(on_frame.predict(test_frame), on_array.predict(Xt), rtol=1e-12, atol=1e-12)
    assert_allclose(on_frame.coef_, on_array.coef_, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_dataframe_with_reordered_columns_raises(kind):
    """Predicting with columns in another order raises ValueError, as in scikit-learn."""
    X, y = make_data()
    names = ["a", "b", "c", "d", "e"]
    frame = _frames(X, names)[kind]
    ours = LinearRegression().fit(frame, y)
    reordered = frame[["b", "a", "c", "d", "e"]]
    ref = sklm.LinearRegression().fit(frame, y)
    with pytest.raises(ValueError, match="feature names"):
        ref.predict(reordered)  # the behaviour being matched
    with pytest.raises(ValueError, match="feature names"):
        ours.predict(reordered)


# ===================================================================== 6. float32
@pytest.mark.parametrize(
    "estimator", [LinearRegression(), Ridge(alpha=1.0), LinearRegression(fit_intercept=False)]
)
@pytest.mark.parametrize("weighted", [False, True])
def test_float32_computed_in_float64(estimator, weighted):
    """float32 X is solved in float64: solution_ equals the fit of the same values upcast,
    and coef_ / intercept_ / predict are float32 as in scikit-learn (the float64 solution
    rounded once)."""
    X, y = make_data(k=None)
    X32 = X.astype(np.float32)
    w = make_weights(len(y)) if weighted else None
    a = estimator.__class__(**estimator.get_params()).fit(X32, y, sample_weight=w)
    b = estimator.__class__(**estimator.get_params()).fit(
        X32.astype(np.float64), y, sample_weight=w
    )
    assert a.coef_.dtype == np.float32
    assert_allclose(a.solution_.coef, b.solution_.coef, rtol=1e-12)
    assert_allclose(a.solution_.intercept, b.solution_.intercept, rtol=1e-12)
    assert np.array_equal(a.coef_, b.coef_.astype(np.float32))
    assert a.predict(X32).dtype == np.float32
    # And the upcast fit is the sklearn fit of the upcast data.
    ref = sklm.LinearRegression(fit_intercept=estimator.fit_intercept)
    if isinstance(estimator, Ridge):
        ref = sklm.Ridge(alpha=estimator.alpha, fit_intercept=estimator.fit_intercept)
    ref.fit(X32.astype(np.float64), y, sample_weight=w)
    assert_allclose(a.solution_.coef[0], ref.coef_, rtol=RTOL, atol=ATOL)


def test_longdouble_input_matches_float64_fit():
    """np.longdouble X is solved by the extended path; float64 coef_ as the float64 fit."""
    X, y = make_data()
    ours = LinearRegression().fit(X.astype(np.longdouble), y)
    ref = sklm.LinearRegression().fit(X, y)
    assert ours.solver_ == "extended"
    assert ours.coef_.dtype == np.float64
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)


# =============================================================== 7. rank deficiency
def _aliased_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n) + 2.0
    x2 = rng.normal(size=n) - 1.0
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x1 + x2})
    y = 1.0 + 2.0 * x1 - 3.0 * x2 + 0.1 * rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("solver", SOLVERS)
def test_aliased_column_warns_and_gives_minimum_norm(solver):
    """x3 = x1 + x2: warns naming 'x3', rank_ 2, coef_ = pinv(centred X) @ centred y."""
    X, y = _aliased_frame()
    with pytest.warns(RankDeficientWarning, match="'x3'") as record:
        ours = LinearRegression(solver=solver).fit(X, y)
    assert not any("'x1'" in str(r.message) or "'x2'" in str(r.message) for r in record)
    assert ours.rank_ == 2
    coef, intercept = pinv_reference(X.to_numpy(), y)
    assert_allclose(ours.coef_, coef, rtol=1e-8)
    assert_allclose(ours.intercept_, intercept, rtol=1e-8)
    ref = sklm.LinearRegression().fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)


def test_aliased_column_without_names_uses_index_label():
    """With an ndarray the aliased column is named by its position (x2 for the third)."""
    X, y = _aliased_frame()
    with pytest.warns(RankDeficientWarning, match="x2"):
        ours = LinearRegression().fit(X.to_numpy(), y)
    coef, _ = pinv_reference(X.to_numpy(), y)
    assert_allclose(ours.coef_, coef, rtol=1e-8)


def test_aliased_column_multi_target():
    """Rank-deficient design with 2-D y: each target is pinv's minimum-norm answer."""
    X, y = _aliased_frame()
    Y = np.column_stack([y, -0.5 * y + X["x1"].to_numpy()])
    with pytest.warns(RankDeficientWarning, match="'x3'"):
        ours = LinearRegression().fit(X, Y)
    coef, intercept = pinv_reference(X.to_numpy(), Y)
    assert_allclose(ours.coef_, coef.T, rtol=1e-8)
    assert_allclose(ours.intercept_, intercept, rtol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
def test_aliased_column_weighted(solver):
    """Weighted, rank deficient: coef_ = pinv(W^1/2 (X - x_w)) @ W^1/2 (y - y_w)."""
    X, y = _aliased_frame()
    w = make_weights(len(y))
    with pytest.warns(RankDeficientWarning, match="'x3'"):
        ours = LinearRegression(solver=solver).fit(X, y, sample_weight=w)
    Xa = X.to_numpy()
    xm, ym = weighted_centre(Xa, w), weighted_centre(y, w)
    sw = np.sqrt(w)
    coef = np.linalg.pinv(sw[:, None] * (Xa - xm)) @ (sw * (y - ym))
    assert_allclose(ours.coef_, coef, rtol=1e-8)
    assert_allclose(ours.intercept_, ym - xm @ coef, rtol=1e-8)
    assert ours.rank_ == 2


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", SOLVERS)
def test_fewer_samples_than_features(fit_intercept, solver):
    """n < p warns, gives pinv's minimum-norm answer and interpolates the training data."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 10)) + 1.0
    Y = rng.normal(size=(6, 2))
    with pytest.warns(RankDeficientWarning):
        ours = LinearRegression(fit_intercept=fit_intercept, solver=solver).fit(X, Y)
    coef, intercept = pinv_reference(X, Y, fit_intercept=fit_intercept)
    assert_allclose(ours.coef_, coef.T, rtol=1e-8, atol=1e-12)
    assert_allclose(ours.intercept_, intercept, rtol=1e-8, atol=1e-12)
    assert_allclose(ours.predict(X), Y, rtol=0, atol=1e-10)
    assert ours.rank_ == (5 if fit_intercept else 6)
    ref = sklm.LinearRegression(fit_intercept=fit_intercept).fit(X, Y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_ridge_fewer_samples_than_features(solver):
    """Ridge with n < p has a unique answer: no warning, equal to sklearn Ridge."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(6, 10)) + 1.0
    y = rng.normal(size=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        ours = Ridge(alpha=0.7, solver=solver).fit(X, y)
    ref = sklm.Ridge(alpha=0.7, solver="cholesky").fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=RTOL, atol=ATOL)


# ============================================================ 8. exact answer
def _factorial_design():
    """3^3 full factorial in levels {-1, 0, 1}: integer, centred and orthogonal."""
    return np.array(list(itertools.product([-1, 0, 1], repeat=3)), dtype=np.float64)


def _integer_design():
    """A non-orthogonal integer design with small, exactly representable entries."""
    return np.array(
        [
            [0, 1, 2],
            [1, 0, 1],
            [2, 3, 0],
            [3, 1, 1],
            [4, 2, 5],
            [1, 4, 2],
            [2, 2, 3],
            [0, 3, 1],
            [5, 0, 2],
            [3, 5, 4],
        ],
        dtype=np.float64,
    )


EXACT_COEF = np.array([1.0, -2.0, 3.0])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("design", [_factorial_design, _integer_design])
def test_exact_answer_recovered(design, solver):
    """y = 2 + X @ [1, -2, 3] exactly (all integers): coef_ and intercept_ to 1e-14."""
    X = design()
    y = 2.0 + X @ EXACT_COEF  # integers: exact in float64
    ours = LinearRegression(solver=solver).fit(X, y)
    assert_allclose(ours.coef_, EXACT_COEF, rtol=1e-14)
    assert_allclose(ours.intercept_, 2.0, rtol=1e-14)
    assert_allclose(ours.predict(X), y, rtol=1e-14, atol=1e-13)
    assert ours.score(X, y) == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("solver", SOLVERS)
def test_exact_ridge_answer_on_orthogonal_design(solver):
    """Orthogonal design, column sums of squares 18: alpha=18 halves every coefficient."""
    X = _factorial_design()
    assert_allclose(X.T @ X, 18 * np.eye(3), rtol=0)  # the construction
    y = 2.0 + X @ EXACT_COEF
    ours = Ridge(alpha=18.0, solver=solver).fit(X, y)
    assert_allclose(ours.coef_, EXACT_COEF / 2, rtol=1e-14)
    assert_allclose(ours.intercept_, 2.0, rtol=1e-14)


def test_package_exports():
    """The public names the tests rely on are exported."""
    assert linreg.RankDeficientWarning is RankDeficientWarning
    assert issubclass(RankDeficientWarning, UserWarning)
