"""Statistical inference for a fitted linear model, with statsmodels' names.

``Summary`` holds the estimates of one target and everything statsmodels' OLS/WLS
results report, computed from the Moments (plus, where the data is still in memory,
one more pass for exact residuals and robust covariances):

``params, bse, tvalues, pvalues, conf_int(alpha), rsquared, rsquared_adj, fvalue,
f_pvalue, llf, aic, bic, df_model, df_resid, mse_resid, ssr, ess, nobs,
cov_params(), condition_number``.

Conventions (statsmodels' and R's): the intercept is the first parameter, named
``const`` (``Intercept``, or another free label, when a feature is called ``const``:
labels never collide); without an intercept R^2 is uncentred; t and F distributions use
``df_resid``; a weighted fit is WLS (residuals and regressors scaled by sqrt(w)).

Observations of weight zero carry no information and are left out of ``nobs`` and the
degrees of freedom, as R's ``lm`` does (and statsmodels' WLS on the rows of positive
weight): ``nobs`` counts the positive weights, ``df_resid = nobs - rank``.

Rank deficiency: ``params`` are the model's own coefficients (``intercept_, coef_``, the
minimum-norm least-squares solution), one set of numbers everywhere.  A parameter the
data cannot identify (its unit vector is not in the row space of the design: it moves
along a direction that leaves the fitted values unchanged) has standard error, t, p and
interval NaN and is listed in ``not_identified``; ``aliased`` names the columns the rank
rule found to be linear combinations of earlier ones.  The identified parameters are the
same for every least-squares solution, and their standard errors are R's (the fit
without the aliased columns, ``rank`` degrees of freedom).

Undefined statistics are NaN, never an exception: R^2 of a constant target (total sum
of squares 0, noted in the printed table), and everything that divides by
``df_resid = 0``.  Sums of squares are kept scaled by a power of two of y's spread as
well, so R^2, F and the log-likelihood are right where ``ssr`` itself under- or
overflows (y of order 1e-160 or 1e200).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from ..solution import AccuracyWarning
from . import covariance
from .chunks import chunk_sum, has_chunks
from .chunks import weight_log_sum as _weight_log_sum
from .covariance import HC_TYPES, SE_RTOL, safe_product, scaled_residual_sum_of_squares

COV_TYPES = ("nonrobust", *HC_TYPES, "cluster", "HAC")

#: The keywords (statsmodels' ``cov_kwds``) each covariance type takes.
COV_KWDS = {
    "cluster": ("groups", "use_correction", "df_correction"),
    "HAC": ("maxlags", "kernel", "weights_func", "use_correction"),
}

#: Entries of a null-space vector below this fraction of its largest are rounding.
NULL_RTOL = 1e-6

#: Residuals whose RMS is below this many eps times y's magnitude are rounding.
EXACT_FIT = 64.0

EPS = float(np.finfo(np.float64).eps)


class Summary:
    """Inference for one target of a fitted LinearRegression or Ridge.

    Create it with ``model.summary(cov_type=..., alpha=..., target=...)``.
    """

    #: With absorbed effects: the lines describing them, and fixest's number of effect
    #: coefficients (R-squared is then the within R-squared).
    absorbed = None
    k_absorbed = 0

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
        not_identified=None,
        scaled_ss=None,
        n_groups=None,
        df_resid_inference=None,
        cov_kwds=None,
        diagnostics=None,
        residual_rows=None,
    ):
        self.names = list(names)
        self.params = np.asarray(params, dtype=np.float64)
        if cov_bse is None:
            cov_bse, cov_corr = _split_covariance(cov)
        # cov = bse_i bse_j corr_ij: standard errors are kept as such, so that they are
        # right wherever they are representable (their squares need not be).
        self._bse = np.asarray(cov_bse, dtype=np.float64)
        self._corr = np.asarray(cov_corr, dtype=np.float64)
        self._interval = _restore_scalars(interval)
        self.ssr = float(ssr)
        self.nobs = float(nobs)
        self.df_model = float(df_model)
        self.df_resid = float(df_resid)
        self.k_constant = int(k_constant)
        self.cov_type = cov_type
        self.alpha = alpha
        self.aliased = list(aliased)
        # Older model files: the aliased terms were the ones without estimates.
        self.not_identified = list(aliased if not_identified is None else not_identified)
        self.condition_number = float(condition_number)
        self.penalized = penalized
        self._tss = float(tss)
        self._weight_log_sum = float(weight_log_sum)
        self._fvalue = fvalue
        self.use_t = bool(use_t)
        # Cluster-robust: clusters (two-way: a pair) and statsmodels' df for t and F
        # (n_groups - 1 with df_correction); cov_kwds: the covariance's options as
        # plain values (no labels).
        if isinstance(n_groups, list):
            n_groups = tuple(int(g) for g in n_groups)
        self.n_groups = n_groups
        self.df_resid_inference = None if df_resid_inference is None else float(df_resid_inference)
        self.cov_kwds = dict(cov_kwds or {})
        # The footer's residual statistics (statsmodels' Omnibus, Durbin-Watson, ...):
        # stored (model files) or computed on first use from ``residual_rows``
        # ``(problem, coef, intercept)``, one more pass over the rows.
        self._diagnostics = None if diagnostics is None else dict(diagnostics)
        self._residual_rows = residual_rows
        # (ssr, tss) / y_scale^2 and y_scale (a power of two): ratios and logs of sums of
        # squares that under- or overflow in the user's units (older files: unscaled).
        if scaled_ss is None:
            scaled_ss = {"ssr": self.ssr, "tss": self._tss, "y_scale": 1.0}
        self._scaled_ss = {k: float(v) for k, v in scaled_ss.items()}

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
    def df_inference(self) -> float:
        """Degrees of freedom of t and F: ``df_resid_inference`` where set (clusters
        less one), else ``df_resid``."""
        return self.df_resid if self.df_resid_inference is None else self.df_resid_inference

    @property
    def distribution(self):
        """Student's t with :attr:`df_inference` degrees of freedom, or the normal
        (``use_t`` False)."""
        return stats.t(self.df_inference) if self.use_t else stats.norm()

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
        """Centred R^2 with an intercept, uncentred without (statsmodels, NIST); NaN
        for a constant target (total sum of squares 0: R^2 is undefined)."""
        ssr, tss = self._scaled_ss["ssr"], self._scaled_ss["tss"]
        return 1 - ssr / tss if tss > 0 else np.nan

    @property
    def rsquared_adj(self) -> float:
        k_fe = self.k_absorbed
        if k_fe:  # fixest's adjusted within R^2: (n - k_fe) / (n - k - k_fe)
            df = self.nobs - self.df_model - k_fe
            return 1 - (self.nobs - k_fe) / df * (1 - self.rsquared) if df > 0 else np.nan
        if self.df_resid <= 0:
            return np.nan  # a saturated fit: no residual degrees of freedom
        return 1 - (self.nobs - self.k_constant) / self.df_resid * (1 - self.rsquared)

    @property
    def fvalue(self) -> float:
        """F statistic of all slopes being zero (a Wald test under robust covariance)."""
        if self._fvalue is not None:
            return self._fvalue
        ssr, tss = self._scaled_ss["ssr"], self._scaled_ss["tss"]
        if self.df_model <= 0 or self.df_resid <= 0 or not (ssr > 0 and tss > 0):
            return np.nan  # no slopes, no residual degrees of freedom, or an exact fit
        return ((tss - ssr) / self.df_model) / (ssr / self.df_resid)

    @property
    def f_pvalue(self) -> float:
        """``P(F > fvalue)`` with ``(df_model, df_inference)`` degrees of freedom."""
        if not (self.df_model > 0 and self.df_inference > 0):
            return np.nan
        return float(stats.f.sf(self.fvalue, self.df_model, self.df_inference))

    @property
    def llf(self) -> float:
        """Gaussian log-likelihood at the estimates (WLS: plus half the log weights)."""
        half_n = self.nobs / 2
        if half_n <= 0:
            return np.nan
        # log(ssr) = log(ssr / y_scale^2) + 2 log(y_scale): right where ssr under- or
        # overflows; an exact fit (ssr 0) has llf +inf, as in statsmodels.
        with np.errstate(divide="ignore"):
            log_ssr = np.log(self._scaled_ss["ssr"]) + 2 * np.log(self._scaled_ss["y_scale"])
        return float(
            -half_n * log_ssr - (1 + np.log(np.pi / half_n)) * half_n + self._weight_log_sum / 2
        )

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * (self.df_model + self.k_constant)

    @property
    def bic(self) -> float:
        return -2 * self.llf + np.log(self.nobs) * (self.df_model + self.k_constant)

    @property
    def aicc(self) -> float:
        """AIC with the small-sample correction ``2 k (k + 1) / (nobs - k - 1)``
        (k = ``df_model + k_constant``, as statsmodels' ``info_criteria``)."""
        k = self.df_model + self.k_constant
        if self.nobs - k - 1 <= 0:
            return np.nan
        return self.aic + 2 * k * (k + 1) / (self.nobs - k - 1)

    @property
    def hqic(self) -> float:
        """Hannan-Quinn: ``-2 llf + 2 log(log(nobs)) k`` (statsmodels' ``hqic``)."""
        k = self.df_model + self.k_constant
        if self.nobs <= 1:
            return np.nan
        return -2 * self.llf + 2 * np.log(np.log(self.nobs)) * k

    @property
    def diagnostics(self) -> dict | None:
        """statsmodels' summary footer: ``Omnibus``, ``Prob(Omnibus)``, ``Skew``,
        ``Kurtosis``, ``Durbin-Watson`` (rows in the data's order), ``Jarque-Bera (JB)``,
        ``Prob(JB)`` of the (whitened) residuals (see
        :func:`linreg.inference.diagnostics.footer_statistics`); computed on first use,
        by one more pass over the training rows; None when the rows are not available
        (a summary loaded from an older model file)."""
        if self._diagnostics is None and self._residual_rows is not None:
            from .diagnostics import footer_statistics

            problem, coef, intercept = self._residual_rows
            with warnings.catch_warnings():
                # Below 8 rows Omnibus is NaN (printed as nan): no warning at print time.
                warnings.simplefilter("ignore")
                self._diagnostics = footer_statistics(problem, coef, intercept)
            self._residual_rows = None  # the rows are not kept alive by the summary
        return self._diagnostics

    # ------------------------------------------------------------ tests
    def t_test(self, r_matrix, use_t=None):
        """t tests of linear restrictions ``R params = q`` under this covariance
        (statsmodels' ``t_test``; see :func:`linreg.inference.hypothesis.t_test`)."""
        from .hypothesis import t_test

        return t_test(self, r_matrix, use_t=use_t)

    def f_test(self, r_matrix):
        """The joint F test of ``R params = q`` (statsmodels' ``f_test``)."""
        from .hypothesis import f_test

        return f_test(self, r_matrix)

    def wald_test(self, r_matrix, use_f=None, scalar=True):
        """The joint Wald test of ``R params = q`` (statsmodels' ``wald_test``)."""
        from .hypothesis import wald_test

        return wald_test(self, r_matrix, use_f=use_f, scalar=scalar)

    def compare_f_test(self, restricted):
        """``(F, p, df_diff)`` of this model against a nested ``restricted`` one
        (statsmodels' ``compare_f_test``)."""
        from .anova import compare_f_test

        return compare_f_test(self, restricted)

    def get_prediction(self, X, *, model=None, weights=None):
        """Means and intervals at new rows X under this covariance
        (statsmodels' ``get_prediction``; ``.summary_frame(alpha)``); ``weights``: WLS
        weights of the new rows."""
        from .prediction import get_prediction

        return get_prediction(self, X, model=model, weights=weights)

    @property
    def notes(self) -> list[str]:
        """Why statistics are NaN or how to read them (rank deficiency, no residual
        degrees of freedom, a constant target, penalized or robust covariance): the
        notes under the printed table, as sentences."""
        return _notes(self)

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
            "not_identified": [int(i) for i in self.not_identified],
            "scaled_ss": dict(self._scaled_ss),
            "condition_number": self.condition_number,
            "penalized": bool(self.penalized),
            "use_t": self.use_t,
            "fvalue": self._fvalue,
            "n_groups": list(self.n_groups) if isinstance(self.n_groups, tuple) else self.n_groups,
            "df_resid_inference": self.df_resid_inference,
            "cov_kwds": dict(self.cov_kwds),
            "diagnostics": None if self.diagnostics is None else dict(self.diagnostics),
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


def _restore_scalars(interval):
    """The interval factor with its scalars as floats: a model file writes a NaN
    (``sigma`` without residual degrees of freedom) as the string "NaN"."""
    if interval is None:
        return None
    out = dict(interval)
    for key in ("sigma", "resid_sd", "weight_sum"):
        if isinstance(out.get(key), str):
            out[key] = float(out[key].replace("Infinity", "inf"))
    return out


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
        (
            "R-squared" + (" (within)" if s.k_absorbed else "" if s.k_constant else " (uncentred)"),
            f"{s.rsquared:.4f}",
        ),
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
        if i in s.not_identified:
            value = f"{s.params[i]:>11.4g}" if np.isfinite(s.params[i]) else f"{'NA':>11}"
            lines.append(f"{name:<{name_width}} {value} {'not identified (rank deficient)':>34}")
            continue
        lines.append(
            f"{name:<{name_width}} {s.params[i]:>11.4g} {s.bse[i]:>11.4g} "
            f"{_statistic(s.tvalues[i]):>9} {s.pvalues[i]:>8.3f} {ci[i, 0]:>11.4g} "
            f"{ci[i, 1]:>11.4g}"
        )
    lines.append("=" * max(width, len(head)))
    footer = s.diagnostics
    if footer is None:
        condition = f"Condition number of the design: {s.condition_number:.3g}."
        return "\n".join([*lines, condition, *s.notes])
    from .diagnostics import footer_lines

    lines += [*footer_lines(footer, s.condition_number), "=" * max(width, len(head))]
    return "\n".join(lines + s.notes)


def _notes(s: Summary) -> list[str]:
    """The printed table's notes (:attr:`Summary.notes`)."""
    notes = list(getattr(s, "absorbed", None) or []) + _rank_notes(s)
    if not s.df_resid > 0:
        absorbed = f" + {s.k_absorbed} absorbed effects" if s.k_absorbed else ""
        notes.append(
            f"No residual degrees of freedom (nobs {s.nobs:.0f} = rank "
            f"{s.df_model + s.k_constant:.0f}{absorbed}): standard errors, tests and "
            "intervals are undefined (NaN)."
        )
    if not s._scaled_ss["tss"] > 0:
        notes.append(
            "R-squared is undefined (NaN): "
            + (
                "the target is constant."
                if s._scaled_ss.get("constant", 1.0)
                else "y's squares underflow in the Moments (summarize with the data)."
            )
        )
    if s.penalized:
        notes.append(
            "Penalized estimator: covariance of the ridge estimator at this alpha "
            "(biased towards zero; tests are conditional on alpha)."
        )
    if s.cov_type in HC_TYPES:
        notes.append(f"Standard errors are heteroscedasticity robust ({s.cov_type}).")
    elif s.cov_type in ("cluster", "HAC"):
        notes.append(_sandwich_note(s))
    return notes


def _sandwich_note(s: Summary) -> str:
    """statsmodels' description of a cluster or HAC covariance, with the clusters."""
    kw = s.cov_kwds
    if s.cov_type == "HAC":
        correction = "with" if kw.get("use_correction") else "without"
        return (
            "Standard errors are heteroscedasticity and autocorrelation robust (HAC) using "
            f"{kw.get('maxlags')} lags and {correction} small sample correction "
            f"({kw.get('kernel', 'bartlett')} kernel)."
        )
    groups = s.n_groups
    if isinstance(groups, tuple):
        counted = f"two-way, {groups[0]} and {groups[1]} groups"
    else:
        counted = f"{groups} groups"
    df = "" if s.df_resid_inference is None else f"; df for t and F {s.df_resid_inference:.0f}"
    return f"Standard errors are robust to cluster correlation (CRV1; {counted}{df})."


def _statistic(t: float) -> str:
    """A t or z value in at most 9 characters."""
    return f"{t:.3f}" if abs(t) < 1e5 or not np.isfinite(t) else f"{t:.3g}"


def _rank_notes(s: Summary) -> list[str]:
    """What a rank-deficient fit reports: aliased columns, parameters not identified."""
    notes = []
    if s.aliased:
        aliased = ", ".join(s.names[i] for i in s.aliased)
        notes.append(f"Aliased (linear combinations of earlier columns): {aliased}.")
    if s.not_identified:
        terms = ", ".join(s.names[i] for i in s.not_identified)
        notes.append(
            f"Not identified by the data: {terms}; their standard errors are NaN, their "
            "estimates those of coef_ (the minimum-norm solution, or 0 for columns left "
            "out)."
        )
    return notes


def summarize(
    model, problem, target: int, cov_type: str, alpha: float, use_t=None, *, cov_kwds=None
) -> Summary:
    """Build the :class:`Summary` of ``target`` for a fitted model on ``problem``.

    ``use_t=None`` follows statsmodels: t tests for the nonrobust covariance, normal
    (z) tests for the robust ones.
    """
    cov_kwds = dict(cov_kwds or {})
    ssc = cov_kwds.pop("ssc", None)
    absorbed = getattr(model, "absorbed_", None)
    if ssc is not None and absorbed is None:
        raise ValueError("ssc= (fixest's small-sample corrections) applies to absorbed effects")
    cov_type, options, use_t = _cov_options(cov_type, cov_kwds, use_t)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    solution = model.solution_
    if not 0 <= target < problem.n_targets:
        raise ValueError(f"target must be in [0, {problem.n_targets}), got {target!r}")
    single = problem.single_target(target) if problem.n_targets > 1 else problem
    if cov_type == "cluster":  # bad labels fail before any pass over the data
        from .cluster import resolve_groups

        options["grouping"] = resolve_groups(single, options["groups"])
    penalized = single.penalized
    aliased = [] if penalized else list(solution.aliased)
    keep = np.ones(single.n_features, dtype=bool)
    keep[aliased] = False
    coef, intercept = _estimable_fit(single, keep, solution, target)
    m = single.get_moments()
    k_const = int(single.fit_intercept)
    rank = int(keep.sum()) + k_const
    n = n_observations(single, getattr(model, "_positive_weights", None))
    df_resid = n - rank
    dof = None
    if absorbed is not None:  # fixest's counts of the absorbed effects
        from ..fixed_effects.inference import absorbed_degrees

        dof = absorbed_degrees(absorbed, n, rank, cov_type, options.get("grouping"), ssc)
        df_resid = dof["df_resid"]
        cov_type = dof["cov_type"]
        options.update(dof["options"])
    ss = _sums_of_squares(single, m, coef, intercept, df_resid)
    names = parameter_names(model._feature_labels(), k_const)
    sigma = ss["sigma"]
    hc1 = n / df_resid if df_resid > 0 else np.nan
    factor = _covariance(single, coef, cov_type, aliased, sigma, hc1, options, n, rank)
    bse, corr = factor.standard_errors_and_correlation()
    saturated = dof is not None and not df_resid > 0
    if saturated:
        # the effects use up every residual degree of freedom: the residuals are zero by
        # construction and no covariance is estimated (the table's note says so)
        bse = np.full_like(bse, np.nan)
    index = np.r_[np.arange(k_const), k_const + np.flatnonzero(keep)].astype(int)
    _warn_about(factor, cov_type, [names[i] for i in index])
    fvalue = np.nan if saturated else _robust_fvalue(factor, cov_type, coef, keep)
    sandwich_fields = _sandwich_fields(factor, cov_type, options)
    if dof is not None:
        cov_type = dof["cov_name"]
        if dof.get("df_t") is not None and "df_resid_inference" not in sandwich_fields:
            sandwich_fields["df_resid_inference"] = dof["df_t"]
    left_out = solution.diagnostics.get("unresolved", ())
    unknown = not_identified(single, aliased, left_out)
    all_bse, all_corr = _expand(bse, corr, index, k_const + single.n_features, unknown)
    # The estimates are the model's own: one set of coefficients everywhere.
    all_params = np.asarray(solution.coef[target], dtype=np.float64)
    if k_const:
        all_params = np.r_[solution.intercept[target], all_params]
    summary = Summary(
        names=names,
        params=all_params,
        cov_bse=all_bse,
        cov_corr=all_corr,
        interval={
            **factor.interval_factor(),
            "resid_sd": sigma,
            **_null_interval_factor(single, aliased, left_out),
        },
        ssr=ss["ssr"],
        tss=ss["tss"],
        nobs=n,
        df_model=rank - k_const,
        df_resid=df_resid,
        k_constant=k_const,
        weight_log_sum=_weight_log_sum(single),
        cov_type=cov_type,
        alpha=alpha,
        aliased=[k_const + j for j in aliased],
        condition_number=_condition_number(m, k_const, keep),
        penalized=penalized,
        use_t=(cov_type == "nonrobust") if use_t is None else use_t,
        fvalue=fvalue,
        not_identified=unknown,
        **sandwich_fields,
        residual_rows=_residual_rows(single, solution, target),
        scaled_ss=ss["scaled"],
    )
    if dof is not None:
        summary.k_absorbed = dof["k_absorbed"]
    return summary


def _sums_of_squares(problem, m, coef, intercept, df_resid) -> dict:
    """``ssr``, ``tss`` in the user's units, the residual standard deviation ``sigma``
    (right even where the RSS leaves the float64 range) and ``scaled``: the sums of
    squares divided by ``y_scale^2`` (a power of two) with ``y_scale`` and whether the
    target is constant; warns when the residuals are at the rounding level of y."""
    rss, y_scale = scaled_residual_sum_of_squares(problem, coef[None, :], np.array([intercept]))
    tss_scaled = _scaled_total_sum_of_squares(problem, m, y_scale)
    with np.errstate(over="ignore", under="ignore"):
        ssr = float(safe_product(rss[0], y_scale, y_scale))
        tss = float(safe_product(tss_scaled, y_scale, y_scale))
    constant = _target_is_constant(problem, m, tss_scaled)
    if df_resid > 0 and (constant or tss_scaled > 0):
        _warn_if_exact(problem, m, rss[0], tss_scaled, y_scale)
    sigma = float(safe_product(np.sqrt(rss[0] / df_resid), y_scale)) if df_resid > 0 else np.nan
    scaled = {
        "ssr": float(rss[0]),
        "tss": tss_scaled,
        "y_scale": float(y_scale),
        "constant": float(constant),
    }
    return {"ssr": ssr, "tss": tss, "sigma": sigma, "scaled": scaled}


def _robust_fvalue(factor, cov_type: str, coef, keep):
    """The Wald F of the slopes under a robust covariance (None for "nonrobust", whose
    F comes from the sums of squares)."""
    if cov_type == "nonrobust":
        return None
    if cov_type == "cluster" and len(factor.n_groups) == 1 and factor.n_groups[0] <= keep.sum():
        # Fewer clusters than slopes plus one: the one-way meat has rank below the number
        # of slopes, the Wald F is undefined (Stata reports it missing).
        return np.nan
    return factor.wald_fvalue(coef[keep])


def _residual_rows(problem, solution, target):
    """``(problem, coef, intercept)`` for the footer's residual pass, or None when the
    rows cannot be passed over (Moments only)."""
    if not has_chunks(problem):
        return None
    coef = np.asarray(solution.coef[target], dtype=np.float64)
    return problem, coef, float(np.asarray(solution.intercept)[target])


def _expand(bse, corr, index, full, unknown):
    """Standard errors and correlations of the estimated terms (``index``) spread over
    all ``full`` terms: NaN for the aliased ones and for those ``unknown`` (not
    identified)."""
    all_bse = np.full(full, np.nan)
    all_bse[index] = bse
    all_corr = np.full((full, full), np.nan)
    all_corr[np.ix_(index, index)] = corr
    all_bse[unknown] = np.nan
    all_corr[unknown, :] = np.nan
    all_corr[:, unknown] = np.nan
    return all_bse, all_corr


def _estimable_fit(single, keep, solution, target):
    """``(coef, intercept)`` of the fit on the kept columns (aliased entries 0): R's
    basic solution, whose residuals and covariance are those of every least-squares
    solution on the identified terms."""
    coef = solution.coef[target]
    intercept = solution.intercept[target]
    if keep.all():
        return coef, intercept
    from ..solvers import LeastSquaresProblem, solve

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
    return coef, fit.intercept[0]


def parameter_names(feature_labels, k_const: int) -> list[str]:
    """Labels of (intercept, features): the intercept is ``const`` (statsmodels) unless
    a feature has that name, then the first free one of ``Intercept``, ``(Intercept)``,
    ``const_``, ``const__``, ...: labels never collide."""
    labels = [str(n) for n in feature_labels]
    if not k_const:
        return labels
    taken = set(labels)
    candidates = ["const", "Intercept", "(Intercept)"]
    label = next((c for c in candidates if c not in taken), None)
    suffix = "_"
    while label is None:
        label = None if "const" + suffix in taken else "const" + suffix
        suffix += "_"
    return [label, *labels]


def n_observations(problem, recorded=None) -> int:
    """Observations that carry information: the rows of positive weight (R's ``lm``
    leaves zero weights out of ``nobs`` and the degrees of freedom); ``recorded`` is
    the count the model kept at fit time, for when only the Moments are left."""
    if problem.weights is not None:
        return int(np.count_nonzero(np.asarray(problem.weights) > 0))
    source = getattr(problem, "source", None)
    if source is not None and getattr(source, "weighted", False) and not problem.has_data:
        return int(chunk_sum(problem, _PositiveWeights()))
    if recorded is not None and not problem.has_data and source is None:
        return int(recorded)
    return int(problem.n_samples)


class _PositiveWeights:
    """Number of positive weights in a chunk (a class: Dask pickles it)."""

    def __call__(self, X, Y, w):
        return int(X.shape[0]) if w is None else int(np.count_nonzero(w > 0))


def _target_is_constant(problem, m, tss_scaled) -> bool:
    """Whether y is constant (a total sum of squares 0 that is not an underflow): from
    the data when it can be passed over, else from the Moments where y's mean is large
    enough for a spread that underflows to be below its rounding."""
    if tss_scaled > 0:
        return False
    if not problem.fit_intercept:
        return True  # the uncentred sum of squares is 0 only for y = 0 (or underflow)
    if has_chunks(problem):
        return bool(chunk_sum(problem, _Spread(m.y_mean[0])) == 0)
    return bool(abs(m.y_mean[0]) > 1e-140)


class _Spread:
    """Largest ``|y - centre|`` of a chunk (a class: Dask pickles it); chunk_sum adds
    the chunks' maxima, which is 0 exactly when every one is."""

    def __init__(self, centre):
        self.centre = centre

    def __call__(self, X, Y, w):
        return float(np.max(np.abs(Y[:, 0] - self.centre), initial=0.0))


def _scaled_total_sum_of_squares(problem, m, y_scale) -> float:
    """Total sum of squares (centred with an intercept) divided by ``y_scale^2``: from
    the Moments when y's squares are representable, else from a pass over the data
    (the residual sum of squares of the slopes 0)."""
    if y_scale == 1.0:
        return float(m.yty[0, 0] if problem.fit_intercept else m.uncentred()[-1, -1])
    zero = np.zeros((1, problem.n_features))
    intercept = np.array([m.y_mean[0] if problem.fit_intercept else 0.0])
    rss, scale = scaled_residual_sum_of_squares(problem, zero, intercept)
    with np.errstate(over="ignore", under="ignore"):
        return float(safe_product(rss[0], scale / y_scale, scale / y_scale))


def not_identified(problem, aliased, left_out=()) -> list[int]:
    """Positions in (intercept, coef) of the parameters the data cannot identify: those
    that the null space of the design moves (a parameter is identified when its unit
    vector is in the row space).  Columns ``left_out`` (coefficient 0 in the model: the
    basic solution, R's convention) are listed themselves and move nothing else.

    The null space is spanned by one vector per aliased column ``j``: ``e_j - gamma_j``
    in equilibrated coordinates, ``gamma_j`` the regression of column ``j`` on the kept
    ones (from the Moments' Gram matrix); with an intercept, its component is
    ``-xbar' beta_v`` (``beta_v`` the vector in the user's units).  Entries below
    ``1e-6`` of the vector's largest (equilibrated, so scale invariant) are rounding.
    """
    left_out = [int(j) for j in left_out]
    aliased = [int(j) for j in aliased if j not in left_out]
    k_const = int(problem.fit_intercept)
    basic = [k_const + j for j in left_out]
    if not aliased:
        return basic
    return sorted(set(basic) | set(_moved_by_null_space(problem, aliased, left_out)))


def _moved_by_null_space(problem, aliased, left_out) -> list[int]:
    """Parameters moved by the null vectors of the ``aliased`` columns on the columns
    kept (neither aliased nor left out): :func:`not_identified`."""
    m = problem.get_moments()
    p, k_const = problem.n_features, int(problem.fit_intercept)
    beta = null_vectors(problem, aliased, left_out)
    if beta is None:
        return list(range(k_const + p))  # extreme units: vouch for nothing
    moved = np.any(beta != 0, axis=1)
    if not k_const:
        return [int(j) for j in np.flatnonzero(moved)]
    with np.errstate(all="ignore"):
        xbar = m.x_mean
        shift = np.abs(xbar @ beta) * np.sqrt(m.weight_sum)
        # Each column's contribution to the fitted values along the null vector.
        norms = np.sqrt(np.diag(m.xtx) + m.weight_sum * xbar**2)
        reach = (np.abs(beta) * norms[:, None]).max(axis=0)
        intercept_moved = bool(np.any(shift > NULL_RTOL * reach))
    return ([0] if intercept_moved else []) + [1 + int(j) for j in np.flatnonzero(moved)]


def null_vectors(problem, aliased, left_out=()) -> np.ndarray | None:
    """Slopes ``(p, r)`` spanning the directions in which the least-squares solutions
    differ (one per aliased column ``j``: ``e_j - gamma_j`` in equilibrated
    coordinates, ``gamma_j`` the regression of column ``j`` on the kept ones, from the
    Moments' Gram matrix), in the user's units; entries below ``NULL_RTOL`` of their
    vector's largest (equilibrated, so scale invariant) are rounding and set to 0.
    None when the Gram matrix is not representable."""
    m = problem.get_moments()
    p, aliased = problem.n_features, list(aliased)
    keep = np.ones(p, dtype=bool)
    keep[aliased + list(left_out)] = False
    with np.errstate(all="ignore"):
        G = m.xtx if problem.fit_intercept else m.uncentred()[:p, :p]
        d = np.sqrt(np.diag(G))
        d = np.where(np.isfinite(d) & (d > 0), d, 1.0)
        Gs = G / d[:, None] / d[None, :]
        if not np.all(np.isfinite(Gs)):
            return None
        kept = np.flatnonzero(keep)
        null = np.zeros((p, len(aliased)))
        null[aliased, np.arange(len(aliased))] = 1.0
        if kept.size:
            gram, cross = Gs[np.ix_(kept, kept)], Gs[np.ix_(kept, aliased)]
            null[kept] = -np.linalg.lstsq(gram, cross, rcond=None)[0]
        size = np.abs(null).max(axis=0, initial=0.0)
        null = np.where(np.abs(null) > NULL_RTOL * size, null, 0.0)
        return null / d[:, None]


def _null_interval_factor(problem, aliased, left_out) -> dict:
    """What prediction intervals need to tell an estimable point from one that is
    not (:func:`linreg.intervals.prediction_intervals`): the null slopes and the
    centre they act about."""
    aliased = [j for j in aliased if j not in set(left_out)]
    if not aliased:
        return {}
    beta = null_vectors(problem, aliased, left_out)
    if beta is None:
        return {}
    m = problem.get_moments()
    centre = m.x_mean if problem.fit_intercept else np.zeros(problem.n_features)
    return {"null": beta.tolist(), "null_centre": np.asarray(centre).tolist()}


def _cov_options(cov_type, cov_kwds, use_t):
    """``(cov_type, options, use_t)``: the covariance type by its canonical name
    ("hac" is "HAC", "hc3" is "HC3") and its keywords checked against statsmodels' (``use_t`` in
    ``cov_kwds`` is taken as statsmodels takes it)."""
    options = dict(cov_kwds or {})
    canonical = {kind.lower(): kind for kind in COV_TYPES}  # statsmodels ignores case
    if isinstance(cov_type, str) and cov_type.lower() in canonical:
        cov_type = canonical[cov_type.lower()]
    if cov_type not in COV_TYPES:
        raise ValueError(f"unknown cov_type {cov_type!r}; choose one of {', '.join(COV_TYPES)}")
    if "use_t" in options:
        given = options.pop("use_t")
        use_t = given if use_t is None else use_t
    allowed = COV_KWDS.get(cov_type, ())
    unknown = [k for k in options if k not in allowed]
    if unknown:
        owner = {k: t for t, keys in COV_KWDS.items() for k in keys}
        key = unknown[0]
        if key in owner:
            raise ValueError(
                f"{key}= applies to cov_type={owner[key]!r}, not to cov_type={cov_type!r}"
            )
        takes = ", ".join(allowed) if allowed else "no keywords"
        raise ValueError(f"unknown keyword {key!r} for cov_type={cov_type!r} (it takes {takes})")
    if cov_type == "cluster" and options.get("groups") is None:
        raise ValueError('cov_type="cluster" needs groups= (cluster labels, one per row)')
    if cov_type == "HAC":
        if options.get("maxlags") is None:
            raise ValueError('cov_type="HAC" needs maxlags= (the number of lags, as statsmodels)')
        if "kernel" in options and "weights_func" in options:
            raise ValueError("give the HAC kernel once: kernel= or weights_func=, not both")
        from .hac import kernel_weights

        kernel = options.pop("weights_func", options.pop("kernel", "bartlett"))
        options["weights"], options["kernel"] = kernel_weights(kernel, options["maxlags"])
    return cov_type, options, use_t


def _sandwich_fields(factor, cov_type, options) -> dict:
    """Summary's ``n_groups``, ``df_resid_inference`` and ``cov_kwds`` (plain values)."""
    if cov_type == "HAC":
        kw = {
            "maxlags": int(options["maxlags"]),
            "kernel": options["kernel"],
            "use_correction": bool(options.get("use_correction", False)),
        }
        return {"cov_kwds": kw}
    if cov_type != "cluster":
        return {}
    counts = factor.n_groups
    kw = {
        "use_correction": bool(options.get("use_correction", True)),
        "df_correction": options.get("df_correction", True) is not False,
    }
    if options["grouping"].names is not None:
        names = options["grouping"].names
        kw["groups"] = names[0] if len(names) == 1 else list(names)
    n_groups = counts[0] if len(counts) == 1 else tuple(counts)
    df = min(counts) - 1 if kw["df_correction"] else None
    return {"n_groups": n_groups, "df_resid_inference": df, "cov_kwds": kw}


def _covariance(problem, coef, cov_type, aliased, sigma, hc1_factor, options=None, nobs=None,
                rank=None):  # fmt: skip
    """The :class:`~linreg.covariance.CentredCovariance` of one target."""
    if cov_type == "nonrobust":
        return covariance.nonrobust(problem, aliased, sigma)
    y_scale = sigma if np.isfinite(sigma) and sigma > 0 else 1.0
    if cov_type == "cluster":
        from .cluster import cluster_covariance

        factor, factor.n_groups = cluster_covariance(
            problem, coef[None, :], aliased, y_scale, options["grouping"], nobs=nobs,
            rank=options.get("cluster_rank", rank),
            use_correction=bool(options.get("use_correction", True)),
            min_groups=bool(options.get("min_groups", False)),
        )  # fmt: skip
        return factor
    if cov_type == "HAC":
        from .hac import hac_covariance

        return hac_covariance(
            problem, coef[None, :], aliased, y_scale, options["weights"], nobs=nobs, rank=rank,
            use_correction=bool(options.get("use_correction", False)),
        )  # fmt: skip
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
    _warn_about_sandwich(factor, cov_type, names)
    if factor.undefined and cov_type in HC_TYPES:
        terms = ", ".join(repr(names[j]) for j in factor.undefined)
        warnings.warn(
            f"{cov_type} standard errors of {terms} are undefined (NaN): "
            f"{factor.lev_one} observation(s) have leverage 1 to working precision (the fit "
            "reproduces them exactly, so their residuals carry no information); HC0/HC1 "
            "are defined",
            AccuracyWarning,
            stacklevel=4,
        )


def _warn_about_sandwich(factor, cov_type, names):
    """AccuracyWarnings for cluster/HAC variances that are undefined: one cluster, or
    negative (two-way ``V0 + V1 - V01`` and non-Bartlett HAC need not be positive)."""
    counts = getattr(factor, "n_groups", None)
    if counts is not None and min(counts) < 2:
        warnings.warn(
            "cluster-robust standard errors are undefined (NaN): the groups have only "
            f"{min(counts)} cluster(s); the scores of one cluster sum to zero",
            AccuracyWarning,
            stacklevel=5,
        )
        return
    negative = getattr(factor, "negative", [])
    if negative:
        what = "V0 + V1 - V01 (two-way clustering)" if counts else "the HAC meat (this kernel)"
        terms = ", ".join(repr(names[j]) for j in negative)
        warnings.warn(
            f"{cov_type} standard errors of {terms} are undefined (NaN): their variance "
            f"from {what} is negative, the covariance estimate is not positive "
            "semidefinite",
            AccuracyWarning,
            stacklevel=5,
        )


def _warn_if_exact(problem, m, rss_scaled, tss_scaled, y_scale) -> None:
    """An AccuracyWarning when the residuals are at the rounding level of y (an exact
    fit, e.g. a constant target): their spread, and so every standard error, t and p,
    is then rounding noise, however many digits are printed."""
    w_sum = float(m.weight_sum)
    if not w_sum > 0:
        return
    level = np.sqrt(tss_scaled / w_sum)
    if problem.fit_intercept:
        level += abs(float(m.y_mean[0])) / y_scale
    if np.sqrt(rss_scaled / w_sum) <= EXACT_FIT * EPS * level:
        warnings.warn(
            "the model fits the target exactly to working precision (the residuals are "
            "at the rounding level of y): standard errors, t and p values reflect "
            "rounding only",
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
    from ..moments import Moments

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
    # The matrix divided by a power of two c near its largest entry, each entry formed
    # as cross/c + W mean_i mean_j / c with exponents added apart (safe_product): the
    # uncentred cross products overflow float64 for columns of ~1e154 and more, where
    # the ratio of eigenvalues (invariant under the scaling) is still defined.
    cross = m.cross[: m.n_features, : m.n_features][np.ix_(keep, keep)]
    mean = np.asarray(m.x_mean, dtype=np.float64)[keep]
    if k_const:
        mean = np.r_[1.0, mean]
        cross = np.pad(cross, ((1, 0), (1, 0)))
    if not mean.size:
        return np.nan
    with np.errstate(over="ignore", under="ignore"):
        diag = np.maximum(np.abs(np.diag(cross)), safe_product(m.weight_sum, mean, mean))
        _, e = np.frexp(np.max(diag) if np.max(diag) > 0 else 1.0)
        inv_c = np.ldexp(1.0, -int(e))
        raw = safe_product(cross, inv_c) + safe_product(
            m.weight_sum, mean[:, None], mean[None, :], inv_c
        )
    if not np.isfinite(raw).all():
        return np.nan
    eig = np.linalg.eigvalsh(raw)
    return float(np.sqrt(eig[-1]) / np.sqrt(eig[0])) if eig[0] > 0 else np.inf
