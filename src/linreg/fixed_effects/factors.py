"""Absorbed factors: encoding, singleton removal, cells, nesting and fixest's degrees of freedom.

A factor is a column of labels; encoding maps each factor's labels to integer codes
``0..G_q-1`` (levels sorted where the labels are orderable).  The *cells* of the rows are
the distinct combinations of levels present, with their row counts and summed weights:
they are all the fixed-effect normal equations need (``fixed_effects.effects``).

Everything here is vectorized numpy (pandas is imported inside the functions that
encode labels); the cost on ``n`` rows and ``Q`` factors is ``O(n Q)`` per pass, plus one
hash pass for the cells when the product of the level counts is large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Cells",
    "Factors",
    "LevelDictionary",
    "absorbed_dof",
    "cell_singleton_mask",
    "cells_of",
    "encode_factors",
    "fixest_dof",
    "merge_cells",
    "nested_in",
    "nesting_flags",
    "recode",
    "singleton_mask",
]

# Mixed-radix keys stay below this bound (int64 without overflow in the products).
_KEY_LIMIT = 2**62
# Direct addressing (bincount over the key space) when the key space is at most this
# many times the number of rows: cheaper than hashing.
_DENSE_FACTOR = 4
# Whole-row singleton sweeps (one factor each) before following removed rows instead.
_FULL_SWEEPS = 8


@dataclass
class Factors:
    """The absorbed factors of the rows, encoded.

    Attributes
    ----------
    names : list of str
        Name of each factor.
    codes : ndarray of int32 (int64 from 2**31 rows), shape (n_rows, Q)
        ``codes[i, q]`` is the level of row ``i`` in factor ``q``, in ``0..G_q-1``
        (column-major, so that each factor's codes are contiguous).
    levels : list of ndarray
        ``levels[q][g]`` is the label of level ``g`` of factor ``q``.
    n_levels : ndarray of int64, shape (Q,)
        ``G_q``, the number of levels of each factor.
    """

    names: list[str]
    codes: np.ndarray
    levels: list[np.ndarray]
    n_levels: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.codes.shape[0])


@dataclass
class Cells:
    """Distinct level combinations of the rows, with row counts and summed weights.

    Attributes
    ----------
    codes : ndarray of int64, shape (n_cells, Q)
        The level combination of each cell, sorted lexicographically (first factor first).
    count : ndarray of int64, shape (n_cells,)
        Number of rows in each cell.
    weight : ndarray of float64, shape (n_cells,)
        Sum of the row weights in each cell (the count when unweighted).
    """

    codes: np.ndarray
    count: np.ndarray
    weight: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.codes.shape[0])


# --------------------------------------------------------------------------- encoding


def _factor_columns(columns, names):
    """Split the input into a list of (name, 1-D values, row labels or None)."""
    import pandas as pd

    if isinstance(columns, pd.DataFrame):
        cols = [columns.iloc[:, j] for j in range(columns.shape[1])]
        default = [str(c) for c in columns.columns]
    elif isinstance(columns, np.ndarray):
        if columns.ndim == 1:
            columns = columns[:, None]
        if columns.ndim != 2:
            raise ValueError(
                f"absorb: factors must be a 2-D array (rows x factors), got {columns.ndim}-D"
            )
        cols = [columns[:, j] for j in range(columns.shape[1])]
        default = [f"fe{j}" for j in range(len(cols))]
    elif isinstance(columns, (list, tuple)):
        cols = list(columns)
        default = [
            str(c.name) if isinstance(c, pd.Series) and c.name is not None else f"fe{j}"
            for j, c in enumerate(cols)
        ]
    else:
        raise ValueError(
            "absorb: factors must be a DataFrame, a 2-D array or a list of 1-D arrays, "
            f"got {type(columns).__name__}"
        )
    if names is None:
        names = default
    names = [str(n) for n in names]
    if len(names) != len(cols):
        raise ValueError(f"absorb: {len(names)} names given for {len(cols)} factors")
    if len(cols) == 0:
        raise ValueError("absorb: no factor given")
    return names, cols


def _small_integer_codes(values):
    """Sorted codes of small non-negative integer labels without sorting, or None
    (:func:`linreg._labels.small_integer_codes`)."""
    from .._labels import small_integer_codes

    return small_integer_codes(values)


def _encode_one(name, values):
    """Codes (int64) and sorted levels of one factor; missing labels raise."""
    import pandas as pd

    index = values.index if isinstance(values, pd.Series) else None
    if not isinstance(values, (pd.Series, pd.Categorical, pd.Index)):
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(f"absorb: factor {name!r} must be 1-D, got shape {values.shape}")
    small = _small_integer_codes(values)
    if small is not None:
        return small
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # labels not mutually orderable: order of first appearance
        codes, uniques = pd.factorize(values, sort=False)
    codes = np.asarray(codes, dtype=np.int64)
    if codes.size and codes.min() < 0:
        row = int(np.argmax(codes < 0))
        label = None if index is None else index[row]
        label = label.item() if isinstance(label, np.generic) else label
        where = f"row {row}" + (f" (index {label!r})" if index is not None else "")
        raise ValueError(
            f"absorb: factor {name!r} has a missing label at {where}; "
            "drop or fill the rows with missing factor labels first"
        )
    return codes, np.asarray(uniques)


def encode_factors(columns, names=None) -> Factors:
    """Encode absorbed factors as integer codes.

    Parameters
    ----------
    columns : DataFrame, 2-D array or list of 1-D arrays / Series
        One factor per column (item); any hashable labels.
    names : list of str, optional
        Factor names; default the DataFrame's column names, the Series' names, or
        ``fe0, fe1, ...``.

    Returns
    -------
    Factors
        ``codes[:, q]`` indexes ``levels[q]``, the distinct labels of factor ``q`` sorted
        (as ``pandas.factorize(sort=True)``) when they are orderable, else in order of
        first appearance.

    Raises
    ------
    ValueError
        On a missing label (NaN, None, NaT), naming the factor and the first such row;
        on factors of different lengths.
    """
    names, cols = _factor_columns(columns, names)
    encoded = [_encode_one(name, col) for name, col in zip(names, cols, strict=True)]
    lengths = {c.shape[0] for c, _ in encoded}
    if len(lengths) != 1:
        raise ValueError(f"absorb: factors have different lengths {sorted(lengths)}")
    n = lengths.pop()
    codes = np.empty((n, len(encoded)), dtype=_code_type(n), order="F")
    for q, (c, _) in enumerate(encoded):
        codes[:, q] = c
    levels = [u for _, u in encoded]
    n_levels = np.array([u.shape[0] for u in levels], dtype=np.int64)
    return Factors(names=names, codes=codes, levels=levels, n_levels=n_levels)


def _as_codes(codes, what="codes") -> np.ndarray:
    """Validate an (n, Q) array of non-negative integer codes; return it as int32 or
    int64 (other integer types are converted to int64)."""
    codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[:, None]
    if codes.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (rows x factors), got {codes.ndim}-D")
    if codes.dtype.kind not in "iu":
        raise ValueError(f"{what} must be integer codes, got dtype {codes.dtype}")
    if codes.size and codes.min() < 0:
        q = int(np.argmax((codes < 0).any(axis=0)))
        row = int(np.argmax(codes[:, q] < 0))
        raise ValueError(f"{what}: negative code in factor {q} at row {row}")
    # int32 codes (a fit's, half the memory) are used as they are
    return codes if codes.dtype in (np.int32, np.int64) else codes.astype(np.int64)


def _code_type(n_rows: int):
    """int32 codes (half the memory of int64) below 2**31 rows, int64 beyond."""
    return np.int32 if n_rows < 2**31 else np.int64


def recode(factors: Factors, keep) -> Factors:
    """Restrict the factors to a subset of rows, dropping levels no longer used.

    Parameters
    ----------
    factors : Factors
    keep : ndarray of bool (n_rows,) or of int (row positions)

    Returns
    -------
    Factors
        Codes compacted to ``0..G'_q-1`` in the same level order; ``levels`` restricted
        to the levels still present.
    """
    keep = np.asarray(keep)
    if keep.dtype == bool and keep.shape != (factors.n_rows,):
        raise ValueError(f"recode: keep has shape {keep.shape}, expected ({factors.n_rows},)")
    n_kept = int(np.count_nonzero(keep)) if keep.dtype == bool else keep.shape[0]
    codes = np.empty((n_kept, factors.codes.shape[1]), dtype=_code_type(n_kept), order="F")
    levels = []
    for q in range(codes.shape[1]):  # one column at a time: 1-D selections are fast
        column = factors.codes[:, q][keep]
        used = np.bincount(column, minlength=int(factors.n_levels[q])) > 0
        if used.all():  # no level lost: the codes stay
            codes[:, q] = column
        else:
            codes[:, q] = (np.cumsum(used) - 1)[column]
        levels.append(factors.levels[q][used])
    n_levels = np.array([lv.shape[0] for lv in levels], dtype=np.int64)
    return Factors(names=list(factors.names), codes=codes, levels=levels, n_levels=n_levels)


# --------------------------------------------------------------------------- singletons


def _iterative_singletons(codes: np.ndarray, multiplicity=None, full_sweeps=None) -> np.ndarray:
    """Keep-mask of the largest subset in which no level has total multiplicity 1.

    Sweeps: in each factor in turn, count the (multiplicity-weighted) rows of each level
    among the rows still kept and drop the rows of levels counted once, until every
    factor has been swept once without a drop.  The fixed point does not depend on the
    order (the union of two singleton-free subsets is singleton-free), so it equals
    fixest's and pyfixest's.  Each sweep costs ``O(n_kept)``; after ``full_sweeps``
    sweeps (a chain of singletons, each removal exposing the next) the rest is done by
    :func:`_singleton_frontier`, ``O(n log n)`` in all whatever the chain length.
    """
    n, n_fact = codes.shape
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return keep
    full_sweeps = _FULL_SWEEPS if full_sweeps is None else full_sweeps
    codes = _compact(codes)
    n_levels = codes.max(axis=0) + 1
    idx = np.arange(n)
    mult = None if multiplicity is None else np.asarray(multiplicity, dtype=np.float64)
    stable = 0  # factors swept in a row without a drop
    q = 0
    for _ in range(full_sweeps):
        if stable >= n_fact or idx.size == 0:
            return keep
        col = np.take(codes[:, q], idx)
        w = None if mult is None else mult[idx]
        counts = np.bincount(col, weights=w, minlength=int(n_levels[q]))
        single = counts[col] == 1
        if single.any():
            keep[idx[single]] = False
            idx = idx[~single]
            stable = 1
        else:
            stable += 1
        q = (q + 1) % n_fact
    if stable < n_fact and idx.size:
        _singleton_frontier(codes, mult, keep, idx, n_levels)
    return keep


def _compact(codes: np.ndarray) -> np.ndarray:
    """The codes with each sparse column (largest code far above the rows) renumbered
    densely in the same order, so that per-level arrays stay of the order of the rows."""
    n = codes.shape[0]
    sparse = [q for q in range(codes.shape[1])
              if int(codes[:, q].max()) >= _DENSE_FACTOR * n + 1024]
    if not sparse:
        return codes
    codes = codes.copy(order="F")
    for q in sparse:
        codes[:, q] = np.unique(codes[:, q], return_inverse=True)[1].reshape(-1)
    return codes


def _singleton_frontier(codes, mult, keep, idx, n_levels) -> None:
    """Finish singleton removal on the rows ``idx`` by following removed rows' levels.

    Only a level that loses a row can become a singleton, and each level does so at most
    once, so scanning the rows of those levels (grouped once by a stable sort per
    factor) costs ``O(n)`` over all rounds.  Updates ``keep`` in place.
    """
    n_fact = codes.shape[1]
    cols = [np.take(codes[:, q], idx) for q in range(n_fact)]
    w = None if mult is None else mult[idx]
    counts = [np.bincount(c, weights=w, minlength=int(g)) for c, g in zip(cols, n_levels)]
    order = [np.argsort(c, kind="stable") for c in cols]
    starts = [np.concatenate([[0], np.cumsum(np.bincount(c, minlength=int(g)))])
              for c, g in zip(cols, n_levels)]
    alive = np.ones(idx.shape[0], dtype=bool)
    drop = np.flatnonzero(np.any([cnt[c] == 1 for cnt, c in zip(counts, cols)], axis=0))
    while drop.size:
        alive[drop] = False
        found = []
        for q in range(n_fact):
            lv = cols[q][drop]
            np.subtract.at(counts[q], lv, 1.0 if w is None else w[drop])  # O(len(drop))
            lv = np.unique(lv)
            lv = lv[counts[q][lv] == 1]
            if lv.size:
                rows = _segments(order[q], starts[q], lv)
                found.append(rows[alive[rows]])
        drop = np.unique(np.concatenate(found)) if found else found
        drop = np.asarray(drop, dtype=np.int64)
    keep[idx[~alive]] = False


def _segments(order, starts, levels) -> np.ndarray:
    """Positions of the rows of ``levels``: ``order[starts[g]:starts[g+1]]`` concatenated."""
    lo, hi = starts[levels], starts[levels + 1]
    length = hi - lo
    offset = np.repeat(lo - np.cumsum(length) + length, length)
    return order[offset + np.arange(int(length.sum()))]


def singleton_mask(codes) -> np.ndarray:
    """Rows kept after removing singletons iteratively, as fixest and pyfixest do.

    A row is dropped when its level in some factor occurs in exactly one of the rows
    still kept; dropping rows may create new singletons, so this repeats until none is
    left.  Counts are unweighted (as fixest).

    Parameters
    ----------
    codes : array of int, shape (n_rows, Q)
        Non-negative level codes.

    Returns
    -------
    ndarray of bool, shape (n_rows,)
        True for the rows kept.
    """
    return _iterative_singletons(_as_codes(codes))


def cell_singleton_mask(cells: Cells) -> np.ndarray:
    """The singleton rule of :func:`singleton_mask` applied to cells by their row counts.

    Returns
    -------
    ndarray of bool, shape (n_cells,)
        True for the cells kept; a cell's rows are all kept or all dropped, exactly as
        :func:`singleton_mask` on the rows.
    """
    return _iterative_singletons(_as_codes(cells.codes, "cells.codes"), cells.count)


# --------------------------------------------------------------------------- cells


def _group_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``codes`` (lexicographic order) and each row's group index.

    The columns are combined into one mixed-radix int64 key; when the next radix would
    overflow, the key built so far is first replaced by its rank among the distinct keys
    (order-preserving), so any number of factors works.
    """
    n, n_fact = codes.shape
    if n == 0:
        return np.empty((0, n_fact), dtype=np.int64), np.empty(0, dtype=np.int64)
    radix = codes.max(axis=0).astype(np.int64) + 1
    key = codes[:, 0].astype(np.int64, copy=True)
    span = int(radix[0])
    for q in range(1, n_fact):
        if span * int(radix[q]) >= _KEY_LIMIT:
            _, key = _dense_rank(key, span)
            span = int(key.max()) + 1
        key *= int(radix[q])
        key += codes[:, q]
        span *= int(radix[q])
    first, inverse = _dense_rank(key, span)
    cell_codes = np.empty((first.shape[0], n_fact), dtype=np.int64)
    for q in range(n_fact):  # per-column take: a 2-D fancy index is many times slower
        cell_codes[:, q] = np.take(codes[:, q], first)
    return cell_codes, inverse


def _dense_rank(key: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """For int64 keys in ``[0, span)``: a row of each distinct key (ascending) and ranks."""
    n = key.shape[0]
    if span <= _DENSE_FACTOR * n + 1024:
        present = np.zeros(span, dtype=bool)
        present[key] = True
        rank = np.cumsum(present, dtype=np.int64) - 1
        inverse = rank[key]
        n_groups = int(rank[-1]) + 1
    else:
        import pandas as pd

        labels, uniques = pd.factorize(key, sort=False)
        order = np.argsort(uniques, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.shape[0])
        inverse = rank[labels]
        n_groups = order.shape[0]
    first = np.empty(n_groups, dtype=np.int64)
    first[inverse] = np.arange(n)  # a row of each group (all its rows share the key)
    return first, inverse.astype(np.int64, copy=False)


def _as_weight(weight, n: int) -> np.ndarray | None:
    if weight is None:
        return None
    weight = np.asarray(weight, dtype=np.float64).reshape(-1)
    if weight.shape[0] != n:
        raise ValueError(f"cells_of: weight has {weight.shape[0]} entries for {n} rows")
    bad = ~np.isfinite(weight) | (weight < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"cells_of: weights must be finite and >= 0; row {row} has {weight[row]!r}"
        )
    return weight


def cells_of(codes, weight=None, rows=True) -> tuple[Cells, np.ndarray | None]:
    """The cells (distinct level combinations) of the rows, with counts and weight sums.

    Parameters
    ----------
    codes : array of int, shape (n_rows, Q)
        Non-negative level codes.
    weight : array of float, shape (n_rows,), optional
        Row weights (finite, >= 0); default 1.

    Returns
    -------
    cells : Cells
        Sorted lexicographically by code; ``count`` rows and ``weight`` summed weights.
    row_to_cell : ndarray of int64, shape (n_rows,), or None
        The cell of each row (None when ``rows`` is false: not needed, and not computed
        when the combinations fit a table, which saves a gather over the rows).
    """
    codes = _as_codes(codes)
    n = codes.shape[0]
    w = _as_weight(weight, n)
    if not rows:
        table = _cell_table(codes, w)
        if table is not None:
            return table, None
    cell_codes, row_to_cell = _group_rows(codes)
    m = cell_codes.shape[0]
    count = np.bincount(row_to_cell, minlength=m).astype(np.int64)
    wsum = count.astype(np.float64) if w is None else np.bincount(row_to_cell, w, minlength=m)
    return Cells(cell_codes, count, wsum), row_to_cell


def _cell_table(codes, w) -> Cells | None:
    """The cells by counting into a table of every level combination (the codes'
    mixed-radix key, one ``bincount``), when that table is at most ``_DENSE_FACTOR``
    times the rows; else None."""
    n, n_fact = codes.shape
    if n == 0:
        return None
    radix = codes.max(axis=0).astype(np.int64) + 1
    span = int(np.prod([int(r) for r in radix], dtype=object))
    if span > _DENSE_FACTOR * n + 1024:
        return None
    key = codes[:, 0].astype(np.int64, copy=True)
    for q in range(1, n_fact):
        key *= int(radix[q])
        key += codes[:, q]
    count = np.bincount(key, minlength=span)
    present = np.flatnonzero(count)
    wsum = count[present].astype(np.float64) if w is None else np.bincount(key, w, span)[present]
    cell_codes = np.empty((present.shape[0], n_fact), dtype=np.int64)
    rest = present
    for q in range(n_fact - 1, 0, -1):  # the key's digits, last factor first
        rest, cell_codes[:, q] = np.divmod(rest, int(radix[q]))
    cell_codes[:, 0] = rest
    return Cells(cell_codes, count[present].astype(np.int64), wsum)


def merge_cells(a: Cells, b: Cells) -> Cells:
    """Union of two sets of cells by key, counts and weights added.

    The result equals :func:`cells_of` on the concatenated rows of ``a`` and ``b`` (weight
    sums up to the order of the floating-point additions), so batches may be merged in
    any order (streaming, Dask partitions).
    """
    ca, cb = _as_codes(a.codes, "cells.codes"), _as_codes(b.codes, "cells.codes")
    if ca.shape[1] != cb.shape[1]:
        raise ValueError(
            f"merge_cells: cells have {ca.shape[1]} and {cb.shape[1]} factors"
        )
    codes = np.concatenate([ca, cb])
    cell_codes, inverse = _group_rows(codes)
    m = cell_codes.shape[0]
    counts = np.concatenate([a.count, b.count]).astype(np.float64)
    count = np.rint(np.bincount(inverse, counts, minlength=m)).astype(np.int64)  # exact < 2**53
    weight = np.bincount(inverse, np.concatenate([a.weight, b.weight]), minlength=m)
    return Cells(cell_codes, count, weight)


# --------------------------------------------------------------------------- streaming labels


class LevelDictionary:
    """A label -> code map grown batch by batch (streamed or partitioned data).

    Codes are stable: a label keeps the code it got when first seen, and an unseen label
    gets the next code, so the codes of earlier batches stay valid.  ``levels`` are in
    order of first appearance (not sorted).
    """

    def __init__(self, name: str = "factor"):
        self.name = str(name)
        self._index = None  # pandas.Index of the labels seen, in code order
        self._seen_rows = 0

    @property
    def n_levels(self) -> int:
        """Number of distinct labels seen so far."""
        return 0 if self._index is None else len(self._index)

    @property
    def levels(self) -> np.ndarray:
        """The labels seen, ``levels[code]``."""
        if self._index is None:
            return np.empty(0, dtype=object)
        return np.asarray(self._index)

    def codes(self, labels) -> np.ndarray:
        """Codes of a batch of labels, adding the unseen ones.

        Raises
        ------
        ValueError
            On a missing label (NaN, None, NaT), naming the factor and the row (counted
            over all batches so far).
        """
        import pandas as pd

        labels = labels if isinstance(labels, (pd.Series, pd.Index)) else np.asarray(labels)
        if getattr(labels, "ndim", 1) != 1:
            raise ValueError(f"absorb: factor {self.name!r} batch must be 1-D")
        missing = np.asarray(pd.isna(labels))
        if missing.any():
            row = self._seen_rows + int(np.argmax(missing))
            raise ValueError(
                f"absorb: factor {self.name!r} has a missing label at row {row}; "
                "drop or fill the rows with missing factor labels first"
            )
        if self._index is None:
            self._index = pd.Index(pd.unique(labels))
        codes = self._index.get_indexer(labels)
        new = codes < 0
        if new.any():
            unseen = np.asarray(labels)[new]
            self._index = self._index.append(pd.Index(pd.unique(unseen)))
            codes[new] = self._index.get_indexer(unseen)
        self._seen_rows += len(labels)
        return codes.astype(np.int64, copy=False)


# --------------------------------------------------------------------------- nesting and dof


def nested_in(fe_codes, cluster_codes) -> bool:
    """Whether a factor is nested in a cluster variable.

    True when every level of the factor lies within exactly one cluster (all rows of
    the level share one cluster), pyfixest's "fully nested" test.

    Parameters
    ----------
    fe_codes, cluster_codes : array of int, shape (n_rows,)
        Codes of the factor and of the clusters on the same rows (labels of any type
        are encoded first).
    """
    fe = _codes_1d(fe_codes, "fe_codes")
    cl = _codes_1d(cluster_codes, "cluster_codes")
    if fe.shape != cl.shape:
        raise ValueError(f"nested_in: {fe.shape[0]} factor codes for {cl.shape[0]} clusters")
    if fe.size == 0:
        return True
    fe = _compact(fe[:, None])[:, 0]
    # One cluster of each level (any of its rows); nested iff every row agrees with it.
    representative = np.empty(int(fe.max()) + 1, dtype=np.int64)
    representative[fe] = cl
    return bool(np.array_equal(representative[fe], cl))


def _codes_1d(values, what) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {values.shape}")
    if values.dtype.kind not in "iu":
        return encode_factors([values], names=[what]).codes[:, 0]
    return _as_codes(values, what)[:, 0]


def nesting_flags(fe_names, fe_codes, cluster_names, cluster_codes) -> np.ndarray:
    """pyfixest's nesting flag of each factor for clustered errors.

    A factor is flagged when its name is the name of a cluster variable, or when it is
    nested (:func:`nested_in`) in some cluster variable.  For two-way clustering pass the
    two cluster variables: a factor nested in their intersection is nested in each.

    Parameters
    ----------
    fe_names : list of str
    fe_codes : array of int, shape (n_rows, Q)
    cluster_names : list of str
    cluster_codes : array, shape (n_rows, C)

    Returns
    -------
    ndarray of bool, shape (Q,)
    """
    fe_codes = _as_codes(fe_codes, "fe_codes")
    cluster_codes = np.asarray(cluster_codes)
    if cluster_codes.ndim == 1:
        cluster_codes = cluster_codes[:, None]
    names = [str(c) for c in cluster_names]
    flags = np.zeros(fe_codes.shape[1], dtype=bool)
    for q, name in enumerate(fe_names):
        flags[q] = str(name) in names or any(
            nested_in(fe_codes[:, q], cluster_codes[:, j]) for j in range(cluster_codes.shape[1])
        )
    return flags


def absorbed_dof(n_levels, nested_flags) -> dict:
    """Counts of absorbed coefficients for fixest's small-sample corrections.

    Follows pyfixest (``utils.get_ssc`` and ``Feols.vcov``): each factor counts its
    levels; all factors but the first lose one level to the shared intercept.

    Parameters
    ----------
    n_levels : array of int, shape (Q,)
        Levels of each absorbed factor (after singleton removal).
    nested_flags : array of bool, shape (Q,)
        Which factors are nested in a cluster variable (:func:`nesting_flags`); all False
        when the errors are not clustered.

    Returns
    -------
    dict
        ``n_fe`` (Q), ``k_fe`` (sum of levels), ``k_fe_adj`` (``k_fe - (Q - 1)`` when
        Q > 1), ``k_fe_nested`` (levels of the nested factors) and ``n_fe_fully_nested``
        (number of nested factors).
    """
    n_levels = np.asarray(n_levels, dtype=np.int64).reshape(-1)
    flags = np.asarray(nested_flags, dtype=bool).reshape(-1)
    if flags.shape != n_levels.shape:
        raise ValueError(
            f"absorbed_dof: {flags.shape[0]} nesting flags for {n_levels.shape[0]} factors"
        )
    n_fe = int(n_levels.shape[0])
    k_fe = int(n_levels.sum())
    n_nested = int(flags.sum())
    return {
        "n_fe": n_fe,
        "k_fe": k_fe,
        "k_fe_adj": k_fe - (n_fe - 1) if n_fe > 1 else k_fe,
        "k_fe_nested": int(n_levels[flags].sum()) if n_nested > 0 else 0,
        "n_fe_fully_nested": n_nested,
    }


_SSC_DEFAULT = {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"}
_VCOV_ALIASES = {
    "iid": "iid", "nonrobust": "iid",
    "hetero": "hetero", "HC1": "hetero",
    "CRV": "CRV", "CRV1": "CRV", "cluster": "CRV",
}


def _df_k(n_coef: int, info: dict, k_fixef: str, nested: bool) -> int:
    """Effective number of coefficients under fixest's ``k_fixef`` rule."""
    n_fe = int(info.get("n_fe", 0))
    if k_fixef == "none" or n_fe == 0:
        return n_coef
    if k_fixef == "full" or not nested or info["k_fe_nested"] == 0:
        return n_coef + info["k_fe_adj"]
    return n_coef + info["k_fe_adj"] - info["k_fe_nested"] + info["n_fe_fully_nested"]


def fixest_dof(n_obs, n_coef, dof_info, vcov_type, n_clusters=None, ssc=None) -> dict:
    """fixest's (pyfixest's) small-sample factor and degrees of freedom.

    With ``df_k`` the effective number of coefficients (regressors plus absorbed levels
    under the ``k_fixef`` rule; nested factors are discounted only for clustered errors),
    the covariance is multiplied by ``adj``:

    - iid: ``(N - 1) / (N - df_k)``; hetero: ``N / (N - df_k)`` (when ``k_adj``);
    - CRV: ``(N - 1) / (N - df_k)`` (when ``k_adj``) times ``G / (G - 1)`` (when
      ``G_adj``), with ``G`` the number of clusters, or for multiway clustering the
      smallest of them under ``G_df="min"`` and each term's own under ``"conventional"``.

    ``df_t`` (t and F reference) is ``N - df_k`` for iid/hetero and ``min(G) - 1`` for CRV.

    Parameters
    ----------
    n_obs : int
        N, the rows used (after singleton removal).
    n_coef : int
        Number of estimated regressor coefficients.
    dof_info : dict
        From :func:`absorbed_dof` (``{}`` or None without absorbed effects).
    vcov_type : {"iid", "hetero", "CRV"}
        Also accepted: "nonrobust", "HC1", "CRV1", "cluster".
    n_clusters : int or sequence of int, optional
        Required for CRV: G, or one G per term of a multiway covariance (e.g.
        ``[G1, G2, G12]`` for two-way).
    ssc : dict, optional
        ``k_adj`` (bool), ``k_fixef`` ("none", "nonnested", "full"), ``G_adj`` (bool),
        ``G_df`` ("min", "conventional"); default pyfixest's ``ssc()``.

    Returns
    -------
    dict
        ``df_k`` (int), ``df_t`` (int), ``adj`` (float, or an array with one factor per
        term for multiway clustering).  When a factor is undefined (``N <= df_k``, or one
        cluster) ``adj`` is NaN and ``reason`` says why.
    """
    kind = _VCOV_ALIASES.get(vcov_type) if isinstance(vcov_type, str) else None
    if kind is None:
        raise ValueError(
            f"fixest_dof: vcov_type must be 'iid', 'hetero' or 'CRV', got {vcov_type!r}"
        )
    opts = dict(_SSC_DEFAULT)
    opts.update(ssc or {})
    if opts["k_fixef"] not in ("none", "nonnested", "full"):
        raise ValueError(
            f"ssc: k_fixef must be 'none', 'nonnested' or 'full', got {opts['k_fixef']!r}"
        )
    if opts["G_df"] not in ("min", "conventional"):
        raise ValueError(f"ssc: G_df must be 'min' or 'conventional', got {opts['G_df']!r}")
    info = {"n_fe": 0, "k_fe": 0, "k_fe_adj": 0, "k_fe_nested": 0, "n_fe_fully_nested": 0}
    info.update(dof_info or {})
    n_obs, n_coef = int(n_obs), int(n_coef)
    df_k = _df_k(n_coef, info, opts["k_fixef"], nested=kind == "CRV")
    out = {"df_k": int(df_k)}
    reasons = []
    adj = 1.0
    if opts["k_adj"]:
        if n_obs - df_k <= 0:
            adj = np.nan
            reasons.append(f"N = {n_obs} <= df_k = {df_k}")
        else:
            adj = (n_obs if kind == "hetero" else n_obs - 1) / (n_obs - df_k)
    if kind != "CRV":
        out["df_t"] = n_obs - df_k
        out["adj"] = float(adj)
    else:
        out.update(_cluster_factor(adj, n_clusters, opts, reasons))
    if reasons:
        out["reason"] = "; ".join(reasons)
    return out


def _cluster_factor(adj: float, n_clusters, opts: dict, reasons: list) -> dict:
    """``adj`` times G/(G-1) per clustering term, and ``df_t = min(G) - 1``."""
    if n_clusters is None:
        raise ValueError("fixest_dof: n_clusters is required for clustered errors")
    multi = np.ndim(n_clusters) > 0
    g = np.atleast_1d(np.asarray(n_clusters, dtype=np.int64))
    if g.size == 0 or (g < 1).any():
        raise ValueError(f"fixest_dof: n_clusters must be positive, got {n_clusters!r}")
    if opts["G_df"] == "min":
        g = np.full_like(g, g.min())
    factors = np.full(g.shape, adj, dtype=np.float64)
    if opts["G_adj"]:
        one = g == 1
        if one.any():
            reasons.append("a single cluster: G / (G - 1) is undefined")
        with np.errstate(divide="ignore", invalid="ignore"):
            factors = np.where(one, np.nan, factors * g / np.maximum(g - 1, 1))
    return {"df_t": int(g.min()) - 1, "adj": factors if multi else float(factors[0])}


def cell_nesting(cells, n_levels) -> np.ndarray:
    """``out[q, r]``: whether each level of factor q lies within one level of factor r
    in the fitted rows (read from their cells), for a summary clustered by the factors."""
    Q = len(n_levels)
    out = np.eye(Q, dtype=bool)
    for q in range(Q):
        for r in range(Q):
            if q == r:
                continue
            if Q == 2:  # the cells are the distinct pairs
                pairs = cells.codes.shape[0]
            else:
                key = cells.codes[:, q] * int(n_levels[r]) + cells.codes[:, r]
                pairs = np.unique(key).size
            out[q, r] = pairs == n_levels[q]
    return out
