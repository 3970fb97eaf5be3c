"""Exact references: rational arithmetic on the floating-point data as given.

Every float (float32 included) is converted exactly to a rational number, and the
weighted least-squares, ridge, summary, robust-covariance, interval and Lasso/ElasticNet
optimality quantities are computed without rounding (python-flint's ``fmpq_mat`` when it
is installed, :class:`fractions.Fraction` otherwise).  Square roots and the final
comparisons use mpmath at 50 digits.

The one convention a reference has to choose is the answer to an exactly
rank-deficient problem; it lives in :func:`minimum_norm_slopes_user_units` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

mpmath.mp.dps = 50

try:  # python-flint: exact rational matrices, ~100x faster than Fraction lists
    from flint import fmpq, fmpq_mat

    HAVE_FLINT = True
except ImportError:  # pragma: no cover - the Fraction fallback
    HAVE_FLINT = False


# --------------------------------------------------------------- rational matrices
class QMat:
    """A dense rational matrix (fmpq_mat when available, lists of Fractions otherwise)."""

    def __init__(self, rows: int, cols: int, entries):
        self.rows, self.cols = rows, cols
        entries = list(entries)
        if HAVE_FLINT:
            self.m = fmpq_mat(rows, cols, entries)
        else:
            self.m = [entries[i * cols : (i + 1) * cols] for i in range(rows)]

    @classmethod
    def _wrap(cls, m, rows, cols):
        out = cls.__new__(cls)
        out.m, out.rows, out.cols = m, rows, cols
        return out

    def __getitem__(self, ij):
        i, j = ij
        return self.m[i, j] if HAVE_FLINT else self.m[i][j]

    def tolist(self):
        if HAVE_FLINT:
            return [list(r) for r in self.m.tolist()]
        return [list(r) for r in self.m]

    def T(self) -> QMat:
        if HAVE_FLINT:
            return QMat._wrap(self.m.transpose(), self.cols, self.rows)
        return QMat._wrap([list(c) for c in zip(*self.m)], self.cols, self.rows)

    def __matmul__(self, other: QMat) -> QMat:
        if HAVE_FLINT:
            return QMat._wrap(self.m * other.m, self.rows, other.cols)
        cols = list(zip(*other.m))
        m = [[sum((a * b for a, b in zip(r, c)), Fraction(0)) for c in cols] for r in self.m]
        return QMat._wrap(m, self.rows, other.cols)

    def __add__(self, other: QMat) -> QMat:
        if HAVE_FLINT:
            return QMat._wrap(self.m + other.m, self.rows, self.cols)
        m = [[a + b for a, b in zip(r, s)] for r, s in zip(self.m, other.m)]
        return QMat._wrap(m, self.rows, self.cols)

    def __sub__(self, other: QMat) -> QMat:
        return self + other.scale(-1)

    def scale(self, s) -> QMat:
        if HAVE_FLINT:
            return QMat._wrap(self.m * fmpq(s) if isinstance(s, int) else self.m * s, *self.shape)
        return QMat._wrap([[a * s for a in r] for r in self.m], *self.shape)

    @property
    def shape(self):
        return self.rows, self.cols

    def select_columns(self, cols) -> QMat:
        rows = self.tolist()
        return qmat_from_rows([[r[j] for j in cols] for r in rows])

    def rank_and_pivots(self):
        """Rank and pivot columns of the reduced row echelon form."""
        if HAVE_FLINT:
            R, rank = self.m.rref()
            rows = [list(r) for r in R.tolist()]
        else:
            rows, rank = _rref(self.tolist())
        pivots = []
        for r in rows[:rank]:
            pivots.append(next(j for j, v in enumerate(r) if v != 0))
        return rank, pivots

    def solve(self, rhs: QMat) -> QMat:
        """Solution of a nonsingular square system."""
        if HAVE_FLINT:
            return QMat._wrap(self.m.solve(rhs.m), self.cols, rhs.cols)
        aug = [r + s for r, s in zip(self.tolist(), rhs.tolist())]
        red, _ = _rref(aug)
        return qmat_from_rows([r[self.cols :] for r in red[: self.cols]])

    def inv(self) -> QMat:
        return self.solve(identity(self.rows))


def _rref(rows):
    """Reduced row echelon form of a list of Fraction rows (fallback path)."""
    rows = [list(r) for r in rows]
    n_rows, n_cols = len(rows), len(rows[0]) if rows else 0
    rank = 0
    for j in range(n_cols):
        piv = next((i for i in range(rank, n_rows) if rows[i][j] != 0), None)
        if piv is None:
            continue
        rows[rank], rows[piv] = rows[piv], rows[rank]
        lead = rows[rank][j]
        rows[rank] = [v / lead for v in rows[rank]]
        for i in range(n_rows):
            if i != rank and rows[i][j] != 0:
                f = rows[i][j]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
    return rows, rank


def q(x) -> object:
    """The exact rational value of a float (or int)."""
    if isinstance(x, (int, np.integer)):
        return fmpq(int(x)) if HAVE_FLINT else Fraction(int(x))
    num, den = float(x).as_integer_ratio()
    return fmpq(num, den) if HAVE_FLINT else Fraction(num, den)


def qmat_from_rows(rows) -> QMat:
    n = len(rows)
    p = len(rows[0]) if n else 0
    return QMat(n, p, [v for r in rows for v in r])


def qmat(a) -> QMat:
    """Exact rational copy of a 2-D array (float32, float64 or integer)."""
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        vals = [q(int(v)) for v in a.ravel().tolist()]
    else:
        vals = [q(v) for v in a.astype(np.float64).ravel().tolist()]
    return QMat(a.shape[0], a.shape[1], vals)


def identity(p: int) -> QMat:
    one, zero = q(1), q(0)
    return QMat(p, p, [one if i == j else zero for i in range(p) for j in range(p)])


def to_mpf(v) -> mpmath.mpf:
    if HAVE_FLINT:
        return mpmath.mpf(int(v.p)) / mpmath.mpf(int(v.q))
    return mpmath.mpf(v.numerator) / mpmath.mpf(v.denominator)


def to_float(v) -> float:
    """Correctly rounded float of a rational (inf when out of range)."""
    num, den = (int(v.p), int(v.q)) if HAVE_FLINT else (v.numerator, v.denominator)
    try:
        return num / den
    except OverflowError:
        return float("inf") if (num > 0) == (den > 0) else float("-inf")


# ------------------------------------------------------------ least squares
@dataclass
class ExactLS:
    """The exact (weighted, ridge) least-squares solution of the data as given.

    Attributes
    ----------
    coef : list of list (n_targets x n_features) of rationals
    intercept : list (n_targets) of rationals (zeros without an intercept)
    gram : QMat
        ``Xc' W Xc`` (centred when there is an intercept; no penalty).
    rank : int or None
        Exact rank of ``gram`` (None when every target has a positive ridge penalty).
    y_spread : list of rationals
        ``sum_i w_i (y_i - ybar)^2`` per target (uncentred without an intercept).
    weight_sum : rational
    """

    coef: list
    intercept: list
    gram: QMat
    rank: int
    y_spread: list
    weight_sum: object
    x_mean: list

    @property
    def rank_deficient(self) -> bool:
        return self.rank is not None and self.rank < self.gram.rows


def _weighted_rows(X: QMat, w) -> QMat:
    if w is None:
        return X
    rows = X.tolist()
    return qmat_from_rows([[v * wi for v in r] for r, wi in zip(rows, w)])


def weighted_moments(X, Y, w, fit_intercept):
    """Exact ``(A, R, S, xm, ym, W)``: centred weighted cross products of X and Y.

    ``A = Xc' W Xc``, ``R = Xc' W Yc``, ``S = Yc' W Yc``; ``xm, ym`` the weighted means
    (zeros without an intercept, and then nothing is centred).
    """
    n, p = X.shape
    Xq, Yq = qmat(X), qmat(Y)
    wq = None if w is None else [q(v) for v in np.asarray(w, dtype=np.float64).tolist()]
    Xw, Yw = _weighted_rows(Xq, wq), _weighted_rows(Yq, wq)
    Xt = Xq.T()
    A, R, S = Xt @ Xw, Xt @ Yw, Yq.T() @ Yw
    W = q(n) if wq is None else sum(wq, q(0))
    zero = q(0)
    if not fit_intercept:
        return A, R, S, [zero] * p, [zero] * Y.shape[1], W
    ones = QMat(1, n, [q(1)] * n)
    sx, sy = ones @ Xw, ones @ Yw  # weighted column sums (1 x p, 1 x k)
    A = A - (sx.T() @ sx).scale(1 / W)
    R = R - (sx.T() @ sy).scale(1 / W)
    S = S - (sy.T() @ sy).scale(1 / W)
    xm = [sx[0, j] / W for j in range(p)]
    ym = [sy[0, k] / W for k in range(Y.shape[1])]
    return A, R, S, xm, ym, W


def minimum_norm_slopes_user_units(A: QMat, R: QMat) -> QMat:
    """THE convention for exactly rank-deficient problems (one place to change it).

    The minimum-Euclidean-norm solution, in the user's units, of the consistent normal
    equations ``A b = R`` over the centred (weighted) data: what ``numpy.linalg.lstsq``
    on the centred design and scikit-learn return.  With ``C`` the pivot columns of
    ``A`` (a basis of its range), ``b = C (C' A C)^-1 C' R`` lies in ``range(A)`` and
    solves the equations, so it is the minimum-norm solution.
    """
    rank, pivots = A.rank_and_pivots()
    if rank == 0:
        return QMat(A.rows, R.cols, [q(0)] * (A.rows * R.cols))
    C = A.select_columns(pivots)
    Ct = C.T()
    z = (Ct @ A @ C).solve(Ct @ R)
    return C @ z


def solve_exact(X, Y, w=None, fit_intercept=True, alpha=None) -> ExactLS:
    """Exact weighted ridge/OLS solution; ``alpha`` one float per target (or None)."""
    Y = np.asarray(Y)
    Y = Y.reshape(Y.shape[0], -1)
    A, R, S, xm, ym, W = weighted_moments(X, Y, w, fit_intercept)
    p, k = A.rows, Y.shape[1]
    alphas = [0.0] * k if alpha is None else list(np.broadcast_to(alpha, (k,)))
    # the rank matters for OLS only (ridge with alpha > 0 is always nonsingular)
    rank = A.rank_and_pivots()[0] if min(alphas) == 0 else None
    coef = [None] * k
    for a in sorted(set(alphas)):
        cols = [t for t in range(k) if alphas[t] == a]
        if a > 0 and p > X.shape[0]:
            B = _ridge_dual(X, Y[:, cols], w, xm, ym, cols, q(a))
        elif a > 0 or rank == p:
            Ap = A + identity(p).scale(q(a)) if a > 0 else A
            B = Ap.solve(R.select_columns(cols))
        else:
            B = minimum_norm_slopes_user_units(A, R.select_columns(cols))
        for i, t in enumerate(cols):
            coef[t] = [B[j, i] for j in range(p)]
    intercept = [ym[t] - sum((xm[j] * coef[t][j] for j in range(p)), q(0)) for t in range(k)]
    spread = [S[t, t] for t in range(k)]
    return ExactLS(coef, intercept, A, rank, spread, W, xm)


def _ridge_dual(X, Y, w, xm, ym, cols, a) -> QMat:
    """Ridge coefficients of a wide problem from the n x n dual system.

    ``b = Xc' u`` with ``(W Xc Xc' + a I) u = W Yc`` solves
    ``(Xc' W Xc + a I) b = Xc' W Yc`` (substitute and factor ``Xc'`` out).
    """
    n = X.shape[0]
    Xc = qmat_from_rows([[v - m for v, m in zip(r, xm)] for r in qmat(X).tolist()])
    Yc = qmat_from_rows([[v - ym[t] for v, t in zip(r, cols)] for r in qmat(Y).tolist()])
    wq = [q(1)] * n if w is None else [q(v) for v in np.asarray(w, dtype=np.float64).tolist()]
    K = _weighted_rows(Xc @ Xc.T(), wq) + identity(n).scale(a)
    return Xc.T() @ K.solve(_weighted_rows(Yc, wq))


def equilibrated_condition(ref: ExactLS, dps: int = 40) -> float:
    """2-norm condition number of the centred, weighted, column-equilibrated design:
    ``sqrt(kappa(D^-1 A D^-1))`` with ``D = sqrt(diag A)`` (zero columns skipped)."""
    p = ref.gram.rows
    keep = [j for j in range(p) if ref.gram[j, j] != 0]
    with mpmath.workdps(dps):
        d = {j: mpmath.sqrt(to_mpf(ref.gram[j, j])) for j in keep}
        G = mpmath.matrix(len(keep), len(keep))
        for a, i in enumerate(keep):
            for b, j in enumerate(keep):
                G[a, b] = to_mpf(ref.gram[i, j]) / (d[i] * d[j])
        ev = mpmath.eigsy(G, eigvals_only=True)
        lo, hi = min(ev), max(ev)
        return float(mpmath.sqrt(hi / lo)) if lo > 0 else float("inf")


# ------------------------------------------------------------ error measures
def coef_error(ref: ExactLS, coef, intercept) -> tuple[float, float]:
    """``(coef error, intercept error)`` of a float answer against the exact one.

    The coefficient error is normwise relative in the equilibrated scale (column
    ``j`` weighted by its centred weighted norm ``sqrt(A_jj)``), the scale of the
    solvers' ``error_estimate``; the worst target.  A column of norm zero must get
    the coefficient zero (else error 1).  When the exact slopes are all zero (constant
    y) the error is relative to the weighted norm of ``y - ybar``, or of ``y`` when that
    is zero too (rounding noise of a constant fit is not an infinite error).  The
    intercept error is relative to the
    larger of ``|intercept|`` and the weighted RMS spread of ``y``.
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
        return float("inf"), float("inf")
    p = ref.gram.rows
    diag = [ref.gram[j, j] for j in range(p)]
    worst_c = worst_b = 0.0
    for t, exact in enumerate(ref.coef):
        num = den = q(0)
        for j in range(p):
            d = q(coef[t, j]) - exact[j]
            if diag[j] == 0:
                if d != 0:
                    worst_c = max(worst_c, 1.0)
                continue
            num += diag[j] * d * d
            den += diag[j] * exact[j] * exact[j]
        if den == 0:  # exact slopes all zero: measure against the size of y instead
            den = ref.y_spread[t] or ref.weight_sum * ref.intercept[t] ** 2
        worst_c = max(worst_c, _ratio_sqrt(num, den))
        db = abs(q(intercept[t]) - ref.intercept[t])
        scale = max(
            abs(to_mpf(ref.intercept[t])), mpmath.sqrt(to_mpf(ref.y_spread[t] / ref.weight_sum))
        )
        worst_b = max(worst_b, _rel(to_mpf(db), scale))
    return worst_c, worst_b


def _ratio_sqrt(num, den) -> float:
    if num == 0:
        return 0.0
    if den == 0:
        return float("inf")
    return float(mpmath.sqrt(to_mpf(num) / to_mpf(den)))


def _rel(diff, scale) -> float:
    if diff == 0:
        return 0.0
    if scale == 0:
        return float("inf")
    return float(diff / scale)


def rel_error_vec(got, exact_mpf) -> float:
    """Largest componentwise relative error of floats against mpmath values."""
    got = np.asarray(got, dtype=np.float64).ravel()
    worst = 0.0
    for g, e in zip(got, exact_mpf):
        if mpmath.isnan(e):  # undefined exactly: only NaN is right
            if not np.isnan(g):
                return float("inf")
            continue
        if not np.isfinite(g):
            return float("inf")
        worst = max(worst, _rel(abs(mpmath.mpf(float(g)) - e), abs(e)))
    return worst
