"""Lasso, ElasticNet, LassoCV and ElasticNetCV's remaining scikit-learn 1.9 parameters
(issue 14, deliver 1, the coordinate-descent part): precompute, copy_X, selection,
random_state, check_input, verbose.

Every numeric check compares with scikit-learn's own estimator on the same data run to a
tight tolerance; invalid values must raise the exception type scikit-learn raises (both
are called).  No number is copied from linreg's output.
"""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import ElasticNetCV as SkElasticNetCV
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import LassoCV as SkLassoCV

from linreg import ElasticNet, ElasticNetCV, Lasso, LassoCV

PAIRS = [(Lasso, SkLasso, {}), (ElasticNet, SkElasticNet, {"l1_ratio": 0.3})]
NEW = ("precompute", "copy_X", "selection", "random_state", "warm_start")


def _problem(seed, n=80, p=6, weighted=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-2, 2, p)
    coef = rng.standard_normal(p) * (rng.uniform(size=p) < 0.6)
    y = X @ coef + 0.3 * rng.standard_normal(n) + 1.5
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    return X, y, w


def _sk(cls, X, y, w, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(tol=1e-12, max_iter=1_000_000, **params).fit(X, y, sample_weight=w)


def _close(ours, theirs):
    scale = 1.0 + np.abs(theirs.coef_).max()
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-7 * scale)


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
def test_parameters_accepted(ours, theirs, extra):
    sk_params = theirs().get_params()
    params = ours().get_params()
    for name in NEW:
        assert name in sk_params and name in params
    for name in ("copy_X", "selection", "random_state", "warm_start"):
        assert params[name] == sk_params[name]
    clone(ours(precompute=True, copy_X=False, selection="random", random_state=0))


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "params",
    [
        {"precompute": True},
        {"precompute": False},
        {"copy_X": False},
        {"selection": "random", "random_state": 0},
        {"selection": "cyclic"},
    ],
)
def test_same_solution_as_sklearn(ours, theirs, extra, weighted, params):
    X, y, w = _problem(1, weighted=weighted)
    theirs_fit = _sk(theirs, X, y, w, alpha=0.05, **extra, **params)
    X_before = X.copy()
    ours_fit = ours(alpha=0.05, **extra, **params).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(X, X_before)  # copy_X=False or not, X is untouched
    _close(ours_fit, theirs_fit)
    if "precompute" in params:
        assert ours_fit.solver_ == ("gram" if params["precompute"] else "design")


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
@pytest.mark.parametrize("weighted", [False, True])
def test_precomputed_gram_of_centred_data(ours, theirs, extra, weighted):
    """scikit-learn's documented use: centre X (weighted), pass X' diag(s) X with s the
    weights normalized to sum n_samples."""
    X, y, w = _problem(2, weighted=weighted)
    n = X.shape[0]
    s = np.ones(n) if w is None else w * (n / w.sum())
    Xc = X - (s @ X) / n
    gram = Xc.T @ (s[:, None] * Xc)
    theirs_fit = _sk(theirs, Xc, y, w, alpha=0.05, precompute=gram, **extra)
    ours_fit = ours(alpha=0.05, precompute=gram, **extra).fit(Xc, y, sample_weight=w)
    _close(ours_fit, theirs_fit)
    assert ours_fit.solver_ == "gram"


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
def test_precomputed_gram_without_intercept(ours, theirs, extra):
    X, y, _ = _problem(3)
    gram = X.T @ X
    kw = dict(alpha=0.05, fit_intercept=False, precompute=gram, **extra)
    _close(ours(**kw).fit(X, y), _sk(theirs, X, y, None, **kw))


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
def test_gram_of_uncentred_data_recomputed_with_warning(ours, theirs, extra):
    X, y, _ = _problem(4)
    gram = X.T @ X  # X has nonzero means: both warn and recompute
    with pytest.warns(UserWarning, match="recomputing Gram"):
        theirs_fit = theirs(alpha=0.05, precompute=gram, tol=1e-12, max_iter=10**6, **extra)
        theirs_fit.fit(X, y)
    with pytest.warns(UserWarning, match="recomputing Gram"):
        ours_fit = ours(alpha=0.05, precompute=gram, **extra).fit(X, y)
    _close(ours_fit, theirs_fit)


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
def test_wrong_gram_raises_like_sklearn(ours, theirs, extra):
    X, y, _ = _problem(5)
    Xc = X - X.mean(axis=0)
    bad = Xc.T @ Xc * 1.5  # every entry wrong, so scikit-learn's one-entry check sees it
    with pytest.raises(ValueError):
        theirs(precompute=bad, **extra).fit(Xc, y)
    with pytest.raises(ValueError):
        ours(precompute=bad, **extra).fit(Xc, y)
    one_entry = Xc.T @ Xc
    one_entry[0, 0] *= 2  # an entry scikit-learn does not look at: linreg checks all
    with pytest.raises(ValueError, match="Gram matrix"):
        ours(precompute=one_entry, **extra).fit(Xc, y)
    with pytest.raises(ValueError, match="shape"):
        ours(precompute=np.eye(3), **extra).fit(Xc, y)


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
@pytest.mark.parametrize(
    "params",
    [
        {"precompute": "bogus"},
        {"precompute": None},
        {"copy_X": "yes"},
        {"copy_X": None},
        {"selection": "bogus"},
        {"selection": None},
        {"random_state": "seed"},
        {"random_state": 1.5},
    ],
)
def test_invalid_values_raise_sklearns_exception(ours, theirs, extra, params):
    X, y, _ = _problem(6)
    with pytest.raises(Exception) as theirs_err:
        theirs(**extra, **params).fit(X, y)
    with pytest.raises(Exception) as ours_err:
        ours(**extra, **params).fit(X, y)
    assert type(ours_err.value) is type(theirs_err.value)


@pytest.mark.parametrize("ours, theirs, extra", PAIRS)
def test_check_input_accepted(ours, theirs, extra):
    X, y, _ = _problem(7)
    Xf = np.asfortranarray(X)
    theirs_fit = _sk(theirs, Xf, y, None, alpha=0.05, **extra)
    theirs_fit.fit(Xf, y, check_input=False)
    ours_fit = ours(alpha=0.05, **extra).fit(Xf, y, check_input=False)
    _close(ours_fit, theirs_fit)
    # scikit-learn's contract: check_input=False with a C-ordered X fails (ValueError)
    # unless the fit works on a Gram matrix (precompute=True)
    for est in (theirs(alpha=0.05, **extra), ours(alpha=0.05, **extra)):
        with pytest.raises(ValueError):
            est.fit(np.ascontiguousarray(X), y, check_input=False)
    ours(alpha=0.05, precompute=True, **extra).fit(np.ascontiguousarray(X), y, check_input=False)


def test_precompute_contradicting_solver_raises():
    X, y, _ = _problem(8)
    with pytest.raises(ValueError, match="precompute"):
        Lasso(precompute=True, solver="design").fit(X, y)
    with pytest.raises(ValueError, match="precompute"):
        Lasso(precompute=False, solver="gram").fit(X, y)
    assert Lasso(precompute=True, solver="gram").fit(X, y).solver_ == "gram"


def test_sparse_x_with_precompute():
    X, y, _ = _problem(9)
    X[np.abs(X) < 1.0] = 0.0
    Xs = sparse.csc_matrix(X)
    theirs_fit = _sk(SkLasso, Xs, y, None, alpha=0.05)
    for pre in (True, False, X.T @ X):
        _close(Lasso(alpha=0.05, precompute=pre).fit(Xs, y), theirs_fit)


CV_PAIRS = [(LassoCV, SkLassoCV, {}), (ElasticNetCV, SkElasticNetCV, {"l1_ratio": [0.3, 0.8]})]


def _cv_close(ours, theirs):
    np.testing.assert_allclose(ours.alpha_, theirs.alpha_, rtol=1e-12)
    _close(ours, theirs)


@pytest.mark.parametrize("ours, theirs, extra", CV_PAIRS)
def test_cv_parameters_accepted(ours, theirs, extra):
    sk_params = theirs().get_params()
    params = ours().get_params()
    for name in ("precompute", "copy_X", "selection", "random_state", "verbose"):
        assert name in params
        if name != "precompute":
            assert params[name] == sk_params[name]
    assert params["precompute"] == sk_params["precompute"] == "auto"


@pytest.mark.parametrize("ours, theirs, extra", CV_PAIRS)
@pytest.mark.parametrize(
    "params",
    [
        {"precompute": True},
        {"precompute": False},
        {"copy_X": False, "verbose": 0},
        {"selection": "random", "random_state": 0},
    ],
)
def test_cv_same_choice_as_sklearn(ours, theirs, extra, params):
    X, y, w = _problem(10, n=60, p=5, weighted=True)
    kw = dict(alphas=20, **extra, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_fit = theirs(tol=1e-12, max_iter=1_000_000, **kw).fit(X, y, sample_weight=w)
    ours_fit = ours(path_tol=1e-13, **kw).fit(X, y, sample_weight=w)
    _cv_close(ours_fit, theirs_fit)
    if "precompute" in params:
        assert ours_fit.solver_ == ("gram" if params["precompute"] else "design")


@pytest.mark.parametrize("ours, theirs, extra", CV_PAIRS)
@pytest.mark.parametrize(
    "params",
    [
        {"precompute": "bogus"},
        {"copy_X": "yes"},
        {"selection": "bogus"},
        {"random_state": "seed"},
        {"verbose": "loud"},
    ],
)
def test_cv_invalid_values_raise_sklearns_exception(ours, theirs, extra, params):
    X, y, _ = _problem(11, n=30, p=3)
    with pytest.raises(Exception) as theirs_err:
        theirs(**extra, **params).fit(X, y)
    with pytest.raises(Exception) as ours_err:
        ours(**extra, **params).fit(X, y)
    assert type(ours_err.value) is type(theirs_err.value)


def test_cv_wrong_gram_raises():
    X, y, _ = _problem(12, n=30, p=3)
    Xc = X - X.mean(axis=0)
    with pytest.raises(ValueError, match="Gram matrix"):
        LassoCV(precompute=Xc.T @ Xc * 1.5).fit(Xc, y)
    good = LassoCV(precompute=Xc.T @ Xc, alphas=10, path_tol=1e-13).fit(Xc, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkLassoCV(alphas=10, tol=1e-12, max_iter=10**6).fit(Xc, y)
    _cv_close(good, ref)


def test_float32_gram_accepted_at_float32_rounding():
    X, y, _ = _problem(13)
    Xc = (X - X.mean(axis=0)).astype(np.float32)
    gram = Xc.T @ Xc  # float32 products: scikit-learn checks at rtol 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkLasso(alpha=0.05, precompute=gram, tol=1e-12, max_iter=10**6).fit(Xc, y)
    ours = Lasso(alpha=0.05, precompute=gram).fit(Xc, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-4)
