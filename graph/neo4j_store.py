"""The Neo4j graph, through the official `neo4j` Python driver (6.x; servers 5.x and later).

Writes are batched `UNWIND ... MERGE ...` statements (`graph.cypher`) on keys under uniqueness
constraints, so every write is idempotent; each batch is one managed write transaction, retried
by the driver on transient errors. A batch travels as columns packed into strings
(`graph.neo4j_columns`), prepared while the previous batch is written (`graph.sync`). `writers`
(default 3) is how many batches `graph.sync.write_batches` sends at once: only batches that share
no node (`graph.lanes`), because two transactions adding relations to the same nodes deadlock on
locks the server takes at commit. A full rebuild stamps what it writes and then sweeps the rest
(`rebuilding`). Queries run in one read transaction each. `run_read` takes Cypher from trusted
callers (saved analyst queries, an expert endpoint) and runs it in a READ transaction: the server
refuses any write there, and the refusal is `ontology.errors.Forbidden`.

Where a load's time goes (`cityhub bench graph --nodes 60000`, 65,395 nodes and 98,553 relations,
JIT warmed first): the server spends about 60-75 us of CPU per item created on the Bolt worker
thread that runs the transaction, half of it committing (extracting and applying the record
commands), the rest index seeks, property writes and reading the packed columns; the client
about 20 us preparing it. Each transaction runs on one server thread, so one writer leaves a core
idle, and with two the cores still idle while a lane waits on the client; README has the rates.
CREATE instead of MERGE saved about a tenth of the server's time into an empty graph, but a
write must stay idempotent; batches of 2,500 to 50,000 rows cost the same per item. Before
batches travelled as packed columns the driver's pure-Python packing cost more than the server
(17 us a value, 370 us a datetime).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable

from graph import cypher
from graph.base import GraphStore, Write, check_depth, node_rows, not_found, relation_rows
from graph.model import PATH_RELATIONS, NodeRef
from graph.neo4j_columns import ITEM, MISSING, ROW, Column, column_kinds, pack_columns
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


def _groups(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Return the rows grouped by the properties they name, in order of first appearance.

    Rows from one projected table all name the same properties, so this is one group; rows that
    name fewer leave the others as they are in the graph, as the contract says.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return list(groups.values())


class Neo4jGraphStore(GraphStore):
    """A GraphStore on a Neo4j server; `url` is its neo4j:// or bolt:// address."""

    def __init__(
        self,
        url: str,
        *,
        auth: tuple[str, str] | None = None,
        database: str | None = "neo4j",
        writers: int = 3,
    ) -> None:
        self.url = url
        self.database = database
        self._driver = GraphDatabase.driver(url, auth=auth)
        self._key_of = {label: spec.key for label, spec in self.model.nodes.items()}
        # the server runs each transaction on one thread: on 2 cores, three at once beat two
        # (full load 20,136 against 17,620 items/s, rebuild 29,426 against 21,529, paired runs)
        self.writers = max(1, writers)
        self._rebuild_id: str | None = None  # while a rebuild runs, every write stamps it

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

    # --- writes -------------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        def work(tx: ManagedTransaction) -> None:
            for statement in cypher.schema(self.model):
                tx.run(statement).consume()

        self._write(work)

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        return self.prepare_nodes(label, rows)()

    def upsert_relations(self, type_: str, rows: Sequence[Mapping[str, Any]]) -> int:
        return self.prepare_relations(type_, rows)()

    def prepare_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> Write:
        spec = self.model.node(label)
        cleaned = node_rows(spec, rows)
        kinds = column_kinds(dict(spec.types), spec.multiple)
        stamped = self._rebuild_id is not None
        send = self._prepare_all(lambda columns: cypher.upsert_nodes(spec, columns, stamped), kinds, cleaned)

        def write() -> int:
            send()  # a node MERGE returns no count: every row is written
            return len(cleaned)

        return write

    def prepare_relations(self, type_: str, rows: Sequence[Mapping[str, Any]]) -> Write:
        spec = self.model.relation(type_)
        kinds = column_kinds(dict(spec.types), frozenset({"sources"}))
        stamped = self._rebuild_id is not None
        return self._prepare_all(
            lambda columns: cypher.upsert_relations(spec, columns, stamped), kinds, relation_rows(spec, rows)
        )

    def _prepare_all(
        self, build: Callable[[list[Column]], str], kinds: dict[str, str], rows: list[dict[str, Any]]
    ) -> Write:
        """Pack rows into columns, a statement per group of rows naming the same properties; return
        the call sending them, in one transaction each."""
        statements = [
            (build(columns), params)
            for columns, params in (pack_columns(kinds, group) for group in _groups(rows))
        ]
        return lambda: sum(self._send(query, params) for query, params in statements)

    def _send(self, query: str, columns: dict[str, Any]) -> int:
        """Run one batch write; return its `written` count (0 when the statement returns none)."""
        params = {"cols": columns, "row": ROW, "item": ITEM, "missing": MISSING, "rebuild": self._rebuild_id}

        def work(tx: ManagedTransaction) -> int:
            record = tx.run(query, params).single()
            return int(record[0]) if record is not None else 0

        return self._write(work)

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
            ends = ((True, spec.source), (False, spec.target))
            for outgoing in [out for out, label in ends if label == change.label]:
                moved += int(tx.run(cypher.redirect(node, spec, outgoing), keys).single(strict=True)["moved"])
        tx.run(cypher.delete_nodes(node), keys=[change.old_key]).consume()
        return moved

    @contextmanager
    def rebuilding(self) -> Iterator[Neo4jGraphStore]:
        """Yield this store stamping every write with a new rebuild id; on a clean exit delete the rest.

        Neo4j Community serves one user database, so there is no second graph to swap in. Readers
        see the old graph with the rebuild's upserts over it (never a kept item missing), then the
        sweep removes what the rebuild did not write: merged-away and deleted entities.
        """
        if self._rebuild_id is not None:
            raise BadInput("a rebuild of this graph is already running")
        self._rebuild_id = uuid.uuid4().hex
        try:
            yield self
            self._sweep(self._rebuild_id)
        finally:
            self._rebuild_id = None

    def _sweep(self, rebuild_id: str) -> None:
        """Delete the relations, then the nodes, of the model that rebuild `rebuild_id` did not write."""
        with self._session() as session:  # CALL ... IN TRANSACTIONS needs an auto-commit transaction
            for statement in cypher.sweep(self.model):
                session.run(statement, rebuild=rebuild_id).consume()

    def clear(self) -> None:
        with self._session() as session:  # CALL ... IN TRANSACTIONS needs an auto-commit transaction
            session.run(cypher.clear(self.model)).consume()

    def counts(self) -> dict[str, int]:
        def work(tx: ManagedTransaction) -> dict[str, int]:
            found = {
                label: tx.run(cypher.count_nodes(spec)).single(strict=True)["n"]
                for label, spec in self.model.nodes.items()
            }
            found.update(
                {
                    type_: tx.run(cypher.count_relations(spec)).single(strict=True)["n"]
                    for type_, spec in self.model.relations.items()
                }
            )
            return found

        return self._read(work)

    # --- queries ------------------------------------------------------------------------------------
    # Each query is one read transaction: the node's existence and everything about it together.

    def _reads(self, node: NodeRef, *queries: tuple[str, dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Run queries in one read transaction after checking `node` exists; return their rows."""
        spec = self.model.node(node.label)

        def work(tx: ManagedTransaction) -> list[list[dict[str, Any]]] | None:
            if tx.run(cypher.node_by_key(spec), key=node.key).single() is None:
                return None
            return [tx.run(query, params).data() for query, params in queries]

        found = self._read(work)
        if found is None:
            raise not_found(node.label, node.key)
        return found

    def get_node(self, label: str, key: str) -> dict[str, Any]:
        (rows,) = self._reads(NodeRef(label, key), (cypher.node_by_key(self.model.node(label)), {"key": key}))
        return self._shape(label, rows[0]["props"])

    def _shape(self, label: str, props: Mapping[str, Any] | None) -> dict[str, Any]:
        return shape_properties(props or {}, self.model.node(label))

    def relations(self, label: str, key: str) -> list[Relation]:
        spec = self.model.node(label)
        params = {"key": key, "key_of": self._key_of}
        (rows,) = self._reads(NodeRef(label, key), (cypher.relations_of(spec), params))
        found = []
        for row in rows:
            me, other = NodeRef(label, key), NodeRef(row["label"], row["other"])
            start, end = (me, other) if row["outgoing"] else (other, me)
            found.append(
                Relation(
                    row["type"], start, end, shape_properties(row["props"], self.model.relation(row["type"]))
                )
            )
        return sorted(found, key=Relation.sort_key)

    def person_360(self, person_id: str) -> Person360:
        key = {"key": person_id}
        person, homes, rows = self._reads(
            NodeRef("Person", person_id),
            (cypher.node_by_key(self.model.node("Person")), key),
            (cypher.PERSON_HOMES, key),
            (cypher.PERSON_EVENTS, key),
        )
        involvements = [
            Involvement(row["role"], self._shape("Event", row["event"]), row["place_id"], row["case_id"])
            for row in rows
        ]
        cases = {row["case_id"]: self._shape("Case", row["case"]) for row in rows if row["case_id"]}
        addresses = [self._shape("Place", row["place"]) for row in homes]
        return person_360(
            self._shape("Person", person[0]["props"]), addresses, involvements, list(cases.values())
        )

    def address_dossier(self, place_id: str) -> AddressDossier:
        key = {"key": place_id}
        place, above, below, rows, living = self._reads(
            NodeRef("Place", place_id),
            (cypher.node_by_key(self.model.node("Place")), key),
            (cypher.PLACES_ABOVE, key),
            (cypher.PLACES_BELOW, key),
            (cypher.DOSSIER_EVENTS, key),
            (cypher.DOSSIER_RESIDENTS, key),
        )
        events = [
            DossierEvent(
                self._shape("Event", row["event"]),
                row["place_id"],
                row["case_id"],
                [(pid, role) for pid, role in row["people"]],
            )
            for row in rows
        ]
        cases = {row["case_id"]: self._shape("Case", row["case"]) for row in rows if row["case_id"]}
        residents = [Resident(self._shape("Person", row["person"]), row["place_id"]) for row in living]
        return address_dossier(
            self._shape("Place", place[0]["props"]),
            [self._shape("Place", row["place"]) for row in above],
            [self._shape("Place", row["place"]) for row in below],
            events,
            residents,
            list(cases.values()),
        )

    def _expand(self, tx: ManagedTransaction, types: list[str]) -> Callable[[list[str]], list[Edge]]:
        """Return the adjacency of "Label:key" refs, one query per label in the frontier."""

        def expand(frontier: list[str]) -> list[Edge]:
            by_label: dict[str, list[str]] = {}
            for node in frontier:
                label, key = node.split(":", 1)
                by_label.setdefault(label, []).append(key)
            edges: list[Edge] = []
            for label, keys in by_label.items():
                query = cypher.edges_around(self.model.node(label))
                for row in tx.run(query, keys=keys, types=types, key_of=self._key_of):
                    edges.append((f"{label}:{row['key']}", row["type"], f"{row['label']}:{row['other']}"))
            return edges

        return expand

    def neighbours(
        self, label: str, key: str, depth: int = 1, relations: Sequence[str] | None = None
    ) -> list[Neighbour]:
        check_depth(depth)
        types = self._relation_types(relations)
        self._reads(NodeRef(label, key))
        found = self._read(lambda tx: distances(f"{label}:{key}", depth, self._expand(tx, types)))
        return sorted(Neighbour(level, *node.split(":", 1)) for node, level in found.items())

    def shortest_path(
        self, start: NodeRef, end: NodeRef, relations: Sequence[str] = PATH_RELATIONS, max_length: int = 8
    ) -> Path | None:
        check_depth(max_length)
        types = self._relation_types(relations)
        self._reads(end)
        if start == end:
            self._reads(start)
            return Path([start], [])
        query = cypher.shortest_path(
            self.model.node(start.label), self.model.node(end.label), types, max_length
        )
        (rows,) = self._reads(start, (query, {"start": start.key, "end": end.key, "key_of": self._key_of}))
        if not rows:
            return None
        return Path([NodeRef(label, key) for label, key in rows[0]["nodes"]], list(rows[0]["types"]))

    def co_involved(self, person_id: str) -> list[CoInvolvement]:
        (rows,) = self._reads(NodeRef("Person", person_id), (cypher.CO_INVOLVED, {"key": person_id}))
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
