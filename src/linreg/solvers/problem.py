"""The least-squares problem every solver receives.

Objective (scikit-learn's scaling, so ``alpha`` means the same as in ``sklearn.Ridge``)::

    minimize over (b, c)   sum_i w_i (y_i - c - x_i' b)^2 + alpha * ||b||^2

for each target column, with the intercept ``c`` unpenalized (and fixed at 0 when
``fit_intercept`` is false).  ``alpha = 0`` is ordinary (weighted) least squares.

Solvers work on the *equilibrated* problem: centred (when there is an intercept),
weighted, and with every feature column scaled to unit norm, which makes condition
numbers meaningful and rank decisions scale-free.  This module holds that shared
transformation and its inverse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..centring import centre, column_scale
from ..moments import Moments
from .aliasing import column_uncertainty

EPS = np.finfo(np.float64).eps

#: The accuracy the exact solvers promise (relative, coefficients and intercept): a
#: bound above it is reported as status "inaccurate" with an AccuracyWarning.
TARGET_ACCURACY = 1e-6


@dataclass
class LeastSquaresProblem:
    """Data (in memory or only as Moments) and the options of one fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or None
        The design, when it is in memory (float32, float64 or longdouble).  Solvers
        that need X (QR, extended, SVD) cannot run without it.
    Y : ndarray of shape (n_samples, n_targets) or None
    weights : ndarray of shape (n_samples,) or None
    fit_intercept : bool
    alpha : ndarray of shape (n_targets,)
        L2 penalty per target; zeros for OLS.
    moments : Moments or None
        Computed from X on first use when not given.
    """

    X: np.ndarray | None
    Y: np.ndarray | None
    weights: np.ndarray | None = None
    fit_intercept: bool = True
    alpha: np.ndarray = field(default_factory=lambda: np.zeros(1))
    moments: Moments | None = None

    def __post_init__(self):
        if self.moments is None and self.X is None:
            raise ValueError("a least-squares problem needs either X and Y or their Moments")
        self.alpha = np.broadcast_to(np.asarray(self.alpha, dtype=np.float64), (self.n_targets,))

    # ------------------------------------------------------------------ sizes
    @property
    def n_samples(self) -> int:
        return self.X.shape[0] if self.X is not None else self.moments.n_samples

    @property
    def n_features(self) -> int:
        return self.X.shape[1] if self.X is not None else self.moments.n_features

    @property
    def n_targets(self) -> int:
        return self.Y.shape[1] if self.Y is not None else self.moments.n_targets

    @property
    def has_data(self) -> bool:
        return self.X is not None

    @property
    def single_alpha(self) -> bool:
        """Whether every target has the same penalty (what each solver handles)."""
        return bool(np.all(self.alpha == self.alpha[0]))

    @property
    def penalized(self) -> bool:
        return bool(np.any(self.alpha > 0))

    @property
    def rank_rtol(self) -> float:
        """Relative tolerance below which a column counts as dependent on earlier ones
        (LAPACK's and NumPy's default ``max(n, p) * eps``, on unit-norm columns)."""
        return max(self.n_samples, self.n_features) * EPS

    def column_uncertainty(self, active) -> np.ndarray:
        """Per-column uncertainty ``u_j`` of the rank decision over the ``active`` columns
        (:mod:`linreg.solvers.aliasing`): ``rank_rtol`` plus the rounding of an offset."""
        m = self.get_moments()
        p = self.n_features
        ratio = np.ones(p)  # ||x_j|| / ||x_j - mean_j||, formed without squares (overflow)
        if self.fit_intercept:
            centred = self._centred_norms(active)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                r = self._offset_magnitude(m) / centred
            ratio = np.hypot(1.0, np.nan_to_num(r, nan=np.inf))
        return column_uncertainty(self.n_samples, p, ratio[active])

    def _offset_magnitude(self, m: Moments) -> np.ndarray:
        """How far rounding each entry by ``eps |x_ij|`` can move a centred column, in
        units of eps: ``sqrt(W) |mean|``, or ``max|x| sqrt(W - w_max)`` when X is at hand
        and that is smaller (centring absorbs the heaviest row's rounding, so a dominant
        weight does not make an offset look larger than the spread)."""
        with np.errstate(over="ignore"):
            offset = np.sqrt(m.weight_sum) * np.abs(m.x_mean)
            # The pass over X pays only when one row holds most of the weight: otherwise
            # max|x| sqrt(W - w_max) >= |mean| sqrt(W / 2), and the Moments' figure is
            # within sqrt(2) of the smaller one (a pass over X on the fast path costs as
            # much as a third of the whole fit).
            w_max = 0.0 if self.weights is None else float(np.max(self.weights, initial=0.0))
            if self.X is not None and self.n_samples > 0 and w_max > m.weight_sum / 2:
                light = np.sqrt(max(m.weight_sum - w_max, 0.0))
                # max |x| without an |X| temporary the size of X
                top = np.maximum(self.X.max(axis=0), -self.X.min(axis=0)).astype(np.float64)
                offset = np.minimum(offset, top * light)
        return offset

    def _centred_norms(self, active) -> np.ndarray:
        """Weighted centred column norms: from the Moments, or from X (scaled, so no
        square under- or overflows) where the squared norm in the Moments is unsafe."""
        m = self.get_moments()
        norms = _scaled_norms(m)
        unsafe = active & ~((norms > 1e-150) & (norms < 1e150)) & (m.scale is None)
        if self.X is not None and unsafe.any():
            cols, _ = centre(self.X[:, unsafe], self.weights, dtype=np.float64)
            if self.weights is not None:
                cols *= np.sqrt(self.weights)[:, None]
            norms[unsafe] = _column_norms(cols)
        return norms

    def get_moments(self) -> Moments:
        if self.moments is None:
            self.moments = Moments.from_arrays(self.X, self.Y, self.weights)
        return self.moments

    # ------------------------------------------------------------- the Gram view
    def gram(self):
        """Equilibrated normal equations from the Moments.

        Returns ``(G, B, scale, active)``: ``G = D^-1 X'WX D^-1`` over the active
        (non-constant) columns, ``B = D^-1 X'WY``, the column norms ``scale`` (D) and
        the boolean mask of active columns.  Centred when there is an intercept.
        """
        m = self.get_moments()
        p = self.n_features
        norms, u, v = self._gram_parts(m)
        active = self._active_columns(norms, m)
        scale = np.where(active, norms, 1.0)
        d = scale[active]
        # Divided one side at a time, and the uncentred part added in scaled form, so no
        # intermediate exceeds the scaled result (X'WX itself may overflow float64).
        cross, s = m.scaled_cross()
        # cross / d / d, with d over the powers of two s of scaled cross-products (data
        # whose squares leave the float64 range): the ratios are of order 1.
        dx = d / s[:p][active]
        with np.errstate(over="ignore", under="ignore"):
            g = cross[:p, :p][np.ix_(active, active)] / dx[:, None] / dx[None, :]
            b = cross[:p, p:][active] / dx[:, None] * s[None, p:]
        g += np.outer(u[active], u[active])
        b = b + np.outer(u[active], v)
        return g, b, scale, active

    def _gram_parts(self, m: Moments):
        """Column norms ``d`` of ``W^1/2 X`` (centred when there is an intercept) and the
        scaled uncentred parts ``u = sqrt(W) x_mean / d``, ``v = sqrt(W) y_mean`` (zero
        with an intercept), all without forming a square that could overflow."""
        p = self.n_features
        centred = _scaled_norms(m)
        if self.fit_intercept:  # from X where the Moments' squares under/overflow
            centred = self._centred_norms(np.ones(p, dtype=bool))
            return centred, np.zeros(p), np.zeros(m.n_targets)
        root = np.sqrt(m.weight_sum)
        with np.errstate(over="ignore", invalid="ignore"):
            offset = root * np.abs(m.x_mean)
            norms = np.hypot(centred, offset)
            u = np.where(norms > 0, (root * m.x_mean) / np.where(norms > 0, norms, 1.0), 0.0)
            v = root * m.y_mean
        return norms, u, v

    def _active_columns(self, norms, m: Moments) -> np.ndarray:
        """Columns with non-zero (centred) norm.  A column that is constant up to
        rounding is aliased with the intercept and takes no part in the solve.  Compared
        as norms, not squares: ``W * x_mean**2`` may overflow, a tiny norm's square
        underflow."""
        if self.fit_intercept:
            floor = 64 * EPS * self._offset_magnitude(m)
        else:
            floor = np.zeros_like(norms)
        return norms > floor

    # ------------------------------------------------------------- the data view
    def design(self, dtype=np.float64, augment: bool = True):
        """Equilibrated design and right-hand side as arrays (a copy of X).

        Returns ``(A, B, scale, active, x_mean, y_mean)`` with ``A = W^1/2 (X - x_mean)
        D^-1`` over the active columns in ``dtype``; for a penalized problem with a
        single alpha the rows ``sqrt(alpha) D^-1`` are appended (and zeros to B), so
        ridge becomes plain least squares.
        """
        if not self.has_data:
            raise ValueError("this solver needs X in memory; only Moments were given")
        X = self.X.astype(dtype, copy=False)
        Y = self.Y.astype(dtype, copy=False)
        if self.fit_intercept:
            # linreg.centring: shifted by the heaviest row and centred twice, so the
            # centred design is orthogonal to the intercept to working precision
            # however large the offset
            A, x_mean = centre(X, self.weights, dtype=dtype)
            B, y_mean = centre(Y, self.weights, dtype=dtype)
        else:
            x_mean = np.zeros(X.shape[1], dtype=dtype)
            y_mean = np.zeros(Y.shape[1], dtype=dtype)
            A = X.copy()
            B = Y.copy()
        if self.weights is not None:
            sw = np.sqrt(self.weights.astype(dtype))[:, None]
            A *= sw
            B *= sw
        norms = _column_norms(A)
        if self.moments is not None:
            active = self._active_columns(np.asarray(norms, dtype=np.float64), self.moments)
        else:
            active = norms > 0
        scale = np.where(active, norms, 1).astype(dtype)
        A = A[:, active] / scale[active]
        if augment and self.penalized:
            if not self.single_alpha:
                raise ValueError("design(augment=True) needs one alpha for all targets")
            q = int(active.sum())
            penalty_rows = np.diag(np.sqrt(dtype(self.alpha[0])) / scale[active])
            A = np.vstack([A, penalty_rows])
            B = np.vstack([B, np.zeros((q, B.shape[1]), dtype=dtype)])
        return A, B, scale, active, x_mean, y_mean

    def single_target(self, j: int) -> LeastSquaresProblem:
        """The sub-problem of target ``j`` (used when alphas differ between targets)."""
        moments = None
        if self.moments is not None:
            m = self.moments
            p = m.n_features
            keep = np.r_[np.arange(p), p + j]
            moments = Moments(
                m.n_samples, m.weight_sum, m.mean[keep], m.cross[np.ix_(keep, keep)], p
            )
        return LeastSquaresProblem(
            self.X,
            None if self.Y is None else self.Y[:, [j]],
            self.weights,
            self.fit_intercept,
            self.alpha[[j]],
            moments,
        )

    # ---------------------------------------------------------- back-transform
    def to_user_units(self, beta, scale, active, x_mean=None, y_mean=None):
        """Coefficients ``(n_targets, n_features)`` and intercepts from the solution
        ``beta`` (active columns x targets) of the equilibrated problem."""
        beta = np.asarray(beta)
        dt = np.result_type(beta.dtype, np.float64)  # keep extended precision to the end
        beta = beta.astype(dt)
        if beta.ndim == 1:
            beta = beta[:, None]
        coef = np.zeros((beta.shape[1], self.n_features), dtype=dt)
        coef[:, active] = (beta / np.asarray(scale, dtype=dt)[active, None]).T
        if self.fit_intercept:
            if x_mean is None:
                m = self.get_moments()
                x_mean, y_mean = m.x_mean, m.y_mean
            intercept = np.asarray(y_mean, dtype=dt) - coef @ np.asarray(x_mean, dtype=dt)
        else:
            intercept = np.zeros(beta.shape[1], dtype=dt)
        return coef.astype(np.float64), intercept.astype(np.float64)


def _scaled_norms(m: Moments) -> np.ndarray:
    """Centred weighted column norms of X from the Moments, ``sqrt(diag C)``, from the
    scaled cross-products where their squares leave the float64 range."""
    cross, s = m.scaled_cross()
    p = m.n_features
    return np.sqrt(np.maximum(np.diag(cross)[:p], 0.0)) * s[:p]


def _column_norms(A) -> np.ndarray:
    """2-norms of the columns of ``A``, scaled so that no square over- or underflows."""
    return column_scale(A)
