"""``--formula`` for the command: a thin adapter over :mod:`linreg.io.formula`.

The grammar, the model matrices, the spec stored in a model file and the design rebuilt
from it all live in :mod:`linreg.io.formula` (the API uses the same functions); this
module only turns their errors into the command's one-line errors, naming the file, the
column and the line.
"""

from __future__ import annotations

import re
import sys

import numpy as np

from .errors import DataError, UsageError

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain_text(err) -> str:
    """An error message as plain text on one line (formulaic colours some of its messages)."""
    return " ".join(_ANSI.sub("", str(err)).split())


def _formula_module():
    try:
        import formulaic  # noqa: F401
    except ImportError:
        raise UsageError(
            "formulas need the 'formula' extra: pip install 'linreg[formula]'"
        ) from None
    from linreg.io import formula

    return formula


def _where(data_path, r: int) -> str:
    """Row ``r`` (0-based) of DATA: its physical line for CSV, its row number otherwise."""
    return f"line {r + 2}" if str(data_path).lower().endswith((".csv", ".tsv")) else f"row {r + 1}"


def _complete_rows(frame, args):
    """``frame`` without incomplete rows (``--drop-missing``), else a DataError at the first."""
    incomplete = frame.isna().any(axis=1).to_numpy()
    if not incomplete.any():
        return frame
    if not args.drop_missing:
        r = int(np.flatnonzero(incomplete)[0])
        col = next(c for c in frame.columns if frame[c].isna().iloc[r])
        raise DataError(
            f"{args.data}: missing value in column {col!r} at {_where(args.data, r)} "
            f"({int(incomplete.sum())} incomplete rows); pass --drop-missing to drop them"
        )
    print(
        f"Dropped {int(incomplete.sum())} of {len(frame)} rows with missing values.",
        file=sys.stderr,
    )
    if incomplete.all():
        raise DataError(f"{args.data}: no rows left after dropping the incomplete ones")
    return frame[~incomplete].reset_index(drop=True)


def parse_formula(args):
    """The parsed ``--formula`` (a usage error, one line, when outside the grammar)."""
    formula = _formula_module()
    try:
        return formula.parse(args.formula, response=True)
    except formula.FormulaError as err:
        raise UsageError(f"--formula {args.formula!r}: {_plain_text(err)}") from None


def formula_design(table, args, groups=()):
    """``(X, y, w, names, target, stored_formula, codes)`` for ``linreg fit --formula``;
    ``codes`` are the integer codes of the ``groups`` columns' labels, (n, k), for the
    rows kept (None without groups)."""
    X, Y, w, names, stored, codes, _ = _design(table, args, groups)
    return X, Y[:, 0], w, names, stored["target"], stored["spec"], codes


def absorbed_design(table, args):
    """``(X, y, w, names, target, frame)`` of a ``--formula "y ~ x | f1 + f2"``: the
    regressors (no intercept column), and ``frame``, the complete rows of the columns
    the formula, the weights and ``--groups`` read (absorbed effects' labels included)."""
    X, Y, w, names, stored, _, frame = _design(table, args, args.groups or ())
    return X, Y[:, 0], w, names, stored["target"], frame


def _design(table, args, groups):
    """The model matrices of ``--formula`` on the complete rows of ``table``."""
    formula = _formula_module()
    parsed = parse_formula(args)
    absent = [c for c in parsed.columns if c not in table.column_names]
    if absent:
        raise DataError(
            f"{args.data}: no column named {absent[0]!r} (used in --formula); the columns "
            f"are: {', '.join(table.column_names)}"
        )
    used = [c for c in table.column_names if c in parsed.columns]
    if args.weights is not None:
        if args.weights not in table.column_names:
            raise DataError(f"{args.data}: no column named {args.weights!r}")
        used.append(args.weights)
    frame = table.select(list(dict.fromkeys([*used, *groups]))).to_pandas()
    _check_weights(frame, args)
    frame = _complete_rows(frame, args)
    codes = _group_codes(frame, groups)
    try:
        matrices = formula.model_matrices(parsed, frame)
    except Exception as err:  # formulaic reports bad data (log of 0, ...) in several types
        raise DataError(f"{args.data}: --formula {args.formula!r}: {_plain_text(err)}") from None
    X, Y = matrices.rhs, matrices.lhs
    if Y.shape[1] != 1:
        raise UsageError("--formula must have one response column")
    fit_intercept = "Intercept" in X.columns
    if fit_intercept:
        X = X.drop(columns="Intercept")
    args.no_intercept = args.no_intercept or not fit_intercept
    w = None if args.weights is None else frame[args.weights].to_numpy(dtype=np.float64)
    names = [str(c) for c in X.columns]
    stored = {"target": str(Y.columns[0]), "spec": None}
    if not parsed.absorb_terms:  # a model with effects is not saved
        stored["spec"] = formula.store_spec(matrices.model_spec.rhs, names, parsed.rhs)
    elif not names:
        raise UsageError(f"--formula {args.formula!r}: absorbed effects need a regressor")
    X, Y = X.to_numpy(dtype=np.float64), Y.to_numpy(dtype=np.float64)
    return X, Y, w, names, stored, codes, frame


def _check_weights(frame, args) -> None:
    """A data error naming the line of the first negative or infinite ``--weights``
    value, or a non-numeric weights column (missing values are left to
    :func:`_complete_rows`)."""
    if args.weights is None:
        return
    try:
        w = frame[args.weights].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(
            f"{args.data}: column {args.weights!r} (--weights) is not numeric"
        ) from None
    bad = np.flatnonzero((w < 0) | np.isinf(w))
    if len(bad):
        r = int(bad[0])
        what = "negative" if w[r] < 0 else "infinite"
        raise DataError(
            f"{args.data}: {what} weight in column {args.weights!r} at {_where(args.data, r)}"
        )


def _group_codes(frame, groups):
    """The codes of the ``groups`` columns of ``frame`` (complete rows), (n, k), or None."""
    if not groups:
        return None
    from .covariance import group_codes

    return np.column_stack([group_codes(frame[name]) for name in groups]).astype(np.float64)


def design_from_stored(stored: dict, table, data_path, first_row: int = 0) -> np.ndarray:
    """The model-matrix columns of a stored formula for one batch of DATA.

    ``stored`` was validated when the model file was read; missing values and columns
    are reported with the file and the line.
    """
    formula = _formula_module()
    try:
        needed = formula.required_columns(stored)
    except formula.FormulaError as err:
        raise DataError(f"formula.rhs: {_plain_text(err)}") from None
    absent = [c for c in needed if c not in table.column_names]
    if absent:
        raise DataError(
            f"{data_path}: the model's formula needs column(s) {', '.join(map(repr, absent))}"
        )
    frame = table.select(needed).to_pandas()
    incomplete = frame.isna().any(axis=1).to_numpy()
    if incomplete.any():
        r = int(np.flatnonzero(incomplete)[0])
        col = next(c for c in frame.columns if frame[c].isna().iloc[r])
        raise DataError(
            f"{data_path}: missing value in column {col!r} at {_where(data_path, first_row + r)}; "
            "every row to predict needs a value"
        )
    try:
        return formula.design_matrix(stored, frame)
    except formula.FormulaError as err:
        raise DataError(f"{data_path}: {_plain_text(err)}") from None


# ---------------------------------------------------------------- absorbed effects
def check_absorbed_options(args) -> None:
    """A usage error for an option a fit with absorbed effects does not take."""
    if args.save:
        raise UsageError("saving a model with absorbed effects is not supported")
    if (args.model or "ols") != "ols" or args.alpha is not None or args.l1_ratio is not None:
        raise UsageError(
            "absorbed effects ('|' in --formula) are fitted by OLS; --model, --alpha and "
            "--l1-ratio do not apply"
        )
    given = [
        flag
        for flag, on in (
            ("--test-size", args.test_size),
            ("--val-size", args.val_size),
            ("--diagnostics", args.diagnostics),
            ("--scheduler", args.scheduler),
        )
        if on
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)}: not available with absorbed effects ('|' in --formula)"
        )
    if args.cov_type in ("HC2", "HC3"):
        raise UsageError(
            f"--cov-type {args.cov_type} is not defined with absorbed effects (as in fixest); "
            "use HC1 or cluster"
        )


def _hac_kwds(args) -> dict:
    """``maxlags`` and ``kernel`` of ``--cov-type HAC`` (empty otherwise)."""
    if args.cov_type != "HAC":
        return {}
    return {"maxlags": args.maxlags, "kernel": args.kernel or "bartlett"}


def absorbed_cov(args, cov_default: bool, parsed):
    """``(cov_type, group names or None)`` of the summary: ``--cov-type``/``--groups``,
    or R fixest's default, clustered by the first absorbed effect."""
    if cov_default:
        return "cluster", ["^".join(parsed.absorb_terms[0])]
    return args.cov_type, list(args.groups) if args.groups else None


def fit_absorbed(args, estimator, cov_default: bool):
    """Fit ``--formula "y ~ x | f1 + f2"`` in memory: ``(names, target, n_rows, metrics,
    summaries)`` (the summary as ``--cov-type``, or clustered by the first effect)."""
    from linreg.formula import cluster_labels, effects_frame

    from .covariance import check_groups_columns
    from .data import read_table

    parsed = parse_formula(args)
    table = read_table(args.data, args.sep)
    check_groups_columns(args, table.column_names, [*parsed.lhs_columns, args.weights])
    X, y, w, names, target, frame = absorbed_design(table, args)
    effects = effects_frame(frame, parsed.absorb_terms, np.arange(len(frame)))
    estimator.set_params(fit_intercept=False)  # the effects hold the constant
    import pandas as pd

    X = pd.DataFrame(X, columns=names, copy=False)  # warnings name the columns
    estimator.fit(X, y, sample_weight=w, absorb=effects)
    cov_type, groups = absorbed_cov(args, cov_default, parsed)
    kwds = _hac_kwds(args)
    if groups is not None:
        kwds["groups"] = cluster_labels(frame, groups, np.arange(len(frame)))
    summary = estimator.summary(cov_type=cov_type, **kwds)
    if groups is not None:
        summary.cov_kwds["groups"] = groups[0] if len(groups) == 1 else groups
    metrics = _absorbed_metrics(estimator, X, y, w, effects)
    return names, target, {"total": len(y), "train": len(y)}, {"train": metrics}, [summary]


def _absorbed_metrics(estimator, X, y, w, effects) -> dict:
    """n, R^2, RMSE, MAE of the fitted rows (singletons, removed by the fit, left out)."""
    from linreg.cross_validation import residual_sums

    from .metrics import metrics_from_sums

    keep = getattr(estimator.absorbed_, "keep", None)
    rows = np.arange(len(y)) if keep is None else np.flatnonzero(keep)
    predicted = estimator.predict(X.iloc[rows], absorb=effects.iloc[rows])
    wk = None if w is None else w[rows]
    centre = np.average(y[rows], weights=wk) if wk is not None and wk.sum() > 0 else y.mean()
    sums = residual_sums(
        predicted[:, None], y[rows][:, None], wk, np.ones((1, 1)), np.zeros(1), centre
    )
    return metrics_from_sums(sums)


def _plain_columns(parsed) -> list[str]:
    """The regressors of ``parsed`` when each is a column as it is (a streamed fit reads
    columns, not the formula's transforms); a usage error otherwise."""
    import formulaic

    columns = []
    for term in formulaic.Formula(parsed.rhs):
        factors = list(term.factors)
        if all(f.eval_method.value == "literal" for f in factors):
            continue  # the intercept: the effects hold it
        if len(factors) != 1 or factors[0].eval_method.value != "lookup":
            raise UsageError(
                f"--stream with absorbed effects reads the regressors as columns; the term "
                f"{str(term)!r} of --formula needs the data in memory (leave out --stream)"
            )
        columns.append(str(factors[0].expr))
    if len(parsed.lhs_columns) != 1 or parsed.lhs.strip("`") != parsed.lhs_columns[0]:
        raise UsageError("--stream with absorbed effects needs the response as a column")
    return columns


def streams_absorbed(args) -> bool:
    """Whether a fit with absorbed effects reads DATA in batches: asked (``--stream``), a
    folder or glob, or a file over the streaming size when the fit can stream (plain
    regressor and effect columns, no ``--drop-missing``; else it is read into memory)."""
    from pathlib import Path

    from .stream import should_stream

    if not should_stream(args):
        return False
    if args.stream or Path(args.data).is_dir() or any(c in str(args.data) for c in "*?["):
        return True
    parsed = parse_formula(args)
    if args.drop_missing or any(len(term) > 1 for term in parsed.absorb_terms):
        return False
    try:
        _plain_columns(parsed)
    except UsageError:
        return False
    return True


def fit_absorbed_streamed(args, estimator, cov_default: bool):
    """Fit ``--formula "y ~ x | f1 + f2"`` on :func:`linreg.scan` of DATA (a few passes,
    memory of the order of the levels): ``(names, target, n_rows, metrics, summaries)``;
    the metrics need the effects of every row and are not computed."""
    import linreg

    from .data import is_stdin

    parsed = parse_formula(args)
    if args.drop_missing:
        raise UsageError("--drop-missing is not available when streaming; drop the rows first")
    if is_stdin(args.data):
        raise UsageError("--stream reads DATA in several passes: give a file name, not '-'")
    if any(len(term) > 1 for term in parsed.absorb_terms):
        raise UsageError("--stream absorbs columns as they are; 'f1^f2' needs the data in memory")
    features = _plain_columns(parsed)
    scan = linreg.scan(
        args.data,
        target=parsed.lhs_columns[0],
        features=features,
        weights=args.weights,
        sep=args.sep,
    )
    estimator.set_params(fit_intercept=False)  # the effects hold the constant
    estimator.fit(scan, absorb=[term[0] for term in parsed.absorb_terms])
    cov_type, groups = absorbed_cov(args, cov_default, parsed)
    kwds = _hac_kwds(args)
    if groups is not None:
        kwds["groups"] = groups[0] if len(groups) == 1 else groups
    summary = estimator.summary(cov_type=cov_type, **kwds)
    print("Streamed fit with absorbed effects: R^2, RMSE and MAE are not computed.",
          file=sys.stderr)
    n = int(estimator.absorbed_.n_input)
    return features, parsed.lhs_columns[0], {"total": n, "train": n}, {}, [summary]
