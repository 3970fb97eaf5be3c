"""``linreg compare``: every solver, exact and iterative, side by side on one file."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="fit a file with every solver and compare",
        description=(
            "Fit DATA with every exact and iterative solver and show coefficients, "
            "MSEs, iterations, time and the deviation from the exact fit."
        ),
    )
    p.add_argument("data", metavar="DATA", help="a .csv or .parquet file")
    p.add_argument("--target", "-t", metavar="COL", required=True)
    p.add_argument("--features", metavar="A,B,C")
    p.add_argument("--weights", metavar="COL")
    p.add_argument("--alpha", type=float, default=0.0, help="ridge penalty (default 0: OLS)")
    p.add_argument("--no-intercept", action="store_true")
    p.add_argument("--test-size", type=float, default=0.2, metavar="F")
    p.add_argument("--val-size", type=float, default=0.0, metavar="F")
    p.add_argument("--random-state", type=int, default=0, metavar="N")
    p.add_argument("--max-iter", type=int, help="epoch cap of the iterative solvers")
    p.add_argument("--drop-missing", action="store_true")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=run)


def run(args) -> int:
    import numpy as np

    import linreg

    from . import report
    from .data import read_table, select
    from .errors import UsageError

    if not args.alpha >= 0:
        raise UsageError(f"--alpha must be non-negative, got {args.alpha}")
    features = None if args.features is None else [f.strip() for f in args.features.split(",")]
    cols = select(
        read_table(args.data),
        args.data,
        target=args.target,
        features=features,
        weights=args.weights,
        drop_missing=args.drop_missing,
    )
    try:
        result = linreg.compare(
            cols.X,
            cols.y,
            fit_intercept=not args.no_intercept,
            alpha=args.alpha,
            val_size=args.val_size,
            test_size=args.test_size,
            random_state=args.random_state,
            sample_weight=cols.weights,
            max_iter=args.max_iter,
        )
    except ValueError as err:
        raise UsageError(str(err)) from None
    if args.format == "json":
        rows = [
            {k: (v.tolist() if isinstance(v, np.ndarray) else _finite(v)) for k, v in row.items()}
            for row in result.rows
        ]
        print(report.dump_json({"features": cols.feature_names, "rows": rows}))
        return 0
    print(f"Features: {', '.join(cols.feature_names)}; target: {args.target}")
    print(str(result))
    return 0


def _finite(value):
    import numpy as np

    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value
