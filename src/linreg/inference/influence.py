"""Influence measures per observation, with statsmodels' ``OLSInfluence`` names.

For the fit of ``y`` on ``X`` (``k`` estimated parameters, the intercept included;
``n`` observations, ``df = n - k``, ``s^2 = RSS / df``), with ``e_i`` the residual
and ``h_i`` the leverage of row ``i``:

* ``hat_matrix_diag``: ``h_i = x_i' (X'X)^-1 x_i``;
* ``resid_press``: ``e_i / (1 - h_i)``, ``ess_press = sum resid_press^2``;
* ``influence``: ``e_i h_i / (1 - h_i)``; ``hat_diag_factor``: ``h_i / (1 - h_i)``;
* ``sigma2_not_obsi``: the residual variance of the fit without row ``i``,
  ``s_(i)^2 = (RSS - e_i^2 / (1 - h_i)) / (df - 1)``;
* ``resid_studentized_internal``: ``e_i / (s sqrt(1 - h_i))``;
  ``resid_studentized_external``: ``e_i / (s_(i) sqrt(1 - h_i))``;
* ``cooks_distance``: ``(d_i, p_i)`` with ``d_i = r_i^2 / k * h_i / (1 - h_i)`` (``r_i``
  internally studentized) and ``p_i`` the upper tail of F(k, df) at ``d_i``;
* ``dffits_internal`` / ``dffits``: ``r_i sqrt(h_i / (1 - h_i))`` with the internally /
  externally studentized residual, and the threshold ``2 sqrt(k / n)``;
* ``dfbeta``: ``params - params_(i) = (X'X)^-1 x_i e_i / (1 - h_i)``; ``dfbetas``: that
  divided by ``s_(i) sqrt(diag((X'X)^-1))``;
* ``cov_ratio``: ``det cov_(i) / det cov = (s_(i)^2 / s^2)^k / (1 - h_i)``;
* ``resid_var = s^2 (1 - h_i)``, ``resid_std`` its square root.

These are statsmodels' definitions (and R's ``influence.measures``); the
leave-one-out quantities use the closed forms above, not ``n`` refits (statsmodels
refits; the values agree to rounding).

Weighted fits are the least-squares fit of ``sqrt(w) y`` on ``sqrt(w) X``: every
measure is statsmodels' ``OLS(sqrt(w) y, sqrt(w) X).get_influence()`` and R's
``influence.measures`` of a weighted ``lm`` (``h_i = w_i x_i'(X'WX)^-1 x_i``, residuals
``sqrt(w_i) e_i``).  statsmodels' ``OLSInfluence`` applied to a ``WLS`` result is not
that (it mixes ``sqrt(w_i)``-scaled leverages with unweighted leave-one-out refits; its
leverages do not sum to ``k``), and ``WLSResults`` has no ``get_influence``.  Rows of
weight zero are not observations (R drops them): every measure is NaN there, and they
are not counted in ``n``.

Accuracy: ``h_i = |q_i|^2`` with ``q_i`` the row of ``Q = A R^-1`` for the scaled,
centred design ``A`` (:mod:`linreg.inference.covariance`), ``R`` from Cholesky QR passes
over the data: accurate to ~kappa eps for condition numbers up to ~1e8, where
``(X'X)^-1`` formed and multiplied out loses ~kappa^2 eps.  An observation of leverage
1 (to working precision) has ``1 - h_i = 0``: every measure that divides by it (all
but ``hat_matrix_diag`` and ``resid_var``/``resid_std``) is NaN there (statsmodels
gives +-inf or NaN), with an :class:`~linreg.AccuracyWarning` counting those rows.

Rank-deficient fits use the kept columns (those not in the Summary's ``aliased``
list): ``k`` is the rank, and the ``dfbeta``/``dfbetas`` columns of aliased terms are
NaN.  Penalized fits (Ridge with ``alpha > 0``) are refused: these are influence
measures of least squares.

For a model fitted on :func:`linreg.scan` (or on Dask collections), ``out=`` names a
Parquet or CSV file that one pass over the source fills with the
:meth:`OLSInfluence.summary_frame` columns, row by row in the file's (partitions')
order, one batch at a time (memory does not grow with ``n``; Dask partitions are
computed on the workers, :data:`DASK_WINDOW` at a time, and written in order); an
:class:`InfluenceFile` naming it is returned.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla
from scipy import stats

from ..solution import AccuracyWarning
from . import covariance
from .chunks import CHUNK_ROWS, chunk_sum
from .covariance import EPS, SE_RTOL, CentredCovariance, safe_product

__all__ = ["InfluenceFile", "OLSInfluence", "get_influence"]

#: Columns of ``summary_frame`` after the ``dfb_<name>`` ones (statsmodels' order).
FRAME_COLUMNS = (
    "cooks_d",
    "standard_resid",
    "hat_diag",
    "dffits_internal",
    "student_resid",
    "dffits",
)

#: Rows with the largest Cook's distance and leverage an :class:`InfluenceFile` names.
TOP_ROWS = 10

#: Dask partitions computed at a time by the streamed pass (their results are held).
DASK_WINDOW = 8

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv",)


# ------------------------------------------------------------------------ entry point
def get_influence(model, problem, *, out=None):
    """Influence measures of a fitted least-squares model (module docstring).

    Parameters
    ----------
    model : a fitted LinearRegression (or Ridge with ``alpha=0``)
    problem : LeastSquaresProblem or SourceProblem
        ``model._inference_problem(...)``: the training rows in memory, or the source
        (:func:`linreg.scan`) to pass over again.
    out : str or os.PathLike, optional
        A ``.parquet``/``.pq``/``.parq`` or ``.csv`` file to write the
        ``summary_frame`` columns to, one row per input row in order.  Required when the
        rows are not in memory.

    Returns
    -------
    OLSInfluence
        For data in memory (with ``.written``, an :class:`InfluenceFile`, when ``out``
        is given).
    InfluenceFile
        For a source: the file written, its row count and the most influential rows.
    """
    _refuse(problem)
    path, fmt = (None, None) if out is None else _output(out)
    in_memory = problem.has_data
    if not in_memory:
        _check_streamable(problem, out)
    plan = _plan(model, problem)
    _warn_accuracy(plan)
    if in_memory:
        result = OLSInfluence(plan, *chunk_sum(problem, _ChunkBase(plan)).arrays())
        if path is not None:
            result.written = _write_frames(path, fmt, plan, _slices(result))
        _warn_leverage(plan, result.n_leverage_one, _closest_to_one(result._m))
        return result
    written = _stream(problem, plan, path, fmt)
    _warn_leverage(plan, written.n_leverage_one, written.min_one_minus_h)
    return written


def _refuse(problem) -> None:
    if problem.penalized:
        raise ValueError(
            "get_influence() computes influence measures of least squares; this fit is "
            "penalized (Ridge with alpha > 0), whose leave-one-out changes they do not "
            "describe; refit with LinearRegression for influence measures"
        )
    if problem.n_targets != 1:
        raise ValueError(
            f"get_influence() needs a model of one target; this one has {problem.n_targets} "
            "(fit each column of y separately)"
        )


def _check_streamable(problem, out) -> None:
    source = getattr(problem, "source", None)
    if source is None:
        raise ValueError(
            "get_influence() needs the training rows, which this model no longer holds; "
            "pass X, y (and sample_weight) again"
        )
    if _kind(source) is None:
        raise ValueError(
            "get_influence() writes per-row results in row order, which needs a source "
            f"read in order (linreg.scan or Dask); {type(source).__name__} is not; compute "
            "it on the rows in memory (pass X, y)"
        )
    if out is None:
        raise ValueError(
            "get_influence() on a model fitted on linreg.scan or Dask writes one row of "
            "results per input row: give out='influence.parquet' (or .csv) to name the file"
        )


def _kind(source) -> str | None:
    """Which ordered pass: "scan" (sequential, file order), "dask" (partitions) or None."""
    from ..sources.scan import Scan

    if isinstance(source, Scan):
        return "scan"
    if type(source).__name__ == "DaskSource" and hasattr(source, "_parts"):
        return "dask"
    return None


def _output(out):
    path = os.fspath(out)
    lower = path.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        return path, "parquet"
    if lower.endswith(CSV_SUFFIXES):
        return path, "csv"
    raise ValueError(
        f"out={path!r}: name a Parquet ({', '.join(PARQUET_SUFFIXES)}) or CSV (.csv) file"
    )


# ------------------------------------------------------------------------------ plan
@dataclass
class _Plan:
    """What a pass over the rows needs (computed before it)."""

    rows: covariance._Rows
    coef: np.ndarray
    shifts: tuple
    y_scale: float
    rss: float  # scaled by y_scale^2
    nobs: int
    k: int
    names: list
    index: np.ndarray  # positions of the estimated parameters among all
    directions: np.ndarray  # rows of L C normalised: dfbetas directions
    units: np.ndarray  # sqrt(diag((X'WX)^-1)) of the estimated parameters / y_scale
    h_tol: float
    error: float
    cause: str
    params: np.ndarray = field(default=None)

    @property
    def df_resid(self) -> int:
        return self.nobs - self.k


def _plan(model, problem) -> _Plan:
    """Passes before the per-row one: the design's R, the residuals' centre and RSS."""
    from .summary import _estimable_fit, n_observations, parameter_names

    solution = model.solution_
    aliased = list(solution.aliased)
    keep = covariance._kept(problem, aliased)
    coef, _ = _estimable_fit(problem, keep, solution, 0)
    rows, error, cause = covariance._root(problem, keep, need_data=True)
    y_scale = covariance.y_scale_of(problem)
    x_shift, y_shift = covariance._shifts(problem)
    offset, rss = covariance.residual_mean_and_rss(problem, coef[None, :], y_scale)
    k_const = int(problem.fit_intercept)
    r = rows.R.shape[0]
    C = sla.solve_triangular(rows.R, np.eye(r), check_finite=False)
    factor = CentredCovariance(
        keep, rows.centre, rows.scale, rows.weight_sum, C, np.eye(r), 1.0, error
    )
    unit, L = factor.user_map()
    LC = L @ C
    norms = np.linalg.norm(LC, axis=1)
    params = np.asarray(solution.coef[0], dtype=np.float64)
    if k_const:
        params = np.r_[solution.intercept[0], params]
    return _Plan(
        rows=rows,
        coef=coef,
        shifts=(x_shift, y_shift[:1], float(offset[0])),
        y_scale=float(y_scale),
        rss=float(rss[0]),
        nobs=n_observations(problem, getattr(model, "_positive_weights", None)),
        k=r,
        names=parameter_names(model._feature_labels(), k_const),
        index=np.r_[np.arange(k_const), k_const + np.flatnonzero(keep)].astype(int),
        directions=LC / norms[:, None],
        units=safe_product(unit, norms),
        h_tol=max(64 * EPS, 8 * r * EPS * covariance._condition(rows.R)),
        error=error,
        cause=cause,
        params=params,
    )


# ------------------------------------------------------------------- per-row basics
class _ChunkBase:
    """Per row of a chunk: leverage ``h``, whitened residual ``e`` (divided by
    y_scale), the dfbetas directions ``L C q_i`` (normalised rows) and ``w > 0``."""

    def __init__(self, plan: _Plan):
        self.plan = plan

    def __call__(self, X, Y, w):
        return _Base(*_basics(self.plan, X, Y, w))


def _basics(plan: _Plan, X, Y, w):
    x_shift, y_shift, offset = plan.shifts
    q = plan.rows.orthogonal(X, w)
    h = np.einsum("ij,ij->i", q, q)
    r = ((Y[:, 0] - y_shift[0]) - (X - x_shift) @ plan.coef - offset) / plan.y_scale
    positive = np.ones(len(h), dtype=bool) if w is None else w > 0
    e = r if w is None else r * np.sqrt(w)
    return h, e, q @ plan.directions.T, positive


class _Base:
    """Per-row basics of consecutive chunks; ``+`` (chunk_sum's reduction) appends."""

    def __init__(self, h, e, dirs, positive):
        self.parts = [(h, e, dirs, positive)]

    def __add__(self, other):
        self.parts.extend(other.parts)
        return self

    def arrays(self) -> tuple:
        """``(h, e, dirs, positive)`` of all the rows."""
        return tuple(np.concatenate(a) for a in zip(*self.parts))


# ------------------------------------------------------------------------- measures
def _measures(plan: _Plan, h, e, dirs, positive) -> dict:
    """Every per-row measure (module docstring) from the basics, in the user's units;
    NaN for rows of weight zero and, except ``hat`` and ``resid_var``, of leverage 1."""
    df = plan.df_resid
    one = positive & (1.0 - h <= plan.h_tol)
    bad = one | ~positive
    gap = np.where(bad, np.nan, 1.0 - h)
    s2 = plan.rss / df if df > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        s2_i = (plan.rss - e * e / gap) / (df - 1) if df > 1 else np.full_like(h, np.nan)
        s2_i = np.maximum(s2_i, 0.0)
        internal = e / np.sqrt(s2 * gap)
        external = e / np.sqrt(s2_i * gap)
        factor = h / gap
        dfbetas = dirs * (e / gap / np.sqrt(s2_i))[:, None]
        dfbeta = dirs * (e / gap)[:, None] * plan.units * plan.y_scale
        cov_ratio = (s2_i / s2) ** plan.k / gap
    cooks = internal**2 / plan.k * factor
    hat = np.where(positive, h, np.nan)
    return {
        "hat": hat,
        "resid": np.where(positive, e, np.nan) * plan.y_scale,
        "internal": internal,
        "external": external,
        "factor": factor,
        "cooks": cooks,
        "cooks_pvalue": stats.f.sf(cooks, plan.k, df) if df > 0 else np.full_like(h, np.nan),
        "dffits_internal": internal * np.sqrt(factor),
        "dffits": external * np.sqrt(factor),
        "dfbetas": _spread(plan, dfbetas),
        "dfbeta": _spread(plan, dfbeta),
        "sigma2_not_obsi": s2_i * plan.y_scale**2,
        "press": e / gap * plan.y_scale,
        "cov_ratio": cov_ratio,
        "resid_var": s2 * (1.0 - hat) * plan.y_scale**2,
        "one": one,
    }


def _spread(plan: _Plan, values) -> np.ndarray:
    """Columns of the estimated parameters placed among all (NaN: aliased)."""
    full = np.full((values.shape[0], len(plan.names)), np.nan)
    full[:, plan.index] = values
    return full


def _frame_columns(plan: _Plan, m: dict) -> dict:
    """``summary_frame``'s columns (statsmodels' names and order) of measures ``m``."""
    cols = {f"dfb_{name}": m["dfbetas"][:, j] for j, name in enumerate(plan.names)}
    cols.update(
        cooks_d=m["cooks"],
        standard_resid=m["internal"],
        hat_diag=m["hat"],
        dffits_internal=m["dffits_internal"],
        student_resid=m["external"],
        dffits=m["dffits"],
    )
    return cols


# ------------------------------------------------------------------ in-memory result
class OLSInfluence:
    """Influence measures of every observation (statsmodels' ``OLSInfluence`` names;
    formulas in :mod:`linreg.inference.influence`).  Create it with
    ``model.get_influence()``.

    Attributes
    ----------
    nobs : int
        Observations (rows of positive weight).
    k_vars : int
        Estimated parameters ``k`` (the rank, intercept included).
    df_resid : int
    scale : float
        ``s^2 = RSS / df_resid`` (statsmodels' ``mse_resid``).
    resid : ndarray
        Residuals ``y - X b`` (``sqrt(w)(y - X b)`` for a weighted fit).
    n_leverage_one : int
        Rows of leverage 1 (their measures are NaN).
    written : InfluenceFile or None
        The file ``out=`` named, if any.
    """

    def __init__(self, plan: _Plan, h, e, dirs, positive):
        self._plan = plan
        self._m = _measures(plan, h, e, dirs, positive)
        self.nobs = plan.nobs
        self.k_vars = plan.k
        self.df_resid = plan.df_resid
        self.scale = plan.rss / self.df_resid * plan.y_scale**2 if self.df_resid > 0 else np.nan
        self.resid = self._m["resid"]
        self.n_leverage_one = int(np.count_nonzero(self._m["one"]))
        self.written = None

    @property
    def params(self) -> np.ndarray:
        """The fit's parameters (intercept first)."""
        return self._plan.params

    @property
    def hat_matrix_diag(self) -> np.ndarray:
        """Leverages ``h_i``."""
        return self._m["hat"]

    @property
    def hat_diag_factor(self) -> np.ndarray:
        """``h_i / (1 - h_i)``."""
        return self._m["factor"]

    @property
    def resid_press(self) -> np.ndarray:
        """PRESS residuals ``e_i / (1 - h_i)``."""
        return self._m["press"]

    @property
    def ess_press(self) -> float:
        """``sum resid_press^2`` (NaN if a row's is undefined)."""
        press = self._m["press"][~np.isnan(self._m["hat"])]
        return float(press @ press)

    @property
    def influence(self) -> np.ndarray:
        """``e_i h_i / (1 - h_i)`` (gretl's influence)."""
        return self._m["press"] * self._m["hat"]

    @property
    def resid_studentized_internal(self) -> np.ndarray:
        """``e_i / (s sqrt(1 - h_i))``."""
        return self._m["internal"]

    resid_studentized = resid_studentized_internal

    @property
    def resid_studentized_external(self) -> np.ndarray:
        """``e_i / (s_(i) sqrt(1 - h_i))``, ``s_(i)`` without observation i."""
        return self._m["external"]

    def get_resid_studentized_external(self, sigma=None) -> np.ndarray:
        """``e_i / (sigma sqrt(1 - h_i))``; ``sigma=None``: ``s`` (statsmodels')."""
        if sigma is None:
            return self._m["internal"]
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.resid / sigma / np.sqrt(1.0 - self._m["hat"])

    @property
    def sigma2_not_obsi(self) -> np.ndarray:
        """``s_(i)^2 = (RSS - e_i^2 / (1 - h_i)) / (df_resid - 1)``."""
        return self._m["sigma2_not_obsi"]

    @property
    def cooks_distance(self) -> tuple:
        """``(d, pvalue)``: ``d_i = r_i^2 / k * h_i / (1 - h_i)``, ``P(F(k, df) > d_i)``."""
        return self._m["cooks"], self._m["cooks_pvalue"]

    @property
    def dffits_internal(self) -> tuple:
        """``(r_i sqrt(h_i / (1 - h_i)), 2 sqrt(k / n))``, r internally studentized."""
        return self._m["dffits_internal"], self._threshold()

    @property
    def dffits(self) -> tuple:
        """``(t_i sqrt(h_i / (1 - h_i)), 2 sqrt(k / n))``, t externally studentized."""
        return self._m["dffits"], self._threshold()

    def _threshold(self) -> float:
        return 2 * np.sqrt(self.k_vars / self.nobs)

    @property
    def dfbeta(self) -> np.ndarray:
        """``params - params_(i) = (X'X)^-1 x_i e_i / (1 - h_i)``, (n, n_params)."""
        return self._m["dfbeta"]

    @property
    def dfbetas(self) -> np.ndarray:
        """``dfbeta`` over ``s_(i) sqrt(diag((X'X)^-1))``, (n, n_params)."""
        return self._m["dfbetas"]

    @property
    def params_not_obsi(self) -> np.ndarray:
        """Parameters of the fit without observation i: ``params - dfbeta``."""
        return self.params - self.dfbeta

    @property
    def cov_ratio(self) -> np.ndarray:
        """``det cov_(i) / det cov = (s_(i)^2 / s^2)^k / (1 - h_i)``."""
        return self._m["cov_ratio"]

    @property
    def resid_var(self) -> np.ndarray:
        """``s^2 (1 - h_i)``."""
        return self._m["resid_var"]

    @property
    def resid_std(self) -> np.ndarray:
        """``sqrt(resid_var)``."""
        return np.sqrt(self._m["resid_var"])

    def summary_frame(self):
        """pandas DataFrame with statsmodels' columns: ``dfb_<param>`` (dfbetas),
        ``cooks_d, standard_resid, hat_diag, dffits_internal, student_resid, dffits``."""
        from pandas import DataFrame

        return DataFrame(_frame_columns(self._plan, self._m))

    def _columns(self) -> dict:
        return _frame_columns(self._plan, self._m)


def _slices(result: OLSInfluence):
    """The frame's columns (and measures) in slices of CHUNK_ROWS rows."""
    cols, m = result._columns(), result._m
    n = len(m["hat"])
    for start in range(0, max(n, 1), CHUNK_ROWS):
        sl = slice(start, start + CHUNK_ROWS)
        yield {c: v[sl] for c, v in cols.items()}, {k: m[k][sl] for k in ("cooks", "hat", "one")}


# ---------------------------------------------------------------------- file output
@dataclass
class InfluenceFile:
    """The file ``get_influence(out=...)`` wrote.

    Attributes
    ----------
    path : str
    format : {"parquet", "csv"}
    n_rows : int
        Rows written (one per input row, in order).
    columns : list of str
        ``summary_frame``'s columns.
    top_cooks, top_leverage : list of (row, value)
        The rows (0-based, in the file's order) of largest Cook's distance and
        leverage, largest first (at most :data:`TOP_ROWS`).
    n_leverage_one : int
        Rows of leverage 1 (NaN measures).
    min_one_minus_h : float
        Smallest ``1 - h_i`` among the other rows (1 if none).
    dffits_threshold : float
        ``2 sqrt(k / n)``.
    """

    path: str
    format: str
    n_rows: int
    columns: list
    top_cooks: list
    top_leverage: list
    n_leverage_one: int
    min_one_minus_h: float
    dffits_threshold: float

    def read(self):
        """The file as a pandas DataFrame (reads all of it)."""
        import pandas as pd

        if self.format == "parquet":
            return pd.read_parquet(self.path)
        return pd.read_csv(self.path)


class _Tally:
    """Row count, leverage-1 count and the top rows seen so far (``+`` merges)."""

    def __init__(self, n=0, one=0, cooks=None, hat=None, gap=1.0):
        self.n, self.one, self.gap = n, one, gap
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
        self.cooks = empty if cooks is None else cooks
        self.hat = empty if hat is None else hat

    @classmethod
    def of(cls, start, m):
        rows = np.arange(start, start + len(m["hat"]), dtype=np.int64)
        return cls(
            len(rows),
            int(np.count_nonzero(m["one"])),
            _top(rows, m["cooks"]),
            _top(rows, m["hat"]),
            _closest_to_one(m),
        )

    def __add__(self, other):
        return _Tally(
            self.n + other.n,
            self.one + other.one,
            _top(*map(np.concatenate, zip(self.cooks, other.cooks))),
            _top(*map(np.concatenate, zip(self.hat, other.hat))),
            min(self.gap, other.gap),
        )


def _closest_to_one(m) -> float:
    """Smallest ``1 - h`` over the observations not of leverage 1 (1 if none)."""
    h = m["hat"][~m["one"] & np.isfinite(m["hat"])]
    return float(np.min(1.0 - h, initial=1.0))


def _top(rows, values):
    """The TOP_ROWS largest finite values and their rows, largest first."""
    ok = np.isfinite(values)
    rows, values = rows[ok], values[ok]
    order = np.argsort(-values, kind="stable")[:TOP_ROWS]
    return rows[order], values[order]


class _FrameWriter:
    """Appends frame blocks to a Parquet or CSV file (written under a temporary name
    and renamed when complete)."""

    def __init__(self, path, fmt):
        self.path, self.fmt = path, fmt
        self.partial = f"{path}.partial-{os.getpid()}"
        self.writer = None
        self.tally = _Tally()

    def write(self, cols: dict, m: dict) -> None:
        import pyarrow as pa

        table = pa.table({c: np.asarray(v, dtype=np.float64) for c, v in cols.items()})
        if self.writer is None:
            self.writer = self._open(table.schema)
        self.writer.write(table)
        self.tally = self.tally + _Tally.of(self.tally.n, m)

    def _open(self, schema):
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetWriter(self.partial, schema)
        import pyarrow.csv as pcsv

        return pcsv.CSVWriter(self.partial, schema)

    def finish(self, plan: _Plan, columns) -> InfluenceFile:
        if self.writer is not None:
            self.writer.close()
        os.replace(self.partial, self.path)
        t = self.tally
        return InfluenceFile(
            path=self.path,
            format=self.fmt,
            n_rows=t.n,
            columns=list(columns),
            top_cooks=[(int(r), float(v)) for r, v in zip(*t.cooks)],
            top_leverage=[(int(r), float(v)) for r, v in zip(*t.hat)],
            n_leverage_one=t.one,
            min_one_minus_h=t.gap,
            dffits_threshold=float(2 * np.sqrt(plan.k / plan.nobs)),
        )

    def abandon(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if os.path.exists(self.partial):
            os.remove(self.partial)


def _write_frames(path, fmt, plan: _Plan, blocks) -> InfluenceFile:
    writer = _FrameWriter(path, fmt)
    columns = None
    try:
        for cols, m in blocks:
            columns = list(cols)
            writer.write(cols, m)
        return writer.finish(plan, columns or [])
    except BaseException:
        writer.abandon()
        raise


class _FrameBlock:
    """A chunk's frame columns and what the tally needs (picklable: Dask runs it)."""

    def __init__(self, plan: _Plan):
        self.plan = plan

    def __call__(self, X, Y, w):
        m = _measures(self.plan, *_basics(self.plan, X, Y, w))
        return _frame_columns(self.plan, m), {k: m[k] for k in ("cooks", "hat", "one")}


class _StreamBlocks:
    """Scan's reduce func for the streamed pass: each batch's frame block goes to the
    writer (a side effect, in the file's row order); returns a row count."""

    def __init__(self, plan: _Plan, writer: _FrameWriter):
        self.block, self.writer = _FrameBlock(plan), writer

    def __call__(self, X, Y, w):
        cols, m = self.block(X, Y, w)
        self.writer.write(cols, m)
        return len(m["hat"])


def _stream(problem, plan: _Plan, path, fmt) -> InfluenceFile:
    """One pass over the source writing the per-row frame (bounded memory)."""
    columns = [f"dfb_{n}" for n in plan.names] + list(FRAME_COLUMNS)
    if _kind(problem.source) == "dask":
        return _write_frames(path, fmt, plan, _dask_blocks(problem.source, _FrameBlock(plan)))
    writer = _FrameWriter(path, fmt)
    try:
        chunk_sum(problem, _StreamBlocks(plan, writer))
        return writer.finish(plan, columns)
    except BaseException:
        writer.abandon()
        raise


def _dask_blocks(source, func):
    """``func``'s result per partition of a DaskSource, in partition order
    (:meth:`~linreg.sources.dask.DaskSource.ordered_map`, :data:`DASK_WINDOW` at a time)."""
    return source.ordered_map(func, DASK_WINDOW)


# -------------------------------------------------------------------------- warnings
def _warn_leverage(plan: _Plan, count: int, gap: float) -> None:
    """Leverage-1 rows (NaN measures), and rows so close to 1 that dividing by the
    computed ``1 - h`` (known to ~``plan.error`` absolute) costs digits."""
    if count:
        warnings.warn(
            f"{count} observation(s) have leverage 1 (to working precision): the fit "
            "passes through them, and every influence measure that divides by 1 - h "
            "(all but hat_matrix_diag and resid_var) is NaN for them",
            AccuracyWarning,
            stacklevel=4,
        )
    error = max(plan.error, EPS) / max(gap, EPS)
    if error > SE_RTOL:
        warnings.warn(
            f"an observation has leverage within {gap:.1e} of 1: the influence measures "
            f"that divide by 1 - h are accurate to about {error:.1e} (relative) there",
            AccuracyWarning,
            stacklevel=4,
        )


def _warn_accuracy(plan: _Plan) -> None:
    if plan.error > SE_RTOL:
        warnings.warn(
            f"influence measures accurate to about {plan.error:.1e} (relative): {plan.cause}",
            AccuracyWarning,
            stacklevel=4,
        )
