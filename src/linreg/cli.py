"""The ``linreg`` command.

At this stage it has one job, ``linreg demo``: fit built-in datasets with the exact
solvers and show the coefficients, the path ``solver="auto"`` took, and how many
certified digits each NIST StRD problem gets.  Imports stay inside the commands so
``linreg --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys


def _demo(args) -> int:
    import warnings

    import numpy as np
    from rich.console import Console
    from rich.table import Table
    from sklearn.datasets import load_diabetes

    import linreg
    from linreg.datasets import load_nist, nist_names

    console = Console()
    data = load_diabetes(as_frame=True)
    X, y = data.data, data.target
    ols = linreg.LinearRegression().fit(X, y)
    ridge = linreg.Ridge(alpha=1.0).fit(X, y)
    table = Table(title="diabetes (442 x 10): coefficients")
    table.add_column("term")
    table.add_column("LinearRegression", justify="right")
    table.add_column("Ridge(alpha=1)", justify="right")
    table.add_row("intercept", f"{ols.intercept_:.6g}", f"{ridge.intercept_:.6g}")
    for name, a, b in zip(ols.feature_names_in_, ols.coef_, ridge.coef_):
        table.add_row(name, f"{a:.6g}", f"{b:.6g}")
    console.print(table)
    console.print(
        f"LinearRegression: solver_={ols.solver_!r}, R^2={ols.score(X, y):.4f}, "
        f"condition number {ols.condition_number_:.3g}, "
        f"vouched digits {ols.solution_.correct_digits:.1f}"
    )
    console.print(str(ols.summary(cov_type="HC3")), markup=False, highlight=False)

    nist = Table(title="NIST StRD: certified parameters reproduced (digits, min over params)")
    nist.add_column("dataset")
    nist.add_column("linreg (float64 data)", justify="right")
    nist.add_column("linreg (longdouble data)", justify="right")
    nist.add_column("numpy lstsq (float64)", justify="right")
    nist.add_column("solver_ (float64)", justify="left")
    for name in nist_names():
        row = [name]
        solvers = []
        for dtype in (np.float64, np.longdouble):
            d = load_nist(name, dtype=dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = linreg.LinearRegression(fit_intercept=d.fit_intercept).fit(d.X, d.y)
            est = np.r_[m.intercept_, m.coef_] if d.fit_intercept else m.coef_
            row.append(f"{_digits(est, d.params):.1f}")
            solvers.append(m.solver_)
        d = load_nist(name)
        A = np.column_stack([np.ones(len(d.y)), d.X]) if d.fit_intercept else d.X
        row.append(f"{_digits(np.linalg.lstsq(A, d.y, rcond=None)[0], d.params):.1f}")
        row.append(solvers[0])
        nist.add_row(*row)
    console.print(nist)
    console.print(
        "Filip in float64: rounding x**10 to float64 moves the exact solution in the 8th "
        "digit; read the data in longdouble for the certified values."
    )
    from pathlib import Path

    from linreg import plots

    written = plots.all_plots(ols, X, y, Path(args.output))
    written["fitted_line"] = plots.fitted_line(
        linreg.LinearRegression().fit(X[["bmi"]], y),
        X[["bmi"]],
        y,
        Path(args.output) / "fitted_line.png",
    )
    console.print(f"Plots written to {Path(args.output).resolve()}/:")
    for name, path in sorted(written.items()):
        console.print(f"  {name}: {path.name}")
    return 0


def _digits(estimate, certified) -> float:
    import numpy as np

    err = np.abs(np.asarray(estimate, float) - certified) / np.abs(certified)
    return float(np.clip(-np.log10(np.maximum(err, 1e-300)), 0, 16).min())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linreg", description="Linear regression done completely: exact, fast, honest."
    )
    parser.add_argument("--version", action="version", version="linreg 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit the built-in datasets and show what linreg does")
    demo.add_argument(
        "--output", default="linreg-demo", help="folder for the plots (default: linreg-demo)"
    )
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
