"""Cluster-robust covariances, one- and two-way, with statsmodels' (and Stata's) CR1.

The meat is built from per-cluster sums of the scores: with ``a_i`` the row of the
equilibrated design (:mod:`.covariance`) and ``u_i`` the residual (both times
``sqrt(w_i)`` for a weighted fit, statsmodels' WLS), ``s_g = sum_{i in g} a_i u_i``,
``G x r`` numbers however many rows, then ``S_Q = S R^-1`` (the sums of ``q_i u_i`` in
the coordinates of ``Q = A R^-1``: the solve is linear, so it is done once on the sums
rather than on every row) and ``M = c S_Q' S_Q``, with statsmodels'
``cov_cluster`` correction ``c = G / (G - 1) * (n - 1) / (n - k)`` (``use_correction``).

Two-way (``groups`` with two columns): ``V = V0 + V1 - V01`` (``cov_cluster_2groups``),
``V01`` clustered on the intersection of the groupings, each with its own correction;
the sum need not be positive semidefinite, and a variance that comes out negative
gives a NaN standard error with an :class:`~linreg.AccuracyWarning` (statsmodels
returns the negative variance).

The sums are one pass over the rows (:func:`~linreg.inference.chunks.chunk_sum`):

* in memory, the labels are factorized once to integer codes and each chunk adds its
  rows into a dense ``G x r`` array;
* from a source (a :class:`~linreg.sources.Scan` reading the label columns in the same
  pass, or Dask partitions with the labels partitioned alike), each chunk returns its
  own labels and sums, merged by label (sorted, ``np.unique``) as chunks are added,
  so that the memory is that of the ``G x r`` sums, not of the rows.

Rows of weight zero carry no information (:mod:`.summary`): they are left out, also
from the count of clusters.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .chunks import chunk_sum
from .covariance import sandwich, score_rows

#: A source's partial sums are merged once this many pieces are pending.
MERGE_PIECES = 32

#: ... or once the pending keys outnumber the merged ones and this many.
MERGE_ROWS = 1 << 16

#: In memory, groupings of up to this many clusters are summed into a dense (G, r)
#: array per chunk; larger ones (the intersection of a firm-year panel: one cluster per
#: row) fold each cluster into the meat once all its rows are seen.
DENSE_MAX = 1 << 16

#: ... and larger ones too when the (G, r) sums stay this small (numbers) and the
#: clusters hold 8 rows or more on average (100,000 firms of 20 years: dense, 16 MB).
DENSE_CELLS = 1 << 21

__all__ = ["Grouping", "cluster_covariance", "resolve_groups"]


# ---------------------------------------------------------------------------- groups
class Grouping:
    """Cluster labels resolved for a problem's rows.

    Attributes
    ----------
    ways : int
        1 (one-way) or 2 (two-way).
    codes : list of int arrays or None
        In memory: per grouping (two-way: the two and their intersection), integer
        codes aligned with the training rows, and ``sizes`` their numbers of codes.
    extra : list or None
        From a source: what its ``reduce(func, extra=...)`` reads (column names of the
        files, or Dask collections), one per way.
    names : list of str or None
        The column names when the groups were given by name.
    """

    def __init__(self, ways, codes=None, sizes=None, extra=None, names=None):
        self.ways, self.codes, self.sizes = ways, codes, sizes
        self.extra, self.names = extra, names


def resolve_groups(problem, groups) -> Grouping:
    """The :class:`Grouping` of ``groups`` for the rows of ``problem``: an array-like
    aligned with the training rows (in memory), column name(s) of the files (a model
    fitted on ``linreg.scan``), or Dask collections partitioned as the training data;
    a 1-D value or one column is one-way, two columns (an ``(n, 2)`` array, a
    DataFrame of two columns, a list of two arrays or names) are two-way."""
    if groups is None:
        raise ValueError('cov_type="cluster" needs groups= (cluster labels, one per row)')
    source = getattr(problem, "source", None)
    if source is not None and not problem.has_data:
        return _source_groups(source, groups)
    if _named(groups):
        raise ValueError(
            f"groups={groups!r} names columns, which only a model fitted on linreg.scan "
            "(or a formula model, with a column of its data) can look up; pass the "
            "labels as an array aligned with the training rows"
        )
    columns = _columns(groups)
    n = problem.n_samples
    for j, col in enumerate(columns):
        where = "groups" if len(columns) == 1 else f"groups column {j}"
        if len(col) != n:
            raise ValueError(f"{where} has {len(col)} values but the model was fitted on {n} rows")
        _check_missing(col, where)
    codes = [_codes(c, n) for c in columns]
    if len(codes) == 2:
        pair = codes[0].astype(np.int64) * (int(codes[1].max(initial=-1)) + 1) + codes[1]
        codes.append(_factorize_codes(pair))
    sizes = [int(c.max(initial=-1)) + 1 for c in codes]
    return Grouping(len(columns), codes=codes, sizes=sizes)


def _named(groups) -> bool:
    if isinstance(groups, str):
        return True
    # A list of strings is labels (one per row) unless it has one or two entries.
    return (
        isinstance(groups, (list, tuple))
        and 0 < len(groups) <= 2
        and all(isinstance(g, str) for g in groups)
    )


def _columns(groups) -> list:
    """The label columns of in-memory ``groups`` (1 or 2 of them, as NumPy arrays)."""
    if hasattr(groups, "columns") and hasattr(groups, "iloc"):  # a DataFrame
        columns = [np.asarray(groups.iloc[:, j]) for j in range(groups.shape[1])]
    elif isinstance(groups, (list, tuple)) and groups and all(np.ndim(g) == 1 for g in groups):
        columns = [np.asarray(g) for g in groups]  # a list of label arrays, one per way
    else:
        a = np.asarray(groups)
        if a.ndim == 2 and a.shape[1] in (1, 2):
            columns = [a[:, j] for j in range(a.shape[1])]
        elif a.ndim == 1:
            columns = [a]
        else:
            raise ValueError(
                f"groups must be 1-D (one-way) or have two columns (two-way), got shape {a.shape}"
            )
    if not 1 <= len(columns) <= 2:
        raise ValueError(
            f"groups has {len(columns)} columns: one (one-way) or two (two-way) are supported"
        )
    for c in columns:
        if c.ndim != 1:
            raise ValueError(f"each column of groups must be 1-D, got shape {c.shape}")
    return columns


def _check_missing(values, where: str) -> None:
    missing = _missing(values)
    if missing.any():
        raise ValueError(
            f"{where} has {int(missing.sum())} missing value(s) (first at row "
            f"{int(np.argmax(missing))}); every row needs a cluster label"
        )


def _missing(values) -> np.ndarray:
    try:
        import pandas as pd

        return np.asarray(pd.isna(values), dtype=bool)
    except ImportError:  # pragma: no cover - pandas is optional
        if values.dtype.kind in "fc":
            return np.isnan(values)
        if values.dtype.kind == "O":
            return np.array([v is None or v != v for v in values], dtype=bool)
        return np.zeros(len(values), dtype=bool)


#: Non-negative integer labels below this (and the number of rows) are their own codes.
DIRECT_CODES = 1 << 18


def _codes(values, n_rows: int) -> np.ndarray:
    """Integer codes of the labels: the labels themselves when they are small
    non-negative integers (clusters without rows are dropped later), else factorized."""
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if low >= 0 and high < min(DIRECT_CODES, max(n_rows, 1024)):
            # int32 codes (an absorbed factor's) are used as they are: no copy
            return values if values.dtype == np.int32 else values.astype(np.int64, copy=False)
        from .._labels import small_integer_codes

        coded = small_integer_codes(values)  # one pass, no sort
        if coded is not None:
            return coded[0]
    return _factorize_codes(values)


def _factorize_codes(values) -> np.ndarray:
    """Integer codes ``0..G-1`` of the labels (their order does not matter)."""
    try:
        import pandas as pd

        codes, _ = pd.factorize(values, sort=False)
        return np.asarray(codes, dtype=np.int64)
    except ImportError:  # pragma: no cover - pandas is optional
        return _unique(values)[1].astype(np.int64)


def _source_groups(source, groups) -> Grouping:
    if hasattr(source, "files"):  # a linreg.scan
        names = [groups] if isinstance(groups, str) else groups
        if not (
            isinstance(names, (list, tuple))
            and 1 <= len(names) <= 2
            and all(isinstance(g, str) for g in names)
        ):
            raise ValueError(
                "for a model fitted on linreg.scan, groups= names one column of the files "
                "(one-way) or two (two-way), e.g. groups='firm' or groups=['firm', 'year']"
            )
        available = list(source._columns[0])
        for f, cols in zip(source.files, source._columns):
            unknown = [g for g in names if g not in cols]
            if unknown:
                raise ValueError(
                    f"groups: unknown column {unknown[0]!r} in {f!r}; available columns: "
                    f"{', '.join(map(repr, available))}"
                )
        return Grouping(len(names), extra=list(names), names=list(names))
    if not hasattr(source, "_x_parts"):  # not a Dask source either
        raise ValueError(
            f'cov_type="cluster" cannot read labels alongside a {type(source).__name__} '
            "source; pass the training data again as X=, y= (and sample_weight=) to "
            "summary() with groups= aligned with its rows"
        )
    return Grouping(*_dask_groups(groups))


def _dask_groups(groups):
    """``(ways, None, None, extra)`` for Dask labels: 1-D collections, one per way."""
    if isinstance(groups, str) or (
        isinstance(groups, (list, tuple)) and all(isinstance(g, str) for g in groups)
    ):
        raise ValueError(
            "for a model fitted on Dask collections, groups= is a Dask Series or array "
            "(or a DataFrame of two columns) partitioned as the training data, not names"
        )
    if isinstance(groups, (list, tuple)):
        extra = list(groups)
    elif getattr(groups, "ndim", 1) == 2 and hasattr(groups, "columns"):  # a DataFrame
        extra = [groups[c] for c in groups.columns]
    elif getattr(groups, "ndim", 1) == 2:
        extra = [groups[:, j] for j in range(groups.shape[1])]
    else:
        extra = [groups]
    if not 1 <= len(extra) <= 2:
        raise ValueError(
            f"groups has {len(extra)} columns: one (one-way) or two (two-way) are supported"
        )
    return len(extra), None, None, extra


# ---------------------------------------------------------------------------- sums
def _group_sum(codes, n_groups: int, values) -> np.ndarray:
    """``(n_groups, r)`` sums of the rows of ``values`` by integer code."""
    m = len(codes)
    indicator = sp.csr_matrix(
        (np.ones(m), np.asarray(codes, dtype=np.int64), np.arange(m + 1)), shape=(m, n_groups)
    )
    return np.asarray(indicator.T @ values)


def _unique(values):
    """``(labels, inverse)`` of 1-D labels (sorted); a ValueError for labels that
    cannot be ordered (mixed types)."""
    try:
        labels, inverse = np.unique(values, return_inverse=True)
    except TypeError as err:
        raise ValueError(
            f"groups mixes labels that cannot be compared ({err}); use one type of label"
        ) from None
    return labels, inverse.reshape(-1)


def _factorize(keys: tuple):
    """``(labels, inverse)`` of key tuples (one array per component, compared as tuples)."""
    if len(keys) == 1:
        labels, inverse = _unique(keys[0])
        return (labels,), inverse
    l0, i0 = _unique(keys[0])
    l1, i1 = _unique(keys[1])
    pair = i0.astype(np.int64) * len(l1) + i1
    codes, inverse = np.unique(pair, return_inverse=True)
    return (l0[codes // len(l1)], l1[codes % len(l1)]), inverse.reshape(-1)


def _meat_of(S, scores):
    """``(S_Q' S_Q, G)`` for the sums ``S`` (G, r) of :meth:`_ChunkScores.scores` rows:
    ``S_Q = S D^-1 R^-1``, the sums of ``q_i u_i`` (one solve for all clusters)."""
    S = scores.unscale(np.array(S, dtype=np.float64))
    SQ = sla.solve_triangular(scores.R, S.T, trans="T", check_finite=False)
    return SQ @ SQ.T, len(S)


class _Dense:
    """In memory, few clusters: the ``(G, r)`` sums by code and the rows per code
    (``+`` adds in place: chunk_sum's running total is the left operand)."""

    def __init__(self, sums, counts):
        self.sums, self.counts = sums, counts

    def __add__(self, other):
        self.sums += other.sums
        self.counts += other.counts
        return self

    def meat(self, scores):
        return _meat_of(self.sums[self.counts > 0], scores)


class _Keyed:
    """Sums by label as pieces ``(labels tuple, sums)``; ``+`` concatenates them and
    merges by label once enough are pending (amortized sorting)."""

    def __init__(self, pieces):
        self.pieces = pieces

    def __add__(self, other):
        return _Keyed(_maybe_merge(self.pieces + other.pieces))

    def meat(self, scores):
        return _meat_of(_merge(self.pieces)[1], scores)


class _Folded:
    """In memory, many clusters: the meat of the clusters complete so far (all their
    rows of positive weight seen) folded into ``r x r``, plus the sums of the open
    ones by code with their rows seen so far as a last column; merging pieces closes
    clusters, so memory follows the clusters open across chunks, not all of them."""

    def __init__(self, folded, closed, pieces, total, scores):
        self.folded, self.closed, self.pieces = folded, closed, pieces
        self.total, self.scores = total, scores

    @classmethod
    def of(cls, labels, sums, total, scores):
        """Fold the complete clusters of ``(labels, sums)`` (last column: rows)."""
        done = sums[:, -1] == total[labels]
        folded, closed = _meat_of(sums[done, :-1], scores) if done.any() else (0.0, 0)
        pieces = [((labels[~done],), sums[~done])]
        return cls(folded, closed, pieces, total, scores)

    def __add__(self, other):
        pieces = _maybe_merge(self.pieces + other.pieces)
        folded, closed = self.folded + other.folded, self.closed + other.closed
        if len(pieces) == 1 and len(self.pieces) + len(other.pieces) > 1:
            (labels,), sums = pieces[0]
            more = _Folded.of(labels, sums, self.total, self.scores)
            folded, closed, pieces = folded + more.folded, closed + more.closed, more.pieces
        return _Folded(folded, closed, pieces, self.total, self.scores)

    def meat(self, scores):
        (labels,), sums = _merge(self.pieces)
        M, G = _meat_of(sums[:, :-1], scores) if len(sums) else (0.0, 0)
        return self.folded + M, self.closed + G


class _Parts:
    """One partial result per grouping (two-way: the two and their intersection)."""

    def __init__(self, parts):
        self.parts = parts

    def __add__(self, other):
        return _Parts([a + b for a, b in zip(self.parts, other.parts)])

    def meats(self, scores):
        """Per grouping ``(S_Q' S_Q, G)``."""
        return [part.meat(scores) for part in self.parts]


def _maybe_merge(pieces):
    pending = sum(len(p[1]) for p in pieces[1:])
    if len(pieces) > MERGE_PIECES or pending > max(len(pieces[0][1]), MERGE_ROWS):
        return [_merge(pieces)]
    return pieces


def _merge(pieces):
    """One ``(labels, sums)`` with each label once, from pieces."""
    if len(pieces) == 1:
        return pieces[0]
    width = len(pieces[0][0])
    keys = tuple(np.concatenate([p[0][j] for p in pieces]) for j in range(width))
    labels, inverse = _factorize(keys)
    sums = np.concatenate([p[1] for p in pieces])
    return labels, _group_sum(inverse, len(labels[0]), sums)


class _ChunkCodes:
    """One chunk's score sums by integer code (in memory): dense ``(G, r)`` for up to
    :data:`DENSE_MAX` clusters, else by the codes present with the complete clusters
    folded (``totals``: rows of positive weight per code, None for dense)."""

    threadsafe = True  # a pure function of its chunk

    def __init__(self, scores, sizes, totals):
        self.scores, self.sizes, self.totals = scores, sizes, totals

    def __call__(self, X, Y, w, E):
        s, positive = self.scores.scores(X, Y, w)
        parts = []
        for codes, size, total in zip(E, self.sizes, self.totals):
            c = codes if positive is None else codes[positive]
            if total is None:
                parts.append(_Dense(_group_sum(c, size, s), np.bincount(c, minlength=size)))
                continue
            labels, inverse = np.unique(c, return_inverse=True)
            sums = np.column_stack(
                [_group_sum(inverse, len(labels), s), np.bincount(inverse, minlength=len(labels))]
            )
            parts.append(_Folded.of(labels, sums, total, self.scores))
        return _Parts(parts)


class _ChunkLabels:
    """One chunk's score sums by label (from a source: Dask pickles it)."""

    def __init__(self, scores, ways):
        self.scores, self.ways = scores, ways

    def __call__(self, X, Y, w, E):
        s, positive = self.scores.scores(X, Y, w)
        E = [np.asarray(e) if positive is None else np.asarray(e)[positive] for e in E]
        keys = [(E[0],), (E[1],), (E[0], E[1])] if self.ways == 2 else [(E[0],)]
        parts = []
        for key in keys:
            labels, inverse = _factorize(key)
            parts.append(_Keyed([(labels, _group_sum(inverse, len(labels[0]), s))]))
        return _Parts(parts)


# ---------------------------------------------------------------------------- covariance
def cluster_meats(problem, scores, grouping: Grouping) -> list:
    """Per grouping (two-way: the two and their intersection) ``(S_Q' S_Q, G)`` from
    the per-cluster score sums of one pass over the rows."""
    if grouping.codes is not None:
        positive = None if problem.weights is None else np.asarray(problem.weights) > 0
        r, n = scores.R.shape[0], problem.n_samples
        totals = [
            None
            if size <= DENSE_MAX or (size * r <= DENSE_CELLS and 8 * size <= n)
            else np.bincount(codes if positive is None else codes[positive], minlength=size)
            for codes, size in zip(grouping.codes, grouping.sizes)
        ]
        if all(t is None for t in totals) and _compiled_sums_apply(problem, scores):
            return _compiled_parts(problem, scores, grouping).meats(scores)
        func = _ChunkCodes(scores, grouping.sizes, totals)
        part = chunk_sum(problem, func, extra=grouping.codes)
    else:
        part = chunk_sum(problem, _ChunkLabels(scores, grouping.ways), extra=grouping.extra)
    return part.meats(scores)


def _compiled_sums_apply(problem, scores) -> bool:
    """Whether :func:`_compiled_parts` can sum the scores: numba already loaded (never
    loaded for this), dense float64 arrays in memory, design scores (not Q's), one
    target."""
    import sys

    if "numba" not in sys.modules or scores.use_q or not problem.has_data:
        return False
    X, Y, w = problem.X, problem.Y, problem.weights
    arrays = [X, Y] + ([] if w is None else [w])
    return (
        all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in arrays)
        and Y.ndim == 2
        and Y.shape[1] == 1
    )


def _compiled_parts(problem, scores, grouping: Grouping) -> _Parts:
    """The dense per-cluster score sums of every grouping, each in one compiled pass
    over the in-memory rows (no chunk temporaries; numbers as :class:`_ChunkCodes`)."""
    from .cluster_kernels import cluster_score_sums

    _, y_shift, offset = scores.shifts
    keep = np.flatnonzero(scores.keep).astype(np.int64)
    coef = np.ascontiguousarray(scores.coef[0, scores.keep], dtype=np.float64)
    w = problem.weights
    weight = np.zeros(0) if w is None else np.asarray(w, dtype=np.float64)
    intercept = 0.0 if scores.weight_sum is None else 1.0 / np.sqrt(scores.weight_sum)
    r = int(scores.weight_sum is not None) + keep.shape[0]
    parts = []
    for codes, size in zip(grouping.codes, grouping.sizes):
        sums, counts = np.zeros((size, r)), np.zeros(size, dtype=np.int64)
        cluster_score_sums(problem.X, problem.Y[:, 0], weight, keep,
                           np.asarray(scores.centre, dtype=np.float64), coef,
                           float(y_shift[0]), float(offset[0]), float(scores.y_scale),
                           float(intercept), np.asarray(codes), sums, counts)  # fmt: skip
        parts.append(_Dense(sums, counts))
    return _Parts(parts)


def correction(n_groups: int, nobs: float, rank: int) -> float:
    """statsmodels' ``cov_cluster`` factor ``G / (G - 1) * (n - 1) / (n - k)`` (NaN
    where it is undefined: one cluster, or no residual degrees of freedom)."""
    if n_groups < 2 or nobs - rank <= 0:
        return np.nan
    return n_groups / (n_groups - 1.0) * ((nobs - 1.0) / (nobs - rank))


def cluster_covariance(
    problem, coef, aliased, y_scale, grouping: Grouping, *, nobs, rank, use_correction=True,
    min_groups=False,
):  # fmt: skip
    """``(cov, n_groups)``: the cluster-robust
    :class:`~linreg.inference.covariance.CentredCovariance` (``y_scale^2 C M C'``) and
    the number of clusters per grouping (two-way: the two).  ``rank`` is the ``k`` of
    the correction; ``min_groups``: every term of a two-way covariance corrected with
    the smallest number of clusters (fixest's ``cluster.df="min"``) instead of its own
    (statsmodels)."""
    scores, rows, error, cause = score_rows(problem, coef, aliased, y_scale, orthogonal=False)
    parts = list(cluster_meats(problem, scores, grouping))
    smallest = min(G for _, G in parts)
    meats, counts = [], []
    for M, G in parts:
        factor = correction(smallest if min_groups else G, nobs, rank) if use_correction else 1.0
        meats.append((factor if np.isfinite(factor) else 1.0) * M)
        counts.append(G)
    if grouping.ways == 1:
        cov, n_groups = sandwich(rows, meats[0], y_scale, error, cause), (counts[0],)
    else:
        meat = meats[0] + meats[1] - meats[2]
        cov = sandwich(rows, meat, y_scale, error, cause, signed=True)
        n_groups = (counts[0], counts[1])
    if min(counts) < 2 or (use_correction and not nobs - rank > 0):
        # One cluster (its scores sum to zero) or no residual degrees of freedom for
        # the correction: nothing is estimated.
        cov.undefined = list(range(rows.R.shape[0]))
    return cov, n_groups
