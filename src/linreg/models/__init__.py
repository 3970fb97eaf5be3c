"""The estimators: one base (:mod:`.base`) and the models on it.

- :mod:`.linear_regression`: LinearRegression
- :mod:`.ridge`: Ridge;  :mod:`.ridge_cv`: RidgeCV
- :mod:`.elastic_net`: ElasticNet, Lasso;  :mod:`.elastic_net_cv`: ElasticNetCV, LassoCV

Each name is imported on first use (PEP 562), as in :mod:`linreg`.
"""

from importlib import import_module

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


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})
