"""partial_fit: exact incremental least squares on merged Moments.

References: ``fit`` on the concatenation of the chunks (the property promised), scikit-
learn's LinearRegression and Ridge on the concatenation, statsmodels' OLS for the summary,
and invariance over the chunking (hypothesis).
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.linear_model as sk
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg import LinearRegression, Ridge
from linreg.cross_validation import MomentsSource
from linreg.moments import Moments

P = 5


def _data(n, n_targets, seed=0):
    """Well-conditioned data with moderate column offsets, weights in [0.1, 3]."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, P)) * [1.0, 2.0, 0.5, 3.0, 1.0] + [0.0, 5.0, -3.0, 10.0, 1.0]
    Y = X @ rng.normal(size=(P, n_targets)) + 2.0 + rng.normal(size=(n, n_targets))
    w = rng.uniform(0.1, 3.0, size=n)
    return X, (Y[:, 0] if n_targets == 1 else Y), w


def _chunk_sizes(seed=1):
    """100 chunk sizes from 1 row to thousands, in random order (about 50,000 rows)."""
    rng = np.random.default_rng(seed)
    sizes = np.concatenate(
        [np.ones(30, int), rng.integers(2, 60, 40), rng.integers(500, 3000, 30)]
    )
    rng.shuffle(sizes)
    return sizes


def _partial_fits(model, X, y, w, bounds):
    """Feed the chunks ``[bounds[i], bounds[i+1])``; every warning must be true: only
    an underdetermined model (too few rows so far) may warn."""
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.partial_fit(X[lo:hi], y[lo:hi], None if w is None else w[lo:hi])
        if hi - 1 > P:
            assert not caught, [str(c.message) for c in caught]
        else:
            assert all("underdetermined" in str(c.message) for c in caught)
    return model


def _sklearn_twin(model):
    if isinstance(model, Ridge):
        return sk.Ridge(alpha=model.alpha)
    return sk.LinearRegression()


@pytest.mark.parametrize("make", [LinearRegression, lambda: Ridge(alpha=3.0)])
@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_hundred_chunks_equal_fit_on_the_concatenation(make, n_targets, weighted):
    sizes = _chunk_sizes()
    X, y, w = _data(int(sizes.sum()), n_targets)
    w = w if weighted else None
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    model = _partial_fits(make(), X, y, w, bounds)
    whole = make().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, whole.coef_, rtol=1e-12, atol=0)
    np.testing.assert_allclose(model.intercept_, whole.intercept_, rtol=1e-12, atol=0)
    assert model.n_features_in_ == P and model.moments_.n_samples == X.shape[0]
    ref = _sklearn_twin(model).fit(X, y, sample_weight=w)
    assert model.coef_.shape == ref.coef_.shape
    assert np.shape(model.intercept_) == np.shape(ref.intercept_)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10, atol=0)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-10, atol=0)
    np.testing.assert_allclose(model.predict(X[:50]), ref.predict(X[:50]), rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 79), max_size=15, unique=True),
    order=st.randoms(use_true_random=False),
    ridge=st.booleans(),
    weighted=st.booleans(),
    n_targets=st.sampled_from([1, 2]),
)
def test_any_chunking_in_any_order_gives_the_same_model(cuts, order, ridge, weighted, n_targets):
    X, y, w = _data(80, n_targets, seed=3)
    w = w if weighted else None
    make = (lambda: Ridge(alpha=0.7)) if ridge else LinearRegression
    bounds = [0, *sorted(cuts), 80]
    chunks = list(zip(bounds[:-1], bounds[1:]))
    order.shuffle(chunks)
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an early chunk of a few rows is underdetermined
        for lo, hi in chunks:
            model.partial_fit(X[lo:hi], y[lo:hi], None if w is None else w[lo:hi])
    ref = _sklearn_twin(model).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10, atol=0)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-10, atol=0)


def test_partial_fit_after_fit_adds_rows_and_fit_starts_over():
    X, y, _ = _data(600, 1)
    model = LinearRegression().fit(X[:200], y[:200])
    model.partial_fit(X[200:400], y[200:400])
    ref = sk.LinearRegression().fit(X[:400], y[:400])
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    model.fit(X[400:], y[400:])  # starts over: the earlier rows are forgotten
    np.testing.assert_allclose(model.coef_, sk.LinearRegression().fit(X[400:], y[400:]).coef_)
    model.partial_fit(X[:100], y[:100])
    both = np.r_[400:600, 0:100]
    ref = sk.LinearRegression().fit(X[both], y[both])
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-10)


def test_the_moments_survive_pickling():
    X, y, w = _data(300, 2)
    model = Ridge(alpha=2.0).partial_fit(X[:150], y[:150], w[:150])
    model = pickle.loads(pickle.dumps(model))
    model.partial_fit(X[150:], y[150:], w[150:])
    ref = sk.Ridge(alpha=2.0).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)


def test_first_call_sets_names_later_calls_must_match():
    X, y, _ = _data(100, 1)
    df = pd.DataFrame(X, columns=list("abcde"))
    model = LinearRegression().partial_fit(df[:50], y[:50])
    assert list(model.feature_names_in_) == list("abcde") and model.n_features_in_ == P
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="unseen at fit time:\n- z"):
        model.partial_fit(df.rename(columns={"a": "z"})[50:], y[50:])
    with pytest.raises(ValueError, match="same order"):
        model.partial_fit(df[list("bacde")][50:], y[50:])
    with pytest.raises(ValueError, match="yet now missing:\n- e"):
        model.partial_fit(df.iloc[50:, :4], y[50:])
    with pytest.raises(ValueError, match="y has 2 target.*fitted on 1"):
        model.partial_fit(df[50:], np.c_[y[50:], y[50:]])
    np.testing.assert_array_equal(model.coef_, coef)  # refusals change nothing
    assert model.moments_.n_samples == 50
    model.partial_fit(df[50:], y[50:])
    assert list(model.feature_names_in_) == list("abcde")
    np.testing.assert_allclose(model.coef_, sk.LinearRegression().fit(X, y).coef_, rtol=1e-10)
    unnamed = LinearRegression().partial_fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="X has 4 features.*expecting 5"):
        unnamed.partial_fit(X[50:, :4], y[50:])


def test_dtype_and_shapes_follow_fit():
    X, y, _ = _data(200, 1)
    X32 = X.astype(np.float32)
    model = LinearRegression().partial_fit(X32[:100], y[:100]).partial_fit(X32[100:], y[100:])
    ref = sk.LinearRegression().fit(X32, y)
    assert model.coef_.dtype == ref.coef_.dtype == np.float32
    assert model.predict(X32).dtype == ref.predict(X32).dtype
    ridge = Ridge().partial_fit(X[:100], y[:100, None]).partial_fit(X[100:], y[100:, None])
    ref = sk.Ridge().fit(X, y[:, None])
    assert ridge.coef_.shape == ref.coef_.shape and ridge.intercept_.shape == ref.intercept_.shape


@pytest.mark.parametrize("solver", ["qr", "svd", "extended", "gd", "autograd", "torch"])
def test_solvers_that_need_x_have_no_partial_fit(solver):
    """The exact solvers that need X have no partial_fit (AttributeError saying why);
    the iterative trainers have one: one epoch per call (tests/test_partial_fit_iterative.py),
    here its API as scikit-learn's SGDRegressor.partial_fit (self, n_features_in_, coef_)."""
    X, y, _ = _data(40, 1)
    model = LinearRegression(solver=solver)
    if solver in ("gd", "autograd", "torch"):
        assert hasattr(model, "partial_fit")
        ref = sk.SGDRegressor().partial_fit(X, y)
        assert model.partial_fit(X, y) is model and model.partial_fit(X, y) is model
        assert model.n_iter_ == 2 and model.n_features_in_ == ref.n_features_in_
        assert model.coef_.shape == ref.coef_.shape
        assert model.moments_.n_samples == 80  # every call's rows are merged
        return
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        model.partial_fit(np.ones((3, 1)), np.ones(3))
    assert f"solver={solver!r} cannot run on them; use one of 'auto'" in str(info.value.__cause__)


@pytest.mark.parametrize("solver", ["cholesky", "eigh"])
def test_moments_solvers_run(solver):
    X, y, w = _data(400, 1)
    model = Ridge(alpha=0.5, solver=solver)
    for lo in range(0, 400, 37):
        model.partial_fit(X[lo : lo + 37], y[lo : lo + 37], w[lo : lo + 37])
    ref = sk.Ridge(alpha=0.5).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    assert model.solver_ == solver


def test_summary_needs_the_rows_and_takes_them():
    X, y, _ = _data(300, 1)
    model = LinearRegression()
    for lo in range(0, 300, 60):
        model.partial_fit(X[lo : lo + 60], y[lo : lo + 60])
    with pytest.raises(ValueError, match="partial_fit.*pass X=, y="):
        model.summary()
    s = model.summary(X=X, y=y)
    ols = sm.OLS(y, sm.add_constant(X)).fit()
    np.testing.assert_allclose(np.asarray(s.params), ols.params, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(s.bse), ols.bse, rtol=1e-10)


def test_ill_conditioned_data_warns_truly_as_a_fit_from_moments():
    t = np.linspace(0.0, 1.0, 400)
    X = np.vander(t, 9, increasing=True)[:, 1:]
    y = X @ np.ones(8) + np.sin(7 * t)
    with warnings.catch_warnings(record=True) as direct:
        warnings.simplefilter("always")
        ref = LinearRegression().fit(MomentsSource(Moments.from_arrays(X, y)))
    model = LinearRegression()
    for lo in range(0, 400, 100):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.partial_fit(X[lo : lo + 100], y[lo : lo + 100])
    assert direct and [c.category for c in caught] == [c.category for c in direct]
    assert "Moments alone" in str(caught[0].message) and model.solver_ == ref.solver_
    # The warning is true: the error it states bounds the actual one (QR on X).
    exact = np.linalg.lstsq(np.c_[np.ones(400), X], y, rcond=None)[0][1:]
    error = np.linalg.norm(model.coef_ - exact) / np.linalg.norm(exact)
    assert 0 < error <= model.solution_.error_estimate
