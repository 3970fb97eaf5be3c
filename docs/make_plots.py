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


def synthetic_history(epochs: int = 50, seed: int = 0) -> dict[str, list[float]]:
    """A plausible decreasing train/validation MSE curve (an illustration only)."""
    rng = np.random.default_rng(seed)
    t = np.arange(epochs)
    train = 2900 + 26000 * np.exp(-t / 6) * (1 + 0.03 * rng.standard_normal(epochs))
    val = 3100 + 26000 * np.exp(-t / 6.5) * (1 + 0.04 * rng.standard_normal(epochs))
    return {"train_loss": train.tolist(), "val_loss": val.tolist()}


def main() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    full = LinearRegression().fit(X, y)
    bmi = LinearRegression().fit(X[["bmi"]], y)
    written = [
        plots.loss_curve(
            synthetic_history(),
            DOCS / "loss_curve.png",
            title="Loss curve (illustration: synthetic train/validation MSE)",
        ),
        plots.fitted_line(bmi, X[["bmi"]], y, DOCS / "fitted_line.png", feature="bmi"),
        plots.predicted_vs_actual(full, X, y, DOCS / "predicted_vs_actual.png"),
        plots.residuals_vs_fitted(full, X, y, DOCS / "residuals_vs_fitted.png"),
        plots.qq_plot(full, X, y, DOCS / "qq_plot.png"),
        plots.coefficients(full.summary(), DOCS / "coefficients.png"),
    ]
    for path in written:
        print(f"{path.relative_to(DOCS.parent)}  {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
