"""J and its exact gradient at any parameters from the Moments (no pass over the rows).

In the standardized coordinates of :mod:`.problem`, with ``G = Z'WZ / W``,
``b = Z'WT / W`` and ``s = diag(T'WT) / W`` (centred about the weighted means when there
is an intercept, so that the columns of Z and T have weighted mean 0)::

    2 J(c, B) - penalty term = s - 2 diag(B'b) + diag(B'G B) + c^2      (per target)
    dJ/dB = G B - b + penalty * B,        dJ/dc = c

(without an intercept c = 0 and the cross-products are uncentred).  One pass of Moments
thus gives the exact gradient anywhere in O(p^2 k): the streamed trainers certify their
distance to the optimum after every epoch with it, and take their full-batch steps on
it, without reading the rows again.  Near the optimum ``G B - b`` cancels: its rounding
is about ``eps (||G|| ||B|| + ||b||)``; :meth:`MomentsObjective.stats` adds a bound on
it to the gradient's norm, so the certified bound stays a bound there and bottoms out
near ``64 eps L / mu`` relative (a tol below that is not reached: training then stops
at ``max_iter``, saying so).
"""

from __future__ import annotations

import numpy as np

from ..moments import Moments
from .problem import Curvature

EPS = float(np.finfo(np.float64).eps)


class MomentsObjective:
    """J of :mod:`.problem` from the Moments, in the coordinates of ``curvature``."""

    def __init__(self, moments: Moments, curvature: Curvature, fit_intercept: bool):
        p = moments.n_features
        W = moments.weight_sum
        cross = moments.cross if fit_intercept else moments.uncentred()
        xs, ys = curvature.x_scale, curvature.y_scale
        self.gram = curvature.gram
        self.zt = cross[:p, p:] / W / np.outer(xs, ys)  # (p, k)
        self.tt = np.diag(cross[p:, p:]) / W / ys**2  # (k,)
        self.penalty = curvature.penalty
        self.fit_intercept = fit_intercept
        self._gram_norm = None

    def mse(self, coef, intercept) -> np.ndarray:
        """The weighted mean squared residual per target (standardized units) at the
        parameters ``coef`` (k, p), ``intercept`` (k,)."""
        B = np.asarray(coef, dtype=np.float64).T
        c = np.asarray(intercept, dtype=np.float64) if self.fit_intercept else 0.0
        quad = np.einsum("pk,pk->k", B, self.gram @ B)
        value = self.tt - 2 * np.einsum("pk,pk->k", B, self.zt) + quad + np.square(c)
        return np.maximum(value, 0.0)

    def gradient(self, coef, intercept):
        """``(dJ/dB (p, k), dJ/dc (k,))`` at ``coef`` (k, p), ``intercept`` (k,)."""
        B = np.asarray(coef, dtype=np.float64).T
        grad_b = self.gram @ B - self.zt + self.penalty[:, None] * B
        if self.fit_intercept:
            grad_c = np.array(intercept, dtype=np.float64)
        else:
            grad_c = np.zeros(B.shape[1])
        return grad_b, grad_c

    def stats(self, coef, intercept):
        """``(mse per target, ||grad J||)``: what the epoch loop asks of a trainer; the
        norm includes a bound on its own rounding (:meth:`gradient_rounding`), so that
        the certificate ``||grad J|| / mu`` stays a bound near the optimum too."""
        grad_b, grad_c = self.gradient(coef, intercept)
        norm = float(np.sqrt(np.sum(grad_b**2) + np.sum(grad_c**2)))
        return self.mse(coef, intercept), norm + self.gradient_rounding(coef, intercept)

    def gradient_rounding(self, coef, intercept) -> float:
        """A bound on the rounding of :meth:`gradient`: ``G B - b`` cancels near the
        optimum, each entry carrying about ``p eps`` times its terms' magnitudes (and the
        Moments' own rounding, of the same order): ``64 eps (||G|| ||B|| + ||b||)``."""
        if self._gram_norm is None:
            self._gram_norm = float(np.linalg.norm(self.gram, 2)) if self.gram.size else 0.0
        B = np.asarray(coef, dtype=np.float64)
        size = self._gram_norm * float(np.linalg.norm(B)) + float(np.linalg.norm(self.zt))
        return 64 * EPS * max(1, self.gram.shape[0]) ** 0.5 * size


def user_units_mse(moments: Moments, coef, intercept) -> float:
    """The weighted mean squared error, averaged over targets, of the user-unit model
    ``y = intercept + X coef'`` on the rows the Moments summarize (a validation source's
    loss without a pass): per target ``e'We / W`` with ``e = y - c - X beta``, from the
    centred cross-products and the means."""
    p = moments.n_features
    W = moments.weight_sum
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))  # (k, p)
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    xx, xy, yy = moments.xtx / W, moments.xty / W, np.diag(moments.yty) / W
    spread = yy - 2 * np.einsum("kp,pk->k", coef, xy) + np.einsum("kp,pq,kq->k", coef, xx, coef)
    offset = moments.y_mean - intercept - coef @ moments.mean[:p]
    return float(np.mean(np.maximum(spread, 0.0) + offset**2))
