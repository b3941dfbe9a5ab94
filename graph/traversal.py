"""Breadth-first walks over an adjacency function: neighbours within k steps and shortest paths.

The walk is pure; the store supplies `expand(frontier)`, which returns the edges leaving those
nodes in either direction as (node, relation type, other node) triples, one query per level
rather than one per node. Ties are broken by the smallest node reference, so a walk is
deterministic.

    >>> edges = {("a", "T", "b"), ("b", "T", "c"), ("c", "T", "d"), ("a", "T", "e")}
    >>> def expand(frontier):
    ...     both = edges | {(z, t, y) for y, t, z in edges}
    ...     return [edge for edge in both if edge[0] in frontier]
    >>> distances("a", 2, expand)
    {'b': 1, 'e': 1, 'c': 2}
    >>> shortest_path("a", "d", expand, 8)
    (['a', 'b', 'c', 'd'], ['T', 'T', 'T'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["Edge", "Expand", "distances", "shortest_path"]

Edge = tuple[str, str, str]
Expand = Callable[[list[str]], Iterable[Edge]]
_Parents = dict[str, tuple[str, str] | None]


def distances(
    start: str, depth: int, expand: Expand, keep: Callable[[str], bool] | None = None, most: int | None = None
) -> dict[str, int]:
    """Return every node within `depth` steps of `start` (itself excluded) and its distance.

    A node `keep` refuses is neither returned nor walked through (what a caller may not see is
    not a hop either); the walk stops after the level on which `most` nodes are found.
    """
    found = {start: 0}
    frontier = [start]
    for level in range(1, depth + 1):
        reached = sorted({other for _, _, other in expand(frontier) if other not in found})
        if keep is not None:
            reached = [node for node in reached if keep(node)]
        found.update(dict.fromkeys(reached, level))
        frontier = reached
        if not frontier or (most is not None and len(found) > most):
            break
    del found[start]
    return found


def _step(frontier: list[str], parents: _Parents, depth: dict[str, int], expand: Expand) -> list[str]:
    """Expand one level; record each new node's first parent (smallest reference wins)."""
    reached = []
    for node, type_, other in sorted(expand(frontier)):
        if other not in parents:
            parents[other] = (node, type_)
            depth[other] = depth[node] + 1
            reached.append(other)
    return sorted(reached)


def _walk_back(node: str, parents: _Parents) -> tuple[list[str], list[str]]:
    """Return the nodes and relation types from the root of `parents` to `node`."""
    nodes, types = [node], []
    step = parents[node]
    while step is not None:
        node, type_ = step
        nodes.append(node)
        types.append(type_)
        step = parents[node]
    return nodes[::-1], types[::-1]


def shortest_path(
    start: str, end: str, expand: Expand, max_length: int
) -> tuple[list[str], list[str]] | None:
    """Return (nodes, relation types) of one shortest path of at most `max_length` steps, or None.

    Bidirectional: each round expands the smaller frontier, so a hub on one side is not walked
    when the other side is narrow.
    """
    if start == end:
        return [start], []
    sides: list[tuple[_Parents, dict[str, int], list[str]]] = [
        ({start: None}, {start: 0}, [start]),
        ({end: None}, {end: 0}, [end]),
    ]
    walked = 0
    while walked < max_length and sides[0][2] and sides[1][2]:
        which = 0 if len(sides[0][2]) <= len(sides[1][2]) else 1
        parents, depth, frontier = sides[which]
        reached = _step(frontier, parents, depth, expand)
        sides[which] = (parents, depth, reached)
        walked += 1
        other_parents, other_depth, _ = sides[1 - which]
        meetings = [(depth[node] + other_depth[node], node) for node in reached if node in other_parents]
        if meetings:
            _, meeting = min(meetings)
            nodes_a, types_a = _walk_back(meeting, sides[0][0])
            nodes_b, types_b = _walk_back(meeting, sides[1][0])
            return nodes_a + nodes_b[::-1][1:], types_a + types_b[::-1]
    return None
