"""linreg: linear regression done completely.

Exact, fast, scalable least squares with scikit-learn's estimator contract.  Heavy
optional libraries (torch, dask, matplotlib) are imported only when first used.
"""

from .linear_regression import LinearRegression
from .moments import Moments
from .ridge import Ridge
from .solution import AccuracyWarning, RankDeficientWarning, Solution
from .summary import Summary

__version__ = "0.1.0"

__all__ = [
    "AccuracyWarning",
    "LinearRegression",
    "Moments",
    "RankDeficientWarning",
    "Ridge",
    "Solution",
    "Summary",
    "__version__",
]
