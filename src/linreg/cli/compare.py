"""``linreg compare``: every solver, exact and iterative, side by side on one file.

It shows its progress on stderr (one line per solver, or a progress bar on a terminal),
keeps to a time budget (``--max-seconds``) and reports the solvers it skipped or cut
short; the solvers come from the library's registries (:data:`linreg.solvers.SOLVERS`,
:data:`linreg.training.TRAINERS`) and the split is ``linreg fit``'s.
"""

from __future__ import annotations

import sys

from . import options

#: Default of ``--max-seconds``: the time budget of one comparison.
DEFAULT_MAX_SECONDS = 60.0


def add_parser(sub) -> None:
    from .data import add_data_arguments

    p = sub.add_parser(
        "compare",
        help="fit a file with every solver and compare",
        description=(
            "Fit DATA with every exact and iterative solver and show coefficients, "
            "MSEs, iterations, time and the deviation from the exact fit. Progress goes "
            "to stderr; solvers that do not fit in --max-seconds are cut short or skipped, "
            "and the output says which and why."
        ),
    )
    add_data_arguments(p)
    p.add_argument("--target", "-t", metavar="COL", required=True, help="the column to predict")
    p.add_argument(
        "--features",
        metavar="A,B,C",
        type=options.names,
        help="feature columns (default: all but target/weights)",
    )
    p.add_argument("--weights", metavar="COL", help="column of sample weights")
    p.add_argument(
        "--alpha",
        type=options.non_negative_float,
        default=0.0,
        help="ridge penalty (default 0: OLS)",
    )
    p.add_argument("--no-intercept", action="store_true")
    p.add_argument(
        "--test-size",
        type=options.fraction,
        default=0.2,
        metavar="F",
        help="hold out each row for testing with this probability (default 0.2; the rows "
        "'linreg fit --test-size F' holds out with the same --random-state)",
    )
    p.add_argument(
        "--val-size",
        type=options.fraction,
        default=0.0,
        metavar="F",
        help="validation probability (a val MSE; the iterative solvers' val_loss)",
    )
    p.add_argument(
        "--random-state",
        type=options.non_negative_int,
        default=0,
        metavar="N",
        help="seed of the split and of the iterative solvers (default 0)",
    )
    p.add_argument(
        "--solvers",
        type=options.names,
        metavar="A,B",
        help="solvers to compare, e.g. qr,gd,torch/adam (default: every registered one)",
    )
    p.add_argument(
        "--max-iter",
        type=options.positive_int,
        metavar="N",
        help="epoch cap of the iterative solvers (default: scaled to the problem)",
    )
    p.add_argument(
        "--max-seconds",
        type=options.positive_float,
        default=DEFAULT_MAX_SECONDS,
        metavar="S",
        help=f"time budget of the whole comparison (default {DEFAULT_MAX_SECONDS:g})",
    )
    p.add_argument("--drop-missing", action="store_true")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=run)


def run(args) -> int:
    from .errors import command_line_terms

    cols = _columns(args)
    result = _compare(args, cols)
    for row in result.rows:  # the library's advice in the command's terms
        row["note"] = command_line_terms(row["note"]) if row.get("note") else row.get("note")
    if args.format == "json":
        from . import report

        print(report.dump_json(_document(result, cols)))
    else:
        print(f"Features: {', '.join(cols.feature_names)}; target: {args.target}")
        print(str(result))
    return 0


def _columns(args):
    """The target, features and weights of DATA (one-line errors naming file and column)."""
    from .data import read_table, select

    return select(
        read_table(args.data, sep=args.sep),
        args.data,
        target=args.target,
        features=args.features,
        weights=args.weights,
        drop_missing=args.drop_missing,
        options=("--drop-missing", "--features"),  # compare has no --formula
    )


def solver_specs(names) -> list | None:
    """``--solvers`` as :func:`linreg.compare` takes it, checked against the registries.

    ``"torch/adam"`` is the pair ("torch", "adam"); an unknown name is a usage error
    listing the registered ones.
    """
    if names is None:
        return None
    from linreg.solvers import SOLVERS
    from linreg.training import TRAINERS

    from .errors import UsageError

    known = [*SOLVERS, *TRAINERS]
    specs = []
    for name in names:
        solver, _, optimizer = name.partition("/")
        if solver not in known or (optimizer and solver != "torch"):
            raise UsageError(
                f"--solvers: unknown solver {name!r}; choose from {', '.join(known)} "
                "(torch takes an optimizer: torch/sgd, torch/adam, ...)"
            )
        specs.append((solver, optimizer) if optimizer else solver)
    return specs


def _compare(args, cols):
    """:func:`linreg.compare` with the command's options, progress on stderr."""
    import linreg
    from linreg.comparison import ReferenceFitError, SplitError

    from .errors import DataError, UsageError

    specs = solver_specs(args.solvers)
    if args.test_size + args.val_size >= 1:
        raise UsageError(
            f"--test-size + --val-size must be below 1 (rows must be left to train on), "
            f"got {args.test_size:g} + {args.val_size:g}"
        )
    try:
        with _Progress("compare") as progress:
            return linreg.compare(
                cols.X,
                cols.y,
                fit_intercept=not args.no_intercept,
                alpha=args.alpha,
                val_size=args.val_size,
                test_size=args.test_size,
                random_state=args.random_state,
                solvers=specs,
                sample_weight=cols.weights,
                max_iter=args.max_iter,
                max_seconds=args.max_seconds,
                progress=progress,
            )
    except SplitError as err:
        raise UsageError(
            f"{args.data}: --test-size {args.test_size:g} and --val-size {args.val_size:g} "
            f"held out all {err.n} rows, leaving none to train on; lower them or change "
            "--random-state"
        ) from None
    except ReferenceFitError as err:
        from .errors import classify

        cause = err.__cause__
        if cause is None or classify(cause) is None:
            raise (cause or err) from None  # an internal failure: main reports it as a bug
        raise DataError(f"{args.data}: {err}") from cause  # the library refused the data


class _Progress:
    """``progress(row, done, total)`` for :func:`linreg.compare`: a line per solver on
    stderr, or a transient rich progress bar when stderr is a terminal."""

    def __init__(self, command: str):
        self.command = command
        self.bar = None
        self.task = None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            # total unknown until the first solver is done: an indeterminate bar until then
            self.task = self.bar.add_task("compare: the reference fit", total=None)
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, row, done: int, total: int) -> None:
        line = progress_line(row, done, total)
        if self.bar is None:
            print(f"linreg {self.command}: {line}", file=sys.stderr, flush=True)
            return
        self.bar.update(self.task, total=total, completed=done, description=line)


def progress_line(row, done: int, total: int) -> str:
    """``[5/9] gd: cut short, n_iter=1000 in 0.072 s`` (or ``[5/9] gd: skipped``)."""
    head = f"[{done}/{total}] {row['solver']}: {row['status']}"
    if row["status"] == "skipped":
        return head
    n_iter = "" if row["n_iter"] is None else f", n_iter={row['n_iter']}"
    return f"{head}{n_iter} in {row['seconds']:.3g} s"


def _document(result, cols) -> dict:
    """The JSON output: features, split, rows (NaN and infinities as null)."""
    import numpy as np

    rows = [
        {
            k: (_finite(v.tolist()) if isinstance(v, np.ndarray) else _finite(v))
            for k, v in r.items()
        }
        for r in result.rows
    ]
    return {
        "features": cols.feature_names,
        "model": result.model,
        "reference": result.reference["solver"],
        "n_train": result.n_train,
        "n_val": result.n_val,
        "n_test": result.n_test,
        "max_seconds": result.max_seconds,
        "rows": rows,
        "outcome": result.outcome(),
    }


def _finite(value):
    """``value`` with every non-finite float (also inside lists) replaced by None."""
    import math

    import numpy as np

    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
