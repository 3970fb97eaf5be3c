"""``linreg demo``: the main job on built-in data, with no arguments.

Diabetes (442 x 10): every solver compared side by side, the exact fit's summary with
robust standard errors, how many certified digits each NIST StRD problem gets, and the
plots written to a folder, ending with where they are.
"""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="fit the built-in datasets and show what linreg does")
    p.add_argument(
        "--output", default="linreg-demo", help="folder for the plots (default: linreg-demo)"
    )
    p.set_defaults(run=run)


def run(args) -> int:
    import warnings

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    import linreg
    from linreg import plots
    from linreg.datasets import load, load_nist, nist_names

    console = Console()
    d = load("diabetes")
    import pandas as pd

    X = pd.DataFrame(d.X, columns=list(d.feature_names))
    y = d.y
    console.rule("diabetes (442 x 10): every method, exact and iterative")
    comparison = linreg.compare(X, y, test_size=0.2, random_state=0)
    print(str(comparison))

    ols = linreg.LinearRegression().fit(X, y)
    console.rule("the exact fit: summary with HC3 (robust) standard errors")
    console.print(
        f"solver_={ols.solver_!r}, condition number {ols.condition_number_:.3g}, "
        f"vouched digits {ols.solution_.correct_digits:.1f}"
    )
    console.print(str(ols.summary(cov_type="HC3")), markup=False, highlight=False)

    console.rule("NIST StRD: certified parameters reproduced")
    nist = Table(title="correct digits (min over parameters)")
    for col in ("dataset", "linreg (float64)", "linreg (longdouble)", "numpy lstsq", "solver_"):
        nist.add_column(col, justify="left" if col in ("dataset", "solver_") else "right")
    for name in nist_names():
        row, solvers = [name], []
        for dtype in (np.float64, np.longdouble):
            nd = load_nist(name, dtype=dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = linreg.LinearRegression(fit_intercept=nd.fit_intercept).fit(nd.X, nd.y)
            est = np.r_[m.intercept_, m.coef_] if nd.fit_intercept else m.coef_
            row.append(f"{digits(est, nd.params):.1f}")
            solvers.append(m.solver_)
        nd = load_nist(name)
        A = np.column_stack([np.ones(len(nd.y)), nd.X]) if nd.fit_intercept else nd.X
        row.append(f"{digits(np.linalg.lstsq(A, nd.y, rcond=None)[0], nd.params):.1f}")
        row.append(solvers[0])
        nist.add_row(*row)
    console.print(nist)
    console.print(
        "Filip in float64: rounding x**10 to float64 moves the exact solution in the 8th "
        "digit; read the data in longdouble for the certified values."
    )

    out = Path(args.output)
    written = plots.all_plots(ols, X, y, out)
    written["fitted_line"] = plots.fitted_line(
        linreg.LinearRegression().fit(X[["bmi"]], y), X[["bmi"]], y, out / "fitted_line.png"
    )
    gd = comparison.estimators.get("gd")
    if gd is not None and getattr(gd, "history_", None):
        written["loss_curve"] = plots.loss_curve(gd.history_, out / "loss_curve.png")
    console.rule("plots")
    console.print(f"Plots written to {out.resolve()}/:")
    for name, path in sorted(written.items()):
        console.print(f"  {name}: {path.name}")
    return 0


def digits(estimate, certified) -> float:
    """Correct significant digits of ``estimate`` (min over entries, 0 to 16)."""
    import numpy as np

    err = np.abs(np.asarray(estimate, float) - certified) / np.abs(certified)
    return float(np.clip(-np.log10(np.maximum(err, 1e-300)), 0, 16).min())
