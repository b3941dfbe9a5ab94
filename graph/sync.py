"""Writing projections into a GraphStore: a full rebuild, or an increment with its id changes.

    rebuild(store, tables)            write every batch into `store.rebuilding()`, which swaps it in
    apply_increment(store, tables)    apply tables.id_changes, then write the increment's batches

Batches are written nodes first (relations find their ends), in chunks, so a large projection
never travels as one transaction. A rebuild never shows readers a half-written graph: each store's
`rebuilding()` says how (a new file swapped in, or stamped upserts and a sweep of the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import islice

import pandas as pd

from graph.base import GraphStore, Write
from graph.model import DEPARTMENT_NAMES
from graph.projection import GraphBatches, ResolvedTables, id_changes_of, project
from graph.values import plain_rows

__all__ = ["CHUNK_ROWS", "Checkpoint", "apply_increment", "rebuild", "write_batches"]

CHUNK_ROWS = 10_000
# called after each chunk with the label or relation type and how many of its rows are written so far
Checkpoint = Callable[[str, int], None]
Prepare = Callable[[str, list[dict[str, object]]], Write]  # GraphStore.prepare_nodes or prepare_relations


def _prepared(prepare: Prepare, name: str, frame: pd.DataFrame) -> Write:
    return prepare(name, plain_rows(frame))


def _chunks(store: GraphStore, batches: GraphBatches,
            chunk: int) -> Iterator[tuple[str, Callable[[], Write]]]:
    """Yield each chunk's name and the call preparing its write: nodes first, then relations."""
    prepares: list[tuple[str, pd.DataFrame, Prepare]] = []
    prepares += [(name, frame, store.prepare_nodes) for name, frame in batches.nodes.items()]
    prepares += [(name, frame, store.prepare_relations) for name, frame in batches.relations.items()]
    for name, frame, prepare in prepares:
        for start in range(0, len(frame), chunk):
            yield name, partial(_prepared, prepare, name, frame.iloc[start:start + chunk])


def write_batches(store: GraphStore, batches: GraphBatches, chunk: int = CHUNK_ROWS,
                  checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Upsert every batch (nodes, then relations); return the rows written per label and type.

    The next chunk is prepared (rows made plain and encoded for the store) on a second thread
    while the store writes this one: on Neo4j that preparing was a quarter of a load's time, spent
    while the server waited.
    """
    written: dict[str, int] = {}
    chunks = _chunks(store, batches, chunk)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-prepare") as preparer:
        pending = [(name, preparer.submit(prepare)) for name, prepare in islice(chunks, 1)]
        while pending:
            name, prepared = pending.pop()
            write = prepared.result()
            pending += [(next_name, preparer.submit(prepare)) for next_name, prepare in islice(chunks, 1)]
            written[name] = written.get(name, 0) + write()
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
