"""scikit-learn's estimator checks on every estimator and solver family, in one place.

:func:`sklearn.utils.estimator_checks.parametrize_with_checks` runs scikit-learn's own
contract checks (cloning, parameters untouched by fit, fitted attributes, shapes and
dtypes, sample-weight equivalences, pickling, feature names, ...) on each instance below:
LinearRegression with every exact solver, ``positive=True`` and the iterative trainers;
Ridge with linreg's default and every scikit-learn solver name; RidgeCV by leave-one-out
and by k-fold; Lasso and ElasticNet by coordinate descent and by the proximal trainers;
LassoCV and ElasticNetCV.  The reference is scikit-learn's checks themselves.

The expected failures are the ones scikit-learn lists for its own estimators
(``sklearn.utils._test_common.instance_generator``), with the reason.
"""

from __future__ import annotations

import importlib.util
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from linreg import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LinearRegression,
    RankDeficientWarning,
    Ridge,
    RidgeCV,
)

HAS_TORCH = importlib.util.find_spec("torch") is not None

#: Ridge's solver names whose ``n_iter_`` is None, as scikit-learn's own (direct solves
#: and CG): scikit-learn lists check_non_transformer_estimators_n_iter as an expected
#: failure of its Ridge for that reason.
RIDGE_WITHOUT_N_ITER = ("auto", "svd", "cholesky", "qr", "eigh", "extended", "sparse_cg", "lbfgs")

#: The trainers' epoch cap here: some checks fit data without a unique optimum (one
#: sample, rows of weight 0), where the certified stop never comes and the default cap
#: (100,000 epochs) would take minutes; the checks pass at this cap (a ConvergenceWarning).
TRAINER_EPOCHS = 2000

ESTIMATORS = [
    # LinearRegression: every exact solver, positive=True, the trainers
    LinearRegression(),
    *(LinearRegression(solver=s) for s in ("cholesky", "qr", "svd", "eigh")),
    LinearRegression(fit_intercept=False, solver="extended"),
    LinearRegression(positive=True),
    LinearRegression(solver="gd", max_iter=TRAINER_EPOCHS),
    # Ridge: linreg's default, then scikit-learn's names (lbfgs needs positive=True)
    Ridge(),
    Ridge(alpha=0.5, solver="qr"),
    *(Ridge(solver=s) for s in ("svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga")),
    Ridge(solver="lbfgs", positive=True),
    Ridge(positive=True),
    Ridge(solver="gd", max_iter=TRAINER_EPOCHS),
    # RidgeCV: efficient leave-one-out, k-fold
    RidgeCV(),
    RidgeCV(cv=3),
    RidgeCV([0.5, 5.0], fit_intercept=False),
    # coordinate descent and the proximal trainers
    Lasso(),
    ElasticNet(l1_ratio=0.3),
    Lasso(positive=True),
    Lasso(solver="gd", max_iter=TRAINER_EPOCHS),
    LassoCV(cv=3, alphas=5),
    ElasticNetCV(cv=3, alphas=5, l1_ratio=[0.3, 1.0]),
]
if HAS_TORCH:
    ESTIMATORS += [
        LinearRegression(solver="autograd", max_iter=TRAINER_EPOCHS),
        LinearRegression(solver="torch", optimizer="lbfgs", max_iter=TRAINER_EPOCHS),
        ElasticNet(l1_ratio=0.3, solver="torch", max_iter=TRAINER_EPOCHS),
    ]


def _expected_failed_checks(estimator) -> dict:
    """scikit-learn's own expected failures for the same estimator, with its reason."""
    if isinstance(estimator, Ridge) and estimator.solver in RIDGE_WITHOUT_N_ITER:
        return {"check_non_transformer_estimators_n_iter": "n_iter_ None, as scikit-learn's"}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        # the checks fit odd, tiny data: n < p (rank-deficient, warned), few iterations
        warnings.simplefilter("ignore", RankDeficientWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.skipif(HAS_TORCH, reason="torch is installed: its trainers are checked above")
def test_torch_trainers_are_skipped_without_torch():
    """Without torch the torch trainers are not in the list (nothing to check)."""
    assert not any(getattr(e, "solver", None) in ("autograd", "torch") for e in ESTIMATORS)
