"""``linreg fit --scheduler ADDRESS``: the fit on a Dask cluster.

The workers read DATA (a file, a folder or a glob; CSV or Parquet) with dask.dataframe,
compute each partition's Moments, and merge them in a tree; this machine solves and
prints.  The data must be readable at the same path from every worker.  The summary's
second passes and the training metrics also run on the workers.  There is no held-out
split on a cluster (each row's draw is tied to file order): use ``--test-size 0``.
"""

from __future__ import annotations

from .errors import DataError, UsageError
from .report import MetricSums, metrics_from_sums


def read_frame(args):
    """The Dask DataFrame of DATA and the feature names."""
    import dask.dataframe as dd

    from .data import CSV_SUFFIXES

    path = str(args.data)
    lower = path.rstrip("/").lower()
    try:
        if lower.endswith(CSV_SUFFIXES):
            frame = dd.read_csv(path, sep="\t" if lower.endswith(".tsv") else ",")
        else:  # a Parquet file, a folder of them, or a glob
            frame = dd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: {err}") from None
    columns = list(frame.columns)
    needed = [args.target] + ([args.weights] if args.weights else [])
    features = (
        [f.strip() for f in args.features.split(",")]
        if args.features
        else [c for c in columns if c not in needed]
    )
    missing = [c for c in needed + features if c not in columns]
    if missing:
        raise DataError(
            f"{path}: no column(s) {', '.join(map(repr, missing))}; the columns are: "
            f"{', '.join(map(str, columns))}"
        )
    return frame, features


def run_on_cluster(args, estimator):
    """Fit on the cluster at ``args.scheduler``; returns (names, metrics, summary)."""
    if args.formula is not None or args.drop_missing:
        raise UsageError("--scheduler takes --features (not --formula or --drop-missing)")
    if args.target is None:
        raise UsageError("give --target COL")
    if args.test_size or args.val_size:
        raise UsageError("a cluster fit has no held-out split: pass --test-size 0")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs the 'dask' extra: pip install 'linreg[dask]'") from None
    try:
        client = Client(args.scheduler, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise DataError(f"cannot reach the Dask scheduler at {args.scheduler}: {err}") from None
    with client:
        frame, features = read_frame(args)
        X = frame[features].astype("float64")
        y = frame[args.target].astype("float64")
        w = frame[args.weights].astype("float64") if args.weights else None
        estimator.fit(X, y, sample_weight=w)
        summary = (
            estimator.summary(cov_type=args.cov_type) if hasattr(estimator, "summary") else None
        )
        from linreg.sources import as_source

        source = as_source(X, y, w)
        moments = getattr(estimator, "moments_", None) or source.moments()
        sums = source.reduce(MetricSums.of(estimator, moments.y_mean[0]))
    return features, {"train": metrics_from_sums(sums)}, summary
