"""Train / validation / test splits for NumPy arrays and pandas objects."""

from __future__ import annotations

import numbers

import numpy as np

from .moments import Moments
from .sources.base import ChunkSource


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
        The seed of :func:`row_uniforms` (a Generator or None draws one): the
        ``n_test`` rows with the smallest uniforms are the test part and the next
        ``n_val`` the validation part, so the test rows are those that
        :func:`holdout_labels` (``linreg fit``/``compare``) holds out with the same
        seed, up to the rounding of the count.
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
    if shuffle:
        # The row-keyed rule of ``linreg fit`` and ``linreg compare`` (holdout_labels puts
        # a row in the test part when its uniform is below test_size): here the n_test
        # rows with the smallest uniforms are the test part, the next n_val validation.
        u = row_uniforms(_seed_of(random_state), 0, n, stream=0)
        order = np.argsort(u, kind="stable")
        test, val, train = np.split(order, [n_test, n_test + n_val])
        parts = [train, val, test]
    else:
        parts = np.split(np.arange(n), [n_train, n_train + n_val])
    Xs = [take_rows(X, idx) for idx in parts]
    ys = [take_rows(y, idx) for idx in parts]
    return (*Xs, *ys)


def _seed_of(random_state) -> int:
    """A non-negative integer seed from an int, a numpy Generator or None."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return int(np.random.default_rng(random_state).integers(2**62))
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise ValueError(f"random_state must be an int, a Generator or None, got {random_state!r}")
    return int(random_state)


# --- The one row-keyed split rule -------------------------------------------------------
# ``linreg fit``, ``linreg compare`` and :func:`linreg.compare` decide which rows are held
# out, and which fold a row belongs to, from (seed, row index) alone.  A file read at once,
# the same file streamed in batches of any size, and a Dask frame cut into any partitions
# therefore hold out exactly the same rows and build exactly the same folds.

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 finalizer (Steele, Lea & Flood 2014), elementwise on uint64."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def row_uniforms(seed: int, start: int, n: int, stream: int = 0) -> np.ndarray:
    """Uniform numbers in [0, 1) for rows ``start .. start + n - 1``.

    Each value depends only on ``(seed, stream, row index)`` (a counter-based generator:
    SplitMix64 of the row's counter under a key made from the seed and the stream), so
    any cut of the rows into batches or partitions draws the same numbers.

    Parameters
    ----------
    seed : int
        Non-negative seed (``--random-state``).
    start : int
        Index of the first row (0-based, in file order).
    n : int
        Number of rows.
    stream : int, default 0
        Independent streams for independent decisions (0: hold-out, 1: folds).
    """
    seed, start, n = int(seed), int(start), int(n)
    if seed < 0:
        raise ValueError(f"random_state must be a non-negative integer, got {seed}")
    key = _splitmix64(np.array([seed * 4 + stream], dtype=np.uint64) * _GOLDEN + _GOLDEN)
    with np.errstate(over="ignore"):
        counter = np.arange(start, start + n, dtype=np.uint64) + np.uint64(1)
        z = _splitmix64(key + counter * _GOLDEN)
    # The top 53 bits as a double in [0, 1).
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 2.0**53)


#: Part labels of :func:`holdout_labels`.
TRAIN, VALIDATION, TEST = 0, 1, 2
PART_NAMES = {TRAIN: "train", VALIDATION: "validation", TEST: "test"}


def holdout_labels(n: int, test_size: float, val_size: float, seed: int, start: int = 0):
    """TRAIN / VALIDATION / TEST labels of rows ``start .. start + n - 1``.

    Each row goes to the test part with probability ``test_size`` and to the validation
    part with probability ``val_size``, independently (as Spark's ``randomSplit``), from
    :func:`row_uniforms` stream 0.
    """
    u = row_uniforms(seed, start, n, stream=0)
    out = np.full(n, TRAIN, dtype=np.int8)
    out[u < test_size + val_size] = VALIDATION
    out[u < test_size] = TEST
    return out


def fold_labels(n: int, n_folds: int, seed: int, start: int = 0) -> np.ndarray:
    """Fold (0 .. n_folds - 1) of rows ``start .. start + n - 1``.

    Rows are taken in consecutive blocks of ``n_folds``; within each block a seeded
    permutation (the ranks of :func:`row_uniforms` stream 1) gives each row its fold.  So
    fold sizes differ by at most one, every fold draws evenly from the whole file, and a
    row's fold depends only on ``(seed, row index)``.
    """
    k = int(n_folds)
    if k < 2:
        raise ValueError(f"the number of folds must be at least 2, got {n_folds}")
    first_block, stop = int(start) // k, int(start) + int(n)
    last_block = -(-stop // k)
    u = row_uniforms(seed, first_block * k, (last_block - first_block) * k, stream=1)
    ranks = np.argsort(np.argsort(u.reshape(-1, k), axis=1, kind="stable"), axis=1)
    offset = int(start) - first_block * k
    return ranks.reshape(-1)[offset : offset + int(n)].astype(np.int32)


class PartSource(ChunkSource):
    """The rows of one part (TRAIN, VALIDATION or TEST) of a chunked source, as a source.

    Rows are labelled by :func:`holdout_labels` from their index in the source (counted
    over its batches in order), so every pass selects the same rows, whatever the batch
    sizes, and they are the rows an in-memory split of the same data holds out.

    Parameters
    ----------
    source : iterable ChunkSource
        Yields ``(X, y, w)`` batches in row order (a :func:`linreg.scan`).
    test_size, val_size : float
    seed : int
    part : int, default TRAIN
    """

    #: The message when the part holds no rows (the command line adds its advice).
    empty_message = "the {part} part holds no rows (test_size={test}, val_size={val})"

    def __init__(self, source, test_size, val_size, seed, part=TRAIN):
        self.source = source
        self.test_size, self.val_size, self.seed = float(test_size), float(val_size), int(seed)
        self.part = part
        for attr in ("feature_names", "target_names", "n_features", "n_targets"):
            setattr(self, attr, getattr(source, attr))
        self.weighted = source.weighted
        self.y_was_1d = source.y_was_1d

    def labelled_batches(self):
        """Yield ``(labels, X, Y, w)`` of every batch of the source, Y 2-D."""
        start = 0
        for X, y, w in self.source:
            labels = holdout_labels(len(X), self.test_size, self.val_size, self.seed, start)
            start += len(X)
            yield labels, X, np.asarray(y).reshape(len(X), self.n_targets), w

    def batches(self):
        """Yield ``(X, Y, w)`` of this part's rows in row order, Y 2-D."""
        for labels, X, Y, w in self.labelled_batches():
            keep = labels == self.part
            yield X[keep], Y[keep], None if w is None else w[keep]

    def moments(self) -> Moments:
        total = Moments.empty(self.n_features, self.n_targets)
        for X, Y, w in self.batches():
            if len(X):
                total = total.merge(Moments.from_arrays(X, Y, w))
        if total.n_samples == 0:
            raise ValueError(
                self.empty_message.format(
                    part=PART_NAMES[self.part], test=self.test_size, val=self.val_size
                )
            )
        return total

    def reduce(self, func, extra=None):
        """``sum(func(X, Y, w))`` over this part's rows in row order; with ``extra``
        (column names the underlying source reads in the same pass, e.g. cluster
        labels) ``func(X, Y, w, E)`` on this part's rows of them too."""
        if extra is not None:
            return self.source.reduce(_PartRows(self, func), extra=extra)
        total = None
        for X, Y, w in self.batches():
            part = func(X, Y, w)
            total = part if total is None else total + part
        return total

    @property
    def files(self):
        """The underlying scan's files (its columns can be read alongside, e.g. as
        cluster labels)."""
        return self.source.files

    @property
    def _columns(self):
        return self.source._columns


class _PartRows:
    """``func`` on one part's rows of each batch of a source's ordered pass: the rows
    are labelled by their index, counted over the batches as they come (the source's
    ``reduce`` visits them in row order, one after the other)."""

    def __init__(self, part: PartSource, func):
        self.part, self.func, self.start = part, func, 0

    def __call__(self, X, Y, w, E):
        p = self.part
        labels = holdout_labels(len(X), p.test_size, p.val_size, p.seed, self.start)
        self.start += len(X)
        keep = labels == p.part
        return self.func(
            X[keep], Y[keep], None if w is None else w[keep], tuple(e[keep] for e in E)
        )
