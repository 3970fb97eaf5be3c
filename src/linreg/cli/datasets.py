"""``linreg datasets``: list the built-in datasets and export them to CSV or Parquet."""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "datasets",
        help="list or export the built-in datasets",
        description=(
            "Without arguments, list the built-in datasets; with NAME and -o FILE, write "
            "one to a .csv or .parquet file (features, then the target columns)."
        ),
    )
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("-o", "--output", metavar="FILE", help=".csv or .parquet")
    p.set_defaults(run=run)


def run(args) -> int:
    from linreg.datasets import builtin_names, load

    from .errors import UsageError

    if args.name is None:
        if args.output:
            raise UsageError("give the NAME of the dataset to export")
        for name in builtin_names():
            d = load(name)
            targets = ", ".join(d.target_names)
            about = d.description.splitlines()[0]
            about = about if len(about) <= 60 else about[:57] + "..."
            print(f"{name:<14}{d.n_samples:>5} x {d.n_features:<3} target: {targets:<22} {about}")
        return 0
    if args.name not in builtin_names():
        raise UsageError(
            f"unknown dataset {args.name!r}; choose one of {', '.join(builtin_names())}"
        )
    d = load(args.name)
    if not args.output:
        print(repr(d))
        print(d.description)
        return 0
    written = export(d, Path(args.output))
    print(f"Wrote {args.name} ({d.n_samples} rows) to {written}")
    return 0


def export(dataset, path: Path) -> Path:
    """Write ``dataset`` to ``path`` (the format from the suffix)."""
    import numpy as np
    import pyarrow as pa

    from .data import file_format
    from .errors import DataError, UsageError

    try:
        kind = file_format(path)
    except UsageError:
        raise UsageError(
            f"-o {path}: the output's format comes from its name: end it in .csv or .parquet"
        ) from None
    y = dataset.y.reshape(dataset.n_samples, -1)
    columns = {n: dataset.X[:, j] for j, n in enumerate(dataset.feature_names)}
    columns.update({n: y[:, j] for j, n in enumerate(dataset.target_names)})
    table = pa.table({k: np.asarray(v, dtype=np.float64) for k, v in columns.items()})
    try:
        if kind == "csv":
            from pyarrow import csv

            csv.write_csv(table, path)
        else:
            import pyarrow.parquet as pq

            pq.write_table(table, path)
    except OSError as err:
        raise DataError(f"cannot write {path}: {err}") from None
    return path
