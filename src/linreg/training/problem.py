"""The standardized problem every iterative trainer solves.

Objective in the user's units is the estimators' own (scikit-learn's scaling)::

    sum_i w_i (y_i - c - x_i'b)^2 + alpha ||b||^2

Trainers work on standardized data, ``z = (x - mean) / scale`` and
``t = (y - mean_y) / scale_y`` (no centring without an intercept), where the same
minimizer solves::

    J(c, B) = 1/(2 W) sum_i w_i (t_i - c - z_i'B)^2 + 1/2 sum_j penalty_j B_j^2,
    penalty_j = alpha / (W scale_j^2),  W = sum_i w_i

so raw-scale data converges as fast as standardized data.  The Hessian of J is known
from the Moments in O(p^3): its largest eigenvalue L gives the automatic step
``1/L`` and the largest stable one ``2/L``; its smallest, mu, turns the gradient into
a certified bound on the distance to the optimum, ``||theta - theta*|| <= ||grad|| / mu``,
which is what ``tol`` stops on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..centring import Standardization, centre
from ..moments import Moments


@dataclass
class StandardizedProblem:
    """Standardized arrays, scales, and the curvature of J."""

    Z: np.ndarray  # (n, p) standardized features
    T: np.ndarray  # (n, k) standardized targets
    w: np.ndarray  # (n,) weights normalized to mean 1
    x_shift: np.ndarray
    x_scale: np.ndarray
    y_shift: np.ndarray
    y_scale: np.ndarray
    penalty: np.ndarray  # (p,) per-coordinate L2 weight of J
    fit_intercept: bool
    lipschitz: float  # largest eigenvalue of J's Hessian
    strong_convexity: float  # smallest eigenvalue (0 when singular)
    rank: int  # numerical rank of the standardized Gram matrix
    #: ``(coef, intercept) -> a``: the intercept in the data's units carries ``a`` times
    #: the parameters' relative error (None: no intercept, or not tracked); training
    #: stops once the bound is below ``tol / max(1, a)`` (see :func:`track_intercept`)
    amplification: object = None

    @property
    def n_samples(self) -> int:
        return self.Z.shape[0]

    @property
    def auto_lr(self) -> float:
        """The classical safe step of gradient descent, ``1/L``."""
        return 1.0 / self.lipschitz

    @property
    def largest_stable_lr(self) -> float:
        return 2.0 / self.lipschitz

    @property
    def condition_number(self) -> float:
        """``sqrt(L / mu)``: the condition number of the standardized design (with the
        penalty), inf when J is not strongly convex."""
        mu = self.strong_convexity
        return float(np.sqrt(self.lipschitz / mu)) if mu > 0 else float("inf")

    def to_user_units(self, coef_std, intercept_std):
        """(coef (k, p), intercept (k,)) in the data's own units."""
        return self.standardization.to_user_units(coef_std, intercept_std)

    @property
    def standardization(self) -> Standardization:
        """The shift and scale of these coordinates (:class:`linreg.centring.Standardization`)."""
        return Standardization(self.x_shift, self.x_scale, self.y_shift, self.y_scale)

    def user_mse(self, mse_std) -> np.ndarray:
        """Mean squared error in the data's own units from the standardized one."""
        return np.asarray(mse_std) * self.y_scale**2


@dataclass
class Curvature:
    """The coordinates and curvature of J known from the Moments alone (no rows)."""

    x_shift: np.ndarray
    x_scale: np.ndarray
    y_shift: np.ndarray
    y_scale: np.ndarray
    penalty: np.ndarray
    lipschitz: float
    strong_convexity: float
    rank: int
    gram: np.ndarray  # (p, p) the standardized Z'WZ / W (centred with an intercept)


def curvature(moments: Moments, fit_intercept: bool, alpha) -> Curvature:
    """Shifts and scales of the standardized coordinates, the per-coordinate penalty and
    the extreme eigenvalues of J's Hessian, from the Moments (O(p^3), no pass)."""
    p = moments.n_features
    wsum = moments.weight_sum
    if fit_intercept:
        x_shift, y_shift = moments.x_mean, moments.y_mean
        sxx = np.diag(moments.xtx) / wsum
        syy = np.diag(moments.yty) / wsum
        gram = moments.xtx / wsum
    else:
        raw = moments.uncentred()
        x_shift, y_shift = np.zeros(p), np.zeros(moments.n_targets)
        sxx = np.diag(raw)[:p] / wsum
        syy = np.diag(raw)[p:] / wsum
        gram = raw[:p, :p] / wsum
    x_scale = np.sqrt(np.where(sxx > 0, sxx, 1.0))
    y_scale = np.sqrt(np.where(syy > 0, syy, 1.0))
    alpha = float(np.max(alpha)) if np.size(alpha) else 0.0
    penalty = alpha / (wsum * x_scale**2)
    gram = gram / np.outer(x_scale, x_scale)
    hessian = gram + np.diag(penalty)
    eig = np.linalg.eigvalsh(hessian) if p else np.ones(1)
    lipschitz = float(max(eig[-1], 1.0 if fit_intercept else eig[-1]))
    strong = float(max(min(eig[0], 1.0 if fit_intercept else eig[0]), 0.0))
    n = moments.n_samples
    rank = int(np.sum(eig > max(n, p) * np.finfo(float).eps * eig[-1])) if p else 0
    return Curvature(
        np.asarray(x_shift, dtype=np.float64), x_scale, np.asarray(y_shift, dtype=np.float64),
        y_scale, penalty, lipschitz, strong, rank, gram,
    )  # fmt: skip


def standardize(X, Y, w, fit_intercept: bool, alpha, moments: Moments, dtype=np.float64):
    """Build the :class:`StandardizedProblem` (copies X once, in ``dtype``)."""
    n, p = X.shape
    wsum = moments.weight_sum
    c = curvature(moments, fit_intercept, alpha)
    x_shift, y_shift = c.x_shift, c.y_shift
    if fit_intercept and n:
        # linreg.centring (heaviest-row shift, centred twice); its means agree with the
        # Moments' to rounding and are the ones that centred these arrays
        Xc, x_shift = centre(X, w, dtype=np.float64)
        Yc, y_shift = centre(Y, w, dtype=np.float64)
    else:
        Xc, Yc = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    Z = (Xc / c.x_scale).astype(dtype, copy=False)
    T = (Yc / c.y_scale).astype(dtype, copy=False)
    weights = np.ones(n) if w is None else np.asarray(w, dtype=np.float64) * (n / wsum)
    return StandardizedProblem(
        Z,
        T,
        weights.astype(dtype),
        x_shift,
        c.x_scale,
        y_shift,
        c.y_scale,
        c.penalty,
        fit_intercept,
        c.lipschitz,
        c.strong_convexity,
        c.rank,
    )


def track_intercept(problem: StandardizedProblem, moments: Moments) -> StandardizedProblem:
    """Set ``problem.amplification`` (with an intercept): the factor by which the
    intercept in the data's units amplifies the certified relative error of the
    standardized parameters (:func:`linreg.solvers.certify.intercept_amplification`),
    so that the trainers stop when the intercept meets ``tol`` as well."""
    if problem.fit_intercept:
        from ..solvers.certify import intercept_amplification

        def amplification(coef, intercept):
            user_coef, user_intercept = problem.to_user_units(coef, intercept)
            return intercept_amplification(moments, user_coef, user_intercept)

        problem.amplification = amplification
    return problem
