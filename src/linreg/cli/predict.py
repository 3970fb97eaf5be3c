"""``linreg predict``: predictions of a saved model for a CSV or Parquet file."""

from __future__ import annotations

import sys

from .errors import DataError, UsageError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "predict",
        help="predict with a saved model",
        description=(
            "Predict with MODEL.json for every row of DATA; the output's first column is "
            "the prediction, then the interval bounds when asked."
        ),
    )
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("data", metavar="DATA", help="a .csv or .parquet file with the features")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="default: standard output")
    p.add_argument("--interval", choices=("confidence", "prediction"))
    p.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument(
        "--cov-type", default="nonrobust", help="covariance for the intervals (stored ones)"
    )
    p.set_defaults(run=run)


def _needed_columns(model_file, data_path) -> list[str]:
    """The columns of DATA the model reads (checked against the file's header)."""
    from .data import column_names

    available = column_names(data_path)
    if model_file.formula is not None:
        import formulaic

        needed = {str(v) for v in formulaic.Formula(model_file.formula["rhs"]).required_variables}
        return [c for c in available if c in needed]
    names = getattr(model_file.model, "feature_names_in_", None)
    if names is None:
        raise DataError(f"{model_file.path}: the model has no feature names to read columns by")
    missing = [str(n) for n in names if str(n) not in available]
    if missing:
        raise DataError(
            f"{data_path}: the model needs column(s) {', '.join(map(repr, missing))}; "
            f"the columns are: {', '.join(available)}"
        )
    return [str(n) for n in names]


def designs(model_file, data_path):
    """The model's design matrix for DATA, one batch of rows at a time."""
    from .data import batches, select

    columns = _needed_columns(model_file, data_path)
    for first_row, table in batches(data_path, columns):
        if model_file.formula is not None:
            from .formula_data import design_from_stored

            yield design_from_stored(model_file.formula, table, data_path)
        else:
            yield select(table, data_path, features=columns, first_row=first_row).X


def run(args) -> int:
    import numpy as np

    from linreg.model_io import read

    from .report import predict

    if not 0 < args.level < 1:
        raise UsageError(f"--level must be in (0, 1), got {args.level}")
    model_file = read(args.model)
    model = model_file.model
    if np.ndim(model.coef_) != 1:
        raise UsageError("linreg predict handles single-target models")
    header = ["prediction"] if args.interval is None else ["prediction", "lower", "upper"]
    out = sys.stdout if args.output is None else _open(args.output)
    n = 0
    try:
        out.write(",".join(header) + "\n")
        for X in designs(model_file, args.data):
            if args.interval is None:
                values = predict(model, X)[:, None]
            else:
                values = predict(
                    model, X, interval=args.interval, level=args.level, cov_type=args.cov_type
                )
            # repr: every digit of each float, so files round-trip exactly
            out.write("".join(",".join(map(repr, row)) + "\n" for row in values.tolist()))
            n += len(X)
    finally:
        if args.output is not None:
            out.close()
    if args.output:
        print(f"Wrote {n} predictions to {args.output}", file=sys.stderr)
    return 0


def _open(output):
    try:
        return open(output, "w", encoding="utf-8")
    except OSError as err:
        raise DataError(f"cannot write {output}: {err.strerror}") from None
