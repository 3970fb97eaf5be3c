"""``linreg fit --scheduler ADDRESS``: the fit on a Dask cluster.

The workers read DATA (a file, a folder or a glob; CSV or Parquet) with dask.dataframe;
this machine solves and prints.  The data must be readable at the same path from every
worker.  With cross-validation (the default), the workers count each partition's rows
(so every row knows its index, and its fold is the one :func:`linreg.split.fold_labels`
gives in memory), then compute each fold's Moments in one pass and each fold's held-out
sums in another (:mod:`linreg.cross_validation`); the model is solved from the merge of
the fold Moments.  The summary's second passes and the training metrics also run on the
workers.  ``--test-size``/``--val-size`` hold out the rows the in-memory and streamed
paths hold out (each partition labels its rows from their row numbers and the seed).
"""

from __future__ import annotations

from .errors import DataError, UsageError
from .metrics import MetricSums, metrics_by_target


def read_frame(args, targets):
    """The Dask DataFrame of DATA and the feature names."""
    import dask.dataframe as dd

    from .data import CSV_SUFFIXES

    path = str(args.data)
    lower = path.rstrip("/").lower()
    try:
        if lower.endswith(CSV_SUFFIXES):
            sep = args.sep or ("\t" if lower.endswith(".tsv") else ",")
            # Text, converted by the readers' one rule (linreg.io.tables.to_float64) on
            # the workers: no per-partition type guess, so a column integer in one
            # partition and float or boolean in another reads as it does in memory.
            frame = dd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
        else:  # a Parquet file, a folder of them, or a glob
            frame = dd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: {err}") from None
    columns = list(frame.columns)
    needed = [*targets] + ([args.weights] if args.weights else [])
    groups = list(getattr(args, "groups", None) or [])
    features = args.features or [c for c in columns if c not in needed + groups]
    missing = [c for c in needed + groups + features if c not in columns]
    if missing:
        raise DataError(
            f"{path}: no column(s) {', '.join(map(repr, missing))}; the columns are: "
            f"{', '.join(map(str, columns))}"
        )
    return frame, features


def _convert_partition(part, columns):
    """One pandas partition's ``columns`` as float64 by the readers' rule."""
    import pandas as pd

    from linreg.io.tables import to_float64

    return pd.DataFrame({c: to_float64(part[c], c) for c in columns}, index=part.index)


def as_float_frame(frame, columns):
    """``frame[columns]`` as float64, converted on the workers by the in-memory readers'
    rule (booleans 1/0, integers beyond 2^53 to the nearest double, missing markers NaN;
    text an error naming the column and value)."""
    import pandas as pd

    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    return frame[list(columns)].map_partitions(_convert_partition, list(columns), meta=meta)


def run_on_cluster(args, estimator, targets):
    """Fit on the cluster at ``args.scheduler``: ``(features, metrics, summaries, cv,
    diagnostics)`` (the last None without ``--diagnostics``)."""
    if args.formula is not None or args.drop_missing:
        raise UsageError("--scheduler takes --features (not --formula or --drop-missing)")
    if str(args.data) == "-":
        raise UsageError("--scheduler: the workers read DATA from a path; '-' (stdin) cannot be")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs the 'dask' extra: pip install 'linreg[dask]'") from None
    try:
        client = Client(args.scheduler, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise DataError(f"cannot reach the Dask scheduler at {args.scheduler}: {err}") from None
    from linreg.io.tables import BadValue

    with client:
        try:
            return _fit(args, estimator, targets)
        except BadValue as bad:
            raise DataError(
                f"{args.data}: column {bad.name!r} is not numeric: {bad.value!r} "
                "(read by the Dask workers)"
            ) from None


#: The column that carries each row's part (TRAIN/VALIDATION/TEST) on the workers.
PART_COLUMN = "__linreg_part__"


def _label_partition(part, starts, test_size, val_size, seed, partition_info=None):
    """One partition with its rows' parts: :func:`linreg.split.holdout_labels` of their
    row numbers in the whole frame (the partition's first row is ``starts[i]``)."""
    from linreg.split import holdout_labels

    i = partition_info["number"] if partition_info else 0
    labels = holdout_labels(len(part), test_size, val_size, seed, int(starts[i]))
    return part.assign(**{PART_COLUMN: labels})


def with_parts(frame, args):
    """``frame`` with a column of each row's part, drawn by the rule of ``fit`` in memory
    and streamed (row number and seed alone): one count of each partition's rows first."""
    import numpy as np

    lengths = np.asarray(frame.map_partitions(len).compute(), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
    meta = frame._meta.assign(**{PART_COLUMN: np.array([], dtype=np.int8)})
    return frame.map_partitions(
        _label_partition, starts, args.test_size, args.val_size, args.random_state, meta=meta
    )


def _source(frame, features, targets, weights):
    """The chunk source of ``frame``'s features, targets and weights, as float64."""
    from linreg.sources import as_source

    X = as_float_frame(frame, features)
    y = as_float_frame(frame, targets)
    y = y[targets[0]] if len(targets) == 1 else y
    w = as_float_frame(frame, [weights])[weights] if weights else None
    return as_source(X, y, w)


def _fit(args, estimator, targets):
    """``(features, metrics, summaries, cv, diagnostics)`` of the fit on the cluster (the
    summaries' and diagnostics' second passes run on the workers, so they are computed
    while the client is open).
    With ``--test-size``/``--val-size`` the model, summary and CV use the training part
    and the other parts are scored, as in memory."""
    from linreg.cross_validation import MomentsSource, fits_from_moments
    from linreg.split import PART_NAMES, TRAIN

    from .covariance import cov_kwds
    from .metrics import cross_validation

    frame, features = read_frame(args, targets)
    parts = {TRAIN: frame}
    if args.test_size or args.val_size:
        frame = with_parts(frame, args)
        import dask

        from linreg.split import TEST, VALIDATION

        codes = (TRAIN, VALIDATION, TEST)
        counts = dask.compute(*[(frame[PART_COLUMN] == k).sum() for k in codes])
        parts = {k: frame[frame[PART_COLUMN] == k] for k, n in zip(codes, counts) if n}
        if TRAIN not in parts:
            raise UsageError("no rows left to train on; lower --test-size/--val-size")
    source = _source(parts[TRAIN], features, targets, args.weights)
    cv = None
    if args.cv and fits_from_moments(estimator):
        cv = cross_validation(args, estimator, source)
    if cv is not None:
        estimator.fit(MomentsSource(cv.total_moments, source))
    else:
        estimator.fit(source)
    summaries = []
    if hasattr(estimator, "summary"):
        kwds = cov_kwds(args, _groups(parts[TRAIN], args))
        try:
            summaries = [
                estimator.summary(args.cov_type, target=j, **kwds) for j in range(len(targets))
            ]
        except ValueError as err:
            if kwds.get("groups") is None or not str(err).startswith("groups has a missing"):
                raise
            # Raised on a worker (so not classified as linreg's refusal): a label missing.
            raise DataError(
                f"{args.data}: missing value in the --groups column(s) "
                f"{', '.join(map(repr, args.groups))} (read by the Dask workers: {err}); every "
                "row needs a cluster label"
            ) from None
    moments = getattr(estimator, "moments_", None) or source.moments()
    score = MetricSums.of(estimator, moments.y_mean)
    metrics = {}
    for code, part in parts.items():
        part_source = source if code == TRAIN else _source(part, features, targets, args.weights)
        metrics[PART_NAMES[code]] = metrics_by_target(part_source.reduce(score), targets)
    checks = None
    if getattr(args, "diagnostics", False):
        from .diagnostics import compute

        checks = compute(estimator, features, targets)
    return features, metrics, summaries, cv, checks


def _labels(series):
    """A column of cluster labels as read by the workers; an empty CSV field is missing."""
    from pandas.api.types import is_string_dtype

    return series.mask(series == "", None) if is_string_dtype(series.dtype) else series


def _groups(frame, args):
    """``groups`` of the summary: the ``--groups`` column(s) of ``frame`` as Dask Series
    partitioned as the training data (a list of two for two-way), or None."""
    names = list(getattr(args, "groups", None) or [])
    if not names:
        return None
    series = [_labels(frame[name]) for name in names]
    return series[0] if len(series) == 1 else series
