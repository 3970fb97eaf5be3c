"""Nested-model F tests and ANOVA tables (statsmodels' ``compare_f_test`` and
``statsmodels.stats.anova.anova_lm``).

* :func:`compare_f_test` ``(full, restricted) -> (F, p, df_diff)``;
* ``linreg.anova(m1, m2, ...)``: the F tests of a sequence of nested models, the table
  ``df_resid, ssr, df_diff, ss_diff, F, Pr(>F)`` of ``anova_lm(m1, m2, ...)``;
* ``linreg.anova(formula_model, typ=1 | 2 | 3)``: sums of squares of the terms of a
  formula model (:func:`linreg.ols`), the tables of ``anova_lm(fit, typ=...)``:
  ``df, sum_sq, mean_sq, F, PR(>F)`` (type I) or ``sum_sq, df, F, PR(>F)`` (types II
  and III), rows named by the formula's terms and ``"Residual"``.

The tables of one model:

* type I (sequential): the effects ``e = Q' W^1/2 y`` of the QR factorization of the
  model matrix in column order (centred when the model has an intercept, which is then
  not listed); a term's sum of squares is the sum of its ``e_j^2`` (statsmodels'
  ``effects``).  From the training data when the fitted model still references it
  (accurate to cond(X) eps), else from the Moments (``model.moments_``: Cholesky of the
  equilibrated cross-products, accurate to cond(X)^2 eps, with a warning when that may
  matter);
* types II and III: ``SS = (L b)' (L A L')^-1 (L b)`` for the term's restriction
  matrix L, with ``A = cov / mse`` the nonrobust covariance of the Summary (its stored
  factor, computed as accurately as the Summary's standard errors) and b the
  coefficients: statsmodels' F test with the scale backed out.  Type III tests each
  term's columns (the intercept included) in the full model; type II each term after
  the others except the terms that contain it, by statsmodels' construction (the
  term's rows made orthogonal, in the metric A, to those of the terms containing it).
  Type III depends on the coding of categorical terms, as in statsmodels and R.

F statistics use the model's residual mean square (``ssr / df_resid``); these are the
classical (non-robust) tables whatever covariance a Summary was made with.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg, stats

from .._warnings import external_stacklevel

__all__ = ["anova", "compare_f_test"]

TYPES = {1: 1, "I": 1, 2: 2, "II": 2, 3: 3, "III": 3}

#: Relative agreement of total sums of squares required of models of one response.
TSS_RTOL = 1e-6


# ----------------------------------------------------------------- nested models
def compare_f_test(full, restricted):
    """F test of a model against a restricted (nested) one.

    ``F = ((ssr_r - ssr_f) / df_diff) / (ssr_f / df_f)`` with ``df_diff = df_r - df_f``
    (residual degrees of freedom), on (df_diff, df_f) degrees of freedom: statsmodels'
    ``RegressionResults.compare_f_test``.

    Parameters
    ----------
    full, restricted : Summary, fitted LinearRegression or FormulaModel

    Returns
    -------
    f_value : float
    p_value : float
    df_diff : float

    Raises
    ------
    ValueError
        Different numbers of observations, or a "restricted" model with at least as
        many parameters as the full one.
    """
    full, restricted = _summary(full, "full"), _summary(restricted, "restricted")
    _check_nested([restricted, full])
    if full.cov_type != "nonrobust" or restricted.cov_type != "nonrobust":
        warnings.warn(
            "F test for comparison is likely invalid with robust covariance, proceeding "
            "anyway (it uses the residual sums of squares only)",
            UserWarning,
            stacklevel=external_stacklevel(),
        )
    df_diff = restricted.df_resid - full.df_resid
    f_value = _f_ratio(restricted.ssr - full.ssr, df_diff, full.ssr, full.df_resid)
    return f_value, float(stats.f.sf(f_value, df_diff, full.df_resid)), df_diff


def _f_ratio(ss, df, ssr, df_resid) -> float:
    if not (df_resid > 0 and ssr > 0):
        return np.nan  # no residual degrees of freedom, or an exact fit
    return float((ss / df) / (ssr / df_resid))


def _summary(model, what):
    """The nonrobust Summary of a model (a Summary, anything with ``ssr`` and
    ``df_resid``, is taken as it is; no import of the summary module, which imports
    this one)."""
    if hasattr(model, "ssr") and hasattr(model, "df_resid"):
        summary = model
    elif hasattr(model, "summary"):
        summary = model.summary()
    else:
        raise ValueError(
            f"{what}: expected a Summary, a fitted LinearRegression or a FormulaModel, "
            f"got {type(model).__name__}"
        )
    if summary.penalized:
        raise ValueError(f"{what}: F tests of nested models need least squares fits, not Ridge")
    return summary


def _check_nested(summaries) -> None:
    """Same observations, the same response, strictly more parameters in each model."""
    first = summaries[0]
    for i, s in enumerate(summaries[1:], start=1):
        if s.nobs != first.nobs:
            raise ValueError(
                f"model {i} has {s.nobs:g} observations but model 0 has {first.nobs:g}: "
                "nested models are fitted to the same rows"
            )
        if s.k_constant == first.k_constant and not np.isclose(
            s.centered_tss, first.centered_tss, rtol=TSS_RTOL, atol=0
        ):
            raise ValueError(
                f"model {i} and model 0 have different total sums of squares "
                f"({s.centered_tss:.6g} and {first.centered_tss:.6g}): not the same response"
            )
    df = [s.df_resid for s in summaries]
    for i in range(1, len(df)):
        if not df[i] < df[i - 1]:
            raise ValueError(
                "models must be passed in order of increasing complexity (decreasing "
                f"residual degrees of freedom): model {i} has df_resid {df[i]:g}, model "
                f"{i - 1} has {df[i - 1]:g}; pass the most restricted model first"
            )


def anova(*models, typ=1, scale=None):
    """ANOVA table of one formula model, or F tests of a sequence of nested models.

    Parameters
    ----------
    *models : FormulaModel, or several Summaries / fitted models
        One model fitted with :func:`linreg.ols` (a table of its terms), or two or
        more nested models, the most restricted first.
    typ : {1, 2, 3, "I", "II", "III"}, default 1
        Type of sums of squares for one model (several models: type I only).
    scale : float, optional
        Several models: the error variance for the F statistics; default the
        residual mean square of the last (largest) model.

    Returns
    -------
    pandas.DataFrame
        statsmodels' ``anova_lm`` table.  Several models: columns ``df_resid, ssr,
        df_diff, ss_diff, F, Pr(>F)``, one row per model (``F = ss_diff / df_diff /
        scale``, p-value on (df_diff, df_resid of that row), as statsmodels).  One
        model: see the module docstring.
    """
    if typ not in TYPES:
        raise ValueError(f"typ must be one of 1, 2, 3, 'I', 'II', 'III'; got {typ!r}")
    if not models:
        raise ValueError("anova() needs a formula model or two or more nested models")
    if len(models) > 1:
        if TYPES[typ] != 1:
            raise ValueError(f"several models are compared by type I tests only; got typ={typ!r}")
        return _compare_models(models, scale)
    return _single_model(models[0], TYPES[typ])


def _compare_models(models, scale):
    import pandas as pd

    summaries = [_summary(m, f"model {i}") for i, m in enumerate(models)]
    _check_nested(summaries)
    ssr = np.array([s.ssr for s in summaries])
    df_resid = np.array([s.df_resid for s in summaries])
    scale = summaries[-1].mse_resid if not scale else float(scale)
    df_diff = np.r_[0.0, -np.diff(df_resid)]
    ss_diff = np.r_[np.nan, -np.diff(ssr)]
    with np.errstate(divide="ignore", invalid="ignore"):
        F = ss_diff / df_diff / scale
        p = stats.f.sf(F, df_diff, df_resid)
    p[np.isnan(F)] = np.nan
    return pd.DataFrame(
        {
            "df_resid": df_resid,
            "ssr": ssr,
            "df_diff": df_diff,
            "ss_diff": ss_diff,
            "F": F,
            "Pr(>F)": p,
        }
    )


# ----------------------------------------------------------------- one model
def _single_model(model, typ):
    terms = _terms(model)
    summary = _summary(model, "model")
    _refuse_aliased(summary)
    data = _weighted_design(model.model)
    if data is not None:
        rows = _from_data(data, terms, typ)
    elif typ == 1:
        rows = _type1(_effects_from_moments(model.model.moments_, summary.k_constant), terms)
    elif typ == 2:
        rows = _type2(summary, terms)
    else:
        rows = _type3(summary, terms)
    return _table(rows, summary, typ)


def _terms(model):
    """``[(name, parameter indices, factors)]`` of a formula model's terms, in the
    formula's order, the intercept named ``"Intercept"`` (patsy's and statsmodels')."""
    spec = getattr(getattr(model, "model_spec", None), "rhs", None)
    if spec is None:
        raise ValueError(
            "an ANOVA table of one model needs a formula model (linreg.ols(formula, data)); "
            "to compare nested models pass two or more"
        )
    if getattr(model.model, "alpha", None) is not None:
        raise ValueError("ANOVA tables need a least squares fit (linreg.ols), not ridge")
    if np.ndim(model.model.coef_) != 1:
        raise ValueError("ANOVA tables are computed for one response")
    k_const = int(model.model.fit_intercept)
    index = {name: k_const + j for j, name in enumerate(model.feature_names)}
    index["Intercept"] = 0
    columns = list(spec.column_names)
    terms = []
    for term in spec.terms:
        cols = columns[spec.get_slice(term)]
        name = "Intercept" if str(term) == "1" else str(term)
        factors = frozenset(str(f) for f in term.factors)
        terms.append((name, np.array([index[c] for c in cols], dtype=int), factors))
    return terms


def _refuse_aliased(summary) -> None:
    if summary.aliased:
        k = summary.k_constant
        names = ", ".join(repr(summary.names[k + j]) for j in summary.aliased)
        raise ValueError(
            f"the model matrix is rank deficient (aliased: {names}); ANOVA tables are "
            "computed for full-rank designs only"
        )


# ----------------------------------------------------------------- from the data
def _weighted_design(est):
    """``(W^1/2 [1, X], W^1/2 y)`` in parameter order from the training data the fitted
    model still references, or None (a model unpickled or fitted from a source)."""
    X, Y, w = getattr(est, "_training", (None, None, None))
    if not isinstance(X, np.ndarray) or Y is None:
        return None
    Z = np.asarray(X, dtype=np.float64)
    y = np.asarray(Y, dtype=np.float64).reshape(Z.shape[0], -1)[:, 0]
    if est.fit_intercept:
        Z = np.column_stack([np.ones(Z.shape[0]), Z])
    if w is not None:
        root = np.sqrt(np.asarray(w, dtype=np.float64))
        Z, y = Z * root[:, None], y * root
    return Z, y


def _from_data(data, terms, typ):
    """Each term's sum of squares as the squared effects of its columns in a QR
    factorization of the model matrix with the columns ordered: the model's order
    (type I); the other terms, the term, then the terms containing it (type II: the
    drop in ssr from adding the term to the model without it and its relatives); all
    other columns, then the term (type III)."""
    Z, y = data
    everything = np.arange(Z.shape[1])
    if typ == 1:
        effects = _effects(Z[:, everything], y)
        return [
            (n, float(np.sum(effects[c] ** 2)), len(c)) for n, c, _ in terms if n != "Intercept"
        ]
    rows = []
    for name, cols, factors in terms:
        if name == "Intercept" and typ != 3:
            continue
        higher = [c for n, c, f in terms if typ == 2 and n != "Intercept" and factors < f]
        before = np.setdiff1d(everything, np.concatenate([cols, *higher]))
        effects = _effects(Z[:, np.r_[before, cols]], y)
        rows.append((name, float(np.sum(effects[len(before) :] ** 2)), len(cols)))
    return rows


def _effects(Z, y) -> np.ndarray:
    """``Q' y`` for the Householder QR factorization ``Z = Q R`` (statsmodels'
    ``effects``): the coordinates of y on the columns orthogonalized in order."""
    q, r = np.linalg.qr(Z)
    _check_full_rank(np.abs(np.diag(r)) / np.linalg.norm(Z, axis=0))
    return q.T @ y


# ----------------------------------------------------------------- from the Moments
def _type1(effects, terms):
    """Sequential sums of squares: the squared effects of each term's columns (the
    effects of the slopes, the intercept centred out)."""
    k_const = int(any(name == "Intercept" for name, _, _ in terms))
    rows = []
    for name, cols, _ in terms:
        if name == "Intercept":
            continue
        rows.append((name, float(np.sum(effects[cols - k_const] ** 2)), len(cols)))
    return rows


def _effects_from_moments(m, fit_intercept) -> np.ndarray:
    """The effects from the Cholesky factor of the equilibrated Gram matrix (accurate
    to cond(X)^2 eps: a warning when that may exceed 1e-8)."""
    p = m.n_features
    cross = m.cross if fit_intercept else m.uncentred()
    G, g = cross[:p, :p], cross[:p, p]
    d = np.sqrt(np.diag(G))
    _check_full_rank(d)
    C = G / np.outer(d, d)
    try:
        L = linalg.cholesky(C, lower=True)
    except linalg.LinAlgError:
        L = np.zeros_like(C)
    _check_full_rank(np.diag(L))
    if np.linalg.cond(C) * np.finfo(float).eps > 1e-8:
        from ..solution import AccuracyWarning

        warnings.warn(
            "type I sums of squares from the cross-products of an ill-conditioned model "
            f"matrix (condition number of X'X {np.linalg.cond(C):.3g}) may be inaccurate; "
            "refit the formula model in this session to compute them from the data",
            AccuracyWarning,
            stacklevel=external_stacklevel(),
        )
    return linalg.solve_triangular(L, g / d, lower=True)


def _check_full_rank(diagonal) -> None:
    diagonal = np.abs(diagonal)
    if not np.all(diagonal > diagonal.shape[0] * np.finfo(float).eps * max(diagonal.max(), 1)):
        raise ValueError("the model matrix is rank deficient: ANOVA tables are undefined")


# ----------------------------------------------------------------- types II and III
def _type3(summary, terms):
    """Each term's columns tested in the full model (the intercept included)."""
    k = len(summary.names)
    return [(name, _sum_of_squares(summary, _rows(cols, k)), len(cols)) for name, cols, _ in terms]


def _type2(summary, terms):
    """Each term tested after all others except the terms that contain it: the term's
    rows made orthogonal, in the covariance metric, to those of the terms containing it
    (statsmodels' construction)."""
    k = len(summary.names)
    cov = summary.cov_params()
    rows = []
    for name, cols, factors in terms:
        if name == "Intercept":
            continue
        higher = [c for other, c, f in terms if other != "Intercept" and factors < f]
        L1 = _rows(np.concatenate([cols, *higher]), k)
        if higher:
            L2 = _rows(np.concatenate(higher), k)
            q, _ = linalg.qr(L1 @ cov @ L2.T)
            L1 = q[:, -len(cols) :].T @ L1
        rows.append((name, _sum_of_squares(summary, L1), len(cols)))
    return rows


def _rows(cols, k):
    return np.eye(k)[np.asarray(cols, dtype=int)]


def _sum_of_squares(summary, L) -> float:
    """``(L b)' (L A L')^-1 (L b)`` with ``A = cov / mse``: the nonrobust Wald
    statistic times the residual mean square (statsmodels backs it out of f_test)."""
    from .hypothesis import wald_statistic

    statistic, _ = wald_statistic(summary, L)
    return float(statistic * summary.mse_resid)


def _table(rows, summary, typ):
    import pandas as pd

    names = [r[0] for r in rows] + ["Residual"]
    ss = np.array([r[1] for r in rows] + [summary.ssr])
    df = np.array([float(r[2]) for r in rows] + [summary.df_resid])
    mse = summary.ssr / summary.df_resid if summary.df_resid > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        F = ss / df / mse
        p = stats.f.sf(F, df, summary.df_resid)
    F[-1] = p[-1] = np.nan
    if typ == 1:
        columns = {"df": df, "sum_sq": ss, "mean_sq": ss / df, "F": F, "PR(>F)": p}
    else:
        columns = {"sum_sq": ss, "df": df, "F": F, "PR(>F)": p}
    return pd.DataFrame(columns, index=pd.Index(names))
