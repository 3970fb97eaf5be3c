"""Coordinate-descent kernels for the elastic net (numba, compiled on first use).

Every kernel minimizes, for one target, the elastic-net objective in scikit-learn's
scaling with the intercept already profiled out (centred data)::

    P(w) = 1/(2W) ||y - X w||^2 + l1 ||w||_1 + l2/2 ||w||^2

where ``W`` is the weight sum (``n`` unweighted), ``l1 = alpha * l1_ratio`` and
``l2 = alpha * (1 - l1_ratio)``, optionally subject to ``w >= 0`` (``positive``: the
coordinate update is projected, ``w_j = max(z - l1, 0) / (G_jj + l2)``, and the dual,
the KKT conditions and the screening test are the constrained problem's).  Two data
layouts:

- Gram mode: ``G = X'X/W``, ``q = X'y/W``, ``c = y'y/W`` (from :class:`linreg.Moments`);
  ``P(w) = 1/2 w'Gw - q'w + c/2 + penalty``.  The gradient ``g = q - G w = X'R/W`` is
  kept up to date (one column of G per changed coordinate).
- Design mode: a centred, weight-scaled X (Fortran order) and the residual ``R``.

Stopping is on the duality gap (see :func:`duality_gap`) relative to ``P(w)``, and
gap-safe screening (Fercoq, Gramfort, Salmon 2015) removes features whose optimal
coefficient is provably zero.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Machine epsilon, for the rounding floor of the gap.
EPS = np.finfo(np.float64).eps

#: Working-set subproblems are solved until their gap is this fraction of the full gap.
INNER_RATIO = 1e-3

#: Also required to stop: the KKT conditions hold to this fraction of alpha.
KKT_TOL = 1e-8

#: Iterates combined by Anderson extrapolation in the design layout.
ANDERSON = 5


@njit(cache=True, nogil=True)
def _soft(z, t):
    if z > t:
        return z - t
    if z < -t:
        return z + t
    return 0.0


@njit(cache=True, nogil=True)
def _update(z, l1, positive):
    """The coordinate update's numerator: ``soft(z, l1)``, or ``max(z - l1, 0)`` under
    ``w >= 0`` (the minimizer of the one-dimensional problem projected on ``w_j >= 0``)."""
    if positive:
        return z - l1 if z > l1 else 0.0
    return _soft(z, l1)


@njit(cache=True, nogil=True)
def duality_gap(w, g, rr, l1, l2, positive=False):
    """Duality gap, primal value and the dual scaling at ``w``.

    ``g = X'R/W`` is the gradient of the data term at ``w`` (``R = y - Xw``) and
    ``rr = R'R/W``.  Two dual points are tried and the smaller gap kept:

    - ``theta = s R/W`` with ``s = min(1, l1 / ||g - l2 w||_inf)`` (scikit-learn's, the
      one that works for the Lasso); substituting ``R'y = R'R + w'X'R`` gives
      ``gap = (1-s)^2 rr/2 - s w'g + l1 |w|_1 + l2 (1+s^2)/2 |w|^2``, in which ``rr``
      (the only term that cancels when formed from Moments) is multiplied by ``(1-s)^2``;
    - for ``l2 > 0``, ``theta = R/W`` with the exact conjugate of the penalty:
      ``gap = -w'g + l1 |w|_1 + l2/2 |w|^2 + sum_j (|g_j| - l1)_+^2 / (2 l2)``.

    With ``positive`` (the problem constrained to ``w >= 0``, ``w`` feasible) the dual
    constraint is one-sided, ``x_j'theta <= l1``: ``s`` uses ``max_j (g_j - l2 w_j)``
    (scikit-learn's ``positive`` branch) and the conjugate ``(g_j - l1)_+^2 / (2 l2)``
    (that of ``l1 w + l2/2 w^2`` on ``w >= 0``); the formulas are otherwise the same.

    Returns ``(gap, primal, s, floor)``: ``s`` is the scale of the dual point of the
    kept gap, ``floor`` the size of the rounding errors in it.
    """
    p = w.shape[0]
    wg = 0.0
    l1norm = 0.0
    w2 = 0.0
    dual_norm = 0.0
    conj = 0.0
    for j in range(p):
        wg += w[j] * g[j]
        l1norm += abs(w[j])
        w2 += w[j] * w[j]
        a = g[j] - l2 * w[j] if positive else abs(g[j] - l2 * w[j])
        if a > dual_norm:
            dual_norm = a
        excess = (g[j] if positive else abs(g[j])) - l1
        if excess > 0.0:
            conj += excess * excess
    if rr < 0.0:
        rr = 0.0
    primal = 0.5 * rr + l1 * l1norm + 0.5 * l2 * w2
    if dual_norm > l1 and dual_norm > 0.0:
        s = l1 / dual_norm
    else:
        s = 1.0
    gap = 0.5 * (1.0 - s) ** 2 * rr - s * wg + l1 * l1norm + 0.5 * l2 * (1.0 + s * s) * w2
    if l2 > 0.0:
        gap2 = -wg + l1 * l1norm + 0.5 * l2 * w2 + conj / (2.0 * l2)
        if gap2 < gap:
            gap = gap2
            s = 1.0
    # Rounding floor: the terms above are of the size of the penalty and w'g.
    floor = 8.0 * EPS * (abs(wg) + l1 * l1norm + l2 * w2 + 0.5 * rr * (1.0 - s) ** 2)
    return gap, primal, s, floor


@njit(cache=True, nogil=True)
def subgradient_norms(w, g, l1, l2, positive=False):
    """Largest entry and 2-norm of the minimum-norm subgradient of ``P`` at ``w``
    (the KKT residual vector: ``l2 w_j - g_j + l1 sign(w_j)`` where ``w_j != 0``,
    ``(|g_j| - l1)_+`` where ``w_j = 0``).  With ``positive`` (``P`` plus the indicator
    of ``w >= 0``): ``(g_j - l1)_+`` where ``w_j = 0`` (the subdifferential there is
    ``(-inf, l1 - g_j]``) and ``inf`` where ``w_j < 0`` (infeasible)."""
    worst = 0.0
    sq = 0.0
    for j in range(w.shape[0]):
        if w[j] > 0.0:
            v = abs(g[j] - l2 * w[j] - l1)
        elif w[j] < 0.0:
            v = np.inf if positive else abs(g[j] - l2 * w[j] + l1)
        elif positive:
            v = max(g[j] - l1, 0.0)
        else:
            v = max(abs(g[j]) - l1, 0.0)
        worst = max(worst, v)
        sq += v * v
    return worst, np.sqrt(sq)


@njit(cache=True, nogil=True)
def kkt_violation(w, g, l1, l2, positive=False):
    """Largest violation of the optimality conditions: ``g_j - l2 w_j = l1 sign(w_j)``
    where ``w_j != 0``, ``|g_j| <= l1`` where ``w_j = 0`` (``g_j <= l1`` with
    ``positive``): the largest entry of the KKT residual of :func:`subgradient_norms`."""
    return subgradient_norms(w, g, l1, l2, positive)[0]


@njit(cache=True, nogil=True)
def _gap_blind(l1, l2, gfloor, primal, target, p):
    """Whether the duality gap cannot reach ``target`` at any ``w`` whose gradient is
    known only to ``gfloor``: the Lasso dual point's scale ``s = l1 / ||g||_inf`` then
    loses ``(1 - s)^2 rr/2`` (``rr <= 2P``) with ``1 - s`` up to ``gfloor / (l1 + gfloor)``,
    and the conjugate dual point (``l2 > 0``) about ``p gfloor^2 / (2 l2)``: where both exceed
    ``target`` (``l1`` and ``l2`` near 0, ``alpha = 0`` included) the gap is blind and
    stationarity to rounding is the only test left."""
    lasso = primal * (gfloor / (l1 + gfloor)) ** 2 if l1 + gfloor > 0.0 else 0.0
    conj = p * gfloor * gfloor / (2.0 * l2) if l2 > 0.0 else np.inf
    return lasso > target and conj > target


@njit(cache=True, nogil=True)
def _done(w, g, gap, primal, floor, tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu, positive):
    """Converged: gap <= tol * objective or <= abs_tol (or at its rounding floor), and
    the KKT conditions hold to ``kkt_tol * alpha`` (or to the rounding error of the
    gradient, ``EPS (|q_j| + |G_j.||w|)``: ``gscale`` bounds ``max_j ||x_j|| ||y|| / W``,
    ``hscale`` the entries of G).

    The gap is waived where it cannot certify (:func:`_gap_blind`: ``l1 = 0`` or tiny,
    where the dual constraint ``|X'theta| <= l1 W`` forces ``theta`` orthogonal to X and
    the gap stays near the objective) once the whole KKT residual is at the gradient's
    rounding floor: ``w`` is then stationary to rounding, which no sweep can improve.

    With ``mu > 0`` (a lower bound on the strong convexity of ``P``: ``l2`` plus the
    smallest eigenvalue of the data term where known) and a finite ``kkt_tol``, also the
    certified coefficient bound ``||w - w*||_2 <= ||subgradient||_2 / mu`` must be at
    most ``kkt_tol * ||w||_2``, or the subgradient at the rounding floor of the gradient,
    ``g_j = q_j - sum_k G_jk w_k`` (``|G_jk| <= hscale``, the largest diagonal entry).
    """
    # the gap's rounding: its own terms (``floor``) and w'g with g's error, of the size
    # EPS (|q| + |G||w|) per entry (|q_j| <= gscale, |G_jk| <= hscale)
    w1 = np.sum(np.abs(w))
    floor = max(floor, 64.0 * EPS * (gscale + hscale * w1) * w1)
    # the gradient's rounding, EPS (|q_j| + |G_j.||w|) per entry (about 1 at the exact
    # solution of test problems, p up to 300): stationary to rounding below 16 of it
    stationary = 16.0 * EPS * (gscale + hscale * w1)
    gfloor = max(1e3 * EPS * gscale, stationary)
    worst, norm = subgradient_norms(w, g, l1, l2, positive)
    target = max(tol * primal, abs_tol, floor)
    blind = _gap_blind(l1, l2, stationary, primal, target, w.shape[0])
    if not (gap <= target or (worst <= stationary and blind)):
        return False
    if worst > max(kkt_tol * (l1 + l2), gfloor):
        return False
    if mu > 0.0 and kkt_tol < np.inf:
        wnorm = np.sqrt(np.sum(w * w))
        rounding = 1e3 * EPS * (gscale + hscale * w1) * np.sqrt(w.shape[0])
        if norm > mu * kkt_tol * wnorm and norm > rounding:
            return False
    return True


@njit(cache=True, nogil=True)
def _screen(w, g, diag, gap, s, l1, active, positive):
    """Gap-safe sphere test: ``|x_j' theta*| <= s|g_j| + sqrt(2 gap G_jj) < l1`` ->
    ``w_j* = 0`` (with ``positive``, one-sided: ``x_j' theta* <= s g_j + ... < l1``).
    Returns the indices of features newly screened out (their current coefficients are
    left for the caller to zero)."""
    radius = np.sqrt(2.0 * max(gap, 0.0))
    out = []
    for j in range(w.shape[0]):
        gj = g[j] if positive else abs(g[j])
        if active[j] and s * gj + radius * np.sqrt(diag[j]) < l1:
            active[j] = False
            out.append(j)
    return out


@njit(cache=True, nogil=True)
def _gram_gradient(G, q, w, idx):
    """``g = q - G w`` on the features ``idx`` (reading only rows of nonzero ``w``)."""
    g = q.copy()
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            row = G[j]
            wj = w[j]
            for k in idx:
                g[k] -= wj * row[k]
    return g


@njit(cache=True, nogil=True)
def _gram_update(g, row, d, idx, full):
    """``g -= d * row`` on ``idx`` (contiguous, vectorized, when ``idx`` is everything)."""
    if full:
        for k in range(g.shape[0]):
            g[k] -= d * row[k]
    else:
        for k in idx:
            g[k] -= d * row[k]


@njit(cache=True, nogil=True)
def _gram_gap(w, g, c, q, idx, l1, l2, positive):
    """Duality gap of the problem restricted to the features ``idx`` (the screened-out
    ones are provably zero at the optimum, so its optimum is the full one)."""
    wi = w[idx]
    gi = g[idx]
    rr = c - (q[idx] @ wi) - (wi @ gi)
    gap, primal, s, floor = duality_gap(wi, gi, rr, l1, l2, positive)
    return gap, primal, s, floor, wi, gi


@njit(cache=True, nogil=True)
def cd_gram(G, q, c, l1, l2, w, max_iter, tol, kkt_tol, abs_tol, screening, mu, positive):
    """Cyclic coordinate descent on ``1/2 w'Gw - q'w + c/2 + l1|w|_1 + l2/2|w|^2``
    (subject to ``w >= 0`` with ``positive``; a negative warm start is projected).

    ``w`` (the warm start) is updated in place.  Stops when the duality gap is at most
    ``tol * P(w)`` and the KKT conditions hold to ``kkt_tol * alpha`` (checked after
    every sweep, with the gradient recomputed exactly before accepting) or when the gap
    is at its rounding floor.  The gradient ``g = q - Gw`` is kept on the features not
    screened out only (``idx``), so an update costs O(len(idx)), not O(p).
    Returns ``(gap, primal, n_iter, converged)``.
    """
    p = q.shape[0]
    diag = np.empty(p)
    for j in range(p):
        diag[j] = G[j, j]
    gscale = np.sqrt(max(np.max(diag), 0.0) * max(c, 0.0)) if p else 0.0
    hscale = max(np.max(diag), 0.0) if p else 0.0
    active = np.ones(p, dtype=np.bool_)
    for j in range(p):
        if diag[j] <= 0.0:  # a constant column: its coefficient is zero
            active[j] = False
            w[j] = 0.0
        if positive and w[j] < 0.0:
            w[j] = 0.0
    idx = np.flatnonzero(active)
    full = idx.shape[0] == p
    g = _gram_gradient(G, q, w, idx)
    gap = np.inf
    primal = np.inf
    n_iter = 0
    for it in range(max_iter):
        n_iter = it + 1
        for j in idx:
            wj = w[j]
            new = _update(g[j] + diag[j] * wj, l1, positive) / (diag[j] + l2)
            d = new - wj
            if d != 0.0:
                w[j] = new
                _gram_update(g, G[j], d, idx, full)
        gap, primal, s, floor, wi, gi = _gram_gap(w, g, c, q, idx, l1, l2, positive)
        if _done(wi, gi, gap, primal, floor, tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu,
                 positive):
            if gap <= 0.5 * abs_tol and kkt_tol == np.inf:
                # a loose absolute criterion (CV paths), far above the drift of g
                return gap, primal, n_iter, True
            # accept only on an exactly recomputed gradient (the kept one drifts)
            g = _gram_gradient(G, q, w, idx)
            gap, primal, s, floor, wi, gi = _gram_gap(w, g, c, q, idx, l1, l2, positive)
            if _done(wi, gi, gap, primal, floor, tol, kkt_tol, abs_tol, l1, l2, gscale, hscale,
                     mu, positive):
                return gap, primal, n_iter, True
        if screening:
            out = _screen(w, g, diag, gap, s, l1, active, positive)
            if len(out) > 0:
                idx = np.flatnonzero(active)
                full = idx.shape[0] == p
                for j in out:
                    if w[j] != 0.0:
                        d = -w[j]
                        w[j] = 0.0
                        _gram_update(g, G[j], d, idx, full)
    return gap, primal, n_iter, False


@njit(cache=True, nogil=True, fastmath=True)
def _dot(a, b):
    """``a @ b`` for contiguous vectors, vectorized (reassociated sum)."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


@njit(cache=True, nogil=True)
def _sweeps(XT, W, l1, l2, w, R, diag, ws, n_sweeps, positive):
    """``n_sweeps`` cyclic sweeps over the features ``ws``, updating ``w`` and ``R``."""
    n = XT.shape[1]
    for _ in range(n_sweeps):
        for j in ws:
            col = XT[j]
            wj = w[j]
            gj = _dot(col, R)
            new = _update(gj / W + diag[j] * wj, l1, positive) / (diag[j] + l2)
            d = new - wj
            if d != 0.0:
                w[j] = new
                for i in range(n):
                    R[i] -= d * col[i]


@njit(cache=True, nogil=True)
def _residual(XT, y, w):
    """``y - X w`` reading only the columns with a nonzero coefficient."""
    R = y.copy()
    n = y.shape[0]
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            col = XT[j]
            for i in range(n):
                R[i] -= w[j] * col[i]
    return R


@njit(cache=True, nogil=True)
def _gradient_ws(XT, R, W, ws):
    """``X_ws' R / W`` without copying the columns."""
    g = np.empty(ws.shape[0])
    for k in range(ws.shape[0]):
        g[k] = (XT[ws[k]] @ R) / W
    return g


@njit(cache=True, nogil=True)
def _objective_ws(XT, y, W, l1, l2, w, ws):
    """Objective and residual with only the features ``ws`` (the others are zero)."""
    R = y.copy()
    pen = 0.0
    for j in ws:
        if w[j] != 0.0:
            col = XT[j]
            for i in range(R.shape[0]):
                R[i] -= w[j] * col[i]
            pen += l1 * abs(w[j]) + 0.5 * l2 * w[j] * w[j]
    return 0.5 * (R @ R) / W + pen, R


@njit(cache=True, nogil=True)
def _anderson(XT, y, W, l1, l2, w, R, ws, last, positive):
    """Anderson extrapolation of the last iterates (Bertrand and Massias 2021): the
    combination ``sum_i c_i w_i`` (``sum c = 1``) that minimizes the norm of the
    combined successive differences (projected on ``w >= 0`` with ``positive``); kept
    only if it lowers the objective."""
    K = last.shape[0] - 1
    U = last[1:] - last[:-1]
    M = U @ U.T
    scale = 0.0
    for i in range(K):
        scale = max(scale, M[i, i])
    if scale == 0.0:
        return
    for i in range(K):
        M[i, i] += 1e-10 * scale
    z = np.linalg.solve(M, np.ones(K))
    if not np.all(np.isfinite(z)) or z.sum() == 0.0:
        return
    c = z / z.sum()
    extra = c @ last[1:]
    if positive:
        extra = np.maximum(extra, 0.0)
    current, _ = _objective_ws(XT, y, W, l1, l2, w, ws)
    saved = w[ws].copy()
    for i in range(ws.shape[0]):
        w[ws[i]] = extra[i]
    candidate, R_new = _objective_ws(XT, y, W, l1, l2, w, ws)
    if candidate < current:
        R[:] = R_new
    else:
        for i in range(ws.shape[0]):
            w[ws[i]] = saved[i]


@njit(cache=True, nogil=True)
def cd_design(
    XT,
    y,
    W,
    l1,
    l2,
    w,
    max_iter,
    tol,
    kkt_tol,
    abs_tol,
    screening,
    check_every,
    diag,
    R_in,
    g_in,
    mu,
    positive,
):
    """Coordinate descent on ``1/(2W)||y - Xw||^2 + l1|w|_1 + l2/2|w|^2`` with working sets
    (subject to ``w >= 0`` with ``positive``; a negative warm start is projected).

    ``XT`` is X transposed, C-ordered (each feature's column contiguous), already
    centred and weight-scaled; ``w`` is updated in place.  Each outer iteration
    computes the full gradient and duality gap from a freshly recomputed residual,
    screens (gap-safe), and picks a working set: the nonzero coefficients plus the
    features closest to violating optimality, ``(l1 - |x_j'theta|) / ||x_j||``
    smallest; at least twice the nonzeros, doubling each time (Massias, Gramfort,
    Salmon 2018).  The subproblem is swept, with Anderson extrapolation every
    ``ANDERSON + 1`` sweeps, until its own gap is ``INNER_RATIO`` of the full one.
    Inner sweeps count towards ``max_iter``.

    ``diag`` holds ``||x_j||^2 / W`` (``DesignData.col_norms``).  ``R_in``, ``g_in``: the
    residual and gradient at the warm start when the caller has them (along a path:
    the previous fit's, since they do not depend on alpha), else empty arrays.
    Returns ``(gap, primal, n_iter, converged, R, g)``, the last two at the returned
    ``w`` (exact, as the stopping test computed them).
    """
    p, n = XT.shape
    active = np.ones(p, dtype=np.bool_)
    projected = False
    for j in range(p):
        if diag[j] <= 0.0:
            active[j] = False
            w[j] = 0.0
        if positive and w[j] < 0.0:
            w[j] = 0.0
            projected = True
    gscale = np.sqrt(max(np.max(diag), 0.0) * (y @ y) / W) if p else 0.0
    hscale = max(np.max(diag), 0.0) if p else 0.0
    gap = np.inf
    primal = np.inf
    n_iter = 0
    ws_size = 0
    warm = R_in.shape[0] == n and g_in.shape[0] == p and not projected
    while True:
        if warm:
            R, g = R_in.copy(), g_in.copy()
            warm = False
        else:
            R = _residual(XT, y, w)
            g = (XT @ R) / W
        rr = (R @ R) / W
        gap, primal, s, floor = duality_gap(w, g, rr, l1, l2, positive)
        if _done(w, g, gap, primal, floor, tol, kkt_tol, abs_tol, l1, l2, gscale, hscale, mu,
                 positive):
            return gap, primal, n_iter, True, R, g
        if n_iter >= max_iter:
            return gap, primal, n_iter, False, R, g
        if screening:
            for j in _screen(w, g, diag, gap, s, l1, active, positive):
                if w[j] != 0.0:
                    col = XT[j]
                    for i in range(n):
                        R[i] += w[j] * col[i]
                    w[j] = 0.0
        prio = np.empty(p)
        n_active = 0
        nnz = 0
        for j in range(p):
            if not active[j]:
                prio[j] = np.inf
            elif w[j] != 0.0:
                prio[j] = -1.0
                nnz += 1
                n_active += 1
            else:
                gj = g[j] if positive else abs(g[j])
                prio[j] = (l1 - s * gj) / np.sqrt(diag[j])
                n_active += 1
        ws_size = min(n_active, max(nnz + nnz // 4, 2 * ws_size, 32))
        ws = np.sort(np.argsort(prio)[:ws_size])
        # the subproblem needs no more accuracy than a fraction of the final target; where
        # the gap is blind (l1 ~ 0: see _done), a fraction of the KKT residual
        target = max(INNER_RATIO * gap, 0.1 * max(abs_tol, tol * primal))
        unit = 16.0 * EPS * (gscale + hscale * np.sum(np.abs(w)))
        kkt_target = -1.0
        if _gap_blind(l1, l2, unit, primal, max(tol * primal, abs_tol, floor), p):
            kkt_target = max(INNER_RATIO * subgradient_norms(w, g, l1, l2, positive)[0], unit)
        m = ws.shape[0]
        last = np.empty((ANDERSON + 1, m))
        count = 0
        while n_iter < max_iter:
            _sweeps(XT, W, l1, l2, w, R, diag, ws, 1, positive)
            n_iter += 1
            last[count] = w[ws]
            count += 1
            if count == ANDERSON + 1:
                count = 0
                _anderson(XT, y, W, l1, l2, w, R, ws, last, positive)
            if n_iter % check_every == 0:
                # the working-set subproblem's gap (exact residual, then its gradient)
                R = _residual(XT, y, w)
                wsub = w[ws]
                gsub = _gradient_ws(XT, R, W, ws)
                rr = (R @ R) / W
                sub, psub, ssub, fsub = duality_gap(wsub, gsub, rr, l1, l2, positive)
                if sub <= target or sub <= tol * psub or sub <= abs_tol or sub <= fsub:
                    break
                if subgradient_norms(wsub, gsub, l1, l2, positive)[0] <= kkt_target:
                    break
