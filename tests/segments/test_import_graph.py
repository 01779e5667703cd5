"""Segments and models import each other in one direction only: no import cycle passes through
``segments/`` or ``models/``, counting imports inside functions (a lazy import that only dodges a
cycle is still one) and the package ``__init__`` every submodule import runs."""

import ast
from pathlib import Path

import wagtail_pushseg


PACKAGE = Path(wagtail_pushseg.__file__).parent
WATCHED = ("wagtail_pushseg.segments", "wagtail_pushseg.models")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and "testing" not in path.parts
    }


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Package modules ``name`` imports anywhere (type-checking blocks aside), with the parent
    packages whose ``__init__`` the import runs."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    # Importing a.b.c runs a.b's __init__ too, unless a.b is the importer's own package (then
    # it is running already: siblings import each other through it without a cycle).
    own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    with_parents = set()
    for target in found:
        parts = target.split(".")
        with_parents.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return {m for m in with_parents - own if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle_passes_through_segments_or_models():
    modules = _modules()
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    through = [
        sorted(component) for component in _cycles(graph)
        if any(m.startswith(WATCHED) for m in component)
    ]
    assert through == []
