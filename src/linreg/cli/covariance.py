"""``--cov-type`` and its companions (``--groups``, ``--maxlags``, ``--kernel``).

The covariance options of ``linreg fit``, checked before any data is read, and the
groups column(s) of a cluster-robust covariance read from DATA as integer codes.  The
names and conventions are statsmodels' (``OLS(...).fit(cov_type="cluster",
cov_kwds={"groups": g})``, ``cov_type="HAC", cov_kwds={"maxlags": L, "kernel": K}``):
the command passes them to :meth:`linreg.LinearRegression.summary` unchanged.

Only argparse-level work happens at import (``linreg --help`` stays fast).
"""

from __future__ import annotations

from . import options
from .errors import DataError, UsageError

#: ``--cov-type`` values: linreg.inference.summary.COV_TYPES (a test keeps them equal).
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster", "HAC")
#: ``--kernel`` values: statsmodels' HAC kernels by name.
KERNELS = ("bartlett", "uniform")
#: Name prefix of the group-code columns appended to the table while it is read.
CODE_COLUMN = "__linreg_groups_{}__"


def add_covariance_arguments(parser) -> None:
    """``--cov-type``, ``--groups``, ``--maxlags`` and ``--kernel`` on ``parser``."""
    group = parser.add_argument_group("covariance of the coefficients")
    group.add_argument(
        "--cov-type",
        choices=COV_TYPES,
        default="nonrobust",
        help="nonrobust (default), HC0-HC3, cluster (with --groups) or HAC (with --maxlags)",
    )
    group.add_argument(
        "--groups",
        metavar="COL[,COL]",
        type=options.names,
        help="--cov-type cluster: the column of cluster labels (two, comma-separated: "
        "two-way clustering); not a feature",
    )
    group.add_argument(
        "--maxlags",
        type=options.non_negative_int,
        metavar="L",
        help="--cov-type HAC: the number of lags of the Newey-West covariance (rows in "
        "file order)",
    )
    group.add_argument(
        "--kernel", choices=KERNELS, help="--cov-type HAC: the lag weights (default bartlett)"
    )


def check_covariance_options(args) -> None:
    """A usage error for a companion option without its cov type, or the reverse."""
    cov_type = args.cov_type
    if args.groups is not None and cov_type != "cluster":
        raise UsageError(f"--groups applies to --cov-type cluster, not --cov-type {cov_type}")
    if cov_type == "cluster" and args.groups is None:
        raise UsageError("--cov-type cluster needs --groups COL (the column of cluster labels)")
    if args.groups is not None and len(args.groups) > 2:
        raise UsageError(
            f"--groups takes one column (one-way) or two (two-way), got {len(args.groups)}"
        )
    if args.groups is not None and len(set(args.groups)) != len(args.groups):
        raise UsageError(f"--groups names column {args.groups[0]!r} twice")
    for name in ("maxlags", "kernel"):
        if getattr(args, name) is not None and cov_type != "HAC":
            raise UsageError(f"--{name} applies to --cov-type HAC, not --cov-type {cov_type}")
    if cov_type == "HAC" and args.maxlags is None:
        raise UsageError("--cov-type HAC needs --maxlags L (the number of lags)")


def cov_kwds(args, groups=None) -> dict:
    """The keywords of ``summary(cov_type=args.cov_type, **kwds)``: ``groups`` (the codes
    given), ``maxlags`` and ``kernel``; empty for the other cov types."""
    if args.cov_type == "cluster":
        return {"groups": groups}
    if args.cov_type == "HAC":
        return {"maxlags": args.maxlags, "kernel": args.kernel or "bartlett"}
    return {}


def check_groups_columns(args, available, special) -> None:
    """A data error naming a ``--groups`` column DATA lacks; a usage error when it is the
    target or the weights (``special``)."""
    from linreg.io import tables

    from .data import data_source

    for name in args.groups or ():
        if name not in available:
            src = data_source(args.data, args.sep)
            raise DataError(f"--groups: {tables.unknown_column(src, name, list(available))}")
        if name in special:
            raise UsageError(f"column {name!r} is both --groups and the target or weights")


def group_codes(column):
    """The integer code of each row's label in ``column`` (a pyarrow or pandas column of
    any type), -1 where the label is missing; equal labels, equal codes."""
    import numpy as np
    import pandas as pd

    values = column.to_pandas() if hasattr(column, "to_pandas") else column
    codes, _ = pd.factorize(pd.Series(values), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def missing_group_error(args, name, codes, lines_known: bool = True) -> DataError:
    """The error for a missing label in the groups column ``name``: file, column, line."""
    import numpy as np

    from .data import data_source

    src = data_source(args.data, args.sep)
    r = int(np.flatnonzero(codes < 0)[0])
    where = f" at {src.where(r)}" if lines_known else ""
    return DataError(
        f"{src.name}: missing value in column {name!r} (--groups){where}; every row needs a "
        "cluster label (pass --drop-missing to drop those rows)"
    )


def with_group_codes(args, table):
    """``table`` with a float column of codes per ``--groups`` column appended (NaN where
    the label is missing, so that ``--drop-missing`` drops those rows with the others),
    and the names of the appended columns; a data error for a missing label otherwise."""
    import numpy as np
    import pyarrow as pa

    added = []
    for k, name in enumerate(args.groups or ()):
        codes = group_codes(table.column(name))
        if (codes < 0).any() and not args.drop_missing:
            raise missing_group_error(args, name, codes)
        values = np.where(codes < 0, np.nan, codes.astype(np.float64))
        added.append(CODE_COLUMN.format(k))
        table = table.append_column(added[-1], pa.array(values, type=pa.float64()))
    return table, added


def as_groups(codes):
    """Float code columns (n, k) as statsmodels' ``groups``: 1-D for one-way, (n, 2)
    integers for two-way."""
    import numpy as np

    codes = np.asarray(codes).astype(np.int64)
    return codes[:, 0] if codes.ndim == 2 and codes.shape[1] == 1 else codes
