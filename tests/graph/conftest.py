"""The graph stores under test: the embedded one always, Neo4j on the session's real server.

`graph` is a store holding the hand-made city of tests/graph/city.py for tests that only read;
`store` is one rebuilt for a test that writes. Neo4j Community has one database, shared by the
whole session: it is rebuilt only after a writing test, which keeps the Neo4j run short. The
store clears only the model's labels, which no other test uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import GraphStore, open_graph, rebuild
from tests.graph.city import city

BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.servers)]
_changed = {"embedded": True, "neo4j": True}  # whether the last test may have changed the graph


def second_reader(store: GraphStore) -> GraphStore:
    """Return another store on the same graph, as the API in another process would open it."""
    location = getattr(store, "url", None) or store.path  # type: ignore[attr-defined]
    return open_graph(location)


def _open(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    if backend == "neo4j":
        return open_graph(request.getfixturevalue("neo4j_url"))
    # a fresh file per test: the embedded rebuild costs milliseconds
    return open_graph(f"sqlite:///{tmp_path / 'graph.db'}")


def _city_store(request: pytest.FixtureRequest, tmp_path: Path, writes: bool) -> Iterator[GraphStore]:
    backend = request.param
    opened = _open(backend, request, tmp_path)
    try:
        if writes or _changed[backend] or backend == "embedded":
            rebuild(opened, city())
        _changed[backend] = writes
        yield opened
    finally:
        opened.close()


@pytest.fixture(params=BACKENDS)
def graph(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A store of each backend holding the small city, for tests that only read."""
    yield from _city_store(request, tmp_path, writes=False)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A store of each backend holding the small city, rebuilt for a test that writes."""
    yield from _city_store(request, tmp_path, writes=True)
