"""`GraphStore`: the one small interface every graph backend implements.

Writes take batches from `graph.projection` (node rows keyed by the label's key; relation rows with
`start` and `end` keys, the relation's identity properties and provenance) and are idempotent:
writing a batch twice leaves the graph as writing it once. A written property replaces the stored
one and a None removes it; properties a row does not name are kept.

Queries answer in `graph.results` dataclasses, equal across backends for the same graph. An ID the
graph does not hold raises `ontology.errors.NotFound`; an unknown label or relation type raises
`ontology.errors.BadInput`.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import partial
from types import TracebackType
from typing import Any

from graph.model import PATH_RELATIONS, GraphModel, NodeRef, NodeSpec, RelationSpec, graph_model
from graph.projection import IdChange
from graph.results import AddressDossier, CoInvolvement, Neighbour, Path, Person360, Relation
from graph.values import PLAIN_TYPES, plain
from ontology.errors import BadInput, NotFound

__all__ = [
    "END",
    "MAX_PATH_LENGTH",
    "START",
    "GraphStore",
    "Write",
    "check_depth",
    "node_rows",
    "not_found",
    "relation_rows",
]

START, END = "start", "end"  # the keys of a relation row's start and end nodes
MAX_PATH_LENGTH = 8
Write = Callable[[], int]  # a prepared upsert: runs it and returns how many rows were written


class GraphStore(ABC):
    """A property graph of cityhub's entities, written from projections and read by the API."""

    model: GraphModel = graph_model()
    writers: int = 1  # batches written at once, when they share no label (`graph.lanes`)

    # --- writes -------------------------------------------------------------------------------------

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the uniqueness constraints and indexes of `graph.model` (idempotent)."""

    @abstractmethod
    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Create or update nodes of `label` by key; return how many rows were written."""

    @abstractmethod
    def upsert_relations(self, type_: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Create or update relations by (start, end, identity); return how many were written.

        A row whose start or end node is not in the graph is skipped, not invented.
        """

    def prepare_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> Write:
        """Return the upsert of `rows` as a call, with the work that needs no store done now.

        `graph.sync.write_batches` prepares the next chunk while the store writes this one, so a
        store that encodes rows before they travel does the encoding here. By default nothing is
        done ahead. A bad row raises here, as `upsert_nodes` would.
        """
        return partial(self.upsert_nodes, label, rows)

    def prepare_relations(self, type_: str, rows: Sequence[Mapping[str, Any]]) -> Write:
        """Return the upsert of relation `rows` as a call, prepared as `prepare_nodes` says."""
        return partial(self.upsert_relations, type_, rows)

    @abstractmethod
    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        """Delete nodes of `label` and their relations; return how many nodes were deleted."""

    @abstractmethod
    def apply_id_changes(self, changes: Sequence[IdChange]) -> int:
        """Apply merges and splits in order; return how many relations were moved or dropped.

        A merge moves every relation of the old node onto the new one (provenance united) and
        deletes the old node; a split drops the old node's relations, which the batches projected
        from the resolved tables then write again for both IDs.
        """

    @abstractmethod
    def rebuilding(self) -> AbstractContextManager[GraphStore]:
        """Return a context yielding the store a full rebuild writes into.

        On a clean exit the rebuilt graph replaces the old one, and nothing the rebuild did not
        write is left; readers meanwhile never miss anything the old graph held that the new one
        keeps. On an error the old graph stays as it was, plus at most what was written.
        """

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relation of the model's labels and types."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Return how many nodes of each label and relations of each type the graph holds."""

    # --- queries ------------------------------------------------------------------------------------

    @abstractmethod
    def get_node(self, label: str, key: str) -> dict[str, Any]:
        """Return the properties of one node."""

    @abstractmethod
    def relations(self, label: str, key: str) -> list[Relation]:
        """Return every relation of one node, in either direction, with its provenance."""

    @abstractmethod
    def person_360(self, person_id: str) -> Person360:
        """Return the person, where they live, every event they took part in and their cases."""

    @abstractmethod
    def address_dossier(self, place_id: str) -> AddressDossier:
        """Return everything at a place and below it: places, events, residents and cases."""

    @abstractmethod
    def neighbours(
        self, label: str, key: str, depth: int = 1, relations: Sequence[str] | None = None
    ) -> list[Neighbour]:
        """Return the nodes within `depth` relations of a node (either direction), nearest first."""

    @abstractmethod
    def shortest_path(
        self,
        start: NodeRef,
        end: NodeRef,
        relations: Sequence[str] = PATH_RELATIONS,
        max_length: int = MAX_PATH_LENGTH,
    ) -> Path | None:
        """Return one shortest path over `relations` (either direction), or None when there is none."""

    @abstractmethod
    def co_involved(self, person_id: str) -> list[CoInvolvement]:
        """Return the other people involved in the cases of this person, with how many they share."""

    # --- lifecycle ----------------------------------------------------------------------------------

    @abstractmethod
    def close(self) -> None:
        """Release connections; the graph itself stays where it is."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # --- shared checks ------------------------------------------------------------------------------

    def _relation_types(self, relations: Iterable[str] | None) -> list[str]:
        names = list(self.model.relations) if relations is None else list(relations)
        for name in names:
            self.model.relation(name)
        return names


def check_depth(depth: int, most: int = MAX_PATH_LENGTH) -> None:
    """Refuse a traversal depth outside 1..most: deeper walks reach the whole city through hubs."""
    if not 1 <= depth <= most:
        raise BadInput(f"depth must be between 1 and {most}, got {depth}")


def not_found(label: str, key: str) -> NotFound:
    """Return the error for a node that is not in the graph."""
    return NotFound(f"{label} {key!r} is not in the graph")


def _plain_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of `row` with plain values, converting only those that are not already plain.

    Times are local times, as the warehouse keeps them: an aware datetime is refused rather than
    stored differently by each backend.
    """
    clean = dict(row)
    for name, value in clean.items():
        if type(value) not in PLAIN_TYPES:
            value = clean[name] = plain(value)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise BadInput(f"property {name}: {value.isoformat()} has a time zone; graph times are local")
    return clean


def node_rows(spec: NodeSpec, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return `rows` as plain values; refuse rows without a key or with properties the label lacks."""
    known = set(spec.properties)
    cleaned = []
    for row in rows:
        if not row.keys() <= known:
            raise BadInput(f"{spec.label} rows: unknown properties {sorted(set(row) - known)}")
        clean = _plain_row(row)
        key = clean.get(spec.key)
        if key is None or key == "":
            raise BadInput(f"{spec.label} row without {spec.key}")
        clean[spec.key] = str(key)
        cleaned.append(clean)
    return cleaned


def relation_rows(spec: RelationSpec, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return `rows` as plain values with start, end and identity filled; refuse unknown properties.

    A missing identity value becomes "" so that MERGE (which refuses nulls) and SQLite's primary
    key treat it alike.
    """
    known = set(spec.properties) | {START, END}
    cleaned = []
    for row in rows:
        if not row.keys() <= known:
            raise BadInput(f"{spec.type} rows: unknown properties {sorted(set(row) - known)}")
        clean = _plain_row(row)
        if clean.get(START) is None or clean.get(END) is None:
            raise BadInput(f"{spec.type} row without {START} or {END}")
        clean[START], clean[END] = str(clean[START]), str(clean[END])
        for name in spec.identity:
            clean[name] = "" if clean.get(name) is None else str(clean[name])
        cleaned.append(clean)
    return cleaned
