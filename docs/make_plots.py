"""Regenerate the example figures in docs/ from the diabetes data.

Run from anywhere with the project's environment::

    .venv/bin/python docs/make_plots.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

from linreg import LinearRegression, plots

DOCS = Path(__file__).resolve().parent


def gradient_descent_history(X, y) -> dict[str, list[float]]:
    """Per-epoch train/validation MSE of solver="gd" on a 75/25 split."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, val = order[: 3 * len(y) // 4], order[3 * len(y) // 4 :]
    model = LinearRegression(solver="gd", tol=1e-6).fit(
        X.iloc[train], y.iloc[train], validation_data=(X.iloc[val], y.iloc[val])
    )
    return model.history_


def main() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    full = LinearRegression().fit(X, y)
    bmi = LinearRegression().fit(X[["bmi"]], y)
    written = [
        plots.loss_curve(
            gradient_descent_history(X, y),
            DOCS / "loss_curve.png",
            title='Loss curve: LinearRegression(solver="gd"), diabetes',
        ),
        plots.fitted_line(bmi, X[["bmi"]], y, DOCS / "fitted_line.png", feature="bmi"),
        plots.predicted_vs_actual(full, X, y, DOCS / "predicted_vs_actual.png"),
        plots.residuals_vs_fitted(full, X, y, DOCS / "residuals_vs_fitted.png"),
        plots.qq_plot(full, X, y, DOCS / "qq_plot.png"),
        plots.coefficients(full.summary(), DOCS / "coefficients.png"),
    ]
    from sklearn.model_selection import KFold

    import linreg

    lasso = linreg.LassoCV(cv=KFold(5, shuffle=True, random_state=0)).fit(X, y)
    written += [
        plots.regularization_path(lasso, DOCS / "regularization_path.png", X=X, y=y),
        plots.cv_curve(lasso, DOCS / "cv_curve.png"),
    ]
    for path in written:
        print(f"{path.relative_to(DOCS.parent)}  {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
