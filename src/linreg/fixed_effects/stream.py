"""Absorbed effects on data read in chunks: :func:`linreg.scan` files and Dask.

The same least-squares problem as :mod:`linreg.fixed_effects.fit`, with the rows never
held in memory.  What stays in memory: the cells (distinct combinations of levels, with
their counts and weights) and the effects' normal equations built from them, the level
labels, and per-level sums of the columns, ``G x (p + m)`` numbers per factor.

A :func:`linreg.scan` (batches in file order, in this thread) also keeps each row's
level codes: at most 4 bytes a row per factor (1 byte for a factor of under 127
fitted levels, 2 under 32,767), so 2,000,000 rows of firm (100,000 levels) and year
(20) hold 10 MB.  Its first pass encodes the labels batch by batch
(:class:`~linreg.fixed_effects.factors.LevelDictionary`); the cells and the singletons
then come from the codes in memory, and later passes take each batch's codes by a row
counter instead of reading and looking up its labels.  Dask partitions are read out of
order in other processes: there the cells are merged by label and each pass maps its
labels to codes.  Measured (``benchmarks/bench_fe.py``, 2,000,000 rows, 5 regressors,
effects of 100,000 and 20 levels, summary clustered by firm): peak RSS of the whole
process 424-440 MB, about 190 MB of it imports and 80-150 MB pyarrow's reading.

The passes over the data:

1. the cells, the column sums (for a shift) and the rows of zero weight;
2. per-level sums of the (shifted) columns: the right-hand sides of the effects'
   normal equations, which are solved in memory (:mod:`linreg.fixed_effects.effects`);
   a weighted scan's cells get their weights here;
3. a sweep: the rows demeaned on the fly, their Moments (the demeaned problem's) and
   their per-level sums (the gradient that bounds the demeaning error); repeated, each
   time after a refinement solve, until the coefficients are certified
   (:mod:`linreg.fixed_effects.certificate`) -- usually once.

The fitted model then holds a :class:`DemeanedSource`: the source with the rows
demeaned as they are read, so that ``summary()``'s passes (residuals, clusters) run on
it like on any source.  A file scan thus costs 3 passes to fit (plus one per
refinement) and one per later pass of inference; memory O(cells + levels x columns),
plus the codes of a scan's rows.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from .._warnings import external_stacklevel
from ..moments import Moments
from ..solution import RankDeficientWarning
from ..sources.base import ChunkSource
from .certificate import (
    coefficient_bound,
    demeaning_error_bounds,
    residual_bound,
    residual_floor,
    rounding_estimate,
)
from .factors import cell_nesting
from .fit import COLLINEAR_RTOL, AbsorbedEffects, demeaning_done, set_effects

__all__ = ["DemeanedSource", "fit_stream"]

#: Pending cell rows (summed over chunks) that trigger a merge of the partial tables.
MERGE_ROWS = 1 << 20


# ------------------------------------------------------------------ pass 1: cells
class _CellCounts:
    """Partial result of the first pass: the chunks' cells (label tuples with their
    row counts and weight sums), the weighted column sums, the zero-weight rows.
    ``+`` concatenates and merges by key once enough rows are pending."""

    def __init__(self, frames, sums, weight, n_zero):
        self.frames, self.sums, self.weight, self.n_zero = frames, sums, weight, n_zero

    def __add__(self, other):
        out = _CellCounts(
            self.frames + other.frames,
            self.sums + other.sums,
            self.weight + other.weight,
            self.n_zero + other.n_zero,
        )
        if sum(len(f) for f in out.frames) > MERGE_ROWS + 2 * len(out.frames[0]):
            out.frames = [_merge_frames(out.frames)]
        return out


def _merge_frames(frames):
    import pandas as pd

    keys = [c for c in frames[0].columns if c not in ("count", "weight")]
    whole = pd.concat(frames, ignore_index=True)
    return whole.groupby(keys, sort=False, observed=True).sum().reset_index()


def _check_batch(X, Y, w, labels, names, columns) -> None:
    """What a chunk's first pass refuses, naming the column: a negative or non-finite
    weight, a missing or non-finite regressor or target, and factor labels read as
    floats beyond 2**53 (a CSV's integer labels past float64's integers: distinct
    labels would merge)."""
    if w is not None:
        w = np.asarray(w, dtype=np.float64)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("the weights hold a negative, missing or non-finite value")
    for j, column in enumerate(list(X.T) + list(Y.T)):
        if not np.all(np.isfinite(column)):
            raise ValueError(
                f"column {columns[j]!r} holds a missing or non-finite value (NaN or inf); "
                "drop or fill those rows first"
            )
    for name, values in zip(names, labels):
        values = np.asarray(values)
        if values.dtype.kind == "f" and values.size and np.max(np.abs(values)) >= 2.0**53:
            raise ValueError(
                f"absorb: factor {name!r} has labels of magnitude 2**53 or more read as "
                "floating point (a CSV's integers are read as floats): distinct labels "
                "would merge; write them as text or in a Parquet file"
            )


class _CellsOf:
    """The first pass's function of a chunk (picklable for Dask)."""

    def __init__(self, n_factors: int, names=None, columns=None):
        self.n_factors = n_factors
        self.names, self.columns = names or [], columns or []

    def __call__(self, X, Y, w, E):
        import pandas as pd

        labels = E[: self.n_factors]
        _check_batch(X, Y, w, labels, self.names, self.columns)
        n = X.shape[0]
        keep = np.ones(n, dtype=bool) if w is None else np.asarray(w) > 0
        weight = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        frame = pd.DataFrame({f"f{q}": np.asarray(v)[keep] for q, v in enumerate(labels)})
        frame["count"] = 1
        frame["weight"] = weight[keep]
        frame = _merge_frames([frame])
        V = np.hstack([X, Y])
        sums = weight[keep] @ V[keep]
        return _CellCounts([frame], sums, float(weight[keep].sum()), int(n - keep.sum()))


# ------------------------------------------------------------- rows to codes
class _RowCodes:
    """Labels of a chunk -> the fitted levels' codes, and which rows are fitted (not of
    zero weight, not in a cell removed as a singleton).  Picklable."""

    reads_labels = True

    def __init__(self, indexes, remap, radix, dropped):
        self.indexes, self.remap, self.radix, self.dropped = indexes, remap, radix, dropped

    def cursor(self):
        return self

    def __call__(self, labels, w, n=None):
        raw = np.empty((len(labels[0]), len(labels)), dtype=np.int64)
        for q, (index, values) in enumerate(zip(self.indexes, labels)):
            raw[:, q] = index.get_indexer(np.asarray(values))
        if (raw < 0).any():
            raise ValueError(
                "a label of an absorbed factor was not in the first pass over the data "
                "(did the files change?)"
            )
        keep = np.ones(raw.shape[0], dtype=bool) if w is None else np.asarray(w) > 0
        if self.dropped.size:
            keep &= ~np.isin(raw @ self.radix, self.dropped)
        codes = np.empty((int(keep.sum()), raw.shape[1]), dtype=np.int64)
        for q in range(raw.shape[1]):
            codes[:, q] = self.remap[q][raw[keep, q]]
        return codes, keep


def _row_codes_and_cells(table, n_factors: int):
    """From the first pass's cells: the singleton-free cells (fitted codes), the level
    labels, the row mapping and the number of singleton rows."""
    import pandas as pd

    from .factors import Cells, cell_singleton_mask

    indexes, raw_codes, all_levels = [], [], []
    for q in range(n_factors):
        codes, levels = pd.factorize(table[f"f{q}"], sort=True)
        indexes.append(pd.Index(levels))
        raw_codes.append(np.asarray(codes, dtype=np.int64))
        all_levels.append(np.asarray(levels))
    raw = np.column_stack(raw_codes)
    count = table["count"].to_numpy(dtype=np.int64)
    weight = table["weight"].to_numpy(dtype=np.float64)
    sizes = np.array([len(ix) for ix in indexes], dtype=np.int64)
    _check_span(sizes)
    radix = np.ones(n_factors, dtype=np.int64)
    for q in range(n_factors - 2, -1, -1):
        radix[q] = radix[q + 1] * sizes[q + 1]
    keep = cell_singleton_mask(Cells(codes=raw, count=count, weight=weight))
    dropped = np.sort(raw[~keep] @ radix)
    remap, levels, fitted = [], [], np.empty((int(keep.sum()), n_factors), dtype=np.int64)
    for q in range(n_factors):
        used = np.unique(raw[keep, q])
        mapping = np.full(sizes[q], -1, dtype=np.int64)
        mapping[used] = np.arange(used.size)
        remap.append(mapping)
        levels.append(all_levels[q][used])
        fitted[:, q] = mapping[raw[keep, q]]
    cells = Cells(codes=fitted, count=count[keep], weight=weight[keep])
    row_codes = _RowCodes(indexes, remap, radix, dropped)
    return cells, levels, row_codes, int(count[~keep].sum())


# ------------------------------------------------- a scan: the codes kept per row
class _Encoded:
    """Partial result of a scan's first pass: weighted column sums, weight sum and the
    rows of zero weight (the codes themselves are kept by :class:`_EncodeBatches`)."""

    def __init__(self, sums, weight, n_zero):
        self.sums, self.weight, self.n_zero = sums, weight, n_zero

    def __add__(self, other):
        return _Encoded(self.sums + other.sums, self.weight + other.weight,
                        self.n_zero + other.n_zero)  # fmt: skip


class _EncodeBatches:
    """A scan's first pass (batches in file order, in the calling thread): each factor's
    labels encoded by a :class:`~.factors.LevelDictionary` and the codes kept, 4 bytes a
    row per factor (-1: a row of zero weight)."""

    def __init__(self, names, columns):
        from .factors import LevelDictionary

        self.dictionaries = [LevelDictionary(name) for name in names]
        self.chunks = [[] for _ in names]
        self.names, self.columns = list(names), list(columns)

    def __call__(self, X, Y, w, E):
        _check_batch(X, Y, w, E, self.names, self.columns)
        n = X.shape[0]
        keep = None if w is None else np.asarray(w) > 0
        weight = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        for q, (dictionary, labels) in enumerate(zip(self.dictionaries, E)):
            labels = np.asarray(labels)
            codes = np.full(n, -1, dtype=np.int32)
            if keep is None:
                codes[:] = dictionary.codes(labels)
            else:
                codes[keep] = dictionary.codes(labels[keep])
            if dictionary.n_levels >= 2**31 - 1:
                raise ValueError(f"absorb: factor {dictionary.name!r} has over 2**31 levels")
            self.chunks[q].append(codes)
        sums = weight @ X, weight @ Y
        n_zero = 0 if keep is None else int(n - np.count_nonzero(keep))
        return _Encoded(np.concatenate(sums), float(weight.sum()), n_zero)

    def codes(self) -> list[np.ndarray]:
        """Each factor's codes of all rows (the chunks released)."""
        out = []
        for q in range(len(self.chunks)):
            out.append(np.concatenate(self.chunks[q]) if self.chunks[q] else
                       np.empty(0, dtype=np.int32))  # fmt: skip
            self.chunks[q] = []
        return out


def _level_keys(codes, sizes):
    """Mixed-radix int64 keys of the rows' level combinations (meaningless for a row
    with a code -1)."""
    key = codes[0].astype(np.int64)
    for q in range(1, len(codes)):
        key *= int(sizes[q])
        key += codes[q]
    return key


def _live_cells(codes, live, sizes):
    """Sorted distinct mixed-radix keys of the live rows' level combinations and their
    row counts: a dense count when the number of combinations is small."""
    span = int(np.prod(sizes, dtype=np.int64))
    key = _level_keys(codes, sizes)
    if not live.all():
        key[~live] = span  # one more key for the rows not fitted, dropped below
    if span <= 4 * key.size + 1024:
        count = np.bincount(key, minlength=span + 1)[:span]
        del key
        keys = np.flatnonzero(count)
        return keys, count[keys]
    keys, count = np.unique(key, return_counts=True)
    return keys[keys < span], count[keys < span]


def _cell_codes(keys, sizes) -> np.ndarray:
    """The level codes (n_cells, Q) of mixed-radix keys."""
    out = np.empty((keys.size, len(sizes)), dtype=np.int64)
    digit = np.empty_like(keys)
    stride = 1
    for q in range(len(sizes) - 1, -1, -1):
        np.floor_divide(keys, stride, out=digit)
        out[:, q] = np.remainder(digit, int(sizes[q]), out=digit)
        stride *= int(sizes[q])
    return out


def _sorted_mapping(labels, used) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary code -> fitted code (levels used, in sorted label order; -1 for the
    others, also at index -1) and the fitted levels' labels."""
    import pandas as pd

    rank = pd.factorize(labels, sort=True)[0]
    order = np.empty_like(rank)
    order[rank] = np.arange(rank.size)  # dictionary codes in sorted label order
    kept = order[used[order]]
    dtype = next(t for t in (np.int8, np.int16, np.int32) if kept.size < np.iinfo(t).max)
    mapping = np.full(labels.size + 1, -1, dtype=dtype)
    mapping[kept] = np.arange(kept.size, dtype=dtype)
    return mapping, np.asarray(labels)[kept]


def _check_span(sizes):
    if float(np.prod(np.asarray(sizes, dtype=np.float64))) >= 2.0**62:
        raise ValueError(
            "the absorbed factors have too many level combinations for the streamed fit "
            f"({' x '.join(map(str, sizes))}); fit in memory"
        )


def _stored_codes(encoder: _EncodeBatches):
    """From a scan's first pass: the singleton-free cells (fitted codes, unit weights),
    the fitted levels' labels, the rows' fitted codes (:class:`_StoredCodes`) and the
    number of singleton rows.  The per-row codes are remapped in place."""
    from .factors import Cells, cell_singleton_mask

    codes = encoder.codes()
    sizes = [d.n_levels for d in encoder.dictionaries]
    _check_span(sizes)
    live = codes[0] >= 0
    if not live.any():
        raise ValueError("no rows of positive weight to fit")
    keys, count = _live_cells(codes, live, sizes)
    raw = _cell_codes(keys, sizes)
    del keys
    keep = cell_singleton_mask(Cells(codes=raw, count=count, weight=count))  # by counts
    levels, fitted = [], np.empty((int(keep.sum()), len(codes)), dtype=np.int64)
    for q, dictionary in enumerate(encoder.dictionaries):
        used = np.zeros(sizes[q], dtype=bool)
        used[raw[keep, q]] = True
        mapping, labels = _sorted_mapping(dictionary.levels, used)
        levels.append(labels)
        fitted[:, q] = mapping[raw[keep, q]]
        codes[q] = mapping[codes[q]]  # -1 stays -1 (mapping[-1] is -1)
    fitted_rows = codes[0] >= 0
    for c in codes[1:]:
        fitted_rows &= c >= 0
    n_singletons = int(np.count_nonzero(live & ~fitted_rows))
    codes[0][~fitted_rows] = -1
    del live, fitted_rows
    n_levels = np.array([len(v) for v in levels], dtype=np.int64)
    order = np.argsort(_level_keys(list(fitted.T), n_levels), kind="stable")
    fitted = fitted[order]
    cells = Cells(codes=fitted, count=count[keep][order], weight=count[keep][order] * 1.0)
    return cells, levels, _StoredCodes(codes, n_levels), n_singletons


class _StoredCodes:
    """The fitted codes of every row of a scan (factor 0's code -1: a row not fitted),
    read back in file order by a row counter (:meth:`cursor`, one per pass)."""

    reads_labels = False

    def __init__(self, codes, n_levels):
        self.codes, self.n_levels = codes, n_levels
        self.n_rows = int(codes[0].size)

    def cursor(self):
        return _Cursor(self)

    def cell_index(self, codes, cell_keys):
        """The cell (index into the sorted ``cell_keys``) of rows of fitted ``codes``."""
        return np.searchsorted(cell_keys, _level_keys(list(codes.T), self.n_levels))


class _Cursor:
    """One pass's reader of :class:`_StoredCodes`: the next batch's codes and fitted rows."""

    def __init__(self, stored):
        self.stored, self.position = stored, 0

    def __call__(self, labels, w, n):
        start, stop = self.position, self.position + n
        if stop > self.stored.n_rows:
            raise ValueError(
                "the scan yields more rows than in the first pass over the data "
                "(did the files change?)"
            )
        self.position = stop
        first = self.stored.codes[0][start:stop]
        keep = first >= 0
        dtype = np.result_type(*self.stored.codes)
        codes = np.empty((int(np.count_nonzero(keep)), len(self.stored.codes)), dtype=dtype)
        for q, c in enumerate(self.stored.codes):
            codes[:, q] = c[start:stop][keep]
        return codes, keep


# ------------------------------------------------------------------ the sweeps
class _SweepPart:
    """Per-level sums of the demeaned columns, their Moments and squared norms."""

    def __init__(self, gradient, moments, squares, cell_weight=None, largest=None):
        self.gradient, self.moments, self.squares = gradient, moments, squares
        self.cell_weight = cell_weight
        self.largest = largest  # per column, the largest magnitude

    def __add__(self, other):
        return _SweepPart(
            [a + b for a, b in zip(self.gradient, other.gradient)],
            None if self.moments is None else self.moments.merge(other.moments),
            self.squares + other.squares,
            None if self.cell_weight is None else self.cell_weight + other.cell_weight,
            np.maximum(self.largest, other.largest),
        )

    def absorbed_columns(self, before, p: int) -> np.ndarray:
        """The regressors whose size after demeaning is at the rounding level of their
        size ``before`` (the first sweep's part): norms, or the largest magnitudes where
        a sum of squares underflowed or overflowed (tiny columns are not zero)."""
        a, b = before.squares[:p], self.squares[:p]
        ok = (a > 1e-280) & np.isfinite(a) & (b > 1e-280) & np.isfinite(b)
        by_norm = np.sqrt(np.where(ok, b, 0.0)) <= COLLINEAR_RTOL * np.sqrt(np.where(ok, a, 0.0))
        by_size = self.largest[:p] <= COLLINEAR_RTOL * before.largest[:p]
        return np.flatnonzero(np.where(ok, by_norm, by_size))


def _group_sums(codes, n_levels, V, w):
    """``out[g, j] = sum_{i: codes_i = g} w_i V_ij`` by ``np.bincount`` per column (no
    compiled kernel: loading numba would cost the streamed fit ~100 MB of memory)."""
    out = np.empty((n_levels, V.shape[1]))
    for j in range(V.shape[1]):
        column = V[:, j] if w is None else V[:, j] * w
        out[:, j] = np.bincount(codes, column, minlength=n_levels)
    return out


class _Demean:
    """A chunk's fitted rows demeaned: ``[X, Y] - shift - sum_q alpha_q[level]``, the
    collinear regressors set to 0.  Picklable (the Dask workers run it).  The rows'
    codes come from their labels (``E[:n_read]``) or, for a scan, from the codes kept
    per row (:meth:`fresh`: one reader per pass)."""

    def __init__(self, row_codes, n_factors, n_levels, shift, alpha, zero, p):
        self.row_codes, self.n_factors, self.n_levels = row_codes, n_factors, n_levels
        self.shift, self.alpha, self.zero, self.p = shift, alpha, zero, p
        self.n_read = n_factors if row_codes.reads_labels else 0
        self._rows = row_codes.cursor()

    def check_complete(self) -> None:
        """After a pass: every row kept from the first pass was read (a scan)."""
        rows = self._rows
        if isinstance(rows, _Cursor) and rows.position != rows.stored.n_rows:
            raise ValueError(
                f"the scan yielded {rows.position} rows, {rows.stored.n_rows} in the first "
                "pass over the data (did the files change?)"
            )

    def fresh(self):
        """This demeaning with the rows' codes read from the first row again."""
        out = copy.copy(self)
        out._rows = self.row_codes.cursor()
        return out

    def __call__(self, X, Y, w, E):
        codes, keep = self._rows(E[: self.n_read], w, X.shape[0])
        p = self.p
        V = np.empty((codes.shape[0], p + Y.shape[1]))
        every = codes.shape[0] == X.shape[0]
        V[:, :p] = X if every else X[keep]
        V[:, p:] = Y if every else Y[keep]
        V -= self.shift
        if self.alpha is not None:
            effect = np.empty_like(V)
            for q, a in enumerate(self.alpha):
                V -= np.take(a, codes[:, q], axis=0, out=effect, mode="clip")
        if self.zero.size:
            V[:, self.zero] = 0.0
        wk = None if w is None else np.asarray(w, dtype=np.float64)[keep]
        return V, wk, codes, keep


class _Sweep:
    """The sweep pass's function: gradient, Moments (optional) and squares of a chunk."""

    def __init__(self, demean: _Demean, with_moments: bool, cell_keys=None):
        self.demean, self.with_moments = demean.fresh(), with_moments
        self.cell_keys = cell_keys  # a weighted scan's first sweep: the cells' weights
        self._buffer = None  # the Moments' copy of a chunk, reused

    def __call__(self, X, Y, w, E):
        V, wk, codes, _ = self.demean(X, Y, w, E)
        d = self.demean
        gradient = [
            _group_sums(codes[:, q], int(d.n_levels[q]), V, wk) for q in range(d.n_factors)
        ]
        moments = None
        if self.with_moments:
            if self._buffer is None or self._buffer.shape[0] < V.shape[0]:
                self._buffer = np.empty_like(V)
            moments = Moments.of_chunk(V[:, : d.p], V[:, d.p :], wk, buffer=self._buffer)
        cell_weight = None
        if self.cell_keys is not None:
            cell = d.row_codes.cell_index(codes, self.cell_keys)
            cell_weight = np.bincount(cell, wk, minlength=self.cell_keys.size)
        largest = np.max(np.abs(V), axis=0) if V.shape[0] else np.zeros(V.shape[1])
        return _SweepPart(gradient, moments, np.einsum("ij,ij->j", V, V), cell_weight, largest)


# ------------------------------------------------------------- the source
class DemeanedSource(ChunkSource):
    """A chunked source whose rows are demeaned by the absorbed effects as they are
    read (the fitted rows only); its Moments are those of the certifying sweep."""

    def __init__(self, inner, labels, demean: _Demean, moments: Moments):
        self._inner, self._labels, self._demean, self._moments = inner, labels, demean, moments
        self.feature_names = inner.feature_names
        self.target_names = inner.target_names
        self.n_features, self.n_targets = inner.n_features, inner.n_targets
        self.weighted, self.y_was_1d = inner.weighted, inner.y_was_1d

    def __getattr__(self, name):
        # what inference asks of the underlying source (a scan's files and columns, a
        # Dask source's partitions) for the labels it reads alongside
        if name.startswith("__") or name in ("_inner",):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def moments(self) -> Moments:
        return self._moments

    def reduce(self, func, extra=None):
        """``sum(func(X, Y, w[, E]))`` over the demeaned fitted rows (see
        :meth:`ChunkSource.reduce`); the absorbed factors' labels are read alongside."""
        wrapped = _Wrapped(self._demean, func, extra is not None)
        labels = list(self._labels) if self._demean.n_read else []
        out = self._inner.reduce(wrapped, extra=labels + list(extra or []))
        wrapped.demean.check_complete()
        _release_memory()
        return out


class _Wrapped:
    """A pass's function applied to the demeaned fitted rows of a chunk."""

    def __init__(self, demean, func, has_extra):
        self.demean, self.func, self.has_extra = demean.fresh(), func, has_extra

    def __call__(self, X, Y, w, E):
        V, wk, _, keep = self.demean(X, Y, w, E)
        p = self.demean.p
        args = (V[:, :p], V[:, p:], wk)
        if self.has_extra:
            rest = tuple(np.asarray(e)[keep] for e in E[self.demean.n_read :])
            return self.func(*args, rest)
        return self.func(*args)


# ---------------------------------------------------------------- the fit
def _labels_of(source, absorb) -> tuple[list, list]:
    """``(names, labels)``: the absorbed factors' names and what the source's
    ``reduce(extra=...)`` reads for them (file column names; Dask collections)."""
    if hasattr(source, "files"):
        names = [absorb] if isinstance(absorb, str) else list(absorb)
        names = [n.strip() for name in names for n in name.split("+")]
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ValueError("absorb= names the columns of the files holding the factors")
        for f, cols in zip(source.files, source._columns):
            unknown = [n for n in names if n not in cols]
            if unknown:
                raise ValueError(f"absorb: unknown column {unknown[0]!r} in {f!r}")
        used = set(source.feature_names) | set(source.target_names)
        both = [n for n in names if n in used]
        if both:
            raise ValueError(
                f"absorb: column(s) {both} are also features or targets of the scan; "
                "leave them out of features="
            )
        return names, names
    if isinstance(absorb, (list, tuple)):
        labels = list(absorb)
    elif getattr(absorb, "ndim", 1) == 2 and hasattr(absorb, "columns"):
        labels = [absorb[c] for c in absorb.columns]
    else:
        labels = [absorb]
    names = [str(getattr(v, "name", None) or f"f{q}") for q, v in enumerate(labels)]
    return names, labels


def _release_memory() -> None:
    """After a pass: the memory pyarrow's pool (mimalloc) keeps cached from the
    batches read goes back to the system (40 to 80 MB on the benchmark's scan)."""
    import sys

    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def _in_file_order(source) -> bool:
    """Whether ``source.reduce`` calls its function on the batches in file order in
    this thread (a :func:`linreg.scan`), so that codes can be kept per row."""
    from ..sources.scan import Scan

    return isinstance(source, Scan)


def _first_pass(source, names, labels):
    """The first pass: ``(partial sums, cells, fitted levels, row codes, singletons)``.
    A scan keeps each row's codes (:class:`_StoredCodes`); other sources (Dask: the
    partitions are read out of order, in other processes) merge their cells by label
    and map labels to codes in each later pass (:class:`_RowCodes`)."""
    columns = list(source.feature_names or [f"x{j}" for j in range(source.n_features)])
    columns += list(source.target_names or [f"y{j}" for j in range(source.n_targets)])
    if _in_file_order(source):
        encoder = _EncodeBatches(names, columns)
        first = source.reduce(encoder, extra=labels)
        _release_memory()
        cells, levels, row_codes, n_singletons = _stored_codes(encoder)
    else:
        first = source.reduce(_CellsOf(len(names), names, columns), extra=labels)
        table = _merge_frames(first.frames)
        first.frames = None
        if not len(table):
            raise ValueError("no rows of positive weight to fit")
        cells, levels, row_codes, n_singletons = _row_codes_and_cells(table, len(names))
    if not len(cells.count):
        raise ValueError("no rows left after removing singletons: nothing to fit")
    return first, cells, levels, row_codes, n_singletons


def fit_stream(model, source, dtype, absorb):
    """Fit ``model`` with absorbed effects on a chunked source (see the module)."""
    from .effects import EffectSystem

    names, labels = _labels_of(source, absorb)
    Q, p = len(names), source.n_features
    first, cells, levels, row_codes, n_singletons = _first_pass(source, names, labels)
    n_levels = np.array([len(v) for v in levels], dtype=np.int64)
    shift = first.sums / first.weight
    zero = np.zeros(0, dtype=np.int64)
    read = labels if row_codes.reads_labels else []

    def sweep(alpha, with_moments, cell_keys=None):
        demean = _Demean(row_codes, Q, n_levels, shift, alpha, zero, p)
        func = _Sweep(demean, with_moments, cell_keys)
        part = source.reduce(func, extra=read)
        func.demean.check_complete()
        _release_memory()
        return demean, part

    cell_keys = None
    if not row_codes.reads_labels and source.weighted:  # a scan's cells' weights: pass 2
        cell_keys = _level_keys(list(cells.codes.T), n_levels)
    _, part = sweep(None, False, cell_keys)
    before = part
    if cell_keys is not None:
        cells.weight = part.cell_weight
        del cell_keys
    system = EffectSystem(cells, n_levels)
    nesting = cell_nesting(cells, n_levels)
    del cells
    eigenvalue = float(system.smallest_nonzero_eigenvalue())
    original = np.sqrt(part.squares[:p])
    target_norms = np.sqrt(np.maximum(part.squares[p:], 0.0))  # about the shift
    alpha, info = system.solve(part.gradient)
    refinements, collinear_checked = 0, False
    while True:
        demean, part = sweep(alpha, True)
        if not collinear_checked:
            collinear_checked = True
            gone = part.absorbed_columns(before, p)
            if gone.size:
                zero = gone
                continue
        bounds = demeaning_error_bounds(part.gradient, system.level_weight, eigenvalue)
        live = np.setdiff1d(np.arange(p), zero)
        cross = part.moments.uncentred()
        gram = cross[np.ix_(live, live)]
        rhs = cross[np.ix_(live, np.arange(p, cross.shape[0]))]
        coef = np.linalg.lstsq(gram, rhs, rcond=None)[0].T if live.size else np.zeros((0, 0))
        bound = coefficient_bound(gram, coef, bounds[:p][live], bounds[p:])
        mask = np.zeros(p, dtype=bool)
        mask[live] = True
        resid = residual_bound(cross, coef, mask, bounds[:p][live], bounds[p:])
        floor = residual_floor(cross, coef, mask, target_norms, p)
        entries = int(part.moments.n_samples) * cross.shape[0]
        if demeaning_done(bound, resid, floor, entries, refinements):
            break
        refinements += 1
        delta, info = system.solve(part.gradient)
        alpha = [a + d for a, d in zip(alpha, delta)]
    feature_labels = source.feature_names or [f"x{j}" for j in range(p)]
    absorbed = AbsorbedEffects(
        names=names,
        levels=levels,
        n_levels=n_levels,
        n_singletons=n_singletons,
        n_zero_weight=int(first.n_zero),
        n_input=int(part.moments.n_samples + n_singletons + first.n_zero),
        keep=None,
        codes=None,
    )
    absorbed.n_rows = int(part.moments.n_samples)
    absorbed.source_labels = labels
    absorbed.cell_nesting = nesting
    absorbed._column_effects, absorbed._shift = alpha, shift
    demeaned_norms = np.sqrt(np.maximum(part.squares[:p], 0.0))[live]
    absorbed.certificate = {
        "coef_bound": float(bound),
        "rounding": float(rounding_estimate(original[live], demeaned_norms, gram)),
        "eigenvalue": eigenvalue,
        "residual_bound": float(resid),
        "residual_floor": float(floor),
        "refinements": refinements,
        "method": str(info.get("method", "")),
        "passes": 3 + refinements + (1 if zero.size else 0),
    }
    if zero.size:
        absorbed.collinear = [feature_labels[j] for j in zero]
        warnings.warn(
            f"regressor(s) {absorbed.collinear} are collinear with the absorbed effects "
            f"{names} (in their span: e.g. constant within a factor's levels): dropped, as "
            "fixest does",
            RankDeficientWarning,
            stacklevel=external_stacklevel(),
        )
    from .fit import _warn_uncertified

    _warn_uncertified(bound, eigenvalue, refinements, 0.0, original, original, feature_labels)
    model.absorbed_ = absorbed
    with warnings.catch_warnings():
        if zero.size:
            warnings.simplefilter("ignore", RankDeficientWarning)
        tiny = part.squares <= 1e-280
        if np.any(tiny) and np.all(part.largest[tiny] == 0):
            # a column demeaned to exactly zero (dropped, or a target constant within the
            # levels) is not an underflow of the Moments, which cannot tell them apart
            warnings.filterwarnings("ignore", message=".*in the Moments underflowed")
        model._fit_source(DemeanedSource(source, labels, demean, part.moments), dtype)
    absorbed._source = source  # for the nesting pass of a clustered summary; not pickled
    set_effects(absorbed, model.solution_.coef)
    return model
