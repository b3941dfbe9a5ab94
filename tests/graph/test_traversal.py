"""Breadth-first walks: distances within k steps and bidirectional shortest paths."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from graph.traversal import Edge, distances, shortest_path

# a hub H joined to every leaf, and a chain a - b - c - d - e
EDGES = {("H", "T", f"leaf{i}") for i in range(50)} | {
    ("a", "R", "b"),
    ("b", "R", "c"),
    ("c", "R", "d"),
    ("d", "R", "e"),
    ("a", "S", "H"),
}


def expand(frontier: list[str]) -> Iterable[Edge]:
    both = EDGES | {(z, t, y) for y, t, z in EDGES}
    return [edge for edge in both if edge[0] in frontier]


def test_distances_stop_at_the_depth() -> None:
    found = distances("a", 2, expand)
    assert found["b"] == 1 and found["H"] == 1 and found["c"] == 2 and found["leaf7"] == 2
    assert "d" not in found and "a" not in found
    assert len(found) == 2 + 1 + 50


@pytest.mark.parametrize(
    ("start", "end", "length"),
    [("a", "e", 4), ("e", "a", 4), ("leaf1", "leaf2", 2), ("leaf3", "c", 4), ("b", "b", 0)],
)
def test_shortest_paths_are_shortest_and_join_their_ends(start: str, end: str, length: int) -> None:
    found = shortest_path(start, end, expand, 8)
    assert found is not None
    nodes, types = found
    assert (nodes[0], nodes[-1], len(types), len(nodes)) == (start, end, length, length + 1)
    for here, type_, there in zip(nodes, types, nodes[1:], strict=False):  # every step is a real edge
        assert (here, type_, there) in EDGES or (there, type_, here) in EDGES


def test_no_path_within_the_bound_or_at_all() -> None:
    assert shortest_path("a", "e", expand, 3) is None
    assert shortest_path("a", "nowhere", expand, 8) is None
