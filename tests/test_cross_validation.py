"""linreg.cross_validation.cross_validate against scikit-learn on the same folds.

Fold models of exact estimators are solved from merged fold Moments; the reference here
refits scikit-learn on the rows of each fold and scores with its metrics (weighted with
the fold's weights), so the two share nothing but the data and the fold labels.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.linear_model import Ridge as SkRidge
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

import linreg
from linreg.cross_validation import cross_validate
from linreg.split import fold_labels

RTOL = 1e-10


def data(n=157, p=4, k=1, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * [1, 10, 0.1, 3][:p] + offset
    B = rng.normal(size=(p, k))
    Y = X @ B + rng.normal(size=(n, k)) + 5
    w = rng.uniform(0, 3, n)
    w[rng.random(n) < 0.1] = 0.0  # zero weights count in n, not in any figure
    return X, (Y[:, 0] if k == 1 else Y), w


def reference(sk_estimator, X, Y, w, n_folds, seed):
    """Per-fold (r2, rmse, mae), each (n_folds, n_targets), by refitting scikit-learn."""
    labels = fold_labels(len(X), n_folds, seed)
    out = {"r2": [], "rmse": [], "mae": []}
    for f in range(n_folds):
        tr, te = labels != f, labels == f
        wt = None if w is None else w[tr]
        we = None if w is None else w[te]
        pred = sk_estimator.fit(X[tr], Y[tr], sample_weight=wt).predict(X[te])
        kw = {"sample_weight": we, "multioutput": "raw_values"}
        out["r2"].append(r2_score(Y[te], pred, **kw))
        out["rmse"].append(root_mean_squared_error(Y[te], pred, **kw))
        out["mae"].append(mean_absolute_error(Y[te], pred, **kw))
    return {m: np.array(v) for m, v in out.items()}


def assert_matches(result, ref, rtol=RTOL):
    for metric in ("r2", "rmse", "mae"):
        np.testing.assert_allclose(getattr(result, metric), ref[metric], rtol=rtol, err_msg=metric)
        np.testing.assert_allclose(result.mean(metric), ref[metric].mean(axis=0), rtol=rtol)


@pytest.mark.parametrize("n_folds", [2, 3, 10])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_ols_and_ridge_equal_sklearn(n_folds, k, weighted):
    X, Y, w = data(k=k, seed=n_folds)
    w = w if weighted else None
    for ours, theirs in (
        (linreg.LinearRegression(), SkLinearRegression()),
        (linreg.Ridge(alpha=2.5), SkRidge(alpha=2.5)),
    ):
        result = cross_validate(ours, X, Y, n_folds=n_folds, random_state=4, sample_weight=w)
        assert result.method == "moments"
        assert result.r2.shape == (n_folds, k)
        assert_matches(result, reference(theirs, X, Y, w, n_folds, 4))
        sizes = np.bincount(fold_labels(len(X), n_folds, 4), minlength=n_folds)
        np.testing.assert_array_equal(result.fold_sizes, sizes)


def test_large_offset_does_not_cancel():
    """Columns near 1e8 with unit spread: fold Moments are merged, never subtracted."""
    X, y, _ = data(n=300, p=3, offset=1e8)
    result = cross_validate(linreg.LinearRegression(), X, y, n_folds=5, random_state=1)
    ref = reference(SkLinearRegression(), X - 1e8, y, None, 5, 1)  # exact shift of X
    assert_matches(result, ref, rtol=1e-8)


def test_iterative_solver_refits_each_fold():
    X, y, w = data(n=120, p=3)
    result = cross_validate(
        linreg.LinearRegression(solver="gd"), X, y, n_folds=3, random_state=0, sample_weight=w
    )
    assert result.method == "refit"
    assert_matches(result, reference(SkLinearRegression(), X, y, w, 3, 0), rtol=1e-6)


def test_solver_needing_rows_refits_and_agrees():
    X, y, _ = data(n=90, p=3)
    result = cross_validate(linreg.LinearRegression(solver="qr"), X, y, n_folds=4)
    assert result.method == "refit"
    assert_matches(result, reference(SkLinearRegression(), X, y, None, 4, 0))


def test_lasso_from_moments_equals_lasso_refit_on_rows():
    """Invariance: the Gram layout on merged fold Moments and the design layout refit on
    each fold's rows solve the same problems."""
    X, y, w = data(n=200, p=4)
    gram = cross_validate(linreg.Lasso(alpha=0.05, tol=1e-12), X, y, sample_weight=w)
    rows = cross_validate(
        linreg.Lasso(alpha=0.05, solver="design", tol=1e-12), X, y, sample_weight=w
    )
    assert (gram.method, rows.method) == ("moments", "refit")
    for metric in ("r2", "rmse", "mae"):
        np.testing.assert_allclose(getattr(gram, metric), getattr(rows, metric), rtol=1e-7)


@pytest.mark.parametrize("batch_size", [1, 7, 64, 100_000])
def test_streamed_cv_does_not_depend_on_batches(tmp_path, batch_size):
    X, y, w = data(n=211, p=3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y, w=w)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    frame = pd.read_csv(path)
    X, y, w = frame[["a", "b", "c"]].to_numpy(), frame["y"].to_numpy(), frame["w"].to_numpy()
    scan = linreg.scan(path, target="y", weights="w", batch_size=batch_size)
    result = cross_validate(linreg.Ridge(alpha=1.0), scan, n_folds=3, random_state=9)
    assert_matches(result, reference(SkRidge(alpha=1.0), X, y, w, 3, 9))


@pytest.mark.parametrize("n_folds", [2, 3, 10])
def test_fold_rule_does_not_depend_on_batches(n_folds):
    n = 1000
    whole = fold_labels(n, n_folds, 5)
    for cuts in ([1, 333, 0, 666], [7] * 142 + [6], [999, 1]):
        starts = np.concatenate([[0], np.cumsum(cuts)[:-1]])
        pieces = [fold_labels(m, n_folds, 5, start=s) for m, s in zip(cuts, starts)]
        np.testing.assert_array_equal(np.concatenate(pieces), whole)
    sizes = np.bincount(whole, minlength=n_folds)
    assert sizes.max() - sizes.min() <= 1


def test_dask_cv_equals_in_memory():
    distributed = pytest.importorskip("distributed")
    dd = pytest.importorskip("dask.dataframe")
    X, Y, w = data(n=301, p=3, k=2)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y0=Y[:, 0], y1=Y[:, 1], w=w)
    with distributed.LocalCluster(processes=False, n_workers=1, dashboard_address=None) as c:
        with distributed.Client(c):
            parts = dd.from_pandas(frame, npartitions=4)
            result = cross_validate(
                linreg.LinearRegression(),
                parts[["a", "b", "c"]],
                parts[["y0", "y1"]],
                sample_weight=parts["w"],
                n_folds=3,
                random_state=2,
            )
    assert_matches(result, reference(SkLinearRegression(), X, Y, w, 3, 2))


def test_too_few_rows_and_folds_are_refused():
    from linreg.cross_validation import TooFewRowsError

    X, y, _ = data(n=4, p=1)
    with pytest.raises(TooFewRowsError, match="at least 5 rows"):
        cross_validate(linreg.LinearRegression(), X, y, n_folds=5)
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_validate(linreg.LinearRegression(), X, y, n_folds=1)


@pytest.mark.parametrize("batch_size", [1, 10, 1000])
def test_part_source_selects_holdout_labels_rows(tmp_path, batch_size):
    """split.PartSource (the streamed held-out part) keeps exactly the rows that
    holdout_labels gives the in-memory split, whatever the batch size."""
    from linreg.split import TEST, TRAIN, PartSource, holdout_labels

    X, y, _ = data(n=97, p=2)
    path = tmp_path / "d.csv"
    pd.DataFrame(X, columns=["a", "b"]).assign(y=y).to_csv(path, index=False)
    scan = linreg.scan(path, target="y", batch_size=batch_size)
    labels = holdout_labels(97, 0.3, 0.1, 11)
    for part in (TRAIN, TEST):
        rows = np.concatenate([Xb for Xb, _, _ in PartSource(scan, 0.3, 0.1, 11, part).batches()])
        np.testing.assert_allclose(rows, pd.read_csv(path)[["a", "b"]].to_numpy()[labels == part])


def test_train_val_test_split_holds_out_the_smallest_uniforms():
    """Exact counts (round(size * n)), and the test rows are those with the smallest
    row uniforms: the rows holdout_labels holds out, up to the rounding of the count."""
    from linreg.split import row_uniforms, train_val_test_split

    n = 200
    X = np.arange(n, dtype=float)[:, None]
    _, X_val, X_test, *_ = train_val_test_split(X, X[:, 0], val_size=0.1, test_size=0.25,
                                                random_state=3)  # fmt: skip
    order = np.argsort(row_uniforms(3, 0, n))
    assert len(X_test) == 50 and len(X_val) == 20
    assert set(X_test[:, 0].astype(int)) == set(order[:50])
    assert set(X_val[:, 0].astype(int)) == set(order[50:70])
