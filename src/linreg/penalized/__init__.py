"""L1 and elastic-net penalized least squares: coordinate descent, data layouts, paths.

The estimators live in :mod:`linreg.models` (:mod:`~linreg.models.elastic_net`,
:mod:`~linreg.models.elastic_net_cv`); their names are re-exported here.

Coordinate descent runs on the Moments (Gram layout, n >> p: one pass over the data)
or on X (design layout: large p, scipy.sparse), stopping on the duality gap, with
gap-safe screening and warm starts along paths.  Small Gram problems run in NumPy
(:mod:`.small`); the numba kernels are compiled (or loaded from numba's cache) on the
first fit that needs them, not on import.  Each public name is imported on first use
(PEP 562), so ``from linreg import Lasso`` loads neither the CV (scikit-learn's
model_selection) nor numba.
"""

from .._lazy import lazy_attributes

#: Public name -> submodule that defines it.
_LAZY = {
    "ElasticNet": "..models.elastic_net",
    "Lasso": "..models.elastic_net",
    "ElasticNetCV": "..models.elastic_net_cv",
    "LassoCV": "..models.elastic_net_cv",
    "enet_path": ".path",
    "lasso_path": ".path",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
