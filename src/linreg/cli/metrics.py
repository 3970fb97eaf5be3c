"""Held-out, training and cross-validated metrics of ``linreg fit``: R^2, RMSE and MAE.

Every part's figure comes from six sums per target that add over chunks, parts and Dask
workers, so the in-memory, streamed and Dask paths compute the same numbers; the
cross-validated figures come from :mod:`linreg.cross_validation`.
"""

from __future__ import annotations

import numpy as np


class MetricSums:
    """:func:`linreg.cross_validation.residual_sums` of a chunk of rows for the model
    ``coef, intercept``, one row per target (shape (n_targets, 7)): sums add over chunks,
    parts and Dask workers (a class, so Dask can send it to the workers).  ``centre`` is
    any value near the mean of y (the training mean): it keeps the total sum of squares
    from cancelling and sets the power-of-two scale that keeps squares representable."""

    def __init__(self, coef, intercept, centre):
        self.coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))  # (k, p)
        k = self.coef.shape[0]
        self.intercept = np.broadcast_to(np.asarray(intercept, dtype=np.float64), (k,)).copy()
        self.centre = np.broadcast_to(np.asarray(centre, dtype=np.float64), (k,)).copy()

    @classmethod
    def of(cls, model, centre):
        """The sums for every target of a fitted model (``centre``: one value per target)."""
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
        intercept = np.asarray(model.intercept_, dtype=np.float64).reshape(-1)
        return cls(coef, intercept, centre)

    def __call__(self, X, Y, w):
        from linreg.cross_validation import residual_sums

        k = self.coef.shape[0]
        Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)[:, :k]
        return residual_sums(X, Y, w, self.coef.T, self.intercept, self.centre)


def metrics_from_sums(sums) -> dict:
    """n, R^2, RMSE and MAE (weighted means with weights) from added MetricSums of ONE
    target (a 7-vector, or the first row of a (n_targets, 7) array).  Undefined figures
    (no weight, a constant target) are NaN."""
    from linreg.cross_validation import N_SUMS, figures

    row = np.asarray(sums, dtype=np.float64).reshape(-1, N_SUMS)[0]
    r2, rmse, mae = figures(row)
    return {"n": int(row[0]), "r2": float(r2), "rmse": float(rmse), "mae": float(mae)}


def metrics_by_target(sums, targets) -> dict:
    """:func:`metrics_from_sums` of each target: a dict for one target, else keyed by
    target name."""
    from linreg.cross_validation import N_SUMS

    sums = np.asarray(sums, dtype=np.float64).reshape(-1, N_SUMS)
    if len(targets) == 1:
        return metrics_from_sums(sums[0])
    return {t: metrics_from_sums(row) for t, row in zip(targets, sums)}


def cross_validation(args, estimator, data, **kwargs):
    """The CV result of ``args.cv`` folds on ``data`` (arrays or a source), or None with a
    warning when there are fewer rows than folds."""
    import warnings

    from linreg.cross_validation import TooFewRowsError, cross_validate

    if not args.cv:
        return None
    try:
        return cross_validate(
            estimator, data, n_folds=args.cv, random_state=args.random_state, **kwargs
        )
    except TooFewRowsError as err:
        warnings.warn(
            f"cross-validation skipped: {err} (lower --cv, or --cv 0)", stacklevel=2
        )
        return None


def metrics_table(all_metrics: dict) -> str:
    """A small text table, one row per part (train, validation, test) and target; then
    the cross-validation block when ``all_metrics`` holds one (a saved model's)."""
    lines = [f"{'part':<12}{'n':>9}{'R^2':>12}{'RMSE':>14}{'MAE':>14}"]
    cv = all_metrics.get("cross_validation")
    for part, m in all_metrics.items():
        if part == "cross_validation" or not isinstance(m, dict):
            continue
        rows = [(part, m)] if "n" in m else [(f"{part} {t}", v) for t, v in m.items()]
        rows = [(label, v) for label, v in rows if isinstance(v, dict) and "n" in v]
        for label, v in rows:
            lines.append(
                f"{label:<12}{v['n']:>9}{_num(v['r2'], '.5f'):>12}"
                f"{_num(v['rmse'], '.6g'):>14}{_num(v['mae'], '.6g'):>14}"
            )
    if isinstance(cv, dict) and "targets" in cv:
        lines += ["", cv_table(cv)]
    return "\n".join(lines)


def _num(value, spec: str) -> str:
    """A figure, or "undefined" for a missing or NaN one."""
    if value is None or not np.isfinite(value):
        return "undefined"
    return format(value, spec)


def cv_table(cv: dict) -> str:
    """The cross-validation block: mean (standard deviation) over folds per target."""
    refit = cv.get("refit_folds") or []
    if cv["method"] != "moments":
        how = "each fold refit on its training rows"
    elif refit:
        folds = ", ".join(str(k) for k in refit)
        how = (
            f"fold models solved from fold Moments; fold(s) {folds} refit on their rows, "
            "where the Moments alone were not accurate enough"
        )
    else:
        how = "fold models solved from fold Moments, no refit read the data"
    lines = [
        f"{cv['n_folds']}-fold cross-validation (seed {cv['random_state']}; {how}; "
        "mean (sd) over folds)",
        f"{'target':<16}{'R^2':>22}{'RMSE':>26}{'MAE':>26}",
    ]
    for target, figures in cv["targets"].items():
        cells = [
            f"{_num(figures[m]['mean'], '.6g')} ({_num(figures[m]['std'], '.3g')})"
            for m in ("r2", "rmse", "mae")
        ]
        lines.append(f"{str(target):<16}{cells[0]:>22}{cells[1]:>26}{cells[2]:>26}")
    return "\n".join(lines)
