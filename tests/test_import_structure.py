"""The import structure of ``src/linreg``: dependencies run one way.

The graph is read from the source with :mod:`ast` (``import`` and ``from ... import``
statements at module level and inside functions, ``if TYPE_CHECKING:`` blocks left
out since they never run), independently of what Python happens to have imported.
Checked: the circles that ARCHITECTURE.md (finding 5) named are gone (``solvers.qr`` /
``solvers.svd``; ``sources.base`` / its subclasses), inference does not depend on the
data sources, and each affected module imports on its own in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "linreg"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Import statements anywhere in ``tree`` except under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, node) -> set[str]:
    """The linreg modules one import statement of ``module`` names."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        # ``from pkg import sub`` depends on pkg.sub when sub is a module, else on pkg.
        names = {
            f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target
            for alias in node.names
        }
    # Parent packages (which Python also loads) are not edges: a package's __init__
    # gathers its modules, so counting it would join every module to its siblings.
    found = names
    return {name for name in found if name in MODULES and name != module}


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = set().union(*(_resolve(name, n) for n in _import_nodes(tree)))
    return graph


GRAPH = _graph()


def _reaches(graph, start: str, goal: str) -> bool:
    """Whether ``goal`` is reachable from ``start`` (a path through any modules)."""
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for nxt in graph[node]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def test_the_scan_sees_known_imports():
    # The scan itself: a scan that found nothing would pass every check below.
    assert "linreg.solvers.aliasing" in GRAPH["linreg.solvers.qr"]
    assert "linreg.solvers.svd" in GRAPH["linreg.solvers.qr"]  # the rank-deficient fallback
    assert "linreg.sources.base" in GRAPH["linreg.sources.scan"]
    assert "linreg.inference.chunks" in GRAPH["linreg.inference.covariance"]
    assert "linreg.solvers.problem" in GRAPH["linreg.sources.base"]


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("linreg.solvers.svd", "linreg.solvers.qr"),
        ("linreg.solvers.aliasing", "linreg.solvers.qr"),
        ("linreg.solvers.aliasing", "linreg.solvers.svd"),
        ("linreg.solvers.certify", "linreg.solvers.qr"),  # via extended
        ("linreg.solvers.extended", "linreg.solvers.qr"),
        ("linreg.sources.base", "linreg.sources.scan"),
        ("linreg.sources.base", "linreg.sources.dask"),
        ("linreg.sources.base", "linreg.sources.tensor"),
        ("linreg.sources.base", "linreg.sources.dispatch"),
        ("linreg.inference.chunks", "linreg.sources.base"),
    ],
)
def test_no_circle_between(low, high):
    """``low`` never reaches ``high`` through any chain of imports (one way only)."""
    assert not _reaches(GRAPH, low, high), f"{low} imports (via some path) {high}"


def _circles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while not component or v not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_no_import_circle_anywhere_in_linreg():
    """Lazy (function-level) imports count: they hide a circle, they do not remove it."""
    assert _circles(GRAPH) == []


def test_source_base_imports_no_sibling_source():
    siblings = {m for m in GRAPH["linreg.sources.base"] if m.startswith("linreg.sources")}
    assert siblings == set()


@pytest.mark.parametrize(
    "module",
    ["linreg.inference.summary", "linreg.inference.covariance", "linreg.inference.intervals"],
)
def test_inference_does_not_depend_on_the_sources(module):
    reached = {m for m in MODULES if _reaches(GRAPH, module, m)}
    assert not {m for m in reached if m.startswith("linreg.sources")}


def test_chunks_imports_neither_solvers_nor_sources():
    assert not {
        m
        for m in MODULES
        if _reaches(GRAPH, "linreg.inference.chunks", m)
        and m.startswith(("linreg.sources", "linreg.solvers"))
    }


def test_device_kernel_lives_with_the_sources():
    assert "linreg.sources.device_moments" in MODULES
    assert "linreg.device_moments" not in MODULES


def _dependency_order(names):
    """``names`` leaves first (imports before importers; ties by name)."""
    order, done = [], set()

    def visit(name, path=()):
        if name in done or name in path:
            return
        for dep in sorted(GRAPH[name] & set(names)):
            visit(dep, (*path, name))
        done.add(name)
        order.append(name)

    for name in sorted(names):
        visit(name)
    return order


FRESH = [
    m
    for m in MODULES
    if m.startswith(("linreg.solvers", "linreg.sources"))
    or m in {"linreg", "linreg.chunks", "linreg.summary", "linreg.covariance", "linreg.intervals"}
    or m.startswith("linreg.inference")
]


@pytest.mark.parametrize("order", ["leaves first", "importers first"])
def test_modules_import_in_a_fresh_interpreter(order):
    """The affected modules imported one after the other in a fresh interpreter, in
    dependency order and in its reverse: a circle that works in one import order only
    fails one of the two with ImportError."""
    names = _dependency_order(FRESH)
    if order == "importers first":
        names = names[::-1]
    script = "import importlib\n" + "".join(f"importlib.import_module({n!r})\n" for n in names)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
