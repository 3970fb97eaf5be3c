"""Mixed-precision least squares: QR in double, residuals in double-longdouble.

Iterative refinement of the augmented system (Bjorck 1967)

    e + A z = y,        A' W e = 0

for the *uncentred*, *unweighted* design ``A = [1, X D^-1]`` (``D`` powers of two, so
the scaling is exact; with the ridge rows ``sqrt(alpha) D^-1`` appended, weight 1), the
residual ``e`` and the weights ``W`` exactly as given.  The intercept is an unknown like
any other and is never recovered by cancellation from large means, and no ``sqrt(w)`` is
ever rounded into the system: both equations' residuals are computed with error-free
transformations in ``numpy.longdouble`` (:mod:`.compensated`), i.e. in about 128 bits,
from the data exactly as given, chunk by chunk.  The corrections are solved with a double
precision Householder QR of the *weighted, centred* design, which is the same system up
to the unit triangular change of variables ``T`` (intercept -> intercept + mean'coef)
and the row scaling ``W^1/2``, and far better conditioned when the data has an offset.

Each step shrinks the error by about ``kappa(A) * 1e-16``, so it converges for
condition numbers up to ~1e14, to the exact least-squares solution of the data as
given (float64 or longdouble), rounded once to float64.  The error estimate is the
size of the last correction times the contraction the steps showed (never less than
``kappa * eps`` predicts); a refinement that does not contract says so instead of
reporting its last, meaningless, correction.  LAPACK has no extended-precision least
squares and no maintained Python library offers this, so it is written here.  Its cost
is a few dozen extended-precision operations per entry and step, which is why
:mod:`~linreg.solvers.auto` takes it only for small problems or ill-conditioned ones.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..solution import Solution
from .aliasing import condition_of_r, rank_deficient
from .compensated import residual, transposed_product_pair, two_product, two_sum
from .problem import EPS, TARGET_ACCURACY, LeastSquaresProblem

NAME = "extended"
NEEDS_DATA = True
LD = np.longdouble
EPS_LD = float(np.finfo(LD).eps)
MAX_STEPS = 30
#: Entries of X converted to longdouble at a time (bounds the temporaries' memory).
CHUNK_ENTRIES = 2**16
#: A step that shrinks the correction by less than this has stopped converging.
STALL_RATIO = 0.5
#: Accuracy the refinement aims at (relative change of the coefficients).
TARGET = 4 * EPS_LD


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
        self.columns = np.flatnonzero(active)
        self.X, self.Y, self.w = problem.X, problem.Y, problem.weights
        self.n, self.k = problem.X.shape[0], problem.Y.shape[1]
        self.intercept = problem.fit_intercept
        q = self.columns.size
        self.n_unknowns = q + int(self.intercept)
        self.rows = max(1, CHUNK_ENTRIES // max(1, self.n_unknowns))
        self.penalty = None
        if problem.penalized:
            self.penalty = np.sqrt(LD(problem.alpha[0])) / self.scale.astype(LD)
        self._factor_preconditioner(q)

    def _factor_preconditioner(self, q: int) -> None:
        """QR of ``W^1/2 (X D^-1 - 1 x_bar')`` (and the ridge rows) in float64."""
        xs = np.asarray(self.X[:, self.columns], dtype=np.float64) / self.scale
        sw = None if self.w is None else np.sqrt(self.w)
        self.sw = sw
        if self.intercept:
            ones = np.ones(self.n) if sw is None else sw
            self.weight_sum = float(np.sum(ones * ones))
            u = (ones * ones) / self.weight_sum
            self.x_bar = (u.astype(LD) @ self.X[:, self.columns].astype(LD)).astype(
                np.float64
            ) / self.scale
            centred = xs - self.x_bar
            # Centre twice: x_bar is rounded (by eps * offset), the second pass leaves
            # the columns' means at rounding of their spread, so the preconditioner's
            # change of variables T stays accurate however large the offset.
            self.x_fine = u @ centred
            centred -= self.x_fine
            self.y_bar = (u.astype(LD) @ self.Y.astype(LD)).astype(LD)
            pad = np.zeros(q if self.penalty is not None else 0)
            self.ones = np.r_[ones, pad] / np.sqrt(self.weight_sum)
        else:
            centred = xs
        if sw is not None:
            centred *= sw[:, None]
        self.data_norms = np.linalg.norm(centred, axis=0)
        if self.penalty is not None:
            centred = np.vstack([centred, np.diag(self.penalty.astype(np.float64))])
        self.Q, self.R = sla.qr(centred, mode="economic", check_finite=False)
        self.coef_floor = self._coefficient_floor(q)

    def _coefficient_floor(self, q: int) -> np.ndarray:
        """Per target, the size of equilibrated coefficients below which a correction
        is rounding: ``eps_ld (||W^1/2 (y - y_bar)|| + eps ||W^1/2 y||) / sqrt(q)``.
        y's own representation moves the exact slopes by about ``eps ||y||`` over the
        design's norm; without this floor an exact solution of zero (a constant y)
        would be measured relative to its own rounding and never converge."""
        Y = np.asarray(self.Y, dtype=np.float64)
        if self.sw is not None:
            Y = Y * self.sw[:, None]
        centred = Y - (self.ones[: self.n] @ Y) * self.ones[: self.n, None] if self.intercept else Y
        size = _norm(centred) + EPS * _norm(Y)
        return EPS_LD * size / np.sqrt(max(q, 1))

    # ---------------------------------------------------------- the exact system
    def chunks(self):
        """``(lo, hi, A)``: rows ``lo:hi`` of the uncentred design ``[1, X D^-1]``."""
        scale = self.scale.astype(LD)
        for lo in range(0, self.n, self.rows):
            hi = min(lo + self.rows, self.n)
            A = self.X[lo:hi, self.columns].astype(LD) / scale
            if self.intercept:
                A = np.hstack([np.ones((hi - lo, 1), dtype=LD), A])
            yield lo, hi, A

    def equation_residuals(self, z, e, B=None, C=None):
        """``f = B - e - A z`` (per row) and ``g = C - A' W e`` in double-longdouble.

        ``B`` defaults to the data (zeros for the ridge rows), ``C`` to zero.
        """
        n = self.n
        f = np.empty_like(e)
        s = np.zeros((self.n_unknowns, e.shape[1]), dtype=LD)
        c = np.zeros_like(s)
        for lo, hi, A in self.chunks():
            b = self.Y[lo:hi].astype(LD) if B is None else B[lo:hi]
            f[lo:hi] = residual(b, A, z, e[lo:hi])
            if self.w is None:
                we, we_lo = e[lo:hi], None
            else:
                we, we_lo = two_product(self.w[lo:hi, None].astype(LD), e[lo:hi])
            ps, pc = transposed_product_pair(A, we)
            if we_lo is not None:
                pc = pc + A.T @ we_lo
            s, err = two_sum(s, ps)
            c += err + pc
        if self.penalty is not None:
            beta = z[int(self.intercept) :]
            p, pe = two_product(self.penalty[:, None], beta)
            b = np.zeros_like(beta) if B is None else B[n:]
            f[n:] = (b - e[n:] - p) - pe
            ps, pc = two_product(self.penalty[:, None], e[n:])
            head = int(self.intercept)
            s_b, err = two_sum(s[head:], ps)
            s[head:] = s_b
            c[head:] += err + pc
        g = -(s + c)
        if C is not None:
            g = g + C
        return f, g

    def correction(self, f, g):
        """Solve ``dr + A~ dz = f~, A~' dr = g`` for the weighted design ``A~ = W^1/2 A``
        with the preconditioner (all float64); ``f~ = W^1/2 f``.  Returns ``(de, dz)``
        with ``de = W^-1/2 dr`` (zero on rows of weight zero, which no unknown sees)."""
        if self.sw is not None:
            f = f.copy()
            f[: self.n] *= self.sw[:, None]
        dr, dz = self._solve_augmented(f, g)
        if self.sw is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                dr[: self.n] = np.where(self.sw[:, None] > 0, dr[: self.n] / self.sw[:, None], 0)
        return dr, dz

    def _solve_augmented(self, f, g):
        Q, R = self.Q, self.R
        if self.intercept:
            g0 = g[:1]
            gb = g[1:] - self.x_bar[:, None] * g0 - self.x_fine[:, None] * g0  # T^-T g
            root = np.sqrt(self.weight_sum)
            h0 = g0 / root
            d0 = self.ones @ f
            hb = sla.solve_triangular(R, gb, trans="T", check_finite=False)
            db = Q.T @ f
            dzb = sla.solve_triangular(R, db - hb, check_finite=False)
            # T^-1 back to the intercept
            dz0 = (d0 - h0) / root - self.x_bar @ dzb - self.x_fine @ dzb
            dr = np.outer(self.ones, h0 - d0) + Q @ (hb - db) + f
            return dr, np.vstack([dz0, dzb])
        hb = sla.solve_triangular(R, g, trans="T", check_finite=False)
        db = Q.T @ f
        dz = sla.solve_triangular(R, db - hb, check_finite=False)
        return Q @ (hb - db) + f, dz


def _relative_sizes(design: _Design, dz, z, floor=True) -> tuple[float, float]:
    """Normwise relative size of a correction of the coefficients (equilibrated scale)
    and relative size of the intercepts' correction (floored at the rounding of the
    terms the intercept balances), worst over targets."""
    head = int(design.intercept)
    db = np.abs(dz[head:].astype(np.float64))
    b = np.abs(z[head:].astype(np.float64))
    nb = np.maximum(_norm(b), design.coef_floor) if floor else _norm(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(nb > 0, _norm(db) / nb, np.where(db.any(axis=0), 1, 0))
    if not head:
        return float(np.max(coef, initial=0.0)), 0.0
    c, dc = np.abs(z[0].astype(np.float64)), np.abs(dz[0].astype(np.float64))
    floor = EPS * (np.abs(design.x_bar) @ b)
    with np.errstate(divide="ignore", invalid="ignore"):
        icpt = np.where(dc > 0, dc / np.maximum(c + floor, np.finfo(float).tiny), 0.0)
    return float(np.max(coef, initial=0.0)), float(np.max(icpt, initial=0.0))


def _norm(a) -> np.ndarray:
    """Column 2-norms, scaled so that tiny or huge entries do not under/overflow."""
    big = np.max(np.abs(a), axis=0, initial=0.0)
    safe = np.where(big > 0, big, 1.0)
    return big * np.sqrt(np.sum((a / safe) ** 2, axis=0))


def _refine(design: _Design, B=None, C=None):
    """Solve ``e + A z = B, A'W e = C`` by refinement from zero (``B`` defaults to the
    data's right-hand side, ``C`` to 0: least squares).

    Returns ``(z, steps, bound, intercept_bound)``: bounds on the normwise relative
    error of the coefficients and the relative error of the intercepts.
    """
    rows = design.n + (0 if design.penalty is None else design.penalty.size)
    k = design.k if B is None else B.shape[1]
    z = np.zeros((design.n_unknowns, k), dtype=LD)
    if design.intercept and B is None:
        z[0] = design.y_bar  # start centred: the first step then sees no offset
    e = np.zeros((rows, k), dtype=LD)
    history: list[tuple[float, float]] = []
    steps = 0
    for steps in range(1, MAX_STEPS + 1):
        f, g = design.equation_residuals(z, e, B, C)
        de, dz = design.correction(f.astype(np.float64), g.astype(np.float64))
        if not (np.isfinite(dz).all() and np.isfinite(de).all()):
            history.append((np.inf, np.inf))
            break
        z = z + dz.astype(LD)
        e = e + de.astype(LD)
        # The floor set by y's rounding applies to the data's own right-hand side only.
        history.append(_relative_sizes(design, dz, z, floor=B is None))
        size = max(history[-1])
        if size <= TARGET:
            break
        if steps > 2 and size > STALL_RATIO * max(history[-2]):
            break
    return z, steps, *_bounds(design, history)


def _bounds(design: _Design, history) -> tuple[float, float]:
    """Error bounds from the sizes of the corrections.

    While the steps contract by a factor ``c < 1`` the error left after the last one is
    at most ``size * c / (1 - c)``, with ``c`` the last ratio of successive sizes and no
    less than the ``kappa * eps`` the preconditioner's accuracy predicts.  Once the
    corrections reach the rounding level of the iterates they stop shrinking and
    fluctuate; after a contraction that level (twice the larger of the last two
    corrections) bounds the error.  Without contraction, or with a preconditioner
    singular to working precision, nothing can be vouched for.
    """
    kappa = condition_of_preconditioner(design)
    predicted = kappa * EPS * np.sqrt(design.n_unknowns + 1)
    return _bound(history, 0, predicted), _bound(history, 1, predicted)


def _bound(history, j: int, predicted: float) -> float:
    sizes = np.array([h[j] for h in history])
    if not np.isfinite(sizes).all():
        return np.inf
    last = sizes[-1]
    if last <= TARGET:
        return float(last)
    if predicted >= 1 or len(sizes) < 3:
        return np.inf
    # The first correction is the whole solution (size 1): ratios from the second on.
    ratios = sizes[2:] / np.maximum(sizes[1:-1], np.finfo(float).tiny)
    c = max(predicted, float(ratios[-1]))
    if c < STALL_RATIO:
        return float(last * max(c / (1 - c), 1e-3))
    # Stalled at the rounding level after a contraction (the first step's counts: it
    # took the error from the whole solution down to that level).
    first = sizes[1] / max(sizes[0], np.finfo(float).tiny)
    if min(first, np.min(ratios, initial=1.0)) < 0.1 and predicted < 0.1:
        return float(2 * max(sizes[-1], sizes[-2]))
    return np.inf


def condition_of_preconditioner(design: _Design) -> float:
    unit_r = design.R / np.maximum(np.r_[design.data_norms, np.zeros(0)], 1e-300)
    return condition_of_r(unit_r) if design.penalty is None else condition_of_r(design.R)


def solve(problem: LeastSquaresProblem) -> Solution:
    """Least squares to the exact solution of the data as given (module docstring)."""
    design = _Design(problem)
    q = int(design.active.sum())
    unit_r = design.R / np.maximum(design.data_norms, 1e-300)
    aliased = rank_deficient(problem, unit_r, design.active)
    if aliased is not None:
        from . import svd

        return svd.solve(problem, aliased=aliased)
    z, steps, bound, intercept_bound = _refine(design)
    beta = z[1:] if design.intercept else z
    coef = np.zeros((problem.n_targets, problem.n_features))
    coef[:, design.active] = (beta / design.scale.astype(LD)[:, None]).T.astype(np.float64)
    intercept = z[0].astype(np.float64) if design.intercept else np.zeros(problem.n_targets)
    kappa = condition_of_r(unit_r)
    error = max(bound, EPS / 2)
    return Solution(
        coef=coef,
        intercept=intercept,
        solver=NAME,
        rank=q,
        aliased=tuple(np.flatnonzero(~design.active)),
        condition_number=kappa,
        error_estimate=error,
        n_iter=steps,
        **_verdict(kappa, error, intercept_bound, steps),
    )


def _verdict(kappa: float, error: float, intercept_bound: float, steps: int) -> dict:
    """Status and message: inaccurate when either bound misses 1e-6."""
    if error <= TARGET_ACCURACY and intercept_bound <= TARGET_ACCURACY:
        return {"status": "ok", "message": ""}
    if not np.isfinite(error):
        what = (
            f"iterative refinement did not converge in {steps} steps (condition number "
            f"{kappa:.2e}): no digits of the coefficients can be vouched for; the design "
            "is too close to rank deficient for double-precision QR"
        )
    elif error > 1e-6:
        what = (
            f"iterative refinement stopped at an estimated relative error of {error:.1e} "
            f"in the coefficients (condition number {kappa:.2e})"
        )
    else:
        what = (
            f"the intercept is only accurate to about {intercept_bound:.1e} relative "
            f"(condition number {kappa:.2e}; it balances much larger terms)"
        )
    return {"status": "inaccurate", "message": what}


def measured_error(problem: LeastSquaresProblem, coef, intercept) -> tuple[float, float]:
    """Bounds on the error of a given solution: ``(coefficients, normwise relative in the
    equilibrated scale; intercepts, relative)``, measured against the refinement's own
    solution plus its bound.  (A single correction step from the given solution is not
    enough: the float64 rounding of its coefficients leaves a gradient whose rounding
    hides components along directions of small singular values.)"""
    reference = solve(problem)
    if reference.solver != NAME or reference.status != "ok":
        return np.inf, np.inf
    _, _, scale, _ = problem.gram()
    coef = np.atleast_2d(coef)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        diff = _norm(((coef - reference.coef) * scale).T)
        size = _norm((reference.coef * scale).T)
        coef_rel = np.where(size > 0, diff / size, np.where(diff > 0, np.inf, 0.0))
        c, c_ref = np.atleast_1d(intercept), reference.intercept
        icpt = np.abs(c - c_ref) / np.abs(c_ref)
        icpt = np.where(np.abs(c - c_ref) > 0, icpt, 0.0)
    bound = reference.error_estimate
    return float(np.max(coef_rel, initial=0.0)) + bound, float(np.max(icpt, initial=0.0)) + bound


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
    total = np.zeros(z.shape[1], dtype=LD)
    for lo, hi, A in design.chunks():
        r = residual(design.Y[lo:hi].astype(LD), A, z)
        rr = r * r if design.w is None else design.w[lo:hi, None].astype(LD) * r * r
        total += rr.sum(axis=0)
    return total.astype(np.float64)


def gram_inverse(problem: LeastSquaresProblem, columns) -> np.ndarray:
    """``(X'WX)^-1`` over (intercept, ``columns``) in the user's units, to extended
    accuracy: the refinement above with right-hand sides ``B = 0, C = -I``."""
    design = _Design(problem, columns)
    q = design.n_unknowns
    rows = design.n + (0 if design.penalty is None else design.penalty.size)
    zeros = np.zeros((rows, q), dtype=LD)
    z, *_ = _refine(design, B=zeros, C=-np.eye(q, dtype=LD))
    unscale = np.ones(q, dtype=LD)
    unscale[int(design.intercept) :] = 1 / design.scale.astype(LD)
    return (z * unscale[:, None] * unscale[None, :]).astype(np.float64)
