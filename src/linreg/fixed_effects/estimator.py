"""The estimators' side of absorbed effects: ``fit(X, y, absorb=...)``, ``fixef()``,
``predict(X, absorb=...)``.

The estimator solves the demeaned problem (:mod:`linreg.fixed_effects.fit`) with its
own exact solver and without an intercept; its ``summary()`` then reads the model's
``absorbed_`` for fixest's degrees of freedom (:mod:`linreg.fixed_effects.inference`).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._memory import release_freed_memory
from .._warnings import external_stacklevel
from ..solution import RankDeficientWarning

__all__ = ["fit_absorbed_arrays", "fit_absorbed_source", "fixef", "predict_absorbed"]

EPS = float(np.finfo(np.float64).eps)


def _refuse(model, what: str | None = None) -> None:
    """The estimators and options with absorbed effects: exact least squares (and
    Ridge, whose penalty then applies to the demeaned slopes)."""
    from ..training import TRAINERS

    if model.solver in TRAINERS:
        raise ValueError(
            f"absorb= is fitted by the exact solvers; solver={model.solver!r} (an iterative "
            "trainer) does not absorb effects: use solver='auto'"
        )
    if model._positive():
        raise ValueError("absorb= does not combine with positive=True")
    if what is not None:
        raise ValueError(what)


def fit_absorbed_arrays(model, X, y, sample_weight, dtype, absorb, validation_data=None):
    """Fit ``model`` on arrays with the factors of ``absorb`` absorbed (see
    :meth:`linreg.LinearRegression.fit`)."""
    from .._validation import validate_training_data
    from ..sources.sparse import is_sparse
    from .fit import absorb_arrays, set_effects

    _refuse(
        model,
        "absorb= takes dense X (scipy.sparse X with absorbed effects is not supported: "
        "pass X.toarray())"
        if is_sparse(X)
        else ("validation_data applies to the iterative solvers only"
              if validation_data is not None else None),
    )  # fmt: skip
    if y is None:
        raise ValueError("fit(X, y, absorb=...) needs y")
    if len(y) == 0:
        raise ValueError("fit(X, y, absorb=...): there are no rows to fit")
    X, Y, w, y_was_1d = validate_training_data(model, X, y, sample_weight)
    names = getattr(model, "feature_names_in_", None)
    Xt, Yt, wt, absorbed, moments = absorb_arrays(X, Y, w, absorb, names)
    del X, Y, w  # the model references the demeaned copy only
    model.absorbed_ = absorbed
    model._positive_weights = None if wt is None else int(np.count_nonzero(wt > 0))
    problem = model._in_memory_problem(Xt, Yt, wt, moments)
    solution = model._solve(problem)
    with warnings.catch_warnings():
        if absorbed.collinear:  # already named with their cause
            warnings.simplefilter("ignore", RankDeficientWarning)
        model._warn_about(solution, names, Xt.shape[0])
    model.moments_ = problem.get_moments()
    model._training = (Xt, Yt, wt)
    model._set_solution(solution, y_was_1d, dtype)
    set_effects(absorbed, solution.coef)
    warn_near_exact_fit(model)
    release_freed_memory()  # the fit's temporaries, before the summary's passes
    return model


def fit_absorbed_source(model, source, dtype, absorb, validation_data=None):
    """Fit ``model`` on a :func:`linreg.scan` source or Dask collection with absorbed
    effects (:mod:`linreg.fixed_effects.stream`)."""
    _refuse(
        model,
        "validation_data applies to the iterative solvers only"
        if validation_data is not None
        else None,
    )
    from .stream import fit_stream

    fit_stream(model, source, dtype, absorb)
    warn_near_exact_fit(model)
    return model


def warn_near_exact_fit(model) -> None:
    """An AccuracyWarning when the coefficients' stated error, carried into the fitted
    values, is not small against the residuals: the residuals (so the standard errors)
    are then only as accurate as that ratio (a nearly exact fit solved from Moments).

    ``||A~ (b_k - b)|| <= sqrt(lambda_max) * error * ||D b||`` in the scaled columns
    ``D``, against ``||r|| = sqrt(y~'y~ - b' A~'y~)`` from the demeaned Moments."""
    from .._warnings import external_stacklevel
    from ..solution import AccuracyWarning

    solution = getattr(model, "solution_", None)
    error = float(getattr(solution, "error_estimate", np.nan))
    if not np.isfinite(error):
        return
    cross = model.moments_.uncentred()
    p = model.moments_.n_features
    scale = np.sqrt(np.maximum(np.diag(cross)[:p], 0.0))
    live = scale > 0
    if not live.any():
        return
    gram = cross[:p, :p][np.ix_(live, live)] / np.outer(scale[live], scale[live])
    top = float(np.sqrt(max(np.linalg.eigvalsh(gram)[-1], 0.0)))
    worst = 0.0
    for j, b in enumerate(np.atleast_2d(np.asarray(solution.coef, dtype=np.float64))):
        yy = float(cross[p + j, p + j])
        rss = yy - float(b[live] @ cross[:p, p + j][live])
        fitted = top * error * float(np.linalg.norm(b[live] * scale[live]))
        # forming r = y - sum_j x_j b_j rounds each term: eps times their magnitudes
        fitted += 4 * EPS * float(np.sum(np.abs(b[live]) * scale[live]))
        if fitted > 0:
            worst = max(worst, fitted / np.sqrt(rss) if rss > 0 else np.inf)
    if worst > 1e-6:
        warnings.warn(
            f"the residuals, hence the standard errors, are accurate to about {worst:.1e} "
            "relative only: the fit is nearly exact (the fitted values dwarf the "
            f"residuals, and the coefficients carry an error of about {error:.1e})",
            AccuracyWarning,
            stacklevel=external_stacklevel(),
        )


def fixef(model) -> dict:
    """``{factor: Series}`` of the estimated effects (see ``LinearRegression.fixef``)."""
    import pandas as pd

    absorbed = getattr(model, "absorbed_", None)
    if absorbed is None:
        raise ValueError("fixef(): this model was fitted without absorbed effects (absorb=)")
    out = {}
    targets = _target_names(model)
    for name, levels, phi in zip(absorbed.names, absorbed.levels, absorbed.effects):
        index = pd.Index(levels, name=name)
        if phi.shape[1] == 1 and targets is None:
            out[name] = pd.Series(phi[:, 0], index=index, name=name)
        else:
            cols = targets or [f"y{j}" for j in range(phi.shape[1])]
            out[name] = pd.DataFrame(phi, index=index, columns=cols)
    return out


def _target_names(model):
    coef = np.asarray(model.coef_)
    return None if coef.ndim == 1 else [f"y{j}" for j in range(coef.shape[0])]


def effect_of_rows(absorbed, absorb, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``(sum_q phi_q[level of row], known)``: the effects of new rows by their labels;
    ``known`` is False where a label was not seen in training."""
    import pandas as pd

    from .factors import encode_factors

    frame = encode_factors(_in_fitted_order(absorb, absorbed.names))
    if frame.codes.shape[0] != n_rows:
        raise ValueError(f"absorb has {frame.codes.shape[0]} rows but X has {n_rows}")
    if frame.codes.shape[1] != len(absorbed.names):
        raise ValueError(
            f"absorb has {frame.codes.shape[1]} factors; the model absorbed "
            f"{len(absorbed.names)}: {absorbed.names}"
        )
    m = absorbed.effects[0].shape[1]
    total = np.zeros((n_rows, m))
    known = np.ones(n_rows, dtype=bool)
    for q, (levels, phi) in enumerate(zip(absorbed.levels, absorbed.effects)):
        new_levels = np.asarray(frame.levels[q], dtype=object)
        lookup = pd.Index(pd.Index(levels).astype(object)).get_indexer(
            pd.Index(new_levels).astype(object)
        )
        idx = lookup[frame.codes[:, q]]
        seen = idx >= 0
        known &= seen
        total[seen] += phi[idx[seen]]
    total[~known] = np.nan
    return total, known


def _in_fitted_order(absorb, names):
    """A DataFrame's absorbed columns by the fitted names (any column order, extra
    columns ignored); other inputs as given (positional)."""
    columns = getattr(absorb, "columns", None)
    if columns is None:
        return absorb
    labels = [str(c) for c in columns]
    if all(n in labels for n in names):
        return absorb[[columns[labels.index(n)] for n in names]]
    return absorb


def predict_absorbed(model, X, absorb, interval=None):
    """``X coef + sum_q phi_q[level]`` for new rows of known levels (NaN, with a
    warning, where a level was not seen in training)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    absorbed = getattr(model, "absorbed_", None)
    if absorbed is None:
        raise ValueError("absorb= is for models fitted with absorbed effects")
    if absorb is None:
        raise ValueError(
            f"this model absorbed the effects of {absorbed.names}: predict(X, absorb=...) "
            "needs the rows' levels of them (their effects are part of the prediction)"
        )
    if interval is not None:
        raise ValueError(
            "prediction intervals with absorbed effects are not available (the effects' "
            "estimation error is not in the coefficients' covariance)"
        )
    linear = _linear_part(model, X)
    effects, known = effect_of_rows(absorbed, absorb, linear.shape[0])
    if not known.all():
        warnings.warn(
            f"{int((~known).sum())} row(s) have a level of {absorbed.names} not seen in "
            "training: their prediction is NaN (no estimate of that effect)",
            UserWarning,
            stacklevel=external_stacklevel(),
        )
    out = linear.reshape(linear.shape[0], -1) + effects
    return out[:, 0] if linear.ndim == 1 else out


def _linear_part(model, X) -> np.ndarray:
    """``X coef_`` of validated X (``intercept_`` is 0 with absorbed effects)."""
    from .._validation import assert_finite, validate_X

    X = validate_X(model, X, reset=False)
    assert_finite(X, "X", getattr(model, "feature_names_in_", None))
    coef = np.asarray(model.coef_, dtype=np.float64)
    return np.asarray(X, dtype=np.float64) @ coef.T
