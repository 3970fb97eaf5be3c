"""Mixed-precision least squares: QR in double, residuals in double-longdouble.

Iterative refinement of the augmented system ``[I A; A' 0] [r; z] = [b; 0]``
(Bjorck 1967) for the *uncentred* design ``A = [1, X D^-1]`` (weighted, with the ridge
rows appended), so the intercept is an unknown like any other and is never recovered
by cancellation from large means.  Every residual is computed with error-free
transformations in ``numpy.longdouble`` (:mod:`.compensated`), i.e. in about 128 bits,
from the data exactly as given; the correction equations are solved with a double
precision Householder QR of the *centred* design, which is the same matrix up to the
unit triangular change of variables ``T`` (intercept -> intercept + mean'coef) and is
far better conditioned when the data has an offset.

Each step shrinks the error by about ``kappa(A) * 1e-16``, so it converges for
condition numbers up to ~1e14, to the exact least-squares solution of the data as
given (float64 or longdouble), rounded once to float64.  LAPACK has no
extended-precision least squares and no maintained Python library offers this, so it
is written here.  Its cost is a few longdouble copies of X (16 bytes per entry) and a
few dozen extended-precision operations per entry and step, which is why
:mod:`~linreg.solvers.auto` takes it only for small problems.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..solution import Solution
from . import qr
from .compensated import residual, transposed_product
from .problem import EPS, LeastSquaresProblem

NAME = "extended"
NEEDS_DATA = True
LD = np.longdouble
EPS_LD = float(np.finfo(LD).eps)
MAX_STEPS = 30


class _Design:
    """The uncentred extended-precision system and its centred double-precision QR."""

    def __init__(self, problem: LeastSquaresProblem, columns=None):
        if not problem.single_alpha:
            raise ValueError("the extended solver needs one alpha for all targets")
        _, _, scale, active = problem.gram()
        if columns is not None:  # a subset (e.g. without aliased columns)
            scale = np.where(active, scale, 1.0)
            active = active & columns
        # Powers of two, so scaling the data is exact.
        self.scale = 2.0 ** np.round(np.log2(scale[active]))
        self.active = active
        X = problem.X[:, active].astype(LD) / self.scale.astype(LD)
        Y = problem.Y.astype(LD)
        n = X.shape[0]
        sw = None if problem.weights is None else np.sqrt(problem.weights.astype(LD))
        ones = np.ones(n, dtype=LD) if sw is None else sw
        if sw is not None:
            X = X * sw[:, None]
            Y = Y * sw[:, None]
        self.intercept = problem.fit_intercept
        q = X.shape[1]
        penalty = None
        if problem.penalized:
            penalty = np.diag(np.sqrt(LD(problem.alpha[0])) / self.scale.astype(LD))
        # Full uncentred system: columns [ones (if intercept), X], rows [data; penalty].
        blocks = [X] if not self.intercept else [ones[:, None], X]
        A = np.hstack(blocks)
        B = Y
        if penalty is not None:
            pad = np.zeros((q, A.shape[1] - q), dtype=LD)
            A = np.vstack([A, np.hstack([pad, penalty])])
            B = np.vstack([B, np.zeros((q, B.shape[1]), dtype=LD)])
        self.A, self.B = A, B
        # Centred design for the preconditioner.
        if self.intercept:
            self.weight_sum = float(ones @ ones)
            self.x_bar = ((ones @ X) / LD(self.weight_sum)).astype(np.float64)
            centred = (X - ones[:, None] * self.x_bar.astype(LD)).astype(np.float64)
            self.ones = np.r_[ones.astype(np.float64), np.zeros(q if penalty is not None else 0)]
            self.ones /= np.sqrt(self.weight_sum)
        else:
            centred = X.astype(np.float64)
        self.data_norms = np.linalg.norm(centred, axis=0)
        if penalty is not None:
            centred = np.vstack([centred, penalty.astype(np.float64)])
        self.Q, self.R = sla.qr(centred, mode="economic", check_finite=False)

    def correction(self, f, g):
        """Solve ``dr + A dz = f, A' dr = g`` with the preconditioner (all float64)."""
        Q, R = self.Q, self.R
        if self.intercept:
            g0, gb = g[:1], g[1:] - self.x_bar[:, None] * g[:1]  # T^-T g
            root = np.sqrt(self.weight_sum)
            h0 = g0 / root
            d0 = self.ones @ f
            hb = sla.solve_triangular(R, gb, trans="T", check_finite=False)
            db = Q.T @ f
            dzb = sla.solve_triangular(R, db - hb, check_finite=False)
            dz0 = (d0 - h0) / root - self.x_bar @ dzb  # T^-1 back to the intercept
            dr = np.outer(self.ones, h0 - d0) + Q @ (hb - db) + f
            return dr, np.vstack([dz0, dzb])
        hb = sla.solve_triangular(R, g, trans="T", check_finite=False)
        db = Q.T @ f
        dz = sla.solve_triangular(R, db - hb, check_finite=False)
        return Q @ (hb - db) + f, dz


def _refine(design: _Design, B=None, C=None):
    """Solve ``r + A z = B, A'r = C`` by refinement from zero (``B`` defaults to the
    data's right-hand side, ``C`` to 0: least squares); returns (z, steps, size)."""
    A = design.A
    B = design.B if B is None else B
    k = B.shape[1]
    z = np.zeros((A.shape[1], k), dtype=LD)
    r = np.zeros_like(B)
    previous, size, steps = np.inf, np.inf, 0
    for steps in range(1, MAX_STEPS + 1):
        f = residual(B, A, z, r).astype(np.float64)
        g = -transposed_product(A, r)
        if C is not None:
            g = g + C
        g = g.astype(np.float64)
        dr, dz = design.correction(f, g)
        z = z + dz.astype(LD)
        r = r + dr.astype(LD)
        # Componentwise relative change, with a floor at double rounding of the norm.
        zf = np.abs(z.astype(np.float64))
        floor = EPS * np.linalg.norm(zf, axis=0)
        size = float(np.max(np.abs(dz) / np.maximum(zf, np.maximum(floor, 1e-300)), initial=0.0))
        if size <= EPS_LD or (steps > 2 and size > 0.5 * previous):
            break
        previous = size
    return z, steps, size


def solve(problem: LeastSquaresProblem) -> Solution:
    """Least squares to the exact solution of the data as given (module docstring)."""
    design = _Design(problem)
    q = int(design.active.sum())
    unit_r = design.R / np.maximum(design.data_norms, 1e-300)
    aliased = qr.rank_deficient(problem, unit_r, design.active)
    if aliased is not None:
        from . import svd

        return svd.solve(problem, aliased=aliased)
    z, steps, size = _refine(design)
    beta = z[1:] if design.intercept else z
    coef = np.zeros((problem.n_targets, problem.n_features))
    coef[:, design.active] = (beta / design.scale.astype(LD)[:, None]).T.astype(np.float64)
    intercept = z[0].astype(np.float64) if design.intercept else np.zeros(problem.n_targets)
    kappa = qr.condition_of_r(unit_r)
    converged = size <= 1e-8
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=q,
        aliased=tuple(np.flatnonzero(~design.active)),
        condition_number=kappa,
        error_estimate=max(size, EPS / 2),
        n_iter=steps,
        status="ok" if converged else "inaccurate",
        message=""
        if converged
        else (
            f"iterative refinement did not converge (condition number {kappa:.2e}); "
            "the design is too close to rank deficient for double-precision QR"
        ),
    )


def _scaled_parameters(design: _Design, coef, intercept):
    """(intercept, coef * D) over the design's columns, in longdouble."""
    beta = (np.atleast_2d(coef)[:, design.active].astype(LD) * design.scale.astype(LD)).T
    if design.intercept:
        return np.vstack([np.atleast_1d(intercept).astype(LD)[None, :], beta])
    return beta


def residual_sum_of_squares(problem: LeastSquaresProblem, coef, intercept) -> np.ndarray:
    """Weighted residual sum of squares of the given coefficients, per target, from
    residuals computed in double-longdouble (exact to ~1e-30 relative)."""
    design = _Design(problem)
    z = _scaled_parameters(design, coef, intercept)
    n = problem.n_samples
    r = residual(design.B[:n], design.A[:n], z)
    return np.sum(r * r, axis=0).astype(np.float64)


def gram_inverse(problem: LeastSquaresProblem, columns) -> np.ndarray:
    """``(X'WX)^-1`` over (intercept, ``columns``) in the user's units, to extended
    accuracy: the refinement above with right-hand sides ``B = 0, C = -I``."""
    design = _Design(problem, columns)
    q = design.A.shape[1]
    zeros = np.zeros((design.A.shape[0], q), dtype=LD)
    z, _, _ = _refine(design, B=zeros, C=-np.eye(q, dtype=LD))
    unscale = np.ones(q, dtype=LD)
    unscale[int(design.intercept) :] = 1 / design.scale.astype(LD)
    return (z * unscale[:, None] * unscale[None, :]).astype(np.float64)
