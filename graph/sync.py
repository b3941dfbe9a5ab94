"""Writing projections into a GraphStore: a full rebuild, or an increment with its id changes.

    rebuild(store, tables)            write every batch into `store.rebuilding()`, which swaps it in
    apply_increment(store, tables)    apply tables.id_changes, then write the increment's batches

Batches are written nodes first (relations find their ends), in chunks, so a large projection
never travels as one transaction. A rebuild never shows readers a half-written graph: each store's
`rebuilding()` says how (a new file swapped in, or stamped upserts and a sweep of the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from graph.base import GraphStore
from graph.model import DEPARTMENT_NAMES
from graph.projection import GraphBatches, ResolvedTables, id_changes_of, project
from graph.values import plain_rows

__all__ = ["CHUNK_ROWS", "Checkpoint", "apply_increment", "rebuild", "write_batches"]

CHUNK_ROWS = 10_000
# called after each chunk with the label or relation type and how many of its rows are written so far
Checkpoint = Callable[[str, int], None]


def write_batches(store: GraphStore, batches: GraphBatches, chunk: int = CHUNK_ROWS,
                  checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Upsert every batch (nodes, then relations); return the rows written per label and type."""
    written: dict[str, int] = {}
    upserts: list[tuple[str, pd.DataFrame, Callable[[str, list[dict[str, object]]], int]]] = []
    upserts += [(name, frame, store.upsert_nodes) for name, frame in batches.nodes.items()]
    upserts += [(name, frame, store.upsert_relations) for name, frame in batches.relations.items()]
    for name, frame, upsert in upserts:
        for start in range(0, len(frame), chunk):
            written[name] = written.get(name, 0) + upsert(name, plain_rows(frame.iloc[start:start + chunk]))
            if checkpoint is not None:
                checkpoint(name, written[name])
    return written


def rebuild(store: GraphStore, tables: ResolvedTables, departments: Mapping[str, str] = DEPARTMENT_NAMES,
            chunk: int = CHUNK_ROWS, checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Replace the whole graph with the projection of `tables`; return the rows written.

    Readers see the old graph until the new one is complete (`GraphStore.rebuilding`).
    """
    batches = project(tables, departments)
    store.ensure_schema()
    with store.rebuilding() as target:
        return write_batches(target, batches, chunk, checkpoint)


def apply_increment(store: GraphStore, tables: ResolvedTables,
                    departments: Mapping[str, str] = DEPARTMENT_NAMES) -> dict[str, int]:
    """Apply the increment's id changes, then write its batches; return the rows written.

    `tables` holds the rows of every entity the increment touches, in full, including the old and
    new IDs of its id changes (`graph.projection.affected_keys`).
    """
    store.ensure_schema()
    store.apply_id_changes(id_changes_of(tables.id_changes))
    return write_batches(store, project(tables, departments))
