"""Moved: ElasticNet and Lasso to :mod:`linreg.models.elastic_net`, their data helpers
to :mod:`linreg.penalized.data`.  This old path re-exports both, so old imports, pickles
and model files keep working."""

from importlib import import_module

_ESTIMATORS = ("ElasticNet", "Lasso")


def __getattr__(name):
    module = "linreg.models.elastic_net" if name in _ESTIMATORS else "linreg.penalized.data"
    return getattr(import_module(module), name)
