"""Exact references for summaries, robust covariances, intervals and the Lasso KKT test.

All in rational arithmetic on the data as given (see :mod:`.exact`); square roots in
mpmath at 50 digits.  Parameters are ordered as statsmodels orders them: ``const``
first when there is an intercept.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from .exact import QMat, q, qmat, qmat_from_rows, to_mpf


@dataclass
class ExactInference:
    """Exact WLS estimates and covariances of one target (full-rank design).

    ``Xa`` is the design with the constant column first (when fitted), ``B = Xa' W Xa``.
    """

    params: list
    bread: QMat  # B^-1
    resid: list
    s2: object
    n: int
    k: int
    rows: list  # Xa as rational rows
    w: list


def augmented_rows(X, fit_intercept):
    rows = qmat(X).tolist()
    if fit_intercept:
        rows = [[q(1), *r] for r in rows]
    return rows


def exact_wls(X, y, w=None, fit_intercept=True) -> ExactInference:
    """Exact WLS fit of one target, with its residuals and ``s^2 = SSR / (n - k)``."""
    rows = augmented_rows(X, fit_intercept)
    n, k = len(rows), len(rows[0])
    wq = [q(1)] * n if w is None else [q(v) for v in np.asarray(w, dtype=np.float64).tolist()]
    Xa = qmat_from_rows(rows)
    Xw = qmat_from_rows([[v * wi for v in r] for r, wi in zip(rows, wq)])
    yq = qmat(np.asarray(y, dtype=np.float64).reshape(-1, 1))
    B = Xa.T() @ Xw
    binv = B.inv()
    theta = binv @ (Xw.T() @ yq)
    fitted = Xa @ theta
    resid = [yq[i, 0] - fitted[i, 0] for i in range(n)]
    ssr = sum((wi * e * e for wi, e in zip(wq, resid)), q(0))
    params = [theta[j, 0] for j in range(k)]
    return ExactInference(params, binv, resid, ssr / (n - k), n, k, rows, wq)


def covariance(ref: ExactInference, cov_type: str) -> QMat:
    """Exact ``cov_params()``: nonrobust ``s^2 B^-1`` or the sandwich HC0-HC3."""
    if cov_type == "nonrobust":
        return ref.bread.scale(ref.s2)
    power = {"HC0": 0, "HC1": 0, "HC2": 1, "HC3": 2}[cov_type]
    Z = qmat_from_rows(ref.rows) @ ref.bread
    meat_rows = []
    for i, r in enumerate(ref.rows):
        wi, e = ref.w[i], ref.resid[i]
        d = wi * wi * e * e
        if power:
            h = wi * sum((Z[i, j] * r[j] for j in range(ref.k)), q(0))
            d = d / (1 - h) ** power
        meat_rows.append([v * d for v in r])
    meat = qmat_from_rows(ref.rows).T() @ qmat_from_rows(meat_rows)
    cov = ref.bread @ meat @ ref.bread
    if cov_type == "HC1":
        cov = cov.scale(q(ref.n) / (ref.n - ref.k))
    return cov


def _scores(ref: ExactInference) -> list:
    """Per row the score ``w_i e_i x_i`` (statsmodels' whitened ``wexog * wresid``)."""
    return [[ref.w[i] * ref.resid[i] * v for v in r] for i, r in enumerate(ref.rows)]


def _outer_sum(pairs, k) -> QMat:
    """``sum a b'`` over the pairs ``(a, b)`` of rational vectors."""
    total = [[q(0)] * k for _ in range(k)]
    for a, b in pairs:
        for j in range(k):
            if a[j]:
                for m in range(k):
                    total[j][m] += a[j] * b[m]
    return qmat_from_rows(total)


def _sandwich(ref: ExactInference, meat: QMat) -> QMat:
    return ref.bread @ meat @ ref.bread


def cluster_covariance(ref: ExactInference, groups, use_correction=True) -> QMat:
    """Exact one-way (CR1 with ``use_correction``) or two-way cluster-robust covariance
    with statsmodels' conventions: ``G/(G-1) (n-1)/(n-k)`` per way, and two-way
    ``V_0 + V_1 - V_01`` (V_01 on the intersection groups)."""
    groups = np.asarray(groups)
    if groups.ndim == 2:
        both = [f"{a}|{b}" for a, b in groups.tolist()]
        parts = [
            cluster_covariance(ref, groups[:, 0], use_correction),
            cluster_covariance(ref, groups[:, 1], use_correction),
            cluster_covariance(ref, np.asarray(both), use_correction),
        ]
        return parts[0] + parts[1] - parts[2]
    scores = _scores(ref)
    sums = {}
    for g, s in zip(groups.tolist(), scores):
        acc = sums.setdefault(g, [q(0)] * ref.k)
        for j in range(ref.k):
            acc[j] += s[j]
    cov = _sandwich(ref, _outer_sum([(v, v) for v in sums.values()], ref.k))
    if use_correction:
        G = len(sums)
        cov = cov.scale(q(G) / (G - 1) * (q(ref.n - 1) / (ref.n - ref.k)))
    return cov


def hac_covariance(ref: ExactInference, maxlags: int, kernel="bartlett", use_correction=False):
    """Exact Newey-West covariance: meat ``G_0 + sum_l w_l (G_l + G_l')`` with
    ``G_l = sum_t s_t s_{t-l}'`` in row order, ``w_l = 1 - l/(L+1)`` (bartlett) or 1
    (uniform); ``use_correction`` multiplies by ``n/(n-k)`` (statsmodels)."""
    scores = _scores(ref)
    meat = _outer_sum([(s, s) for s in scores], ref.k)
    for lag in range(1, maxlags + 1):
        weight = q(1) - q(lag) / (maxlags + 1) if kernel == "bartlett" else q(1)
        gamma = _outer_sum([(scores[t], scores[t - lag]) for t in range(lag, ref.n)], ref.k)
        meat = meat + (gamma + gamma.T()).scale(weight)
    cov = _sandwich(ref, meat)
    if use_correction:
        cov = cov.scale(q(ref.n) / (ref.n - ref.k))
    return cov


def standard_errors(cov: QMat) -> list:
    """mpmath square roots of the exact diagonal."""
    # A negative variance (two-way clustering's V_0 + V_1 - V_01 can give one) has no
    # standard error: NaN, which the comparison requires linreg to give too.
    return [
        mpmath.sqrt(to_mpf(cov[j, j])) if cov[j, j] >= 0 else mpmath.nan for j in range(cov.rows)
    ]


def interval_reference(ref: ExactInference, X0, fit_intercept, kind: str, level: float):
    """Exact fitted values and half widths (t quantile in double precision from scipy).

    The quantile is common to linreg and the reference and accurate to ~1e-15, far
    below the 1e-6 the comparison tests.  Also returns, per point, the rounding floor
    of evaluating the prediction in float64: ``(k + 2) eps sum_j |x_j theta_j|`` (the
    error bound of a (k+1)-term dot product and its rounding), which no float answer
    can be asked to beat.
    """
    from scipy import stats

    cov = covariance(ref, "nonrobust")
    tq = mpmath.mpf(float(stats.t.ppf(0.5 + level / 2, ref.n - ref.k)))
    fits, halves, floors = [], [], []
    eps = mpmath.mpf(2) ** -52
    for r in augmented_rows(X0, fit_intercept):
        x = qmat_from_rows([r])
        fit = sum((a * b for a, b in zip(r, ref.params)), q(0))
        var = (x @ cov @ x.T())[0, 0]
        if kind == "prediction":
            var = var + ref.s2
        fits.append(to_mpf(fit))
        halves.append(tq * mpmath.sqrt(to_mpf(var)))
        terms = sum((abs(to_mpf(a * b)) for a, b in zip(r, ref.params)), mpmath.mpf(0))
        floors.append((len(r) + 2) * eps * terms)
    return fits, halves, floors


def kkt_violation(X, y, w, coef, intercept, alpha, l1_ratio, fit_intercept, positive=False):
    """Exact optimality residual of an ElasticNet answer, relative to ``alpha``.

    With the intercept set to the weighted mean of ``y - X coef`` (its exact optimum
    for the given coefficients), the gradient ``g = X' W r / sum(w)`` must equal
    ``alpha l1 sign(c_j) + alpha (1 - l1) c_j`` on the nonzero coefficients and be at
    most ``alpha l1`` in absolute value on the zero ones (with ``positive``: at most
    ``alpha l1`` from above, and no coefficient negative).  Each coordinate's residual
    is taken beyond its rounding floor (:func:`gradient_floor`: what rounding the
    coefficients to float64 alone can cause), which no float answer can beat.
    Returns ``(violation / alpha, intercept error relative to max(|b|, weighted RMS
    spread of y))``.
    """
    floor = gradient_floor(X, w, coef, alpha, l1_ratio, fit_intercept)
    rows = qmat(X).tolist()
    n, p = len(rows), len(rows[0])
    wq = [q(1)] * n if w is None else [q(v) for v in np.asarray(w, dtype=np.float64).tolist()]
    W = sum(wq, q(0))
    yq = [q(v) for v in np.asarray(y, dtype=np.float64).tolist()]
    cq = [q(v) for v in np.asarray(coef, dtype=np.float64).tolist()]
    r = [yi - sum((a * c for a, c in zip(row, cq)), q(0)) for yi, row in zip(yq, rows)]
    b = sum((wi * ri for wi, ri in zip(wq, r)), q(0)) / W if fit_intercept else q(0)
    r = [ri - b for ri in r]
    a, l1 = q(alpha), q(l1_ratio)
    worst = mpmath.mpf(0)
    for j in range(p):
        g = sum((wq[i] * rows[i][j] * r[i] for i in range(n)), q(0)) / W
        g = g - a * (1 - l1) * cq[j]
        if positive and cq[j] < 0:
            return float("inf"), 0.0
        if cq[j] == 0:
            v = max((g if positive else abs(g)) - a * l1, q(0))
        else:
            v = abs(g - a * l1 * (1 if cq[j] > 0 else -1))
        worst = max(worst, to_mpf(v) - floor[j])
    worst = max(worst, mpmath.mpf(0))
    viol = float(worst / to_mpf(a)) if alpha > 0 else float(worst)
    if not fit_intercept:
        return viol, 0.0
    ym = sum((wi * yi for wi, yi in zip(wq, yq)), q(0)) / W
    spread = sum((wi * (yi - ym) ** 2 for wi, yi in zip(wq, yq)), q(0)) / W
    scale = max(abs(to_mpf(b)), mpmath.sqrt(to_mpf(spread)))
    diff = abs(to_mpf(q(float(intercept)) - b))
    berr = 0.0 if diff == 0 else (float(diff / scale) if scale > 0 else float("inf"))
    return viol, berr


def gradient_floor(X, w, coef, alpha, l1_ratio, fit_intercept) -> np.ndarray:
    """Per coordinate, ``4 eps (sum_k |A_jk c_k| / W + alpha (1 - l1) |c_j|)``: how far
    the optimality residual moves when each coefficient is rounded to float64 (``A``
    the centred weighted Gram matrix, ``W = sum(w)``), in double precision (it is a
    magnitude, not a value to be exact)."""
    X = np.asarray(X, dtype=np.float64)
    wv = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    c = np.abs(np.asarray(coef, dtype=np.float64))
    with np.errstate(all="ignore"):
        Xc = X - (wv @ X) / wv.sum() if fit_intercept else X
        A = np.abs(Xc.T @ (wv[:, None] * Xc)) / wv.sum()
        floor = 4 * np.finfo(np.float64).eps * (A @ c + alpha * (1 - l1_ratio) * c)
    return np.where(np.isfinite(floor), floor, 0.0)
