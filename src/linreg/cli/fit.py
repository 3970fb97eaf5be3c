"""``linreg fit``: fit a model to a CSV or Parquet file, summarize, test, plot, save."""

from __future__ import annotations

import sys
from pathlib import Path

from . import options
from .covariance import COV_TYPES, add_covariance_arguments, check_covariance_options, cov_kwds
from .errors import DataError, UsageError

MODELS = ("ols", "ridge", "lasso", "elasticnet")
__all__ = ["COV_TYPES", "MODELS", "add_parser", "run"]


def solver_names(model: str) -> tuple[str, ...]:
    """The solvers of ``model`` ("ols", "ridge", "lasso", "elasticnet"), read from the
    library's registries: the exact least-squares solvers and the iterative trainers for
    OLS and Ridge, the coordinate-descent layouts and proximal trainers for the L1 models."""
    if model in ("ols", "ridge"):
        from linreg.solvers import SOLVERS
        from linreg.training import TRAINERS

        return (*SOLVERS, *TRAINERS)
    from linreg.penalized.data import ITERATIVE, SOLVERS

    return (*SOLVERS, *ITERATIVE)


def iterative_solvers() -> tuple[str, ...]:
    """Solvers that train by iterations (they take --lr, --max-iter, ... and --val-size)."""
    from linreg.penalized.data import ITERATIVE
    from linreg.training import TRAINERS

    return tuple(dict.fromkeys((*TRAINERS, *ITERATIVE)))


def folds(text: str) -> int:
    """``--cv K``: 0 (no cross-validation) or a number of folds of at least 2."""
    import argparse

    value = options.non_negative_int(text)
    if value == 1:
        raise argparse.ArgumentTypeError("must be 0 (off) or a number of folds >= 2, got 1")
    return value


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fit",
        help="fit a model to a CSV or Parquet file",
        description=(
            "Fit a linear model to all rows of DATA, print its summary and k-fold "
            "cross-validated R^2, RMSE and MAE, and optionally write plots and a JSON model "
            "file. --test-size F holds out a test set first; the model, summary and saved "
            "file then come from the training part."
        ),
    )
    from .data import add_data_arguments

    add_data_arguments(p, "a .csv or .parquet file, a folder of them, or a glob")
    p.add_argument(
        "--target",
        "-t",
        metavar="COL[,COL]",
        type=options.names,
        help="the column to predict (several, comma-separated: one multi-output fit, "
        "summaries and figures per target)",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--features",
        metavar="A,B,C",
        type=options.names,
        help="feature columns (default: all but target/weights)",
    )
    what.add_argument(
        "--formula",
        metavar='"y ~ a + b"',
        help='a formulaic formula; "y ~ a + b | f1 + f2" absorbs the fixed effects of f1 and '
        "f2 (fixest's syntax; OLS, summary clustered by f1 unless --cov-type is given)",
    )
    p.add_argument("--model", choices=MODELS, help="default: ols; ridge with --alpha")
    p.add_argument(
        "--solver",
        metavar="S",
        help=(
            "a solver of the model (exact: auto, cholesky, eigh, qr, svd, extended; "
            "iterative: gd, autograd, torch; Lasso/ElasticNet: auto, gram, design, gd, "
            "torch); an unknown name is refused with the model's list from the library"
        ),
    )
    p.add_argument(
        "--alpha", type=options.non_negative_float, metavar="A", help="penalty strength"
    )
    p.add_argument(
        "--l1-ratio", type=options.unit_interval, metavar="R", help="elastic-net mixing (0..1)"
    )
    p.add_argument("--no-intercept", action="store_true", help="fit through the origin")
    p.add_argument("--weights", metavar="COL", help="column of sample weights")
    p.add_argument(
        "--cv",
        type=folds,
        default=5,
        metavar="K",
        help=(
            "K-fold cross-validated R^2, RMSE and MAE (default 5; 0: off); weighted fits "
            "report weighted figures"
        ),
    )
    p.add_argument(
        "--test-size",
        type=options.fraction,
        default=0.0,
        metavar="F",
        help="hold out this fraction as a test set (default 0: fit on all rows)",
    )
    p.add_argument(
        "--val-size",
        type=options.fraction,
        default=0.0,
        metavar="F",
        help="validation fraction for the iterative solvers (default 0)",
    )
    p.add_argument(
        "--random-state",
        type=options.non_negative_int,
        default=0,
        metavar="N",
        help="seed of the held-out split and of the folds (default 0)",
    )
    add_covariance_arguments(p)
    p.set_defaults(cov_type=None)  # nonrobust; with absorbed effects clustered by the first
    p.add_argument(
        "--diagnostics",
        action="store_true",
        help="also print specification diagnostics: Breusch-Pagan and the variance "
        "inflation factors (OLS and Ridge in memory)",
    )
    p.add_argument(
        "--drop-missing", action="store_true", help="drop rows with missing values (reported)"
    )
    p.add_argument("--plots", metavar="DIR", help="write diagnostic plots into DIR")
    p.add_argument("--save", metavar="MODEL.json", help="write the fitted model as JSON")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--stream",
        action="store_true",
        help="read DATA in batches (automatic for folders, globs and files over 32 MB)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="fit on a Dask cluster (tcp://host:8786); the workers read DATA",
    )
    it = p.add_argument_group("iterative solvers (gd, autograd, torch)")
    it.add_argument("--optimizer", help="torch: sgd, momentum, nesterov, adam, adamw, lbfgs")
    it.add_argument(
        "--lr", type=options.positive_float, help="learning rate (default: automatic, 1/L)"
    )
    it.add_argument("--max-iter", type=options.positive_int, help="epoch cap")
    it.add_argument("--batch-size", type=options.positive_int, help="minibatch size (gd, torch)")
    p.set_defaults(run=run)


def build_estimator(args):
    """The estimator the options ask for, or a usage error naming the conflict."""
    import linreg

    model = args.model or (
        "elasticnet" if args.l1_ratio is not None else "ridge" if args.alpha is not None else "ols"
    )
    if model == "ols" and args.alpha is not None:
        raise UsageError("--alpha needs a penalized model (--model ridge, lasso or elasticnet)")
    if args.l1_ratio is not None and model != "elasticnet":
        raise UsageError(f"--l1-ratio applies to --model elasticnet, not {model}")
    params = {"fit_intercept": not args.no_intercept}
    solver = args.solver
    if solver is not None:
        valid = solver_names(model)
        if solver not in valid:
            raise UsageError(
                f"argument --solver: {solver!r} is not a solver of --model {model}; "
                f"choose one of {', '.join(valid)}"
            )
        params["solver"] = solver
    iterative = {
        "optimizer": args.optimizer,
        "lr": args.lr,
        "max_iter": args.max_iter,
        "batch_size": args.batch_size,
    }
    given = {k: v for k, v in iterative.items() if v is not None}
    if given and solver not in iterative_solvers():
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise UsageError(
            f"{names} apply to the iterative solvers (--solver {'/'.join(iterative_solvers())})"
        )
    if solver in iterative_solvers():
        params.update(given, random_state=args.random_state)
    alpha = 1.0 if args.alpha is None else args.alpha
    if model == "ols":
        return linreg.LinearRegression(**params)
    if model == "ridge":
        return linreg.Ridge(alpha=alpha, **params)
    if model == "lasso":
        return linreg.Lasso(alpha=alpha, **params)
    return linreg.ElasticNet(
        alpha=alpha, l1_ratio=0.5 if args.l1_ratio is None else args.l1_ratio, **params
    )


def check_targets(args) -> list[str] | None:
    """The target names, from --target or the response of --formula; a usage error when
    both are given and disagree, or when several targets meet an option that takes one."""
    targets = args.target
    if args.formula is not None:
        lhs = args.formula.split("~", 1)[0].strip() if "~" in args.formula else None
        if targets is not None and [lhs] != [t.strip() for t in targets]:
            raise UsageError(
                f"--target {','.join(targets)} and --formula {args.formula!r} name different "
                "targets; give the target in one place (the formula's left-hand side)"
            )
        return None
    if targets is None:
        raise UsageError('give --target COL (or --formula "y ~ ...")')
    if len(set(targets)) < len(targets):
        raise UsageError(f"--target names a column twice: {','.join(targets)}")
    if len(targets) > 1:
        if args.solver in iterative_solvers():
            raise UsageError("several targets take an exact solver (not --solver gd/torch/...)")
    return targets


def load_design(args, targets):
    """The :class:`Design` the options ask for: Y is 1-D for one target, (n, k) for k
    targets; the ``--groups`` columns are read as codes (rows aligned), not features."""
    from .covariance import check_groups_columns, with_group_codes
    from .data import read_table, select

    table = read_table(args.data, args.sep)
    special = [*(targets or []), *([args.weights] if args.weights else [])]
    check_groups_columns(args, table.column_names, special)
    if args.formula is not None:
        from .formula_data import formula_design

        X, y, w, names, target, rhs, groups = formula_design(table, args, args.groups or ())
        return Design(X, y, w, names, [target], rhs, None, groups)
    features = args.features
    if features is None:  # every column but the targets, the weights and the groups
        skip = {*special, *(args.groups or ())}
        features = [c for c in table.column_names if c not in skip]
    table, codes = with_group_codes(args, table)
    cols = select(
        table,
        args.data,
        target=targets if len(targets) > 1 else targets[0],
        features=[*features, *codes],
        weights=args.weights,
        drop_missing=args.drop_missing,
        sep=args.sep,
    )
    k = len(features)
    X, groups = cols.X[:, :k], (cols.X[:, k:] if codes else None)
    names = cols.feature_names[:k]
    return Design(X, cols.y, cols.weights, names, targets, None, cols.n_dropped, groups)


class Design:
    """The data of an in-memory fit: ``X, y, w``, the feature and target names, the
    stored formula, the rows dropped and the groups' codes (``--groups``) or None."""

    def __init__(self, X, y, w, names, targets, rhs, n_dropped, groups):
        self.X, self.y, self.w, self.names, self.targets = X, y, w, names, targets
        self.rhs, self.n_dropped, self.groups = rhs, n_dropped, groups


def run(args) -> int:
    """``linreg fit``: validate the options, then fit in memory, streamed or on Dask."""
    from .holdout import HoldOut
    from .stream import should_stream

    absorbed = _absorbs(args)
    if absorbed:
        from .formula_data import check_absorbed_options

        check_absorbed_options(args)
    estimator = build_estimator(args)
    cov_default = args.cov_type is None
    if cov_default:
        args.cov_type = "nonrobust"
    check_covariance_options(args)
    targets = check_targets(args)
    if absorbed:
        return _finish(args, estimator, _run_absorbed(args, estimator, cov_default))
    holdout = HoldOut(args.test_size, args.val_size, args.random_state)
    if args.scheduler is not None:
        from .cluster import run_on_cluster

        names, metrics, result_summaries, cv, checks = run_on_cluster(args, estimator, targets)
        plots = _coefficient_plot(result_summaries, args.plots, targets) if args.plots else {}
        n_rows = {
            "total": sum(_n_of(m) for m in metrics.values()),
            "train": _n_of(metrics["train"]),
        }
        result = FitResult(names, targets, None, n_rows, metrics, result_summaries, plots, cv)
        result.diagnostics = checks
    elif should_stream(args):
        result = _run_streaming(args, estimator, holdout, targets)
    else:
        result = _run_in_memory(args, estimator, holdout, targets)
    return _finish(args, estimator, result)


def _absorbs(args) -> bool:
    """Whether ``--formula`` absorbs fixed effects (``y ~ x | f``)."""
    if args.formula is None or "|" not in args.formula:
        return False
    from .formula_data import parse_formula

    return bool(parse_formula(args).absorb_terms)


def _run_absorbed(args, estimator, cov_default: bool) -> FitResult:
    """``--formula "y ~ x | f1 + f2"``: OLS with absorbed effects (in memory, or on
    :func:`linreg.scan` with ``--stream``)."""
    from .formula_data import fit_absorbed, fit_absorbed_streamed, streams_absorbed

    fit = fit_absorbed_streamed if streams_absorbed(args) else fit_absorbed
    names, target, n_rows, metrics, result_summaries = fit(args, estimator, cov_default)
    if args.cv:
        print(
            "Cross-validation is not computed with absorbed effects (a held-out row's level "
            "may be unseen in training).",
            file=sys.stderr,
        )
    plots = {}
    if args.plots:
        plots = _coefficient_plot(result_summaries, args.plots, [target])
        print("Absorbed effects: only the coefficient plot is drawn.", file=sys.stderr)
    return FitResult(names, [target], None, n_rows, metrics, result_summaries, plots, None)


class FitResult:
    """What a fit path hands to :func:`_finish`."""

    def __init__(self, names, targets, rhs, n_rows, metrics, summaries, plots, cv):
        self.names, self.targets, self.rhs = names, targets, rhs
        self.n_rows = n_rows  # {"total": N, "train": n}
        self.metrics, self.summaries, self.plots, self.cv = metrics, summaries, plots, cv
        self.diagnostics = None  # --diagnostics: linreg.cli.diagnostics.compute's dict


def summaries(estimator, cov_type, n_targets, kwds=None) -> list:
    """One Summary per target, or an empty list for models without one (L1); ``kwds``
    are the covariance's (``groups``, ``maxlags``, ``kernel``)."""
    if not hasattr(estimator, "summary"):
        return []
    kwds = kwds or {}
    return [estimator.summary(cov_type=cov_type, target=j, **kwds) for j in range(n_targets)]


def _run_in_memory(args, estimator, holdout, targets) -> FitResult:
    import numpy as np

    from linreg.split import PART_NAMES, TEST, TRAIN, VALIDATION

    from .covariance import as_groups
    from .metrics import MetricSums, cross_validation, metrics_by_target

    design = load_design(args, targets)
    X, y, w, names, targets = design.X, design.y, design.w, design.names, design.targets
    rhs, n_dropped = design.rhs, design.n_dropped
    estimator.set_params(fit_intercept=not args.no_intercept)  # a formula may drop it
    labels = holdout.labels(len(y))
    parts = {PART_NAMES[k]: np.flatnonzero(labels == k) for k in (TRAIN, VALIDATION, TEST)}
    train, val = parts["train"], parts["validation"]
    if len(train) == 0:
        raise UsageError(
            f"no rows left to train on ({len(y)} rows, --test-size {args.test_size}, "
            f"--val-size {args.val_size}); lower --test-size/--val-size"
        )

    def rows(idx):
        return X[idx], y[idx], None if w is None else w[idx]

    _check_squares(args, X, y, names, targets, n_dropped == 0)
    Xt, yt, wt = rows(train)
    fit_kwargs = {"sample_weight": wt}
    if len(val) and getattr(estimator, "solver", None) in iterative_solvers():
        fit_kwargs["validation_data"] = (X[val], y[val])
    _fit_named(estimator, Xt, yt, names, **fit_kwargs)
    centre = _weighted_mean(yt, wt)
    sums = MetricSums.of(estimator, centre)
    metrics = {
        part: metrics_by_target(sums(*rows(idx)), targets)
        for part, idx in parts.items()
        if len(idx)
    }
    cv = cross_validation(args, estimator, Xt, y=yt, sample_weight=wt, feature_names=names)
    groups = None if design.groups is None else as_groups(design.groups[train])
    kwds = cov_kwds(args, groups)
    result_summaries = summaries(estimator, args.cov_type, len(targets), kwds)
    plots = _plots(estimator, Xt, yt, args.plots, targets) if args.plots else {}
    n_rows = {"total": len(y), "train": len(train)}
    result = FitResult(names, targets, rhs, n_rows, metrics, result_summaries, plots, cv)
    result.diagnostics = _diagnostics(args, estimator, names, targets)
    return result


def _diagnostics(args, estimator, names, targets):
    """``--diagnostics``: Breusch-Pagan and the VIFs (a pass over the training rows)."""
    if not args.diagnostics:
        return None
    from .diagnostics import compute

    return compute(estimator, names, targets)


def _check_squares(args, X, y, names, targets, lines_known: bool) -> None:
    """A data error naming the file, the column and the line when a column's sum of
    squares would overflow float64 (``n max|v|^2`` beyond the largest double)."""
    import numpy as np

    from .data import data_source

    columns = [*zip(names, X.T), *zip(targets, np.asarray(y).reshape(len(y), -1).T)]
    limit = 1022.0 - np.log2(max(len(y), 1))  # log2 of the largest safe square
    for name, values in columns:
        biggest = np.abs(values).max(initial=0.0)
        if biggest > 0 and 2 * np.log2(biggest) > limit:
            r = int(np.argmax(np.abs(values)))
            src = data_source(args.data, args.sep)
            where = f" at {src.where(r)}" if lines_known else ""
            raise DataError(
                f"{src.name}: column {name!r} has values too large to square in float64 "
                f"({values[r]:.3g}{where}); rescale that column"
            )


def _weighted_mean(y, w):
    """Mean of each target (weighted; the plain mean when the weights sum to zero)."""
    import numpy as np

    if w is not None and w.sum() > 0:
        return np.average(y, axis=0, weights=w)
    return np.mean(y, axis=0)


def _run_streaming(args, estimator, holdout, targets) -> FitResult:
    """Fit a large file, folder or glob in passes of record batches (bounded memory)."""
    from .stream import ByteProgress, HeldOutSource, part_metrics

    if args.formula is not None:
        raise UsageError("--formula reads the data into memory; stream with --features")
    if args.drop_missing:
        raise UsageError("--drop-missing is not available when streaming; drop the rows first")
    from .data import is_stdin

    if is_stdin(args.data):
        raise UsageError(
            "--stream reads DATA in several passes, and standard input ('-') can be read "
            "once only: give a file name, or leave out --stream"
        )
    progress = ByteProgress("reading")
    scan = _scan(args, targets, progress)
    source = HeldOutSource(scan, holdout) if holdout.splits else scan
    try:
        cv = _fit_streamed(args, estimator, source)
        metrics = part_metrics(estimator, scan, holdout)
        kwds = cov_kwds(args, _column_groups(args))
        result_summaries = summaries(estimator, args.cov_type, len(targets), kwds)
        checks = _diagnostics(args, estimator, list(scan.feature_names), targets)
    finally:
        progress.close()
    plots = {}
    if args.plots:
        plots = _coefficient_plot(result_summaries, args.plots, targets)
        print("Streamed data: only the coefficient plot is drawn.", file=sys.stderr)
    n_total = sum(_n_of(m) for m in metrics.values())
    n_rows = {"total": n_total, "train": _n_of(metrics["train"]) if "train" in metrics else 0}
    names = list(scan.feature_names)
    result = FitResult(names, targets, None, n_rows, metrics, result_summaries, plots, cv)
    result.diagnostics = checks
    return result


def _column_groups(args):
    """``groups`` of a streamed summary: the column's name (two names for two-way)."""
    if not args.groups:
        return None
    return args.groups[0] if len(args.groups) == 1 else list(args.groups)


def _scan(args, targets, progress):
    """The :func:`linreg.scan` of DATA; its features leave out the ``--groups`` columns
    (read in the covariance's pass as labels, never as features)."""
    import linreg

    from .covariance import check_groups_columns

    def scan(features):
        return linreg.scan(
            args.data,
            target=targets if len(targets) > 1 else targets[0],
            features=features,
            weights=args.weights,
            progress=progress,
            sep=args.sep,
        )

    found = scan(args.features)  # reads the schemas only
    if not args.groups:
        return found
    special = [*targets, *([args.weights] if args.weights else [])]
    from linreg.io.tables import column_names

    check_groups_columns(args, column_names(found.sources[0]), special)
    if args.features is None:
        found = scan([c for c in found.feature_names if c not in args.groups])
    return found


def _n_of(m: dict) -> int:
    """The row count of one part's metrics (one target, or keyed by target)."""
    return m["n"] if "n" in m else next(iter(m.values()))["n"]


def _fit_streamed(args, estimator, source):
    """With CV on an exact model: the fold Moments pass, the fit from their merge (no
    pass of its own), and the fold residuals pass.  Otherwise one pass to fit."""
    import warnings

    from linreg.cross_validation import MomentsSource, fits_from_moments

    from .metrics import cross_validation

    cv = None
    if args.cv and fits_from_moments(estimator):
        cv = cross_validation(args, estimator, source)
    if cv is not None:
        estimator.fit(MomentsSource(cv.total_moments, source))
        return cv
    estimator.fit(source)  # the iterative solvers train on the scan's minibatches
    if args.cv and not fits_from_moments(estimator):
        warnings.warn(
            f"cross-validation skipped: solver {estimator.solver!r} refits on rows, which a "
            "streamed fit does not hold (use an exact solver, or --cv 0)",
            stacklevel=2,
        )
    return None


def _coefficient_plot(result_summaries, directory, targets) -> dict:
    """The plot that needs only the fit (the data is not in memory), one per target."""
    if not result_summaries:
        return {}
    from linreg import plots as plotting

    Path(directory).mkdir(parents=True, exist_ok=True)
    plots = {}
    for target, summary in zip(targets, result_summaries):
        name = "coefficients" if len(targets) == 1 else f"coefficients_{target}"
        plots[name] = plotting.coefficients(summary, Path(directory) / f"{name}.png")
    return plots


def _finish(args, estimator, result: FitResult) -> int:
    """Save the model if asked, and print the summary and metrics (table or JSON)."""
    from . import report

    targets = result.targets
    target = targets[0] if len(targets) == 1 else targets
    cv = None if result.cv is None else result.cv.as_dict(targets)
    metrics = dict(result.metrics)
    if cv is not None:
        metrics["cross_validation"] = cv
    saved = None
    if args.save:
        from linreg.model_io import save

        computed = {args.cov_type: result.summaries} if result.summaries else None
        saved = save(
            estimator,
            args.save,
            cov_types=("nonrobust",) if result.summaries else (),
            summaries=computed,
            metrics=_finite_only(metrics),
            formula=result.rhs,
            extra={"target": target, "data": str(args.data)},
        )
    if args.format == "json":
        print(report.dump_json(_json_document(args, estimator, result, cv, saved)))
        return 0
    _print_tables(args, estimator, result, cv, saved)
    return 0


def _finite_only(value):
    """``value`` with NaN and infinite numbers as None (model files hold strict JSON)."""
    import math

    if isinstance(value, dict):
        return {k: _finite_only(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_only(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fitted_on(args, n_rows) -> str:
    """The sentence that says which rows the model, summary and saved file come from."""
    if n_rows["train"] == n_rows["total"]:
        return f"fitted on all {n_rows['total']} rows"
    held = [f"--test-size {args.test_size}" if args.test_size else ""]
    held += [f"--val-size {args.val_size}" if args.val_size else ""]
    return (
        f"fitted on the training part only: {n_rows['train']} of {n_rows['total']} rows "
        f"({' and '.join(h for h in held if h)} held out, seed {args.random_state}); the "
        "summary and the saved model come from these rows"
    )


def _json_document(args, estimator, result, cv, saved) -> dict:
    import numpy as np

    from . import report

    targets, names = result.targets, result.names
    coef = np.atleast_2d(estimator.coef_)
    intercept = np.atleast_1d(estimator.intercept_)
    per_target = {
        "coef": [dict(zip(names, map(float, coef[j]))) for j in range(len(targets))],
        "intercept": [float(intercept[j]) for j in range(len(targets))],
        "summary": [report.summary_dict(s) for s in result.summaries]
        or [None] * len(targets),
    }
    one = len(targets) == 1
    doc = {
        "model": type(estimator).__name__,
        "target": targets[0] if one else targets,
        "features": names,
        "rows": result.n_rows,
        "fitted_on": "all rows" if result.n_rows["train"] == result.n_rows["total"] else "train",
        "solver_": estimator.solver_,
        "n_iter_": int(np.max(_n_iter(estimator))),
    }
    for key, values in per_target.items():
        doc[key] = values[0] if one else dict(zip(targets, values))
    if args.diagnostics:
        doc["diagnostics"] = result.diagnostics
    doc.update(
        metrics=result.metrics,
        cv=cv,
        plots={k: str(v) for k, v in result.plots.items()},
        saved=None if saved is None else str(saved),
    )
    return doc


def _print_tables(args, estimator, result, cv, saved) -> None:
    from . import report
    from .metrics import metrics_table

    targets = result.targets
    print(
        f"{type(estimator).__name__} of {', '.join(map(repr, targets))} on "
        f"{len(result.names)} feature(s), {_fitted_on(args, result.n_rows)} "
        f"(solver_={estimator.solver_!r})"
    )
    if result.summaries:
        for target, summary in zip(targets, result.summaries):
            if len(targets) > 1:
                print(f"\nSummary of target {target!r}:")
            print(str(summary))
    else:
        print(report.coefficient_table(estimator, targets))
    if args.diagnostics:
        from .diagnostics import lines

        print()
        print("\n".join(lines(result.diagnostics, targets)))
    print()
    print(metrics_table({**result.metrics, "cross_validation": cv}))
    if result.plots:
        where = Path(args.plots).resolve()
        print(f"\nPlots written to {where}/: {', '.join(sorted(result.plots))}")
    if saved is not None:
        print(f"Model saved to {saved}")


def _fit_named(estimator, X, y, names, **kwargs):
    """Fit with the column names read from the file as the feature names.

    A pandas DataFrame view carries them when pandas is installed (so warnings name
    the columns); otherwise the names are recorded after fitting the array.
    """
    import numpy as np

    try:
        import pandas as pd
    except ImportError:
        estimator.fit(X, y, **kwargs)
    else:
        if "validation_data" in kwargs:
            X_val, y_val = kwargs["validation_data"]
            kwargs["validation_data"] = (pd.DataFrame(X_val, columns=names), y_val)
        estimator.fit(pd.DataFrame(X, columns=names, copy=False), y, **kwargs)
    estimator.feature_names_in_ = np.asarray(names, dtype=object)


def _plots(model, X, y, directory, targets):
    import warnings

    from linreg import plots

    history = getattr(model, "history_", None) or None
    # The plots call predict on arrays whose columns are the model's features in order.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        try:
            names = targets[0] if len(targets) == 1 else list(targets)
            return plots.all_plots(model, X, y, directory, history=history, target_name=names)
        except OSError as err:
            raise DataError(f"cannot write plots to {directory}: {err}") from None


def _n_iter(estimator):
    """``n_iter_``; for a direct solve whose ``n_iter_`` is None (Ridge, as scikit-learn)
    the solution's refinement steps, at least 1."""
    n_iter = getattr(estimator, "n_iter_", 0)
    if n_iter is None:
        return max(1, int(estimator.solution_.n_iter))
    return n_iter
