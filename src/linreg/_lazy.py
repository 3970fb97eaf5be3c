"""PEP 562 lazy attributes for a package: each public name imported on first use."""

from __future__ import annotations

from importlib import import_module


def lazy_attributes(package: str, table: dict, namespace: dict):
    """``(__getattr__, __dir__)`` for ``package`` whose public names are ``table``'s keys,
    each defined in the submodule it maps to; a name, once loaded, is stored in
    ``namespace`` (the package's globals) so later lookups skip ``__getattr__``."""

    def __getattr__(name):
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted({*namespace, *table})

    return __getattr__, __dir__
