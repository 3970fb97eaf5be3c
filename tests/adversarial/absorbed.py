"""Exact reference, linreg run and judgement of the ``absorbed`` family (fixed effects).

The model is weighted least squares of ``y`` on ``[X, D_1, ..., D_Q]`` (``D_q`` the dummy
columns of absorbed factor q), computed in rational arithmetic on the floats as given:

1. rows of zero weight are dropped, then singletons are removed as fixest does
   (repeatedly: a row whose level, in any factor, occurs once among the rows left goes,
   until none does; unweighted counts);
2. the dummy columns are reduced to a basis exactly: the pivot columns of the reduced
   row echelon form of ``M = D'WD`` (``M`` is PSD, so its pivot columns index dummy
   columns that are linearly independent, and ``M`` restricted to them is nonsingular);
3. Frisch-Waugh-Lovell, exactly: ``V~ = V - D_b M_bb^-1 D_b'W V`` for ``V = [X, Y]``, then
   the coefficients solve ``A b = R`` with ``A = X~'WX~``, ``R = X~'WY~`` (the minimum-norm
   convention of :func:`.exact.minimum_norm_slopes_user_units` when ``A`` is singular: a
   regressor in the effects' span has ``A_jj = 0`` and coefficient 0).

These are the coefficients of the dummy-variable regression (pinned against numpy's
lstsq on the dummy design and pyfixest's ``feols`` in ``test_references.py``).  The
standard errors follow fixest's (pyfixest's default ``ssc()``) counts: ``k_fe = sum G_q
- (Q - 1)``; iid ``RSS / (n - k - k_fe) A^-1``; CRV1 by the first factor
``G/(G-1) (n-1)/(n-df_k) A^-1 (sum_g s_g s_g') A^-1`` with ``df_k = k + k_fe`` less the
levels of every factor nested in the clusters, plus one per such factor.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass

import mpmath
import numpy as np

from . import exact
from .exact import QMat, q, qmat_from_rows

#: Row batches of a streamed case (many batches, a ragged last one).
SCAN_BATCHES = (7, 37, 1000)


# ------------------------------------------------------------------ rows and levels
def fixest_rows(codes: np.ndarray, w=None) -> np.ndarray:
    """Rows fitted: positive weight, then fixest's repeated singleton removal.

    Parameters
    ----------
    codes : ndarray of shape (n, Q) of int
    w : ndarray of shape (n,) or None

    Returns
    -------
    ndarray of bool of shape (n,)
    """
    keep = np.ones(codes.shape[0], bool) if w is None else np.asarray(w) > 0
    while True:
        drop = np.zeros_like(keep)
        for col in codes.T:
            counts = {}
            for c in col[keep].tolist():
                counts[c] = counts.get(c, 0) + 1
            drop |= keep & np.array([counts.get(c, 0) == 1 for c in col.tolist()])
        if not drop.any():
            return keep
        keep &= ~drop


def compact_codes(codes: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes renumbered 0..G_q-1 per factor (in order of the labels), and the G_q."""
    out = np.empty_like(codes)
    sizes = []
    for j in range(codes.shape[1]):
        labels, out[:, j] = np.unique(codes[:, j], return_inverse=True)
        sizes.append(len(labels))
    return out, sizes


def nested_in(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Whether every level of ``inner`` occurs within one level of ``outer``."""
    seen = {}
    for a, b in zip(inner.tolist(), outer.tolist()):
        if seen.setdefault(a, b) != b:
            return False
    return True


# ------------------------------------------------------------------ the exact fit
@dataclass
class ExactAbsorbed:
    """The exact dummy-variable regression of the fitted rows.

    ``ls`` is an :class:`.exact.ExactLS` over the demeaned columns (intercept 0: the
    effects absorb it), so :func:`.exact.coef_error` measures in the demeaned design's
    equilibrated scale.  ``xt``/``yt`` are the demeaned rows, ``wq`` the weights,
    ``codes`` the compact codes of the fitted rows, ``sizes`` their level counts.
    """

    ls: exact.ExactLS
    keep: np.ndarray
    codes: np.ndarray
    sizes: list
    xt: list
    yt: list
    wq: list

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])


def _dummy_sums(codes, offsets, rows, wq, width):
    """``D'W V`` (one row per level of every factor) for rational rows ``V``."""
    total = [[q(0)] * width for _ in range(offsets[-1])]
    for i, r in enumerate(rows):
        wr = [v * wq[i] for v in r]
        for f in range(codes.shape[1]):
            acc = total[offsets[f] + int(codes[i, f])]
            for j in range(width):
                acc[j] += wr[j]
    return total


def _dummy_gram(codes, offsets, wq) -> QMat:
    """``M = D'WD`` from the rows' levels."""
    size = offsets[-1]
    M = [[q(0)] * size for _ in range(size)]
    for i in range(codes.shape[0]):
        idx = [offsets[f] + int(codes[i, f]) for f in range(codes.shape[1])]
        for a in idx:
            for b in idx:
                M[a][b] += wq[i]
    return qmat_from_rows(M)


def _project_off(codes, offsets, rows, wq, width) -> list:
    """``V - D_b M_bb^-1 D_b'W V`` exactly (D_b: a basis of the dummy columns)."""
    M = _dummy_gram(codes, offsets, wq)
    if codes.shape[1] == 1:
        pivots = list(range(offsets[-1]))  # one factor: the dummies are independent
    else:
        pivots = M.rank_and_pivots()[1]
    sums = _dummy_sums(codes, offsets, rows, wq, width)
    Mb = qmat_from_rows([[M[a, b] for b in pivots] for a in pivots])
    Z = Mb.solve(qmat_from_rows([sums[a] for a in pivots])).tolist()
    coef = {a: Z[k] for k, a in enumerate(pivots)}
    zero = [q(0)] * width
    out = []
    for i, r in enumerate(rows):
        fitted = list(zero)
        for f in range(codes.shape[1]):
            z = coef.get(offsets[f] + int(codes[i, f]))
            if z is not None:
                fitted = [a + b for a, b in zip(fitted, z)]
        out.append([v - u for v, u in zip(r, fitted)])
    return out


def solve_absorbed(X, Y, codes, w=None) -> ExactAbsorbed:
    """The exact coefficients of WLS of ``Y`` on ``X`` and the dummies of ``codes``."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    keep = fixest_rows(np.asarray(codes), w)
    kc, sizes = compact_codes(np.asarray(codes)[keep])
    p, m = X.shape[1], Y.shape[1]
    rows = exact.qmat(np.column_stack([X[keep], Y[keep]])).tolist()
    wk = np.ones(int(keep.sum())) if w is None else np.asarray(w, dtype=np.float64)[keep]
    wq = [q(v) for v in wk.tolist()] if w is not None else [q(1)] * len(rows)
    offsets = [0]
    for g in sizes:
        offsets.append(offsets[-1] + g)
    tilde = _project_off(kc, offsets, rows, wq, p + m)
    xt = [r[:p] for r in tilde]
    yt = [r[p:] for r in tilde]
    Xq, Yq = qmat_from_rows(xt), qmat_from_rows(yt)
    Xw = qmat_from_rows([[v * wi for v in r] for r, wi in zip(xt, wq)])
    Yw = qmat_from_rows([[v * wi for v in r] for r, wi in zip(yt, wq)])
    A, R, S = Xq.T() @ Xw, Xq.T() @ Yw, Yq.T() @ Yw
    rank = A.rank_and_pivots()[0]
    B = A.solve(R) if rank == p else exact.minimum_norm_slopes_user_units(A, R)
    coef = [[B[j, t] for j in range(p)] for t in range(m)]
    ls = exact.ExactLS(
        coef=coef,
        intercept=[q(0)] * m,
        gram=A,
        rank=rank,
        y_spread=[S[t, t] for t in range(m)],
        weight_sum=sum(wq, q(0)),
        x_mean=[q(0)] * p,
    )
    return ExactAbsorbed(ls, keep, kc, sizes, xt, yt, wq)


# ------------------------------------------------------------------ standard errors
def fixest_df_k(ref: ExactAbsorbed, k: int, clustered: bool) -> int:
    """fixest's ``df_k`` (pyfixest ``ssc()`` defaults): ``k + sum G_q - (Q - 1)``;
    clustered by the first factor, less the levels of each factor nested in it plus one
    per such factor."""
    Q = len(ref.sizes)
    df_k = k + sum(ref.sizes) - (Q - 1)
    if clustered:
        first = ref.codes[:, 0]
        nested = [f for f in range(Q) if f == 0 or nested_in(ref.codes[:, f], first)]
        df_k += -sum(ref.sizes[f] for f in nested) + len(nested)
    return df_k


def standard_errors(ref: ExactAbsorbed, cov_type: str) -> list:
    """Exact standard errors of the first target's coefficients (mpmath; NaN where
    fixest's statistic is undefined, and for regressors in the effects' span)."""
    p = ref.ls.gram.rows
    live = [j for j in range(p) if ref.ls.gram[j, j] != 0]
    nan = [mpmath.mpf("nan")] * p
    if not live:
        return nan
    A = ref.ls.gram.select_columns(live)
    A = qmat_from_rows([[A[i, c] for c in range(len(live))] for i in live])
    if A.rank_and_pivots()[0] < len(live):
        return nan
    Ainv = A.inv()
    b = [ref.ls.coef[0][j] for j in live]
    resid = [r[0] - sum((xr[j] * bj for j, bj in zip(live, b)), q(0))
             for r, xr in zip(ref.yt, ref.xt)]  # fmt: skip
    n, k = ref.n, len(live)
    df_k = fixest_df_k(ref, k, cov_type == "cluster")
    if cov_type == "cluster":
        G = ref.sizes[0]
        if G < 2 or n - df_k <= 0:
            return nan
        sums = {}
        for i, xr in enumerate(ref.xt):
            acc = sums.setdefault(int(ref.codes[i, 0]), [q(0)] * k)
            s = ref.wq[i] * resid[i]
            for a, j in enumerate(live):
                acc[a] += s * xr[j]
        meat = [[q(0)] * k for _ in range(k)]
        for v in sums.values():
            for a in range(k):
                for c in range(k):
                    meat[a][c] += v[a] * v[c]
        cov = (Ainv @ qmat_from_rows(meat) @ Ainv).scale(q(G) / (G - 1) * q(n - 1) / (n - df_k))
    else:
        if n - df_k <= 0:
            return nan
        rss = sum((wi * e * e for wi, e in zip(ref.wq, resid)), q(0))
        cov = Ainv.scale(rss / (n - df_k))
    out = list(nan)
    for a, j in enumerate(live):
        out[j] = mpmath.sqrt(exact.to_mpf(cov[a, a]))
    return out


# ------------------------------------------------------------------ linreg side
def run_linreg(case) -> dict:
    """Fit the case with linreg (in memory, or from a Parquet file through
    ``linreg.scan``) and take the summary's ``bse`` when the case asks for it."""
    import linreg

    out = {}
    if case.extra.get("source") == "parquet":
        with tempfile.TemporaryDirectory(prefix="linreg-adv-") as folder:
            source, names = _parquet_source(case, folder)
            out["model"] = model = linreg.LinearRegression().fit(source, absorb=names)
            _summary(case, model, out)
        return out
    out["model"] = model = linreg.LinearRegression().fit(
        case.X, case.y, sample_weight=case.w, absorb=_absorb_argument(case)
    )
    _summary(case, model, out)
    return out


def _summary(case, model, out) -> None:
    cov_type = case.extra.get("cov_type")
    if cov_type:
        out["bse"] = np.asarray(model.summary(cov_type=cov_type).bse, dtype=np.float64)


def _absorb_argument(case):
    """The factors as given to ``fit``: the integer codes, or a DataFrame of string
    labels (``extra["labels"] == "frame"``)."""
    codes = case.extra["codes"]
    if case.extra.get("labels") != "frame":
        return codes
    import pandas as pd

    return pd.DataFrame({f"f{j}": [f"L{v}" for v in codes[:, j]] for j in range(codes.shape[1])})


def _parquet_source(case, folder: str):
    """The case as a Parquet file (x0.., y, w, f0..) and ``linreg.scan`` of it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import linreg

    X = np.asarray(case.X, dtype=np.float64)
    cols = {f"x{j}": X[:, j] for j in range(X.shape[1])}
    cols["y"] = np.asarray(case.y, dtype=np.float64)
    if case.w is not None:
        cols["w"] = np.asarray(case.w, dtype=np.float64)
    codes = case.extra["codes"]
    names = [f"f{j}" for j in range(codes.shape[1])]
    for j, name in enumerate(names):
        cols[name] = codes[:, j].astype(np.int64)
    path = os.path.join(folder, "data.parquet")
    pq.write_table(pa.table(cols), path)
    source = linreg.scan(
        path,
        target="y",
        features=[f"x{j}" for j in range(X.shape[1])],
        weights="w" if case.w is not None else None,
        batch_size=case.extra["batch_size"],
    )
    return source, names


# ------------------------------------------------------------------ judgement
def stated_bound(model) -> float:
    """What linreg states about its coefficients: the demeaning certificate
    (``coef_bound``), the rounding estimate of the demeaned columns, and the solver's
    ``error_estimate`` on the demeaned design (NaN when any is not finite: the suite's
    1e-6 tolerance applies)."""
    cert = getattr(model, "absorbed_", None)
    cert = {} if cert is None else cert.certificate
    sol = getattr(model, "solution_", None)
    parts = [
        float(cert.get("coef_bound", 0.0)),
        float(cert.get("rounding", 0.0)),
        float(getattr(sol, "error_estimate", math.nan)),
    ]
    total = sum(parts)
    if not math.isfinite(total):
        return math.nan
    return max(total, float(np.finfo(np.float64).eps))


def unnamed_collinear(ref: ExactAbsorbed, model) -> list:
    """Regressors exactly in the effects' span (demeaned norm exactly 0) that the model
    does not list in ``absorbed_.collinear`` (features are named ``x0, x1, ...``)."""
    named = set(getattr(model.absorbed_, "collinear", []) or [])
    p = ref.ls.gram.rows
    return [f"x{j}" for j in range(p) if ref.ls.gram[j, j] == 0 and f"x{j}" not in named]


def measure(case, out: dict):
    """``(error, stated bound, exactly rank deficient, bound missed)`` of a case:
    the coefficient error in the demeaned design's equilibrated scale (the worst
    target) and, when asked, the componentwise relative error of ``bse``."""
    ref = solve_absorbed(case.X, case.y, case.extra["codes"], case.w)
    model = out["model"]
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    err_c, _ = exact.coef_error(ref.ls, coef, np.zeros(coef.shape[0]))
    bound = stated_bound(model)
    err = err_c
    if "bse" in out:
        want = standard_errors(ref, case.extra["cov_type"])
        err = max(err, exact.rel_error_vec(out["bse"], want))
    if unnamed_collinear(ref, model):
        err = math.inf  # a regressor in the effects' span must be named (fixest does)
    missed = bool(np.isfinite(bound) and 1e-6 >= err_c > 100.0 * bound)
    # a regressor exactly in the effects' span makes the RankDeficientWarning true
    deficient = ref.ls.rank_deficient
    return err, bound, deficient, missed
