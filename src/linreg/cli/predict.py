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


def design(model_file, data_path):
    """The model's features, in order, read from ``data_path``."""

    from .data import read_table, select

    table = read_table(data_path)
    if model_file.formula is not None:
        from .formula_data import design_from_stored

        return design_from_stored(model_file.formula, table, data_path)
    names = getattr(model_file.model, "feature_names_in_", None)
    if names is None:
        raise DataError(f"{model_file.path}: the model has no feature names to read columns by")
    return select(table, data_path, features=[str(n) for n in names]).X


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
    X = design(model_file, args.data)
    if args.interval is None:
        columns = {"prediction": predict(model, X)}
    else:
        out = predict(model, X, interval=args.interval, level=args.level, cov_type=args.cov_type)
        columns = {"prediction": out[:, 0], "lower": out[:, 1], "upper": out[:, 2]}
    _write(columns, args.output)
    if args.output:
        print(f"Wrote {len(X)} predictions to {args.output}", file=sys.stderr)
    return 0


def _write(columns: dict, output) -> None:
    """CSV with full precision (repr of each float), to a file or standard output."""
    import numpy as np

    header = ",".join(columns)
    rows = np.column_stack(list(columns.values()))
    lines = [header, *(",".join(repr(float(v)) for v in row) for row in rows)]
    text = "\n".join(lines) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as err:
        raise DataError(f"cannot write {output}: {err.strerror}") from None
