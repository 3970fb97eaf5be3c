"""linreg: linear regression done completely.

Exact, fast, scalable least squares with scikit-learn's estimator contract.  Heavy
optional libraries (torch, dask, matplotlib) are imported only when first used.
"""

from .compare import compare
from .linear_regression import LinearRegression
from .moments import Moments
from .ridge import Ridge
from .solution import AccuracyWarning, RankDeficientWarning, Solution
from .summary import Summary

__version__ = "0.1.0"

__all__ = [
    "AccuracyWarning",
    "FormulaModel",
    "LinearRegression",
    "Moments",
    "RankDeficientWarning",
    "Ridge",
    "Solution",
    "Summary",
    "__version__",
    "compare",
    "ols",
]

# ``linreg.ridge`` is the Ridge module; the formula version is ``linreg.formula.ridge``.
_FORMULA_NAMES = ("FormulaModel", "ols")


def __getattr__(name):
    # The formula interface (formulaic) is imported on first use only.
    if name in _FORMULA_NAMES:
        from . import formula

        return getattr(formula, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
