"""``linreg fit`` against statsmodels and scikit-learn on real datasets exported to CSV.

On all rows (the default) the coefficients and standard errors equal statsmodels OLS;
the 5-fold cross-validated R^2, RMSE and MAE equal scikit-learn's ``cross_validate``
with the same folds (``PredefinedSplit`` of :func:`linreg.split.fold_labels`); reading
in memory, streamed (``--stream``) and on a Dask cluster (``--scheduler``) give the
same figures.
"""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import PredefinedSplit, cross_validate

from linreg.cli import main
from linreg.split import fold_labels

sm = pytest.importorskip("statsmodels.api")

SCORING = ("r2", "neg_root_mean_squared_error", "neg_mean_absolute_error")
RTOL = 1e-10


def _diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame, "target"


def _longley():
    return sm.datasets.longley.load_pandas().data, "TOTEMP"


def _stackloss():
    return sm.datasets.stackloss.load_pandas().data, "STACKLOSS"


DATASETS = {"diabetes": _diabetes, "longley": _longley, "stackloss": _stackloss}


@pytest.fixture(scope="module", params=sorted(DATASETS))
def dataset(request, tmp_path_factory):
    """``(path of the CSV, frame, target)`` for one dataset."""
    frame, target = DATASETS[request.param]()
    frame = frame.astype("float64")
    path = tmp_path_factory.mktemp(request.param) / f"{request.param}.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    return path, pd.read_csv(path), target


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as c:
        yield c.scheduler_address


def fit_json(capsys, *args) -> dict:
    capsys.readouterr()
    assert main(["fit", *map(str, args), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


class ExactOLS(RegressorMixin, BaseEstimator):
    """Least squares with an intercept in 60-digit arithmetic (mpmath): the reference on
    Longley, whose fold designs have condition numbers near 1e10, where scikit-learn's
    LinearRegression (a LAPACK lstsq) is off by 1% on a fold's R^2."""

    def fit(self, X, y):
        import mpmath

        with mpmath.workdps(60):
            A = mpmath.matrix(_rows(X))
            b = mpmath.matrix([mpmath.mpf(float(v)) for v in np.asarray(y)])
            beta = mpmath.lu_solve(A.T * A, A.T * b)
            self.beta_ = [beta[j] for j in range(len(beta))]
        return self

    def predict(self, X):
        import mpmath

        with mpmath.workdps(60):
            fitted = [mpmath.fsum(a * b for a, b in zip(r, self.beta_)) for r in _rows(X)]
            return np.array([float(v) for v in fitted])


def _rows(X):
    """The design rows [1, x] as exact mpmath numbers."""
    import mpmath

    return [[mpmath.mpf(1), *(mpmath.mpf(float(v)) for v in row)] for row in np.asarray(X)]


def reference_ols(target):
    """scikit-learn's LinearRegression, except on Longley (see ExactOLS)."""
    return ExactOLS() if target == "TOTEMP" else LinearRegression()


def sklearn_cv(estimator, frame, target, k=5, seed=0):
    """Mean R^2, RMSE and MAE of scikit-learn's cross_validate on our folds."""
    X, y = frame.drop(columns=target).to_numpy(), frame[target].to_numpy()
    folds = PredefinedSplit(fold_labels(len(y), k, seed))
    scores = cross_validate(estimator, X, y, cv=folds, scoring=SCORING)
    return {
        "r2": scores["test_r2"],
        "rmse": -scores["test_neg_root_mean_squared_error"],
        "mae": -scores["test_neg_mean_absolute_error"],
    }


def assert_cv_equal(doc, target, reference):
    figures = doc["cv"]["targets"][target]

    def number(v):  # JSON null is an undefined figure (R^2 of a one-row fold)
        return np.nan if v is None else v

    for metric, folds in reference.items():
        got = [number(v) for v in figures[metric]["folds"]]
        np.testing.assert_allclose(got, folds, rtol=RTOL, err_msg=metric)
        np.testing.assert_allclose(number(figures[metric]["mean"]), np.mean(folds), rtol=RTOL)
        np.testing.assert_allclose(number(figures[metric]["std"]), np.std(folds), rtol=1e-8)


def assert_statsmodels_equal(doc, frame, target):
    X = sm.add_constant(frame.drop(columns=target))
    ref = sm.OLS(frame[target], X).fit()
    names = ["const", *frame.drop(columns=target).columns]
    for key, want in (("params", ref.params), ("bse", ref.bse)):
        got = [doc["summary"][key][n] for n in names]
        np.testing.assert_allclose(got, want.to_numpy(), rtol=RTOL, err_msg=key)


@pytest.mark.parametrize("mode", ["memory", "stream"])
def test_ols_on_all_rows_equals_statsmodels_and_sklearn_cv(dataset, mode, capsys):
    path, frame, target = dataset
    extra = ["--stream"] if mode == "stream" else []
    doc = fit_json(capsys, path, "--target", target, *extra)
    assert doc["rows"] == {"total": len(frame), "train": len(frame)}
    assert doc["summary"]["nobs"] == len(frame)
    assert_statsmodels_equal(doc, frame, target)
    assert_cv_equal(doc, target, sklearn_cv(reference_ols(target), frame, target))
    assert doc["cv"]["method"] == "moments"


def test_ols_on_a_dask_cluster_gives_the_same_figures(dataset, cluster, capsys):
    path, frame, target = dataset
    doc = fit_json(capsys, path, "--target", target, "--scheduler", cluster)
    assert_statsmodels_equal(doc, frame, target)
    assert_cv_equal(doc, target, sklearn_cv(reference_ols(target), frame, target))


@pytest.mark.parametrize("mode", ["memory", "stream"])
def test_ridge_cv_equals_sklearn(dataset, mode, capsys):
    path, frame, target = dataset
    extra = ["--stream"] if mode == "stream" else []
    doc = fit_json(capsys, path, "--target", target, "--model", "ridge", "--alpha", 0.5, *extra)
    X, y = frame.drop(columns=target), frame[target]
    ref = Ridge(alpha=0.5).fit(X, y)
    got = [doc["coef"][c] for c in X.columns]
    np.testing.assert_allclose(got, ref.coef_, rtol=RTOL)
    assert_cv_equal(doc, target, sklearn_cv(Ridge(alpha=0.5), frame, target))


@pytest.mark.filterwarnings("ignore:R\\^2 score is not well-defined")
def test_seeded_folds_with_ten_folds(dataset, capsys):
    path, frame, target = dataset
    doc = fit_json(capsys, path, "--target", target, "--cv", 10, "--random-state", 7)
    assert doc["cv"]["n_folds"] == 10
    assert_cv_equal(doc, target, sklearn_cv(reference_ols(target), frame, target, 10, 7))


@pytest.mark.parametrize("mode", ["memory", "stream"])
def test_lasso_cv_from_fold_moments_equals_sklearn(tmp_path, mode, capsys):
    """Lasso folds solved by coordinate descent on merged fold Moments (Gram layout) give
    scikit-learn's held-out figures of Lasso refit on each fold's rows (diabetes)."""
    from sklearn.linear_model import Lasso

    frame, target = _diabetes()
    path = tmp_path / "diabetes.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    frame = pd.read_csv(path)
    extra = ["--stream"] if mode == "stream" else []
    doc = fit_json(capsys, path, "--target", target, "--model", "lasso", "--alpha", 0.1, *extra)
    assert doc["cv"]["method"] == "moments"
    ref = sklearn_cv(Lasso(alpha=0.1, tol=1e-14, max_iter=1_000_000), frame, target)
    figures = doc["cv"]["targets"][target]
    for metric, folds in ref.items():
        np.testing.assert_allclose(figures[metric]["folds"], folds, rtol=1e-9, err_msg=metric)
