"""linreg: linear regression done completely.

Exact, fast, scalable least squares with scikit-learn's estimator contract.

Every public name is imported on first use (PEP 562): ``import linreg`` itself loads
nothing heavy, so ``linreg --help`` answers at once, and torch, dask, numba, matplotlib
and formulaic are only imported by the features that need them.
"""

from ._lazy import lazy_attributes

__version__ = "0.1.0"

#: Public name -> submodule that defines it.
_LAZY = {
    "AccuracyWarning": ".solution",
    "IterationLimitWarning": ".solution",
    "RankDeficientWarning": ".solution",
    "Solution": ".solution",
    "LinearRegression": ".models.linear_regression",
    "Ridge": ".models.ridge",
    "RidgeCV": ".models.ridge_cv",
    "Moments": ".moments",
    "Summary": ".summary",
    "compare": ".comparison",
    "Lasso": ".models.elastic_net",
    "ElasticNet": ".models.elastic_net",
    "LassoCV": ".models.elastic_net_cv",
    "ElasticNetCV": ".models.elastic_net_cv",
    "lasso_path": ".penalized",
    "enet_path": ".penalized",
    "scan": ".sources",
    "Scan": ".sources",
    "save": ".model_io",
    "load": ".model_io",
    "ModelFileError": ".model_io",
    # ``linreg.ridge`` is the old path of the Ridge module (an alias of ``linreg.models.ridge``);
    # the formula version is ``linreg.formula.ridge``.
    "FormulaModel": ".formula",
    "ols": ".formula",
    "anova": ".inference.anova",
}

__all__ = sorted([*_LAZY, "__version__"])


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())

#: Public submodules loaded on first attribute access (``linreg.diagnostics.durbin_watson``
#: after a plain ``import linreg``); not in ``__all__``, which lists objects.
_SUBMODULES = ("diagnostics",)
_name_getattr = __getattr__


def __getattr__(name):
    if name in _SUBMODULES:
        from importlib import import_module

        return import_module(f".{name}", __name__)
    return _name_getattr(name)
