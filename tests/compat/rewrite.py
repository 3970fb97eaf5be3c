"""Rewrite a scikit-learn test module so that nine public names come from linreg.

The names are :data:`NAMES`. Every way scikit-learn's tests reach them is handled:

- ``from sklearn.linear_model import (Ridge, RidgeClassifier)`` and the same from a private
  submodule (``sklearn.linear_model._ridge``, ``._coordinate_descent``, ``._base``): the
  nine are split off into ``from linreg import ...`` (aliases kept), the rest stay;
- ``from sklearn.linear_model import *``: followed by ``from linreg import`` the nine;
- attribute access through a module bound by an import, ``linear_model.Ridge``,
  ``sklearn.linear_model.Ridge``, ``lm._ridge.Ridge`` (after ``import sklearn.linear_model
  as lm``), ``_coordinate_descent.Lasso`` (after ``from sklearn.linear_model import
  _coordinate_descent``): the expression becomes ``_linreg_compat.Ridge``, with ``import
  linreg as _linreg_compat`` added before the module's first statement.

The rewrite edits the source text in place (only the spans of those statements and
expressions change), so comments, layout and the remaining code stay as scikit-learn wrote
them. Strings (``monkeypatch.setattr("sklearn.linear_model._coordinate_descent.Lasso",
...)``) are not touched: they name scikit-learn's internals.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

#: The public names of scikit-learn's linear_model that linreg provides.
NAMES = frozenset(
    {
        "LinearRegression",
        "Ridge",
        "RidgeCV",
        "Lasso",
        "ElasticNet",
        "LassoCV",
        "ElasticNetCV",
        "lasso_path",
        "enet_path",
    }
)

PACKAGE = "sklearn.linear_model"
MODULE_ALIAS = "_linreg_compat"


@dataclass(frozen=True)
class _Edit:
    start: int  # byte offsets into the UTF-8 source
    end: int
    text: str


def _is_linear_model(module: str | None) -> bool:
    return module is not None and (module == PACKAGE or module.startswith(PACKAGE + "."))


def _alias(alias: ast.alias) -> str:
    return alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"


class _Offsets:
    """Byte offsets of (line, column) positions as ``ast`` reports them."""

    def __init__(self, data: bytes):
        self.starts = [0]
        for i, byte in enumerate(data):
            if byte == 0x0A:
                self.starts.append(i + 1)

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.starts[node.lineno - 1] + node.col_offset
        end = self.starts[node.end_lineno - 1] + node.end_col_offset
        return start, end


def _module_bindings(tree: ast.Module) -> dict[str, str]:
    """Names bound by imports anywhere in the module -> the dotted module path they hold.

    ``from a import b`` may bind a module or an object; it is recorded as ``a.b`` either
    way, which is only ever used as a prefix of an attribute chain.
    """
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is None:
                    top = alias.name.split(".")[0]
                    bound[top] = top
                else:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _dotted(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None if the chain does not start with a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _import_edit(node: ast.ImportFrom, offsets: _Offsets) -> _Edit | None:
    ours = [a for a in node.names if a.name in NAMES]
    star = any(a.name == "*" for a in node.names)
    if not ours and not star:
        return None
    start, end = offsets.span(node)
    if star:
        text = f"from {node.module} import *; from linreg import {', '.join(sorted(NAMES))}"
        return _Edit(start, end, text)
    statements = [f"from linreg import {', '.join(_alias(a) for a in ours)}"]
    rest = [a for a in node.names if a.name not in NAMES]
    if rest:
        statements.append(f"from {node.module} import {', '.join(_alias(a) for a in rest)}")
    # One line joined by "; " keeps a nested (indented) import valid where it stands.
    return _Edit(start, end, "; ".join(statements))


def _attribute_edits(tree: ast.Module, offsets: _Offsets) -> list[_Edit]:
    bound = _module_bindings(tree)
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in NAMES:
            continue
        parts = _dotted(node.value)
        if parts is None or parts[0] not in bound:
            continue
        module = ".".join([bound[parts[0]], *parts[1:]])
        if _is_linear_model(module):
            start, end = offsets.span(node)
            edits.append(_Edit(start, end, f"{MODULE_ALIAS}.{node.attr}"))
    return edits


def _first_statement_offset(tree: ast.Module, offsets: _Offsets) -> int:
    """Where ``import linreg as _linreg_compat`` goes: before the first real statement."""
    for stmt in tree.body:
        docstring = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if not (docstring or future):
            return offsets.starts[stmt.lineno - 1]
    return offsets.starts[-1]


def rewrite_source(source: str) -> str:
    """Return ``source`` with the nine names of :data:`NAMES` taken from linreg.

    Parameters
    ----------
    source : str
        Python source of a test module.

    Returns
    -------
    str
        The same source where every import of the nine names from ``sklearn.linear_model``
        (or one of its submodules) imports them from ``linreg`` instead, and every
        attribute access to them through such a module reads linreg's object.
        Unchanged if the module does not use them.
    """
    data = source.encode("utf-8")
    tree = ast.parse(data)
    offsets = _Offsets(data)
    edits = [
        edit
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _is_linear_model(node.module)
        for edit in [_import_edit(node, offsets)]
        if edit is not None
    ]
    attribute_edits = _attribute_edits(tree, offsets)
    if attribute_edits:
        at = _first_statement_offset(tree, offsets)
        edits.append(_Edit(at, at, f"import linreg as {MODULE_ALIAS}\n"))
        edits.extend(attribute_edits)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        data = data[: edit.start] + edit.text.encode("utf-8") + data[edit.end :]
    return data.decode("utf-8")
