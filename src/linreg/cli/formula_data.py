"""``--formula`` for the command: the design from a formula, stored and rebuilt as JSON.

A model file cannot hold formulaic's ModelSpec (it holds Python objects), so it keeps
the right-hand side, each factor's encoding kind with the categories seen in training,
and the state of stateful transforms (``center``, ``scale``): enough to rebuild the same
columns for new data.  New categories are an error, never a silent NaN.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from .errors import DataError, UsageError


def _formulaic():
    try:
        import formulaic
        import formulaic.errors
    except ImportError:
        raise UsageError(
            "--formula needs the 'formula' extra: pip install 'linreg[formula]'"
        ) from None
    return formulaic


def formula_design(table, args):
    """``(X, y, w, names, target, stored_formula)`` for ``linreg fit --formula``."""
    formulaic = _formulaic()
    try:
        parsed = formulaic.Formula(args.formula)
    except Exception as err:  # formulaic raises several parser error types
        raise UsageError(f"cannot parse --formula {args.formula!r}: {err}") from None
    if not hasattr(parsed, "lhs"):
        raise UsageError(f"--formula {args.formula!r} has no response: write it as 'y ~ ...'")
    columns = set(table.column_names)
    used = [c for c in table.column_names if c in {str(v) for v in parsed.required_variables}]
    for name in parsed.lhs.required_variables:
        if str(name) not in columns:
            raise DataError(
                f"{args.data}: no column named {str(name)!r}; the columns are: "
                f"{', '.join(table.column_names)}"
            )
    if args.weights is not None:
        if args.weights not in columns:
            raise DataError(f"{args.data}: no column named {args.weights!r}")
        used.append(args.weights)
    frame = table.select(list(dict.fromkeys(used))).to_pandas()
    incomplete = frame.isna().any(axis=1).to_numpy()
    if incomplete.any():
        if not args.drop_missing:
            r = int(np.flatnonzero(incomplete)[0])
            col = next(c for c in frame.columns if frame[c].isna().iloc[r])
            where = (
                f"line {r + 2}"
                if str(args.data).lower().endswith((".csv", ".tsv"))
                else (f"row {r + 1}")
            )
            raise DataError(
                f"{args.data}: missing value in column {col!r} at {where} "
                f"({int(incomplete.sum())} incomplete rows); pass --drop-missing to drop them"
            )
        print(
            f"Dropped {int(incomplete.sum())} of {len(frame)} rows with missing values.",
            file=sys.stderr,
        )
        frame = frame[~incomplete].reset_index(drop=True)
    try:
        matrices = formulaic.model_matrix(parsed, frame, na_action="raise")
    except Exception as err:
        raise DataError(f"{args.data}: --formula {args.formula!r}: {err}") from None
    X, Y = matrices.rhs, matrices.lhs
    if Y.shape[1] != 1:
        raise UsageError("--formula must have one response column")
    fit_intercept = "Intercept" in X.columns
    if fit_intercept:
        X = X.drop(columns="Intercept")
    args.no_intercept = args.no_intercept or not fit_intercept
    w = None if args.weights is None else frame[args.weights].to_numpy(dtype=np.float64)
    stored = store_spec(matrices.model_spec.rhs, [str(c) for c in X.columns])
    return (
        X.to_numpy(dtype=np.float64),
        Y.to_numpy(dtype=np.float64)[:, 0],
        w,
        [str(c) for c in X.columns],
        str(Y.columns[0]),
        stored,
    )


def store_spec(spec, columns) -> dict:
    """The right-hand side's spec as plain values (see the module docstring)."""
    encoders = {}
    for factor, (kind, state) in spec.encoder_state.items():
        entry = {"kind": kind.value}
        if kind.value == "categorical":
            entry["categories"] = [_scalar(c) for c in state.get("categories", [])]
        encoders[str(factor)] = entry
    transforms = {}
    for name, state in spec.transform_state.items():
        transforms[str(name)] = {k: _plain(v) for k, v in state.items()}
    return {
        "rhs": str(spec.formula),
        "columns": list(columns),
        "encoders": encoders,
        "transforms": transforms,
    }


def _scalar(value):
    return value.item() if hasattr(value, "item") else value


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return _scalar(value)


def design_from_stored(stored: dict, table, data_path) -> np.ndarray:
    """The model-matrix columns ``stored["columns"]`` for new data."""
    formulaic = _formulaic()
    from formulaic.parser.types import Factor

    encoders = {
        name: (
            Factor.Kind(entry["kind"]),
            {"categories": entry["categories"]} if entry["kind"] == "categorical" else {},
        )
        for name, entry in stored["encoders"].items()
    }
    transforms = {
        name: {k: np.asarray(v) if isinstance(v, list) else v for k, v in state.items()}
        for name, state in stored["transforms"].items()
    }
    spec = formulaic.ModelSpec(
        formula=stored["rhs"], encoder_state=encoders, transform_state=transforms
    )
    needed = {str(v) for v in formulaic.Formula(stored["rhs"]).required_variables}
    missing = sorted(needed - set(table.column_names))
    if missing:
        raise DataError(
            f"{data_path}: the model's formula needs column(s) {', '.join(map(repr, missing))}"
        )
    frame = table.select([c for c in table.column_names if c in needed]).to_pandas()
    if frame.isna().any(axis=None):
        r = int(np.flatnonzero(frame.isna().any(axis=1).to_numpy())[0])
        raise DataError(f"{data_path}: missing value in data row {r + 1}; predictions need it")
    with warnings.catch_warnings():
        warnings.simplefilter("error", formulaic.errors.DataMismatchWarning)
        try:
            X = spec.get_model_matrix(frame, na_action="raise")
        except formulaic.errors.DataMismatchWarning as err:
            raise DataError(f"{data_path}: data do not match the training data: {err}") from None
    return X[stored["columns"]].to_numpy(dtype=np.float64)
