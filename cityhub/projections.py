"""Where the graph and the search index live, and how resolved tables are written into them.

`graph_url` / `search_url` settings: "embedded" (the default) keeps both under the hub's home
(`graph.sqlite`, `search/`); a bolt:// or neo4j:// URL is a Neo4j server, an http(s):// URL an
Elasticsearch server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from cityhub.config import Settings, get_settings
from graph import GraphStore, ResolvedTables, apply_increment, open_graph, rebuild
from search import SearchIndex, open_index
from search.base import SearchDocument
from search.documents import case_documents, person_documents, place_documents

__all__ = ["KeptSearchIndex", "open_graph_store", "open_search_index", "write_graph", "write_search"]

GRAPH_LABELS = {"person": "Person", "place": "Place", "case": "Case", "event": "Event"}
SEARCH_KINDS = {"person": "person", "place": "place", "case": "case"}


def graph_location(settings: Settings) -> str:
    """Return where the graph is: a SQLite file under the home when embedded, else the server's URL."""
    return str(settings.home / "graph.sqlite") if settings.graph_url == "embedded" else settings.graph_url


def search_location(settings: Settings) -> str:
    """Return where the search index is: a folder under the home when embedded, else the server's URL."""
    return str(settings.home / "search") if settings.search_url == "embedded" else settings.search_url


@contextmanager
def open_graph_store(settings: Settings | None = None) -> Iterator[GraphStore]:
    """Yield the graph store the settings point at, closed afterwards."""
    settings = settings or get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    store = open_graph(graph_location(settings))
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_search_index(settings: Settings | None = None) -> Iterator[SearchIndex]:
    """Yield the search index the settings point at, closed afterwards."""
    settings = settings or get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    index = open_index(search_location(settings), settings.index_prefix, city_code=settings.city_code)
    try:
        yield index
    finally:
        index.close()


class KeptSearchIndex:
    """The search index the settings point at, opened once and shared by a reader's threads.

    Opened for every question, the embedded index read its documents' arrays afresh each time (a few
    milliseconds per kind); kept open, it keeps them, and still reloads them when the index is rebuilt
    (it checks the version in use and its generation on every question)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @contextmanager
    def opened(self) -> Iterator[SearchIndex]:
        """Yield the shared index, opening it the first time."""
        with self._lock:
            if self._index is None:
                settings = self.settings
                location = search_location(settings)
                self._index = open_index(location, settings.index_prefix, city_code=settings.city_code)
        yield self._index


def _split_changes(id_changes: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (merges and splits, removals) of an id_changes table."""
    if id_changes is None or id_changes.empty:
        return pd.DataFrame(columns=["entity", "old_id", "new_id", "kind", "at"]), pd.DataFrame()
    removed = id_changes["kind"] == "removed"
    moves = id_changes[~removed & id_changes["entity"].isin(["person", "place", "case"])]
    return moves, id_changes[removed]


def write_graph(settings: Settings, tables: dict[str, pd.DataFrame], increment: bool) -> dict[str, int]:
    """Rebuild the graph from `tables`, or apply them as an increment (changes, removals, upserts)."""
    moves, removals = _split_changes(tables.get("id_changes"))
    resolved = ResolvedTables.from_mapping({**tables, "id_changes": moves})
    with open_graph_store(settings) as store:
        if not increment:
            return rebuild(store, resolved)
        written = apply_increment(store, resolved)
        for entity, frame in removals.groupby("entity") if len(removals) else ():
            written[f"removed {entity}"] = store.delete_nodes(
                GRAPH_LABELS[str(entity)], frame["old_id"].tolist()
            )
        return written


def search_documents(
    tables: dict[str, pd.DataFrame], city_code: str | None = None
) -> dict[str, Iterator[SearchDocument]]:
    """Return the document stream of each kind built from the resolved tables, addresses read inside
    the hub's city `city_code` (Settings.city_code)."""
    people, events = tables["people"], tables["events"]
    return {
        "person": person_documents(
            people, tables["person_mentions"], events, tables["event_people"], city_code=city_code
        ),
        "place": place_documents(tables["places"], events, city_code=city_code),
        "case": case_documents(tables["cases"], events, tables["event_people"], people, city_code=city_code),
    }


def write_search(settings: Settings, tables: dict[str, pd.DataFrame], increment: bool) -> dict[str, int]:
    """Rebuild every kind of the search index from `tables` (alias swap), or upsert the increment."""
    written: dict[str, int] = {}
    with open_search_index(settings) as index:
        index.ensure_index()
        if increment:
            for kind, docs in search_documents(tables, settings.city_code).items():
                written[kind] = index.bulk_upsert(kind, docs)
        else:
            documents = search_documents(tables, settings.city_code)
            written = {kind: index.count(kind) for kind in index.rebuild_kinds(documents)}
        if increment:
            moves, removals = _split_changes(tables.get("id_changes"))
            gone = pd.concat([moves[moves["kind"] == "merge"], removals], ignore_index=True)
            for entity, frame in gone.groupby("entity") if len(gone) else ():
                if entity in SEARCH_KINDS:
                    written[f"removed {entity!s}"] = index.delete(
                        SEARCH_KINDS[str(entity)], frame["old_id"].tolist()
                    )
    return written
