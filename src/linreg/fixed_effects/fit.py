"""Fitting least squares with absorbed fixed effects, from arrays in memory.

Objective (fixest's ``feols``, scikit-learn's weighting)::

    minimize over (beta, phi_1..phi_Q)   sum_i w_i (y_i - x_i' beta - sum_q phi_q[c_qi])^2

with ``c_qi`` the level of row i in absorbed factor q.  By Frisch-Waugh-Lovell, beta is
the least-squares fit, without intercept, of the demeaned columns (each column minus
its W-projection onto the effects' span); the effects ``phi`` follow from beta.

How (see :mod:`linreg.fixed_effects`): the rows are encoded, singletons and rows of
zero weight removed (fixest's rule, reported), the cells (distinct level combinations)
give the normal equations of the effects, which are solved in coefficient space for
all columns of ``[X, Y]`` at once from their per-level sums; the columns are demeaned
in place; their per-level sums (the gradient) and the spectral gap of the effects
bound the demeaning error, and a refinement step (solve for the gradient, subtract)
repeats until the coefficients' bound (:mod:`linreg.fixed_effects.certificate`) is
below ``COEF_RTOL``.  Memory: one copy of ``[X, Y]`` plus O(levels + cells).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._memory import release_freed_memory
from .._warnings import external_stacklevel
from ..solution import AccuracyWarning, RankDeficientWarning
from .certificate import (
    coefficient_bound,
    demeaning_error_bounds,
    residual_bound,
    residual_floor,
    rounding_estimate,
)

__all__ = ["AbsorbedEffects", "absorb_arrays", "COEF_RTOL"]

#: The relative bound on the coefficients that the demeaning must certify.
COEF_RTOL = 1e-10
#: The relative bound on the residuals (so on the standard errors) the demeaning is
#: refined to (above the rounding floor), and the one past which a warning is given
#: (the standard errors' documented accuracy, inference.covariance.SE_RTOL).
RESID_RTOL = 1e-8
RESID_WARN = 1e-6
#: Up to this many entries in the demeaned block, refinements (milliseconds each) go on
#: to the residuals' rounding floor: clustered standard errors of a nearly exact fit
#: amplify what is left (fuzz absorbed 535 and 462: residuals certified to 2e-12 and
#: 3e-14 gave clustered standard errors 1.2e-6 and 1.1e-6 off; one more refinement,
#: 4e-9 and 2e-8).
SMALL_BLOCK = 1 << 20

#: Refinement steps after the first solve (each: one solve and one subtraction).
MAX_REFINEMENTS = 8
#: Rows per block when subtracting the effects (bounds the temporary memory).
ROW_BLOCK = 1 << 15

EPS = float(np.finfo(np.float64).eps)
#: Threads of the compiled passes over the rows (each sums into its own per-level
#: arrays, allocated beforehand), from PARALLEL_ROWS rows.  Measured on 2M x 5 with
#: 100,000 firms: 2 threads 0.74-0.81 s and 157-158 MB over X (80 MB), 1 thread
#: 0.79-0.97 s and 145-146 MB: one, for the memory margin (issue 16: < 2 copies of X).
PASS_THREADS = 1
PARALLEL_ROWS = 1 << 18
#: A regressor whose demeaned norm is below this fraction of its norm is absorbed.
COLLINEAR_RTOL = 1e-9


def demeaning_done(bound: float, resid: float, floor: float, entries: int,
                   refinements: int) -> bool:  # fmt: skip
    """Whether the demeaning may stop: the coefficients certified to :data:`COEF_RTOL`
    and the residuals to :data:`RESID_RTOL` (to their rounding ``floor`` for a block of
    at most :data:`SMALL_BLOCK` entries), or :data:`MAX_REFINEMENTS` reached."""
    target = 0.0 if entries <= SMALL_BLOCK else RESID_RTOL
    return (bound <= COEF_RTOL and resid <= max(target, floor)) or refinements >= MAX_REFINEMENTS


@dataclass
class AbsorbedEffects:
    """What a fit with absorbed effects absorbed, and how well.

    Attributes
    ----------
    names : list of str
        The absorbed factors.
    levels : list of ndarray
        The labels of each factor's levels (after singleton removal).
    n_levels : ndarray of int
    n_singletons : int
        Rows dropped because one of their levels occurs once (fixest's rule).
    n_zero_weight : int
        Rows of zero weight (they do not enter the fit).
    n_input : int
        Rows given to fit.
    keep : ndarray of bool or None
        Which of the input rows were fitted (None: all).
    codes : ndarray of shape (n_kept, Q)
        Level codes of the fitted rows.
    effects : list of ndarray of shape (G_q, n_targets)
        The fixed-effect estimates ``phi_q`` (fixest's normalization: every factor but
        the first has its first level at 0).
    certificate : dict
        ``coef_bound`` (certified relative bound on the coefficients from the
        demeaning), ``rounding`` (estimate of the rounding's part), ``eigenvalue``
        (spectral gap used), ``refinements``, ``method``, ``iterations``.
    collinear : list of str
        Regressors absorbed by the effects (dropped: aliased, coefficient 0).
    """

    names: list
    levels: list
    n_levels: np.ndarray
    n_singletons: int
    n_zero_weight: int
    n_input: int
    keep: np.ndarray | None
    codes: np.ndarray
    effects: list = field(default_factory=list)
    certificate: dict = field(default_factory=dict)
    collinear: list = field(default_factory=list)
    n_rows: int = 0
    source_labels: list | None = None
    _column_effects: list = field(default_factory=list, repr=False)
    _shift: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_fitted(self) -> int:
        """Rows fitted (after removing singletons and zero weights)."""
        return int(self.codes.shape[0]) if self.codes is not None else int(self.n_rows)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_source", None)  # a chunked source is re-read, never pickled
        labels = state.get("source_labels")
        if labels is not None and not all(isinstance(v, str) for v in labels):
            state["source_labels"] = None  # Dask collections
        return state

    def rows(self, values, what: str = "values"):
        """The fitted rows of per-row ``values`` given for the input rows (or already
        for the fitted rows)."""
        if self.codes is None:
            raise ValueError(
                f"{what}: for a model fitted on a chunked source, name the columns "
                "(file columns of a scan) or pass collections partitioned as the data"
            )
        values = np.asarray(values)
        if values.shape[0] == self.n_input:
            values = values if self.keep is None else values[self.keep]
        elif values.shape[0] != self.n_fitted:
            raise ValueError(
                f"{what} has {values.shape[0]} rows; the fit had {self.n_input} input rows "
                f"({self.n_fitted} after removing singletons and zero weights)"
            )
        return values

    def describe(self) -> list[str]:
        """Lines for the printed summary."""
        parts = [f"{n} ({int(g):,} levels)" for n, g in zip(self.names, self.n_levels)]
        lines = ["Absorbed effects: " + ", ".join(parts) + "."]
        dropped = []
        if self.n_singletons:
            dropped.append(f"{self.n_singletons:,} singleton rows")
        if self.n_zero_weight:
            dropped.append(f"{self.n_zero_weight:,} rows of zero weight")
        if dropped:
            lines.append("Removed before fitting: " + " and ".join(dropped) + ".")
        if self.collinear:
            lines.append(
                "Absorbed by the effects (collinear, dropped): " + ", ".join(self.collinear) + "."
            )
        return lines


def absorb_arrays(X, Y, w, absorb, feature_names=None):
    """Demean ``X`` and ``Y`` by the absorbed factors.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    Y : ndarray of shape (n, m)
    w : ndarray of shape (n,) or None
    absorb : DataFrame, ndarray of shape (n,) or (n, Q), or list of 1-D arrays
        The factors (any labels), one row per row of X.
    feature_names : sequence of str, optional
        For naming collinear regressors.

    Returns
    -------
    Xt : ndarray of shape (n_kept, p)
        The demeaned design (collinear columns set to exactly 0).
    Yt : ndarray of shape (n_kept, m)
    wt : ndarray of shape (n_kept,) or None
    absorbed : AbsorbedEffects
        Without ``effects`` (set by :func:`set_effects` once beta is known).
    """
    from .factors import encode_factors, recode, singleton_mask

    n, p = X.shape
    factors = encode_factors(absorb, _factor_names(absorb))
    if factors.codes.shape[0] != n:
        raise ValueError(
            f"absorb has {factors.codes.shape[0]} rows but X has {n}: one label per row "
            "of each absorbed factor"
        )
    # rows of zero weight first (they are not observations), then the singletons of
    # the rest, repeatedly (fixest's order; a streamed fit counts them the same way)
    positive = None if w is None else w > 0
    n_zero = 0 if positive is None else int(np.count_nonzero(~positive))
    if n_zero:
        keep = positive.copy()
        keep[keep] = singleton_mask(factors.codes[keep])
    else:
        keep = singleton_mask(factors.codes)
    n_singletons = int(n - n_zero - keep.sum())
    if not keep.any():
        raise ValueError(
            "no rows left after removing singletons (levels of an absorbed factor that "
            "occur once) and rows of zero weight: nothing to fit"
        )
    all_kept = bool(keep.all())
    if not all_kept:
        factors = recode(factors, keep)
    # int32 codes (half the memory; n < 2**31 rows), sorted by the largest factor
    int_type = np.int32 if n < 2**31 else np.int64
    codes = np.asfortranarray(factors.codes, dtype=int_type)
    factors.codes = None  # the int64 codes are not kept
    wk = None if w is None else (w if all_kept else w[keep])
    absorbed = AbsorbedEffects(
        names=list(factors.names),
        levels=list(factors.levels),
        n_levels=np.asarray(factors.n_levels, dtype=np.int64),
        n_singletons=n_singletons,
        n_zero_weight=n_zero,
        n_input=n,
        keep=None if all_kept else keep,
        codes=codes,
    )
    X = np.asarray(X, dtype=np.float64)  # float32 / longdouble input: demeaned in float64
    Y = np.asarray(Y, dtype=np.float64)
    rows = _Rows(X, Y, None, wk, codes, absorbed.n_levels, int_type)
    # The effects are solved, and their system released, before the copy of the data
    # is made: the system's memory and the copy are never held at the same time.
    system, eigenvalue, absorbed.cell_nesting = _effect_system(codes, wk, absorbed.n_levels)
    if not all_kept:  # the kept rows' positions (after the system's temporaries)
        rows.positions = np.flatnonzero(keep).astype(int_type)
    shift, gradient = rows.shifted_level_sums(system.level_weight)
    alpha, info = system.solve(gradient)
    level_weight = system.level_weight
    del system, gradient
    release_freed_memory()  # the system's pages, before the copy of the data
    absorbed._shift = shift
    names = list(feature_names) if feature_names is not None else [f"x{j}" for j in range(p)]
    first = (alpha, info, level_weight, eigenvalue)
    V, moments = _demean(rows, absorbed, p, names, first)
    return V[:, :p], V[:, p:], wk, absorbed, moments


class _Rows:
    """The kept rows of ``[X, Y]`` (``positions``: which input row is the k-th; None:
    all, in order) with their level codes, read by compiled passes (no copy until the
    demeaned one)."""

    def __init__(self, X, Y, positions, w, codes, n_levels, int_type):
        self.X, self.Y, self.w, self.codes = X, Y, w, codes
        # one compiled signature whether the rows are indexed or not
        self.positions = np.zeros(0, dtype=int_type) if positions is None else positions
        self.weight = np.zeros(0) if w is None else np.asarray(w, dtype=np.float64)
        self.sizes = [int(G) for G in n_levels]
        self.offsets = np.cumsum([0] + self.sizes[:-1]).astype(np.int64)
        self.width = X.shape[1] + Y.shape[1]

    def split(self, stacked) -> list:
        """The per-factor blocks of a stacked (sum G_q, width) array."""
        return [stacked[o : o + g] for o, g in zip(self.offsets, self.sizes)]

    def parts(self):
        """``(k0, k1, X, Y, positions, codes, weight)``: contiguous ranges of the kept
        rows, one per thread of a compiled pass (the kernels release the GIL)."""
        n = self.codes.shape[0]
        count = PASS_THREADS if n >= PARALLEL_ROWS else 1
        bounds = np.linspace(0, n, count + 1).astype(np.int64)
        indexed = self.positions.shape[0] > 0
        out = []
        for k0, k1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            out.append((
                k0, k1,
                self.X if indexed else self.X[k0:k1],
                self.Y if indexed else self.Y[k0:k1],
                self.positions[k0:k1] if indexed else self.positions,
                self.codes[k0:k1],
                self.weight[k0:k1] if self.weight.shape[0] else self.weight,
            ))  # fmt: skip
        return out

    @staticmethod
    def run(task, parts):
        """``task(i, part)`` for every part, on threads when there are several.  The
        tasks write into arrays allocated beforehand (in this thread): no thread's
        allocator arena grows."""
        if len(parts) == 1:
            task(0, parts[0])
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(parts)) as pool:
            list(pool.map(task, range(len(parts)), parts))

    def shifted_level_sums(self, level_weight):
        """``(shift, level sums)``: the weighted column means of the kept rows and the
        per-level sums of the shifted columns (``sum w x - n_g shift``)."""
        from .kernels import raw_level_sums

        parts = self.parts()
        outs = np.zeros((len(parts), sum(self.sizes), self.width))
        totals = np.zeros((len(parts), self.width))
        first = int(self.positions[0]) if self.positions.shape[0] else 0
        pre = np.concatenate([self.X[first], self.Y[first]]).astype(np.float64)

        def task(i, part):
            _, _, X, Y, positions, codes, weight = part
            raw_level_sums(X, Y, positions, codes, self.offsets, weight, pre, outs[i],
                           totals[i])  # fmt: skip

        self.run(task, parts)
        out = outs.sum(axis=0) if len(parts) > 1 else outs[0]
        totals = totals.sum(axis=0)
        total = float(level_weight[0].sum())
        centre = totals / total if total > 0 else np.zeros(self.width)
        # The rows will be shifted by the float ``pre + centre``; the sums must be of
        # rows shifted by that same float, or its rounding (eps times an offset of
        # 1e9: 1e-7) would be a constant left in every demeaned value.  Its difference
        # with ``pre`` is exact when the offset dominates (Sterbenz).
        shift = pre + centre
        centre = shift - pre
        sums = self.split(out)
        for q, n_g in enumerate(level_weight):  # sums of the rows minus their means
            sums[q] -= n_g[:, None] * centre[None, :]
        return shift, sums

    def demeaned(self, alpha, shift):
        """``(V, gradient, norms, original norms)``: the kept rows minus ``shift`` and
        the effects ``alpha``, in one compiled pass."""
        from .kernels import demean_rows

        n = self.codes.shape[0]
        V = np.empty((n, self.width))
        stacked = np.ascontiguousarray(np.vstack(alpha))
        parts = self.parts()
        gradients = np.zeros((len(parts), sum(self.sizes), self.width))
        sums = np.zeros((len(parts), 2, self.width))  # squares, originals

        def task(i, part):
            k0, k1, X, Y, positions, codes, weight = part
            demean_rows(X, Y, positions, codes, self.offsets, stacked, shift, weight,
                        V[k0:k1], gradients[i], sums[i, 0], sums[i, 1])  # fmt: skip

        self.run(task, parts)
        gradient = gradients.sum(axis=0) if len(parts) > 1 else gradients[0]
        squares, originals = sums.sum(axis=0)
        demeaned, original = np.sqrt(squares), np.sqrt(originals)
        # sums of squares that underflow or overflow: the norms again, scaled
        for j in np.flatnonzero(~_representable(squares) | ~_representable(originals)):
            demeaned[j] = _scaled_norm(V[:, j])
            column = self.X[:, j] if j < self.X.shape[1] else self.Y[:, j - self.X.shape[1]]
            if self.positions.shape[0]:
                column = column[self.positions]
            original[j] = _scaled_norm(column - shift[j])
        self.positions = None  # the rows are read once more only by a refinement
        return V, self.split(gradient), demeaned, original


def _effect_system(codes, w, n_levels, bound=True):
    """The effects' normal equations (from the cells of the rows), the lower bound on
    their spectral gap (None unless ``bound``) and the factors' nesting in each other
    (:func:`.factors.cell_nesting`)."""
    from .effects import EffectSystem
    from .factors import cell_nesting, cells_of

    cells, _ = cells_of(codes, w, rows=False)
    system = EffectSystem(cells, n_levels)
    nesting = cell_nesting(cells, n_levels)
    del cells
    return system, (float(system.smallest_nonzero_eigenvalue()) if bound else None), nesting


def _factor_names(absorb):
    names = getattr(absorb, "columns", None)
    if names is not None:
        return [str(c) for c in names]
    name = getattr(absorb, "name", None)
    if name is not None:
        return [str(name)]
    return None


def _demean(rows: _Rows, absorbed: AbsorbedEffects, p: int, names, first):
    """The demeaned copy ``V`` of the kept rows from the first solve ``first = (alpha,
    info, level weights, eigenvalue)``; records the column effects, the collinear
    regressors and the certificate (warning when it does not reach ``COEF_RTOL``),
    refining (the effects' system built again) while the bound is above it.  Returns
    ``(V, Moments of V)`` (the Moments the certificate judged)."""
    from ..moments import Moments

    alpha, info, level_weight, eigenvalue = first
    codes, w = absorbed.codes, rows.w
    iterations = int(info.get("iterations", 0))
    V, gradient, demeaned, original = rows.demeaned(alpha, absorbed._shift)
    target_norms = original[p:]  # of the targets minus their means
    original = original[:p]
    system = None
    # a column demeaned to its rounding floor (eps times its magnitude, offset included)
    floor = 16 * EPS * (np.abs(absorbed._shift[:p]) * np.sqrt(V.shape[0]) + original)
    live = _drop_collinear(V, np.maximum(original, floor / COLLINEAR_RTOL), demeaned[:p],
                           absorbed, names)  # fmt: skip
    if not live.all():
        gradient = _level_sums(V, w, codes, absorbed.n_levels)
    refinements = 0
    while True:
        bounds = demeaning_error_bounds(gradient, level_weight, eigenvalue)
        moments = Moments.from_arrays(V[:, :p], V[:, p:], w)
        cross = moments.uncentred()
        gram = cross[:p, :p][np.ix_(live, live)]
        rhs = cross[:p, p:][live]
        coef = np.linalg.lstsq(gram, rhs, rcond=None)[0].T if live.any() else rhs.T[:, :0]
        bound = coefficient_bound(gram, coef, bounds[:p][live], bounds[p:])
        resid = residual_bound(cross, coef, live, bounds[:p][live], bounds[p:])
        floor = residual_floor(cross, coef, live, target_norms, p)
        if demeaning_done(bound, resid, floor, V.size, refinements):
            break
        refinements += 1
        if system is None:
            system, _, _ = _effect_system(codes, w, absorbed.n_levels, bound=False)
        delta, info = system.solve(gradient)
        iterations += int(info.get("iterations", 0))
        _subtract(V, delta, codes)
        V[:, np.flatnonzero(~live)] = 0.0
        alpha = [a + d for a, d in zip(alpha, delta)]
        gradient = _level_sums(V, w, codes, absorbed.n_levels)
    absorbed._column_effects = alpha
    # the first pass's norms hold unless a refinement changed V (dropped columns: unused)
    norms = demeaned[:p] if refinements == 0 else _norms(V[:, :p])
    rounding = rounding_estimate(original[live], norms[live], gram)
    absorbed.certificate = {
        "coef_bound": float(bound),
        "residual_bound": float(resid),
        "rounding": float(rounding),
        "eigenvalue": eigenvalue,
        "refinements": refinements,
        "iterations": iterations,
        "method": str(info.get("method", "")),
    }
    _warn_uncertified(bound, eigenvalue, refinements, rounding, original[live], norms[live],
                      [n for n, k in zip(names, live) if k])  # fmt: skip
    absorbed.certificate["residual_floor"] = float(floor)
    _warn_residuals(resid, floor, eigenvalue)
    return V, moments


def _warn_residuals(resid: float, floor: float, eigenvalue) -> None:
    """An AccuracyWarning when the residuals (so the standard errors) are less accurate
    than ``RESID_WARN``: the demeaning's bound, or the rounding floor."""
    if max(resid, floor) <= RESID_WARN:
        return
    if floor > resid:
        why = "the target's effects dwarf its residuals, whose rounding is amplified"
    elif not (eigenvalue or 0) > 0:
        why = "the spectral gap of the absorbed effects could not be bounded"
    else:
        why = "the demeaning did not converge further"
    warnings.warn(
        f"the residuals, hence the standard errors, are accurate to about "
        f"{max(resid, floor):.1e} relative only: {why}",
        AccuracyWarning,
        stacklevel=external_stacklevel(),
    )


def _representable(squares) -> np.ndarray:
    """Sums of squares whose square root is an accurate norm (not underflowed toward
    the subnormals, not overflowed)."""
    return (squares > 1e-280) & np.isfinite(squares)


def _scaled_norm(column) -> float:
    """``||column||`` without underflow or overflow in its squares."""
    scale = float(np.max(np.abs(column))) if column.size else 0.0
    if not scale > 0 or not np.isfinite(scale):
        return scale
    return scale * float(np.sqrt(np.sum((column / scale) ** 2)))


def _norms(A) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->j", A, A))


def _drop_collinear(V, original, demeaned, absorbed: AbsorbedEffects, names) -> np.ndarray:
    """Regressors whose demeaned norm is at the rounding level of their norm are
    absorbed by the effects: set to 0 (aliased in the solve), named in a warning.
    Returns the mask of the regressors kept."""
    gone = demeaned <= COLLINEAR_RTOL * original
    if gone.any():
        V[:, np.flatnonzero(gone)] = 0.0
        absorbed.collinear = [names[j] for j in np.flatnonzero(gone)]
        warnings.warn(
            f"regressor(s) {absorbed.collinear} are collinear with the absorbed effects "
            f"{absorbed.names} (in their span: e.g. constant within a factor's levels): dropped, "
            "as fixest does "
            "(coefficient 0, not identified in the summary)",
            RankDeficientWarning,
            stacklevel=external_stacklevel(),
        )
    return ~gone


def _warn_uncertified(bound, eigenvalue, refinements, rounding, original, demeaned, names):
    """AccuracyWarnings when the certificate did not reach ``COEF_RTOL``, or when
    rounding (a regressor almost absorbed by the effects) limits the coefficients."""
    if not bound <= COEF_RTOL:
        why = (
            "the spectral gap of the absorbed effects could not be bounded"
            if not eigenvalue > 0
            else f"the demeaning did not get there in {refinements} refinements"
        )
        warnings.warn(
            f"the coefficients are certified only to {bound:.1e} relative (target "
            f"{COEF_RTOL:.0e}): {why}",
            AccuracyWarning,
            stacklevel=external_stacklevel(),
        )
    if rounding > 1e-8:
        j = int(np.argmax(original / np.where(demeaned > 0, demeaned, np.inf)))
        warnings.warn(
            f"the coefficients are accurate to about {rounding:.1e} relative only: "
            f"regressor {names[j]!r} is almost absorbed by the effects (its within-level "
            f"variation is {demeaned[j] / original[j]:.1e} of its variation), so rounding "
            "in its demeaned values is amplified",
            AccuracyWarning,
            stacklevel=external_stacklevel(),
        )


def _level_sums(V, w, codes, n_levels) -> list:
    """Per-level sums ``D_q'W V`` of every column, one array per factor."""
    from .effects import group_sums

    return [group_sums(codes[:, q], int(n_levels[q]), V, w) for q in range(codes.shape[1])]


def _subtract(V, alpha, codes) -> None:
    """``V -= sum_q alpha_q[codes_q]`` in place (a compiled pass over the rows)."""
    from .kernels import subtract_rows

    offsets = np.cumsum([0] + [a.shape[0] for a in alpha[:-1]]).astype(np.int64)
    stacked = np.ascontiguousarray(np.vstack(alpha))
    if V.flags.c_contiguous:
        subtract_rows(codes, offsets, stacked, V)
        return
    for start in range(0, V.shape[0], ROW_BLOCK):  # a view of a wider array: by blocks
        block = np.ascontiguousarray(V[start : start + ROW_BLOCK])
        subtract_rows(codes[start : start + ROW_BLOCK], offsets, stacked, block)
        V[start : start + ROW_BLOCK] = block


def set_effects(absorbed: AbsorbedEffects, coef) -> None:
    """The fixed-effect estimates ``phi_q = alpha_q(y) - alpha_q(X) beta`` per target.

    The column effects solved the demeaning of the shifted columns ``[X, Y] - shift``;
    the shift's part ``shift_y - shift_x' beta`` is a constant, given to the first
    factor; then every other factor has its first level moved to 0 (fixest's
    normalization; a constant moved between factors changes no prediction).
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))  # (m, p)
    p = coef.shape[1]
    alpha = absorbed._column_effects
    shift = absorbed._shift
    constant = shift[p:] - coef @ shift[:p]  # (m,)
    effects = []
    for a in alpha:
        effects.append(a[:, p:] - a[:, :p] @ coef.T)  # (G_q, m)
    effects[0] = effects[0] + constant[None, :]
    for q in range(1, len(effects)):
        if effects[q].shape[0]:
            ref = effects[q][0].copy()
            effects[q] = effects[q] - ref[None, :]
            effects[0] = effects[0] + ref[None, :]
    absorbed.effects = effects
