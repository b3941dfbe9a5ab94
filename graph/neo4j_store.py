"""The Neo4j graph, through the official `neo4j` Python driver (6.x; servers 5.x and later).

Writes are batched `UNWIND $rows AS row MERGE ...` statements (`graph.cypher`), one managed write
transaction per batch, retried by the driver on transient errors; MERGE on keys under uniqueness
constraints makes every write idempotent. Queries run in read transactions. `run_read` takes
Cypher from trusted callers (analysts' saved queries, the API's expert endpoint) and runs it in a
READ transaction: the server refuses any write there, and the refusal is `ontology.errors.Forbidden`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable

from graph import cypher
from graph.base import GraphStore, check_depth, node_rows, not_found, relation_rows
from graph.model import PATH_RELATIONS, NodeRef
from graph.projection import IdChange
from graph.results import (
    AddressDossier,
    CoInvolvement,
    DossierEvent,
    Involvement,
    Neighbour,
    Path,
    Person360,
    Relation,
    Resident,
    address_dossier,
    co_involvements,
    person_360,
)
from graph.traversal import Edge, distances
from graph.values import shape_properties
from ontology.errors import BadInput, Forbidden, SourceError

__all__ = ["Neo4jGraphStore"]

_T = TypeVar("_T")
# codes the server gives a write attempted in a READ transaction (5.x and the GQL-era names)
_READ_ONLY_CODES = ("Neo.ClientError.Statement.AccessMode", "Neo.ClientError.Security.Forbidden")


class Neo4jGraphStore(GraphStore):
    """A GraphStore on a Neo4j server; `url` is its neo4j:// or bolt:// address."""

    def __init__(self, url: str, *, auth: tuple[str, str] | None = None, database: str | None = "neo4j") -> None:
        self.url = url
        self.database = database
        self._driver = GraphDatabase.driver(url, auth=auth)
        self._key_of = {label: spec.key for label, spec in self.model.nodes.items()}

    def close(self) -> None:
        self._driver.close()

    def _session(self, mode: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        return self._driver.session(database=self.database, default_access_mode=mode)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        try:
            with self._session() as session:
                return session.execute_write(work)
        except ServiceUnavailable as error:
            raise SourceError(f"Neo4j at {self.url} is unavailable: {error}") from error

    def _read(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except ServiceUnavailable as error:
            raise SourceError(f"Neo4j at {self.url} is unavailable: {error}") from error

    def _data(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._read(lambda tx: tx.run(query, params).data())

    # --- writes -------------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        for statement in cypher.schema(self.model):
            self._write(lambda tx, s=statement: tx.run(s).consume())

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        spec = self.model.node(label)
        cleaned = node_rows(spec, rows)
        if cleaned:
            self._write(lambda tx: tx.run(cypher.upsert_nodes(spec), rows=cleaned).consume())
        return len(cleaned)

    def upsert_relations(self, type_: str, rows: Sequence[Mapping[str, Any]]) -> int:
        spec = self.model.relation(type_)
        cleaned = [{"start": row["start"], "end": row["end"], **{name: row[name] for name in spec.identity},
                    "props": {k: v for k, v in row.items() if k not in ("start", "end")}}
                   for row in relation_rows(spec, rows)]
        if not cleaned:
            return 0
        query = cypher.upsert_relations(spec)
        return int(self._write(lambda tx: tx.run(query, rows=cleaned).single(strict=True)["written"]))

    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        query = cypher.delete_nodes(self.model.node(label))
        return int(self._write(lambda tx: tx.run(query, keys=list(keys)).single(strict=True)["deleted"]))

    def apply_id_changes(self, changes: Sequence[IdChange]) -> int:
        def work(tx: ManagedTransaction) -> int:
            moved = 0
            for change in changes:
                moved += self._apply(tx, change)
            return moved

        return self._write(work) if changes else 0

    def _apply(self, tx: ManagedTransaction, change: IdChange) -> int:
        node = self.model.node(change.label)
        keys = {"old": change.old_key, "new": change.new_key}
        if change.kind == "split":
            return int(tx.run(cypher.detach(node), keys).single(strict=True)["dropped"])
        if tx.run(cypher.node_by_key(node), key=change.old_key).single() is None:
            return 0  # already applied: replaying an increment is safe
        tx.run(cypher.merge_node(node), key=change.new_key).consume()
        moved = 0
        for spec in self.model.relations_of(change.label):
            directions = [d for d, label in ((True, spec.source), (False, spec.target)) if label == change.label]
            for outgoing in directions:
                moved += int(tx.run(cypher.redirect(node, spec, outgoing), keys).single(strict=True)["moved"])
        tx.run(cypher.delete_nodes(node), keys=[change.old_key]).consume()
        return moved

    def clear(self) -> None:
        for spec in self.model.nodes.values():
            with self._session() as session:  # CALL ... IN TRANSACTIONS needs an auto-commit transaction
                session.run(cypher.clear(spec)).consume()

    def counts(self) -> dict[str, int]:
        def work(tx: ManagedTransaction) -> dict[str, int]:
            found = {label: tx.run(cypher.count_nodes(spec)).single(strict=True)["n"]
                     for label, spec in self.model.nodes.items()}
            found.update({type_: tx.run(cypher.count_relations(spec)).single(strict=True)["n"]
                          for type_, spec in self.model.relations.items()})
            return found

        return self._read(work)

    # --- queries ------------------------------------------------------------------------------------

    def get_node(self, label: str, key: str) -> dict[str, Any]:
        spec = self.model.node(label)
        rows = self._data(cypher.node_by_key(spec), key=key)
        if not rows:
            raise not_found(label, key)
        return self._shape(label, rows[0]["props"])

    def _shape(self, label: str, props: Mapping[str, Any] | None) -> dict[str, Any]:
        return shape_properties(props or {}, self.model.node(label))

    def relations(self, label: str, key: str) -> list[Relation]:
        spec = self.model.node(label)
        self.get_node(label, key)
        found = []
        for row in self._data(cypher.relations_of(spec), key=key, key_of=self._key_of):
            me, other = NodeRef(label, key), NodeRef(row["label"], row["other"])
            start, end = (me, other) if row["outgoing"] else (other, me)
            props = shape_properties(row["props"], self.model.relation(row["type"]))
            found.append(Relation(row["type"], start, end, props))
        return sorted(found, key=Relation.sort_key)

    def person_360(self, person_id: str) -> Person360:
        person = self.get_node("Person", person_id)
        homes = self._data(cypher.PERSON_HOMES, key=person_id)
        rows = self._data(cypher.PERSON_EVENTS, key=person_id)
        involvements = [Involvement(row["role"], self._shape("Event", row["event"]), row["place_id"],
                                    row["case_id"]) for row in rows]
        cases = {row["case_id"]: self._shape("Case", row["case"]) for row in rows if row["case_id"]}
        return person_360(person, [self._shape("Place", row["place"]) for row in homes], involvements,
                          list(cases.values()))

    def address_dossier(self, place_id: str) -> AddressDossier:
        place = self.get_node("Place", place_id)
        above = [self._shape("Place", row["place"]) for row in self._data(cypher.PLACES_ABOVE, key=place_id)]
        below = [self._shape("Place", row["place"]) for row in self._data(cypher.PLACES_BELOW, key=place_id)]
        rows = self._data(cypher.DOSSIER_EVENTS, key=place_id)
        events = [DossierEvent(self._shape("Event", row["event"]), row["place_id"], row["case_id"],
                               [(pid, role) for pid, role in row["people"]]) for row in rows]
        cases = {row["case_id"]: self._shape("Case", row["case"]) for row in rows if row["case_id"]}
        residents = [Resident(self._shape("Person", row["person"]), row["place_id"])
                     for row in self._data(cypher.DOSSIER_RESIDENTS, key=place_id)]
        return address_dossier(place, above, below, events, residents, list(cases.values()))

    def _expand(self, types: list[str]) -> Callable[[list[str]], list[Edge]]:
        """Return the adjacency of "Label:key" refs, one query per label in the frontier."""
        def expand(frontier: list[str]) -> list[Edge]:
            by_label: dict[str, list[str]] = {}
            for node in frontier:
                label, key = node.split(":", 1)
                by_label.setdefault(label, []).append(key)
            edges: list[Edge] = []
            for label, keys in by_label.items():
                query = cypher.edges_around(self.model.node(label))
                for row in self._data(query, keys=keys, types=types, key_of=self._key_of):
                    edges.append((f"{label}:{row['key']}", row["type"], f"{row['label']}:{row['other']}"))
            return edges

        return expand

    def neighbours(self, label: str, key: str, depth: int = 1,
                   relations: Sequence[str] | None = None) -> list[Neighbour]:
        check_depth(depth)
        self.get_node(label, key)
        found = distances(f"{label}:{key}", depth, self._expand(self._relation_types(relations)))
        return sorted(Neighbour(level, *node.split(":", 1)) for node, level in found.items())

    def shortest_path(self, start: NodeRef, end: NodeRef, relations: Sequence[str] = PATH_RELATIONS,
                      max_length: int = 8) -> Path | None:
        check_depth(max_length)
        for node in (start, end):
            self.get_node(node.label, node.key)
        if start == end:
            return Path([start], [])
        types = self._relation_types(relations)
        query = cypher.shortest_path(self.model.node(start.label), self.model.node(end.label), types, max_length)
        rows = self._data(query, start=start.key, end=end.key, key_of=self._key_of)
        if not rows:
            return None
        return Path([NodeRef(label, key) for label, key in rows[0]["nodes"]], list(rows[0]["types"]))

    def co_involved(self, person_id: str) -> list[CoInvolvement]:
        self.get_node("Person", person_id)
        rows = self._data(cypher.CO_INVOLVED, key=person_id)
        return co_involvements([(row["person_id"], row["name"], row["case_id"]) for row in rows])

    # --- trusted Cypher -----------------------------------------------------------------------------

    def run_read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run Cypher from a trusted caller in a READ transaction; a write in it raises Forbidden."""
        try:
            return self._read(lambda tx: tx.run(query, dict(params or {})).data())
        except ClientError as error:
            if error.code in _READ_ONLY_CODES or "read access mode" in (error.message or "").lower():
                raise Forbidden(f"read-only Cypher refused a write: {error.message}") from error
            raise BadInput(f"Cypher refused by Neo4j ({error.code}): {error.message}") from error
        except Neo4jError as error:
            raise BadInput(f"Cypher failed in Neo4j ({error.code}): {error.message}") from error
