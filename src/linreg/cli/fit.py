"""``linreg fit``: fit a model to a CSV or Parquet file, summarize, test, plot, save."""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import DataError, UsageError

EXACT_SOLVERS = ("auto", "cholesky", "qr", "extended", "svd", "eigh")
ITERATIVE_SOLVERS = ("gd", "autograd", "torch")
MODELS = ("ols", "ridge", "lasso", "elasticnet")
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fit",
        help="fit a model to a CSV or Parquet file",
        description=(
            "Fit a linear model to DATA, print its summary and held-out metrics, and "
            "optionally write plots and a JSON model file."
        ),
    )
    p.add_argument(
        "data", metavar="DATA", help="a .csv or .parquet file, a folder of them, or a glob"
    )
    p.add_argument("--target", "-t", metavar="COL", help="the column to predict")
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--features", metavar="A,B,C", help="feature columns (default: all but target/weights)"
    )
    what.add_argument("--formula", metavar='"y ~ a + b"', help="a formulaic formula")
    p.add_argument("--model", choices=MODELS, help="default: ols; ridge with --alpha")
    p.add_argument(
        "--solver",
        metavar="S",
        help=f"exact: {', '.join(EXACT_SOLVERS)}; iterative: {', '.join(ITERATIVE_SOLVERS)}",
    )
    p.add_argument("--alpha", type=float, metavar="A", help="penalty strength")
    p.add_argument("--l1-ratio", type=float, metavar="R", help="elastic-net mixing (0..1)")
    p.add_argument("--no-intercept", action="store_true", help="fit through the origin")
    p.add_argument("--weights", metavar="COL", help="column of sample weights")
    p.add_argument("--test-size", type=float, metavar="F", help="default 0.2 (0 with --scheduler)")
    p.add_argument("--val-size", type=float, default=0.0, metavar="F", help="default 0")
    p.add_argument("--random-state", type=int, default=0, metavar="N", help="split seed")
    p.add_argument("--cov-type", choices=COV_TYPES, default="nonrobust")
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
    it.add_argument("--lr", type=float, help="learning rate (default: automatic, 1/L)")
    it.add_argument("--max-iter", type=int, help="epoch cap")
    it.add_argument("--batch-size", type=int, help="minibatch size (torch)")
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
    if args.l1_ratio is not None and not 0 <= args.l1_ratio <= 1:
        raise UsageError(f"--l1-ratio must be in [0, 1], got {args.l1_ratio}")
    if args.alpha is not None and not args.alpha >= 0:
        raise UsageError(f"--alpha must be non-negative, got {args.alpha}")
    params = {"fit_intercept": not args.no_intercept}
    solver = args.solver
    if solver is not None:
        if model in ("ols", "ridge") and solver not in EXACT_SOLVERS + ITERATIVE_SOLVERS:
            raise UsageError(
                f"unknown --solver {solver!r}; choose one of "
                f"{', '.join(EXACT_SOLVERS + ITERATIVE_SOLVERS)}"
            )
        params["solver"] = solver
    iterative = {
        "optimizer": args.optimizer,
        "lr": args.lr,
        "max_iter": args.max_iter,
        "batch_size": args.batch_size,
    }
    given = {k: v for k, v in iterative.items() if v is not None}
    if given and solver not in ITERATIVE_SOLVERS:
        options = ", ".join("--" + k.replace("_", "-") for k in given)
        raise UsageError(f"{options} apply to the iterative solvers (--solver gd/autograd/torch)")
    if solver in ITERATIVE_SOLVERS:
        params.update(given, random_state=args.random_state)
    alpha = 1.0 if args.alpha is None else args.alpha
    if model == "ols":
        return linreg.LinearRegression(**params)
    if model == "ridge":
        return linreg.Ridge(alpha=alpha, **params)
    name = "Lasso" if model == "lasso" else "ElasticNet"
    try:
        cls = getattr(linreg, name)
    except AttributeError:
        raise UsageError(f"--model {model}: this linreg version has no {name}") from None
    if model == "lasso":
        return cls(alpha=alpha, **params)
    return cls(alpha=alpha, l1_ratio=0.5 if args.l1_ratio is None else args.l1_ratio, **params)


def load_design(args):
    """``(X, y, w, feature_names, target_name, formula_rhs)`` from the options."""
    from .data import read_table, select

    if args.formula is None and args.target is None:
        raise UsageError('give --target COL (or --formula "y ~ ...")')
    table = read_table(args.data)
    if args.formula is not None:
        from .formula_data import formula_design

        return formula_design(table, args)
    features = None
    if args.features is not None:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
    cols = select(
        table,
        args.data,
        target=args.target,
        features=features,
        weights=args.weights,
        drop_missing=args.drop_missing,
    )
    return cols.X, cols.y, cols.weights, cols.feature_names, cols.target_name, None


def run(args) -> int:
    from .holdout import HoldOut
    from .stream import should_stream

    estimator = build_estimator(args)
    if args.test_size is None:
        args.test_size = 0.0 if args.scheduler is not None else 0.2
    if args.scheduler is not None:
        from .cluster import run_on_cluster

        names, metrics, summary = run_on_cluster(args, estimator)
        plots = {}
        if args.plots and summary is not None:
            from linreg import plots as plotting

            Path(args.plots).mkdir(parents=True, exist_ok=True)
            plots["coefficients"] = plotting.coefficients(
                summary, Path(args.plots) / "coefficients.png"
            )
        n_train = metrics["train"]["n"]
        return _finish(args, estimator, names, args.target, None, n_train, metrics, summary, plots)
    holdout = HoldOut(args.test_size, args.val_size, args.random_state)
    if should_stream(args):
        return _run_streaming(args, estimator, holdout)
    return _run_in_memory(args, estimator, holdout)


def _run_in_memory(args, estimator, holdout) -> int:
    import numpy as np

    from . import report
    from .holdout import PART_NAMES, TEST, TRAIN, VALIDATION

    X, y, w, names, target, rhs = load_design(args)
    estimator.set_params(fit_intercept=not args.no_intercept)  # a formula may drop it
    labels = holdout.labels(len(y))
    parts = {PART_NAMES[k]: np.flatnonzero(labels == k) for k in (TRAIN, VALIDATION, TEST)}
    train, val = parts["train"], parts["validation"]
    if len(train) == 0:
        raise UsageError(f"no rows left to train on ({len(y)} rows); lower --test-size/--val-size")

    def rows(idx):
        return X[idx], y[idx], None if w is None else w[idx]

    Xt, yt, wt = rows(train)
    fit_kwargs = {"sample_weight": wt}
    if len(val) and getattr(estimator, "solver", None) in ITERATIVE_SOLVERS:
        fit_kwargs["validation_data"] = (X[val], y[val])
    _fit_named(estimator, Xt, yt, names, **fit_kwargs)

    sums = report.MetricSums.of(estimator, np.average(yt, weights=wt))
    metrics = {
        part: report.metrics_from_sums(sums(*rows(idx))) for part, idx in parts.items() if len(idx)
    }
    summary = estimator.summary(cov_type=args.cov_type) if hasattr(estimator, "summary") else None
    plots = _plots(estimator, Xt, yt, args.plots) if args.plots else {}
    return _finish(args, estimator, names, target, rhs, len(train), metrics, summary, plots)


def _run_streaming(args, estimator, holdout) -> int:
    """Fit a large file, folder or glob in passes of record batches (bounded memory)."""
    import linreg

    from .stream import ByteProgress, HeldOutSource, part_metrics

    if args.formula is not None:
        raise UsageError("--formula reads the data into memory; stream with --features")
    if args.drop_missing:
        raise UsageError("--drop-missing is not available when streaming; drop the rows first")
    if args.target is None:
        raise UsageError("give --target COL")
    features = None
    if args.features is not None:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
    progress = ByteProgress("reading")
    scan = linreg.scan(
        args.data, target=args.target, features=features, weights=args.weights, progress=progress
    )
    try:
        estimator.fit(HeldOutSource(scan, holdout) if holdout.splits else scan)
        metrics = part_metrics(estimator, scan, holdout)
        summary = (
            estimator.summary(cov_type=args.cov_type) if hasattr(estimator, "summary") else None
        )
    finally:
        progress.close()
    plots = {}
    if args.plots:
        # The data is not in memory: the plots that need only the fit.
        from linreg import plots as plotting

        Path(args.plots).mkdir(parents=True, exist_ok=True)
        if summary is not None:
            plots["coefficients"] = plotting.coefficients(
                summary, Path(args.plots) / "coefficients.png"
            )
        print("Streamed data: only the coefficient plot is drawn.", file=sys.stderr)
    names = list(scan.feature_names)
    n_train = metrics.get("train", {}).get("n", 0)
    return _finish(args, estimator, names, args.target, None, n_train, metrics, summary, plots)


def _finish(args, estimator, names, target, rhs, n_train, metrics, summary, plots) -> int:
    """Save the model if asked, and print the summary and metrics (table or JSON)."""
    import numpy as np

    from . import report

    saved = None
    if args.save:
        from linreg.model_io import save

        cov_types = tuple(dict.fromkeys(["nonrobust", args.cov_type]))
        saved = save(
            estimator,
            args.save,
            cov_types=cov_types if summary is not None else (),
            metrics=metrics,
            formula=rhs,
            extra={"target": target, "data": str(args.data)},
        )
    if args.format == "json":
        doc = {
            "model": type(estimator).__name__,
            "target": target,
            "features": names,
            "solver_": estimator.solver_,
            "n_iter_": int(np.max(getattr(estimator, "n_iter_", 0))),
            "intercept": float(np.atleast_1d(estimator.intercept_)[0]),
            "coef": dict(zip(names, map(float, np.atleast_2d(estimator.coef_)[0]))),
            "summary": None if summary is None else report.summary_dict(summary),
            "metrics": metrics,
            "plots": {k: str(v) for k, v in plots.items()},
            "saved": None if saved is None else str(saved),
        }
        print(report.dump_json(doc))
        return 0
    print(
        f"{type(estimator).__name__} of {target!r} on {len(names)} feature(s), "
        f"{n_train} training rows (solver_={estimator.solver_!r})"
    )
    print(str(summary) if summary is not None else report.coefficient_table(estimator))
    print()
    print(report.metrics_table(metrics))
    if plots:
        print(f"\nPlots written to {Path(args.plots).resolve()}/: {', '.join(sorted(plots))}")
    if saved is not None:
        print(f"Model saved to {saved}")
    return 0


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


def _plots(model, X, y, directory):
    import warnings

    from linreg import plots

    history = getattr(model, "history_", None) or None
    # The plots call predict on arrays whose columns are the model's features in order.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        try:
            return plots.all_plots(model, X, y, directory, history=history)
        except OSError as err:
            raise DataError(f"cannot write plots to {directory}: {err}") from None
