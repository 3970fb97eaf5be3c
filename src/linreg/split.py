"""Train / validation / test splits for NumPy arrays and pandas objects."""

from __future__ import annotations

import numbers

import numpy as np


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a fraction in [0, 1), got {value!r}")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1), got {value!r}")
    return value


def take_rows(data, index: np.ndarray):
    """Rows ``index`` of an array, or positionally of a pandas DataFrame / Series."""
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return np.asarray(data)[index]


def train_val_test_split(
    X, y, *, val_size=0.0, test_size=0.25, random_state=None, shuffle=True
) -> tuple:
    """Split X and y into training, validation and test parts.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, ...)
    y : array-like, Series or DataFrame of shape (n_samples, ...)
    val_size : float, default 0.0
        Fraction of the samples for validation (``round(val_size * n)`` rows).
    test_size : float, default 0.25
        Fraction of the samples for testing (``round(test_size * n)`` rows).
    random_state : int, numpy Generator or None
        Seed of ``numpy.random.default_rng`` for the permutation.
    shuffle : bool, default True
        Permute the rows first; when False the parts are consecutive blocks (train,
        then validation, then test), as for time series.

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test
        Same types as the inputs (pandas objects keep their index and columns);
        ``X_val`` and ``y_val`` have no rows when ``val_size`` is 0, likewise the test
        parts when ``test_size`` is 0.

    Raises
    ------
    ValueError
        When a size is not in [0, 1), when ``val_size + test_size >= 1``, when the
        training part would be empty, or when X and y differ in length.
    """
    val_size = _check_fraction(val_size, "val_size")
    test_size = _check_fraction(test_size, "test_size")
    if val_size + test_size >= 1.0:
        raise ValueError(
            f"val_size + test_size must be below 1 (some data must be left to train on), "
            f"got {val_size} + {test_size}"
        )
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X and y have different numbers of samples: {n} and {len(y)}")
    n_test = int(round(test_size * n))
    n_val = int(round(val_size * n))
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"with {n} samples, val_size={val_size} and test_size={test_size} leave no "
            "training samples"
        )
    order = np.random.default_rng(random_state).permutation(n) if shuffle else np.arange(n)
    parts = np.split(order, [n_train, n_train + n_val])
    Xs = [take_rows(X, idx) for idx in parts]
    ys = [take_rows(y, idx) for idx in parts]
    return (*Xs, *ys)
