"""Segments built on other segments: refresh order, and the cycles that must be refused."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _


Graph = Mapping[int, set[int]]


def dependency_graph(segments: Iterable) -> dict[int, set[int]]:
    """``{segment id: ids of the segments its rules read}``."""
    return {segment.pk: segment.depends_on() for segment in segments}


def find_cycle(graph: Graph, start: int) -> list[int] | None:
    """A path ``start → … → start`` through the graph, or None."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def refresh_order(graph: Graph, wanted: Iterable[int]) -> tuple[list[int], set[int]]:
    """Ids to refresh, each after the segments it reads (those are added when missing), and
    the ids left out because they are on a cycle or read one."""
    order: list[int] = []
    done: set[int] = set()
    blocked: set[int] = set()
    visiting: set[int] = set()

    def visit(node: int) -> bool:
        if node in done:
            return True
        if node in blocked or node in visiting:
            blocked.add(node)
            return False
        visiting.add(node)
        # Every dependency is visited (no short circuit), so each node on a cycle is blocked.
        visited = [visit(dep) for dep in sorted(graph.get(node, ())) if dep in graph]
        ok = all(visited)
        visiting.discard(node)
        if ok and node not in blocked:
            done.add(node)
            order.append(node)
            return True
        blocked.add(node)
        return False

    for node in sorted(set(wanted)):
        visit(node)
    return order, blocked


def dependency_error(segment) -> str | None:
    """Why ``segment``'s rules can't be saved as they are (unknown or circular segments).

    The other segments are read through ``segment``'s own model, so this module needs none.
    """
    segments = type(segment)._default_manager
    uses = segment.depends_on()
    if not uses:
        return None
    if segment.pk is not None and segment.pk in uses:
        return _("A segment can't be built on itself: remove the rule “member of %(name)s”.") % {
            "name": segment.name
        }
    others = segments.exclude(pk=segment.pk) if segment.pk else segments.all()
    names = dict(others.values_list("pk", "name"))
    missing = uses - names.keys()
    if missing:
        return _("A rule uses a segment that no longer exists; choose another one.")
    if segment.pk is None:
        return None  # nothing can use a segment that is not saved yet
    graph = dependency_graph(others.filter(pk__in=_reachable(others, uses)))
    graph[segment.pk] = uses
    cycle = find_cycle(graph, segment.pk)
    if not cycle:
        return None
    names[segment.pk] = segment.name
    chain = " → ".join(f"“{names[pk]}”" for pk in cycle)
    return _(
        "These segments would depend on each other in a circle: %(chain)s. Remove one of the "
        "“member of” rules."
    ) % {"chain": chain}


def _reachable(segments, start: set[int]) -> set[int]:
    """Ids reachable from ``start`` through ``member of`` rules (reads each segment once)."""
    found, frontier = set(start), set(start)
    while frontier:
        deps = dependency_graph(segments.filter(pk__in=frontier))
        frontier = set().union(*deps.values()) - found if deps else set()
        found |= frontier
    return found
