"""No module of epibridge imports itself back, directly or through others.

A cycle works only as long as every module in it reads the others' names late enough, so it
breaks at the first innocent reordering, and it means two modules are really one. The graph is
built from the source with ``ast``: imports at module level (class bodies, ``if`` and ``try``
blocks included) are edges; imports inside functions and under ``if TYPE_CHECKING:`` are not,
as they do not run while the module is being imported. ``from package import name`` points at
``package.name`` when that is a module, else at ``package``. A module named to
``importlib.import_module`` as a literal is an edge wherever the call is: that is how a part
loaded late is wired to its owner (``detect`` loads ``cli_system``), so it must not import back.

Packages are held to the same rule one level up: two top-level packages that import each other
(``reports`` drawing with ``web.mapview`` while the web pages call ``reports``) are one package
in two folders. A domain's own faces (its ``api``, ``cli``, ``cli_*`` modules) are left out
there: they sit on top of every domain and import the shared ``epibridge.api`` layer by design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import epibridge

ROOT = Path(epibridge.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse):
                yield from _module_level(block)
            yield from _module_level(node.finalbody)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level(node.body)


def _targets(node: ast.Import | ast.ImportFrom, name: str, path: Path, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    base = node.module or ""
    if node.level:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    found = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in known:
            found.add(f"{base}.{alias.name}")
        elif base in known:
            found.add(base)
    return found


def _looked_up(tree: ast.Module, known: set[str]) -> set[str]:
    """Modules loaded by name: ``importlib.import_module("epibridge....")`` anywhere."""
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "import_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in known
    }


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in _module_level(tree.body):
            edges |= _targets(node, name, path, known)
        edges |= _looked_up(tree, known)
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _path_through(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete loop inside a component, to name in the failure: a -> b -> ... -> a."""
    members = set(component)
    start = component[0]
    trail = [start]
    seen = {start}
    while True:
        nxt = sorted(t for t in graph[trail[-1]] if t in members)
        back = [t for t in nxt if t == start]
        if back and len(trail) > 1:
            return [*trail, start]
        step = next((t for t in nxt if t not in seen), None)
        if step is None:
            return [*trail, "..."]
        trail.append(step)
        seen.add(step)


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert "epibridge.db" in graph["epibridge.notifications.models"]
    assert "epibridge.detection.cli_system" in graph["epibridge.detection.cli"]
    # A function's own import is not an edge: it runs after every module has loaded.
    assert len(graph) > 100


def test_no_import_cycles() -> None:
    graph = import_graph()
    loops = [" -> ".join(_path_through(graph, c)) for c in cycles(graph)]
    assert loops == [], "import cycles:\n" + "\n".join(loops)


def _is_domain_face(module: str) -> bool:
    parts = module.split(".")
    face = parts[-1] in {"api", "cli"} or parts[-1].startswith("cli_")
    return len(parts) > 2 and parts[1] not in {"api", "web"} and face


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    """For each pair of top-level packages, the module imports that go from one to the other."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module, targets in graph.items():
        if _is_domain_face(module):
            continue
        for target in sorted(targets):
            if _package(target) != _package(module) and not _is_domain_face(target):
                pair = (_package(module), _package(target))
                edges.setdefault(pair, []).append(f"{module} -> {target}")
    return edges


def test_no_two_packages_import_each_other() -> None:
    edges = package_graph(import_graph())
    mutual = [
        f"{a} <-> {b}: " + "; ".join(edges[(a, b)] + edges[(b, a)])
        for a, b in sorted(edges)
        if a < b and (b, a) in edges
    ]
    assert mutual == [], "packages importing each other:\n" + "\n".join(mutual)


def test_cycles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert _path_through(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
