"""Whether the hub's stores answer: the warehouse, the search index and the graph."""

from __future__ import annotations

from collections.abc import Callable

from cityhub.config import Settings
from cityhub.projections import open_graph_store, open_search_index
from cityhub.warehouse import Warehouse
from cityhub.warehouse.resolved import RESOLVED_TABLES

__all__ = ["hub_health"]


def hub_health(warehouse: Warehouse, settings: Settings) -> dict[str, str]:
    """Return 'ok' or 'unavailable: <error type>' for the warehouse, the search index and the graph."""
    state: dict[str, str] = {}
    probes: tuple[tuple[str, Callable[[], int]], ...] = (
        ("warehouse", lambda: warehouse.count(RESOLVED_TABLES["people"].name)),
        ("search", lambda: _count_search(settings)),
        ("graph", lambda: _count_graph(settings)),
    )
    for name, probe in probes:
        try:
            probe()
            state[name] = "ok"
        except Exception as error:  # noqa: BLE001 - a health check reports, it does not raise
            state[name] = f"unavailable: {type(error).__name__}"
    return state


def _count_search(settings: Settings) -> int:
    with open_search_index(settings) as index:
        return index.count("person")


def _count_graph(settings: Settings) -> int:
    with open_graph_store(settings) as store:
        return sum(store.counts().values())
