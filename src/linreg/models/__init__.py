"""The estimators: one base (:mod:`.base`) and the models on it.

- :mod:`.linear_regression`: LinearRegression
- :mod:`.ridge`: Ridge;  :mod:`.ridge_cv`: RidgeCV
- :mod:`.elastic_net`: ElasticNet, Lasso;  :mod:`.elastic_net_cv`: ElasticNetCV, LassoCV

Each name is imported on first use (PEP 562), as in :mod:`linreg`.
"""

from .._lazy import lazy_attributes

#: Public name -> submodule that defines it.
_LAZY = {
    "LinearRegression": ".linear_regression",
    "Ridge": ".ridge",
    "RidgeCV": ".ridge_cv",
    "ElasticNet": ".elastic_net",
    "Lasso": ".elastic_net",
    "ElasticNetCV": ".elastic_net_cv",
    "LassoCV": ".elastic_net_cv",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
