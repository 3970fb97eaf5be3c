"""Coefficient covariances (nonrobust, HC0-HC3, ridge) in scaled, centred coordinates.

(Cluster-robust and HAC covariances, :mod:`.cluster` and :mod:`.hac`, build their
meats from the score rows of :func:`score_rows` and finish with :func:`sandwich`.)

Everything is computed for the parameters ``phi = (sqrt(W) a_c, D beta)``: ``a_c`` is
the intercept at the centre ``c`` of the data (``intercept + c'beta``), ``W`` the sum of
the weights and ``D`` the centred column norms rounded to powers of two (so scaling by
them is exact).  In these coordinates the design ``A = W^1/2 [1/sqrt(W), (X - c) D^-1]``
has columns of unit norm and its condition number is the data's, whatever the
offsets and units; its triangular factor ``R`` (``A = QR``) gives

* the nonrobust covariance ``s^2 R^-1 R^-T``,
* the rows of ``Q = A R^-1`` and so the leverages ``h_i = |q_i|^2`` (HC2/HC3) and the
  HC meat ``Q' diag(u^2) Q`` accurately for condition numbers up to ~1e8, where
  ``(X'X)^-1`` formed and multiplied out would not be,
* the ridge covariance from the QR of ``R`` stacked on the penalty.

A covariance is kept as ``cov(phi) = sigma^2 C M C'`` (``C = R^-1``) with
dimensionless ``C`` and ``M`` and the scale of y in ``sigma``, and only converted to
the user's units at the very end, one standard error at a time: never as
``s^2 (X'X)^-1`` in user units, which overflows or underflows where the standard errors
are representable, and never as ``T V T'`` after the fact, which cancels when a column's
mean is large against its spread.

``R`` comes from the Moments' Cholesky factor when that is accurate (error ~kappa^2 eps
and ~eps |mean| / spread below :data:`MOMENTS_RTOL`); otherwise from Cholesky QR passes
over the data preconditioned by it (shifted CholeskyQR, Fukaya et al. 2020: accurate to
~kappa eps; the intercept column is part of the design, so the rounding of the float64
means costs nothing).  For small unpenalized problems in memory the nonrobust standard
errors are read off the entrywise-accurate extended-precision inverse of
:func:`linreg.solvers.extended.gram_inverse` instead (NIST's certified values need it:
Filip's design has kappa ~4e9).  Without the data it stays the Moments' factor.  The
estimated relative error of the standard errors is reported, with its cause, by an
:class:`~linreg.AccuracyWarning` where it exceeds :data:`SE_RTOL`.

The residual standard deviation comes from the residuals about their weighted mean
(the intercept profiled out: a huge intercept rounded to float64 can miss the
least-squares one by far more than the noise), scaled by a power of two of y's spread
where their squares would leave the float64 range.

HC2/HC3 with an observation of leverage 1 (to working precision) are undefined for the
terms it moves: those are NaN, the others are computed without it (its residual is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla

from ..solvers import LeastSquaresProblem, extended
from ..solvers import auto as _auto
from .chunks import chunk_sum, has_chunks

#: Robust covariance types (White's HC0 and MacKinnon and White's HC1-HC3).
HC_TYPES = ("HC0", "HC1", "HC2", "HC3")

EPS = float(np.finfo(np.float64).eps)

#: Relative accuracy of standard errors below which no warning is given.
SE_RTOL = 1e-6

#: Estimated relative error below which the Moments' Cholesky factor is used as is.
MOMENTS_RTOL = 1e-11

#: Relative accuracy of the extended-precision inverse per unit of kappa^2 (Filip,
#: kappa^2 ~1.4e19: ~1e-11 measured against NIST's certified standard errors).
EXTENDED_EPS = 1e-30

#: Most Cholesky QR passes over the data.
MAX_PASSES = 4


def safe_product(*factors) -> np.ndarray:
    """The product of the factors (arrays broadcast), exact up to the rounding of the
    mantissas: exponents are added separately, so no intermediate overflows or
    underflows while the result is representable."""
    mantissa, exponent = 1.0, 0
    for f in factors:
        m, e = np.frexp(np.asarray(f, dtype=np.float64))
        mantissa = mantissa * m
        exponent = exponent + e
    return np.ldexp(mantissa, exponent)


def _power_of_two(x) -> np.ndarray:
    """``x`` rounded to a power of two (1 where it is 0 or not finite)."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x) & (x > 0)
    _, e = np.frexp(np.where(ok, x, 1.0))
    return np.where(ok, np.ldexp(1.0, e - 1), 1.0)


# ---------------------------------------------------------------------------- chunks
class _ChunkRSS:
    """``(sum w r^2, sum w r)`` of one chunk per target, shape (2, k), with the residuals
    ``r = (y - y_shift) - (x - x_shift)'b`` (picklable for Dask)."""

    threadsafe = True  # a pure function of its chunk (chunk_sum may use threads)

    def __init__(self, coef, x_shift, y_shift, y_scale=1.0):
        self.coef, self.x_shift, self.y_shift = coef, x_shift, y_shift
        self.y_scale = y_scale

    def __call__(self, X, Y, w):
        r = ((Y - self.y_shift) - (X - self.x_shift) @ self.coef.T) / self.y_scale
        wr = r if w is None else r * w[:, None]
        return np.stack([np.sum(wr * r, axis=0), np.sum(wr, axis=0)])


class _Rows:
    """The rows of the equilibrated centred design ``A`` for a chunk, and of ``A R^-1``."""

    def __init__(self, keep, centre, scale, weight_sum, R):
        self.keep, self.centre, self.scale = keep, centre, scale
        self.weight_sum, self.R = weight_sum, R

    def design(self, X, w):
        a = (X[:, self.keep] - self.centre) / self.scale
        if self.weight_sum is not None:
            a = np.column_stack([np.full(a.shape[0], 1 / np.sqrt(self.weight_sum)), a])
        return a if w is None else a * np.sqrt(w)[:, None]

    def orthogonal(self, X, w):
        """``A R^-1`` (a triangular solve per chunk, backward stable)."""
        a = self.design(X, w)
        return sla.solve_triangular(self.R, a.T, trans="T", check_finite=False).T


class _ChunkGram(_Rows):
    """``(A R^-1)' (A R^-1)`` of one chunk (a Cholesky QR pass)."""

    def __call__(self, X, Y, w):
        q = self.orthogonal(X, w)
        return q.T @ q


class _ChunkMeat(_Rows):
    """HC meat of one chunk in the coordinates of ``Q``: ``stack(M, N)`` with
    ``M = sum u_i^2 q_i q_i'`` over rows whose leverage is below 1 (HC2/HC3 scale
    ``u_i`` by ``(1-h_i)^-1/2`` / ``^-1``) and ``N = sum q_i q_i'`` over the others."""

    def __init__(self, rows: _Rows, coef, shifts, y_scale, kind, h_tol):
        super().__init__(rows.keep, rows.centre, rows.scale, rows.weight_sum, rows.R)
        self.coef, self.shifts, self.y_scale = coef, shifts, y_scale
        self.kind, self.h_tol = kind, h_tol

    def __call__(self, X, Y, w):
        x_shift, y_shift, offset = self.shifts
        u = ((Y - y_shift) - (X - x_shift) @ self.coef.T - offset)[:, 0] / self.y_scale
        if w is not None:
            u = u * np.sqrt(w)
        q = self.orthogonal(X, w)
        h = np.einsum("ij,ij->i", q, q)
        one = 1.0 - h <= self.h_tol
        if self.kind in ("HC2", "HC3"):
            power = 0.5 if self.kind == "HC2" else 1.0
            u = np.where(one, 0.0, u / np.where(one, 1.0, 1.0 - h) ** power)
            ql = q[one]
        else:
            ql = q[:0]
        qu = q * u[:, None]
        gap = (1.0 - h)[~one] if self.kind in ("HC2", "HC3") else h[:0]
        return _MeatPart(qu.T @ qu, ql.T @ ql, float(np.min(gap, initial=1.0)))


class _MeatPart:
    """A chunk's HC meat ``M``, leverage-1 ``N`` and smallest ``1 - h`` among the other
    rows; ``+`` (chunk_sum's reduction) adds the matrices and keeps the minimum."""

    def __init__(self, meat, null, gap):
        self.meat, self.null, self.gap = meat, null, gap

    def __add__(self, other):
        return _MeatPart(self.meat + other.meat, self.null + other.null, min(self.gap, other.gap))


class _ChunkScores(_Rows):
    """Scores of one chunk's rows of positive weight: ``q_i u_i`` (``orthogonal``), or
    ``a_i u_i`` before the column scaling (:meth:`unscale`), ``u_i`` the residual
    (times ``sqrt(w_i)``) divided by ``y_scale``; :meth:`scores` also returns which
    rows of the chunk they are (None: all)."""

    def __init__(self, rows: _Rows, coef, shifts, y_scale, orthogonal=True):
        super().__init__(rows.keep, rows.centre, rows.scale, rows.weight_sum, rows.R)
        self.coef, self.shifts, self.y_scale = coef, shifts, y_scale
        self.use_q = orthogonal

    def scores(self, X, Y, w):
        positive = None
        if w is not None:
            positive = w > 0
            if positive.all():
                positive = None
            else:
                X, Y, w = X[positive], Y[positive], w[positive]
        if not self.use_q:
            return self._design_scores(X, Y, w), positive
        x_shift, y_shift, offset = self.shifts
        u = ((Y - y_shift) - (X - x_shift) @ self.coef.T - offset)[:, 0] / self.y_scale
        if w is not None:
            u = u * np.sqrt(w)
        a = self.orthogonal(X, w)
        a *= u[:, None]
        return a, positive

    def _design_scores(self, X, Y, w):
        """``a_i u_i`` in one buffer, without A's column scaling ``D^-1`` (see
        :meth:`unscale`): the centred columns ``X - c`` (c is the Moments' mean, the
        residuals' shift too) serve the residuals and then become ``(x - c) w u``; the
        intercept column is ``w u / sqrt(W)``."""
        _, y_shift, offset = self.shifts
        k = int(self.weight_sum is not None)
        a = np.empty((X.shape[0], k + len(self.centre)))
        centred = a[:, k:]
        np.subtract(X[:, self.keep] if not self.keep.all() else X, self.centre, out=centred)
        u = centred @ self.coef[0, self.keep]
        np.subtract(Y[:, 0] - y_shift[0], u, out=u)
        u -= offset[0]
        u /= self.y_scale
        if w is not None:
            u *= w  # sqrt(w) in the row of A, sqrt(w) in the residual
        centred *= u[:, None]
        if k:
            a[:, 0] = u / np.sqrt(self.weight_sum)
        return a

    def unscale(self, sums):
        """Sums of :meth:`scores` rows (``orthogonal=False``) in A's coordinates: the
        centred columns are divided by ``D`` here, once for all rows (linear; D holds
        powers of two, so this is exact)."""
        k = int(self.weight_sum is not None)
        sums[:, k:] /= self.scale
        return sums


# ---------------------------------------------------------------------------- factor
@dataclass
class CentredCovariance:
    """``cov(phi) = sigma^2 C M C'`` for ``phi = (sqrt(W) a_c, D beta)`` (module docstring).

    Attributes
    ----------
    keep : bool array over the features (the estimated ones)
    centre, scale : the centre ``c`` and the powers of two ``D`` of the kept columns
    weight_sum : ``W``, or None without an intercept
    C, meat : dimensionless ``(r, r)`` matrices, ``r`` parameters
    sigma : the scale of y (the residual standard deviation for "nonrobust")
    error : estimated relative error of the standard errors
    undefined : indices (into the parameters) whose variance is undefined (HC2/HC3
        with observations of leverage 1)
    lev_one : number of observations of leverage 1 (HC2/HC3)
    null_meat : ``N``, the leverage-1 rows' ``sum q q'`` (zeros when there are none)
    cause : what limits the accuracy (for the warning)
    signed : whether ``M`` may be indefinite (two-way cluster ``M0 + M1 - M01``, HAC
        with a kernel that is not positive definite): variances are then read off
        ``L C M C' L'`` directly, and those that come out negative are NaN
        (:attr:`negative`)
    direct : where set, ``cov(theta) = sigma^2 diag(1, D^-1) direct diag(1, D^-1)``
        (an entrywise accurate inverse; standard errors are read off it)
    """

    keep: np.ndarray
    centre: np.ndarray
    scale: np.ndarray
    weight_sum: float | None
    C: np.ndarray
    meat: np.ndarray
    sigma: float
    error: float
    undefined: list = field(default_factory=list)
    lev_one: int = 0
    null_meat: np.ndarray | None = None
    direct: np.ndarray | None = None
    cause: str = ""
    signed: bool = False

    def meat_root(self) -> np.ndarray:
        """``F`` with ``F F' = M`` (computed once)."""
        if getattr(self, "_meat_root", None) is None:
            self._meat_root = _psd_root(self.meat)
        return self._meat_root

    def user_map(self):
        """``(units, L)`` with ``theta = diag(units) L phi`` for theta = (intercept, coef):
        L has rows of size ~1 and units are exact powers of two or the intercept's."""
        inv_d = 1.0 / self.scale
        if self.weight_sum is None:
            return inv_d, np.eye(len(inv_d))
        m = self.centre * inv_d
        root = np.sqrt(self.weight_sum)
        u0 = max(1.0 / root, float(np.max(np.abs(m), initial=0.0)))
        L = np.eye(len(m) + 1)
        L[0, 0] = 1.0 / root / u0
        L[0, 1:] = -m / u0
        return np.r_[u0, inv_d], L

    def standard_errors_and_correlation(self):
        """``(bse, corr)`` of (intercept, kept coef) in the user's units, ``cov = bse_i
        bse_j corr_ij``; each standard error is formed as ``sigma * unit * |row|``."""
        if self.direct is not None:
            return self._from_direct()
        if self.signed and _is_indefinite(self.meat):
            return self._from_signed()
        units, L = self.user_map()
        F = self.meat_root()
        V = F.T @ self.C.T @ L.T  # cov(theta) = sigma^2 diag(units) V'V diag(units)
        norms = np.linalg.norm(V, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = (V.T @ V) / np.outer(norms, norms)
        corr[~np.isfinite(corr)] = 0.0
        np.fill_diagonal(corr, 1.0)
        bse = safe_product(self.sigma, units, norms)
        bse[self.undefined] = np.nan
        return bse, corr

    def _from_signed(self):
        """``(bse, corr)`` from ``V = L C M C' L'`` for an indefinite ``M``: a variance
        that is negative (the estimator's, not rounding's) gives a NaN standard error,
        listed in :attr:`negative`."""
        units, L = self.user_map()
        B = L @ self.C
        V = B @ ((self.meat + self.meat.T) / 2) @ B.T
        var = np.diag(V).copy()
        self.negative = [int(j) for j in np.flatnonzero(~(var >= 0))]
        norms = np.sqrt(np.where(var >= 0, var, np.nan))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = V / np.outer(norms, norms)
        corr[~np.isfinite(corr)] = np.nan
        good = np.isfinite(norms)
        corr[np.ix_(good, good)] = np.where(
            np.isfinite(corr[np.ix_(good, good)]), corr[np.ix_(good, good)], 0.0
        )
        np.fill_diagonal(corr, np.where(good, 1.0, np.nan))
        bse = safe_product(self.sigma, units, norms)
        bse[self.undefined] = np.nan
        return bse, corr

    def _from_direct(self):
        d = np.sqrt(np.diag(self.direct))
        units = 1.0 / self.scale
        if self.weight_sum is not None:
            units = np.r_[1.0, units]
        corr = self.direct / np.outer(d, d)
        np.fill_diagonal(corr, 1.0)
        return safe_product(self.sigma, units, d), corr

    def wald_fvalue(self, coef) -> float:
        """``b' V^-1 b / k`` for the kept slopes ``b`` under this covariance: with
        ``C`` block triangular, ``V_bb = sigma^2 C_bb M_bb C_bb'``, so the statistic is
        ``|M_bb^-1/2 C_bb^-1 D b|^2 / sigma^2 / k``, solved, never V inverted."""
        k = int(self.weight_sum is not None)
        coef = np.asarray(coef, dtype=np.float64)
        if not len(coef) or self.undefined:
            return np.nan
        with np.errstate(over="ignore", invalid="ignore"):
            phi = safe_product(coef, self.scale, 1.0 / self.sigma)
            Cbb, Mbb = self.C[k:, k:], self.meat[k:, k:]
            lower = bool(np.allclose(Cbb, np.tril(Cbb), rtol=0, atol=0))
            y = sla.solve_triangular(Cbb, phi, lower=lower, check_finite=False)
            if self.signed and _is_indefinite(Mbb):
                try:  # b' V^-1 b with V indefinite (statsmodels: the same, via pinv)
                    return float(y @ np.linalg.solve((Mbb + Mbb.T) / 2, y) / len(coef))
                except np.linalg.LinAlgError:
                    return np.nan
            try:
                t = np.linalg.solve(np.linalg.cholesky(Mbb), y)
            except np.linalg.LinAlgError:
                return np.nan
            return float(t @ t / len(coef))

    def interval_factor(self) -> dict:
        """What prediction intervals need: ``var(fit at x0) = sigma^2 |l' P|^2`` with
        ``l = (1/sqrt(W), (x0 - c) D^-1)`` and ``P = C M^1/2``; ``undefined_root`` is
        ``C N^1/2`` (leverage-1 directions: nonzero there means undefined)."""
        null = self.null_meat if self.null_meat is not None else np.zeros_like(self.meat)
        return {
            "keep": np.flatnonzero(self.keep).tolist(),
            "centre": self.centre.tolist(),
            "scale": self.scale.tolist(),
            "weight_sum": self.weight_sum,
            "sigma": self.sigma,
            "root": (self.C @ self.meat_root()).tolist(),
            "undefined_root": (self.C @ _psd_root(null)).tolist() if np.any(null) else None,
            # An indefinite meat M = F F' - G G': var = sigma^2 (|l'C F|^2 - |l'C G|^2).
            "root_negative": (
                (self.C @ _psd_root(-self.meat)).tolist()
                if self.signed and _is_indefinite(self.meat)
                else None
            ),
        }


def _is_indefinite(M) -> bool:
    """Whether the symmetric M has an eigenvalue below minus rounding level."""
    M = np.asarray(M, dtype=np.float64)
    if not M.size or not np.all(np.isfinite(M)):
        return False
    lam = np.linalg.eigvalsh((M + M.T) / 2)
    return bool(lam[0] < -len(lam) * EPS * max(float(np.max(np.abs(lam))), 0.0) * 4)


def _psd_root(M) -> np.ndarray:
    """``F`` with ``F F' = M`` for a symmetric positive semidefinite M."""
    M = np.asarray(M, dtype=np.float64)
    if not M.size:
        return M
    if np.allclose(M, np.diag(np.diag(M)), rtol=0, atol=0):
        return np.diag(np.sqrt(np.maximum(np.diag(M), 0.0)))
    lam, U = np.linalg.eigh((M + M.T) / 2)
    # Eigenvalues at rounding level are zero: their square roots (~1e-8) are not noise-free.
    floor = len(lam) * EPS * max(float(lam[-1]), 0.0)
    return U * np.sqrt(np.where(lam > floor, lam, 0.0))


def _kept(problem: LeastSquaresProblem, aliased) -> np.ndarray:
    keep = np.ones(problem.n_features, dtype=bool)
    keep[list(aliased)] = False
    return keep


def _uses_extended(problem: LeastSquaresProblem) -> bool:
    return problem.has_data and problem.n_samples * problem.n_features <= _auto.EXTENDED_MAX_ENTRIES


def _cholesky_shifted(G) -> np.ndarray:
    """Upper Cholesky factor of G, with the shift of shifted CholeskyQR (Fukaya et al.
    2020) when G is not numerically positive definite."""
    try:
        R = np.linalg.cholesky(G).T
        if np.all(np.isfinite(R)):
            return R
    except np.linalg.LinAlgError:
        pass
    r = G.shape[0]
    shift = 11 * (r * r + r * (r + 1)) * EPS * max(float(np.trace(G)), np.finfo(float).tiny)
    for _ in range(8):
        try:
            return np.linalg.cholesky(G + shift * np.eye(r)).T
        except np.linalg.LinAlgError:
            shift *= 100
    raise np.linalg.LinAlgError("the design's Gram matrix is not positive semidefinite")


def _condition(R) -> float:
    """Condition number of a triangular factor (inf when singular): exact (SVD) for
    small ones, LAPACK's O(r^2) 1-norm estimate (trcon) for larger ones."""
    if not R.size:
        return 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if R.shape[0] <= 64:
            k = np.linalg.cond(R)
        else:
            rcond, info = sla.lapack.dtrcon(np.ascontiguousarray(R), norm="1", uplo="U")
            k = 1.0 / rcond if info == 0 and rcond > 0 else np.inf
    return float(k) if np.isfinite(k) else np.inf


def _moments_root(problem: LeastSquaresProblem, keep):
    """``(centre, scale, weight_sum, R)`` from the Moments (exact weighted mean)."""
    m = problem.get_moments()
    if problem.fit_intercept:
        s = m.xtx[np.ix_(keep, keep)]
        centre, weight_sum = m.x_mean[keep].copy(), float(m.weight_sum)
    else:
        s = m.uncentred()[np.ix_(keep, keep)]
        centre, weight_sum = np.zeros(int(keep.sum())), None
    scale = _power_of_two(np.sqrt(np.diag(s)))
    with np.errstate(over="ignore", invalid="ignore"):
        g = s / scale[:, None] / scale[None, :]
    if not np.all(np.isfinite(g)):
        g = np.eye(len(scale))  # extreme units: only a starting point for the data passes
    R = _cholesky_shifted(g) if len(scale) else np.zeros((0, 0))
    if weight_sum is not None:
        R = sla.block_diag(1.0, R)
    return centre, scale, weight_sum, R


def _data_scales(problem, keep, centre):
    """Column scales from the data (largest ``|x - c|`` rounded to a power of two), for
    when the Moments' norms over- or underflowed."""
    return _power_of_two(chunk_sum(problem, _ChunkMax(keep, centre)).value)


class _Maximum:
    """A per-chunk maximum whose ``+`` (chunk_sum's reduction) takes maxima."""

    def __init__(self, value):
        self.value = value

    def __add__(self, other):
        return _Maximum(np.maximum(self.value, other.value))


class _ChunkMax:
    """Largest ``sqrt(w) |x - c|`` per kept column of one chunk."""

    def __init__(self, keep, centre):
        self.keep, self.centre = keep, centre

    def __call__(self, X, Y, w):
        a = np.abs(X[:, self.keep] - self.centre)
        if w is not None:
            a = a * np.sqrt(w)[:, None]
        return _Maximum(a.max(axis=0, initial=0.0))


def _refine_with_data(problem, rows: _Rows):
    """Cholesky QR passes over the data until ``A R^-1`` is orthonormal; returns R."""
    R = rows.R
    for _ in range(MAX_PASSES):
        rows.R = R
        G = chunk_sum(problem, _ChunkGram(rows.keep, rows.centre, rows.scale, rows.weight_sum, R))
        if not np.all(np.isfinite(G)):
            break
        R = _cholesky_shifted(G) @ R
        # |G - I|_F < 1/2 bounds G's eigenvalues to [1/2, 3/2]: A R^-1 was well
        # conditioned, so that pass was a CholeskyQR2 step and R is final.
        if np.linalg.norm(G - np.eye(len(G))) < 0.5:
            break
    rows.R = R
    return R


def _root(problem: LeastSquaresProblem, keep, need_data: bool, use_data: bool = True):
    """``(rows, error, cause)``: the equilibrated design's R (in ``rows``), the
    estimated relative error of standard errors from it and what limits it.  Passes
    over the data (where it can be read and ``use_data``) when ``need_data`` or the
    Moments' factor is not accurate."""
    centre, scale, weight_sum, R = _moments_root(problem, keep)
    r = R.shape[0]
    kappa = _condition(R)
    error = kappa * kappa * EPS
    rows = _Rows(keep, centre, scale, weight_sum, R)
    cause = (
        f"only the Moments are at hand and the design's condition number is {kappa:.2e} "
        "(in scaled, centred coordinates); pass X=, y= to summary() for standard errors "
        "from the data"
    )
    if weight_sum is not None and len(scale):
        # The float64 mean is off the exact one by ~eps |mean|: the Moments' factor
        # takes the intercept as orthogonal to the centred columns, which costs the
        # intercept's and the intervals' variances ~eps |mean| / spread.
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = float(np.max(np.abs(centre) * np.sqrt(weight_sum) / scale))
        if EPS * ratio > error:
            error = EPS * ratio
            cause = (
                f"only the Moments are at hand and a column's mean is {ratio:.1e} times its "
                "spread; pass X=, y= to summary() for standard errors from the data"
            )
    m = problem.get_moments()
    p = m.n_features
    diag = np.diag(m.xtx if problem.fit_intercept else m.uncentred()[:p, :p])[keep]
    in_range = bool(np.all((diag > 1e-280) & (diag < 1e280)))
    if not in_range:
        error = np.inf
        cause = (
            "only the Moments are at hand and a column's squares leave the float64 range "
            "there; pass X=, y= to summary() for standard errors from the data"
        )
    if use_data and has_chunks(problem) and (need_data or error > MOMENTS_RTOL):
        if not in_range:
            rows.scale = _data_scales(problem, keep, centre)
            rows.R = np.eye(r)
        R = _refine_with_data(problem, rows)
        kappa = _condition(R)
        error = kappa * EPS * np.sqrt(max(r, 1))
        cause = (
            f"the design's condition number is {kappa:.2e} (in scaled, centred "
            "coordinates): too close to collinear for double precision"
        )
    return rows, error, cause


# ---------------------------------------------------------------------------- routes
def _extended_inverse(problem: LeastSquaresProblem, keep, scale):
    """``(X'WX)^-1`` over (intercept, ``D^-1``-scaled kept columns) in the user's
    parametrization, to extended accuracy entry by entry, from
    :func:`linreg.solvers.extended.gram_inverse` on the data divided by the powers of two
    ``scale`` (exact; the inverse then stays in the float64 range).  None where it fails.

    Only its entries are accurate: rounded to float64 it is not a factorable positive
    definite matrix once kappa^2 exceeds 1/eps, so standard errors and correlations are
    read off it directly."""
    X = np.asarray(problem.X)[:, keep] / scale  # keeps longdouble data as it is
    scaled = LeastSquaresProblem(X, problem.Y, problem.weights, problem.fit_intercept)
    try:
        z = extended.gram_inverse(scaled, np.ones(X.shape[1], dtype=bool))
    except (ValueError, np.linalg.LinAlgError):
        return None
    if z.shape[0] != X.shape[1] + int(problem.fit_intercept) or not np.all(np.isfinite(z)):
        return None
    if not np.all(np.diag(z) > 0):
        return None
    return (z + z.T) / 2


def nonrobust(problem: LeastSquaresProblem, aliased, sigma) -> CentredCovariance:
    """The least-squares (or, penalized, the ridge) covariance ``sigma^2 C M C'``."""
    keep = _kept(problem, aliased)
    if problem.penalized:
        return _ridge(problem, keep, sigma)
    rows, error, cause = _root(problem, keep, need_data=False)
    direct = None
    if error > MOMENTS_RTOL and _uses_extended(problem):
        # Small problems: standard errors to extended accuracy (NIST's Filip, kappa 4e9);
        # the factor from the data still serves the prediction intervals.
        direct = _extended_inverse(problem, keep, rows.scale)
        if direct is not None:
            kappa2 = error / EPS  # error = kappa^2 eps
            error = max(EPS, kappa2 * EXTENDED_EPS)
            cause = (
                f"the design's condition number is {np.sqrt(kappa2):.2e} (in scaled, "
                "centred coordinates), beyond what extended precision resolves"
            )
    C = sla.solve_triangular(rows.R, np.eye(rows.R.shape[0]), check_finite=False)
    cov = CentredCovariance(
        keep, rows.centre, rows.scale, rows.weight_sum, C, np.eye(len(C)), sigma, error
    )
    cov.direct, cov.cause = direct, cause
    return cov


def _penalized_factor(rows: _Rows, alpha: float) -> np.ndarray:
    """``R_a``, the triangular factor of ``[A; sqrt(alpha) diag(0, D^-1)]`` (the design
    stacked on the ridge penalty, the intercept unpenalized), from R."""
    R = rows.R
    k = int(rows.weight_sum is not None)
    penalty = np.zeros_like(R)
    idx = np.arange(k, R.shape[0])
    penalty[idx, idx] = np.sqrt(alpha) / rows.scale
    Ra = np.linalg.qr(np.vstack([R, penalty]), mode="r")
    return Ra * np.where(np.diag(Ra) < 0, -1.0, 1.0)[:, None]  # positive diagonal


def _ridge(problem: LeastSquaresProblem, keep, sigma) -> CentredCovariance:
    """``B S B`` with ``B = (S + alpha I)^-1``: the covariance of the ridge estimator
    given alpha (around its expectation; it is biased), from the QR of R stacked on the
    penalty: with ``R_a`` its factor and ``Q1 = R R_a^-1``, ``B S B = R_a^-1 Q1'Q1 R_a^-T``."""
    rows, error, cause = _root(problem, keep, need_data=False)
    R = rows.R
    Ra = _penalized_factor(rows, float(problem.alpha[0]))
    Q1 = sla.solve_triangular(Ra, R.T, trans="T", check_finite=False).T
    C = sla.solve_triangular(Ra, np.eye(R.shape[0]), check_finite=False)
    cov = CentredCovariance(
        keep, rows.centre, rows.scale, rows.weight_sum, C, Q1.T @ Q1, sigma, error
    )
    cov.cause = cause
    return cov


def robust(problem: LeastSquaresProblem, coef, kind, aliased, y_scale):
    """HC0-HC3 covariance ``y_scale^2 C M C'`` with the meat from a chunked pass in the
    coordinates of Q (HC1's ``n / df_resid`` is applied by the caller)."""
    if not has_chunks(problem):
        raise ValueError(
            f"cov_type={kind!r} needs a second pass over the data, which this model no "
            "longer holds; pass X, y (and sample_weight) to summary()"
        )
    keep = _kept(problem, aliased)
    rows, error, cause = _root(problem, keep, need_data=False)
    if problem.penalized:
        # Ridge: leverages of the ridge hat matrix, sandwich around (S + alpha I)^-1.
        rows.R = _penalized_factor(rows, float(problem.alpha[0]))
    r = rows.R.shape[0]
    coef = np.atleast_2d(coef)
    x_shift, y_shift = _shifts(problem)
    # Residuals about their weighted mean (the least-squares intercept for these
    # slopes), not about the intercept rounded in the user's units.
    offset, _ = residual_mean_and_rss(problem, coef)
    kappa = _condition(rows.R)
    h_tol = max(64 * EPS, 8 * r * EPS * kappa)
    part = chunk_sum(
        problem, _ChunkMeat(rows, coef, (x_shift, y_shift, offset), y_scale, kind, h_tol)
    )
    meat, null = part.meat, part.null
    # HC2/HC3 divide by 1 - h, which is known to ~eps absolute: measured error of the
    # standard errors ~0.1-0.5 eps / min(1 - h) (a row of weight 1e12: 5e-6).
    if EPS / max(part.gap, EPS) > error:
        error = EPS / max(part.gap, EPS)
        cause = f"an observation has leverage within {part.gap:.1e} of 1 ({kind} divides by 1 - h)"
    C = sla.solve_triangular(rows.R, np.eye(r), check_finite=False)
    cov = CentredCovariance(
        keep, rows.centre, rows.scale, rows.weight_sum, C, meat, y_scale, error, null_meat=null
    )
    cov.cause = cause
    cov.lev_one = int(round(float(np.trace(null))))
    if cov.lev_one:
        cov.undefined = _affected(cov, kappa)
    return cov


def score_rows(problem: LeastSquaresProblem, coef, aliased, y_scale, orthogonal=True):
    """``(scores, rows, error, cause)`` for sandwich covariances built from score sums
    (cluster, HAC): ``scores`` is the picklable :class:`_ChunkScores` of the kept
    columns (residuals about their weighted mean, as for the HC types) and ``rows``
    the equilibrated design's factor (for Ridge: of the design stacked on the
    penalty), with the estimated relative error of the standard errors it gives."""
    if not has_chunks(problem):
        raise ValueError(
            "this covariance needs a second pass over the data, which this model no "
            "longer holds; pass X, y (and sample_weight) to summary()"
        )
    keep = _kept(problem, aliased)
    rows, error, cause = _root(problem, keep, need_data=False)
    if problem.penalized:
        rows.R = _penalized_factor(rows, float(problem.alpha[0]))
    coef = np.atleast_2d(coef)
    x_shift, y_shift = _shifts(problem)
    offset, _ = residual_mean_and_rss(problem, coef)
    scores = _ChunkScores(rows, coef, (x_shift, y_shift, offset), y_scale, orthogonal)
    return scores, rows, error, cause


def sandwich(rows: _Rows, meat, y_scale, error, cause, signed=False) -> CentredCovariance:
    """The covariance ``y_scale^2 C M C'`` (``C = R^-1``) of a meat in the coordinates
    of Q; ``signed``: M may be indefinite (see :class:`CentredCovariance`)."""
    r = rows.R.shape[0]
    C = sla.solve_triangular(rows.R, np.eye(r), check_finite=False)
    cov = CentredCovariance(
        rows.keep, rows.centre, rows.scale, rows.weight_sum, C, meat, y_scale, error
    )
    cov.cause, cov.signed = cause, signed
    return cov


def _affected(cov: CentredCovariance, kappa: float) -> list:
    """Parameters that leverage-1 observations move: ``diag(L C N C' L')`` above rounding
    relative to ``diag(L C C' L')``."""
    _, L = cov.user_map()
    influence = np.linalg.norm(_psd_root(cov.null_meat).T @ cov.C.T @ L.T, axis=0)
    size = np.linalg.norm(cov.C.T @ L.T, axis=0)
    tol = max(1e-8, 1e3 * EPS * kappa)
    return [int(j) for j in np.flatnonzero(influence > tol * size)]


def _shifts(problem: LeastSquaresProblem):
    m = problem.get_moments()
    if problem.fit_intercept:
        return m.x_mean, m.y_mean
    return np.zeros(problem.n_features), np.zeros(problem.n_targets)


def residual_mean_and_rss(problem: LeastSquaresProblem, coef, y_scale=1.0):
    """``(rbar, rss)`` per target from one chunked pass: the weighted mean of the
    residuals about the Moments' means and, with an intercept, the residual sum of
    squares with the intercept profiled out (``sum w (r - rbar)^2``): the least-squares
    minimum for these slopes, which the rounded intercept of the user's units may miss
    (by ``W delta^2`` for an intercept off by delta, e.g. 1 ulp of a huge intercept).
    Residuals are divided by ``y_scale`` (rbar is not)."""
    x_shift, y_shift = _shifts(problem)
    coef = np.atleast_2d(coef)
    # One pass per (problem, coef, y_scale): a summary asks for it for the RSS and for
    # the residuals' offset of its sandwich covariance.
    key = (coef.tobytes(), coef.shape, float(y_scale))
    cache = problem.__dict__.setdefault("_residual_sums", {})
    if key not in cache:
        cache[key] = chunk_sum(problem, _ChunkRSS(coef, x_shift, y_shift, y_scale))
    s2, s1 = cache[key]
    if not problem.fit_intercept:
        return np.zeros_like(s1), s2
    w_sum = problem.get_moments().weight_sum
    rbar = s1 / w_sum
    return rbar * y_scale, np.maximum(s2 - s1 * rbar, 0.0)


def _extended_profiled_rss(problem: LeastSquaresProblem, coef, intercept) -> np.ndarray:
    """Extended-precision RSS with the intercept profiled out: from the RSS at the
    intercept ``b`` and at ``b + t`` (``RSS(b + t) = RSS_min + W (delta + t)^2``), the
    intercept's offset delta from the optimum and so ``RSS_min = RSS(b) - W delta^2``."""
    rss0 = extended.residual_sum_of_squares(problem, coef, intercept)
    if not problem.fit_intercept:
        return rss0
    w_sum = problem.get_moments().weight_sum
    intercept = np.asarray(intercept, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        t = np.maximum(np.sqrt(rss0 / w_sum), 4 * np.spacing(np.abs(intercept)))
        shifted = intercept + t
        t = shifted - intercept  # exactly representable (Sterbenz)
        rss1 = extended.residual_sum_of_squares(problem, coef, shifted)
        delta = ((rss1 - rss0) / w_sum - t * t) / (2 * t)
        rss = rss0 - w_sum * delta * delta
    good = np.isfinite(rss) & (t > 0)
    return np.where(good, np.maximum(rss, 0.0), rss0)


def y_scale_of(problem: LeastSquaresProblem, bounds=(1e-100, 1e100)) -> float:
    """A power of two near the spread of y, where that spread is outside ``bounds`` (1
    otherwise): residuals are divided by it before they are squared (the default
    bounds keep squares in the float64 range; fourth powers need (1e-60, 1e60))."""
    m = problem.get_moments()
    yy = m.yty if problem.fit_intercept else m.uncentred()[m.n_features :, m.n_features :]
    spread = np.sqrt(np.max(np.diag(yy)) / m.weight_sum)
    if np.isfinite(spread) and bounds[0] < spread < bounds[1]:
        return 1.0
    if problem.has_data:
        Y = np.asarray(problem.Y, dtype=np.float64)
        spread = np.max(np.abs(Y - (m.y_mean if problem.fit_intercept else 0.0)))
    elif has_chunks(problem):
        y_shift = m.y_mean if problem.fit_intercept else np.zeros(problem.n_targets)
        spread = np.max(chunk_sum(problem, _ChunkMaxY(y_shift)).value)
    return float(_power_of_two(spread))


class _ChunkMaxY:
    """Largest ``|y - y_shift|`` per target of one chunk."""

    def __init__(self, y_shift):
        self.y_shift = y_shift

    def __call__(self, X, Y, w):
        return _Maximum(np.abs(Y - self.y_shift).max(axis=0, initial=0.0))


def scaled_residual_sum_of_squares(problem: LeastSquaresProblem, coef, intercept):
    """``(rss / y_scale^2, y_scale)`` per target (:func:`residual_sum_of_squares`), so
    that the residual standard deviation is right even where the RSS itself would
    over- or underflow."""
    y_scale = y_scale_of(problem)
    if y_scale == 1.0:
        return residual_sum_of_squares(problem, coef, intercept), 1.0
    coef = np.atleast_2d(coef)
    if _uses_extended(problem):
        scaled = LeastSquaresProblem(
            problem.X, problem.Y / y_scale, problem.weights, problem.fit_intercept
        )
        rss = _extended_profiled_rss(scaled, coef / y_scale, np.asarray(intercept) / y_scale)
        return rss, y_scale
    if has_chunks(problem):
        return residual_mean_and_rss(problem, coef, y_scale)[1], y_scale
    return residual_sum_of_squares(problem, coef, intercept), 1.0


def residual_sum_of_squares(problem: LeastSquaresProblem, coef, intercept) -> np.ndarray:
    """Weighted residual sum of squares per target at the given slopes, with the
    intercept at its least-squares value for them (see :func:`residual_mean_and_rss`),
    as exactly as the data allows.

    From the data (a chunked pass; compensated extended precision for small
    problems) when it is in memory, else from the Moments:
    ``S_yy - 2 b'S_xy + b'S_xx b``, which cancels when R^2 is close to 1.
    """
    coef = np.atleast_2d(coef)
    if _uses_extended(problem):
        return _extended_profiled_rss(problem, coef, intercept)
    if has_chunks(problem):
        return residual_mean_and_rss(problem, coef)[1]
    m = problem.get_moments()
    cross = m.cross if problem.fit_intercept else m.uncentred()
    p = m.n_features
    sxx, sxy, syy = cross[:p, :p], cross[:p, p:], cross[p:, p:]
    rss = (
        np.diag(syy)
        - 2 * np.einsum("kj,jk->k", coef, sxy)
        + np.einsum("kj,jl,kl->k", coef, sxx, coef)
    )
    return np.maximum(rss, 0.0)
