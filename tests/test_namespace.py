"""The lazy public namespace: every name resolves to what it documents, and importing
the submodules first (as users and tests do) never shadows a public name."""

import importlib
import inspect
import pkgutil

import linreg


def test_public_names_survive_importing_every_submodule():
    for info in pkgutil.walk_packages(linreg.__path__, "linreg."):
        if info.name.endswith("__main__") or ".cli." in info.name:
            continue
        importlib.import_module(info.name)
    for name in linreg.__all__:
        value = getattr(linreg, name)
        assert not inspect.ismodule(value), f"linreg.{name} is a module, not the public object"
    assert callable(linreg.compare) and linreg.compare.__module__ == "linreg.comparison"
