"""``linreg predict``: predictions of a saved model for a CSV or Parquet file.

Every model kind ``linreg fit --save`` writes predicts: OLS and Ridge (exact or
iterative solvers), Lasso, ElasticNet, the CV models, formula models and models of
several targets.  The output is CSV: ``prediction`` (then ``lower``, ``upper`` with
``--interval``) for one target; for several, ``prediction_<target>`` (and
``lower_<target>``, ``upper_<target>``) per target, in the model's target order.

DATA is read in batches (bounded memory).  The first batch is predicted before anything
is written, and ``-o FILE`` is written to a temporary file in the same folder that
replaces FILE only on success: an error leaves no header-only or partial file.  On
standard output, an error in a later batch comes after the rows already printed (the
exit code is then 1).  The batch loop, the CSV writer and the temporary file are
:mod:`linreg.sources.predict`'s (``model.predict(linreg.scan(...), out=...)``).
"""

from __future__ import annotations

import itertools
import sys
from contextlib import contextmanager
from pathlib import Path

from .errors import DataError, UsageError

#: ``--interval`` values: linreg.intervals.INTERVALS (a test keeps them equal; the
#: parser imports no numpy, so ``linreg --help`` stays fast).
INTERVALS = ("confidence", "prediction")
#: ``--cov-type`` values: linreg.summary.COV_TYPES (a test keeps them equal); "cluster"
#: and "HAC" when the model file stores them (linreg fit --cov-type ... --save).
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster", "HAC")
#: The options of predict that data messages may advise: none (no --drop-missing,
#: no --features: the model decides the columns).
DATA_OPTIONS = ()


def add_parser(sub) -> None:
    from . import options
    from .data import add_data_arguments

    p = sub.add_parser(
        "predict",
        help="predict with a saved model",
        description=(
            "Predict with MODEL.json for every row of DATA. The output's first column is "
            "the prediction, then the interval bounds when asked; a model of several "
            "targets gives prediction_<target> (and lower_/upper_<target>) per target."
        ),
    )
    p.add_argument("model", metavar="MODEL.json")
    add_data_arguments(p, "a .csv or .parquet file with the features")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="default: standard output")
    p.add_argument(
        "--interval",
        choices=INTERVALS,
        help="add interval bounds (OLS and Ridge models only)",
    )
    p.add_argument(
        "--level", type=options.level, default=None, help="interval level (default 0.95)"
    )
    p.add_argument(
        "--cov-type",
        choices=COV_TYPES,
        default=None,
        help="covariance for the intervals, one stored in the model file (default nonrobust)",
    )
    p.set_defaults(run=run)


# ---------------------------------------------------------------- the model
def _extra(model_file) -> dict:
    """What ``linreg fit`` recorded about the fit (target, data), or nothing."""
    extra = model_file.document.get("extra")
    return extra if isinstance(extra, dict) else {}


def _target_names(model_file, n_targets: int) -> list[str]:
    """The targets' names as stored by ``linreg fit`` (their index when not stored)."""
    target = _extra(model_file).get("target")
    if isinstance(target, str):
        target = [target]
    if isinstance(target, list) and len(target) == n_targets:
        if all(isinstance(t, str) for t in target):
            return target
    return [str(t) for t in range(n_targets)]


def header(model_file, interval) -> list[str]:
    """The output's column names: one group per target, as documented above."""
    import numpy as np

    coef = np.asarray(model_file.model.coef_)
    parts = ["prediction"] if interval is None else ["prediction", "lower", "upper"]
    if coef.ndim == 1:
        return parts
    names = _target_names(model_file, coef.shape[0])
    return [f"{part}_{name}" for name in names for part in parts]


def check_intervals(args, model_file) -> dict:
    """The keywords for ``model.predict`` (none without ``--interval``), or a usage
    error saying why this model file cannot give the intervals asked for."""
    if args.interval is None:
        given = [o for o, v in (("--level", args.level), ("--cov-type", args.cov_type)) if v]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise UsageError(f"{' and '.join(given)} {verb} to --interval, which is not given")
        return {}
    from linreg.plots import has_intervals

    model = model_file.model
    if not has_intervals(model):
        raise UsageError(
            f"--interval: {model_file.path} holds a {type(model).__name__} model, which has "
            "no confidence or prediction intervals; intervals exist for OLS and Ridge models "
            "(linreg fit --model ols or ridge); predict without --interval"
        )
    cov_type = args.cov_type or "nonrobust"
    stored = list(model_file.document.get("summaries") or {})
    if cov_type not in stored:
        raise UsageError(_missing_cov_type(model_file, cov_type, stored))
    if getattr(model, "moments_", None) is None:
        raise DataError(
            f"{model_file.path}: the model file holds no training moments (linreg fit stores "
            "them for up to about 500 features), which intervals need; predict without --interval"
        )
    level = 0.95 if args.level is None else args.level
    return {"interval": args.interval, "level": level, "cov_type": cov_type}


def _missing_cov_type(model_file, cov_type: str, stored: list[str]) -> str:
    """Which covariances the file holds, and the command that stores ``cov_type``.

    Names read from the file are shell-quoted (``shlex.quote``): the suggested command
    can be pasted as it is, and a crafted name stays one harmless argument.
    """
    from shlex import quote

    extra = _extra(model_file)
    data = quote(extra["data"]) if isinstance(extra.get("data"), str) else "DATA"
    target = extra.get("target")
    if model_file.formula is not None:
        how = '--formula "..."'
    elif isinstance(target, str):
        how = f"--target {quote(target)}"
    elif isinstance(target, list) and all(isinstance(t, str) for t in target):
        how = f"--target {quote(','.join(target))}"
    else:
        how = "--target ..."
    holds = f"the {', '.join(stored)} covariance only" if stored else "no covariance"
    companion = {"cluster": " --groups COL", "HAC": " --maxlags L"}.get(cov_type, "")
    return (
        f"--cov-type {cov_type}: {model_file.path} holds {holds}; store {cov_type} by "
        f"refitting with: linreg fit {data} {how} --cov-type {cov_type}{companion} --save "
        f"{quote(str(model_file.path))}"
    )


# ---------------------------------------------------------------- the data
def _needed_columns(model_file, args) -> list[str]:
    """The columns of DATA the model reads (checked against the file's header)."""
    from .data import column_names

    available = column_names(args.data, sep=args.sep)
    if model_file.formula is not None:
        from linreg.io.formula import required_columns

        needed = set(required_columns(model_file.formula))
        return [c for c in available if c in needed]
    names = getattr(model_file.model, "feature_names_in_", None)
    if names is None:
        raise DataError(f"{model_file.path}: the model has no feature names to read columns by")
    missing = [str(n) for n in names if str(n) not in available]
    if missing:
        raise DataError(
            f"{args.data}: the model needs column(s) {', '.join(map(repr, missing))}; "
            f"the columns are: {', '.join(map(repr, available))}"
        )
    return [str(n) for n in names]


def designs(model_file, args):
    """The model's design matrix for DATA, one batch of rows at a time."""
    from .data import batches, select

    columns = _needed_columns(model_file, args)
    for first_row, table in batches(args.data, columns, sep=args.sep):
        if model_file.formula is not None:
            from .formula_data import design_from_stored

            yield design_from_stored(model_file.formula, table, args.data, first_row)
        else:
            cols = select(
                table,
                args.data,
                features=columns,
                first_row=first_row,
                options=DATA_OPTIONS,
                sep=args.sep,
            )
            yield cols.X


def predictions(model_file, args, keywords):
    """The predictions of each batch of DATA, a 2-D array per batch ((n, k, 3) interval
    results flattened per row: per target fit, lower, upper)."""
    from linreg.sources.predict import predicted_batches

    from .report import predict

    return predicted_batches(model_file.model, designs(model_file, args), predict, **keywords)


# ---------------------------------------------------------------- the output
class _Sink:
    """A text file whose write errors name the output path (``-o /dev/full``)."""

    def __init__(self, file, name):
        self.file, self.name = file, name

    def write(self, text: str) -> None:
        with self._named():
            self.file.write(text)

    def close(self) -> None:
        with self._named():
            self.file.close()

    @contextmanager
    def _named(self):
        try:
            yield
        except OSError as err:
            raise DataError(f"{self.name}: cannot write: {err.strerror or err}") from None


@contextmanager
def output(path):
    """Standard output, or a file that appears only when everything was written.

    A regular (or new) file is written to a temporary file in the same folder and
    renamed over ``path`` on success; on any error the temporary file is removed and
    ``path`` is left as it was.  A device or pipe (``/dev/stdout``, ``/dev/full``, a
    FIFO) is written directly: it cannot be replaced.
    """
    if path is None:
        yield sys.stdout
        return
    from linreg.sources.predict import Replacement

    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a file name to -o")
    if path.exists() and not path.is_file():
        sink = _Sink(_open(path, lambda: open(path, "w", encoding="utf-8", newline="")), path)
        try:
            yield sink
        finally:
            sink.close()
        return
    replacement = Replacement(path)
    sink = _Sink(_open(path, lambda: replacement.open("w")), path)
    try:
        yield sink
        sink.close()
        replacement.commit()
    except BaseException:
        sink.file.close()
        replacement.discard()
        raise


def _open(shown, opener):
    """``opener()``, with errors naming the output path ``shown``."""
    try:
        return opener()
    except OSError as err:
        raise DataError(f"{shown}: cannot write: {err.strerror or err}") from None


# ---------------------------------------------------------------- the command
def run(args) -> int:
    from linreg.model_io import read
    from linreg.sources.predict import CsvWriter

    model_file = read(args.model)
    keywords = check_intervals(args, model_file)
    names = header(model_file, args.interval)
    chunks = predictions(model_file, args, keywords)
    # The first batch before any output: a bad file or model writes nothing at all.
    first = next(chunks, None)
    n = 0
    with output(args.output) as out:
        writer = CsvWriter(out, names)
        for values in itertools.chain([] if first is None else [first], chunks):
            writer.write(values)
            n += len(values)
    if args.output is not None:
        print(f"Wrote {n} predictions to {args.output}", file=sys.stderr)
    return 0
