"""Certified iterative ridge and least squares on scipy.sparse X (never densified).

Objective, per target (scikit-learn's Ridge scaling)::

    minimize over (b, c)   sum_i w_i (y_i - c - x_i' b)^2 + alpha * ||b||_2^2

The intercept is eliminated by centring, applied as an operator: ``Xc v = X v - (m'v) 1``
with ``m`` the weighted column means, so X keeps its sparsity.  The slopes solve the
normal equations ``(Xc' W Xc + alpha I) b = Xc' W (y - ybar)`` and ``c = ybar - m'b``.

Certificate.  For ``alpha > 0`` the matrix ``A = Xc' W Xc + alpha I`` has smallest
eigenvalue at least ``alpha``, so for any ``b`` with normal-equation residual
``r = Xc' W (y - ybar - Xc b) - alpha b``::

    ||b - b*||_2 <= ||r||_2 / lambda_min(A) <= ||r||_2 / alpha.

``r`` is recomputed from X at the end (the residual ``e = y - X b - c`` formed from the
sparse rows, then ``X' W e``), not taken from the recurrence, and the solve stops only
when ``||r||_2 / alpha <= SPARSE_ACCURACY * ||b||_2``.  For ``alpha = 0`` no such bound
exists without the smallest singular value of ``Xc``; LSQR started from zero then returns
the minimum-norm least-squares solution in exact arithmetic, and the answer is marked
inaccurate (AccuracyWarning) with its relative normal-equation residual.  The same holds
for a penalty below the rounding of ``X'WX`` (``alpha <= max(n, p) eps max_j A_jj``),
which no solver can tell from 0: LSQR's minimum-norm answer, with that warning.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import LinearOperator, lsqr

from ..solution import Solution
from .certify import UNDERFLOW_LOG2
from .problem import EPS

#: The accuracy the iterative sparse route certifies: ``||b - b*||_2 <= SPARSE_ACCURACY
#: * ||b||_2`` (coefficients; tighter than scikit-learn's default ``tol=1e-4``).
SPARSE_ACCURACY = 1e-10

#: Restarts of CG from the last iterate when the recomputed residual misses the bound.
MAX_RESTARTS = 4


class CentredSparse:
    """``W^1/2 (X - 1 m')`` as an operator on CSR ``X`` (float64), never formed.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_samples, n_features)
    w : ndarray of shape (n_samples,) or None
    fit_intercept : bool
        Without an intercept ``m = 0`` (no centring).
    """

    def __init__(self, X, w, fit_intercept: bool):
        self.X = sparse.csr_matrix(X, dtype=np.float64)
        self.XT = self.X.T.tocsr()  # X' v as a row-major product (fast, one pass)
        n, p = self.X.shape
        self.w = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
        self.W = float(self.w.sum())
        self.fit_intercept = fit_intercept
        self.m = self.XT @ self.w / self.W if fit_intercept else np.zeros(p)
        self._diag = None

    @property
    def shape(self):
        return self.X.shape

    def centred_rhs(self, y):
        """``(Xc' W (y - ybar), ybar)`` for one target."""
        ybar = float(self.w @ y / self.W) if self.fit_intercept else 0.0
        return self.rmatvec_w(y - ybar), ybar

    def matvec(self, v):
        """``Xc v = X v - m'v`` (unweighted rows)."""
        return self.X @ v - float(self.m @ v)

    def rmatvec_w(self, u):
        """``Xc' W u = X' (w u) - m sum(w u)``."""
        wu = self.w * u
        return self.XT @ wu - self.m * float(wu.sum())

    def gram_matvec(self, v, alpha):
        """``(Xc' W Xc + alpha I) v``."""
        return self.rmatvec_w(self.matvec(v)) + alpha * v

    def diagonal(self, alpha):
        """Diagonal of ``Xc' W Xc + alpha I`` (the Jacobi preconditioner)."""
        if self._diag is None:  # one pass, shared by every target
            sq = self.XT.multiply(self.XT) @ self.w
            d = sq - self.W * self.m**2 if self.fit_intercept else sq
            self._diag = np.maximum(d, 0.0)
        return self._diag + alpha

    def normal_residual(self, y, b, alpha):
        """``(r, c)``: the normal-equation residual of ``b`` from the data's residual
        ``e = y - X b - c`` (accurate even when the Gram matrix's centring cancels)."""
        ybar = float(self.w @ y / self.W) if self.fit_intercept else 0.0
        c = ybar - float(self.m @ b)
        e = y - self.X @ b - c
        return self.rmatvec_w(e) - alpha * b, c

    def underflowing(self):
        """Columns with an entry in a row of positive weight whose weighted sum of
        squares ``sum w x^2`` is below ``2**UNDERFLOW_LOG2``: their products lost digits
        to underflow (or vanished), so no bound computed in float64 holds."""
        X = self.X if sparse.issparse(self.X) else sparse.csr_matrix(self.X)
        XT = X.T.tocsr()
        raw = XT.multiply(XT) @ self.w
        present = (abs(XT) @ (self.w > 0).astype(np.float64)) > 0
        return np.flatnonzero(present & (raw < 2.0**UNDERFLOW_LOG2))

    def _abs(self):
        """``(|X|, |X|', longest row, longest column)``: computed once."""
        if getattr(self, "_absolute", None) is None:
            X, XT = self.X, self.XT
            if sparse.issparse(X):
                rows = int(np.diff(X.indptr).max(initial=0))
                cols = int(np.diff(XT.indptr).max(initial=0))
                self._absolute = (abs(X), abs(XT), rows, cols)
            else:
                self._absolute = (np.abs(X), np.abs(XT), X.shape[1], X.shape[0])
        return self._absolute

    def residual_floor(self, y, b, alpha) -> float:
        """A bound on the 2-norm of the rounding error of :meth:`normal_residual`.

        With ``s = |y| + |X||b| + |c|`` (the terms of ``e = y - X b - c``, rows of at
        most ``k_r`` entries) and ``k_c`` the longest column, the computed residual
        differs from the exact one by at most, per component,
        ``g(k_r + 3) (|X|' W s + |m| sum(W s)) + g(k_c) |X|' W |e| + g(n) |m| sum(W |e|)
        + eps alpha |b|`` with ``g(k) = k eps / (1 - k eps)`` (recursive summation).
        The certificate adds it to ``||r||``: a residual at its rounding floor cannot
        vouch for more than ``floor / alpha``.
        """
        absX, absXT, k_r, k_c = self._abs()
        n = self.shape[0]
        ybar = float(self.w @ y / self.W) if self.fit_intercept else 0.0
        c = ybar - float(self.m @ b)
        ab = np.abs(b)
        s = np.abs(y) + absX @ ab + abs(c) + abs(ybar) + float(np.abs(self.m) @ ab)
        e = np.abs(y - self.X @ b - c)
        ws, we = self.w * s, self.w * e
        am = np.abs(self.m)
        floor = (
            _gamma(k_r + 3) * (absXT @ ws + am * float(ws.sum()))
            + _gamma(k_c) * (absXT @ we)
            + _gamma(n) * am * float(we.sum())
            + EPS * alpha * ab
        )
        return float(np.linalg.norm(floor))


def _gamma(k: int) -> float:
    """``k eps / (1 - k eps)``: the relative error bound of a sum of ``k`` terms."""
    ke = k * EPS
    return ke / (1 - ke) if ke < 0.5 else float("inf")


def certified_bound(r, b, alpha, floor: float = 0.0) -> float:
    """``(||r|| + floor) / (alpha ||b||)``: the certified relative error (inf for alpha
    0), with ``floor`` the bound on the rounding of the computed ``r``."""
    nb = float(np.linalg.norm(b))
    nr = float(np.linalg.norm(r)) + floor
    if nr == 0.0:
        return 0.0
    if alpha <= 0 or nb == 0.0:
        return float("inf")
    return nr / (alpha * nb)


def pcg(op: CentredSparse, y, alpha, max_iter, accuracy=SPARSE_ACCURACY, x0=None):
    """Jacobi-preconditioned CG on the centred ridge normal equations of one target.

    Returns ``(b, c, iterations, bound)``; ``bound`` is the certified relative error of
    ``b`` (from the residual recomputed from X, plus its rounding floor) and may exceed
    ``accuracy`` when ``max_iter`` iterations did not reach it, or at once when the
    floor alone exceeds it (no iteration can certify that target).
    """
    p = op.shape[1]
    dinv = 1.0 / op.diagonal(alpha)
    x = np.zeros(p) if x0 is None else np.array(x0, dtype=np.float64)
    r, c = op.normal_residual(y, x, alpha)  # restarts take the residual from X
    total = 0
    for _ in range(MAX_RESTARTS + 1):
        its, x = _pcg_loop(op, x, r, dinv, alpha, max_iter - total, accuracy)
        total += its
        r, c = op.normal_residual(y, x, alpha)
        floor = op.residual_floor(y, x, alpha)
        bound = certified_bound(r, x, alpha, floor)
        if bound <= accuracy or total >= max_iter:
            break
        if certified_bound(0.0, x, alpha, floor) > accuracy:
            break  # the rounding floor alone misses the target
    return x, c, total, bound


def _pcg_loop(op, x, r, dinv, alpha, budget, accuracy):
    """The CG recurrence from ``x`` with residual ``r``; stops on the recurrence's bound
    (checked against X afterwards by the caller).  Returns ``(iterations, x)``."""
    z = dinv * r
    d = z.copy()
    rz = float(r @ z)
    goal = accuracy * alpha * 0.5  # half the margin for the recurrence's drift
    for k in range(max(budget, 0)):
        if np.linalg.norm(r) <= goal * np.linalg.norm(x):
            return k, x
        q = op.gram_matvec(d, alpha)
        dq = float(d @ q)
        if not dq > 0:
            return k, x
        step = rz / dq
        x = x + step * d
        r = r - step * q
        z = dinv * r
        rz_new = float(r @ z)
        d = z + (rz_new / rz) * d
        rz = rz_new
    return max(budget, 0), x


def lsqr_target(op: CentredSparse, y, alpha, max_iter):
    """LSQR (scipy) on ``min ||W^1/2 (yc - Xc b)||^2 + alpha ||b||^2`` from zero
    (``damp = sqrt(alpha)``).  Returns ``(b, c, iterations, bound)`` as :func:`pcg`."""
    n, p = op.shape
    sw = np.sqrt(op.w)
    linop = LinearOperator(
        (n, p),
        matvec=lambda v: sw * op.matvec(v),
        rmatvec=lambda u: op.XT @ (sw * u) - op.m * float(sw @ u),
        dtype=np.float64,
    )
    ybar = float(op.w @ y / op.W) if op.fit_intercept else 0.0
    out = lsqr(
        linop,
        sw * (y - ybar),
        damp=np.sqrt(alpha),
        atol=1e-15,
        btol=1e-15,
        conlim=1e16,
        iter_lim=max_iter,
    )
    b, its = out[0], int(out[2])
    r_true, c = op.normal_residual(y, b, alpha)
    floor = op.residual_floor(y, b, alpha)
    return b, c, its, certified_bound(r_true, b, alpha, floor), r_true


def solve_sparse_iterative(X, Y, w, fit_intercept, alpha, method, max_iter=None):
    """The certified iterative solve of every target; a :class:`~linreg.Solution`.

    Parameters
    ----------
    X : scipy.sparse matrix (n_samples, n_features)
    Y : ndarray (n_samples, n_targets)
    w : ndarray (n_samples,) or None
    fit_intercept : bool
    alpha : ndarray (n_targets,)
    method : {"sparse_cg", "lsqr"}
        ``"sparse_cg"``: Jacobi-preconditioned CG (targets with alpha 0 take LSQR);
        ``"lsqr"``: LSQR, then CG from its answer where the bound is not yet reached
        (``solver`` then reads ``"lsqr+sparse_cg"``).
    max_iter : int or None
        Iterations per target (default ``max(1000, 10 n_features)``).

    Returns
    -------
    Solution
        ``error_estimate`` the worst certified relative bound; ``diagnostics["n_iter"]``
        the iterations per target; status "inaccurate" (with the bound reached) when a
        target misses ``SPARSE_ACCURACY`` or has alpha 0; ``diagnostics["stopped"]``
        ``"max_iter"`` (the cap) or ``"floor"`` (the residual's rounding over alpha
        exceeds the target: no iteration can certify it).
    """
    op = CentredSparse(X, w, fit_intercept)
    n, p = op.shape
    cap = max(1000, 10 * p) if max_iter is None else int(max_iter)
    t = Y.shape[1]
    coef, intercept = np.zeros((t, p)), np.zeros(t)
    iters, bounds, names = np.zeros(t, dtype=np.int64), np.zeros(t), set()
    residual_rel = 0.0
    # A penalty below the rounding of X'WX cannot be told from 0: minimum norm (LSQR).
    floor = max(n, p) * EPS * float(op.diagonal(0.0).max(initial=0.0))
    negligible = np.asarray(alpha, dtype=np.float64) <= floor
    for j in range(t):
        y, a = np.asarray(Y[:, j], dtype=np.float64), float(alpha[j])
        if method == "lsqr" or negligible[j]:
            b, c, its, bound, r = lsqr_target(op, y, a, cap)
            name = "lsqr"
            if not negligible[j] and bound > SPARSE_ACCURACY and its < cap:
                b, c, more, bound = pcg(op, y, a, cap - its, x0=b)
                its, name = its + more, "lsqr+sparse_cg"
            if negligible[j]:
                scale = np.linalg.norm(op.centred_rhs(y)[0])
                residual_rel = max(residual_rel, float(np.linalg.norm(r)) / max(scale, 1e-300))
        else:
            b, c, its, bound = pcg(op, y, a, cap)
            name = "sparse_cg"
        coef[j], intercept[j], iters[j], bounds[j] = b, c, its, bound
        names.update(name.split("+"))  # a target may run LSQR then CG: "lsqr+sparse_cg"
    solver = "+".join(sorted(names))  # each method once: "lsqr", "sparse_cg", "lsqr+sparse_cg"
    worst = float(bounds.max(initial=0.0))
    status, message, stopped = "ok", "", None
    tiny = op.underflowing()
    if tiny.size:
        status, worst = "inaccurate", float("inf")
        message = (
            f"solver {solver!r} on sparse X: column(s) {tiny[:5].tolist()} have weighted "
            f"squares below 2**{UNDERFLOW_LOG2:.0f} (entries or weights so small that "
            "their products underflow): no digits can be vouched for; rescale X or the "
            "weights"
        )
    elif np.any(negligible):
        status = "inaccurate"
        message = (
            f"solver {solver!r} on sparse X with alpha={float(np.min(alpha)):.3g} (0, or "
            f"below the rounding of X'WX, {floor:.1e}): LSQR from zero returns the "
            "minimum-norm least-squares solution, but its error bound needs the smallest "
            "singular value of X, which is not known; the normal-equation residual is "
            f"{residual_rel:.1e} of X'y. Use alpha well above {floor:.1e} for a certified "
            "answer"
        )
    elif worst > SPARSE_ACCURACY and not np.any((bounds > SPARSE_ACCURACY) & (iters >= cap)):
        status, stopped = "inaccurate", "floor"
        message = (
            f"solver {solver!r}: the certified bound reached ||b - b*|| <= {worst:.1e} "
            f"||b||, not {SPARSE_ACCURACY:.0e}: the rounding of the normal-equation "
            "residual recomputed from X, over alpha, exceeds the target (alpha is small "
            "against X'WX); the exact solvers ('auto', 'svd') certify their own accuracy"
        )
    elif worst > SPARSE_ACCURACY:
        status, stopped = "inaccurate", "max_iter"
        message = (
            f"solver {solver!r} stopped at max_iter={cap} with the certified bound "
            f"||b - b*|| <= {worst:.1e} ||b|| (target {SPARSE_ACCURACY:.0e}); raise "
            "max_iter or alpha"
        )
    return Solution(
        coef=coef,
        intercept=intercept if fit_intercept else np.zeros(t),
        solver=solver,
        rank=p if not np.any(negligible) else min(p, n - int(fit_intercept)),
        error_estimate=worst,
        n_iter=int(iters.max(initial=0)),
        status=status,
        message=message,
        diagnostics={"n_iter": iters, "bounds": bounds, "stopped": stopped},
    )
