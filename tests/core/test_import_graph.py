"""The package's import graph, read from the source with ``ast`` (no module is imported).

Every ``import`` counts, function-level ones included: a lazy import still ties two modules
together, and one that only dodges a cycle hides it from a reader. Importing ``a.b.c`` counts
as importing ``a.b`` too (its ``__init__`` runs), unless ``a.b`` is the importer's own package.
"""

import ast
from pathlib import Path

import pytest


PACKAGE = "wagtail_pushseg"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE

#: The transport: Web Push and nothing of campaigns, segments or models.
TRANSPORT = f"{PACKAGE}.delivery"
#: What the transport may read from the rest of the package: leaves that import nothing of it
#: (``test_what_transport_may_import_are_leaves``): the settings and the base64url helper.
TRANSPORT_MAY_IMPORT = {f"{PACKAGE}.conf", f"{PACKAGE}.base64url"}
#: Libraries the transport has no business with.
TRANSPORT_MAY_NOT_IMPORT = ("django.db", "wagtail")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def runtime_nodes(node: ast.AST):
    """Every node below ``node`` but the body of ``if TYPE_CHECKING:`` (never run)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            for other in child.orelse:
                yield other
                yield from runtime_nodes(other)
            continue
        yield child
        yield from runtime_nodes(child)


def imported_names(name: str, path: Path) -> set[str]:
    """Every absolute name ``name`` imports when it runs: ``from x import y`` gives ``x.y``,
    which is the module ``x.y`` or a name in ``x`` (see ``internal_target``)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.update(f"{stem}.{alias.name}" for alias in node.names)
    return found


def internal_target(imported: str, modules: dict[str, Path]) -> str | None:
    """The package's module an imported name lives in (the longest known prefix)."""
    parts = imported.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def with_packages(target: str, importer: str) -> set[str]:
    """``target`` and the packages whose ``__init__`` importing it runs, but for the
    importer's own packages (running already: siblings import each other through them)."""
    parts = target.split(".")
    own = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 1)}
    return {".".join(parts[:i]) for i in range(2, len(parts) + 1)} - own


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(internal edges, every imported name) per module."""
    modules = all_modules()
    edges: dict[str, set[str]] = {}
    raw: dict[str, set[str]] = {}
    for name, path in modules.items():
        raw[name] = imported_names(name, path)
        targets = {internal_target(imported, modules)
                   for imported in raw[name] if imported.startswith(PACKAGE)}
        edges[name] = {module for target in targets - {None}
                       for module in with_packages(target, name)} - {name}
    return edges, raw


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def one_cycle(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the component's first module, for the failure message."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for child in sorted(edges[node] & members):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                todo.append(child)
    return component


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_function_level_and_relative_imports(graph):
    edges, _raw = graph
    # tasks.py imports the segments' refresh inside a function, relatively.
    assert f"{PACKAGE}.segments.refresh" in edges[f"{PACKAGE}.tasks"]


def test_transport_imports_nothing_from_the_rest_of_the_package(graph):
    edges, raw = graph
    transport = [name for name in edges if name == TRANSPORT or name.startswith(TRANSPORT + ".")]
    assert len(transport) > 5
    reaching_out = {
        name: sorted(target for target in edges[name]
                     if not target.startswith(TRANSPORT) and target not in TRANSPORT_MAY_IMPORT)
        for name in transport
    }
    assert not {name: out for name, out in reaching_out.items() if out}
    forbidden = {
        name: sorted(imported for imported in raw[name]
                     if any(imported == library or imported.startswith(library + ".")
                            for library in TRANSPORT_MAY_NOT_IMPORT))
        for name in transport
    }
    assert not {name: out for name, out in forbidden.items() if out}


def test_what_transport_may_import_are_leaves(graph):
    """The transport may read these only because they import nothing of ours."""
    edges, _raw = graph
    for name in TRANSPORT_MAY_IMPORT:
        assert edges[name] == set(), name


def test_one_http_stack():
    """Pushes go out through aiohttp only; the package imports no ``requests`` or urllib3."""
    _edges, raw = import_graph()
    other = {name: sorted(i for i in imported if i.split(".")[0] in ("requests", "urllib3"))
             for name, imported in raw.items()}
    assert not {name: found for name, found in other.items() if found}


def test_no_import_cycles(graph):
    edges, _raw = graph
    cycles = [" -> ".join(one_cycle(component, edges))
              for component in strongly_connected(edges)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
