"""Ridge's parameters as scikit-learn 1.9 has them (issue 14, deliver 4 and Ridge's part
of deliver 1).

Every check compares with scikit-learn's own Ridge on the same data (its same solver at
a tight tolerance, and its direct 'svd' solve as the exact reference), or with an
invariance; no number is copied from linreg's output.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import nnls
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge as SkRidge
from sklearn.utils._param_validation import InvalidParameterError

from linreg import Ridge
from linreg.ridge import NAMED_ITERATIVE
from linreg.solvers import SOLVERS

SKLEARN_SOLVERS = ("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga")
EXACT_ROUTES = set(SOLVERS) | {"cholesky+refine"}


def _problem(seed, n=60, p=5, n_targets=1, weighted=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-2, 2, p)
    coef = rng.standard_normal((p, n_targets))
    Y = X @ coef + 0.3 * rng.standard_normal((n, n_targets)) + 1.5
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    return X, (Y[:, 0] if n_targets == 1 else Y), w


def _sklearn(X, y, w, tol=1e-12, **params):
    """scikit-learn's Ridge, its iterative solvers run to a tight tolerance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sag/saga's ConvergenceWarning on scaled data
        return SkRidge(tol=tol, max_iter=200_000, **params).fit(X, y, sample_weight=w)


def _rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("solver", SKLEARN_SOLVERS)
@pytest.mark.parametrize(
    ("n_targets", "weighted", "fit_intercept"),
    [(1, False, True), (1, True, True), (3, True, True), (2, False, False)],
)
def test_every_solver_name_reaches_sklearns_optimum(solver, n_targets, weighted, fit_intercept):
    X, y, w = _problem(3 + n_targets, n_targets=n_targets, weighted=weighted)
    alpha = 2.5
    ours = Ridge(alpha=alpha, solver=solver, fit_intercept=fit_intercept).fit(X, y, w)
    same = _sklearn(X, y, w, alpha=alpha, solver=solver, fit_intercept=fit_intercept)
    exact = _sklearn(X, y, w, alpha=alpha, solver="svd", fit_intercept=fit_intercept)
    # scikit-learn's same solver, to its (tight) tolerance
    assert _rel(ours.coef_, same.coef_) < 1e-6
    assert np.allclose(ours.intercept_, same.intercept_, rtol=1e-6, atol=1e-8)
    # exact routes: scikit-learn's direct solve to 1e-10; the named iterations are
    # certified to 1e-10 in the 2-norm (1e-9 entrywise and for the intercept)
    rtol = 1e-9 if solver in NAMED_ITERATIVE else 1e-10
    assert _rel(ours.coef_, exact.coef_) < rtol
    assert np.allclose(ours.intercept_, exact.intercept_, rtol=rtol, atol=1e-12)
    assert ours.coef_.shape == same.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(same.intercept_)
    assert type(ours.intercept_) is type(same.intercept_)
    if solver in NAMED_ITERATIVE:  # the named method ran; n_iter_ as scikit-learn's
        assert ours.solver_ == solver
        assert (ours.n_iter_ is None) == (same.n_iter_ is None)
        assert np.shape(ours.n_iter_) == np.shape(same.n_iter_)
    else:
        assert ours.solver_ in EXACT_ROUTES  # the exact path that actually ran
        assert ours.n_iter_ is None  # scikit-learn's value for svd/cholesky


@pytest.mark.parametrize("solver", SKLEARN_SOLVERS)
def test_float32_in_float32_out(solver):
    X, y, w = _problem(11, n_targets=1, weighted=True)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours = Ridge(alpha=1.0, solver=solver).fit(X32, y32, w)
    same = _sklearn(X32, y32, w, tol=1e-7, alpha=1.0, solver=solver)  # float32 reaches ~1e-7
    assert ours.coef_.dtype == same.coef_.dtype == np.float32
    assert type(ours.intercept_) is type(same.intercept_) is np.float32
    assert ours.predict(X32).dtype == same.predict(X32).dtype == np.float32
    # computed in float64: the float64 optimum of the float32 data, rounded once
    exact = _sklearn(X32.astype(np.float64), y32.astype(np.float64), w, alpha=1.0, solver="svd")
    np.testing.assert_allclose(ours.coef_, exact.coef_.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, np.float32(exact.intercept_), rtol=1e-6)
    assert _rel(ours.coef_, same.coef_) < 1e-4  # scikit-learn works in float32


def test_alpha_per_target_and_broadcast_as_sklearn():
    X, Y, w = _problem(5, n_targets=3, weighted=True)
    for alpha in ([0.5, 4.0, 30.0], np.array([2.0]), [7.0]):
        ours = Ridge(alpha=alpha, solver="sag").fit(X, Y, w)
        exact = _sklearn(X, Y, w, alpha=np.asarray(alpha), solver="svd")
        # SAG runs, certified to 1e-10 in the 2-norm (1e-9 entrywise, any seed)
        assert _rel(ours.coef_, exact.coef_) < 1e-9
        np.testing.assert_allclose(ours.intercept_, exact.intercept_, rtol=1e-9)


def test_single_target_2d_y_shapes_as_sklearn():
    X, y, _ = _problem(6)
    Y = y[:, None]
    for fit_intercept in (True, False):
        ours = Ridge(solver="lsqr", fit_intercept=fit_intercept).fit(X, Y)
        same = _sklearn(X, Y, None, solver="lsqr", fit_intercept=fit_intercept)
        assert ours.coef_.shape == same.coef_.shape
        assert np.shape(ours.intercept_) == np.shape(same.intercept_)
        assert type(ours.intercept_) is type(same.intercept_)
        assert ours.predict(X).shape == same.predict(X).shape


def test_feature_names_and_n_features_in_as_sklearn():
    X, y, _ = _problem(7)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    ours = Ridge(solver="saga").fit(frame, y)
    same = _sklearn(frame, y, None, solver="saga")
    assert ours.n_features_in_ == same.n_features_in_
    np.testing.assert_array_equal(ours.feature_names_in_, same.feature_names_in_)


# Invalid values: the exception type scikit-learn raises, found by calling it.
INVALID = [
    dict(alpha=-1.0),
    dict(alpha=np.nan),
    dict(alpha="big"),
    dict(alpha=[1.0, 2.0]),  # two penalties, one target
    dict(fit_intercept="yes"),
    dict(fit_intercept=None),
    dict(copy_X="no"),
    dict(max_iter=0),
    dict(max_iter=2.5),
    dict(max_iter="10"),
    dict(tol=-1e-3),
    dict(tol="tight"),
    dict(solver="magic"),
    dict(solver=None),
    dict(positive="yes"),
    dict(random_state="seed"),
    dict(random_state=1.5),
    dict(solver="lbfgs"),  # scikit-learn: lbfgs only with positive=True
    dict(positive=True, solver="svd"),
    dict(positive=True, solver="sag"),
]


@pytest.mark.parametrize("params", INVALID, ids=lambda p: repr(p))
def test_invalid_values_raise_what_sklearn_raises(params):
    X, y, _ = _problem(8)
    with pytest.raises(Exception) as theirs:
        SkRidge(**params).fit(X, y)
    with pytest.raises(Exception) as ours:
        Ridge(**params).fit(X, y)
    assert ours.type is theirs.type, (ours.value, theirs.value)


def test_invalid_parameter_error_names_the_parameter():
    X, y, _ = _problem(8)
    with pytest.raises(InvalidParameterError, match="'solver' parameter of Ridge"):
        Ridge(solver="newton").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'tol' parameter of Ridge"):
        Ridge(tol=-1.0).fit(X, y)


def _nnls_ridge(X, y, w, alpha, fit_intercept=True):
    """The exact non-negative ridge solution: scipy.optimize.nnls on the centred,
    weighted design stacked on ``sqrt(alpha) I`` (the intercept free)."""
    w = np.ones(len(y)) if w is None else w
    x_mean = np.average(X, axis=0, weights=w) if fit_intercept else np.zeros(X.shape[1])
    y_mean = np.average(y, weights=w) if fit_intercept else 0.0
    root = np.sqrt(w)
    A = np.vstack([(X - x_mean) * root[:, None], np.sqrt(alpha) * np.eye(X.shape[1])])
    b = np.r_[(y - y_mean) * root, np.zeros(X.shape[1])]
    coef, _ = nnls(A, b)
    return coef, y_mean - x_mean @ coef


@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
@pytest.mark.parametrize(
    ("weighted", "fit_intercept"), [(False, True), (True, True), (True, False)]
)
def test_positive_is_exact_nonnegative_ridge(solver, weighted, fit_intercept):
    X, y, w = _problem(9, n=80, p=6, weighted=weighted)
    y = y - 2.0 * X[:, 1] - 0.8 * X[:, 3]  # some constraints active
    alphas = [0.5, 20.0]
    Y = np.column_stack([y, -0.5 * y + X[:, 0]])
    ours = Ridge(alpha=alphas, positive=True, solver=solver, fit_intercept=fit_intercept)
    ours.fit(X, Y, w)
    same = _sklearn(X, Y, w, alpha=np.array(alphas), positive=True, solver=solver,
                    fit_intercept=fit_intercept)
    for k, alpha in enumerate(alphas):
        coef, intercept = _nnls_ridge(X, Y[:, k], w, alpha, fit_intercept)
        assert (coef == 0).any() and (coef > 0).any()
        assert _rel(ours.coef_[k], coef) < 1e-10
        fitted = ours.intercept_[k] if fit_intercept else ours.intercept_  # 0.0 without
        assert abs(fitted - intercept) <= 1e-10 * max(1.0, abs(intercept))
        assert _rel(ours.coef_[k], same.coef_[k]) < 1e-5  # L-BFGS-B to its tolerance
    assert (ours.coef_ >= 0).all()
    assert ours.solver_.startswith("nnls")
    assert np.shape(ours.intercept_) == np.shape(same.intercept_)
    assert type(ours.intercept_) is type(same.intercept_)


def test_positive_float32_and_single_target_as_sklearn():
    X, y, w = _problem(15, weighted=True)
    y = y - 1.5 * X[:, 0]
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ours = Ridge(alpha=2.0, positive=True).fit(X32, y32, w)
    same = _sklearn(X32, y32, w, alpha=2.0, positive=True)
    assert ours.coef_.dtype == same.coef_.dtype == np.float32
    assert type(ours.intercept_) is type(same.intercept_)
    coef, _ = _nnls_ridge(X32.astype(np.float64), y32.astype(np.float64), w, 2.0)
    np.testing.assert_allclose(ours.coef_, coef.astype(np.float32), rtol=1e-6, atol=1e-7)


def test_params_clone_round_trip_with_sklearns_names():
    sk_params = SkRidge().get_params()
    ours = Ridge()
    params = ours.get_params()
    assert set(sk_params) <= set(params)
    for name, value in sk_params.items():
        if name != "tol":  # None: 1e-4 for scikit-learn's names (unused: exact), 1e-9 trainers
            assert params[name] == value, name
    chosen = dict(
        alpha=0.3,
        fit_intercept=False,
        copy_X=False,
        max_iter=50,
        tol=1e-6,
        solver="sparse_cg",
        positive=False,
        random_state=7,
    )
    ours.set_params(**chosen)
    twin = clone(ours)
    sk_twin = clone(SkRidge().set_params(**chosen))
    for name in chosen:
        assert twin.get_params()[name] == sk_twin.get_params()[name] == chosen[name], name
    X, y, w = _problem(10, weighted=True)
    exact = _sklearn(X, y, w, alpha=0.3, fit_intercept=False, solver="svd")
    assert _rel(twin.fit(X, y, w).coef_, exact.coef_) < 1e-10
    assert twin.intercept_ == exact.intercept_ == 0.0


def test_copy_x_and_random_state_do_not_change_the_answer_or_x():
    X, y, w = _problem(12, weighted=True)
    X_before = X.copy()
    reference = Ridge(alpha=3.0).fit(X, y, w)
    for solver in ("sag", "saga"):
        for random_state in (None, 0, np.random.RandomState(5)):
            model = Ridge(alpha=3.0, solver=solver, copy_X=False, random_state=random_state)
            model.fit(X, y, w)
            np.testing.assert_array_equal(X, X_before)  # X never modified
            # any seed: the optimum, certified to 1e-10 in the 2-norm
            np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-9)


def test_max_iter_caps_the_named_iterations_and_tol_does_not_loosen_them():
    X, y, _ = _problem(13, n_targets=2)
    exact = _sklearn(X, y, None, alpha=1.0, solver="svd")
    for solver in NAMED_ITERATIVE:
        with pytest.warns(ConvergenceWarning, match="max_iter=1"):
            model = Ridge(alpha=1.0, solver=solver, max_iter=1, tol=0.5).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same = SkRidge(alpha=1.0, solver=solver, max_iter=1, tol=0.5).fit(X, y)
        assert model.solver_ == solver
        if same.n_iter_ is None:
            assert model.n_iter_ is None
        else:
            np.testing.assert_array_equal(model.n_iter_, same.n_iter_)
        loose = Ridge(alpha=1.0, solver=solver, tol=0.5).fit(X, y)  # certified anyway
        assert _rel(loose.coef_, exact.coef_) < 1e-9


def test_trainers_keep_their_epoch_count():
    X, y, _ = _problem(14)
    model = Ridge(alpha=1.0, solver="gd", max_iter=5, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stopped at max_iter, as asked
        model.fit(X, y)
    assert model.n_iter_ == 5


def test_validation_keeps_warnings_pointing_at_the_caller():
    X, y, _ = _problem(16, n=4, p=6)
    with pytest.warns(UserWarning) as caught:
        Ridge(alpha=0.0, solver="sag").fit(X, y)  # underdetermined: minimum-norm warning
    assert any(record.filename == __file__ for record in caught)


def test_positive_refuses_least_squares_inference():
    X, y, _ = _problem(17)
    model = Ridge(alpha=1.0, positive=True).fit(X, y - 2.0 * X[:, 0])
    with pytest.raises(ValueError, match="not available for positive=True"):
        model.summary()
    with pytest.raises(ValueError, match="not available for positive=True"):
        model.predict(X, interval="prediction")
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)
    Ridge(alpha=1.0).fit(X, y).summary()  # unconstrained: inference as before
