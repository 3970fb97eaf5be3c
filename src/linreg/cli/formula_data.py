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
    return frame[~incomplete].reset_index(drop=True)


def formula_design(table, args, groups=()):
    """``(X, y, w, names, target, stored_formula, codes)`` for ``linreg fit --formula``;
    ``codes`` are the integer codes of the ``groups`` columns' labels, (n, k), for the
    rows kept (None without groups)."""
    formula = _formula_module()
    try:
        parsed = formula.parse(args.formula, response=True)
    except formula.FormulaError as err:
        raise UsageError(f"--formula {args.formula!r}: {_plain_text(err)}") from None
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
    frame = _complete_rows(table.select(list(dict.fromkeys([*used, *groups]))).to_pandas(), args)
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
    stored = formula.store_spec(matrices.model_spec.rhs, names, parsed.rhs)
    return (
        X.to_numpy(dtype=np.float64),
        Y.to_numpy(dtype=np.float64)[:, 0],
        w,
        names,
        str(Y.columns[0]),
        stored,
        codes,
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
