"""Residual and specification diagnostics of a fitted least-squares model.

The functions take a fitted :class:`~linreg.LinearRegression` (or a formula model of
:func:`linreg.ols`) and return what statsmodels' functions of the same names return for
the same regression (``statsmodels.stats.diagnostic``, ``statsmodels.stats.stattools``,
``statsmodels.stats.outliers_influence``), in the same tuple layout:

* one pass over the rows, so they work in memory, on :func:`linreg.scan` and on Dask:
  :func:`jarque_bera`, :func:`omni_normtest`, :func:`durbin_watson` (residual moments
  merged chunk by chunk, Durbin-Watson by an ordered combine that carries each chunk's
  first and last residual across the chunk boundaries, in row order),
  :func:`het_breuschpagan` (the Moments of ``[X, u^2]``) and :func:`footer_statistics`
  (the statistics of statsmodels' summary footer);
* no pass: :func:`variance_inflation_factor` (from the model's Moments);
* in memory only (they need columns the design does not have, or a reordering):
  :func:`het_white`, :func:`acorr_breusch_godfrey`, :func:`linear_reset`,
  :func:`het_goldfeldquandt`; on a model fitted from a scan or Dask they raise a
  ValueError saying so (pass ``X, y`` as arrays to run them in memory).

Weighted fits (WLS) use the whitened residuals ``sqrt(w) (y - x'b)``, as statsmodels'
``WLS(...).fit().summary()`` does for its footer (``wresid``); rows of zero weight are
left out, as linreg counts observations.  Each function's docstring says what it does
for weights where statsmodels' own function would ignore them.

Auxiliary regressions are solved on centred, column-scaled designs (an SVD of rank
statsmodels' ``matrix_rank`` would give, projections applied twice), so the statistics
keep their digits where the regressors have large offsets.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import stats

from .chunks import chunk_sum, has_chunks

__all__ = [
    "acorr_breusch_godfrey",
    "durbin_watson",
    "footer_lines",
    "footer_statistics",
    "het_breuschpagan",
    "het_goldfeldquandt",
    "het_white",
    "jarque_bera",
    "linear_reset",
    "omni_normtest",
    "residual_moments",
    "variance_inflation_factor",
]

EPS = float(np.finfo(np.float64).eps)

#: Residuals whose root mean square is below EXACT_FIT * eps times the level of y are
#: rounding noise (an exact fit): the statistics computed from them are NaN, with a
#: warning (as :func:`linreg.inference.summary.summarize` warns for its t and p values).
EXACT_FIT = 64.0

NAN_LM = (np.nan, np.nan, np.nan, np.nan)


def _exact_fit(ss: float, moments, scale: float = 1.0) -> bool:
    """Whether residuals of weighted sum of squares ``ss`` (of the residuals divided by
    ``scale``, a power of two) are at y's rounding level."""
    w_sum = float(moments.weight_sum)
    if not w_sum > 0:
        return True
    level = np.sqrt(max(float(moments.yty[0, 0]), 0.0) / w_sum) + abs(float(moments.y_mean[0]))
    return bool(np.sqrt(ss / w_sum) <= EXACT_FIT * EPS * (level / scale))


def _warn_exact(what: str) -> None:
    from .._warnings import external_stacklevel

    warnings.warn(
        f"the model fits the target exactly to working precision (the residuals are at "
        f"the rounding level of y): {what} undefined (NaN)",
        UserWarning,
        stacklevel=external_stacklevel(),
    )


# ------------------------------------------------------------------- result types
class LMTestResult(NamedTuple):
    """A Lagrange multiplier test with its F form (statsmodels' tuple layout)."""

    lm: float
    lmpval: float
    fval: float
    fpval: float


class GoldfeldQuandtResult(NamedTuple):
    """statsmodels' ``(fval, pval, ordering)`` of the Goldfeld-Quandt test."""

    fval: float
    pval: float
    ordering: str


class JarqueBeraResult(NamedTuple):
    """statsmodels' ``(jb, jb_pv, skew, kurtosis)``."""

    jb: float
    jb_pv: float
    skew: float
    kurtosis: float


class OmnibusResult(NamedTuple):
    """``(statistic, pvalue)`` of D'Agostino and Pearson's omnibus test."""

    statistic: float
    pvalue: float


class WaldTestResult:
    """A Wald test with the attribute names of statsmodels' ``ContrastResults``.

    ``distribution`` is ``"chi2"`` (``statistic`` chi-square with ``df_num`` degrees of
    freedom; statsmodels also keeps them in ``df_denom``) or ``"F"`` (``fvalue`` =
    ``statistic`` with ``(df_num, df_denom)`` degrees of freedom).
    """

    def __init__(self, statistic, df_num, df_denom=None):
        self.statistic = float(statistic)
        self.df_num = float(df_num)
        if df_denom is None:
            self.distribution = "chi2"
            self.df_denom = float(df_num)
            self.pvalue = float(stats.chi2.sf(self.statistic, df_num))
            self.fvalue = None
        else:
            self.distribution = "F"
            self.df_denom = float(df_denom)
            self.fvalue = self.statistic
            self.pvalue = float(stats.f.sf(self.statistic, df_num, df_denom))

    def __repr__(self) -> str:
        dfs = f"{self.df_num:g}" + (
            f", {self.df_denom:g}" if self.distribution == "F" else ""
        )
        return (
            f"<Wald test ({self.distribution}({dfs})): statistic={self.statistic:.6g}, "
            f"p-value={self.pvalue:.6g}>"
        )


# ------------------------------------------------------------- the fitted model
def _estimator(model):
    """The fitted estimator of a model (a formula model's ``model``)."""
    if hasattr(model, "formula") and hasattr(model, "model_spec"):
        return model.model
    return model


class _Fit:
    """A model's single-target problem and coefficients."""

    def __init__(self, model, X=None, y=None, sample_weight=None, target=0):
        from sklearn.utils.validation import check_is_fitted

        estimator = _estimator(model)
        check_is_fitted(estimator)
        estimator._refuse_inference()
        problem = estimator._inference_problem(X, y, sample_weight)
        if not 0 <= target < problem.n_targets:
            raise ValueError(f"target must be in [0, {problem.n_targets}), got {target!r}")
        self.problem = problem.single_target(target) if problem.n_targets > 1 else problem
        solution = estimator.solution_
        self.coef = np.asarray(solution.coef[target], dtype=np.float64)
        self.intercept = float(solution.intercept[target])
        self.aliased = list(solution.aliased)
        self.moments = self.problem.get_moments()
        self.names = estimator._feature_labels()

    @property
    def fit_intercept(self) -> bool:
        return bool(self.problem.fit_intercept)

    def penalized(self, what: str) -> None:
        """Refuse a test whose auxiliary regressions assume an unpenalized fit."""
        if self.problem.penalized:
            raise ValueError(
                f"{what} assumes an unpenalized least-squares fit; this model is penalized "
                "(refit with alpha=0, e.g. LinearRegression, to run it)"
            )

    def arrays(self, what: str):
        """``(X, y, w)`` in memory, rows of zero weight removed (``w`` None unweighted)."""
        problem = self.problem
        if not problem.has_data:
            if has_chunks(problem):
                raise ValueError(
                    f"{what} runs in memory only (it needs columns the design does not "
                    "have, or the rows reordered); this model was fitted from a "
                    "linreg.scan or Dask source: pass X, y (and sample_weight) as arrays"
                )
            raise ValueError(f"{what} needs the training data: pass X, y (and sample_weight)")
        X = np.asarray(problem.X, dtype=np.float64)
        y = np.asarray(problem.Y, dtype=np.float64)[:, 0]
        w = problem.weights
        if w is None:
            return X, y, None
        w = np.asarray(w, dtype=np.float64)
        keep = w > 0
        return X[keep], y[keep], w[keep]

    def residuals(self, X, y) -> np.ndarray:
        """``y - intercept - X b`` about the data's centre (see :class:`_Residuals`)."""
        return _Residuals(self.problem, self.coef, self.intercept).raw(X, y)


class _Residuals:
    """Residuals ``y - intercept - x'b`` of a chunk, computed about the Moments' means
    (``(y - ybar) - (x - xbar)'b - (intercept + xbar'b - ybar)``) so that offsets in X
    or y do not cancel into them; picklable for Dask."""

    def __init__(self, problem, coef, intercept):
        from .covariance import y_scale_of

        m = problem.get_moments()
        # whitened() divides by this power of two of y's spread: the passes' statistics
        # (skew, kurtosis, Durbin-Watson, Breusch-Pagan) do not depend on the scale,
        # and their fourth powers stay in the float64 range (y of order 1e-160 or 1e200)
        self.scale = y_scale_of(problem, bounds=(1e-60, 1e60))
        self.coef = np.asarray(coef, dtype=np.float64)
        self.x_centre = np.asarray(m.x_mean, dtype=np.float64)
        self.y_centre = float(m.y_mean[0])
        self.offset = intercept + float(self.x_centre @ self.coef) - self.y_centre

    def raw(self, X, y) -> np.ndarray:
        return (y - self.y_centre) - (X - self.x_centre) @ self.coef - self.offset

    def whitened(self, X, Y, w):
        """``(X, sqrt(w) r / scale)`` of the rows with positive weight (all rows
        unweighted)."""
        r = self.raw(X, Y[:, 0]) / self.scale
        if w is None:
            return X, r
        w = np.asarray(w, dtype=np.float64)
        keep = w > 0
        return X[keep], r[keep] * np.sqrt(w[keep])


# ------------------------------------------------------ residual moments (one pass)
class ResidualMoments:
    """Count, mean and central moments ``M2, M3, M4`` of a residual series, and the
    Durbin-Watson sums (``sum (u_t - u_{t-1})^2`` and ``sum u_t^2``) with the series'
    first and last value, for chunks in row order.

    ``a + b`` is the series ``a`` followed by ``b`` (Pebay's pairwise update of the
    central moments; the squared jump from ``a``'s last to ``b``'s first value joins the
    Durbin-Watson sum), so it is associative but not commutative: chunks must be
    combined left to right, as :func:`~linreg.inference.chunks.chunk_sum` and the
    sources' ``reduce`` do.
    """

    def __init__(self, n=0, mean=0.0, m2=0.0, m3=0.0, m4=0.0, first=None, last=None,
                 diff_ss=0.0, ss=0.0):
        self.n, self.mean, self.m2, self.m3, self.m4 = n, mean, m2, m3, m4
        self.first, self.last, self.diff_ss, self.ss = first, last, diff_ss, ss

    @classmethod
    def of(cls, u) -> ResidualMoments:
        """The moments of one chunk's residuals (two passes over the chunk)."""
        u = np.asarray(u, dtype=np.float64)
        if u.size == 0:
            return cls()
        mean = float(u.mean())
        d = u - mean
        d2 = d * d
        return cls(
            int(u.size),
            mean,
            float(d2.sum()),
            float((d2 * d).sum()),
            float((d2 * d2).sum()),
            float(u[0]),
            float(u[-1]),
            float(np.sum(np.diff(u) ** 2)),
            float(u @ u),
        )

    def __add__(self, other: ResidualMoments) -> ResidualMoments:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = float(self.n), float(other.n)
        n = na + nb
        delta = other.mean - self.mean
        m2 = self.m2 + other.m2 + delta**2 * na * nb / n
        m3 = (
            self.m3
            + other.m3
            + delta**3 * na * nb * (na - nb) / n**2
            + 3 * delta * (na * other.m2 - nb * self.m2) / n
        )
        m4 = (
            self.m4
            + other.m4
            + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
            + 6 * delta**2 * (na * na * other.m2 + nb * nb * self.m2) / n**2
            + 4 * delta * (na * other.m3 - nb * self.m3) / n
        )
        return ResidualMoments(
            self.n + other.n,
            self.mean + delta * nb / n,
            m2,
            m3,
            m4,
            self.first,
            other.last,
            self.diff_ss + other.diff_ss + (other.first - self.last) ** 2,
            self.ss + other.ss,
        )

    # statistics -------------------------------------------------------------
    def skew(self) -> float:
        """``m3 / m2^1.5`` with the biased central moments (scipy.stats.skew)."""
        n = self.n
        with np.errstate(all="ignore"):
            return float((self.m3 / n) / (self.m2 / n) ** 1.5) if self.m2 > 0 else np.nan

    def kurtosis(self) -> float:
        """Pearson's ``m4 / m2^2`` (3 for the normal), as statsmodels reports it."""
        n = self.n
        with np.errstate(all="ignore"):
            return float((self.m4 / n) / (self.m2 / n) ** 2) if self.m2 > 0 else np.nan

    def durbin_watson(self) -> float:
        return float(self.diff_ss / self.ss) if self.ss > 0 else np.nan


class _ResidualMomentsPass:
    """Chunk function of the footer pass (picklable for Dask)."""

    def __init__(self, residuals: _Residuals):
        self.residuals = residuals

    def __call__(self, X, Y, w):
        return ResidualMoments.of(self.residuals.whitened(X, Y, w)[1])


def residual_moments(problem, coef, intercept) -> ResidualMoments:
    """The :class:`ResidualMoments` of the (whitened) residuals of ``problem`` (single
    target) at ``coef, intercept``, in one pass over its rows in row order."""
    if not has_chunks(problem):
        raise ValueError(
            "the residual diagnostics need a pass over the training data, which this "
            "model no longer references: pass X, y (and sample_weight)"
        )
    if problem.n_targets != 1:
        raise ValueError(f"one target expected, got {problem.n_targets}")
    coef = np.asarray(coef, dtype=np.float64).reshape(-1)
    residuals = _Residuals(problem, coef, intercept)
    rm = chunk_sum(problem, _ResidualMomentsPass(residuals))
    if _exact_fit(rm.ss, problem.get_moments(), residuals.scale):
        _warn_exact(
            "the residuals' skewness, kurtosis, Jarque-Bera, omnibus and Durbin-Watson are"
        )
        return ResidualMoments(rm.n, rm.mean, first=rm.first, last=rm.last)
    return rm


def _moments_of(model, X, y, sample_weight, target) -> ResidualMoments:
    """The residual moments of a fitted model (one pass over its rows), or of a 1-D
    array of residuals given in its place (statsmodels' ``jarque_bera(resid)``,
    ``omni_normtest(resid)``, ``durbin_watson(resid)``, in the array's order)."""
    if isinstance(model, (np.ndarray, list, tuple)) or type(model).__name__ == "Series":
        resid = np.asarray(model, dtype=np.float64)
        if resid.ndim != 1 or not np.isfinite(resid).all():
            raise ValueError("residuals must be a 1-D array of finite numbers")
        return ResidualMoments.of(resid)
    fit = _Fit(model, X, y, sample_weight, target)
    return residual_moments(fit.problem, fit.coef, fit.intercept)


def _jarque_bera(rm: ResidualMoments) -> JarqueBeraResult:
    skew, kurt = rm.skew(), rm.kurtosis()
    jb = rm.n / 6.0 * (skew**2 + 0.25 * (kurt - 3) ** 2)
    return JarqueBeraResult(float(jb), float(stats.chi2.sf(jb, 2)), skew, kurt)


def _skew_z(b2: float, n: float) -> float:
    """scipy.stats.skewtest's z (D'Agostino 1970) from the sample skewness."""
    y = b2 * np.sqrt(((n + 1) * (n + 3)) / (6.0 * (n - 2)))
    beta2 = 3.0 * (n**2 + 27 * n - 70) * (n + 1) * (n + 3) / (
        (n - 2.0) * (n + 5) * (n + 7) * (n + 9)
    )
    w2 = -1 + np.sqrt(2 * (beta2 - 1))
    delta = 1 / np.sqrt(0.5 * np.log(w2))
    alpha = np.sqrt(2.0 / (w2 - 1))
    y = 1.0 if y == 0 else y
    return float(delta * np.log(y / alpha + np.sqrt((y / alpha) ** 2 + 1)))


def _kurtosis_z(b2: float, n: float) -> float:
    """scipy.stats.kurtosistest's z (Anscombe and Glynn 1983) from Pearson's kurtosis."""
    e = 3.0 * (n - 1) / (n + 1)
    varb2 = 24.0 * n * (n - 2) * (n - 3) / ((n + 1) * (n + 1.0) * (n + 3) * (n + 5))
    x = (b2 - e) / varb2**0.5
    sqrtbeta1 = (
        6.0 * (n * n - 5 * n + 2) / ((n + 7) * (n + 9))
        * ((6.0 * (n + 3) * (n + 5)) / (n * (n - 2) * (n - 3))) ** 0.5
    )
    a = 6.0 + 8.0 / sqrtbeta1 * (2.0 / sqrtbeta1 + (1 + 4.0 / sqrtbeta1**2) ** 0.5)
    term1 = 1 - 2 / (9.0 * a)
    denom = 1 + x * (2 / (a - 4.0)) ** 0.5
    if denom == 0:
        return np.nan
    term2 = np.sign(denom) * ((1 - 2.0 / a) / abs(denom)) ** (1 / 3)
    return float((term1 - term2) / (2 / (9.0 * a)) ** 0.5)


def _omnibus(rm: ResidualMoments) -> OmnibusResult:
    if rm.n < 8:
        warnings.warn(
            f"omni_normtest is not valid with less than 8 observations; {rm.n} samples "
            "were given: returning NaN",
            UserWarning,
            stacklevel=3,
        )
        return OmnibusResult(np.nan, np.nan)
    with np.errstate(all="ignore"):
        k2 = _skew_z(rm.skew(), rm.n) ** 2 + _kurtosis_z(rm.kurtosis(), rm.n) ** 2
    return OmnibusResult(float(k2), float(stats.chi2.sf(k2, 2)))


# -------------------------------------------------------------------- the footer
def footer_statistics(problem, coef, intercept) -> dict:
    """The statistics of statsmodels' summary footer, from one pass over the rows.

    Parameters
    ----------
    problem : LeastSquaresProblem or SourceProblem
        A single-target problem (in memory, :func:`linreg.scan` or Dask).
    coef : ndarray of shape (n_features,)
    intercept : float

    Returns
    -------
    dict
        ``"Omnibus"``, ``"Prob(Omnibus)"`` (D'Agostino-Pearson K^2, chi-square(2) under
        normal errors), ``"Skew"``, ``"Kurtosis"`` (Pearson's, 3 for the normal),
        ``"Durbin-Watson"``, ``"Jarque-Bera (JB)"`` and ``"Prob(JB)"`` (chi-square(2)),
        of the residuals, whitened ``sqrt(w) r`` for a weighted fit (statsmodels' WLS
        ``wresid``); Durbin-Watson in the rows' order.  Omnibus is NaN (with a warning)
        below 8 observations, as in statsmodels.
    """
    rm = residual_moments(problem, coef, intercept)
    jb = _jarque_bera(rm)
    omni = _omnibus(rm)
    return {
        "Omnibus": omni.statistic,
        "Prob(Omnibus)": omni.pvalue,
        "Skew": jb.skew,
        "Kurtosis": jb.kurtosis,
        "Durbin-Watson": rm.durbin_watson(),
        "Jarque-Bera (JB)": jb.jb,
        "Prob(JB)": jb.jb_pv,
    }


def footer_lines(stats: dict, condition_number: float) -> list[str]:
    """statsmodels' footer table (78 characters wide, without its rules): the left
    column Omnibus, Prob(Omnibus), Skew, Kurtosis, the right one Durbin-Watson,
    Jarque-Bera (JB), Prob(JB), Cond. No., formatted as statsmodels formats them."""
    left = [
        ("Omnibus:", f"{stats['Omnibus']:#6.3f}"),
        ("Prob(Omnibus):", f"{stats['Prob(Omnibus)']:#6.3f}"),
        ("Skew:", f"{stats['Skew']:#6.3f}"),
        ("Kurtosis:", f"{stats['Kurtosis']:#6.3f}"),
    ]
    right = [
        ("Durbin-Watson:", f"{stats['Durbin-Watson']:#8.3f}"),
        ("Jarque-Bera (JB):", f"{stats['Jarque-Bera (JB)']:#8.3f}"),
        ("Prob(JB):", f"{stats['Prob(JB)']:#8.3g}"),
        ("Cond. No.", f"{condition_number:#8.3g}"),
    ]
    return [_cell(*a, 37) + "   " + _cell(*b, 38) for a, b in zip(left, right)]


def _cell(label: str, value: str, width: int) -> str:
    value = value.strip()
    return f"{label}{value:>{max(width - len(label), len(value) + 1)}}"


# ------------------------------------------------------ residual-based statistics
def jarque_bera(model, X=None, y=None, sample_weight=None, *, target=0) -> JarqueBeraResult:
    """The Jarque-Bera test of normal errors on the model's residuals.

    ``JB = n/6 (S^2 + (K - 3)^2 / 4)`` with ``S`` the sample skewness and ``K`` Pearson's
    sample kurtosis (biased moments about the residuals' mean) of the residuals,
    whitened ``sqrt(w) r`` for a weighted fit; asymptotically chi-square(2) under the
    null of normal errors.  statsmodels' ``jarque_bera(resid)``: returns
    ``(jb, jb_pv, skew, kurtosis)``.  One pass over the rows (in memory, scan, Dask);
    ``X, y`` for a model that no longer references its data.

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    return _jarque_bera(_moments_of(model, X, y, sample_weight, target))


def omni_normtest(model, X=None, y=None, sample_weight=None, *, target=0) -> OmnibusResult:
    """D'Agostino and Pearson's omnibus test of normal errors on the model's residuals.

    ``K^2 = Z_s^2 + Z_k^2``, the squared normal scores of the sample skewness
    (D'Agostino) and kurtosis (Anscombe-Glynn) of the (whitened) residuals, as
    ``scipy.stats.normaltest``; chi-square(2) under normal errors.  statsmodels'
    ``omni_normtest(resid)``: ``(statistic, pvalue)``, NaN (with a warning) below 8
    observations.  One pass over the rows.

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    return _omnibus(_moments_of(model, X, y, sample_weight, target))


def durbin_watson(model, X=None, y=None, sample_weight=None, *, target=0) -> float:
    """The Durbin-Watson statistic ``sum_t (u_t - u_{t-1})^2 / sum_t u_t^2`` of the
    (whitened) residuals in the rows' order (a file's order for a scan, the partitions'
    order for Dask).  Near 2 without first-order autocorrelation, towards 0 with
    positive and 4 with negative autocorrelation; its null distribution depends on X
    (Durbin-Watson bounds), so no p-value is given, as in statsmodels'
    ``durbin_watson(resid)``.  One pass over the rows.

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    return _moments_of(model, X, y, sample_weight, target).durbin_watson()


# ---------------------------------------------------------- Breusch-Pagan (a pass)
class _SquaredResidualMoments:
    """Chunk function: the (unweighted) Moments of ``[X, u^2]`` over rows of positive
    weight, ``u`` the whitened residuals (picklable for Dask)."""

    def __init__(self, residuals: _Residuals):
        self.residuals = residuals

    def __call__(self, X, Y, w):
        from ..moments import Moments

        Xk, u = self.residuals.whitened(X, Y, w)
        if u.size == 0:  # every row of the chunk has zero weight
            return Moments.empty(X.shape[1], 1)
        return Moments.of_chunk(Xk, (u * u)[:, None])


def het_breuschpagan(
    model, robust=True, X=None, y=None, sample_weight=None, *, target=0
) -> LMTestResult:
    """The Breusch-Pagan test of heteroscedasticity against the model's regressors.

    The auxiliary regression of the squared residuals ``u^2`` on a constant and the
    model's features (statsmodels' ``het_breuschpagan(res.resid, res.model.exog)``)
    gives ``lm = n R^2`` (Koenker's studentized version, ``robust=True``, R's
    ``bptest`` default) or ``lm = ESS / 2`` of ``u^2 / mean(u^2)`` (the original test,
    ``robust=False``); chi-square with ``k`` degrees of freedom (``k`` the number of
    regressors besides the constant) under homoscedasticity.  ``fval`` is the
    auxiliary regression's F statistic, F(k, n - k - 1).  Returns
    ``(lm, lm_pvalue, fvalue, f_pvalue)``.

    One more pass over the rows (the Moments of ``[X, u^2]``), so it runs on a scan and
    on Dask.  Weighted fits use the whitened residuals ``sqrt(w) r``; aliased features
    are left out of the auxiliary regression (its degrees of freedom are its rank, where
    statsmodels assumes full rank).  The auxiliary regression always has a constant.

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    robust : bool, default True
        Koenker's studentized statistic ``n R^2`` (True) or Breusch and Pagan's
        ``ESS / 2`` (False).
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    fit = _Fit(model, X, y, sample_weight, target)
    problem = fit.problem
    if not has_chunks(problem):
        raise ValueError("het_breuschpagan needs the training data: pass X, y")
    residuals = _Residuals(problem, fit.coef, fit.intercept)
    m = chunk_sum(problem, _SquaredResidualMoments(residuals))
    keep = np.ones(problem.n_features, dtype=bool)
    keep[fit.aliased] = False
    n = int(m.n_samples)
    if _exact_fit(n * float(m.y_mean[0]), fit.moments, residuals.scale):
        _warn_exact("the Breusch-Pagan test is")
        return LMTestResult(*NAN_LM)
    ess, tss, rank = _moments_regression(m, keep)
    with np.errstate(all="ignore"):  # u^2 constant: NaN
        lm = n * ess / tss if robust else ess / m.y_mean[0] ** 2 / 2
    return _lm_result(lm, ess, tss - ess, rank, n - rank - 1, rank)


def _moments_regression(m, keep):
    """``(ESS, TSS, rank)`` of the regression of the Moments' target on a constant and
    the kept features, from the centred cross-products (correlation scaling, then an
    eigendecomposition with numpy's ``matrix_rank`` tolerance)."""
    G = m.xtx[np.ix_(keep, keep)]
    g = m.xty[keep, 0]
    tss = float(m.yty[0, 0])
    d = np.sqrt(np.diag(G))
    ok = d > 0
    G, g, d = G[np.ix_(ok, ok)], g[ok], d[ok]
    if d.size == 0:
        return 0.0, tss, 0
    lam, V = np.linalg.eigh(G / np.outer(d, d))
    big = lam > lam.max() * d.size * EPS
    c = V[:, big].T @ (g / d)
    return float(np.sum(c * c / lam[big])), tss, int(big.sum())


def _lm_result(lm, ess, rss, df_model, df_resid, df_lm) -> LMTestResult:
    with np.errstate(all="ignore"):
        fval = (ess / df_model) / (rss / df_resid) if df_model > 0 else np.nan
    return LMTestResult(
        float(lm),
        float(stats.chi2.sf(lm, df_lm)),
        float(fval),
        float(stats.f.sf(fval, df_model, df_resid)),
    )


# ---------------------------------------------------- auxiliary regressions (arrays)
def _orthonormal_basis(B: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the column space of ``B`` (columns scaled to unit norm,
    then an SVD truncated at numpy's ``matrix_rank`` tolerance)."""
    if B.shape[1] == 0:
        return np.zeros((B.shape[0], 0))
    norms = np.linalg.norm(B, axis=0)
    B = B[:, norms > 0] / norms[norms > 0]
    if B.shape[1] == 0:
        return np.zeros((B.shape[0], 0))
    U, s, _ = np.linalg.svd(B, full_matrices=False)
    return U[:, s > s.max() * max(B.shape) * EPS]


def _residualize(Q: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``Z`` minus its projection on the orthonormal ``Q`` (twice: reorthogonalized)."""
    for _ in range(2):
        Z = Z - Q @ (Q.T @ Z)
    return Z


class _Added(NamedTuple):
    """What adding the columns ``E`` to the regression of y on ``B`` changes."""

    delta: float  # RSS(B) - RSS(B, E)
    rss_restricted: float  # RSS(B)
    rss: float  # RSS(B, E)
    tss: float  # the centred (or raw, without constant) total sum of squares
    k_added: int  # rank of E beyond B
    rank: int  # rank of [constant, B, E]


def _added_variables(y, B, E, constant: bool) -> _Added:
    """The regression of ``y`` on ``[1, B]`` (without the 1 unless ``constant``) and
    the change in the residual sum of squares from adding ``E``, computed by
    projections (Frisch-Waugh-Lovell), never as a difference of two RSS."""
    if constant:
        y, B, E = y - y.mean(), B - B.mean(axis=0), E - E.mean(axis=0)
    Qb = _orthonormal_basis(B)
    r = _residualize(Qb, y[:, None])[:, 0]
    Qe = _orthonormal_basis(_residualize(Qb, E))
    c = Qe.T @ r
    rss = _residualize(Qe, r[:, None])[:, 0]
    return _Added(
        float(c @ c),
        float(r @ r),
        float(rss @ rss),
        float(y @ y),
        Qe.shape[1],
        Qb.shape[1] + Qe.shape[1] + int(constant),
    )


def _design(fit: _Fit, X) -> np.ndarray:
    """The model's regressors without aliased columns (statsmodels' exog less its
    constant)."""
    keep = np.ones(X.shape[1], dtype=bool)
    keep[fit.aliased] = False
    return X[:, keep]


def het_white(model, X=None, y=None, sample_weight=None, *, target=0) -> LMTestResult:
    """White's test of heteroscedasticity (statsmodels' ``het_white(res.resid,
    res.model.exog)``).

    The squared residuals are regressed on a constant, the regressors, their squares
    and cross products (``exog[:, i] * exog[:, j]``, ``i <= j``, duplicates removed by
    the rank); ``lm = n R^2`` is chi-square with the auxiliary regression's model
    degrees of freedom under homoscedasticity, ``fval`` its F statistic.  Returns
    ``(lm, lm_pvalue, fvalue, f_pvalue)``.  In memory only.  Weighted fits use the
    whitened residuals ``sqrt(w) r`` against the unweighted regressors.  The auxiliary
    regression has the constant and the linear terms whether or not the model has an
    intercept (statsmodels requires a constant among exog).

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    fit = _Fit(model, X, y, sample_weight, target)
    Xa, ya, w = fit.arrays("het_white")
    u = fit.residuals(Xa, ya)
    if w is not None:
        u = u * np.sqrt(w)
    if _exact_fit(float(u @ u), fit.moments):
        _warn_exact("White's test is")
        return LMTestResult(*NAN_LM)
    Z = np.column_stack([np.ones(len(u)), _design(fit, Xa)])
    i0, i1 = np.triu_indices(Z.shape[1])
    products = Z[:, i0] * Z[:, i1]
    products = products[:, np.ptp(products, axis=0) > 0]  # the constant is the 1
    a = _added_variables(u * u, np.zeros((len(u), 0)), products, True)
    n = len(u)
    return _lm_result(n * a.delta / a.tss, a.delta, a.rss, a.k_added, n - a.rank, a.k_added)


def acorr_breusch_godfrey(
    model, nlags=None, X=None, y=None, sample_weight=None, *, target=0
) -> LMTestResult:
    """The Breusch-Godfrey test of residual autocorrelation up to order ``nlags``.

    The residuals ``u_t`` are regressed on the model's regressors, a constant and
    ``u_{t-1}, ..., u_{t-nlags}`` (zeros before the first row); ``lm = n R^2`` is
    chi-square(nlags) under no autocorrelation, ``fval`` the F(nlags, n - k) test of
    the lags' coefficients.  ``nlags=None``: ``min(10, n // 5)``.  Returns
    ``(lm, lmpval, fval, fpval)`` as statsmodels' ``acorr_breusch_godfrey(res)``.
    In memory only (rows in the order given).

    Weighted fits: the test of the whitened regression ``sqrt(w) y`` on
    ``sqrt(w) [1, X]`` (WLS as OLS on whitened data), i.e. statsmodels'
    ``acorr_breusch_godfrey`` on ``OLS(sqrt(w) y, sqrt(w) exog).fit()`` (statsmodels'
    own on a WLS result mixes unweighted residuals and regressors).

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    nlags : int, optional
        Highest lag; default ``min(10, n // 5)``.
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    fit = _Fit(model, X, y, sample_weight, target)
    fit.penalized("acorr_breusch_godfrey")
    Xa, ya, w = fit.arrays("acorr_breusch_godfrey")
    u = fit.residuals(Xa, ya)
    B = _design(fit, Xa)
    n = len(u)
    if nlags is None:
        nlags = min(10, n // 5)
    nlags = int(nlags)
    if nlags < 1:
        raise ValueError(f"nlags must be a positive integer, got {nlags}")
    if w is not None:
        u = u * np.sqrt(w)
        B = _weighted_design(B, w, fit.fit_intercept)
    if _exact_fit(float(u @ u), fit.moments):
        _warn_exact("the Breusch-Godfrey test is")
        return LMTestResult(*NAN_LM)
    padded = np.concatenate([np.zeros(nlags), u])
    lags = np.column_stack([padded[nlags - j : nlags - j + n] for j in range(1, nlags + 1)])
    a = _added_variables(u, B, lags, True)
    ess = a.tss - a.rss_restricted + a.delta
    with np.errstate(all="ignore"):
        fval = (a.delta / nlags) / (a.rss / (n - a.rank))
    lm = n * ess / a.tss
    return LMTestResult(
        float(lm),
        float(stats.chi2.sf(lm, nlags)),
        float(fval),
        float(stats.f.sf(fval, nlags, n - a.rank)),
    )


def _weighted_design(B, w, fit_intercept) -> np.ndarray:
    """The whitened design ``sqrt(w) [1, B]``, the features centred at their weighted
    means (the same column space, well conditioned whatever the offsets)."""
    root = np.sqrt(w)
    if not fit_intercept:
        return B * root[:, None]
    centred = B - (w @ B) / w.sum()
    return np.column_stack([root, centred * root[:, None]])


def linear_reset(
    model, power=3, test_type="fitted", use_f=False, X=None, y=None, sample_weight=None,
    *, target=0,
) -> WaldTestResult:
    """Ramsey's RESET test of neglected nonlinearity (statsmodels' ``linear_reset``).

    The regression is augmented with powers ``2..power`` (or the listed powers) of the
    fitted values (``test_type="fitted"``), of each non-binary regressor (``"exog"``)
    or of the first principal component of the regressors (``"princomp"``); the Wald
    statistic of the added coefficients being 0, with the nonrobust covariance of the
    augmented regression, is chi-square(q) (``use_f=False``) or, divided by q,
    F(q, n - k_aug) (``use_f=True``) under a correct linear specification.  Returns an
    object with statsmodels' ``ContrastResults`` names (``statistic``, ``pvalue``,
    ``df_num``, ``df_denom``, ``distribution``, ``fvalue`` for F).  In memory only.

    Weighted fits: the augmented regression is weighted least squares with the model's
    weights (statsmodels' ``linear_reset`` on a WLS result refits without them).

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    power : int or list of int, default 3
        Powers ``2..power``, or the listed powers (each >= 2).
    test_type : {"fitted", "exog", "princomp"}, default "fitted"
        What the powers are taken of.
    use_f : bool, default False
        F test (True) or chi-square test (False).
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    fit = _Fit(model, X, y, sample_weight, target)
    fit.penalized("linear_reset")
    powers = _powers(power)
    Xa, ya, w = fit.arrays("linear_reset")
    B = _design(fit, Xa)
    aug = _reset_columns(fit, Xa, ya, B, test_type)
    u = fit.residuals(Xa, ya) * (1.0 if w is None else np.sqrt(w))
    exact = _exact_fit(float(u @ u), fit.moments)
    E = np.column_stack([aug**p for p in powers])
    q = E.shape[1]
    if w is None:
        a = _added_variables(ya, B, E, fit.fit_intercept)
    else:
        root = np.sqrt(w)
        a = _added_variables(
            ya * root, _weighted_design(B, w, fit.fit_intercept), E * root[:, None], False
        )
    df_resid = len(ya) - a.rank
    if exact:
        _warn_exact("the RESET test is")
        chi2 = np.nan
    else:
        with np.errstate(all="ignore"):
            chi2 = a.delta / (a.rss / df_resid)
    if use_f:
        return WaldTestResult(chi2 / q, q, df_resid)
    return WaldTestResult(chi2, q)


def _powers(power) -> np.ndarray:
    if isinstance(power, (int, np.integer)):
        if power < 2:
            raise ValueError("power must be >= 2")
        return np.arange(2, int(power) + 1)
    powers = np.asarray(power, dtype=int)
    if powers.ndim != 1 or len(set(powers.tolist())) != powers.size or (powers < 2).any():
        raise ValueError("power must contain distinct integers all >= 2")
    return powers


def _reset_columns(fit, X, y, B, test_type) -> np.ndarray:
    """The columns whose powers RESET adds (statsmodels' three ``test_type``)."""
    if test_type == "fitted":
        return (y - fit.residuals(X, y))[:, None]
    if test_type == "exog":
        binary = ((B == B.max(axis=0)) | (B == B.min(axis=0))).all(axis=0)
        if binary.all():
            raise ValueError("Model contains only constant or binary data")
        return B[:, ~binary]
    if test_type == "princomp":
        Z = B
        if fit.fit_intercept:
            Z = B - B.mean(axis=0)
            Z = Z / Z.std(axis=0)
        U, s, _ = np.linalg.svd(Z, full_matrices=False)
        return U[:, :1] * s[0]
    raise ValueError(f"test_type must be 'fitted', 'exog' or 'princomp', got {test_type!r}")


def het_goldfeldquandt(
    model, idx=None, split=None, drop=None, alternative="increasing", X=None, y=None,
    sample_weight=None, *, target=0,
) -> GoldfeldQuandtResult:
    """The Goldfeld-Quandt test that the error variance differs between two subsamples.

    The rows (sorted by feature ``idx`` if given: a position in X, as ``coef_``, or a
    feature name; statsmodels' ``idx`` counts the constant column of exog too) are split
    at ``split`` (a row index, a fraction, or ``n // 2``), ``drop`` rows (or that
    fraction) after it left out; the model is refitted on each part and
    ``fval = s2^2 / s1^2`` (mean squared residuals) is F(df2, df1) under equal
    variances.  ``alternative``: "increasing" (second variance larger; p-value
    ``P(F(df1, df2) > fval)`` as statsmodels), "decreasing" or "two-sided".  Returns
    ``(fval, pval, ordering)``.  In memory only.  Weighted fits refit each part by
    weighted least squares (rows of zero weight removed first).

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model (a formula model of :func:`linreg.ols` too).
    idx : int or str, optional
        The feature to sort the rows by (position in X or name); None keeps their order.
    split : int or float, optional
        Last row of the first subsample (exclusive), or that fraction of the rows;
        default ``n // 2``.
    drop : int or float, optional
        Rows (or fraction of rows) after ``split`` left out.
    alternative : {"increasing", "decreasing", "two-sided"}, default "increasing"
    X, y, sample_weight : array-like, optional
        The training data again (the model matrix for a formula model), for a model that
        no longer references it (after unpickling), as for ``summary()``.
    target : int, default 0
        Which column of a 2-D y.
    """
    fit = _Fit(model, X, y, sample_weight, target)
    fit.penalized("het_goldfeldquandt")
    if alternative not in ("increasing", "decreasing", "two-sided"):
        raise ValueError(
            "alternative must be 'increasing', 'decreasing' or 'two-sided', got "
            f"{alternative!r}"
        )
    Xa, ya, w = fit.arrays("het_goldfeldquandt")
    u = fit.residuals(Xa, ya) * (1.0 if w is None else np.sqrt(w))
    if _exact_fit(float(u @ u), fit.moments):
        _warn_exact("the Goldfeld-Quandt test is")
        return GoldfeldQuandtResult(np.nan, np.nan, alternative)
    n = len(ya)
    split = n // 2 if split is None else int(n * split) if 0 < split < 1 else int(split)
    start2 = split if drop is None else split + (int(n * drop) if 0 < drop < 1 else int(drop))
    if idx is not None:
        order = np.argsort(Xa[:, _feature_index(fit, idx)])
        Xa, ya = Xa[order], ya[order]
        w = None if w is None else w[order]
    B = _design(fit, Xa)
    mse1, df1 = _mse(fit, ya[:split], B[:split], None if w is None else w[:split])
    mse2, df2 = _mse(fit, ya[start2:], B[start2:], None if w is None else w[start2:])
    with np.errstate(all="ignore"):
        fval = mse2 / mse1
    if not (np.isfinite(fval) and fval > 0):
        warnings.warn(
            f"Goldfeld-Quandt: a subsample's residual variance is undefined or zero "
            f"(mean squared residuals {mse1:.3g} and {mse2:.3g}, residual degrees of "
            f"freedom {df1} and {df2}): the test is undefined (NaN)",
            UserWarning,
            stacklevel=2,
        )
        return GoldfeldQuandtResult(np.nan, np.nan, alternative)
    if alternative == "increasing":
        pval = stats.f.sf(fval, df1, df2)
    elif alternative == "decreasing":
        pval = stats.f.sf(1.0 / fval, df2, df1)
    else:
        pval = 2 * min(stats.f.cdf(fval, df2, df1), stats.f.sf(fval, df2, df1))
    return GoldfeldQuandtResult(float(fval), float(pval), alternative)


def _feature_index(fit, idx) -> int:
    if isinstance(idx, str):
        if idx not in fit.names:
            raise ValueError(f"idx {idx!r} is not a feature of the model ({fit.names})")
        return fit.names.index(idx)
    idx = int(idx)
    if not -len(fit.names) <= idx < len(fit.names):
        raise ValueError(f"idx must index the {len(fit.names)} features, got {idx}")
    return idx


def _mse(fit, y, B, w):
    """Mean squared residual and residual degrees of freedom of a subsample's refit."""
    if w is None:
        a = _added_variables(y, B, np.zeros((len(y), 0)), fit.fit_intercept)
    else:
        root = np.sqrt(w)
        a = _added_variables(
            y * root, _weighted_design(B, w, fit.fit_intercept), np.zeros((len(y), 0)), False
        )
    df = len(y) - a.rank
    return (a.rss / df if df > 0 else np.nan), df


# ------------------------------------------------------------------- collinearity
def variance_inflation_factor(model) -> np.ndarray:
    """Variance inflation factors of the model's features, from its Moments (no pass).

    ``VIF_j = 1 / (1 - R_j^2)``, ``R_j^2`` of the regression of feature j on the other
    features and the constant: statsmodels'
    ``[variance_inflation_factor(exog, j) for j in 1..p]`` with the constant in exog
    (statsmodels' default ``standardize=True`` centres the columns, so the VIFs are the
    centred ones with or without an intercept in the model).  Computed as the diagonal
    of the inverse correlation matrix of the Moments, so an offset in a column does not
    cost digits.  Weighted fits: the VIFs of the weighted regressions.  Returns an
    array of shape (n_features,): inf for the features of an exact linear dependence
    (the aliased ones and those they are combinations of), NaN for constant features.

    Parameters
    ----------
    model : LinearRegression or FormulaModel
        A fitted linreg model; only its Moments are read.
    """
    from sklearn.utils.validation import check_is_fitted

    estimator = _estimator(model)
    check_is_fitted(estimator)
    m = estimator.moments_
    p = m.n_features
    G = m.xtx
    d = np.sqrt(np.diag(G))
    vif = np.full(p, np.nan)
    ok = d > 0
    if not ok.all():
        names = [n for n, good in zip(estimator._feature_labels(), ok) if not good]
        warnings.warn(
            f"variance_inflation_factor: constant feature(s) {', '.join(names)}: their "
            "VIF is undefined (NaN)",
            UserWarning,
            stacklevel=2,
        )
    if not ok.any():
        return vif
    C = G[np.ix_(ok, ok)] / np.outer(d[ok], d[ok])
    lam, V = np.linalg.eigh(C)  # ascending
    # The null space: as many directions as the fit found aliased columns, or those
    # numerically singular.
    n_null = len([j for j in estimator.solution_.aliased if ok[j]])
    null = (lam <= lam.max() * C.shape[0] * EPS) | (np.arange(lam.size) < n_null)
    with np.errstate(divide="ignore"):
        diag = np.sum(V[:, ~null] ** 2 / lam[~null], axis=1)
    involved = (np.abs(V[:, null]) > np.sqrt(EPS)).any(axis=1)
    vif[ok] = np.where(involved, np.inf, diag)
    return vif
