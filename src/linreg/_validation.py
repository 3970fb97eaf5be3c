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


def assert_no_overflow(X: np.ndarray, names=None) -> None:
    """Finite data whose squares overflow float64."""
    big = np.abs(X).max(axis=0) if X.size else np.zeros(0)
    j = int(np.argmax(big))
    raise ValueError(
        f"Input X has values too large to square in float64 in {column_label(names, j)} "
        f"(max |x| = {big[j]:.3g}); rescale that column."
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


def validate_X(estimator, X, reset: bool):
    """Convert X (array, list, pandas or polars DataFrame) to a 2-D float array.

    float32 and longdouble are kept (the solvers decide the working precision);
    everything else numeric becomes float64.  Finiteness is checked by the caller.
    """
    try:
        return validate_data(estimator, X, reset=reset, dtype=FIT_DTYPES, ensure_all_finite=False)
    except ValueError as err:
        culprit = _non_numeric_column(X) if "convert" in str(err) else None
        if culprit is None:
            raise
        label, dtype = culprit
        raise ValueError(
            f"Input X {label} is not numeric (dtype {dtype}); encode it (for example "
            "one-hot) or leave it out of the features."
        ) from err


def validate_training_data(estimator, X, y, sample_weight):
    """Validate ``(X, y, sample_weight)`` for ``fit``.

    Returns ``(X, Y, w, y_was_1d)`` with ``Y`` of shape (n_samples, n_targets) and
    ``w`` None or a float64 vector of non-negative weights that do not all vanish.
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None"
        )
    X = validate_X(estimator, X, reset=True)
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
