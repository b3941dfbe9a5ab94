"""Writing projections into a GraphStore: a full rebuild, or an increment with its id changes.

    rebuild(store, tables)            clear, create the schema, write every batch
    apply_increment(store, tables)    apply tables.id_changes, then write the increment's batches

Batches are written nodes first (relations find their ends), in chunks, so a large projection
never travels as one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.base import GraphStore
from graph.model import DEPARTMENT_NAMES
from graph.projection import GraphBatches, ResolvedTables, id_changes_of, project
from graph.values import plain_rows

__all__ = ["CHUNK_ROWS", "apply_increment", "rebuild", "write_batches"]

CHUNK_ROWS = 10_000


def write_batches(store: GraphStore, batches: GraphBatches, chunk: int = CHUNK_ROWS) -> dict[str, int]:
    """Upsert every batch (nodes, then relations); return the rows written per label and type."""
    written: dict[str, int] = {}
    for label, frame in batches.nodes.items():
        for start in range(0, len(frame), chunk):
            rows = plain_rows(frame.iloc[start:start + chunk])
            written[label] = written.get(label, 0) + store.upsert_nodes(label, rows)
    for type_, frame in batches.relations.items():
        for start in range(0, len(frame), chunk):
            rows = plain_rows(frame.iloc[start:start + chunk])
            written[type_] = written.get(type_, 0) + store.upsert_relations(type_, rows)
    return written


def rebuild(store: GraphStore, tables: ResolvedTables,
            departments: Mapping[str, str] = DEPARTMENT_NAMES) -> dict[str, int]:
    """Replace the whole graph with the projection of `tables`; return the rows written."""
    store.ensure_schema()
    store.clear()
    return write_batches(store, project(tables, departments))


def apply_increment(store: GraphStore, tables: ResolvedTables,
                    departments: Mapping[str, str] = DEPARTMENT_NAMES) -> dict[str, int]:
    """Apply the increment's id changes, then write its batches; return the rows written.

    `tables` holds the rows of every entity the increment touches, in full, including the old and
    new IDs of its id changes (`graph.projection.affected_keys`).
    """
    store.ensure_schema()
    store.apply_id_changes(id_changes_of(tables.id_changes))
    return write_batches(store, project(tables, departments))
