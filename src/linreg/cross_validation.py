"""k-fold cross-validation of linreg's estimators, the exact ones from fold Moments.

Objective
---------
For K folds (:func:`linreg.split.fold_labels`: a row's fold depends only on the seed and
its row index), fit the estimator on the rows outside fold k and measure, on the rows of
fold k, the held-out

* R^2 ``1 - sum w r^2 / sum w (y - ybar_k)^2`` with ``ybar_k`` the (weighted) mean of y
  in fold k itself (scikit-learn's ``r2_score`` on the fold, as its ``"r2"`` scorer),
* RMSE ``sqrt(sum w r^2 / sum w)`` and MAE ``sum w |r| / sum w``,

with ``r = y - prediction``, per target; and report their mean and standard deviation
(``ddof=0``, as ``numpy.std`` of scikit-learn's ``cross_validate`` scores) over the folds.

Weights
-------
With sample weights, every fold model is fitted with the weights of its training rows and
every held-out figure is the *weighted* one above (scikit-learn's metrics with
``sample_weight`` set to the fold's weights); the fold mean of each figure is the plain
mean over folds, as ``cross_validate`` reports.  A zero-weight row counts in the fold's
row count but not in any figure.

Passes
------
Exact models (OLS and Ridge with a solver that works from Moments: ``auto``,
``cholesky``, ``eigh``; Lasso and ElasticNet with the Gram layout) never refit on rows.
ONE pass computes the :class:`~linreg.moments.Moments` of each fold; fold k's training
Moments is the *merge* of the other folds' Moments (a merge, not total minus fold: a
subtraction would cancel digits), and the fold model is solved from them alone
(:class:`MomentsSource`).  The held-out figures need the residuals (the MAE cannot come
from Moments): in memory they are ``X_k b_k``; for a streamed source or a Dask collection
ONE more pass accumulates every fold's sums at once (on Dask, a count of each partition's
rows first gives every partition the index of its first row).  The merge of all folds'
Moments is the whole data's (:attr:`CVResult.total_moments`), so the caller can fit the
final model with no pass of its own.  Iterative solvers (``gd``, ``autograd``, ``torch``)
and the solvers that need X (``qr``, ``svd``, ``extended``, Lasso ``design``) refit on
the training rows of each fold in memory (:attr:`CVResult.method` is ``"refit"``); on a
streamed or Dask source they are refused.  In memory with ``solver="auto"``, a fold whose
solve from Moments warns about its accuracy is refitted on its rows
(:attr:`CVResult.refit_folds`).

Numerics
--------
Fold Moments are centred (Chan-Golub-LeVeque merges), so a fold fit is as accurate as a
fit on the fold's rows.  The held-out sums are accumulated around a centre close to the
target's mean, so the total sum of squares does not cancel.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .moments import Moments
from .sources.base import ChunkSource
from .split import fold_labels

__all__ = ["CVResult", "MomentsSource", "TooFewRowsError", "cross_validate", "fits_from_moments"]

#: The figures reported per fold and target.
METRICS = ("r2", "rmse", "mae")


class TooFewRowsError(ValueError):
    """The data has fewer rows than folds."""


class MomentsSource(ChunkSource):
    """A source known by its Moments: ``fit`` solves from them without reading rows.

    Parameters
    ----------
    moments : Moments
        The training rows' statistics.
    like : ChunkSource, optional
        The source the rows come from: names and shapes are copied from it, and
        :meth:`reduce` (the second passes of ``summary()``) passes over it.  Without it
        :meth:`reduce` refuses: a fold model has no rows of its own to re-read.
    """

    def __init__(self, moments: Moments, like: ChunkSource | None = None, y_was_1d=True):
        self._moments = moments
        self._like = like
        self.n_features = moments.n_features
        self.n_targets = moments.n_targets
        self.feature_names = getattr(like, "feature_names", None)
        self.target_names = getattr(like, "target_names", None)
        self.weighted = bool(getattr(like, "weighted", False))
        self.y_was_1d = bool(getattr(like, "y_was_1d", y_was_1d))

    def moments(self) -> Moments:
        return self._moments

    def reduce(self, func):
        if self._like is None:
            raise RuntimeError("a model fitted from Moments alone has no rows to pass over")
        return self._like.reduce(func)


@dataclass
class CVResult:
    """Per-fold and mean held-out figures of a k-fold cross-validation.

    Attributes
    ----------
    n_folds, random_state : int
    method : str
        ``"moments"`` (fold models solved from merged fold Moments) or ``"refit"``
        (iterative models refitted on each fold's training rows).
    fold_sizes : ndarray of shape (n_folds,)
        Held-out rows per fold.
    r2, rmse, mae : ndarray of shape (n_folds, n_targets)
    total_moments : Moments or None
        The merge of all folds' Moments (the whole data's), when computed.
    refit_folds : tuple of int
        The folds fitted on their training rows rather than from Moments (every fold
        for ``"refit"``; in memory with ``solver="auto"``, those whose solve from
        Moments warned about its accuracy).
    """

    n_folds: int
    random_state: int
    method: str
    fold_sizes: np.ndarray
    r2: np.ndarray
    rmse: np.ndarray
    mae: np.ndarray
    total_moments: Moments | None = field(default=None, repr=False)
    refit_folds: tuple = ()

    def mean(self, metric: str) -> np.ndarray:
        """Mean over folds of ``metric`` ("r2", "rmse" or "mae"), one value per target."""
        return np.mean(getattr(self, metric), axis=0)

    def std(self, metric: str) -> np.ndarray:
        """Standard deviation (ddof=0) over folds, one value per target (computed on the
        figures divided by their largest magnitude, so tiny RMSEs do not underflow)."""
        values = getattr(self, metric)
        with np.errstate(divide="ignore", invalid="ignore"):
            top = np.max(np.abs(values), axis=0)
            scale = np.where(np.isfinite(top) & (top > 0), top, 1.0)
            return scale * np.std(values / scale, axis=0)

    def as_dict(self, target_names=None) -> dict:
        """JSON-ready figures keyed by target: ``{target: {metric: {mean, std, folds}}}``."""
        k = self.r2.shape[1]
        names = list(target_names) if target_names is not None else [str(j) for j in range(k)]
        per_target = {
            name: {
                m: {
                    "mean": _finite(self.mean(m)[j]),
                    "std": _finite(self.std(m)[j]),
                    "folds": [_finite(v) for v in getattr(self, m)[:, j]],
                }
                for m in METRICS
            }
            for j, name in enumerate(names)
        }
        return {
            "n_folds": self.n_folds,
            "random_state": self.random_state,
            "method": self.method,
            "refit_folds": [int(k) for k in self.refit_folds],
            "fold_sizes": [int(s) for s in self.fold_sizes],
            "targets": per_target,
        }


def _finite(value):
    value = float(value)
    return value if np.isfinite(value) else None


def fits_from_moments(estimator) -> bool:
    """Whether ``estimator`` (its ``solver``) is solved from Moments alone: an exact
    least-squares solver whose registry entry does not need X (``NEEDS_DATA``), or the
    Gram layout of Lasso / ElasticNet."""
    from .solvers import SOLVERS

    solver = getattr(estimator, "solver", "auto") or "auto"
    if type(estimator).__name__ in ("Lasso", "ElasticNet") or hasattr(estimator, "l1_ratio"):
        return solver in ("auto", "gram")
    module = SOLVERS.get(solver)
    return module is not None and not module.NEEDS_DATA


def cross_validate(
    estimator, X, y=None, *, n_folds=5, random_state=0, sample_weight=None, feature_names=None
) -> CVResult:
    """K-fold cross-validated R^2, RMSE and MAE of ``estimator`` (see the module notes).

    Parameters
    ----------
    estimator : linreg estimator
        Not modified: every fold fits a clone.
    X : array-like of shape (n_samples, n_features), or a chunk source
        In-memory data, a :func:`linreg.scan`, a source yielding ``(X, y, w)`` batches
        in row order, or a :class:`linreg.sources.dask.DaskSource` (or Dask collections,
        with ``y``).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    n_folds : int, default 5
    random_state : int, default 0
        The seed of :func:`linreg.split.fold_labels`.
    sample_weight : array-like of shape (n_samples,), optional
    feature_names : list of str, optional
        Names of X's columns for the fold fits' warnings (default: a DataFrame's
        columns, else ``x1, x2, ...``).

    Returns
    -------
    CVResult
    """
    n_folds = int(n_folds)
    if n_folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {n_folds}")
    from .sources import as_source

    source = X if isinstance(X, ChunkSource) else as_source(X, y, sample_weight)
    if source is None:
        if feature_names is None and hasattr(X, "columns"):
            feature_names = [str(c) for c in X.columns]
        return _in_memory(
            estimator, X, y, sample_weight, n_folds, int(random_state), feature_names
        )
    if not fits_from_moments(estimator):
        raise ValueError(
            f"solver={estimator.solver!r} refits on rows; cross-validation of a streamed or "
            "Dask source fits from fold Moments (use an exact solver)"
        )
    return _from_source(estimator, source, n_folds, int(random_state))


# ------------------------------------------------------------------ shared pieces
def _check_folds(n: int, n_folds: int) -> None:
    if n < n_folds:
        raise TooFewRowsError(
            f"{n_folds}-fold cross-validation needs at least {n_folds} rows, got {n}"
        )


def _training_moments(fold_moments: list) -> list:
    """Fold k's training Moments: the merge of every other fold's (no subtraction)."""
    K = len(fold_moments)
    # prefix[k] merges folds < k, suffix[k] folds >= k: K merges each, K more to combine.
    prefix = [Moments.empty(fold_moments[0].n_features, fold_moments[0].n_targets)]
    for m in fold_moments:
        prefix.append(prefix[-1].merge(m))
    suffix = [prefix[0]] * (K + 1)
    for k in range(K - 1, -1, -1):
        suffix[k] = fold_moments[k].merge(suffix[k + 1])
    return [prefix[k].merge(suffix[k + 1]) for k in range(K)]


def _merge_all(parts: list) -> Moments:
    """The merge of every fold's Moments: the whole data's."""
    total = parts[0]
    for m in parts[1:]:
        total = total.merge(m)
    return total


def _fit_fold_models(estimator, fold_moments, like, y_was_1d, rows=None):
    """Clones of ``estimator`` solved from each fold's training Moments, and the folds
    refitted on rows.

    With ``rows`` (in memory: ``rows(k)`` gives fold k's training ``(X, y, w)``) and
    ``solver="auto"``, a fold whose solve from Moments warns about its accuracy (an
    ill-conditioned Gram matrix, an underflow, a large offset) is refitted on its rows,
    where ``auto`` picks a solver that works on X: the figures then have the accuracy
    of a fit on the data.  Streamed, the warning stands.
    """
    from sklearn.base import clone

    models, refit = [], []
    with _collect_warnings():
        for k, train in enumerate(_training_moments(fold_moments)):
            if not train.weight_sum > 0:
                raise ValueError(f"cross-validation fold {k}: no training weight left")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = clone(estimator).fit(MomentsSource(train, like, y_was_1d))
            if caught and rows is not None and getattr(estimator, "solver", None) == "auto":
                X, y, w = rows(k)
                model = clone(estimator).fit(X, y, sample_weight=w)
                refit.append(k)
            else:
                for item in caught:
                    warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
            models.append(model)
    return models, tuple(refit)


def _coefficients(model, n_targets: int):
    """``(B, b0)``: coefficients (p, k) and intercepts (k,) of a fitted model."""
    coef = np.asarray(model.coef_, dtype=np.float64).reshape(n_targets, -1)
    intercept = np.asarray(model.intercept_, dtype=np.float64).reshape(n_targets)
    return coef.T, intercept


class FoldSums:
    """:func:`residual_sums` per fold and target for rows ``start ..`` of a chunk: an
    array (K, n_targets, 7) that adds over chunks.
    ``c`` is the fold's own mean of y from its Moments (so the sums do not cancel).
    """

    def __init__(self, models, fold_moments, n_folds, random_state, start=0):
        n_targets = fold_moments[0].n_targets
        self.coef = [_coefficients(m, n_targets) for m in models]
        self.centre = [np.asarray(m.y_mean, dtype=np.float64) for m in fold_moments]
        self.n_targets, self.n_folds, self.random_state = n_targets, n_folds, random_state
        self.start = start

    def at(self, start: int) -> FoldSums:
        """The same sums for a chunk whose first row is ``start``."""
        other = object.__new__(FoldSums)
        other.__dict__.update(self.__dict__, start=int(start))
        return other

    def __call__(self, X, Y, w):
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
        labels = fold_labels(len(X), self.n_folds, self.random_state, self.start)
        out = np.zeros((self.n_folds, self.n_targets, N_SUMS))
        for k in np.unique(labels):
            m = labels == k
            out[k] = residual_sums(
                X[m], Y[m], None if w is None else w[m], *self.coef[k], self.centre[k]
            )
        return out


#: Number of additive sums per target of :func:`residual_sums`.
N_SUMS = 7


def _power_of_two_scale(centre) -> np.ndarray:
    """A power of two near ``|centre|`` per target (1 where the centre is 0 or not
    finite): dividing by it keeps squares of tiny or huge targets (1e-300, 1e200) from
    underflowing or overflowing, and is exact, so it commutes with every rounding."""
    c = np.abs(np.asarray(centre, dtype=np.float64))
    ok = np.isfinite(c) & (c > 0)
    exponent = np.frexp(np.where(ok, c, 1.0))[1]
    return np.where(ok, np.ldexp(1.0, exponent), 1.0)


def residual_sums(X, Y, w, B, b0, centre) -> np.ndarray:
    """Additive sums of a chunk of rows for the model ``Y ~ X @ B + b0``, per target.

    Returns an array (n_targets, 7):
    ``[n, W, W s, sum w (r/s)^2, sum w |r/s|, sum w (y-c)/s, sum w ((y-c)/s)^2]``, with
    ``r`` the residuals, ``c`` a centre near the mean of y (so the total sum of squares
    does not cancel) and ``s`` a power of two near ``|c|`` (so the squares neither
    underflow nor overflow).  Sums of chunks that share ``centre`` add; ``s`` is
    recovered as ``(W s) / W`` exactly.  :func:`figures` turns them into R^2, RMSE, MAE.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    scale = _power_of_two_scale(np.broadcast_to(np.asarray(centre, dtype=np.float64), Y.shape[1]))
    r = (Y - (X @ B + b0)) / scale
    d = (Y - centre) / scale
    w = np.ones(len(X)) if w is None else np.asarray(w, dtype=np.float64)
    n = np.full(Y.shape[1], float(len(X)))
    W = np.full(Y.shape[1], w.sum())
    return np.stack([n, W, W * scale, w @ r**2, w @ np.abs(r), w @ d, w @ d**2], axis=1)


def figures(sums: np.ndarray):
    """R^2 (about the rows' own mean), RMSE and MAE from added :func:`residual_sums`
    (any leading shape, last axis 7); NaN where undefined (no weight, constant y)."""
    n, W, Ws, ssr, sar, sd, sdd = np.moveaxis(np.asarray(sums, dtype=np.float64), -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = Ws / W
        tss = sdd - sd**2 / W
        r2 = np.where(tss > 0, 1 - ssr / tss, np.nan)
        rmse = np.where(W > 0, scale * np.sqrt(ssr / W), np.nan)
        mae = np.where(W > 0, scale * (sar / W), np.nan)
    return r2, rmse, mae


def _result(n_folds, random_state, method, sums, total=None, refit=()) -> CVResult:
    r2, rmse, mae = figures(sums)
    sizes = sums[:, 0, 0].astype(np.int64)
    return CVResult(n_folds, random_state, method, sizes, r2, rmse, mae, total, refit)


class _collect_warnings:
    """Repeat the fold fits' warnings once per kind (the same text up to its numbers),
    saying where they came from and how many folds gave one like it."""

    def __enter__(self):
        self._catch = warnings.catch_warnings(record=True)
        self._caught = self._catch.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        import re

        self._catch.__exit__(*exc)
        kinds: dict = {}
        for item in self._caught:
            key = (item.category, re.sub(r"\d[\d.e+-]*", "#", str(item.message)))
            kinds.setdefault(key, []).append(item)
        for items in kinds.values():
            more = f" ({len(items)} fold fits gave such a warning)" if len(items) > 1 else ""
            text = f"cross-validation fold fits: {items[0].message}{more}"
            warnings.warn(text, items[0].category, stacklevel=3)
        return False


# ------------------------------------------------------------------ in memory
class _Names(ChunkSource):
    """Column names for fold models fitted from Moments of in-memory data (no rows)."""

    def __init__(self, feature_names, weighted: bool, y_was_1d: bool):
        self.feature_names = list(feature_names)
        self.target_names = None
        self.weighted = weighted
        self.y_was_1d = y_was_1d

    def reduce(self, func):
        raise RuntimeError("a fold model fitted from Moments alone has no rows to pass over")


def _named(X, names):
    """``X`` as a DataFrame with ``names`` (so fold fits' warnings name the columns)."""
    if names is None:
        return X
    try:
        import pandas as pd
    except ImportError:
        return X
    return pd.DataFrame(X, columns=names, copy=False)


def _in_memory(estimator, X, y, w, n_folds, random_state, names=None) -> CVResult:
    """Fold Moments from the arrays (one pass), then residuals ``X_k b_k`` per fold."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(y, dtype=np.float64)
    y_was_1d = Y.ndim == 1
    Y = Y.reshape(len(X), -1)
    w = None if w is None else np.asarray(w, dtype=np.float64)
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("cross-validation needs finite X and y")
    _check_folds(len(X), n_folds)
    labels = fold_labels(len(X), n_folds, random_state)
    folds = [np.flatnonzero(labels == k) for k in range(n_folds)]
    total = None
    if fits_from_moments(estimator):
        parts = [Moments.from_arrays(X[i], Y[i], None if w is None else w[i]) for i in folds]
        y_fit = Y[:, 0] if y_was_1d else Y

        def rows(k):
            keep = labels != k
            return _named(X[keep], names), y_fit[keep], None if w is None else w[keep]

        like = None if names is None else _Names(names, w is not None, y_was_1d)
        models, refit = _fit_fold_models(estimator, parts, like, y_was_1d, rows)
        total = _merge_all(parts)
        method = "moments"
    else:
        models = _refit(
            estimator, X, Y if not y_was_1d else Y[:, 0], w, labels, n_folds, names
        )
        method, refit = "refit", tuple(range(n_folds))
    sums = np.zeros((n_folds, Y.shape[1], N_SUMS))
    for k, i in enumerate(folds):
        wk = None if w is None else w[i]
        centre = np.average(Y[i], axis=0, weights=wk) if _positive(wk, len(i)) else 0.0
        sums[k] = residual_sums(X[i], Y[i], wk, *_coefficients(models[k], Y.shape[1]), centre)
    return _result(n_folds, random_state, method, sums, total, refit)


def _positive(w, n) -> bool:
    return n > 0 if w is None else bool(w.sum() > 0)


def _refit(estimator, X, y, w, labels, n_folds, names=None) -> list:
    """Iterative solvers: a clone fitted on the training rows of each fold."""
    from sklearn.base import clone

    models = []
    with _collect_warnings():
        for k in range(n_folds):
            train = labels != k
            wk = None if w is None else w[train]
            models.append(clone(estimator).fit(_named(X[train], names), y[train], sample_weight=wk))
    return models


# ------------------------------------------------------------------ chunked sources
def _from_source(estimator, source, n_folds, random_state) -> CVResult:
    """Two passes: every fold's Moments, then every fold's residual sums."""
    from .sources.dask import DaskSource

    if isinstance(source, DaskSource):
        return _from_dask(estimator, source, n_folds, random_state)
    p, k = source.n_features, source.n_targets
    parts = [Moments.empty(p, k) for _ in range(n_folds)]
    n, negative = 0, False
    for X, Y, w in _batches(source):
        negative = negative or (w is not None and bool((w < 0).any()))
        labels = fold_labels(len(X), n_folds, random_state, start=n)
        for f in np.unique(labels):
            m = labels == f
            parts[f] = parts[f].merge(Moments.from_arrays(X[m], Y[m], None if w is None else w[m]))
        n += len(X)
    if n == 0:
        source.moments()  # the source's own error for no rows
    _check_folds(n, n_folds)
    _check_finite(source, parts, negative)
    models, _ = _fit_fold_models(estimator, parts, source, source.y_was_1d)
    fold_sums = FoldSums(models, parts, n_folds, random_state)
    sums, n = np.zeros((n_folds, k, N_SUMS)), 0
    for X, Y, w in _batches(source):
        sums += fold_sums.at(n)(X, Y, w)
        n += len(X)
    return _result(n_folds, random_state, "moments", sums, _merge_all(parts))


def _check_finite(source, parts, negative=False) -> None:
    """Non-finite fold Moments (a NaN, a value too large to square, a negative weight):
    the source's own Moments pass finds and names the first bad value."""
    bad = negative or any(
        not (np.isfinite(m.cross).all() and np.isfinite(m.mean).all()) for m in parts
    )
    if bad:
        source.moments()  # raises, naming the file, column and row
        raise ValueError("the data holds non-finite values or negative weights")


def _batches(source):
    """``(X, Y 2-D, w)`` of a source's rows in file order."""
    make = getattr(source, "batches", None)
    chunks = make() if make is not None else iter(source)
    for X, y, w in chunks:
        yield X, np.asarray(y).reshape(len(X), source.n_targets), w


# ------------------------------------------------------------------ Dask
class FoldMoments:
    """The Moments of each fold among one partition's rows (rows ``start ..``); adding
    two merges fold by fold, so Dask's tree of sums merges them across partitions."""

    def __init__(self, parts: list):
        self.parts = parts

    def __add__(self, other: FoldMoments) -> FoldMoments:
        return FoldMoments([a.merge(b) for a, b in zip(self.parts, other.parts)])


class _FoldMomentsOf:
    """``func(X, Y, w)`` for DaskSource.reduce-style maps: the FoldMoments of a chunk."""

    def __init__(self, n_folds, random_state, start):
        self.n_folds, self.random_state, self.start = n_folds, random_state, int(start)

    def __call__(self, X, Y, w):
        Y = np.asarray(Y).reshape(len(X), -1)
        labels = fold_labels(len(X), self.n_folds, self.random_state, self.start)
        parts = [Moments.empty(X.shape[1], Y.shape[1]) for _ in range(self.n_folds)]
        for f in np.unique(labels):
            m = labels == f
            parts[f] = Moments.from_arrays(X[m], Y[m], None if w is None else w[m])
        return FoldMoments(parts)


def _row_count(X, Y, w) -> int:
    return len(X)


def _map_partitions(source, funcs):
    """``sum(funcs[i](X_i, Y_i, w_i))`` over the partitions of a DaskSource, in a tree."""
    import dask
    from dask import delayed

    from .sources.dask import _add, _part_apply, _tree

    parts = [
        delayed(_part_apply, pure=True)(source._spec, func, x, y, w, i)
        for i, (func, (x, y, w)) in enumerate(zip(funcs, source._parts))
    ]
    (total,) = dask.compute(_tree(parts, _add))
    return total


def _from_dask(estimator, source, n_folds, random_state) -> CVResult:
    """On a Dask collection: the partitions' lengths (a count of rows), so each
    partition knows the index of its first row; then the fold Moments and the fold
    sums, each in one pass of every partition in parallel, merged in a tree."""
    import dask
    from dask import delayed

    from .sources.dask import _part_apply

    counts = dask.compute(
        *[
            delayed(_part_apply, pure=True)(source._spec, _row_count, x, y, w, i)
            for i, (x, y, w) in enumerate(source._parts)
        ]
    )
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    _check_folds(int(np.sum(counts)), n_folds)
    folds = _map_partitions(source, [_FoldMomentsOf(n_folds, random_state, s) for s in starts])
    _check_finite(source, folds.parts)
    models, _ = _fit_fold_models(estimator, folds.parts, source, source.y_was_1d)
    fold_sums = FoldSums(models, folds.parts, n_folds, random_state)
    sums = _map_partitions(source, [fold_sums.at(s) for s in starts])
    return _result(n_folds, random_state, "moments", sums, _merge_all(folds.parts))
