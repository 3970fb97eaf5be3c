"""Input checks that name what is wrong and where.

scikit-learn's validation does the conversions (DataFrames, lists, dtypes, feature
names); these helpers add what it does not say: which column and which row hold a
NaN or an infinity, which DataFrame column is not numeric, why weights are unusable.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data

FIT_DTYPES = [np.float64, np.float32, np.longdouble]


def column_label(names, j: int) -> str:
    if names is not None and j < len(names):
        return f"column {names[j]!r} (index {j})"
    return f"column {j}"


def assert_finite(a: np.ndarray, what: str, names=None) -> None:
    """Raise ValueError naming the first row (0-based) and column holding NaN or inf."""
    finite = np.isfinite(a)
    if finite.all():
        return
    bad = ~finite
    rows = bad.any(axis=1) if a.ndim == 2 else bad
    row = int(np.argmax(rows))
    count = int(rows.sum())
    if a.ndim == 2:
        col = int(np.argmax(bad[row]))
        value = a[row, col]
        where = f"{column_label(names, col)}, first at row {row}"
    else:
        value = a[row]
        where = f"row {row}"
    kind = "NaN" if np.isnan(value) else "infinity"
    raise ValueError(
        f"Input {what} contains {kind} in {where} (0-based); {count} row(s) hold NaN or "
        "infinity. Drop or impute them before fitting."
    )


def assert_no_overflow(X: np.ndarray, names=None, Y=None, w=None) -> None:
    """Raise the ValueError for finite data whose (weighted) sums of squares overflow
    float64, naming the actual cause: the weights' sum, a column of X, y, or the
    weights times a column's (or y's) squares.

    Magnitudes are compared in log2 (nothing here can overflow): a sum of ``n`` terms
    ``w_i x_i^2`` overflows when ``max(log2 w_i + 2 log2 |x_i|) + log2 n`` nears 1024.
    """
    n = X.shape[0]
    limit = 1023.0 - np.log2(max(n, 1)) - 1.0
    log_w = None
    if w is not None:
        w = np.asarray(w, dtype=np.float64)
        if not np.isfinite(w.sum()):
            raise ValueError(
                f"sample_weight sums to more than float64 can hold (max weight "
                f"{w.max():.3g}); divide the weights by a common factor (the solution "
                "does not depend on it)"
            )
        with np.errstate(divide="ignore"):
            log_w = np.log2(w)
    _raise_for(_log_squares(X, None), limit, lambda j: f"X in {column_label(names, j)}", X)
    if Y is not None:
        Y2 = np.asarray(Y).reshape(n, -1)
        _raise_for(_log_squares(Y2, None), limit, lambda j: "y", Y2, "rescale y")
    if log_w is not None:
        worst = _log_squares(X, log_w)
        if worst.size and worst.max() > limit:
            j = int(np.argmax(worst))
            raise ValueError(
                f"sample_weight times the squares of X {column_label(names, j)} overflows "
                f"float64 (max weight {w.max():.3g}, max |x| {np.abs(X[:, j]).max():.3g}); "
                "divide the weights by a common factor (the solution does not depend on it)"
                " or rescale that column"
            )
        if Y is not None and _log_squares(Y2, log_w).max(initial=-np.inf) > limit:
            raise ValueError(
                f"sample_weight times the squares of y overflows float64 (max weight "
                f"{w.max():.3g}, max |y| {np.abs(Y2).max():.3g}); divide the weights by a "
                "common factor (the solution does not depend on it) or rescale y"
            )
    big = np.abs(X).max(axis=0) if X.size else np.zeros(1)
    j = int(np.argmax(big))
    raise ValueError(
        f"Input X has values too large to square in float64 in {column_label(names, j)} "
        f"(max |x| = {big[j]:.3g}); rescale that column."
    )


def _log_squares(A, log_w) -> np.ndarray:
    """Per column, ``max_i log2(w_i a_ij^2)`` (``log_w`` None: unweighted)."""
    if A.size == 0:
        return np.zeros(A.shape[1] if A.ndim == 2 else 0)
    with np.errstate(divide="ignore"):
        logs = 2 * np.log2(np.abs(np.asarray(A, dtype=np.float64)))
    if log_w is not None:
        logs = logs + log_w[:, None]
    return np.max(logs, axis=0)


def _raise_for(worst, limit, label, A, advice="rescale that column") -> None:
    if worst.size and worst.max() > limit:
        j = int(np.argmax(worst))
        what, _, where = label(j).partition(" in ")
        raise ValueError(
            f"Input {what} has values too large to square in float64"
            f"{' in ' + where if where else ''} (max |value| = {np.abs(A[:, j]).max():.3g}); "
            f"{advice}."
        )


def _non_numeric_column(X):
    """Name of the first column of a table or 2-D array that is not numeric, if any."""
    columns = getattr(X, "columns", None)
    if columns is not None:
        for name in columns:
            try:
                np.asarray(X[name].to_numpy(), dtype=np.float64)
            except (TypeError, ValueError):
                return f"column {str(name)!r}", getattr(X[name], "dtype", "?")
        return None
    arr = np.asarray(X, dtype=object) if not hasattr(X, "dtype") else np.asarray(X)
    if arr.ndim == 2:
        for j in range(arr.shape[1]):
            try:
                np.asarray(arr[:, j], dtype=np.float64)
            except (TypeError, ValueError):
                return f"column {j}", arr.dtype
    return None


def validate_X(estimator, X, reset: bool, accept_sparse: bool = False):
    """Convert X (array, list, pandas or polars DataFrame) to a 2-D float array.

    float32 and longdouble are kept (the solvers decide the working precision);
    everything else numeric becomes float64.  Finiteness is checked by the caller.
    ``accept_sparse``: scipy.sparse X is kept sparse (any format; float32 or float64).
    """
    sparse_ok = ["csr", "csc", "coo"] if accept_sparse else False
    try:
        return validate_data(
            estimator,
            X,
            reset=reset,
            dtype=FIT_DTYPES,
            ensure_all_finite=False,
            accept_sparse=sparse_ok,
        )
    except ValueError as err:
        culprit = _non_numeric_column(X) if "convert" in str(err) else None
        if culprit is None:
            raise
        label, dtype = culprit
        raise ValueError(
            f"Input X {label} is not numeric (dtype {dtype}); encode it (for example "
            "one-hot) or leave it out of the features."
        ) from err


def validate_training_data(estimator, X, y, sample_weight, sparse_ok: bool = False):
    """Validate ``(X, y, sample_weight)`` for ``fit``.

    Returns ``(X, Y, w, y_was_1d)`` with ``Y`` of shape (n_samples, n_targets) and
    ``w`` None or a float64 vector of non-negative weights that do not all vanish.
    ``sparse_ok``: scipy.sparse X is returned sparse (see :func:`validate_X`).
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None"
        )
    X = validate_X(estimator, X, reset=True, accept_sparse=sparse_ok)
    y = check_array(
        y,
        ensure_2d=False,
        dtype="numeric",
        ensure_all_finite=False,
        input_name="y",
        ensure_min_samples=1,
    )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y have different numbers of rows: X has {X.shape[0]}, y has {y.shape[0]}"
        )
    y_was_1d = y.ndim == 1
    work = np.longdouble if X.dtype == np.longdouble else np.float64
    Y = np.asarray(y, dtype=work).reshape(y.shape[0], -1)
    assert_finite(Y if not y_was_1d else Y[:, 0], "y")
    w = None
    if sample_weight is not None:
        raw = np.asarray(sample_weight)
        if raw.ndim == 1 and raw.dtype.kind in "fc":
            assert_finite(raw, "sample_weight")
        w = _check_sample_weight(
            sample_weight,
            X,
            dtype=np.float64,
            ensure_non_negative=True,
            allow_all_zero_weights=True,
        )
        if not w.sum() > 0:
            raise ValueError("sample_weight sums to zero: there is nothing to fit")
    return X, Y, w, y_was_1d
