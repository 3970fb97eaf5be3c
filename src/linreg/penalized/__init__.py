"""L1 and elastic-net penalized least squares: estimators, paths, cross-validation.

Coordinate descent runs on the Moments (Gram layout, n >> p: one pass over the data)
or on X (design layout: large p, scipy.sparse), stopping on the duality gap, with
gap-safe screening and warm starts along paths.  The numba kernels are compiled (or
loaded from numba's cache) on the first fit, not on import.
"""

from .cv import ElasticNetCV, LassoCV
from .estimators import ElasticNet, Lasso
from .path import enet_path, lasso_path

__all__ = ["ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "enet_path", "lasso_path"]
