"""Writing projections into a GraphStore: a full rebuild, or an increment with its id changes.

    rebuild(store, tables)            write every batch into `store.rebuilding()`, which swaps it in
    apply_increment(store, tables)    apply tables.id_changes, then write the increment's batches

Batches are written nodes first (relations find their ends), in chunks, so a large projection
never travels as one transaction. A rebuild never shows readers a half-written graph: each store's
`rebuilding()` says how (a new file swapped in, or stamped upserts and a sweep of the rest).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import islice

import pandas as pd

from graph.base import GraphStore, Write
from graph.lanes import Wave, disjoint_slices, write_plan
from graph.model import DEPARTMENT_NAMES
from graph.projection import GraphBatches, ResolvedTables, id_changes_of, project
from graph.values import plain_rows

__all__ = ["CHUNK_ROWS", "Checkpoint", "apply_increment", "rebuild", "write_batches"]

CHUNK_ROWS = 10_000
# called after each chunk with the label or relation type and how many of its rows are written so
# far; with several writers, from the thread that wrote the chunk, one call at a time
Checkpoint = Callable[[str, int], None]
Prepare = Callable[[str, list[dict[str, object]]], Write]  # GraphStore.prepare_nodes or prepare_relations


def _prepared(prepare: Prepare, name: str, frame: pd.DataFrame) -> Write:
    return prepare(name, plain_rows(frame))


Part = tuple[str, pd.DataFrame]  # a batch's name and its rows, or some of them


def _chunks(
    store: GraphStore, batches: GraphBatches, parts: list[Part], chunk: int
) -> Iterator[tuple[str, Callable[[], Write]]]:
    """Yield each chunk of the parts with the call preparing its write."""
    for name, frame in parts:
        prepare = store.prepare_nodes if name in batches.nodes else store.prepare_relations
        for start in range(0, len(frame), chunk):
            yield name, partial(_prepared, prepare, name, frame.iloc[start : start + chunk])


class _Progress:
    """Rows written per batch, counted by every lane, and the checkpoint called after each chunk."""

    def __init__(self, checkpoint: Checkpoint | None) -> None:
        self.written: dict[str, int] = {}
        self._checkpoint = checkpoint
        self._lock = threading.Lock()

    def add(self, name: str, rows: int) -> None:
        with self._lock:
            self.written[name] = self.written.get(name, 0) + rows
            if self._checkpoint is not None:
                self._checkpoint(name, self.written[name])


def _write_lane(
    store: GraphStore, batches: GraphBatches, parts: list[Part], chunk: int, progress: _Progress
) -> None:
    """Write the parts in order, preparing the next chunk while the store writes this one."""
    chunks = _chunks(store, batches, parts, chunk)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-prepare") as preparer:
        pending = [(name, preparer.submit(prepare)) for name, prepare in islice(chunks, 1)]
        while pending:
            name, prepared = pending.pop()
            write = prepared.result()
            pending += [(next_name, preparer.submit(prepare)) for next_name, prepare in islice(chunks, 1)]
            progress.add(name, write())


def write_batches(
    store: GraphStore, batches: GraphBatches, chunk: int = CHUNK_ROWS, checkpoint: Checkpoint | None = None
) -> dict[str, int]:
    """Upsert every batch (nodes, then relations); return the rows written per label and type.

    A store that takes `writers` > 1 writes at once batches that share no label
    (`graph.lanes`). In each lane the next chunk is prepared (rows made plain and encoded for the
    store) on a second thread while the store writes this one: on Neo4j that preparing was a
    quarter of a load's time, spent while the server waited.
    """
    progress = _Progress(checkpoint)
    sizes = batches.sizes()
    plan = write_plan(
        store.model,
        {name: sizes[name] for name in batches.nodes},
        {name: sizes[name] for name in batches.relations},
        store.writers,
    )
    for wave in plan:
        lanes = _lanes(batches, wave, store.writers)
        if len(lanes) == 1:  # on this thread: an embedded store's connection may belong to it
            _write_lane(store, batches, lanes[0], chunk, progress)
            continue
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="graph-lane") as pool:
            running = [pool.submit(_write_lane, store, batches, lane, chunk, progress) for lane in lanes]
            for lane in running:
                lane.result()
    return progress.written


def _lanes(batches: GraphBatches, wave: Wave, writers: int) -> list[list[Part]]:
    """Return the parts each lane of a wave writes; a relation batch alone in its wave is cut into
    slices that share no node when its rows allow (`graph.lanes.disjoint_slices`)."""
    if len(wave) == 1 and len(wave[0]) == 1 and wave[0][0] in batches.relations:
        name = wave[0][0]
        return [[(name, part)] for part in disjoint_slices(batches.relations[name], writers)]
    frames = {**batches.nodes, **batches.relations}
    return [[(name, frames[name]) for name in lane] for lane in wave]


def rebuild(
    store: GraphStore,
    tables: ResolvedTables,
    departments: Mapping[str, str] = DEPARTMENT_NAMES,
    chunk: int = CHUNK_ROWS,
    checkpoint: Checkpoint | None = None,
) -> dict[str, int]:
    """Replace the whole graph with the projection of `tables`; return the rows written.

    Readers see the old graph until the new one is complete (`GraphStore.rebuilding`).
    """
    batches = project(tables, departments)
    store.ensure_schema()
    with store.rebuilding() as target:
        return write_batches(target, batches, chunk, checkpoint)


def apply_increment(
    store: GraphStore, tables: ResolvedTables, departments: Mapping[str, str] = DEPARTMENT_NAMES
) -> dict[str, int]:
    """Apply the increment's id changes, then write its batches; return the rows written.

    `tables` holds the rows of every entity the increment touches, in full, including the old and
    new IDs of its id changes (`graph.projection.affected_keys`).
    """
    store.ensure_schema()
    store.apply_id_changes(id_changes_of(tables.id_changes))
    return write_batches(store, project(tables, departments))
