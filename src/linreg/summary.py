"""Statistical inference for a fitted linear model, with statsmodels' names.

``Summary`` holds the estimates of one target and everything statsmodels' OLS/WLS
results report, computed from the Moments (plus, where the data is still in memory,
one more pass for exact residuals and robust covariances):

``params, bse, tvalues, pvalues, conf_int(alpha), rsquared, rsquared_adj, fvalue,
f_pvalue, llf, aic, bic, df_model, df_resid, mse_resid, ssr, ess, nobs,
cov_params(), condition_number``.

Conventions (statsmodels' and R's): the intercept is the first parameter, named
``const``; without an intercept R^2 is uncentred; t and F distributions use
``df_resid``; a weighted fit is WLS (residuals and regressors scaled by sqrt(w)).
Aliased (linearly dependent) terms are reported as NaN, as R shows NA, and the other
terms are the fit without them, with ``rank`` degrees of freedom.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from . import covariance
from .chunks import weight_log_sum as _weight_log_sum
from .covariance import HC_TYPES, SE_RTOL, safe_product, scaled_residual_sum_of_squares
from .solution import AccuracyWarning

COV_TYPES = ("nonrobust", *HC_TYPES)


class Summary:
    """Inference for one target of a fitted LinearRegression or Ridge.

    Create it with ``model.summary(cov_type=..., alpha=..., target=...)``.
    """

    def __init__(
        self,
        *,
        names,
        params,
        ssr,
        tss,
        nobs,
        df_model,
        df_resid,
        k_constant,
        weight_log_sum,
        cov_type,
        alpha,
        aliased,
        condition_number,
        penalized,
        use_t=True,
        fvalue=None,
        cov=None,
        cov_bse=None,
        cov_corr=None,
        interval=None,
    ):
        self.names = list(names)
        self.params = np.asarray(params, dtype=np.float64)
        if cov_bse is None:
            cov_bse, cov_corr = _split_covariance(cov)
        # cov = bse_i bse_j corr_ij: standard errors are kept as such, so that they are
        # right wherever they are representable (their squares need not be).
        self._bse = np.asarray(cov_bse, dtype=np.float64)
        self._corr = np.asarray(cov_corr, dtype=np.float64)
        self._interval = interval
        self.ssr = float(ssr)
        self.nobs = float(nobs)
        self.df_model = float(df_model)
        self.df_resid = float(df_resid)
        self.k_constant = int(k_constant)
        self.cov_type = cov_type
        self.alpha = alpha
        self.aliased = list(aliased)
        self.condition_number = float(condition_number)
        self.penalized = penalized
        self._tss = float(tss)
        self._weight_log_sum = float(weight_log_sum)
        self._fvalue = fvalue
        self.use_t = bool(use_t)

    # ------------------------------------------------------------ estimates
    @property
    def mse_resid(self) -> float:
        return self.ssr / self.df_resid if self.df_resid > 0 else np.nan

    @property
    def scale(self) -> float:
        return self.mse_resid

    def cov_params(self) -> np.ndarray:
        """Covariance of ``params`` (NaN rows and columns for aliased terms); entries
        whose true value exceeds the float64 range are inf (``bse`` stays finite)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return safe_product(self._bse[:, None], self._bse[None, :], self._corr)

    @property
    def bse(self) -> np.ndarray:
        return self._bse.copy()

    @property
    def tvalues(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.params / self.bse

    @property
    def distribution(self):
        """Student's t with ``df_resid`` degrees of freedom, or the normal (``use_t``)."""
        return stats.t(self.df_resid) if self.use_t else stats.norm()

    @property
    def pvalues(self) -> np.ndarray:
        return 2 * self.distribution.sf(np.abs(self.tvalues))

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """``(n_params, 2)`` confidence intervals at level ``1 - alpha``."""
        q = self.distribution.ppf(1 - alpha / 2)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    # ------------------------------------------------------------ fit measures
    @property
    def centered_tss(self) -> float:
        return self._tss

    @property
    def ess(self) -> float:
        return self._tss - self.ssr

    @property
    def rsquared(self) -> float:
        """Centred R^2 with an intercept, uncentred without (statsmodels, NIST)."""
        return 1 - self.ssr / self._tss

    @property
    def rsquared_adj(self) -> float:
        if self.df_resid <= 0:
            return np.nan  # a saturated fit: no residual degrees of freedom
        return 1 - (self.nobs - self.k_constant) / self.df_resid * (1 - self.rsquared)

    @property
    def fvalue(self) -> float:
        """F statistic of all slopes being zero (a Wald test under robust covariance)."""
        if self._fvalue is not None:
            return self._fvalue
        return (self.ess / self.df_model) / self.mse_resid

    @property
    def f_pvalue(self) -> float:
        return float(stats.f.sf(self.fvalue, self.df_model, self.df_resid))

    @property
    def llf(self) -> float:
        """Gaussian log-likelihood at the estimates (WLS: plus half the log weights)."""
        half_n = self.nobs / 2
        return float(
            -half_n * np.log(self.ssr)
            - (1 + np.log(np.pi / half_n)) * half_n
            + self._weight_log_sum / 2
        )

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * (self.df_model + self.k_constant)

    @property
    def bic(self) -> float:
        return -2 * self.llf + np.log(self.nobs) * (self.df_model + self.k_constant)

    # ------------------------------------------------------------ storage
    def to_dict(self) -> dict:
        """Everything the summary is computed from, as plain Python values (for model
        files); :meth:`from_dict` rebuilds an equal Summary."""
        return {
            "names": list(self.names),
            "params": self.params.tolist(),
            "cov": self.cov_params().tolist(),
            "cov_bse": self._bse.tolist(),
            "cov_corr": self._corr.tolist(),
            "interval": self._interval,
            "ssr": self.ssr,
            "tss": self._tss,
            "nobs": self.nobs,
            "df_model": self.df_model,
            "df_resid": self.df_resid,
            "k_constant": self.k_constant,
            "weight_log_sum": self._weight_log_sum,
            "cov_type": self.cov_type,
            "alpha": self.alpha,
            "aliased": [int(i) for i in self.aliased],
            "condition_number": self.condition_number,
            "penalized": bool(self.penalized),
            "use_t": self.use_t,
            "fvalue": self._fvalue,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Summary:
        """The Summary that :meth:`to_dict` described."""
        data = dict(data)
        data["params"] = np.asarray(data["params"], dtype=np.float64)
        for key in ("cov", "cov_bse", "cov_corr"):
            if data.get(key) is not None:
                data[key] = np.asarray(data[key], dtype=np.float64)
        if data.get("cov_bse") is not None:
            data.pop("cov", None)
        return cls(**data)

    # ------------------------------------------------------------ printing
    def __str__(self) -> str:
        return format_summary(self, self.alpha)

    def __repr__(self) -> str:
        return f"<linreg.Summary: {len(self.params)} params, cov_type={self.cov_type!r}>"


def format_summary(s: Summary, alpha: float = 0.05) -> str:
    """A plain-text table in the spirit of statsmodels' ``summary()``."""
    width = 78
    title = "Ridge regression (penalized)" if s.penalized else "Least squares regression"
    left = [
        ("No. observations", f"{s.nobs:.0f}"),
        ("Df residuals", f"{s.df_resid:.0f}"),
        ("Df model", f"{s.df_model:.0f}"),
        ("Covariance type", s.cov_type),
    ]
    right = [
        ("R-squared" + ("" if s.k_constant else " (uncentred)"), f"{s.rsquared:.4f}"),
        ("Adj. R-squared", f"{s.rsquared_adj:.4f}"),
        ("F-statistic", f"{s.fvalue:.4g}"),
        ("Prob (F-statistic)", f"{s.f_pvalue:.3g}"),
        ("Log-likelihood", f"{s.llf:.5g}"),
        ("AIC / BIC", f"{s.aic:.4g} / {s.bic:.4g}"),
    ]
    lines = [title.center(width), "=" * width]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ("", "")
        b = right[i] if i < len(right) else ("", "")
        lines.append(f"{a[0] + ':' if a[0] else '':<20}{a[1]:>16}   {b[0] + ':':<22}{b[1]:>17}")
    lines.append("=" * width)
    level = f"{(1 - alpha) * 100:g}%"
    stat = "t" if s.use_t else "z"
    name_width = max(10, *(len(n) for n in s.names))
    head = (
        f"{'':<{name_width}} {'coef':>11} {'std err':>11} {stat:>9} {'P>|' + stat + '|':>8} "
        f"{'[' + level:>11} {'CI]':>11}"
    )
    lines += [head, "-" * max(width, len(head))]
    ci = s.conf_int(alpha)
    for i, name in enumerate(s.names):
        if i in s.aliased:
            lines.append(f"{name:<{name_width}} {'NA (aliased)':>11}")
            continue
        lines.append(
            f"{name:<{name_width}} {s.params[i]:>11.4g} {s.bse[i]:>11.4g} "
            f"{s.tvalues[i]:>9.3f} {s.pvalues[i]:>8.3f} {ci[i, 0]:>11.4g} {ci[i, 1]:>11.4g}"
        )
    lines.append("=" * max(width, len(head)))
    notes = [f"Condition number of the design: {s.condition_number:.3g}."]
    if s.aliased:
        aliased = ", ".join(s.names[i] for i in s.aliased)
        notes.append(f"Aliased (linearly dependent) terms, not estimated: {aliased}.")
    if s.penalized:
        notes.append(
            "Penalized estimator: covariance of the ridge estimator at this alpha "
            "(biased towards zero; tests are conditional on alpha)."
        )
    if s.cov_type != "nonrobust":
        notes.append(f"Standard errors are heteroscedasticity robust ({s.cov_type}).")
    return "\n".join(lines + notes)


def summarize(model, problem, target: int, cov_type: str, alpha: float, use_t=None) -> Summary:
    """Build the :class:`Summary` of ``target`` for a fitted model on ``problem``.

    ``use_t=None`` follows statsmodels: t tests for the nonrobust covariance, normal
    (z) tests for the robust ones.
    """
    if cov_type not in COV_TYPES:
        raise ValueError(f"unknown cov_type {cov_type!r}; choose one of {', '.join(COV_TYPES)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    solution = model.solution_
    if not 0 <= target < problem.n_targets:
        raise ValueError(f"target must be in [0, {problem.n_targets}), got {target!r}")
    single = problem.single_target(target) if problem.n_targets > 1 else problem
    penalized = single.penalized
    aliased = [] if penalized else list(solution.aliased)
    keep = np.ones(single.n_features, dtype=bool)
    keep[aliased] = False
    coef = solution.coef[target]
    intercept = solution.intercept[target]
    if aliased:
        # R's convention: the terms that are estimable, fitted without the aliased ones.
        from .solvers import LeastSquaresProblem, solve

        reduced = LeastSquaresProblem(
            single.X[:, keep] if single.has_data else None,
            single.Y,
            single.weights,
            single.fit_intercept,
            single.alpha,
            None if single.has_data else _drop(single.get_moments(), keep),
        )
        fit = solve(reduced, "auto")
        coef = np.zeros(single.n_features)
        coef[keep] = fit.coef[0]
        intercept = fit.intercept[0]
    m = single.get_moments()
    k_const = int(single.fit_intercept)
    rank = int(keep.sum()) + k_const
    n = single.n_samples
    df_resid = n - rank
    rss, y_scale = scaled_residual_sum_of_squares(single, coef[None, :], np.array([intercept]))
    with np.errstate(over="ignore", under="ignore"):
        ssr = float(safe_product(rss[0], y_scale, y_scale))
    if single.fit_intercept:
        tss = m.yty[0, 0]
    else:
        tss = m.uncentred()[-1, -1]
    names = (["const"] if k_const else []) + list(model._feature_labels())
    # The residual standard deviation, right even where the RSS leaves the float64 range.
    sigma = float(safe_product(np.sqrt(rss[0] / df_resid), y_scale)) if df_resid > 0 else np.nan
    hc1 = n / df_resid if df_resid > 0 else np.nan
    factor = _covariance(single, coef, cov_type, aliased, sigma, hc1)
    bse, corr = factor.standard_errors_and_correlation()
    kept_names = [names[i] for i in np.r_[np.arange(k_const), k_const + np.flatnonzero(keep)]]
    _warn_about(factor, cov_type, kept_names)
    params = np.r_[intercept, coef[keep]] if k_const else coef[keep]
    fvalue = None
    if cov_type != "nonrobust":
        fvalue = factor.wald_fvalue(params[k_const:])
    # Expand to all terms, NaN for the aliased ones.
    full = k_const + single.n_features
    index = np.r_[np.arange(k_const), k_const + np.flatnonzero(keep)].astype(int)
    all_params = np.full(full, np.nan)
    all_params[index] = params
    all_bse = np.full(full, np.nan)
    all_bse[index] = bse
    all_corr = np.full((full, full), np.nan)
    all_corr[np.ix_(index, index)] = corr
    weight_log_sum = _weight_log_sum(single)
    return Summary(
        names=names,
        params=all_params,
        cov_bse=all_bse,
        cov_corr=all_corr,
        interval={**factor.interval_factor(), "resid_sd": sigma},
        ssr=ssr,
        tss=tss,
        nobs=n,
        df_model=rank - k_const,
        df_resid=df_resid,
        k_constant=k_const,
        weight_log_sum=weight_log_sum,
        cov_type=cov_type,
        alpha=alpha,
        aliased=[k_const + j for j in aliased],
        condition_number=_condition_number(m, k_const, keep),
        penalized=penalized,
        use_t=(cov_type == "nonrobust") if use_t is None else use_t,
        fvalue=fvalue,
    )


def _covariance(problem, coef, cov_type, aliased, sigma, hc1_factor):
    """The :class:`~linreg.covariance.CentredCovariance` of one target."""
    if cov_type == "nonrobust":
        return covariance.nonrobust(problem, aliased, sigma)
    y_scale = sigma if np.isfinite(sigma) and sigma > 0 else 1.0
    factor = covariance.robust(problem, coef[None, :], cov_type, aliased, y_scale)
    if cov_type == "HC1":
        factor.meat = factor.meat * hc1_factor
    return factor


def _warn_about(factor, cov_type, names):
    """AccuracyWarnings for standard errors the data cannot give to SE_RTOL, and for
    HC2/HC3 terms that observations of leverage 1 leave undefined."""
    if factor.error > SE_RTOL:
        warnings.warn(
            f"standard errors ({cov_type}) are accurate to about {factor.error:.1e} "
            f"relative only: {factor.cause}"
            + ("" if factor.error < 1 else "; they may have no correct digits"),
            AccuracyWarning,
            stacklevel=4,
        )
    if factor.undefined:
        terms = ", ".join(repr(names[j]) for j in factor.undefined)
        warnings.warn(
            f"{cov_type} standard errors of {terms} are undefined (NaN): "
            f"{factor.lev_one} observation(s) have leverage 1 to working precision (the fit "
            "reproduces them exactly, so their residuals carry no information); HC0/HC1 "
            "are defined",
            AccuracyWarning,
            stacklevel=4,
        )


def _split_covariance(cov):
    """``(bse, corr)`` of a covariance matrix given in full (older model files)."""
    cov = np.asarray(cov, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        bse = np.sqrt(np.diag(cov))
        corr = cov / np.outer(bse, bse)
    good = np.isfinite(bse) & (bse > 0)
    corr[np.ix_(good, good)] = np.where(
        np.isfinite(corr[np.ix_(good, good)]), corr[np.ix_(good, good)], 0.0
    )
    return bse, corr


def _drop(moments, keep):
    from .moments import Moments

    idx = np.r_[np.flatnonzero(keep), moments.n_features + np.arange(moments.n_targets)]
    return Moments(
        moments.n_samples,
        moments.weight_sum,
        moments.mean[idx],
        moments.cross[np.ix_(idx, idx)],
        int(keep.sum()),
    )


def _condition_number(m, k_const, keep) -> float:
    """statsmodels' ``condition_number``: sqrt of the eigenvalue ratio of the raw
    (uncentred, with the constant column) cross-product matrix of the design."""
    raw = m.uncentred()[: m.n_features, : m.n_features][np.ix_(keep, keep)]
    if k_const:
        s = m.weight_sum * m.x_mean[keep]
        raw = np.block([[np.array([[m.weight_sum]]), s[None, :]], [s[:, None], raw]])
    eig = np.linalg.eigvalsh(raw)
    return float(np.sqrt(eig[-1]) / np.sqrt(eig[0])) if eig[0] > 0 else np.inf
